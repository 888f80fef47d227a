package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/survey"
)

// The respondents' JSON API: start a response with a join code, then read and change it
// with its resume token. Bodies are JSON only, at most Config.BodyLimit bytes.

type namedJSON struct {
	Text  string `json:"text"`
	Theme string `json:"theme"`
}

// responseRequest is the body of POST /api/v1/responses and PUT /api/v1/responses/{token},
// as decodeResponseRequest reads it (by hand: the tags say what encoding/json would
// match). Answers and Reflections are the last such member as given, a slice of the body.
type responseRequest struct {
	Code        string          `json:"code"`
	Pillar      string          `json:"pillar"`
	Language    string          `json:"language"`
	Answers     json.RawMessage `json:"answers"`
	Reflections json.RawMessage `json:"reflections"`
	Strength    namedJSON       `json:"strength"`
	Opportunity namedJSON       `json:"opportunity"`
	Submit      bool            `json:"submit"`
}

// readJSON reads a JSON request body. Wrong content type → 415; over the limit, broken
// JSON, unknown fields or wrong types → 400; text that is not UTF-8 → 422.
func readJSON(c echo.Context) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationJSON {
		return nil, errUnsupported
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errBodyTooLarge
		}
		return nil, malformed("could not read body")
	}
	if !utf8.Valid(body) {
		return nil, &assessment.ValidationError{Fields: map[string]assessment.FieldError{"body": {Code: assessment.CodeInvalidUTF8}}}
	}
	return body, nil
}

// decodeResponseRequest reads a response body into a response, in one pass over its
// bytes. It is as strict as encoding/json decoding into a responseRequest with
// DisallowUnknownFields, then reading answers and reflections as objects of strings,
// and refuses what that refuses with the same 400 detail: a syntax error (the first
// one, by its byte), else the first wrong type or unknown member in body order, else
// data after the object, else a last "answers", then "reflections", that is not an
// object of strings. Member names match as encoding/json matches them (exactly, else
// case-insensitively); a member given twice keeps its last value, as there, and is
// reported with CodeDuplicate, as are item and prompt ids given twice within the last
// answers and reflections. null, as the body or as a member, changes nothing; null
// answers or reflections are empty.
func decodeResponseRequest(body []byte) (*responseRequest, *assessment.Response, *assessment.ValidationError, error) {
	d := responseDecoder{body: body, s: string(body), req: new(responseRequest)}
	if problem := d.decode(); problem != "" {
		return nil, nil, nil, malformed(problem)
	}
	if d.answers.problem != "" {
		return nil, nil, nil, malformed(d.answers.problem)
	}
	if d.reflections.problem != "" {
		return nil, nil, nil, malformed(d.reflections.problem)
	}
	verr := &assessment.ValidationError{}
	for i, name := range requestMembers {
		if d.twice&(1<<i) != 0 {
			verr.Add(name, assessment.CodeDuplicate)
		}
	}
	for _, id := range d.answers.twice {
		verr.Add("answers."+id, assessment.CodeDuplicate)
	}
	for _, id := range d.reflections.twice {
		verr.Add("reflections."+id, assessment.CodeDuplicate)
	}
	req := d.req
	r := &assessment.Response{
		Pillar:      req.Pillar,
		Language:    req.Language,
		Answers:     d.answers.values,
		Reflections: d.reflections.values,
		Strength:    assessment.Named{Text: req.Strength.Text, Theme: req.Strength.Theme},
		Opportunity: assessment.Named{Text: req.Opportunity.Text, Theme: req.Opportunity.Theme},
	}
	if r.Answers == nil {
		r.Answers = map[string]assessment.Answer{}
	}
	if r.Reflections == nil {
		r.Reflections = map[string]string{}
	}
	return req, r, verr, nil
}

// requestMembers are the members of a responseRequest body, in the order of the
// member constants (memberCode, …).
var requestMembers = []string{"code", "pillar", "language", "answers", "reflections", "strength", "opportunity", "submit"}

