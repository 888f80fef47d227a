package web

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
)

// newAction stores a planned action in a round, as if agreed at the meeting.
func (e *testEnv) newAction(a *assessment.Assessment, text string) *assessment.Action {
	e.t.Helper()
	act := &assessment.Action{AssessmentID: a.ID, Text: text, Lead: "Unit manager", Support: "An hour a month", Status: assessment.ActionPlanned}
	if err := e.store.CreateAction(e.t.Context(), act); err != nil {
		e.t.Fatalf("create action: %v", err)
	}
	return act
}

// newRequest builds a request with a raw body and content type ("" sends none).
func newRequest(t *testing.T, method, path, contentType, body string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, testBaseURL+path, rd)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

// storedActions reads a round's actions back.
func (e *testEnv) storedActions(assessmentID int64) []assessment.Action {
	e.t.Helper()
	list, err := e.store.Actions(e.t.Context(), assessmentID)
	if err != nil {
		e.t.Fatalf("actions: %v", err)
	}
	return list
}

type actionReply struct {
	ID                 int64   `json:"id"`
	AssessmentID       int64   `json:"assessment_id"`
	OriginAssessmentID *int64  `json:"origin_assessment_id"`
	CarriedFromID      *int64  `json:"carried_from_id"`
	Text               string  `json:"text"`
	Pillar             *string `json:"pillar"`
	Theme              *string `json:"theme"`
	Lead               string  `json:"lead"`
	Support            string  `json:"support"`
	Due                *string `json:"due"`
	Status             string  `json:"status"`
}

func TestActionAPI(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("lead@example.org", "Lee")
	token, _ := e.newAPIToken(f, "")
	a := e.ownedAssessment(f, "Spring round")
	base := "/api/v1/assessments/" + strconv.FormatInt(a.ID, 10) + "/actions"

	rec := e.bearer(http.MethodPost, base, token, map[string]any{
		"text": "Invite a patient partner to the monthly huddle", "pillar": "staff", "theme": "influence",
		"lead": "Nurse manager", "support": "Parking vouchers", "due": "2099-03-31", "status": "planned",
	})
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var created actionReply
	decodeJSON(t, rec.Body.Bytes(), &created)
	if created.ID == 0 || created.AssessmentID != a.ID || created.OriginAssessmentID == nil || *created.OriginAssessmentID != a.ID ||
		created.CarriedFromID != nil || created.Pillar == nil || *created.Pillar != "staff" || created.Due == nil || *created.Due != "2099-03-31" ||
		created.Status != "planned" || created.Lead != "Nurse manager" {
		t.Errorf("created %s", rec.Body)
	}
	// The minimum: text and lead; status defaults to planned, the rest is null.
	rec = e.bearer(http.MethodPost, base, token, map[string]any{"text": "Share the report at the staff meeting", "lead": "Director", "pillar": nil})
	var second actionReply
	decodeJSON(t, rec.Body.Bytes(), &second)
	if rec.Code != http.StatusCreated || second.Status != "planned" || second.Pillar != nil || second.Theme != nil || second.Due != nil {
		t.Errorf("minimal create: %d %s", rec.Code, rec.Body)
	}

	rec = e.bearer(http.MethodGet, base, token, nil)
	var list []actionReply
	decodeJSON(t, rec.Body.Bytes(), &list)
	if rec.Code != http.StatusOK || len(list) != 2 || list[0].ID != created.ID || list[1].ID != second.ID {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}

	// PATCH changes only what it names; null clears an optional field.
	actionURL := "/api/v1/actions/" + strconv.FormatInt(created.ID, 10)
	rec = e.bearer(http.MethodPatch, actionURL, token, map[string]any{"status": "in_progress", "due": nil})
	var patched actionReply
	decodeJSON(t, rec.Body.Bytes(), &patched)
	if rec.Code != http.StatusOK || patched.Status != "in_progress" || patched.Due != nil || patched.Text != created.Text || *patched.Pillar != "staff" {
		t.Errorf("patch: %d %s", rec.Code, rec.Body)
	}
	// Actions can be recorded after the round is closed: the meeting comes after.
	e.closeAssessment(a)
	rec = e.bearer(http.MethodPatch, actionURL, token, map[string]any{"status": "done"})
	if rec.Code != http.StatusOK {
		t.Errorf("patch on a closed round: %d %s", rec.Code, rec.Body)
	}

	rec = e.bearer(http.MethodDelete, "/api/v1/actions/"+strconv.FormatInt(second.ID, 10), token, nil)
	if rec.Code != http.StatusNoContent {
		t.Errorf("delete: %d %s", rec.Code, rec.Body)
	}
	for _, m := range []string{http.MethodDelete, http.MethodPatch} {
		rec = e.bearer(m, "/api/v1/actions/"+strconv.FormatInt(second.ID, 10), token, map[string]any{"status": "done"})
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s a deleted action: %d", m, rec.Code)
		}
	}
	if got := e.auditActions(f); strings.Count(strings.Join(got, " "), "action_") != 5 {
		t.Errorf("audit trail %v, want 2 creates, 2 updates and 1 delete", got)
	}
}

