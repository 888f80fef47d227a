package reports

import (
	"slices"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ecat-project/ecat/assessment"
)

// The Trend sheet and the filled action plan.
//
// The Trend sheet is there when the report has a previous round to compare with
// (Report.Previous) or two rounds or more to draw (Report.Rounds). From the top:
//
//   - "What moved" (with Previous): the team's theme scores in the previous round and
//     this one and the change, over the pillar groups shown in both rounds only (see
//     Compare), then one change column per such group; the groups left out are named.
//     Below it, the responses per group in both rounds and the actions agreed last time
//     with their status now. It sits here rather than on the Summary, whose three columns
//     it would widen; the Summary has one line pointing to it.
//   - The trend (with Rounds): one row per round with the team's theme scores as that
//     round's report gave them (over the groups shown in that round, named in the last
//     column), and a line chart of them; then one table per pillar group shown in at
//     least one round, where a round in which the group was withheld has no figures.
//     A group withheld in every round has no table.
//
// Every figure on the sheet is one a round's own report shows, or a difference of two
// such figures over the same groups: nothing of a withheld group goes in. Facilitator
// texts (action text, lead) go in as strings like every other text.

// Trend sheet columns: labels, then two or three figures, then the themes.
const (
	trendLabel = 1 // round, theme, pillar or action
	trendDate  = 2 // date; the previous score in What moved; the lead of an action
	trendCount = 3 // responses; the current score in What moved; an action's due date
	trendFirst = 4 // first theme; the change in What moved; an action's status
)

// trendChartRows is the room left under the team table for the line chart.
const trendChartRows = 22

// Line colours of the trend chart (Okabe–Ito, distinguishable with colour-vision
// deficiencies) and marker shapes, so lines differ in print as well.
var (
	trendColours = []string{"0072B2", "D55E00", "009E73", "CC79A7", "E69F00", "56B4E9", "000000", "8C6D1F"}
	trendMarkers = []string{"circle", "square", "diamond", "triangle", "x", "star", "plus", "dash"}
)

// hasTrend reports whether the workbook gets a Trend sheet.
func (b *book) hasTrend() bool { return b.r.Previous != nil || len(b.r.Rounds) >= 2 }

func (b *book) trend() error {
	if !b.hasTrend() {
		return nil
	}
	l := b.l
	keys := b.trendThemes()
	widths := []float64{40, 14, 14}
	for range max(len(keys), 4) {
		widths = append(widths, 16)
	}
	widths = append(widths, 40)
	s, err := b.newSmallSheet(l.T("sheet.trend"), widths, 1)
	if err != nil {
		return err
	}
	lastCol := len(widths)
	s.add(excelize.Cell{StyleID: b.st.title, Value: l.T("trend.heading")})
	s.add(excelize.Cell{StyleID: b.st.note, Value: l.T("indicative")})
	s.merge(1, lastCol)

	var scored []string // score ranges to colour by band
	if p := b.r.Previous; p != nil {
		scored = append(scored, b.whatMoved(s, p, lastCol)...)
	}
	var chart func() error
	if len(b.r.Rounds) >= 2 {
		var ranges []string
		ranges, chart = b.roundsTables(s, keys, lastCol)
		scored = append(scored, ranges...)
	}
	s.skip()
	b.legend(s)
	return s.close(func() error {
		for _, ref := range scored {
			if err := b.bandRules(s.name, ref); err != nil {
				return err
			}
		}
		if chart != nil {
			return chart()
		}
		return nil
	})
}

