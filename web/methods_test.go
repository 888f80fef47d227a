package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// Every path the router knows answers a method it does not serve with 405 and an Allow
// header naming exactly what it serves (HEAD beside GET, OPTIONS always), as a JSON
// error under /api and a page elsewhere, and changes nothing; OPTIONS answers 204 with
// the same Allow; HEAD answers as GET would, without a body. Generated from the router,
// so a new route is covered.
func TestMethodsOnKnownPaths(t *testing.T) {
	e := newTestEnv(t)
	served := map[string][]string{} // path pattern → methods
	for _, r := range e.srv.Routes() {
		if isHTTPMethod(r.Method) && !slices.Contains(served[r.Path], r.Method) {
			served[r.Path] = append(served[r.Path], r.Method)
		}
	}
	if len(served) < 30 {
		t.Fatalf("only %d paths in the router", len(served))
	}
	concrete := func(pattern string) string {
		var parts []string
		for _, p := range strings.Split(pattern, "/") {
			if strings.HasPrefix(p, ":") {
				p = "1" // any value: the route matches whatever the parameter holds
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, "/")
	}
	do := func(method, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		return rec
	}
	for pattern, methods := range served {
		path := concrete(pattern)
		want := append([]string{http.MethodOptions}, methods...)
		if slices.Contains(methods, http.MethodGet) {
			want = append(want, http.MethodHead)
		}
		slices.Sort(want)
		allowOf := func(rec *httptest.ResponseRecorder) []string {
			got := splitList(rec.Header().Get("Allow"))
			slices.Sort(got)
			return got
		}

		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if slices.Contains(methods, m) {
				continue
			}
			before := e.dbDump()
			rec := do(m, path)
			if rec.Code != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: status %d, want 405", m, pattern, rec.Code)
				continue
			}
			if got := allowOf(rec); !slices.Equal(got, want) {
				t.Errorf("%s %s: Allow %v, want %v", m, pattern, got, want)
			}
			if strings.HasPrefix(path, "/api/") {
				var body struct{ Error struct{ Code string } }
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != "method_not_allowed" {
					t.Errorf("%s %s: body %s, want the JSON error method_not_allowed", m, pattern, rec.Body)
				}
			} else if !strings.Contains(rec.Header().Get("Content-Type"), "text/html") {
				t.Errorf("%s %s: Content-Type %q, want a page", m, pattern, rec.Header().Get("Content-Type"))
			}
			if after := e.dbDump(); after != before {
				t.Errorf("%s %s changed the database", m, pattern)
			}
		}

		rec := do(http.MethodOptions, path)
		if rec.Code != http.StatusNoContent || !slices.Equal(allowOf(rec), want) {
			t.Errorf("OPTIONS %s: status %d, Allow %v; want 204 and %v", pattern, rec.Code, allowOf(rec), want)
		}

		if slices.Contains(methods, http.MethodGet) {
			get, head := do(http.MethodGet, path), do(http.MethodHead, path)
			if head.Code != get.Code || head.Header().Get("Content-Type") != get.Header().Get("Content-Type") ||
				head.Header().Get("Cache-Control") != get.Header().Get("Cache-Control") {
				t.Errorf("HEAD %s: %d %q %q; GET: %d %q %q", pattern, head.Code, head.Header().Get("Content-Type"), head.Header().Get("Cache-Control"),
					get.Code, get.Header().Get("Content-Type"), get.Header().Get("Cache-Control"))
			}
			if head.Body.Len() != 0 {
				t.Errorf("HEAD %s: a body of %d bytes", pattern, head.Body.Len())
			}
		}
	}

	// An unknown path stays 404, whatever the method.
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodOptions} {
		if rec := do(m, "/api/v1/no-such-thing"); rec.Code != http.StatusNotFound {
			t.Errorf("%s of an unknown API path: %d, want 404", m, rec.Code)
		}
	}
}

// HEAD of a page the person may read gives the GET's status and headers, no body.
func TestHeadOfAPage(t *testing.T) {
	e := newTestEnv(t)
	get := httptest.NewRecorder()
	e.srv.ServeHTTP(get, httptest.NewRequest(http.MethodGet, "/", nil))
	head := httptest.NewRecorder()
	e.srv.ServeHTTP(head, httptest.NewRequest(http.MethodHead, "/", nil))
	if get.Code != http.StatusOK || head.Code != http.StatusOK || get.Body.Len() == 0 || head.Body.Len() != 0 {
		t.Fatalf("GET / %d (%d bytes), HEAD / %d (%d bytes)", get.Code, get.Body.Len(), head.Code, head.Body.Len())
	}
	for _, h := range []string{"Content-Type", "Content-Security-Policy", "X-Content-Type-Options"} {
		if head.Header().Get(h) != get.Header().Get(h) {
			t.Errorf("%s: HEAD %q, GET %q", h, head.Header().Get(h), get.Header().Get(h))
		}
	}
}
