package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Before anyone has answered, the assessment page says actions come after the team has
// answered and discussed, instead of offering the action form (and the button that
// marks the discussion held); the first submitted response brings them. The API and the
// form's address still take an action.
func TestActionFormAfterFirstAnswer(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("first@example.org", "Fay")
	a := e.ownedAssessment(f, "Nobody yet")
	b := e.signedIn(f)
	page := "/assessments/" + strconv.FormatInt(a.ID, 10)
	later := escaped(t, e.tmpl.Message("en", "actions.after_answers"))

	e.createResponse(map[string]any{"code": a.Code, "pillar": "staff", "language": "en", "answers": map[string]string{}})
	body := b.get(page).Body.String()
	if !strings.Contains(body, later) {
		t.Error("with a draft only, the page does not say actions come after the answers")
	}
	for _, absent := range []string{`class="action-form"`, `id="add-action-heading"`, `class="discussed-form"`} {
		if strings.Contains(body, absent) {
			t.Errorf("with nobody answered the page shows %s", absent)
		}
	}
	if fr := b.get(page + "?lang=fr").Body.String(); !strings.Contains(fr, escaped(t, e.tmpl.Message("fr", "actions.after_answers"))) {
		t.Error("the French page does not say it")
	}

	// A form sent from a stale page comes back with its mistakes and the form.
	rec := b.postForm(page+"/actions", url.Values{"text": {"Early"}, "lead": {""}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `class="action-form"`) || strings.Contains(rec.Body.String(), later) {
		t.Errorf("an early form with a mistake: %d, or its form is not shown", rec.Code)
	}
	token, _ := e.newAPIToken(f, "script")
	if rec := e.bearer(http.MethodPost, "/api/v1/assessments/"+strconv.FormatInt(a.ID, 10)+"/actions", token,
		map[string]any{"text": "Agreed early", "lead": "Fay"}); rec.Code != http.StatusCreated {
		t.Errorf("the API refuses an action before any answer: %d", rec.Code)
	}

	e.createResponse(e.completeBody(a.Code, "leadership"))
	body = b.get(page).Body.String()
	if strings.Contains(body, later) {
		t.Error("after a submitted response the page still says actions come later")
	}
	for _, want := range []string{`class="action-form"`, `id="add-action-heading"`, `class="discussed-form"`} {
		if !strings.Contains(body, want) {
			t.Errorf("after a submitted response the page lacks %s", want)
		}
	}
}

var qrSizeRE = regexp.MustCompile(`<svg [^>]*viewBox="0 0 (\d+) \d+" width="(\d+)" height="(\d+)"[^>]*class="qr"`)

// The join link's QR code is drawn at least 240 CSS pixels wide at a whole number of
// pixels per module, on the assessment page and on the invitation; the Copy link button
// is not in the page (the script adds it), only its hidden live region with its words.
func TestJoinLinkSharing(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("share@example.org", "Sho")
	a := e.ownedAssessment(f, "Sharing")
	b := e.signedIn(f)
	page := "/assessments/" + strconv.FormatInt(a.ID, 10)
	for _, path := range []string{page, page + "/invitation"} {
		body := b.get(path).Body.String()
		m := qrSizeRE.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no sized QR code", path)
		}
		modules, _ := strconv.Atoi(m[1])
		width, _ := strconv.Atoi(m[2])
		if width < 240 || width != mustAtoi(t, m[3]) || width%modules != 0 || width >= 240+modules {
			t.Errorf("%s: QR code %d px for %d modules, want the smallest whole multiple of at least 240", path, width, modules)
		}
	}
	for _, lang := range []string{"en", "fr"} {
		body := b.get(page + "?lang=" + lang).Body.String()
		want := `<a href="` + testBaseURL + "/j/" + a.Code + `" id="join-link">`
		if !strings.Contains(body, want) {
			t.Errorf("%s: the join link has no id for the script", lang)
		}
		region := regexp.MustCompile(`<dd class="copy-line" hidden><span id="copy-status" class="hint" role="status" aria-live="polite" data-label="([^"]+)" data-copied="([^"]+)" data-failed="([^"]+)"></span></dd>`).FindStringSubmatch(body)
		if region == nil {
			t.Fatalf("%s: no hidden live region for Copy link", lang)
		}
		for i, key := range []string{"assessment.copy_link", "assessment.copied", "assessment.copy_failed"} {
			if region[i+1] != escaped(t, e.tmpl.Message(lang, key)) {
				t.Errorf("%s: %s is %q", lang, key, region[i+1])
			}
		}
		if strings.Contains(body, `<button type="button"`) {
			t.Errorf("%s: a script-only button is in the page without the script", lang)
		}
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
