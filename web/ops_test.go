package web

import (
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/survey"
)

func TestHealthAndReadiness(t *testing.T) {
	e := newTestEnv(t)
	if rec := e.serve(httptest.NewRequest(http.MethodGet, "/healthz", nil)); rec.Code != 200 || rec.Body.String() != "ok\n" {
		t.Errorf("healthz = %d %q", rec.Code, rec.Body.String())
	}
	if rec := e.serve(httptest.NewRequest(http.MethodGet, "/readyz", nil)); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"ready"`) {
		t.Errorf("readyz = %d %q", rec.Code, rec.Body.String())
	}
	// A database that is gone makes the server unready, not dead.
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	if rec := e.serve(httptest.NewRequest(http.MethodGet, "/readyz", nil)); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database closed = %d", rec.Code)
	}
	if rec := e.serve(httptest.NewRequest(http.MethodGet, "/healthz", nil)); rec.Code != 200 {
		t.Errorf("healthz with the database closed = %d", rec.Code)
	}
}

func TestMetrics(t *testing.T) {
	e := newTestEnv(t)
	if rec := e.serve(httptest.NewRequest(http.MethodGet, "/metrics", nil)); rec.Code != http.StatusNotFound {
		t.Errorf("/metrics served while off: %d", rec.Code)
	}
	e.srv = New(Config{BaseURL: testBaseURL, Metrics: true}, survey.New(e.store, e.catalog, e.tmpl.Catalog(), nil), e.tmpl, slog.New(slog.NewTextHandler(io.Discard, nil)))
	a := e.newAssessment("en")
	e.createResponse(e.completeBody(a.Code, "staff"))                   // submitted
	e.createResponse(map[string]any{"code": a.Code, "pillar": "staff"}) // draft
	e.serve(httptest.NewRequest(http.MethodGet, "/j/"+a.Code, nil))
	rec := e.serve(httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	body := rec.Body.String()
	for _, want := range []string{
		`ecat_http_requests_total{route="/api/v1/responses",method="POST",status="201"} 2`,
		`ecat_http_requests_total{route="/j/:code",method="GET",status="200"} 1`,
		`ecat_http_request_duration_seconds_count{route="/api/v1/responses"} 2`,
		`ecat_http_request_duration_seconds_bucket{route="/api/v1/responses",le="+Inf"} 2`,
		"ecat_responses_submitted_total 1",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, a.Code) {
		t.Error("a join code landed in the metrics")
	}
	// Every sample line is name{labels} value, as the exposition format wants.
	sample := regexp.MustCompile(`^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$`)
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		if !strings.HasPrefix(line, "#") && !sample.MatchString(line) {
			t.Errorf("malformed metrics line %q", line)
		}
	}
}

func TestStaticAssetsFingerprintedAndCompressed(t *testing.T) {
	e := newTestEnv(t)
	page := e.serve(httptest.NewRequest(http.MethodGet, "/", nil)).Body.String()
	m := regexp.MustCompile(`href="(/static/app\.[0-9a-f]{8}\.css)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("home page does not link a fingerprinted stylesheet")
	}
	req := httptest.NewRequest(http.MethodGet, m[1], nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := e.serve(req)
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("fingerprinted asset: %d %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	if rec.Header().Get("Content-Encoding") != "gzip" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Fatalf("not gzip CSS: %q %q", rec.Header().Get("Content-Encoding"), rec.Header().Get("Content-Type"))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	css, err := io.ReadAll(zr)
	if err != nil || !strings.Contains(string(css), ":root{") {
		t.Errorf("decompressed CSS: %v %.40q", err, css)
	}
	plain := e.serve(httptest.NewRequest(http.MethodGet, "/static/app.css", nil))
	if plain.Code != 200 || plain.Header().Get("Cache-Control") != "public, max-age=300" || plain.Body.String() != string(css) {
		t.Errorf("plain name: %d %q", plain.Code, plain.Header().Get("Cache-Control"))
	}
	for _, bad := range []string{"/static/app.00000000.css", "/static/..%2fengine.go", "/static/nope.js"} {
		if rec := e.serve(httptest.NewRequest(http.MethodGet, bad, nil)); rec.Code != http.StatusNotFound {
			t.Errorf("%s = %d", bad, rec.Code)
		}
	}
	// Pages are compressed too when the client accepts it.
	req = httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	if rec := e.serve(req); rec.Header().Get("Content-Encoding") != "gzip" {
		t.Error("home page not compressed")
	}
}

// Every page names its icon, and /favicon.ico (which browsers ask for whatever the
// page says) answers with the same icon instead of a 404.
func TestFavicon(t *testing.T) {
	e := newTestEnv(t)
	page := e.serve(httptest.NewRequest(http.MethodGet, "/", nil)).Body.String()
	m := regexp.MustCompile(`<link rel="icon" href="(/static/icon\.[0-9a-f]{8}\.svg)" type="image/svg\+xml">`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the home page links no fingerprinted icon")
	}
	linked := e.serve(httptest.NewRequest(http.MethodGet, m[1], nil))
	ico := e.serve(httptest.NewRequest(http.MethodGet, "/favicon.ico", nil))
	for name, rec := range map[string]*httptest.ResponseRecorder{m[1]: linked, "/favicon.ico": ico} {
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(rec.Body.String(), "<svg ") {
			t.Errorf("%s: %d %q %.20q", name, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
		}
	}
	if ico.Body.String() != linked.Body.String() || ico.Header().Get("Cache-Control") != "public, max-age=86400" {
		t.Errorf("/favicon.ico is not the linked icon, or not kept a day (%q)", ico.Header().Get("Cache-Control"))
	}
}

// The home page, in either language, leads a facilitator to the sign-in page.
func TestHomeLinksToSignIn(t *testing.T) {
	e := newTestEnv(t)
	for lang, label := range map[string]string{"en": "Facilitator sign-in", "fr": "Connexion des animateurs"} {
		page := e.serve(httptest.NewRequest(http.MethodGet, "/?lang="+lang, nil)).Body.String()
		if !strings.Contains(page, `<a href="/login?lang=`+lang+`">`+label+`</a>`) {
			t.Errorf("%s home page has no sign-in link", lang)
		}
	}
	if rec := e.serve(httptest.NewRequest(http.MethodGet, "/login?lang=fr", nil)); rec.Code != http.StatusOK {
		t.Errorf("the link leads to %d", rec.Code)
	}
}
