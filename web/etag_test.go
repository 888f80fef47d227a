package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// sendIfMatch sends an API request with a JSON body (nil: none), a bearer token ("":
// none) and If-Match ("": none).
func (e *testEnv) sendIfMatch(method, path, token, ifMatch string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	var req *http.Request
	if body != nil {
		req = httptest.NewRequest(method, testBaseURL+path, bytes.NewReader(mustJSON(e.t, body)))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, testBaseURL+path, nil)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	return e.serve(req)
}

// staleTags are If-Match values that match no current version: an old one, a weak
// tag, another form, several.
func staleTags(old string) []string {
	return []string{old, `W/"v2"`, `"2"`, `"v0"`, `"v2", "v3"`}
}

// A respondent's script and the browser's autosave write one response: GET gives its
// ETag, every write answers the next one, and a PUT with a stale If-Match is 412
// precondition_failed with nothing changed. "*" or no If-Match write whatever the version.
func TestAPIResponseIfMatch(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	rec := e.api(http.MethodPost, "/api/v1/responses", "application/json", draftBody(t, a.Code, nil))
	if rec.Code != http.StatusCreated || rec.Header().Get("ETag") != `"v1"` {
		t.Fatalf("create: %d ETag %q", rec.Code, rec.Header().Get("ETag"))
	}
	token := strings.TrimPrefix(rec.Header().Get("Location"), "/api/v1/responses/")
	path := "/api/v1/responses/" + token
	if rec := e.sendIfMatch(http.MethodGet, path, "", "", nil); rec.Code != http.StatusOK || rec.Header().Get("ETag") != `"v1"` {
		t.Fatalf("GET: %d ETag %q", rec.Code, rec.Header().Get("ETag"))
	}
	body := func(reflection string) map[string]any {
		return map[string]any{"pillar": "staff", "answers": map[string]string{"S-01": "no"}, "reflections": map[string]string{"S-R1": reflection}}
	}
	rec = e.sendIfMatch(http.MethodPut, path, "", `"v1"`, body("first"))
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") != `"v2"` {
		t.Fatalf("PUT at the current version: %d ETag %q %s", rec.Code, rec.Header().Get("ETag"), rec.Body)
	}
	for _, stale := range staleTags(`"v1"`) {
		before := e.dbDump()
		rec := e.sendIfMatch(http.MethodPut, path, "", stale, body("late"))
		if rec.Code != http.StatusPreconditionFailed || decodeAPIError(t, rec).Error.Code != "precondition_failed" {
			t.Errorf("If-Match %s: %d %s", stale, rec.Code, rec.Body)
		}
		if e.dbDump() != before {
			t.Errorf("If-Match %s changed the response", stale)
		}
	}
	got := e.getResponse(token)
	if got.Reflections["S-R1"] != "first" {
		t.Errorf("stored reflection %q, want the change made at the current version", got.Reflections["S-R1"])
	}
	if rec := e.sendIfMatch(http.MethodPut, path, "", "*", body("any")); rec.Code != http.StatusOK || rec.Header().Get("ETag") != `"v3"` {
		t.Errorf("If-Match *: %d %q", rec.Code, rec.Header().Get("ETag"))
	}
	if rec := e.sendIfMatch(http.MethodPut, path, "", "", body("none")); rec.Code != http.StatusOK || rec.Header().Get("ETag") != `"v4"` {
		t.Errorf("no If-Match: %d %q", rec.Code, rec.Header().Get("ETag"))
	}
	if rec := e.sendIfMatch(http.MethodGet, path, "", "", nil); rec.Header().Get("ETag") != `"v4"` {
		t.Errorf("GET after four writes: ETag %q", rec.Header().Get("ETag"))
	}
}

