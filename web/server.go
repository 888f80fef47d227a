// Package web is ecat's HTTP side and the only package that imports echo: routes,
// handlers (one file per area), middleware, the error handler that maps domain errors to
// status codes, and the JSON API under /api/v1. Handlers translate requests into the use
// cases of package survey and their results into pages and JSON; the rules are there.
package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/ecat-project/ecat/internal/throttle"
	"github.com/ecat-project/ecat/survey"
	"github.com/ecat-project/ecat/templates"
)

// Config is what the web server needs to know, built once in main.
type Config struct {
	// Addr is the listen address, e.g. "127.0.0.1:8080".
	Addr string
	// BaseURL is the public address used in join and resume links. When empty, links
	// use the address the server listens on (http://ADDR), never a request's Host
	// header, which a client chooses.
	BaseURL string
	// BodyLimit caps request bodies, in bytes (default 64 KiB).
	BodyLimit int64
	// ShutdownTimeout bounds how long in-flight requests may finish on shutdown.
	ShutdownTimeout time.Duration
	// Metrics serves Prometheus metrics at /metrics. Off by default: expose it only
	// where your monitoring can reach it and the public cannot.
	Metrics bool
	// TrustProxy reads the client address from X-Forwarded-For (set it only behind a
	// reverse proxy that sets that header). The address is used for throttling sign-ins
	// and failed look-ups of join codes and links only, in memory, and never logged.
	TrustProxy bool
	// FormKey binds the forms' CSRF tokens (survey.FormKey: one key shared by every
	// server on the database). When empty, a random key is made for this server alone.
	FormKey []byte
}

// DefaultBodyLimit is the largest request body accepted: a complete response with every
// reflection at its maximum length fits well inside it.
const DefaultBodyLimit = 64 << 10

// Server holds the handlers' dependencies and the router.
type Server struct {
	cfg     Config
	svc     *survey.Service
	tmpl    *templates.Engine
	log     *slog.Logger
	echo    *echo.Echo
	metrics *metrics

	// Failed sign-ins, per account and per address.
	loginByAccount *throttle.Window
	loginByAddress *throttle.Window
	// Failed look-ups of join codes and links, per address (throttle.go).
	lookups *throttle.Window

	formKey     []byte
	crossOrigin *http.CrossOriginProtection
	// defaultBase is set when no base URL was configured: links then use the address
	// listened on.
	defaultBase bool
}

// New builds the server and its routes over the use cases of svc.
func New(cfg Config, svc *survey.Service, tmpl *templates.Engine, log *slog.Logger) *Server {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 15 * time.Second
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	defaultBase := cfg.BaseURL == ""
	if defaultBase {
		cfg.BaseURL = "http://" + cmp.Or(cfg.Addr, "127.0.0.1:8080")
	}
	if len(cfg.FormKey) == 0 {
		cfg.FormKey = make([]byte, 32)
		randomBytes(cfg.FormKey)
	}
	s := &Server{
		cfg: cfg, svc: svc, tmpl: tmpl, log: log, formKey: cfg.FormKey, crossOrigin: http.NewCrossOriginProtection(),
		defaultBase:    defaultBase,
		loginByAccount: throttle.New(5, 15*time.Minute),
		loginByAddress: throttle.New(20, 15*time.Minute),
		lookups:        throttle.New(lookupLimit, lookupWindow),
	}
	if cfg.Metrics {
		s.metrics = newMetrics() // off: nothing is counted at all
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = echo.ExtractIPDirect()
	if cfg.TrustProxy {
		// Only a proxy on this machine is believed: a client reaching ecat from any
		// other address (a private network included) cannot claim another address.
		e.IPExtractor = echo.ExtractIPFromXFFHeader(echo.TrustLoopback(true), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false))
	}
	e.HTTPErrorHandler = s.handleError
	e.Pre(headAsGet)
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{Generator: newRequestID}))
	e.Use(s.logRequests)
	e.Use(s.recoverPanics)
	e.Use(securityHeaders(strings.HasPrefix(cfg.BaseURL, "https://")))
	e.Use(s.sameOrigin)
	e.Use(s.limitBody)
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{
		Level:     5,
		MinLength: 1024,
		// Workbooks are zip archives already. The API's writes answer with a few hundred
		// bytes of JSON, below MinLength: the middleware would still reset a compressor
		// (hundreds of KB cleared) twice per request for nothing.
		Skipper: func(c echo.Context) bool {
			r := c.Request()
			return strings.HasSuffix(r.URL.Path, ".xlsx") ||
				(r.Method != http.MethodGet && r.Method != http.MethodHead && strings.HasPrefix(r.URL.Path, "/api/"))
		},
	}))
	s.echo = e
	s.routes()
	return s
}

