package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/survey"
)

// Security of the facilitator workspace: CSRF, sign-in throttling and messages, sessions,
// the setup link, API tokens, the audit trail, and what the forms and the API accept.

// TestFacilitatorCSRF sends every facilitator form without a valid CSRF token: each is
// refused with 403 and nothing stored changes (sessions, tokens and the audit trail
// included). The forms are taken from the router, so a new one is covered.
func TestFacilitatorCSRF(t *testing.T) {
	e := newTestEnv(t)
	owner := e.newFacilitator("owner@example.org", "Olive Owner")
	a := e.ownedAssessment(owner, "Olive private round")
	_, tokenID := e.newAPIToken(owner, "owner's script")
	setup := assessment.NewResumeToken()
	if err := e.store.SetSetupToken(t.Context(), assessment.HashToken(setup)); err != nil {
		t.Fatal(err)
	}
	// Fields that would make each form succeed with a valid token.
	fields := map[string]url.Values{
		"/login":                                       {"email": {owner.Email}, "password": {testPassword}},
		"/setup/:token":                                {"email": {"new@example.org"}, "name": {"New"}, "password": {testPassword}, "password_confirm": {testPassword}},
		"/logout":                                      {},
		"/assessments":                                 {"title": {"Forged round"}, "team": {"Ward 1"}, "threshold": {"3"}, "language": {"en"}},
		"/assessments/:id/close":                       {},
		"/assessments/:id/reopen":                      {},
		"/assessments/:id/code":                        {},
		"/assessments/:id/delete":                      {"confirm": {"yes"}},
		"/assessments/:id/edit":                        {"title": {"Forged title"}, "team": {"Ward 1"}, "unit": {"Forged unit"}},
		"/account/tokens":                              {"label": {"forged"}},
		"/account/tokens/:id/revoke":                   {},
		"/account/password":                            {"current_password": {testPassword}, "password": {"forged passphrase 123"}, "password_confirm": {"forged passphrase 123"}},
		"/assessments/:id/actions":                     {"text": {"Forged action"}, "lead": {"Mallory"}},
		"/assessments/:id/actions/:action":             {"text": {"Forged edit"}, "lead": {"Mallory"}, "status": {"dropped"}},
		"/assessments/:id/actions/:action/delete":      {},
		"/assessments/:id/discussed":                   {},
		"/assessments/:id/reassess":                    {},
		"/assessments/:id/summary":                     {},
		"/assessments/:id/paper":                       {"pillar": {"staff"}, "lang": {"en"}, "action": {"save"}, "a.S-01": {"no"}},
		"/assessments/:id/paper/:ref":                  {"pillar": {"staff"}, "lang": {"en"}, "action": {"save"}, "a.S-01": {"no"}},
		"/assessments/:id/paper/:ref/delete":           {},
		"/assessments/:id/summary/delete":              {},
		"/assessments/:id/summary/texts":               {},
		"/assessments/:id/handover":                    {"email": {"other@example.org"}},
		"/admin/accounts":                              {"email": {"forged@example.org"}, "name": {"Forged"}, "role": {"admin"}},
		"/admin/accounts/:account/link":                {},
		"/admin/accounts/:account/role":                {"role": {"admin"}},
		"/admin/accounts/:account/deactivate":          {},
		"/admin/accounts/:account/reactivate":          {},
		"/account/link/:token":                         {"password": {"forged passphrase 123"}, "password_confirm": {"forged passphrase 123"}},
		"/assessments/:id/members":                     {"email": {"other@example.org"}, "role": {"viewer"}},
		"/assessments/:id/members/:facilitator/delete": {},
	}
	var paths []string
	for _, r := range e.srv.Routes() {
		if r.Method != http.MethodPost || strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		if isFacilitatorRoute(r.Path) || r.Path == "/login" || strings.HasPrefix(r.Path, "/setup/") || strings.HasPrefix(r.Path, "/account/link/") {
			if _, ok := fields[r.Path]; !ok {
				t.Errorf("facilitator form %s has no fields in this test: add them", r.Path)
				continue
			}
			paths = append(paths, r.Path)
		}
	}
	if len(paths) != len(fields) {
		t.Errorf("forms in the router: %v; in this test: %v", paths, sortedKeys(fields))
	}

	act := e.newAction(a, "Agreed at the meeting")
	member := e.newFacilitator("other@example.org", "Vera Viewer")
	e.share(a, member, assessment.MemberViewer)
	closed := e.ownedAssessment(owner, "Olive closed round")
	e.closeAssessment(closed)
	b := e.signedIn(owner)
	stranger := e.newBrowser() // has a CSRF cookie of its own, not b's
	strangerToken := stranger.ensureCSRF()
	before := e.allTablesChecksum()
	for _, pattern := range paths {
		path := strings.NewReplacer(":token", setup, ":id", strconv.FormatInt(a.ID, 10), ":action", strconv.FormatInt(act.ID, 10),
			":facilitator", strconv.FormatInt(member.ID, 10)).Replace(pattern)
		switch {
		case strings.HasPrefix(pattern, "/account/tokens/"):
			path = strings.Replace(pattern, ":id", strconv.FormatInt(tokenID, 10), 1)
		case strings.HasSuffix(pattern, "/reassess"):
			path = strings.Replace(pattern, ":id", strconv.FormatInt(closed.ID, 10), 1) // only a closed round can be reassessed
		}
		for _, variant := range []struct {
			name  string
			token string
			send  func(url.Values) *httptest.ResponseRecorder
		}{
			{"no token", "", func(f url.Values) *httptest.ResponseRecorder { return b.post(path, f) }},
			{"forged token", newToken(csrfBytes), func(f url.Values) *httptest.ResponseRecorder { return b.post(path, f) }},
			{"someone else's token", strangerToken, func(f url.Values) *httptest.ResponseRecorder { return b.post(path, f) }},
			{"token without cookie", b.csrfCookieValue(), func(f url.Values) *httptest.ResponseRecorder {
				nocookie := e.newBrowser()
				nocookie.setSession(b.sessionValue())
				return nocookie.post(path, f)
			}},
			{"token in a header only", "", func(f url.Values) *httptest.ResponseRecorder {
				return b.post(path, f, "X-CSRF-Token", b.csrfCookieValue())
			}},
		} {
			form := url.Values{}
			for k, v := range fields[pattern] {
				form[k] = v
			}
			if variant.token != "" {
				form.Set("_csrf", variant.token)
			}
			rec := variant.send(form)
			if rec.Code != http.StatusForbidden {
				t.Errorf("POST %s (%s): status %d, want 403", pattern, variant.name, rec.Code)
				continue
			}
			e.assertErrorPage(t, rec, "csrf")
			if got := e.allTablesChecksum(); got != before {
				t.Fatalf("POST %s (%s) changed the database", pattern, variant.name)
			}
		}
	}
	// The session survived the forged sign-out.
	if rec := b.get("/dashboard"); rec.Code != http.StatusOK {
		t.Errorf("after the forged requests, the dashboard answers %d", rec.Code)
	}
	e.assertUntouched(t, a, "after forged requests")
}

