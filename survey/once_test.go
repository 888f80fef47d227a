package survey_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/survey"
)

// stored counts a round's responses, submitted and drafts.
func (e *env) stored(round *survey.Round) (submitted, drafts int) {
	e.t.Helper()
	counts, err := e.db.Store.ResponseCounts(e.ctx(), round.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, c := range counts {
		submitted += c.Submitted
		drafts += c.Drafts
	}
	return submitted, drafts
}

func (e *env) saveOnce(round *survey.Round, r *assessment.Response, once *survey.Once) (*survey.Saved, error) {
	copied := *r
	return e.svc.SaveResponse(e.ctx(), survey.ResponseSave{Round: round, Response: &copied, Submit: true, Once: once})
}

// A submission sent again with its Idempotency-Key (a retry after a timeout) is answered
// as the first time, with the same resume token, and stores nothing new: one person is
// counted once. Another request under the same key is refused; the same key in another
// assessment is another key; a copy arriving after the round closed still gets its
// answer.
func TestIdempotentSubmission(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		f := e.facilitator("once@example.org")
		round := e.round(f, "once")
		r := e.complete("staff", assessment.Yes, "We listen")
		once := &survey.Once{Key: "3f2b8c1e-6d0a-4c4e-9a51-0c8f7f0e2d11", Request: "POST /api/v1/responses\n{body}"}

		first, err := e.saveOnce(round, r, once)
		if err != nil || first.Replayed || first.Token == "" || first.Status != assessment.Submitted {
			t.Fatalf("first save = %+v, %v", first, err)
		}
		again, err := e.saveOnce(round, r, once)
		if err != nil || !again.Replayed || again.Token != first.Token || again.Status != assessment.Submitted || again.FirstSubmission {
			t.Fatalf("the same request again = %+v, %v; want the first answer replayed (token %q)", again, err, first.Token)
		}
		if sub, drafts := e.stored(round); sub != 1 || drafts != 0 {
			t.Fatalf("stored %d submitted and %d drafts, want one submission", sub, drafts)
		}
		if got := e.resume(again.Token); got.Response.Status != assessment.Submitted {
			t.Errorf("the replayed token reaches a %s response", got.Response.Status)
		}

		other := &survey.Once{Key: once.Key, Request: "POST /api/v1/responses\n{another body}"}
		if saved, err := e.saveOnce(round, r, other); !errors.Is(err, survey.ErrKeyReused) {
			t.Errorf("the key with another request = %+v, %v; want ErrKeyReused", saved, err)
		}
		if sub, _ := e.stored(round); sub != 1 {
			t.Errorf("a refused reuse stored something: %d submitted", sub)
		}

		elsewhere := e.round(f, "once elsewhere")
		there, err := e.saveOnce(elsewhere, r, once)
		if err != nil || there.Replayed || there.Token == first.Token {
			t.Errorf("the same key in another assessment = %+v, %v; want a new response", there, err)
		}

		if _, err := e.svc.Close(e.ctx(), f, round.ID, 0); err != nil {
			t.Fatal(err)
		}
		closed, err := e.svc.Assessment(e.ctx(), f, round.ID)
		if err != nil {
			t.Fatal(err)
		}
		late, err := e.saveOnce(closed, r, once)
		if err != nil || !late.Replayed || late.Token != first.Token {
			t.Errorf("a copy after closing = %+v, %v; want the first answer", late, err)
		}
		if _, err := e.saveOnce(closed, r, &survey.Once{Key: "a new key", Request: once.Request}); !errors.Is(err, assessment.ErrClosed) {
			t.Errorf("a new key after closing: %v, want ErrClosed", err)
		}
	})
}

// Copies of one submission sent at once with one key (a client retrying while the first
// is still on its way) store exactly one response, and every copy gets its token.
func TestIdempotentSubmissionsAtOnce(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		round := e.round(e.facilitator("race@example.org"), "race")
		r := e.complete("leadership", assessment.Somewhat, "Clear priorities")
		for attempt := range 5 {
			once := &survey.Once{Key: "race-key-" + string(rune('a'+attempt)), Request: "POST /api/v1/responses\n{same}"}
			const copies = 12
			tokens := make([]string, copies)
			errs := make([]error, copies)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range copies {
				wg.Go(func() {
					<-start
					saved, err := e.saveOnce(round, r, once)
					errs[i] = err
					if saved != nil {
						tokens[i] = saved.Token
					}
				})
			}
			close(start)
			wg.Wait()
			for i := range copies {
				if errs[i] != nil || tokens[i] == "" || tokens[i] != tokens[0] {
					t.Fatalf("attempt %d, copy %d: token %q, %v; want every copy answered with %q", attempt, i, tokens[i], errs[i], tokens[0])
				}
			}
			if sub, _ := e.stored(round); sub != attempt+1 {
				t.Fatalf("after %d keys sent %d times each at once, %d responses are stored", attempt+1, copies, sub)
			}
		}
	})
}

func TestValidKey(t *testing.T) {
	for key, want := range map[string]bool{
		"3f2b8c1e-6d0a-4c4e-9a51-0c8f7f0e2d11": true,
		"a":                                    true,
		"with space":                           true,
		"":                                     false,
		"tab\there":                            false,
		"naïve":                                false,
		string(make([]byte, 256)):              false,
	} {
		if got := survey.ValidKey(key); got != want {
			t.Errorf("ValidKey(%q) = %v, want %v", key, got, want)
		}
	}
	long := make([]byte, 255)
	for i := range long {
		long[i] = 'k'
	}
	if !survey.ValidKey(string(long)) {
		t.Error("a key of 255 characters is refused")
	}
}
