package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/survey"
)

// The authorization matrix: every facilitator route of the router, tried by nobody, by
// another facilitator, and by the owner of the assessment (or token) in its path.

// facilitatorRoutePrefixes select the routes that need a facilitator.
var facilitatorRoutePrefixes = []string{"/dashboard", "/assessments", "/account", "/logout", "/api/v1/assessments", "/api/v1/actions", "/admin",
	"/organization", "/organization.xlsx", "/api/v1/rollup", "/api/v1/rollup.xlsx"}

func isFacilitatorRoute(path string) bool {
	if strings.HasPrefix(path, "/account/link/") {
		return false // a one-time account link is opened signed out, by its token (admin_test.go)
	}
	for _, p := range facilitatorRoutePrefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// authzCase is what one route expects. Without a session or token, the answer follows
// from the kind of route (a GET page redirects to sign-in, a POST is 403, the API 401);
// another facilitator gets 404 on every route with an :id.
type authzCase struct {
	form url.Values // page POST fields (the CSRF token is added)
	body any        // API request body
	// closedFirst closes the owner's assessment before the requests (to reopen it).
	closedFirst bool
	// other is the status for another facilitator on a route without :id (their own).
	other int
	// owner is the status for the owner.
	owner int
	// ownerDid checks what the owner's request did (and anyone's allowed to make it).
	ownerDid func(t *testing.T, e *testEnv, rec *httptest.ResponseRecorder, a *assessment.Assessment, token string)
	// need is the access the route needs on the assessment in its path; zero means
	// ReadAccess for a GET and ChangeAccess for anything else. A viewer has ReadAccess,
	// a co-facilitator ChangeAccess, the owner and an admin ManageAccess; less than the
	// need is 403 forbidden, no access at all 404.
	need assessment.Access
	// admin, when not zero, is the status for an admin on a route without an
	// assessment in its path (an admin-only page: 200 where a facilitator gets 403).
	admin int
}

// A draft paper entry, as a form and as an API body.
var (
	paperForm = url.Values{"pillar": {"staff"}, "lang": {"en"}, "action": {"save"}, "a.S-01": {"no"}}
	paperBody = map[string]any{"source": "paper", "pillar": "staff", "answers": map[string]string{"S-01": "no"}, "submit": false}
)

func authzTable() map[string]authzCase {
	newForm := url.Values{"title": {"Made through the form"}, "team": {"Ward 9"}, "threshold": {"3"}, "language": {"en"}}
	newBody := map[string]any{"title": "Made through the API", "team": "Ward 9", "threshold": 3, "language": "en"}
	statusIs := func(want assessment.Status) func(*testing.T, *testEnv, *httptest.ResponseRecorder, *assessment.Assessment, string) {
		return func(t *testing.T, e *testEnv, _ *httptest.ResponseRecorder, a *assessment.Assessment, _ string) {
			t.Helper()
			if got := e.storedAssessment(a.ID); got == nil || got.Status != want {
				t.Errorf("after the owner's request the assessment is %+v, want %s", got, want)
			}
		}
	}
	newCode := func(t *testing.T, e *testEnv, _ *httptest.ResponseRecorder, a *assessment.Assessment, _ string) {
		t.Helper()
		if got := e.storedAssessment(a.ID); got == nil || got.Code == a.Code || len(got.Code) != 16 {
			t.Errorf("after the request the join code is %+v, want a new one", got)
		}
		if _, err := e.store.AssessmentByCode(t.Context(), a.Code); err == nil {
			t.Error("the old join code still finds the round")
		}
	}
	deleted := func(t *testing.T, e *testEnv, _ *httptest.ResponseRecorder, a *assessment.Assessment, _ string) {
		t.Helper()
		if e.storedAssessment(a.ID) != nil {
			t.Error("the owner's delete left the assessment in place")
		}
	}
	jsonID := func(t *testing.T, _ *testEnv, rec *httptest.ResponseRecorder, a *assessment.Assessment, _ string) {
		t.Helper()
		var got struct {
			ID int64 `json:"id"`
		}
		decodeJSON(t, rec.Body.Bytes(), &got)
		if got.ID != a.ID {
			t.Errorf("API answered assessment %d, want %d", got.ID, a.ID)
		}
	}
	isWorkbook := func(t *testing.T, _ *testEnv, rec *httptest.ResponseRecorder, _ *assessment.Assessment, _ string) {
		t.Helper()
		// An .xlsx file is a zip archive: it starts with "PK".
		if ct := rec.Header().Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") || !strings.HasPrefix(rec.Body.String(), "PK") {
			t.Errorf("not a workbook: %q, %d bytes", ct, rec.Body.Len())
		}
	}
	actionForm := url.Values{"text": {"Agreed in the matrix"}, "lead": {"Olive"}, "support": {""}, "pillar": {"staff"},
		"theme": {""}, "due": {"2099-01-31"}, "status": {"in_progress"}}
	actionBody := map[string]any{"text": "Agreed in the API", "lead": "Olive", "due": "2099-01-31"}
	actionCount := func(n int) func(*testing.T, *testEnv, *httptest.ResponseRecorder, *assessment.Assessment, string) {
		return func(t *testing.T, e *testEnv, _ *httptest.ResponseRecorder, a *assessment.Assessment, _ string) {
			t.Helper()
			if got := len(e.storedActions(a.ID)); got != n {
				t.Errorf("after the owner's request the round has %d actions, want %d", got, n)
			}
		}
	}
	reassessed := func(t *testing.T, e *testEnv, _ *httptest.ResponseRecorder, a *assessment.Assessment, _ string) {
		t.Helper()
		next, err := e.store.NextRoundOf(t.Context(), a.ID)
		if err != nil || next.Round != a.Round+1 || len(e.storedActions(next.ID)) != 1 {
			t.Errorf("after the owner's reassess: next round %+v, %v", next, err)
		}
	}
	return map[string]authzCase{
		"POST /logout": {other: 303, owner: 303, ownerDid: func(t *testing.T, e *testEnv, rec *httptest.ResponseRecorder, _ *assessment.Assessment, _ string) {
			if loc := rec.Header().Get("Location"); loc != "/login" {
				t.Errorf("sign-out went to %q", loc)
			}
		}},
		"GET /dashboard":       {other: 200, owner: 200},
		"GET /assessments/new": {other: 200, owner: 200},
		"POST /assessments": {form: newForm, other: 303, owner: 303, ownerDid: func(t *testing.T, e *testEnv, rec *httptest.ResponseRecorder, _ *assessment.Assessment, _ string) {
			id, err := strconv.ParseInt(strings.TrimPrefix(rec.Header().Get("Location"), "/assessments/"), 10, 64)
			if err != nil {
				t.Fatalf("create went to %q", rec.Header().Get("Location"))
			}
			if got := e.storedAssessment(id); got == nil || got.Title != "Made through the form" {
				t.Errorf("created assessment %+v", got)
			}
		}},
		"GET /assessments/:id":             {owner: 200},
		"GET /assessments/:id/invitation":  {owner: 200, need: assessment.ChangeAccess},
		"GET /assessments/:id/completion":  {owner: 200},
		"GET /assessments/:id/report":      {owner: 200},
		"GET /assessments/:id/report.xlsx": {owner: 200, ownerDid: isWorkbook},
		"POST /assessments/:id/close":      {owner: 303, ownerDid: statusIs(assessment.Closed)},
		"POST /assessments/:id/reopen":     {closedFirst: true, owner: 303, ownerDid: statusIs(assessment.Open)},
		"POST /assessments/:id/code":       {owner: 303, ownerDid: newCode},
		"GET /assessments/:id/edit":        {owner: 200, need: assessment.ChangeAccess},
		"POST /assessments/:id/edit": {form: url.Values{"title": {"Renamed in the matrix"}, "team": {"Ward 9"}, "unit": {"Medicine"}, "expected_staff": {"12"}},
			owner: 303, ownerDid: func(t *testing.T, e *testEnv, _ *httptest.ResponseRecorder, a *assessment.Assessment, _ string) {
				t.Helper()
				if got := e.storedAssessment(a.ID); got == nil || got.Title != "Renamed in the matrix" || got.Unit != "Medicine" || got.Expected["staff"] != 12 {
					t.Errorf("after the owner's settings: %+v", got)
				}
			}},
		"PATCH /api/v1/assessments/:id": {body: map[string]any{"unit": "Medicine"}, owner: 200, ownerDid: func(t *testing.T, e *testEnv, _ *httptest.ResponseRecorder, a *assessment.Assessment, _ string) {
			t.Helper()
			if got := e.storedAssessment(a.ID); got == nil || got.Unit != "Medicine" {
				t.Errorf("after the owner's PATCH: %+v", got)
			}
		}},
		"GET /assessments/:id/delete":  {owner: 200, need: assessment.ManageAccess},
		"POST /assessments/:id/delete": {form: url.Values{"confirm": {"yes"}}, owner: 303, ownerDid: deleted, need: assessment.ManageAccess},
		"GET /account/tokens":          {other: 200, owner: 200},
		"POST /account/tokens":         {form: url.Values{"label": {"matrix"}}, other: 201, owner: 201},

		// The roll-up: everyone's own (rollup_test.go checks whose teams each one holds).
		"GET /organization":       {other: 200, owner: 200},
		"GET /organization.xlsx":  {other: 200, owner: 200, ownerDid: isWorkbook},
		"GET /api/v1/rollup":      {other: 200, owner: 200},
		"GET /api/v1/rollup.xlsx": {other: 200, owner: 200, ownerDid: isWorkbook},

		// The facilitator's own password.
		"GET /account/password": {other: 200, owner: 200},
		"POST /account/password": {form: url.Values{"current_password": {testPassword}, "password": {"a new matrix passphrase"}, "password_confirm": {"a new matrix passphrase"}},
			other: 303, owner: 303, ownerDid: func(t *testing.T, e *testEnv, rec *httptest.ResponseRecorder, _ *assessment.Assessment, _ string) {
				t.Helper()
				if loc := rec.Header().Get("Location"); loc != "/account/password?done=1" {
					t.Errorf("the change went to %q", loc)
				}
				f, err := e.store.FacilitatorByEmail(t.Context(), "owner@example.org")
				if err != nil || !survey.CheckPassword(f.PasswordHash, "a new matrix passphrase") {
					t.Errorf("the owner's password did not change (%v)", err)
				}
			}},

		// The team discussion, projected and as a one-page handout.
		"GET /assessments/:id/discussion":         {owner: 200},
		"GET /assessments/:id/discussion/handout": {owner: 200},
		"POST /account/tokens/:id/revoke": {owner: 303, ownerDid: func(t *testing.T, e *testEnv, _ *httptest.ResponseRecorder, _ *assessment.Assessment, token string) {
			if rec := e.bearer(http.MethodGet, "/api/v1/assessments", token, nil); rec.Code != http.StatusUnauthorized {
				t.Errorf("revoked token still answers %d", rec.Code)
			}
		}},
		"GET /account/activity":       {other: 200, owner: 200},
		"POST /api/v1/assessments":    {body: newBody, other: 201, owner: 201},
		"GET /api/v1/assessments":     {other: 200, owner: 200},
		"GET /api/v1/assessments/:id": {owner: 200, ownerDid: jsonID},
		"GET /api/v1/assessments/:id/report": {owner: 200, ownerDid: func(t *testing.T, _ *testEnv, rec *httptest.ResponseRecorder, a *assessment.Assessment, _ string) {
			var got struct {
				Assessment struct {
					ID int64 `json:"id"`
				} `json:"assessment"`
				Threshold int `json:"threshold"`
			}
			decodeJSON(t, rec.Body.Bytes(), &got)
			if got.Assessment.ID != a.ID || got.Threshold != a.Threshold {
				t.Errorf("report answered assessment %d threshold %d", got.Assessment.ID, got.Threshold)
			}
		}},
		"POST /assessments/:id/actions":             {form: actionForm, owner: 303, ownerDid: actionCount(2)},
		"GET /assessments/:id/actions/:action/edit": {owner: 200, need: assessment.ChangeAccess},
		"POST /assessments/:id/actions/:action": {form: actionForm, owner: 303, ownerDid: func(t *testing.T, e *testEnv, _ *httptest.ResponseRecorder, a *assessment.Assessment, _ string) {
			t.Helper()
			if list := e.storedActions(a.ID); len(list) != 1 || list[0].Text != "Agreed in the matrix" || list[0].Status != assessment.ActionInProgress {
				t.Errorf("after the owner's edit: %+v", list)
			}
		}},
		"POST /assessments/:id/actions/:action/delete": {owner: 303, ownerDid: actionCount(0)},
		"POST /assessments/:id/discussed": {owner: 303, ownerDid: func(t *testing.T, e *testEnv, _ *httptest.ResponseRecorder, a *assessment.Assessment, _ string) {
			t.Helper()
			if got := e.storedAssessment(a.ID); got.DiscussedAt == nil {
				t.Error("the owner's mark left the round not discussed")
			}
		}},
		"POST /assessments/:id/reassess":        {closedFirst: true, owner: 303, ownerDid: reassessed},
		"POST /api/v1/assessments/:id/reassess": {closedFirst: true, owner: 201, ownerDid: reassessed},
		"POST /api/v1/assessments/:id/discussed": {owner: 200, ownerDid: func(t *testing.T, e *testEnv, _ *httptest.ResponseRecorder, a *assessment.Assessment, _ string) {
			t.Helper()
			if got := e.storedAssessment(a.ID); got.DiscussedAt == nil {
				t.Error("the owner's mark through the API left the round not discussed")
			}
		}},
		"GET /api/v1/assessments/:id/actions":  {owner: 200},
		"POST /api/v1/assessments/:id/actions": {body: actionBody, owner: 201, ownerDid: actionCount(2)},
		"PATCH /api/v1/actions/:id": {body: map[string]any{"status": "done"}, owner: 200, ownerDid: func(t *testing.T, e *testEnv, _ *httptest.ResponseRecorder, a *assessment.Assessment, _ string) {
			t.Helper()
			if list := e.storedActions(a.ID); len(list) != 1 || list[0].Status != assessment.ActionDone {
				t.Errorf("after the owner's PATCH: %+v", list)
			}
		}},
		"GET /api/v1/actions/:id":                            {owner: 200},
		"DELETE /api/v1/actions/:id":                         {owner: 204, ownerDid: actionCount(0)},
		"POST /api/v1/assessments/:id/close":                 {owner: 200, ownerDid: statusIs(assessment.Closed)},
		"POST /api/v1/assessments/:id/reopen":                {closedFirst: true, owner: 200, ownerDid: statusIs(assessment.Open)},
		"POST /api/v1/assessments/:id/code":                  {owner: 200, ownerDid: newCode},
		"DELETE /api/v1/assessments/:id":                     {owner: 204, ownerDid: deleted, need: assessment.ManageAccess},
		"GET /api/v1/assessments/:id/report.xlsx":            {owner: 200, ownerDid: isWorkbook},
		"POST /assessments/:id/summary":                      {closedFirst: true, owner: 303, ownerDid: summaryPublished(true)},
		"GET /assessments/:id/paper":                         {owner: 200, need: assessment.ChangeAccess},
		"GET /assessments/:id/summary/texts":                 {closedFirst: true, owner: 200, need: assessment.ChangeAccess},
		"POST /assessments/:id/summary/texts":                {closedFirst: true, owner: 303},
		"POST /assessments/:id/paper":                        {form: paperForm, owner: 303, ownerDid: paperCount(1)},
		"GET /assessments/:id/paper/:ref":                    {owner: 200, need: assessment.ChangeAccess},
		"POST /assessments/:id/paper/:ref":                   {form: paperForm, owner: 303, ownerDid: paperCount(1)},
		"POST /assessments/:id/paper/:ref/delete":            {owner: 303, ownerDid: paperCount(0)},
		"POST /api/v1/assessments/:id/responses":             {body: paperBody, owner: 201, ownerDid: paperCount(1)},
		"GET /api/v1/assessments/:id/responses/:paper_id":    {owner: 200, need: assessment.ChangeAccess},
		"PUT /api/v1/assessments/:id/responses/:paper_id":    {body: paperBody, owner: 200, ownerDid: paperCount(1)},
		"DELETE /api/v1/assessments/:id/responses/:paper_id": {owner: 204, ownerDid: paperCount(0)},
		"POST /assessments/:id/summary/delete":               {closedFirst: true, owner: 303, ownerDid: summaryPublished(false)},
		"POST /api/v1/assessments/:id/summary":               {closedFirst: true, owner: 201, ownerDid: summaryPublished(true)},
		"DELETE /api/v1/assessments/:id/summary":             {closedFirst: true, owner: 204, ownerDid: summaryPublished(false)},

		// Who has access: anyone who reads the assessment sees the list; its owner and
		// admins share it and stop sharing it.
		// Handing over (the owner's or an admin's), and the admins' accounts pages: a
		// facilitator, the owner included, is 403 there (TestAdminRoutesAreAdminOnly
		// tries each as an admin).
		"GET /assessments/:id/handover": {owner: 200, need: assessment.ManageAccess},
		"POST /assessments/:id/handover": {form: url.Values{"email": {"other@example.org"}}, owner: 200, need: assessment.ManageAccess,
			ownerDid: func(t *testing.T, e *testEnv, _ *httptest.ResponseRecorder, a *assessment.Assessment, _ string) {
				t.Helper()
				if got := e.storedAssessment(a.ID); got == nil || got.FacilitatorID == nil || *got.FacilitatorID == *a.FacilitatorID {
					t.Errorf("after the hand-over the assessment is %+v, want it other's", got)
				}
			}},
		"GET /admin/accounts":                                    {other: 403, owner: 403},
		"POST /admin/accounts":                                   {form: url.Values{"email": {"new@example.org"}, "name": {"New"}, "role": {"admin"}}, other: 403, owner: 403},
		"POST /admin/accounts/:account/link":                     {other: 403, owner: 403},
		"POST /admin/accounts/:account/role":                     {form: url.Values{"role": {"admin"}}, other: 403, owner: 403},
		"POST /admin/accounts/:account/deactivate":               {other: 403, owner: 403},
		"POST /admin/accounts/:account/reactivate":               {other: 403, owner: 403},
		"GET /assessments/:id/members":                           {owner: 200},
		"POST /assessments/:id/members":                          {form: url.Values{"email": {"other@example.org"}, "role": {"viewer"}}, owner: 303, ownerDid: sharedWith("other@example.org", true), need: assessment.ManageAccess},
		"POST /assessments/:id/members/:facilitator/delete":      {owner: 303, ownerDid: sharedWith("third@example.org", false), need: assessment.ManageAccess},
		"GET /api/v1/assessments/:id/members":                    {owner: 200},
		"POST /api/v1/assessments/:id/members":                   {body: map[string]any{"email": "other@example.org", "role": "co_facilitator"}, owner: 201, ownerDid: sharedWith("other@example.org", true), need: assessment.ManageAccess},
		"GET /api/v1/assessments/:id/members/:facilitator_id":    {owner: 200},
		"DELETE /api/v1/assessments/:id/members/:facilitator_id": {owner: 204, ownerDid: sharedWith("third@example.org", false), need: assessment.ManageAccess},
	}
}

