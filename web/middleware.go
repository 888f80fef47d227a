package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
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
		s.metrics.observeRequest(route, c.Request().Method, status, time.Since(start))
		level := s.log.Info
		if status >= 500 {
			level = s.log.Error
		}
		level("request",
			"request_id", requestID(c),
			"method", methodLabel(c.Request().Method),
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

// csrf protects the HTML forms with a double-submit token: a random value in an
// HttpOnly, SameSite=Lax cookie, repeated in each form's hidden _csrf field. On a
// state-changing request the form is parsed first (so a too-large or malformed body gets
// its own error), then the two values must match. The JSON API is exempt: it uses no
// cookies and accepts only application/json, which a cross-site form cannot send.
func (s *Server) csrf() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			cookie, err := c.Cookie(csrfCookie)
			token := ""
			if err == nil && len(cookie.Value) == 2*csrfBytes {
				token = cookie.Value
			}
			switch c.Request().Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				if token == "" {
					token = newToken(csrfBytes)
					c.SetCookie(&http.Cookie{
						Name: csrfCookie, Value: token, Path: "/", MaxAge: 12 * 3600,
						HttpOnly: true, SameSite: http.SameSiteLaxMode,
						Secure: strings.HasPrefix(s.cfg.BaseURL, "https://"),
					})
				}
			default:
				form, err := parseForm(c)
				if err != nil {
					return err
				}
				sent := form.Get("_csrf")
				if token == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
					return errCSRF
				}
			}
			c.Set(csrfCookie, token)
			return next(c)
		}
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

func csrfToken(c echo.Context) string {
	tok, _ := c.Get(csrfCookie).(string)
	return tok
}
