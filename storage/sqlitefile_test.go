package storage_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// A SQLite file removed or replaced under a running store: writes are refused with
// ErrDatabaseFileGone (rather than going into a file nobody will open again) and Ping
// fails, until the same file is back at its path.
func TestSQLiteFileRemovedWhileOpen(t *testing.T) {
	ns := openSQLite(t)
	s := ns.store
	if _, _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	newAssessment(t, s, "before")
	kept := filepath.Join(filepath.Dir(ns.dsn), "kept.db")
	if err := os.Link(ns.dsn, kept); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(ns.dsn); err != nil {
		t.Fatal(err)
	}

	a, err := assessment.NewAssessment("while removed", "Team", "en", assessment.DefaultThreshold, false, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAssessment(t.Context(), a); !errors.Is(err, storage.ErrDatabaseFileGone) {
		t.Errorf("write with the file removed: err = %v, want ErrDatabaseFileGone", err)
	}
	if err := s.Ping(t.Context()); !errors.Is(err, storage.ErrDatabaseFileGone) {
		t.Errorf("Ping with the file removed: err = %v, want ErrDatabaseFileGone", err)
	}

	// Another file at the path is not the one open: still refused.
	if err := os.WriteFile(ns.dsn, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); !errors.Is(err, storage.ErrDatabaseFileGone) {
		t.Errorf("Ping with another file at the path: err = %v, want ErrDatabaseFileGone", err)
	}

	// The same file back: writes go through and are found.
	if err := os.Rename(kept, ns.dsn); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping with the file back: %v", err)
	}
	after := newAssessment(t, s, "after")
	if _, err := s.AssessmentByCode(t.Context(), after.Code); err != nil {
		t.Errorf("assessment written after the file came back: %v", err)
	}
}
