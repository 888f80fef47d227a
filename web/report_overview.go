package web

import (
	"cmp"
	"html/template"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/reports"
)

// The report's first screen and the ways to scan its statements: the overview (a score
// card per group and for the team, and the themes ranked by the team's score, drawn as
// server-side SVG from reports.Overview), the statements sorted by a link (?sort=, so it
// works without JavaScript) or in the checklist's order by section (each section a
// <details> that can be closed), and the team's reflections, as the workbook lists them.

// scoreCard is one card of the overview.
type scoreCard struct {
	Title    string
	Team     bool
	Withheld bool
	Score    string
	Band     string // the band's key, for its colour; "" for none
	BandText string
	// Submitted counts the card's responses (0 and unsaid for a withheld group).
	Submitted int
}

// rankRow is one theme of the ranked chart: its name and the team's score as text, the
// picture beside them.
type rankRow struct {
	Theme, Score, Band, BandText string
	Chart                        template.HTML
}

// rankKey is one entry of the chart's legend.
type rankKey struct {
	Title string
	Mark  template.HTML // decorative: the words say it
	Kind  string        // "team", "group" or "limit"
}

type overviewView struct {
	Cards  []scoreCard
	Rows   []rankRow
	Legend []rankKey
}

// overviewView lays reports.Overview out: cards, then the ranked rows with their images.
func (s *Server) overviewView(langCode string, rep *reports.Report, in *pillars.Instrument) *overviewView {
	lang := locale.Lang(langCode)
	msg := func(key string) string { return s.tmpl.Message(langCode, key) }
	score := s.scoreFormatter(langCode)
	bandText := func(b string) string {
		if b == "" {
			return ""
		}
		return msg("band." + b)
	}
	pillarTitle := func(key string) string {
		if p := in.Pillar(key); p != nil {
			return p.Title.In(lang)
		}
		return key
	}
	o := reports.NewOverview(rep)
	v := &overviewView{}
	v.Cards = append(v.Cards, scoreCard{Title: msg("report.col_team"), Team: true, Score: score(o.Team.Score),
		Band: o.Team.Band, BandText: bandText(o.Team.Band), Submitted: o.Submitted})
	for _, g := range o.Groups {
		c := scoreCard{Title: pillarTitle(g.Pillar), Withheld: g.Withheld}
		if !g.Withheld {
			c.Score, c.Band, c.BandText, c.Submitted = score(g.Score.Score), g.Score.Band, bandText(g.Score.Band), g.Submitted
		}
		v.Cards = append(v.Cards, c)
	}

	// The legend: the team's bar, a shape per shown group, the band limits.
	v.Legend = append(v.Legend, rankKey{Title: msg("report.col_team"), Kind: "team"})
	shape := func(i int) string { return reports.MarkerShapes[i%len(reports.MarkerShapes)] }
	for i, g := range o.Groups {
		if !g.Withheld {
			v.Legend = append(v.Legend, rankKey{Title: pillarTitle(g.Pillar), Mark: template.HTML(reports.MarkerSVG(shape(i))), Kind: "group"})
		}
	}
	v.Legend = append(v.Legend, rankKey{Title: msg("report.rank_limits"), Kind: "limit"})

	themeTitle := func(key string) string {
		if th := in.Theme(key); th != nil {
			return th.Title.In(lang)
		}
		return msg("report.no_theme")
	}
	for _, rt := range o.Themes {
		row := rankRow{Theme: themeTitle(rt.Key), Score: score(rt.Team.Score), Band: rt.Team.Band, BandText: bandText(rt.Team.Band)}
		// The image's name says every figure it draws: the team's, then each shown group's.
		parts := []string{msg("report.col_team") + " " + score(rt.Team.Score)}
		var marks []reports.Marker
		for i, g := range o.Groups {
			if g.Withheld {
				continue
			}
			gs := rt.Groups[i]
			parts = append(parts, pillarTitle(g.Pillar)+" "+score(gs.Score))
			marks = append(marks, reports.Marker{Score: gs.Score, Shape: shape(i)})
		}
		name := row.Theme + ": " + strings.Join(parts, "; ")
		row.Chart = template.HTML(reports.RankRowSVG(name, rt.Team.Score, rt.Team.Band, marks))
		v.Rows = append(v.Rows, row)
	}
	return v
}

// Orders of the statements (?sort=): the checklist's by default.
const (
	sortChecklist = ""
	sortScore     = "score"    // lowest score first, unscored last
	sortUnknown   = "unknown"  // largest share of Unknown first
	sortContrast  = "contrast" // most evenly split between Yes and No first
)

