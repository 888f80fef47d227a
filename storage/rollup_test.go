package storage_test

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
)

// rollupFixture builds rounds and responses for the roll-up tests.
type rollupFixture struct {
	t  *testing.T
	s  *storage.Store
	in *pillars.Instrument
	n  int
}

func newRollupFixture(t *testing.T, s *storage.Store) *rollupFixture {
	t.Helper()
	c, err := pillars.Load()
	if err != nil {
		t.Fatal(err)
	}
	in, ok := c.Version("v1")
	if !ok {
		t.Fatal("no instrument v1")
	}
	return &rollupFixture{t: t, s: s, in: in}
}

// team opens the first round of a new team owned by owner (nil: nobody) in unit.
func (f *rollupFixture) team(name, unit string, owner *int64) *assessment.Assessment {
	f.t.Helper()
	a := facOwnedAssessment(f.t, f.s, name, owner)
	f.setUnit(a.ID, unit)
	a.Unit = unit
	return a
}

func (f *rollupFixture) setUnit(id int64, unit string) {
	f.t.Helper()
	if err := storage.RawDB(f.s).Exec(`UPDATE assessments SET unit = ? WHERE id = ?`, unit, id).Error; err != nil {
		f.t.Fatal(err)
	}
}

// next closes a (when open) and opens its next round.
func (f *rollupFixture) next(a *assessment.Assessment) *assessment.Assessment {
	f.t.Helper()
	f.close(a)
	n := assessment.NextRound(a, "v1")
	if err := f.s.Reassess(f.t.Context(), a.ID, n); err != nil {
		f.t.Fatalf("reassess %d: %v", a.ID, err)
	}
	return n
}

func (f *rollupFixture) close(a *assessment.Assessment) {
	f.t.Helper()
	if stored, err := f.s.Assessment(f.t.Context(), a.ID); err == nil && stored.Status == assessment.Closed {
		return
	}
	closeAssessment(f.t, f.s, a.ID)
	a.Status = assessment.Closed
}

// submit stores a submitted response to a in pillar, every statement answered by
// answer(i) (i the statement's place), naming a strength and an opportunity (either
// text may be empty).
func (f *rollupFixture) submit(a *assessment.Assessment, pillar string, answer func(i int) assessment.Answer, strength, opportunity assessment.Named) {
	f.t.Helper()
	f.n++
	r := &assessment.Response{AssessmentID: a.ID, Pillar: pillar, Language: "en", Status: assessment.Submitted,
		Answers: map[string]assessment.Answer{}, Reflections: map[string]string{},
		Strength: strength, Opportunity: opportunity}
	for i, it := range f.in.Pillar(pillar).Items() {
		if v := answer(i); v != "" {
			r.Answers[it.ID] = v
		}
	}
	createResponse(f.t, f.s, r)
}

// answers cycles through the four answers from a starting point.
func answers(from int) func(int) assessment.Answer {
	return func(i int) assessment.Answer { return assessment.Answers[(from+i)%len(assessment.Answers)] }
}

func namedAs(text, theme string) assessment.Named { return assessment.Named{Text: text, Theme: theme} }

// rollupThemes are the themes of the instrument versions (the same in v1 and v2).
var rollupThemes = []string{"commitment", "relationships", "preparation", "resources", "influence", "feedback", "equity", "learning"}

func rollupOf(t *testing.T, s *storage.Store, viewer *int64, unit *string) *storage.Rollup {
	t.Helper()
	r, err := s.Rollup(t.Context(), viewer, unit, rollupThemes)
	if err != nil {
		t.Fatalf("Rollup: %v", err)
	}
	return r
}

// teamRounds names the rounds of a roll-up's teams as "team#round".
func teamRounds(r *storage.Rollup) string {
	var out []string
	for _, t := range r.Teams {
		out = append(out, fmt.Sprintf("%s#%d", strings.TrimPrefix(t.Round.Team, "Team "), t.Round.Round))
	}
	return strings.Join(out, ", ")
}

func notClosedRounds(r *storage.Rollup) string {
	var out []string
	for _, a := range r.NotClosed {
		out = append(out, fmt.Sprintf("%s#%d", strings.TrimPrefix(a.Team, "Team "), a.Round))
	}
	return strings.Join(out, ", ")
}

