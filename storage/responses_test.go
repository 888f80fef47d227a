package storage_test

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
)

func TestCreateResponseRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "round trip")
		tests := []struct {
			name string
			r    func() *assessment.Response
		}{
			{"draft with answers and reflections", func() *assessment.Response { return sampleResponse(a.ID) }},
			{"empty draft", func() *assessment.Response {
				return &assessment.Response{AssessmentID: a.ID, Pillar: pillars.Staff, Language: "en", Status: assessment.Draft}
			}},
			{"submitted", func() *assessment.Response {
				r := sampleResponse(a.ID)
				r.Pillar, r.Status = pillars.PatientPartners, assessment.Submitted
				r.Answers = map[string]assessment.Answer{"P-01": assessment.Yes, "P-02": assessment.Unknown}
				r.Reflections = map[string]string{"P-R1": "quote ' and \" and \\ and ; DROP TABLE responses; --"}
				return r
			}},
			{"strength without theme", func() *assessment.Response {
				r := sampleResponse(a.ID)
				r.Strength.Theme, r.Opportunity = "", assessment.Named{}
				return r
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := tt.r()
				want := cloneResponse(r)
				before := time.Now()
				hash := createResponse(t, s, r)
				if r.ID == 0 {
					t.Fatal("CreateResponse left ID 0")
				}
				if r.CreatedAt.IsZero() || r.CreatedAt.Before(before.Add(-time.Second)) || !r.UpdatedAt.Equal(r.CreatedAt) {
					t.Errorf("CreatedAt, UpdatedAt = %v, %v; want both about now and equal", r.CreatedAt, r.UpdatedAt)
				}
				switch {
				case r.Status == assessment.Submitted && (r.SubmittedAt == nil || !r.SubmittedAt.Equal(r.CreatedAt)):
					t.Errorf("SubmittedAt = %s, want CreatedAt %v", fmtTimePtr(r.SubmittedAt), r.CreatedAt)
				case r.Status == assessment.Draft && r.SubmittedAt != nil:
					t.Errorf("draft has SubmittedAt %v", r.SubmittedAt)
				}
				want.ID, want.CreatedAt, want.UpdatedAt, want.SubmittedAt = r.ID, r.CreatedAt, r.UpdatedAt, r.SubmittedAt

				got := mustResponse(t, s, hash)
				if d := responseDiff(want, got); d != nil {
					t.Errorf("ResponseByToken differs from what was stored:\n%s", strings.Join(d, "\n"))
				}
				if got.Answers == nil || got.Reflections == nil {
					t.Errorf("ResponseByToken returned nil maps: %v, %v", got.Answers, got.Reflections)
				}
			})
		}
	})
}

func TestResponseByTokenNotFound(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "tokens")
		token := assessment.NewResumeToken()
		if err := s.CreateResponse(t.Context(), sampleResponse(a.ID), assessment.HashToken(token)); err != nil {
			t.Fatal(err)
		}
		for _, hash := range []string{
			"",
			token, // the token itself is never what is looked up
			assessment.HashToken(assessment.NewResumeToken()),
			assessment.HashToken(token)[:32],
			"%",
		} {
			if got, err := s.ResponseByToken(t.Context(), hash); !errors.Is(err, assessment.ErrNotFound) || got != nil {
				t.Errorf("ResponseByToken(%q) = %v, %v; want nil, ErrNotFound", hash, got, err)
			}
		}
	})
}

func TestCreateResponseDuplicateTokenHash(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "dup token")
		first := sampleResponse(a.ID)
		hash := createResponse(t, s, first)
		second := sampleResponse(a.ID)
		second.Answers = map[string]assessment.Answer{"L-09": assessment.No}
		if err := s.CreateResponse(t.Context(), second, hash); err == nil {
			t.Fatal("a second response with the same token hash was stored")
		}
		if d := responseDiff(first, mustResponse(t, s, hash)); d != nil {
			t.Errorf("first response changed:\n%s", strings.Join(d, "\n"))
		}
		if n := countRows(t, s, "answers", "item_id = ?", "L-09"); n != 0 {
			t.Errorf("%d answers of the refused response were kept", n)
		}
	})
}

