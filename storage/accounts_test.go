package storage_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// accRole reads the role and deactivation of account id.
func accRole(t *testing.T, s *storage.Store, id int64) (string, bool) {
	t.Helper()
	f, err := s.FacilitatorByID(t.Context(), id)
	if err != nil {
		t.Fatalf("FacilitatorByID(%d): %v", id, err)
	}
	return f.Role, f.DeactivatedAt != nil
}

// activeAdmins counts the accounts that are active admins.
func activeAdmins(t *testing.T, s *storage.Store) int {
	t.Helper()
	list, err := s.Accounts(t.Context())
	if err != nil {
		t.Fatalf("Accounts: %v", err)
	}
	n := 0
	for i := range list {
		if list[i].IsAdmin() {
			n++
		}
	}
	return n
}

// TestAccountRoles: roles change both ways while another active admin remains; the last
// active admin can be neither demoted nor deactivated, and such a refusal changes
// nothing; asking for the role an account has changes nothing; a deactivated admin no
// longer counts, and can be demoted.
func TestAccountRoles(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		first := facAccount(t, s, "first@example.org", "First")
		second := facAccount(t, s, "second@example.org", "Second")
		if first.Role != assessment.RoleAdmin || second.Role != assessment.RoleFacilitator {
			t.Fatalf("roles at creation: %s, %s", first.Role, second.Role)
		}
		list, err := s.Accounts(ctx)
		if err != nil || len(list) != 2 || list[0].ID != first.ID || list[1].ID != second.ID {
			t.Fatalf("Accounts = %+v, %v; want first, second", list, err)
		}

		if _, err := s.SetRole(ctx, first.ID, assessment.RoleFacilitator); !errors.Is(err, assessment.ErrLastAdmin) {
			t.Errorf("demoting the only admin: %v, want ErrLastAdmin", err)
		}
		if _, err := s.Deactivate(ctx, first.ID, time.Now()); !errors.Is(err, assessment.ErrLastAdmin) {
			t.Errorf("deactivating the only admin: %v, want ErrLastAdmin", err)
		}
		if role, off := accRole(t, s, first.ID); role != assessment.RoleAdmin || off {
			t.Errorf("after the refusals the admin is %s, deactivated %v", role, off)
		}

		if changed, err := s.SetRole(ctx, second.ID, assessment.RoleAdmin); err != nil || !changed {
			t.Fatalf("promoting: %v, %v", changed, err)
		}
		if changed, err := s.SetRole(ctx, second.ID, assessment.RoleAdmin); err != nil || changed {
			t.Errorf("promoting an admin again: changed %v, %v; want false, nil", changed, err)
		}
		if changed, err := s.SetRole(ctx, first.ID, assessment.RoleFacilitator); err != nil || !changed {
			t.Fatalf("demoting one of two admins: %v, %v", changed, err)
		}
		if _, err := s.SetRole(ctx, second.ID, assessment.RoleFacilitator); !errors.Is(err, assessment.ErrLastAdmin) {
			t.Errorf("demoting the admin left: %v, want ErrLastAdmin", err)
		}
		if changed, err := s.SetRole(ctx, first.ID, assessment.RoleFacilitator); err != nil || changed {
			t.Errorf("demoting a facilitator: changed %v, %v; want false, nil", changed, err)
		}

		// A deactivated admin does not count as one: the active one stays.
		if _, err := s.SetRole(ctx, first.ID, assessment.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		if changed, err := s.Deactivate(ctx, first.ID, time.Now()); err != nil || !changed {
			t.Fatalf("deactivating one of two admins: %v, %v", changed, err)
		}
		if _, err := s.Deactivate(ctx, second.ID, time.Now()); !errors.Is(err, assessment.ErrLastAdmin) {
			t.Errorf("deactivating the last active admin: %v, want ErrLastAdmin", err)
		}
		if _, err := s.SetRole(ctx, second.ID, assessment.RoleFacilitator); !errors.Is(err, assessment.ErrLastAdmin) {
			t.Errorf("demoting the last active admin: %v, want ErrLastAdmin", err)
		}
		if changed, err := s.SetRole(ctx, first.ID, assessment.RoleFacilitator); err != nil || !changed {
			t.Errorf("demoting a deactivated admin: %v, %v", changed, err)
		}
		if changed, err := s.Deactivate(ctx, first.ID, time.Now()); err != nil || changed {
			t.Errorf("deactivating again: changed %v, %v; want false, nil", changed, err)
		}
		if changed, err := s.Reactivate(ctx, first.ID); err != nil || !changed {
			t.Errorf("reactivating: %v, %v", changed, err)
		}
		if changed, err := s.Reactivate(ctx, first.ID); err != nil || changed {
			t.Errorf("reactivating again: changed %v, %v; want false, nil", changed, err)
		}
		if n := activeAdmins(t, s); n != 1 {
			t.Errorf("%d active admins, want 1", n)
		}

		for name, err := range map[string]error{
			"role":       func() error { _, err := s.SetRole(ctx, 9999, assessment.RoleAdmin); return err }(),
			"deactivate": func() error { _, err := s.Deactivate(ctx, 9999, time.Now()); return err }(),
			"reactivate": func() error { _, err := s.Reactivate(ctx, 9999); return err }(),
		} {
			if !errors.Is(err, assessment.ErrNotFound) {
				t.Errorf("%s of no account: %v, want ErrNotFound", name, err)
			}
		}
	})
}

