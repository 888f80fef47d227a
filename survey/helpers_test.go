package survey_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/internal/testdb"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/survey"
)

// env is the use cases over one fresh database.
type env struct {
	t   *testing.T
	db  testdb.DB
	svc *survey.Service
	in  *pillars.Instrument
}

// eachEnv runs fn per available database (SQLite always, PostgreSQL when configured).
func eachEnv(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	testdb.Each(t, func(t *testing.T, db testdb.DB) { fn(t, newEnv(t, db)) })
}

func newEnv(t *testing.T, db testdb.DB) *env {
	t.Helper()
	catalog, err := pillars.Load()
	if err != nil {
		t.Fatal(err)
	}
	words, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, db: db, svc: survey.New(db.Store, catalog, words, nil), in: catalog.Current()}
}

func (e *env) ctx() context.Context { return e.t.Context() }

// facilitator creates an account (without hashing a real password: sign-in is tested
// on its own).
func (e *env) facilitator(email string) *assessment.Facilitator {
	e.t.Helper()
	f := &assessment.Facilitator{Email: email, Name: "Facilitator " + email, PasswordHash: "x"}
	if err := e.db.Store.CreateFacilitator(e.ctx(), f); err != nil {
		e.t.Fatalf("create facilitator: %v", err)
	}
	return f
}

// round opens an assessment owned by f, with threshold 1 (confirmed) unless given.
func (e *env) round(f *assessment.Facilitator, title string) *survey.Round {
	e.t.Helper()
	a, err := e.svc.CreateAssessment(e.ctx(), f, survey.NewAssessment{Title: title, Team: "Team " + title, Language: "en",
		Threshold: 1, ConfirmLowThreshold: true})
	if err != nil {
		e.t.Fatalf("create assessment: %v", err)
	}
	r, err := e.svc.Assessment(e.ctx(), f, a.ID)
	if err != nil {
		e.t.Fatalf("load assessment: %v", err)
	}
	return r
}

// complete is a complete response of pillar: every item answered with answer, a
// strength and an opportunity.
func (e *env) complete(pillar string, answer assessment.Answer, strength string) *assessment.Response {
	r := &assessment.Response{Pillar: pillar, Language: "en", Answers: map[string]assessment.Answer{}, Reflections: map[string]string{},
		Strength: assessment.Named{Text: strength, Theme: "relationships"}, Opportunity: assessment.Named{Text: "More time", Theme: "resources"}}
	for _, it := range e.in.Pillar(pillar).Items() {
		r.Answers[it.ID] = answer
	}
	return r
}

// partial is a draft with only the first item answered.
func (e *env) partial(pillar string, n int) *assessment.Response {
	r := &assessment.Response{Pillar: pillar, Language: "en", Answers: map[string]assessment.Answer{}, Reflections: map[string]string{},
		Strength: assessment.Named{Text: fmt.Sprintf("draft %d", n)}}
	r.Answers[e.in.Pillar(pillar).Items()[0].ID] = assessment.No
	return r
}

// start saves a new response through the use case and returns its token.
func (e *env) start(round *survey.Round, r *assessment.Response, submit bool) string {
	e.t.Helper()
	saved, err := e.svc.SaveResponse(e.ctx(), survey.ResponseSave{Round: round, Response: r, Submit: submit})
	if err != nil {
		e.t.Fatalf("save response: %v", err)
	}
	return saved.Token
}

// resume loads a response by token.
func (e *env) resume(token string) *survey.Resumed {
	e.t.Helper()
	res, err := e.svc.Resume(e.ctx(), token)
	if err != nil {
		e.t.Fatalf("resume: %v", err)
	}
	return res
}
