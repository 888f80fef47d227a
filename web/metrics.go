package web

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// metrics counts what an operator watches, and writes it in the Prometheus text format
// (version 0.0.4). It is a few counters and one histogram, so it is written here rather
// than pulling in a client library. Labels carry route patterns only, never paths, so no
// join code or token can land in a metric.
type metrics struct {
	mu        sync.Mutex
	requests  map[requestKey]int64
	latency   map[string]*histogram // by route
	submitted int64
	exports   map[string]int64 // by format
}

type requestKey struct {
	route, method string
	status        int
}

// latencyBuckets are upper bounds in seconds.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

type histogram struct {
	counts []int64 // one per bucket, not cumulative
	sum    float64
	n      int64
}

func newMetrics() *metrics {
	return &metrics{requests: map[requestKey]int64{}, latency: map[string]*histogram{}, exports: map[string]int64{}}
}

// knownMethods are the HTTP methods counted by name; any other is counted as "other",
// so made-up methods cannot grow the counters without bound.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// methodLabel is the method as logs and metrics name it.
func methodLabel(method string) string {
	if knownMethods[method] {
		return method
	}
	return "other"
}

// observeRequest counts a request; with metrics off (m is nil) it records nothing.
func (m *metrics) observeRequest(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	method = methodLabel(method)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{route, method, status}]++
	h := m.latency[route]
	if h == nil {
		h = &histogram{counts: make([]int64, len(latencyBuckets))}
		m.latency[route] = h
	}
	secs := d.Seconds()
	for i, le := range latencyBuckets {
		if secs <= le {
			h.counts[i]++
			break
		}
	}
	h.sum += secs
	h.n++
}

func (m *metrics) responseSubmitted() {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.submitted++
	m.mu.Unlock()
}

func (m *metrics) exported(format string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.exports[format]++
	m.mu.Unlock()
}

// exposition is the metrics in Prometheus's text format.
func (m *metrics) exposition() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []byte
	out = append(out, "# HELP ecat_http_requests_total HTTP requests by route pattern, method and status."+"\n"...)
	out = append(out, "# TYPE ecat_http_requests_total counter"+"\n"...)
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.route != b.route {
			return a.route < b.route
		}
		if a.method != b.method {
			return a.method < b.method
		}
		return a.status < b.status
	})
	for _, k := range keys {
		out = fmt.Appendf(out, "ecat_http_requests_total{route=%s,method=%s,status=\"%d\"} %d\n", quote(k.route), quote(k.method), k.status, m.requests[k])
	}
	out = append(out, "# HELP ecat_http_request_duration_seconds Time to answer a request, by route pattern."+"\n"...)
	out = append(out, "# TYPE ecat_http_request_duration_seconds histogram"+"\n"...)
	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		h := m.latency[r]
		var cum int64
		for i, le := range latencyBuckets {
			cum += h.counts[i]
			out = fmt.Appendf(out, "ecat_http_request_duration_seconds_bucket{route=%s,le=\"%s\"} %d\n", quote(r), strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		out = fmt.Appendf(out, "ecat_http_request_duration_seconds_bucket{route=%s,le=\"+Inf\"} %d\n", quote(r), h.n)
		out = fmt.Appendf(out, "ecat_http_request_duration_seconds_sum{route=%s} %g\n", quote(r), h.sum)
		out = fmt.Appendf(out, "ecat_http_request_duration_seconds_count{route=%s} %d\n", quote(r), h.n)
	}
	out = append(out, "# HELP ecat_responses_submitted_total Responses submitted (first submission of each)."+"\n"...)
	out = append(out, "# TYPE ecat_responses_submitted_total counter"+"\n"...)
	out = fmt.Appendf(out, "ecat_responses_submitted_total %d\n", m.submitted)
	out = append(out, "# HELP ecat_exports_total Reports exported, by format."+"\n"...)
	out = append(out, "# TYPE ecat_exports_total counter"+"\n"...)
	formats := make([]string, 0, len(m.exports))
	for f := range m.exports {
		formats = append(formats, f)
	}
	sort.Strings(formats)
	for _, f := range formats {
		out = fmt.Appendf(out, "ecat_exports_total{format=%s} %d\n", quote(f), m.exports[f])
	}
	return out
}

// quote writes a label value in the exposition format's escaping.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(s) + `"`
}

func (s *Server) metricsHandler(c echo.Context) error {
	return c.Blob(http.StatusOK, "text/plain; version=0.0.4; charset=utf-8", s.metrics.exposition())
}

// healthz answers while the process is up.
func (s *Server) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}

// readyz answers 200 when the database answers and its schema is this build's, so a
// load balancer sends traffic only to servers that can serve it; 503 otherwise.
func (s *Server) readyz(c echo.Context) error {
	switch r := s.svc.Ready(c.Request().Context()); {
	case !r.Reachable:
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
	case !r.Current:
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "schema not current"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}
