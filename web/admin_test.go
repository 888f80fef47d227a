package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
)

// Tests of the accounts pages, the one-time account links and handing an assessment
// over. TestFacilitatorAuthorizationMatrix sees every /admin route refused to
// facilitators; TestAdminRoutesAreAdminOnly tries each as nobody, a facilitator and an
// admin.

var accountLinkRE = regexp.MustCompile(`<code id="account-link">` + regexp.QuoteMeta(testBaseURL) + `/account/link/([0-9a-z]{26})</code>`)

// linkFromPage takes the one-time link's token out of the accounts page.
func linkFromPage(t *testing.T, body string) string {
	t.Helper()
	m := accountLinkRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no account link on the page:\n%s", body)
	}
	return m[1]
}

// accountByEmail reads an account back.
func (e *testEnv) accountByEmail(email string) *assessment.Facilitator {
	e.t.Helper()
	f, err := e.store.FacilitatorByEmail(e.t.Context(), email)
	if err != nil {
		e.t.Fatalf("account %s: %v", email, err)
	}
	return f
}

// TestAdminRoutesAreAdminOnly is generated from the router: every /admin route, sent by
// nobody (a GET goes to sign-in, a POST is 403), by a facilitator (403, the admins-only
// page, nothing changed) and by an admin (what the route does).
func TestAdminRoutesAreAdminOnly(t *testing.T) {
	e := newTestEnv(t)
	admin := e.newAdmin("boss@example.org", "Bea Boss")
	plain := e.newFacilitator("plain@example.org", "Pat Plain")
	table := map[string]struct {
		form  url.Values
		admin int
	}{
		"GET /admin/accounts":                      {admin: http.StatusOK},
		"POST /admin/accounts":                     {form: url.Values{"email": {"new@example.org"}, "name": {"New"}, "role": {"facilitator"}}, admin: http.StatusCreated},
		"POST /admin/accounts/:account/link":       {admin: http.StatusCreated},
		"POST /admin/accounts/:account/role":       {form: url.Values{"role": {"admin"}}, admin: http.StatusSeeOther},
		"POST /admin/accounts/:account/deactivate": {admin: http.StatusSeeOther},
		"POST /admin/accounts/:account/reactivate": {admin: http.StatusSeeOther},
	}
	seen := map[string]bool{}
	n := 0
	for _, r := range e.srv.Routes() {
		if !strings.HasPrefix(r.Path, "/admin") || !isHTTPMethod(r.Method) {
			continue
		}
		key := r.Method + " " + r.Path
		seen[key] = true
		c, ok := table[key]
		if !ok {
			t.Errorf("admin route %s is not in this test: add what an admin gets", key)
			continue
		}
		t.Run(strings.NewReplacer(" ", "_", "/", "_", ":", "").Replace(key), func(t *testing.T) {
			method, pattern, _ := strings.Cut(key, " ")
			n++
			subject := e.newFacilitator("subject"+strconv.Itoa(n)+"@example.org", "Sam Subject")
			path := strings.Replace(pattern, ":account", strconv.FormatInt(subject.ID, 10), 1)
			send := func(b *browser) *httptest.ResponseRecorder {
				t.Helper()
				var rec *httptest.ResponseRecorder
				if method == http.MethodGet {
					rec = b.get(path)
				} else {
					rec = b.postForm(path, c.form)
				}
				assertSecurityHeaders(t, rec)
				assertNoStore(t, rec)
				return rec
			}
			before := e.allTablesChecksum()
			anon := e.newBrowser()
			anon.ensureCSRF()
			rec := send(anon)
			if method == http.MethodGet {
				if want := "/login?next=" + url.QueryEscape(path); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != want {
					t.Errorf("nobody: %d to %q, want 303 to %q", rec.Code, rec.Header().Get("Location"), want)
				}
			} else if rec.Code != http.StatusForbidden {
				t.Errorf("nobody: status %d, want 403", rec.Code)
			} else {
				e.assertErrorPage(t, rec, "sign_in_required")
			}
			if e.allTablesChecksum() != before {
				t.Error("the request without a session changed the database")
			}
			pb := e.signedIn(plain)
			before = e.allTablesChecksum() // signing in wrote a session
			rec = send(pb)
			if rec.Code != http.StatusForbidden {
				t.Errorf("facilitator: status %d, want 403", rec.Code)
			} else {
				e.assertErrorPage(t, rec, "admin_only")
			}
			if strings.Contains(rec.Body.String(), subject.Email) {
				t.Error("the facilitator's 403 page names the account")
			}
			if e.allTablesChecksum() != before {
				t.Error("the facilitator's request changed the database")
			}
			if pattern == "/admin/accounts/:account/reactivate" {
				if _, err := e.store.Deactivate(t.Context(), subject.ID, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			rec = send(e.signedIn(admin))
			if rec.Code != c.admin {
				t.Errorf("admin: status %d, want %d; body %.500s", rec.Code, c.admin, rec.Body)
			}
		})
	}
	for key := range table {
		if !seen[key] {
			t.Errorf("this test lists %s, which the router does not have", key)
		}
	}
}

// TestAccountsPage: the list shows every account with its role and state; the menu
// leads admins to it, and nobody else.
func TestAccountsPage(t *testing.T) {
	e := newTestEnv(t)
	admin := e.newAdmin("boss@example.org", "Bea Boss")
	plain := e.newFacilitator("plain@example.org", "Pat O'Plain")
	gone := e.newFacilitator("gone@example.org", "Gil Gone")
	if _, err := e.store.Deactivate(t.Context(), gone.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	invited := &assessment.Facilitator{Email: "new@example.org", Name: "Nia New", Role: assessment.RoleFacilitator}
	if err := e.store.CreateFacilitator(t.Context(), invited); err != nil {
		t.Fatal(err)
	}

	for _, lang := range []string{"en", "fr"} {
		rec := e.signedIn(admin).get("/admin/accounts?lang=" + lang)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: accounts page %d", lang, rec.Code)
		}
		body := rec.Body.String()
		for _, f := range []*assessment.Facilitator{admin, plain, gone, invited} {
			if !strings.Contains(body, escaped(t, f.Name)) || !strings.Contains(body, f.Email) {
				t.Errorf("%s: the page lacks %s", lang, f.Email)
			}
		}
		for _, key := range []string{"accounts.heading", "accounts.lead", "accounts.role.admin", "accounts.role.facilitator",
			"accounts.state.active", "accounts.state.deactivated", "accounts.state.invited", "accounts.last_admin",
			"accounts.reactivate", "accounts.new_invite_link", "accounts.reset_link", "accounts.invite_heading", "nav.accounts"} {
			e.assertText(t, body, lang, key)
		}
		// The only admin is offered neither a demotion nor a deactivation of their own.
		self := "/admin/accounts/" + strconv.FormatInt(admin.ID, 10) + "/"
		if strings.Contains(body, self+"role") || strings.Contains(body, self+"deactivate") {
			t.Errorf("%s: the last admin is offered to step down", lang)
		}
	}
	for who, f := range map[string]*assessment.Facilitator{"admin": admin, "facilitator": plain} {
		body := e.signedIn(f).get("/dashboard").Body.String()
		if got := strings.Contains(body, `href="/admin/accounts"`); got != (who == "admin") {
			t.Errorf("%s's menu leads to the accounts: %v", who, got)
		}
	}
}

// TestInvitationThroughThePages: an admin invites someone and gets the link once; the
// form's problems are listed; the invitee opens the link signed out, is refused a
// mistyped password, chooses one and is signed in; the link is then spent.
func TestInvitationThroughThePages(t *testing.T) {
	e := newTestEnv(t)
	admin := e.newAdmin("boss@example.org", "Bea Boss")
	ab := e.signedIn(admin)

	rec := ab.postForm("/admin/accounts", url.Values{"email": {"not an address"}, "name": {""}, "role": {"owner"}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("a bad invitation: %d", rec.Code)
	}
	for _, key := range []string{"field.email_invalid", "field.required", "accounts.role_invalid"} {
		e.assertText(t, rec.Body.String(), "en", key)
	}
	for _, target := range []string{"#invite-email", "#invite-name", "#invite-role"} {
		if !strings.Contains(rec.Body.String(), `href="`+target+`"`) {
			t.Errorf("the error summary does not lead to %s", target)
		}
	}
	rec = ab.postForm("/admin/accounts", url.Values{"email": {"BOSS@example.org"}, "name": {"Copy"}, "role": {"admin"}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("a taken e-mail: %d", rec.Code)
	}
	e.assertText(t, rec.Body.String(), "en", "accounts.email_taken")

	rec = ab.postForm("/admin/accounts", url.Values{"email": {"nia@example.org"}, "name": {"Nia New"}, "role": {"admin"}})
	if rec.Code != http.StatusCreated {
		t.Fatalf("invite: %d %s", rec.Code, rec.Body)
	}
	e.assertText(t, rec.Body.String(), "en", "accounts.invite_link_heading")
	token := linkFromPage(t, rec.Body.String())
	if f := e.accountByEmail("nia@example.org"); f.PasswordHash != "" || f.Role != assessment.RoleAdmin {
		t.Errorf("the invited account: %+v", f)
	}
	if body := ab.get("/admin/accounts").Body.String(); strings.Contains(body, token) {
		t.Error("the link shows again on the list")
	}

	nb := e.newBrowser()
	rec = nb.get("/account/link/" + token)
	if rec.Code != http.StatusOK {
		t.Fatalf("the invitation page: %d", rec.Code)
	}
	assertNoStore(t, rec)
	e.assertText(t, rec.Body.String(), "en", "account_link.invite_heading")
	if !strings.Contains(rec.Body.String(), "Nia New") || strings.Contains(rec.Body.String(), `nav class="account"`) {
		t.Errorf("the invitation page:\n%s", rec.Body)
	}
	rec = nb.postForm("/account/link/"+token, url.Values{"password": {"a long new passphrase"}, "password_confirm": {"a long new passphrasE"}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("mistyped confirmation: %d", rec.Code)
	}
	e.assertText(t, rec.Body.String(), "en", "field.password_mismatch")
	rec = nb.postForm("/account/link/"+token, url.Values{"password": {"short"}, "password_confirm": {"short"}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("short password: %d", rec.Code)
	}
	rec = nb.postForm("/account/link/"+token, url.Values{"password": {"a long new passphrase"}, "password_confirm": {"a long new passphrase"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard" || nb.sessionValue() == "" {
		t.Fatalf("choosing the password: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := nb.get("/admin/accounts"); rec.Code != http.StatusOK {
		t.Errorf("the new admin's accounts page: %d", rec.Code)
	}
	for _, r := range []*httptest.ResponseRecorder{e.newBrowser().get("/account/link/" + token), e.newBrowser().get("/account/link/" + assessment.NewResumeToken()), e.newBrowser().get("/account/link/nope")} {
		if r.Code != http.StatusNotFound {
			t.Errorf("a spent or unknown link: %d, want 404", r.Code)
		}
	}
	if rec := e.newBrowser().loginFrom("", "nia@example.org", "a long new passphrase", ""); rec.Code != http.StatusSeeOther {
		t.Errorf("signing in with the chosen password: %d", rec.Code)
	}
	if got := e.auditActions(e.accountByEmail("nia@example.org")); len(got) == 0 || got[0] != assessment.AuditInviteAccepted {
		t.Errorf("the invitee's trail: %v", got)
	}
}

// TestDeactivationThroughThePages: a deactivated facilitator is signed out, cannot sign
// in (the same answer as a wrong password), and their token stops working; the last
// admin is refused with 409; reactivated, the account signs in again.
func TestDeactivationThroughThePages(t *testing.T) {
	e := newTestEnv(t)
	admin := e.newAdmin("boss@example.org", "Bea Boss")
	f := e.newFacilitator("leaving@example.org", "Lee Leaving")
	token, _ := e.newAPIToken(f, "script")
	fb := e.signedIn(f)
	ab := e.signedIn(admin)
	id := strconv.FormatInt(f.ID, 10)

	for _, path := range []string{"/admin/accounts/" + strconv.FormatInt(admin.ID, 10) + "/deactivate", "/admin/accounts/" + strconv.FormatInt(admin.ID, 10) + "/role"} {
		before := e.allTablesChecksum()
		rec := ab.postForm(path, url.Values{"role": {"facilitator"}})
		if rec.Code != http.StatusConflict {
			t.Errorf("%s on the last admin: %d, want 409", path, rec.Code)
		}
		e.assertText(t, rec.Body.String(), "en", "accounts.last_admin_refused")
		if e.allTablesChecksum() != before {
			t.Errorf("%s on the last admin changed the database", path)
		}
	}

	rec := ab.postForm("/admin/accounts/"+id+"/deactivate", nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/admin/accounts?done=deactivated&account="+id {
		t.Fatalf("deactivate: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	e.assertText(t, ab.get(rec.Header().Get("Location")).Body.String(), "en", "accounts.done_deactivated")
	if rec := fb.get("/dashboard"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("the deactivated account's session: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := e.bearer(http.MethodGet, "/api/v1/assessments", token, nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("the deactivated account's token: %d, want 401", rec.Code)
	}
	right := e.newBrowser().loginFrom("198.51.100.1:1", f.Email, testPassword, "")
	wrong := e.newBrowser().loginFrom("198.51.100.2:1", f.Email, "not the password", "")
	if right.Code != http.StatusUnauthorized || wrong.Code != right.Code {
		t.Errorf("sign-in of a deactivated account: %d (wrong password: %d), want 401 both", right.Code, wrong.Code)
	}
	e.assertText(t, right.Body.String(), "en", "login.failed")

	rec = ab.postForm("/admin/accounts/"+id+"/reactivate", nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("reactivate: %d", rec.Code)
	}
	if rec := e.newBrowser().loginFrom("198.51.100.3:1", f.Email, testPassword, ""); rec.Code != http.StatusSeeOther {
		t.Errorf("sign-in after reactivation: %d", rec.Code)
	}
	rec = ab.postForm("/admin/accounts/"+id+"/role", url.Values{"role": {"admin"}})
	if rec.Code != http.StatusSeeOther || e.accountByEmail(f.Email).Role != assessment.RoleAdmin {
		t.Fatalf("promote: %d", rec.Code)
	}
	if rec := ab.postForm("/admin/accounts/"+id+"/role", url.Values{"role": {"owner"}}); rec.Code != http.StatusBadRequest {
		t.Errorf("a role that is none: %d, want 400", rec.Code)
	}
	// Two admins now: the first steps down, and is sent to the dashboard.
	rec = ab.postForm("/admin/accounts/"+strconv.FormatInt(admin.ID, 10)+"/role", url.Values{"role": {"facilitator"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard" {
		t.Errorf("stepping down: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := ab.get("/admin/accounts"); rec.Code != http.StatusForbidden {
		t.Errorf("the former admin's accounts page: %d, want 403", rec.Code)
	}
	got := e.auditActions(admin)
	for _, want := range []string{assessment.AuditAccountDeactivated, assessment.AuditAccountReactivated, assessment.AuditRoleAdmin, assessment.AuditRoleFacilitator} {
		if !strings.Contains(strings.Join(got, " "), want) {
			t.Errorf("the admin's trail %v lacks %s", got, want)
		}
	}
}

// TestResetLinkThroughThePages: an admin makes a reset link for a facilitator who
// forgot their password; using it ends their other sessions and signs them in.
func TestResetLinkThroughThePages(t *testing.T) {
	e := newTestEnv(t)
	admin := e.newAdmin("boss@example.org", "Bea Boss")
	f := e.newFacilitator("forgot@example.org", "Flo Forgot")
	old := e.signedIn(f)
	rec := e.signedIn(admin).postForm("/admin/accounts/"+strconv.FormatInt(f.ID, 10)+"/link", nil)
	if rec.Code != http.StatusCreated {
		t.Fatalf("reset link: %d", rec.Code)
	}
	e.assertText(t, rec.Body.String(), "en", "accounts.reset_link_heading")
	e.assertText(t, rec.Body.String(), "en", "accounts.lead") // ecat sends no e-mail
	token := linkFromPage(t, rec.Body.String())
	b := e.newBrowser()
	rec = b.get("/account/link/" + token + "?lang=fr")
	if rec.Code != http.StatusOK {
		t.Fatalf("reset page: %d", rec.Code)
	}
	e.assertText(t, rec.Body.String(), "fr", "account_link.reset_heading")
	rec = b.postForm("/account/link/"+token, url.Values{"password": {"remembered at last"}, "password_confirm": {"remembered at last"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("reset: %d %s", rec.Code, rec.Body)
	}
	if rec := old.get("/dashboard"); rec.Code != http.StatusSeeOther {
		t.Errorf("the session from before the reset: %d, want a redirect to sign in", rec.Code)
	}
	if rec := b.get("/dashboard"); rec.Code != http.StatusOK {
		t.Errorf("the session the reset started: %d", rec.Code)
	}
}

// TestHandOverThroughThePages: the owner's assessment page offers the hand-over, a
// viewer's does not; an e-mail of no active account is 422 naming the field; the
// hand-over moves the assessment, and the former owner no longer finds it.
func TestHandOverThroughThePages(t *testing.T) {
	e := newTestEnv(t)
	admin := e.newAdmin("boss@example.org", "Bea Boss")
	owner := e.newFacilitator("owner@example.org", "Olive Owner")
	next := e.newFacilitator("next@example.org", "Nat Next")
	viewer := e.newFacilitator("viewer@example.org", "Vera Viewer")
	gone := e.newFacilitator("gone@example.org", "Gil Gone")
	if _, err := e.store.Deactivate(t.Context(), gone.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	a := e.ownedAssessment(owner, "Olive's spring round")
	e.share(a, viewer, assessment.MemberViewer)
	page := "/assessments/" + strconv.FormatInt(a.ID, 10)
	ob := e.signedIn(owner)

	if body := ob.get(page).Body.String(); !strings.Contains(body, `action="`+page+`/handover"`) {
		t.Error("the owner's assessment page offers no hand-over")
	}
	if body := e.signedIn(admin).get(page).Body.String(); !strings.Contains(body, `action="`+page+`/handover"`) {
		t.Error("the admin's assessment page offers no hand-over")
	}
	if body := e.signedIn(viewer).get(page).Body.String(); strings.Contains(body, "/handover") {
		t.Error("a viewer is offered the hand-over")
	}
	for email, key := range map[string]string{"nobody@example.org": "handover.email_unknown", gone.Email: "handover.email_unknown",
		owner.Email: "handover.email_owner", "": "field.required"} {
		before := e.allTablesChecksum()
		rec := ob.postForm(page+"/handover", url.Values{"email": {email}})
		if rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("hand over to %q: %d, want 422", email, rec.Code)
			continue
		}
		e.assertText(t, rec.Body.String(), "en", key)
		if !strings.Contains(rec.Body.String(), `href="#handover-email"`) || !strings.Contains(rec.Body.String(), `name="email"`) {
			t.Errorf("hand over to %q: the error does not lead to the e-mail field", email)
		}
		if e.allTablesChecksum() != before {
			t.Errorf("hand over to %q changed the database", email)
		}
	}
	if rec := e.signedIn(viewer).postForm(page+"/handover", url.Values{"email": {viewer.Email}}); rec.Code != http.StatusForbidden {
		t.Errorf("a viewer's hand-over: %d, want 403", rec.Code)
	}

	rec := ob.postForm(page+"/handover", url.Values{"email": {"NEXT@example.org"}})
	if rec.Code != http.StatusOK {
		t.Fatalf("hand over: %d %s", rec.Code, rec.Body)
	}
	e.assertText(t, rec.Body.String(), "en", "handover.done")
	if strings.Contains(rec.Body.String(), `href="`+page+`"`) {
		t.Error("the former owner is sent back to an assessment that is no longer theirs")
	}
	if got := e.storedAssessment(a.ID); *got.FacilitatorID != next.ID {
		t.Errorf("the assessment belongs to %d, want %d", *got.FacilitatorID, next.ID)
	}
	if rec := ob.get(page); rec.Code != http.StatusNotFound {
		t.Errorf("the former owner's view: %d, want 404", rec.Code)
	}
	if body := e.signedIn(next).get("/dashboard").Body.String(); !strings.Contains(body, escaped(t, a.Title)) {
		t.Error("the new owner's dashboard lacks the assessment")
	}
	// An admin hands it back, and keeps their way back to it.
	rec = e.signedIn(admin).postForm(page+"/handover", url.Values{"email": {owner.Email}})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `href="`+page+`"`) {
		t.Errorf("the admin's hand-over: %d", rec.Code)
	}
	for _, lang := range []string{"en", "fr"} {
		body := e.signedIn(owner).get("/account/activity?lang=" + lang).Body.String()
		e.assertText(t, body, lang, "audit.assessment_hand_over")
		e.assertText(t, body, lang, "audit.assessment_received")
	}
}

// TestAccountChangesOnTheActivityPage: each account change reads in words, in English
// and French, on the admin's activity page.
func TestAccountChangesOnTheActivityPage(t *testing.T) {
	e := newTestEnv(t)
	admin := e.newAdmin("boss@example.org", "Bea Boss")
	f := e.newFacilitator("pat@example.org", "Pat")
	ab := e.signedIn(admin)
	id := strconv.FormatInt(f.ID, 10)
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{"/admin/accounts", url.Values{"email": {"nia@example.org"}, "name": {"Nia"}, "role": {"facilitator"}}},
		{"/admin/accounts/" + id + "/role", url.Values{"role": {"admin"}}},
		{"/admin/accounts/" + id + "/role", url.Values{"role": {"facilitator"}}},
		{"/admin/accounts/" + id + "/link", nil},
		{"/admin/accounts/" + id + "/deactivate", nil},
		{"/admin/accounts/" + id + "/reactivate", nil},
	} {
		if rec := ab.postForm(step.path, step.form); rec.Code >= 400 {
			t.Fatalf("%s: %d", step.path, rec.Code)
		}
	}
	for _, lang := range []string{"en", "fr"} {
		body := ab.get("/account/activity?lang=" + lang).Body.String()
		for _, action := range []string{assessment.AuditAccountInvited, assessment.AuditRoleAdmin, assessment.AuditRoleFacilitator,
			assessment.AuditResetLinkCreated, assessment.AuditAccountDeactivated, assessment.AuditAccountReactivated} {
			e.assertText(t, body, lang, "audit."+action)
		}
		if !strings.Contains(body, "pat@example.org") || !strings.Contains(body, "nia@example.org") {
			t.Errorf("%s: the trail does not name the accounts changed", lang)
		}
	}
}

// TestAdminDashboardNamesOwners: an admin's dashboard lists the others' teams with
// whose they are; a facilitator's own list names no owner.
func TestAdminDashboardNamesOwners(t *testing.T) {
	e := newTestEnv(t)
	admin := e.newAdmin("boss@example.org", "Bea Boss")
	owner := e.newFacilitator("owner@example.org", "Olive Owner")
	e.ownedAssessment(owner, "Olive's round")
	e.ownedAssessment(admin, "Bea's own round")
	for _, lang := range []string{"en", "fr"} {
		body := e.signedIn(admin).get("/dashboard?lang=" + lang).Body.String()
		if want := escaped(t, strings.Replace(e.tmpl.Message(lang, "dashboard.owner"), "%s", "Olive Owner", 1)); !strings.Contains(body, want) {
			t.Errorf("%s: the admin's dashboard does not say %q:\n%s", lang, want, body)
		}
		if strings.Contains(body, strings.Replace(e.tmpl.Message(lang, "dashboard.owner"), "%s", "Bea Boss", 1)) {
			t.Errorf("%s: the admin's own team names an owner", lang)
		}
	}
	body := e.signedIn(owner).get("/dashboard").Body.String()
	if strings.Contains(body, strings.Replace(e.tmpl.Message("en", "dashboard.owner"), "%s", "", 1)) {
		t.Error("a facilitator's dashboard names owners")
	}
}
