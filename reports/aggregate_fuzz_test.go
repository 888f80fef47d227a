package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
)

// byteStream hands out the fuzzer's bytes one at a time, then zeros.
type byteStream struct {
	b []byte
	i int
}

func (s *byteStream) next() byte {
	if s.i >= len(s.b) {
		return 0
	}
	v := s.b[s.i]
	s.i++
	return v
}

func (s *byteStream) more() bool { return s.i < len(s.b) }

// fuzzRespondents turns bytes into submitted responses: per respondent a header byte
// (pillar, which texts they wrote) and a byte per item of their pillar (one of the four
// answers, or unanswered). Every text carries a marker naming its pillar and respondent,
// so a leak can be found in the report's JSON.
func fuzzRespondents(in *pillars.Instrument, data []byte) []respondent {
	s := &byteStream{b: data}
	var rs []respondent
	for s.more() && len(rs) < 90 {
		h := s.next()
		p := in.Pillars[int(h)%len(in.Pillars)]
		r := respondent{pillar: p.Key, answers: map[string]assessment.Answer{}}
		for _, it := range p.Items() {
			if k := s.next() % 5; k < 4 {
				r.answers[it.ID] = assessment.Answers[k]
			}
		}
		marker := fmt.Sprintf("TXT-%s-%d", p.Key, len(rs))
		theme := func() string {
			if k := int(s.next()) % (len(in.Themes) + 1); k < len(in.Themes) {
				return in.Themes[k].Key
			}
			return ""
		}
		if h&0x10 != 0 {
			r.strength = assessment.NamedText{Text: "strength " + marker, Theme: theme()}
		}
		if h&0x20 != 0 {
			r.opportunity = assessment.NamedText{Text: "opportunity " + marker, Theme: theme()}
		}
		if h&0x40 != 0 {
			r.reflection = "reflection " + marker
		}
		rs = append(rs, r)
	}
	return rs
}

// oracleItemScore is an item's score computed from the respondents themselves, not from
// tallies: Yes 1, Somewhat ½, No 0, Unknown and unanswered left out, to one decimal.
func oracleItemScore(rs []respondent, pillar, item string) *float64 {
	exact := oracleExactScore(rs, pillar, item)
	if exact == nil {
		return nil
	}
	s := math.Round(*exact*10) / 10
	return &s
}

// oracleExactScore is an item's unrounded score: what theme scores average.
func oracleExactScore(rs []respondent, pillar, item string) *float64 {
	var yes, somewhat, no int
	for _, r := range rs {
		if r.pillar != pillar {
			continue
		}
		switch r.answers[item] {
		case assessment.Yes:
			yes++
		case assessment.Somewhat:
			somewhat++
		case assessment.No:
			no++
		}
	}
	if yes+somewhat+no == 0 {
		return nil
	}
	s := 100 * (float64(yes) + 0.5*float64(somewhat)) / float64(yes+somewhat+no)
	return &s
}

func sameScore(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) < 1e-9
}

func scoreString(s *float64) string {
	if s == nil {
		return "nil"
	}
	return fmt.Sprint(*s)
}

// checkPercent: whole percentages of the counts that add up to exactly 100, each within
// one point of the exact share (largest remainder never moves a figure further).
func checkPercent(t *testing.T, where string, c, p Counts) {
	t.Helper()
	if c.Total() == 0 {
		if p != (Counts{}) {
			t.Fatalf("%s: percentages %+v of nothing", where, p)
		}
		return
	}
	if p.Total() != 100 {
		t.Fatalf("%s: percentages %+v sum to %d, want 100", where, p, p.Total())
	}
	counts := []int{c.Yes, c.Somewhat, c.No, c.Unknown, c.Unanswered}
	pcts := []int{p.Yes, p.Somewhat, p.No, p.Unknown, p.Unanswered}
	for i := range counts {
		floor := counts[i] * 100 / c.Total()
		if pcts[i] != floor && pcts[i] != floor+1 {
			t.Fatalf("%s: %d of %d shown as %d %%", where, counts[i], c.Total(), pcts[i])
		}
	}
}

