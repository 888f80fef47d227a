package web

import (
	"errors"
	"math"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/survey"
)

// The facilitator's own password, changed on the web (the command line's
// `ecat facilitator password` sets one for someone who forgot theirs).

type passwordView struct {
	Fields map[string]string // field → message
	Errors []errorLink
	Error  string // what stops the form as a whole: too many attempts, too busy
	Done   bool
}

// passwordFields are the form's fields in page order.
var passwordFields = []string{"current_password", "password", "password_confirm"}

func (s *Server) passwordPage(c echo.Context) error {
	return s.facilitatorPage(c, http.StatusOK, "password", "title.password", passwordView{Done: c.QueryParam("done") == "1"})
}

// changePassword changes the signed-in facilitator's password. A wrong current password
// counts as a failed sign-in of the account from this address (the same throttles as the
// sign-in form, so the form is no way around them); checking it and hashing the new one
// take their turn like a sign-in (survey's hashing bound). On success this browser gets
// the new session ChangePassword started, and the page says it is done.
func (s *Server) changePassword(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	lang := s.lang(c, "", "")
	actor := me(c)
	network := clientNetwork(c.RealIP())
	accountKey, addressKey := "account:"+actor.Email+"|"+network, "address:"+network
	tooMany := func(wait time.Duration) error {
		minutes := int(math.Ceil(wait.Minutes()))
		return s.passwordRefused(c, http.StatusTooManyRequests, retryAfter(wait), s.tmpl.Counted(lang, "login.too_many", minutes))
	}
	if ok, wait := s.loginByAddress.Reserve(addressKey); !ok {
		return tooMany(wait)
	}
	if ok, wait := s.loginByAccount.Reserve(accountKey); !ok {
		s.loginByAddress.Release(addressKey)
		return tooMany(wait)
	}
	sess, err := s.svc.ChangePassword(c.Request().Context(), actor, survey.PasswordChange{
		Current: form.Get("current_password"), New: form.Get("password"), Confirm: form.Get("password_confirm"),
	})
	if !survey.WrongPassword(err) {
		s.loginByAddress.Release(addressKey)
		s.loginByAccount.Release(accountKey)
	}
	var verr *assessment.ValidationError
	switch {
	case errors.As(err, &verr):
		v := passwordView{Fields: s.passwordMessages(lang, verr)}
		if fe, ok := verr.Fields["current_password"]; ok && fe.Code == assessment.CodeInvalid {
			v.Fields["current_password"] = s.tmpl.Message(lang, "password.wrong")
		}
		v.Errors = errorLinks(v.Fields, "", passwordFields)
		return s.facilitatorPage(c, http.StatusUnprocessableEntity, "password", "title.password", v)
	case errors.Is(err, survey.ErrBusy):
		return s.passwordRefused(c, http.StatusServiceUnavailable, retryAfter(survey.BusyRetry), s.tmpl.Message(lang, "password.busy"))
	case err != nil:
		return err
	}
	s.loginByAccount.Reset(accountKey)
	s.setSessionCookie(c, sess)
	return c.Redirect(http.StatusSeeOther, "/account/password?done=1")
}

// passwordMessages are the field messages of a new password typed twice (the password
// page, a one-time link's page): verr's, the confirmation's saying the two differ.
func (s *Server) passwordMessages(lang string, verr *assessment.ValidationError) map[string]string {
	fields := s.fieldMessages(lang, verr)
	if _, ok := verr.Fields["password_confirm"]; ok {
		fields["password_confirm"] = s.tmpl.Message(lang, "field.password_mismatch")
	}
	return fields
}

// passwordRefused answers a change the server would not try now (429, 503) with the form
// and why, and when to try again.
func (s *Server) passwordRefused(c echo.Context, status int, retry, msg string) error {
	c.Response().Header().Set("Retry-After", retry)
	return s.facilitatorPage(c, status, "password", "title.password", passwordView{Error: msg})
}
