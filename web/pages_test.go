package web

import (
	"bytes"
	"encoding/json"
	"html"
	"html/template"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
)

// escaped is text as html/template writes it into a page.
func escaped(t *testing.T, text string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := template.Must(template.New("").Parse("{{.}}")).Execute(&buf, text); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// assertText checks a page shows a message of the locale catalog.
func (e *testEnv) assertText(t *testing.T, body, lang, key string) {
	t.Helper()
	msg := e.tmpl.Message(lang, key)
	if msg == key {
		t.Fatalf("no message %q in %s", key, lang)
	}
	if i := strings.Index(msg, "%"); i >= 0 {
		msg = msg[:i] // formatted messages: their fixed beginning
	}
	if !strings.Contains(body, escaped(t, msg)) {
		t.Errorf("page lacks %s %q:\n%s", key, msg, body)
	}
}

// assertFriendly checks an error page is meant for people: no Go internals.
func assertFriendly(t *testing.T, body string) {
	t.Helper()
	for _, bad := range []string{"goroutine", ".go:", "runtime.", "panic", "gorm", "sql:", "echo.", "Internal Server Error", "{\"error\""} {
		if strings.Contains(body, bad) {
			t.Errorf("error page shows %q:\n%s", bad, body)
		}
	}
	if !strings.Contains(body, "<html") || !strings.Contains(body, `href="/?lang=`) {
		t.Errorf("error page is not a full page with a way home:\n%s", body)
	}
}

var checkedRE = regexp.MustCompile(`<input type="radio" id="a-([^"]+)-([a-z]+)" name="a\.([^"]+)" value="([^"]+)"( checked)?>`)

// checkedAnswers reads the checked radios of a form page, item id → answer.
func checkedAnswers(t *testing.T, body string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range checkedRE.FindAllStringSubmatch(body, -1) {
		if m[1] != m[3] || m[2] != m[4] {
			t.Errorf("radio id and name disagree: %s", m[0])
		}
		if m[5] != "" {
			if prev, dup := out[m[3]]; dup {
				t.Errorf("item %s has two checked answers: %s and %s", m[3], prev, m[4])
			}
			out[m[3]] = m[4]
		}
	}
	return out
}

// textareaValue is the content of a textarea, as a browser would read it.
func textareaValue(t *testing.T, body, id string) string {
	t.Helper()
	re := regexp.MustCompile(`<textarea id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)</textarea>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no textarea %s", id)
	}
	return html.UnescapeString(m[1])
}

// selectedOption is the selected value of a select ("" when none is).
func selectedOption(t *testing.T, body, id string) string {
	t.Helper()
	start := strings.Index(body, `<select id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no select %s", id)
	}
	sel := body[start:]
	sel = sel[:strings.Index(sel, "</select>")]
	m := regexp.MustCompile(`<option value="([^"]*)" selected>`).FindAllStringSubmatch(sel, -1)
	if len(m) > 1 {
		t.Errorf("select %s has %d selected options", id, len(m))
	}
	if len(m) == 0 {
		return ""
	}
	return m[0][1]
}

var summaryLinkRE = regexp.MustCompile(`<li><a href="#([^"]+)">([^<]*)</a></li>`)

// errorSummary returns the targets of the error summary's links, checking each exists.
func errorSummary(t *testing.T, body string) []string {
	t.Helper()
	start := strings.Index(body, `<div class="error-summary"`)
	if start < 0 {
		t.Fatalf("no error summary:\n%s", body)
	}
	summary := body[start:]
	summary = summary[:strings.Index(summary, "</div>")]
	ids := pageIDs(body)
	var targets []string
	for _, m := range summaryLinkRE.FindAllStringSubmatch(summary, -1) {
		targets = append(targets, m[1])
		if !ids[m[1]] {
			t.Errorf("error summary links to #%s, which is not in the page", m[1])
		}
		if strings.TrimSpace(m[2]) == "" {
			t.Errorf("error summary link to #%s has no text", m[1])
		}
	}
	return targets
}

// formFor starts a form page for a pillar and returns its csrf token.
func (b *browser) formFor(t *testing.T, code, pillar, lang string) (string, string) {
	t.Helper()
	rec := b.get("/j/" + code + "/form?pillar=" + pillar + "&lang=" + lang)
	if rec.Code != http.StatusOK {
		t.Fatalf("form page: status %d, body %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	csrf := csrfFromPage(t, body)
	if csrf != b.formToken() {
		t.Fatalf("page _csrf %q is not the token of the browser's cookie %q", csrf, b.csrfCookieValue())
	}
	return csrf, body
}

// fullForm is a complete, valid submission of a pillar's form.
func (e *testEnv) fullForm(csrf, pillar, lang, action string) url.Values {
	v := url.Values{"_csrf": {csrf}, "pillar": {pillar}, "lang": {lang}, "action": {action}}
	for id, a := range e.completeAnswers(pillar) {
		v.Set("a."+id, a)
	}
	v.Set("strength_text", "Partners co-chair our quality committee.")
	v.Set("strength_theme", "influence")
	v.Set("opportunity_text", "Tell partners what changed after they spoke.")
	v.Set("opportunity_theme", "feedback")
	return v
}

// TestPagesJourney walks the no-JavaScript journey: code → join page → form → save →
// resume → submit → thanks.
func TestPagesJourney(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	b := e.newBrowser()

	rec := b.get("/")
	if rec.Code != http.StatusOK || htmlLang(rec.Body.String()) != "en" {
		t.Fatalf("home: status %d lang %q", rec.Code, htmlLang(rec.Body.String()))
	}
	if len(b.csrfCookieValue()) != 2*csrfBytes {
		t.Fatalf("home set no csrf cookie: %q", rec.Header().Values("Set-Cookie"))
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == csrfCookie && (!c.HttpOnly || c.SameSite != http.SameSiteLaxMode) {
			t.Errorf("csrf cookie %+v: want HttpOnly, SameSite=Lax", c)
		}
	}
	e.assertText(t, rec.Body.String(), "en", "home.heading")

	typed := strings.ToLower(assessment.FormatJoinCode(a.Code))
	rec = b.get("/join?code=" + url.QueryEscape(typed))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/j/"+a.Code {
		t.Fatalf("join by code: status %d, Location %q", rec.Code, rec.Header().Get("Location"))
	}

	rec = b.get("/j/" + a.Code)
	if rec.Code != http.StatusOK {
		t.Fatalf("join page: status %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{escaped(t, a.Title), escaped(t, a.Team), `action="/j/` + a.Code + `/form"`, `id="pillar-leadership"`, `id="pillar-staff"`, `id="pillar-patient_partners"`, `id="lang-fr"`} {
		if !strings.Contains(body, want) {
			t.Errorf("join page lacks %q", want)
		}
	}

	// No pillar chosen: the join page again, with the error.
	rec = b.get("/j/" + a.Code + "/form?lang=en")
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("form without pillar: status %d", rec.Code)
	}
	e.assertText(t, rec.Body.String(), "en", "join.pillar_required")
	if targets := errorSummary(t, rec.Body.String()); len(targets) != 1 {
		t.Errorf("pillar error summary %v", targets)
	}
	rec = b.get("/j/" + a.Code + "/form?pillar=nursing&lang=en")
	if rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("form with unknown pillar: status %d", rec.Code)
	}

	csrf, body := b.formFor(t, a.Code, "staff", "en")
	for _, id := range e.itemIDs("staff") {
		if !strings.Contains(body, `id="q-`+id+`"`) {
			t.Errorf("form lacks item %s", id)
		}
	}
	if strings.Contains(body, `id="q-L-01"`) || len(checkedAnswers(t, body)) != 0 {
		t.Error("staff form shows another pillar's item or a pre-checked answer")
	}

	// Save a draft.
	before := e.countRows("responses")
	rec = b.post("/j/"+a.Code+"/form", url.Values{
		"_csrf": {csrf}, "pillar": {"staff"}, "lang": {"en"}, "action": {"save"},
		"a.S-01": {"yes"}, "a.S-02": {"no"}, "a.S-03": {""},
		"refl.S-R1": {"We meet partners monthly.\r\nIt helps."}, "refl.S-R2": {""},
		"strength_text": {"Good listening"}, "strength_theme": {"relationships"},
		"opportunity_text": {""}, "opportunity_theme": {""},
	})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("save: status %d, body %s", rec.Code, rec.Body)
	}
	tok := tokenFromLocation(t, rec)
	if loc := rec.Header().Get("Location"); loc != "/r/"+tok+"?saved=1&lang=en" {
		t.Errorf("save redirects to %q", loc)
	}
	if e.countRows("responses") != before+1 {
		t.Fatal("save stored no response")
	}
	stored := e.storedResponse(tok)
	if stored.Status != assessment.Draft || stored.Pillar != "staff" || stored.Language != "en" ||
		!reflect.DeepEqual(stored.Answers, map[string]assessment.Answer{"S-01": "yes", "S-02": "no"}) ||
		!reflect.DeepEqual(stored.Reflections, map[string]string{"S-R1": "We meet partners monthly.\nIt helps."}) ||
		stored.Strength != (assessment.Named{Text: "Good listening", Theme: "relationships"}) {
		t.Errorf("stored draft %+v", stored)
	}

	// Resume it.
	rec = b.get("/r/" + tok + "?saved=1&lang=en")
	if rec.Code != http.StatusOK {
		t.Fatalf("resume: status %d", rec.Code)
	}
	assertNoStore(t, rec)
	body = rec.Body.String()
	if got := checkedAnswers(t, body); !reflect.DeepEqual(got, map[string]string{"S-01": "yes", "S-02": "no"}) {
		t.Errorf("resumed form checks %v", got)
	}
	if got := textareaValue(t, body, "refl-S-R1"); got != "We meet partners monthly.\nIt helps." {
		t.Errorf("resumed reflection %q", got)
	}
	if got := textareaValue(t, body, "strength-text"); got != "Good listening" {
		t.Errorf("resumed strength %q", got)
	}
	if got := selectedOption(t, body, "strength-theme"); got != "relationships" {
		t.Errorf("resumed strength theme %q", got)
	}
	e.assertText(t, body, "en", "form.saved_heading")
	if !strings.Contains(body, `<a href="`+testBaseURL+`/r/`+tok+`">`) {
		t.Error("saved notice does not show the personal link")
	}
	if !strings.Contains(body, `action="/r/`+tok+`"`) {
		t.Error("resumed form does not post to its resume link")
	}
	if !strings.Contains(body, `value="2" aria-labelledby="progress-text"`) {
		t.Error("progress does not say 2 answered")
	}
	csrf = csrfFromPage(t, body)

	// Submit it.
	rec = b.post("/r/"+tok, e.fullForm(csrf, "staff", "en", "submit"))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/r/"+tok+"/thanks?lang=en" {
		t.Fatalf("submit: status %d, Location %q, body %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	if e.countRows("responses") != before+1 {
		t.Error("submitting a resumed draft made a new response")
	}
	stored = e.storedResponse(tok)
	if stored.Status != assessment.Submitted || len(stored.Answers) != 16 || len(stored.Reflections) != 0 || stored.SubmittedAt == nil {
		t.Errorf("stored after submit %+v", stored)
	}
	rec = b.get("/r/" + tok + "/thanks?lang=en")
	if rec.Code != http.StatusOK {
		t.Fatalf("thanks: status %d", rec.Code)
	}
	assertNoStore(t, rec)
	e.assertText(t, rec.Body.String(), "en", "thanks.heading")
	if !strings.Contains(rec.Body.String(), testBaseURL+"/r/"+tok) {
		t.Error("thanks page of an open assessment lacks the link to change answers")
	}

	// The submitted response can still be changed while open; no "save as draft" any more.
	rec = b.get("/r/" + tok)
	body = rec.Body.String()
	if rec.Code != http.StatusOK || strings.Contains(body, `value="save"`) {
		t.Errorf("submitted form: status %d, still offers save", rec.Code)
	}
	e.assertText(t, body, "en", "form.submitted_note")
	if got := checkedAnswers(t, body); len(got) != 16 {
		t.Errorf("submitted form checks %d answers", len(got))
	}
	// A thanks page of a draft sends back to the form.
	draftTok := e.createResponse(map[string]any{"code": a.Code, "pillar": "staff"})
	if rec := b.get("/r/" + draftTok + "/thanks"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/r/"+draftTok {
		t.Errorf("thanks of a draft: status %d, Location %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestPagesJoinByCode(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	unknown := assessment.NewJoinCode()
	cases := []struct {
		name, query  string
		wantStatus   int
		wantLocation string
		wantKey      string // message on the home page
		wantValue    string // the code shown back in the field
	}{
		{name: "canonical", query: "code=" + a.Code, wantStatus: 303, wantLocation: "/j/" + a.Code},
		{name: "typed with dashes in lower case", query: "code=" + url.QueryEscape(strings.ToLower(assessment.FormatJoinCode(a.Code))), wantStatus: 303, wantLocation: "/j/" + a.Code},
		{name: "with language", query: "lang=fr&code=" + a.Code, wantStatus: 303, wantLocation: "/j/" + a.Code + "?lang=fr"},
		{name: "too short", query: "code=ABC", wantStatus: 422, wantKey: "home.code_invalid", wantValue: "ABC"},
		{name: "empty", query: "code=", wantStatus: 422, wantKey: "home.code_invalid"},
		{name: "markup", query: "code=" + url.QueryEscape(`"><script>alert(1)</script>`), wantStatus: 422, wantKey: "home.code_invalid", wantValue: `"><script>alert(1)</script>`},
		{name: "invalid UTF-8", query: "code=%FF%FE", wantStatus: 422, wantKey: "home.code_invalid", wantValue: "\uFFFD"},
		{name: "unknown", query: "code=" + unknown, wantStatus: 404, wantKey: "home.code_unknown", wantValue: unknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := e.newBrowser().get("/join?" + tc.query)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if rec.Header().Get("Location") != tc.wantLocation {
				t.Errorf("Location %q, want %q", rec.Header().Get("Location"), tc.wantLocation)
			}
			if tc.wantKey == "" {
				return
			}
			body := rec.Body.String()
			e.assertText(t, body, "en", tc.wantKey)
			if !strings.Contains(body, `id="code-error"`) || !strings.Contains(body, `aria-invalid="true"`) {
				t.Error("the error is not tied to the code field")
			}
			if strings.Contains(body, "<script>alert") {
				t.Error("typed markup is echoed unescaped")
			}
			m := regexp.MustCompile(`<input type="text" id="code" name="code" value="([^"]*)"`).FindStringSubmatch(body)
			if m == nil || html.UnescapeString(m[1]) != tc.wantValue {
				t.Errorf("code field %v, want value %q", m, tc.wantValue)
			}
		})
	}
}

// TestPagesRejectedFormKeepsInput: an invalid submission is shown back with everything
// typed, an error summary linking to fields of the page, messages next to the fields,
// and nothing stored.
func TestPagesRejectedFormKeepsInput(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	b := e.newBrowser()
	csrf, _ := b.formFor(t, a.Code, "staff", "en")
	longText := strings.Repeat("x", assessment.MaxReflectionLen+1)
	form := url.Values{
		"_csrf": {csrf}, "pillar": {"staff"}, "lang": {"en"}, "action": {"submit"},
		"a.S-01": {"yes"}, "a.S-02": {"somewhat"}, "a.S-03": {"maybe"},
		"refl.S-R1":     {"Our huddles\nwork"},
		"refl.S-R2":     {longText},
		"strength_text": {"We are <b>great</b>"}, "strength_theme": {"feedback"},
		"opportunity_text": {""}, "opportunity_theme": {"learning"},
	}
	before := e.dbChecksum()
	rec := b.post("/j/"+a.Code+"/form", form)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, body %s", rec.Code, rec.Body)
	}
	if e.dbChecksum() != before {
		t.Fatal("a rejected form changed the database")
	}
	assertNoStore(t, rec)
	body := rec.Body.String()
	if got, want := checkedAnswers(t, body), map[string]string{"S-01": "yes", "S-02": "somewhat"}; !reflect.DeepEqual(got, want) {
		t.Errorf("checked answers %v, want %v", got, want)
	}
	for id, want := range map[string]string{"refl-S-R1": "Our huddles\nwork", "refl-S-R2": longText, "strength-text": "We are <b>great</b>", "opportunity-text": ""} {
		if got := textareaValue(t, body, id); got != want {
			t.Errorf("textarea %s = %.60q, want %.60q", id, got, want)
		}
	}
	if got := selectedOption(t, body, "strength-theme"); got != "feedback" {
		t.Errorf("strength theme %q", got)
	}
	if got := selectedOption(t, body, "opportunity-theme"); got != "learning" {
		t.Errorf("opportunity theme %q", got)
	}
	if strings.Contains(body, "<b>great") {
		t.Error("typed markup is echoed unescaped")
	}
	if csrfFromPage(t, body) != csrf || !strings.Contains(body, `action="/j/`+a.Code+`/form"`) ||
		!strings.Contains(body, `name="pillar" value="staff"`) || !strings.Contains(body, `name="lang" value="en"`) {
		t.Error("the re-rendered form lost its token, action, pillar or language")
	}

	// S-03 invalid, S-04…S-15 required, S-R2 too long, strength markup, opportunity required.
	targets := errorSummary(t, body)
	want := []string{"a-S-03-yes"}
	for _, id := range e.itemIDs("staff")[3:] {
		want = append(want, "a-"+id+"-yes")
	}
	want = append(want, "refl-S-R2", "strength-text", "opportunity-text")
	if !reflect.DeepEqual(targets, want) {
		t.Errorf("error summary targets\n got %v\nwant %v", targets, want)
	}
	if !strings.Contains(body, escaped(t, strings.Replace(e.tmpl.Message("en", "errors.count"), "%d", "17", 1))) {
		t.Error("error summary does not count 17 problems")
	}
	ids := pageIDs(body)
	for _, id := range []string{"err-S-03", "err-S-04", "err-S-15", "err-refl-S-R2", "err-strength-text", "err-opportunity-text"} {
		if !ids[id] {
			t.Errorf("no message %s next to its field", id)
		}
	}
	for _, id := range []string{"err-S-01", "err-S-02", "err-refl-S-R1", "err-strength-theme"} {
		if ids[id] {
			t.Errorf("valid field has an error message %s", id)
		}
	}
	for _, key := range []string{"field.markup", "field.required_opportunity", "field.invalid"} {
		e.assertText(t, body, "en", key)
	}

	// The same at a resume link: the draft keeps its stored content.
	tok := e.createResponse(map[string]any{"code": a.Code, "pillar": "staff", "answers": map[string]string{"S-09": "no"}})
	before = e.dbChecksum()
	form.Set("action", "save")
	form.Set("strength_text", "=HYPERLINK(\"http://evil\")")
	rec = b.post("/r/"+tok, form)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("update: status %d", rec.Code)
	}
	if e.dbChecksum() != before {
		t.Fatal("a rejected update changed the database")
	}
	body = rec.Body.String()
	if !strings.Contains(body, `action="/r/`+tok+`"`) {
		t.Error("the re-rendered update form does not post to its resume link")
	}
	if got := textareaValue(t, body, "strength-text"); got != form.Get("strength_text") {
		t.Errorf("strength shown back as %q", got)
	}
	if targets := errorSummary(t, body); !reflect.DeepEqual(targets, []string{"a-S-03-yes", "refl-S-R2", "strength-text"}) {
		t.Errorf("save errors %v (drafts need not be complete)", targets)
	}
	e.assertText(t, body, "en", "field.formula")
}

