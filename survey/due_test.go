package survey_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
)

// A new due date before today is refused by the use case itself (so the form and the
// API alike), with today read from the service's clock; an action whose date has passed
// keeps it while its status changes.
func TestActionDueDateNotInThePast(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		now := time.Date(2027, 3, 10, 13, 0, 0, 0, time.UTC) // 2027-03-10 everywhere but UTC+12 and beyond
		e.svc.SetClock(func() time.Time { return now })
		f := e.facilitator("due@example.org")
		round := e.round(f, "due dates")
		in := func(due, status string) assessment.ActionInput {
			text, lead := "Invite partners", "Sam"
			return assessment.ActionInput{Text: &text, Lead: &lead, Due: &due, Status: &status}
		}
		pastCode := func(err error) string {
			t.Helper()
			var verr *assessment.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("err = %v, want a validation error", err)
			}
			return verr.Fields["due"].Code
		}

		_, err := e.svc.RecordAction(e.ctx(), f, round.ID, in("2027-03-09", assessment.ActionPlanned), nil)
		if got := pastCode(err); got != assessment.CodePast {
			t.Errorf("yesterday: due code %q, want %q", got, assessment.CodePast)
		}
		if acts, _ := e.svc.Actions(e.ctx(), f, round.ID); len(acts) != 0 {
			t.Fatalf("a refused action was stored: %+v", acts)
		}
		act, err := e.svc.RecordAction(e.ctx(), f, round.ID, in("2027-03-10", assessment.ActionPlanned), nil)
		if err != nil {
			t.Fatalf("today: %v", err)
		}

		// A month later the date has passed: the status still changes, the date stays.
		now = now.AddDate(0, 1, 0)
		oa, err := e.svc.UpdateAction(e.ctx(), f, act.ID, in("2027-03-10", assessment.ActionDone), nil)
		if err != nil || oa.Action.Status != assessment.ActionDone || oa.Action.DueString() != "2027-03-10" {
			t.Fatalf("status change on a passed date: %+v, %v", oa, err)
		}
		status := assessment.ActionInProgress
		if _, err := e.svc.UpdateAction(e.ctx(), f, act.ID, assessment.ActionInput{Status: &status}, nil); err != nil {
			t.Fatalf("status change without the date: %v", err)
		}
		_, err = e.svc.UpdateAction(e.ctx(), f, act.ID, in("2027-03-20", assessment.ActionDone), nil)
		if got := pastCode(err); got != assessment.CodePast {
			t.Errorf("moved to another passed date: due code %q, want %q", got, assessment.CodePast)
		}
		got, err := e.svc.Action(e.ctx(), f, act.ID)
		if err != nil || got.Action.DueString() != "2027-03-10" || got.Action.Status != assessment.ActionInProgress {
			t.Errorf("after the refused change: %+v, %v", got, err)
		}
	})
}
