package reports

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
)

// AssessmentInfo is the assessment a report is about, as exports show it.
type AssessmentInfo struct {
	ID                int64      `json:"id"`
	Title             string     `json:"title"`
	Team              string     `json:"team"`
	Language          string     `json:"language"`
	Threshold         int        `json:"threshold"`
	Status            string     `json:"status"`
	Round             int        `json:"round"`
	InstrumentVersion string     `json:"instrument_version"`
	CreatedAt         time.Time  `json:"created_at"`
	ClosedAt          *time.Time `json:"closed_at"`
}

// Document is the JSON form of a report: the assessment, then the figures.
type Document struct {
	Assessment AssessmentInfo `json:"assessment"`
	// Texts is TextsNone when the report was built without its free texts (from scores
	// only: the lists of texts are then empty, not because nobody wrote any); empty, and
	// left out, when it holds them.
	Texts string `json:"texts,omitempty"`
	*Report
}

// NewDocument pairs a report with its assessment's public details.
func NewDocument(r *Report) Document {
	a := r.Assessment
	return Document{
		Assessment: AssessmentInfo{
			ID: a.ID, Title: a.Title, Team: a.Team, Language: a.Language, Threshold: a.Threshold,
			Status: string(a.Status), Round: a.Round, InstrumentVersion: a.InstrumentVersion,
			CreatedAt: a.CreatedAt, ClosedAt: a.ClosedAt,
		},
		Report: r,
	}
}

// WriteJSON writes the report as one JSON document.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(NewDocument(r))
}

// WriteCSV writes one row per item of every group that is shown (withheld groups are
// absent), with counts, percentages, score, band and Unknown share. Every cell that a
// spreadsheet could take for a formula is neutralized (see SafeCell).
func WriteCSV(w io.Writer, r *Report, in *pillars.Instrument, lang locale.Lang) error {
	cw := csv.NewWriter(w)
	header := []string{"pillar", "item_id", "section", "theme", "statement",
		"yes", "somewhat", "no", "unknown", "unanswered",
		"yes_pct", "somewhat_pct", "no_pct", "unknown_pct", "unanswered_pct",
		"score", "band", "unknown_share"}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, g := range r.Groups {
		if g.Withheld {
			continue
		}
		for _, ir := range g.Items {
			text := ""
			if it, _, ok := in.Item(ir.ID); ok {
				text = it.Text.In(lang)
			}
			score := ""
			if ir.Score != nil {
				score = strconv.FormatFloat(*ir.Score, 'f', 1, 64)
			}
			c, p := ir.Counts, ir.Percent
			row := []string{g.Pillar, ir.ID, ir.Section, ir.Theme, text,
				itoa(c.Yes), itoa(c.Somewhat), itoa(c.No), itoa(c.Unknown), itoa(c.Unanswered),
				itoa(p.Yes), itoa(p.Somewhat), itoa(p.No), itoa(p.Unknown), itoa(p.Unanswered),
				score, ir.Band, fmt.Sprintf("%.3f", ir.UnknownShare)}
			for i := range row {
				row[i] = SafeCell(row[i])
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func itoa(n int) string { return strconv.Itoa(n) }

// SafeCell keeps a spreadsheet from running text as a formula: a value starting with
// =, +, -, @, a tab or a carriage return gets a leading apostrophe, which spreadsheets
// read as "this is text" and do not display.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	if strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
