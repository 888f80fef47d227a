package pillars

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/ecat-project/ecat/locale"
)

// maxItemChars keeps checklist statements short enough to read on a phone.
const maxItemChars = 160

// sameInBothLanguages lists the texts that may legitimately read the same in English and
// French (the word is used as is in Canadian French). Items and prompts never may.
var sameInBothLanguages = map[string]bool{"Leadership": true}

func loadCatalog(t testing.TB) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func current(t testing.TB) *Instrument {
	t.Helper()
	return loadCatalog(t).Current()
}

// rawV1 returns the embedded v1 file as published.
func rawV1(t testing.TB) []byte {
	t.Helper()
	raw, err := dataFS.ReadFile("data/v1.json")
	if err != nil {
		t.Fatalf("read v1: %v", err)
	}
	return raw
}

// cloneInstrument deep-copies in through JSON, so a test can break the copy freely.
func cloneInstrument(t testing.TB, in *Instrument) *Instrument {
	t.Helper()
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out Instrument
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return &out
}

func mustPillar(t testing.TB, in *Instrument, key string) *Pillar {
	t.Helper()
	p := in.Pillar(key)
	if p == nil {
		t.Fatalf("pillar %q not found", key)
	}
	return p
}

func TestLoad(t *testing.T) {
	c := loadCatalog(t)
	if got := c.Current().Version; got != "v2" {
		t.Errorf("Current().Version = %q, want v2", got)
	}
	if got, want := c.Versions(), []string{"v1", "v2"}; !slices.Equal(got, want) {
		t.Errorf("Versions() = %v, want %v", got, want)
	}
	in, ok := c.Version("v2")
	if !ok || in != c.Current() {
		t.Errorf("Version(v2) = %p, %v; want the current instrument", in, ok)
	}
	old, ok := c.Version("v1")
	if !ok || old == c.Current() || old.Version != "v1" {
		t.Errorf("Version(v1) = %p, %v; want v1, kept for the rounds that used it", old, ok)
	}
	if _, ok := c.Version("v0"); ok {
		t.Error("Version(v0) found, want false")
	}
}

// TestV1KeptAsPublished: v2 is a new file, v1 stays as its rounds answered it. A few of
// v1's own statements, which v2 rewrote, must still read as they did.
func TestV1KeptAsPublished(t *testing.T) {
	c := loadCatalog(t)
	v1, _ := c.Version("v1")
	v2, _ := c.Version("v2")
	for _, tt := range []struct{ id, v1Text string }{
		{"L-10", "Patient partners sit on our governance and quality committees."},
		{"L-11", "On those committees, patient partners have a real vote or voice in decisions."},
		{"P-01", "I received an orientation to the organization and to my role as a partner."},
		{"S-05", "Staff and patient partners sometimes learn together, for example in shared training sessions."},
	} {
		it, _, ok := v1.Item(tt.id)
		if !ok || it.Text.EN != tt.v1Text {
			t.Errorf("v1 %s = %v, want %q", tt.id, it, tt.v1Text)
		}
		now, _, ok := v2.Item(tt.id)
		if !ok || now.Text.EN == tt.v1Text {
			t.Errorf("v2 %s = %v, want v2's own statement", tt.id, now)
		}
	}
	for _, p := range v1.Pillars {
		if n := len(p.Items()); n != 15 {
			t.Errorf("v1 %s: %d items, want the 15 it was published with", p.Key, n)
		}
	}
}

// TestThemesStableAcrossVersions: reports compare rounds by theme, across versions, so
// every version has the same theme keys in the same order (titles and descriptions may
// be reworded).
func TestThemesStableAcrossVersions(t *testing.T) {
	c := loadCatalog(t)
	keys := func(in *Instrument) []string {
		var out []string
		for _, th := range in.Themes {
			out = append(out, th.Key)
		}
		return out
	}
	want := keys(c.Current())
	for _, v := range c.Versions() {
		in, _ := c.Version(v)
		if got := keys(in); !slices.Equal(got, want) {
			t.Errorf("%s themes = %v, want %v as in the current version", v, got, want)
		}
	}
}

