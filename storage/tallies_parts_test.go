package storage_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/ecat-project/ecat/storage"
)

// A large round's answers are counted in parts, each over a range of response ids, and
// added up (countApart). Whatever the number of responses, even fewer than parts, the
// parts count every answer of the round once, none of another round whose responses'
// ids lie between its own, and no draft: exactly what one statement counts.
func TestTalliesInPartsCountExactly(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		for _, n := range []int{1, 2, 3, 4, 7, 20} {
			t.Run(fmt.Sprint(n), func(t *testing.T) {
				a := newAssessment(t, s, fmt.Sprintf("parts %d", n))
				other := newAssessment(t, s, fmt.Sprintf("between %d", n))
				want := map[tallyKey]int{}
				for i := range n { // the other round's responses take the ids in between
					for k, c := range tallySeed(t, s, a.ID, 1, i) {
						want[k] += c
					}
					tallySeed(t, s, other.ID, 1, i+1)
					draft := sampleResponse(a.ID)
					createResponse(t, s, draft)
				}
				releaseAll(t, s, a.ID)
				releaseAll(t, s, other.ID)

				var parts, disagreed atomic.Int32
				restorePart := storage.BeforeTallyPart(s, func(int) { parts.Add(1) })
				defer restorePart()
				restoreDisagree := storage.OnTalliesDisagree(s, func() { disagreed.Add(1) })
				defer restoreDisagree()
				restore := storage.SplitTalliesFrom(1)
				defer restore()
				storage.ForgetWrites(s)
				whole, err := s.Tallies(t.Context(), a.ID)
				if err != nil {
					t.Fatal(err)
				}
				scores, err := s.ScoreTallies(t.Context(), a.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got := parts.Load(); got != 2*storage.TallyParts || disagreed.Load() != 0 {
					t.Fatalf("%d parts counted for two reads, want %d, and the reads disagreed %d times: the parts' sum was not what was returned",
						got, 2*storage.TallyParts, disagreed.Load())
				}
				checkSeeded(t, "Tallies", whole, want, n, true)
				checkSeeded(t, "ScoreTallies", scores, want, n, false)
			})
		}
	})
}

// When a release commits while the parts count, a part that began after it sees more
// responses than the first count did: the parts are not added up, and Tallies reads
// again in one transaction, so the counts and the texts are one state of the round.
func TestTalliesAgreeWhenAReleaseCommitsBetweenParts(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "between parts")
		want := tallySeed(t, s, a.ID, 6, 0)
		releaseAll(t, s, a.ID)
		for k, n := range tallySeed(t, s, a.ID, 6, 1) { // submitted, not released yet
			want[k] += n
		}
		restore := storage.SplitTalliesFrom(1)
		defer restore()
		storage.ForgetWrites(s)
		var released atomic.Bool
		var disagreed atomic.Int32
		restoreDisagree := storage.OnTalliesDisagree(s, func() { disagreed.Add(1) })
		defer restoreDisagree()
		restorePart := storage.BeforeTallyPart(s, func(part int) {
			if part == storage.TallyParts-1 && released.CompareAndSwap(false, true) {
				releaseAll(t, s, a.ID) // the first count said 6; this part will see 12
			}
		})
		defer restorePart()
		tl, err := s.Tallies(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !released.Load() || disagreed.Load() != 1 {
			t.Fatalf("the release between the parts ran: %v; the reads disagreed %d times, want once", released.Load(), disagreed.Load())
		}
		checkSeeded(t, "after a release between the parts", tl, want, 12, true)
	})
}

// Reading apart takes every core: while respondents are writing, the tallies are read in
// one transaction (no part, no texts beside), and count the same.
func TestTalliesInOneWhileRespondentsWrite(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "busy")
		want := tallySeed(t, s, a.ID, 9, 0)
		releaseAll(t, s, a.ID)
		restore := storage.SplitTalliesFrom(1)
		defer restore()
		var parts atomic.Int32
		restorePart := storage.BeforeTallyPart(s, func(int) { parts.Add(1) })
		defer restorePart()
		var texts atomic.Int32 // reads of the texts on a connection of their own
		restoreTexts := storage.BeforeTallyTexts(s, func(<-chan struct{}) { texts.Add(1) })
		defer restoreTexts()

		storage.ForgetWrites(s)
		quiet, err := s.Tallies(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if parts.Load() == 0 || texts.Load() != 1 {
			t.Fatalf("a quiet store counted in %d parts and read the texts apart %d times", parts.Load(), texts.Load())
		}
		parts.Store(0)
		texts.Store(0)
		createResponse(t, s, sampleResponse(a.ID)) // a respondent starts
		busy, err := s.Tallies(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if parts.Load() != 0 || texts.Load() != 0 {
			t.Errorf("right after a respondent's write, counted in %d parts and read the texts apart %d times; want one transaction",
				parts.Load(), texts.Load())
		}
		checkSeeded(t, "quiet", quiet, want, 9, true)
		checkSeeded(t, "busy", busy, want, 9, true)
	})
}
