package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/ecat-project/ecat/assessment"
)

// Paper responses: answers written on the printed checklist and entered by the
// facilitator. They count like any other response; each carries a reference of its own
// (responses.paper_ref) by which the facilitator reaches it again, and nothing else says
// which responses came on paper.

// CreatePaperResponse stores r, entered from paper, under the reference ref (and a
// resume token hash nobody holds), in one transaction: the response and its mark are
// stored together or not at all. The assessment must be open (assessment.ErrClosed).
func (s *Store) CreatePaperResponse(ctx context.Context, r *assessment.Response, tokenHash, ref string) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.CreateResponseOnce(ctx, r, tokenHash, 0, nil); err != nil {
			return err
		}
		return tx.db.WithContext(ctx).Model(&responseRow{}).Where("id = ?", r.ID).UpdateColumn("paper_ref", ref).Error
	})
}

// PaperResponse returns the paper response ref of assessment id with its answers and
// reflections, or assessment.ErrNotFound.
func (s *Store) PaperResponse(ctx context.Context, assessmentID int64, ref string) (*assessment.Response, error) {
	var row responseRow
	if err := s.db.WithContext(ctx).Select("token_hash").Take(&row, "assessment_id = ? AND paper_ref = ?", assessmentID, ref).Error; err != nil {
		return nil, wrap(notFound(err), "find a paper response of assessment %d", assessmentID)
	}
	return s.ResponseByToken(ctx, row.TokenHash)
}

// DeletePaperResponse removes the paper response ref of assessment id while the
// assessment is open (assessment.ErrClosed) and the response is not in the team report
// yet (assessment.ErrReleased): the report's figures change only by whole groups.
func (s *Store) DeletePaperResponse(ctx context.Context, assessmentID int64, ref string) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := s.lockOpenAssessment(tx, assessmentID, s.db.NowFunc()); err != nil {
			return err
		}
		var row responseRow
		if err := tx.Select("id", "released_at").Take(&row, "assessment_id = ? AND paper_ref = ?", assessmentID, ref).Error; err != nil {
			return notFound(err)
		}
		if row.ReleasedAt != nil {
			return assessment.ErrReleased
		}
		return tx.Delete(&responseRow{}, "id = ? AND released_at IS NULL", row.ID).Error
	})
	return wrap(err, "delete a paper response of assessment %d", assessmentID)
}

// PaperEntry is one paper response as the facilitator's list shows it.
type PaperEntry struct {
	Ref       string
	Pillar    string
	Status    assessment.ResponseStatus
	UpdatedAt time.Time
	Released  bool
}

// PaperResponses lists the paper responses of assessment id, most recently changed
// first.
func (s *Store) PaperResponses(ctx context.Context, assessmentID int64) ([]PaperEntry, error) {
	var rows []struct {
		PaperRef   string
		Pillar     string
		Status     string
		UpdatedAt  time.Time
		ReleasedAt *time.Time
	}
	err := s.read.WithContext(ctx).Model(&responseRow{}).Select("paper_ref, pillar, status, updated_at, released_at").
		Where("assessment_id = ? AND paper_ref IS NOT NULL", assessmentID).Order("updated_at DESC, id DESC").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "list the paper responses of assessment %d", assessmentID)
	}
	out := make([]PaperEntry, len(rows))
	for i, r := range rows {
		out[i] = PaperEntry{Ref: r.PaperRef, Pillar: r.Pillar, Status: assessment.ResponseStatus(r.Status), UpdatedAt: r.UpdatedAt, Released: r.ReleasedAt != nil}
	}
	return out, nil
}

// PaperCounts counts, per pillar, the submitted responses of assessment id entered from
// paper.
func (s *Store) PaperCounts(ctx context.Context, assessmentID int64) (map[string]int, error) {
	var rows []struct {
		Pillar string
		N      int
	}
	err := s.read.WithContext(ctx).Model(&responseRow{}).Select("pillar, COUNT(*) AS n").
		Where("assessment_id = ? AND paper_ref IS NOT NULL AND status = ?", assessmentID, string(assessment.Submitted)).
		Group("pillar").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "count the paper responses of assessment %d", assessmentID)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Pillar] = r.N
	}
	return out, nil
}
