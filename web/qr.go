package web

import (
	"fmt"
	"html/template"
	"strings"

	"rsc.io/qr"
)

// qrMinPixels is the smallest width a QR code is drawn at, in CSS pixels.
const qrMinPixels = 240

// qrSVG draws text as a QR code in SVG, one path of unit squares with a four-module quiet
// zone, so it scales crisply on screen and on paper. It is drawn at least qrMinPixels
// wide, at a whole number of CSS pixels per module (never a module of 6.4 pixels, whose
// edges a screen would blur), so a phone held at arm's length reads it off a screen. rsc.io/qr does the encoding (a
// small, stable library); drawing SVG is ours. The result is markup we generated from
// a URL we built, so it is safe to inline.
func qrSVG(text, label string) (template.HTML, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return "", fmt.Errorf("qr code: %w", err)
	}
	const quiet = 4
	size := code.Size + 2*quiet
	var b strings.Builder
	pixels := size * ((qrMinPixels + size - 1) / size)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" class="qr" shape-rendering="crispEdges">`,
		size, size, pixels, pixels, template.HTMLEscapeString(label))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, size, size)
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; x++ {
			if code.Black(x, y) {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil
}
