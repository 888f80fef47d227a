package storage_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

func TestIsPostgresDSN(t *testing.T) {
	tests := []struct {
		dsn  string
		want bool
	}{
		{"postgres://u@localhost/ecat", true},
		{"postgresql://u@localhost/ecat?sslmode=disable", true},
		{"ecat.db", false},
		{"/var/lib/ecat/ecat.db", false},
		{"./postgres/ecat.db", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := storage.IsPostgresDSN(tt.dsn); got != tt.want {
			t.Errorf("IsPostgresDSN(%q) = %v, want %v", tt.dsn, got, tt.want)
		}
	}
}

func TestSchemaVersioning(t *testing.T) {
	v := storage.SchemaVersion()
	if v < 1 {
		t.Fatalf("SchemaVersion() = %d, want ≥ 1", v)
	}
	tests := []struct {
		name string
		// setup brings an empty database into the state under test.
		setup                 func(t *testing.T, s *storage.Store)
		wantBefore            int   // CurrentSchema before Migrate
		wantCheck             error // CheckSchema before Migrate
		wantMigrate           error
		wantFrom, wantTo      int
		wantAfter             int   // CurrentSchema after Migrate
		wantCheckAfterMigrate error // CheckSchema after Migrate
	}{
		{
			name:       "new database",
			setup:      func(t *testing.T, s *storage.Store) {},
			wantBefore: 0, wantCheck: storage.ErrSchemaBehind,
			wantFrom: 0, wantTo: v, wantAfter: v,
		},
		{
			name: "already migrated is a no-op",
			setup: func(t *testing.T, s *storage.Store) {
				if _, _, err := s.Migrate(t.Context()); err != nil {
					t.Fatal(err)
				}
			},
			wantBefore: v,
			wantFrom:   v, wantTo: v, wantAfter: v,
		},
		{
			name: "newer than this build",
			setup: func(t *testing.T, s *storage.Store) {
				if _, _, err := s.Migrate(t.Context()); err != nil {
					t.Fatal(err)
				}
				if err := storage.RawDB(s).Exec("UPDATE schema_version SET version = ?", v+1).Error; err != nil {
					t.Fatal(err)
				}
			},
			wantBefore: v + 1, wantCheck: storage.ErrSchemaTooNew,
			wantMigrate: storage.ErrSchemaTooNew,
			wantFrom:    v + 1, wantTo: v + 1, wantAfter: v + 1,
			wantCheckAfterMigrate: storage.ErrSchemaTooNew,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, ns := range openRawStores(t) {
				t.Run(ns.name, func(t *testing.T) {
					s := ns.store
					ctx := t.Context()
					tt.setup(t, s)

					if got, err := s.CurrentSchema(ctx); err != nil || got != tt.wantBefore {
						t.Errorf("CurrentSchema before = %d, %v; want %d", got, err, tt.wantBefore)
					}
					if err := s.CheckSchema(ctx); !isErr(err, tt.wantCheck) {
						t.Errorf("CheckSchema before = %v, want %v", err, tt.wantCheck)
					}
					from, to, err := s.Migrate(ctx)
					if !isErr(err, tt.wantMigrate) {
						t.Errorf("Migrate error = %v, want %v", err, tt.wantMigrate)
					}
					if from != tt.wantFrom || to != tt.wantTo {
						t.Errorf("Migrate went %d→%d, want %d→%d", from, to, tt.wantFrom, tt.wantTo)
					}
					if got, err := s.CurrentSchema(ctx); err != nil || got != tt.wantAfter {
						t.Errorf("CurrentSchema after = %d, %v; want %d", got, err, tt.wantAfter)
					}
					if err := s.CheckSchema(ctx); !isErr(err, tt.wantCheckAfterMigrate) {
						t.Errorf("CheckSchema after = %v, want %v", err, tt.wantCheckAfterMigrate)
					}
					// schema_version holds exactly one row whatever happened.
					if n := countRows(t, s, "schema_version", "1 = 1"); n != 1 {
						t.Errorf("schema_version has %d rows, want 1", n)
					}
				})
			}
		})
	}
}

// isErr reports whether err matches want: both nil, or err wrapping want.
func isErr(err, want error) bool {
	if want == nil {
		return err == nil
	}
	return errors.Is(err, want)
}

