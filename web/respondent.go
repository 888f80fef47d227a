package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/survey"
	"github.com/ecat-project/ecat/templates"
)

// The respondent's journey: home → join page (pillar and language) → checklist form →
// saved draft (resume link) or thank-you page. Every step works without JavaScript.

func (s *Server) home(c echo.Context) error {
	s.rememberLang(c)
	lang := s.lang(c, "", "")
	return s.renderHome(c, http.StatusOK, lang, homeView{})
}

func (s *Server) renderHome(c echo.Context, status int, lang string, v homeView) error {
	return s.render(c, status, "home", &templates.Page{
		Lang: lang, Title: s.tmpl.Message(lang, "title.home"), SwitchURL: switchURL(c, lang), Body: v,
	})
}

// joinByCode takes the code typed on the home page to the assessment's join page.
func (s *Server) joinByCode(c echo.Context) error {
	s.rememberLang(c)
	lang := s.lang(c, "", "")
	typed := printable(c.QueryParam("code"))
	if _, ok := assessment.NormalizeJoinCode(typed); !ok {
		return s.renderHome(c, http.StatusUnprocessableEntity, lang, homeView{Code: typed, Error: s.tmpl.Message(lang, "home.code_invalid")})
	}
	a, err := s.roundForCode(c, typed)
	if errors.Is(err, errCodeUnknown) {
		return s.renderHome(c, http.StatusNotFound, lang, homeView{Code: typed, Error: s.tmpl.Message(lang, "home.code_unknown")})
	}
	if err != nil {
		return err
	}
	target := "/j/" + a.Code
	if l, ok := locale.Parse(c.QueryParam("lang")); ok {
		target += "?lang=" + string(l)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// roundByCode finds the assessment of the :code in the path, open or not.
func (s *Server) roundByCode(c echo.Context) (*survey.Round, error) {
	return s.roundForCode(c, c.Param("code"))
}

// roundForCode finds the assessment of a join code as typed or followed, open or not.
// A code that cannot be one is refused without a query; a well-formed code that matches
// nothing counts against the client's allowance of failed look-ups (throttle.go).
func (s *Server) roundForCode(c echo.Context, typed string) (*survey.Round, error) {
	if _, ok := assessment.NormalizeJoinCode(typed); !ok {
		return nil, errCodeUnknown
	}
	round, err := s.svc.RoundByCode(c.Request().Context(), typed)
	if errors.Is(err, assessment.ErrNotFound) {
		if err := s.missedLookup(c, lookupCode); err != nil {
			return nil, err
		}
		return nil, errCodeUnknown
	}
	return round, err
}

func (s *Server) joinPage(c echo.Context) error {
	a, err := s.roundByCode(c)
	if err != nil {
		return err
	}
	if !a.IsOpen() {
		// A closed round's link leads to what the team said, once it is published.
		sum, err := s.svc.RoundSummary(c.Request().Context(), a)
		if err != nil {
			return err
		}
		if sum != nil {
			return c.Redirect(http.StatusSeeOther, summaryPath(sum.Token))
		}
		return errClosed
	}
	s.rememberLang(c)
	lang := s.lang(c, "", a.Language)
	return s.renderJoin(c, http.StatusOK, lang, a, "", "")
}

func (s *Server) renderJoin(c echo.Context, status int, lang string, a *survey.Round, checked, errMsg string) error {
	in := a.Instrument
	noStoreHeader(c)
	closesAt := ""
	if a.ClosesAt != nil {
		closesAt = s.momentText(lang, *a.ClosesAt)
	}
	return s.render(c, status, "join", &templates.Page{
		Lang: lang, Title: s.tmpl.Message(lang, "title.join") + " · " + a.Title, SwitchURL: switchURL(c, lang),
		Body: joinView{
			Title: a.Title, Team: a.Team, Threshold: a.Threshold, LowThreshold: a.LowThreshold(), Lang: lang,
			ClosesAt: closesAt,
			Action:   "/j/" + a.Code + "/form",
			Print:    "/j/" + a.Code + "/print",
			Pillars:  s.pillarViews(locale.Lang(lang), in, checked),
			Error:    errMsg,
		},
	})
}

// blankChecklist resolves what the empty checklist of a pillar needs: the open round
// of the join code, the page's language and the chosen pillar, with a blank response of
// it. Without a pillar it answers itself, with the join page asking for one (page
// false).
func (s *Server) blankChecklist(c echo.Context) (a *survey.Round, lang string, p *pillars.Pillar, blank *assessment.Response, page bool, err error) {
	a, err = s.roundByCode(c)
	if err != nil {
		return nil, "", nil, nil, false, err
	}
	if !a.IsOpen() {
		return nil, "", nil, nil, false, errClosed
	}
	s.rememberLang(c)
	lang = s.lang(c, "", a.Language)
	p = a.Instrument.Pillar(c.QueryParam("pillar"))
	if p == nil {
		return nil, "", nil, nil, false, s.renderJoin(c, http.StatusUnprocessableEntity, lang, a, "", s.tmpl.Message(lang, "join.pillar_required"))
	}
	return a, lang, p, &assessment.Response{Pillar: p.Key, Language: lang, Status: assessment.Draft}, true, nil
}

// newResponseForm shows the empty checklist of the chosen pillar.
func (s *Server) newResponseForm(c echo.Context) error {
	a, lang, p, blank, page, err := s.blankChecklist(c)
	if !page {
		return err
	}
	return s.renderForm(c, http.StatusOK, lang, a, p, blank, nil, "/j/"+a.Code+"/form", "", "")
}

// printPage shows one pillar's blank checklist laid out for paper (A4 and Letter): every
// statement with a box per answer, room for the reflections, the strength and the
// opportunity, and a reminder not to write one's name. For team members without a device
// or who prefer paper; the facilitator enters what comes back.
func (s *Server) printPage(c echo.Context) error {
	a, lang, p, blank, page, err := s.blankChecklist(c)
	if !page {
		return err
	}
	v := printView{formView: s.buildForm(lang, a.Assessment, a.Instrument, p, blank, nil)}
	for _, ans := range assessment.Answers {
		v.Answers = append(v.Answers, s.respondentAnswer(lang, ans))
	}
	return s.render(c, http.StatusOK, "print", &templates.Page{
		Lang: lang, Title: s.tmpl.Message(lang, "print.title") + " · " + v.Pillar.Title + " · " + a.Title, SwitchURL: switchURL(c, lang), Body: v,
	})
}

// respondentAnswer is an answer's label as a respondent reads it (the form, the printable
// checklist, the read-only view): "I don't know" for unknown, plainer than the "Unknown"
// the facilitator's report keeps. The stored value does not change.
func (s *Server) respondentAnswer(lang string, ans assessment.Answer) string {
	if ans == assessment.Unknown {
		return s.tmpl.Message(lang, "answer.unknown_respondent")
	}
	return s.tmpl.Message(lang, "answer."+string(ans))
}

func (s *Server) renderForm(c echo.Context, status int, lang string, a *survey.Round, p *pillars.Pillar, r *assessment.Response, verr *assessment.ValidationError, action, notice, resumeURL string) error {
	noStoreHeader(c)
	v := s.buildForm(lang, a.Assessment, a.Instrument, p, r, verr)
	v.Action, v.Notice, v.ResumeURL = action, notice, resumeURL
	return s.render(c, status, "form", &templates.Page{
		Lang: lang, Title: v.Pillar.Title + " · " + a.Title, SwitchURL: switchURL(c, lang), SwitchForm: "response-form", Script: true, Body: v,
	})
}

// createResponseForm stores a new response from the form at the join link.
func (s *Server) createResponseForm(c echo.Context) error {
	a, err := s.roundByCode(c)
	if err != nil {
		return err
	}
	return s.saveResponseForm(c, a, nil, "")
}

// updateResponseForm changes a stored response from the form at its resume link.
func (s *Server) updateResponseForm(c echo.Context) error {
	token := c.Param("token")
	res, err := s.resumed(c, token)
	if err != nil {
		return err
	}
	return s.saveResponseForm(c, res.Round, res.Response, token)
}

// saveResponseForm saves the respondent form through survey.SaveResponse, the same use
// case as the JSON API: a new response when stored is nil, else a change to stored. The
// form's action makes it a draft save ("save", "autosave") or a submission ("submit").
// Invalid input is shown back with every error, and nothing is stored. A draft save that
// reaches a response submitted in the meantime (an autosave in flight, another tab)
// changes nothing: the form comes back, with what was typed, ready to update the
// submitted response.
func (s *Server) saveResponseForm(c echo.Context, a *survey.Round, stored *assessment.Response, token string) error {
	if !a.IsOpen() {
		return errClosed
	}
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	r, action, problems := responseFromForm(form)
	lang := s.formLang(c, r, a)
	p := a.Instrument.Pillar(r.Pillar)
	if p == nil {
		return malformed("unknown pillar")
	}
	formAction := "/j/" + a.Code + "/form"
	if stored != nil {
		formAction = "/r/" + token
	}
	if action == actionSwitch {
		// The same form in the other language, with everything typed so far; nothing
		// is stored (the person saves or submits as before, from the new page).
		other := string(locale.Lang(lang).Other())
		r.Language = other
		if stored != nil {
			r.Status = stored.Status
		}
		c.SetCookie(s.langCookie(other))
		return s.renderForm(c, http.StatusOK, other, a, p, r, nil, formAction, "", "")
	}
	// The autosave sends the version its page was at (If-Match): it never overwrites a
	// change made in another window. Saving or submitting by hand sends none: the
	// person's own press keeps what is on their screen.
	var ifVersion int64
	if action == actionAutosave {
		if ifVersion, err = ifMatchVersion(c); err != nil {
			return s.autosaveStale(c, lang)
		}
	}
	saved, err := s.svc.SaveResponse(c.Request().Context(), survey.ResponseSave{
		Round: a, Stored: stored, Response: r, Submit: action == actionSubmit, Problems: problems,
		Client: clientNetwork(c.RealIP()), Writer: s.writerKey(c), Token: token, IfVersion: ifVersion,
	})
	var verr *assessment.ValidationError
	switch {
	case errors.As(err, &verr):
		if stored != nil {
			r.Status = stored.Status
		}
		return s.formRejected(c, lang, a, p, r, verr, action, formAction)
	case errors.Is(err, assessment.ErrStale) && action == actionAutosave:
		return s.autosaveStale(c, lang)
	case errors.Is(err, assessment.ErrAlreadySubmitted):
		if action == actionAutosave {
			s.writeAPIError(c, http.StatusConflict, errAlreadySubmitted.Code, s.tmpl.Message(lang, "error.already_submitted.message"), nil)
			return nil
		}
		r.Status = assessment.Submitted
		return s.renderForm(c, http.StatusConflict, lang, a, p, r, nil, formAction, "already_submitted", "")
	case err != nil:
		return err
	}
	if saved.FirstSubmission {
		s.metrics.responseSubmitted()
	}
	if saved.Token != "" {
		token = saved.Token // a new response, or one this browser took over
	}
	return s.formSaved(c, lang, action, token, saved.Version)
}

// autosaveStale answers an autosave made against a version of the response that is no
// longer the stored one (changed in another window): 412, and nothing stored. form.js
// then stops saving on its own and says why.
func (s *Server) autosaveStale(c echo.Context, lang string) error {
	s.writeAPIError(c, http.StatusPreconditionFailed, "precondition_failed", s.tmpl.Message(lang, "form.autosave_stale"), nil)
	return nil
}

// formLang is the language of the form being saved: its own lang field when valid.
func (s *Server) formLang(c echo.Context, r *assessment.Response, a *survey.Round) string {
	if l, ok := locale.ParseCode(r.Language); ok {
		return string(l)
	}
	lang := s.lang(c, "", a.Language)
	if r.Language == "" {
		r.Language = lang
	}
	return lang
}

func (s *Server) formRejected(c echo.Context, lang string, a *survey.Round, p *pillars.Pillar, r *assessment.Response, verr *assessment.ValidationError, action, formAction string) error {
	if action == actionAutosave {
		// form.js reads the reply as JSON: answer 422 with the API's error body, not
		// the HTML error page the error handler gives non-API paths.
		s.writeAPIError(c, http.StatusUnprocessableEntity, "validation_failed", s.tmpl.Message(lang, "errors.title"), s.fieldErrors(lang, verr))
		return nil
	}
	return s.renderForm(c, http.StatusUnprocessableEntity, lang, a, p, r, verr, formAction, "", "")
}

type autosaveReply struct {
	ActionURL  string `json:"action_url"`
	ResumePath string `json:"resume_path"`
	ResumeURL  string `json:"resume_url"`
	Message    string `json:"message"`
	// ETag is the response's version now, for the next autosave's If-Match.
	ETag string `json:"etag"`
}

func (s *Server) formSaved(c echo.Context, lang, action, token string, version int64) error {
	resumePath := "/r/" + token
	switch action {
	case actionAutosave:
		noStoreHeader(c)
		etag := versionETag(version)
		c.Response().Header().Set(headerETag, etag)
		return c.JSON(http.StatusOK, autosaveReply{
			ActionURL: resumePath, ResumePath: resumePath, ResumeURL: s.baseURL(c) + resumePath,
			Message: s.tmpl.Message(lang, "form.autosave_saved"), ETag: etag,
		})
	case actionSubmit:
		return c.Redirect(http.StatusSeeOther, resumePath+"/thanks?lang="+lang)
	}
	return c.Redirect(http.StatusSeeOther, resumePath+"?saved=1&lang="+lang)
}

// resumePage shows a stored response: the form while the assessment is open, a
// read-only copy once it is closed.
func (s *Server) resumePage(c echo.Context) error {
	token := c.Param("token")
	res, err := s.resumed(c, token)
	if err != nil {
		return err
	}
	r, a := res.Response, res.Round
	s.rememberLang(c)
	lang := s.lang(c, "", r.Language)
	p := a.Instrument.Pillar(r.Pillar)
	if p == nil {
		return fmt.Errorf("response %d has unknown pillar %q", r.ID, r.Pillar)
	}
	if survey.HoldsAnswers(r) && !survey.WrittenBy(r, s.writerCookie(c), token) {
		// Written from another browser (or by a script): say so before showing anything.
		noStoreHeader(c)
		return s.render(c, http.StatusOK, "claim", &templates.Page{
			Lang: lang, Title: s.tmpl.Message(lang, "title.claim"), SwitchURL: switchURL(c, lang),
			Body: claimView{Action: "/r/" + token + "/claim", JoinURL: "/j/" + a.Code + "?lang=" + lang, Open: a.IsOpen()},
		})
	}
	if !a.IsOpen() || r.ReleasedAt != nil {
		noStoreHeader(c)
		v := s.buildForm(lang, a.Assessment, a.Instrument, p, r, nil)
		return s.render(c, http.StatusOK, "view", &templates.Page{
			Lang: lang, Title: s.tmpl.Message(lang, "title.view"), SwitchURL: switchURL(c, lang), Body: v,
		})
	}
	notice := ""
	if c.QueryParam("saved") != "" && r.Status == assessment.Draft {
		notice = "saved"
	}
	return s.renderForm(c, http.StatusOK, lang, a, p, r, nil, "/r/"+token, notice, s.baseURL(c)+"/r/"+token)
}

func (s *Server) thanksPage(c echo.Context) error {
	token := c.Param("token")
	res, err := s.resumed(c, token)
	if err != nil {
		return err
	}
	if res.Response.Status != assessment.Submitted {
		return c.Redirect(http.StatusSeeOther, "/r/"+token)
	}
	s.rememberLang(c)
	lang := s.lang(c, "", res.Response.Language)
	noStoreHeader(c)
	v := thanksView{Threshold: res.Threshold, LowThreshold: res.LowThreshold(), Open: res.IsOpen() && res.Response.ReleasedAt == nil,
		ResumeURL: s.baseURL(c) + "/r/" + token}
	if !res.IsOpen() {
		sum, err := s.svc.RoundSummary(c.Request().Context(), res.Round)
		if err != nil {
			return err
		}
		if sum != nil {
			v.SummaryURL = summaryPath(sum.Token)
		}
	}
	return s.render(c, http.StatusOK, "thanks", &templates.Page{
		Lang: lang, Title: s.tmpl.Message(lang, "title.thanks"), SwitchURL: switchURL(c, lang), Body: v,
	})
}

// resumed loads the response behind a resume token with its round. A token that cannot
// be one of ours is refused without a database query; a well-formed one that matches
// nothing counts as a failed look-up (throttle.go).
func (s *Server) resumed(c echo.Context, token string) (*survey.Resumed, error) {
	if !assessment.LooksLikeResumeToken(token) {
		return nil, errTokenUnknown
	}
	res, err := s.svc.Resume(c.Request().Context(), token)
	if errors.Is(err, assessment.ErrNotFound) {
		if err := s.missedLookup(c, lookupToken); err != nil {
			return nil, err
		}
		return nil, errTokenUnknown
	}
	return res, err
}

func noStoreHeader(c echo.Context) {
	c.Response().Header().Set("Cache-Control", "no-store")
}

// resumeLink is the full personal link of a token, for the API.
func (s *Server) resumeLink(c echo.Context, token string) string {
	return s.baseURL(c) + "/r/" + url.PathEscape(token)
}

// claimView is the page shown at a link whose answers another browser wrote.
type claimView struct {
	Action, JoinURL string
	Open            bool
}

// claimResponse makes this browser the writer of the response behind the link, which
// gets a new token (the old link stops working), then shows it.
func (s *Server) claimResponse(c echo.Context) error {
	token := c.Param("token")
	if _, err := s.resumed(c, token); err != nil {
		return err
	}
	if _, err := parseForm(c); err != nil {
		return err
	}
	newToken, err := s.svc.Claim(c.Request().Context(), token, s.writerKey(c))
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/r/"+newToken)
}

const writerCookieName = "ecat_writer"

// writerCookie is this browser's writer key, or "" (see survey.WrittenBy).
func (s *Server) writerCookie(c echo.Context) string {
	if ck, err := c.Cookie(s.cookieName(writerCookieName)); err == nil && len(ck.Value) == 64 {
		return ck.Value
	}
	return ""
}

// writerKey is this browser's writer key, made (and set in an HttpOnly cookie) when it
// has none yet. It names no one: it only tells this browser's saves from another's.
func (s *Server) writerKey(c echo.Context) string {
	if key := s.writerCookie(c); key != "" {
		return key
	}
	key := newToken(32)
	c.SetCookie(&http.Cookie{Name: s.cookieName(writerCookieName), Value: key, Path: "/", MaxAge: 180 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.https()})
	// Later reads in this request see it too.
	c.Request().AddCookie(&http.Cookie{Name: s.cookieName(writerCookieName), Value: key})
	return key
}
