package survey

import (
	"context"
	"errors"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// Paper responses: some people answer on the printed checklist and hand it back; the
// facilitator enters it. A paper response is validated as any other (every bad field at
// once, nothing stored), counts as any other in every figure and under the same
// anonymity rule, and is marked as paper only by a reference of its own: the
// facilitator's list of paper entries and the counts per pillar say how many came on
// paper, never which online ones did not. The facilitator corrects or deletes an entry
// while the round is open and the entry is not in the team report yet.

// PaperEntry is a paper response in the facilitator's list.
type PaperEntry = storage.PaperEntry

// EnterPaper stores a response written on paper in actor's open assessment id: in is a
// ResponseSave without Round and Stored. It returns the entry's reference.
func (s *Service) EnterPaper(ctx context.Context, actor *assessment.Facilitator, id int64, in ResponseSave) (ref string, status assessment.ResponseStatus, err error) {
	err = s.store.InTx(ctx, func(tx *storage.Store) error {
		a, err := s.owned(ctx, tx, actor, id, assessment.ChangeAccess)
		if err != nil {
			return err
		}
		if in.Round, err = s.round(a); err != nil {
			return err
		}
		in.Stored = nil
		if err := prepareSave(in); err != nil {
			return err
		}
		ref = assessment.NewResumeToken()
		// A resume token nobody holds: respondents' links never reach a paper entry.
		if err := tx.CreatePaperResponse(ctx, in.Response, assessment.HashToken(assessment.NewResumeToken()), ref); err != nil {
			return err
		}
		status = in.Response.Status
		return audit(ctx, tx, actor, assessment.AuditPaperEntered, &a.ID, a.Title)
	})
	return ref, status, err
}

// PaperResponse returns the paper entry ref of actor's assessment id with its round,
// for correcting it. It is read only while it can still be corrected: the round open
// (assessment.ErrClosed after) and the entry not in the team report yet
// (assessment.ErrReleased). After that it is one person's whole response, which nobody —
// not the one who typed it, not a co-facilitator or an admin — reads again.
func (s *Service) PaperResponse(ctx context.Context, actor *assessment.Facilitator, id int64, ref string) (*Resumed, error) {
	if !assessment.LooksLikeResumeToken(ref) {
		return nil, assessment.ErrNotFound
	}
	a, err := s.owned(ctx, s.store, actor, id, assessment.ChangeAccess)
	if err != nil {
		return nil, err
	}
	r, err := s.store.PaperResponse(ctx, a.ID, ref)
	if err != nil {
		return nil, err
	}
	switch {
	case !a.OpenAt(s.now()):
		return nil, assessment.ErrClosed
	case r.ReleasedAt != nil:
		return nil, assessment.ErrReleased
	}
	round, err := s.round(a)
	if err != nil {
		return nil, err
	}
	return &Resumed{Response: r, Round: round}, nil
}

// CorrectPaper replaces the content of the paper entry ref of actor's assessment id, by
// the rules of SaveResponse (a submitted entry stays submitted; one in the team report
// no longer changes), against version ifVersion when not 0.
func (s *Service) CorrectPaper(ctx context.Context, actor *assessment.Facilitator, id int64, ref string, in ResponseSave) (assessment.ResponseStatus, int64, error) {
	res, err := s.PaperResponse(ctx, actor, id, ref)
	if err != nil {
		return "", 0, err
	}
	in.Round, in.Stored = res.Round, res.Response
	err = s.store.InTx(ctx, func(tx *storage.Store) error {
		if err := prepareSave(in); err != nil {
			return err
		}
		r := in.Response
		r.ID = res.Response.ID
		if err := tx.UpdateResponseAs(ctx, r, nil, in.IfVersion); err != nil {
			if errors.Is(err, assessment.ErrPillarFixed) {
				return &assessment.ValidationError{Fields: map[string]assessment.FieldError{"pillar": {Code: assessment.CodeFixed}}}
			}
			return err
		}
		return audit(ctx, tx, actor, assessment.AuditPaperCorrected, &res.ID, res.Title)
	})
	if err != nil {
		return "", 0, err
	}
	return in.Response.Status, in.Response.Version, nil
}

// DeletePaper removes the paper entry ref of actor's open assessment id, unless it is in
// the team report already (assessment.ErrReleased).
func (s *Service) DeletePaper(ctx context.Context, actor *assessment.Facilitator, id int64, ref string) error {
	if !assessment.LooksLikeResumeToken(ref) {
		return assessment.ErrNotFound
	}
	return s.store.InTx(ctx, func(tx *storage.Store) error {
		a, err := s.owned(ctx, tx, actor, id, assessment.ChangeAccess)
		if err != nil {
			return err
		}
		if err := tx.DeletePaperResponse(ctx, a.ID, ref); err != nil {
			return err
		}
		return audit(ctx, tx, actor, assessment.AuditPaperDeleted, &a.ID, a.Title)
	})
}

// PaperEntries lists the paper entries of actor's assessment id, most recent first.
func (s *Service) PaperEntries(ctx context.Context, actor *assessment.Facilitator, id int64) ([]PaperEntry, error) {
	a, err := s.owned(ctx, s.store, actor, id, assessment.ChangeAccess)
	if err != nil {
		return nil, err
	}
	return s.store.PaperResponses(ctx, a.ID)
}

// PaperCounts counts a round's submitted paper responses per pillar.
func (s *Service) PaperCounts(ctx context.Context, round *Round) (map[string]int, error) {
	return s.store.PaperCounts(ctx, round.ID)
}
