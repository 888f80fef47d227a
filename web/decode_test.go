package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/internal/benchpair"
	"github.com/ecat-project/ecat/pillars"
)

// The response body used to be read three times: encoding/json into a responseRequest
// (DisallowUnknownFields), then again for members given twice, then answers and
// reflections once more for ids given twice. decodeResponseRequest now reads it once,
// by hand; refDecodeResponseRequest below is the three passes as they were, the
// reference it must agree with on every body.

// refDecodeResponseRequest is decodeResponseRequest as it was before the one pass.
func refDecodeResponseRequest(body []byte) (*responseRequest, *assessment.Response, *assessment.ValidationError, error) {
	var req responseRequest
	if err := refDecodeStrict(body, &req); err != nil {
		return nil, nil, nil, err
	}
	verr := &assessment.ValidationError{}
	refDuplicateMembers(body, requestMembers, verr)
	answers, err := refStringObject(req.Answers, "answers", verr)
	if err != nil {
		return nil, nil, nil, err
	}
	reflections, err := refStringObject(req.Reflections, "reflections", verr)
	if err != nil {
		return nil, nil, nil, err
	}
	r := &assessment.Response{
		Pillar:      req.Pillar,
		Language:    req.Language,
		Answers:     make(map[string]assessment.Answer, len(answers)),
		Reflections: reflections,
		Strength:    assessment.Named{Text: req.Strength.Text, Theme: req.Strength.Theme},
		Opportunity: assessment.Named{Text: req.Opportunity.Text, Theme: req.Opportunity.Theme},
	}
	for id, v := range answers {
		r.Answers[id] = assessment.Answer(v)
	}
	return &req, r, verr, nil
}

func refDuplicateMembers(body []byte, members []string, verr *assessment.ValidationError) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return // null
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		key, _ := tok.(string)
		for _, name := range members {
			if strings.EqualFold(key, name) {
				if seen[name] {
					verr.Add(name, assessment.CodeDuplicate)
				}
				seen[name] = true
			}
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return
		}
	}
}

func refDecodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return malformed(refJSONProblem(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return malformed("unexpected data after the JSON object")
	}
	return nil
}

func refStringObject(raw json.RawMessage, field string, verr *assessment.ValidationError) (map[string]string, error) {
	out := map[string]string{}
	if len(raw) == 0 || string(raw) == "null" {
		return out, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, malformed(field + " must be an object of strings")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, malformed(field + ": " + err.Error())
		}
		key := tok.(string) // object keys are always strings
		tok, err = dec.Token()
		if err != nil {
			return nil, malformed(field + ": " + err.Error())
		}
		value, ok := tok.(string)
		if !ok {
			return nil, malformed(fmt.Sprintf("%s.%s must be a string", field, key))
		}
		if _, dup := out[key]; dup {
			verr.Add(field+"."+key, assessment.CodeDuplicate)
		}
		out[key] = value
	}
	return out, nil
}

