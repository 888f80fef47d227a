package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A fault scenario: respondents succeed, the fault strikes, respondents keep coming, the
// fault is healed, respondents succeed again. Throughout, every request must get an
// answer; those that fail must fail clearly (5xx, a JSON error with a code in the API, the
// friendly page with its support reference elsewhere) and be logged; the server must
// not panic; after healing /readyz returns to 200 and respondents succeed again; and at
// the end every acknowledged draft and submission is in the database.

// fault breaks and heals one thing under a running server.
type fault struct {
	name   string
	inject func(t *testing.T, srv *server)
	heal   func(t *testing.T, srv *server)
	// mustFail says the fault always makes writes fail, so at least one must have.
	mustFail bool
	// readyDuring, if not 0, is the status /readyz must give while the fault lasts.
	readyDuring int
}

// Respondents per phase of a fault scenario, and how many go at once while it lasts.
const (
	faultBefore = 12
	faultDuring = 30
	faultAfter  = 12
)

func faultScenario(t *testing.T, db database, f fault) {
	fx := newFixture(t, db)
	srv := startServer(t, db)
	client := newClient(faultDuring)
	in := fetchInstrument(t, client, srv.base)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var all []respondentResult

	before := runLoad(ctx, client, srv.base, fx.code, in, 0, faultBefore, respondOptions{})
	all = append(all, before.results...)
	mustAllSucceed(t, "before the fault", before)

	f.inject(t, srv)
	healed := false
	defer func() {
		if !healed {
			f.heal(t, srv)
		}
	}()
	// Half the respondents come through the join page (errors there are the friendly
	// page), half straight to the JSON API (errors there are JSON), and one saves
	// through the HTML form.
	var during loadRun
	var wg sync.WaitGroup
	halves := make([]loadRun, 2)
	for i := range halves {
		wg.Go(func() {
			halves[i] = runLoad(ctx, client, srv.base, fx.code, in, faultBefore+i*faultDuring/2, faultDuring/2, respondOptions{apiOnly: i == 1})
		})
	}
	wg.Wait()
	for _, h := range halves {
		during.results = append(during.results, h.results...)
	}
	all = append(all, during.results...)
	form := formSave(ctx, client, srv.base, fx.code, in)
	readyDuring := readyz(client, srv.base)
	samples := append(during.samples(), form)
	failures := checkClearFailures(t, srv, samples)
	drafts, submitted := acknowledged(during.results)
	t.Logf("%s during the fault: %d of %d requests failed, all clearly (%s); %d drafts and %d submissions acknowledged; the form save answered %d; /readyz answered %d",
		f.name, failures, len(samples), failureKinds(samples), drafts, submitted, form.status, readyDuring)
	if f.mustFail && failures == 0 {
		t.Errorf("%s: no request failed while the fault lasted, so it was not exercised", f.name)
	}
	if f.readyDuring != 0 && readyDuring != f.readyDuring {
		t.Errorf("%s: /readyz answered %d while the fault lasted, want %d", f.name, readyDuring, f.readyDuring)
	}

	f.heal(t, srv)
	healed = true
	took := waitReady(t, client, srv.base, 30*time.Second)
	// Once /readyz says so, respondents succeed again: at once, not after a while.
	after := runLoad(ctx, client, srv.base, fx.code, in, faultBefore+faultDuring, faultAfter, respondOptions{})
	all = append(all, after.results...)
	mustAllSucceed(t, "after healing, with /readyz at 200", after)
	t.Logf("%s healed: /readyz 200 after %v, then %d respondents submitted without error", f.name, took.Round(time.Millisecond), faultAfter)

	srv.stopCleanly()
	checkStored(t, db, all, in.itemsPerPillar())
}

