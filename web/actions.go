package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/survey"
)

// The action plan the team agrees in its discussion, and reassessment: the next round of
// a closed one, with the open actions carried over. Access follows the round: an action
// of an assessment one may not see answers 404 like one that does not exist.

var (
	errStillOpen         = &httpError{Status: http.StatusConflict, Code: "assessment_open", Key: "still_open"}
	errAlreadyReassessed = &httpError{Status: http.StatusConflict, Code: "already_reassessed", Key: "already_reassessed"}
	// errNoActions: a discussion is marked held only once the team agreed an action.
	errNoActions           = &httpError{Status: http.StatusConflict, Code: "no_actions", Key: "no_actions"}
	actionFields           = []string{"text", "pillar", "theme", "lead", "support", "due", "status"}
	errActionBodyNotObject = malformed("the body must be a JSON object of strings")
)

// ownAction loads the action named by the :action parameter (pages) or :id (API) with
// its round, if that round belongs to the signed-in facilitator. On a page the action
// must also belong to the :id assessment in the path.
func (s *Server) ownAction(c echo.Context, param string) (*survey.OwnedAction, error) {
	oa, err := s.svc.Action(c.Request().Context(), me(c), pathID(c, param))
	if err != nil {
		return nil, err
	}
	if param != "id" && pathID(c, "id") != oa.ID {
		return nil, errNotFound
	}
	return oa, nil
}

