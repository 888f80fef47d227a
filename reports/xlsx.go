package reports

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
)

// The Excel workbook.
//
// WriteXLSX writes the report as a workbook a facilitator can print and bring to the
// team discussion: Summary, one sheet per pillar group that is shown, Themes, Trend (for
// a later round, see xlsx_trend.go), Strengths & opportunities, Reflections, Discussion
// guide and an Action plan, with the round's actions (Report.Actions) and rows to fill
// in. Decisions worth knowing:
//
//   - Every sheet but the pillar sheets is written with excelize's StreamWriter, so its
//     rows go to a buffer (a temporary file past 16 MB) rather than into excelize's cell
//     model: Strengths & opportunities and Reflections grow with the number of
//     respondents, and the small sheets go the same way. What belongs to a streamed sheet
//     but is not a row (page setup, footer, conditional formats, data validation) is set
//     after its rows and before Flush, which writes those parts; anything set on a
//     streamed sheet after Flush is silently dropped on save (Flush takes the sheet out of
//     the model and the stream's XML is what is saved). Sheet properties (fit to page) are
//     set before the StreamWriter starts, as it writes them first. No call that reads a
//     sheet may follow a Flush (see WriteXLSX).
//   - Pillar sheets are written in excelize's normal mode: their size is fixed by the
//     instrument (15 or so statements, a few sections and themes) and they carry the
//     chart. A chart added to a streamed sheet after Flush is not linked from the sheet
//     (qax-os/excelize#1766: invisible in Excel), and before Flush the link is written
//     with a non-standard namespace prefix that only the normal save path corrects.
//   - excelize assembles the zip in memory before copying it to w (the format needs
//     every sheet finished before the workbook part); it has no streaming zip output.
//   - Every text a person wrote (and every instrument text) goes in as a Go string value:
//     an inline string when streamed, a shared string in normal mode, never a formula,
//     whatever character it starts with. No cell of the workbook holds a formula.
//   - A withheld group has no sheet, no column and no row of figures or texts anywhere;
//     the Summary and the Discussion guide name it as withheld and say why, without its
//     count of responses. On the Trend sheet, a round in which a group was withheld has
//     no figures for it, and a group withheld in either of two rounds is left out of
//     their comparison (see xlsx_trend.go and compare.go).
//   - Percentages are stored as fractions (0.4) with a "0%" format, scores and gaps as
//     numbers with one decimal as the report rounded them, once, so that they equal the
//     page's (empty when nobody answered on the scale; on the Themes heatmap such a cell
//     is hatched and says "No score"), counts as whole numbers.
//   - Rows are as tall as their wrapped texts need (excelize does not fit them, nor does
//     Excel for merged cells): see rowHeight. A row is held until the next one is given
//     (sheet.pending), so that a merge of its cells counts in its height.
//   - Every printed page is headed with the team and round (left) and the report's date
//     (right), and footed with the sheet's name and page numbers: see pageHeader.
//   - Each pillar sheet's chart names its statements by id and the start of their text,
//     from a hidden column (colChartLabel).
//   - Colours are the palette's (palette.go), safe for colour-blind readers, the same as
//     on the page: the chart's answers, and the bands (strength, developing, opportunity)
//     as conditional formats on the score cells and on the Themes heatmap, the ink on a
//     light fill; the band is also written out in words, for black-and-white printing.

// Band colours: fill and text (the palette's, at 7.8:1 or more), and the header fill.
const (
	strengthFill    = ColourStrength
	developingFill  = ColourDeveloping
	opportunityFill = ColourOpportunity
	bandFont        = PaletteInk
	headerFill      = "DDEBF7"
	// A heatmap cell without a score: light diagonal hatching (excelize's pattern 14,
	// "lightUp") in a grey on white, under grey italic text (7:1 on the white, 4:1 where
	// it crosses a thin hatch line), which says "No score" in words.
	noScorePattern = 14
	noScoreHatch   = "BFC5CC"
)

// The Action plan has actionRows rows, recorded actions first, and at least
// actionRowsMin of them empty.
const (
	actionRows    = 20
	actionRowsMin = 10
)

