package storage

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/ecat-project/ecat/assessment"
)

type assessmentRow struct {
	ID                int64 `gorm:"primaryKey"`
	Title             string
	Team              string
	Language          string
	Threshold         int
	Status            string
	Code              string
	InstrumentVersion string
	Round             int
	PreviousID        *int64
	FacilitatorID     *int64
	CreatedAt         time.Time
	ClosedAt          *time.Time
	DiscussedAt       *time.Time
}

func (assessmentRow) TableName() string { return "assessments" }

func (r *assessmentRow) toDomain() *assessment.Assessment {
	return &assessment.Assessment{
		ID:                r.ID,
		Title:             r.Title,
		Team:              r.Team,
		Language:          r.Language,
		Threshold:         r.Threshold,
		Status:            assessment.Status(r.Status),
		Code:              r.Code,
		InstrumentVersion: r.InstrumentVersion,
		Round:             r.Round,
		PreviousID:        r.PreviousID,
		FacilitatorID:     r.FacilitatorID,
		CreatedAt:         r.CreatedAt,
		ClosedAt:          r.ClosedAt,
		DiscussedAt:       r.DiscussedAt,
	}
}

// CreateAssessment stores a new assessment and sets its ID and CreatedAt.
func (s *Store) CreateAssessment(ctx context.Context, a *assessment.Assessment) error {
	row := assessmentRow{
		Title:             a.Title,
		Team:              a.Team,
		Language:          a.Language,
		Threshold:         a.Threshold,
		Status:            string(a.Status),
		Code:              a.Code,
		InstrumentVersion: a.InstrumentVersion,
		Round:             a.Round,
		PreviousID:        a.PreviousID,
		FacilitatorID:     a.FacilitatorID,
	}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return err
	}
	a.ID, a.CreatedAt = row.ID, row.CreatedAt
	return nil
}

// Assessment returns the assessment with id, or assessment.ErrNotFound.
func (s *Store) Assessment(ctx context.Context, id int64) (*assessment.Assessment, error) {
	var row assessmentRow
	if err := s.db.WithContext(ctx).Take(&row, "id = ?", id).Error; err != nil {
		return nil, notFound(err)
	}
	return row.toDomain(), nil
}

// AssessmentByCode returns the assessment with a join code, or assessment.ErrNotFound.
func (s *Store) AssessmentByCode(ctx context.Context, code string) (*assessment.Assessment, error) {
	var row assessmentRow
	if err := s.db.WithContext(ctx).Take(&row, "code = ?", code).Error; err != nil {
		return nil, notFound(err)
	}
	return row.toDomain(), nil
}

// Assessments lists every assessment, newest first.
func (s *Store) Assessments(ctx context.Context) ([]assessment.Assessment, error) {
	return s.listAssessments(s.db.WithContext(ctx))
}

// AssessmentsOf lists one facilitator's assessments, newest first.
func (s *Store) AssessmentsOf(ctx context.Context, facilitatorID int64) ([]assessment.Assessment, error) {
	return s.listAssessments(s.db.WithContext(ctx).Where("facilitator_id = ?", facilitatorID))
}

// DeleteAssessment removes an assessment with all its responses.
func (s *Store) DeleteAssessment(ctx context.Context, id int64) error {
	res := s.db.WithContext(ctx).Delete(&assessmentRow{}, "id = ?", id)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return assessment.ErrNotFound
	}
	return nil
}

func (s *Store) listAssessments(q *gorm.DB) ([]assessment.Assessment, error) {
	var rows []assessmentRow
	if err := q.Order("id DESC").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]assessment.Assessment, len(rows))
	for i := range rows {
		out[i] = *rows[i].toDomain()
	}
	return out, nil
}

// SetAssessmentStatus opens or closes an assessment. Closing records when. A round that
// has a next round cannot be reopened (assessment.ErrAlreadyReassessed): the team would
// have two open rounds, and the next round's comparison a moving target.
func (s *Store) SetAssessmentStatus(ctx context.Context, id int64, status assessment.Status) (*assessment.Assessment, error) {
	var closedAt *time.Time
	if status == assessment.Closed {
		now := s.db.NowFunc()
		closedAt = &now
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if status == assessment.Open {
			if err := notReassessed(tx, id); err != nil {
				return err
			}
		}
		res := tx.Model(&assessmentRow{}).Where("id = ?", id).
			Updates(map[string]any{"status": string(status), "closed_at": closedAt})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return assessment.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Assessment(ctx, id)
}

// notReassessed fails with assessment.ErrAlreadyReassessed when the round has a next one.
func notReassessed(tx *gorm.DB, id int64) error {
	var n int64
	if err := tx.Model(&assessmentRow{}).Where("previous_id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return assessment.ErrAlreadyReassessed
	}
	return nil
}

// PillarCounts is how many responses of each status a pillar has.
type PillarCounts struct {
	Submitted int
	Drafts    int
}

// ResponseCounts returns, per pillar key, the submitted and draft responses of an
// assessment, counted in the database.
func (s *Store) ResponseCounts(ctx context.Context, assessmentID int64) (map[string]PillarCounts, error) {
	var rows []struct {
		Pillar string
		Status string
		N      int
	}
	err := s.db.WithContext(ctx).Model(&responseRow{}).
		Select("pillar, status, COUNT(*) AS n").
		Where("assessment_id = ?", assessmentID).
		Group("pillar, status").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := map[string]PillarCounts{}
	for _, r := range rows {
		c := out[r.Pillar]
		switch assessment.ResponseStatus(r.Status) {
		case assessment.Submitted:
			c.Submitted += r.N
		case assessment.Draft:
			c.Drafts += r.N
		}
		out[r.Pillar] = c
	}
	return out, nil
}

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return assessment.ErrNotFound
	}
	return err
}