// actionJSON is an action in the API. Pillar, theme and due are null when not set.
type actionJSON struct {
	ID                 int64     `json:"id"`
	AssessmentID       int64     `json:"assessment_id"`
	OriginAssessmentID *int64    `json:"origin_assessment_id"`
	CarriedFromID      *int64    `json:"carried_from_id"`
	Text               string    `json:"text"`
	Pillar             *string   `json:"pillar"`
	Theme              *string   `json:"theme"`
	Lead               string    `json:"lead"`
	Support            string    `json:"support"`
	Due                *string   `json:"due"`
	Status             string    `json:"status"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	// Version is the action's version: its ETag is "v" and it, in quotes.
	Version int64 `json:"version"`
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toActionJSON(a *assessment.Action) actionJSON {
	out := actionJSON{
		ID: a.ID, AssessmentID: a.AssessmentID, CarriedFromID: a.CarriedFromID, Text: a.Text,
		Pillar: nonEmpty(a.Pillar), Theme: nonEmpty(a.Theme), Lead: a.Lead, Support: a.Support,
		Due: nonEmpty(a.DueString()), Status: a.Status, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		Version: a.Version,
	}
	if a.OriginAssessmentID != 0 {
		origin := a.OriginAssessmentID
		out.OriginAssessmentID = &origin
	}
	return out
}

// decodeActionBody reads an action body: a JSON object whose members are among
// actionFields, each a string or null (null clears an optional field). A member given
// twice is a field problem (reported with the validation) rather than last-one-wins; an
// unknown member is 400.
func decodeActionBody(body []byte) (assessment.ActionInput, *assessment.ValidationError, error) {
	var in assessment.ActionInput
	verr := &assessment.ValidationError{}
	seen := map[string]bool{}
	targets := map[string]**string{
		"text": &in.Text, "pillar": &in.Pillar, "theme": &in.Theme, "lead": &in.Lead,
		"support": &in.Support, "due": &in.Due, "status": &in.Status,
	}
	err := strictObject(body, errActionBodyNotObject, func(key string, dec *json.Decoder) error {
		target, known := targets[key]
		if !known {
			return malformed("unknown field " + strconv.Quote(key))
		}
		var v *string
		if err := dec.Decode(&v); err != nil {
			return malformed(key + " must be a string or null")
		}
		if seen[key] {
			verr.Add(key, assessment.CodeDuplicate)
			return nil
		}
		seen[key] = true
		if v == nil {
			empty := ""
			v = &empty
		}
		*target = v
		return nil
	})
	if err != nil {
		return in, nil, err
	}
	return in, verr, nil
}

// API

// apiListActions answers GET /api/v1/assessments/{id}/actions: the round's actions in
// the order they were recorded, narrowed by ?status=. Without ?limit= or ?cursor= the
// list is whole, as v1 clients expect; with either it comes in pages, the next one named
// in a Link header.
func (s *Server) apiListActions(c echo.Context) error {
	l := newListQuery(c)
	var f survey.ActionFilter
	if v, ok := l.one("status"); ok {
		if !slices.Contains(assessment.ActionStatuses, v) {
			l.verr.Add("status", assessment.CodeInvalid)
		}
		f.Status = v
	}
	limit, cursor, paged := l.page()
	if err := l.verr.OrNil(); err != nil {
		return err
	}
	f.After = cursor
	if paged {
		f.Limit = limit + 1 // one more than asked: is there a next page?
	}
	list, err := s.svc.ActionsWhere(c.Request().Context(), me(c), pathID(c, "id"), f)
	if err != nil {
		return err
	}
	if paged && len(list) > limit {
		list = list[:limit]
		nextPage(c, limit, list[len(list)-1].ID)
	}
	out := make([]actionJSON, len(list))
	for i := range list {
		out[i] = toActionJSON(&list[i])
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiCreateAction(c echo.Context) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	body, err := readJSON(c)
	if err != nil {
		return err
	}
	in, problems, err := decodeActionBody(body)
	if err != nil {
		return err
	}
	return s.sendOnce(c, body, func() (*survey.Reply, error) {
		act, err := s.svc.RecordAction(c.Request().Context(), me(c), a.ID, in, problems)
		if err != nil {
			return nil, err
		}
		reply, err := jsonReply(http.StatusCreated, "/api/v1/actions/"+strconv.FormatInt(act.ID, 10), toActionJSON(act))
		if reply != nil {
			reply.ETag = actionETag(act)
		}
		return reply, err
	})
}

// apiGetAction answers GET /api/v1/actions/{id}: one action, with its ETag for a
// change's If-Match.
func (s *Server) apiGetAction(c echo.Context) error {
	oa, err := s.ownAction(c, "id")
	if err != nil {
		return err
	}
	c.Response().Header().Set(headerETag, actionETag(oa.Action))
	return c.JSON(http.StatusOK, toActionJSON(oa.Action))
}

func (s *Server) apiUpdateAction(c echo.Context) error {
	oa, err := s.ownAction(c, "id")
	if err != nil {
		return err
	}
	body, err := readJSON(c)
	if err != nil {
		return err
	}
	in, problems, err := decodeActionBody(body)
	if err != nil {
		return err
	}
	ifVersion, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	oa, err = s.svc.UpdateActionIf(c.Request().Context(), me(c), oa.Action.ID, in, problems, ifVersion)
	if err != nil {
		return err
	}
	c.Response().Header().Set(headerETag, actionETag(oa.Action))
	return c.JSON(http.StatusOK, toActionJSON(oa.Action))
}

// actionETag is an action's entity tag: its version, which every change moves on.
func actionETag(a *assessment.Action) string { return versionETag(a.Version) }

// headerETag names the ETag header (echo has no constant for it).
const headerETag = "ETag"

// versionETag is the entity tag of a record at version v (a strong one, "v<n>"): an
// action, a response or an assessment, whose every change moves the version on. If-Match
// names it (ifMatchVersion).
func versionETag(v int64) string { return `"v` + strconv.FormatInt(v, 10) + `"` }

// ifMatchVersion reads If-Match: the version a change requires (0 without the header,
// or with "*"). A tag that is no version of ours (a weak one, another form, several)
// can match nothing: the change is refused (412) before anything is done.
func ifMatchVersion(c echo.Context) (int64, error) {
	v := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if v == "" || v == "*" {
		return 0, nil
	}
	if !strings.HasPrefix(v, `"v`) || !strings.HasSuffix(v, `"`) {
		return 0, assessment.ErrStale
	}
	n, err := strconv.ParseInt(v[2:len(v)-1], 10, 64)
	if err != nil || n < 1 {
		return 0, assessment.ErrStale
	}
	return n, nil
}

func (s *Server) apiDeleteAction(c echo.Context) error {
	ifVersion, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	if _, err := s.svc.DeleteAction(c.Request().Context(), me(c), pathID(c, "id"), ifVersion); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiReassess(c echo.Context) error {
	ifVersion, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	return s.sendOnce(c, nil, func() (*survey.Reply, error) {
		next, err := s.svc.Reassess(c.Request().Context(), me(c), pathID(c, "id"), ifVersion)
		if err != nil {
			return nil, err
		}
		return s.createdAssessment(c, next)
	})
}

// Pages

// actionFromForm reads the action form. Every field is sent by the form, so a missing
// one is empty; a field sent twice is an error.
func actionFromForm(form url.Values) (assessment.ActionInput, *assessment.ValidationError) {
	verr := &assessment.ValidationError{}
	var in assessment.ActionInput
	targets := []**string{&in.Text, &in.Pillar, &in.Theme, &in.Lead, &in.Support, &in.Due, &in.Status}
	for i, name := range actionFields {
		vs := form[name]
		if len(vs) > 1 {
			verr.Add(name, assessment.CodeDuplicate)
		}
		v := ""
		if len(vs) > 0 {
			v = vs[0]
		}
		*targets[i] = &v
	}
	return in, verr
}

func actionsAnchor(a *assessment.Assessment, notice string) string {
	u := "/assessments/" + strconv.FormatInt(a.ID, 10)
	if notice != "" {
		u += "?done=" + notice
	}
	return u + "#actions"
}

func (s *Server) createActionForm(c echo.Context) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	in, problems := actionFromForm(form)
	_, err = s.svc.RecordAction(c.Request().Context(), me(c), a.ID, in, problems)
	var verr *assessment.ValidationError
	switch {
	case errors.As(err, &verr):
		return s.renderAssessmentPage(c, a, http.StatusUnprocessableEntity, func(v *assessmentView) { v.NewAction = s.actionFormView(c, a, form, verr, "") })
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, actionsAnchor(a.Assessment, "action_added"))
}

func (s *Server) editActionPage(c echo.Context) error {
	oa, err := s.svc.ActionToChange(c.Request().Context(), me(c), pathID(c, "action"))
	if err != nil {
		return err
	}
	if pathID(c, "id") != oa.ID {
		return errNotFound
	}
	act := oa.Action
	form := url.Values{"text": {act.Text}, "pillar": {act.Pillar}, "theme": {act.Theme}, "lead": {act.Lead},
		"support": {act.Support}, "due": {act.DueString()}, "status": {act.Status}}
	return s.renderEditAction(c, http.StatusOK, oa.Round, s.actionFormView(c, oa.Round, form, nil, actionPath(oa.Assessment, act)))
}

func actionPath(a *assessment.Assessment, act *assessment.Action) string {
	return "/assessments/" + strconv.FormatInt(a.ID, 10) + "/actions/" + strconv.FormatInt(act.ID, 10)
}

func (s *Server) renderEditAction(c echo.Context, status int, a *survey.Round, v actionFormView) error {
	lang := s.lang(c, "", "")
	p := s.roundPageData(c, lang, "title.action_edit", a.Title, editActionView{A: a.Assessment, Form: v})
	return s.render(c, status, "action_edit", p)
}

type editActionView struct {
	A    *assessment.Assessment
	Form actionFormView
}

func (s *Server) updateActionForm(c echo.Context) error {
	oa, err := s.ownAction(c, "action")
	if err != nil {
		return err
	}
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	in, problems := actionFromForm(form)
	_, err = s.svc.UpdateAction(c.Request().Context(), me(c), oa.Action.ID, in, problems)
	var verr *assessment.ValidationError
	switch {
	case errors.As(err, &verr):
		return s.renderEditAction(c, http.StatusUnprocessableEntity, oa.Round, s.actionFormView(c, oa.Round, form, verr, actionPath(oa.Assessment, oa.Action)))
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, actionsAnchor(oa.Assessment, "action_saved"))
}

func (s *Server) deleteActionForm(c echo.Context) error {
	oa, err := s.ownAction(c, "action")
	if err != nil {
		return err
	}
	if _, err := parseForm(c); err != nil {
		return err
	}
	if _, err := s.svc.DeleteAction(c.Request().Context(), me(c), oa.Action.ID, 0); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, actionsAnchor(oa.Assessment, "action_deleted"))
}

func (s *Server) reassessForm(c echo.Context) error {
	if _, err := parseForm(c); err != nil {
		return err
	}
	next, err := s.svc.Reassess(c.Request().Context(), me(c), pathID(c, "id"), 0)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/assessments/"+strconv.FormatInt(next.ID, 10)+"?done=reassessed")
}

// markDiscussed records that the team discussion was held. It asks for at least one
// action first: the page comes back with the message next to the action form.
// apiMarkDiscussed answers POST /api/v1/assessments/{id}/discussed: the team's
// discussion is recorded as held, by the rule of the page's button (at least one action
// agreed: 409 no_actions otherwise). Marking it again keeps the first time. It answers
// the assessment.
func (s *Server) apiMarkDiscussed(c echo.Context) error {
	ifVersion, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	a, err := s.svc.MarkDiscussed(c.Request().Context(), me(c), pathID(c, "id"), ifVersion)
	if errors.Is(err, assessment.ErrNoActions) {
		return errNoActions
	}
	if err != nil {
		return err
	}
	return s.replyAssessment(c, http.StatusOK, a)
}

func (s *Server) markDiscussed(c echo.Context) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	if _, err := parseForm(c); err != nil {
		return err
	}
	_, err = s.svc.MarkDiscussed(c.Request().Context(), me(c), a.ID, 0)
	switch {
	case errors.Is(err, assessment.ErrNoActions):
		return s.renderAssessmentPage(c, a, http.StatusUnprocessableEntity, func(v *assessmentView) { v.NeedAction = true })
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, actionsAnchor(a.Assessment, "discussed"))
}
