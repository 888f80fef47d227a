package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// A POST /api/v1/responses sent again with its Idempotency-Key gets the first answer
// again (the same body, marked Idempotent-Replayed) and stores nothing new; the key with
// another body is 422 idempotency_key_reused; a header that cannot be a key is 400
// idempotency_key_invalid. Refused requests change nothing stored.
func TestAPIIdempotencyKey(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	post := func(body []byte, keys ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, testBaseURL+"/api/v1/responses", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for _, k := range keys {
			req.Header.Add("Idempotency-Key", k)
		}
		return e.serve(req)
	}
	body := draftBody(t, a.Code, nil)
	key := "6f0c1d7e-1b7a-4f0e-8e2c-5b9d3c2a1f00"

	first := post(body, key)
	if first.Code != http.StatusCreated || first.Header().Get("Idempotent-Replayed") != "" {
		t.Fatalf("first: %d %q %s", first.Code, first.Header().Get("Idempotent-Replayed"), first.Body)
	}
	afterFirst := e.dbDump()
	again := post(body, key)
	if again.Code != http.StatusCreated || again.Body.String() != first.Body.String() || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatalf("again: %d %q\n%s\nwant the first answer\n%s", again.Code, again.Header().Get("Idempotent-Replayed"), again.Body, first.Body)
	}
	if e.dbDump() != afterFirst {
		t.Error("the same request again changed what is stored")
	}

	for _, tc := range []struct {
		name   string
		body   []byte
		keys   []string
		status int
		code   string
	}{
		{"the key with another body", draftBody(t, a.Code, func(m map[string]any) { m["pillar"] = "leadership"; m["answers"] = map[string]string{} }), []string{key}, 422, "idempotency_key_reused"},
		{"an empty key", body, []string{""}, 400, "idempotency_key_invalid"},
		{"a key of 256 characters", body, []string{strings.Repeat("k", 256)}, 400, "idempotency_key_invalid"},
		{"a key that is not ASCII", body, []string{"clé"}, 400, "idempotency_key_invalid"},
		{"two keys", body, []string{"one", "two"}, 400, "idempotency_key_invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.dbDump()
			rec := post(tc.body, tc.keys...)
			var got struct{ Error struct{ Code string } }
			decodeJSON(t, rec.Body.Bytes(), &got)
			if rec.Code != tc.status || got.Error.Code != tc.code {
				t.Errorf("%d %s, want %d %s", rec.Code, rec.Body, tc.status, tc.code)
			}
			if e.dbDump() != before {
				t.Error("a refused request changed what is stored")
			}
		})
	}

	// Without a key every POST is a new response, as before.
	if rec := post(body); rec.Code != http.StatusCreated || rec.Body.String() == first.Body.String() {
		t.Errorf("without a key: %d %s", rec.Code, rec.Body)
	}
}

