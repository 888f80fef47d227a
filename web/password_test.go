package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/survey"
)

// changeForm is the password form's fields.
func changeForm(current, next, confirm string) url.Values {
	return url.Values{"current_password": {current}, "password": {next}, "password_confirm": {confirm}}
}

// The account's password page: linked from the facilitator menu, its mistakes shown next
// to their fields (422, nothing changed, no password sent back), and a change that ends
// the account's other sessions, keeps this browser signed in under a new session id,
// writes its line in the activity trail and says it is done.
func TestChangePasswordPage(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("pat@example.org", "Pat")
	b := e.signedIn(f)
	other := e.signedIn(f) // the same account signed in on another computer

	if body := b.get("/dashboard").Body.String(); !strings.Contains(body, `<a href="/account/password">`+e.tmpl.Message("en", "nav.password")+`</a>`) {
		t.Error("the facilitator menu does not link the password page")
	}
	for _, lang := range []string{"en", "fr"} {
		rec := b.get("/account/password?lang=" + lang)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d", lang, rec.Code)
		}
		body := rec.Body.String()
		e.assertText(t, body, lang, "password.heading")
		for _, want := range []string{`id="current_password" name="current_password" type="password" autocomplete="current-password"`,
			`id="password" name="password" type="password" autocomplete="new-password" minlength="12" aria-describedby="password-hint"`,
			`id="password_confirm" name="password_confirm" type="password" autocomplete="new-password"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the form lacks %s", lang, want)
			}
		}
	}

	const next = "a fresh pass phrase 42"
	for _, c := range []struct {
		name    string
		form    url.Values
		targets string
		texts   []string
	}{
		{"wrong current password", changeForm("not my password at all", next, next), "current_password", []string{"password.wrong"}},
		{"no current password", changeForm("", next, next), "current_password", []string{"field.required"}},
		{"new one too short, confirmation differs", changeForm(testPassword, "short", "shirt"), "password,password_confirm",
			[]string{"field.too_short", "field.password_mismatch"}},
	} {
		before := e.allTablesChecksum()
		rec := b.postForm("/account/password", c.form)
		if rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("%s: status %d, want 422", c.name, rec.Code)
		}
		if e.allTablesChecksum() != before {
			t.Fatalf("%s: the database changed", c.name)
		}
		body := rec.Body.String()
		if got := strings.Join(errorSummary(t, body), ","); got != c.targets {
			t.Errorf("%s: error summary targets %s, want %s", c.name, got, c.targets)
		}
		for _, key := range c.texts {
			e.assertText(t, body, "en", key)
		}
		first := strings.Split(c.targets, ",")[0]
		if !strings.Contains(body, `<p class="error" id="err-`+first+`">`) || !strings.Contains(body, `aria-describedby="err-`+first+`" aria-invalid="true"`) &&
			!strings.Contains(body, `aria-describedby="password-hint err-password" aria-invalid="true"`) {
			t.Errorf("%s: the error is not next to its field", c.name)
		}
		for _, typed := range []string{"not my password at all", next, testPassword, "shirt"} {
			if strings.Contains(body, typed) {
				t.Errorf("%s: a password was sent back in the page", c.name)
			}
		}
	}
	if b.get("/dashboard").Code != http.StatusOK || other.get("/dashboard").Code != http.StatusOK {
		t.Fatal("a refused change signed a browser out")
	}

	oldSession := b.sessionValue()
	rec := b.postForm("/account/password", changeForm(testPassword, next, next))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/account/password?done=1" {
		t.Fatalf("change: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if b.sessionValue() == oldSession || b.sessionValue() == "" {
		t.Error("this browser's session id did not change")
	}
	done := b.get("/account/password?done=1")
	if done.Code != http.StatusOK {
		t.Fatalf("after the change this browser is signed out: %d", done.Code)
	}
	e.assertText(t, done.Body.String(), "en", "password.done")
	if rec := other.get("/dashboard"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("the other computer is still signed in: %d", rec.Code)
	}
	stale := e.newBrowser()
	stale.setSession(oldSession)
	if rec := stale.get("/dashboard"); rec.Code != http.StatusSeeOther {
		t.Errorf("a copy of the old session cookie still opens the account: %d", rec.Code)
	}
	stored, err := e.store.FacilitatorByEmail(t.Context(), f.Email)
	if err != nil || !survey.CheckPassword(stored.PasswordHash, next) || survey.CheckPassword(stored.PasswordHash, testPassword) {
		t.Errorf("stored password not changed (%v)", err)
	}
	if trail := e.auditActions(f); len(trail) == 0 || trail[len(trail)-1] != assessment.AuditPasswordChanged {
		t.Errorf("activity trail %v, want the change last", trail)
	}
	if body := b.get("/account/activity").Body.String(); !strings.Contains(body, e.tmpl.Message("en", "audit.password_change")) {
		t.Error("the activity page does not show the change")
	}
	if rec := e.newBrowser().loginFrom("", f.Email, next, ""); rec.Code != http.StatusSeeOther {
		t.Errorf("signing in with the new password: %d", rec.Code)
	}
}

// Wrong current passwords count as failed sign-ins of the account from that address: the
// sixth within the window is refused without checking (429, Retry-After), the right
// password included, and the sign-in form is refused from there too.
func TestChangePasswordThrottled(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("guess@example.org", "Gus")
	b := e.signedIn(f)
	post := func(form url.Values) *httptest.ResponseRecorder {
		form.Set("_csrf", b.ensureCSRF())
		req := httptest.NewRequest(http.MethodPost, testBaseURL+"/account/password", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = "203.0.113.7:4000"
		return b.do(req)
	}
	for i := range 5 {
		if rec := post(changeForm("guess number "+string(rune('a'+i))+" here", "a fresh pass phrase 42", "a fresh pass phrase 42")); rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d: status %d, want 422", i+1, rec.Code)
		}
	}
	before := e.allTablesChecksum()
	rec := post(changeForm(testPassword, "a fresh pass phrase 42", "a fresh pass phrase 42"))
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("sixth attempt: status %d, Retry-After %q; want 429 with a wait", rec.Code, rec.Header().Get("Retry-After"))
	}
	if e.allTablesChecksum() != before {
		t.Error("a throttled change changed the database")
	}
	e.assertText(t, rec.Body.String(), "en", "login.too_many")
	if rec := e.newBrowser().loginFrom("203.0.113.7:4001", f.Email, testPassword, ""); rec.Code != http.StatusTooManyRequests {
		t.Errorf("signing in after the guesses: %d, want 429", rec.Code)
	}
	// From elsewhere the account is not locked out.
	if rec := e.newBrowser().loginFrom("198.51.100.20:4000", f.Email, testPassword, ""); rec.Code != http.StatusSeeOther {
		t.Errorf("signing in from another address: %d, want 303", rec.Code)
	}
}
