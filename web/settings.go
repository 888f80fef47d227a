package web

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/survey"
)

// Units and participation: the unit a team belongs to, the headcount expected per
// pillar and the response rate it gives, and the moment a round closes by itself, in
// the API (set on create, changed with PATCH) and on the pages (the new-assessment form,
// the settings page, the dashboard's units, the join page's closing moment).

// countsJSONFor is countsJSONOf with each pillar's expected headcount and response rate,
// where the assessment expects one (absent otherwise).
func countsJSONFor(a *assessment.Assessment, counts map[string]assessment.PillarCounts) map[string]countsJSON {
	out := countsJSONOf(counts)
	for key, c := range out {
		n, ok := a.ExpectedOf(key)
		if !ok {
			continue
		}
		c.Expected = &n
		if rate, ok := assessment.ResponseRate(c.Submitted, n); ok {
			c.Rate = &rate
		}
		out[key] = c
	}
	return out
}

// expectedJSON is an assessment's expected headcounts as the API gives them: an object,
// empty when none is set.
func expectedJSON(a *assessment.Assessment) map[string]int {
	out := make(map[string]int, len(a.Expected))
	for k, n := range a.Expected {
		out[k] = n
	}
	return out
}

// parseClosesAt reads a closing moment sent through the API: RFC 3339, exactly as the
// document's date-time format reads it. false when it is not one.
func parseClosesAt(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

// apiExpected turns the expected headcounts of a body into the assessment's: a pillar
// given null has no expectation. raw is the member as sent, for the pillars given twice
// (noted in verr as duplicates, as in every other body).
func apiExpected(m map[string]*int, raw json.RawMessage, verr *assessment.ValidationError) map[string]int {
	duplicateKeys(raw, "expected.", verr)
	var out map[string]int
	for k, n := range m {
		if n == nil {
			continue
		}
		if out == nil {
			out = map[string]int{}
		}
		out[k] = *n
	}
	return out
}

// duplicateKeys notes, with prefix, the keys an object (raw, if it is one) gives twice.
func duplicateKeys(raw json.RawMessage, prefix string, verr *assessment.ValidationError) {
	seen := map[string]bool{}
	eachKey(raw, func(key string) {
		if seen[key] {
			verr.Add(prefix+key, assessment.CodeDuplicate)
		}
		seen[key] = true
	})
}

// createSettings reads the unit, expected headcounts and closing moment of a new
// assessment's body into in, noting what cannot be read in problems.
func createSettings(body []byte, req *createAssessmentRequest, in *survey.NewAssessment, problems *assessment.ValidationError) {
	if req.Unit != nil {
		in.Unit = *req.Unit
	}
	var raw struct {
		Expected json.RawMessage `json:"expected"`
	}
	_ = json.Unmarshal(body, &raw) // decoded already: it is well formed
	in.Expected = apiExpected(req.Expected, raw.Expected, problems)
	if req.ClosesAt != nil {
		if t, ok := parseClosesAt(*req.ClosesAt); ok {
			in.ClosesAt = &t
		} else {
			problems.Add("closes_at", assessment.CodeInvalid)
		}
	}
}

// errSettingsNotObject: a settings change that is not one JSON object.
var errSettingsNotObject = malformed("the body must be a JSON object of the settings to change")

// decodeSettingsPatch reads PATCH /api/v1/assessments/{id}: an object of the members to
// change, each at most once (a member given twice is a duplicate field problem; an
// unknown member or a value of the wrong type is 400). title and team are strings (null
// cannot clear them: required); unit a string, null clearing it; expected an object of
// pillar → headcount replacing them all, null (or {}) clearing them, a pillar given
// null having none; closes_at an RFC 3339 moment, null clearing it.
func decodeSettingsPatch(body []byte) (assessment.Settings, *assessment.ValidationError, error) {
	var ch assessment.Settings
	verr := &assessment.ValidationError{}
	seen := map[string]bool{}
	err := strictObject(body, errSettingsNotObject, func(key string, dec *json.Decoder) error {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return malformed(jsonProblem(err))
		}
		null := string(raw) == "null"
		switch key {
		case "title", "team", "unit", "closes_at":
			var v *string
			if err := json.Unmarshal(raw, &v); err != nil {
				if key == "title" || key == "team" {
					return malformed(key + " must be a string")
				}
				return malformed(key + " must be a string or null")
			}
			if seen[key] {
				verr.Add(key, assessment.CodeDuplicate)
				return nil
			}
			empty := ""
			if v == nil {
				v = &empty
			}
			switch key {
			case "title":
				ch.Title = v
			case "team":
				ch.Team = v
			case "unit":
				ch.Unit = v
			case "closes_at":
				ch.ClosesAtSet = true
				if !null {
					t, ok := parseClosesAt(*v)
					if !ok {
						verr.Add(key, assessment.CodeInvalid)
						break
					}
					ch.ClosesAt = &t
				}
			}
		case "expected":
			var m map[string]*int
			if err := json.Unmarshal(raw, &m); err != nil {
				return malformed("expected must be an object of whole numbers, or null")
			}
			if seen[key] {
				verr.Add(key, assessment.CodeDuplicate)
				return nil
			}
			ch.ExpectedSet = true
			ch.Expected = apiExpected(m, raw, verr)
		default:
			return malformed("unknown field " + strconv.Quote(key))
		}
		seen[key] = true
		return nil
	})
	if err != nil {
		return ch, nil, err
	}
	return ch, verr, nil
}

