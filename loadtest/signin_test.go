package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// peakRSSLimitMB bounds the server's peak resident memory under a flood of sign-ins.
const peakRSSLimitMB = 400

// TestSignInFloodMemory: 24 wrong passwords sent at once, each from another client
// address (behind a trusted proxy, so the per-address throttle does not stop them), each
// costing an argon2id hash of 64 MiB. Hashes take turns, so the server's peak resident
// memory stays under 400 MB (unbounded, 24 hashes at once peaked near 1.6 GB); every
// attempt is answered 401, or 503 with Retry-After when it waited too long for a turn.
func TestSignInFloodMemory(t *testing.T) {
	requireEnabled(t)
	db := sqliteAt(t.TempDir())
	newFixture(t, db) // the account the sign-ins aim at
	srv := startServer(t, db, "ECAT_TRUST_PROXY=true")
	const n = 24
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		client, csrf := signInClient(t, srv.base)
		wg.Go(func() {
			<-start
			form := url.Values{"_csrf": {csrf}, "email": {"load@example.org"}, "password": {fmt.Sprintf("wrong password %d", i)}}
			req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.base+"/login", strings.NewReader(form.Encode()))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
			res, err := client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			if err := res.Body.Close(); err != nil {
				t.Error(err)
			}
			codes[i] = res.StatusCode
			if res.StatusCode == http.StatusServiceUnavailable && res.Header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
		})
	}
	close(start)
	wg.Wait()
	tally := map[int]int{}
	for _, c := range codes {
		tally[c]++
	}
	if tally[http.StatusUnauthorized]+tally[http.StatusServiceUnavailable] != n {
		t.Errorf("answers %v, want only 401 and 503", tally)
	}
	peak := peakRSSMB(t, srv.cmd.Process.Pid)
	t.Logf("signin-flood {\"attempts\":%d,\"answers\":%v,\"peak_rss_mb\":%d}", n, tally, peak)
	if peak >= peakRSSLimitMB {
		t.Errorf("peak resident memory %d MB, want under %d MB", peak, peakRSSLimitMB)
	}
	srv.stopCleanly()
}

var csrfInputRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signInClient is a browser-like client that has loaded the sign-in page: it holds the
// CSRF cookie, and the page's token is returned.
func signInClient(t *testing.T, base string) (*http.Client, string) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	if cerr := res.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	m := csrfInputRE.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the sign-in page")
	}
	return client, string(m[1])
}

// peakRSSMB reads a process's peak resident set size (VmHWM) from /proc, in MB.
func peakRSSMB(t *testing.T, pid int) int {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc to read memory from: %v", err)
	}
	defer func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				t.Fatalf("VmHWM %q: %v", rest, err)
			}
			return kb / 1024
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}
