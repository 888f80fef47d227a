package e2e

// End-to-end journeys of a respondent through the real ecat server (in
// process, on its own SQLite file), driven by headless Chromium on a
// phone-sized screen, with and without JavaScript, and checked with axe-core
// on every page they pass.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
	"github.com/ecat-project/ecat/survey"
	"github.com/ecat-project/ecat/templates"
	"github.com/ecat-project/ecat/web"
)

// ecatServer is one real ecat server on an httptest listener, with its own
// database and one open assessment.
type ecatServer struct {
	URL   string
	store *storage.Store
	in    *pillars.Instrument
	tmpl  *templates.Engine
	a     *assessment.Assessment
}

// requireChrome skips a browser test before anything is started.
func requireChrome(t *testing.T) {
	t.Helper()
	if os.Getenv(envChrome) == "" {
		t.Skipf("%s is not set: skipping browser test", envChrome)
	}
}

// startECAT serves ecat on a fresh SQLite database in t.TempDir() and
// creates one open English assessment. Call it before newBrowser, so the
// browser (cleaned up first) is gone before the server closes.
func startECAT(t *testing.T) *ecatServer {
	t.Helper()
	ctx := context.Background()
	store, err := storage.Open(ctx, filepath.Join(t.TempDir(), "e2e.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if _, _, err := store.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	catalog, err := pillars.Load()
	if err != nil {
		t.Fatalf("load instrument: %v", err)
	}
	words, err := locale.Load()
	if err != nil {
		t.Fatalf("words: %v", err)
	}
	tmpl, err := templates.New(words)
	if err != nil {
		t.Fatalf("templates: %v", err)
	}
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))

	// The listener exists before Start, so the server can be built with
	// its own address as the base URL of the links it prints.
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	ts.Config.Handler = web.New(web.Config{BaseURL: base}, survey.New(store, catalog, words, log), tmpl, log)
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", tail(logs.String(), 4000))
		}
	})
	if ts.URL != base {
		t.Fatalf("server URL %q, want %q", ts.URL, base)
	}
	e := &ecatServer{URL: base, store: store, in: catalog.Current(), tmpl: tmpl}
	e.a = e.newAssessment(t)
	return e
}

func (e *ecatServer) newAssessment(t *testing.T) *assessment.Assessment {
	t.Helper()
	a, err := assessment.NewAssessment("Spring 2027 round", "Ward 4B", "en", assessment.DefaultThreshold, false, e.in.Version)
	if err != nil {
		t.Fatalf("new assessment: %v", err)
	}
	if err := e.store.CreateAssessment(context.Background(), a); err != nil {
		t.Fatalf("create assessment: %v", err)
	}
	return a
}

// msg is an English interface message, so assertions follow the locale file.
func (e *ecatServer) msg(key string, args ...any) string {
	m := e.tmpl.Message("en", key)
	if len(args) > 0 {
		m = fmt.Sprintf(m, args...)
	}
	return m
}

func (e *ecatServer) staff(t *testing.T) *pillars.Pillar {
	t.Helper()
	p := e.in.Pillar("staff")
	if p == nil {
		t.Fatal("instrument has no staff pillar")
	}
	return p
}

// counts returns the stored responses of the assessment per pillar.
func (e *ecatServer) counts(t *testing.T, a *assessment.Assessment) map[string]assessment.PillarCounts {
	t.Helper()
	c, err := e.store.ResponseCounts(context.Background(), a.ID)
	if err != nil {
		t.Fatalf("response counts: %v", err)
	}
	return c
}

func (e *ecatServer) response(t *testing.T, token string) *assessment.Response {
	t.Helper()
	r, err := e.store.ResponseByToken(context.Background(), assessment.HashToken(token))
	if err != nil {
		t.Fatalf("response by token: %v", err)
	}
	return r
}

// storeResponse creates a response directly in the store and returns its
// resume token (for pages a test needs without clicking its way there).
func (e *ecatServer) storeResponse(t *testing.T, a *assessment.Assessment, submit bool) string {
	t.Helper()
	p := e.staff(t)
	r := &assessment.Response{
		AssessmentID: a.ID, Pillar: p.Key, Language: "en", Status: assessment.Draft,
		Answers: map[string]assessment.Answer{}, Reflections: map[string]string{},
		Strength:    assessment.Named{Text: "We listen to patient partners.", Theme: e.in.Themes[0].Key},
		Opportunity: assessment.Named{Text: "Involve partners earlier.", Theme: e.in.Themes[1].Key},
	}
	for i, it := range p.Items() {
		r.Answers[it.ID] = assessment.Answers[i%len(assessment.Answers)]
	}
	if submit {
		r.Status = assessment.Submitted
	}
	token := assessment.NewResumeToken()
	if err := e.store.CreateResponse(context.Background(), r, assessment.HashToken(token)); err != nil {
		t.Fatalf("create response: %v", err)
	}
	return token
}

// The answer given to item number i (0-based) in the journeys.
func answerFor(i int) assessment.Answer { return assessment.Answers[i%len(assessment.Answers)] }

func radioID(item string, a assessment.Answer) string { return "a-" + item + "-" + string(a) }

// --- browser steps -----------------------------------------------------------

// shot takes a screenshot named after the test and the step.
func shot(t *testing.T, ctx context.Context, step string) {
	t.Helper()
	screenshot(t, ctx, t.Name()+"-"+step)
}

// click clicks the element (mouse events at its centre, after scrolling it
// into view), as a person would; it does not wait for any navigation.
func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

