package storage_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

func TestAssessmentRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		first := newAssessment(t, s, "Round one")

		tests := []struct {
			name string
			make func() *assessment.Assessment
		}{
			{"english default threshold", func() *assessment.Assessment {
				a, err := assessment.NewAssessment("Spring check-in", "Unit 4B", "en", 3, false, "v1")
				if err != nil {
					t.Fatal(err)
				}
				return a
			}},
			{"french low threshold confirmed", func() *assessment.Assessment {
				a, err := assessment.NewAssessment("Équipe soins — 2ᵉ tour", "Soins à domicile", "fr", 1, true, "v1")
				if err != nil {
					t.Fatal(err)
				}
				return a
			}},
			{"second round linked to the first", func() *assessment.Assessment {
				a, err := assessment.NewAssessment("Round two", "Team Round one", "en", 20, false, "v2")
				if err != nil {
					t.Fatal(err)
				}
				a.Round = 2
				a.PreviousID = &first.ID
				return a
			}},
			{"stored closed", func() *assessment.Assessment {
				a, err := assessment.NewAssessment("Archived", "Old team", "en", 5, false, "v1")
				if err != nil {
					t.Fatal(err)
				}
				a.Status = assessment.Closed
				return a
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				a := tt.make()
				want := *a
				before := time.Now()
				if err := s.CreateAssessment(t.Context(), a); err != nil {
					t.Fatalf("CreateAssessment: %v", err)
				}
				if a.ID == 0 {
					t.Fatal("CreateAssessment left ID 0")
				}
				if a.CreatedAt.IsZero() || a.CreatedAt.Before(before.Add(-time.Second)) || a.CreatedAt.After(time.Now().Add(time.Second)) {
					t.Errorf("CreatedAt = %v, want about now", a.CreatedAt)
				}
				want.ID, want.CreatedAt = a.ID, a.CreatedAt

				byID, err := s.Assessment(t.Context(), a.ID)
				if err != nil {
					t.Fatalf("Assessment(%d): %v", a.ID, err)
				}
				if d := assessmentDiff(&want, byID); d != nil {
					t.Errorf("Assessment(id) differs:\n%s", strings.Join(d, "\n"))
				}
				byCode, err := s.AssessmentByCode(t.Context(), a.Code)
				if err != nil {
					t.Fatalf("AssessmentByCode(%q): %v", a.Code, err)
				}
				if d := assessmentDiff(&want, byCode); d != nil {
					t.Errorf("AssessmentByCode differs:\n%s", strings.Join(d, "\n"))
				}
			})
		}
	})
}

func TestAssessmentNotFound(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "exists")
		tests := []struct {
			name string
			get  func() (*assessment.Assessment, error)
		}{
			{"id zero", func() (*assessment.Assessment, error) { return s.Assessment(t.Context(), 0) }},
			{"negative id", func() (*assessment.Assessment, error) { return s.Assessment(t.Context(), -1) }},
			{"unknown id", func() (*assessment.Assessment, error) { return s.Assessment(t.Context(), a.ID+1000) }},
			{"empty code", func() (*assessment.Assessment, error) { return s.AssessmentByCode(t.Context(), "") }},
			{"unknown code", func() (*assessment.Assessment, error) {
				return s.AssessmentByCode(t.Context(), assessment.NewJoinCode())
			}},
			{"code in lower case", func() (*assessment.Assessment, error) {
				// Codes are stored normalized; callers normalize before looking up.
				return s.AssessmentByCode(t.Context(), strings.ToLower(a.Code))
			}},
			{"code with SQL wildcard", func() (*assessment.Assessment, error) {
				return s.AssessmentByCode(t.Context(), "%")
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := tt.get()
				if !errors.Is(err, assessment.ErrNotFound) {
					t.Errorf("err = %v, want ErrNotFound", err)
				}
				if got != nil {
					t.Errorf("got %+v, want nil", got)
				}
			})
		}
	})
}

func TestAssessmentDuplicateCode(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "first")
		dup, err := assessment.NewAssessment("second", "other team", "en", 3, false, "v1")
		if err != nil {
			t.Fatal(err)
		}
		dup.Code = a.Code
		if err := s.CreateAssessment(t.Context(), dup); err == nil {
			t.Fatal("CreateAssessment with a code already in use succeeded")
		}
		list, err := assessmentsOf(t.Context(), s, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Title != "first" {
			t.Errorf("Assessments() = %+v, want only the first", list)
		}
		// The store still works after the failed insert.
		newAssessment(t, s, "third")
	})
}

