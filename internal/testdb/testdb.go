// Package testdb gives tests a fresh database on every engine ecat runs on: always a
// SQLite file in the test's temporary folder, and a PostgreSQL schema of its own when
// ECAT_TEST_POSTGRES holds a DSN (CI sets it; without it the PostgreSQL runs are left
// out, so `go test ./...` passes on a machine with no PostgreSQL). Everything is closed
// and dropped when the test ends. Only tests import it.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecat-project/ecat/storage"
)

// PostgresEnv names the environment variable holding a PostgreSQL DSN for the tests.
const PostgresEnv = "ECAT_TEST_POSTGRES"

// DB is one database a test runs against.
type DB struct {
	// Name is "sqlite" or "postgres", for subtest names.
	Name  string
	Store *storage.Store
	// DSN opens the same database again: the SQLite file path, or the PostgreSQL URL
	// with the test's search_path.
	DSN string
}

// Raw returns an empty (unmigrated) store per available engine.
func Raw(t *testing.T) []DB {
	t.Helper()
	dbs := []DB{SQLite(t)}
	if dsn := os.Getenv(PostgresEnv); dsn != "" {
		dbs = append(dbs, Postgres(t, dsn))
	}
	return dbs
}

// Migrated returns a freshly migrated store per available engine.
func Migrated(t *testing.T) []DB {
	t.Helper()
	dbs := Raw(t)
	for _, db := range dbs {
		from, to, err := db.Store.Migrate(t.Context())
		if err != nil {
			t.Fatalf("%s: migrate: %v", db.Name, err)
		}
		if from != 0 || to != storage.SchemaVersion() {
			t.Fatalf("%s: migrate went %d→%d, want 0→%d", db.Name, from, to, storage.SchemaVersion())
		}
	}
	return dbs
}

// Each runs fn as a subtest per available engine, each on a fresh migrated store.
func Each(t *testing.T, fn func(t *testing.T, db DB)) {
	t.Helper()
	for _, db := range Migrated(t) {
		t.Run(db.Name, func(t *testing.T) { fn(t, db) })
	}
}

// SQLite opens an empty SQLite database in t.TempDir().
func SQLite(t *testing.T) DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ecat.db")
	s, err := storage.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("open sqlite %s: %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close sqlite: %v", err)
		}
	})
	if s.Dialect() != storage.SQLite {
		t.Fatalf("dialect of %s = %q, want sqlite", path, s.Dialect())
	}
	return DB{Name: "sqlite", Store: s, DSN: path}
}

// Postgres gives the test a schema of its own (see Schema) and a store on it, checking
// that search_path took effect, so a test can never write into another test's tables.
func Postgres(t *testing.T, dsn string) DB {
	t.Helper()
	schemaDSN, schema := Schema(t, dsn)
	// A test that must not hang forever on a dead server.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := storage.Open(ctx, schemaDSN)
	if err != nil {
		t.Fatalf("postgres: open: %v", err)
	}
	// Registered after the drop, so it runs before it: the pool is closed first.
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("postgres: close store: %v", err)
		}
	})
	if s.Dialect() != storage.Postgres {
		t.Fatalf("dialect = %q, want postgres", s.Dialect())
	}
	check, err := sql.Open("pgx", schemaDSN)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer func() {
		if err := check.Close(); err != nil {
			t.Errorf("postgres: close: %v", err)
		}
	}()
	var current string
	if err := check.QueryRowContext(ctx, "SELECT current_schema()").Scan(&current); err != nil {
		t.Fatalf("postgres: current_schema: %v", err)
	}
	if current != schema {
		t.Fatalf("postgres: search_path not in effect: current_schema() = %q, want %q", current, schema)
	}
	return DB{Name: "postgres", Store: s, DSN: schemaDSN}
}

// Schema creates a schema of the test's own, t_<random>, in the PostgreSQL database of
// dsn, over a plain connection, and drops it (with everything in it) when the test ends.
// It returns dsn with search_path set to it (pgx sends it as a run-time parameter), for
// a store or a server to use, and the schema's name.
func Schema(t testing.TB, dsn string) (schemaDSN, schema string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema = "t_" + hex.EncodeToString(b[:])

	// The "pgx" database/sql driver is registered by gorm's postgres driver, which the
	// storage package imports.
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = admin.Close()
		t.Fatalf("postgres: create schema %s (is %s right?): %v", schema, PostgresEnv, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("postgres: drop schema %s: %v", schema, err)
		}
		if err := admin.Close(); err != nil {
			t.Errorf("postgres: close the admin connection: %v", err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("postgres: %s is not a URL: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), schema
}
