package storage

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type summaryRow struct {
	AssessmentID int64 `gorm:"primaryKey;autoIncrement:false"`
	Token        string
	PublishedAt  time.Time
}

func (summaryRow) TableName() string { return "summaries" }

// Summary is a round's published team summary: the token of its link, and when.
type Summary struct {
	AssessmentID int64
	Token        string
	PublishedAt  time.Time
}

// PublishSummary publishes the team summary of assessment id under token, unless it is
// published already: then it stays as it is (its link unchanged), and that one is
// returned with created false. Two publications at once make one.
func (s *Store) PublishSummary(ctx context.Context, id int64, token string) (sum *Summary, created bool, err error) {
	row := summaryRow{AssessmentID: id, Token: token, PublishedAt: s.db.NowFunc()}
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "assessment_id"}}, DoNothing: true}).Create(&row)
	if res.Error != nil {
		return nil, false, wrap(res.Error, "publish the summary of assessment %d", id)
	}
	got, err := s.SummaryOf(ctx, id)
	if err != nil {
		return nil, false, err
	}
	return got, res.RowsAffected > 0, nil
}

// SummaryOf returns the published summary of assessment id, or assessment.ErrNotFound.
func (s *Store) SummaryOf(ctx context.Context, id int64) (*Summary, error) {
	var row summaryRow
	if err := s.db.WithContext(ctx).Take(&row, "assessment_id = ?", id).Error; err != nil {
		return nil, wrap(notFound(err), "find the summary of assessment %d", id)
	}
	return &Summary{AssessmentID: row.AssessmentID, Token: row.Token, PublishedAt: row.PublishedAt}, nil
}

// SummaryByToken returns the published summary whose link carries token, or
// assessment.ErrNotFound (never published, or unpublished since).
func (s *Store) SummaryByToken(ctx context.Context, token string) (*Summary, error) {
	var row summaryRow
	if err := s.read.WithContext(ctx).Take(&row, "token = ?", token).Error; err != nil {
		return nil, wrap(notFound(err), "find a summary by its link")
	}
	return &Summary{AssessmentID: row.AssessmentID, Token: row.Token, PublishedAt: row.PublishedAt}, nil
}

// UnpublishSummary removes the published summary of assessment id: its link finds
// nothing from then on. It reports whether there was one.
func (s *Store) UnpublishSummary(ctx context.Context, id int64) (bool, error) {
	res := s.db.WithContext(ctx).Delete(&summaryRow{}, "assessment_id = ?", id)
	if res.Error != nil {
		return false, wrap(res.Error, "unpublish the summary of assessment %d", id)
	}
	return res.RowsAffected > 0, nil
}

type summaryTextRow struct {
	AssessmentID int64  `gorm:"primaryKey;autoIncrement:false"`
	Kind         string `gorm:"primaryKey"`
	Text         string `gorm:"primaryKey"`
}

func (summaryTextRow) TableName() string { return "summary_texts" }

// SetSummaryTexts replaces the words quoted in the team summary of assessment id: texts
// by kind (assessment.KindStrength, assessment.KindOpportunity).
func (s *Store) SetSummaryTexts(ctx context.Context, id int64, texts map[string][]string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Delete(&summaryTextRow{}, "assessment_id = ?", id).Error; err != nil {
			return err
		}
		var rows []summaryTextRow
		for kind, list := range texts {
			for _, t := range list {
				rows = append(rows, summaryTextRow{AssessmentID: id, Kind: kind, Text: t})
			}
		}
		if len(rows) == 0 {
			return nil
		}
		return tx.Create(&rows).Error
	})
	return wrap(err, "set the quoted words of assessment %d", id)
}

// SummaryTexts returns the words quoted in the team summary of assessment id, by kind.
func (s *Store) SummaryTexts(ctx context.Context, id int64) (map[string][]string, error) {
	var rows []summaryTextRow
	if err := s.db.WithContext(ctx).Where("assessment_id = ?", id).Order("kind, text").Find(&rows).Error; err != nil {
		return nil, wrap(err, "read the quoted words of assessment %d", id)
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.Kind] = append(out[r.Kind], r.Text)
	}
	return out, nil
}
