package storage_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
)

// testClock is a clock a test moves by hand, safe to read from many goroutines.
type testClock struct{ ns atomic.Int64 }

func newTestClock(s *storage.Store, at time.Time) *testClock {
	c := &testClock{}
	c.set(at)
	s.SetClock(c.now)
	return c
}

func (c *testClock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *testClock) add(d time.Duration) { c.ns.Add(int64(d)) }

// closingAssessment stores an open round that closes by itself at closesAt.
func closingAssessment(t *testing.T, s *storage.Store, title string, closesAt time.Time) *assessment.Assessment {
	t.Helper()
	a, err := assessment.NewAssessment(title, "Team "+title, "en", assessment.DefaultThreshold, false, "v1")
	if err != nil {
		t.Fatal(err)
	}
	a.ClosesAt, a.Unit, a.Expected = &closesAt, "Medicine", map[string]int{pillars.Staff: 12}
	if err := s.CreateAssessment(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func submitted(id int64) *assessment.Response {
	r := sampleResponse(id)
	r.Status = assessment.Submitted
	return r
}

// TestClosingMoment: from the closing moment on, every way of adding, changing or
// deleting a response is refused with assessment.ErrClosed and changes nothing, though
// the status still says open; CloseDue then closes the round as of its moment, once.
func TestClosingMoment(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		t0 := time.Date(2031, 5, 6, 9, 0, 0, 0, time.UTC)
		clock := newTestClock(s, t0)
		closesAt := t0.Add(time.Hour)
		a := closingAssessment(t, s, "Closing", closesAt)
		other := closingAssessment(t, s, "Later", closesAt.Add(time.Hour))

		draft := createResponse(t, s, sampleResponse(a.ID))
		paper := submitted(a.ID)
		if err := s.CreatePaperResponse(ctx, paper, assessment.HashToken(assessment.NewResumeToken()), "ref-closing"); err != nil {
			t.Fatal(err)
		}
		before := mustResponse(t, s, draft)

		clock.set(closesAt) // the moment itself is past the end
		for name, create := range map[string]func() error{
			"draft": func() error {
				return s.CreateResponse(ctx, sampleResponse(a.ID), assessment.HashToken(assessment.NewResumeToken()))
			},
			"submission": func() error {
				return s.CreateResponse(ctx, submitted(a.ID), assessment.HashToken(assessment.NewResumeToken()))
			},
			"capped draft": func() error {
				return s.CreateResponseCapped(ctx, sampleResponse(a.ID), assessment.HashToken(assessment.NewResumeToken()), 50)
			},
			"in a transaction": func() error {
				return s.InTx(ctx, func(tx *storage.Store) error {
					return tx.CreateResponse(ctx, submitted(a.ID), assessment.HashToken(assessment.NewResumeToken()))
				})
			},
			"paper": func() error {
				return s.CreatePaperResponse(ctx, submitted(a.ID), assessment.HashToken(assessment.NewResumeToken()), "ref-late")
			},
			"update": func() error {
				r := cloneResponse(before)
				r.Answers["L-05"] = assessment.Yes
				return s.UpdateResponse(ctx, r)
			},
			"paper delete": func() error { return s.DeletePaperResponse(ctx, a.ID, "ref-closing") },
		} {
			if err := create(); !errors.Is(err, assessment.ErrClosed) {
				t.Errorf("%s at the closing moment: %v, want ErrClosed", name, err)
			}
		}
		if d := responseDiff(before, mustResponse(t, s, draft)); d != nil {
			t.Errorf("the refused update changed the response: %v", d)
		}
		counts, err := s.ResponseCounts(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c := counts[pillars.Leadership]; c.Drafts != 1 || c.Submitted != 1 {
			t.Errorf("counts after the refusals: %+v, want the draft and the paper response only", c)
		}
		if _, err := s.PaperResponse(ctx, a.ID, "ref-closing"); err != nil {
			t.Errorf("the refused delete removed the paper response: %v", err)
		}
		// The other round, whose moment has not come, still takes answers.
		createResponse(t, s, submitted(other.ID))

		stored, err := s.Assessment(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Status != assessment.Open {
			t.Fatalf("status %s before CloseDue", stored.Status)
		}
		clock.add(3 * time.Second) // the scheduler comes a little later
		ids, err := s.CloseDue(ctx)
		if err != nil || len(ids) != 1 || ids[0] != a.ID {
			t.Fatalf("CloseDue = %v, %v; want [%d]", ids, err, a.ID)
		}
		closed, err := s.Assessment(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if closed.Status != assessment.Closed || closed.ClosedAt == nil || !closed.ClosedAt.Equal(closesAt) || closed.Version != stored.Version+1 {
			t.Errorf("after CloseDue: status %s, closed at %v, version %d; want closed at %v, version %d",
				closed.Status, closed.ClosedAt, closed.Version, closesAt, stored.Version+1)
		}
		if ids, err := s.CloseDue(ctx); err != nil || len(ids) != 0 {
			t.Errorf("CloseDue again = %v, %v; want nothing", ids, err)
		}
		if later, _ := s.Assessment(ctx, other.ID); later.Status != assessment.Open {
			t.Errorf("the round not due was closed too")
		}
	})
}

// TestReopenClearsPassedClosing: reopening a round whose moment has come clears the
// moment (it would close again at once); a moment still ahead is kept.
func TestReopenClearsPassedClosing(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		t0 := time.Date(2031, 5, 6, 9, 0, 0, 0, time.UTC)
		clock := newTestClock(s, t0)
		passed := closingAssessment(t, s, "Passed", t0.Add(time.Minute))
		ahead := closingAssessment(t, s, "Ahead", t0.Add(48*time.Hour))
		clock.add(2 * time.Minute)
		if _, err := s.CloseDue(ctx); err != nil {
			t.Fatal(err)
		}
		closeAssessment(t, s, ahead.ID)
		for _, c := range []struct {
			a    *assessment.Assessment
			keep bool
		}{{passed, false}, {ahead, true}} {
			got, err := s.SetAssessmentStatus(ctx, c.a.ID, assessment.Open)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != assessment.Open || (got.ClosesAt != nil) != c.keep {
				t.Errorf("%s reopened: status %s, closes at %v; keep the moment: %v", c.a.Title, got.Status, got.ClosesAt, c.keep)
			}
		}
		createResponse(t, s, submitted(passed.ID))
	})
}

// TestUpdateSettings: the settings are stored as given; a changed closing moment only
// while the round takes answers, decided by the statement.
func TestUpdateSettings(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		t0 := time.Date(2031, 5, 6, 9, 0, 0, 0, time.UTC)
		clock := newTestClock(s, t0)
		a := closingAssessment(t, s, "Settings", t0.Add(time.Hour))
		got, err := s.Assessment(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Unit != "Medicine" || got.Expected[pillars.Staff] != 12 || len(got.Expected) != 1 || !got.ClosesAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("stored: unit %q, expected %v, closes at %v", got.Unit, got.Expected, got.ClosesAt)
		}

		next := *got
		later := t0.Add(2 * time.Hour)
		next.Title, next.Team, next.Unit, next.ClosesAt = "Renamed", "Ward 5", "Surgery", &later
		next.Expected = map[string]int{pillars.Leadership: 0, pillars.PatientPartners: 4}
		if err := s.UpdateSettings(ctx, &next, true); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Assessment(ctx, a.ID)
		if got.Title != "Renamed" || got.Team != "Ward 5" || got.Unit != "Surgery" || !got.ClosesAt.Equal(later) ||
			len(got.Expected) != 2 || got.Expected[pillars.Leadership] != 0 || got.Expected[pillars.PatientPartners] != 4 {
			t.Errorf("after the change: %+v", got)
		}

		// Its moment come (not closed yet), then closed: the moment no longer changes.
		clock.set(later)
		moved := *got
		further := later.Add(time.Hour)
		moved.ClosesAt = &further
		if err := s.UpdateSettings(ctx, &moved, true); !errors.Is(err, assessment.ErrClosed) {
			t.Errorf("moving the moment of a round due: %v, want ErrClosed", err)
		}
		if _, err := s.CloseDue(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateSettings(ctx, &moved, true); !errors.Is(err, assessment.ErrClosed) {
			t.Errorf("moving the moment of a closed round: %v, want ErrClosed", err)
		}
		if got, _ := s.Assessment(ctx, a.ID); !got.ClosesAt.Equal(later) {
			t.Errorf("a refused change stored the moment %v", got.ClosesAt)
		}
		// The rest may still change on a closed round.
		renamed := moved
		renamed.ClosesAt, renamed.Unit = &later, "Medicine"
		if err := s.UpdateSettings(ctx, &renamed, false); err != nil {
			t.Errorf("renaming the unit of a closed round: %v", err)
		}
		renamed.ID = a.ID + 1000
		if err := s.UpdateSettings(ctx, &renamed, false); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("no such round: %v, want ErrNotFound", err)
		}
	})
}

