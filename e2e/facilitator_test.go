package e2e

// End-to-end journeys of a facilitator through the real ecat server: the
// one-time setup link, sign-out and sign-in, opening an assessment, its page
// with the join link, code, QR code and live completion table, the printable
// invitation, closing and reopening, API tokens, the activity trail and
// deleting. Run on a phone and on a laptop screen with JavaScript, on a phone
// without it, and checked with axe-core on every page and state they pass.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ecat-project/ecat/assessment"
)

const (
	facName     = "Dana Facilitator"
	facEmail    = "dana@example.org"
	facPassword = "correct horse battery staple"

	// facilitatorJourneyTimeout bounds the whole journey in one browser: it
	// waits for facilitator.js's own 15 s refresh on top of a dozen pages
	// and axe runs, on 2 shared cores with -race.
	facilitatorJourneyTimeout = 150 * time.Second
)

// startFacilitatorECAT starts a server (see startECAT; its own assessment
// belongs to nobody) and arms a one-time setup link, which it returns.
func startFacilitatorECAT(t *testing.T) (*ecatServer, string) {
	t.Helper()
	e := startECAT(t)
	tok := assessment.NewResumeToken()
	if err := e.store.SetSetupToken(context.Background(), assessment.HashToken(tok)); err != nil {
		t.Fatalf("set setup token: %v", err)
	}
	return e, e.URL + "/setup/" + tok
}

// mainSubmit is the submit button of the page's own form (not the nav's
// sign-out button).
const mainSubmit = `main form button[type=submit]`

// expectPath fails the test unless the tab shows path (query ignored).
func expectPath(t *testing.T, ctx context.Context, step, want string) {
	t.Helper()
	if path, _ := parseURL(t, currentURL(t, ctx)); path != want {
		t.Fatalf("%s: at %s, want %s", step, path, want)
	}
}

// expectStatus fails the test unless the page loaded with that status.
func expectStatus(t *testing.T, step string, got int64, want int) {
	t.Helper()
	if got != int64(want) {
		t.Fatalf("%s: status %d, want %d", step, got, want)
	}
}

// createAccount fills the setup form and lands on the dashboard.
func createAccount(t *testing.T, ctx context.Context, e *ecatServer) {
	t.Helper()
	typeInto(t, ctx, "#name", facName)
	typeInto(t, ctx, "#email", facEmail)
	typeInto(t, ctx, "#password", facPassword)
	typeInto(t, ctx, "#password_confirm", facPassword)
	expectStatus(t, "create the account", clickAndLoad(t, ctx, mainSubmit).Status, http.StatusOK)
	expectPath(t, ctx, "after creating the account", "/dashboard")
	if got, want := domText(t, ctx, "h1"), e.msg("dashboard.heading"); got != want {
		t.Errorf("dashboard h1 = %q, want %q", got, want)
	}
	if got, want := domText(t, ctx, "nav.account button[type=submit]"), e.msg("nav.sign_out", facName); got != want {
		t.Errorf("sign-out button = %q, want %q", got, want)
	}
}

// signOut presses the nav's sign-out button and lands on /login.
func signOut(t *testing.T, ctx context.Context, e *ecatServer) {
	t.Helper()
	expectStatus(t, "sign out", clickAndLoad(t, ctx, "nav.account button[type=submit]").Status, http.StatusOK)
	expectPath(t, ctx, "after signing out", "/login")
	if got, want := domText(t, ctx, "h1"), e.msg("login.heading"); got != want {
		t.Errorf("login h1 = %q, want %q", got, want)
	}
}

// signIn fills the sign-in form (the e-mail field must be empty) and
// returns the status of the page it lands on.
func signIn(t *testing.T, ctx context.Context, email, password string) int64 {
	t.Helper()
	typeInto(t, ctx, "#email", email)
	typeInto(t, ctx, "#password", password)
	return clickAndLoad(t, ctx, mainSubmit).Status
}

