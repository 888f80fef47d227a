package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/templates"

	"github.com/ecat-project/ecat/assessment"
)

var (
	scriptTagRE   = regexp.MustCompile(`(?i)<script[^>]*>`)
	eventAttrRE   = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	styleAttrRE   = regexp.MustCompile(`(?i)\sstyle\s*=`)
	jsURLRE       = regexp.MustCompile(`(?i)(href|src|action)="\s*javascript:`)
	scriptBlockRE = regexp.MustCompile(`(?is)<script[^>]*>(.*?)</script>`)
)

// assertNoInlineScript checks a page would work under the CSP: scripts only from files,
// no event handler or style attributes.
func assertNoInlineScript(t *testing.T, body string) {
	t.Helper()
	for _, tag := range scriptTagRE.FindAllString(body, -1) {
		if !strings.Contains(tag, ` src="/static/`) {
			t.Errorf("inline or foreign script %q", tag)
		}
	}
	for _, m := range scriptBlockRE.FindAllStringSubmatch(body, -1) {
		if strings.TrimSpace(m[1]) != "" {
			t.Errorf("script with a body: %q", m[0])
		}
	}
	for _, re := range []*regexp.Regexp{eventAttrRE, styleAttrRE, jsURLRE} {
		if m := re.FindString(body); m != "" {
			t.Errorf("page has %q, which the CSP blocks", m)
		}
	}
	for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(body, -1) {
		if !staticExists(strings.TrimPrefix(m[1], "/static/")) {
			t.Errorf("page links to %s, which is not served", m[1])
		}
	}
}

