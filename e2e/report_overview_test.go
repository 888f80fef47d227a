package e2e

// The report people would rather look at, in a real browser: the overview in the first
// screen (a card per group and the themes ranked), statements sorted by a link and
// closed by section, the team's reflections on screen, and the printed report as a
// document of at most six A4 pages for fifteen people in three groups, each page headed
// with the team and round, without navigation. Also the French workbook from the French
// report.

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
)

// seedFifteen fills the server's assessment as a team of fifteen would: five people in
// each of the three groups, every group shown, each answering its own way, naming a
// strength and an opportunity in a sentence or two and answering two of the reflection
// questions; a few write the same words.
func seedFifteen(t *testing.T, e *ecatServer) {
	t.Helper()
	strengths := []string{
		"Leaders come to the huddle every week and listen before they speak.",
		"We plan the agenda with patient partners, not for them.",
		"Partners are paid for their time and their expenses.",
		"New staff meet a patient partner in their first month.",
		"We plan the agenda with patient partners, not for them.",
	}
	opportunities := []string{
		"Close the loop: tell partners what changed because of what they said, within a month.",
		"Give partners the papers a week before the meeting, in plain language.",
		"More time for huddles.",
		"More time for huddles.",
		"Train staff to co-design, not only to consult, with a budget that lasts beyond one project.",
	}
	reflections := []string{
		"We ask for feedback but rarely say what we did with it; people stop answering.",
		"Partners on the committee change the questions we ask, not only the answers.",
		"More time for huddles.",
		"Half of the team has never met a patient partner, which shows in how we talk about them.",
		"The night shift hears about projects last, when the decisions are made.",
	}
	for pi, p := range e.in.Pillars {
		for k := range 5 {
			answers := map[string]string{}
			for j, it := range p.Items() {
				answers[it.ID] = string(assessment.Answers[(j*(k+1)+pi+k/2)%len(assessment.Answers)])
			}
			refl := map[string]string{
				p.Reflections[k%len(p.Reflections)].ID:     reflections[(k+pi)%len(reflections)],
				p.Reflections[(k+1)%len(p.Reflections)].ID: reflections[(k+pi+2)%len(reflections)],
			}
			postJSON(t, e, map[string]any{
				"code": e.a.Code, "pillar": p.Key, "language": "en", "answers": answers, "reflections": refl,
				"strength":    map[string]string{"text": strengths[k], "theme": e.in.Themes[(k+pi)%len(e.in.Themes)].Key},
				"opportunity": map[string]string{"text": opportunities[k], "theme": e.in.Themes[(k+pi+3)%len(e.in.Themes)].Key},
				"submit":      true,
			})
		}
	}
}

// openReport starts a server, seeds it, signs in and returns the browser on nothing yet.
func openReport(t *testing.T, seed func(*testing.T, *ecatServer), width, height int, js bool) (context.Context, *ecatServer) {
	t.Helper()
	e, setupURL := startFacilitatorECAT(t)
	seed(t, e)
	ctx := newBrowser(t, width, height, js)
	navigate(t, ctx, setupURL)
	createAccount(t, ctx, e)
	return ctx, e
}

func (e *ecatServer) reportURL(query string) string {
	u := fmt.Sprintf("%s/assessments/%d/report", e.URL, e.a.ID)
	if query != "" {
		u += "?" + query
	}
	return u
}

// box is an element's place on screen, in CSS pixels.
type box struct {
	Top    float64 `json:"top"`
	Bottom float64 `json:"bottom"`
	Found  bool    `json:"found"`
}

func boxOf(t *testing.T, ctx context.Context, sel string) box {
	t.Helper()
	return eval[box](t, ctx, fmt.Sprintf(`(function(){var e=document.querySelector(%q); if(!e) return {found:false,top:0,bottom:0};
		var r=e.getBoundingClientRect(); return {found:true,top:r.top+scrollY,bottom:r.bottom+scrollY};})()`, sel))
}

