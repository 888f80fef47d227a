package reports

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/ecat-project/ecat/assessment"
)

// TextsNone marks a Document whose report was built without its free texts (see
// Document.Texts).
const TextsNone = "none"

// EncodeJSON writes d to w exactly as json.NewEncoder(w).Encode(d) would (compact, HTML
// characters escaped, a newline at the end), but as it goes: the verbatim texts, which
// are most of a large report (37 MB of JSON for 100,000 responses), are written one by
// one through a small buffer instead of as one document made in memory first. Only
// errors from w can stop it half way.
//
// It writes every field of Document, Report and Group in their declared order; a test
// compares it with encoding/json on reports with every field set, and fails when one of
// those types gains a JSON field this writer does not know.
func EncodeJSON(w io.Writer, d Document) error {
	e := &jsonWriter{w: bufio.NewWriterSize(w, 64<<10)}
	r := d.Report
	e.raw(`{"assessment":`)
	e.value(d.Assessment)
	if d.Texts != "" {
		e.raw(`,"texts":`)
		e.str(d.Texts)
	}
	if r == nil { // an embedded nil pointer: its fields are left out
		e.raw("}\n")
		return e.flush()
	}
	e.raw(`,"threshold":`)
	e.int(r.Threshold)
	e.raw(`,"groups":`)
	e.list(r.Groups == nil, len(r.Groups), func(i int) { e.group(&r.Groups[i]) })
	e.raw(`,"team":`)
	e.value(r.Team)
	e.raw(`,"gaps":`)
	e.value(r.Gaps)
	e.raw(`,"contrasts":`)
	e.value(r.Contrasts)
	e.raw(`,"strengths":`)
	e.namedThemes(r.Strengths)
	e.raw(`,"opportunities":`)
	e.namedThemes(r.Opportunities)
	e.raw(`,"highest_themes":`)
	e.value(r.HighestThemes)
	e.raw(`,"lowest_themes":`)
	e.value(r.LowestThemes)
	e.raw(`,"unknown_hotspots":`)
	e.value(r.UnknownHotspots)
	if r.Previous != nil {
		e.raw(`,"previous":`)
		e.value(r.Previous)
	}
	e.raw("}\n")
	return e.flush()
}

// jsonWriter writes JSON to a buffer; the first error sticks and stops the rest.
type jsonWriter struct {
	w       *bufio.Writer
	scratch []byte
	err     error
}

func (e *jsonWriter) raw(s string) {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

func (e *jsonWriter) bytes(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

// value writes v as encoding/json does; for the small parts of a report.
func (e *jsonWriter) value(v any) {
	if e.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		e.err = err
		return
	}
	e.bytes(b)
}

func (e *jsonWriter) int(n int) {
	if e.err == nil {
		e.scratch = strconv.AppendInt(e.scratch[:0], int64(n), 10)
		e.bytes(e.scratch)
	}
}

// list writes a JSON array of n elements (null when isNil, as encoding/json writes a
// nil slice), each written by elem.
func (e *jsonWriter) list(isNil bool, n int, elem func(i int)) {
	if isNil {
		e.raw("null")
		return
	}
	e.raw("[")
	for i := range n {
		if e.err != nil {
			return
		}
		if i > 0 {
			e.raw(",")
		}
		elem(i)
	}
	e.raw("]")
}

func (e *jsonWriter) flush() error {
	if e.err != nil {
		return e.err
	}
	return e.w.Flush()
}

func (e *jsonWriter) group(g *Group) {
	e.raw(`{"pillar":`)
	e.str(g.Pillar)
	e.raw(`,"submitted":`)
	e.int(g.Submitted)
	e.raw(`,"withheld":`)
	e.value(g.Withheld)
	e.raw(`,"items":`)
	e.value(g.Items)
	e.raw(`,"sections":`)
	e.value(g.Sections)
	e.raw(`,"themes":`)
	e.value(g.Themes)
	e.raw(`,"strengths":`)
	e.namedTexts(g.Strengths)
	e.raw(`,"opportunities":`)
	e.namedTexts(g.Opportunities)
	e.raw(`,"reflections":`)
	e.list(g.Reflections == nil, len(g.Reflections), func(i int) {
		f := &g.Reflections[i]
		e.raw(`{"pillar":`)
		e.str(f.Pillar)
		e.raw(`,"prompt_id":`)
		e.str(f.PromptID)
		e.raw(`,"text":`)
		e.str(f.Text)
		e.raw("}")
	})
	e.raw(`,"held":`)
	e.int(g.Held)
	if g.Expected != nil {
		e.raw(`,"expected":`)
		e.int(*g.Expected)
	}
	if g.ResponseRate != nil {
		e.raw(`,"response_rate":`)
		e.int(*g.ResponseRate)
	}
	e.raw("}")
}

func (e *jsonWriter) namedTexts(list []assessment.NamedText) {
	e.list(list == nil, len(list), func(i int) {
		n := &list[i]
		e.raw(`{"pillar":`)
		e.str(n.Pillar)
		e.raw(`,"kind":`)
		e.str(n.Kind)
		e.raw(`,"theme":`)
		e.str(n.Theme)
		e.raw(`,"text":`)
		e.str(n.Text)
		e.raw("}")
	})
}

func (e *jsonWriter) namedThemes(list []NamedTheme) {
	e.list(list == nil, len(list), func(i int) {
		nt := &list[i]
		e.raw(`{"theme":`)
		e.str(nt.Theme)
		e.raw(`,"count":`)
		e.int(nt.Count)
		e.raw(`,"texts":`)
		e.list(nt.Texts == nil, len(nt.Texts), func(j int) { e.str(nt.Texts[j]) })
		e.raw("}")
	})
}

// str writes s as a JSON string, as encoding/json writes it.
func (e *jsonWriter) str(s string) {
	if e.err != nil {
		return
	}
	e.scratch = appendJSONString(e.scratch[:0], s)
	e.bytes(e.scratch)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s to dst as encoding/json's Marshal writes a string: quotes,
// backslash and control characters escaped, and so are <, > and & (HTML-safe, the
// default), U+2028 and U+2029; invalid UTF-8 becomes U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= ' ' && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
