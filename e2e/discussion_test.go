package e2e

// The team discussion in a real browser: the projected view on a phone and a laptop
// screen with JavaScript (one step at a time, moved by keyboard only, countdowns announced
// politely, axe-clean at every step), the same view without JavaScript (every step, one
// after another), and the handout (axe-clean, printing hides the links and fits one A4 and
// one Letter page).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
)

// openDiscussion starts a server with the report seed (leadership and staff shown, the
// patient partners withheld), signs in as the owner in a new browser and returns the
// browser and the server. The caller navigates.
func openDiscussion(t *testing.T, width, height int, js bool) (context.Context, *ecatServer) {
	t.Helper()
	e, setupURL := startFacilitatorECAT(t)
	seedReportResponses(t, e)
	ctx := newBrowser(t, width, height, js)
	navigate(t, ctx, setupURL)
	createAccount(t, ctx, e) // adopts e.a
	return ctx, e
}

func (e *ecatServer) discussionURL(handout bool) string {
	u := fmt.Sprintf("%s/assessments/%d/discussion", e.URL, e.a.ID)
	if handout {
		u += "/handout"
	}
	return u
}

// press sends one key, as a keyboard does, to whatever has focus.
func press(t *testing.T, ctx context.Context, key string, mods ...chromedp.Modifier) {
	t.Helper()
	var opts []chromedp.KeyOption
	if len(mods) > 0 {
		opts = append(opts, chromedp.KeyModifiers(mods...))
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(key, opts...)); err != nil {
		t.Fatalf("press %q: %v", key, err)
	}
}

// stepState is what the view shows: the steps on screen, the screens of the step shown
// (by their heading's id), the focused element and the agenda link marked current.
type stepState struct {
	Visible []string `json:"visible"`
	Screens []string `json:"screens"`
	Focus   string   `json:"focus"`
	Current string   `json:"current"`
}

const stepStateJS = `(function(){
	var a = document.activeElement, cur = document.querySelector('.agenda a[aria-current="step"]');
	return {
		visible: Array.from(document.querySelectorAll("section.step")).filter(s => s.checkVisibility()).map(s => s.getAttribute("aria-labelledby")),
		screens: Array.from(document.querySelectorAll("section.step .screen")).filter(s => s.checkVisibility()).map(s => s.querySelector("h3").id),
		focus: a ? (a.id || a.tagName.toLowerCase() + (a.textContent ? ":" + a.textContent.trim() : "")) : "",
		current: cur ? cur.getAttribute("href") : ""
	};
})()`

// stop is one screen of the discussion with JavaScript: a step, or one screen of a step
// that has several. The first screen of a step is named by the step (#step-N), the
// others by their own id (#step-N-k).
type stop struct {
	step   int
	screen string // "" for a step without screens
}

func (s stop) hash() string {
	if s.screen == "" || strings.HasSuffix(s.screen, "-1") {
		return fmt.Sprintf("step-%d", s.step)
	}
	return s.screen
}

// reportSeedStops are the screens of the report seed's discussion (no reflections, so
// step 2 has only its questions).
var reportSeedStops = []stop{{1, ""}, {2, "step-2-1"}, {3, "step-3-1"}, {3, "step-3-2"}, {3, "step-3-3"}, {3, "step-3-4"}, {4, ""}}

// expectStop fails unless that screen alone is on screen, its heading has focus (when
// focused), the agenda marks its step current and the location names it.
func expectStop(t *testing.T, ctx context.Context, what string, s stop, focused bool) {
	t.Helper()
	want := fmt.Sprintf("step-%d", s.step)
	screens := "[]"
	if s.screen != "" {
		screens = fmt.Sprintf("[%q]", s.screen)
	}
	focus := map[bool]string{true: fmt.Sprintf(` && st.focus===%q`, map[bool]string{true: want, false: s.screen}[s.hash() == want]), false: ""}[focused]
	ok := waitJS(t, ctx, fmt.Sprintf(`(function(){var st=%s; return st.visible.length===1 && st.visible[0]===%q && JSON.stringify(st.screens)===%q && st.current==="#%s"%s;})()`,
		stepStateJS, want, screens, want, focus), 3*time.Second)
	if !ok {
		st := eval[stepState](t, ctx, stepStateJS)
		t.Fatalf("%s: visible %v, screens %v, focus %q, current %q; want %s alone (screen %q), focused=%v", what, st.Visible, st.Screens, st.Focus, st.Current, want, s.screen, focused)
	}
	if h := eval[string](t, ctx, `location.hash`); h != "#"+s.hash() {
		t.Errorf("%s: location hash %q, want #%s", what, h, s.hash())
	}
}

