package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
)

// Tallies reads the texts in index order, pillar by pillar (see its doc comment): the
// report lists each pillar's texts in the order they were submitted, and that holds.
func TestTalliesKeepSubmissionOrderPerPillar(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		a := newAssessment(t, ns.store, "order")
		var want []string
		for i := range 9 {
			r := sampleResponse(a.ID)
			r.Status = assessment.Submitted
			r.Pillar = []string{pillars.Staff, pillars.Leadership, pillars.PatientPartners}[i%3]
			r.Answers = map[string]assessment.Answer{}
			r.Reflections = map[string]string{}
			r.Strength = assessment.Named{Text: fmt.Sprintf("strength %d", i)}
			r.Opportunity = assessment.Named{Text: fmt.Sprintf("opportunity %d", i)}
			createResponse(t, ns.store, r)
			want = append(want, r.Pillar+" "+r.Strength.Text, r.Pillar+" "+r.Opportunity.Text)
		}
		releaseAll(t, ns.store, a.ID)
		tl, err := ns.store.Tallies(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{pillars.Leadership, pillars.Staff, pillars.PatientPartners} {
			var got, wantP []string
			for _, n := range tl.Named {
				if n.Pillar == p {
					got = append(got, n.Pillar+" "+n.Text)
				}
			}
			for _, w := range want {
				if strings.HasPrefix(w, p+" ") {
					wantP = append(wantP, w)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(wantP) {
				t.Errorf("%s texts in order %q, want %q", p, got, wantP)
			}
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
