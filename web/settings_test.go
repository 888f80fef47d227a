package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
)

// settingsClock sets the service's clock, and with store the store's too, to one the
// test moves. A test that signs in through a browser leaves the store's clock alone: its
// sessions end by the real one (signedIn).
func (e *testEnv) settingsClock(at time.Time, store bool) *atomic.Int64 {
	var ns atomic.Int64
	ns.Store(at.UnixNano())
	now := func() time.Time { return time.Unix(0, ns.Load()).UTC() }
	e.srv.svc.SetClock(now)
	if store {
		e.store.SetClock(now)
	}
	return &ns
}

// apiAssessmentRaw is an assessment as the API answers it, its counts kept raw to see
// which members they have.
type apiAssessmentRaw struct {
	ID        int64                                 `json:"id"`
	Unit      string                                `json:"unit"`
	Expected  map[string]int                        `json:"expected"`
	ClosesAt  *time.Time                            `json:"closes_at"`
	Status    string                                `json:"status"`
	ClosedAt  *time.Time                            `json:"closed_at"`
	Version   int64                                 `json:"version"`
	Code      string                                `json:"code"`
	Responses map[string]map[string]json.RawMessage `json:"responses"`
}

func decodeRaw(t *testing.T, rec interface{ Bytes() []byte }) apiAssessmentRaw {
	t.Helper()
	var a apiAssessmentRaw
	decodeJSON(t, rec.Bytes(), &a)
	return a
}

func fieldsOf(t *testing.T, rec interface{ Bytes() []byte }) map[string]string {
	t.Helper()
	var reply apiErrorReply
	decodeJSON(t, rec.Bytes(), &reply)
	out := map[string]string{}
	for k, f := range reply.Error.Fields {
		out[k] = f.Code
	}
	return out
}

