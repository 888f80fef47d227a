package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
)

// apiFixtures is the data the error catalogue runs against.
type apiFixtures struct {
	open, closed     *assessment.Assessment
	draft, submitted string // resume tokens on the open assessment
	closedDraft      string // resume token on the closed assessment
	unknownCode      string
	unknownToken     string
}

func seedAPIFixtures(e *testEnv) apiFixtures {
	e.t.Helper()
	f := apiFixtures{open: e.newAssessment("en"), closed: e.newAssessment("en")}
	f.draft = e.createResponse(map[string]any{
		"code": f.open.Code, "pillar": "staff", "language": "en",
		"answers": map[string]string{"S-01": "yes"}, "submit": false,
	})
	f.submitted = e.createResponse(e.completeBody(f.open.Code, "staff"))
	f.closedDraft = e.createResponse(map[string]any{
		"code": f.closed.Code, "pillar": "leadership", "answers": map[string]string{"L-01": "no"},
	})
	e.closeAssessment(f.closed)
	for {
		f.unknownCode = assessment.NewJoinCode()
		if f.unknownCode != f.open.Code && f.unknownCode != f.closed.Code {
			break
		}
	}
	f.unknownToken = assessment.NewResumeToken()
	return f
}

// draftBody is a valid draft body for the open assessment, changed by mut.
func draftBody(t *testing.T, code string, mut func(m map[string]any)) []byte {
	t.Helper()
	m := map[string]any{
		"code": code, "pillar": "staff", "language": "en",
		"answers":     map[string]string{"S-01": "yes", "S-02": "somewhat"},
		"reflections": map[string]string{"S-R1": "Our huddles include a partner."},
		"strength":    map[string]string{"text": "Partners sit on our committee.", "theme": "influence"},
		"opportunity": map[string]string{"text": "", "theme": ""},
		"submit":      false,
	}
	if mut != nil {
		mut(m)
	}
	return mustJSON(t, m)
}

