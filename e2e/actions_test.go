package e2e

// The action plan and the next round in a real browser: record an action after a
// mistake, mark the discussion held, close, reassess, and find the action carried into
// round 2; axe-clean and no sideways scrolling on a phone and a laptop screen, and the
// same journey on a phone without JavaScript.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
)

func TestActionPlanInBrowser(t *testing.T) {
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
			navigate(t, ctx, setupURL)
			createAccount(t, ctx, e) // adopts e.a
			// Actions come once the team has answered.
			e.storeResponse(t, e.a, true)
			page := fmt.Sprintf("%s/assessments/%d", e.URL, e.a.ID)
			navigate(t, ctx, page)

			// A mistake first: no lead. The error summary leads to the field; what was
			// typed stays.
			typeInto(t, ctx, "#action-text", "Invite a patient partner to the monthly huddle")
			typeInto(t, ctx, "#action-support", "Parking vouchers")
			expectStatus(t, "add without a lead", clickAndLoad(t, ctx, "form.action-form button[type=submit]").Status, http.StatusUnprocessableEntity)
			if got := eval[string](t, ctx, `document.querySelector(".action-form").previousElementSibling.querySelector("a").getAttribute("href")`); got != "#action-lead" {
				t.Errorf("error summary links to %q, want #action-lead", got)
			}
			if got := eval[string](t, ctx, `document.querySelector("#action-text").value`); !strings.Contains(got, "monthly huddle") {
				t.Errorf("the action text was lost: %q", got)
			}
			if vp.js { // read with a script; without one the browser does the same
				// The page comes back with its error in view and focused, not at the top
				// with the error far below.
				inView := `(function(){const s=document.querySelector(".action-form").previousElementSibling;const r=s.getBoundingClientRect();return document.activeElement===s&&r.top>=0&&r.top<innerHeight})()`
				if !waitJS(t, ctx, inView, 3*time.Second) {
					t.Errorf("the action's error summary is not focused in view (top %v, window %v)",
						eval[float64](t, ctx, `document.querySelector(".action-form").previousElementSibling.getBoundingClientRect().top`), vp.height)
				}
			}
			axe := func(name string) {
				if vp.js { // axe-core is a script: it runs where scripts do
					checkAxe(t, ctx, name)
				}
			}
			axe("action form with an error")

			typeInto(t, ctx, "#action-lead", "Nurse manager")
			expectStatus(t, "add", clickAndLoad(t, ctx, "form.action-form button[type=submit]").Status, http.StatusOK)
			if got := domText(t, ctx, "ol.action-list li .action-text"); got != "Invite a patient partner to the monthly huddle" {
				t.Errorf("the plan shows %q", got)
			}
			axe("assessment with an action")
			noHorizontalScroll(t, ctx, "assessment with an action", vp.width)
			shot(t, ctx, "action-plan")

			expectStatus(t, "mark discussed", clickAndLoad(t, ctx, "form.discussed-form button").Status, http.StatusOK)
			if a := e.storedAssessment(t, e.a.ID); a.DiscussedAt == nil {
				t.Error("the round is not marked discussed")
			}
			expectStatus(t, "close", clickAndLoad(t, ctx, `form[action$="/close"] button`).Status, http.StatusOK)
			expectStatus(t, "reassess", clickAndLoad(t, ctx, "form.reassess-form button").Status, http.StatusOK)
			if got, want := domText(t, ctx, "main .notice"), e.msg("assessment.done_reassessed"); got != want {
				t.Errorf("notice after reassessing = %q, want %q", got, want)
			}
			next, err := e.store.NextRoundOf(t.Context(), e.a.ID)
			if err != nil {
				t.Fatalf("no next round: %v", err)
			}
			expectPath(t, ctx, "after reassessing", fmt.Sprintf("/assessments/%d", next.ID))
			if got := domText(t, ctx, "ol.action-list li .action-text"); got != "Invite a patient partner to the monthly huddle" {
				t.Errorf("round 2 shows %q, want the carried action", got)
			}
			if got := domText(t, ctx, "ol.action-list li dl"); !strings.Contains(got, e.msg("actions.carried_from", 1)) {
				t.Errorf("the carried action does not say where it came from: %q", got)
			}
			if next.Status != assessment.Open || next.Round != 2 {
				t.Errorf("next round %+v", next)
			}
			axe("round 2")
			noHorizontalScroll(t, ctx, "round 2", vp.width)

			// Deleting asks first: the first click only opens the confirmation.
			click(t, ctx, "ol.action-list li details.confirm-delete summary")
			if n := eval[int](t, ctx, `document.querySelectorAll("ol.action-list li").length`); n != 1 {
				t.Fatalf("one click deleted the action (%d left)", n)
			}
			axe("round 2, confirming a deletion")
			expectStatus(t, "delete", clickAndLoad(t, ctx, "ol.action-list li details.confirm-delete button").Status, http.StatusOK)
			if n := eval[int](t, ctx, `document.querySelectorAll("ol.action-list li").length`); n != 0 {
				t.Errorf("%d actions after the confirmed deletion", n)
			}
		})
	}
}
