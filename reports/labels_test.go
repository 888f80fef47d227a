package reports

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
)

// catalog is the one catalogue of words, loaded once for the package's tests.
var catalog = sync.OnceValues(locale.Load)

// printerFor writes in lang from the catalogue.
func printerFor(lang locale.Lang) locale.Printer {
	c, err := catalog()
	if err != nil {
		panic(err)
	}
	return c.In(lang)
}

// newLabeler is the workbook's labeler in lang.
func newLabeler(lang locale.Lang) labeler { return labelerFor(printerFor(lang)) }

// workbookKeys lists the catalogue's workbook labels, without their "workbook." prefix.
func workbookKeys(t *testing.T) []string {
	t.Helper()
	c, err := catalog()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for key := range c.Messages(locale.Default) {
		if name, ok := strings.CutPrefix(key, "workbook."); ok {
			keys = append(keys, name)
		}
	}
	if len(keys) < 100 {
		t.Fatalf("only %d workbook labels in the catalogue", len(keys))
	}
	return keys
}

// TestLabelsUsedExist: every label the workbook code names, and every one it builds from
// the report (bands, pillars, statuses), is in the catalogue, as a workbook label or a
// word shared with the pages.
func TestLabelsUsedExist(t *testing.T) {
	l := newLabeler(locale.English)
	fset := token.NewFileSet()
	used := 0
	for _, name := range []string{"xlsx.go", "xlsx_trend.go"} {
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, inspectLabel(t, fset, l, &used))
	}
	if used < 80 {
		t.Errorf("found only %d label uses in the workbook code", used)
	}
	var keys []string
	for _, band := range []string{BandStrength, BandDeveloping, BandOpportunity} {
		keys = append(keys, "band."+band)
	}
	for _, status := range assessment.ActionStatuses {
		keys = append(keys, "status."+status)
	}
	c, err := pillars.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Current().Pillars {
		keys = append(keys, "sheet.pillar."+p.Key)
	}
	for _, key := range keys {
		if !l.p.Has(l.key(key)) {
			t.Errorf("label %q is not in the catalogue", key)
		}
	}
}

// inspectLabel checks every T("…") and F("…", …) call's literal key against the catalogue.
func inspectLabel(t *testing.T, fset *token.FileSet, l labeler, used *int) func(ast.Node) bool {
	return func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "T" && sel.Sel.Name != "F") {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		key, _ := strconv.Unquote(lit.Value)
		*used++
		if !l.p.Has(l.key(key)) {
			t.Errorf("%s: label %q is not in the catalogue", fset.Position(lit.Pos()), key)
		}
		return true
	}
}

// TestSheetNameLabels: sheet names are valid in Excel and distinct in each language.
func TestSheetNameLabels(t *testing.T) {
	for _, lang := range locale.Languages() {
		l := newLabeler(lang)
		seen := map[string]bool{}
		for _, key := range workbookKeys(t) {
			if !strings.HasPrefix(key, "sheet.") {
				continue
			}
			name := l.T(key)
			if len([]rune(name)) > 31 || strings.ContainsAny(name, `[]:*?/\`) || sheetName(name) != name {
				t.Errorf("%s %s: %q is not a valid sheet name", lang, key, name)
			}
			if seen[strings.ToLower(name)] {
				t.Errorf("%s: sheet name %q used twice", lang, name)
			}
			seen[strings.ToLower(name)] = true
		}
	}
}

func TestLabelerFallbacks(t *testing.T) {
	if got := newLabeler("de").T("sheet.summary"); got != "Summary" {
		t.Errorf("unsupported language: %q", got)
	}
	if got := newLabeler(locale.French).Num(62.5); got != "62,5" {
		t.Errorf("French decimal: %q", got)
	}
	if got := newLabeler(locale.English).List(nil); got != "None." {
		t.Errorf("empty list: %q", got)
	}
}
