package reports

import (
	"fmt"
	"math/rand/v2"
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

var testDue = time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)

// trendReport is the third round of a team. Patient partners were withheld in round 1
// and staff in round 2; in round 3 every group is shown. seed changes only what the
// withheld groups answered (and wrote: SECRET texts).
func trendReport(t testing.TB, seed uint64) (*Report, *pillars.Instrument) {
	in := instrument(t)
	fixed := rand.New(rand.NewPCG(5, 6))
	secret := rand.New(rand.NewPCG(seed, 1))
	r1 := Build(roundAssessment(1, 1), in, tally(in, slices.Concat(
		randomGroup(fixed, in, pillars.Leadership, 3, "l"),
		randomGroup(fixed, in, pillars.Staff, 4, "s"),
		randomGroup(secret, in, pillars.PatientPartners, 2, "SECRET"))))
	r2 := Build(roundAssessment(2, 2), in, tally(in, slices.Concat(
		randomGroup(fixed, in, pillars.Leadership, 3, "l"),
		randomGroup(secret, in, pillars.Staff, 1, "SECRET"),
		randomGroup(fixed, in, pillars.PatientPartners, 3, "p"))))
	a3 := roundAssessment(3, 3)
	a3.Status, a3.ClosedAt = assessment.Open, nil
	r3 := Build(a3, in, tally(in, slices.Concat(
		randomGroup(fixed, in, pillars.Leadership, 4, "l"),
		randomGroup(fixed, in, pillars.Staff, 3, "s"),
		randomGroup(fixed, in, pillars.PatientPartners, 3, "p"))))
	r3.Rounds = []RoundSummary{Summarize(r1), Summarize(r2), Summarize(r3)}
	r3.Previous = Compare(r2, r3, []assessment.Action{
		{ID: 21, AssessmentID: 2, Text: "Name a patient partner lead", Pillar: pillars.PatientPartners, Lead: "Ana", Due: &testDue, Status: assessment.ActionDone},
		{ID: 22, AssessmentID: 2, Text: "=HYPERLINK(\"http://evil.example\")", Lead: "+Bo", Status: assessment.ActionInProgress},
	})
	carried := int64(22)
	r3.Actions = []assessment.Action{
		{ID: 31, AssessmentID: 3, OriginAssessmentID: 2, CarriedFromID: &carried, Text: injected[0], Pillar: pillars.Leadership, Theme: "relationships", Lead: injected[1], Support: injected[2], Due: &testDue, Status: assessment.ActionInProgress},
		{ID: 32, AssessmentID: 3, OriginAssessmentID: 3, Text: "Orientation for patient partners", Theme: "preparation", Lead: "Chris", Status: assessment.ActionPlanned},
		{ID: 33, AssessmentID: 3, OriginAssessmentID: 3, Text: "Share the results at the unit meeting", Pillar: pillars.Staff, Lead: "Dee", Support: "Ten minutes on the agenda", Status: assessment.ActionDone},
		{ID: 34, AssessmentID: 3, OriginAssessmentID: 3, Text: "Survey of everyone", Lead: "Eve", Status: assessment.ActionDropped},
	}
	return r3, in
}

// rowStarting finds the first row whose first cell is first, from row index from.
func rowStarting(rows [][]string, from int, first string) int {
	for i := from; i < len(rows); i++ {
		if len(rows[i]) > 0 && rows[i][0] == first {
			return i
		}
	}
	return -1
}

func cellAt(row []string, col int) string {
	if col-1 < len(row) {
		return row[col-1]
	}
	return ""
}

