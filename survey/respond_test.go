package survey_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/survey"
)

// The race the form makes on its own: the autosave is in flight when the person presses
// Submit. Each of 100 rounds starts a draft, then two draft saves and the submission run
// at once, each as a request does it (resume the token, then save). An acknowledged
// submission is never lost: it stays submitted with its own content, and the draft save
// that arrives after it is refused with ErrAlreadySubmitted. On SQLite and PostgreSQL.
func TestSubmissionRacingAutosaves(t *testing.T) {
	const rounds = 100
	eachEnv(t, func(t *testing.T, e *env) {
		f := e.facilitator("lead@example.org")
		round := e.round(f, "race")
		refused := 0
		for n := range rounds {
			token := e.start(round, e.partial(pillars.Staff, n), false)
			saves := []struct {
				r      *assessment.Response
				submit bool
			}{
				{e.complete(pillars.Staff, assessment.Yes, fmt.Sprintf("submitted %d", n)), true},
				{e.partial(pillars.Staff, 1000+n), false},
				{e.partial(pillars.Staff, 2000+n), false},
			}
			errs := make([]error, len(saves))
			firsts := make([]bool, len(saves))
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, save := range saves {
				wg.Go(func() {
					<-start
					res, err := e.svc.Resume(t.Context(), token)
					if err != nil {
						errs[i] = err
						return
					}
					saved, err := e.svc.SaveResponse(t.Context(), survey.ResponseSave{Round: res.Round, Stored: res.Response, Response: save.r, Submit: save.submit})
					errs[i] = err
					firsts[i] = err == nil && saved.FirstSubmission
				})
			}
			close(start)
			wg.Wait()
			if errs[0] != nil {
				t.Fatalf("round %d: the submission failed: %v", n, errs[0])
			}
			if !firsts[0] {
				t.Errorf("round %d: the submission is not reported as the first one", n)
			}
			for i, err := range errs[1:] {
				switch {
				case errors.Is(err, assessment.ErrAlreadySubmitted):
					refused++
				case err != nil:
					t.Fatalf("round %d: draft save %d: %v", n, i, err)
				}
			}
			got := e.resume(token).Response
			if got.Status != assessment.Submitted || got.Strength.Text != fmt.Sprintf("submitted %d", n) || len(got.Answers) != len(e.in.Pillar(pillars.Staff).Items()) {
				t.Fatalf("round %d: acknowledged submission stored as %s %q with %d answers", n, got.Status, got.Strength.Text, len(got.Answers))
			}
		}
		counts, err := e.svc.Completion(t.Context(), round)
		if err != nil {
			t.Fatal(err)
		}
		if c := counts[pillars.Staff]; c.Submitted != rounds || c.Drafts != 0 {
			t.Errorf("completion %+v, want %d submitted and no draft", c, rounds)
		}
		t.Logf("%s: %d of %d autosaves arrived after the submission and were refused", e.db.Name, refused, 2*rounds)
	})
}

