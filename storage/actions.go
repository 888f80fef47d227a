package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/ecat-project/ecat/assessment"
)

type actionRow struct {
	ID                 int64 `gorm:"primaryKey"`
	AssessmentID       int64
	OriginAssessmentID *int64
	CarriedFromID      *int64
	Text               string
	Pillar             string
	Theme              string
	Lead               string
	Support            string
	Due                string
	Status             string
	CreatedAt          time.Time
	UpdatedAt          time.Time
	Version            int64
}

func (actionRow) TableName() string { return "actions" }

func (r *actionRow) toDomain() assessment.Action {
	a := assessment.Action{
		ID: r.ID, AssessmentID: r.AssessmentID, CarriedFromID: r.CarriedFromID,
		Text: r.Text, Pillar: r.Pillar, Theme: r.Theme, Lead: r.Lead, Support: r.Support,
		Status: r.Status, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version,
	}
	if r.OriginAssessmentID != nil {
		a.OriginAssessmentID = *r.OriginAssessmentID
	}
	if r.Due != "" {
		if d, err := time.Parse(assessment.ActionDateLayout, r.Due); err == nil {
			a.Due = &d
		}
	}
	return a
}

func actionToRow(a *assessment.Action) actionRow {
	row := actionRow{
		ID: a.ID, AssessmentID: a.AssessmentID, CarriedFromID: a.CarriedFromID,
		Text: a.Text, Pillar: a.Pillar, Theme: a.Theme, Lead: a.Lead, Support: a.Support,
		Due: a.DueString(), Status: a.Status, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		Version: max(a.Version, 1),
	}
	if a.OriginAssessmentID != 0 {
		origin := a.OriginAssessmentID
		row.OriginAssessmentID = &origin
	}
	return row
}

// CreateAction stores a new action of a round and sets its ID and times. A new action's
// origin is the round it is created in.
func (s *Store) CreateAction(ctx context.Context, a *assessment.Action) error {
	if a.OriginAssessmentID == 0 {
		a.OriginAssessmentID = a.AssessmentID
	}
	row := actionToRow(a)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := notReassessed(tx, a.AssessmentID); err != nil {
			return err
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return wrap(err, "create an action of assessment %d", a.AssessmentID)
	}
	a.ID, a.CreatedAt, a.UpdatedAt, a.Version = row.ID, row.CreatedAt, row.UpdatedAt, row.Version
	return nil
}

// planOpen fails with assessment.ErrAlreadyReassessed when the action's round has a next
// round: its plan then continues there (the open actions were carried over), so the
// round's own plan is kept as it was, and the next round's comparison stays true.
func planOpen(tx *gorm.DB, actionID int64) error {
	var row actionRow
	if err := tx.Select("assessment_id").Take(&row, "id = ?", actionID).Error; err != nil {
		return notFound(err)
	}
	return notReassessed(tx, row.AssessmentID)
}

// Action returns the action with id, or assessment.ErrNotFound.
func (s *Store) Action(ctx context.Context, id int64) (*assessment.Action, error) {
	var row actionRow
	if err := s.read.WithContext(ctx).Take(&row, "id = ?", id).Error; err != nil {
		return nil, wrap(notFound(err), "read action %d", id)
	}
	a := row.toDomain()
	return &a, nil
}

// Actions lists a round's actions in the order they were recorded.
func (s *Store) Actions(ctx context.Context, assessmentID int64) ([]assessment.Action, error) {
	return s.ActionsWhere(ctx, assessmentID, ActionFilter{})
}

// ActionFilter narrows and pages a round's action list.
type ActionFilter struct {
	Status string // only actions with this status; "" for all
	// After lists only actions recorded after the one with this id (the cursor of the
	// page before); Limit lists at most that many (0: all).
	After int64
	Limit int
}

