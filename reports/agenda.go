package reports

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
)

// The team discussion's material (the agenda of about 20 minutes: framing, a round of
// insights, strengths and opportunities, decide), chosen once from the report so the
// projected view, its handout and the workbook's discussion guide name the same themes,
// statements and gaps in the same order. Views only lay it out and translate it.
//
// Choices and their one tie rule:
//   - A pillar's top strength and top opportunity are the themes its members named most
//     often; a tie goes to the theme first in the instrument's order, untagged texts last.
//   - A pillar's highest and lowest scored themes compare the reported scores; a tie goes
//     to the theme first in the instrument's order (extremes).
//   - The team's common strengths and opportunities are the most named themes across the
//     shown groups (Report.Strengths and Opportunities, same rule); texts without a theme
//     are not a theme the team shares and are left out.
//   - Contrasting experiences come most evenly split first (the smaller of the Yes and No
//     shares, larger first), gaps widest first, Unknown hotspots most Unknown first; ties
//     keep the report's order (pillar, then statement).
//   - Each list holds at most AgendaListMax entries, and says how many more the report has,
//     so the material fits five minutes and one printed page.
//
// Withheld groups were emptied by Build, so nothing of theirs can appear here; the framing
// step names them without any count.

// AgendaListMax caps each list of the agenda.
const AgendaListMax = 3

// Quotes of a pillar's top theme: the first named, and a second only when both together
// stay within QuoteBudget characters; each is cut to QuoteMax characters at a word.
const (
	QuotesPerTheme = 2
	QuoteMax       = 160
	QuoteBudget    = 240
)

// Agenda is the material of the team discussion.
type Agenda struct {
	// Submitted counts the responses of the shown groups; Included and Withheld name the
	// groups (pillar keys) for the framing step.
	Submitted          int
	Included, Withheld []string
	// Reflections counts the reflection texts of the shown groups (round of insights).
	Reflections int
	// Pillars has one entry per shown group, in the instrument's order.
	Pillars []PillarFocus
	// CommonStrengths and CommonOpportunities are the themes named most across the team.
	CommonStrengths, CommonOpportunities []CommonTheme
	// Contrasts, Gaps and Hotspots are the findings for step 3; More* count the rest.
	Contrasts                             []AgendaItem
	Gaps                                  []Gap
	Hotspots                              []AgendaItem
	MoreContrasts, MoreGaps, MoreHotspots int
	// Focus are the lowest scoring team themes, to consider first when deciding.
	Focus []ScoreResult
}

// PillarFocus is one shown group's material.
type PillarFocus struct {
	Pillar                string
	Submitted             int
	Strength, Opportunity NamedFocus
	// Highest and Lowest are nil when no theme of the group has a score.
	Highest, Lowest *ScoreResult
}

// NamedFocus is the theme a group named most often as a strength or an opportunity.
// Count is 0 when nobody named one; Theme is "" for texts without a theme.
type NamedFocus struct {
	Theme  string
	Count  int
	Quotes []string
}

// CommonTheme is a theme the team named often, and the shown pillars that named it.
type CommonTheme struct {
	Theme   string
	Count   int
	Pillars []string
}

// AgendaItem is a statement of step 3 with its group's shares, in whole percentages of
// the group (Yes and No as the statement bars show them; Unknown likewise).
type AgendaItem struct {
	Pillar, ItemID       string
	Yes, No, Unknown     int
	YesShare, NoShare    float64 // of the answers, as the contrast rule counts them
	UnknownShare         float64
	Score                *float64
	Band, Theme, Section string
}

