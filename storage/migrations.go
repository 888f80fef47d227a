package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// ErrSchemaTooNew: the database was migrated by a newer ecat than this one.
var ErrSchemaTooNew = errors.New("the database was created by a newer version of ecat; upgrade ecat before using it")

// ErrSchemaBehind: the database needs `ecat migrate` before this ecat can use it.
var ErrSchemaBehind = errors.New("the database schema is older than this ecat; run `ecat migrate`")

// migration is one numbered step of the schema. Migration n (1-based) is migrations()[n-1].
// A step is never edited once released: a change is a new step appended at the end.
type migration func(tx *gorm.DB, d Dialect) error

func migrations() []migration {
	return []migration{
		migrateInitialSchema,
		migrateFacilitators,
		migrateActions,
		migrateReleasesAndWriters,
		migrateReportIndexes,
		migrateIdempotencyKeys,
		migrateActionVersions,
		migrateVersions,
		migrateSummaries,
		migratePaperResponses,
		migrateSummaryTexts,
		migrateOrganization,
	}
}

// migrateOrganization brings the organization in: account roles (the oldest account
// becomes the admin) and deactivation, one-time account links (invitations and password
// resets, by the hash of their token), the series of rounds of one team (the id of its
// first round, filled along the previous_id chains of the rounds already there), the
// facilitators each series is shared with, the unit a team belongs to, the headcount
// expected per pillar, and the moment a round closes itself.
func migrateOrganization(tx *gorm.DB, d Dialect) error {
	return execAll(tx, d,
		`ALTER TABLE facilitators ADD COLUMN role TEXT NOT NULL DEFAULT 'facilitator'`,
		`ALTER TABLE facilitators ADD COLUMN deactivated_at {time}`,
		`UPDATE facilitators SET role = 'admin'
			WHERE id = (SELECT id FROM facilitators ORDER BY created_at, id LIMIT 1)`,
		`CREATE TABLE account_links (
			token_hash TEXT PRIMARY KEY,
			facilitator_id BIGINT NOT NULL REFERENCES facilitators(id) ON DELETE CASCADE,
			purpose TEXT NOT NULL,
			created_at {time} NOT NULL,
			expires_at {time} NOT NULL
		)`,
		`CREATE INDEX account_links_facilitator ON account_links (facilitator_id)`,
		`ALTER TABLE assessments ADD COLUMN series_id BIGINT`,
		`ALTER TABLE assessments ADD COLUMN unit TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE assessments ADD COLUMN expected TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE assessments ADD COLUMN closes_at {time}`,
		`WITH RECURSIVE chain (id, root) AS (
			SELECT id, id FROM assessments WHERE previous_id IS NULL
			UNION ALL
			SELECT a.id, c.root FROM assessments a JOIN chain c ON a.previous_id = c.id
		)
		UPDATE assessments SET series_id = (SELECT root FROM chain WHERE chain.id = assessments.id)`,
		`CREATE INDEX assessments_series ON assessments (series_id, round)`,
		`CREATE INDEX assessments_closes_at ON assessments (closes_at) WHERE closes_at IS NOT NULL`,
		`CREATE TABLE assessment_members (
			series_id BIGINT NOT NULL,
			facilitator_id BIGINT NOT NULL REFERENCES facilitators(id) ON DELETE CASCADE,
			role TEXT NOT NULL,
			added_at {time} NOT NULL,
			PRIMARY KEY (series_id, facilitator_id)
		)`,
		`CREATE INDEX assessment_members_facilitator ON assessment_members (facilitator_id, series_id)`,
	)
}

// migrateSummaryTexts keeps the respondents' words the facilitator chose to quote in the
// team summary (none unless chosen).
func migrateSummaryTexts(tx *gorm.DB, d Dialect) error {
	return execAll(tx, d,
		`CREATE TABLE summary_texts (
			assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
			kind TEXT NOT NULL,
			text TEXT NOT NULL,
			PRIMARY KEY (assessment_id, kind, text)
		)`,
	)
}

// migratePaperResponses marks the responses a facilitator entered from paper: a random
// reference of their own (NULL for a response given online), by which the facilitator
// corrects or deletes the entry while the round is open. Respondents' links never reach
// them.
func migratePaperResponses(tx *gorm.DB, d Dialect) error {
	return execAll(tx, d,
		`ALTER TABLE responses ADD COLUMN paper_ref TEXT`,
		`CREATE UNIQUE INDEX responses_paper_ref ON responses (paper_ref)`,
	)
}

