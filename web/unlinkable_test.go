package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/reports"
)

// Unlinkable texts: a person's strength, opportunity and reflections must not be
// readable together. Three staff members submit in an order where the strengths, the
// opportunities and the reflections would line up person by person; every view lists
// each of them by its own text instead: the JSON report, the report page and the
// workbook's Strengths & opportunities and Reflections sheets.
func TestTextsAreListedUnlinkably(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("ula@example.org", "Ula")
	a := e.ownedAssessment(f, "Unlinkable")
	token, _ := e.newAPIToken(f, "")
	people := []struct{ strength, opportunity, reflection string }{
		{"Zebra crossings near the ward", "Alpha: time to prepare", "Mostly yes"},
		{"Mango tea at meetings", "Zulu: pay partners", "Zest for it"},
		{"Apple pie on Fridays", "Mike: later evening hours", "About half"},
	}
	for _, p := range people {
		body := e.completeBody(a.Code, "staff")
		body["strength"] = map[string]string{"text": p.strength, "theme": "relationships"}
		body["opportunity"] = map[string]string{"text": p.opportunity, "theme": "resources"}
		body["reflections"] = map[string]string{"S-R1": p.reflection}
		e.createResponse(body)
	}
	var strengths, opportunities, reflections []string
	for _, p := range people {
		strengths = append(strengths, p.strength)
		opportunities = append(opportunities, p.opportunity)
		reflections = append(reflections, p.reflection)
	}
	slices.Sort(strengths)
	slices.Sort(opportunities)
	slices.Sort(reflections)

	rec := e.bearer(http.MethodGet, "/api/v1/assessments/"+strconv.FormatInt(a.ID, 10)+"/report", token, nil)
	var doc reports.Document
	decodeJSON(t, rec.Body.Bytes(), &doc)
	var staff reports.Group
	for _, g := range doc.Groups {
		if g.Pillar == "staff" {
			staff = g
		}
	}
	texts := func(list any) []string {
		var out []string
		switch l := list.(type) {
		case []reports.NamedTheme:
			for _, nt := range l {
				out = append(out, nt.Texts...)
			}
		}
		return out
	}
	var gotS, gotO, gotR []string
	for _, n := range staff.Strengths {
		gotS = append(gotS, n.Text)
	}
	for _, n := range staff.Opportunities {
		gotO = append(gotO, n.Text)
	}
	for _, r := range staff.Reflections {
		gotR = append(gotR, r.Text)
	}
	for _, c := range []struct {
		what      string
		got, want []string
	}{
		{"JSON group strengths", gotS, strengths},
		{"JSON group opportunities", gotO, opportunities},
		{"JSON group reflections", gotR, reflections},
		{"JSON team strengths", texts(doc.Strengths), strengths},
		{"JSON team opportunities", texts(doc.Opportunities), opportunities},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: %q, want by text %q", c.what, c.got, c.want)
		}
	}

	page := e.signedIn(f).get("/assessments/" + strconv.FormatInt(a.ID, 10) + "/report").Body.String()
	assertInOrder(t, "report page strengths", page, strengths)
	assertInOrder(t, "report page opportunities", page, opportunities)

	book := e.signedIn(f).get(fmt.Sprintf("/assessments/%d/report.xlsx?lang=en", a.ID))
	sheets := readWorkbook(t, book.Body.Bytes())
	named := strings.Join(column(sheets["Strengths & opportunities"], 4), "\n")
	assertInOrder(t, "workbook strengths", named, strengths)
	assertInOrder(t, "workbook opportunities", named, opportunities)
	assertInOrder(t, "workbook reflections", strings.Join(column(sheets["Reflections"], 2), "\n"), reflections)
}
