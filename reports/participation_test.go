package reports

import (
	"fmt"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
)

// The report gives each group its expected headcount and, for a group shown, its
// response rate; a withheld group keeps its headcount but no rate (its size is withheld),
// and a group with nothing or 0 expected has no rate.
func TestParticipation(t *testing.T) {
	in := instrument(t)
	a := &assessment.Assessment{Threshold: 3, Expected: map[string]int{pillars.Leadership: 8, pillars.PatientPartners: 6}}
	var rs []respondent
	for range 3 {
		rs = append(rs, uniform(in, pillars.Leadership, assessment.Yes, "l"), uniform(in, pillars.Staff, assessment.No, "s"))
	}
	rs = append(rs, uniform(in, pillars.PatientPartners, assessment.Yes, "pp"), uniform(in, pillars.PatientPartners, assessment.No, "pp"))
	r := Build(a, in, tally(in, rs))
	intOr := func(p *int) int {
		if p == nil {
			return -1
		}
		return *p
	}
	for _, c := range []struct {
		pillar         string
		expected, rate int
	}{
		{pillars.Leadership, 8, 38},      // 3 of 8, 37.5 rounded half up
		{pillars.Staff, -1, -1},          // nothing expected
		{pillars.PatientPartners, 6, -1}, // withheld: 2 of 6 would tell its size
	} {
		g := group(r, c.pillar)
		if intOr(g.Expected) != c.expected || intOr(g.ResponseRate) != c.rate {
			t.Errorf("%s: expected %d, rate %d; want %d, %d", c.pillar, intOr(g.Expected), intOr(g.ResponseRate), c.expected, c.rate)
		}
	}
	if g := group(r, pillars.PatientPartners); !g.Withheld || g.Submitted != 0 {
		t.Fatalf("patient partners: withheld %v, submitted %d", g.Withheld, g.Submitted)
	}
	a.Expected = map[string]int{pillars.Staff: 0}
	if g := group(Build(a, in, tally(in, rs)), pillars.Staff); intOr(g.Expected) != 0 || g.ResponseRate != nil {
		t.Errorf("0 expected: expected %d, rate %v", intOr(g.Expected), g.ResponseRate)
	}
}

// The workbook's Summary gives each group's expected headcount and response rate, and
// only the headcount for a withheld group; without any headcount it has no such table.
func TestXLSXParticipation(t *testing.T) {
	rep, in := sampleReport(t)
	l := newLabeler(locale.English)
	_, f := writeBook(t, rep, in, locale.English)
	rows, _ := f.GetRows(l.T("sheet.summary"))
	for _, row := range rows {
		if len(row) > 0 && row[0] == l.T("summary.participation") {
			t.Fatalf("a report without headcounts has a participation table: %q", row)
		}
	}

	a := *rep.Assessment
	a.Expected = map[string]int{pillars.Leadership: 4, pillars.PatientPartners: 6}
	rs := []respondent{uniform(in, pillars.Leadership, assessment.Yes, "l1"), uniform(in, pillars.Leadership, assessment.No, "l2"),
		uniform(in, pillars.Leadership, assessment.Yes, "l3"), uniform(in, pillars.PatientPartners, assessment.Yes, "pp")}
	rep = Build(&a, in, tally(in, rs))
	_, f = writeBook(t, rep, in, locale.English)
	rows, _ = f.GetRows(l.T("sheet.summary"))
	var got [][]string
	for i, row := range rows {
		if len(row) > 0 && row[0] == l.T("summary.participation") {
			got = rows[i : i+3]
		}
	}
	title := func(key string) string { return in.Pillar(key).Title.In(locale.English) }
	want := [][]string{
		{l.T("summary.participation"), l.T("col.expected"), l.T("col.rate")},
		{title(pillars.Leadership), "4", l.F("summary.rate", 75, 3, 4)},
		{title(pillars.PatientPartners), "6", l.T("summary.rate_withheld")},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("participation table %q, want %q", got, want)
	}
}
