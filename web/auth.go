package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/survey"
)

// Facilitator authentication on the HTTP side: the session cookie (a random id; the
// database keeps only its hash, see survey), bearer tokens for the API, and the guards
// of the facilitator's pages and endpoints. Sign-in throttling is in throttle.go.

const (
	sessionCookieName = "ecat_session"
	ctxFacilitator    = "facilitator"
)

// sessionCookie is the session id the browser brought, or "".
func (s *Server) sessionCookie(c echo.Context) string {
	if ck, err := c.Cookie(s.cookieName(sessionCookieName)); err == nil {
		return ck.Value
	}
	return ""
}

// setSessionCookie hands a new session to the browser: HttpOnly, SameSite=Lax, Secure
// under an https base URL.
func (s *Server) setSessionCookie(c echo.Context, sess *survey.Session) {
	c.SetCookie(&http.Cookie{
		Name: s.cookieName(sessionCookieName), Value: sess.ID, Path: "/", Expires: sess.Expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.https(),
	})
}

func (s *Server) clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: s.cookieName(sessionCookieName), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.https()})
}

func (s *Server) https() bool { return strings.HasPrefix(s.cfg.BaseURL, "https://") }

// cookieName is a cookie's name as set: with the __Host- prefix under an https base URL,
// so the browser accepts it only from this very host, sent over TLS, for every path:
// a sibling subdomain cannot set or shadow it.
func (s *Server) cookieName(base string) string {
	if s.https() {
		return "__Host-" + base
	}
	return base
}

// sessionFacilitator returns the signed-in facilitator, or nil.
func (s *Server) sessionFacilitator(c echo.Context) (*assessment.Facilitator, error) {
	id := s.sessionCookie(c)
	if id == "" {
		return nil, nil
	}
	f, err := s.svc.SessionFacilitator(c.Request().Context(), id)
	if errors.Is(err, assessment.ErrNotFound) {
		return nil, nil
	}
	return f, err
}

// requireSession guards facilitator pages: without a session, a GET goes to the sign-in
// page (and back afterwards); anything else is refused with 403.
func (s *Server) requireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, err := s.sessionFacilitator(c)
		if err != nil {
			return err
		}
		if f == nil {
			if c.Request().Method == http.MethodGet {
				return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
			}
			return errSignInRequired
		}
		c.Set(ctxFacilitator, f)
		return next(c)
	}
}

// requireToken guards the facilitator API: Authorization: Bearer <token>, or 401.
func (s *Server) requireToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		scheme, token, ok := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || !assessment.LooksLikeAPIToken(token) {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="ecat"`)
			return errUnauthorized
		}
		f, err := s.svc.TokenFacilitator(c.Request().Context(), token)
		if errors.Is(err, assessment.ErrNotFound) {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="ecat", error="invalid_token"`)
			return errUnauthorized
		}
		if err != nil {
			return err
		}
		c.Set(ctxFacilitator, f)
		return next(c)
	}
}

func me(c echo.Context) *assessment.Facilitator {
	f, _ := c.Get(ctxFacilitator).(*assessment.Facilitator)
	return f
}

// safeNext keeps a post-sign-in redirect on this site. Control characters are refused
// anywhere: browsers drop tabs and newlines from a URL, so "/\t/evil.example" would
// become "//evil.example", another site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "/dashboard"
	}
	return next
}
