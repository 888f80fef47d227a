package storage_test

// What the benchmarks at scale (BenchmarkReport10k, BenchmarkRollup) share: a database
// seeded once per test process with raw SQL in one transaction, then kept as the bytes
// of its SQLite file (see openFixture).

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
)

// seedAnswers is the number of statements of each pillar in the current checklist (v2),
// which the seeds answer in full.
const seedAnswers = 16

// seededOnce is a fixture seeded on first use and kept for the rest of the test process.
type seededOnce[F any] struct {
	once sync.Once
	fix  F
	err  error
}

// get seeds the fixture on first use, with seed given a SQLite file in a directory of
// its own (named with prefix, removed once seeded), opened and migrated (startSeed);
// later calls return the same fixture. A seed that failed fails every benchmark that
// asks for it.
func (o *seededOnce[F]) get(b *testing.B, prefix string, seed func(sd *seeding) (F, error)) F {
	b.Helper()
	o.once.Do(func() {
		dir, err := os.MkdirTemp("", prefix)
		if err != nil {
			o.err = err
			return
		}
		defer func() {
			if err := os.RemoveAll(dir); err != nil {
				b.Errorf("remove the seed directory: %v", err)
			}
		}()
		sd, err := startSeed(context.Background(), filepath.Join(dir, "ecat.db"))
		if err != nil {
			o.err = err
			return
		}
		defer sd.close()
		o.fix, o.err = seed(sd)
	})
	if o.err != nil {
		b.Fatalf("seed: %v", o.err)
	}
	return o.fix
}

// seeding is a database being seeded: a migrated SQLite file and the current instrument,
// then (from begin) one transaction with the statements that insert a response and all
// seedAnswers answers of one.
type seeding struct {
	ctx     context.Context
	path    string
	started time.Time
	s       *storage.Store
	in      *pillars.Instrument

	db                      *sql.DB
	tx                      *sql.Tx
	insResponse, insAnswers *sql.Stmt
}

// startSeed opens and migrates the SQLite file at path; close must follow.
func startSeed(ctx context.Context, path string) (*seeding, error) {
	sd := &seeding{ctx: ctx, path: path, started: time.Now()}
	s, err := storage.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	sd.s = s
	if _, _, err := s.Migrate(ctx); err != nil {
		sd.close()
		return nil, err
	}
	catalog, err := pillars.Load()
	if err != nil {
		sd.close()
		return nil, err
	}
	sd.in = catalog.Current()
	return sd, nil
}

// begin starts the seed's transaction and prepares its two statements.
func (sd *seeding) begin() (err error) {
	if sd.db, err = storage.RawDB(sd.s).DB(); err != nil {
		return err
	}
	if sd.tx, err = sd.db.BeginTx(sd.ctx, nil); err != nil {
		return err
	}
	if sd.insResponse, err = sd.tx.PrepareContext(sd.ctx, `INSERT INTO responses
		(assessment_id, pillar, language, status, token_hash, strength_text, strength_theme,
		 opportunity_text, opportunity_theme, created_at, updated_at, submitted_at, released_at)
		VALUES (?, ?, 'en', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`); err != nil {
		return err
	}
	// All seedAnswers answers of a response in one statement.
	q := "INSERT INTO answers (response_id, item_id, value) VALUES "
	for i := range seedAnswers {
		if i > 0 {
			q += ", "
		}
		q += "(?, ?, ?)"
	}
	sd.insAnswers, err = sd.tx.PrepareContext(sd.ctx, q)
	return err
}

// file commits the transaction, folds the WAL into the file, closes the database and
// returns the file's bytes.
func (sd *seeding) file() ([]byte, error) {
	if err := sd.tx.Commit(); err != nil {
		return nil, err
	}
	if _, err := sd.db.ExecContext(sd.ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return nil, err
	}
	if err := sd.s.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(sd.path)
}

// close rolls back what was not committed and closes the database: the way out on
// errors, and a no-op after file.
func (sd *seeding) close() {
	if sd.tx != nil {
		_ = sd.tx.Rollback() // a no-op after Commit
	}
	_ = sd.s.Close()
}
