package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/ecat-project/ecat/storage"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func runCLI(t *testing.T, getenv func(string) string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, getenv, strings.NewReader(""), &out)
	return out.String(), err
}

func TestUsageErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "u.db")
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"assessment"},
		{"assessment", "rename"},
		{"assessment", "create", "--title", "T"}, // no team
		{"assessment", "create", "--title", "T", "--team", "X", "--threshold", "0"}, // out of range
		{"assessment", "create", "--title", "T", "--team", "X", "--threshold", "2"}, // needs confirmation
		{"assessment", "create", "--title", "T", "--team", "X", "--lang", "de"},     // language
		{"assessment", "create", "--title", "T", "--team", "X", "--no-such-flag"},   // flag
		{"assessment", "close"},
		{"assessment", "close", "abc"},
	} {
		_, err := runCLI(t, env("ECAT_DB", db), args...)
		var usage *usageError
		if !errors.As(err, &usage) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
}

func TestAssessmentCreateJSON(t *testing.T) {
	db := filepath.Join(t.TempDir(), "a.db")
	out, err := runCLI(t, env("ECAT_BASE_URL", "https://ecat.example.org/"), "assessment", "create",
		"--title", "Spring round", "--team", "Ward 4B", "--threshold", "4", "--lang", "fr", "--db", db, "--json")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("--json printed more than one line: %q", out)
	}
	var got struct {
		ID      int64  `json:"id"`
		Code    string `json:"code"`
		JoinURL string `json:"join_url"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if got.ID != 1 || len(got.Code) != 16 || got.JoinURL != "https://ecat.example.org/j/"+got.Code {
		t.Errorf("unexpected %+v", got)
	}

	// The plain output names the same things, and list shows both.
	out, err = runCLI(t, env(), "assessment", "create", "--title", "Autumn", "--team", "ER", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Assessment 2 created", "Join code: ", "Join link: http://127.0.0.1:8080/j/"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q lacks %q", out, want)
		}
	}
	out, err = runCLI(t, env("ECAT_DB", db), "assessment", "list")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Spring round") || !strings.Contains(out, "Autumn") {
		t.Errorf("list: %q", out)
	}
	// Flags may follow the ID.
	if out, err = runCLI(t, env(), "assessment", "close", "1", "--db", db); err != nil || !strings.Contains(out, "closed") {
		t.Errorf("close: %q, %v", out, err)
	}
	if _, err = runCLI(t, env(), "assessment", "close", "99", "--db", db); err == nil {
		t.Error("closing an unknown assessment succeeded")
	}
}

func TestMigrateAndRefuseNewerDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	out, err := runCLI(t, env(), "migrate", "--db", db)
	if err != nil || !strings.Contains(out, "from schema version 0 to") {
		t.Fatalf("first migrate: %q, %v", out, err)
	}
	out, err = runCLI(t, env(), "migrate", "--db", db)
	if err != nil || !strings.Contains(out, "already at schema version") {
		t.Fatalf("second migrate: %q, %v", out, err)
	}
	raw, err := sql.Open("sqlite3", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE schema_version SET version = 999`); err != nil {
		t.Fatal(err)
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"migrate", "--db", db}, {"serve", "--db", db, "--addr", "127.0.0.1:0"}, {"assessment", "list", "--db", db}} {
		_, err := runCLI(t, env(), args...)
		if err == nil || !strings.Contains(err.Error(), "newer version of ecat") {
			t.Errorf("%v on a newer database: %v", args, err)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil { // so that the server can listen there
		t.Fatal(err)
	}
	return addr
}

func TestServeAndShutdown(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", db}, env("ECAT_ADDR", addr), strings.NewReader(""), &bytes.Buffer{})
	}()
	var resp *http.Response
	var err error
	for i := 0; i < 100; i++ {
		resp, err = http.Get("http://" + addr + "/")
		if err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		cancel()
		t.Fatalf("server never answered: %v", err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Errorf("GET /: close body: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET / = %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after shutdown", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
}

func TestVersionAndHelp(t *testing.T) {
	out, err := runCLI(t, env(), "version")
	if err != nil || !strings.HasPrefix(out, "ecat ") {
		t.Errorf("version: %q, %v", out, err)
	}
	out, err = runCLI(t, env(), "help")
	if err != nil || !strings.Contains(out, "ecat serve") || !strings.Contains(out, "ecat assessment create") {
		t.Errorf("help: %q, %v", out, err)
	}
}

func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	if _, err := runCLI(t, env(), "assessment", "create", "--title", "Kept", "--team", "Ward", "--db", db); err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(dir, "copy.db")
	out, err := runCLI(t, env(), "backup", "--db", db, "--to", copyPath)
	if err != nil || !strings.Contains(out, "Backup written") {
		t.Fatalf("backup: %q %v", out, err)
	}
	// Restoring is pointing ecat at the copy.
	out, err = runCLI(t, env(), "assessment", "list", "--db", copyPath)
	if err != nil || !strings.Contains(out, "Kept") {
		t.Errorf("the copy lacks the assessment: %q %v", out, err)
	}
	if _, err := runCLI(t, env(), "backup", "--db", db, "--to", copyPath); err == nil {
		t.Error("backup overwrote an existing file")
	}
	var usage *usageError
	if _, err := runCLI(t, env(), "backup", "--db", db); !errors.As(err, &usage) {
		t.Errorf("backup without --to: %v", err)
	}
	if _, err := runCLI(t, env(), "backup", "--db", "postgres://x@127.0.0.1:1/db", "--to", filepath.Join(dir, "pg")); err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("backup of PostgreSQL: %v", err)
	}
	if _, err := runCLI(t, env(), "serve", "--db", db, "--log-format", "xml"); !errors.As(err, &usage) {
		t.Errorf("serve --log-format xml: %v", err)
	}
}

// TestAssessmentCreateParticipation: the command line opens an assessment with its unit,
// expected headcounts and closing moment, as the form and the API do; each mistake in
// them is a usage error naming the flag, and nothing is created.
func TestAssessmentCreateParticipation(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	closes := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	out, err := runCLI(t, env(), "assessment", "create", "--db", db, "--json", "--title", "Spring", "--team", "Ward 4B",
		"--unit", " Medicine ", "--expected", "staff=25, leadership=4", "--closes-at", closes.Format(time.RFC3339))
	if err != nil {
		t.Fatalf("create: %q, %v", out, err)
	}
	store, err := storage.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	a, err := store.Assessment(context.Background(), 1)
	if cerr := store.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if a.Unit != "Medicine" || a.Expected["staff"] != 25 || a.Expected["leadership"] != 4 || len(a.Expected) != 2 ||
		a.ClosesAt == nil || !a.ClosesAt.Equal(closes) {
		t.Errorf("stored: unit %q, expected %v, closes at %v", a.Unit, a.Expected, a.ClosesAt)
	}
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"--expected", "staff"}, "--expected"},
		{[]string{"--expected", "staff=1,staff=2"}, "--expected"},
		{[]string{"--expected", "nurses=3"}, "--expected nurses"},
		{[]string{"--expected", "staff=10001"}, "--expected staff"},
		{[]string{"--closes-at", "tomorrow"}, "--closes-at"},
		{[]string{"--closes-at", "2001-01-01T00:00:00Z"}, "--closes-at"},
		{[]string{"--unit", "=SUM(A1)"}, "--unit"},
	} {
		_, err := runCLI(t, env(), append([]string{"assessment", "create", "--db", db, "--title", "T", "--team", "X"}, c.args...)...)
		var usage *usageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), c.flag) {
			t.Errorf("%v: %v, want a usage error naming %s", c.args, err, c.flag)
		}
	}
	out, err = runCLI(t, env("ECAT_DB", db), "assessment", "list")
	if err != nil || strings.Count(out, "\n") > 2 {
		t.Errorf("after the refused creations, the list is %q (%v)", out, err)
	}
}
