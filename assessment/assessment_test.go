package assessment

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ecat-project/ecat/pillars"
)

func loadInstrument(t testing.TB) *pillars.Instrument {
	t.Helper()
	c, err := pillars.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c.Current()
}

func TestJoinCode(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		code := NewJoinCode()
		if len(code) != JoinCodeLength {
			t.Fatalf("code %q has length %d", code, len(code))
		}
		if seen[code] {
			t.Fatalf("code %q repeated", code)
		}
		seen[code] = true
		norm, ok := NormalizeJoinCode(FormatJoinCode(code))
		if !ok || norm != code {
			t.Fatalf("formatted %q normalizes to %q, %v", FormatJoinCode(code), norm, ok)
		}
	}
	if bits := JoinCodeLength * 5; bits < 80 {
		t.Fatalf("join code carries %d bits, want ≥ 80", bits)
	}
}

func TestNormalizeJoinCode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"7KQ2-M9XD-4HTV-RB3C", "7KQ2M9XD4HTVRB3C", true},
		{" 7kq2 m9xd 4htv rb3c ", "7KQ2M9XD4HTVRB3C", true},
		{"OKQ2-M9XD-4HTV-RB3I", "0KQ2M9XD4HTVRB31", true}, // look-alikes read as digits
		{"lKQ2M9XD4HTVRB3C", "1KQ2M9XD4HTVRB3C", true},
		{"7KQ2-M9XD-4HTV-RB3", "", false},   // too short
		{"7KQ2-M9XD-4HTV-RB3CC", "", false}, // too long
		{"7KQ2-M9XD-4HTV-RB3U", "", false},  // U is not in the alphabet
		{"../../etc/passwd", "", false},
		{"", "", false},
		{"7KQ2M9XD4HTVRB3\u00e9", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeJoinCode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeJoinCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestResumeToken(t *testing.T) {
	a, b := NewResumeToken(), NewResumeToken()
	if a == b {
		t.Fatal("two tokens are equal")
	}
	for _, tok := range []string{a, b} {
		if !LooksLikeResumeToken(tok) {
			t.Errorf("token %q does not look like a token", tok)
		}
	}
	for _, bad := range []string{"", strings.ToUpper(a), a[:25], a + "x", "../../../../../../etc/passwd", strings.Repeat("u", 26)} {
		if LooksLikeResumeToken(bad) {
			t.Errorf("%q looks like a token", bad)
		}
	}
	hashA := HashToken(a)
	if hashA == HashToken(b) || hashA != HashToken(a) || strings.Contains(hashA, a) {
		t.Error("HashToken is not a stable one-way digest")
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		name, in, want, code string
	}{
		{"plain", "  Leaders meet partners monthly.\r\n", "Leaders meet partners monthly.", ""},
		{"line endings", "a\r\nb\rc", "a\nb\nc", ""},
		{"zero-width space", "hid\u200Bden", "", CodeControl},
		{"left-to-right mark", "abc\u200Edef", "", CodeControl},
		{"right-to-left mark", "abc\u200Fdef", "", CodeControl},
		{"word joiner", "a\u2060b", "", CodeControl},
		{"invisible separator", "a\u2063b", "", CodeControl},
		{"line separator", "a\u2028b", "", CodeControl},
		{"Arabic letter mark", "a\u061Cb", "", CodeControl},
		{"interlinear annotation", "a\uFFF9b\uFFFBc", "", CodeControl},
		{"emoji with joiners", "Our team 👩\u200D⚕️ rocks", "Our team 👩\u200D⚕️ rocks", ""},
		{"heart is fine", "We <3 our partners", "We <3 our partners", ""},
		{"comparison is fine", "time < budget", "time < budget", ""},
		{"dash bullet is fine", "- more time\n- more money", "- more time\n- more money", ""},
		{"plus one is fine", "+1 to training", "+1 to training", ""},
		{"negative number is fine", "-5 staff this year", "-5 staff this year", ""},
		{"tag", "<b>bold</b>", "", CodeMarkup},
		{"script", "hi <script>alert(1)</script>", "", CodeMarkup},
		{"comment", "<!-- x -->", "", CodeMarkup},
		{"closing tag", "text </div>", "", CodeMarkup},
		{"formula =", "=SUM(A1:A9)", "", CodeFormula},
		{"formula @", "@cmd", "", CodeFormula},
		{"formula +", "+cmd|' /C calc'!A0", "", CodeFormula},
		{"formula -", "-2+3=1", "", CodeFormula},
		{"formula after space", "   =1+1", "", CodeFormula},
		{"nul", "a\x00b", "", CodeControl},
		{"escape", "a\x1bb", "", CodeControl},
		{"bidi override", "abc\u202Edef", "", CodeControl},
		{"invalid utf8", "a\xffb", "", CodeInvalidUTF8},
		{"tab kept", "a\tb", "a\tb", ""},
		{"too long", strings.Repeat("é", 11), "", CodeTooLong},
		{"at limit", strings.Repeat("é", 10), strings.Repeat("é", 10), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, code := CleanText(tt.in, 10_000)
			if tt.name == "too long" || tt.name == "at limit" {
				got, code = CleanText(tt.in, 10)
			}
			if got != tt.want || code != tt.code {
				t.Errorf("CleanText(%q) = %q, %q; want %q, %q", tt.in, got, code, tt.want, tt.code)
			}
		})
	}
}

