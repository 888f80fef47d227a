package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/survey"
)

// cmdExport writes an assessment's team report to a file (or "-" for standard output)
// as an Excel workbook, CSV or JSON: the same figures, with the same anonymity rule,
// as the web report. With --rollup it writes the organization's roll-up workbook
// instead, the Organization page's figures over every team (or one unit's).
func cmdExport(ctx context.Context, cfg Config, args []string, stdout io.Writer) (err error) {
	fs := newFlagSet("export")
	cfg.bind(fs, false, false)
	id := fs.Int64("assessment", 0, "assessment ID")
	rollup := fs.Bool("rollup", false, "the organization's roll-up over every team, as a workbook")
	unit := fs.String("unit", "", "with --rollup: only the teams of this unit")
	format := fs.String("format", survey.FormatXLSX, "xlsx, csv or json")
	out := fs.String("o", "", "output file, or - for standard output")
	fs.StringVar(out, "out", "", "the same as -o")
	langFlag := fs.String("lang", "", "language of the labels (default: the assessment's)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	switch {
	case *rollup && given["assessment"]:
		return usagef("export: give --assessment ID or --rollup, not both")
	case *rollup && *format != survey.FormatXLSX:
		return usagef("export: the roll-up is a workbook: --format must be xlsx")
	case !*rollup && given["unit"]:
		return usagef("export: --unit goes with --rollup")
	case !*rollup && *id <= 0:
		return usagef("export: give --assessment ID (or --rollup)")
	}
	var unitFilter *string
	if given["unit"] {
		u := strings.TrimSpace(*unit)
		if u == "" || utf8.RuneCountInString(u) > assessment.MaxUnitLen {
			return usagef("export: --unit must name a unit (at most %d characters)", assessment.MaxUnitLen)
		}
		unitFilter = &u
	}
	if *out == "" {
		return usagef("export: give -o FILE (or -o - for standard output)")
	}
	switch *format {
	case survey.FormatXLSX, survey.FormatCSV, survey.FormatJSON:
	default:
		return usagef("export: --format must be xlsx, csv or json")
	}
	var lang locale.Lang
	if *langFlag != "" {
		l, ok := locale.Parse(*langFlag)
		if !ok {
			return usagef("export: --lang must be en or fr")
		}
		lang = l
	}
	svc, closeDB, err := openService(ctx, cfg, false, nil)
	if err != nil {
		return err
	}
	defer closeWith(&err, closeDB)
	if *rollup {
		return exportRollup(ctx, svc, unitFilter, lang, *out, stdout)
	}
	round, err := svc.AssessmentAt(ctx, *id)
	if errors.Is(err, assessment.ErrNotFound) {
		return fmt.Errorf("no assessment with ID %d", *id)
	}
	if err != nil {
		return err
	}
	if lang == "" {
		lang = locale.Lang(round.Language)
	}
	// The same report the web shows: with the previous round compared and, in the
	// workbook, the trend over every round of the team.
	rep, err := svc.LoadReport(ctx, round, *format == survey.FormatXLSX)
	if err != nil {
		return err
	}
	write := func(w io.Writer) error { return svc.Export(rep, *format, lang, w) }
	if *out == "-" {
		return write(stdout)
	}
	return writeFileAtomically(*out, write)
}

// exportRollup writes the organization's roll-up over every team (of unit, when set) as
// a workbook in lang (English when none is given): the command line sees every team, as
// an admin does.
func exportRollup(ctx context.Context, svc *survey.Service, unit *string, lang locale.Lang, out string, stdout io.Writer) error {
	r, err := svc.RollupAt(ctx, unit)
	if err != nil {
		return err
	}
	if lang == "" {
		lang = locale.English
	}
	book, err := svc.RollupXLSX(r, lang)
	if err != nil {
		return err
	}
	write := func(w io.Writer) error {
		_, err := w.Write(book)
		return err
	}
	if out == "-" {
		return write(stdout)
	}
	return writeFileAtomically(out, write)
}

// writeFileAtomically writes through a temporary file in the same folder and renames it
// into place, so a failed export never leaves half a file under the asked-for name.
func writeFileAtomically(path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			// Leave nothing behind; the temporary file may be closed already.
			_ = tmp.Close()
			if rerr := os.Remove(tmp.Name()); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
				err = errors.Join(err, rerr)
			}
		}
	}()
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