// expectStep fails unless step n alone is on screen, its heading has focus (when
// focused) and the agenda marks it current.
func expectStep(t *testing.T, ctx context.Context, what string, n int, focused bool) {
	t.Helper()
	want := fmt.Sprintf("step-%d", n)
	var s stepState
	ok := waitJS(t, ctx, fmt.Sprintf(`(function(){var s=%s; return s.visible.length===1 && s.visible[0]===%q && s.current==="#%s"%s;})()`,
		stepStateJS, want, want, map[bool]string{true: fmt.Sprintf(` && s.focus===%q`, want), false: ""}[focused]), 3*time.Second)
	if !ok {
		s = eval[stepState](t, ctx, stepStateJS)
		t.Fatalf("%s: visible %v, focus %q, current %q; want %s alone, focused=%v", what, s.Visible, s.Focus, s.Current, want, focused)
	}
	if h := eval[string](t, ctx, `location.hash`); h != "#"+want {
		t.Errorf("%s: location hash %q, want #%s", what, h, want)
	}
}

// tabTo presses Tab until the element matching sel has focus (at most 40 times).
func tabTo(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	for range 40 {
		if eval[bool](t, ctx, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, sel)) {
			return
		}
		press(t, ctx, kb.Tab)
	}
	t.Fatalf("Tab never reached %s; focus is on %s", sel, eval[string](t, ctx, `document.activeElement.outerHTML.slice(0, 120)`))
}

func announced(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `document.getElementById("announce").textContent`)
}

