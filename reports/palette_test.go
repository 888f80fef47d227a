package reports

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/locale"
)

// The palette's tests: every pair of answer colours, and every pair of band colours,
// stays far apart for a reader with any of the three dichromacies, and each colour keeps
// the contrast WCAG 2.1 AA asks of it. They read the colours from palette.go (and the
// stylesheet's from app.css), so they hold for any later change of a colour.
//
// How a colour is seen with a dichromacy: the simulation of Machado, Oliveira & Fernandes
// (2009, "A physiologically-based model for simulation of color vision deficiency",
// IEEE TVCG 15(6)), at severity 1.0, whose 3×3 matrices act on linear RGB: sRGB is
// linearized, multiplied, clipped to [0, 1], then taken to CIELAB (D65) to be compared.
//
// How far apart is far enough: CIEDE2000 (ΔE00), not CIE76. CIE76 is plain distance in
// CIELAB, which overstates differences between saturated colours (the blues and oranges
// here) and understates them between light neutrals; ΔE00 corrects for both and is the
// CIE's recommended difference. One ΔE00 unit is about a just-noticeable difference for
// large patches seen side by side; the bars' segments and legend keys are small, seen
// at a glance, printed or on a poor projector, so we ask for 15, several times the
// noticeable difference. The palette this one replaced measured 8.8 between Yes and No
// under deuteranopia (green and red, read as one olive): the bug this test is for.
const minDeltaE00 = 15

// Machado et al. (2009), severity 1.0, rows of the matrix applied to linear (r, g, b).
var dichromacies = []struct {
	name string
	m    [3][3]float64
}{
	{"protanopia", [3][3]float64{{0.152286, 1.052583, -0.204868}, {0.114503, 0.786281, 0.099216}, {-0.003882, -0.048116, 1.051998}}},
	{"deuteranopia", [3][3]float64{{0.367322, 0.860646, -0.227968}, {0.280085, 0.672501, 0.047413}, {-0.011820, 0.042940, 0.968881}}},
	{"tritanopia", [3][3]float64{{1.255528, -0.076749, -0.178779}, {-0.078411, 0.930809, 0.147602}, {0.004733, 0.691367, 0.303900}}},
}

// TestPaletteColourBlindSafe: every two answer colours, and every two band colours, are
// at least minDeltaE00 apart with typical vision and under each simulated dichromacy;
// every answer colour is at least 3:1 against the white page (graphical parts, SC 1.4.11);
// the ink written on a band's fill is at least 4.5:1 on it (text, SC 1.4.3), and so are
// Yes and No where the page writes changes in them (.change.up and .change.down).
func TestPaletteColourBlindSafe(t *testing.T) {
	for _, set := range []struct {
		what    string
		colours []NamedColour
	}{{"answers", AnswerColours}, {"bands", BandColours}} {
		if len(set.colours) < 3 {
			t.Fatalf("%s: %d colours", set.what, len(set.colours))
		}
		for i, a := range set.colours {
			for _, b := range set.colours[i+1:] {
				d := deltaE00(labOf(linear(a.Hex)), labOf(linear(b.Hex)))
				if d < minDeltaE00 {
					t.Errorf("%s %s #%s and %s #%s: ΔE00 %.1f with typical vision, want at least %d", set.what, a.Name, a.Hex, b.Name, b.Hex, d, minDeltaE00)
				}
				for _, cvd := range dichromacies {
					d := deltaE00(labOf(simulate(cvd.m, linear(a.Hex))), labOf(simulate(cvd.m, linear(b.Hex))))
					if d < minDeltaE00 {
						t.Errorf("%s %s #%s and %s #%s: ΔE00 %.1f under %s, want at least %d", set.what, a.Name, a.Hex, b.Name, b.Hex, d, cvd.name, minDeltaE00)
					}
				}
			}
		}
	}
	for _, c := range AnswerColours {
		if r := contrastRatio(c.Hex, "FFFFFF"); r < 3 {
			t.Errorf("answer %s #%s: %.2f:1 against white, want at least 3:1", c.Name, c.Hex, r)
		}
	}
	for _, c := range BandColours {
		if r := contrastRatio(PaletteInk, c.Hex); r < 4.5 {
			t.Errorf("band %s: ink #%s on #%s is %.2f:1, want at least 4.5:1", c.Name, PaletteInk, c.Hex, r)
		}
	}
	// The workbook writes its bands in its own font colour: the same test.
	for _, fill := range []string{strengthFill, developingFill, opportunityFill} {
		if r := contrastRatio(bandFont, fill); r < 4.5 {
			t.Errorf("workbook band: #%s on #%s is %.2f:1, want at least 4.5:1", bandFont, fill, r)
		}
	}
	for _, text := range []string{ColourYes, ColourNo} {
		if r := contrastRatio(text, "FFFFFF"); r < 4.5 {
			t.Errorf("#%s as text on white: %.2f:1, want at least 4.5:1", text, r)
		}
	}
	if testing.Verbose() {
		t.Log(paletteReport())
	}
}

