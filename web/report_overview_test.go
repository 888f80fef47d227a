package web

// The report page people would rather look at: the overview first (score cards and the
// themes ranked), then what moved, then the details; the statements sorted by a link or
// by section; the contrasting-experiences and Unknown lists naming the statement and its
// group; identical words shown once with their count; the team's reflections on screen,
// of the shown groups only; every printed page headed with the team and round.

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/reports"
)

var (
	cardRE     = regexp.MustCompile(`(?s)<li class="score-card[^"]*">\s*<h3>(.*?)</h3>(.*?)</li>`)
	rankRowRE  = regexp.MustCompile(`<li><span class="rank-theme">([^<]*)</span> <span class="rank-score">([^< ]*)`)
	sortItemRE = regexp.MustCompile(`<span class="num">([A-Z]-\d+)</span>`)
)

// sectionAt is where a section of the page starts, by its heading's id; -1 when absent.
func sectionAt(body, id string) int { return strings.Index(body, `id="`+id+`"`) }

func TestReportOverviewFirst(t *testing.T) {
	x := newReportFixture(t)
	e := x.e
	doc := decodeReport(t, x.apiReportJSON(t, x.a))
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			body := x.b.get(fmt.Sprintf("/assessments/%d/report?lang=%s", x.a.ID, lang)).Body.String()
			msg := func(key string, args ...any) string {
				return escaped(t, fmt.Sprintf(e.tmpl.Message(lang, key), args...))
			}
			l := locale.Lang(lang)
			num := e.tmpl.Catalog().In(l).Num

			// The picture of the whole first, then the details.
			order := []string{"overview-heading", "st-heading", "heat-heading", "contrast-heading", "unknown-heading", "reflections-heading", "statements-heading"}
			for i, id := range order {
				if at := sectionAt(body, id); at < 0 || i > 0 && at < sectionAt(body, order[i-1]) {
					t.Errorf("section #%s at %d, want it after #%s", id, at, order[max(0, i-1)])
				}
			}
			if !strings.Contains(body, `<link rel="stylesheet" href="/static/report.`) {
				t.Error("the page does not load its stylesheet")
			}
			head := x.a.Team + " · " + fmt.Sprintf(e.tmpl.Message(lang, "assessment.round"), x.a.Round) + " · " + x.a.Title
			if want := `<html lang="` + lang + `" data-print-head="` + html.EscapeString(head) + `">`; !strings.Contains(body, want) {
				t.Errorf("no print heading %s", want)
			}

			// Cards: the team's, then one per group; the withheld one without score or count.
			cards := cardRE.FindAllStringSubmatch(body, -1)
			if len(cards) != 4 {
				t.Fatalf("%d cards, want the team's and three groups'", len(cards))
			}
			o := reports.NewOverview(reportOf(t, x))
			if cards[0][1] != msg("report.col_team") || !strings.Contains(cards[0][2], num(*o.Team.Score)) || !strings.Contains(cards[0][2], msg("report.responses", 7)) {
				t.Errorf("team card %q, want %s and 7 responses", cards[0][0], num(*o.Team.Score))
			}
			for i, g := range o.Groups {
				card := cards[i+1]
				if card[1] != escaped(t, e.in.Pillar(g.Pillar).Title.In(l)) {
					t.Errorf("card %d is %q, want %s", i+1, card[1], g.Pillar)
				}
				if g.Withheld {
					if !strings.Contains(card[0], "withheld-card") || strings.Contains(card[2], "2") || !strings.Contains(card[2], msg("report.card_withheld", 3)) {
						t.Errorf("withheld card %q: want it marked, its rule, and no count", card[0])
					}
					continue
				}
				if !strings.Contains(card[2], `<p class="big-score">`+num(*g.Score.Score)+`</p>`) || !strings.Contains(card[2], msg("report.responses", g.Submitted)) ||
					!strings.Contains(card[2], msg("band."+g.Score.Band)) {
					t.Errorf("%s card %q, want %s (%s), %d responses", g.Pillar, card[2], num(*g.Score.Score), g.Score.Band, g.Submitted)
				}
			}

			// The ranked chart: every theme, the team's score, highest first; the images
			// name every shown group's score and never the withheld group.
			rows := rankRowRE.FindAllStringSubmatch(body, -1)
			if len(rows) != len(e.in.Themes) {
				t.Fatalf("%d ranked rows, want %d", len(rows), len(e.in.Themes))
			}
			for i, rt := range o.Themes {
				if rows[i][1] != escaped(t, e.in.Theme(rt.Key).Title.In(l)) || rows[i][2] != num(*rt.Team.Score) {
					t.Errorf("rank %d: %q %q, want %s %s", i+1, rows[i][1], rows[i][2], rt.Key, num(*rt.Team.Score))
				}
			}
			pp := escaped(t, e.in.Pillar(pillars.PatientPartners).Title.In(l))
			for _, svg := range regexp.MustCompile(`<svg class="rank"[^>]*>`).FindAllString(body, -1) {
				if !strings.Contains(svg, `role="img"`) || strings.Contains(svg, pp) {
					t.Errorf("ranked image %s: want role=img and no word of the withheld group", svg)
				}
			}
			if n := len(doc.Groups); n != 3 {
				t.Fatalf("%d groups", n)
			}
		})
	}
}

