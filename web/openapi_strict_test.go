package web

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/internal/testdb"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
	"github.com/ecat-project/ecat/survey"
	"github.com/ecat-project/ecat/templates"
)

// The document is exactly as strict as the server, in both directions: every request a
// schema of the document refuses is refused as malformed (400) or invalid (422), and
// every request it allows is not (nor answered 5xx). The requests are made from the
// document itself: for each documented operation, a valid request is changed in one
// place at a time (each member of a body, recursively, each query, header and path
// parameter) to the values its schema names (enum members and their near misses,
// length and number bounds and one past them, dates around the allowed range), to
// every other JSON type, to null, "", white space, and with an unknown member added.
// The schemaChecker says what the document allows; the server, on fresh fixtures each
// time, answers.
//
// Decisions written into the document, where the server's rule was not:
//   - A text that must not be blank (title, team, text, lead, a join code) carries
//     pattern \S, the server's "not only spaces" (JSON Schema's minLength alone counts
//     spaces).
//   - A respondent's body: null for a member means the member is left out (the
//     server's decoder reads it so, deliberately, and it costs nothing); the document
//     says so with type [X, "null"]. "" for language means the default, as left out.
//   - A new assessment: null for threshold, language or confirm_low_threshold is the
//     default, and "" for language too (encoding/json reads them so); documented.
//   - An action's due date is a date from 2000-01-01 to 2199-12-31 (the server's range),
//     "" or null for none: written as anyOf, with the range as a pattern next to
//     format: date.
//   - A query parameter given twice, empty or not exactly one of its values is refused
//     (422), as the assessment list always did: report.xlsx's lang and the report's texts
//     used to fall back to a default for any other value; now they refuse it.
//   - A language is exactly "en" or "fr": "EN" or "Fr" used to pass (and a response
//     then stored "EN" verbatim).
//   - The list's round is a 32-bit integer (format int32; a wider one was a 500 on
//     PostgreSQL, now 422) and its cursor a positive int64, as the server reads them.
//
// Rules no schema here can say are the server's alone, and a 422 for them is not a
// mismatch: ids the instrument version does not have (an item, prompt or theme:
// unknown), completeness when submitting (required, for answers and the two key texts),
// a threshold below 3 without its confirmation (confirm), and a new due date that has
// passed (past: it depends on the day). The test never sends text that breaks the
// content rules (markup, formula, control characters).
//
// Not sent, where the two still differ at the edges: a member name in another case
// ("Pillar": accepted, as encoding/json matches names, by the respondents' decoder and
// the new assessment's, though the document refuses it), a whole number written 3.0 or
// 3e0 (an integer to JSON Schema, 400 on the server), and text whose surrounding space
// takes it over maxLength (the server trims it first and accepts it).

// strictRequest is one API request of the check, with what its fixtures made.
type strictRequest struct {
	params  map[string]string // path parameters
	query   url.Values
	header  http.Header
	body    any
	hasBody bool
	bearer  string
}

// strictRig makes fresh valid requests for one documented operation. bases names the
// valid bodies it can start from (one unnamed one for an operation without a body);
// fresh(i) makes the fixtures and the request of base i.
type strictRig struct {
	bases []string
	fresh func(base int) strictRequest
}

// strictEnv is a test server with the rigs of every operation the document describes.
type strictEnv struct {
	e    *testEnv
	n    int // fixtures made, for unique names
	rigs map[string]strictRig
}

// newStrictEnv is a test server on SQLite; newStrictEnvOn one on the store given.
func newStrictEnv(t *testing.T) *strictEnv { return newStrictEnvOn(t, testdb.SQLite(t).Store) }

