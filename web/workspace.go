package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/survey"
)

// The facilitator's workspace: dashboard, creating an assessment, its page with the
// join link, code, QR code and live completion, the printable invitation, closing,
// reopening and deleting. A facilitator sees their own assessments and the ones shared
// with them (an admin, every one): any other id answers 404, exactly like an id that
// does not exist, and a change their role does not allow is 403.

// ownAssessment loads the :id assessment if the signed-in facilitator may read it.
func (s *Server) ownAssessment(c echo.Context) (*survey.Round, error) {
	return s.svc.Assessment(c.Request().Context(), me(c), pathID(c, "id"))
}

// pathID reads a positive id from the path; anything else is 0, which finds nothing.
func pathID(c echo.Context, name string) int64 {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// pillarCount is one pillar's completion.
type pillarCount struct {
	Key       string `json:"-"`
	Title     string `json:"-"`
	Submitted int    `json:"submitted"`
	Drafts    int    `json:"drafts"`
	// Shown is whether the group reaches the anonymity threshold (its results can be shown).
	Shown bool `json:"-"`
	// Expected is the headcount expected ("" for none) and Rate the response rate, as
	// shown ("60%"; "" without a headcount of 1 or more): see participation.
	Expected, Rate string `json:"-"`
}

type assessmentSummary struct {
	A *assessment.Assessment
	// Code (formatted for reading), JoinPath ("/j/" and the code) and JoinURL are the
	// round's join code and link, for a reader who gets them
	// (assessment.Access.GetsJoinCode); empty for anyone else, so no view can show them.
	Code       string
	JoinPath   string
	JoinURL    string
	HomeURL    string // where a join code can be typed in
	Pillars    []pillarCount
	Submitted  int
	Drafts     int
	CreatedAt  string
	StatusText string
	// Expecting is set when a headcount is expected in some pillar (the completion table
	// then shows the response rate); ClosesAt is the closing moment as read ("" for none).
	Expecting bool
	ClosesAt  string
}

// summarize lays out an assessment with its completion per pillar of its instrument, for
// a reader with access: with its join code and link only when that access gets them.
func (s *Server) summarize(c echo.Context, lang string, a *assessment.Assessment, counts map[string]assessment.PillarCounts, access assessment.Access) (assessmentSummary, error) {
	in, ok := s.svc.Instruments().Version(a.InstrumentVersion)
	if !ok {
		return assessmentSummary{}, fmt.Errorf("%w: assessment %d uses %q", survey.ErrUnknownInstrument, a.ID, a.InstrumentVersion)
	}
	sum := assessmentSummary{
		A: a, HomeURL: s.baseURL(c) + "/",
		CreatedAt:  a.CreatedAt.Format("2006-01-02"),
		StatusText: s.tmpl.Message(lang, "status."+string(a.Status)),
	}
	if access.GetsJoinCode() {
		sum.Code, sum.JoinPath = assessment.FormatJoinCode(a.Code), "/j/"+a.Code
		sum.JoinURL = s.baseURL(c) + sum.JoinPath
	}
	for _, p := range in.Pillars {
		n := counts[p.Key]
		sum.Pillars = append(sum.Pillars, pillarCount{
			Key: p.Key, Title: p.Title.In(locale.Lang(lang)), Submitted: n.Submitted, Drafts: n.Drafts,
			Shown: a.Shows(n.Submitted),
		})
		sum.Submitted += n.Submitted
		sum.Drafts += n.Drafts
	}
	s.participation(lang, &sum)
	return sum, nil
}

// summarizeRound is summarize with the round's completion counted now, for the signed-in
// reader.
func (s *Server) summarizeRound(c echo.Context, lang string, a *survey.Round) (assessmentSummary, error) {
	counts, err := s.svc.Completion(c.Request().Context(), a)
	if err != nil {
		return assessmentSummary{}, err
	}
	return s.summarize(c, lang, a.Assessment, counts, s.svc.AccessTo(c.Request().Context(), me(c), a.Assessment))
}

type dashboardView struct {
	// Teams are the reader's own; Shared the ones shared with them; Others, for an
	// admin, every other team of the installation.
	Teams, Shared, Others []teamView
	// UnitNames are the units the listed teams belong to, for the filter; Unit the one
	// chosen (?unit=), "" for all (see unitDashboard).
	UnitNames []string
	Unit      string
}

// teamView is one team on the dashboard: its rounds, newest first, and how they went.
type teamView struct {
	N    int // numbers the team's heading and table
	Team string
	// SharedAs is the reader's role on a team shared with them.
	SharedAs string
	// Owner names whose team it is, on an admin's list of the others' teams (admin.go).
	Owner  string
	Rounds []assessmentSummary
	// Trend is the submitted responses of each round, oldest first ("5 → 7 → 9"), when
	// there is more than one round.
	Trend string
	// Unit is the unit of the team's latest round. Sub marks a team listed under a unit
	// heading, UnitHeading the heading that comes before it, on the first team of its
	// unit (unitDashboard).
	Unit        string
	Sub         bool
	UnitHeading string
}

// dashboard lists the facilitator's rounds by team (survey.Teams: one query, counts
// included), with each team's number of rounds, its latest round's status, and the
// responses submitted per round. A score trend would need every round's tally: the
// report has it.
func (s *Server) dashboard(c echo.Context) error {
	lang := s.lang(c, "", "")
	ws, err := s.svc.Teams(c.Request().Context(), me(c))
	if err != nil {
		return err
	}
	var v dashboardView
	n := 0
	views := func(teams []survey.TeamRounds) ([]teamView, error) {
		var out []teamView
		for _, team := range teams {
			n++
			tv := teamView{N: n, Team: team.Team, SharedAs: team.Rounds[0].SharedAs, Unit: team.Rounds[0].Unit}
			var trend []string
			for j := range team.Rounds {
				sum, err := s.summarize(c, lang, &team.Rounds[j].Assessment, team.Rounds[j].Counts, team.Rounds[j].Access())
				if err != nil {
					return nil, err
				}
				tv.Rounds = append(tv.Rounds, sum)
				trend = append([]string{strconv.Itoa(sum.Submitted)}, trend...)
			}
			if len(trend) > 1 {
				tv.Trend = strings.Join(trend, " → ")
			}
			out = append(out, tv)
		}
		return out, nil
	}
	if v.Teams, err = views(ws.Own); err != nil {
		return err
	}
	if v.Shared, err = views(ws.Shared); err != nil {
		return err
	}
	if v.Others, err = views(ws.Others); err != nil {
		return err
	}
	if err := s.nameOwners(c, ws.Others, v.Others); err != nil {
		return err
	}
	s.unitDashboard(c, lang, &v)
	return s.facilitatorPage(c, http.StatusOK, "dashboard", "title.dashboard", v)
}

type newAssessmentView struct {
	Title, Team, Language string
	Threshold             string
	NeedConfirm           bool
	Fields                map[string]string
	Errors                []errorLink
	// The unit, expected headcounts and closing moment (settings.go).
	settingsFields
}

func (s *Server) newAssessmentPage(c echo.Context) error {
	lang := s.lang(c, "", "")
	units, err := s.unitNames(c)
	if err != nil {
		return err
	}
	v := newAssessmentView{Language: lang, Threshold: strconv.Itoa(assessment.DefaultThreshold)}
	v.settingsFields = s.settingsView(lang, s.svc.Instruments().Current(), nil, nil, nil)
	v.Units = units
	return s.facilitatorPage(c, http.StatusOK, "assessment_new", "title.assessment_new", v)
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
	in := s.svc.Instruments().Current()
	unit, expected, closesAt := formSettings(form, in, dup)
	a, err := s.svc.CreateAssessment(c.Request().Context(), me(c), survey.NewAssessment{
		Title: form.Get("title"), Team: form.Get("team"), Language: form.Get("language"), Threshold: threshold,
		ConfirmLowThreshold: form.Get("confirm_low_threshold") == "yes", Problems: dup,
		Unit: unit, Expected: expected, ClosesAt: closesAt,
	})
	var verr *assessment.ValidationError
	switch {
	case errors.As(err, &verr):
		v := newAssessmentView{
			Title: printable(form.Get("title")), Team: printable(form.Get("team")), Language: form.Get("language"),
			Threshold: printable(form.Get("threshold")), Fields: s.fieldMessages(lang, verr),
			NeedConfirm: verr.Fields["threshold"].Code == assessment.CodeConfirm,
		}
		v.Errors = settingsErrors(v.Fields, in, []string{"title", "team"}, []string{"language", "threshold"})
		for i := range v.Errors {
			if v.NeedConfirm && v.Errors[i].Target == "threshold" {
				v.Errors[i].Target = "confirm_low_threshold" // what there is to fix is the box to tick
			}
		}
		v.settingsFields = s.settingsView(lang, in, nil, form, v.Fields)
		if v.Units, err = s.unitNames(c); err != nil {
			return err
		}
		return s.facilitatorPage(c, http.StatusUnprocessableEntity, "assessment_new", "title.assessment_new", v)
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/assessments/"+strconv.FormatInt(a.ID, 10))
}

type assessmentView struct {
	assessmentSummary
	planView
	QR         template.HTML
	Open       bool
	Notice     string
	Completion string // URL of the completion JSON, for the live refresh
	// SummaryURL is the team summary's link when it is published, SummaryPublished
	// when.
	SummaryURL, SummaryPublished string
	// PaperTotal counts the submitted responses entered from paper.
	PaperTotal int
	// CanChange and CanManage say which controls the reader's role on the assessment
	// allows (a viewer reads; a co-facilitator changes; the owner or an admin also
	// deletes and shares); the use cases check again whatever is sent. Invites says
	// whether the reader gets the join code (the invitation section).
	CanChange, CanManage, Invites bool
	// Members is who has access: the owner, then the facilitators it is shared with.
	Members []assessment.Member
}

func (s *Server) assessmentPage(c echo.Context) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	return s.renderAssessmentPage(c, a, http.StatusOK, nil)
}

func (s *Server) invitationPage(c echo.Context) error {
	// The invitation carries the join code: for those who get it (a viewer does not).
	a, err := s.svc.AssessmentFor(c.Request().Context(), me(c), pathID(c, "id"), assessment.ChangeAccess)
	if err != nil {
		return err
	}
	lang := s.lang(c, "", a.Language)
	sum, err := s.summarizeRound(c, lang, a)
	if err != nil {
		return err
	}
	qr, err := qrSVG(sum.JoinURL, s.tmpl.Message(lang, "assessment.qr_label"))
	if err != nil {
		return err
	}
	p := s.roundPageData(c, lang, "title.invitation", a.Title, assessmentView{assessmentSummary: sum, QR: qr, Open: a.IsOpen()})
	return s.render(c, http.StatusOK, "invitation", p)
}

// completion answers the live refresh of the assessment page.
func (s *Server) completion(c echo.Context) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	counts, err := s.svc.Completion(c.Request().Context(), a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"status": a.Status, "responses": countsJSONFor(a.Assessment, counts)})
}