// duplicateMembers reports members of an already decoded body that were given twice.
// encoding/json matches member names case-insensitively (as strings.EqualFold) and keeps
// the last one, which would silently drop a whole "answers" object.
func duplicateMembers(body []byte, members []string, verr *assessment.ValidationError) {
	seen := map[string]bool{}
	eachKey(body, func(key string) {
		for _, name := range members {
			if strings.EqualFold(key, name) {
				if seen[name] {
					verr.Add(name, assessment.CodeDuplicate)
				}
				seen[name] = true
			}
		}
	})
}

// eachKey calls fn with each member name of the JSON object raw, in order, given twice
// if it is there twice. It calls nothing when raw is not an object (null, or empty), and
// stops quietly where raw stops being well formed: its decoder has said so already.
func eachKey(raw []byte, fn func(key string)) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		key, _ := tok.(string)
		fn(key)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return
		}
	}
}

// decodeStrict decodes one JSON object into v: unknown fields, wrong types and
// anything after the object are 400 malformed.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return malformed(jsonProblem(err))
	}
	return endOfBody(dec)
}

// strictObject reads body as one JSON object, member by member, for the strict decoders
// that take each member as it comes: member reads the value of the member key from dec
// (an error from it ends the reading and is returned). A body that does not open an
// object is notObject; a name that cannot be read, a missing closing brace, or anything
// after the object is 400 malformed.
func strictObject(body []byte, notObject error, member func(key string, dec *json.Decoder) error) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return notObject
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return malformed(jsonProblem(err))
		}
		key, _ := tok.(string)
		if err := member(key, dec); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return malformed(jsonProblem(err))
	}
	return endOfBody(dec)
}

// endOfBody ends every strict decoder: anything after the JSON object is 400 malformed.
func endOfBody(dec *json.Decoder) error {
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return malformed("unexpected data after the JSON object")
	}
	return nil
}

// The members of a responseRequest body, by their place in requestMembers.
const (
	memberCode = iota
	memberPillar
	memberLanguage
	memberAnswers
	memberReflections
	memberStrength
	memberOpportunity
	memberSubmit
)

// namedMembers are the members of a strength or an opportunity (namedJSON).
var namedMembers = []string{"text", "theme"}

// maxJSONDepth is how deeply encoding/json lets objects and arrays nest.
const maxJSONDepth = 10000

// responseDecoder is decodeResponseRequest's one pass over a body. The three passes
// of encoding/json it replaced are refDecodeResponseRequest in decode_test.go, whose
// fuzz target holds the two equal on any body. Its methods return false once the body
// is found not to be one well-formed JSON value, with the reason in syntax; the
// problems of a well-formed body are noted and reading goes on, since a syntax error
// further on is what encoding/json would report.
type responseDecoder struct {
	body  []byte
	s     string // the body, copied once: a string without escapes is a slice of it
	i     int    // the next byte to read
	depth int    // objects and arrays open at d.i

	syntax string // why the body is not well-formed JSON
	// first is the first member in body order of the wrong type, or unknown, in
	// encoding/json's words (jsonProblem's), for a body that is otherwise well formed.
	first string

	req          *responseRequest
	given, twice uint8 // members given, and given more than once, by bit of their place in requestMembers
	answers      stringsMember[assessment.Answer]
	reflections  stringsMember[string]
}

// stringsMember is what the last "answers" or "reflections" member holds.
type stringsMember[V ~string] struct {
	values  map[string]V // nil when absent or null
	twice   []string     // the ids given more than once
	problem string       // why it is not an object of strings (the reference's words)
}

// stringPair is one member of an object of strings, in body order.
type stringPair struct{ key, value string }

// decode reads the body and returns why it is refused, or "".
func (d *responseDecoder) decode() string {
	if !d.space() {
		return "empty body"
	}
	var ok bool
	switch d.s[d.i] {
	case '{':
		ok = d.request()
	case 'n':
		ok = d.literal("null")
	default:
		d.wrong(" must be a web.responseRequest") // encoding/json's: no field, the type
		ok = d.skip()
	}
	switch {
	case !ok:
		return d.syntax
	case d.first != "":
		return d.first
	case d.space():
		return "unexpected data after the JSON object"
	}
	return ""
}

