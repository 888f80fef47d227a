package survey_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/survey"
)

// at sets the service's clock and the store's to t.
func (e *env) at(t time.Time) {
	e.svc.SetClock(func() time.Time { return t })
	e.db.Store.SetClock(func() time.Time { return t })
}

func settingCodes(t *testing.T, err error) map[string]string {
	t.Helper()
	var verr *assessment.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("err = %v, want a validation error", err)
	}
	out := map[string]string{}
	for k, f := range verr.Fields {
		out[k] = f.Code
	}
	return out
}

// TestNewAssessmentSettings: a new assessment takes a unit, expected headcounts and a
// closing moment, tidied; what is wrong with them is reported with the rest, at once,
// and nothing is stored.
func TestNewAssessmentSettings(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		now := time.Date(2031, 5, 6, 9, 0, 0, 0, time.UTC)
		e.at(now)
		f := e.facilitator("units@example.org")
		closes := time.Date(2031, 5, 20, 17, 30, 15, 999, time.FixedZone("EDT", -4*3600))
		a, err := e.svc.CreateAssessment(e.ctx(), f, survey.NewAssessment{Title: "Spring", Team: "Ward 4B", Language: "en", Threshold: 3,
			Unit: "  Medicine ", Expected: map[string]int{pillars.Staff: 25, pillars.Leadership: 0}, ClosesAt: &closes})
		if err != nil {
			t.Fatal(err)
		}
		stored, err := e.svc.Assessment(e.ctx(), f, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := time.Date(2031, 5, 20, 21, 30, 15, 0, time.UTC)
		if stored.Unit != "Medicine" || stored.Expected[pillars.Staff] != 25 || stored.Expected[pillars.Leadership] != 0 ||
			len(stored.Expected) != 2 || stored.ClosesAt == nil || !stored.ClosesAt.Equal(want) {
			t.Errorf("stored unit %q, expected %v, closes at %v; want Medicine, staff 25 and leadership 0, %v",
				stored.Unit, stored.Expected, stored.ClosesAt, want)
		}

		list, err := e.svc.Assessments(e.ctx(), f)
		if err != nil {
			t.Fatal(err)
		}
		past := now.Add(-time.Minute)
		_, err = e.svc.CreateAssessment(e.ctx(), f, survey.NewAssessment{Title: "", Team: "Ward", Language: "en", Threshold: 3,
			Unit: "<b>Medicine</b>", Expected: map[string]int{pillars.Staff: -1, pillars.PatientPartners: assessment.MaxExpected + 1, "visitors": 3},
			ClosesAt: &past})
		got := settingCodes(t, err)
		for field, code := range map[string]string{
			"title": assessment.CodeRequired, "unit": assessment.CodeMarkup, "expected.staff": assessment.CodeInvalid,
			"expected.patient_partners": assessment.CodeInvalid, "expected.visitors": assessment.CodeUnknown,
			"closes_at": assessment.CodePast,
		} {
			if got[field] != code {
				t.Errorf("%s: %q, want %q (all: %v)", field, got[field], code, got)
			}
		}
		if after, _ := e.svc.Assessments(e.ctx(), f); len(after) != len(list) {
			t.Error("a refused assessment was stored")
		}
		for _, bad := range []time.Time{now, time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)} {
			_, err := e.svc.CreateAssessment(e.ctx(), f, survey.NewAssessment{Title: "T", Team: "Ward", Language: "en", Threshold: 3, ClosesAt: &bad})
			if code := settingCodes(t, err)["closes_at"]; code == "" {
				t.Errorf("closing at %v was accepted", bad)
			}
		}
		long := make([]byte, assessment.MaxUnitLen+1)
		for i := range long {
			long[i] = 'u'
		}
		_, err = e.svc.CreateAssessment(e.ctx(), f, survey.NewAssessment{Title: "T", Team: "Ward", Language: "en", Threshold: 3, Unit: string(long)})
		if code := settingCodes(t, err)["unit"]; code != assessment.CodeTooLong {
			t.Errorf("a unit of %d characters: %q", len(long), code)
		}
	})
}

