package survey_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/survey"
)

const adminTestPassword = "a long pass phrase"

// account creates an account with adminTestPassword (hashed for real: these tests sign
// in) and role.
func (e *env) account(email, role string) *assessment.Facilitator {
	e.t.Helper()
	f, err := e.svc.AddFacilitatorAs(e.ctx(), survey.NewAccount{Email: email, Name: "Name " + email, Password: adminTestPassword}, role)
	if err != nil {
		e.t.Fatalf("add %s: %v", email, err)
	}
	return f
}

// trail lists f's recorded actions, oldest first.
func (e *env) trail(f *assessment.Facilitator) []string {
	e.t.Helper()
	events, err := e.svc.Activity(e.ctx(), f)
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]string, len(events))
	for i, ev := range events {
		out[len(events)-1-i] = ev.Action
	}
	return out
}

// fieldCodes is the field → code map of a validation error (nil for another error).
func fieldCodes(err error) map[string]string {
	var verr *assessment.ValidationError
	if !errors.As(err, &verr) {
		return nil
	}
	out := map[string]string{}
	for f, fe := range verr.Fields {
		out[f] = fe.Code
	}
	return out
}

// TestAccountsAreForAdmins: every account use case refuses a facilitator, a deactivated
// admin, and an admin demoted since their page was loaded, and changes nothing.
func TestAccountsAreForAdmins(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		admin := e.account("admin@example.org", assessment.RoleAdmin)
		plain := e.account("plain@example.org", "")
		second := e.account("second@example.org", assessment.RoleAdmin)
		stale := *second // as loaded before the demotion below
		if _, err := e.svc.ChangeRole(ctx, admin, second.ID, assessment.RoleFacilitator); err != nil {
			t.Fatal(err)
		}
		gone := *admin
		gone.DeactivatedAt = new(time.Now())

		for name, actor := range map[string]*assessment.Facilitator{"facilitator": plain, "demoted admin": &stale, "deactivated admin": &gone, "nobody": nil} {
			calls := map[string]error{}
			_, calls["Accounts"] = e.svc.Accounts(ctx, actor)
			_, calls["Invite"] = e.svc.Invite(ctx, actor, survey.Invitation{Email: "new@example.org", Name: "New", Role: assessment.RoleAdmin})
			_, calls["MakeAccountLink"] = e.svc.MakeAccountLink(ctx, actor, plain.ID)
			_, calls["ChangeRole"] = e.svc.ChangeRole(ctx, actor, plain.ID, assessment.RoleAdmin)
			_, calls["Deactivate"] = e.svc.Deactivate(ctx, actor, admin.ID)
			_, calls["Reactivate"] = e.svc.Reactivate(ctx, actor, admin.ID)
			for call, err := range calls {
				if !errors.Is(err, survey.ErrAdminOnly) {
					t.Errorf("%s: %s = %v, want ErrAdminOnly", name, call, err)
				}
			}
		}
		list, err := e.svc.Accounts(ctx, admin)
		if err != nil || len(list) != 3 {
			t.Fatalf("accounts: %d, %v; want the 3 made", len(list), err)
		}
		for _, f := range list {
			want := assessment.RoleFacilitator
			if f.ID == admin.ID {
				want = assessment.RoleAdmin
			}
			if f.Role != want || f.DeactivatedAt != nil {
				t.Errorf("%s is %s (deactivated %v), want %s", f.Email, f.Role, f.DeactivatedAt, want)
			}
		}
	})
}

