package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
	"github.com/ecat-project/ecat/survey"
	"github.com/ecat-project/ecat/templates"
	"github.com/ecat-project/ecat/web"
)

const testPassword = "correct horse battery staple"

// runStdin runs the program with stdin.
func runStdin(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, env(), strings.NewReader(stdin), &out)
	return out.String(), err
}

func isUsage(err error) bool {
	var usage *usageError
	return errors.As(err, &usage)
}

// openTestStore opens (and migrates) the database a command used.
func openTestStore(t *testing.T, db string) *storage.Store {
	t.Helper()
	store, err := storage.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if _, _, err := store.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return store
}

// webServer is the web handler on a database a command used.
func webServer(t *testing.T, store *storage.Store) *web.Server {
	t.Helper()
	catalog, err := pillars.Load()
	if err != nil {
		t.Fatal(err)
	}
	words, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := templates.New(words)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return web.New(web.Config{BaseURL: "http://ecat.test"}, survey.New(store, catalog, words, log), tmpl, log)
}

var csrfFieldRE = regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`)

// signIn posts the sign-in form to srv and returns the status.
func signIn(t *testing.T, srv http.Handler, email, password string) int {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://ecat.test/login", nil))
	m := csrfFieldRE.FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("no CSRF field on the sign-in page (%d)", rec.Code)
	}
	form := url.Values{"_csrf": {m[1]}, "email": {email}, "password": {password}}
	req := httptest.NewRequest(http.MethodPost, "http://ecat.test/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec.Code
}

// TestFacilitatorAdd creates accounts with the password on standard input.
func TestFacilitatorAdd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "f.db")
	out, err := runStdin(t, testPassword+"\n", "facilitator", "add", "--email", " Ada@Example.org ", "--name", "Ada Lovelace", "--db", db)
	if err != nil {
		t.Fatalf("add: %v (%s)", err, out)
	}
	if !strings.Contains(out, "Facilitator 1 created: Ada Lovelace <ada@example.org>") {
		t.Errorf("add printed %q", out)
	}
	if strings.Contains(out, testPassword) {
		t.Error("the password was echoed")
	}
	// A Windows line ending is not part of the password; the web server signs in with it.
	if out, err := runStdin(t, "another long passphrase\r\n", "facilitator", "add", "--email", "bob@example.org", "--name", "Bob", "--db", db); err != nil {
		t.Fatalf("add Bob: %v (%s)", err, out)
	}

	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
	}{
		{"short password", "short\n", []string{"--email", "c@example.org", "--name", "C"}},
		{"empty password", "", []string{"--email", "c@example.org", "--name", "C"}},
		{"password too long", strings.Repeat("p", assessment.MaxPasswordLen+1) + "\n", []string{"--email", "c@example.org", "--name", "C"}},
		{"no e-mail", testPassword + "\n", []string{"--name", "C"}},
		{"bad e-mail", testPassword + "\n", []string{"--email", "not-an-address", "--name", "C"}},
		{"no name", testPassword + "\n", []string{"--email", "c@example.org"}},
		{"password as a flag", "", []string{"--email", "c@example.org", "--name", "C", "--password", testPassword}},
	} {
		out, err := runStdin(t, tc.stdin, append([]string{"facilitator", "add", "--db", db}, tc.args...)...)
		if !isUsage(err) {
			t.Errorf("%s: err = %v, want a usage error", tc.name, err)
		}
		if strings.Contains(out, "created") {
			t.Errorf("%s: %q", tc.name, out)
		}
	}
	for _, args := range [][]string{{"facilitator"}, {"facilitator", "remove"}} {
		if _, err := runStdin(t, "", args...); !isUsage(err) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}

	// The same e-mail, in another case, is refused (not a usage mistake).
	_, err = runStdin(t, testPassword+"\n", "facilitator", "add", "--email", "ADA@example.org", "--name", "Ada again", "--db", db)
	if err == nil || isUsage(err) || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("duplicate e-mail: err = %v", err)
	}

	store := openTestStore(t, db)
	if n, err := store.CountFacilitators(context.Background()); err != nil || n != 2 {
		t.Errorf("%d accounts (%v), want 2", n, err)
	}
	f, err := store.FacilitatorByEmail(context.Background(), "bob@example.org")
	if err != nil || !strings.HasPrefix(f.PasswordHash, "$argon2id$") || strings.Contains(f.PasswordHash, "passphrase") {
		t.Fatalf("stored Bob: %+v, %v", f, err)
	}
	if got := signIn(t, webServer(t, store), "bob@example.org", "another long passphrase"); got != http.StatusSeeOther {
		t.Errorf("Bob signs in on the web: %d, want 303", got)
	}
}

var tokenLineRE = regexp.MustCompile(`^ecat_[0-9a-f]{64}$`)

// TestFacilitatorTokenAndOwner: assessments opened at the command line belong to the
// first facilitator, then need --owner; a token printed by `facilitator token` opens the
// API and lists them.
func TestFacilitatorTokenAndOwner(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	createJSON := func(args ...string) (createdJSON, error) {
		t.Helper()
		out, err := runStdin(t, "", append([]string{"assessment", "create", "--db", db, "--json", "--title", "Round", "--team", "Ward"}, args...)...)
		var c createdJSON
		if err == nil {
			if err := json.Unmarshal([]byte(out), &c); err != nil {
				t.Fatalf("create output %q: %v", out, err)
			}
		}
		return c, err
	}
	// Before any account: no owner needed.
	early, err := createJSON()
	if err != nil {
		t.Fatalf("create before any account: %v", err)
	}
	if _, err := runStdin(t, testPassword+"\n", "facilitator", "add", "--email", "ada@example.org", "--name", "Ada", "--db", db); err != nil {
		t.Fatal(err)
	}
	// Afterwards: --owner, and it must name an account.
	if _, err := createJSON(); !isUsage(err) {
		t.Errorf("create without --owner once an account exists: err = %v, want a usage error", err)
	}
	if _, err := createJSON("--owner", "nobody@example.org"); !isUsage(err) {
		t.Errorf("create with an unknown --owner: err = %v, want a usage error", err)
	}
	owned, err := createJSON("--owner", "ADA@example.org")
	if err != nil {
		t.Fatalf("create --owner: %v", err)
	}

	out, err := runStdin(t, "", "facilitator", "token", "--email", "ada@example.org", "--label", "CI pipeline", "--db", db)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	token := lines[len(lines)-1]
	if !tokenLineRE.MatchString(token) {
		t.Fatalf("last line %q is not a token; output %q", token, out)
	}
	if !strings.HasSuffix(out, token+"\n") {
		t.Errorf("the token is not alone on the last line: %q", out)
	}
	// Another token is another secret.
	out2, err := runStdin(t, "", "facilitator", "token", "--email", "ada@example.org", "--db", db)
	if err != nil || strings.Contains(out2, token) {
		t.Errorf("second token: %q, %v", out2, err)
	}
	for _, args := range [][]string{
		{"facilitator", "token", "--email", "nobody@example.org", "--db", db},
		{"facilitator", "token", "--db", db},
		{"facilitator", "token", "--email", "ada@example.org", "--label", strings.Repeat("x", assessment.MaxLabelLen+1), "--db", db},
	} {
		if _, err := runStdin(t, "", args...); !isUsage(err) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}

	store := openTestStore(t, db)
	ada, err := store.FacilitatorByEmail(context.Background(), "ada@example.org")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{early.ID, owned.ID} {
		a, err := store.Assessment(context.Background(), id)
		if err != nil || a.FacilitatorID == nil || *a.FacilitatorID != ada.ID {
			t.Errorf("assessment %d: %+v, %v; want it owned by Ada", id, a, err)
		}
	}
	events, err := store.AuditEvents(context.Background(), ada.ID, 10)
	if err != nil || len(events) != 3 || events[0].Action != assessment.AuditTokenCreated || events[2].Action != assessment.AuditAccountCreated {
		t.Errorf("audit trail %+v, %v", events, err)
	}

	// The token works on the web server's API and lists Ada's assessments.
	srv := webServer(t, store)
	req := httptest.NewRequest(http.MethodGet, "http://ecat.test/api/v1/assessments", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("API with the token: %d %s", rec.Code, rec.Body)
	}
	var list []struct {
		ID   int64  `json:"id"`
		Code string `json:"code"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, a := range list {
		ids = append(ids, a.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []int64{early.ID, owned.ID}) {
		t.Errorf("API lists %v, want %v", ids, []int64{early.ID, owned.ID})
	}
	// A wrong token does not.
	req = httptest.NewRequest(http.MethodGet, "http://ecat.test/api/v1/assessments", nil)
	req.Header.Set("Authorization", "Bearer "+assessment.NewAPIToken())
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("API with an unknown token: %d", rec.Code)
	}
}