// rankedScores reads the ranked chart: theme and team score per row, as shown.
func rankedScores(t *testing.T, ctx context.Context) [][2]string {
	t.Helper()
	return eval[[][2]string](t, ctx, `Array.from(document.querySelectorAll("ol.rank li")).map(li =>
		[li.querySelector(".rank-theme").textContent, li.querySelector(".rank-score").firstChild.textContent.trim()])`)
}

// score reads a score as the English pages write it; -1 for none.
func score(t *testing.T, s string) float64 {
	t.Helper()
	if s == "—" {
		return -1
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("score %q: %v", s, err)
	}
	return f
}

// TestReportOverviewInBrowser: on a laptop screen the overview (cards and the whole
// ranked chart) is in the first screen, and on a phone the cards start there; the ranked
// chart is highest first and names its figures; the statements sort by a link and close
// by section; the reflections show; the print button comes with the script. axe-clean.
func TestReportOverviewInBrowser(t *testing.T) {
	requireChrome(t)
	for _, vp := range []struct {
		name          string
		width, height int
	}{
		{"phone", phoneWidth, phoneHeight},
		{"desktop", 1280, 800},
	} {
		t.Run(vp.name, func(t *testing.T) {
			ctx, e := openReport(t, seedReportResponses, vp.width, vp.height, true)
			navigate(t, ctx, e.reportURL(""))
			if got, want := domText(t, ctx, "#overview-heading"), e.msg("report.overview_heading"); got != want {
				t.Errorf("overview heading %q, want %q", got, want)
			}
			// The overview comes before everything else on the page.
			if first := eval[string](t, ctx, `document.querySelector("main h2").id`); first != "overview-heading" {
				t.Errorf("the first heading after the title is #%s, want the overview", first)
			}
			cards := boxOf(t, ctx, ".overview .cards")
			chart := boxOf(t, ctx, "figure.ranked")
			if !cards.Found || !chart.Found {
				t.Fatalf("cards %+v, chart %+v: want both", cards, chart)
			}
			if cards.Top >= float64(vp.height) {
				t.Errorf("the score cards start at %.0f px, below the first screen (%d px)", cards.Top, vp.height)
			}
			if vp.name == "desktop" && chart.Bottom > float64(vp.height) {
				t.Errorf("the ranked chart ends at %.0f px, below the first screen (%d px)", chart.Bottom, vp.height)
			}
			screenShot(t, ctx, "first-screen")

			// Cards: the team, then each group; the withheld one without score or count.
			cardTitles := eval[[]string](t, ctx, `Array.from(document.querySelectorAll(".score-card h3")).map(h => h.textContent)`)
			want := []string{e.msg("report.col_team")}
			for _, p := range e.in.Pillars {
				want = append(want, p.Title.In(locale.English))
			}
			if !slices.Equal(cardTitles, want) {
				t.Errorf("cards %v, want %v", cardTitles, want)
			}
			if got := domText(t, ctx, ".withheld-card"); strings.Contains(got, "2") || !strings.Contains(got, e.msg("report.heat_withheld")) {
				t.Errorf("withheld card says %q: want Withheld and no count", got)
			}
			if got := domText(t, ctx, ".team-card"); !strings.Contains(got, e.msg("report.responses", 7)) {
				t.Errorf("team card says %q, want %q", got, e.msg("report.responses", 7))
			}

			// The ranked chart: every theme once, highest team score first, each image
			// named with the figures it draws.
			rows := rankedScores(t, ctx)
			if len(rows) != len(e.in.Themes) {
				t.Fatalf("%d ranked themes, want %d", len(rows), len(e.in.Themes))
			}
			for i := 1; i < len(rows); i++ {
				if score(t, rows[i][1]) > score(t, rows[i-1][1]) {
					t.Errorf("%s (%s) ranked below %s (%s)", rows[i][0], rows[i][1], rows[i-1][0], rows[i-1][1])
				}
			}
			names := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("svg.rank")).map(s => s.getAttribute("role") + " " + s.getAttribute("aria-label"))`)
			lead, staff := e.in.Pillars[0].Title.In(locale.English), e.in.Pillars[1].Title.In(locale.English)
			for i, n := range names {
				if !strings.HasPrefix(n, "img "+rows[i][0]+": Team "+rows[i][1]+"; "+lead+" ") || !strings.Contains(n, "; "+staff+" ") {
					t.Errorf("ranked image %d named %q", i, n)
				}
				if strings.Contains(n, e.in.Pillars[2].Title.In(locale.English)) {
					t.Errorf("ranked image %d names the withheld group: %q", i, n)
				}
			}
			checkAxe(t, ctx, "report overview")
			noHorizontalScroll(t, ctx, "report overview", vp.width)

			// The print button, which only works with the script, comes with it, and
			// opens the browser's Print (where Save as PDF is): one click.
			if v := visibilityOf(t, ctx, "button[data-print]"); !v.Visible {
				t.Errorf("print button %+v, want it shown with JavaScript", v)
			}
			eval[bool](t, ctx, `(function(){window.__printed = 0; window.print = function(){ window.__printed++; }; return true;})()`)
			click(t, ctx, "button[data-print]")
			if n := eval[int](t, ctx, `window.__printed`); n != 1 {
				t.Errorf("the print button asked for Print %d times, want once", n)
			}

			// Sections close, and open again.
			first := `details.section`
			click(t, ctx, first+" > summary")
			if eval[bool](t, ctx, `document.querySelector("details.section").open`) {
				t.Error("the first section stays open after a click on its summary")
			}
			if v := visibilityOf(t, ctx, "details.section svg.bar"); v.Visible {
				t.Error("a closed section still shows its bars")
			}
			click(t, ctx, first+" > summary")

			// Sorted by score, lowest first, by following the link.
			expectStatus(t, "sort by score", clickAndLoad(t, ctx, `nav.sorts a[href*="sort=score"]`).Status, 200)
			if got := attrs(t, ctx, `nav.sorts a[aria-current]`)["href"]; !strings.Contains(got, "sort=score") {
				t.Errorf("current order %q, want score", got)
			}
			scores := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#g-leadership ~ ol.items > li strong")).map(s => s.textContent)`)
			if len(scores) != len(e.in.Pillars[0].Items()) {
				t.Fatalf("%d sorted leadership statements, want %d", len(scores), len(e.in.Pillars[0].Items()))
			}
			for i := 1; i < len(scores); i++ {
				if a, b := score(t, scores[i-1]), score(t, scores[i]); b >= 0 && (a < 0 || a > b) {
					t.Errorf("sorted by score: %v", scores)
					break
				}
			}
			checkAxe(t, ctx, "report sorted by score")
			screenShot(t, ctx, "sorted")
			eval[bool](t, ctx, `(function(){document.getElementById("st-heading").scrollIntoView(); return true;})()`)
			screenShot(t, ctx, "named")
		})
	}
}

