package web

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
)

// queryValue reads an optional query parameter that may be given once: ok is false
// when it is absent, or given more than once, which is noted in verr as a duplicate.
// Present, even empty, its value must then be one the parameter takes: the API refuses
// what its document does not allow rather than guess.
func queryValue(c echo.Context, name string, verr *assessment.ValidationError) (string, bool) {
	vs, ok := c.QueryParams()[name]
	if !ok {
		return "", false
	}
	if len(vs) != 1 {
		verr.Add(name, assessment.CodeDuplicate)
		return "", false
	}
	// Text no parameter takes, refused before it reaches a query (PostgreSQL refuses
	// invalid UTF-8 and NUL itself, with an error that is no fault of the server's).
	switch v := vs[0]; {
	case !utf8.ValidString(v):
		verr.Add(name, assessment.CodeInvalidUTF8)
		return "", false
	case strings.ContainsFunc(v, unicode.IsControl):
		verr.Add(name, assessment.CodeControl)
		return "", false
	}
	return vs[0], true
}

// queryLang reads ?lang=, the language of an API answer: def when absent, else exactly
// "en" or "fr"; anything else is a validation error on "lang" (422).
func queryLang(c echo.Context, def locale.Lang) (locale.Lang, error) {
	verr := &assessment.ValidationError{}
	if v, ok := queryValue(c, "lang", verr); ok {
		if l, found := locale.ParseCode(v); found && string(l) == v {
			return l, nil
		}
		verr.Add("lang", assessment.CodeInvalid)
	}
	if err := verr.OrNil(); err != nil {
		return "", err
	}
	return def, nil
}
