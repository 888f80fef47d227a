package storage_test

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/internal/testdb"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
)

// postgresEnv names the environment variable holding a PostgreSQL DSN for the tests.
// Without it the PostgreSQL subtests are not run at all; CI sets it.
const postgresEnv = testdb.PostgresEnv

// namedStore is one database the behaviour tests run against, named "sqlite" or
// "postgres" for the subtest.
type namedStore struct {
	name  string
	store *storage.Store
	// dsn opens the same database again: the SQLite file path, or the PostgreSQL URL
	// with the test's search_path.
	dsn string
}

func named(dbs ...testdb.DB) []namedStore {
	out := make([]namedStore, len(dbs))
	for i, db := range dbs {
		out[i] = namedStore{name: db.Name, store: db.Store, dsn: db.DSN}
	}
	return out
}

// openStores returns a freshly migrated store per available database (testdb).
func openStores(t *testing.T) []namedStore { t.Helper(); return named(testdb.Migrated(t)...) }

// openRawStores is openStores without the migration: empty databases.
func openRawStores(t *testing.T) []namedStore { t.Helper(); return named(testdb.Raw(t)...) }

// eachStore runs fn as a subtest per available database, each on a fresh migrated store.
func eachStore(t *testing.T, fn func(t *testing.T, ns namedStore)) {
	t.Helper()
	for _, ns := range openStores(t) {
		t.Run(ns.name, func(t *testing.T) { fn(t, ns) })
	}
}

func openSQLite(t *testing.T) namedStore { t.Helper(); return named(testdb.SQLite(t))[0] }

// newAssessment stores an open assessment with a fresh join code.
func newAssessment(t *testing.T, s *storage.Store, title string) *assessment.Assessment {
	t.Helper()
	a, err := assessment.NewAssessment(title, "Team "+title, "en", assessment.DefaultThreshold, false, "v1")
	if err != nil {
		t.Fatalf("NewAssessment: %v", err)
	}
	if err := s.CreateAssessment(t.Context(), a); err != nil {
		t.Fatalf("CreateAssessment: %v", err)
	}
	return a
}

// closeAssessment closes a stored assessment.
func closeAssessment(t *testing.T, s *storage.Store, id int64) {
	t.Helper()
	if _, err := s.SetAssessmentStatus(t.Context(), id, assessment.Closed); err != nil {
		t.Fatalf("close assessment %d: %v", id, err)
	}
}

// sampleResponse is a draft Leadership response with a few answers and reflections.
func sampleResponse(assessmentID int64) *assessment.Response {
	return &assessment.Response{
		AssessmentID: assessmentID,
		Pillar:       pillars.Leadership,
		Language:     "fr",
		Answers: map[string]assessment.Answer{
			"L-01": assessment.Yes,
			"L-02": assessment.No,
			"L-03": assessment.Somewhat,
			"L-04": assessment.Unknown,
		},
		Reflections: map[string]string{
			"L-R1": "Nous avons « un plan », mais pas de budget.\nDeuxième ligne.",
			"L-R2": "Short one",
		},
		Strength:    assessment.Named{Text: "We listen to partners", Theme: "relationships"},
		Opportunity: assessment.Named{Text: "Pay partners on time — 💸", Theme: "resources"},
		Status:      assessment.Draft,
	}
}

// createResponse stores r under a fresh resume token and returns the token's hash.
func createResponse(t *testing.T, s *storage.Store, r *assessment.Response) string {
	t.Helper()
	hash := assessment.HashToken(assessment.NewResumeToken())
	if err := s.CreateResponse(t.Context(), r, hash); err != nil {
		t.Fatalf("CreateResponse: %v", err)
	}
	return hash
}

// mustResponse reads a response back by token hash.
func mustResponse(t *testing.T, s *storage.Store, hash string) *assessment.Response {
	t.Helper()
	r, err := s.ResponseByToken(t.Context(), hash)
	if err != nil {
		t.Fatalf("ResponseByToken: %v", err)
	}
	return r
}

// cloneResponse deep-copies r, so a test can keep what it expects apart from what it
// hands to the store.
func cloneResponse(r *assessment.Response) *assessment.Response {
	c := *r
	c.Answers = maps.Clone(r.Answers)
	c.Reflections = maps.Clone(r.Reflections)
	if r.SubmittedAt != nil {
		at := *r.SubmittedAt
		c.SubmittedAt = &at
	}
	return &c
}

