package reports

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
)

// randomGroup is n respondents of a pillar with random answers (some unanswered).
func randomGroup(rng *rand.Rand, in *pillars.Instrument, pillar string, n int, text string) []respondent {
	var rs []respondent
	for i := range n {
		r := uniform(in, pillar, assessment.Yes, fmt.Sprintf("%s-%d", text, i))
		for _, it := range in.Pillar(pillar).Items() {
			if k := rng.IntN(5); k < 4 {
				r.answers[it.ID] = assessment.Answers[k]
			} else {
				delete(r.answers, it.ID)
			}
		}
		rs = append(rs, r)
	}
	return rs
}

// onlyPillars keeps the respondents of the given pillars.
func onlyPillars(rs []respondent, keep []string) []respondent {
	var out []respondent
	for _, r := range rs {
		if slices.Contains(keep, r.pillar) {
			out = append(out, r)
		}
	}
	return out
}

func roundAssessment(id int64, n int) *assessment.Assessment {
	created := time.Date(2025, time.Month(3*n), 1, 8, 0, 0, 0, time.UTC)
	closed := created.AddDate(0, 0, 14)
	return &assessment.Assessment{ID: id, Title: fmt.Sprintf("Round %d review", n), Team: "Unit 4B", Threshold: 3, Round: n, CreatedAt: created, ClosedAt: &closed}
}

func changeFor(list []ScoreChange, key string) (ScoreChange, bool) {
	for _, c := range list {
		if c.Key == key {
			return c, true
		}
	}
	return ScoreChange{}, false
}

func groupChange(c *Comparison, pillar string) GroupChange {
	for _, g := range c.Groups {
		if g.Pillar == pillar {
			return g
		}
	}
	return GroupChange{}
}

// TestCompareWithheldInEitherRound is the anonymity rule across rounds: staff are shown
// before and withheld now, patient partners withheld before and shown now. Neither gets
// a score or a change, neither enters the team comparison, and nothing in the comparison
// changes whatever those groups answered in either round.
func TestCompareWithheldInEitherRound(t *testing.T) {
	in := instrument(t)
	build := func(seed uint64) *Comparison {
		rng := rand.New(rand.NewPCG(seed, 7))
		fixed := rand.New(rand.NewPCG(1, 2)) // the leadership answers stay the same
		prevRs := append(randomGroup(fixed, in, pillars.Leadership, 4, "l"),
			append(randomGroup(rng, in, pillars.Staff, 3, "s"), randomGroup(rng, in, pillars.PatientPartners, 2, "SECRET-P")...)...)
		curRs := append(randomGroup(fixed, in, pillars.Leadership, 5, "l"),
			append(randomGroup(rng, in, pillars.Staff, 1, "SECRET-S"), randomGroup(rng, in, pillars.PatientPartners, 3, "p")...)...)
		prev := Build(roundAssessment(1, 1), in, tally(in, prevRs))
		cur := Build(roundAssessment(2, 2), in, tally(in, curRs))
		return Compare(prev, cur, nil)
	}
	c := build(1)

	if l := groupChange(c, pillars.Leadership); !l.Comparable || l.Withheld || l.PreviousWithheld || l.Submitted != 5 || l.PreviousSubmitted != 4 || len(l.Themes) != len(in.Themes) || len(l.Sections) == 0 {
		t.Errorf("leadership: %+v", l)
	}
	staff := groupChange(c, pillars.Staff)
	if staff.Comparable || !staff.Withheld || staff.PreviousWithheld || staff.Submitted != 0 || staff.PreviousSubmitted != 3 || len(staff.Themes)+len(staff.Sections) != 0 {
		t.Errorf("staff, withheld now: %+v", staff)
	}
	pp := groupChange(c, pillars.PatientPartners)
	if pp.Comparable || pp.Withheld || !pp.PreviousWithheld || pp.Submitted != 3 || pp.PreviousSubmitted != 0 || len(pp.Themes)+len(pp.Sections) != 0 {
		t.Errorf("patient partners, withheld before: %+v", pp)
	}
	if !slices.Equal(c.Team.Pillars, []string{pillars.Leadership}) || !slices.Equal(c.Team.LeftOutPillars, []string{pillars.Staff, pillars.PatientPartners}) {
		t.Errorf("team pillars %q, left out %q", c.Team.Pillars, c.Team.LeftOutPillars)
	}
	if c.Team.Submitted != 5 || c.Team.PreviousSubmitted != 4 {
		t.Errorf("team submitted %d (previous %d), want 5 (4): leadership only", c.Team.Submitted, c.Team.PreviousSubmitted)
	}

	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "SECRET") {
		t.Fatalf("a withheld text leaked: %s", raw)
	}
	// Other answers from staff and patient partners in either round: the same comparison.
	for seed := uint64(2); seed < 12; seed++ {
		other, _ := json.Marshal(build(seed))
		if string(other) != string(raw) {
			t.Fatalf("seed %d: the comparison depends on groups withheld in one of the rounds:\n%s\nvs\n%s", seed, other, raw)
		}
	}
}

