package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/templates"
)

const langCookie = "ecat_lang"

// lang picks the interface language, first match wins: an explicit ?lang= (or form
// field), the language a response was started in, the person's earlier choice (cookie),
// the browser's Accept-Language, the assessment's default, then English.
func (s *Server) lang(c echo.Context, responseLang, assessmentLang string) string {
	if l, ok := locale.Parse(c.QueryParam("lang")); ok {
		return string(l)
	}
	if responseLang != "" {
		return responseLang
	}
	if ck, err := c.Cookie(s.cookieName(langCookie)); err == nil {
		if l, ok := locale.Parse(ck.Value); ok {
			return string(l)
		}
	}
	if l, ok := acceptLanguage(c.Request().Header.Get("Accept-Language")); ok {
		return string(l)
	}
	if l, ok := locale.Parse(assessmentLang); ok {
		return string(l)
	}
	return string(locale.English)
}

// rememberLang keeps an explicit language choice for the next pages.
func (s *Server) rememberLang(c echo.Context) {
	if l, ok := locale.Parse(c.QueryParam("lang")); ok {
		c.SetCookie(s.langCookie(string(l)))
	}
}

// langCookie keeps the language a person chose for their next pages.
func (s *Server) langCookie(lang string) *http.Cookie {
	return &http.Cookie{Name: s.cookieName(langCookie), Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		SameSite: http.SameSiteLaxMode, HttpOnly: true, Secure: s.https()}
}

// acceptLanguage returns the supported language the browser prefers most.
func acceptLanguage(header string) (locale.Lang, bool) {
	type pref struct {
		lang locale.Lang
		q    float64
		pos  int
	}
	var prefs []pref
	for i, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		if l, ok := locale.Parse(tag); ok && q > 0 {
			prefs = append(prefs, pref{l, q, i})
		}
	}
	if len(prefs) == 0 {
		return "", false
	}
	sort.SliceStable(prefs, func(i, j int) bool { return prefs[i].q > prefs[j].q })
	return prefs[0].lang, true
}

// switchURL is the current page in the other language.
func switchURL(c echo.Context, current string) string {
	other := "fr"
	if current == "fr" {
		other = "en"
	}
	u := url.URL{Path: c.Request().URL.Path}
	q := c.Request().URL.Query()
	q.Set("lang", other)
	u.RawQuery = q.Encode()
	return u.String()
}

// render writes a page with the common fields filled in.
func (s *Server) render(c echo.Context, status int, name string, p *templates.Page) error {
	if p.CSRF == "" {
		p.CSRF = s.csrfToken(c)
	}
	if p.RequestID == "" && status >= 500 {
		p.RequestID = requestID(c)
	}
	var buf strings.Builder
	if err := s.tmpl.Render(&buf, name, p); err != nil {
		return err
	}
	return c.HTML(status, buf.String())
}
