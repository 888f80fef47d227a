package pillars

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/ecat-project/ecat/locale"
)

// Plain language, measured: patient partners read their statements, their pillar's
// description and the theme descriptions they file a strength or an opportunity under.
// In English these are held to a Flesch–Kincaid grade of at most 6 on average and at
// most 8 for any one text; in French, where Flesch–Kincaid does not apply, to the
// Kandel–Moles reading ease (the French adaptation of Flesch's), which rises as the text
// gets easier. The formulas are computed here from the instrument data with syllable
// heuristics written for each language, so every future edit of the checklist is held to
// the same rule.

const (
	// maxGradeAverage and maxGrade bound the Flesch–Kincaid grade of the texts patient
	// partners read (grade 6 is the usual target for health materials).
	maxGradeAverage = 6.0
	maxGrade        = 8.0
	// minEaseAverage and minEase bound the Kandel–Moles reading ease of the same texts in
	// French, on Flesch's bands: grade 6 is about 80 ("easy") on Flesch's reading ease and
	// grade 8 about 60 ("standard"), so French is held to 80 on average and 60 at least.
	minEaseAverage = 80.0
	minEase        = 60.0
)

// readability is the figure of one text.
type readability struct {
	Words, Sentences, Syllables int
}

func (r readability) wordsPerSentence() float64 { return float64(r.Words) / float64(r.Sentences) }
func (r readability) syllablesPerWord() float64 { return float64(r.Syllables) / float64(r.Words) }

// fkGrade is the Flesch–Kincaid grade level.
func (r readability) fkGrade() float64 {
	return 0.39*r.wordsPerSentence() + 11.8*r.syllablesPerWord() - 15.59
}

// kandelMoles is the Kandel–Moles reading ease (Flesch's reading ease for French).
func (r readability) kandelMoles() float64 {
	return 207 - 1.015*r.wordsPerSentence() - 73.6*r.syllablesPerWord()
}

// measure counts the words, sentences and syllables of text with the language's
// syllable counter. A text has at least one sentence; ., ! and ? end one.
func measure(text string, syllables func(string) int) readability {
	var r readability
	for _, w := range words(text) {
		r.Words++
		r.Syllables += syllables(w)
	}
	ended := false
	for _, c := range text {
		switch c {
		case '.', '!', '?':
			if !ended {
				r.Sentences++
			}
			ended = true
		default:
			if !unicode.IsSpace(c) && c != '»' && c != ')' {
				ended = false
			}
		}
	}
	if !ended || r.Sentences == 0 {
		r.Sentences++
	}
	return r
}

// words splits text into words: runs of letters, with apostrophes and hyphens inside a
// word kept (don't, aujourd'hui, c'est-à-dire count as one word each).
func words(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		w := strings.Trim(b.String(), "'’-")
		if w != "" {
			out = append(out, w)
		}
		b.Reset()
	}
	for _, c := range text {
		switch {
		case unicode.IsLetter(c) || unicode.IsDigit(c):
			b.WriteRune(c)
		case (c == '\'' || c == '’' || c == '-') && b.Len() > 0:
			b.WriteRune(c)
		default:
			flush()
		}
	}
	flush()
	return out
}

func isVowelEN(c rune) bool { return strings.ContainsRune("aeiouy", c) }

// syllablesEN estimates the syllables of an English word: groups of vowels (y counts
// as one except at the start), less a silent final e ("make", but not "table" or "free"),
// less the e of a final -ed or -es that adds no syllable ("asked", "makes", but not
// "needed", "changes"). Every word has at least one.
func syllablesEN(word string) int {
	w := []rune(strings.ToLower(strings.NewReplacer("'", "", "’", "").Replace(word)))
	if len(w) == 0 {
		return 0
	}
	if len(w) <= 3 {
		return 1
	}
	n := 0
	prevVowel := false
	for i, c := range w {
		v := isVowelEN(c) && (c != 'y' || i > 0)
		if v && !prevVowel {
			n++
		}
		prevVowel = v
	}
	last := len(w) - 1
	switch {
	case w[last] == 'e' && !isVowelEN(w[last-1]):
		// A final e after a consonant is silent, unless it is the -le of "table",
		// "people" (a consonant before the l).
		if w[last-1] != 'l' || isVowelEN(w[last-2]) {
			n--
		}
	case w[last] == 'd' && w[last-1] == 'e' && !isVowelEN(w[last-2]):
		// -ed is silent except after t or d.
		if w[last-2] != 't' && w[last-2] != 'd' {
			n--
		}
	case w[last] == 's' && w[last-1] == 'e' && !isVowelEN(w[last-2]):
		// -es is silent except after a hissing sound (s, x, z, ch, sh, soft c or g).
		hissing := strings.ContainsRune("sxzcg", w[last-2]) || (w[last-2] == 'h' && strings.ContainsRune("cs", w[last-3]))
		if !hissing {
			n--
		}
	}
	return max(n, 1)
}

