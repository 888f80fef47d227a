package e2e

// The discussion on a projector: at 1920×1080 and 1280×720 every screen of every step
// fits the window with a team of fifteen in three groups (their own reflections in the
// round of insights, the heatmap as a screen of step 3), axe-clean; and where a screen
// does not fit (a phone), Page Down and Page Up scroll it before they move on.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"github.com/ecat-project/ecat/locale"
)

// fifteenStops are the screens of seedFifteen's discussion: its reflections give step 2
// a second screen.
var fifteenStops = []stop{{1, ""}, {2, "step-2-1"}, {2, "step-2-2"}, {3, "step-3-1"}, {3, "step-3-2"}, {3, "step-3-3"}, {3, "step-3-4"}, {4, ""}}

// fit is how a screen sits in the window.
type fit struct {
	ScrollHeight int `json:"scrollHeight"`
	Height       int `json:"height"`
	// Bottom is the lowest edge of anything shown, and Over names what reaches below
	// the window.
	Bottom float64  `json:"bottom"`
	Over   []string `json:"over"`
}

const fitJS = `(function(){
	var h = innerHeight, over = [], bottom = 0;
	document.querySelectorAll("main *, .stepper").forEach(function (e) {
		if (!e.checkVisibility()) return;
		var r = e.getBoundingClientRect();
		bottom = Math.max(bottom, r.bottom);
		if (r.bottom > h + 0.5 && over.length < 6) over.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + String(e.className).split(" ").join(".") : "") + " bottom=" + Math.round(r.bottom));
	});
	return {scrollHeight: document.documentElement.scrollHeight, height: h, bottom: bottom, over: over};
})()`

func TestDiscussionFitsTheScreen(t *testing.T) {
	requireChrome(t)
	for _, vp := range []struct {
		name          string
		width, height int
	}{
		{"1920x1080", 1920, 1080},
		{"1280x720", 1280, 720},
	} {
		t.Run(vp.name, func(t *testing.T) {
			ctx, e := openReport(t, seedFifteen, vp.width, vp.height, true)
			for _, lang := range []string{"en", "fr"} {
				navigate(t, ctx, e.discussionURL(false)+"?lang="+lang)
				if !waitJS(t, ctx, `document.body.classList.contains("one-step")`, 5*time.Second) {
					t.Fatal("discussion.js did not start")
				}
				for i, st := range fifteenStops {
					if i > 0 {
						// Every screen fits, so Page Down, what a clicker sends, moves on.
						press(t, ctx, kb.PageDown)
						expectStop(t, ctx, lang+": PageDown to #"+st.hash(), st, true)
					}
					f := eval[fit](t, ctx, fitJS)
					if f.ScrollHeight > f.Height || f.Bottom > float64(f.Height)+0.5 {
						t.Errorf("%s #%s: %d px tall in a %d px window; below it: %v", lang, st.hash(), f.ScrollHeight, f.Height, f.Over)
					}
					noHorizontalScroll(t, ctx, lang+" #"+st.hash(), vp.width)
					if lang == "en" {
						checkAxe(t, ctx, "projected #"+st.hash())
					}
					screenShot(t, ctx, lang+"-"+st.hash())
				}
			}

			// The round of insights shows the team's own words, each once with how many
			// wrote it; the third screen of step 3 is the heatmap of the groups shown.
			navigate(t, ctx, e.discussionURL(false)+"?lang=en#step-2-2")
			expectStop(t, ctx, "reflections by their link", fifteenStops[2], true)
			if got := domText(t, ctx, ".screen:has(#step-2-2)"); !strings.Contains(got, e.msg("discussion.screen_reflections")) ||
				!strings.Contains(got, e.msg("report.written_by", 2)) {
				t.Errorf("the reflections screen says %q", got)
			}
			for _, p := range e.in.Pillars {
				if got := domText(t, ctx, ".screen:has(#step-2-2)"); !strings.Contains(got, p.Title.In(locale.English)) {
					t.Errorf("no reflections of %s", p.Key)
				}
			}
			navigate(t, ctx, e.discussionURL(false)+"?lang=en#step-3")
			expectStop(t, ctx, "heatmap by its step's link", fifteenStops[3], true)
			if n := eval[int](t, ctx, `document.querySelectorAll(".screen:has(#step-3-1) table.heat tbody tr").length`); n != len(e.in.Themes) {
				t.Errorf("the heatmap has %d rows, want a theme each (%d)", n, len(e.in.Themes))
			}
			if n := eval[int](t, ctx, `document.querySelectorAll(".screen:has(#step-3-1) table.heat thead th").length`); n != len(e.in.Pillars)+3 {
				t.Errorf("the heatmap has %d columns, want theme, %d groups, team and gap", n, len(e.in.Pillars))
			}
		})
	}
}

