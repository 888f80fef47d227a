package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/survey"
)

// Who has access to an assessment: its owner and the facilitators its team's rounds are
// shared with, as co-facilitators or viewers. The API and the "Who has access" page call
// the same use cases (survey.Members, Share, Unshare).

type memberJSON struct {
	FacilitatorID int64     `json:"facilitator_id"`
	Email         string    `json:"email"`
	Name          string    `json:"name"`
	Role          string    `json:"role"`
	AddedAt       time.Time `json:"added_at"`
}

func memberJSONOf(m assessment.Member) memberJSON {
	return memberJSON{FacilitatorID: m.FacilitatorID, Email: m.Email, Name: m.Name, Role: m.Role, AddedAt: m.AddedAt.UTC()}
}

type shareRequest struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

var shareMembers = []string{"email", "role"}

// errOwnAssessment: sharing an assessment with its owner or with oneself.
var errOwnAssessment = &httpError{Status: http.StatusConflict, Code: "own_assessment", Key: "own_assessment"}

func memberPath(assessmentID, facilitatorID int64) string {
	return "/api/v1/assessments/" + strconv.FormatInt(assessmentID, 10) + "/members/" + strconv.FormatInt(facilitatorID, 10)
}

// apiListMembers answers GET /api/v1/assessments/{id}/members: the owner first, then the
// members by e-mail.
func (s *Server) apiListMembers(c echo.Context) error {
	list, err := s.svc.Members(c.Request().Context(), me(c), pathID(c, "id"))
	if err != nil {
		return err
	}
	out := make([]memberJSON, len(list))
	for i, m := range list {
		out[i] = memberJSONOf(m)
	}
	return c.JSON(http.StatusOK, out)
}

// apiGetMember answers GET /api/v1/assessments/{id}/members/{facilitator_id}.
func (s *Server) apiGetMember(c echo.Context) error {
	list, err := s.svc.Members(c.Request().Context(), me(c), pathID(c, "id"))
	if err != nil {
		return err
	}
	who := pathID(c, "facilitator_id")
	for _, m := range list {
		if m.FacilitatorID == who {
			return c.JSON(http.StatusOK, memberJSONOf(m))
		}
	}
	return errNotFound
}

// apiShare answers POST /api/v1/assessments/{id}/members {"email","role"}: 201 when the
// assessment is newly shared with that facilitator, 200 when it was already (their role
// is now the one given), 409 own_assessment for its owner or oneself.
func (s *Server) apiShare(c echo.Context) error {
	body, err := readJSON(c)
	if err != nil {
		return err
	}
	var req shareRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	problems := &assessment.ValidationError{}
	duplicateMembers(body, shareMembers, problems)
	if err := problems.OrNil(); err != nil {
		return err
	}
	id := pathID(c, "id")
	return s.sendOnce(c, body, func() (*survey.Reply, error) {
		m, created, err := s.svc.Share(c.Request().Context(), me(c), id, req.Email, req.Role)
		if errors.Is(err, assessment.ErrOwnAssessment) {
			return nil, errOwnAssessment
		}
		if err != nil {
			return nil, err
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		list, err := s.svc.Members(c.Request().Context(), me(c), id)
		if err != nil {
			return nil, err
		}
		for _, x := range list {
			if x.FacilitatorID == m.FacilitatorID {
				return jsonReply(status, memberPath(id, m.FacilitatorID), memberJSONOf(x))
			}
		}
		return jsonReply(status, memberPath(id, m.FacilitatorID), memberJSONOf(*m))
	})
}

// apiUnshare answers DELETE /api/v1/assessments/{id}/members/{facilitator_id}: 204, or
// 404 when the assessment is not shared with them.
func (s *Server) apiUnshare(c echo.Context) error {
	if err := s.svc.Unshare(c.Request().Context(), me(c), pathID(c, "id"), pathID(c, "facilitator_id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// Pages

type membersView struct {
	A       *assessment.Assessment
	Members []assessment.Member
	Manage  bool // the reader may share and stop sharing
	Email   string
	Role    string
	Fields  map[string]string
	Errors  []errorLink
	Done    string // "shared", "unshared"
}

// membersPage answers GET /assessments/{id}/members: who has access, and for the owner
// or an admin the form to share it and a button to stop sharing with each member.
func (s *Server) membersPage(c echo.Context) error {
	return s.renderMembers(c, http.StatusOK, membersView{Role: assessment.MemberViewer, Done: c.QueryParam("done")})
}

func (s *Server) renderMembers(c echo.Context, status int, v membersView) error {
	ctx := c.Request().Context()
	id := pathID(c, "id")
	round, err := s.svc.Assessment(ctx, me(c), id)
	if err != nil {
		return err
	}
	if v.Members, err = s.svc.Members(ctx, me(c), id); err != nil {
		return err
	}
	v.A = round.Assessment
	v.Manage = s.svc.AccessTo(ctx, me(c), round.Assessment) >= assessment.ManageAccess
	if v.Done != "shared" && v.Done != "unshared" {
		v.Done = ""
	}
	lang := s.lang(c, "", "")
	p := s.roundPageData(c, lang, "title.members", round.Title, v)
	return s.render(c, status, "members", p)
}

// shareForm answers POST /assessments/{id}/members (email, role).
func (s *Server) shareForm(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	id := pathID(c, "id")
	email, role := form.Get("email"), form.Get("role")
	_, _, err = s.svc.Share(c.Request().Context(), me(c), id, email, role)
	lang := s.lang(c, "", "")
	var verr *assessment.ValidationError
	switch {
	case errors.As(err, &verr):
		v := membersView{Email: printable(email), Role: role, Fields: s.fieldMessages(lang, verr)}
		v.Errors = errorLinks(v.Fields, "member-", shareMembers)
		return s.renderMembers(c, http.StatusUnprocessableEntity, v)
	case errors.Is(err, assessment.ErrOwnAssessment):
		v := membersView{Email: printable(email), Role: role, Fields: map[string]string{"email": s.tmpl.Message(lang, "members.own")}}
		v.Errors = []errorLink{{Target: "member-email", Message: v.Fields["email"]}}
		return s.renderMembers(c, http.StatusConflict, v)
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/assessments/"+strconv.FormatInt(id, 10)+"/members?done=shared")
}

// unshareForm answers POST /assessments/{id}/members/{facilitator}/delete.
func (s *Server) unshareForm(c echo.Context) error {
	return s.postOnRound(c, func(ctx context.Context, actor *assessment.Facilitator, id int64) error {
		return s.svc.Unshare(ctx, actor, id, pathID(c, "facilitator"))
	}, "/members?done=unshared")
}