// responseDiff lists how got differs from want, field by field; nil means equal.
// Times are compared with Equal, since the databases return them in their own zone.
// An empty map and a nil map are the same.
func responseDiff(want, got *assessment.Response) []string {
	var d []string
	add := func(field string, w, g any) { d = append(d, fmt.Sprintf("%s = %v, want %v", field, g, w)) }
	if want.ID != got.ID {
		add("ID", want.ID, got.ID)
	}
	if want.AssessmentID != got.AssessmentID {
		add("AssessmentID", want.AssessmentID, got.AssessmentID)
	}
	if want.Pillar != got.Pillar {
		add("Pillar", want.Pillar, got.Pillar)
	}
	if want.Language != got.Language {
		add("Language", want.Language, got.Language)
	}
	if !maps.Equal(want.Answers, got.Answers) {
		add("Answers", want.Answers, got.Answers)
	}
	if !maps.Equal(want.Reflections, got.Reflections) {
		add("Reflections", want.Reflections, got.Reflections)
	}
	if want.Strength != got.Strength {
		add("Strength", want.Strength, got.Strength)
	}
	if want.Opportunity != got.Opportunity {
		add("Opportunity", want.Opportunity, got.Opportunity)
	}
	if want.Status != got.Status {
		add("Status", want.Status, got.Status)
	}
	if !want.CreatedAt.Equal(got.CreatedAt) {
		add("CreatedAt", want.CreatedAt, got.CreatedAt)
	}
	if !want.UpdatedAt.Equal(got.UpdatedAt) {
		add("UpdatedAt", want.UpdatedAt, got.UpdatedAt)
	}
	if !timePtrEqual(want.SubmittedAt, got.SubmittedAt) {
		add("SubmittedAt", fmtTimePtr(want.SubmittedAt), fmtTimePtr(got.SubmittedAt))
	}
	return d
}

// assessmentDiff lists how got differs from want; nil means equal.
func assessmentDiff(want, got *assessment.Assessment) []string {
	var d []string
	add := func(field string, w, g any) { d = append(d, fmt.Sprintf("%s = %v, want %v", field, g, w)) }
	if want.ID != got.ID {
		add("ID", want.ID, got.ID)
	}
	if want.Title != got.Title {
		add("Title", want.Title, got.Title)
	}
	if want.Team != got.Team {
		add("Team", want.Team, got.Team)
	}
	if want.Language != got.Language {
		add("Language", want.Language, got.Language)
	}
	if want.Threshold != got.Threshold {
		add("Threshold", want.Threshold, got.Threshold)
	}
	if want.Status != got.Status {
		add("Status", want.Status, got.Status)
	}
	if want.Code != got.Code {
		add("Code", want.Code, got.Code)
	}
	if want.InstrumentVersion != got.InstrumentVersion {
		add("InstrumentVersion", want.InstrumentVersion, got.InstrumentVersion)
	}
	if want.Round != got.Round {
		add("Round", want.Round, got.Round)
	}
	if (want.PreviousID == nil) != (got.PreviousID == nil) || (want.PreviousID != nil && *want.PreviousID != *got.PreviousID) {
		add("PreviousID", fmtIntPtr(want.PreviousID), fmtIntPtr(got.PreviousID))
	}
	if !want.CreatedAt.Equal(got.CreatedAt) {
		add("CreatedAt", want.CreatedAt, got.CreatedAt)
	}
	if !timePtrEqual(want.ClosedAt, got.ClosedAt) {
		add("ClosedAt", fmtTimePtr(want.ClosedAt), fmtTimePtr(got.ClosedAt))
	}
	return d
}

func timePtrEqual(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func fmtTimePtr(p *time.Time) string {
	if p == nil {
		return "<nil>"
	}
	return p.String()
}

func fmtIntPtr(p *int64) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprint(*p)
}

// countRows counts the rows of table matching where (with args), through the raw handle.
func countRows(t *testing.T, s *storage.Store, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := storage.RawDB(s).WithContext(t.Context()).Table(table).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatalf("count %s where %s: %v", table, where, err)
	}
	return n
}

// assessmentsOf lists assessments, newest first, through ListAssessments (owner nil:
// every one), without their counts.
func assessmentsOf(ctx context.Context, s *storage.Store, owner *int64) ([]assessment.Assessment, error) {
	listed, err := s.ListAssessments(ctx, owner)
	if err != nil {
		return nil, err
	}
	out := make([]assessment.Assessment, len(listed))
	for i, l := range listed {
		out[i] = l.Assessment
	}
	return out, nil
}

// assessmentsOwnedBy lists one facilitator's assessments, newest first.
func assessmentsOwnedBy(ctx context.Context, s *storage.Store, facilitatorID int64) ([]assessment.Assessment, error) {
	return assessmentsOf(ctx, s, &facilitatorID)
}

// releaseAll puts every submitted response of an assessment in its report (a threshold
// of 1), as the first look at the report would.
func releaseAll(t *testing.T, s *storage.Store, assessmentID int64) {
	t.Helper()
	if _, err := s.Release(t.Context(), assessmentID, 1); err != nil {
		t.Fatalf("release: %v", err)
	}
}
