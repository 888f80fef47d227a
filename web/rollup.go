package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/reports"
	"github.com/ecat-project/ecat/survey"
)

// The organization's roll-up: GET /api/v1/rollup (JSON), GET /api/v1/rollup.xlsx and
// /organization.xlsx (the workbook), and the Organization page, /organization. Each is
// one call of survey.Rollup, which counts every team at once in the database; the page
// is laid out from that one value, so it costs the same few statements for five teams
// or five hundred.

// apiUnit reads the API's ?unit=: nil when absent; present, a unit name (surrounding
// spaces trimmed), never blank nor longer than a unit may be (422).
func apiUnit(c echo.Context) (*string, error) {
	verr := &assessment.ValidationError{}
	v, ok := queryValue(c, "unit", verr)
	if !ok {
		return nil, verr.OrNil()
	}
	unit := unitFilter(v, verr)
	return unit, verr.OrNil()
}

// unitFilter reads an API's unit filter given as v: the unit's name, surrounding spaces
// trimmed; nil, with the mistake added to verr, when it is blank or longer than a unit
// may be. The assessment list and the roll-up read ?unit= with it.
func unitFilter(v string, verr *assessment.ValidationError) *string {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		verr.Add("unit", assessment.CodeInvalid)
	case utf8.RuneCountInString(v) > assessment.MaxUnitLen:
		verr.AddLimit("unit", assessment.CodeTooLong, assessment.MaxUnitLen)
	default:
		return &v
	}
	return nil
}

// pageUnit reads the page's ?unit=, as a form sends it: "" (every unit) when absent,
// blank, given more than once, or not text a unit can hold (invalid UTF-8, control
// characters).
func pageUnit(c echo.Context) *string {
	vs := c.QueryParams()["unit"]
	if len(vs) != 1 {
		return nil
	}
	if v := strings.TrimSpace(vs[0]); v != "" && utf8.ValidString(v) && !strings.ContainsFunc(v, unicode.IsControl) {
		return &v
	}
	return nil
}

// apiRollup answers GET /api/v1/rollup.
func (s *Server) apiRollup(c echo.Context) error {
	unit, err := apiUnit(c)
	if err != nil {
		return err
	}
	r, err := s.svc.Rollup(c.Request().Context(), me(c), unit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r.Rollup)
}

