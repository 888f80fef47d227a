package storage_test

import (
	"slices"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// A database at schema 4 (before the report's indexes) upgrades in place, and its
// reports count what they counted before: released submissions only.
//
// As in TestMigrateFromSchema1, a table in the way of migration 5 (named like its
// index) makes that step fail and roll back, leaving a real version-4 database that
// rows are written into as ecat 4 wrote them. Removing the obstacle lets Migrate finish.
func TestMigrateReportIndexesFromSchema4(t *testing.T) {
	for _, ns := range openRawStores(t) {
		t.Run(ns.name, func(t *testing.T) {
			s := ns.store
			ctx := t.Context()
			db := storage.RawDB(s).WithContext(ctx)
			if err := db.Exec("CREATE TABLE responses_assessment_released (obstacle INTEGER)").Error; err != nil {
				t.Fatal(err)
			}
			from, to, err := s.Migrate(ctx)
			if err == nil || from != 0 || to != 4 {
				t.Fatalf("Migrate with migration 5 blocked = %d→%d, %v; want 0→4 and an error", from, to, err)
			}
			if got := indexNames(t, ns); !slices.Contains(got, "responses_assessment_status") {
				t.Fatalf("version-4 indexes %v: migration 5 was not rolled back", got)
			}

			// What ecat 4 wrote: a round with released, held and draft responses.
			now := time.Now().UTC().Truncate(time.Second)
			var id int64
			if err := db.Raw(`INSERT INTO assessments (title, team, language, threshold, status, code, instrument_version, round, created_at)
				VALUES ('Before the indexes', 'Old team', 'en', 1, 'open', 'OLD0CODE0000V4V4', 'v1', 1, ?) RETURNING id`, now).Scan(&id).Error; err != nil {
				t.Fatal(err)
			}
			want := map[tallyKey]int{}
			for i, r := range []struct {
				pillar, status string
				released       bool
				answers        []string // L-01, L-02 / S-01, S-02
			}{
				{"leadership", "submitted", true, []string{"yes", "no"}},
				{"leadership", "submitted", true, []string{"yes", "unknown"}},
				{"staff", "submitted", true, []string{"somewhat", "yes"}},
				{"staff", "submitted", false, []string{"no", "no"}}, // held
				{"staff", "draft", false, []string{"no", "no"}},
			} {
				var released, submitted any
				if r.status == "submitted" {
					submitted = now
				}
				if r.released {
					released = now
				}
				var rid int64
				if err := db.Raw(`INSERT INTO responses (assessment_id, pillar, language, status, token_hash, strength_text, created_at, updated_at, submitted_at, released_at)
					VALUES (?, ?, 'en', ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
					id, r.pillar, r.status, assessment.HashToken(assessment.NewResumeToken()), "strength "+r.pillar, now, now, submitted, released).Scan(&rid).Error; err != nil {
					t.Fatalf("response %d: %v", i, err)
				}
				prefix := map[string]string{"leadership": "L", "staff": "S"}[r.pillar]
				for j, v := range r.answers {
					item := prefix + []string{"-01", "-02"}[j]
					if err := db.Exec(`INSERT INTO answers (response_id, item_id, value) VALUES (?, ?, ?)`, rid, item, v).Error; err != nil {
						t.Fatal(err)
					}
					if r.released {
						want[tallyKey{r.pillar, item, v}]++
					}
				}
			}

			if err := db.Exec("DROP TABLE responses_assessment_released").Error; err != nil {
				t.Fatal(err)
			}
			from, to, err = s.Migrate(ctx)
			if err != nil || from != 4 || to != storage.SchemaVersion() {
				t.Fatalf("Migrate = %d→%d, %v; want 4→%d", from, to, err, storage.SchemaVersion())
			}
			if err := s.CheckSchema(ctx); err != nil {
				t.Fatalf("CheckSchema after the upgrade: %v", err)
			}
			got := indexNames(t, ns)
			if !slices.Contains(got, "responses_assessment_released") {
				t.Errorf("no index responses_assessment_released after the upgrade (indexes: %v)", got)
			}
			if slices.Contains(got, "responses_assessment_status") {
				t.Errorf("index responses_assessment_status still there after the upgrade")
			}

			tl, err := s.Tallies(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			diffCounts(t, "Tallies after the upgrade", tallyCounts(t, tl), want)
			if tl.Submitted["leadership"] != 2 || tl.Submitted["staff"] != 1 || len(tl.Named) != 3 {
				t.Errorf("after the upgrade: submitted %v, %d named texts; want leadership 2, staff 1, 3 texts", tl.Submitted, len(tl.Named))
			}
		})
	}
}

// indexNames lists the names of the indexes on responses and answers.
func indexNames(t *testing.T, ns namedStore) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('responses', 'answers') ORDER BY name`
	if ns.name == "postgres" {
		q = `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('responses', 'answers') ORDER BY indexname`
	}
	var names []string
	if err := storage.RawDB(ns.store).WithContext(t.Context()).Raw(q).Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	return names
}