// TestV2OneIdeaPerStatement guards the rewrite: no statement joins two things with "and"
// or "or" where v1's double-barrelled ones did, nor leans on an earlier statement ("those
// committees"), nor says "sometimes", which clashes with the answer Somewhat.
func TestV2OneIdeaPerStatement(t *testing.T) {
	in, ok := loadCatalog(t).Version("v2")
	if !ok {
		t.Fatal("v2 missing")
	}
	banned := []string{" those ", "sometimes", "regularly", "real vote", "governance and", "measure and review",
		"paid or recognized", "staff or leaders", "board or", "organization and to"}
	for _, p := range in.Pillars {
		for _, it := range p.Items() {
			en := strings.ToLower(it.Text.EN)
			for _, b := range banned {
				if strings.Contains(en, b) {
					t.Errorf("v2 %s says %q: %q", it.ID, b, it.Text.EN)
				}
			}
			if n := strings.Count(it.Text.EN, ".") + strings.Count(it.Text.EN, "?"); n != 1 {
				t.Errorf("v2 %s: %d sentences, want one statement: %q", it.ID, n, it.Text.EN)
			}
		}
	}
}

// TestV2CoversNewDomains: the domains v1 missed each have a statement in v2, under the
// theme they were mapped to.
func TestV2CoversNewDomains(t *testing.T) {
	in, ok := loadCatalog(t).Version("v2")
	if !ok {
		t.Fatal("v2 missing")
	}
	for _, tt := range []struct {
		domain, id, theme, word string
	}{
		{"patient safety", "L-11", "influence", "safety"},
		{"patient safety", "S-08", "influence", "safer"},
		{"patient safety", "P-10", "influence", "safer"},
		{"roles and accountability", "L-03", "commitment", "job descriptions"},
		{"roles and accountability", "S-02", "commitment", "expected in my job"},
		{"roles and accountability", "P-02", "preparation", "expected of me"},
		{"celebrating", "L-16", "feedback", "celebrate"},
		{"sharing", "S-14", "feedback", "shares"},
		{"cultural safety", "L-14", "equity", "Indigenous"},
		{"cultural safety", "P-14", "equity", "culture"},
	} {
		it, _, ok := in.Item(tt.id)
		if !ok {
			t.Errorf("%s: v2 has no %s", tt.domain, tt.id)
			continue
		}
		if it.Theme != tt.theme || !strings.Contains(it.Text.EN, tt.word) {
			t.Errorf("%s: v2 %s = %s %q, want theme %s and %q", tt.domain, tt.id, it.Theme, it.Text.EN, tt.theme, tt.word)
		}
	}
}

func TestPillarLookup(t *testing.T) {
	in := current(t)
	want := []string{Leadership, Staff, PatientPartners}
	var got []string
	for _, p := range in.Pillars {
		got = append(got, p.Key)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pillar order = %v, want %v", got, want)
	}
	for _, key := range want {
		p := in.Pillar(key)
		if p == nil || p.Key != key {
			t.Errorf("Pillar(%q) = %v, want the %s pillar", key, p, key)
		}
	}
	if p := in.Pillar("nope"); p != nil {
		t.Errorf("Pillar(nope) = %v, want nil", p)
	}
	if th := in.Theme("equity"); th == nil || th.Key != "equity" {
		t.Errorf("Theme(equity) = %v, want the equity theme", th)
	}
	if th := in.Theme("nope"); th != nil {
		t.Errorf("Theme(nope) = %v, want nil", th)
	}
}

func TestItemLookup(t *testing.T) {
	in := current(t)
	tests := []struct {
		id         string
		wantPillar string
		wantOK     bool
	}{
		{"L-01", Leadership, true},
		{"S-01", Staff, true},
		{"P-01", PatientPartners, true},
		{"L-R1", "", false}, // prompts are not items
		{"nope", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			it, pillar, ok := in.Item(tt.id)
			if ok != tt.wantOK || pillar != tt.wantPillar {
				t.Fatalf("Item(%q) = _, %q, %v; want %q, %v", tt.id, pillar, ok, tt.wantPillar, tt.wantOK)
			}
			if ok && it.ID != tt.id {
				t.Errorf("Item(%q) returned item %q", tt.id, it.ID)
			}
			if !ok && it != nil {
				t.Errorf("Item(%q) returned %v with false", tt.id, it)
			}
		})
	}
}

