package web

// The team report end to end over HTTP: responses come in through the respondents' API,
// the report goes out as JSON, as the HTML page, as the workbook and through the CSV and
// JSON writers. The anonymity rule (README, "The team report") is checked on every one of them: a group
// below the threshold shows no figure and no text anywhere, drafts never count, and the
// team figures leave the withheld group out so that nothing can be recovered by
// subtraction.

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/reports"
)

// Texts that must never leave the server: the withheld group's and the drafts'.
const (
	secretPP    = "SECRET-PP"
	secretDraft = "DRAFT-X"
)

// sentResponse is one response posted through the API, as the test remembers it.
type sentResponse struct {
	pillar      string
	submit      bool
	answers     map[string]string
	strength    string
	opportunity string
}

// reportSeed says how to fill an assessment: how many submitted responses per pillar,
// the answer pattern and text tag of each pillar, and the drafts.
type reportSeed struct {
	submitted map[string]int
	// answer gives the answer of response k (0-based within its pillar) to item j.
	answer map[string]func(k, j int) assessment.Answer
	tag    map[string]string
	drafts []string // one draft per entry, in that pillar
}

// standardSeed is 3 leadership, 4 staff and 2 patient partners (withheld at threshold
// 3), with drafts in every pillar: one of leadership and staff, two of the patient
// partners (counting them would lift the group to the threshold).
func standardSeed() reportSeed {
	return reportSeed{
		submitted: map[string]int{pillars.Leadership: 3, pillars.Staff: 4, pillars.PatientPartners: 2},
		answer: map[string]func(k, j int) assessment.Answer{
			pillars.Leadership:      func(k, j int) assessment.Answer { return assessment.Answers[(k*j+k+j*j)%4] },
			pillars.Staff:           func(k, j int) assessment.Answer { return assessment.Answers[(k+2*j+k*j)%4] },
			pillars.PatientPartners: func(k, j int) assessment.Answer { return assessment.Yes },
		},
		tag: map[string]string{
			pillars.Leadership:      "LEAD-VISIBLE",
			pillars.Staff:           "STAFF-VISIBLE",
			pillars.PatientPartners: secretPP,
		},
		drafts: []string{pillars.Leadership, pillars.Staff, pillars.PatientPartners, pillars.PatientPartners},
	}
}

// seedReport posts the seed's responses through POST /api/v1/responses, submitted ones
// of each pillar in turn, then the drafts, and returns what was sent.
func (e *testEnv) seedReport(a *assessment.Assessment, seed reportSeed) []sentResponse {
	e.t.Helper()
	var sent []sentResponse
	post := func(pillar string, k int, submit bool) {
		p := e.in.Pillar(pillar)
		tag := seed.tag[pillar]
		if !submit {
			tag = secretDraft
		}
		s := sentResponse{pillar: pillar, submit: submit, answers: map[string]string{},
			strength:    fmt.Sprintf("%s strength %d of %s", tag, k, pillar),
			opportunity: fmt.Sprintf("%s opportunity %d of %s", tag, k, pillar)}
		for j, it := range p.Items() {
			switch {
			case submit:
				s.answers[it.ID] = string(seed.answer[pillar](k, j))
			case j%3 == 0: // a draft is half done, and all No
				s.answers[it.ID] = string(assessment.No)
			}
		}
		reflections := map[string]string{}
		for _, pr := range p.Reflections {
			reflections[pr.ID] = fmt.Sprintf("%s reflection %s %d", tag, pr.ID, k)
		}
		e.createResponse(map[string]any{
			"code": a.Code, "pillar": pillar, "language": "en",
			"answers": s.answers, "reflections": reflections,
			"strength":    map[string]string{"text": s.strength, "theme": e.in.Themes[k%len(e.in.Themes)].Key},
			"opportunity": map[string]string{"text": s.opportunity, "theme": e.in.Themes[(k+3)%len(e.in.Themes)].Key},
			"submit":      submit,
		})
		sent = append(sent, s)
	}
	for _, p := range e.in.Pillars {
		for k := range seed.submitted[p.Key] {
			post(p.Key, k, true)
		}
	}
	for k, pillar := range seed.drafts {
		post(pillar, k, false)
	}
	return sent
}