// TestCompareTeamIsCommonPillarsReport is a property over random rounds: the team
// comparison equals the team figures of two reports built from the common pillars' answers
// alone, the change is the rounded difference, and the pillars are split between those
// compared (shown in both rounds) and those left out.
func TestCompareTeamIsCommonPillarsReport(t *testing.T) {
	in := instrument(t)
	all := []string{pillars.Leadership, pillars.Staff, pillars.PatientPartners}
	comparedSome, leftOutSome := false, false
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 99))
		threshold := 1 + rng.IntN(4)
		var prevRs, curRs []respondent
		shown := func(n int) bool { return n >= threshold && n > 0 }
		var common []string
		for _, p := range all {
			np, nc := rng.IntN(6), rng.IntN(6)
			prevRs = append(prevRs, randomGroup(rng, in, p, np, "a")...)
			curRs = append(curRs, randomGroup(rng, in, p, nc, "b")...)
			if shown(np) && shown(nc) {
				common = append(common, p)
			}
		}
		a1, a2 := roundAssessment(1, 1), roundAssessment(2, 2)
		a1.Threshold, a2.Threshold = threshold, threshold
		prev, cur := Build(a1, in, tally(in, prevRs)), Build(a2, in, tally(in, curRs))
		c := Compare(prev, cur, nil)

		wantPrev := Build(a1, in, tally(in, onlyPillars(prevRs, common)))
		wantCur := Build(a2, in, tally(in, onlyPillars(curRs, common)))
		if !slices.Equal(c.Team.Pillars, common) {
			t.Fatalf("seed %d: compared pillars %q, want %q", seed, c.Team.Pillars, common)
		}
		parts := append(append([]string{}, c.Team.Pillars...), c.Team.LeftOutPillars...)
		sort.Strings(parts)
		if want := slices.Sorted(slices.Values(all)); !slices.Equal(parts, want) {
			t.Fatalf("seed %d: compared %q and left out %q do not split the pillars", seed, c.Team.Pillars, c.Team.LeftOutPillars)
		}
		if c.Team.Submitted != wantCur.Team.Submitted || c.Team.PreviousSubmitted != wantPrev.Team.Submitted {
			t.Fatalf("seed %d: submitted %d/%d, want %d/%d", seed, c.Team.Submitted, c.Team.PreviousSubmitted, wantCur.Team.Submitted, wantPrev.Team.Submitted)
		}
		if len(c.Team.Themes) != len(in.Themes) {
			t.Fatalf("seed %d: %d team themes", seed, len(c.Team.Themes))
		}
		for i, th := range in.Themes {
			got := c.Team.Themes[i]
			if got.Key != th.Key || !exactScore(got.Score, wantCur.Team.Themes[i].Score) || !exactScore(got.PreviousScore, wantPrev.Team.Themes[i].Score) {
				t.Fatalf("seed %d: team %s = %v/%v, want %v/%v", seed, th.Key, showScore(got.PreviousScore), showScore(got.Score), showScore(wantPrev.Team.Themes[i].Score), showScore(wantCur.Team.Themes[i].Score))
			}
			checkChange(t, fmt.Sprintf("seed %d team %s", seed, th.Key), got)
		}
		for _, g := range c.Groups {
			if g.Comparable != slices.Contains(common, g.Pillar) {
				t.Fatalf("seed %d: %s comparable %v", seed, g.Pillar, g.Comparable)
			}
			if !g.Comparable && len(g.Themes)+len(g.Sections) > 0 {
				t.Fatalf("seed %d: %s not comparable but has figures", seed, g.Pillar)
			}
			for _, ch := range append(slices.Clone(g.Themes), g.Sections...) {
				checkChange(t, fmt.Sprintf("seed %d %s %s", seed, g.Pillar, ch.Key), ch)
			}
		}
		comparedSome = comparedSome || len(common) > 0
		leftOutSome = leftOutSome || len(c.Team.LeftOutPillars) > 0
	}
	if !comparedSome || !leftOutSome {
		t.Errorf("the random rounds never compared (%v) or never left out (%v) a pillar", comparedSome, leftOutSome)
	}
}

