package web

// The workbook a facilitator downloads from the report page is in the page's language,
// whatever the assessment's own language: every label, sheet name, action status and the
// status drop-down.

import (
	"bytes"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
)

var dateSuffixRE = regexp.MustCompile(`&R\d{4}-\d{2}-\d{2}$`)

var downloadRE = regexp.MustCompile(`<a class="button" href="([^"]*report\.xlsx[^"]*)" download>`)

func TestReportWorkbookFollowsPageLanguage(t *testing.T) {
	x := newReportFixture(t) // an assessment in English
	e := x.e
	statuses := []string{assessment.ActionPlanned, assessment.ActionInProgress, assessment.ActionDone, assessment.ActionDropped}
	for _, st := range statuses {
		act := &assessment.Action{AssessmentID: x.a.ID, Text: "Action " + st, Lead: "Unit manager", Status: st}
		if err := e.store.CreateAction(t.Context(), act); err != nil {
			t.Fatal(err)
		}
	}
	// The same round seen by a French-speaking facilitator: the language chosen on the
	// page (?lang=fr) or the browser's (Accept-Language), and an English page of it.
	for _, c := range []struct {
		name, path, accept, lang string
	}{
		{"chosen", "?lang=fr", "", "fr"},
		{"browser", "", "fr-CA,fr;q=0.9,en;q=0.5", "fr"},
		{"english", "?lang=en", "fr-CA", "en"},
	} {
		t.Run(c.name, func(t *testing.T) {
			x.b.acceptLanguage = c.accept
			defer func() { x.b.acceptLanguage = "" }()
			page := x.b.get(fmt.Sprintf("/assessments/%d/report%s", x.a.ID, c.path))
			if page.Code != http.StatusOK || htmlLang(page.Body.String()) != c.lang {
				t.Fatalf("report page: %d, lang %q", page.Code, htmlLang(page.Body.String()))
			}
			m := downloadRE.FindStringSubmatch(page.Body.String())
			if m == nil {
				t.Fatal("no download link on the report page")
			}
			href := html.UnescapeString(m[1])
			if want := fmt.Sprintf("/assessments/%d/report.xlsx?lang=%s", x.a.ID, c.lang); href != want {
				t.Errorf("download link %q, want %q", href, want)
			}
			rec := x.b.get(href)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s: %d", href, rec.Code)
			}
			assertWorkbookIn(t, e, rec.Body.Bytes(), locale.Lang(c.lang), statuses)
		})
	}
	// The API gives the language asked for, too.
	rec := e.bearer(http.MethodGet, fmt.Sprintf("/api/v1/assessments/%d/report.xlsx?lang=fr", x.a.ID), x.token, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("API workbook: %d %s", rec.Code, rec.Body)
	}
	assertWorkbookIn(t, e, rec.Body.Bytes(), locale.French, statuses)
}

