package web

import (
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/reports"
)

// The discussion's material beyond the agenda's lists: the team's own reflections for the
// round of insights, and the heatmap as a screen of step 3. Both cover the shown groups
// only: a withheld group has neither a column nor a word here (the framing step names it).

// reflectionCard is one shown group's chosen reflections.
type reflectionCard struct {
	Pillar string
	Quotes []reports.ReflectionQuote
	More   int
}

func (s *Server) reflectionCards(langCode string, rep *reports.Report, in *pillars.Instrument) []reflectionCard {
	var out []reflectionCard
	for _, g := range reports.ChooseReflections(rep) {
		title := g.Pillar
		if p := in.Pillar(g.Pillar); p != nil {
			title = p.Title.In(locale.Lang(langCode))
		}
		out = append(out, reflectionCard{Pillar: title, Quotes: g.Quotes, More: g.More})
	}
	return out
}

// shownHeat is the report's heatmap without the withheld groups' columns: their cells
// would only say "Withheld", which the framing step has said once.
func (s *Server) shownHeat(langCode string, rep *reports.Report, in *pillars.Instrument) ([]string, []heatRow) {
	v := s.reportView(langCode, rep, in)
	var keep []int
	var titles []string
	for i, g := range rep.Groups {
		if !g.Withheld {
			keep = append(keep, i)
			titles = append(titles, v.PillarTitles[i])
		}
	}
	rows := make([]heatRow, 0, len(v.Heat))
	for _, r := range v.Heat {
		cells := make([]heatCell, 0, len(keep))
		for _, i := range keep {
			cells = append(cells, r.Cells[i])
		}
		r.Cells = cells
		rows = append(rows, r)
	}
	return titles, rows
}
