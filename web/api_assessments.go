package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/survey"
)

// The facilitators' JSON API, behind Authorization: Bearer <token>. An assessment the
// token's facilitator may not see answers 404, like one that does not exist; one shared
// with them in a role that does not allow a change answers 403 forbidden to it.

type assessmentJSON struct {
	ID        int64  `json:"id"`
	Title     string `json:"title"`
	Team      string `json:"team"`
	Unit      string `json:"unit"`
	Language  string `json:"language"`
	Threshold int    `json:"threshold"`
	Status    string `json:"status"`
	// Code and JoinURL are null for a reader who may not change the round (a viewer):
	// the join code lets whoever has it add responses that count.
	Code              *string               `json:"code"`
	JoinURL           *string               `json:"join_url"`
	Round             int                   `json:"round"`
	PreviousID        *int64                `json:"previous_id"`
	InstrumentVersion string                `json:"instrument_version"`
	CreatedAt         time.Time             `json:"created_at"`
	ClosedAt          *time.Time            `json:"closed_at"`
	ClosesAt          *time.Time            `json:"closes_at"`
	DiscussedAt       *time.Time            `json:"discussed_at"`
	Expected          map[string]int        `json:"expected"`
	Responses         map[string]countsJSON `json:"responses"`
	// Version is the assessment's version: its ETag is "v" and it, in quotes. Responses
	// coming in do not change it (their counts are live figures).
	Version int64 `json:"version"`
}

// assessmentJSON is a as the API shows it; joinable says whether the reader gets its join
// code (assessment.Access.GetsJoinCode).
func (s *Server) assessmentJSON(c echo.Context, a *assessment.Assessment, counts map[string]assessment.PillarCounts, joinable bool) assessmentJSON {
	var code, joinURL *string
	if joinable {
		url := s.baseURL(c) + "/j/" + a.Code
		code, joinURL = &a.Code, &url
	}
	return assessmentJSON{
		ID: a.ID, Title: a.Title, Team: a.Team, Unit: a.Unit, Language: a.Language, Threshold: a.Threshold,
		Status: string(a.Status), Code: code, JoinURL: joinURL, Round: a.Round,
		PreviousID: a.PreviousID, InstrumentVersion: a.InstrumentVersion, CreatedAt: a.CreatedAt, ClosedAt: a.ClosedAt,
		ClosesAt: a.ClosesAt, DiscussedAt: a.DiscussedAt, Expected: expectedJSON(a),
		Responses: countsJSONFor(a, counts),
		Version:   a.Version,
	}
}

// replyAssessment answers with one assessment and its completion counted now.
func (s *Server) replyAssessment(c echo.Context, status int, a *assessment.Assessment) error {
	counts, err := s.svc.Completion(c.Request().Context(), &survey.Round{Assessment: a})
	if err != nil {
		return err
	}
	joinable := s.svc.AccessTo(c.Request().Context(), me(c), a).GetsJoinCode()
	c.Response().Header().Set(headerETag, versionETag(a.Version))
	return c.JSON(status, s.assessmentJSON(c, a, counts, joinable))
}

// createdAssessment is the 201 reply of a new assessment or round, for sendOnce.
func (s *Server) createdAssessment(c echo.Context, a *assessment.Assessment) (*survey.Reply, error) {
	counts, err := s.svc.Completion(c.Request().Context(), &survey.Round{Assessment: a})
	if err != nil {
		return nil, err
	}
	reply, err := jsonReply(http.StatusCreated, "/api/v1/assessments/"+strconv.FormatInt(a.ID, 10), s.assessmentJSON(c, a, counts, assessment.ManageAccess.GetsJoinCode())) // the creator owns it
	if reply != nil {
		reply.ETag = versionETag(a.Version)
	}
	return reply, err
}

// jsonReply makes a reply of v as JSON, as echo's c.JSON writes it.
func jsonReply(status int, location string, v any) (*survey.Reply, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &survey.Reply{Status: status, Location: location, Body: append(body, '\n')}, nil
}

// sendOnce runs a facilitator's creating write and sends its reply; with an
// Idempotency-Key, through survey.Idempotent, so the same request sent again gets the
// same reply (marked Idempotent-Replayed) and creates nothing more.
func (s *Server) sendOnce(c echo.Context, body []byte, write func() (*survey.Reply, error)) error {
	once, err := idempotencyKey(c, body)
	if err != nil {
		return err
	}
	var reply *survey.Reply
	replayed := false
	if once == nil {
		reply, err = write()
	} else {
		reply, replayed, err = s.svc.Idempotent(c.Request().Context(), me(c), once, write)
	}
	if err != nil {
		return err
	}
	h := c.Response().Header()
	if reply.Location != "" {
		h.Set(echo.HeaderLocation, reply.Location)
	}
	if reply.ETag != "" {
		h.Set(headerETag, reply.ETag)
	}
	if replayed {
		h.Set(headerReplayed, "true")
	}
	return c.Blob(reply.Status, echo.MIMEApplicationJSON, reply.Body)
}

type createAssessmentRequest struct {
	Title               string `json:"title"`
	Team                string `json:"team"`
	Threshold           *int   `json:"threshold"`
	Language            string `json:"language"`
	ConfirmLowThreshold bool   `json:"confirm_low_threshold"`
	// Unit, Expected (pillar → headcount; null for a pillar: none) and ClosesAt (RFC
	// 3339): see createSettings.
	Unit     *string         `json:"unit"`
	Expected map[string]*int `json:"expected"`
	ClosesAt *string         `json:"closes_at"`
}

