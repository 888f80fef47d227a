package web

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/reports"
)

// rollupTeam is a team the roll-up tests open: its round, and the texts its people wrote.
type rollupTeam struct {
	a     *assessment.Assessment
	texts []string
}

// rollupRound opens a round of a new team owned by owner, in unit, with n[pillar]
// submitted responses per pillar (answers varied by seed), and closes it when closed.
// Every text is unique, so a test can look for it.
func (e *testEnv) rollupRound(owner *assessment.Facilitator, team, unit string, n map[string]int, seed int, closed bool) *rollupTeam {
	e.t.Helper()
	a, err := assessment.NewAssessment("Round of "+team, team, "en", assessment.DefaultThreshold, false, e.in.Version)
	if err != nil {
		e.t.Fatal(err)
	}
	a.FacilitatorID = &owner.ID
	if err := e.store.CreateAssessment(e.t.Context(), a); err != nil {
		e.t.Fatal(err)
	}
	e.setUnit(a, unit)
	rt := &rollupTeam{a: a}
	themes := e.in.Themes
	k := 0
	for _, p := range e.in.Pillars {
		for i := range n[p.Key] {
			k++
			strength := fmt.Sprintf("ROLLUP-SECRET strength %s %s %d", team, p.Key, i)
			opportunity := fmt.Sprintf("ROLLUP-SECRET opportunity %s %s %d", team, p.Key, i)
			r := &assessment.Response{AssessmentID: a.ID, Pillar: p.Key, Language: "en", Status: assessment.Submitted,
				Answers: map[string]assessment.Answer{}, Reflections: map[string]string{},
				Strength:    assessment.Named{Text: strength, Theme: themes[(seed+i)%len(themes)].Key},
				Opportunity: assessment.Named{Text: opportunity, Theme: themes[(seed*3+k)%len(themes)].Key}}
			if i%4 == 3 {
				r.Opportunity.Theme = "" // named, with no theme
			}
			for j, it := range p.Items() {
				if (seed+i+j)%7 != 6 { // some left unanswered
					r.Answers[it.ID] = assessment.Answers[(seed*5+i*3+j)%len(assessment.Answers)]
				}
			}
			if err := e.store.CreateResponse(e.t.Context(), r, assessment.HashToken(assessment.NewResumeToken())); err != nil {
				e.t.Fatal(err)
			}
			rt.texts = append(rt.texts, strength, opportunity)
		}
	}
	if closed {
		e.closeAssessment(a)
	}
	return rt
}

// setUnit files a round under a unit, in the database directly.
func (e *testEnv) setUnit(a *assessment.Assessment, unit string) {
	e.t.Helper()
	db := e.rollupDB()
	defer checkClose(e.t, "database", db)
	if _, err := db.Exec(`UPDATE assessments SET unit = ? WHERE id = ?`, unit, a.ID); err != nil {
		e.t.Fatal(err)
	}
	a.Unit = unit
}

// rollupDB opens the test's database for writing beside the server, to set what no
// route sets (a unit) or change what no route may (a withheld group's answers).
func (e *testEnv) rollupDB() *sql.DB {
	e.t.Helper()
	db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: e.dbPath}).EscapedPath()+"?_busy_timeout=10000")
	if err != nil {
		e.t.Fatal(err)
	}
	return db
}

// rollupJSON is the roll-up as a client reads it.
type rollupJSON struct {
	Teams []struct {
		Team            string                `json:"team"`
		Unit            string                `json:"unit"`
		AssessmentID    int64                 `json:"assessment_id"`
		Round           int                   `json:"round"`
		ClosedAt        *string               `json:"closed_at"`
		Submitted       int                   `json:"submitted"`
		IncludedPillars []string              `json:"included_pillars"`
		WithheldPillars []string              `json:"withheld_pillars"`
		Themes          []reports.ScoreResult `json:"themes"`
	} `json:"teams"`
	Themes []struct {
		Key         string             `json:"key"`
		Score       *float64           `json:"score"`
		Band        string             `json:"band"`
		TeamsByBand reports.BandCounts `json:"teams_by_band"`
	} `json:"themes"`
	Pillars []reports.RollupPillar `json:"pillars"`
	Named   reports.RollupNamed    `json:"named"`
	// NotClosed lists the teams without a closed round.
	NotClosed []reports.NotClosed `json:"not_closed"`
}

