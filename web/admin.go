package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/survey"
)

// The admins' Accounts page (/admin/accounts): every account with its role and state,
// inviting someone, making a password-reset link, changing a role, deactivating and
// reactivating. ecat sends no e-mail: a link is shown once to the admin who made it, to
// pass on. Whoever is not an admin gets a 403 page on every /admin route (requireAdmin,
// after requireSession); the use cases check again inside their transactions.
//
// Also here: the one-time link pages (/account/link/{token}) where an invited person or
// one who forgot their password chooses one, and handing an assessment over.

// errAdminOnly: a signed-in facilitator who is not an admin asked for an admin page. The
// pages are not the API's: its code is the API's "forbidden", its page its own.
var errAdminOnly = &httpError{Status: http.StatusForbidden, Code: "forbidden", Key: "admin_only"}

// requireAdmin guards the admin pages: the signed-in facilitator (requireSession runs
// first) must be an active admin.
func (s *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !me(c).IsAdmin() {
			return errAdminOnly
		}
		return next(c)
	}
}

// adminError maps what an account use case refused that the error handler does not
// know: a use case's own admin check.
func adminError(err error) error {
	if errors.Is(err, survey.ErrAdminOnly) {
		return errAdminOnly
	}
	return err
}

type accountsView struct {
	Accounts []accountRow
	// Link is the one-time link just made, shown this once.
	Link *accountLinkView
	// Notice says what was just done; Error why a change was refused.
	Notice, Error string
	Invite        inviteForm
}

type accountRow struct {
	ID                           int64
	Name, Email, Created         string
	RoleText, StateText          string
	Self, Active, Invited, Admin bool
	// LastAdmin marks the only active admin: it can be neither demoted nor deactivated,
	// and the page offers neither.
	LastAdmin bool
}

type accountLinkView struct {
	Name, Email, URL, Expires string
	Invite                    bool
}

type inviteForm struct {
	Name, Email, Role string
	Fields            map[string]string
	Errors            []errorLink
}

// inviteFields are the invitation form's fields in page order.
var inviteFields = []string{"name", "email", "role"}

// accountsNotices are the ?done= notices of the accounts page.
var accountsNotices = map[string]bool{"admin": true, "facilitator": true, "deactivated": true, "reactivated": true}

func (s *Server) accountsPage(c echo.Context) error {
	v := accountsView{Invite: inviteForm{Role: assessment.RoleFacilitator}}
	if done := c.QueryParam("done"); accountsNotices[done] {
		v.Notice = done
	}
	return s.renderAccounts(c, http.StatusOK, v, pathIDQuery(c, "account"))
}

