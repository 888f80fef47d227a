package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
)

// An owner shares an assessment from its "Who has access" page: a co-facilitator then
// finds it under "Shared with you" and runs the round; a viewer reads it and sees no
// control that changes it, and a change sent anyway is refused with nothing stored;
// a mistaken e-mail is answered on the page; every share and unshare is in the trail.
func TestSharingFromThePage(t *testing.T) {
	e := newTestEnv(t)
	olive := e.newFacilitator("olive@example.org", "Olive Owner")
	cora := e.newFacilitator("cora@example.org", "Cora Co")
	vera := e.newFacilitator("vera@example.org", "Vera Viewer")
	a := e.ownedAssessment(olive, "Spring round")
	e.submitAs(a, "staff", 3, "shared", "")
	id := strconv.FormatInt(a.ID, 10)
	owner := e.signedIn(olive)

	for _, share := range []struct{ email, role string }{{"CORA@example.org ", "co_facilitator"}, {"vera@example.org", "viewer"}} {
		rec := owner.postForm("/assessments/"+id+"/members", url.Values{"email": {share.email}, "role": {share.role}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/assessments/"+id+"/members?done=shared" {
			t.Fatalf("share with %s: %d to %q", share.email, rec.Code, rec.Header().Get("Location"))
		}
	}
	page := owner.get("/assessments/" + id + "/members").Body.String()
	for _, want := range []string{"Cora Co", "Vera Viewer", e.tmpl.Message("en", "members.role.co_facilitator"), "/members/" + strconv.FormatInt(cora.ID, 10) + "/delete"} {
		if !strings.Contains(page, escaped(t, want)) {
			t.Errorf("the members page lacks %q", want)
		}
	}

	// Mistakes: an unknown e-mail (422), the owner's own (409), a role that is not one
	// (422); nothing is shared.
	for _, bad := range []struct {
		form url.Values
		code int
		msg  string
	}{
		{url.Values{"email": {"nobody@example.org"}, "role": {"viewer"}}, http.StatusUnprocessableEntity, "members.unknown_email"},
		{url.Values{"email": {"olive@example.org"}, "role": {"viewer"}}, http.StatusConflict, "members.own"},
		{url.Values{"email": {"vera@example.org"}, "role": {"owner"}}, http.StatusUnprocessableEntity, ""},
	} {
		rec := owner.postForm("/assessments/"+id+"/members", bad.form)
		if rec.Code != bad.code || !strings.Contains(rec.Body.String(), `class="error-summary"`) {
			t.Errorf("share %v: %d, want %d with the error summary", bad.form, rec.Code, bad.code)
		}
		if bad.msg != "" && !strings.Contains(rec.Body.String(), escaped(t, e.tmpl.Message("en", bad.msg))) {
			t.Errorf("share %v: the page does not say %q", bad.form, bad.msg)
		}
	}
	if role, _ := e.store.MemberRole(t.Context(), a.SeriesID, vera.ID); role != assessment.MemberViewer {
		t.Errorf("after the mistakes Vera's role is %q, want viewer", role)
	}

	// The co-facilitator finds it under "Shared with you" and closes the round.
	co := e.signedIn(cora)
	dash := co.get("/dashboard").Body.String()
	sharedAt := strings.Index(dash, escaped(t, e.tmpl.Message("en", "dashboard.shared_heading")))
	if sharedAt < 0 || !strings.Contains(dash[sharedAt:], escaped(t, a.Title)) {
		t.Errorf("Cora's dashboard does not list the round under Shared with you")
	}
	if rec := co.postForm("/assessments/"+id+"/close", nil); rec.Code != http.StatusSeeOther {
		t.Errorf("Cora closing the round: %d", rec.Code)
	}
	if rec := co.get("/assessments/" + id + "/delete"); rec.Code != http.StatusForbidden {
		t.Errorf("Cora's delete page: %d, want 403", rec.Code)
	}

	// The viewer reads the page and the report, sees no control, and cannot change it.
	view := e.signedIn(vera)
	body := view.get("/assessments/" + id).Body.String()
	for _, control := range []string{`action="/assessments/` + id + `/reopen"`, `action="/assessments/` + id + `/reassess"`,
		`href="/assessments/` + id + `/delete"`, `href="/assessments/` + id + `/paper"`, `action="/assessments/` + id + `/summary"`} {
		if strings.Contains(body, control) {
			t.Errorf("the viewer's page offers %s", control)
		}
	}
	if rec := view.get("/assessments/" + id + "/report"); rec.Code != http.StatusOK {
		t.Errorf("the viewer's report: %d", rec.Code)
	}
	before := e.allTablesChecksum()
	if rec := view.postForm("/assessments/"+id+"/reopen", nil); rec.Code != http.StatusForbidden {
		t.Errorf("the viewer reopening: %d, want 403", rec.Code)
	} else {
		e.assertErrorPage(t, rec, "forbidden")
	}
	if rec := view.postForm("/assessments/"+id+"/members", url.Values{"email": {"cora@example.org"}, "role": {"viewer"}}); rec.Code != http.StatusForbidden {
		t.Errorf("the viewer sharing: %d, want 403", rec.Code)
	}
	if e.allTablesChecksum() != before {
		t.Error("the viewer's refused requests changed the database")
	}

	// Unsharing: Vera no longer finds it.
	if rec := owner.postForm("/assessments/"+id+"/members/"+strconv.FormatInt(vera.ID, 10)+"/delete", nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("unshare: %d", rec.Code)
	}
	if rec := view.get("/assessments/" + id); rec.Code != http.StatusNotFound {
		t.Errorf("after unsharing, Vera's view of the round: %d, want 404", rec.Code)
	}
	trail := e.auditActions(olive)
	if n := strings.Count(strings.Join(trail, " "), assessment.AuditMemberAdded); n != 2 || !slices.Contains(trail, assessment.AuditMemberRemoved) {
		t.Errorf("Olive's trail %v: want two shares and an unshare", trail)
	}
}

// A viewer's API writes get 403 forbidden with nothing changed, its reads answer as the
// owner's; the list of assessments shows the shared round; the members list is theirs to
// read and not to change.
func TestSharingThroughTheAPI(t *testing.T) {
	e := newTestEnv(t)
	olive := e.newFacilitator("olive@example.org", "Olive Owner")
	vera := e.newFacilitator("vera@example.org", "Vera Viewer")
	oliveToken, _ := e.newAPIToken(olive, "")
	veraToken, _ := e.newAPIToken(vera, "")
	a := e.ownedAssessment(olive, "Spring round")
	id := strconv.FormatInt(a.ID, 10)

	if rec := e.bearer(http.MethodGet, "/api/v1/assessments/"+id, veraToken, nil); rec.Code != http.StatusNotFound {
		t.Fatalf("before sharing Vera gets %d, want 404", rec.Code)
	}
	rec := e.bearer(http.MethodPost, "/api/v1/assessments/"+id+"/members", oliveToken, map[string]any{"email": "vera@example.org", "role": "viewer"})
	if rec.Code != http.StatusCreated || rec.Header().Get("Location") != "/api/v1/assessments/"+id+"/members/"+strconv.FormatInt(vera.ID, 10) {
		t.Fatalf("share: %d %q %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	if again := e.bearer(http.MethodPost, "/api/v1/assessments/"+id+"/members", oliveToken, map[string]any{"email": "vera@example.org", "role": "viewer"}); again.Code != http.StatusOK {
		t.Errorf("the same share again: %d, want 200", again.Code)
	}
	var list []map[string]any
	decodeJSON(t, e.bearer(http.MethodGet, "/api/v1/assessments", veraToken, nil).Body.Bytes(), &list)
	if len(list) != 1 || list[0]["id"] != float64(a.ID) {
		t.Errorf("Vera's list: %v", list)
	}
	before := e.dataChecksum()
	for _, w := range []struct {
		method, path string
		body         any
	}{
		{http.MethodPost, "/api/v1/assessments/" + id + "/close", nil},
		{http.MethodDelete, "/api/v1/assessments/" + id, nil},
		{http.MethodPost, "/api/v1/assessments/" + id + "/actions", map[string]any{"text": "Sneaky", "lead": "Vera"}},
		{http.MethodPost, "/api/v1/assessments/" + id + "/members", map[string]any{"email": "olive@example.org", "role": "viewer"}},
		{http.MethodDelete, "/api/v1/assessments/" + id + "/members/" + strconv.FormatInt(vera.ID, 10), nil},
	} {
		rec := e.bearer(w.method, w.path, veraToken, w.body)
		if rec.Code != http.StatusForbidden || decodeAPIError(t, rec).Error.Code != "forbidden" {
			t.Errorf("Vera %s %s: %d %s, want 403 forbidden", w.method, w.path, rec.Code, rec.Body)
		}
	}
	if e.dataChecksum() != before {
		t.Error("Vera's refused writes changed the database")
	}
	var members []map[string]any
	decodeJSON(t, e.bearer(http.MethodGet, "/api/v1/assessments/"+id+"/members", veraToken, nil).Body.Bytes(), &members)
	if len(members) != 2 || members[0]["role"] != "owner" || members[1]["email"] != "vera@example.org" || members[1]["role"] != "viewer" {
		t.Errorf("members as Vera reads them: %v", members)
	}
}

// A new join code: the old code and link find nothing from then on, the new one opens
// the round, and whoever had started goes on through their own link.
func TestNewJoinCode(t *testing.T) {
	e := newTestEnv(t)
	olive := e.newFacilitator("olive@example.org", "Olive Owner")
	a := e.ownedAssessment(olive, "Spring round")
	token := e.createResponse(e.completeBody(a.Code, "staff"))
	rec := e.signedIn(olive).postForm("/assessments/"+strconv.FormatInt(a.ID, 10)+"/code", nil)
	if rec.Code != http.StatusSeeOther || !strings.HasSuffix(rec.Header().Get("Location"), "?done=new_code") {
		t.Fatalf("new code: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	now := e.storedAssessment(a.ID)
	if now.Code == a.Code {
		t.Fatal("the code did not change")
	}
	anon := e.newBrowser()
	if rec := anon.get("/j/" + a.Code); rec.Code != http.StatusNotFound {
		t.Errorf("the old join link: %d, want 404", rec.Code)
	}
	if rec := anon.get("/j/" + now.Code); rec.Code != http.StatusOK {
		t.Errorf("the new join link: %d", rec.Code)
	}
	if rec := e.api(http.MethodGet, "/api/v1/responses/"+token, "", nil); rec.Code != http.StatusOK {
		t.Errorf("a response started before, through its own link: %d", rec.Code)
	}
	if trail := e.auditActions(olive); !slices.Contains(trail, assessment.AuditNewJoinCode) {
		t.Errorf("Olive's trail %v lacks the new code", trail)
	}
}

// The join code reaches only those who may change a round (assessment.Access.
// GetsJoinCode): on the lists too, the dashboard and the API's, a viewer's rows carry
// neither the code nor the join link, and a co-facilitator's do.
func TestListsGiveTheJoinCodeToThoseWhoChange(t *testing.T) {
	e := newTestEnv(t)
	owner := e.newFacilitator("owner@example.org", "Olive")
	viewer := e.newFacilitator("viewer@example.org", "Vic")
	co := e.newFacilitator("co@example.org", "Cory")
	a := e.ownedAssessment(owner, "Shared round")
	e.share(a, viewer, assessment.MemberViewer)
	e.share(a, co, assessment.MemberCoFacilitator)
	for _, r := range []struct {
		name string
		f    *assessment.Facilitator
		gets bool
	}{{"viewer", viewer, false}, {"co-facilitator", co, true}, {"owner", owner, true}} {
		token, _ := e.newAPIToken(r.f, "")
		list := e.bearer(http.MethodGet, "/api/v1/assessments", token, nil)
		dashboard := e.signedIn(r.f).get("/dashboard")
		if list.Code != http.StatusOK || dashboard.Code != http.StatusOK {
			t.Fatalf("%s: list %d, dashboard %d", r.name, list.Code, dashboard.Code)
		}
		var rows []struct {
			ID      int64   `json:"id"`
			Code    *string `json:"code"`
			JoinURL *string `json:"join_url"`
		}
		decodeJSON(t, list.Body.Bytes(), &rows)
		if len(rows) != 1 || rows[0].ID != a.ID {
			t.Fatalf("%s: the list has %d rows", r.name, len(rows))
		}
		if got := rows[0].Code != nil && *rows[0].Code == a.Code && rows[0].JoinURL != nil; got != r.gets {
			t.Errorf("%s: the list's code %v and join link %v; want them %v", r.name, rows[0].Code, rows[0].JoinURL, r.gets)
		}
		for what, body := range map[string]string{"list": list.Body.String(), "dashboard": dashboard.Body.String()} {
			if !r.gets && (strings.Contains(body, a.Code) || strings.Contains(body, assessment.FormatJoinCode(a.Code))) {
				t.Errorf("%s: the %s carries the join code", r.name, what)
			}
		}
	}
}
