package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/survey"
)

// The respondents' JSON API: start a response with a join code, then read and change it
// with its resume token. Bodies are JSON only, at most Config.BodyLimit bytes.

type namedJSON struct {
	Text  string `json:"text"`
	Theme string `json:"theme"`
}

// responseRequest is the body of POST /api/v1/responses and PUT /api/v1/responses/{token}.
type responseRequest struct {
	Code        string          `json:"code"`
	Pillar      string          `json:"pillar"`
	Language    string          `json:"language"`
	Answers     json.RawMessage `json:"answers"`
	Reflections json.RawMessage `json:"reflections"`
	Strength    namedJSON       `json:"strength"`
	Opportunity namedJSON       `json:"opportunity"`
	Submit      bool            `json:"submit"`
}

// readJSON reads a JSON request body. Wrong content type → 415; over the limit, broken
// JSON, unknown fields or wrong types → 400; text that is not UTF-8 → 422.
func readJSON(c echo.Context) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationJSON {
		return nil, errUnsupported
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errBodyTooLarge
		}
		return nil, malformed("could not read body")
	}
	if !utf8.Valid(body) {
		return nil, &assessment.ValidationError{Fields: map[string]assessment.FieldError{"body": {Code: assessment.CodeInvalidUTF8}}}
	}
	return body, nil
}

// decodeResponseRequest parses a response body into a response. Item and prompt ids
// given twice are reported as duplicates (encoding/json would silently keep the last).
func decodeResponseRequest(body []byte) (*responseRequest, *assessment.Response, *assessment.ValidationError, error) {
	var req responseRequest
	if err := decodeStrict(body, &req); err != nil {
		return nil, nil, nil, err
	}
	verr := &assessment.ValidationError{}
	duplicateMembers(body, requestMembers, verr)
	answers, err := stringObject(req.Answers, "answers", verr)
	if err != nil {
		return nil, nil, nil, err
	}
	reflections, err := stringObject(req.Reflections, "reflections", verr)
	if err != nil {
		return nil, nil, nil, err
	}
	r := &assessment.Response{
		Pillar:      req.Pillar,
		Language:    req.Language,
		Answers:     make(map[string]assessment.Answer, len(answers)),
		Reflections: reflections,
		Strength:    assessment.Named{Text: req.Strength.Text, Theme: req.Strength.Theme},
		Opportunity: assessment.Named{Text: req.Opportunity.Text, Theme: req.Opportunity.Theme},
	}
	for id, v := range answers {
		r.Answers[id] = assessment.Answer(v)
	}
	return &req, r, verr, nil
}

// requestMembers are the members of a responseRequest body.
var requestMembers = []string{"code", "pillar", "language", "answers", "reflections", "strength", "opportunity", "submit"}

// duplicateMembers reports members of an already decoded body that were given twice.
// encoding/json matches member names case-insensitively (as strings.EqualFold) and keeps
// the last one, which would silently drop a whole "answers" object.
func duplicateMembers(body []byte, members []string, verr *assessment.ValidationError) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return // null
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		key, _ := tok.(string)
		for _, name := range members {
			if strings.EqualFold(key, name) {
				if seen[name] {
					verr.Add(name, assessment.CodeDuplicate)
				}
				seen[name] = true
			}
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return
		}
	}
}

// decodeStrict decodes one JSON object into v: unknown fields, wrong types and
// anything after the object are 400 malformed.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return malformed(jsonProblem(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return malformed("unexpected data after the JSON object")
	}
	return nil
}

// stringObject reads a JSON object of strings (or null), noting keys given twice.
func stringObject(raw json.RawMessage, field string, verr *assessment.ValidationError) (map[string]string, error) {
	out := map[string]string{}
	if len(raw) == 0 || string(raw) == "null" {
		return out, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, malformed(field + " must be an object of strings")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, malformed(field + ": " + err.Error())
		}
		key := tok.(string) // object keys are always strings
		tok, err = dec.Token()
		if err != nil {
			return nil, malformed(field + ": " + err.Error())
		}
		value, ok := tok.(string)
		if !ok {
			return nil, malformed(fmt.Sprintf("%s.%s must be a string", field, key))
		}
		if _, dup := out[key]; dup {
			verr.Add(field+"."+key, assessment.CodeDuplicate)
		}
		out[key] = value
	}
	return out, nil
}

func jsonProblem(err error) string {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s must be a %s", typ.Field, typ.Type.String())
	case errors.Is(err, io.EOF):
		return "empty body"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "JSON ends too early"
	}
	return err.Error()
}

type responseCreated struct {
	ID          int64  `json:"id"`
	ResumeToken string `json:"resume_token,omitempty"`
	ResumeURL   string `json:"resume_url,omitempty"`
	Status      string `json:"status"`
}

func (s *Server) apiCreateResponse(c echo.Context) error {
	body, err := readJSON(c)
	if err != nil {
		return err
	}
	req, r, problems, err := decodeResponseRequest(body)
	if err != nil {
		return err
	}
	a, err := s.roundForCode(c, req.Code)
	if err != nil {
		return err
	}
	saved, err := s.svc.SaveResponse(c.Request().Context(), survey.ResponseSave{Round: a, Response: r, Submit: req.Submit, Problems: problems,
		Client: clientNetwork(c.RealIP())})
	if err != nil {
		return err
	}
	if saved.FirstSubmission {
		s.metrics.responseSubmitted()
	}
	return c.JSON(http.StatusCreated, responseCreated{ID: r.ID, ResumeToken: saved.Token, ResumeURL: s.resumeLink(c, saved.Token), Status: string(saved.Status)})
}

