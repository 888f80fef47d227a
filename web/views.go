package web

import (
	"strings"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
)

// View models of the respondent pages: every text already in the page's language.

type pillarView struct {
	Key, Title, Description, Role string
	Checked                       bool
}

type joinView struct {
	Title, Team string
	Threshold   int
	// LowThreshold is set when groups below the safe size are shown: the page says so.
	LowThreshold bool
	// ClosesAt is the moment the round closes by itself, written for reading in the
	// page's language with its time zone (UTC); "" when it has none.
	ClosesAt string
	Action   string
	// Print is the path of the paper checklist; ?pillar= and &lang= follow.
	Print   string
	Lang    string
	Pillars []pillarView
	Error   string
}

type homeView struct {
	Code  string
	Error string
}

type choiceView struct {
	Name, Value, Label, InputID string
	Checked                     bool
}

type itemView struct {
	ID, Text, Error string
	Answer          string // the chosen answer's label, for the read-only view
	Choices         []choiceView
}

type sectionView struct {
	Title string
	Items []itemView
}

type promptView struct {
	ID, Text, Value, Error string
}

type optionView struct {
	Value, Label string
	Selected     bool
}

type namedView struct {
	Key, Label, Hint string
	Text, TextError  string
	ThemeTitle       string
	ThemeError       string
	Themes           []optionView
	Max              int

	// TextMissing: the text's error is that there is none, which typing one fixes (the
	// form's script then takes the error away).
	TextMissing bool
}

type errorLink struct {
	Target, Message string
}

// errorLinks are the links of a form's error summary: one for each field of order that
// has a message in fields, in that order, to the input whose id is prefix and the
// field's name with its dots as dashes ("expected.staff" → "expected-staff").
func errorLinks(fields map[string]string, prefix string, order []string) []errorLink {
	var out []errorLink
	for _, f := range order {
		if msg, ok := fields[f]; ok {
			out = append(out, errorLink{Target: prefix + strings.ReplaceAll(f, ".", "-"), Message: msg})
		}
	}
	return out
}

type formView struct {
	Title, Team      string
	Pillar           pillarView
	Action           string
	Sections         []sectionView
	Reflections      []promptView
	ReflectionsGiven bool
	Strength         namedView
	Opportunity      namedView
	Named            []namedView
	Answered, Total  int
	Errors           []errorLink
	Notice           string
	ResumeURL        string
	Submitted        bool
	MaxReflection    int
	// LowThreshold is the assessment's threshold when it is below the safe size (the
	// form then says answers may be recognizable), else 0.
	LowThreshold int
	// Released is set once the response is in the team report: it no longer changes.
	Released bool
	// ETag is the stored response's version as the page shows it ("" for a new one):
	// the autosave sends it as If-Match, so it never overwrites a change made elsewhere.
	ETag string
	// Paper: a facilitator enters a response written on paper (no autosave, the
	// buttons say what they store).
	Paper bool
}

// printView is the blank checklist on paper: the form's parts, and the answers' labels
// (a box each).
type printView struct {
	formView
	Answers []string
}

type thanksView struct {
	Threshold    int
	LowThreshold bool
	Open         bool
	ResumeURL    string
	// SummaryURL is the team summary's link, once the round is closed and it is published.
	SummaryURL string
}

func (s *Server) pillarViews(lang locale.Lang, in *pillars.Instrument, checked string) []pillarView {
	out := make([]pillarView, len(in.Pillars))
	for i, p := range in.Pillars {
		out[i] = pillarView{Key: p.Key, Title: p.Title.In(lang), Description: p.Description.In(lang), Role: p.Role.In(lang), Checked: p.Key == checked}
	}
	return out
}