func (e *testEnv) getRollup(token, query string) (rollupJSON, []byte) {
	e.t.Helper()
	rec := e.bearer(http.MethodGet, "/api/v1/rollup"+query, token, nil)
	if rec.Code != http.StatusOK {
		e.t.Fatalf("GET /api/v1/rollup%s = %d %s", query, rec.Code, rec.Body)
	}
	var r rollupJSON
	decodeJSON(e.t, rec.Body.Bytes(), &r)
	return r, rec.Body.Bytes()
}

func rollupTeamNames(r rollupJSON) string {
	var out []string
	for _, t := range r.Teams {
		out = append(out, t.Team)
	}
	return strings.Join(out, ", ")
}

func notClosedNames(r rollupJSON) string {
	var out []string
	for _, t := range r.NotClosed {
		out = append(out, t.Team)
	}
	return strings.Join(out, ", ")
}

// rollupWorld is two facilitators' teams: Ann's and Bob's, one of Bob's shared with Ann.
type rollupWorld struct {
	e                    *testEnv
	admin, ann, bob      *assessment.Facilitator
	adminT, annT, bobT   string
	wardA, wardB, clinic *rollupTeam // Ann's (wardB open), Bob's shared with Ann
	private              *rollupTeam // Bob's, shared with nobody
}

func newRollupWorld(t *testing.T) *rollupWorld {
	e := newTestEnv(t)
	w := &rollupWorld{e: e}
	w.admin = e.newAdmin("admin@example.org", "Admin")
	w.ann = e.newFacilitator("ann@example.org", "Ann")
	w.bob = e.newFacilitator("bob@example.org", "Bob")
	w.adminT, _ = e.newAPIToken(w.admin, "admin")
	w.annT, _ = e.newAPIToken(w.ann, "ann")
	w.bobT, _ = e.newAPIToken(w.bob, "bob")
	all := map[string]int{pillars.Leadership: 2, pillars.Staff: 5, pillars.PatientPartners: 3}
	w.wardA = e.rollupRound(w.ann, "Ward A", "Surgery", all, 1, true)
	w.wardB = e.rollupRound(w.ann, "Ward B", "Surgery", all, 2, false)
	w.clinic = e.rollupRound(w.bob, "Clinic C", "Medicine", map[string]int{pillars.Leadership: 3, pillars.Staff: 4, pillars.PatientPartners: 1}, 3, true)
	w.private = e.rollupRound(w.bob, "Clinic D", "Oncology", all, 4, true)
	if _, err := e.store.PutMember(t.Context(), w.clinic.a.SeriesID, w.ann.ID, assessment.MemberViewer); err != nil {
		t.Fatal(err)
	}
	return w
}

// The roll-up answers with the teams the token's facilitator may see, each by its latest
// closed round: an admin every team, anyone else their own and the ones shared with them;
// no token, no roll-up. ?unit narrows it; a blank or doubled unit is refused.
func TestRollupAPIAccess(t *testing.T) {
	w := newRollupWorld(t)
	e := w.e
	for _, c := range []struct {
		name, token, query string
		teams, notClosed   string
	}{
		{"ann", w.annT, "", "Clinic C, Ward A", "Ward B"},
		{"ann in Surgery", w.annT, "?unit=Surgery", "Ward A", "Ward B"},
		{"ann in Oncology (none of hers)", w.annT, "?unit=Oncology", "", ""},
		{"ann, unit with spaces", w.annT, "?unit=%20Medicine%20", "Clinic C", ""},
		{"bob", w.bobT, "", "Clinic C, Clinic D", ""},
		{"admin", w.adminT, "", "Clinic C, Clinic D, Ward A", "Ward B"},
		{"admin in Oncology", w.adminT, "?unit=Oncology", "Clinic D", ""},
	} {
		r, body := e.getRollup(c.token, c.query)
		if got := rollupTeamNames(r); got != c.teams {
			t.Errorf("%s: teams %q, want %q", c.name, got, c.teams)
		}
		if got := notClosedNames(r); got != c.notClosed {
			t.Errorf("%s: teams without a closed round %q, want %q", c.name, got, c.notClosed)
		}
		if bytes.Contains(body, []byte("ROLLUP-SECRET")) {
			t.Errorf("%s: a respondent's text is in the roll-up", c.name)
		}
	}
	if rec := e.bearer(http.MethodGet, "/api/v1/rollup", "", nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", rec.Code)
	}
	if rec := e.bearer(http.MethodGet, "/api/v1/rollup.xlsx", "", nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("workbook, no token: %d, want 401", rec.Code)
	}
	// The assessment list reads ?unit= the same way.
	for _, q := range []string{"?unit=", "?unit=%20", "?unit=a&unit=b", "?unit=" + strings.Repeat("x", assessment.MaxUnitLen+1)} {
		for _, path := range []string{"/api/v1/rollup", "/api/v1/rollup.xlsx", "/api/v1/assessments"} {
			rec := e.bearer(http.MethodGet, path+q, w.annT, nil)
			if rec.Code != http.StatusUnprocessableEntity {
				t.Errorf("%s%s: %d, want 422", path, q, rec.Code)
				continue
			}
			if got := decodeAPIError(t, rec); got.Error.Fields["unit"].Code == "" {
				t.Errorf("%s%s: no problem named for unit: %+v", path, q, got)
			}
		}
	}
	if rec := e.bearer(http.MethodGet, "/api/v1/rollup.xlsx?lang=de", w.annT, nil); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("workbook in German: %d, want 422", rec.Code)
	}
}

