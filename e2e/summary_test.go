package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/ecat-project/ecat/assessment"
)

// TestSummaryInBrowser: the team summary read through its link, with and without
// JavaScript, on a phone and a laptop, in English and French: axe-clean, no sideways
// scrolling, no withheld group's words; printed, no navigation and at most two pages of
// A4 or Letter, with body text of at least 11 pt.
func TestSummaryInBrowser(t *testing.T) {
	requireChrome(t)
	e := startECAT(t)
	seedReportResponses(t, e)
	ctx := context.Background()
	if _, err := e.store.SetAssessmentStatus(ctx, e.a.ID, assessment.Closed); err != nil {
		t.Fatal(err)
	}
	act := &assessment.Action{AssessmentID: e.a.ID, Text: "Co-design the orientation with two patient partners", Lead: "Unit manager", Status: assessment.ActionPlanned}
	if err := e.store.CreateAction(ctx, act); err != nil {
		t.Fatal(err)
	}
	sum, _, err := e.store.PublishSummary(ctx, e.a.ID, assessment.NewResumeToken())
	if err != nil {
		t.Fatal(err)
	}
	for _, vp := range []struct {
		name          string
		width, height int
		js            bool
		lang          string
	}{
		{"phone-nojs-fr", phoneWidth, phoneHeight, false, "fr"},
		{"phone", phoneWidth, phoneHeight, true, "en"},
		{"desktop", 1280, 800, true, "en"},
	} {
		t.Run(vp.name, func(t *testing.T) {
			bctx := newBrowser(t, vp.width, vp.height, vp.js)
			navigate(t, bctx, e.URL+"/s/"+sum.Token+"?lang="+vp.lang)
			wantH1 := e.msg("summary.heading", e.a.Title)
			if vp.lang == "fr" {
				wantH1 = "Ce que notre équipe a dit : " + e.a.Title
			}
			if got := domText(t, bctx, "h1"); got != wantH1 {
				t.Errorf("h1 = %q, want %q", got, wantH1)
			}
			if !vp.js {
				// Without JavaScript the page must read whole; axe itself needs scripts.
				if got := domText(t, bctx, "#agreed-heading"); got != "Ce que nous avons convenu de faire" {
					t.Errorf("without JavaScript: %q", got)
				}
				return
			}
			checkAxe(t, bctx, "summary")
			noHorizontalScroll(t, bctx, "summary", vp.width)
			if eval[bool](t, bctx, `document.documentElement.outerHTML.includes("SECRET-PP") || document.documentElement.outerHTML.includes("Leaders show up")`) {
				t.Error("the summary holds a respondent's words")
			}
			if !eval[bool](t, bctx, `document.body.innerText.includes("Co-design the orientation")`) {
				t.Error("the summary lacks the action agreed")
			}
			shot(t, bctx, "summary-"+vp.name)
			if vp.name != "desktop" {
				return
			}
			if _, err := chromedp.Call(bctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
				t.Fatalf("emulate print: %v", err)
			}
			for _, sel := range []string{"header nav", "footer"} {
				if v := visibilityOf(t, bctx, sel); v.Found && v.Visible {
					t.Errorf("print: %s is printed", sel)
				}
			}
			if pt := eval[float64](t, bctx, `parseFloat(getComputedStyle(document.querySelector("main p.lead")).fontSize) * 0.75`); pt < 11 {
				t.Errorf("printed body text %.1f pt, want at least 11", pt)
			}
			if _, err := chromedp.Call(bctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
				t.Fatalf("end print emulation: %v", err)
			}
			for _, paper := range papers {
				if n := pdfPages(t, bctx, paper.width, paper.height); n < 1 || n > 2 {
					t.Errorf("printed on %s the summary takes %d pages, want 1 or 2", paper.name, n)
				}
			}
		})
	}
}

// TestSummaryQuotesPageInBrowser: the page where the facilitator ticks the words the
// summary may quote is axe-clean and offers none ticked.
func TestSummaryQuotesPageInBrowser(t *testing.T) {
	requireChrome(t)
	e, setupURL := startFacilitatorECAT(t)
	ctx := newBrowser(t, 1280, 800, true)
	navigate(t, ctx, setupURL)
	createAccount(t, ctx, e) // adopts e.a
	seedReportResponses(t, e)
	if _, err := e.store.SetAssessmentStatus(context.Background(), e.a.ID, assessment.Closed); err != nil {
		t.Fatal(err)
	}
	navigate(t, ctx, fmt.Sprintf("%s/assessments/%d/summary/texts", e.URL, e.a.ID))
	checkAxe(t, ctx, "words to quote")
	if n := eval[int](t, ctx, `document.querySelectorAll('input[name="quote"]').length`); n < 7 {
		t.Errorf("%d words offered, want the shown groups' strengths and opportunities", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('input[name="quote"]:checked').length`); n != 0 {
		t.Errorf("%d words ticked before the facilitator chose any", n)
	}
	if eval[bool](t, ctx, `document.body.innerText.includes("SECRET-PP")`) {
		t.Error("a withheld group's words are offered")
	}
}