func isVowelFR(c rune) bool { return strings.ContainsRune("aeiouyàâäéèêëîïôöùûüœæ", c) }

// syllablesFR estimates the spoken syllables of a French word: groups of vowels (ou, ai,
// eau, oi… are one sound), the u of qu and of gu before e or i not counted, less a mute
// final e or es after a consonant ("équipe", "partenaires"), as in speech. An elided
// article or pronoun (l', d', qu') joins the next word's syllables. Every word has at
// least one.
func syllablesFR(word string) int {
	w := []rune(strings.ToLower(strings.ReplaceAll(word, "’", "'")))
	n := 0
	prevVowel := false
	for i, c := range w {
		v := isVowelFR(c)
		if c == 'u' && i > 0 && (w[i-1] == 'q' || (w[i-1] == 'g' && i+1 < len(w) && strings.ContainsRune("eéèêi", w[i+1]))) {
			v = false
		}
		if v && !prevVowel {
			n++
		}
		prevVowel = v
	}
	end := len(w)
	if end >= 2 && w[end-1] == 's' {
		end--
	}
	if end >= 2 && w[end-1] == 'e' && !isVowelFR(w[end-2]) && w[end-2] != '\'' && n > 1 {
		n--
	}
	return max(n, 1)
}

// plainTexts lists what patient partners read in v: their statements, their pillar's
// description and the theme descriptions, by name.
func plainTexts(t *testing.T, in *Instrument) map[string]Text {
	t.Helper()
	texts := map[string]Text{}
	p := mustPillar(t, in, PatientPartners)
	texts["pillar description"] = p.Description
	for _, it := range p.Items() {
		texts[it.ID] = it.Text
	}
	for _, th := range in.Themes {
		texts["theme "+th.Key] = th.About
	}
	return texts
}

type figures struct {
	avg, worst float64
	worstName  string
}

// grades measures every text in lang: English gives Flesch–Kincaid grades (worst is the
// highest), French Kandel–Moles ease (worst is the lowest).
func grades(texts map[string]Text, lang locale.Lang) figures {
	f := figures{}
	first := true
	for name, text := range texts {
		var g float64
		if lang == locale.French {
			g = measure(text.FR, syllablesFR).kandelMoles()
		} else {
			g = measure(text.EN, syllablesEN).fkGrade()
		}
		f.avg += g
		worse := g > f.worst
		if lang == locale.French {
			worse = g < f.worst
		}
		if first || worse {
			f.worst, f.worstName = g, name
			first = false
		}
	}
	f.avg /= float64(len(texts))
	return f
}

func TestSyllablesEN(t *testing.T) {
	for word, want := range map[string]int{
		"the": 1, "cat": 1, "make": 1, "asked": 1, "changed": 1, "while": 1, "free": 1,
		"needed": 2, "value": 2, "table": 2, "people": 2, "changes": 2, "partner": 2, "budget": 2,
		"decision": 3, "everyone": 3, "beautiful": 3, "committee": 3,
		"organization": 5, "readability": 5,
		"don't": 1, "Yes": 1,
	} {
		if got := syllablesEN(word); got != want {
			t.Errorf("syllablesEN(%q) = %d, want %d", word, got, want)
		}
	}
}

func TestSyllablesFR(t *testing.T) {
	for word, want := range map[string]int{
		"eau": 1, "chose": 1, "qui": 1, "guide": 1, "l'équipe": 2, "bonjour": 2, "patient": 2,
		"équipe": 2, "partenaires": 3, "décision": 3, "aujourd'hui": 3, "qualité": 3,
		"organisation": 5, "sécuritaire": 4,
	} {
		if got := syllablesFR(word); got != want {
			t.Errorf("syllablesFR(%q) = %d, want %d", word, got, want)
		}
	}
}