// openNewAssessment follows the nav's "New assessment" link.
func openNewAssessment(t *testing.T, ctx context.Context, e *ecatServer) {
	t.Helper()
	expectStatus(t, "new assessment", clickAndLoad(t, ctx, `nav.account a[href="/assessments/new"]`).Status, http.StatusOK)
	expectPath(t, ctx, "new assessment", "/assessments/new")
	if got, want := domText(t, ctx, "h1"), e.msg("new.heading"); got != want {
		t.Errorf("new assessment h1 = %q, want %q", got, want)
	}
}

// assessmentIDFrom returns the id of an /assessments/{id} URL.
func assessmentIDFrom(t *testing.T, raw string) int64 {
	t.Helper()
	path, _ := parseURL(t, raw)
	id, err := strconv.ParseInt(strings.TrimPrefix(path, "/assessments/"), 10, 64)
	if err != nil || !strings.HasPrefix(path, "/assessments/") {
		t.Fatalf("%s is not an assessment page", raw)
	}
	return id
}

// storedAssessment reads the assessment from the database.
func (e *ecatServer) storedAssessment(t *testing.T, id int64) *assessment.Assessment {
	t.Helper()
	a, err := e.store.Assessment(context.Background(), id)
	if err != nil {
		t.Fatalf("assessment %d: %v", id, err)
	}
	return a
}

// checkInvite checks the join link and code of an assessment page
// (DOM-domain reads only).
func checkInvite(t *testing.T, ctx context.Context, e *ecatServer, a *assessment.Assessment) {
	t.Helper()
	join := e.URL + "/j/" + a.Code
	if got := attrs(t, ctx, "main .invite .link-box a")["href"]; got != join {
		t.Errorf("join link href = %q, want %q", got, join)
	}
	if got := domText(t, ctx, "main .invite .link-box a"); got != join {
		t.Errorf("join link text = %q, want %q", got, join)
	}
	if got, want := domText(t, ctx, "main .invite .code"), assessment.FormatJoinCode(a.Code); got != want {
		t.Errorf("join code shown = %q, want %q", got, want)
	}
	if got := attrs(t, ctx, "main .qr-box svg")["role"]; got != "img" {
		t.Errorf("QR code svg role = %q, want img", got)
	}
}