func TestUpdateResponse(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "updates")
		r := sampleResponse(a.ID)
		hash := createResponse(t, s, r)
		createdAt := r.CreatedAt

		// Each step edits the response as a respondent would and saves it; the stored
		// response must then be exactly the edited one.
		steps := []struct {
			name          string
			edit          func(r *assessment.Response)
			wantSubmitted bool
		}{
			{"change, remove and add answers and reflections", func(r *assessment.Response) {
				r.Answers["L-01"] = assessment.No      // changed
				delete(r.Answers, "L-02")              // removed
				r.Answers["L-05"] = assessment.Yes     // added
				r.Reflections["L-R1"] = "Rewritten."   // changed
				delete(r.Reflections, "L-R2")          // removed
				r.Reflections["L-R3"] = "A new prompt" // added
				r.Strength = assessment.Named{Text: "Better strength", Theme: "commitment"}
				r.Language = "en"
			}, false},
			{"clear everything", func(r *assessment.Response) {
				r.Answers = map[string]assessment.Answer{}
				r.Reflections = nil
				r.Strength, r.Opportunity = assessment.Named{}, assessment.Named{}
			}, false},
			{"submit", func(r *assessment.Response) {
				r.Answers = map[string]assessment.Answer{"L-01": assessment.Yes, "L-02": assessment.Somewhat}
				r.Reflections = map[string]string{"L-R4": "Done"}
				r.Strength = assessment.Named{Text: "s", Theme: "learning"}
				r.Opportunity = assessment.Named{Text: "o"}
				r.Status = assessment.Submitted
			}, true},
			{"edit after submitting", func(r *assessment.Response) {
				r.Answers["L-02"] = assessment.Yes
				r.Opportunity.Theme = "equity"
			}, true},
			{"submit again", func(r *assessment.Response) {
				r.Answers["L-03"] = assessment.Unknown
			}, true},
		}
		var firstSubmitted *time.Time
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				before := mustResponse(t, s, hash)
				edited := cloneResponse(before)
				st.edit(edited)
				want := cloneResponse(edited)
				time.Sleep(2 * time.Millisecond) // so UpdatedAt visibly moves on
				if err := s.UpdateResponse(t.Context(), edited); err != nil {
					t.Fatalf("UpdateResponse: %v", err)
				}
				if !edited.CreatedAt.Equal(createdAt) {
					t.Errorf("CreatedAt = %v, want the original %v", edited.CreatedAt, createdAt)
				}
				if !edited.UpdatedAt.After(before.UpdatedAt) {
					t.Errorf("UpdatedAt = %v, want after %v", edited.UpdatedAt, before.UpdatedAt)
				}
				switch {
				case st.wantSubmitted && edited.SubmittedAt == nil:
					t.Fatal("SubmittedAt nil after submitting")
				case st.wantSubmitted && firstSubmitted == nil:
					at := *edited.SubmittedAt
					firstSubmitted = &at
					if !at.Equal(edited.UpdatedAt) {
						t.Errorf("SubmittedAt = %v, want the update time %v", at, edited.UpdatedAt)
					}
				case st.wantSubmitted && !edited.SubmittedAt.Equal(*firstSubmitted):
					t.Errorf("SubmittedAt = %v, want the first submission %v", edited.SubmittedAt, *firstSubmitted)
				case !st.wantSubmitted && edited.SubmittedAt != nil:
					t.Errorf("draft has SubmittedAt %v", edited.SubmittedAt)
				}
				want.UpdatedAt, want.SubmittedAt = edited.UpdatedAt, edited.SubmittedAt
				got := mustResponse(t, s, hash)
				if d := responseDiff(want, got); d != nil {
					t.Errorf("stored response differs from the update:\n%s", strings.Join(d, "\n"))
				}
				// No orphaned child rows: exactly the answers and reflections given.
				if n := countRows(t, s, "answers", "response_id = ?", r.ID); n != int64(len(want.Answers)) {
					t.Errorf("%d answer rows, want %d", n, len(want.Answers))
				}
				if n := countRows(t, s, "reflections", "response_id = ?", r.ID); n != int64(len(want.Reflections)) {
					t.Errorf("%d reflection rows, want %d", n, len(want.Reflections))
				}
			})
		}
	})
}

