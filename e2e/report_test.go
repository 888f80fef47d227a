package e2e

// The team report in a real browser: on a phone and a laptop screen with JavaScript
// (axe-core, no sideways scrolling, print styles), and on a phone without it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
)

// postResponse answers one pillar's checklist through the respondents' API.
func postResponse(t *testing.T, e *ecatServer, code, pillar string, k int, submit bool, strength string) {
	t.Helper()
	p := e.in.Pillar(pillar)
	answers := map[string]string{}
	for j, it := range p.Items() {
		answers[it.ID] = string(assessment.Answers[(k*j+k+2*j)%len(assessment.Answers)])
	}
	body, err := json.Marshal(map[string]any{
		"code": code, "pillar": pillar, "language": "en",
		"answers": answers, "reflections": map[string]string{},
		"strength":    map[string]string{"text": strength, "theme": e.in.Themes[k%len(e.in.Themes)].Key},
		"opportunity": map[string]string{"text": fmt.Sprintf("Opportunity %d of %s: close the loop with partners.", k, pillar), "theme": e.in.Themes[(k+2)%len(e.in.Themes)].Key},
		"submit":      submit,
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(e.URL+"/api/v1/responses", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST /api/v1/responses: %v", err)
	}
	defer closeBody(t, resp.Body)
	if out, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/responses: status %d, body %s", resp.StatusCode, out)
	}
}

// seedReportResponses fills the server's assessment (threshold 3): 3 leadership and 4
// staff responses, shown, and 2 patient partners', withheld; one strength is a long
// unbroken word, as people paste links.
func seedReportResponses(t *testing.T, e *ecatServer) {
	t.Helper()
	for k := range 3 {
		postResponse(t, e, e.a.Code, pillars.Leadership, k, true, fmt.Sprintf("Leaders show up at huddles (%d).", k))
	}
	for k := range 4 {
		s := fmt.Sprintf("We plan the agenda with partners (%d).", k)
		if k == 0 {
			s = "https://intranet.example.org/interprofessional-collaboration/engagement-capable-environments/2027"
		}
		postResponse(t, e, e.a.Code, pillars.Staff, k, true, s)
	}
	for k := range 2 {
		postResponse(t, e, e.a.Code, pillars.PatientPartners, k, true, "SECRET-PP never shown")
	}
}

// visibility is what the print check reads about an element.
type visibility struct {
	Found   bool   `json:"found"`
	Visible bool   `json:"visible"`
	Display string `json:"display"`
}

func visibilityOf(t *testing.T, ctx context.Context, sel string) visibility {
	t.Helper()
	return eval[visibility](t, ctx, fmt.Sprintf(`(function(){
		var el = document.querySelector(%q);
		if (!el) return {found: false, visible: false, display: ""};
		var r = el.getBoundingClientRect();
		return {found: true, visible: el.checkVisibility() && r.width > 0 && r.height > 0, display: getComputedStyle(el).display};
	})()`, sel))
}

// TestReportPageInBrowser opens the report of a seeded assessment with JavaScript on
// a phone and a laptop screen: axe finds nothing, the page does not scroll sideways,
// and printing hides the navigation and the links but keeps the figures.
func TestReportPageInBrowser(t *testing.T) {
	requireChrome(t)
	for _, vp := range []struct {
		name          string
		width, height int
	}{
		{"phone", phoneWidth, phoneHeight},
		{"desktop", 1280, 800},
	} {
		t.Run(vp.name, func(t *testing.T) {
			e, setupURL := startFacilitatorECAT(t)
			seedReportResponses(t, e)
			ctx := newBrowser(t, vp.width, vp.height, true)
			navigate(t, ctx, setupURL)
			createAccount(t, ctx, e) // adopts e.a

			reportURL := fmt.Sprintf("%s/assessments/%d/report", e.URL, e.a.ID)
			navigate(t, ctx, reportURL)
			if got, want := domText(t, ctx, "h1"), e.msg("report.heading", e.a.Title); got != want {
				t.Errorf("report h1 = %q, want %q", got, want)
			}
			if body := domText(t, ctx, "main"); strings.Contains(body, "SECRET-PP") {
				t.Error("the page shows a withheld group's text")
			}
			if n := eval[int](t, ctx, `document.querySelectorAll("svg.bar[role=img]").length`); n != 32 {
				t.Errorf("%d bars, want 32 (two shown groups of 16 items)", n)
			}
			checkAxe(t, ctx, "report")
			if vp.width == phoneWidth {
				if w := eval[int](t, ctx, `window.innerWidth`); w != phoneWidth {
					t.Fatalf("viewport %d px wide, want %d", w, phoneWidth)
				}
			}
			noHorizontalScroll(t, ctx, "report", vp.width)
			if wide := eval[[]string](t, ctx, `Array.from(document.querySelectorAll(".table-wrap"))
				.filter(w => w.scrollWidth > w.clientWidth)
				.map(w => (w.getAttribute("aria-labelledby") || "?") + " " + w.scrollWidth + ">" + w.clientWidth)`); len(wide) > 0 {
				t.Logf("tables scrolling inside their region: %v", wide)
			}
			// Bars span the width of their item, whatever the screen.
			if w := eval[float64](t, ctx, `document.querySelector("svg.bar").getBoundingClientRect().width`); w < float64(min(vp.width, 700))/2 {
				t.Errorf("first bar is %.0f px wide on a %d px screen", w, vp.width)
			}
			shot(t, ctx, "report")

			// Print: no navigation, no download or back link; the figures stay.
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
				t.Fatalf("emulate print: %v", err)
			}
			if !eval[bool](t, ctx, `matchMedia("print").matches`) {
				t.Fatal("print media not in effect")
			}
			for _, sel := range []string{"nav.account", "header.site", "footer.site", "main .no-print",
				fmt.Sprintf(`main a[href="/assessments/%d/report.xlsx?lang=en"]`, e.a.ID), fmt.Sprintf(`main a[href="/assessments/%d"]`, e.a.ID)} {
				if v := visibilityOf(t, ctx, sel); !v.Found || v.Visible {
					t.Errorf("print: %s is %+v, want it present and hidden", sel, v)
				}
			}
			if v := visibilityOf(t, ctx, "nav.account"); v.Display != "none" {
				t.Errorf("print: nav display %q, want none", v.Display)
			}
			if v := visibilityOf(t, ctx, "main .no-print"); v.Display != "none" {
				t.Errorf("print: download and back links display %q, want none", v.Display)
			}
			for _, sel := range []string{"h1", "table.heat", "table.heat tbody tr:last-child", "svg.bar", ".withheld"} {
				if v := visibilityOf(t, ctx, sel); !v.Visible {
					t.Errorf("print: %s is %+v, want it visible", sel, v)
				}
			}
			// Nothing of the heatmap is cut off by its scrolling region on paper.
			if clipped := eval[bool](t, ctx, `(function(){var w = document.querySelector("table.heat").closest(".table-wrap");
				return w.scrollWidth > w.clientWidth && getComputedStyle(w).overflowX !== "visible";})()`); clipped {
				t.Error("print: the heatmap is wider than its region, which would cut it off on paper")
			}
			shot(t, ctx, "report-print")
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
				t.Fatalf("end print emulation: %v", err)
			}
		})
	}
}

