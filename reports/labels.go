package reports

import (
	"fmt"

	"github.com/ecat-project/ecat/locale"
)

// labeler writes the workbook's words in one language, from the one catalogue of package
// locale: the workbook's own labels are kept there under "workbook." (sheet names, column
// headers, the guide's sentences), and the words it shares with the pages (the answers,
// "None.", the list separator) under their common names. The instrument's own texts
// (pillars, items, themes, prompts) come from package pillars.
type labeler struct {
	p    locale.Printer
	lang locale.Lang
}

func labelerFor(p locale.Printer) labeler { return labeler{p: p, lang: p.Lang} }

// key is the catalogue key of a workbook label: the workbook's own wording when the
// catalogue has one, else the common word.
func (l labeler) key(name string) string {
	if k := "workbook." + name; l.p.Has(k) {
		return k
	}
	return name
}

// T returns the label named name. An unknown name comes back as itself, so a missing
// label shows up in the workbook instead of failing the export; TestLabelsUsedExist
// keeps that from happening.
func (l labeler) T(name string) string { return l.p.T(l.key(name)) }

// F formats the label named name with args.
func (l labeler) F(name string, args ...any) string { return fmt.Sprintf(l.T(name), args...) }

// Num writes a score with one decimal, with the language's decimal mark.
func (l labeler) Num(v float64) string { return l.p.Num(v) }

// List joins items with the language's separator, or says none.
func (l labeler) List(items []string) string { return l.p.List(items) }
