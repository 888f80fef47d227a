package reports

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
)

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"":                   "",
		"plain":              "plain",
		"=SUM(A1)":           "'=SUM(A1)",
		"+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0",
		"-2+3":               "'-2+3",
		"@SUM(1)":            "'@SUM(1)",
		"\t=1":               "'\t=1",
		"\r=1":               "'\r=1",
		"a=1":                "a=1",
	} {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	in := instrument(t)
	rs := []respondent{uniform(in, pillars.Staff, assessment.Yes, "a"), uniform(in, pillars.Staff, assessment.No, "b"),
		uniform(in, pillars.Leadership, assessment.Yes, "SECRET")}
	rep := Build(&assessment.Assessment{Threshold: 2}, in, tally(in, rs))
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rep, in, locale.French); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(in.Pillar(pillars.Staff).Items()) {
		t.Fatalf("%d rows, want a header and one per staff item (leadership is withheld)", len(rows))
	}
	if rows[0][0] != "pillar" || rows[0][15] != "score" {
		t.Errorf("header %v", rows[0])
	}
	first := rows[1]
	if first[0] != pillars.Staff || first[1] != "S-01" || first[5] != "1" || first[7] != "1" || first[10] != "50" || first[12] != "50" || first[15] != "50.0" || first[16] != BandDeveloping {
		t.Errorf("first row %v", first)
	}
	if it, _, _ := in.Item("S-01"); first[4] != it.Text.FR {
		t.Errorf("statement not in French: %q", first[4])
	}
	for _, row := range rows {
		for _, cell := range row {
			if strings.Contains(cell, "L-0") {
				t.Errorf("withheld leadership item in CSV: %v", row)
			}
		}
	}
}

func TestWriteJSON(t *testing.T) {
	in := instrument(t)
	a := &assessment.Assessment{ID: 7, Title: "Spring", Team: "4B", Threshold: 2, Status: assessment.Closed, Round: 2, InstrumentVersion: "v1"}
	rs := []respondent{uniform(in, pillars.Staff, assessment.Yes, "a"), uniform(in, pillars.Staff, assessment.No, "b"), uniform(in, pillars.Leadership, assessment.Yes, "SECRET")}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, Build(a, in, tally(in, rs))); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "SECRET") {
		t.Fatal("withheld text in JSON")
	}
	var doc struct {
		Assessment AssessmentInfo `json:"assessment"`
		Threshold  int            `json:"threshold"`
		Groups     []struct {
			Pillar   string `json:"pillar"`
			Withheld bool   `json:"withheld"`
			Items    []struct {
				ID    string   `json:"id"`
				Score *float64 `json:"score"`
			} `json:"items"`
		} `json:"groups"`
		Team struct {
			Submitted       int      `json:"submitted"`
			IncludedPillars []string `json:"included_pillars"`
		} `json:"team"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Assessment.ID != 7 || doc.Assessment.Round != 2 || doc.Threshold != 2 || doc.Team.Submitted != 2 || len(doc.Groups) != 3 {
		t.Errorf("document %+v", doc)
	}
	for _, g := range doc.Groups {
		if g.Withheld != (g.Pillar != pillars.Staff) || (g.Withheld && len(g.Items) != 0) {
			t.Errorf("group %+v", g)
		}
	}
}
