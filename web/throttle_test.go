package web

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/survey"
)

// Tests of the throttle against guessing join codes and links (throttle.go).

// guess is one look-up of a code or link, from a client address ("ip:port").
type guess func(remoteAddr, secret string) *httptest.ResponseRecorder

// from sends a request from a client address, through a browser when b is not nil.
func (e *testEnv) from(b *browser, remoteAddr string, req *http.Request) *httptest.ResponseRecorder {
	req.RemoteAddr = remoteAddr
	if b != nil {
		return b.do(req)
	}
	return e.serve(req)
}

// assertLookupsThrottled checks a 429 for too many failed look-ups: Retry-After within
// the window, and the API's JSON error or the friendly page in the reader's language.
func (e *testEnv) assertLookupsThrottled(t *testing.T, rec *httptest.ResponseRecorder, api bool, lang, what string) {
	t.Helper()
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("%s: status %d, want 429; body %.300s", what, rec.Code, rec.Body)
	}
	secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	if err != nil || secs < 1 || secs > int(lookupWindow/time.Second) {
		t.Errorf("%s: Retry-After %q, want 1..%d seconds", what, rec.Header().Get("Retry-After"), int(lookupWindow/time.Second))
	}
	assertSecurityHeaders(t, rec)
	if api {
		assertNoStore(t, rec)
		if got := decodeAPIError(t, rec).Error.Code; got != "too_many_requests" {
			t.Errorf("%s: error code %q, want too_many_requests", what, got)
		}
		return
	}
	body := rec.Body.String()
	if htmlLang(body) != lang {
		t.Errorf("%s: page in %q, want %q", what, htmlLang(body), lang)
	}
	for _, part := range []string{"heading", "message", "hint"} {
		e.assertText(t, body, lang, "error.too_many_lookups."+part)
	}
	assertFriendly(t, body)
}

