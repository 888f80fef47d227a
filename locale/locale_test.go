package locale

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in     string
		want   Lang
		wantOK bool
	}{
		{"en", English, true},
		{"EN", English, true},
		{"en-GB", English, true},
		{" en ", English, true},
		{"fr", French, true},
		{"fr-CA", French, true},
		{"fr_FR", French, true},
		{"FR-ca", French, true},
		{"", "", false},
		{"de", "", false},
		{"english", "", false},
		{"french", "", false},
		{"-fr", "", false},
		{"e", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := Parse(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Parse(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"en", "EN", "fr", "fr-CA", "fr_FR", "", "de", "english", "-", "_fr", "fr-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, ok := Parse(s)
		if !ok {
			if l != "" {
				t.Fatalf("Parse(%q) = %q, false; want empty language", s, l)
			}
			return
		}
		if !slices.Contains(Languages(), l) {
			t.Fatalf("Parse(%q) = %q, not one of %v", s, l, Languages())
		}
		// A parsed language names itself.
		if again, ok := Parse(string(l)); !ok || again != l {
			t.Fatalf("Parse(%q) = %q, %v; want %q, true", l, again, ok, l)
		}
	})
}

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// TestCatalogueComplete: every message exists in every language, is not blank, and holds
// the same formatting verbs in the same order, so a translation can never drop or swap a
// figure.
func TestCatalogueComplete(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	def := c.Messages(Default)
	if len(def) < 400 {
		t.Fatalf("only %d messages", len(def))
	}
	for _, l := range Languages() {
		msgs := c.Messages(l)
		if len(msgs) != len(def) {
			t.Errorf("%s has %d messages, %s %d", l, len(msgs), Default, len(def))
		}
		for key, text := range msgs {
			if strings.TrimSpace(text) == "" && key != "list.sep" {
				t.Errorf("%s %q is blank", l, key)
			}
			if want, got := verb.FindAllString(def[key], -1), verb.FindAllString(text, -1); !slices.Equal(want, got) {
				t.Errorf("%s %q: verbs %q, %s has %q", l, key, got, Default, want)
			}
		}
	}
}

func TestPrinter(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		lang      Lang
		num, none string
	}{
		{English, "62.5", "None."},
		{French, "62,5", "Aucun."},
		{"de", "62.5", "None."}, // unsupported: the default language
	} {
		p := c.In(tt.lang)
		if got := p.Num(62.5); got != tt.num {
			t.Errorf("%s Num = %q, want %q", tt.lang, got, tt.num)
		}
		if got := p.List(nil); got != tt.none {
			t.Errorf("%s List(nil) = %q, want %q", tt.lang, got, tt.none)
		}
	}
	if got := c.In(French).F("workbook.trend.round", 2); got != "Ronde 2" {
		t.Errorf("F = %q", got)
	}
	if got := c.Message(French, "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key = %q, want the key itself", got)
	}
	if got := c.In(English).List([]string{"a", "b"}); got != "a, b" {
		t.Errorf("List = %q", got)
	}
}

// A count takes the singular where the language says so (English: 1; French: 0 and 1),
// and only for messages that have a singular form.
func TestCountedKey(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang Lang
		n    int
		want string
	}{
		{English, 0, "errors.count"}, {English, 1, "errors.count.one"}, {English, 2, "errors.count"},
		{French, 0, "errors.count.one"}, {French, 1, "errors.count.one"}, {French, 2, "errors.count"},
	} {
		if got := c.CountedKey(tc.lang, "errors.count", tc.n); got != tc.want {
			t.Errorf("CountedKey(%s, errors.count, %d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
	if got := c.CountedKey(English, "form.progress", 1); got != "form.progress" {
		t.Errorf("a message without a singular form gave %q", got)
	}
	for _, l := range Languages() {
		for key, msg := range c.Messages(l) {
			if strings.Contains(msg, "(s)") {
				t.Errorf("%s %s still says (s): %q", l, key, msg)
			}
		}
	}
}
