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
	// Class names the colour in the stylesheet (e.g. "yes", "no").
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
	for _, s := range segments {
		if s.Percent <= 0 {
			continue
		}
		fmt.Fprintf(&b, `<rect class="%s" x="%d" y="0" width="%d" height="6"/>`, html.EscapeString(s.Class), x, s.Percent)
		x += s.Percent
	}
	b.WriteString(`</svg>`)
	return b.String()
}
