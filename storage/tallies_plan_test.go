package storage_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
)

// tallyKey is one row of the counts: pillar, item, answer.
type tallyKey [3]string

// tallySeed stores n submitted responses to assessment id, spread over the pillars, with
// answers that vary by response and item (some items left unanswered), and returns what
// they add to the counts.
func tallySeed(t *testing.T, s *storage.Store, id int64, n, salt int) map[tallyKey]int {
	t.Helper()
	catalog, err := pillars.Load()
	if err != nil {
		t.Fatal(err)
	}
	in := catalog.Current()
	want := map[tallyKey]int{}
	for i := range n {
		p := in.Pillars[(i+salt)%len(in.Pillars)]
		r := sampleResponse(id)
		r.Pillar, r.Status = p.Key, assessment.Submitted
		r.Answers = map[string]assessment.Answer{}
		r.Reflections = map[string]string{p.Reflections[0].ID: fmt.Sprintf("reflection %d-%d", salt, i)}
		r.Strength = assessment.Named{Text: fmt.Sprintf("strength %d-%d", salt, i), Theme: "relationships"}
		r.Opportunity = assessment.Named{Text: fmt.Sprintf("opportunity %d-%d", salt, i)}
		for j, it := range p.Items() {
			if (i+j)%5 == 4 {
				continue // unanswered
			}
			v := assessment.Answers[(i*3+j+salt)%len(assessment.Answers)]
			r.Answers[it.ID] = v
			want[tallyKey{p.Key, it.ID, string(v)}]++
		}
		createResponse(t, s, r)
	}
	return want
}

func tallyCounts(t *testing.T, tl *assessment.Tallies) map[tallyKey]int {
	t.Helper()
	got := map[tallyKey]int{}
	for _, ic := range tl.Items {
		k := tallyKey{ic.Pillar, ic.ItemID, string(ic.Answer)}
		if _, dup := got[k]; dup {
			t.Errorf("%v counted in two rows", k)
		}
		got[k] = ic.N
	}
	return got
}

func diffCounts(t *testing.T, what string, got, want map[tallyKey]int) {
	t.Helper()
	keys := slices.Collect(maps.Keys(want))
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b tallyKey) int {
		return slices.Compare(a[:], b[:])
	})
	for _, k := range keys {
		if got[k] != want[k] {
			t.Errorf("%s: %v counted %d, want %d", what, k, got[k], want[k])
		}
	}
}

// Tallies counts exactly what the report shows, in a round beside a larger one: never a
// draft's, a held submission's (not released yet) or another round's answers, texts or
// responses; ScoreTallies the same without the texts.
func TestTalliesCountWhatTheReportShows(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		big := newAssessment(t, s, "big")
		small := newAssessment(t, s, "small")
		wantBig := tallySeed(t, s, big.ID, 30, 0)
		releaseAll(t, s, big.ID)
		wantSmall := tallySeed(t, s, small.ID, 2, 1)
		releaseAll(t, s, small.ID)
		// Not in the report: held submissions (not released yet) and drafts.
		tallySeed(t, s, big.ID, 3, 2)
		for range 2 {
			createResponse(t, s, sampleResponse(big.ID))
		}

		for _, c := range []struct {
			name string
			a    *assessment.Assessment
			want map[tallyKey]int
			n    int
		}{
			{"larger round", big, wantBig, 30},
			{"smaller round", small, wantSmall, 2},
		} {
			t.Run(c.name, func(t *testing.T) {
				eachReading(t, s, func(t *testing.T) {
					tl, err := s.Tallies(t.Context(), c.a.ID)
					if err != nil {
						t.Fatal(err)
					}
					diffCounts(t, "Tallies", tallyCounts(t, tl), c.want)
					total := 0
					for _, n := range tl.Submitted {
						total += n
					}
					if total != c.n || len(tl.Named) != 2*c.n || len(tl.Reflections) != c.n {
						t.Errorf("%d submitted, %d named texts, %d reflections; want %d, %d, %d",
							total, len(tl.Named), len(tl.Reflections), c.n, 2*c.n, c.n)
					}
					st, err := s.ScoreTallies(t.Context(), c.a.ID)
					if err != nil {
						t.Fatal(err)
					}
					diffCounts(t, "ScoreTallies", tallyCounts(t, st), c.want)
					if !maps.Equal(st.Submitted, tl.Submitted) || len(st.Named)+len(st.Reflections) != 0 {
						t.Errorf("ScoreTallies: submitted %v (Tallies %v), %d texts", st.Submitted, tl.Submitted, len(st.Named)+len(st.Reflections))
					}
				})
			})
		}
	})
}