func newStrictEnvOn(t *testing.T, store *storage.Store) *strictEnv {
	t.Helper()
	if _, _, err := store.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	catalog, err := pillars.Load()
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := templates.New(testWords(t))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	srv := New(Config{BaseURL: testBaseURL}, survey.New(store, catalog, tmpl.Catalog(), nil), tmpl, log)
	e := &testEnv{t: t, srv: srv, store: store, catalog: catalog, in: catalog.Current(), tmpl: tmpl, logs: logs}
	s := &strictEnv{e: e}
	theme := e.in.Themes[0].Key

	draft := func(code string) map[string]any {
		m := map[string]any{
			"pillar": "staff", "language": "en",
			"answers":     map[string]any{"S-01": "yes", "S-02": "somewhat"},
			"reflections": map[string]any{"S-R1": "Our huddles include a partner."},
			"strength":    map[string]any{"text": "Partners sit on our committee.", "theme": theme},
			"opportunity": map[string]any{"text": "", "theme": ""},
			"submit":      false,
		}
		if code != "" {
			m["code"] = code
		}
		return m
	}
	complete := func(code string) map[string]any {
		m := jsonCopy(e.completeBody(code, "staff")).(map[string]any)
		if code == "" {
			delete(m, "code")
		}
		return m
	}
	responseBases := []string{"draft", "submission"}
	responseBody := func(base int, code string) map[string]any {
		if base == 0 {
			return draft(code)
		}
		return complete(code)
	}
	// A new response's resume token, on a new assessment.
	newToken := func() string {
		a := e.newAssessment("en")
		return e.createResponse(draft(a.Code))
	}
	// An owner: a new facilitator, their token and an assessment; closed when asked,
	// with one action when asked.
	type owned struct {
		token      string
		assessment int64
		action     int64
	}
	newOwned := func(closed, withAction bool) owned {
		s.n++
		f := e.newFacilitator(fmt.Sprintf("strict%d@example.org", s.n), "Strict")
		token, _ := e.newAPIToken(f, "strict")
		a := e.ownedAssessment(f, "Strict round")
		o := owned{token: token, assessment: a.ID}
		if withAction {
			rec := e.bearer(http.MethodPost, "/api/v1/assessments/"+strconv.FormatInt(a.ID, 10)+"/actions", token,
				map[string]any{"text": "Invite a partner", "lead": "Manager"})
			if rec.Code != http.StatusCreated {
				t.Fatalf("fixture action: %d %s", rec.Code, rec.Body)
			}
			var act struct{ ID int64 }
			decodeJSON(t, rec.Body.Bytes(), &act)
			o.action = act.ID
		}
		if closed {
			e.closeAssessment(a)
		}
		return o
	}
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	// ownedRig is a facilitator's operation on their assessment (or its action).
	ownedRig := func(closed, withAction bool, onAction bool, bases []string, body func(int) any) strictRig {
		if bases == nil {
			bases = []string{""}
		}
		return strictRig{bases: bases, fresh: func(base int) strictRequest {
			o := newOwned(closed, withAction || onAction)
			r := strictRequest{bearer: o.token, params: map[string]string{"id": id(o.assessment)}}
			if onAction {
				r.params["id"] = id(o.action)
			}
			if body != nil {
				r.body, r.hasBody = body(base), true
			}
			return r
		}}
	}
	// paperRig is an operation on a paper entry of a new owner's open round.
	paperRig := func(body func(int) any) strictRig {
		return strictRig{bases: responseBases, fresh: func(base int) strictRequest {
			o := newOwned(false, false)
			rec := e.bearer(http.MethodPost, "/api/v1/assessments/"+id(o.assessment)+"/responses", o.token,
				map[string]any{"source": "paper", "pillar": "staff", "answers": map[string]any{"S-01": "yes"}})
			var made struct {
				PaperID string `json:"paper_id"`
			}
			decodeJSON(t, rec.Body.Bytes(), &made)
			r := strictRequest{bearer: o.token, params: map[string]string{"id": id(o.assessment), "paper_id": made.PaperID}}
			if body != nil {
				r.body, r.hasBody = body(base), true
			}
			return r
		}}
	}
	// memberRig is an operation on who has access to a new owner's assessment: a
	// colleague's account exists, and the assessment is shared with them when shared.
	memberRig := func(shared bool, body func(colleague string) any) strictRig {
		return strictRig{bases: []string{""}, fresh: func(int) strictRequest {
			o := newOwned(false, false)
			s.n++
			colleague := e.newFacilitator(fmt.Sprintf("colleague%d@example.org", s.n), "Colleague")
			r := strictRequest{bearer: o.token, params: map[string]string{"id": id(o.assessment)}}
			if shared {
				a := e.storedAssessment(o.assessment)
				e.share(a, colleague, assessment.MemberViewer)
				r.params["facilitator_id"] = id(colleague.ID)
			}
			if body != nil {
				r.body, r.hasBody = body(colleague.Email), true
			}
			return r
		}}
	}
	action := func(int) any {
		return map[string]any{"text": "Invite a partner to huddles", "lead": "Unit manager", "support": "Time in the rota",
			"pillar": "staff", "theme": theme, "due": "2190-01-31", "status": "planned"}
	}

	s.rigs = map[string]strictRig{
		"get /instrument": {bases: []string{""}, fresh: func(int) strictRequest { return strictRequest{} }},
		"post /responses": {bases: responseBases, fresh: func(base int) strictRequest {
			a := e.newAssessment("en")
			return strictRequest{body: responseBody(base, a.Code), hasBody: true}
		}},
		"get /responses/{token}": {bases: []string{""}, fresh: func(int) strictRequest {
			return strictRequest{params: map[string]string{"token": newToken()}}
		}},
		"put /responses/{token}": {bases: responseBases, fresh: func(base int) strictRequest {
			return strictRequest{params: map[string]string{"token": newToken()}, body: responseBody(base, ""), hasBody: true}
		}},
		"get /rollup": {bases: []string{""}, fresh: func(int) strictRequest {
			return strictRequest{bearer: newOwned(true, false).token}
		}},
		"get /rollup.xlsx": {bases: []string{""}, fresh: func(int) strictRequest {
			return strictRequest{bearer: newOwned(true, false).token}
		}},
		"get /assessments": {bases: []string{""}, fresh: func(int) strictRequest {
			return strictRequest{bearer: newOwned(false, false).token}
		}},
		"post /assessments": {bases: []string{""}, fresh: func(int) strictRequest {
			return strictRequest{bearer: newOwned(false, false).token, hasBody: true, body: map[string]any{
				"title": "Spring round", "team": "Ward 4B", "threshold": 3, "language": "en", "confirm_low_threshold": false,
				"unit": "Medicine", "expected": map[string]any{"leadership": 2, "staff": 10, "patient_partners": 3},
				"closes_at": "2190-01-31T17:00:00Z",
			}}
		}},
		"patch /assessments/{id}": ownedRig(false, false, false, []string{""}, func(int) any {
			return map[string]any{"title": "Renamed round", "team": "Ward 5", "unit": "Surgery",
				"expected": map[string]any{"leadership": 1, "staff": 12, "patient_partners": 0}, "closes_at": "2190-02-28T09:30:00+01:00"}
		}),
		"get /assessments/{id}":             ownedRig(false, false, false, nil, nil),
		"delete /assessments/{id}":          ownedRig(false, false, false, nil, nil),
		"post /assessments/{id}/close":      ownedRig(false, false, false, nil, nil),
		"post /assessments/{id}/code":       ownedRig(false, false, false, nil, nil),
		"post /assessments/{id}/reopen":     ownedRig(true, false, false, nil, nil),
		"get /assessments/{id}/report":      ownedRig(false, false, false, nil, nil),
		"get /assessments/{id}/report.xlsx": ownedRig(false, false, false, nil, nil),
		"get /assessments/{id}/actions":     ownedRig(false, true, false, nil, nil),
		"post /assessments/{id}/actions":    ownedRig(false, false, false, []string{""}, action),
		"post /assessments/{id}/reassess":   ownedRig(true, false, false, nil, nil),
		"post /assessments/{id}/discussed":  ownedRig(true, true, false, nil, nil),
		"get /actions/{id}":                 ownedRig(false, false, true, nil, nil),
		"patch /actions/{id}":               ownedRig(false, false, true, []string{""}, action),
		"delete /actions/{id}":              ownedRig(false, false, true, nil, nil),
		"post /assessments/{id}/summary":    ownedRig(true, false, false, nil, nil),
		"post /assessments/{id}/responses": {bases: responseBases, fresh: func(base int) strictRequest {
			o := newOwned(false, false)
			body := responseBody(base, "")
			body["source"] = "paper"
			return strictRequest{bearer: o.token, params: map[string]string{"id": id(o.assessment)}, body: body, hasBody: true}
		}},
		"get /assessments/{id}/responses/{paper_id}":    paperRig(nil),
		"put /assessments/{id}/responses/{paper_id}":    paperRig(func(base int) any { return responseBody(base, "") }),
		"delete /assessments/{id}/responses/{paper_id}": paperRig(nil),
		"delete /assessments/{id}/summary":              ownedRig(true, false, false, nil, nil),
		"get /assessments/{id}/members":                 memberRig(false, nil),
		"post /assessments/{id}/members": memberRig(false, func(colleague string) any {
			return map[string]any{"email": colleague, "role": "co_facilitator"}
		}),
		"get /assessments/{id}/members/{facilitator_id}":    memberRig(true, nil),
		"delete /assessments/{id}/members/{facilitator_id}": memberRig(true, nil),
	}
	return s
}