// TestReportPageWithoutJavaScript: the report is plain HTML; with scripts off it is
// all there. Read through the DOM domain only.
func TestReportPageWithoutJavaScript(t *testing.T) {
	requireChrome(t)
	e, setupURL := startFacilitatorECAT(t)
	seedReportResponses(t, e)
	ctx := newBrowser(t, phoneWidth, phoneHeight, false)
	navigate(t, ctx, setupURL)
	createAccount(t, ctx, e)

	navigate(t, ctx, fmt.Sprintf("%s/assessments/%d/report", e.URL, e.a.ID))
	if got, want := domText(t, ctx, "h1"), e.msg("report.heading", e.a.Title); got != want {
		t.Errorf("report h1 = %q, want %q", got, want)
	}
	if got := domText(t, ctx, "#heat-heading"); got != e.msg("report.heat_heading") {
		t.Errorf("heatmap heading = %q", got)
	}
	heat := domText(t, ctx, "table.heat")
	for _, th := range e.in.Themes {
		if !strings.Contains(heat, th.Title.In(locale.English)) {
			t.Errorf("heatmap lacks the theme %q: %s", th.Title.In(locale.English), heat)
		}
	}
	ppTitle := e.in.Pillar(pillars.PatientPartners).Title.In(locale.English)
	if got := domText(t, ctx, "li.withheld"); !strings.Contains(got, ppTitle) {
		t.Errorf("withheld notice %q does not name %q", got, ppTitle)
	}
	if got := domText(t, ctx, "#g-patient_partners + p.withheld"); got != e.msg("report.group_withheld", 3) {
		t.Errorf("patient partners' section says %q", got)
	}
	if got := domText(t, ctx, "main"); strings.Contains(got, "SECRET-PP") {
		t.Error("the page shows a withheld group's text")
	}
	for _, pillar := range []string{pillars.Leadership, pillars.Staff} {
		items := domText(t, ctx, fmt.Sprintf(`section[aria-labelledby="g-%s"]`, pillar))
		for _, it := range e.in.Pillar(pillar).Items() {
			if !strings.Contains(items, it.ID+" "+it.Text.In(locale.English)) {
				t.Errorf("%s: item %s missing from %q", pillar, it.ID, items)
			}
		}
	}
	bars, err := chromedp.Run(ctx, chromedp.AttributesAll(chromedp.CSSAll("svg.bar"), chromedp.NodeReady))
	if err != nil {
		t.Fatalf("bars: %v", err)
	}
	if len(bars) != 32 {
		t.Errorf("%d bars, want 32 (two shown groups of 16 items)", len(bars))
	}
	for _, b := range bars {
		if b["role"] != "img" || !strings.Contains(b["aria-label"], e.msg("answer.yes")+" ") || !strings.Contains(b["aria-label"], " %") {
			t.Errorf("bar %v: want role=img and a name with the percentages", b)
		}
	}
	if got := attrs(t, ctx, "main .no-print a.button")["href"]; got != fmt.Sprintf("/assessments/%d/report.xlsx?lang=en", e.a.ID) {
		t.Errorf("download link %q", got)
	}
	if got := domText(t, ctx, "main > p.hint:last-child"); got != e.msg("report.indicative") {
		t.Errorf("last line %q, want the indicative note", got)
	}
	shot(t, ctx, "report-nojs")
}
