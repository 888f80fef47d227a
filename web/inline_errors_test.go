package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The respondent form's errors carry what its script needs to take them away once fixed:
// data-fix on errors that answering fixes (a question's answer, a theme, a missing key
// text), none on errors about what was typed (markup, too long), and the error summary's
// count in its singular and plural forms. Without the script the server re-renders, as
// TestPagesRejectedFormKeepsInput checks.
func TestInlineErrorsMarkedFixable(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	b := e.newBrowser()
	csrf, _ := b.formFor(t, a.Code, "staff", "en")
	form := url.Values{"_csrf": {csrf}, "pillar": {"staff"}, "lang": {"en"}, "action": {"submit"},
		"a.S-01": {"yes"}, "refl.S-R1": {strings.Repeat("x", 2001)},
		"strength_text": {"We are <b>great</b>"}, "strength_theme": {"no-such-theme"},
		"opportunity_text": {" "}, "opportunity_theme": {""}}
	rec := b.post("/j/"+a.Code+"/form", form)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`<p class="error" id="err-S-02" data-fix="answer">`,
		`<p class="error" id="err-strength-theme" data-fix="answer">`,
		`<p class="error" id="err-opportunity-text" data-fix="fill">`,
		`<p class="error" id="err-strength-text">`, // markup: typing more does not fix it
		`<p class="error" id="err-refl-S-R1">`,     // too long
		`<p class="error-count" data-singular="` + escaped(t, e.tmpl.Counted("en", "errors.count", 1)) +
			`" data-plural="` + escaped(t, e.tmpl.Message("en", "errors.count")) + `">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the form lacks %s", want)
		}
	}
	if strings.Contains(body, `id="err-S-01"`) {
		t.Error("an answered question has an error")
	}
}
