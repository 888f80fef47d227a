package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/survey"
	"github.com/ecat-project/ecat/templates"
)

// httpError is an error with its status, its machine code for the JSON API, and the
// locale key ("error.<Key>.heading", ".message", ".hint") of its friendly page.
type httpError struct {
	Status int
	Code   string
	Key    string
	// Detail says more, in English, for API clients (e.g. where the JSON broke).
	Detail string
}

func (e *httpError) Error() string {
	if e.Detail != "" {
		return e.Code + ": " + e.Detail
	}
	return e.Code
}

var (
	errBodyTooLarge   = &httpError{Status: http.StatusBadRequest, Code: "body_too_large", Key: "too_large"}
	errUnsupported    = &httpError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Key: "unsupported"}
	errCSRF           = &httpError{Status: http.StatusForbidden, Code: "csrf_token_invalid", Key: "csrf"}
	errCrossOrigin    = &httpError{Status: http.StatusForbidden, Code: "cross_origin", Key: "csrf"}
	errNotFound       = &httpError{Status: http.StatusNotFound, Code: "not_found", Key: "not_found"}
	errCodeUnknown    = &httpError{Status: http.StatusNotFound, Code: "assessment_not_found", Key: "code_unknown"}
	errTokenUnknown   = &httpError{Status: http.StatusNotFound, Code: "response_not_found", Key: "token_unknown"}
	errClosed         = &httpError{Status: http.StatusConflict, Code: "assessment_closed", Key: "closed"}
	errMethod         = &httpError{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed", Key: "method"}
	errUnauthorized   = &httpError{Status: http.StatusUnauthorized, Code: "unauthorized", Key: "unauthorized"}
	errSignInRequired = &httpError{Status: http.StatusForbidden, Code: "sign_in_required", Key: "sign_in_required"}
	// errForbidden: the assessment is shared with the person, but not for this change.
	errForbidden        = &httpError{Status: http.StatusForbidden, Code: "forbidden", Key: "forbidden"}
	errTooMany          = &httpError{Status: http.StatusTooManyRequests, Code: "too_many_requests", Key: "too_many"}
	errTooManyLookups   = &httpError{Status: http.StatusTooManyRequests, Code: "too_many_requests", Key: "too_many_lookups"}
	errServer           = &httpError{Status: http.StatusInternalServerError, Code: "internal", Key: "server"}
	errUnavailable      = &httpError{Status: http.StatusServiceUnavailable, Code: "unavailable", Key: "unavailable"}
	errReleased         = &httpError{Status: http.StatusConflict, Code: "already_in_report", Key: "already_in_report"}
	errTooManyResponses = &httpError{Status: http.StatusTooManyRequests, Code: "too_many_requests", Key: "too_many_responses"}
	errTooManyDrafts    = &httpError{Status: http.StatusConflict, Code: "too_many_drafts", Key: "too_many_drafts"}
	// errKeyReused: an Idempotency-Key came again with another request (survey.Once).
	errKeyReused = &httpError{Status: http.StatusUnprocessableEntity, Code: "idempotency_key_reused", Key: "key_reused"}
	// errStale: If-Match names a version that is no longer the stored one.
	errStale = &httpError{Status: http.StatusPreconditionFailed, Code: "precondition_failed", Key: "stale"}
	// errKeyInProgress: the first request with this Idempotency-Key is still running.
	errKeyInProgress = &httpError{Status: http.StatusConflict, Code: "idempotency_key_in_progress", Key: "key_in_progress"}
	// errKeyInvalid: an Idempotency-Key header that cannot be one.
	errKeyInvalid = &httpError{Status: http.StatusBadRequest, Code: "idempotency_key_invalid", Key: "key_invalid"}
	// errAlreadySubmitted: a draft save reached a response submitted in the meantime.
	errAlreadySubmitted = &httpError{Status: http.StatusConflict, Code: "already_submitted", Key: "already_submitted"}
)

// retryAfterUnavailable is the Retry-After, in seconds, of a 503 while the database is
// unavailable.
const retryAfterUnavailable = "30"

func malformed(detail string) *httpError {
	return &httpError{Status: http.StatusBadRequest, Code: "malformed", Key: "bad_request", Detail: detail}
}

