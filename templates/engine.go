// Package templates holds ecat's HTML pages and static assets, embedded in the binary; the
// words come from the catalogue of package locale. A page is rendered into a buffer first,
// so a template error becomes a clean 500 and never half a page.
package templates

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/ecat-project/ecat/locale"
)

//go:embed html/*.html
var htmlFS embed.FS

//go:embed static
var staticFS embed.FS

// Engine renders pages by name ("home", "form", …) in a language.
type Engine struct {
	pages   map[string]*template.Template
	catalog *locale.Catalog
	// assets maps a static file's name to its fingerprinted name ("app.css" →
	// "app.1a2b3c4d.css") and back, so pages link to URLs that change with the content
	// and browsers may cache them for a year.
	assets   map[string]string
	original map[string]string
}

// Page is what every page template receives.
type Page struct {
	Lang  string
	Title string // already translated
	// CSRF is the token for forms; empty where a page has no form.
	CSRF string
	// SwitchURL is this page in the other language, when it can be offered.
	SwitchURL string
	// SwitchForm, on a page with a form being filled in, names that form: the switch
	// is then a button that sends it (action "switch_language"), so the page comes back
	// in the other language with everything typed so far, instead of a link to an empty
	// form.
	SwitchForm string
	// Script loads the form enhancement (progress and autosave).
	Script bool
	// RequestID ties an error page to the server's log line.
	RequestID string
	// User is the signed-in facilitator's name; it turns on the facilitator menu.
	User string
	// Admin: the signed-in facilitator is an admin (the menu leads to the accounts).
	Admin bool
	// Staff marks a facilitator's page (signed in or not: sign-in, setup): its footer
	// speaks of team members' answers, not the reader's.
	Staff bool
	// Body is the page's own data.
	Body any

	messages map[string]string
}

// T returns the message for key in the page's language, formatted with args. With one
// integer argument, a message with a singular form (key + ".one") takes it when the
// count does (see locale.Lang.One).
func (p *Page) T(key string, args ...any) string {
	if len(args) == 1 {
		if n, ok := args[0].(int); ok && locale.Lang(p.Lang).One(n) {
			if _, ok := p.messages[key+".one"]; ok {
				key += ".one"
			}
		}
	}
	msg, ok := p.messages[key]
	if !ok {
		msg = key
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// OtherLang is the language offered by the switch link.
func (p *Page) OtherLang() string {
	if p.Lang == "fr" {
		return "en"
	}
	return "fr"
}

// New parses every page with the layout; pages take their words from catalog.
func New(catalog *locale.Catalog) (*Engine, error) {
	if catalog == nil {
		return nil, errors.New("templates: New needs the catalogue of words")
	}
	e := &Engine{pages: map[string]*template.Template{}, catalog: catalog,
		assets: map[string]string{}, original: map[string]string{}}
	if err := e.fingerprint(); err != nil {
		return nil, err
	}
	names, err := fs.Glob(htmlFS, "html/*.html")
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		// dict passes the page along with a value into a sub-template.
		"dict": func(p *Page, v any) map[string]any { return map[string]any{"Page": p, "Value": v} },
		"list": func(v ...string) []string { return v },
		// asset is the URL of a static file, fingerprinted.
		"asset": func(name string) string { return "/static/" + e.assets[name] },
	}
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(htmlFS, "html/layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("templates: %s: %w", name, err)
		}
		e.pages[base] = t
	}
	return e, nil
}

// Pages lists the page names, for tests that render every one.
func (e *Engine) Pages() []string {
	names := make([]string, 0, len(e.pages))
	for n := range e.pages {
		names = append(names, n)
	}
	return names
}

// Catalog is the catalogue of words the pages use.
func (e *Engine) Catalog() *locale.Catalog { return e.catalog }

// Messages returns the messages of a language (nil when unknown), for tests.
func (e *Engine) Messages(lang string) map[string]string {
	return e.catalog.Messages(locale.Lang(lang))
}

// Counted returns the message that says a count of n in a language (its singular form
// where it has one and n takes it), with n in it.
func (e *Engine) Counted(lang, key string, n int) string {
	l := locale.Lang(lang)
	return fmt.Sprintf(e.catalog.Message(l, e.catalog.CountedKey(l, key, n)), n)
}

// Message returns one message in a language, falling back to English, then to the key.
func (e *Engine) Message(lang, key string) string {
	return e.catalog.Message(locale.Lang(lang), key)
}

// Render writes the named page. Nothing is written when the template fails.
func (e *Engine) Render(w io.Writer, name string, p *Page) error {
	t, ok := e.pages[name]
	if !ok {
		return fmt.Errorf("templates: no page %q", name)
	}
	if _, ok := locale.ParseCode(p.Lang); !ok {
		p.Lang = string(locale.Default)
	}
	p.messages = e.catalog.Messages(locale.Lang(p.Lang))
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("templates: render %s: %w", name, err)
	}
	_, err := buf.WriteTo(w)
	return err
}

func (e *Engine) fingerprint() error {
	return fs.WalkDir(Static(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(Static(), name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(raw)
		ext := path.Ext(name)
		fp := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		e.assets[name], e.original[fp] = fp, name
		return nil
	})
}

// ResolveAsset maps a requested static file name to the embedded file: a fingerprinted
// name (immutable: its content never changes under that name), or a plain one.
func (e *Engine) ResolveAsset(requested string) (name string, immutable bool, ok bool) {
	if orig, found := e.original[requested]; found {
		return orig, true, true
	}
	if _, found := e.assets[requested]; found {
		return requested, false, true
	}
	return "", false, false
}

// Static returns the embedded static assets (CSS, JS), rooted at their folder.
func Static() fs.FS {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the folder is embedded at build time; it cannot be missing
	}
	return sub
}