// TestFacilitatorLoginThrottle: five failures lock an account from that address (even
// with the right password) but never from another, twenty lock an address for every
// account, each with 429 and Retry-After; both unlock when the window has passed.
func TestFacilitatorLoginThrottle(t *testing.T) {
	e := newTestEnv(t)
	x := e.newFacilitator("x@example.org", "Xavier")
	y := e.newFacilitator("y@example.org", "Yvonne")
	const addrA, addrB = "198.51.100.7:40000", "203.0.113.9:40001"
	b := e.newBrowser()

	assertThrottled := func(rec *httptest.ResponseRecorder, what string) {
		t.Helper()
		if rec.Code != http.StatusTooManyRequests {
			t.Fatalf("%s: status %d, want 429", what, rec.Code)
		}
		secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
		if err != nil || secs <= 0 || secs > 15*60 {
			t.Errorf("%s: Retry-After %q, want 1..900 seconds", what, rec.Header().Get("Retry-After"))
		}
		e.assertText(t, rec.Body.String(), "en", "login.too_many")
		if strings.Contains(strings.Join(rec.Header()["Set-Cookie"], "\n"), sessionCookieName+"=") {
			t.Errorf("%s: a session cookie was set", what)
		}
	}

	for i := 1; i <= 5; i++ {
		if rec := b.loginFrom(addrA, x.Email, "not the password", ""); rec.Code != http.StatusUnauthorized {
			t.Fatalf("bad attempt %d: status %d, want 401", i, rec.Code)
		}
	}
	assertThrottled(b.loginFrom(addrA, x.Email, "not the password", ""), "6th bad attempt")
	assertThrottled(b.loginFrom(addrA, x.Email, testPassword, ""), "right password after 5 failures")
	// The lock is per account and network: wrong guesses from one place never lock the
	// owner out from another.
	if rec := e.newBrowser().loginFrom(addrB, strings.ToUpper(x.Email), testPassword, ""); rec.Code != http.StatusSeeOther {
		t.Fatalf("right password from another address: status %d, want 303", rec.Code)
	}

	// The address has 5 failures: another account may still sign in from it.
	yb := e.newBrowser()
	if rec := yb.loginFrom(addrA, y.Email, testPassword, ""); rec.Code != http.StatusSeeOther {
		t.Fatalf("other account from the same address: status %d, want 303", rec.Code)
	}
	// Fourteen more failures from the address, recorded directly (each would cost an
	// argon2id hash through HTTP), bring it to 19: still allowed.
	for range 14 {
		e.srv.loginByAddress.Fail("address:198.51.100.7")
	}
	if rec := e.newBrowser().loginFrom(addrA, y.Email, testPassword, ""); rec.Code != http.StatusSeeOther {
		t.Fatalf("after 19 failures from the address: status %d, want 303", rec.Code)
	}
	// The 20th failure (an unknown e-mail counts too) locks the address.
	if rec := b.loginFrom(addrA, "nobody@example.org", "whatever password", ""); rec.Code != http.StatusUnauthorized {
		t.Fatalf("20th failure: status %d, want 401", rec.Code)
	}
	assertThrottled(e.newBrowser().loginFrom(addrA, y.Email, testPassword, ""), "any account from a locked address")
	if rec := e.newBrowser().loginFrom(addrB, y.Email, testPassword, ""); rec.Code != http.StatusSeeOther {
		t.Errorf("other address: status %d, want 303", rec.Code)
	}

	// Sixteen minutes later both locks are gone.
	later := func() time.Time { return time.Now().Add(16 * time.Minute) }
	e.srv.loginByAccount.Now, e.srv.loginByAddress.Now = later, later
	if rec := e.newBrowser().loginFrom(addrA, x.Email, testPassword, ""); rec.Code != http.StatusSeeOther {
		t.Errorf("after the window: status %d, want 303", rec.Code)
	}
}

var loginErrorRE = regexp.MustCompile(`(?s)<div class="error-summary" role="alert"[^>]*><p>(.*?)</p>`)

// TestFacilitatorLoginSameAnswer: an unknown e-mail and a wrong password get the same
// status and the same message, so accounts cannot be discovered.
func TestFacilitatorLoginSameAnswer(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("known@example.org", "Known")
	var msgs []string
	for _, email := range []string{"unknown@example.org", f.Email} {
		b := e.newBrowser()
		rec := b.loginFrom("", email, "wrong password here", "")
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", email, rec.Code)
		}
		if b.sessionValue() != "" {
			t.Errorf("%s: a session cookie was set", email)
		}
		m := loginErrorRE.FindStringSubmatch(rec.Body.String())
		if m == nil {
			t.Fatalf("%s: no error message:\n%s", email, rec.Body)
		}
		msgs = append(msgs, m[1])
		// The form keeps the e-mail, not the password.
		if strings.Contains(rec.Body.String(), "wrong password here") {
			t.Errorf("%s: the page repeats the password", email)
		}
	}
	if msgs[0] != msgs[1] {
		t.Errorf("unknown e-mail says %q, wrong password says %q", msgs[0], msgs[1])
	}
	if want := escaped(t, e.tmpl.Message("en", "login.failed")); msgs[0] != want {
		t.Errorf("message %q, want %q", msgs[0], want)
	}
	if got := e.auditActions(f); len(got) != 0 {
		t.Errorf("failed sign-ins recorded as %v", got)
	}
}

// TestFacilitatorSessionRenewedAtSignIn: signing in always issues a new session id, and a
// session id the browser brought along (planted by someone else) stops working.
func TestFacilitatorSessionRenewedAtSignIn(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("renew@example.org", "Renée")
	for _, tc := range []struct {
		name    string
		planted string
	}{
		{"live session planted", e.newSessionID(f, time.Now().Add(time.Hour))},
		{"unknown id planted", newToken(32)},
	} {
		b := e.newBrowser()
		b.setSession(tc.planted)
		rec := b.loginFrom("", f.Email, testPassword, "")
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard" {
			t.Fatalf("%s: sign-in %d to %q", tc.name, rec.Code, rec.Header().Get("Location"))
		}
		after := b.sessionValue()
		if after == "" || after == tc.planted || len(after) != 64 {
			t.Fatalf("%s: session cookie %q after sign-in (planted %q)", tc.name, after, tc.planted)
		}
		if rec := b.get("/dashboard"); rec.Code != http.StatusOK {
			t.Errorf("%s: new session: dashboard %d", tc.name, rec.Code)
		}
		old := e.newBrowser()
		old.setSession(tc.planted)
		if rec := old.get("/dashboard"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
			t.Errorf("%s: the planted session id still answers %d", tc.name, rec.Code)
		}
	}
	if got := e.auditActions(f); !slices.Equal(got, []string{assessment.AuditSignIn, assessment.AuditSignIn}) {
		t.Errorf("audit trail %v", got)
	}
}