// TestAPISettings: an assessment is created with a unit, expected headcounts and a
// closing moment; its representation carries them, and each pillar's counts its
// headcount and response rate (absent where none is expected); PATCH changes them,
// If-Match honoured, every bad member named at once; the list filters by unit.
func TestAPISettings(t *testing.T) {
	e := newTestEnv(t)
	e.settingsClock(time.Date(2031, 5, 6, 9, 0, 0, 0, time.UTC), true)
	f := e.newFacilitator("units@example.org", "Uma")
	token, _ := e.newAPIToken(f, "units")

	rec := e.bearer(http.MethodPost, "/api/v1/assessments", token, map[string]any{"title": "Spring", "team": "Ward 4B",
		"unit": " Medicine ", "expected": map[string]any{"staff": 4, "leadership": 0, "patient_partners": nil}, "closes_at": "2031-05-20T17:00:00-04:00"})
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	a := decodeRaw(t, rec.Body)
	if a.Unit != "Medicine" || len(a.Expected) != 2 || a.Expected["staff"] != 4 || a.Expected["leadership"] != 0 ||
		a.ClosesAt == nil || !a.ClosesAt.Equal(time.Date(2031, 5, 20, 21, 0, 0, 0, time.UTC)) {
		t.Errorf("created: %s", rec.Body)
	}
	if !strings.Contains(rec.Body.String(), `"closes_at":"2031-05-20T21:00:00Z"`) {
		t.Errorf("the closing moment is not given in UTC: %s", rec.Body)
	}
	e.submitAs(&assessment.Assessment{Code: a.Code}, pillars.Staff, 3, "rate", "")
	path := "/api/v1/assessments/" + strconv.FormatInt(a.ID, 10)
	rec = e.bearer(http.MethodGet, path, token, nil)
	got := decodeRaw(t, rec.Body)
	if s := got.Responses[pillars.Staff]; string(s["expected"]) != "4" || string(s["rate"]) != "75" || string(s["submitted"]) != "3" {
		t.Errorf("staff counts: %s", rec.Body)
	}
	if l := got.Responses[pillars.Leadership]; string(l["expected"]) != "0" || l["rate"] != nil {
		t.Errorf("leadership counts (0 expected: no rate): %s", rec.Body)
	}
	if p := got.Responses[pillars.PatientPartners]; len(p) != 2 {
		t.Errorf("patient partners' counts (nothing expected: no expected, no rate): %s", rec.Body)
	}

	// Defaults: none of them.
	rec = e.bearer(http.MethodPost, "/api/v1/assessments", token, map[string]any{"title": "Plain", "team": "Clinic"})
	if !strings.Contains(rec.Body.String(), `"unit":"","language":"en"`) || !strings.Contains(rec.Body.String(), `"closes_at":null`) ||
		!strings.Contains(rec.Body.String(), `"expected":{}`) {
		t.Errorf("a plain assessment: %s", rec.Body)
	}

	// Every bad member at once, nothing stored.
	before := e.allTablesChecksum()
	rec = e.bearer(http.MethodPost, "/api/v1/assessments", token, json.RawMessage(`{"title": "Bad", "team": "Ward",
		"unit": "<b>Med</b>", "expected": {"staff": -1, "leadership": 10001, "visitors": 2, "patient_partners": 1, "patient_partners": 2},
		"closes_at": "2031-05-06T08:59:59Z"}`))
	want := map[string]string{"unit": "markup", "expected.staff": "invalid", "expected.leadership": "invalid",
		"expected.visitors": "unknown", "expected.patient_partners": "duplicate", "closes_at": "past"}
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad create: %d %s", rec.Code, rec.Body)
	}
	if got := fieldsOf(t, rec.Body); len(got) != len(want) {
		t.Errorf("bad create: fields %v, want %v", got, want)
	} else {
		for k, code := range want {
			if got[k] != code {
				t.Errorf("bad create: %s is %q, want %q", k, got[k], code)
			}
		}
	}
	for _, bad := range []string{"tomorrow", "2031-05-20", "2031-05-20 17:00", ""} {
		rec := e.bearer(http.MethodPost, "/api/v1/assessments", token, map[string]any{"title": "T", "team": "W", "closes_at": bad})
		if rec.Code != http.StatusUnprocessableEntity || fieldsOf(t, rec.Body)["closes_at"] != "invalid" {
			t.Errorf("closes_at %q: %d %s", bad, rec.Code, rec.Body)
		}
	}
	if e.allTablesChecksum() != before {
		t.Error("a refused create changed the database")
	}

	// PATCH: the members given change, If-Match honoured, the version moves on.
	etag := versionETag(got.Version)
	rec = e.sendIfMatch(http.MethodPatch, path, token, etag, map[string]any{"unit": "Surgery", "expected": map[string]any{"staff": 6}})
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") != versionETag(got.Version+1) {
		t.Fatalf("patch: %d %s %s", rec.Code, rec.Header().Get("ETag"), rec.Body)
	}
	patched := decodeRaw(t, rec.Body)
	if patched.Unit != "Surgery" || len(patched.Expected) != 1 || patched.Expected["staff"] != 6 || !patched.ClosesAt.Equal(*a.ClosesAt) ||
		string(patched.Responses[pillars.Staff]["rate"]) != "50" {
		t.Errorf("patched: %s", rec.Body)
	}
	if rec := e.sendIfMatch(http.MethodPatch, path, token, etag, map[string]any{"unit": "Stale"}); rec.Code != http.StatusPreconditionFailed {
		t.Errorf("a PATCH against the old version: %d", rec.Code)
	}
	before = e.allTablesChecksum()
	rec = e.bearer(http.MethodPatch, path, token, json.RawMessage(`{"title": null, "unit": "a", "unit": "b",
		"expected": {"staff": 10001}, "closes_at": "next week"}`))
	if got := fieldsOf(t, rec.Body); rec.Code != http.StatusUnprocessableEntity || got["title"] != "required" || got["unit"] != "duplicate" ||
		got["expected.staff"] != "invalid" || got["closes_at"] != "invalid" {
		t.Errorf("bad patch: %d %s", rec.Code, rec.Body)
	}
	for _, body := range []string{`null`, `[]`, `{"surprise": 1}`, `{"unit": 3}`, `{"expected": [1]}`, `{"expected": {"staff": 1.5}}`, `{"title": "a"} {}`} {
		req := httptest.NewRequest(http.MethodPatch, testBaseURL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		if rec := e.serve(req); rec.Code != http.StatusBadRequest {
			t.Errorf("patch %s: %d %s", body, rec.Code, rec.Body)
		}
	}
	if e.allTablesChecksum() != before {
		t.Error("a refused PATCH changed the database")
	}
	// null clears; the audit trail has the change.
	rec = e.bearer(http.MethodPatch, path, token, map[string]any{"unit": nil, "expected": nil, "closes_at": nil})
	if cleared := decodeRaw(t, rec.Body); rec.Code != http.StatusOK || cleared.Unit != "" || len(cleared.Expected) != 0 || cleared.ClosesAt != nil {
		t.Errorf("cleared: %d %s", rec.Code, rec.Body)
	}
	if actions := e.auditActions(f); len(actions) == 0 || actions[len(actions)-1] != assessment.AuditUpdated {
		t.Errorf("audit trail: %v", actions)
	}

	// The list by unit: exactly, spaces aside; empty or twice is 422.
	e.bearer(http.MethodPatch, path, token, map[string]any{"unit": "Surgery"})
	var list []apiAssessmentRaw
	rec = e.bearer(http.MethodGet, "/api/v1/assessments?unit=%20Surgery", token, nil)
	decodeJSON(t, rec.Body.Bytes(), &list)
	if rec.Code != http.StatusOK || len(list) != 1 || list[0].ID != a.ID {
		t.Errorf("?unit=Surgery: %d %s", rec.Code, rec.Body)
	}
	rec = e.bearer(http.MethodGet, "/api/v1/assessments?unit=surgery", token, nil)
	if decodeJSON(t, rec.Body.Bytes(), &list); len(list) != 0 {
		t.Errorf("?unit=surgery (another name): %s", rec.Body)
	}
	for _, q := range []string{"unit=", "unit=%20", "unit=a&unit=b"} {
		if rec := e.bearer(http.MethodGet, "/api/v1/assessments?"+q, token, nil); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("?%s: %d", q, rec.Code)
		}
	}
}