// whatMoved writes the comparison with the previous round and returns its score ranges.
func (b *book) whatMoved(s *sheet, p *Comparison, lastCol int) []string {
	l := b.l
	var compared []GroupChange
	var comparedTitles, leftOut []string
	for _, g := range p.Groups {
		if g.Comparable {
			compared = append(compared, g)
			comparedTitles = append(comparedTitles, b.pillarTitle(g.Pillar))
		} else {
			leftOut = append(leftOut, b.pillarTitle(g.Pillar))
		}
	}
	s.skip()
	head := []any{b.header(l.F("moved.heading", p.Round)), b.header(l.F("trend.round", p.Round)), b.header(l.T("moved.this_round")), b.header(l.T("moved.change"))}
	for _, g := range compared {
		head = append(head, b.header(l.F("moved.pillar_change", b.pillarTitle(g.Pillar))))
	}
	s.add(head...)
	var ranges []string
	if len(compared) == 0 {
		s.add(b.text(l.T("moved.no_common")))
		s.merge(1, lastCol)
	} else {
		s.add(excelize.Cell{StyleID: b.st.muted, Value: l.F("moved.team_over", l.List(comparedTitles))})
		s.merge(1, lastCol)
		first := s.row + 1
		for _, t := range p.Team.Themes {
			row := []any{b.text(b.themeTitle(t.Key)), b.score(t.PreviousScore), b.score(t.Score), b.change(t.Change)}
			for _, g := range compared {
				row = append(row, b.change(changeOf(g.Themes, t.Key)))
			}
			s.add(row...)
		}
		if s.row >= first {
			ranges = append(ranges, cellRange(trendDate, first, trendCount, s.row))
		}
	}
	if len(leftOut) > 0 {
		s.add(b.text(l.F("moved.left_out", l.List(leftOut))))
		s.merge(1, lastCol)
	}

	// Responses per group in both rounds; a withheld group's count is not shown.
	s.skip()
	s.add(b.header(l.T("col.pillar")), b.header(l.F("trend.round", p.Round)), b.header(l.T("moved.this_round")), b.header(l.T("moved.compared")))
	count := func(n int, withheld bool) any {
		if withheld {
			return excelize.Cell{StyleID: b.st.muted, Value: l.T("moved.withheld")}
		}
		return b.count(n)
	}
	for _, g := range p.Groups {
		state := l.T("moved.yes")
		if !g.Comparable {
			state = l.T("moved.no")
		}
		s.add(b.text(b.pillarTitle(g.Pillar)), count(g.PreviousSubmitted, g.PreviousWithheld), count(g.Submitted, g.Withheld), b.text(state))
	}

	// The actions agreed last time, as they stand now.
	s.skip()
	s.add(b.header(l.F("moved.actions", p.Round)), b.header(l.T("col.lead")), b.header(l.T("col.due")), b.header(l.T("col.status")))
	if len(p.Actions) == 0 {
		s.add(b.text(l.T("none")))
	}
	for _, a := range p.Actions {
		var due any
		if a.Due != nil {
			if d, err := time.Parse(assessment.ActionDateLayout, *a.Due); err == nil {
				due = b.date(d)
			}
		}
		s.add(b.text(a.Text), b.text(a.Lead), due, b.text(b.statusLabel(a.Status)))
	}
	return ranges
}

// roundsTables writes the team's theme scores per round and a table per pillar group,
// and returns their score ranges and the function adding the line chart (run before
// the sheet is closed).
func (b *book) roundsTables(s *sheet, keys []string, lastCol int) ([]string, func() error) {
	l := b.l
	rounds := b.r.Rounds
	header := func(first string, last string) {
		row := []any{b.header(first), b.header(l.T("col.date")), b.header(l.T("col.responses"))}
		for _, k := range keys {
			row = append(row, b.header(b.themeTitle(k)))
		}
		for len(row) < lastCol-1 {
			row = append(row, b.header(""))
		}
		s.add(append(row, b.header(last))...)
	}
	scores := func(row []any, themes []ScoreResult) []any {
		for _, k := range keys {
			row = append(row, b.score(scoreOf(themes, k)))
		}
		for len(row) < lastCol-1 {
			row = append(row, nil)
		}
		return row
	}

	s.skip()
	s.add(excelize.Cell{StyleID: b.st.heading, Value: l.F("trend.team_heading", len(rounds))})
	header(l.T("col.round"), l.T("trend.groups_shown"))
	headerRow, first := s.row, s.row+1
	for _, rs := range rounds {
		var shown []string
		for _, p := range rs.IncludedPillars {
			shown = append(shown, b.pillarTitle(p))
		}
		s.add(append(scores([]any{b.text(l.F("trend.round", rs.Round)), b.date(rs.Date()), b.count(rs.Submitted)}, rs.Themes), b.text(l.List(shown)))...)
	}
	last := s.row
	ranges := []string{cellRange(trendFirst, first, trendFirst+len(keys)-1, last)}
	s.addTall(32, excelize.Cell{StyleID: b.st.note, Value: l.T("trend.note")}) // two lines, merged cells do not grow
	s.merge(1, lastCol)
	chartTop := s.row + 2
	s.row += trendChartRows

	for _, pillar := range b.trendPillars() {
		s.skip()
		header(b.pillarTitle(pillar), l.T("col.in_report"))
		top := s.row + 1
		for _, rs := range rounds {
			label := []any{b.text(l.F("trend.round", rs.Round)), b.date(rs.Date())}
			g, ok := rs.group(pillar)
			switch {
			case !ok:
				s.add(append(scores(append(label, nil), nil), excelize.Cell{StyleID: b.st.muted, Value: l.T("trend.not_in_round")})...)
			case g.Withheld:
				// Not even the size of a withheld group is shown.
				s.add(append(scores(append(label, nil), nil), excelize.Cell{StyleID: b.st.muted, Value: l.F("summary.withheld_group", rs.Threshold)})...)
			default:
				s.add(append(scores(append(label, b.count(g.Submitted)), g.Themes), b.text(l.T("summary.shown")))...)
			}
		}
		ranges = append(ranges, cellRange(trendFirst, top, trendFirst+len(keys)-1, s.row))
	}
	return ranges, func() error { return b.trendChart(s.name, keys, headerRow, first, last, chartTop) }
}