// rollupXLSX sends the roll-up's workbook (?unit= as the API reads it; ?lang=, exactly
// "en" or "fr", else the reader's language), made whole before anything is sent.
func (s *Server) rollupXLSX(c echo.Context) error {
	unit, err := apiUnit(c)
	if err != nil {
		return err
	}
	lang, err := queryLang(c, locale.Lang(s.lang(c, "", "")))
	if err != nil {
		return err
	}
	book, err := s.svc.RollupWorkbook(c.Request().Context(), me(c), unit, lang)
	if err != nil {
		return err
	}
	s.metrics.exported(survey.FormatXLSX)
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="ecat-rollup.xlsx"`)
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", book)
}

// View of the Organization page.

type orgOption struct {
	Value    string
	Selected bool
}

type orgTeamRow struct {
	Team, Unit, URL string
	Round           int
	Closed          string
	Submitted       int
	// Withheld names the groups withheld in the team's round; Cells are its theme scores.
	Withheld string
	Cells    []heatCell
}

type orgThemeRow struct {
	Title                             string
	Score                             heatCell
	Strength, Developing, Opportunity int
}

type orgPillarRow struct {
	Title, Score, Band string
	Teams              int
}

type orgNotClosed struct {
	Team, Unit, URL, Status string
	Round                   int
}

type organizationView struct {
	Units []orgOption
	// Unit is the unit shown ("" for every one).
	Unit                     string
	Themes                   []string
	Teams                    []orgTeamRow
	Mean                     []heatCell
	Distribution             []orgThemeRow
	Pillars                  []orgPillarRow
	Strengths, Opportunities []themeLine
	NotClosed                []orgNotClosed
	Download                 string
}

// organizationPage answers GET /organization: the heatmap of every team's theme scores,
// the teams per band of each theme, the pillars, the themes named most, a filter by unit
// (a GET form) and the teams without a closed round.
func (s *Server) organizationPage(c echo.Context) error {
	unit := pageUnit(c)
	r, err := s.svc.Rollup(c.Request().Context(), me(c), unit)
	if err != nil {
		return err
	}
	lang := s.lang(c, "", "")
	return s.facilitatorPage(c, http.StatusOK, "organization", "title.organization", s.organizationView(lang, r))
}

func (s *Server) organizationView(langCode string, r *survey.Rollup) organizationView {
	lang := locale.Lang(langCode)
	msg := func(key string) string { return s.tmpl.Message(langCode, key) }
	in := r.Instrument
	themeTitle := func(key string) string {
		if th := in.Theme(key); th != nil {
			return th.Title.In(lang)
		}
		if key == "" {
			return msg("report.no_theme")
		}
		return key
	}
	pillarTitle := func(key string) string {
		if p := in.Pillar(key); p != nil {
			return p.Title.In(lang)
		}
		return key
	}
	score := s.scoreFormatter(langCode)
	p := s.svc.Words().In(lang)
	cell := func(sr *float64, band string) heatCell {
		if sr == nil {
			return heatCell{Missing: msg("report.heat_no_score")}
		}
		return heatCell{Score: score(sr), Band: band}
	}
	v := organizationView{Download: "/organization.xlsx?lang=" + langCode}
	if r.Unit != nil {
		v.Unit = *r.Unit
		v.Download += "&unit=" + url.QueryEscape(*r.Unit)
	}
	for _, u := range r.Units {
		v.Units = append(v.Units, orgOption{Value: u, Selected: u == v.Unit})
	}
	for _, th := range r.Themes {
		v.Themes = append(v.Themes, themeTitle(th.Key))
		v.Mean = append(v.Mean, cell(th.Score, th.Band))
		v.Distribution = append(v.Distribution, orgThemeRow{Title: themeTitle(th.Key), Score: cell(th.Score, th.Band),
			Strength: th.TeamsByBand.Strength, Developing: th.TeamsByBand.Developing, Opportunity: th.TeamsByBand.Opportunity})
	}
	for i := range r.Teams {
		t := &r.Teams[i]
		row := orgTeamRow{Team: t.Team, Unit: t.Unit, Round: t.Round, Submitted: t.Submitted,
			URL: "/assessments/" + strconv.FormatInt(t.AssessmentID, 10) + "/report"}
		if t.ClosedAt != nil {
			row.Closed = t.ClosedAt.Format("2006-01-02")
		}
		var withheld []string
		for _, k := range t.WithheldPillars {
			withheld = append(withheld, pillarTitle(k))
		}
		if len(withheld) > 0 {
			row.Withheld = p.List(withheld)
		}
		shown := len(t.IncludedPillars) > 0
		for _, th := range r.Themes {
			sr := t.Theme(th.Key)
			c := cell(sr.Score, sr.Band)
			if !shown {
				c = heatCell{Missing: msg("report.heat_withheld")}
			}
			row.Cells = append(row.Cells, c)
		}
		v.Teams = append(v.Teams, row)
	}
	for _, pl := range r.Pillars {
		row := orgPillarRow{Title: pillarTitle(pl.Pillar), Score: score(pl.Score), Teams: pl.Teams}
		if pl.Score != nil {
			row.Band = reports.BandOf(*pl.Score)
		}
		v.Pillars = append(v.Pillars, row)
	}
	lines := func(counts []reports.ThemeCount) []themeLine {
		var out []themeLine
		for _, n := range counts {
			out = append(out, themeLine{Title: themeTitle(n.Theme), Count: n.Count})
		}
		return out
	}
	v.Strengths, v.Opportunities = lines(r.Named.Strengths), lines(r.Named.Opportunities)
	for _, t := range r.NotClosed {
		v.NotClosed = append(v.NotClosed, orgNotClosed{Team: t.Team, Unit: t.Unit, Round: t.Round,
			Status: msg("status." + string(t.Status)), URL: "/assessments/" + strconv.FormatInt(t.AssessmentID, 10)})
	}
	return v
}
