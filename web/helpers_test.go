package web

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	_ "github.com/mattn/go-sqlite3" // the read-only second connection of dbChecksum

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
	"github.com/ecat-project/ecat/survey"
	"github.com/ecat-project/ecat/templates"
)

// testBaseURL is the public address the test server builds links with.
const testBaseURL = "http://ecat.test"

// syncBuffer is the log sink of a test server: a bytes.Buffer safe for the race detector.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testEnv is one server on its own SQLite file in t.TempDir().
type testEnv struct {
	t       *testing.T
	srv     *Server
	store   *storage.Store
	catalog *pillars.Catalog
	in      *pillars.Instrument
	tmpl    *templates.Engine
	dbPath  string
	logs    *syncBuffer
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "ecat.db")
	store, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if _, _, err := store.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	catalog, err := pillars.Load()
	if err != nil {
		t.Fatalf("load instrument: %v", err)
	}
	tmpl, err := templates.New(testWords(t))
	if err != nil {
		t.Fatalf("templates: %v", err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := New(Config{BaseURL: testBaseURL}, survey.New(store, catalog, tmpl.Catalog(), nil), tmpl, log)
	return &testEnv{t: t, srv: srv, store: store, catalog: catalog, in: catalog.Current(), tmpl: tmpl, dbPath: path, logs: logs}
}

// newAssessment stores an open assessment with the current instrument.
func (e *testEnv) newAssessment(lang string) *assessment.Assessment {
	e.t.Helper()
	a, err := assessment.NewAssessment("Spring round", "Ward 7 West", lang, assessment.DefaultThreshold, false, e.in.Version)
	if err != nil {
		e.t.Fatalf("new assessment: %v", err)
	}
	if err := e.store.CreateAssessment(e.t.Context(), a); err != nil {
		e.t.Fatalf("create assessment: %v", err)
	}
	return a
}

func (e *testEnv) closeAssessment(a *assessment.Assessment) {
	e.t.Helper()
	if _, err := e.store.SetAssessmentStatus(e.t.Context(), a.ID, assessment.Closed); err != nil {
		e.t.Fatalf("close assessment: %v", err)
	}
	a.Status = assessment.Closed
}

// storedResponse reads a response back through the store by its resume token.
func (e *testEnv) storedResponse(token string) *assessment.Response {
	e.t.Helper()
	r, err := e.store.ResponseByToken(e.t.Context(), assessment.HashToken(token))
	if err != nil {
		e.t.Fatalf("response by token: %v", err)
	}
	return r
}

func (e *testEnv) serve(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

// api sends a request with a body and a content type ("" sends none).
func (e *testEnv) api(method, path, contentType string, body []byte) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, testBaseURL+path, rd)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return e.serve(req)
}

func (e *testEnv) apiJSON(method, path string, v any) *httptest.ResponseRecorder {
	return e.api(method, path, "application/json", mustJSON(e.t, v))
}

// createResponse starts a response through the API and returns its resume token.
func (e *testEnv) createResponse(body map[string]any) string {
	e.t.Helper()
	rec := e.apiJSON(http.MethodPost, "/api/v1/responses", body)
	if rec.Code != http.StatusCreated {
		e.t.Fatalf("create response: status %d, body %s", rec.Code, rec.Body)
	}
	var out struct {
		ResumeToken string `json:"resume_token"`
	}
	decodeJSON(e.t, rec.Body.Bytes(), &out)
	if !assessment.LooksLikeResumeToken(out.ResumeToken) {
		e.t.Fatalf("create response: resume token %q", out.ResumeToken)
	}
	return out.ResumeToken
}

// dbDump reads every row of every table through a second, read-only connection, so that
// tests see exactly what is stored without any accessor of the storage package.
func (e *testEnv) dbDump() string {
	e.t.Helper()
	db := e.readOnlyDB()
	defer checkClose(e.t, "read-only database", db)
	var sb strings.Builder
	for _, table := range []string{"schema_version", "assessments", "responses", "answers", "reflections"} {
		order := " ORDER BY 1, 2"
		if table == "schema_version" {
			order = ""
		}
		rows, err := db.Query("SELECT * FROM " + table + order)
		if err != nil {
			e.t.Fatalf("dump %s: %v", table, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			e.t.Fatalf("dump %s: %v", table, err)
		}
		fmt.Fprintf(&sb, "== %s %v\n", table, cols)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				e.t.Fatalf("dump %s: %v", table, err)
			}
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					vals[i] = string(b)
				}
			}
			fmt.Fprintf(&sb, "%q\n", vals)
		}
		if err := rows.Err(); err != nil {
			e.t.Fatalf("dump %s: %v", table, err)
		}
		if err := rows.Close(); err != nil {
			e.t.Fatalf("dump %s: %v", table, err)
		}
	}
	return sb.String()
}

// dbChecksum is the sha256 of dbDump.
func (e *testEnv) dbChecksum() string {
	sum := sha256.Sum256([]byte(e.dbDump()))
	return hex.EncodeToString(sum[:])
}

// countRows counts the rows of a table through a read-only connection.
func (e *testEnv) countRows(table string) int {
	e.t.Helper()
	db := e.readOnlyDB()
	defer checkClose(e.t, "read-only database", db)
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		e.t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// readOnlyDB opens a second connection on the test database that cannot write.
func (e *testEnv) readOnlyDB() *sql.DB {
	e.t.Helper()
	dsn := "file:" + (&url.URL{Path: e.dbPath}).EscapedPath() + "?mode=ro"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		e.t.Fatalf("open read-only: %v", err)
	}
	return db
}

