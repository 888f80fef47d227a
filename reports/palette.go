package reports

// The palette: the colours of the four answers and the three bands, wherever ecat draws
// them. The bars of the report page (StackedBarSVG) and the workbook's chart and band
// fills take them from here; the stylesheet (templates/static/app.css) repeats them as
// custom properties, and TestPaletteMatchesStylesheet keeps the two equal.
//
// Chosen so that no colour depends on telling red from green: a blue–orange diverging
// scheme (in the spirit of Okabe & Ito's palette), where Yes and Somewhat are two blues
// of clearly different lightness, No is orange and Unknown a neutral grey; the bands
// follow the same logic (strength blue, developing a warm neutral, opportunity orange).
// TestPaletteColourBlindSafe simulates deuteranopia, protanopia and tritanopia on every
// pair and checks the contrasts below; its comment says how and why.
//
// Contrasts (WCAG 2.1), as measured by that test:
//
//   - Answer colours are graphical parts drawn on white (bars, legend keys, the
//     workbook's chart): each is at least 3:1 against white (SC 1.4.11). Yes 8.40:1,
//     Somewhat 3.34:1, No 5.23:1, Unknown 4.54:1.
//   - Band colours are cell fills with the score written on them in PaletteInk: the
//     text needs 4.5:1 on its fill (SC 1.4.3). Strength 7.82:1, developing 13.28:1,
//     opportunity 8.27:1. The fill itself carries nothing the text does not say.
//
// Colours are six hex digits, without "#" (the workbook's form); the page adds it.
const (
	ColourYes      = "0B4F8A" // dark blue
	ColourSomewhat = "5B8FD0" // light blue
	ColourNo       = "B84A00" // orange
	ColourUnknown  = "767676" // grey

	ColourStrength    = "8AB6E6" // light blue
	ColourDeveloping  = "E9E6DE" // warm light grey
	ColourOpportunity = "F3A66C" // light orange

	// PaletteInk is the text written on a band's fill: the page's ink.
	PaletteInk = "1B1F24"
)

// AnswerColours are the answers' colours in the order the bars draw them, each named by
// its answer (the class name of the page's bar segments and legend keys).
var AnswerColours = []NamedColour{
	{"yes", ColourYes},
	{"somewhat", ColourSomewhat},
	{"no", ColourNo},
	{"unknown", ColourUnknown},
}

// BandColours are the bands' fills, each named by its band (the class name of the
// page's heatmap cells).
var BandColours = []NamedColour{
	{BandStrength, ColourStrength},
	{BandDeveloping, ColourDeveloping},
	{BandOpportunity, ColourOpportunity},
}

// NamedColour is one colour of the palette and what it stands for.
type NamedColour struct {
	Name string
	Hex  string // six hex digits, no "#"
}

// answerColour is the colour of an answer named by its class; "" for none.
func answerColour(name string) string {
	for _, c := range AnswerColours {
		if c.Name == name {
			return c.Hex
		}
	}
	return ""
}