// TestClosingMomentThroughTheAPI: from the closing moment, before the scheduler has
// marked the round closed, an answer is 409 assessment_closed and nothing stored
// changes; the round reads closed; its moment no longer changes (409) while its unit
// does; reopening clears the moment.
func TestClosingMomentThroughTheAPI(t *testing.T) {
	e := newTestEnv(t)
	t0 := time.Date(2031, 5, 6, 9, 0, 0, 0, time.UTC)
	clock := e.settingsClock(t0, true)
	f := e.newFacilitator("moment@example.org", "Mo")
	token, _ := e.newAPIToken(f, "moment")
	rec := e.bearer(http.MethodPost, "/api/v1/assessments", token, map[string]any{"title": "Moment", "team": "Ward", "closes_at": "2031-05-06T10:00:00Z"})
	a := decodeRaw(t, rec.Body)
	path := "/api/v1/assessments/" + strconv.FormatInt(a.ID, 10)
	resume := e.createResponse(e.completeBody(a.Code, pillars.Staff))

	clock.Store(time.Date(2031, 5, 6, 10, 0, 0, 0, time.UTC).UnixNano())
	before := e.allTablesChecksum()
	upd := e.completeBody(a.Code, pillars.Staff)
	delete(upd, "code")
	if rec := e.apiJSON(http.MethodPut, "/api/v1/responses/"+resume, upd); rec.Code != http.StatusConflict || decodeAPIError(t, rec).Error.Code != "assessment_closed" {
		t.Errorf("a change after the moment: %d %s", rec.Code, rec.Body)
	}
	if rec := e.apiJSON(http.MethodPost, "/api/v1/responses", e.completeBody(a.Code, pillars.Staff)); rec.Code != http.StatusConflict || decodeAPIError(t, rec).Error.Code != "assessment_closed" {
		t.Errorf("a new response after the moment: %d %s", rec.Code, rec.Body)
	}
	if e.allTablesChecksum() != before {
		t.Error("a refused answer changed the database")
	}
	if stored := e.storedAssessment(a.ID); stored.Status != assessment.Open {
		t.Fatalf("the round is %s already: the test means to run before the scheduler", stored.Status)
	}
	got := decodeRaw(t, e.bearer(http.MethodGet, path, token, nil).Body)
	if got.Status != "closed" || got.ClosedAt == nil || !got.ClosedAt.Equal(*got.ClosesAt) {
		t.Errorf("at the moment the round reads %s, closed at %v", got.Status, got.ClosedAt)
	}
	if rec := e.get("/j/" + a.Code); rec.Code == http.StatusOK {
		t.Errorf("the join page after the moment: %d", rec.Code)
	}

	if rec := e.bearer(http.MethodPatch, path, token, map[string]any{"closes_at": "2031-05-07T10:00:00Z"}); rec.Code != http.StatusConflict {
		t.Errorf("moving the moment of a round past it: %d %s", rec.Code, rec.Body)
	}
	if rec := e.bearer(http.MethodPatch, path, token, map[string]any{"unit": "Medicine", "closes_at": "2031-05-06T10:00:00Z"}); rec.Code != http.StatusOK {
		t.Errorf("the unit of a round past its moment, the moment sent unchanged: %d %s", rec.Code, rec.Body)
	}
	if ids, err := e.srv.svc.CloseDue(t.Context()); err != nil || len(ids) != 1 {
		t.Fatalf("CloseDue: %v %v", ids, err)
	}
	rec = e.bearer(http.MethodPost, path+"/reopen", token, nil)
	if reopened := decodeRaw(t, rec.Body); rec.Code != http.StatusOK || reopened.Status != "open" || reopened.ClosesAt != nil {
		t.Errorf("reopened: %d %s", rec.Code, rec.Body)
	}
	if rec := e.apiJSON(http.MethodPut, "/api/v1/responses/"+resume, upd); rec.Code != http.StatusOK {
		t.Errorf("a change after reopening: %d %s", rec.Code, rec.Body)
	}
}