// TestFacilitatorSignOut: signing out deletes the session on the server, not only the
// cookie, so a copied cookie is worthless afterwards.
func TestFacilitatorSignOut(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("out@example.org", "Otto")
	b := e.signedIn(f)
	old := b.sessionValue()
	rec := b.postForm("/logout", nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login" {
		t.Fatalf("sign-out: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	var cleared bool
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookieName && c.MaxAge < 0 && c.Value == "" && c.HttpOnly {
			cleared = true
		}
	}
	if !cleared {
		t.Errorf("sign-out did not clear the cookie: %v", rec.Header()["Set-Cookie"])
	}
	if n := e.countRows("sessions"); n != 0 {
		t.Errorf("%d sessions left after sign-out", n)
	}
	copied := e.newBrowser()
	copied.setSession(old)
	if rec := copied.get("/dashboard"); rec.Code != http.StatusSeeOther {
		t.Errorf("the old session id still opens the dashboard: %d", rec.Code)
	}
	copied.ensureCSRF()
	if rec := copied.postForm("/account/tokens", url.Values{"label": {"x"}}); rec.Code != http.StatusForbidden {
		t.Errorf("the old session id can still post: %d", rec.Code)
	}
	if got := e.auditActions(f); !slices.Equal(got, []string{assessment.AuditSignOut}) {
		t.Errorf("audit trail %v", got)
	}
}

// TestFacilitatorSessionCookie checks the cookie's flags: HttpOnly and SameSite=Lax
// always, Secure and the __Host- prefix when the public address is https.
func TestFacilitatorSessionCookie(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("cookie@example.org", "Cookie")
	httpsSrv := New(Config{BaseURL: "https://ecat.test/"}, survey.New(e.store, e.catalog, e.tmpl.Catalog(), nil), e.tmpl, slog.New(slog.NewTextHandler(io.Discard, nil)))

	for _, tc := range []struct {
		name   string
		srv    *Server
		base   string
		secure bool
	}{
		{"http", e.srv, testBaseURL, false},
		{"https", httpsSrv, "https://ecat.test", true},
	} {
		prefix := ""
		if tc.secure {
			prefix = "__Host-"
		}
		// Get the CSRF cookie and sign in, by hand, against this server.
		rec := httptest.NewRecorder()
		tc.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.base+"/login", nil))
		var csrf *http.Cookie
		for _, c := range rec.Result().Cookies() {
			if c.Name == prefix+csrfCookie {
				csrf = c
			}
		}
		if csrf == nil || csrf.Secure != tc.secure || !csrf.HttpOnly || csrf.SameSite != http.SameSiteLaxMode || csrf.Path != "/" || csrf.Domain != "" {
			t.Errorf("%s: CSRF cookie %+v", tc.name, csrf)
			continue
		}
		form := url.Values{"_csrf": {csrfFromPage(t, rec.Body.String())}, "email": {f.Email}, "password": {testPassword}}
		req := httptest.NewRequest(http.MethodPost, tc.base+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: csrf.Name, Value: csrf.Value})
		rec = httptest.NewRecorder()
		tc.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("%s: sign-in %d", tc.name, rec.Code)
		}
		var sess *http.Cookie
		for _, c := range rec.Result().Cookies() {
			if c.Name == prefix+sessionCookieName {
				sess = c
			}
		}
		switch {
		case sess == nil:
			t.Errorf("%s: no session cookie", tc.name)
		case !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Secure != tc.secure || sess.Path != "/":
			t.Errorf("%s: session cookie %+v, want HttpOnly, SameSite=Lax, Path=/, Secure=%v", tc.name, sess, tc.secure)
		case sess.Expires.IsZero() || time.Until(sess.Expires) > 13*time.Hour:
			t.Errorf("%s: session cookie expires %v", tc.name, sess.Expires)
		}
		if hsts := rec.Header().Get("Strict-Transport-Security"); (hsts != "") != tc.secure {
			t.Errorf("%s: Strict-Transport-Security %q", tc.name, hsts)
		}
	}
}

