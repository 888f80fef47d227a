package storage_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// groupedWrites offers n writes to a held group writer, waits until all n are waiting,
// and lets them go together. write(i) is the i-th write.
func groupedWrites(t *testing.T, s *storage.Store, n int, write func(i int) error) []error {
	t.Helper()
	release := storage.HoldWriter(s)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = write(i) })
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, _, waiting := storage.GroupStats(s); waiting == int64(n) {
			break
		}
		if time.Now().After(deadline) {
			release()
			t.Fatalf("the %d writes never all waited for the writer", n)
		}
		time.Sleep(time.Millisecond)
	}
	release()
	wg.Wait()
	return errs
}

// Writes waiting together commit in one transaction; one that fails (a closed
// assessment, a token already used, a failure after it wrote rows) is rolled back alone
// and its neighbours commit.
func TestGroupCommit(t *testing.T) {
	s := sqliteStore(t)
	open := newAssessment(t, s, "open")
	closed := newAssessment(t, s, "closed")
	closeAssessment(t, s, closed.ID)
	taken := createResponse(t, s, sampleResponse(open.ID))

	const n = 40
	hashes := make([]string, n)
	errs := groupedWrites(t, s, n, func(i int) error {
		r := sampleResponse(open.ID)
		r.Status = assessment.Submitted
		hashes[i] = assessment.HashToken(assessment.NewResumeToken())
		switch i % 10 {
		case 3:
			r.AssessmentID = closed.ID
		case 7:
			hashes[i] = taken
		case 9:
			return storage.CreateThenFail(t.Context(), s, r, hashes[i])
		}
		return s.CreateResponse(t.Context(), r, hashes[i])
	})
	batches, grouped, _ := storage.GroupStats(s)
	if batches < 1 || grouped < 2 {
		t.Fatalf("no write was grouped: %d batches of %d writes", batches, grouped)
	}
	for i, err := range errs {
		switch i % 10 {
		case 3:
			if !errors.Is(err, assessment.ErrClosed) {
				t.Errorf("write %d to a closed assessment: %v, want ErrClosed", i, err)
			}
		case 7:
			if err == nil {
				t.Errorf("write %d with a token already used succeeded", i)
			}
		case 9:
			if !errors.Is(err, storage.ErrAfterWriting) {
				t.Errorf("write %d failing after writing: %v", i, err)
			}
			if _, err := s.ResponseByToken(t.Context(), hashes[i]); !errors.Is(err, assessment.ErrNotFound) {
				t.Errorf("write %d failed after writing, and what it wrote stayed (%v)", i, err)
			}
		default:
			if err != nil {
				t.Errorf("write %d: %v", i, err)
				continue
			}
			if got := mustResponse(t, s, hashes[i]); got.Status != assessment.Submitted || len(got.Answers) != 4 || len(got.Reflections) != 2 {
				t.Errorf("write %d stored as %+v", i, got)
			}
		}
	}
	counts, err := s.ResponseCounts(t.Context(), open.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := counts["leadership"]; got.Submitted != n-3*n/10 || got.Drafts != 1 {
		t.Errorf("counts %+v, want %d submitted and the 1 draft", counts, n-3*n/10)
	}
	if counts, err := s.ResponseCounts(t.Context(), closed.ID); err != nil || len(counts) != 0 {
		t.Errorf("closed assessment holds %v (%v)", counts, err)
	}
	if r := mustResponse(t, s, taken); r.Status != assessment.Draft {
		t.Errorf("the response whose token was reused changed: %+v", r)
	}
}

// When a batch's transaction fails, nothing of it is stored, and each write is run
// again alone: each is then stored once, or fails with its own error.
func TestGroupCommitFailureRetriesAlone(t *testing.T) {
	s := sqliteStore(t)
	a := newAssessment(t, s, "retry")
	closed := newAssessment(t, s, "closed")
	closeAssessment(t, s, closed.ID)
	storage.FailNextBatch(s)

	const n = 12
	hashes := make([]string, n)
	errs := groupedWrites(t, s, n, func(i int) error {
		r := sampleResponse(a.ID)
		if i == 5 {
			r.AssessmentID = closed.ID
		}
		hashes[i] = assessment.HashToken(assessment.NewResumeToken())
		return s.CreateResponse(t.Context(), r, hashes[i])
	})
	for i, err := range errs {
		if i == 5 {
			if !errors.Is(err, assessment.ErrClosed) {
				t.Errorf("write to the closed assessment: %v", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("write %d: %v", i, err)
			continue
		}
		mustResponse(t, s, hashes[i])
	}
	counts, err := s.ResponseCounts(t.Context(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := counts["leadership"].Drafts; got != n-1 {
		t.Errorf("%d drafts stored, want %d (each once)", got, n-1)
	}
	if batches, _, _ := storage.GroupStats(s); batches != 0 {
		t.Errorf("%d batches counted as committed, want 0", batches)
	}
}

// A write whose request is cancelled while it waits for the writer is not stored, and
// says so.
func TestGroupCommitCancelledWhileWaiting(t *testing.T) {
	s := sqliteStore(t)
	a := newAssessment(t, s, "cancel")
	release := storage.HoldWriter(s)
	defer release()
	ctx, cancel := context.WithCancel(t.Context())
	hash := assessment.HashToken(assessment.NewResumeToken())
	done := make(chan error, 1)
	go func() { done <- s.CreateResponse(ctx, sampleResponse(a.ID), hash) }()
	for {
		if _, _, waiting := storage.GroupStats(s); waiting == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled write: %v, want context.Canceled", err)
	}
	release()
	if _, err := s.ResponseByToken(t.Context(), hash); !errors.Is(err, assessment.ErrNotFound) {
		t.Errorf("the cancelled write was stored (%v)", err)
	}
}

// sqliteStore is a migrated SQLite store (the group writer is SQLite's).
func sqliteStore(t *testing.T) *storage.Store {
	t.Helper()
	s := openSQLite(t).store
	if _, _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}

// Answers and reflections go in by prepared multi-row INSERTs of up to 40 rows: a
// response with more (no instrument has that many, but nothing may be dropped if one
// does) is written whole, on create and on change.
func TestManyAnswersWrittenWhole(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "long")
		r := sampleResponse(a.ID)
		fill := func(nAnswers, nReflections int) {
			r.Answers, r.Reflections = map[string]assessment.Answer{}, map[string]string{}
			for i := range nAnswers {
				r.Answers[fmt.Sprintf("X-%03d", i)] = assessment.Answers[i%len(assessment.Answers)]
			}
			for i := range nReflections {
				r.Reflections[fmt.Sprintf("X-R%03d", i)] = fmt.Sprintf("reflection %d", i)
			}
		}
		check := func(hash string) {
			t.Helper()
			got := mustResponse(t, s, hash)
			if !maps.Equal(got.Answers, r.Answers) || !maps.Equal(got.Reflections, r.Reflections) {
				t.Errorf("stored %d answers and %d reflections, want %d and %d", len(got.Answers), len(got.Reflections), len(r.Answers), len(r.Reflections))
			}
		}
		fill(95, 41)
		hash := createResponse(t, s, r)
		check(hash)
		stored := mustResponse(t, s, hash)
		r.ID = stored.ID
		fill(40, 80)
		if err := s.UpdateResponse(t.Context(), r); err != nil {
			t.Fatal(err)
		}
		check(hash)
		fill(0, 1)
		if err := s.UpdateResponse(t.Context(), r); err != nil {
			t.Fatal(err)
		}
		check(hash)
	})
}

// On PostgreSQL a new response is written by one statement (the response, its answers
// and its reflections); a row of it the database refuses (a NUL in a reflection, which
// PostgreSQL's text cannot hold) leaves nothing behind: no response, no answer, no
// reflection. SQLite writes the same in a transaction whose rollback TestGroupCommit's
// CreateThenFail checks.
func TestCreateWholeIsOneStatement(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		if ns.store.Dialect() != storage.Postgres {
			t.Skip("PostgreSQL only: SQLite stores the NUL, and its rollback is tested in TestGroupCommit")
		}
		s := ns.store
		a := newAssessment(t, s, "whole")
		r := sampleResponse(a.ID)
		r.Reflections["L-R1"] = "half\x00way"
		err := s.CreateResponse(t.Context(), r, assessment.HashToken(assessment.NewResumeToken()))
		if err == nil {
			t.Fatal("a reflection holding NUL was stored")
		}
		for _, table := range []string{"responses", "answers", "reflections"} {
			if n := countRows(t, s, table, "1 = 1"); n != 0 {
				t.Errorf("%d rows in %s after the refused response", n, table)
			}
		}
		r.Reflections["L-R1"] = "whole"
		hash := createResponse(t, s, r)
		if got := mustResponse(t, s, hash); !maps.Equal(got.Answers, r.Answers) || !maps.Equal(got.Reflections, r.Reflections) {
			t.Errorf("stored %v / %v, want %v / %v", got.Answers, got.Reflections, r.Answers, r.Reflections)
		}
	})
}