// TestPagesFormTampering: fields a browser would not send are refused, not stored.
func TestPagesFormTampering(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	b := e.newBrowser()
	csrf, _ := b.formFor(t, a.Code, "staff", "en")
	cases := []struct {
		name       string
		mut        func(v url.Values)
		wantStatus int
		wantText   string // a message key shown on a 422 form
	}{
		{"item of another pillar", func(v url.Values) { v.Set("a.L-01", "yes") }, 422, "field.unknown"},
		{"unknown prompt", func(v url.Values) { v.Set("refl.P-R1", "hi") }, 422, "field.unknown"},
		{"answer given twice", func(v url.Values) { v["a.S-01"] = []string{"yes", "no"} }, 422, "field.duplicate"},
		{"strength given twice", func(v url.Values) { v["strength_text"] = []string{"a", "b"} }, 422, "field.duplicate"},
		{"unknown theme", func(v url.Values) { v.Set("opportunity_theme", "weather") }, 422, "field.theme_unknown"},
		{"unsupported language", func(v url.Values) { v.Set("lang", "de") }, 422, "field.language"},
		{"control character", func(v url.Values) { v.Set("refl.S-R1", "a\x00b") }, 422, "field.control"},
		{"invalid UTF-8", func(v url.Values) { v.Set("strength_text", "caf\xe9") }, 422, "field.invalid_utf8"},
		{"item id not UTF-8", func(v url.Values) { v.Set("a.\xe6", "yes") }, 422, "field.invalid_utf8"},
		{"prompt id not UTF-8", func(v url.Values) { v.Set("refl.S-R\xff", "hi") }, 422, "field.invalid_utf8"},
		{"unknown pillar", func(v url.Values) { v.Set("pillar", "nursing") }, 400, ""},
		{"no pillar", func(v url.Values) { v.Del("pillar") }, 400, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := e.fullForm(csrf, "staff", "en", "submit")
			tc.mut(form)
			before := e.dbChecksum()
			rec := b.post("/j/"+a.Code+"/form", form)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if e.dbChecksum() != before {
				t.Error("a rejected form changed the database")
			}
			body := rec.Body.String()
			if tc.wantText != "" {
				e.assertText(t, body, "en", tc.wantText)
				if len(errorSummary(t, body)) == 0 {
					t.Error("422 form with an empty error summary")
				}
			} else {
				assertFriendly(t, body)
			}
		})
	}
}

