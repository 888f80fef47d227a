package web

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
)

// The facilitator's workspace: dashboard, creating an assessment, its page with the
// join link, code, QR code and live completion, the printable invitation, closing,
// reopening and deleting. A facilitator only ever sees their own assessments: anyone
// else's id answers 404, exactly like an id that does not exist.

// ownAssessment loads the :id assessment if it belongs to the signed-in facilitator.
func (s *Server) ownAssessment(c echo.Context) (*assessment.Assessment, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, errNotFound
	}
	a, err := s.store.Assessment(c.Request().Context(), id)
	if errors.Is(err, assessment.ErrNotFound) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	if f := me(c); f == nil || a.FacilitatorID == nil || *a.FacilitatorID != f.ID {
		return nil, errNotFound
	}
	return a, nil
}

// pillarCount is one pillar's completion.
type pillarCount struct {
	Key       string `json:"-"`
	Title     string `json:"-"`
	Submitted int    `json:"submitted"`
	Drafts    int    `json:"drafts"`
	// Shown is whether the group reaches the anonymity threshold (its results can be shown).
	Shown bool `json:"-"`
}

type assessmentSummary struct {
	A          *assessment.Assessment
	Code       string // formatted for reading
	JoinURL    string
	Pillars    []pillarCount
	Submitted  int
	Drafts     int
	CreatedAt  string
	StatusText string
}

func (s *Server) summarize(c echo.Context, lang string, a *assessment.Assessment) (assessmentSummary, error) {
	counts, err := s.store.ResponseCounts(c.Request().Context(), a.ID)
	if err != nil {
		return assessmentSummary{}, err
	}
	in, err := s.instrument(a)
	if err != nil {
		return assessmentSummary{}, err
	}
	sum := assessmentSummary{
		A: a, Code: assessment.FormatJoinCode(a.Code), JoinURL: s.baseURL(c) + "/j/" + a.Code,
		CreatedAt:  a.CreatedAt.Format("2006-01-02"),
		StatusText: s.tmpl.Message(lang, "status."+string(a.Status)),
	}
	for _, p := range in.Pillars {
		n := counts[p.Key]
		sum.Pillars = append(sum.Pillars, pillarCount{
			Key: p.Key, Title: p.Title.In(pillars.Lang(lang)), Submitted: n.Submitted, Drafts: n.Drafts,
			Shown: n.Submitted >= a.Threshold,
		})
		sum.Submitted += n.Submitted
		sum.Drafts += n.Drafts
	}
	return sum, nil
}

type dashboardView struct {
	Assessments []assessmentSummary
}

func (s *Server) dashboard(c echo.Context) error {
	lang := s.lang(c, "", "")
	list, err := s.store.AssessmentsOf(c.Request().Context(), me(c).ID)
	if err != nil {
		return err
	}
	var v dashboardView
	for i := range list {
		sum, err := s.summarize(c, lang, &list[i])
		if err != nil {
			return err
		}
		v.Assessments = append(v.Assessments, sum)
	}
	return s.facilitatorPage(c, http.StatusOK, "dashboard", "title.dashboard", v)
}

type newAssessmentView struct {
	Title, Team, Language string
	Threshold             string
	NeedConfirm           bool
	Fields                map[string]string
	Errors                []errorLink
}

func (s *Server) newAssessmentPage(c echo.Context) error {
	lang := s.lang(c, "", "")
	return s.facilitatorPage(c, http.StatusOK, "assessment_new", "title.assessment_new",
		newAssessmentView{Language: lang, Threshold: strconv.Itoa(assessment.DefaultThreshold)})
}