// TestSecurityHeaders checks every kind of response carries the security headers, and the
// personal pages and the API are never cached.
func TestSecurityHeaders(t *testing.T) {
	e := newTestEnv(t)
	open := e.newAssessment("en")
	closed := e.newAssessment("fr")
	draft := e.createResponse(map[string]any{"code": open.Code, "pillar": "staff", "answers": map[string]string{"S-01": "yes"}})
	submitted := e.createResponse(e.completeBody(open.Code, "staff"))
	closedTok := e.createResponse(map[string]any{"code": closed.Code, "pillar": "staff"})
	e.closeAssessment(closed)
	b := e.newBrowser()
	csrf, _ := b.formFor(t, open.Code, "staff", "en")
	unknownTok := assessment.NewResumeToken()
	// This browser writes them (see survey.WrittenBy), as their respondents' would.
	draft, submitted, closedTok = b.claim(t, draft), b.claim(t, submitted), b.claim(t, closedTok)

	cases := []struct {
		name, method, path string
		form               url.Values
		wantStatus         int
		wantNoStore        bool
	}{
		{name: "home", method: "GET", path: "/", wantStatus: 200},
		{name: "home in French", method: "GET", path: "/?lang=fr", wantStatus: 200},
		{name: "join redirect", method: "GET", path: "/join?code=" + open.Code, wantStatus: 303},
		{name: "join bad code", method: "GET", path: "/join?code=x", wantStatus: 422},
		{name: "join unknown code", method: "GET", path: "/join?code=" + assessment.NewJoinCode(), wantStatus: 404},
		{name: "join page", method: "GET", path: "/j/" + open.Code, wantStatus: 200, wantNoStore: true},
		{name: "join page closed", method: "GET", path: "/j/" + closed.Code, wantStatus: 409},
		{name: "join page unknown", method: "GET", path: "/j/" + assessment.NewJoinCode(), wantStatus: 404},
		{name: "form page", method: "GET", path: "/j/" + open.Code + "/form?pillar=staff", wantStatus: 200, wantNoStore: true},
		{name: "form without pillar", method: "GET", path: "/j/" + open.Code + "/form", wantStatus: 422, wantNoStore: true},
		{name: "form post rejected", method: "POST", path: "/j/" + open.Code + "/form", form: url.Values{"_csrf": {csrf}, "pillar": {"staff"}, "action": {"submit"}}, wantStatus: 422, wantNoStore: true},
		{name: "form post forged", method: "POST", path: "/j/" + open.Code + "/form", form: url.Values{"pillar": {"staff"}}, wantStatus: 403},
		{name: "resume draft", method: "GET", path: "/r/" + draft, wantStatus: 200, wantNoStore: true},
		{name: "resume saved notice", method: "GET", path: "/r/" + draft + "?saved=1&lang=en", wantStatus: 200, wantNoStore: true},
		{name: "resume submitted", method: "GET", path: "/r/" + submitted, wantStatus: 200, wantNoStore: true},
		{name: "resume closed", method: "GET", path: "/r/" + closedTok, wantStatus: 200, wantNoStore: true},
		{name: "thanks", method: "GET", path: "/r/" + submitted + "/thanks", wantStatus: 200, wantNoStore: true},
		{name: "thanks of a draft", method: "GET", path: "/r/" + draft + "/thanks", wantStatus: 303, wantNoStore: true},
		{name: "resume unknown", method: "GET", path: "/r/" + unknownTok, wantStatus: 404, wantNoStore: true},
		{name: "resume malformed", method: "GET", path: "/r/nope", wantStatus: 404, wantNoStore: true},
		{name: "resume post rejected", method: "POST", path: "/r/" + draft, form: url.Values{"_csrf": {csrf}, "pillar": {"staff"}, "a.S-01": {"maybe"}}, wantStatus: 422, wantNoStore: true},
		{name: "resume post saved", method: "POST", path: "/r/" + draft, form: url.Values{"_csrf": {csrf}, "pillar": {"staff"}, "action": {"save"}}, wantStatus: 303, wantNoStore: true},
		{name: "resume post closed", method: "POST", path: "/r/" + closedTok, form: url.Values{"_csrf": {csrf}, "pillar": {"staff"}}, wantStatus: 409, wantNoStore: true},
		{name: "resume post forged", method: "POST", path: "/r/" + draft, form: url.Values{"pillar": {"staff"}}, wantStatus: 403, wantNoStore: true},
		{name: "static css", method: "GET", path: "/static/app.css", wantStatus: 200},
		{name: "static js", method: "GET", path: "/static/form.js", wantStatus: 200},
		{name: "static missing", method: "GET", path: "/static/nope.js", wantStatus: 404},
		{name: "no such page", method: "GET", path: "/wp-admin", wantStatus: 404},
		{name: "API instrument", method: "GET", path: "/api/v1/instrument", wantStatus: 200, wantNoStore: true},
		{name: "API response", method: "GET", path: "/api/v1/responses/" + draft, wantStatus: 200, wantNoStore: true},
		{name: "API unknown response", method: "GET", path: "/api/v1/responses/" + unknownTok, wantStatus: 404, wantNoStore: true},
		{name: "API bad create", method: "POST", path: "/api/v1/responses", wantStatus: 415, wantNoStore: true},
		{name: "API unknown route", method: "GET", path: "/api/v1/facilitators", wantStatus: 404, wantNoStore: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rec *httptest.ResponseRecorder
			switch {
			case tc.method == http.MethodGet:
				rec = b.get(tc.path)
			case tc.form.Has("_csrf"):
				rec = b.post(tc.path, tc.form)
			default:
				rec = e.newBrowser().post(tc.path, tc.form)
			}
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d", rec.Code, tc.wantStatus)
			}
			assertSecurityHeaders(t, rec)
			if tc.wantNoStore {
				assertNoStore(t, rec)
			}
			if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				assertNoInlineScript(t, rec.Body.String())
			}
		})
	}
}

