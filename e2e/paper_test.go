package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ecat-project/ecat/assessment"
)

// TestPaperEntryByKeyboard: a facilitator copies a paper checklist with the keyboard
// only — arrow keys choose each statement's answer, Tab moves on, the texts are typed,
// Enter saves — and the response is stored as submitted, marked as paper; the pages are
// axe-clean.
func TestPaperEntryByKeyboard(t *testing.T) {
	requireChrome(t)
	e, setupURL := startFacilitatorECAT(t)
	ctx := newBrowser(t, 1280, 800, true)
	navigate(t, ctx, setupURL)
	createAccount(t, ctx, e)
	list := fmt.Sprintf("%s/assessments/%d/paper", e.URL, e.a.ID)
	navigate(t, ctx, list)
	checkAxe(t, ctx, "paper entries")
	expectStatus(t, "pick staff", clickAndLoad(t, ctx, `a[href$="/paper?pillar=staff"]`).Status, http.StatusOK)
	checkAxe(t, ctx, "paper form")

	staff := e.staff(t)
	items := staff.Items()
	// The keyboard starts on the first statement's first answer.
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#"+radioID(items[0].ID, assessment.Answers[0])))); err != nil {
		t.Fatal(err)
	}
	want := map[string]assessment.Answer{}
	for i, it := range items {
		// Space selects the focused answer; each ArrowRight moves to the next one and
		// selects it (the answers are one radio group per statement).
		press(t, ctx, " ")
		for range i % len(assessment.Answers) {
			press(t, ctx, kb.ArrowRight)
		}
		want[it.ID] = assessment.Answers[i%len(assessment.Answers)]
		press(t, ctx, kb.Tab) // the next statement, then the reflections
	}
	for range staff.Reflections {
		press(t, ctx, kb.Tab)
	}
	// The strength: its text, then its theme with the arrow keys.
	if got := eval[string](t, ctx, `document.activeElement.id`); got != "strength-text" {
		t.Fatalf("after the statements and reflections the focus is on %q, want strength-text", got)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent("Partners co-chair our council.")); err != nil {
		t.Fatal(err)
	}
	press(t, ctx, kb.Tab)
	press(t, ctx, kb.ArrowDown)
	press(t, ctx, kb.Tab)
	if err := chromedp.Do(ctx, chromedp.KeyEvent("Share results with everyone.")); err != nil {
		t.Fatal(err)
	}
	press(t, ctx, kb.Tab)
	press(t, ctx, kb.ArrowDown)
	press(t, ctx, kb.Tab) // the "complete" button
	if got := eval[string](t, ctx, `document.activeElement.value`); got != "submit" {
		t.Fatalf("the focus is on %q, want the button that saves a complete response", got)
	}
	press(t, ctx, kb.Enter)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && eval[string](t, ctx, `location.search`) != "?done=entered" {
		time.Sleep(100 * time.Millisecond)
	}
	if got := eval[string](t, ctx, `location.search`); got != "?done=entered" {
		t.Fatalf("after Enter the page is %q", got)
	}
	checkAxe(t, ctx, "paper entries after one")
	entries, err := e.store.PaperResponses(context.Background(), e.a.ID)
	if err != nil || len(entries) != 1 || entries[0].Status != assessment.Submitted {
		t.Fatalf("stored paper entries %+v (%v), want one submitted", entries, err)
	}
	r, err := e.store.PaperResponse(context.Background(), e.a.ID, entries[0].Ref)
	if err != nil {
		t.Fatal(err)
	}
	for id, a := range want {
		if r.Answers[id] != a {
			t.Errorf("%s stored %q, typed %q", id, r.Answers[id], a)
		}
	}
	if r.Strength.Text != "Partners co-chair our council." || r.Opportunity.Text != "Share results with everyone." || r.Strength.Theme == "" {
		t.Errorf("texts stored %+v %+v", r.Strength, r.Opportunity)
	}
}
