package reports

import (
	"time"

	"github.com/ecat-project/ecat/assessment"
)

// Reassessment: a round's report set beside the previous round's.
//
// The anonymity rule is applied to both rounds before anything is compared, and change
// figures only ever join two figures that each round's own report already shows:
//
//   - A pillar group withheld in either round (or absent from one round's checklist) is
//     not comparable: its entry in Groups keeps its pillar, both withheld flags and the
//     response counts each report gives (0 for the round where it was withheld), and has
//     empty theme and section lists: no score and no change for either round. The current
//     figures of a group shown only now are in the report itself; the comparison does not
//     repeat them, so a reader never sees a "change" with one side missing.
//   - The team-wide comparison covers only the pillars shown in both rounds: both rounds'
//     team theme scores are recomputed from those pillars' item results, with the same
//     scoring as Build. A team change over different sets of groups would mix a change in
//     who is counted with a change in how they answered, and would let the two rounds'
//     team figures be played against each other around a withheld group. The pillars
//     compared and those left out are named in the JSON.
//   - Rounds may be answered on different instrument versions (reassessing takes the
//     current one). Themes are matched by key, which every version shares; one present in
//     a single round has that round's score, the other null, and no change. Sections are
//     compared only between rounds answered on the same version: a new version may keep a
//     section's key and change its statements, so across versions Sections stays empty and
//     the comparison is by theme alone. No statement is ever compared with another.

// Comparison is a round's report compared with the previous round's: the report JSON's
// "previous".
type Comparison struct {
	// AssessmentID, Round, Title and ClosedAt describe the previous round.
	AssessmentID int64      `json:"assessment_id"`
	Round        int        `json:"round"`
	Title        string     `json:"title"`
	ClosedAt     *time.Time `json:"closed_at"`
	// Groups has one entry per pillar of either round, in the current round's order.
	Groups []GroupChange `json:"groups"`
	// Team compares the team theme scores over the pillars shown in both rounds.
	Team TeamChange `json:"team"`
	// Actions are the actions agreed in the previous round, with their status now.
	Actions []ActionStatus `json:"actions"`
}

// GroupChange is one pillar's change from the previous round. When the group is withheld
// in either round Comparable is false and Themes and Sections are empty; Sections is
// also empty when the two rounds were answered on different instrument versions.
type GroupChange struct {
	Pillar            string        `json:"pillar"`
	Submitted         int           `json:"submitted"`
	PreviousSubmitted int           `json:"previous_submitted"`
	Withheld          bool          `json:"withheld"`
	PreviousWithheld  bool          `json:"previous_withheld"`
	Comparable        bool          `json:"comparable"`
	Themes            []ScoreChange `json:"themes"`
	Sections          []ScoreChange `json:"sections"`
}

// TeamChange compares the team's theme scores over the pillars shown in both rounds
// (Pillars); LeftOutPillars were withheld in at least one of the two rounds.
type TeamChange struct {
	Pillars           []string      `json:"pillars"`
	LeftOutPillars    []string      `json:"left_out_pillars"`
	Submitted         int           `json:"submitted"`
	PreviousSubmitted int           `json:"previous_submitted"`
	Themes            []ScoreChange `json:"themes"`
}

// ScoreChange is a theme's or section's score in both rounds and the change in points,
// rounded to one decimal. Change is nil when either score is.
type ScoreChange struct {
	Key           string   `json:"key"`
	Score         *float64 `json:"score"`
	PreviousScore *float64 `json:"previous_score"`
	Change        *float64 `json:"change"`
}

// ActionStatus is an action agreed in the previous round as it stands now. Pillar, Theme
// and Due are nil for none, as in the actions API.
type ActionStatus struct {
	ID     int64   `json:"id"`
	Text   string  `json:"text"`
	Pillar *string `json:"pillar"`
	Theme  *string `json:"theme"`
	Lead   string  `json:"lead"`
	Status string  `json:"status"`
	Due    *string `json:"due"` // YYYY-MM-DD
}

