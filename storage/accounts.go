package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/ecat-project/ecat/assessment"
)

// Accounts as an admin manages them: the list, roles, deactivation, and the one-time
// links (account_links) an invited account is set up with or a forgotten password is
// replaced through. Every rule about who must stay an admin is decided inside the
// statement that would break it, under the accounts lock (lockAccounts), so two admins
// demoting or deactivating each other at the same moment cannot leave nobody in charge.

// Account link purposes.
const (
	// LinkInvite sets up an invited account: its first password.
	LinkInvite = "invite"
	// LinkReset replaces a forgotten password.
	LinkReset = "reset"
)

type accountLinkRow struct {
	TokenHash     string `gorm:"primaryKey"`
	FacilitatorID int64
	Purpose       string
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

func (accountLinkRow) TableName() string { return "account_links" }

// Accounts lists every account of the installation, the oldest first.
func (s *Store) Accounts(ctx context.Context) ([]assessment.Facilitator, error) {
	var rows []facilitatorRow
	if err := s.read.WithContext(ctx).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, wrap(err, "list the accounts")
	}
	out := make([]assessment.Facilitator, len(rows))
	for i := range rows {
		out[i] = *rows[i].toDomain()
	}
	return out, nil
}

// FacilitatorByID finds an account by id, deactivated or not; assessment.ErrNotFound
// when there is none.
func (s *Store) FacilitatorByID(ctx context.Context, id int64) (*assessment.Facilitator, error) {
	var row facilitatorRow
	if err := s.read.WithContext(ctx).Take(&row, "id = ?", id).Error; err != nil {
		return nil, wrap(notFound(err), "find facilitator %d", id)
	}
	return row.toDomain(), nil
}

// otherActiveAdmin is the condition, on the facilitators row being changed, that some
// other account is an active admin who can sign in (an invited admin who has not chosen
// a password yet does not count: their link may lapse).
const otherActiveAdmin = `EXISTS (SELECT 1 FROM facilitators o
	WHERE o.role = 'admin' AND o.deactivated_at IS NULL AND o.password_hash <> '' AND o.id <> facilitators.id)`

// SetRole gives account id the role (assessment.RoleAdmin or RoleFacilitator); changed
// is false when it had that role already. Demoting the last active admin is
// assessment.ErrLastAdmin and changes nothing; assessment.ErrNotFound when there is no
// such account.
func (s *Store) SetRole(ctx context.Context, id int64, role string) (changed bool, err error) {
	q := `UPDATE facilitators SET role = ? WHERE id = ? AND role <> ?`
	if role != assessment.RoleAdmin {
		q += ` AND (role <> 'admin' OR deactivated_at IS NOT NULL OR ` + otherActiveAdmin + `)`
	}
	changed, err = s.changeAccount(ctx, id, accountChange{
		update: q, args: []any{role, id, role},
		unchanged: func(row facilitatorRow) error {
			if row.Role == role {
				return nil
			}
			return assessment.ErrLastAdmin
		},
	})
	return changed, wrap(err, "set the role of facilitator %d", id)
}

// accountChange is what changeAccount does to one account.
type accountChange struct {
	// update changes the account (args are its arguments) when the change applies, and
	// leaves it as it is otherwise.
	update string
	args   []any
	// unchanged says why update left the account as it is: nil when it was so already,
	// or the error that refuses the change. Not given: it was so already.
	unchanged func(row facilitatorRow) error
	// then, if given, goes on from a change, in the same transaction.
	then func(tx *gorm.DB) error
}

// changeAccount makes ch to account id in one transaction holding the accounts lock
// (see lockAccounts): changed when update changed it. When it did not, the account as
// it is says why (ch.unchanged), or there is no such account (assessment.ErrNotFound).
func (s *Store) changeAccount(ctx context.Context, id int64, ch accountChange) (changed bool, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockAccounts(tx); err != nil {
			return err
		}
		res := tx.Exec(ch.update, ch.args...)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			var row facilitatorRow
			if err := tx.Take(&row, "id = ?", id).Error; err != nil {
				return notFound(err)
			}
			if ch.unchanged == nil {
				return nil
			}
			return ch.unchanged(row)
		}
		changed = true
		if ch.then == nil {
			return nil
		}
		return ch.then(tx)
	})
	return changed, err
}