// Answers are counted under their own response's pillar, even answers to one item from
// two pillars (which validation never lets in): a count that took an item's pillar from
// the instrument, or from one of its responses, would show one pillar's answer in
// another's figures.
func TestTalliesCountMixedPillarsExactly(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "mixed")
		want := tallySeed(t, s, a.ID, 12, 0)
		r := sampleResponse(a.ID)
		r.Pillar, r.Status = pillars.Staff, assessment.Submitted
		r.Answers = map[string]assessment.Answer{"S-01": assessment.Yes}
		hash := createResponse(t, s, r)
		stored := mustResponse(t, s, hash)
		// The last response, a staff member's, answers a leadership statement.
		if err := storage.RawDB(s).Exec(`INSERT INTO answers (response_id, item_id, value) VALUES (?, 'L-01', 'no')`, stored.ID).Error; err != nil {
			t.Fatal(err)
		}
		want[tallyKey{pillars.Staff, "S-01", "yes"}]++
		want[tallyKey{pillars.Staff, "L-01", "no"}]++
		releaseAll(t, s, a.ID)
		eachReading(t, s, func(t *testing.T) {
			tl, err := s.Tallies(t.Context(), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			diffCounts(t, "Tallies", tallyCounts(t, tl), want)
		})
	})
}

// Tallies reads the texts beside the counts, on another connection. When a release
// commits between the two reads, the texts of the newly released responses must not be
// quoted beside counts without them (nor the other way round): Tallies reads again, and
// what it returns agrees.
func TestTalliesAgreeWhenAReleaseCommitsBetweenReads(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		a := newAssessment(t, s, "between")
		want := tallySeed(t, s, a.ID, 6, 0)
		releaseAll(t, s, a.ID)
		for k, n := range tallySeed(t, s, a.ID, 6, 1) { // submitted, not released yet
			want[k] += n
		}
		disagreed := 0
		restoreDisagree := storage.OnTalliesDisagree(s, func() { disagreed++ })
		defer restoreDisagree()
		released := false
		restore := storage.BeforeTallyTexts(s, func(counted <-chan struct{}) {
			<-counted // the counts say 6; the texts will say 12
			if !released {
				released = true
				releaseAll(t, s, a.ID)
			}
		})
		defer restore()
		storage.ForgetWrites(s) // as if nobody had written since: the texts are read apart
		tl, err := s.Tallies(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !released || disagreed != 1 {
			t.Fatalf("the release between the reads ran: %v; the reads disagreed %d times, want once", released, disagreed)
		}
		checkSeeded(t, "after a release between the reads", tl, want, 12, true)
	})
}

// checkSeeded checks tl holds exactly the n responses tallySeed wrote (want their
// counts): n submitted, and with texts, two named texts and one reflection each.
func checkSeeded(t *testing.T, what string, tl *assessment.Tallies, want map[tallyKey]int, n int, texts bool) {
	t.Helper()
	total := 0
	for _, c := range tl.Submitted {
		total += c
	}
	named, reflections := 0, 0
	if texts {
		named, reflections = 2*n, n
	}
	if total != n || len(tl.Named) != named || len(tl.Reflections) != reflections {
		t.Errorf("%s: %d submitted, %d named texts, %d reflections; want %d, %d, %d",
			what, total, len(tl.Named), len(tl.Reflections), n, named, reflections)
	}
	diffCounts(t, what, tallyCounts(t, tl), want)
}

// eachReading runs body, which reads s's tallies, three ways: in one transaction (as
// while respondents write), apart (the texts beside the counts, as when the store is
// quiet) and apart with the answers counted in parts (as for a large round).
func eachReading(t *testing.T, s *storage.Store, body func(t *testing.T)) {
	t.Helper()
	for _, r := range []struct {
		name  string
		quiet bool
		split int
	}{{"in one", false, 0}, {"apart", true, 1 << 30}, {"in parts", true, 1}} {
		t.Run(r.name, func(t *testing.T) {
			if r.split > 0 {
				defer storage.SplitTalliesFrom(r.split)()
			}
			if r.quiet {
				storage.ForgetWrites(s)
			} else {
				storage.MarkWrite(s)
			}
			body(t)
		})
	}
}
