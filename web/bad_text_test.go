package web

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/ecat-project/ecat/internal/testdb"
)

// Text no filter or e-mail can be — a NUL, invalid UTF-8 — never reaches a query (on
// PostgreSQL it would fail the statement, a 500 for the person's typo): the API's query
// filters answer 422 naming the parameter, the Organization page shows every unit, and a
// share or a sign-in with such an e-mail finds no account. On SQLite and PostgreSQL.
func TestBadTextInFiltersAndEmails(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db testdb.DB) {
		e := newStrictEnvOn(t, db.Store).e
		f := e.newFacilitator("olive@example.org", "Olive")
		tok, _ := e.newAPIToken(f, "")
		a := e.ownedAssessment(f, "Spring round")
		id := strconv.FormatInt(a.ID, 10)
		for _, c := range []struct{ path, field, code string }{
			{"/api/v1/rollup?unit=a%00b", "unit", "control"},
			{"/api/v1/rollup.xlsx?unit=a%FFb", "unit", "invalid_utf8"},
			{"/api/v1/assessments?unit=a%FFb", "unit", "invalid_utf8"},
			{"/api/v1/assessments?team=a%00b", "team", "control"},
			{"/api/v1/assessments/" + id + "/actions?status=%FF", "status", "invalid_utf8"},
		} {
			rec := e.bearer(http.MethodGet, c.path, tok, nil)
			if rec.Code != http.StatusUnprocessableEntity {
				t.Errorf("GET %s: %d, want 422: %s", c.path, rec.Code, rec.Body)
				continue
			}
			if got := decodeAPIError(t, rec).Error.Fields[c.field].Code; got != c.code {
				t.Errorf("GET %s: %s code %q, want %q", c.path, c.field, got, c.code)
			}
		}
		b := e.signedIn(f)
		for _, p := range []string{"/organization?unit=a%00b", "/organization?unit=%FF", "/dashboard?unit=%00"} {
			if rec := b.get(p); rec.Code != http.StatusOK {
				t.Errorf("GET %s: %d, want the page", p, rec.Code)
			}
		}
		if rec := b.postForm("/assessments/"+id+"/members", url.Values{"email": {"a\x00@example.org"}, "role": {"viewer"}}); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("share with a NUL in the e-mail: %d, want 422", rec.Code)
		}
		rec := e.bearer(http.MethodPost, "/api/v1/assessments/"+id+"/members", tok, map[string]any{"email": "a\xff@example.org", "role": "viewer"})
		if rec.Code != http.StatusUnprocessableEntity || decodeAPIError(t, rec).Error.Fields["email"].Code != "unknown" {
			t.Errorf("share with invalid UTF-8 in the e-mail: %d %s, want 422 unknown", rec.Code, rec.Body)
		}
		anon := e.newBrowser()
		anon.ensureCSRF()
		if rec := anon.postForm("/login", url.Values{"email": {"a\x00@example.org"}, "password": {testPassword}}); rec.Code != http.StatusUnauthorized {
			t.Errorf("sign-in with a NUL in the e-mail: %d, want 401", rec.Code)
		}
	})
}
