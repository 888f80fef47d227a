package reports

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
)

func instrument(t testing.TB) *pillars.Instrument {
	t.Helper()
	c, err := pillars.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c.Current()
}

// respondent is one submitted response, for building tallies the way the database does.
type respondent struct {
	pillar      string
	answers     map[string]assessment.Answer
	strength    assessment.NamedText
	opportunity assessment.NamedText
	reflection  string
}

func tally(in *pillars.Instrument, rs []respondent) *assessment.Tallies {
	t := &assessment.Tallies{Submitted: map[string]int{}}
	counts := map[[3]string]int{}
	for _, r := range rs {
		t.Submitted[r.pillar]++
		for id, a := range r.answers {
			counts[[3]string{r.pillar, id, string(a)}]++
		}
		if r.strength.Text != "" {
			n := r.strength
			n.Pillar, n.Kind = r.pillar, assessment.KindStrength
			t.Named = append(t.Named, n)
		}
		if r.opportunity.Text != "" {
			n := r.opportunity
			n.Pillar, n.Kind = r.pillar, assessment.KindOpportunity
			t.Named = append(t.Named, n)
		}
		if r.reflection != "" {
			t.Reflections = append(t.Reflections, assessment.ReflectionText{Pillar: r.pillar, PromptID: in.Pillar(r.pillar).Reflections[0].ID, Text: r.reflection})
		}
	}
	for k, n := range counts {
		t.Items = append(t.Items, assessment.ItemCount{Pillar: k[0], ItemID: k[1], Answer: assessment.Answer(k[2]), N: n})
	}
	return t
}

// uniform answers every item of a pillar with the same answer.
func uniform(in *pillars.Instrument, pillar string, a assessment.Answer, text string) respondent {
	r := respondent{pillar: pillar, answers: map[string]assessment.Answer{}}
	for _, it := range in.Pillar(pillar).Items() {
		r.answers[it.ID] = a
	}
	r.strength = assessment.NamedText{Text: "strength: " + text, Theme: "relationships"}
	r.opportunity = assessment.NamedText{Text: "opportunity: " + text, Theme: "resources"}
	r.reflection = "reflection: " + text
	return r
}

func group(r *Report, pillar string) Group {
	for _, g := range r.Groups {
		if g.Pillar == pillar {
			return g
		}
	}
	return Group{}
}

func item(g Group, id string) ItemResult {
	for _, ir := range g.Items {
		if ir.ID == id {
			return ir
		}
	}
	return ItemResult{}
}

func TestItemScoreAndShares(t *testing.T) {
	in := instrument(t)
	a := &assessment.Assessment{Threshold: 1}
	var rs []respondent
	for _, ans := range []assessment.Answer{assessment.Yes, assessment.Yes, assessment.Somewhat, assessment.No, assessment.Unknown} {
		rs = append(rs, uniform(in, pillars.Staff, ans, "x"))
	}
	rep := Build(a, in, tally(in, rs))
	ir := item(group(rep, pillars.Staff), "S-01")
	want := Counts{Yes: 2, Somewhat: 1, No: 1, Unknown: 1}
	if ir.Counts != want {
		t.Fatalf("counts %+v, want %+v", ir.Counts, want)
	}
	// (2 + 0.5) / 4 answered on the scale, Unknown left out.
	if ir.Score == nil || *ir.Score != 62.5 || ir.Band != BandDeveloping {
		t.Errorf("score %v band %q, want 62.5 developing", ir.Score, ir.Band)
	}
	if ir.UnknownShare != 0.2 {
		t.Errorf("unknown share %v, want 0.2", ir.UnknownShare)
	}
	if p := ir.Percent; p != (Counts{Yes: 40, Somewhat: 20, No: 20, Unknown: 20}) {
		t.Errorf("percent %+v", p)
	}
}