// complete returns a valid, complete staff response.
func complete(in *pillars.Instrument) *Response {
	r := &Response{Pillar: pillars.Staff, Language: "en", Answers: map[string]Answer{}, Reflections: map[string]string{}}
	for i, it := range in.Pillar(pillars.Staff).Items() {
		r.Answers[it.ID] = Answers[i%len(Answers)]
	}
	r.Reflections["S-R1"] = "  Partners joined our huddle.  "
	r.Strength = Named{Text: "We listen.", Theme: "relationships"}
	r.Opportunity = Named{Text: "Pay partners for their time.", Theme: "resources"}
	return r
}

func TestValidateResponse(t *testing.T) {
	in := loadInstrument(t)
	tests := []struct {
		name   string
		change func(r *Response)
		submit bool
		want   map[string]string // field → code; nil means valid
	}{
		{"complete submit", func(r *Response) {}, true, nil},
		{"empty draft", func(r *Response) {
			r.Answers, r.Reflections, r.Strength, r.Opportunity = map[string]Answer{}, map[string]string{}, Named{}, Named{}
		}, false, nil},
		{"draft with partial answers", func(r *Response) { delete(r.Answers, "S-03") }, false, nil},
		{"submit missing answer", func(r *Response) { delete(r.Answers, "S-03"); delete(r.Answers, "S-15") }, true,
			map[string]string{"answers.S-03": CodeRequired, "answers.S-15": CodeRequired}},
		{"submit missing strength and opportunity", func(r *Response) { r.Strength.Text = "  "; r.Opportunity.Text = "" }, true,
			map[string]string{"strength.text": CodeRequired, "opportunity.text": CodeRequired}},
		{"unknown pillar", func(r *Response) { r.Pillar = "board" }, false, map[string]string{"pillar": CodeInvalid}},
		{"item of another pillar", func(r *Response) { r.Answers["L-01"] = Yes }, false, map[string]string{"answers.L-01": CodeUnknown}},
		{"unknown item", func(r *Response) { r.Answers["S-99"] = Yes }, false, map[string]string{"answers.S-99": CodeUnknown}},
		{"answer outside the four", func(r *Response) { r.Answers["S-01"] = "maybe" }, false, map[string]string{"answers.S-01": CodeInvalid}},
		{"empty answer value", func(r *Response) { r.Answers["S-01"] = "" }, false, map[string]string{"answers.S-01": CodeInvalid}},
		{"unknown prompt", func(r *Response) { r.Reflections["L-R1"] = "x" }, false, map[string]string{"reflections.L-R1": CodeUnknown}},
		{"reflection too long", func(r *Response) { r.Reflections["S-R2"] = strings.Repeat("a", MaxReflectionLen+1) }, false,
			map[string]string{"reflections.S-R2": CodeTooLong}},
		{"strength markup", func(r *Response) { r.Strength.Text = "<script>x</script>" }, false, map[string]string{"strength.text": CodeMarkup}},
		{"opportunity formula", func(r *Response) { r.Opportunity.Text = "=HYPERLINK(\"x\")" }, false, map[string]string{"opportunity.text": CodeFormula}},
		{"unknown theme", func(r *Response) { r.Strength.Theme = "money" }, false, map[string]string{"strength.theme": CodeUnknown}},
		{"invalid utf8", func(r *Response) { r.Reflections["S-R1"] = "\xc3\x28" }, false, map[string]string{"reflections.S-R1": CodeInvalidUTF8}},
		{"language", func(r *Response) { r.Language = "de" }, false, map[string]string{"language": CodeInvalid}},
		{"language region", func(r *Response) { r.Language = "fr-CA" }, false, map[string]string{"language": CodeInvalid}},
		{"many at once", func(r *Response) {
			r.Pillar = pillars.Staff
			r.Answers["S-01"] = "x"
			r.Strength.Text = ""
			r.Opportunity.Theme = "?"
		}, true, map[string]string{"answers.S-01": CodeInvalid, "strength.text": CodeRequired, "opportunity.theme": CodeUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := complete(in)
			tt.change(r)
			err := r.Validate(in, tt.submit)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("error = %v, want *ValidationError", err)
			}
			if len(verr.Fields) != len(tt.want) {
				t.Errorf("fields = %v, want %v", verr.Fields, tt.want)
			}
			for field, code := range tt.want {
				if got := verr.Fields[field].Code; got != code {
					t.Errorf("field %s: code %q, want %q (all: %v)", field, got, code, verr.Fields)
				}
			}
		})
	}
}