// TestDeactivationEndsAccess: a deactivated account's sessions and API tokens stop
// working at once (the token is revoked, and a lookup checks the account anyway), its
// pending link is void, and it gets no new link; reactivated, it can have new sessions,
// but its old tokens stay revoked.
func TestDeactivationEndsAccess(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		facAccount(t, s, "admin@example.org", "Admin")
		f := facAccount(t, s, "leaving@example.org", "Leaving")
		sess, tokenHash, linkHash := facHash(), facHash(), facHash()
		if err := s.CreateSession(ctx, sess, f.ID, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAPIToken(ctx, &assessment.APIToken{FacilitatorID: f.ID}, tokenHash); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if err := s.PutAccountLink(ctx, linkHash, f.ID, storage.LinkReset, now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionFacilitator(ctx, sess); err != nil {
			t.Fatalf("live session before: %v", err)
		}
		if _, _, err := s.FacilitatorByAPIToken(ctx, tokenHash); err != nil {
			t.Fatalf("live token before: %v", err)
		}

		if changed, err := s.Deactivate(ctx, f.ID, now); err != nil || !changed {
			t.Fatalf("Deactivate: %v, %v", changed, err)
		}
		if _, err := s.SessionFacilitator(ctx, sess); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("session after deactivation: %v, want ErrNotFound", err)
		}
		if _, _, err := s.FacilitatorByAPIToken(ctx, tokenHash); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("token after deactivation: %v, want ErrNotFound", err)
		}
		if _, _, err := s.AccountLink(ctx, linkHash, now); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("link after deactivation: %v, want ErrNotFound", err)
		}
		if err := s.PutAccountLink(ctx, facHash(), f.ID, storage.LinkReset, now, now.Add(time.Hour)); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("a new link for a deactivated account: %v, want ErrNotFound", err)
		}
		// A session made for it now (it cannot sign in, but say one were) opens nothing.
		late := facHash()
		if err := s.CreateSession(ctx, late, f.ID, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionFacilitator(ctx, late); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("a deactivated account's session: %v, want ErrNotFound", err)
		}

		if _, err := s.Reactivate(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := s.SessionFacilitator(ctx, late); err != nil || got.ID != f.ID {
			t.Errorf("session after reactivation: %+v, %v", got, err)
		}
		if _, _, err := s.FacilitatorByAPIToken(ctx, tokenHash); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("old token after reactivation: %v, want it still revoked", err)
		}
		tokens, err := s.APITokens(ctx, f.ID)
		if err != nil || len(tokens) != 1 || tokens[0].RevokedAt == nil {
			t.Errorf("tokens after reactivation: %+v, %v; want one, revoked", tokens, err)
		}
	})
}