func TestHasItemAndPrompt(t *testing.T) {
	in := current(t)
	tests := []struct {
		pillar string
		id     string
		item   bool
		prompt bool
	}{
		{Leadership, "L-01", true, false},
		{Leadership, "L-R1", false, true},
		{Leadership, "S-01", false, false},
		{Leadership, "S-R1", false, false},
		{Staff, "S-01", true, false},
		{Staff, "S-R1", false, true},
		{Staff, "L-01", false, false},
		{PatientPartners, "P-01", true, false},
		{PatientPartners, "P-R1", false, true},
		{PatientPartners, "P-99", false, false},
		{PatientPartners, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.pillar+"/"+tt.id, func(t *testing.T) {
			p := mustPillar(t, in, tt.pillar)
			if got := p.HasItem(tt.id); got != tt.item {
				t.Errorf("HasItem(%q) = %v, want %v", tt.id, got, tt.item)
			}
			if got := p.HasPrompt(tt.id); got != tt.prompt {
				t.Errorf("HasPrompt(%q) = %v, want %v", tt.id, got, tt.prompt)
			}
		})
	}
}

// TestDataIsWhole asserts the published data directly, not only through Check, so a
// loosened Check cannot let a broken instrument through.
func TestDataIsWhole(t *testing.T) {
	in := current(t)

	wantThemes := []string{"commitment", "relationships", "preparation", "resources",
		"influence", "feedback", "equity", "learning"}
	var themeKeys []string
	known := map[string]bool{}
	for _, th := range in.Themes {
		themeKeys = append(themeKeys, th.Key)
		known[th.Key] = true
		checkTranslated(t, "theme "+th.Key+" title", th.Title, false)
		checkTranslated(t, "theme "+th.Key+" about", th.About, false)
	}
	if !slices.Equal(themeKeys, wantThemes) {
		t.Errorf("themes = %v, want %v", themeKeys, wantThemes)
	}

	prefixes := map[string]string{Leadership: "L", Staff: "S", PatientPartners: "P"}
	seen := map[string]string{}
	unique := func(id, where string) {
		if other, dup := seen[id]; dup {
			t.Errorf("id %s used by %s and %s", id, other, where)
		}
		seen[id] = where
	}
	for _, p := range in.Pillars {
		prefix := prefixes[p.Key]
		checkTranslated(t, "pillar "+p.Key+" title", p.Title, false)
		checkTranslated(t, "pillar "+p.Key+" description", p.Description, false)
		checkTranslated(t, "pillar "+p.Key+" role", p.Role, false)

		if n := len(p.Sections); n < 3 || n > 5 {
			t.Errorf("pillar %s: %d sections, want 3–5", p.Key, n)
		}
		covered := map[string]int{}
		n := 0
		for _, s := range p.Sections {
			checkTranslated(t, "section "+p.Key+"/"+s.Key, s.Title, false)
			if len(s.Items) == 0 {
				t.Errorf("section %s/%s is empty", p.Key, s.Key)
			}
			for _, it := range s.Items {
				n++
				// Items are numbered consecutively across the pillar's sections.
				if want := fmt.Sprintf("%s-%02d", prefix, n); it.ID != want {
					t.Errorf("pillar %s: item %d has id %q, want %q", p.Key, n, it.ID, want)
				}
				unique(it.ID, p.Key)
				if !known[it.Theme] {
					t.Errorf("item %s: theme %q is not a known theme", it.ID, it.Theme)
				}
				covered[it.Theme]++
				checkTranslated(t, "item "+it.ID, it.Text, true)
				for _, lang := range locale.Languages() {
					if l := utf8.RuneCountInString(it.Text.In(lang)); l > maxItemChars {
						t.Errorf("item %s (%s): %d characters, want at most %d", it.ID, lang, l, maxItemChars)
					}
				}
			}
		}
		if n < 12 || n > 16 {
			t.Errorf("pillar %s: %d items, want 12–16", p.Key, n)
		}
		if got := len(p.Items()); got != n {
			t.Errorf("pillar %s: Items() has %d items, sections hold %d", p.Key, got, n)
		}
		for _, key := range wantThemes {
			if covered[key] == 0 {
				t.Errorf("pillar %s: no item for theme %s", p.Key, key)
			}
		}

		if n := len(p.Reflections); n < 3 || n > 4 {
			t.Errorf("pillar %s: %d reflection prompts, want 3–4", p.Key, n)
		}
		for i, r := range p.Reflections {
			if want := fmt.Sprintf("%s-R%d", prefix, i+1); r.ID != want {
				t.Errorf("pillar %s: prompt %d has id %q, want %q", p.Key, i+1, r.ID, want)
			}
			unique(r.ID, p.Key)
			checkTranslated(t, "prompt "+r.ID, r.Text, true)
		}
	}
}