// TestPaletteMatchesStylesheet: the stylesheet's custom properties are the palette's
// colours, and the answers' and bands' classes draw with them.
func TestPaletteMatchesStylesheet(t *testing.T) {
	raw, err := os.ReadFile("../templates/static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	css := string(raw)
	for _, c := range append(append([]NamedColour{}, AnswerColours...), BandColours...) {
		m := regexp.MustCompile(`--`+c.Name+`:#([0-9a-fA-F]{6})[;}]`).FindAllStringSubmatch(css, -1)
		if len(m) != 1 || !strings.EqualFold(m[0][1], c.Hex) {
			t.Errorf("app.css --%s: %v, want exactly one, #%s", c.Name, m, c.Hex)
		}
	}
	for _, c := range AnswerColours {
		if want := "." + c.Name + "{fill:var(--" + c.Name + ");background:var(--" + c.Name + ")}"; !strings.Contains(css, want) {
			t.Errorf("app.css lacks %s", want)
		}
	}
	for _, c := range BandColours {
		if want := "td.score." + c.Name + ",.key." + c.Name + "{background:var(--" + c.Name + ")}"; !strings.Contains(css, want) {
			t.Errorf("app.css lacks %s", want)
		}
	}
	// No other colour is given to an answer's or a band's class.
	for _, c := range append(append([]NamedColour{}, AnswerColours...), BandColours...) {
		for _, m := range regexp.MustCompile(`\.`+c.Name+`[,{][^}]*#[0-9a-fA-F]{3,6}`).FindAllString(css, -1) {
			t.Errorf("app.css gives .%s a colour of its own: %s", c.Name, m)
		}
	}
}

// TestStackedBarColours: the bar's segments carry the palette's fill, and a white rule
// between two neighbours.
func TestStackedBarColours(t *testing.T) {
	svg := StackedBarSVG("L-01", []Segment{
		{Label: "Yes", Percent: 40, Class: "yes"}, {Label: "Somewhat", Percent: 30, Class: "somewhat"},
		{Label: "No", Percent: 0, Class: "no"}, {Label: "Unknown", Percent: 30, Class: "unknown"},
	})
	for _, want := range []string{
		`<rect class="yes" fill="#` + ColourYes + `" x="0" y="0" width="40" height="6"/>`,
		`<rect class="somewhat" fill="#` + ColourSomewhat + `" x="40" y="0" width="30" height="6"/>`,
		`<rect class="unknown" fill="#` + ColourUnknown + `" x="70" y="0" width="30" height="6"/>`,
		`d="M40 0V6"`, `d="M70 0V6"`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("bar lacks %s: %s", want, svg)
		}
	}
	if strings.Contains(svg, `class="no"`) || strings.Count(svg, `class="edge"`) != 2 {
		t.Errorf("an empty segment is drawn, or the rules are not between neighbours: %s", svg)
	}
}

// TestXLSXPaletteColours: the workbook's chart draws the answers in the palette's
// colours, and its band formats fill with the palette's band colours.
func TestXLSXPaletteColours(t *testing.T) {
	rep, in := sampleReport(t)
	raw, _ := writeBook(t, rep, in, locale.English)
	parts := zipParts(t, raw)
	charts := 0
	for name, part := range parts {
		if !strings.HasPrefix(name, "xl/charts/chart") || !strings.Contains(part, "percentStacked") {
			continue
		}
		charts++
		at := 0
		for _, c := range AnswerColours { // in series order
			i := strings.Index(part[at:], `<a:srgbClr val="`+c.Hex+`"`)
			if i < 0 {
				t.Errorf("%s: no series in %s #%s after offset %d", name, c.Name, c.Hex, at)
				break
			}
			at += i + 1
		}
	}
	if charts == 0 {
		t.Fatal("no answer chart")
	}
	styles := parts["xl/styles.xml"]
	for _, c := range BandColours {
		if !strings.Contains(styles, `rgb="FF`+c.Hex+`"`) {
			t.Errorf("styles.xml has no fill of band %s #%s", c.Name, c.Hex)
		}
	}
}

