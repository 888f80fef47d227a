// Package reports turns an assessment's tallies into the team report: scores, bands,
// contrasting experiences, perception gaps, named strengths and opportunities and
// Unknown hotspots, with the anonymity rule applied before anything else. Aggregation is
// pure: no I/O, only assessment and pillars types in and a Report out. The figures are
// indicative: the self-assessment is reflective, not a test.
package reports

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
)

// The scoring and reporting rules (README, "The team report" and "Decisions worth knowing").
const (
	StrengthBand      = 75   // a score at or above is a strength
	DevelopingBand    = 50   // at or above (and below StrengthBand) is developing
	ContrastShare     = 0.25 // Yes and No shares both at least this within a group
	GapPoints         = 25   // theme scores this far apart between two pillars
	UnknownHotspotMin = 0.25 // an item whose Unknown share is at least this
)

// Bands.
const (
	BandStrength    = "strength"
	BandDeveloping  = "developing"
	BandOpportunity = "opportunity"
)

// Counts of the answers to one item within a group.
type Counts struct {
	Yes        int `json:"yes"`
	Somewhat   int `json:"somewhat"`
	No         int `json:"no"`
	Unknown    int `json:"unknown"`
	Unanswered int `json:"unanswered"`
}

// Total is every submitted response of the group, answered or not.
func (c Counts) Total() int { return c.Yes + c.Somewhat + c.No + c.Unknown + c.Unanswered }

// ItemResult is one checklist item's figures within a group.
type ItemResult struct {
	ID      string `json:"id"`
	Pillar  string `json:"pillar"`
	Section string `json:"section"`
	Theme   string `json:"theme"`
	Counts  Counts `json:"counts"`
	// Percent gives the counts as whole percentages of the group that add up to 100
	// (largest-remainder rounding), for bars shown side by side.
	Percent Counts `json:"percent"`
	// Score is 0–100 over Yes, Somewhat and No (Unknown left out), as reported: rounded to
	// one decimal. nil when nobody answered one of those. Band is decided on Score, the
	// value every view shows, so the two never disagree.
	Score *float64 `json:"score"`
	Band  string   `json:"band,omitempty"`
	// UnknownShare is the share (0–1) of answers that were Unknown.
	UnknownShare float64 `json:"unknown_share"`

	// exact is the unrounded score; theme and section scores are means of exact item
	// scores, rounded once.
	exact *float64
}

// ScoreResult is a theme's or section's score: the mean of its items' exact scores,
// rounded to one decimal once; Band is decided on that reported score.
type ScoreResult struct {
	Key   string   `json:"key"`
	Score *float64 `json:"score"`
	Band  string   `json:"band,omitempty"`
}

// Group is one pillar's results. A withheld group (fewer submitted responses than the
// threshold) carries its pillar and that it is withheld, and nothing else.
type Group struct {
	Pillar        string                      `json:"pillar"`
	Submitted     int                         `json:"submitted"`
	Withheld      bool                        `json:"withheld"`
	Items         []ItemResult                `json:"items"`
	Sections      []ScoreResult               `json:"sections"`
	Themes        []ScoreResult               `json:"themes"`
	Strengths     []assessment.NamedText      `json:"strengths"`
	Opportunities []assessment.NamedText      `json:"opportunities"`
	Reflections   []assessment.ReflectionText `json:"reflections"`
	// Held counts, for a shown group, the newer submissions not in the report yet: a
	// group's figures change only by at least Threshold responses at a time, so a second
	// look never tells what one person answered. Always 0 for a withheld group.
	Held int `json:"held"`
	// Expected is the headcount the assessment expects in the pillar, nil for none;
	// ResponseRate, for a group shown, is Submitted as a whole percentage of it (nil
	// without a headcount of 1 or more, and always for a withheld group). See
	// participation.
	Expected     *int `json:"expected,omitempty"`
	ResponseRate *int `json:"response_rate,omitempty"`
}

// Team is the figures over every group that is shown; withheld groups are left out
// entirely, so nothing about them can be recovered by subtraction.
type Team struct {
	Submitted       int           `json:"submitted"`
	IncludedPillars []string      `json:"included_pillars"`
	WithheldPillars []string      `json:"withheld_pillars"`
	Items           []ItemResult  `json:"items"`
	Themes          []ScoreResult `json:"themes"`
}