// TestAccountLinks: a link opens its account until it expires; using it sets the
// password, ends the account's sessions and spends it; a newer link replaces an older;
// an unknown link opens nothing.
func TestAccountLinks(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		facAccount(t, s, "admin@example.org", "Admin")
		f := facDetails(t, "invited@example.org", "Invited")
		f.PasswordHash = ""
		if err := s.CreateFacilitator(ctx, f); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)
		older, newer := facHash(), facHash()
		if err := s.PutAccountLink(ctx, older, f.ID, storage.LinkInvite, now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, purpose, err := s.AccountLink(ctx, older, now); err != nil || got.ID != f.ID || purpose != storage.LinkInvite || got.PasswordHash != "" {
			t.Fatalf("AccountLink = %+v, %q, %v", got, purpose, err)
		}
		if err := s.PutAccountLink(ctx, newer, f.ID, storage.LinkInvite, now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AccountLink(ctx, older, now); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("the replaced link: %v, want ErrNotFound", err)
		}
		if _, _, err := s.AccountLink(ctx, newer, now.Add(time.Hour)); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("the link at its expiry: %v, want ErrNotFound", err)
		}
		if _, _, err := s.UseAccountLink(ctx, newer, "$hash-late", now.Add(2*time.Hour)); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("using an expired link: %v, want ErrNotFound", err)
		}
		if _, _, err := s.UseAccountLink(ctx, facHash(), "$hash-unknown", now); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("using an unknown link: %v, want ErrNotFound", err)
		}
		if got, _ := s.FacilitatorByID(ctx, f.ID); got.PasswordHash != "" {
			t.Fatalf("a refused link set the password: %q", got.PasswordHash)
		}

		sess := facHash()
		if err := s.CreateSession(ctx, sess, f.ID, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, purpose, err := s.UseAccountLink(ctx, newer, "$hash-chosen", now.Add(time.Minute))
		if err != nil || got.ID != f.ID || purpose != storage.LinkInvite || got.PasswordHash != "$hash-chosen" {
			t.Fatalf("UseAccountLink = %+v, %q, %v", got, purpose, err)
		}
		if _, err := s.SessionFacilitator(ctx, sess); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("a session from before the link was used: %v, want ErrNotFound", err)
		}
		if _, _, err := s.UseAccountLink(ctx, newer, "$hash-again", now.Add(time.Minute)); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("using a link twice: %v, want ErrNotFound", err)
		}
		if got, _ := s.FacilitatorByID(ctx, f.ID); got.PasswordHash != "$hash-chosen" {
			t.Errorf("the second use changed the password to %q", got.PasswordHash)
		}
		if err := s.PutAccountLink(ctx, facHash(), 9999, storage.LinkReset, now, now.Add(time.Hour)); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("a link for no account: %v, want ErrNotFound", err)
		}
	})
}

// TestLastAdminUnderRace: two admins demote (or deactivate) each other at the same
// moment, through two connections, many times over: at least one admin is always left,
// and each refusal is ErrLastAdmin. On SQLite the writers take turns on the file; on
// PostgreSQL the accounts lock makes the second statement see the first's change.
func TestLastAdminUnderRace(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		other, err := storage.Open(ctx, ns.dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = other.Close() }()
		a := facAccount(t, s, "a@example.org", "A")
		b := facAccount(t, s, "b@example.org", "B")
		rounds := 15
		if testing.Short() {
			rounds = 5
		}
		for i := range rounds {
			for _, id := range []int64{a.ID, b.ID} {
				if _, err := s.Reactivate(ctx, id); err != nil {
					t.Fatal(err)
				}
				if _, err := s.SetRole(ctx, id, assessment.RoleAdmin); err != nil {
					t.Fatal(err)
				}
			}
			deactivate := i%2 == 1
			change := func(st *storage.Store, id int64) error {
				if deactivate {
					_, err := st.Deactivate(ctx, id, time.Now())
					return err
				}
				_, err := st.SetRole(ctx, id, assessment.RoleFacilitator)
				return err
			}
			start := make(chan struct{})
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for j, pair := range []struct {
				st *storage.Store
				id int64
			}{{s, b.ID}, {other, a.ID}} {
				wg.Go(func() {
					<-start
					errs[j] = change(pair.st, pair.id)
				})
			}
			close(start)
			wg.Wait()
			what := fmt.Sprintf("round %d (deactivate %v)", i, deactivate)
			if n := activeAdmins(t, s); n != 1 {
				t.Fatalf("%s: %d active admins left, want exactly 1 (errors %v)", what, n, errs)
			}
			refused := 0
			for _, err := range errs {
				switch {
				case errors.Is(err, assessment.ErrLastAdmin):
					refused++
				case err != nil:
					t.Fatalf("%s: %v", what, err)
				}
			}
			if refused != 1 {
				t.Fatalf("%s: %d refusals (%v), want 1", what, refused, errs)
			}
		}
	})
}