func scoreText(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func TestXLSXTrendSheet(t *testing.T) {
	rep, in := trendReport(t, 1)
	keys := make([]string, 0, len(in.Themes))
	for _, th := range in.Themes {
		keys = append(keys, th.Key)
	}
	for _, tt := range []struct {
		lang  locale.Lang
		sheet string
	}{{locale.English, "Trend"}, {locale.French, "Évolution"}} {
		t.Run(string(tt.lang), func(t *testing.T) {
			raw, f := writeBook(t, rep, in, tt.lang)
			l := newLabeler(tt.lang)
			list := f.GetSheetList()
			if i := slices.Index(list, tt.sheet); i < 0 || list[i-1] != l.T("sheet.themes") {
				t.Fatalf("sheets %q: no %q after the themes", list, tt.sheet)
			}
			rows, err := f.GetRows(tt.sheet, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			if rows[0][0] != l.T("trend.heading") {
				t.Errorf("title %q", rows[0][0])
			}

			// The team's theme scores per round, as each round's report gave them.
			head := rowStarting(rows, 0, l.T("col.round"))
			if head < 0 {
				t.Fatalf("no rounds table:\n%q", rows)
			}
			for i, k := range keys {
				if got := cellAt(rows[head], trendFirst+i); got != in.Theme(k).Title.In(tt.lang) {
					t.Errorf("theme column %d: %q", i, got)
				}
			}
			lastCol := trendFirst + len(keys)
			if got := cellAt(rows[head], lastCol); got != l.T("trend.groups_shown") {
				t.Errorf("last column %q", got)
			}
			for i, rs := range rep.Rounds {
				row := rows[head+1+i]
				ref, _ := excelize.CoordinatesToCellName(trendDate, head+2+i)
				shownDate, _ := f.GetCellValue(tt.sheet, ref)
				if cellAt(row, trendLabel) != l.F("trend.round", rs.Round) || shownDate != rs.Date().UTC().Format("2006-01-02") || cellAt(row, trendCount) != strconv.Itoa(rs.Submitted) {
					t.Errorf("round %d row %q (date shown %q)", rs.Round, row, shownDate)
				}
				if serial, err := strconv.ParseFloat(cellAt(row, trendDate), 64); err != nil {
					t.Errorf("round %d: date %q is not a date serial", rs.Round, cellAt(row, trendDate))
				} else if d, _ := excelize.ExcelDateToTime(serial, false); d.Format("2006-01-02") != shownDate {
					t.Errorf("round %d: date serial %v is %v", rs.Round, serial, d)
				}
				for j, k := range keys {
					if got, want := cellAt(row, trendFirst+j), scoreText(scoreOf(rs.Themes, k)); got != want {
						t.Errorf("round %d %s = %q, want %q", rs.Round, k, got, want)
					}
				}
				var shown []string
				for _, p := range rs.IncludedPillars {
					shown = append(shown, in.Pillar(p).Title.In(tt.lang))
				}
				if got := cellAt(row, lastCol); got != l.List(shown) {
					t.Errorf("round %d groups shown %q", rs.Round, got)
				}
			}

			// One table per pillar: no figures for a round in which it was withheld.
			withheldIn := map[string]int{pillars.PatientPartners: 1, pillars.Staff: 2}
			for _, p := range in.Pillars {
				top := rowStarting(rows, head+len(rep.Rounds)+1, p.Title.In(tt.lang))
				if top < 0 {
					t.Fatalf("no table for %s", p.Key)
				}
				for i, rs := range rep.Rounds {
					row := rows[top+1+i]
					if cellAt(row, trendLabel) != l.F("trend.round", rs.Round) {
						t.Fatalf("%s round %d: row %q", p.Key, rs.Round, row)
					}
					g, _ := rs.group(p.Key)
					if withheldIn[p.Key] == rs.Round {
						for c := trendCount; c < lastCol; c++ {
							if v := cellAt(row, c); v != "" {
								t.Errorf("%s round %d withheld, yet column %d = %q", p.Key, rs.Round, c, v)
							}
						}
						if got := cellAt(row, lastCol); got != l.F("summary.withheld_group", 3) {
							t.Errorf("%s round %d: %q", p.Key, rs.Round, got)
						}
						continue
					}
					if cellAt(row, trendCount) != strconv.Itoa(g.Submitted) || cellAt(row, lastCol) != l.T("summary.shown") {
						t.Errorf("%s round %d: %q", p.Key, rs.Round, row)
					}
					for j, k := range keys {
						if got, want := cellAt(row, trendFirst+j), scoreText(scoreOf(g.Themes, k)); got != want {
							t.Errorf("%s round %d %s = %q, want %q", p.Key, rs.Round, k, got, want)
						}
					}
				}
			}

			// The line chart of the team's theme scores, on this sheet.
			parts := zipParts(t, raw)
			lines := 0
			for name, part := range parts {
				if !strings.HasPrefix(name, "xl/charts/chart") || !strings.Contains(part, "<lineChart>") {
					continue
				}
				lines++
				if n := strings.Count(part, "<ser>"); n != len(keys) {
					t.Errorf("%s: %d series, want one per theme (%d)", name, n, len(keys))
				}
				cats := fmt.Sprintf("%s!$A$%d:$A$%d</f>", strings.ReplaceAll(quoteSheet(tt.sheet), "'", "&#39;"), head+2, head+1+len(rep.Rounds))
				if !strings.Contains(part, cats) {
					t.Errorf("%s: categories are not the rounds %s", name, cats)
				}
			}
			if lines != 1 {
				t.Errorf("%d line charts, want 1", lines)
			}
			if path, ok := sheetPart(f, tt.sheet); !ok || !strings.Contains(parts[path], "<drawing") {
				t.Errorf("the trend sheet (%s) has no drawing", path)
			}
			if cf, err := f.GetConditionalFormats(tt.sheet); err != nil || len(cf) < 1+len(in.Pillars) {
				t.Errorf("band colours: %v, %v", cf, err)
			}
			panes, err := f.GetPanes(tt.sheet)
			if err != nil || !panes.Freeze || panes.YSplit != 1 {
				t.Errorf("panes %+v, %v", panes, err)
			}
		})
	}
}

// TestXLSXWhatMoved: the comparison with the previous round on the Trend sheet, and
// the Summary's pointer to it.
func TestXLSXWhatMoved(t *testing.T) {
	rep, in := trendReport(t, 1)
	p := rep.Previous
	// Round 2 showed leadership and patient partners, round 3 every group: staff is left out.
	if !slices.Equal(p.Team.Pillars, []string{pillars.Leadership, pillars.PatientPartners}) {
		t.Fatalf("compared pillars %q", p.Team.Pillars)
	}
	for _, lang := range locale.Languages() {
		_, f := writeBook(t, rep, in, lang)
		l := newLabeler(lang)
		sheet := l.T("sheet.trend")
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		head := rowStarting(rows, 0, l.F("moved.heading", 2))
		if head < 0 {
			t.Fatalf("%s: no what moved block", lang)
		}
		wantHead := []string{l.F("moved.heading", 2), l.F("trend.round", 2), l.T("moved.this_round"), l.T("moved.change"),
			l.F("moved.pillar_change", in.Pillar(pillars.Leadership).Title.In(lang)), l.F("moved.pillar_change", in.Pillar(pillars.PatientPartners).Title.In(lang))}
		if got := rows[head][:min(len(rows[head]), 7)]; !slices.Equal(got, wantHead) {
			t.Errorf("%s: header %q, want %q", lang, got, wantHead)
		}
		if got := rows[head+1][0]; got != l.F("moved.team_over", l.List([]string{in.Pillar(pillars.Leadership).Title.In(lang), in.Pillar(pillars.PatientPartners).Title.In(lang)})) {
			t.Errorf("%s: %q", lang, got)
		}
		for i, tc := range p.Team.Themes {
			row := rows[head+2+i]
			want := []string{in.Theme(tc.Key).Title.In(lang), scoreText(tc.PreviousScore), scoreText(tc.Score), scoreText(tc.Change),
				scoreText(changeOf(groupChange(p, pillars.Leadership).Themes, tc.Key)), scoreText(changeOf(groupChange(p, pillars.PatientPartners).Themes, tc.Key))}
			for len(want) > 0 && want[len(want)-1] == "" { // GetRows drops trailing empty cells
				want = want[:len(want)-1]
			}
			if !slices.Equal(row, want) {
				t.Errorf("%s: theme row %q, want %q", lang, row, want)
			}
			ref, _ := excelize.CoordinatesToCellName(trendFirst, head+3+i)
			if shown, _ := f.GetCellValue(sheet, ref); tc.Change != nil && *tc.Change > 0 && !strings.HasPrefix(shown, "+") {
				t.Errorf("%s: a rise shows as %q, without its sign", lang, shown)
			}
		}
		staff := in.Pillar(pillars.Staff).Title.In(lang)
		if got := rows[head+2+len(p.Team.Themes)][0]; got != l.F("moved.left_out", staff) {
			t.Errorf("%s: left out line %q", lang, got)
		}
		// Responses: staff withheld now, so no count for this round.
		counts := rowStarting(rows, head, l.T("col.pillar"))
		if counts < 0 {
			t.Fatalf("%s: no responses table", lang)
		}
		if got := rows[rowStarting(rows, counts, staff)]; !slices.Equal(got, []string{staff, l.T("moved.withheld"), "3", l.T("moved.no")}) {
			t.Errorf("%s: staff responses %q", lang, got)
		}
		// The actions agreed in round 2, with their status now.
		acts := rowStarting(rows, head, l.F("moved.actions", 2))
		if acts < 0 {
			t.Fatalf("%s: no actions of round 2", lang)
		}
		if got := rows[acts+1]; len(got) != 4 || got[0] != "Name a patient partner lead" || got[1] != "Ana" || got[3] != l.T("status.done") {
			t.Errorf("%s: action row %q", lang, got)
		}
		ref, _ := excelize.CoordinatesToCellName(trendCount, acts+2)
		if due, _ := f.GetCellValue(sheet, ref); due != "2026-06-30" {
			t.Errorf("%s: due %q", lang, due)
		}
		if got := rows[acts+2]; got[0] != `=HYPERLINK("http://evil.example")` || got[1] != "+Bo" || got[3] != l.T("status.in_progress") {
			t.Errorf("%s: action row %q", lang, got)
		}
		summary, _ := f.GetRows(l.T("sheet.summary"))
		if rowStarting(summary, 0, l.F("summary.moved", 2, sheet)) < 0 {
			t.Errorf("%s: the summary does not point to what moved", lang)
		}
	}
}

// TestXLSXTrendWithheldStaysOut: whatever the groups withheld in earlier rounds
// answered and wrote, every cell of the workbook is the same.
func TestXLSXTrendWithheldStaysOut(t *testing.T) {
	snapshot := func(seed uint64) string {
		rep, in := trendReport(t, seed)
		raw, f := writeBook(t, rep, in, locale.English)
		if strings.Contains(string(raw), "SECRET") {
			t.Fatalf("seed %d: a withheld text is in the file", seed)
		}
		var b strings.Builder
		cells(t, f, func(sheet, ref, v string) { fmt.Fprintf(&b, "%s!%s=%s\n", sheet, ref, v) })
		return b.String()
	}
	first := snapshot(1)
	if !strings.Contains(first, "Trend!") {
		t.Fatal("no trend sheet")
	}
	for seed := uint64(2); seed < 6; seed++ {
		if got := snapshot(seed); got != first {
			t.Fatalf("seed %d: the workbook depends on what withheld groups answered", seed)
		}
	}
}

func TestXLSXTrendOnlyWhenNeeded(t *testing.T) {
	rep, in := trendReport(t, 1)
	prev, rounds := rep.Previous, rep.Rounds

	// A first round: no trend, no pointer in the summary.
	rep.Previous, rep.Rounds = nil, rounds[:1]
	raw, f := writeBook(t, rep, in, locale.English)
	if slices.Contains(f.GetSheetList(), "Trend") || strings.Contains(zipParts(t, raw)["xl/sharedStrings.xml"], "see the Trend sheet") {
		t.Errorf("a first round has a trend: %q", f.GetSheetList())
	}
	summary, _ := f.GetRows("Summary")
	for _, row := range summary {
		if len(row) > 0 && strings.Contains(row[0], "Trend") {
			t.Errorf("summary points to a trend: %q", row[0])
		}
	}

	// Rounds but no comparison: the trend without what moved.
	rep.Previous, rep.Rounds = nil, rounds
	_, f = writeBook(t, rep, in, locale.English)
	rows, err := f.GetRows("Trend")
	if err != nil {
		t.Fatal(err)
	}
	if rowStarting(rows, 0, "What moved since round 2") >= 0 || rowStarting(rows, 0, "Round") < 0 {
		t.Errorf("trend without a comparison: %q", rows)
	}
	summary, _ = f.GetRows("Summary")
	if rowStarting(summary, 0, "Scores across the team's 3 rounds: see the Trend sheet.") < 0 {
		t.Error("the summary does not point to the trend")
	}

	// A comparison but no rounds: what moved, no chart.
	rep.Previous, rep.Rounds = prev, nil
	raw, f = writeBook(t, rep, in, locale.English)
	rows, err = f.GetRows("Trend")
	if err != nil {
		t.Fatal(err)
	}
	if rowStarting(rows, 0, "What moved since round 2") < 0 || rowStarting(rows, 0, "Round") >= 0 {
		t.Errorf("comparison without rounds: %q", rows)
	}
	for name, part := range zipParts(t, raw) {
		if strings.HasPrefix(name, "xl/charts/") && strings.Contains(part, "<lineChart>") {
			t.Errorf("%s: a line chart without rounds", name)
		}
	}
}

// TestXLSXActionPlanFilled: the round's actions come first, each field in its column,
// the due date as a date, the status in the workbook's language and valid against the
// drop-down, then the empty rows.
func TestXLSXActionPlanFilled(t *testing.T) {
	rep, in := trendReport(t, 1)
	for _, lang := range locale.Languages() {
		raw, f := writeBook(t, rep, in, lang)
		l := newLabeler(lang)
		sheet := l.T("sheet.actions")
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		lead := in.Pillar(pillars.Leadership).Title.In(lang) + " / " + in.Theme("relationships").Title.In(lang)
		want := [][]string{
			{injected[0], lead, injected[1], injected[2], "", l.T("status.in_progress")},
			{"Orientation for patient partners", in.Theme("preparation").Title.In(lang), "Chris", "", "", l.T("status.planned")},
			{"Share the results at the unit meeting", in.Pillar(pillars.Staff).Title.In(lang), "Dee", "Ten minutes on the agenda", "", l.T("status.done")},
			{"Survey of everyone", "", "Eve", "", "", l.T("status.dropped")},
		}
		dvs, err := f.GetDataValidations(sheet)
		if err != nil || len(dvs) != 1 {
			t.Fatalf("%s: validations %v, %v", lang, dvs, err)
		}
		options := strings.Split(strings.Trim(dvs[0].Formula1, `"`), ",")
		for i, w := range want {
			row := rows[2+i]
			for len(row) < 6 {
				row = append(row, "")
			}
			due := row[4]
			row[4] = ""
			if !slices.Equal(row, w) {
				t.Errorf("%s: action %d row %q, want %q", lang, i, row, w)
			}
			if !slices.Contains(options, row[5]) {
				t.Errorf("%s: status %q is not in the drop-down %q", lang, row[5], options)
			}
			ref := fmt.Sprintf("E%d", 3+i)
			shown, _ := f.GetCellValue(sheet, ref)
			if rep.Actions[i].Due == nil {
				if due != "" || shown != "" {
					t.Errorf("%s: action %d without a due date shows %q", lang, i, shown)
				}
				continue
			}
			serial, err := strconv.ParseFloat(due, 64)
			if err != nil {
				t.Fatalf("%s: due %q is not a date serial", lang, due)
			}
			if d, _ := excelize.ExcelDateToTime(serial, false); !d.Equal(testDue) || shown != "2026-06-30" {
				t.Errorf("%s: due %v shown %q, want 2026-06-30", lang, d, shown)
			}
		}
		// Then the empty rows, all under the drop-down.
		if dvs[0].Sqref != fmt.Sprintf("F3:F%d", 2+actionRows) {
			t.Errorf("%s: drop-down on %s", lang, dvs[0].Sqref)
		}
		for r := 2 + len(want); r < 2+actionRows && r < len(rows); r++ {
			if strings.Join(rows[r], "") != "" {
				t.Errorf("%s: row %d is not empty: %q", lang, r+1, rows[r])
			}
		}
		// Texts the facilitator typed stay text, whatever they start with.
		for _, ref := range []string{"A3", "C3", "D3"} {
			if typ, _ := f.GetCellType(sheet, ref); typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
				t.Errorf("%s: %s has type %v, want a string", lang, ref, typ)
			}
		}
		cells(t, f, func(sheet, ref, v string) {
			if formula, err := f.GetCellFormula(sheet, ref); err != nil || formula != "" {
				t.Errorf("%s: %s!%s holds a formula %q (%v)", lang, sheet, ref, formula, err)
			}
		})
		for name, part := range zipParts(t, raw) {
			if strings.HasPrefix(name, "xl/worksheets/") && strings.Contains(part, "<f>") {
				t.Errorf("%s: %s contains a formula element", lang, name)
			}
		}
	}

	// A long plan keeps its rows and still offers empty ones.
	rep.Actions = nil
	for i := range actionRows {
		rep.Actions = append(rep.Actions, assessment.Action{ID: int64(i), Text: fmt.Sprintf("action %d", i), Lead: "x", Status: assessment.ActionPlanned})
	}
	// A due date is a calendar day, whatever location its time is in.
	eastern := time.Date(2026, 7, 1, 0, 0, 0, 0, time.FixedZone("EDT", -4*3600))
	rep.Actions[0].Due = &eastern
	_, f := writeBook(t, rep, in, locale.English)
	if due, _ := f.GetCellValue("Action plan", "E3"); due != "2026-07-01" {
		t.Errorf("due in another location shows %q, want 2026-07-01", due)
	}
	dvs, _ := f.GetDataValidations("Action plan")
	if len(dvs) != 1 || dvs[0].Sqref != fmt.Sprintf("F3:F%d", 2+actionRows+actionRowsMin) {
		t.Errorf("drop-down over %v, want %d rows", dvs, actionRows+actionRowsMin)
	}
	rows, _ := f.GetRows("Action plan")
	if rows[2+actionRows-1][0] != fmt.Sprintf("action %d", actionRows-1) {
		t.Errorf("last action row %q", rows[2+actionRows-1])
	}
}

// TestXLSXTrendWorkbookWellFormed: the parts Excel checks, for a workbook with every
// new sheet filled.
func TestXLSXTrendWorkbookWellFormed(t *testing.T) {
	rep, in := trendReport(t, 1)
	for _, lang := range locale.Languages() {
		raw, f := writeBook(t, rep, in, lang)
		checkParts(t, raw)
		for _, sheet := range f.GetSheetList() {
			pl, err := f.GetPageLayout(sheet)
			if err != nil || *pl.Orientation != "landscape" {
				t.Errorf("%s %s: page layout %+v, %v", lang, sheet, pl, err)
			}
		}
	}
}
