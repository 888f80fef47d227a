package web

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ecat-project/ecat/assessment"
)

// The browser's own race, through the whole HTTP stack: the form's autosave is in
// flight when the person presses Submit. 100 times, a draft is saved, then two autosaves
// and the submission are posted at once to its resume link. Every submission that got
// its redirect to the thank-you page is stored submitted, with its answers; an autosave
// that arrived after it got 409 already_submitted (JSON, as form.js reads it) and
// changed nothing.
func TestFormSubmitRacingAutosave(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	const rounds = 100
	refused := 0
	for n := range rounds {
		b := e.newBrowser()
		csrf, _ := b.formFor(t, a.Code, "staff", "en")
		draft := url.Values{"_csrf": {csrf}, "pillar": {"staff"}, "lang": {"en"}, "action": {"save"}, "a.S-01": {"no"}}
		req := httptest.NewRequest(http.MethodPost, testBaseURL+"/j/"+a.Code+"/form", strings.NewReader(draft.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// Each round is another team member, on their own connection.
		rec := e.from(b, fmt.Sprintf("198.51.100.%d:1000", n+1), req)
		loc := rec.Header().Get("Location")
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/r/") {
			t.Fatalf("round %d: draft: %d to %q", n, rec.Code, loc)
		}
		token := strings.TrimPrefix(strings.Split(loc, "?")[0], "/r/")

		submit := e.fullForm(csrf, "staff", "en", "submit")
		submit.Set("strength_text", "Submitted in round "+strconv.Itoa(n))
		autosave := url.Values{"_csrf": {csrf}, "pillar": {"staff"}, "lang": {"en"}, "action": {"autosave"}, "a.S-02": {"yes"}, "strength_text": {"typed later"}}
		recs := make([]*httpResult, 3)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, form := range []url.Values{submit, autosave, autosave} {
			wg.Go(func() {
				<-start
				r := b.post("/r/"+token, form, "Accept", "application/json")
				recs[i] = &httpResult{code: r.Code, location: r.Header().Get("Location"), body: r.Body.String(), contentType: r.Header().Get("Content-Type")}
			})
		}
		close(start)
		wg.Wait()
		if recs[0].code != http.StatusSeeOther || !strings.HasSuffix(strings.Split(recs[0].location, "?")[0], "/thanks") {
			t.Fatalf("round %d: submit got %d to %q: %s", n, recs[0].code, recs[0].location, recs[0].body)
		}
		for _, r := range recs[1:] {
			switch r.code {
			case http.StatusOK:
			case http.StatusConflict:
				refused++
				if !strings.HasPrefix(r.contentType, "application/json") || !strings.Contains(r.body, `"already_submitted"`) {
					t.Errorf("round %d: a refused autosave answered %s %s", n, r.contentType, r.body)
				}
			default:
				t.Fatalf("round %d: autosave got %d: %s", n, r.code, r.body)
			}
		}
		got := e.storedResponse(token)
		if got.Status != assessment.Submitted || len(got.Answers) != len(e.itemIDs("staff")) || got.Strength.Text != submit.Get("strength_text") {
			t.Fatalf("round %d: an acknowledged submission is stored as %s with %d answers and %q", n, got.Status, len(got.Answers), got.Strength.Text)
		}
	}
	t.Logf("%d of %d autosaves arrived after the submission and were refused", refused, 2*rounds)
}

type httpResult struct {
	code                        int
	location, body, contentType string
}

// A draft save of the form that reaches a submitted response (a tab left open since
// before the submission) changes nothing, and shows the form back with what was typed,
// ready to update the submitted response.
func TestFormDraftSaveOfASubmittedResponse(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	b := e.newBrowser()
	csrf, _ := b.formFor(t, a.Code, "staff", "en")
	rec := b.post("/j/"+a.Code+"/form", e.fullForm(csrf, "staff", "en", "submit"))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("submit: %d", rec.Code)
	}
	token := strings.TrimPrefix(strings.Split(strings.TrimSuffix(strings.Split(rec.Header().Get("Location"), "?")[0], "/thanks"), "?")[0], "/r/")
	before := e.dbChecksum()
	stale := url.Values{"_csrf": {csrf}, "pillar": {"staff"}, "lang": {"en"}, "action": {"save"}, "a.S-01": {"no"},
		"strength_text": {"Typed in the old tab"}}
	rec = b.post("/r/"+token, stale)
	body := rec.Body.String()
	if rec.Code != http.StatusConflict {
		t.Fatalf("stale save: %d, want 409", rec.Code)
	}
	e.assertText(t, body, "en", "form.already_submitted_heading")
	e.assertText(t, body, "en", "form.update")
	if !strings.Contains(body, "Typed in the old tab") || strings.Contains(body, `value="save"`) {
		t.Error("the page loses what was typed, or still offers a draft save")
	}
	rec = b.post("/r/"+token, func() url.Values { v := stale; v.Set("action", "autosave"); return v }(), "Accept", "application/json")
	if rec.Code != http.StatusConflict || decodeAPIError(t, rec).Error.Code != "already_submitted" {
		t.Errorf("stale autosave: %d %s", rec.Code, rec.Body)
	}
	if e.dbChecksum() != before {
		t.Error("a draft save changed a submitted response")
	}
	// Completing it from that page updates the submitted response.
	update := e.fullForm(csrf, "staff", "en", "submit")
	update.Set("strength_text", "Typed in the old tab")
	if rec := b.post("/r/"+token, update); rec.Code != http.StatusSeeOther {
		t.Fatalf("update: %d %s", rec.Code, rec.Body)
	}
	if got := e.storedResponse(token); got.Status != assessment.Submitted || got.Strength.Text != "Typed in the old tab" {
		t.Errorf("after the update: %s %q", got.Status, got.Strength.Text)
	}
}

