package storage_test

import (
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
)

func TestTalliesCountSubmittedOnly(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		a := newAssessment(t, ns.store, "tallies")
		other := newAssessment(t, ns.store, "other")
		submit := func(assessmentID int64, pillar string, status assessment.ResponseStatus, answer assessment.Answer, text string) {
			r := sampleResponse(assessmentID)
			r.Pillar, r.Status = pillar, status
			r.Answers = map[string]assessment.Answer{}
			r.Reflections = map[string]string{}
			prefix := map[string]string{pillars.Leadership: "L", pillars.Staff: "S"}[pillar]
			r.Answers[prefix+"-01"] = answer
			r.Answers[prefix+"-02"] = assessment.Unknown
			r.Reflections[prefix+"-R1"] = "reflection " + text
			r.Strength = assessment.Named{Text: "strength " + text, Theme: "relationships"}
			r.Opportunity = assessment.Named{Text: "opportunity " + text}
			createResponse(t, ns.store, r)
		}
		submit(a.ID, pillars.Leadership, assessment.Submitted, assessment.Yes, "l1")
		submit(a.ID, pillars.Leadership, assessment.Submitted, assessment.Yes, "l2")
		submit(a.ID, pillars.Leadership, assessment.Submitted, assessment.No, "l3")
		submit(a.ID, pillars.Staff, assessment.Submitted, assessment.Somewhat, "s1")
		submit(a.ID, pillars.Staff, assessment.Draft, assessment.No, "DRAFT")             // never counted
		submit(other.ID, pillars.Staff, assessment.Submitted, assessment.No, "ELSEWHERE") // another assessment

		releaseAll(t, ns.store, a.ID)
		tl, err := ns.store.Tallies(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if tl.Submitted[pillars.Leadership] != 3 || tl.Submitted[pillars.Staff] != 1 || len(tl.Submitted) != 2 {
			t.Errorf("submitted = %v", tl.Submitted)
		}
		got := map[[3]string]int{}
		for _, ic := range tl.Items {
			got[[3]string{ic.Pillar, ic.ItemID, string(ic.Answer)}] = ic.N
		}
		want := map[[3]string]int{
			{pillars.Leadership, "L-01", "yes"}: 2, {pillars.Leadership, "L-01", "no"}: 1, {pillars.Leadership, "L-02", "unknown"}: 3,
			{pillars.Staff, "S-01", "somewhat"}: 1, {pillars.Staff, "S-02", "unknown"}: 1,
		}
		if len(got) != len(want) {
			t.Errorf("item counts = %v, want %v", got, want)
		}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%v = %d, want %d", k, got[k], n)
			}
		}
		if len(tl.Named) != 8 || len(tl.Reflections) != 4 {
			t.Errorf("%d named texts and %d reflections, want 8 and 4", len(tl.Named), len(tl.Reflections))
		}
		for _, n := range tl.Named {
			if n.Text == "strength DRAFT" || n.Text == "strength ELSEWHERE" {
				t.Errorf("text from a draft or another assessment: %+v", n)
			}
		}
		for _, f := range tl.Reflections {
			if f.Text == "reflection DRAFT" || f.Text == "reflection ELSEWHERE" {
				t.Errorf("reflection from a draft or another assessment: %+v", f)
			}
		}

		empty, err := ns.store.Tallies(t.Context(), 999999)
		if err != nil || len(empty.Submitted)+len(empty.Items)+len(empty.Named)+len(empty.Reflections) != 0 {
			t.Errorf("unknown assessment: %+v, %v", empty, err)
		}
	})
}