// clickAndLoad clicks the element and waits for the page it loads; it
// returns the HTTP response of the new document (after redirects).
func clickAndLoad(t *testing.T, ctx context.Context, sel string) *network.Response {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("click %s and load: %v", sel, err)
	}
	if resp == nil {
		t.Fatalf("click %s: no document loaded", sel)
	}
	return resp
}

// typeInto types text into a field with key events.
func typeInto(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(sel), text)); err != nil {
		t.Fatalf("type into %s: %v", sel, err)
	}
}

// attrs reads an element's attributes through the DOM domain (no page
// script needed). It waits for the element to exist.
func attrs(t *testing.T, ctx context.Context, sel string) map[string]string {
	t.Helper()
	m, err := chromedp.Run(ctx, chromedp.Attributes(chromedp.CSS(sel), chromedp.NodeReady))
	if err != nil {
		t.Fatalf("attributes of %s: %v", sel, err)
	}
	return m
}

// eval evaluates a JavaScript expression in the page (JS-enabled browsers).
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// jsChecked reports the live checked state of the input with that id.
func jsChecked(t *testing.T, ctx context.Context, id string) bool {
	t.Helper()
	return eval[bool](t, ctx, fmt.Sprintf(`(function(){var e=document.getElementById(%q); return !!(e && e.checked);})()`, id))
}

// waitJS polls a boolean expression until it holds or timeout passes.
func waitJS(t *testing.T, ctx context.Context, expr string, timeout time.Duration) bool {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		if ok {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// parseURL splits a URL into path and query; it fails the test on nonsense.
func parseURL(t *testing.T, raw string) (string, url.Values) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse URL %q: %v", raw, err)
	}
	return u.Path, u.Query()
}

// joinByCode types the join code (lower case, with dashes, as a person copies
// it from an invitation) on the home page and continues to the join page.
func joinByCode(t *testing.T, ctx context.Context, e *ecatServer) {
	t.Helper()
	typed := strings.ToLower(assessment.FormatJoinCode(e.a.Code))
	typeInto(t, ctx, "#code", typed)
	resp := clickAndLoad(t, ctx, `form[action="/join"] button[type=submit]`)
	if resp.Status != http.StatusOK {
		t.Fatalf("join by code %q: status %d", typed, resp.Status)
	}
	if path, _ := parseURL(t, currentURL(t, ctx)); path != "/j/"+e.a.Code {
		t.Fatalf("after the code: at %s, want /j/%s", path, e.a.Code)
	}
	if got, want := domText(t, ctx, "h1"), e.a.Title; got != want {
		t.Errorf("join page h1 = %q, want %q", got, want)
	}
}

// choosePillarAndStart picks the staff pillar and English, then starts.
func choosePillarAndStart(t *testing.T, ctx context.Context, e *ecatServer) {
	t.Helper()
	click(t, ctx, `label[for="pillar-staff"]`)
	click(t, ctx, `label[for="lang-en"]`)
	resp := clickAndLoad(t, ctx, `main form button[type=submit]`)
	if resp.Status != http.StatusOK {
		t.Fatalf("start the form: status %d", resp.Status)
	}
	path, q := parseURL(t, currentURL(t, ctx))
	if path != "/j/"+e.a.Code+"/form" || q.Get("pillar") != "staff" || q.Get("lang") != "en" {
		t.Fatalf("form opened at %s?%s, want /j/%s/form?pillar=staff&lang=en", path, q.Encode(), e.a.Code)
	}
	if got, want := domText(t, ctx, "h1"), e.staff(t).Title.In(locale.English); got != want {
		t.Errorf("form h1 = %q, want %q", got, want)
	}
}

// answerItems clicks the answer label of each item; with checkLive (JS on)
// it checks each radio really got checked.
func answerItems(t *testing.T, ctx context.Context, items []pillars.Item, first int, checkLive bool) {
	t.Helper()
	for i, it := range items {
		id := radioID(it.ID, answerFor(first+i))
		click(t, ctx, fmt.Sprintf(`label[for=%q]`, id))
		if checkLive && !jsChecked(t, ctx, id) {
			t.Fatalf("clicked the label of #%s, but it is not checked", id)
		}
	}
}

// tokenFrom returns the resume token of a /r/{token}… URL.
func tokenFrom(t *testing.T, raw string) string {
	t.Helper()
	path, _ := parseURL(t, raw)
	token, ok := strings.CutPrefix(path, "/r/")
	token, _, _ = strings.Cut(token, "/")
	if !ok || !assessment.LooksLikeResumeToken(token) {
		t.Fatalf("URL %s is not a resume link", raw)
	}
	return token
}

// errorLink is one entry of a form's error summary.
type errorLink struct {
	Href   string `json:"href"`
	Text   string `json:"text"`
	Exists bool   `json:"exists"`
}

// noHorizontalScroll checks that the page is no wider than the viewport and,
// when it is, names the elements that stick out.
func noHorizontalScroll(t *testing.T, ctx context.Context, page string, width int) {
	t.Helper()
	sw := eval[int](t, ctx, `document.documentElement.scrollWidth`)
	if sw <= width {
		return
	}
	wide := eval[[]string](t, ctx, fmt.Sprintf(`Array.from(document.querySelectorAll("body *"))
		.filter(e => e.getBoundingClientRect().right > %d)
		.slice(0, 8)
		.map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + String(e.className).split(" ").join(".") : "") + " right=" + Math.round(e.getBoundingClientRect().right))`, width))
	t.Errorf("%s: scrollWidth %d > %d: the page scrolls sideways; widest elements: %v", page, sw, width, wide)
	shot(t, ctx, page+"-too-wide")
}

