package web

import (
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestDatabaseUnavailable: with the SQLite file moved away while serving, a submission
// through the API and through the form gets 503 with Retry-After (JSON code unavailable,
// or the friendly page), the cause is logged, nothing is acknowledged, and the same
// requests succeed once the file is back.
func TestDatabaseUnavailable(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	b := e.newBrowser()
	csrf, _ := b.formFor(t, a.Code, "staff", "en")

	away := e.dbPath + ".away"
	if err := os.Rename(e.dbPath, away); err != nil {
		t.Fatal(err)
	}
	rec := e.apiJSON(http.MethodPost, "/api/v1/responses", e.completeBody(a.Code, "staff"))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != retryAfterUnavailable {
		t.Fatalf("API while the database is away: %d, Retry-After %q: %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	if got := decodeAPIError(t, rec).Error.Code; got != "unavailable" {
		t.Errorf("error code %q, want unavailable", got)
	}
	// The answer is the one the OpenAPI document promises.
	d, raw := loadOpenAPI(t)
	checker := &schemaChecker{raw: raw}
	schema, ok := checker.responseSchema(d, "POST", "/responses", http.StatusServiceUnavailable)
	if !ok {
		t.Fatal("503 is not documented for POST /responses")
	}
	var body any
	decodeJSON(t, rec.Body.Bytes(), &body)
	if checker.check("503", schema, body); len(checker.errs) > 0 {
		t.Errorf("503 body differs from the document: %v", checker.errs)
	}
	page := b.post("/j/"+a.Code+"/form", e.fullForm(csrf, "staff", "en", "submit"))
	if page.Code != http.StatusServiceUnavailable || page.Header().Get("Retry-After") == "" {
		t.Fatalf("form while the database is away: %d", page.Code)
	}
	e.assertErrorPage(t, page, "unavailable")
	if logs := e.logs.String(); !strings.Contains(logs, "request failed") || !strings.Contains(logs, "removed or replaced") {
		t.Errorf("the cause is not in the log:\n%s", logs)
	}

	if err := os.Rename(away, e.dbPath); err != nil {
		t.Fatal(err)
	}
	if rec := e.apiJSON(http.MethodPost, "/api/v1/responses", e.completeBody(a.Code, "staff")); rec.Code != http.StatusCreated {
		t.Fatalf("API once the database is back: %d %s", rec.Code, rec.Body)
	}
	if page := b.post("/j/"+a.Code+"/form", e.fullForm(csrf, "staff", "en", "submit")); page.Code != http.StatusSeeOther {
		t.Fatalf("form once the database is back: %d", page.Code)
	}
	if n := e.countRows("responses"); n != 2 {
		t.Errorf("%d responses stored, want the 2 made once the database was back", n)
	}
}
