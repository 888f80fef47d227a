package assessment

import (
	"reflect"
	"strings"
	"testing"
)

func ptr(s string) *string { return &s }

func TestApplyActionNew(t *testing.T) {
	in := loadInstrument(t)
	var a Action
	err := ApplyAction(&a, ActionInput{
		Text: ptr("  Invite a patient partner to the monthly huddle  "), Pillar: ptr("staff"), Theme: ptr("influence"),
		Lead: ptr("Unit manager"), Support: ptr("Parking vouchers"), Due: ptr("2027-02-28"),
	}, in)
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
		{"bad status", ActionInput{Status: ptr("finished")}, map[string]string{"status": CodeInvalid}},
		{"formula and markup", ActionInput{Text: ptr("=HYPERLINK(\"x\")"), Support: ptr("<script>x</script>")}, map[string]string{"text": CodeFormula, "support": CodeMarkup}},
		{"too long", ActionInput{Lead: ptr(strings.Repeat("a", MaxLeadLen+1))}, map[string]string{"lead": CodeTooLong}},
		{"invalid utf8", ActionInput{Text: ptr("bad \xff")}, map[string]string{"text": CodeInvalidUTF8}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := orig
			err := ApplyAction(&a, c.in, in)
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
	if err := ApplyAction(&a, ActionInput{Status: ptr(ActionDone), Pillar: ptr("")}, in); err != nil {
		t.Fatal(err)
	}
	if a.Status != ActionDone || a.Text != "Keep me" || a.Pillar != "" || a.Open() {
		t.Errorf("got %+v", a)
	}
}