// sharedWith checks whether a is shared with the account of email after the request.
func sharedWith(email string, want bool) func(*testing.T, *testEnv, *httptest.ResponseRecorder, *assessment.Assessment, string) {
	return func(t *testing.T, e *testEnv, _ *httptest.ResponseRecorder, a *assessment.Assessment, _ string) {
		t.Helper()
		f, err := e.store.FacilitatorByEmail(t.Context(), email)
		if err != nil {
			t.Fatal(err)
		}
		role, err := e.store.MemberRole(t.Context(), a.SeriesID, f.ID)
		if got := err == nil && role != ""; got != want {
			t.Errorf("after the request %s has role %q (%v), want shared: %v", email, role, err, want)
		}
	}
}

// newPaperEntry enters a draft paper response in a (open) and returns its reference.
func (e *testEnv) newPaperEntry(a *assessment.Assessment) string {
	e.t.Helper()
	r := &assessment.Response{AssessmentID: a.ID, Pillar: "staff", Language: "en", Status: assessment.Draft,
		Answers: map[string]assessment.Answer{"S-01": assessment.Yes}, Reflections: map[string]string{}}
	ref := assessment.NewResumeToken()
	if err := e.store.CreatePaperResponse(e.t.Context(), r, assessment.HashToken(assessment.NewResumeToken()), ref); err != nil {
		e.t.Fatal(err)
	}
	return ref
}