// failureKinds sums up failed requests as "kind status code × times".
func failureKinds(samples []sample) string {
	seen := map[string]int{}
	var order []string
	for _, s := range samples {
		if s.ok() || s.status == http.StatusSeeOther {
			continue
		}
		key := fmt.Sprintf("%s %d", s.kind, s.status)
		if s.errCode != "" {
			key += " " + s.errCode
		}
		if seen[key] == 0 {
			order = append(order, key)
		}
		seen[key]++
	}
	var parts []string
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, seen[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func allSucceeded(run loadRun) bool {
	for _, s := range run.samples() {
		if !s.ok() {
			return false
		}
	}
	_, submitted := acknowledged(run.results)
	return submitted == len(run.results)
}

func mustAllSucceed(t *testing.T, when string, run loadRun) {
	t.Helper()
	if !allSucceeded(run) {
		t.Fatalf("%s, a respondent failed: %s", when, firstFailure(run))
	}
}

// checkClearFailures checks that every failed request got a clear answer and was logged,
// and returns how many failed.
func checkClearFailures(t *testing.T, srv *server, samples []sample) int {
	t.Helper()
	failed := 0
	for _, s := range samples {
		if s.ok() || s.status == http.StatusSeeOther {
			continue
		}
		failed++
		switch {
		case s.err != nil:
			t.Errorf("%s: no answer from ecat: %v", s.kind, s.err)
		case s.status < 500:
			t.Errorf("%s: a server-side fault answered %s", s.kind, s.describe())
		case strings.HasPrefix(s.header.Get("Content-Type"), "application/json"):
			if s.errCode == "" {
				t.Errorf("%s: JSON error without a code: %s", s.kind, s.describe())
			}
		case strings.HasPrefix(s.header.Get("Content-Type"), "text/html"):
			// The friendly page gives the request id as the reference for support.
			id := s.header.Get("X-Request-Id")
			if id == "" || !strings.Contains(string(s.body), id) {
				t.Errorf("%s: error page without its support reference (request id %q)", s.kind, id)
			}
		default:
			t.Errorf("%s: error answer that is neither the JSON error nor the error page: %s", s.kind, s.describe())
		}
	}
	if logged := len(srv.logs.matching(`"level":"ERROR"`)); logged < failed {
		t.Errorf("%d requests failed but the log has only %d error lines", failed, logged)
	}
	return failed
}

// formSave saves a draft through the HTML form, as a respondent without JavaScript
// would: the form page sets the CSRF cookie and carries the token bound to it, and both
// are sent back. Success is a 303 to the resume link.
func formSave(ctx context.Context, client *http.Client, base, code string, in instrument) sample {
	p := in.pillars[0]
	page := do(ctx, client, "form page", http.MethodGet, base+"/j/"+code+"/form?pillar="+p.key, "", nil)
	if !page.ok() {
		return page
	}
	var cookie string
	for _, c := range (&http.Response{Header: page.header}).Cookies() {
		if c.Name == "ecat_csrf" {
			cookie = c.Value
		}
	}
	csrf := ""
	if m := csrfInputRE.FindSubmatch(page.body); m != nil {
		csrf = string(m[1])
	}
	form := url.Values{"_csrf": {csrf}, "pillar": {p.key}, "lang": {"en"}, "action": {"save"}, "a." + p.items[0]: {"yes"}}
	s := sample{kind: "form save", start: time.Now()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/j/"+code+"/form", strings.NewReader(form.Encode()))
	if err != nil {
		s.err = err
		return s
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "ecat_csrf", Value: cookie})
	res, err := client.Do(req)
	if err != nil {
		s.latency, s.err = time.Since(s.start), err
		return s
	}
	s.body, s.err = io.ReadAll(res.Body)
	s.latency, s.status, s.header = time.Since(s.start), res.StatusCode, res.Header
	s.err = errors.Join(s.err, res.Body.Close())
	return s
}

// ---------------------------------------------------------------- SQLite faults

// TestFaultReadOnlyDatabase makes the SQLite database and its write-ahead log immutable
// while ecat serves. chmod would not stop root (CI runs as root), and a mount cannot be
// remounted read-only while ecat holds files open for writing on it; the immutable
// attribute (chattr +i) refuses writes even through descriptors already open, for root
// too. The -shm file is left alone: SQLite maps it into memory, and a store into a mapped
// file that became immutable is a SIGBUS in any program, not an error to report.
func TestFaultReadOnlyDatabase(t *testing.T) {
	requireEnabled(t)
	dir := t.TempDir()
	requireChattr(t, dir)
	db := sqliteAt(dir)
	files := []string{db.path, db.path + "-wal"}
	setImmutable := func(t *testing.T, on bool) {
		flag := "-i"
		if on {
			flag = "+i"
		}
		for _, f := range files {
			if _, err := os.Stat(f); err == nil {
				if out, err := exec.Command("chattr", flag, f).CombinedOutput(); err != nil {
					t.Fatalf("chattr %s %s: %v %s", flag, f, err, out)
				}
			}
		}
	}
	// Never leave immutable files behind: t.TempDir could not remove them.
	t.Cleanup(func() { setImmutable(t, false) })
	faultScenario(t, db, fault{
		name:     "read-only database",
		inject:   func(t *testing.T, _ *server) { setImmutable(t, true) },
		heal:     func(t *testing.T, _ *server) { setImmutable(t, false) },
		mustFail: true,
	})
}

// requireChattr skips unless this process can set the immutable attribute on a file in
// dir (it needs root, or CAP_LINUX_IMMUTABLE, and a file system that supports it).
func requireChattr(t *testing.T, dir string) {
	t.Helper()
	if _, err := exec.LookPath("chattr"); err != nil {
		t.Skip("chattr (e2fsprogs) is not installed: cannot make the database read-only for root")
	}
	probe := filepath.Join(dir, "probe")
	if err := os.WriteFile(probe, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := os.Remove(probe); err != nil {
			t.Errorf("remove the probe file: %v", err)
		}
	}()
	if out, err := exec.Command("chattr", "+i", probe).CombinedOutput(); err != nil {
		t.Skipf("cannot set the immutable attribute here (needs root and a file system that supports it): %v %s", err, strings.TrimSpace(string(out)))
	}
	_ = exec.Command("chattr", "-i", probe).Run()
}

// TestFaultDiskFull puts the SQLite database on a small tmpfs and fills it while ecat
// serves, then frees the space.
func TestFaultDiskFull(t *testing.T) {
	requireEnabled(t)
	dir := smallTmpfs(t, "16m")
	db := sqliteAt(dir)
	filler := filepath.Join(dir, "filler")
	faultScenario(t, db, fault{
		name: "disk full",
		inject: func(t *testing.T, _ *server) {
			n, err := fillDisk(filler)
			if err != nil {
				t.Fatalf("fill %s: %v", dir, err)
			}
			t.Logf("filled the tmpfs with %d KiB", n>>10)
		},
		heal: func(t *testing.T, _ *server) {
			if err := os.Remove(filler); err != nil {
				t.Fatalf("free the space: %v", err)
			}
		},
		mustFail: true,
	})
}

// smallTmpfs mounts a tmpfs of the given size on a fresh directory, unmounted when the
// test ends (after the server, started later, has been stopped). It skips unless root.
func smallTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs to fill needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "ecat-loadtest", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
			_ = exec.Command("umount", "-l", dir).Run()
		}
	})
	return dir
}