// reportFixture is an owned assessment filled with standardSeed, its owner, a signed-in
// browser and an API token of the owner.
type reportFixture struct {
	e     *testEnv
	f     *assessment.Facilitator
	a     *assessment.Assessment
	b     *browser
	token string
	sent  []sentResponse
}

func newReportFixture(t *testing.T) *reportFixture {
	t.Helper()
	e := newTestEnv(t)
	f := e.newFacilitator("rita@example.org", "Rita Reporter")
	a := e.ownedAssessment(f, "Spring round")
	if a.Threshold != 3 {
		t.Fatalf("threshold %d, want 3", a.Threshold)
	}
	token, _ := e.newAPIToken(f, "report tests")
	return &reportFixture{e: e, f: f, a: a, b: e.signedIn(f), token: token, sent: e.seedReport(a, standardSeed())}
}

// apiReportJSON fetches GET /api/v1/assessments/{id}/report and returns the body.
func (x *reportFixture) apiReportJSON(t *testing.T, a *assessment.Assessment) []byte {
	t.Helper()
	rec := x.e.bearer(http.MethodGet, fmt.Sprintf("/api/v1/assessments/%d/report", a.ID), x.token, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET report JSON: %d %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("report JSON content type %q", ct)
	}
	return rec.Body.Bytes()
}

func decodeReport(t *testing.T, body []byte) reports.Document {
	t.Helper()
	doc := reports.Document{Report: &reports.Report{}}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("decode report %s: %v", body, err)
	}
	return doc
}

// assertNoSecrets fails when a withheld group's or a draft's text shows in what.
func assertNoSecrets(t *testing.T, what string, body []byte) {
	t.Helper()
	for _, s := range []string{secretPP, secretDraft} {
		if i := bytes.Index(body, []byte(s)); i >= 0 {
			t.Errorf("%s shows %q: …%s…", what, s, body[max(0, i-80):min(len(body), i+80)])
		}
	}
}

// wantCounts adds up the submitted answers of what was sent, pillar → item → counts.
func wantCounts(sent []sentResponse) map[string]map[string]reports.Counts {
	out := map[string]map[string]reports.Counts{}
	for _, s := range sent {
		if !s.submit {
			continue
		}
		if out[s.pillar] == nil {
			out[s.pillar] = map[string]reports.Counts{}
		}
		for id, v := range s.answers {
			c := out[s.pillar][id]
			switch assessment.Answer(v) {
			case assessment.Yes:
				c.Yes++
			case assessment.Somewhat:
				c.Somewhat++
			case assessment.No:
				c.No++
			case assessment.Unknown:
				c.Unknown++
			}
			out[s.pillar][id] = c
		}
	}
	return out
}

func checkScore(t *testing.T, where string, s *float64) {
	t.Helper()
	if s != nil && (math.IsNaN(*s) || *s < 0 || *s > 100) {
		t.Errorf("%s: score %v outside 0–100", where, *s)
	}
}

func checkItem(t *testing.T, where string, ir reports.ItemResult) {
	t.Helper()
	p := ir.Percent
	if sum := p.Yes + p.Somewhat + p.No + p.Unknown + p.Unanswered; sum != 100 {
		t.Errorf("%s %s: percentages %+v add up to %d", where, ir.ID, p, sum)
	}
	checkScore(t, where+" "+ir.ID, ir.Score)
	c := ir.Counts
	if scored := c.Yes + c.Somewhat + c.No; scored > 0 {
		want := math.Round(1000*(float64(c.Yes)+0.5*float64(c.Somewhat))/float64(scored)) / 10
		if ir.Score == nil || math.Abs(*ir.Score-want) > 1e-9 {
			t.Errorf("%s %s: score %v, want %.1f for %+v", where, ir.ID, ir.Score, want, c)
		}
	} else if ir.Score != nil {
		t.Errorf("%s %s: score %v with no answer on the scale", where, ir.ID, *ir.Score)
	}
}

