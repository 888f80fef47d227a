package web

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPIDocument describes the whole JSON API under /api/v1 in OpenAPI 3.1. It is
// written by hand; TestOpenAPICoverage keeps it in step with the router (every API
// route described, nothing described that is not routed), TestOpenAPIMatchesLiveAnswers
// with live answers, and TestOpenAPIStrictness with the server's rules for requests
// (what the document refuses, the server refuses, and nothing more); CI lints it with
// Redocly CLI and Spectral (.ci/run, .ci/redocly.yaml, .ci/.spectral.yaml).
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPI serves the OpenAPI document. It holds nothing private, so unlike the rest of
// the API it may be cached for a few minutes.
func (s *Server) openAPI(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPIDocument)
}
