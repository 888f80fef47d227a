package e2e

// What a new person meets first, in a real browser, with and without JavaScript: the
// facilitator sign-in link on the home page, the icon every page names (and the
// /favicon.ico browsers ask for anyway), and a language switch in the middle of the form
// that keeps every answer and every word typed.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ecat-project/ecat/assessment"
)

// TestSignInLinkAndIcon: the home page links to the facilitator sign-in, which works
// from the keyboard; the page's icon and /favicon.ico both load as an image.
func TestSignInLinkAndIcon(t *testing.T) {
	requireChrome(t)
	for _, js := range []bool{true, false} {
		t.Run(map[bool]string{true: "with JavaScript", false: "without JavaScript"}[js], func(t *testing.T) {
			e := startECAT(t)
			ctx := newBrowser(t, phoneWidth, phoneHeight, js)
			navigate(t, ctx, e.URL+"/?lang=en")
			link := attrs(t, ctx, "a[href^='/login']")
			if link["href"] != "/login?lang=en" {
				t.Fatalf("sign-in link %v, want /login?lang=en", link)
			}
			if got := domText(t, ctx, "a[href^='/login']"); got != e.msg("home.facilitator_sign_in") {
				t.Errorf("sign-in link says %q, want %q", got, e.msg("home.facilitator_sign_in"))
			}
			if js {
				if v := visibilityOf(t, ctx, "a[href^='/login']"); !v.Visible {
					t.Errorf("the sign-in link is %+v, want it shown", v)
				}
				checkAxe(t, ctx, "home page")
			}
			expectStatus(t, "follow the sign-in link", clickAndLoad(t, ctx, "a[href^='/login']").Status, http.StatusOK)
			expectPath(t, ctx, "after the sign-in link", "/login")
			if got := attrs(t, ctx, "input[type=email]")["name"]; got == "" {
				t.Error("the sign-in page has no e-mail field")
			}

			// The icon the page names, and the one browsers ask for unasked.
			icon := attrs(t, ctx, "link[rel=icon]")["href"]
			if icon == "" {
				t.Fatal("the page names no icon")
			}
			for _, path := range []string{icon, "/favicon.ico"} {
				resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(e.URL+path))
				if err != nil {
					t.Fatalf("open %s: %v", path, err)
				}
				if resp.Status != http.StatusOK || !strings.HasPrefix(fmt.Sprint(resp.Headers["Content-Type"]), "image/svg+xml") {
					t.Errorf("%s: status %d, type %v; want an SVG image", path, resp.Status, resp.Headers["Content-Type"])
				}
			}
		})
	}
}

// TestLanguageSwitchKeepsAnswersWithoutJavaScript: without JavaScript the switch is the
// form's own button, so the answers, the reflection and the strength typed so far come
// back in the other language, and back again, in the same form. (With JavaScript, see
// TestAutosave.)
func TestLanguageSwitchKeepsAnswersWithoutJavaScript(t *testing.T) {
	requireChrome(t)
	e := startECAT(t)
	ctx := newBrowser(t, phoneWidth, phoneHeight, false)
	p := e.staff(t)
	items := p.Items()[:5]
	navigate(t, ctx, e.URL+"/")
	joinByCode(t, ctx, e)
	choosePillarAndStart(t, ctx, e)
	answerItems(t, ctx, items, 0, false)
	refl := "#refl-" + p.Reflections[0].ID
	typeInto(t, ctx, refl, "Typed just before switching")
	typeInto(t, ctx, "#strength-text", "We co-design leaflets with patients.")

	checkKept := func(step, lang string) {
		t.Helper()
		if got := attrs(t, ctx, "html")["lang"]; got != lang {
			t.Fatalf("%s: the page is in %q, want %q", step, got, lang)
		}
		for i, it := range items {
			for _, a := range assessment.Answers {
				_, checked := attrs(t, ctx, "#"+radioID(it.ID, a))["checked"]
				if want := a == answerFor(i); checked != want {
					t.Errorf("%s: #%s checked = %v, want %v", step, radioID(it.ID, a), checked, want)
				}
			}
		}
		if got := domText(t, ctx, refl); got != "Typed just before switching" {
			t.Errorf("%s: the reflection holds %q", step, got)
		}
		if got := domText(t, ctx, "#strength-text"); got != "We co-design leaflets with patients." {
			t.Errorf("%s: the strength holds %q", step, got)
		}
	}
	expectStatus(t, "switch to French", clickAndLoad(t, ctx, `button.lang[form="response-form"]`).Status, http.StatusOK)
	checkKept("in French", "fr")
	action := attrs(t, ctx, "#response-form")["action"]
	expectStatus(t, "switch back to English", clickAndLoad(t, ctx, `button.lang[form="response-form"]`).Status, http.StatusOK)
	checkKept("back in English", "en")
	if got := attrs(t, ctx, "#response-form")["action"]; got != action {
		t.Errorf("the form posts to %q after switching back, %q before: want the same draft", got, action)
	}
}