// checkClose closes c, for a defer, and fails the test (without stopping it) if that
// fails.
func checkClose(t testing.TB, what string, c io.Closer) {
	t.Helper()
	if err := c.Close(); err != nil {
		t.Errorf("close %s: %v", what, err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return b
}

func decodeJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// apiErrorReply is the error body of the JSON API.
type apiErrorReply struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Fields  map[string]struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"fields"`
	} `json:"error"`
}

func decodeAPIError(t *testing.T, rec *httptest.ResponseRecorder) apiErrorReply {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error content type %q, want JSON; body %s", ct, rec.Body)
	}
	var out apiErrorReply
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("error body %s: %v", rec.Body, err)
	}
	if out.Error.Code == "" || out.Error.Message == "" {
		t.Fatalf("error body without code or message: %s", rec.Body)
	}
	return out
}

// itemIDs lists the item ids of a pillar of the current instrument.
func (e *testEnv) itemIDs(pillar string) []string {
	p := e.in.Pillar(pillar)
	if p == nil {
		e.t.Fatalf("no pillar %q", pillar)
	}
	var ids []string
	for _, it := range p.Items() {
		ids = append(ids, it.ID)
	}
	return ids
}

// completeAnswers answers every item of a pillar, cycling through the four answers.
func (e *testEnv) completeAnswers(pillar string) map[string]string {
	out := map[string]string{}
	for i, id := range e.itemIDs(pillar) {
		out[id] = string(assessment.Answers[i%len(assessment.Answers)])
	}
	return out
}

// completeBody is a submittable API body for a pillar.
func (e *testEnv) completeBody(code, pillar string) map[string]any {
	return map[string]any{
		"code":        code,
		"pillar":      pillar,
		"language":    "en",
		"answers":     e.completeAnswers(pillar),
		"reflections": map[string]string{},
		"strength":    map[string]string{"text": "We listen to patient partners at every huddle.", "theme": "relationships"},
		"opportunity": map[string]string{"text": "Pay partners for their time.", "theme": "resources"},
		"submit":      true,
	}
}

// assertSecurityHeaders checks the headers every response must carry.
func assertSecurityHeaders(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	h := rec.Header()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors 'none'", "script-src 'self'", "default-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval"} {
		if strings.Contains(csp, bad) {
			t.Errorf("Content-Security-Policy %q allows %s", csp, bad)
		}
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
	}
	if got := h.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy = %q, want no-referrer", got)
	}
}

func assertNoStore(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if got := rec.Header().Get("Cache-Control"); !strings.Contains(got, "no-store") {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
}

// browser is a client without JavaScript: it keeps cookies, follows nothing by itself.
type browser struct {
	e              *testEnv
	jar            *cookiejar.Jar
	acceptLanguage string
}

func (e *testEnv) newBrowser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &browser{e: e, jar: jar}
}

var baseURL, _ = url.Parse(testBaseURL)

func (b *browser) do(req *http.Request) *httptest.ResponseRecorder {
	for _, c := range b.jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	if b.acceptLanguage != "" {
		req.Header.Set("Accept-Language", b.acceptLanguage)
	}
	rec := b.e.serve(req)
	b.jar.SetCookies(req.URL, rec.Result().Cookies())
	return rec
}

func (b *browser) get(path string) *httptest.ResponseRecorder {
	return b.do(httptest.NewRequest(http.MethodGet, testBaseURL+path, nil))
}

// post sends a url-encoded form; extra headers come in pairs.
func (b *browser) post(path string, form url.Values, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, testBaseURL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// csrfCookieValue is the browser's ecat_csrf cookie.
func (b *browser) csrfCookieValue() string {
	for _, c := range b.jar.Cookies(baseURL) {
		if c.Name == csrfCookie {
			return c.Value
		}
	}
	return ""
}

var csrfFieldRE = regexp.MustCompile(`<input type="hidden" name="_csrf" value="([^"]*)">`)

// csrfFromPage finds the hidden _csrf field of a page.
func csrfFromPage(t *testing.T, body string) string {
	t.Helper()
	m := csrfFieldRE.FindStringSubmatch(body)
	if m == nil || m[1] == "" {
		t.Fatalf("no _csrf field in page:\n%s", body)
	}
	return m[1]
}

var tokenPathRE = regexp.MustCompile(`^/r/([0-9a-z]{26})(/thanks)?(\?.*)?$`)

// tokenFromLocation takes the resume token out of a redirect to /r/{token}….
func tokenFromLocation(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	loc := rec.Header().Get("Location")
	m := tokenPathRE.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("Location %q is not a resume link (status %d)", loc, rec.Code)
	}
	return m[1]
}

var idAttrRE = regexp.MustCompile(`\sid="([^"]+)"`)

// pageIDs lists the id attributes of a page.
func pageIDs(body string) map[string]bool {
	ids := map[string]bool{}
	for _, m := range idAttrRE.FindAllStringSubmatch(body, -1) {
		ids[m[1]] = true
	}
	return ids
}

var htmlLangRE = regexp.MustCompile(`<html lang="([^"]*)"`)

func htmlLang(body string) string {
	m := htmlLangRE.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// testWords is the catalogue of words, loaded for one test.
func testWords(t testing.TB) *locale.Catalog {
	t.Helper()
	words, err := locale.Load()
	if err != nil {
		t.Fatalf("words: %v", err)
	}
	return words
}

// claim makes this browser the writer of the response behind token, as a person does on
// another device ("these are my answers"), and returns the new token.
func (b *browser) claim(t *testing.T, token string) string {
	t.Helper()
	rec := b.post("/r/"+token+"/claim", url.Values{"_csrf": {b.ensureCSRF()}})
	loc := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/r/") {
		t.Fatalf("claim: %d to %q: %s", rec.Code, loc, rec.Body)
	}
	return strings.TrimPrefix(loc, "/r/")
}
