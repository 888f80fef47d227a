// Package locale is ecat's one catalogue of words: every message a page, an e-mail-free
// error, a workbook or an export shows, in each supported language, and the one list of
// those languages. The words live in messages/<lang>.json, embedded in the binary; a key
// names one message (keys used only by the workbook start with "workbook."). A message
// may hold fmt verbs, filled by Printer.F or the page's T.
//
// It depends on the standard library only, so every other package may use it.
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

//go:embed messages/*.json
var messagesFS embed.FS

// Lang is a supported language of the interface, the instrument and the exports.
type Lang string

// The supported languages.
const (
	English Lang = "en"
	French  Lang = "fr"
)

// Languages lists the supported languages, the default (and fallback) first.
func Languages() []Lang { return []Lang{English, French} }

// Default is the language used when nothing else decides.
const Default = English

// Parse returns the supported language named by s: "en", "fr", "fr-CA", "FR_ca"…
func Parse(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i > 0 {
		s = s[:i]
	}
	for _, l := range Languages() {
		if string(l) == s {
			return l, true
		}
	}
	return "", false
}

// ParseCode is Parse for a value that must be exactly a two-letter code ("fr", not
// "fr-CA"), as stored with assessments and responses and sent in forms and the API.
func ParseCode(s string) (Lang, bool) {
	if len(s) != 2 {
		return "", false
	}
	return Parse(s)
}

// Other is the language a switch link offers from l.
// One reports whether a count of n takes the language's singular: 1 in English, 0 and 1
// in French.
func (l Lang) One(n int) bool {
	if l == French {
		return n == 0 || n == 1
	}
	return n == 1
}

// CountedKey is the key of the message that says a count of n: key + ".one" where the
// catalogue has that singular form and n takes it in l, else key (the plural).
func (c *Catalog) CountedKey(l Lang, key string, n int) string {
	if _, ok := c.messages[l][key+".one"]; ok && l.One(n) {
		return key + ".one"
	}
	return key
}

func (l Lang) Other() Lang {
	if l == French {
		return English
	}
	return French
}

// Catalog holds every message in every language. It is read-only once loaded and safe
// for concurrent use.
type Catalog struct {
	messages map[Lang]map[string]string
}

// Load reads the embedded catalogue. Every language must define exactly the keys the
// default language defines, so no page or workbook can fall back without anyone noticing.
func Load() (*Catalog, error) {
	c := &Catalog{messages: map[Lang]map[string]string{}}
	for _, l := range Languages() {
		raw, err := messagesFS.ReadFile("messages/" + string(l) + ".json")
		if err != nil {
			return nil, fmt.Errorf("locale: %w", err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("locale: messages/%s.json: %w", l, err)
		}
		c.messages[l] = m
	}
	for _, l := range Languages()[1:] {
		for key := range c.messages[Default] {
			if _, ok := c.messages[l][key]; !ok {
				return nil, fmt.Errorf("locale: messages/%s.json lacks %q", l, key)
			}
		}
		for key := range c.messages[l] {
			if _, ok := c.messages[Default][key]; !ok {
				return nil, fmt.Errorf("locale: messages/%s.json has %q, which %s.json does not", l, key, Default)
			}
		}
	}
	return c, nil
}

// Messages returns the messages of one language (nil when unknown). The map belongs to
// the catalogue: callers read it and never change it.
func (c *Catalog) Messages(l Lang) map[string]string { return c.messages[l] }

// Has reports whether key names a message.
func (c *Catalog) Has(key string) bool {
	_, ok := c.messages[Default][key]
	return ok
}

// Message returns one message in l, falling back to the default language, then to the
// key itself (so a missing message shows up rather than failing a page or an export).
func (c *Catalog) Message(l Lang, key string) string {
	if m, ok := c.messages[l][key]; ok {
		return m
	}
	if m, ok := c.messages[Default][key]; ok {
		return m
	}
	return key
}

// In returns a Printer for one language; an unsupported one gets the default.
func (c *Catalog) In(l Lang) Printer {
	if _, ok := c.messages[l]; !ok {
		l = Default
	}
	return Printer{Lang: l, c: c}
}

// Printer writes messages and numbers in one language.
type Printer struct {
	Lang Lang
	c    *Catalog
}

// Has reports whether the catalogue has a message named key.
func (p Printer) Has(key string) bool { return p.c.Has(key) }

// T returns the message named key.
func (p Printer) T(key string) string { return p.c.Message(p.Lang, key) }

// F formats the message named key with args.
func (p Printer) F(key string, args ...any) string { return fmt.Sprintf(p.T(key), args...) }

// Num writes v with one decimal and the language's decimal mark ("58.3", "58,3").
func (p Printer) Num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if p.Lang == French {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// List joins items with the language's separator, or says there are none.
func (p Printer) List(items []string) string {
	if len(items) == 0 {
		return p.T("none")
	}
	return strings.Join(items, p.T("list.sep"))
}