var statementSorts = []string{sortChecklist, sortScore, sortUnknown, sortContrast}

// querySort reads ?sort=: absent or one of the orders; anything else is 422 on "sort".
func querySort(c echo.Context) (string, error) {
	verr := &assessment.ValidationError{}
	v, ok := queryValue(c, "sort", verr)
	if ok && (v == "" || !slices.Contains(statementSorts, v)) {
		verr.Add("sort", assessment.CodeInvalid)
	}
	if err := verr.OrNil(); err != nil {
		return "", err
	}
	return v, nil
}

// sortLink is one choice of order above the statements.
type sortLink struct {
	Label, URL string
	Current    bool
}

// sortLinks are the orders as links to this page, keeping its language; the fragment
// brings the reader back to the statements.
func (s *Server) sortLinks(langCode string, id int64, current string) []sortLink {
	var out []sortLink
	for _, key := range statementSorts {
		u := "/assessments/" + strconv.FormatInt(id, 10) + "/report?"
		if key != "" {
			u += "sort=" + key + "&"
		}
		u += "lang=" + langCode + "#statements"
		label := "report.sort_checklist"
		if key != "" {
			label = "report.sort_" + key
		}
		out = append(out, sortLink{Label: s.tmpl.Message(langCode, label), URL: u, Current: key == current})
	}
	return out
}

// sortStatements puts every shown group's statements in the order asked for; ties keep
// the checklist's order. The checklist's order keeps them under their sections.
func sortStatements(v *reportView, order string) {
	v.Sort = order
	if order == sortChecklist {
		return
	}
	for i := range v.Groups {
		items := slices.Clone(v.Groups[i].Items)
		slices.SortStableFunc(items, func(a, b reportItemView) int {
			switch order {
			case sortScore:
				switch {
				case a.score == nil && b.score == nil:
					return 0
				case a.score == nil:
					return 1
				case b.score == nil:
					return -1
				}
				return cmp.Compare(*a.score, *b.score)
			case sortUnknown:
				return cmp.Compare(b.unknown, a.unknown)
			}
			return cmp.Compare(b.split, a.split)
		})
		v.Groups[i].Sorted = items
	}
}

// sectionsOf groups a group's statements under the checklist's sections, each with the
// section's score as the report gives it.
func (s *Server) sectionsOf(langCode string, g reports.Group, items []reportItemView, in *pillars.Instrument) []reportSectionView {
	p := in.Pillar(g.Pillar)
	if p == nil {
		return nil
	}
	score := s.scoreFormatter(langCode)
	var out []reportSectionView
	for _, sec := range p.Sections {
		sv := reportSectionView{Key: g.Pillar + "-" + sec.Key, Title: sec.Title.In(locale.Lang(langCode))}
		for _, sr := range g.Sections {
			if sr.Key == sec.Key {
				sv.Score, sv.Band = score(sr.Score), sr.Band
				if sr.Band != "" {
					sv.BandText = s.tmpl.Message(langCode, "band."+sr.Band)
				}
			}
		}
		for _, it := range items {
			if it.section == sec.Key {
				sv.Items = append(sv.Items, it)
			}
		}
		out = append(out, sv)
	}
	return out
}

// reflectionGroup is one shown group's reflections, under their questions.
type reflectionGroup struct {
	Title   string
	Prompts []reflectionPrompt
}

type reflectionPrompt struct {
	Question string
	Texts    []reports.TextCount
}

// reflectionsView lists the reflections as the workbook's Reflections sheet does: the
// shown groups only, question by question in the checklist's order, questions nobody
// answered left out; identical texts once, with how many wrote them.
func reflectionsView(langCode string, rep *reports.Report, in *pillars.Instrument) []reflectionGroup {
	lang := locale.Lang(langCode)
	var out []reflectionGroup
	for _, g := range rep.Groups {
		p := in.Pillar(g.Pillar)
		if g.Withheld || p == nil {
			continue
		}
		byPrompt := map[string][]string{}
		for _, f := range g.Reflections {
			byPrompt[f.PromptID] = append(byPrompt[f.PromptID], f.Text)
		}
		rg := reflectionGroup{Title: p.Title.In(lang)}
		for _, pr := range p.Reflections {
			if texts := byPrompt[pr.ID]; len(texts) > 0 {
				rg.Prompts = append(rg.Prompts, reflectionPrompt{Question: pr.Text.In(lang), Texts: reports.GroupTexts(texts)})
			}
		}
		if len(rg.Prompts) > 0 {
			out = append(out, rg)
		}
	}
	return out
}