func TestReportJSONWithholdsSmallGroups(t *testing.T) {
	x := newReportFixture(t)
	e := x.e
	body := x.apiReportJSON(t, x.a)
	assertNoSecrets(t, "report JSON", body)
	for _, visible := range []string{"STAFF-VISIBLE strength 3 of staff", "LEAD-VISIBLE reflection L-R2 1"} {
		if !bytes.Contains(body, []byte(visible)) {
			t.Errorf("report JSON lacks the shown group's text %q", visible)
		}
	}
	doc := decodeReport(t, body)
	if doc.Assessment.ID != x.a.ID || doc.Threshold != 3 {
		t.Errorf("report of assessment %d, threshold %d", doc.Assessment.ID, doc.Threshold)
	}

	var order []string
	for _, g := range doc.Groups {
		order = append(order, g.Pillar)
	}
	if want := []string{pillars.Leadership, pillars.Staff, pillars.PatientPartners}; !slices.Equal(order, want) {
		t.Fatalf("groups %v, want %v", order, want)
	}
	want := wantCounts(x.sent)
	for _, g := range doc.Groups {
		if g.Pillar == pillars.PatientPartners {
			if !g.Withheld || g.Submitted != 0 || len(g.Items)+len(g.Sections)+len(g.Themes)+len(g.Strengths)+len(g.Opportunities)+len(g.Reflections) != 0 {
				t.Errorf("patient partners group (2 submitted, 2 drafts, threshold 3) = %+v, want withheld, 0 and empty", g)
			}
			continue
		}
		wantN := map[string]int{pillars.Leadership: 3, pillars.Staff: 4}[g.Pillar]
		if g.Withheld || g.Submitted != wantN {
			t.Errorf("%s: withheld %v, submitted %d; want shown with %d (drafts left out)", g.Pillar, g.Withheld, g.Submitted, wantN)
		}
		if n := len(e.in.Pillar(g.Pillar).Items()); len(g.Items) != n {
			t.Errorf("%s: %d items, want %d", g.Pillar, len(g.Items), n)
		}
		for _, ir := range g.Items {
			w := want[g.Pillar][ir.ID]
			if ir.Counts != w || ir.Pillar != g.Pillar {
				t.Errorf("%s %s: counts %+v (pillar %q), want %+v", g.Pillar, ir.ID, ir.Counts, ir.Pillar, w)
			}
			if total := ir.Counts.Total(); total != wantN {
				t.Errorf("%s %s: %d answers counted, want %d", g.Pillar, ir.ID, total, wantN)
			}
			checkItem(t, g.Pillar, ir)
		}
		for _, sr := range append(slices.Clone(g.Sections), g.Themes...) {
			checkScore(t, g.Pillar+" "+sr.Key, sr.Score)
		}
		if len(g.Strengths) != wantN || len(g.Opportunities) != wantN || len(g.Reflections) != wantN*len(e.in.Pillar(g.Pillar).Reflections) {
			t.Errorf("%s: %d strengths, %d opportunities, %d reflections", g.Pillar, len(g.Strengths), len(g.Opportunities), len(g.Reflections))
		}
	}

	team := doc.Team
	if team.Submitted != 7 || !slices.Equal(team.IncludedPillars, []string{pillars.Leadership, pillars.Staff}) ||
		!slices.Equal(team.WithheldPillars, []string{pillars.PatientPartners}) {
		t.Errorf("team: submitted %d, included %v, withheld %v; want 7, [leadership staff], [patient_partners]",
			team.Submitted, team.IncludedPillars, team.WithheldPillars)
	}
	if len(team.Items) != 32 {
		t.Errorf("team has %d items, want the 32 of the two shown groups", len(team.Items))
	}
	for _, ir := range append(slices.Clone(team.Items), doc.UnknownHotspots...) {
		if ir.Pillar == pillars.PatientPartners || strings.HasPrefix(ir.ID, "P-") {
			t.Errorf("team figures include the withheld group's item %s", ir.ID)
		}
		checkItem(t, "team", ir)
	}
	for _, sr := range slices.Concat(team.Themes, doc.HighestThemes, doc.LowestThemes) {
		checkScore(t, "theme "+sr.Key, sr.Score)
	}
	for _, g := range doc.Gaps {
		if g.PillarA == pillars.PatientPartners || g.PillarB == pillars.PatientPartners {
			t.Errorf("gap with the withheld group: %+v", g)
		}
		checkScore(t, "gap a", &g.ScoreA)
		checkScore(t, "gap b", &g.ScoreB)
	}
	for _, c := range doc.Contrasts {
		if c.Pillar == pillars.PatientPartners {
			t.Errorf("contrast in the withheld group: %+v", c)
		}
	}
	var strengths []string
	for _, nt := range doc.Strengths {
		strengths = append(strengths, nt.Texts...)
	}
	var wantStrengths []string
	for _, s := range x.sent {
		if s.submit && s.pillar != pillars.PatientPartners {
			wantStrengths = append(wantStrengths, s.strength)
		}
	}
	slices.Sort(strengths)
	slices.Sort(wantStrengths)
	if !slices.Equal(strengths, wantStrengths) {
		t.Errorf("team strengths %q, want %q", strengths, wantStrengths)
	}

	// A withheld group's lists are [] in JSON, never null.
	var raw struct {
		Groups []map[string]json.RawMessage `json:"groups"`
	}
	decodeJSON(t, body, &raw)
	for _, k := range []string{"items", "sections", "themes", "strengths", "opportunities", "reflections"} {
		if got := string(raw.Groups[2][k]); got != "[]" {
			t.Errorf("withheld group %s = %s, want []", k, got)
		}
	}
}

