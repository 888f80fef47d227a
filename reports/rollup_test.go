package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
)

// rollupCase is one team for the roll-up tests: its round, its respondents, and the
// named-theme counts the database would give for them.
type rollupCase struct {
	a  *assessment.Assessment
	rs []respondent
}

func (c rollupCase) input(in *pillars.Instrument) RollupInput {
	t := tally(in, c.rs)
	named := map[assessment.NamedCount]int{}
	for _, n := range t.Named {
		named[assessment.NamedCount{Pillar: n.Pillar, Kind: n.Kind, Theme: n.Theme}]++
	}
	t.Named, t.Reflections = nil, nil // the roll-up never reads a text
	in2 := RollupInput{Assessment: c.a, Instrument: in, Tallies: t}
	for k, n := range named {
		k.N = n
		in2.Named = append(in2.Named, k)
	}
	slices.SortFunc(in2.Named, func(a, b assessment.NamedCount) int {
		return strings.Compare(a.Pillar+a.Kind+a.Theme, b.Pillar+b.Kind+b.Theme)
	})
	return in2
}

// randomTeam is a team of random respondents: n[pillar] of each, answers and themes at
// random (some items left unanswered, some texts left empty).
func randomTeam(in *pillars.Instrument, rng *rand.Rand, id int64, unit string, n map[string]int) rollupCase {
	closed := time.Date(2027, 3, int(id), 12, 0, 0, 0, time.UTC)
	a := &assessment.Assessment{ID: id, Team: fmt.Sprintf("Team %d", id), Unit: unit, Threshold: 3, Round: 1,
		Status: assessment.Closed, ClosedAt: &closed, InstrumentVersion: in.Version}
	c := rollupCase{a: a}
	theme := func() string {
		if rng.IntN(5) == 0 {
			return ""
		}
		return in.Themes[rng.IntN(len(in.Themes))].Key
	}
	for _, p := range in.Pillars {
		for range n[p.Key] {
			r := respondent{pillar: p.Key, answers: map[string]assessment.Answer{}}
			for _, it := range p.Items() {
				if rng.IntN(8) > 0 {
					r.answers[it.ID] = assessment.Answers[rng.IntN(len(assessment.Answers))]
				}
			}
			if rng.IntN(6) > 0 {
				r.strength = assessment.NamedText{Text: "s", Theme: theme()}
			}
			if rng.IntN(6) > 0 {
				r.opportunity = assessment.NamedText{Text: "o", Theme: theme()}
			}
			c.rs = append(c.rs, r)
		}
	}
	return c
}

