package main

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// A server started after a round's closing moment (down at that moment) closes the
// round as it starts, as of the moment; a round whose moment is still ahead stays open.
func TestServeClosesRoundsDueWhileDown(t *testing.T) {
	db := filepath.Join(t.TempDir(), "closing.db")
	store, err := storage.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	moment := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	ahead := time.Now().UTC().Add(24 * time.Hour).Truncate(time.Second)
	var due, open *assessment.Assessment
	for _, c := range []struct {
		a  **assessment.Assessment
		at time.Time
	}{{&due, moment}, {&open, ahead}} {
		a, err := assessment.NewAssessment("Round", "Ward", "en", 3, false, "v1")
		if err != nil {
			t.Fatal(err)
		}
		at := c.at
		a.ClosesAt = &at
		if err := store.CreateAssessment(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		*c.a = a
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", db}, env("ECAT_ADDR", addr), strings.NewReader(""), &bytes.Buffer{})
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	var resp *http.Response
	for i := 0; i < 100; i++ {
		if resp, err = http.Get("http://" + addr + "/healthz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("server never answered: %v", err)
	}
	_ = resp.Body.Close()

	// The server closes due rounds before it listens: answering means it has.
	check, err := storage.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = check.Close() }()
	if err := check.CheckSchema(t.Context()); err != nil {
		t.Fatal(err)
	}
	got, err := check.Assessment(t.Context(), due.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != assessment.Closed || got.ClosedAt == nil || !got.ClosedAt.Equal(moment) {
		t.Errorf("the round due while the server was down: %s, closed at %v; want closed at %v", got.Status, got.ClosedAt, moment)
	}
	if got, _ := check.Assessment(t.Context(), open.ID); got.Status != assessment.Open {
		t.Errorf("the round whose moment is ahead is %s", got.Status)
	}
}
