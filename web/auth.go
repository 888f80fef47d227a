package web

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/argon2"

	"github.com/ecat-project/ecat/assessment"
)

// Facilitator authentication: argon2id password hashes, server-side sessions in the
// database (the cookie holds a random id; the database only its hash), bearer tokens for
// the API, and login throttling per account and per address (throttle.go).

const (
	sessionCookie   = "ecat_session"
	sessionLifetime = 12 * time.Hour
	ctxFacilitator  = "facilitator"
)

// argon2id parameters (RFC 9106's second recommended option, with 64 MiB).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// HashPassword returns an encoded argon2id hash: $argon2id$v=19$m=…,t=…,p=…$salt$key.
func HashPassword(password string) string {
	salt := make([]byte, 16)
	randomBytes(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key))
}

// checkPassword reports whether password matches an encoded hash, in constant time.
func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var memory, iterations uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &iterations, &threads); err != nil {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, iterations, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// timingSafeMiss checks the password against a throwaway hash when an e-mail is
// unknown, so a wrong e-mail takes as long as a wrong password and the two cannot be
// told apart by timing.
func (s *Server) timingSafeMiss(password string) {
	s.dummyOnce.Do(func() { s.dummyHash = HashPassword("ecat-no-such-account") })
	checkPassword(s.dummyHash, password)
}

// startSession signs a facilitator in: a fresh random session id every time (never one
// the browser brought along), stored by hash, in an HttpOnly SameSite=Lax cookie.
func (s *Server) startSession(c echo.Context, f *assessment.Facilitator) error {
	if old, err := c.Cookie(sessionCookie); err == nil {
		_ = s.store.DeleteSession(c.Request().Context(), assessment.HashToken(old.Value))
	}
	id := newToken(32)
	expires := time.Now().Add(sessionLifetime)
	if err := s.store.CreateSession(c.Request().Context(), assessment.HashToken(id), f.ID, expires); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: id, Path: "/", Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.https(),
	})
	return nil
}

func (s *Server) endSession(c echo.Context) {
	if ck, err := c.Cookie(sessionCookie); err == nil {
		_ = s.store.DeleteSession(c.Request().Context(), assessment.HashToken(ck.Value))
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.https()})
}

func (s *Server) https() bool { return strings.HasPrefix(s.cfg.BaseURL, "https://") }

// sessionFacilitator returns the signed-in facilitator, or nil.
func (s *Server) sessionFacilitator(c echo.Context) (*assessment.Facilitator, error) {
	ck, err := c.Cookie(sessionCookie)
	if err != nil || len(ck.Value) != 64 {
		return nil, nil
	}
	f, err := s.store.SessionFacilitator(c.Request().Context(), assessment.HashToken(ck.Value))
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
		f, err := s.store.FacilitatorByAPIToken(c.Request().Context(), assessment.HashToken(token))
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
