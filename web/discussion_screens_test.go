package web

// The projected discussion's extra screens: the team's own reflections in the round of
// insights (a few per shown group, never a withheld group's or a draft's) and the
// heatmap of the shown groups as a screen of step 3.

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/reports"
)

func TestDiscussionReflectionsAndHeatmap(t *testing.T) {
	x := newReportFixture(t)
	e := x.e
	l := locale.English
	body := x.b.get(discussionPath(x.a, "discussion")).Body.String()
	steps := discussionSteps(t, body)
	msg := func(key string) string { return escaped(t, e.tmpl.Message("en", key)) }

	// Step 2: a screen of questions, then one of what the shown groups wrote.
	two := steps[2]
	for _, want := range []string{`<h3 id="step-2-1" tabindex="-1">` + msg("discussion.screen_questions"), `<h3 id="step-2-2" tabindex="-1">` + msg("discussion.screen_reflections")} {
		if !strings.Contains(two, want) {
			t.Errorf("step 2 lacks %s", want)
		}
	}
	said := two[strings.Index(two, `id="step-2-2"`):]
	for _, p := range []struct{ key, tag string }{{pillars.Leadership, "LEAD-VISIBLE"}, {pillars.Staff, "STAFF-VISIBLE"}} {
		title := escaped(t, e.in.Pillar(p.key).Title.In(l))
		at := strings.Index(said, "<h4>"+title+"</h4>")
		if at < 0 {
			t.Errorf("no reflections of %s", p.key)
			continue
		}
		quotes := regexp.MustCompile(`<q>([^<]*)</q>`).FindAllStringSubmatch(said[at:strings.Index(said[at:], "</div>")+at], -1)
		if len(quotes) == 0 || len(quotes) > reports.ReflectionsPerGroup {
			t.Errorf("%s: %d reflections, want 1 to %d", p.key, len(quotes), reports.ReflectionsPerGroup)
		}
		for _, q := range quotes {
			if !strings.HasPrefix(q[1], p.tag+" reflection ") {
				t.Errorf("%s shows %q, not one of its own reflections", p.key, q[1])
			}
		}
	}
	if strings.Contains(said, escaped(t, e.in.Pillar(pillars.PatientPartners).Title.In(l))) {
		t.Error("the reflections screen names the withheld group")
	}
	for _, secret := range []string{secretPP, secretDraft} {
		if strings.Contains(body, secret) {
			t.Errorf("the page shows %s", secret)
		}
	}

	// Step 3 opens with the heatmap of the shown groups: a row per theme, no column of
	// the withheld group.
	three := steps[3]
	table := heatTableRE.FindString(three)
	if table == "" || !strings.Contains(three, `<h3 id="step-3-1" tabindex="-1">`+msg("discussion.screen_picture")) {
		t.Fatalf("step 3 has no heatmap screen")
	}
	if n := len(heatRowRE.FindAllString(table, -1)); n != len(e.in.Themes) {
		t.Errorf("the heatmap has %d rows, want %d", n, len(e.in.Themes))
	}
	wantCols := []string{msg("report.col_theme"), escaped(t, e.in.Pillar(pillars.Leadership).Title.In(l)), escaped(t, e.in.Pillar(pillars.Staff).Title.In(l)), msg("report.col_team"), msg("report.col_gap")}
	var cols []string
	for _, m := range regexp.MustCompile(`<th scope="col">([^<]*)</th>`).FindAllStringSubmatch(table, -1) {
		cols = append(cols, m[1])
	}
	if fmt.Sprint(cols) != fmt.Sprint(wantCols) {
		t.Errorf("heatmap columns %v, want %v", cols, wantCols)
	}
	// Then pillar by pillar, the team's common themes, and where views differ.
	for _, id := range []string{"step-3-2", "step-3-3", "step-3-4"} {
		if !strings.Contains(three, `<h3 id="`+id+`" tabindex="-1">`) {
			t.Errorf("step 3 has no screen %s", id)
		}
	}
}
