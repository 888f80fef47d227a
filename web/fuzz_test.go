package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/survey"
	"github.com/ecat-project/ecat/templates"
)

// fuzzServer is a Server with only what the form and decoding code paths need.
func fuzzServer(f *testing.F) (*Server, *pillars.Instrument) {
	f.Helper()
	catalog, err := pillars.Load()
	if err != nil {
		f.Fatal(err)
	}
	tmpl, err := templates.New(testWords(f))
	if err != nil {
		f.Fatal(err)
	}
	return &Server{svc: survey.New(nil, catalog, tmpl.Catalog(), nil), tmpl: tmpl}, catalog.Current()
}

// checkCleanText: text a valid response holds is tidy, within its limit, and would pass
// validation again unchanged.
func checkCleanText(t *testing.T, field, text string, max int, required bool) {
	t.Helper()
	if required && text == "" {
		t.Fatalf("%s is empty in a valid submission", field)
	}
	if !utf8.ValidString(text) {
		t.Fatalf("%s is not UTF-8: %q", field, text)
	}
	if n := utf8.RuneCountInString(text); n > max {
		t.Fatalf("%s has %d runes, over %d", field, n, max)
	}
	if clean, code := assessment.CleanText(text, max); code != "" || clean != text {
		t.Fatalf("%s %q does not pass CleanText again: %q %q", field, text, clean, code)
	}
}