// TestDiscussionInBrowser runs the discussion with JavaScript and the keyboard alone on
// a phone and a laptop screen.
func TestDiscussionInBrowser(t *testing.T) {
	requireChrome(t)
	for _, vp := range []struct {
		name          string
		width, height int
	}{
		{"phone", phoneWidth, phoneHeight},
		{"desktop", 1280, 800},
	} {
		t.Run(vp.name, func(t *testing.T) {
			ctx, e := openDiscussion(t, vp.width, vp.height, true)
			navigate(t, ctx, e.discussionURL(false))
			if got, want := domText(t, ctx, "h1"), e.msg("discussion.heading", e.a.Title); got != want {
				t.Errorf("h1 = %q, want %q", got, want)
			}
			if !waitJS(t, ctx, `document.body.classList.contains("one-step")`, 5*time.Second) {
				t.Fatal("discussion.js did not start")
			}
			expectStep(t, ctx, "on arrival", 1, false)
			if eval[bool](t, ctx, `document.documentElement.outerHTML.includes("SECRET-PP")`) {
				t.Error("the page holds a withheld group's text")
			}
			ppTitle := e.in.Pillar(pillars.PatientPartners).Title.In(locale.English)
			if got := domText(t, ctx, "#withheld"); !strings.Contains(got, ppTitle) {
				t.Errorf("the framing's withheld notice %q does not name %q", got, ppTitle)
			}
			for _, sel := range []string{".stepper", "section.step:not([hidden]) .timer"} {
				if v := visibilityOf(t, ctx, sel); !v.Visible {
					t.Errorf("%s is %+v, want it shown with JavaScript", sel, v)
				}
			}

			// Every screen, reached with the Right arrow: alone, its heading focused,
			// axe-clean, no sideways scrolling.
			stops := reportSeedStops
			last := len(stops) - 1
			for i, st := range stops {
				if i > 0 {
					press(t, ctx, kb.ArrowRight)
					expectStop(t, ctx, "ArrowRight to #"+st.hash(), st, true)
				}
				checkAxe(t, ctx, "discussion #"+st.hash())
				noHorizontalScroll(t, ctx, "discussion #"+st.hash(), vp.width)
				shot(t, ctx, st.hash())
			}
			press(t, ctx, kb.ArrowRight)
			expectStop(t, ctx, "ArrowRight on the last step", stops[last], true)
			if !eval[bool](t, ctx, `document.querySelector('[data-step="1"]').disabled`) {
				t.Error("Next is enabled on the last step")
			}
			press(t, ctx, kb.ArrowLeft)
			expectStop(t, ctx, "ArrowLeft", stops[last-1], true)
			// Page Up from the top of a screen goes back, as a clicker expects.
			press(t, ctx, kb.PageUp)
			expectStop(t, ctx, "PageUp", stops[last-2], true)
			// Page Down goes on once the screen has nothing more to show below.
			pageDownToNext(t, ctx, stops[last-2])
			expectStop(t, ctx, "PageDown", stops[last-1], true)
			press(t, ctx, kb.ArrowRight, chromedp.ModifierAlt) // the browser's, not ours
			expectStop(t, ctx, "Alt+ArrowRight", stops[last-1], true)

			// The Next and Previous buttons, reached with Tab and pressed with Enter and Space.
			tabTo(t, ctx, `[data-step="1"]`)
			press(t, ctx, kb.Enter)
			expectStop(t, ctx, "Next with Enter", stops[last], true)
			tabTo(t, ctx, `[data-step="-1"]`)
			press(t, ctx, " ")
			expectStop(t, ctx, "Previous with Space", stops[last-1], true)

			// A link of the step navigation, followed with Enter.
			press(t, ctx, kb.Tab, chromedp.ModifierShift) // back out of the step heading
			for range 40 {
				if eval[bool](t, ctx, `document.activeElement.matches('.agenda a[href="#step-1"]')`) {
					break
				}
				press(t, ctx, kb.Tab, chromedp.ModifierShift)
			}
			press(t, ctx, kb.Enter)
			expectStep(t, ctx, "agenda link with Enter", 1, true)

			// The countdown of step 2: started, paused and reset from the keyboard.
			// Announcements are polite and few: not one every second.
			press(t, ctx, kb.ArrowRight)
			expectStep(t, ctx, "to step 2", 2, true)
			if got := domText(t, ctx, "#announce"); got != "" {
				t.Errorf("announced %q before anything happened", got)
			}
			if live := attrs(t, ctx, "#announce"); live["aria-live"] != "polite" {
				t.Errorf("live region %v, want aria-live=polite", live)
			}
			clock := `section.step:not([hidden]) .clock`
			toggle := `section.step:not([hidden]) [data-toggle]`
			if got := eval[string](t, ctx, `document.querySelector("`+clock+`").textContent`); got != "8:00" {
				t.Errorf("step 2 clock %q, want 8:00", got)
			}
			tabTo(t, ctx, toggle)
			press(t, ctx, kb.Enter)
			if got, want := announced(t, ctx), "Timer started: 8 min left."; got != want {
				t.Errorf("announced %q, want %q", got, want)
			}
			if got := eval[string](t, ctx, `document.querySelector("`+toggle+`").textContent`); got != e.msg("discussion.pause") {
				t.Errorf("running timer's button says %q, want %q", got, e.msg("discussion.pause"))
			}
			time.Sleep(2500 * time.Millisecond)
			ticked := eval[string](t, ctx, `document.querySelector("`+clock+`").textContent`)
			if ticked != "7:58" && ticked != "7:57" {
				t.Errorf("after 2.5 s the clock shows %q, want 7:58 or 7:57", ticked)
			}
			if got := announced(t, ctx); got != "Timer started: 8 min left." {
				t.Errorf("the running timer announced %q: it should stay quiet between milestones", got)
			}
			press(t, ctx, kb.Enter) // focus stays on the toggle
			paused := eval[string](t, ctx, `document.querySelector("`+clock+`").textContent`)
			if got := announced(t, ctx); !regexp.MustCompile(`^Timer paused: 7 min 5\d s left\.$`).MatchString(got) {
				t.Errorf("announced %q on pause", got)
			}
			time.Sleep(1200 * time.Millisecond)
			if got := eval[string](t, ctx, `document.querySelector("`+clock+`").textContent`); got != paused {
				t.Errorf("paused clock moved from %s to %s", paused, got)
			}
			press(t, ctx, kb.Tab)
			if !eval[bool](t, ctx, `document.activeElement.matches("section.step:not([hidden]) [data-reset]")`) {
				t.Fatalf("Tab after the toggle went to %s", eval[string](t, ctx, `document.activeElement.outerHTML.slice(0, 120)`))
			}
			press(t, ctx, kb.Enter)
			if got := eval[string](t, ctx, `document.querySelector("`+clock+`").textContent`); got != "8:00" {
				t.Errorf("after reset the clock shows %q", got)
			}
			if got, want := announced(t, ctx), "Timer reset to 8 min."; got != want {
				t.Errorf("announced %q, want %q", got, want)
			}

			// Leaving a step pauses its countdown.
			tabTo(t, ctx, toggle)
			press(t, ctx, kb.Enter)
			press(t, ctx, kb.ArrowRight)
			expectStop(t, ctx, "away from a running countdown", stops[2], true)
			if got := announced(t, ctx); !strings.HasPrefix(got, "Timer paused:") {
				t.Errorf("leaving step 2 announced %q, want its timer paused", got)
			}
			press(t, ctx, kb.ArrowLeft)
			expectStep(t, ctx, "back to step 2", 2, true)
			if got := eval[string](t, ctx, `document.querySelector("`+toggle+`").textContent`); got != e.msg("discussion.start") {
				t.Errorf("step 2's timer button says %q after leaving the step, want %q", got, e.msg("discussion.start"))
			}

			// One minute left, and time up: the page's clock is moved on, as a fake
			// clock would, rather than waiting eight minutes.
			tabTo(t, ctx, toggle)
			press(t, ctx, kb.Enter)
			eval[bool](t, ctx, `(function(){var real = Date.now.bind(Date); window.__skip = 0; Date.now = function(){ return real() + window.__skip; }; return true;})()`)
			eval[int](t, ctx, `window.__skip = 7 * 60 * 1000 + 5000`)
			if !waitJS(t, ctx, `document.getElementById("announce").textContent === "One minute left in this step."`, 3*time.Second) {
				t.Errorf("at 55 s left announced %q", announced(t, ctx))
			}
			eval[int](t, ctx, `window.__skip = 9 * 60 * 1000`)
			if !waitJS(t, ctx, `document.getElementById("announce").textContent === "Time is up for this step."`, 3*time.Second) {
				t.Errorf("at the end announced %q", announced(t, ctx))
			}
			if got := eval[string](t, ctx, `document.querySelector("`+clock+`").textContent`); got != "0:00" {
				t.Errorf("at the end the clock shows %q", got)
			}
			shot(t, ctx, "time-up")

			// Step 4 links to the action plan.
			for range 5 {
				press(t, ctx, kb.ArrowRight)
			}
			expectStop(t, ctx, "to step 4", stops[last], true)
			if got, want := attrs(t, ctx, "section.step:not([hidden]) a.button")["href"], fmt.Sprintf("/assessments/%d?lang=en#actions", e.a.ID); got != want {
				t.Errorf("action plan link %q, want %q", got, want)
			}
		})
	}
}

