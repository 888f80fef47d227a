package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/ecat-project/ecat/assessment"
)

type memberRow struct {
	SeriesID      int64 `gorm:"primaryKey;autoIncrement:false"`
	FacilitatorID int64 `gorm:"primaryKey;autoIncrement:false"`
	Role          string
	AddedAt       time.Time
}

func (memberRow) TableName() string { return "assessment_members" }

// MemberRole is facilitatorID's role on series seriesID ("" when it is not shared with
// them). It reads through the read pool (the transaction's connection inside InTx): on
// SQLite the writer's one connection stays with the respondents' answers.
func (s *Store) MemberRole(ctx context.Context, seriesID, facilitatorID int64) (string, error) {
	var roles []string
	err := s.read.WithContext(ctx).Model(&memberRow{}).
		Where("series_id = ? AND facilitator_id = ?", seriesID, facilitatorID).Limit(1).Pluck("role", &roles).Error
	if err != nil {
		return "", wrap(err, "read a member role")
	}
	if len(roles) == 0 {
		return "", nil
	}
	return roles[0], nil
}

// PutMember shares series seriesID with facilitatorID as role, or sets the role of a
// member already there; created tells which. The insert is an upsert on the primary key,
// so two shares at the same moment leave one row (both may then say created).
func (s *Store) PutMember(ctx context.Context, seriesID, facilitatorID int64, role string) (created bool, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&memberRow{}).Where("series_id = ? AND facilitator_id = ?", seriesID, facilitatorID).
			Update("role", role)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected > 0 {
			return nil
		}
		ins := tx.Exec(`INSERT INTO assessment_members (series_id, facilitator_id, role, added_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (series_id, facilitator_id) DO UPDATE SET role = excluded.role`,
			seriesID, facilitatorID, role, s.db.NowFunc().UTC())
		created = ins.Error == nil
		return ins.Error
	})
	return created, wrap(err, "share series %d", seriesID)
}

// RemoveMember stops sharing series seriesID with facilitatorID; assessment.ErrNotFound
// when it was not shared with them.
func (s *Store) RemoveMember(ctx context.Context, seriesID, facilitatorID int64) error {
	res := s.db.WithContext(ctx).Where("series_id = ? AND facilitator_id = ?", seriesID, facilitatorID).Delete(&memberRow{})
	if res.Error != nil {
		return wrap(res.Error, "stop sharing series %d", seriesID)
	}
	if res.RowsAffected == 0 {
		return assessment.ErrNotFound
	}
	return nil
}

// Members lists who has access to series seriesID: its owner first (ownerID, when there
// is one), then the members by e-mail, each with their account's e-mail and name.
func (s *Store) Members(ctx context.Context, seriesID int64, ownerID *int64) ([]assessment.Member, error) {
	var out []assessment.Member
	if ownerID != nil {
		var owner facilitatorRow
		if err := s.read.WithContext(ctx).Take(&owner, "id = ?", *ownerID).Error; err != nil {
			return nil, wrap(notFound(err), "read the owner of series %d", seriesID)
		}
		out = append(out, assessment.Member{FacilitatorID: owner.ID, Email: owner.Email, Name: owner.Name,
			Role: assessment.MemberOwner, AddedAt: owner.CreatedAt})
	}
	rows, err := s.read.WithContext(ctx).Raw(`SELECT f.id, f.email, f.name, m.role, m.added_at
		FROM assessment_members m JOIN facilitators f ON f.id = m.facilitator_id
		WHERE m.series_id = ? ORDER BY f.email`, seriesID).Rows()
	err = eachRow(ctx, rows, err, func() error {
		var m assessment.Member
		if err := rows.Scan(&m.FacilitatorID, &m.Email, &m.Name, &m.Role, &m.AddedAt); err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	if err != nil {
		return nil, wrap(err, "list the members of series %d", seriesID)
	}
	return out, nil
}

// HandOver gives every round of series seriesID to facilitatorID; their membership, now
// ownership, ends. The former owner keeps no access of their own.
func (s *Store) HandOver(ctx context.Context, seriesID, facilitatorID int64) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&assessmentRow{}).Where("series_id = ?", seriesID).UpdateColumn("facilitator_id", facilitatorID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return assessment.ErrNotFound
		}
		return tx.Where("series_id = ? AND facilitator_id = ?", seriesID, facilitatorID).Delete(&memberRow{}).Error
	})
	s.codes.invalidate()
	return wrap(err, "hand series %d over", seriesID)
}
