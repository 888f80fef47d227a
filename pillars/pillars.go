// Package pillars holds the instrument of the engagement-capable environment
// self-assessment: the three pillars, their sections and checklist items, the shared
// themes every item belongs to, and the reflection prompts, in English and French.
//
// The instrument is embedded, versioned data (data/*.json). A published version is never
// edited in place: a change is a new file with a new version, and assessments keep the
// version they were opened with. This package knows nothing about responses.
package pillars

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/ecat-project/ecat/locale"
)

//go:embed data/*.json
var dataFS embed.FS

// Text is a piece of instrument text in every supported language.
type Text struct {
	EN string `json:"en"`
	FR string `json:"fr"`
}

// In returns the text in lang, falling back to English.
func (t Text) In(lang locale.Lang) string {
	if lang == locale.French && t.FR != "" {
		return t.FR
	}
	return t.EN
}

// Pillar keys, stable across versions: they are stored with every response.
const (
	Leadership      = "leadership"
	Staff           = "staff"
	PatientPartners = "patient_partners"
)

// Theme is one of the shared themes every pillar's checklist covers.
type Theme struct {
	Key   string `json:"key"`
	Title Text   `json:"title"`
	About Text   `json:"about"`
}

// Item is one checklist statement, answered Yes / No / Somewhat / Unknown.
type Item struct {
	ID    string `json:"id"`
	Theme string `json:"theme"`
	Text  Text   `json:"text"`
}

// Section groups a pillar's items under a heading.
type Section struct {
	Key   string `json:"key"`
	Title Text   `json:"title"`
	Items []Item `json:"items"`
}

// Prompt is an optional free-text reflection question.
type Prompt struct {
	ID   string `json:"id"`
	Text Text   `json:"text"`
}

// Pillar is one of the three pillars with its checklist.
type Pillar struct {
	Key         string `json:"key"`
	Title       Text   `json:"title"`
	Description Text   `json:"description"`
	// Role tells a respondent whether this pillar is theirs ("choose this if you…").
	Role        Text      `json:"role"`
	Sections    []Section `json:"sections"`
	Reflections []Prompt  `json:"reflections"`
}

// Instrument is one published version of the whole checklist.
type Instrument struct {
	Version string   `json:"version"`
	Themes  []Theme  `json:"themes"`
	Pillars []Pillar `json:"pillars"`

	items map[string]itemRef
}

type itemRef struct {
	pillar string
	item   *Item
}

// Pillar returns the pillar with key, or nil.
func (in *Instrument) Pillar(key string) *Pillar {
	for i := range in.Pillars {
		if in.Pillars[i].Key == key {
			return &in.Pillars[i]
		}
	}
	return nil
}

// Theme returns the theme with key, or nil.
func (in *Instrument) Theme(key string) *Theme {
	for i := range in.Themes {
		if in.Themes[i].Key == key {
			return &in.Themes[i]
		}
	}
	return nil
}

// Item returns the item with id and the key of the pillar it belongs to.
func (in *Instrument) Item(id string) (*Item, string, bool) {
	ref, ok := in.items[id]
	if !ok {
		return nil, "", false
	}
	return ref.item, ref.pillar, true
}

// Items returns the pillar's items in checklist order.
func (p *Pillar) Items() []Item {
	var items []Item
	for _, s := range p.Sections {
		items = append(items, s.Items...)
	}
	return items
}

// HasItem reports whether id is one of the pillar's items.
func (p *Pillar) HasItem(id string) bool {
	for _, s := range p.Sections {
		for _, it := range s.Items {
			if it.ID == id {
				return true
			}
		}
	}
	return false
}

// HasPrompt reports whether id is one of the pillar's reflection prompts.
func (p *Pillar) HasPrompt(id string) bool {
	for _, r := range p.Reflections {
		if r.ID == id {
			return true
		}
	}
	return false
}

// Catalog holds every published instrument version.
type Catalog struct {
	versions map[string]*Instrument
	current  string
}

// Load parses every embedded instrument version and checks each one is whole.
// The newest version (by name, "v1" < "v2" …) is the current one.
func Load() (*Catalog, error) {
	return loadFS(dataFS, "data")
}

func loadFS(fsys fs.FS, dir string) (*Catalog, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("pillars: no instrument data")
	}
	c := &Catalog{versions: map[string]*Instrument{}}
	for _, name := range names {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		in, err := Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("pillars: %s: %w", name, err)
		}
		if _, dup := c.versions[in.Version]; dup {
			return nil, fmt.Errorf("pillars: version %q published twice", in.Version)
		}
		c.versions[in.Version] = in
	}
	versions := c.Versions()
	c.current = versions[len(versions)-1]
	return c, nil
}

// Parse decodes one instrument version and checks it is whole.
func Parse(raw []byte) (*Instrument, error) {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	var in Instrument
	if err := dec.Decode(&in); err != nil {
		return nil, err
	}
	if err := in.Check(); err != nil {
		return nil, err
	}
	in.items = map[string]itemRef{}
	for pi := range in.Pillars {
		p := &in.Pillars[pi]
		for si := range p.Sections {
			for ii := range p.Sections[si].Items {
				it := &p.Sections[si].Items[ii]
				in.items[it.ID] = itemRef{pillar: p.Key, item: it}
			}
		}
	}
	return &in, nil
}

// Current returns the version new assessments are opened with.
func (c *Catalog) Current() *Instrument { return c.versions[c.current] }

// Version returns a published version, or false.
func (c *Catalog) Version(v string) (*Instrument, bool) {
	in, ok := c.versions[v]
	return in, ok
}

// Versions lists the published versions, oldest first.
func (c *Catalog) Versions() []string {
	vs := make([]string, 0, len(c.versions))
	for v := range c.versions {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool {
		if len(vs[i]) != len(vs[j]) {
			return len(vs[i]) < len(vs[j])
		}
		return vs[i] < vs[j]
	})
	return vs
}
