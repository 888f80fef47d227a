package e2e

// A small reader of the PDFs Chromium prints (Skia's writer: PDF 1.4, no object streams,
// Flate-compressed page contents, Type 0 fonts with a ToUnicode map), enough to tell a
// printed page's text: how many pages, what each says. It reads nothing else, and fails
// loudly on what it does not know rather than guess.

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

type pdfObject struct {
	dict   []byte
	stream []byte // decoded; nil when the object has none
}

var (
	pdfObjRE     = regexp.MustCompile(`(?m)(\d+) 0 obj\b`)
	pdfLengthRE  = regexp.MustCompile(`/Length (\d+)`)
	pdfRefRE     = regexp.MustCompile(`(\d+) 0 R`)
	pdfFontRE    = regexp.MustCompile(`/(F\d+) (\d+) 0 R`)
	pdfContentRE = regexp.MustCompile(`/Contents (\d+) 0 R`)
	pdfKidsRE    = regexp.MustCompile(`/Kids \[([^\]]*)\]`)
	pdfToUniRE   = regexp.MustCompile(`/ToUnicode (\d+) 0 R`)
	// Text operators: font choice, strings shown, and line moves (which start a new line
	// or a gap when reading).
	pdfOpRE     = regexp.MustCompile(`/(F\d+) [\d.]+ Tf|<([0-9A-Fa-f]*)> ?Tj|\[((?:[^\]])*)\] ?TJ|[-\d.]+ ([-\d.]+) T[dD]|\bT\*|[-\d.]+ [-\d.]+ [-\d.]+ [-\d.]+ [-\d.]+ [-\d.]+ Tm`)
	pdfHexRE    = regexp.MustCompile(`<([0-9A-Fa-f]*)>`)
	pdfBfCharRE = regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>`)
	pdfBfRange  = regexp.MustCompile(`(?s)beginbfrange(.*?)endbfrange`)
	pdfBfChars  = regexp.MustCompile(`(?s)beginbfchar(.*?)endbfchar`)
	pdfRangeRE  = regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>`)
)