// TestReportScanWithoutJavaScript: without the script the orders are plain links, the
// sections are open, the lists name statements, the reflections show, and nothing asks
// for the script (no print button).
func TestReportScanWithoutJavaScript(t *testing.T) {
	requireChrome(t)
	ctx, e := openReport(t, seedFifteen, phoneWidth, phoneHeight, false)
	navigate(t, ctx, e.reportURL("sort=unknown"))
	if got := domText(t, ctx, `nav.sorts a[aria-current]`); got != e.msg("report.sort_unknown") {
		t.Errorf("current order %q, want %q", got, e.msg("report.sort_unknown"))
	}
	if _, hidden := attrs(t, ctx, "button[data-print]")["hidden"]; !hidden {
		t.Error("the print button shows without the script that makes it work")
	}
	navigate(t, ctx, e.reportURL(""))
	for _, a := range attrs2(t, ctx, "details.section") {
		if _, open := a["open"]; !open {
			t.Errorf("section %s is closed without JavaScript", a["id"])
		}
	}
	// Under one question, two people wrote the same words: shown once, with the count.
	if got := domText(t, ctx, "#reflections-heading + .two-col"); !strings.Contains(got, "More time for huddles. "+e.msg("report.written_by", 2)) {
		t.Errorf("reflections %q: want the words two people wrote once, with their count", got)
	}
	if got := domText(t, ctx, "main"); !strings.Contains(got, e.in.Pillars[0].Reflections[0].Text.In(locale.English)) {
		t.Error("no reflection question on the page")
	}
}

