package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
)

// Switching language in the middle of the form keeps every answer and text, without
// JavaScript: the switch is a button of the form, which comes back in the other language
// filled in as it was, and stores nothing. A draft already saved (by autosave, say) keeps
// its link: the form in the other language still saves to it.
func TestLanguageSwitchKeepsTheForm(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	b := e.newBrowser()
	csrf, page := b.formFor(t, a.Code, "staff", "en")
	if !strings.Contains(page, `<button type="submit" class="lang link" form="response-form" name="action" value="switch_language" formnovalidate lang="fr">`) {
		t.Fatal("the form page offers no switch button tied to the form")
	}
	typed := url.Values{"_csrf": {csrf}, "pillar": {"staff"}, "lang": {"en"}, "action": {"switch_language"},
		"a.S-01": {"somewhat"}, "a.S-02": {"unknown"}, "refl.S-R1": {"Nous écoutons <vraiment>"},
		"strength_text": {"Partners co-chair"}, "strength_theme": {"influence"}, "opportunity_text": {"More time"}}
	before := e.dbChecksum()
	rec := b.post("/j/"+a.Code+"/form", typed)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, `<html lang="fr">`) {
		t.Fatalf("switch: %d, not the French page", rec.Code)
	}
	for _, want := range []string{`name="a.S-01" value="somewhat" checked`, `name="a.S-02" value="unknown" checked`,
		"Nous écoutons &lt;vraiment&gt;", "Partners co-chair</textarea>", `value="influence" selected`, "More time",
		`action="/j/` + a.Code + `/form"`, `name="lang" value="fr"`, `form="response-form" name="action" value="switch_language" formnovalidate lang="en"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the French form lost %q", want)
		}
	}
	if e.dbChecksum() != before {
		t.Error("switching language stored something")
	}
	// The next page opens in French too.
	if next := b.get("/j/" + a.Code); !strings.Contains(next.Body.String(), `<html lang="fr">`) {
		t.Error("the choice of French is not remembered")
	}

	// Save for later from the French page, switch back to English from the draft's
	// link: the draft keeps its link and answers.
	save := url.Values{"_csrf": {csrfFromPage(t, body)}, "pillar": {"staff"}, "lang": {"fr"}, "action": {"save"}, "a.S-01": {"somewhat"}}
	rec = b.post("/j/"+a.Code+"/form", save)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", rec.Code, rec.Body)
	}
	token := strings.TrimPrefix(strings.Split(rec.Header().Get("Location"), "?")[0], "/r/")
	if got := e.storedResponse(token); got.Language != "fr" || got.Answers["S-01"] != assessment.Somewhat {
		t.Fatalf("saved draft: %s %v", got.Language, got.Answers)
	}
	before = e.dbChecksum()
	back := url.Values{"_csrf": {csrf}, "pillar": {"staff"}, "lang": {"fr"}, "action": {"switch_language"}, "a.S-01": {"yes"}}
	rec = b.post("/r/"+token, back)
	body = rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, `name="a.S-01" value="yes" checked`) ||
		!strings.Contains(body, `action="/r/`+token+`"`) {
		t.Fatalf("switch on the draft's link: %d", rec.Code)
	}
	if e.dbChecksum() != before {
		t.Error("switching language changed the draft")
	}
}

// Pages without a form being filled in keep the plain link.
func TestLanguageSwitchLinkElsewhere(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	page := e.newBrowser().get("/j/" + a.Code).Body.String()
	if !strings.Contains(page, `<a class="lang" href="/j/`+a.Code+`?lang=fr"`) || strings.Contains(page, "switch_language") {
		t.Error("the join page should offer a link to the French page")
	}
}