// TestAnswersRacingTheMoment: respondents keep starting, submitting and changing
// responses while the clock passes the closing moment and the scheduler's CloseDue runs.
// Every answer taken is stamped before the moment and stored; every one after it is
// ErrClosed; and the round ends closed with exactly the responses that were taken.
func TestAnswersRacingTheMoment(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		t0 := time.Date(2031, 5, 6, 9, 0, 0, 0, time.UTC)
		clock := newTestClock(s, t0)
		closesAt := t0.Add(time.Second)
		a := closingAssessment(t, s, "Race", closesAt)
		existing := make([]*assessment.Response, 8)
		hashes := map[int64]string{}
		for i := range existing {
			r := sampleResponse(a.ID)
			hashes[r.ID] = createResponse(t, s, r)
			existing[i] = r
		}

		const writers = 8
		var (
			mu       sync.Mutex
			taken    []string // token hashes of the responses started
			changed  = map[int64]bool{}
			refusals atomic.Int64
			wg       sync.WaitGroup
			stop     atomic.Bool
		)
		fail := func(format string, args ...any) { t.Errorf(format, args...); stop.Store(true) }
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; !stop.Load(); i++ {
					var err error
					if i%2 == 0 {
						hash := assessment.HashToken(assessment.NewResumeToken())
						if err = s.CreateResponse(ctx, submitted(a.ID), hash); err == nil {
							mu.Lock()
							taken = append(taken, hash)
							mu.Unlock()
						}
					} else {
						r := cloneResponse(existing[w])
						r.Status = assessment.Submitted
						if err = s.UpdateResponse(ctx, r); err == nil {
							mu.Lock()
							changed[r.ID] = true
							mu.Unlock()
						}
					}
					switch {
					case errors.Is(err, assessment.ErrClosed):
						if refusals.Add(1) > 200 {
							return
						}
					case err != nil && !errors.Is(err, assessment.ErrAlreadySubmitted):
						fail("writer %d: %v", w, err)
						return
					}
				}
			}()
		}
		// The clock walks across the moment in small steps, the scheduler closing due
		// rounds as it goes.
		for step := 0; step < 40 && !stop.Load(); step++ {
			clock.add(50 * time.Millisecond)
			if _, err := s.CloseDue(ctx); err != nil {
				fail("CloseDue: %v", err)
			}
			time.Sleep(2 * time.Millisecond) // let the writers run between steps
		}
		stop.Store(true)
		wg.Wait()

		final, err := s.Assessment(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if final.Status != assessment.Closed || !final.ClosedAt.Equal(closesAt) {
			t.Errorf("after the race: status %s, closed at %v", final.Status, final.ClosedAt)
		}
		if len(taken) == 0 || refusals.Load() == 0 {
			t.Fatalf("the race did not straddle the moment: %d taken, %d refused", len(taken), refusals.Load())
		}
		for _, hash := range taken {
			r := mustResponse(t, s, hash)
			if !r.CreatedAt.Before(closesAt) || r.SubmittedAt == nil || !r.SubmittedAt.Before(closesAt) {
				t.Errorf("response %d taken at %v, at or after the moment %v", r.ID, r.CreatedAt, closesAt)
			}
		}
		for _, r := range existing {
			got := mustResponse(t, s, hashes[r.ID])
			if !got.UpdatedAt.Before(closesAt) {
				t.Errorf("response %d changed at %v, at or after the moment", r.ID, got.UpdatedAt)
			}
			if (got.Status == assessment.Submitted) != changed[r.ID] {
				t.Errorf("response %d is %s; its submission taken: %v", r.ID, got.Status, changed[r.ID])
			}
		}
		counts, err := s.ResponseCounts(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c := counts[pillars.Leadership]; c.Submitted != len(taken)+len(changed) {
			t.Errorf("%d submitted stored, want the %d taken and %d changed", c.Submitted, len(taken), len(changed))
		}
	})
}
