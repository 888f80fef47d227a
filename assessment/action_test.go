package assessment

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func ptr(s string) *string { return &s }

// testToday is the day the action tests run on, whatever the machine's clock says.
var testToday = time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)

func TestApplyActionNew(t *testing.T) {
	in := loadInstrument(t)
	var a Action
	err := ApplyAction(&a, ActionInput{
		Text: ptr("  Invite a patient partner to the monthly huddle  "), Pillar: ptr("staff"), Theme: ptr("influence"),
		Lead: ptr("Unit manager"), Support: ptr("Parking vouchers"), Due: ptr("2027-02-28"),
	}, in, testToday)
	if err != nil {
		t.Fatal(err)
	}
	if a.Text != "Invite a patient partner to the monthly huddle" || a.Status != ActionPlanned || a.DueString() != "2027-02-28" ||
		a.Pillar != "staff" || a.Theme != "influence" || a.Lead != "Unit manager" || a.Support != "Parking vouchers" || !a.Open() {
		t.Errorf("got %+v", a)
	}
}

func TestApplyActionRejectsAndKeeps(t *testing.T) {
	in := loadInstrument(t)
	orig := Action{ID: 7, Text: "Keep me", Lead: "Lead", Status: ActionInProgress}
	cases := []struct {
		name string
		in   ActionInput
		want map[string]string
	}{
		{"empty new action", ActionInput{Text: ptr(" "), Lead: ptr("")}, map[string]string{"text": CodeRequired, "lead": CodeRequired}},
		{"unknown pillar and theme", ActionInput{Pillar: ptr("board"), Theme: ptr("money")}, map[string]string{"pillar": CodeUnknown, "theme": CodeUnknown}},
		{"bad date", ActionInput{Due: ptr("31/12/2027")}, map[string]string{"due": CodeInvalid}},
		{"impossible date", ActionInput{Due: ptr("2027-02-30")}, map[string]string{"due": CodeInvalid}},
		{"far date", ActionInput{Due: ptr("9999-01-01")}, map[string]string{"due": CodeInvalid}},
		{"yesterday", ActionInput{Due: ptr("2027-01-14")}, map[string]string{"due": CodePast}},
		{"past and no lead", ActionInput{Due: ptr("2001-01-01"), Lead: ptr(" ")}, map[string]string{"due": CodePast, "lead": CodeRequired}},
		{"bad status", ActionInput{Status: ptr("finished")}, map[string]string{"status": CodeInvalid}},
		{"formula and markup", ActionInput{Text: ptr("=HYPERLINK(\"x\")"), Support: ptr("<script>x</script>")}, map[string]string{"text": CodeFormula, "support": CodeMarkup}},
		{"too long", ActionInput{Lead: ptr(strings.Repeat("a", MaxLeadLen+1))}, map[string]string{"lead": CodeTooLong}},
		{"invalid utf8", ActionInput{Text: ptr("bad \xff")}, map[string]string{"text": CodeInvalidUTF8}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := orig
			err := ApplyAction(&a, c.in, in, testToday)
			verr, ok := err.(*ValidationError)
			if !ok {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			got := map[string]string{}
			for k, fe := range verr.Fields {
				got[k] = fe.Code
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("fields %v, want %v", got, c.want)
			}
			if !reflect.DeepEqual(a, orig) {
				t.Errorf("a rejected change altered the action: %+v", a)
			}
		})
	}
}

func TestApplyActionPartial(t *testing.T) {
	in := loadInstrument(t)
	a := Action{ID: 7, Text: "Keep me", Lead: "Lead", Status: ActionPlanned, Pillar: "leadership"}
	if err := ApplyAction(&a, ActionInput{Status: ptr(ActionDone), Pillar: ptr("")}, in, testToday); err != nil {
		t.Fatal(err)
	}
	if a.Status != ActionDone || a.Text != "Keep me" || a.Pillar != "" || a.Open() {
		t.Errorf("got %+v", a)
	}
}

// TestApplyActionPastDue: a new due date before today is refused, today and later are
// not; an action whose date has passed keeps it when it is sent again unchanged (a form
// posts every field) or left out, and its status still changes; moving it to another
// past date is refused.
func TestApplyActionPastDue(t *testing.T) {
	in := loadInstrument(t)
	codeOf := func(err error) string {
		if err == nil {
			return ""
		}
		verr, ok := err.(*ValidationError)
		if !ok {
			t.Fatalf("err = %v, want a ValidationError", err)
		}
		return verr.Fields["due"].Code
	}
	for _, c := range []struct {
		due, want string
	}{{"2027-01-14", CodePast}, {"2000-01-01", CodePast}, {"2027-01-15", ""}, {"2027-01-16", ""}, {"", ""}} {
		a := Action{}
		err := ApplyAction(&a, ActionInput{Text: ptr("Do"), Lead: ptr("Sam"), Due: ptr(c.due)}, in, testToday)
		if got := codeOf(err); got != c.want {
			t.Errorf("new action due %q: code %q, want %q", c.due, got, c.want)
		}
	}
	old := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	orig := Action{ID: 3, Text: "Do", Lead: "Sam", Status: ActionPlanned, Due: &old}
	for _, c := range []struct {
		name string
		in   ActionInput
		want string
	}{
		{"same past date sent again", ActionInput{Due: ptr("2026-12-01"), Status: ptr(ActionDone)}, ""},
		{"date left out", ActionInput{Status: ptr(ActionInProgress)}, ""},
		{"another past date", ActionInput{Due: ptr("2026-12-02"), Status: ptr(ActionDone)}, CodePast},
		{"moved to the future", ActionInput{Due: ptr("2027-02-01")}, ""},
		{"date removed", ActionInput{Due: ptr("")}, ""},
	} {
		a := orig
		err := ApplyAction(&a, c.in, in, testToday)
		if got := codeOf(err); got != c.want {
			t.Errorf("%s: code %q, want %q", c.name, got, c.want)
		}
		if c.want != "" && !reflect.DeepEqual(a, orig) {
			t.Errorf("%s: a refused change altered the action: %+v", c.name, a)
		}
		if c.want == "" && c.in.Status != nil && a.Status != *c.in.Status {
			t.Errorf("%s: status %q, want %q", c.name, a.Status, *c.in.Status)
		}
	}
}

// TestToday: the date at UTC−12, so a facilitator's own today is never refused wherever
// they are.
func TestToday(t *testing.T) {
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2027, 3, 10, 11, 59, 0, 0, time.UTC), "2027-03-09"}, // still the 9th at UTC−12
		{time.Date(2027, 3, 10, 12, 0, 0, 0, time.UTC), "2027-03-10"},
		{time.Date(2027, 3, 10, 17, 0, 0, 0, time.FixedZone("PST", -8*3600)), "2027-03-10"}, // 01:00 UTC the 11th
		{time.Date(2027, 3, 10, 0, 30, 0, 0, time.FixedZone("NZDT", 13*3600)), "2027-03-08"},
	} {
		got := Today(c.now)
		if got.Format(ActionDateLayout) != c.want || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("Today(%v) = %v, want %s at midnight UTC", c.now, got, c.want)
		}
	}
}
