package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
)

// A due date that has passed is refused on the action form (422, the error summary
// focused and leading to the date, everything typed kept) and through the API, with
// today taken from the service's clock; an action whose date has passed keeps it while
// its status changes, on the edit form and in a PATCH.
func TestPastDueDateRefused(t *testing.T) {
	e := newTestEnv(t)
	e.srv.svc.SetClock(func() time.Time { return time.Date(2027, 3, 10, 13, 0, 0, 0, time.UTC) })
	f := e.newFacilitator("due@example.org", "Dana")
	a := e.ownedAssessment(f, "Due dates")
	e.createResponse(e.completeBody(a.Code, "staff"))
	b := e.signedIn(f)
	page := "/assessments/" + strconv.FormatInt(a.ID, 10)

	form := url.Values{"text": {"Invite a partner to huddles"}, "lead": {"Nurse manager"}, "support": {"Parking"},
		"pillar": {"staff"}, "theme": {"influence"}, "due": {"2027-03-09"}, "status": {"planned"}}
	before := e.allTablesChecksum()
	rec := b.postForm(page+"/actions", form)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("yesterday's date: status %d, want 422", rec.Code)
	}
	if e.allTablesChecksum() != before {
		t.Fatal("a refused action changed the database")
	}
	body := rec.Body.String()
	if got := errorSummary(t, body); strings.Join(got, ",") != "action-due" {
		t.Errorf("error summary targets %v, want the date", got)
	}
	if !strings.Contains(body, `aria-labelledby="action-errors-title" autofocus`) {
		t.Error("the error summary is not focused")
	}
	e.assertText(t, body, "en", "field.past")
	for _, kept := range []string{"Invite a partner to huddles", "Nurse manager", "Parking", `value="2027-03-09"`, `<option value="staff" selected>`} {
		if !strings.Contains(body, kept) {
			t.Errorf("the form lost %q", kept)
		}
	}
	if !strings.Contains(body, `name="due" value="2027-03-09" class="date" aria-describedby="action-due-hint err-action-due" aria-invalid="true"`) {
		t.Error("the date field is not marked invalid with its message")
	}
	// In French too.
	if rec := b.postForm(page+"/actions?lang=fr", form); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("French: status %d", rec.Code)
	} else {
		e.assertText(t, rec.Body.String(), "fr", "field.past")
	}

	form.Set("due", "2027-03-10") // today
	if rec := b.postForm(page+"/actions", form); rec.Code != http.StatusSeeOther {
		t.Fatalf("today's date: status %d, want 303", rec.Code)
	}

	// An action agreed earlier whose date has now passed.
	passed := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	old := e.newAction(a, "Book the room")
	old.Due = &passed
	if err := e.store.UpdateActionIf(t.Context(), old, 0); err != nil {
		t.Fatal(err)
	}
	edit := url.Values{"text": {old.Text}, "lead": {old.Lead}, "support": {old.Support}, "pillar": {""}, "theme": {""},
		"due": {"2027-02-01"}, "status": {"done"}}
	actionURL := page + "/actions/" + strconv.FormatInt(old.ID, 10)
	if rec := b.postForm(actionURL, edit); rec.Code != http.StatusSeeOther {
		t.Fatalf("status change on a passed date: %d %s", rec.Code, rec.Body)
	}
	edit.Set("due", "2027-02-02")
	rec = b.postForm(actionURL, edit)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("moved to another passed date: status %d, want 422", rec.Code)
	}
	e.assertText(t, rec.Body.String(), "en", "field.past")
	if !strings.Contains(rec.Body.String(), `value="2027-02-02"`) {
		t.Error("the edit form lost the typed date")
	}
	for _, act := range e.storedActions(a.ID) {
		if act.ID == old.ID && (act.DueString() != "2027-02-01" || act.Status != assessment.ActionDone) {
			t.Errorf("after the edits: %+v", act)
		}
	}

	// The API follows the same rule.
	token, _ := e.newAPIToken(f, "script")
	rec = e.bearer(http.MethodPost, "/api/v1/assessments/"+strconv.FormatInt(a.ID, 10)+"/actions", token,
		map[string]any{"text": "Agreed in the API", "lead": "Olive", "due": "2027-03-01"})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("API, passed date: status %d %s", rec.Code, rec.Body)
	}
	if got := decodeAPIError(t, rec).Error.Fields["due"].Code; got != assessment.CodePast {
		t.Errorf("API, passed date: field code %q, want %q", got, assessment.CodePast)
	}
	apiAction := "/api/v1/actions/" + strconv.FormatInt(old.ID, 10)
	if rec := e.bearer(http.MethodPatch, apiAction, token, map[string]any{"status": "in_progress"}); rec.Code != http.StatusOK {
		t.Errorf("API, status change on a passed date: %d %s", rec.Code, rec.Body)
	}
	if rec := e.bearer(http.MethodPatch, apiAction, token, map[string]any{"due": "2027-02-01", "status": "done"}); rec.Code != http.StatusOK {
		t.Errorf("API, the passed date sent unchanged: %d %s", rec.Code, rec.Body)
	}
	rec = e.bearer(http.MethodPatch, apiAction, token, map[string]any{"due": "2027-03-09"})
	if rec.Code != http.StatusUnprocessableEntity || decodeAPIError(t, rec).Error.Fields["due"].Code != assessment.CodePast {
		t.Errorf("API, moved to a passed date: %d %s", rec.Code, rec.Body)
	}
}
