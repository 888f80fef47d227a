package assessment

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
)

// Text length limits, in characters (runes).
const (
	MaxReflectionLen = 2000
	MaxNamedLen      = 1000
	MaxTitleLen      = 200
)

// Field error codes. The web package turns each into a message in the reader's language.
const (
	CodeRequired    = "required"     // a value is needed (to submit)
	CodeInvalid     = "invalid"      // not one of the allowed values
	CodeUnknown     = "unknown"      // an item, prompt or theme id that does not exist here
	CodeTooLong     = "too_long"     // over the length limit
	CodeTooShort    = "too_short"    // under the length minimum
	CodeInvalidUTF8 = "invalid_utf8" // not valid UTF-8 text
	CodeControl     = "control"      // NUL or other control characters
	CodeMarkup      = "markup"       // looks like HTML or script
	CodeFormula     = "formula"      // starts like a spreadsheet formula
	CodeDuplicate   = "duplicate"    // the same field given twice
	CodeConfirm     = "confirm"      // a risky value needs an explicit confirmation
	CodeFixed       = "fixed"        // a value that can no longer change (a submitted response's pillar)
	CodeWeak        = "weak"         // a password with too few different characters
)

// FieldError says what is wrong with one field.
type FieldError struct {
	Code string
	// Limit is the length limit for CodeTooLong, else 0.
	Limit int
}

// ValidationError lists every bad field of a request at once, keyed by field path:
// "pillar", "language", "answers.L-01", "reflections.L-R1", "strength.text",
// "strength.theme", "opportunity.text", "opportunity.theme", "title", "team",
// "threshold".
type ValidationError struct {
	Fields map[string]FieldError
}

func (e *ValidationError) Error() string {
	keys := e.Keys()
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k].Code
	}
	return "invalid input: " + strings.Join(parts, ", ")
}

// Keys returns the bad field paths in a stable order.
func (e *ValidationError) Keys() []string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Add records a field error, keeping the first one recorded for a field.
func (e *ValidationError) Add(field, code string) {
	e.AddLimit(field, code, 0)
}

// AddLimit records a field error with a length limit.
func (e *ValidationError) AddLimit(field, code string, limit int) {
	if e.Fields == nil {
		e.Fields = map[string]FieldError{}
	}
	if _, seen := e.Fields[field]; !seen {
		e.Fields[field] = FieldError{Code: code, Limit: limit}
	}
}

// OrNil returns e when it holds a field error, else nil.
func (e *ValidationError) OrNil() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// CleanText checks free text a person typed and returns it tidied: surrounding space
// trimmed and line endings made "\n". The code is "" when the text is acceptable.
//
// Text is refused when it is not UTF-8, holds control characters other than line breaks
// and tabs, is longer than max runes, looks like HTML markup ("<b>", "</", "<!", "<?"),
// or starts like a spreadsheet formula. A lone "<3" or "a < b" is fine, and so is a
// dash bullet like "- more time": the formula rule only refuses text starting with "="
// or "@", or with "+"/"-" directly followed by something formula-like.
func CleanText(s string, max int) (string, string) {
	if !utf8.ValidString(s) {
		return "", CodeInvalidUTF8
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimSpace(s)
	for _, r := range s {
		if r == '\n' || r == '\t' {
			continue
		}
		if unicode.IsControl(r) || invisible(r) {
			return "", CodeControl
		}
	}
	if utf8.RuneCountInString(s) > max {
		return "", CodeTooLong
	}
	if looksLikeMarkup(s) {
		return "", CodeMarkup
	}
	if looksLikeFormula(s) {
		return "", CodeFormula
	}
	return s, ""
}

// invisible reports characters that show nothing, or reorder what is shown, in text a
// facilitator reads: zero-width spaces and marks, bidirectional embeddings, overrides and
// isolates, the word joiner and invisible operators, line and paragraph separators, the
// byte-order mark and interlinear annotations. They can hide or disguise words. The
// zero-width joiner stays allowed: emoji sequences need it.
func invisible(r rune) bool {
	switch {
	case r == '\u200B', r == '\u200C', r == '\u200E', r == '\u200F', // zero-width space and non-joiner, LRM, RLM
		r == '\u061C', r == '\u180E', // Arabic letter mark, Mongolian vowel separator
		r == '\u2028', r == '\u2029', // line and paragraph separators
		r >= '\u202A' && r <= '\u202E', // bidirectional embeddings and overrides
		r >= '\u2060' && r <= '\u2064', // word joiner, invisible operators
		r >= '\u2066' && r <= '\u2069', // bidirectional isolates
		r == '\uFEFF',                  // byte-order mark, zero-width no-break space
		r >= '\uFFF9' && r <= '\uFFFB': // interlinear annotations
		return true
	}
	return false
}

func looksLikeMarkup(s string) bool {
	for i := 0; i < len(s)-1; i++ {
		if s[i] != '<' {
			continue
		}
		next := rune(s[i+1])
		if next == '/' || next == '!' || next == '?' || (next < utf8.RuneSelf && unicode.IsLetter(next)) {
			return true
		}
	}
	return false
}

func looksLikeFormula(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '@':
		return true
	case '+', '-':
		if len(s) == 1 || s[1] == ' ' || s[1] == '\n' || s[1] == '\t' {
			return false // a bullet or a lone sign
		}
		return strings.ContainsAny(s, "=(|!")
	}
	return false
}

