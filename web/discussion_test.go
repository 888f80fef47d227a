package web

// The team discussion over HTTP: the projected view and the one-page handout, in English
// and French, with the standard report seed (leadership and staff shown, the patient
// partners withheld). Both pages show the four steps of the agenda with their time boxes
// and the team's own material, and nothing of a withheld group but its name.

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
)

var (
	stepSectionRE = regexp.MustCompile(`(?s)<section class="step" aria-labelledby="step-(\d)"[^>]*>(.*?)</section>`)
	discScriptRE  = regexp.MustCompile(`<script[^>]*>`)
	quoteRE       = regexp.MustCompile(`<q>(.*?)</q>`)
	metaRE        = regexp.MustCompile(`<span class="meta">(.*?)</span>`)
	findingRE     = regexp.MustCompile(`<li>([^<]*?) <span class="meta">`)
)

// discussionSteps splits a discussion page or handout into its four steps, by number.
func discussionSteps(t *testing.T, body string) map[int]string {
	t.Helper()
	steps := map[int]string{}
	for _, m := range stepSectionRE.FindAllStringSubmatch(body, -1) {
		steps[int(m[1][0]-'0')] = m[2]
	}
	if len(steps) != 4 {
		t.Fatalf("found steps %v, want 1 to 4", sortedKeys(stepsByName(steps)))
	}
	return steps
}

func stepsByName(steps map[int]string) map[string]string {
	out := map[string]string{}
	for n, s := range steps {
		out[fmt.Sprint(n)] = s
	}
	return out
}

// discussionPath is the discussion view's path, or the handout's.
func discussionPath(a *assessment.Assessment, page string) string {
	p := fmt.Sprintf("/assessments/%d/discussion", a.ID)
	if page == "handout" {
		p += "/handout"
	}
	return p
}

