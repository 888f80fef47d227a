package web

import (
	"strconv"

	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/reports"
)

// What moved since the team's previous round, on the report page: theme scores of both
// rounds with the change, per pillar shown in both rounds and for the team over those
// pillars only (reports.Compare applies the anonymity rule to both rounds), the response
// counts, and the actions agreed last time as they stand now.

type movedCell struct {
	Text   string // "62.5 → 70.0"
	Change string // "+7.5", "−4.0", "0", or "" when either side is missing
	Dir    string // up, down, same, or ""
}

type movedRow struct {
	Theme string
	Cells []movedCell
}

type movedCount struct {
	Title, Previous, Current string
}

type movedAction struct {
	Text, Lead, Due, Status, StatusText string
}

type movedView struct {
	Round       int
	PreviousURL string
	Columns     []string // comparable pillars, then the team
	Rows        []movedRow
	Counts      []movedCount
	LeftOut     []string // pillars withheld in either round
	Actions     []movedAction
	// Summary marks the team summary's, for everyone invited: no link to the previous
	// round's report (PreviousURL is empty), no counts of responses.
	Summary bool
}

func (s *Server) movedView(langCode string, cmp *reports.Comparison, in *pillars.Instrument) *movedView {
	if cmp == nil {
		return nil
	}
	lang := locale.Lang(langCode)
	msg := func(key string) string { return s.tmpl.Message(langCode, key) }
	pillarTitle := func(key string) string {
		if p := in.Pillar(key); p != nil {
			return p.Title.In(lang)
		}
		return key
	}
	v := &movedView{Round: cmp.Round, PreviousURL: "/assessments/" + strconv.FormatInt(cmp.AssessmentID, 10) + "/report"}
	count := func(n int, withheld bool) string {
		if withheld {
			return msg("report.moved_withheld")
		}
		return strconv.Itoa(n)
	}
	var columns [][]reports.ScoreChange
	for _, g := range cmp.Groups {
		v.Counts = append(v.Counts, movedCount{Title: pillarTitle(g.Pillar),
			Previous: count(g.PreviousSubmitted, g.PreviousWithheld), Current: count(g.Submitted, g.Withheld)})
		if g.Comparable {
			v.Columns = append(v.Columns, pillarTitle(g.Pillar))
			columns = append(columns, g.Themes)
		}
	}
	for _, k := range cmp.Team.LeftOutPillars {
		v.LeftOut = append(v.LeftOut, pillarTitle(k))
	}
	if len(cmp.Team.Pillars) > 0 {
		v.Columns = append(v.Columns, msg("report.col_team"))
		columns = append(columns, cmp.Team.Themes)
	}
	for _, th := range in.Themes {
		row := movedRow{Theme: th.Title.In(lang)}
		for _, col := range columns {
			row.Cells = append(row.Cells, movedCellFor(col, th.Key, s.scoreFormatter(langCode)))
		}
		v.Rows = append(v.Rows, row)
	}
	for _, a := range cmp.Actions {
		ma := movedAction{Text: a.Text, Lead: a.Lead, Status: a.Status, StatusText: msg("action_status." + a.Status)}
		if a.Due != nil {
			ma.Due = *a.Due
		}
		v.Actions = append(v.Actions, ma)
	}
	return v
}

// movedCellFor is a theme's change as the report shows it: both scores as reported and
// their difference, which reports.Compare computes from those same reported scores, so
// the cell never contradicts itself.
func movedCellFor(changes []reports.ScoreChange, key string, score func(*float64) string) movedCell {
	for _, c := range changes {
		if c.Key != key {
			continue
		}
		cell := movedCell{Text: score(c.PreviousScore) + " → " + score(c.Score)}
		if c.Change != nil {
			switch d := *c.Change; {
			case d > 0:
				cell.Change, cell.Dir = "+"+score(&d), "up"
			case d < 0:
				d = -d
				cell.Change, cell.Dir = "−"+score(&d), "down"
			default:
				cell.Change, cell.Dir = "0", "same"
			}
		}
		return cell
	}
	return movedCell{Text: "—"}
}
