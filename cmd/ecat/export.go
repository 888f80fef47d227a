package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/reports"
	"github.com/ecat-project/ecat/web"
)

// cmdExport writes an assessment's team report to a file (or "-" for standard output)
// as an Excel workbook, CSV or JSON: the same figures, with the same anonymity rule,
// as the web report.
func cmdExport(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := newFlagSet("export")
	cfg.bind(fs, false, false)
	id := fs.Int64("assessment", 0, "assessment ID")
	format := fs.String("format", "xlsx", "xlsx, csv or json")
	out := fs.String("o", "", "output file, or - for standard output")
	langFlag := fs.String("lang", "", "language of the labels (default: the assessment's)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *id <= 0 {
		return usagef("export: give --assessment ID")
	}
	if *out == "" {
		return usagef("export: give -o FILE (or -o - for standard output)")
	}
	switch *format {
	case "xlsx", "csv", "json":
	default:
		return usagef("export: --format must be xlsx, csv or json")
	}
	catalog, err := pillars.Load()
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer store.Close()
	a, err := store.Assessment(ctx, *id)
	if errors.Is(err, assessment.ErrNotFound) {
		return fmt.Errorf("no assessment with ID %d", *id)
	}
	if err != nil {
		return err
	}
	lang := pillars.Lang(a.Language)
	if *langFlag != "" {
		l, ok := pillars.ParseLang(*langFlag)
		if !ok {
			return usagef("export: --lang must be en or fr")
		}
		lang = l
	}
	// The same report the web shows: with the previous round compared and, in the
	// workbook, the trend over every round of the team.
	rep, in, err := web.LoadReport(ctx, store, catalog, a, *format == "xlsx")
	if err != nil {
		return err
	}
	write := func(w io.Writer) error {
		switch *format {
		case "csv":
			return reports.WriteCSV(w, rep, in, lang)
		case "json":
			return reports.WriteJSON(w, rep)
		}
		return reports.WriteXLSX(w, rep, in, lang, time.Now())
	}
	if *out == "-" {
		return write(stdout)
	}
	return writeFileAtomically(*out, write)
}

// writeFileAtomically writes through a temporary file in the same folder and renames it
// into place, so a failed export never leaves half a file under the asked-for name.
func writeFileAtomically(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
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