// WriteXLSX writes the report r of an assessment answered on instrument in as an Excel
// workbook in the language of p, dated now, to w.
func WriteXLSX(w io.Writer, r *Report, in *pillars.Instrument, p locale.Printer, now time.Time) (err error) {
	if r == nil || in == nil {
		return errors.New("reports: WriteXLSX needs a report and its instrument")
	}
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	b := &book{f: f, r: r, in: in, l: labelerFor(p), now: now, names: map[string]bool{}, wraps: map[int]bool{}}
	if err := b.newStyles(); err != nil {
		return err
	}
	for _, write := range []func() error{b.summary, b.pillarSheets, b.themes, b.trend, b.named, b.reflections, b.guide, b.actions} {
		if err := write(); err != nil {
			return fmt.Errorf("reports: workbook: %w", err)
		}
	}
	// The Summary, first, is the active sheet already. No excelize call that reads a
	// sheet (SetActiveSheet among them) may come after the streams are flushed: it would
	// parse every streamed sheet back into memory and write it out again.
	if err := b.docProps(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// book is one workbook being written.
type book struct {
	f     *excelize.File
	r     *Report
	in    *pillars.Instrument
	l     labeler
	now   time.Time
	st    styles
	names map[string]bool // sheet names taken
	// wraps holds the styles that wrap their text, and whether their font is bold, for
	// the row heights (see rowHeight).
	wraps map[int]bool
	// heading, when set, heads every printed page on the left instead of the team and
	// round (a workbook of no one round: the organization's roll-up).
	heading string
}

type styles struct {
	title, note, header, heading, text, textBox, muted int
	count, percent, score, change, date, dateBox       int
	good, neutral, bad                                 int // conditional formats
	goodCell, neutralCell, badCell                     int // the same colours, as the legend
	noScore                                            int // a heatmap cell without a score
}

func (b *book) newStyles() error {
	top := &excelize.Alignment{Vertical: "top", WrapText: true}
	thin := []excelize.Border{{Type: "left", Color: "A6A6A6", Style: 1}, {Type: "top", Color: "A6A6A6", Style: 1}, {Type: "right", Color: "A6A6A6", Style: 1}, {Type: "bottom", Color: "A6A6A6", Style: 1}}
	solid := func(c string) excelize.Fill { return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c}} }
	decimal, signed, day := "0.0", "+0.0;-0.0;0.0", "yyyy-mm-dd"
	defs := []struct {
		id *int
		s  *excelize.Style
	}{
		{&b.st.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{&b.st.note, &excelize.Style{Font: &excelize.Font{Italic: true}, Alignment: top}},
		{&b.st.header, &excelize.Style{Font: &excelize.Font{Bold: true}, Fill: solid(headerFill), Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}, Border: []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}}}},
		{&b.st.heading, &excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: top}},
		{&b.st.text, &excelize.Style{Alignment: top}},
		{&b.st.textBox, &excelize.Style{Alignment: top, Border: thin}},
		{&b.st.muted, &excelize.Style{Font: &excelize.Font{Color: "595959"}, Alignment: top}},
		{&b.st.count, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&b.st.percent, &excelize.Style{NumFmt: 9, Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&b.st.score, &excelize.Style{CustomNumFmt: &decimal, Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&b.st.change, &excelize.Style{CustomNumFmt: &signed, Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&b.st.date, &excelize.Style{CustomNumFmt: &day, Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "top"}}},
		{&b.st.dateBox, &excelize.Style{CustomNumFmt: &day, Alignment: &excelize.Alignment{Vertical: "top"}, Border: thin}},
		{&b.st.goodCell, &excelize.Style{Font: &excelize.Font{Color: bandFont}, Fill: solid(strengthFill), Alignment: top}},
		{&b.st.neutralCell, &excelize.Style{Font: &excelize.Font{Color: bandFont}, Fill: solid(developingFill), Alignment: top}},
		{&b.st.badCell, &excelize.Style{Font: &excelize.Font{Color: bandFont}, Fill: solid(opportunityFill), Alignment: top}},
		// Hatched, and labelled in words: not to be taken for a colour of the bands.
		{&b.st.noScore, &excelize.Style{Font: &excelize.Font{Italic: true, Color: "595959"}, Fill: excelize.Fill{Type: "pattern", Pattern: noScorePattern, Color: []string{noScoreHatch}}, Alignment: top}},
	}
	for _, d := range defs {
		id, err := b.f.NewStyle(d.s)
		if err != nil {
			return err
		}
		*d.id = id
		if d.s.Alignment != nil && d.s.Alignment.WrapText {
			b.wraps[id] = d.s.Font != nil && d.s.Font.Bold
		}
	}
	for _, d := range []struct {
		id         *int
		font, fill string
	}{{&b.st.good, bandFont, strengthFill}, {&b.st.neutral, bandFont, developingFill}, {&b.st.bad, bandFont, opportunityFill}} {
		id, err := b.f.NewConditionalStyle(&excelize.Style{Font: &excelize.Font{Color: d.font}, Fill: solid(d.fill)})
		if err != nil {
			return err
		}
		*d.id = id
	}
	return nil
}

func (b *book) docProps() error {
	a := b.r.Assessment
	title, team, round := "", "", 0
	if a != nil {
		title, team, round = a.Title, a.Team, a.Round
	}
	return b.f.SetDocProps(&excelize.DocProperties{
		Title:          b.l.F("doc.title", title),
		Subject:        b.l.F("doc.subject", team, round),
		Description:    b.l.T("indicative"),
		Keywords:       b.l.T("doc.keywords"),
		Creator:        "ecat",
		LastModifiedBy: "ecat",
		Language:       string(b.l.lang),
		Created:        b.now.UTC().Format(time.RFC3339),
		Modified:       b.now.UTC().Format(time.RFC3339),
	})
}

// sheet is one worksheet being written, streamed (sw set) or in excelize's normal mode.
// The first error sticks: later calls do nothing and close returns it.
type sheet struct {
	b      *book
	name   string
	sw     *excelize.StreamWriter
	widths []float64
	row    int // last row written
	// pending is the last row, held until the next one (or close) so that a merge of
	// its cells counts in its height.
	pending *pendingRow
	err     error
}

// pendingRow is a row given but not yet written.
type pendingRow struct {
	row, col int
	values   []any
	height   float64 // the least height asked for, 0 for none
	merges   [][2]int
}

// newSheet starts a streamed worksheet with column widths and the first frozen rows.
func (b *book) newSheet(name string, widths []float64, frozen int) (*sheet, error) {
	return b.startSheet(name, widths, frozen, true)
}

// newSmallSheet starts a worksheet written in excelize's normal mode.
func (b *book) newSmallSheet(name string, widths []float64, frozen int) (*sheet, error) {
	return b.startSheet(name, widths, frozen, false)
}

func (b *book) startSheet(name string, widths []float64, frozen int, streamed bool) (*sheet, error) {
	name = b.uniqueName(name)
	if len(b.names) == 1 {
		if err := b.f.SetSheetName(b.f.GetSheetName(0), name); err != nil {
			return nil, err
		}
	} else if _, err := b.f.NewSheet(name); err != nil {
		return nil, err
	}
	// Written by the StreamWriter as soon as it starts, so set before it.
	fit := true
	if err := b.f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return nil, err
	}
	s := &sheet{b: b, name: name, widths: widths}
	if streamed {
		sw, err := b.f.NewStreamWriter(name)
		if err != nil {
			return nil, err
		}
		s.sw = sw
	}
	// Last column first: the StreamWriter keeps its column list in reverse order of the
	// calls and writes it unsorted, and Excel wants <col> elements in ascending order.
	for i := len(widths) - 1; i >= 0; i-- {
		wd := widths[i]
		var err error
		if s.sw != nil {
			err = s.sw.SetColWidth(i+1, i+1, wd)
		} else {
			col, _ := excelize.ColumnNumberToName(i + 1)
			err = b.f.SetColWidth(name, col, col, wd)
		}
		if err != nil {
			return nil, err
		}
	}
	if frozen > 0 {
		first := fmt.Sprintf("A%d", frozen+1)
		panes := &excelize.Panes{Freeze: true, YSplit: frozen, TopLeftCell: first, ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: first, ActiveCell: first, Pane: "bottomLeft"}}}
		var err error
		if s.sw != nil {
			err = s.sw.SetPanes(panes)
		} else {
			err = b.f.SetPanes(name, panes)
		}
		if err != nil {
			return nil, err
		}
		// Print the frozen rows again at the top of every page.
		if err := b.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("%s!$1:$%d", quoteSheet(name), frozen), Scope: name}); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// uniqueName makes name a valid sheet name not yet used in the workbook. "History" is