// attrs2 returns the attributes of every element matching sel.
func attrs2(t *testing.T, ctx context.Context, sel string) []map[string]string {
	t.Helper()
	all, err := chromedp.Run(ctx, chromedp.AttributesAll(chromedp.CSSAll(sel), chromedp.NodeReady))
	if err != nil {
		t.Fatalf("attributes of %s: %v", sel, err)
	}
	return all
}

// printPDF prints the page to an A4 PDF as the browser's Print does (the page's own
// margins, background colours as the page asks), keeps a copy beside the screenshots,
// and returns it.
func printPDF(t *testing.T, ctx context.Context, name string) []byte {
	t.Helper()
	return printPDFOn(t, ctx, name, 8.27, 11.69)
}

// printPDFOn is printPDF on paper of the given size, in inches.
func printPDFOn(t *testing.T, ctx context.Context, name string, width, height float64) []byte {
	t.Helper()
	res, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PaperWidth: width, PaperHeight: height})
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	if dir := os.Getenv(envScreenshots); dir != "" {
		path := filepath.Join(dir, regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(t.Name()+"-"+name, "_")+".pdf")
		if err := os.WriteFile(path, res.Data, 0o644); err != nil {
			t.Errorf("keep %s: %v", path, err)
		}
		t.Logf("pdf: %s", path)
	}
	return res.Data
}

// TestReportPrintsAsDocument: fifteen people in three groups print in at most six A4
// pages; every page is headed with the team, round and title and numbered; no page holds
// the navigation, the tools or the orders of the statements; every statement is there.
func TestReportPrintsAsDocument(t *testing.T) {
	requireChrome(t)
	ctx, e := openReport(t, seedFifteen, 1280, 800, true)
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			navigate(t, ctx, e.reportURL("lang="+lang))
			if n := eval[int](t, ctx, `document.querySelectorAll("svg.bar").length`); n != 48 {
				t.Fatalf("%d statement bars, want 48: the seed shows every group", n)
			}
			msg := func(key string, args ...any) string { return fmt.Sprintf(e.tmpl.Message(lang, key), args...) }
			pages := pdfPageTexts(t, printPDF(t, ctx, "report-"+lang))
			if len(pages) > 6 || len(pages) < 3 {
				t.Errorf("the report prints on %d A4 pages, want at most 6 (and surely more than 2)", len(pages))
			}
			head := e.a.Team + " · " + msg("assessment.round", e.a.Round) + " · " + e.a.Title
			all := ""
			for i, p := range pages {
				words := pdfWords(p)
				all += words + " "
				// The page's margin (heading and number) comes first in its text.
				if margin := head + fmt.Sprintf(" %d / %d ", i+1, len(pages)); !strings.HasPrefix(words, margin) {
					t.Errorf("page %d begins %q, want its heading and number %q", i+1, words[:min(len(words), 80)], margin)
				}
				for _, nav := range []string{msg("nav.dashboard"), msg("nav.tokens"), msg("report.download"), msg("report.print"),
					msg("report.discussion_link"), msg("report.sort_score"), msg("invitation.back"), msg("skip_to_content")} {
					if strings.Contains(words, nav) {
						t.Errorf("page %d holds %q: the navigation and tools are not for paper", i+1, nav)
					}
				}
			}
			for _, want := range []string{msg("report.heading", e.a.Title), msg("report.overview_heading"), msg("report.rank_heading"),
				msg("report.heat_heading"), msg("report.reflections_heading"), msg("report.statements_heading")} {
				if !strings.Contains(all, want) {
					t.Errorf("the printed report lacks %q", want)
				}
			}
			for _, p := range e.in.Pillars {
				for _, it := range p.Items() {
					if !strings.Contains(all, it.ID+" ") {
						t.Errorf("statement %s is not printed", it.ID)
					}
				}
			}

			// The same, as the print stylesheet says: navigation gone, charts kept whole.
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
				t.Fatalf("emulate print: %v", err)
			}
			for _, sel := range []string{"header.site", "nav.account", "footer.site", ".tools", "nav.sorts"} {
				if v := visibilityOf(t, ctx, sel); !v.Found || v.Display != "none" {
					t.Errorf("print: %s is %+v, want display none", sel, v)
				}
			}
			whole := eval[[]string](t, ctx, `Array.from(document.querySelectorAll(".score-card, figure.ranked, ol.rank li, ol.items li, table.heat tr"))
				.filter(e => getComputedStyle(e).breakInside !== "avoid").map(e => e.tagName + "." + e.className).slice(0, 5)`)
			if len(whole) > 0 {
				t.Errorf("print: these may be cut across pages: %v", whole)
			}
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
				t.Fatalf("end print emulation: %v", err)
			}
		})
	}
}