// TestFacilitatorExpiredSession: a session past its expiry signs nobody in, and is removed.
func TestFacilitatorExpiredSession(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("late@example.org", "Late")
	b := e.newBrowser()
	b.setSession(e.newSessionID(f, time.Now().Add(-time.Minute)))
	b.ensureCSRF()
	if rec := b.get("/dashboard"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login?next=%2Fdashboard" {
		t.Errorf("expired session: dashboard %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	rec := b.postForm("/assessments", url.Values{"title": {"T"}, "team": {"X"}, "threshold": {"3"}, "language": {"en"}})
	if rec.Code != http.StatusForbidden {
		t.Errorf("expired session: POST %d, want 403", rec.Code)
	} else {
		e.assertErrorPage(t, rec, "sign_in_required")
	}
	if n := e.countRows("assessments"); n != 0 {
		t.Errorf("%d assessments stored with an expired session", n)
	}
	if n := e.countRows("sessions"); n != 0 {
		t.Errorf("the expired session is still stored (%d)", n)
	}
	// The login page does not treat it as signed in either.
	if rec := b.get("/login"); rec.Code != http.StatusOK {
		t.Errorf("login page with an expired session: %d", rec.Code)
	}
}

func setupForm(b *browser, name, email, password, confirm string) url.Values {
	return url.Values{"_csrf": {b.ensureCSRF()}, "name": {name}, "email": {email}, "password": {password}, "password_confirm": {confirm}}
}

// TestFacilitatorSetupLink: the one-time link creates the first account once; a wrong
// link, a used one, and any link once an account exists answer 404.
func TestFacilitatorSetupLink(t *testing.T) {
	e := newTestEnv(t)
	token := assessment.NewResumeToken()
	if err := e.store.SetSetupToken(t.Context(), assessment.HashToken(token)); err != nil {
		t.Fatal(err)
	}
	link := "/setup/" + token
	b := e.newBrowser()
	for _, p := range []string{"/setup/" + assessment.NewResumeToken(), "/setup/not-a-token", "/setup/" + strings.ToUpper(token)} {
		if rec := b.get(p); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, rec.Code)
		}
		if rec := b.post(p, setupForm(b, "Ada", "ada@example.org", testPassword, testPassword)); rec.Code != http.StatusNotFound {
			t.Errorf("POST %s = %d, want 404", p, rec.Code)
		}
	}
	rec := b.get(link)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `action="`+link+`"`) {
		t.Fatalf("GET setup link = %d:\n%s", rec.Code, rec.Body)
	}
	assertNoStore(t, rec)
	// Mistakes keep the link alive.
	for _, form := range []url.Values{
		setupForm(b, "Ada", "ada@example.org", testPassword, testPassword+"x"),
		setupForm(b, "Ada", "ada@example.org", "short", "short"),
		setupForm(b, "Ada", "not an e-mail", testPassword, testPassword),
		setupForm(b, "", "ada@example.org", testPassword, testPassword),
	} {
		if rec := b.post(link, form); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("setup with %v = %d, want 422", form, rec.Code)
		}
	}
	if n := e.countRows("facilitators"); n != 0 {
		t.Fatalf("%d accounts after rejected forms", n)
	}
	rec = b.post(link, setupForm(b, "Ada", "Ada@Example.org", testPassword, testPassword))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard" {
		t.Fatalf("setup = %d to %q; body %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	if rec := b.get("/dashboard"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Ada") {
		t.Errorf("dashboard after setup = %d", rec.Code)
	}
	f, err := e.store.FacilitatorByEmail(t.Context(), "ada@example.org")
	if err != nil || f.Name != "Ada" || f.PasswordHash == testPassword || !strings.HasPrefix(f.PasswordHash, "$argon2id$") {
		t.Fatalf("stored account %+v, %v", f, err)
	}
	if got := e.auditActions(f); !slices.Equal(got, []string{assessment.AuditAccountCreated}) {
		t.Errorf("audit trail %v", got)
	}
	// Used: gone.
	other := e.newBrowser()
	if rec := other.get(link); rec.Code != http.StatusNotFound {
		t.Errorf("GET used link = %d, want 404", rec.Code)
	}
	if rec := other.post(link, setupForm(other, "Eve", "eve@example.org", testPassword, testPassword)); rec.Code != http.StatusNotFound {
		t.Errorf("POST used link = %d, want 404", rec.Code)
	}
	if n := e.countRows("facilitators"); n != 1 {
		t.Errorf("%d accounts, want 1", n)
	}
}

// TestFacilitatorSetupLinkGoneOnceAnAccountExists: a link printed at start-up stops
// working when the first account is made another way (`ecat facilitator add`).
func TestFacilitatorSetupLinkGoneOnceAnAccountExists(t *testing.T) {
	e := newTestEnv(t)
	token := assessment.NewResumeToken()
	if err := e.store.SetSetupToken(t.Context(), assessment.HashToken(token)); err != nil {
		t.Fatal(err)
	}
	e.newAdmin("cli@example.org", "Made at the command line")
	b := e.newBrowser()
	if rec := b.get("/setup/" + token); rec.Code != http.StatusNotFound {
		t.Errorf("GET setup link after an account exists = %d, want 404", rec.Code)
	}
	if rec := b.post("/setup/"+token, setupForm(b, "Eve", "eve@example.org", testPassword, testPassword)); rec.Code != http.StatusNotFound {
		t.Errorf("POST setup link after an account exists = %d, want 404", rec.Code)
	}
	if n := e.countRows("facilitators"); n != 1 {
		t.Errorf("%d accounts, want 1", n)
	}
}

var revokeActionRE = regexp.MustCompile(`action="/account/tokens/(\d+)/revoke"`)

