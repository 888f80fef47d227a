package web

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/reports"
	"github.com/ecat-project/ecat/survey"
)

// submitAs submits n complete responses for a pillar; each strength carries marker so a
// test can look for the group's texts.
func (e *testEnv) submitAs(a *assessment.Assessment, pillar string, n int, marker string, answer string) {
	e.t.Helper()
	for i := 0; i < n; i++ {
		body := e.completeBody(a.Code, pillar)
		if answer != "" {
			answers := map[string]string{}
			for _, id := range e.itemIDs(pillar) {
				answers[id] = answer
			}
			body["answers"] = answers
		}
		body["strength"] = map[string]string{"text": marker + " strength " + strconv.Itoa(i), "theme": "relationships"}
		e.createResponse(body)
	}
}

type comparedReport struct {
	Previous *struct {
		AssessmentID int64 `json:"assessment_id"`
		Round        int   `json:"round"`
		Groups       []struct {
			Pillar            string `json:"pillar"`
			Submitted         int    `json:"submitted"`
			PreviousSubmitted int    `json:"previous_submitted"`
			Withheld          bool   `json:"withheld"`
			PreviousWithheld  bool   `json:"previous_withheld"`
			Comparable        bool   `json:"comparable"`
			Themes            []struct {
				Key           string   `json:"key"`
				Score         *float64 `json:"score"`
				PreviousScore *float64 `json:"previous_score"`
				Change        *float64 `json:"change"`
			} `json:"themes"`
		} `json:"groups"`
		Team struct {
			Pillars        []string `json:"pillars"`
			LeftOutPillars []string `json:"left_out_pillars"`
			Themes         []struct {
				Key    string   `json:"key"`
				Change *float64 `json:"change"`
			} `json:"themes"`
		} `json:"team"`
		Actions []struct {
			Text   string `json:"text"`
			Status string `json:"status"`
		} `json:"actions"`
	} `json:"previous"`
}

// TestReportComparesWithPreviousRound: a team's second round compares with the first,
// per pillar and for the team, only over groups shown in both rounds; the actions agreed
// in round 1 show where they stand; nothing of a group withheld in either round leaks
// through the comparison, on screen, in JSON or in the workbook.
func TestReportComparesWithPreviousRound(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("lead@example.org", "Lee")
	token, _ := e.newAPIToken(f, "")
	r1 := e.ownedAssessment(f, "Round one") // threshold 3
	e.submitAs(r1, "staff", 3, "R1STAFF", "no")
	e.submitAs(r1, "leadership", 3, "R1LEAD", "")
	e.submitAs(r1, "patient_partners", 2, "R1SECRETPP", "") // withheld in round 1
	keep := e.newAction(r1, "Invite partners to huddles")
	finished := e.newAction(r1, "Finished already")
	finished.Status = assessment.ActionDone
	if err := e.store.UpdateAction(t.Context(), finished); err != nil {
		t.Fatal(err)
	}
	e.closeAssessment(r1)

	rec := e.bearer(http.MethodPost, "/api/v1/assessments/"+strconv.FormatInt(r1.ID, 10)+"/reassess", token, nil)
	if rec.Code != http.StatusCreated {
		t.Fatalf("reassess: %d %s", rec.Code, rec.Body)
	}
	var next struct{ ID int64 }
	decodeJSON(t, rec.Body.Bytes(), &next)
	r2 := e.storedAssessment(next.ID)
	e.submitAs(r2, "staff", 3, "R2STAFF", "yes")
	e.submitAs(r2, "leadership", 1, "R2SECRETLEAD", "") // withheld in round 2
	e.submitAs(r2, "patient_partners", 3, "R2PP", "")
	// The team finished the carried action during round 2.
	carried := e.storedActions(r2.ID)
	if len(carried) != 1 {
		t.Fatalf("carried %+v", carried)
	}
	carried[0].Status = assessment.ActionDone
	if err := e.store.UpdateAction(t.Context(), &carried[0]); err != nil {
		t.Fatal(err)
	}

	id2 := strconv.FormatInt(r2.ID, 10)
	rec = e.bearer(http.MethodGet, "/api/v1/assessments/"+id2+"/report", token, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("report: %d %s", rec.Code, rec.Body)
	}
	var rep comparedReport
	decodeJSON(t, rec.Body.Bytes(), &rep)
	p := rep.Previous
	if p == nil || p.AssessmentID != r1.ID || p.Round != 1 {
		t.Fatalf("previous = %+v", p)
	}
	for _, g := range p.Groups {
		switch g.Pillar {
		case "staff":
			if !g.Comparable || g.Submitted != 3 || g.PreviousSubmitted != 3 || len(g.Themes) == 0 {
				t.Errorf("staff %+v", g)
			}
			for _, th := range g.Themes {
				// Round 1 answered No everywhere, round 2 Yes: every theme went 0 → 100.
				if th.Change == nil || *th.Change != 100 {
					t.Errorf("staff theme %s change %v, want +100", th.Key, th.Change)
				}
			}
		case "leadership", "patient_partners":
			if g.Comparable || len(g.Themes) != 0 {
				t.Errorf("%s is withheld in one round but compared: %+v", g.Pillar, g)
			}
			if g.Withheld && g.Submitted != 0 || g.PreviousWithheld && g.PreviousSubmitted != 0 {
				t.Errorf("%s: a withheld group's count is given: %+v", g.Pillar, g)
			}
		}
	}
	if strings.Join(p.Team.Pillars, ",") != "staff" {
		t.Errorf("team compared over %v, want staff only", p.Team.Pillars)
	}
	for _, th := range p.Team.Themes {
		if th.Change == nil || *th.Change != 100 {
			t.Errorf("team theme %s change %v: the team comparison must use staff only", th.Key, th.Change)
		}
	}
	statuses := map[string]string{}
	for _, a := range p.Actions {
		statuses[a.Text] = a.Status
	}
	if statuses[keep.Text] != assessment.ActionDone || len(statuses) != 2 {
		t.Errorf("actions agreed in round 1: %v, want the carried one done", statuses)
	}
	for _, secret := range []string{"R1SECRETPP", "R2SECRETLEAD"} {
		if strings.Contains(rec.Body.String(), secret) {
			t.Errorf("the report JSON shows %s, a withheld group's text", secret)
		}
	}

	// On screen.
	b := e.signedIn(f)
	page := b.get("/assessments/" + id2 + "/report")
	body := page.Body.String()
	if page.Code != http.StatusOK {
		t.Fatalf("report page %d", page.Code)
	}
	e.assertText(t, body, "en", "report.moved_heading")
	e.assertText(t, body, "en", "report.moved_left_out")
	if text := html.UnescapeString(body); !strings.Contains(text, "0.0 → 100.0 <strong class=\"change up\">(+100.0)") || !strings.Contains(text, keep.Text) {
		t.Errorf("the page lacks the change or the action:\n%s", body)
	}
	for _, secret := range []string{"R1SECRETPP", "R2SECRETLEAD"} {
		if strings.Contains(body, secret) {
			t.Errorf("the report page shows %s", secret)
		}
	}
	// Round 1's own report has nothing to compare with.
	if body := b.get("/assessments/" + strconv.FormatInt(r1.ID, 10) + "/report").Body.String(); strings.Contains(body, `id="moved-heading"`) {
		t.Error("round 1's report compares with a round before it")
	}

	// The workbook has the Trend sheet and the carried action in the plan.
	x := e.bearer(http.MethodGet, "/api/v1/assessments/"+id2+"/report.xlsx", token, nil)
	// Read as the zip of XML parts it is (excelize stays in reports/; reports' own tests
	// reopen workbooks cell by cell).
	zr, err := zip.NewReader(bytes.NewReader(x.Body.Bytes()), int64(x.Body.Len()))
	if err != nil {
		t.Fatalf("workbook: %v", err)
	}
	parts := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		if err := rc.Close(); err != nil {
			t.Fatal(err)
		}
		parts[f.Name] = string(b)
	}
	if !strings.Contains(parts["xl/workbook.xml"], `name="Trend"`) {
		t.Errorf("no Trend sheet in %s", parts["xl/workbook.xml"])
	}
	found := false
	for name, text := range parts {
		for _, secret := range []string{"R1SECRETPP", "R2SECRETLEAD"} {
			if strings.Contains(text, secret) {
				t.Errorf("%s shows a withheld group's text %s", name, secret)
			}
		}
		found = found || strings.Contains(text, ">"+keep.Text+"<")
	}
	if !found {
		t.Error("the workbook's action plan lacks the carried action")
	}
}

