package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
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
