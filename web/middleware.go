package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

func newRequestID() string { return newToken(8) }

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// logRequests writes one structured line per request. It logs the route pattern
// ("/r/:token"), never the path itself, so join codes and resume tokens stay out of the
// logs; and it logs no address or user agent, so nothing in them points at a respondent.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "(no route)"
		}
		status := c.Response().Status
		s.metrics.observeRequest(route, requestMethod(c), status, time.Since(start))
		level := s.log.Info
		if status >= 500 {
			level = s.log.Error
		}
		level("request",
			"request_id", requestID(c),
			"method", methodLabel(requestMethod(c)),
			"route", route,
			"status", status,
			"bytes", c.Response().Size,
			"duration_ms", float64(time.Since(start).Microseconds())/1000,
		)
		return nil
	}
}

// recoverPanics turns a panic into a 500 page and an error log line with the request id.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("panic", "request_id", requestID(c), "route", c.Path(), "panic", fmt.Sprint(r))
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

// securityHeaders sets a strict policy on every response: scripts only from our own
// files (no inline script), no framing, no referrer (resume links carry a secret).
func securityHeaders(https bool) echo.MiddlewareFunc {
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
			if https {
				h.Set("Strict-Transport-Security", "max-age=31536000")
			}
			return next(c)
		}
	}
}

// noStore keeps personal pages and API answers out of shared caches and history.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

// limitBody caps every request body; reading past the cap fails with
// *http.MaxBytesError, which the error handler reports as body_too_large.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.ContentLength > s.cfg.BodyLimit {
			return errBodyTooLarge
		}
		req.Body = http.MaxBytesReader(c.Response(), req.Body, s.cfg.BodyLimit)
		return next(c)
	}
}

// csrf protects the HTML forms. Each browser gets a random value in an HttpOnly,
// SameSite=Lax cookie (named __Host-… under https); each form carries a token that is an
// HMAC, under the server's form key, of that value and of the browser's session id (none
// before signing in). A state-changing request must come from this site (Go's
// CrossOriginProtection: Sec-Fetch-Site, else Origin against Host) and carry the token
// that matches its own cookie and session: a sibling subdomain that plants a cookie, or
// replays a token from another browser or an ended session, is refused with 403. The
// form is parsed first, so a too-large or malformed body gets its own error. The JSON
// API is exempt from tokens: it uses no cookies and accepts only application/json,
// which a cross-site form cannot send; the cross-origin check covers it too.
func (s *Server) csrf() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			cookie, err := c.Cookie(s.cookieName(csrfCookie))
			value := ""
			if err == nil && len(cookie.Value) == 2*csrfBytes {
				value = cookie.Value
			}
			switch c.Request().Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				if value == "" {
					value = newToken(csrfBytes)
					c.SetCookie(&http.Cookie{
						Name: s.cookieName(csrfCookie), Value: value, Path: "/", MaxAge: 12 * 3600,
						HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.https(),
					})
				}
			default:
				form, err := parseForm(c)
				if err != nil {
					return err
				}
				want := s.formToken(value, s.sessionCookie(c))
				if value == "" || subtle.ConstantTimeCompare([]byte(form.Get("_csrf")), []byte(want)) != 1 {
					return errCSRF
				}
			}
			c.Set(csrfCookie, value)
			return next(c)
		}
	}
}

// formToken is the token a form of this browser (its csrf cookie value) and session
// carries: hex HMAC-SHA256 under the server's form key.
func (s *Server) formToken(value, session string) string {
	mac := hmac.New(sha256.New, s.formKey)
	mac.Write([]byte(value))
	mac.Write([]byte{0})
	mac.Write([]byte(session))
	return hex.EncodeToString(mac.Sum(nil))
}

// sameOrigin refuses a state-changing request sent from another site, a sibling
// subdomain included, with 403: what a browser says of the request's origin
// (Sec-Fetch-Site, else Origin compared with Host) decides. Requests that say nothing,
// such as a script's, pass.
func (s *Server) sameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := s.crossOrigin.Check(c.Request()); err != nil {
			return errCrossOrigin
		}
		return next(c)
	}
}

const (
	csrfCookie = "ecat_csrf"
	csrfBytes  = 32
)

func newToken(n int) string {
	b := make([]byte, n)
	randomBytes(b)
	return hex.EncodeToString(b)
}

// randomBytes fills b from the system's secure source, which never fails on the
// platforms Go supports.
func randomBytes(b []byte) { _, _ = rand.Read(b) }

// csrfToken is the token the page's forms carry.
func (s *Server) csrfToken(c echo.Context) string {
	value, _ := c.Get(csrfCookie).(string)
	if value == "" {
		return ""
	}
	return s.formToken(value, s.sessionCookie(c))
}

// headKey marks, in the context, a HEAD request answered as GET.
const headKey = "ecat.head"

// headAsGet answers HEAD on every GET route (RFC 9110 §9.3.2): it runs before routing,
// routes the request as GET, keeps the status and headers and drops the body. It also
// names HEAD in OPTIONS' Allow header when that names GET (the 405 answers get it from
// handleError), touching no other request.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		r := c.Request()
		if r.Method == http.MethodOptions {
			res.Before(func() { allowHead(res.Header()) })
		}
		if r.Method == http.MethodHead {
			r.Method = http.MethodGet
			c.Set(headKey, true)
			res.Writer = bodyless{res.Writer}
		}
		return next(c)
	}
}

// allowHead adds HEAD to an Allow header that names GET: HEAD is answered wherever GET
// is (headAsGet), though no route names it.
func allowHead(h http.Header) {
	if allow := splitList(h.Get("Allow")); slices.Contains(allow, http.MethodGet) && !slices.Contains(allow, http.MethodHead) {
		h.Set("Allow", h.Get("Allow")+", "+http.MethodHead)
	}
}

// requestMethod is the request's method as the client sent it.
func requestMethod(c echo.Context) string {
	if head, _ := c.Get(headKey).(bool); head {
		return http.MethodHead
	}
	return c.Request().Method
}

// splitList splits a comma-separated header value into its trimmed members.
func splitList(v string) []string {
	parts := strings.Split(v, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// bodyless is a ResponseWriter that keeps the headers and status and drops the body.
type bodyless struct{ http.ResponseWriter }

func (w bodyless) Write(p []byte) (int, error) { return len(p), nil }

// Unwrap lets http.ResponseController reach the connection's writer.
func (w bodyless) Unwrap() http.ResponseWriter { return w.ResponseWriter }
