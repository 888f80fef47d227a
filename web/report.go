package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/reports"
	"github.com/ecat-project/ecat/storage"
)

// The team report, on screen and in JSON. Counting happens in the database
// (storage.Tallies); reports.Build applies the anonymity rule and the scoring.

func (s *Server) buildReport(c echo.Context, a *assessment.Assessment) (*reports.Report, *pillars.Instrument, error) {
	return LoadReport(c.Request().Context(), s.store, s.catalog, a, false)
}

// LoadReport builds the report of a round as every view of it shows it: the round's own
// figures, its action plan, and, when the team had a round before, the comparison with
// it (Previous) and the actions agreed then as they stand now. With trend it also
// summarizes every earlier round of the team, for the workbook's Trend sheet. Each
// round's report applies the anonymity rule to that round on its own, so nothing
// withheld in one round is shown through another. Only rounds of a's owner are walked.
func LoadReport(ctx context.Context, store *storage.Store, catalog *pillars.Catalog, a *assessment.Assessment, trend bool) (*reports.Report, *pillars.Instrument, error) {
	build := func(r *assessment.Assessment) (*reports.Report, *pillars.Instrument, error) {
		in, ok := catalog.Version(r.InstrumentVersion)
		if !ok {
			return nil, nil, fmt.Errorf("assessment %d uses instrument %q, which this ecat does not have", r.ID, r.InstrumentVersion)
		}
		t, err := store.Tallies(ctx, r.ID)
		if err != nil {
			return nil, nil, err
		}
		return reports.Build(r, in, t), in, nil
	}
	rep, in, err := build(a)
	if err != nil {
		return nil, nil, err
	}
	if rep.Actions, err = store.Actions(ctx, a.ID); err != nil {
		return nil, nil, err
	}
	if a.PreviousID == nil {
		if trend {
			rep.Rounds = []reports.RoundSummary{reports.Summarize(rep)}
		}
		return rep, in, nil
	}
	all, err := store.Rounds(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	var rounds []assessment.Assessment // the unbroken run of a's owner's rounds ending with a
	for i := len(all) - 1; i >= 0 && sameOwner(&all[i], a); i-- {
		rounds = append([]assessment.Assessment{all[i]}, rounds...)
	}
	var prevRep *reports.Report
	if n := len(rounds); n >= 2 {
		prev := &rounds[n-2]
		if prevRep, _, err = build(prev); err != nil {
			return nil, nil, err
		}
		agreed, err := store.ActionsAgreedIn(ctx, prev.ID)
		if err != nil {
			return nil, nil, err
		}
		rep.Previous = reports.Compare(prevRep, rep, agreed)
	}
	if trend {
		for i := range rounds {
			r := rep
			switch {
			case i == len(rounds)-2:
				r = prevRep
			case i < len(rounds)-2:
				if r, _, err = build(&rounds[i]); err != nil {
					return nil, nil, err
				}
			}
			rep.Rounds = append(rep.Rounds, reports.Summarize(r))
		}
	}
	return rep, in, nil
}

func sameOwner(x, y *assessment.Assessment) bool {
	return x.FacilitatorID == nil && y.FacilitatorID == nil ||
		x.FacilitatorID != nil && y.FacilitatorID != nil && *x.FacilitatorID == *y.FacilitatorID
}

func (s *Server) apiReport(c echo.Context) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	rep, _, err := s.buildReport(c, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, reports.NewDocument(rep))
}

// View of the on-screen report.

type reportItemView struct {
	ID, Text, ThemeTitle string
	Score                string
	Band, BandText       string
	Bar                  template.HTML
	Counts               reports.Counts
	Percent              reports.Counts
}

type reportGroupView struct {
	Key, Title string
	Withheld   bool
	Submitted  int
	Items      []reportItemView
	Strengths  []reports.NamedTheme
	Opps       []reports.NamedTheme
}

type heatCell struct {
	Score, Band string
}

type heatRow struct {
	Theme string
	Cells []heatCell
	Team  heatCell
	Gap   string
}

type themeLine struct {
	Title, Score string
	Count        int
	Texts        []string
}

type reportView struct {
	A                        *assessment.Assessment
	Threshold                int
	Submitted                int
	Included, Withheld       []string
	Groups                   []reportGroupView
	PillarTitles             []string
	Heat                     []heatRow
	Strengths, Opportunities []themeLine
	Highest, Lowest          []themeLine
	Contrasts, Hotspots      []reportItemView
	Moved                    *movedView
}

func (s *Server) reportPage(c echo.Context) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	rep, in, err := s.buildReport(c, a)
	if err != nil {
		return err
	}
	lang := s.lang(c, "", a.Language)
	v := s.reportView(lang, rep, in)
	p := s.facilitatorPageData(c, lang, "title.report", v)
	p.Title = a.Title + " · " + p.Title
	return s.render(c, http.StatusOK, "report", p)
}