// TestDeltaE00Reference checks the ΔE00 implementation against pairs of the reference
// data of Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula:
// implementation notes, supplementary test data, and mathematical observations".
func TestDeltaE00Reference(t *testing.T) {
	for _, c := range []struct {
		a, b [3]float64
		want float64
	}{
		{[3]float64{50, 2.6772, -79.7751}, [3]float64{50, 0, -82.7485}, 2.0425},
		{[3]float64{50, 3.1571, -77.2803}, [3]float64{50, 0, -82.7485}, 2.8615},
		{[3]float64{50, 2.8361, -74.0200}, [3]float64{50, 0, -82.7485}, 3.4412},
		{[3]float64{50, 0, 0}, [3]float64{50, -1, 2}, 2.3669},
		{[3]float64{50, 2.5, 0}, [3]float64{73, 25, -18}, 27.1492},
		{[3]float64{50, 2.5, 0}, [3]float64{61, -5, 29}, 22.8977},
		{[3]float64{50, 2.5, 0}, [3]float64{56, -27, -3}, 31.9030},
		{[3]float64{50, 2.5, 0}, [3]float64{58, 24, 15}, 19.4535},
	} {
		if got := deltaE00(c.a, c.b); math.Abs(got-c.want) > 0.0001 {
			t.Errorf("ΔE00(%v, %v) = %.4f, want %.4f", c.a, c.b, got, c.want)
		}
		if got := deltaE00(c.b, c.a); math.Abs(got-c.want) > 0.0001 {
			t.Errorf("ΔE00(%v, %v) = %.4f, want %.4f (symmetric)", c.b, c.a, got, c.want)
		}
	}
	// The simulation: white stays white and a grey stays grey for every dichromacy
	// (each matrix's rows sum to 1); and the old palette's Yes and No (a green and a
	// red, far apart with typical vision) fall below the bar under deuteranopia, as
	// readers found.
	for _, cvd := range dichromacies {
		for _, g := range []string{"FFFFFF", "767676"} {
			if d := deltaE00(labOf(simulate(cvd.m, linear(g))), labOf(linear(g))); d > 0.5 {
				t.Errorf("%s moves #%s by ΔE00 %.2f", cvd.name, g, d)
			}
		}
	}
	oldYes, oldNo := linear("1D6B34"), linear("B00020")
	if d := deltaE00(labOf(oldYes), labOf(oldNo)); d < 50 {
		t.Errorf("old Yes and No, typical vision: ΔE00 %.1f", d)
	}
	if d := deltaE00(labOf(simulate(dichromacies[1].m, oldYes)), labOf(simulate(dichromacies[1].m, oldNo))); d >= minDeltaE00 {
		t.Errorf("old Yes and No under %s: ΔE00 %.1f, which the test would let through", dichromacies[1].name, d)
	}
}

// paletteReport lists every measure the test makes, for go test -v.
func paletteReport() string {
	var b strings.Builder
	for _, c := range AnswerColours {
		fmt.Fprintf(&b, "answer %-8s #%s %5.2f:1 on white\n", c.Name, c.Hex, contrastRatio(c.Hex, "FFFFFF"))
	}
	for _, c := range BandColours {
		fmt.Fprintf(&b, "band %-11s #%s ink on it %5.2f:1\n", c.Name, c.Hex, contrastRatio(PaletteInk, c.Hex))
	}
	for _, set := range [][]NamedColour{AnswerColours, BandColours} {
		for i, a := range set {
			for _, c := range set[i+1:] {
				fmt.Fprintf(&b, "%s–%s: ΔE00 typical %.1f", a.Name, c.Name, deltaE00(labOf(linear(a.Hex)), labOf(linear(c.Hex))))
				for _, cvd := range dichromacies {
					fmt.Fprintf(&b, ", %s %.1f", cvd.name, deltaE00(labOf(simulate(cvd.m, linear(a.Hex))), labOf(simulate(cvd.m, linear(c.Hex)))))
				}
				b.WriteString("\n")
			}
		}
	}
	return b.String()
}