// TestFrenchWorkbookFromFrenchReport: the workbook link of the report read in French
// downloads a French workbook (its sheets named in French), and the English one an
// English workbook.
func TestFrenchWorkbookFromFrenchReport(t *testing.T) {
	requireChrome(t)
	ctx, e := openReport(t, seedReportResponses, 1280, 800, true)
	for _, lang := range []string{"fr", "en"} {
		navigate(t, ctx, e.reportURL("lang="+lang))
		href := attrs(t, ctx, ".tools a.button[download]")["href"]
		if want := fmt.Sprintf("/assessments/%d/report.xlsx?lang=%s", e.a.ID, lang); href != want {
			t.Errorf("%s page: workbook link %q, want %q", lang, href, want)
		}
		encoded, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`fetch(%q, {credentials: "same-origin"})
			.then(r => r.ok ? r.arrayBuffer() : Promise.reject(r.status))
			.then(b => { var s = "", u = new Uint8Array(b); for (var i = 0; i < u.length; i += 8192) s += String.fromCharCode.apply(null, u.subarray(i, i + 8192)); return btoa(s); })`, href),
			chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: download the workbook: %v", lang, err)
		}
		book, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil {
			t.Fatal(err)
		}
		sheets := workbookSheets(t, book)
		for _, key := range []string{"workbook.sheet.summary", "workbook.sheet.reflections"} {
			if want := e.tmpl.Message(lang, key); !slices.Contains(sheets, want) {
				t.Errorf("%s report's workbook has sheets %v, want %q", lang, sheets, want)
			}
		}
		other := map[string]string{"fr": "en", "en": "fr"}[lang]
		if unwanted := e.tmpl.Message(other, "workbook.sheet.summary"); slices.Contains(sheets, unwanted) {
			t.Errorf("%s report's workbook has the %s sheet %q", lang, other, unwanted)
		}
	}
}

// workbookSheets lists the sheet names of an .xlsx (xl/workbook.xml), without a
// spreadsheet library: the workbook is a zip of XML.
func workbookSheets(t *testing.T, book []byte) []string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	if err != nil {
		t.Fatalf("the workbook is not a zip: %v", err)
	}
	f, err := z.Open("xl/workbook.xml")
	if err != nil {
		t.Fatalf("no xl/workbook.xml: %v", err)
	}
	defer closeBody(t, f)
	raw, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`<sheet [^>]*name="([^"]*)"`).FindAllSubmatch(raw, -1) {
		out = append(out, strings.NewReplacer("&amp;", "&", "&apos;", "'", "&quot;", `"`).Replace(string(m[1])))
	}
	return out
}

// screenShot writes what the screen shows (not the whole page) to
// $ECAT_TEST_SCREENSHOTS, for humans judging a first screen or a projected step.
func screenShot(t *testing.T, ctx context.Context, step string) {
	t.Helper()
	dir := os.Getenv(envScreenshots)
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Errorf("screenshot %s: %v", step, err)
		return
	}
	path := filepath.Join(dir, regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(t.Name()+"-"+step, "_")+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Errorf("screenshot %s: %v", step, err)
	}
}
