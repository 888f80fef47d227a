package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/internal/testdb"
	// The storage package registers the "sqlite3" and "pgx" database/sql drivers, which
	// the checks below use to read the database directly, apart from ecat's own code.
	_ "github.com/ecat-project/ecat/storage"
)

const (
	// enableEnv must be "1" for any test here to run.
	enableEnv = "ECAT_LOADTEST"
	// postgresEnv holds a PostgreSQL DSN; each run gets a schema of its own in it.
	postgresEnv = "ECAT_TEST_POSTGRES"
	// pgRestartEnv holds a shell command that restarts that PostgreSQL server and
	// returns once it accepts connections again.
	pgRestartEnv = "ECAT_TEST_PG_RESTART"
)

// ecatBin is the ecat binary built once by TestMain when the tests are enabled.
var ecatBin string

func TestMain(m *testing.M) {
	if os.Getenv(enableEnv) != "1" {
		os.Exit(m.Run()) // every test skips, saying why
	}
	dir, err := os.MkdirTemp("", "ecat-loadtest-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	ecatBin = filepath.Join(dir, "ecat")
	build := exec.Command("go", "build", "-o", ecatBin, "github.com/ecat-project/ecat/cmd/ecat")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest: go build ./cmd/ecat:", err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// requireEnabled skips the test unless ECAT_LOADTEST=1.
func requireEnabled(t *testing.T) {
	t.Helper()
	if os.Getenv(enableEnv) != "1" {
		t.Skipf("set %s=1 to run the load and fault tests (they build ecat and take a few minutes)", enableEnv)
	}
}

// childEnv is this process's environment without ECAT_* settings, so that what the
// tests pass on the command line is all the child sees of ecat's configuration.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ECAT_") {
			env = append(env, kv)
		}
	}
	return env
}

// ---------------------------------------------------------------- databases

// database is where one test's ecat keeps its data.
type database struct {
	name string // "sqlite" or "postgres"
	dsn  string // what --db gets
	path string // the SQLite file; empty for PostgreSQL
}

// sqliteAt names a SQLite database file in dir.
func sqliteAt(dir string) database {
	path := filepath.Join(dir, "ecat.db")
	return database{name: "sqlite", dsn: path, path: path}
}

// postgresDB gives the test a schema of its own, t_<random>, in the database named by
// ECAT_TEST_POSTGRES, reached through search_path in the DSN, and drops it afterwards;
// so runs never see each other's rows. It skips when the variable is unset.
func postgresDB(t *testing.T) database {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skipf("%s is not set: no PostgreSQL to test against", postgresEnv)
	}
	schemaDSN, _ := testdb.Schema(t, dsn)
	return database{name: "postgres", dsn: schemaDSN}
}

// openDirect opens the database with database/sql, read-only for SQLite.
func (db database) openDirect(t *testing.T) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", db.dsn
	if db.path != "" {
		driver, dsn = "sqlite3", "file:"+(&url.URL{Path: db.path}).EscapedPath()+"?mode=ro"
	}
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("open %s directly: %v", db.name, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// checkStored reads the database directly (ecat stopped) and checks that every
// acknowledged draft is there and every acknowledged submission is there, submitted,
// with all its answers. Resume tokens are stored as their SHA-256 (assessment.HashToken).
// For SQLite it also runs PRAGMA integrity_check.
func checkStored(t *testing.T, db database, results []respondentResult, itemsPerPillar map[string]int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := db.openDirect(t)
	if db.path != "" {
		var verdict string
		if err := conn.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&verdict); err != nil || verdict != "ok" {
			t.Errorf("%s: integrity_check = %q, %v; want ok", db.path, verdict, err)
		}
	}
	var drafts, submitted int
	for i, r := range results {
		if !r.draftAck {
			continue
		}
		var status, pillar string
		var answers int
		err := conn.QueryRowContext(ctx,
			`SELECT r.status, r.pillar, (SELECT COUNT(*) FROM answers a WHERE a.response_id = r.id)
			   FROM responses r WHERE r.token_hash = $1`,
			assessment.HashToken(r.token)).Scan(&status, &pillar, &answers)
		if errors.Is(err, sql.ErrNoRows) {
			t.Errorf("respondent %d: acknowledged response is not in the database", i)
			continue
		}
		if err != nil {
			t.Fatalf("respondent %d: query: %v", i, err)
		}
		drafts++
		if r.submitAck {
			submitted++
			if status != string(assessment.Submitted) || answers != itemsPerPillar[pillar] {
				t.Errorf("respondent %d: acknowledged submission stored as %s with %d/%d answers", i, status, answers, itemsPerPillar[pillar])
			}
		}
	}
	t.Logf("%s: all %d acknowledged responses found on disk (%d acknowledged as submitted)", db.name, drafts, submitted)
}

// ---------------------------------------------------------------- the ecat process

// server is a running `ecat serve` child process.
type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:PORT
	logs   *logLines
	exited chan struct{}
	// Set once exited is closed:
	err      error     // from Wait
	exitedAt time.Time // when Wait returned
}

// logLines keeps the child's standard error, line by line.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, line)
}