// A write remembered under an idempotency key is found for its lifetime only; past it,
// the same key may be used again (the old record is replaced in the new write's
// transaction), and the daily purge forgets it.
func TestIdempotentWriteLifetime(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		ctx := t.Context()
		a := newAssessment(t, s, "lifetime")
		write := func() *storage.IdempotentWrite {
			return &storage.IdempotentWrite{Scope: "responses:1", KeyHash: "k", RequestHash: "r", Status: "submitted", Sealed: "sealed"}
		}
		w := write()
		if err := s.CreateResponseOnce(ctx, sampleResponse(a.ID), assessment.HashToken(assessment.NewResumeToken()), 0, w); err != nil {
			t.Fatal(err)
		}
		if got, err := s.IdempotentWriteOf(ctx, w.Scope, w.KeyHash, w.CreatedAt.Add(-time.Minute)); err != nil || got.Sealed != "sealed" {
			t.Fatalf("IdempotentWriteOf = %+v, %v", got, err)
		}
		if err := s.CreateResponseOnce(ctx, sampleResponse(a.ID), assessment.HashToken(assessment.NewResumeToken()), 0, write()); !errors.Is(err, storage.ErrIdempotencyTaken) {
			t.Fatalf("the key again while alive: %v, want ErrIdempotencyTaken", err)
		}
		if n := countRows(t, s, "responses", "assessment_id = ?", a.ID); n != 1 {
			t.Fatalf("%d responses after a refused second write, want 1", n)
		}

		// A day and a minute later.
		old := w.CreatedAt.Add(-storage.IdempotencyLifetime - time.Minute)
		if err := storage.RawDB(s).WithContext(ctx).Exec(`UPDATE idempotency_keys SET created_at = ?`, old).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := s.IdempotentWriteOf(ctx, w.Scope, w.KeyHash, time.Now().Add(-storage.IdempotencyLifetime)); !errors.Is(err, assessment.ErrNotFound) {
			t.Fatalf("an expired write is still found: %v", err)
		}
		again := write()
		again.Sealed = "new"
		if err := s.CreateResponseOnce(ctx, sampleResponse(a.ID), assessment.HashToken(assessment.NewResumeToken()), 0, again); err != nil {
			t.Fatalf("the key after its lifetime: %v", err)
		}
		if got, err := s.IdempotentWriteOf(ctx, w.Scope, w.KeyHash, time.Now().Add(-time.Hour)); err != nil || got.Sealed != "new" {
			t.Fatalf("after reuse: %+v, %v", got, err)
		}
		if n, err := s.DeleteIdempotentWritesBefore(ctx, time.Now().Add(time.Minute)); err != nil || n != 1 {
			t.Fatalf("purge = %d, %v; want 1", n, err)
		}
		if n := countRows(t, s, "idempotency_keys", "1 = 1"); n != 0 {
			t.Errorf("%d records after the purge", n)
		}
	})
}

