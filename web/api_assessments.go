package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
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

func (s *Server) assessmentJSON(c echo.Context, a *assessment.Assessment) (assessmentJSON, error) {
	counts, err := s.responseCountsJSON(c, a)
	if err != nil {
		return assessmentJSON{}, err
	}
	return assessmentJSON{
		ID: a.ID, Title: a.Title, Team: a.Team, Language: a.Language, Threshold: a.Threshold,
		Status: string(a.Status), Code: a.Code, JoinURL: s.baseURL(c) + "/j/" + a.Code, Round: a.Round,
		PreviousID: a.PreviousID, InstrumentVersion: a.InstrumentVersion, CreatedAt: a.CreatedAt, ClosedAt: a.ClosedAt,
		DiscussedAt: a.DiscussedAt,
		Responses:   counts,
	}, nil
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
		req.Language = "en"
	}
	verr := &assessment.ValidationError{}
	duplicateMembers(body, createAssessmentMembers, verr)
	a, err := assessment.NewAssessment(req.Title, req.Team, req.Language, threshold, req.ConfirmLowThreshold, s.catalog.Current().Version)
	if err := mergeValidation(verr, err); err != nil {
		return err
	}
	owner := me(c).ID
	a.FacilitatorID = &owner
	if err := s.store.CreateAssessment(c.Request().Context(), a); err != nil {
		return err
	}
	s.audit(c, owner, assessment.AuditCreate, &a.ID, a.Title)
	out, err := s.assessmentJSON(c, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) apiListAssessments(c echo.Context) error {
	list, err := s.store.AssessmentsOf(c.Request().Context(), me(c).ID)
	if err != nil {
		return err
	}
	out := make([]assessmentJSON, 0, len(list))
	for i := range list {
		j, err := s.assessmentJSON(c, &list[i])
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiGetAssessment(c echo.Context) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	out, err := s.assessmentJSON(c, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiCloseAssessment(c echo.Context) error {
	return s.apiSetStatus(c, assessment.Closed, assessment.AuditClose)
}

func (s *Server) apiReopenAssessment(c echo.Context) error {
	return s.apiSetStatus(c, assessment.Open, assessment.AuditReopen)
}

func (s *Server) apiSetStatus(c echo.Context, status assessment.Status, action string) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	a, err = s.store.SetAssessmentStatus(c.Request().Context(), a.ID, status)
	if err != nil {
		return err
	}
	s.audit(c, me(c).ID, action, &a.ID, a.Title)
	out, err := s.assessmentJSON(c, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiDeleteAssessment(c echo.Context) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteAssessment(c.Request().Context(), a.ID); err != nil {
		return err
	}
	s.audit(c, me(c).ID, assessment.AuditDelete, nil, a.Title+" ("+a.Team+")")
	return c.NoContent(http.StatusNoContent)
}
