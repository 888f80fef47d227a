package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/reports"
	"github.com/ecat-project/ecat/survey"
)

// The team discussion: a projected view that walks the team through the four steps of
// the agenda with the team's own material, and a one-page handout of the same content.
// The material is the report's Agenda (package reports), chosen once, so this view, the
// handout and the workbook's discussion guide name the same themes, statements and gaps
// in the same order; here it is only laid out and translated. Withheld groups were
// emptied by the report, so nothing of them can show; the framing step names them,
// without any count.

// agendaStep is one step of the discussion as both pages show it.
type agendaStep struct {
	N       int    // 1..4; the heading's id is step-N
	Title   string // translated
	TimeBox string // "2 min", "6–8 min"
	// Seconds is the countdown's length: the upper end of the time box, so the four steps
	// add up to the 20 minutes of the agenda. Clock is the same as m:ss.
	Seconds int
	Clock   string
}

// promptGroup is one pillar's reflection questions, the cues of the round of insights.
type promptGroup struct {
	Pillar  string
	Prompts []string
}

// namedFocus is the theme a pillar named most often as a strength or an opportunity.
type namedFocus struct {
	Theme  string // "" when nobody named one
	Count  int
	Quotes []string
}

// scoredTheme is a theme with its score, for a pillar's highest and lowest.
type scoredTheme struct {
	Theme, Score string
}

// pillarFocus is one shown pillar's material for step 3.
type pillarFocus struct {
	Title                 string
	Strength, Opportunity namedFocus
	Highest, Lowest       *scoredTheme
}

// commonTheme is a theme the team named often, and the pillars that named it.
type commonTheme struct {
	Theme   string
	Count   int
	Pillars string // titles, comma separated
}

// discussionItem is a checklist statement of step 3: split between Yes and No, or often
// answered Unknown.
type discussionItem struct {
	ID, Text, Pillar string
	Yes, No, Unknown int // percentages
}

// gapLine is a theme two pillars see very differently.
type gapLine struct {
	Theme                   string
	PillarA, ScoreA         string
	PillarB, ScoreB, Points string
}

// discussionView is everything the discussion view and the handout show.
type discussionView struct {
	A                                    *assessment.Assessment
	ReportURL, DiscussionURL, HandoutURL string
	ActionsURL                           string
	Threshold, Submitted                 int
	Included, Withheld                   []string // pillar titles
	Steps                                []agendaStep
	TotalMinutes                         int
	Prompts                              []promptGroup
	Pillars                              []pillarFocus
	CommonStrengths, CommonOpps          []commonTheme
	Contrasts, Hotspots                  []discussionItem
	Gaps                                 []gapLine
	// More* count what the lists above leave out, for "n more in the report".
	MoreContrasts, MoreHotspots, MoreGaps int
	// Focus are the lowest scoring themes, to consider first when deciding.
	Focus []scoredTheme
	// Reflections are a few of each shown group's own reflections, for the round of
	// insights (reports.ChooseReflections).
	Reflections []reflectionCard
	// HeatTitles and Heat are the heatmap of the shown groups, a screen of step 3.
	HeatTitles []string
	Heat       []heatRow
}

// discussionPage is the projected view of the team discussion.
func (s *Server) discussionPage(c echo.Context) error {
	return s.renderDiscussion(c, "discussion", "title.discussion")
}

// handoutPage is the printable one-page handout of the same material.
func (s *Server) handoutPage(c echo.Context) error {
	return s.renderDiscussion(c, "handout", "title.handout")
}

func (s *Server) renderDiscussion(c echo.Context, page, titleKey string) error {
	rep, err := s.loadReport(c)
	if err != nil {
		return err
	}
	a := rep.Assessment
	lang := s.lang(c, "", a.Language) // as the report page chooses
	p := s.roundPageData(c, lang, titleKey, a.Title, s.discussionView(lang, rep))
	return s.render(c, http.StatusOK, page, p)
}

