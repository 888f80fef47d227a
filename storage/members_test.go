package storage_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

func newAccount(t *testing.T, s *storage.Store, email string) *assessment.Facilitator {
	t.Helper()
	f := &assessment.Facilitator{Email: email, Name: email, PasswordHash: "x"}
	if err := s.CreateFacilitator(t.Context(), f); err != nil {
		t.Fatal(err)
	}
	return f
}

// Two shares of one assessment with one person at the same moment (an owner's double
// click, a script's retry) leave one membership, with one of the two roles; sharing
// covers every round of the team, the next ones included; unsharing twice finds nothing
// the second time; deleting the team's last round forgets its members.
func TestMembersOfASeries(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		newAccount(t, s, "admin@example.org")
		cora := newAccount(t, s, "cora@example.org")
		for round := range 10 {
			a := newAssessment(t, s, fmt.Sprintf("race %d", round))
			var wg sync.WaitGroup
			created := make([]bool, 2)
			errs := make([]error, 2)
			start := make(chan struct{})
			for i, role := range []string{assessment.MemberViewer, assessment.MemberCoFacilitator} {
				wg.Go(func() {
					<-start
					created[i], errs[i] = s.PutMember(ctx, a.SeriesID, cora.ID, role)
				})
			}
			close(start)
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
			}
			list, err := s.Members(ctx, a.SeriesID, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || list[0].FacilitatorID != cora.ID || !assessment.ValidMemberRole(list[0].Role) {
				t.Fatalf("round %d: members %+v, want Cora once", round, list)
			}
			if !created[0] && !created[1] {
				t.Errorf("round %d: neither share says it created the membership", round)
			}
		}

		// Every round of the series, the next one included.
		first := newAssessment(t, s, "series")
		if first.SeriesID != first.ID {
			t.Fatalf("a first round's series is %d, want its own id %d", first.SeriesID, first.ID)
		}
		if _, err := s.PutMember(ctx, first.SeriesID, cora.ID, assessment.MemberViewer); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetAssessmentStatus(ctx, first.ID, assessment.Closed); err != nil {
			t.Fatal(err)
		}
		next := assessment.NextRound(first, "v2")
		if err := s.Reassess(ctx, first.ID, next); err != nil {
			t.Fatal(err)
		}
		stored, err := s.Assessment(ctx, next.ID)
		if err != nil || stored.SeriesID != first.ID {
			t.Fatalf("next round's series %d (%v), want %d", stored.SeriesID, err, first.ID)
		}
		if role, err := s.MemberRole(ctx, stored.SeriesID, cora.ID); err != nil || role != assessment.MemberViewer {
			t.Errorf("Cora's role on the next round %q (%v), want viewer", role, err)
		}

		// Unsharing twice: the second finds nothing.
		if err := s.RemoveMember(ctx, first.SeriesID, cora.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveMember(ctx, first.SeriesID, cora.ID); err != assessment.ErrNotFound {
			t.Errorf("second unshare: %v, want ErrNotFound", err)
		}

		// Deleting rounds: the members stay while a round of the team is left.
		if _, err := s.PutMember(ctx, first.SeriesID, cora.ID, assessment.MemberViewer); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteAssessment(ctx, first.ID); err != nil {
			t.Fatal(err)
		}
		if role, _ := s.MemberRole(ctx, first.SeriesID, cora.ID); role != assessment.MemberViewer {
			t.Errorf("after deleting round 1 of 2, Cora's role %q, want viewer", role)
		}
		if err := s.DeleteAssessment(ctx, next.ID); err != nil {
			t.Fatal(err)
		}
		if role, _ := s.MemberRole(ctx, first.SeriesID, cora.ID); role != "" {
			t.Errorf("after deleting every round, Cora still has role %q", role)
		}
	})
}

