package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
)

// TestFacilitatorAddRole: --role makes an admin or a facilitator (the default), the
// installation's first account is an admin whatever is asked, a role that is neither
// is a usage error that creates nothing, and each creation is in the account's trail.
func TestFacilitatorAddRole(t *testing.T) {
	db := filepath.Join(t.TempDir(), "roles.db")
	add := func(email string, extra ...string) (string, error) {
		t.Helper()
		return runStdin(t, testPassword+"\n", append([]string{"facilitator", "add", "--email", email, "--name", "N " + email, "--db", db}, extra...)...)
	}
	for _, tc := range []struct {
		email    string
		args     []string
		wantRole string
	}{
		{"first@example.org", []string{"--role", "facilitator"}, assessment.RoleAdmin}, // the first account
		{"plain@example.org", nil, assessment.RoleFacilitator},
		{"boss@example.org", []string{"--role", "admin"}, assessment.RoleAdmin},
		{"helper@example.org", []string{"--role=facilitator"}, assessment.RoleFacilitator},
	} {
		out, err := add(tc.email, tc.args...)
		if err != nil {
			t.Fatalf("add %s: %v (%s)", tc.email, err, out)
		}
		if !strings.Contains(out, "role "+tc.wantRole) {
			t.Errorf("add %s printed %q, want role %s", tc.email, out, tc.wantRole)
		}
	}
	for _, bad := range [][]string{{"--role", "boss"}, {"--role", ""}, {"--role", "Admin"}} {
		out, err := add("bad@example.org", bad...)
		if !isUsage(err) {
			t.Errorf("add %v: err = %v (%s), want a usage error", bad, err, out)
		}
	}

	store := openTestStore(t, db)
	ctx := context.Background()
	if _, err := store.FacilitatorByEmail(ctx, "bad@example.org"); err == nil {
		t.Error("a usage error created the account")
	}
	for email, want := range map[string]string{"first@example.org": assessment.RoleAdmin, "plain@example.org": assessment.RoleFacilitator,
		"boss@example.org": assessment.RoleAdmin, "helper@example.org": assessment.RoleFacilitator} {
		f, err := store.FacilitatorByEmail(ctx, email)
		if err != nil {
			t.Fatalf("%s: %v", email, err)
		}
		if f.Role != want {
			t.Errorf("%s has role %q, want %q", email, f.Role, want)
		}
		events, err := store.AuditEvents(ctx, f.ID, 10)
		if err != nil || len(events) != 1 || events[0].Action != assessment.AuditAccountCreated || !strings.Contains(events[0].Detail, want) {
			t.Errorf("%s's trail: %+v (%v), want one %s line naming %s", email, events, err, assessment.AuditAccountCreated, want)
		}
	}
}