// --- tests --------------------------------------------------------------------

// TestRespondentJourneyMobile follows one staff member on a phone with
// JavaScript: join by code, pillar and language, half the checklist, save
// and come back through the resume link, a rejected incomplete submission,
// completion, the thank-you page, and the read-only copy once the
// assessment is closed. Every page is checked with axe.
func TestRespondentJourneyMobile(t *testing.T) {
	requireChrome(t)
	e := startECAT(t)
	ctx := newBrowser(t, phoneWidth, phoneHeight, true)
	p := e.staff(t)
	items := p.Items()
	half := len(items) / 2
	reflection := "We ask patients for feedback, but rarely tell them what changed."

	// Home: type the code as printed on an invitation, but in lower case.
	navigate(t, ctx, e.URL+"/")
	shot(t, ctx, "01-home")
	checkAxe(t, ctx, "home")
	joinByCode(t, ctx, e)

	// Join page: pillar and language. Starting without a pillar is refused
	// with an error summary that takes the focus and links to the choices.
	shot(t, ctx, "02-join")
	checkAxe(t, ctx, "join")
	if resp := clickAndLoad(t, ctx, `main form button[type=submit]`); resp.Status != http.StatusUnprocessableEntity {
		t.Fatalf("start without a pillar: status %d, want 422", resp.Status)
	}
	if got, want := domText(t, ctx, ".error-summary a"), e.msg("join.pillar_required"); got != want {
		t.Errorf("join error summary = %q, want %q", got, want)
	}
	if target := strings.TrimPrefix(attrs(t, ctx, ".error-summary a")["href"], "#"); !eval[bool](t, ctx, fmt.Sprintf(`document.getElementById(%q) !== null`, target)) {
		t.Errorf("join error summary links to #%s, which is not in the page", target)
	}
	if !waitJS(t, ctx, `document.activeElement !== null && document.activeElement.classList.contains("error-summary")`, 5*time.Second) {
		t.Error("join page with an error: the error summary does not have the focus")
	}
	shot(t, ctx, "02-join-error")
	checkAxe(t, ctx, "join error")
	choosePillarAndStart(t, ctx, e)

	// The form, blank.
	checkAxe(t, ctx, "form")
	total := len(items)
	if got, want := domText(t, ctx, "#progress-count"), e.msg("form.progress", 0, total); got != want {
		t.Errorf("progress = %q, want %q", got, want)
	}
	shot(t, ctx, "03-form")

	// About half the checklist and one reflection, then save for later.
	answerItems(t, ctx, items[:half], 0, true)
	if got, want := domText(t, ctx, "#progress-count"), e.msg("form.progress", half, total); got != want {
		t.Errorf("progress after %d answers = %q, want %q", half, got, want)
	}
	reflID := "refl-" + p.Reflections[0].ID
	typeInto(t, ctx, "#"+reflID, reflection)
	resp := clickAndLoad(t, ctx, `button[name=action][value=save]`)
	if resp.Status != http.StatusOK {
		t.Fatalf("save and finish later: status %d", resp.Status)
	}
	savedURL := currentURL(t, ctx)
	token := tokenFrom(t, savedURL)
	if path, q := parseURL(t, savedURL); path != "/r/"+token || q.Get("saved") != "1" {
		t.Fatalf("after saving: at %s, want /r/{token}?saved=1…", savedURL)
	}

	// The saved notice shows the personal resume link.
	if got, want := domText(t, ctx, ".notice h2"), e.msg("form.saved_heading"); got != want {
		t.Errorf("saved notice heading = %q, want %q", got, want)
	}
	resumeURL := attrs(t, ctx, ".notice .link-box a")["href"]
	if want := e.URL + "/r/" + token; resumeURL != want {
		t.Fatalf("resume link = %q, want %q", resumeURL, want)
	}
	if got := domText(t, ctx, ".notice .link-box a"); got != resumeURL {
		t.Errorf("resume link text = %q, want the link itself %q", got, resumeURL)
	}
	shot(t, ctx, "04-saved")
	checkAxe(t, ctx, "saved")
	if c := e.counts(t, e.a); c["staff"] != (assessment.PillarCounts{Drafts: 1}) || len(c) != 1 {
		t.Errorf("after saving: counts %+v, want one staff draft", c)
	}

	// Come back later through the link: the answers are there.
	navigate(t, ctx, resumeURL)
	for i, it := range items {
		for _, a := range assessment.Answers {
			want := i < half && a == answerFor(i)
			if got := jsChecked(t, ctx, radioID(it.ID, a)); got != want {
				t.Errorf("resumed form: #%s checked = %v, want %v", radioID(it.ID, a), got, want)
			}
		}
	}
	if got := eval[string](t, ctx, `document.getElementById("`+reflID+`").value`); got != reflection {
		t.Errorf("resumed reflection = %q, want %q", got, reflection)
	}
	if got, want := domText(t, ctx, "#progress-count"), e.msg("form.progress", half, total); got != want {
		t.Errorf("resumed progress = %q, want %q", got, want)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll(".notice").length`); n != 0 {
		t.Errorf("resumed form without ?saved: %d notices, want none", n)
	}

	// Submit while items are missing: 422 with every problem listed.
	resp = clickAndLoad(t, ctx, `button[name=action][value=submit]`)
	if resp.Status != http.StatusUnprocessableEntity {
		t.Fatalf("incomplete submission: status %d, want 422", resp.Status)
	}
	if path, _ := parseURL(t, currentURL(t, ctx)); path != "/r/"+token {
		t.Errorf("incomplete submission answered at %s, want /r/%s", path, token)
	}
	if got, want := domText(t, ctx, ".error-summary h2"), e.msg("errors.title"); got != want {
		t.Errorf("error summary heading = %q, want %q", got, want)
	}
	links := eval[[]errorLink](t, ctx, `Array.from(document.querySelectorAll(".error-summary a")).map(a => ({
		href: a.getAttribute("href"), text: a.textContent.trim(),
		exists: a.getAttribute("href").charAt(0) === "#" && document.getElementById(a.getAttribute("href").slice(1)) !== null}))`)
	var wantLinks []errorLink
	for _, it := range items[half:] {
		wantLinks = append(wantLinks, errorLink{Href: "#" + radioID(it.ID, assessment.Yes), Text: e.msg("field.required_answer", strings.ReplaceAll(it.ID, "-", "\u2011")), Exists: true})
	}
	wantLinks = append(wantLinks,
		errorLink{Href: "#strength-text", Text: e.msg("field.required_strength"), Exists: true},
		errorLink{Href: "#opportunity-text", Text: e.msg("field.required_opportunity"), Exists: true})
	if fmt.Sprint(links) != fmt.Sprint(wantLinks) {
		t.Errorf("error summary links:\n got %v\nwant %v", links, wantLinks)
	}
	if got, want := domText(t, ctx, ".error-summary > p"), e.msg("errors.count", len(wantLinks)); got != want {
		t.Errorf("error count line = %q, want %q", got, want)
	}
	// Each missing item is marked where it is, and its message is tied to it.
	for _, it := range items[half:] {
		a := attrs(t, ctx, "#q-"+it.ID)
		if !strings.Contains(a["class"], "invalid") || a["aria-describedby"] != "err-"+it.ID {
			t.Errorf("fieldset #q-%s: class %q aria-describedby %q, want invalid and err-%s", it.ID, a["class"], a["aria-describedby"], it.ID)
		}
		if got, want := domText(t, ctx, "#err-"+it.ID), e.msg("error_prefix")+" "+e.msg("field.required_answer", strings.ReplaceAll(it.ID, "-", "\u2011")); got != want {
			t.Errorf("#err-%s = %q, want %q", it.ID, got, want)
		}
	}
	for _, key := range []string{"strength", "opportunity"} {
		a := attrs(t, ctx, "#"+key+"-text")
		if a["aria-invalid"] != "true" || !strings.Contains(a["aria-describedby"], "err-"+key+"-text") {
			t.Errorf("#%s-text: aria-invalid %q aria-describedby %q", key, a["aria-invalid"], a["aria-describedby"])
		}
	}
	// What was already given is kept.
	for i, it := range items[:half] {
		if !jsChecked(t, ctx, radioID(it.ID, answerFor(i))) {
			t.Errorf("after the rejected submission, #%s is no longer checked", radioID(it.ID, answerFor(i)))
		}
	}
	if got := eval[string](t, ctx, `document.getElementById("`+reflID+`").value`); got != reflection {
		t.Errorf("reflection after the rejected submission = %q, want %q", got, reflection)
	}
	// Focus goes to the summary, and its links move focus to the fields.
	summaryFocused := `document.activeElement !== null && document.activeElement.classList.contains("error-summary")`
	if !waitJS(t, ctx, summaryFocused, 5*time.Second) {
		t.Errorf("focus on the error page is on %q, want the error summary",
			eval[string](t, ctx, `document.activeElement ? document.activeElement.tagName + "." + document.activeElement.className : ""`))
	}
	shot(t, ctx, "05-errors")
	checkAxe(t, ctx, "errors")
	click(t, ctx, ".error-summary li:first-child a")
	firstTarget := strings.TrimPrefix(wantLinks[0].Href, "#")
	if !waitJS(t, ctx, fmt.Sprintf(`document.activeElement && document.activeElement.id === %q`, firstTarget), 5*time.Second) {
		t.Errorf("the first error link did not move focus to #%s (focus on %q)", firstTarget,
			eval[string](t, ctx, `document.activeElement ? document.activeElement.tagName + "#" + document.activeElement.id : ""`))
	}

	// Finish: the rest of the checklist, a strength, an opportunity, a theme.
	answerItems(t, ctx, items[half:], half, true)
	if got, want := domText(t, ctx, "#progress-count"), e.msg("form.progress", total, total); got != want {
		t.Errorf("progress when complete = %q, want %q", got, want)
	}
	strength, opportunity := "Leaders invite patient partners to huddles.", "Tell patients what we changed."
	typeInto(t, ctx, "#strength-text", strength)
	typeInto(t, ctx, "#opportunity-text", opportunity)
	theme := e.in.Themes[len(e.in.Themes)-1].Key
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#opportunity-theme"), theme)); err != nil {
		t.Fatalf("choose a theme: %v", err)
	}
	resp = clickAndLoad(t, ctx, `button[name=action][value=submit]`)
	if resp.Status != http.StatusOK {
		t.Fatalf("submission: status %d", resp.Status)
	}
	if path, _ := parseURL(t, currentURL(t, ctx)); path != "/r/"+token+"/thanks" {
		t.Fatalf("after submitting: at %s, want /r/%s/thanks", path, token)
	}
	if got, want := domText(t, ctx, "h1"), e.msg("thanks.heading"); got != want {
		t.Errorf("thank-you h1 = %q, want %q", got, want)
	}
	if got := attrs(t, ctx, ".link-box a")["href"]; got != resumeURL {
		t.Errorf("thank-you page resume link = %q, want %q", got, resumeURL)
	}
	shot(t, ctx, "06-thanks")
	checkAxe(t, ctx, "thanks")

	// Exactly one submitted staff response, with what was typed.
	if c := e.counts(t, e.a); c["staff"] != (assessment.PillarCounts{Submitted: 1}) || len(c) != 1 {
		t.Errorf("after submitting: counts %+v, want exactly one submitted staff response", c)
	}
	r := e.response(t, token)
	if r.Status != assessment.Submitted || len(r.Answers) != total || r.Strength.Text != strength ||
		r.Opportunity.Text != opportunity || r.Opportunity.Theme != theme || r.Strength.Theme != "" ||
		r.Reflections[p.Reflections[0].ID] != reflection || r.Language != "en" {
		t.Errorf("stored response = %+v", r)
	}
	for i, it := range items {
		if r.Answers[it.ID] != answerFor(i) {
			t.Errorf("stored answer %s = %q, want %q", it.ID, r.Answers[it.ID], answerFor(i))
		}
	}

	// Once the assessment is closed, the link shows a read-only copy.
	if _, err := e.store.SetAssessmentStatus(context.Background(), e.a.ID, assessment.Closed); err != nil {
		t.Fatalf("close assessment: %v", err)
	}
	navigate(t, ctx, resumeURL)
	if got, want := domText(t, ctx, "h1"), e.msg("view.heading", p.Title.In(locale.English)); got != want {
		t.Errorf("closed view h1 = %q, want %q", got, want)
	}
	if got, want := domText(t, ctx, ".notice"), e.msg("view.closed_note"); got != want {
		t.Errorf("closed view notice = %q, want %q", got, want)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("form, input, textarea, select, button").length`); n != 0 {
		t.Errorf("closed view has %d form controls, want none", n)
	}
	if got := domText(t, ctx, "main"); !strings.Contains(got, strength) || !strings.Contains(got, reflection) {
		t.Errorf("closed view does not show what was written: %q", got)
	}
	shot(t, ctx, "07-closed")
	checkAxe(t, ctx, "closed view")
}

