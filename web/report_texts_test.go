package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/reports"
)

// The report API's texts: GET …/report carries the free texts (encoded as it is sent),
// GET …/report?texts=none the same figures without them, marked "texts": "none". A
// value of texts other than all or none is refused.
func TestReportAPITexts(t *testing.T) {
	x := newReportFixture(t)
	path := fmt.Sprintf("/api/v1/assessments/%d/report", x.a.ID)
	get := func(query string) []byte {
		t.Helper()
		rec := x.e.bearer(http.MethodGet, path+query, x.token, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET report%s: %d %s", query, rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("GET report%s: Content-Type %q", query, ct)
		}
		return rec.Body.Bytes()
	}

	full := get("")
	if !bytes.HasSuffix(full, []byte("}\n")) || bytes.Contains(full, []byte(`"texts":"`)) {
		t.Errorf("report JSON ends %q or says which texts it holds", full[max(0, len(full)-20):])
	}
	if !bytes.Equal(get("?texts=all"), full) {
		t.Error("?texts=all differs from the default")
	}
	// ?pretty (echo's) is the same document, indented.
	var compact bytes.Buffer
	if err := json.Compact(&compact, get("?pretty")); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(append(compact.Bytes(), '\n'), full) {
		t.Error("?pretty is not the same document as the default")
	}
	assertNoSecrets(t, "report JSON", full)

	figures := get("?texts=none")
	assertNoSecrets(t, "report JSON without texts", figures)
	for _, tag := range []string{"LEAD-VISIBLE", "STAFF-VISIBLE"} {
		if !bytes.Contains(full, []byte(tag)) {
			t.Errorf("report JSON lacks the shown texts %s", tag)
		}
		if bytes.Contains(figures, []byte(tag)) {
			t.Errorf("report JSON without texts shows %s", tag)
		}
	}
	withTexts, without := decodeReport(t, full), decodeReport(t, figures)
	if without.Texts != reports.TextsNone || withTexts.Texts != "" {
		t.Errorf("texts marker: %q with texts, %q without; want \"\" and %q", withTexts.Texts, without.Texts, reports.TextsNone)
	}
	// The same figures: only the texts differ.
	for i := range withTexts.Groups {
		g := &withTexts.Groups[i]
		if !g.Withheld && (len(g.Strengths) == 0 || len(g.Opportunities) == 0 || len(g.Reflections) == 0) {
			t.Errorf("group %s shown without texts in the full report", g.Pillar)
		}
		g.Strengths, g.Opportunities, g.Reflections = []assessment.NamedText{}, []assessment.NamedText{}, []assessment.ReflectionText{}
	}
	withTexts.Strengths, withTexts.Opportunities = []reports.NamedTheme{}, []reports.NamedTheme{}
	withTexts.Texts = reports.TextsNone
	a, _ := json.Marshal(withTexts)
	b, _ := json.Marshal(without)
	if !bytes.Equal(a, b) {
		t.Errorf("figures differ without texts:\n with: %s\n without: %s", a, b)
	}

	rec := x.e.bearer(http.MethodGet, path+"?texts=some", x.token, nil)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `"texts"`) {
		t.Errorf("?texts=some: %d %s, want 422 naming texts", rec.Code, rec.Body)
	}
}
