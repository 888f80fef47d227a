package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
)

// TestOpenAPIDocumentsLookupThrottle drives each respondent API operation into the
// look-up throttle and checks its 429 against openapi.json: documented for that
// operation, with the Retry-After header, and the body as the schema says.
func TestOpenAPIDocumentsLookupThrottle(t *testing.T) {
	e := newTestEnv(t)
	d, raw := loadOpenAPI(t)
	c := &schemaChecker{raw: raw}
	a := e.newAssessment("en")
	draft := e.createResponse(map[string]any{"code": a.Code, "pillar": "staff"})
	ops := []struct {
		method, docPath string
		send            func(secret string) *httptest.ResponseRecorder
		unknown, right  func() string
	}{
		{"POST", "/responses", func(code string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodPost, testBaseURL+"/api/v1/responses", strings.NewReader(`{"code":"`+code+`","pillar":"staff"}`))
			req.Header.Set("Content-Type", "application/json")
			return e.from(nil, "198.51.100.60:1", req)
		}, assessment.NewJoinCode, func() string { return a.Code }},
		{"GET", "/responses/{token}", func(tok string) *httptest.ResponseRecorder {
			return e.from(nil, "198.51.100.61:1", httptest.NewRequest(http.MethodGet, testBaseURL+"/api/v1/responses/"+tok, nil))
		}, assessment.NewResumeToken, func() string { return draft }},
		{"PUT", "/responses/{token}", func(tok string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodPut, testBaseURL+"/api/v1/responses/"+tok, strings.NewReader(`{"pillar":"staff"}`))
			req.Header.Set("Content-Type", "application/json")
			return e.from(nil, "198.51.100.62:1", req)
		}, assessment.NewResumeToken, func() string { return draft }},
	}
	for _, op := range ops {
		for range lookupLimit {
			op.send(op.unknown())
		}
		if rec := op.send(op.right()); rec.Code == http.StatusTooManyRequests {
			t.Fatalf("%s %s: a right secret was refused", op.method, op.docPath)
		}
		rec := op.send(op.unknown())
		if rec.Code != http.StatusTooManyRequests {
			t.Fatalf("%s %s: status %d, want 429", op.method, op.docPath, rec.Code)
		}
		schema, ok := c.responseSchema(d, op.method, op.docPath, http.StatusTooManyRequests)
		if !ok {
			t.Errorf("%s %s: 429 is not documented", op.method, op.docPath)
			continue
		}
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		c.check(op.method+" "+op.docPath+" 429", schema, v)
		var item struct {
			Responses map[string]map[string]any `json:"responses"`
		}
		if err := json.Unmarshal(d.Paths[op.docPath][strings.ToLower(op.method)], &item); err != nil {
			t.Fatal(err)
		}
		resp := c.resolve(item.Responses["429"])
		headers, _ := resp["headers"].(map[string]any)
		if _, ok := headers["Retry-After"]; !ok {
			t.Errorf("%s %s: the 429 does not document Retry-After", op.method, op.docPath)
		}
		if secs, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || secs < 1 {
			t.Errorf("%s %s: Retry-After %q", op.method, op.docPath, rec.Header().Get("Retry-After"))
		}
	}
	for _, msg := range c.errs {
		t.Error(msg)
	}
}
