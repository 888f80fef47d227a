package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// Respondents read the answer "unknown" as "I don't know" (« Je ne sais pas »): on the
// form, on the printable checklist and on the read-only copy. The value sent and stored
// stays unknown, and the facilitator's report keeps its own label, "Unknown".
func TestRespondentsReadIDontKnow(t *testing.T) {
	e := newTestEnv(t)
	if got := e.tmpl.Message("en", "answer.unknown_respondent"); got != "I don't know" {
		t.Fatalf("answer.unknown_respondent = %q, want I don't know", got)
	}
	if got := e.tmpl.Message("fr", "answer.unknown_respondent"); got != "Je ne sais pas" {
		t.Fatalf("answer.unknown_respondent (fr) = %q, want Je ne sais pas", got)
	}
	a := e.newAssessment("en")
	labelRE := regexp.MustCompile(`<input type="radio" id="a-S-01-unknown" name="a.S-01" value="unknown"[^>]*><label for="a-S-01-unknown">([^<]*)</label>`)
	for _, lang := range []string{"en", "fr"} {
		want := escaped(t, e.tmpl.Message(lang, "answer.unknown_respondent"))

		form := e.newBrowser().get("/j/" + a.Code + "/form?pillar=staff&lang=" + lang).Body.String()
		m := labelRE.FindStringSubmatch(form)
		if m == nil || m[1] != want {
			t.Errorf("%s form: the unknown answer reads %v, want %q", lang, m, want)
		}
		if lang == "en" && strings.Contains(form, ">Unknown<") {
			t.Error("en form still says Unknown")
		}

		paper := e.newBrowser().get("/j/" + a.Code + "/print?pillar=staff&lang=" + lang).Body.String()
		if !strings.Contains(paper, `<th scope="col" class="box-col">`+want+`</th>`) {
			t.Errorf("%s printable checklist: no %q column", lang, want)
		}
		if lang == "en" && strings.Contains(paper, ">Unknown<") {
			t.Error("en printable checklist still says Unknown")
		}
	}

	// Answered "unknown" on the form, stored as unknown, read back as I don't know.
	b := e.newBrowser()
	csrf, _ := b.formFor(t, a.Code, "staff", "en")
	form := e.fullForm(csrf, "staff", "en", "submit")
	form.Set("a.S-02", "unknown")
	rec := b.post("/j/"+a.Code+"/form", form)
	tok := tokenFromLocation(t, rec)
	if got := e.storedResponse(tok).Answers["S-02"]; got != "unknown" {
		t.Fatalf("stored S-02 = %q, want unknown", got)
	}
	e.closeAssessment(a)
	view := b.get("/r/" + tok + "?lang=en")
	if view.Code != http.StatusOK || strings.Contains(view.Body.String(), "<form") {
		t.Fatalf("read-only copy: %d", view.Code)
	}
	if !strings.Contains(view.Body.String(), "<dd>"+escaped(t, "I don't know")+"</dd>") || strings.Contains(view.Body.String(), "<dd>Unknown</dd>") {
		t.Error("the read-only copy does not show I don't know for the unknown answer")
	}

	// The facilitator's report keeps "Unknown".
	if e.tmpl.Message("en", "answer.unknown") != "Unknown" {
		t.Error("answer.unknown changed; the facilitator's report keeps Unknown")
	}
}