func jsonCopy(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

// send sends r to the operation at docPath.
func (s *strictEnv) send(method, docPath string, r strictRequest) *httptest.ResponseRecorder {
	path := docPath
	for name, v := range r.params {
		path = strings.ReplaceAll(path, "{"+name+"}", url.PathEscape(v))
	}
	target := testBaseURL + "/api/v1" + path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	var req *http.Request
	if r.hasBody {
		b, err := json.Marshal(r.body)
		if err != nil {
			s.e.t.Fatal(err)
		}
		req = httptest.NewRequest(method, target, strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	for k, vs := range r.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if r.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+r.bearer)
	}
	return s.e.serve(req)
}

// strictOp is one documented operation, as the check reads it.
type strictOp struct {
	method, path string
	body         map[string]any // the JSON request body's schema, or nil
	params       []map[string]any
}

func (o strictOp) key() string { return strings.ToLower(o.method) + " " + o.path }

// documentedOps lists the operations of a document.
func documentedOps(c *schemaChecker) []strictOp {
	var ops []strictOp
	paths, _ := c.raw["paths"].(map[string]any)
	for _, path := range sortedKeys(paths) {
		item := paths[path].(map[string]any)
		shared, _ := item["parameters"].([]any)
		for _, method := range sortedKeys(item) {
			if !oaMethods[method] {
				continue
			}
			op := item[method].(map[string]any)
			o := strictOp{method: strings.ToUpper(method), path: path}
			for _, p := range append(append([]any{}, shared...), asList(op["parameters"])...) {
				o.params = append(o.params, c.resolve(p.(map[string]any)))
			}
			if rb, ok := op["requestBody"].(map[string]any); ok {
				rb = c.resolve(rb)
				content, _ := rb["content"].(map[string]any)
				media, _ := content["application/json"].(map[string]any)
				o.body, _ = media["schema"].(map[string]any)
			}
			ops = append(ops, o)
		}
	}
	return ops
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// strictEdit is one change to a valid request.
type strictEdit struct {
	name string
	in   string   // "body", "query", "header" or "path"
	at   []string // body: the member's path ([] for the whole body)
	drop bool     // body: remove the member
	val  any      // body: the new value
	key  string   // parameter name
	vals []string // parameter values (none: left out)
}

func (ed strictEdit) apply(r strictRequest) strictRequest {
	switch ed.in {
	case "body":
		r.body = editJSON(r.body, ed.at, ed.drop, ed.val)
	case "query":
		q := url.Values{}
		for k, v := range r.query {
			q[k] = v
		}
		q.Del(ed.key)
		for _, v := range ed.vals {
			q.Add(ed.key, v)
		}
		r.query = q
	case "header":
		h := r.header.Clone()
		if h == nil {
			h = http.Header{}
		}
		h.Del(ed.key)
		for _, v := range ed.vals {
			h.Add(ed.key, v)
		}
		r.header = h
	case "path":
		p := map[string]string{}
		for k, v := range r.params {
			p[k] = v
		}
		p[ed.key] = ed.vals[0]
		r.params = p
	}
	return r
}

// editJSON returns v with the member at path removed or set, copying what it changes.
func editJSON(v any, path []string, drop bool, val any) any {
	if len(path) == 0 {
		return val
	}
	m, _ := v.(map[string]any)
	out := make(map[string]any, len(m)+1)
	for k, x := range m {
		out[k] = x
	}
	switch {
	case len(path) == 1 && drop:
		delete(out, path[0])
	default:
		out[path[0]] = editJSON(out[path[0]], path[1:], drop, val)
	}
	return out
}

// strictGen makes the edits of a request from the document's schemas.
type strictGen struct{ c *schemaChecker }

// branches are a schema and its anyOf/oneOf alternatives, resolved.
func (g strictGen) branches(schema map[string]any) []map[string]any {
	s := g.c.resolve(schema)
	out := []map[string]any{s}
	for _, k := range []string{"anyOf", "oneOf"} {
		for _, b := range asList(s[k]) {
			out = append(out, g.branches(b.(map[string]any))...)
		}
	}
	return out
}

// strictDates are due dates around the allowed range and around the calendar.
// (Far ahead: a new due date must not have passed.)
var strictDates = []string{
	"2190-01-31", "2000-01-01", "2199-12-31", "1999-12-31", "2200-01-01", "0999-01-01", "10000-01-01",
	"2190-02-30", "2191-02-29", "2192-02-29", "2100-02-29", "2190-04-31", "2190-13-01", "2190-00-10",
	"2190-1-31", "90-01-31", "2190-01-31T00:00:00Z", "2190/01/31", " 2190-01-31", "soon",
}

// values are the JSON values an edit sets a member of this schema to: every type, and
// what the schema's keywords make interesting.
func (g strictGen) values(schema map[string]any) []any {
	out := []any{nil, true, false, 0.0, -1.0, 1.0, 1.5, "", " ", "\t\n ", "\u00a0\u3000", "x", []any{}, map[string]any{}}
	for _, s := range g.branches(schema) {
		for _, e := range asList(s["enum"]) {
			out = append(out, e)
			if str, ok := e.(string); ok && str != "" {
				out = append(out, strings.ToUpper(str), " "+str+" ", str[:len(str)-1])
			}
		}
		if cv, ok := s["const"]; ok {
			out = append(out, cv)
		}
		if d, ok := s["default"]; ok {
			out = append(out, d)
		}
		out = append(out, asList(s["examples"])...)
		if n, ok := s["minLength"].(float64); ok && n > 1 {
			out = append(out, strings.Repeat("a", int(n)-1), strings.Repeat("a", int(n)))
		}
		if n, ok := s["maxLength"].(float64); ok {
			out = append(out, strings.Repeat("a", int(n)), strings.Repeat("a", int(n)+1))
		}
		if n, ok := s["minimum"].(float64); ok {
			out = append(out, n-1, n)
		}
		if n, ok := s["maximum"].(float64); ok {
			out = append(out, n, n+1)
		}
		if s["format"] == "date" {
			for _, d := range strictDates {
				out = append(out, d)
			}
		}
	}
	return dedupJSON(out)
}

func dedupJSON(vs []any) []any {
	seen := map[string]bool{}
	var out []any
	for _, v := range vs {
		b, _ := json.Marshal(v)
		if !seen[string(b)] {
			seen[string(b)] = true
			out = append(out, v)
		}
	}
	return out
}

func showJSON(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 40 {
		return fmt.Sprintf("%.30s…(%d bytes)", b, len(b))
	}
	return string(b)
}

// bodyEdits are the edits of a body under schema whose valid value is cur, at path.
func (g strictGen) bodyEdits(schema map[string]any, cur any, path []string) []strictEdit {
	name := "body"
	if len(path) > 0 {
		name = strings.Join(path, ".")
	}
	var out []strictEdit
	for _, v := range g.values(schema) {
		out = append(out, strictEdit{name: name + " = " + showJSON(v), in: "body", at: path, val: v})
	}
	obj, ok := cur.(map[string]any)
	if !ok {
		return out
	}
	var props map[string]any
	var extra map[string]any
	for _, s := range g.branches(schema) {
		if p, ok := s["properties"].(map[string]any); ok {
			props = p
		}
		if ap, ok := s["additionalProperties"].(map[string]any); ok {
			extra = ap
		}
	}
	for _, k := range sortedKeys(props) {
		at := append(append([]string{}, path...), k)
		if _, present := obj[k]; present {
			out = append(out, strictEdit{name: strings.Join(at, ".") + " left out", in: "body", at: at, drop: true})
		}
		out = append(out, g.bodyEdits(props[k].(map[string]any), obj[k], at)...)
	}
	if props != nil {
		at := append(append([]string{}, path...), "surprise")
		out = append(out, strictEdit{name: strings.Join(at, ".") + " added", in: "body", at: at, val: 1.0})
	}
	if extra != nil {
		// A map of ids: one more id (unknown to the instrument), and the first one's
		// value changed and left out.
		keys := sortedKeys(obj)
		at := append(append([]string{}, path...), "Z-99")
		for _, v := range g.values(extra) {
			out = append(out, strictEdit{name: strings.Join(at, ".") + " = " + showJSON(v), in: "body", at: at, val: v})
		}
		if len(keys) > 0 {
			at := append(append([]string{}, path...), keys[0])
			out = append(out, strictEdit{name: strings.Join(at, ".") + " left out", in: "body", at: at, drop: true})
			for _, v := range g.values(extra) {
				out = append(out, strictEdit{name: strings.Join(at, ".") + " = " + showJSON(v), in: "body", at: at, val: v})
			}
		}
	}
	return out
}

// paramValues are the values a parameter edit sends: its schema's values written as a
// parameter is (a string, a number in decimal), and the valid one mangled.
func (g strictGen) paramValues(schema map[string]any, valid string) []string {
	var out []string
	for _, v := range g.values(schema) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case float64:
			out = append(out, strconv.FormatFloat(x, 'f', -1, 64))
		case bool:
			out = append(out, strconv.FormatBool(x))
		}
	}
	out = append(out, "abc", "2147483648", "99999999999999999999", "9223372036854775808", "987654321")
	if valid != "" {
		out = append(out, valid, strings.ToUpper(valid), valid[1:], valid+"a", " "+valid)
	}
	seen := map[string]bool{}
	var uniq []string
	for _, v := range out {
		if !seen[v] {
			seen[v] = true
			uniq = append(uniq, v)
		}
	}
	return uniq
}

var decimalRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// paramJSON is a parameter's value as its schema reads it: a number in decimal is a
// number where the schema wants one, anything else stays a string.
func (g strictGen) paramJSON(schema map[string]any, s string) any {
	for _, b := range g.branches(schema) {
		for _, t := range typeList(b["type"]) {
			switch {
			case (t == "integer" || t == "number") && decimalRE.MatchString(s):
				f, _ := strconv.ParseFloat(s, 64)
				return f
			case t == "boolean" && (s == "true" || s == "false"):
				return s == "true"
			}
		}
	}
	return s
}

func typeList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		return asStrings(x)
	}
	return nil
}

// paramEdits are the edits of every parameter with a schema.
func (g strictGen) paramEdits(op strictOp, valid strictRequest) []strictEdit {
	var out []strictEdit
	for _, p := range op.params {
		name, _ := p["name"].(string)
		in, _ := p["in"].(string)
		schema, _ := p["schema"].(map[string]any)
		if schema == nil || name == "Authorization" {
			continue
		}
		current := ""
		switch in {
		case "path":
			current = valid.params[name]
		case "query":
			current = valid.query.Get(name)
		case "header":
			current = valid.header.Get(name)
		}
		if in != "path" {
			out = append(out, strictEdit{name: in + " " + name + " left out", in: in, key: name})
		}
		for _, v := range g.paramValues(schema, current) {
			out = append(out, strictEdit{name: in + " " + name + "=" + strconv.Quote(v), in: in, key: name, vals: []string{v}})
		}
		if in == "query" {
			// Given twice: a list where the schema wants one value. (A header given twice
			// is, in HTTP, one value joined with a comma: no shape of its own.)
			var two []string
			for _, e := range asList(g.c.resolve(schema)["enum"]) {
				if s, ok := e.(string); ok && len(two) < 2 {
					two = append(two, s)
				}
			}
			if len(two) < 2 {
				two = []string{"1", "2"}
			}
			out = append(out, strictEdit{name: in + " " + name + " twice", in: in, key: name, vals: two})
		}
	}
	return out
}