// TestFacilitatorTokenRevocation: a token made on the tokens page works on the API until
// revoked; nobody can revoke someone else's token; malformed tokens are refused.
func TestFacilitatorTokenRevocation(t *testing.T) {
	e := newTestEnv(t)
	alice := e.newFacilitator("alice@example.org", "Alice")
	bob := e.newFacilitator("bob@example.org", "Bob")
	bobToken, bobTokenID := e.newAPIToken(bob, "bob's")
	b := e.signedIn(alice)

	rec := b.postForm("/account/tokens", url.Values{"label": {"Deploy script"}})
	if rec.Code != http.StatusCreated {
		t.Fatalf("create token = %d", rec.Code)
	}
	token := tokenFromPage(t, rec.Body.String())
	m := revokeActionRE.FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("no revoke form:\n%s", rec.Body)
	}
	if rec := e.bearer(http.MethodGet, "/api/v1/assessments", token, nil); rec.Code != http.StatusOK {
		t.Fatalf("new token: API %d", rec.Code)
	}
	// The token is shown once: the page afterwards lists it by label only.
	if body := b.get("/account/tokens").Body.String(); strings.Contains(body, token) || !strings.Contains(body, "Deploy script") {
		t.Errorf("tokens page shows the token again or lacks its label")
	}
	if n := e.countRows("api_tokens"); n != 2 {
		t.Errorf("%d tokens stored", n)
	}
	db := e.readOnlyDB()
	var plain int
	if err := db.QueryRow(`SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?`, token).Scan(&plain); err != nil || plain != 0 {
		t.Errorf("token stored in the clear (%d, %v)", plain, err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("close the read-only database: %v", err)
	}

	// Bob's token id, revoked by Alice: 404, and Bob's token still works.
	if rec := b.postForm("/account/tokens/"+strconv.FormatInt(bobTokenID, 10)+"/revoke", nil); rec.Code != http.StatusNotFound {
		t.Errorf("revoking someone else's token = %d, want 404", rec.Code)
	}
	if rec := e.bearer(http.MethodGet, "/api/v1/assessments", bobToken, nil); rec.Code != http.StatusOK {
		t.Errorf("Bob's token after Alice's attempt: %d", rec.Code)
	}
	for _, id := range []string{"999", "abc", "0"} {
		if rec := b.postForm("/account/tokens/"+id+"/revoke", nil); rec.Code != http.StatusNotFound {
			t.Errorf("revoking token %s = %d, want 404", id, rec.Code)
		}
	}

	rec = b.postForm("/account/tokens/"+m[1]+"/revoke", nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/account/tokens" {
		t.Fatalf("revoke = %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	rec = e.bearer(http.MethodGet, "/api/v1/assessments", token, nil)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("revoked token: API %d, want 401", rec.Code)
	}
	if got := decodeAPIError(t, rec).Error.Code; got != "unauthorized" {
		t.Errorf("revoked token: code %q", got)
	}
	if rec := b.postForm("/account/tokens/"+m[1]+"/revoke", nil); rec.Code != http.StatusNotFound {
		t.Errorf("revoking twice = %d, want 404", rec.Code)
	}
	if body := b.get("/account/tokens").Body.String(); revokeActionRE.MatchString(body) {
		t.Errorf("tokens page still offers to revoke the revoked token")
	}

	// A label that is too long is refused and no token is made.
	rec = b.postForm("/account/tokens", url.Values{"label": {strings.Repeat("x", assessment.MaxLabelLen+1)}})
	if rec.Code != http.StatusUnprocessableEntity || newTokenRE.MatchString(rec.Body.String()) {
		t.Errorf("long label = %d", rec.Code)
	}
	if n := e.countRows("api_tokens"); n != 2 {
		t.Errorf("%d tokens stored after a refused label", n)
	}
}

// TestFacilitatorAuditTrail: sign-in, create, close, reopen, delete and the token actions
// are recorded and listed on the activity page; nobody sees another's activity.
func TestFacilitatorAuditTrail(t *testing.T) {
	e := newTestEnv(t)
	alice := e.newFacilitator("alice@example.org", "Alice")
	bob := e.newFacilitator("bob@example.org", "Bob")
	b := e.newBrowser()
	if rec := b.loginFrom("", alice.Email, testPassword, ""); rec.Code != http.StatusSeeOther {
		t.Fatalf("sign-in %d", rec.Code)
	}
	rec := b.postForm("/assessments", url.Values{"title": {"Zebra crossing round"}, "team": {"Ward Z"}, "threshold": {"3"}, "language": {"en"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create %d", rec.Code)
	}
	page := rec.Header().Get("Location")
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{page + "/close", nil},
		{page + "/reopen", nil},
		{page + "/delete", url.Values{"confirm": {"yes"}}},
		{"/account/tokens", url.Values{"label": {"Quokka label"}}},
	} {
		if rec := b.postForm(step.path, step.form); rec.Code >= 400 {
			t.Fatalf("POST %s = %d", step.path, rec.Code)
		}
	}
	list, err := e.store.APITokens(t.Context(), alice.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("tokens %v, %v", list, err)
	}
	if rec := b.postForm("/account/tokens/"+strconv.FormatInt(list[0].ID, 10)+"/revoke", nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("revoke %d", rec.Code)
	}
	want := []string{assessment.AuditSignIn, assessment.AuditCreate, assessment.AuditClose, assessment.AuditReopen,
		assessment.AuditDelete, assessment.AuditTokenCreated, assessment.AuditTokenRevoked}
	if got := e.auditActions(alice); !slices.Equal(got, want) {
		t.Errorf("audit trail %v, want %v", got, want)
	}
	rec = b.get("/account/activity")
	if rec.Code != http.StatusOK {
		t.Fatalf("activity page %d", rec.Code)
	}
	body := rec.Body.String()
	for _, action := range want {
		e.assertText(t, body, "en", "audit."+action)
	}
	for _, detail := range []string{"Zebra crossing round", "Quokka label"} {
		if !strings.Contains(body, detail) {
			t.Errorf("activity page lacks %q", detail)
		}
	}

	// Bob sees none of it.
	rec = e.signedIn(bob).get("/account/activity")
	if rec.Code != http.StatusOK {
		t.Fatalf("Bob's activity page %d", rec.Code)
	}
	for _, secret := range []string{"Zebra", "Quokka", e.tmpl.Message("en", "audit."+assessment.AuditTokenRevoked)} {
		if strings.Contains(rec.Body.String(), secret) {
			t.Errorf("Bob's activity page shows %q", secret)
		}
	}
	e.assertText(t, rec.Body.String(), "en", "activity.empty")
	if got := e.auditActions(bob); len(got) != 0 {
		t.Errorf("Bob's trail %v", got)
	}
}

// TestFacilitatorLowThreshold: a threshold below 3 needs the confirmation box.
func TestFacilitatorLowThreshold(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("low@example.org", "Low")
	b := e.signedIn(f)
	if body := b.get("/assessments/new").Body.String(); strings.Contains(body, `id="confirm_low_threshold"`) {
		t.Error("the new-assessment page shows the confirmation before it is needed")
	}
	form := url.Values{"title": {"Small team round"}, "team": {"Night shift"}, "threshold": {"2"}, "language": {"en"}}
	rec := b.postForm("/assessments", form)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("threshold 2 unconfirmed = %d, want 422", rec.Code)
	}
	body := rec.Body.String()
	if !strings.Contains(body, `name="confirm_low_threshold" value="yes"`) {
		t.Errorf("no confirmation checkbox:\n%s", body)
	}
	e.assertText(t, body, "en", "field.threshold_confirm")
	if !strings.Contains(body, `value="Small team round"`) || !strings.Contains(body, `value="2"`) {
		t.Error("the form lost what was typed")
	}
	if n := e.countRows("assessments"); n != 0 {
		t.Fatalf("%d assessments stored without confirmation", n)
	}
	form.Set("confirm_low_threshold", "yes")
	rec = b.postForm("/assessments", form)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("threshold 2 confirmed = %d, want 303", rec.Code)
	}
	list, err := e.store.ListAssessments(t.Context(), &f.ID)
	if err != nil || len(list) != 1 || list[0].Threshold != 2 || rec.Header().Get("Location") != "/assessments/"+strconv.FormatInt(list[0].ID, 10) {
		t.Errorf("stored %+v, %v; Location %q", list, err, rec.Header().Get("Location"))
	}
}

// TestFacilitatorCreateInvalid: bad settings are refused with 422 and the reason, and
// nothing is stored.
func TestFacilitatorCreateInvalid(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("bad@example.org", "Bad")
	b := e.signedIn(f)
	valid := url.Values{"title": {"Round"}, "team": {"Ward"}, "threshold": {"3"}, "language": {"en"}}
	for _, tc := range []struct {
		name, field, value, errField string
	}{
		{"empty title", "title", "", "title"},
		{"blank title", "title", "   ", "title"},
		{"empty team", "team", "", "team"},
		{"threshold 0", "threshold", "0", "threshold"},
		{"threshold 21", "threshold", "21", "threshold"},
		{"threshold abc", "threshold", "abc", "threshold"},
		{"threshold empty", "threshold", "", "threshold"},
		{"language de", "language", "de", "language"},
		{"markup in title", "title", `<script>alert(1)</script>`, "title"},
		{"markup in team", "team", `<img src=x onerror=alert(1)>`, "team"},
		{"title too long", "title", strings.Repeat("t", 1000), "title"},
	} {
		before := e.allTablesChecksum()
		form := url.Values{}
		for k, v := range valid {
			form[k] = v
		}
		form.Set(tc.field, tc.value)
		rec := b.postForm("/assessments", form)
		if rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", tc.name, rec.Code)
			continue
		}
		body := rec.Body.String()
		// Every error is linked from the summary; the text fields also show it inline
		// (the language radios are listed in the summary only).
		inline := tc.errField == "language" || strings.Contains(body, `id="err-`+tc.errField+`"`)
		if !strings.Contains(body, `href="#`+tc.errField+`"`) || !inline {
			t.Errorf("%s: no error on %s:\n%s", tc.name, tc.errField, body)
		}
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s: the page repeats markup unescaped", tc.name)
		}
		if e.allTablesChecksum() != before {
			t.Errorf("%s: the database changed", tc.name)
		}
	}
	if n := e.countRows("assessments"); n != 0 {
		t.Errorf("%d assessments stored", n)
	}
}