// paperCount checks how many paper entries a has after the owner's request.
func paperCount(want int) func(*testing.T, *testEnv, *httptest.ResponseRecorder, *assessment.Assessment, string) {
	return func(t *testing.T, e *testEnv, _ *httptest.ResponseRecorder, a *assessment.Assessment, _ string) {
		t.Helper()
		list, err := e.store.PaperResponses(t.Context(), a.ID)
		if err != nil || len(list) != want {
			t.Errorf("after the owner's request %d paper entries (%v), want %d", len(list), err, want)
		}
	}
}

// summaryPublished checks whether the round's team summary is published after the
// owner's request.
func summaryPublished(want bool) func(*testing.T, *testEnv, *httptest.ResponseRecorder, *assessment.Assessment, string) {
	return func(t *testing.T, e *testEnv, _ *httptest.ResponseRecorder, a *assessment.Assessment, _ string) {
		t.Helper()
		_, err := e.store.SummaryOf(t.Context(), a.ID)
		if got := err == nil; got != want {
			t.Errorf("after the owner's request the summary is published: %v (%v), want %v", got, err, want)
		}
	}
}

// TestFacilitatorAuthorizationMatrix is generated from the router, so a new facilitator
// route cannot be left out: the test fails until the table says what it expects.
func TestFacilitatorAuthorizationMatrix(t *testing.T) {
	e := newTestEnv(t)
	table := authzTable()

	var keys []string
	inRouter := map[string]bool{}
	for _, r := range e.srv.Routes() {
		if !isFacilitatorRoute(r.Path) || !isHTTPMethod(r.Method) {
			continue
		}
		key := r.Method + " " + r.Path
		if inRouter[key] {
			continue
		}
		inRouter[key] = true
		keys = append(keys, key)
		if _, ok := table[key]; !ok {
			t.Errorf("facilitator route %q is not in the authorization table: add what it expects", key)
		}
	}
	for key := range table {
		if !inRouter[key] {
			t.Errorf("authorization table lists %q, which the router no longer has", key)
		}
	}
	sort.Strings(keys)
	if len(keys) < 20 {
		t.Fatalf("only %d facilitator routes found: %v", len(keys), keys)
	}

	owner := e.newFacilitator("owner@example.org", "Olive Owner")
	other := e.newFacilitator("other@example.org", "Oscar Other")
	otherToken, _ := e.newAPIToken(other, "other's script")
	viewer := e.newFacilitator("viewer@example.org", "Vera Viewer")
	viewerToken, _ := e.newAPIToken(viewer, "viewer's script")
	coFacilitator := e.newFacilitator("co@example.org", "Cora Co")
	coToken, _ := e.newAPIToken(coFacilitator, "co-facilitator's script")
	admin := e.newAdmin("boss@example.org", "Bea Boss")
	adminToken, _ := e.newAPIToken(admin, "admin's script")
	third := e.newFacilitator("third@example.org", "Theo Third") // every assessment here is shared with Theo

	for _, key := range keys {
		c, ok := table[key]
		if !ok {
			continue
		}
		t.Run(strings.NewReplacer(" ", "_", "/", "_", ":", "").Replace(key), func(t *testing.T) {
			se := *e
			se.t = t
			e := &se
			method, pattern, _ := strings.Cut(key, " ")
			api := strings.HasPrefix(pattern, "/api/")

			need := c.need
			if need == assessment.NoAccess {
				need = assessment.ChangeAccess
				if method == http.MethodGet {
					need = assessment.ReadAccess
				}
			}
			hasID := strings.Contains(pattern, ":id")
			// onAssessment: the route's :id is an assessment or one of its actions, which
			// the assessment's members reach by their role.
			onAssessment := hasID && !strings.HasPrefix(pattern, "/account/")

			// fixture is an assessment of the owner's, with an action, a token of the
			// owner's, a third facilitator it is shared with, and the route's path to it.
			type fixture struct {
				a          *assessment.Assessment
				before     assessment.Assessment
				ownerToken string
				act        *assessment.Action
				path       string
			}
			newFixture := func() fixture {
				t.Helper()
				a := e.ownedAssessment(owner, "Olive private round")
				if c.closedFirst {
					e.closeAssessment(a)
				}
				e.share(a, third, assessment.MemberViewer)
				before := *e.storedAssessment(a.ID)
				ownerToken, ownerTokenID := e.newAPIToken(owner, "owner's script")
				act := e.newAction(a, "Agreed before the request")
				path := pattern
				switch {
				case strings.HasPrefix(pattern, "/account/tokens/"):
					path = strings.Replace(path, ":id", strconv.FormatInt(ownerTokenID, 10), 1)
				case strings.HasPrefix(pattern, "/api/v1/actions/"):
					path = strings.Replace(path, ":id", strconv.FormatInt(act.ID, 10), 1)
				default:
					path = strings.Replace(path, ":action", strconv.FormatInt(act.ID, 10), 1)
					path = strings.Replace(path, ":id", strconv.FormatInt(a.ID, 10), 1)
				}
				path = strings.NewReplacer(":facilitator_id", strconv.FormatInt(third.ID, 10), ":facilitator", strconv.FormatInt(third.ID, 10)).Replace(path)
				if strings.Contains(path, ":ref") || strings.Contains(path, ":paper_id") {
					ref := e.newPaperEntry(a)
					path = strings.NewReplacer(":ref", ref, ":paper_id", ref).Replace(path)
				}
				return fixture{a: a, before: before, ownerToken: ownerToken, act: act, path: path}
			}
			fx := newFixture()
			a, ownerToken, path := fx.a, fx.ownerToken, fx.path

			// send runs the request as b (pages) or with token (API); sendTo, to path.
			var sendTo func(path string, b *browser, token string) *httptest.ResponseRecorder
			send := func(b *browser, token string) *httptest.ResponseRecorder {
				t.Helper()
				return sendTo(path, b, token)
			}
			sendTo = func(path string, b *browser, token string) *httptest.ResponseRecorder {
				t.Helper()
				var rec *httptest.ResponseRecorder
				switch {
				case api:
					rec = e.bearer(method, path, token, c.body)
				case method == http.MethodGet:
					rec = b.get(path)
				default:
					rec = b.postForm(path, c.form)
				}
				assertSecurityHeaders(t, rec)
				assertNoStore(t, rec)
				return rec
			}
			var unchangedAt func(fx fixture, who string)
			unchanged := func(who string) {
				t.Helper()
				unchangedAt(fx, who)
			}
			unchangedAt = func(fx fixture, who string) {
				t.Helper()
				a, before, ownerToken, act := fx.a, fx.before, fx.ownerToken, fx.act
				got := e.storedAssessment(a.ID)
				if got == nil {
					t.Fatalf("%s: the owner's assessment was deleted", who)
				}
				if got.Status != before.Status || got.Title != before.Title || got.Team != before.Team || got.Code != before.Code ||
					got.Threshold != before.Threshold || got.FacilitatorID == nil || *got.FacilitatorID != owner.ID {
					t.Errorf("%s: the owner's assessment changed from %+v to %+v", who, before, *got)
				}
				if list := e.storedActions(a.ID); len(list) != 1 || list[0].Text != act.Text || list[0].Status != act.Status || list[0].Lead != act.Lead {
					t.Errorf("%s: the owner's action plan changed to %+v", who, list)
				}
				if _, err := e.store.NextRoundOf(t.Context(), a.ID); err == nil {
					t.Errorf("%s: a next round was opened", who)
				}
				if f, _, err := e.store.FacilitatorByAPIToken(t.Context(), assessment.HashToken(ownerToken)); err != nil || f.ID != owner.ID {
					t.Errorf("%s: the owner's token no longer works: %v", who, err)
				}
			}

			// (a) Nobody: no session, no token.
			anon := e.newBrowser()
			anon.ensureCSRF()
			rec := send(anon, "")
			switch {
			case api:
				if rec.Code != http.StatusUnauthorized {
					t.Errorf("no token: status %d, want 401; body %s", rec.Code, rec.Body)
				} else if got := decodeAPIError(t, rec).Error.Code; got != "unauthorized" {
					t.Errorf("no token: error code %q", got)
				}
				if rec.Header().Get("WWW-Authenticate") == "" {
					t.Error("no token: no WWW-Authenticate header")
				}
			case method == http.MethodGet:
				want := "/login?next=" + url.QueryEscape(path)
				if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != want {
					t.Errorf("no session: %d to %q, want 303 to %q", rec.Code, rec.Header().Get("Location"), want)
				}
			default:
				if rec.Code != http.StatusForbidden {
					t.Errorf("no session: status %d, want 403", rec.Code)
				} else {
					e.assertErrorPage(t, rec, "sign_in_required")
				}
			}
			unchanged("no session")

			// (b) Another facilitator, with a valid session (and CSRF token) or token.
			ob := e.signedIn(other)
			rec = send(ob, otherToken)
			wantOther := c.other
			if hasID {
				wantOther = http.StatusNotFound
			}
			if rec.Code != wantOther {
				t.Errorf("other facilitator: status %d, want %d; body %.300s", rec.Code, wantOther, rec.Body)
			} else if hasID && api {
				if got := decodeAPIError(t, rec).Error.Code; got != "not_found" {
					t.Errorf("other facilitator: error code %q", got)
				}
			} else if hasID {
				e.assertErrorPage(t, rec, "not_found")
			}
			if strings.Contains(rec.Body.String(), a.Title) || strings.Contains(rec.Body.String(), a.Code) || strings.Contains(rec.Body.String(), assessment.FormatJoinCode(a.Code)) {
				t.Errorf("other facilitator sees the owner's assessment: %.500s", rec.Body)
			}
			unchanged("other facilitator")

			// (c) A viewer, a co-facilitator and an admin, each on an assessment of its
			// own (an allowed request changes it): what their access allows, else 403.
			if onAssessment {
				for _, r := range []struct {
					name  string
					f     *assessment.Facilitator
					token string
					role  string
					has   assessment.Access
				}{
					{"viewer", viewer, viewerToken, assessment.MemberViewer, assessment.ReadAccess},
					{"co-facilitator", coFacilitator, coToken, assessment.MemberCoFacilitator, assessment.ChangeAccess},
					{"admin", admin, adminToken, "", assessment.ManageAccess},
				} {
					rfx := newFixture()
					if r.role != "" {
						e.share(rfx.a, r.f, r.role)
					}
					rec := sendTo(rfx.path, e.signedIn(r.f), r.token)
					if r.has < assessment.ChangeAccess {
						// The join code lets whoever has it add responses that count.
						if body := rec.Body.String(); strings.Contains(body, rfx.a.Code) || strings.Contains(body, assessment.FormatJoinCode(rfx.a.Code)) {
							t.Errorf("%s: the answer carries the join code: %.300s", r.name, body)
						}
					}
					if r.has >= need {
						if rec.Code != c.owner {
							t.Errorf("%s: status %d, want %d (as the owner); body %.300s", r.name, rec.Code, c.owner, rec.Body)
						} else if c.ownerDid != nil {
							c.ownerDid(t, e, rec, rfx.a, rfx.ownerToken)
						}
						continue
					}
					if rec.Code != http.StatusForbidden {
						t.Errorf("%s: status %d, want 403; body %.300s", r.name, rec.Code, rec.Body)
					} else if api {
						if got := decodeAPIError(t, rec).Error.Code; got != "forbidden" {
							t.Errorf("%s: error code %q, want forbidden", r.name, got)
						}
					} else {
						e.assertErrorPage(t, rec, "forbidden")
					}
					unchangedAt(rfx, r.name)
				}
			}

			// An admin on a route of their own (no assessment in its path).
			if !onAssessment && c.admin != 0 {
				if rec := send(e.signedIn(admin), adminToken); rec.Code != c.admin {
					t.Errorf("admin: status %d, want %d; body %.300s", rec.Code, c.admin, rec.Body)
				}
			}

			// (d) The owner.
			rec = send(e.signedIn(owner), ownerToken)
			if rec.Code != c.owner {
				t.Errorf("owner: status %d, want %d; body %.300s", rec.Code, c.owner, rec.Body)
			} else if c.ownerDid != nil {
				c.ownerDid(t, e, rec, a, ownerToken)
			}
		})
	}
}

func isHTTPMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// TestFacilitatorListsAreOwn checks the lists (dashboard, API) show only one's own
// assessments, and an id that exists nowhere answers like someone else's.
func TestFacilitatorListsAreOwn(t *testing.T) {
	e := newTestEnv(t)
	alice := e.newFacilitator("alice@example.org", "Alice")
	bob := e.newFacilitator("bob@example.org", "Bob")
	aliceA := e.ownedAssessment(alice, "Alice's round")
	bobA := e.ownedAssessment(bob, "Bob's round")
	aliceToken, _ := e.newAPIToken(alice, "")

	body := e.signedIn(alice).get("/dashboard").Body.String()
	if !strings.Contains(body, escaped(t, aliceA.Title)) || strings.Contains(body, escaped(t, bobA.Title)) {
		t.Errorf("Alice's dashboard:\n%s", body)
	}
	rec := e.bearer(http.MethodGet, "/api/v1/assessments", aliceToken, nil)
	var list []map[string]any
	decodeJSON(t, rec.Body.Bytes(), &list)
	if len(list) != 1 || list[0]["id"] != float64(aliceA.ID) {
		t.Errorf("Alice's API list: %s", rec.Body)
	}
	raw, _ := json.Marshal(list)
	if strings.Contains(string(raw), bobA.Code) {
		t.Errorf("Alice's API list shows Bob's code: %s", raw)
	}
	// Someone else's id and an id that does not exist get the same answer.
	missing := strconv.FormatInt(bobA.ID+100, 10)
	for _, p := range []string{"/api/v1/assessments/" + strconv.FormatInt(bobA.ID, 10), "/api/v1/assessments/" + missing, "/api/v1/assessments/abc", "/api/v1/assessments/-1"} {
		if rec := e.bearer(http.MethodGet, p, aliceToken, nil); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, rec.Code)
		}
	}
	b := e.signedIn(alice)
	for _, p := range []string{"/assessments/" + strconv.FormatInt(bobA.ID, 10), "/assessments/" + missing, "/assessments/abc"} {
		if rec := b.get(p); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, rec.Code)
		}
	}
}
