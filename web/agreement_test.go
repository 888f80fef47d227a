package web

import (
	"encoding/xml"
	"fmt"
	"html"
	"math"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/reports"
	"github.com/ecat-project/ecat/survey"
)

// One set of numbers: the same responses rendered by the report page, the projected
// discussion view, the workbook and the JSON API show the same figures and make the same
// agenda choices. The figures are checked against an independent computation from the
// answers the test sent: an item's score from its counts, a theme's as the mean of its
// items' exact scores rounded once to one decimal, the band decided on that reported
// value. The seed is built so that rounding item scores first would give a different
// theme score, and so that themes tie, in score and in how often they were named.
func TestEveryViewShowsTheSameNumbers(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("nora@example.org", "Nora Numbers")
	a := e.ownedAssessment(f, "Agreement round")
	token, _ := e.newAPIToken(f, "")
	b := e.signedIn(f)
	sent := e.seedAgreement(a)
	id := strconv.FormatInt(a.ID, 10)

	// The report as the API gives it.
	rec := e.bearer(http.MethodGet, "/api/v1/assessments/"+id+"/report", token, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("report JSON: %d %s", rec.Code, rec.Body)
	}
	var doc reports.Document
	decodeJSON(t, rec.Body.Bytes(), &doc)

	// 1. JSON against the independent computation.
	want := expectedFigures(e.in, sent)
	roundedFirstDiffers := false
	for _, g := range doc.Groups {
		if g.Withheld {
			t.Fatalf("group %s withheld; the seed shows every group", g.Pillar)
		}
		for _, ir := range g.Items {
			checkReported(t, "JSON item "+g.Pillar+" "+ir.ID, ir.Score, ir.Band, want.items[g.Pillar+" "+ir.ID])
		}
		for _, th := range g.Themes {
			exp := want.themes[g.Pillar+" "+th.Key]
			checkReported(t, "JSON theme "+g.Pillar+" "+th.Key, th.Score, th.Band, exp)
			if exp != nil && want.roundedFirst[g.Pillar+" "+th.Key] != round1(*exp) {
				roundedFirstDiffers = true
			}
		}
	}
	for _, th := range doc.Team.Themes {
		checkReported(t, "JSON team theme "+th.Key, th.Score, th.Band, want.themes["team "+th.Key])
	}
	if !roundedFirstDiffers {
		t.Fatal("the seed has no theme whose score differs when item scores are rounded first: it does not test the rule")
	}

	l := locale.English
	words := e.tmpl.Catalog().In(l)
	num := func(f *float64) string {
		if f == nil {
			return "—"
		}
		return words.Num(*f)
	}
	themeTitle := func(key string) string { return e.in.Theme(key).Title.In(l) }
	pillarTitle := func(key string) string { return e.in.Pillar(key).Title.In(l) }

	// 2. The report page: every statement's score and band, every heatmap cell.
	page := b.get("/assessments/" + id + "/report")
	if page.Code != http.StatusOK {
		t.Fatalf("report page: %d", page.Code)
	}
	screen := page.Body.String()
	for _, g := range doc.Groups {
		for _, ir := range g.Items {
			at := strings.Index(screen, `<span class="num">`+ir.ID+`</span>`)
			if at < 0 {
				t.Fatalf("the page has no statement %s", ir.ID)
			}
			m := regexp.MustCompile(`score <strong>([^<]+)</strong>(?: \(([^)]+)\))?`).FindStringSubmatch(screen[at:])
			if m == nil || m[1] != num(ir.Score) || (ir.Band != "" && m[2] != words.T("band."+ir.Band)) {
				t.Errorf("page statement %s shows %q, want %s (%s)", ir.ID, m, num(ir.Score), ir.Band)
			}
		}
	}
	for _, th := range doc.Team.Themes {
		row := regexp.MustCompile(`<tr><th scope="row">` + regexp.QuoteMeta(html.EscapeString(themeTitle(th.Key))) + `</th>(.*?)</tr>`).FindStringSubmatch(screen)
		if row == nil {
			t.Fatalf("no heatmap row for %s", th.Key)
		}
		cells := regexp.MustCompile(`<td class="score ([a-z]*)">([^<]+)</td>`).FindAllStringSubmatch(row[1], -1)
		var wantCells []string
		for _, g := range doc.Groups {
			s := reports.ScoreResult{}
			for _, gt := range g.Themes {
				if gt.Key == th.Key {
					s = gt
				}
			}
			wantCells = append(wantCells, heatWant(words, s))
		}
		wantCells = append(wantCells, heatWant(words, th))
		var got []string
		for _, c := range cells {
			got = append(got, c[1]+" "+c[2])
		}
		if !slices.Equal(got, wantCells) {
			t.Errorf("heatmap %s: %v, want %v", th.Key, got, wantCells)
		}
		wantGap := "—"
		if gap := widestGap(doc, th.Key); gap != nil {
			wantGap = "<strong>" + num(&gap.Points) + "</strong>"
		}
		if !strings.HasSuffix(row[1], "<td>"+wantGap+"</td>") {
			t.Errorf("heatmap %s: gap cell in %s, want %s", th.Key, row[1], wantGap)
		}
	}

	// 3. The agenda, chosen once: check its choices against the tie rule, then find
	// each one, in order, in the discussion view and in the workbook's guide.
	rep, err := e.svcReport(f, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	ag := rep.Agenda()
	checkAgendaChoices(t, e.in, ag, doc, sent)

	discussion := html.UnescapeString(b.get("/assessments/" + id + "/discussion?lang=en").Body.String())
	book := b.get("/assessments/" + id + "/report.xlsx?lang=en")
	if book.Code != http.StatusOK {
		t.Fatalf("workbook: %d", book.Code)
	}
	sheets := readWorkbook(t, book.Body.Bytes())
	guide := strings.Join(column(sheets[words.T("workbook.sheet.guide")], 2), "\n")
	var inDiscussion, inGuide []string
	wb := func(key string, args ...any) string { return fmt.Sprintf(words.T("workbook."+key), args...) }
	for _, pf := range ag.Pillars {
		title := pillarTitle(pf.Pillar)
		describe := func(s *reports.ScoreResult, n reports.NamedFocus) string {
			var parts []string
			if s != nil {
				parts = append(parts, wb("guide.scored", themeTitle(s.Key), num(s.Score)))
			}
			if n.Count > 0 {
				parts = append(parts, wb("guide.named_most", wb("pillar_count", themeTitle(n.Theme), n.Count)))
			}
			return strings.Join(parts, "; ")
		}
		inGuide = append(inGuide,
			wb("guide.top_strength", title, describe(pf.Highest, pf.Strength)),
			wb("guide.top_opportunity", title, describe(pf.Lowest, pf.Opportunity)))
		inDiscussion = append(inDiscussion, "<h4>"+title+"</h4>",
			"<strong>"+themeTitle(pf.Strength.Theme)+"</strong> <span class=\"meta\">"+words.F("discussion.named_by", pf.Strength.Count),
			"<strong>"+themeTitle(pf.Opportunity.Theme)+"</strong> <span class=\"meta\">"+words.F("discussion.named_by", pf.Opportunity.Count),
			"<dd>"+themeTitle(pf.Highest.Key)+" ("+num(pf.Highest.Score)+")</dd>",
			"<dd>"+themeTitle(pf.Lowest.Key)+" ("+num(pf.Lowest.Score)+")</dd>")
	}
	for _, ct := range ag.CommonStrengths {
		inDiscussion = append(inDiscussion, "<strong>"+themeTitle(ct.Theme)+"</strong> <span class=\"meta\">"+words.F("discussion.named_by", ct.Count))
	}
	var common []string
	for _, ct := range ag.CommonStrengths {
		common = append(common, wb("pillar_count", themeTitle(ct.Theme), ct.Count))
	}
	inGuide = append(inGuide, wb("guide.common_strengths", strings.Join(common, ", ")))
	statement := func(id string) string { it, _, _ := e.in.Item(id); return it.Text.In(l) }
	for _, c := range ag.Contrasts {
		inDiscussion = append(inDiscussion, statement(c.ItemID)+" <span class=\"meta\">"+words.F("discussion.contrast_line", pillarTitle(c.Pillar), c.Yes, c.No))
		inGuide = append(inGuide, "• "+wb("guide.contrast_line", pillarTitle(c.Pillar), c.ItemID, statement(c.ItemID), c.Yes, c.No))
	}
	for _, g := range ag.Gaps {
		inDiscussion = append(inDiscussion, "<strong>"+themeTitle(g.Theme)+"</strong> <span class=\"meta\">"+
			words.F("discussion.gap_line", pillarTitle(g.PillarA), num(&g.ScoreA), pillarTitle(g.PillarB), num(&g.ScoreB), num(&g.Points)))
		inGuide = append(inGuide, "• "+wb("guide.gap_line", themeTitle(g.Theme), pillarTitle(g.PillarA), num(&g.ScoreA), pillarTitle(g.PillarB), num(&g.ScoreB), num(&g.Points)))
	}
	for _, h := range ag.Hotspots {
		inDiscussion = append(inDiscussion, statement(h.ItemID)+" <span class=\"meta\">"+words.F("discussion.unknown_line", pillarTitle(h.Pillar), h.Unknown))
		inGuide = append(inGuide, "• "+wb("guide.unknown_line", pillarTitle(h.Pillar), h.ItemID, statement(h.ItemID), h.Unknown))
	}
	var focus []string
	for _, th := range ag.Focus {
		focus = append(focus, themeTitle(th.Key)+" ("+num(th.Score)+")")
	}
	inDiscussion = append(inDiscussion, words.T("discussion.focus")+" "+strings.Join(focus, "; ")+".")
	var guideFocus []string
	for _, th := range ag.Focus {
		guideFocus = append(guideFocus, wb("guide.scored", themeTitle(th.Key), num(th.Score)))
	}
	inGuide = append(inGuide, wb("guide.focus", strings.Join(guideFocus, ", ")))
	if len(ag.Contrasts) == 0 || len(ag.Gaps) == 0 || len(ag.Hotspots) == 0 || len(ag.Focus) == 0 {
		t.Fatalf("the seed gives %d contrasts, %d gaps, %d hotspots, %d focus themes: the test needs some of each",
			len(ag.Contrasts), len(ag.Gaps), len(ag.Hotspots), len(ag.Focus))
	}
	assertInOrder(t, "discussion view", discussion, inDiscussion)
	assertInOrder(t, "workbook guide", guide, inGuide)

	// 4. The workbook's figures: every theme score on the Themes sheet and every
	// statement score on the pillar sheets is the JSON's, as a number.
	themes := sheets[words.T("workbook.sheet.themes")]
	for _, th := range doc.Team.Themes {
		row := rowStarting(themes, themeTitle(th.Key))
		if row == nil {
			t.Fatalf("Themes sheet has no row for %s", th.Key)
		}
		got := row[2 : len(doc.Groups)+3] // after the title: a column per group, then the team
		var wantRow []string
		for _, g := range doc.Groups {
			for _, gt := range g.Themes {
				if gt.Key == th.Key {
					wantRow = append(wantRow, xlsxNum(gt.Score))
				}
			}
		}
		wantRow = append(wantRow, xlsxNum(th.Score))
		if !slices.Equal(got, wantRow) {
			t.Errorf("Themes sheet %s: %v, want %v", th.Key, got, wantRow)
		}
		// The widest gap, as the page shows it: the same number, not rounded again.
		gapCell := ""
		if len(row) > len(doc.Groups)+3 {
			gapCell = row[len(doc.Groups)+3]
		}
		if gap := widestGap(doc, th.Key); gap != nil && gapCell != xlsxNum(&gap.Points) {
			t.Errorf("Themes sheet %s: gap %q, want %s", th.Key, gapCell, xlsxNum(&gap.Points))
		}
	}
	for _, g := range doc.Groups {
		sheet := sheets[words.T("workbook.sheet.pillar."+g.Pillar)]
		for _, ir := range g.Items {
			row := rowStarting(sheet, ir.ID)
			if row == nil || !slices.Contains(row, xlsxNum(ir.Score)) {
				t.Errorf("sheet of %s: statement %s row %v lacks its score %s", g.Pillar, ir.ID, row, xlsxNum(ir.Score))
			}
		}
	}
}

// heatWant is a heatmap cell as the page writes it, class and text: the score and its
// band, or in words that there is none.
func heatWant(words locale.Printer, s reports.ScoreResult) string {
	if s.Score == nil {
		return "gap " + words.T("report.heat_no_score")
	}
	return s.Band + " " + words.Num(*s.Score)
}

// widestGap is the widest gap of a theme (gaps come widest first), or nil.
func widestGap(doc reports.Document, theme string) *reports.Gap {
	for i, g := range doc.Gaps {
		if g.Theme == theme {
			return &doc.Gaps[i]
		}
	}
	return nil
}

// agreementSent is what the agreement seed submitted: per pillar, each response's
// answers and its strength's and opportunity's themes.
type agreementSent struct {
	answers       map[string][]map[string]assessment.Answer
	strengths     map[string][]string
	opportunities map[string][]string
}

// seedAgreement submits three responses per pillar. The answers mix Yes, Somewhat, No
// and Unknown so item scores like 66.7 and 83.3 appear (a theme's mean then depends on
// rounding first or not), every group has statements split between Yes and No and
// statements mostly Unknown, and the pillars see themes differently. Named themes tie
// in each pillar.
func (e *testEnv) seedAgreement(a *assessment.Assessment) agreementSent {
	e.t.Helper()
	sent := agreementSent{answers: map[string][]map[string]assessment.Answer{}, strengths: map[string][]string{}, opportunities: map[string][]string{}}
	patterns := map[string][]string{ // per response: answers of items j = 0, 1, 2, … (cycled)
		pillars.Leadership:      {"ysnuyyss", "ynsuysnn", "ysyuynsy"},
		pillars.Staff:           {"nysuyyyn", "sysunyns", "yyuuysyn"},
		pillars.PatientPartners: {"snnuyysn", "nsnuyyny", "ynnuynsn"},
	}
	letters := map[byte]assessment.Answer{'y': assessment.Yes, 's': assessment.Somewhat, 'n': assessment.No, 'u': assessment.Unknown}
	themes := e.in.Themes
	for _, p := range e.in.Pillars {
		for k, pattern := range patterns[p.Key] {
			answers := map[string]assessment.Answer{}
			for j, it := range p.Items() {
				answers[it.ID] = letters[pattern[(j+k)%len(pattern)]]
			}
			// Strengths: three different themes (a three-way tie); opportunities: the
			// same theme twice (no tie), the third untagged.
			strength := themes[(k*2+len(p.Key))%len(themes)].Key
			opportunity := themes[len(p.Key)%len(themes)].Key
			if k == 2 {
				opportunity = ""
			}
			body := map[string]any{"code": a.Code, "pillar": p.Key, "language": "en", "answers": answers,
				"strength":    map[string]string{"text": fmt.Sprintf("Strength %d of %s", k, p.Key), "theme": strength},
				"opportunity": map[string]string{"text": fmt.Sprintf("Opportunity %d of %s", k, p.Key), "theme": opportunity},
				"submit":      true}
			e.createResponse(body)
			sent.answers[p.Key] = append(sent.answers[p.Key], answers)
			sent.strengths[p.Key] = append(sent.strengths[p.Key], strength)
			sent.opportunities[p.Key] = append(sent.opportunities[p.Key], opportunity)
		}
	}
	return sent
}

// figures are the expected reported scores, keyed "pillar item", "pillar theme" and
// "team theme"; roundedFirst is what a theme would score from rounded item scores.
type figures struct {
	items, themes map[string]*float64
	roundedFirst  map[string]float64
}

func expectedFigures(in *pillars.Instrument, sent agreementSent) figures {
	out := figures{items: map[string]*float64{}, themes: map[string]*float64{}, roundedFirst: map[string]float64{}}
	exactByTheme := map[string][]float64{}
	roundedByTheme := map[string][]float64{}
	for _, p := range in.Pillars {
		for _, it := range p.Items() {
			var yes, some, no int
			for _, r := range sent.answers[p.Key] {
				switch r[it.ID] {
				case assessment.Yes:
					yes++
				case assessment.Somewhat:
					some++
				case assessment.No:
					no++
				}
			}
			if yes+some+no == 0 {
				out.items[p.Key+" "+it.ID] = nil
				continue
			}
			exact := 100 * (float64(yes) + 0.5*float64(some)) / float64(yes+some+no)
			shown := round1(exact)
			out.items[p.Key+" "+it.ID] = &shown
			for _, key := range []string{p.Key + " " + it.Theme, "team " + it.Theme} {
				exactByTheme[key] = append(exactByTheme[key], exact)
				roundedByTheme[key] = append(roundedByTheme[key], shown)
			}
		}
	}
	mean := func(v []float64) float64 {
		sum := 0.0
		for _, x := range v {
			sum += x
		}
		return sum / float64(len(v))
	}
	for key, v := range exactByTheme {
		m := mean(v)
		out.themes[key] = &m // exact; checkReported rounds it
		out.roundedFirst[key] = round1(mean(roundedByTheme[key]))
	}
	for key, v := range out.items {
		if v != nil {
			exact := *v
			out.items[key] = &exact
		}
	}
	return out
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

func band(score float64) string {
	switch {
	case score >= reports.StrengthBand:
		return reports.BandStrength
	case score >= reports.DevelopingBand:
		return reports.BandDeveloping
	}
	return reports.BandOpportunity
}

// checkReported compares a reported score and band with the expected (exact or already
// rounded) value: the score is that value rounded to one decimal, and the band is the
// band of the reported score.
func checkReported(t *testing.T, what string, got *float64, gotBand string, exact *float64) {
	t.Helper()
	switch {
	case exact == nil && got == nil:
	case exact == nil || got == nil:
		t.Errorf("%s: score %v, want %v", what, got, exact)
	case *got != round1(*exact) || gotBand != band(*got):
		t.Errorf("%s: %v (%s), want %v (%s), the mean of exact item scores rounded once", what, *got, gotBand, round1(*exact), band(round1(*exact)))
	}
}

// checkAgendaChoices checks the agenda's choices against the one tie rule, computed
// here from the JSON figures and the themes sent.
func checkAgendaChoices(t *testing.T, in *pillars.Instrument, ag *reports.Agenda, doc reports.Document, sent agreementSent) {
	t.Helper()
	order := map[string]int{}
	for i, th := range in.Themes {
		order[th.Key] = i
	}
	order[""] = len(in.Themes)
	topNamedTheme := func(themes []string) (string, int) {
		counts := map[string]int{}
		for _, th := range themes {
			counts[th]++
		}
		best := ""
		for th, n := range counts {
			if n > counts[best] || n == counts[best] && order[th] < order[best] {
				best = th
			}
		}
		return best, counts[best]
	}
	ties := 0
	for i, g := range doc.Groups {
		pf := ag.Pillars[i]
		if pf.Pillar != g.Pillar {
			t.Fatalf("agenda pillar %d is %s, want %s", i, pf.Pillar, g.Pillar)
		}
		if th, n := topNamedTheme(sent.strengths[g.Pillar]); pf.Strength.Theme != th || pf.Strength.Count != n {
			t.Errorf("%s top strength %s×%d, want %s×%d (most named, ties to the instrument's order)", g.Pillar, pf.Strength.Theme, pf.Strength.Count, th, n)
		} else if n == 1 {
			ties++
		}
		if th, n := topNamedTheme(sent.opportunities[g.Pillar]); pf.Opportunity.Theme != th || pf.Opportunity.Count != n {
			t.Errorf("%s top opportunity %s×%d, want %s×%d", g.Pillar, pf.Opportunity.Theme, pf.Opportunity.Count, th, n)
		}
		var hi, lo *reports.ScoreResult
		for k := range g.Themes { // instrument order: the first of equals wins
			th := &g.Themes[k]
			if th.Score == nil {
				continue
			}
			if hi == nil || *th.Score > *hi.Score {
				hi = th
			}
			if lo == nil || *th.Score < *lo.Score {
				lo = th
			}
		}
		if hi == nil || pf.Highest == nil || pf.Highest.Key != hi.Key || pf.Lowest.Key != lo.Key {
			t.Errorf("%s highest/lowest %+v/%+v, want %s/%s", g.Pillar, pf.Highest, pf.Lowest, hi.Key, lo.Key)
		}
	}
	if ties == 0 {
		t.Error("no pillar's top strength is a tie: the seed does not test the tie rule")
	}
}

// assertInOrder checks text holds every one of wants, in that order.
func assertInOrder(t *testing.T, what, text string, wants []string) {
	t.Helper()
	at := 0
	for _, w := range wants {
		i := strings.Index(text[at:], w)
		if i < 0 {
			if strings.Contains(text, w) {
				t.Errorf("%s shows %q out of order", what, w)
			} else {
				t.Errorf("%s lacks %q", what, w)
			}
			continue
		}
		at += i + len(w)
	}
}

// Reading a workbook as the zip of XML parts it is: excelize stays in reports/.

type xlsxCell struct {
	Ref    string   `xml:"r,attr"`
	Type   string   `xml:"t,attr"`
	Value  string   `xml:"v"`
	Inline string   `xml:"is>t"`
	Runs   []string `xml:"is>r>t"`
}

type xlsxSheet struct {
	Rows []struct {
		N     int        `xml:"r,attr"`
		Cells []xlsxCell `xml:"c"`
	} `xml:"sheetData>row"`
}

// readWorkbook returns every sheet by name as rows of cell texts (numbers as written),
// columns from 1 (index 0 unused).
func readWorkbook(t *testing.T, body []byte) map[string][][]string {
	t.Helper()
	parts := xlsxParts(t, body)
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	var shared struct {
		Items []struct {
			T    string   `xml:"t"`
			Runs []string `xml:"r>t"`
		} `xml:"si"`
	}
	for name, v := range map[string]any{"xl/workbook.xml": &wb, "xl/_rels/workbook.xml.rels": &rels, "xl/sharedStrings.xml": &shared} {
		if raw, ok := parts[name]; ok {
			if err := xml.Unmarshal(raw, v); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
	strs := make([]string, len(shared.Items))
	for i, si := range shared.Items {
		strs[i] = si.T + strings.Join(si.Runs, "")
	}
	out := map[string][][]string{}
	for _, s := range wb.Sheets {
		target := ""
		for _, r := range rels.Rels {
			if r.ID == s.RID {
				target = r.Target
			}
		}
		name := strings.TrimPrefix(target, "/")
		if !strings.HasPrefix(name, "xl/") {
			name = path.Join("xl", target)
		}
		var sheet xlsxSheet
		if err := xml.Unmarshal(parts[name], &sheet); err != nil {
			t.Fatalf("sheet %s (%s): %v", s.Name, name, err)
		}
		var rows [][]string
		for _, row := range sheet.Rows {
			for len(rows) < row.N {
				rows = append(rows, nil)
			}
			var cells []string
			for _, c := range row.Cells {
				col := columnIndex(c.Ref)
				for len(cells) <= col {
					cells = append(cells, "")
				}
				switch c.Type {
				case "s":
					n, _ := strconv.Atoi(c.Value)
					cells[col] = strs[n]
				case "inlineStr":
					cells[col] = c.Inline + strings.Join(c.Runs, "")
				default:
					cells[col] = c.Value
				}
			}
			rows[row.N-1] = cells
		}
		out[s.Name] = rows
	}
	return out
}

func columnIndex(ref string) int {
	n := 0
	for _, r := range ref {
		if r < 'A' || r > 'Z' {
			break
		}
		n = n*26 + int(r-'A'+1)
	}
	return n
}

// column is one column's non-empty cells, top to bottom.
func column(rows [][]string, col int) []string {
	var out []string
	for _, r := range rows {
		if col < len(r) && r[col] != "" {
			out = append(out, r[col])
		}
	}
	return out
}

// rowStarting is the first row whose first cell is first.
func rowStarting(rows [][]string, first string) []string {
	for _, r := range rows {
		if len(r) > 1 && r[1] == first {
			return r
		}
	}
	return nil
}

// xlsxNum is a score as the workbook stores it: a number with at most one decimal.
func xlsxNum(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

// svcReport is the report the use case loads, for its agenda.
func (e *testEnv) svcReport(f *assessment.Facilitator, id int64) (*survey.Report, error) {
	return e.srv.svc.Report(e.t.Context(), f, id, false)
}
