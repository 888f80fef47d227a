package web

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// A round that has its next round stays closed: its page no longer offers Reopen, and
// says why.
func TestReassessedRoundOffersNoReopen(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("next@example.org", "Nex")
	a := e.ownedAssessment(f, "First round")
	b := e.signedIn(f)
	id := strconv.FormatInt(a.ID, 10)
	if rec := b.postForm("/assessments/"+id+"/close", nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("close: %d", rec.Code)
	}
	if page := b.get("/assessments/" + id).Body.String(); !strings.Contains(page, `action="/assessments/`+id+`/reopen"`) {
		t.Fatal("a closed round without a next round should offer Reopen")
	}
	if rec := b.postForm("/assessments/"+id+"/reassess", nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("reassess: %d", rec.Code)
	}
	page := b.get("/assessments/" + id).Body.String()
	if strings.Contains(page, `/reopen"`) {
		t.Error("a reassessed round still offers Reopen")
	}
	e.assertText(t, page, "en", "assessment.reassessed_hint")
}

// The sign-in and setup pages speak to facilitators: their footer is about team
// members' answers, not "your answers"; respondents' pages keep theirs.
func TestFacilitatorFooter(t *testing.T) {
	e := newTestEnv(t)
	login := e.newBrowser().get("/login").Body.String()
	e.assertText(t, login, "en", "footer_facilitator")
	if strings.Contains(login, escaped(t, e.tmpl.Message("en", "footer"))) {
		t.Error("the sign-in page carries the respondents' footer")
	}
	e.assertText(t, e.newBrowser().get("/").Body.String(), "en", "footer")
}

// The invitation gives the home page's address next to the join code.
func TestInvitationNamesTheHomePage(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("invite@example.org", "Inv")
	a := e.ownedAssessment(f, "Invited round")
	page := e.signedIn(f).get("/assessments/" + strconv.FormatInt(a.ID, 10) + "/invitation").Body.String()
	if !strings.Contains(page, "Or go to the ecat home page, "+testBaseURL+"/, and enter the join code:") {
		t.Error("the invitation does not name the home page's address")
	}
}

// Percentages read "33%" in English and "33 %" in French with a space that never
// breaks, so the number and its sign stay on one line.
func TestPercentSigns(t *testing.T) {
	e := newTestEnv(t)
	for lang, want := range map[string]string{"en": "33% Unknown", "fr": "33\u00a0% Je ne sais pas"} {
		p := e.tmpl.Messages(lang)["report.unknown_line"]
		if got := strings.Replace(p, "%d", "33", 1); strings.ReplaceAll(got, "%%", "%") != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}