// TestDiscussionWithoutJavaScript: every step shows, one after another, each a heading
// with its id and time box; the step navigation links to them; the controls that need
// JavaScript stay hidden. Read through the DOM domain, except visibility.
func TestDiscussionWithoutJavaScript(t *testing.T) {
	requireChrome(t)
	ctx, e := openDiscussion(t, phoneWidth, phoneHeight, false)
	navigate(t, ctx, e.discussionURL(false))
	timeBoxes := []string{"2 min", "6–8 min", "5 min", "5 min"}
	titles := []string{"discussion.step_framing", "discussion.step_insights", "discussion.step_themes", "discussion.step_decide"}
	for i := range 4 {
		n := i + 1
		if got, want := domText(t, ctx, fmt.Sprintf("h2#step-%d", n)), fmt.Sprintf("%d. %s", n, e.msg(titles[i])); got != want {
			t.Errorf("step %d heading %q, want %q", n, got, want)
		}
		if got, want := domText(t, ctx, fmt.Sprintf(`section[aria-labelledby="step-%d"] .timebox`, n)), e.msg("discussion.timebox", timeBoxes[i]); got != want {
			t.Errorf("step %d time box %q, want %q", n, got, want)
		}
		if got := attrs(t, ctx, fmt.Sprintf(".agenda li:nth-child(%d) a", n))["href"]; got != fmt.Sprintf("#step-%d", n) {
			t.Errorf("agenda link %d goes to %q", n, got)
		}
		if v := visibilityOf(t, ctx, fmt.Sprintf(`section[aria-labelledby="step-%d"]`, n)); !v.Visible {
			t.Errorf("step %d is %+v without JavaScript, want it shown", n, v)
		}
	}
	for _, sel := range []string{".stepper", ".timer"} {
		if v := visibilityOf(t, ctx, sel); !v.Found || v.Visible {
			t.Errorf("%s is %+v without JavaScript, want it present and hidden", sel, v)
		}
	}
	if got := attrs(t, ctx, "body")["class"]; got != "projected" {
		t.Errorf("body class %q: the script ran", got)
	}
	ppTitle := e.in.Pillar(pillars.PatientPartners).Title.In(locale.English)
	if got := domText(t, ctx, "#withheld"); !strings.Contains(got, ppTitle) {
		t.Errorf("withheld notice %q does not name %q", got, ppTitle)
	}
	if got := domText(t, ctx, "main"); strings.Contains(got, "SECRET-PP") {
		t.Error("the page shows a withheld group's text")
	}
	if got := domText(t, ctx, `section[aria-labelledby="step-3"]`); !strings.Contains(got, "Leaders show up at huddles (0).") {
		t.Errorf("step 3 lacks the leadership verbatim: %s", got)
	}
	noHorizontalScroll(t, ctx, "discussion without JavaScript", phoneWidth)
	shot(t, ctx, "nojs")
}