// A facilitator's creating writes (an assessment, an action, the next round) sent again
// with their Idempotency-Key create nothing more and answer as the first time; the key
// with another body is refused; keys are the facilitator's own.
func TestAPIIdempotentFacilitatorWrites(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("keys@example.org", "Kay")
	token, _ := e.newAPIToken(f, "")
	other := e.newFacilitator("other-keys@example.org", "Oth")
	otherToken, _ := e.newAPIToken(other, "")
	send := func(method, path, tok, key string, body any) *httptest.ResponseRecorder {
		t.Helper()
		var rd *bytes.Reader
		if body != nil {
			rd = bytes.NewReader(mustJSON(t, body))
		} else {
			rd = bytes.NewReader(nil)
		}
		req := httptest.NewRequest(method, testBaseURL+path, rd)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Idempotency-Key", key)
		return e.serve(req)
	}
	twice := func(what, method, path, key string, body any) *httptest.ResponseRecorder {
		t.Helper()
		first := send(method, path, token, key, body)
		if first.Code != http.StatusCreated || first.Header().Get("Idempotent-Replayed") != "" {
			t.Fatalf("%s: %d %s", what, first.Code, first.Body)
		}
		before := e.dbDump()
		again := send(method, path, token, key, body)
		if again.Code != http.StatusCreated || again.Body.String() != first.Body.String() ||
			again.Header().Get("Location") != first.Header().Get("Location") || again.Header().Get("Idempotent-Replayed") != "true" {
			t.Fatalf("%s again: %d %q %s\nwant the first answer %s", what, again.Code, again.Header().Get("Location"), again.Body, first.Body)
		}
		if e.dbDump() != before {
			t.Errorf("%s sent again changed what is stored", what)
		}
		return first
	}

	newBody := map[string]any{"title": "Once", "team": "Ward 9", "language": "en"}
	first := twice("a new assessment", http.MethodPost, "/api/v1/assessments", "assessment-key", newBody)
	var a struct{ ID int64 }
	decodeJSON(t, first.Body.Bytes(), &a)
	id := strconv.FormatInt(a.ID, 10)
	if rec := send(http.MethodPost, "/api/v1/assessments", token, "assessment-key", map[string]any{"title": "Another", "team": "Ward 9"}); rec.Code != http.StatusUnprocessableEntity ||
		decodeAPIError(t, rec).Error.Code != "idempotency_key_reused" {
		t.Errorf("the key with another body: %d %s", rec.Code, rec.Body)
	}
	// Another facilitator's key space is their own: the same key creates theirs.
	if rec := send(http.MethodPost, "/api/v1/assessments", otherToken, "assessment-key", newBody); rec.Code != http.StatusCreated || rec.Header().Get("Idempotent-Replayed") != "" {
		t.Errorf("the same key from another facilitator: %d %s", rec.Code, rec.Body)
	}

	twice("a new action", http.MethodPost, "/api/v1/assessments/"+id+"/actions", "action-key", map[string]any{"text": "Invite a partner", "lead": "Manager"})
	if list := e.storedActions(a.ID); len(list) != 1 {
		t.Errorf("%d actions after one sent twice", len(list))
	}
	if rec := send(http.MethodPost, "/api/v1/assessments/"+id+"/close", token, "close-key", nil); rec.Code != http.StatusOK {
		t.Fatalf("close: %d", rec.Code)
	}
	twice("the next round", http.MethodPost, "/api/v1/assessments/"+id+"/reassess", "round-key", nil)

	// A write that fails keeps nothing: the same key works once the request is right.
	bad := map[string]any{"title": "", "team": "Ward 9"}
	if rec := send(http.MethodPost, "/api/v1/assessments", token, "fix-key", bad); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("invalid: %d", rec.Code)
	}
	if rec := send(http.MethodPost, "/api/v1/assessments", token, "fix-key", bad); rec.Code != http.StatusUnprocessableEntity || decodeAPIError(t, rec).Error.Code != "validation_failed" {
		t.Errorf("the invalid request again: %d %s", rec.Code, rec.Body)
	}
}

// Copies of one creating request sent at once with one key create one assessment: every
// copy is answered either with that assessment (201, the same body) or, while the first
// still runs, 409 idempotency_key_in_progress.
func TestAPIIdempotentCopiesAtOnce(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("copies@example.org", "Cop")
	token, _ := e.newAPIToken(f, "")
	for attempt := range 4 {
		key := "copies-" + strconv.Itoa(attempt)
		body := mustJSON(t, map[string]any{"title": "Copies " + key, "team": "Ward 5", "language": "en"})
		const copies = 8
		recs := make([]*httptest.ResponseRecorder, copies)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range copies {
			wg.Go(func() {
				req := httptest.NewRequest(http.MethodPost, testBaseURL+"/api/v1/assessments", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Idempotency-Key", key)
				<-start
				recs[i] = e.serve(req)
			})
		}
		close(start)
		wg.Wait()
		var created string
		for i, rec := range recs {
			switch {
			case rec.Code == http.StatusCreated && (created == "" || rec.Body.String() == created):
				created = rec.Body.String()
			case rec.Code == http.StatusConflict && decodeAPIError(t, rec).Error.Code == "idempotency_key_in_progress":
			default:
				t.Fatalf("copy %d: %d %s", i, rec.Code, rec.Body)
			}
		}
		if created == "" {
			t.Fatalf("attempt %d: no copy was answered 201", attempt)
		}
		if n := countAssessments(t, e, token); n != attempt+1 {
			t.Fatalf("after %d keys sent %d times at once: %d assessments", attempt+1, copies, n)
		}
	}
}

func countAssessments(t *testing.T, e *testEnv, token string) int {
	t.Helper()
	var list []struct{ ID int64 }
	decodeJSON(t, e.bearer(http.MethodGet, "/api/v1/assessments", token, nil).Body.Bytes(), &list)
	return len(list)
}