func checkChange(t *testing.T, what string, c ScoreChange) {
	t.Helper()
	if c.Score == nil || c.PreviousScore == nil {
		if c.Change != nil {
			t.Fatalf("%s: change %v with a score missing", what, *c.Change)
		}
		return
	}
	if c.Change == nil || *c.Change != round1(*c.Score-*c.PreviousScore) {
		t.Fatalf("%s: change %v, want %v − %v rounded", what, showScore(c.Change), *c.Score, *c.PreviousScore)
	}
}

func exactScore(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func showScore(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

func floatPtr(f float64) *float64 { return &f }

// shownGroup is a hand-made shown group whose items score the given themes.
func shownGroup(pillar string, submitted int, themes map[string]float64, sections ...ScoreResult) Group {
	g := Group{Pillar: pillar, Submitted: submitted, Sections: sections}
	var keys []string
	for k := range themes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g.Themes = append(g.Themes, scoreResult(k, floatPtr(themes[k])))
		g.Items = append(g.Items, ItemResult{ID: pillar + "-" + k, Pillar: pillar, Theme: k, Score: floatPtr(themes[k]), exact: floatPtr(themes[k])})
	}
	return g
}

func TestCompareRounding(t *testing.T) {
	prev := &Report{Groups: []Group{shownGroup("staff", 4, map[string]float64{"a": 62.5, "b": 33.3, "c": 50, "d": 70.1, "e": 10}, ScoreResult{Key: "s1", Score: floatPtr(66.7)})}}
	cur := &Report{Groups: []Group{shownGroup("staff", 5, map[string]float64{"a": 70.1, "b": 33.4, "c": 49.9, "d": 70.1, "f": 20}, ScoreResult{Key: "s1", Score: floatPtr(58.3)})}}
	prev.Team.Themes, cur.Team.Themes = prev.Groups[0].Themes, cur.Groups[0].Themes
	c := Compare(prev, cur, nil)
	for _, list := range map[string][]ScoreChange{"group": groupChange(c, "staff").Themes, "team": c.Team.Themes} {
		for _, tt := range []struct {
			key       string
			cur, prev *float64
			change    *float64
		}{
			{"a", floatPtr(70.1), floatPtr(62.5), floatPtr(7.6)}, // 7.599999999999994 in floating point
			{"b", floatPtr(33.4), floatPtr(33.3), floatPtr(0.1)}, // 0.10000000000000142
			{"c", floatPtr(49.9), floatPtr(50), floatPtr(-0.1)},
			{"d", floatPtr(70.1), floatPtr(70.1), floatPtr(0)},
			{"e", nil, floatPtr(10), nil}, // only in the previous round (another instrument version)
			{"f", floatPtr(20), nil, nil}, // only in this round
		} {
			got, ok := changeFor(list, tt.key)
			if !ok || !exactScore(got.Score, tt.cur) || !exactScore(got.PreviousScore, tt.prev) || !exactScore(got.Change, tt.change) {
				t.Errorf("%s: %+v: score %s previous %s change %s", tt.key, ok, showScore(got.Score), showScore(got.PreviousScore), showScore(got.Change))
			}
		}
		// This round's keys first, then those only the previous round has.
		var keys []string
		for _, ch := range list {
			keys = append(keys, ch.Key)
		}
		if want := []string{"a", "b", "c", "d", "f", "e"}; !slices.Equal(keys, want) {
			t.Errorf("keys %q, want %q", keys, want)
		}
	}
	if s, _ := changeFor(groupChange(c, "staff").Sections, "s1"); s.Change == nil || *s.Change != -8.4 {
		t.Errorf("section change %s, want -8.4", showScore(s.Change))
	}
	raw, _ := json.Marshal(c)
	if !strings.Contains(string(raw), `{"key":"d","score":70.1,"previous_score":70.1,"change":0}`) {
		t.Errorf("no change is not written as 0: %s", raw)
	}
}

func TestCompareNil(t *testing.T) {
	in := instrument(t)
	rep := Build(roundAssessment(2, 2), in, tally(in, []respondent{uniform(in, pillars.Staff, assessment.Yes, "a")}))
	if Compare(nil, rep, nil) != nil || Compare(rep, nil, nil) != nil {
		t.Error("a comparison with a missing report")
	}
	raw, err := json.Marshal(NewDocument(rep))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), `"previous"`) {
		t.Errorf("a first round's report has a previous: %s", raw)
	}
	// Rounds and actions are for the workbook: never in the JSON.
	rep.Rounds = []RoundSummary{Summarize(rep), Summarize(rep)}
	rep.Actions = []assessment.Action{{ID: 1, Text: "x", Lead: "y", Status: assessment.ActionPlanned}}
	again, _ := json.Marshal(NewDocument(rep))
	if string(again) != string(raw) {
		t.Errorf("rounds or actions changed the JSON:\n%s\nvs\n%s", again, raw)
	}
}

