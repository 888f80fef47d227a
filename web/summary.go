package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
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
	if _, err := parseForm(c); err != nil {
		return err
	}
	id := pathID(c, "id")
	if _, _, err := s.svc.PublishSummary(c.Request().Context(), me(c), id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/assessments/"+strconv.FormatInt(id, 10)+"?done=summary_published#summary")
}

// unpublishSummaryForm takes the team summary down from the assessment page.
func (s *Server) unpublishSummaryForm(c echo.Context) error {
	if _, err := parseForm(c); err != nil {
		return err
	}
	id := pathID(c, "id")
	if err := s.svc.UnpublishSummary(c.Request().Context(), me(c), id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/assessments/"+strconv.FormatInt(id, 10)+"?done=summary_unpublished#summary")
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
