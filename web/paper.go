package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/survey"
)

// Paper responses entered by the facilitator (survey/paper.go): the API, and the pages
// "Enter a paper response" with the list of entries.

// paperCreated answers a paper entry: its reference and how it is stored.
type paperCreated struct {
	PaperID string `json:"paper_id"`
	Status  string `json:"status"`
}

// decodePaperBody reads a paper entry: the respondent's body without "code", with
// "source": "paper". The source is taken out and the rest read as a respondent's body;
// a "code" is an unknown member here (400), a source other than "paper" (or none, for a
// new entry) a field problem.
func decodePaperBody(body []byte, requireSource bool) (*responseRequest, *assessment.Response, *assessment.ValidationError, error) {
	rest, source, given, err := takeMember(body, "source")
	if err != nil {
		return nil, nil, nil, err
	}
	req, r, problems, err := decodeResponseRequest(rest)
	if err != nil {
		return nil, nil, nil, err
	}
	if req.Code != "" {
		return nil, nil, nil, malformed(`unknown field "code"`)
	}
	switch {
	case given && source != "paper":
		problems.Add("source", assessment.CodeInvalid)
	case !given && requireSource:
		problems.Add("source", assessment.CodeRequired)
	}
	return req, r, problems, nil
}

// takeMember removes the top-level member name from a JSON object body and returns its
// string value. A body that is not an object comes back as it is, for the respondent
// decoder to refuse with its own words; a member given twice or not a string is 400.
func takeMember(body []byte, name string) (rest []byte, value string, given bool, err error) {
	var members []struct {
		key string
		raw json.RawMessage
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, terr := dec.Token(); terr != nil || tok != json.Delim('{') {
		return body, "", false, nil
	}
	for dec.More() {
		tok, terr := dec.Token()
		if terr != nil {
			return body, "", false, nil
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if derr := dec.Decode(&raw); derr != nil {
			return body, "", false, nil
		}
		if key == name {
			if given {
				return nil, "", false, malformed(name + " given twice")
			}
			if uerr := json.Unmarshal(raw, &value); uerr != nil {
				return nil, "", false, malformed(name + " must be a string")
			}
			given = true
			continue
		}
		members = append(members, struct {
			key string
			raw json.RawMessage
		}{key, raw})
	}
	if !given {
		return body, "", false, nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(m.raw)
	}
	b.WriteByte('}')
	if _, terr := dec.Token(); terr != nil {
		return body, "", false, nil // let the respondent decoder say what is wrong
	}
	return b.Bytes(), value, true, nil
}

// apiEnterPaper answers POST /api/v1/assessments/{id}/responses.
func (s *Server) apiEnterPaper(c echo.Context) error {
	body, err := readJSON(c)
	if err != nil {
		return err
	}
	req, r, problems, err := decodePaperBody(body, true)
	if err != nil {
		return err
	}
	id := pathID(c, "id")
	// With an Idempotency-Key, a retried entry is answered as the first time and counted
	// once (sendOnce), as a respondent's own POST is.
	return s.sendOnce(c, body, func() (*survey.Reply, error) {
		ref, status, err := s.svc.EnterPaper(c.Request().Context(), me(c), id, survey.ResponseSave{Response: r, Submit: req.Submit, Problems: problems})
		if err != nil {
			return nil, err
		}
		if status == assessment.Submitted {
			s.metrics.responseSubmitted()
		}
		reply, err := jsonReply(http.StatusCreated, paperAPIPath(id, ref), paperCreated{PaperID: ref, Status: string(status)})
		if reply != nil {
			reply.ETag = versionETag(1)
		}
		return reply, err
	})
}

func paperAPIPath(id int64, ref string) string {
	return "/api/v1/assessments/" + strconv.FormatInt(id, 10) + "/responses/" + ref
}

// apiGetPaper answers GET /api/v1/assessments/{id}/responses/{paper_id}.
func (s *Server) apiGetPaper(c echo.Context) error {
	res, err := s.svc.PaperResponse(c.Request().Context(), me(c), pathID(c, "id"), c.Param("paper_id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set(headerETag, versionETag(res.Response.Version))
	return c.JSON(http.StatusOK, s.responseJSONOf(res))
}

// apiCorrectPaper answers PUT /api/v1/assessments/{id}/responses/{paper_id}.
func (s *Server) apiCorrectPaper(c echo.Context) error {
	body, err := readJSON(c)
	if err != nil {
		return err
	}
	req, r, problems, err := decodePaperBody(body, false)
	if err != nil {
		return err
	}
	ifVersion, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	status, version, err := s.svc.CorrectPaper(c.Request().Context(), me(c), pathID(c, "id"), c.Param("paper_id"),
		survey.ResponseSave{Response: r, Submit: req.Submit, Problems: problems, IfVersion: ifVersion})
	if err != nil {
		return err
	}
	c.Response().Header().Set(headerETag, versionETag(version))
	return c.JSON(http.StatusOK, paperCreated{PaperID: c.Param("paper_id"), Status: string(status)})
}

// apiDeletePaper answers DELETE /api/v1/assessments/{id}/responses/{paper_id}.
func (s *Server) apiDeletePaper(c echo.Context) error {
	if err := s.svc.DeletePaper(c.Request().Context(), me(c), pathID(c, "id"), c.Param("paper_id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// The pages.

type paperEntryView struct {
	Ref, Pillar, Status, Updated string
	Released                     bool
}

type paperView struct {
	A       *assessment.Assessment
	Open    bool
	Pillars []pillarView
	Entries []paperEntryView
	Notice  string
}

// paperPage answers GET /assessments/{id}/paper: with ?pillar= the form to enter one
// paper response of that pillar, else the choice of pillar and the entries so far.
func (s *Server) paperPage(c echo.Context) error {
	a, err := s.svc.AssessmentFor(c.Request().Context(), me(c), pathID(c, "id"), assessment.ChangeAccess)
	if err != nil {
		return err
	}
	lang := s.lang(c, "", "")
	if key := c.QueryParam("pillar"); key != "" {
		p := a.Instrument.Pillar(key)
		if p == nil {
			return errNotFound
		}
		if !a.IsOpen() {
			return errClosed
		}
		blank := &assessment.Response{Pillar: p.Key, Language: lang, Answers: map[string]assessment.Answer{}, Reflections: map[string]string{}}
		return s.renderPaperForm(c, http.StatusOK, lang, a, blank, nil, "")
	}
	entries, err := s.svc.PaperEntries(c.Request().Context(), me(c), a.ID)
	if err != nil {
		return err
	}
	v := paperView{A: a.Assessment, Open: a.IsOpen(), Pillars: s.pillarViews(locale.Lang(lang), a.Instrument, ""), Notice: c.QueryParam("done")}
	if !map[string]bool{"entered": true, "corrected": true, "deleted": true}[v.Notice] {
		v.Notice = ""
	}
	for _, en := range entries {
		title := en.Pillar
		if p := a.Instrument.Pillar(en.Pillar); p != nil {
			title = p.Title.In(locale.Lang(lang))
		}
		v.Entries = append(v.Entries, paperEntryView{Ref: en.Ref, Pillar: title, Status: s.tmpl.Message(lang, "paper.status_"+string(en.Status)),
			Updated: en.UpdatedAt.Format("2006-01-02 15:04"), Released: en.Released})
	}
	p := s.roundPageData(c, lang, "title.paper", a.Title, v)
	return s.render(c, http.StatusOK, "paper", p)
}

// renderPaperForm shows the respondents' form, laid out for a facilitator copying a
// paper checklist: no autosave, the answers in the order of the paper.
func (s *Server) renderPaperForm(c echo.Context, status int, lang string, a *survey.Round, r *assessment.Response, verr *assessment.ValidationError, ref string) error {
	p := a.Instrument.Pillar(r.Pillar)
	v := s.buildForm(lang, a.Assessment, a.Instrument, p, r, verr)
	v.Paper = true
	v.Action = "/assessments/" + strconv.FormatInt(a.ID, 10) + "/paper"
	if ref != "" {
		v.Action += "/" + ref
	}
	page := s.facilitatorPageData(c, lang, "title.paper", v)
	page.Title = p.Title.In(locale.Lang(lang)) + " · " + a.Title + " · " + page.Title
	noStoreHeader(c)
	return s.render(c, status, "form", page)
}

// enterPaperForm answers POST /assessments/{id}/paper.
func (s *Server) enterPaperForm(c echo.Context) error {
	return s.savePaperForm(c, "")
}

// correctPaperPage answers GET /assessments/{id}/paper/{ref}.
func (s *Server) correctPaperPage(c echo.Context) error {
	res, err := s.svc.PaperResponse(c.Request().Context(), me(c), pathID(c, "id"), c.Param("ref"))
	if err != nil {
		return err
	}
	if !res.IsOpen() {
		return errClosed
	}
	return s.renderPaperForm(c, http.StatusOK, s.lang(c, "", ""), res.Round, res.Response, nil, c.Param("ref"))
}

// correctPaperForm answers POST /assessments/{id}/paper/{ref}.
func (s *Server) correctPaperForm(c echo.Context) error {
	return s.savePaperForm(c, c.Param("ref"))
}

func (s *Server) savePaperForm(c echo.Context, ref string) error {
	a, err := s.ownAssessment(c)
	if err != nil {
		return err
	}
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	r, action, problems := responseFromForm(form)
	lang := s.lang(c, "", "")
	if a.Instrument.Pillar(r.Pillar) == nil {
		return malformed("unknown pillar")
	}
	in := survey.ResponseSave{Response: r, Submit: action == actionSubmit, Problems: problems}
	if ref == "" {
		_, _, err = s.svc.EnterPaper(c.Request().Context(), me(c), a.ID, in)
	} else {
		_, _, err = s.svc.CorrectPaper(c.Request().Context(), me(c), a.ID, ref, in)
	}
	var verr *assessment.ValidationError
	if errors.As(err, &verr) {
		return s.renderPaperForm(c, http.StatusUnprocessableEntity, lang, a, r, verr, ref)
	}
	if err != nil {
		return err
	}
	back := "/assessments/" + strconv.FormatInt(a.ID, 10) + "/paper"
	if ref == "" {
		// Ready for the next sheet of the same pile.
		return c.Redirect(http.StatusSeeOther, back+"?done=entered#entries")
	}
	return c.Redirect(http.StatusSeeOther, back+"?done=corrected#entries")
}

// deletePaperForm answers POST /assessments/{id}/paper/{ref}/delete.
func (s *Server) deletePaperForm(c echo.Context) error {
	return s.postOnRound(c, func(ctx context.Context, actor *assessment.Facilitator, id int64) error {
		return s.svc.DeletePaper(ctx, actor, id, c.Param("ref"))
	}, "/paper?done=deleted#entries")
}
