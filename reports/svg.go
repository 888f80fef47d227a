package reports

import (
	"fmt"
	"html"
	"strings"
)

// Segment is one coloured part of a stacked bar.
type Segment struct {
	Label   string
	Percent int
	// Class names the answer ("yes", "somewhat", "no", "unknown"): its colour in the
	// palette (AnswerColours) and its class in the stylesheet.
	Class string
}

// StackedBarSVG draws one horizontal bar of segments that add up to 100 %, as an SVG
// image whose accessible name lists every segment, so a screen reader hears the same
// figures the eye sees. The caller escapes nothing: labels are escaped here.
func StackedBarSVG(title string, segments []Segment) string {
	var names []string
	for _, s := range segments {
		names = append(names, fmt.Sprintf("%s %d %%", s.Label, s.Percent))
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="bar" viewBox="0 0 100 6" preserveAspectRatio="none" role="img" aria-label="%s">`,
		html.EscapeString(title+": "+strings.Join(names, ", ")))
	x := 0
	var edges []int
	for _, s := range segments {
		if s.Percent <= 0 {
			continue
		}
		if x > 0 {
			edges = append(edges, x)
		}
		// The fill is written here too, so the bar keeps its colours where the
		// stylesheet does not reach (a saved page, a feed reader).
		fill := ""
		if c := answerColour(s.Class); c != "" {
			fill = ` fill="#` + c + `"`
		}
		fmt.Fprintf(&b, `<rect class="%s"%s x="%d" y="0" width="%d" height="6"/>`, html.EscapeString(s.Class), fill, x, s.Percent)
		x += s.Percent
	}
	// A white rule between segments, so two neighbours never merge into one band of
	// colour (Yes and Somewhat are both blue), on screen or in grey print.
	for _, e := range edges {
		fmt.Fprintf(&b, `<path class="edge" d="M%d 0V6" stroke="#fff" stroke-width="2" vector-effect="non-scaling-stroke"/>`, e)
	}
	b.WriteString(`</svg>`)
	return b.String()
}