// Validate checks a response against the instrument version of its assessment and
// tidies its texts in place. With submit, the response must also be complete: every item
// answered (Unknown counts as an answer), and a key strength and an opportunity written.
// All problems are reported at once in a *ValidationError.
func (r *Response) Validate(in *pillars.Instrument, submit bool) error {
	verr := &ValidationError{}
	if !exactLanguage(r.Language) {
		verr.Add("language", CodeInvalid)
	}
	p := in.Pillar(r.Pillar)
	if p == nil {
		verr.Add("pillar", CodeInvalid)
	}
	for id, a := range r.Answers {
		field := "answers." + id
		if !utf8.ValidString(id) {
			verr.Add("answers", CodeInvalidUTF8)
			continue
		}
		if p != nil && !p.HasItem(id) {
			verr.Add(field, CodeUnknown)
			continue
		}
		if !a.Valid() {
			verr.Add(field, CodeInvalid)
		}
	}
	for id, text := range r.Reflections {
		field := "reflections." + id
		if !utf8.ValidString(id) {
			verr.Add("reflections", CodeInvalidUTF8)
			continue
		}
		if p != nil && !p.HasPrompt(id) {
			verr.Add(field, CodeUnknown)
			continue
		}
		clean, code := CleanText(text, MaxReflectionLen)
		if code != "" {
			verr.AddLimit(field, code, MaxReflectionLen)
			continue
		}
		if clean == "" {
			delete(r.Reflections, id)
		} else {
			r.Reflections[id] = clean
		}
	}
	r.Strength = checkNamed(verr, in, "strength", r.Strength, submit)
	r.Opportunity = checkNamed(verr, in, "opportunity", r.Opportunity, submit)
	if submit && p != nil {
		for _, it := range p.Items() {
			if _, ok := r.Answers[it.ID]; !ok {
				verr.Add("answers."+it.ID, CodeRequired)
			}
		}
	}
	return verr.OrNil()
}

// exactLanguage reports whether s is exactly the code of a language ecat speaks ("fr",
// not "FR" or "fr-CA"): it is stored as given, and the API documents the codes as an enum.
func exactLanguage(s string) bool {
	l, ok := locale.ParseCode(s)
	return ok && string(l) == s
}

func checkNamed(verr *ValidationError, in *pillars.Instrument, field string, n Named, submit bool) Named {
	clean, code := CleanText(n.Text, MaxNamedLen)
	switch {
	case code != "":
		// Keep what was typed, so the form can show it back next to the error.
		verr.AddLimit(field+".text", code, MaxNamedLen)
	case clean == "" && submit:
		verr.Add(field+".text", CodeRequired)
		n.Text = clean
	default:
		n.Text = clean
	}
	if n.Theme != "" && in.Theme(n.Theme) == nil {
		verr.Add(field+".theme", CodeUnknown)
	}
	return n
}

// NewAssessment checks the settings of a new assessment and returns it, open, with a
// fresh join code. A threshold below SafeThreshold needs confirmLow, because small
// groups make answers easier to single out.
func NewAssessment(title, team, language string, threshold int, confirmLow bool, instrumentVersion string) (*Assessment, error) {
	verr := &ValidationError{}
	a := &Assessment{Status: Open, Round: 1, InstrumentVersion: instrumentVersion, Threshold: threshold}
	a.Title = requiredTextMax(verr, "title", title, MaxTitleLen)
	a.Team = requiredTextMax(verr, "team", team, MaxTitleLen)
	if exactLanguage(language) {
		a.Language = language
	} else {
		verr.Add("language", CodeInvalid)
	}
	switch {
	case threshold < MinThreshold || threshold > MaxThreshold:
		verr.Add("threshold", CodeInvalid)
	case threshold < SafeThreshold && !confirmLow:
		verr.Add("threshold", CodeConfirm)
	}
	if err := verr.OrNil(); err != nil {
		return nil, err
	}
	a.Code = NewJoinCode()
	return a, nil
}
