package storage_test

import (
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// What a store changes in an assessment, it reads back at once, whether changed alone or
// inside InTx; what another store changes (another server, the command line) shows
// within the cache's lifetime.
func TestAssessmentCache(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "cached")
		status := func(s *storage.Store) (byCode, byID assessment.Status) {
			t.Helper()
			c, err := s.AssessmentByCode(t.Context(), a.Code)
			if err != nil {
				t.Fatal(err)
			}
			i, err := s.Assessment(t.Context(), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			return c.Status, i.Status
		}
		if c, i := status(s); c != assessment.Open || i != assessment.Open {
			t.Fatalf("new assessment read as %s/%s", c, i)
		}
		closeAssessment(t, s, a.ID)
		if c, i := status(s); c != assessment.Closed || i != assessment.Closed {
			t.Errorf("after closing, read as %s/%s", c, i)
		}
		err := s.InTx(t.Context(), func(tx *storage.Store) error {
			_, err := tx.SetAssessmentStatus(t.Context(), a.ID, assessment.Open)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if c, i := status(s); c != assessment.Open || i != assessment.Open {
			t.Errorf("after reopening in a transaction, read as %s/%s", c, i)
		}

		other, err := storage.Open(t.Context(), ns.dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = other.Close() }()
		storage.SetAssessmentCacheTTL(s, 50*time.Millisecond)
		status(s) // cached
		closeAssessment(t, other, a.ID)
		deadline := time.Now().Add(10 * time.Second)
		for {
			if c, i := status(s); c == assessment.Closed && i == assessment.Closed {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("a change by another store never showed")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err := s.DeleteAssessment(t.Context(), a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AssessmentByCode(t.Context(), a.Code); err != assessment.ErrNotFound {
			t.Errorf("deleted assessment by code: %v", err)
		}
	})
}