// The workbook is made whole before anything is sent: when making it fails, the answer
// is an error (JSON on the API, the error page in the browser), never a 200 with a
// truncated file. The failure here is the last step, recording the download in the
// activity trail, made to fail by a trigger.
func TestWorkbookFailureIsAnError(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("lead@example.org", "Lee")
	a := e.ownedAssessment(f, "Spring round")
	token, _ := e.newAPIToken(f, "")
	b := e.signedIn(f)
	path := "/assessments/" + strconv.FormatInt(a.ID, 10) + "/report.xlsx"
	if rec := b.get(path); rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/vnd.openxmlformats") {
		t.Fatalf("workbook: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	db, err := sql.Open("sqlite3", e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer checkClose(t, "database", db)
	if _, err := db.Exec(`CREATE TRIGGER fail_export BEFORE INSERT ON audit_events
		WHEN NEW.action = 'assessment_export' BEGIN SELECT RAISE(ABORT, 'injected fault'); END`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		get  func() *http.Response
		api  bool
	}{
		{"page", func() *http.Response { return b.get(path).Result() }, false},
		{"API", func() *http.Response { return e.bearer(http.MethodGet, "/api/v1"+path, token, nil).Result() }, true},
	} {
		res := c.get()
		if res.StatusCode != http.StatusInternalServerError {
			t.Errorf("%s: status %d, want 500", c.name, res.StatusCode)
		}
		if cd := res.Header.Get("Content-Disposition"); cd != "" || strings.Contains(res.Header.Get("Content-Type"), "spreadsheet") {
			t.Errorf("%s: a failed workbook is sent as a download (%q, %q)", c.name, cd, res.Header.Get("Content-Type"))
		}
		want := "text/html"
		if c.api {
			want = "application/json"
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), want) {
			t.Errorf("%s: content type %q, want %s", c.name, res.Header.Get("Content-Type"), want)
		}
	}
	if !strings.Contains(e.logs.String(), "injected fault") {
		t.Error("the cause is not logged")
	}
}
