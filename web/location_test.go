package web

import (
	"net/http"
	"strconv"
	"testing"
)

// Every 201 names what it created in Location, a path under the API that answers it.
func TestCreatedHasLocation(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("where@example.org", "Wren")
	token, _ := e.newAPIToken(f, "")

	check := func(what string, rec interface {
		Header() http.Header
	}, code int, prefix string) string {
		t.Helper()
		loc := rec.Header().Get("Location")
		if code != http.StatusCreated || len(loc) <= len(prefix) || loc[:len(prefix)] != prefix {
			t.Fatalf("%s: status %d, Location %q; want 201 and %s…", what, code, loc, prefix)
		}
		return loc
	}

	rec := e.bearer(http.MethodPost, "/api/v1/assessments", token, map[string]any{"title": "Located", "team": "Ward 2", "language": "en"})
	loc := check("a new assessment", rec, rec.Code, "/api/v1/assessments/")
	if got := e.bearer(http.MethodGet, loc, token, nil); got.Code != http.StatusOK {
		t.Errorf("GET %s: %d", loc, got.Code)
	}
	id := loc[len("/api/v1/assessments/"):]
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		t.Fatalf("Location %q does not end in the assessment's id", loc)
	}

	rec = e.bearer(http.MethodPost, "/api/v1/assessments/"+id+"/actions", token, map[string]any{"text": "Invite a partner", "lead": "Manager"})
	loc = check("a new action", rec, rec.Code, "/api/v1/actions/")
	if got := e.bearer(http.MethodPatch, loc, token, map[string]any{"status": "done"}); got.Code != http.StatusOK {
		t.Errorf("PATCH %s: %d %s", loc, got.Code, got.Body)
	}

	var code struct{ Code string }
	decodeJSON(t, e.bearer(http.MethodGet, "/api/v1/assessments/"+id, token, nil).Body.Bytes(), &code)
	rec = e.apiJSON(http.MethodPost, "/api/v1/responses", e.completeBody(code.Code, "staff"))
	loc = check("a new response", rec, rec.Code, "/api/v1/responses/")
	if got := e.api(http.MethodGet, loc, "", nil); got.Code != http.StatusOK {
		t.Errorf("GET %s: %d", loc, got.Code)
	}

	if got := e.bearer(http.MethodPost, "/api/v1/assessments/"+id+"/close", token, nil); got.Code != http.StatusOK {
		t.Fatalf("close: %d %s", got.Code, got.Body)
	}
	rec = e.bearer(http.MethodPost, "/api/v1/assessments/"+id+"/reassess", token, nil)
	loc = check("the next round", rec, rec.Code, "/api/v1/assessments/")
	if loc == "/api/v1/assessments/"+id {
		t.Errorf("the next round's Location names the round it follows")
	}
}