// TestInvitation: an admin invites someone (the form's problems listed at once, a taken
// e-mail refused); the invited account cannot sign in until its link is used; the link
// refuses a weak or mistyped password and stays usable; used, it sets the password,
// signs the person in, and is spent. Both trails record it.
func TestInvitation(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		admin := e.account("admin@example.org", assessment.RoleAdmin)

		_, err := e.svc.Invite(ctx, admin, survey.Invitation{Email: "not an address", Name: "  ", Role: "boss"})
		if got := fieldCodes(err); got["email"] != assessment.CodeInvalid || got["name"] != assessment.CodeRequired || got["role"] != assessment.CodeInvalid {
			t.Errorf("a bad invitation: %v (%v)", got, err)
		}
		_, err = e.svc.Invite(ctx, admin, survey.Invitation{Email: "ADMIN@example.org", Name: "Copy", Role: assessment.RoleFacilitator})
		if got := fieldCodes(err); got["email"] != survey.CodeTaken {
			t.Errorf("inviting a taken e-mail: %v (%v)", got, err)
		}
		if list, _ := e.svc.Accounts(ctx, admin); len(list) != 1 {
			t.Fatalf("refused invitations stored %d accounts", len(list)-1)
		}

		now := time.Now()
		e.svc.SetClock(func() time.Time { return now })
		link, err := e.svc.Invite(ctx, admin, survey.Invitation{Email: " Nia@Example.org ", Name: "Nia", Role: assessment.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		if link.Purpose != survey.LinkInvite || link.Account.Email != "nia@example.org" || link.Account.Role != assessment.RoleAdmin ||
			!link.Expires.Equal(now.Add(survey.InviteLifetime)) || !assessment.LooksLikeResumeToken(link.Token) {
			t.Fatalf("invitation link %+v", link)
		}
		f, purpose, err := e.svc.AccountLinkFor(ctx, link.Token)
		if err != nil || f.Name != "Nia" || purpose != survey.LinkInvite {
			t.Fatalf("AccountLinkFor = %+v, %q, %v", f, purpose, err)
		}
		// Not set up: no password opens it, the empty one included.
		for _, pw := range []string{"", adminTestPassword} {
			if _, err := e.svc.SignIn(ctx, "nia@example.org", pw, ""); !errors.Is(err, survey.ErrSignInFailed) {
				t.Errorf("sign-in of an invited account with %q: %v", pw, err)
			}
		}

		for _, bad := range []struct {
			in   survey.NewPassword
			want map[string]string
		}{
			{survey.NewPassword{Password: "short", Confirm: "short"}, map[string]string{"password": assessment.CodeTooShort}},
			{survey.NewPassword{Password: "a brand new passphrase", Confirm: "a brand new passphrasE"}, map[string]string{"password_confirm": assessment.CodeInvalid}},
		} {
			_, err := e.svc.UseAccountLink(ctx, link.Token, bad.in, "")
			if got := fieldCodes(err); !equalMaps(got, bad.want) {
				t.Errorf("UseAccountLink(%+v): %v (%v), want %v", bad.in, got, err, bad.want)
			}
		}
		if _, _, err := e.svc.AccountLinkFor(ctx, link.Token); err != nil {
			t.Fatalf("the link after refused passwords: %v", err)
		}

		sess, err := e.svc.UseAccountLink(ctx, link.Token, survey.NewPassword{Password: "a brand new passphrase", Confirm: "a brand new passphrase"}, "")
		if err != nil || sess.Facilitator.Email != "nia@example.org" {
			t.Fatalf("UseAccountLink: %+v, %v", sess, err)
		}
		if got, err := e.svc.SessionFacilitator(ctx, sess.ID); err != nil || !got.IsAdmin() {
			t.Errorf("the new session: %+v, %v; want an admin signed in", got, err)
		}
		if _, err := e.svc.SignIn(ctx, "nia@example.org", "a brand new passphrase", ""); err != nil {
			t.Errorf("signing in with the chosen password: %v", err)
		}
		if _, err := e.svc.UseAccountLink(ctx, link.Token, survey.NewPassword{Password: "another passphrase!", Confirm: "another passphrase!"}, ""); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("using the link again: %v, want ErrNotFound", err)
		}
		if _, _, err := e.svc.AccountLinkFor(ctx, "not-a-token"); !errors.Is(err, survey.ErrMalformed) {
			t.Errorf("a malformed link: %v", err)
		}
		if got := e.trail(admin); !slices.Contains(got, assessment.AuditAccountInvited) {
			t.Errorf("admin's trail %v lacks the invitation", got)
		}
		if got := e.trail(sess.Facilitator); len(got) < 1 || got[0] != assessment.AuditInviteAccepted {
			t.Errorf("invitee's trail %v, want the accepted invitation first", got)
		}
	})
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestPasswordResetLink: an admin makes a reset link for someone who forgot their
// password; it works for ResetLifetime, replaces any earlier link, ends the account's
// sessions when used, and the old password stops working. An invited account gets a new
// invitation instead; a deactivated one none.
func TestPasswordResetLink(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		admin := e.account("admin@example.org", assessment.RoleAdmin)
		forgot := e.account("forgot@example.org", "")
		old, err := e.svc.SignIn(ctx, forgot.Email, adminTestPassword, "")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		e.svc.SetClock(func() time.Time { return now })
		first, err := e.svc.MakeAccountLink(ctx, admin, forgot.ID)
		if err != nil || first.Purpose != survey.LinkReset || !first.Expires.Equal(now.Add(survey.ResetLifetime)) {
			t.Fatalf("MakeAccountLink = %+v, %v", first, err)
		}
		link, err := e.svc.MakeAccountLink(ctx, admin, forgot.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.AccountLinkFor(ctx, first.Token); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("the earlier link: %v, want ErrNotFound", err)
		}
		e.svc.SetClock(func() time.Time { return now.Add(survey.ResetLifetime + time.Second) })
		if _, _, err := e.svc.AccountLinkFor(ctx, link.Token); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("the link after its lifetime: %v, want ErrNotFound", err)
		}
		e.svc.SetClock(func() time.Time { return now.Add(time.Hour) })
		sess, err := e.svc.UseAccountLink(ctx, link.Token, survey.NewPassword{Password: "remembered at last", Confirm: "remembered at last"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SessionFacilitator(ctx, old.ID); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("the session from before the reset: %v, want ErrNotFound", err)
		}
		if _, err := e.svc.SessionFacilitator(ctx, sess.ID); err != nil {
			t.Errorf("the session the reset started: %v", err)
		}
		if _, err := e.svc.SignIn(ctx, forgot.Email, adminTestPassword, ""); !errors.Is(err, survey.ErrSignInFailed) {
			t.Errorf("the old password: %v, want ErrSignInFailed", err)
		}
		if got := e.trail(forgot); !slices.Contains(got, assessment.AuditPasswordReset) {
			t.Errorf("trail %v lacks the reset", got)
		}
		if got := e.trail(admin); !slices.Contains(got, assessment.AuditResetLinkCreated) {
			t.Errorf("admin's trail %v lacks the link made", got)
		}

		invited, err := e.svc.Invite(ctx, admin, survey.Invitation{Email: "late@example.org", Name: "Late", Role: assessment.RoleFacilitator})
		if err != nil {
			t.Fatal(err)
		}
		again, err := e.svc.MakeAccountLink(ctx, admin, invited.Account.ID)
		if err != nil || again.Purpose != survey.LinkInvite || !again.Expires.Equal(now.Add(time.Hour+survey.InviteLifetime)) {
			t.Errorf("a new link for an invited account: %+v, %v; want a new invitation", again, err)
		}
		if _, err := e.svc.Deactivate(ctx, admin, forgot.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.MakeAccountLink(ctx, admin, forgot.ID); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("a link for a deactivated account: %v, want ErrNotFound", err)
		}
		if _, err := e.svc.MakeAccountLink(ctx, admin, 9999); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("a link for no account: %v, want ErrNotFound", err)
		}
	})
}

