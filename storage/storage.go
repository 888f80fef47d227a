// Package storage keeps ecat's data in SQLite (the embedded default) or PostgreSQL. It is
// the only package that imports gorm: its row structs are private, and its repositories
// take and return the assessment package's types.
//
// SQLite runs in WAL mode with foreign keys on, a busy timeout, synchronous=FULL (an
// acknowledged write survives a power cut) and one connection, so there is one writer.
// PostgreSQL is chosen by a postgres:// DSN, for several ecat servers sharing one database.
package storage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the database behind a Store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is a handle on the database. It is safe for concurrent use.
type Store struct {
	// db writes (and, inside InTx, reads); read reads outside transactions: on SQLite a
	// pool of read-only connections, elsewhere db itself.
	db, read *gorm.DB
	dialect  Dialect
	file     *sqliteFile     // SQLite only (sqlitefile.go)
	group    *groupWriter    // SQLite only, and not inside InTx (group.go)
	lean     *leanStatements // lean.go
	// writes tells when a respondent's write was last taken (tallies.go); shared with
	// the stores InTx makes.
	writes *writeClock
	// codes caches assessments read (cache.go); nil inside InTx, which empties the
	// store's cache when its transaction ends.
	codes *assessmentCache
}

// gormConfig is the configuration of a gorm handle. Each handle needs its own: gorm keeps
// a handle's callbacks (the database-file guard among them) in it.
func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		// A repository method called inside InTx runs in that one transaction, with no
		// savepoint of its own: its error fails the whole transaction.
		DisableNestedTransaction: true,
		NowFunc:                  func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
}

// IsPostgresDSN reports whether dsn names a PostgreSQL database rather than a SQLite file.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to the database named by dsn: a postgres:// URL, or else a SQLite file
// path (created if missing). It does not migrate; call Migrate or CheckSchema next.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg := gormConfig()
	var (
		db      *gorm.DB
		err     error
		dialect Dialect
	)
	if IsPostgresDSN(dsn) {
		dialect = Postgres
		db, err = gorm.Open(postgres.Open(dsn), cfg)
	} else {
		dialect = SQLite
		db, err = gorm.Open(sqlite.Open(sqliteDSN(dsn)), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: open %s database: %w", dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	if dialect == SQLite {
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetConnMaxIdleTime(0)
	} else {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	s := &Store{db: db, read: db, dialect: dialect, codes: newAssessmentCache(), writes: &writeClock{}}
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	if dialect == SQLite {
		if err := s.watchSQLiteFile(sqlitePath(dsn)); err != nil {
			_ = sqlDB.Close()
			return nil, err
		}
		if s.read, err = openSQLiteReaders(dsn); err != nil {
			_ = sqlDB.Close()
			return nil, err
		}
		s.group = newGroupWriter(db)
	}
	if v, err := s.CurrentSchema(ctx); err == nil && v == SchemaVersion() {
		if err := s.prepareHotPath(ctx); err != nil {
			return nil, errors.Join(err, s.Close())
		}
	}
	return s, nil
}

// sqliteReaders is how many read-only connections a SQLite store keeps beside its writer:
// a large report takes four at once for a moment (its texts and the parts of its counts,
// see talliesApart), and pages read meanwhile on the others.
const sqliteReaders = 6

// openSQLiteReaders opens the read-only pool of a SQLite store. In WAL mode readers
// never wait for the writer nor hold it up: a report or a workbook export reads a
// snapshot while respondents' writes go on committing.
func openSQLiteReaders(dsn string) (*gorm.DB, error) {
	db, err := gorm.Open(sqlite.Open(sqliteURI(dsn, true)), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("storage: open the SQLite readers: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(sqliteReaders)
	sqlDB.SetMaxIdleConns(sqliteReaders)
	sqlDB.SetConnMaxIdleTime(0)
	return db, nil
}

// sqlitePath is the file a SQLite DSN names.
func sqlitePath(path string) string {
	if path == "" {
		return "ecat.db"
	}
	return path
}

// sqliteDSN turns a file path into a go-sqlite3 URI with ecat's pragmas, for the writer.
func sqliteDSN(path string) string { return sqliteURI(path, false) }

// sqliteURI is sqliteDSN, or with readOnly the URI of a read-only connection (whose
// transactions need no write lock).
func sqliteURI(path string, readOnly bool) string {
	path = sqlitePath(path)
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "10000")
	q.Set("_synchronous", "FULL")
	q.Set("_txlock", "immediate")
	// Deleted rows (a purged draft, a deleted assessment) are overwritten with zeros
	// rather than left readable in free pages of the file.
	q.Set("_secure_delete", "on")
	if readOnly {
		q.Set("mode", "ro")
		q.Set("_txlock", "deferred")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// InTx runs fn in one database transaction: every repository method called on the tx
// store it is given reads and writes inside it, and it all commits together when fn
// returns nil, or not at all. This is how a use case (package survey) applies its rules
// and records what it did as one change. fn must use only tx: on SQLite the store has a
// single connection, which the transaction holds until fn returns.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	defer s.codes.invalidate() // whatever it changed, committed or not
	return s.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		return fn(&Store{db: db, read: db, dialect: s.dialect, file: s.file, lean: s.lean, writes: s.writes})
	})
}

// Dialect tells which database the store uses.
func (s *Store) Dialect() Dialect { return s.dialect }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("storage: database unreachable: %w", err)
	}
	return s.file.check()
}

// Close closes the database, once the writes the group writer has taken are committed;
// SQLite checkpoints its WAL on close.
func (s *Store) Close() error {
	if s.group != nil {
		s.group.close()
	}
	if s.lean != nil {
		s.lean.close()
	}
	if s.read != s.db {
		if readers, err := s.read.DB(); err == nil {
			_ = readers.Close()
		}
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// wrap adds what storage was doing to a database error, so the log line of a failed
// request says what failed ("storage: update response 12: database is locked"). Domain
// errors (assessment.ErrNotFound, ErrClosed, …) pass unchanged: they are answers, not
// failures, and callers compare them.
func wrap(err error, format string, args ...any) error {
	if err == nil || isDomainError(err) {
		return err
	}
	return fmt.Errorf("storage: "+format+": %w", append(args, err)...)
}

func isDomainError(err error) bool {
	for _, domain := range []error{assessment.ErrNotFound, assessment.ErrClosed, assessment.ErrStillOpen,
		assessment.ErrAlreadyReassessed, assessment.ErrNoActions, assessment.ErrAlreadySubmitted, assessment.ErrPillarFixed, assessment.ErrReleased, assessment.ErrTooManyDrafts, assessment.ErrDuplicate, assessment.ErrStale} {
		if err == domain {
			return true
		}
	}
	return false
}