func refJSONProblem(err error) string {
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

// sameAsReference fails unless decodeResponseRequest and the three passes agree on
// body: the same refusal with the same detail, or the same request, response and
// duplicates. It returns the one pass's error.
func sameAsReference(t *testing.T, body []byte) error {
	t.Helper()
	req, r, verr, err := decodeResponseRequest(body)
	wantReq, wantR, wantVerr, wantErr := refDecodeResponseRequest(body)
	if err != nil || wantErr != nil {
		if !reflect.DeepEqual(err, wantErr) {
			t.Fatalf("body %q:\n one pass:    %v\n three passes: %v", body, err, wantErr)
		}
		if req != nil || r != nil || verr != nil {
			t.Fatalf("body %q: refused, but parts returned", body)
		}
		return err
	}
	if !reflect.DeepEqual(req, wantReq) {
		t.Fatalf("body %q: request\n one pass:     %+v\n three passes: %+v", body, req, wantReq)
	}
	if !reflect.DeepEqual(r, wantR) {
		t.Fatalf("body %q: response\n one pass:     %+v\n three passes: %+v", body, r, wantR)
	}
	if !reflect.DeepEqual(verr, wantVerr) {
		t.Fatalf("body %q: problems\n one pass:     %v\n three passes: %v", body, verr, wantVerr)
	}
	return nil
}

// decodeCases are bodies with what decodeResponseRequest says of them: its 400
// detail, or "" and the duplicates it reports (field → ""), or the decoded parts
// checked by check.
var decodeCases = []struct {
	name, body string
	detail     string
	duplicates []string
	check      func(*responseRequest, *assessment.Response) bool
}{
	{name: "complete", body: `{"code":"7KQ2-M9XD-4HTV-RB3C","pillar":"staff","language":"en","answers":{"S-01":"yes","S-02":"no"},"reflections":{"S-R1":"We meet monthly."},"strength":{"text":"Shared huddles","theme":"relationships"},"opportunity":{"text":"More time","theme":"resources"},"submit":true}`,
		check: func(req *responseRequest, r *assessment.Response) bool {
			return req.Code == "7KQ2-M9XD-4HTV-RB3C" && req.Submit && r.Pillar == "staff" && r.Language == "en" &&
				len(r.Answers) == 2 && r.Answers["S-02"] == assessment.No && r.Reflections["S-R1"] == "We meet monthly." &&
				r.Strength == assessment.Named{Text: "Shared huddles", Theme: "relationships"} && r.Opportunity.Theme == "resources" &&
				string(req.Answers) == `{"S-01":"yes","S-02":"no"}`
		}},
	{name: "white space everywhere", body: " \t\r\n{ \"pillar\" : \"staff\" , \"answers\" : { \"S-01\" : \"yes\" } , \"submit\" : false } \n",
		check: func(req *responseRequest, r *assessment.Response) bool {
			return r.Answers["S-01"] == assessment.Yes && !req.Submit
		}},
	{name: "null body", body: `null`,
		check: func(req *responseRequest, r *assessment.Response) bool {
			return reflect.DeepEqual(*req, responseRequest{}) && r.Answers != nil && len(r.Answers) == 0 && r.Reflections != nil
		}},
	{name: "null members", body: `{"code":null,"answers":null,"reflections":null,"strength":null,"submit":null}`,
		check: func(req *responseRequest, r *assessment.Response) bool {
			return req.Code == "" && r.Answers != nil && len(r.Answers) == 0 && r.Reflections != nil && len(r.Reflections) == 0
		}},
	{name: "escapes", body: `{"pillar":"st\u0061ff","strength":{"text":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00"},"answers":{"S\u002d01":"yes"}}`,
		check: func(req *responseRequest, r *assessment.Response) bool {
			return r.Pillar == "staff" && r.Strength.Text == "a\"b\\c/d\b\f\n\r\té😀" && r.Answers["S-01"] == assessment.Yes
		}},
	{name: "lone surrogates", body: `{"strength":{"text":"\ud800x\udc00\ud800\u0041"}}`,
		check: func(_ *responseRequest, r *assessment.Response) bool {
			return r.Strength.Text == "\uFFFDx\uFFFD\uFFFDA"
		}},
	{name: "bytes not UTF-8", body: "{\"strength\":{\"text\":\"caf\xc3\x28\xff\"}}",
		check: func(_ *responseRequest, r *assessment.Response) bool { return r.Strength.Text == "caf\uFFFD(\uFFFD" }},
	{name: "names in other cases", body: `{"PILLAR":"staff","Strength":{"TEXT":"x","tHeMe":"y"},"ſubmit":true,"co\u212ae":"no"}`, detail: "json: unknown field \"co\u212ae\""},
	{name: "names in other cases decoded", body: `{"PILLAR":"staff","Strength":{"TEXT":"x","tHeMe":"y"},"ſubmit":true}`,
		check: func(req *responseRequest, r *assessment.Response) bool {
			return r.Pillar == "staff" && r.Strength == assessment.Named{Text: "x", Theme: "y"} && req.Submit
		}},
	{name: "dotless i is another letter", body: `{"pıllar":"staff"}`, detail: `json: unknown field "pıllar"`},
	{name: "strength given twice merges", body: `{"strength":{"text":"a"},"strength":{"theme":"b"},"strength":null}`, duplicates: []string{"strength"},
		check: func(_ *responseRequest, r *assessment.Response) bool {
			return r.Strength == assessment.Named{Text: "a", Theme: "b"}
		}},
	{name: "text given twice inside strength", body: `{"strength":{"text":"a","TEXT":"b"}}`,
		check: func(_ *responseRequest, r *assessment.Response) bool { return r.Strength.Text == "b" }},
	{name: "code then null", body: `{"code":"x","Code":null}`, duplicates: []string{"code"},
		check: func(req *responseRequest, _ *assessment.Response) bool { return req.Code == "x" }},
	{name: "answers given twice, last kept", body: `{"answers":{"S-01":"yes","S-01":"no","S-09":1},"ANSWERS":{"S-02":"no"}}`, duplicates: []string{"answers"},
		check: func(_ *responseRequest, r *assessment.Response) bool {
			return len(r.Answers) == 1 && r.Answers["S-02"] == assessment.No
		}},
	{name: "answers then null", body: `{"answers":{"S-01":"yes"},"answers":null}`, duplicates: []string{"answers"},
		check: func(_ *responseRequest, r *assessment.Response) bool { return len(r.Answers) == 0 }},
	{name: "bad answers then good", body: `{"answers":[1],"answers":{}}`, duplicates: []string{"answers"}},
	{name: "duplicate ids", body: `{"answers":{"S-01":"yes","S-02":"no","S-01":"no","S\u002d02":"x"},"reflections":{"S-R1":"a","S-R1":"b"}}`,
		duplicates: []string{"answers.S-01", "answers.S-02", "reflections.S-R1"},
		check: func(_ *responseRequest, r *assessment.Response) bool {
			return r.Answers["S-01"] == assessment.No && r.Answers["S-02"] == "x" && r.Reflections["S-R1"] == "b"
		}},
	{name: "every member twice", body: `{"code":"","pillar":"","language":"","answers":{},"reflections":{},"strength":{},"opportunity":{},"submit":false,` +
		`"code":"","pillar":"","language":"","answers":{},"reflections":{},"strength":{},"opportunity":{},"submit":false,"submit":true}`,
		duplicates: requestMembers},

	{name: "empty", body: ``, detail: "empty body"},
	{name: "only space", body: " \n\t\r ", detail: "empty body"},
	{name: "cut short", body: `{"code":`, detail: "JSON ends too early"},
	{name: "cut in a string", body: `{"code":"abc`, detail: "JSON ends too early"},
	{name: "cut in an escape", body: `{"code":"\u00`, detail: "JSON ends too early"},
	{name: "cut in a literal", body: `{"submit":tru`, detail: "JSON ends too early"},
	{name: "cut in a number", body: `-`, detail: "JSON ends too early"},
	{name: "cut in an exponent", body: `{"x":1e+`, detail: "JSON ends too early"},
	{name: "not JSON", body: `code=ABC`, detail: "invalid JSON at byte 1"},
	{name: "trailing comma", body: `{"pillar":"staff",}`, detail: "invalid JSON at byte 19"},
	{name: "bad escape", body: `{"code":"\x"}`, detail: "invalid JSON at byte 11"},
	{name: "bad unicode escape", body: `{"code":"\u12g4"}`, detail: "invalid JSON at byte 14"},
	{name: "control character", body: "{\"code\":\"a\tb\"}", detail: "invalid JSON at byte 11"},
	{name: "leading zero", body: `{"x":01}`, detail: "invalid JSON at byte 7"},
	{name: "bad literal", body: `{"submit":trUe}`, detail: "invalid JSON at byte 13"},
	{name: "comma in array", body: `{"x":[1,]}`, detail: "invalid JSON at byte 9"},
	{name: "missing colon", body: `{"code" "x"}`, detail: "invalid JSON at byte 9"},
	{name: "syntax beats type", body: `{"code":1,"x"}`, detail: "invalid JSON at byte 14"},
	{name: "too deep", body: `{"x":` + strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth) + `}`, detail: fmt.Sprintf("invalid JSON at byte %d", 5+maxJSONDepth)},
	{name: "deep enough", body: `{"x":` + strings.Repeat("[", maxJSONDepth-1) + strings.Repeat("]", maxJSONDepth-1) + `}`, detail: `json: unknown field "x"`},
	{name: "array body", body: `[]`, detail: " must be a web.responseRequest"},
	{name: "number body", body: `1 x`, detail: " must be a web.responseRequest"},
	{name: "code a number", body: `{"code":7}`, detail: "code must be a string"},
	{name: "submit a string", body: `{"submit":"yes"}`, detail: "submit must be a bool"},
	{name: "strength a string", body: `{"strength":"teamwork"}`, detail: "strength must be a web.namedJSON"},
	{name: "strength text an object", body: `{"Strength":{"Text":{}}}`, detail: "strength.text must be a string"},
	{name: "opportunity theme a bool", body: `{"opportunity":{"theme":false}}`, detail: "opportunity.theme must be a string"},
	{name: "unknown member", body: `{"email":"a@b.c"}`, detail: `json: unknown field "email"`},
	{name: "unknown in strength", body: `{"strength":{"text":"x","author":"me"}}`, detail: `json: unknown field "author"`},
	{name: "first problem wins", body: `{"submit":1,"email":"x"}`, detail: "submit must be a bool"},
	{name: "type beats trailing data", body: `{"code":1} x`, detail: "code must be a string"},
	{name: "trailing data", body: `{"code":"x"} garbage`, detail: "unexpected data after the JSON object"},
	{name: "second object", body: `{"code":"x"}{}`, detail: "unexpected data after the JSON object"},
	{name: "after null", body: `nullx`, detail: "unexpected data after the JSON object"},
	{name: "trailing beats answers", body: `{"answers":[]} x`, detail: "unexpected data after the JSON object"},
	{name: "answers an array", body: `{"answers":["yes"]}`, detail: "answers must be an object of strings"},
	{name: "answers a string", body: `{"answers":"yes"}`, detail: "answers must be an object of strings"},
	{name: "answer a number", body: `{"answers":{"L-01":1}}`, detail: "answers.L-01 must be a string"},
	{name: "answer null", body: `{"answers":{"L-01":null}}`, detail: "answers.L-01 must be a string"},
	{name: "answer out of float range", body: `{"answers":{"L-01":1e999}}`, detail: "answers: json: cannot unmarshal number 1e999 into Go value of type float64"},
	{name: "reflection an object", body: `{"reflections":{"S-R1":{}}}`, detail: "reflections.S-R1 must be a string"},
	{name: "answers before reflections", body: `{"reflections":{"S-R1":1},"answers":{"L-01":2}}`, detail: "answers.L-01 must be a string"},
	{name: "first bad answer", body: `{"answers":{"a":"x","b":[],"c":1}}`, detail: "answers.b must be a string"},
}

