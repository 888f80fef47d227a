package web

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/survey"
)

// option is one choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

// actionFormView is the action form: to add one on the assessment page, or to edit one.
type actionFormView struct {
	Action    string // where the form posts
	Values    map[string]string
	Fields    map[string]string // field → error message
	Errors    []errorLink
	Selects   []selectView // pillar, theme, status
	SubmitKey string
}

// selectView is a select of the action form.
type selectView struct {
	Name    string
	Options []option
}

// actionRowView is one action in the plan on the assessment page.
type actionRowView struct {
	ID                       int64
	Text, Lead, Support, Due string
	PillarTitle, ThemeTitle  string
	Status, StatusText       string
	CarriedFromRound         int // the round it was first agreed in, when carried over
	EditURL, DeleteURL       string
}

func (s *Server) actionFormView(c echo.Context, a *survey.Round, form url.Values, verr *assessment.ValidationError, action string) actionFormView {
	lang := s.lang(c, "", "")
	if action == "" {
		action = "/assessments/" + strconv.FormatInt(a.ID, 10) + "/actions"
	}
	v := actionFormView{Action: action, Values: map[string]string{}, Fields: map[string]string{}, SubmitKey: "actions.submit_save"}
	if strings.HasSuffix(action, "/actions") {
		v.SubmitKey = "actions.submit_add"
	}
	for _, f := range actionFields {
		v.Values[f] = printable(form.Get(f))
	}
	if verr != nil {
		v.Fields = s.fieldMessages(lang, verr)
		v.Errors = errorLinks(v.Fields, "action-", actionFields)
	}
	pillarSel := selectView{Name: "pillar", Options: []option{{Value: "", Label: s.tmpl.Message(lang, "actions.any_pillar")}}}
	themeSel := selectView{Name: "theme", Options: []option{{Value: "", Label: s.tmpl.Message(lang, "actions.any_theme")}}}
	l := locale.Lang(lang)
	for _, p := range a.Instrument.Pillars {
		pillarSel.Options = append(pillarSel.Options, option{Value: p.Key, Label: p.Title.In(l), Selected: p.Key == v.Values["pillar"]})
	}
	for _, t := range a.Instrument.Themes {
		themeSel.Options = append(themeSel.Options, option{Value: t.Key, Label: t.Title.In(l), Selected: t.Key == v.Values["theme"]})
	}
	// A carried action may name a pillar or theme the round's checklist no longer has:
	// keep it offered (and chosen), so saving the form does not silently drop it.
	for _, sel := range []*selectView{&pillarSel, &themeSel} {
		v.keepEarlierChoice(sel, s.tmpl.Message(lang, "actions.earlier_checklist"))
	}
	statusSel := selectView{Name: "status"}
	for _, st := range assessment.ActionStatuses {
		statusSel.Options = append(statusSel.Options, option{Value: st, Label: s.tmpl.Message(lang, "action_status."+st),
			Selected: st == v.Values["status"] || (v.Values["status"] == "" && st == assessment.ActionPlanned)})
	}
	v.Selects = []selectView{pillarSel, themeSel, statusSel}
	return v
}

// keepEarlierChoice adds the form's value for sel as a chosen option when no option has it.
func (v *actionFormView) keepEarlierChoice(sel *selectView, label string) {
	value := v.Values[sel.Name]
	if value == "" {
		return
	}
	for _, o := range sel.Options {
		if o.Value == value {
			return
		}
	}
	sel.Options = append(sel.Options, option{Value: value, Label: strings.Replace(label, "%s", value, 1), Selected: true})
}

// planView is the action plan and the rounds of the team on the assessment page.
type planView struct {
	Actions    []actionRowView
	NewAction  actionFormView
	NeedAction bool // "mark discussed" was pressed with no action recorded
	Discussed  string
	Previous   *assessment.Assessment
	Next       *assessment.Assessment

	// ActionsLater: nobody has submitted yet, so the page says actions come after the
	// team has answered and discussed, instead of offering the form.
	ActionsLater bool
}