// The assessment's writes (close, reopen, discussed, reassess, delete) honour If-Match:
// a stale tag is 412 and the assessment stays as it was; each change moves the ETag on.
func TestAPIAssessmentIfMatch(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("tags@example.org", "Tag")
	token, _ := e.newAPIToken(f, "")
	a := e.ownedAssessment(f, "Tagged round")
	base := "/api/v1/assessments/" + strconv.FormatInt(a.ID, 10)
	etag := func() string {
		t.Helper()
		rec := e.sendIfMatch(http.MethodGet, base, token, "", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET: %d", rec.Code)
		}
		return rec.Header().Get("ETag")
	}
	if got := etag(); got != `"v1"` {
		t.Fatalf("a new assessment's ETag %q", got)
	}
	rec := e.sendIfMatch(http.MethodPost, base+"/close", token, `"v1"`, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") != `"v2"` {
		t.Fatalf("close at the current version: %d %q %s", rec.Code, rec.Header().Get("ETag"), rec.Body)
	}
	if rec := e.bearer(http.MethodPost, base+"/actions", token, map[string]any{"text": "Invite a partner", "lead": "Manager"}); rec.Code != http.StatusCreated || rec.Header().Get("ETag") != `"v1"` {
		t.Fatalf("new action: %d ETag %q", rec.Code, rec.Header().Get("ETag"))
	}
	for _, write := range []struct{ method, path string }{
		{http.MethodPost, base + "/reopen"},
		{http.MethodPost, base + "/discussed"},
		{http.MethodPost, base + "/reassess"},
		{http.MethodDelete, base},
	} {
		for _, stale := range staleTags(`"v1"`) {
			before := e.dbDump()
			rec := e.sendIfMatch(write.method, write.path, token, stale, nil)
			if rec.Code != http.StatusPreconditionFailed || decodeAPIError(t, rec).Error.Code != "precondition_failed" {
				t.Errorf("%s %s If-Match %s: %d %s", write.method, write.path, stale, rec.Code, rec.Body)
			}
			if e.dbDump() != before {
				t.Errorf("%s %s If-Match %s changed something", write.method, write.path, stale)
			}
		}
	}
	rec = e.sendIfMatch(http.MethodPost, base+"/discussed", token, `"v2"`, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") != `"v3"` {
		t.Fatalf("discussed at the current version: %d %q %s", rec.Code, rec.Header().Get("ETag"), rec.Body)
	}
	rec = e.sendIfMatch(http.MethodPost, base+"/reassess", token, `"v3"`, nil)
	if rec.Code != http.StatusCreated || rec.Header().Get("ETag") != `"v1"` {
		t.Fatalf("reassess at the current version: %d %q %s", rec.Code, rec.Header().Get("ETag"), rec.Body)
	}
	if got := etag(); got != `"v4"` {
		t.Errorf("the reassessed round's ETag %q, want \"v4\"", got)
	}
	if rec := e.sendIfMatch(http.MethodDelete, base, token, `"v3"`, nil); rec.Code != http.StatusPreconditionFailed {
		t.Errorf("delete at an old version: %d", rec.Code)
	}
	if rec := e.sendIfMatch(http.MethodDelete, base, token, `"v4"`, nil); rec.Code != http.StatusNoContent {
		t.Errorf("delete at the current version: %d %s", rec.Code, rec.Body)
	}
	if e.storedAssessment(a.ID) != nil {
		t.Error("the assessment is still there")
	}
}

// One action reads with its ETag; deleting it against an old version leaves it.
func TestAPIActionGetAndDeleteIfMatch(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("act@example.org", "Act")
	token, _ := e.newAPIToken(f, "")
	a := e.ownedAssessment(f, "Plan")
	rec := e.bearer(http.MethodPost, "/api/v1/assessments/"+strconv.FormatInt(a.ID, 10)+"/actions", token, map[string]any{"text": "Invite a partner", "lead": "Manager"})
	path := rec.Header().Get("Location")
	if rec := e.sendIfMatch(http.MethodPatch, path, token, `"v1"`, map[string]any{"status": "done"}); rec.Code != http.StatusOK {
		t.Fatalf("PATCH: %d", rec.Code)
	}
	rec = e.sendIfMatch(http.MethodGet, path, token, "", nil)
	var act actionJSON
	decodeJSON(t, rec.Body.Bytes(), &act)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") != `"v2"` || act.Status != "done" || act.Version != 2 {
		t.Fatalf("GET: %d ETag %q %+v", rec.Code, rec.Header().Get("ETag"), act)
	}
	other := e.newFacilitator("other@example.org", "Other")
	otherToken, _ := e.newAPIToken(other, "")
	if rec := e.sendIfMatch(http.MethodGet, path, otherToken, "", nil); rec.Code != http.StatusNotFound {
		t.Errorf("another facilitator reads the action: %d", rec.Code)
	}
	if rec := e.sendIfMatch(http.MethodDelete, path, token, `"v1"`, nil); rec.Code != http.StatusPreconditionFailed {
		t.Errorf("delete at an old version: %d %s", rec.Code, rec.Body)
	}
	if len(e.storedActions(a.ID)) != 1 {
		t.Fatal("the stale delete removed the action")
	}
	if rec := e.sendIfMatch(http.MethodDelete, path, token, `"v2"`, nil); rec.Code != http.StatusNoContent {
		t.Errorf("delete at the current version: %d %s", rec.Code, rec.Body)
	}
}