// createAssessmentMembers are the members of a createAssessmentRequest body; one given
// twice is a duplicate field error, as in every other body.
var createAssessmentMembers = []string{"title", "team", "threshold", "language", "confirm_low_threshold", "unit", "expected", "closes_at"}

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
	in := survey.NewAssessment{
		Title: req.Title, Team: req.Team, Language: req.Language, Threshold: threshold,
		ConfirmLowThreshold: req.ConfirmLowThreshold, Problems: problems,
	}
	createSettings(body, &req, &in, problems)
	return s.sendOnce(c, body, func() (*survey.Reply, error) {
		a, err := s.svc.CreateAssessment(c.Request().Context(), me(c), in)
		if err != nil {
			return nil, err
		}
		return s.createdAssessment(c, a)
	})
}

// Pages of the assessment list: ?limit= (1 to maxPage) asks for one; a page that has
// more after it names the next in a Link header (rel="next") with its cursor.
const (
	defaultPage = 50
	maxPage     = 200
)

// apiListAssessments answers GET /api/v1/assessments: the facilitator's assessments,
// newest first, narrowed by ?status=, ?team= and ?round=. Without ?limit= or ?cursor=
// the list is whole, as v1 clients expect; with either it comes in pages.
func (s *Server) apiListAssessments(c echo.Context) error {
	f, paged, err := listFilter(c)
	if err != nil {
		return err
	}
	if paged {
		f.Limit++ // one more than asked: is there a next page?
	}
	list, err := s.svc.AssessmentsWhere(c.Request().Context(), me(c), f)
	if err != nil {
		return err
	}
	if paged {
		f.Limit--
		if len(list) > f.Limit {
			list = list[:f.Limit]
			nextPage(c, f.Limit, list[len(list)-1].ID)
		}
	}
	out := make([]assessmentJSON, 0, len(list))
	for i := range list {
		out = append(out, s.assessmentJSON(c, &list[i].Assessment, list[i].Counts, list[i].Access().GetsJoinCode()))
	}
	return c.JSON(http.StatusOK, out)
}

// nextPage names the page after the one being sent in a Link header (rel="next"): the
// same query, with the cursor after the last item sent.
func nextPage(c echo.Context, limit int, cursor int64) {
	next := c.Request().URL.Query()
	next.Set("limit", strconv.Itoa(limit))
	next.Set("cursor", strconv.FormatInt(cursor, 10))
	c.Response().Header().Set("Link", `<`+c.Request().URL.Path+"?"+next.Encode()+`>; rel="next"`)
}

// listQuery reads a list's query parameters, collecting every bad one.
type listQuery struct {
	c    echo.Context
	verr *assessment.ValidationError
}

func newListQuery(c echo.Context) *listQuery {
	return &listQuery{c: c, verr: &assessment.ValidationError{}}
}

// one is the parameter's single value (queryValue); given twice, it is a field problem.
func (l *listQuery) one(name string) (string, bool) { return queryValue(l.c, name, l.verr) }

// page reads ?limit= (1 to maxPage, defaultPage when only a cursor is given) and
// ?cursor= (an id); paged tells whether either was given.
func (l *listQuery) page() (limit int, cursor int64, paged bool) {
	if v, ok := l.one("limit"); ok {
		paged = true
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > maxPage {
			l.verr.AddLimit("limit", assessment.CodeInvalid, maxPage)
		} else {
			limit = n
		}
	}
	if v, ok := l.one("cursor"); ok {
		paged = true
		if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 1 {
			l.verr.Add("cursor", assessment.CodeInvalid)
		} else {
			cursor = n
		}
	}
	if paged && limit == 0 {
		limit = defaultPage
	}
	return limit, cursor, paged
}

// listFilter reads the list's query: filters, and whether a page is asked for. Every
// bad parameter is named at once (422).
func listFilter(c echo.Context) (f survey.ListFilter, paged bool, err error) {
	l := newListQuery(c)
	if v, ok := l.one("status"); ok {
		switch assessment.Status(v) {
		case assessment.Open, assessment.Closed:
			f.Status = assessment.Status(v)
		default:
			l.verr.Add("status", assessment.CodeInvalid)
		}
	}
	if v, ok := l.one("team"); ok {
		if f.Team = strings.TrimSpace(v); f.Team == "" {
			l.verr.Add("team", assessment.CodeInvalid)
		}
	}
	if v, ok := l.one("unit"); ok {
		f.Unit = unitFilter(v, l.verr)
	}
	if v, ok := l.one("round"); ok {
		// A round number is a 32-bit integer in the database: a wider one is no round.
		if n, err := strconv.ParseInt(v, 10, 32); err != nil || n < 1 {
			l.verr.Add("round", assessment.CodeInvalid)
		} else {
			f.Round = int(n)
		}
	}
	f.Limit, f.Before, paged = l.page()
	return f, paged, l.verr.OrNil()
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
	ifVersion, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	a, err := change(c.Request().Context(), me(c), pathID(c, "id"), ifVersion)
	if err != nil {
		return err
	}
	return s.replyAssessment(c, http.StatusOK, a)
}

func (s *Server) apiDeleteAssessment(c echo.Context) error {
	ifVersion, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	if err := s.svc.Delete(c.Request().Context(), me(c), pathID(c, "id"), ifVersion); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiNewJoinCode answers POST /api/v1/assessments/{id}/code: the round with its new join
// code.
func (s *Server) apiNewJoinCode(c echo.Context) error {
	return s.apiSetStatus(c, s.svc.NewJoinCode)
}
