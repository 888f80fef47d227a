package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/survey"
)

// The facilitators' JSON API, behind Authorization: Bearer <token>. Someone else's
// assessment answers 404, like one that does not exist.

type assessmentJSON struct {
	ID                int64                 `json:"id"`
	Title             string                `json:"title"`
	Team              string                `json:"team"`
	Language          string                `json:"language"`
	Threshold         int                   `json:"threshold"`
	Status            string                `json:"status"`
	Code              string                `json:"code"`
	JoinURL           string                `json:"join_url"`
	Round             int                   `json:"round"`
	PreviousID        *int64                `json:"previous_id"`
	InstrumentVersion string                `json:"instrument_version"`
	CreatedAt         time.Time             `json:"created_at"`
	ClosedAt          *time.Time            `json:"closed_at"`
	DiscussedAt       *time.Time            `json:"discussed_at"`
	Responses         map[string]countsJSON `json:"responses"`
}

func (s *Server) assessmentJSON(c echo.Context, a *assessment.Assessment, counts map[string]assessment.PillarCounts) assessmentJSON {
	return assessmentJSON{
		ID: a.ID, Title: a.Title, Team: a.Team, Language: a.Language, Threshold: a.Threshold,
		Status: string(a.Status), Code: a.Code, JoinURL: s.baseURL(c) + "/j/" + a.Code, Round: a.Round,
		PreviousID: a.PreviousID, InstrumentVersion: a.InstrumentVersion, CreatedAt: a.CreatedAt, ClosedAt: a.ClosedAt,
		DiscussedAt: a.DiscussedAt,
		Responses:   countsJSONOf(counts),
	}
}

// replyAssessment answers with one assessment and its completion counted now.
func (s *Server) replyAssessment(c echo.Context, status int, a *assessment.Assessment) error {
	counts, err := s.svc.Completion(c.Request().Context(), &survey.Round{Assessment: a})
	if err != nil {
		return err
	}
	return c.JSON(status, s.assessmentJSON(c, a, counts))
}

type createAssessmentRequest struct {
	Title               string `json:"title"`
	Team                string `json:"team"`
	Threshold           *int   `json:"threshold"`
	Language            string `json:"language"`
	ConfirmLowThreshold bool   `json:"confirm_low_threshold"`
}

// createAssessmentMembers are the members of a createAssessmentRequest body; one given
// twice is a duplicate field error, as in every other body.
var createAssessmentMembers = []string{"title", "team", "threshold", "language", "confirm_low_threshold"}

func (s *Server) apiCreateAssessment(c echo.Context) error {
	body, err := readJSON(c)
	if err != nil {
		return err
	}
	var req createAssessmentRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	threshold := assessment.DefaultThreshold
	if req.Threshold != nil {
		threshold = *req.Threshold
	}
	if req.Language == "" {
		req.Language = string(locale.Default)
	}
	problems := &assessment.ValidationError{}
	duplicateMembers(body, createAssessmentMembers, problems)
	a, err := s.svc.CreateAssessment(c.Request().Context(), me(c), survey.NewAssessment{
		Title: req.Title, Team: req.Team, Language: req.Language, Threshold: threshold,
		ConfirmLowThreshold: req.ConfirmLowThreshold, Problems: problems,
	})
	if err != nil {
		return err
	}
	created(c, "/api/v1/assessments/"+strconv.FormatInt(a.ID, 10))
	return s.replyAssessment(c, http.StatusCreated, a)
}

func (s *Server) apiListAssessments(c echo.Context) error {
	list, err := s.svc.Assessments(c.Request().Context(), me(c))
	if err != nil {
		return err
	}
	out := make([]assessmentJSON, 0, len(list))
	for i := range list {
		out = append(out, s.assessmentJSON(c, &list[i].Assessment, list[i].Counts))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiGetAssessment(c echo.Context) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	return s.replyAssessment(c, http.StatusOK, a.Assessment)
}

func (s *Server) apiCloseAssessment(c echo.Context) error {
	return s.apiSetStatus(c, s.svc.Close)
}

func (s *Server) apiReopenAssessment(c echo.Context) error {
	return s.apiSetStatus(c, s.svc.Reopen)
}

func (s *Server) apiSetStatus(c echo.Context, change statusChange) error {
	a, err := change(c.Request().Context(), me(c), pathID(c, "id"))
	if err != nil {
		return err
	}
	return s.replyAssessment(c, http.StatusOK, a)
}

func (s *Server) apiDeleteAssessment(c echo.Context) error {
	if err := s.svc.Delete(c.Request().Context(), me(c), pathID(c, "id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