// Updating one response must not touch another one, in the same assessment or not.
func TestUpdateResponseLeavesOthersAlone(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "a")
		mine := sampleResponse(a.ID)
		myHash := createResponse(t, s, mine)
		theirs := sampleResponse(a.ID)
		theirHash := createResponse(t, s, theirs)

		mine.Answers = map[string]assessment.Answer{"L-10": assessment.Yes}
		mine.Reflections = map[string]string{}
		if err := s.UpdateResponse(t.Context(), mine); err != nil {
			t.Fatal(err)
		}
		if d := responseDiff(theirs, mustResponse(t, s, theirHash)); d != nil {
			t.Errorf("the other response changed:\n%s", strings.Join(d, "\n"))
		}
		if got := mustResponse(t, s, myHash); !maps.Equal(got.Answers, mine.Answers) {
			t.Errorf("answers = %v, want %v", got.Answers, mine.Answers)
		}
	})
}

func TestClosedAssessmentRefusesResponses(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "closing")
		r := sampleResponse(a.ID)
		hash := createResponse(t, s, r)
		stored := mustResponse(t, s, hash)
		closeAssessment(t, s, a.ID)

		tests := []struct {
			name  string
			write func() error
		}{
			{"create draft", func() error {
				return s.CreateResponse(t.Context(), sampleResponse(a.ID), assessment.HashToken(assessment.NewResumeToken()))
			}},
			{"create submitted", func() error {
				nr := sampleResponse(a.ID)
				nr.Status = assessment.Submitted
				return s.CreateResponse(t.Context(), nr, assessment.HashToken(assessment.NewResumeToken()))
			}},
			{"update answers", func() error {
				u := cloneResponse(stored)
				u.Answers = map[string]assessment.Answer{"L-01": assessment.No}
				u.Reflections = nil
				return s.UpdateResponse(t.Context(), u)
			}},
			{"submit", func() error {
				u := cloneResponse(stored)
				u.Status = assessment.Submitted
				return s.UpdateResponse(t.Context(), u)
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.write(); !errors.Is(err, assessment.ErrClosed) {
					t.Fatalf("err = %v, want ErrClosed", err)
				}
				if d := responseDiff(stored, mustResponse(t, s, hash)); d != nil {
					t.Errorf("stored response changed:\n%s", strings.Join(d, "\n"))
				}
				if n := countRows(t, s, "responses", "assessment_id = ?", a.ID); n != 1 {
					t.Errorf("%d responses stored, want 1", n)
				}
			})
		}

		// Reopened, it takes writes again.
		if _, err := s.SetAssessmentStatus(t.Context(), a.ID, assessment.Open); err != nil {
			t.Fatal(err)
		}
		u := cloneResponse(stored)
		u.Status = assessment.Submitted
		if err := s.UpdateResponse(t.Context(), u); err != nil {
			t.Errorf("update after reopening: %v", err)
		}
	})
}

func TestResponseForMissingAssessmentOrResponse(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "a")
		b := newAssessment(t, s, "b")
		ra := sampleResponse(a.ID)
		hashA := createResponse(t, s, ra)
		storedA := mustResponse(t, s, hashA)

		tests := []struct {
			name  string
			write func() error
		}{
			{"create for an unknown assessment", func() error {
				return s.CreateResponse(t.Context(), sampleResponse(b.ID+1000), assessment.HashToken(assessment.NewResumeToken()))
			}},
			{"update with an unknown assessment", func() error {
				u := cloneResponse(storedA)
				u.AssessmentID = b.ID + 1000
				return s.UpdateResponse(t.Context(), u)
			}},
			{"update an unknown response", func() error {
				u := sampleResponse(a.ID)
				u.ID = storedA.ID + 1000
				return s.UpdateResponse(t.Context(), u)
			}},
			{"update another assessment's response", func() error {
				// The response exists, but not in assessment b: a token for one team
				// must not reach into another's answers.
				u := cloneResponse(storedA)
				u.AssessmentID = b.ID
				u.Answers = map[string]assessment.Answer{"L-01": assessment.No}
				u.Status = assessment.Submitted
				return s.UpdateResponse(t.Context(), u)
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.write(); !errors.Is(err, assessment.ErrNotFound) {
					t.Fatalf("err = %v, want ErrNotFound", err)
				}
				if d := responseDiff(storedA, mustResponse(t, s, hashA)); d != nil {
					t.Errorf("stored response changed:\n%s", strings.Join(d, "\n"))
				}
				if n := countRows(t, s, "responses", "1 = 1"); n != 1 {
					t.Errorf("%d responses stored, want 1", n)
				}
			})
		}
	})
}