// NewAgenda chooses the discussion's material from a report.
func NewAgenda(r *Report, in *pillars.Instrument) *Agenda {
	ag := &Agenda{Submitted: r.Team.Submitted,
		Included: append([]string{}, r.Team.IncludedPillars...), Withheld: append([]string{}, r.Team.WithheldPillars...)}
	order := themeOrder(in)
	for _, g := range r.Groups {
		if g.Withheld {
			continue
		}
		ag.Reflections += len(g.Reflections)
		pf := PillarFocus{Pillar: g.Pillar, Submitted: g.Submitted,
			Strength: topNamed(g.Strengths, order), Opportunity: topNamed(g.Opportunities, order)}
		if hi, lo := extremes(g.Themes, 1); len(hi) > 0 {
			pf.Highest, pf.Lowest = &hi[0], &lo[0]
		}
		ag.Pillars = append(ag.Pillars, pf)
	}
	ag.CommonStrengths = commonThemes(r.Strengths, r.Groups, func(g Group) []assessment.NamedText { return g.Strengths })
	ag.CommonOpportunities = commonThemes(r.Opportunities, r.Groups, func(g Group) []assessment.NamedText { return g.Opportunities })

	results := map[string]ItemResult{} // pillar + item → figures, shown groups only
	for _, g := range r.Groups {
		for _, ir := range g.Items {
			results[g.Pillar+" "+ir.ID] = ir
		}
	}
	contrasts := append([]Contrast(nil), r.Contrasts...)
	sort.SliceStable(contrasts, func(i, j int) bool {
		return min(contrasts[i].YesShare, contrasts[i].NoShare) > min(contrasts[j].YesShare, contrasts[j].NoShare)
	})
	for _, ct := range contrasts {
		ir, ok := results[ct.Pillar+" "+ct.ItemID]
		if !ok {
			continue
		}
		if len(ag.Contrasts) == AgendaListMax {
			ag.MoreContrasts++
			continue
		}
		item := agendaItem(ir)
		item.YesShare, item.NoShare = ct.YesShare, ct.NoShare
		ag.Contrasts = append(ag.Contrasts, item)
	}
	for _, gap := range r.Gaps { // widest first
		if len(ag.Gaps) == AgendaListMax {
			ag.MoreGaps++
			continue
		}
		ag.Gaps = append(ag.Gaps, gap)
	}
	for _, ir := range r.UnknownHotspots { // most Unknown first
		if len(ag.Hotspots) == AgendaListMax {
			ag.MoreHotspots++
			continue
		}
		ag.Hotspots = append(ag.Hotspots, agendaItem(ir))
	}
	ag.Focus = append([]ScoreResult{}, r.LowestThemes...)
	return ag
}

func agendaItem(ir ItemResult) AgendaItem {
	return AgendaItem{Pillar: ir.Pillar, ItemID: ir.ID, Yes: ir.Percent.Yes, No: ir.Percent.No, Unknown: ir.Percent.Unknown,
		UnknownShare: ir.UnknownShare, Score: ir.Score, Band: ir.Band, Theme: ir.Theme, Section: ir.Section}
}

// themeOrder ranks theme keys in the instrument's order, untagged ("") last.
func themeOrder(in *pillars.Instrument) map[string]int {
	order := map[string]int{"": len(in.Themes)}
	for i, th := range in.Themes {
		order[th.Key] = i
	}
	return order
}

// topNamed finds the theme named most often (ties: the instrument's order, untagged
// last) with its quotes.
func topNamed(texts []assessment.NamedText, order map[string]int) NamedFocus {
	counts := map[string]int{}
	for _, t := range texts {
		counts[t.Theme]++
	}
	best, found := "", false
	for theme, n := range counts {
		if !found || n > counts[best] || n == counts[best] && rank(order, theme) < rank(order, best) {
			best, found = theme, true
		}
	}
	if !found {
		return NamedFocus{}
	}
	f := NamedFocus{Theme: best, Count: counts[best]}
	used := 0
	for _, t := range texts {
		if t.Theme != best || len(f.Quotes) == QuotesPerTheme {
			continue
		}
		q := ShortQuote(t.Text, QuoteMax)
		if n := utf8.RuneCountInString(q); len(f.Quotes) == 0 || used+n <= QuoteBudget {
			f.Quotes = append(f.Quotes, q)
			used += n
		}
	}
	return f
}

// rank is a theme's place in order; a key the instrument does not know (an earlier
// version's) comes after every known one but before untagged texts.
func rank(order map[string]int, theme string) int {
	if r, ok := order[theme]; ok {
		if theme == "" {
			return r + 1
		}
		return r
	}
	return order[""]
}

func commonThemes(named []NamedTheme, groups []Group, pick func(Group) []assessment.NamedText) []CommonTheme {
	out := []CommonTheme{}
	for _, n := range named {
		if n.Theme == "" {
			continue // "no theme" is not a theme the team shares
		}
		if len(out) == AgendaListMax {
			break
		}
		ct := CommonTheme{Theme: n.Theme, Count: n.Count, Pillars: []string{}}
		for _, g := range groups {
			if g.Withheld {
				continue
			}
			for _, t := range pick(g) {
				if t.Theme == n.Theme {
					ct.Pillars = append(ct.Pillars, g.Pillar)
					break
				}
			}
		}
		out = append(out, ct)
	}
	return out
}

// ShortQuote keeps a verbatim whole up to max characters; a longer one is cut at the
// last space before the limit (or at the limit in one long word) and ends with "…".
// Runs of white space become one space.
func ShortQuote(text string, max int) string {
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
