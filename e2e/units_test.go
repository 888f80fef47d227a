package e2e

// Units and participation in a real browser on a 360 px phone: the new-assessment
// form with a unit, expected headcounts and a closing moment (sent back with its
// mistakes, then accepted), the assessment page's response rate, the settings page,
// the dashboard grouped and filtered by unit, and the join page's closing moment.
// Each page and state is checked with axe-core and for sideways scrolling.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestUnitsAndParticipation(t *testing.T) {
	requireChrome(t)
	e, setupURL := startFacilitatorECAT(t)
	ctx := newBrowserWithin(t, phoneWidth, phoneHeight, true, facilitatorJourneyTimeout)
	navigate(t, ctx, setupURL)
	createAccount(t, ctx, e)
	check := func(name string) {
		t.Helper()
		noHorizontalScroll(t, ctx, name, phoneWidth)
		checkAxe(t, ctx, name)
		shot(t, ctx, name)
	}
	set := func(sel, value string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(sel), value)); err != nil {
			t.Fatalf("set %s: %v", sel, err)
		}
	}

	openNewAssessment(t, ctx, e)
	check("new-assessment")
	typeInto(t, ctx, "#title", "Spring 2031")
	typeInto(t, ctx, "#team", "Ward 4B")
	typeInto(t, ctx, "#unit", "Medicine")
	set("#expected-staff", "-3")
	set("#expected-leadership", "4")
	set("#closes_at", "2001-01-01T10:00")
	expectStatus(t, "mistakes", clickAndLoad(t, ctx, mainSubmit).Status, http.StatusUnprocessableEntity)
	if got := domText(t, ctx, ".error-summary ul"); !strings.Contains(got, e.msg("field.expected_invalid")) || !strings.Contains(got, e.msg("field.closes_at_past")) {
		t.Errorf("error summary: %q", got)
	}
	check("new-assessment-errors")
	// The summary's link leads to the field.
	click(t, ctx, `.error-summary a[href="#expected-staff"]`)
	if id := eval[string](t, ctx, `document.activeElement.id`); id != "expected-staff" {
		t.Errorf("the summary's link focused #%s", id)
	}
	set("#expected-staff", "5")
	closes := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Minute)
	set("#closes_at", closes.Format("2006-01-02T15:04"))
	expectStatus(t, "open the assessment", clickAndLoad(t, ctx, mainSubmit).Status, http.StatusOK)
	id := assessmentIDFrom(t, currentURL(t, ctx))
	a := e.storedAssessment(t, id)
	if a.Unit != "Medicine" || a.Expected["staff"] != 5 || a.Expected["leadership"] != 4 || a.ClosesAt == nil || !a.ClosesAt.Equal(closes) {
		t.Fatalf("stored: unit %q, expected %v, closes at %v", a.Unit, a.Expected, a.ClosesAt)
	}
	submitStaffResponse(t, e, a.Code)
	navigate(t, ctx, fmt.Sprintf("%s/assessments/%d", e.URL, id))
	if got := domText(t, ctx, `#completion tr[data-pillar="staff"] [data-field="rate"]`); got != "20%" {
		t.Errorf("staff response rate %q, want 20%%", got)
	}
	check("assessment-rate")

	expectStatus(t, "settings", clickAndLoad(t, ctx, fmt.Sprintf(`a[href="/assessments/%d/edit"]`, id)).Status, http.StatusOK)
	check("settings")
	set("#unit", "<b>Medicine</b>")
	expectStatus(t, "settings mistakes", clickAndLoad(t, ctx, mainSubmit).Status, http.StatusUnprocessableEntity)
	check("settings-errors")
	set("#unit", "Surgery")
	expectStatus(t, "save the settings", clickAndLoad(t, ctx, mainSubmit).Status, http.StatusOK)
	if got := domText(t, ctx, ".notice"); got != e.msg("assessment.done_settings_saved") {
		t.Errorf("notice %q", got)
	}

	// A second team in another unit, and one with none: the dashboard groups them.
	for _, team := range []struct{ name, unit string }{{"Clinic", ""}, {"Ward 7", "Medicine"}} {
		openNewAssessment(t, ctx, e)
		typeInto(t, ctx, "#title", team.name+" round")
		typeInto(t, ctx, "#team", team.name)
		if team.unit != "" {
			typeInto(t, ctx, "#unit", team.unit)
		}
		expectStatus(t, "open "+team.name, clickAndLoad(t, ctx, mainSubmit).Status, http.StatusOK)
	}
	navigate(t, ctx, e.URL+"/dashboard")
	if got := eval[[]string](t, ctx, `Array.from(document.querySelectorAll(".unit-heading")).map(h => h.textContent)`); strings.Join(got, ",") != "Medicine,Surgery,"+e.msg("dashboard.no_unit") {
		t.Errorf("unit headings %v", got)
	}
	check("dashboard-units")
	set("#unit-filter", "Surgery")
	expectStatus(t, "filter", clickAndLoad(t, ctx, `main form.unit-filter button`).Status, http.StatusOK)
	if got := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("main section.team h4")).map(h => h.textContent)`); strings.Join(got, ",") != "Ward 4B" {
		t.Errorf("teams of Surgery: %v", got)
	}
	check("dashboard-filtered")

	navigate(t, ctx, e.URL+"/j/"+a.Code+"?lang=fr")
	want := fmt.Sprintf("le %s à %s h %s (heure UTC)", closes.Format("2006-01-02"), closes.Format("15"), closes.Format("04"))
	if got := domText(t, ctx, "main ul.facts"); !strings.Contains(got, want) {
		t.Errorf("the join page's facts %q lack %q", got, want)
	}
	check("join-closing")
}
