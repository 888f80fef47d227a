package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/reports"
	"github.com/ecat-project/ecat/survey"
)

// No differencing: once the report has been looked at, one more submission (or an edit,
// or closing and reopening) must not change anything it shows, or comparing two looks
// would give that one person's answers and words. Newer submissions wait until at least
// the threshold of them have arrived, and join together. Checked on the report page, its
// JSON, the workbook, the CSV and JSON exports, the discussion view, the handout and the
// next round's comparison.
func TestNoDifferencing(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("dina@example.org", "Dina")
	a := e.ownedAssessment(f, "Differencing round")
	token, _ := e.newAPIToken(f, "")
	b := e.signedIn(f)
	id := strconv.FormatInt(a.ID, 10)
	submit := func(marker string, answer string) string {
		body := e.completeBody(a.Code, "staff")
		for k := range body["answers"].(map[string]string) {
			body["answers"].(map[string]string)[k] = answer
		}
		body["strength"] = map[string]string{"text": marker + " strength", "theme": "relationships"}
		body["opportunity"] = map[string]string{"text": marker + " opportunity", "theme": "resources"}
		body["reflections"] = map[string]string{"S-R1": marker + " reflection"}
		return e.createResponse(body)
	}
	views := func() map[string]string {
		out := map[string]string{}
		rec := e.bearer(http.MethodGet, "/api/v1/assessments/"+id+"/report", token, nil)
		var doc map[string]any
		decodeJSON(t, rec.Body.Bytes(), &doc)
		delete(doc, "assessment") // holds the status, which closing changes
		out["JSON report"] = string(mustJSON(t, doc))
		out["report page"] = b.get("/assessments/" + id + "/report").Body.String()
		out["discussion view"] = b.get("/assessments/" + id + "/discussion").Body.String()
		out["handout"] = b.get("/assessments/" + id + "/discussion/handout").Body.String()
		sheets := readWorkbook(t, b.get("/assessments/"+id+"/report.xlsx").Body.Bytes())
		var wb strings.Builder
		for _, name := range sortedKeys(sheets) {
			if name == "Summary" {
				continue // its report date
			}
			fmt.Fprintf(&wb, "%s %q\n", name, sheets[name])
		}
		out["workbook"] = wb.String()
		rep, err := e.srv.svc.Report(t.Context(), f, a.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{survey.FormatCSV, survey.FormatJSON} {
			var buf bytes.Buffer
			if err := e.srv.svc.Export(rep, format, locale.English, &buf); err != nil {
				t.Fatal(err)
			}
			text := buf.String()
			if format == survey.FormatJSON {
				var doc map[string]any
				decodeJSON(t, buf.Bytes(), &doc)
				delete(doc, "assessment")
				text = string(mustJSON(t, doc))
			}
			out[format+" export"] = text
		}
		return out
	}
	markers := func(v map[string]string, marker string) []string {
		var where []string
		for name, text := range v {
			if strings.Contains(text, marker) {
				where = append(where, name)
			}
		}
		return where
	}
	unchanged := func(when string, before, after map[string]string) {
		t.Helper()
		for name, was := range before {
			now := after[name]
			if name == "JSON report" || name == "json export" {
				now = strings.Replace(now, `"held":1`, `"held":0`, 1) // the one count that moves
				now = strings.Replace(now, `"held":2`, `"held":0`, 1)
			}
			if name == "report page" || name == "discussion view" || name == "handout" {
				was, now = withoutHeldNote(was), withoutHeldNote(now)
			}
			if was != now {
				t.Errorf("%s: the %s changed", when, name)
			}
		}
	}

	first := []string{submit("FIRST-A", "yes"), submit("FIRST-B", "somewhat"), submit("FIRST-C", "yes")}
	before := views()
	if where := markers(before, "FIRST-B"); len(where) < 5 {
		t.Fatalf("the first three responses show only in %v", where)
	}

	// One more submission: nothing changes; the report says one is waiting.
	submit("LATE-ONE", "no")
	after := views()
	if where := markers(after, "LATE-ONE"); len(where) > 0 {
		t.Errorf("one more submission shows in %v", where)
	}
	unchanged("after one more submission", before, after)
	if !strings.Contains(after["report page"], html.EscapeString(e.tmpl.Catalog().In(locale.English).F("report.group_held", 1, 2))) {
		t.Error("the report page does not say a newer response is waiting")
	}
	var doc reports.Document
	decodeJSON(t, e.bearer(http.MethodGet, "/api/v1/assessments/"+id+"/report", token, nil).Body.Bytes(), &doc)
	for _, g := range doc.Groups {
		if g.Pillar == "staff" && (g.Submitted != 3 || g.Held != 1) {
			t.Errorf("staff group: %d submitted, %d held; want 3 and 1", g.Submitted, g.Held)
		}
	}

	// An edit of a response already in the report is refused, and changes nothing.
	edit := e.completeBody("", "staff")
	delete(edit, "code")
	edit["submit"] = true
	edit["strength"] = map[string]string{"text": "EDITED strength"}
	edit["opportunity"] = map[string]string{"text": "EDITED opportunity"}
	rec := e.api(http.MethodPut, "/api/v1/responses/"+first[0], "application/json", mustJSON(t, edit))
	if rec.Code != http.StatusConflict || decodeAPIError(t, rec).Error.Code != "already_in_report" {
		t.Errorf("editing a response in the report: %d %s, want 409 already_in_report", rec.Code, rec.Body)
	}
	// Closing and reopening does not release anything either.
	for _, path := range []string{"/api/v1/assessments/" + id + "/close", "/api/v1/assessments/" + id + "/reopen"} {
		if rec := e.bearer(http.MethodPost, path, token, nil); rec.Code != http.StatusOK {
			t.Fatalf("POST %s: %d", path, rec.Code)
		}
	}
	unchanged("after an edit, a close and a reopen", before, views())

	// Two more: a whole group of three newer ones joins at once.
	submit("LATE-TWO", "no")
	submit("LATE-THREE", "somewhat")
	joined := views()
	for _, m := range []string{"LATE-ONE", "LATE-TWO", "LATE-THREE"} {
		if where := markers(joined, m); len(where) < 4 { // the report page, its JSON, the workbook, the JSON export
			t.Errorf("%s shows only in %v once three newer responses arrived", m, where)
		}
	}
	if markers(joined, "EDITED") != nil {
		t.Error("the refused edit shows")
	}

	// The next round compares with what this round showed: one late response more, held
	// at close, stays out of the comparison too.
	submit("AT-CLOSE", "no")
	if rec := e.bearer(http.MethodPost, "/api/v1/assessments/"+id+"/close", token, nil); rec.Code != http.StatusOK {
		t.Fatalf("close: %d", rec.Code)
	}
	rec = e.bearer(http.MethodPost, "/api/v1/assessments/"+id+"/reassess", token, nil)
	var next struct {
		ID int64 `json:"id"`
	}
	decodeJSON(t, rec.Body.Bytes(), &next)
	var round2 struct {
		Previous struct {
			Groups []struct {
				Pillar            string `json:"pillar"`
				PreviousSubmitted int    `json:"previous_submitted"`
			} `json:"groups"`
		} `json:"previous"`
	}
	raw := e.bearer(http.MethodGet, fmt.Sprintf("/api/v1/assessments/%d/report", next.ID), token, nil).Body.Bytes()
	if err := json.Unmarshal(raw, &round2); err != nil {
		t.Fatal(err)
	}
	for _, g := range round2.Previous.Groups {
		if g.Pillar == "staff" && g.PreviousSubmitted != 6 {
			t.Errorf("round 2 compares with %d staff responses of round 1, want the 6 its report showed", g.PreviousSubmitted)
		}
	}
}

// withoutHeldNote drops the notes about waiting responses (the only lines that change).
func withoutHeldNote(page string) string {
	var keep []string
	for _, line := range strings.Split(page, "\n") {
		if !strings.Contains(line, "newer response") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}