func TestAllUnknownHasNoScore(t *testing.T) {
	in := instrument(t)
	rep := Build(&assessment.Assessment{Threshold: 1}, in, tally(in, []respondent{uniform(in, pillars.Staff, assessment.Unknown, "x")}))
	g := group(rep, pillars.Staff)
	if ir := item(g, "S-01"); ir.Score != nil || ir.UnknownShare != 1 {
		t.Errorf("all-Unknown item: score %v, unknown share %v", ir.Score, ir.UnknownShare)
	}
	for _, th := range g.Themes {
		if th.Score != nil {
			t.Errorf("theme %s scored %v with only Unknown answers", th.Key, *th.Score)
		}
	}
	if len(rep.UnknownHotspots) != len(in.Pillar(pillars.Staff).Items()) {
		t.Errorf("%d hotspots, want every item", len(rep.UnknownHotspots))
	}
}

func TestBands(t *testing.T) {
	for _, tt := range []struct {
		score float64
		want  string
	}{{100, BandStrength}, {75, BandStrength}, {74.9, BandDeveloping}, {50, BandDeveloping}, {49.9, BandOpportunity}, {0, BandOpportunity}} {
		if got := band(tt.score); got != tt.want {
			t.Errorf("band(%v) = %q, want %q", tt.score, got, tt.want)
		}
	}
}

func TestPercentagesAddUpTo100(t *testing.T) {
	for _, c := range []Counts{{Yes: 1, Somewhat: 1, No: 1}, {Yes: 1, No: 2}, {Yes: 2, Somewhat: 2, No: 2, Unknown: 1}, {Unanswered: 3}, {Yes: 1, Somewhat: 1, No: 1, Unknown: 1, Unanswered: 3}} {
		p := percentages(c)
		if sum := p.Total(); sum != 100 {
			t.Errorf("percentages(%+v) = %+v, sums to %d", c, p, sum)
		}
	}
	// Thirds: 33.3 each; the first field takes the extra point.
	if p := percentages(Counts{Yes: 1, Somewhat: 1, No: 1}); p != (Counts{Yes: 34, Somewhat: 33, No: 33}) {
		t.Errorf("thirds = %+v", p)
	}
	if p := percentages(Counts{}); p != (Counts{}) {
		t.Errorf("empty = %+v", p)
	}
}

func TestThemesSectionsAndGaps(t *testing.T) {
	in := instrument(t)
	a := &assessment.Assessment{Threshold: 2}
	rs := []respondent{
		uniform(in, pillars.Leadership, assessment.Yes, "l1"), uniform(in, pillars.Leadership, assessment.Yes, "l2"),
		uniform(in, pillars.Staff, assessment.No, "s1"), uniform(in, pillars.Staff, assessment.Somewhat, "s2"),
	}
	rep := Build(a, in, tally(in, rs))
	for _, th := range group(rep, pillars.Leadership).Themes {
		if th.Score == nil || *th.Score != 100 || th.Band != BandStrength {
			t.Errorf("leadership theme %s = %v %s", th.Key, th.Score, th.Band)
		}
	}
	for _, sec := range group(rep, pillars.Staff).Sections {
		if sec.Score == nil || *sec.Score != 25 || sec.Band != BandOpportunity {
			t.Errorf("staff section %s = %v %s", sec.Key, sec.Score, sec.Band)
		}
	}
	// Every theme differs by 75 points between leadership and staff.
	if len(rep.Gaps) != len(in.Themes) {
		t.Fatalf("%d gaps, want %d", len(rep.Gaps), len(in.Themes))
	}
	for _, g := range rep.Gaps {
		if g.Points != 75 || g.PillarA != pillars.Leadership || g.PillarB != pillars.Staff {
			t.Errorf("gap %+v", g)
		}
	}
	// Team theme = mean of the included items' scores: (100·15 + 25·15) / 30 per theme
	// only when both pillars have the same number of items in it; check one directly.
	for _, th := range rep.Team.Themes {
		var sum float64
		var n int
		for _, ir := range rep.Team.Items {
			if ir.Theme == th.Key && ir.Score != nil {
				sum += *ir.Score
				n++
			}
		}
		if want := round1(sum / float64(n)); th.Score == nil || *th.Score != want {
			t.Errorf("team theme %s = %v, want %v", th.Key, th.Score, want)
		}
	}
	if len(rep.HighestThemes) != 3 || len(rep.LowestThemes) != 3 || *rep.HighestThemes[0].Score < *rep.LowestThemes[0].Score {
		t.Errorf("extremes %+v / %+v", rep.HighestThemes, rep.LowestThemes)
	}
}

