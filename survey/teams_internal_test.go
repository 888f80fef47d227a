package survey

import (
	"slices"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
)

// The dashboard's grouping: rounds of one team (one series) together, newest round
// first, under the newest round's name; teams by their latest activity (a round opened,
// closed or discussed), the most recent first.
func TestGroupByTeam(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2027, 3, d, 9, 0, 0, 0, time.UTC) }
	at := func(d int) *time.Time { t := day(d); return &t }
	listed := func(id, series int64, team string, round int, created int, closed, discussed *time.Time) assessment.Listed {
		return assessment.Listed{Assessment: assessment.Assessment{ID: id, SeriesID: series, Team: team, Round: round, CreatedAt: day(created),
			ClosedAt: closed, DiscussedAt: discussed}}
	}
	// As the store lists them: newest first.
	list := []assessment.Listed{
		listed(6, 1, "Ward 7", 3, 20, nil, nil),
		listed(5, 5, "Clinic", 1, 18, nil, nil),
		listed(4, 4, "Ward 7", 1, 15, nil, nil),         // another team that happens to share the name
		listed(3, 1, "Ward 7 West", 2, 10, at(12), nil), // renamed since, still the same team
		listed(2, 2, "Pharmacy", 1, 5, at(8), at(25)),   // discussed last of all
		listed(1, 1, "Ward 7", 1, 1, at(3), at(4)),
	}
	got := groupByTeam(list)
	var teams []string
	for _, g := range got {
		teams = append(teams, g.Team)
	}
	if want := []string{"Pharmacy", "Ward 7", "Clinic", "Ward 7"}; !slices.Equal(teams, want) {
		t.Fatalf("teams in order %v, want %v", teams, want)
	}
	var rounds []int
	for _, r := range got[1].Rounds {
		rounds = append(rounds, r.Round)
	}
	if len(rounds) != 3 || rounds[0] != 3 || rounds[1] != 2 || rounds[2] != 1 {
		t.Errorf("Ward 7's rounds %v, want 3, 2, 1", rounds)
	}
	if !got[0].LastActivity.Equal(day(25)) || !got[1].LastActivity.Equal(day(20)) {
		t.Errorf("latest activity %v and %v", got[0].LastActivity, got[1].LastActivity)
	}
	if len(groupByTeam(nil)) != 0 {
		t.Error("no assessments, yet teams")
	}
}