func TestReadabilityFormulas(t *testing.T) {
	// "The cat sat on the mat.": 6 words, 1 sentence, 6 syllables.
	r := measure("The cat sat on the mat.", syllablesEN)
	if r != (readability{Words: 6, Sentences: 1, Syllables: 6}) {
		t.Fatalf("measure = %+v", r)
	}
	if g, want := r.fkGrade(), 0.39*6+11.8-15.59; fmt.Sprintf("%.4f", g) != fmt.Sprintf("%.4f", want) {
		t.Errorf("fkGrade = %.4f, want %.4f", g, want)
	}
	// Two sentences, one a question; the closing guillemet does not start a third.
	r = measure("Je vois. « Qui décide? »", syllablesFR)
	if r != (readability{Words: 4, Sentences: 2, Syllables: 5}) {
		t.Fatalf("measure = %+v", r)
	}
	if g, want := r.kandelMoles(), 207-1.015*2-73.6*1.25; fmt.Sprintf("%.4f", g) != fmt.Sprintf("%.4f", want) {
		t.Errorf("kandelMoles = %.4f, want %.4f", g, want)
	}
	// A harder text grades higher in English and eases lower in French.
	hard := Text{EN: "Organizational accountability necessitates comprehensive evaluation.",
		FR: "La responsabilisation organisationnelle nécessite une évaluation approfondie."}
	easy := Text{EN: "We ask how it goes.", FR: "On me dit ce qui change."}
	if h, e := grades(map[string]Text{"x": hard}, locale.English), grades(map[string]Text{"x": easy}, locale.English); h.avg <= maxGrade || e.avg > maxGradeAverage {
		t.Errorf("English grades: hard %.1f, easy %.1f", h.avg, e.avg)
	}
	if h, e := grades(map[string]Text{"x": hard}, locale.French), grades(map[string]Text{"x": easy}, locale.French); h.avg >= minEase || e.avg < minEaseAverage {
		t.Errorf("French ease: hard %.1f, easy %.1f", h.avg, e.avg)
	}
}

// TestPlainLanguageForPatientPartners holds the current instrument, and every version
// from v2 on, to the plain-language rule. It logs every pillar's figures (go test -v).
func TestPlainLanguageForPatientPartners(t *testing.T) {
	c := loadCatalog(t)
	if c.Current().Version == "v1" {
		t.Fatal("the current instrument is v1, which predates the plain-language rule")
	}
	for _, v := range c.Versions() {
		in, _ := c.Version(v)
		texts := plainTexts(t, in)
		en, fr := grades(texts, locale.English), grades(texts, locale.French)
		if v == "v1" {
			// Published before the rule and kept as it was for its rounds: logged for
			// comparison only.
			t.Logf("v1 patient partners (%d texts, not held to the rule): FK grade average %.2f, highest %.2f (%s); Kandel–Moles average %.1f, lowest %.1f (%s)",
				len(texts), en.avg, en.worst, en.worstName, fr.avg, fr.worst, fr.worstName)
			continue
		}
		t.Logf("%s patient partners (%d texts): FK grade average %.2f, highest %.2f (%s); Kandel–Moles average %.1f, lowest %.1f (%s)",
			v, len(texts), en.avg, en.worst, en.worstName, fr.avg, fr.worst, fr.worstName)
		if en.avg > maxGradeAverage {
			t.Errorf("%s: patient partners' texts average grade %.2f, want at most %.0f", v, en.avg, maxGradeAverage)
		}
		if fr.avg < minEaseAverage {
			t.Errorf("%s: patient partners' French texts average Kandel–Moles %.1f, want at least %.0f", v, fr.avg, minEaseAverage)
		}
		for name, text := range texts {
			if g := measure(text.EN, syllablesEN).fkGrade(); g > maxGrade {
				t.Errorf("%s %s: grade %.1f, want at most %.0f: %q", v, name, g, maxGrade, text.EN)
			}
			if e := measure(text.FR, syllablesFR).kandelMoles(); e < minEase {
				t.Errorf("%s %s: Kandel–Moles %.1f, want at least %.0f: %q", v, name, e, minEase, text.FR)
			}
		}
		for _, p := range in.Pillars {
			if p.Key == PatientPartners {
				continue
			}
			other := map[string]Text{"pillar description": p.Description}
			for _, it := range p.Items() {
				other[it.ID] = it.Text
			}
			en, fr := grades(other, locale.English), grades(other, locale.French)
			t.Logf("%s %s (%d texts): FK grade average %.2f, highest %.2f (%s); Kandel–Moles average %.1f, lowest %.1f (%s)",
				v, p.Key, len(other), en.avg, en.worst, en.worstName, fr.avg, fr.worst, fr.worstName)
		}
	}
}
