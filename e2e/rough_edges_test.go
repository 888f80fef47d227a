package e2e

// Rough edges a new facilitator meets, in a real browser: the dashboard by team, the
// join link's Copy button and larger QR code, the action form that waits for the first
// answers, a due date in the past, the password page; and on the respondent form, errors
// that go once they are fixed. axe-clean on a phone and a laptop screen.

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// readClipboard returns the clipboard's text (the page must have the permission).
func readClipboard(t *testing.T, ctx context.Context) string {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("read the clipboard: %v", err)
	}
	return text
}

func TestRoughEdgesInBrowser(t *testing.T) {
	requireChrome(t)
	for _, vp := range []struct {
		name          string
		width, height int
		js            bool
	}{
		{"phone", phoneWidth, phoneHeight, true},
		{"desktop", 1280, 800, true},
		{"phone without JavaScript", phoneWidth, phoneHeight, false},
	} {
		t.Run(vp.name, func(t *testing.T) {
			e, setupURL := startFacilitatorECAT(t)
			ctx := newBrowser(t, vp.width, vp.height, vp.js)
			axe := func(name string) {
				if vp.js { // axe-core is a script: it runs where scripts do
					checkAxe(t, ctx, name)
				}
				noHorizontalScroll(t, ctx, name, vp.width)
			}
			navigate(t, ctx, setupURL)
			createAccount(t, ctx, e) // adopts e.a

			// The dashboard: the round under its team's heading.
			if got := domText(t, ctx, `main section.team [id^="team-"]`); got != e.a.Team {
				t.Errorf("dashboard team heading = %q, want %q", got, e.a.Team)
			}
			if got := domText(t, ctx, "main section.team .team-facts"); !strings.Contains(got, e.msg("dashboard.team_rounds.one", 1)) {
				t.Errorf("dashboard team facts = %q", got)
			}
			axe("dashboard by team")

			// The assessment page before anyone has answered.
			page := fmt.Sprintf("%s/assessments/%d", e.URL, e.a.ID)
			navigate(t, ctx, page)
			if got := domText(t, ctx, "#actions-later"); got != e.msg("actions.after_answers") {
				t.Errorf("before any answer the plan says %q", got)
			}
			if vp.js && eval[int](t, ctx, `document.querySelectorAll("form.action-form, form.discussed-form").length`) != 0 {
				t.Error("before any answer the page offers the action form")
			}
			// The QR code: at least 240 px, a whole number of pixels per module.
			if vp.js {
				size := eval[[]float64](t, ctx, `(function(){var s=document.querySelector(".qr-box svg");return [s.getBoundingClientRect().width, s.viewBox.baseVal.width]})()`)
				if size[0] < 240 || int(size[0])%int(size[1]) != 0 || size[0] != float64(int(size[0])) {
					t.Errorf("QR code drawn %v px wide for %v modules", size[0], size[1])
				}
			}
			if !vp.js {
				// Nothing that needs the script shows without it.
				if a := attrs(t, ctx, "dd.copy-line"); a["hidden"] != "" && a["hidden"] != "hidden" {
					t.Errorf("copy line attributes %v", a)
				} else if _, hidden := a["hidden"]; !hidden {
					t.Error("without JavaScript the copy line shows")
				}
			} else {
				// Copy link: the script's button, which says it copied, in a live region.
				origin := e.URL
				for _, name := range []string{"clipboard-read", "clipboard-write"} {
					if _, err := chromedp.Call(ctx, browser.SetPermission, browser.SetPermissionParams{
						Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted, Origin: origin}); err != nil {
						t.Fatalf("grant %s: %v", name, err)
					}
				}
				if got := eval[string](t, ctx, `document.querySelector("dd.copy-line button[type=button]").textContent`); got != e.msg("assessment.copy_link") {
					t.Errorf("copy button says %q", got)
				}
				if eval[bool](t, ctx, `document.querySelector("dd.copy-line").hidden`) {
					t.Error("with JavaScript the copy line stays hidden")
				}
				axe("assessment page with the copy button")
				click(t, ctx, "dd.copy-line button[type=button]")
				if !waitJS(t, ctx, fmt.Sprintf(`document.getElementById("copy-status").textContent === %q`, e.msg("assessment.copied")), 5*time.Second) {
					t.Errorf("after copying the status says %q", eval[string](t, ctx, `document.getElementById("copy-status").textContent`))
				}
				if got, want := readClipboard(t, ctx), e.URL+"/j/"+e.a.Code; got != want {
					t.Errorf("clipboard holds %q, want %q", got, want)
				}
				if got := attrs(t, ctx, "#copy-status")["aria-live"]; got != "polite" {
					t.Errorf("copy status aria-live = %q", got)
				}
			}
			axe("assessment page, nobody answered")

			// Once someone has answered, the form; a due date in the past is refused.
			e.storeResponse(t, e.a, true)
			navigate(t, ctx, page)
			typeInto(t, ctx, "#action-text", "Book the room for the huddle")
			typeInto(t, ctx, "#action-lead", "Unit clerk")
			if vp.js {
				eval[bool](t, ctx, `(function(){document.getElementById("action-due").value="2001-01-01";return true})()`)
			} else {
				typeInto(t, ctx, "#action-due", "01012001") // the date field's own order: month, day, year
			}
			expectStatus(t, "an action due in 2001", clickAndLoad(t, ctx, "form.action-form button[type=submit]").Status, http.StatusUnprocessableEntity)
			if got := attrs(t, ctx, ".action-form")["class"]; got != "action-form" {
				t.Errorf("no action form after the refusal: %q", got)
			}
			if got := domText(t, ctx, "#err-action-due"); !strings.Contains(got, e.msg("field.past")) {
				t.Errorf("the date's error says %q", got)
			}
			if got := attrs(t, ctx, "#action-due")["value"]; got != "2001-01-01" {
				t.Errorf("the typed date was not kept: %q", got)
			}
			if vp.js {
				if !waitJS(t, ctx, `document.activeElement && document.activeElement.classList.contains("error-summary")`, 3*time.Second) {
					t.Error("the error summary is not focused")
				}
				if got := eval[string](t, ctx, `document.querySelector(".error-summary a").getAttribute("href")`); got != "#action-due" {
					t.Errorf("the error summary links to %q", got)
				}
			}
			axe("action due in the past")

			// The password page from the menu: a wrong current password, then the change.
			expectStatus(t, "password page", clickAndLoad(t, ctx, `nav.account a[href="/account/password"]`).Status, http.StatusOK)
			axe("password page")
			typeInto(t, ctx, "#current_password", "not the password at all")
			typeInto(t, ctx, "#password", "a brand new pass phrase")
			typeInto(t, ctx, "#password_confirm", "a brand new pass phrase")
			expectStatus(t, "wrong current password", clickAndLoad(t, ctx, mainSubmit).Status, http.StatusUnprocessableEntity)
			if got := domText(t, ctx, "#err-current_password"); !strings.Contains(got, e.msg("password.wrong")) {
				t.Errorf("the current password's error says %q", got)
			}
			if got := attrs(t, ctx, "#current_password")["aria-invalid"]; got != "true" {
				t.Errorf("current password aria-invalid = %q", got)
			}
			if vp.js && !waitJS(t, ctx, `document.activeElement && document.activeElement.classList.contains("error-summary")`, 3*time.Second) {
				t.Error("the password page's error summary is not focused")
			}
			axe("password page with an error")
			typeInto(t, ctx, "#current_password", facPassword)
			typeInto(t, ctx, "#password", "a brand new pass phrase")
			typeInto(t, ctx, "#password_confirm", "a brand new pass phrase")
			expectStatus(t, "change the password", clickAndLoad(t, ctx, mainSubmit).Status, http.StatusOK)
			expectPath(t, ctx, "after the change", "/account/password")
			if got := domText(t, ctx, "main .notice"); got != e.msg("password.done") {
				t.Errorf("after the change the page says %q", got)
			}
			axe("password changed")
			signOut(t, ctx, e)
			if status := signIn(t, ctx, facEmail, "a brand new pass phrase"); status != http.StatusOK {
				t.Errorf("signing in with the new password: %d", status)
			}
			expectPath(t, ctx, "signed in with the new password", "/dashboard")
		})
	}
}