// TestFacilitatorLoginNext: after sign-in the browser goes back where it was, but never
// to another site.
func TestFacilitatorLoginNext(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("next@example.org", "Next")
	// Through the sign-in form.
	for next, want := range map[string]string{
		"//evil.example":       "/dashboard",
		"https://evil.example": "/dashboard",
		"/assessments/new":     "/assessments/new",
	} {
		rec := e.newBrowser().loginFrom("", f.Email, testPassword, next)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != want {
			t.Errorf("sign-in with next=%q: %d to %q, want %q", next, rec.Code, rec.Header().Get("Location"), want)
		}
	}
	// The same rule when already signed in, and in the form's hidden field.
	signed := e.signedIn(f)
	anon := e.newBrowser()
	for _, next := range []string{"//evil.example", "https://evil.example", `/\evil.example`, "/\t/evil.example", "/\n/evil.example",
		"/\t\\evil.example", "javascript:alert(1)", "evil.example", " //evil.example", "%2F%2Fevil.example", ""} {
		q := "/login?next=" + url.QueryEscape(next)
		if rec := signed.get(q); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard" {
			t.Errorf("signed in, next=%q: %d to %q, want /dashboard", next, rec.Code, rec.Header().Get("Location"))
		}
		if body := anon.get(q).Body.String(); !strings.Contains(body, `name="next" value="/dashboard"`) {
			t.Errorf("login form keeps next=%q", next)
		}
	}
	if rec := signed.get("/login?next=" + url.QueryEscape("/assessments/new?x=1")); rec.Header().Get("Location") != "/assessments/new?x=1" {
		t.Errorf("on-site next lost: %q", rec.Header().Get("Location"))
	}
}

var qrRE = regexp.MustCompile(`<svg [^>]*role="img"[^>]*aria-label="[^"]+"[^>]*>`)

// TestFacilitatorAssessmentPage: the join link, code and an inline SVG QR code of the link
// on the assessment page and the printable invitation.
func TestFacilitatorAssessmentPage(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("page@example.org", "Page")
	a := e.ownedAssessment(f, "QR round")
	b := e.signedIn(f)
	joinURL := testBaseURL + "/j/" + a.Code
	id := strconv.FormatInt(a.ID, 10)
	for _, tc := range []struct{ path, lang string }{
		{"/assessments/" + id, "en"},
		{"/assessments/" + id + "/invitation", "en"},
	} {
		rec := b.get(tc.path)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d", tc.path, rec.Code)
		}
		body := rec.Body.String()
		if !qrRE.MatchString(body) {
			t.Errorf("%s: no inline <svg role=\"img\" aria-label=…>", tc.path)
		}
		want, err := qrSVG(joinURL, e.tmpl.Message(tc.lang, "assessment.qr_label"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, string(want)) {
			t.Errorf("%s: the QR code is not the join link's", tc.path)
		}
		if !strings.Contains(body, joinURL) || !strings.Contains(body, assessment.FormatJoinCode(a.Code)) {
			t.Errorf("%s: no join link %s or code", tc.path, joinURL)
		}
		assertSecurityHeaders(t, rec)
		assertNoStore(t, rec)
		assertNoInlineScript(t, body)
		if strings.Contains(body, "<img") {
			t.Errorf("%s: the QR code should be inline, not an image request", tc.path)
		}
	}
	page := b.get("/assessments/" + id).Body.String()
	for _, want := range []string{`href="/assessments/` + id + `/invitation"`, `data-url="/assessments/` + id + `/completion"`, `action="/assessments/` + id + `/close"`, `href="/assessments/` + id + `/delete"`} {
		if !strings.Contains(page, want) {
			t.Errorf("assessment page lacks %s", want)
		}
	}
	// The invitation speaks the assessment's language.
	fr, err := assessment.NewAssessment("Tour du printemps", "Unité 3", "fr", 3, false, e.in.Version)
	if err != nil {
		t.Fatal(err)
	}
	fr.FacilitatorID = &f.ID
	if err := e.store.CreateAssessment(t.Context(), fr); err != nil {
		t.Fatal(err)
	}
	body := b.get("/assessments/" + strconv.FormatInt(fr.ID, 10) + "/invitation").Body.String()
	if htmlLang(body) != "fr" || !strings.Contains(body, testBaseURL+"/j/"+fr.Code) {
		t.Errorf("French invitation: lang %q", htmlLang(body))
	}
	// Closing and reopening from the page, and deleting only with the box ticked.
	if rec := b.postForm("/assessments/"+id+"/close", nil); rec.Header().Get("Location") != "/assessments/"+id+"?done=closed" {
		t.Errorf("close went to %q", rec.Header().Get("Location"))
	}
	if body := b.get("/assessments/" + id + "?done=closed").Body.String(); !strings.Contains(body, `action="/assessments/`+id+`/reopen"`) {
		t.Error("a closed assessment's page offers no reopen")
	}
	if rec := b.postForm("/assessments/"+id+"/delete", nil); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/assessments/"+id+"/delete" {
		t.Errorf("delete without confirm: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := b.postForm("/assessments/"+id+"/delete", url.Values{"confirm": {"no"}}); rec.Code != http.StatusSeeOther || e.storedAssessment(a.ID) == nil {
		t.Errorf("delete with confirm=no: %d", rec.Code)
	}
	if rec := b.postForm("/assessments/"+id+"/delete", url.Values{"confirm": {"yes"}}); rec.Code != http.StatusSeeOther || e.storedAssessment(a.ID) != nil {
		t.Errorf("delete with confirm=yes: %d", rec.Code)
	}
}