// classify maps any error a handler returns to its httpError; validation errors map to
// nil and are handled by the caller.
func classify(err error) *httpError {
	var (
		he  *httpError
		mbe *http.MaxBytesError
		ee  *echo.HTTPError
	)
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &mbe):
		return errBodyTooLarge
	case errors.Is(err, assessment.ErrNotFound):
		return errNotFound
	case errors.Is(err, assessment.ErrClosed):
		return errClosed
	case errors.Is(err, assessment.ErrAlreadyReassessed):
		return errAlreadyReassessed
	case errors.Is(err, assessment.ErrStillOpen):
		return errStillOpen
	case errors.Is(err, assessment.ErrAlreadySubmitted):
		return errAlreadySubmitted
	case errors.Is(err, assessment.ErrReleased):
		return errReleased
	case errors.Is(err, assessment.ErrTooManyResponses):
		return errTooManyResponses
	case errors.Is(err, assessment.ErrTooManyDrafts):
		return errTooManyDrafts
	case errors.Is(err, assessment.ErrStale):
		return errStale
	case errors.Is(err, assessment.ErrForbidden):
		return errForbidden
	case errors.Is(err, survey.ErrKeyReused):
		return errKeyReused
	case errors.Is(err, survey.ErrKeyInProgress):
		return errKeyInProgress
	case survey.IsUnavailable(err):
		// The database is gone, full, read-only or restarting: nothing the person did;
		// trying again later is right (503 with Retry-After, not 500).
		return errUnavailable
	case errors.As(err, &ee):
		switch ee.Code {
		case http.StatusNotFound:
			return errNotFound
		case http.StatusMethodNotAllowed:
			return errMethod // handleError names HEAD in its Allow
		case http.StatusRequestEntityTooLarge:
			return errBodyTooLarge
		case http.StatusUnsupportedMediaType:
			return errUnsupported
		}
		if ee.Code >= 400 && ee.Code < 500 {
			return &httpError{Status: ee.Code, Code: "bad_request", Key: "bad_request"}
		}
	}
	return errServer
}

func isAPI(c echo.Context) bool {
	return strings.HasPrefix(c.Request().URL.Path, "/api/")
}

// handleError is echo's error handler: JSON errors under /api, friendly pages elsewhere.
// Server errors are logged with the request id, which the page shows for support.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if errors.Is(err, echo.ErrMethodNotAllowed) {
		allowHead(c.Response().Header()) // echo set Allow from the routes
	}
	lang := s.lang(c, "", "")
	var verr *assessment.ValidationError
	if errors.As(err, &verr) {
		if isAPI(c) {
			s.writeAPIError(c, http.StatusUnprocessableEntity, "validation_failed", s.tmpl.Message(lang, "errors.title"), s.fieldErrors(lang, verr))
			return
		}
		err = malformed(verr.Error())
	}
	he := classify(err)
	if he.Status >= 500 {
		s.log.Error("request failed", "request_id", requestID(c), "route", c.Path(), "error", err.Error())
	}
	if he.Status == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", retryAfterUnavailable)
	}
	if he == errTooManyResponses {
		c.Response().Header().Set("Retry-After", retryAfter(survey.CreationRetry))
	}
	if isAPI(c) {
		msg := s.tmpl.Message(lang, "error."+he.Key+".message")
		if he.Detail != "" {
			msg += " (" + he.Detail + ")"
		}
		s.writeAPIError(c, he.Status, he.Code, msg, nil)
		return
	}
	page := &templates.Page{
		Lang:      lang,
		Title:     s.tmpl.Message(lang, "error."+he.Key+".heading"),
		RequestID: requestID(c),
		Body: errorView{
			Heading: s.tmpl.Message(lang, "error."+he.Key+".heading"),
			Message: s.tmpl.Message(lang, "error."+he.Key+".message"),
			Hint:    s.optionalMessage(lang, "error."+he.Key+".hint"),
		},
	}
	if err := s.render(c, he.Status, "error", page); err != nil {
		s.log.Error("error page failed", "request_id", requestID(c), "error", err.Error())
		_ = c.String(he.Status, http.StatusText(he.Status))
	}
}

type errorView struct {
	Heading, Message, Hint string
}

func (s *Server) optionalMessage(lang, key string) string {
	if m := s.tmpl.Message(lang, key); m != key {
		return m
	}
	return ""
}

type apiFieldError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type apiErrorBody struct {
	Error struct {
		Code    string                   `json:"code"`
		Message string                   `json:"message"`
		Fields  map[string]apiFieldError `json:"fields,omitempty"`
	} `json:"error"`
}

// problemJSON is an error as RFC 9457 problem details, for a client that asks for
// application/problem+json: the standard members (type about:blank, so title is the
// status's phrase and detail the sentence for people), with the v1 error's code and
// fields as extension members.
type problemJSON struct {
	Type   string                   `json:"type"`
	Title  string                   `json:"title"`
	Status int                      `json:"status"`
	Detail string                   `json:"detail"`
	Code   string                   `json:"code"`
	Fields map[string]apiFieldError `json:"fields,omitempty"`
}

// mimeProblem is RFC 9457's media type.
const mimeProblem = "application/problem+json"