// TestLogsKeepSecretsOut runs journeys through the pages and the API, then checks the log
// names routes by their pattern and never holds a join code or a resume token.
func TestLogsKeepSecretsOut(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	closed := e.newAssessment("en")
	b := e.newBrowser()
	b.get("/")
	b.get("/join?code=" + url.QueryEscape(assessment.FormatJoinCode(a.Code)))
	b.get("/j/" + a.Code)
	csrf, _ := b.formFor(t, a.Code, "staff", "en")
	rec := b.post("/j/"+a.Code+"/form", url.Values{"_csrf": {csrf}, "pillar": {"staff"}, "lang": {"en"}, "action": {"save"}, "a.S-01": {"yes"}})
	pageTok := tokenFromLocation(t, rec)
	b.get("/r/" + pageTok + "?saved=1&lang=en")
	b.post("/r/"+pageTok, url.Values{"_csrf": {csrf}, "pillar": {"staff"}, "a.S-01": {"maybe"}}) // 422
	b.post("/r/"+pageTok, e.fullForm(csrf, "staff", "en", "submit"))
	b.get("/r/" + pageTok + "/thanks")
	b.post("/j/"+a.Code+"/form", e.fullForm("forged", "staff", "en", "save")) // 403
	rec = b.post("/j/"+a.Code+"/form", url.Values{"_csrf": {csrf}, "pillar": {"staff"}, "lang": {"en"}, "action": {"autosave"}, "a.S-02": {"no"}}, "Accept", "application/json")
	if rec.Code != http.StatusOK {
		t.Fatalf("autosave: status %d", rec.Code)
	}
	autoTok := regexp.MustCompile(`/r/([0-9a-z]{26})`).FindStringSubmatch(rec.Body.String())[1]

	apiTok := e.createResponse(map[string]any{"code": strings.ToLower(a.Code), "pillar": "leadership"})
	e.getResponse(apiTok)
	e.apiJSON(http.MethodPut, "/api/v1/responses/"+apiTok, map[string]any{"pillar": "leadership", "answers": map[string]string{"L-01": "no"}})
	e.apiJSON(http.MethodPut, "/api/v1/responses/"+apiTok, map[string]any{"pillar": "leadership", "answers": map[string]string{"L-01": "nope"}}) // 422
	e.closeAssessment(closed)
	e.apiJSON(http.MethodPost, "/api/v1/responses", map[string]any{"code": closed.Code, "pillar": "staff"}) // 409
	b.get("/j/" + closed.Code)                                                                              // 409
	unknownTok := assessment.NewResumeToken()
	b.get("/r/" + unknownTok)                                       // 404
	e.api(http.MethodGet, "/api/v1/responses/"+unknownTok, "", nil) // 404
	b.get("/j/" + a.Code + "/nothing/" + pageTok)                   // 404, no route

	logs := e.logs.String()
	for _, code := range []string{a.Code, closed.Code} {
		for _, s := range []string{code, assessment.FormatJoinCode(code), strings.ToLower(code)} {
			if strings.Contains(logs, s) {
				t.Errorf("log holds a join code as %q", s)
			}
		}
	}
	for name, tok := range map[string]string{"page token": pageTok, "autosave token": autoTok, "API token": apiTok, "unknown token": unknownTok} {
		if strings.Contains(logs, tok) || strings.Contains(logs, strings.ToUpper(tok)) {
			t.Errorf("log holds the %s", name)
		}
		if strings.Contains(logs, assessment.HashToken(tok)) {
			t.Errorf("log holds the hash of the %s", name)
		}
	}
	if strings.Contains(logs, csrf) {
		t.Error("log holds the csrf token")
	}
	for _, want := range []string{
		"route=/r/:token ", "route=/r/:token/thanks ", "route=/j/:code ", "route=/j/:code/form ", "route=/join ",
		"route=/api/v1/responses ", "route=/api/v1/responses/:token ", "status=422", "status=409", "status=403", "status=404",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	if len(lines) < 20 {
		t.Errorf("only %d log lines", len(lines))
	}
	for _, line := range lines {
		if !regexp.MustCompile(`request_id=[0-9a-f]{16}\b`).MatchString(line) {
			t.Errorf("log line without request id: %s", line)
		}
		for _, bad := range []string{"remote_ip", "user_agent", "Mozilla", "192.0.2.1"} {
			if strings.Contains(line, bad) {
				t.Errorf("log line holds %q: %s", bad, line)
			}
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", logs)
	}
}

// staticExists reports whether a linked static name (fingerprinted or plain) is served.
func staticExists(name string) bool {
	words, err := locale.Load()
	if err != nil {
		return false
	}
	tmpl, err := templates.New(words)
	if err != nil {
		return false
	}
	_, _, ok := tmpl.ResolveAsset(name)
	return ok
}