// failInsertsOf makes every insert of an answer for item fail inside the database, so a
// test can break a write half-way through its transaction.
func failInsertsOf(t *testing.T, ns namedStore, item string) {
	t.Helper()
	db := storage.RawDB(ns.store).WithContext(t.Context())
	var stmts []string
	switch ns.name {
	case "sqlite":
		stmts = []string{fmt.Sprintf(`CREATE TRIGGER answers_fail BEFORE INSERT ON answers
			WHEN NEW.item_id = '%s' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`, item)}
	case "postgres":
		stmts = []string{
			`CREATE FUNCTION answers_fail() RETURNS trigger LANGUAGE plpgsql AS
			$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`,
			fmt.Sprintf(`CREATE TRIGGER answers_fail BEFORE INSERT ON answers FOR EACH ROW
			WHEN (NEW.item_id = '%s') EXECUTE FUNCTION answers_fail()`, item),
		}
	}
	for _, stmt := range stmts {
		if err := db.Exec(stmt).Error; err != nil {
			t.Fatalf("install failing trigger: %v", err)
		}
	}
}

// A write that fails part-way (after the response row was written and its old answers
// deleted) leaves nothing of itself behind.
func TestFailedWriteRollsBack(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		const poison = "L-99"
		failInsertsOf(t, ns, poison)
		a := newAssessment(t, s, "rollback")
		r := sampleResponse(a.ID)
		hash := createResponse(t, s, r)
		stored := mustResponse(t, s, hash)
		countsBefore, err := s.ResponseCounts(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name  string
			write func() error
		}{
			{"update", func() error {
				u := cloneResponse(stored)
				u.Answers = map[string]assessment.Answer{"L-01": assessment.No, poison: assessment.Yes}
				u.Reflections = map[string]string{"L-R4": "new"}
				u.Strength = assessment.Named{Text: "changed"}
				u.Status = assessment.Submitted
				return s.UpdateResponse(t.Context(), u)
			}},
			{"create", func() error {
				nr := sampleResponse(a.ID)
				nr.Answers[poison] = assessment.Yes
				nr.Status = assessment.Submitted
				return s.CreateResponse(t.Context(), nr, assessment.HashToken("never stored"))
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.write()
				if err == nil {
					t.Fatal("write with a failing insert succeeded")
				}
				if errors.Is(err, assessment.ErrNotFound) || errors.Is(err, assessment.ErrClosed) {
					t.Fatalf("err = %v, want the database's error", err)
				}
				if d := responseDiff(stored, mustResponse(t, s, hash)); d != nil {
					t.Errorf("stored response changed:\n%s", strings.Join(d, "\n"))
				}
				if _, err := s.ResponseByToken(t.Context(), assessment.HashToken("never stored")); !errors.Is(err, assessment.ErrNotFound) {
					t.Errorf("the failed create left a response behind: %v", err)
				}
				if n := countRows(t, s, "answers", "1 = 1"); n != int64(len(stored.Answers)) {
					t.Errorf("%d answer rows, want %d", n, len(stored.Answers))
				}
				counts, err := s.ResponseCounts(t.Context(), a.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !maps.Equal(counts, countsBefore) {
					t.Errorf("ResponseCounts = %v, want %v", counts, countsBefore)
				}
			})
		}
		// The store is still usable: the connection was not left inside a transaction.
		u := cloneResponse(stored)
		u.Status = assessment.Submitted
		if err := s.UpdateResponse(t.Context(), u); err != nil {
			t.Fatalf("update after the failures: %v", err)
		}
	})
}