func (s *Server) createAssessment(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	lang := s.lang(c, "", "")
	threshold, convErr := strconv.Atoi(strings.TrimSpace(form.Get("threshold")))
	if convErr != nil {
		threshold = 0 // reported as out of range
	}
	dup := &assessment.ValidationError{}
	for _, field := range []string{"title", "team", "language", "threshold"} {
		if len(form[field]) > 1 {
			dup.Add(field, assessment.CodeDuplicate)
		}
	}
	a, err := assessment.NewAssessment(form.Get("title"), form.Get("team"), form.Get("language"), threshold,
		form.Get("confirm_low_threshold") == "yes", s.catalog.Current().Version)
	if err = mergeValidation(dup, err); err != nil {
		var verr *assessment.ValidationError
		if !errors.As(err, &verr) {
			return err
		}
		v := newAssessmentView{
			Title: printable(form.Get("title")), Team: printable(form.Get("team")), Language: form.Get("language"),
			Threshold: printable(form.Get("threshold")), Fields: s.fieldMessages(lang, verr),
			NeedConfirm: verr.Fields["threshold"].Code == assessment.CodeConfirm,
		}
		for _, field := range []string{"title", "team", "language", "threshold"} {
			if msg, ok := v.Fields[field]; ok {
				target := field
				if v.NeedConfirm && field == "threshold" {
					target = "confirm_low_threshold" // what there is to fix is the box to tick
				}
				v.Errors = append(v.Errors, errorLink{Target: target, Message: msg})
			}
		}
		return s.facilitatorPage(c, http.StatusUnprocessableEntity, "assessment_new", "title.assessment_new", v)
	}
	owner := me(c).ID
	a.FacilitatorID = &owner
	if err := s.store.CreateAssessment(c.Request().Context(), a); err != nil {
		return err
	}
	s.audit(c, owner, assessment.AuditCreate, &a.ID, a.Title)
	return c.Redirect(http.StatusSeeOther, "/assessments/"+strconv.FormatInt(a.ID, 10))
}

type assessmentView struct {
	assessmentSummary
	planView
	QR         template.HTML
	Open       bool
	Notice     string
	Completion string // URL of the completion JSON, for the live refresh
}

func (s *Server) assessmentPage(c echo.Context) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	return s.renderAssessmentPage(c, a, http.StatusOK, nil)
}

func (s *Server) invitationPage(c echo.Context) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	lang := s.lang(c, "", a.Language)
	sum, err := s.summarize(c, lang, a)
	if err != nil {
		return err
	}
	qr, err := qrSVG(sum.JoinURL, s.tmpl.Message(lang, "assessment.qr_label"))
	if err != nil {
		return err
	}
	p := s.facilitatorPageData(c, lang, "title.invitation", assessmentView{assessmentSummary: sum, QR: qr, Open: a.IsOpen()})
	p.Title = a.Title + " · " + p.Title
	return s.render(c, http.StatusOK, "invitation", p)
}

// completion answers the live refresh of the assessment page.
func (s *Server) completion(c echo.Context) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	counts, err := s.responseCountsJSON(c, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"status": a.Status, "responses": counts})
}

// countsJSON is one pillar's completion in the API: {"submitted": n, "drafts": n}.
type countsJSON struct {
	Submitted int `json:"submitted"`
	Drafts    int `json:"drafts"`
}

// responseCountsJSON gives every pillar's counts, zero ones included.
func (s *Server) responseCountsJSON(c echo.Context, a *assessment.Assessment) (map[string]countsJSON, error) {
	counts, err := s.store.ResponseCounts(c.Request().Context(), a.ID)
	if err != nil {
		return nil, err
	}
	out := map[string]countsJSON{}
	for _, key := range []string{pillars.Leadership, pillars.Staff, pillars.PatientPartners} {
		out[key] = countsJSON{Submitted: counts[key].Submitted, Drafts: counts[key].Drafts}
	}
	return out, nil
}

func (s *Server) closeAssessment(c echo.Context) error {
	return s.setStatus(c, assessment.Closed, assessment.AuditClose)
}

func (s *Server) reopenAssessment(c echo.Context) error {
	return s.setStatus(c, assessment.Open, assessment.AuditReopen)
}

func (s *Server) setStatus(c echo.Context, status assessment.Status, action string) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	if _, err := s.store.SetAssessmentStatus(c.Request().Context(), a.ID, status); err != nil {
		return err
	}
	s.audit(c, me(c).ID, action, &a.ID, a.Title)
	return c.Redirect(http.StatusSeeOther, "/assessments/"+strconv.FormatInt(a.ID, 10)+"?done="+string(status))
}

func (s *Server) confirmDeletePage(c echo.Context) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	lang := s.lang(c, "", "")
	sum, err := s.summarize(c, lang, a)
	if err != nil {
		return err
	}
	return s.facilitatorPage(c, http.StatusOK, "assessment_delete", "title.assessment_delete", sum)
}