// Gap is a theme seen very differently by two pillars.
type Gap struct {
	Theme   string  `json:"theme"`
	PillarA string  `json:"pillar_a"`
	PillarB string  `json:"pillar_b"`
	ScoreA  float64 `json:"score_a"`
	ScoreB  float64 `json:"score_b"`
	Points  float64 `json:"points"`
}

// Contrast is an item on which a group is split between Yes and No.
type Contrast struct {
	Pillar   string  `json:"pillar"`
	ItemID   string  `json:"item_id"`
	Theme    string  `json:"theme"`
	YesShare float64 `json:"yes_share"`
	NoShare  float64 `json:"no_share"`
}

// NamedTheme groups the strengths or opportunities people tied to one theme ("" for
// none), most named first.
type NamedTheme struct {
	Theme string   `json:"theme"`
	Count int      `json:"count"`
	Texts []string `json:"texts"`
}

// Report is the whole team report.
//
// Previous, Rounds and Actions come from other rounds and from the action plan, which
// Build knows nothing of: the caller sets them, and nil means none. Previous goes into
// the JSON; Rounds and Actions are for the workbook (the Trend and Action plan sheets).
type Report struct {
	Assessment      *assessment.Assessment `json:"-"`
	Threshold       int                    `json:"threshold"`
	Groups          []Group                `json:"groups"`
	Team            Team                   `json:"team"`
	Gaps            []Gap                  `json:"gaps"`
	Contrasts       []Contrast             `json:"contrasts"`
	Strengths       []NamedTheme           `json:"strengths"`
	Opportunities   []NamedTheme           `json:"opportunities"`
	HighestThemes   []ScoreResult          `json:"highest_themes"`
	LowestThemes    []ScoreResult          `json:"lowest_themes"`
	UnknownHotspots []ItemResult           `json:"unknown_hotspots"`
	// Previous compares this round with the team's previous one (see Compare).
	Previous *Comparison `json:"previous,omitempty"`
	// Rounds summarizes every round of the team up to and including this one, oldest
	// first (see Summarize); the workbook draws its Trend sheet from two or more.
	Rounds []RoundSummary `json:"-"`
	// Actions is this round's action plan, carried actions included, for the workbook's
	// Action plan sheet.
	Actions []assessment.Action `json:"-"`
}

// Build computes the report of an assessment from its tallies. Groups below the
// assessment's threshold are withheld before anything is computed from them.
func Build(a *assessment.Assessment, in *pillars.Instrument, t *assessment.Tallies) *Report {
	r := buildGroups(a, in, t)
	r.Gaps = gaps(in, r.Groups)
	r.Contrasts = contrasts(r.Groups)
	r.Strengths, r.Opportunities = namedThemes(in, r.Groups)
	r.HighestThemes, r.LowestThemes = extremes(r.Team.Themes, 3)
	r.UnknownHotspots = hotspots(r.Team.Items)
	return r
}