// TestUpdateSettings: a co-facilitator changes the settings (audited, the version moved
// on, If-Match honoured); a viewer may not; the closing moment of a round that no longer
// takes answers does not change.
func TestUpdateSettings(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		now := time.Date(2031, 5, 6, 9, 0, 0, 0, time.UTC)
		e.at(now)
		owner, co, viewer := e.facilitator("owner@example.org"), e.facilitator("co@example.org"), e.facilitator("viewer@example.org")
		r := e.round(owner, "Settings")
		for f, role := range map[*assessment.Facilitator]string{co: assessment.MemberCoFacilitator, viewer: assessment.MemberViewer} {
			if _, err := e.db.Store.PutMember(e.ctx(), r.SeriesID, f.ID, role); err != nil {
				t.Fatal(err)
			}
		}
		title, unit := "Renamed", "Surgery"
		closes := now.Add(72 * time.Hour)
		ch := assessment.Settings{Title: &title, Unit: &unit, Expected: map[string]int{pillars.Staff: 9}, ExpectedSet: true,
			ClosesAt: &closes, ClosesAtSet: true}
		if _, err := e.svc.UpdateSettings(e.ctx(), viewer, r.ID, 0, ch, nil); !errors.Is(err, assessment.ErrForbidden) {
			t.Errorf("a viewer's change: %v, want ErrForbidden", err)
		}
		if _, err := e.svc.UpdateSettings(e.ctx(), co, r.ID, r.Version+5, ch, nil); !errors.Is(err, assessment.ErrStale) {
			t.Errorf("a change against another version: %v, want ErrStale", err)
		}
		a, err := e.svc.UpdateSettings(e.ctx(), co, r.ID, r.Version, ch, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.Title != "Renamed" || a.Team != r.Team || a.Unit != "Surgery" || a.Expected[pillars.Staff] != 9 ||
			!a.ClosesAt.Equal(closes) || a.Version != r.Version+1 {
			t.Errorf("after the change: %+v", a)
		}
		events, err := e.svc.Activity(e.ctx(), co)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) == 0 || events[0].Action != assessment.AuditUpdated || events[0].Detail != "Renamed" {
			t.Errorf("the co-facilitator's trail: %+v", events)
		}

		// Left out, nothing changes; problems found reading are reported with the rest.
		bad := ""
		problems := &assessment.ValidationError{}
		problems.Add("unit", assessment.CodeDuplicate)
		_, err = e.svc.UpdateSettings(e.ctx(), owner, r.ID, 0, assessment.Settings{Team: &bad}, problems)
		if got := settingCodes(t, err); got["team"] != assessment.CodeRequired || got["unit"] != assessment.CodeDuplicate {
			t.Errorf("problems: %v", got)
		}
		same, err := e.svc.UpdateSettings(e.ctx(), owner, r.ID, 0, assessment.Settings{}, nil)
		if err != nil || same.Unit != "Surgery" || !same.ClosesAt.Equal(closes) || same.Expected[pillars.Staff] != 9 {
			t.Errorf("an empty change: %+v, %v", same, err)
		}

		// Closed: the moment no longer changes (set or cleared), the rest does.
		if _, err := e.svc.Close(e.ctx(), owner, r.ID, 0); err != nil {
			t.Fatal(err)
		}
		later := closes.Add(time.Hour)
		for _, moment := range []*time.Time{&later, nil} {
			_, err := e.svc.UpdateSettings(e.ctx(), owner, r.ID, 0, assessment.Settings{ClosesAt: moment, ClosesAtSet: true}, nil)
			if !errors.Is(err, assessment.ErrClosed) {
				t.Errorf("closing moment %v on a closed round: %v, want ErrClosed", moment, err)
			}
		}
		unit = "Medicine"
		if a, err := e.svc.UpdateSettings(e.ctx(), owner, r.ID, 0, assessment.Settings{Unit: &unit, ClosesAt: &closes, ClosesAtSet: true}, nil); err != nil || a.Unit != "Medicine" {
			t.Errorf("the unit of a closed round, its moment sent unchanged: %v", err)
		}
	})
}