// deleteAssessment removes an assessment and every response to it. The form repeats the
// team name as a confirmation, so a slip of the finger cannot delete a round.
func (s *Server) deleteAssessment(c echo.Context) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	if form.Get("confirm") != "yes" {
		return c.Redirect(http.StatusSeeOther, "/assessments/"+strconv.FormatInt(a.ID, 10)+"/delete")
	}
	if err := s.store.DeleteAssessment(c.Request().Context(), a.ID); err != nil {
		return err
	}
	s.audit(c, me(c).ID, assessment.AuditDelete, nil, a.Title+" ("+a.Team+")")
	return c.Redirect(http.StatusSeeOther, "/dashboard?deleted=1")
}

// Tokens and activity.

type tokensView struct {
	Tokens   []tokenRow
	NewToken string
	Error    string
}

type tokenRow struct {
	ID                int64
	Label             string
	Created, LastUsed string
	Revoked           bool
}

func (s *Server) tokensPage(c echo.Context) error {
	return s.renderTokens(c, http.StatusOK, "", "")
}

func (s *Server) renderTokens(c echo.Context, status int, newToken, errMsg string) error {
	list, err := s.store.APITokens(c.Request().Context(), me(c).ID)
	if err != nil {
		return err
	}
	v := tokensView{NewToken: newToken, Error: errMsg}
	for _, t := range list {
		row := tokenRow{ID: t.ID, Label: t.Label, Created: t.CreatedAt.Format("2006-01-02 15:04"), Revoked: t.RevokedAt != nil}
		if t.LastUsedAt != nil {
			row.LastUsed = t.LastUsedAt.Format("2006-01-02 15:04")
		}
		v.Tokens = append(v.Tokens, row)
	}
	return s.facilitatorPage(c, status, "tokens", "title.tokens", v)
}

func (s *Server) createToken(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	label, err := assessment.CheckTokenLabel(form.Get("label"))
	if err != nil {
		var verr *assessment.ValidationError
		errors.As(err, &verr)
		lang := s.lang(c, "", "")
		return s.renderTokens(c, http.StatusUnprocessableEntity, "", s.fieldMessage(lang, "label", verr.Fields["label"]))
	}
	token := assessment.NewAPIToken()
	t := &assessment.APIToken{FacilitatorID: me(c).ID, Label: label}
	if err := s.store.CreateAPIToken(c.Request().Context(), t, assessment.HashToken(token)); err != nil {
		return err
	}
	s.audit(c, me(c).ID, assessment.AuditTokenCreated, nil, label)
	return s.renderTokens(c, http.StatusCreated, token, "")
}

func (s *Server) revokeToken(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return errNotFound
	}
	tokens, err := s.store.APITokens(c.Request().Context(), me(c).ID)
	if err != nil {
		return err
	}
	label := "#" + strconv.FormatInt(id, 10)
	for _, t := range tokens {
		if t.ID == id && t.Label != "" {
			label = t.Label
		}
	}
	if err := s.store.RevokeAPIToken(c.Request().Context(), me(c).ID, id); err != nil {
		if errors.Is(err, assessment.ErrNotFound) {
			return errNotFound
		}
		return err
	}
	s.audit(c, me(c).ID, assessment.AuditTokenRevoked, nil, label)
	return c.Redirect(http.StatusSeeOther, "/account/tokens")
}

type activityRow struct {
	When, Action, Detail string
	AssessmentURL        string
}

func (s *Server) activityPage(c echo.Context) error {
	lang := s.lang(c, "", "")
	events, err := s.store.AuditEvents(c.Request().Context(), me(c).ID, 200)
	if err != nil {
		return err
	}
	var rows []activityRow
	for _, e := range events {
		r := activityRow{When: e.CreatedAt.Format(time.DateTime) + " UTC", Action: s.tmpl.Message(lang, "audit."+e.Action), Detail: e.Detail}
		if e.AssessmentID != nil {
			r.AssessmentURL = "/assessments/" + strconv.FormatInt(*e.AssessmentID, 10)
		}
		rows = append(rows, r)
	}
	return s.facilitatorPage(c, http.StatusOK, "activity", "title.activity", rows)
}