// completionReply decodes the completion JSON strictly: lower-case keys, three pillars.
func completionReply(t *testing.T, raw []byte) (string, map[string]countsJSON) {
	t.Helper()
	var top map[string]json.RawMessage
	decodeJSON(t, raw, &top)
	if len(top) != 2 || top["status"] == nil || top["responses"] == nil {
		t.Fatalf("completion %s: want status and responses", raw)
	}
	var status string
	decodeJSON(t, top["status"], &status)
	var pillarsRaw map[string]map[string]json.RawMessage
	decodeJSON(t, top["responses"], &pillarsRaw)
	out := map[string]countsJSON{}
	for _, key := range []string{pillars.Leadership, pillars.Staff, pillars.PatientPartners} {
		p, ok := pillarsRaw[key]
		if !ok {
			t.Fatalf("completion %s lacks %s", raw, key)
		}
		if keys := sortedKeys(p); !slices.Equal(keys, []string{"drafts", "submitted"}) {
			t.Errorf("completion %s: %s has keys %v", raw, key, keys)
		}
		var c countsJSON
		decodeJSON(t, p["submitted"], &c.Submitted)
		decodeJSON(t, p["drafts"], &c.Drafts)
		out[key] = c
	}
	if len(pillarsRaw) != 3 {
		t.Errorf("completion %s: %d pillars", raw, len(pillarsRaw))
	}
	return status, out
}

// TestFacilitatorCompletion: the live completion JSON follows the responses.
func TestFacilitatorCompletion(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("live@example.org", "Live")
	a := e.ownedAssessment(f, "Live round")
	b := e.signedIn(f)
	path := "/assessments/" + strconv.FormatInt(a.ID, 10) + "/completion"
	get := func() (string, map[string]countsJSON) {
		t.Helper()
		rec := b.get(path)
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("completion = %d %q", rec.Code, rec.Header().Get("Content-Type"))
		}
		assertNoStore(t, rec)
		return completionReply(t, rec.Body.Bytes())
	}
	status, counts := get()
	if status != "open" || counts[pillars.Staff] != (countsJSON{}) || counts[pillars.Leadership] != (countsJSON{}) || counts[pillars.PatientPartners] != (countsJSON{}) {
		t.Errorf("empty assessment: %s %+v", status, counts)
	}
	e.createResponse(e.completeBody(a.Code, pillars.Staff))
	e.createResponse(map[string]any{"code": a.Code, "pillar": pillars.Leadership, "language": "en", "answers": map[string]string{"L-01": "yes"}, "submit": false})
	_, counts = get()
	if counts[pillars.Staff] != (countsJSON{Submitted: 1}) || counts[pillars.Leadership] != (countsJSON{Drafts: 1}) || counts[pillars.PatientPartners] != (countsJSON{}) {
		t.Errorf("after a submission and a draft: %+v", counts)
	}
	e.closeAssessment(a)
	if status, _ := get(); status != "closed" {
		t.Errorf("closed assessment: status %q", status)
	}
}

// apiAssessment is the API's assessment object.
type apiAssessment struct {
	ID                int64                 `json:"id"`
	Title             string                `json:"title"`
	Team              string                `json:"team"`
	Unit              string                `json:"unit"`
	Language          string                `json:"language"`
	Threshold         int                   `json:"threshold"`
	Status            string                `json:"status"`
	Code              string                `json:"code"`
	JoinURL           string                `json:"join_url"`
	Round             int                   `json:"round"`
	PreviousID        *int64                `json:"previous_id"`
	InstrumentVersion string                `json:"instrument_version"`
	CreatedAt         time.Time             `json:"created_at"`
	ClosedAt          *time.Time            `json:"closed_at"`
	ClosesAt          *time.Time            `json:"closes_at"`
	DiscussedAt       *time.Time            `json:"discussed_at"`
	Expected          map[string]int        `json:"expected"`
	Responses         map[string]countsJSON `json:"responses"`
	Version           int64                 `json:"version"`
}

