package web

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/reports"
)

// The team discussion (INSTRUMENT.md, "The team discussion"): a projected view that walks
// the team through the four steps of the agenda with the team's own material, and a
// one-page handout of the same content. Both are built by discussionView from the report,
// which has already emptied the withheld groups, so nothing of them can show here; the
// framing step names them, without any count.
//
// The material is cut to what a team can take in within five minutes and what fits one
// printed page: per pillar one strength and one opportunity theme with a verbatim or two
// (see quotesPerTheme), and at most discussionListMax common themes, contrasts, gaps and
// Unknown hotspots, each list saying how many more the report holds.

const (
	// discussionListMax caps each list of step 3.
	discussionListMax = 3
	// quoteMax caps a verbatim, in characters; a longer one is cut at a word and marked "…".
	quoteMax = 160
	// quotesPerTheme is how many verbatims a pillar's top theme shows: the first named,
	// and a second one only when both together stay within quotesBudget characters.
	quotesPerTheme = 2
	quotesBudget   = 240
)

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
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	rep, in, err := s.buildReport(c, a)
	if err != nil {
		return err
	}
	lang := s.lang(c, "", a.Language) // as the report page chooses
	p := s.facilitatorPageData(c, lang, titleKey, s.discussionView(lang, rep, in))
	p.Title = a.Title + " · " + p.Title
	return s.render(c, http.StatusOK, page, p)
}