func TestPagesCSRF(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	b := e.newBrowser()
	csrf, _ := b.formFor(t, a.Code, "staff", "en")
	tok := e.createResponse(map[string]any{"code": a.Code, "pillar": "staff"})
	forged := strings.Repeat("ab", csrfBytes)

	cases := []struct {
		name   string
		path   string
		form   func() url.Values
		cookie *http.Cookie // replaces the browser's csrf cookie; nil keeps it
		noJar  bool         // send no cookies at all
		query  string
		accept string
	}{
		{name: "missing field", path: "/j/" + a.Code + "/form", form: func() url.Values {
			v := e.fullForm(csrf, "staff", "en", "save")
			v.Del("_csrf")
			return v
		}},
		{name: "empty field", path: "/j/" + a.Code + "/form", form: func() url.Values { return e.fullForm("", "staff", "en", "save") }},
		{name: "forged field", path: "/j/" + a.Code + "/form", form: func() url.Values { return e.fullForm(forged, "staff", "en", "save") }},
		{name: "token only in the URL", path: "/j/" + a.Code + "/form", query: "?_csrf=" + csrf, form: func() url.Values {
			v := e.fullForm(csrf, "staff", "en", "save")
			v.Del("_csrf")
			return v
		}},
		{name: "no cookie", path: "/j/" + a.Code + "/form", noJar: true, form: func() url.Values { return e.fullForm(csrf, "staff", "en", "save") }},
		{name: "short cookie and field", path: "/j/" + a.Code + "/form", cookie: &http.Cookie{Name: csrfCookie, Value: "abc"}, form: func() url.Values { return e.fullForm("abc", "staff", "en", "save") }},
		{name: "token sent twice", path: "/j/" + a.Code + "/form", form: func() url.Values {
			v := e.fullForm(forged, "staff", "en", "save")
			v.Add("_csrf", csrf)
			return v
		}},
		{name: "forged submit", path: "/j/" + a.Code + "/form", form: func() url.Values { return e.fullForm(forged, "staff", "en", "submit") }},
		{name: "forged autosave", path: "/j/" + a.Code + "/form", accept: "application/json", form: func() url.Values { return e.fullForm(forged, "staff", "en", "autosave") }},
		{name: "forged update", path: "/r/" + tok, form: func() url.Values { return e.fullForm(forged, "staff", "en", "submit") }},
		{name: "missing on update", path: "/r/" + tok, form: func() url.Values {
			v := e.fullForm(csrf, "staff", "en", "submit")
			v.Del("_csrf")
			return v
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.dbChecksum()
			req := httptest.NewRequest(http.MethodPost, testBaseURL+tc.path+tc.query, strings.NewReader(tc.form().Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			switch {
			case tc.noJar:
			case tc.cookie != nil:
				req.AddCookie(tc.cookie)
			default:
				for _, c := range b.jar.Cookies(req.URL) {
					req.AddCookie(c)
				}
			}
			rec := e.serve(req)
			if rec.Code != http.StatusForbidden {
				t.Fatalf("status %d, want 403; body %s", rec.Code, rec.Body)
			}
			if e.dbChecksum() != before {
				t.Error("a forged form changed the database")
			}
			e.assertText(t, rec.Body.String(), "en", "error.csrf.heading")
			assertFriendly(t, rec.Body.String())
			assertSecurityHeaders(t, rec)
		})
	}

	// The genuine token still works afterwards.
	if rec := b.post("/j/"+a.Code+"/form", e.fullForm(csrf, "staff", "en", "save")); rec.Code != http.StatusSeeOther {
		t.Errorf("genuine form: status %d", rec.Code)
	}
}

func TestPagesUnsupportedContent(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	b := e.newBrowser()
	csrf, _ := b.formFor(t, a.Code, "staff", "en")
	tok := e.createResponse(map[string]any{"code": a.Code, "pillar": "staff"})

	multipartBody := func() (string, []byte) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for k, vs := range e.fullForm(csrf, "staff", "en", "save") {
			_ = w.WriteField(k, vs[0])
		}
		_ = w.Close()
		return w.FormDataContentType(), buf.Bytes()
	}
	mpType, mpBody := multipartBody()
	formBody := []byte(e.fullForm(csrf, "staff", "en", "save").Encode())
	cases := []struct {
		name, path, contentType string
		body                    []byte
		wantStatus              int
		wantKey                 string
	}{
		{"multipart", "/j/" + a.Code + "/form", mpType, mpBody, 415, "error.unsupported.heading"},
		{"multipart update", "/r/" + tok, mpType, mpBody, 415, "error.unsupported.heading"},
		{"JSON to the form", "/j/" + a.Code + "/form", "application/json", mustJSON(t, map[string]string{"_csrf": csrf}), 415, "error.unsupported.heading"},
		{"text/plain", "/j/" + a.Code + "/form", "text/plain", formBody, 415, "error.unsupported.heading"},
		{"no content type", "/j/" + a.Code + "/form", "", formBody, 415, "error.unsupported.heading"},
		{"too large", "/j/" + a.Code + "/form", "application/x-www-form-urlencoded", append(formBody, ("&refl.S-R1=" + strings.Repeat("x", DefaultBodyLimit))...), 400, "error.too_large.heading"},
		{"broken encoding", "/j/" + a.Code + "/form", "application/x-www-form-urlencoded", append(formBody, "&a.S-01=%zz"...), 400, "error.bad_request.heading"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.dbChecksum()
			req := httptest.NewRequest(http.MethodPost, testBaseURL+tc.path, bytes.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			rec := b.do(req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if e.dbChecksum() != before {
				t.Error("a refused body changed the database")
			}
			e.assertText(t, rec.Body.String(), "en", tc.wantKey)
			assertFriendly(t, rec.Body.String())
		})
	}
}

func TestPagesClosedAssessment(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	b := e.newBrowser()
	csrf, _ := b.formFor(t, a.Code, "staff", "en")
	rec := b.post("/j/"+a.Code+"/form", url.Values{
		"_csrf": {csrf}, "pillar": {"staff"}, "lang": {"en"}, "action": {"save"},
		"a.S-01": {"yes"}, "a.S-07": {"unknown"}, "refl.S-R4": {"Partners & staff <3"},
		"strength_text": {"Shared huddles"}, "strength_theme": {"relationships"},
	})
	draft := tokenFromLocation(t, rec)
	rec = b.post("/j/"+a.Code+"/form", e.fullForm(csrf, "staff", "en", "submit"))
	submitted := tokenFromLocation(t, rec)
	e.closeAssessment(a)
	before := e.dbChecksum()

	for _, tc := range []struct{ name, path string }{
		{"join page", "/j/" + a.Code},
		{"join page by typed code", "/j/" + strings.ToLower(assessment.FormatJoinCode(a.Code))},
		{"form page", "/j/" + a.Code + "/form?pillar=staff&lang=en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := b.get(tc.path)
			if rec.Code != http.StatusConflict {
				t.Fatalf("status %d, want 409", rec.Code)
			}
			e.assertText(t, rec.Body.String(), "en", "error.closed.heading")
			e.assertText(t, rec.Body.String(), "en", "error.closed.hint")
			assertFriendly(t, rec.Body.String())
		})
	}
	for _, tc := range []struct{ name, path, action string }{
		{"new response", "/j/" + a.Code + "/form", "submit"},
		{"new draft", "/j/" + a.Code + "/form", "save"},
		{"update draft", "/r/" + draft, "submit"},
		{"update submitted", "/r/" + submitted, "submit"},
		{"autosave", "/r/" + draft, "autosave"},
	} {
		t.Run("POST "+tc.name, func(t *testing.T) {
			rec := b.post(tc.path, e.fullForm(csrf, "staff", "en", tc.action), "Accept", "application/json")
			if rec.Code != http.StatusConflict {
				t.Fatalf("status %d, want 409; body %s", rec.Code, rec.Body)
			}
			if e.dbChecksum() != before {
				t.Error("a post to a closed assessment changed the database")
			}
		})
	}

	// The resume link shows a read-only copy.
	rec = b.get("/r/" + draft)
	if rec.Code != http.StatusOK {
		t.Fatalf("closed resume: status %d", rec.Code)
	}
	assertNoStore(t, rec)
	body := rec.Body.String()
	e.assertText(t, body, "en", "view.closed_note")
	e.assertText(t, body, "en", "view.draft_note")
	for _, bad := range []string{"<form", "<textarea", `type="radio"`, "<select", "form.js"} {
		if strings.Contains(body, bad) {
			t.Errorf("read-only copy contains %q", bad)
		}
	}
	for _, want := range []string{
		escaped(t, "Partners & staff <3"), "Shared huddles",
		escaped(t, e.tmpl.Message("en", "answer.yes")), escaped(t, e.tmpl.Message("en", "answer.unknown_respondent")),
		escaped(t, e.tmpl.Message("en", "view.unanswered")),
	} {
		if !strings.Contains(body, want) {
			t.Errorf("read-only copy lacks %q", want)
		}
	}
	rec = b.get("/r/" + submitted + "?lang=fr")
	if rec.Code != http.StatusOK || htmlLang(rec.Body.String()) != "fr" {
		t.Fatalf("closed submitted resume in French: status %d, lang %q", rec.Code, htmlLang(rec.Body.String()))
	}
	e.assertText(t, rec.Body.String(), "fr", "view.closed_note")
	if strings.Contains(rec.Body.String(), escaped(t, e.tmpl.Message("fr", "view.draft_note"))) {
		t.Error("a submitted response is called a draft")
	}
	rec = b.get("/r/" + submitted + "/thanks")
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), testBaseURL+"/r/") {
		t.Errorf("thanks after close: status %d, still offers the change link", rec.Code)
	}
	if e.dbChecksum() != before {
		t.Error("reading a closed assessment changed the database")
	}
}