func TestSaveResponseRules(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		f := e.facilitator("lead@example.org")
		round := e.round(f, "rules")
		save := func(stored *survey.Resumed, r *assessment.Response, submit bool, problems *assessment.ValidationError) (*survey.Saved, error) {
			in := survey.ResponseSave{Round: round, Response: r, Submit: submit, Problems: problems}
			if stored != nil {
				in.Round, in.Stored = stored.Round, stored.Response
			}
			return e.svc.SaveResponse(t.Context(), in)
		}
		fieldCodes := func(err error) map[string]string {
			var verr *assessment.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("error %v, want a validation error", err)
			}
			out := map[string]string{}
			for k, fe := range verr.Fields {
				out[k] = fe.Code
			}
			return out
		}

		// A submission must be complete; nothing is stored when it is not.
		incomplete := e.partial(pillars.Leadership, 0)
		if _, err := save(nil, incomplete, true, nil); fieldCodes(err)["opportunity.text"] != assessment.CodeRequired {
			t.Errorf("incomplete submission: %v", err)
		}
		// Problems the caller found are reported with the rest, all at once.
		dup := &assessment.ValidationError{}
		dup.Add("pillar", assessment.CodeDuplicate)
		bad := e.partial(pillars.Leadership, 0)
		bad.Answers["L-01"] = "perhaps"
		codes := fieldCodes(func() error { _, err := save(nil, bad, false, dup); return err }())
		if codes["pillar"] != assessment.CodeDuplicate || codes["answers.L-01"] != assessment.CodeInvalid {
			t.Errorf("fields %v, want the duplicate and the invalid answer", codes)
		}
		if c, _ := e.svc.Completion(t.Context(), round); len(c) != 0 {
			t.Fatalf("a refused save stored something: %v", c)
		}

		// A draft, its language taken from the round when none is given.
		draft := e.partial(pillars.Leadership, 0)
		draft.Language = ""
		saved, err := save(nil, draft, false, nil)
		if err != nil || saved.Token == "" || saved.Status != assessment.Draft || saved.FirstSubmission {
			t.Fatalf("draft: %+v, %v", saved, err)
		}
		token := saved.Token
		if got := e.resume(token).Response; got.Language != "en" {
			t.Errorf("language %q, want the round's", got.Language)
		}

		// Submitting it is its first submission; updating it again is not.
		saved, err = save(e.resume(token), e.complete(pillars.Leadership, assessment.Somewhat, "first"), true, nil)
		if err != nil || saved.Token != "" || saved.Status != assessment.Submitted || !saved.FirstSubmission {
			t.Fatalf("submit: %+v, %v", saved, err)
		}
		first := e.resume(token).Response
		saved, err = save(e.resume(token), e.complete(pillars.Leadership, assessment.Yes, "second"), true, nil)
		if err != nil || saved.FirstSubmission {
			t.Fatalf("update of a submitted response: %+v, %v", saved, err)
		}
		second := e.resume(token).Response
		if second.Strength.Text != "second" || !second.SubmittedAt.Equal(*first.SubmittedAt) {
			t.Errorf("after the update: %q submitted at %v, want \"second\" at the first time %v", second.Strength.Text, second.SubmittedAt, first.SubmittedAt)
		}

		// A draft save never changes a submitted response, complete or not; an
		// incomplete submission is refused; both leave it as it was.
		for _, c := range []struct {
			name   string
			r      *assessment.Response
			submit bool
			want   error
		}{
			{"draft save", e.partial(pillars.Leadership, 1), false, assessment.ErrAlreadySubmitted},
			{"complete draft save", e.complete(pillars.Leadership, assessment.No, "stale tab"), false, assessment.ErrAlreadySubmitted},
			{"incomplete submission", e.partial(pillars.Leadership, 2), true, nil},
		} {
			_, err := save(e.resume(token), c.r, c.submit, nil)
			if c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
			if c.want == nil {
				fieldCodes(err)
			}
			got := e.resume(token).Response
			if got.Status != assessment.Submitted || got.Strength.Text != "second" || got.Answers["L-01"] != assessment.Yes {
				t.Errorf("%s changed the submitted response: %s %q %s", c.name, got.Status, got.Strength.Text, got.Answers["L-01"])
			}
		}

		// Closed: no new response, no change, whatever the content.
		if _, err := e.svc.Close(t.Context(), f, round.ID, 0); err != nil {
			t.Fatal(err)
		}
		stale := e.resume(token)
		if !errors.Is(func() error { _, err := save(nil, e.partial(pillars.Staff, 3), false, nil); return err }(), assessment.ErrClosed) {
			t.Error("a closed round took a new response")
		}
		stale.Status = assessment.Open // as read just before the close
		if _, err := save(stale, e.complete(pillars.Leadership, assessment.No, "late"), true, nil); !errors.Is(err, assessment.ErrClosed) {
			t.Errorf("a change after the close: %v, want ErrClosed (checked in the transaction)", err)
		}
		if got := e.resume(token).Response; got.Strength.Text != "second" {
			t.Errorf("the close let a change through: %q", got.Strength.Text)
		}
	})
}

func TestRoundByCodeAndResume(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		round := e.round(e.facilitator("lead@example.org"), "codes")
		typed := assessment.FormatJoinCode(round.Code)
		for _, code := range []string{round.Code, typed, " " + typed + " "} {
			got, err := e.svc.RoundByCode(t.Context(), code)
			if err != nil || got.ID != round.ID || got.Instrument == nil {
				t.Errorf("RoundByCode(%q) = %v, %v", code, got, err)
			}
		}
		for _, code := range []string{"", "nope", assessment.NewJoinCode()} {
			if _, err := e.svc.RoundByCode(t.Context(), code); !errors.Is(err, assessment.ErrNotFound) {
				t.Errorf("RoundByCode(%q): %v, want ErrNotFound", code, err)
			}
		}
		if _, err := e.svc.RoundByCode(t.Context(), "nope"); !errors.Is(err, survey.ErrMalformed) {
			t.Errorf("a malformed code is not told apart: %v", err)
		}
		for _, token := range []string{"", "x", assessment.NewResumeToken()} {
			if _, err := e.svc.Resume(t.Context(), token); !errors.Is(err, assessment.ErrNotFound) {
				t.Errorf("Resume(%q): %v, want ErrNotFound", token, err)
			}
		}
	})
}