// reportOf builds the fixture's report as the page does.
func reportOf(t *testing.T, x *reportFixture) *reports.Report {
	t.Helper()
	rep, err := x.e.svcReport(x.f, x.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return rep.Report
}

// TestReportMovedBeforeDetails: from round 2, what moved comes right after the overview,
// before every detail.
func TestReportMovedBeforeDetails(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("moved@example.org", "Mo")
	token, _ := e.newAPIToken(f, "")
	r1 := e.ownedAssessment(f, "Round one")
	e.submitAs(r1, "staff", 3, "R1", "no")
	e.closeAssessment(r1)
	rec := e.bearer(http.MethodPost, "/api/v1/assessments/"+strconv.FormatInt(r1.ID, 10)+"/reassess", token, nil)
	if rec.Code != http.StatusCreated {
		t.Fatalf("reassess: %d %s", rec.Code, rec.Body)
	}
	var next struct{ ID int64 }
	decodeJSON(t, rec.Body.Bytes(), &next)
	e.submitAs(e.storedAssessment(next.ID), "staff", 3, "R2", "yes")
	body := e.signedIn(f).get("/assessments/" + strconv.FormatInt(next.ID, 10) + "/report").Body.String()
	overview, moved := sectionAt(body, "overview-heading"), sectionAt(body, "moved-heading")
	if overview < 0 || moved < overview {
		t.Fatalf("overview at %d, what moved at %d: want what moved after the overview", overview, moved)
	}
	for _, id := range []string{"st-heading", "heat-heading", "statements-heading"} {
		if at := sectionAt(body, id); at < moved {
			t.Errorf("#%s at %d comes before what moved (%d)", id, at, moved)
		}
	}
}

// TestReportStatementOrders: ?sort= puts each shown group's statements lowest score
// first, most Unknown first or most split first (ties in the checklist's order); without
// it they stay in the checklist's order under their sections, each a <details> open by
// default. The current order is marked; anything else is refused.
func TestReportStatementOrders(t *testing.T) {
	x := newReportFixture(t)
	doc := decodeReport(t, x.apiReportJSON(t, x.a))
	path := fmt.Sprintf("/assessments/%d/report", x.a.ID)
	idsOf := func(body, pillar string) []string {
		t.Helper()
		at := strings.Index(body, `<h3 id="g-`+pillar+`">`)
		if at < 0 {
			t.Fatalf("no statements of %s", pillar)
		}
		part := body[at:]
		if end := strings.Index(part[1:], `<h3 id="g-`); end >= 0 {
			part = part[:end+1]
		}
		var out []string
		for _, m := range sortItemRE.FindAllStringSubmatch(part, -1) {
			out = append(out, m[1])
		}
		return out
	}
	split := func(ir reports.ItemResult) float64 {
		c := ir.Counts
		answered := c.Yes + c.Somewhat + c.No + c.Unknown
		if answered == 0 {
			return 0
		}
		return float64(min(c.Yes, c.No)) / float64(answered)
	}
	orders := map[string]func(a, b reports.ItemResult) bool{
		"": func(a, b reports.ItemResult) bool { return false },
		"score": func(a, b reports.ItemResult) bool {
			return a.Score != nil && (b.Score == nil || *a.Score < *b.Score)
		},
		"unknown":  func(a, b reports.ItemResult) bool { return a.UnknownShare > b.UnknownShare },
		"contrast": func(a, b reports.ItemResult) bool { return split(a) > split(b) },
	}
	for order, less := range orders {
		t.Run("sort="+order, func(t *testing.T) {
			p := path
			if order != "" {
				p += "?sort=" + order
			}
			rec := x.b.get(p)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s: %d", p, rec.Code)
			}
			body := rec.Body.String()
			for _, g := range doc.Groups {
				if g.Withheld {
					continue
				}
				items := slices.Clone(g.Items)
				slices.SortStableFunc(items, func(a, b reports.ItemResult) int {
					switch {
					case less(a, b):
						return -1
					case less(b, a):
						return 1
					}
					return 0
				})
				var want []string
				for _, ir := range items {
					want = append(want, ir.ID)
				}
				if got := idsOf(body, g.Pillar); !slices.Equal(got, want) {
					t.Errorf("%s sorted by %q: %v, want %v", g.Pillar, order, got, want)
				}
			}
			current := regexp.MustCompile(`<a href="([^"]*)" aria-current="true">`).FindAllStringSubmatch(body, -1)
			if len(current) != 1 || order != "" && !strings.Contains(current[0][1], "sort="+order) || order == "" && strings.Contains(current[0][1], "sort=") {
				t.Errorf("current order links %v, want the one of %q", current, order)
			}
			sections := strings.Count(body, `<details class="section"`)
			if order == "" && sections != 8 || order != "" && sections != 0 {
				t.Errorf("%d sections, want 8 (four per shown group) in the checklist's order and none sorted", sections)
			}
			if order == "" && strings.Count(body, `<details class="section" `) != strings.Count(body, "\" open>\n<summary>") {
				t.Error("a section is closed by default")
			}
		})
	}
	for _, bad := range []string{"?sort=", "?sort=name", "?sort=score&sort=unknown", "?sort=SCORE"} {
		if rec := x.b.get(path + bad); rec.Code != http.StatusBadRequest {
			t.Errorf("GET %s%s: %d, want 400", path, bad, rec.Code)
		}
	}
}