// On the respondent form, an error that answering fixes goes once it is answered: its
// message, its aria-invalid and its line in the error summary (whose count follows),
// and the summary itself once nothing is left.
func TestInlineErrorsClearInBrowser(t *testing.T) {
	requireChrome(t)
	for _, vp := range []struct {
		name          string
		width, height int
	}{{"phone", phoneWidth, phoneHeight}, {"desktop", 1280, 800}} {
		t.Run(vp.name, func(t *testing.T) {
			e := startECAT(t)
			ctx := newBrowser(t, vp.width, vp.height, true)
			items := e.staff(t).Items()
			navigate(t, ctx, e.URL+"/j/"+e.a.Code+"/form?pillar=staff&lang=en")
			// Half answered, no strength: every other problem listed.
			half := len(items) / 2
			answerItems(t, ctx, items[:half], 0, true)
			typeInto(t, ctx, "#opportunity-text", "Pay partners for their time.")
			expectStatus(t, "incomplete submission", clickAndLoad(t, ctx, `button[name=action][value=submit]`).Status, http.StatusUnprocessableEntity)
			summaryLines := func() int { return eval[int](t, ctx, `document.querySelectorAll(".error-summary li").length`) }
			missing := len(items) - half + 1 // the unanswered items and the strength
			if n := summaryLines(); n != missing {
				t.Fatalf("error summary lists %d problems, want %d", n, missing)
			}
			first := items[half]
			if got := attrs(t, ctx, "#q-"+first.ID)["aria-describedby"]; got != "err-"+first.ID {
				t.Fatalf("question %s aria-describedby = %q", first.ID, got)
			}
			checkAxe(t, ctx, "form with errors")

			// Answering the first missing question takes its error away.
			click(t, ctx, fmt.Sprintf(`label[for=%q]`, radioID(first.ID, answerFor(0))))
			if !waitJS(t, ctx, fmt.Sprintf(`document.getElementById("err-%s") === null`, first.ID), 3*time.Second) {
				t.Fatalf("question %s still shows its error once answered", first.ID)
			}
			if a := attrs(t, ctx, "#q-"+first.ID); a["aria-describedby"] != "" || strings.Contains(a["class"], "invalid") {
				t.Errorf("question %s once answered: %v", first.ID, a)
			}
			if n := summaryLines(); n != missing-1 {
				t.Errorf("after one answer the summary lists %d, want %d", n, missing-1)
			}
			if got, want := domText(t, ctx, ".error-summary .error-count"), e.msg("errors.count", missing-1); got != want {
				t.Errorf("summary count = %q, want %q", got, want)
			}
			if eval[bool](t, ctx, fmt.Sprintf(`!!document.querySelector('.error-summary a[href="#%s"]')`, radioID(first.ID, "yes"))) {
				t.Error("the summary still links to the answered question")
			}

			// Typing the missing strength takes its error away, and its aria-invalid.
			if got := attrs(t, ctx, "#strength-text")["aria-invalid"]; got != "true" {
				t.Fatalf("strength aria-invalid = %q before typing", got)
			}
			typeInto(t, ctx, "#strength-text", "We listen to each other.")
			if !waitJS(t, ctx, `document.getElementById("err-strength-text") === null && !document.getElementById("strength-text").hasAttribute("aria-invalid")`, 3*time.Second) {
				t.Error("the strength still shows its error once typed")
			}
			if got := attrs(t, ctx, "#strength-text")["aria-describedby"]; got != "strength-hint" {
				t.Errorf("strength aria-describedby = %q, want its hint only", got)
			}
			checkAxe(t, ctx, "form with errors being fixed")

			// The rest: the summary goes.
			answerItems(t, ctx, items[half+1:], half+1, true)
			if !waitJS(t, ctx, `document.querySelector(".error-summary").hidden && document.querySelectorAll(".error").length === 0`, 3*time.Second) {
				t.Errorf("everything answered, yet %d errors and the summary shown", eval[int](t, ctx, `document.querySelectorAll(".error").length`))
			}
			checkAxe(t, ctx, "form with every error fixed")
			expectStatus(t, "complete submission", clickAndLoad(t, ctx, `button[name=action][value=submit]`).Status, http.StatusOK)
		})
	}
}
