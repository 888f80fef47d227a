package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// A resume link made into a "personal link": someone with the join code starts a
// response and hands its link to one named person. Whatever that person then writes
// must not be readable by the link's maker: the first save from the person's browser
// moves the response to a new link bound to that browser, and the old one stops working
// (GET and PUT in the API, the page); a link holding answers is not shown to another
// browser before it says the answers are its own. The person keeps their way back: the
// same browser, or the new link on another device, claimed there.
func TestPersonalLinkCannotBeRead(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")

	for _, via := range []string{"form", "autosave"} {
		t.Run(via, func(t *testing.T) {
			handedOut := e.createResponse(map[string]any{"code": a.Code, "pillar": "staff"}) // empty
			victim := e.newBrowser()
			page := victim.get("/r/" + handedOut) // empty: nothing to hide, the form shows
			e.assertText(t, page.Body.String(), "en", "form.intro")
			form := e.fullForm(csrfFromPage(t, page.Body.String()), "staff", "en", "save")
			form.Set("strength_text", "SECRET-"+via+" of the named person")
			var mine string
			if via == "form" {
				rec := victim.post("/r/"+handedOut, form)
				mine = tokenFromLocation(t, rec)
			} else {
				form.Set("action", "autosave")
				rec := victim.post("/r/"+handedOut, form, "Accept", "application/json")
				var reply autosaveJSON
				if err := json.Unmarshal(rec.Body.Bytes(), &reply); err != nil || rec.Code != http.StatusOK {
					t.Fatalf("autosave: %d %s", rec.Code, rec.Body)
				}
				mine = strings.TrimPrefix(reply.ActionURL, "/r/")
			}
			if mine == handedOut || mine == "" {
				t.Fatalf("the save kept the handed-out link %q", mine)
			}
			// The maker's link now finds nothing, in the API and on the page.
			for name, rec := range map[string]*httptest.ResponseRecorder{
				"API read":   e.api(http.MethodGet, "/api/v1/responses/"+handedOut, "", nil),
				"page":       e.newBrowser().get("/r/" + handedOut),
				"API change": e.api(http.MethodPut, "/api/v1/responses/"+handedOut, "application/json", []byte(`{"pillar":"staff"}`)),
			} {
				if rec.Code != http.StatusNotFound {
					t.Errorf("%s with the handed-out link: %d, want 404", name, rec.Code)
				}
			}
			if got := e.storedResponse(mine); got.Strength.Text != "SECRET-"+via+" of the named person" {
				t.Errorf("stored %q", got.Strength.Text)
			}
			// The person comes back in the same browser: the form, at once.
			if rec := victim.get("/r/" + mine); !strings.Contains(rec.Body.String(), "SECRET-"+via) {
				t.Error("the person's own browser does not show their answers")
			}
			// On another device: asked first, nothing shown; then a new link.
			other := e.newBrowser()
			rec := other.get("/r/" + mine)
			e.assertText(t, rec.Body.String(), "en", "claim.heading")
			if strings.Contains(rec.Body.String(), "SECRET-") {
				t.Error("another browser sees the answers before claiming them")
			}
			moved := other.claim(t, mine)
			if rec := other.get("/r/" + moved); !strings.Contains(rec.Body.String(), "SECRET-"+via) {
				t.Error("the claimed link does not show the answers")
			}
			if rec := e.api(http.MethodGet, "/api/v1/responses/"+mine, "", nil); rec.Code != http.StatusNotFound {
				t.Errorf("the link before the claim still reads: %d", rec.Code)
			}
		})
	}

	// A link already holding answers (started by someone else) says so before showing
	// anything, and taking it over cuts the maker off too.
	planted := e.createResponse(map[string]any{"code": a.Code, "pillar": "staff", "answers": map[string]string{"S-01": "no"},
		"strength": map[string]string{"text": "PLANTED by the link's maker"}})
	victim := e.newBrowser()
	rec := victim.get("/r/" + planted)
	e.assertText(t, rec.Body.String(), "en", "claim.heading")
	if strings.Contains(rec.Body.String(), "PLANTED") {
		t.Error("the planted answers show before the person says they are theirs")
	}
	mine := victim.claim(t, planted)
	csrf := csrfFromPage(t, victim.get("/r/"+mine).Body.String())
	victim.post("/r/"+mine, url.Values{"_csrf": {csrf}, "pillar": {"staff"}, "lang": {"en"}, "action": {"save"}, "strength_text": {"SECRET words"}})
	if rec := e.api(http.MethodGet, "/api/v1/responses/"+planted, "", nil); rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "SECRET") {
		t.Errorf("the maker reads through the planted link: %d", rec.Code)
	}
}