func TestDiscussionPages(t *testing.T) {
	x := newReportFixture(t)
	e := x.e
	doc := decodeReport(t, x.apiReportJSON(t, x.a))
	for _, page := range []string{"discussion", "handout"} {
		for _, lang := range []string{"en", "fr"} {
			t.Run(page+"/"+lang, func(t *testing.T) {
				path := discussionPath(x.a, page)
				b := x.b
				switch {
				case lang == "fr" && page == "discussion":
					path += "?lang=fr" // an explicit choice
				case lang == "fr":
					b = e.signedIn(x.f) // the browser's preference, as on the report page
					b.acceptLanguage = "fr-CA,fr;q=0.9,en;q=0.5"
				}
				rec := b.get(path)
				if rec.Code != http.StatusOK {
					t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
				}
				body := rec.Body.String()
				assertSecurityHeaders(t, rec)
				assertNoStore(t, rec)
				assertNoSecrets(t, page, rec.Body.Bytes())
				if got := htmlLang(body); got != lang {
					t.Errorf("<html lang=%q>, want %q", got, lang)
				}
				msg := func(key string, args ...any) string {
					m := e.tmpl.Message(lang, key)
					if m == key {
						t.Fatalf("no message %q in %s", key, lang)
					}
					if len(args) > 0 {
						m = fmt.Sprintf(m, args...)
					}
					return escaped(t, m)
				}
				l := locale.Lang(lang)
				pillarTitle := func(key string) string { return escaped(t, e.in.Pillar(key).Title.In(l)) }
				themeTitle := func(i int) string { return escaped(t, e.in.Themes[i].Title.In(l)) }

				// Scripts only from our own files (the CSP allows nothing else), no inline style.
				for _, tag := range discScriptRE.FindAllString(body, -1) {
					if !regexp.MustCompile(`^<script src="/static/discussion\.[0-9a-f]{8}\.js" defer>$`).MatchString(tag) {
						t.Errorf("unexpected script tag %s", tag)
					}
				}
				if page == "handout" && strings.Contains(body, "<script") {
					t.Error("the handout loads a script; it needs none")
				}
				if strings.Contains(body, " style=") {
					t.Error("inline style attribute, which the CSP refuses")
				}
				// No account menu on a page meant for a projector or paper.
				if strings.Contains(body, `action="/logout"`) {
					t.Error("the page carries the account menu")
				}

				// The agenda: four steps, each a heading with an id and its time box.
				steps := discussionSteps(t, body)
				wantSteps := []struct {
					key, timeBox string
					seconds      int
				}{
					{"discussion.step_framing", fmt.Sprintf(e.tmpl.Message(lang, "discussion.minutes"), 2), 120},
					{"discussion.step_insights", fmt.Sprintf(e.tmpl.Message(lang, "discussion.minutes_range"), 6, 8), 480},
					{"discussion.step_themes", fmt.Sprintf(e.tmpl.Message(lang, "discussion.minutes"), 5), 300},
					{"discussion.step_decide", fmt.Sprintf(e.tmpl.Message(lang, "discussion.minutes"), 5), 300},
				}
				for i, want := range wantSteps {
					n := i + 1
					step := steps[n]
					h2 := regexp.MustCompile(fmt.Sprintf(`<h2 id="step-%d"[^>]*>(.*?)</h2>`, n)).FindStringSubmatch(step)
					if h2 == nil || !strings.Contains(h2[1], msg(want.key)) {
						t.Errorf("step %d heading %q, want %q", n, h2, msg(want.key))
					}
					if !strings.Contains(step, msg("discussion.timebox", want.timeBox)) {
						t.Errorf("step %d does not show its time box %q", n, want.timeBox)
					}
					if page == "discussion" {
						if !strings.Contains(h2[0], `tabindex="-1"`) {
							t.Errorf("step %d heading cannot take focus: %s", n, h2[0])
						}
						if !strings.Contains(body, fmt.Sprintf(`<a href="#step-%d">%s <span class="tb">%s</span></a>`, n, msg(want.key), escaped(t, want.timeBox))) {
							t.Errorf("the step navigation has no link to step %d", n)
						}
						if !strings.Contains(body, fmt.Sprintf(`aria-labelledby="step-%d" data-seconds="%d"`, n, want.seconds)) {
							t.Errorf("step %d countdown is not %d s", n, want.seconds)
						}
					}
				}
				if page == "discussion" {
					// The controls only work with JavaScript, which reveals them.
					if n := strings.Count(body, `<div class="timer" hidden>`); n != 4 {
						t.Errorf("%d hidden countdowns, want 4", n)
					}
					if !strings.Contains(body, `<div class="stepper" hidden>`) {
						t.Error("the step buttons are not hidden until JavaScript shows them")
					}
					if !strings.Contains(body, `id="announce" class="visually-hidden" aria-live="polite"`) {
						t.Error("no polite live region for the countdown")
					}
				}

				// Step 1 names the withheld group, with the rule and no count of its own.
				ppTitle := pillarTitle(pillars.PatientPartners)
				wantWithheld := "<strong>" + msg("discussion.framing_withheld_title") + "</strong> " + ppTitle + ". " + msg("discussion.framing_withheld_text", 3)
				if !strings.Contains(steps[1], wantWithheld) {
					t.Errorf("step 1 lacks the withheld notice %q:\n%s", wantWithheld, steps[1])
				}
				if !strings.Contains(steps[1], msg("report.submitted", 7)) {
					t.Errorf("step 1 does not count the 7 included responses")
				}
				for _, key := range []string{"discussion.framing_are", "discussion.framing_is_indicative", "discussion.framing_are_not", "discussion.framing_not_test"} {
					if !strings.Contains(steps[1], msg(key)) {
						t.Errorf("step 1 lacks %s", key)
					}
				}

				// Step 2: every pillar's reflection questions are the cues.
				for _, p := range e.in.Pillars {
					for _, pr := range p.Reflections {
						if !strings.Contains(steps[2], escaped(t, pr.Text.In(l))) {
							t.Errorf("step 2 lacks the cue %s", pr.ID)
						}
					}
				}

				// Step 3: the shown pillars' top themes with their verbatims; the seed gives
				// response k of a pillar the strength theme k and the opportunity theme k+3,
				// so with one mention each the instrument's first wins: themes 0 and 3.
				three := steps[3]
				// Statements may name patient partners ("Patient partners sit on…"): the
				// pillar's title must not show outside them.
				outsideStatements := three
				for _, p := range e.in.Pillars {
					for _, it := range p.Items() {
						outsideStatements = strings.ReplaceAll(outsideStatements, escaped(t, it.Text.In(l)), "")
					}
				}
				if strings.Contains(outsideStatements, ppTitle) {
					t.Error("step 3 shows the withheld pillar")
				}
				if strings.Contains(three, ">P-") || strings.Contains(three, `"P-`) {
					t.Error("step 3 shows an item of the withheld pillar")
				}
				for _, p := range []struct{ key, tag string }{{pillars.Leadership, "LEAD-VISIBLE"}, {pillars.Staff, "STAFF-VISIBLE"}} {
					i := strings.Index(three, ">"+pillarTitle(p.key)+"</h")
					if i < 0 {
						t.Errorf("step 3 has no card for %s", p.key)
						continue
					}
					card := three[i:]
					card = card[:strings.Index(card, "</dl>")]
					for _, want := range []string{
						msg("discussion.top_strength"), "<strong>" + themeTitle(0) + "</strong>", msg("discussion.named_by", 1),
						fmt.Sprintf("<q>%s strength 0 of %s</q>", p.tag, p.key),
						msg("discussion.top_opportunity"), "<strong>" + themeTitle(3) + "</strong>",
						fmt.Sprintf("<q>%s opportunity 0 of %s</q>", p.tag, p.key),
						msg("discussion.highest"), msg("discussion.lowest"),
					} {
						if !strings.Contains(card, want) {
							t.Errorf("%s card lacks %q:\n%s", p.key, want, card)
						}
					}
					if n := len(quoteRE.FindAllString(card, -1)); n != 2 {
						t.Errorf("%s card shows %d verbatims, want one strength and one opportunity", p.key, n)
					}
				}
				for _, key := range []string{"discussion.common_heading", "report.contrasts_heading", "discussion.gaps_heading", "report.unknown_heading"} {
					if !strings.Contains(three, msg(key)) {
						t.Errorf("step 3 lacks %s", key)
					}
				}
				// Contrasts, gaps and Unknown hotspots: the report's own, at most three each,
				// and how many more the report holds.
				itemText := func(id string) string {
					it, _, ok := e.in.Item(id)
					if !ok {
						t.Fatalf("no item %s", id)
					}
					return escaped(t, it.Text.In(l))
				}
				var contrastTexts, hotspotTexts []string
				for _, c := range doc.Contrasts {
					contrastTexts = append(contrastTexts, itemText(c.ItemID))
				}
				for _, h := range doc.UnknownHotspots {
					hotspotTexts = append(hotspotTexts, itemText(h.ID))
				}
				checkList := func(name, heading string, all []string, shown []string) {
					t.Helper()
					if want := min(3, len(all)); len(shown) != want {
						t.Errorf("%s: %d shown, want %d", name, len(shown), want)
					}
					for _, s := range shown {
						if !slices.Contains(all, s) {
							t.Errorf("%s: %q is not one of the report's", name, s)
						}
					}
					if more := len(all) - 3; more > 0 && !strings.Contains(heading, msg("discussion.more", more)) {
						t.Errorf("%s: no note of the %d more in the report", name, more)
					}
				}
				block := func(key string) string {
					i := strings.Index(three, msg(key))
					if i < 0 {
						t.Fatalf("no %s in step 3", key)
					}
					rest := three[i:]
					if j := strings.Index(rest[1:], "<h3>"); j >= 0 {
						rest = rest[:j+1]
					}
					return rest
				}
				shownTexts := func(s string) []string {
					var out []string
					for _, m := range findingRE.FindAllStringSubmatch(s, -1) {
						out = append(out, m[1])
					}
					return out
				}
				if len(doc.Contrasts) == 0 || len(doc.UnknownHotspots) == 0 || len(doc.Gaps) == 0 {
					t.Fatalf("the seed gives %d contrasts, %d hotspots, %d gaps: the test needs some of each", len(doc.Contrasts), len(doc.UnknownHotspots), len(doc.Gaps))
				}
				checkList("contrasts", block("report.contrasts_heading"), contrastTexts, shownTexts(block("report.contrasts_heading")))
				checkList("hotspots", block("report.unknown_heading"), hotspotTexts, shownTexts(block("report.unknown_heading")))
				gaps := block("discussion.gaps_heading")
				widest := doc.Gaps[0]
				num := e.tmpl.Catalog().In(l).Num // scores as every view writes them
				wantGap := msg("discussion.gap_line", e.in.Pillar(widest.PillarA).Title.In(l), num(widest.ScoreA),
					e.in.Pillar(widest.PillarB).Title.In(l), num(widest.ScoreB), num(widest.Points))
				if !strings.Contains(gaps, "<strong>"+escaped(t, e.in.Theme(widest.Theme).Title.In(l))+"</strong> <span class=\"meta\">"+wantGap) {
					t.Errorf("the widest gap %+v is not shown as %q:\n%s", widest, wantGap, gaps)
				}
				if n := strings.Count(gaps, "<li>"); n != min(3, len(doc.Gaps)) {
					t.Errorf("%d gaps shown, want %d", n, min(3, len(doc.Gaps)))
				}

				// Step 4: the questions, and where the actions are recorded.
				four := steps[4]
				for _, key := range []string{"discussion.decide_what", "discussion.decide_who", "discussion.decide_support", "discussion.decide_when"} {
					if !strings.Contains(four, msg(key)) {
						t.Errorf("step 4 lacks %s", key)
					}
				}
				if link := fmt.Sprintf(`href="/assessments/%d?lang=%s#actions">%s</a>`, x.a.ID, lang, msg("discussion.decide_record")); !strings.Contains(four, link) {
					t.Errorf("step 4 has no link %s", link)
				}
				if page == "handout" {
					if n := strings.Count(four, `<th scope="col">`); n != 4 {
						t.Errorf("the handout's action table has %d column headers, want 4", n)
					}
					if !strings.Contains(body, msg("handout.print_hint")) || !strings.Contains(body, `<nav class="disc-bar no-print"`) {
						t.Error("the handout lacks its print hint or its no-print links")
					}
				}
			})
		}
	}

	// The report links to the discussion, in the report's language.
	rec := x.b.get(fmt.Sprintf("/assessments/%d/report?lang=fr", x.a.ID))
	if want := fmt.Sprintf(`<a href="/assessments/%d/discussion?lang=fr">%s</a>`, x.a.ID, escaped(t, e.tmpl.Message("fr", "report.discussion_link"))); !strings.Contains(rec.Body.String(), want) {
		t.Errorf("the report page has no link %s", want)
	}
}

