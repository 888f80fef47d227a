package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
)

// seedReport makes an assessment with three staff submissions, one leadership
// submission (withheld at threshold 3) and a staff draft (never counted).
func seedReport(t *testing.T, db string) int64 {
	t.Helper()
	ctx := context.Background()
	catalog, err := pillars.Load()
	if err != nil {
		t.Fatal(err)
	}
	in := catalog.Current()
	store, err := storage.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := store.Close(); err != nil {
			t.Errorf("close the store: %v", err)
		}
	}()
	if _, _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := assessment.NewAssessment("Spring", "Ward 4B", "fr", 3, false, in.Version)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateAssessment(ctx, a); err != nil {
		t.Fatal(err)
	}
	add := func(pillar string, status assessment.ResponseStatus, answer assessment.Answer, text string) {
		r := &assessment.Response{AssessmentID: a.ID, Pillar: pillar, Language: "fr", Status: status,
			Answers: map[string]assessment.Answer{}, Reflections: map[string]string{},
			Strength: assessment.Named{Text: text}, Opportunity: assessment.Named{Text: text}}
		for _, it := range in.Pillar(pillar).Items() {
			r.Answers[it.ID] = answer
		}
		if err := store.CreateResponse(ctx, r, assessment.HashToken(assessment.NewResumeToken())); err != nil {
			t.Fatal(err)
		}
	}
	add(pillars.Staff, assessment.Submitted, assessment.Yes, "s1")
	add(pillars.Staff, assessment.Submitted, assessment.Yes, "s2")
	add(pillars.Staff, assessment.Submitted, assessment.No, "s3")
	add(pillars.Staff, assessment.Draft, assessment.No, "DRAFT-TEXT")
	add(pillars.Leadership, assessment.Submitted, assessment.No, "LONE-LEADER")
	return a.ID
}

func TestExport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "e.db")
	id := seedReport(t, db)
	idArg := itoa64(id)

	jsonPath := filepath.Join(dir, "r.json")
	if _, err := runCLI(t, env(), "export", "--db", db, "--assessment", idArg, "--format", "json", "-o", jsonPath); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"DRAFT-TEXT", "LONE-LEADER"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("JSON export holds %q (a draft or a withheld group)", secret)
		}
	}
	var doc struct {
		Team struct {
			Submitted       int      `json:"submitted"`
			IncludedPillars []string `json:"included_pillars"`
		} `json:"team"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Team.Submitted != 3 || strings.Join(doc.Team.IncludedPillars, ",") != pillars.Staff {
		t.Errorf("team %+v", doc.Team)
	}

	out, err := runCLI(t, env(), "export", "--db", db, "--assessment", idArg, "--format", "csv", "-o", "-")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 17 || rows[1][1] != "S-01" || rows[1][5] != "2" || rows[1][7] != "1" {
		t.Errorf("CSV rows %d, first %v", len(rows), rows[1])
	}

	xlsxPath := filepath.Join(dir, "r.xlsx")
	if _, err := runCLI(t, env(), "export", "--db", db, "--assessment", idArg, "-o", xlsxPath); err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 2)
	f, err := os.Open(xlsxPath)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Read(head)
	if cerr := f.Close(); cerr != nil {
		t.Errorf("close %s: %v", xlsxPath, cerr)
	}
	if err != nil || string(head) != "PK" {
		t.Errorf("workbook does not start like a zip archive: %q %v", head, err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestExportErrors(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "e.db")
	id := itoa64(seedReport(t, db))
	for _, args := range [][]string{
		{"export", "--db", db, "-o", "x"},
		{"export", "--db", db, "--assessment", id},
		{"export", "--db", db, "--assessment", id, "--format", "pdf", "-o", "x"},
		{"export", "--db", db, "--assessment", id, "--lang", "de", "-o", filepath.Join(dir, "x")},
	} {
		_, err := runCLI(t, env(), args...)
		var usage *usageError
		if !errors.As(err, &usage) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	if _, err := runCLI(t, env(), "export", "--db", db, "--assessment", "99", "-o", filepath.Join(dir, "y")); err == nil || !strings.Contains(err.Error(), "no assessment") {
		t.Errorf("unknown assessment: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "y")); !os.IsNotExist(err) {
		t.Error("a failed export left a file")
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