// TestReportRoundsStayWithTheirOwner: a previous round that belongs to someone else is
// never compared (the walk stops at the owner's rounds).
func TestReportRoundsStayWithTheirOwner(t *testing.T) {
	e := newTestEnv(t)
	alice := e.newFacilitator("alice@example.org", "Alice")
	bob := e.newFacilitator("bob@example.org", "Bob")
	bobs := e.ownedAssessment(bob, "Bob's round")
	e.submitAs(bobs, "staff", 3, "BOBSECRET", "")
	e.closeAssessment(bobs)
	mine, err := assessment.NewAssessment("Alice round 2", "Ward", "en", 3, false, e.in.Version)
	if err != nil {
		t.Fatal(err)
	}
	mine.FacilitatorID, mine.PreviousID, mine.Round = &alice.ID, &bobs.ID, 2
	if err := e.store.CreateAssessment(t.Context(), mine); err != nil {
		t.Fatal(err)
	}
	token, _ := e.newAPIToken(alice, "")
	rec := e.bearer(http.MethodGet, "/api/v1/assessments/"+strconv.FormatInt(mine.ID, 10)+"/report", token, nil)
	var raw map[string]json.RawMessage
	decodeJSON(t, rec.Body.Bytes(), &raw)
	if _, ok := raw["previous"]; ok || strings.Contains(rec.Body.String(), "BOBSECRET") {
		t.Errorf("Alice's report compares with Bob's round: %s", rec.Body)
	}
}

func TestMovedCellAgreesWithItself(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	srv := &Server{svc: survey.New(nil, nil, testWords(t), nil)}
	for _, lang := range []string{"en", "fr"} {
		score := srv.scoreFormatter(lang)
		for _, c := range []struct {
			prev, cur, change *float64
			text, changeText  string
		}{
			{f(62.5), f(70), f(7.5), "62.5 → 70.0", "+7.5"},
			{f(62.4), f(62.6), f(0.2), "62.4 → 62.6", "+0.2"},
			{f(80), f(79.6), f(-0.4), "80.0 → 79.6", "−0.4"},
			{f(50), f(13.5), f(-36.5), "50.0 → 13.5", "−36.5"},
			{f(70), f(70), f(0), "70.0 → 70.0", "0"},
			{nil, f(40), nil, "— → 40.0", ""},
		} {
			got := movedCellFor([]reports.ScoreChange{{Key: "k", PreviousScore: c.prev, Score: c.cur, Change: c.change}}, "k", score)
			text, change := c.text, c.changeText
			if lang == "fr" {
				text, change = strings.ReplaceAll(text, ".", ","), strings.ReplaceAll(change, ".", ",")
			}
			if got.Text != text || got.Change != change {
				t.Errorf("%s %v → %v: %q (%q), want %q (%q)", lang, c.prev, c.cur, got.Text, got.Change, text, change)
			}
		}
	}
}
