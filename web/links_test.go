package web

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/survey"
)

// Without a base URL, links use the address the server listens on, never the request's
// Host header: a client sending "Host: evil.example" must not get a resume link (or a
// join link on the facilitator's page) pointing there.
func TestLinksIgnoreTheHostHeader(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	srv := New(Config{Addr: "127.0.0.1:8080"}, survey.New(e.store, e.catalog, e.tmpl.Catalog(), nil), e.tmpl, slog.New(slog.NewTextHandler(io.Discard, nil)))
	req := httptest.NewRequest(http.MethodPost, "http://evil.example/api/v1/responses", strings.NewReader(`{"code":"`+a.Code+`","pillar":"staff"}`))
	req.Host = "evil.example"
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var out struct {
		ResumeURL string `json:"resume_url"`
	}
	decodeJSON(t, rec.Body.Bytes(), &out)
	if !strings.HasPrefix(out.ResumeURL, "http://127.0.0.1:8080/r/") {
		t.Errorf("resume link %q, want it on the listen address", out.ResumeURL)
	}
}

// Behind ECAT_TRUST_PROXY only a proxy on this machine is believed: a client reaching
// ecat from another address, a private one included, cannot choose the address the
// throttles count it under by sending X-Forwarded-For.
func TestTrustProxyBelievesLoopbackOnly(t *testing.T) {
	e := newTestEnv(t)
	proxied := New(Config{BaseURL: testBaseURL, TrustProxy: true}, survey.New(e.store, e.catalog, e.tmpl.Catalog(), nil), e.tmpl, slog.New(slog.NewTextHandler(io.Discard, nil)))
	join := func(remote, xff string) int {
		req := httptest.NewRequest(http.MethodGet, testBaseURL+"/j/"+assessment.NewJoinCode(), nil)
		req.RemoteAddr = remote
		req.Header.Set("X-Forwarded-For", xff)
		rec := httptest.NewRecorder()
		proxied.ServeHTTP(rec, req)
		return rec.Code
	}
	for n := range lookupLimit {
		if got := join("10.1.2.3:5000", fmt.Sprintf("203.0.113.%d", n)); got != http.StatusNotFound {
			t.Fatalf("miss %d: %d", n, got)
		}
	}
	if got := join("10.1.2.3:5000", "203.0.113.99"); got != http.StatusTooManyRequests {
		t.Errorf("a private-network client with a new forwarded address each time: %d, want 429 (counted as itself)", got)
	}
	if got := join("127.0.0.1:5000", "203.0.113.99"); got != http.StatusNotFound {
		t.Errorf("through the local proxy, a client of its own: %d, want 404", got)
	}
}