// FuzzResponseFromForm feeds raw url-encoded bodies through the form reader and the
// validation, as POST /j/{code}/form does, and renders the form shown back.
func FuzzResponseFromForm(f *testing.F) {
	s, in := fuzzServer(f)
	full := url.Values{"_csrf": {strings.Repeat("ab", 32)}, "pillar": {"staff"}, "lang": {"en"}, "action": {"submit"}}
	for i, it := range in.Pillar("staff").Items() {
		full.Set("a."+it.ID, string(assessment.Answers[i%4]))
	}
	full.Set("refl.S-R1", "Our huddles include a partner.\r\nMost weeks.")
	full.Set("strength_text", "Partners co-chair the committee.")
	full.Set("strength_theme", "influence")
	full.Set("opportunity_text", "Pay partners for their time.")
	full.Set("opportunity_theme", "resources")
	for _, seed := range []string{
		full.Encode(),
		"pillar=leadership&lang=fr&action=save&a.L-01=yes&a.L-02=&refl.L-R1=Bonjour+%C3%A0+tous",
		"pillar=patient_partners&lang=en&action=autosave&a.P-15=unknown&strength_text=%3Cb%3Ehi%3C%2Fb%3E",
		"pillar=staff&lang=en&action=submit&a.S-01=yes&a.S-01=no&strength_text=%3DSUM(A1)&opportunity_text=%40x",
		"pillar=staff&lang=de&action=delete&a.L-01=maybe&refl.S-R9=x&strength_theme=weather",
		"pillar=staff&lang=en&action=submit&strength_text=%00&opportunity_text=%E2%80%AEevil&refl.S-R2=%FF%FE",
		"pillar=staff&lang=en&strength_text=+cmd|'+/C+calc'!A0&opportunity_text=-+a+bullet",
		"pillar=&lang=&a.=yes&refl.=x&pillar=staff",
		"a.S-01=yes;a.S-02=no&%zz",
		"",
	} {
		f.Add(seed)
	}
	a := &assessment.Assessment{Title: "Spring round", Team: "Ward 7", Language: "en", Status: assessment.Open, InstrumentVersion: in.Version}

	f.Fuzz(func(t *testing.T, raw string) {
		form, _ := url.ParseQuery(raw) // a body ParseForm would refuse still gives what it parsed
		for _, submit := range []bool{false, true} {
			r, action, verr := responseFromForm(form)
			if verr == nil || r == nil || r.Answers == nil || r.Reflections == nil {
				t.Fatal("responseFromForm returned nil parts")
			}
			switch action {
			case actionSave, actionSubmit, actionAutosave:
			default:
				t.Fatalf("action %q", action)
			}
			if r.Language == "" {
				r.Language = "en" // as formLang does
			}
			err := survey.MergeValidation(verr, r.Validate(in, submit))
			var vErr *assessment.ValidationError
			if err != nil && !errors.As(err, &vErr) {
				t.Fatalf("validation returned %T %v", err, err)
			}
			// Any field a browser sends once, sent twice, is refused.
			for _, name := range []string{"pillar", "lang", "action", "strength_text", "strength_theme", "opportunity_text", "opportunity_theme"} {
				if len(form[name]) > 1 && err == nil {
					t.Fatalf("%s given %d times was accepted", name, len(form[name]))
				}
			}
			for name, vs := range form {
				if (strings.HasPrefix(name, "a.") || strings.HasPrefix(name, "refl.")) && len(vs) > 1 && err == nil {
					t.Fatalf("%s given %d times was accepted", name, len(vs))
				}
			}
			p := in.Pillar(r.Pillar)
			if err == nil {
				if p == nil {
					t.Fatalf("pillar %q accepted", r.Pillar)
				}
				if l, ok := locale.Parse(r.Language); !ok || string(l) != r.Language {
					t.Fatalf("language %q accepted", r.Language)
				}
				for id, ans := range r.Answers {
					if !p.HasItem(id) || !ans.Valid() {
						t.Fatalf("answer %q=%q accepted for %s", id, ans, p.Key)
					}
				}
				for id, text := range r.Reflections {
					if !p.HasPrompt(id) {
						t.Fatalf("reflection %q accepted for %s", id, p.Key)
					}
					checkCleanText(t, "reflections."+id, text, assessment.MaxReflectionLen, true)
				}
				for _, n := range []struct {
					field string
					named assessment.Named
				}{{"strength", r.Strength}, {"opportunity", r.Opportunity}} {
					checkCleanText(t, n.field+".text", n.named.Text, assessment.MaxNamedLen, submit)
					if n.named.Theme != "" && in.Theme(n.named.Theme) == nil {
						t.Fatalf("%s theme %q accepted", n.field, n.named.Theme)
					}
				}
				if submit {
					for _, it := range p.Items() {
						if ans, ok := r.Answers[it.ID]; !ok || !ans.Valid() {
							t.Fatalf("submitted without a valid answer to %s", it.ID)
						}
					}
				}
			}
			if p == nil || !submit {
				continue // no form without a pillar (400); render once, with the most errors
			}
			// The form shown back (422) or resumed renders, and its error summary only
			// links to fields that are in the page.
			v := s.buildForm("en", a, in, p, r, vErr)
			if vErr != nil && len(v.Errors) != len(vErr.Fields) {
				t.Fatalf("%d field errors, %d in the summary: %v", len(vErr.Fields), len(v.Errors), vErr)
			}
			var buf bytes.Buffer
			if err := s.tmpl.Render(&buf, "form", &templates.Page{Lang: "en", CSRF: "token", Body: v}); err != nil {
				t.Fatalf("render: %v", err)
			}
			page := buf.String()
			for _, link := range v.Errors {
				if !strings.Contains(page, ` id="`+link.Target+`"`) {
					t.Fatalf("error summary links to #%s, not in the page", link.Target)
				}
			}
		}
	})
}

// jsonMember is one member of a JSON object, in input order.
type jsonMember struct {
	key   string
	value json.RawMessage
}

// objectMembers lists the members of a JSON object without merging repeated keys.
func objectMembers(raw []byte) ([]jsonMember, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out []jsonMember
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		out = append(out, jsonMember{key, v})
	}
	return out, true
}

// requestFields are the members of a response body, as encoding/json matches them.
var requestFields = []string{"code", "pillar", "language", "answers", "reflections", "strength", "opportunity", "submit"}