// TestAutosave checks the JavaScript enhancement of the form: the progress
// line follows the answers at once, and the draft saves itself (the address
// becomes the personal link) so a reload keeps the answer.
func TestAutosave(t *testing.T) {
	requireChrome(t)
	e := startECAT(t)
	ctx := newBrowser(t, phoneWidth, phoneHeight, true)
	p := e.staff(t)
	items := p.Items()
	total := len(items)

	navigate(t, ctx, e.URL+"/j/"+e.a.Code+"/form?pillar=staff&lang=en")
	if got, want := domText(t, ctx, "#progress-count"), e.msg("form.progress", 0, total); got != want {
		t.Errorf("blank progress = %q, want %q", got, want)
	}
	first := radioID(items[0].ID, assessment.Somewhat)
	click(t, ctx, fmt.Sprintf(`label[for=%q]`, first))
	if !jsChecked(t, ctx, first) {
		t.Fatalf("#%s not checked after clicking its label", first)
	}
	if got, want := domText(t, ctx, "#progress-count"), e.msg("form.progress", 1, total); got != want {
		t.Errorf("live progress = %q, want %q", got, want)
	}
	if !strings.Contains(domText(t, ctx, "#progress-count"), fmt.Sprintf("1 of %d", total)) {
		t.Errorf("live progress does not say 1 of %d", total)
	}
	if v := eval[int](t, ctx, `document.getElementById("progress-bar").value`); v != 1 {
		t.Errorf("progress bar value = %d, want 1", v)
	}

	saved := `document.getElementById("autosave-status").textContent.trim() !== "" && location.pathname.indexOf("/r/") === 0`
	if !waitJS(t, ctx, saved, 10*time.Second) {
		t.Fatalf("no autosave within 10 s: status %q, location %q",
			eval[string](t, ctx, `document.getElementById("autosave-status").textContent`), eval[string](t, ctx, `location.href`))
	}
	if got, want := domText(t, ctx, "#autosave-status"), e.msg("form.autosave_saved"); got != want {
		t.Errorf("autosave status = %q, want %q", got, want)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	token := tokenFrom(t, loc)
	if loc != e.URL+"/r/"+token {
		t.Errorf("address after autosave = %q, want the resume link", loc)
	}
	if got := attrs(t, ctx, "#response-form")["action"]; got != "/r/"+token {
		t.Errorf("form action after autosave = %q, want /r/%s", got, token)
	}
	shot(t, ctx, "autosaved")

	// A second change saves into the same response, not a new one.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("autosave-status").textContent = ""`)); err != nil {
		t.Fatal(err)
	}
	second := radioID(items[1].ID, assessment.No)
	click(t, ctx, fmt.Sprintf(`label[for=%q]`, second))
	if !waitJS(t, ctx, `document.getElementById("autosave-status").textContent.trim() !== ""`, 10*time.Second) {
		t.Fatal("second autosave did not happen within 10 s")
	}
	if c := e.counts(t, e.a); c["staff"] != (assessment.PillarCounts{Drafts: 1}) || len(c) != 1 {
		t.Errorf("after two autosaves: counts %+v, want one staff draft", c)
	}
	r := e.response(t, token)
	if r.Status != assessment.Draft || len(r.Answers) != 2 || r.Answers[items[0].ID] != assessment.Somewhat || r.Answers[items[1].ID] != assessment.No {
		t.Errorf("stored draft = %+v", r)
	}

	// Reload the personal link: the answers are still there.
	navigate(t, ctx, loc)
	if !jsChecked(t, ctx, first) || !jsChecked(t, ctx, second) {
		t.Errorf("after reload: #%s checked %v, #%s checked %v; want both", first, jsChecked(t, ctx, first), second, jsChecked(t, ctx, second))
	}
	if got, want := domText(t, ctx, "#progress-count"), e.msg("form.progress", 2, total); got != want {
		t.Errorf("progress after reload = %q, want %q", got, want)
	}
	if got := domText(t, ctx, "#autosave-status"); got != "" {
		t.Errorf("autosave status after reload = %q, want empty", got)
	}

	// Switching to French in the middle keeps everything, typed but not yet saved
	// included, and stays on the same draft.
	refl := "#refl-" + p.Reflections[0].ID
	typeInto(t, ctx, refl, "Typed just before switching")
	if resp := clickAndLoad(t, ctx, `button.lang[form="response-form"]`); resp.Status != 200 {
		t.Fatalf("switch language: status %d", resp.Status)
	}
	if lang := attrs(t, ctx, "html")["lang"]; lang != "fr" {
		t.Fatalf("after the switch the page is in %q, want fr", lang)
	}
	if !jsChecked(t, ctx, first) || !jsChecked(t, ctx, second) {
		t.Errorf("after the switch: #%s checked %v, #%s checked %v; want both", first, jsChecked(t, ctx, first), second, jsChecked(t, ctx, second))
	}
	if got := eval[string](t, ctx, `document.querySelector(`+strconv.Quote(refl)+`).value`); got != "Typed just before switching" {
		t.Errorf("the reflection after the switch = %q", got)
	}
	if got := attrs(t, ctx, "#response-form")["action"]; got != "/r/"+token {
		t.Errorf("form action after the switch = %q, want the same draft /r/%s", got, token)
	}
	checkAxe(t, ctx, "form after a language switch")
	if c := e.counts(t, e.a); c["staff"] != (assessment.PillarCounts{Drafts: 1}) || len(c) != 1 {
		t.Errorf("after the switch: counts %+v, want the one staff draft", c)
	}
}