// A round stored as following another continues that one's team (its series) when both
// have one owner, and starts its own team otherwise: a round never joins someone else's
// team, whose members and earlier rounds would then be its.
func TestSeriesOfAFollowingRound(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		newAccount(t, s, "admin@example.org")
		alice, bob := newAccount(t, s, "alice@example.org"), newAccount(t, s, "bob@example.org")
		round := func(owner int64, prev *assessment.Assessment) *assessment.Assessment {
			t.Helper()
			a := &assessment.Assessment{Title: "Round", Team: "Ward", Language: "en", Threshold: 3, Status: assessment.Open,
				Code: assessment.NewJoinCode(), InstrumentVersion: "v2", Round: 1, FacilitatorID: &owner}
			if prev != nil {
				a.PreviousID, a.Round = &prev.ID, prev.Round+1
			}
			if err := s.CreateAssessment(ctx, a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		first := round(alice.ID, nil)
		mine := round(alice.ID, first)
		if first.SeriesID != first.ID || mine.SeriesID != first.ID {
			t.Errorf("Alice's rounds are in series %d and %d, want both in %d", first.SeriesID, mine.SeriesID, first.ID)
		}
		theirs := round(bob.ID, round(alice.ID, nil))
		if theirs.SeriesID != theirs.ID {
			t.Errorf("Bob's round after one of Alice's is in series %d, want its own (%d)", theirs.SeriesID, theirs.ID)
		}
		stored, err := s.Assessment(ctx, mine.ID)
		if err != nil || stored.SeriesID != first.ID {
			t.Errorf("stored: series %d (%v), want %d", stored.SeriesID, err, first.ID)
		}
	})
}

// An account deactivated before a share or a hand-over reaches the database gets
// neither: the statements themselves look for an active account (on PostgreSQL holding
// its row, so a deactivation waits), whatever the use case read before. A member's role
// does not change either. Reactivated, the account can be given access again.
func TestNoShareNorHandOverToADeactivatedAccount(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		newAccount(t, s, "admin@example.org")
		cora := newAccount(t, s, "cora@example.org")
		dan := newAccount(t, s, "dan@example.org")
		a := newAssessment(t, s, "deactivated")
		if _, err := s.PutMember(ctx, a.SeriesID, cora.ID, assessment.MemberViewer); err != nil {
			t.Fatal(err)
		}
		for _, f := range []*assessment.Facilitator{cora, dan} {
			if _, err := s.Deactivate(ctx, f.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.PutMember(ctx, a.SeriesID, cora.ID, assessment.MemberCoFacilitator); !errors.Is(err, storage.ErrAccountInactive) {
			t.Errorf("a member's new role once deactivated: %v, want ErrAccountInactive", err)
		}
		if role, _ := s.MemberRole(ctx, a.SeriesID, cora.ID); role != assessment.MemberViewer {
			t.Errorf("Cora's role %q, want viewer still", role)
		}
		if _, err := s.PutMember(ctx, a.SeriesID, dan.ID, assessment.MemberViewer); !errors.Is(err, storage.ErrAccountInactive) {
			t.Errorf("sharing with a deactivated account: %v, want ErrAccountInactive", err)
		}
		if role, _ := s.MemberRole(ctx, a.SeriesID, dan.ID); role != "" {
			t.Errorf("Dan got role %q", role)
		}
		if err := s.HandOver(ctx, a.SeriesID, dan.ID); !errors.Is(err, storage.ErrAccountInactive) {
			t.Errorf("handing over to a deactivated account: %v, want ErrAccountInactive", err)
		}
		if stored, err := s.Assessment(ctx, a.ID); err != nil || stored.FacilitatorID != nil && *stored.FacilitatorID == dan.ID {
			t.Errorf("after a refused hand-over: %+v, %v", stored, err)
		}

		if _, err := s.Reactivate(ctx, dan.ID); err != nil {
			t.Fatal(err)
		}
		if created, err := s.PutMember(ctx, a.SeriesID, dan.ID, assessment.MemberViewer); err != nil || !created {
			t.Errorf("sharing with the reactivated account: created %v, %v", created, err)
		}
		if err := s.HandOver(ctx, a.SeriesID, dan.ID); err != nil {
			t.Errorf("handing over to the reactivated account: %v", err)
		}
	})
}
