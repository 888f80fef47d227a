package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/ecat-project/ecat/assessment"
)

// The hostile-input catalogue: every public endpoint and form, fed what an attacker or a
// broken client sends. Each request must get its specific refusal (the status, and the
// error code for JSON or the friendly page for browsers) and change nothing stored.
// It adds to the per-area catalogues (api_test.go, pages_test.go,
// facilitator_security_test.go) rather than repeating them.

// hostileCase is one hostile request and what it must get.
type hostileCase struct {
	name   string
	env    *testEnv // nil: the shared one
	via    *browser // sent with this browser's cookies; nil sends none
	req    *http.Request
	status int
	code   string            // the JSON error code (API, autosave)
	fields map[string]string // for a JSON 422: every field and its code, exactly
	page   string            // a message the HTML answer shows
	// ignore lists the bookkeeping a refused request legitimately does, as "table" or
	// "table.column": an authenticated API call notes its token's last use; an expired
	// session is removed when presented (after checks that it was the only change).
	ignore     []string
	pre, after func(t *testing.T)
}

func hostileRequest(method, path, contentType string, body []byte) *http.Request {
	var req *http.Request
	if body == nil {
		req = httptest.NewRequest(method, testBaseURL+path, nil)
	} else {
		req = httptest.NewRequest(method, testBaseURL+path, bytes.NewReader(body))
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

func jsonRequest(method, path string, body []byte) *http.Request {
	return hostileRequest(method, path, "application/json", body)
}

func formRequest(path string, form url.Values) *http.Request {
	return hostileRequest(http.MethodPost, path, "application/x-www-form-urlencoded", []byte(form.Encode()))
}

func withBearer(req *http.Request, token string) *http.Request {
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

// sessionHashes lists the stored session hashes.
func (e *testEnv) sessionHashes() []string {
	e.t.Helper()
	db := e.readOnlyDB()
	defer checkClose(e.t, "read-only database", db)
	rows, err := db.Query(`SELECT id_hash FROM sessions ORDER BY id_hash`)
	if err != nil {
		e.t.Fatalf("sessions: %v", err)
	}
	defer checkClose(e.t, "session rows", rows)
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatalf("sessions: %v", err)
	}
	return out
}

// utf16LE encodes s as UTF-16, little endian, without a byte order mark.
func utf16LE(s string) []byte {
	var out []byte
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

func TestHostileInputCatalogue(t *testing.T) {
	e := newTestEnv(t)
	owner := e.newFacilitator("owner@example.org", "Olive Owner")
	open := e.ownedAssessment(owner, "Spring round")
	code := open.Code
	draft := e.createResponse(map[string]any{"code": code, "pillar": "staff", "answers": map[string]string{"S-01": "yes"}})
	submitted := e.createResponse(e.completeBody(code, "staff"))
	live, _ := e.newAPIToken(owner, "script")
	revoked, revokedID := e.newAPIToken(owner, "old script")
	if err := e.store.RevokeAPIToken(t.Context(), owner.ID, revokedID); err != nil {
		t.Fatal(err)
	}
	ownerB := e.signedIn(owner)
	ownerCSRF := ownerB.ensureCSRF()
	resp := e.newBrowser()
	respCSRF, _ := resp.formFor(t, code, "staff", "en")
	stranger := e.newBrowser()
	strangerCSRF := stranger.ensureCSRF()
	unknownCode := assessment.NewJoinCode()

	// Sessions past their expiry, and one ended by signing out, each with a CSRF cookie
	// that is still good: the token is replayed on a dead session. An expired session
	// is removed when presented; pre and after check that is the only change.
	expired := func() (b *browser, csrf string, pre, after func(t *testing.T)) {
		b = e.newBrowser()
		b.ensureCSRF()
		id := e.newSessionID(owner, time.Now().Add(-time.Minute))
		b.setSession(id)
		csrf = b.formToken() // as the page showed it while the session lived
		var want []string
		pre = func(t *testing.T) {
			all := e.sessionHashes()
			if !slices.Contains(all, assessment.HashToken(id)) {
				t.Fatal("the expired session is not stored before the request")
			}
			want = slices.DeleteFunc(all, func(h string) bool { return h == assessment.HashToken(id) })
		}
		after = func(t *testing.T) {
			if got := e.sessionHashes(); !slices.Equal(got, want) {
				t.Errorf("sessions after the request %v, want %v (the expired one removed, nothing else)", got, want)
			}
		}
		return b, csrf, pre, after
	}
	expiredB1, expiredCSRF1, expiredPre1, expiredAfter1 := expired()
	expiredB2, expiredCSRF2, expiredPre2, expiredAfter2 := expired()
	signedOutB := e.signedIn(owner)
	signedOutCSRF := signedOutB.ensureCSRF()
	if err := e.store.DeleteSession(t.Context(), assessment.HashToken(signedOutB.sessionValue())); err != nil {
		t.Fatal(err)
	}

	// A fresh installation, where the first-run setup link is live.
	fresh := newTestEnv(t)
	setupToken := assessment.NewResumeToken()
	if err := fresh.store.SetSetupToken(t.Context(), assessment.HashToken(setupToken)); err != nil {
		t.Fatal(err)
	}
	setupB := fresh.newBrowser()
	setupCSRF := setupB.ensureCSRF()
	setupForm := func(name, email, password string) url.Values {
		return url.Values{"_csrf": {setupCSRF}, "name": {name}, "email": {email}, "password": {password}, "password_confirm": {password}}
	}

	// Bodies.
	respBody := func(mut func(m map[string]any)) []byte { return draftBody(t, code, mut) }
	answers := func(a map[string]string) func(m map[string]any) {
		return func(m map[string]any) { m["answers"] = a; m["reflections"] = map[string]string{} }
	}
	putBody := func(mut func(m map[string]any)) []byte {
		return draftBody(t, "", func(m map[string]any) {
			delete(m, "code")
			if mut != nil {
				mut(m)
			}
		})
	}
	respForm := func(mut func(v url.Values)) url.Values {
		v := e.fullForm(respCSRF, "staff", "en", "submit")
		mut(v)
		return v
	}
	ownerForm := func(v url.Values) url.Values {
		v.Set("_csrf", ownerCSRF)
		return v
	}
	newAssessment := func(field, value string) url.Values {
		v := ownerForm(url.Values{"title": {"Autumn round"}, "team": {"Ward 9"}, "threshold": {"3"}, "language": {"en"}})
		v.Set(field, value)
		return v
	}
	apiAssessment := func(mut func(m map[string]any)) []byte {
		m := map[string]any{"title": "Autumn round", "team": "Ward 9", "threshold": 3, "language": "en"}
		mut(m)
		return mustJSON(t, m)
	}
	const script = `<script>alert(1)</script>`
	lastUse := []string{"api_tokens.last_used_at"}
	id := strconv.FormatInt(open.ID, 10)
	act := strconv.FormatInt(e.newAction(open, "Invite a patient partner to huddles").ID, 10)
	actionJSON := func(members string) []byte {
		return []byte(`{"text":"Invite a partner","lead":"Unit manager"` + members + `}`)
	}
	actionForm := func(field, value string) url.Values {
		v := ownerForm(url.Values{"text": {"Invite a partner"}, "lead": {"Unit manager"}, "pillar": {"staff"}, "theme": {""}, "support": {""}, "due": {"2099-03-31"}, "status": {"planned"}})
		v.Set(field, value)
		return v
	}

	cases := []hostileCase{
		// Respondent API: POST /api/v1/responses.
		{name: "API: byte order mark before the JSON", req: jsonRequest("POST", "/api/v1/responses", append([]byte("\xef\xbb\xbf"), respBody(nil)...)), status: 400, code: "malformed"},
		{name: "API: JSON nested 20000 deep", req: jsonRequest("POST", "/api/v1/responses", []byte(`{"code":"`+code+`","x":`+strings.Repeat("[", 20000)+strings.Repeat("]", 20000)+`}`)), status: 400, code: "malformed"},
		{name: "API: number too large for a boolean", req: jsonRequest("POST", "/api/v1/responses", []byte(`{"code":"`+code+`","pillar":"staff","submit":1e999}`)), status: 400, code: "malformed"},
		{name: "API: NUL bytes between members", req: jsonRequest("POST", "/api/v1/responses", []byte("{\"code\":\""+code+"\",\x00\"pillar\":\"staff\"}")), status: 400, code: "malformed"},
		{name: "API: UTF-16 body declared as JSON", req: hostileRequest("POST", "/api/v1/responses", "application/json; charset=utf-16", utf16LE(string(respBody(nil)))), status: 400, code: "malformed"},
		{name: "API: JSON under a vendor media type", req: hostileRequest("POST", "/api/v1/responses", "application/vnd.api+json", respBody(nil)), status: 415, code: "unsupported_media_type"},
		{name: "API: XML", req: hostileRequest("POST", "/api/v1/responses", "application/xml", []byte(`<response><code>`+code+`</code></response>`)), status: 415, code: "unsupported_media_type"},
		{name: "API: overlong UTF-8 slash in an item id", req: jsonRequest("POST", "/api/v1/responses", []byte(`{"code":"`+code+`","pillar":"staff","answers":{"..`+"\xc0\xaf"+`S-01":"yes"}}`)), status: 422, code: "validation_failed",
			fields: map[string]string{"body": "invalid_utf8"}},
		{name: "API: NUL byte in an item id", req: jsonRequest("POST", "/api/v1/responses", respBody(answers(map[string]string{"S-01\x00": "yes"}))), status: 422, code: "validation_failed",
			fields: map[string]string{"answers.S-01\x00": "unknown"}},
		{name: "API: path traversal as item id", req: jsonRequest("POST", "/api/v1/responses", respBody(answers(map[string]string{"../../S-01": "yes"}))), status: 422, code: "validation_failed",
			fields: map[string]string{"answers.../../S-01": "unknown"}},
		{name: "API: encoded traversal as item id", req: jsonRequest("POST", "/api/v1/responses", respBody(answers(map[string]string{"%2e%2e%2fS-01": "yes"}))), status: 422, code: "validation_failed",
			fields: map[string]string{"answers.%2e%2e%2fS-01": "unknown"}},
		{name: "API: 20000-character item id", req: jsonRequest("POST", "/api/v1/responses", respBody(answers(map[string]string{strings.Repeat("S-01", 5000): "yes"}))), status: 422, code: "validation_failed",
			fields: map[string]string{"answers." + strings.Repeat("S-01", 5000): "unknown"}},
		{name: "API: answer with a NUL byte", req: jsonRequest("POST", "/api/v1/responses", respBody(answers(map[string]string{"S-01": "yes\x00"}))), status: 422, code: "validation_failed",
			fields: map[string]string{"answers.S-01": "invalid"}},
		{name: "API: answer in look-alike Cyrillic letters", req: jsonRequest("POST", "/api/v1/responses", respBody(answers(map[string]string{"S-01": "y\u0435s"}))), status: 422, code: "validation_failed",
			fields: map[string]string{"answers.S-01": "invalid"}},
		{name: "API: answer in French", req: jsonRequest("POST", "/api/v1/responses", respBody(answers(map[string]string{"S-02": "oui"}))), status: 422, code: "validation_failed",
			fields: map[string]string{"answers.S-02": "invalid"}},
		{name: "API: pillar with path traversal", req: jsonRequest("POST", "/api/v1/responses", respBody(func(m map[string]any) { m["pillar"] = "../staff" })), status: 422, code: "validation_failed",
			fields: map[string]string{"pillar": "invalid"}},
		{name: "API: pillar in capitals", req: jsonRequest("POST", "/api/v1/responses", respBody(func(m map[string]any) { m["pillar"] = "STAFF" })), status: 422, code: "validation_failed",
			fields: map[string]string{"pillar": "invalid"}},
		{name: "API: pillar given twice", req: jsonRequest("POST", "/api/v1/responses", []byte(`{"code":"`+code+`","pillar":"staff","pillar":"leadership"}`)), status: 422, code: "validation_failed",
			fields: map[string]string{"pillar": "duplicate"}},
		{name: "API: join code given twice", req: jsonRequest("POST", "/api/v1/responses", []byte(`{"code":"`+unknownCode+`","code":"`+code+`","pillar":"staff"}`)), status: 422, code: "validation_failed",
			fields: map[string]string{"code": "duplicate"}},
		{name: "API: script tag in the opportunity", req: jsonRequest("POST", "/api/v1/responses", respBody(func(m map[string]any) { m["opportunity"] = map[string]string{"text": "<svg onload=alert(1)>"} })), status: 422, code: "validation_failed",
			fields: map[string]string{"opportunity.text": "markup"}},
		{name: "API: script tag as a theme", req: jsonRequest("POST", "/api/v1/responses", respBody(func(m map[string]any) { m["strength"] = map[string]string{"text": "Shared huddles", "theme": script} })), status: 422, code: "validation_failed",
			fields: map[string]string{"strength.theme": "unknown"}},
		{name: "API: formula in a reflection", req: jsonRequest("POST", "/api/v1/responses", respBody(func(m map[string]any) {
			m["reflections"] = map[string]string{"S-R1": `=HYPERLINK("http://evil.example","open")`}
		})), status: 422, code: "validation_failed", fields: map[string]string{"reflections.S-R1": "formula"}},
		{name: "API: formula after a tab", req: jsonRequest("POST", "/api/v1/responses", respBody(func(m map[string]any) { m["opportunity"] = map[string]string{"text": "\t@SUM(A1:A9)"} })), status: 422, code: "validation_failed",
			fields: map[string]string{"opportunity.text": "formula"}},
		{name: "API: script tag as join code", req: jsonRequest("POST", "/api/v1/responses", draftBody(t, script, nil)), status: 404, code: "assessment_not_found"},
		{name: "API: 40000-character join code", req: jsonRequest("POST", "/api/v1/responses", draftBody(t, strings.Repeat("7KQ2", 10000), nil)), status: 404, code: "assessment_not_found"},

		// Respondent API: GET and PUT /api/v1/responses/{token}.
		{name: "API: un-submit with markup", req: jsonRequest("PUT", "/api/v1/responses/"+submitted, putBody(func(m map[string]any) {
			m["answers"] = e.completeAnswers("staff")
			m["strength"] = map[string]string{"text": script}
			m["opportunity"] = map[string]string{"text": "More time."}
		})), status: 422, code: "validation_failed", fields: map[string]string{"strength.text": "markup"}},
		{name: "API: change the pillar to a traversal", req: jsonRequest("PUT", "/api/v1/responses/"+draft, putBody(func(m map[string]any) { m["pillar"] = "../leadership" })), status: 422, code: "validation_failed",
			fields: map[string]string{"pillar": "invalid"}},
		{name: "API: array instead of an object", req: jsonRequest("PUT", "/api/v1/responses/"+draft, []byte(`[{"pillar":"staff"}]`)), status: 400, code: "malformed"},
		{name: "API: dot-dot encoded as %2e%2e", req: hostileRequest("GET", "/api/v1/responses/%2e%2e", "", nil), status: 404, code: "response_not_found"},
		{name: "API: double-encoded traversal", req: hostileRequest("GET", "/api/v1/responses/..%252f..%252fetc%252fpasswd", "", nil), status: 404, code: "response_not_found"},
		{name: "API: token, encoded slash, token", req: hostileRequest("GET", "/api/v1/responses/"+draft+"%2f..%2f"+submitted, "", nil), status: 404, code: "response_not_found"},
		{name: "API: traversal towards another route", req: hostileRequest("GET", "/api/v1/responses/../instrument", "", nil), status: 404, code: "response_not_found"},
		{name: "API: NUL in the token", req: jsonRequest("PUT", "/api/v1/responses/"+draft[:25]+"%00", putBody(nil)), status: 404, code: "response_not_found"},

		// Respondent pages and forms.
		{name: "join: script tag as code", via: resp, req: hostileRequest("GET", "/join?code="+url.QueryEscape(script), "", nil), status: 422, page: "home.code_invalid"},
		{name: "join: traversal as code", via: resp, req: hostileRequest("GET", "/join?code=..%2F..%2Fetc%2Fpasswd", "", nil), status: 422, page: "home.code_invalid"},
		{name: "join: NUL inside a code", via: resp, req: hostileRequest("GET", "/join?code="+code[:8]+"%00"+code[8:], "", nil), status: 422, page: "home.code_invalid"},
		{name: "join link: encoded traversal", via: resp, req: hostileRequest("GET", "/j/..%2f..%2fetc%2fpasswd", "", nil), status: 404, page: "error.code_unknown.heading"},
		{name: "join link: dot-dot encoded", via: resp, req: hostileRequest("GET", "/j/%2e%2e", "", nil), status: 404, page: "error.code_unknown.heading"},
		{name: "form page: pillar with traversal", via: resp, req: hostileRequest("GET", "/j/"+code+"/form?pillar=..%2Fstaff", "", nil), status: 422, page: "join.pillar_required"},
		{name: "form page: script tag as pillar", via: resp, req: hostileRequest("GET", "/j/"+code+"/form?pillar="+url.QueryEscape(script), "", nil), status: 422, page: "join.pillar_required"},
		{name: "form: pillar given twice", via: resp, req: formRequest("/j/"+code+"/form", respForm(func(v url.Values) { v.Add("pillar", "leadership") })), status: 422, page: "field.pillar"},
		{name: "form: zero-width space hiding a word", via: resp, req: formRequest("/j/"+code+"/form", respForm(func(v url.Values) { v.Set("strength_text", "We d\u200Bon't listen") })), status: 422, page: "field.control"},
		{name: "form: right-to-left mark reordering a reflection", via: resp, req: formRequest("/j/"+code+"/form", respForm(func(v url.Values) { v.Set("refl.S-R1", "yes\u200Fno") })), status: 422, page: "field.control"},
		{name: "form: posted from a sibling subdomain", via: resp, req: func() *http.Request {
			r := formRequest("/j/"+code+"/form", respForm(func(url.Values) {}))
			r.Header.Set("Sec-Fetch-Site", "same-site")
			return r
		}(), status: 403, page: "error.csrf.heading"},
		{name: "form: posted with a foreign Origin", via: resp, req: func() *http.Request {
			r := formRequest("/j/"+code+"/form", respForm(func(url.Values) {}))
			r.Header.Set("Origin", "https://evil.example")
			return r
		}(), status: 403, page: "error.csrf.heading"},
		{name: "form: the CSRF cookie's value posted as the token", via: resp, req: formRequest("/j/"+code+"/form", respForm(func(v url.Values) { v.Set("_csrf", resp.csrfCookieValue()) })), status: 403, page: "error.csrf.heading"},
		{name: "API: a submitted response moved to another pillar", req: jsonRequest("PUT", "/api/v1/responses/"+submitted, putBody(func(m map[string]any) {
			m["pillar"] = "leadership"
			m["answers"] = e.completeAnswers("leadership")
			m["reflections"] = map[string]string{}
			m["strength"] = map[string]string{"text": "Moved"}
			m["opportunity"] = map[string]string{"text": "Counted twice"}
			m["submit"] = true
		})), status: 422, code: "validation_failed", fields: map[string]string{"pillar": "fixed"}},
		{name: "API: invisible separator in a strength", req: jsonRequest("POST", "/api/v1/responses", respBody(func(m map[string]any) { m["strength"] = map[string]string{"text": "a\u2063b"} })), status: 422, code: "validation_failed",
			fields: map[string]string{"strength.text": "control"}},
		{name: "setup: a password of one repeated letter", env: fresh, via: setupB, req: formRequest("/setup/"+setupToken, setupForm("Ada", "ada@example.org", "aaaaaaaaaaaaaaaa")), status: 422, page: "field.weak"},
		{name: "form: traversal as item id", via: resp, req: formRequest("/j/"+code+"/form", respForm(func(v url.Values) { v.Set("a.../../S-01", "yes") })), status: 422, page: "field.unknown"},
		{name: "form: NUL in an item id", via: resp, req: formRequest("/j/"+code+"/form", respForm(func(v url.Values) { v.Set("a.S-01\x00", "yes") })), status: 422, page: "field.unknown"},
		{name: "form: answer in French", via: resp, req: formRequest("/j/"+code+"/form", respForm(func(v url.Values) { v.Set("a.S-03", "oui") })), status: 422, page: "field.invalid"},
		{name: "form: pillar with traversal", via: resp, req: formRequest("/j/"+code+"/form", respForm(func(v url.Values) { v.Set("pillar", "../leadership") })), status: 400, page: "error.bad_request.heading"},
		{name: "form: script tag in a reflection", via: resp, req: formRequest("/j/"+code+"/form", respForm(func(v url.Values) { v.Set("refl.S-R1", script) })), status: 422, page: "field.markup"},
		{name: "form: formula in the opportunity", via: resp, req: formRequest("/j/"+code+"/form", respForm(func(v url.Values) { v.Set("opportunity_text", `=cmd|' /C calc'!A0`) })), status: 422, page: "field.formula"},
		{name: "form: 20000-character strength", via: resp, req: formRequest("/j/"+code+"/form", respForm(func(v url.Values) { v.Set("strength_text", strings.Repeat("x", 20000)) })), status: 422, page: "field.too_long"},
		{name: "form: semicolons as separators", via: resp, req: hostileRequest("POST", "/j/"+code+"/form", "application/x-www-form-urlencoded", []byte("_csrf="+respCSRF+"&pillar=staff;a.S-01=yes")), status: 400, page: "error.bad_request.heading"},
		{name: "form: XML", via: resp, req: hostileRequest("POST", "/j/"+code+"/form", "application/xml", []byte("<form/>")), status: 415, page: "error.unsupported.heading"},
		{name: "autosave: script tag", via: resp, req: formRequest("/j/"+code+"/form", respForm(func(v url.Values) { v.Set("action", "autosave"); v.Set("strength_text", script) })), status: 422, code: "validation_failed",
			fields: map[string]string{"strength.text": "markup"}},
		{name: "autosave: answer given twice", via: resp, req: formRequest("/j/"+code+"/form", respForm(func(v url.Values) { v.Set("action", "autosave"); v["a.S-01"] = []string{"yes", "no"} })), status: 422, code: "validation_failed",
			fields: map[string]string{"answers.S-01": "duplicate"}},
		{name: "resume: CSRF token replayed from another browser", via: resp, req: formRequest("/r/"+draft, respForm(func(v url.Values) { v.Set("_csrf", strangerCSRF) })), status: 403, page: "error.csrf.heading"},
		{name: "resume: encoded traversal as link", via: resp, req: formRequest("/r/..%2f..%2fetc%2fpasswd", respForm(func(v url.Values) {})), status: 404, page: "error.token_unknown.heading"},
		{name: "resume: markup into a submitted response", via: resp, req: formRequest("/r/"+submitted, respForm(func(v url.Values) { v.Set("strength_text", "<img src=x onerror=alert(1)>") })), status: 422, page: "field.markup"},
		{name: "resume: answer in capitals", via: resp, req: formRequest("/r/"+draft, respForm(func(v url.Values) { v.Set("action", "save"); v.Set("a.S-01", "Yes") })), status: 422, page: "field.invalid"},

		// Facilitator sign-in and first run.
		{name: "login: script tag and NUL in the e-mail", via: stranger, req: formRequest("/login", url.Values{"_csrf": {strangerCSRF}, "email": {script + "\x00@example.org"}, "password": {testPassword}}), status: 401, page: "login.failed"},
		{name: "login: 20000-byte password that is not UTF-8", via: stranger, req: formRequest("/login", url.Values{"_csrf": {strangerCSRF}, "email": {owner.Email}, "password": {strings.Repeat("\xff", 20000)}}), status: 401, page: "login.failed"},
		{name: "login: JSON", via: stranger, req: jsonRequest("POST", "/login", mustJSON(t, map[string]string{"_csrf": strangerCSRF, "email": owner.Email, "password": testPassword})), status: 415, page: "error.unsupported.heading"},
		{name: "setup: encoded traversal as link", via: stranger, req: hostileRequest("GET", "/setup/..%2f..%2fetc%2fpasswd", "", nil), status: 404, page: "error.not_found.heading"},
		{name: "setup: script tag as name", env: fresh, via: setupB, req: formRequest("/setup/"+setupToken, setupForm(script, "ada@example.org", testPassword)), status: 422, page: "field.markup"},
		{name: "setup: NUL in the e-mail", env: fresh, via: setupB, req: formRequest("/setup/"+setupToken, setupForm("Ada", "ada@example.org\x00", testPassword)), status: 422, page: "field.email_invalid"},
		{name: "setup: password not UTF-8", env: fresh, via: setupB, req: formRequest("/setup/"+setupToken, setupForm("Ada", "ada@example.org", strings.Repeat("\xfe", 16))), status: 422, page: "field.invalid_utf8"},

		// Facilitator workspace forms.
		{name: "new assessment: formula as title", via: ownerB, req: formRequest("/assessments", newAssessment("title", `=IMPORTXML("http://evil.example","//a")`)), status: 422, page: "field.formula"},
		{name: "new assessment: SQL in the threshold", via: ownerB, req: formRequest("/assessments", newAssessment("threshold", "3; DROP TABLE assessments")), status: 422, page: "field.threshold_invalid"},
		{name: "new assessment: team given twice", via: ownerB, req: formRequest("/assessments", func() url.Values {
			v := newAssessment("team", "Ward 9")
			v.Add("team", "Ward 10")
			return v
		}()), status: 422, page: "field.duplicate"},
		{name: "new assessment: traversal as language", via: ownerB, req: formRequest("/assessments", newAssessment("language", "../en")), status: 422, page: "field.language"},
		{name: "new assessment: NUL in the team", via: ownerB, req: formRequest("/assessments", newAssessment("team", "Ward\x009")), status: 422, page: "field.control"},
		{name: "new assessment: expired session", via: expiredB1, req: formRequest("/assessments", newAssessment("_csrf", expiredCSRF1)), status: 403, page: "error.sign_in_required.heading",
			ignore: []string{"sessions"}, pre: expiredPre1, after: expiredAfter1},
		{name: "new assessment: CSRF token replayed after sign-out", via: signedOutB, req: formRequest("/assessments", newAssessment("_csrf", signedOutCSRF)), status: 403, page: "error.sign_in_required.heading"},
		{name: "API token: script tag as label", via: ownerB, req: formRequest("/account/tokens", ownerForm(url.Values{"label": {script}})), status: 422, page: "field.markup"},
		{name: "API token: formula as label", via: ownerB, req: formRequest("/account/tokens", ownerForm(url.Values{"label": {"-2+3=cmd|calc"}})), status: 422, page: "field.formula"},
		{name: "API token: expired session", via: expiredB2, req: formRequest("/account/tokens", url.Values{"_csrf": {expiredCSRF2}, "label": {"deploy"}}), status: 403, page: "error.sign_in_required.heading",
			ignore: []string{"sessions"}, pre: expiredPre2, after: expiredAfter2},
		{name: "revoke: traversal as token id", via: ownerB, req: formRequest("/account/tokens/..%2f1/revoke", ownerForm(url.Values{})), status: 404, page: "error.not_found.heading"},
		{name: "revoke: token id past 64 bits", via: ownerB, req: formRequest("/account/tokens/99999999999999999999/revoke", ownerForm(url.Values{})), status: 404, page: "error.not_found.heading"},
		{name: "close: dot-dot as id", via: ownerB, req: formRequest("/assessments/%2e%2e/close", ownerForm(url.Values{})), status: 404, page: "error.not_found.heading"},
		{name: "delete: SQL in the id", via: ownerB, req: formRequest("/assessments/"+id+"%20OR%201=1/delete", ownerForm(url.Values{"confirm": {"yes"}})), status: 404, page: "error.not_found.heading"},
		{name: "action: formula as lead", via: ownerB, req: formRequest("/assessments/"+id+"/actions", actionForm("lead", "@IF(1,2)")), status: 422, page: "field.formula"},
		{name: "action: 31 February", via: ownerB, req: formRequest("/assessments/"+id+"/actions", actionForm("due", "2027-02-31")), status: 422, page: "field.due_invalid"},
		{name: "action: text given twice", via: ownerB, req: formRequest("/assessments/"+id+"/actions", func() url.Values {
			v := actionForm("text", "Invite a partner")
			v.Add("text", script)
			return v
		}()), status: 422, page: "field.duplicate"},
		{name: "action: delete by encoded traversal", via: ownerB, req: formRequest("/assessments/"+id+"/actions/..%2f"+act+"/delete", ownerForm(url.Values{})), status: 404, page: "error.not_found.heading"},
		{name: "reassess: CSRF token replayed after sign-out", via: signedOutB, req: formRequest("/assessments/"+id+"/reassess", url.Values{"_csrf": {signedOutCSRF}}), status: 403, page: "error.sign_in_required.heading"},

		// Facilitator API.
		{name: "API action: script tag as text", req: withBearer(jsonRequest("POST", "/api/v1/assessments/"+id+"/actions", []byte(`{"text":"<script>alert(1)</script>","lead":"Unit manager"}`)), live), status: 422, code: "validation_failed",
			fields: map[string]string{"text": "markup"}, ignore: lastUse},
		{name: "API action: pillar with traversal", req: withBearer(jsonRequest("POST", "/api/v1/assessments/"+id+"/actions", actionJSON(`,"pillar":"../staff"`)), live), status: 422, code: "validation_failed",
			fields: map[string]string{"pillar": "unknown"}, ignore: lastUse},
		{name: "API action: lead given twice", req: withBearer(jsonRequest("POST", "/api/v1/assessments/"+id+"/actions", actionJSON(`,"lead":"=1+1"`)), live), status: 422, code: "validation_failed",
			fields: map[string]string{"lead": "duplicate"}, ignore: lastUse},
		{name: "API action: status in capitals", req: withBearer(jsonRequest("PATCH", "/api/v1/actions/"+act, []byte(`{"status":"DONE"}`)), live), status: 422, code: "validation_failed",
			fields: map[string]string{"status": "invalid"}, ignore: lastUse},
		{name: "API action: formula as support", req: withBearer(jsonRequest("PATCH", "/api/v1/actions/"+act, []byte(`{"support":"-1+cmd|calc"}`)), live), status: 422, code: "validation_failed",
			fields: map[string]string{"support": "formula"}, ignore: lastUse},
		{name: "API action: change by encoded traversal", req: withBearer(jsonRequest("PATCH", "/api/v1/actions/"+act+"%2f..%2f"+act, []byte(`{"status":"done"}`)), live), status: 404, code: "not_found", ignore: lastUse},
		{name: "API action: revoked token deletes", req: withBearer(hostileRequest("DELETE", "/api/v1/actions/"+act, "", nil), revoked), status: 401, code: "unauthorized"},
		{name: "API: revoked token creates", req: withBearer(jsonRequest("POST", "/api/v1/assessments", apiAssessment(func(map[string]any) {})), revoked), status: 401, code: "unauthorized"},
		{name: "API: revoked token deletes", req: withBearer(hostileRequest("DELETE", "/api/v1/assessments/"+id, "", nil), revoked), status: 401, code: "unauthorized"},
		{name: "API: revoked token reads the report", req: withBearer(hostileRequest("GET", "/api/v1/assessments/"+id+"/report", "", nil), revoked), status: 401, code: "unauthorized"},
		{name: "API: session cookie instead of a token", via: ownerB, req: jsonRequest("POST", "/api/v1/assessments", apiAssessment(func(map[string]any) {})), status: 401, code: "unauthorized"},
		{name: "API: NUL in the bearer token", req: withBearer(hostileRequest("POST", "/api/v1/assessments/"+id+"/close", "", nil), live+"\x00"), status: 401, code: "unauthorized"},
		{name: "API: formula as title", req: withBearer(jsonRequest("POST", "/api/v1/assessments", apiAssessment(func(m map[string]any) { m["title"] = "+SUM(1;2)" })), live), status: 422, code: "validation_failed",
			fields: map[string]string{"title": "formula"}, ignore: lastUse},
		{name: "API: title given twice", req: withBearer(jsonRequest("POST", "/api/v1/assessments", []byte(`{"title":"First","team":"Ward 9","Title":"Second"}`)), live), status: 422, code: "validation_failed",
			fields: map[string]string{"title": "duplicate"}, ignore: lastUse},
		{name: "API: NUL in the team", req: withBearer(jsonRequest("POST", "/api/v1/assessments", apiAssessment(func(m map[string]any) { m["team"] = "Ward\x009" })), live), status: 422, code: "validation_failed",
			fields: map[string]string{"team": "control"}, ignore: lastUse},
		{name: "API: script tag as language", req: withBearer(jsonRequest("POST", "/api/v1/assessments", apiAssessment(func(m map[string]any) { m["language"] = script })), live), status: 422, code: "validation_failed",
			fields: map[string]string{"language": "invalid"}, ignore: lastUse},
		{name: "API: body not UTF-8", req: withBearer(jsonRequest("POST", "/api/v1/assessments", []byte(`{"title":"caf`+"\xe9"+`","team":"Ward 9"}`)), live), status: 422, code: "validation_failed",
			fields: map[string]string{"body": "invalid_utf8"}, ignore: lastUse},
		{name: "API: threshold as a fraction", req: withBearer(jsonRequest("POST", "/api/v1/assessments", apiAssessment(func(m map[string]any) { m["threshold"] = 3.5 })), live), status: 400, code: "malformed", ignore: lastUse},
		{name: "API: oversized body", req: withBearer(jsonRequest("POST", "/api/v1/assessments", apiAssessment(func(m map[string]any) { m["title"] = strings.Repeat("t", DefaultBodyLimit) })), live), status: 400, code: "body_too_large"},
		{name: "API: delete by encoded traversal", req: withBearer(hostileRequest("DELETE", "/api/v1/assessments/"+id+"%2f..%2f"+id, "", nil), live), status: 404, code: "not_found", ignore: lastUse},
		{name: "API: close by negative id", req: withBearer(hostileRequest("POST", "/api/v1/assessments/-"+id+"/close", "", nil), live), status: 404, code: "not_found", ignore: lastUse},
	}
	if len(cases) < 30 {
		t.Fatalf("only %d cases", len(cases))
	}
	seen := map[string]bool{}
	for i, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("case name %q used twice", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			env := e
			if tc.env != nil {
				env = tc.env
			}
			if tc.pre != nil {
				tc.pre(t)
			}
			before := env.stateChecksum(tc.ignore...)
			// Each case from its own address, so the look-up throttle stays out of it.
			tc.req.RemoteAddr = fmt.Sprintf("198.18.%d.%d:4000", i/250, i%250+1)
			var rec *httptest.ResponseRecorder
			if tc.via != nil {
				rec = tc.via.do(tc.req)
			} else {
				rec = env.serve(tc.req)
			}
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d; body %.600s", rec.Code, tc.status, rec.Body)
			}
			assertSecurityHeaders(t, rec)
			if tc.code != "" {
				got := decodeAPIError(t, rec)
				if got.Error.Code != tc.code {
					t.Errorf("error code %q, want %q; body %.600s", got.Error.Code, tc.code, rec.Body)
				}
				fields := map[string]string{}
				for k, fe := range got.Error.Fields {
					fields[k] = fe.Code
					if fe.Message == "" || strings.HasPrefix(fe.Message, "field.") {
						t.Errorf("field %q has no message: %q", k, fe.Message)
					}
				}
				if (tc.fields != nil || len(fields) > 0) && !reflect.DeepEqual(fields, tc.fields) {
					t.Errorf("fields\n got %q\nwant %q", fields, tc.fields)
				}
			} else {
				if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Fatalf("content type %q, want an HTML page; body %.300s", ct, rec.Body)
				}
				body := rec.Body.String()
				env.assertText(t, body, "en", tc.page)
				assertFriendly(t, body)
				for _, raw := range []string{"<script>alert", "<svg onload", "<img src=x"} {
					if strings.Contains(body, raw) {
						t.Errorf("the page repeats %q unescaped", raw)
					}
				}
			}
			if after := env.stateChecksum(tc.ignore...); after != before {
				t.Errorf("a refused request changed what is stored")
			}
			if tc.after != nil {
				tc.after(t)
			}
		})
	}

	// Nothing refused above reached the data: the fixtures are as they were.
	if got := e.storedResponse(submitted); got.Status != assessment.Submitted || got.Strength.Text != "We listen to patient partners at every huddle." {
		t.Errorf("the submitted response changed: %+v", got)
	}
	e.assertUntouched(t, open, "after the catalogue")
	if n := fresh.countRows("facilitators"); n != 0 {
		t.Errorf("%d accounts made through the setup link", n)
	}
	// The detectors can fail: an accepted request changes the checksum, and a change to
	// a column that is not ignored is seen with the others ignored.
	before := e.allTablesChecksum()
	beforeIgnoring := e.stateChecksum(lastUse...)
	if rec := e.bearer(http.MethodPost, "/api/v1/assessments/"+id+"/close", live, nil); rec.Code != http.StatusOK {
		t.Fatalf("close through the API: %d %s", rec.Code, rec.Body)
	}
	if e.allTablesChecksum() == before || e.stateChecksum(lastUse...) == beforeIgnoring {
		t.Fatal("the checksums did not see an accepted change")
	}
}
