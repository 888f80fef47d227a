package web

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// oaDoc is the OpenAPI document decoded loosely, for the checks below.
type oaDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Servers    []struct{ URL string }                `json:"servers"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas   map[string]any `json:"schemas"`
		Responses map[string]any `json:"responses"`
	} `json:"components"`
}

var oaMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "patch": true, "head": true, "options": true}

func loadOpenAPI(t *testing.T) (*oaDoc, map[string]any) {
	t.Helper()
	var d oaDoc
	if err := json.Unmarshal(openAPIDocument, &d); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	var raw map[string]any
	if err := json.Unmarshal(openAPIDocument, &raw); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.OpenAPI, "3.") {
		t.Fatalf("openapi = %q, want 3.x", d.OpenAPI)
	}
	if len(d.Servers) != 1 || d.Servers[0].URL != "/api/v1" {
		t.Fatalf("servers = %+v, want the one relative server /api/v1", d.Servers)
	}
	return &d, raw
}

// echoPathToOpenAPI turns "/assessments/:id/report" into "/assessments/{id}/report".
func echoPathToOpenAPI(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// TestOpenAPICoverage keeps the document true to the router, both ways: every API route
// registered is described, and every operation described is routed.
func TestOpenAPICoverage(t *testing.T) {
	e := newTestEnv(t)
	d, _ := loadOpenAPI(t)
	routed := map[string]bool{}
	for _, r := range e.srv.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") || strings.HasSuffix(r.Path, "*") {
			continue
		}
		routed[strings.ToLower(r.Method)+" "+echoPathToOpenAPI(strings.TrimPrefix(r.Path, "/api/v1"))] = true
	}
	if len(routed) < 10 {
		t.Fatalf("only %d API routes found; is the route listing broken?", len(routed))
	}
	described := map[string]bool{}
	for path, item := range d.Paths {
		for method := range item {
			if oaMethods[method] {
				described[method+" "+path] = true
			}
		}
	}
	for _, k := range sortedKeys(routed) {
		if !described[k] {
			t.Errorf("route %s is not described in web/openapi.json", k)
		}
	}
	for _, k := range sortedKeys(described) {
		if !routed[k] {
			t.Errorf("web/openapi.json describes %s, which is not routed", k)
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	e := newTestEnv(t)
	rec := e.api(http.MethodGet, "/api/v1/openapi.json", "", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	if rec.Body.String() != string(openAPIDocument) {
		t.Error("served document differs from the embedded one")
	}
}

// schemaChecker validates JSON values against the subset of JSON Schema the document
// uses. It is strict where the document is silent: an object property the schema does
// not declare is an error, so a field added to an answer without documenting it fails.
//
// With open set it reads the document as JSON Schema does, for request bodies: an
// object without additionalProperties takes any member.
type schemaChecker struct {
	raw  map[string]any
	errs []string
	open bool
}

// valid reports whether v matches schema, without noting anything.
func (c *schemaChecker) valid(schema map[string]any, v any) bool {
	sub := &schemaChecker{raw: c.raw, open: c.open}
	sub.check("", schema, v)
	return len(sub.errs) == 0
}

// jsonEqual compares two decoded JSON values.
func jsonEqual(a, b any) bool {
	return jsonType(a) == jsonType(b) && reflect.DeepEqual(a, b)
}

// ecmaSpace is what \s matches in an ECMA-262 regular expression, the dialect of
// JSON Schema's pattern; Go's \s is ASCII only.
const ecmaSpace = `\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}`

var ecmaPatterns sync.Map // pattern → *regexp.Regexp

// ecmaRegexp compiles a JSON Schema pattern with Go's regexp, \s and \S given their
// ECMA-262 meaning (Unicode spaces); the rest of the patterns the document uses reads
// the same in both dialects.
func ecmaRegexp(p string) *regexp.Regexp {
	if re, ok := ecmaPatterns.Load(p); ok {
		return re.(*regexp.Regexp)
	}
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		switch ch := p[i]; {
		case ch == '\\' && i+1 < len(p):
			i++
			switch next := p[i]; {
			case next == 's' && inClass:
				b.WriteString(ecmaSpace)
			case next == 's':
				b.WriteString("[" + ecmaSpace + "]")
			case next == 'S' && inClass:
				panic("pattern " + p + ": \\S inside a class is not supported")
			case next == 'S':
				b.WriteString("[^" + ecmaSpace + "]")
			default:
				b.WriteByte('\\')
				b.WriteByte(next)
			}
		case ch == '[' && !inClass:
			inClass = true
			b.WriteByte(ch)
		case ch == ']' && inClass:
			inClass = false
			b.WriteByte(ch)
		default:
			b.WriteByte(ch)
		}
	}
	re := regexp.MustCompile(b.String())
	ecmaPatterns.Store(p, re)
	return re
}

var fullDateRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// formatOK checks the formats the document names (JSON Schema's format assertion).
func formatOK(format, s string) bool {
	switch format {
	case "date":
		_, err := time.Parse("2006-01-02", s)
		return fullDateRE.MatchString(s) && err == nil
	case "date-time":
		_, err := time.Parse(time.RFC3339, s)
		return err == nil
	case "uri":
		u, err := url.Parse(s)
		return err == nil && u.Scheme != ""
	}
	return true
}

func (c *schemaChecker) resolve(node map[string]any) map[string]any {
	for i := 0; i < 10; i++ {
		ref, ok := node["$ref"].(string)
		if !ok {
			return node
		}
		var cur any = c.raw
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			m, _ := cur.(map[string]any)
			cur = m[part]
		}
		next, ok := cur.(map[string]any)
		if !ok {
			c.errs = append(c.errs, "unresolvable $ref "+ref)
			return map[string]any{}
		}
		node = next
	}
	return node
}

func (c *schemaChecker) fail(path, format string, args ...any) {
	c.errs = append(c.errs, path+": "+fmt.Sprintf(format, args...))
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

func (c *schemaChecker) check(path string, schema map[string]any, v any) {
	schema = c.resolve(schema)
	if types, ok := schema["type"]; ok {
		var allowed []string
		switch x := types.(type) {
		case string:
			allowed = []string{x}
		case []any:
			for _, t := range x {
				allowed = append(allowed, t.(string))
			}
		}
		got := jsonType(v)
		match := false
		for _, a := range allowed {
			if a == got || (a == "number" && got == "integer") {
				match = true
			}
		}
		if !match {
			c.fail(path, "type %s, want %v", got, allowed)
			return
		}
	}
	if enum, ok := schema["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if jsonEqual(e, v) {
				found = true
			}
		}
		if !found {
			c.fail(path, "%v is not one of %v", v, enum)
		}
	}
	if cv, ok := schema["const"]; ok && !jsonEqual(cv, v) {
		c.fail(path, "%v is not %v", v, cv)
	}
	if list, ok := schema["anyOf"].([]any); ok {
		n := 0
		for _, s := range list {
			if c.valid(s.(map[string]any), v) {
				n++
			}
		}
		if n == 0 {
			c.fail(path, "%v matches none of anyOf", v)
		}
	}
	if list, ok := schema["oneOf"].([]any); ok {
		n := 0
		for _, s := range list {
			if c.valid(s.(map[string]any), v) {
				n++
			}
		}
		if n != 1 {
			c.fail(path, "%v matches %d of oneOf, want 1", v, n)
		}
	}
	if list, ok := schema["allOf"].([]any); ok {
		for _, s := range list {
			c.check(path, s.(map[string]any), v)
		}
	}
	if cond, ok := schema["if"].(map[string]any); ok {
		branch := "else"
		if c.valid(cond, v) {
			branch = "then"
		}
		if s, ok := schema[branch].(map[string]any); ok {
			c.check(path, s, v)
		}
	}
	switch x := v.(type) {
	case float64:
		if min, ok := schema["minimum"].(float64); ok && x < min {
			c.fail(path, "%v < minimum %v", x, min)
		}
		if max, ok := schema["maximum"].(float64); ok && x > max {
			c.fail(path, "%v > maximum %v", x, max)
		}
		if schema["format"] == "int64" && (x < -(1<<63) || x >= 1<<63) {
			c.fail(path, "%v is out of int64", x)
		}
		if schema["format"] == "int32" && (x < -(1<<31) || x >= 1<<31) {
			c.fail(path, "%v is out of int32", x)
		}
	case string:
		if p, ok := schema["pattern"].(string); ok && !ecmaRegexp(p).MatchString(x) {
			c.fail(path, "%q does not match %s", x, p)
		}
		if n, ok := schema["maxLength"].(float64); ok && float64(utf8.RuneCountInString(x)) > n {
			c.fail(path, "longer than %v", n)
		}
		if n, ok := schema["minLength"].(float64); ok && float64(utf8.RuneCountInString(x)) < n {
			c.fail(path, "shorter than %v", n)
		}
		if f, ok := schema["format"].(string); ok && !formatOK(f, x) {
			c.fail(path, "%q is not a %s", x, f)
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, el := range x {
				c.check(path+"["+strconv.Itoa(i)+"]", items, el)
			}
		}
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		for _, req := range asStrings(schema["required"]) {
			if _, ok := x[req]; !ok {
				c.fail(path, "required property %q missing", req)
			}
		}
		extra, extraOK := schema["additionalProperties"]
		for k, el := range x {
			if ps, ok := props[k].(map[string]any); ok {
				c.check(path+"."+k, ps, el)
				continue
			}
			switch ap := extra.(type) {
			case map[string]any:
				c.check(path+"."+k, ap, el)
			case bool:
				if !ap {
					c.fail(path, "property %q not allowed", k)
				}
			default:
				if !extraOK && !c.open {
					c.fail(path, "property %q is not documented", k)
				}
			}
		}
	}
}

func asStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, s := range list {
		out = append(out, s.(string))
	}
	return out
}

// responseSchema finds the schema documented for path+method answering status.
func (c *schemaChecker) responseSchema(d *oaDoc, method, path string, status int) (map[string]any, bool) {
	item, ok := d.Paths[path]
	if !ok {
		return nil, false
	}
	var op struct {
		Responses map[string]map[string]any `json:"responses"`
	}
	if err := json.Unmarshal(item[strings.ToLower(method)], &op); err != nil {
		return nil, false
	}
	resp, ok := op.Responses[strconv.Itoa(status)]
	if !ok {
		return nil, false
	}
	resp = c.resolve(resp)
	content, _ := resp["content"].(map[string]any)
	media, _ := content["application/json"].(map[string]any)
	schema, _ := media["schema"].(map[string]any)
	if schema == nil {
		return map[string]any{}, true // documented, without a JSON body
	}
	return schema, true
}

// TestOpenAPIMatchesLiveAnswers drives every documented operation and checks each answer
// against the schema documented for its status: an integrator can rely on the document.
func TestOpenAPIMatchesLiveAnswers(t *testing.T) {
	e := newTestEnv(t)
	d, raw := loadOpenAPI(t)
	c := &schemaChecker{raw: raw}
	f := e.newFacilitator("oa@example.org", "Open API")
	token, _ := e.newAPIToken(f, "openapi")
	other := e.newFacilitator("other@example.org", "Other")
	otherA := e.ownedAssessment(other, "Not yours")

	covered := map[string]bool{}
	call := func(method, docPath, realPath string, body any, bearer bool, want int) []byte {
		t.Helper()
		var code int
		var b []byte
		if bearer {
			r := e.bearer(method, "/api/v1"+realPath, token, body)
			code, b = r.Code, r.Body.Bytes()
		} else {
			var payload []byte
			if body != nil {
				payload = mustJSON(t, body)
			}
			r := e.api(method, "/api/v1"+realPath, "application/json", payload)
			code, b = r.Code, r.Body.Bytes()
		}
		if code != want {
			t.Fatalf("%s %s: status %d, want %d: %s", method, realPath, code, want, b)
		}
		schema, ok := c.responseSchema(d, method, docPath, code)
		if !ok {
			t.Errorf("%s %s answered %d, which is not documented", method, docPath, code)
			return b
		}
		covered[strings.ToLower(method)+" "+docPath] = true
		// The document itself is described loosely (an OpenAPI object); its shape is
		// checked by the linter in CI, not here.
		if len(b) > 0 && json.Valid(b) && docPath != "/openapi.json" {
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatal(err)
			}
			before := len(c.errs)
			c.check(method+" "+docPath+" "+strconv.Itoa(code), schema, v)
			for _, msg := range c.errs[before:] {
				t.Error(msg)
			}
		}
		return b
	}

	call("GET", "/openapi.json", "/openapi.json", nil, false, 200)
	call("GET", "/instrument", "/instrument?lang=fr", nil, false, 200)
	call("GET", "/instrument", "/instrument?lang=xx", nil, false, 422)

	created := call("POST", "/assessments", "/assessments", map[string]any{"title": "Round", "team": "Ward 4B", "threshold": 1, "language": "en", "confirm_low_threshold": true}, true, 201)
	var a struct {
		ID   int64
		Code string
	}
	decodeJSON(t, created, &a)
	call("POST", "/assessments", "/assessments", map[string]any{"title": "", "team": "T", "threshold": 3, "language": "en"}, true, 422)
	call("GET", "/assessments", "/assessments", nil, true, 200)
	id := strconv.FormatInt(a.ID, 10)
	call("GET", "/assessments/{id}", "/assessments/"+id, nil, true, 200)
	call("GET", "/assessments/{id}", "/assessments/"+strconv.FormatInt(otherA.ID, 10), nil, true, 404)
	// Settings: a unit, headcounts (a rate in the counts), a closing moment; a moment
	// that has passed (422); another's round (404).
	call("PATCH", "/assessments/{id}", "/assessments/"+id, map[string]any{"unit": "Medicine", "expected": map[string]any{"staff": 4, "leadership": nil},
		"closes_at": "2190-01-31T17:00:00-05:00"}, true, 200)
	call("PATCH", "/assessments/{id}", "/assessments/"+id, map[string]any{"closes_at": "2020-01-31T17:00:00Z"}, true, 422)
	call("PATCH", "/assessments/{id}", "/assessments/"+strconv.FormatInt(otherA.ID, 10), map[string]any{"unit": "Mine"}, true, 404)
	call("GET", "/assessments", "/assessments?unit=Medicine", nil, true, 200)
	call("GET", "/assessments", "/assessments", nil, false, 401)

	resp := call("POST", "/responses", "/responses", e.completeBody(a.Code, "staff"), false, 201)
	var r struct {
		ResumeToken string `json:"resume_token"`
	}
	decodeJSON(t, resp, &r)
	call("POST", "/responses", "/responses", map[string]any{"code": a.Code, "pillar": "nope"}, false, 422)
	call("POST", "/responses", "/responses", e.completeBody("0000000000000000", "staff"), false, 404)
	call("GET", "/responses/{token}", "/responses/"+r.ResumeToken, nil, false, 200)
	upd := e.completeBody(a.Code, "staff")
	delete(upd, "code")
	call("PUT", "/responses/{token}", "/responses/"+r.ResumeToken, upd, false, 200)

	call("GET", "/assessments/{id}/report", "/assessments/"+id+"/report", nil, true, 200)
	call("GET", "/assessments/{id}/report", "/assessments/"+id+"/report?texts=none", nil, true, 200)
	call("GET", "/assessments/{id}/report", "/assessments/"+id+"/report?texts=some", nil, true, 422)
	call("POST", "/assessments/{id}/discussed", "/assessments/"+id+"/discussed", nil, true, 409)
	act := call("POST", "/assessments/{id}/actions", "/assessments/"+id+"/actions",
		map[string]any{"text": "Invite a partner", "lead": "Manager", "pillar": "staff", "due": "2099-01-31"}, true, 201)
	call("POST", "/assessments/{id}/discussed", "/assessments/"+id+"/discussed", nil, true, 200)
	var ar struct{ ID int64 }
	decodeJSON(t, act, &ar)
	actionPath := "/actions/" + strconv.FormatInt(ar.ID, 10)
	call("POST", "/assessments/{id}/actions", "/assessments/"+id+"/actions", map[string]any{"text": "", "lead": "x", "due": "soon"}, true, 422)
	call("GET", "/assessments/{id}/actions", "/assessments/"+id+"/actions", nil, true, 200)
	call("GET", "/assessments/{id}/actions", "/assessments/"+id+"/actions?limit=1&status=planned", nil, true, 200)
	call("GET", "/assessments/{id}/actions", "/assessments/"+id+"/actions?limit=0", nil, true, 422)
	call("GET", "/actions/{id}", actionPath, nil, true, 200)
	call("GET", "/actions/{id}", "/actions/999999", nil, true, 404)
	call("PATCH", "/actions/{id}", actionPath, map[string]any{"status": "in_progress", "theme": nil}, true, 200)
	call("PATCH", "/actions/{id}", actionPath, map[string]any{"status": "finished"}, true, 422)
	call("PATCH", "/actions/{id}", "/actions/999999", map[string]any{"status": "done"}, true, 404)

	call("POST", "/assessments/{id}/reassess", "/assessments/"+id+"/reassess", nil, true, 409)
	call("POST", "/assessments/{id}/summary", "/assessments/"+id+"/summary", nil, true, 409)
	paperBody := e.completeBody("", "staff")
	delete(paperBody, "code")
	paperBody["source"] = "paper"
	paper := call("POST", "/assessments/{id}/responses", "/assessments/"+id+"/responses", paperBody, true, 201)
	var pr struct {
		PaperID string `json:"paper_id"`
	}
	decodeJSON(t, paper, &pr)
	call("POST", "/assessments/{id}/responses", "/assessments/"+id+"/responses", map[string]any{"source": "paper", "pillar": "nope"}, true, 422)
	call("GET", "/assessments/{id}/responses/{paper_id}", "/assessments/"+id+"/responses/"+pr.PaperID, nil, true, 200)
	call("PUT", "/assessments/{id}/responses/{paper_id}", "/assessments/"+id+"/responses/"+pr.PaperID, paperBody, true, 200)
	call("DELETE", "/assessments/{id}/responses/{paper_id}", "/assessments/"+id+"/responses/"+pr.PaperID, nil, true, 204)
	call("POST", "/assessments/{id}/code", "/assessments/"+id+"/code", nil, true, 200)
	call("POST", "/assessments/{id}/close", "/assessments/"+id+"/close", nil, true, 200)
	call("POST", "/assessments/{id}/code", "/assessments/"+id+"/code", nil, true, 409)
	call("POST", "/assessments/{id}/summary", "/assessments/"+id+"/summary", nil, true, 201)
	call("POST", "/assessments/{id}/summary", "/assessments/"+id+"/summary", nil, true, 200)
	call("DELETE", "/assessments/{id}/summary", "/assessments/"+id+"/summary", nil, true, 204)
	// Who has access: shared with Other as a viewer (201), again as a co-facilitator
	// (200), with oneself (409), with nobody known (422); read, then unshared.
	otherID := strconv.FormatInt(other.ID, 10)
	call("GET", "/assessments/{id}/members", "/assessments/"+id+"/members", nil, true, 200)
	call("POST", "/assessments/{id}/members", "/assessments/"+id+"/members", map[string]any{"email": other.Email, "role": "viewer"}, true, 201)
	call("POST", "/assessments/{id}/members", "/assessments/"+id+"/members", map[string]any{"email": other.Email, "role": "co_facilitator"}, true, 200)
	call("POST", "/assessments/{id}/members", "/assessments/"+id+"/members", map[string]any{"email": f.Email, "role": "viewer"}, true, 409)
	call("POST", "/assessments/{id}/members", "/assessments/"+id+"/members", map[string]any{"email": "nobody@example.org", "role": "viewer"}, true, 422)
	call("GET", "/assessments/{id}/members", "/assessments/"+id+"/members", nil, true, 200)
	call("GET", "/assessments/{id}/members/{facilitator_id}", "/assessments/"+id+"/members/"+otherID, nil, true, 200)
	call("DELETE", "/assessments/{id}/members/{facilitator_id}", "/assessments/"+id+"/members/"+otherID, nil, true, 204)
	call("DELETE", "/assessments/{id}/members/{facilitator_id}", "/assessments/"+id+"/members/"+otherID, nil, true, 404)
	call("GET", "/assessments/{id}/members/{facilitator_id}", "/assessments/"+id+"/members/"+otherID, nil, true, 404)
	call("PUT", "/responses/{token}", "/responses/"+r.ResumeToken, upd, false, 409)
	// Closed: the closing moment no longer changes (409); the unit still does.
	call("PATCH", "/assessments/{id}", "/assessments/"+id, map[string]any{"closes_at": nil}, true, 409)
	call("PATCH", "/assessments/{id}", "/assessments/"+id, map[string]any{"unit": "Surgery"}, true, 200)
	call("POST", "/assessments/{id}/reopen", "/assessments/"+id+"/reopen", nil, true, 200)
	call("POST", "/assessments/{id}/close", "/assessments/"+id+"/close", nil, true, 200)
	// A second action, deleted; the first is carried into the next round.
	extra := call("POST", "/assessments/{id}/actions", "/assessments/"+id+"/actions", map[string]any{"text": "Draft idea", "lead": "Manager"}, true, 201)
	var er struct{ ID int64 }
	decodeJSON(t, extra, &er)
	call("DELETE", "/actions/{id}", "/actions/"+strconv.FormatInt(er.ID, 10), nil, true, 204)
	nextBody := call("POST", "/assessments/{id}/reassess", "/assessments/"+id+"/reassess", nil, true, 201)
	var next struct {
		ID   int64
		Code string
	}
	decodeJSON(t, nextBody, &next)
	call("POST", "/responses", "/responses", e.completeBody(next.Code, "staff"), false, 201)
	// The second round's report carries "previous", the comparison with round 1.
	if rep := call("GET", "/assessments/{id}/report", "/assessments/"+strconv.FormatInt(next.ID, 10)+"/report", nil, true, 200); !strings.Contains(string(rep), `"previous"`) {
		t.Errorf("round 2 report without previous: %s", rep)
	}
	call("POST", "/assessments/{id}/reassess", "/assessments/"+id+"/reassess", nil, true, 409)
	// A reassessed round stays as it was: no reopening, its plan continues in round 2.
	call("POST", "/assessments/{id}/reopen", "/assessments/"+id+"/reopen", nil, true, 409)
	call("POST", "/assessments/{id}/actions", "/assessments/"+id+"/actions", map[string]any{"text": "Late", "lead": "Manager"}, true, 409)
	call("PATCH", "/actions/{id}", actionPath, map[string]any{"status": "done"}, true, 409)
	call("DELETE", "/actions/{id}", actionPath, nil, true, 409)

	// The roll-up: round 1 closed (its team's latest closed round), round 2 open.
	call("GET", "/rollup", "/rollup", nil, true, 200)
	call("GET", "/rollup", "/rollup?unit=Surgery", nil, true, 200)
	call("GET", "/rollup", "/rollup?unit=", nil, true, 422)
	call("GET", "/rollup", "/rollup", nil, false, 401)
	call("GET", "/rollup.xlsx", "/rollup.xlsx?lang=xx", nil, true, 422)
	call("GET", "/rollup.xlsx", "/rollup.xlsx", nil, false, 401)
	if rx := e.bearer("GET", "/api/v1/rollup.xlsx?lang=fr&unit=Surgery", token, nil); rx.Code != 200 || !strings.Contains(rx.Header().Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("rollup.xlsx: %d %q", rx.Code, rx.Header().Get("Content-Type"))
	}
	x := e.bearer("GET", "/api/v1/assessments/"+id+"/report.xlsx", token, nil)
	if x.Code != 200 || !strings.Contains(x.Header().Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("report.xlsx: %d %q", x.Code, x.Header().Get("Content-Type"))
	}
	if _, ok := c.responseSchema(d, "GET", "/assessments/{id}/report.xlsx", 200); ok {
		covered["get /assessments/{id}/report.xlsx"] = true
	}
	call("DELETE", "/assessments/{id}", "/assessments/"+id, nil, true, 204)

	// Every documented operation was exercised at least once here.
	var missing []string
	for path, item := range d.Paths {
		for method := range item {
			if oaMethods[method] && !covered[method+" "+path] {
				missing = append(missing, method+" "+path)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("operations not exercised by this test (add a call): %v", missing)
	}
}

// TestOpenAPIExamplesMatchSchemas checks every example in the document against the
// schema next to it, so the examples an integrator copies are right.
func TestOpenAPIExamplesMatchSchemas(t *testing.T) {
	_, raw := loadOpenAPI(t)
	c := &schemaChecker{raw: raw}
	n := 0
	var walk func(path string, node any)
	walk = func(path string, node any) {
		switch x := node.(type) {
		case map[string]any:
			if schema, ok := x["schema"].(map[string]any); ok {
				if ex, ok := x["example"]; ok {
					c.check(path+".example", schema, ex)
					n++
				}
				if exs, ok := x["examples"].(map[string]any); ok {
					for name, ex := range exs {
						if m, ok := ex.(map[string]any); ok {
							c.check(path+".examples."+name, schema, m["value"])
							n++
						}
					}
				}
			}
			for k, v := range x {
				walk(path+"/"+k, v)
			}
		case []any:
			for i, v := range x {
				walk(path+"["+strconv.Itoa(i)+"]", v)
			}
		}
	}
	walk("#", raw["paths"])
	walk("#/components", raw["components"])
	if n < 10 {
		t.Fatalf("only %d examples checked; the walk is broken", n)
	}
	for _, msg := range c.errs {
		t.Error(msg)
	}
}

// TestSchemaCheckerCatchesDrift proves the checker can fail: an undocumented property,
// a wrong type and a missing required property are each reported.
func TestSchemaCheckerCatchesDrift(t *testing.T) {
	_, raw := loadOpenAPI(t)
	for name, v := range map[string]any{
		"extra property": map[string]any{"error": map[string]any{"code": "x", "message": "m", "surprise": 1}},
		"wrong type":     map[string]any{"error": map[string]any{"code": 5, "message": "m"}},
		"missing":        map[string]any{"error": map[string]any{"code": "x"}},
	} {
		c := &schemaChecker{raw: raw}
		c.check("test", map[string]any{"$ref": "#/components/schemas/Error"}, v)
		if len(c.errs) == 0 {
			t.Errorf("%s: no error reported", name)
		}
	}
}
