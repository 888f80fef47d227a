package e2e

// The Organization page in a real browser: on a phone and a laptop screen with
// JavaScript (axe-core, no sideways scrolling), and on a phone without it (the unit
// filter is a plain GET form).

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
)

func TestOrganizationPageInBrowser(t *testing.T) {
	requireChrome(t)
	for _, vp := range []struct {
		name          string
		width, height int
		js            bool
	}{
		{"phone", phoneWidth, phoneHeight, true},
		{"desktop", 1280, 800, true},
		{"phone-nojs", phoneWidth, phoneHeight, false},
	} {
		t.Run(vp.name, func(t *testing.T) {
			e, setupURL := startFacilitatorECAT(t)
			ctx := context.Background()
			seedReportResponses(t, e) // Ward 4B: leadership and staff shown, partners withheld
			if _, err := e.store.SetAssessmentStatus(ctx, e.a.ID, assessment.Closed); err != nil {
				t.Fatal(err)
			}
			// A second team in a unit with a long name, closed; a third still open.
			second, err := assessment.NewAssessment("Spring round", "Interprofessional outpatient clinic", "en", assessment.DefaultThreshold, false, e.in.Version)
			if err != nil {
				t.Fatal(err)
			}
			second.Unit = "Department of medicine and ambulatory care"
			if err := e.store.CreateAssessment(ctx, second); err != nil {
				t.Fatal(err)
			}
			for k := range 3 {
				postResponse(t, e, second.Code, pillars.Staff, k+1, true, fmt.Sprintf("SECRET-ORG strength %d", k))
			}
			if _, err := e.store.SetAssessmentStatus(ctx, second.ID, assessment.Closed); err != nil {
				t.Fatal(err)
			}
			e.newAssessment(t) // a third team, open: no closed round yet

			bctx := newBrowser(t, vp.width, vp.height, vp.js)
			navigate(t, bctx, setupURL)
			createAccount(t, bctx, e) // adopts every round
			navigate(t, bctx, e.URL+"/organization")
			if got, want := domText(t, bctx, "h1"), e.msg("org.heading"); got != want {
				t.Errorf("h1 = %q, want %q", got, want)
			}
			main := domText(t, bctx, "main")
			for _, want := range []string{"Ward 4B", "Interprofessional outpatient clinic", e.msg("org.not_closed_heading")} {
				if !strings.Contains(main, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
			if strings.Contains(main, "SECRET") {
				t.Error("the page shows a respondent's words")
			}
			if !vp.js {
				// The filter is a plain form: choose the unit and send it.
				navigate(t, bctx, e.URL+"/organization?unit=Department+of+medicine+and+ambulatory+care")
				if main := domText(t, bctx, "main table.heat tbody"); strings.Contains(main, "Ward 4B") || !strings.Contains(main, "Interprofessional") {
					t.Errorf("filtered by unit: %q", main)
				}
				return
			}
			checkAxe(t, bctx, "organization")
			noHorizontalScroll(t, bctx, "organization", vp.width)
			shot(t, bctx, "organization")
			navigate(t, bctx, e.URL+"/organization?lang=fr&unit=Department+of+medicine+and+ambulatory+care")
			checkAxe(t, bctx, "organization-fr")
			noHorizontalScroll(t, bctx, "organization-fr", vp.width)
		})
	}
}