// Each team's themes are exactly its report's team themes; the organization's are the
// mean of the teams' reported scores, each team once, with the band of the mean and the
// teams per band; the pillars are the means of the shown groups' scores; the named
// themes are the reports' own counts added up, in the reports' order rule.
func TestBuildRollupAgreesWithTheReports(t *testing.T) {
	in := instrument(t)
	rng := rand.New(rand.NewPCG(16, 1))
	var cases []rollupCase
	for i := range 12 {
		n := map[string]int{}
		for _, p := range in.Pillars {
			n[p.Key] = rng.IntN(7) // 0 to 6: many groups withheld
		}
		cases = append(cases, randomTeam(in, rng, int64(i+1), []string{"A", "B", ""}[i%3], n))
	}
	var inputs []RollupInput
	for _, c := range cases {
		inputs = append(inputs, c.input(in))
	}
	r := BuildRollup(in, inputs, nil)
	if len(r.Teams) != len(cases) || len(r.Themes) != len(in.Themes) || len(r.Pillars) != len(in.Pillars) {
		t.Fatalf("%d teams, %d themes, %d pillars", len(r.Teams), len(r.Themes), len(r.Pillars))
	}
	named := map[string]map[string]int{assessment.KindStrength: {}, assessment.KindOpportunity: {}}
	pillarScores := map[string][]float64{}
	for i, c := range cases {
		rep := Build(c.a, in, tally(in, c.rs))
		team := r.Teams[i]
		got, _ := json.Marshal(team.Themes)
		want, _ := json.Marshal(rep.Team.Themes)
		if !bytes.Equal(got, want) {
			t.Errorf("team %d: themes\n%s\nreport\n%s", i, got, want)
		}
		if team.Submitted != rep.Team.Submitted || !slices.Equal(team.IncludedPillars, orEmpty(rep.Team.IncludedPillars)) ||
			!slices.Equal(team.WithheldPillars, orEmpty(rep.Team.WithheldPillars)) || team.AssessmentID != c.a.ID || team.Unit != c.a.Unit {
			t.Errorf("team %d: %+v, report team %+v", i, team, rep.Team)
		}
		for _, nt := range rep.Strengths {
			named[assessment.KindStrength][nt.Theme] += nt.Count
		}
		for _, nt := range rep.Opportunities {
			named[assessment.KindOpportunity][nt.Theme] += nt.Count
		}
		for _, g := range rep.Groups {
			var exact []*float64
			for _, ir := range g.Items {
				exact = append(exact, ir.exact)
			}
			if sr := scoreResult(g.Pillar, mean(exact)); !g.Withheld && sr.Score != nil {
				pillarScores[g.Pillar] = append(pillarScores[g.Pillar], *sr.Score)
			}
		}
	}
	for _, th := range r.Themes {
		var scores []*float64
		var bands BandCounts
		for i := range r.Teams {
			if sr := r.Teams[i].Theme(th.Key); sr.Score != nil {
				scores = append(scores, sr.Score)
				bands.add(sr.Band)
			}
		}
		want := scoreResult(th.Key, mean(scores))
		if fmt.Sprint(th.Score) != fmt.Sprint(want.Score) && (th.Score == nil || want.Score == nil || *th.Score != *want.Score) || th.Band != want.Band {
			t.Errorf("%s: %v %s, want %v %s", th.Key, th.Score, th.Band, want.Score, want.Band)
		}
		if th.TeamsByBand != bands || bands.Strength+bands.Developing+bands.Opportunity != len(scores) {
			t.Errorf("%s: teams per band %+v, want %+v", th.Key, th.TeamsByBand, bands)
		}
	}
	for _, p := range r.Pillars {
		scores := pillarScores[p.Pillar]
		var ptrs []*float64
		for i := range scores {
			ptrs = append(ptrs, &scores[i])
		}
		want := scoreResult(p.Pillar, mean(ptrs))
		if p.Teams != len(scores) || fmt.Sprint(deref(p.Score)) != fmt.Sprint(deref(want.Score)) {
			t.Errorf("pillar %s: %v over %d teams, want %v over %d", p.Pillar, deref(p.Score), p.Teams, deref(want.Score), len(scores))
		}
	}
	for kind, list := range map[string][]ThemeCount{assessment.KindStrength: r.Named.Strengths, assessment.KindOpportunity: r.Named.Opportunities} {
		got := map[string]int{}
		order := themeOrder(in)
		for i, c := range list {
			got[c.Theme] = c.Count
			if i > 0 && (c.Count > list[i-1].Count || c.Count == list[i-1].Count && rank(order, c.Theme) < rank(order, list[i-1].Theme)) {
				t.Errorf("%s: out of order at %d: %v", kind, i, list)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(named[kind]) {
			t.Errorf("%s: %v, the reports' %v", kind, got, named[kind])
		}
	}
	// A unit's roll-up is the same rule over its teams alone.
	a := r.InUnit(in, "A")
	if len(a.Teams) != 4 {
		t.Fatalf("unit A: %d teams", len(a.Teams))
	}
	for _, th := range a.Themes {
		var scores []*float64
		for i := range a.Teams {
			if sr := a.Teams[i].Theme(th.Key); sr.Score != nil {
				scores = append(scores, sr.Score)
			}
		}
		if want := scoreResult(th.Key, mean(scores)); fmt.Sprint(deref(th.Score)) != fmt.Sprint(deref(want.Score)) {
			t.Errorf("unit A, %s: %v, want %v", th.Key, deref(th.Score), deref(want.Score))
		}
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// Whatever a withheld group answered, and whatever themes it named, the roll-up is the
// same to the byte.
func TestBuildRollupIgnoresWithheldGroups(t *testing.T) {
	in := instrument(t)
	build := func(seed uint64) []byte {
		rng := rand.New(rand.NewPCG(7, 7))
		var inputs []RollupInput
		for i := range 4 {
			c := randomTeam(in, rng, int64(i+1), "", map[string]int{pillars.Leadership: 4, pillars.Staff: 5, pillars.PatientPartners: 0})
			// Two leaders of team 2 only, answering and naming at random.
			if i == 2 {
				other := rand.New(rand.NewPCG(seed, 1))
				c.rs = slices.DeleteFunc(c.rs, func(r respondent) bool { return r.pillar == pillars.Leadership })
				lone := randomTeam(in, other, 99, "", map[string]int{pillars.Leadership: 2})
				c.rs = append(c.rs, lone.rs...)
			}
			inputs = append(inputs, c.input(in))
		}
		r := BuildRollup(in, inputs, nil)
		if got := r.Teams[2].WithheldPillars; !slices.Equal(got, []string{pillars.Leadership, pillars.PatientPartners}) {
			t.Fatalf("team 2 withholds %v", got)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	first := build(1)
	for seed := range uint64(20) {
		if got := build(seed + 2); !bytes.Equal(got, first) {
			t.Fatalf("a withheld group's answers changed the roll-up:\n%s\n%s", first, got)
		}
	}
}

// An empty roll-up is a document of empty lists, never null.
func TestBuildRollupEmpty(t *testing.T) {
	b, err := json.Marshal(BuildRollup(instrument(t), nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("null")) && !bytes.Contains(b, []byte(`"score":null`)) {
		t.Errorf("empty roll-up: %s", b)
	}
	for _, want := range []string{`"teams":[]`, `"not_closed":[]`, `"strengths":[]`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("empty roll-up lacks %s: %s", want, b)
		}
	}
}

// TestRollupLabelsExist: every label the roll-up's workbook names is in the catalogue.
func TestRollupLabelsExist(t *testing.T) {
	for _, lang := range locale.Languages() {
		l := newLabeler(lang)
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, "rollup_xlsx.go", nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		used := 0
		ast.Inspect(file, inspectLabel(t, fset, l, &used))
		if used < 30 {
			t.Errorf("found only %d label uses in the roll-up's workbook code", used)
		}
	}
}

// The workbook: a Summary, Teams × themes and a sheet per unit, each name valid (at most
// 31 characters, none of []:*?/\) and unique however the units are called; each team's
// scores as numbers equal to the roll-up's; a unit name written as text, never as a
// formula; in English and French.
func TestRollupWorkbook(t *testing.T) {
	in := instrument(t)
	rng := rand.New(rand.NewPCG(3, 4))
	long := strings.Repeat("Département de médecine ", 3)
	units := []string{"Summary", "A/B: C*?", long + "1", long + "2", "=HYPERLINK(\"http://x\")", ""}
	var inputs []RollupInput
	for i, u := range units {
		inputs = append(inputs, randomTeam(in, rng, int64(i+1), u, map[string]int{pillars.Leadership: 3, pillars.Staff: 4, pillars.PatientPartners: 2}).input(in))
	}
	notClosed := []assessment.Assessment{{ID: 40, Team: "Open team", Unit: "Summary", Round: 2, Status: assessment.Open}}
	r := BuildRollup(in, inputs, notClosed)
	for _, c := range []struct {
		lang          locale.Lang
		summary, heat string
	}{{locale.English, "Summary", "Teams × themes"}, {locale.French, "Résumé", "Équipes × thèmes"}} {
		var buf bytes.Buffer
		if err := WriteRollupXLSX(&buf, r, in, nil, printerFor(c.lang), time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		sheets := f.GetSheetList()
		if len(sheets) != 2+len(units) || sheets[0] != c.summary || sheets[1] != c.heat {
			t.Errorf("%s: sheets %q", c.lang, sheets)
		}
		seen := map[string]bool{}
		for _, name := range sheets {
			if utf8.RuneCountInString(name) > 31 || strings.ContainsAny(name, `[]:*?/\`) || seen[strings.ToLower(name)] {
				t.Errorf("%s: sheet name %q", c.lang, name)
			}
			seen[strings.ToLower(name)] = true
		}
		rows, err := f.GetRows(c.heat, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, team := range r.Teams {
			i := slices.IndexFunc(rows, func(row []string) bool { return len(row) > 0 && row[0] == team.Team })
			if i < 0 {
				t.Errorf("%s: no row for %s", c.lang, team.Team)
				continue
			}
			if got := rows[i][1]; got != team.Unit {
				t.Errorf("%s, %s: unit %q, want %q", c.lang, team.Team, got, team.Unit)
			}
			cell, _ := excelize.CoordinatesToCellName(2, i+1)
			if formula, _ := f.GetCellFormula(c.heat, cell); formula != "" {
				t.Errorf("%s: unit written as a formula %q", c.lang, formula)
			}
			for j, th := range team.Themes {
				want := ""
				if th.Score != nil {
					want = fmt.Sprint(*th.Score)
				}
				if got := rows[i][6+j]; want != "" && got != want {
					t.Errorf("%s, %s, %s: %q, want %q", c.lang, team.Team, th.Key, got, want)
				}
			}
		}
		// The team without a closed round is on the Summary and on its unit's sheet.
		for _, sheet := range []string{c.summary, sheets[2]} {
			rows, _ := f.GetRows(sheet)
			if !slices.ContainsFunc(rows, func(row []string) bool { return len(row) > 0 && row[0] == "Open team" }) {
				t.Errorf("%s: %s does not list the team without a closed round", c.lang, sheet)
			}
		}
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}
}