// TestComparisonJSON pins the field names the API documents and that lists are [] not null.
func TestComparisonJSON(t *testing.T) {
	in := instrument(t)
	prevRs := []respondent{uniform(in, pillars.Leadership, assessment.Yes, "a"), uniform(in, pillars.Leadership, assessment.No, "b"), uniform(in, pillars.Leadership, assessment.Somewhat, "c")}
	curRs := []respondent{uniform(in, pillars.Leadership, assessment.Yes, "a"), uniform(in, pillars.Leadership, assessment.Yes, "b"), uniform(in, pillars.Leadership, assessment.Somewhat, "c")}
	prev, cur := Build(roundAssessment(11, 1), in, tally(in, prevRs)), Build(roundAssessment(12, 2), in, tally(in, curRs))
	due := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	carried := int64(3)
	cur.Previous = Compare(prev, cur, []assessment.Action{
		{ID: 7, AssessmentID: 11, OriginAssessmentID: 11, Text: "Invite patient partners to huddles", Pillar: pillars.PatientPartners, Theme: "relationships", Lead: "Sam", Support: "time", Due: &due, Status: assessment.ActionDone},
		{ID: 8, AssessmentID: 11, OriginAssessmentID: 10, CarriedFromID: &carried, Text: "Budget line", Lead: "Kim", Status: assessment.ActionInProgress},
	})
	raw, err := json.Marshal(NewDocument(cur))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	p, ok := doc["previous"].(map[string]any)
	if !ok {
		t.Fatalf("no previous: %s", raw)
	}
	wantKeys := func(what string, m any, keys ...string) {
		t.Helper()
		obj, ok := m.(map[string]any)
		if !ok {
			t.Fatalf("%s: %T", what, m)
		}
		var got []string
		for k := range obj {
			got = append(got, k)
		}
		sort.Strings(got)
		sort.Strings(keys)
		if !slices.Equal(got, keys) {
			t.Errorf("%s keys %q, want %q", what, got, keys)
		}
	}
	wantKeys("previous", p, "assessment_id", "round", "title", "closed_at", "groups", "team", "actions")
	if p["assessment_id"] != 11.0 || p["round"] != 1.0 || p["title"] != "Round 1 review" || p["closed_at"] != "2025-03-15T08:00:00Z" {
		t.Errorf("previous round %v %v %v %v", p["assessment_id"], p["round"], p["title"], p["closed_at"])
	}
	groups := p["groups"].([]any)
	wantKeys("group", groups[0], "pillar", "submitted", "previous_submitted", "withheld", "previous_withheld", "comparable", "themes", "sections")
	wantKeys("group theme", groups[0].(map[string]any)["themes"].([]any)[0], "key", "score", "previous_score", "change")
	// Staff: withheld in both rounds, lists empty rather than null.
	if g := groups[1].(map[string]any); g["pillar"] != "staff" || g["comparable"] != false || fmt.Sprint(g["themes"]) != "[]" || fmt.Sprint(g["sections"]) != "[]" {
		t.Errorf("staff %v", g)
	}
	wantKeys("team", p["team"], "pillars", "left_out_pillars", "submitted", "previous_submitted", "themes")
	actions := p["actions"].([]any)
	if len(actions) != 2 {
		t.Fatalf("actions %v", actions)
	}
	wantKeys("action", actions[0], "id", "text", "pillar", "theme", "lead", "status", "due")
	if a := actions[0].(map[string]any); a["id"] != 7.0 || a["due"] != "2026-06-30" || a["status"] != "done" || a["pillar"] != "patient_partners" || a["theme"] != "relationships" || a["lead"] != "Sam" {
		t.Errorf("action %v", a)
	}
	if a := actions[1].(map[string]any); a["due"] != nil || a["pillar"] != nil || a["theme"] != nil || a["status"] != "in_progress" || a["text"] != "Budget line" {
		t.Errorf("action without a due date %v", a)
	}

	// With nothing in common: empty lists, not null.
	empty := Compare(&Report{}, &Report{}, nil)
	raw, _ = json.Marshal(empty)
	for _, want := range []string{`"groups":[]`, `"pillars":[]`, `"left_out_pillars":[]`, `"themes":[]`, `"actions":[]`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("%s lacks %s", raw, want)
		}
	}
}