func (s *Server) writeAPIError(c echo.Context, status int, code, message string, fields map[string]apiFieldError) {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Accept")
	var err error
	if wantsProblem(c.Request().Header.Values("Accept")) {
		var body []byte
		body, err = json.Marshal(problemJSON{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: message, Code: code, Fields: fields})
		if err == nil {
			err = c.Blob(status, mimeProblem, append(body, '\n'))
		}
	} else {
		var body apiErrorBody
		body.Error.Code, body.Error.Message, body.Error.Fields = code, message, fields
		err = c.JSON(status, body)
	}
	if err != nil {
		s.log.Error("write error", "request_id", requestID(c), "error", err.Error())
	}
}

// wantsProblem tells whether an Accept header prefers application/problem+json to
// application/json: named with a quality above zero, and not below application/json's.
// Without it (or with */*) errors keep the v1 shape, {"error": {...}}.
func wantsProblem(accept []string) bool {
	problem, plain := -1.0, -1.0
	for _, line := range accept {
		for _, r := range strings.Split(line, ",") {
			parts := strings.Split(r, ";")
			q := 1.0
			for _, p := range parts[1:] {
				k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 0 && f <= 1 {
						q = f
					} else {
						q = 0
					}
				}
			}
			switch strings.ToLower(strings.TrimSpace(parts[0])) {
			case mimeProblem:
				problem = max(problem, q)
			case echo.MIMEApplicationJSON:
				plain = max(plain, q)
			}
		}
	}
	return problem > 0 && problem >= plain
}

func (s *Server) fieldErrors(lang string, verr *assessment.ValidationError) map[string]apiFieldError {
	out := make(map[string]apiFieldError, len(verr.Fields))
	for field, fe := range verr.Fields {
		out[field] = apiFieldError{Code: fe.Code, Message: s.fieldMessage(lang, field, fe)}
	}
	return out
}

// fieldMessage says what is wrong with one field, in the reader's language.
func (s *Server) fieldMessage(lang, field string, fe assessment.FieldError) string {
	switch {
	case fe.Code == assessment.CodeRequired && strings.HasPrefix(field, "answers."):
		// A non-breaking hyphen keeps "S-08" on one line on a narrow screen.
		id := strings.ReplaceAll(strings.TrimPrefix(field, "answers."), "-", "\u2011")
		return strings.Replace(s.tmpl.Message(lang, "field.required_answer"), "%s", id, 1)
	case fe.Code == assessment.CodeRequired && field == "strength.text":
		return s.tmpl.Message(lang, "field.required_strength")
	case fe.Code == assessment.CodeRequired && field == "opportunity.text":
		return s.tmpl.Message(lang, "field.required_opportunity")
	case fe.Code == assessment.CodeRequired:
		return s.tmpl.Message(lang, "field.required")
	case field == "pillar" && fe.Code == assessment.CodeFixed:
		return s.tmpl.Message(lang, "field.fixed_pillar")
	case field == "pillar" || field == "language":
		return s.tmpl.Message(lang, "field."+field)
	case field == "email" && fe.Code == assessment.CodeInvalid:
		return s.tmpl.Message(lang, "field.email_invalid")
	case field == "email" && fe.Code == assessment.CodeUnknown:
		return s.tmpl.Message(lang, "members.unknown_email")
	case field == "threshold" && fe.Code == assessment.CodeConfirm:
		return s.tmpl.Message(lang, "field.threshold_confirm")
	case field == "due" && fe.Code == assessment.CodeInvalid:
		return s.tmpl.Message(lang, "field.due_invalid")
	case strings.HasPrefix(field, "expected.") && fe.Code == assessment.CodeInvalid:
		return s.tmpl.Message(lang, "field.expected_invalid")
	case strings.HasPrefix(field, "expected.") && fe.Code == assessment.CodeUnknown:
		return s.tmpl.Message(lang, "field.expected_unknown")
	case field == "closes_at" && fe.Code == assessment.CodeInvalid:
		return s.tmpl.Message(lang, "field.closes_at_invalid")
	case field == "closes_at" && fe.Code == assessment.CodePast:
		return s.tmpl.Message(lang, "field.closes_at_past")
	case (field == "theme" || strings.HasSuffix(field, ".theme")) && fe.Code == assessment.CodeUnknown:
		return s.tmpl.Message(lang, "field.theme_unknown")
	case field == "threshold":
		return s.tmpl.Message(lang, "field.threshold_invalid")
	case fe.Code == assessment.CodeTooLong || fe.Code == assessment.CodeTooShort || fe.Code == assessment.CodeWeak:
		return strings.Replace(s.tmpl.Message(lang, "field."+fe.Code), "%d", strconv.Itoa(fe.Limit), 1)
	}
	return s.tmpl.Message(lang, "field."+fe.Code)
}