func TestResponseCounts(t *testing.T) {
	type resp struct {
		pillar string
		status assessment.ResponseStatus
	}
	repeat := func(n int, r resp) []resp {
		out := make([]resp, n)
		for i := range out {
			out[i] = r
		}
		return out
	}
	var (
		leadSub   = resp{pillars.Leadership, assessment.Submitted}
		leadDraft = resp{pillars.Leadership, assessment.Draft}
		staffSub  = resp{pillars.Staff, assessment.Submitted}
		staffDr   = resp{pillars.Staff, assessment.Draft}
		ppSub     = resp{pillars.PatientPartners, assessment.Submitted}
	)
	tests := []struct {
		name      string
		responses []resp
		// submitLater are indexes of drafts submitted by an update after creation.
		submitLater []int
		want        map[string]assessment.PillarCounts
	}{
		{name: "no responses", want: map[string]assessment.PillarCounts{}},
		{
			name:      "drafts only",
			responses: []resp{leadDraft, leadDraft, staffDr},
			want: map[string]assessment.PillarCounts{
				pillars.Leadership: {Drafts: 2},
				pillars.Staff:      {Drafts: 1},
			},
		},
		{
			name:      "mixed over three pillars",
			responses: slices3(repeat(3, leadSub), repeat(2, leadDraft), []resp{staffSub, staffDr, staffDr}, repeat(4, ppSub)),
			want: map[string]assessment.PillarCounts{
				pillars.Leadership:      {Submitted: 3, Drafts: 2},
				pillars.Staff:           {Submitted: 1, Drafts: 2},
				pillars.PatientPartners: {Submitted: 4},
			},
		},
		{
			name:        "drafts submitted later move over",
			responses:   []resp{leadDraft, leadDraft, leadDraft, staffDr},
			submitLater: []int{0, 3},
			want: map[string]assessment.PillarCounts{
				pillars.Leadership: {Submitted: 1, Drafts: 2},
				pillars.Staff:      {Submitted: 1},
			},
		},
	}
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		// Responses to another assessment must never be counted.
		noise := newAssessment(t, s, "noise")
		for _, r := range repeat(5, leadSub) {
			nr := sampleResponse(noise.ID)
			nr.Pillar, nr.Status = r.pillar, r.status
			createResponse(t, s, nr)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				a := newAssessment(t, s, tt.name)
				var created []*assessment.Response
				for _, r := range tt.responses {
					nr := sampleResponse(a.ID)
					nr.Pillar, nr.Status = r.pillar, r.status
					createResponse(t, s, nr)
					created = append(created, nr)
				}
				for _, i := range tt.submitLater {
					created[i].Status = assessment.Submitted
					if err := s.UpdateResponse(t.Context(), created[i]); err != nil {
						t.Fatal(err)
					}
				}
				got, err := s.ResponseCounts(t.Context(), a.ID)
				if err != nil {
					t.Fatalf("ResponseCounts: %v", err)
				}
				if !maps.Equal(got, tt.want) {
					t.Errorf("ResponseCounts = %v, want %v", got, tt.want)
				}
			})
		}
		if got, err := s.ResponseCounts(t.Context(), noise.ID+1000); err != nil || len(got) != 0 {
			t.Errorf("ResponseCounts of an unknown assessment = %v, %v; want empty", got, err)
		}
	})
}