// docValid reports whether the document allows the request; why not, when it does not.
func (g strictGen) docValid(op strictOp, r strictRequest) (bool, string) {
	for _, p := range op.params {
		name, _ := p["name"].(string)
		in, _ := p["in"].(string)
		schema, _ := p["schema"].(map[string]any)
		var vals []string
		switch in {
		case "path":
			vals = []string{r.params[name]}
		case "query":
			vals = r.query[name]
		case "header":
			vals = r.header.Values(name)
		}
		if len(vals) == 0 {
			if req, _ := p["required"].(bool); req {
				return false, in + " " + name + " missing"
			}
			continue
		}
		if schema == nil {
			continue
		}
		var v any
		if len(vals) == 1 {
			v = g.paramJSON(schema, vals[0])
		} else {
			list := make([]any, len(vals))
			for i, s := range vals {
				list[i] = g.paramJSON(schema, s)
			}
			v = list
		}
		c := &schemaChecker{raw: g.c.raw, open: true}
		c.check(in+" "+name, schema, v)
		if len(c.errs) > 0 {
			return false, c.errs[0]
		}
	}
	if op.body != nil && r.hasBody {
		c := &schemaChecker{raw: g.c.raw, open: true}
		c.check("body", op.body, r.body)
		if len(c.errs) > 0 {
			return false, c.errs[0]
		}
	}
	return true, ""
}