func TestSummarize(t *testing.T) {
	in := instrument(t)
	a := roundAssessment(5, 3)
	rs := []respondent{
		uniform(in, pillars.Leadership, assessment.Yes, "a"), uniform(in, pillars.Leadership, assessment.No, "b"), uniform(in, pillars.Leadership, assessment.Yes, "c"),
		uniform(in, pillars.Staff, assessment.No, "SECRET"),
	}
	rep := Build(a, in, tally(in, rs))
	s := Summarize(rep)
	if s.AssessmentID != 5 || s.Round != 3 || s.Title != a.Title || s.Threshold != 3 || s.Submitted != 3 || !slices.Equal(s.IncludedPillars, []string{pillars.Leadership}) {
		t.Errorf("summary %+v", s)
	}
	if !s.Date().Equal(*a.ClosedAt) {
		t.Errorf("date of a closed round %v, want %v", s.Date(), *a.ClosedAt)
	}
	if !reflect.DeepEqual(s.Themes, rep.Team.Themes) || len(s.Groups) != 3 {
		t.Errorf("themes %v groups %v", s.Themes, s.Groups)
	}
	if g, _ := s.group(pillars.Leadership); g.Withheld || g.Submitted != 3 || !reflect.DeepEqual(g.Themes, group(rep, pillars.Leadership).Themes) {
		t.Errorf("leadership %+v", g)
	}
	if g, _ := s.group(pillars.Staff); !g.Withheld || g.Submitted != 0 || len(g.Themes) != 0 {
		t.Errorf("withheld staff %+v", g)
	}
	// The summary holds its own lists.
	s.Themes[0].Key = "changed"
	if rep.Team.Themes[0].Key == "changed" {
		t.Error("the summary shares the report's theme list")
	}
	a.ClosedAt = nil
	if open := Summarize(rep); !open.Date().Equal(a.CreatedAt) {
		t.Errorf("date of an open round %v, want %v", open.Date(), a.CreatedAt)
	}
}