// TestRespondentJourneyWithoutJavaScript is the core journey with scripts
// off, read only through the DOM domain: join by code, pillar, the whole
// checklist, save, resume, submit, thank-you; then the database.
func TestRespondentJourneyWithoutJavaScript(t *testing.T) {
	requireChrome(t)
	e := startECAT(t)
	ctx := newBrowser(t, phoneWidth, phoneHeight, false)
	p := e.staff(t)
	items := p.Items()
	total := len(items)

	navigate(t, ctx, e.URL+"/")
	shot(t, ctx, "01-home")
	joinByCode(t, ctx, e)
	shot(t, ctx, "02-join")
	choosePillarAndStart(t, ctx, e)
	shot(t, ctx, "03-form")

	// The whole checklist, then save for later. The progress line is the
	// server's: it does not move without JavaScript.
	answerItems(t, ctx, items, 0, false)
	if got, want := domText(t, ctx, "#progress-count"), e.msg("form.progress", 0, total); got != want {
		t.Errorf("progress without JavaScript = %q, want the server's %q", got, want)
	}
	reflection := "Patient partners sit on our quality committee."
	typeInto(t, ctx, "#refl-"+p.Reflections[1].ID, reflection)
	resp := clickAndLoad(t, ctx, `button[name=action][value=save]`)
	if resp.Status != http.StatusOK {
		t.Fatalf("save and finish later: status %d", resp.Status)
	}
	savedURL := currentURL(t, ctx)
	token := tokenFrom(t, savedURL)
	if path, q := parseURL(t, savedURL); path != "/r/"+token || q.Get("saved") != "1" {
		t.Fatalf("after saving: at %s, want /r/{token}?saved=1…", savedURL)
	}
	if got, want := domText(t, ctx, ".notice h2"), e.msg("form.saved_heading"); got != want {
		t.Errorf("saved notice heading = %q, want %q", got, want)
	}
	resumeURL := domText(t, ctx, ".notice .link-box a")
	if want := e.URL + "/r/" + token; resumeURL != want || attrs(t, ctx, ".notice .link-box a")["href"] != want {
		t.Fatalf("resume link = %q, want %q", resumeURL, want)
	}
	shot(t, ctx, "04-saved")

	// Resume: the server shows every answer checked, and the progress.
	navigate(t, ctx, resumeURL)
	for i, it := range items {
		for _, a := range assessment.Answers {
			_, checked := attrs(t, ctx, "#"+radioID(it.ID, a))["checked"]
			if want := a == answerFor(i); checked != want {
				t.Errorf("resumed form: #%s checked = %v, want %v", radioID(it.ID, a), checked, want)
			}
		}
	}
	if got, want := domText(t, ctx, "#progress-count"), e.msg("form.progress", total, total); got != want {
		t.Errorf("resumed progress = %q, want %q", got, want)
	}
	if got := domText(t, ctx, "#refl-"+p.Reflections[1].ID); got != reflection {
		t.Errorf("resumed reflection = %q, want %q", got, reflection)
	}

	// Submit with the strength and opportunity; the theme is chosen with
	// the keyboard on the focused <select> (type-ahead), as without a mouse.
	strength, opportunity := "We co-design leaflets with patients.", "Pay partners for their time."
	typeInto(t, ctx, "#strength-text", strength)
	typeInto(t, ctx, "#opportunity-text", opportunity)
	theme := e.in.Themes[2]
	typeInto(t, ctx, "#strength-theme", strings.Fields(theme.Title.In(locale.English))[0])
	resp = clickAndLoad(t, ctx, `button[name=action][value=submit]`)
	if resp.Status != http.StatusOK {
		t.Fatalf("submission: status %d", resp.Status)
	}
	if path, _ := parseURL(t, currentURL(t, ctx)); path != "/r/"+token+"/thanks" {
		t.Fatalf("after submitting: at %s, want /r/%s/thanks", path, token)
	}
	if got, want := domText(t, ctx, "h1"), e.msg("thanks.heading"); got != want {
		t.Errorf("thank-you h1 = %q, want %q", got, want)
	}
	if got := domText(t, ctx, ".link-box a"); got != resumeURL {
		t.Errorf("thank-you resume link = %q, want %q", got, resumeURL)
	}
	shot(t, ctx, "05-thanks")

	// The database holds one complete, submitted staff response.
	if c := e.counts(t, e.a); c["staff"] != (assessment.PillarCounts{Submitted: 1}) || len(c) != 1 {
		t.Errorf("counts %+v, want exactly one submitted staff response", c)
	}
	r := e.response(t, token)
	if r.Status != assessment.Submitted || r.SubmittedAt == nil || len(r.Answers) != total ||
		r.Strength.Text != strength || r.Strength.Theme != theme.Key || r.Opportunity.Text != opportunity ||
		r.Opportunity.Theme != "" || r.Reflections[p.Reflections[1].ID] != reflection || len(r.Reflections) != 1 {
		t.Errorf("stored response = %+v", r)
	}
	for i, it := range items {
		if r.Answers[it.ID] != answerFor(i) {
			t.Errorf("stored answer %s = %q, want %q", it.ID, r.Answers[it.ID], answerFor(i))
		}
	}
}