// discussionView selects the material of each step from the report.
func (s *Server) discussionView(langCode string, rep *reports.Report, in *pillars.Instrument) discussionView {
	lang := pillars.Lang(langCode)
	a := rep.Assessment
	base := "/assessments/" + strconv.FormatInt(a.ID, 10)
	keepLang := "?lang=" + langCode
	v := discussionView{A: a, Threshold: rep.Threshold, Submitted: rep.Team.Submitted,
		ReportURL: base + "/report" + keepLang, DiscussionURL: base + "/discussion" + keepLang,
		HandoutURL: base + "/discussion/handout" + keepLang, ActionsURL: base + keepLang + "#actions"}

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
	themeOrder := map[string]int{"": len(in.Themes)} // untagged texts come last
	for i, th := range in.Themes {
		themeOrder[th.Key] = i
	}

	for _, k := range rep.Team.IncludedPillars {
		v.Included = append(v.Included, pillarTitle(k))
	}
	for _, k := range rep.Team.WithheldPillars {
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
	for _, g := range rep.Groups {
		if g.Withheld {
			continue
		}
		pf := pillarFocus{Title: pillarTitle(g.Pillar),
			Strength:    topNamed(g.Strengths, themeOrder),
			Opportunity: topNamed(g.Opportunities, themeOrder)}
		if pf.Strength.Count > 0 {
			pf.Strength.Theme = themeTitle(pf.Strength.Theme)
		}
		if pf.Opportunity.Count > 0 {
			pf.Opportunity.Theme = themeTitle(pf.Opportunity.Theme)
		}
		if hi, lo := scoreExtremes(g.Themes); hi != nil {
			pf.Highest = &scoredTheme{Theme: themeTitle(hi.Key), Score: fmt.Sprintf("%.0f", *hi.Score)}
			pf.Lowest = &scoredTheme{Theme: themeTitle(lo.Key), Score: fmt.Sprintf("%.0f", *lo.Score)}
		}
		v.Pillars = append(v.Pillars, pf)
	}

	common := func(named []reports.NamedTheme, pick func(reports.Group) []assessment.NamedText) []commonTheme {
		var out []commonTheme
		for _, n := range named {
			if n.Theme == "" {
				continue // "no theme" is not a theme the team shares
			}
			if len(out) == discussionListMax {
				break
			}
			var by []string
			for _, g := range rep.Groups {
				for _, t := range pick(g) {
					if !g.Withheld && t.Theme == n.Theme {
						by = append(by, pillarTitle(g.Pillar))
						break
					}
				}
			}
			out = append(out, commonTheme{Theme: themeTitle(n.Theme), Count: n.Count, Pillars: strings.Join(by, ", ")})
		}
		return out
	}
	v.CommonStrengths = common(rep.Strengths, func(g reports.Group) []assessment.NamedText { return g.Strengths })
	v.CommonOpps = common(rep.Opportunities, func(g reports.Group) []assessment.NamedText { return g.Opportunities })

	item := func(ir reports.ItemResult) discussionItem {
		d := discussionItem{ID: ir.ID, Pillar: pillarTitle(ir.Pillar), Yes: ir.Percent.Yes, No: ir.Percent.No, Unknown: ir.Percent.Unknown}
		if it, _, ok := in.Item(ir.ID); ok {
			d.Text = it.Text.In(lang)
		}
		return d
	}
	results := map[string]reports.ItemResult{} // pillar + item → figures, shown groups only
	for _, g := range rep.Groups {
		for _, ir := range g.Items {
			results[g.Pillar+" "+ir.ID] = ir
		}
	}
	// The most evenly split statements first.
	contrasts := append([]reports.Contrast(nil), rep.Contrasts...)
	sort.SliceStable(contrasts, func(i, j int) bool {
		return min(contrasts[i].YesShare, contrasts[i].NoShare) > min(contrasts[j].YesShare, contrasts[j].NoShare)
	})
	for _, ct := range contrasts {
		ir, ok := results[ct.Pillar+" "+ct.ItemID]
		if !ok {
			continue
		}
		if len(v.Contrasts) == discussionListMax {
			v.MoreContrasts++
			continue
		}
		v.Contrasts = append(v.Contrasts, item(ir))
	}
	for _, ir := range rep.UnknownHotspots { // most Unknown first
		if len(v.Hotspots) == discussionListMax {
			v.MoreHotspots++
			continue
		}
		v.Hotspots = append(v.Hotspots, item(ir))
	}
	for _, gap := range rep.Gaps { // widest first
		if len(v.Gaps) == discussionListMax {
			v.MoreGaps++
			continue
		}
		v.Gaps = append(v.Gaps, gapLine{Theme: themeTitle(gap.Theme),
			PillarA: pillarTitle(gap.PillarA), ScoreA: fmt.Sprintf("%.0f", gap.ScoreA),
			PillarB: pillarTitle(gap.PillarB), ScoreB: fmt.Sprintf("%.0f", gap.ScoreB),
			Points: fmt.Sprintf("%.0f", gap.Points)})
	}
	return v
}

// topNamed finds the theme named most often (ties: the instrument's order, untagged
// last) and up to quotesPerTheme of its texts, shortened.
func topNamed(texts []assessment.NamedText, order map[string]int) namedFocus {
	counts := map[string]int{}
	for _, t := range texts {
		counts[t.Theme]++
	}
	best, found := "", false
	for theme, n := range counts {
		if !found || n > counts[best] || n == counts[best] && order[theme] < order[best] {
			best, found = theme, true
		}
	}
	if !found {
		return namedFocus{}
	}
	f := namedFocus{Theme: best, Count: counts[best]}
	used := 0
	for _, t := range texts {
		if t.Theme != best || len(f.Quotes) == quotesPerTheme {
			continue
		}
		q := shortQuote(t.Text, quoteMax)
		if n := utf8.RuneCountInString(q); len(f.Quotes) == 0 || used+n <= quotesBudget {
			f.Quotes = append(f.Quotes, q)
			used += n
		}
	}
	return f
}

// scoreExtremes returns the highest and lowest scored of themes (nil when none has a
// score); the first in the list wins a tie.
func scoreExtremes(themes []reports.ScoreResult) (hi, lo *reports.ScoreResult) {
	for i := range themes {
		t := &themes[i]
		if t.Score == nil {
			continue
		}
		if hi == nil || *t.Score > *hi.Score {
			hi = t
		}
		if lo == nil || *t.Score < *lo.Score {
			lo = t
		}
	}
	return hi, lo
}

// shortQuote keeps a verbatim whole up to max characters; a longer one is cut at the
// last space before the limit (or at the limit in one long word) and ends with "…".
func shortQuote(text string, max int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= max {
		return text
	}
	runes := []rune(text)[:max]
	cut := string(runes)
	if i := strings.LastIndex(cut, " "); i > max/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.") + "…"
}