// submitStaffResponse makes one staff member answer the whole checklist
// through the respondents' API, as the JSON client would.
func submitStaffResponse(t *testing.T, e *ecatServer, code string) {
	t.Helper()
	answers := map[string]string{}
	for i, it := range e.staff(t).Items() {
		answers[it.ID] = string(answerFor(i))
	}
	body, err := json.Marshal(map[string]any{
		"code": code, "pillar": "staff", "language": "en",
		"answers": answers, "reflections": map[string]string{},
		"strength":    map[string]string{"text": "We share huddles with patient partners.", "theme": e.in.Themes[0].Key},
		"opportunity": map[string]string{"text": "Tell patients what we changed.", "theme": e.in.Themes[1].Key},
		"submit":      true,
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(e.URL+"/api/v1/responses", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST /api/v1/responses: %v", err)
	}
	defer closeBody(t, resp.Body)
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(out), `"submitted"`) {
		t.Fatalf("POST /api/v1/responses: status %d, body %s; want 201 and a submitted response", resp.StatusCode, out)
	}
}

// apiAssessments lists the token's assessments through the facilitator API;
// it returns the status and, on 200, the ids.
func apiAssessments(t *testing.T, e *ecatServer, token string) (int, []int64) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.URL+"/api/v1/assessments", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /api/v1/assessments: %v", err)
	}
	defer closeBody(t, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	var list []struct {
		ID int64 `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatalf("GET /api/v1/assessments: %v", err)
	}
	ids := make([]int64, 0, len(list))
	for _, a := range list {
		ids = append(ids, a.ID)
	}
	return resp.StatusCode, ids
}

// TestFacilitatorJourney follows a facilitator with JavaScript, on a phone
// and on a laptop screen, from the setup link to deleting an assessment,
// with axe on every page and state.
func TestFacilitatorJourney(t *testing.T) {
	requireChrome(t)
	for _, vp := range []struct {
		name          string
		width, height int
	}{
		{"phone", phoneWidth, phoneHeight},
		{"desktop", 1280, 800},
	} {
		t.Run(vp.name, func(t *testing.T) {
			started := time.Now()
			facilitatorJourney(t, vp.width, vp.height)
			t.Logf("journey at %d×%d took %s", vp.width, vp.height, time.Since(started).Round(100*time.Millisecond))
		})
	}
}

func facilitatorJourney(t *testing.T, width, height int) {
	e, setupURL := startFacilitatorECAT(t)
	ctx := newBrowserWithin(t, width, height, true, facilitatorJourneyTimeout)
	title, team := "Autumn 2027 round", "Ward 7 — day surgery"

	// The setup link: create the account, land on an empty dashboard.
	navigate(t, ctx, setupURL)
	if got, want := domText(t, ctx, "h1"), e.msg("setup.heading"); got != want {
		t.Errorf("setup h1 = %q, want %q", got, want)
	}
	shot(t, ctx, "01-setup")
	checkAxe(t, ctx, "setup")
	createAccount(t, ctx, e)
	// The first account adopts the assessment opened before anyone had one
	// (at the command line; startECAT's).
	adopted := fmt.Sprintf(`main table tbody a[href="/assessments/%d"]`, e.a.ID)
	if got := domText(t, ctx, adopted); got != e.a.Title {
		t.Errorf("dashboard lists the earlier assessment as %q, want %q", got, e.a.Title)
	}
	shot(t, ctx, "02-dashboard")
	checkAxe(t, ctx, "dashboard")
	// The link worked once.
	if resp, err := http.Get(setupURL); err != nil {
		t.Errorf("setup link after use: %v", err)
	} else {
		closeBody(t, resp.Body)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("setup link after use: status %d, want 404", resp.StatusCode)
		}
	}

	// Sign out, a wrong password, then the right one.
	signOut(t, ctx, e)
	shot(t, ctx, "03-login")
	checkAxe(t, ctx, "login")
	expectStatus(t, "wrong password", signIn(t, ctx, facEmail, "not the password at all"), http.StatusUnauthorized)
	expectPath(t, ctx, "wrong password", "/login")
	if got, want := domText(t, ctx, "main .error-summary"), e.msg("login.failed"); got != want {
		t.Errorf("sign-in error = %q, want %q", got, want)
	}
	if got := attrs(t, ctx, "#email")["value"]; got != facEmail {
		t.Errorf("e-mail after the failed sign-in = %q, want it kept (%q)", got, facEmail)
	}
	if got := eval[string](t, ctx, `document.getElementById("password").value`); got != "" {
		t.Errorf("password field after the failed sign-in holds %q, want it empty", got)
	}
	shot(t, ctx, "04-login-failed")
	checkAxe(t, ctx, "login failed")
	if err := chromedp.Do(ctx, chromedp.Clear(chromedp.CSS("#email"))); err != nil {
		t.Fatalf("clear e-mail: %v", err)
	}
	expectStatus(t, "sign in", signIn(t, ctx, facEmail, facPassword), http.StatusOK)
	expectPath(t, ctx, "after signing in", "/dashboard")

	// New assessment: threshold 2 needs an explicit confirmation.
	openNewAssessment(t, ctx, e)
	shot(t, ctx, "05-new")
	checkAxe(t, ctx, "new assessment")
	typeInto(t, ctx, "#title", title)
	typeInto(t, ctx, "#team", team)
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#threshold"), "2")); err != nil {
		t.Fatalf("set threshold: %v", err)
	}
	expectStatus(t, "threshold 2 without confirming", clickAndLoad(t, ctx, mainSubmit).Status, http.StatusUnprocessableEntity)
	expectPath(t, ctx, "threshold 2 without confirming", "/assessments")
	if got, want := domText(t, ctx, ".error-summary h2"), e.msg("errors.title"); got != want {
		t.Errorf("error summary heading = %q, want %q", got, want)
	}
	if href := attrs(t, ctx, ".error-summary a")["href"]; href != "#confirm_low_threshold" {
		t.Errorf("error summary links to %q, want the box to tick, #confirm_low_threshold", href)
	}
	if got := domText(t, ctx, `label[for="confirm_low_threshold"]`); got != e.msg("new.confirm_low") {
		t.Errorf("confirmation label = %q, want %q", got, e.msg("new.confirm_low"))
	}
	if a := attrs(t, ctx, "#threshold"); a["aria-invalid"] != "true" || a["value"] != "2" {
		t.Errorf("#threshold after the error: %v, want aria-invalid and value 2", a)
	}
	if got := attrs(t, ctx, "#title")["value"]; got != title {
		t.Errorf("title after the error = %q, want %q kept", got, title)
	}
	if !waitJS(t, ctx, `document.activeElement !== null && document.activeElement.classList.contains("error-summary")`, 5*time.Second) {
		t.Error("new assessment with an error: the error summary does not have the focus")
	}
	shot(t, ctx, "06-new-confirm")
	checkAxe(t, ctx, "new assessment confirm")
	click(t, ctx, `label[for="confirm_low_threshold"]`)
	if !jsChecked(t, ctx, "confirm_low_threshold") {
		t.Fatal("clicked the confirmation label, but the box is not ticked")
	}
	expectStatus(t, "open the assessment", clickAndLoad(t, ctx, mainSubmit).Status, http.StatusOK)

	// The assessment page: QR code, join link and code.
	pageURL := currentURL(t, ctx)
	id := assessmentIDFrom(t, pageURL)
	a := e.storedAssessment(t, id)
	if a.Title != title || a.Team != team || a.Threshold != 2 || !a.IsOpen() {
		t.Errorf("stored assessment = %+v", a)
	}
	if got := domText(t, ctx, "h1"); got != title {
		t.Errorf("assessment h1 = %q, want %q", got, title)
	}
	checkInvite(t, ctx, e, a)
	type box struct {
		W, H    float64
		Visible bool
		Squares int
	}
	qr := eval[box](t, ctx, `(function(){
		var s = document.querySelector("main .qr-box svg[role=img]"), r = s.getBoundingClientRect(), st = getComputedStyle(s);
		var d = (s.querySelector("path") || {getAttribute: function(){return ""}}).getAttribute("d") || "";
		return {W: r.width, H: r.height, Visible: st.visibility === "visible" && st.display !== "none" && r.width > 0,
			Squares: (d.match(/z/g) || []).length};
	})()`)
	if !qr.Visible || qr.W < 150 || qr.H < 150 || qr.Squares < 100 {
		t.Errorf("QR code: %+v, want a visible square at least 150 px wide with a real pattern", qr)
	}
	shot(t, ctx, "07-assessment")
	checkAxe(t, ctx, "assessment")

	// A team member answers through the API; the table follows without a
	// reload (facilitator.js polls every 15 s).
	staffCell := `#completion tr[data-pillar="staff"] [data-field="submitted"]`
	if got := domText(t, ctx, staffCell); got != "0" {
		t.Errorf("staff submitted before anyone answered = %q, want 0", got)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.__ecatSamePage = true`)); err != nil {
		t.Fatal(err)
	}
	submitStaffResponse(t, e, a.Code)
	waitStart := time.Now()
	if !waitJS(t, ctx, `document.querySelector('`+staffCell+`').textContent.trim() === "1"`, 20*time.Second) {
		t.Fatalf("staff submitted cell still %q 20 s after a response was submitted", domText(t, ctx, staffCell))
	}
	t.Logf("completion table updated %s after the response", time.Since(waitStart).Round(100*time.Millisecond))
	if !eval[bool](t, ctx, `window.__ecatSamePage === true`) {
		t.Error("the completion table changed by reloading the page, want a live update")
	}
	if got, want := domText(t, ctx, "#completion-status"), e.msg("assessment.updated"); got != want {
		t.Errorf("completion status = %q, want %q", got, want)
	}
	if got, want := domText(t, ctx, `#completion tr[data-pillar="staff"] [data-field="shown"]`), e.msg("assessment.withheld"); got != want {
		t.Errorf("staff report cell with 1 of 2 = %q, want %q", got, want)
	}
	shot(t, ctx, "08-assessment-updated")
	checkAxe(t, ctx, "assessment updated")

	// The printable invitation, and back.
	expectStatus(t, "invitation", clickAndLoad(t, ctx, fmt.Sprintf(`main a[href="/assessments/%d/invitation"]`, id)).Status, http.StatusOK)
	expectPath(t, ctx, "invitation", fmt.Sprintf("/assessments/%d/invitation", id))
	if got, want := domText(t, ctx, "h1"), e.msg("invitation.heading"); got != want {
		t.Errorf("invitation h1 = %q, want %q", got, want)
	}
	if got, want := domText(t, ctx, ".invitation .code"), assessment.FormatJoinCode(a.Code); got != want {
		t.Errorf("invitation code = %q, want %q", got, want)
	}
	if got, want := domText(t, ctx, ".invitation .link-box"), e.URL+"/j/"+a.Code; got != want {
		t.Errorf("invitation link = %q, want %q", got, want)
	}
	if w := eval[float64](t, ctx, `document.querySelector(".invitation .qr-box svg[role=img]").getBoundingClientRect().width`); w < 150 {
		t.Errorf("invitation QR code %.0f px wide, want at least 150", w)
	}
	shot(t, ctx, "09-invitation")
	checkAxe(t, ctx, "invitation")
	expectStatus(t, "back from the invitation", clickAndLoad(t, ctx, `.no-print a`).Status, http.StatusOK)
	expectPath(t, ctx, "back from the invitation", fmt.Sprintf("/assessments/%d", id))

	// Close, then reopen.
	expectStatus(t, "close", clickAndLoad(t, ctx, "main form.inline-form button").Status, http.StatusOK)
	expectPath(t, ctx, "after closing", fmt.Sprintf("/assessments/%d", id))
	if got, want := domText(t, ctx, "main .badge"), e.msg("status.closed"); got != want {
		t.Errorf("badge after closing = %q, want %q", got, want)
	}
	if got, want := domText(t, ctx, "main .notice"), e.msg("assessment.done_closed"); got != want {
		t.Errorf("notice after closing = %q, want %q", got, want)
	}
	if got, want := domText(t, ctx, "main form.inline-form button"), e.msg("assessment.reopen"); got != want {
		t.Errorf("button after closing = %q, want %q", got, want)
	}
	if got := e.storedAssessment(t, id).Status; got != assessment.Closed {
		t.Errorf("stored status after closing = %q", got)
	}
	shot(t, ctx, "10-closed")
	checkAxe(t, ctx, "assessment closed")
	expectStatus(t, "reopen", clickAndLoad(t, ctx, "main form.inline-form button").Status, http.StatusOK)
	if got, want := domText(t, ctx, "main .badge"), e.msg("status.open"); got != want {
		t.Errorf("badge after reopening = %q, want %q", got, want)
	}
	if got, want := domText(t, ctx, "main .notice"), e.msg("assessment.done_open"); got != want {
		t.Errorf("notice after reopening = %q, want %q", got, want)
	}
	if got := e.storedAssessment(t, id).Status; got != assessment.Open {
		t.Errorf("stored status after reopening = %q", got)
	}

	// An API token: shown once, works, then revoked.
	expectStatus(t, "tokens", clickAndLoad(t, ctx, `nav.account a[href="/account/tokens"]`).Status, http.StatusOK)
	if got, want := domText(t, ctx, "h1"), e.msg("tokens.heading"); got != want {
		t.Errorf("tokens h1 = %q, want %q", got, want)
	}
	label := "quarterly export script"
	typeInto(t, ctx, "#label", label)
	expectStatus(t, "create a token", clickAndLoad(t, ctx, `main form.card button[type=submit]`).Status, http.StatusCreated)
	token := domText(t, ctx, "#new-token")
	if !assessment.LooksLikeAPIToken(token) {
		t.Fatalf("new token %q does not look like an API token", token)
	}
	if got := domText(t, ctx, "main table tbody th"); got != label {
		t.Errorf("token row label = %q, want %q", got, label)
	}
	shot(t, ctx, "11-token")
	checkAxe(t, ctx, "token created")
	if status, ids := apiAssessments(t, e, token); status != http.StatusOK || fmt.Sprint(ids) != fmt.Sprint([]int64{id, e.a.ID}) {
		t.Errorf("GET /api/v1/assessments with the new token: %d %v, want 200 [%d %d]", status, ids, id, e.a.ID)
	}
	navigate(t, ctx, e.URL+"/account/tokens")
	if n := eval[int](t, ctx, `document.querySelectorAll("#new-token").length`); n != 0 {
		t.Error("the token is shown again after a reload; it must be shown once")
	}
	if got, want := domText(t, ctx, "main table tbody td:nth-of-type(2)"), e.msg("tokens.never"); got == want {
		t.Errorf("token last used = %q after an API call", got)
	}
	expectStatus(t, "revoke", clickAndLoad(t, ctx, `main table form button[type=submit]`).Status, http.StatusOK)
	expectPath(t, ctx, "after revoking", "/account/tokens")
	if got, want := domText(t, ctx, "main table tbody td:last-child"), e.msg("tokens.revoked"); got != want {
		t.Errorf("token action cell after revoking = %q, want %q", got, want)
	}
	if status, _ := apiAssessments(t, e, token); status != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/assessments with the revoked token: %d, want 401", status)
	}
	shot(t, ctx, "12-token-revoked")

	// The activity trail lists what was done, most recent first.
	expectStatus(t, "activity", clickAndLoad(t, ctx, `nav.account a[href="/account/activity"]`).Status, http.StatusOK)
	actions := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("main table tbody tr td:nth-child(2)")).map(td => td.textContent.trim())`)
	var want []string
	for _, k := range []string{"token_revoke", "token_create", "assessment_reopen", "assessment_close", "assessment_create", "sign_in", "sign_out", "account_create"} {
		want = append(want, e.msg("audit."+k))
	}
	if strings.Join(actions, " | ") != strings.Join(want, " | ") {
		t.Errorf("activity:\n got %q\nwant %q", actions, want)
	}
	if got := domText(t, ctx, "main table tbody"); !strings.Contains(got, title) || !strings.Contains(got, label) {
		t.Errorf("activity details %q do not name the assessment %q and the token %q", got, title, label)
	}
	shot(t, ctx, "13-activity")
	checkAxe(t, ctx, "activity")

	// Delete through the confirmation page.
	navigate(t, ctx, pageURL)
	expectStatus(t, "delete page", clickAndLoad(t, ctx, "main a.danger").Status, http.StatusOK)
	expectPath(t, ctx, "delete page", fmt.Sprintf("/assessments/%d/delete", id))
	if got, want := domText(t, ctx, "h1"), e.msg("delete.heading", title); got != want {
		t.Errorf("delete h1 = %q, want %q", got, want)
	}
	if got, want := domText(t, ctx, "main .error-summary"), e.msg("delete.warning", 1, 0); got != want {
		t.Errorf("delete warning = %q, want %q", got, want)
	}
	shot(t, ctx, "14-delete")
	checkAxe(t, ctx, "delete")
	click(t, ctx, `label[for="confirm"]`)
	expectStatus(t, "delete", clickAndLoad(t, ctx, "main form button.danger").Status, http.StatusOK)
	expectPath(t, ctx, "after deleting", "/dashboard")
	if n := eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll('main a[href="/assessments/%d"]').length`, id)); n != 0 {
		t.Errorf("dashboard after deleting still links to the assessment (%d links)", n)
	}
	if got := domText(t, ctx, adopted); got != e.a.Title {
		t.Errorf("dashboard after deleting lists the other assessment as %q, want %q", got, e.a.Title)
	}
	if _, err := e.store.Assessment(context.Background(), id); !errors.Is(err, assessment.ErrNotFound) {
		t.Errorf("stored assessment after deleting: %v, want not found", err)
	}
	shot(t, ctx, "15-dashboard-after-delete")
	checkAxe(t, ctx, "dashboard after delete")
}