// buildForm lays a response (possibly empty, possibly just typed and invalid) out as the
// form or read-only view of its pillar, with errors next to their fields and listed in
// page order for the summary.
func (s *Server) buildForm(langCode string, a *assessment.Assessment, in *pillars.Instrument, p *pillars.Pillar, r *assessment.Response, verr *assessment.ValidationError) formView {
	lang := locale.Lang(langCode)
	fieldErr := func(field string) string {
		if verr == nil {
			return ""
		}
		fe, ok := verr.Fields[field]
		if !ok {
			return ""
		}
		return s.fieldMessage(langCode, field, fe)
	}
	v := formView{
		Title:         a.Title,
		Team:          a.Team,
		Pillar:        pillarView{Key: p.Key, Title: p.Title.In(lang), Description: p.Description.In(lang)},
		Submitted:     r.Status == assessment.Submitted,
		Released:      r.ReleasedAt != nil,
		MaxReflection: assessment.MaxReflectionLen,
	}
	if r.Version > 0 {
		v.ETag = versionETag(r.Version)
	}
	if a.LowThreshold() {
		v.LowThreshold = a.Threshold
	}
	v.Answered, v.Total = r.Progress(p)
	for _, sec := range p.Sections {
		sv := sectionView{Title: sec.Title.In(lang)}
		for _, it := range sec.Items {
			iv := itemView{ID: it.ID, Text: it.Text.In(lang), Error: fieldErr("answers." + it.ID)}
			chosen := r.Answers[it.ID]
			for _, ans := range assessment.Answers {
				label := s.respondentAnswer(langCode, ans)
				iv.Choices = append(iv.Choices, choiceView{
					Name: "a." + it.ID, Value: string(ans), Label: label,
					InputID: "a-" + it.ID + "-" + string(ans), Checked: chosen == ans,
				})
				if chosen == ans {
					iv.Answer = label
				}
			}
			if iv.Error != "" {
				v.Errors = append(v.Errors, errorLink{Target: iv.Choices[0].InputID, Message: iv.Error})
			}
			sv.Items = append(sv.Items, iv)
		}
		v.Sections = append(v.Sections, sv)
	}
	for _, pr := range p.Reflections {
		pv := promptView{ID: pr.ID, Text: pr.Text.In(lang), Value: printable(r.Reflections[pr.ID]), Error: fieldErr("reflections." + pr.ID)}
		if pv.Value != "" {
			v.ReflectionsGiven = true
		}
		if pv.Error != "" {
			v.Errors = append(v.Errors, errorLink{Target: "refl-" + pr.ID, Message: pv.Error})
		}
		v.Reflections = append(v.Reflections, pv)
	}
	named := func(key string, n assessment.Named) namedView {
		nv := namedView{
			Key: key, Label: s.tmpl.Message(langCode, "form."+key+"_label"), Hint: s.tmpl.Message(langCode, "form."+key+"_hint"),
			Text: printable(n.Text), TextError: fieldErr(key + ".text"), ThemeError: fieldErr(key + ".theme"),
			Max: assessment.MaxNamedLen,
		}
		nv.TextMissing = verr != nil && verr.Fields[key+".text"].Code == assessment.CodeRequired
		for _, th := range in.Themes {
			nv.Themes = append(nv.Themes, optionView{Value: th.Key, Label: th.Title.In(lang), Selected: th.Key == n.Theme})
			if th.Key == n.Theme {
				nv.ThemeTitle = th.Title.In(lang)
			}
		}
		if nv.TextError != "" {
			v.Errors = append(v.Errors, errorLink{Target: key + "-text", Message: nv.TextError})
		}
		if nv.ThemeError != "" {
			v.Errors = append(v.Errors, errorLink{Target: key + "-theme", Message: nv.ThemeError})
		}
		return nv
	}
	v.Strength = named("strength", r.Strength)
	v.Opportunity = named("opportunity", r.Opportunity)
	v.Named = []namedView{v.Strength, v.Opportunity}
	// Anything else wrong (a tampered pillar or language field, an id that is not UTF-8)
	// still gets a line.
	if verr != nil {
		for _, field := range verr.Keys() {
			if field == "pillar" || field == "language" || field == "action" || field == "answers" || field == "reflections" || strings.HasPrefix(field, "answers.") && !p.HasItem(strings.TrimPrefix(field, "answers.")) ||
				strings.HasPrefix(field, "reflections.") && !p.HasPrompt(strings.TrimPrefix(field, "reflections.")) {
				v.Errors = append(v.Errors, errorLink{Target: "response-form", Message: s.fieldMessage(langCode, field, verr.Fields[field])})
			}
		}
	}
	return v
}

// printable shows back text that could not be stored, replacing bytes that are not UTF-8.
func printable(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