// Each team's theme scores in the roll-up are exactly the team scores of its own report
// (withheld groups left out alike), and the organization's are the mean over the teams,
// each counting once, with their bands and the teams per band.
func TestRollupTeamScoresAreTheReports(t *testing.T) {
	e := newTestEnv(t)
	admin := e.newAdmin("admin@example.org", "Admin")
	token, _ := e.newAPIToken(admin, "t")
	var teams []*rollupTeam
	for k, n := range []map[string]int{
		{pillars.Leadership: 2, pillars.Staff: 6, pillars.PatientPartners: 3}, // leadership withheld
		{pillars.Leadership: 3, pillars.Staff: 1, pillars.PatientPartners: 4}, // staff withheld
		{pillars.Leadership: 1, pillars.Staff: 9},                             // two withheld
		{pillars.Leadership: 4, pillars.Staff: 3, pillars.PatientPartners: 3}, // none withheld
		{pillars.Leadership: 2, pillars.Staff: 2},                             // every group withheld
	} {
		teams = append(teams, e.rollupRound(admin, fmt.Sprintf("Team %d", k), "", n, k*11, true))
	}
	r, _ := e.getRollup(token, "")
	if len(r.Teams) != len(teams) {
		t.Fatalf("%d teams, want %d", len(r.Teams), len(teams))
	}
	sums := map[string][]float64{}
	bands := map[string]reports.BandCounts{}
	named := map[string]map[string]int{"strength": {}, "opportunity": {}}
	for i, team := range r.Teams {
		rep := decodeReport(t, e.bearer(http.MethodGet, "/api/v1/assessments/"+strconv.FormatInt(teams[i].a.ID, 10)+"/report", token, nil).Body.Bytes())
		if team.AssessmentID != teams[i].a.ID || team.Round != 1 || team.ClosedAt == nil {
			t.Errorf("team %d: %+v", i, team)
		}
		if !slices.Equal(team.IncludedPillars, rep.Team.IncludedPillars) || !slices.Equal(team.WithheldPillars, rep.Team.WithheldPillars) ||
			team.Submitted != rep.Team.Submitted {
			t.Errorf("%s: pillars %v/%v, %d submitted; the report's %v/%v, %d", team.Team, team.IncludedPillars, team.WithheldPillars,
				team.Submitted, rep.Team.IncludedPillars, rep.Team.WithheldPillars, rep.Team.Submitted)
		}
		got, _ := json.Marshal(team.Themes)
		want, _ := json.Marshal(rep.Team.Themes)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: themes\n%s\nthe report's\n%s", team.Team, got, want)
		}
		for _, th := range rep.Team.Themes {
			if th.Score != nil {
				sums[th.Key] = append(sums[th.Key], *th.Score)
				b := bands[th.Key]
				switch th.Band {
				case reports.BandStrength:
					b.Strength++
				case reports.BandDeveloping:
					b.Developing++
				default:
					b.Opportunity++
				}
				bands[th.Key] = b
			}
		}
		for _, nt := range rep.Strengths {
			named["strength"][nt.Theme] += nt.Count
		}
		for _, nt := range rep.Opportunities {
			named["opportunity"][nt.Theme] += nt.Count
		}
	}
	if len(r.Teams[4].IncludedPillars) != 0 || r.Teams[4].Submitted != 0 {
		t.Errorf("a team with every group withheld shows %+v", r.Teams[4])
	}
	for _, th := range r.Themes {
		scores := sums[th.Key]
		if len(scores) == 0 {
			if th.Score != nil {
				t.Errorf("%s: score %v over no team", th.Key, *th.Score)
			}
			continue
		}
		total := 0.0
		for _, s := range scores {
			total += s
		}
		want := float64(int(total/float64(len(scores))*10+0.5)) / 10
		if th.Score == nil || *th.Score != want || th.Band != reports.BandOf(want) {
			t.Errorf("%s: organization %v %s, want %v (the mean of %v)", th.Key, th.Score, th.Band, want, scores)
		}
		if th.TeamsByBand != bands[th.Key] {
			t.Errorf("%s: teams per band %+v, want %+v", th.Key, th.TeamsByBand, bands[th.Key])
		}
	}
	for kind, list := range map[string][]reports.ThemeCount{"strength": r.Named.Strengths, "opportunity": r.Named.Opportunities} {
		got := map[string]int{}
		for i, c := range list {
			got[c.Theme] = c.Count
			if i > 0 && c.Count > list[i-1].Count {
				t.Errorf("%s: not most named first: %v", kind, list)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(named[kind]) {
			t.Errorf("%s named: %v, the reports' %v", kind, got, named[kind])
		}
	}
	for _, p := range r.Pillars {
		if p.Pillar == pillars.Leadership && p.Teams != 2 || p.Pillar == pillars.Staff && p.Teams != 3 || p.Pillar == pillars.PatientPartners && p.Teams != 3 {
			t.Errorf("pillar %s over %d teams", p.Pillar, p.Teams)
		}
	}
}

// What a withheld group answered, named or wrote changes nothing in the roll-up: not its
// team's figures, not the organization's, not the named themes, not the pillars. So
// comparing roll-ups (or a roll-up with the teams' reports) tells nothing of it.
func TestRollupWithheldGroupChangesNothing(t *testing.T) {
	w := newRollupWorld(t)
	e := w.e
	_, before := e.getRollup(w.adminT, "")
	_, annBefore := e.getRollup(w.annT, "?unit=Surgery")
	// Ward A's two leaders (withheld at threshold 3): every answer, theme and text changed.
	db := e.rollupDB()
	defer checkClose(t, "database", db)
	for _, stmt := range []string{
		`UPDATE answers SET value = CASE value WHEN 'yes' THEN 'no' ELSE 'yes' END
			WHERE response_id IN (SELECT id FROM responses WHERE assessment_id = ? AND pillar = 'leadership')`,
		`UPDATE responses SET strength_theme = 'equity', opportunity_theme = 'equity', strength_text = 'changed', opportunity_text = ''
			WHERE assessment_id = ? AND pillar = 'leadership'`,
	} {
		if _, err := db.Exec(stmt, w.wardA.a.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, after := e.getRollup(w.adminT, ""); !bytes.Equal(before, after) {
		t.Errorf("the roll-up changed with a withheld group's answers:\n%s\n%s", before, after)
	}
	if _, after := e.getRollup(w.annT, "?unit=Surgery"); !bytes.Equal(annBefore, after) {
		t.Errorf("the unit's roll-up changed with a withheld group's answers:\n%s\n%s", annBefore, after)
	}
}

// The Organization page draws the heatmap of the teams the facilitator may see, the teams
// per band, the pillars and the named themes, offers the units to filter by and lists the
// teams without a closed round, in English and French; it shows no respondent's text.
func TestOrganizationPage(t *testing.T) {
	w := newRollupWorld(t)
	e := w.e
	b := e.signedIn(w.ann)
	rec := b.get("/organization")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /organization = %d %s", rec.Code, rec.Body)
	}
	page := rec.Body.String()
	for _, want := range []string{
		"Ward A", "Clinic C", `href="/assessments/` + strconv.FormatInt(w.wardA.a.ID, 10) + `/report"`,
		`<option value="Medicine">`, `<option value="Surgery">`, // the units of Ann's teams
		`href="/assessments/` + strconv.FormatInt(w.wardB.a.ID, 10) + `"`, // Ward B, not closed
		`href="/organization.xlsx?lang=en"`,
		`href="/organization"`, // the navigation
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, unwanted := range []string{"Clinic D", "Oncology", "ROLLUP-SECRET"} {
		if strings.Contains(page, unwanted) {
			t.Errorf("page shows %q", unwanted)
		}
	}
	for _, key := range []string{"org.heading", "org.heat_heading", "org.dist_heading", "org.pillars_heading", "org.named_heading", "org.not_closed_heading", "org.mean_row"} {
		e.assertText(t, page, "en", key)
	}

	rec = b.get("/organization?unit=Medicine&lang=fr")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /organization?unit=Medicine = %d", rec.Code)
	}
	page = rec.Body.String()
	if !strings.Contains(page, "Clinic C") || strings.Contains(page, "Ward A") || strings.Contains(page, "Ward B") {
		t.Errorf("the Medicine unit's page shows other teams")
	}
	if !strings.Contains(page, `<option value="Medicine" selected>`) || !strings.Contains(page, `unit=Medicine`) {
		t.Errorf("the filter does not keep the unit chosen")
	}
	e.assertText(t, page, "fr", "org.heading")

	// Every unit again, as the form sends "All units"; a unit without closed rounds.
	if page := b.get("/organization?unit=").Body.String(); !strings.Contains(page, "Ward A") || !strings.Contains(page, "Clinic C") {
		t.Errorf("unit= does not show every unit")
	}
	rec = b.get("/organization?unit=" + url.QueryEscape("Nowhere"))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Nowhere") {
		t.Errorf("an empty unit: %d", rec.Code)
	}

	// Signed out: the sign-in page.
	if rec := e.newBrowser().get("/organization"); rec.Code != http.StatusSeeOther {
		t.Errorf("signed out: %d, want 303", rec.Code)
	}
}

// The workbook has the Summary, Teams × themes and one sheet per unit, in English or in
// French, with each team's scores as the roll-up gives them; no respondent's text; the
// download is in the activity trail.
func TestRollupWorkbook(t *testing.T) {
	w := newRollupWorld(t)
	e := w.e
	r, _ := e.getRollup(w.adminT, "")
	for _, c := range []struct {
		lang, summary, teams string
	}{{"en", "Summary", "Teams × themes"}, {"fr", "Résumé", "Équipes × thèmes"}} {
		rec := e.bearer(http.MethodGet, "/api/v1/rollup.xlsx?lang="+c.lang, w.adminT, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET rollup.xlsx = %d %s", rec.Code, rec.Body)
		}
		if cd := rec.Header().Get("Content-Disposition"); !strings.Contains(cd, "ecat-rollup.xlsx") {
			t.Errorf("Content-Disposition %q", cd)
		}
		f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{c.summary, c.teams, "Medicine", "Oncology", "Surgery"}
		if got := f.GetSheetList(); !slices.Equal(got, want) {
			t.Errorf("%s: sheets %q, want %q", c.lang, got, want)
		}
		rows, err := f.GetRows(c.teams, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, team := range r.Teams {
			found := false
			for _, row := range rows {
				if len(row) > 6 && row[0] == team.Team {
					found = true
					for i, th := range team.Themes {
						want := ""
						if th.Score != nil {
							want = strconv.FormatFloat(*th.Score, 'f', -1, 64)
						}
						if got := row[6+i]; want != "" && got != want {
							t.Errorf("%s, %s: %s = %q, want %q", c.lang, team.Team, th.Key, got, want)
						}
					}
				}
			}
			if !found {
				t.Errorf("%s: no row for %s", c.lang, team.Team)
			}
		}
		var all strings.Builder
		for _, sheet := range f.GetSheetList() {
			rows, _ := f.GetRows(sheet)
			for _, row := range rows {
				all.WriteString(strings.Join(row, "|") + "\n")
			}
		}
		if strings.Contains(all.String(), "ROLLUP-SECRET") {
			t.Errorf("%s: a respondent's text is in the workbook", c.lang)
		}
		if !strings.Contains(all.String(), "Ward B") {
			t.Errorf("%s: the team without a closed round is not listed", c.lang)
		}
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}
	if got := e.auditActions(w.admin); !slices.Contains(got, assessment.AuditRollupExport) {
		t.Errorf("activity %v has no roll-up export", got)
	}
	// The page's download, narrowed to a unit: that unit's sheet only.
	rec := e.signedIn(w.ann).get("/organization.xlsx?unit=Surgery")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /organization.xlsx = %d", rec.Code)
	}
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer checkClose(t, "workbook", f)
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Summary", "Teams × themes", "Surgery"}) {
		t.Errorf("sheets %q", got)
	}
}