// checkTranslated fails unless text has both languages and the French really is a
// translation. strict forbids even the allowed proper nouns (items and prompts).
func checkTranslated(t *testing.T, where string, text Text, strict bool) {
	t.Helper()
	en, fr := strings.TrimSpace(text.EN), strings.TrimSpace(text.FR)
	if en == "" {
		t.Errorf("%s: English text empty", where)
	}
	if fr == "" {
		t.Errorf("%s: French text empty", where)
	}
	if en != fr {
		return
	}
	if strict || !sameInBothLanguages[en] {
		t.Errorf("%s: French text %q is the English text", where, fr)
	}
}

func TestCheckAcceptsCopies(t *testing.T) {
	c := loadCatalog(t)
	for _, v := range c.Versions() {
		in, _ := c.Version(v)
		if err := cloneInstrument(t, in).Check(); err != nil {
			t.Errorf("Check on an untouched copy of %s: %v", v, err)
		}
	}
}

func TestCheckRejectsDefects(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(t *testing.T, in *Instrument)
		want   string
	}{
		{
			name:   "missing version",
			mutate: func(t *testing.T, in *Instrument) { in.Version = " " },
			want:   "version missing",
		},
		{
			name: "duplicate item id",
			mutate: func(t *testing.T, in *Instrument) {
				mustPillar(t, in, Leadership).Sections[0].Items[1].ID = "L-01"
			},
			want: `id "L-01" used twice`,
		},
		{
			name: "prompt id reused",
			mutate: func(t *testing.T, in *Instrument) {
				mustPillar(t, in, Staff).Reflections[1].ID = "S-R1"
			},
			want: `id "S-R1" used twice`,
		},
		{
			name: "missing French item text",
			mutate: func(t *testing.T, in *Instrument) {
				mustPillar(t, in, Staff).Sections[0].Items[0].Text.FR = ""
			},
			want: "item S-01: French text missing",
		},
		{
			name: "blank English prompt text",
			mutate: func(t *testing.T, in *Instrument) {
				mustPillar(t, in, PatientPartners).Reflections[0].Text.EN = "  "
			},
			want: "prompt P-R1: English text missing",
		},
		{
			name:   "missing French theme description",
			mutate: func(t *testing.T, in *Instrument) { in.Theme("equity").About.FR = "" },
			want:   "theme equity about: French text missing",
		},
		{
			name: "missing French pillar role",
			mutate: func(t *testing.T, in *Instrument) {
				mustPillar(t, in, Staff).Role.FR = ""
			},
			want: "pillar staff role: French text missing",
		},
		{
			name: "unknown theme on an item",
			mutate: func(t *testing.T, in *Instrument) {
				mustPillar(t, in, PatientPartners).Sections[0].Items[2].Theme = "trust"
			},
			want: `item P-03: unknown theme "trust"`,
		},
		{
			name: "theme listed twice",
			mutate: func(t *testing.T, in *Instrument) {
				in.Themes = append(in.Themes, in.Themes[0])
			},
			want: `theme "commitment" twice`,
		},
		{
			name: "pillar missing a theme",
			mutate: func(t *testing.T, in *Instrument) {
				p := mustPillar(t, in, Leadership)
				for si := range p.Sections {
					for ii := range p.Sections[si].Items {
						if p.Sections[si].Items[ii].Theme == "feedback" {
							p.Sections[si].Items[ii].Theme = "influence"
						}
					}
				}
			},
			want: `pillar leadership: no item for theme "feedback"`,
		},
		{
			name: "too few items",
			mutate: func(t *testing.T, in *Instrument) {
				p := mustPillar(t, in, Staff)
				for si := range p.Sections {
					p.Sections[si].Items = p.Sections[si].Items[:1]
				}
			},
			want: fmt.Sprintf("pillar staff: 4 items, want %d", MinItems),
		},
		{
			name: "too many items",
			mutate: func(t *testing.T, in *Instrument) {
				p := mustPillar(t, in, Leadership)
				last := &p.Sections[len(p.Sections)-1]
				for n := len(p.Items()) + 1; n <= MaxItems+1; n++ {
					last.Items = append(last.Items, Item{
						ID:    fmt.Sprintf("L-%02d", n),
						Theme: "learning",
						Text:  Text{EN: "Extra statement.", FR: "Énoncé de plus."},
					})
				}
			},
			want: fmt.Sprintf("pillar leadership: %d items", MaxItems+1),
		},
		{
			name: "too many sections",
			mutate: func(t *testing.T, in *Instrument) {
				// Move single items into new sections, keeping the item count.
				p := mustPillar(t, in, Staff)
				for i := 0; len(p.Sections) <= MaxSections; i++ {
					from := &p.Sections[0]
					it := from.Items[len(from.Items)-1]
					from.Items = from.Items[:len(from.Items)-1]
					p.Sections = append(p.Sections, Section{
						Key:   fmt.Sprintf("extra_%c", 'a'+i),
						Title: Text{EN: "Extra", FR: "Supplément"},
						Items: []Item{it},
					})
				}
			},
			want: fmt.Sprintf("pillar staff: %d sections", MaxSections+1),
		},
		{
			name: "too few sections",
			mutate: func(t *testing.T, in *Instrument) {
				p := mustPillar(t, in, PatientPartners)
				merged := p.Sections[0]
				for _, s := range p.Sections[1:] {
					merged.Items = append(merged.Items, s.Items...)
				}
				p.Sections = []Section{merged}
			},
			want: "pillar patient_partners: 1 sections",
		},
		{
			name: "empty section",
			mutate: func(t *testing.T, in *Instrument) {
				p := mustPillar(t, in, Leadership)
				p.Sections = append(p.Sections, Section{Key: "empty", Title: Text{EN: "Empty", FR: "Vide"}})
			},
			want: "section leadership/empty has no items",
		},
		{
			name: "section key repeated",
			mutate: func(t *testing.T, in *Instrument) {
				p := mustPillar(t, in, Staff)
				p.Sections[1].Key = p.Sections[0].Key
			},
			want: "section key",
		},
		{
			name: "section key malformed",
			mutate: func(t *testing.T, in *Instrument) {
				mustPillar(t, in, Staff).Sections[0].Key = "Knowing-Why"
			},
			want: `section key "Knowing-Why" malformed`,
		},
		{
			name: "missing pillar",
			mutate: func(t *testing.T, in *Instrument) {
				in.Pillars = slices.DeleteFunc(in.Pillars, func(p Pillar) bool { return p.Key == PatientPartners })
			},
			want: `pillar "patient_partners" missing`,
		},
		{
			name: "pillar twice",
			mutate: func(t *testing.T, in *Instrument) {
				in.Pillars = append(in.Pillars, in.Pillars[0])
			},
			want: `pillar "leadership" twice`,
		},
		{
			name: "unknown pillar",
			mutate: func(t *testing.T, in *Instrument) {
				mustPillar(t, in, PatientPartners).Key = "patients"
			},
			want: `unknown pillar "patients"`,
		},
		{
			name: "item id without two digits",
			mutate: func(t *testing.T, in *Instrument) {
				mustPillar(t, in, Leadership).Sections[0].Items[0].ID = "L-1"
			},
			want: `pillar leadership: item id "L-1" malformed`,
		},
		{
			name: "item id with unknown prefix",
			mutate: func(t *testing.T, in *Instrument) {
				mustPillar(t, in, Leadership).Sections[0].Items[0].ID = "X-01"
			},
			want: `pillar leadership: item id "X-01" malformed`,
		},
		{
			name: "leadership id in the staff pillar",
			mutate: func(t *testing.T, in *Instrument) {
				mustPillar(t, in, Staff).Sections[0].Items[0].ID = "L-99"
			},
			want: `pillar staff: item id "L-99" malformed`,
		},
		{
			name: "prompt id malformed",
			mutate: func(t *testing.T, in *Instrument) {
				mustPillar(t, in, Leadership).Reflections[0].ID = "L-01"
			},
			want: `pillar leadership: prompt id "L-01" malformed`,
		},
		{
			name: "staff prompt id in the patient partners pillar",
			mutate: func(t *testing.T, in *Instrument) {
				mustPillar(t, in, PatientPartners).Reflections[0].ID = "S-R9"
			},
			want: `pillar patient_partners: prompt id "S-R9" malformed`,
		},
		{
			name: "no reflection prompts",
			mutate: func(t *testing.T, in *Instrument) {
				mustPillar(t, in, Staff).Reflections = nil
			},
			want: "pillar staff: no reflection prompts",
		},
	}
	base := current(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := cloneInstrument(t, base)
			tt.mutate(t, in)
			err := in.Check()
			if err == nil {
				t.Fatalf("Check() = nil, want an error mentioning %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check() = %v\nwant it to mention %q", err, tt.want)
			}
		})
	}
	// The copies were independent: the loaded instrument is still whole.
	if err := base.Check(); err != nil {
		t.Fatalf("breaking copies changed the loaded instrument: %v", err)
	}
}