func TestSetAssessmentStatus(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "status")
		other := newAssessment(t, s, "bystander")

		steps := []struct {
			status     assessment.Status
			wantClosed bool
		}{
			{assessment.Closed, true},
			{assessment.Closed, true}, // closing twice is allowed
			{assessment.Open, false},
			{assessment.Closed, true},
			{assessment.Open, false},
		}
		for i, st := range steps {
			before := time.Now()
			got, err := s.SetAssessmentStatus(t.Context(), a.ID, st.status)
			if err != nil {
				t.Fatalf("step %d: SetAssessmentStatus(%s): %v", i, st.status, err)
			}
			if got.Status != st.status {
				t.Errorf("step %d: Status = %q, want %q", i, got.Status, st.status)
			}
			if got.IsOpen() == st.wantClosed {
				t.Errorf("step %d: IsOpen() = %v", i, got.IsOpen())
			}
			switch {
			case st.wantClosed && got.ClosedAt == nil:
				t.Errorf("step %d: ClosedAt nil after closing", i)
			case st.wantClosed && (got.ClosedAt.Before(before.Add(-time.Second)) || got.ClosedAt.Before(got.CreatedAt)):
				t.Errorf("step %d: ClosedAt = %v, want about now and after CreatedAt %v", i, got.ClosedAt, got.CreatedAt)
			case !st.wantClosed && got.ClosedAt != nil:
				t.Errorf("step %d: ClosedAt = %v after reopening, want nil", i, got.ClosedAt)
			}
			// What it returned is what is stored, and the rest of the row is untouched.
			stored, err := s.Assessment(t.Context(), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if d := assessmentDiff(got, stored); d != nil {
				t.Errorf("step %d: stored differs from returned:\n%s", i, strings.Join(d, "\n"))
			}
			want := *a
			want.Status, want.ClosedAt = st.status, got.ClosedAt
			if d := assessmentDiff(&want, stored); d != nil {
				t.Errorf("step %d: other fields changed:\n%s", i, strings.Join(d, "\n"))
			}
		}
		// The other assessment was never touched.
		stored, err := s.Assessment(t.Context(), other.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := assessmentDiff(other, stored); d != nil {
			t.Errorf("bystander changed:\n%s", strings.Join(d, "\n"))
		}

		for _, id := range []int64{0, a.ID + 1000} {
			if got, err := s.SetAssessmentStatus(t.Context(), id, assessment.Closed); !errors.Is(err, assessment.ErrNotFound) || got != nil {
				t.Errorf("SetAssessmentStatus(%d) = %v, %v; want nil, ErrNotFound", id, got, err)
			}
		}
	})
}

func TestAssessmentsNewestFirst(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		if list, err := assessmentsOf(t.Context(), s, nil); err != nil || len(list) != 0 {
			t.Fatalf("Assessments() on an empty database = %v, %v", list, err)
		}
		var created []*assessment.Assessment
		for _, title := range []string{"oldest", "middle", "newest"} {
			created = append(created, newAssessment(t, s, title))
		}
		closeAssessment(t, s, created[1].ID) // status does not change the order
		list, err := assessmentsOf(t.Context(), s, nil)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, a := range list {
			titles = append(titles, a.Title)
		}
		if want := []string{"newest", "middle", "oldest"}; !slices.Equal(titles, want) {
			t.Errorf("Assessments() titles = %q, want %q", titles, want)
		}
		for i, a := range list {
			want, err := s.Assessment(t.Context(), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if d := assessmentDiff(want, &list[i]); d != nil {
				t.Errorf("list entry %d differs from Assessment(%d):\n%s", i, a.ID, strings.Join(d, "\n"))
			}
		}
	})
}

// Deleting an assessment (no repository does this yet; an operator might) takes its
// responses, answers and reflections with it, and unlinks a later round.
func TestDeleteAssessmentCascades(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		doomed := newAssessment(t, s, "doomed")
		kept := newAssessment(t, s, "kept")
		next, err := assessment.NewAssessment("next round", "team", "en", 3, false, "v1")
		if err != nil {
			t.Fatal(err)
		}
		next.Round, next.PreviousID = 2, &doomed.ID
		if err := s.CreateAssessment(t.Context(), next); err != nil {
			t.Fatal(err)
		}

		doomedResp := sampleResponse(doomed.ID)
		doomedHash := createResponse(t, s, doomedResp)
		keptResp := sampleResponse(kept.ID)
		keptHash := createResponse(t, s, keptResp)

		if err := storage.RawDB(s).WithContext(t.Context()).Exec("DELETE FROM assessments WHERE id = ?", doomed.ID).Error; err != nil {
			t.Fatalf("delete assessment: %v", err)
		}

		for _, c := range []struct{ table, where string }{
			{"responses", "assessment_id = ?"},
			{"answers", "response_id = ?"},
			{"reflections", "response_id = ?"},
		} {
			arg := doomedResp.ID
			if c.table == "responses" {
				arg = doomed.ID
			}
			if n := countRows(t, s, c.table, c.where, arg); n != 0 {
				t.Errorf("%s: %d rows of the deleted assessment left", c.table, n)
			}
		}
		if _, err := s.ResponseByToken(t.Context(), doomedHash); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("ResponseByToken of a deleted response: %v, want ErrNotFound", err)
		}
		if got := mustResponse(t, s, keptHash); responseDiff(keptResp, got) != nil {
			t.Errorf("the other assessment's response changed: %s", responseDiff(keptResp, got))
		}
		gotNext, err := s.Assessment(t.Context(), next.ID)
		if err != nil {
			t.Fatal(err)
		}
		if gotNext.PreviousID != nil {
			t.Errorf("next round still points at deleted assessment %d", *gotNext.PreviousID)
		}
	})
}