// taken too: Excel keeps it for its own sheet of changes, and repairs a workbook that
// has one.
func (b *book) uniqueName(name string) string {
	name = sheetName(name)
	base := name
	for i := 2; b.names[strings.ToLower(name)] || strings.EqualFold(name, "History"); i++ {
		suffix := fmt.Sprintf(" (%d)", i)
		name = truncateRunes(base, 31-len(suffix)) + suffix
	}
	b.names[strings.ToLower(name)] = true
	return name
}

// sheetName turns s into a valid Excel sheet name: none of []:*?/\, no apostrophe at
// either end, not empty, at most 31 characters.
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) || r < ' ' {
			return '-'
		}
		return r
	}, s)
	s = strings.Trim(strings.TrimSpace(s), "'")
	s = strings.Trim(truncateRunes(s, 31), " '")
	if s == "" {
		s = "-"
	}
	return s
}

func truncateRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// quoteSheet quotes a sheet name for a cell reference.
func quoteSheet(name string) string { return "'" + strings.ReplaceAll(name, "'", "''") + "'" }

// add writes the next row, starting in column A.
func (s *sheet) add(values ...any) {
	s.addAt(1, values...)
}

// addAt writes the next row, starting in column col.
func (s *sheet) addAt(col int, values ...any) { s.write(col, values) }

// addTall writes the next row at least height points tall, room to write by hand.
func (s *sheet) addTall(height float64, values ...any) { s.write(1, values, height) }

func (s *sheet) write(col int, values []any, height ...float64) {
	s.flush()
	if s.err != nil {
		return
	}
	s.row++
	s.pending = &pendingRow{row: s.row, col: col, values: values}
	if len(height) > 0 {
		s.pending.height = height[0]
	}
}

// flush writes the pending row, as tall as its wrapped texts need, and its merges.
func (s *sheet) flush() {
	p := s.pending
	if p == nil || s.err != nil {
		return
	}
	s.pending = nil
	var opts []excelize.RowOpts
	if h := max(p.height, s.rowHeight(p)); h > 0 {
		opts = append(opts, excelize.RowOpts{Height: h})
	}
	if s.sw == nil {
		s.err = s.setRow(p.row, p.col, p.values, opts...)
	} else {
		cell, err := excelize.CoordinatesToCellName(p.col, p.row)
		if err == nil {
			err = s.sw.SetRow(cell, p.values, opts...)
		}
		s.err = err
	}
	for _, m := range p.merges {
		if s.err != nil {
			return
		}
		a, _ := excelize.CoordinatesToCellName(m[0], p.row)
		z, _ := excelize.CoordinatesToCellName(m[1], p.row)
		if s.sw == nil {
			s.err = s.b.f.MergeCell(s.name, a, z)
		} else {
			s.err = s.sw.MergeCell(a, z)
		}
	}
}

// Row heights. Neither excelize nor Excel fits a row to wrapped text written this way
// (Excel never does for merged cells), so a long statement or comment would show its
// first line only. rowHeight estimates the lines each wrapped text takes in its column
// (or its merged columns) and gives the row room for the longest: a column's width is
// in widths of the digit 0 of the default font (11-point Calibri), and running text
// fits about charsPerWidth characters per unit (bold a little fewer); words wrap whole,
// as Excel wraps them. The estimate errs towards a spare line rather than a cut one.
const (
	lineHeight     = 15.0 // points: a line of 11-point Calibri, Excel's default row height
	maxRowHeight   = 409.0
	charsPerWidth  = 1.1
	boldPerWidth   = 1.0
	defaultColumns = 8.43 // the width of a column given none
)

// rowHeight is the height in points the wrapped texts of row p need, or 0 when they fit
// on one line (the row keeps the default height).
func (s *sheet) rowHeight(p *pendingRow) float64 {
	most := 1
	for i, v := range p.values {
		c, ok := v.(excelize.Cell)
		if !ok {
			continue
		}
		text, ok := c.Value.(string)
		bold, wraps := s.b.wraps[c.StyleID]
		if !ok || !wraps || text == "" {
			continue
		}
		col := p.col + i
		width := s.width(col, col)
		for _, m := range p.merges {
			if m[0] == col {
				width = s.width(m[0], m[1])
			}
		}
		perWidth := charsPerWidth
		if bold {
			perWidth = boldPerWidth
		}
		most = max(most, wrappedLines(text, int(width*perWidth)))
	}
	if most <= 1 {
		return 0
	}
	return min(maxRowHeight, float64(most)*lineHeight)
}

// width is the total width of columns c1 to c2.
func (s *sheet) width(c1, c2 int) float64 {
	total := 0.0
	for c := c1; c <= c2; c++ {
		if c-1 < len(s.widths) && s.widths[c-1] > 0 {
			total += s.widths[c-1]
		} else {
			total += defaultColumns
		}
	}
	return total
}

// wrappedLines counts the lines text takes when wrapped at perLine characters, words
// kept whole unless longer than a line, each line break in text starting a new line.
func wrappedLines(text string, perLine int) int {
	perLine = max(perLine, 1)
	lines := 0
	for _, para := range strings.Split(text, "\n") {
		n, at := 1, 0 // lines of this paragraph, characters on its last line
		for _, word := range strings.Fields(para) {
			w := utf8.RuneCountInString(word)
			if at > 0 && at+1+w <= perLine {
				at += 1 + w
				continue
			}
			if at > 0 {
				n++
			}
			n += (w - 1) / perLine // a word longer than a line breaks where it must
			at = (w-1)%perLine + 1
		}
		lines += n
	}
	return lines
}

// setRow writes a row in normal mode, cell by cell, as the StreamWriter would: a Cell's
// value with its style, nil left empty, a string as a (shared) string.
func (s *sheet) setRow(row, col int, values []any, opts ...excelize.RowOpts) error {
	f := s.b.f
	for i, v := range values {
		if v == nil {
			continue
		}
		ref, err := excelize.CoordinatesToCellName(col+i, row)
		if err != nil {
			return err
		}
		style := 0
		if c, ok := v.(excelize.Cell); ok {
			style, v = c.StyleID, c.Value
		}
		if v != nil {
			if err := f.SetCellValue(s.name, ref, v); err != nil {
				return err
			}
		}
		if style != 0 {
			if err := f.SetCellStyle(s.name, ref, ref, style); err != nil {
				return err
			}
		}
	}
	for _, o := range opts {
		if o.Height > 0 {
			if err := f.SetRowHeight(s.name, row, o.Height); err != nil {
				return err
			}
		}
	}
	return nil
}