// Compare compares cur, a round's report, with prev, the previous round's, and lists
// prevActions, the actions agreed in the previous round as they stand now (as
// storage.ActionsAgreedIn gives them). It returns nil when either report is nil.
func Compare(prev, cur *Report, prevActions []assessment.Action) *Comparison {
	if prev == nil || cur == nil {
		return nil
	}
	c := &Comparison{
		Groups:  []GroupChange{},
		Team:    TeamChange{Pillars: []string{}, LeftOutPillars: []string{}},
		Actions: []ActionStatus{},
	}
	if a := prev.Assessment; a != nil {
		c.AssessmentID, c.Round, c.Title, c.ClosedAt = a.ID, a.Round, a.Title, a.ClosedAt
	}

	sameVersion := sameInstrument(prev, cur)
	curGroups, prevGroups := groupsByPillar(cur), groupsByPillar(prev)
	var order []string
	for _, g := range cur.Groups {
		order = append(order, g.Pillar)
	}
	for _, g := range prev.Groups {
		if _, ok := curGroups[g.Pillar]; !ok {
			order = append(order, g.Pillar)
		}
	}

	var curItems, prevItems []ItemResult
	for _, p := range order {
		g, inCur := curGroups[p]
		pg, inPrev := prevGroups[p]
		gc := GroupChange{
			Pillar:            p,
			Submitted:         g.Submitted,
			PreviousSubmitted: pg.Submitted,
			Withheld:          !inCur || g.Withheld,
			PreviousWithheld:  !inPrev || pg.Withheld,
			Themes:            []ScoreChange{},
			Sections:          []ScoreChange{},
		}
		if gc.Withheld || gc.PreviousWithheld {
			c.Team.LeftOutPillars = append(c.Team.LeftOutPillars, p)
			c.Groups = append(c.Groups, gc)
			continue
		}
		gc.Comparable = true
		gc.Themes = scoreChanges(pg.Themes, g.Themes)
		if sameVersion {
			gc.Sections = scoreChanges(pg.Sections, g.Sections)
		}
		c.Groups = append(c.Groups, gc)

		c.Team.Pillars = append(c.Team.Pillars, p)
		c.Team.Submitted += g.Submitted
		c.Team.PreviousSubmitted += pg.Submitted
		curItems = append(curItems, g.Items...)
		prevItems = append(prevItems, pg.Items...)
	}
	// Every theme either round's team figures list, current instrument's order first.
	keys := unionKeys(cur.Team.Themes, prev.Team.Themes)
	c.Team.Themes = scoreChanges(scoresByTheme(keys, prevItems), scoresByTheme(keys, curItems))

	for _, a := range prevActions {
		c.Actions = append(c.Actions, NewActionStatus(a))
	}
	return c
}

// NewActionStatus is a's entry in a comparison.
func NewActionStatus(a assessment.Action) ActionStatus {
	s := ActionStatus{ID: a.ID, Text: a.Text, Pillar: orNil(a.Pillar), Theme: orNil(a.Theme), Lead: a.Lead, Status: a.Status}
	if a.Due != nil {
		s.Due = orNil(a.DueString())
	}
	return s
}

func orNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// sameInstrument reports whether both rounds were answered on the same instrument
// version, so that their sections hold the same statements.
func sameInstrument(prev, cur *Report) bool {
	if prev.Assessment == nil || cur.Assessment == nil {
		return prev.Assessment == cur.Assessment
	}
	return prev.Assessment.InstrumentVersion == cur.Assessment.InstrumentVersion
}

func groupsByPillar(r *Report) map[string]Group {
	m := make(map[string]Group, len(r.Groups))
	for _, g := range r.Groups {
		m[g.Pillar] = g
	}
	return m
}

// scoreChanges pairs scores by key: the current round's keys in order, then those only
// the previous round has.
func scoreChanges(prev, cur []ScoreResult) []ScoreChange {
	before := map[string]*float64{}
	for _, s := range prev {
		before[s.Key] = s.Score
	}
	now := map[string]*float64{}
	for _, s := range cur {
		now[s.Key] = s.Score
	}
	out := []ScoreChange{}
	for _, key := range unionKeys(cur, prev) {
		out = append(out, scoreChange(key, before[key], now[key]))
	}
	return out
}

func scoreChange(key string, prev, cur *float64) ScoreChange {
	sc := ScoreChange{Key: key, Score: cur, PreviousScore: prev}
	if prev != nil && cur != nil {
		d := round1(*cur - *prev)
		if d == 0 {
			d = 0 // no "-0" in JSON
		}
		sc.Change = &d
	}
	return sc
}

// unionKeys lists the keys of first in order, then the keys only second has.
func unionKeys(first, second []ScoreResult) []string {
	seen := map[string]bool{}
	var keys []string
	for _, list := range [][]ScoreResult{first, second} {
		for _, s := range list {
			if !seen[s.Key] {
				seen[s.Key] = true
				keys = append(keys, s.Key)
			}
		}
	}
	return keys
}
