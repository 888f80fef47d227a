package pillars

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Bounds of a well-formed pillar, from the instrument outline.
const (
	MinItems    = 12
	MaxItems    = 16
	MinSections = 3
	MaxSections = 5
)

var (
	itemIDPattern   = regexp.MustCompile(`^[LSP]-[0-9]{2}$`)
	promptIDPattern = regexp.MustCompile(`^[LSP]-R[0-9]$`)
	keyPattern      = regexp.MustCompile(`^[a-z][a-z_]*$`)
)

// pillarPrefix is the first letter of every item and prompt id of a pillar.
var pillarPrefix = map[string]string{Leadership: "L", Staff: "S", PatientPartners: "P"}

// Check reports every way the instrument is not whole: ids unique and well formed,
// the three pillars present, item and section counts in bounds, every item tagged with
// a known theme, every theme covered by every pillar, and every text in both languages.
func (in *Instrument) Check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	text := func(where string, t Text) {
		if strings.TrimSpace(t.EN) == "" {
			bad("%s: English text missing", where)
		}
		if strings.TrimSpace(t.FR) == "" {
			bad("%s: French text missing", where)
		}
	}

	if strings.TrimSpace(in.Version) == "" {
		bad("version missing")
	}
	themes := map[string]bool{}
	for _, th := range in.Themes {
		if !keyPattern.MatchString(th.Key) {
			bad("theme key %q malformed", th.Key)
		}
		if themes[th.Key] {
			bad("theme %q twice", th.Key)
		}
		themes[th.Key] = true
		text("theme "+th.Key+" title", th.Title)
		text("theme "+th.Key+" about", th.About)
	}
	if len(themes) == 0 {
		bad("no themes")
	}

	ids := map[string]bool{}
	seenPillars := map[string]bool{}
	for _, p := range in.Pillars {
		prefix, known := pillarPrefix[p.Key]
		if !known {
			bad("unknown pillar %q", p.Key)
		}
		if seenPillars[p.Key] {
			bad("pillar %q twice", p.Key)
		}
		seenPillars[p.Key] = true
		text("pillar "+p.Key+" title", p.Title)
		text("pillar "+p.Key+" description", p.Description)
		text("pillar "+p.Key+" role", p.Role)
		if n := len(p.Sections); n < MinSections || n > MaxSections {
			bad("pillar %s: %d sections, want %d–%d", p.Key, n, MinSections, MaxSections)
		}
		covered := map[string]bool{}
		count := 0
		sectionKeys := map[string]bool{}
		for _, s := range p.Sections {
			if !keyPattern.MatchString(s.Key) || sectionKeys[s.Key] {
				bad("pillar %s: section key %q malformed or repeated", p.Key, s.Key)
			}
			sectionKeys[s.Key] = true
			text("section "+p.Key+"/"+s.Key, s.Title)
			if len(s.Items) == 0 {
				bad("section %s/%s has no items", p.Key, s.Key)
			}
			for _, it := range s.Items {
				count++
				if !itemIDPattern.MatchString(it.ID) || !strings.HasPrefix(it.ID, prefix+"-") {
					bad("pillar %s: item id %q malformed", p.Key, it.ID)
				}
				if ids[it.ID] {
					bad("id %q used twice", it.ID)
				}
				ids[it.ID] = true
				if !themes[it.Theme] {
					bad("item %s: unknown theme %q", it.ID, it.Theme)
				}
				covered[it.Theme] = true
				text("item "+it.ID, it.Text)
			}
		}
		if count < MinItems || count > MaxItems {
			bad("pillar %s: %d items, want %d–%d", p.Key, count, MinItems, MaxItems)
		}
		for _, th := range in.Themes {
			if !covered[th.Key] {
				bad("pillar %s: no item for theme %q", p.Key, th.Key)
			}
		}
		if len(p.Reflections) == 0 {
			bad("pillar %s: no reflection prompts", p.Key)
		}
		for _, r := range p.Reflections {
			if !promptIDPattern.MatchString(r.ID) || !strings.HasPrefix(r.ID, prefix+"-") {
				bad("pillar %s: prompt id %q malformed", p.Key, r.ID)
			}
			if ids[r.ID] {
				bad("id %q used twice", r.ID)
			}
			ids[r.ID] = true
			text("prompt "+r.ID, r.Text)
		}
	}
	for key := range pillarPrefix {
		if !seenPillars[key] {
			bad("pillar %q missing", key)
		}
	}
	return errors.Join(errs...)
}