// linear is a colour's linear RGB (sRGB's transfer function undone).
func linear(hex string) [3]float64 {
	var out [3]float64
	for i := range out {
		v, err := strconv.ParseUint(hex[2*i:2*i+2], 16, 8)
		if err != nil || len(hex) != 6 {
			panic("not six hex digits: " + hex)
		}
		c := float64(v) / 255
		if c <= 0.04045 {
			out[i] = c / 12.92
		} else {
			out[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return out
}

// simulate applies a dichromacy's matrix to a linear RGB colour, clipped to the gamut.
func simulate(m [3][3]float64, c [3]float64) [3]float64 {
	var out [3]float64
	for i := range out {
		out[i] = min(1, max(0, m[i][0]*c[0]+m[i][1]*c[1]+m[i][2]*c[2]))
	}
	return out
}

// relLuminance is WCAG 2.1's relative luminance.
func relLuminance(hex string) float64 {
	c := linear(hex)
	return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
}

// contrastRatio is WCAG 2.1's contrast ratio of two colours.
func contrastRatio(a, b string) float64 {
	la, lb := relLuminance(a), relLuminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// labOf is CIELAB (D65 white) of a linear sRGB colour.
func labOf(c [3]float64) [3]float64 {
	x := 0.4124564*c[0] + 0.3575761*c[1] + 0.1804375*c[2]
	y := 0.2126729*c[0] + 0.7151522*c[1] + 0.0721750*c[2]
	z := 0.0193339*c[0] + 0.1191920*c[1] + 0.9503041*c[2]
	f := func(t float64) float64 {
		if t > 216.0/24389 {
			return math.Cbrt(t)
		}
		return (24389.0/27*t + 16) / 116
	}
	fx, fy, fz := f(x/0.95047), f(y), f(z/1.08883)
	return [3]float64{116*fy - 16, 500 * (fx - fy), 200 * (fy - fz)}
}

// deltaE00 is the CIEDE2000 difference of two CIELAB colours (kL = kC = kH = 1), as
// written out by Sharma, Wu & Dalal (2005).
func deltaE00(lab1, lab2 [3]float64) float64 {
	const deg = math.Pi / 180
	pow7 := func(v float64) float64 { return math.Pow(v, 7) }
	cBar := (math.Hypot(lab1[1], lab1[2]) + math.Hypot(lab2[1], lab2[2])) / 2
	g := 0.5 * (1 - math.Sqrt(pow7(cBar)/(pow7(cBar)+pow7(25))))
	a1, a2 := (1+g)*lab1[1], (1+g)*lab2[1]
	c1, c2 := math.Hypot(a1, lab1[2]), math.Hypot(a2, lab2[2])
	hue := func(b, a float64) float64 {
		if a == 0 && b == 0 {
			return 0
		}
		h := math.Atan2(b, a) / deg
		if h < 0 {
			h += 360
		}
		return h
	}
	h1, h2 := hue(lab1[2], a1), hue(lab2[2], a2)
	dL, dC := lab2[0]-lab1[0], c2-c1
	dh := 0.0
	if c1*c2 != 0 {
		dh = h2 - h1
		switch {
		case dh > 180:
			dh -= 360
		case dh < -180:
			dh += 360
		}
	}
	dH := 2 * math.Sqrt(c1*c2) * math.Sin(dh/2*deg)
	lBar, cBarP := (lab1[0]+lab2[0])/2, (c1+c2)/2
	hBar := h1 + h2
	if c1*c2 != 0 {
		switch {
		case math.Abs(h1-h2) <= 180:
			hBar = (h1 + h2) / 2
		case h1+h2 < 360:
			hBar = (h1 + h2 + 360) / 2
		default:
			hBar = (h1 + h2 - 360) / 2
		}
	}
	tt := 1 - 0.17*math.Cos((hBar-30)*deg) + 0.24*math.Cos(2*hBar*deg) + 0.32*math.Cos((3*hBar+6)*deg) - 0.20*math.Cos((4*hBar-63)*deg)
	sq := func(v float64) float64 { return v * v }
	dTheta := 30 * math.Exp(-sq((hBar-275)/25))
	rc := 2 * math.Sqrt(pow7(cBarP)/(pow7(cBarP)+pow7(25)))
	sl := 1 + 0.015*sq(lBar-50)/math.Sqrt(20+sq(lBar-50))
	sc := 1 + 0.045*cBarP
	sh := 1 + 0.015*cBarP*tt
	rt := -math.Sin(2*dTheta*deg) * rc
	return math.Sqrt(sq(dL/sl) + sq(dC/sc) + sq(dH/sh) + rt*(dC/sc)*(dH/sh))
}
