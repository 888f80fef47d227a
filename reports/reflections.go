package reports

import (
	"cmp"
	"slices"
	"unicode/utf8"
)

// The team's own reflections, for the round of insights of the discussion: a few of each
// shown group's answers to the reflection questions, so the round starts from what the
// team wrote. Withheld groups were emptied by Build: nothing of theirs can be chosen.
//
// Choice, per shown group: identical texts under one question are one (GroupTexts), the
// most written first, then in the report's order of the group's texts (by question, then
// by text: never by who wrote first); each is cut to QuoteMax characters at a word, and the chosen ones
// stay within ReflectionBudget characters together, so a group's column fits a projected
// screen. At most ReflectionsPerGroup are chosen; More counts the distinct texts left.

// Reflection choice limits.
const (
	ReflectionsPerGroup = 3
	ReflectionBudget    = 360
)

// GroupReflections is one shown group's chosen reflections.
type GroupReflections struct {
	Pillar string
	Quotes []ReflectionQuote
	More   int
}

// ReflectionQuote is a chosen reflection: its question, its text (cut) and how many
// people wrote the same.
type ReflectionQuote struct {
	PromptID string
	Text     string
	Count    int
}

// ChooseReflections picks the reflections of every shown group that wrote any, in the
// instrument's order of pillars.
func ChooseReflections(r *Report) []GroupReflections {
	var out []GroupReflections
	for _, g := range r.Groups {
		if g.Withheld || len(g.Reflections) == 0 {
			continue
		}
		// Identical texts are gathered question by question: the same words under two
		// questions may be one person's, and "written by 2 people" would then say more
		// than is known. The most written first, across questions, else in the report's
		// order (by question, then by text).
		var quotes []ReflectionQuote
		for start := 0; start < len(g.Reflections); {
			end := start
			var texts []string
			for ; end < len(g.Reflections) && g.Reflections[end].PromptID == g.Reflections[start].PromptID; end++ {
				texts = append(texts, g.Reflections[end].Text)
			}
			for _, tc := range GroupTexts(texts) {
				quotes = append(quotes, ReflectionQuote{PromptID: g.Reflections[start].PromptID, Text: tc.Text, Count: tc.Count})
			}
			start = end
		}
		slices.SortStableFunc(quotes, func(a, b ReflectionQuote) int { return cmp.Compare(b.Count, a.Count) })
		gr := GroupReflections{Pillar: g.Pillar}
		used := 0
		for _, rq := range quotes {
			q := ShortQuote(rq.Text, QuoteMax)
			n := utf8.RuneCountInString(q)
			if len(gr.Quotes) == ReflectionsPerGroup || len(gr.Quotes) > 0 && used+n > ReflectionBudget {
				gr.More++
				continue
			}
			rq.Text = q
			gr.Quotes = append(gr.Quotes, rq)
			used += n
		}
		out = append(out, gr)
	}
	return out
}