// semanticOnly reports whether a 422's field problems are all rules the document cannot
// state (see the top of this file) for the request body sent.
func semanticOnly(fields map[string]string, body any) bool {
	m, _ := body.(map[string]any)
	submit := m["submit"] == true
	for f, code := range fields {
		switch {
		case code == assessment.CodeUnknown && (strings.HasPrefix(f, "answers.") || strings.HasPrefix(f, "reflections.") ||
			f == "theme" || strings.HasSuffix(f, ".theme")):
		case code == assessment.CodeRequired && submit && (strings.HasPrefix(f, "answers.") || f == "strength.text" || f == "opportunity.text"):
		case code == assessment.CodeConfirm && f == "threshold":
		case code == assessment.CodeUnknown && f == "email": // an account of this installation, or not
		case code == assessment.CodePast && (f == "due" || f == "closes_at"): // today moves; no schema can say it
		default:
			return false
		}
	}
	return len(fields) > 0
}

// judge compares the document's verdict on a request with the server's answer; "" when
// they agree.
func judge(docOK bool, why string, in string, r strictRequest, rec *httptest.ResponseRecorder) string {
	var reply apiErrorReply
	_ = json.Unmarshal(rec.Body.Bytes(), &reply)
	fields := map[string]string{}
	for k, f := range reply.Error.Fields {
		fields[k] = f.Code
	}
	answer := fmt.Sprintf("%d %s %v", rec.Code, reply.Error.Code, fields)
	switch {
	case rec.Code >= 500:
		return "server error: " + answer
	case docOK && rec.Code == http.StatusBadRequest:
		return "the document allows it, the server refuses it: " + answer
	case docOK && rec.Code == http.StatusUnprocessableEntity && !semanticOnly(fields, r.body):
		return "the document allows it, the server refuses it: " + answer
	case !docOK && in == "path" && (rec.Code == http.StatusNotFound || rec.Code == http.StatusMethodNotAllowed):
		// A path that names nothing: 404, as for any unknown path.
	case !docOK && rec.Code != http.StatusBadRequest && rec.Code != http.StatusUnprocessableEntity:
		return "the document refuses it (" + why + "), the server answers " + answer
	}
	return ""
}

