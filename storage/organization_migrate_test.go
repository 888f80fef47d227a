package storage_test

import (
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// A database at schema 11 (before roles, series and sharing) upgrades in place: the
// oldest account becomes the admin and the others facilitators, every round knows its
// team's series along the previous_id chain, and the assessments keep their owners.
//
// As in TestMigrateReportIndexesFromSchema4, a table in the way of migration 12 (named
// like one it creates) makes that step fail and roll back, leaving a real version-11
// database to write rows into as ecat 11 did.
func TestMigrateOrganizationFromSchema11(t *testing.T) {
	for _, ns := range openRawStores(t) {
		t.Run(ns.name, func(t *testing.T) {
			s := ns.store
			ctx := t.Context()
			db := storage.RawDB(s).WithContext(ctx)
			if err := db.Exec("CREATE TABLE assessment_members (obstacle INTEGER)").Error; err != nil {
				t.Fatal(err)
			}
			if from, to, err := s.Migrate(ctx); err == nil || from != 0 || to != 11 {
				t.Fatalf("Migrate with migration 12 blocked = %d→%d, %v; want 0→11 and an error", from, to, err)
			}
			now := time.Now().UTC().Truncate(time.Second)
			// Bob signed up first, a minute before Alice.
			var bob, alice int64
			if err := db.Raw(`INSERT INTO facilitators (email, name, password_hash, created_at) VALUES ('alice@example.org', 'Alice', 'x', ?) RETURNING id`, now).Scan(&alice).Error; err != nil {
				t.Fatal(err)
			}
			if err := db.Raw(`INSERT INTO facilitators (email, name, password_hash, created_at) VALUES ('bob@example.org', 'Bob', 'x', ?) RETURNING id`, now.Add(-time.Minute)).Scan(&bob).Error; err != nil {
				t.Fatal(err)
			}
			// Alice's team has three rounds; Bob's one.
			insert := func(code string, round int, prev *int64, owner int64) int64 {
				t.Helper()
				var id int64
				if err := db.Raw(`INSERT INTO assessments (title, team, language, threshold, status, code, instrument_version, round, previous_id, facilitator_id, created_at)
					VALUES ('Round', 'Team', 'en', 3, 'closed', ?, 'v2', ?, ?, ?, ?) RETURNING id`, code, round, prev, owner, now).Scan(&id).Error; err != nil {
					t.Fatal(err)
				}
				return id
			}
			r1 := insert("ORG0CODE00000001", 1, nil, alice)
			other := insert("ORG0CODE00000002", 1, nil, bob)
			r2 := insert("ORG0CODE00000003", 2, &r1, alice)
			r3 := insert("ORG0CODE00000004", 3, &r2, alice)

			if err := db.Exec("DROP TABLE assessment_members").Error; err != nil {
				t.Fatal(err)
			}
			if from, to, err := s.Migrate(ctx); err != nil || from != 11 || to != storage.SchemaVersion() {
				t.Fatalf("Migrate = %d→%d, %v; want 11→%d", from, to, err, storage.SchemaVersion())
			}
			for email, want := range map[string]string{"bob@example.org": assessment.RoleAdmin, "alice@example.org": assessment.RoleFacilitator} {
				f, err := s.FacilitatorByEmail(ctx, email)
				if err != nil {
					t.Fatal(err)
				}
				if f.Role != want || f.DeactivatedAt != nil {
					t.Errorf("%s: role %q (deactivated %v), want %q and active", email, f.Role, f.DeactivatedAt, want)
				}
			}
			for id, want := range map[int64]struct{ series, owner int64 }{r1: {r1, alice}, r2: {r1, alice}, r3: {r1, alice}, other: {other, bob}} {
				a, err := s.Assessment(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if a.SeriesID != want.series || a.FacilitatorID == nil || *a.FacilitatorID != want.owner || a.Unit != "" || a.ClosesAt != nil || a.Expected != nil {
					t.Errorf("assessment %d: series %d, owner %v, unit %q, closes %v, expected %v; want series %d, owner %d, nothing else",
						id, a.SeriesID, a.FacilitatorID, a.Unit, a.ClosesAt, a.Expected, want.series, want.owner)
				}
			}
		})
	}
}