// get fetches a page without a session.
func (e *testEnv) get(path string) *httptest.ResponseRecorder { return e.newBrowser().get(path) }

// TestJoinPageShowsTheClosingMoment: the join page says when the round closes, in the
// page's language, with its time zone.
func TestJoinPageShowsTheClosingMoment(t *testing.T) {
	e := newTestEnv(t)
	e.settingsClock(time.Date(2031, 5, 6, 9, 0, 0, 0, time.UTC), false)
	f := e.newFacilitator("join@example.org", "Jo")
	b := e.signedIn(f)
	rec := b.postForm("/assessments", url.Values{"title": {"Spring"}, "team": {"Ward"}, "threshold": {"3"}, "language": {"fr"},
		"closes_at": {"2031-05-20T17:05"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	a := e.storedAssessment(pathIDOf(t, rec.Header().Get("Location")))
	for lang, want := range map[string]string{
		"fr": "Cette évaluation se termine le 2031-05-20 à 17 h 05 (heure UTC)",
		"en": "This round closes on 2031-05-20 at 17:05 UTC",
	} {
		body := e.get("/j/" + a.Code + "?lang=" + lang).Body.String()
		if !strings.Contains(body, escaped(t, want)) {
			t.Errorf("the %s join page lacks %q", lang, want)
		}
	}
	plain := e.ownedAssessment(f, "No moment")
	if body := e.get("/j/" + plain.Code + "?lang=en").Body.String(); strings.Contains(body, "This round closes on") {
		t.Error("a round without a closing moment says it closes")
	}
}

func pathIDOf(t *testing.T, location string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(strings.TrimPrefix(location, "/assessments/"), 10, 64)
	if err != nil {
		t.Fatalf("went to %q", location)
	}
	return id
}

// TestNewAssessmentFormSettings: the form takes a unit, the headcounts and a closing
// moment (in UTC); what is wrong is listed in the form's order, everything typed kept,
// and nothing is stored.
func TestNewAssessmentFormSettings(t *testing.T) {
	e := newTestEnv(t)
	e.settingsClock(time.Date(2031, 5, 6, 9, 0, 0, 0, time.UTC), false)
	f := e.newFacilitator("form@example.org", "Fo")
	b := e.signedIn(f)
	page := b.get("/assessments/new").Body.String()
	for _, field := range []string{`name="unit"`, `name="expected_staff"`, `name="expected_leadership"`, `name="expected_patient_partners"`,
		`type="datetime-local" id="closes_at" name="closes_at"`} {
		if !strings.Contains(page, field) {
			t.Errorf("the form lacks %s", field)
		}
	}
	e.assertText(t, page, "en", "new.closes_at_hint")

	before := e.allTablesChecksum()
	form := url.Values{"title": {"Spring"}, "team": {"Ward"}, "threshold": {"3"}, "language": {"en"}, "unit": {"=Medicine()"},
		"expected_staff": {"twelve"}, "expected_leadership": {"-2"}, "expected_patient_partners": {"3"}, "closes_at": {"2031-05-06T08:00"}}
	rec := b.postForm("/assessments", form)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", rec.Code)
	}
	body := rec.Body.String()
	if got := strings.Join(errorSummary(t, body), ","); got != "unit,expected-leadership,expected-staff,closes_at" {
		t.Errorf("error summary targets %s", got)
	}
	for _, kept := range []string{`value="=Medicine()"`, `value="twelve"`, `value="-2"`, `name="expected_patient_partners" value="3"`, `value="2031-05-06T08:00"`} {
		if !strings.Contains(body, kept) {
			t.Errorf("the form lost %s", kept)
		}
	}
	for _, key := range []string{"field.expected_invalid", "field.closes_at_past", "field.formula"} {
		e.assertText(t, body, "en", key)
	}
	if e.allTablesChecksum() != before {
		t.Error("a refused form changed the database")
	}
	form.Set("unit", "Medicine")
	form.Set("expected_staff", "12")
	form.Set("expected_leadership", "")
	form.Set("closes_at", "2031-05-20T17:05")
	rec = b.postForm("/assessments", form)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("good form: %d %s", rec.Code, rec.Body)
	}
	a := e.storedAssessment(pathIDOf(t, rec.Header().Get("Location")))
	if a.Unit != "Medicine" || len(a.Expected) != 2 || a.Expected["staff"] != 12 || a.Expected["patient_partners"] != 3 ||
		!a.ClosesAt.Equal(time.Date(2031, 5, 20, 17, 5, 0, 0, time.UTC)) {
		t.Errorf("stored: unit %q, expected %v, closes at %v", a.Unit, a.Expected, a.ClosesAt)
	}
	// The next form offers the units already named.
	if page := b.get("/assessments/new").Body.String(); !strings.Contains(page, `<datalist id="unit-list"><option value="Medicine">`) {
		t.Error("the form does not offer the unit named before")
	}
}

// TestSettingsPage: the settings page shows the stored settings, saves a change (with
// its notice), lists mistakes in order, and on a closed round shows the closing moment
// without a field; its response rate then shows on the assessment page.
func TestSettingsPage(t *testing.T) {
	e := newTestEnv(t)
	e.settingsClock(time.Date(2031, 5, 6, 9, 0, 0, 0, time.UTC), false)
	f := e.newFacilitator("settings@example.org", "Sam")
	b := e.signedIn(f)
	a := e.ownedAssessment(f, "Settings round")
	page := "/assessments/" + strconv.FormatInt(a.ID, 10)
	if body := b.get(page).Body.String(); !strings.Contains(body, `href="`+page+`/edit"`) {
		t.Error("the assessment page does not lead to its settings")
	}
	body := b.get(page + "/edit").Body.String()
	if !strings.Contains(body, `value="Settings round"`) || strings.Contains(body, `name="threshold"`) || strings.Contains(body, `name="language"`) {
		t.Errorf("the settings page: title missing, or threshold or language offered")
	}

	form := url.Values{"title": {"Renamed"}, "team": {a.Team}, "unit": {"Medicine"}, "expected_staff": {"4"}, "expected_leadership": {""},
		"expected_patient_partners": {"0"}, "closes_at": {"2031-05-06T08:59"}}
	rec := b.postForm(page+"/edit", form)
	if rec.Code != http.StatusUnprocessableEntity || strings.Join(errorSummary(t, rec.Body.String()), ",") != "closes_at" {
		t.Fatalf("a passed moment: %d", rec.Code)
	}
	form.Set("closes_at", "2031-05-07T09:00")
	rec = b.postForm(page+"/edit", form)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != page+"?done=settings_saved" {
		t.Fatalf("save: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	stored := e.storedAssessment(a.ID)
	if stored.Title != "Renamed" || stored.Unit != "Medicine" || stored.Expected["staff"] != 4 || stored.Expected["patient_partners"] != 0 ||
		len(stored.Expected) != 2 || !stored.ClosesAt.Equal(time.Date(2031, 5, 7, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("stored %+v", stored)
	}
	e.submitAs(a, pillars.Staff, 3, "rate", "")
	body = b.get(page + "?done=settings_saved").Body.String()
	e.assertText(t, body, "en", "assessment.done_settings_saved")
	for _, want := range []string{"Medicine · ", escaped(t, "It closes by itself on 2031-05-07 at 09:00 UTC."),
		`<td class="num-cell" data-field="expected">4</td><td class="num-cell" data-field="rate">75%</td>`,
		`<td class="num-cell" data-field="expected">0</td><td class="num-cell" data-field="rate">—</td>`,
		`<td class="num-cell" data-field="expected">—</td><td class="num-cell" data-field="rate">—</td>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the assessment page lacks %s", want)
		}
	}
	// The printable invitation gives the closing moment too, as the join page does.
	if body := b.get(page + "/invitation").Body.String(); !strings.Contains(body, escaped(t, "This round closes on 2031-05-07 at 09:00 UTC")) {
		t.Error("the printable invitation does not give the closing moment")
	}
	// So does the dashboard, with the response rate where a headcount is expected.
	dash := b.get("/dashboard").Body.String()
	for _, want := range []string{escaped(t, "closes on 2031-05-07 at 09:00 UTC"),
		// Leadership (no headcount), staff (4 expected), patient partners (0 expected).
		"<td>" + escaped(t, "submitted: 0 · in progress: 0") + "</td><td>" + escaped(t, "submitted: 3 of 4 expected (75%) · in progress: 0") +
			"</td><td>" + escaped(t, "submitted: 0 · in progress: 0") + "</td>"} {
		if !strings.Contains(dash, want) {
			t.Errorf("the dashboard lacks %s", want)
		}
	}
	var live struct {
		Responses map[string]countsJSON `json:"responses"`
	}
	decodeJSON(t, b.get(page+"/completion").Body.Bytes(), &live)
	if s := live.Responses[pillars.Staff]; s.Expected == nil || *s.Expected != 4 || s.Rate == nil || *s.Rate != 75 {
		t.Errorf("the live completion: %+v", live.Responses)
	}

	// Closed: the moment shows as text, and the rest still saves.
	e.closeAssessment(a)
	body = b.get(page + "/edit").Body.String()
	if strings.Contains(body, `name="closes_at"`) || !strings.Contains(body, escaped(t, "2031-05-07 at 09:00 UTC")) {
		t.Error("a closed round's settings page offers its closing moment")
	}
	form.Del("closes_at")
	form.Set("unit", "Surgery")
	if rec := b.postForm(page+"/edit", form); rec.Code != http.StatusSeeOther {
		t.Errorf("a closed round's settings: %d", rec.Code)
	}
	if got := e.storedAssessment(a.ID); got.Unit != "Surgery" || got.ClosesAt == nil {
		t.Errorf("after the closed round's settings: %+v", got)
	}
}

var unitHeadingRE = regexp.MustCompile(`<h3 class="unit-heading">([^<]*)</h3>|<h4 id="team-\d+">([^<]*)</h4>`)

// TestDashboardUnits: the dashboard groups teams by unit (units in name order, teams
// with none last) and filters by one.
func TestDashboardUnits(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("dash@example.org", "Di")
	token, _ := e.newAPIToken(f, "dash")
	for _, c := range []struct{ team, unit string }{{"Ward 9", "Surgery"}, {"Clinic", ""}, {"Ward 4", "medicine"}, {"Ward 5", "Surgery"}} {
		if rec := e.bearer(http.MethodPost, "/api/v1/assessments", token, map[string]any{"title": "Round of " + c.team, "team": c.team, "unit": c.unit}); rec.Code != http.StatusCreated {
			t.Fatal(rec.Body)
		}
	}
	b := e.signedIn(f)
	outline := func(body string) string {
		var parts []string
		for _, m := range unitHeadingRE.FindAllStringSubmatch(body, -1) {
			if m[1] != "" {
				parts = append(parts, "["+m[1]+"]")
			} else {
				parts = append(parts, m[2])
			}
		}
		return strings.Join(parts, " ")
	}
	body := b.get("/dashboard").Body.String()
	if got := outline(body); got != "[medicine] Ward 4 [Surgery] Ward 5 Ward 9 [No unit] Clinic" {
		t.Errorf("dashboard outline: %s", got)
	}
	if !strings.Contains(body, `<option value="medicine">medicine</option>`) || !strings.Contains(body, `<option value="Surgery">Surgery</option>`) {
		t.Error("the unit filter does not offer the units")
	}
	body = b.get("/dashboard?unit=Surgery").Body.String()
	if got := outline(body); got != "[Surgery] Ward 5 Ward 9" {
		t.Errorf("filtered outline: %s", got)
	}
	if !strings.Contains(body, `<option value="Surgery" selected>`) {
		t.Error("the chosen unit is not selected")
	}
	body = b.get("/dashboard?unit=Nowhere").Body.String()
	if outline(body) != "" || !strings.Contains(body, escaped(t, "None of your teams is in the unit Nowhere.")) {
		t.Errorf("an unknown unit: %s", outline(body))
	}
}

// TestReportParticipation: the report shows a shown group's response rate and a
// withheld group's expected headcount only, on the page and in the JSON.
func TestReportParticipation(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("report@example.org", "Re")
	token, _ := e.newAPIToken(f, "report")
	rec := e.bearer(http.MethodPost, "/api/v1/assessments", token, map[string]any{"title": "Rated", "team": "Ward",
		"expected": map[string]any{"staff": 5, "patient_partners": 9}})
	a := decodeRaw(t, rec.Body)
	round := &assessment.Assessment{ID: a.ID, Code: a.Code}
	e.submitAs(round, pillars.Staff, 4, "staff", "")
	e.submitAs(round, pillars.PatientPartners, 2, "pp", "") // withheld: fewer than 3
	body := e.signedIn(f).get("/assessments/" + strconv.FormatInt(a.ID, 10) + "/report").Body.String()
	for _, want := range []string{"Response rate: 80% (4 of 5 people expected).", "People expected in this group: 9."} {
		if !strings.Contains(body, escaped(t, want)) {
			t.Errorf("the report page lacks %q", want)
		}
	}
	if strings.Contains(body, "of 9 people expected") {
		t.Error("the report page gives a withheld group's rate")
	}
	rec = e.bearer(http.MethodGet, "/api/v1/assessments/"+strconv.FormatInt(a.ID, 10)+"/report", token, nil)
	doc := decodeReport(t, rec.Body.Bytes())
	for _, g := range doc.Groups {
		switch g.Pillar {
		case pillars.Staff:
			if g.Expected == nil || *g.Expected != 5 || g.ResponseRate == nil || *g.ResponseRate != 80 {
				t.Errorf("staff: %+v", g)
			}
		case pillars.PatientPartners:
			if !g.Withheld || g.Expected == nil || *g.Expected != 9 || g.ResponseRate != nil {
				t.Errorf("patient partners: %+v", g)
			}
		case pillars.Leadership:
			if g.Expected != nil || g.ResponseRate != nil {
				t.Errorf("leadership: %+v", g)
			}
		}
	}
}