// apiUpdateResponse replaces a response's content. A draft save ("submit": false)
// changes a draft only: once submitted, a response changes only by a complete
// submission, and a draft save gets 409 already_submitted and changes nothing.
func (s *Server) apiUpdateResponse(c echo.Context) error {
	res, err := s.resumed(c, c.Param("token"))
	if err != nil {
		return err
	}
	body, err := readJSON(c)
	if err != nil {
		return err
	}
	if !res.IsOpen() {
		return errClosed
	}
	req, r, problems, err := decodeResponseRequest(body)
	if err != nil {
		return err
	}
	saved, err := s.svc.SaveResponse(c.Request().Context(), survey.ResponseSave{
		Round: res.Round, Stored: res.Response, Response: r, Submit: req.Submit, Problems: problems,
	})
	if err != nil {
		return err
	}
	if saved.FirstSubmission {
		s.metrics.responseSubmitted()
	}
	return c.JSON(http.StatusOK, responseCreated{ID: r.ID, Status: string(saved.Status)})
}

type responseJSON struct {
	ID          int64             `json:"id"`
	Status      string            `json:"status"`
	Pillar      string            `json:"pillar"`
	Language    string            `json:"language"`
	Assessment  assessmentBrief   `json:"assessment"`
	Answers     map[string]string `json:"answers"`
	Reflections map[string]string `json:"reflections"`
	Strength    namedJSON         `json:"strength"`
	Opportunity namedJSON         `json:"opportunity"`
	Progress    progressJSON      `json:"progress"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	SubmittedAt *time.Time        `json:"submitted_at"`
}

type assessmentBrief struct {
	Title             string `json:"title"`
	Team              string `json:"team"`
	Status            string `json:"status"`
	InstrumentVersion string `json:"instrument_version"`
}

type progressJSON struct {
	Answered int `json:"answered"`
	Total    int `json:"total"`
}

func (s *Server) apiGetResponse(c echo.Context) error {
	res, err := s.resumed(c, c.Param("token"))
	if err != nil {
		return err
	}
	r, a, in := res.Response, res.Round, res.Instrument
	out := responseJSON{
		ID: r.ID, Status: string(r.Status), Pillar: r.Pillar, Language: r.Language,
		Assessment:  assessmentBrief{Title: a.Title, Team: a.Team, Status: string(a.Status), InstrumentVersion: a.InstrumentVersion},
		Answers:     make(map[string]string, len(r.Answers)),
		Reflections: r.Reflections,
		Strength:    namedJSON{Text: r.Strength.Text, Theme: r.Strength.Theme},
		Opportunity: namedJSON{Text: r.Opportunity.Text, Theme: r.Opportunity.Theme},
		CreatedAt:   r.CreatedAt, UpdatedAt: r.UpdatedAt, SubmittedAt: r.SubmittedAt,
	}
	for id, v := range r.Answers {
		out.Answers[id] = string(v)
	}
	if p := in.Pillar(r.Pillar); p != nil {
		out.Progress.Answered, out.Progress.Total = r.Progress(p)
	}
	return c.JSON(http.StatusOK, out)
}

// The instrument, for clients that build their own form.

type instrumentJSON struct {
	Version string       `json:"version"`
	Answers []string     `json:"answers"`
	Themes  []keyTitle   `json:"themes"`
	Pillars []pillarJSON `json:"pillars"`
}

type keyTitle struct {
	Key   string `json:"key"`
	Title string `json:"title"`
}

type pillarJSON struct {
	Key         string        `json:"key"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	Sections    []sectionJSON `json:"sections"`
	Reflections []promptJSON  `json:"reflections"`
}

type sectionJSON struct {
	Key   string     `json:"key"`
	Title string     `json:"title"`
	Items []itemJSON `json:"items"`
}

type itemJSON struct {
	ID    string `json:"id"`
	Text  string `json:"text"`
	Theme string `json:"theme"`
}

type promptJSON struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

func (s *Server) apiInstrument(c echo.Context) error {
	lang := locale.English
	if raw := c.QueryParam("lang"); raw != "" {
		l, ok := locale.Parse(raw)
		if !ok || len(raw) != 2 {
			return &assessment.ValidationError{Fields: map[string]assessment.FieldError{"lang": {Code: assessment.CodeInvalid}}}
		}
		lang = l
	}
	in := s.svc.Instruments().Current()
	out := instrumentJSON{Version: in.Version}
	for _, a := range assessment.Answers {
		out.Answers = append(out.Answers, string(a))
	}
	for _, th := range in.Themes {
		out.Themes = append(out.Themes, keyTitle{Key: th.Key, Title: th.Title.In(lang)})
	}
	for _, p := range in.Pillars {
		pj := pillarJSON{Key: p.Key, Title: p.Title.In(lang), Description: p.Description.In(lang)}
		for _, sec := range p.Sections {
			sj := sectionJSON{Key: sec.Key, Title: sec.Title.In(lang)}
			for _, it := range sec.Items {
				sj.Items = append(sj.Items, itemJSON{ID: it.ID, Text: it.Text.In(lang), Theme: it.Theme})
			}
			pj.Sections = append(pj.Sections, sj)
		}
		for _, pr := range p.Reflections {
			pj.Reflections = append(pj.Reflections, promptJSON{ID: pr.ID, Text: pr.Text.In(lang)})
		}
		out.Pillars = append(out.Pillars, pj)
	}
	return c.JSON(http.StatusOK, out)
}
