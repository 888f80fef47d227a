package reports

import "time"

// RoundSummary is what the trend across a team's rounds needs of one round's report:
// the team's theme scores and each pillar group's, with the anonymity rule as that
// round's report applied it (a withheld group has no scores and no count). The team
// scores are that round's own, over the groups shown in that round (IncludedPillars).
type RoundSummary struct {
	AssessmentID    int64          `json:"assessment_id"`
	Round           int            `json:"round"`
	Title           string         `json:"title"`
	Threshold       int            `json:"threshold"`
	CreatedAt       time.Time      `json:"created_at"`
	ClosedAt        *time.Time     `json:"closed_at"`
	Submitted       int            `json:"submitted"`
	IncludedPillars []string       `json:"included_pillars"`
	Themes          []ScoreResult  `json:"themes"`
	Groups          []GroupSummary `json:"groups"`
}

// GroupSummary is one pillar group's theme scores in a round; empty when withheld.
type GroupSummary struct {
	Pillar    string        `json:"pillar"`
	Submitted int           `json:"submitted"`
	Withheld  bool          `json:"withheld"`
	Themes    []ScoreResult `json:"themes"`
}

// Summarize keeps what the trend needs of r.
func Summarize(r *Report) RoundSummary {
	s := RoundSummary{
		Threshold:       r.Threshold,
		Submitted:       r.Team.Submitted,
		IncludedPillars: append([]string{}, r.Team.IncludedPillars...),
		Themes:          append([]ScoreResult{}, r.Team.Themes...),
		Groups:          []GroupSummary{},
	}
	if a := r.Assessment; a != nil {
		s.AssessmentID, s.Round, s.Title, s.CreatedAt, s.ClosedAt = a.ID, a.Round, a.Title, a.CreatedAt, a.ClosedAt
	}
	for _, g := range r.Groups {
		gs := GroupSummary{Pillar: g.Pillar, Withheld: g.Withheld, Themes: []ScoreResult{}}
		if !g.Withheld {
			gs.Submitted = g.Submitted
			gs.Themes = append(gs.Themes, g.Themes...)
		}
		s.Groups = append(s.Groups, gs)
	}
	return s
}

// Date is when the round closed, or when it was opened while it is still open.
func (s RoundSummary) Date() time.Time {
	if s.ClosedAt != nil {
		return *s.ClosedAt
	}
	return s.CreatedAt
}

// group returns the round's group of pillar, and whether the round has one.
func (s RoundSummary) group(pillar string) (GroupSummary, bool) {
	for _, g := range s.Groups {
		if g.Pillar == pillar {
			return g, true
		}
	}
	return GroupSummary{}, false
}

// scoreOf finds key's score in scores; nil when absent or unscored.
func scoreOf(scores []ScoreResult, key string) *float64 {
	for _, s := range scores {
		if s.Key == key {
			return s.Score
		}
	}
	return nil
}
