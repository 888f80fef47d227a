package survey

import (
	"context"
	"log/slog"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// Units and participation: the settings of an assessment beyond its threshold and
// language (the unit its team belongs to, the headcount expected per pillar, the moment
// the round closes by itself), set when it is opened and changed afterwards, and the
// closing of rounds whose moment has come.

// newSettings checks the unit, expected headcounts and closing moment of a new
// assessment, adding what is wrong to problems, and returns them tidied.
func (s *Service) newSettings(in NewAssessment, problems *assessment.ValidationError) (unit string, expected map[string]int, closesAt *time.Time) {
	scratch := &assessment.Assessment{Status: assessment.Open}
	err := assessment.ApplySettings(scratch, assessment.Settings{
		Unit: &in.Unit, Expected: in.Expected, ExpectedSet: true, ClosesAt: in.ClosesAt, ClosesAtSet: true,
	}, s.catalog.Current(), s.now())
	_ = MergeValidation(problems, err) // the caller reports problems with its own
	return scratch.Unit, scratch.Expected, scratch.ClosesAt
}

// UpdateSettings changes actor's assessment id as ch says (see assessment.ApplySettings):
// its title, team, unit, expected headcounts and closing moment. It takes a
// co-facilitator's access (assessment.ErrForbidden for a viewer) and, like every change
// of an assessment, ifVersion (its If-Match; 0 for whatever version): the change, its
// version moved on and its line in the activity trail are one transaction. problems are
// what reading the request found wrong already; they are reported with the rest, all at
// once. A closing moment changes only while the round takes answers
// (assessment.ErrClosed, decided by the storage statement).
func (s *Service) UpdateSettings(ctx context.Context, actor *assessment.Facilitator, id, ifVersion int64, ch assessment.Settings, problems *assessment.ValidationError) (*assessment.Assessment, error) {
	if problems == nil {
		problems = &assessment.ValidationError{}
	}
	var out *assessment.Assessment
	err := s.store.InTx(ctx, func(tx *storage.Store) error {
		a, err := s.ownedAt(ctx, tx, actor, id, ifVersion, assessment.ChangeAccess)
		if err != nil {
			return err
		}
		round, err := s.round(a)
		if err != nil {
			return err
		}
		next := *a
		applied := assessment.ApplySettings(&next, ch, round.Instrument, s.now())
		if err := MergeValidation(problems, applied); err != nil {
			return err
		}
		if err := tx.UpdateSettings(ctx, &next, !assessment.SameMoment(a.ClosesAt, next.ClosesAt)); err != nil {
			return err
		}
		if out, err = tx.Assessment(ctx, id); err != nil {
			return err
		}
		return audit(ctx, tx, actor, assessment.AuditUpdated, &a.ID, next.Title)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CloseDue closes every open round whose closing moment has come, as of that moment, and
// returns their ids. The server runs it when it starts and every ClosingInterval (see
// StartClosing); answers are refused from the moment itself whether it has run or not.
func (s *Service) CloseDue(ctx context.Context) ([]int64, error) {
	return s.store.CloseDue(ctx)
}

// ClosingInterval is how often a running server closes the rounds whose moment has come.
const ClosingInterval = 5 * time.Second

// StartClosing runs CloseDue at once (a server that was down at a round's moment closes
// it as it starts), then every interval in the background until ctx ends. It logs each
// round it closes and each failure (the next run tries again).
func (s *Service) StartClosing(ctx context.Context, interval time.Duration, log *slog.Logger) {
	if log == nil {
		log = s.log
	}
	closeDue := func() {
		ids, err := s.CloseDue(ctx)
		if err != nil && ctx.Err() == nil {
			log.Error("could not close the rounds due", "error", err.Error())
		}
		for _, id := range ids {
			log.Info("round closed at its closing moment", "assessment", id)
		}
	}
	closeDue()
	go func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				closeDue()
			}
		}
	}()
}

// asOfNow is a as it stands at the service's now: a round whose closing moment has come
// is closed (as of that moment) even before CloseDue has marked it, so that every page
// and answer says what the storage statements already decide. a itself is not changed.
func (s *Service) asOfNow(a *assessment.Assessment) *assessment.Assessment {
	if !a.IsOpen() || a.OpenAt(s.now()) {
		return a
	}
	closed := *a
	closed.Status = assessment.Closed
	closed.ClosedAt = closed.ClosesAt
	return &closed
}