// TestDeactivatedAccount: a deactivated account cannot sign in (the same answer as a
// wrong password), its sessions and API tokens stop working; the last admin cannot be
// deactivated nor demoted; reactivated, it signs in again. Each change is in the admin's
// trail, once.
func TestDeactivatedAccount(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		admin := e.account("admin@example.org", assessment.RoleAdmin)
		f := e.account("leaving@example.org", "")
		sess, err := e.svc.SignIn(ctx, f.Email, adminTestPassword, "")
		if err != nil {
			t.Fatal(err)
		}
		token, err := e.svc.CreateToken(ctx, f, "script")
		if err != nil {
			t.Fatal(err)
		}

		for _, call := range []func() error{
			func() error { _, err := e.svc.Deactivate(ctx, admin, admin.ID); return err },
			func() error { _, err := e.svc.ChangeRole(ctx, admin, admin.ID, assessment.RoleFacilitator); return err },
		} {
			if err := call(); !errors.Is(err, assessment.ErrLastAdmin) {
				t.Errorf("removing the last admin: %v, want ErrLastAdmin", err)
			}
		}
		if _, err := e.svc.ChangeRole(ctx, admin, f.ID, "owner"); fieldCodes(err)["role"] != assessment.CodeInvalid {
			t.Errorf("a bad role: %v", err)
		}

		got, err := e.svc.Deactivate(ctx, admin, f.ID)
		if err != nil || got.DeactivatedAt == nil {
			t.Fatalf("Deactivate = %+v, %v", got, err)
		}
		if _, err := e.svc.Deactivate(ctx, admin, f.ID); err != nil {
			t.Errorf("deactivating again: %v", err)
		}
		if _, err := e.svc.SignIn(ctx, f.Email, adminTestPassword, ""); !errors.Is(err, survey.ErrSignInFailed) {
			t.Errorf("sign-in of a deactivated account: %v, want ErrSignInFailed", err)
		}
		if _, err := e.svc.SessionFacilitator(ctx, sess.ID); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("its session: %v, want ErrNotFound", err)
		}
		if _, err := e.svc.TokenFacilitator(ctx, token); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("its API token: %v, want ErrNotFound", err)
		}

		if _, err := e.svc.Reactivate(ctx, admin, f.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SignIn(ctx, f.Email, adminTestPassword, ""); err != nil {
			t.Errorf("sign-in after reactivation: %v", err)
		}
		promoted, err := e.svc.ChangeRole(ctx, admin, f.ID, assessment.RoleAdmin)
		if err != nil || !promoted.IsAdmin() {
			t.Fatalf("ChangeRole = %+v, %v", promoted, err)
		}
		if _, err := e.svc.ChangeRole(ctx, admin, f.ID, assessment.RoleAdmin); err != nil {
			t.Errorf("the same role again: %v", err)
		}
		if _, err := e.svc.ChangeRole(ctx, promoted, admin.ID, assessment.RoleFacilitator); err != nil {
			t.Errorf("the new admin demotes the first: %v", err)
		}
		if got, want := e.trail(admin), []string{assessment.AuditAccountCreated, assessment.AuditAccountDeactivated,
			assessment.AuditAccountReactivated, assessment.AuditRoleAdmin}; !slices.Equal(got, want) {
			t.Errorf("admin's trail %v, want %v", got, want)
		}
		if got := e.trail(f); !slices.Contains(got, assessment.AuditRoleFacilitator) {
			t.Errorf("the new admin's trail %v lacks the demotion", got)
		}
	})
}