// The form's autosave sends the version its page showed: after a change made elsewhere
// (another tab, a script) it is refused with 412 and stores nothing, instead of
// overwriting that change; an autosave at the current version goes through and answers
// the next version. Saving by hand (no If-Match) keeps what is on the screen.
func TestAutosaveIfMatch(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	b := e.newBrowser()
	csrf, _ := b.formFor(t, a.Code, "leadership", "en")
	save := func(path, action, ifMatch string, v url.Values) *httptest.ResponseRecorder {
		v.Set("_csrf", csrf)
		v.Set("action", action)
		headers := []string{"Accept", "application/json"}
		if ifMatch != "" {
			headers = append(headers, "If-Match", ifMatch)
		}
		return b.post(path, v, headers...)
	}
	form := func(reflection string) url.Values {
		return url.Values{"pillar": {"leadership"}, "lang": {"en"}, "a.L-01": {"yes"}, "refl.L-R1": {reflection}}
	}
	rec := save("/j/"+a.Code+"/form", "autosave", "", form("first"))
	var first autosaveJSON
	decodeJSON(t, rec.Body.Bytes(), &first)
	if rec.Code != http.StatusOK || first.ETag != `"v1"` || rec.Header().Get("ETag") != `"v1"` {
		t.Fatalf("first autosave: %d %+v", rec.Code, first)
	}
	page := b.get(first.ResumePath)
	if m := regexp.MustCompile(`data-etag="([^"]*)"`).FindStringSubmatch(page.Body.String()); m == nil || m[1] != "&#34;v1&#34;" {
		t.Fatalf("the form page does not carry its version: %v", m)
	}
	rec = save(first.ActionURL, "autosave", first.ETag, form("second"))
	var second autosaveJSON
	decodeJSON(t, rec.Body.Bytes(), &second)
	if rec.Code != http.StatusOK || second.ETag != `"v2"` {
		t.Fatalf("autosave at the current version: %d %+v", rec.Code, second)
	}
	// Another window saved meanwhile: this page's autosave, still at v2, is refused.
	token := strings.TrimPrefix(first.ResumePath, "/r/")
	if rec := e.sendIfMatch(http.MethodPut, "/api/v1/responses/"+token, "", "", map[string]any{"pillar": "leadership", "reflections": map[string]string{"L-R1": "from elsewhere"}}); rec.Code != http.StatusOK {
		t.Fatalf("the other write: %d %s", rec.Code, rec.Body)
	}
	before := e.dbDump()
	rec = save(first.ActionURL, "autosave", second.ETag, form("stale autosave"))
	if rec.Code != http.StatusPreconditionFailed || decodeAPIError(t, rec).Error.Code != "precondition_failed" {
		t.Fatalf("stale autosave: %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(rec.Body.String(), "Automatic saving has stopped") {
		t.Errorf("the stale autosave does not say what happened: %s", rec.Body)
	}
	if e.dbDump() != before {
		t.Error("the stale autosave changed the response")
	}
	if got := e.getResponse(token).Reflections["L-R1"]; got != "from elsewhere" {
		t.Errorf("stored %q, want the other window's change kept", got)
	}
	// The person presses Save: what is on their screen is kept.
	if rec := save(first.ActionURL, "save", "", form("kept by hand")); rec.Code != http.StatusSeeOther {
		t.Fatalf("save by hand: %d %s", rec.Code, rec.Body)
	}
	if got := e.getResponse(token).Reflections["L-R1"]; got != "kept by hand" {
		t.Errorf("stored %q after saving by hand", got)
	}
}