func (l *logLines) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// matching returns the lines that contain every one of subs (case-insensitive).
func (l *logLines) matching(subs ...string) []string {
	var out []string
	for _, line := range l.snapshot() {
		lower := strings.ToLower(line)
		all := true
		for _, s := range subs {
			all = all && strings.Contains(lower, strings.ToLower(s))
		}
		if all {
			out = append(out, line)
		}
	}
	return out
}

// startServer runs `ecat serve` on a free loopback port with JSON logs and waits until
// it listens. When the test ends the process is killed if still running, and its log
// is checked for panics.
func startServer(t *testing.T, db database, env ...string) *server {
	t.Helper()
	cmd := exec.Command(ecatBin, "serve", "--addr", "127.0.0.1:0", "--db", db.dsn, "--log-format", "json")
	// The respondents of these tests come through a local proxy (respondentAddress).
	cmd.Env = append(append(childEnv(), "ECAT_TRUST_PROXY=true"), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, logs: &logLines{}, exited: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start ecat serve: %v", err)
	}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.logs.add(line)
			var rec struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "ecat listening" {
				select {
				case listening <- rec.Addr:
				default:
				}
			}
		}
		s.err = cmd.Wait()
		s.exitedAt = time.Now()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = cmd.Process.Kill()
			<-s.exited
		}
		s.checkNoPanic()
		if t.Failed() {
			s.dumpLog()
		}
	})
	select {
	case addr := <-listening:
		s.base = "http://" + addr
		return s
	case <-s.exited:
		t.Fatalf("ecat serve exited before listening (%v); log:\n%s", s.err, strings.Join(s.logs.snapshot(), "\n"))
	case <-time.After(60 * time.Second):
		t.Fatalf("ecat serve did not listen within 60 s; log:\n%s", strings.Join(s.logs.snapshot(), "\n"))
	}
	return nil
}

// checkNoPanic fails the test if the server's log shows a panic (one recovered in a
// handler, or the runtime's own) or a crash on a fatal signal.
func (s *server) checkNoPanic() {
	s.t.Helper()
	var crash []string
	for _, marker := range []string{"panic", "fatal error", "[signal "} {
		crash = append(crash, s.logs.matching(marker)...)
	}
	if len(crash) > 0 {
		s.t.Errorf("the ecat log shows a panic or crash:\n%s", strings.Join(crash, "\n"))
	}
}

// dumpLog shows what helps after a failure: the first lines that are not routine request
// lines (errors, warnings, a crash), then the last lines.
func (s *server) dumpLog() {
	lines := s.logs.snapshot()
	var unusual []string
	for _, line := range lines {
		if !strings.Contains(line, `"level":"INFO"`) && len(unusual) < 40 {
			unusual = append(unusual, line)
		}
	}
	s.t.Logf("ecat log: %d lines; the first %d that are not INFO:\n%s", len(lines), len(unusual), strings.Join(unusual, "\n"))
	s.t.Logf("ecat log, last lines:\n%s", strings.Join(lines[max(0, len(lines)-20):], "\n"))
}

// stop sends sig and waits for the process to exit, at most limit. It returns how long
// the exit took.
func (s *server) stop(sig os.Signal, limit time.Duration) time.Duration {
	s.t.Helper()
	start := time.Now()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("signal ecat: %v", err)
	}
	select {
	case <-s.exited:
		return time.Since(start)
	case <-time.After(limit):
		s.t.Fatalf("ecat did not exit within %v of %v", limit, sig)
	}
	return 0
}

// stopCleanly stops the server with SIGTERM and expects a zero exit status.
func (s *server) stopCleanly() {
	s.t.Helper()
	s.stop(syscall.SIGTERM, time.Minute)
	if s.err != nil {
		s.t.Errorf("ecat serve exited with %v after SIGTERM", s.err)
	}
}

// ---------------------------------------------------------------- the CLI

// ecatCLI runs an ecat command to completion and returns its standard output.
func ecatCLI(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ecatBin, args...)
	cmd.Env = childEnv()
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ecat %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// fixture is a facilitator with an API token and one open assessment.
type fixture struct {
	db           database
	assessmentID int64
	code         string
	apiToken     string
}

// newFixture prepares the database with the CLI, as an operator would: a facilitator
// (password on standard input), an API token, and an assessment created with --json.
func newFixture(t *testing.T, db database) fixture {
	t.Helper()
	const email = "load@example.org"
	ecatCLI(t, "a long enough pass phrase\n", "facilitator", "add", "--db", db.dsn, "--email", email, "--name", "Load Test")
	out := strings.TrimSpace(ecatCLI(t, "", "facilitator", "token", "--db", db.dsn, "--email", email, "--label", "loadtest"))
	token := out[strings.LastIndexByte(out, '\n')+1:]
	out = ecatCLI(t, "", "assessment", "create", "--db", db.dsn, "--title", "Load test", "--team", "Loopback ward",
		"--owner", email, "--json")
	var created struct {
		ID   int64  `json:"id"`
		Code string `json:"code"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.ID == 0 || created.Code == "" {
		t.Fatalf("assessment create --json printed %q (%v)", out, err)
	}
	return fixture{db: db, assessmentID: created.ID, code: created.Code, apiToken: token}
}