func slices3[T any](parts ...[]T) []T {
	var out []T
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Many respondents submitting at the same moment all get through: SQLite's single
// writer queues them (busy timeout, one connection), PostgreSQL takes them in parallel.
func TestConcurrentSubmissions(t *testing.T) {
	const n = 20
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "rush")
		var wg sync.WaitGroup
		errs := make([]error, n)
		hashes := make([]string, n)
		for i := range n {
			wg.Go(func() {
				r := sampleResponse(a.ID)
				r.Pillar = []string{pillars.Leadership, pillars.Staff, pillars.PatientPartners}[i%3]
				r.Status = assessment.Submitted
				hashes[i] = assessment.HashToken(assessment.NewResumeToken())
				errs[i] = s.CreateResponse(t.Context(), r, hashes[i])
				if errs[i] == nil {
					// Read while others write.
					_, errs[i] = s.ResponseCounts(t.Context(), a.ID)
				}
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("goroutine %d: %v", i, err)
			}
		}
		counts, err := s.ResponseCounts(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, c := range counts {
			total += c.Submitted
			if c.Drafts != 0 {
				t.Errorf("drafts counted: %v", counts)
			}
		}
		if total != n {
			t.Errorf("submitted total = %d (%v), want %d", total, counts, n)
		}
		for i, h := range hashes {
			if got := mustResponse(t, s, h); got.Status != assessment.Submitted || len(got.Answers) != 4 {
				t.Errorf("response %d stored as %+v", i, got)
			}
		}
	})
}

// Closing while respondents submit: every write either lands before the close or is
// refused with ErrClosed; none is lost and none slips in afterwards.
func TestCloseDuringSubmissions(t *testing.T) {
	const n = 20
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "closing rush")
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			accepted int
			closeErr error
		)
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				r := sampleResponse(a.ID)
				r.Status = assessment.Submitted
				err := s.CreateResponse(t.Context(), r, assessment.HashToken(assessment.NewResumeToken()))
				switch {
				case err == nil:
					mu.Lock()
					accepted++
					mu.Unlock()
				case !errors.Is(err, assessment.ErrClosed):
					errs[i] = err
				}
			})
			if i == n/2 {
				wg.Go(func() {
					<-start
					_, closeErr = s.SetAssessmentStatus(t.Context(), a.ID, assessment.Closed)
				})
			}
		}
		close(start)
		wg.Wait()
		if closeErr != nil {
			t.Fatalf("close: %v", closeErr)
		}
		for i, err := range errs {
			if err != nil {
				t.Errorf("goroutine %d: %v", i, err)
			}
		}
		counts, err := s.ResponseCounts(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := counts[pillars.Leadership].Submitted; got != accepted {
			t.Errorf("%d responses stored, %d accepted", got, accepted)
		}
		// After the close returned, nothing more gets in.
		err = s.CreateResponse(t.Context(), sampleResponse(a.ID), assessment.HashToken(assessment.NewResumeToken()))
		if !errors.Is(err, assessment.ErrClosed) {
			t.Errorf("create after close: %v, want ErrClosed", err)
		}
	})
}