// FuzzReportInvariants builds reports from fuzzed submitted responses and checks, against
// figures computed from the responses themselves:
//   - each shown group's per-item counts add up to the group's submitted count, and
//     match the answers given;
//   - percentages shown side by side add up to exactly 100 (groups and team);
//   - a group below the threshold shows no count, item, score or text, and none of its
//     texts appears anywhere in the report;
//   - team figures are those of the shown groups only: the report is byte for byte the
//     one built with the withheld groups' responses (and stray rows of a pillar the
//     instrument does not have) left out entirely, so nothing can be recovered by
//     subtraction.
func FuzzReportInvariants(f *testing.F) {
	in := instrument(f)
	f.Add(uint8(2), []byte("\x00\x01\x02\x03\x04\x00\x01\x02\x03\x04\x00\x01\x02\x03\x04\x00\x01\x02\x03\x04\x70\x05\x06"))
	f.Add(uint8(0), []byte{0x71, 1, 2, 3, 0x72, 0, 0, 0, 0x10, 4, 4, 4})
	seed := make([]byte, 0, 2000)
	for i := 0; len(seed) < cap(seed); i++ {
		seed = append(seed, byte(i*37+i/7))
	}
	f.Add(uint8(4), seed)
	f.Add(uint8(19), seed[:300])

	f.Fuzz(func(t *testing.T, rawThreshold uint8, data []byte) {
		threshold := int(rawThreshold)%assessment.MaxThreshold + 1
		a := &assessment.Assessment{Threshold: threshold}
		rs := fuzzRespondents(in, data)
		submitted := map[string]int{}
		for _, r := range rs {
			submitted[r.pillar]++
		}
		shown := func(pillar string) bool { return submitted[pillar] >= threshold && submitted[pillar] > 0 }

		tallies := tally(in, rs)
		// Rows of a pillar this instrument does not have (an older or damaged database)
		// must be ignored like a withheld group.
		tallies.Submitted["stray_pillar"] = len(data)
		tallies.Items = append(tallies.Items, assessment.ItemCount{Pillar: "stray_pillar", ItemID: "S-01", Answer: assessment.Yes, N: 7})
		tallies.Named = append(tallies.Named, assessment.NamedText{Pillar: "stray_pillar", Kind: assessment.KindStrength, Text: "TXT-stray_pillar-0"})
		tallies.Reflections = append(tallies.Reflections, assessment.ReflectionText{Pillar: "stray_pillar", PromptID: "S-R1", Text: "TXT-stray_pillar-0"})
		rep := Build(a, in, tallies)
		raw, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}

		// The same report with everything withheld left out from the start.
		var visible []respondent
		for _, r := range rs {
			if shown(r.pillar) {
				visible = append(visible, r)
			}
		}
		clean, err := json.Marshal(Build(a, in, tally(in, visible)))
		if err != nil {
			t.Fatal(err)
		}
		if string(raw) != string(clean) {
			t.Fatalf("withheld groups change the report:\n%s\nwithout them:\n%s", raw, clean)
		}
		if strings.Contains(string(raw), "stray_pillar") {
			t.Fatalf("a pillar the instrument lacks shows in the report: %s", raw)
		}

		if len(rep.Groups) != len(in.Pillars) {
			t.Fatalf("%d groups, want one per pillar", len(rep.Groups))
		}
		teamSubmitted := 0
		var included, withheld []string
		var teamItems []ItemResult
		namedShown := map[string]int{}
		for i, g := range rep.Groups {
			p := in.Pillars[i]
			if g.Pillar != p.Key {
				t.Fatalf("group %d is %q, want %q", i, g.Pillar, p.Key)
			}
			if !shown(p.Key) {
				withheld = append(withheld, p.Key)
				if !g.Withheld || g.Submitted != 0 || len(g.Items)+len(g.Sections)+len(g.Themes)+len(g.Strengths)+len(g.Opportunities)+len(g.Reflections) != 0 {
					t.Fatalf("group %s of %d (threshold %d) is not withheld whole: %+v", p.Key, submitted[p.Key], threshold, g)
				}
				if strings.Contains(string(raw), "TXT-"+p.Key+"-") {
					t.Fatalf("a text of withheld group %s leaks: %s", p.Key, raw)
				}
				continue
			}
			included = append(included, p.Key)
			n := submitted[p.Key]
			if g.Withheld || g.Submitted != n {
				t.Fatalf("group %s: withheld %v, submitted %d, want shown with %d", p.Key, g.Withheld, g.Submitted, n)
			}
			teamSubmitted += n
			if len(g.Items) != len(p.Items()) {
				t.Fatalf("group %s has %d items, the pillar %d", p.Key, len(g.Items), len(p.Items()))
			}
			for j, it := range p.Items() {
				ir := g.Items[j]
				if ir.ID != it.ID || ir.Pillar != p.Key || ir.Theme != it.Theme {
					t.Fatalf("group %s item %d is %s/%s/%s, want %s", p.Key, j, ir.ID, ir.Pillar, ir.Theme, it.ID)
				}
				want := Counts{}
				for _, r := range rs {
					if r.pillar != p.Key {
						continue
					}
					switch r.answers[it.ID] {
					case assessment.Yes:
						want.Yes++
					case assessment.Somewhat:
						want.Somewhat++
					case assessment.No:
						want.No++
					case assessment.Unknown:
						want.Unknown++
					default:
						want.Unanswered++
					}
				}
				if ir.Counts != want || ir.Counts.Total() != n {
					t.Fatalf("item %s counts %+v (total %d), want %+v of %d submitted", it.ID, ir.Counts, ir.Counts.Total(), want, n)
				}
				checkPercent(t, "item "+it.ID, ir.Counts, ir.Percent)
				if s := oracleItemScore(rs, p.Key, it.ID); !sameScore(ir.Score, s) {
					t.Fatalf("item %s score %s, want %s", it.ID, scoreString(ir.Score), scoreString(s))
				}
			}
			teamItems = append(teamItems, g.Items...)
			for _, r := range rs {
				if r.pillar == p.Key && r.strength.Text != "" {
					namedShown["strength"]++
				}
				if r.pillar == p.Key && r.opportunity.Text != "" {
					namedShown["opportunity"]++
				}
			}
		}

		// Team figures: the shown groups' and nothing else.
		if rep.Team.Submitted != teamSubmitted {
			t.Fatalf("team submitted %d, shown groups %d", rep.Team.Submitted, teamSubmitted)
		}
		if !slices.Equal(rep.Team.IncludedPillars, included) || !slices.Equal(rep.Team.WithheldPillars, withheld) {
			t.Fatalf("team includes %v and withholds %v, want %v and %v", rep.Team.IncludedPillars, rep.Team.WithheldPillars, included, withheld)
		}
		teamRaw, _ := json.Marshal(rep.Team.Items)
		wantRaw, _ := json.Marshal(teamItems)
		if len(rep.Team.Items) != len(teamItems) || string(teamRaw) != string(wantRaw) {
			t.Fatalf("team items are not the shown groups' items")
		}
		for _, ir := range rep.Team.Items {
			checkPercent(t, "team item "+ir.ID, ir.Counts, ir.Percent)
		}
		if len(rep.Team.Themes) != len(in.Themes) {
			t.Fatalf("%d team themes, want %d", len(rep.Team.Themes), len(in.Themes))
		}
		for i, th := range in.Themes {
			var sum float64
			var k int
			for _, p := range in.Pillars {
				if !shown(p.Key) {
					continue
				}
				for _, it := range p.Items() {
					if it.Theme != th.Key {
						continue
					}
					if s := oracleExactScore(rs, p.Key, it.ID); s != nil {
						sum += *s
						k++
					}
				}
			}
			var want *float64
			if k > 0 {
				m := math.Round(sum/float64(k)*10) / 10
				want = &m
			}
			if got := rep.Team.Themes[i]; got.Key != th.Key || !sameScore(got.Score, want) {
				t.Fatalf("team theme %s = %s, want %s from the shown groups", th.Key, scoreString(got.Score), scoreString(want))
			}
		}

		// Everything derived names shown pillars only, and counts every shown text once.
		for _, gp := range rep.Gaps {
			if !shown(gp.PillarA) || !shown(gp.PillarB) || gp.Points < GapPoints {
				t.Fatalf("gap %+v", gp)
			}
		}
		for _, c := range rep.Contrasts {
			if !shown(c.Pillar) || c.YesShare < ContrastShare || c.NoShare < ContrastShare {
				t.Fatalf("contrast %+v", c)
			}
		}
		for _, h := range rep.UnknownHotspots {
			if !shown(h.Pillar) || h.UnknownShare < UnknownHotspotMin {
				t.Fatalf("hotspot %+v", h)
			}
		}
		for kind, list := range map[string][]NamedTheme{"strength": rep.Strengths, "opportunity": rep.Opportunities} {
			total := 0
			for _, nt := range list {
				if nt.Count != len(nt.Texts) {
					t.Fatalf("%s theme %q counts %d for %d texts", kind, nt.Theme, nt.Count, len(nt.Texts))
				}
				total += nt.Count
			}
			if total != namedShown[kind] {
				t.Fatalf("%d %s texts in the report, %d written in shown groups", total, kind, namedShown[kind])
			}
		}
	})
}
