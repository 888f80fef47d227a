package survey

import (
	"context"
	"errors"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// The action plan the team agrees in its discussion. An action belongs to a round and
// follows its access: an action of a round one may not see is assessment.ErrNotFound,
// and a viewer's change is assessment.ErrForbidden. A round that
// has a next round keeps its plan as it was (assessment.ErrAlreadyReassessed, checked in
// the storage transaction): the open actions were carried over, and the plan continues
// there.

// Actions lists the actions of actor's assessment id, in the order they were recorded.
func (s *Service) Actions(ctx context.Context, actor *assessment.Facilitator, id int64) ([]assessment.Action, error) {
	a, err := s.owned(ctx, s.store, actor, id, assessment.ReadAccess)
	if err != nil {
		return nil, err
	}
	return s.store.Actions(ctx, a.ID)
}

// ActionFilter narrows and pages a round's action list (see ActionsWhere).
type ActionFilter struct {
	Status string // only actions with this status; "" for all
	// After lists only actions recorded after the one with this id (the cursor of the
	// page before); Limit lists at most that many (0: all).
	After int64
	Limit int
}

// ActionsWhere is Actions narrowed and paged by f, in the order they were recorded.
func (s *Service) ActionsWhere(ctx context.Context, actor *assessment.Facilitator, id int64, f ActionFilter) ([]assessment.Action, error) {
	a, err := s.owned(ctx, s.store, actor, id, assessment.ReadAccess)
	if err != nil {
		return nil, err
	}
	return s.store.ActionsWhere(ctx, a.ID, storage.ActionFilter(f))
}

// OwnedAction is an action with the round it belongs to.
type OwnedAction struct {
	Action *assessment.Action
	*Round
}

// Action returns actor's action id with its round.
func (s *Service) Action(ctx context.Context, actor *assessment.Facilitator, id int64) (*OwnedAction, error) {
	return s.ownedAction(ctx, s.store, actor, id, assessment.ReadAccess)
}

// ActionToChange is Action for a page that changes the action (its edit form): actor
// must be able to change the assessment (assessment.ErrForbidden for a viewer).
func (s *Service) ActionToChange(ctx context.Context, actor *assessment.Facilitator, id int64) (*OwnedAction, error) {
	return s.ownedAction(ctx, s.store, actor, id, assessment.ChangeAccess)
}

// RecordAction adds an action to actor's assessment id. The text and lead are needed;
// pillar and theme must be the round's instrument's; due is a YYYY-MM-DD date; status
// defaults to planned. Every bad field is listed at once (*assessment.ValidationError),
// with problems the caller found already.
func (s *Service) RecordAction(ctx context.Context, actor *assessment.Facilitator, id int64, in assessment.ActionInput, problems *assessment.ValidationError) (*assessment.Action, error) {
	var act *assessment.Action
	err := s.store.InTx(ctx, func(tx *storage.Store) error {
		a, err := s.owned(ctx, tx, actor, id, assessment.ChangeAccess)
		if err != nil {
			return err
		}
		round, err := s.round(a)
		if err != nil {
			return err
		}
		act = &assessment.Action{AssessmentID: a.ID}
		if err := checkAction(act, in, round, problems, assessment.Today(s.now())); err != nil {
			return err
		}
		if err := tx.CreateAction(ctx, act); err != nil {
			return err
		}
		return audit(ctx, tx, actor, assessment.AuditActionCreated, &a.ID, act.Text)
	})
	if err != nil {
		return nil, err
	}
	return act, nil
}

// UpdateAction changes actor's action id: the fields in is given, the others kept.
func (s *Service) UpdateAction(ctx context.Context, actor *assessment.Facilitator, id int64, in assessment.ActionInput, problems *assessment.ValidationError) (*OwnedAction, error) {
	return s.UpdateActionIf(ctx, actor, id, in, problems, 0)
}

// UpdateActionIf is UpdateAction only while the action is still at version ifVersion
// (0: any), as a client's If-Match asks: assessment.ErrStale when it changed since, and
// nothing is changed. Checked in the storage statement, so two changes made against one
// version never both land.
func (s *Service) UpdateActionIf(ctx context.Context, actor *assessment.Facilitator, id int64, in assessment.ActionInput, problems *assessment.ValidationError, ifVersion int64) (*OwnedAction, error) {
	var out *OwnedAction
	err := s.store.InTx(ctx, func(tx *storage.Store) error {
		oa, err := s.ownedAction(ctx, tx, actor, id, assessment.ChangeAccess)
		if err != nil {
			return err
		}
		if err := checkAction(oa.Action, in, oa.Round, problems, assessment.Today(s.now())); err != nil {
			return err
		}
		if err := tx.UpdateActionIf(ctx, oa.Action, ifVersion); err != nil {
			return err
		}
		out = oa
		return audit(ctx, tx, actor, assessment.AuditActionUpdated, &oa.ID, oa.Action.Text+" ("+oa.Action.Status+")")
	})
	return out, err
}

// DeleteAction removes actor's action id, if it is still at version ifVersion (a
// client's If-Match; 0: whatever its version), else assessment.ErrStale.
func (s *Service) DeleteAction(ctx context.Context, actor *assessment.Facilitator, id, ifVersion int64) (*OwnedAction, error) {
	var out *OwnedAction
	err := s.store.InTx(ctx, func(tx *storage.Store) error {
		oa, err := s.ownedAction(ctx, tx, actor, id, assessment.ChangeAccess)
		if err != nil {
			return err
		}
		if err := tx.DeleteActionIf(ctx, oa.Action.ID, ifVersion); err != nil {
			return err
		}
		out = oa
		return audit(ctx, tx, actor, assessment.AuditActionDeleted, &oa.ID, oa.Action.Text)
	})
	return out, err
}

func (s *Service) ownedAction(ctx context.Context, tx *storage.Store, actor *assessment.Facilitator, id int64, need assessment.Access) (*OwnedAction, error) {
	if id <= 0 {
		return nil, assessment.ErrNotFound
	}
	act, err := tx.Action(ctx, id)
	if err != nil {
		return nil, err
	}
	a, err := s.owned(ctx, tx, actor, act.AssessmentID, need)
	if err != nil {
		return nil, err
	}
	round, err := s.round(a)
	if err != nil {
		return nil, err
	}
	return &OwnedAction{Action: act, Round: round}, nil
}

// checkAction applies in to act, reporting problems found earlier with the rest. A new
// due date before today is refused (assessment.Today: the service's clock decides).
func checkAction(act *assessment.Action, in assessment.ActionInput, round *Round, problems *assessment.ValidationError, today time.Time) error {
	if problems == nil {
		problems = &assessment.ValidationError{}
	}
	if problems.OrNil() != nil {
		// Check the rest on a copy, to list every bad field at once; act stays as it was.
		scratch := *act
		return MergeValidation(problems, assessment.ApplyAction(&scratch, in, round.Instrument, today))
	}
	return assessment.ApplyAction(act, in, round.Instrument, today)
}

// MarkDiscussed records that the team discussion of actor's assessment id was held. It
// needs at least one action recorded for the round (assessment.ErrNoActions); marking
// again keeps the first time.
func (s *Service) MarkDiscussed(ctx context.Context, actor *assessment.Facilitator, id, ifVersion int64) (*assessment.Assessment, error) {
	var out *assessment.Assessment
	err := s.store.InTx(ctx, func(tx *storage.Store) error {
		a, err := s.ownedAt(ctx, tx, actor, id, ifVersion, assessment.ChangeAccess)
		if err != nil {
			return err
		}
		if out, err = tx.MarkDiscussed(ctx, a.ID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, assessment.AuditDiscussed, &a.ID, a.Title)
	})
	return out, err
}

// Plan is a round's action plan with what the assessment page shows around it.
type Plan struct {
	Actions []assessment.Action
	// OriginRounds maps the round an action was first agreed in (its id) to its number,
	// for actions carried from an earlier round.
	OriginRounds map[int64]int
	// Previous and Next are the team's rounds before and after this one, or nil.
	Previous, Next *assessment.Assessment
}

// Plan loads the action plan of a round and the team's rounds around it.
func (s *Service) Plan(ctx context.Context, round *Round) (*Plan, error) {
	p := &Plan{OriginRounds: map[int64]int{}}
	var err error
	if p.Actions, err = s.store.Actions(ctx, round.ID); err != nil {
		return nil, err
	}
	for _, act := range p.Actions {
		origin := act.OriginAssessmentID
		if act.CarriedFromID == nil || origin == 0 || origin == round.ID {
			continue
		}
		if _, seen := p.OriginRounds[origin]; seen {
			continue
		}
		o, err := s.store.Assessment(ctx, origin)
		switch {
		case err == nil:
			p.OriginRounds[origin] = o.Round
		case !isNotFound(err):
			return nil, err
		}
	}
	if round.PreviousID != nil {
		prev, err := s.store.Assessment(ctx, *round.PreviousID)
		switch {
		case err == nil && prev.SeriesID == round.SeriesID:
			p.Previous = prev
		case err != nil && !isNotFound(err):
			return nil, err
		}
	}
	next, err := s.store.NextRoundOf(ctx, round.ID)
	switch {
	case err == nil && next.SeriesID == round.SeriesID:
		p.Next = next
	case err != nil && !isNotFound(err):
		return nil, err
	}
	return p, nil
}

func isNotFound(err error) bool { return errors.Is(err, assessment.ErrNotFound) }