// strictMismatches checks one operation: its valid requests pass, and every edit is
// answered as the document says. It returns the disagreements.
func (s *strictEnv) strictMismatches(t *testing.T, c *schemaChecker, op strictOp, rig strictRig, bodyOnly bool) []string {
	g := strictGen{c: c}
	var out []string
	n := 0
	for base, baseName := range rig.bases {
		label := op.method + " " + op.path
		if baseName != "" {
			label += " [" + baseName + "]"
		}
		template := rig.fresh(base)
		template.body = jsonCopy(template.body)
		if ok, why := g.docValid(op, template); !ok {
			t.Fatalf("%s: the valid request is not valid by the document: %s", label, why)
		}
		if rec := s.send(op.method, op.path, template); rec.Code >= 300 {
			t.Fatalf("%s: the valid request fails: %d %s", label, rec.Code, rec.Body)
		}
		var edits []strictEdit
		if op.body != nil {
			edits = append(edits, g.bodyEdits(op.body, template.body, nil)...)
		}
		if base == 0 && !bodyOnly {
			edits = append(edits, g.paramEdits(op, template)...)
		}
		for _, ed := range edits {
			r := rig.fresh(base)
			r.body = jsonCopy(r.body)
			r = ed.apply(r)
			ok, why := g.docValid(op, r)
			rec := s.send(op.method, op.path, r)
			n++
			if msg := judge(ok, why, ed.in, r, rec); msg != "" {
				out = append(out, label+": "+ed.name+": "+msg)
			}
		}
	}
	t.Logf("%s %s: %d requests", op.method, op.path, n)
	if n < 10 && !bodyOnly {
		t.Errorf("%s %s: only %d edits; is the generator broken?", op.method, op.path, n)
	}
	return out
}

// TestOpenAPIStrictness checks every documented operation with a request body or a
// parameter against the live server, both ways (see the top of this file).
func TestOpenAPIStrictness(t *testing.T) {
	if testing.Short() {
		t.Skip("sends a few thousand requests")
	}
	_, raw := loadOpenAPI(t)
	c := &schemaChecker{raw: raw}
	// On both engines: a value the document allows must not break a query (PostgreSQL's
	// integers are narrower than SQLite's).
	testdb.Each(t, func(t *testing.T, db testdb.DB) {
		s := newStrictEnvOn(t, db.Store)
		checked := 0
		for _, op := range documentedOps(c) {
			if op.body == nil && len(op.params) == 0 {
				continue
			}
			rig, ok := s.rigs[op.key()]
			if !ok {
				t.Errorf("%s %s has a request body or parameters and no rig here: add one to newStrictEnvOn", op.method, op.path)
				continue
			}
			t.Run(op.method+" "+op.path, func(t *testing.T) {
				for _, msg := range s.strictMismatches(t, c, op, rig, false) {
					t.Error(msg)
				}
			})
			checked++
		}
		if checked < 15 {
			t.Fatalf("only %d operations checked; is the document read right?", checked)
		}
	})
}

// TestOpenAPIStrictnessCanFail runs the check against a document made looser in one
// place and stricter in another: it must report both.
func TestOpenAPIStrictnessCanFail(t *testing.T) {
	_, raw := loadOpenAPI(t)
	doc := jsonCopy(raw).(map[string]any)
	create := doc["components"].(map[string]any)["schemas"].(map[string]any)["CreateAssessmentRequest"].(map[string]any)
	props := create["properties"].(map[string]any)
	title := props["title"].(map[string]any)
	delete(title, "pattern")                              // looser: a blank title allowed
	props["threshold"].(map[string]any)["maximum"] = 10.0 // stricter: 11 to 20 refused
	c := &schemaChecker{raw: doc}
	s := newStrictEnv(t)
	var op strictOp
	for _, o := range documentedOps(c) {
		if o.key() == "post /assessments" {
			op = o
		}
	}
	got := strings.Join(s.strictMismatches(t, c, op, s.rigs[op.key()], true), "\n")
	for _, want := range []string{
		`title = " ": the document allows it, the server refuses it`,
		`threshold = 11: the document refuses it`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the check did not report %q; it reported:\n%s", want, got)
		}
	}
}