func (s *Server) routes() {
	e := s.echo
	e.GET("/static/:name", s.staticAsset)
	e.GET("/favicon.ico", s.favicon)

	e.GET("/healthz", s.healthz, noStore)
	e.GET("/readyz", s.readyz, noStore)
	if s.cfg.Metrics {
		e.GET("/metrics", s.metricsHandler, noStore)
	}

	// Middleware is given per route, never through echo's groups: a group with middleware
	// adds catch-all routes under its prefix, which answer 404 to a known path asked with
	// the wrong method (instead of 405 with Allow), and a group on "" would send every
	// unknown URL through its middleware.
	csrf := s.csrf()
	e.GET("/", s.home, csrf)
	e.GET("/join", s.joinByCode, csrf)
	e.GET("/j/:code", s.joinPage, csrf)
	e.GET("/j/:code/form", s.newResponseForm, csrf)
	e.GET("/j/:code/print", s.printPage, csrf)
	e.POST("/j/:code/form", s.createResponseForm, csrf)

	// Everything under /r/ answers a secret link: never cached, errors and redirects too.
	e.GET("/r/:token", s.resumePage, noStore, csrf)
	e.POST("/r/:token", s.updateResponseForm, noStore, csrf)
	e.GET("/r/:token/thanks", s.thanksPage, noStore, csrf)
	e.POST("/r/:token/claim", s.claimResponse, noStore, csrf)
	e.GET("/s/:token", s.summaryPage, noStore, csrf)

	// The facilitator's workspace.
	open := []echo.MiddlewareFunc{noStore, csrf}
	e.GET("/setup/:token", s.setupPage, open...)
	e.POST("/setup/:token", s.setupSubmit, open...)
	e.GET("/login", s.loginPage, open...)
	e.POST("/login", s.loginSubmit, open...)
	signedIn := []echo.MiddlewareFunc{noStore, csrf, s.requireSession}
	e.POST("/logout", s.logout, signedIn...)
	e.GET("/dashboard", s.dashboard, signedIn...)
	e.GET("/organization", s.organizationPage, signedIn...)
	e.GET("/organization.xlsx", s.rollupXLSX, signedIn...)
	e.GET("/assessments/new", s.newAssessmentPage, signedIn...)
	e.POST("/assessments", s.createAssessment, signedIn...)
	e.GET("/assessments/:id", s.assessmentPage, signedIn...)
	e.GET("/assessments/:id/invitation", s.invitationPage, signedIn...)
	e.GET("/assessments/:id/completion", s.completion, signedIn...)
	e.GET("/assessments/:id/report", s.reportPage, signedIn...)
	e.GET("/assessments/:id/report.xlsx", s.reportXLSX, signedIn...)
	e.GET("/assessments/:id/discussion", s.discussionPage, signedIn...)
	e.GET("/assessments/:id/discussion/handout", s.handoutPage, signedIn...)
	e.POST("/assessments/:id/close", s.closeAssessment, signedIn...)
	e.POST("/assessments/:id/reopen", s.reopenAssessment, signedIn...)
	e.POST("/assessments/:id/code", s.newJoinCode, signedIn...)
	e.GET("/assessments/:id/edit", s.settingsPage, signedIn...)
	e.POST("/assessments/:id/edit", s.updateSettingsForm, signedIn...)
	e.GET("/assessments/:id/delete", s.confirmDeletePage, signedIn...)
	e.POST("/assessments/:id/delete", s.deleteAssessment, signedIn...)
	e.POST("/assessments/:id/actions", s.createActionForm, signedIn...)
	e.GET("/assessments/:id/actions/:action/edit", s.editActionPage, signedIn...)
	e.POST("/assessments/:id/actions/:action", s.updateActionForm, signedIn...)
	e.POST("/assessments/:id/actions/:action/delete", s.deleteActionForm, signedIn...)
	e.POST("/assessments/:id/discussed", s.markDiscussed, signedIn...)
	e.POST("/assessments/:id/reassess", s.reassessForm, signedIn...)
	e.GET("/assessments/:id/paper", s.paperPage, signedIn...)
	e.POST("/assessments/:id/paper", s.enterPaperForm, signedIn...)
	e.GET("/assessments/:id/paper/:ref", s.correctPaperPage, signedIn...)
	e.POST("/assessments/:id/paper/:ref", s.correctPaperForm, signedIn...)
	e.POST("/assessments/:id/paper/:ref/delete", s.deletePaperForm, signedIn...)
	e.POST("/assessments/:id/summary", s.publishSummaryForm, signedIn...)
	e.POST("/assessments/:id/summary/delete", s.unpublishSummaryForm, signedIn...)
	e.GET("/assessments/:id/summary/texts", s.quotePage, signedIn...)
	e.POST("/assessments/:id/summary/texts", s.quoteForm, signedIn...)
	e.GET("/assessments/:id/members", s.membersPage, signedIn...)
	e.POST("/assessments/:id/members", s.shareForm, signedIn...)
	e.POST("/assessments/:id/members/:facilitator/delete", s.unshareForm, signedIn...)
	e.GET("/account/tokens", s.tokensPage, signedIn...)
	e.POST("/account/tokens", s.createToken, signedIn...)
	e.POST("/account/tokens/:id/revoke", s.revokeToken, signedIn...)
	e.GET("/account/activity", s.activityPage, signedIn...)
	e.GET("/account/password", s.passwordPage, signedIn...)
	e.POST("/account/password", s.changePassword, signedIn...)
	// Handing an assessment over (admin.go), and the accounts, for admins only.
	e.GET("/assessments/:id/handover", s.handOverPage, signedIn...)
	e.POST("/assessments/:id/handover", s.handOverForm, signedIn...)
	admin := []echo.MiddlewareFunc{noStore, csrf, s.requireSession, s.requireAdmin}
	e.GET("/admin/accounts", s.accountsPage, admin...)
	e.POST("/admin/accounts", s.inviteAccount, admin...)
	e.POST("/admin/accounts/:account/link", s.accountLinkForm, admin...)
	e.POST("/admin/accounts/:account/role", s.changeRoleForm, admin...)
	e.POST("/admin/accounts/:account/deactivate", s.deactivateForm, admin...)
	e.POST("/admin/accounts/:account/reactivate", s.reactivateForm, admin...)
	// A one-time account link (an invitation, a password reset), opened signed out.
	e.GET("/account/link/:token", s.accountLinkPage, open...)
	e.POST("/account/link/:token", s.useAccountLink, open...)

	// The API: never cached; the facilitators' part behind an API token.
	api := func(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
		e.Add(method, "/api/v1"+path, h, append([]echo.MiddlewareFunc{noStore}, m...)...)
	}
	api(http.MethodGet, "/openapi.json", s.openAPI)
	api(http.MethodGet, "/instrument", s.apiInstrument)
	api(http.MethodPost, "/responses", s.apiCreateResponse)
	api(http.MethodGet, "/responses/:token", s.apiGetResponse)
	api(http.MethodPut, "/responses/:token", s.apiUpdateResponse)
	api(http.MethodPost, "/assessments", s.apiCreateAssessment, s.requireToken)
	api(http.MethodGet, "/assessments", s.apiListAssessments, s.requireToken)
	api(http.MethodGet, "/assessments/:id", s.apiGetAssessment, s.requireToken)
	api(http.MethodGet, "/rollup", s.apiRollup, s.requireToken)
	api(http.MethodGet, "/rollup.xlsx", s.rollupXLSX, s.requireToken)
	api(http.MethodGet, "/assessments/:id/report", s.apiReport, s.requireToken)
	api(http.MethodGet, "/assessments/:id/report.xlsx", s.reportXLSX, s.requireToken)
	api(http.MethodPost, "/assessments/:id/close", s.apiCloseAssessment, s.requireToken)
	api(http.MethodPost, "/assessments/:id/reopen", s.apiReopenAssessment, s.requireToken)
	api(http.MethodPost, "/assessments/:id/code", s.apiNewJoinCode, s.requireToken)
	api(http.MethodPatch, "/assessments/:id", s.apiUpdateAssessment, s.requireToken)
	api(http.MethodDelete, "/assessments/:id", s.apiDeleteAssessment, s.requireToken)
	api(http.MethodGet, "/assessments/:id/actions", s.apiListActions, s.requireToken)
	api(http.MethodPost, "/assessments/:id/actions", s.apiCreateAction, s.requireToken)
	api(http.MethodGet, "/actions/:id", s.apiGetAction, s.requireToken)
	api(http.MethodPatch, "/actions/:id", s.apiUpdateAction, s.requireToken)
	api(http.MethodDelete, "/actions/:id", s.apiDeleteAction, s.requireToken)
	api(http.MethodPost, "/assessments/:id/reassess", s.apiReassess, s.requireToken)
	api(http.MethodPost, "/assessments/:id/discussed", s.apiMarkDiscussed, s.requireToken)
	api(http.MethodPost, "/assessments/:id/responses", s.apiEnterPaper, s.requireToken)
	api(http.MethodGet, "/assessments/:id/responses/:paper_id", s.apiGetPaper, s.requireToken)
	api(http.MethodPut, "/assessments/:id/responses/:paper_id", s.apiCorrectPaper, s.requireToken)
	api(http.MethodDelete, "/assessments/:id/responses/:paper_id", s.apiDeletePaper, s.requireToken)
	api(http.MethodPost, "/assessments/:id/summary", s.apiPublishSummary, s.requireToken)
	api(http.MethodDelete, "/assessments/:id/summary", s.apiUnpublishSummary, s.requireToken)
	api(http.MethodGet, "/assessments/:id/members", s.apiListMembers, s.requireToken)
	api(http.MethodPost, "/assessments/:id/members", s.apiShare, s.requireToken)
	api(http.MethodGet, "/assessments/:id/members/:facilitator_id", s.apiGetMember, s.requireToken)
	api(http.MethodDelete, "/assessments/:id/members/:facilitator_id", s.apiUnshare, s.requireToken)
}