// fillDisk writes to path until the file system is full and returns the bytes written.
func fillDisk(path string) (_ int64, err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	buf := make([]byte, 64<<10)
	var n int64
	for size := len(buf); size > 0; {
		w, err := f.Write(buf[:size])
		n += int64(w)
		if errors.Is(err, syscall.ENOSPC) {
			size /= 2 // down to the last bytes
			continue
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// TestFaultDatabaseRemoved removes the SQLite file while ecat serves (as a mistaken
// `rm ecat.db` would), then puts it back (the same file, kept by a hard link).
func TestFaultDatabaseRemoved(t *testing.T) {
	requireEnabled(t)
	dir := t.TempDir()
	db := sqliteAt(dir)
	kept := filepath.Join(dir, "kept.db")
	faultScenario(t, db, fault{
		name: "database file removed",
		inject: func(t *testing.T, _ *server) {
			if err := os.Link(db.path, kept); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(db.path); err != nil {
				t.Fatal(err)
			}
		},
		heal: func(t *testing.T, _ *server) {
			if err := os.Rename(kept, db.path); err != nil {
				t.Fatal(err)
			}
		},
		mustFail:    true,
		readyDuring: http.StatusServiceUnavailable,
	})
}

// ---------------------------------------------------------------- PostgreSQL restarted

// TestFaultPostgresRestart restarts PostgreSQL with the command in ECAT_TEST_PG_RESTART
// while respondents keep coming. /readyz is watched throughout and must report the outage;
// failures must be clear, and everything acknowledged must be there afterwards.
func TestFaultPostgresRestart(t *testing.T) {
	requireEnabled(t)
	restart := os.Getenv(pgRestartEnv)
	if restart == "" {
		t.Skipf("%s is not set: no command to restart PostgreSQL with", pgRestartEnv)
	}
	db := postgresDB(t)
	var (
		done     = make(chan error, 1)
		stop     = make(chan struct{})
		watching sync.WaitGroup
		mu       sync.Mutex
		seen     = map[int]int{} // /readyz status → times
	)
	faultScenario(t, db, fault{
		name: "PostgreSQL restarted",
		inject: func(t *testing.T, srv *server) {
			watching.Go(func() {
				client := newClient(1)
				for {
					select {
					case <-stop:
						return
					case <-time.After(10 * time.Millisecond):
					}
					status := readyz(client, srv.base)
					mu.Lock()
					seen[status]++
					mu.Unlock()
				}
			})
			log, err := os.Create(filepath.Join(t.TempDir(), "pg-restart.log"))
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("sh", "-c", restart)
			// A file rather than a pipe: the server the command starts keeps its
			// standard streams, and a pipe would keep Wait waiting for it.
			cmd.Stdout, cmd.Stderr = log, log
			start := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatalf("%s: %v", pgRestartEnv, err)
			}
			go func() {
				err := cmd.Wait()
				_ = log.Close()
				if err != nil {
					out, _ := os.ReadFile(log.Name())
					err = fmt.Errorf("%s: %w\n%s", pgRestartEnv, err, out)
				} else {
					t.Logf("PostgreSQL restarted in %v", time.Since(start).Round(time.Millisecond))
				}
				done <- err
			}()
			// Respondents arrive while PostgreSQL goes down.
			time.Sleep(50 * time.Millisecond)
		},
		heal: func(t *testing.T, srv *server) {
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(2 * time.Minute):
				t.Fatalf("%s did not finish within 2 minutes", pgRestartEnv)
			}
			// A little longer, to see /readyz come back.
			waitReady(t, newClient(1), srv.base, 30*time.Second)
			close(stop)
			watching.Wait()
			mu.Lock()
			defer mu.Unlock()
			t.Logf("/readyz while PostgreSQL restarted: %v (status: times)", seen)
			if seen[http.StatusServiceUnavailable] == 0 {
				t.Errorf("/readyz never answered 503 while PostgreSQL was down")
			}
			if seen[0] > 0 {
				t.Errorf("/readyz went unanswered %d times", seen[0])
			}
		},
	})
}
