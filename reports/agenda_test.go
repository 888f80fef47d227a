package reports

import (
	"slices"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
)

func TestTopNamed(t *testing.T) {
	order := map[string]int{"commitment": 0, "relationships": 1, "resources": 3, "": 8}
	named := func(theme, text string) assessment.NamedText { return assessment.NamedText{Theme: theme, Text: text} }
	long := strings.Repeat("partners shape the agenda ", 12) // 312 characters
	for _, c := range []struct {
		name  string
		texts []assessment.NamedText
		want  NamedFocus
	}{
		{"nothing named", nil, NamedFocus{}},
		{"most named wins over the instrument's order",
			[]assessment.NamedText{named("commitment", "a"), named("resources", "b"), named("resources", "c"), named("resources", "d")},
			NamedFocus{Theme: "resources", Count: 3, Quotes: []string{"b", "c"}}},
		{"a tie goes to the instrument's order",
			[]assessment.NamedText{named("resources", "b"), named("relationships", "c")},
			NamedFocus{Theme: "relationships", Count: 1, Quotes: []string{"c"}}},
		{"untagged texts lose a tie",
			[]assessment.NamedText{named("", "x"), named("resources", "y")},
			NamedFocus{Theme: "resources", Count: 1, Quotes: []string{"y"}}},
		{"untagged texts win when most named",
			[]assessment.NamedText{named("", "x"), named("", "z"), named("resources", "y")},
			NamedFocus{Theme: "", Count: 2, Quotes: []string{"x", "z"}}},
		{"long verbatims are cut at a word",
			[]assessment.NamedText{named("commitment", long)},
			NamedFocus{Theme: "commitment", Count: 1, Quotes: []string{ShortQuote(long, QuoteMax)}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := topNamed(c.texts, order)
			if got.Theme != c.want.Theme || got.Count != c.want.Count || !slices.Equal(got.Quotes, c.want.Quotes) {
				t.Errorf("topNamed = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestShortQuote(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"Short and sweet.", 40, "Short and sweet."},
		{"  spaces\n and\tlines  ", 40, "spaces and lines"},
		{"We meet partners every week, and they set the agenda.", 30, "We meet partners every week…"},
		{"https://intranet.example.org/a-very-long-unbroken-link", 20, "https://intranet.exa…"},
		{"Équipe soignante: écoute, écoute, écoute", 20, "Équipe soignante…"},
	} {
		got := ShortQuote(c.in, c.max)
		if got != c.want {
			t.Errorf("ShortQuote(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
		if n := len([]rune(strings.TrimSuffix(got, "…"))); n > c.max {
			t.Errorf("ShortQuote(%q, %d) keeps %d characters", c.in, c.max, n)
		}
	}
}

func TestExtremesTieRule(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	themes := []ScoreResult{{Key: "a", Score: nil}, {Key: "b", Score: f(40)}, {Key: "c", Score: f(90)}, {Key: "d", Score: f(40)}, {Key: "e", Score: f(90)}}
	hi, lo := extremes(themes, 1)
	if len(hi) != 1 || len(lo) != 1 || hi[0].Key != "c" || lo[0].Key != "b" {
		t.Errorf("extremes = %+v, %+v; want c (first of the highest) and b (first of the lowest)", hi, lo)
	}
	hi, lo = extremes(themes, 3)
	if keys := func(l []ScoreResult) (out []string) {
		for _, t := range l {
			out = append(out, t.Key)
		}
		return out
	}; !slices.Equal(keys(hi), []string{"c", "e", "b"}) || !slices.Equal(keys(lo), []string{"b", "d", "c"}) {
		t.Errorf("three highest %v, lowest %v; ties go to the instrument's order both ways", keys(hi), keys(lo))
	}
	if hi, lo := extremes([]ScoreResult{{Key: "a"}}, 1); len(hi) != 0 || len(lo) != 0 {
		t.Errorf("no scores: got %+v, %+v", hi, lo)
	}
}
