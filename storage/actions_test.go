package storage_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

func newAction(t *testing.T, s *storage.Store, assessmentID int64, text, status string) *assessment.Action {
	t.Helper()
	due := time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)
	a := &assessment.Action{
		AssessmentID: assessmentID, Text: text, Pillar: "staff", Theme: "influence",
		Lead: "Quality lead", Support: "Two hours a month", Due: &due, Status: status,
	}
	if err := s.CreateAction(t.Context(), a); err != nil {
		t.Fatalf("create action: %v", err)
	}
	return a
}

func TestActionRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "Actions")
		first := newAction(t, s, a.ID, "Invite a partner to huddles", assessment.ActionPlanned)
		second := &assessment.Action{AssessmentID: a.ID, Text: "Share results", Lead: "Manager", Status: assessment.ActionInProgress}
		if err := s.CreateAction(t.Context(), second); err != nil {
			t.Fatal(err)
		}
		if first.ID == 0 || first.OriginAssessmentID != a.ID || first.CreatedAt.IsZero() {
			t.Fatalf("created action %+v: want an id, its round as origin and a time", first)
		}
		got, err := s.Action(t.Context(), first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Text != first.Text || got.Pillar != "staff" || got.Theme != "influence" || got.Lead != first.Lead ||
			got.Support != first.Support || got.DueString() != "2027-03-31" || got.Status != assessment.ActionPlanned ||
			got.AssessmentID != a.ID || got.CarriedFromID != nil {
			t.Errorf("read back %+v, want %+v", got, first)
		}
		list, err := s.Actions(t.Context(), a.ID)
		if err != nil || len(list) != 2 || list[0].ID != first.ID || list[1].ID != second.ID || list[1].Due != nil {
			t.Fatalf("Actions = %+v, %v; want both in order, the second without a due date", list, err)
		}

		got.Status, got.Due, got.Lead = assessment.ActionDone, nil, "Nurse manager"
		if err := s.UpdateAction(t.Context(), got); err != nil {
			t.Fatal(err)
		}
		again, _ := s.Action(t.Context(), first.ID)
		if again.Status != assessment.ActionDone || again.Due != nil || again.Lead != "Nurse manager" || again.AssessmentID != a.ID {
			t.Errorf("after update %+v", again)
		}
		if err := s.DeleteAction(t.Context(), second.ID); err != nil {
			t.Fatal(err)
		}
		for name, err := range map[string]error{
			"read deleted":   func() error { _, err := s.Action(t.Context(), second.ID); return err }(),
			"delete twice":   s.DeleteAction(t.Context(), second.ID),
			"update deleted": s.UpdateAction(t.Context(), second),
		} {
			if !errors.Is(err, assessment.ErrNotFound) {
				t.Errorf("%s: %v, want ErrNotFound", name, err)
			}
		}
		// Deleting the round deletes its actions.
		if err := s.DeleteAssessment(t.Context(), a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Action(t.Context(), first.ID); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("action outlived its round: %v", err)
		}
	})
}

func TestReassessCarriesOpenActions(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		r1 := newAssessment(t, s, "Round one")
		planned := newAction(t, s, r1.ID, "Planned one", assessment.ActionPlanned)
		going := newAction(t, s, r1.ID, "Going one", assessment.ActionInProgress)
		newAction(t, s, r1.ID, "Done one", assessment.ActionDone)
		newAction(t, s, r1.ID, "Dropped one", assessment.ActionDropped)

		next := assessment.NextRound(r1, "v9")
		if err := s.Reassess(t.Context(), r1.ID, next); !errors.Is(err, assessment.ErrStillOpen) {
			t.Fatalf("reassessing an open round: %v, want ErrStillOpen", err)
		}
		closeAssessment(t, s, r1.ID)
		if err := s.Reassess(t.Context(), r1.ID, next); err != nil {
			t.Fatal(err)
		}
		r2, err := s.Assessment(t.Context(), next.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r2.Round != r1.Round+1 || r2.PreviousID == nil || *r2.PreviousID != r1.ID || r2.Code == r1.Code ||
			r2.Title != r1.Title || r2.Team != r1.Team || r2.Threshold != r1.Threshold || r2.Language != r1.Language ||
			r2.InstrumentVersion != "v9" || !r2.IsOpen() {
			t.Errorf("next round %+v from %+v", r2, r1)
		}
		carried, err := s.Actions(t.Context(), r2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(carried) != 2 {
			t.Fatalf("carried %d actions, want the 2 open ones: %+v", len(carried), carried)
		}
		for i, from := range []*assessment.Action{planned, going} {
			c := carried[i]
			if c.CarriedFromID == nil || *c.CarriedFromID != from.ID || c.OriginAssessmentID != r1.ID ||
				c.Text != from.Text || c.Status != from.Status || c.Lead != from.Lead || c.DueString() != from.DueString() {
				t.Errorf("carried %+v from %+v", c, from)
			}
		}
		// The team finishes a carried action in round 2: round 1's list shows it done.
		carried[0].Status = assessment.ActionDone
		if err := s.UpdateAction(t.Context(), &carried[0]); err != nil {
			t.Fatal(err)
		}
		agreed, err := s.ActionsAgreedIn(t.Context(), r1.ID)
		if err != nil {
			t.Fatal(err)
		}
		statuses := []string{}
		for _, a := range agreed {
			statuses = append(statuses, a.Text+"="+a.Status)
		}
		want := []string{"Planned one=done", "Going one=in_progress", "Done one=done", "Dropped one=dropped"}
		if len(statuses) != len(want) {
			t.Fatalf("agreed in round 1: %v, want %v", statuses, want)
		}
		for i := range want {
			if statuses[i] != want[i] {
				t.Errorf("agreed in round 1: %v, want %v", statuses, want)
				break
			}
		}
		// Round 3 from round 2: an action carried twice keeps its first origin.
		closeAssessment(t, s, r2.ID)
		r3 := assessment.NextRound(r2, "v9")
		if err := s.Reassess(t.Context(), r2.ID, r3); err != nil {
			t.Fatal(err)
		}
		third, _ := s.Actions(t.Context(), r3.ID)
		if len(third) != 1 || third[0].Text != "Going one" || third[0].OriginAssessmentID != r1.ID ||
			*third[0].CarriedFromID != carried[1].ID {
			t.Errorf("round 3 actions %+v", third)
		}
		rounds, err := s.Rounds(t.Context(), r3)
		if err != nil {
			t.Fatal(err)
		}
		if len(rounds) != 3 || rounds[0].ID != r1.ID || rounds[1].ID != r2.ID || rounds[2].ID != r3.ID {
			t.Errorf("rounds %+v", rounds)
		}
		if n, err := s.NextRoundOf(t.Context(), r1.ID); err != nil || n.ID != r2.ID {
			t.Errorf("NextRoundOf(r1) = %+v, %v", n, err)
		}
		if _, err := s.NextRoundOf(t.Context(), r3.ID); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("NextRoundOf(last) err = %v", err)
		}
	})
}

func TestReassessOnlyOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		r1 := newAssessment(t, s, "Once")
		newAction(t, s, r1.ID, "Carry me", assessment.ActionPlanned)
		closeAssessment(t, s, r1.ID)
		before := countRounds(t, s)
		// Two facilitators' tabs press Reassess at the same moment: one round opens.
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.Reassess(t.Context(), r1.ID, assessment.NextRound(r1, "v1"))
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, assessment.ErrAlreadyReassessed):
			default:
				t.Errorf("unexpected error %v", err)
			}
		}
		if ok != 1 || countRounds(t, s) != before+1 {
			t.Fatalf("%d reassessments succeeded, %d rounds added; want exactly one", ok, countRounds(t, s)-before)
		}
		next, err := s.NextRoundOf(t.Context(), r1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if list, _ := s.Actions(t.Context(), next.ID); len(list) != 1 {
			t.Errorf("next round has %d actions, want the one carried once", len(list))
		}
		if err := s.Reassess(t.Context(), 1<<40, assessment.NextRound(r1, "v1")); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("reassess unknown: %v", err)
		}
	})
}

func countRounds(t *testing.T, s *storage.Store) int {
	t.Helper()
	list, err := assessmentsOf(t.Context(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

func TestMarkDiscussedNeedsAnAction(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "Discussed")
		if _, err := s.MarkDiscussed(t.Context(), a.ID); !errors.Is(err, assessment.ErrNoActions) {
			t.Fatalf("mark discussed with no action: %v, want ErrNoActions", err)
		}
		if got, _ := s.Assessment(t.Context(), a.ID); got.DiscussedAt != nil {
			t.Fatal("refused mark still recorded a time")
		}
		newAction(t, s, a.ID, "Do it", assessment.ActionPlanned)
		got, err := s.MarkDiscussed(t.Context(), a.ID)
		if err != nil || got.DiscussedAt == nil {
			t.Fatalf("mark discussed: %+v, %v", got, err)
		}
		first := *got.DiscussedAt
		again, err := s.MarkDiscussed(t.Context(), a.ID)
		if err != nil || !again.DiscussedAt.Equal(first) {
			t.Errorf("marking again moved the time: %v → %v (%v)", first, again.DiscussedAt, err)
		}
	})
}

// TestReassessedRoundIsKept: once a round has its next round, it cannot be reopened and
// its action plan is kept as it was (the open actions live on in the next round).
func TestReassessedRoundIsKept(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		r1 := newAssessment(t, s, "Kept")
		act := newAction(t, s, r1.ID, "Carried", assessment.ActionPlanned)
		closeAssessment(t, s, r1.ID)
		if err := s.Reassess(t.Context(), r1.ID, assessment.NextRound(r1, "v1")); err != nil {
			t.Fatal(err)
		}
		late := &assessment.Action{AssessmentID: r1.ID, Text: "Late", Lead: "L", Status: assessment.ActionPlanned}
		act.Status = assessment.ActionDone
		for name, err := range map[string]error{
			"reopen": func() error { _, err := s.SetAssessmentStatus(t.Context(), r1.ID, assessment.Open); return err }(),
			"create": s.CreateAction(t.Context(), late),
			"update": s.UpdateAction(t.Context(), act),
			"delete": s.DeleteAction(t.Context(), act.ID),
		} {
			if !errors.Is(err, assessment.ErrAlreadyReassessed) {
				t.Errorf("%s on a reassessed round: %v, want ErrAlreadyReassessed", name, err)
			}
		}
		if got, _ := s.Assessment(t.Context(), r1.ID); got.Status != assessment.Closed {
			t.Errorf("round 1 is %s", got.Status)
		}
		if list, _ := s.Actions(t.Context(), r1.ID); len(list) != 1 || list[0].Status != assessment.ActionPlanned {
			t.Errorf("round 1's plan changed: %+v", list)
		}
		// Closing again is harmless.
		if _, err := s.SetAssessmentStatus(t.Context(), r1.ID, assessment.Closed); err != nil {
			t.Errorf("closing a reassessed round again: %v", err)
		}
	})
}