// seedCrowdedHandout fills the server's assessment so that every list of the handout is
// as full as it gets: all three groups shown, each naming one strength and one
// opportunity theme in long texts (cut to the longest verbatim kept), many contrasts,
// gaps between every pair of pillars and many Unknown answers.
func seedCrowdedHandout(t *testing.T, e *ecatServer) {
	t.Helper()
	// The first text of a theme is cut to the longest verbatim kept; the second is as
	// long as still fits beside it.
	long := func(kind, pillar string, k int) string {
		s := fmt.Sprintf("%s %d of %s: ", kind, k, pillar)
		if k%2 == 1 {
			return s + "partners shape the agenda with us from the very first meeting."
		}
		return s + strings.Repeat("partners shape the agenda with us from the very first meeting, ", 6)
	}
	answer := map[string]func(k, j int) assessment.Answer{
		pillars.Leadership: func(k, j int) assessment.Answer {
			if j%4 == 0 {
				return assessment.Unknown
			}
			return assessment.Yes
		},
		pillars.Staff: func(k, j int) assessment.Answer { return []assessment.Answer{assessment.Yes, assessment.No}[k%2] },
		pillars.PatientPartners: func(k, j int) assessment.Answer {
			return []assessment.Answer{assessment.No, assessment.Unknown, assessment.Somewhat}[(j+k)%3]
		},
	}
	for _, p := range e.in.Pillars {
		for k := range 4 {
			answers := map[string]string{}
			for j, it := range p.Items() {
				answers[it.ID] = string(answer[p.Key](k, j))
			}
			postJSON(t, e, map[string]any{
				"code": e.a.Code, "pillar": p.Key, "language": "en", "answers": answers, "reflections": map[string]string{},
				"strength":    map[string]string{"text": long("Strength", p.Key, k), "theme": "relationships"},
				"opportunity": map[string]string{"text": long("Opportunity", p.Key, k), "theme": "influence"},
				"submit":      true,
			})
		}
	}
}

// postJSON sends a response through the respondents' API.
func postJSON(t *testing.T, e *ecatServer, body map[string]any) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(e.URL+"/api/v1/responses", "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("POST /api/v1/responses: %v", err)
	}
	defer closeBody(t, resp.Body)
	if out, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/responses: status %d, body %s", resp.StatusCode, out)
	}
}

// papers are the sizes the handout must fit, in inches.
var papers = []struct {
	name          string
	width, height float64
}{{"A4", 8.27, 11.69}, {"Letter", 8.5, 11}}

// pdfPages prints the page to PDF on paper of the given size (inches) and counts its
// pages.
func pdfPages(t *testing.T, ctx context.Context, width, height float64) int {
	t.Helper()
	res, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PaperWidth: width, PaperHeight: height})
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	pdf := res.Data
	if dir := os.Getenv(envScreenshots); dir != "" {
		name := regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(fmt.Sprintf("%s-%.2fx%.2f", t.Name(), width, height), "_")
		if err := os.WriteFile(filepath.Join(dir, name+".pdf"), pdf, 0o644); err != nil {
			t.Errorf("keep the PDF: %v", err)
		}
	}
	return len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
}