// A draft save racing a submission never turns the submission back into a draft: the
// form's autosave can be in flight when the person presses Submit, and a script can
// retry a draft. Each round starts a draft, then two draft saves and one submission run
// at once; whatever the order, an acknowledged submission stays submitted with its own
// content, and a draft save that lost the race is refused with ErrAlreadySubmitted and
// changes nothing. 100 rounds per database, with real goroutines.
func TestDraftSaveRacingSubmit(t *testing.T) {
	const rounds = 100
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "race")
		refused := 0
		for round := range rounds {
			draft := sampleResponse(a.ID)
			hash := createResponse(t, s, draft)
			id := draft.ID

			submit := sampleResponse(a.ID)
			submit.ID, submit.Status = id, assessment.Submitted
			submit.Answers["L-05"] = assessment.Yes
			submit.Strength.Text = fmt.Sprintf("Submitted in round %d", round)
			saves := []*assessment.Response{submit}
			for i := range 2 {
				d := sampleResponse(a.ID)
				d.ID = id
				d.Answers = map[string]assessment.Answer{"L-01": assessment.No}
				d.Strength.Text = fmt.Sprintf("Draft %d of round %d", i, round)
				saves = append(saves, d)
			}
			errs := make([]error, len(saves))
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, r := range saves {
				wg.Go(func() {
					<-start
					errs[i] = s.UpdateResponse(t.Context(), r)
				})
			}
			close(start)
			wg.Wait()
			if errs[0] != nil {
				t.Fatalf("round %d: submission refused: %v", round, errs[0])
			}
			for i, err := range errs[1:] {
				switch {
				case errors.Is(err, assessment.ErrAlreadySubmitted):
					refused++
				case err != nil:
					t.Fatalf("round %d: draft save %d: %v", round, i, err)
				}
			}
			got := mustResponse(t, s, hash)
			if got.Status != assessment.Submitted || got.SubmittedAt == nil {
				t.Fatalf("round %d: an acknowledged submission is stored as %q", round, got.Status)
			}
			// What is stored is the submission, or a draft saved before it, submitted:
			// never a draft saved after it.
			if got.Strength.Text != submit.Strength.Text || len(got.Answers) != len(submit.Answers) {
				t.Fatalf("round %d: stored %q with %d answers, want the submission's %q with %d",
					round, got.Strength.Text, len(got.Answers), submit.Strength.Text, len(submit.Answers))
			}
		}
		counts, err := s.ResponseCounts(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c := counts[pillars.Leadership]; c.Submitted != rounds || c.Drafts != 0 {
			t.Errorf("counts %+v, want %d submitted and no draft", c, rounds)
		}
		t.Logf("%s: %d of %d draft saves arrived after the submission and were refused", ns.name, refused, 2*rounds)
	})
}

// A submitted response keeps its pillar, decided in the statement: two submissions of
// one draft into two pillars at once leave it in exactly one, and the other is refused
// with ErrPillarFixed; a draft can still change pillar.
func TestSubmittedResponseKeepsItsPillar(t *testing.T) {
	const rounds = 50
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "pillars")
		for round := range rounds {
			draft := sampleResponse(a.ID)
			hash := createResponse(t, s, draft)
			moved := cloneResponse(draft)
			moved.Pillar = pillars.Staff
			if err := s.UpdateResponse(t.Context(), moved); err != nil {
				t.Fatalf("a draft changing pillar: %v", err)
			}
			errs := make([]error, 2)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, p := range []string{pillars.Leadership, pillars.PatientPartners} {
				wg.Go(func() {
					r := cloneResponse(draft)
					r.Pillar, r.Status = p, assessment.Submitted
					<-start
					errs[i] = s.UpdateResponse(t.Context(), r)
				})
			}
			close(start)
			wg.Wait()
			got := mustResponse(t, s, hash)
			winners := 0
			for i, err := range errs {
				switch {
				case err == nil:
					winners++
					if want := []string{pillars.Leadership, pillars.PatientPartners}[i]; got.Pillar != want {
						t.Fatalf("round %d: the accepted submission into %s left the response in %s", round, want, got.Pillar)
					}
				case !errors.Is(err, assessment.ErrPillarFixed):
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if winners != 1 || got.Status != assessment.Submitted {
				t.Fatalf("round %d: %d submissions accepted (%v), response %s in %s", round, winners, errs, got.Status, got.Pillar)
			}
		}
	})
}

// The cap on drafts is counted in the transaction that inserts; submissions are never
// capped; old drafts are purged, submitted responses never.
func TestDraftCapAndPurge(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "drafts")
		for i := range 3 {
			if err := s.CreateResponseCapped(t.Context(), sampleResponse(a.ID), facHash(), 3); err != nil {
				t.Fatalf("draft %d: %v", i, err)
			}
		}
		if err := s.CreateResponseCapped(t.Context(), sampleResponse(a.ID), facHash(), 3); !errors.Is(err, assessment.ErrTooManyDrafts) {
			t.Fatalf("the 4th draft: %v, want ErrTooManyDrafts", err)
		}
		sub := sampleResponse(a.ID)
		sub.Status = assessment.Submitted
		if err := s.CreateResponseCapped(t.Context(), sub, facHash(), 3); err != nil {
			t.Fatalf("a submission past the draft cap: %v", err)
		}
		other := newAssessment(t, s, "other")
		if err := s.CreateResponseCapped(t.Context(), sampleResponse(other.ID), facHash(), 3); err != nil {
			t.Fatalf("another assessment's draft: %v", err)
		}
		if n, err := s.DeleteDraftsUntouchedSince(t.Context(), time.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Fatalf("purge of drafts older than an hour: %d, %v; want none", n, err)
		}
		n, err := s.DeleteDraftsUntouchedSince(t.Context(), time.Now().Add(time.Hour))
		if err != nil || n != 4 {
			t.Fatalf("purge of every draft: %d, %v; want 4", n, err)
		}
		counts, err := s.ResponseCounts(t.Context(), a.ID)
		if err != nil || counts[pillars.Leadership] != (assessment.PillarCounts{Submitted: 1}) {
			t.Errorf("after the purge: %v, %v; want the submission alone", counts, err)
		}
		if err := s.CreateResponseCapped(t.Context(), sampleResponse(a.ID), facHash(), 3); err != nil {
			t.Errorf("a draft after the purge: %v", err)
		}
	})
}