// ServeHTTP lets tests drive the server without a socket.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Routes lists the registered method and path pairs.
func (s *Server) Routes() []*echo.Route { return s.echo.Routes() }

// ListenAndServe serves until ctx is cancelled, then shuts down gracefully: it stops
// accepting connections and lets in-flight requests finish within ShutdownTimeout.
// ready, when not nil, receives the bound address once listening.
func (s *Server) ListenAndServe(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	if s.defaultBase {
		// The port is known now (":0" picks one): links name the address listened on.
		s.cfg.BaseURL = "http://" + ln.Addr().String()
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// baseURL is the public address for links: the configured one, else the address
// listened on. Never the request's Host header, which the client chooses.
func (s *Server) baseURL(echo.Context) string { return s.cfg.BaseURL }

// favicon answers browsers that ask for /favicon.ico whatever the page says: the same
// icon the pages link to (an SVG, which browsers take under this name too), kept a day.
func (s *Server) favicon(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	c.Response().Header().Set(echo.HeaderContentType, "image/svg+xml")
	http.ServeFileFS(c.Response(), c.Request(), templates.Static(), "icon.svg")
	return nil
}

// staticAsset serves the embedded CSS and JS. Pages link to fingerprinted names, which
// browsers may keep for a year; a plain name (an old bookmark) is cached briefly.
func (s *Server) staticAsset(c echo.Context) error {
	name, immutable, ok := s.tmpl.ResolveAsset(c.Param("name"))
	if !ok {
		return errNotFound
	}
	if immutable {
		c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Response().Header().Set("Cache-Control", "public, max-age=300")
	}
	http.ServeFileFS(c.Response(), c.Request(), templates.Static(), name)
	return nil
}