func (s *Server) reportView(langCode string, rep *reports.Report, in *pillars.Instrument) reportView {
	lang := pillars.Lang(langCode)
	msg := func(key string) string { return s.tmpl.Message(langCode, key) }
	themeTitle := func(key string) string {
		if th := in.Theme(key); th != nil {
			return th.Title.In(lang)
		}
		return msg("report.no_theme")
	}
	pillarTitle := func(key string) string { return in.Pillar(key).Title.In(lang) }
	score := func(f *float64) string {
		if f == nil {
			return "—"
		}
		return fmt.Sprintf("%.0f", *f)
	}
	item := func(ir reports.ItemResult) reportItemView {
		it, _, _ := in.Item(ir.ID)
		v := reportItemView{ID: ir.ID, Text: it.Text.In(lang), ThemeTitle: themeTitle(ir.Theme), Score: score(ir.Score),
			Band: ir.Band, Counts: ir.Counts, Percent: ir.Percent}
		if ir.Band != "" {
			v.BandText = msg("band." + ir.Band)
		}
		v.Bar = template.HTML(reports.StackedBarSVG(ir.ID, []reports.Segment{
			{Label: msg("answer.yes"), Percent: ir.Percent.Yes, Class: "yes"},
			{Label: msg("answer.somewhat"), Percent: ir.Percent.Somewhat, Class: "somewhat"},
			{Label: msg("answer.no"), Percent: ir.Percent.No, Class: "no"},
			{Label: msg("answer.unknown"), Percent: ir.Percent.Unknown, Class: "unknown"},
		}))
		return v
	}
	v := reportView{A: rep.Assessment, Threshold: rep.Threshold, Submitted: rep.Team.Submitted,
		Moved: s.movedView(langCode, rep.Previous, in)}
	for _, k := range rep.Team.IncludedPillars {
		v.Included = append(v.Included, pillarTitle(k))
	}
	for _, k := range rep.Team.WithheldPillars {
		v.Withheld = append(v.Withheld, pillarTitle(k))
	}
	for _, g := range rep.Groups {
		gv := reportGroupView{Key: g.Pillar, Title: pillarTitle(g.Pillar), Withheld: g.Withheld, Submitted: g.Submitted}
		for _, ir := range g.Items {
			gv.Items = append(gv.Items, item(ir))
		}
		v.Groups = append(v.Groups, gv)
		v.PillarTitles = append(v.PillarTitles, gv.Title)
	}
	for _, th := range rep.Team.Themes {
		row := heatRow{Theme: themeTitle(th.Key), Team: heatCell{Score: score(th.Score), Band: th.Band}}
		for _, g := range rep.Groups {
			cell := heatCell{Score: "—"}
			for _, gt := range g.Themes {
				if gt.Key == th.Key {
					cell = heatCell{Score: score(gt.Score), Band: gt.Band}
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		for _, gap := range rep.Gaps {
			if gap.Theme == th.Key {
				row.Gap = fmt.Sprintf("%.0f", gap.Points)
				break // gaps are sorted widest first
			}
		}
		v.Heat = append(v.Heat, row)
	}
	lines := func(named []reports.NamedTheme) []themeLine {
		var out []themeLine
		for _, n := range named {
			out = append(out, themeLine{Title: themeTitle(n.Theme), Count: n.Count, Texts: n.Texts})
		}
		return out
	}
	v.Strengths, v.Opportunities = lines(rep.Strengths), lines(rep.Opportunities)
	for _, t := range rep.HighestThemes {
		v.Highest = append(v.Highest, themeLine{Title: themeTitle(t.Key), Score: score(t.Score)})
	}
	for _, t := range rep.LowestThemes {
		v.Lowest = append(v.Lowest, themeLine{Title: themeTitle(t.Key), Score: score(t.Score)})
	}
	for _, ct := range rep.Contrasts {
		for _, g := range rep.Groups {
			for _, ir := range g.Items {
				if g.Pillar == ct.Pillar && ir.ID == ct.ItemID {
					v.Contrasts = append(v.Contrasts, item(ir))
				}
			}
		}
	}
	for _, ir := range rep.UnknownHotspots {
		v.Hotspots = append(v.Hotspots, item(ir))
	}
	return v
}

// reportXLSX sends the workbook, in the assessment's language unless the reader chose
// another, straight to the response.
func (s *Server) reportXLSX(c echo.Context) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	rep, in, err := LoadReport(c.Request().Context(), s.store, s.catalog, a, true)
	if err != nil {
		return err
	}
	lang := a.Language
	if l, ok := pillars.ParseLang(c.QueryParam("lang")); ok {
		lang = string(l)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="ecat-report-%d-round-%d.xlsx"`, a.ID, a.Round))
	c.Response().WriteHeader(http.StatusOK)
	if err := reports.WriteXLSX(c.Response(), rep, in, pillars.Lang(lang), time.Now()); err != nil {
		// Headers are gone; the log keeps the cause and the download is cut short.
		s.log.Error("workbook failed", "request_id", requestID(c), "error", err.Error())
		return nil
	}
	s.metrics.exported("xlsx")
	s.audit(c, me(c).ID, assessment.AuditExport, &a.ID, "xlsx")
	return nil
}