// TestNoHorizontalScroll checks that every respondent page fits a 360 px
// wide screen: nothing makes the page scroll sideways.
func TestNoHorizontalScroll(t *testing.T) {
	requireChrome(t)
	e := startECAT(t)
	ctx := newBrowser(t, phoneWidth, phoneHeight, true)
	submitted := e.storeResponse(t, e.a, true)
	draft := e.storeResponse(t, e.a, false)
	closed := e.newAssessment(t)
	closedToken := e.storeResponse(t, closed, true)
	if _, err := e.store.SetAssessmentStatus(context.Background(), closed.ID, assessment.Closed); err != nil {
		t.Fatal(err)
	}

	pages := []struct{ name, path string }{
		{"home", "/"},
		{"home-fr", "/?lang=fr"},
		{"home-bad-code", "/join?code=not-a-code"},
		{"join", "/j/" + e.a.Code},
		{"form", "/j/" + e.a.Code + "/form?pillar=staff&lang=en"},
		{"form-fr", "/j/" + e.a.Code + "/form?pillar=patient_partners&lang=fr"},
		{"saved", "/r/" + draft + "?saved=1&lang=en"},
		{"thanks", "/r/" + submitted + "/thanks"},
		{"closed-view", "/r/" + closedToken},
		{"not-found", "/r/" + strings.Repeat("x", 26)},
	}
	for _, pg := range pages {
		navigate(t, ctx, e.URL+pg.path)
		if w := eval[int](t, ctx, `window.innerWidth`); w != phoneWidth {
			t.Fatalf("%s: viewport %d px wide, want %d", pg.name, w, phoneWidth)
		}
		noHorizontalScroll(t, ctx, pg.name, phoneWidth)
	}

	// The form with its error summary (a blank submission).
	navigate(t, ctx, e.URL+"/j/"+e.a.Code+"/form?pillar=staff&lang=en")
	if resp := clickAndLoad(t, ctx, `button[name=action][value=submit]`); resp.Status != http.StatusUnprocessableEntity {
		t.Fatalf("blank submission: status %d, want 422", resp.Status)
	}
	noHorizontalScroll(t, ctx, "form-errors", phoneWidth)
	shot(t, ctx, "form-errors")
}