func TestMigrateCreatesTheTables(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		tables := []struct {
			name string
			rows int64
		}{
			{"assessments", 0},
			{"responses", 0},
			{"answers", 0},
			{"reflections", 0},
			{"facilitators", 0},
			{"sessions", 0},
			{"api_tokens", 0},
			{"audit_events", 0},
			{"settings", 0},
			{"schema_version", 1},
		}
		for _, table := range tables {
			// Counting fails when the table is missing; on PostgreSQL the search_path
			// makes this the test's own schema.
			if n := countRows(t, ns.store, table.name, "1 = 1"); n != table.rows {
				t.Errorf("%s has %d rows in a new database, want %d", table.name, n, table.rows)
			}
		}
	})
}

func TestPostgresTablesLiveInTheTestSchema(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skip(postgresEnv + " not set")
	}
	for _, ns := range openStores(t) {
		if ns.name != "postgres" {
			continue
		}
		db := storage.RawDB(ns.store).WithContext(t.Context())
		var schema string
		if err := db.Raw("SELECT current_schema()").Scan(&schema).Error; err != nil {
			t.Fatal(err)
		}
		var tables []string
		err := db.Raw(`SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name`, schema).
			Scan(&tables).Error
		if err != nil {
			t.Fatal(err)
		}
		want := "account_links,actions,answers,api_tokens,assessment_members,assessments,audit_events,facilitators,idempotency_keys,reflections,responses,schema_version,sessions,settings,summaries,summary_texts"
		if got := strings.Join(tables, ","); got != want {
			t.Errorf("tables in %s = %s, want %s", schema, got, want)
		}
	}
}

func TestSQLitePragmas(t *testing.T) {
	ns := openSQLite(t)
	if _, _, err := ns.store.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
		{"synchronous", "2"}, // FULL
		{"secure_delete", "1"},
	}
	db := storage.RawDB(ns.store).WithContext(t.Context())
	for _, tt := range tests {
		t.Run(tt.pragma, func(t *testing.T) {
			var got string
			if err := db.Raw("PRAGMA " + tt.pragma).Scan(&got).Error; err != nil {
				t.Fatal(err)
			}
			if strings.ToLower(got) != tt.want {
				t.Errorf("PRAGMA %s = %q, want %q", tt.pragma, got, tt.want)
			}
		})
	}
	// One connection, so one writer: writers queue in database/sql instead of meeting
	// SQLITE_BUSY.
	sqlDB, err := storage.RawDB(ns.store).DB()
	if err != nil {
		t.Fatal(err)
	}
	if got := sqlDB.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("SQLite pool allows %d open connections, want 1", got)
	}
	// The database really is in WAL mode on disk: a write leaves a -wal file beside it.
	newAssessment(t, ns.store, "wal")
	if _, err := os.Stat(ns.dsn + "-wal"); err != nil {
		t.Errorf("no WAL file next to the database: %v", err)
	}
}

// A SQLite path is turned into a file: URI; characters that mean something in a URI
// must still name the file the user gave.
func TestSQLitePathsNeedingEscapes(t *testing.T) {
	tests := []string{
		"plain.db",
		"with space.db",
		"hash#1.db",
		"question?.db",
		"percent%41.db",
		"ampersand&x=y.db",
		"élève.db",
	}
	for _, name := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, name)
			s, err := storage.Open(t.Context(), path)
			if err != nil {
				t.Fatalf("Open(%q): %v", path, err)
			}
			defer func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			}()
			if _, _, err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			if _, err := os.Stat(path); err != nil {
				entries, _ := os.ReadDir(dir)
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Fatalf("database not at %q (directory holds %q): %v", path, names, err)
			}
			// The connection parameters survived the escaping.
			var fk int
			if err := storage.RawDB(s).Raw("PRAGMA foreign_keys").Scan(&fk).Error; err != nil || fk != 1 {
				t.Errorf("PRAGMA foreign_keys = %d, %v; want 1", fk, err)
			}
		})
	}
}

func TestDialect(t *testing.T) {
	for _, ns := range openRawStores(t) {
		want := storage.SQLite
		if ns.name == "postgres" {
			want = storage.Postgres
		}
		if got := ns.store.Dialect(); got != want {
			t.Errorf("%s: Dialect() = %q, want %q", ns.name, got, want)
		}
		if err := ns.store.Ping(t.Context()); err != nil {
			t.Errorf("%s: Ping: %v", ns.name, err)
		}
	}
}

