package reports

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
)

// perLine is how many characters the row heights count on a line of a column width wide.
func perLine(width float64) int { return int(width * charsPerWidth) }

func TestWrappedLines(t *testing.T) {
	for _, c := range []struct {
		text    string
		perLine int
		want    int
	}{
		{"", 10, 1},
		{"short", 10, 1},
		{"exactly ten", 11, 1},
		{"12345 7890", 10, 1},
		{"12345 78901", 10, 2},               // the second word does not fit after the first
		{"aaa bbb ccc ddd eee", 7, 3},        // "aaa bbb", "ccc ddd", "eee"
		{"abcdefghijklmnopqrstuvwxy", 10, 3}, // one long word breaks where it must
		{"one\ntwo\n\nfour", 40, 4},          // line breaks count, empty lines too
		{"élève été", 5, 2},                  // characters, not bytes
		{"x", 0, 1},
	} {
		if got := wrappedLines(c.text, c.perLine); got != c.want {
			t.Errorf("wrappedLines(%q, %d) = %d, want %d", c.text, c.perLine, got, c.want)
		}
	}
}

// TestXLSXRowHeights: a row whose wrapped text takes more than a line is made tall
// enough for it, in normal mode (a pillar sheet), streamed (the verbatims, the action
// plan) and across merged cells (the Summary's notes); a row that fits keeps the
// default height.
func TestXLSXRowHeights(t *testing.T) {
	rep, in := sampleReport(t)
	long := strings.Repeat("We would like more time in huddles to hear from patient partners. ", 9)
	rep.Groups[1].Strengths = append(rep.Groups[1].Strengths, assessment.NamedText{Text: long, Theme: in.Themes[0].Key, Pillar: pillars.Staff})
	rep.Strengths = append(rep.Strengths, NamedTheme{Theme: in.Themes[0].Key, Count: 1, Texts: []string{long}})
	rep.Actions = []assessment.Action{{Text: long, Lead: "Unit manager", Status: assessment.ActionPlanned}}
	_, f := writeBook(t, rep, in, locale.English)
	l := newLabeler(locale.English)
	height := func(sheet string, row int) float64 {
		t.Helper()
		h, err := f.GetRowHeight(sheet, row)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	const defaultHeight = 15

	// The pillar sheet: every statement's row fits its text; the longest takes lines.
	sheet := l.T("sheet.pillar." + pillars.Leadership)
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	longest, longestRow := "", 0
	for i, row := range rows {
		if i < 2 || len(row) < 2 || !strings.HasPrefix(row[0], "L") {
			continue
		}
		need := float64(wrappedLines(row[1], perLine(60))) * lineHeight
		if h := height(sheet, i+1); h < need || (need > lineHeight && h != need) {
			t.Errorf("%s row %d (%d characters): height %.1f, want %.1f", sheet, i+1, len([]rune(row[1])), h, need)
		}
		if len(row[1]) > len(longest) {
			longest, longestRow = row[1], i+1
		}
	}
	if wrappedLines(longest, perLine(60)) < 2 {
		t.Fatalf("the longest leadership statement (%d characters) fits on a line: the test tests nothing", len(longest))
	}
	if h := height(sheet, longestRow); h <= defaultHeight {
		t.Errorf("the longest statement's row is %.1f points, want more than the default", h)
	}
	// A section's row, one short title and a score, keeps the default height.
	for i, row := range rows {
		if len(row) > 2 && row[0] == "" && row[1] != "" && !strings.Contains(row[1], " ") {
			if h := height(sheet, i+1); h != defaultHeight {
				t.Errorf("%s row %d %q: height %.1f, want the default", sheet, i+1, row[1], h)
			}
		}
	}

	// Streamed: the long strength on the verbatims sheet (text column 90 wide).
	named := l.T("sheet.named")
	rows, _ = f.GetRows(named)
	found := false
	for i, row := range rows {
		if len(row) == 4 && row[3] == long {
			found = true
			if h, want := height(named, i+1), float64(wrappedLines(long, perLine(90)))*lineHeight; h != want || h < 5*lineHeight {
				t.Errorf("%s: the long text's row is %.1f points, want %.1f", named, h, want)
			}
		}
	}
	if !found {
		t.Errorf("%s lacks the long text", named)
	}
	// The action plan's rows are 36 points at least, more for a long action (column 50).
	plan := l.T("sheet.actions")
	if h, want := height(plan, 3), float64(wrappedLines(long, perLine(50)))*lineHeight; h != want || want <= 36 {
		t.Errorf("%s: the long action's row is %.1f points, want %.1f", plan, h, want)
	}
	if h := height(plan, 4); h != 36 {
		t.Errorf("%s: an empty row is %.1f points, want 36", plan, h)
	}

	// Merged: the Summary's reading notes span columns A to C (40 + 18 + 70).
	summary := l.T("sheet.summary")
	rows, _ = f.GetRows(summary)
	checked := 0
	for i, row := range rows {
		if len(row) == 0 || !slices.Contains([]string{l.T("read.score"), l.T("read.percent"), l.T("read.gaps")}, row[0]) {
			continue
		}
		checked++
		want := float64(wrappedLines(row[0], perLine(128))) * lineHeight
		if want <= lineHeight {
			want = defaultHeight
		}
		if h := height(summary, i+1); h != want {
			t.Errorf("%s row %d: height %.1f, want %.1f for %d characters over merged columns", summary, i+1, h, want, len([]rune(row[0])))
		}
	}
	if checked != 3 {
		t.Errorf("found %d of the reading notes", checked)
	}
}

// TestXLSXPageHeader: every sheet prints the team, the round and the report's date at
// the top of every page, in the workbook's language, with the page numbers below; a
// team's "&" is printed as itself, not read as a header code.
func TestXLSXPageHeader(t *testing.T) {
	for _, lang := range locale.Languages() {
		rep, in := sampleReport(t)
		_, f := writeBook(t, rep, in, lang)
		l := newLabeler(lang)
		want := l.F("header", "Unit 4B", 2, "2026-03-14")
		if !strings.Contains(want, "Unit 4B") || !strings.Contains(want, "2026-03-14") || !strings.Contains(want, " 2") {
			t.Fatalf("%s: header label %q", lang, want)
		}
		for _, sheet := range f.GetSheetList() {
			hf, err := f.GetHeaderFooter(sheet)
			if err != nil || hf == nil || hf.OddHeader != want || hf.OddFooter != l.T("footer") {
				t.Errorf("%s %s: header and footer %+v, %v, want header %q", lang, sheet, hf, err, want)
			}
		}
	}
	rep, in := sampleReport(t)
	a := *rep.Assessment
	a.Team = "R&D &P ward\tnorth"
	rep.Assessment = &a
	_, f := writeBook(t, rep, in, locale.English)
	hf, _ := f.GetHeaderFooter(f.GetSheetList()[0])
	if hf == nil || !strings.HasPrefix(hf.OddHeader, "&LR&&D &&P ward north · ") {
		t.Errorf("header of team %q: %+v", a.Team, hf)
	}
	// The longest team name (and the worst case for its length) still makes a header
	// Excel takes: 255 characters at most.
	for _, team := range []string{strings.Repeat("&", assessment.MaxTitleLen), strings.Repeat("😀", assessment.MaxTitleLen)} {
		a.Team = team
		_, f := writeBook(t, rep, in, locale.French)
		hf, _ := f.GetHeaderFooter(f.GetSheetList()[0])
		if hf == nil || len(utf16.Encode([]rune(hf.OddHeader))) > 255 || !strings.HasSuffix(hf.OddHeader, "&R2026-03-14") {
			t.Errorf("header of a long team: %+v", hf)
		}
	}
}

// TestXLSXHeatmapNoScore: a heatmap cell without a score says so in words, hatched, in
// the workbook's language; the cells with scores stay numbers.
func TestXLSXHeatmapNoScore(t *testing.T) {
	in := instrument(t)
	var rs []respondent
	for range 3 {
		rs = append(rs, uniform(in, pillars.Leadership, assessment.Unknown, "l"), uniform(in, pillars.Staff, assessment.Yes, "s"))
	}
	a := &assessment.Assessment{Title: "Gaps", Team: "Unit 4B", Language: "en", Threshold: 3, Round: 1, InstrumentVersion: in.Version}
	rep := Build(a, in, tally(in, rs))
	for _, lang := range locale.Languages() {
		_, f := writeBook(t, rep, in, lang)
		l := newLabeler(lang)
		sheet := l.T("sheet.themes")
		rows, _ := f.GetRows(sheet)
		if rows[1][1] != in.Pillar(pillars.Leadership).Title.In(lang) {
			t.Fatalf("%s: heatmap header %q", lang, rows[1])
		}
		for i := range in.Themes {
			row := rows[2+i]
			if row[1] != l.T("no_score") {
				t.Errorf("%s: leadership cell of %q is %q, want %q", lang, row[0], row[1], l.T("no_score"))
			}
			if _, err := strconv.ParseFloat(row[2], 64); err != nil {
				t.Errorf("%s: staff cell of %q is %q, want a score", lang, row[0], row[2])
			}
			style, _ := f.GetCellStyle(sheet, "B"+strconv.Itoa(3+i))
			st, err := f.GetStyle(style)
			if err != nil || st.Fill.Type != "pattern" || st.Fill.Pattern != noScorePattern || !st.Font.Italic {
				t.Errorf("%s: the no-score cell's style %+v, %v", lang, st, err)
			}
		}
	}
}

// TestXLSXGapOneDecimal: a gap is written as the report gives it, with its decimal, as
// the page shows it, not rounded a second time to a whole number.
func TestXLSXGapOneDecimal(t *testing.T) {
	in := instrument(t)
	var rs []respondent
	for _, ans := range []assessment.Answer{assessment.Yes, assessment.Yes, assessment.Somewhat} {
		rs = append(rs, uniform(in, pillars.Leadership, ans, "l"))
	}
	for _, ans := range []assessment.Answer{assessment.No, assessment.No, assessment.Somewhat} {
		rs = append(rs, uniform(in, pillars.Staff, ans, "s"))
	}
	a := &assessment.Assessment{Title: "Gaps", Team: "Unit 4B", Language: "en", Threshold: 3, Round: 1, InstrumentVersion: in.Version}
	rep := Build(a, in, tally(in, rs))
	if len(rep.Gaps) == 0 || rep.Gaps[0].Points == float64(int(rep.Gaps[0].Points)) {
		t.Fatalf("gaps %+v: the test needs one with a decimal", rep.Gaps)
	}
	_, f := writeBook(t, rep, in, locale.English)
	l := newLabeler(locale.English)
	rows, _ := f.GetRows(l.T("sheet.themes"), excelize.Options{RawCellValue: true})
	want := strconv.FormatFloat(rep.Gaps[0].Points, 'f', -1, 64)
	found := 0
	for _, row := range rows {
		if len(row) > 4 && row[0] == in.Theme(rep.Gaps[0].Theme).Title.EN && row[4] == want {
			found++ // the heatmap's gap column
		}
		if len(row) == 6 && row[0] == in.Theme(rep.Gaps[0].Theme).Title.EN && row[5] == want {
			found++ // the table of gaps
		}
	}
	if found != 2 {
		t.Errorf("the gap %s is written %d times of 2 as itself: %q", want, found, rows)
	}
}

// TestXLSXChartLabels: the answer chart names each statement by its id and the start
// of its text, from a hidden column, so the chart reads without the table beside it.
func TestXLSXChartLabels(t *testing.T) {
	rep, in := sampleReport(t)
	for _, lang := range locale.Languages() {
		_, f := writeBook(t, rep, in, lang)
		l := newLabeler(lang)
		sheet := l.T("sheet.pillar." + pillars.Leadership)
		col, _ := excelize.ColumnNumberToName(colChartLabel)
		if visible, err := f.GetColVisible(sheet, col); err != nil || visible {
			t.Errorf("%s: the chart label column %s is visible (%v)", lang, col, err)
		}
		rows, _ := f.GetRows(sheet)
		if got := rows[1][colChartLabel-1]; got != l.T("col.chart_label") {
			t.Errorf("%s: chart label header %q", lang, got)
		}
		cut := 0
		for _, row := range rows[2:] {
			if len(row) < colChartLabel || row[colChartLabel-1] == "" {
				continue
			}
			id, label := row[0], row[colChartLabel-1]
			text := statementIn(in, id, lang)
			rest, ok := strings.CutPrefix(label, id+" · ")
			if !ok || len([]rune(rest)) > chartLabelMax+1 {
				t.Errorf("%s: chart label %q of %s", lang, label, id)
				continue
			}
			if short, ok := strings.CutSuffix(rest, "…"); ok {
				cut++
				if !strings.HasPrefix(text, short) || len([]rune(text)) <= chartLabelMax {
					t.Errorf("%s: chart label %q is not the start of %q", lang, label, text)
				}
			} else if rest != text {
				t.Errorf("%s: chart label %q, want the whole of %q", lang, label, text)
			}
		}
		if cut == 0 {
			t.Errorf("%s: no statement long enough to be cut: the test tests nothing", lang)
		}
	}
}
