package survey

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// The facilitator's assessments: open one, list them with their completion, look at one,
// close, reopen, delete. A facilitator only ever reaches their own: anyone else's id is
// assessment.ErrNotFound, exactly like an id that does not exist, and so is every id for
// a nil actor. The command line, run by whoever runs the server, has its own methods
// (…At): they reach every assessment and record nothing in anyone's activity trail.

// NewAssessment is what a facilitator fills in to open an assessment.
type NewAssessment struct {
	Title, Team, Language string
	Threshold             int
	// ConfirmLowThreshold accepts a threshold below assessment.SafeThreshold.
	ConfirmLowThreshold bool
	// Unit is the program, site or department of the team ("" for none); Expected the
	// headcount expected per pillar (nil for none); ClosesAt the moment the round closes
	// by itself (nil for none). See assessment.ApplySettings.
	Unit     string
	Expected map[string]int
	ClosesAt *time.Time
	// Problems are what reading the request found wrong already (a field given twice).
	Problems *assessment.ValidationError
}

// CreateAssessment opens an assessment owned by actor, on the current instrument.
func (s *Service) CreateAssessment(ctx context.Context, actor *assessment.Facilitator, in NewAssessment) (*assessment.Assessment, error) {
	a, err := s.newAssessment(in)
	if err != nil {
		return nil, err
	}
	return s.createAssessment(ctx, actor, actor, a)
}

// newAssessment checks what was filled in and returns the assessment to store.
func (s *Service) newAssessment(in NewAssessment) (*assessment.Assessment, error) {
	problems := in.Problems
	if problems == nil {
		problems = &assessment.ValidationError{}
	}
	a, err := assessment.NewAssessment(in.Title, in.Team, in.Language, in.Threshold, in.ConfirmLowThreshold, s.catalog.Current().Version)
	unit, expected, closesAt := s.newSettings(in, problems)
	if err := MergeValidation(problems, err); err != nil {
		return nil, err
	}
	a.Unit, a.Expected, a.ClosesAt = unit, expected, closesAt
	return a, nil
}