// skip leaves an empty row.
func (s *sheet) skip() {
	s.flush()
	s.row++
}

// merge joins the cells from column c1 to c2 of the last row written.
func (s *sheet) merge(c1, c2 int) {
	if s.err != nil {
		return
	}
	if s.pending == nil || s.pending.row != s.row {
		s.err = fmt.Errorf("reports: merge on %s without a row to merge", s.name)
		return
	}
	s.pending.merges = append(s.pending.merges, [2]int{c1, c2})
}

// close sets the sheet's print layout, runs extra (conditional formats, validations,
// charts: all before Flush, see the notes at the top) and ends the stream.
func (s *sheet) close(extra ...func() error) error {
	s.flush()
	if s.err != nil {
		return s.err
	}
	f := s.b.f
	landscape, one, zero := "landscape", 1, 0
	if err := f.SetPageLayout(s.name, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(s.name, &excelize.HeaderFooterOptions{OddHeader: s.b.pageHeader(), OddFooter: s.b.l.T("footer")}); err != nil {
		return err
	}
	for _, x := range extra {
		if err := x(); err != nil {
			return err
		}
	}
	if s.sw == nil {
		return nil
	}
	return s.sw.Flush()
}

// pageHeader is the header of every printed page: the team and round on the left, the
// report's date on the right.
func (b *book) pageHeader() string {
	date := b.now.Format(time.DateOnly)
	if b.heading != "" {
		return "&L" + headerText(b.heading, headerTextMax) + "&R" + date
	}
	a := b.r.Assessment
	if a == nil {
		return "&R" + date
	}
	return b.l.F("header", headerText(a.Team, headerTextMax), a.Round, date)
}

// headerTextMax is the most characters of a person's text a page header takes: doubled
// ampersands or characters outside the BMP take two places each, and Excel allows 255
// in all.
const headerTextMax = 100

// headerText makes a person's text safe in a page header or footer, where "&" starts a
// code (&P is the page number, &"font" a font): each becomes "&&", a literal ampersand,
// once the text is cut to n characters; control characters become spaces.
func headerText(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, truncateRunes(s, n))
	return strings.ReplaceAll(s, "&", "&&")
}

// Cell helpers. Text always goes in as a Go string value: an inline string when
// streamed, a shared string otherwise, never a formula.

func (b *book) text(s string) excelize.Cell   { return excelize.Cell{StyleID: b.st.text, Value: s} }
func (b *book) header(s string) excelize.Cell { return excelize.Cell{StyleID: b.st.header, Value: s} }
func (b *book) bold(s string) excelize.Cell   { return excelize.Cell{StyleID: b.st.heading, Value: s} }
func (b *book) count(n int) excelize.Cell     { return excelize.Cell{StyleID: b.st.count, Value: n} }

// textBox is a bordered text cell of the Action plan; empty when s is.
func (b *book) textBox(s string) excelize.Cell {
	if s == "" {
		return excelize.Cell{StyleID: b.st.textBox}
	}
	return excelize.Cell{StyleID: b.st.textBox, Value: s}
}

// percent stores a whole percentage as a fraction shown with a "0%" format.
func (b *book) percent(p int) excelize.Cell {
	return excelize.Cell{StyleID: b.st.percent, Value: float64(p) / 100}
}

// score is a number shown with one decimal, or an empty cell when there is no score.
// Scores come rounded, once, by the report (see Build); rounding them again here could
// only make a figure differ from the page's.
func (b *book) score(v *float64) any {
	if v == nil {
		return nil
	}
	return excelize.Cell{StyleID: b.st.score, Value: *v}
}

// heatScore is a score of the heatmap: a cell without one says so, hatched.
func (b *book) heatScore(v *float64) any {
	if v == nil {
		return excelize.Cell{StyleID: b.st.noScore, Value: b.l.T("no_score")}
	}
	return b.score(v)
}

func (b *book) band(band string) any {
	if band == "" {
		return nil
	}
	return b.text(b.l.T("band." + band))
}

// bandRules colour score cells by band; the formulas are relative to the range's first
// cell, and leave empty cells (no score) uncoloured.
func (b *book) bandRules(sheet, rangeRef string) error {
	first := strings.ReplaceAll(strings.Split(rangeRef, ":")[0], "$", "")
	rule := func(format int, cond string) excelize.ConditionalFormatOptions {
		return excelize.ConditionalFormatOptions{Type: "formula", Criteria: fmt.Sprintf("AND(ISNUMBER(%s),%s)", first, strings.ReplaceAll(cond, "X", first)), Format: &format, StopIfTrue: true}
	}
	return b.f.SetConditionalFormat(sheet, rangeRef, []excelize.ConditionalFormatOptions{
		rule(b.st.good, fmt.Sprintf("X>=%d", StrengthBand)),
		rule(b.st.neutral, fmt.Sprintf("X>=%d", DevelopingBand)),
		rule(b.st.bad, fmt.Sprintf("X<%d", DevelopingBand)),
	})
}

// Instrument texts in the workbook's language.

func (b *book) pillarTitle(key string) string {
	if p := b.in.Pillar(key); p != nil {
		return p.Title.In(b.l.lang)
	}
	return key
}

func (b *book) themeTitle(key string) string {
	if key == "" {
		return b.l.T("no_theme")
	}
	if th := b.in.Theme(key); th != nil {
		return th.Title.In(b.l.lang)
	}
	return key
}

func (b *book) statement(id string) string {
	if it, _, ok := b.in.Item(id); ok {
		return it.Text.In(b.l.lang)
	}
	return id
}

func (b *book) sectionTitle(pillar, key string) string {
	if p := b.in.Pillar(pillar); p != nil {
		for _, s := range p.Sections {
			if s.Key == key {
				return s.Title.In(b.l.lang)
			}
		}
	}
	return key
}