// TestActionAPIRejects: every bad body gets its own 4xx and changes nothing stored.
func TestActionAPIRejects(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("lead@example.org", "Lee")
	token, _ := e.newAPIToken(f, "")
	a := e.ownedAssessment(f, "Spring round")
	act := e.newAction(a, "Keep me as I am")
	other := e.newFacilitator("other@example.org", "Other")
	otherToken, _ := e.newAPIToken(other, "")
	createURL := "/api/v1/assessments/" + strconv.FormatInt(a.ID, 10) + "/actions"
	actionURL := "/api/v1/actions/" + strconv.FormatInt(act.ID, 10)

	cases := []struct {
		name, method, path, token, contentType, body string
		status                                       int
		code                                         string
		fields                                       []string
	}{
		{"missing text and lead", "POST", createURL, token, "", `{"text":" ","lead":""}`, 422, "validation_failed", []string{"lead", "text"}},
		{"unknown pillar and theme", "POST", createURL, token, "", `{"text":"t","lead":"l","pillar":"board","theme":"money"}`, 422, "validation_failed", []string{"pillar", "theme"}},
		{"bad date and status", "POST", createURL, token, "", `{"text":"t","lead":"l","due":"31/03/2027","status":"finished"}`, 422, "validation_failed", []string{"due", "status"}},
		{"formula and script", "POST", createURL, token, "", `{"text":"=HYPERLINK(\"http://x\")","lead":"<script>alert(1)</script>"}`, 422, "validation_failed", []string{"lead", "text"}},
		{"too long", "POST", createURL, token, "", `{"text":"` + strings.Repeat("a", assessment.MaxActionLen+1) + `","lead":"l"}`, 422, "validation_failed", []string{"text"}},
		{"duplicated member", "POST", createURL, token, "", `{"text":"t","lead":"l","text":"u"}`, 422, "validation_failed", []string{"text"}},
		{"invalid utf8", "POST", createURL, token, "", "{\"text\":\"bad \xff\",\"lead\":\"l\"}", 422, "validation_failed", []string{"body"}},
		{"unknown member", "POST", createURL, token, "", `{"text":"t","lead":"l","owner":"x"}`, 400, "malformed", nil},
		{"number for text", "POST", createURL, token, "", `{"text":5,"lead":"l"}`, 400, "malformed", nil},
		{"array body", "POST", createURL, token, "", `["text"]`, 400, "malformed", nil},
		{"trailing data", "POST", createURL, token, "", `{"text":"t","lead":"l"} {}`, 400, "malformed", nil},
		{"truncated", "POST", createURL, token, "", `{"text":"t",`, 400, "malformed", nil},
		{"form content type", "POST", createURL, token, "application/x-www-form-urlencoded", `text=t&lead=l`, 415, "unsupported_media_type", nil},
		{"oversized", "POST", createURL, token, "", `{"text":"` + strings.Repeat("a", 70<<10) + `","lead":"l"}`, 400, "body_too_large", nil},
		{"patch bad status", "PATCH", actionURL, token, "", `{"status":"finished"}`, 422, "validation_failed", []string{"status"}},
		{"patch clears lead", "PATCH", actionURL, token, "", `{"lead":null}`, 422, "validation_failed", []string{"lead"}},
		{"someone else's round", "POST", createURL, otherToken, "", `{"text":"t","lead":"l"}`, 404, "not_found", nil},
		{"someone else's action", "PATCH", actionURL, otherToken, "", `{"status":"done"}`, 404, "not_found", nil},
		{"someone else's delete", "DELETE", actionURL, otherToken, "", ``, 404, "not_found", nil},
		{"no token", "PATCH", actionURL, "", "", `{"status":"done"}`, 401, "unauthorized", nil},
		{"path traversal id", "PATCH", "/api/v1/actions/..%2f1", token, "", `{"status":"done"}`, 404, "not_found", nil},
		{"non-numeric id", "DELETE", "/api/v1/actions/1e3", token, "", ``, 404, "not_found", nil},
	}
	before := e.dataChecksum()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ct := c.contentType
			if ct == "" && c.body != "" {
				ct = "application/json"
			}
			req := newRequest(t, c.method, c.path, ct, c.body)
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			rec := e.serve(req)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			got := decodeAPIError(t, rec)
			if got.Error.Code != c.code {
				t.Errorf("code %q, want %q", got.Error.Code, c.code)
			}
			if fields := sortedKeys(got.Error.Fields); strings.Join(fields, ",") != strings.Join(c.fields, ",") {
				t.Errorf("fields %v, want %v", fields, c.fields)
			}
			if e.dataChecksum() != before {
				t.Fatal("a rejected request changed the database")
			}
		})
	}
}

