package survey

import (
	"context"
	"errors"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// The team summary: after the discussion, the facilitator publishes a one-page summary
// that everyone invited reads through a link, without signing in. It shows what the
// report shows, released the same way (withheld groups stay withheld), without any
// respondent's text: the figures, the themes named as strengths and opportunities with
// their counts, what moved since the last round, and the actions agreed with who leads
// them and their status now.

// Summary is a round's published summary.
type Summary = storage.Summary

// PublishSummary publishes the team summary of actor's closed assessment id (a round
// still open: assessment.ErrStillOpen, its figures would still move). Publishing again
// keeps the same link (created false).
func (s *Service) PublishSummary(ctx context.Context, actor *assessment.Facilitator, id int64) (sum *Summary, created bool, err error) {
	err = s.store.InTx(ctx, func(tx *storage.Store) error {
		a, err := s.owned(ctx, tx, actor, id, assessment.ChangeAccess)
		if err != nil {
			return err
		}
		if a.Status != assessment.Closed {
			return assessment.ErrStillOpen
		}
		if sum, created, err = tx.PublishSummary(ctx, a.ID, assessment.NewResumeToken()); err != nil || !created {
			return err
		}
		return audit(ctx, tx, actor, assessment.AuditSummaryPublished, &a.ID, a.Title)
	})
	return sum, created, err
}

// UnpublishSummary takes the team summary of actor's assessment id down: its link finds
// nothing from then on. Publishing it again makes a new link. Nothing published is not
// an error.
func (s *Service) UnpublishSummary(ctx context.Context, actor *assessment.Facilitator, id int64) error {
	return s.store.InTx(ctx, func(tx *storage.Store) error {
		a, err := s.owned(ctx, tx, actor, id, assessment.ChangeAccess)
		if err != nil {
			return err
		}
		removed, err := tx.UnpublishSummary(ctx, a.ID)
		if err != nil || !removed {
			return err
		}
		return audit(ctx, tx, actor, assessment.AuditSummaryUnpublished, &a.ID, a.Title)
	})
}

// SummaryOf returns the published summary of actor's assessment id, nil when none.
func (s *Service) SummaryOf(ctx context.Context, actor *assessment.Facilitator, id int64) (*Summary, error) {
	a, err := s.owned(ctx, s.store, actor, id, assessment.ReadAccess)
	if err != nil {
		return nil, err
	}
	return s.summaryOfRound(ctx, a.ID)
}

func (s *Service) summaryOfRound(ctx context.Context, id int64) (*Summary, error) {
	sum, err := s.store.SummaryOf(ctx, id)
	if errors.Is(err, assessment.ErrNotFound) {
		return nil, nil
	}
	return sum, err
}

// PublishedSummary is what a summary's link shows: the round and its report, as the
// facilitator's report shows it (with the texts left out by the page).
type PublishedSummary struct {
	Summary *Summary
	Round   *Round
	Report  *Report
	// Quoted are the respondents' words the facilitator chose to quote (none unless
	// chosen), among those the report shows.
	Quoted Quoted
}

// ReadSummary returns the published summary behind a link's token, or
// assessment.ErrNotFound (never published, unpublished, or not a token at all).
func (s *Service) ReadSummary(ctx context.Context, token string) (*PublishedSummary, error) {
	if !assessment.LooksLikeResumeToken(token) {
		return nil, assessment.ErrNotFound
	}
	sum, err := s.store.SummaryByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	a, err := s.store.Assessment(ctx, sum.AssessmentID)
	if err != nil {
		return nil, err
	}
	round, err := s.round(a)
	if err != nil {
		return nil, err
	}
	rep, err := s.LoadReport(ctx, round, false)
	if err != nil {
		return nil, err
	}
	q, err := s.quotedNow(ctx, rep)
	if err != nil {
		return nil, err
	}
	return &PublishedSummary{Summary: sum, Round: round, Report: rep, Quoted: q}, nil
}

// RoundSummary returns the published summary of a round reached by its join code or a
// respondent's link, nil when none: the closed round's pages point to it.
func (s *Service) RoundSummary(ctx context.Context, round *Round) (*Summary, error) {
	return s.summaryOfRound(ctx, round.ID)
}

// Quoted is what the team summary quotes: the respondents' words the facilitator chose,
// by kind (assessment.KindStrength, assessment.KindOpportunity).
type Quoted map[string][]string

// quotable lists the words a round's report shows, by kind: only these may be quoted.
func quotable(rep *Report) map[string]map[string]bool {
	out := map[string]map[string]bool{assessment.KindStrength: {}, assessment.KindOpportunity: {}}
	for _, nt := range rep.Strengths {
		for _, t := range nt.Texts {
			out[assessment.KindStrength][t] = true
		}
	}
	for _, nt := range rep.Opportunities {
		for _, t := range nt.Texts {
			out[assessment.KindOpportunity][t] = true
		}
	}
	return out
}

// SummaryChoices returns the report of actor's assessment id (whose named strengths and
// opportunities are what may be quoted) and the words quoted now.
func (s *Service) SummaryChoices(ctx context.Context, actor *assessment.Facilitator, id int64) (*Report, Quoted, error) {
	round, err := s.AssessmentFor(ctx, actor, id, assessment.ChangeAccess)
	if err != nil {
		return nil, nil, err
	}
	rep, err := s.LoadReport(ctx, round, false)
	if err != nil {
		return nil, nil, err
	}
	q, err := s.store.SummaryTexts(ctx, round.ID)
	return rep, Quoted(q), err
}

// QuoteInSummary sets the respondents' words the team summary of actor's assessment id
// quotes. Each must be one the round's report shows as a named strength or opportunity
// (a validation error on "texts" otherwise, and nothing stored): the summary quotes
// nobody the report withholds.
func (s *Service) QuoteInSummary(ctx context.Context, actor *assessment.Facilitator, id int64, q Quoted) error {
	rep, _, err := s.SummaryChoices(ctx, actor, id)
	if err != nil {
		return err
	}
	allowed := quotable(rep)
	for kind, list := range q {
		for _, t := range list {
			if !allowed[kind][t] {
				return &assessment.ValidationError{Fields: map[string]assessment.FieldError{"texts": {Code: assessment.CodeUnknown}}}
			}
		}
	}
	return s.store.InTx(ctx, func(tx *storage.Store) error {
		if err := tx.SetSummaryTexts(ctx, rep.Assessment.ID, q); err != nil {
			return err
		}
		return audit(ctx, tx, actor, assessment.AuditSummaryQuoted, &rep.Assessment.ID, rep.Assessment.Title)
	})
}

// quotedNow is what a summary quotes among the words its report still shows.
func (s *Service) quotedNow(ctx context.Context, rep *Report) (Quoted, error) {
	q, err := s.store.SummaryTexts(ctx, rep.Assessment.ID)
	if err != nil {
		return nil, err
	}
	allowed := quotable(rep)
	out := Quoted{}
	for kind, list := range q {
		for _, t := range list {
			if allowed[kind][t] {
				out[kind] = append(out[kind], t)
			}
		}
	}
	return out, nil
}
