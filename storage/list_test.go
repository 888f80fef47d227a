package storage_test

import (
	"errors"
	"maps"
	"strings"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
)

// countStatements counts the SQL statements the store runs while fn does.
func countStatements(t *testing.T, s *storage.Store, fn func()) int64 {
	t.Helper()
	var n atomic.Int64
	name := "test:count_" + strings.ReplaceAll(t.Name(), "/", "_")
	count := func(*gorm.DB) { n.Add(1) }
	handles := []*gorm.DB{storage.RawDB(s)}
	if r := storage.ReadDB(s); r != handles[0] {
		handles = append(handles, r)
	}
	for _, db := range handles {
		cb := db.Callback()
		for _, err := range []error{
			cb.Query().Before("gorm:query").Register(name, count),
			cb.Row().Before("gorm:row").Register(name, count),
			cb.Raw().Before("gorm:raw").Register(name, count),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		defer func() {
			for _, err := range []error{cb.Query().Remove(name), cb.Row().Remove(name), cb.Raw().Remove(name)} {
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	fn()
	return n.Load()
}

// A dashboard of many rounds costs one query, and every round carries its completion.
func TestListAssessmentsCountsInOneQuery(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		ownerA := facAccount(t, s, "a@example.org", "A")
		ownerB := facAccount(t, s, "b@example.org", "B")
		want := map[int64]map[string]assessment.PillarCounts{}
		for i := range 12 {
			owner := &ownerA.ID
			if i%4 == 3 {
				owner = &ownerB.ID
			}
			a := facOwnedAssessment(t, s, "round", owner)
			counts := map[string]assessment.PillarCounts{}
			for k := range i % 5 { // some rounds have none
				r := sampleResponse(a.ID)
				r.Pillar = []string{pillars.Leadership, pillars.Staff, pillars.PatientPartners}[k%3]
				if k%2 == 0 {
					r.Status = assessment.Submitted
				}
				createResponse(t, s, r)
				c := counts[r.Pillar]
				if r.Status == assessment.Submitted {
					c.Submitted++
				} else {
					c.Drafts++
				}
				counts[r.Pillar] = c
			}
			want[a.ID] = counts
		}
		var listed []assessment.Listed
		var err error
		n := countStatements(t, s, func() { listed, err = s.ListAssessments(t.Context(), &ownerA.ID) })
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("listing ran %d statements, want 1", n)
		}
		if len(listed) != 9 {
			t.Fatalf("listed %d of A's assessments, want 9", len(listed))
		}
		for i, l := range listed {
			if i > 0 && l.ID >= listed[i-1].ID {
				t.Errorf("not newest first: %d after %d", l.ID, listed[i-1].ID)
			}
			if *l.FacilitatorID != ownerA.ID || l.Title != "round" || l.Code == "" || l.CreatedAt.IsZero() {
				t.Errorf("assessment %d read back as %+v", l.ID, l.Assessment)
			}
			if !maps.Equal(l.Counts, want[l.ID]) {
				t.Errorf("assessment %d counts %v, want %v", l.ID, l.Counts, want[l.ID])
			}
			byOne, err := s.ResponseCounts(t.Context(), l.ID)
			if err != nil || !maps.Equal(byOne, l.Counts) {
				t.Errorf("assessment %d: list counts %v, ResponseCounts %v (%v)", l.ID, l.Counts, byOne, err)
			}
		}
		all, err := s.ListAssessments(t.Context(), nil)
		if err != nil || len(all) != 12 {
			t.Errorf("every assessment: %d, %v; want 12", len(all), err)
		}
	})
}

// ScoreTallies is Tallies without the texts, and reads none of them.
func TestScoreTallies(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "scores")
		for k := range 5 {
			r := sampleResponse(a.ID)
			r.Pillar = []string{pillars.Leadership, pillars.Staff}[k%2]
			if k != 4 {
				r.Status = assessment.Submitted
			}
			createResponse(t, s, r)
		}
		releaseAll(t, s, a.ID)
		full, err := s.Tallies(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		scores, err := s.ScoreTallies(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(scores.Submitted, full.Submitted) || len(scores.Items) != len(full.Items) || len(full.Items) == 0 {
			t.Fatalf("ScoreTallies %+v, Tallies %+v", scores, full)
		}
		for i := range full.Items {
			if scores.Items[i] != full.Items[i] {
				t.Errorf("item count %d: %+v, want %+v", i, scores.Items[i], full.Items[i])
			}
		}
		if len(scores.Named) != 0 || len(scores.Reflections) != 0 || len(full.Named) == 0 || len(full.Reflections) == 0 {
			t.Errorf("texts: ScoreTallies %d/%d, Tallies %d/%d", len(scores.Named), len(scores.Reflections), len(full.Named), len(full.Reflections))
		}
		if scores.Submitted[pillars.Leadership] != 2 || scores.Submitted[pillars.Staff] != 2 {
			t.Errorf("submitted %v, want 2 and 2 (the draft left out)", scores.Submitted)
		}
	})
}

// InTx commits everything fn did, or nothing.
func TestInTx(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		boom := errors.New("boom")
		var created *assessment.Assessment
		err := s.InTx(t.Context(), func(tx *storage.Store) error {
			created = newAssessment(t, tx, "rolled back")
			if _, err := tx.SetAssessmentStatus(t.Context(), created.ID, assessment.Closed); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want boom", err)
		}
		if _, err := s.Assessment(t.Context(), created.ID); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("a rolled-back assessment is there: %v", err)
		}
		err = s.InTx(t.Context(), func(tx *storage.Store) error {
			created = newAssessment(t, tx, "kept")
			_, err := tx.SetAssessmentStatus(t.Context(), created.ID, assessment.Closed)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.Assessment(t.Context(), created.ID); err != nil || got.Status != assessment.Closed {
			t.Errorf("committed assessment: %+v, %v", got, err)
		}
	})
}

// A database error says what storage was doing; a domain answer stays itself.
func TestErrorsSayWhatFailed(t *testing.T) {
	s := openSQLite(t).store // never migrated: every table is missing
	_, err := s.ListAssessments(t.Context(), nil)
	if err == nil || !strings.HasPrefix(err.Error(), "storage: list assessments: ") {
		t.Errorf("error %v, want it to name what failed", err)
	}
	r := sampleResponse(7)
	r.ID = 3
	if err := s.UpdateResponse(t.Context(), r); err == nil || !strings.Contains(err.Error(), "update response 3") {
		t.Errorf("error %v, want it to name the response", err)
	}
	m := openStores(t)[0].store
	if _, err := m.Assessment(t.Context(), 42); err != assessment.ErrNotFound { // the sentinel itself, unwrapped
		t.Errorf("not found: %v, want assessment.ErrNotFound itself", err)
	}
}
