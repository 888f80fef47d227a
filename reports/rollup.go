package reports

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
)

// The organization's roll-up: every team's latest closed round side by side, and the
// organization's figures over them.
//
// Each team's figures are its own report's, computed by Build from the same counts, so
// the two can never differ: the team's theme scores are exactly the team scores of its
// report, over the groups that report shows. The anonymity rule is applied per team,
// before anything is added up: a withheld group gives nothing to the team's themes, to
// the pillar scores, to the organization's means or to the counts of named themes, so no
// difference between two roll-ups (or between the roll-up and a team's report) says
// anything of a withheld group. No respondent's text is in the roll-up: only how many
// people tied a strength or an opportunity to each theme.
//
// The organization's score of a theme is the mean, over the teams that have a score for
// it, of the team scores as reported (one decimal), each team counting once whatever its
// size: a large team does not drown the small ones, and a reader can check the mean from
// the figures shown. It is rounded to one decimal once, and banded like any score. A
// pillar's score is built the same way from each team's score of that pillar group (the
// mean of the group's item scores, as for a theme or a section), over the teams whose
// group is shown.

// RollupInput is one team's latest closed round: its counts as its report reads them
// (Tallies without texts: the released responses per pillar and their answers), and how
// many of those responses named a strength or an opportunity per pillar and theme.
type RollupInput struct {
	Assessment *assessment.Assessment
	Instrument *pillars.Instrument
	Tallies    *assessment.Tallies
	Named      []assessment.NamedCount
}

// RollupTeam is one team in the roll-up: its latest closed round, what its report shows
// of it, and its team theme scores (exactly its report's).
type RollupTeam struct {
	Team            string        `json:"team"`
	Unit            string        `json:"unit"`
	AssessmentID    int64         `json:"assessment_id"`
	Round           int           `json:"round"`
	ClosedAt        *time.Time    `json:"closed_at"`
	Submitted       int           `json:"submitted"`
	IncludedPillars []string      `json:"included_pillars"`
	WithheldPillars []string      `json:"withheld_pillars"`
	Themes          []ScoreResult `json:"themes"`
	// Pillars are the team's scores per pillar group shown (Key is the pillar), in the
	// instrument's order; the roll-up's pillar scores are made of them.
	Pillars []ScoreResult `json:"-"`
	// named counts the themes tied to named strengths and opportunities in the shown
	// groups: kind → theme → count.
	named map[string]map[string]int
}

// Theme returns the team's score of theme key, or an empty result.
func (t *RollupTeam) Theme(key string) ScoreResult {
	for _, th := range t.Themes {
		if th.Key == key {
			return th
		}
	}
	return ScoreResult{Key: key}
}

// BandCounts counts teams per band.
type BandCounts struct {
	Strength    int `json:"strength"`
	Developing  int `json:"developing"`
	Opportunity int `json:"opportunity"`
}

func (c *BandCounts) add(band string) {
	switch band {
	case BandStrength:
		c.Strength++
	case BandDeveloping:
		c.Developing++
	case BandOpportunity:
		c.Opportunity++
	}
}

// RollupTheme is the organization's score of a theme, and how many teams stand in each
// band of it.
type RollupTheme struct {
	Key         string     `json:"key"`
	Score       *float64   `json:"score"`
	Band        string     `json:"band,omitempty"`
	TeamsByBand BandCounts `json:"teams_by_band"`
}

// RollupPillar is the organization's score of a pillar over the Teams whose group of it
// is shown.
type RollupPillar struct {
	Pillar string   `json:"pillar"`
	Score  *float64 `json:"score"`
	Teams  int      `json:"teams"`
}

// ThemeCount is how many times a theme ("" for none) was tied to a named strength or
// opportunity.
type ThemeCount struct {
	Theme string `json:"theme"`
	Count int    `json:"count"`
}

// RollupNamed are the themes people tied their key strengths and opportunities to, over
// every team's shown groups, most named first (then in the instrument's order, untagged
// last), like a team report's.
type RollupNamed struct {
	Strengths     []ThemeCount `json:"strengths"`
	Opportunities []ThemeCount `json:"opportunities"`
}

// NotClosed is a team without a closed round: its latest round, which is still open.
type NotClosed struct {
	Team         string            `json:"team"`
	Unit         string            `json:"unit"`
	AssessmentID int64             `json:"assessment_id"`
	Round        int               `json:"round"`
	Status       assessment.Status `json:"status"`
}

// Rollup is the organization's roll-up.
type Rollup struct {
	Teams   []RollupTeam   `json:"teams"`
	Themes  []RollupTheme  `json:"themes"`
	Pillars []RollupPillar `json:"pillars"`
	Named   RollupNamed    `json:"named"`
	// NotClosed are the teams the caller may see that have no closed round yet, so no
	// figures in the roll-up.
	NotClosed []NotClosed `json:"not_closed"`
}