// Release against an edit: a submitted response edited while its group is released
// either changes before the release (and is shown as edited) or is refused with
// ErrReleased; it never changes after it entered the report. On both databases, with
// real goroutines.
func TestReleaseRacingAnEdit(t *testing.T) {
	const rounds = 40
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		for round := range rounds {
			a := newAssessment(t, s, fmt.Sprintf("release %d", round))
			var hashes []string
			var edited *assessment.Response
			for i := range 3 {
				r := sampleResponse(a.ID)
				r.Status = assessment.Submitted
				hashes = append(hashes, createResponse(t, s, r))
				if i == 0 {
					edited = cloneResponse(r)
				}
			}
			edited.Strength.Text = "edited"
			var relErr, editErr error
			start := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() { <-start; _, relErr = s.Release(t.Context(), a.ID, 3) })
			wg.Go(func() { <-start; editErr = s.UpdateResponse(t.Context(), edited) })
			close(start)
			wg.Wait()
			if relErr != nil {
				t.Fatalf("round %d: release: %v", round, relErr)
			}
			got := mustResponse(t, s, hashes[0])
			if got.ReleasedAt == nil {
				t.Fatalf("round %d: not released", round)
			}
			switch {
			case editErr == nil:
				// Accepted: it landed before the release took the row (the release's
				// UPDATE waits for the edit's row lock, then sees it), so the report
				// shows the edited response, never a version from before.
				if got.Strength.Text != "edited" {
					t.Fatalf("round %d: an accepted edit is not what the report shows", round)
				}
			case errors.Is(editErr, assessment.ErrReleased):
				if got.Strength.Text == "edited" {
					t.Fatalf("round %d: a refused edit changed the response", round)
				}
			default:
				t.Fatalf("round %d: edit: %v", round, editErr)
			}
		}
	})
}

// A group is released only by at least threshold responses at a time.
func TestReleaseInSteps(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "steps")
		submit := func(n int) {
			for range n {
				r := sampleResponse(a.ID)
				r.Status = assessment.Submitted
				createResponse(t, s, r)
			}
		}
		draft := sampleResponse(a.ID)
		createResponse(t, s, draft) // drafts are never released
		for _, step := range []struct {
			add         int
			shown, held int
		}{{2, 0, 2}, {1, 3, 0}, {1, 3, 1}, {1, 3, 2}, {0, 3, 2}, {1, 6, 0}, {4, 10, 0}} {
			submit(step.add)
			got, err := s.Release(t.Context(), a.ID, 3)
			if err != nil {
				t.Fatal(err)
			}
			if g := got[pillars.Leadership]; g.Shown != step.shown || g.Held != step.held {
				t.Errorf("after %d more: %+v, want %d shown and %d held", step.add, g, step.shown, step.held)
			}
			tl, err := s.Tallies(t.Context(), a.ID)
			if err != nil || tl.Submitted[pillars.Leadership] != step.shown {
				t.Errorf("the tallies count %d (%v), want the %d shown", tl.Submitted[pillars.Leadership], err, step.shown)
			}
		}
	})
}