// ActionsWhere is Actions narrowed and paged by f, in the order they were recorded.
func (s *Store) ActionsWhere(ctx context.Context, assessmentID int64, f ActionFilter) ([]assessment.Action, error) {
	var rows []actionRow
	q := s.read.WithContext(ctx).Where("assessment_id = ?", assessmentID)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.After > 0 {
		q = q.Where("id > ?", f.After)
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, wrap(err, "list the actions of assessment %d", assessmentID)
	}
	out := make([]assessment.Action, len(rows))
	for i := range rows {
		out[i] = rows[i].toDomain()
	}
	return out, nil
}

// UpdateAction writes an action's fields (not its round or origin) and sets UpdatedAt.
// Actions of a round that has a next round are kept as they were
// (assessment.ErrAlreadyReassessed), and so are they by CreateAction and DeleteAction.
func (s *Store) UpdateAction(ctx context.Context, a *assessment.Action) error {
	return s.UpdateActionIf(ctx, a, 0)
}

// UpdateActionIf is UpdateAction when the stored action is still at version ifVersion
// (0: whatever its version), decided in the UPDATE statement itself: of two changes made
// against one version, one is stored and the other gets assessment.ErrStale. Every
// change moves the version on; a.Version is set to the new one.
func (s *Store) UpdateActionIf(ctx context.Context, a *assessment.Action, ifVersion int64) error {
	now := s.db.NowFunc()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := planOpen(tx, a.ID); err != nil {
			return err
		}
		q := tx.Model(&actionRow{}).Where("id = ?", a.ID)
		if ifVersion > 0 {
			q = q.Where("version = ?", ifVersion)
		}
		res := q.Updates(map[string]any{
			"text": a.Text, "pillar": a.Pillar, "theme": a.Theme, "lead": a.Lead, "support": a.Support,
			"due": a.DueString(), "status": a.Status, "updated_at": now, "version": gorm.Expr("version + 1"),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			if ifVersion > 0 {
				return assessment.ErrStale
			}
			return assessment.ErrNotFound
		}
		return tx.Model(&actionRow{}).Select("version").Where("id = ?", a.ID).Scan(&a.Version).Error
	})
	if err != nil {
		return wrap(err, "update action %d", a.ID)
	}
	a.UpdatedAt = now
	return nil
}

// DeleteAction removes an action (assessment.ErrAlreadyReassessed once its round has a
// next round).
func (s *Store) DeleteAction(ctx context.Context, id int64) error {
	return s.DeleteActionIf(ctx, id, 0)
}

// DeleteActionIf is DeleteAction while the action is still at version ifVersion (0:
// whatever its version), decided in the DELETE statement: assessment.ErrStale when it
// changed since, and it stays.
func (s *Store) DeleteActionIf(ctx context.Context, id, ifVersion int64) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := planOpen(tx, id); err != nil {
			return err
		}
		q := tx.Where("id = ?", id)
		if ifVersion > 0 {
			q = q.Where("version = ?", ifVersion)
		}
		res := q.Delete(&actionRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 && ifVersion > 0 {
			var n int64
			if err := tx.Model(&actionRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return assessment.ErrStale
			}
		}
		return nil
	})
	return wrap(err, "delete action %d", id)
}

// ActionsAgreedIn lists the actions agreed in a round as they stand now: an action that
// was carried into the next round shows the status (and due date) of that later copy,
// since that is where the team kept it up to date.
func (s *Store) ActionsAgreedIn(ctx context.Context, assessmentID int64) ([]assessment.Action, error) {
	list, err := s.Actions(ctx, assessmentID)
	if err != nil || len(list) == 0 {
		return list, err
	}
	ids := make([]int64, len(list))
	for i := range list {
		ids[i] = list[i].ID
	}
	var copies []actionRow
	if err := s.read.WithContext(ctx).Where("carried_from_id IN ?", ids).Order("id").Find(&copies).Error; err != nil {
		return nil, wrap(err, "read the carried copies of the actions of assessment %d", assessmentID)
	}
	latest := map[int64]actionRow{}
	for _, c := range copies {
		latest[*c.CarriedFromID] = c
	}
	for i := range list {
		if c, ok := latest[list[i].ID]; ok {
			d := c.toDomain()
			list[i].Status, list[i].Due, list[i].UpdatedAt = d.Status, d.Due, d.UpdatedAt
		}
	}
	return list, nil
}

