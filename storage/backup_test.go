package storage_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// TestBackupWhileWriting copies a SQLite database while responses keep arriving, then
// opens the copy as ecat would after a restore.
func TestBackupWhileWriting(t *testing.T) {
	dir := t.TempDir()
	ns := openSQLite(t)
	if _, _, err := ns.store.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	a := newAssessment(t, ns.store, "backup")
	for i := 0; i < 5; i++ {
		r := sampleResponse(a.ID)
		r.Status = assessment.Submitted
		createResponse(t, ns.store, r)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // a writer that keeps going during the backup
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			r := sampleResponse(a.ID)
			if err := ns.store.CreateResponse(context.Background(), r, assessment.HashToken(assessment.NewResumeToken())); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	path := filepath.Join(dir, "copy.db")
	err := ns.store.Backup(t.Context(), path)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	restored, err := storage.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := restored.Close(); err != nil {
			t.Errorf("close the restored copy: %v", err)
		}
	}()
	if err := restored.CheckSchema(t.Context()); err != nil {
		t.Fatalf("restored copy: %v", err)
	}
	got, err := restored.Assessment(t.Context(), a.ID)
	if err != nil || got.Code != a.Code {
		t.Fatalf("restored assessment %+v, %v", got, err)
	}
	counts, err := restored.ResponseCounts(t.Context(), a.ID)
	if err != nil || counts["leadership"].Submitted != 5 {
		t.Errorf("restored counts %+v, %v", counts, err)
	}
	if err := ns.store.Backup(t.Context(), path); err == nil {
		t.Error("backup overwrote an existing file")
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}

func TestBackupRefusesPostgres(t *testing.T) {
	for _, ns := range openStores(t) {
		if ns.name != "postgres" {
			continue
		}
		if err := ns.store.Backup(t.Context(), filepath.Join(t.TempDir(), "x")); !errors.Is(err, storage.ErrBackupPostgres) {
			t.Errorf("PostgreSQL backup: %v", err)
		}
	}
}