// TestJoinCodeGuessingThrottled: on every way in with a join code, twenty unknown codes
// from one address are answered 404, the next look-up 429, even with the right code (so
// the answer cannot confirm a guess); codes of the wrong shape and right codes do not
// count; another address is not affected; the window passes without sleeping.
func TestJoinCodeGuessingThrottled(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	b := e.newBrowser()
	csrf, _ := b.formFor(t, a.Code, "staff", "en")

	ways := []struct {
		name string
		api  bool
		send guess
		ok   int // status of a right code
	}{
		{"home page form", false, func(addr, code string) *httptest.ResponseRecorder {
			return e.from(b, addr, httptest.NewRequest(http.MethodGet, testBaseURL+"/join?code="+url.QueryEscape(code), nil))
		}, http.StatusSeeOther},
		{"join link", false, func(addr, code string) *httptest.ResponseRecorder {
			return e.from(b, addr, httptest.NewRequest(http.MethodGet, testBaseURL+"/j/"+code, nil))
		}, http.StatusOK},
		{"form page", false, func(addr, code string) *httptest.ResponseRecorder {
			return e.from(b, addr, httptest.NewRequest(http.MethodGet, testBaseURL+"/j/"+code+"/form?pillar=staff", nil))
		}, http.StatusOK},
		{"form post", false, func(addr, code string) *httptest.ResponseRecorder {
			form := url.Values{"_csrf": {csrf}, "pillar": {"staff"}, "lang": {"en"}, "action": {"save"}, "a.S-01": {"yes"}}
			req := httptest.NewRequest(http.MethodPost, testBaseURL+"/j/"+code+"/form", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return e.from(b, addr, req)
		}, http.StatusSeeOther},
		{"API", true, func(addr, code string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodPost, testBaseURL+"/api/v1/responses", strings.NewReader(string(mustJSON(t, map[string]any{"code": code, "pillar": "staff"}))))
			req.Header.Set("Content-Type", "application/json")
			return e.from(nil, addr, req)
		}, http.StatusCreated},
	}
	for i, w := range ways {
		t.Run(w.name, func(t *testing.T) {
			e.srv.lookups.Now = time.Now
			guesser := fmt.Sprintf("198.51.100.%d:40000", i+1)
			other := fmt.Sprintf("203.0.113.%d:40000", i+1)
			for n := 1; n <= lookupLimit; n++ {
				// Codes that cannot be codes are refused without a look-up and do not
				// count; right codes neither count nor reset the count.
				if rec := w.send(guesser, "not-a-code"); rec.Code == http.StatusTooManyRequests {
					t.Fatalf("a malformed code was throttled after %d failures", n-1)
				}
				if n == lookupLimit {
					if rec := w.send(guesser, a.Code); rec.Code != w.ok {
						t.Fatalf("right code after %d failures: status %d, want %d", n-1, rec.Code, w.ok)
					}
				}
				rec := w.send(guesser, assessment.NewJoinCode())
				if rec.Code != http.StatusNotFound {
					t.Fatalf("unknown code %d: status %d, want 404", n, rec.Code)
				}
				if rec.Header().Get("Retry-After") != "" {
					t.Errorf("unknown code %d: Retry-After before the limit", n)
				}
			}
			e.assertLookupsThrottled(t, w.send(guesser, assessment.NewJoinCode()), w.api, "en", "unknown code over the limit")
			// A right code is always served: a colleague behind the same address joins.
			for _, right := range []string{a.Code, strings.ToLower(assessment.FormatJoinCode(a.Code))} {
				if rec := w.send(guesser, right); rec.Code != w.ok {
					t.Errorf("right code %q from the throttled address: status %d, want %d", right, rec.Code, w.ok)
				}
			}
			e.assertLookupsThrottled(t, w.send(guesser, assessment.NewJoinCode()), w.api, "en", "unknown code after a right one")
			if rec := w.send(other, a.Code); rec.Code != w.ok {
				t.Errorf("right code from another address: status %d, want %d", rec.Code, w.ok)
			}
			if rec := w.send(other, assessment.NewJoinCode()); rec.Code != http.StatusNotFound {
				t.Errorf("unknown code from another address: status %d, want 404", rec.Code)
			}
			// A sliding window: free again once the oldest failure is older than it.
			e.srv.lookups.Now = func() time.Time { return time.Now().Add(lookupWindow + time.Second) }
			if rec := w.send(guesser, assessment.NewJoinCode()); rec.Code != http.StatusNotFound {
				t.Errorf("unknown code after the window: status %d, want 404", rec.Code)
			}
		})
	}

	// The ways in share one count: five failures on each of four of them reach twenty.
	e.srv.lookups.Now = time.Now
	const mixed = "192.0.2.77:5000"
	for _, w := range ways[:4] {
		for range lookupLimit / 4 {
			if rec := w.send(mixed, assessment.NewJoinCode()); rec.Code != http.StatusNotFound {
				t.Fatalf("%s: status %d, want 404", w.name, rec.Code)
			}
		}
	}
	e.assertLookupsThrottled(t, ways[4].send(mixed, assessment.NewJoinCode()), true, "en", "API after failures on the pages")
	// The page is in the reader's language.
	rec := e.from(e.newBrowser(), mixed, httptest.NewRequest(http.MethodGet, testBaseURL+"/j/"+assessment.NewJoinCode()+"?lang=fr", nil))
	e.assertLookupsThrottled(t, rec, false, "fr", "join link in French")
}

