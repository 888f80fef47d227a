package reports

import (
	"fmt"
	"html"
	"strings"
)

// The ranked chart of the overview, drawn on the server as SVG like the statement bars:
// one small image per theme, so the theme's name and score stay real text beside it
// (readable at any width, found by search, read by screen readers in order) and the
// image only adds the picture.

// Marker shapes tell the pillar groups apart on a ranked theme's row. Shapes rather than
// colours, so the chart reads the same in grey print and under any colour vision.
const (
	ShapeCircle  = "circle"
	ShapeSquare  = "square"
	ShapeDiamond = "diamond"
	ShapeCross   = "cross"
)

// MarkerShapes are given to the groups in the instrument's order of pillars.
var MarkerShapes = []string{ShapeCircle, ShapeSquare, ShapeDiamond, ShapeCross}

// Marker is one group's score on a ranked theme's row; no mark when Score is nil.
type Marker struct {
	Score *float64
	Shape string
}

// The row's drawing: 0–100 on 400 units, with room at both ends for a whole marker.
const (
	rankPad    = 6
	rankScale  = 4
	rankWidth  = 2*rankPad + 100*rankScale
	rankHeight = 24
	rankMid    = rankHeight / 2
)

func rankX(score float64) float64 { return rankPad + rankScale*min(100, max(0, score)) }

// RankRowSVG draws one theme's row: a track from 0 to 100 with the band limits (50 and
// 75) marked, the team's score as a bar filled with its band's colour and outlined in
// ink (the outline gives the contrast a light fill lacks), and each group's score as a
// marker of its shape. name is the image's accessible name and should say every figure
// drawn; it is escaped here.
func RankRowSVG(name string, team *float64, band string, markers []Marker) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="rank" viewBox="0 0 %d %d" role="img" aria-label="%s">`, rankWidth, rankHeight, html.EscapeString(name))
	fmt.Fprintf(&b, `<rect class="track" x="%d" y="%d" width="%d" height="10" fill="#EEF1F4"/>`, rankPad, rankMid-5, 100*rankScale)
	if team != nil {
		fill := ""
		for _, c := range BandColours {
			if c.Name == band {
				fill = ` fill="#` + c.Hex + `"`
			}
		}
		fmt.Fprintf(&b, `<rect class="team %s"%s stroke="#%s" x="%d" y="%d" width="%s" height="10"/>`,
			html.EscapeString(band), fill, PaletteInk, rankPad, rankMid-5, svgNum(rankX(*team)-rankPad))
	}
	for _, limit := range []float64{DevelopingBand, StrengthBand} {
		fmt.Fprintf(&b, `<path class="limit" d="M%s 2V%d" stroke="#4A5560" stroke-dasharray="2 2"/>`, svgNum(rankX(limit)), rankHeight-2)
	}
	for _, m := range markers {
		if m.Score != nil {
			b.WriteString(markerPath(m.Shape, rankX(*m.Score), rankMid))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// MarkerSVG is a marker alone, for the chart's legend: decorative, since the legend's
// words say which group it stands for.
func MarkerSVG(shape string) string {
	return `<svg class="marker" viewBox="0 0 14 14" aria-hidden="true" focusable="false">` + markerPath(shape, 7, 7) + `</svg>`
}

// markerPath is a marker of shape centred on (x, y), in ink with a white edge, so it
// stands out on the team's bar and on the track.
func markerPath(shape string, x float64, y int) string {
	const style = `fill="#` + PaletteInk + `" stroke="#fff" stroke-width="1.5"`
	cx, cy := svgNum(x), fmt.Sprint(y)
	switch shape {
	case ShapeSquare:
		return fmt.Sprintf(`<rect class="mark square" x="%s" y="%d" width="10" height="10" %s/>`, svgNum(x-5), y-5, style)
	case ShapeDiamond:
		return fmt.Sprintf(`<path class="mark diamond" d="M%s %dl6 6-6 6-6-6z" %s/>`, cx, y-6, style)
	case ShapeCross:
		return fmt.Sprintf(`<path class="mark cross" d="M%s %dh4v4h4v4h-4v4h-4v-4h-4v-4h4z" %s/>`, svgNum(x-2), y-6, style)
	}
	return fmt.Sprintf(`<circle class="mark circle" cx="%s" cy="%s" r="5.5" %s/>`, cx, cy, style)
}

// svgNum writes a coordinate with at most one decimal.
func svgNum(f float64) string {
	s := fmt.Sprintf("%.1f", f)
	return strings.TrimSuffix(s, ".0")
}