func TestDecodeResponseRequest(t *testing.T) {
	for _, tc := range decodeCases {
		t.Run(tc.name, func(t *testing.T) {
			err := sameAsReference(t, []byte(tc.body))
			if tc.detail != "" {
				var he *httpError
				if !errors.As(err, &he) || he.Code != "malformed" || he.Detail != tc.detail {
					t.Fatalf("error %v, want malformed: %s", err, tc.detail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			req, r, verr, _ := decodeResponseRequest([]byte(tc.body))
			if len(verr.Fields) != len(tc.duplicates) {
				t.Fatalf("problems %v, want duplicates %v", verr, tc.duplicates)
			}
			for _, field := range tc.duplicates {
				if verr.Fields[field].Code != assessment.CodeDuplicate {
					t.Fatalf("problems %v, want %s duplicate", verr, field)
				}
			}
			if tc.check != nil && !tc.check(req, r) {
				t.Fatalf("decoded %+v, %+v", req, r)
			}
		})
	}
}

// FuzzDecodeResponseRequestOnePass compares the one pass with the three passes it
// replaced on any body.
//
//	go test -run '^$' -fuzz FuzzDecodeResponseRequestOnePass -fuzztime 3m ./web
func FuzzDecodeResponseRequestOnePass(f *testing.F) {
	for _, tc := range decodeCases {
		if len(tc.body) < 1000 {
			f.Add([]byte(tc.body))
		}
	}
	for _, seed := range []string{
		`{"code":"7KQ2-M9XD-4HTV-RB3C","pillar":"staff","language":"en","answers":{"S-01":"yes","S-02":"no","S-03":"somewhat","S-04":"unknown"},"reflections":{"S-R1":"We meet monthly."},"strength":{"text":"Shared huddles","theme":"relationships"},"opportunity":{"text":"More time","theme":"resources"},"submit":true}`,
		`{"pillar":"leadership","answers":{"L-01":"yes","L-01":"no"},"submit":false}`,
		`{"answers":{"a":-0.5e-3,"b":true},"reflections":{"c":false}}`,
		`{"answers":{"a":"\ud83d\ude00","\u00e9":"\u00E9"}}`,
		`{"x":{"a":[1,{"b":null}],"c":"d"}}`,
		`{"Answers":{},"answerS":{"a":"b"},"SUBMIT":true,"opportunity":{"Theme":"x"},"Opportunity":{"text":null}}`,
		"{\"k\xff\":1}",
		"\xef\xbb\xbf{}",
		`{"submit":true}  `,
		`"string"`,
		`{"answers":{"a":1E400,"b":"c"}}`,
		`{"answers":123e456}`,
		`{"answers":{"a":"b"}, "answers":{"a":"b","a":"c"}}`,
		`{"\u212aey":1}`,
		`{"İ":1}`,
	} {
		f.Add([]byte(seed))
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 32 {
		f.Add([]byte(genBody(rng)))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = sameAsReference(t, body)
	})
}

// BenchmarkDecodeResponseRequest: decoding alone, of the body BenchmarkSubmit sends
// (a whole pillar), by the three passes that were and by the one pass, each alone and
// both alternately.
//
//	go test -run '^$' -bench DecodeResponseRequest -benchmem ./web
func BenchmarkDecodeResponseRequest(b *testing.B) {
	catalog, err := pillars.Load()
	if err != nil {
		b.Fatal(err)
	}
	body := submitBenchBody(b, catalog.Current(), "7KQ2-M9XD-4HTV-RB3C")
	decoders := []struct {
		name   string
		decode func([]byte) (*responseRequest, *assessment.Response, *assessment.ValidationError, error)
	}{
		{"three-passes", refDecodeResponseRequest},
		{"one-pass", decodeResponseRequest},
	}
	decodeWith := func(i int) func(*testing.B) {
		return func(b *testing.B) {
			_, r, verr, err := decoders[i].decode(body)
			if err != nil || len(r.Answers) != len(catalog.Current().Pillar(r.Pillar).Items()) || len(verr.Fields) != 0 {
				b.Fatalf("%s: %v, %d answers, %v", decoders[i].name, err, len(r.Answers), verr)
			}
		}
	}
	for i, decoder := range decoders {
		b.Run(decoder.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			decode := decodeWith(i)
			for b.Loop() {
				decode(b)
			}
		})
	}
	// Both alternately, as BenchmarkSubmit/paired: "baseline" the three passes,
	// "ecat" the one pass.
	b.Run("paired", func(b *testing.B) { benchpair.Ratio(b, decodeWith(0), decodeWith(1)) })
}

// TestDecodeResponseRequestGenerated compares the one pass with the three passes on
// bodies made to be near what they accept (byte mutation seldom keeps a body well
// formed long enough to reach the members): random members and values, then perhaps
// a byte changed, dropped or the body cut short.
func TestDecodeResponseRequestGenerated(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range n {
		body := []byte(genBody(rng))
		switch rng.IntN(9) {
		case 0:
			if len(body) > 0 {
				body[rng.IntN(len(body))] = byte(rng.IntN(256))
			}
		case 1:
			body = body[:rng.IntN(len(body)+1)]
		case 2:
			if len(body) > 0 {
				i := rng.IntN(len(body))
				body = append(body[:i:i], body[i+1:]...)
			}
		}
		_ = sameAsReference(t, body)
	}
}

// genBody makes a body mostly of the members of a response, in any case, with values
// of any kind.
func genBody(rng *rand.Rand) string {
	var b strings.Builder
	if rng.IntN(30) == 0 {
		genValue(rng, &b, 0, genString)
		return b.String()
	}
	space := func() {
		if rng.IntN(4) == 0 {
			b.WriteString([]string{" ", "\n", "\t ", "\r\n"}[rng.IntN(4)])
		}
	}
	space()
	b.WriteByte('{')
	for i := range rng.IntN(8) {
		if i > 0 {
			b.WriteByte(',')
		}
		space()
		name := genName(rng, requestMembers)
		if rng.IntN(40) == 0 {
			name = []string{"email", ""}[rng.IntN(2)]
		}
		genString(rng, &b, name)
		space()
		b.WriteByte(':')
		space()
		switch strings.ToLower(name) {
		case "answers", "reflections":
			if rng.IntN(5) > 0 {
				genStrings(rng, &b)
				break
			}
			genValue(rng, &b, 1, genString)
		case "strength", "opportunity":
			if rng.IntN(4) > 0 {
				b.WriteByte('{')
				for j := range rng.IntN(4) {
					if j > 0 {
						b.WriteByte(',')
					}
					genString(rng, &b, genName(rng, []string{"text", "theme", "text", "theme", "author"}))
					b.WriteByte(':')
					if rng.IntN(6) > 0 {
						genString(rng, &b, "Shared huddles")
					} else {
						genValue(rng, &b, 2, genString)
					}
				}
				b.WriteByte('}')
				break
			}
			genValue(rng, &b, 1, genString)
		case "submit":
			if rng.IntN(8) > 0 {
				b.WriteString([]string{"true", "false"}[rng.IntN(2)])
				break
			}
			genValue(rng, &b, 1, genString)
		default:
			if rng.IntN(8) > 0 {
				genString(rng, &b, []string{"staff", "en", "7KQ2-M9XD-4HTV-RB3C", ""}[rng.IntN(4)])
				break
			}
			genValue(rng, &b, 1, genString)
		}
		space()
	}
	b.WriteByte('}')
	space()
	if rng.IntN(20) == 0 {
		b.WriteString([]string{"x", "{}", "null", "]"}[rng.IntN(4)])
	}
	return b.String()
}

// genStrings writes an object of item ids, mostly to strings, some ids repeated.
func genStrings(rng *rand.Rand, b *strings.Builder) {
	b.WriteByte('{')
	for i := range rng.IntN(6) {
		if i > 0 {
			b.WriteByte(',')
		}
		genString(rng, b, fmt.Sprintf("S-%02d", rng.IntN(4)))
		b.WriteByte(':')
		if rng.IntN(12) > 0 {
			genString(rng, b, []string{"yes", "no", "", "é"}[rng.IntN(4)])
		} else {
			genValue(rng, b, 2, genString)
		}
	}
	b.WriteByte('}')
}

// genName returns one of names, perhaps in another case or spelled with a letter
// that folds to one of its own.
func genName(rng *rand.Rand, names []string) string {
	name := names[rng.IntN(len(names))]
	switch rng.IntN(16) {
	case 0:
		return strings.ToUpper(name)
	case 1:
		return strings.Replace(name, "s", "ſ", 1)
	case 2:
		return strings.Replace(name, "i", "ı", 1)
	case 3:
		return strings.Replace(name, "t", "T", 1)
	}
	return name
}

// genString writes s as a JSON string, some of its characters escaped, perhaps with
// an odd escape or byte added.
func genString(rng *rand.Rand, b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		if rng.IntN(8) == 0 && r < 0x10000 {
			fmt.Fprintf(b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	if rng.IntN(20) == 0 {
		b.WriteString([]string{`\ud800`, `\udc00\ud800`, `\ud83d\ude00`, "\xff", "\xc3", `\n\"\\\/`, "\u2028"}[rng.IntN(7)])
	}
	b.WriteByte('"')
}

// genValue writes a JSON value of any kind.
func genValue(rng *rand.Rand, b *strings.Builder, depth int, str func(*rand.Rand, *strings.Builder, string)) {
	k := rng.IntN(9)
	if depth > 3 && k >= 7 {
		k = 0
	}
	switch k {
	case 0:
		str(rng, b, []string{"staff", "x", "", "yes"}[rng.IntN(4)])
	case 1:
		b.WriteString([]string{"0", "-1.5e3", "1e999", "-0", "12345678901234567890", "1E-400"}[rng.IntN(6)])
	case 2:
		b.WriteString("true")
	case 3:
		b.WriteString("false")
	case 4, 5, 6:
		b.WriteString("null")
	case 7:
		b.WriteByte('[')
		for i := range rng.IntN(3) {
			if i > 0 {
				b.WriteByte(',')
			}
			genValue(rng, b, depth+1, str)
		}
		b.WriteByte(']')
	case 8:
		b.WriteByte('{')
		for i := range rng.IntN(3) {
			if i > 0 {
				b.WriteByte(',')
			}
			str(rng, b, genName(rng, []string{"text", "a", "S-01"}))
			b.WriteByte(':')
			genValue(rng, b, depth+1, str)
		}
		b.WriteByte('}')
	}
}