// TestCompareAcrossVersions: a team reassessed on a new instrument version is compared by
// theme only. Sections that kept their key between v1 and v2 hold other statements, so
// they are compared only between rounds of the same version, and nothing in the
// comparison names a statement.
func TestCompareAcrossVersions(t *testing.T) {
	c, err := pillars.Load()
	if err != nil {
		t.Fatal(err)
	}
	v1, ok1 := c.Version("v1")
	v2, ok2 := c.Version("v2")
	if !ok1 || !ok2 {
		t.Fatal("v1 and v2 are both needed")
	}
	// The premise: a section key both versions use, with different statements under it.
	shared := ""
	for _, s := range v2.Pillar(pillars.PatientPartners).Sections {
		for _, old := range v1.Pillar(pillars.PatientPartners).Sections {
			if old.Key == s.Key && !reflect.DeepEqual(old.Items, s.Items) {
				shared = s.Key
			}
		}
	}
	if shared == "" {
		t.Fatal("no section key shared by v1 and v2 with other statements: the test has nothing to guard")
	}
	round := func(id int64, n int, in *pillars.Instrument, answer assessment.Answer) *Report {
		a := roundAssessment(id, n)
		a.InstrumentVersion = in.Version
		var rs []respondent
		for _, p := range []string{pillars.Leadership, pillars.Staff, pillars.PatientPartners} {
			for i := range 3 {
				rs = append(rs, uniform(in, p, answer, fmt.Sprintf("%s-%d", p, i)))
			}
		}
		return Build(a, in, tally(in, rs))
	}

	across := Compare(round(1, 1, v1, assessment.No), round(2, 2, v2, assessment.Yes), nil)
	for _, g := range across.Groups {
		if !g.Comparable || len(g.Themes) != len(v2.Themes) {
			t.Errorf("%s across versions: comparable %v, %d themes; want the %d themes compared", g.Pillar, g.Comparable, len(g.Themes), len(v2.Themes))
		}
		if len(g.Sections) != 0 {
			t.Errorf("%s across versions: sections compared %+v, want none", g.Pillar, g.Sections)
		}
		for _, th := range g.Themes {
			if th.Change == nil || *th.Change != 100 {
				t.Errorf("%s theme %s across versions: %+v, want from 0 to 100", g.Pillar, th.Key, th)
			}
		}
	}
	if len(across.Team.Themes) != len(v2.Themes) {
		t.Errorf("team across versions: %d themes, want %d", len(across.Team.Themes), len(v2.Themes))
	}
	raw, err := json.Marshal(across)
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`"[LSP]-\d\d"`).Match(raw) || strings.Contains(string(raw), `"`+shared+`"`) {
		t.Errorf("the comparison across versions names a statement or a section: %s", raw)
	}

	same := Compare(round(1, 1, v2, assessment.No), round(2, 2, v2, assessment.Yes), nil)
	pp := groupChange(same, pillars.PatientPartners)
	if sc, ok := changeFor(pp.Sections, shared); !ok || sc.Change == nil || *sc.Change != 100 {
		t.Errorf("same version: section %s = %+v, %v; want it compared", shared, sc, ok)
	}
}
