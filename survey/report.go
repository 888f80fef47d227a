package survey

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/reports"
)

// The team report and what is made of it: the screen, the JSON API, the discussion's
// agenda, the workbook and the command line's exports all start from LoadReport, so they
// show one set of numbers (computed once by package reports, from the counts the database
// makes) with one anonymity rule.

// Report is a round's team report with the instrument it was answered on.
type Report struct {
	*reports.Report
	Instrument *pillars.Instrument
}

// Report loads the report of actor's assessment id; see LoadReport.
func (s *Service) Report(ctx context.Context, actor *assessment.Facilitator, id int64, trend bool) (*Report, error) {
	round, err := s.Assessment(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return s.LoadReport(ctx, round, trend)
}

// LoadReport builds the report of a round as every view of it shows it: the round's own
// figures, its action plan, and, when the team had a round before, the comparison with
// it (Previous) and the actions agreed then as they stand now. What a group shows is
// released in steps of at least the threshold (storage.Release): newer submissions wait,
// counted in Group.Held, until enough have arrived, so no two looks at any view differ
// by one person. With trend it also
// summarizes every earlier round of the team, for the workbook's Trend sheet. Each
// round's report applies the anonymity rule to that round on its own, so nothing
// withheld in one round is shown through another. Only the unbroken run of rounds of the
// round's owner is walked, and earlier rounds are read as scores only (no verbatim text).
func (s *Service) LoadReport(ctx context.Context, round *Round, trend bool) (*Report, error) {
	return s.loadReport(ctx, round, trend, true)
}

// ReportFigures is Report without the free texts: the same figures, released the same
// way, with every list of strengths, opportunities and reflections empty. The database
// never reads a verbatim for it, which makes it much faster for a large round.
func (s *Service) ReportFigures(ctx context.Context, actor *assessment.Facilitator, id int64) (*Report, error) {
	round, err := s.Assessment(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return s.loadReport(ctx, round, false, false)
}

func (s *Service) loadReport(ctx context.Context, round *Round, trend, texts bool) (*Report, error) {
	groups, err := s.store.Release(ctx, round.ID, round.Threshold)
	if err != nil {
		return nil, err
	}
	tallies := s.store.Tallies
	if !texts {
		tallies = s.store.ScoreTallies
	}
	t, err := tallies(ctx, round.ID)
	if err != nil {
		return nil, err
	}
	rep := reports.Build(round.Assessment, round.Instrument, t)
	for i := range rep.Groups {
		if g := &rep.Groups[i]; !g.Withheld {
			g.Held = groups[g.Pillar].Held
		}
	}
	if rep.Actions, err = s.store.Actions(ctx, round.ID); err != nil {
		return nil, err
	}
	out := &Report{Report: rep, Instrument: round.Instrument}
	if round.PreviousID == nil {
		if trend {
			rep.Rounds = []reports.RoundSummary{reports.Summarize(rep)}
		}
		return out, nil
	}
	all, err := s.store.Rounds(ctx, round.Assessment)
	if err != nil {
		return nil, err
	}
	var earlier []assessment.Assessment // the unbroken run of the team's rounds before this one
	for i := len(all) - 2; i >= 0 && all[i].SeriesID == round.SeriesID; i-- {
		earlier = append([]assessment.Assessment{all[i]}, earlier...)
	}
	if len(earlier) == 0 {
		if trend {
			rep.Rounds = []reports.RoundSummary{reports.Summarize(rep)}
		}
		return out, nil
	}
	scores := func(a *assessment.Assessment) (*reports.Report, error) {
		r, err := s.round(a)
		if err != nil {
			return nil, err
		}
		// Shown here, an earlier round's figures follow its own release rule.
		if _, err := s.store.Release(ctx, a.ID, a.Threshold); err != nil {
			return nil, err
		}
		t, err := s.store.ScoreTallies(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		return reports.Build(a, r.Instrument, t), nil
	}
	prev := &earlier[len(earlier)-1]
	prevRep, err := scores(prev)
	if err != nil {
		return nil, err
	}
	agreed, err := s.store.ActionsAgreedIn(ctx, prev.ID)
	if err != nil {
		return nil, err
	}
	rep.Previous = reports.Compare(prevRep, rep, agreed)
	if trend {
		for i := range earlier[:len(earlier)-1] {
			r, err := scores(&earlier[i])
			if err != nil {
				return nil, err
			}
			rep.Rounds = append(rep.Rounds, reports.Summarize(r))
		}
		rep.Rounds = append(rep.Rounds, reports.Summarize(prevRep), reports.Summarize(rep))
	}
	return out, nil
}

// Agenda is the team discussion's material, chosen once from the report: the projected
// view, its handout and the workbook's discussion guide all show this one value.
func (r *Report) Agenda() *reports.Agenda { return reports.NewAgenda(r.Report, r.Instrument) }

// Formats the report can be exported in.
const (
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// Export writes the report in format (FormatXLSX, FormatCSV or FormatJSON) with the
// labels of lang. The whole export is made in memory first, so a failure leaves w
// untouched: a web download is a proper error, never a truncated file.
func (s *Service) Export(rep *Report, format string, lang locale.Lang, w io.Writer) error {
	var buf bytes.Buffer
	var err error
	switch format {
	case FormatXLSX:
		err = reports.WriteXLSX(&buf, rep.Report, rep.Instrument, s.words.In(lang), s.now())
	case FormatCSV:
		err = reports.WriteCSV(&buf, rep.Report, rep.Instrument, lang)
	case FormatJSON:
		err = reports.WriteJSON(&buf, rep.Report)
	default:
		err = fmt.Errorf("survey: no export format %q", format)
	}
	if err != nil {
		return err
	}
	_, err = buf.WriteTo(w)
	return err
}

// Workbook is actor's report of assessment id as an Excel workbook in lang, with the
// trend over the team's rounds, made whole in memory; the download is recorded in the
// activity trail.
func (s *Service) Workbook(ctx context.Context, actor *assessment.Facilitator, id int64, lang locale.Lang) ([]byte, *Round, error) {
	round, err := s.Assessment(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	rep, err := s.LoadReport(ctx, round, true)
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	if err := s.Export(rep, FormatXLSX, lang, &buf); err != nil {
		return nil, nil, err
	}
	if err := audit(ctx, s.store, actor, assessment.AuditExport, &round.ID, FormatXLSX); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), round, nil
}
