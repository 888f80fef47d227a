package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/survey"
)

// TestSharingInBrowser: the "Who has access" page, at phone and desktop widths, as its
// owner shares the round by keyboard-reachable form: a mistaken e-mail is answered with
// the error summary in focus, a colleague is added; then the colleague finds the round
// under "Shared with you". axe is clean at every step.
func TestSharingInBrowser(t *testing.T) {
	requireChrome(t)
	for _, vp := range []struct {
		name          string
		width, height int
	}{{"phone", phoneWidth, phoneHeight}, {"desktop", 1280, 800}} {
		t.Run(vp.name, func(t *testing.T) {
			e, setupURL := startFacilitatorECAT(t)
			ctx := newBrowser(t, vp.width, vp.height, true)
			navigate(t, ctx, setupURL)
			createAccount(t, ctx, e) // the admin, who adopts e.a
			cora := &assessment.Facilitator{Email: "cora@example.org", Name: "Cora Co", PasswordHash: survey.HashPassword(facPassword)}
			if err := e.store.CreateFacilitator(context.Background(), cora); err != nil {
				t.Fatal(err)
			}

			navigate(t, ctx, fmt.Sprintf("%s/assessments/%d/members", e.URL, e.a.ID))
			checkAxe(t, ctx, "who has access")
			typeInto(t, ctx, "#member-email", "nobody@example.org")
			click(t, ctx, `label[for="member-role-co_facilitator"]`)
			expectStatus(t, "share with nobody", clickAndLoad(t, ctx, `form[action$="/members"] button[type=submit]`).Status, http.StatusUnprocessableEntity)
			if !waitJS(t, ctx, `document.activeElement !== null && document.activeElement.classList.contains("error-summary")`, 5*time.Second) {
				t.Error("the error summary does not have the focus")
			}
			if got := attrs(t, ctx, "#member-email")["aria-invalid"]; got != "true" {
				t.Errorf("#member-email aria-invalid = %q", got)
			}
			checkAxe(t, ctx, "who has access, with an error")
			if err := chromedp.Do(ctx, chromedp.Clear(chromedp.CSS("#member-email"))); err != nil {
				t.Fatal(err)
			}
			typeInto(t, ctx, "#member-email", cora.Email)
			expectStatus(t, "share with Cora", clickAndLoad(t, ctx, `form[action$="/members"] button[type=submit]`).Status, http.StatusOK)
			if got := domText(t, ctx, "main table tbody"); !strings.Contains(got, "Cora Co") || !strings.Contains(got, e.msg("members.role.co_facilitator")) {
				t.Errorf("the members table reads %q", got)
			}
			checkAxe(t, ctx, "who has access, shared")

			signOut(t, ctx, e)
			expectStatus(t, "Cora signs in", signIn(t, ctx, cora.Email, facPassword), http.StatusOK)
			if got := domText(t, ctx, "main"); !strings.Contains(got, e.msg("dashboard.shared_heading")) || !strings.Contains(got, e.a.Title) {
				t.Errorf("Cora's dashboard reads %q", got)
			}
			checkAxe(t, ctx, "dashboard with a shared team")
		})
	}
}