// migrateSummaries keeps the team summaries published: one per round at most, reached
// by its link's token; deleting the row unpublishes it (the link then finds nothing).
func migrateSummaries(tx *gorm.DB, d Dialect) error {
	return execAll(tx, d,
		`CREATE TABLE summaries (
			assessment_id BIGINT PRIMARY KEY REFERENCES assessments(id) ON DELETE CASCADE,
			token TEXT NOT NULL UNIQUE,
			published_at {time} NOT NULL
		)`,
	)
}

// migrateVersions numbers the changes of responses and assessments too, for ETag and
// If-Match: a change can be made only against the version it was read at (see
// UpdateResponseAs and TouchAssessment).
func migrateVersions(tx *gorm.DB, d Dialect) error {
	return execAll(tx, d,
		`ALTER TABLE responses ADD COLUMN version BIGINT NOT NULL DEFAULT 1`,
		`ALTER TABLE assessments ADD COLUMN version BIGINT NOT NULL DEFAULT 1`,
	)
}

// migrateActionVersions numbers each action's changes, for If-Match: a change can be
// made only against the version it was read at (see UpdateActionIf).
func migrateActionVersions(tx *gorm.DB, d Dialect) error {
	return execAll(tx, d, `ALTER TABLE actions ADD COLUMN version BIGINT NOT NULL DEFAULT 1`)
}

// migrateIdempotencyKeys keeps, for a day, what a write sent with an Idempotency-Key
// answered, so that the same request sent again (a retry after a timeout) is answered
// the same instead of being stored twice (see IdempotentWrite). The key itself is not
// stored: only its hash, and the answer sealed under it.
func migrateIdempotencyKeys(tx *gorm.DB, d Dialect) error {
	return execAll(tx, d,
		`CREATE TABLE idempotency_keys (
			scope TEXT NOT NULL,
			key_hash TEXT NOT NULL,
			request_hash TEXT NOT NULL,
			status TEXT NOT NULL,
			sealed TEXT NOT NULL,
			created_at {time} NOT NULL,
			PRIMARY KEY (scope, key_hash)
		)`,
		`CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)`,
	)
}

// migrateReportIndexes replaces the index on responses (assessment, status, pillar) with
// one that also holds when each response entered the report: the responses a report
// shows are then found, counted per pillar and released (Release) from the index alone,
// without reading each response's row and its texts (see Tallies). Submissions write
// no more than before: the index replaces one of the same rows.
//
// An index on answers (item, value, response), which would let the report count a large
// round's answers without sorting them (three times faster at 100,000 responses), was
// measured and left out: each submission's answers then land on as many pages of it as
// it has answers, and submissions came 1.5 times slower one at a time and 1.8 times
// fewer per second under load (BENCHMARKS.md).
func migrateReportIndexes(tx *gorm.DB, d Dialect) error {
	return execAll(tx, d,
		`CREATE INDEX responses_assessment_released ON responses (assessment_id, status, pillar, released_at)`,
		`DROP INDEX responses_assessment_status`,
	)
}

// migrateReleasesAndWriters adds when each submitted response first entered its team
// report (figures change only in steps of a whole group; see Release), and the hash
// binding a response to the browser that last wrote it (see survey's resume rules).
func migrateReleasesAndWriters(tx *gorm.DB, d Dialect) error {
	return execAll(tx, d,
		`ALTER TABLE responses ADD COLUMN released_at {time}`,
		`ALTER TABLE responses ADD COLUMN writer_hash TEXT NOT NULL DEFAULT ''`,
	)
}

// SchemaVersion is the schema version this build of ecat expects.
func SchemaVersion() int { return len(migrations()) }

// ddl adapts portable DDL to the dialect: {id} is an auto-increment primary key,
// {time} a timestamp column.
func ddl(d Dialect, stmt string) string {
	if d == Postgres {
		return strings.NewReplacer("{id}", "BIGSERIAL PRIMARY KEY", "{time}", "TIMESTAMPTZ").Replace(stmt)
	}
	return strings.NewReplacer("{id}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{time}", "DATETIME").Replace(stmt)
}

func execAll(tx *gorm.DB, d Dialect, stmts ...string) error {
	for _, s := range stmts {
		if err := tx.Exec(ddl(d, s)).Error; err != nil {
			return fmt.Errorf("%w\n%s", err, s)
		}
	}
	return nil
}