// TestHandOver: the owner (or an admin) gives an assessment, every round of its team,
// to another active facilitator named by e-mail; the former owner loses it; a viewer
// or co-facilitator may not; a stranger gets 404 whatever the e-mail; an e-mail naming
// no active account, or the owner, is refused on "email" and changes nothing. Both
// trails record it.
func TestHandOver(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		admin := e.account("admin@example.org", assessment.RoleAdmin)
		owner := e.account("owner@example.org", "")
		next := e.account("next@example.org", "")
		viewer := e.account("viewer@example.org", "")
		stranger := e.account("stranger@example.org", "")
		gone := e.account("gone@example.org", "")
		if _, err := e.svc.Deactivate(ctx, admin, gone.ID); err != nil {
			t.Fatal(err)
		}
		first := e.round(owner, "Spring")
		if _, err := e.svc.Close(ctx, owner, first.ID, 0); err != nil {
			t.Fatal(err)
		}
		second, err := e.svc.Reassess(ctx, owner, first.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.Store.PutMember(ctx, first.SeriesID, viewer.ID, assessment.MemberViewer); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.Store.PutMember(ctx, first.SeriesID, next.ID, assessment.MemberCoFacilitator); err != nil {
			t.Fatal(err)
		}

		for _, c := range []struct {
			who   *assessment.Facilitator
			email string
			want  error
		}{
			{stranger, "", assessment.ErrNotFound},
			{stranger, next.Email, assessment.ErrNotFound},
			{viewer, next.Email, assessment.ErrForbidden},
			{next, next.Email, assessment.ErrForbidden},
		} {
			if _, _, err := e.svc.HandOver(ctx, c.who, second.ID, c.email); !errors.Is(err, c.want) {
				t.Errorf("%s hands over to %q: %v, want %v", c.who.Email, c.email, err, c.want)
			}
		}
		for email, code := range map[string]string{"": assessment.CodeRequired, "nobody@example.org": assessment.CodeUnknown,
			gone.Email: assessment.CodeUnknown, "OWNER@example.org": survey.CodeAlreadyOwner} {
			if _, _, err := e.svc.HandOver(ctx, owner, second.ID, email); fieldCodes(err)["email"] != code {
				t.Errorf("hand over to %q: %v, want %s on email", email, err, code)
			}
		}
		for _, r := range []int64{first.ID, second.ID} {
			if a, err := e.db.Store.Assessment(ctx, r); err != nil || *a.FacilitatorID != owner.ID {
				t.Fatalf("round %d after refusals: %+v, %v", r, a, err)
			}
		}

		a, to, err := e.svc.HandOver(ctx, owner, second.ID, " Next@Example.org ")
		if err != nil || to.ID != next.ID || *a.FacilitatorID != next.ID {
			t.Fatalf("HandOver = %+v, %+v, %v", a, to, err)
		}
		for _, r := range []int64{first.ID, second.ID} {
			if a, err := e.db.Store.Assessment(ctx, r); err != nil || *a.FacilitatorID != next.ID {
				t.Errorf("round %d after the hand-over: %+v, %v; want it next's", r, a, err)
			}
			if _, err := e.svc.Assessment(ctx, owner, r); !errors.Is(err, assessment.ErrNotFound) {
				t.Errorf("the former owner reads round %d: %v, want ErrNotFound", r, err)
			}
			if _, err := e.svc.Assessment(ctx, viewer, r); err != nil {
				t.Errorf("the viewer lost round %d: %v", r, err)
			}
		}
		if role, err := e.db.Store.MemberRole(ctx, first.SeriesID, next.ID); err != nil || role != "" {
			t.Errorf("the new owner is still a member: %q, %v", role, err)
		}
		// An admin hands anyone's assessment over, back to its first owner.
		if _, _, err := e.svc.HandOver(ctx, admin, first.ID, owner.Email); err != nil {
			t.Errorf("an admin's hand-over: %v", err)
		}
		if got := e.trail(owner); !slices.Contains(got, assessment.AuditHandedOver) || !slices.Contains(got, assessment.AuditHandedOverToMe) {
			t.Errorf("the first owner's trail %v", got)
		}
		if got := e.trail(next); !slices.Contains(got, assessment.AuditHandedOverToMe) {
			t.Errorf("the new owner's trail %v", got)
		}
		if got := e.trail(admin); !slices.Contains(got, assessment.AuditHandedOver) {
			t.Errorf("the admin's trail %v", got)
		}
	})
}
