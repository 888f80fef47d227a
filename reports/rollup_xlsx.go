package reports

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
)

// The roll-up's workbook: a Summary (the organization's theme scores with the teams per
// band, the pillars, the themes named most, the teams without a closed round), Teams ×
// themes (every team's theme scores, as its own report gives them, and the mean of the
// teams), and one sheet per unit (the same for that unit's teams alone). It is written
// with the team workbook's machinery (xlsx.go): the same styles, band colours and
// hatched "No score" cells, streamed sheets, no formula anywhere (a team or unit name
// goes in as a string, whatever it starts with), and sheet names made valid and unique
// (a unit called "Summary", or two units alike in their first 31 characters, get a
// number). Like the roll-up itself, it holds no respondent's text and nothing of a
// withheld group.

// WriteRollupXLSX writes the roll-up r (narrowed to unit, when not nil) as an Excel
// workbook in the language of p, dated now, to w. in is the current instrument: the
// themes' and pillars' words.
func WriteRollupXLSX(w io.Writer, r *Rollup, in *pillars.Instrument, unit *string, p locale.Printer, now time.Time) (err error) {
	if r == nil || in == nil {
		return errors.New("reports: WriteRollupXLSX needs a roll-up and the instrument")
	}
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	b := &book{f: f, r: &Report{}, in: in, l: labelerFor(p), now: now, names: map[string]bool{}, wraps: map[int]bool{}}
	b.heading = b.l.T("rollup.heading")
	if unit != nil {
		b.heading += " · " + b.unitName(*unit)
	}
	if err := b.newStyles(); err != nil {
		return err
	}
	rb := &rollupBook{book: b, r: r, unit: unit}
	for _, write := range []func() error{rb.summary, rb.teams, rb.units} {
		if err := write(); err != nil {
			return fmt.Errorf("reports: roll-up workbook: %w", err)
		}
	}
	scope := b.l.T("rollup.all_units")
	if unit != nil {
		scope = b.unitName(*unit)
	}
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:          b.l.T("rollup.heading"),
		Subject:        scope,
		Description:    b.l.T("indicative"),
		Keywords:       b.l.T("rollup.keywords"),
		Creator:        "ecat",
		LastModifiedBy: "ecat",
		Language:       string(b.l.lang),
		Created:        now.UTC().Format(time.RFC3339),
		Modified:       now.UTC().Format(time.RFC3339),
	}); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// rollupBook is a roll-up workbook being written.
type rollupBook struct {
	*book
	r    *Rollup
	unit *string
}

// unitName is a unit as the workbook names it: "No unit" for teams without one.
func (b *book) unitName(unit string) string {
	if unit == "" {
		return b.l.T("rollup.no_unit")
	}
	return unit
}

// summary: what was rolled up, the organization's themes and pillars, the named themes
// and the teams without figures.
func (rb *rollupBook) summary() error {
	b, l, r := rb.book, rb.l, rb.r
	s, err := b.newSheet(l.T("sheet.summary"), []float64{40, 16, 16, 16, 16, 16}, 1)
	if err != nil {
		return err
	}
	s.add(excelize.Cell{StyleID: b.st.title, Value: l.T("rollup.heading")})
	s.add(excelize.Cell{StyleID: b.st.note, Value: l.T("indicative")})
	s.merge(1, 6)
	s.skip()
	s.add(b.bold(l.T("summary.date")), excelize.Cell{StyleID: b.st.date, Value: b.now})
	scope := l.T("rollup.all_units")
	if rb.unit != nil {
		scope = b.unitName(*rb.unit)
	}
	s.add(b.bold(l.T("rollup.unit")), b.text(scope))
	s.merge(2, 6)
	s.add(b.bold(l.T("rollup.teams_counted")), b.count(len(r.Teams)))
	s.add(b.bold(l.T("rollup.teams_not_closed")), b.count(len(r.NotClosed)))
	s.skip()
	s.add(b.text(l.T("rollup.how")))
	s.merge(1, 6)
	s.add(b.text(l.T("rollup.withheld")))
	s.merge(1, 6)

	s.skip()
	first, last := rb.themeTable(s, r, l.T("rollup.col_mean"))
	s.skip()
	s.add(b.text(l.T("read.bands")))
	s.merge(1, 6)
	b.legend(s)

	s.skip()
	s.add(b.header(l.T("col.pillar")), b.header(l.T("col.score")), b.header(l.T("rollup.col_teams")))
	pFirst := s.row + 1
	for _, p := range r.Pillars {
		s.add(b.text(b.pillarTitle(p.Pillar)), b.heatScore(p.Score), b.count(p.Teams))
	}
	pLast := s.row
	s.add(b.text(l.T("rollup.pillars_hint")))
	s.merge(1, 6)

	named := func(title string, counts []ThemeCount) {
		s.skip()
		s.add(b.header(title), b.header(l.T("col.times_named")))
		if len(counts) == 0 {
			s.add(b.text(l.T("none")))
		}
		for _, c := range counts {
			s.add(b.text(b.themeTitle(c.Theme)), b.count(c.Count))
		}
	}
	named(l.T("summary.top_strengths"), r.Named.Strengths)
	named(l.T("summary.top_opportunities"), r.Named.Opportunities)
	s.add(b.text(l.T("rollup.named_hint")))
	s.merge(1, 6)

	s.skip()
	rb.notClosed(s, r.NotClosed)
	return s.close(func() error {
		if last >= first {
			if err := b.bandRules(s.name, cellRange(2, first, 2, last)); err != nil {
				return err
			}
		}
		if pLast >= pFirst {
			return b.bandRules(s.name, cellRange(2, pFirst, 2, pLast))
		}
		return nil
	})
}