// apiUpdateAssessment answers PATCH /api/v1/assessments/{id}: the settings given change,
// the rest stay (see decodeSettingsPatch and survey.UpdateSettings).
func (s *Server) apiUpdateAssessment(c echo.Context) error {
	body, err := readJSON(c)
	if err != nil {
		return err
	}
	ch, problems, err := decodeSettingsPatch(body)
	if err != nil {
		return err
	}
	ifVersion, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	a, err := s.svc.UpdateSettings(c.Request().Context(), me(c), pathID(c, "id"), ifVersion, ch, problems)
	if err != nil {
		return err
	}
	return s.replyAssessment(c, http.StatusOK, a)
}

// The settings form: the new-assessment page and the settings page of an assessment.

// expectedField is one pillar's expected headcount on the form.
type expectedField struct {
	Key, Title, Value, Error string
}

// settingsFields are the form's unit, expected headcounts and closing moment, as typed
// (or stored), with their messages.
type settingsFields struct {
	Unit     string
	Expected []expectedField
	// ClosesAt is the closing moment as a datetime-local value, in UTC
	// ("2027-03-10T13:00").
	ClosesAt string
	// ClosingFixed says the round takes no more answers: its closing moment no longer
	// changes, and the form shows it without a field.
	ClosingFixed bool
	// Units are the units the facilitator's other assessments name, offered as they type.
	Units []string
	// Edit is the assessment whose settings the form changes (the settings page), nil on
	// the new-assessment page; Action is where the settings page sends the form.
	Edit   *assessment.Assessment
	Action string
}

// closesAtLayout is how a closing moment is written in the form (a datetime-local
// value, read as UTC).
const closesAtLayout = "2006-01-02T15:04"

// formSettings reads the settings form's unit, expected headcounts and closing moment,
// noting in problems a headcount that is no whole number and a moment that is no date
// and time.
func formSettings(form url.Values, in *pillars.Instrument, problems *assessment.ValidationError) (unit string, expected map[string]int, closesAt *time.Time) {
	for _, field := range []string{"unit", "closes_at"} {
		if len(form[field]) > 1 {
			problems.Add(field, assessment.CodeDuplicate)
		}
	}
	unit = form.Get("unit")
	for _, p := range in.Pillars {
		name := "expected_" + p.Key
		if len(form[name]) > 1 {
			problems.Add("expected."+p.Key, assessment.CodeDuplicate)
		}
		v := strings.TrimSpace(form.Get(name))
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || len(v) > 6 {
			problems.AddLimit("expected."+p.Key, assessment.CodeInvalid, assessment.MaxExpected)
			continue
		}
		if expected == nil {
			expected = map[string]int{}
		}
		expected[p.Key] = n
	}
	if v := strings.TrimSpace(form.Get("closes_at")); v != "" {
		t, ok := parseFormMoment(v)
		if !ok {
			problems.Add("closes_at", assessment.CodeInvalid)
		} else {
			closesAt = &t
		}
	}
	return unit, expected, closesAt
}