// TestReportExportWritersWithholdSmallGroups: the CSV and JSON writers (the CLI's
// export) over the same store carry no withheld or draft text either.
func TestReportExportWritersWithholdSmallGroups(t *testing.T) {
	x := newReportFixture(t)
	e := x.e
	loaded, err := e.srv.svc.Report(t.Context(), x.f, x.a.ID, false) // as `ecat export` loads it
	if err != nil {
		t.Fatal(err)
	}
	rep := loaded.Report

	var js bytes.Buffer
	if err := reports.WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	assertNoSecrets(t, "JSON export", js.Bytes())
	var fromWriter, fromAPI any
	decodeJSON(t, js.Bytes(), &fromWriter)
	decodeJSON(t, x.apiReportJSON(t, x.a), &fromAPI)
	if a, b := mustJSON(t, fromWriter), mustJSON(t, fromAPI); !bytes.Equal(a, b) {
		t.Errorf("JSON export and API report differ:\nexport %s\napi    %s", a, b)
	}

	for _, lang := range []locale.Lang{locale.English, locale.French} {
		var csv bytes.Buffer
		if err := reports.WriteCSV(&csv, rep, e.in, lang); err != nil {
			t.Fatal(err)
		}
		assertNoSecrets(t, "CSV export "+string(lang), csv.Bytes())
		lines := strings.Split(strings.TrimSpace(csv.String()), "\n")
		if len(lines) != 1+32 {
			t.Errorf("CSV %s: %d lines, want a header and 32 items", lang, len(lines))
		}
		for _, l := range lines[1:] {
			if !strings.HasPrefix(l, pillars.Leadership+",") && !strings.HasPrefix(l, pillars.Staff+",") {
				t.Errorf("CSV %s row of a withheld group: %s", lang, l)
			}
		}
	}
}

// xlsxParts unzips a workbook into its parts, name → content.
func xlsxParts(t *testing.T, body []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("workbook is not a zip: %v", err)
	}
	parts := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("open %s: %v", f.Name, err)
		}
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatalf("read %s: %v", f.Name, err)
		}
		if err := rc.Close(); err != nil {
			t.Fatalf("close %s: %v", f.Name, err)
		}
		parts[f.Name] = b
	}
	return parts
}