// pillarSheetName is the sheet name of a pillar: the short label for the pillars ecat
// knows, the instrument's title for any other.
func (b *book) pillarSheetName(key string) string {
	if name := b.l.T("sheet.pillar." + key); name != "sheet.pillar."+key {
		return name
	}
	return b.pillarTitle(key)
}

// shown returns the groups whose results may be shown, in instrument order.
func (b *book) shown() []Group {
	var out []Group
	for _, g := range b.r.Groups {
		if !g.Withheld {
			out = append(out, g)
		}
	}
	return out
}

func (b *book) withheldTitles() []string {
	var out []string
	for _, g := range b.r.Groups {
		if g.Withheld {
			out = append(out, b.pillarTitle(g.Pillar))
		}
	}
	return out
}

// Summary: the assessment, the responses per pillar, the anonymity rule, top strengths
// and opportunities, and how to read the figures.
func (b *book) summary() error {
	l := b.l
	s, err := b.newSheet(l.T("sheet.summary"), []float64{40, 18, 70}, 1)
	if err != nil {
		return err
	}
	a := b.r.Assessment
	s.add(excelize.Cell{StyleID: b.st.title, Value: l.T("summary.heading")})
	s.add(excelize.Cell{StyleID: b.st.note, Value: l.T("indicative")})
	s.merge(1, 3)
	s.skip()
	if a != nil {
		s.add(b.bold(l.T("summary.assessment")), b.text(a.Title))
		s.merge(2, 3)
		s.add(b.bold(l.T("summary.team")), b.text(a.Team))
		s.merge(2, 3)
		s.add(b.bold(l.T("summary.round")), b.count(a.Round))
		s.add(b.bold(l.T("summary.instrument")), b.text(a.InstrumentVersion))
	}
	s.add(b.bold(l.T("summary.date")), excelize.Cell{StyleID: b.st.date, Value: b.now})
	s.skip()

	s.add(b.header(l.T("summary.responses")), b.header(l.T("col.responses")), b.header(l.T("col.in_report")))
	for _, g := range b.r.Groups {
		if g.Withheld {
			// Not even the size of a withheld group is shown.
			s.add(b.text(b.pillarTitle(g.Pillar)), nil, b.text(l.F("summary.withheld_group", b.r.Threshold)))
			continue
		}
		s.add(b.text(b.pillarTitle(g.Pillar)), b.count(g.Submitted), b.text(l.T("summary.shown")))
	}
	s.add(b.bold(l.T("summary.team_total")), excelize.Cell{StyleID: b.st.heading, Value: b.r.Team.Submitted})
	b.participation(s)
	s.skip()
	s.add(b.text(l.F("summary.threshold", b.r.Threshold)))
	s.merge(1, 3)
	if withheld := b.withheldTitles(); len(withheld) > 0 {
		s.add(b.bold(l.F("summary.withheld", l.List(withheld), b.r.Threshold)))
	} else {
		s.add(b.text(l.T("summary.none_withheld")))
	}
	s.merge(1, 3)
	if b.hasTrend() {
		if p := b.r.Previous; p != nil {
			s.add(b.bold(l.F("summary.moved", p.Round, l.T("sheet.trend"))))
		} else {
			s.add(b.bold(l.F("summary.trend", len(b.r.Rounds), l.T("sheet.trend"))))
		}
		s.merge(1, 3)
	}

	named := func(title string, themes []NamedTheme) {
		s.skip()
		s.add(b.header(title), b.header(l.T("col.times_named")), b.header(l.T("col.text")))
		if len(themes) == 0 {
			s.add(b.text(l.T("none")))
		}
		for _, nt := range themes[:min(3, len(themes))] {
			example := ""
			if len(nt.Texts) > 0 {
				example = nt.Texts[0]
			}
			s.add(b.text(b.themeTitle(nt.Theme)), b.count(nt.Count), b.text(example))
		}
	}
	scored := func(title string, themes []ScoreResult) (first, last int) {
		s.skip()
		s.add(b.header(title), b.header(l.T("col.score")), b.header(l.T("col.band")))
		if len(themes) == 0 {
			s.add(b.text(l.T("none")))
		}
		first = s.row + 1
		for _, t := range themes {
			s.add(b.text(b.themeTitle(t.Key)), b.score(t.Score), b.band(t.Band))
		}
		return first, s.row
	}
	named(l.T("summary.top_strengths"), b.r.Strengths)
	hi1, hi2 := scored(l.T("summary.highest"), b.r.HighestThemes)
	named(l.T("summary.top_opportunities"), b.r.Opportunities)
	lo1, lo2 := scored(l.T("summary.lowest"), b.r.LowestThemes)

	s.skip()
	s.add(b.header(l.T("summary.how_to_read")), b.header(""), b.header(""))
	s.merge(1, 3)
	for _, key := range []string{"read.score", "read.bands", "read.percent", "read.unknown", "read.gaps", "indicative"} {
		s.add(b.text(l.T(key)))
		s.merge(1, 3)
	}
	s.skip()
	b.legend(s)
	return s.close(func() error {
		for _, r := range [][2]int{{hi1, hi2}, {lo1, lo2}} {
			if r[1] >= r[0] {
				if err := b.bandRules(s.name, fmt.Sprintf("B%d:B%d", r[0], r[1])); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// legend writes the band colours as a row of three cells.
func (b *book) legend(s *sheet) {
	s.add(excelize.Cell{StyleID: b.st.goodCell, Value: b.l.T("legend.strength")},
		excelize.Cell{StyleID: b.st.neutralCell, Value: b.l.T("legend.developing")},
		excelize.Cell{StyleID: b.st.badCell, Value: b.l.T("legend.opportunity")})
}

// pillarSheets writes one sheet per group that is shown; a withheld group has none.
func (b *book) pillarSheets() error {
	for _, g := range b.shown() {
		if err := b.pillarSheet(g); err != nil {
			return err
		}
	}
	return nil
}

// Columns of a pillar sheet.
const (
	colID = iota + 1
	colStatement
	colSection
	colTheme
	colYes    // counts: Yes, Somewhat, No, Unknown, Unanswered
	colPctYes = colYes + 5
	colScore  = colPctYes + 5
	colBand   = colScore + 1
	// colChartLabel, hidden, names each statement on the chart: its id and the start
	// of its text.
	colChartLabel = colBand + 1
)

// chartLabelMax is the most characters of a statement a chart label takes.
const chartLabelMax = 42

func (b *book) pillarSheet(g Group) error {
	l := b.l
	widths := []float64{7, 60, 22, 26, 9, 10, 9, 10, 10, 9, 10, 9, 10, 10, 8, 15, 50}
	s, err := b.newSmallSheet(b.pillarSheetName(g.Pillar), widths, 2)
	if err != nil {
		return err
	}
	s.add(excelize.Cell{StyleID: b.st.title, Value: l.F("pillar.heading", b.pillarTitle(g.Pillar), g.Submitted)})
	answers := []string{l.T("answer.yes"), l.T("answer.somewhat"), l.T("answer.no"), l.T("answer.unknown"), l.T("answer.unanswered")}
	head := []any{b.header(l.T("col.id")), b.header(l.T("col.statement")), b.header(l.T("col.section")), b.header(l.T("col.theme"))}
	for _, a := range answers {
		head = append(head, b.header(a))
	}
	for _, a := range answers {
		head = append(head, b.header(l.F("pct", a)))
	}
	head = append(head, b.header(l.T("col.score")), b.header(l.T("col.band")), b.header(l.T("col.chart_label")))
	s.add(head...)
	headerRow := s.row
	first := s.row + 1
	for _, ir := range g.Items {
		c, p := ir.Counts, ir.Percent
		s.add(b.text(ir.ID), b.text(b.statement(ir.ID)), b.text(b.sectionTitle(g.Pillar, ir.Section)), b.text(b.themeTitle(ir.Theme)),
			b.count(c.Yes), b.count(c.Somewhat), b.count(c.No), b.count(c.Unknown), b.count(c.Unanswered),
			b.percent(p.Yes), b.percent(p.Somewhat), b.percent(p.No), b.percent(p.Unknown), b.percent(p.Unanswered),
			b.score(ir.Score), b.band(ir.Band), excelize.Cell{StyleID: b.st.muted, Value: b.chartLabel(ir.ID)})
	}
	last := s.row

	// Sections and themes: title in the statement column, score and band beside it.
	table := func(title string, rows []ScoreResult, name func(string) string) (int, int) {
		s.skip()
		s.addAt(colStatement, b.header(title), b.header(l.T("col.score")), b.header(l.T("col.band")))
		a := s.row + 1
		for _, r := range rows {
			s.addAt(colStatement, b.text(name(r.Key)), b.score(r.Score), b.band(r.Band))
		}
		return a, s.row
	}
	tablesTop := s.row + 2
	sec1, sec2 := table(l.T("pillar.sections"), g.Sections, func(k string) string { return b.sectionTitle(g.Pillar, k) })
	th1, th2 := table(l.T("pillar.themes"), g.Themes, b.themeTitle)

	return s.close(func() error {
		if last >= first {
			if err := b.bandRules(s.name, cellRange(colScore, first, colScore, last)); err != nil {
				return err
			}
		}
		for _, r := range [][2]int{{sec1, sec2}, {th1, th2}} {
			if r[1] >= r[0] {
				if err := b.bandRules(s.name, cellRange(colSection, r[0], colSection, r[1])); err != nil {
					return err
				}
			}
		}
		if last < first {
			return nil
		}
		col, _ := excelize.ColumnNumberToName(colChartLabel)
		if err := b.f.SetColVisible(s.name, col, false); err != nil {
			return err
		}
		return b.answerChart(s.name, headerRow, first, last, tablesTop)
	})
}

// chartLabel names a statement on the chart: its id, then its text, cut at a word
// before chartLabelMax characters.
func (b *book) chartLabel(id string) string {
	text := b.statement(id)
	if text == id {
		return id
	}
	if r := []rune(text); len(r) > chartLabelMax {
		cut := string(r[:chartLabelMax])
		if i := strings.LastIndex(cut, " "); i > chartLabelMax/2 {
			cut = cut[:i]
		}
		text = strings.TrimRight(cut, " ,;:.") + "…"
	}
	return id + " · " + text
}

// answerChart adds a 100 % stacked bar per statement: the shares of Yes, Somewhat, No
// and Unknown among the answers (unanswered left out), beside the section and theme
// tables. Each bar is named by its statement's chart label (the hidden column), which
// the chart shows because it plots hidden cells too (plotVisOnly off, excelize's way).
func (b *book) answerChart(name string, headerRow, first, last, top int) error {
	q := quoteSheet(name)
	var series []excelize.ChartSeries
	for i, answer := range AnswerColours {
		col := colYes + i
		series = append(series, excelize.ChartSeries{
			Name:       q + "!" + absCell(col, headerRow),
			Categories: q + "!" + absCell(colChartLabel, first) + ":" + absCell(colChartLabel, last),
			Values:     q + "!" + absCell(col, first) + ":" + absCell(col, last),
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{answer.Hex}},
		})
	}
	at, _ := excelize.CoordinatesToCellName(colYes, top)
	height := uint(120 + 26*(last-first+1))
	gap := uint(40)
	overlap := 100
	vary := false
	return b.f.AddChart(name, at, &excelize.Chart{
		Type:       excelize.BarPercentStacked,
		VaryColors: &vary,
		Series:     series,
		Title:      excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: b.l.T("chart.title"), Font: &excelize.Font{Bold: true, Size: 12}}}},
		Legend:     excelize.ChartLegend{Position: "bottom"},
		XAxis:      excelize.ChartAxis{ReverseOrder: true}, // first statement on top
		YAxis:      excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}},
		Dimension:  excelize.ChartDimension{Width: 760, Height: height},
		Format:     excelize.GraphicOptions{OffsetX: 10, OffsetY: 10},
		GapWidth:   &gap,
		Overlap:    &overlap,
	})
}

