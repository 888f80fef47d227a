package storage_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// race runs two writes at once, released together, and counts how they ended: stored
// (nil) or refused as stale; any other error fails the test.
func race(t *testing.T, what string, write func(i int) error) (stored, stale int) {
	t.Helper()
	errs := make([]error, 2)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 2 {
		wg.Go(func() {
			<-start
			errs[i] = write(i)
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		switch {
		case err == nil:
			stored++
		case errors.Is(err, assessment.ErrStale):
			stale++
		default:
			t.Fatalf("%s: %v", what, err)
		}
	}
	return stored, stale
}

// A script and an autosave (or two tabs) change one response at once, each against the
// version they read (If-Match): one change is stored, the other gets ErrStale and changes
// nothing, whatever the timing; the version moves on once.
func TestResponseIfVersionRace(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		a := newAssessment(t, s, "race")
		for round := range 20 {
			r := sampleResponse(a.ID)
			hash := createResponse(t, s, r)
			if r.Version != 1 {
				t.Fatalf("a new response is at version %d, want 1", r.Version)
			}
			stored, stale := race(t, fmt.Sprintf("round %d", round), func(i int) error {
				mine := cloneResponse(r)
				mine.Reflections["L-R2"] = fmt.Sprintf("writer %d", i)
				return s.UpdateResponseAs(ctx, mine, nil, r.Version)
			})
			got := mustResponse(t, s, hash)
			if stored != 1 || stale != 1 || got.Version != 2 {
				t.Fatalf("round %d: %d stored, %d stale, version %d; want 1, 1, 2", round, stored, stale, got.Version)
			}
			if w := got.Reflections["L-R2"]; w != "writer 0" && w != "writer 1" {
				t.Fatalf("round %d: reflection %q", round, w)
			}
		}
	})
}

// A change against an old version is refused before anything of it is stored; without
// a version (0) it goes through; and the other rules still speak for themselves.
func TestResponseIfVersionStale(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		a := newAssessment(t, s, "stale")
		r := sampleResponse(a.ID)
		hash := createResponse(t, s, r)
		first := cloneResponse(r)
		first.Answers["L-01"] = assessment.No
		if err := s.UpdateResponseAs(ctx, first, nil, 1); err != nil || first.Version != 2 {
			t.Fatalf("change at version 1: %v, now version %d", err, first.Version)
		}
		late := cloneResponse(r)
		late.Answers["L-01"] = assessment.Somewhat
		late.Reflections = map[string]string{}
		if err := s.UpdateResponseAs(ctx, late, nil, 1); !errors.Is(err, assessment.ErrStale) {
			t.Fatalf("change against version 1 after it moved on: %v, want ErrStale", err)
		}
		got := mustResponse(t, s, hash)
		if got.Version != 2 || got.Answers["L-01"] != assessment.No || len(got.Reflections) != 2 {
			t.Fatalf("the stale change left a mark: version %d, L-01 %q, %d reflections", got.Version, got.Answers["L-01"], len(got.Reflections))
		}
		if err := s.UpdateResponseAs(ctx, late, nil, 0); err != nil || late.Version != 3 {
			t.Fatalf("change without If-Match: %v, version %d", err, late.Version)
		}
		// Submitted stays submitted, with or without a version.
		sub := cloneResponse(late)
		sub.Status = assessment.Submitted
		if err := s.UpdateResponseAs(ctx, sub, nil, 3); err != nil {
			t.Fatal(err)
		}
		draft := cloneResponse(late)
		if err := s.UpdateResponseAs(ctx, draft, nil, 4); !errors.Is(err, assessment.ErrAlreadySubmitted) {
			t.Fatalf("a draft save at the current version of a submitted response: %v", err)
		}
		if err := s.UpdateResponseAs(ctx, draft, nil, 3); !errors.Is(err, assessment.ErrStale) {
			t.Fatalf("a draft save at an old version: %v", err)
		}
	})
}

// Two facilitators close and reopen one assessment at once, each against the version
// they read: one change is made, the other is refused, in the statement itself.
func TestTouchAssessmentRace(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		for round := range 20 {
			a := newAssessment(t, s, fmt.Sprintf("touch %d", round))
			if a.Version != 1 {
				t.Fatalf("a new assessment is at version %d", a.Version)
			}
			status := []assessment.Status{assessment.Closed, assessment.Open}
			stored, stale := race(t, fmt.Sprintf("round %d", round), func(i int) error {
				return s.InTx(ctx, func(tx *storage.Store) error {
					if err := tx.TouchAssessment(ctx, a.ID, a.Version); err != nil {
						return err
					}
					_, err := tx.SetAssessmentStatus(ctx, a.ID, status[i])
					return err
				})
			})
			got, err := s.Assessment(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored != 1 || stale != 1 || got.Version != 2 {
				t.Fatalf("round %d: %d stored, %d stale, version %d; want 1, 1, 2", round, stored, stale, got.Version)
			}
		}
		if err := s.TouchAssessment(ctx, 1<<40, 0); !errors.Is(err, assessment.ErrNotFound) {
			t.Fatalf("an assessment that does not exist: %v", err)
		}
	})
}

// Deleting an action against an old version leaves it in place.
func TestDeleteActionIfVersion(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		a := newAssessment(t, s, "delete")
		act := &assessment.Action{AssessmentID: a.ID, Text: "Invite", Lead: "Lee", Status: assessment.ActionPlanned}
		if err := s.CreateAction(ctx, act); err != nil {
			t.Fatal(err)
		}
		changed := *act
		changed.Lead = "Kim"
		if err := s.UpdateActionIf(ctx, &changed, 1); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteActionIf(ctx, act.ID, 1); !errors.Is(err, assessment.ErrStale) {
			t.Fatalf("delete at an old version: %v", err)
		}
		if _, err := s.Action(ctx, act.ID); err != nil {
			t.Fatalf("the stale delete removed the action: %v", err)
		}
		if err := s.DeleteActionIf(ctx, act.ID, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Action(ctx, act.ID); !errors.Is(err, assessment.ErrNotFound) {
			t.Fatalf("after the delete: %v", err)
		}
	})
}