// themeTable writes the score of each theme of r (headed scoreLabel) with the teams per
// band, and returns the rows of the scores.
func (rb *rollupBook) themeTable(s *sheet, r *Rollup, scoreLabel string) (first, last int) {
	b, l := rb.book, rb.l
	s.add(b.header(l.T("col.theme")), b.header(scoreLabel), b.header(l.T("col.band")),
		b.header(l.T("rollup.col_strength")), b.header(l.T("rollup.col_developing")), b.header(l.T("rollup.col_opportunity")))
	first = s.row + 1
	for _, th := range r.Themes {
		s.add(b.text(b.themeTitle(th.Key)), b.heatScore(th.Score), b.band(th.Band),
			b.count(th.TeamsByBand.Strength), b.count(th.TeamsByBand.Developing), b.count(th.TeamsByBand.Opportunity))
	}
	return first, s.row
}

// teamsTable writes one row per team of r with its theme scores, then the mean of the
// teams (meanLabel), and returns the first and last rows of scores.
func (rb *rollupBook) teamsTable(s *sheet, r *Rollup, meanLabel string) (first, last int) {
	b, l := rb.book, rb.l
	head := []any{b.header(l.T("col.team")), b.header(l.T("rollup.col_unit")), b.header(l.T("col.round")),
		b.header(l.T("rollup.col_closed")), b.header(l.T("rollup.col_responses")), b.header(l.T("rollup.col_withheld"))}
	for _, th := range r.Themes {
		head = append(head, b.header(b.themeTitle(th.Key)))
	}
	s.add(head...)
	first = s.row + 1
	for i := range r.Teams {
		t := &r.Teams[i]
		var closed any
		if t.ClosedAt != nil {
			closed = excelize.Cell{StyleID: b.st.date, Value: *t.ClosedAt}
		}
		withheld := make([]string, 0, len(t.WithheldPillars))
		for _, p := range t.WithheldPillars {
			withheld = append(withheld, b.pillarTitle(p))
		}
		row := []any{b.text(t.Team), b.text(t.Unit), b.count(t.Round), closed, b.count(t.Submitted), b.text(l.List(withheld))}
		for _, th := range r.Themes {
			row = append(row, b.heatScore(t.Theme(th.Key).Score))
		}
		s.add(row...)
	}
	row := []any{b.bold(meanLabel), nil, nil, nil, nil, nil}
	for _, th := range r.Themes {
		row = append(row, b.heatScore(th.Score))
	}
	s.add(row...)
	return first, s.row
}

// teamsWidths are the columns of a teams table with n themes.
func teamsWidths(n int) []float64 {
	widths := []float64{30, 18, 8, 12, 12, 22}
	for range n {
		widths = append(widths, 14)
	}
	return widths
}

// teams: every team's theme scores, and the organization's.
func (rb *rollupBook) teams() error {
	b, l, r := rb.book, rb.l, rb.r
	s, err := b.newSheet(l.T("rollup.sheet_teams"), teamsWidths(len(r.Themes)), 2)
	if err != nil {
		return err
	}
	s.add(excelize.Cell{StyleID: b.st.title, Value: l.T("rollup.teams_heading")})
	first, last := rb.teamsTable(s, r, l.T("rollup.mean_row"))
	s.skip()
	s.add(b.text(l.T("rollup.teams_hint")))
	s.merge(1, 6+len(r.Themes))
	s.add(b.text(l.T("read.bands")))
	s.merge(1, 6+len(r.Themes))
	b.legend(s)
	return s.close(func() error {
		return b.bandRules(s.name, cellRange(7, first, 6+len(r.Themes), last))
	})
}

// units: one sheet per unit, its teams and their mean, the unit's themes with the teams
// per band, and its teams without a closed round.
func (rb *rollupBook) units() error {
	b, l := rb.book, rb.l
	for _, unit := range rb.r.Units() {
		u := rb.r.InUnit(b.in, unit)
		s, err := b.newSheet(b.unitName(unit), teamsWidths(len(u.Themes)), 2)
		if err != nil {
			return err
		}
		s.add(excelize.Cell{StyleID: b.st.title, Value: l.F("rollup.unit_heading", b.unitName(unit))})
		first, last := rb.teamsTable(s, u, l.T("rollup.unit_mean_row"))
		s.skip()
		tFirst, tLast := rb.themeTable(s, u, l.T("rollup.col_unit_mean"))
		s.skip()
		rb.notClosed(s, u.NotClosed)
		err = s.close(func() error {
			if err := b.bandRules(s.name, cellRange(7, first, 6+len(u.Themes), last)); err != nil {
				return err
			}
			if tLast >= tFirst {
				return b.bandRules(s.name, cellRange(2, tFirst, 2, tLast))
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// notClosed lists the teams without a closed round.
func (rb *rollupBook) notClosed(s *sheet, teams []NotClosed) {
	b, l := rb.book, rb.l
	s.add(b.header(l.T("rollup.not_closed_heading")), b.header(l.T("rollup.col_unit")), b.header(l.T("col.round")), b.header(l.T("col.status")))
	if len(teams) == 0 {
		s.add(b.text(l.T("none")))
	}
	for _, t := range teams {
		s.add(b.text(t.Team), b.text(t.Unit), b.count(t.Round), b.text(l.T("status."+string(t.Status))))
	}
}