func TestReassessAPI(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("lead@example.org", "Lee")
	token, _ := e.newAPIToken(f, "")
	a := e.ownedAssessment(f, "Spring round")
	open := e.newAction(a, "Still to do")
	done := e.newAction(a, "Finished")
	done.Status = assessment.ActionDone
	if err := e.store.UpdateAction(t.Context(), done); err != nil {
		t.Fatal(err)
	}
	url := "/api/v1/assessments/" + strconv.FormatInt(a.ID, 10) + "/reassess"

	before := e.dataChecksum()
	rec := e.bearer(http.MethodPost, url, token, nil)
	if rec.Code != http.StatusConflict || decodeAPIError(t, rec).Error.Code != "assessment_open" {
		t.Fatalf("reassess an open round: %d %s", rec.Code, rec.Body)
	}
	if e.dataChecksum() != before {
		t.Fatal("a refused reassess changed the database")
	}

	e.closeAssessment(a)
	rec = e.bearer(http.MethodPost, url, token, nil)
	if rec.Code != http.StatusCreated {
		t.Fatalf("reassess: %d %s", rec.Code, rec.Body)
	}
	var next struct {
		ID         int64  `json:"id"`
		Round      int    `json:"round"`
		PreviousID *int64 `json:"previous_id"`
		Code       string `json:"code"`
		Status     string `json:"status"`
		Threshold  int    `json:"threshold"`
		Team       string `json:"team"`
	}
	decodeJSON(t, rec.Body.Bytes(), &next)
	if next.Round != 2 || next.PreviousID == nil || *next.PreviousID != a.ID || next.Code == a.Code || next.Status != "open" ||
		next.Threshold != a.Threshold || next.Team != a.Team {
		t.Errorf("next round %s", rec.Body)
	}
	rec = e.bearer(http.MethodGet, "/api/v1/assessments/"+strconv.FormatInt(next.ID, 10)+"/actions", token, nil)
	var carried []actionReply
	decodeJSON(t, rec.Body.Bytes(), &carried)
	if len(carried) != 1 || carried[0].Text != open.Text || carried[0].CarriedFromID == nil || *carried[0].CarriedFromID != open.ID ||
		carried[0].OriginAssessmentID == nil || *carried[0].OriginAssessmentID != a.ID {
		t.Errorf("carried actions %s", rec.Body)
	}

	before = e.dataChecksum()
	rec = e.bearer(http.MethodPost, url, token, nil)
	if rec.Code != http.StatusConflict || decodeAPIError(t, rec).Error.Code != "already_reassessed" {
		t.Errorf("reassess twice: %d %s", rec.Code, rec.Body)
	}
	if e.dataChecksum() != before {
		t.Fatal("a refused reassess changed the database")
	}
}