// trendChart draws the team's theme scores across rounds, one line per theme.
func (b *book) trendChart(name string, keys []string, headerRow, first, last, top int) error {
	q := quoteSheet(name)
	var series []excelize.ChartSeries
	for i := range keys {
		col := trendFirst + i
		colour := trendColours[i%len(trendColours)]
		series = append(series, excelize.ChartSeries{
			Name:       q + "!" + absCell(col, headerRow),
			Categories: q + "!" + absCell(trendLabel, first) + ":" + absCell(trendLabel, last),
			Values:     q + "!" + absCell(col, first) + ":" + absCell(col, last),
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colour}},
			Line:       excelize.LineOptions{Width: 2.25},
			Marker: excelize.ChartMarker{Symbol: trendMarkers[i%len(trendMarkers)], Size: 7,
				Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colour}}},
		})
	}
	at, _ := excelize.CoordinatesToCellName(trendLabel, top)
	lo, hi := 0.0, 100.0
	return b.f.AddChart(name, at, &excelize.Chart{
		Type:         excelize.Line,
		Series:       series,
		Title:        excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: b.l.T("trend.chart"), Font: &excelize.Font{Bold: true, Size: 12}}}},
		Legend:       excelize.ChartLegend{Position: "right"},
		YAxis:        excelize.ChartAxis{MajorGridLines: true, Minimum: &lo, Maximum: &hi, MajorUnit: 25},
		ShowBlanksAs: "gap", // a round without a score breaks the line rather than dropping to 0
		Dimension:    excelize.ChartDimension{Width: 860, Height: 360},
		Format:       excelize.GraphicOptions{OffsetX: 4, OffsetY: 4},
	})
}

// trendThemes lists the themes of the trend: the instrument's, then any other a round
// or the comparison scored (rounds answered on another instrument version).
func (b *book) trendThemes() []string {
	var keys []string
	add := func(k string) {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	for _, th := range b.in.Themes {
		add(th.Key)
	}
	for _, rs := range b.r.Rounds {
		for _, t := range rs.Themes {
			add(t.Key)
		}
	}
	if p := b.r.Previous; p != nil {
		for _, t := range p.Team.Themes {
			add(t.Key)
		}
	}
	return keys
}

// trendPillars lists the pillars shown in at least one round: the instrument's order,
// then others.
func (b *book) trendPillars() []string {
	shown := map[string]bool{}
	var other []string
	for _, rs := range b.r.Rounds {
		for _, g := range rs.Groups {
			if !g.Withheld && !shown[g.Pillar] {
				shown[g.Pillar] = true
				if b.in.Pillar(g.Pillar) == nil {
					other = append(other, g.Pillar)
				}
			}
		}
	}
	var out []string
	for _, p := range b.in.Pillars {
		if shown[p.Key] {
			out = append(out, p.Key)
		}
	}
	return append(out, other...)
}

func changeOf(changes []ScoreChange, key string) *float64 {
	for _, c := range changes {
		if c.Key == key {
			return c.Change
		}
	}
	return nil
}

// change is a change in points with its sign, or an empty cell.
func (b *book) change(v *float64) any {
	if v == nil {
		return nil
	}
	return excelize.Cell{StyleID: b.st.change, Value: round1(*v)}
}

// date is the day of an instant (in UTC) as a date cell, or an empty cell for the zero
// time.
func (b *book) date(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return excelize.Cell{StyleID: b.st.date, Value: calendarDay(t.UTC())}
}

// calendarDay is t's date at midnight UTC: a date cell holds a whole day, whatever
// location t is in.
func calendarDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// statusLabel is an action status in the workbook's language, as the Action plan's
// drop-down offers it; an unknown status is written as it is.
func (b *book) statusLabel(status string) string {
	if !slices.Contains(assessment.ActionStatuses, status) {
		return status
	}
	return b.l.T("status." + status)
}

// actionTarget is what an action strengthens: its pillar and/or theme.
func (b *book) actionTarget(a assessment.Action) string {
	switch {
	case a.Pillar != "" && a.Theme != "":
		return b.pillarTitle(a.Pillar) + " / " + b.themeTitle(a.Theme)
	case a.Pillar != "":
		return b.pillarTitle(a.Pillar)
	case a.Theme != "":
		return b.themeTitle(a.Theme)
	}
	return ""
}