// request reads the body's object, at d.i.
func (d *responseDecoder) request() bool {
	if !d.open() {
		return false
	}
	req := d.req
	for first := true; ; first = false {
		key, done, ok := d.member(first)
		if !ok || done {
			return ok
		}
		k := memberIndex(key, requestMembers)
		if k < 0 {
			d.wrong("json: unknown field " + strconv.Quote(key))
			if !d.skip() {
				return false
			}
			continue
		}
		bit := uint8(1) << k
		d.twice |= d.given & bit
		d.given |= bit
		switch k {
		case memberCode:
			ok = d.stringValue(&req.Code, "", "code")
		case memberPillar:
			ok = d.stringValue(&req.Pillar, "", "pillar")
		case memberLanguage:
			ok = d.stringValue(&req.Language, "", "language")
		case memberAnswers:
			ok = readStrings(d, &d.answers, "answers", &req.Answers)
		case memberReflections:
			ok = readStrings(d, &d.reflections, "reflections", &req.Reflections)
		case memberStrength:
			ok = d.named(&req.Strength, "strength")
		case memberOpportunity:
			ok = d.named(&req.Opportunity, "opportunity")
		case memberSubmit:
			ok = d.boolValue(&req.Submit, "submit")
		}
		if !ok {
			return false
		}
	}
}

// memberIndex finds key among names as encoding/json finds a struct field for a
// member: exactly, else regardless of case (Unicode simple folding, as
// strings.EqualFold); -1 when none matches.
func memberIndex(key string, names []string) int {
	for i, name := range names {
		if key == name {
			return i
		}
	}
	for i, name := range names {
		if strings.EqualFold(key, name) {
			return i
		}
	}
	return -1
}

// stringValue reads a string member into *dst; null leaves *dst as it is.
func (d *responseDecoder) stringValue(dst *string, parent, name string) bool {
	c, ok := d.peek()
	switch {
	case !ok:
		return false
	case c == '"':
		*dst, ok = d.str()
		return ok
	case c == 'n':
		return d.literal("null")
	}
	if parent != "" {
		name = parent + "." + name
	}
	d.wrong(name + " must be a string")
	return d.skip()
}

// boolValue reads a boolean member into *dst; null leaves *dst as it is.
func (d *responseDecoder) boolValue(dst *bool, name string) bool {
	c, ok := d.peek()
	switch {
	case !ok:
		return false
	case c == 't':
		*dst = true
		return d.literal("true")
	case c == 'f':
		*dst = false
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	}
	d.wrong(name + " must be a bool")
	return d.skip()
}

// named reads a strength or an opportunity into *dst, over what an earlier member of
// the same name gave (encoding/json's merge); null leaves *dst as it is.
func (d *responseDecoder) named(dst *namedJSON, name string) bool {
	c, ok := d.peek()
	switch {
	case !ok:
		return false
	case c == 'n':
		return d.literal("null")
	case c != '{':
		d.wrong(name + " must be a web.namedJSON")
		return d.skip()
	}
	if !d.open() {
		return false
	}
	for first := true; ; first = false {
		key, done, ok := d.member(first)
		if !ok || done {
			return ok
		}
		switch memberIndex(key, namedMembers) {
		case 0:
			ok = d.stringValue(&dst.Text, name, "text")
		case 1:
			ok = d.stringValue(&dst.Theme, name, "theme")
		default:
			d.wrong("json: unknown field " + strconv.Quote(key))
			ok = d.skip()
		}
		if !ok {
			return false
		}
	}
}

// readStrings reads an "answers" or "reflections" member into m, in place of what an
// earlier one gave, and its bytes into *raw.
func readStrings[V ~string](d *responseDecoder, m *stringsMember[V], field string, raw *json.RawMessage) bool {
	c, ok := d.peek()
	if !ok {
		return false
	}
	start := d.i
	*m = stringsMember[V]{twice: m.twice[:0]}
	switch c {
	case 'n':
		ok = d.literal("null")
	case '{':
		ok = readStringObject(d, m, field)
	default:
		m.problem = field + " must be an object of strings"
		ok = d.skip()
	}
	*raw = d.body[start:d.i]
	return ok
}