// parseFormMoment reads a date and time typed in the form, in UTC: a datetime-local
// value, with or without seconds, or the same with a space (a browser without the
// date-time field shows a text box).
func parseFormMoment(v string) (time.Time, bool) {
	for _, layout := range []string{closesAtLayout, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// settingsView lays the settings out for the form: typed values when form is given (a
// form sent back with its mistakes), else a's stored ones (nil for a new assessment).
//
// A round that takes no more answers (closed, or its moment come: a's status says so, as
// survey reads it) shows its closing moment as text: it no longer changes.
func (s *Server) settingsView(lang string, in *pillars.Instrument, a *assessment.Assessment, form url.Values, fields map[string]string) settingsFields {
	var v settingsFields
	for _, p := range in.Pillars {
		f := expectedField{Key: p.Key, Title: p.Title.In(locale.Lang(lang)), Error: fields["expected."+p.Key]}
		switch {
		case form != nil:
			f.Value = printable(form.Get("expected_" + p.Key))
		case a != nil:
			if n, ok := a.ExpectedOf(p.Key); ok {
				f.Value = strconv.Itoa(n)
			}
		}
		v.Expected = append(v.Expected, f)
	}
	switch {
	case form != nil:
		v.Unit, v.ClosesAt = printable(form.Get("unit")), printable(form.Get("closes_at"))
	case a != nil:
		v.Unit = a.Unit
		if a.ClosesAt != nil {
			// To the second when it has seconds (set through the API), so that saving the
			// form as it is leaves the moment as it was.
			layout := closesAtLayout
			if a.ClosesAt.Second() != 0 {
				layout += ":05"
			}
			v.ClosesAt = a.ClosesAt.UTC().Format(layout)
		}
	}
	if a != nil && !a.IsOpen() {
		v.ClosingFixed = true
		v.ClosesAt = ""
		if a.ClosesAt != nil {
			v.ClosesAt = s.momentText(lang, *a.ClosesAt)
		}
	}
	return v
}

// settingsErrors are the error summary's links, in the form's order: the fields before
// the unit (head), the unit, those between it and the headcounts (tail), the headcounts
// and the closing moment. A field "expected.staff" is the input "expected-staff".
func settingsErrors(fields map[string]string, in *pillars.Instrument, head []string, tail []string) []errorLink {
	var order []string
	order = append(order, head...)
	order = append(order, "unit")
	order = append(order, tail...)
	for _, p := range in.Pillars {
		order = append(order, "expected."+p.Key)
	}
	order = append(order, "closes_at")
	return errorLinks(fields, "", order)
}

// momentText writes a closing moment for people: its date and time in UTC, in the
// page's language ("2027-03-10 at 13:00 UTC", "2027-03-10 à 13 h 00 (heure UTC)").
func (s *Server) momentText(lang string, t time.Time) string {
	t = t.UTC()
	clock := t.Format("15:04")
	if lang == string(locale.French) {
		clock = t.Format("15") + " h " + t.Format("04")
	}
	return strings.NewReplacer("{date}", t.Format("2006-01-02"), "{time}", clock).Replace(s.tmpl.Message(lang, "moment.utc"))
}

// The settings page: GET and POST /assessments/{id}/edit, the new-assessment form in
// its edit mode (no language or threshold: those stay as the round was opened). A page
// of its own, as an action's edit page is: the assessment page already holds several
// forms, and a form sent back with its mistakes leads with its error summary, focused,
// at the top.

func (s *Server) settingsPage(c echo.Context) error {
	a, err := s.svc.AssessmentFor(c.Request().Context(), me(c), pathID(c, "id"), assessment.ChangeAccess)
	if err != nil {
		return err
	}
	return s.renderSettings(c, http.StatusOK, a.Assessment, a.Instrument, nil, nil)
}

func (s *Server) renderSettings(c echo.Context, status int, a *assessment.Assessment, in *pillars.Instrument, form url.Values, verr *assessment.ValidationError) error {
	lang := s.lang(c, "", "")
	var v newAssessmentView
	v.Title, v.Team = a.Title, a.Team
	if form != nil {
		v.Title, v.Team = printable(form.Get("title")), printable(form.Get("team"))
	}
	if verr != nil {
		v.Fields = s.fieldMessages(lang, verr)
		v.Errors = settingsErrors(v.Fields, in, []string{"title", "team"}, nil)
	}
	v.settingsFields = s.settingsView(lang, in, a, form, v.Fields)
	v.Edit, v.Action = a, "/assessments/"+strconv.FormatInt(a.ID, 10)+"/edit"
	units, err := s.unitNames(c)
	if err != nil {
		return err
	}
	v.Units = units
	p := s.roundPageData(c, lang, "title.assessment_edit", a.Title, v)
	return s.render(c, status, "assessment_new", p)
}

// updateSettingsForm changes the settings from the settings page: what the page shows
// is what is changed, whatever version the assessment is at now.
func (s *Server) updateSettingsForm(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	round, err := s.svc.AssessmentFor(c.Request().Context(), me(c), pathID(c, "id"), assessment.ChangeAccess)
	if err != nil {
		return err
	}
	problems := &assessment.ValidationError{}
	for _, field := range []string{"title", "team"} {
		if len(form[field]) > 1 {
			problems.Add(field, assessment.CodeDuplicate)
		}
	}
	title, team := form.Get("title"), form.Get("team")
	unit, expected, closesAt := formSettings(form, round.Instrument, problems)
	ch := assessment.Settings{Title: &title, Team: &team, Unit: &unit, Expected: expected, ExpectedSet: true}
	if _, sent := form["closes_at"]; sent {
		// A round that takes no more answers shows its moment without a field: left
		// out, it stays as it is.
		ch.ClosesAt, ch.ClosesAtSet = closesAt, true
	}
	_, err = s.svc.UpdateSettings(c.Request().Context(), me(c), round.ID, 0, ch, problems)
	var verr *assessment.ValidationError
	switch {
	case errors.As(err, &verr):
		return s.renderSettings(c, http.StatusUnprocessableEntity, round.Assessment, round.Instrument, form, verr)
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/assessments/"+strconv.FormatInt(round.ID, 10)+"?done=settings_saved")
}

// The dashboard's units.

// unitNames lists the units the facilitator's assessments name, in order, once each.
func (s *Server) unitNames(c echo.Context) ([]string, error) {
	list, err := s.svc.Assessments(c.Request().Context(), me(c))
	if err != nil {
		return nil, err
	}
	return unitsOf(list), nil
}

func unitsOf(list []assessment.Listed) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range list {
		if a.Unit != "" && !seen[a.Unit] {
			seen[a.Unit] = true
			out = append(out, a.Unit)
		}
	}
	sortUnits(out)
	return out
}

// sortUnits orders unit names for reading, case aside.
func sortUnits(units []string) {
	slices.SortFunc(units, func(a, b string) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a), strings.ToLower(b)), cmp.Compare(a, b))
	})
}