// buildGroups is the part of Build that the rest is made from: the groups, with the
// anonymity rule applied, and the team's figures over the groups shown. The roll-up
// (rollup.go) needs these only.
func buildGroups(a *assessment.Assessment, in *pillars.Instrument, t *assessment.Tallies) *Report {
	r := &Report{Assessment: a, Threshold: a.Threshold}
	counts := map[string]map[string]*Counts{} // pillar → item → counts
	for _, ic := range t.Items {
		if counts[ic.Pillar] == nil {
			counts[ic.Pillar] = map[string]*Counts{}
		}
		c := counts[ic.Pillar][ic.ItemID]
		if c == nil {
			c = &Counts{}
			counts[ic.Pillar][ic.ItemID] = c
		}
		switch ic.Answer {
		case assessment.Yes:
			c.Yes += ic.N
		case assessment.Somewhat:
			c.Somewhat += ic.N
		case assessment.No:
			c.No += ic.N
		case assessment.Unknown:
			c.Unknown += ic.N
		}
	}
	// Each group's lists of texts are made at their size at once: a large round's run to
	// tens of thousands of texts, and growing them copies every text several times.
	type textCount struct{ strengths, opportunities, reflections int }
	texts := map[string]*textCount{}
	for _, p := range in.Pillars {
		texts[p.Key] = &textCount{}
	}
	for _, n := range t.Named {
		if c := texts[n.Pillar]; c != nil && n.Kind == assessment.KindStrength {
			c.strengths++
		} else if c != nil {
			c.opportunities++
		}
	}
	for _, f := range t.Reflections {
		if c := texts[f.Pillar]; c != nil {
			c.reflections++
		}
	}
	for _, p := range in.Pillars {
		g := Group{Pillar: p.Key, Submitted: t.Submitted[p.Key]}
		if !a.Shows(g.Submitted) {
			g.Withheld = true
			g.Submitted = 0 // not even the exact count of a small group is reported
			r.Team.WithheldPillars = append(r.Team.WithheldPillars, p.Key)
			r.Groups = append(r.Groups, emptyGroup(g))
			continue
		}
		buildGroup(&g, &p, counts[p.Key])
		c := texts[p.Key]
		g.Strengths = make([]assessment.NamedText, 0, c.strengths)
		g.Opportunities = make([]assessment.NamedText, 0, c.opportunities)
		g.Reflections = make([]assessment.ReflectionText, 0, c.reflections)
		for _, n := range t.Named {
			if n.Pillar != p.Key {
				continue
			}
			if n.Kind == assessment.KindStrength {
				g.Strengths = append(g.Strengths, n)
			} else {
				g.Opportunities = append(g.Opportunities, n)
			}
		}
		for _, f := range t.Reflections {
			if f.Pillar == p.Key {
				g.Reflections = append(g.Reflections, f)
			}
		}
		unlink(&g)
		r.Groups = append(r.Groups, emptyGroup(g))
		r.Team.IncludedPillars = append(r.Team.IncludedPillars, p.Key)
		r.Team.Submitted += g.Submitted
		r.Team.Items = append(r.Team.Items, g.Items...)
	}
	r.Team.Themes = themeScores(in, r.Team.Items)
	for i := range r.Groups {
		participation(a, &r.Groups[i])
	}
	return r
}

// unlink puts a group's texts in content order (assessment.CompareNamed,
// CompareReflections), each list on its own, so that no list says who wrote what together
// or last. Every view lists the texts in this order. The store reads them in that order
// already, on a connection of its own while the answers are counted; a list found in
// order is left as it is.
func unlink(g *Group) {
	inOrder(g.Strengths, assessment.CompareNamed)
	inOrder(g.Opportunities, assessment.CompareNamed)
	inOrder(g.Reflections, assessment.CompareReflections)
}

// inOrder sorts list by compare unless it is sorted already. Texts equal by compare are
// alike in all a list shows, so the sort need not be stable.
func inOrder[T any](list []T, compare func(a, b T) int) {
	if !slices.IsSortedFunc(list, compare) {
		slices.SortFunc(list, compare)
	}
}

// emptyGroup makes nil lists empty, so JSON shows [] rather than null.
func emptyGroup(g Group) Group {
	if g.Items == nil {
		g.Items = []ItemResult{}
	}
	if g.Sections == nil {
		g.Sections = []ScoreResult{}
	}
	if g.Themes == nil {
		g.Themes = []ScoreResult{}
	}
	if g.Strengths == nil {
		g.Strengths = []assessment.NamedText{}
	}
	if g.Opportunities == nil {
		g.Opportunities = []assessment.NamedText{}
	}
	if g.Reflections == nil {
		g.Reflections = []assessment.ReflectionText{}
	}
	return g
}

func buildGroup(g *Group, p *pillars.Pillar, counts map[string]*Counts) {
	for _, sec := range p.Sections {
		var scores []*float64
		for _, it := range sec.Items {
			c := Counts{}
			if counts[it.ID] != nil {
				c = *counts[it.ID]
			}
			c.Unanswered = max(0, g.Submitted-(c.Yes+c.Somewhat+c.No+c.Unknown))
			ir := itemResult(p.Key, sec.Key, it, c)
			g.Items = append(g.Items, ir)
			scores = append(scores, ir.exact)
		}
		g.Sections = append(g.Sections, scoreResult(sec.Key, mean(scores)))
	}
	byTheme := map[string][]*float64{}
	var order []string
	for _, ir := range g.Items {
		if _, seen := byTheme[ir.Theme]; !seen {
			order = append(order, ir.Theme)
		}
		byTheme[ir.Theme] = append(byTheme[ir.Theme], ir.exact)
	}
	for _, th := range order {
		g.Themes = append(g.Themes, scoreResult(th, mean(byTheme[th])))
	}
}