// TestHandoutInBrowser: the handout is axe-clean on a phone and a laptop; printed, it
// hides its links and hint, keeps the four steps and fits one A4 page and one Letter page.
func TestHandoutInBrowser(t *testing.T) {
	requireChrome(t)
	for _, vp := range []struct {
		name          string
		width, height int
	}{
		{"phone", phoneWidth, phoneHeight},
		{"desktop", 1280, 800},
	} {
		t.Run(vp.name, func(t *testing.T) {
			ctx, e := openDiscussion(t, vp.width, vp.height, true)
			navigate(t, ctx, e.discussionURL(true))
			if got, want := domText(t, ctx, "h1"), e.msg("handout.heading", e.a.Title); got != want {
				t.Errorf("h1 = %q, want %q", got, want)
			}
			checkAxe(t, ctx, "handout")
			noHorizontalScroll(t, ctx, "handout", vp.width)
			if eval[bool](t, ctx, `document.documentElement.outerHTML.includes("SECRET-PP")`) {
				t.Error("the handout holds a withheld group's text")
			}
			shot(t, ctx, "handout")

			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
				t.Fatalf("emulate print: %v", err)
			}
			if !eval[bool](t, ctx, `matchMedia("print").matches`) {
				t.Fatal("print media not in effect")
			}
			for _, sel := range []string{"nav.disc-bar", ".print-hint", "main .no-print"} {
				if v := visibilityOf(t, ctx, sel); !v.Found || v.Visible {
					t.Errorf("print: %s is %+v, want it present and hidden", sel, v)
				}
			}
			if v := visibilityOf(t, ctx, "nav.disc-bar"); v.Display != "none" {
				t.Errorf("print: navigation display %q, want none", v.Display)
			}
			for _, sel := range []string{"h1", "#step-1", "#step-2", "#step-3", "#step-4", "table.plan", ".pillar q"} {
				if v := visibilityOf(t, ctx, sel); !v.Visible {
					t.Errorf("print: %s is %+v, want it printed", sel, v)
				}
			}
			shot(t, ctx, "handout-print")
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
				t.Fatalf("end print emulation: %v", err)
			}
			if vp.name == "desktop" {
				for _, paper := range papers {
					if n := pdfPages(t, ctx, paper.width, paper.height); n < 1 || n > 2 {
						t.Errorf("printed on %s the handout takes %d pages, want one or two", paper.name, n)
					}
				}
			}
		})
	}
}

// TestHandoutReadableOnTwoPages: with every list as full as it gets (three groups shown,
// long verbatims, many contrasts, gaps and Unknown answers), the handout prints on at most
// two A4 pages and two Letter pages, in English and in French (the longer language), in
// type of at least 9 pt, with nothing cut off: every quote, finding and heading on the
// page is in the PDF.
func TestHandoutReadableOnTwoPages(t *testing.T) {
	requireChrome(t)
	e, setupURL := startFacilitatorECAT(t)
	seedCrowdedHandout(t, e)
	ctx := newBrowser(t, 1280, 800, true)
	navigate(t, ctx, setupURL)
	createAccount(t, ctx, e)
	for _, lang := range []string{"en", "fr"} {
		navigate(t, ctx, e.discussionURL(true)+"?lang="+lang)
		if n := eval[int](t, ctx, `document.querySelectorAll(".pillar").length`); n != 3 {
			t.Fatalf("%s: %d pillar cards, want all three", lang, n)
		}
		for _, sel := range []string{"#step-3 ~ .cols .findings li:nth-child(3)", ".pillar q"} {
			if v := visibilityOf(t, ctx, sel); !v.Visible {
				t.Fatalf("%s: %s is %+v: the seed should fill the lists", lang, sel, v)
			}
		}
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
			t.Fatalf("emulate print: %v", err)
		}
		// 9 pt is 12 CSS pixels.
		small := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("main *")).filter(e => e.checkVisibility() &&
			Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim()) && parseFloat(getComputedStyle(e).fontSize) < 12)
			.slice(0, 5).map(e => e.tagName + "." + e.className + " " + getComputedStyle(e).fontSize)`)
		if len(small) > 0 {
			t.Errorf("%s: printed smaller than 9 pt: %v", lang, small)
		}
		texts := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("main h1, main h2, main h3, .pillar q, .findings li, .cues li, table.plan th"))
			.filter(e => e.checkVisibility()).map(e => e.textContent)`)
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
			t.Fatalf("end print emulation: %v", err)
		}
		for _, paper := range papers {
			pages := pdfPageTexts(t, printPDFOn(t, ctx, lang+"-"+paper.name, paper.width, paper.height))
			if len(pages) < 1 || len(pages) > 2 {
				t.Errorf("%s on %s: the handout takes %d pages, want one or two", lang, paper.name, len(pages))
			}
			// Compared without spaces: a line may break after a hyphen ("s'est-|il").
			squeeze := func(s string) string { return strings.Join(strings.Fields(pdfWords(s)), "") }
			all := squeeze(strings.Join(pages, " "))
			for _, text := range texts {
				if !strings.Contains(all, squeeze(text)) {
					t.Errorf("%s on %s: %q is not printed whole", lang, paper.name, pdfWords(text))
				}
			}
		}
	}
}