func (s *Server) planFor(c echo.Context, lang string, a *survey.Round) (planView, error) {
	v := planView{NewAction: s.actionFormView(c, a, url.Values{}, nil, "")}
	plan, err := s.svc.Plan(c.Request().Context(), a)
	if err != nil {
		return v, err
	}
	l := locale.Lang(lang)
	for _, act := range plan.Actions {
		row := actionRowView{
			ID: act.ID, Text: act.Text, Lead: act.Lead, Support: act.Support, Due: act.DueString(),
			Status: act.Status, StatusText: s.tmpl.Message(lang, "action_status."+act.Status),
			EditURL: actionPath(a.Assessment, &act) + "/edit", DeleteURL: actionPath(a.Assessment, &act) + "/delete",
		}
		if p := a.Instrument.Pillar(act.Pillar); p != nil {
			row.PillarTitle = p.Title.In(l)
		}
		if t := a.Instrument.Theme(act.Theme); t != nil {
			row.ThemeTitle = t.Title.In(l)
		}
		if act.CarriedFromID != nil {
			row.CarriedFromRound = plan.OriginRounds[act.OriginAssessmentID]
		}
		v.Actions = append(v.Actions, row)
	}
	if a.DiscussedAt != nil {
		v.Discussed = a.DiscussedAt.Format("2006-01-02")
	}
	v.Previous, v.Next = plan.Previous, plan.Next
	return v, nil
}

// renderAssessmentPage renders the assessment page; change adjusts the view (a form
// coming back with errors).
func (s *Server) renderAssessmentPage(c echo.Context, a *survey.Round, status int, change func(v *assessmentView)) error {
	lang := s.lang(c, "", "")
	sum, err := s.summarizeRound(c, lang, a)
	if err != nil {
		return err
	}
	var qr template.HTML
	if sum.JoinURL != "" {
		if qr, err = qrSVG(sum.JoinURL, s.tmpl.Message(lang, "assessment.qr_label")); err != nil {
			return err
		}
	}
	plan, err := s.planFor(c, lang, a)
	if err != nil {
		return err
	}
	v := assessmentView{assessmentSummary: sum, planView: plan, QR: qr, Open: a.IsOpen(), Notice: c.QueryParam("done"),
		Completion: "/assessments/" + strconv.FormatInt(a.ID, 10) + "/completion"}
	paper, err := s.svc.PaperCounts(c.Request().Context(), a)
	if err != nil {
		return err
	}
	for _, n := range paper {
		v.PaperTotal += n
	}
	published, err := s.svc.SummaryOf(c.Request().Context(), me(c), a.ID)
	if err != nil {
		return err
	}
	if published != nil {
		v.SummaryURL, v.SummaryPublished = s.baseURL(c)+summaryPath(published.Token), s.formatDate(lang, published.PublishedAt)
	}
	access := s.svc.AccessTo(c.Request().Context(), me(c), a.Assessment)
	v.CanChange, v.CanManage, v.Invites = access >= assessment.ChangeAccess, access >= assessment.ManageAccess, access.GetsJoinCode()
	if v.Members, err = s.svc.Members(c.Request().Context(), me(c), a.ID); err != nil {
		return err
	}
	if change != nil {
		change(&v)
	}
	if !validNotice[v.Notice] {
		v.Notice = ""
	}
	// A form sent back with its mistakes is shown all the same (only a stale page sends
	// one before anyone has answered).
	v.ActionsLater = v.Submitted == 0 && len(v.NewAction.Errors) == 0
	p := s.roundPageData(c, lang, "title.assessment", a.Title, v)
	p.Script = true
	return s.render(c, status, "assessment", p)
}

// validNotice lists the ?done= notices the assessment page shows.
var validNotice = map[string]bool{
	"open": true, "closed": true, "reassessed": true, "discussed": true, "new_code": true,
	"action_added": true, "action_saved": true, "action_deleted": true,
	"summary_published": true, "summary_unpublished": true, "summary_quoted": true,
	"settings_saved": true,
}