func itemResult(pillar, section string, it pillars.Item, c Counts) ItemResult {
	ir := ItemResult{ID: it.ID, Pillar: pillar, Section: section, Theme: it.Theme, Counts: c, Percent: percentages(c)}
	if scored := c.Yes + c.Somewhat + c.No; scored > 0 {
		exact := 100 * (float64(c.Yes) + 0.5*float64(c.Somewhat)) / float64(scored)
		s := round1(exact)
		ir.exact, ir.Score, ir.Band = &exact, &s, band(s)
	}
	if answered := c.Yes + c.Somewhat + c.No + c.Unknown; answered > 0 {
		ir.UnknownShare = round3(float64(c.Unknown) / float64(answered))
	}
	return ir
}

// themeScores gives every instrument theme's score over items (mean of item scores),
// in the instrument's theme order.
func themeScores(in *pillars.Instrument, items []ItemResult) []ScoreResult {
	keys := make([]string, 0, len(in.Themes))
	for _, th := range in.Themes {
		keys = append(keys, th.Key)
	}
	return scoresByTheme(keys, items)
}

// scoresByTheme gives each theme's score over items (mean of exact item scores), in the
// order of keys. Compare uses it to score two rounds over the same pillars.
func scoresByTheme(keys []string, items []ItemResult) []ScoreResult {
	byTheme := map[string][]*float64{}
	for _, ir := range items {
		byTheme[ir.Theme] = append(byTheme[ir.Theme], ir.exact)
	}
	out := []ScoreResult{}
	for _, key := range keys {
		out = append(out, scoreResult(key, mean(byTheme[key])))
	}
	return out
}

// scoreResult reports an exact score: rounded to one decimal, with the band of that
// rounded value.
func scoreResult(key string, exact *float64) ScoreResult {
	r := ScoreResult{Key: key}
	if exact != nil {
		s := round1(*exact)
		r.Score, r.Band = &s, band(s)
	}
	return r
}

// mean of the scores that exist, unrounded; nil when none does.
func mean(scores []*float64) *float64 {
	sum, n := 0.0, 0
	for _, s := range scores {
		if s != nil {
			sum += *s
			n++
		}
	}
	if n == 0 {
		return nil
	}
	m := sum / float64(n)
	return &m
}

func band(score float64) string {
	switch {
	case score >= StrengthBand:
		return BandStrength
	case score >= DevelopingBand:
		return BandDeveloping
	}
	return BandOpportunity
}

// percentages turns counts into whole percentages of their total that add up to exactly
// 100, by largest remainder (ties to the earlier field: yes, somewhat, no, unknown,
// unanswered).
func percentages(c Counts) Counts {
	total := c.Total()
	if total == 0 {
		return Counts{}
	}
	// Arrays, not slices: every statement of every group is worked out here, and the
	// roll-up does it for every team.
	values := [...]int{c.Yes, c.Somewhat, c.No, c.Unknown, c.Unanswered}
	var floors [len(values)]int
	type rem struct {
		i int
		r int
	}
	var rems [len(values)]rem
	sum := 0
	for i, v := range values {
		floors[i] = v * 100 / total
		rems[i] = rem{i, v * 100 % total}
		sum += floors[i]
	}
	slices.SortStableFunc(rems[:], func(a, b rem) int { return cmp.Compare(b.r, a.r) })
	for k := 0; sum < 100; k++ {
		floors[rems[k].i]++
		sum++
	}
	return Counts{Yes: floors[0], Somewhat: floors[1], No: floors[2], Unknown: floors[3], Unanswered: floors[4]}
}