// FuzzDecodeResponseRequest feeds raw bodies to the API's decoder. A body is either
// refused with a 400, or decoded with every repeated key reported: no answer or
// reflection may be silently dropped by "last one wins".
func FuzzDecodeResponseRequest(f *testing.F) {
	for _, seed := range []string{
		`{"code":"7KQ2-M9XD-4HTV-RB3C","pillar":"staff","language":"en","answers":{"S-01":"yes","S-02":"no","S-03":"somewhat","S-04":"unknown"},"reflections":{"S-R1":"We meet monthly."},"strength":{"text":"Shared huddles","theme":"relationships"},"opportunity":{"text":"More time","theme":"resources"},"submit":true}`,
		`{"pillar":"leadership","answers":{"L-01":"yes","L-01":"no"},"submit":false}`,
		`{"pillar":"staff","reflections":{"S-R1":"a","S-R1":"b"},"answers":null}`,
		`{"pillar":"staff","answers":{"S-01":"yes"},"answers":{"S-02":"no"}}`,
		`{"pillar":"staff","answers":{"S\u002d01":"yes","S-01":"no"}}`,
		`{"pillar":"patient_partners","language":"fr","answers":{},"strength":{"text":"<b>x</b>"},"opportunity":{"text":"=SUM(A1)"}}`,
		`{"answers":["yes"]}`,
		`{"answers":{"S-01":1}}`,
		`{"code":"x"} trailing`,
		`{"code":"x"}{}`,
		`{"unknown":1}`,
		`{"strength":{"text":"x","extra":true}}`,
		`{"submit":"yes"}`,
		"{\"strength\":{\"text\":\"caf\xff\"}}",
		`null`,
		``,
		`[]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, r, verr, err := decodeResponseRequest(body)
		if err != nil {
			var he *httpError
			if !errors.As(err, &he) || he.Status != http.StatusBadRequest || he.Code != "malformed" {
				t.Fatalf("decode error %T %v, want a 400 malformed", err, err)
			}
			if req != nil || r != nil || verr != nil {
				t.Fatal("decode failed but returned parts")
			}
			return
		}
		if req == nil || r == nil || verr == nil || r.Answers == nil || r.Reflections == nil {
			t.Fatal("decode succeeded with nil parts")
		}
		// Success means exactly one JSON value, and it is an object or null.
		dec := json.NewDecoder(bytes.NewReader(body))
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("accepted a body encoding/json refuses: %v", err)
		}
		if _, err := dec.Token(); err != io.EOF {
			t.Fatalf("accepted trailing data: %v", err)
		}
		if v == nil {
			if len(r.Answers) != 0 || len(r.Reflections) != 0 || len(verr.Fields) != 0 {
				t.Fatal("null body decoded to content")
			}
			return
		}
		members, ok := objectMembers(body)
		if !ok {
			t.Fatalf("accepted body is not an object: %q", body)
		}
		// A member given twice (as encoding/json matches names: case-insensitively)
		// is reported, since only the last one would be kept.
		last := map[string]json.RawMessage{}
		count := map[string]int{}
		for _, m := range members {
			for _, name := range requestFields {
				if strings.EqualFold(m.key, name) {
					count[name]++
					last[name] = m.value
				}
			}
		}
		for name, n := range count {
			if n > 1 && verr.Fields[name].Code != assessment.CodeDuplicate {
				t.Fatalf("%q given %d times, not reported: %v", name, n, verr)
			}
		}
		// Within answers and reflections, a repeated key is reported; the rest come
		// through with their values.
		for _, field := range []string{"answers", "reflections"} {
			raw, ok := last[field]
			got := map[string]string{}
			for k, v := range r.Reflections {
				got[k] = v
			}
			if field == "answers" {
				got = map[string]string{}
				for k, v := range r.Answers {
					got[k] = string(v)
				}
			}
			if !ok || string(raw) == "null" {
				if len(got) != 0 {
					t.Fatalf("%s absent but decoded %v", field, got)
				}
				continue
			}
			inner, ok := objectMembers(raw)
			if !ok {
				t.Fatalf("%s accepted but not an object: %s", field, raw)
			}
			want := map[string]string{}
			seen := map[string]int{}
			for _, m := range inner {
				var s string
				if err := json.Unmarshal(m.value, &s); err != nil {
					t.Fatalf("%s.%s accepted but not a string: %s", field, m.key, m.value)
				}
				want[m.key] = s
				seen[m.key]++
			}
			for k, n := range seen {
				if n > 1 && verr.Fields[field+"."+k].Code != assessment.CodeDuplicate {
					t.Fatalf("%s.%s given %d times, not reported: %v", field, k, n, verr)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%s: decoded %d keys, body has %d distinct", field, len(got), len(want))
			}
			for k, v := range want {
				if got[k] != v {
					t.Fatalf("%s.%s decoded as %q, body says %q", field, k, got[k], v)
				}
			}
		}
		// Nothing else is reported at this stage but duplicates.
		for k, fe := range verr.Fields {
			if fe.Code != assessment.CodeDuplicate {
				t.Fatalf("decoder reported %s: %s", k, fe.Code)
			}
		}
	})
}