// TestSaveAfterTheClosingMoment: from the moment on, a save is refused (ErrClosed) and
// changes nothing, and the round reads closed, before and after CloseDue marks it.
func TestSaveAfterTheClosingMoment(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		now := time.Date(2031, 5, 6, 9, 0, 0, 0, time.UTC)
		e.at(now)
		f := e.facilitator("moment@example.org")
		closes := now.Add(time.Hour)
		a, err := e.svc.CreateAssessment(e.ctx(), f, survey.NewAssessment{Title: "Moment", Team: "Ward", Language: "en", Threshold: 3, ClosesAt: &closes})
		if err != nil {
			t.Fatal(err)
		}
		round, err := e.svc.RoundByCode(e.ctx(), a.Code)
		if err != nil {
			t.Fatal(err)
		}
		token := e.start(round, e.partial(pillars.Staff, 1), false)

		e.at(closes)
		later, err := e.svc.RoundByCode(e.ctx(), a.Code)
		if err != nil {
			t.Fatal(err)
		}
		if later.IsOpen() || later.ClosedAt == nil || !later.ClosedAt.Equal(closes) {
			t.Errorf("at the moment the round reads %s, closed at %v", later.Status, later.ClosedAt)
		}
		// Even with the round read before the moment, the save is refused.
		for _, save := range []survey.ResponseSave{
			{Round: round, Response: e.complete(pillars.Staff, assessment.Yes, "new"), Submit: true},
			{Round: round, Stored: e.resume(token).Response, Response: e.complete(pillars.Staff, assessment.No, "changed"), Submit: true},
		} {
			if _, err := e.svc.SaveResponse(e.ctx(), save); !errors.Is(err, assessment.ErrClosed) {
				t.Errorf("a save after the moment: %v, want ErrClosed", err)
			}
		}
		res := e.resume(token)
		if res.Response.Status != assessment.Draft || res.Response.Strength.Text != "draft 1" || res.IsOpen() {
			t.Errorf("after the refused saves: %s %q, round open %v", res.Response.Status, res.Response.Strength.Text, res.IsOpen())
		}
		if n, _ := e.stored(round); n != 0 {
			t.Errorf("%d submitted stored", n)
		}

		ids, err := e.svc.CloseDue(e.ctx())
		if err != nil || len(ids) != 1 || ids[0] != a.ID {
			t.Fatalf("CloseDue = %v, %v", ids, err)
		}
		closed, err := e.svc.Assessment(e.ctx(), f, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if closed.Status != assessment.Closed || !closed.ClosedAt.Equal(closes) {
			t.Errorf("after CloseDue: %s, closed at %v", closed.Status, closed.ClosedAt)
		}
		// Reopened, the passed moment is gone and answers come in again.
		reopened, err := e.svc.Reopen(e.ctx(), f, a.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if reopened.ClosesAt != nil {
			t.Errorf("reopened, it still closes at %v", reopened.ClosesAt)
		}
		round, _ = e.svc.RoundByCode(e.ctx(), a.Code)
		e.start(round, e.complete(pillars.Staff, assessment.Yes, "after reopening"), true)
	})
}

// TestSettingsRaceReopen: a round closed by its moment is reopened while someone changes
// its title, released together, many times over: whichever goes first, the round ends
// open, without the moment that had come (the reopening clears it; the title change must
// not write it back, or the round would close again at once), with the new title. On
// SQLite and PostgreSQL. The order that would write it back — the title change reading
// the round before the reopening commits, then waiting for its lock — is rare at this
// speed; what rules it out is ownedAt reading the round again once it holds the row.
func TestSettingsRaceReopen(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		start := time.Date(2031, 5, 6, 9, 0, 0, 0, time.UTC)
		owner, co := e.facilitator("owner@example.org"), e.facilitator("co@example.org")
		for i := range 20 {
			e.at(start)
			r := e.round(owner, "Race")
			if _, err := e.db.Store.PutMember(e.ctx(), r.SeriesID, co.ID, assessment.MemberCoFacilitator); err != nil {
				t.Fatal(err)
			}
			closes := start.Add(time.Hour)
			if _, err := e.svc.UpdateSettings(e.ctx(), owner, r.ID, 0, assessment.Settings{ClosesAt: &closes, ClosesAtSet: true}, nil); err != nil {
				t.Fatal(err)
			}
			e.at(start.Add(2 * time.Hour))
			if _, err := e.svc.CloseDue(e.ctx()); err != nil {
				t.Fatal(err)
			}
			title := fmt.Sprintf("Renamed %d", i)
			var wg sync.WaitGroup
			var reopenErr, renameErr error
			go1 := make(chan struct{})
			wg.Go(func() {
				<-go1
				_, reopenErr = e.svc.Reopen(e.ctx(), owner, r.ID, 0)
			})
			wg.Go(func() {
				<-go1
				_, renameErr = e.svc.UpdateSettings(e.ctx(), co, r.ID, 0, assessment.Settings{Title: &title}, nil)
			})
			close(go1)
			wg.Wait()
			if reopenErr != nil || renameErr != nil {
				t.Fatalf("round %d: reopen %v, rename %v", i, reopenErr, renameErr)
			}
			got, err := e.svc.AssessmentAt(e.ctx(), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != assessment.Open || got.ClosesAt != nil || got.Title != title {
				t.Fatalf("round %d after both: status %s, closes at %v, title %q; want open, no moment, %q", i, got.Status, got.ClosesAt, got.Title, title)
			}
		}
	})
}