// lockedBuffer is serve's standard output, written by the server goroutine and read by
// the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServe runs `ecat serve` on a free port until the test stops it, and waits until
// it answers. stop cancels it and waits for a clean shutdown.
func startServe(t *testing.T, db string) (base string, out *lockedBuffer, stop func()) {
	t.Helper()
	addr := freeAddr(t)
	out = &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", db}, env("ECAT_ADDR", addr), strings.NewReader(""), out)
	}()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	}
	t.Cleanup(stop)
	base = "http://" + addr
	for i := 0; ; i++ {
		resp, err := http.Get(base + "/")
		if err == nil {
			if err := resp.Body.Close(); err != nil {
				t.Errorf("GET /: close body: %v", err)
			}
			break
		}
		if i == 200 {
			t.Fatalf("serve never answered: %v", err)
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return base, out, stop
}

var setupLinkRE = regexp.MustCompile(`(http://[^\s]+/setup/[0-9a-z]+)\n`)

// TestServeSetupLink: on a database without accounts, serve prints a one-time link; a
// new start replaces it; it creates the first account once; afterwards no link is printed.
func TestServeSetupLink(t *testing.T) {
	db := filepath.Join(t.TempDir(), "setup.db")

	base, out, stop := startServe(t, db)
	m := setupLinkRE.FindStringSubmatch(out.String())
	if m == nil || !strings.HasPrefix(m[1], base+"/setup/") {
		t.Fatalf("no setup link for %s in %q", base, out.String())
	}
	stop()
	firstPath := strings.TrimPrefix(m[1], base)

	base, out, stop = startServe(t, db)
	m = setupLinkRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("second start: no setup link in %q", out.String())
	}
	link := m[1]
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (int, string) {
		t.Helper()
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if err := resp.Body.Close(); err != nil {
			t.Errorf("GET %s: close body: %v", u, err)
		}
		return resp.StatusCode, string(body)
	}
	if code, _ := get(base + firstPath); code != http.StatusNotFound {
		t.Errorf("the first start's link after a restart: %d, want 404", code)
	}
	code, body := get(link)
	if code != http.StatusOK {
		t.Fatalf("GET setup link: %d", code)
	}
	csrf := csrfFieldRE.FindStringSubmatch(body)
	if csrf == nil {
		t.Fatalf("no CSRF field on the setup page:\n%s", body)
	}
	form := url.Values{"_csrf": {csrf[1]}, "name": {"Grace"}, "email": {"grace@example.org"}, "password": {testPassword}, "password_confirm": {testPassword}}
	resp, err := client.PostForm(link, form)
	if err != nil {
		t.Fatal(err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Errorf("setup: close body: %v", err)
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dashboard" {
		t.Fatalf("setup: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	code, body = get(base + "/dashboard")
	if code != http.StatusOK || !strings.Contains(body, "Grace") {
		t.Errorf("dashboard after setup: %d", code)
	}
	if code, _ := get(link); code != http.StatusNotFound {
		t.Errorf("GET used setup link: %d, want 404", code)
	}
	// Posted again, with the form token valid for the new session (from the dashboard).
	if m := csrfFieldRE.FindStringSubmatch(body); m != nil {
		form.Set("_csrf", m[1])
	} else {
		t.Fatalf("no CSRF field on the dashboard:\n%s", body)
	}
	resp, err = client.PostForm(link, form)
	if err != nil {
		t.Fatal(err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Errorf("POST used setup link: close body: %v", err)
	}
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST used setup link: %d, want 404", resp.StatusCode)
	}
	stop()

	// With an account, no link.
	_, out, stop = startServe(t, db)
	stop()
	if strings.Contains(out.String(), "/setup/") {
		t.Errorf("serve printed a setup link although an account exists: %q", out.String())
	}
	store := openTestStore(t, db)
	if n, err := store.CountFacilitators(context.Background()); err != nil || n != 1 {
		t.Errorf("%d accounts (%v), want 1", n, err)
	}
}

// TestFacilitatorPassword sets a new password from standard input: the old one stops
// signing in, the new one does, the account's sessions end, and the change is in its
// activity. Bad input changes nothing.
func TestFacilitatorPassword(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	if out, err := runStdin(t, testPassword+"\n", "facilitator", "add", "--email", "ada@example.org", "--name", "Ada", "--db", db); err != nil {
		t.Fatalf("add: %v (%s)", err, out)
	}
	store := openTestStore(t, db)
	ctx := context.Background()
	f, err := store.FacilitatorByEmail(ctx, "ada@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateSession(ctx, "a-session", f.ID, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, stdin string
		args        []string
	}{
		{"short password", "short\n", []string{"--email", "ada@example.org"}},
		{"no e-mail", "a brand new passphrase\n", nil},
		{"password as a flag", "", []string{"--email", "ada@example.org", "--password", "a brand new passphrase"}},
	} {
		if _, err := runStdin(t, tc.stdin, append([]string{"facilitator", "password", "--db", db}, tc.args...)...); !isUsage(err) {
			t.Errorf("%s: err = %v, want a usage error", tc.name, err)
		}
	}
	if _, err := runStdin(t, "a brand new passphrase\n", "facilitator", "password", "--email", "nobody@example.org", "--db", db); err == nil || isUsage(err) {
		t.Errorf("unknown e-mail: err = %v, want an error naming it", err)
	}
	if _, err := store.SessionFacilitator(ctx, "a-session"); err != nil {
		t.Fatalf("the refused changes ended the session: %v", err)
	}

	out, err := runStdin(t, "a brand new passphrase\n", "facilitator", "password", "--email", " ADA@example.org ", "--db", db)
	if err != nil || !strings.Contains(out, "Password changed for Ada <ada@example.org>") || strings.Contains(out, "brand new") {
		t.Fatalf("password: %v (%q)", err, out)
	}
	if _, err := store.SessionFacilitator(ctx, "a-session"); !errors.Is(err, assessment.ErrNotFound) {
		t.Errorf("the session outlived the password change: %v", err)
	}
	srv := webServer(t, store)
	if got := signIn(t, srv, "ada@example.org", testPassword); got == http.StatusSeeOther {
		t.Error("the old password still signs in")
	}
	if got := signIn(t, srv, "ada@example.org", "a brand new passphrase"); got != http.StatusSeeOther {
		t.Errorf("the new password signs in: %d, want 303", got)
	}
	events, err := store.AuditEvents(ctx, f.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range events {
		found = found || e.Action == assessment.AuditPasswordSet
	}
	if !found {
		t.Errorf("no %s in the activity: %+v", assessment.AuditPasswordSet, events)
	}
}