func TestPagesNotFound(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	tok := e.createResponse(map[string]any{"code": a.Code, "pillar": "staff"})
	unknownCode, unknownToken := assessment.NewJoinCode(), assessment.NewResumeToken()
	cases := []struct {
		name, path string
		lang       string
		wantKey    string
	}{
		{"unknown code", "/j/" + unknownCode, "en", "error.code_unknown.heading"},
		{"malformed code", "/j/not-a-code", "en", "error.code_unknown.heading"},
		{"unknown code form", "/j/" + unknownCode + "/form?pillar=staff", "en", "error.code_unknown.heading"},
		{"unknown code in French", "/j/" + unknownCode + "?lang=fr", "fr", "error.code_unknown.heading"},
		{"unknown token", "/r/" + unknownToken, "en", "error.token_unknown.heading"},
		{"unknown token thanks", "/r/" + unknownToken + "/thanks", "en", "error.token_unknown.heading"},
		{"traversal token", "/r/..%2f..%2fetc%2fpasswd", "en", "error.token_unknown.heading"},
		{"uppercase token", "/r/" + strings.ToUpper(tok), "en", "error.token_unknown.heading"},
		{"short token", "/r/abc", "en", "error.token_unknown.heading"},
		{"no such page", "/admin", "en", "error.not_found.heading"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := e.newBrowser().get(tc.path)
			if rec.Code != http.StatusNotFound {
				t.Fatalf("status %d, want 404", rec.Code)
			}
			body := rec.Body.String()
			if htmlLang(body) != tc.lang {
				t.Errorf("page language %q, want %q", htmlLang(body), tc.lang)
			}
			e.assertText(t, body, tc.lang, tc.wantKey)
			e.assertText(t, body, tc.lang, strings.Replace(tc.wantKey, ".heading", ".message", 1))
			assertFriendly(t, body)
			assertSecurityHeaders(t, rec)
		})
	}
	// A POST to an unknown code with a valid token is a 404 too, and stores nothing.
	b := e.newBrowser()
	csrf, _ := b.formFor(t, a.Code, "staff", "en")
	before := e.dbChecksum()
	if rec := b.post("/j/"+unknownCode+"/form", e.fullForm(csrf, "staff", "en", "submit")); rec.Code != http.StatusNotFound {
		t.Errorf("POST to unknown code: status %d", rec.Code)
	}
	if rec := b.post("/r/"+unknownToken, e.fullForm(csrf, "staff", "en", "submit")); rec.Code != http.StatusNotFound {
		t.Errorf("POST to unknown token: status %d", rec.Code)
	}
	if e.dbChecksum() != before {
		t.Error("a POST to an unknown code or token changed the database")
	}
}

