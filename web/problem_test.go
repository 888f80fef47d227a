package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Errors come as RFC 9457 problem details to a client that prefers
// application/problem+json, and in the v1 shape to every other.
func TestWantsProblem(t *testing.T) {
	for accept, want := range map[string]bool{
		"":                             false,
		"*/*":                          false,
		"application/json":             false,
		"application/problem+json":     true,
		"Application/Problem+JSON":     true,
		"application/problem+json;q=0": false,
		"application/json, application/problem+json;q=0.5":     false,
		"application/problem+json, application/json;q=0.9":     true,
		"application/json;q=0.5, application/problem+json":     true,
		"application/problem+json;q=0.5, application/json":     false,
		"application/problem+json;q=x":                         false,
		"text/html, application/problem+json ; q=1, */*;q=0.1": true,
	} {
		var values []string
		if accept != "" {
			values = []string{accept}
		}
		if got := wantsProblem(values); got != want {
			t.Errorf("Accept %q: problem details %v, want %v", accept, got, want)
		}
	}
}

func TestAPIProblemDetails(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	send := func(accept string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, testBaseURL+"/api/v1/responses", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", "fr")
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		return e.serve(req)
	}
	bad := draftBody(t, a.Code, func(m map[string]any) { m["pillar"] = "nobody"; m["language"] = "de" })
	before := e.dbDump()
	rec := send("application/problem+json", bad)
	if rec.Code != http.StatusUnprocessableEntity || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("problem details: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if !strings.Contains(rec.Header().Get("Vary"), "Accept") || rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", rec.Header())
	}
	var p struct {
		Type, Title, Detail, Code string
		Status                    int
		Fields                    map[string]apiFieldError
	}
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatal(err)
	}
	if p.Type != "about:blank" || p.Title != "Unprocessable Entity" || p.Status != 422 || p.Code != "validation_failed" || p.Detail == "" {
		t.Errorf("problem %+v", p)
	}
	if _, ok := p.Fields["pillar"]; !ok || len(p.Fields) < 2 || p.Fields["pillar"].Message == "" {
		t.Errorf("fields %v", p.Fields)
	}
	// The v1 shape for everyone else, with the same code, message and fields.
	rec = send("", bad)
	if rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("v1 error content type %q", rec.Header().Get("Content-Type"))
	}
	v1 := decodeAPIError(t, rec)
	if v1.Error.Code != p.Code || v1.Error.Message != p.Detail || len(v1.Error.Fields) != len(p.Fields) {
		t.Errorf("v1 %+v vs problem %+v", v1, p)
	}
	if e.dbDump() != before {
		t.Error("a refused request stored something")
	}
	// Every kind of error: a 404 too.
	req := httptest.NewRequest(http.MethodGet, testBaseURL+"/api/v1/responses/"+strings.Repeat("a", 26), nil)
	req.Header.Set("Accept", "application/problem+json")
	rec = e.serve(req)
	if rec.Code != http.StatusNotFound || rec.Header().Get("Content-Type") != "application/problem+json" || !strings.Contains(rec.Body.String(), `"status":404`) {
		t.Errorf("404 as problem: %d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}
