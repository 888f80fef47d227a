package reports

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
)

// overviewSeed: leadership all Yes (2), staff answering by statement so its scores vary
// and some round differently when rounded first (3), patient partners withheld (1).
func overviewSeed(t *testing.T) (*pillars.Instrument, *Report) {
	t.Helper()
	in := instrument(t)
	rs := []respondent{uniform(in, pillars.Leadership, assessment.Yes, "l1"), uniform(in, pillars.Leadership, assessment.Yes, "l2"),
		uniform(in, pillars.PatientPartners, assessment.No, "SECRET")}
	for k := range 3 {
		r := respondent{pillar: pillars.Staff, answers: map[string]assessment.Answer{}}
		for j, it := range in.Pillar(pillars.Staff).Items() {
			r.answers[it.ID] = assessment.Answers[(j+k*j/3)%len(assessment.Answers)]
		}
		rs = append(rs, r)
	}
	return in, Build(&assessment.Assessment{Threshold: 2}, in, tally(in, rs))
}

func TestOverview(t *testing.T) {
	in, rep := overviewSeed(t)
	o := NewOverview(rep)

	// One card per group, in the report's order; the withheld one without score or count.
	if len(o.Groups) != 3 {
		t.Fatalf("%d groups, want 3", len(o.Groups))
	}
	for i, g := range o.Groups {
		if g.Pillar != rep.Groups[i].Pillar || g.Withheld != rep.Groups[i].Withheld {
			t.Errorf("group %d = %+v, want the report's %s", i, g, rep.Groups[i].Pillar)
		}
	}
	pp := o.Groups[2]
	if !pp.Withheld || pp.Submitted != 0 || pp.Score.Score != nil || pp.Score.Band != "" {
		t.Errorf("withheld card %+v, want no count and no score", pp)
	}
	if lead := o.Groups[0]; lead.Submitted != 2 || lead.Score.Score == nil || *lead.Score.Score != 100 || lead.Score.Band != BandStrength {
		t.Errorf("leadership card %+v, want 2 responses, 100, strength", lead)
	}

	// A group's score and the team's: the mean of the exact statement scores, rounded
	// once (not the mean of rounded scores), over the shown groups only.
	meanOf := func(items []ItemResult) float64 {
		sum, n := 0.0, 0
		for _, ir := range items {
			if ir.exact != nil {
				sum += *ir.exact
				n++
			}
		}
		return round1(sum / float64(n))
	}
	staff := group(rep, pillars.Staff)
	if got, want := o.Groups[1].Score, meanOf(staff.Items); got.Score == nil || *got.Score != want || got.Band != band(want) {
		t.Errorf("staff score %+v, want %v", got, want)
	}
	if got, want := o.Team, meanOf(rep.Team.Items); got.Score == nil || *got.Score != want {
		t.Errorf("team score %+v, want %v over the shown groups", got, want)
	}
	if o.Submitted != 5 {
		t.Errorf("submitted %d, want 5 (the shown groups)", o.Submitted)
	}

	// Every theme once, ranked by the team's score, highest first; the scores are the
	// report's own, and a withheld group has none.
	if len(o.Themes) != len(in.Themes) {
		t.Fatalf("%d ranked themes, want %d", len(o.Themes), len(in.Themes))
	}
	var keys []string
	for i, rt := range o.Themes {
		keys = append(keys, rt.Key)
		if i > 0 && *o.Themes[i-1].Team.Score < *rt.Team.Score {
			t.Errorf("theme %s (%v) ranked below %s (%v)", rt.Key, *rt.Team.Score, o.Themes[i-1].Key, *o.Themes[i-1].Team.Score)
		}
		if want := scoreOf(rep.Team.Themes, rt.Key); *want != *rt.Team.Score {
			t.Errorf("theme %s team score %v, the report says %v", rt.Key, *rt.Team.Score, *want)
		}
		if len(rt.Groups) != 3 {
			t.Fatalf("theme %s has %d group scores, want 3", rt.Key, len(rt.Groups))
		}
		for j, g := range rep.Groups {
			if want := themeScore(g, rt.Key); (want == nil) != (rt.Groups[j].Score == nil) || want != nil && *want != *rt.Groups[j].Score {
				t.Errorf("theme %s, %s: %v, the report says %v", rt.Key, g.Pillar, rt.Groups[j].Score, want)
			}
		}
		if rt.Groups[2].Score != nil {
			t.Errorf("theme %s shows the withheld group's score", rt.Key)
		}
	}
	slices.Sort(keys)
	if keys = slices.Compact(keys); len(keys) != len(in.Themes) {
		t.Errorf("ranked themes %v are not each theme once", keys)
	}
}