func (s *Service) createAssessment(ctx context.Context, actor, owner *assessment.Facilitator, a *assessment.Assessment) (*assessment.Assessment, error) {
	if owner != nil {
		a.FacilitatorID = &owner.ID
	}
	err := s.store.InTx(ctx, func(tx *storage.Store) error {
		if err := tx.CreateAssessment(ctx, a); err != nil {
			return err
		}
		return audit(ctx, tx, actor, assessment.AuditCreate, &a.ID, a.Title)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// ErrOwnerNeeded: at the command line, an assessment must name the facilitator it
// belongs to once any account exists.
var ErrOwnerNeeded = errors.New("survey: the assessment needs an owner")

// CreateAssessmentAt opens an assessment at the command line, for the facilitator whose
// e-mail is ownerEmail. Before any account exists it may have no owner (the first
// account adopts it); after, an owner is needed (ErrOwnerNeeded), and an unknown e-mail
// is assessment.ErrNotFound.
func (s *Service) CreateAssessmentAt(ctx context.Context, ownerEmail string, in NewAssessment) (*assessment.Assessment, error) {
	a, err := s.newAssessment(in)
	if err != nil {
		return nil, err
	}
	var owner *assessment.Facilitator
	if ownerEmail == "" {
		n, err := s.store.CountFacilitators(ctx)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			return nil, ErrOwnerNeeded
		}
	} else {
		f, err := s.store.FacilitatorByEmail(ctx, ownerEmail)
		if err != nil {
			return nil, err
		}
		owner = f
	}
	return s.createAssessment(ctx, nil, owner, a)
}

// Assessment returns assessment id with its instrument, when actor may read it.
func (s *Service) Assessment(ctx context.Context, actor *assessment.Facilitator, id int64) (*Round, error) {
	return s.AssessmentFor(ctx, actor, id, assessment.ReadAccess)
}

// AssessmentFor returns assessment id with its instrument when actor's access to it is
// at least need (assessment.ErrForbidden when actor may only see it).
func (s *Service) AssessmentFor(ctx context.Context, actor *assessment.Facilitator, id int64, need assessment.Access) (*Round, error) {
	a, err := s.owned(ctx, s.store, actor, id, need)
	if err != nil {
		return nil, err
	}
	return s.round(a)
}

// AssessmentAt returns assessment id for the command line, whoever owns it.
func (s *Service) AssessmentAt(ctx context.Context, id int64) (*Round, error) {
	a, err := s.store.Assessment(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.round(a)
}

// Assessments lists actor's assessments, newest first, each with its responses counted
// per pillar (one query, however many there are).
func (s *Service) Assessments(ctx context.Context, actor *assessment.Facilitator) ([]assessment.Listed, error) {
	if actor == nil {
		return nil, nil
	}
	return s.store.ListAssessments(ctx, listedFor(actor))
}

// listedFor is whose list actor sees: an admin every assessment (nil), anyone else the
// ones they own or that are shared with them.
func listedFor(actor *assessment.Facilitator) *int64 {
	if actor.IsAdmin() {
		return nil
	}
	return &actor.ID
}

// ListFilter narrows and pages a facilitator's list of assessments. Zero fields filter
// nothing.
type ListFilter struct {
	Status assessment.Status // open or closed
	Team   string            // exactly this team
	Round  int               // this round number
	Unit   *string           // exactly this unit ("" for teams with none)
	// Before lists only assessments older than the one with this id (the cursor of the
	// page before); Limit lists at most that many (0: all).
	Before int64
	Limit  int
}

// AssessmentsWhere is Assessments narrowed and paged by f, newest first.
func (s *Service) AssessmentsWhere(ctx context.Context, actor *assessment.Facilitator, f ListFilter) ([]assessment.Listed, error) {
	if actor == nil {
		return nil, nil
	}
	return s.store.ListAssessmentsWhere(ctx, listedFor(actor), storage.ListFilter(f))
}

// AssessmentsAt lists every assessment for the command line, as Assessments does.
func (s *Service) AssessmentsAt(ctx context.Context) ([]assessment.Listed, error) {
	return s.store.ListAssessments(ctx, nil)
}

// Completion counts a round's responses per pillar and status.
func (s *Service) Completion(ctx context.Context, round *Round) (map[string]assessment.PillarCounts, error) {
	return s.store.ResponseCounts(ctx, round.ID)
}

// Every change of an assessment's state (closing, reopening, the discussion held, the
// next round, deleting) takes ifVersion, the version of the assessment the client read
// (its If-Match; 0 for whatever version): the change is made only if the assessment is
// still at that version, else assessment.ErrStale and nothing changes. Every change moves
// the version on (storage.TouchAssessment, in the change's own transaction).

// Close closes actor's assessment id: it takes no more responses or changes, and its
// report is final until it is reopened.
func (s *Service) Close(ctx context.Context, actor *assessment.Facilitator, id, ifVersion int64) (*assessment.Assessment, error) {
	return s.setStatus(ctx, actor, id, ifVersion, assessment.Closed, assessment.AuditClose)
}

// Reopen opens actor's closed assessment id again. A round that has a next round stays
// closed (assessment.ErrAlreadyReassessed): its plan continues in the next round.
func (s *Service) Reopen(ctx context.Context, actor *assessment.Facilitator, id, ifVersion int64) (*assessment.Assessment, error) {
	return s.setStatus(ctx, actor, id, ifVersion, assessment.Open, assessment.AuditReopen)
}

// CloseAt closes assessment id for the command line.
func (s *Service) CloseAt(ctx context.Context, id int64) (*assessment.Assessment, error) {
	return s.statusAt(ctx, id, assessment.Closed)
}

// ReopenAt reopens assessment id for the command line.
func (s *Service) ReopenAt(ctx context.Context, id int64) (*assessment.Assessment, error) {
	return s.statusAt(ctx, id, assessment.Open)
}

func (s *Service) statusAt(ctx context.Context, id int64, status assessment.Status) (*assessment.Assessment, error) {
	var out *assessment.Assessment
	err := s.store.InTx(ctx, func(tx *storage.Store) error {
		if err := tx.TouchAssessment(ctx, id, 0); err != nil {
			return err
		}
		var err error
		out, err = tx.SetAssessmentStatus(ctx, id, status)
		return err
	})
	return out, err
}

// ownedAt is owned for a change of the assessment's state: it also moves the
// assessment's version on, when it is still ifVersion (see TouchAssessment).
func (s *Service) ownedAt(ctx context.Context, tx *storage.Store, actor *assessment.Facilitator, id, ifVersion int64, need assessment.Access) (*assessment.Assessment, error) {
	a, err := s.owned(ctx, tx, actor, id, need)
	if err != nil {
		return nil, err
	}
	if err := tx.TouchAssessment(ctx, a.ID, ifVersion); err != nil {
		return nil, err
	}
	// Read again now that the change holds the row (on PostgreSQL the touch locks it
	// until the transaction ends): what was read before may have changed in between, and
	// a change made from it would write an old state back (a reopening's cleared closing
	// moment, say).
	return tx.Assessment(ctx, a.ID)
}

func (s *Service) setStatus(ctx context.Context, actor *assessment.Facilitator, id, ifVersion int64, status assessment.Status, action string) (*assessment.Assessment, error) {
	var out *assessment.Assessment
	err := s.store.InTx(ctx, func(tx *storage.Store) error {
		if _, err := s.ownedAt(ctx, tx, actor, id, ifVersion, assessment.ChangeAccess); err != nil {
			return err
		}
		a, err := tx.SetAssessmentStatus(ctx, id, status)
		if err != nil {
			return err
		}
		out = a
		return audit(ctx, tx, actor, action, &a.ID, a.Title)
	})
	return out, err
}

// Delete removes actor's assessment id with every response and action of it. The
// activity trail keeps a line naming it.
func (s *Service) Delete(ctx context.Context, actor *assessment.Facilitator, id, ifVersion int64) error {
	return s.store.InTx(ctx, func(tx *storage.Store) error {
		a, err := s.ownedAt(ctx, tx, actor, id, ifVersion, assessment.ManageAccess)
		if err != nil {
			return err
		}
		if err := tx.DeleteAssessment(ctx, a.ID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, assessment.AuditDelete, nil, a.Title+" ("+a.Team+")")
	})
}

// Reassess opens the next round of actor's closed assessment id: a new join code, the
// same settings, the current instrument, and the actions still planned or in progress
// carried over. The round must be closed (assessment.ErrStillOpen) and not reassessed
// already (assessment.ErrAlreadyReassessed), both checked in the storage transaction.
func (s *Service) Reassess(ctx context.Context, actor *assessment.Facilitator, id, ifVersion int64) (*assessment.Assessment, error) {
	var next *assessment.Assessment
	err := s.store.InTx(ctx, func(tx *storage.Store) error {
		a, err := s.ownedAt(ctx, tx, actor, id, ifVersion, assessment.ChangeAccess)
		if err != nil {
			return err
		}
		next = assessment.NextRound(a, s.catalog.Current().Version)
		if err := tx.Reassess(ctx, a.ID, next); err != nil {
			return err
		}
		return audit(ctx, tx, actor, assessment.AuditReassess, &next.ID, next.Title+" ("+strconv.Itoa(next.Round)+")")
	})
	if err != nil {
		return nil, err
	}
	return next, nil
}

// NewJoinCode gives actor's open assessment id a new join code, against version ifVersion
// when not 0: the old code and link stop working (for a code that went further than the
// team, or a co-facilitator whose access was removed), and the responses already started
// go on through their own links. A closed round is assessment.ErrClosed.
func (s *Service) NewJoinCode(ctx context.Context, actor *assessment.Facilitator, id, ifVersion int64) (*assessment.Assessment, error) {
	var out *assessment.Assessment
	err := s.store.InTx(ctx, func(tx *storage.Store) error {
		a, err := s.ownedAt(ctx, tx, actor, id, ifVersion, assessment.ChangeAccess)
		if err != nil {
			return err
		}
		if err := tx.SetJoinCode(ctx, a.ID, assessment.NewJoinCode()); err != nil {
			return err
		}
		if out, err = tx.Assessment(ctx, a.ID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, assessment.AuditNewJoinCode, &a.ID, a.Title)
	})
	return out, err
}
