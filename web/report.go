package web

import (
	"fmt"
	"html/template"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/reports"
	"github.com/ecat-project/ecat/survey"
)

// The team report, on screen and in JSON, and its workbook. survey.LoadReport builds it
// (counts from the database, figures from package reports); these handlers lay it out.

func (s *Server) loadReport(c echo.Context) (*survey.Report, error) {
	return s.svc.Report(c.Request().Context(), me(c), pathID(c, "id"), false)
}

// apiReport answers GET /api/v1/assessments/{id}/report: the report as JSON, with its
// free texts unless ?texts=none asks for the figures alone (the texts of a large round
// are most of the document and most of the time: 37 MB of 100,000 responses' strengths,
// opportunities and reflections). The report is made whole first, so a failure is a
// proper JSON error; then it is encoded as it is sent (reports.EncodeJSON), never held
// as one document in memory. ?pretty, which echo's JSON answers honour, still indents
// it, made whole.
func (s *Server) apiReport(c echo.Context) error {
	texts := true
	verr := &assessment.ValidationError{}
	if v, ok := queryValue(c, "texts", verr); ok {
		switch v {
		case "all":
		case reports.TextsNone:
			texts = false
		default:
			verr.Add("texts", assessment.CodeInvalid)
		}
	}
	if err := verr.OrNil(); err != nil {
		return err
	}
	var rep *survey.Report
	var err error
	if texts {
		rep, err = s.loadReport(c)
	} else {
		rep, err = s.svc.ReportFigures(c.Request().Context(), me(c), pathID(c, "id"))
	}
	if err != nil {
		return err
	}
	doc := reports.NewDocument(rep.Report)
	if !texts {
		doc.Texts = reports.TextsNone
	}
	if _, pretty := c.QueryParams()["pretty"]; pretty {
		return c.JSON(http.StatusOK, doc)
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	res.WriteHeader(http.StatusOK)
	return reports.EncodeJSON(res, doc)
}

// View of the on-screen report.

type reportItemView struct {
	ID, Text, ThemeTitle string
	// Pillar and Section are titles: the lists across groups and the sorted statements
	// say where a statement comes from.
	Pillar, Section string
	Score           string
	Band, BandText  string
	Bar             template.HTML
	Counts          reports.Counts
	Percent         reports.Counts

	// What the orders of the statements compare: the score as reported, the share of
	// Unknown, and how evenly Yes and No split the answers (the smaller share).
	score          *float64
	unknown, split float64
	section        string
}

// reportSectionView is one section of a group's checklist, with its score.
type reportSectionView struct {
	Key, Title            string
	Score, Band, BandText string
	Items                 []reportItemView
}

type reportGroupView struct {
	Key, Title string
	Withheld   bool
	Submitted  int
	// Held counts the newer responses not shown yet, NeedMore how many more they wait for.
	Held, NeedMore int
	Items          []reportItemView
	// Sections hold Items in the checklist's order; Sorted holds them in the order the
	// reader asked for (nil in the checklist's order).
	Sections  []reportSectionView
	Sorted    []reportItemView
	Strengths []reports.NamedTheme
	Opps      []reports.NamedTheme
	// Expected is the headcount expected in the group (when Expecting); Rate its response
	// rate (when Rated: a group shown, with a headcount of 1 or more).
	Expected, Rate   int
	Expecting, Rated bool
}

type heatCell struct {
	Score, Band string
	// Missing says, in words, why a cell has no score: its group is withheld, or nobody
	// gave the theme a score; "" when it has one. The page hatches such a cell.
	Missing string
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
	// Texts are the verbatims, identical ones once with how many wrote them.
	Texts []reports.TextCount
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
	// Open is set while the round takes responses: the page then says how newer ones join.
	Open bool
	// Paper names, per group shown, how many of its responses were entered from paper.
	Paper []string
	// Overview is the picture of the whole that opens the page (the report page's only).
	Overview *overviewView
	// Sort is the statements' order (?sort=), SortLinks the choices.
	Sort      string
	SortLinks []sortLink
	// Reflections are the shown groups' reflections, set by the report page only (the
	// team summary, which shares this view, quotes nobody).
	Reflections []reflectionGroup
	// PrintHead heads every printed page: team, round and title.
	PrintHead string
}

func (s *Server) reportPage(c echo.Context) error {
	order, err := querySort(c)
	if err != nil {
		return err
	}
	rep, err := s.loadReport(c)
	if err != nil {
		return err
	}
	a := rep.Assessment
	lang := s.lang(c, "", a.Language)
	v := s.reportView(lang, rep.Report, rep.Instrument)
	// The overview (cards, the ranked chart) is the report page's alone: the summary and
	// the discussion, which share the view, do not draw it.
	v.Overview = s.overviewView(lang, rep.Report, rep.Instrument)
	if v.Paper, err = s.paperNotes(c, lang, rep); err != nil {
		return err
	}
	sortStatements(&v, order)
	v.SortLinks = s.sortLinks(lang, a.ID, order)
	v.Reflections = reflectionsView(lang, rep.Report, rep.Instrument)
	p := s.roundPageData(c, lang, "title.report", a.Title, v)
	p.Script = true // the print button
	return s.render(c, http.StatusOK, "report", p)
}

// paperNotes says, per shown group of a report, how many of its responses were entered
// from paper ("Staff: 2 on paper"): the report's notes and the team summary show it, so
// the team sees how much of a figure came through the facilitator's hands. A withheld
// group's make-up stays unsaid.
func (s *Server) paperNotes(c echo.Context, lang string, rep *survey.Report) ([]string, error) {
	paper, err := s.svc.PaperCounts(c.Request().Context(), &survey.Round{Assessment: rep.Assessment})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, g := range rep.Groups {
		if n := paper[g.Pillar]; n > 0 && !g.Withheld {
			out = append(out, rep.Instrument.Pillar(g.Pillar).Title.In(locale.Lang(lang))+": "+fmt.Sprintf(s.tmpl.Message(lang, "paper.count"), n))
		}
	}
	return out, nil
}

func (s *Server) reportView(langCode string, rep *reports.Report, in *pillars.Instrument) reportView {
	lang := locale.Lang(langCode)
	msg := func(key string) string { return s.tmpl.Message(langCode, key) }
	themeTitle := func(key string) string {
		if th := in.Theme(key); th != nil {
			return th.Title.In(lang)
		}
		return msg("report.no_theme")
	}
	pillarTitle := func(key string) string { return in.Pillar(key).Title.In(lang) }
	score := s.scoreFormatter(langCode)
	item := func(ir reports.ItemResult) reportItemView {
		it, _, _ := in.Item(ir.ID)
		v := reportItemView{ID: ir.ID, Text: it.Text.In(lang), ThemeTitle: themeTitle(ir.Theme), Score: score(ir.Score),
			Band: ir.Band, Counts: ir.Counts, Percent: ir.Percent, Pillar: pillarTitle(ir.Pillar),
			score: ir.Score, unknown: ir.UnknownShare, section: ir.Section}
		if answered := ir.Counts.Yes + ir.Counts.Somewhat + ir.Counts.No + ir.Counts.Unknown; answered > 0 {
			v.split = float64(min(ir.Counts.Yes, ir.Counts.No)) / float64(answered)
		}
		if p := in.Pillar(ir.Pillar); p != nil {
			for _, sec := range p.Sections {
				if sec.Key == ir.Section {
					v.Section = sec.Title.In(lang)
				}
			}
		}
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
	v := reportView{A: rep.Assessment, Threshold: rep.Threshold, Submitted: rep.Team.Submitted, Open: rep.Assessment.IsOpen(),
		Moved: s.movedView(langCode, rep.Previous, in)}
	if a := rep.Assessment; a != nil {
		v.PrintHead = a.Team + " · " + fmt.Sprintf(msg("assessment.round"), a.Round) + " · " + a.Title
	}
	for _, k := range rep.Team.IncludedPillars {
		v.Included = append(v.Included, pillarTitle(k))
	}
	for _, k := range rep.Team.WithheldPillars {
		v.Withheld = append(v.Withheld, pillarTitle(k))
	}
	for _, g := range rep.Groups {
		gv := reportGroupView{Key: g.Pillar, Title: pillarTitle(g.Pillar), Withheld: g.Withheld, Submitted: g.Submitted, Held: g.Held}
		if g.Held > 0 {
			gv.NeedMore = max(0, rep.Threshold-g.Held)
		}
		if g.Expected != nil {
			gv.Expected, gv.Expecting = *g.Expected, true
		}
		if g.ResponseRate != nil {
			gv.Rate, gv.Rated = *g.ResponseRate, true
		}
		for _, ir := range g.Items {
			gv.Items = append(gv.Items, item(ir))
		}
		gv.Sections = s.sectionsOf(langCode, g, gv.Items, in)
		v.Groups = append(v.Groups, gv)
		v.PillarTitles = append(v.PillarTitles, gv.Title)
	}
	for _, th := range rep.Team.Themes {
		heat := func(sr *reports.ScoreResult, withheld bool) heatCell {
			switch {
			case withheld:
				return heatCell{Missing: msg("report.heat_withheld")}
			case sr == nil || sr.Score == nil:
				return heatCell{Missing: msg("report.heat_no_score")}
			}
			return heatCell{Score: score(sr.Score), Band: sr.Band}
		}
		row := heatRow{Theme: themeTitle(th.Key), Team: heat(&th, false)}
		for _, g := range rep.Groups {
			var found *reports.ScoreResult
			for i, gt := range g.Themes {
				if gt.Key == th.Key {
					found = &g.Themes[i]
				}
			}
			row.Cells = append(row.Cells, heat(found, g.Withheld))
		}
		for _, gap := range rep.Gaps {
			if gap.Theme == th.Key {
				row.Gap = s.svc.Words().In(lang).Num(gap.Points)
				break // gaps are sorted widest first
			}
		}
		v.Heat = append(v.Heat, row)
	}
	lines := func(named []reports.NamedTheme) []themeLine {
		var out []themeLine
		for _, n := range named {
			out = append(out, themeLine{Title: themeTitle(n.Theme), Count: n.Count, Texts: reports.GroupTexts(n.Texts)})
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
// another (?lang=, exactly "en" or "fr"). It is made whole before anything is sent, so
// a failure is a proper error page or JSON error, never a truncated download.
func (s *Server) reportXLSX(c echo.Context) error {
	chosen, err := queryLang(c, "")
	if err != nil {
		return err
	}
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	lang := locale.Lang(a.Language)
	if chosen != "" {
		lang = chosen
	}
	book, round, err := s.svc.Workbook(c.Request().Context(), me(c), a.ID, lang)
	if err != nil {
		return err
	}
	s.metrics.exported(survey.FormatXLSX)
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="ecat-report-%d-round-%d.xlsx"`, round.ID, round.Round))
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", book)
}

// scoreFormatter writes a reported score as every view shows it: one decimal, in the
// language's decimal mark; "—" for none.
func (s *Server) scoreFormatter(lang string) func(*float64) string {
	p := s.svc.Words().In(locale.Lang(lang))
	return func(f *float64) string {
		if f == nil {
			return "—"
		}
		return p.Num(*f)
	}
}