// unitDashboard narrows the dashboard to the unit its ?unit= names, if any, and groups
// each part's teams by unit: the units in name order, each under its heading, the teams
// with none last (under "No unit"), each unit's teams in the order they came (most
// recently active first). A part where no team names a unit stays as it was. A team's
// unit is its latest round's.
func (s *Server) unitDashboard(c echo.Context, lang string, v *dashboardView) {
	seen := map[string]bool{}
	for _, part := range [][]teamView{v.Teams, v.Shared, v.Others} {
		for _, t := range part {
			if t.Unit != "" && !seen[t.Unit] {
				seen[t.Unit] = true
				v.UnitNames = append(v.UnitNames, t.Unit)
			}
		}
	}
	sortUnits(v.UnitNames)
	v.Unit = strings.TrimSpace(c.QueryParam("unit"))
	noUnit := s.tmpl.Message(lang, "dashboard.no_unit")
	group := func(part []teamView) []teamView {
		var out []teamView
		if v.Unit != "" {
			for _, t := range part {
				if t.Unit == v.Unit {
					out = append(out, t)
				}
			}
			part = out
			out = nil
		}
		named := false
		for _, t := range part {
			named = named || t.Unit != ""
		}
		if !named {
			return part
		}
		order := append(slices.Clone(v.UnitNames), "")
		for _, u := range order {
			first := true
			for _, t := range part {
				if t.Unit != u {
					continue
				}
				t.Sub = true
				if first {
					t.UnitHeading, first = cmp.Or(u, noUnit), false
				}
				out = append(out, t)
			}
		}
		return out
	}
	v.Teams, v.Shared, v.Others = group(v.Teams), group(v.Shared), group(v.Others)
}

// participation adds to a summary the expected headcount and response rate of each
// pillar, and the closing moment. The rate is worked out from the submitted count the
// assessment page shows already, withheld group or not: it tells the facilitator no more.
func (s *Server) participation(lang string, sum *assessmentSummary) {
	for i := range sum.Pillars {
		p := &sum.Pillars[i]
		n, ok := sum.A.ExpectedOf(p.Key)
		if !ok {
			continue
		}
		sum.Expecting = true
		p.Expected = strconv.Itoa(n)
		if rate, ok := assessment.ResponseRate(p.Submitted, n); ok {
			p.Rate = fmt.Sprintf(s.tmpl.Message(lang, "assessment.rate"), rate)
		}
	}
	if sum.A.ClosesAt != nil {
		sum.ClosesAt = s.momentText(lang, *sum.A.ClosesAt)
	}
}