// A key reserved before a write that is not one of this package's statements: a second
// reservation is ErrIdempotencyTaken; completing it keeps the answer; releasing a
// reservation (the write failed) frees the key, and never forgets a completed one.
func TestIdempotencyReservation(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		w := func() *storage.IdempotentWrite {
			return &storage.IdempotentWrite{Scope: "facilitator:1", KeyHash: "h", RequestHash: "r"}
		}
		if err := s.ReserveIdempotencyKey(ctx, w()); err != nil {
			t.Fatal(err)
		}
		if err := s.ReserveIdempotencyKey(ctx, w()); !errors.Is(err, storage.ErrIdempotencyTaken) {
			t.Fatalf("a second reservation: %v, want ErrIdempotencyTaken", err)
		}
		got, err := s.IdempotentWriteOf(ctx, "facilitator:1", "h", time.Now().Add(-time.Hour))
		if err != nil || got.Status != storage.IdempotencyPending {
			t.Fatalf("reserved: %+v, %v", got, err)
		}
		if err := s.ReleaseIdempotencyKey(ctx, "facilitator:1", "h"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.IdempotentWriteOf(ctx, "facilitator:1", "h", time.Now().Add(-time.Hour)); !errors.Is(err, assessment.ErrNotFound) {
			t.Fatalf("released key still found: %v", err)
		}
		if err := s.ReserveIdempotencyKey(ctx, w()); err != nil {
			t.Fatalf("reserving a released key: %v", err)
		}
		if err := s.CompleteIdempotencyKey(ctx, "facilitator:1", "h", "201", "sealed"); err != nil {
			t.Fatal(err)
		}
		if err := s.ReleaseIdempotencyKey(ctx, "facilitator:1", "h"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.IdempotentWriteOf(ctx, "facilitator:1", "h", time.Now().Add(-time.Hour)); err != nil || got.Status != "201" || got.Sealed != "sealed" {
			t.Fatalf("completed: %+v, %v", got, err)
		}

		// A reservation left pending past IdempotencyAbandoned (the server stopped half
		// way) is taken over by the next copy; a younger one is not.
		other := func() *storage.IdempotentWrite {
			return &storage.IdempotentWrite{Scope: "facilitator:1", KeyHash: "dead", RequestHash: "r"}
		}
		if err := s.ReserveIdempotencyKey(ctx, other()); err != nil {
			t.Fatal(err)
		}
		if err := s.ReserveIdempotencyKey(ctx, other()); !errors.Is(err, storage.ErrIdempotencyTaken) {
			t.Fatalf("a fresh reservation taken over: %v", err)
		}
		old := time.Now().Add(-storage.IdempotencyAbandoned - time.Minute)
		if err := storage.RawDB(s).WithContext(ctx).Exec(`UPDATE idempotency_keys SET created_at = ? WHERE key_hash = 'dead'`, old).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.ReserveIdempotencyKey(ctx, other()); err != nil {
			t.Fatalf("an abandoned reservation was not taken over: %v", err)
		}
		// A completed answer is never taken over, however old within the lifetime.
		if err := storage.RawDB(s).WithContext(ctx).Exec(`UPDATE idempotency_keys SET created_at = ? WHERE key_hash = 'h'`, old).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.ReserveIdempotencyKey(ctx, w()); !errors.Is(err, storage.ErrIdempotencyTaken) {
			t.Fatalf("a completed answer was taken over: %v", err)
		}
	})
}

