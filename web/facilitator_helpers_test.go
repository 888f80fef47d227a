package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/survey"
)

// Helpers for the facilitator workspace tests.

// testPassword is every test facilitator's password.
const testPassword = "correct horse battery staple"

// testPasswordHash is testPassword hashed once for the whole test binary: an argon2id
// hash costs 64 MiB and about half a second under the race detector.
var testPasswordHash = sync.OnceValue(func() string { return survey.HashPassword(testPassword) })

// newFacilitator stores an account whose password is testPassword, with the facilitator
// role: the installation's first account, which is its admin and sees every assessment,
// is made first (newAdmin) so that accounts made here see only their own.
func (e *testEnv) newFacilitator(email, name string) *assessment.Facilitator {
	e.t.Helper()
	if n, err := e.store.CountFacilitators(e.t.Context()); err != nil {
		e.t.Fatalf("count facilitators: %v", err)
	} else if n == 0 {
		e.newAccount("admin@example.org", "Admin", assessment.RoleAdmin)
	}
	return e.newAccount(email, name, assessment.RoleFacilitator)
}

// newAdmin stores an admin account whose password is testPassword.
func (e *testEnv) newAdmin(email, name string) *assessment.Facilitator {
	e.t.Helper()
	return e.newAccount(email, name, assessment.RoleAdmin)
}

func (e *testEnv) newAccount(email, name, role string) *assessment.Facilitator {
	e.t.Helper()
	f, err := assessment.NewFacilitator(email, name, testPassword)
	if err != nil {
		e.t.Fatalf("new facilitator: %v", err)
	}
	f.Role = role
	f.PasswordHash = testPasswordHash()
	if err := e.store.CreateFacilitator(e.t.Context(), f); err != nil {
		e.t.Fatalf("create facilitator: %v", err)
	}
	return f
}

// ownedAssessment stores an open assessment belonging to f.
func (e *testEnv) ownedAssessment(f *assessment.Facilitator, title string) *assessment.Assessment {
	e.t.Helper()
	a, err := assessment.NewAssessment(title, "Ward 7 West", "en", assessment.DefaultThreshold, false, e.in.Version)
	if err != nil {
		e.t.Fatalf("new assessment: %v", err)
	}
	a.FacilitatorID = &f.ID
	if err := e.store.CreateAssessment(e.t.Context(), a); err != nil {
		e.t.Fatalf("create assessment: %v", err)
	}
	return a
}

// newAPIToken stores an API token for f and returns it with its id.
func (e *testEnv) newAPIToken(f *assessment.Facilitator, label string) (string, int64) {
	e.t.Helper()
	token := assessment.NewAPIToken()
	t := &assessment.APIToken{FacilitatorID: f.ID, Label: label}
	if err := e.store.CreateAPIToken(e.t.Context(), t, assessment.HashToken(token)); err != nil {
		e.t.Fatalf("create API token: %v", err)
	}
	return token, t.ID
}

// newSessionID stores a session for f directly (no sign-in, no argon2) and returns the
// cookie value.
func (e *testEnv) newSessionID(f *assessment.Facilitator, expires time.Time) string {
	e.t.Helper()
	id := newToken(32)
	if err := e.store.CreateSession(e.t.Context(), assessment.HashToken(id), f.ID, expires); err != nil {
		e.t.Fatalf("create session: %v", err)
	}
	return id
}

// signedIn is a browser holding a live session of f and a CSRF cookie.
func (e *testEnv) signedIn(f *assessment.Facilitator) *browser {
	e.t.Helper()
	b := e.newBrowser()
	b.setSession(e.newSessionID(f, time.Now().Add(time.Hour)))
	b.ensureCSRF()
	return b
}

// setSession puts a session cookie in the browser, as if the server had set it.
func (b *browser) setSession(id string) {
	b.jar.SetCookies(baseURL, []*http.Cookie{{Name: sessionCookieName, Value: id, Path: "/"}})
}

// sessionValue is the browser's session cookie, or "".
func (b *browser) sessionValue() string {
	for _, c := range b.jar.Cookies(baseURL) {
		if c.Name == sessionCookieName {
			return c.Value
		}
	}
	return ""
}

// ensureCSRF gives the browser its CSRF cookie (from the sign-in page) and returns the
// token its forms carry now: bound to that cookie and to its current session.
func (b *browser) ensureCSRF() string {
	b.e.t.Helper()
	if b.csrfCookieValue() == "" {
		rec := b.get("/login")
		if rec.Code != http.StatusOK && rec.Code != http.StatusSeeOther {
			b.e.t.Fatalf("GET /login = %d", rec.Code)
		}
		if b.csrfCookieValue() == "" {
			b.e.t.Fatal("GET /login set no CSRF cookie")
		}
	}
	return b.formToken()
}

// formToken is the token the server puts in this browser's forms now.
func (b *browser) formToken() string {
	return b.e.srv.formToken(b.csrfCookieValue(), b.sessionValue())
}

// postForm sends a form with the browser's valid CSRF token added.
func (b *browser) postForm(path string, form url.Values) *httptest.ResponseRecorder {
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_csrf", b.ensureCSRF())
	return b.post(path, f)
}