func TestValidateTidiesText(t *testing.T) {
	in := loadInstrument(t)
	r := complete(in)
	r.Reflections["S-R2"] = "   "
	if err := r.Validate(in, true); err != nil {
		t.Fatal(err)
	}
	if got := r.Reflections["S-R1"]; got != "Partners joined our huddle." {
		t.Errorf("reflection not trimmed: %q", got)
	}
	if _, ok := r.Reflections["S-R2"]; ok {
		t.Error("blank reflection kept")
	}
}

func TestValidateKeepsRejectedText(t *testing.T) {
	in := loadInstrument(t)
	r := complete(in)
	r.Strength.Text = "<b>We listen</b>"
	if err := r.Validate(in, true); err == nil {
		t.Fatal("markup accepted")
	}
	if r.Strength.Text != "<b>We listen</b>" {
		t.Errorf("rejected text was dropped: %q; the form must show it back", r.Strength.Text)
	}
}

func TestNewAssessment(t *testing.T) {
	tests := []struct {
		name, title, team, lang string
		threshold               int
		confirm                 bool
		want                    map[string]string
	}{
		{"ok", "Spring round", "Ward 4B", "en", 3, false, nil},
		{"french", "Ronde du printemps", "Unité 4B", "fr", 5, false, nil},
		{"low threshold confirmed", "T", "X", "en", 1, true, nil},
		{"low threshold not confirmed", "T", "X", "en", 2, false, map[string]string{"threshold": CodeConfirm}},
		{"threshold zero", "T", "X", "en", 0, true, map[string]string{"threshold": CodeInvalid}},
		{"threshold too high", "T", "X", "en", 21, false, map[string]string{"threshold": CodeInvalid}},
		{"missing title and team", " ", "", "en", 3, false, map[string]string{"title": CodeRequired, "team": CodeRequired}},
		{"bad language", "T", "X", "de", 3, false, map[string]string{"language": CodeInvalid}},
		{"formula title", "=1+1", "X", "en", 3, false, map[string]string{"title": CodeFormula}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := NewAssessment(tt.title, tt.team, tt.lang, tt.threshold, tt.confirm, "v1")
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if a.Status != Open || a.Round != 1 || a.InstrumentVersion != "v1" || len(a.Code) != JoinCodeLength || a.Threshold != tt.threshold {
					t.Errorf("unexpected assessment %+v", a)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("err = %v", err)
			}
			for field, code := range tt.want {
				if verr.Fields[field].Code != code {
					t.Errorf("%s: %q, want %q", field, verr.Fields[field].Code, code)
				}
			}
			if len(verr.Fields) != len(tt.want) {
				t.Errorf("fields %v, want %v", verr.Fields, tt.want)
			}
		})
	}
}