func TestTextIn(t *testing.T) {
	tests := []struct {
		name string
		text Text
		lang locale.Lang
		want string
	}{
		{"english", Text{EN: "Hello", FR: "Bonjour"}, locale.English, "Hello"},
		{"french", Text{EN: "Hello", FR: "Bonjour"}, locale.French, "Bonjour"},
		{"french missing falls back", Text{EN: "Hello"}, locale.French, "Hello"},
		{"unsupported language falls back", Text{EN: "Hello", FR: "Bonjour"}, locale.Lang("de"), "Hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.text.In(tt.lang); got != tt.want {
				t.Errorf("In(%q) = %q, want %q", tt.lang, got, tt.want)
			}
		})
	}
}

// withField decodes raw v1, lets add put an extra field somewhere, and re-encodes it.
func withField(t *testing.T, add func(doc map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(rawV1(t), &doc); err != nil {
		t.Fatal(err)
	}
	add(doc)
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestParse(t *testing.T) {
	if _, err := Parse(rawV1(t)); err != nil {
		t.Fatalf("Parse(v1): %v", err)
	}

	firstItem := func(doc map[string]any) map[string]any {
		p := doc["pillars"].([]any)[0].(map[string]any)
		s := p["sections"].([]any)[0].(map[string]any)
		return s["items"].([]any)[0].(map[string]any)
	}
	tests := []struct {
		name string
		raw  []byte
		want string
	}{
		{"unknown top-level field", withField(t, func(d map[string]any) { d["published"] = "2025-01-01" }), `unknown field "published"`},
		{"unknown item field", withField(t, func(d map[string]any) { firstItem(d)["weight"] = 2 }), `unknown field "weight"`},
		{"unknown text language", withField(t, func(d map[string]any) {
			firstItem(d)["text"].(map[string]any)["de"] = "Hallo"
		}), `unknown field "de"`},
		{"truncated", rawV1(t)[:200], "unexpected EOF"},
		{"not json", []byte("version: v1"), "invalid character"},
		{"empty", nil, "EOF"},
		{"wrong type", []byte(`{"version": 1}`), "cannot unmarshal"},
		{"valid json, not whole", []byte(`{"version": "v9"}`), "no themes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Parse(tt.raw)
			if err == nil {
				t.Fatalf("Parse = %v, nil; want an error mentioning %q", in, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v\nwant it to mention %q", err, tt.want)
			}
		})
	}
}

func TestLoadFSVersions(t *testing.T) {
	v1 := rawV1(t)
	as := func(version string) *fstest.MapFile {
		re := regexp.MustCompile(`"version":\s*"v1"`)
		if !re.Match(v1) {
			t.Fatal("v1.json has no version field to rewrite")
		}
		return &fstest.MapFile{Data: re.ReplaceAll(v1, []byte(`"version": "`+version+`"`))}
	}

	t.Run("newest is current", func(t *testing.T) {
		c, err := loadFS(fstest.MapFS{
			"data/v1.json":  as("v1"),
			"data/v10.json": as("v10"),
			"data/v2.json":  as("v2"),
		}, "data")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := c.Versions(), []string{"v1", "v2", "v10"}; !slices.Equal(got, want) {
			t.Errorf("Versions() = %v, want %v", got, want)
		}
		if got := c.Current().Version; got != "v10" {
			t.Errorf("Current().Version = %q, want v10", got)
		}
		// Each version has its own item index.
		old, _ := c.Version("v1")
		if _, pillar, ok := old.Item("S-02"); !ok || pillar != Staff {
			t.Errorf("v1 Item(S-02) = %q, %v", pillar, ok)
		}
	})

	failures := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"no data", fstest.MapFS{"data/readme.txt": {Data: []byte("x")}}, "no instrument data"},
		{"version twice", fstest.MapFS{"data/a.json": as("v1"), "data/b.json": as("v1")}, `version "v1" published twice`},
		{"broken file named", fstest.MapFS{"data/v1.json": as("v1"), "data/v2.json": {Data: []byte("{")}}, "data/v2.json"},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadFS(tt.fsys, "data")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("loadFS error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
