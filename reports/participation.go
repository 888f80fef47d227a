package reports

import "github.com/ecat-project/ecat/assessment"

// participation gives a group the headcount its assessment expects in its pillar, if
// any, and, for a group shown, its response rate: the submitted responses in the report
// as a whole percentage of that headcount. A withheld group gets the headcount alone
// (the facilitator's own number): a rate would tell its size, which is withheld.
func participation(a *assessment.Assessment, g *Group) {
	n, ok := a.ExpectedOf(g.Pillar)
	if !ok {
		return
	}
	g.Expected = &n
	if g.Withheld {
		return
	}
	if rate, ok := assessment.ResponseRate(g.Submitted, n); ok {
		g.ResponseRate = &rate
	}
}

// participation adds the Summary's participation table, when the assessment expects a
// headcount in some pillar: each such pillar's expected headcount and its response rate,
// for a group shown; a withheld group gets its headcount and "withheld" (its rate would
// tell its size).
func (b *book) participation(s *sheet) {
	l := b.l
	var rows [][]any
	for _, g := range b.r.Groups {
		if g.Expected == nil {
			continue
		}
		rate := b.text("—")
		switch {
		case g.Withheld:
			rate = b.text(l.T("summary.rate_withheld"))
		case g.ResponseRate != nil:
			rate = b.text(l.F("summary.rate", *g.ResponseRate, g.Submitted, *g.Expected))
		}
		rows = append(rows, []any{b.text(b.pillarTitle(g.Pillar)), b.count(*g.Expected), rate})
	}
	if len(rows) == 0 {
		return
	}
	s.skip()
	s.add(b.header(l.T("summary.participation")), b.header(l.T("col.expected")), b.header(l.T("col.rate")))
	for _, row := range rows {
		s.add(row...)
	}
}
