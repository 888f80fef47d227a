package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
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
	p := &templates.Page{Lang: lang, Title: s.tmpl.Message(lang, titleKey), SwitchURL: switchURL(c, lang), Body: body}
	if f := me(c); f != nil {
		p.User = f.Name
	}
	return p
}

func (s *Server) setupPage(c echo.Context) error {
	if err := s.checkSetupToken(c); err != nil {
		return err
	}
	rememberLang(c)
	return s.facilitatorPage(c, http.StatusOK, "setup", "title.setup", signinView{Action: c.Request().URL.Path})
}

// checkSetupToken answers 404 unless the path holds the live one-time setup token.
func (s *Server) checkSetupToken(c echo.Context) error {
	token := c.Param("token")
	if !assessment.LooksLikeResumeToken(token) {
		return errNotFound
	}
	if err := s.checkLookups(c, lookupToken); err != nil {
		return err
	}
	ok, err := s.store.SetupTokenValid(c.Request().Context(), assessment.HashToken(token))
	if err != nil {
		return err
	}
	if !ok {
		s.failedLookup(c, lookupToken)
		return errNotFound
	}
	// A link printed at start-up dies once an account exists, however it was made
	// (`ecat facilitator add` does not know about the link).
	n, err := s.store.CountFacilitators(c.Request().Context())
	if err != nil {
		return err
	}
	if n > 0 {
		return errNotFound
	}
	return nil
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
	f, err := assessment.NewFacilitator(form.Get("email"), form.Get("name"), form.Get("password"))
	verr := &assessment.ValidationError{}
	if err := mergeValidation(verr, err); err != nil {
		view.Fields = s.fieldMessages(lang, verr)
		return s.facilitatorPage(c, http.StatusUnprocessableEntity, "setup", "title.setup", view)
	}
	if form.Get("password") != form.Get("password_confirm") {
		view.Fields = map[string]string{"password_confirm": s.tmpl.Message(lang, "field.password_mismatch")}
		return s.facilitatorPage(c, http.StatusUnprocessableEntity, "setup", "title.setup", view)
	}
	f.PasswordHash = HashPassword(form.Get("password"))
	err = s.store.CreateFirstFacilitator(c.Request().Context(), f, assessment.HashToken(c.Param("token")))
	if errors.Is(err, assessment.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	s.audit(c, f.ID, assessment.AuditAccountCreated, nil, "")
	if err := s.startSession(c, f); err != nil {
		return err
	}
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
	rememberLang(c)
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
	accountKey, addressKey := "account:"+email, "address:"+clientNetwork(c.RealIP())
	for _, t := range []struct {
		th  *throttle
		key string
	}{{s.loginByAccount, accountKey}, {s.loginByAddress, addressKey}} {
		if blocked, wait := t.th.blocked(t.key); blocked {
			minutes := int(math.Ceil(wait.Minutes()))
			c.Response().Header().Set("Retry-After", retryAfter(wait))
			view.Error = strings.Replace(s.tmpl.Message(lang, "login.too_many"), "%d", fmt.Sprint(minutes), 1)
			return s.facilitatorPage(c, http.StatusTooManyRequests, "login", "title.login", view)
		}
	}
	password := form.Get("password")
	f, err := s.store.FacilitatorByEmail(c.Request().Context(), email)
	switch {
	case errors.Is(err, assessment.ErrNotFound):
		s.timingSafeMiss(password)
	case err != nil:
		return err
	case checkPassword(f.PasswordHash, password):
		s.loginByAccount.reset(accountKey)
		if err := s.startSession(c, f); err != nil {
			return err
		}
		s.audit(c, f.ID, assessment.AuditSignIn, nil, "")
		return c.Redirect(http.StatusSeeOther, view.Next)
	}
	s.loginByAccount.fail(accountKey)
	s.loginByAddress.fail(addressKey)
	view.Error = s.tmpl.Message(lang, "login.failed")
	return s.facilitatorPage(c, http.StatusUnauthorized, "login", "title.login", view)
}

func (s *Server) logout(c echo.Context) error {
	s.audit(c, me(c).ID, assessment.AuditSignOut, nil, "")
	s.endSession(c)
	return c.Redirect(http.StatusSeeOther, "/login")
}

// audit records a facilitator action. A failure is logged, not shown: the action itself
// has already happened.
func (s *Server) audit(c echo.Context, facilitatorID int64, action string, assessmentID *int64, detail string) {
	ev := &assessment.AuditEvent{FacilitatorID: facilitatorID, Action: action, AssessmentID: assessmentID, Detail: detail}
	if err := s.store.AddAuditEvent(c.Request().Context(), ev); err != nil {
		s.log.Error("audit event not recorded", "request_id", requestID(c), "action", action, "error", err.Error())
	}
}
