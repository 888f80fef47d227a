package web

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
)

// The dashboard lists the rounds of one team together, newest round first, with the
// number of rounds, the latest round's status and the responses submitted per round;
// the team whose round was opened last comes first.
func TestDashboardByTeam(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("teams@example.org", "Tam")
	open := func(title, team string, previous *assessment.Assessment) *assessment.Assessment {
		t.Helper()
		var a *assessment.Assessment
		if previous == nil {
			var err error
			if a, err = assessment.NewAssessment(title, team, "en", 1, true, e.in.Version); err != nil {
				t.Fatal(err)
			}
		} else {
			e.closeAssessment(previous)
			a = assessment.NextRound(previous, e.in.Version)
			a.Title = title
		}
		a.FacilitatorID = &f.ID
		if err := e.store.CreateAssessment(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	spring := open("Ward 9 spring", "Ward 9", nil)
	clinic := open("Clinic first look", "Clinic", nil)
	e.submitAs(spring, "staff", 2, "spring", "")
	fall := open("Ward 9 fall", "Ward 9", spring) // opened last: Ward 9 comes first
	e.submitAs(fall, "staff", 3, "fall", "")

	body := e.signedIn(f).get("/dashboard").Body.String()
	headings := regexp.MustCompile(`<h3 id="team-(\d+)">([^<]*)</h3>`).FindAllStringSubmatch(body, -1)
	if len(headings) != 2 || headings[0][2] != "Ward 9" || headings[1][2] != "Clinic" {
		t.Fatalf("team headings %v, want Ward 9 then Clinic", headings)
	}
	ward := body[strings.Index(body, `<h3 id="team-1">`):strings.Index(body, `<h3 id="team-2">`)]
	fallAt, springAt := strings.Index(ward, escaped(t, fall.Title)), strings.Index(ward, escaped(t, spring.Title))
	if fallAt < 0 || springAt < 0 || fallAt > springAt {
		t.Errorf("Ward 9's rounds are not together, newest first (fall at %d, spring at %d)", fallAt, springAt)
	}
	if strings.Contains(ward, escaped(t, clinic.Title)) {
		t.Error("the clinic's round is listed under Ward 9")
	}
	for _, want := range []string{
		e.tmpl.Counted("en", "dashboard.team_rounds", 2) + " · ",
		strings.Replace(e.tmpl.Message("en", "dashboard.team_latest"), "%s", e.tmpl.Message("en", "status.open"), 1),
		strings.Replace(e.tmpl.Message("en", "dashboard.team_trend"), "%s", "2 → 3", 1),
	} {
		if !strings.Contains(ward, escaped(t, want)) {
			t.Errorf("Ward 9 lacks %q:\n%s", want, ward)
		}
	}
	clinicPart := body[strings.Index(body, `<h3 id="team-2">`):]
	if !strings.Contains(clinicPart, e.tmpl.Counted("en", "dashboard.team_rounds", 1)) || strings.Contains(clinicPart, "→") {
		t.Errorf("the clinic's facts: one round, no trend:\n%s", clinicPart)
	}
	// Each team's table is a region named by the team, so the regions differ.
	if !strings.Contains(body, `aria-labelledby="team-1 team-1-caption"`) || !strings.Contains(body, `aria-labelledby="team-2 team-2-caption"`) {
		t.Error("the teams' tables are not named by their team")
	}
}
