package web

import (
	"errors"
	"math"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/survey"
	"github.com/ecat-project/ecat/templates"
)

// First-run setup, sign-in and sign-out.

type signinView struct {
	Email  string
	Name   string
	Next   string
	Action string
	Error  string
	Fields map[string]string // field → message
}

func (s *Server) facilitatorPage(c echo.Context, status int, name, titleKey string, body any) error {
	return s.render(c, status, name, s.facilitatorPageData(c, s.lang(c, "", ""), titleKey, body))
}

func (s *Server) facilitatorPageData(c echo.Context, lang, titleKey string, body any) *templates.Page {
	p := &templates.Page{Lang: lang, Title: s.tmpl.Message(lang, titleKey), SwitchURL: switchURL(c, lang), Body: body, Staff: true}
	if f := me(c); f != nil {
		p.User, p.Admin = f.Name, f.IsAdmin()
	}
	return p
}

// roundPageData is facilitatorPageData for a page about one round: its title leads with
// the round's ("Spring round · Who has access").
func (s *Server) roundPageData(c echo.Context, lang, titleKey, roundTitle string, body any) *templates.Page {
	p := s.facilitatorPageData(c, lang, titleKey, body)
	p.Title = roundTitle + " · " + p.Title
	return p
}

func (s *Server) setupPage(c echo.Context) error {
	if err := s.checkSetupToken(c); err != nil {
		return err
	}
	s.rememberLang(c)
	return s.facilitatorPage(c, http.StatusOK, "setup", "title.setup", signinView{Action: c.Request().URL.Path})
}

// checkSetupToken answers 404 unless the path holds the live one-time setup token. A
// well-formed token that is not it counts as a failed look-up (throttle.go).
func (s *Server) checkSetupToken(c echo.Context) error {
	token := c.Param("token")
	if !assessment.LooksLikeResumeToken(token) {
		return errNotFound
	}
	err := s.svc.CheckSetupToken(c.Request().Context(), token)
	if errors.Is(err, assessment.ErrNotFound) {
		if err := s.missedLookup(c, lookupToken); err != nil {
			return err
		}
		return errNotFound
	}
	return err
}

func (s *Server) setupSubmit(c echo.Context) error {
	if err := s.checkSetupToken(c); err != nil {
		return err
	}
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	lang := s.lang(c, "", "")
	view := signinView{Action: c.Request().URL.Path, Email: printable(form.Get("email")), Name: printable(form.Get("name"))}
	confirm := form.Get("password_confirm")
	sess, err := s.svc.SetUp(c.Request().Context(), c.Param("token"), survey.NewAccount{
		Email: form.Get("email"), Name: form.Get("name"), Password: form.Get("password"), Confirm: &confirm,
	}, s.sessionCookie(c))
	var verr *assessment.ValidationError
	switch {
	case errors.As(err, &verr):
		view.Fields = s.fieldMessages(lang, verr)
		return s.facilitatorPage(c, http.StatusUnprocessableEntity, "setup", "title.setup", view)
	case errors.Is(err, survey.ErrPasswordMismatch):
		view.Fields = map[string]string{"password_confirm": s.tmpl.Message(lang, "field.password_mismatch")}
		return s.facilitatorPage(c, http.StatusUnprocessableEntity, "setup", "title.setup", view)
	case errors.Is(err, assessment.ErrNotFound):
		return errNotFound
	case err != nil:
		return err
	}
	s.setSessionCookie(c, sess)
	return c.Redirect(http.StatusSeeOther, "/dashboard")
}

// fieldMessages turns field errors into messages keyed by field, for form templates.
func (s *Server) fieldMessages(lang string, verr *assessment.ValidationError) map[string]string {
	out := map[string]string{}
	for field, fe := range verr.Fields {
		out[field] = s.fieldMessage(lang, field, fe)
	}
	return out
}

func (s *Server) loginPage(c echo.Context) error {
	s.rememberLang(c)
	if f, err := s.sessionFacilitator(c); err == nil && f != nil {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	return s.facilitatorPage(c, http.StatusOK, "login", "title.login", signinView{Next: safeNext(c.QueryParam("next"))})
}

// loginSubmit signs a facilitator in. Unknown e-mail and wrong password get the same
// message and take the same time; failures are throttled per account and per address.
func (s *Server) loginSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	lang := s.lang(c, "", "")
	email := assessment.NormalizeEmail(form.Get("email"))
	view := signinView{Email: printable(email), Next: safeNext(form.Get("next"))}
	network := clientNetwork(c.RealIP())
	accountKey, addressKey := "account:"+email+"|"+network, "address:"+network
	// Counted before the password is hashed; given back below if it was right.
	if ok, wait := s.loginByAddress.Reserve(addressKey); !ok {
		return s.loginTooMany(c, lang, view, wait)
	}
	if ok, wait := s.loginByAccount.Reserve(accountKey); !ok {
		s.loginByAddress.Release(addressKey)
		return s.loginTooMany(c, lang, view, wait)
	}
	sess, err := s.svc.SignIn(c.Request().Context(), email, form.Get("password"), s.sessionCookie(c))
	if !errors.Is(err, survey.ErrSignInFailed) {
		s.loginByAddress.Release(addressKey)
		s.loginByAccount.Release(accountKey)
	}
	switch {
	case errors.Is(err, survey.ErrSignInFailed):
		view.Error = s.tmpl.Message(lang, "login.failed")
		return s.facilitatorPage(c, http.StatusUnauthorized, "login", "title.login", view)
	case errors.Is(err, survey.ErrBusy):
		c.Response().Header().Set("Retry-After", retryAfter(survey.BusyRetry))
		view.Error = s.tmpl.Message(lang, "login.busy")
		return s.facilitatorPage(c, http.StatusServiceUnavailable, "login", "title.login", view)
	case err != nil:
		return err
	}
	s.loginByAccount.Reset(accountKey)
	s.setSessionCookie(c, sess)
	return c.Redirect(http.StatusSeeOther, view.Next)
}

// loginTooMany answers a sign-in refused by a throttle: 429 with Retry-After, the form
// saying how many minutes to wait.
func (s *Server) loginTooMany(c echo.Context, lang string, view signinView, wait time.Duration) error {
	minutes := int(math.Ceil(wait.Minutes()))
	c.Response().Header().Set("Retry-After", retryAfter(wait))
	view.Error = s.tmpl.Counted(lang, "login.too_many", minutes)
	return s.facilitatorPage(c, http.StatusTooManyRequests, "login", "title.login", view)
}

func (s *Server) logout(c echo.Context) error {
	if err := s.svc.SignOut(c.Request().Context(), me(c), s.sessionCookie(c)); err != nil {
		return err
	}
	s.clearSessionCookie(c)
	return c.Redirect(http.StatusSeeOther, "/login")
}