func TestProgress(t *testing.T) {
	in := loadInstrument(t)
	r := complete(in)
	p := in.Pillar(pillars.Staff)
	if a, n := r.Progress(p); a != n || n != len(p.Items()) {
		t.Errorf("progress %d/%d", a, n)
	}
	delete(r.Answers, "S-01")
	if a, n := r.Progress(p); a != n-1 {
		t.Errorf("progress %d/%d after removing one", a, n)
	}
}

// FuzzCleanText checks the text rules never accept what they promise to refuse.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"hello", "<b>x</b>", "=1", "- a", "a\x00", "\xff", "We <3 it", "+cmd|x!A0",
		"hid\u200Bden", "abc\u202Edef", "a\u2060b", "👩\u200D⚕️", "x\uFFF9y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		clean, code := CleanText(s, 500)
		if code != "" {
			if clean != "" {
				t.Fatalf("rejected text returned %q", clean)
			}
			return
		}
		if !utf8.ValidString(clean) {
			t.Fatal("accepted invalid UTF-8")
		}
		if utf8.RuneCountInString(clean) > 500 {
			t.Fatal("accepted text over the limit")
		}
		if strings.ContainsRune(clean, 0) || strings.Contains(clean, "<script") || strings.Contains(strings.ToLower(clean), "</") {
			t.Fatalf("accepted dangerous text %q", clean)
		}
		if clean != "" && (clean[0] == '=' || clean[0] == '@') {
			t.Fatalf("accepted formula %q", clean)
		}
		for _, r := range clean {
			if invisible(r) {
				t.Fatalf("accepted an invisible character %U in %q", r, clean)
			}
		}
		if again, code := CleanText(clean, 500); code != "" || again != clean {
			t.Fatalf("CleanText not idempotent: %q → %q (%s)", clean, again, code)
		}
	})
}

func TestShows(t *testing.T) {
	for _, c := range []struct {
		threshold, n int
		want         bool
	}{
		{3, 0, false}, {3, 2, false}, {3, 3, true}, {3, 10, true}, {1, 0, false}, {1, 1, true}, {20, 19, false},
	} {
		a := &Assessment{Threshold: c.threshold}
		if got := a.Shows(c.n); got != c.want {
			t.Errorf("threshold %d, %d submitted: Shows = %v, want %v", c.threshold, c.n, got, c.want)
		}
	}
}

func TestPasswordVariety(t *testing.T) {
	for _, c := range []struct {
		password string
		code     string
	}{
		{"aaaaaaaaaaaa", CodeWeak},
		{"abababababab", CodeWeak},
		{"abcdabcdabcd", CodeWeak},
		{"abcdeabcdeab", ""},
		{"a long pass phrase", ""},
		{"short", CodeTooShort},
	} {
		_, err := NewFacilitator("v@example.org", "V", c.password)
		var verr *ValidationError
		got := ""
		if errors.As(err, &verr) {
			got = verr.Fields["password"].Code
		}
		if got != c.code {
			t.Errorf("%q: %q, want %q", c.password, got, c.code)
		}
	}
}