// pathIDQuery reads a positive id from the query; 0 otherwise.
func pathIDQuery(c echo.Context, name string) int64 {
	id, err := strconv.ParseInt(c.QueryParam(name), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// renderAccounts lists the accounts under what v already holds; a notice names account
// subject.
func (s *Server) renderAccounts(c echo.Context, status int, v accountsView, subject int64) error {
	lang := s.lang(c, "", "")
	list, err := s.svc.Accounts(c.Request().Context(), me(c))
	if err != nil {
		return adminError(err)
	}
	admins := 0
	for i := range list {
		if list[i].IsAdmin() {
			admins++
		}
	}
	name := ""
	for i := range list {
		f := &list[i]
		row := accountRow{
			ID: f.ID, Name: f.Name, Email: f.Email, Created: f.CreatedAt.UTC().Format("2006-01-02"),
			RoleText: s.tmpl.Message(lang, "accounts.role."+f.Role),
			Self:     f.ID == me(c).ID, Active: f.DeactivatedAt == nil, Invited: f.PasswordHash == "", Admin: f.Role == assessment.RoleAdmin,
		}
		row.LastAdmin = f.IsAdmin() && admins == 1
		switch {
		case !row.Active:
			row.StateText = s.tmpl.Message(lang, "accounts.state.deactivated")
		case row.Invited:
			row.StateText = s.tmpl.Message(lang, "accounts.state.invited")
		default:
			row.StateText = s.tmpl.Message(lang, "accounts.state.active")
		}
		if f.ID == subject {
			name = f.Name
		}
		v.Accounts = append(v.Accounts, row)
	}
	if v.Notice != "" {
		if name == "" {
			v.Notice = "" // the account named is not there (a hand-edited address)
		} else {
			v.Notice = fmt.Sprintf(s.tmpl.Message(lang, "accounts.done_"+v.Notice), name)
		}
	}
	p := s.facilitatorPageData(c, lang, "title.accounts", v)
	// The page is reached by its forms too: the other language is the list itself.
	p.SwitchURL = "/admin/accounts?lang=" + otherLang(lang)
	return s.render(c, status, "accounts", p)
}

func otherLang(lang string) string {
	if lang == "fr" {
		return "en"
	}
	return "fr"
}

// linkView lays out a link just made, for the page that shows it once.
func (s *Server) linkView(c echo.Context, link *survey.AccountLink) *accountLinkView {
	return &accountLinkView{
		Name: link.Account.Name, Email: link.Account.Email, Invite: link.Purpose == survey.LinkInvite,
		URL:     s.baseURL(c) + "/account/link/" + link.Token,
		Expires: link.Expires.UTC().Format("2006-01-02 15:04") + " UTC",
	}
}

// inviteAccount creates an invited account and shows its one-time link (201), or the
// form again with its problems (422).
func (s *Server) inviteAccount(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	lang := s.lang(c, "", "")
	in := survey.Invitation{Email: form.Get("email"), Name: form.Get("name"), Role: form.Get("role")}
	link, err := s.svc.Invite(c.Request().Context(), me(c), in)
	var verr *assessment.ValidationError
	switch {
	case errors.As(err, &verr):
		f := inviteForm{Name: printable(in.Name), Email: printable(in.Email), Role: in.Role, Fields: s.fieldMessages(lang, verr)}
		if fe, ok := verr.Fields["email"]; ok && fe.Code == survey.CodeTaken {
			f.Fields["email"] = s.tmpl.Message(lang, "accounts.email_taken")
		}
		if _, ok := verr.Fields["role"]; ok {
			f.Fields["role"] = s.tmpl.Message(lang, "accounts.role_invalid")
		}
		f.Errors = errorLinks(f.Fields, "invite-", inviteFields)
		return s.renderAccounts(c, http.StatusUnprocessableEntity, accountsView{Invite: f}, 0)
	case err != nil:
		return adminError(err)
	}
	return s.renderAccounts(c, http.StatusCreated, accountsView{Link: s.linkView(c, link), Invite: inviteForm{Role: assessment.RoleFacilitator}}, 0)
}

// accountLinkForm makes a password-reset link (or, for an invited account, a new
// invitation link) and shows it once.
func (s *Server) accountLinkForm(c echo.Context) error {
	if _, err := parseForm(c); err != nil {
		return err
	}
	link, err := s.svc.MakeAccountLink(c.Request().Context(), me(c), pathID(c, "account"))
	if err != nil {
		return adminError(err)
	}
	return s.renderAccounts(c, http.StatusCreated, accountsView{Link: s.linkView(c, link), Invite: inviteForm{Role: assessment.RoleFacilitator}}, 0)
}

// accountChange runs one of the account changes of the page (role, deactivate,
// reactivate) and goes back to the list saying what was done; a refusal to leave the
// installation without an admin is the list again with why (409).
func (s *Server) accountChange(c echo.Context, change func(form url.Values, actor *assessment.Facilitator, id int64) (*assessment.Facilitator, error), done func(*assessment.Facilitator) string) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	actor, id := me(c), pathID(c, "account")
	f, err := change(form, actor, id)
	var verr *assessment.ValidationError
	switch {
	case errors.Is(err, assessment.ErrLastAdmin):
		lang := s.lang(c, "", "")
		return s.renderAccounts(c, http.StatusConflict, accountsView{Error: s.tmpl.Message(lang, "accounts.last_admin_refused"),
			Invite: inviteForm{Role: assessment.RoleFacilitator}}, 0)
	case errors.As(err, &verr):
		return malformed("role: " + verr.Error())
	case err != nil:
		return adminError(err)
	}
	if f.ID == actor.ID && (f.DeactivatedAt != nil || f.Role != assessment.RoleAdmin) {
		// An admin who stepped down has no accounts page any more; one who deactivated
		// their own account has no session.
		if f.DeactivatedAt != nil {
			s.clearSessionCookie(c)
			return c.Redirect(http.StatusSeeOther, "/login")
		}
		return c.Redirect(http.StatusSeeOther, "/dashboard")
	}
	return c.Redirect(http.StatusSeeOther, "/admin/accounts?done="+done(f)+"&account="+strconv.FormatInt(f.ID, 10))
}

func (s *Server) changeRoleForm(c echo.Context) error {
	ctx := c.Request().Context()
	return s.accountChange(c, func(form url.Values, actor *assessment.Facilitator, id int64) (*assessment.Facilitator, error) {
		return s.svc.ChangeRole(ctx, actor, id, form.Get("role"))
	}, func(f *assessment.Facilitator) string { return f.Role })
}

func (s *Server) deactivateForm(c echo.Context) error {
	ctx := c.Request().Context()
	return s.accountChange(c, func(_ url.Values, actor *assessment.Facilitator, id int64) (*assessment.Facilitator, error) {
		return s.svc.Deactivate(ctx, actor, id)
	}, func(*assessment.Facilitator) string { return "deactivated" })
}

func (s *Server) reactivateForm(c echo.Context) error {
	ctx := c.Request().Context()
	return s.accountChange(c, func(_ url.Values, actor *assessment.Facilitator, id int64) (*assessment.Facilitator, error) {
		return s.svc.Reactivate(ctx, actor, id)
	}, func(*assessment.Facilitator) string { return "reactivated" })
}

// The one-time link page.

type accountLinkPageView struct {
	Name, Email, Action string
	Invite              bool
	Fields              map[string]string
	Errors              []errorLink
	// Error stops the form as a whole (the server too busy to hash now).
	Error string
}

// linkFields are the link form's fields in page order.
var linkFields = []string{"password", "password_confirm"}

// accountFromLink finds the account a live link opens; 404 otherwise, a well-formed
// token that opens nothing counting as a failed look-up (throttle.go).
func (s *Server) accountFromLink(c echo.Context) (*assessment.Facilitator, string, error) {
	token := c.Param("token")
	if !assessment.LooksLikeResumeToken(token) {
		return nil, "", errNotFound
	}
	f, purpose, err := s.svc.AccountLinkFor(c.Request().Context(), token)
	if errors.Is(err, assessment.ErrNotFound) {
		if err := s.missedLookup(c, lookupToken); err != nil {
			return nil, "", err
		}
		return nil, "", errNotFound
	}
	return f, purpose, err
}

func (s *Server) accountLinkPage(c echo.Context) error {
	f, purpose, err := s.accountFromLink(c)
	if err != nil {
		return err
	}
	s.rememberLang(c)
	return s.renderLinkPage(c, http.StatusOK, accountLinkPageView{Name: f.Name, Email: f.Email, Invite: purpose == survey.LinkInvite})
}

func (s *Server) renderLinkPage(c echo.Context, status int, v accountLinkPageView) error {
	v.Action = c.Request().URL.Path
	titleKey := "title.account_reset"
	if v.Invite {
		titleKey = "title.account_invite"
	}
	// Whoever opens the link is not signed in as that account (a browser signed in as
	// someone else keeps its menu hidden here: the page is about the link's account).
	lang := s.lang(c, "", "")
	p := s.facilitatorPageData(c, lang, titleKey, v)
	p.User = ""
	p.SwitchURL = v.Action + "?lang=" + otherLang(lang)
	return s.render(c, status, "account_link", p)
}

// useAccountLink sets the password chosen through a link and signs the person in.
func (s *Server) useAccountLink(c echo.Context) error {
	f, purpose, err := s.accountFromLink(c)
	if err != nil {
		return err
	}
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	lang := s.lang(c, "", "")
	v := accountLinkPageView{Name: f.Name, Email: f.Email, Invite: purpose == survey.LinkInvite}
	sess, err := s.svc.UseAccountLink(c.Request().Context(), c.Param("token"),
		survey.NewPassword{Password: form.Get("password"), Confirm: form.Get("password_confirm")}, s.sessionCookie(c))
	var verr *assessment.ValidationError
	switch {
	case errors.As(err, &verr):
		v.Fields = s.passwordMessages(lang, verr)
		v.Errors = errorLinks(v.Fields, "", linkFields)
		return s.renderLinkPage(c, http.StatusUnprocessableEntity, v)
	case errors.Is(err, survey.ErrBusy):
		c.Response().Header().Set("Retry-After", retryAfter(survey.BusyRetry))
		v.Error = s.tmpl.Message(lang, "password.busy")
		return s.renderLinkPage(c, http.StatusServiceUnavailable, v)
	case errors.Is(err, assessment.ErrNotFound):
		return errNotFound // used or expired a moment ago
	case err != nil:
		return err
	}
	s.setSessionCookie(c, sess)
	return c.Redirect(http.StatusSeeOther, "/dashboard")
}

// Handing an assessment over.

type handOverView struct {
	A      *assessment.Assessment
	Email  string
	Fields map[string]string
	Errors []errorLink
	// To is the new owner, once it is done; Kept whether the actor still sees it.
	To   *assessment.Facilitator
	Kept bool
}

func (s *Server) handOverPage(c echo.Context) error {
	a, err := s.svc.AssessmentFor(c.Request().Context(), me(c), pathID(c, "id"), assessment.ManageAccess)
	if err != nil {
		return err
	}
	return s.renderHandOver(c, http.StatusOK, handOverView{A: a.Assessment})
}

func (s *Server) renderHandOver(c echo.Context, status int, v handOverView) error {
	lang := s.lang(c, "", "")
	p := s.roundPageData(c, lang, "title.handover", v.A.Title, v)
	p.SwitchURL = "/assessments/" + strconv.FormatInt(v.A.ID, 10) + "/handover?lang=" + otherLang(lang)
	return s.render(c, status, "handover", p)
}

// handOverForm gives the assessment, every round of its team, to the facilitator named
// by e-mail, and says so on the page (the former owner no longer has the assessment
// page to go back to); a problem with the e-mail is the form again (422).
func (s *Server) handOverForm(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	ctx, actor := c.Request().Context(), me(c)
	a, to, err := s.svc.HandOver(ctx, actor, pathID(c, "id"), form.Get("email"))
	var verr *assessment.ValidationError
	if errors.As(err, &verr) {
		lang := s.lang(c, "", "")
		round, err := s.svc.AssessmentFor(ctx, actor, pathID(c, "id"), assessment.ManageAccess)
		if err != nil {
			return err
		}
		v := handOverView{A: round.Assessment, Email: printable(form.Get("email")), Fields: map[string]string{}}
		switch fe := verr.Fields["email"]; fe.Code {
		case assessment.CodeUnknown:
			v.Fields["email"] = s.tmpl.Message(lang, "handover.email_unknown")
		case survey.CodeAlreadyOwner:
			v.Fields["email"] = s.tmpl.Message(lang, "handover.email_owner")
		default:
			v.Fields["email"] = s.fieldMessage(lang, "email", fe)
		}
		v.Errors = []errorLink{{Target: "handover-email", Message: v.Fields["email"]}}
		return s.renderHandOver(c, http.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	kept := s.svc.AccessTo(ctx, actor, a) >= assessment.ReadAccess
	return s.renderHandOver(c, http.StatusOK, handOverView{A: a, To: to, Kept: kept})
}

// nameOwners names the owner of each of the others' teams an admin's dashboard lists
// (views, laid out from teams in the same order): one read of the accounts, none when
// there are no such teams.
func (s *Server) nameOwners(c echo.Context, teams []survey.TeamRounds, views []teamView) error {
	if len(teams) == 0 {
		return nil
	}
	accounts, err := s.svc.Accounts(c.Request().Context(), me(c))
	if err != nil {
		return adminError(err)
	}
	names := make(map[int64]string, len(accounts))
	for _, f := range accounts {
		names[f.ID] = f.Name
	}
	for i, team := range teams {
		if id := team.Rounds[0].FacilitatorID; id != nil && i < len(views) {
			views[i].Owner = names[*id]
		}
	}
	return nil
}