// assertWorkbookIn checks a workbook is written in lang: its sheet names, the Action
// plan's headers, statuses and drop-down, the page headers, and that no cell holds a
// label of the other language.
func assertWorkbookIn(t *testing.T, e *testEnv, body []byte, lang locale.Lang, statuses []string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	words := e.tmpl.Catalog().In(lang)
	wb := func(key string) string { return words.T("workbook." + key) }
	sheets := f.GetSheetList()
	for _, key := range []string{"summary", "pillar.leadership", "pillar.staff", "themes", "named", "reflections", "guide", "actions"} {
		if !slices.Contains(sheets, wb("sheet."+key)) {
			t.Errorf("%s: no sheet %q in %q", lang, wb("sheet."+key), sheets)
		}
	}
	plan := wb("sheet.actions")
	rows, err := f.GetRows(plan)
	if err != nil || len(rows) < 2+len(statuses) {
		t.Fatalf("%s: action plan rows %q, %v", lang, rows, err)
	}
	var head []string
	for _, k := range []string{"action", "pillar_theme", "lead", "support", "due", "status"} {
		head = append(head, wb("col."+k))
	}
	if !slices.Equal(rows[1], head) {
		t.Errorf("%s: action plan headers %q, want %q", lang, rows[1], head)
	}
	var names []string
	for _, st := range statuses {
		names = append(names, wb("status."+st))
	}
	var got []string
	for _, r := range rows[2 : 2+len(statuses)] {
		got = append(got, r[5])
	}
	slices.Sort(got)
	want := slices.Clone(names)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s: statuses %q, want %q", lang, got, want)
	}
	dvs, err := f.GetDataValidations(plan)
	if err != nil || len(dvs) != 1 || dvs[0].Formula1 != `"`+strings.Join(names, ",")+`"` {
		t.Errorf("%s: status drop-down %+v, %v, want %q", lang, dvs, err, names)
	}

	// Every printed page is headed with the team and round, in the same language.
	for _, sheet := range sheets {
		hf, err := f.GetHeaderFooter(sheet)
		want := fmt.Sprintf(wb("header"), "Ward 7 West", 1, "")
		if err != nil || hf == nil || !strings.HasPrefix(hf.OddHeader, want) || !dateSuffixRE.MatchString(hf.OddHeader) || hf.OddFooter != wb("footer") {
			t.Errorf("%s %s: header and footer %+v, %v, want a header %q and a date", lang, sheet, hf, err, want)
		}
	}

	// No cell holds a label of the other language (one that differs between the two).
	other := locale.English
	if lang == locale.English {
		other = locale.French
	}
	mine, theirs := e.tmpl.Catalog().Messages(lang), e.tmpl.Catalog().Messages(other)
	foreign := map[string]string{}
	for key, v := range theirs {
		if v != mine[key] && !strings.Contains(v, "%") && len([]rune(v)) >= 3 {
			foreign[v] = key
		}
	}
	for _, sheet := range sheets {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			for j, v := range r {
				if key, ok := foreign[v]; ok && v != "" {
					t.Errorf("%s workbook, %s row %d col %d: %q is the %s of %s", lang, sheet, i+1, j+1, v, other, key)
				}
			}
		}
	}
}

// TestReportHeatmapNoScore: on the page, a theme nobody gave a score (every answer
// Unknown) is a hatched cell that says so in words, in the page's language, for the
// group and for the team when no group scored it; scored cells keep their band.
func TestReportHeatmapNoScore(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("nadia@example.org", "Nadia No-score")
	a := e.ownedAssessment(f, "Unknown round")
	unknown := func(k, j int) assessment.Answer { return assessment.Unknown }
	e.seedReport(a, reportSeed{
		submitted: map[string]int{pillars.Leadership: 3, pillars.Staff: 3},
		answer: map[string]func(k, j int) assessment.Answer{
			pillars.Leadership: unknown,
			pillars.Staff:      func(k, j int) assessment.Answer { return assessment.Yes },
		},
		tag: map[string]string{pillars.Leadership: "L", pillars.Staff: "S"},
	})
	b := e.signedIn(f)
	for _, lang := range []string{"en", "fr"} {
		body := b.get(fmt.Sprintf("/assessments/%d/report?lang=%s", a.ID, lang)).Body.String()
		msg := func(key string) string { return e.tmpl.Message(lang, key) }
		rows := heatRowRE.FindAllString(heatTableRE.FindString(body), -1)
		if len(rows) != len(e.in.Themes) {
			t.Fatalf("%s: %d heatmap rows", lang, len(rows))
		}
		for _, row := range rows {
			cells := tdRE.FindAllStringSubmatch(row, -1)
			// Leadership, staff, patient partners (withheld: nobody answered), team, gap.
			if len(cells) != 5 ||
				cells[0][0] != `<td class="score gap">`+escaped(t, msg("report.heat_no_score"))+`</td>` ||
				!strings.HasPrefix(cells[1][0], `<td class="score strength">`) ||
				cells[2][0] != `<td class="score gap">`+escaped(t, msg("report.heat_withheld"))+`</td>` ||
				!strings.HasPrefix(cells[3][0], `<td class="score strength">`) {
				t.Errorf("%s: heatmap row %s", lang, row)
			}
		}
	}
}