// TestDiscussionSameMaterial: the view and the handout come from one builder, so they
// show the same verbatims, counts, figures and findings.
func TestDiscussionSameMaterial(t *testing.T) {
	x := newReportFixture(t)
	material := func(page string) []string {
		rec := x.b.get(discussionPath(x.a, page))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", page, rec.Code)
		}
		three := discussionSteps(t, rec.Body.String())[3]
		var out []string
		for _, re := range []*regexp.Regexp{quoteRE, metaRE} {
			for _, m := range re.FindAllStringSubmatch(three, -1) {
				out = append(out, strings.Trim(m[1], "()"))
			}
		}
		slices.Sort(out)
		return out
	}
	view, handout := material("discussion"), material("handout")
	if len(view) < 10 || !slices.Equal(view, handout) {
		t.Errorf("step 3 differs between the view and the handout:\nview    %q\nhandout %q", view, handout)
	}
}

// TestDiscussionWithheldTextsNeverShow: a withheld group whose members named the most
// frequent themes, with long distinctive texts and reflections, leaves no trace: not its
// verbatims, not its theme counts, not its reflections, not its figures.
func TestDiscussionWithheldTextsNeverShow(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("wanda@example.org", "Wanda Withheld")
	a := e.ownedAssessment(f, "Autumn round")
	b := e.signedIn(f)
	const hidden = "ZEBRA-WITHHELD"
	for k := range 3 {
		body := e.completeBody(a.Code, pillars.Staff)
		body["strength"] = map[string]string{"text": fmt.Sprintf("Staff strength %d", k), "theme": "commitment"}
		e.createResponse(body)
	}
	for k := range 2 { // below the threshold of 3: withheld
		body := e.completeBody(a.Code, pillars.PatientPartners)
		body["answers"] = map[string]string{}
		for _, id := range e.itemIDs(pillars.PatientPartners) {
			body["answers"].(map[string]string)[id] = string(assessment.Unknown) // would top the Unknown list
		}
		body["strength"] = map[string]string{"text": fmt.Sprintf("%s strength %d", hidden, k), "theme": "learning"}
		body["opportunity"] = map[string]string{"text": fmt.Sprintf("%s opportunity %d", hidden, k), "theme": "learning"}
		reflections := map[string]string{}
		for _, pr := range e.in.Pillar(pillars.PatientPartners).Reflections {
			reflections[pr.ID] = hidden + " reflection " + pr.ID
		}
		body["reflections"] = reflections
		e.createResponse(body)
	}
	learning := e.in.Theme("learning").Title.In(locale.English)
	for _, page := range []string{"discussion", "handout"} {
		rec := b.get(discussionPath(a, page))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", page, rec.Code)
		}
		body := rec.Body.String()
		if i := strings.Index(body, hidden); i >= 0 {
			t.Errorf("%s shows the withheld group's text: …%s…", page, body[max(0, i-80):min(len(body), i+80)])
		}
		three := discussionSteps(t, body)[3]
		// The heatmap names every theme, whoever named it; outside it no theme named by
		// the withheld group alone may show.
		if strings.Contains(heatTableRE.ReplaceAllString(three, ""), escaped(t, learning)) {
			t.Errorf("%s: step 3 shows the theme only the withheld group named (%s)", page, learning)
		}
		if strings.Contains(three, "P-") {
			t.Errorf("%s: step 3 shows a withheld item", page)
		}
		pp := escaped(t, e.in.Pillar(pillars.PatientPartners).Title.In(locale.English))
		if !strings.Contains(discussionSteps(t, body)[1], pp) {
			t.Errorf("%s: the framing does not name the withheld group", page)
		}
		if strings.Contains(three, pp) {
			t.Errorf("%s: step 3 names the withheld group", page)
		}
	}
}

