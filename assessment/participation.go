package assessment

import (
	"math"
	"time"

	"github.com/ecat-project/ecat/pillars"
)

// Units and participation (README, "Units and participation"): the unit a team belongs
// to, the headcount the facilitator expects per pillar (for the response rate), and the
// moment a round closes by itself.

// MaxUnitLen is the longest unit name, in characters.
const MaxUnitLen = 100

// Closing moments are accepted from now up to the end of the year MaxClosingYear, as
// written (a moment past it would not keep its shape in every database).
const MaxClosingYear = 2199

// Settings is a change of an assessment's settings, from the new-assessment form, the
// edit page or the API. A nil Title, Team or Unit is left as it is; Expected and ClosesAt
// change only when ExpectedSet and ClosesAtSet say so (so that "none" can be said).
type Settings struct {
	Title, Team, Unit *string
	// Expected replaces every expected headcount: pillar key → 0..MaxExpected. A pillar
	// left out (or a nil map) has no expectation.
	Expected    map[string]int
	ExpectedSet bool
	// ClosesAt replaces the moment the round closes by itself; nil for none.
	ClosesAt    *time.Time
	ClosesAtSet bool
}

// ApplySettings checks ch and writes it over a, at the instant now, with the pillars of
// in. Title and team are required (at most MaxTitleLen); the unit is optional text of at
// most MaxUnitLen with the same rules; every expected headcount must name a pillar of the
// instrument (CodeUnknown) and be 0 to MaxExpected (CodeInvalid); a new closing moment
// must be later than now (CodePast) and in a year up to MaxClosingYear (CodeInvalid).
// Every bad field is listed at once ("title", "team", "unit", "expected.<pillar>",
// "closes_at") and a is then left as it was.
//
// A closing moment that changes needs a round that still takes answers: on a closed
// one, or one whose moment has come, it is ErrClosed (after any field error). The storage
// statement that stores it checks the same, so no race gets around it.
func ApplySettings(a *Assessment, ch Settings, in *pillars.Instrument, now time.Time) error {
	verr := &ValidationError{}
	next := *a
	if ch.Title != nil {
		next.Title = requiredTextMax(verr, "title", *ch.Title, MaxTitleLen)
	}
	if ch.Team != nil {
		next.Team = requiredTextMax(verr, "team", *ch.Team, MaxTitleLen)
	}
	if ch.Unit != nil {
		clean, code := CleanText(*ch.Unit, MaxUnitLen)
		if code != "" {
			verr.AddLimit("unit", code, MaxUnitLen)
		}
		next.Unit = clean
	}
	if ch.ExpectedSet {
		next.Expected = nil
		for key, n := range ch.Expected {
			switch {
			case in.Pillar(key) == nil:
				verr.Add("expected."+key, CodeUnknown)
			case n < 0 || n > MaxExpected:
				verr.AddLimit("expected."+key, CodeInvalid, MaxExpected)
			default:
				if next.Expected == nil {
					next.Expected = map[string]int{} // never the map a holds: a may be shared
				}
				next.Expected[key] = n
			}
		}
	}
	if ch.ClosesAtSet {
		next.ClosesAt = nil
		if ch.ClosesAt != nil {
			t := ch.ClosesAt.UTC().Truncate(time.Second)
			switch {
			case ch.ClosesAt.Year() < 2000 || ch.ClosesAt.Year() > MaxClosingYear:
				verr.Add("closes_at", CodeInvalid)
			case !t.After(now) && !SameMoment(a.ClosesAt, &t):
				verr.Add("closes_at", CodePast)
			default:
				next.ClosesAt = &t
			}
		}
	}
	if err := verr.OrNil(); err != nil {
		return err
	}
	if !SameMoment(a.ClosesAt, next.ClosesAt) && !a.OpenAt(now) {
		return ErrClosed
	}
	*a = next
	return nil
}

// SameMoment reports whether two optional moments are the same (both none, or equal).
func SameMoment(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// OpenAt reports whether the assessment takes answers at the instant now: it is open,
// and its closing moment, if it has one, has not come. A round whose moment has come is
// closed for answers at once, even before its status says closed (see storage.CloseDue).
func (a *Assessment) OpenAt(now time.Time) bool {
	return a.IsOpen() && (a.ClosesAt == nil || now.Before(*a.ClosesAt))
}

// ExpectedOf returns the headcount expected in a pillar, and whether there is one.
func (a *Assessment) ExpectedOf(pillar string) (int, bool) {
	n, ok := a.Expected[pillar]
	return n, ok
}

// ResponseRate is submitted as a whole percentage of expected (rounded half up; more
// than 100 when more people answered than expected), and false when nothing can be said:
// no headcount of 1 or more is expected.
func ResponseRate(submitted, expected int) (int, bool) {
	if expected <= 0 {
		return 0, false
	}
	return int(math.Floor(float64(submitted)*100/float64(expected) + 0.5)), true
}