func TestPagesLanguage(t *testing.T) {
	e := newTestEnv(t)
	en := e.newAssessment("en")
	fr := e.newAssessment("fr")
	s01 := e.in.Pillar("staff").Sections[0].Items[0].Text
	cases := []struct {
		name           string
		path           string
		acceptLanguage string
		before         []string // pages visited first, with the same browser
		wantLang       string
		wantKey        string
		wantText       string
	}{
		{name: "home default", path: "/", wantLang: "en", wantKey: "home.heading"},
		{name: "home ?lang=fr", path: "/?lang=fr", wantLang: "fr", wantKey: "home.heading"},
		{name: "Accept-Language fr-CA", path: "/", acceptLanguage: "fr-CA", wantLang: "fr", wantKey: "home.heading"},
		{name: "Accept-Language with weights", path: "/", acceptLanguage: "fr-CA,fr;q=0.9,en-US;q=0.8,en;q=0.7", wantLang: "fr", wantKey: "home.heading"},
		{name: "English preferred", path: "/", acceptLanguage: "en-US,fr;q=0.8", wantLang: "en", wantKey: "home.heading"},
		{name: "unsupported first", path: "/", acceptLanguage: "de-DE,fr;q=0.5", wantLang: "fr", wantKey: "home.heading"},
		{name: "query beats header", path: "/?lang=en", acceptLanguage: "fr-CA", wantLang: "en", wantKey: "home.heading"},
		{name: "choice remembered", path: "/", before: []string{"/?lang=fr"}, wantLang: "fr", wantKey: "home.heading"},
		{name: "French assessment default", path: "/j/" + fr.Code, wantLang: "fr", wantKey: "join.lead"},
		{name: "French assessment in English", path: "/j/" + fr.Code + "?lang=en", wantLang: "en", wantKey: "join.lead"},
		{name: "English assessment, French browser", path: "/j/" + en.Code, acceptLanguage: "fr-CA", wantLang: "fr", wantKey: "join.lead"},
		{name: "French form", path: "/j/" + en.Code + "/form?pillar=staff&lang=fr", wantLang: "fr", wantKey: "form.intro", wantText: s01.FR},
		{name: "English form", path: "/j/" + fr.Code + "/form?pillar=staff&lang=en", wantLang: "en", wantKey: "form.intro", wantText: s01.EN},
		{name: "French 404", path: "/nowhere", acceptLanguage: "fr", wantLang: "fr", wantKey: "error.not_found.heading"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := e.newBrowser()
			b.acceptLanguage = tc.acceptLanguage
			for _, p := range tc.before {
				b.get(p)
			}
			rec := b.get(tc.path)
			body := rec.Body.String()
			if got := htmlLang(body); got != tc.wantLang {
				t.Fatalf("html lang %q, want %q (status %d)", got, tc.wantLang, rec.Code)
			}
			e.assertText(t, body, tc.wantLang, tc.wantKey)
			if tc.wantText != "" && !strings.Contains(body, escaped(t, tc.wantText)) {
				t.Errorf("page lacks %q", tc.wantText)
			}
			other := map[string]string{"en": "fr", "fr": "en"}[tc.wantLang]
			// A link elsewhere; on a form being filled in, a button that sends the form.
			link := strings.Contains(body, `hreflang="`+other+`"`)
			button := strings.Contains(body, `value="switch_language" formnovalidate lang="`+other+`"`)
			if rec.Code == http.StatusOK && !link && !button {
				t.Errorf("page offers no switch to %s", other)
			}
		})
	}

	// A form saved in French comes back in French.
	b := e.newBrowser()
	csrf, _ := b.formFor(t, en.Code, "patient_partners", "fr")
	rec := b.post("/j/"+en.Code+"/form", url.Values{"_csrf": {csrf}, "pillar": {"patient_partners"}, "lang": {"fr"}, "action": {"save"}, "a.P-01": {"yes"}})
	tok := tokenFromLocation(t, rec)
	if loc := rec.Header().Get("Location"); !strings.HasSuffix(loc, "lang=fr") {
		t.Errorf("French save redirects to %q", loc)
	}
	if got := e.storedResponse(tok).Language; got != "fr" {
		t.Errorf("stored language %q", got)
	}
	other := e.newBrowser() // another device: asked first, in French, then shown the form
	rec = other.get("/r/" + tok)
	if htmlLang(rec.Body.String()) != "fr" {
		t.Errorf("resumed French response shows in %q", htmlLang(rec.Body.String()))
	}
	e.assertText(t, rec.Body.String(), "fr", "claim.heading")
	rec = other.get("/r/" + other.claim(t, tok))
	e.assertText(t, rec.Body.String(), "fr", "form.intro")
}