// TestActionPlanPages walks the facilitator through the plan in the browser: add with a
// mistake, fix it, edit, mark the discussion held, close, reassess, and find the open
// action carried into round 2.
func TestActionPlanPages(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("lead@example.org", "Lee")
	a := e.ownedAssessment(f, "Spring round")
	b := e.signedIn(f)
	page := "/assessments/" + strconv.FormatInt(a.ID, 10)
	e.createResponse(e.completeBody(a.Code, "staff")) // actions come once the team has answered

	body := b.get(page).Body.String()
	for _, key := range []string{"actions.heading", "actions.none", "actions.add_heading", "actions.mark_discussed", "rounds.reassess_later"} {
		e.assertText(t, body, "en", key)
	}
	if strings.Contains(body, `action="`+page+`/reassess"`) {
		t.Error("an open round offers Reassess")
	}

	// Marking the discussion held with no action asks for one, next to the form.
	rec := b.postForm(page+"/discussed", url.Values{})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("discussed without action: %d", rec.Code)
	}
	e.assertText(t, rec.Body.String(), "en", "actions.need_one_title")
	if !strings.Contains(rec.Body.String(), `href="#action-text"`) || !pageIDs(rec.Body.String())["action-text"] {
		t.Error("the message does not lead to the action field")
	}

	// A mistake: the lead is missing and the date is wrong. Everything typed stays.
	form := url.Values{"text": {"Invite a partner to huddles"}, "lead": {""}, "support": {"Parking"}, "pillar": {"staff"},
		"theme": {"influence"}, "due": {"31/03/2027"}, "status": {"planned"}}
	before := e.allTablesChecksum()
	rec = b.postForm(page+"/actions", form)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad action form: %d", rec.Code)
	}
	if e.allTablesChecksum() != before {
		t.Fatal("a rejected action form changed the database")
	}
	body = rec.Body.String()
	if got := errorSummary(t, body); strings.Join(got, ",") != "action-lead,action-due" {
		t.Errorf("error summary targets %v", got)
	}
	for _, kept := range []string{"Invite a partner to huddles", "Parking", `value="31/03/2027"`, `<option value="staff" selected>`} {
		if !strings.Contains(body, kept) {
			t.Errorf("the form lost %q", kept)
		}
	}
	e.assertText(t, body, "en", "field.due_invalid")

	form.Set("lead", "Nurse manager")
	form.Set("due", "2099-03-31")
	rec = b.postForm(page+"/actions", form)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != page+"?done=action_added#actions" {
		t.Fatalf("add: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	acts := e.storedActions(a.ID)
	if len(acts) != 1 || acts[0].Lead != "Nurse manager" || acts[0].DueString() != "2099-03-31" || acts[0].Theme != "influence" {
		t.Fatalf("stored %+v", acts)
	}
	body = b.get(page + "?done=action_added").Body.String()
	for _, want := range []string{"Invite a partner to huddles", "Nurse manager", "2099-03-31", e.tmpl.Message("en", "action_status.planned")} {
		if !strings.Contains(body, escaped(t, want)) {
			t.Errorf("the plan lacks %q", want)
		}
	}
	e.assertText(t, body, "en", "assessment.done_action_added")

	// Edit it: in progress.
	editURL := page + "/actions/" + strconv.FormatInt(acts[0].ID, 10)
	if rec := b.get(editURL + "/edit"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Invite a partner to huddles") {
		t.Fatalf("edit page: %d", rec.Code)
	}
	form.Set("status", "in_progress")
	if rec := b.postForm(editURL, form); rec.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", rec.Code, rec.Body)
	}
	if got := e.storedActions(a.ID)[0].Status; got != assessment.ActionInProgress {
		t.Errorf("status %q after edit", got)
	}
	// A second action, then delete it.
	second := e.newAction(a, "Drop me")
	if rec := b.postForm(page+"/actions/"+strconv.FormatInt(second.ID, 10)+"/delete", url.Values{}); rec.Code != http.StatusSeeOther {
		t.Fatalf("delete: %d", rec.Code)
	}
	if n := len(e.storedActions(a.ID)); n != 1 {
		t.Errorf("%d actions after delete", n)
	}

	// The action id must belong to the round in the path.
	mine := e.ownedAssessment(f, "Another of mine")
	if rec := b.get("/assessments/" + strconv.FormatInt(mine.ID, 10) + "/actions/" + strconv.FormatInt(acts[0].ID, 10) + "/edit"); rec.Code != http.StatusNotFound {
		t.Errorf("action under another round's path: %d", rec.Code)
	}

	if rec := b.postForm(page+"/discussed", url.Values{}); rec.Code != http.StatusSeeOther {
		t.Fatalf("discussed: %d", rec.Code)
	}
	body = b.get(page).Body.String()
	if strings.Contains(body, `action="`+page+`/discussed"`) {
		t.Error("a discussed round still offers to mark it discussed")
	}

	// Close, reassess, and land on round 2 with the action carried over.
	if rec := b.postForm(page+"/close", url.Values{}); rec.Code != http.StatusSeeOther {
		t.Fatal(rec.Code)
	}
	if !strings.Contains(b.get(page).Body.String(), `action="`+page+`/reassess"`) {
		t.Fatal("a closed round does not offer Reassess")
	}
	rec = b.postForm(page+"/reassess", url.Values{})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("reassess: %d", rec.Code)
	}
	next := rec.Header().Get("Location")
	body = b.get(next).Body.String()
	e.assertText(t, body, "en", "assessment.done_reassessed")
	e.assertText(t, body, "en", "actions.carried")
	if !strings.Contains(body, "Invite a partner to huddles") || !strings.Contains(body, `href="`+page+`"`) {
		t.Error("round 2 lacks the carried action or the link back to round 1")
	}
	body = b.get(page).Body.String()
	if strings.Contains(body, `action="`+page+`/reassess"`) || !strings.Contains(body, `href="`+strings.SplitN(next, "?", 2)[0]+`"`) {
		t.Error("round 1 still offers Reassess or lacks the link to round 2")
	}
	// Pressing Reassess again (an old tab) is a friendly 409.
	rec = b.postForm(page+"/reassess", url.Values{})
	if rec.Code != http.StatusConflict {
		t.Fatalf("reassess twice: %d", rec.Code)
	}
	e.assertErrorPage(t, rec, "already_reassessed")
	// Round 1 is kept as it was: its plan continues in round 2; no add, edit or reopen.
	e.assertText(t, body, "en", "actions.continued")
	if strings.Contains(body, `action="`+page+`/actions"`) || strings.Contains(body, editURL+"/edit") {
		t.Error("round 1 still offers to add or edit actions")
	}
	before = e.allTablesChecksum()
	for _, p := range []string{page + "/reopen", page + "/actions", editURL, editURL + "/delete"} {
		if rec := b.postForm(p, form); rec.Code != http.StatusConflict {
			t.Errorf("POST %s on a reassessed round: %d, want 409", p, rec.Code)
		}
	}
	if e.allTablesChecksum() != before {
		t.Error("a refused change to a reassessed round changed the database")
	}
}