func TestReportWorkbookWithholdsSmallGroups(t *testing.T) {
	x := newReportFixture(t)
	e := x.e
	path := fmt.Sprintf("/assessments/%d/report.xlsx", x.a.ID)
	if slices.Contains(e.auditActions(x.f), assessment.AuditExport) {
		t.Fatal("an export is recorded before any download")
	}
	for _, via := range []struct {
		name string
		get  func() *http.Response
	}{
		{"page", func() *http.Response { return x.b.get(path).Result() }},
		{"api", func() *http.Response {
			return e.bearer(http.MethodGet, "/api/v1"+path, x.token, nil).Result()
		}},
		{"page in French", func() *http.Response { return x.b.get(path + "?lang=fr").Result() }},
	} {
		t.Run(via.name, func(t *testing.T) {
			before := e.auditActions(x.f)
			resp := via.get()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
				t.Errorf("Content-Type %q", ct)
			}
			if cd := resp.Header.Get("Content-Disposition"); !regexp.MustCompile(`^attachment; filename="[^"/\\]+\.xlsx"$`).MatchString(cd) {
				t.Errorf("Content-Disposition %q, want an attachment with an .xlsx name", cd)
			}
			parts := xlsxParts(t, body)
			if parts["xl/workbook.xml"] == nil {
				t.Fatalf("no xl/workbook.xml among %v", sortedKeys(parts))
			}
			staffText := false
			for name, b := range parts {
				assertNoSecrets(t, "workbook part "+name, b)
				if bytes.Contains(b, []byte("STAFF-VISIBLE strength 2 of staff")) && strings.HasPrefix(name, "xl/") {
					staffText = true
				}
				if strings.HasPrefix(name, "xl/worksheets/") && bytes.Contains(b, []byte("<f>")) {
					t.Errorf("%s holds a formula", name)
				}
			}
			if !staffText {
				t.Error("no part of the workbook holds a staff member's strength (shared or inline string)")
			}
			after := e.auditActions(x.f)
			if len(after) != len(before)+1 || after[len(after)-1] != assessment.AuditExport {
				t.Errorf("audit after the download: %v (before %v), want one more %q", after, before, assessment.AuditExport)
			}
			events, err := e.store.AuditEvents(t.Context(), x.f.ID, 1)
			if err != nil || len(events) != 1 || events[0].AssessmentID == nil || *events[0].AssessmentID != x.a.ID {
				t.Errorf("last audit event %+v (%v), want the export of assessment %d", events, err, x.a.ID)
			}
		})
	}
}

var (
	heatTableRE = regexp.MustCompile(`(?s)<table class="heat">.*?</table>`)
	thRE        = regexp.MustCompile(`<th[\s>][^>]*>?`)
	barRE       = regexp.MustCompile(`<svg class="bar"[^>]*>`)
	heatRowRE   = regexp.MustCompile(`(?s)<tr><th scope="row">.*?</tr>`)
	tdRE        = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
)