// readStringObject reads the object of strings at d.i into m. Its first value that is
// not a string is m's problem, and m then holds no values.
func readStringObject[V ~string](d *responseDecoder, m *stringsMember[V], field string) bool {
	if !d.open() {
		return false
	}
	var buf [32]stringPair // a pillar's items, without allocating
	pairs := buf[:0]
	for first := true; ; first = false {
		key, done, ok := d.member(first)
		if !ok {
			return false
		}
		if done {
			break
		}
		c, ok := d.peek()
		if !ok {
			return false
		}
		if c == '"' {
			value, ok := d.str()
			if !ok {
				return false
			}
			if m.problem == "" {
				pairs = append(pairs, stringPair{key, value})
			}
			continue
		}
		start := d.i
		if !d.skip() {
			return false
		}
		if m.problem != "" {
			continue
		}
		m.problem = field + "." + key + " must be a string"
		if number := d.s[start:d.i]; c == '-' || '0' <= c && c <= '9' {
			// encoding/json's tokenizer, which read these before, made numbers float64
			// first: one out of range was its error.
			if _, err := strconv.ParseFloat(number, 64); err != nil {
				m.problem = field + ": json: cannot unmarshal number " + number + " into Go value of type float64"
			}
		}
	}
	if m.problem != "" {
		return true
	}
	m.values = make(map[string]V, len(pairs))
	for _, p := range pairs {
		n := len(m.values)
		m.values[p.key] = V(p.value)
		if len(m.values) == n {
			m.twice = append(m.twice, p.key)
		}
	}
	return true
}

// skip reads one value of any kind.
func (d *responseDecoder) skip() bool {
	c, ok := d.peek()
	if !ok {
		return false
	}
	switch {
	case c == '{':
		if !d.open() {
			return false
		}
		for first := true; ; first = false {
			_, done, ok := d.member(first)
			if !ok || done {
				return ok
			}
			if !d.skip() {
				return false
			}
		}
	case c == '[':
		if !d.open() {
			return false
		}
		for first := true; ; first = false {
			c, ok := d.peek()
			if !ok {
				return false
			}
			if c == ']' && first {
				d.close()
				return true
			}
			if !first {
				switch c {
				case ']':
					d.close()
					return true
				case ',':
					d.i++
				default:
					return d.bad(d.i)
				}
			}
			if !d.skip() {
				return false
			}
		}
	case c == '"':
		_, ok := d.str()
		return ok
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	}
	return d.bad(d.i)
}

// member reads, in an object, up to the value of its next member: the comma before
// it unless first, its key and the colon. done is true, and the object read, when the
// object ends instead.
func (d *responseDecoder) member(first bool) (key string, done, ok bool) {
	c, ok := d.peek()
	if !ok {
		return "", false, false
	}
	if c == '}' && first {
		d.close()
		return "", true, true
	}
	if !first {
		switch c {
		case '}':
			d.close()
			return "", true, true
		case ',':
			d.i++
			if c, ok = d.peek(); !ok {
				return "", false, false
			}
		default:
			return "", false, d.bad(d.i)
		}
	}
	if c != '"' {
		return "", false, d.bad(d.i)
	}
	if key, ok = d.str(); !ok {
		return "", false, false
	}
	if c, ok = d.peek(); !ok {
		return "", false, false
	}
	if c != ':' {
		return "", false, d.bad(d.i)
	}
	d.i++
	return key, false, true
}

// open reads the '{' or '[' at d.i.
func (d *responseDecoder) open() bool {
	d.depth++
	if d.depth > maxJSONDepth {
		return d.bad(d.i)
	}
	d.i++
	return true
}

// close reads the '}' or ']' at d.i.
func (d *responseDecoder) close() {
	d.depth--
	d.i++
}