// TestResumeLinkGuessingThrottled: unknown resume links count apart from join codes, on
// the pages and in the API; someone throttled for codes can still open their own link.
func TestResumeLinkGuessingThrottled(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	draft := e.createResponse(map[string]any{"code": a.Code, "pillar": "staff"})
	b := e.newBrowser()
	csrf, _ := b.formFor(t, a.Code, "staff", "en")
	draft = b.claim(t, draft) // b writes it, so its saves keep the link
	const addr = "198.51.100.20:1234"

	// Throttled for join codes first.
	for range lookupLimit {
		e.from(nil, addr, httptest.NewRequest(http.MethodGet, testBaseURL+"/j/"+assessment.NewJoinCode(), nil))
	}
	e.assertLookupsThrottled(t, e.from(nil, addr, httptest.NewRequest(http.MethodGet, testBaseURL+"/j/"+assessment.NewJoinCode(), nil)), false, "en", "join codes")
	if rec := e.from(b, addr, httptest.NewRequest(http.MethodGet, testBaseURL+"/r/"+draft, nil)); rec.Code != http.StatusOK {
		t.Fatalf("own resume link while throttled for codes: status %d, want 200", rec.Code)
	}

	ways := []struct {
		name string
		api  bool
		send guess
	}{
		{"resume page", false, func(addr, tok string) *httptest.ResponseRecorder {
			return e.from(b, addr, httptest.NewRequest(http.MethodGet, testBaseURL+"/r/"+tok, nil))
		}},
		{"thanks page", false, func(addr, tok string) *httptest.ResponseRecorder {
			return e.from(b, addr, httptest.NewRequest(http.MethodGet, testBaseURL+"/r/"+tok+"/thanks", nil))
		}},
		{"resume post", false, func(addr, tok string) *httptest.ResponseRecorder {
			form := url.Values{"_csrf": {csrf}, "pillar": {"staff"}, "lang": {"en"}, "action": {"save"}}
			req := httptest.NewRequest(http.MethodPost, testBaseURL+"/r/"+tok, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return e.from(b, addr, req)
		}},
		{"API read", true, func(addr, tok string) *httptest.ResponseRecorder {
			return e.from(nil, addr, httptest.NewRequest(http.MethodGet, testBaseURL+"/api/v1/responses/"+tok, nil))
		}},
		{"API change", true, func(addr, tok string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodPut, testBaseURL+"/api/v1/responses/"+tok, strings.NewReader(`{"pillar":"staff"}`))
			req.Header.Set("Content-Type", "application/json")
			return e.from(nil, addr, req)
		}},
	}
	okStatus := map[string]int{"resume page": 200, "thanks page": 303, "resume post": 303, "API read": 200, "API change": 200}
	for i, w := range ways {
		t.Run(w.name, func(t *testing.T) {
			e.srv.lookups.Now = time.Now
			guesser := fmt.Sprintf("[2001:db8:%x::1]:443", i+1)
			neighbour := fmt.Sprintf("[2001:db8:%x::2]:443", i+1) // same /64
			for n := 1; n <= lookupLimit; n++ {
				if rec := w.send(guesser, "../../etc/passwd"); rec.Code != http.StatusNotFound {
					t.Fatalf("malformed link: status %d, want 404", rec.Code)
				}
				if rec := w.send(guesser, assessment.NewResumeToken()); rec.Code != http.StatusNotFound {
					t.Fatalf("unknown link %d: status %d, want 404", n, rec.Code)
				}
			}
			e.assertLookupsThrottled(t, w.send(guesser, assessment.NewResumeToken()), w.api, "en", "unknown link from the throttled address")
			e.assertLookupsThrottled(t, w.send(neighbour, assessment.NewResumeToken()), w.api, "en", "unknown link from the same /64")
			// A right link is always served: the colleague behind the same hospital
			// address opens their own response.
			for _, who := range []string{guesser, neighbour, fmt.Sprintf("[2001:db8:%x:1::1]:443", i+1)} {
				if rec := w.send(who, draft); rec.Code != okStatus[w.name] {
					t.Errorf("own link from %s: status %d, want %d", who, rec.Code, okStatus[w.name])
				}
			}
			if rec := w.send(fmt.Sprintf("[2001:db8:%x:1::1]:443", i+1), assessment.NewResumeToken()); rec.Code != http.StatusNotFound {
				t.Errorf("unknown link from the next /64: status %d, want 404", rec.Code)
			}
			e.srv.lookups.Now = func() time.Time { return time.Now().Add(lookupWindow) }
			if rec := w.send(guesser, assessment.NewResumeToken()); rec.Code != http.StatusNotFound {
				t.Errorf("after the window: status %d, want 404", rec.Code)
			}
		})
	}
}

