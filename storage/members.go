package storage

import (
	"context"
	"errors"
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
		res := tx.Exec(`UPDATE assessment_members SET role = ? WHERE series_id = ? AND facilitator_id IN (`+s.activeAccount()+`)`,
			role, seriesID, facilitatorID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected > 0 {
			return nil
		}
		ins := tx.Exec(`INSERT INTO assessment_members (series_id, facilitator_id, role, added_at)
			SELECT ?, id, ?, ? FROM facilitators WHERE id IN (`+s.activeAccount()+`)
			ON CONFLICT (series_id, facilitator_id) DO UPDATE SET role = excluded.role`,
			seriesID, role, s.db.NowFunc().UTC(), facilitatorID)
		if ins.Error != nil {
			return ins.Error
		}
		if ins.RowsAffected == 0 {
			return ErrAccountInactive
		}
		created = true
		return nil
	})
	return created, wrap(err, "share series %d", seriesID)
}

// ErrAccountInactive: the account a series was to be shared with or handed over to is
// deactivated (or gone), as its statement found it; nothing was changed.
var ErrAccountInactive = errors.New("storage: the account is deactivated")

// activeAccount is a subquery of the id given as its one argument when that account is
// active. On PostgreSQL it takes a share lock on the account's row, so a deactivation
// waits for the statement's transaction and one committed first is seen: no series is
// shared with or handed over to an account deactivated before. SQLite's single writer
// runs the two one after the other.
func (s *Store) activeAccount() string {
	q := `SELECT id FROM facilitators WHERE id = ? AND deactivated_at IS NULL`
	if s.dialect == Postgres {
		q += ` FOR SHARE`
	}
	return q
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
// ownership, ends. The former owner keeps no access of their own. An account deactivated
// meanwhile is ErrAccountInactive, and nothing changes.
func (s *Store) HandOver(ctx context.Context, seriesID, facilitatorID int64) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var active []int64
		if err := tx.Raw(s.activeAccount(), facilitatorID).Scan(&active).Error; err != nil {
			return err
		}
		if len(active) == 0 {
			return ErrAccountInactive
		}
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