// loginFrom signs in from a given client address (RemoteAddr, "ip:port").
func (b *browser) loginFrom(remoteAddr, email, password, next string) *httptest.ResponseRecorder {
	form := url.Values{"_csrf": {b.ensureCSRF()}, "email": {email}, "password": {password}}
	if next != "" {
		form.Set("next", next)
	}
	req := httptest.NewRequest(http.MethodPost, testBaseURL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if remoteAddr != "" {
		req.RemoteAddr = remoteAddr
	}
	return b.do(req)
}

// bearer sends an API request with Authorization: Bearer token ("" sends none).
func (e *testEnv) bearer(method, path, token string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.sendIfMatch(method, path, token, "", body)
}

// storedAssessment reads an assessment back; nil when it no longer exists.
func (e *testEnv) storedAssessment(id int64) *assessment.Assessment {
	e.t.Helper()
	a, err := e.store.Assessment(e.t.Context(), id)
	if err != nil {
		return nil
	}
	return a
}

// assertUntouched checks an assessment still exists, open, with its title.
func (e *testEnv) assertUntouched(t *testing.T, a *assessment.Assessment, context string) {
	t.Helper()
	got := e.storedAssessment(a.ID)
	switch {
	case got == nil:
		t.Errorf("%s: assessment %d was deleted", context, a.ID)
	case got.Status != assessment.Open:
		t.Errorf("%s: assessment %d is %s, want open", context, a.ID, got.Status)
	case got.Title != a.Title || got.Team != a.Team || got.FacilitatorID == nil || *got.FacilitatorID != *a.FacilitatorID:
		t.Errorf("%s: assessment %d changed: %+v", context, a.ID, got)
	}
}

// auditActions lists a facilitator's recorded actions, oldest first.
func (e *testEnv) auditActions(f *assessment.Facilitator) []string {
	e.t.Helper()
	events, err := e.store.AuditEvents(e.t.Context(), f.ID, 1000)
	if err != nil {
		e.t.Fatalf("audit events: %v", err)
	}
	out := make([]string, len(events))
	for i, ev := range events {
		out[len(events)-1-i] = ev.Action
	}
	return out
}

// allTablesChecksum hashes every row of every table (accounts, sessions, tokens, audit
// trail and settings included) through a read-only connection.
func (e *testEnv) allTablesChecksum() string {
	e.t.Helper()
	return e.stateChecksum()
}

// dataChecksum is allTablesChecksum without the API tokens' last-used times, which
// every authenticated API request updates, rejected or not.
func (e *testEnv) dataChecksum() string {
	e.t.Helper()
	return e.stateChecksum("api_tokens.last_used_at")
}

// stateChecksum hashes every row of every table through a read-only connection, leaving
// out the tables and columns named ("table" or "table.column").
func (e *testEnv) stateChecksum(ignore ...string) string {
	e.t.Helper()
	db := e.readOnlyDB()
	defer checkClose(e.t, "read-only database", db)
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		e.t.Fatalf("list tables: %v", err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			e.t.Fatalf("list tables: %v", err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatalf("list tables: %v", err)
	}
	if err := rows.Close(); err != nil {
		e.t.Fatalf("list tables: %v", err)
	}
	h := sha256.New()
	for _, table := range tables {
		if slices.Contains(ignore, table) {
			continue
		}
		rs, err := db.Query("SELECT * FROM " + table + " ORDER BY 1")
		if err != nil {
			e.t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rs.Columns()
		_, _ = fmt.Fprintf(h, "== %s %v\n", table, cols) // a hash.Hash's Write never returns an error
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				e.t.Fatalf("dump %s: %v", table, err)
			}
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					vals[i] = string(b)
				}
				if slices.Contains(ignore, table+"."+cols[i]) {
					vals[i] = "(ignored)"
				}
			}
			_, _ = fmt.Fprintf(h, "%q\n", vals)
		}
		if err := rs.Err(); err != nil {
			e.t.Fatalf("dump %s: %v", table, err)
		}
		if err := rs.Close(); err != nil {
			e.t.Fatalf("dump %s: %v", table, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

var newTokenRE = regexp.MustCompile(`<code id="new-token">(ecat_[0-9a-f]{64})</code>`)

// tokenFromPage takes a freshly created API token out of the tokens page.
func tokenFromPage(t *testing.T, body string) string {
	t.Helper()
	m := newTokenRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no new token on the page:\n%s", body)
	}
	return m[1]
}

// assertErrorPage checks an HTML error page shows the heading of error.<key>.
func (e *testEnv) assertErrorPage(t *testing.T, rec *httptest.ResponseRecorder, key string) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("content type %q, want an HTML page", ct)
	}
	e.assertText(t, rec.Body.String(), "en", "error."+key+".heading")
}

// share shares a (every round of its team) with f as role, as its owner would.
func (e *testEnv) share(a *assessment.Assessment, f *assessment.Facilitator, role string) {
	e.t.Helper()
	if _, err := e.store.PutMember(e.t.Context(), a.SeriesID, f.ID, role); err != nil {
		e.t.Fatalf("share assessment %d with %s: %v", a.ID, f.Email, err)
	}
}
