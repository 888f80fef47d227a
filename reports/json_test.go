package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/pillars"
)

// oddTexts are texts that encoding/json escapes: quotes, backslashes, control
// characters, HTML characters, line and paragraph separators, invalid UTF-8, emoji.
var oddTexts = []string{
	`"quoted" and \back\slashed`,
	"tab\tnew line\ncarriage\rbell\abackspace\bform\fnul\x00unit\x1f del\x7f",
	"<script>alert('x')</script> & more",
	"line\u2028paragraph\u2029end",
	"invalid \xff\xfe UTF-8 \xe2\x82 cut",
	"Pay partners on time — 💸, «guillemets», 中文",
	"",
}

func encodingJSON(t *testing.T, d Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(d); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeJSON(t *testing.T, d Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := EncodeJSON(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// EncodeJSON writes what json.Encoder writes, byte for byte, whatever the report holds.
func TestEncodeJSONMatchesEncodingJSON(t *testing.T) {
	in := instrument(t)
	r, _ := sampleReport(t)
	closed := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	r.Assessment.ClosedAt = &closed
	r.Assessment.Title = `Title with "quotes" & <tags>`
	var rs []respondent
	for i, text := range oddTexts {
		for _, p := range []string{pillars.Leadership, pillars.Staff} {
			x := uniform(in, p, assessment.Answers[i%len(assessment.Answers)], text)
			x.strength.Text, x.opportunity.Text, x.reflection = text, "opportunity "+text, text
			rs = append(rs, x)
		}
	}
	oddRound := roundAssessment(12, 2)
	oddRound.Expected = map[string]int{pillars.Leadership: 40, pillars.Staff: 0, pillars.PatientPartners: 5} // a rate, none, withheld
	odd := Build(oddRound, in, tally(in, rs))
	odd.Previous = Compare(Build(roundAssessment(11, 1), in, tally(in, rs[:6])), odd, []assessment.Action{
		{ID: 7, AssessmentID: 11, Text: "Invite <partners>", Lead: "Sam", Status: assessment.ActionDone},
	})
	if len(odd.Groups) == 0 || len(odd.Groups[0].Strengths) == 0 || len(odd.Strengths) == 0 {
		t.Fatalf("the odd report has no texts: %+v", odd.Groups)
	}
	figuresOnly := NewDocument(Build(roundAssessment(13, 3), in, &assessment.Tallies{Submitted: map[string]int{}}))
	figuresOnly.Texts = TextsNone

	for name, d := range map[string]Document{
		"sample report":          NewDocument(r),
		"odd texts and previous": NewDocument(odd),
		"without texts":          figuresOnly,
		"empty report":           NewDocument(&Report{Assessment: &assessment.Assessment{}}),
		"no report":              {Assessment: AssessmentInfo{ID: 1}},
	} {
		t.Run(name, func(t *testing.T) {
			want, got := encodingJSON(t, d), encodeJSON(t, d)
			if !bytes.Equal(got, want) {
				i := 0
				for i < min(len(got), len(want)) && got[i] == want[i] {
					i++
				}
				t.Errorf("EncodeJSON differs from encoding/json at byte %d of %d:\n got …%s…\nwant …%s…",
					i, len(want), got[max(0, i-60):min(len(got), i+60)], want[max(0, i-60):min(len(want), i+60)])
			}
		})
	}
}

// jsonFields lists the JSON names of t's fields as encoding/json writes them (embedded
// structs' fields in their place), with ",omitempty" kept.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && tag == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			out = append(out, jsonFields(ft)...)
			continue
		}
		out = append(out, tag)
	}
	return out
}

// EncodeJSON writes each type's fields by hand; a field added to one of them must be
// added there too, or it would silently go missing from the API.
func TestEncodeJSONKnowsEveryField(t *testing.T) {
	for _, c := range []struct {
		v    any
		want []string
	}{
		{Document{}, []string{"assessment", "texts,omitempty", "threshold", "groups", "team", "gaps", "contrasts", "strengths",
			"opportunities", "highest_themes", "lowest_themes", "unknown_hotspots", "previous,omitempty"}},
		{Group{}, []string{"pillar", "submitted", "withheld", "items", "sections", "themes", "strengths", "opportunities", "reflections", "held",
			"expected,omitempty", "response_rate,omitempty"}},
		{NamedTheme{}, []string{"theme", "count", "texts"}},
		{assessment.NamedText{}, []string{"pillar", "kind", "theme", "text"}},
		{assessment.ReflectionText{}, []string{"pillar", "prompt_id", "text"}},
	} {
		typ := reflect.TypeOf(c.v)
		if got := jsonFields(typ); !slices.Equal(got, c.want) {
			t.Errorf("%s has JSON fields %q; EncodeJSON writes %q: update it (json.go)", typ, got, c.want)
		}
	}
}

type failingWriter struct{ after int }

var errWrite = errors.New("connection gone")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after -= len(p); w.after < 0 {
		return 0, errWrite
	}
	return len(p), nil
}

// A writer that fails half way stops EncodeJSON with its error.
func TestEncodeJSONStopsOnWriteError(t *testing.T) {
	in := instrument(t)
	var rs []respondent
	for i := range 3000 {
		rs = append(rs, uniform(in, pillars.Staff, assessment.Yes, strings.Repeat("long text ", 10)+string(rune('a'+i%26))))
	}
	d := NewDocument(Build(roundAssessment(1, 1), in, tally(in, rs)))
	if err := EncodeJSON(&failingWriter{after: 100 << 10}, d); !errors.Is(err, errWrite) {
		t.Errorf("EncodeJSON to a failing writer: %v, want %v", err, errWrite)
	}
}

func checkJSONString(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
		t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want)
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range oddTexts {
		checkJSONString(t, s)
	}
	for b := range 256 {
		checkJSONString(t, "a"+string([]byte{byte(b)})+"z")
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range oddTexts {
		f.Add(s)
	}
	f.Fuzz(checkJSONString)
}
