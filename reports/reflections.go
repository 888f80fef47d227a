package reports

import "unicode/utf8"

// The team's own reflections, for the round of insights of the discussion: a few of each
// shown group's answers to the reflection questions, so the round starts from what the
// team wrote. Withheld groups were emptied by Build: nothing of theirs can be chosen.
//
// Choice, per shown group: identical texts are one (GroupTexts), the most written first,
// then in the report's order of the group's texts (by question, then by text: never by
// who wrote first); each is cut to QuoteMax characters at a word, and the chosen ones
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
		// GroupTexts keeps the first prompt a text was written under.
		texts := make([]string, len(g.Reflections))
		prompt := map[string]string{}
		for i, f := range g.Reflections {
			texts[i] = f.Text
			if _, ok := prompt[f.Text]; !ok {
				prompt[f.Text] = f.PromptID
			}
		}
		gr := GroupReflections{Pillar: g.Pillar}
		used := 0
		for _, tc := range GroupTexts(texts) {
			q := ShortQuote(tc.Text, QuoteMax)
			n := utf8.RuneCountInString(q)
			if len(gr.Quotes) == ReflectionsPerGroup || len(gr.Quotes) > 0 && used+n > ReflectionBudget {
				gr.More++
				continue
			}
			gr.Quotes = append(gr.Quotes, ReflectionQuote{PromptID: prompt[tc.Text], Text: q, Count: tc.Count})
			used += n
		}
		out = append(out, gr)
	}
	return out
}