func absCell(col, row int) string {
	name, _ := excelize.ColumnNumberToName(col)
	return fmt.Sprintf("$%s$%d", name, row)
}

func cellRange(c1, r1, c2, r2 int) string {
	a, _ := excelize.CoordinatesToCellName(c1, r1)
	z, _ := excelize.CoordinatesToCellName(c2, r2)
	return a + ":" + z
}

// themes is the pillars × themes heatmap with the team column and the widest gap.
func (b *book) themes() error {
	l := b.l
	shown := b.shown()
	widths := []float64{38}
	head := []any{b.header(l.T("col.theme"))}
	for _, g := range shown {
		widths = append(widths, 18)
		head = append(head, b.header(b.pillarTitle(g.Pillar)))
	}
	widths = append(widths, 12, 12, 44)
	head = append(head, b.header(l.T("col.team")), b.header(l.T("col.gap")), b.header(l.T("col.gap_between")))
	if len(widths) < 6 { // room for the gaps table below
		widths = append(widths, make([]float64, 6-len(widths))...)
		for i := range widths {
			widths[i] = max(widths[i], 14)
		}
	}
	s, err := b.newSheet(l.T("sheet.themes"), widths, 2)
	if err != nil {
		return err
	}
	s.add(excelize.Cell{StyleID: b.st.title, Value: l.T("themes.heading")})
	s.add(head...)
	first := s.row + 1
	for _, th := range b.in.Themes {
		row := []any{b.text(b.themeTitle(th.Key))}
		for _, g := range shown {
			row = append(row, b.heatScore(themeScore(g, th.Key)))
		}
		row = append(row, b.heatScore(teamTheme(b.r, th.Key)))
		for _, gap := range b.r.Gaps { // widest first
			if gap.Theme == th.Key {
				// The gap as the report gives it (the difference of two shown scores,
				// rounded once): one decimal, like the page's.
				row = append(row, excelize.Cell{StyleID: b.st.score, Value: gap.Points},
					b.text(l.F("gap.between", b.pillarTitle(gap.PillarA), b.pillarTitle(gap.PillarB))))
				break
			}
		}
		s.add(row...)
	}
	last := s.row
	s.skip()
	s.add(b.text(l.T("themes.hint")))
	s.merge(1, len(shown)+4)
	s.add(b.text(l.T("read.bands")))
	s.merge(1, len(shown)+4)
	b.legend(s)

	s.skip()
	s.add(b.header(l.T("themes.gaps")), b.header(l.T("col.pillar")), b.header(l.T("col.score")), b.header(l.T("col.pillar")), b.header(l.T("col.score")), b.header(l.T("col.points")))
	if len(b.r.Gaps) == 0 {
		s.add(b.text(l.T("none")))
	}
	for _, gap := range b.r.Gaps {
		s.add(b.text(b.themeTitle(gap.Theme)), b.text(b.pillarTitle(gap.PillarA)), b.score(&gap.ScoreA), b.text(b.pillarTitle(gap.PillarB)), b.score(&gap.ScoreB),
			excelize.Cell{StyleID: b.st.score, Value: gap.Points})
	}
	return s.close(func() error {
		return b.bandRules(s.name, cellRange(2, first, len(shown)+2, last))
	})
}

