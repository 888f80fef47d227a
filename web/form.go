package web

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
)

// Form actions of the respondent form.
const (
	actionSave     = "save"
	actionSubmit   = "submit"
	actionAutosave = "autosave" // sent by form.js; answered in JSON
	// actionSwitch asks for the form in the other language, with what was typed.
	actionSwitch = "switch_language"
)

// parseForm reads a url-encoded form body once. Other content types get 415, a body over
// the limit 400 body_too_large, a broken encoding 400 malformed.
func parseForm(c echo.Context) (url.Values, error) {
	req := c.Request()
	if req.PostForm != nil {
		return req.PostForm, nil
	}
	mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationForm {
		return nil, errUnsupported
	}
	if err := req.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errBodyTooLarge
		}
		return nil, malformed("form encoding: " + err.Error())
	}
	return req.PostForm, nil
}

// responseFromForm reads the respondent form into a response. Field names:
// pillar, lang, action, a.<item id>, refl.<prompt id>, strength_text, strength_theme,
// opportunity_text, opportunity_theme. An empty answer means unanswered; any field
// sent twice is an error; fields it does not know are ignored.
func responseFromForm(form url.Values) (*assessment.Response, string, *assessment.ValidationError) {
	verr := &assessment.ValidationError{}
	r := &assessment.Response{
		Answers:     map[string]assessment.Answer{},
		Reflections: map[string]string{},
	}
	single := func(name, field string) string {
		vs := form[name]
		if len(vs) > 1 {
			verr.Add(field, assessment.CodeDuplicate)
		}
		if len(vs) == 0 {
			return ""
		}
		return vs[0]
	}
	r.Pillar = single("pillar", "pillar")
	r.Language = single("lang", "language")
	action := single("action", "action")
	r.Strength.Text = single("strength_text", "strength.text")
	r.Strength.Theme = single("strength_theme", "strength.theme")
	r.Opportunity.Text = single("opportunity_text", "opportunity.text")
	r.Opportunity.Theme = single("opportunity_theme", "opportunity.theme")
	for name := range form {
		switch {
		case strings.HasPrefix(name, "a."):
			id := strings.TrimPrefix(name, "a.")
			if v := single(name, "answers."+id); v != "" {
				r.Answers[id] = assessment.Answer(v)
			}
		case strings.HasPrefix(name, "refl."):
			id := strings.TrimPrefix(name, "refl.")
			r.Reflections[id] = single(name, "reflections."+id)
		}
	}
	switch action {
	case actionSave, actionSubmit, actionAutosave, actionSwitch:
	default:
		action = actionSave
	}
	return r, action, verr
}