// The roll-up takes each team's latest closed round; the teams a facilitator sees are
// their own and the ones shared with them (any role), an admin's every one; a unit
// narrows the teams by the unit of the round shown, and the units offered are all of them.
func TestRollupChoosesTeamsAndRounds(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		f := newRollupFixture(t, s)
		ann := facAccount(t, s, "ann@example.org", "Ann")
		bob := facAccount(t, s, "bob@example.org", "Bob")
		cat := facAccount(t, s, "cat@example.org", "Cat")

		// Ann's first team: rounds 1 and 2 closed, round 3 open; round 3 moved unit.
		r1 := f.team("Ward A", "Surgery", &ann.ID)
		r2 := f.next(r1)
		r3 := f.next(r2)
		f.setUnit(r3.ID, "Renamed")
		// Ann's second team has only an open round.
		f.team("Ward B", "Surgery", &ann.ID)
		// Bob's teams: one shared with Ann as a viewer, one with Cat as co-facilitator,
		// one shared with nobody, and one team whose first round is closed and second
		// is open.
		shared := f.team("Clinic C", "Medicine", &bob.ID)
		f.close(shared)
		coShared := f.team("Clinic D", "", &bob.ID)
		f.close(coShared)
		private := f.team("Clinic E", "Oncology", &bob.ID)
		f.close(private)
		f.next(f.team("Clinic F", "Medicine", &bob.ID))
		orphan := f.team("Orphan", "", nil) // opened at the command line, nobody's
		f.close(orphan)
		for _, m := range []struct {
			series, who int64
			role        string
		}{{shared.SeriesID, ann.ID, assessment.MemberViewer}, {coShared.SeriesID, cat.ID, assessment.MemberCoFacilitator}} {
			if _, err := s.PutMember(t.Context(), m.series, m.who, m.role); err != nil {
				t.Fatal(err)
			}
		}

		for _, c := range []struct {
			name             string
			viewer           *int64
			unit             *string
			teams, notClosed string
			units            []string
		}{
			{"ann", &ann.ID, nil, "Clinic C#1, Ward A#2", "Ward B#1", []string{"Medicine", "Surgery"}},
			{"ann in Surgery", &ann.ID, ptr("Surgery"), "Ward A#2", "Ward B#1", []string{"Medicine", "Surgery"}},
			{"ann in Medicine", &ann.ID, ptr("Medicine"), "Clinic C#1", "", []string{"Medicine", "Surgery"}},
			{"ann in a unit of none of hers", &ann.ID, ptr("Oncology"), "", "", []string{"Medicine", "Surgery"}},
			{"cat, co-facilitator", &cat.ID, nil, "Clinic D#1", "", nil},
			{"cat in no unit", &cat.ID, ptr(""), "Clinic D#1", "", nil},
			{"bob", &bob.ID, nil, "Clinic D#1, Clinic C#1, Clinic F#1, Clinic E#1", "", []string{"Medicine", "Oncology"}},
			{"admin", nil, nil, "Clinic D#1, Orphan#1, Clinic C#1, Clinic F#1, Clinic E#1, Ward A#2", "Ward B#1",
				[]string{"Medicine", "Oncology", "Surgery"}},
		} {
			r := rollupOf(t, s, c.viewer, c.unit)
			if got := teamRounds(r); got != c.teams {
				t.Errorf("%s: teams %q, want %q", c.name, got, c.teams)
			}
			if got := notClosedRounds(r); got != c.notClosed {
				t.Errorf("%s: without a closed round %q, want %q", c.name, got, c.notClosed)
			}
			if !slices.Equal(r.Units, c.units) {
				t.Errorf("%s: units %q, want %q", c.name, r.Units, c.units)
			}
			for _, team := range r.Teams {
				if team.Round.Status != assessment.Closed || team.Round.ClosedAt == nil || team.Round.SeriesID == 0 || team.Round.InstrumentVersion != "v1" {
					t.Errorf("%s: team round read back as %+v", c.name, team.Round)
				}
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }

// namedKey names a named-theme count for comparisons.
type namedKey struct{ pillar, kind, theme string }

// The roll-up's counts of every team are exactly what that round's own report counts:
// the released responses per pillar, their answers per pillar, item and value, and the
// texts named per pillar and theme. Drafts, held responses and other rounds are not
// counted; a text left empty is not a named theme.
func TestRollupCountsAsTheReport(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		f := newRollupFixture(t, s)
		themes := f.in.Themes
		var rounds []*assessment.Assessment
		for k := range 5 {
			a := f.team(fmt.Sprintf("Team %d", k), "", nil)
			for i := range 3 + k { // staff: 3 to 7
				f.submit(a, pillars.Staff, answers(i+k), namedAs(fmt.Sprintf("s%d", i), themes[(i+k)%len(themes)].Key),
					namedAs(strings.Repeat("o", i%2), themes[i%3].Key)) // every other opportunity left empty
			}
			for i := range k % 3 { // leadership: 0 to 2, under the threshold
				f.submit(a, pillars.Leadership, answers(i), namedAs("lead", ""), namedAs("lead", themes[0].Key))
			}
			for i := range 4 { // patient partners: 4
				f.submit(a, pillars.PatientPartners, func(j int) assessment.Answer {
					if j%5 == 0 {
						return "" // left unanswered
					}
					return answers(i * j)(j)
				}, namedAs("pp", ""), namedAs("pp", themes[(i+1)%len(themes)].Key))
			}
			d := sampleResponse(a.ID) // a draft, never counted
			d.Pillar = pillars.Staff
			d.Answers = map[string]assessment.Answer{"S-01": assessment.No}
			createResponse(t, s, d)
			if k == 4 {
				// Released once, then one more submission held: it waits.
				if _, err := s.Release(t.Context(), a.ID, a.Threshold); err != nil {
					t.Fatal(err)
				}
				f.submit(a, pillars.Staff, answers(0), namedAs("held", themes[0].Key), namedAs("held", themes[0].Key))
			}
			f.close(a)
			rounds = append(rounds, a)
		}
		// A theme no instrument has, written by hand: still counted as the report does.
		if err := storage.RawDB(s).Exec(`UPDATE responses SET strength_theme = 'not-a-theme'
			WHERE id = (SELECT MIN(id) FROM responses WHERE assessment_id = ? AND pillar = ?)`, rounds[2].ID, pillars.Staff).Error; err != nil {
			t.Fatal(err)
		}
		// A later open round of the last team, with submissions of its own: not shown.
		later := f.next(rounds[4])
		for i := range 3 {
			f.submit(later, pillars.Staff, answers(i), namedAs("later", themes[0].Key), namedAs("later", themes[0].Key))
		}

		r := rollupOf(t, s, nil, nil)
		if len(r.Teams) != 5 {
			t.Fatalf("%d teams, want 5", len(r.Teams))
		}
		for _, team := range r.Teams {
			// What the round's own report reads: released first, then counted.
			if _, err := s.Release(t.Context(), team.Round.ID, team.Round.Threshold); err != nil {
				t.Fatal(err)
			}
			want, err := s.Tallies(t.Context(), team.Round.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(team.Tallies.Submitted, want.Submitted) {
				t.Errorf("%s: submitted %v, the report's %v", team.Round.Team, team.Tallies.Submitted, want.Submitted)
			}
			sortCounts := func(items []assessment.ItemCount) []assessment.ItemCount {
				items = slices.Clone(items)
				slices.SortFunc(items, func(a, b assessment.ItemCount) int {
					return cmp.Or(strings.Compare(a.Pillar, b.Pillar), strings.Compare(a.ItemID, b.ItemID), strings.Compare(string(a.Answer), string(b.Answer)))
				})
				return items
			}
			if got, w := sortCounts(team.Tallies.Items), sortCounts(want.Items); !slices.Equal(got, w) {
				t.Errorf("%s: answers counted\n%v\nthe report's\n%v", team.Round.Team, got, w)
			}
			wantNamed := map[namedKey]int{}
			for _, n := range want.Named {
				wantNamed[namedKey{n.Pillar, n.Kind, n.Theme}]++
			}
			gotNamed := map[namedKey]int{}
			for _, n := range team.Named {
				gotNamed[namedKey{n.Pillar, n.Kind, n.Theme}] += n.N
			}
			if !maps.Equal(gotNamed, wantNamed) {
				t.Errorf("%s: named %v, the report's %v", team.Round.Team, gotNamed, wantNamed)
			}
			if team.Tallies.Named != nil || team.Tallies.Reflections != nil {
				t.Errorf("%s: the roll-up read texts", team.Round.Team)
			}
		}
		if held := r.Teams[4].Tallies.Submitted[pillars.Staff]; held != 7 {
			t.Errorf("last team: %d staff responses counted, want the 7 released (the 8th is held)", held)
		}
	})
}

// A closed round whose held responses reach the threshold is released by the roll-up
// exactly as its report would release it, in one statement for every such round: every
// held response of such a group at once, none of a group still under the threshold.
func TestRollupReleasesLikeTheReport(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		f := newRollupFixture(t, s)
		// Never looked at: staff 3 (reaches 3), leadership 2 (does not).
		fresh := f.team("Fresh", "", nil)
		for i := range 3 {
			f.submit(fresh, pillars.Staff, answers(i), namedAs("s", ""), namedAs("", ""))
		}
		for i := range 2 {
			f.submit(fresh, pillars.Leadership, answers(i), namedAs("l", ""), namedAs("", ""))
		}
		f.close(fresh)
		// Looked at with 3 staff, then 2 more staff held (under 3), then 3 partners.
		seen := f.team("Seen", "", nil)
		for i := range 3 {
			f.submit(seen, pillars.Staff, answers(i), namedAs("s", ""), namedAs("", ""))
		}
		if _, err := s.Release(t.Context(), seen.ID, seen.Threshold); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			f.submit(seen, pillars.Staff, answers(i), namedAs("s", ""), namedAs("", ""))
		}
		for i := range 3 {
			f.submit(seen, pillars.PatientPartners, answers(i), namedAs("p", ""), namedAs("", ""))
		}
		f.close(seen)

		want := map[string]map[string]int{
			"Team Fresh": {pillars.Staff: 3},
			"Team Seen":  {pillars.Staff: 3, pillars.PatientPartners: 3},
		}
		check := func(when string) {
			r := rollupOf(t, s, nil, nil)
			for _, team := range r.Teams {
				if !maps.Equal(team.Tallies.Submitted, want[team.Round.Team]) {
					t.Errorf("%s, %s: counted %v, want %v", when, team.Round.Team, team.Tallies.Submitted, want[team.Round.Team])
				}
			}
		}
		check("first look")
		check("second look")
		// The reports agree, and find nothing more to release.
		for _, a := range []*assessment.Assessment{fresh, seen} {
			groups, err := s.Release(t.Context(), a.ID, a.Threshold)
			if err != nil {
				t.Fatal(err)
			}
			for pillar, g := range groups {
				if g.Shown != want[a.Team][pillar] {
					t.Errorf("%s report: %s shows %d, want %d", a.Team, pillar, g.Shown, want[a.Team][pillar])
				}
			}
		}
		if groups, _ := s.Release(t.Context(), seen.ID, seen.Threshold); groups[pillars.Staff].Held != 2 {
			t.Errorf("seen: staff held %d, want 2", groups[pillars.Staff].Held)
		}
	})
}

