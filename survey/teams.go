package survey

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/ecat-project/ecat/assessment"
)

// TeamRounds is one team's rounds as the dashboard lists them.
type TeamRounds struct {
	Team string
	// Rounds are the team's assessments, the newest round first.
	Rounds []assessment.Listed
	// LastActivity is the latest time one of them was opened, closed or marked discussed.
	LastActivity time.Time
}

// Workspace is what the dashboard lists, by team: actor's own teams, the teams shared
// with them, and (for an admin) every other team of the installation.
type Workspace struct {
	Own, Shared, Others []TeamRounds
}

// Teams lists the assessments actor may see by team, each team's rounds newest first and
// the teams most recently active first: the list of Assessments (one query, the counts
// included), grouped. A team is a series of rounds (each next round continues its
// series), named as its newest round names it: a round renamed stays with its team, and
// two teams that happen to share a name stay apart.
func (s *Service) Teams(ctx context.Context, actor *assessment.Facilitator) (*Workspace, error) {
	list, err := s.Assessments(ctx, actor)
	if err != nil {
		return nil, err
	}
	var own, shared, others []assessment.Listed
	for _, a := range list {
		switch {
		case a.FacilitatorID != nil && *a.FacilitatorID == actor.ID:
			own = append(own, a)
		case a.SharedAs != "":
			shared = append(shared, a)
		default:
			others = append(others, a)
		}
	}
	return &Workspace{Own: groupByTeam(own), Shared: groupByTeam(shared), Others: groupByTeam(others)}, nil
}

func groupByTeam(list []assessment.Listed) []TeamRounds {
	var teams []TeamRounds
	index := map[int64]int{}
	for _, a := range list {
		series := a.SeriesID
		if series == 0 {
			series = a.ID
		}
		i, ok := index[series]
		if !ok {
			i = len(teams)
			index[series] = i
			teams = append(teams, TeamRounds{Team: a.Team})
		}
		t := &teams[i]
		t.Rounds = append(t.Rounds, a)
		for _, when := range []*time.Time{&a.CreatedAt, a.ClosedAt, a.DiscussedAt} {
			if when != nil && when.After(t.LastActivity) {
				t.LastActivity = *when
			}
		}
	}
	for i := range teams {
		slices.SortStableFunc(teams[i].Rounds, func(a, b assessment.Listed) int {
			return cmp.Or(cmp.Compare(b.Round, a.Round), cmp.Compare(b.ID, a.ID))
		})
	}
	slices.SortStableFunc(teams, func(a, b TeamRounds) int {
		return cmp.Or(b.LastActivity.Compare(a.LastActivity), cmp.Compare(b.Rounds[0].ID, a.Rounds[0].ID))
	})
	return teams
}