// TestFacilitatorPagesWithoutJavaScript: with scripts off, the workspace
// works with plain forms. Read only through the DOM and Page domains.
func TestFacilitatorPagesWithoutJavaScript(t *testing.T) {
	requireChrome(t)
	e, setupURL := startFacilitatorECAT(t)
	ctx := newBrowser(t, phoneWidth, phoneHeight, false)
	title, team := "No-script round", "Night shift"

	navigate(t, ctx, setupURL)
	createAccount(t, ctx, e)
	shot(t, ctx, "01-dashboard")
	signOut(t, ctx, e)
	expectStatus(t, "wrong password", signIn(t, ctx, facEmail, "not the password at all"), http.StatusUnauthorized)
	if got, want := domText(t, ctx, "main .error-summary"), e.msg("login.failed"); got != want {
		t.Errorf("sign-in error = %q, want %q", got, want)
	}
	// The e-mail is kept; type only the password again.
	typeInto(t, ctx, "#password", facPassword)
	expectStatus(t, "sign in", clickAndLoad(t, ctx, mainSubmit).Status, http.StatusOK)
	expectPath(t, ctx, "after signing in", "/dashboard")

	// The confirmation round trip works with plain forms too.
	openNewAssessment(t, ctx, e)
	typeInto(t, ctx, "#title", title)
	typeInto(t, ctx, "#team", team)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#threshold"), kb.Backspace+kb.Backspace+kb.Delete+kb.Delete+"2")); err != nil {
		t.Fatalf("type threshold: %v", err)
	}
	expectStatus(t, "threshold 2 without confirming", clickAndLoad(t, ctx, mainSubmit).Status, http.StatusUnprocessableEntity)
	if href := attrs(t, ctx, ".error-summary a")["href"]; href != "#confirm_low_threshold" {
		t.Errorf("error summary links to %q, want the box to tick, #confirm_low_threshold", href)
	}
	click(t, ctx, `label[for="confirm_low_threshold"]`)
	shot(t, ctx, "02-new-confirm")
	expectStatus(t, "open the assessment", clickAndLoad(t, ctx, mainSubmit).Status, http.StatusOK)
	id := assessmentIDFrom(t, currentURL(t, ctx))
	a := e.storedAssessment(t, id)
	if a.Title != title || a.Team != team || a.Threshold != 2 {
		t.Errorf("stored assessment = %+v", a)
	}
	if got := domText(t, ctx, "h1"); got != title {
		t.Errorf("assessment h1 = %q, want %q", got, title)
	}
	checkInvite(t, ctx, e, a)
	shot(t, ctx, "03-assessment")

	// Without the live refresh, a reload shows the new figures.
	submitStaffResponse(t, e, a.Code)
	navigate(t, ctx, e.URL+fmt.Sprintf("/assessments/%d", id))
	if got := domText(t, ctx, `#completion tr[data-pillar="staff"] [data-field="submitted"]`); got != "1" {
		t.Errorf("staff submitted after a reload = %q, want 1", got)
	}

	// Close it.
	expectStatus(t, "close", clickAndLoad(t, ctx, "main form.inline-form button").Status, http.StatusOK)
	expectPath(t, ctx, "after closing", fmt.Sprintf("/assessments/%d", id))
	if got, want := domText(t, ctx, "main .badge"), e.msg("status.closed"); got != want {
		t.Errorf("badge after closing = %q, want %q", got, want)
	}
	if got, want := domText(t, ctx, "main .notice"), e.msg("assessment.done_closed"); got != want {
		t.Errorf("notice after closing = %q, want %q", got, want)
	}
	if got := e.storedAssessment(t, id).Status; got != assessment.Closed {
		t.Errorf("stored status after closing = %q, want closed", got)
	}
	shot(t, ctx, "04-closed")

	// The dashboard lists it, closed.
	expectStatus(t, "dashboard", clickAndLoad(t, ctx, `nav.account a[href="/dashboard"]`).Status, http.StatusOK)
	row := fmt.Sprintf(`main table tbody tr:has(a[href="/assessments/%d"])`, id)
	if got := domText(t, ctx, row+" th a"); got != title {
		t.Errorf("dashboard lists %q, want %q", got, title)
	}
	if got, want := domText(t, ctx, row+" .badge"), e.msg("status.closed"); got != want {
		t.Errorf("dashboard status = %q, want %q", got, want)
	}
}

