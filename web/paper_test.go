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

// Paper responses through the API: entered by the owner only, validated as any response
// (every bad field at once, nothing stored), counted like any other, read, corrected and
// deleted until the round closes; "code" has no place here and "source" must be paper.
func TestAPIPaperResponses(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("paper@example.org", "Pat")
	token, _ := e.newAPIToken(f, "")
	other := e.newFacilitator("other@example.org", "Other")
	otherToken, _ := e.newAPIToken(other, "")
	a := e.ownedAssessment(f, "Mixed round")
	base := "/api/v1/assessments/" + strconv.FormatInt(a.ID, 10) + "/responses"
	body := func(mut func(m map[string]any)) map[string]any {
		m := e.completeBody("", "patient_partners")
		delete(m, "code")
		m["source"] = "paper"
		if mut != nil {
			mut(m)
		}
		return m
	}

	for name, c := range map[string]struct {
		token  string
		body   map[string]any
		status int
		field  string
	}{
		"no token":          {"", body(nil), http.StatusUnauthorized, ""},
		"another's":         {otherToken, body(nil), http.StatusNotFound, ""},
		"with a join code":  {token, body(func(m map[string]any) { m["code"] = a.Code }), http.StatusBadRequest, ""},
		"no source":         {token, body(func(m map[string]any) { delete(m, "source") }), http.StatusUnprocessableEntity, "source"},
		"online source":     {token, body(func(m map[string]any) { m["source"] = "online" }), http.StatusUnprocessableEntity, "source"},
		"bad answer":        {token, body(func(m map[string]any) { m["answers"].(map[string]string)["P-01"] = "maybe" }), http.StatusUnprocessableEntity, "answers.P-01"},
		"incomplete submit": {token, body(func(m map[string]any) { m["strength"] = map[string]string{"text": "", "theme": ""} }), http.StatusUnprocessableEntity, "strength.text"},
	} {
		before := e.dbDump()
		rec := e.bearer(http.MethodPost, base, c.token, c.body)
		if rec.Code != c.status {
			t.Errorf("%s: %d %s, want %d", name, rec.Code, rec.Body, c.status)
		}
		if c.field != "" {
			if _, ok := decodeAPIError(t, rec).Error.Fields[c.field]; !ok {
				t.Errorf("%s: %s not named: %s", name, c.field, rec.Body)
			}
		}
		if e.dbDump() != before {
			t.Errorf("%s: something was stored", name)
		}
	}

	rec := e.bearer(http.MethodPost, base, token, body(nil))
	var made paperCreated
	decodeJSON(t, rec.Body.Bytes(), &made)
	if rec.Code != http.StatusCreated || made.Status != "submitted" || rec.Header().Get("Location") != base+"/"+made.PaperID || rec.Header().Get("ETag") != `"v1"` {
		t.Fatalf("enter: %d %s Location %q", rec.Code, rec.Body, rec.Header().Get("Location"))
	}
	// A retry with the same Idempotency-Key is answered as the first time and counted once.
	retry := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, testBaseURL+base, bytes.NewReader(mustJSON(t, body(nil))))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Idempotency-Key", "paper-sheet-7")
		return e.serve(req)
	}
	first, again := retry(), retry()
	if first.Code != http.StatusCreated || again.Code != http.StatusCreated || first.Body.String() != again.Body.String() || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatalf("a retried entry: %d %s / %d %s", first.Code, first.Body, again.Code, again.Body)
	}
	var retried paperCreated
	decodeJSON(t, first.Body.Bytes(), &retried)
	if rec := e.bearer(http.MethodDelete, base+"/"+retried.PaperID, token, nil); rec.Code != http.StatusNoContent {
		t.Fatalf("delete the retried entry: %d", rec.Code)
	}
	counts := e.bearer(http.MethodGet, "/api/v1/assessments/"+strconv.FormatInt(a.ID, 10), token, nil).Body.String()
	if !strings.Contains(counts, `"patient_partners":{"submitted":1`) {
		t.Errorf("the paper response is not counted: %s", counts)
	}
	path := base + "/" + made.PaperID
	if rec := e.bearer(http.MethodGet, path, otherToken, nil); rec.Code != http.StatusNotFound {
		t.Errorf("another facilitator reads it: %d", rec.Code)
	}
	got := e.bearer(http.MethodGet, path, token, nil)
	if got.Code != http.StatusOK || !strings.Contains(got.Body.String(), `"pillar":"patient_partners"`) || got.Header().Get("ETag") != `"v1"` {
		t.Fatalf("read: %d %s", got.Code, got.Body)
	}
	fixed := body(func(m map[string]any) { m["reflections"] = map[string]string{"P-R1": "Copied from the sheet"} })
	if rec := e.sendIfMatch(http.MethodPut, path, token, `"v1"`, fixed); rec.Code != http.StatusOK || rec.Header().Get("ETag") != `"v2"` {
		t.Fatalf("correct: %d %s", rec.Code, rec.Body)
	}
	if rec := e.sendIfMatch(http.MethodPut, path, token, `"v1"`, fixed); rec.Code != http.StatusPreconditionFailed {
		t.Errorf("correct at an old version: %d", rec.Code)
	}
	if rec := e.bearer(http.MethodDelete, path, otherToken, nil); rec.Code != http.StatusNotFound {
		t.Errorf("another facilitator deletes it: %d", rec.Code)
	}
	// A second entry, then the round closes: nothing changes any more.
	rec = e.bearer(http.MethodPost, base, token, body(nil))
	var second paperCreated
	decodeJSON(t, rec.Body.Bytes(), &second)
	if rec := e.bearer(http.MethodDelete, path, token, nil); rec.Code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	if rec := e.bearer(http.MethodGet, path, token, nil); rec.Code != http.StatusNotFound {
		t.Errorf("the deleted entry still reads: %d", rec.Code)
	}
	e.closeAssessment(a)
	before := e.dbDump()
	for _, rec := range []*httptest.ResponseRecorder{
		e.bearer(http.MethodPost, base, token, body(nil)),
		e.bearer(http.MethodPut, base+"/"+second.PaperID, token, fixed),
		e.bearer(http.MethodDelete, base+"/"+second.PaperID, token, nil),
	} {
		if rec.Code != http.StatusConflict || decodeAPIError(t, rec).Error.Code != "assessment_closed" {
			t.Errorf("closed round: %d %s", rec.Code, rec.Body)
		}
	}
	if e.dbDump() != before {
		t.Error("a closed round's paper entries changed")
	}
	trail := strings.Join(e.auditActions(f), " ")
	if strings.Count(trail, "paper_enter") != 3 || strings.Count(trail, "paper_correct") != 1 || strings.Count(trail, "paper_delete") != 2 {
		t.Errorf("activity trail %q", trail)
	}
}