func TestOpenUnreachablePostgres(t *testing.T) {
	// Port 1 on loopback refuses connections at once; Open must say so, not hang or
	// hand back a store that fails later.
	s, err := storage.Open(t.Context(), "postgres://nobody@127.0.0.1:1/ecat?sslmode=disable&connect_timeout=5")
	if err == nil {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		t.Fatal("Open of an unreachable PostgreSQL succeeded")
	}
}

// Durability: what was acknowledged is there after the store is closed and reopened,
// and closing checkpoints the WAL into the database file.
func TestSQLiteReopenKeepsData(t *testing.T) {
	ns := openSQLite(t)
	s := ns.store
	if _, _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	a := newAssessment(t, s, "durable")
	r := sampleResponse(a.ID)
	r.Status = assessment.Submitted
	hash := createResponse(t, s, r)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if fi, err := os.Stat(ns.dsn + "-wal"); err == nil && fi.Size() > 0 {
		t.Errorf("WAL file still holds %d bytes after Close; want it checkpointed", fi.Size())
	}

	s2, err := storage.Open(t.Context(), ns.dsn)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer func() {
		if err := s2.Close(); err != nil {
			t.Errorf("Close after reopen: %v", err)
		}
	}()
	if err := s2.CheckSchema(t.Context()); err != nil {
		t.Fatalf("CheckSchema after reopen: %v", err)
	}
	got, err := s2.ResponseByToken(t.Context(), hash)
	if err != nil {
		t.Fatalf("ResponseByToken after reopen: %v", err)
	}
	if d := responseDiff(r, got); d != nil {
		t.Errorf("response after reopen differs:\n%s", strings.Join(d, "\n"))
	}
	gotA, err := s2.Assessment(t.Context(), a.ID)
	if err != nil {
		t.Fatalf("Assessment after reopen: %v", err)
	}
	if d := assessmentDiff(a, gotA); d != nil {
		t.Errorf("assessment after reopen differs:\n%s", strings.Join(d, "\n"))
	}
}

// Several ecat servers starting together against one fresh database (README, "Larger organizations": stateless
// servers sharing one PostgreSQL) all migrate it at once. Every one must succeed, the
// schema must be built exactly once, and the version recorded once.
func TestConcurrentMigrate(t *testing.T) {
	const servers = 6
	for _, ns := range openRawStores(t) {
		t.Run(ns.name, func(t *testing.T) {
			stores := []*storage.Store{ns.store}
			for len(stores) < servers {
				s, err := storage.Open(t.Context(), ns.dsn)
				if err != nil {
					t.Fatalf("open another store: %v", err)
				}
				t.Cleanup(func() { _ = s.Close() })
				stores = append(stores, s)
			}
			var wg sync.WaitGroup
			errs := make([]error, servers)
			froms := make([]int, servers)
			start := make(chan struct{})
			for i, s := range stores {
				wg.Go(func() {
					<-start
					froms[i], _, errs[i] = s.Migrate(t.Context())
				})
			}
			close(start)
			wg.Wait()
			fromZero := 0
			for i, err := range errs {
				switch {
				case err != nil:
					t.Errorf("server %d: Migrate: %v", i, err)
				case froms[i] == 0:
					fromZero++
				}
			}
			if fromZero != 1 {
				t.Errorf("%d servers migrated from version 0 (started at %v), want exactly 1", fromZero, froms)
			}
			for i, s := range stores {
				if err := s.CheckSchema(t.Context()); err != nil {
					t.Errorf("server %d: CheckSchema: %v", i, err)
				}
			}
			if n := countRows(t, ns.store, "schema_version", "1 = 1"); n != 1 {
				t.Errorf("schema_version has %d rows, want 1", n)
			}
		})
	}
}

// Checking the schema only reads: `ecat serve` against a wrong or new database must not
// leave tables behind in it.
func TestCheckSchemaLeavesNewDatabaseUntouched(t *testing.T) {
	for _, ns := range openRawStores(t) {
		t.Run(ns.name, func(t *testing.T) {
			if err := ns.store.CheckSchema(t.Context()); !errors.Is(err, storage.ErrSchemaBehind) {
				t.Fatalf("CheckSchema = %v, want ErrSchemaBehind", err)
			}
			if v, err := ns.store.CurrentSchema(t.Context()); err != nil || v != 0 {
				t.Fatalf("CurrentSchema = %d, %v; want 0", v, err)
			}
			if storage.RawDB(ns.store).WithContext(t.Context()).Migrator().HasTable("schema_version") {
				t.Error("CheckSchema created schema_version in a new database")
			}
		})
	}
}