func teamTheme(r *Report, key string) *float64 { return scoreOf(r.Team.Themes, key) }

// named lists the strengths and opportunities verbatim, by theme (most named first),
// then by pillar.
func (b *book) named() error {
	l := b.l
	s, err := b.newSheet(l.T("sheet.named"), []float64{24, 34, 26, 90}, 2)
	if err != nil {
		return err
	}
	s.add(excelize.Cell{StyleID: b.st.title, Value: l.T("named.heading")})
	s.add(b.header(l.T("col.kind")), b.header(l.T("col.theme")), b.header(l.T("col.pillar")), b.header(l.T("col.text")))
	shown := b.shown()
	for _, kind := range []struct {
		label  string
		themes []NamedTheme
		texts  func(Group) []assessment.NamedText
	}{
		{l.T("kind.strength"), b.r.Strengths, func(g Group) []assessment.NamedText { return g.Strengths }},
		{l.T("kind.opportunity"), b.r.Opportunities, func(g Group) []assessment.NamedText { return g.Opportunities }},
	} {
		if len(kind.themes) == 0 {
			s.add(b.bold(kind.label), b.text(l.T("none")))
		}
		for _, nt := range kind.themes {
			theme := l.F("pillar_count", b.themeTitle(nt.Theme), nt.Count)
			for _, g := range shown {
				for _, n := range kind.texts(g) {
					if n.Theme == nt.Theme {
						s.add(b.bold(kind.label), b.text(theme), b.text(b.pillarTitle(g.Pillar)), b.text(n.Text))
					}
				}
			}
		}
	}
	s.skip()
	s.add(excelize.Cell{StyleID: b.st.note, Value: l.T("named.hint")})
	s.merge(1, 4)
	return s.close()
}

// reflections lists the reflection texts under their question, pillar by pillar.
func (b *book) reflections() error {
	l := b.l
	s, err := b.newSheet(l.T("sheet.reflections"), []float64{24, 110}, 2)
	if err != nil {
		return err
	}
	s.add(excelize.Cell{StyleID: b.st.title, Value: l.T("reflections.heading")})
	s.add(b.header(l.T("col.pillar")), b.header(l.T("col.reflection")))
	written := false
	for _, g := range b.shown() {
		p := b.in.Pillar(g.Pillar)
		if p == nil {
			continue
		}
		byPrompt := map[string][]string{}
		for _, f := range g.Reflections {
			byPrompt[f.PromptID] = append(byPrompt[f.PromptID], f.Text)
		}
		title := b.pillarTitle(g.Pillar)
		for _, pr := range p.Reflections {
			texts := byPrompt[pr.ID]
			if len(texts) == 0 {
				continue
			}
			written = true
			s.add(excelize.Cell{StyleID: b.st.header, Value: title}, excelize.Cell{StyleID: b.st.header, Value: pr.Text.In(l.lang)})
			for _, t := range texts {
				s.add(excelize.Cell{StyleID: b.st.muted, Value: title}, b.text(t))
			}
		}
	}
	if !written {
		s.add(b.text(l.T("none")))
	}
	return s.close()
}

