package web

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// A limit on starting responses: a whole team behind one hospital address gets in (50
// starting within a minute all pass, by the API and by the form), but one client cannot
// fill the database: past 60 in a minute from one network to one assessment, 429 with
// Retry-After, and nothing is stored; another assessment from the same address, or the
// same assessment from another address, is not held up.
func TestStartingResponsesIsLimited(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	other := e.newAssessment("en")
	const hospital = "198.51.100.10:4000"
	start := func(addr, code string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, testBaseURL+"/api/v1/responses", strings.NewReader(`{"code":"`+code+`","pillar":"staff"}`))
		req.Header.Set("Content-Type", "application/json")
		return e.from(nil, addr, req)
	}
	for i := range 50 {
		if rec := start(hospital, a.Code); rec.Code != http.StatusCreated {
			t.Fatalf("team member %d: status %d", i+1, rec.Code)
		}
	}
	b := e.newBrowser()
	csrf, _ := b.formFor(t, a.Code, "staff", "en")
	for i := range 10 {
		req := httptest.NewRequest(http.MethodPost, testBaseURL+"/j/"+a.Code+"/form", strings.NewReader("_csrf="+csrf+"&pillar=staff&lang=en&action=save"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if rec := e.from(b, hospital, req); rec.Code != http.StatusSeeOther {
			t.Fatalf("form %d: status %d", i+1, rec.Code)
		}
	}
	before := e.countRows("responses")
	rec := start(hospital, a.Code)
	if rec.Code != http.StatusTooManyRequests || decodeAPIError(t, rec).Error.Code != "too_many_requests" {
		t.Fatalf("the 61st: status %d %s, want 429", rec.Code, rec.Body)
	}
	if secs, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || secs < 1 || secs > 60 {
		t.Errorf("Retry-After %q", rec.Header().Get("Retry-After"))
	}
	req := httptest.NewRequest(http.MethodPost, testBaseURL+"/j/"+a.Code+"/form", strings.NewReader("_csrf="+csrf+"&pillar=staff&lang=en&action=save"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	page := e.from(b, hospital, req)
	if page.Code != http.StatusTooManyRequests || page.Header().Get("Retry-After") == "" {
		t.Errorf("the form past the limit: status %d, Retry-After %q", page.Code, page.Header().Get("Retry-After"))
	}
	e.assertErrorPage(t, page, "too_many_responses")
	if n := e.countRows("responses"); n != before {
		t.Errorf("refused starts stored %d responses", n-before)
	}
	if rec := start(hospital, other.Code); rec.Code != http.StatusCreated {
		t.Errorf("another assessment from the same address: %d", rec.Code)
	}
	if rec := start("203.0.113.10:4000", a.Code); rec.Code != http.StatusCreated {
		t.Errorf("the same assessment from another address: %d", rec.Code)
	}
}