func gaps(in *pillars.Instrument, groups []Group) []Gap {
	var out []Gap
	for _, th := range in.Themes {
		for i := range groups {
			for j := i + 1; j < len(groups); j++ {
				a, b := themeScore(groups[i], th.Key), themeScore(groups[j], th.Key)
				if a == nil || b == nil {
					continue
				}
				// The difference of the two scores as shown, so the gap named is the one
				// a reader can check.
				if d := round1(math.Abs(*a - *b)); d >= GapPoints {
					out = append(out, Gap{Theme: th.Key, PillarA: groups[i].Pillar, PillarB: groups[j].Pillar, ScoreA: *a, ScoreB: *b, Points: d})
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Points > out[j].Points })
	if out == nil {
		out = []Gap{}
	}
	return out
}

func themeScore(g Group, key string) *float64 {
	if g.Withheld {
		return nil
	}
	for _, t := range g.Themes {
		if t.Key == key {
			return t.Score
		}
	}
	return nil
}

func contrasts(groups []Group) []Contrast {
	out := []Contrast{}
	for _, g := range groups {
		for _, ir := range g.Items {
			answered := ir.Counts.Yes + ir.Counts.Somewhat + ir.Counts.No + ir.Counts.Unknown
			if answered == 0 {
				continue
			}
			yes, no := float64(ir.Counts.Yes)/float64(answered), float64(ir.Counts.No)/float64(answered)
			if yes >= ContrastShare && no >= ContrastShare {
				out = append(out, Contrast{Pillar: g.Pillar, ItemID: ir.ID, Theme: ir.Theme, YesShare: round3(yes), NoShare: round3(no)})
			}
		}
	}
	return out
}

// namedThemes groups the shown groups' strengths and opportunities by theme, most named
// first, then in the instrument's theme order, untagged last.
func namedThemes(in *pillars.Instrument, groups []Group) (strengths, opportunities []NamedTheme) {
	order := themeOrder(in)
	collect := func(pick func(Group) []assessment.NamedText) []NamedTheme {
		byTheme := map[string]*NamedTheme{}
		for _, g := range groups { // counted first, to make each list at its size
			for _, n := range pick(g) {
				nt := byTheme[n.Theme]
				if nt == nil {
					nt = &NamedTheme{Theme: n.Theme}
					byTheme[n.Theme] = nt
				}
				nt.Count++
			}
		}
		for _, nt := range byTheme {
			nt.Texts = make([]string, 0, nt.Count)
		}
		for _, g := range groups {
			for _, n := range pick(g) {
				nt := byTheme[n.Theme]
				nt.Texts = append(nt.Texts, n.Text)
			}
		}
		out := []NamedTheme{}
		for _, nt := range byTheme {
			slices.Sort(nt.Texts) // by text, not by who wrote first (see unlink)
			out = append(out, *nt)
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Count != out[j].Count {
				return out[i].Count > out[j].Count
			}
			return rank(order, out[i].Theme) < rank(order, out[j].Theme)
		})
		return out
	}
	strengths = collect(func(g Group) []assessment.NamedText { return g.Strengths })
	opportunities = collect(func(g Group) []assessment.NamedText { return g.Opportunities })
	return strengths, opportunities
}

// extremes returns up to n highest and n lowest scored themes, compared on the scores as
// reported. Ties go to the theme listed first (themes come in the instrument's order),
// for the highest and the lowest alike: the one tie rule of every view.
func extremes(themes []ScoreResult, n int) (highest, lowest []ScoreResult) {
	var scored []ScoreResult
	for _, t := range themes {
		if t.Score != nil {
			scored = append(scored, t)
		}
	}
	byHigh := slices.Clone(scored)
	sort.SliceStable(byHigh, func(i, j int) bool { return *byHigh[i].Score > *byHigh[j].Score })
	byLow := slices.Clone(scored)
	sort.SliceStable(byLow, func(i, j int) bool { return *byLow[i].Score < *byLow[j].Score })
	highest = append([]ScoreResult{}, byHigh[:min(n, len(byHigh))]...)
	lowest = append([]ScoreResult{}, byLow[:min(n, len(byLow))]...)
	return highest, lowest
}

func hotspots(items []ItemResult) []ItemResult {
	out := []ItemResult{}
	for _, ir := range items {
		if ir.UnknownShare >= UnknownHotspotMin {
			out = append(out, ir)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].UnknownShare > out[j].UnknownShare })
	return out
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
func round3(f float64) float64 { return math.Round(f*1000) / 1000 }
