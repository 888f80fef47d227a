package e2e

// The admins' Accounts page and the one-time account link in a real browser, on a
// phone and a laptop screen: the first account (an admin) finds Accounts in its menu,
// invites someone, and the invitee opens the link signed out, chooses a password and
// lands on their dashboard. axe-core checks every page and state on the way.

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
)

// inviteSubmit is the invitation form's button (the table's rows have forms too).
const inviteSubmit = `form[action="/admin/accounts"] button[type=submit]`

func TestAccountsPagesInBrowser(t *testing.T) {
	requireChrome(t)
	for _, vp := range []struct {
		name          string
		width, height int
	}{
		{"phone", phoneWidth, phoneHeight},
		{"desktop", 1280, 800},
	} {
		t.Run(vp.name, func(t *testing.T) {
			e, setupURL := startFacilitatorECAT(t)
			ctx := newBrowser(t, vp.width, vp.height, true)
			navigate(t, ctx, setupURL)
			createAccount(t, ctx, e) // the first account: an admin
			// Someone else, and someone deactivated, for the list to show every state.
			for _, email := range []string{"pat@example.org", "gil@example.org"} {
				f := &assessment.Facilitator{Email: email, Name: "Account " + email, PasswordHash: "$argon2id$stand-in", Role: assessment.RoleFacilitator}
				if err := e.store.CreateFacilitator(context.Background(), f); err != nil {
					t.Fatal(err)
				}
				if email == "gil@example.org" {
					if _, err := e.store.Deactivate(context.Background(), f.ID, time.Now()); err != nil {
						t.Fatal(err)
					}
				}
			}

			expectStatus(t, "accounts", clickAndLoad(t, ctx, `nav.account a[href="/admin/accounts"]`).Status, http.StatusOK)
			expectPath(t, ctx, "accounts", "/admin/accounts")
			if got, want := domText(t, ctx, "h1"), e.msg("accounts.heading"); got != want {
				t.Errorf("accounts h1 = %q, want %q", got, want)
			}
			shot(t, ctx, "accounts")
			checkAxe(t, ctx, "accounts")
			noHorizontalScroll(t, ctx, "accounts", vp.width)

			// A mistake first: the form comes back with its errors.
			typeInto(t, ctx, "#invite-name", "Nia New")
			typeInto(t, ctx, "#invite-email", "not an address")
			expectStatus(t, "invite with a bad e-mail", clickAndLoad(t, ctx, inviteSubmit).Status, http.StatusUnprocessableEntity)
			shot(t, ctx, "accounts-with-errors")
			checkAxe(t, ctx, "accounts with errors")
			noHorizontalScroll(t, ctx, "accounts with errors", vp.width)

			// The form kept what was typed: the e-mail is put right.
			if got := eval[string](t, ctx, `document.querySelector("#invite-name").value`); got != "Nia New" {
				t.Errorf("the name typed came back as %q", got)
			}
			eval[bool](t, ctx, `(document.querySelector("#invite-email").value = "", true)`)
			typeInto(t, ctx, "#invite-email", "nia@example.org")
			expectStatus(t, "invite", clickAndLoad(t, ctx, inviteSubmit).Status, http.StatusCreated)
			link := domText(t, ctx, "#account-link")
			if !strings.HasPrefix(link, e.URL+"/account/link/") {
				t.Fatalf("link shown: %q", link)
			}
			shot(t, ctx, "accounts-with-a-new-link")
			checkAxe(t, ctx, "accounts with a new link")
			noHorizontalScroll(t, ctx, "accounts with a new link", vp.width)

			// Handing the server's assessment (Dana's) over: the form, a mistake, done.
			navigate(t, ctx, fmt.Sprintf("%s/assessments/%d/handover", e.URL, e.a.ID))
			shot(t, ctx, "handover")
			checkAxe(t, ctx, "handover")
			typeInto(t, ctx, "#handover-email", "nobody@example.org")
			expectStatus(t, "hand over to nobody", clickAndLoad(t, ctx, mainSubmit).Status, http.StatusUnprocessableEntity)
			shot(t, ctx, "handover-with-errors")
			checkAxe(t, ctx, "handover with errors")
			eval[bool](t, ctx, `(document.querySelector("#handover-email").value = "", true)`)
			typeInto(t, ctx, "#handover-email", "pat@example.org")
			expectStatus(t, "hand over", clickAndLoad(t, ctx, mainSubmit).Status, http.StatusOK)
			shot(t, ctx, "handover-done")
			checkAxe(t, ctx, "handover done")
			noHorizontalScroll(t, ctx, "handover done", vp.width)
			pat, err := e.store.FacilitatorByEmail(context.Background(), "pat@example.org")
			if err != nil {
				t.Fatal(err)
			}
			if a := e.storedAssessment(t, e.a.ID); a.FacilitatorID == nil || *a.FacilitatorID != pat.ID {
				t.Errorf("after the hand-over the assessment belongs to %v, want %d", a.FacilitatorID, pat.ID)
			}

			// The invitee, in a browser of their own.
			ictx := newBrowser(t, vp.width, vp.height, true)
			navigate(t, ictx, link)
			if got, want := domText(t, ictx, "h1"), e.msg("account_link.invite_heading"); got != want {
				t.Errorf("link page h1 = %q, want %q", got, want)
			}
			shot(t, ictx, "account-link")
			checkAxe(t, ictx, "account link")
			noHorizontalScroll(t, ictx, "account link", vp.width)
			typeInto(t, ictx, "#password", "a long new passphrase")
			typeInto(t, ictx, "#password_confirm", "not the same one")
			expectStatus(t, "mistyped confirmation", clickAndLoad(t, ictx, mainSubmit).Status, http.StatusUnprocessableEntity)
			shot(t, ictx, "account-link-with-errors")
			checkAxe(t, ictx, "account link with errors")
			typeInto(t, ictx, "#password", "a long new passphrase")
			typeInto(t, ictx, "#password_confirm", "a long new passphrase")
			expectStatus(t, "choose the password", clickAndLoad(t, ictx, mainSubmit).Status, http.StatusOK)
			expectPath(t, ictx, "after choosing the password", "/dashboard")
			if got, want := domText(t, ictx, "nav.account button[type=submit]"), e.msg("nav.sign_out", "Nia New"); got != want {
				t.Errorf("the invitee is signed in as %q, want %q", got, want)
			}
		})
	}
}