func migrateInitialSchema(tx *gorm.DB, d Dialect) error {
	return execAll(tx, d,
		`CREATE TABLE assessments (
			id {id},
			title TEXT NOT NULL,
			team TEXT NOT NULL,
			language TEXT NOT NULL,
			threshold INTEGER NOT NULL,
			status TEXT NOT NULL,
			code TEXT NOT NULL UNIQUE,
			instrument_version TEXT NOT NULL,
			round INTEGER NOT NULL DEFAULT 1,
			previous_id BIGINT REFERENCES assessments(id) ON DELETE SET NULL,
			created_at {time} NOT NULL,
			closed_at {time}
		)`,
		`CREATE TABLE responses (
			id {id},
			assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
			pillar TEXT NOT NULL,
			language TEXT NOT NULL,
			status TEXT NOT NULL,
			token_hash TEXT NOT NULL UNIQUE,
			strength_text TEXT NOT NULL DEFAULT '',
			strength_theme TEXT NOT NULL DEFAULT '',
			opportunity_text TEXT NOT NULL DEFAULT '',
			opportunity_theme TEXT NOT NULL DEFAULT '',
			created_at {time} NOT NULL,
			updated_at {time} NOT NULL,
			submitted_at {time}
		)`,
		`CREATE INDEX responses_assessment_status ON responses (assessment_id, status, pillar)`,
		`CREATE TABLE answers (
			response_id BIGINT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
			item_id TEXT NOT NULL,
			value TEXT NOT NULL,
			PRIMARY KEY (response_id, item_id)
		)`,
		`CREATE TABLE reflections (
			response_id BIGINT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
			prompt_id TEXT NOT NULL,
			text TEXT NOT NULL,
			PRIMARY KEY (response_id, prompt_id)
		)`,
	)
}

// migrateFacilitators adds accounts, their sessions and API tokens, the audit trail,
// a settings table (for the one-time setup link), and assessment ownership.
func migrateFacilitators(tx *gorm.DB, d Dialect) error {
	return execAll(tx, d,
		`CREATE TABLE facilitators (
			id {id},
			email TEXT NOT NULL UNIQUE,
			name TEXT NOT NULL,
			password_hash TEXT NOT NULL,
			created_at {time} NOT NULL
		)`,
		`CREATE TABLE sessions (
			id_hash TEXT PRIMARY KEY,
			facilitator_id BIGINT NOT NULL REFERENCES facilitators(id) ON DELETE CASCADE,
			created_at {time} NOT NULL,
			expires_at {time} NOT NULL
		)`,
		`CREATE INDEX sessions_facilitator ON sessions (facilitator_id)`,
		`CREATE TABLE api_tokens (
			id {id},
			facilitator_id BIGINT NOT NULL REFERENCES facilitators(id) ON DELETE CASCADE,
			label TEXT NOT NULL DEFAULT '',
			token_hash TEXT NOT NULL UNIQUE,
			created_at {time} NOT NULL,
			last_used_at {time},
			revoked_at {time}
		)`,
		`CREATE TABLE audit_events (
			id {id},
			facilitator_id BIGINT NOT NULL REFERENCES facilitators(id) ON DELETE CASCADE,
			action TEXT NOT NULL,
			assessment_id BIGINT,
			detail TEXT NOT NULL DEFAULT '',
			created_at {time} NOT NULL
		)`,
		`CREATE INDEX audit_events_facilitator ON audit_events (facilitator_id, id)`,
		`CREATE TABLE settings (
			key TEXT PRIMARY KEY,
			value TEXT NOT NULL
		)`,
		`ALTER TABLE assessments ADD COLUMN facilitator_id BIGINT REFERENCES facilitators(id) ON DELETE CASCADE`,
		`CREATE INDEX assessments_facilitator ON assessments (facilitator_id)`,
	)
}

// migrateActions adds the action plan agreed in the team discussion, when a round was
// marked discussed, and makes a round's next round unique (reassessing twice at once
// cannot open two next rounds).
func migrateActions(tx *gorm.DB, d Dialect) error {
	return execAll(tx, d,
		`CREATE TABLE actions (
			id {id},
			assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
			origin_assessment_id BIGINT REFERENCES assessments(id) ON DELETE SET NULL,
			carried_from_id BIGINT REFERENCES actions(id) ON DELETE SET NULL,
			text TEXT NOT NULL,
			pillar TEXT NOT NULL DEFAULT '',
			theme TEXT NOT NULL DEFAULT '',
			lead TEXT NOT NULL,
			support TEXT NOT NULL DEFAULT '',
			due TEXT NOT NULL DEFAULT '',
			status TEXT NOT NULL,
			created_at {time} NOT NULL,
			updated_at {time} NOT NULL
		)`,
		`CREATE INDEX actions_assessment ON actions (assessment_id, id)`,
		`CREATE INDEX actions_carried_from ON actions (carried_from_id)`,
		`ALTER TABLE assessments ADD COLUMN discussed_at {time}`,
		`CREATE UNIQUE INDEX assessments_previous ON assessments (previous_id)`,
	)
}

