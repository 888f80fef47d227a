package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
)

// Tallies lists the texts in content order (assessment.CompareNamed, CompareReflections),
// never in the order people answered: here each person's texts sort before those of the
// one who answered before, so a list in submission order would be the reverse.
func TestTalliesListTextsInContentOrder(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		a := newAssessment(t, ns.store, "order")
		var wantNamed, wantReflections []string
		for i := range 9 {
			r := sampleResponse(a.ID)
			r.Status = assessment.Submitted
			r.Pillar = []string{pillars.Staff, pillars.Leadership, pillars.PatientPartners}[i%3]
			r.Answers = map[string]assessment.Answer{}
			r.Strength = assessment.Named{Text: fmt.Sprintf("strength %d", 9-i)}
			r.Opportunity = assessment.Named{Text: fmt.Sprintf("opportunity %d", 9-i)}
			r.Reflections = map[string]string{}
			for prompt := range sampleResponse(a.ID).Reflections {
				r.Reflections[prompt] = fmt.Sprintf("reflection %d", 9-i)
				wantReflections = append(wantReflections, prompt+" "+r.Reflections[prompt])
			}
			createResponse(t, ns.store, r)
			wantNamed = append(wantNamed, r.Strength.Text, r.Opportunity.Text)
		}
		if len(wantReflections) == 0 {
			t.Fatal("the sample response writes no reflection")
		}
		releaseAll(t, ns.store, a.ID)
		tl, err := ns.store.Tallies(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(wantNamed)
		slices.Sort(wantReflections)
		var gotNamed, gotReflections []string
		for _, n := range tl.Named {
			gotNamed = append(gotNamed, n.Text)
		}
		for _, f := range tl.Reflections {
			gotReflections = append(gotReflections, f.PromptID+" "+f.Text)
		}
		if !slices.Equal(gotNamed, wantNamed) {
			t.Errorf("named texts in order %q, want %q", gotNamed, wantNamed)
		}
		if !slices.Equal(gotReflections, wantReflections) {
			t.Errorf("reflections in order %q, want %q", gotReflections, wantReflections)
		}
		for _, p := range []string{pillars.Leadership, pillars.Staff, pillars.PatientPartners} {
			if tl.Submitted[p] != 3 {
				t.Errorf("%s: %d submitted, want 3", p, tl.Submitted[p])
			}
		}
	})
}

// On SQLite, Tallies reads texts detached from go-sqlite3's watch on the context and
// checks the context itself; a cancelled request still stops it.
func TestTalliesStopWhenCancelled(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		a := newAssessment(t, ns.store, "cancelled")
		r := sampleResponse(a.ID)
		r.Status = assessment.Submitted
		createResponse(t, ns.store, r)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := ns.store.Tallies(ctx, a.ID); !errors.Is(err, context.Canceled) {
			t.Errorf("Tallies with a cancelled context: %v, want context.Canceled", err)
		}
	})
}
