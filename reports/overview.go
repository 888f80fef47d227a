package reports

import (
	"cmp"
	"slices"
	"strings"
)

// The overview that opens the report: a picture of the whole before the details. One
// score per pillar group and one for the team, and the themes ranked by the team's
// score with each shown group's score of the same theme beside it.
//
// Every score here follows the report's one rule: the mean of the exact scores of the
// statements it covers, rounded once to one decimal, its band decided on that rounded
// value. A theme's scores are the report's own (Team.Themes and each group's Themes),
// so the overview, the heatmap and the workbook never disagree. A withheld group has no
// score and no count; the team's figures cover the shown groups only, as everywhere.

// Overview is the report's picture of the whole.
type Overview struct {
	// Team is the score over every statement of the shown groups (Key is "").
	Team      ScoreResult
	Submitted int
	// Groups has one entry per group of the report, withheld ones included, in the
	// report's (the instrument's) order.
	Groups []GroupOverall
	// Themes are ranked by the team's score, highest first; a tie keeps the instrument's
	// order (the one tie rule of every view), and themes nobody scored come last.
	Themes []RankedTheme
}

// GroupOverall is one pillar group's score card.
type GroupOverall struct {
	Pillar    string
	Withheld  bool
	Submitted int         // 0 when withheld: not even the size of a small group is told
	Score     ScoreResult // Key is the pillar; no score when withheld
}

// RankedTheme is one row of the ranked chart.
type RankedTheme struct {
	Key  string
	Team ScoreResult
	// Groups holds the theme's score in each group of Overview.Groups, at the same
	// index; a withheld group's entry has no score.
	Groups []ScoreResult
}

// NewOverview draws the overview from a built report.
func NewOverview(r *Report) *Overview {
	o := &Overview{Submitted: r.Team.Submitted}
	var all []*float64
	for _, g := range r.Groups {
		gs := GroupOverall{Pillar: g.Pillar, Withheld: g.Withheld, Score: ScoreResult{Key: g.Pillar}}
		if !g.Withheld {
			exact := exactScores(g)
			all = append(all, exact...)
			gs.Submitted, gs.Score = g.Submitted, scoreResult(g.Pillar, mean(exact))
		}
		o.Groups = append(o.Groups, gs)
	}
	o.Team = scoreResult("", mean(all))
	for _, th := range r.Team.Themes {
		rt := RankedTheme{Key: th.Key, Team: th}
		for _, g := range r.Groups {
			s := ScoreResult{Key: th.Key}
			if !g.Withheld {
				if i := slices.IndexFunc(g.Themes, func(gt ScoreResult) bool { return gt.Key == th.Key }); i >= 0 {
					s = g.Themes[i]
				}
			}
			rt.Groups = append(rt.Groups, s)
		}
		o.Themes = append(o.Themes, rt)
	}
	slices.SortStableFunc(o.Themes, func(a, b RankedTheme) int {
		switch {
		case a.Team.Score == nil && b.Team.Score == nil:
			return 0
		case a.Team.Score == nil:
			return 1
		case b.Team.Score == nil:
			return -1
		}
		return cmp.Compare(*b.Team.Score, *a.Team.Score)
	})
	return o
}

// exactScores are a group's statement scores, unrounded (nil for a statement nobody
// scored).
func exactScores(g Group) []*float64 {
	exact := make([]*float64, len(g.Items))
	for i := range g.Items {
		exact[i] = g.Items[i].exact
	}
	return exact
}

// TextCount is a text and how many times it was written, for lists of verbatims where
// the same words from several people are shown once.
type TextCount struct {
	Text  string
	Count int
}

// GroupTexts gathers identical texts: texts that differ only in letter case or in
// spaces count as one, shown as first written in the list's order (which is by text:
// see unlink). The most written come first; a tie keeps the list's order. Counting
// identical texts tells nothing the list did not: each was there as many times.
func GroupTexts(texts []string) []TextCount {
	out := []TextCount{}
	at := map[string]int{}
	for _, t := range texts {
		key := strings.ToLower(strings.Join(strings.Fields(t), " "))
		if i, ok := at[key]; ok {
			out[i].Count++
			continue
		}
		at[key] = len(out)
		out = append(out, TextCount{Text: t, Count: 1})
	}
	slices.SortStableFunc(out, func(a, b TextCount) int { return cmp.Compare(b.Count, a.Count) })
	return out
}