// pdfPageTexts returns the text of each page of a PDF, in page order.
func pdfPageTexts(t *testing.T, pdf []byte) []string {
	t.Helper()
	objs := map[int]pdfObject{}
	locs := pdfObjRE.FindAllSubmatchIndex(pdf, -1)
	for i, loc := range locs {
		n, _ := strconv.Atoi(string(pdf[loc[2]:loc[3]]))
		end := len(pdf)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		body := pdf[loc[1]:end]
		o := pdfObject{dict: body}
		if s := bytes.Index(body, []byte("stream")); s >= 0 && !bytes.Contains(body[:s], []byte("endobj")) {
			o.dict = body[:s]
			m := pdfLengthRE.FindSubmatch(o.dict)
			if m == nil {
				t.Fatalf("pdf: object %d has a stream without a direct length", n)
			}
			length, _ := strconv.Atoi(string(m[1]))
			start := s + len("stream")
			for start < len(body) && (body[start] == '\r' || body[start] == '\n') {
				start++
			}
			raw := body[start : start+length]
			if bytes.Contains(o.dict, []byte("/FlateDecode")) {
				z, err := zlib.NewReader(bytes.NewReader(raw))
				if err != nil {
					t.Fatalf("pdf: object %d: %v", n, err)
				}
				if raw, err = io.ReadAll(z); err != nil {
					t.Fatalf("pdf: object %d: %v", n, err)
				}
			}
			o.stream = raw
		}
		objs[n] = o
	}

	// The pages, in the order of the page tree.
	var pages []int
	var walk func(n int)
	walk = func(n int) {
		o := objs[n]
		if bytes.Contains(o.dict, []byte("/Type /Pages")) {
			for _, ref := range pdfRefRE.FindAllSubmatch(pdfKidsRE.FindSubmatch(o.dict)[1], -1) {
				kid, _ := strconv.Atoi(string(ref[1]))
				walk(kid)
			}
			return
		}
		pages = append(pages, n)
	}
	root := -1
	for n, o := range objs {
		if bytes.Contains(o.dict, []byte("/Type /Pages")) && !bytes.Contains(o.dict, []byte("/Parent")) {
			root = n
		}
	}
	if root < 0 {
		t.Fatal("pdf: no page tree")
	}
	walk(root)

	cmaps := map[int]map[string]string{} // font object → glyph code (hex) → text
	cmapOf := func(font int) map[string]string {
		if m, ok := cmaps[font]; ok {
			return m
		}
		m := map[string]string{}
		if ref := pdfToUniRE.FindSubmatch(objs[font].dict); ref != nil {
			n, _ := strconv.Atoi(string(ref[1]))
			cm := objs[n].stream
			for _, block := range pdfBfChars.FindAllSubmatch(cm, -1) {
				for _, p := range pdfBfCharRE.FindAllSubmatch(block[1], -1) {
					m[strings.ToUpper(string(p[1]))] = utf16Hex(string(p[2]))
				}
			}
			for _, block := range pdfBfRange.FindAllSubmatch(cm, -1) {
				for _, r := range pdfRangeRE.FindAllSubmatch(block[1], -1) {
					lo, _ := strconv.ParseUint(string(r[1]), 16, 32)
					hi, _ := strconv.ParseUint(string(r[2]), 16, 32)
					dst, _ := strconv.ParseUint(string(r[3]), 16, 32)
					width := len(r[1])
					for c := lo; c <= hi; c++ {
						m[fmt.Sprintf("%0*X", width, c)] = string(rune(dst + c - lo))
					}
				}
			}
		}
		cmaps[font] = m
		return m
	}

	var out []string
	for _, p := range pages {
		dict := objs[p].dict
		fonts := map[string]int{}
		for _, f := range pdfFontRE.FindAllSubmatch(dict, -1) {
			n, _ := strconv.Atoi(string(f[2]))
			fonts[string(f[1])] = n
		}
		var b strings.Builder
		for _, c := range pdfContentRE.FindAllSubmatch(dict, -1) {
			n, _ := strconv.Atoi(string(c[1]))
			font := map[string]string{}
			show := func(hex string) {
				hex = strings.ToUpper(hex)
				for i := 0; i+4 <= len(hex); i += 4 {
					b.WriteString(font[hex[i:i+4]])
				}
			}
			for _, op := range pdfOpRE.FindAllSubmatch(objs[n].stream, -1) {
				switch {
				case op[1] != nil:
					font = cmapOf(fonts[string(op[1])])
				case op[2] != nil:
					show(string(op[2]))
				case op[3] != nil:
					for _, h := range pdfHexRE.FindAllSubmatch(op[3], -1) {
						show(string(h[1]))
					}
				case op[4] != nil:
					// A move along the line (Skia places glyphs one by one) is no break.
					if dy, _ := strconv.ParseFloat(string(op[4]), 64); dy != 0 {
						b.WriteString("\n")
					}
				default:
					b.WriteString("\n")
				}
			}
		}
		out = append(out, b.String())
	}
	return out
}

// utf16Hex decodes the UTF-16BE hex of a ToUnicode entry.
func utf16Hex(h string) string {
	var units []uint16
	for i := 0; i+4 <= len(h); i += 4 {
		v, _ := strconv.ParseUint(h[i:i+4], 16, 16)
		units = append(units, uint16(v))
	}
	var rs []rune
	for i := 0; i < len(units); i++ {
		u := units[i]
		if u >= 0xD800 && u < 0xDC00 && i+1 < len(units) {
			rs = append(rs, rune((uint32(u)-0xD800)<<10+(uint32(units[i+1])-0xDC00)+0x10000))
			i++
			continue
		}
		rs = append(rs, rune(u))
	}
	return string(rs)
}

// pdfWords flattens a page's text for searching: runs of white space become one space,
// and the typographic ligatures the fonts draw (ﬁ, ﬂ, ﬀ…) their letters.
func pdfWords(s string) string {
	s = strings.NewReplacer("\ufb00", "ff", "\ufb01", "fi", "\ufb02", "fl", "\ufb03", "ffi", "\ufb04", "ffl").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}