// Two facilitators (or a script and a tab) change one action at once, each against the
// version they read: one change is stored, the other gets ErrStale, whatever the timing;
// the version moves on once.
func TestActionIfVersionRace(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		a := newAssessment(t, s, "race")
		for round := range 20 {
			act := &assessment.Action{AssessmentID: a.ID, Text: "Invite", Lead: "Lee", Status: assessment.ActionPlanned}
			if err := s.CreateAction(ctx, act); err != nil {
				t.Fatal(err)
			}
			errs := make([]error, 2)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range 2 {
				wg.Go(func() {
					mine := *act
					mine.Lead = fmt.Sprintf("writer %d", i)
					<-start
					errs[i] = s.UpdateActionIf(ctx, &mine, act.Version)
				})
			}
			close(start)
			wg.Wait()
			stale, stored := 0, 0
			for _, err := range errs {
				switch {
				case errors.Is(err, assessment.ErrStale):
					stale++
				case err == nil:
					stored++
				default:
					t.Fatalf("round %d: %v", round, err)
				}
			}
			list, err := s.Actions(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := list[len(list)-1]
			if stored != 1 || stale != 1 || got.Version != 2 {
				t.Fatalf("round %d: %d stored, %d stale, version %d; want 1, 1, 2", round, stored, stale, got.Version)
			}
		}
	})
}
