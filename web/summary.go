package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/reports"
	"github.com/ecat-project/ecat/survey"
	"github.com/ecat-project/ecat/templates"
)

// The team summary: a one-page read for everyone invited, published by the facilitator
// after the discussion and read through its link without signing in (survey/summary.go).

// summaryPath is the path of a summary's link.
func summaryPath(token string) string { return "/s/" + token }

// summaryView is the summary page: the report's released figures without any
// respondent's text, what moved since the last round, and the round's actions.
type summaryView struct {
	reportView
	ClosedAt  string
	Published string
	Actions   []movedAction
	// QuotedStrengths and QuotedOpportunities are the words the facilitator chose to
	// quote (none unless chosen).
	QuotedStrengths, QuotedOpportunities []string
}

// summaryPage answers GET /s/{token}: anyone with the link reads it. A link that finds
// nothing (never published, or unpublished) is 404, and counts as a failed look-up.
func (s *Server) summaryPage(c echo.Context) error {
	ps, err := s.svc.ReadSummary(c.Request().Context(), c.Param("token"))
	if errors.Is(err, assessment.ErrNotFound) {
		if err := s.missedLookup(c, lookupToken); err != nil {
			return err
		}
		return errNotFound
	}
	if err != nil {
		return err
	}
	a := ps.Round.Assessment
	s.rememberLang(c)
	lang := s.lang(c, "", a.Language)
	v := summaryView{reportView: s.reportView(lang, ps.Report.Report, ps.Report.Instrument),
		Published: s.formatDate(lang, ps.Summary.PublishedAt)}
	if a.ClosedAt != nil {
		v.ClosedAt = s.formatDate(lang, *a.ClosedAt)
	}
	for i := range v.Groups {
		v.Groups[i].Strengths, v.Groups[i].Opps = nil, nil
	}
	for _, list := range [][]themeLine{v.Strengths, v.Opportunities} {
		for i := range list {
			list[i].Texts = nil // counts by theme only: no one's words
		}
	}
	if v.Moved != nil {
		v.Moved.PreviousURL = "" // the facilitator's page, not for this reader
		v.Moved.Summary = true
	}
	v.QuotedStrengths, v.QuotedOpportunities = ps.Quoted[assessment.KindStrength], ps.Quoted[assessment.KindOpportunity]
	if v.Paper, err = s.paperNotes(c, lang, ps.Report); err != nil {
		return err
	}
	for _, act := range ps.Report.Actions {
		v.Actions = append(v.Actions, movedAction{Text: act.Text, Lead: act.Lead, Due: act.DueString(), Status: act.Status,
			StatusText: s.tmpl.Message(lang, "action_status."+act.Status)})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("X-Robots-Tag", "noindex")
	return s.render(c, http.StatusOK, "summary", &templates.Page{
		Lang: lang, Title: s.tmpl.Message(lang, "title.summary") + " · " + a.Title, SwitchURL: switchURL(c, lang), Body: v,
	})
}

// formatDate writes a day as the other pages do (ISO 8601, read the same in English and
// French).
func (s *Server) formatDate(_ string, t time.Time) string { return t.Format("2006-01-02") }

// publishSummaryForm publishes the team summary from the assessment page.
func (s *Server) publishSummaryForm(c echo.Context) error {
	return s.postOnRound(c, func(ctx context.Context, actor *assessment.Facilitator, id int64) error {
		_, _, err := s.svc.PublishSummary(ctx, actor, id)
		return err
	}, "?done=summary_published#summary")
}

// unpublishSummaryForm takes the team summary down from the assessment page.
func (s *Server) unpublishSummaryForm(c echo.Context) error {
	return s.postOnRound(c, s.svc.UnpublishSummary, "?done=summary_unpublished#summary")
}

type summaryJSON struct {
	URL         string    `json:"url"`
	PublishedAt time.Time `json:"published_at"`
}

// apiPublishSummary answers POST /api/v1/assessments/{id}/summary: 201 with the link when
// it publishes, 200 with the same link when the summary was published already.
func (s *Server) apiPublishSummary(c echo.Context) error {
	sum, created, err := s.svc.PublishSummary(c.Request().Context(), me(c), pathID(c, "id"))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	url := s.baseURL(c) + summaryPath(sum.Token)
	c.Response().Header().Set(echo.HeaderLocation, url)
	return c.JSON(status, summaryJSON{URL: url, PublishedAt: sum.PublishedAt})
}

// apiUnpublishSummary answers DELETE /api/v1/assessments/{id}/summary: 204, whether or
// not a summary was published; its link answers 404 from then on.
func (s *Server) apiUnpublishSummary(c echo.Context) error {
	if err := s.svc.UnpublishSummary(c.Request().Context(), me(c), pathID(c, "id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// Choosing the words the summary quotes: none unless ticked, among the named strengths
// and opportunities the report shows.

type quoteChoice struct {
	Value, Text string
	Checked     bool
}

type quoteTheme struct {
	Title   string
	Choices []quoteChoice
}

// quoteKind is one list of the page: the named strengths, or the opportunities.
type quoteKind struct {
	Legend string // its heading's message key
	Themes []quoteTheme
}

type quoteView struct {
	A     *assessment.Assessment
	Kinds []quoteKind
	Error bool
}

// quoteValue names a text in the form without repeating it: a hash of its kind and words.
func quoteValue(kind, text string) string {
	h := sha256.Sum256([]byte(kind + "\x00" + text))
	return hex.EncodeToString(h[:8])
}

// quotePage answers GET /assessments/{id}/summary/texts.
func (s *Server) quotePage(c echo.Context) error {
	return s.renderQuotePage(c, http.StatusOK, nil)
}

func (s *Server) renderQuotePage(c echo.Context, status int, ticked map[string]bool) error {
	rep, quoted, err := s.svc.SummaryChoices(c.Request().Context(), me(c), pathID(c, "id"))
	if err != nil {
		return err
	}
	lang := s.lang(c, "", "")
	if ticked == nil {
		ticked = map[string]bool{}
		for kind, list := range quoted {
			for _, t := range list {
				ticked[quoteValue(kind, t)] = true
			}
		}
	}
	themes := func(kind string, list []reports.NamedTheme) []quoteTheme {
		var out []quoteTheme
		for _, nt := range list {
			if len(nt.Texts) == 0 {
				continue
			}
			title := s.tmpl.Message(lang, "report.no_theme")
			if th := rep.Instrument.Theme(nt.Theme); th != nil {
				title = th.Title.In(locale.Lang(lang))
			}
			qt := quoteTheme{Title: title}
			for _, t := range nt.Texts {
				v := quoteValue(kind, t)
				qt.Choices = append(qt.Choices, quoteChoice{Value: v, Text: t, Checked: ticked[v]})
			}
			out = append(out, qt)
		}
		return out
	}
	v := quoteView{A: rep.Assessment, Error: status != http.StatusOK, Kinds: []quoteKind{
		{Legend: "report.strengths", Themes: themes(assessment.KindStrength, rep.Strengths)},
		{Legend: "report.opportunities", Themes: themes(assessment.KindOpportunity, rep.Opportunities)},
	}}
	p := s.roundPageData(c, lang, "title.summary_texts", rep.Assessment.Title, v)
	return s.render(c, status, "summary_texts", p)
}

// quoteForm answers POST /assessments/{id}/summary/texts: the ticked words become the
// summary's quotes; a value that names no text of the report is refused (422), nothing
// stored.
func (s *Server) quoteForm(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	id := pathID(c, "id")
	rep, _, err := s.svc.SummaryChoices(c.Request().Context(), me(c), id)
	if err != nil {
		return err
	}
	byValue := map[string][2]string{}
	for kind, list := range map[string][]reports.NamedTheme{assessment.KindStrength: rep.Strengths, assessment.KindOpportunity: rep.Opportunities} {
		for _, nt := range list {
			for _, t := range nt.Texts {
				byValue[quoteValue(kind, t)] = [2]string{kind, t}
			}
		}
	}
	q := survey.Quoted{}
	ticked := map[string]bool{}
	for _, v := range form["quote"] {
		kt, ok := byValue[v]
		if !ok {
			return s.renderQuotePage(c, http.StatusUnprocessableEntity, ticked)
		}
		ticked[v] = true
		q[kt[0]] = append(q[kt[0]], kt[1])
	}
	if err := s.svc.QuoteInSummary(c.Request().Context(), me(c), id, q); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/assessments/"+strconv.FormatInt(id, 10)+"?done=summary_quoted#summary")
}
