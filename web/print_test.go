package web

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/locale"
)

// The paper checklist of a pillar, in either language: every statement of the pillar
// with a box per answer, every reflection prompt, the strength and opportunity with the
// themes to tick, the reminder not to write a name and to hand it back; the join page
// links it for each pillar. It stores nothing, and needs an open assessment and a pillar.
func TestPaperChecklist(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	in := e.catalog.Current()
	for _, lang := range []string{"en", "fr"} {
		for _, p := range in.Pillars {
			before := e.dbChecksum()
			rec := e.newBrowser().get("/j/" + a.Code + "/print?pillar=" + p.Key + "&lang=" + lang)
			body := rec.Body.String()
			if rec.Code != http.StatusOK || htmlLang(body) != lang {
				t.Fatalf("%s %s: %d, lang %q", lang, p.Key, rec.Code, htmlLang(body))
			}
			for _, it := range p.Items() {
				if !strings.Contains(body, escaped(t, it.Text.In(locale.Lang(lang)))) {
					t.Errorf("%s %s: statement %s missing", lang, p.Key, it.ID)
				}
			}
			if got, want := strings.Count(body, `<span class="box" aria-hidden="true">☐</span>`), 4*len(p.Items()); got != want {
				t.Errorf("%s %s: %d answer boxes, want %d", lang, p.Key, got, want)
			}
			for _, pr := range p.Reflections {
				if !strings.Contains(body, escaped(t, pr.Text.In(locale.Lang(lang)))) {
					t.Errorf("%s %s: reflection prompt %s missing", lang, p.Key, pr.ID)
				}
			}
			for _, th := range in.Themes {
				if strings.Count(body, escaped(t, th.Title.In(locale.Lang(lang)))) < 2 {
					t.Errorf("%s %s: theme %s not offered for both the strength and the opportunity", lang, p.Key, th.Key)
				}
			}
			for _, key := range []string{"print.no_name", "print.hand_back", "form.strength_label", "form.opportunity_label"} {
				e.assertText(t, body, lang, key)
			}
			if strings.Contains(body, "<form") && strings.Contains(body, `name="a.`) {
				t.Errorf("%s %s: the paper page carries the online form", lang, p.Key)
			}
			if e.dbChecksum() != before {
				t.Errorf("%s %s: printing stored something", lang, p.Key)
			}
		}
	}

	join := e.newBrowser().get("/j/" + a.Code + "?lang=fr").Body.String()
	for _, p := range in.Pillars {
		if !strings.Contains(join, `href="/j/`+a.Code+`/print?pillar=`+p.Key+`&amp;lang=fr"`) {
			t.Errorf("the join page does not link the paper checklist of %s", p.Key)
		}
	}
	if rec := e.newBrowser().get("/j/" + a.Code + "/print"); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("no pillar: %d, want 422 (the join page asking for one)", rec.Code)
	}
	if rec := e.newBrowser().get("/j/0000000000000000/print?pillar=staff"); rec.Code != http.StatusNotFound {
		t.Errorf("unknown code: %d, want 404", rec.Code)
	}
}

// The facilitator's assessment page links each pillar's paper checklist while the round
// is open.
func TestAssessmentPageLinksPaperChecklists(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("paper@example.org", "Pat")
	a := e.ownedAssessment(f, "Paper round")
	page := e.signedIn(f).get("/assessments/" + strconv.FormatInt(a.ID, 10)).Body.String()
	for _, p := range e.catalog.Current().Pillars {
		if !strings.Contains(page, `href="/j/`+a.Code+`/print?pillar=`+p.Key+`&amp;lang=en"`) {
			t.Errorf("no paper checklist link for %s", p.Key)
		}
	}
}