// TestActionPlanFrench: the plan and its form speak French.
func TestActionPlanFrench(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("lead@example.org", "Lee")
	a := e.ownedAssessment(f, "Printemps")
	e.newAction(a, "Inviter un partenaire")
	e.createResponse(e.completeBody(a.Code, "staff")) // the form comes once the team has answered
	b := e.signedIn(f)
	body := b.get("/assessments/" + strconv.FormatInt(a.ID, 10) + "?lang=fr").Body.String()
	for _, key := range []string{"actions.heading", "actions.field_lead", "action_status.planned", "rounds.heading", "actions.submit_add"} {
		e.assertText(t, body, "fr", key)
	}
}

// TestActionFormKeepsAnEarlierTheme: a carried action whose theme the current checklist
// no longer has keeps it when its form is saved unchanged.
func TestActionFormKeepsAnEarlierTheme(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("lead@example.org", "Lee")
	a := e.ownedAssessment(f, "Spring round")
	act := e.newAction(a, "Keep the old theme")
	// As if stored by an earlier instrument version with a theme since retired (storage
	// keeps what it is given; the instrument's rules are the use case's).
	act.Theme = "retired_theme"
	if err := e.store.UpdateAction(t.Context(), act); err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(f)
	body := b.get("/assessments/" + strconv.FormatInt(a.ID, 10) + "/actions/" + strconv.FormatInt(act.ID, 10) + "/edit").Body.String()
	if !strings.Contains(body, `<option value="retired_theme" selected>`) {
		t.Fatalf("the edit form drops the earlier theme:\n%s", body)
	}
}