// TestAPIErrorCatalogue sends every kind of bad request to the respondent API and checks
// the status, the error code, the field keys of validation errors, the headers, and that
// nothing stored changed.
func TestAPIErrorCatalogue(t *testing.T) {
	e := newTestEnv(t)
	f := seedAPIFixtures(e)
	code := f.open.Code
	body := func(mut func(m map[string]any)) []byte { return draftBody(t, code, mut) }
	putBody := func(mut func(m map[string]any)) []byte {
		return draftBody(t, "", func(m map[string]any) {
			delete(m, "code")
			if mut != nil {
				mut(m)
			}
		})
	}
	setStrength := func(text string) func(m map[string]any) {
		return func(m map[string]any) { m["strength"] = map[string]string{"text": text} }
	}
	big := strings.Repeat("a", DefaultBodyLimit+1)
	incomplete := e.completeAnswers("staff")
	delete(incomplete, "S-05")
	delete(incomplete, "S-15")

	const (
		create  = "/api/v1/responses"
		appJSON = "application/json"
	)
	tokenPath := func(tok string) string { return "/api/v1/responses/" + tok }

	cases := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        []byte
		streamed    bool // send without Content-Length
		wantStatus  int
		wantCode    string
		wantFields  map[string]string // field → code, for 422
	}{
		// 400: the body cannot be read as the request.
		{name: "malformed JSON", method: "POST", path: create, contentType: appJSON, body: []byte(`{"code":`), wantStatus: 400, wantCode: "malformed"},
		{name: "not JSON at all", method: "POST", path: create, contentType: appJSON, body: []byte(`code=ABC`), wantStatus: 400, wantCode: "malformed"},
		{name: "trailing garbage", method: "POST", path: create, contentType: appJSON, body: append(body(nil), " garbage"...), wantStatus: 400, wantCode: "malformed"},
		{name: "second object", method: "POST", path: create, contentType: appJSON, body: append(body(nil), "{}"...), wantStatus: 400, wantCode: "malformed"},
		{name: "unknown top-level field", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["email"] = "a@b.c" }), wantStatus: 400, wantCode: "malformed"},
		{name: "unknown nested field", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["strength"] = map[string]string{"text": "x", "author": "me"} }), wantStatus: 400, wantCode: "malformed"},
		{name: "answers as array", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["answers"] = []string{"yes"} }), wantStatus: 400, wantCode: "malformed"},
		{name: "answers as string", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["answers"] = "yes" }), wantStatus: 400, wantCode: "malformed"},
		{name: "answer value as number", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["answers"] = map[string]any{"S-01": 1} }), wantStatus: 400, wantCode: "malformed"},
		{name: "answer value null", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["answers"] = map[string]any{"S-01": nil} }), wantStatus: 400, wantCode: "malformed"},
		{name: "reflection value as object", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["reflections"] = map[string]any{"S-R1": map[string]string{}} }), wantStatus: 400, wantCode: "malformed"},
		{name: "submit as string", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["submit"] = "yes" }), wantStatus: 400, wantCode: "malformed"},
		{name: "strength as string", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["strength"] = "teamwork" }), wantStatus: 400, wantCode: "malformed"},
		{name: "empty body", method: "POST", path: create, contentType: appJSON, body: []byte{}, wantStatus: 400, wantCode: "malformed"},
		{name: "JSON null", method: "POST", path: create, contentType: appJSON, body: []byte(`null`), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"code": "required", "pillar": "invalid"}},
		{name: "oversized body", method: "POST", path: create, contentType: appJSON, body: body(setStrength(big)), wantStatus: 400, wantCode: "body_too_large"},
		{name: "oversized body without length", method: "POST", path: create, contentType: appJSON, body: body(setStrength(big)), streamed: true, wantStatus: 400, wantCode: "body_too_large"},
		{name: "oversized PUT", method: "PUT", path: tokenPath(f.draft), contentType: appJSON, body: putBody(setStrength(big)), wantStatus: 400, wantCode: "body_too_large"},
		{name: "malformed PUT", method: "PUT", path: tokenPath(f.draft), contentType: appJSON, body: []byte(`{"pillar":"staff",}`), wantStatus: 400, wantCode: "malformed"},

		// 415: not JSON.
		{name: "text/plain", method: "POST", path: create, contentType: "text/plain", body: body(nil), wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "no content type", method: "POST", path: create, contentType: "", body: body(nil), wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "form encoded", method: "POST", path: create, contentType: "application/x-www-form-urlencoded", body: []byte("code=" + code), wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "PUT text/plain", method: "PUT", path: tokenPath(f.draft), contentType: "text/plain", body: putBody(nil), wantStatus: 415, wantCode: "unsupported_media_type"},

		// 404: unknown code or token.
		{name: "unknown code", method: "POST", path: create, contentType: appJSON, body: draftBody(t, f.unknownCode, nil), wantStatus: 404, wantCode: "assessment_not_found"},
		{name: "malformed code", method: "POST", path: create, contentType: appJSON, body: draftBody(t, "not-a-code", nil), wantStatus: 404, wantCode: "assessment_not_found"},
		{name: "missing code", method: "POST", path: create, contentType: appJSON, body: draftBody(t, "", nil), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"code": "required"}},
		{name: "blank code", method: "POST", path: create, contentType: appJSON, body: draftBody(t, "  ", nil), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"code": "required"}},
		{name: "missing code and bad fields, all named at once", method: "POST", path: create, contentType: appJSON,
			body: body(func(m map[string]any) {
				delete(m, "code")
				m["answers"] = map[string]any{"S-01": "maybe", "S-99": "yes"}
				m["language"] = "de"
			}), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"code": "required", "answers.S-01": "invalid", "answers.S-99": "unknown", "language": "invalid"}},
		{name: "GET unknown token", method: "GET", path: tokenPath(f.unknownToken), wantStatus: 404, wantCode: "response_not_found"},
		{name: "GET encoded traversal token", method: "GET", path: tokenPath("..%2f..%2fetc%2fpasswd"), wantStatus: 404, wantCode: "response_not_found"},
		{name: "GET dotted token", method: "GET", path: tokenPath(".."), wantStatus: 404, wantCode: "response_not_found"},
		{name: "GET too short token", method: "GET", path: tokenPath("abc"), wantStatus: 404, wantCode: "response_not_found"},
		{name: "GET too long token", method: "GET", path: tokenPath(f.draft + "a"), wantStatus: 404, wantCode: "response_not_found"},
		{name: "GET uppercase token", method: "GET", path: tokenPath(strings.ToUpper(f.draft)), wantStatus: 404, wantCode: "response_not_found"},
		{name: "GET token hash instead of token", method: "GET", path: tokenPath(assessment.HashToken(f.draft)), wantStatus: 404, wantCode: "response_not_found"},
		{name: "PUT unknown token", method: "PUT", path: tokenPath(f.unknownToken), contentType: appJSON, body: putBody(nil), wantStatus: 404, wantCode: "response_not_found"},
		{name: "PUT encoded traversal token", method: "PUT", path: tokenPath("..%2f..%2fetc"), contentType: appJSON, body: putBody(nil), wantStatus: 404, wantCode: "response_not_found"},
		{name: "unknown API route", method: "GET", path: "/api/v1/nothing-here", wantStatus: 404, wantCode: "not_found"},

		// 409: the assessment is closed.
		{name: "POST to closed assessment", method: "POST", path: create, contentType: appJSON, body: draftBody(t, f.closed.Code, func(m map[string]any) {
			m["pillar"] = "leadership"
			m["answers"] = map[string]string{"L-01": "yes"}
			m["reflections"] = map[string]string{}
		}), wantStatus: 409, wantCode: "assessment_closed"},
		{name: "PUT on closed assessment", method: "PUT", path: tokenPath(f.closedDraft), contentType: appJSON, body: mustJSON(t, map[string]any{
			"pillar": "leadership", "answers": map[string]string{"L-01": "yes", "L-02": "yes"},
		}), wantStatus: 409, wantCode: "assessment_closed"},

		// 422: read, but not acceptable.
		{name: "unknown pillar", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["pillar"] = "nursing"; m["reflections"] = map[string]string{} }), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"pillar": "invalid"}},
		{name: "missing pillar", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) {
			delete(m, "pillar")
			m["answers"] = map[string]string{}
			m["reflections"] = map[string]string{}
		}), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"pillar": "invalid"}},
		{name: "unsupported language", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["language"] = "de" }), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"language": "invalid"}},
		{name: "regional language tag", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["language"] = "fr-CA" }), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"language": "invalid"}},
		{name: "unknown item", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["answers"] = map[string]string{"S-99": "yes"} }), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"answers.S-99": "unknown"}},
		{name: "item of another pillar", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["answers"] = map[string]string{"S-01": "yes", "L-01": "yes"} }), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"answers.L-01": "unknown"}},
		{name: "answer outside the four", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["answers"] = map[string]string{"S-01": "maybe"} }), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"answers.S-01": "invalid"}},
		{name: "answer in upper case", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["answers"] = map[string]string{"S-01": "YES"} }), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"answers.S-01": "invalid"}},
		{name: "empty answer", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["answers"] = map[string]string{"S-01": ""} }), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"answers.S-01": "invalid"}},
		{name: "submit missing everything", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) {
			m["submit"] = true
			m["strength"] = map[string]string{}
			m["answers"] = incomplete
		}), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"answers.S-05": "required", "answers.S-15": "required", "strength.text": "required", "opportunity.text": "required"}},
		{name: "submit with blank strength", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) {
			m["submit"] = true
			m["answers"] = e.completeAnswers("staff")
			m["strength"] = map[string]string{"text": " \n\t "}
			m["opportunity"] = map[string]string{"text": "More training."}
		}), wantStatus: 422, wantCode: "validation_failed", wantFields: map[string]string{"strength.text": "required"}},
		{name: "reflection too long", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) {
			m["reflections"] = map[string]string{"S-R1": strings.Repeat("x", assessment.MaxReflectionLen+1)}
		}), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"reflections.S-R1": "too_long"}},
		{name: "reflection too long in runes", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) {
			m["reflections"] = map[string]string{"S-R2": strings.Repeat("é", assessment.MaxReflectionLen+1)}
		}), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"reflections.S-R2": "too_long"}},
		{name: "unknown prompt", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["reflections"] = map[string]string{"L-R1": "hello"} }), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"reflections.L-R1": "unknown"}},
		{name: "strength too long", method: "POST", path: create, contentType: appJSON, body: body(setStrength(strings.Repeat("s", assessment.MaxNamedLen+1))), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"strength.text": "too_long"}},
		{name: "markup bold", method: "POST", path: create, contentType: appJSON, body: body(setStrength("We are <b>great</b>")), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"strength.text": "markup"}},
		{name: "markup script", method: "POST", path: create, contentType: appJSON, body: body(setStrength(`<script>alert(1)</script>`)), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"strength.text": "markup"}},
		{name: "markup comment in reflection", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["reflections"] = map[string]string{"S-R3": "ok <!-- hidden -->"} }), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"reflections.S-R3": "markup"}},
		{name: "formula SUM", method: "POST", path: create, contentType: appJSON, body: body(setStrength("=SUM(A1)")), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"strength.text": "formula"}},
		{name: "formula at sign", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["opportunity"] = map[string]string{"text": "@x"} }), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"opportunity.text": "formula"}},
		{name: "formula DDE", method: "POST", path: create, contentType: appJSON, body: body(setStrength(`+cmd|' /C calc'!A0`)), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"strength.text": "formula"}},
		{name: "formula after leading space", method: "POST", path: create, contentType: appJSON, body: body(setStrength("  =1+1")), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"strength.text": "formula"}},
		{name: "NUL character", method: "POST", path: create, contentType: appJSON, body: body(setStrength("good\x00team")), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"strength.text": "control"}},
		{name: "escape character", method: "POST", path: create, contentType: appJSON, body: body(setStrength("bell\x07")), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"strength.text": "control"}},
		{name: "bidi override", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["reflections"] = map[string]string{"S-R1": "abc\u202Edef"} }), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"reflections.S-R1": "control"}},
		{name: "invalid UTF-8", method: "POST", path: create, contentType: appJSON, body: []byte(`{"code":"` + code + `","pillar":"staff","strength":{"text":"caf` + "\xff" + `"}}`), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"body": "invalid_utf8"}},
		{name: "invalid UTF-8 in PUT", method: "PUT", path: tokenPath(f.draft), contentType: appJSON, body: []byte(`{"pillar":"staff","answers":{"S-01` + "\xc3\x28" + `":"yes"}}`), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"body": "invalid_utf8"}},
		{name: "unknown theme", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) { m["strength"] = map[string]string{"text": "ok", "theme": "weather"} }), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"strength.theme": "unknown"}},
		{name: "duplicate item", method: "POST", path: create, contentType: appJSON, body: []byte(`{"code":"` + code + `","pillar":"staff","answers":{"S-01":"yes","S-02":"no","S-01":"no"}}`), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"answers.S-01": "duplicate"}},
		{name: "duplicate item by escape", method: "POST", path: create, contentType: appJSON, body: []byte(`{"code":"` + code + `","pillar":"staff","answers":{"S-01":"yes","S\u002d01":"yes"}}`), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"answers.S-01": "duplicate"}},
		{name: "duplicate prompt", method: "POST", path: create, contentType: appJSON, body: []byte(`{"code":"` + code + `","pillar":"staff","reflections":{"S-R1":"a","S-R1":"b"}}`), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"reflections.S-R1": "duplicate"}},
		{name: "answers object given twice", method: "POST", path: create, contentType: appJSON, body: []byte(`{"code":"` + code + `","pillar":"staff","answers":{"S-01":"yes"},"answers":{"S-02":"no"}}`), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"answers": "duplicate"}},
		{name: "answers given twice in another case", method: "POST", path: create, contentType: appJSON, body: []byte(`{"code":"` + code + `","pillar":"staff","answers":{"S-01":"yes"},"ANSWERS":{}}`), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"answers": "duplicate"}},
		{name: "submit given twice", method: "PUT", path: tokenPath(f.draft), contentType: appJSON, body: []byte(`{"pillar":"staff","submit":true,"submit":false}`), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"submit": "duplicate"}},
		{name: "many problems at once", method: "POST", path: create, contentType: appJSON, body: body(func(m map[string]any) {
			m["language"] = "de"
			m["answers"] = map[string]string{"S-01": "maybe", "S-99": "yes"}
			m["reflections"] = map[string]string{"S-R1": "<i>x</i>"}
			m["strength"] = map[string]string{"text": "=1", "theme": "nope"}
		}), wantStatus: 422, wantCode: "validation_failed", wantFields: map[string]string{
			"language": "invalid", "answers.S-01": "invalid", "answers.S-99": "unknown", "reflections.S-R1": "markup",
			"strength.text": "formula", "strength.theme": "unknown",
		}},
		{name: "PUT invalid answer", method: "PUT", path: tokenPath(f.draft), contentType: appJSON, body: putBody(func(m map[string]any) { m["answers"] = map[string]string{"S-01": "maybe"} }), wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"answers.S-01": "invalid"}},
		{name: "PUT submitted response incomplete", method: "PUT", path: tokenPath(f.submitted), contentType: appJSON, body: putBody(func(m map[string]any) {
			m["answers"] = incomplete
			m["opportunity"] = map[string]string{"text": "More time."}
			m["submit"] = true
		}), wantStatus: 422, wantCode: "validation_failed", wantFields: map[string]string{"answers.S-05": "required", "answers.S-15": "required"}},
		{name: "PUT submitted response into another pillar", method: "PUT", path: tokenPath(f.submitted), contentType: appJSON, body: putBody(func(m map[string]any) {
			m["pillar"] = "leadership"
			m["answers"] = e.completeAnswers("leadership")
			m["reflections"] = map[string]string{}
			m["strength"] = map[string]string{"text": "Moved."}
			m["opportunity"] = map[string]string{"text": "Counted twice."}
			m["submit"] = true
		}), wantStatus: 422, wantCode: "validation_failed", wantFields: map[string]string{"pillar": "fixed"}},
		{name: "PUT draft save of a submitted response", method: "PUT", path: tokenPath(f.submitted), contentType: appJSON, body: putBody(func(m map[string]any) {
			m["answers"] = incomplete
			m["opportunity"] = map[string]string{"text": "More time."}
		}), wantStatus: 409, wantCode: "already_submitted"},
		{name: "PUT draft submit incomplete", method: "PUT", path: tokenPath(f.draft), contentType: appJSON, body: putBody(func(m map[string]any) { m["submit"] = true }), wantStatus: 422, wantCode: "validation_failed",
			wantFields: func() map[string]string {
				want := map[string]string{"opportunity.text": "required"}
				for _, id := range e.itemIDs("staff")[2:] {
					want["answers."+id] = "required"
				}
				return want
			}()},
		{name: "instrument in German", method: "GET", path: "/api/v1/instrument?lang=de", wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"lang": "invalid"}},
		{name: "instrument with regional tag", method: "GET", path: "/api/v1/instrument?lang=fr-CA", wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"lang": "invalid"}},
		// The codes are exact, as the document's enum: "FR" is not one.
		{name: "instrument in upper case", method: "GET", path: "/api/v1/instrument?lang=FR", wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"lang": "invalid"}},
		{name: "instrument language twice", method: "GET", path: "/api/v1/instrument?lang=fr&lang=en", wantStatus: 422, wantCode: "validation_failed",
			wantFields: map[string]string{"lang": "duplicate"}},
	}
	if len(cases) < 30 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.dbDump()
			var rd io.Reader
			if tc.body != nil {
				rd = bytes.NewReader(tc.body)
			}
			req := httptest.NewRequest(tc.method, testBaseURL+tc.path, rd)
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			if tc.streamed {
				req.ContentLength = -1
				req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(tc.body)))
			}
			rec := e.serve(req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.wantStatus, rec.Body)
			}
			got := decodeAPIError(t, rec)
			if got.Error.Code != tc.wantCode {
				t.Errorf("error code %q, want %q; body %s", got.Error.Code, tc.wantCode, rec.Body)
			}
			fields := map[string]string{}
			for k, fe := range got.Error.Fields {
				fields[k] = fe.Code
				if fe.Message == "" || fe.Message == "field."+fe.Code {
					t.Errorf("field %s has no message: %q", k, fe.Message)
				}
			}
			if tc.wantStatus == http.StatusUnprocessableEntity || len(fields) > 0 {
				if !reflect.DeepEqual(fields, tc.wantFields) {
					t.Errorf("fields\n got %v\nwant %v", fields, tc.wantFields)
				}
			}
			assertSecurityHeaders(t, rec)
			assertNoStore(t, rec)
			if after := e.dbDump(); after != before {
				t.Errorf("a rejected request changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
	// The detector itself: an accepted request does change the dump.
	before := e.dbDump()
	if rec := e.api(http.MethodPut, tokenPath(f.draft), appJSON, putBody(nil)); rec.Code != http.StatusOK {
		t.Fatalf("valid PUT: status %d, body %s", rec.Code, rec.Body)
	}
	if e.dbDump() == before {
		t.Fatal("dbDump did not see an accepted change")
	}
}

// responseReply is the body of GET /api/v1/responses/{token}.
type responseReply struct {
	Status     string `json:"status"`
	Pillar     string `json:"pillar"`
	Language   string `json:"language"`
	Assessment struct {
		Title             string `json:"title"`
		Team              string `json:"team"`
		Status            string `json:"status"`
		InstrumentVersion string `json:"instrument_version"`
	} `json:"assessment"`
	Answers     map[string]string `json:"answers"`
	Reflections map[string]string `json:"reflections"`
	Strength    namedJSON         `json:"strength"`
	Opportunity namedJSON         `json:"opportunity"`
	Progress    struct {
		Answered int `json:"answered"`
		Total    int `json:"total"`
	} `json:"progress"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
	SubmittedAt *string `json:"submitted_at"`
}

func (e *testEnv) getResponse(token string) responseReply {
	e.t.Helper()
	rec := e.api(http.MethodGet, "/api/v1/responses/"+token, "", nil)
	if rec.Code != http.StatusOK {
		e.t.Fatalf("GET response: status %d, body %s", rec.Code, rec.Body)
	}
	assertNoStore(e.t, rec)
	var out responseReply
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		e.t.Fatalf("GET response body %s: %v", rec.Body, err)
	}
	return out
}

type createdReply struct {
	ResumeToken string `json:"resume_token"`
	ResumeURL   string `json:"resume_url"`
	Status      string `json:"status"`
}

func TestAPIResponseLifecycle(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")

	// Start a draft.
	rec := e.api(http.MethodPost, "/api/v1/responses", "application/json; charset=utf-8", mustJSON(t, map[string]any{
		"code":        strings.ToLower(assessment.FormatJoinCode(a.Code)),
		"pillar":      "staff",
		"language":    "en",
		"answers":     map[string]string{"S-01": "yes", "S-02": "no", "S-03": "unknown"},
		"reflections": map[string]string{"S-R1": "  Partners join our huddles.\r\nEvery week.  ", "S-R2": "   "},
		"strength":    map[string]string{"text": "We act on feedback <3", "theme": "feedback"},
		"opportunity": map[string]string{"text": "- more time for partners", "theme": ""},
		"submit":      false,
	}))
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: status %d, body %s", rec.Code, rec.Body)
	}
	assertSecurityHeaders(t, rec)
	assertNoStore(t, rec)
	var created createdReply
	decodeJSON(t, rec.Body.Bytes(), &created)
	if created.Status != "draft" || !assessment.LooksLikeResumeToken(created.ResumeToken) {
		t.Fatalf("create reply %+v", created)
	}
	assertNoID(t, "the create reply", rec.Body.Bytes())
	if want := testBaseURL + "/r/" + created.ResumeToken; created.ResumeURL != want {
		t.Errorf("resume_url %q, want %q", created.ResumeURL, want)
	}
	tok := created.ResumeToken

	got := e.getResponse(tok)
	if got.Status != "draft" || got.Pillar != "staff" || got.Language != "en" {
		t.Errorf("GET header fields %+v", got)
	}
	if want := map[string]string{"S-01": "yes", "S-02": "no", "S-03": "unknown"}; !reflect.DeepEqual(got.Answers, want) {
		t.Errorf("answers %v, want %v", got.Answers, want)
	}
	if want := map[string]string{"S-R1": "Partners join our huddles.\nEvery week."}; !reflect.DeepEqual(got.Reflections, want) {
		t.Errorf("reflections %q, want %q (trimmed, blank dropped)", got.Reflections, want)
	}
	if got.Strength != (namedJSON{Text: "We act on feedback <3", Theme: "feedback"}) {
		t.Errorf("strength %+v", got.Strength)
	}
	if got.Opportunity != (namedJSON{Text: "- more time for partners"}) {
		t.Errorf("opportunity %+v", got.Opportunity)
	}
	if got.Progress.Answered != 3 || got.Progress.Total != 16 {
		t.Errorf("progress %+v, want 3/16", got.Progress)
	}
	if got.Assessment.Title != a.Title || got.Assessment.Team != a.Team || got.Assessment.Status != "open" || got.Assessment.InstrumentVersion != "v2" {
		t.Errorf("assessment %+v", got.Assessment)
	}
	if got.SubmittedAt != nil {
		t.Errorf("draft has submitted_at %v", *got.SubmittedAt)
	}

	// Change it: answers replaced, not merged.
	put := func(body map[string]any) *httptest.ResponseRecorder {
		return e.apiJSON(http.MethodPut, "/api/v1/responses/"+tok, body)
	}
	rec = put(map[string]any{
		"pillar": "staff", "answers": map[string]string{"S-01": "somewhat", "S-04": "yes"},
		"reflections": map[string]string{"S-R3": "Changed."},
		"strength":    map[string]string{"text": "Changed strength", "theme": "learning"},
	})
	if rec.Code != http.StatusOK {
		t.Fatalf("PUT: status %d, body %s", rec.Code, rec.Body)
	}
	assertNoStore(t, rec)
	var updated createdReply
	decodeJSON(t, rec.Body.Bytes(), &updated)
	if updated.Status != "draft" || updated.ResumeToken != "" {
		t.Errorf("PUT reply %+v (no token must be echoed)", updated)
	}
	assertNoID(t, "the PUT reply", rec.Body.Bytes())
	got = e.getResponse(tok)
	if want := map[string]string{"S-01": "somewhat", "S-04": "yes"}; !reflect.DeepEqual(got.Answers, want) {
		t.Errorf("answers after PUT %v, want %v", got.Answers, want)
	}
	if want := map[string]string{"S-R3": "Changed."}; !reflect.DeepEqual(got.Reflections, want) {
		t.Errorf("reflections after PUT %v, want %v", got.Reflections, want)
	}
	if got.Language != "en" || got.Progress.Answered != 2 || got.Opportunity != (namedJSON{}) {
		t.Errorf("after PUT: language %q, progress %+v, opportunity %+v", got.Language, got.Progress, got.Opportunity)
	}

	// Submit it.
	complete := e.completeBody("", "staff")
	delete(complete, "code")
	rec = put(complete)
	if rec.Code != http.StatusOK {
		t.Fatalf("PUT submit: status %d, body %s", rec.Code, rec.Body)
	}
	decodeJSON(t, rec.Body.Bytes(), &updated)
	if updated.Status != "submitted" {
		t.Errorf("PUT submit status %q", updated.Status)
	}
	got = e.getResponse(tok)
	if got.Status != "submitted" || got.SubmittedAt == nil || got.Progress.Answered != 16 {
		t.Fatalf("after submit: %+v", got)
	}
	firstSubmitted := *got.SubmittedAt

	// Once submitted, it stays submitted: a draft save changes nothing (409), and a
	// complete submission changes it.
	before := e.dbChecksum()
	complete["submit"] = false
	complete["answers"].(map[string]string)["S-01"] = "no"
	rec = put(complete)
	if rec.Code != http.StatusConflict || decodeAPIError(t, rec).Error.Code != "already_submitted" {
		t.Fatalf("draft PUT after submit: status %d, body %s; want 409 already_submitted", rec.Code, rec.Body)
	}
	if e.dbChecksum() != before {
		t.Error("a draft PUT changed a submitted response")
	}
	complete["submit"] = true
	rec = put(complete)
	if rec.Code != http.StatusOK {
		t.Fatalf("PUT after submit: status %d, body %s", rec.Code, rec.Body)
	}
	decodeJSON(t, rec.Body.Bytes(), &updated)
	if updated.Status != "submitted" {
		t.Errorf("PUT submit:false on a submitted response gave status %q", updated.Status)
	}
	got = e.getResponse(tok)
	if got.Status != "submitted" || got.Answers["S-01"] != "no" || got.SubmittedAt == nil || *got.SubmittedAt != firstSubmitted {
		t.Errorf("after second PUT: status %q, S-01 %q, submitted_at %v (first %s)", got.Status, got.Answers["S-01"], got.SubmittedAt, firstSubmitted)
	}

	// And later changes must be complete; a rejected one changes nothing.
	before = e.dbChecksum()
	delete(complete["answers"].(map[string]string), "S-07")
	rec = put(complete)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("incomplete PUT after submit: status %d, body %s", rec.Code, rec.Body)
	}
	if reply := decodeAPIError(t, rec); reply.Error.Fields["answers.S-07"].Code != "required" {
		t.Errorf("incomplete PUT fields %v", reply.Error.Fields)
	}
	if e.dbChecksum() != before {
		t.Error("rejected PUT changed the database")
	}

	// Closing keeps the response readable, and refuses changes.
	e.closeAssessment(a)
	got = e.getResponse(tok)
	if got.Assessment.Status != "closed" || got.Status != "submitted" {
		t.Errorf("GET after close: %+v", got.Assessment)
	}
	before = e.dbChecksum()
	if rec := put(complete); rec.Code != http.StatusConflict {
		t.Errorf("PUT after close: status %d, body %s", rec.Code, rec.Body)
	}
	if e.dbChecksum() != before {
		t.Error("PUT after close changed the database")
	}
}

func TestAPICreate(t *testing.T) {
	e := newTestEnv(t)
	en := e.newAssessment("en")
	fr := e.newAssessment("fr")
	cases := []struct {
		name         string
		body         map[string]any
		wantStatus   string
		wantLanguage string
		wantAnswered int
	}{
		{name: "complete submission", body: e.completeBody(en.Code, "staff"), wantStatus: "submitted", wantLanguage: "en", wantAnswered: 16},
		{name: "leadership submission", body: e.completeBody(en.Code, "leadership"), wantStatus: "submitted", wantLanguage: "en", wantAnswered: 16},
		{name: "patient partner draft in French", body: map[string]any{"code": en.Code, "pillar": "patient_partners", "language": "fr", "answers": map[string]string{"P-15": "unknown"}},
			wantStatus: "draft", wantLanguage: "fr", wantAnswered: 1},
		{name: "empty draft takes the assessment language", body: map[string]any{"code": fr.Code, "pillar": "staff"}, wantStatus: "draft", wantLanguage: "fr"},
		{name: "null objects", body: map[string]any{"code": fr.Code, "pillar": "staff", "answers": nil, "reflections": nil, "strength": nil}, wantStatus: "draft", wantLanguage: "fr"},
		{name: "code typed with dashes and look-alikes", body: map[string]any{"code": " " + strings.NewReplacer("0", "o", "1", "l").Replace(strings.ToLower(assessment.FormatJoinCode(en.Code))) + " ", "pillar": "staff"},
			wantStatus: "draft", wantLanguage: "en"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := e.apiJSON(http.MethodPost, "/api/v1/responses", tc.body)
			if rec.Code != http.StatusCreated {
				t.Fatalf("status %d, body %s", rec.Code, rec.Body)
			}
			var c createdReply
			decodeJSON(t, rec.Body.Bytes(), &c)
			if c.Status != tc.wantStatus {
				t.Errorf("status %q, want %q", c.Status, tc.wantStatus)
			}
			got := e.getResponse(c.ResumeToken)
			if got.Status != tc.wantStatus || got.Language != tc.wantLanguage || got.Progress.Answered != tc.wantAnswered {
				t.Errorf("stored status %q language %q answered %d; want %q %q %d", got.Status, got.Language, got.Progress.Answered, tc.wantStatus, tc.wantLanguage, tc.wantAnswered)
			}
		})
	}
	if n := e.countRows("responses"); n != len(cases) {
		t.Errorf("%d responses stored, want %d", n, len(cases))
	}
}

// TestAPITokensAreSecret: every response gets its own unguessable token, only its hash is
// stored, and one token never opens another response.
func TestAPITokensAreSecret(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	seen := map[string]bool{}
	for i := 0; i < 5; i++ {
		tok := e.createResponse(map[string]any{"code": a.Code, "pillar": "staff", "answers": map[string]string{e.itemIDs("staff")[i]: "yes"}})
		if seen[tok] {
			t.Fatalf("token %q issued twice", tok)
		}
		seen[tok] = true
		if got := e.getResponse(tok); got.Answers[e.itemIDs("staff")[i]] != "yes" || len(got.Answers) != 1 {
			t.Errorf("token %d opens answers %v", i, got.Answers)
		}
	}
	dump := e.dbDump()
	for tok := range seen {
		if strings.Contains(dump, tok) {
			t.Errorf("database holds a resume token in clear")
		}
		if !strings.Contains(dump, assessment.HashToken(tok)) {
			t.Errorf("database lacks the hash of a token")
		}
	}
}

func TestAPIInstrument(t *testing.T) {
	e := newTestEnv(t)
	fetch := func(query string) (map[string]any, instrumentJSON) {
		t.Helper()
		rec := e.api(http.MethodGet, "/api/v1/instrument"+query, "", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("instrument%s: status %d, body %s", query, rec.Code, rec.Body)
		}
		assertSecurityHeaders(t, rec)
		assertNoStore(t, rec)
		var raw map[string]any
		decodeJSON(t, rec.Body.Bytes(), &raw)
		var typed instrumentJSON
		dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&typed); err != nil {
			t.Fatalf("instrument%s: %v", query, err)
		}
		return raw, typed
	}
	keysOf := func(v any) []string {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%v is not an object", v)
		}
		return sortedKeys(m)
	}
	langs := map[string]instrumentJSON{}
	for _, tc := range []struct{ name, query string }{
		{"default", ""}, {"en", "?lang=en"}, {"fr", "?lang=fr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, in := fetch(tc.query)
			langs[tc.name] = in
			// The exact shape of the contract, key by key.
			if got, want := keysOf(raw), []string{"answers", "pillars", "themes", "version"}; !reflect.DeepEqual(got, want) {
				t.Errorf("top-level keys %v, want %v", got, want)
			}
			pillarsRaw := raw["pillars"].([]any)
			if got, want := keysOf(pillarsRaw[0]), []string{"description", "key", "reflections", "sections", "title"}; !reflect.DeepEqual(got, want) {
				t.Errorf("pillar keys %v, want %v", got, want)
			}
			sec := pillarsRaw[0].(map[string]any)["sections"].([]any)[0]
			if got, want := keysOf(sec), []string{"items", "key", "title"}; !reflect.DeepEqual(got, want) {
				t.Errorf("section keys %v, want %v", got, want)
			}
			if got, want := keysOf(sec.(map[string]any)["items"].([]any)[0]), []string{"id", "text", "theme"}; !reflect.DeepEqual(got, want) {
				t.Errorf("item keys %v, want %v", got, want)
			}
			if got, want := keysOf(pillarsRaw[0].(map[string]any)["reflections"].([]any)[0]), []string{"id", "text"}; !reflect.DeepEqual(got, want) {
				t.Errorf("reflection keys %v, want %v", got, want)
			}
			if got, want := keysOf(raw["themes"].([]any)[0]), []string{"key", "title"}; !reflect.DeepEqual(got, want) {
				t.Errorf("theme keys %v, want %v", got, want)
			}

			if in.Version != "v2" {
				t.Errorf("version %q", in.Version)
			}
			if want := []string{"yes", "no", "somewhat", "unknown"}; !reflect.DeepEqual(in.Answers, want) {
				t.Errorf("answers %v, want %v", in.Answers, want)
			}
			var themeKeys []string
			for _, th := range in.Themes {
				themeKeys = append(themeKeys, th.Key)
				if th.Title == "" {
					t.Errorf("theme %s has no title", th.Key)
				}
			}
			if want := []string{"commitment", "relationships", "preparation", "resources", "influence", "feedback", "equity", "learning"}; !reflect.DeepEqual(themeKeys, want) {
				t.Errorf("themes %v, want %v", themeKeys, want)
			}
			var pillarKeys []string
			for _, p := range in.Pillars {
				pillarKeys = append(pillarKeys, p.Key)
				prefix := strings.ToUpper(p.Key[:1])
				var ids []string
				for _, s := range p.Sections {
					if s.Key == "" || s.Title == "" {
						t.Errorf("pillar %s: section %+v lacks key or title", p.Key, s)
					}
					for _, it := range s.Items {
						ids = append(ids, it.ID)
						if it.Text == "" || e.in.Theme(it.Theme) == nil {
							t.Errorf("item %s: text %q theme %q", it.ID, it.Text, it.Theme)
						}
					}
				}
				if len(ids) != 16 || ids[0] != prefix+"-01" || ids[15] != prefix+"-16" {
					t.Errorf("pillar %s items %v", p.Key, ids)
				}
				if len(p.Reflections) == 0 || p.Reflections[0].ID != prefix+"-R1" || p.Title == "" || p.Description == "" {
					t.Errorf("pillar %s: title %q, reflections %+v", p.Key, p.Title, p.Reflections)
				}
			}
			if want := []string{"leadership", "staff", "patient_partners"}; !reflect.DeepEqual(pillarKeys, want) {
				t.Errorf("pillars %v, want %v", pillarKeys, want)
			}
		})
	}
	en, fr := langs["en"], langs["fr"]
	if !reflect.DeepEqual(langs["default"], en) {
		t.Error("no lang should give English")
	}
	if en.Version != fr.Version || len(en.Pillars) != len(fr.Pillars) {
		t.Fatal("en and fr differ in structure")
	}
	enItem, frItem := en.Pillars[1].Sections[0].Items[0], fr.Pillars[1].Sections[0].Items[0]
	if enItem.ID != frItem.ID || enItem.Theme != frItem.Theme || enItem.Text == frItem.Text {
		t.Errorf("S-01 en %+v fr %+v: same id and theme, different text expected", enItem, frItem)
	}
	if en.Pillars[1].Title == fr.Pillars[1].Title || en.Themes[0].Title == fr.Themes[0].Title {
		t.Errorf("titles not translated: %q / %q, %q / %q", en.Pillars[1].Title, fr.Pillars[1].Title, en.Themes[0].Title, fr.Themes[0].Title)
	}
	if !strings.Contains(frItem.Text, "Je comprends pourquoi") {
		t.Errorf("French S-01 %q", frItem.Text)
	}
}

// assertNoID fails when a reply to a respondent has an "id" member: responses are
// numbered in order across the server, so one would tell a respondent how many
// responses it holds.
func assertNoID(t *testing.T, what string, body []byte) {
	t.Helper()
	var members map[string]json.RawMessage
	decodeJSON(t, body, &members)
	if id, ok := members["id"]; ok {
		t.Errorf("%s carries an id (%s): a respondent would learn how many responses the server holds", what, id)
	}
}