// str reads the string whose opening quote is at d.i and returns its value as
// encoding/json does: escapes resolved, a byte that is not part of UTF-8 as U+FFFD.
func (d *responseDecoder) str() (string, bool) {
	start := d.i + 1
	ascii := true
	for j := start; j < len(d.s); j++ {
		switch c := d.s[j]; {
		case c == '"':
			d.i = j + 1
			v := d.s[start:j]
			if !ascii && !utf8.ValidString(v) {
				v = unquote(v)
			}
			return v, true
		case c == '\\':
			return d.escaped(start, j)
		case c < ' ':
			return "", d.bad(j)
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", d.early()
}

// escaped reads on from the first escape, at j, of the string whose contents begin at
// start.
func (d *responseDecoder) escaped(start, j int) (string, bool) {
	for j < len(d.s) {
		switch c := d.s[j]; {
		case c == '"':
			d.i = j + 1
			return unquote(d.s[start:j]), true
		case c == '\\':
			j++
			if j == len(d.s) {
				return "", d.early()
			}
			switch d.s[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j++
			case 'u':
				j++
				for end := j + 4; j < end; j++ {
					if j == len(d.s) {
						return "", d.early()
					}
					if hexDigit(d.s[j]) < 0 {
						return "", d.bad(j)
					}
				}
			default:
				return "", d.bad(j)
			}
		case c < ' ':
			return "", d.bad(j)
		default:
			j++
		}
	}
	return "", d.early()
}

// unquote resolves the escapes in the contents of a well-formed JSON string and
// replaces each byte that is not part of UTF-8 with U+FFFD, as encoding/json does
// (a lone or unpaired surrogate escape is U+FFFD too).
func unquote(s string) string {
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '\\':
			switch e := s[i+1]; e {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(s[i+2 : i+6])
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if pair := utf16.DecodeRune(r, hex4(s[i+2:i+6])); pair != utf8.RuneError {
							b = utf8.AppendRune(b, pair)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
				continue
			default: // '"', '\\', '/'
				b = append(b, e)
			}
			i += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			b = utf8.AppendRune(b, r)
			i += n
		}
	}
	return string(b)
}

// hex4 reads four hexadecimal digits.
func hex4(s string) rune {
	var r rune
	for i := range 4 {
		r = r<<4 | hexDigit(s[i])
	}
	return r
}

// hexDigit is the value of a hexadecimal digit, or -1.
func hexDigit(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// number reads the number that begins at d.i.
func (d *responseDecoder) number() bool {
	if d.s[d.i] == '-' {
		d.i++
	}
	if d.i < len(d.s) && d.s[d.i] == '0' {
		d.i++
	} else if !d.digits() {
		return false
	}
	if d.i < len(d.s) && d.s[d.i] == '.' {
		d.i++
		if !d.digits() {
			return false
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		d.i++
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		if !d.digits() {
			return false
		}
	}
	return true
}

// digits reads one digit or more.
func (d *responseDecoder) digits() bool {
	if d.i == len(d.s) {
		return d.early()
	}
	if c := d.s[d.i]; c < '0' || c > '9' {
		return d.bad(d.i)
	}
	for d.i++; d.i < len(d.s) && '0' <= d.s[d.i] && d.s[d.i] <= '9'; d.i++ {
	}
	return true
}

// literal reads true, false or null, whose first letter is at d.i.
func (d *responseDecoder) literal(word string) bool {
	for k := range len(word) {
		if d.i == len(d.s) {
			return d.early()
		}
		if d.s[d.i] != word[k] {
			return d.bad(d.i)
		}
		d.i++
	}
	return true
}

// space skips white space and reports whether a byte follows it.
func (d *responseDecoder) space() bool {
	for ; d.i < len(d.s); d.i++ {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
		default:
			return true
		}
	}
	return false
}

// peek skips white space and returns the byte after it; the body ending there ends
// too early.
func (d *responseDecoder) peek() (byte, bool) {
	if !d.space() {
		return 0, d.early()
	}
	return d.s[d.i], true
}

// bad stops reading at the byte at j, where the body stops being JSON (encoding/json
// counts bytes from 1).
func (d *responseDecoder) bad(j int) bool {
	d.syntax = "invalid JSON at byte " + strconv.Itoa(j+1)
	return false
}

// early stops reading where the body ends in the middle of the value.
func (d *responseDecoder) early() bool {
	d.syntax = "JSON ends too early"
	return false
}

// wrong notes a problem of a well-formed body, keeping the first.
func (d *responseDecoder) wrong(problem string) {
	if d.first == "" {
		d.first = problem
	}
}

func jsonProblem(err error) string {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s must be a %s", typ.Field, typ.Type.String())
	case errors.Is(err, io.EOF):
		return "empty body"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "JSON ends too early"
	}
	return err.Error()
}

// responseCreated is the reply to a respondent's write. It carries no id: responses are
// numbered in order across the server, and a respondent given that number would learn how
// many responses the server holds (the resume token is what names a response to them).
type responseCreated struct {
	ResumeToken string `json:"resume_token,omitempty"`
	ResumeURL   string `json:"resume_url,omitempty"`
	Status      string `json:"status"`
}

func (s *Server) apiCreateResponse(c echo.Context) error {
	body, err := readJSON(c)
	if err != nil {
		return err
	}
	req, r, problems, err := decodeResponseRequest(body)
	if err != nil {
		return err
	}
	once, err := idempotencyKey(c, body)
	if err != nil {
		return err
	}
	if strings.TrimSpace(req.Code) == "" {
		return s.svc.RefuseWithoutCode(r, req.Submit, problems)
	}
	a, err := s.roundForCode(c, req.Code)
	if err != nil {
		return err
	}
	saved, err := s.svc.SaveResponse(c.Request().Context(), survey.ResponseSave{Round: a, Response: r, Submit: req.Submit, Problems: problems,
		Client: clientNetwork(c.RealIP()), Once: once})
	if err != nil {
		return err
	}
	if saved.FirstSubmission {
		s.metrics.responseSubmitted()
	}
	if saved.Replayed {
		c.Response().Header().Set(headerReplayed, "true")
	}
	created(c, "/api/v1/responses/"+saved.Token)
	c.Response().Header().Set(headerETag, versionETag(saved.Version))
	return c.JSON(http.StatusCreated, responseCreated{ResumeToken: saved.Token, ResumeURL: s.resumeLink(c, saved.Token), Status: string(saved.Status)})
}

// created sets the Location of what a 201 created: its path under the API (RFC 9110
// §10.2.2; relative, so it holds behind any proxy).
func created(c echo.Context, path string) {
	c.Response().Header().Set(echo.HeaderLocation, path)
}

// The headers of idempotent writes: the client's key, and the mark on an answer given
// again for a request already stored.
const (
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotent-Replayed"
)

// idempotencyKey reads the request's Idempotency-Key, if any, into a survey.Once that
// binds it to this method, path and body. A header that cannot be a key is a 400.
func idempotencyKey(c echo.Context, body []byte) (*survey.Once, error) {
	values := c.Request().Header.Values(headerIdempotencyKey)
	if len(values) == 0 {
		return nil, nil
	}
	if len(values) > 1 || !survey.ValidKey(values[0]) {
		return nil, errKeyInvalid
	}
	r := c.Request()
	return &survey.Once{Key: values[0], Request: r.Method + " " + r.URL.Path + "\n" + string(body)}, nil
}

// apiUpdateResponse replaces a response's content. A draft save ("submit": false)
// changes a draft only: once submitted, a response changes only by a complete
// submission, and a draft save gets 409 already_submitted and changes nothing.
func (s *Server) apiUpdateResponse(c echo.Context) error {
	res, err := s.resumed(c, c.Param("token"))
	if err != nil {
		return err
	}
	body, err := readJSON(c)
	if err != nil {
		return err
	}
	if !res.IsOpen() {
		return errClosed
	}
	req, r, problems, err := decodeResponseRequest(body)
	if err != nil {
		return err
	}
	ifVersion, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	saved, err := s.svc.SaveResponse(c.Request().Context(), survey.ResponseSave{
		Round: res.Round, Stored: res.Response, Response: r, Submit: req.Submit, Problems: problems, IfVersion: ifVersion,
	})
	if err != nil {
		return err
	}
	if saved.FirstSubmission {
		s.metrics.responseSubmitted()
	}
	c.Response().Header().Set(headerETag, versionETag(saved.Version))
	return c.JSON(http.StatusOK, responseCreated{Status: string(saved.Status)})
}

// responseJSON is a response as its token's holder reads it; without an id, as
// responseCreated.
type responseJSON struct {
	Status      string            `json:"status"`
	Pillar      string            `json:"pillar"`
	Language    string            `json:"language"`
	Assessment  assessmentBrief   `json:"assessment"`
	Answers     map[string]string `json:"answers"`
	Reflections map[string]string `json:"reflections"`
	Strength    namedJSON         `json:"strength"`
	Opportunity namedJSON         `json:"opportunity"`
	Progress    progressJSON      `json:"progress"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	SubmittedAt *time.Time        `json:"submitted_at"`
}

type assessmentBrief struct {
	Title             string `json:"title"`
	Team              string `json:"team"`
	Status            string `json:"status"`
	InstrumentVersion string `json:"instrument_version"`
}

type progressJSON struct {
	Answered int `json:"answered"`
	Total    int `json:"total"`
}

func (s *Server) apiGetResponse(c echo.Context) error {
	res, err := s.resumed(c, c.Param("token"))
	if err != nil {
		return err
	}
	c.Response().Header().Set(headerETag, versionETag(res.Response.Version))
	return c.JSON(http.StatusOK, s.responseJSONOf(res))
}

// responseJSONOf is a stored response as its reader sees it: the respondent through
// their link, or the facilitator who entered it from paper.
func (s *Server) responseJSONOf(res *survey.Resumed) responseJSON {
	r, a, in := res.Response, res.Round, res.Instrument
	out := responseJSON{
		Status: string(r.Status), Pillar: r.Pillar, Language: r.Language,
		Assessment:  assessmentBrief{Title: a.Title, Team: a.Team, Status: string(a.Status), InstrumentVersion: a.InstrumentVersion},
		Answers:     make(map[string]string, len(r.Answers)),
		Reflections: r.Reflections,
		Strength:    namedJSON{Text: r.Strength.Text, Theme: r.Strength.Theme},
		Opportunity: namedJSON{Text: r.Opportunity.Text, Theme: r.Opportunity.Theme},
		CreatedAt:   r.CreatedAt, UpdatedAt: r.UpdatedAt, SubmittedAt: r.SubmittedAt,
	}
	for id, v := range r.Answers {
		out.Answers[id] = string(v)
	}
	if p := in.Pillar(r.Pillar); p != nil {
		out.Progress.Answered, out.Progress.Total = r.Progress(p)
	}
	return out
}

// The instrument, for clients that build their own form.

type instrumentJSON struct {
	Version string       `json:"version"`
	Answers []string     `json:"answers"`
	Themes  []keyTitle   `json:"themes"`
	Pillars []pillarJSON `json:"pillars"`
}

type keyTitle struct {
	Key   string `json:"key"`
	Title string `json:"title"`
}

type pillarJSON struct {
	Key         string        `json:"key"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	Sections    []sectionJSON `json:"sections"`
	Reflections []promptJSON  `json:"reflections"`
}

type sectionJSON struct {
	Key   string     `json:"key"`
	Title string     `json:"title"`
	Items []itemJSON `json:"items"`
}

type itemJSON struct {
	ID    string `json:"id"`
	Text  string `json:"text"`
	Theme string `json:"theme"`
}

type promptJSON struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

func (s *Server) apiInstrument(c echo.Context) error {
	lang, err := queryLang(c, locale.English)
	if err != nil {
		return err
	}
	in := s.svc.Instruments().Current()
	out := instrumentJSON{Version: in.Version}
	for _, a := range assessment.Answers {
		out.Answers = append(out.Answers, string(a))
	}
	for _, th := range in.Themes {
		out.Themes = append(out.Themes, keyTitle{Key: th.Key, Title: th.Title.In(lang)})
	}
	for _, p := range in.Pillars {
		pj := pillarJSON{Key: p.Key, Title: p.Title.In(lang), Description: p.Description.In(lang)}
		for _, sec := range p.Sections {
			sj := sectionJSON{Key: sec.Key, Title: sec.Title.In(lang)}
			for _, it := range sec.Items {
				sj.Items = append(sj.Items, itemJSON{ID: it.ID, Text: it.Text.In(lang), Theme: it.Theme})
			}
			pj.Sections = append(pj.Sections, sj)
		}
		for _, pr := range p.Reflections {
			pj.Reflections = append(pj.Reflections, promptJSON{ID: pr.ID, Text: pr.Text.In(lang)})
		}
		out.Pillars = append(out.Pillars, pj)
	}
	return c.JSON(http.StatusOK, out)
}