// BuildRollup makes the roll-up of teams, in the order given. Themes and pillars follow
// in's order (the current instrument), then any other a team's instrument had.
func BuildRollup(in *pillars.Instrument, teams []RollupInput, notClosed []assessment.Assessment) *Rollup {
	r := &Rollup{Teams: make([]RollupTeam, 0, len(teams)), NotClosed: []NotClosed{}}
	themeKeys, pillarKeys := keysOf(in)
	for _, t := range teams {
		rep := buildGroups(t.Assessment, t.Instrument, t.Tallies) // Build's figures, without what the roll-up leaves out
		a := t.Assessment
		team := RollupTeam{Team: a.Team, Unit: a.Unit, AssessmentID: a.ID, Round: a.Round, ClosedAt: a.ClosedAt,
			Submitted: rep.Team.Submitted, IncludedPillars: orEmpty(rep.Team.IncludedPillars),
			WithheldPillars: orEmpty(rep.Team.WithheldPillars), Themes: rep.Team.Themes, Pillars: []ScoreResult{},
			named: map[string]map[string]int{}}
		for _, th := range team.Themes {
			themeKeys = addKey(themeKeys, th.Key)
		}
		for _, g := range rep.Groups {
			if g.Withheld {
				continue
			}
			exact := make([]*float64, len(g.Items))
			for i := range g.Items {
				exact[i] = g.Items[i].exact
			}
			team.Pillars = append(team.Pillars, scoreResult(g.Pillar, mean(exact)))
			pillarKeys = addKey(pillarKeys, g.Pillar)
		}
		// Named themes of the shown groups only, as the team's report lists them.
		for _, n := range t.Named {
			if n.N <= 0 || (n.Kind != assessment.KindStrength && n.Kind != assessment.KindOpportunity) ||
				!slices.Contains(rep.Team.IncludedPillars, n.Pillar) {
				continue
			}
			if team.named[n.Kind] == nil {
				team.named[n.Kind] = map[string]int{}
			}
			team.named[n.Kind][n.Theme] += n.N
		}
		r.Teams = append(r.Teams, team)
	}
	for _, a := range notClosed {
		r.NotClosed = append(r.NotClosed, NotClosed{Team: a.Team, Unit: a.Unit, AssessmentID: a.ID, Round: a.Round, Status: a.Status})
	}
	r.aggregate(themeOrder(in), themeKeys, pillarKeys)
	return r
}

// aggregate makes the organization's figures over r.Teams: the themes of themeKeys and
// the pillars of pillarKeys, in that order, and the named themes ranked by order.
func (r *Rollup) aggregate(order map[string]int, themeKeys, pillarKeys []string) {
	r.Themes, r.Pillars = []RollupTheme{}, []RollupPillar{}
	for _, key := range themeKeys {
		th := RollupTheme{Key: key}
		scores := []*float64{}
		for i := range r.Teams {
			if sr := r.Teams[i].Theme(key); sr.Score != nil {
				scores = append(scores, sr.Score)
				th.TeamsByBand.add(sr.Band)
			}
		}
		sr := scoreResult(key, mean(scores))
		th.Score, th.Band = sr.Score, sr.Band
		r.Themes = append(r.Themes, th)
	}
	for _, key := range pillarKeys {
		scores := []*float64{}
		for _, t := range r.Teams {
			for _, ps := range t.Pillars {
				if ps.Key == key && ps.Score != nil {
					scores = append(scores, ps.Score)
				}
			}
		}
		r.Pillars = append(r.Pillars, RollupPillar{Pillar: key, Score: scoreResult(key, mean(scores)).Score, Teams: len(scores)})
	}
	counted := func(kind string) []ThemeCount {
		counts := map[string]int{}
		for _, t := range r.Teams {
			for theme, n := range t.named[kind] {
				counts[theme] += n
			}
		}
		out := []ThemeCount{}
		for theme, n := range counts {
			out = append(out, ThemeCount{Theme: theme, Count: n})
		}
		slices.SortFunc(out, func(a, b ThemeCount) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(rank(order, a.Theme), rank(order, b.Theme)),
				strings.Compare(a.Theme, b.Theme))
		})
		return out
	}
	r.Named = RollupNamed{Strengths: counted(assessment.KindStrength), Opportunities: counted(assessment.KindOpportunity)}
}

// keysOf lists in's theme and pillar keys, in its order.
func keysOf(in *pillars.Instrument) (themes, pillarKeys []string) {
	if in == nil {
		return nil, nil
	}
	for _, th := range in.Themes {
		themes = append(themes, th.Key)
	}
	for _, p := range in.Pillars {
		pillarKeys = append(pillarKeys, p.Key)
	}
	return themes, pillarKeys
}

// addKey appends key to keys unless it is there already.
func addKey(keys []string, key string) []string {
	if slices.Contains(keys, key) {
		return keys
	}
	return append(keys, key)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Units lists the units of the roll-up's teams (with and without a closed round), in
// the order the teams come, each once; "" for teams with none, when there are some.
func (r *Rollup) Units() []string {
	var out []string
	for _, t := range r.Teams {
		out = addKey(out, t.Unit)
	}
	for _, t := range r.NotClosed {
		out = addKey(out, t.Unit)
	}
	return out
}

// InUnit is the roll-up of the teams of unit alone: their own figures, and the
// organization's made again over them only (the workbook's sheet per unit), with the
// same themes and pillars in the same order. in ranks the named themes.
func (r *Rollup) InUnit(in *pillars.Instrument, unit string) *Rollup {
	out := &Rollup{Teams: []RollupTeam{}, NotClosed: []NotClosed{}}
	for _, t := range r.Teams {
		if t.Unit == unit {
			out.Teams = append(out.Teams, t)
		}
	}
	for _, t := range r.NotClosed {
		if t.Unit == unit {
			out.NotClosed = append(out.NotClosed, t)
		}
	}
	var themeKeys, pillarKeys []string
	for _, th := range r.Themes {
		themeKeys = append(themeKeys, th.Key)
	}
	for _, p := range r.Pillars {
		pillarKeys = append(pillarKeys, p.Pillar)
	}
	out.aggregate(themeOrder(in), themeKeys, pillarKeys)
	return out
}

// BandOf is the band of a reported score.
func BandOf(score float64) string { return band(score) }