type autosaveJSON struct {
	ActionURL  string `json:"action_url"`
	ResumePath string `json:"resume_path"`
	ResumeURL  string `json:"resume_url"`
	Message    string `json:"message"`
	ETag       string `json:"etag"`
}

func TestPagesAutosave(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	b := e.newBrowser()
	csrf, _ := b.formFor(t, a.Code, "leadership", "en")
	autosave := func(path string, v url.Values) *httptest.ResponseRecorder {
		v.Set("_csrf", csrf)
		v.Set("action", "autosave")
		return b.post(path, v, "Accept", "application/json")
	}
	decode := func(rec *httptest.ResponseRecorder) autosaveJSON {
		t.Helper()
		if rec.Code != http.StatusOK {
			t.Fatalf("autosave: status %d, body %s", rec.Code, rec.Body)
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("autosave content type %q", rec.Header().Get("Content-Type"))
		}
		assertNoStore(t, rec)
		assertSecurityHeaders(t, rec)
		var out autosaveJSON
		dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&out); err != nil {
			t.Fatalf("autosave body %s: %v", rec.Body, err)
		}
		return out
	}

	first := decode(autosave("/j/"+a.Code+"/form", url.Values{"pillar": {"leadership"}, "lang": {"en"}, "a.L-01": {"yes"}, "refl.L-R1": {"Draft thought"}}))
	m := regexp.MustCompile(`^/r/([0-9a-z]{26})$`).FindStringSubmatch(first.ActionURL)
	if m == nil {
		t.Fatalf("action_url %q", first.ActionURL)
	}
	tok := m[1]
	if first.ResumePath != first.ActionURL || first.ResumeURL != testBaseURL+first.ActionURL || first.Message != e.tmpl.Message("en", "form.autosave_saved") {
		t.Errorf("autosave reply %+v", first)
	}
	stored := e.storedResponse(tok)
	if stored.Status != assessment.Draft || stored.Answers["L-01"] != "yes" || stored.Reflections["L-R1"] != "Draft thought" {
		t.Errorf("autosaved draft %+v", stored)
	}

	// Later autosaves go to the action_url and update the same draft.
	n := e.countRows("responses")
	second := decode(autosave(first.ActionURL, url.Values{"pillar": {"leadership"}, "lang": {"en"}, "a.L-01": {"no"}, "a.L-02": {"somewhat"}}))
	if second.ActionURL != first.ActionURL {
		t.Errorf("second autosave moved to %q", second.ActionURL)
	}
	if e.countRows("responses") != n {
		t.Error("the second autosave made a new response")
	}
	stored = e.storedResponse(tok)
	if !reflect.DeepEqual(stored.Answers, map[string]assessment.Answer{"L-01": "no", "L-02": "somewhat"}) || len(stored.Reflections) != 0 {
		t.Errorf("after second autosave: answers %v reflections %v", stored.Answers, stored.Reflections)
	}

	// An invalid autosave answers with a JSON error and stores nothing.
	before := e.dbChecksum()
	for _, path := range []string{first.ActionURL, "/j/" + a.Code + "/form"} {
		rec := autosave(path, url.Values{"pillar": {"leadership"}, "lang": {"en"}, "a.L-01": {"maybe"}, "strength_text": {"=HYPERLINK(\"x\")"}})
		if rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("invalid autosave to %s: status %d, body %.300s", path, rec.Code, rec.Body)
		}
		reply := decodeAPIError(t, rec)
		fields := map[string]string{}
		for k, fe := range reply.Error.Fields {
			fields[k] = fe.Code
		}
		if want := map[string]string{"answers.L-01": "invalid", "strength.text": "formula"}; reply.Error.Code != "validation_failed" || !reflect.DeepEqual(fields, want) {
			t.Errorf("invalid autosave to %s: %s", path, rec.Body)
		}
		assertNoStore(t, rec)
	}
	if e.dbChecksum() != before {
		t.Error("an invalid autosave changed the database")
	}

	// A normal save of the same form, now at its resume link, keeps working.
	rec := b.post(first.ActionURL, e.fullForm(csrf, "leadership", "en", "submit"))
	if rec.Code != http.StatusSeeOther || e.storedResponse(tok).Status != assessment.Submitted {
		t.Errorf("submit after autosave: status %d", rec.Code)
	}
}