// POST /api/v1/assessments/{id}/discussed follows the page's rule: 409 no_actions (and
// nothing changed) before the team agreed an action, then the round is discussed, and
// marking it again keeps the first time.
func TestAPIMarkDiscussed(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("talk@example.org", "Tal")
	token, _ := e.newAPIToken(f, "")
	a := e.ownedAssessment(f, "Discussed round")
	path := "/api/v1/assessments/" + strconv.FormatInt(a.ID, 10)
	before := e.dbDump()
	rec := e.bearer(http.MethodPost, path+"/discussed", token, nil)
	if rec.Code != http.StatusConflict || decodeAPIError(t, rec).Error.Code != "no_actions" {
		t.Fatalf("without actions: %d %s", rec.Code, rec.Body)
	}
	if e.dbDump() != before {
		t.Error("a refused mark changed what is stored")
	}
	if rec := e.bearer(http.MethodPost, path+"/actions", token, map[string]any{"text": "Invite a partner", "lead": "Manager"}); rec.Code != http.StatusCreated {
		t.Fatalf("action: %d", rec.Code)
	}
	var first, again struct {
		DiscussedAt *time.Time `json:"discussed_at"`
	}
	rec = e.bearer(http.MethodPost, path+"/discussed", token, nil)
	decodeJSON(t, rec.Body.Bytes(), &first)
	if rec.Code != http.StatusOK || first.DiscussedAt == nil {
		t.Fatalf("mark: %d %s", rec.Code, rec.Body)
	}
	time.Sleep(1100 * time.Millisecond)
	rec = e.bearer(http.MethodPost, path+"/discussed", token, nil)
	decodeJSON(t, rec.Body.Bytes(), &again)
	if rec.Code != http.StatusOK || again.DiscussedAt == nil || !again.DiscussedAt.Equal(*first.DiscussedAt) {
		t.Errorf("marking again: %d, discussed_at %v, want the first %v", rec.Code, again.DiscussedAt, first.DiscussedAt)
	}
}

// PATCH /api/v1/actions/{id} with If-Match changes the action only while it is at that
// version: the reply's ETag is the next version; a stale, weak or foreign tag is 412
// precondition_failed and changes nothing; "*" or no header change it whatever its
// version.
func TestAPIActionIfMatch(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("etag@example.org", "Eta")
	token, _ := e.newAPIToken(f, "")
	a := e.ownedAssessment(f, "Tagged round")
	rec := e.bearer(http.MethodPost, "/api/v1/assessments/"+strconv.FormatInt(a.ID, 10)+"/actions", token, map[string]any{"text": "Invite a partner", "lead": "Manager"})
	var act struct {
		ID      int64
		Version int64
	}
	decodeJSON(t, rec.Body.Bytes(), &act)
	if act.Version != 1 {
		t.Fatalf("a new action at version %d, want 1", act.Version)
	}
	path := "/api/v1/actions/" + strconv.FormatInt(act.ID, 10)
	patch := func(ifMatch string, body map[string]any) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPatch, testBaseURL+path, bytes.NewReader(mustJSON(t, body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		return e.serve(req)
	}
	rec = patch(`"v1"`, map[string]any{"status": "in_progress"})
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") != `"v2"` {
		t.Fatalf("current tag: %d ETag %q %s", rec.Code, rec.Header().Get("ETag"), rec.Body)
	}
	for _, stale := range []string{`"v1"`, `W/"v2"`, `"2"`, `"v0"`, `"v2", "v3"`} {
		before := e.dbDump()
		rec := patch(stale, map[string]any{"status": "done"})
		if rec.Code != http.StatusPreconditionFailed || decodeAPIError(t, rec).Error.Code != "precondition_failed" {
			t.Errorf("If-Match %s: %d %s", stale, rec.Code, rec.Body)
		}
		if e.dbDump() != before {
			t.Errorf("If-Match %s changed the action", stale)
		}
	}
	if rec := patch("*", map[string]any{"lead": "Director"}); rec.Code != http.StatusOK || rec.Header().Get("ETag") != `"v3"` {
		t.Errorf("If-Match *: %d %q", rec.Code, rec.Header().Get("ETag"))
	}
	if rec := patch("", map[string]any{"lead": "Nurse"}); rec.Code != http.StatusOK || rec.Header().Get("ETag") != `"v4"` {
		t.Errorf("no If-Match: %d %q", rec.Code, rec.Header().Get("ETag"))
	}
	if list := e.storedActions(a.ID); list[0].Status != "in_progress" || list[0].Lead != "Nurse" {
		t.Errorf("stored %+v", list[0])
	}
}