// The pages: pick the checklist, enter it (mistakes come back with what was typed and
// nothing stored), see it listed, correct it, delete it; the report says how many of a
// shown group came on paper, and nothing about a withheld group.
func TestPaperPages(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("paperpages@example.org", "Pat")
	a := e.ownedAssessment(f, "Mixed round")
	b := e.signedIn(f)
	base := "/assessments/" + strconv.FormatInt(a.ID, 10) + "/paper"

	page := b.get(base)
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), `href="`+base+`?pillar=staff"`) {
		t.Fatalf("paper page: %d", page.Code)
	}
	formPage := b.get(base + "?pillar=staff")
	if formPage.Code != http.StatusOK || !strings.Contains(formPage.Body.String(), `action="`+base+`"`) || strings.Contains(formPage.Body.String(), "form.js") {
		t.Fatalf("paper form: %d (it must post to the paper route, without the autosave script)", formPage.Code)
	}
	full := func(answerS01 string) url.Values {
		v := url.Values{"pillar": {"staff"}, "lang": {"en"}, "action": {"submit"},
			"strength_text": {"Partners co-lead our huddles."}, "strength_theme": {e.in.Themes[0].Key},
			"opportunity_text": {"Pay partners for their time."}, "opportunity_theme": {e.in.Themes[1].Key}}
		for id, ans := range e.completeAnswers("staff") {
			v.Set("a."+id, ans)
		}
		v.Set("a.S-01", answerS01)
		return v
	}
	before := e.dbDump()
	bad := b.postForm(base, full("maybe"))
	if bad.Code != http.StatusUnprocessableEntity || !strings.Contains(bad.Body.String(), "Partners co-lead our huddles.") {
		t.Errorf("a mistake: %d (want 422 with what was typed)", bad.Code)
	}
	if e.dbDump() != before {
		t.Error("a refused paper entry stored something")
	}
	for range 3 {
		if rec := b.postForm(base, full("yes")); rec.Code != http.StatusSeeOther {
			t.Fatalf("enter: %d %s", rec.Code, rec.Body)
		}
	}
	list := b.get(base + "?done=entered").Body.String()
	refs := regexp.MustCompile(`href="`+regexp.QuoteMeta(base)+`/([0-9a-z]{26})"`).FindAllStringSubmatch(list, -1)
	if len(refs) != 3 || !strings.Contains(list, "Paper response saved") {
		t.Fatalf("the list shows %d entries", len(refs))
	}
	ref := refs[0][1]
	if rec := b.get(base + "/" + ref); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Partners co-lead our huddles.") {
		t.Errorf("the correction form: %d", rec.Code)
	}
	corrected := full("no")
	corrected.Set("strength_text", "Corrected from the sheet")
	if rec := b.postForm(base+"/"+ref, corrected); rec.Code != http.StatusSeeOther {
		t.Fatalf("correct: %d %s", rec.Code, rec.Body)
	}
	if rec := b.postForm(base+"/"+refs[1][1]+"/delete", url.Values{}); rec.Code != http.StatusSeeOther {
		t.Fatalf("delete: %d", rec.Code)
	}
	if n := len(regexp.MustCompile(`href="`+regexp.QuoteMeta(base)+`/[0-9a-z]{26}"`).FindAllString(b.get(base).Body.String(), -1)); n != 2 {
		t.Errorf("after deleting one, %d entries listed", n)
	}
	// One more online: staff has 3 (2 on paper), shown; leadership has 1 on paper, withheld.
	e.createResponse(e.completeBody(a.Code, "staff"))
	lead := e.completeBody("", "leadership")
	delete(lead, "code")
	lead["source"] = "paper"
	token, _ := e.newAPIToken(f, "")
	if rec := e.bearer(http.MethodPost, "/api/v1/assessments/"+strconv.FormatInt(a.ID, 10)+"/responses", token, lead); rec.Code != http.StatusCreated {
		t.Fatalf("leadership on paper: %d %s", rec.Code, rec.Body)
	}
	e.closeAssessment(a)
	report := b.get("/assessments/" + strconv.FormatInt(a.ID, 10) + "/report").Body.String()
	if !strings.Contains(report, "Staff and healthcare teams: 2 on paper") {
		t.Error("the report does not say how many staff responses came on paper")
	}
	if strings.Contains(report, "Leadership: 1 on paper") {
		t.Error("the report tells the make-up of a withheld group")
	}
	// The team sees it too, in the summary: how much of a figure came through the
	// facilitator's hands.
	if rec := e.bearer(http.MethodPost, "/api/v1/assessments/"+strconv.FormatInt(a.ID, 10)+"/summary", token, nil); rec.Code != http.StatusCreated {
		t.Fatalf("publish: %d", rec.Code)
	}
	sum, err := e.store.SummaryOf(t.Context(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	summary := e.newBrowser().get("/s/" + sum.Token + "?lang=en").Body.String()
	if !strings.Contains(summary, "Staff and healthcare teams: 2 on paper") || strings.Contains(summary, "Leadership: 1 on paper") {
		t.Error("the summary does not say how many of a shown group came on paper, or tells a withheld group's")
	}
	if !strings.Contains(report, "Corrected from the sheet") {
		t.Error("the corrected paper text is not in the report")
	}
	if rec := b.get(base + "?pillar=staff"); rec.Code != http.StatusConflict {
		t.Errorf("the paper form of a closed round: %d", rec.Code)
	}
}

// A paper entry is read only while it can still be corrected: once it is in the team
// report, or the round is closed, it is one person's whole response, and nobody — not the
// one who typed it, not a co-facilitator — reads it again (409, nothing of it in the body).
func TestPaperEntryNotReadOnceFinal(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("paper@example.org", "Pat")
	token, _ := e.newAPIToken(f, "")
	a := e.ownedAssessment(f, "Final round")
	base := "/api/v1/assessments/" + strconv.FormatInt(a.ID, 10) + "/responses"
	enter := func(text string) string {
		t.Helper()
		m := e.completeBody("", "staff")
		delete(m, "code")
		m["source"] = "paper"
		m["strength"] = map[string]string{"text": text, "theme": ""}
		rec := e.bearer(http.MethodPost, base, token, m)
		var made paperCreated
		decodeJSON(t, rec.Body.Bytes(), &made)
		if rec.Code != http.StatusCreated {
			t.Fatalf("enter: %d %s", rec.Code, rec.Body)
		}
		return made.PaperID
	}
	refs := []string{enter("FIRST-SHEET"), enter("SECOND-SHEET"), enter("THIRD-SHEET")}
	if rec := e.bearer(http.MethodGet, base+"/"+refs[0], token, nil); rec.Code != http.StatusOK {
		t.Fatalf("reading an entry still open to correction: %d", rec.Code)
	}
	// Three sheets reach the threshold: the report's first look puts them in it.
	if rec := e.bearer(http.MethodGet, "/api/v1/assessments/"+strconv.FormatInt(a.ID, 10)+"/report", token, nil); rec.Code != http.StatusOK {
		t.Fatalf("report: %d", rec.Code)
	}
	rec := e.bearer(http.MethodGet, base+"/"+refs[0], token, nil)
	if rec.Code != http.StatusConflict || decodeAPIError(t, rec).Error.Code != "already_in_report" || strings.Contains(rec.Body.String(), "FIRST-SHEET") {
		t.Errorf("reading an entry in the report: %d %s, want 409 already_in_report", rec.Code, rec.Body)
	}
	e.closeAssessment(a)
	rec = e.bearer(http.MethodGet, base+"/"+refs[1], token, nil)
	if rec.Code != http.StatusConflict || decodeAPIError(t, rec).Error.Code != "assessment_closed" || strings.Contains(rec.Body.String(), "SECOND-SHEET") {
		t.Errorf("reading an entry of a closed round: %d %s, want 409 assessment_closed", rec.Code, rec.Body)
	}
	if rec := e.signedIn(f).get("/assessments/" + strconv.FormatInt(a.ID, 10) + "/paper/" + refs[2]); rec.Code != http.StatusConflict || strings.Contains(rec.Body.String(), "THIRD-SHEET") {
		t.Errorf("the correction page of a closed round's entry: %d", rec.Code)
	}
}