// TestFacilitatorNoHorizontalScroll checks that the workspace pages fit a
// 360 px wide screen. Wide tables may scroll inside their .table-wrap
// region; the page itself must not scroll sideways.
func TestFacilitatorNoHorizontalScroll(t *testing.T) {
	requireChrome(t)
	e, setupURL := startFacilitatorECAT(t)
	ctx := newBrowser(t, phoneWidth, phoneHeight, true)

	navigate(t, ctx, setupURL)
	noHorizontalScroll(t, ctx, "setup", phoneWidth)
	createAccount(t, ctx, e)

	// A long, unbroken title and team, as people type them.
	navigate(t, ctx, e.URL+"/assessments/new")
	noHorizontalScroll(t, ctx, "new-assessment", phoneWidth)
	typeInto(t, ctx, "#title", "Interprofessional-collaboration-self-assessment-2027")
	typeInto(t, ctx, "#team", "Centre-hospitalier-universitaire-de-Sherbrooke")
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#threshold"), "1")); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, "threshold 1", clickAndLoad(t, ctx, mainSubmit).Status, http.StatusUnprocessableEntity)
	noHorizontalScroll(t, ctx, "new-assessment-errors", phoneWidth)
	click(t, ctx, `label[for="confirm_low_threshold"]`)
	expectStatus(t, "open the assessment", clickAndLoad(t, ctx, mainSubmit).Status, http.StatusOK)
	id := assessmentIDFrom(t, currentURL(t, ctx))
	submitStaffResponse(t, e, e.storedAssessment(t, id).Code)

	navigate(t, ctx, e.URL+"/account/tokens")
	typeInto(t, ctx, "#label", "a-very-long-label-without-any-spaces-at-all-x")
	expectStatus(t, "create a token", clickAndLoad(t, ctx, `main form.card button[type=submit]`).Status, http.StatusCreated)
	noHorizontalScroll(t, ctx, "tokens-new", phoneWidth)

	base := fmt.Sprintf("/assessments/%d", id)
	pages := []struct{ name, path string }{
		{"dashboard", "/dashboard"},
		{"assessment", base},
		{"assessment-closed", ""}, // filled in below
		{"invitation", base + "/invitation"},
		{"delete", base + "/delete"},
		{"tokens", "/account/tokens"},
		{"activity", "/account/activity"},
	}
	for _, pg := range pages {
		if pg.path == "" {
			navigate(t, ctx, e.URL+base)
			expectStatus(t, "close", clickAndLoad(t, ctx, "main form.inline-form button").Status, http.StatusOK)
		} else {
			navigate(t, ctx, e.URL+pg.path)
		}
		if w := eval[int](t, ctx, `window.innerWidth`); w != phoneWidth {
			t.Fatalf("%s: viewport %d px wide, want %d", pg.name, w, phoneWidth)
		}
		noHorizontalScroll(t, ctx, pg.name, phoneWidth)
		// Say which tables scroll in their region (allowed, but worth knowing).
		if wide := eval[[]string](t, ctx, `Array.from(document.querySelectorAll(".table-wrap"))
			.filter(w => w.scrollWidth > w.clientWidth)
			.map(w => (w.getAttribute("aria-labelledby") || "?") + " " + w.scrollWidth + ">" + w.clientWidth)`); len(wide) > 0 {
			t.Logf("%s: tables scrolling inside their region: %v", pg.name, wide)
		}
		// A caption stays readable: it wraps within the visible part of
		// its region instead of running off with the table.
		if cut := eval[[]string](t, ctx, `Array.from(document.querySelectorAll(".table-wrap caption"))
			.filter(c => c.getBoundingClientRect().right > c.closest(".table-wrap").getBoundingClientRect().right + 0.5)
			.map(c => c.id + " right=" + Math.round(c.getBoundingClientRect().right))`); len(cut) > 0 {
			t.Errorf("%s: table captions run past the visible region: %v", pg.name, cut)
		}
		shot(t, ctx, pg.name)
	}

	// Signed out: the sign-in page, with its error.
	signOut(t, ctx, e)
	noHorizontalScroll(t, ctx, "login", phoneWidth)
	expectStatus(t, "wrong password", signIn(t, ctx, facEmail, "wrong-password-here"), http.StatusUnauthorized)
	noHorizontalScroll(t, ctx, "login-failed", phoneWidth)
}