func decodeAssessment(t *testing.T, rec *httptest.ResponseRecorder) apiAssessment {
	t.Helper()
	var a apiAssessment
	dec := json.NewDecoder(strings.NewReader(rec.Body.String()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("assessment %s: %v", rec.Body, err)
	}
	return a
}

// TestFacilitatorAPI walks an assessment through the API: create, list, get with its
// counts, close, reopen, delete.
func TestFacilitatorAPI(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("api@example.org", "Api")
	token, _ := e.newAPIToken(f, "script")

	rec := e.bearer(http.MethodPost, "/api/v1/assessments", token, map[string]any{"title": "API round", "team": "Ward 5", "threshold": 4, "language": "fr"})
	if rec.Code != http.StatusCreated {
		t.Fatalf("create = %d %s", rec.Code, rec.Body)
	}
	assertNoStore(t, rec)
	a := decodeAssessment(t, rec)
	if a.ID <= 0 || len(a.Code) != assessment.JoinCodeLength || a.JoinURL != testBaseURL+"/j/"+a.Code || a.Status != "open" ||
		a.Title != "API round" || a.Team != "Ward 5" || a.Threshold != 4 || a.Language != "fr" || a.Round != 1 || a.ClosedAt != nil ||
		a.InstrumentVersion != e.in.Version || len(a.Responses) != 3 {
		t.Errorf("created %+v", a)
	}
	stored := e.storedAssessment(a.ID)
	if stored == nil || stored.FacilitatorID == nil || *stored.FacilitatorID != f.ID || stored.Code != a.Code {
		t.Fatalf("stored %+v", stored)
	}
	// Defaults: threshold 3, English.
	rec = e.bearer(http.MethodPost, "/api/v1/assessments", token, map[string]any{"title": "Defaults", "team": "Ward 6"})
	if d := decodeAssessment(t, rec); rec.Code != http.StatusCreated || d.Threshold != 3 || d.Language != "en" {
		t.Errorf("defaults: %d %+v", rec.Code, d)
	}

	rec = e.bearer(http.MethodGet, "/api/v1/assessments", token, nil)
	var list []apiAssessment
	decodeJSON(t, rec.Body.Bytes(), &list)
	if rec.Code != http.StatusOK || len(list) != 2 {
		t.Errorf("list = %d %s", rec.Code, rec.Body)
	}

	e.createResponse(e.completeBody(a.Code, pillars.PatientPartners))
	e.createResponse(map[string]any{"code": a.Code, "pillar": pillars.Staff, "answers": map[string]string{"S-01": "no"}})
	path := "/api/v1/assessments/" + strconv.FormatInt(a.ID, 10)
	rec = e.bearer(http.MethodGet, path, token, nil)
	got := decodeAssessment(t, rec)
	if rec.Code != http.StatusOK || got.Responses[pillars.PatientPartners] != (countsJSON{Submitted: 1}) ||
		got.Responses[pillars.Staff] != (countsJSON{Drafts: 1}) || got.Responses[pillars.Leadership] != (countsJSON{}) {
		t.Errorf("get = %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(rec.Body.String(), `"patient_partners":{"submitted":1,"drafts":0}`) {
		t.Errorf("counts not in the documented shape: %s", rec.Body)
	}

	rec = e.bearer(http.MethodPost, path+"/close", token, nil)
	if got := decodeAssessment(t, rec); rec.Code != http.StatusOK || got.Status != "closed" || got.ClosedAt == nil {
		t.Errorf("close = %d %s", rec.Code, rec.Body)
	}
	if s := e.storedAssessment(a.ID); s.Status != assessment.Closed {
		t.Errorf("stored status after close %s", s.Status)
	}
	rec = e.bearer(http.MethodPost, path+"/reopen", token, nil)
	if got := decodeAssessment(t, rec); rec.Code != http.StatusOK || got.Status != "open" || got.ClosedAt != nil {
		t.Errorf("reopen = %d %s", rec.Code, rec.Body)
	}
	rec = e.bearer(http.MethodDelete, path, token, nil)
	if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Errorf("delete = %d %q", rec.Code, rec.Body)
	}
	if e.storedAssessment(a.ID) != nil {
		t.Error("deleted assessment still stored")
	}
	for _, req := range []struct{ method, path string }{{http.MethodGet, path}, {http.MethodDelete, path}, {http.MethodPost, path + "/close"}} {
		rec := e.bearer(req.method, req.path, token, nil)
		if rec.Code != http.StatusNotFound || decodeAPIError(t, rec).Error.Code != "not_found" {
			t.Errorf("%s %s after delete = %d", req.method, req.path, rec.Code)
		}
	}
	want := []string{assessment.AuditCreate, assessment.AuditCreate, assessment.AuditClose, assessment.AuditReopen, assessment.AuditDelete}
	if got := e.auditActions(f); !slices.Equal(got, want) {
		t.Errorf("audit trail %v, want %v", got, want)
	}
}

// TestFacilitatorAPIErrors: validation, body and authentication errors of the
// facilitator API, each in the JSON error shape, and nothing stored.
func TestFacilitatorAPIErrors(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("err@example.org", "Err")
	token, _ := e.newAPIToken(f, "script")
	send := func(contentType, body string, auth string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, testBaseURL+"/api/v1/assessments", strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		return e.serve(req)
	}
	const js = "application/json"
	auth := "Bearer " + token
	for _, tc := range []struct {
		name, contentType, body, auth string
		status                        int
		code                          string
		fields                        []string
	}{
		{"missing title", js, `{"team":"T"}`, auth, 422, "validation_failed", []string{"title"}},
		{"everything missing", js, `{}`, auth, 422, "validation_failed", []string{"team", "title"}},
		{"threshold 0", js, `{"title":"T","team":"X","threshold":0}`, auth, 422, "validation_failed", []string{"threshold"}},
		{"threshold 21", js, `{"title":"T","team":"X","threshold":21}`, auth, 422, "validation_failed", []string{"threshold"}},
		{"threshold 2 unconfirmed", js, `{"title":"T","team":"X","threshold":2}`, auth, 422, "validation_failed", []string{"threshold"}},
		{"language de", js, `{"title":"T","team":"X","language":"de"}`, auth, 422, "validation_failed", []string{"language"}},
		{"markup title", js, `{"title":"<b>T</b>","team":"X"}`, auth, 422, "validation_failed", []string{"title"}},
		{"bad JSON", js, `{"title":`, auth, 400, "malformed", nil},
		{"not an object", js, `["title"]`, auth, 400, "malformed", nil},
		{"threshold as text", js, `{"title":"T","team":"X","threshold":"3"}`, auth, 400, "malformed", nil},
		{"unknown field", js, `{"title":"T","team":"X","owner":1}`, auth, 400, "malformed", nil},
		{"trailing data", js, `{"title":"T","team":"X"} {}`, auth, 400, "malformed", nil},
		{"text/plain", "text/plain", `{"title":"T","team":"X"}`, auth, 415, "unsupported_media_type", nil},
		{"form encoded", "application/x-www-form-urlencoded", `title=T&team=X`, auth, 415, "unsupported_media_type", nil},
		{"no content type", "", `{"title":"T","team":"X"}`, auth, 415, "unsupported_media_type", nil},
		{"no token", js, `{"title":"T","team":"X"}`, "", 401, "unauthorized", nil},
		{"empty bearer", js, `{"title":"T","team":"X"}`, "Bearer ", 401, "unauthorized", nil},
		{"malformed token", js, `{"title":"T","team":"X"}`, "Bearer abc", 401, "unauthorized", nil},
		{"unknown token", js, `{"title":"T","team":"X"}`, "Bearer " + assessment.NewAPIToken(), 401, "unauthorized", nil},
		{"upper-case token", js, `{"title":"T","team":"X"}`, "Bearer ecat_" + strings.ToUpper(strings.TrimPrefix(token, "ecat_")), 401, "unauthorized", nil},
		{"basic scheme", js, `{"title":"T","team":"X"}`, "Basic " + token, 401, "unauthorized", nil},
		{"token without scheme", js, `{"title":"T","team":"X"}`, token, 401, "unauthorized", nil},
	} {
		rec := send(tc.contentType, tc.body, tc.auth)
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d; body %s", tc.name, rec.Code, tc.status, rec.Body)
			continue
		}
		reply := decodeAPIError(t, rec)
		if reply.Error.Code != tc.code {
			t.Errorf("%s: code %q, want %q", tc.name, reply.Error.Code, tc.code)
		}
		if got := sortedKeys(reply.Error.Fields); !slices.Equal(got, tc.fields) && (len(got) != 0 || len(tc.fields) != 0) {
			t.Errorf("%s: fields %v, want %v", tc.name, got, tc.fields)
		}
		if tc.name == "threshold 2 unconfirmed" && reply.Error.Fields["threshold"].Code != assessment.CodeConfirm {
			t.Errorf("%s: threshold code %q", tc.name, reply.Error.Fields["threshold"].Code)
		}
		if tc.status == 401 && rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate", tc.name)
		}
		assertNoStore(t, rec)
		if n := e.countRows("assessments") + e.countRows("audit_events"); n != 0 {
			t.Errorf("%s: %d assessments or audit events stored", tc.name, n)
		}
	}
	// The scheme is case-insensitive; a confirmed low threshold is accepted.
	rec := send(js, `{"title":"T","team":"X","threshold":2,"confirm_low_threshold":true}`, "bearer "+token)
	if rec.Code != http.StatusCreated || decodeAssessment(t, rec).Threshold != 2 {
		t.Errorf("confirmed low threshold, lower-case scheme: %d %s", rec.Code, rec.Body)
	}
}