// TestDiscussionPageDownScrolls: on a window too small for a screen, Page Down scrolls it
// to its end before moving on, and Page Up scrolls back before going back; the arrows
// move at once.
func TestDiscussionPageDownScrolls(t *testing.T) {
	requireChrome(t)
	ctx, e := openReport(t, seedFifteen, phoneWidth, phoneHeight, true)
	navigate(t, ctx, e.discussionURL(false)+"#step-3-2")
	cards, next := fifteenStops[4], fifteenStops[5]
	expectStop(t, ctx, "pillar cards by their link", cards, true)
	f := eval[fit](t, ctx, fitJS)
	if f.ScrollHeight <= f.Height {
		t.Fatalf("the pillar cards fit a %d px window (%d px): the test needs a screen that does not", f.Height, f.ScrollHeight)
	}
	scrollY := func() int { return eval[int](t, ctx, `Math.round(scrollY)`) }
	press(t, ctx, kb.PageDown)
	if !waitJS(t, ctx, `scrollY > 0`, 3*time.Second) {
		t.Fatal("Page Down did not scroll the screen")
	}
	expectStop(t, ctx, "after one Page Down", cards, true)
	presses := 1 + pageDownToNext(t, ctx, cards)
	expectStop(t, ctx, "Page Down at the end of the screen", next, true)
	if presses < 3 {
		t.Errorf("moved on after %d Page Down: the screen was not scrolled to its end first", presses)
	}
	if y := scrollY(); y != 0 {
		t.Errorf("the next screen opens scrolled by %d px", y)
	}
	// From the top of a screen, Page Up goes back; lower down, it scrolls up first.
	press(t, ctx, kb.PageUp)
	expectStop(t, ctx, "Page Up at the top", cards, true)
	press(t, ctx, kb.PageDown)
	waitJS(t, ctx, `scrollY > 0`, 2*time.Second)
	press(t, ctx, kb.PageUp)
	waitJS(t, ctx, `scrollY === 0`, 2*time.Second)
	expectStop(t, ctx, "Page Up lower down", cards, true)
	// The arrows move at once, scrolled or not.
	press(t, ctx, kb.PageDown)
	waitJS(t, ctx, `scrollY > 0`, 2*time.Second)
	press(t, ctx, kb.ArrowRight)
	expectStop(t, ctx, "ArrowRight while scrolled", next, true)
}

// pageDownToNext presses Page Down, a press at a time (each one's scrolling seen before
// the next), until the view leaves the screen from; it returns how many presses it took.
func pageDownToNext(t *testing.T, ctx context.Context, from stop) int {
	t.Helper()
	at := fmt.Sprintf(`location.hash === "#%s"`, from.hash())
	presses := 0
	for ; presses < 40 && eval[bool](t, ctx, at); presses++ {
		before := eval[int](t, ctx, `Math.round(scrollY)`)
		press(t, ctx, kb.PageDown)
		waitJS(t, ctx, fmt.Sprintf(`Math.round(scrollY) !== %d || !(%s)`, before, at), 2*time.Second)
	}
	return presses
}