const versionTable = "schema_version"

// ensureVersionTable creates the version table; call it under lockSchema: on PostgreSQL,
// concurrent CREATE TABLE IF NOT EXISTS of one table can fail with a duplicate-key error
// on pg_type, which servers starting together would otherwise hit.
func ensureVersionTable(tx *gorm.DB) error {
	return tx.Exec(`CREATE TABLE IF NOT EXISTS ` + versionTable + ` (version INTEGER NOT NULL)`).Error
}

// lockSchema makes schema changes on PostgreSQL take turns until tx ends. (SQLite
// transactions here are IMMEDIATE, so they take turns already.)
func (s *Store) lockSchema(tx *gorm.DB) error {
	if s.dialect != Postgres {
		return nil
	}
	// Any constant works; this one spells "ecat" in ASCII.
	return tx.Exec(`SELECT pg_advisory_xact_lock(1701011828)`).Error
}

func currentVersion(tx *gorm.DB) (int, error) {
	var versions []int
	if err := tx.Raw(`SELECT version FROM ` + versionTable).Scan(&versions).Error; err != nil {
		return 0, err
	}
	if len(versions) == 0 {
		return 0, nil
	}
	return versions[0], nil
}

// CurrentSchema returns the schema version recorded in the database (0 when new). It
// only reads: a new database is left untouched.
func (s *Store) CurrentSchema(ctx context.Context) (int, error) {
	db := s.db.WithContext(ctx)
	// Asked directly rather than through gorm's HasTable, which answers false on any
	// error and would report an unreachable database as a new one.
	query := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`
	if s.dialect == Postgres {
		query = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?`
	}
	var n int64
	if err := db.Raw(query, versionTable).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("storage: read schema version: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	return currentVersion(db)
}

// CheckSchema returns ErrSchemaTooNew or ErrSchemaBehind unless the database is at the
// version this build expects.
func (s *Store) CheckSchema(ctx context.Context) error {
	v, err := s.CurrentSchema(ctx)
	if err != nil {
		return err
	}
	switch {
	case v > SchemaVersion():
		return fmt.Errorf("%w (database at version %d, this ecat knows %d)", ErrSchemaTooNew, v, SchemaVersion())
	case v < SchemaVersion():
		return fmt.Errorf("%w (database at version %d, this ecat needs %d)", ErrSchemaBehind, v, SchemaVersion())
	}
	return s.prepareHotPath(ctx)
}

// Migrate brings the schema to this build's version, one step per transaction. On
// PostgreSQL an advisory lock makes servers starting together take turns. It refuses a
// database newer than this build. It returns the versions before and after.
func (s *Store) Migrate(ctx context.Context) (from, to int, err error) {
	steps := migrations()
	from = -1
	for {
		done := false
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := s.lockSchema(tx); err != nil {
				return err
			}
			if err := ensureVersionTable(tx); err != nil {
				return err
			}
			v, err := currentVersion(tx)
			if err != nil {
				return err
			}
			if from < 0 {
				from = v
			}
			to = v
			if v > len(steps) {
				return fmt.Errorf("%w (database at version %d, this ecat knows %d)", ErrSchemaTooNew, v, len(steps))
			}
			if v == len(steps) {
				done = true
				return nil
			}
			if err := steps[v](tx, s.dialect); err != nil {
				return fmt.Errorf("storage: migration %d: %w", v+1, err)
			}
			res := tx.Exec(`UPDATE `+versionTable+` SET version = ?`, v+1)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				if err := tx.Exec(`INSERT INTO `+versionTable+` (version) VALUES (?)`, v+1).Error; err != nil {
					return err
				}
			}
			to = v + 1
			return nil
		})
		if err != nil {
			return from, to, err
		}
		if done {
			return from, to, s.prepareHotPath(ctx)
		}
	}
}