func TestOverviewTiesAndUnscored(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	rep := &Report{Team: Team{Themes: []ScoreResult{{Key: "a"}, {Key: "b", Score: f(40)}, {Key: "c", Score: f(90)}, {Key: "d", Score: f(40)}, {Key: "e", Score: f(90)}}}}
	var got []string
	for _, rt := range NewOverview(rep).Themes {
		got = append(got, rt.Key)
	}
	if want := []string{"c", "e", "b", "d", "a"}; !slices.Equal(got, want) {
		t.Errorf("ranked %v, want %v: ties in the instrument's order, unscored last", got, want)
	}
	if o := NewOverview(rep); o.Team.Score != nil {
		t.Errorf("a report without groups has a team score %v", *o.Team.Score)
	}
}

func TestGroupTexts(t *testing.T) {
	for _, c := range []struct {
		name string
		in   []string
		want []TextCount
	}{
		{"none", nil, []TextCount{}},
		{"all different keep their order", []string{"a", "b", "c"}, []TextCount{{"a", 1}, {"b", 1}, {"c", 1}}},
		{"identical are one, most written first", []string{"a", "b", "b", "c", "c", "c"}, []TextCount{{"c", 3}, {"b", 2}, {"a", 1}}},
		{"case and spaces do not make another text", []string{"More  time", "more time", " MORE TIME\n", "less"},
			[]TextCount{{"More  time", 3}, {"less", 1}}},
		{"a tie keeps the list's order", []string{"x", "y", "y", "x"}, []TextCount{{"x", 2}, {"y", 2}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := GroupTexts(c.in); !slices.Equal(got, c.want) {
				t.Errorf("GroupTexts(%q) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

func TestChooseReflections(t *testing.T) {
	in := instrument(t)
	long := strings.Repeat("we keep partners at the centre of every plan ", 6)
	rs := []respondent{uniform(in, pillars.PatientPartners, assessment.No, "SECRET")}
	for _, text := range []string{"Same words", "same  words", "Same words", "Other", long, long + " again", "Last"} {
		r := uniform(in, pillars.Staff, assessment.Yes, "s")
		r.reflection = text
		rs = append(rs, r)
	}
	lead := uniform(in, pillars.Leadership, assessment.Yes, "l")
	lead.reflection = ""
	rs = append(rs, lead, lead)
	rep := Build(&assessment.Assessment{Threshold: 2}, in, tally(in, rs))

	got := ChooseReflections(rep)
	// Only groups shown and with reflections: not the withheld patient partners, not
	// leadership, which wrote none.
	if len(got) != 1 || got[0].Pillar != pillars.Staff {
		t.Fatalf("chose %+v, want staff's alone", got)
	}
	g := got[0]
	if len(g.Quotes) == 0 || g.Quotes[0].Text != "Same words" || g.Quotes[0].Count != 3 {
		t.Errorf("first quote %+v, want the words three people wrote, once, with their count", g.Quotes)
	}
	used := 0
	for _, q := range g.Quotes {
		if q.PromptID != in.Pillar(pillars.Staff).Reflections[0].ID {
			t.Errorf("quote %+v under prompt %q", q, q.PromptID)
		}
		if n := len([]rune(strings.TrimSuffix(q.Text, "…"))); n > QuoteMax {
			t.Errorf("quote of %d characters, more than %d", n, QuoteMax)
		}
		used += len([]rune(q.Text))
	}
	if len(g.Quotes) > ReflectionsPerGroup || used > ReflectionBudget {
		t.Errorf("%d quotes of %d characters, want at most %d within %d", len(g.Quotes), used, ReflectionsPerGroup, ReflectionBudget)
	}
	// Five distinct texts: what is not shown is counted.
	if len(g.Quotes)+g.More != 5 {
		t.Errorf("%d shown and %d more, want 5 distinct texts in all", len(g.Quotes), g.More)
	}
	for _, q := range g.Quotes {
		if strings.Contains(q.Text, "SECRET") {
			t.Error("a withheld group's reflection was chosen")
		}
	}
}

func TestRankRowSVG(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	svg := RankRowSVG(`Relationships: Team 62.5 <"&">`, f(62.5), BandDeveloping, []Marker{
		{Score: f(0), Shape: ShapeCircle}, {Score: nil, Shape: ShapeSquare}, {Score: f(100), Shape: ShapeDiamond}, {Score: f(50), Shape: ShapeCross}})
	if !strings.HasPrefix(svg, `<svg class="rank" viewBox="0 0 412 24" role="img" aria-label="Relationships: Team 62.5 &lt;&#34;&amp;&#34;&gt;">`) {
		t.Errorf("opening %s: want role=img and the escaped name", svg[:min(len(svg), 160)])
	}
	// The team's bar: 62.5 of 100 on 400 units, in the band's colour, outlined in ink.
	if want := fmt.Sprintf(`<rect class="team developing" fill="#%s" stroke="#%s" x="6" y="7" width="250" height="10"/>`, ColourDeveloping, PaletteInk); !strings.Contains(svg, want) {
		t.Errorf("no team bar %s in %s", want, svg)
	}
	// A marker per scored group, none for the one without a score, at its place.
	for _, want := range []string{`<circle class="mark circle" cx="6" cy="12"`, `<path class="mark diamond" d="M406 6`, `<path class="mark cross" d="M204 6`} {
		if !strings.Contains(svg, want) {
			t.Errorf("no %s in %s", want, svg)
		}
	}
	if strings.Contains(svg, "square") {
		t.Error("a marker for a group without a score")
	}
	if n := len(regexp.MustCompile(`class="limit" d="M(206|306) `).FindAllString(svg, -1)); n != 2 {
		t.Errorf("%d band limits at 50 and 75, want 2: %s", n, svg)
	}
	if svg := RankRowSVG("No score", nil, "", nil); strings.Contains(svg, `class="team`) {
		t.Errorf("a bar for a theme without a score: %s", svg)
	}
	for _, shape := range MarkerShapes {
		if m := MarkerSVG(shape); !strings.Contains(m, `aria-hidden="true"`) || !strings.Contains(m, `class="mark `+shape+`"`) {
			t.Errorf("legend marker %s: %s", shape, m)
		}
	}
}

// The same words under two questions may be one person's: they are two quotes, each
// "written by" only as many as wrote them under its question.
func TestChooseReflectionsByQuestion(t *testing.T) {
	rep := &Report{Groups: []Group{{Pillar: pillars.Staff, Reflections: []assessment.ReflectionText{
		{Pillar: pillars.Staff, PromptID: "S-R1", Text: "More time"},
		{Pillar: pillars.Staff, PromptID: "S-R1", Text: "more  time"},
		{Pillar: pillars.Staff, PromptID: "S-R2", Text: "More time"},
	}}}}
	got := ChooseReflections(rep)
	if len(got) != 1 || len(got[0].Quotes) != 2 {
		t.Fatalf("chose %+v, want two quotes", got)
	}
	first, second := got[0].Quotes[0], got[0].Quotes[1]
	if first.PromptID != "S-R1" || first.Count != 2 || second.PromptID != "S-R2" || second.Count != 1 {
		t.Errorf("quotes %+v and %+v: want S-R1's written by 2, then S-R2's by 1", first, second)
	}
}