// countsJSON is one pillar's completion in the API: {"submitted": n, "drafts": n}, with
// "expected" (the headcount) and "rate" (submitted as a whole percentage of it) when the
// assessment expects a headcount there (countsJSONFor); absent otherwise.
type countsJSON struct {
	Submitted int  `json:"submitted"`
	Drafts    int  `json:"drafts"`
	Expected  *int `json:"expected,omitempty"`
	Rate      *int `json:"rate,omitempty"`
}

// countsJSONOf gives every pillar's counts, zero ones included.
func countsJSONOf(counts map[string]assessment.PillarCounts) map[string]countsJSON {
	out := map[string]countsJSON{}
	for _, key := range []string{pillars.Leadership, pillars.Staff, pillars.PatientPartners} {
		out[key] = countsJSON{Submitted: counts[key].Submitted, Drafts: counts[key].Drafts}
	}
	return out
}

func (s *Server) closeAssessment(c echo.Context) error {
	return s.setStatus(c, s.svc.Close, "closed")
}

func (s *Server) reopenAssessment(c echo.Context) error {
	return s.setStatus(c, s.svc.Reopen, "open")
}

// statusChange is one of survey.Service's changes of a round's state made with one click
// (Close, Reopen, NewJoinCode).
type statusChange func(ctx context.Context, actor *assessment.Facilitator, id, ifVersion int64) (*assessment.Assessment, error)

