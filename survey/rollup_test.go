package survey_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
)

// submitted stores a submitted response of pillar to round id directly.
func (e *env) submitted(id int64, pillar string, answer assessment.Answer) {
	e.t.Helper()
	r := e.complete(pillar, answer, "We plan together")
	r.AssessmentID, r.Status = id, assessment.Submitted
	if err := e.db.Store.CreateResponse(e.ctx(), r, assessment.HashToken(assessment.NewResumeToken())); err != nil {
		e.t.Fatal(err)
	}
}

// The roll-up of a facilitator holds their teams, an admin's every team, a deactivated
// account's or nobody's none; each team's themes are its report's; downloading the
// workbook is in the activity trail.
func TestRollupUseCase(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin := e.facilitator("admin@example.org") // the first account: the admin
		ann := e.facilitator("ann@example.org")
		bob := e.facilitator("bob@example.org")
		if !admin.IsAdmin() || ann.IsAdmin() {
			t.Fatalf("roles: admin %q, ann %q", admin.Role, ann.Role)
		}
		annRound := e.round(ann, "Ann")
		e.submitted(annRound.ID, pillars.Staff, assessment.Yes)
		e.submitted(annRound.ID, pillars.Staff, assessment.Somewhat)
		e.submitted(annRound.ID, pillars.Leadership, assessment.No)
		bobRound := e.round(bob, "Bob")
		e.submitted(bobRound.ID, pillars.PatientPartners, assessment.No)
		for _, c := range []struct {
			f  *assessment.Facilitator
			id int64
		}{{ann, annRound.ID}, {bob, bobRound.ID}} {
			if _, err := e.svc.Close(e.ctx(), c.f, c.id, 0); err != nil {
				t.Fatal(err)
			}
		}

		teams := func(f *assessment.Facilitator) []int64 {
			t.Helper()
			r, err := e.svc.Rollup(e.ctx(), f, nil)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, team := range r.Teams {
				ids = append(ids, team.AssessmentID)
			}
			return ids
		}
		if got := teams(ann); !slices.Equal(got, []int64{annRound.ID}) {
			t.Errorf("ann's roll-up: %v", got)
		}
		if got := teams(admin); len(got) != 2 {
			t.Errorf("the admin's roll-up: %v", got)
		}
		gone := *ann
		now := time.Now()
		gone.DeactivatedAt = &now
		if got := teams(&gone); len(got) != 0 {
			t.Errorf("a deactivated account's roll-up: %v", got)
		}
		if got := teams(nil); len(got) != 0 {
			t.Errorf("nobody's roll-up: %v", got)
		}

		r, err := e.svc.Rollup(e.ctx(), ann, nil)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := e.svc.Report(e.ctx(), ann, annRound.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(r.Teams[0].Themes)
		want, _ := json.Marshal(rep.Team.Themes)
		if !bytes.Equal(got, want) {
			t.Errorf("ann's team themes\n%s\nher report's\n%s", got, want)
		}
		if r.Instrument == nil || len(r.Units) != 0 || r.Unit != nil {
			t.Errorf("roll-up: instrument %v, units %v, unit %v", r.Instrument, r.Units, r.Unit)
		}

		book, err := e.svc.RollupWorkbook(e.ctx(), ann, nil, locale.French)
		if err != nil || !bytes.HasPrefix(book, []byte("PK")) {
			t.Fatalf("workbook: %d bytes, %v", len(book), err)
		}
		events, err := e.db.Store.AuditEvents(e.ctx(), ann.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) == 0 || events[0].Action != assessment.AuditRollupExport || events[0].AssessmentID != nil {
			t.Errorf("ann's latest activity: %+v", events)
		}
	})
}