// TestReportListsAndTexts: the contrasting-experiences and Unknown lists name the
// statement and its group; the verbatims and reflections show identical words once with
// their count; reflections are there for the shown groups only, as in the workbook, and
// never a withheld group's or a draft's.
func TestReportListsAndTexts(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("texts@example.org", "Tex")
	a := e.ownedAssessment(f, "Texts round")
	lead := e.in.Pillar(pillars.Leadership)
	for k, text := range []string{"More time for huddles.", "more time  for huddles.", "Fewer meetings, more listening."} {
		body := e.completeBody(a.Code, pillars.Leadership)
		body["answers"] = map[string]string{}
		for j, id := range e.itemIDs(pillars.Leadership) {
			body["answers"].(map[string]string)[id] = string([]assessment.Answer{assessment.Yes, assessment.No, assessment.Unknown}[(j+k)%3])
		}
		body["strength"] = map[string]string{"text": "Leaders listen.", "theme": "relationships"}
		body["reflections"] = map[string]string{lead.Reflections[0].ID: text}
		e.createResponse(body)
	}
	for range 2 { // withheld
		body := e.completeBody(a.Code, pillars.Staff)
		body["reflections"] = map[string]string{e.in.Pillar(pillars.Staff).Reflections[0].ID: secretPP + " reflection"}
		e.createResponse(body)
	}
	rec := e.signedIn(f).get("/assessments/" + strconv.FormatInt(a.ID, 10) + "/report")
	if rec.Code != http.StatusOK {
		t.Fatalf("report: %d", rec.Code)
	}
	body := rec.Body.String()
	if strings.Contains(body, secretPP) {
		t.Error("the page shows a withheld group's reflection")
	}
	msg := func(key string, args ...any) string {
		return escaped(t, fmt.Sprintf(e.tmpl.Message("en", key), args...))
	}

	// Identical words once, with their count: the strength, and the reflection.
	if !strings.Contains(body, "<li>Leaders listen. <span class=\"same\">"+msg("report.written_by", 3)+"</span></li>") {
		t.Error("the strength three people wrote is not shown once with its count")
	}
	refl := body[sectionAt(body, "reflections-heading"):sectionAt(body, "statements-heading")]
	for _, want := range []string{escaped(t, lead.Reflections[0].Text.In(locale.English)),
		"<li>More time for huddles. <span class=\"same\">" + msg("report.written_by", 2) + "</span></li>",
		"<li>Fewer meetings, more listening.</li>"} {
		if !strings.Contains(refl, want) {
			t.Errorf("reflections lack %q:\n%s", want, refl)
		}
	}
	if strings.Contains(refl, escaped(t, e.in.Pillar(pillars.Staff).Title.In(locale.English))) {
		t.Error("the reflections name the withheld group")
	}

	// The lists name each statement, its group and its id.
	leadTitle := escaped(t, lead.Title.In(locale.English))
	for _, id := range []string{"contrast-heading", "unknown-heading"} {
		at := sectionAt(body, id)
		list := body[at : at+strings.Index(body[at:], "</section>")]
		items := regexp.MustCompile(`<li>([^<]+) <span class="meta">([^<]*)<span class="nowrap">([A-Z]-\d+)</span>`).FindAllStringSubmatch(list, -1)
		if len(items) == 0 {
			t.Fatalf("#%s lists nothing: %s", id, list)
		}
		for _, it := range items {
			item, _, ok := e.in.Item(it[3])
			if !ok || strings.TrimSpace(it[1]) != escaped(t, item.Text.In(locale.English)) || it[2] != leadTitle+" · " {
				t.Errorf("#%s: %q, want statement %s named, with its group", id, it[0], it[3])
			}
		}
	}
}
