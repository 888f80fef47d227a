package assessment

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ecat-project/ecat/pillars"
)

func TestResponseRate(t *testing.T) {
	for _, c := range []struct {
		submitted, expected, rate int
		ok                        bool
	}{
		{0, 10, 0, true}, {3, 8, 38, true}, {1, 3, 33, true}, {2, 3, 67, true}, {12, 10, 120, true},
		{1, 200, 1, true}, {1, 201, 0, true}, {5, 0, 0, false}, {0, 0, 0, false},
	} {
		rate, ok := ResponseRate(c.submitted, c.expected)
		if rate != c.rate || ok != c.ok {
			t.Errorf("ResponseRate(%d, %d) = %d, %v; want %d, %v", c.submitted, c.expected, rate, ok, c.rate, c.ok)
		}
	}
}

func TestOpenAt(t *testing.T) {
	now := time.Date(2031, 5, 6, 9, 0, 0, 0, time.UTC)
	later, earlier := now.Add(time.Second), now.Add(-time.Second)
	for _, c := range []struct {
		a    Assessment
		want bool
	}{
		{Assessment{Status: Open}, true},
		{Assessment{Status: Open, ClosesAt: &later}, true},
		{Assessment{Status: Open, ClosesAt: &now}, false}, // the moment itself is past the end
		{Assessment{Status: Open, ClosesAt: &earlier}, false},
		{Assessment{Status: Closed, ClosesAt: &later}, false},
	} {
		if got := c.a.OpenAt(now); got != c.want {
			t.Errorf("%s closing at %v: OpenAt = %v", c.a.Status, c.a.ClosesAt, got)
		}
	}
}

func TestApplySettings(t *testing.T) {
	catalog, err := pillars.Load()
	if err != nil {
		t.Fatal(err)
	}
	in := catalog.Current()
	now := time.Date(2031, 5, 6, 9, 0, 0, 0, time.UTC)
	str := func(s string) *string { return &s }
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	stored := at("2031-05-10T12:00:00Z")
	base := func() *Assessment {
		return &Assessment{Title: "T", Team: "Ward", Unit: "Medicine", Status: Open, ClosesAt: stored,
			Expected: map[string]int{pillars.Staff: 5}}
	}
	for _, c := range []struct {
		name   string
		ch     Settings
		fields map[string]string // the problems, or nil
		check  func(a *Assessment) bool
	}{
		{"nothing", Settings{}, nil, func(a *Assessment) bool {
			return a.Unit == "Medicine" && a.Expected[pillars.Staff] == 5 && a.ClosesAt.Equal(*stored)
		}},
		{"unit tidied", Settings{Unit: str("  Surgery\n")}, nil, func(a *Assessment) bool { return a.Unit == "Surgery" }},
		{"unit cleared", Settings{Unit: str(" ")}, nil, func(a *Assessment) bool { return a.Unit == "" }},
		{"headcounts replaced", Settings{Expected: map[string]int{pillars.Leadership: 0, pillars.PatientPartners: MaxExpected}, ExpectedSet: true}, nil,
			func(a *Assessment) bool {
				return len(a.Expected) == 2 && a.Expected[pillars.Leadership] == 0 && a.Expected[pillars.PatientPartners] == MaxExpected
			}},
		{"headcounts cleared", Settings{ExpectedSet: true}, nil, func(a *Assessment) bool { return a.Expected == nil }},
		{"moment moved, to the second, in UTC", Settings{ClosesAt: at("2031-05-07T08:30:59.9-04:00"), ClosesAtSet: true}, nil,
			func(a *Assessment) bool {
				return a.ClosesAt.Equal(*at("2031-05-07T12:30:59Z")) && a.ClosesAt.Location() == time.UTC
			}},
		{"moment cleared", Settings{ClosesAtSet: true}, nil, func(a *Assessment) bool { return a.ClosesAt == nil }},
		{"every problem at once", Settings{Title: str(" "), Team: str("=SUM(A1)"), Unit: str(strings.Repeat("u", MaxUnitLen+1)),
			Expected: map[string]int{pillars.Staff: -1, pillars.Leadership: MaxExpected + 1, "visitors": 1}, ExpectedSet: true,
			ClosesAt: at("2031-05-06T09:00:00Z"), ClosesAtSet: true},
			map[string]string{"title": CodeRequired, "team": CodeFormula, "unit": CodeTooLong, "expected.staff": CodeInvalid,
				"expected.leadership": CodeInvalid, "expected.visitors": CodeUnknown, "closes_at": CodePast}, nil},
		{"markup in the unit", Settings{Unit: str("<i>Med</i>")}, map[string]string{"unit": CodeMarkup}, nil},
		{"a year too far", Settings{ClosesAt: at("2200-01-01T00:00:00+01:00"), ClosesAtSet: true}, map[string]string{"closes_at": CodeInvalid}, nil},
	} {
		a := base()
		err := ApplySettings(a, c.ch, in, now)
		var verr *ValidationError
		switch {
		case c.fields == nil && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.fields != nil && !errors.As(err, &verr):
			t.Errorf("%s: %v, want field problems %v", c.name, err, c.fields)
		case c.fields != nil:
			got := map[string]string{}
			for k, f := range verr.Fields {
				got[k] = f.Code
			}
			if len(got) != len(c.fields) {
				t.Errorf("%s: problems %v, want %v", c.name, got, c.fields)
			}
			for k, code := range c.fields {
				if got[k] != code {
					t.Errorf("%s: %s is %q, want %q", c.name, k, got[k], code)
				}
			}
			if a.Unit != "Medicine" || a.Title != "T" || a.Expected[pillars.Staff] != 5 {
				t.Errorf("%s: a refused change changed the assessment: %+v", c.name, a)
			}
		case !c.check(a):
			t.Errorf("%s: after the change %+v", c.name, a)
		}
	}

	// A round that takes no more answers keeps its moment (ErrClosed); the rest changes,
	// and the same moment sent again is no change.
	for _, a := range []*Assessment{{Status: Closed, ClosesAt: stored}, {Status: Open, ClosesAt: at("2031-05-06T08:00:00Z")}} {
		if err := ApplySettings(a, Settings{ClosesAtSet: true}, in, now); !errors.Is(err, ErrClosed) {
			t.Errorf("%s closing at %v: clearing the moment: %v, want ErrClosed", a.Status, a.ClosesAt, err)
		}
		same := *a.ClosesAt
		if err := ApplySettings(a, Settings{Unit: str("Surgery"), ClosesAt: &same, ClosesAtSet: true}, in, now); err != nil || a.Unit != "Surgery" {
			t.Errorf("%s: the same moment with a new unit: %v", a.Status, err)
		}
	}
	// The map given is never the one stored: an assessment may share its map.
	shared := map[string]int{pillars.Staff: 1}
	a := base()
	if err := ApplySettings(a, Settings{Expected: shared, ExpectedSet: true}, in, now); err != nil {
		t.Fatal(err)
	}
	a.Expected[pillars.Staff] = 2
	if shared[pillars.Staff] != 1 {
		t.Error("ApplySettings kept the caller's map")
	}
}