// Deactivate deactivates account id at the moment at: from then on it cannot sign in,
// its sessions are ended, its API tokens revoked and its pending links void. changed is
// false when it was deactivated already. Deactivating the last active admin is
// assessment.ErrLastAdmin and changes nothing; assessment.ErrNotFound when there is no
// such account.
func (s *Store) Deactivate(ctx context.Context, id int64, at time.Time) (changed bool, err error) {
	changed, err = s.changeAccount(ctx, id, accountChange{
		update: `UPDATE facilitators SET deactivated_at = ? WHERE id = ? AND deactivated_at IS NULL
			AND (role <> 'admin' OR ` + otherActiveAdmin + `)`,
		args: []any{at.UTC(), id},
		unchanged: func(row facilitatorRow) error {
			if row.DeactivatedAt != nil {
				return nil
			}
			return assessment.ErrLastAdmin
		},
		then: func(tx *gorm.DB) error {
			for _, q := range []string{
				`DELETE FROM sessions WHERE facilitator_id = ?`,
				`DELETE FROM account_links WHERE facilitator_id = ?`,
			} {
				if err := tx.Exec(q, id).Error; err != nil {
					return err
				}
			}
			return tx.Exec(`UPDATE api_tokens SET revoked_at = ? WHERE facilitator_id = ? AND revoked_at IS NULL`, at.UTC(), id).Error
		},
	})
	return changed, wrap(err, "deactivate facilitator %d", id)
}

// Reactivate lets a deactivated account sign in again (its revoked API tokens stay
// revoked); changed is false when it was active. assessment.ErrNotFound when there is no
// such account.
func (s *Store) Reactivate(ctx context.Context, id int64) (changed bool, err error) {
	changed, err = s.changeAccount(ctx, id, accountChange{ // unchanged: it was active already
		update: `UPDATE facilitators SET deactivated_at = NULL WHERE id = ? AND deactivated_at IS NOT NULL`,
		args:   []any{id},
	})
	return changed, wrap(err, "reactivate facilitator %d", id)
}

// PutAccountLink stores a one-time link (by the hash of its token) for account id, for
// purpose (LinkInvite or LinkReset), live until expires; any earlier link of the
// account stops working, so only the latest one handed out opens it. The account must
// be active (assessment.ErrNotFound otherwise). Links that have expired, anyone's, are
// cleared on the way.
func (s *Store) PutAccountLink(ctx context.Context, tokenHash string, id int64, purpose string, now, expires time.Time) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM account_links WHERE facilitator_id = ? OR expires_at <= ?`, id, now.UTC()).Error; err != nil {
			return err
		}
		res := tx.Exec(`INSERT INTO account_links (token_hash, facilitator_id, purpose, created_at, expires_at)
			SELECT ?, id, ?, ?, ? FROM facilitators WHERE id = ? AND deactivated_at IS NULL`,
			tokenHash, purpose, now.UTC(), expires.UTC(), id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return assessment.ErrNotFound
		}
		return nil
	})
	return wrap(err, "store a link for facilitator %d", id)
}

// AccountLink returns the account a live link opens and the link's purpose;
// assessment.ErrNotFound when the link is unknown, used, expired at now, or its account
// deactivated.
func (s *Store) AccountLink(ctx context.Context, tokenHash string, now time.Time) (*assessment.Facilitator, string, error) {
	var link accountLinkRow
	db := s.read.WithContext(ctx)
	if err := db.Take(&link, "token_hash = ? AND expires_at > ?", tokenHash, now.UTC()).Error; err != nil {
		return nil, "", wrap(notFound(err), "find an account link")
	}
	var row facilitatorRow
	if err := db.Take(&row, "id = ? AND deactivated_at IS NULL", link.FacilitatorID).Error; err != nil {
		return nil, "", wrap(notFound(err), "find the account of a link")
	}
	return row.toDomain(), link.Purpose, nil
}

// UseAccountLink spends a live link: the account it opens gets passwordHash as its
// password, every session of the account ends, and the link (with any other of the
// account's) is gone. It returns the account and the link's purpose;
// assessment.ErrNotFound when the link is unknown, used (two uses at the same moment:
// one wins), expired at now, or its account deactivated; nothing changes then.
func (s *Store) UseAccountLink(ctx context.Context, tokenHash, passwordHash string, now time.Time) (*assessment.Facilitator, string, error) {
	var (
		f       *assessment.Facilitator
		purpose string
	)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var link accountLinkRow
		if err := tx.Take(&link, "token_hash = ? AND expires_at > ?", tokenHash, now.UTC()).Error; err != nil {
			return notFound(err)
		}
		// The delete decides: of two uses at the same moment, one removes the row.
		res := tx.Exec(`DELETE FROM account_links WHERE token_hash = ?`, tokenHash)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return assessment.ErrNotFound
		}
		res = tx.Exec(`UPDATE facilitators SET password_hash = ? WHERE id = ? AND deactivated_at IS NULL`, passwordHash, link.FacilitatorID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return assessment.ErrNotFound
		}
		for _, q := range []string{
			`DELETE FROM sessions WHERE facilitator_id = ?`,
			`DELETE FROM account_links WHERE facilitator_id = ?`,
		} {
			if err := tx.Exec(q, link.FacilitatorID).Error; err != nil {
				return err
			}
		}
		var row facilitatorRow
		if err := tx.Take(&row, "id = ?", link.FacilitatorID).Error; err != nil {
			return err
		}
		f, purpose = row.toDomain(), link.Purpose
		return nil
	})
	if err != nil {
		return nil, "", wrap(err, "use an account link")
	}
	return f, purpose, nil
}