func TestReportPage(t *testing.T) {
	x := newReportFixture(t)
	e := x.e
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			path := fmt.Sprintf("/assessments/%d/report", x.a.ID)
			if lang == "fr" {
				path += "?lang=fr"
			}
			rec := x.b.get(path)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s: %d", path, rec.Code)
			}
			body := rec.Body.String()
			assertSecurityHeaders(t, rec)
			assertNoSecrets(t, "report page", rec.Body.Bytes())
			if got := htmlLang(body); got != lang {
				t.Errorf("<html lang=%q>, want %q", got, lang)
			}
			for _, key := range []string{"report.named_heading", "report.heat_heading", "report.col_theme", "report.withheld_title",
				"report.contrasts_heading", "report.unknown_heading", "report.indicative", "report.download"} {
				e.assertText(t, body, lang, key)
			}
			msg := func(key string) string { return e.tmpl.Message(lang, key) }
			l := locale.Lang(lang)
			ppTitle := e.in.Pillar(pillars.PatientPartners).Title.In(l)

			// The withheld notice names the group, and its section says why.
			notice := regexp.MustCompile(`(?s)<li class="withheld">(.*?)</li>`).FindStringSubmatch(body)
			if notice == nil || !strings.Contains(notice[1], escaped(t, ppTitle)) || !strings.Contains(notice[1], escaped(t, fmt.Sprintf(msg("report.withheld_text"), 3))) {
				t.Errorf("withheld notice %q does not name %q with the threshold", notice, ppTitle)
			}
			if !strings.Contains(body, `<p class="withheld">`+escaped(t, fmt.Sprintf(msg("report.group_withheld"), 3))+`</p>`) {
				t.Error("the patient partners' section does not say it is withheld")
			}
			if strings.Contains(body, `<span class="num">P-`) || strings.Contains(body, `aria-label="P-`) {
				t.Error("the page shows an item of the withheld group")
			}

			// The heatmap: headers with scope, a row per theme, the withheld column empty.
			table := heatTableRE.FindString(body)
			if table == "" {
				t.Fatal("no heatmap table")
			}
			for _, th := range thRE.FindAllString(table, -1) {
				if !strings.Contains(th, `scope="col"`) && !strings.Contains(th, `scope="row"`) {
					t.Errorf("heatmap header without scope: %s", th)
				}
			}
			if n := strings.Count(table, `<th scope="col">`); n != 6 {
				t.Errorf("heatmap has %d column headers, want theme, 3 pillars, team, gap", n)
			}
			rows := heatRowRE.FindAllString(table, -1)
			if len(rows) != len(e.in.Themes) {
				t.Errorf("heatmap has %d rows, want %d themes", len(rows), len(e.in.Themes))
			}
			// The withheld group's cells say so in words, hatched (not a band's colour).
			for _, row := range rows {
				cells := tdRE.FindAllStringSubmatch(row, -1)
				if len(cells) != 5 || cells[2][0] != `<td class="score gap">`+escaped(t, msg("report.heat_withheld"))+`</td>` {
					t.Errorf("heatmap row %s: want 5 cells with the patient partners' marked withheld", row)
				}
				for i, c := range cells[:4] {
					if i != 2 && (strings.Contains(c[0], `"score gap"`) || c[1] == "—") {
						t.Errorf("heatmap row %s: cell %d has no score", row, i)
					}
				}
			}
			// Its legend names every band and the hatching.
			legend := regexp.MustCompile(`(?s)<p class="legend">(.*?)</p>`).FindAllStringSubmatch(body, -1)
			if len(legend) == 0 || !strings.Contains(body, `</p>`+"\n"+`<p class="legend"><span class="legend-item"><span class="key strength"></span>`) {
				t.Fatal("no band legend under the heatmap's hint")
			}
			// Each key with its words, kept together on a line.
			for _, key := range []string{"strength", "developing", "opportunity", "gap"} {
				if !strings.Contains(legend[0][1], `<span class="legend-item"><span class="key `+key+`"></span>`+escaped(t, msg("report.legend_"+key))+`</span>`) {
					t.Errorf("the heatmap's legend lacks %s: %s", key, legend[0][1])
				}
			}
			if !strings.Contains(body, `class="table-wrap" role="region" aria-labelledby="heat-heading" tabindex="0"`) {
				t.Error("the heatmap is not in a focusable, labelled scrolling region")
			}

			// A bar per item of the shown groups, named with its percentages.
			doc := decodeReport(t, x.apiReportJSON(t, x.a))
			bars := barRE.FindAllString(body, -1)
			if len(bars) != 32 {
				t.Errorf("%d bars, want 32", len(bars))
			}
			for _, bar := range bars {
				if !strings.Contains(bar, `role="img"`) || !strings.Contains(bar, `aria-label="`) {
					t.Errorf("bar without role=img and a name: %s", bar)
				}
			}
			for _, g := range doc.Groups {
				for _, ir := range g.Items {
					p := ir.Percent
					name := fmt.Sprintf("%s: %s %d %%, %s %d %%, %s %d %%, %s %d %%", ir.ID,
						msg("answer.yes"), p.Yes, msg("answer.somewhat"), p.Somewhat, msg("answer.no"), p.No, msg("answer.unknown"), p.Unknown)
					if !strings.Contains(body, `role="img" aria-label="`+html.EscapeString(name)+`"`) {
						t.Errorf("no bar named %q", name)
					}
				}
			}
			if href := fmt.Sprintf(`<a class="button" href="/assessments/%d/report.xlsx?lang=%s" download>`, x.a.ID, lang); !strings.Contains(body, href) {
				t.Errorf("no download link %s", href)
			}
		})
	}
}