// TestPageWeight keeps the respondent form light for slow phone connections:
// the HTML of the largest form page plus the stylesheet and the script it
// loads stay under 60 KB (uncompressed). It needs no browser.
func TestPageWeight(t *testing.T) {
	const budget = 60_000
	e := startECAT(t)
	get := func(path string) int {
		t.Helper()
		resp, err := http.Get(e.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer closeBody(t, resp.Body)
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, resp.StatusCode)
		}
		return len(body)
	}
	css, js := get("/static/app.css"), get("/static/form.js")
	for _, p := range e.in.Pillars {
		for _, lang := range []string{"en", "fr"} {
			html := get("/j/" + e.a.Code + "/form?pillar=" + p.Key + "&lang=" + lang)
			sum := html + css + js
			t.Logf("form %s/%s: HTML %d B + app.css %d B + form.js %d B = %d B (budget %d B)", p.Key, lang, html, css, js, sum, budget)
			if sum >= budget {
				t.Errorf("form %s/%s weighs %d B, over the %d B budget", p.Key, lang, sum, budget)
			}
		}
	}
}

// TestClaimPage: a link whose answers another browser wrote asks first, on a phone,
// accessibly, with and without JavaScript; continuing moves the answers to a new link
// shown in this browser.
func TestClaimPage(t *testing.T) {
	requireChrome(t)
	e := startECAT(t)
	for _, js := range []bool{true, false} {
		ctx := newBrowser(t, phoneWidth, phoneHeight, js)
		token := e.storeResponse(t, e.a, false)
		navigate(t, ctx, e.URL+"/r/"+token)
		name := fmt.Sprintf("claim (JavaScript %v)", js)
		if got := domText(t, ctx, "h1"); !strings.Contains(got, e.tmpl.Message("en", "claim.heading")) {
			t.Fatalf("%s: heading %q", name, got)
		}
		if strings.Contains(domText(t, ctx, "main"), "We listen to patient partners.") {
			t.Errorf("%s: the answers show before they are claimed", name)
		}
		if js { // axe runs as a script
			checkAxe(t, ctx, name)
		}
		noHorizontalScroll(t, ctx, name, phoneWidth)
		if resp := clickAndLoad(t, ctx, `form[action$="/claim"] button[type=submit]`); resp.Status != http.StatusOK {
			t.Fatalf("%s: continue: status %d", name, resp.Status)
		}
		if u := currentURL(t, ctx); strings.Contains(u, token) || !strings.Contains(u, "/r/") {
			t.Errorf("%s: after continuing the browser is at %q, want a new link", name, u)
		}
		if got := eval[string](t, ctx, `document.querySelector('#strength-text').value`); got != "We listen to patient partners." {
			t.Errorf("%s: the form after claiming holds %q", name, got)
		}
		if js {
			checkAxe(t, ctx, name+" form")
		}
	}
}

