package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// workbookText opens a workbook and returns its sheets and every cell's text.
func workbookText(t *testing.T, raw []byte) ([]string, string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}()
	var all strings.Builder
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			all.WriteString(strings.Join(row, "|") + "\n")
		}
	}
	return f.GetSheetList(), all.String()
}

// `ecat export --rollup` writes the roll-up workbook over every team: a team without a
// closed round has no figures, a closed one its report's, withheld groups left out; in
// English or French, to a file or to standard output, narrowed to a unit when asked.
func TestExportRollup(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "e.db")
	id := itoa64(seedReport(t, db))

	// Open only: no figures, the team is listed as without a closed round.
	out, err := runCLI(t, env(), "export", "--db", db, "--rollup", "-o", "-")
	if err != nil {
		t.Fatal(err)
	}
	sheets, text := workbookText(t, []byte(out))
	if !slices.Equal(sheets, []string{"Summary", "Teams × themes", "No unit"}) {
		t.Errorf("sheets %q", sheets)
	}
	if !strings.Contains(text, "Ward 4B|") {
		t.Errorf("the open team is not listed:\n%s", text)
	}

	if _, err := runCLI(t, env(), "assessment", "close", id, "--db", db); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "rollup.xlsx")
	if _, err := runCLI(t, env(), "export", "--db", db, "--rollup", "--lang", "fr", "--out", path); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sheets, text = workbookText(t, raw)
	if !slices.Equal(sheets, []string{"Résumé", "Équipes × thèmes", "Sans unité"}) {
		t.Errorf("French sheets %q", sheets)
	}
	// Ward 4B's three staff responses are counted (released as its report would); the
	// lone leader is withheld; no text of anyone's appears.
	if !strings.Contains(text, "Ward 4B||1|") || !strings.Contains(text, "|3|Leadership") && !strings.Contains(text, "|3|Direction") {
		t.Errorf("the team's row is not as its report:\n%s", text)
	}
	for _, secret := range []string{"LONE-LEADER", "DRAFT-TEXT", "s1", "s2"} {
		if strings.Contains(text, secret) {
			t.Errorf("the roll-up holds %q", secret)
		}
	}

	// A unit of no team: its workbook has no team.
	out, err = runCLI(t, env(), "export", "--db", db, "--rollup", "--unit", "Surgery", "-o", "-")
	if err != nil {
		t.Fatal(err)
	}
	if sheets, text := workbookText(t, []byte(out)); len(sheets) != 2 || strings.Contains(text, "Ward 4B") {
		t.Errorf("unit Surgery: sheets %q\n%s", sheets, text)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestExportRollupErrors(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "e.db")
	id := itoa64(seedReport(t, db))
	for _, args := range [][]string{
		{"export", "--db", db, "--rollup"},                                         // no output
		{"export", "--db", db, "--rollup", "--assessment", id, "-o", "-"},          // both
		{"export", "--db", db, "--rollup", "--format", "csv", "-o", "-"},           // not a workbook
		{"export", "--db", db, "--assessment", id, "--unit", "Surgery", "-o", "-"}, // a unit without --rollup
		{"export", "--db", db, "--rollup", "--unit", " ", "-o", "-"},               // a blank unit
		{"export", "--db", db, "--rollup", "--lang", "de", "-o", "-"},
	} {
		_, err := runCLI(t, env(), args...)
		var usage *usageError
		if !errors.As(err, &usage) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}