// TestSetupLinkGuessingThrottled: the first-run setup link counts as a link.
func TestSetupLinkGuessingThrottled(t *testing.T) {
	e := newTestEnv(t)
	setup := assessment.NewResumeToken()
	if err := e.store.SetSetupToken(t.Context(), assessment.HashToken(setup)); err != nil {
		t.Fatal(err)
	}
	const addr = "198.51.100.30:1000"
	get := func(tok string) *httptest.ResponseRecorder {
		return e.from(nil, addr, httptest.NewRequest(http.MethodGet, testBaseURL+"/setup/"+tok, nil))
	}
	for range lookupLimit {
		if rec := get(assessment.NewResumeToken()); rec.Code != http.StatusNotFound {
			t.Fatalf("unknown setup link: status %d, want 404", rec.Code)
		}
	}
	e.assertLookupsThrottled(t, get(assessment.NewResumeToken()), false, "en", "an unknown setup link over the limit")
	if rec := get(setup); rec.Code != http.StatusOK {
		t.Errorf("the right setup link from the throttled address: status %d, want 200", rec.Code)
	}
	if rec := e.from(nil, "198.51.100.31:1000", httptest.NewRequest(http.MethodGet, testBaseURL+"/setup/"+setup, nil)); rec.Code != http.StatusOK {
		t.Errorf("setup link from another address: status %d, want 200", rec.Code)
	}
}

// TestLookupThrottleFollowsTrustProxy: behind a trusted proxy each X-Forwarded-For client
// has its own count; without TrustProxy the header is ignored, so changing it does not
// buy more guesses.
func TestLookupThrottleFollowsTrustProxy(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	proxied := New(Config{BaseURL: testBaseURL, TrustProxy: true}, survey.New(e.store, e.catalog, e.tmpl.Catalog(), nil), e.tmpl, slog.New(slog.NewTextHandler(io.Discard, nil)))
	join := func(srv *Server, xff, code string) int {
		req := httptest.NewRequest(http.MethodGet, testBaseURL+"/j/"+code, nil)
		req.RemoteAddr = "127.0.0.1:50000" // the proxy
		req.Header.Set("X-Forwarded-For", xff)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec.Code
	}
	for n := range lookupLimit {
		// Direct: a new forwarded address every time, all counted against the proxy's.
		if got := join(e.srv, fmt.Sprintf("203.0.113.%d", n), assessment.NewJoinCode()); got != http.StatusNotFound {
			t.Fatalf("direct, unknown code %d: %d", n, got)
		}
		if got := join(proxied, "203.0.113.200", assessment.NewJoinCode()); got != http.StatusNotFound {
			t.Fatalf("proxied, unknown code %d: %d", n, got)
		}
	}
	if got := join(e.srv, "203.0.113.250", assessment.NewJoinCode()); got != http.StatusTooManyRequests {
		t.Errorf("direct, forged X-Forwarded-For after the limit: %d, want 429", got)
	}
	if got := join(proxied, "203.0.113.200", assessment.NewJoinCode()); got != http.StatusTooManyRequests {
		t.Errorf("proxied, the guessing client: %d, want 429", got)
	}
	if got := join(proxied, "203.0.113.201", assessment.NewJoinCode()); got != http.StatusNotFound {
		t.Errorf("proxied, another client behind the same proxy: %d, want 404", got)
	}
	if got := join(proxied, "203.0.113.200", a.Code); got != http.StatusOK {
		t.Errorf("proxied, the guessing client with the right code: %d, want 200", got)
	}
}

// TestLoginThrottleByNetwork: the sign-in throttle keys IPv6 clients by /64 like the
// look-up throttle, so rotating addresses within one's own /64 buys no more attempts.
func TestLoginThrottleByNetwork(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("v6@example.org", "Six")
	// Twenty failures recorded directly (each costs an argon2id hash through HTTP).
	for range 20 {
		e.srv.loginByAddress.Fail("address:" + clientNetwork("2001:db8:5:6::1"))
	}
	rec := e.newBrowser().loginFrom("[2001:db8:5:6:ffff::9]:443", f.Email, testPassword, "")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Errorf("same /64: status %d, Retry-After %q; want 429 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	if rec := e.newBrowser().loginFrom("[2001:db8:5:7::1]:443", f.Email, testPassword, ""); rec.Code != http.StatusSeeOther {
		t.Errorf("another /64: status %d, want 303", rec.Code)
	}
}

func TestClientNetwork(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"198.51.100.7", "198.51.100.7"},
		{"::ffff:198.51.100.7", "198.51.100.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2::", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"::1", "::/64"},
		{"", ""},
		{"not an address", "not an address"},
	} {
		if got := clientNetwork(tc.in); got != tc.want {
			t.Errorf("clientNetwork(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