// TestReportSubtraction: two assessments that differ only in what their withheld group
// answered and wrote (and how many of its members did) give the same report, byte for
// byte once the assessment's own details are set aside, in JSON, in CSV and on the page.
func TestReportSubtraction(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("sam@example.org", "Sam Subtract")
	token, _ := e.newAPIToken(f, "subtraction")
	b := e.signedIn(f)

	one, two := standardSeed(), standardSeed()
	two.submitted[pillars.PatientPartners] = 1
	two.answer[pillars.PatientPartners] = func(k, j int) assessment.Answer { return assessment.Answers[(k+j)%4] }
	two.tag[pillars.PatientPartners] = secretPP + "-OTHER"
	two.drafts = []string{pillars.Leadership, pillars.Staff}
	a1, a2 := e.ownedAssessment(f, "Spring round"), e.ownedAssessment(f, "Spring round")
	e.seedReport(a1, one)
	e.seedReport(a2, two)

	figures := func(a *assessment.Assessment) []byte {
		rec := e.bearer(http.MethodGet, fmt.Sprintf("/api/v1/assessments/%d/report", a.ID), token, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("report %d: %d", a.ID, rec.Code)
		}
		var doc map[string]any
		decodeJSON(t, rec.Body.Bytes(), &doc)
		if doc["assessment"] == nil {
			t.Fatal("report without its assessment")
		}
		delete(doc, "assessment")
		return mustJSON(t, doc) // map keys sorted
	}
	if d1, d2 := figures(a1), figures(a2); !bytes.Equal(d1, d2) {
		i := 0
		for i < min(len(d1), len(d2)) && d1[i] == d2[i] {
			i++
		}
		t.Errorf("the reports differ by the withheld group, at byte %d:\n%s\n%s", i, d1[max(0, i-120):min(len(d1), i+120)], d2[max(0, i-120):min(len(d2), i+120)])
	}

	csv := func(a *assessment.Assessment) string {
		tl, err := e.store.Tallies(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := reports.WriteCSV(&buf, reports.Build(a, e.in, tl), e.in, locale.English); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	if c1, c2 := csv(a1), csv(a2); c1 != c2 {
		t.Errorf("the CSV exports differ by the withheld group:\n%s\n---\n%s", c1, c2)
	}

	ids := regexp.MustCompile(`/assessments/\d+`)
	perRequest := regexp.MustCompile(`name="_csrf" value="[^"]*"|<code>[^<]*</code>`)
	page := func(a *assessment.Assessment) string {
		rec := b.get(fmt.Sprintf("/assessments/%d/report", a.ID))
		if rec.Code != http.StatusOK {
			t.Fatalf("report page %d: %d", a.ID, rec.Code)
		}
		return perRequest.ReplaceAllString(ids.ReplaceAllString(rec.Body.String(), "/assessments/N"), "")
	}
	if p1, p2 := page(a1), page(a2); p1 != p2 {
		i := 0
		for i < min(len(p1), len(p2)) && p1[i] == p2[i] {
			i++
		}
		t.Errorf("the report pages differ by the withheld group, at byte %d:\n%s\n---\n%s", i, p1[max(0, i-200):min(len(p1), i+200)], p2[max(0, i-200):min(len(p2), i+200)])
	}
}