// Roll-ups and reports releasing the same rounds at the same moment release each group
// once, whole: afterwards every view counts the same.
func TestRollupReleasesConcurrently(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		f := newRollupFixture(t, s)
		var rounds []*assessment.Assessment
		for k := range 6 {
			a := f.team(fmt.Sprintf("Team %d", k), "", nil)
			for i := range 3 + k%3 {
				f.submit(a, pillars.Staff, answers(i), namedAs("s", ""), namedAs("", ""))
			}
			f.close(a)
			rounds = append(rounds, a)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := range 8 {
			wg.Go(func() {
				if i%2 == 0 {
					_, err := s.Rollup(t.Context(), nil, nil, rollupThemes)
					errs <- err
					return
				}
				a := rounds[i%len(rounds)]
				_, err := s.Release(t.Context(), a.ID, a.Threshold)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		r := rollupOf(t, s, nil, nil)
		for k, team := range r.Teams {
			if n := team.Tallies.Submitted[pillars.Staff]; n != 3+k%3 {
				t.Errorf("%s: %d staff counted, want %d", team.Round.Team, n, 3+k%3)
			}
		}
	})
}

// The roll-up reads in the same few statements whatever the number of teams: never
// one per team.
func TestRollupStatementsDoNotGrowWithTeams(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		f := newRollupFixture(t, s)
		owner := facAccount(t, s, "o@example.org", "O")
		addTeams := func(n int) {
			for range n {
				a := f.team(fmt.Sprintf("Team %d", f.n), "Unit", &owner.ID)
				f.submit(a, pillars.Staff, answers(f.n), namedAs("s", ""), namedAs("o", ""))
				f.close(a)
				// Released as its report would: the roll-up has nothing to release.
				if _, err := s.Release(t.Context(), a.ID, a.Threshold); err != nil {
					t.Fatal(err)
				}
			}
		}
		count := func() int64 {
			return countStatements(t, s, func() {
				if _, err := s.Rollup(t.Context(), &owner.ID, nil, rollupThemes); err != nil {
					t.Fatal(err)
				}
			})
		}
		addTeams(2)
		few := count()
		addTeams(20)
		many := count()
		if few != many || many > 3 {
			t.Errorf("2 teams: %d statements; 22 teams: %d; want the same, at most 3", few, many)
		}
	})
}