// discussionView lays the report's agenda out, step by step.
func (s *Server) discussionView(langCode string, rep *survey.Report) discussionView {
	lang := locale.Lang(langCode)
	in := rep.Instrument
	ag := rep.Agenda()
	a := rep.Assessment
	base := "/assessments/" + strconv.FormatInt(a.ID, 10)
	keepLang := "?lang=" + langCode
	v := discussionView{A: a, Threshold: rep.Threshold, Submitted: ag.Submitted,
		ReportURL: base + "/report" + keepLang, DiscussionURL: base + "/discussion" + keepLang,
		HandoutURL: base + "/discussion/handout" + keepLang, ActionsURL: base + keepLang + "#actions",
		MoreContrasts: ag.MoreContrasts, MoreHotspots: ag.MoreHotspots, MoreGaps: ag.MoreGaps}

	minutes := func(n int) string { return fmt.Sprintf(s.tmpl.Message(langCode, "discussion.minutes"), n) }
	v.Steps = []agendaStep{
		{N: 1, Title: s.tmpl.Message(langCode, "discussion.step_framing"), TimeBox: minutes(2), Seconds: 2 * 60},
		{N: 2, Title: s.tmpl.Message(langCode, "discussion.step_insights"),
			TimeBox: fmt.Sprintf(s.tmpl.Message(langCode, "discussion.minutes_range"), 6, 8), Seconds: 8 * 60},
		{N: 3, Title: s.tmpl.Message(langCode, "discussion.step_themes"), TimeBox: minutes(5), Seconds: 5 * 60},
		{N: 4, Title: s.tmpl.Message(langCode, "discussion.step_decide"), TimeBox: minutes(5), Seconds: 5 * 60},
	}
	for i, st := range v.Steps {
		v.Steps[i].Clock = fmt.Sprintf("%d:%02d", st.Seconds/60, st.Seconds%60)
		v.TotalMinutes += st.Seconds / 60
	}

	themeTitle := func(key string) string {
		if th := in.Theme(key); th != nil {
			return th.Title.In(lang)
		}
		return s.tmpl.Message(langCode, "report.no_theme")
	}
	pillarTitle := func(key string) string {
		if p := in.Pillar(key); p != nil {
			return p.Title.In(lang)
		}
		return key
	}
	score := s.scoreFormatter(langCode)
	for _, k := range ag.Included {
		v.Included = append(v.Included, pillarTitle(k))
	}
	for _, k := range ag.Withheld {
		v.Withheld = append(v.Withheld, pillarTitle(k))
	}

	// Step 2: every member speaks, whatever their group, so every pillar's questions are
	// cues. They are the instrument's text, not anybody's answer.
	for _, p := range in.Pillars {
		pg := promptGroup{Pillar: p.Title.In(lang)}
		for _, pr := range p.Reflections {
			pg.Prompts = append(pg.Prompts, pr.Text.In(lang))
		}
		if len(pg.Prompts) > 0 {
			v.Prompts = append(v.Prompts, pg)
		}
	}

	// Step 3, pillar by pillar: only the groups the report shows.
	named := func(f reports.NamedFocus) namedFocus {
		out := namedFocus{Count: f.Count, Quotes: f.Quotes}
		if f.Count > 0 {
			out.Theme = themeTitle(f.Theme)
		}
		return out
	}
	for _, pf := range ag.Pillars {
		focus := pillarFocus{Title: pillarTitle(pf.Pillar), Strength: named(pf.Strength), Opportunity: named(pf.Opportunity)}
		if pf.Highest != nil {
			focus.Highest = &scoredTheme{Theme: themeTitle(pf.Highest.Key), Score: score(pf.Highest.Score)}
			focus.Lowest = &scoredTheme{Theme: themeTitle(pf.Lowest.Key), Score: score(pf.Lowest.Score)}
		}
		v.Pillars = append(v.Pillars, focus)
	}
	common := func(list []reports.CommonTheme) []commonTheme {
		var out []commonTheme
		for _, ct := range list {
			var by []string
			for _, p := range ct.Pillars {
				by = append(by, pillarTitle(p))
			}
			out = append(out, commonTheme{Theme: themeTitle(ct.Theme), Count: ct.Count, Pillars: strings.Join(by, ", ")})
		}
		return out
	}
	v.CommonStrengths, v.CommonOpps = common(ag.CommonStrengths), common(ag.CommonOpportunities)
	item := func(ai reports.AgendaItem) discussionItem {
		d := discussionItem{ID: ai.ItemID, Pillar: pillarTitle(ai.Pillar), Yes: ai.Yes, No: ai.No, Unknown: ai.Unknown}
		if it, _, ok := in.Item(ai.ItemID); ok {
			d.Text = it.Text.In(lang)
		}
		return d
	}
	for _, ai := range ag.Contrasts {
		v.Contrasts = append(v.Contrasts, item(ai))
	}
	for _, ai := range ag.Hotspots {
		v.Hotspots = append(v.Hotspots, item(ai))
	}
	for _, gap := range ag.Gaps {
		v.Gaps = append(v.Gaps, gapLine{Theme: themeTitle(gap.Theme),
			PillarA: pillarTitle(gap.PillarA), ScoreA: score(&gap.ScoreA),
			PillarB: pillarTitle(gap.PillarB), ScoreB: score(&gap.ScoreB),
			Points: score(&gap.Points)})
	}
	// Step 4: the lowest scoring themes are where to look first.
	for _, t := range ag.Focus {
		v.Focus = append(v.Focus, scoredTheme{Theme: themeTitle(t.Key), Score: score(t.Score)})
	}
	v.Reflections = s.reflectionCards(langCode, rep.Report, in)
	v.HeatTitles, v.Heat = s.shownHeat(langCode, rep.Report, in)
	return v
}
