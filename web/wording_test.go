package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
)

// Honest wording: with a threshold below 3 the join, form and thanks pages say answers
// may be recognized, and never that no one can tell; at 3 and above they keep the promise.
func TestLowThresholdWording(t *testing.T) {
	e := newTestEnv(t)
	for _, c := range []struct {
		threshold int
		low       bool
	}{{1, true}, {2, true}, {3, false}, {5, false}} {
		a, err := assessment.NewAssessment("Wording", "Ward 2", "en", c.threshold, true, e.in.Version)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.store.CreateAssessment(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"en", "fr"} {
			b := e.newBrowser()
			join := b.get("/j/" + a.Code + "?lang=" + lang).Body.String()
			csrf, form := b.formFor(t, a.Code, "staff", lang)
			rec := b.post("/j/"+a.Code+"/form", e.fullForm(csrf, "staff", lang, "submit"))
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("submit: %d", rec.Code)
			}
			thanks := b.get(rec.Header().Get("Location")).Body.String()
			for _, page := range []struct {
				name, body, low, promise string
			}{
				{"join", join, "join.fact_low_threshold", "join.fact_anonymous"},
				{"form", form, "form.low_threshold", ""},
				{"thanks", thanks, "thanks.next_report_low", "thanks.next_report"},
			} {
				lowText := e.messagePrefix(lang, page.low)
				if got := strings.Contains(page.body, lowText); got != c.low {
					t.Errorf("threshold %d, %s %s: low-threshold wording shown %v, want %v", c.threshold, lang, page.name, got, c.low)
				}
				if page.promise != "" {
					if got := strings.Contains(page.body, e.messagePrefix(lang, page.promise)); got == c.low {
						t.Errorf("threshold %d, %s %s: the promise that no one can tell is shown %v", c.threshold, lang, page.name, got)
					}
				}
			}
		}
	}
}

// messagePrefix is a message's text up to its first formatting verb, HTML-escaped as a
// page shows it.
func (e *testEnv) messagePrefix(lang, key string) string {
	msg := e.tmpl.Message(lang, key)
	if i := strings.Index(msg, "%"); i > 0 {
		msg = msg[:i]
	}
	return strings.NewReplacer("'", "&#39;", `"`, "&#34;").Replace(msg)
}