// TestPaperChecklistInBrowser: the paper checklist of each pillar is axe-clean on a
// phone and on a desktop, prints on A4 and Letter without the site's header and footer
// and in type of at least 11 pt, each table row kept whole, in a few pages.
func TestPaperChecklistInBrowser(t *testing.T) {
	requireChrome(t)
	e := startECAT(t)
	for _, size := range []struct{ w, h int }{{phoneWidth, phoneHeight}, {1280, 800}} {
		ctx := newBrowser(t, size.w, size.h, true)
		for _, lang := range []string{"en", "fr"} {
			for _, p := range e.in.Pillars {
				navigate(t, ctx, e.URL+"/j/"+e.a.Code+"/print?pillar="+p.Key+"&lang="+lang)
				checkAxe(t, ctx, "paper checklist "+p.Key+" "+lang)
				if size.w != 1280 {
					continue
				}
				for _, paper := range papers {
					if n := pdfPages(t, ctx, paper.width, paper.height); n < 1 || n > 5 {
						t.Errorf("%s %s on %s: %d pages, want 1 to 5", p.Key, lang, paper.name, n)
					}
				}
			}
		}
	}
	ctx := newBrowser(t, 1280, 800, true)
	navigate(t, ctx, e.URL+"/j/"+e.a.Code+"/print?pillar=staff&lang=en")
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	if shown := eval[bool](t, ctx, `getComputedStyle(document.querySelector("header.site")).display !== "none"`); shown {
		t.Error("the site header prints")
	}
	if pt := eval[float64](t, ctx, `parseFloat(getComputedStyle(document.querySelector(".paper-items tbody th")).fontSize) * 0.75`); pt < 11 {
		t.Errorf("statements print at %.1f pt, want at least 11", pt)
	}
}

// TestFocusNotUnderTheProgressBar (WCAG 2.2, 2.4.11): on the form, whatever brings a
// field into view — following a link of the error summary, or moving focus to it — leaves
// it below the sticky progress bar, not hidden under it.
func TestFocusNotUnderTheProgressBar(t *testing.T) {
	requireChrome(t)
	e := startECAT(t)
	ctx := newBrowser(t, phoneWidth, phoneHeight, true)
	navigate(t, ctx, e.URL+"/j/"+e.a.Code+"/form?pillar=staff&lang=en")
	// Submit empty: the page comes back with an error for every statement.
	clickAndLoad(t, ctx, `button[name="action"][value="submit"]`)
	if n := eval[int](t, ctx, `document.querySelectorAll(".error-summary a").length`); n < 5 {
		t.Fatalf("%d error links, want one per missing answer", n)
	}
	clear := `(function(sel){const bar=document.getElementById("progress").getBoundingClientRect();const r=document.querySelector(sel).getBoundingClientRect();return r.top>=bar.bottom-1})`
	links := eval[[]string](t, ctx, `Array.from(document.querySelectorAll(".error-summary a")).map(a=>a.getAttribute("href"))`)
	for _, href := range []string{links[len(links)/2], links[len(links)-1]} {
		click(t, ctx, `.error-summary a[href="`+href+`"]`)
		if !waitJS(t, ctx, clear+`("`+href+`")`, 3*time.Second) {
			t.Errorf("after following %s the field is under the progress bar", href)
		}
	}
	// Focus moved to a field further down (as Tab does) brings it below the bar too.
	eval[bool](t, ctx, `window.scrollTo(0, 0), true`)
	eval[bool](t, ctx, `document.querySelector("#refl-`+e.staff(t).Reflections[0].ID+`").focus(), true`)
	if !eval[bool](t, ctx, clear+`("#refl-`+e.staff(t).Reflections[0].ID+`")`) {
		t.Error("a focused text area is under the progress bar")
	}
}