func TestContrasts(t *testing.T) {
	in := instrument(t)
	rs := []respondent{
		uniform(in, pillars.Staff, assessment.Yes, "a"), uniform(in, pillars.Staff, assessment.No, "b"),
		uniform(in, pillars.Staff, assessment.Somewhat, "c"), uniform(in, pillars.Staff, assessment.Somewhat, "d"),
	}
	rs[2].answers["S-01"] = assessment.Yes // S-01: 2 yes, 1 no, 1 somewhat: yes 50 %, no 25 %
	rep := Build(&assessment.Assessment{Threshold: 3}, in, tally(in, rs))
	found := false
	for _, c := range rep.Contrasts {
		if c.ItemID == "S-01" {
			found = c.YesShare == 0.5 && c.NoShare == 0.25
		}
	}
	if !found {
		t.Errorf("S-01 not reported as a contrast: %+v", rep.Contrasts)
	}
	rs[1].answers["S-02"] = assessment.Somewhat // S-02: 1 yes, 0 no: no contrast
	rep = Build(&assessment.Assessment{Threshold: 3}, in, tally(in, rs))
	for _, c := range rep.Contrasts {
		if c.ItemID == "S-02" {
			t.Errorf("S-02 reported as a contrast: %+v", c)
		}
	}
}

func TestNamedThemes(t *testing.T) {
	in := instrument(t)
	rs := []respondent{uniform(in, pillars.Staff, assessment.Yes, "a"), uniform(in, pillars.Staff, assessment.Yes, "b"), uniform(in, pillars.Staff, assessment.Yes, "c")}
	rs[2].strength.Theme = ""
	rep := Build(&assessment.Assessment{Threshold: 3}, in, tally(in, rs))
	if len(rep.Strengths) != 2 || rep.Strengths[0].Theme != "relationships" || rep.Strengths[0].Count != 2 || rep.Strengths[1].Theme != "" {
		t.Errorf("strengths %+v", rep.Strengths)
	}
	if got := strings.Join(rep.Strengths[0].Texts, "|"); got != "strength: a|strength: b" {
		t.Errorf("verbatims %q", got)
	}
}