// guide is the discussion agenda filled with this team's material: the same Agenda the
// projected discussion view shows (see agenda.go), so both name the same themes,
// statements and gaps in the same order.
func (b *book) guide() error {
	l := b.l
	s, err := b.newSheet(l.T("sheet.guide"), []float64{30, 100, 40}, 2)
	if err != nil {
		return err
	}
	ag := NewAgenda(b.r, b.in)
	s.add(excelize.Cell{StyleID: b.st.title, Value: l.T("guide.heading")})
	s.add(b.header(l.T("col.step")), b.header(l.T("col.discuss")), b.header(l.T("col.notes")))
	box := func() excelize.Cell { return excelize.Cell{StyleID: b.st.textBox} }
	step := func(title, first string) {
		var text any
		if first != "" {
			text = b.text(first)
		}
		s.add(b.bold(title), text, box())
	}
	line := func(text string) { s.add(nil, b.text(text), box()) }
	more := func(n int) {
		if n > 0 {
			line("   " + l.F("guide.more", n))
		}
	}

	// 1. Framing.
	step(l.T("guide.step1"), l.T("guide.framing"))
	var included []string
	for _, pf := range ag.Pillars {
		included = append(included, l.F("pillar_count", b.pillarTitle(pf.Pillar), pf.Submitted))
	}
	line(l.F("guide.responses", l.List(included), ag.Submitted))
	if withheld := b.withheldTitles(); len(withheld) > 0 {
		line(l.F("guide.withheld", l.List(withheld), b.r.Threshold))
	}
	line(l.T("indicative"))

	// 2. Round of insights.
	step(l.T("guide.step2"), l.T("guide.insights"))
	line(l.F("guide.reflections", ag.Reflections, l.T("sheet.reflections")))

	// 3. Strengths and opportunities.
	step(l.T("guide.step3"), "")
	for _, pf := range ag.Pillars {
		line(l.F("guide.top_strength", b.pillarTitle(pf.Pillar), b.describe(pf.Highest, pf.Strength)))
		line(l.F("guide.top_opportunity", b.pillarTitle(pf.Pillar), b.describe(pf.Lowest, pf.Opportunity)))
	}
	line(l.F("guide.common_strengths", b.commonList(ag.CommonStrengths)))
	line(l.F("guide.common_opportunities", b.commonList(ag.CommonOpportunities)))
	line(l.T("guide.contrasts"))
	if len(ag.Contrasts) == 0 {
		line("   " + l.T("none"))
	}
	for _, c := range ag.Contrasts {
		line("• " + l.F("guide.contrast_line", b.pillarTitle(c.Pillar), c.ItemID, b.statement(c.ItemID), c.Yes, c.No))
	}
	more(ag.MoreContrasts)
	line(l.T("guide.gaps"))
	if len(ag.Gaps) == 0 {
		line("   " + l.T("none"))
	}
	for _, g := range ag.Gaps {
		line("• " + l.F("guide.gap_line", b.themeTitle(g.Theme), b.pillarTitle(g.PillarA), l.Num(g.ScoreA), b.pillarTitle(g.PillarB), l.Num(g.ScoreB), l.Num(g.Points)))
	}
	more(ag.MoreGaps)
	line(l.T("guide.unknowns"))
	if len(ag.Hotspots) == 0 {
		line("   " + l.T("none"))
	}
	for _, ir := range ag.Hotspots {
		line("• " + l.F("guide.unknown_line", b.pillarTitle(ir.Pillar), ir.ItemID, b.statement(ir.ItemID), ir.Unknown))
	}
	more(ag.MoreHotspots)

	// 4. Decide.
	step(l.T("guide.step4"), l.F("guide.decide", l.T("sheet.actions")))
	var focus []string
	for _, t := range ag.Focus {
		focus = append(focus, l.F("guide.scored", b.themeTitle(t.Key), l.Num(*t.Score)))
	}
	line(l.F("guide.focus", l.List(focus)))
	return s.close()
}

// describe names a group's highest (or lowest) scoring theme and its most named one.
func (b *book) describe(scored *ScoreResult, named NamedFocus) string {
	var parts []string
	if scored != nil {
		parts = append(parts, b.l.F("guide.scored", b.themeTitle(scored.Key), b.l.Num(*scored.Score)))
	}
	if named.Count > 0 {
		parts = append(parts, b.l.F("guide.named_most", b.l.F("pillar_count", b.themeTitle(named.Theme), named.Count)))
	}
	if len(parts) == 0 {
		return b.l.T("none")
	}
	return strings.Join(parts, "; ")
}

// commonList names the team's most named themes with their counts.
func (b *book) commonList(themes []CommonTheme) string {
	var out []string
	for _, ct := range themes {
		out = append(out, b.l.F("pillar_count", b.themeTitle(ct.Theme), ct.Count))
	}
	return b.l.List(out)
}

// actions is the action plan: the round's actions (Report.Actions), then empty rows to
// fill in at the meeting, with a status drop-down over all of them. A recorded action's
// status is written in the workbook's language, as the drop-down offers it, and its due
// date as a date cell.
func (b *book) actions() error {
	l := b.l
	s, err := b.newSheet(l.T("sheet.actions"), []float64{50, 28, 22, 36, 14, 16}, 2)
	if err != nil {
		return err
	}
	s.add(excelize.Cell{StyleID: b.st.title, Value: l.T("actions.heading")})
	s.add(b.header(l.T("col.action")), b.header(l.T("col.pillar_theme")), b.header(l.T("col.lead")), b.header(l.T("col.support")), b.header(l.T("col.due")), b.header(l.T("col.status")))
	first := s.row + 1
	for _, a := range b.r.Actions {
		var due any = excelize.Cell{StyleID: b.st.dateBox}
		if a.Due != nil {
			due = excelize.Cell{StyleID: b.st.dateBox, Value: calendarDay(*a.Due)}
		}
		s.addTall(36, b.textBox(a.Text), b.textBox(b.actionTarget(a)), b.textBox(a.Lead), b.textBox(a.Support), due, b.textBox(b.statusLabel(a.Status)))
	}
	for range max(actionRows-len(b.r.Actions), actionRowsMin) {
		box := excelize.Cell{StyleID: b.st.textBox}
		s.addTall(36, box, box, box, box, excelize.Cell{StyleID: b.st.dateBox}, box)
	}
	last := s.row
	s.skip()
	s.add(excelize.Cell{StyleID: b.st.note, Value: l.T("actions.note")})
	s.merge(1, 6)
	return s.close(func() error {
		dv := excelize.NewDataValidation(true)
		dv.Sqref = cellRange(6, first, 6, last)
		if err := dv.SetDropList(b.statuses()); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, l.T("col.status"), l.T("actions.status_error"))
		return b.f.AddDataValidation(s.name, dv)
	})
}

// statuses are the action statuses (assessment.ActionStatuses) in the workbook's language.
func (b *book) statuses() []string {
	return []string{b.l.T("status.planned"), b.l.T("status.in_progress"), b.l.T("status.done"), b.l.T("status.dropped")}
}