// Reassess opens the team's next round after prev, which must be closed and not yet
// reassessed: next (from assessment.NextRound) is stored and the open actions of prev
// are carried into it, linked to the action and the round they came from. It all
// happens in one transaction; a concurrent second reassessment of the same round fails
// with assessment.ErrAlreadyReassessed (a unique index on previous_id backs this).
func (s *Store) Reassess(ctx context.Context, prevID int64, next *assessment.Assessment) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var prev assessmentRow
		if err := tx.Take(&prev, "id = ?", prevID).Error; err != nil {
			return notFound(err)
		}
		if prev.Status != string(assessment.Closed) {
			return assessment.ErrStillOpen
		}
		var n int64
		if err := tx.Model(&assessmentRow{}).Where("previous_id = ?", prevID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return assessment.ErrAlreadyReassessed
		}
		next.PreviousID, next.SeriesID = &prevID, prev.series()
		row := newAssessmentRow(next)
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		next.ID, next.CreatedAt, next.Version = row.ID, row.CreatedAt, 1
		var open []actionRow
		if err := tx.Where("assessment_id = ? AND status IN ?", prevID,
			[]string{assessment.ActionPlanned, assessment.ActionInProgress}).Order("id").Find(&open).Error; err != nil {
			return err
		}
		for _, a := range open {
			from := a.ID
			carried := a
			carried.ID = 0
			carried.AssessmentID = row.ID
			carried.CarriedFromID = &from
			if carried.OriginAssessmentID == nil {
				origin := prevID
				carried.OriginAssessmentID = &origin
			}
			carried.CreatedAt, carried.UpdatedAt, carried.Version = time.Time{}, time.Time{}, 1
			if err := tx.Create(&carried).Error; err != nil {
				return fmt.Errorf("carry action %d: %w", from, err)
			}
		}
		return nil
	})
	if err != nil && isUniqueViolation(err) {
		// Another reassessment of the same round committed first (the join code, the
		// only other unique column, has 80 random bits).
		return assessment.ErrAlreadyReassessed
	}
	return wrap(err, "reassess assessment %d", prevID)
}

// NextRoundOf returns the round opened after id, or assessment.ErrNotFound.
func (s *Store) NextRoundOf(ctx context.Context, id int64) (*assessment.Assessment, error) {
	var row assessmentRow
	if err := s.read.WithContext(ctx).Take(&row, "previous_id = ?", id).Error; err != nil {
		return nil, wrap(notFound(err), "find the round after assessment %d", id)
	}
	return row.toDomain(), nil
}

// maxRounds bounds the walk along a team's rounds.
const maxRounds = 200

// Rounds lists the rounds of a's team up to and including a, oldest first, following
// the links back from each round to the one before.
func (s *Store) Rounds(ctx context.Context, a *assessment.Assessment) ([]assessment.Assessment, error) {
	out := []assessment.Assessment{*a}
	for cur := a; cur.PreviousID != nil && len(out) < maxRounds; {
		prev, err := s.Assessment(ctx, *cur.PreviousID)
		if errors.Is(err, assessment.ErrNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *prev)
		cur = prev
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// MarkDiscussed records that the round's team discussion was held. It needs at least
// one action recorded for the round (assessment.ErrNoActions otherwise). Marking again
// keeps the first time.
func (s *Store) MarkDiscussed(ctx context.Context, id int64) (*assessment.Assessment, error) {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&actionRow{}).Where("assessment_id = ?", id).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return assessment.ErrNoActions
		}
		res := tx.Model(&assessmentRow{}).Where("id = ? AND discussed_at IS NULL", id).
			Update("discussed_at", s.db.NowFunc())
		return res.Error
	})
	s.codes.invalidate()
	if err != nil {
		return nil, wrap(err, "mark assessment %d discussed", id)
	}
	return s.Assessment(ctx, id)
}