// TestAccountLinkUsedOnceUnderRace: the same link sent twice at the same moment, through
// two connections, sets the password once.
func TestAccountLinkUsedOnceUnderRace(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		other, err := storage.Open(ctx, ns.dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = other.Close() }()
		facAccount(t, s, "admin@example.org", "Admin")
		f := facAccount(t, s, "forgot@example.org", "Forgot")
		for i := range 8 {
			link, now := facHash(), time.Now()
			if err := s.PutAccountLink(ctx, link, f.ID, storage.LinkReset, now, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			start := make(chan struct{})
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for j, st := range []*storage.Store{s, other} {
				wg.Go(func() {
					<-start
					_, _, errs[j] = st.UseAccountLink(ctx, link, fmt.Sprintf("$hash-%d-%d", i, j), now)
				})
			}
			close(start)
			wg.Wait()
			ok, missed := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case errors.Is(err, assessment.ErrNotFound):
					missed++
				default:
					t.Fatalf("round %d: %v", i, err)
				}
			}
			if ok != 1 || missed != 1 {
				t.Fatalf("round %d: %d uses succeeded, %d refused (%v); want 1 and 1", i, ok, missed, errs)
			}
		}
	})
}

// An admin invited and not yet signed in (no password chosen) does not count as another
// admin: the only admin who can sign in cannot step down or be deactivated in their favour
// (their link may lapse, leaving nobody to manage the installation). And setting a
// password voids every one-time link made before for the account: a reset link that leaked
// no longer takes it over once its owner has changed their password.
func TestInvitedAdminsAndLinksAfterAPasswordChange(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s, ctx := ns.store, t.Context()
		ann := facAccount(t, s, "ann@example.org", "Ann")
		bob := facDetails(t, "bob@example.org", "Bob")
		bob.PasswordHash, bob.Role = "", assessment.RoleAdmin
		if err := s.CreateFacilitator(ctx, bob); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetRole(ctx, ann.ID, assessment.RoleFacilitator); !errors.Is(err, assessment.ErrLastAdmin) {
			t.Errorf("Ann stepping down with only an invited admin left: %v, want ErrLastAdmin", err)
		}
		if _, err := s.Deactivate(ctx, ann.ID, time.Now()); !errors.Is(err, assessment.ErrLastAdmin) {
			t.Errorf("deactivating Ann with only an invited admin left: %v, want ErrLastAdmin", err)
		}
		if role, off := accRole(t, s, ann.ID); role != assessment.RoleAdmin || off {
			t.Errorf("Ann is now %q (deactivated %v)", role, off)
		}

		now := time.Now().UTC()
		link := facHash()
		if err := s.PutAccountLink(ctx, link, ann.ID, storage.LinkReset, now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPassword(ctx, ann.ID, "$hash-changed-by-ann"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.UseAccountLink(ctx, link, "$hash-taken-over", now.Add(time.Minute)); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("a reset link made before the password change: %v, want ErrNotFound", err)
		}
		if got, _ := s.FacilitatorByID(ctx, ann.ID); got.PasswordHash != "$hash-changed-by-ann" {
			t.Errorf("Ann's password hash is %q", got.PasswordHash)
		}
	})
}