// TestWithheldGroupLeavesNoTrace is the anonymity rule under attack: a group under the
// threshold is withheld, and nothing else in the report changes whatever its members
// answered or wrote, so nothing about them can be recovered by subtraction or by
// comparing two reports.
func TestWithheldGroupLeavesNoTrace(t *testing.T) {
	in := instrument(t)
	a := &assessment.Assessment{Threshold: 3}
	visible := []respondent{
		uniform(in, pillars.Leadership, assessment.Yes, "l1"), uniform(in, pillars.Leadership, assessment.Somewhat, "l2"), uniform(in, pillars.Leadership, assessment.No, "l3"),
		uniform(in, pillars.Staff, assessment.Yes, "s1"), uniform(in, pillars.Staff, assessment.Unknown, "s2"), uniform(in, pillars.Staff, assessment.No, "s3"),
	}
	variants := [][]respondent{
		nil,
		{uniform(in, pillars.PatientPartners, assessment.Yes, "SECRET-ONE")},
		{uniform(in, pillars.PatientPartners, assessment.No, "SECRET-TWO"), uniform(in, pillars.PatientPartners, assessment.Unknown, "SECRET-THREE")},
	}
	var first []byte
	for i, extra := range variants {
		rep := Build(a, in, tally(in, append(append([]respondent{}, visible...), extra...)))
		g := group(rep, pillars.PatientPartners)
		if !g.Withheld || g.Submitted != 0 || len(g.Items)+len(g.Themes)+len(g.Sections)+len(g.Strengths)+len(g.Opportunities)+len(g.Reflections) != 0 {
			t.Fatalf("variant %d: withheld group carries data: %+v", i, g)
		}
		raw, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), "SECRET") {
			t.Fatalf("variant %d: a withheld text leaked: %s", i, raw)
		}
		if rep.Team.Submitted != 6 || strings.Join(rep.Team.IncludedPillars, ",") != "leadership,staff" || strings.Join(rep.Team.WithheldPillars, ",") != "patient_partners" {
			t.Errorf("variant %d: team %+v", i, rep.Team)
		}
		if i == 0 {
			first = raw
		} else if string(raw) != string(first) {
			t.Errorf("variant %d: the report changed with the withheld group's answers:\n%s\nvs\n%s", i, raw, first)
		}
	}
	// At the threshold the group appears, with its texts.
	three := []respondent{uniform(in, pillars.PatientPartners, assessment.Yes, "p1"), uniform(in, pillars.PatientPartners, assessment.Yes, "p2"), uniform(in, pillars.PatientPartners, assessment.Yes, "p3")}
	rep := Build(a, in, tally(in, append(append([]respondent{}, visible...), three...)))
	if g := group(rep, pillars.PatientPartners); g.Withheld || g.Submitted != 3 || len(g.Strengths) != 3 || len(g.Reflections) != 3 {
		t.Errorf("group at the threshold: %+v", g)
	}
}

// FuzzBuild checks the report's invariants over random tallies: counts add up to the
// group size, percentages to 100, scores stay in 0–100, and nothing of a withheld group
// shows anywhere.
func FuzzBuild(f *testing.F) {
	f.Add(uint64(1), 3, 5, 2, 7)
	f.Add(uint64(42), 1, 0, 0, 1)
	f.Add(uint64(7), 20, 25, 19, 3)
	in := instrument(f)
	f.Fuzz(func(t *testing.T, seed uint64, threshold, nl, ns, np int) {
		if threshold < 1 || threshold > 20 || nl < 0 || ns < 0 || np < 0 || nl+ns+np > 200 {
			return
		}
		rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		var rs []respondent
		for pillar, n := range map[string]int{pillars.Leadership: nl, pillars.Staff: ns, pillars.PatientPartners: np} {
			for i := 0; i < n; i++ {
				r := respondent{pillar: pillar, answers: map[string]assessment.Answer{}}
				for _, it := range in.Pillar(pillar).Items() {
					if k := rng.IntN(5); k < 4 {
						r.answers[it.ID] = assessment.Answers[k]
					}
				}
				r.strength = assessment.NamedText{Text: "T-" + pillar, Theme: in.Themes[rng.IntN(len(in.Themes))].Key}
				rs = append(rs, r)
			}
		}
		rep := Build(&assessment.Assessment{Threshold: threshold}, in, tally(in, rs))
		raw, _ := json.Marshal(rep)
		for _, g := range rep.Groups {
			n := map[string]int{pillars.Leadership: nl, pillars.Staff: ns, pillars.PatientPartners: np}[g.Pillar]
			if n < threshold {
				if !g.Withheld || strings.Contains(string(raw), "T-"+g.Pillar) {
					t.Fatalf("group %s of %d (threshold %d) not withheld or leaked", g.Pillar, n, threshold)
				}
				continue
			}
			for _, ir := range g.Items {
				if ir.Counts.Total() != n {
					t.Fatalf("item %s counts %d, group %d", ir.ID, ir.Counts.Total(), n)
				}
				if ir.Percent.Total() != 100 {
					t.Fatalf("item %s percentages sum to %d", ir.ID, ir.Percent.Total())
				}
				if ir.Score != nil && (*ir.Score < 0 || *ir.Score > 100) {
					t.Fatalf("item %s score %v", ir.ID, *ir.Score)
				}
			}
		}
	})
}