// TestOpenAPIErrorCodes checks that Error.code lists every code the server's error
// catalogue can send under /api/v1, and FieldError.code every field problem: both are
// read from the source, so a new code cannot be left out of the document.
func TestOpenAPIErrorCodes(t *testing.T) {
	_, raw := loadOpenAPI(t)
	c := &schemaChecker{raw: raw}
	errSchema := c.resolve(map[string]any{"$ref": "#/components/schemas/Error"})
	codeSchema := errSchema["properties"].(map[string]any)["error"].(map[string]any)["properties"].(map[string]any)["code"].(map[string]any)
	documented := map[string]bool{}
	for _, v := range asStrings(codeSchema["enum"]) {
		documented[v] = true
	}
	sent := errorCodesInSource(t)
	// Codes of the pages alone: the CSRF token and the session guard no API route.
	pagesOnly := map[string]bool{"csrf_token_invalid": true, "sign_in_required": true}
	for code := range pagesOnly {
		if !sent[code] {
			t.Errorf("%s is no longer in the catalogue: drop it from pagesOnly", code)
		}
		if documented[code] {
			t.Errorf("%s is sent by pages only, but Error.code lists it", code)
		}
	}
	if len(sent) < 20 {
		t.Fatalf("only %d codes found in the source: %v", len(sent), sortedKeys(sent))
	}
	for _, code := range sortedKeys(sent) {
		if !pagesOnly[code] && !documented[code] {
			t.Errorf("the server can send error code %q, which Error.code does not list", code)
		}
	}
	for _, code := range sortedKeys(documented) {
		if !sent[code] {
			t.Errorf("Error.code lists %q, which the server never sends", code)
		}
	}

	field := c.resolve(map[string]any{"$ref": "#/components/schemas/FieldError"})
	fieldCodes := map[string]bool{}
	for _, v := range asStrings(field["properties"].(map[string]any)["code"].(map[string]any)["enum"]) {
		fieldCodes[v] = true
	}
	problems := fieldCodesInSource(t)
	// A weak password is a problem of the account pages only.
	pageProblems := map[string]bool{assessment.CodeWeak: true}
	for _, code := range sortedKeys(problems) {
		if !pageProblems[code] && !fieldCodes[code] {
			t.Errorf("the server can report field problem %q, which FieldError.code does not list", code)
		}
	}
	for _, code := range sortedKeys(fieldCodes) {
		if !problems[code] || pageProblems[code] {
			t.Errorf("FieldError.code lists %q, which the API never reports", code)
		}
	}
}

// TestOpenAPICrossOrigin checks the 403 every state-changing operation answers to a
// request a browser says comes from another site is documented.
func TestOpenAPICrossOrigin(t *testing.T) {
	_, raw := loadOpenAPI(t)
	c := &schemaChecker{raw: raw}
	d, _ := loadOpenAPI(t)
	s := newStrictEnv(t)
	n := 0
	for _, op := range documentedOps(c) {
		if op.method == http.MethodGet {
			continue
		}
		rig, ok := s.rigs[op.key()]
		if !ok {
			t.Errorf("no rig for %s", op.key())
			continue
		}
		r := rig.fresh(0)
		r.header = http.Header{"Sec-Fetch-Site": {"cross-site"}}
		rec := s.send(op.method, op.path, r)
		if rec.Code != http.StatusForbidden || decodeAPIError(t, rec).Error.Code != "cross_origin" {
			t.Errorf("%s cross-site: %d %s, want 403 cross_origin", op.key(), rec.Code, rec.Body)
			continue
		}
		if _, ok := c.responseSchema(d, op.method, op.path, http.StatusForbidden); !ok {
			t.Errorf("%s answers 403 cross_origin, which is not documented", op.key())
		}
		n++
	}
	if n < 8 {
		t.Fatalf("only %d operations checked", n)
	}
}

// errorCodesInSource reads the error codes the server's JSON errors can carry from the
// package's source: the Code of every httpError literal, and the code of every direct
// writeAPIError call.
func errorCodesInSource(t *testing.T) map[string]bool {
	t.Helper()
	codes := map[string]bool{}
	eachFile(t, ".", func(f *ast.File) {
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CompositeLit:
				if id, ok := x.Type.(*ast.Ident); ok && id.Name == "httpError" {
					for _, el := range x.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok && fmt.Sprint(kv.Key) == "Code" {
							if s, ok := stringLit(kv.Value); ok {
								codes[s] = true
							}
						}
					}
				}
			case *ast.CallExpr:
				if sel, ok := x.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "writeAPIError" && len(x.Args) > 2 {
					if s, ok := stringLit(x.Args[2]); ok {
						codes[s] = true
					}
				}
			}
			return true
		})
	})
	return codes
}

// fieldCodesInSource reads the field problem codes, package assessment's Code*
// constants.
func fieldCodesInSource(t *testing.T) map[string]bool {
	t.Helper()
	codes := map[string]bool{}
	eachFile(t, "../assessment", func(f *ast.File) {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if strings.HasPrefix(name.Name, "Code") && i < len(vs.Values) {
						if s, ok := stringLit(vs.Values[i]); ok {
							codes[s] = true
						}
					}
				}
			}
		}
	})
	if !codes[assessment.CodeInvalid] || !codes[assessment.CodeDuplicate] {
		t.Fatalf("field codes read from the source: %v", sortedKeys(codes))
	}
	return codes
}

// eachFile parses every non-test Go file of dir.
func eachFile(t *testing.T, dir string, fn func(*ast.File)) {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	fset := token.NewFileSet()
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		fn(f)
	}
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}
