package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/survey"
)

// Made-up HTTP methods cannot grow the metrics: they are counted as "other". With
// metrics off nothing is counted at all.
func TestMetricsFoldUnknownMethods(t *testing.T) {
	e := newTestEnv(t)
	if e.srv.metrics != nil {
		t.Fatal("metrics are kept while they are off")
	}
	on := e.withMetrics()
	for i := range 150 {
		rec := httptest.NewRecorder()
		on.ServeHTTP(rec, httptest.NewRequest("M"+strings.Repeat("X", i%50)+string(rune('A'+i%26)), testBaseURL+"/", nil))
	}
	rec := httptest.NewRecorder()
	on.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, testBaseURL+"/metrics", nil))
	lines := 0
	for _, l := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(l, "ecat_http_requests_total{") {
			lines++
			if strings.Contains(l, `method="MX`) || strings.Contains(l, `method="MA`) {
				t.Errorf("a made-up method is a label: %s", l)
			}
		}
	}
	if lines == 0 || lines > 4 {
		t.Errorf("%d request counters after 150 made-up methods, want a handful:\n%s", lines, rec.Body)
	}
	if !strings.Contains(rec.Body.String(), `method="other"`) {
		t.Error("made-up methods are not counted as other")
	}
	if n := len(on.metrics.requests); n > 4 {
		t.Errorf("%d request keys held", n)
	}
}

// withMetrics is a second server on the same database with metrics on.
func (e *testEnv) withMetrics() *Server {
	return New(Config{BaseURL: testBaseURL, Metrics: true}, survey.New(e.store, e.catalog, e.tmpl.Catalog(), nil), e.tmpl, e.srv.log)
}