// setStatus makes such a change from the assessment page: the facilitator's click is
// made on what the page shows now, whatever version it is at.
func (s *Server) setStatus(c echo.Context, change statusChange, done string) error {
	a, err := change(c.Request().Context(), me(c), pathID(c, "id"), 0)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/assessments/"+strconv.FormatInt(a.ID, 10)+"?done="+done)
}

// roundChange is a use case that changes something of the assessment id.
type roundChange func(ctx context.Context, actor *assessment.Facilitator, id int64) error

// postOnRound answers a form that posts nothing but its CSRF token, to act on the
// assessment in the path: change it, then see the assessment's page at then (what
// follows its path: "?done=…", "/members?done=…").
func (s *Server) postOnRound(c echo.Context, change roundChange, then string) error {
	if _, err := parseForm(c); err != nil {
		return err
	}
	id := pathID(c, "id")
	if err := change(c.Request().Context(), me(c), id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/assessments/"+strconv.FormatInt(id, 10)+then)
}

func (s *Server) confirmDeletePage(c echo.Context) error {
	a, err := s.svc.AssessmentFor(c.Request().Context(), me(c), pathID(c, "id"), assessment.ManageAccess)
	if err != nil {
		return err
	}
	lang := s.lang(c, "", "")
	sum, err := s.summarizeRound(c, lang, a)
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
	if err := s.svc.Delete(c.Request().Context(), me(c), a.ID, 0); err != nil {
		return err
	}
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
	list, err := s.svc.Tokens(c.Request().Context(), me(c))
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
	token, err := s.svc.CreateToken(c.Request().Context(), me(c), form.Get("label"))
	var verr *assessment.ValidationError
	switch {
	case errors.As(err, &verr):
		lang := s.lang(c, "", "")
		return s.renderTokens(c, http.StatusUnprocessableEntity, "", s.fieldMessage(lang, "label", verr.Fields["label"]))
	case err != nil:
		return err
	}
	return s.renderTokens(c, http.StatusCreated, token, "")
}

func (s *Server) revokeToken(c echo.Context) error {
	if err := s.svc.RevokeToken(c.Request().Context(), me(c), pathID(c, "id")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account/tokens")
}

type activityRow struct {
	When, Action, Detail string
	AssessmentURL        string
}

func (s *Server) activityPage(c echo.Context) error {
	lang := s.lang(c, "", "")
	events, err := s.svc.Activity(c.Request().Context(), me(c))
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

// newJoinCode answers the assessment page's "New join code" (POST /assessments/{id}/code).
func (s *Server) newJoinCode(c echo.Context) error {
	return s.setStatus(c, s.svc.NewJoinCode, "new_code")
}