// TestDiscussionNothingShownYet: before any group reaches the threshold the pages still
// work: every group is named as withheld and step 3 says there is nothing to show.
func TestDiscussionNothingShownYet(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("nina@example.org", "Nina New")
	a := e.ownedAssessment(f, "First round")
	b := e.signedIn(f)
	e.createResponse(e.completeBody(a.Code, pillars.Staff)) // one of three
	for _, page := range []string{"discussion", "handout"} {
		rec := b.get(discussionPath(a, page))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", page, rec.Code)
		}
		steps := discussionSteps(t, rec.Body.String())
		for _, p := range e.in.Pillars {
			if !strings.Contains(steps[1], escaped(t, p.Title.In(locale.English))) {
				t.Errorf("%s: the framing does not name %s as withheld", page, p.Key)
			}
		}
		if !strings.Contains(steps[3], escaped(t, e.tmpl.Message("en", "discussion.all_withheld"))) || strings.Contains(steps[3], `class="pillar"`) {
			t.Errorf("%s: step 3 should say nothing can be shown yet:\n%s", page, steps[3])
		}
		if strings.Contains(rec.Body.String(), "We listen to patient partners") {
			t.Errorf("%s shows the text of a group below the threshold", page)
		}
	}
}

// TestDiscussionNotYours: another facilitator's assessment, a missing one and a malformed
// id are all 404; signed out, the page asks to sign in and comes back.
func TestDiscussionNotYours(t *testing.T) {
	x := newReportFixture(t)
	e := x.e
	other := e.newFacilitator("olga@example.org", "Olga Other")
	ob := e.signedIn(other)
	for _, page := range []string{"discussion", "handout"} {
		for _, c := range []struct {
			who  *browser
			path string
		}{
			{ob, discussionPath(x.a, page)},
			{x.b, strings.Replace(discussionPath(x.a, page), fmt.Sprint(x.a.ID), "999999", 1)},
			{x.b, strings.Replace(discussionPath(x.a, page), fmt.Sprint(x.a.ID), "abc", 1)},
		} {
			rec := c.who.get(c.path)
			if rec.Code != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", c.path, rec.Code)
				continue
			}
			e.assertErrorPage(t, rec, "not_found")
			assertNoSecrets(t, c.path, rec.Body.Bytes())
			if strings.Contains(rec.Body.String(), "LEAD-VISIBLE") || strings.Contains(rec.Body.String(), x.a.Title) {
				t.Errorf("GET %s tells something of the assessment", c.path)
			}
		}
		rec := e.newBrowser().get(discussionPath(x.a, page))
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("signed out: %d to %q, want 303 to the sign-in page", rec.Code, loc)
		}
	}
}
