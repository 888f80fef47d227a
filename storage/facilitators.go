package storage

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ecat-project/ecat/assessment"
)

type facilitatorRow struct {
	ID            int64 `gorm:"primaryKey"`
	Email         string
	Name          string
	PasswordHash  string
	Role          string
	CreatedAt     time.Time
	DeactivatedAt *time.Time
}

func (facilitatorRow) TableName() string { return "facilitators" }

func (r *facilitatorRow) toDomain() *assessment.Facilitator {
	return &assessment.Facilitator{ID: r.ID, Email: r.Email, Name: r.Name, PasswordHash: r.PasswordHash,
		Role: r.Role, CreatedAt: r.CreatedAt, DeactivatedAt: r.DeactivatedAt}
}

type sessionRow struct {
	IDHash        string `gorm:"primaryKey"`
	FacilitatorID int64
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

func (sessionRow) TableName() string { return "sessions" }

type apiTokenRow struct {
	ID            int64 `gorm:"primaryKey"`
	FacilitatorID int64
	Label         string
	TokenHash     string
	CreatedAt     time.Time
	LastUsedAt    *time.Time
	RevokedAt     *time.Time
}

func (apiTokenRow) TableName() string { return "api_tokens" }

type auditRow struct {
	ID            int64 `gorm:"primaryKey"`
	FacilitatorID int64
	Action        string
	AssessmentID  *int64
	Detail        string
	CreatedAt     time.Time
}

func (auditRow) TableName() string { return "audit_events" }

type settingRow struct {
	Key   string `gorm:"primaryKey"`
	Value string
}

func (settingRow) TableName() string { return "settings" }

const setupTokenKey = "setup_token_hash"

// isUniqueViolation recognizes a unique-constraint error from either database.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505") || strings.Contains(msg, "duplicate key value")
}

// CountFacilitators tells how many accounts exist.
func (s *Store) CountFacilitators(ctx context.Context) (int64, error) {
	var n int64
	err := s.read.WithContext(ctx).Model(&facilitatorRow{}).Count(&n).Error
	return n, wrap(err, "count facilitators")
}

// CreateFacilitator stores an account; assessment.ErrDuplicate when the e-mail is taken.
func (s *Store) CreateFacilitator(ctx context.Context, f *assessment.Facilitator) error {
	defer s.codes.invalidate() // the first account takes the ownerless assessments
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.createFacilitator(tx, f)
	})
	return wrap(err, "create a facilitator account")
}

// createFacilitator inserts an account inside tx. Account creations take turns (on
// PostgreSQL through an advisory lock; SQLite writers already do), so two creations at
// the same moment cannot both believe they are the first.
func (s *Store) createFacilitator(tx *gorm.DB, f *assessment.Facilitator) error {
	if err := s.lockAccounts(tx); err != nil {
		return err
	}
	// The first account is an admin, whatever was asked: someone must manage the others.
	var count int64
	if err := tx.Model(&facilitatorRow{}).Count(&count).Error; err != nil {
		return err
	}
	role := f.Role
	switch {
	case count == 0:
		role = assessment.RoleAdmin
	case role == "":
		role = assessment.RoleFacilitator
	}
	row := facilitatorRow{Email: f.Email, Name: f.Name, PasswordHash: f.PasswordHash, Role: role}
	if err := tx.Create(&row).Error; err != nil {
		if isUniqueViolation(err) {
			return assessment.ErrDuplicate
		}
		return err
	}
	f.ID, f.CreatedAt, f.Role = row.ID, row.CreatedAt, row.Role
	// Assessments opened at the command line before anyone had an account belong to
	// the first facilitator.
	if count == 0 {
		return tx.Model(&assessmentRow{}).Where("facilitator_id IS NULL").Update("facilitator_id", f.ID).Error
	}
	return nil
}

// CreateFirstFacilitator creates the first account through the one-time setup link.
// It returns assessment.ErrNotFound when the link's token is wrong or already used,
// or when an account exists already; the token is consumed with the account.
func (s *Store) CreateFirstFacilitator(ctx context.Context, f *assessment.Facilitator, setupTokenHash string) error {
	defer s.codes.invalidate() // the first account takes the ownerless assessments
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockAccounts(tx); err != nil {
			return err
		}
		res := tx.Where("key = ? AND value = ?", setupTokenKey, setupTokenHash).Delete(&settingRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return assessment.ErrNotFound
		}
		var count int64
		if err := tx.Model(&facilitatorRow{}).Count(&count).Error; err != nil {
			return err
		}
		if count > 0 {
			return assessment.ErrNotFound
		}
		return s.createFacilitator(tx, f)
	})
	return wrap(err, "create the first facilitator account")
}

// lockAccounts serializes account creation on PostgreSQL until tx ends.
func (s *Store) lockAccounts(tx *gorm.DB) error {
	if s.dialect != Postgres {
		return nil
	}
	// "ecaf" in ASCII; distinct from the schema lock.
	return tx.Exec(`SELECT pg_advisory_xact_lock(1701011814)`).Error
}

// SetSetupToken stores the hash of the one-time setup link's token, replacing any.
func (s *Store) SetSetupToken(ctx context.Context, tokenHash string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("key = ?", setupTokenKey).Delete(&settingRow{}).Error; err != nil {
			return err
		}
		return tx.Create(&settingRow{Key: setupTokenKey, Value: tokenHash}).Error
	})
	return wrap(err, "store the setup link")
}

// SetupTokenValid reports whether tokenHash is the current setup token's hash.
func (s *Store) SetupTokenValid(ctx context.Context, tokenHash string) (bool, error) {
	var n int64
	err := s.read.WithContext(ctx).Model(&settingRow{}).Where("key = ? AND value = ?", setupTokenKey, tokenHash).Count(&n).Error
	return n == 1, wrap(err, "check the setup link")
}

// FacilitatorByEmail finds an account by (normalized) e-mail, or assessment.ErrNotFound
// (also for text no e-mail is: invalid UTF-8, NUL).
func (s *Store) FacilitatorByEmail(ctx context.Context, email string) (*assessment.Facilitator, error) {
	if !utf8.ValidString(email) || strings.ContainsRune(email, 0) {
		// No account has it, and PostgreSQL would refuse the text itself.
		return nil, assessment.ErrNotFound
	}
	var row facilitatorRow
	if err := s.read.WithContext(ctx).Take(&row, "email = ?", assessment.NormalizeEmail(email)).Error; err != nil {
		return nil, wrap(notFound(err), "find a facilitator by e-mail")
	}
	return row.toDomain(), nil
}

// CreateSession starts a sign-in session known by the hash of its id.
func (s *Store) CreateSession(ctx context.Context, idHash string, facilitatorID int64, expires time.Time) error {
	err := s.db.WithContext(ctx).Create(&sessionRow{IDHash: idHash, FacilitatorID: facilitatorID, ExpiresAt: expires.UTC()}).Error
	return wrap(err, "start a session for facilitator %d", facilitatorID)
}

// SessionFacilitator returns the facilitator of a live session, or ErrNotFound when the
// session is unknown or expired (an expired one is removed), or its account deactivated.
func (s *Store) SessionFacilitator(ctx context.Context, idHash string) (*assessment.Facilitator, error) {
	db := s.read.WithContext(ctx)
	var sess sessionRow
	if err := db.Take(&sess, "id_hash = ?", idHash).Error; err != nil {
		return nil, wrap(notFound(err), "find a session")
	}
	if !sess.ExpiresAt.After(s.db.NowFunc()) {
		if err := s.db.WithContext(ctx).Delete(&sessionRow{}, "id_hash = ?", idHash).Error; err != nil {
			return nil, wrap(err, "remove an expired session")
		}
		return nil, assessment.ErrNotFound
	}
	var row facilitatorRow
	if err := db.Take(&row, "id = ? AND deactivated_at IS NULL", sess.FacilitatorID).Error; err != nil {
		return nil, wrap(notFound(err), "find the facilitator of a session")
	}
	return row.toDomain(), nil
}

// DeleteSession ends a session (sign-out).
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	return wrap(s.db.WithContext(ctx).Delete(&sessionRow{}, "id_hash = ?", idHash).Error, "end a session")
}

// DeleteExpiredSessions removes sessions past their expiry.
func (s *Store) DeleteExpiredSessions(ctx context.Context) error {
	return wrap(s.db.WithContext(ctx).Delete(&sessionRow{}, "expires_at <= ?", s.db.NowFunc()).Error, "delete expired sessions")
}

// CreateAPIToken stores a new token (by hash) and sets its ID and CreatedAt.
func (s *Store) CreateAPIToken(ctx context.Context, t *assessment.APIToken, tokenHash string) error {
	row := apiTokenRow{FacilitatorID: t.FacilitatorID, Label: t.Label, TokenHash: tokenHash}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return wrap(err, "create an API token for facilitator %d", t.FacilitatorID)
	}
	t.ID, t.CreatedAt = row.ID, row.CreatedAt
	return nil
}

// APITokens lists a facilitator's tokens, newest first, revoked ones included.
func (s *Store) APITokens(ctx context.Context, facilitatorID int64) ([]assessment.APIToken, error) {
	var rows []apiTokenRow
	if err := s.read.WithContext(ctx).Where("facilitator_id = ?", facilitatorID).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, wrap(err, "list the API tokens of facilitator %d", facilitatorID)
	}
	out := make([]assessment.APIToken, len(rows))
	for i, r := range rows {
		out[i] = assessment.APIToken{ID: r.ID, FacilitatorID: r.FacilitatorID, Label: r.Label, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt}
	}
	return out, nil
}

// RevokeAPIToken revokes one of a facilitator's tokens; ErrNotFound when it is not
// theirs or already revoked.
func (s *Store) RevokeAPIToken(ctx context.Context, facilitatorID, tokenID int64) error {
	res := s.db.WithContext(ctx).Model(&apiTokenRow{}).
		Where("id = ? AND facilitator_id = ? AND revoked_at IS NULL", tokenID, facilitatorID).
		Update("revoked_at", s.db.NowFunc())
	if res.Error != nil {
		return wrap(res.Error, "revoke API token %d", tokenID)
	}
	if res.RowsAffected == 0 {
		return assessment.ErrNotFound
	}
	return nil
}

// FacilitatorByAPIToken returns the owner of a live (not revoked) token, and the token's
// id, for TouchAPIToken; ErrNotFound when the token is unknown or revoked, or its
// owner's account deactivated.
func (s *Store) FacilitatorByAPIToken(ctx context.Context, tokenHash string) (*assessment.Facilitator, int64, error) {
	db := s.read.WithContext(ctx)
	var tok apiTokenRow
	if err := db.Take(&tok, "token_hash = ? AND revoked_at IS NULL", tokenHash).Error; err != nil {
		return nil, 0, wrap(notFound(err), "find an API token")
	}
	var row facilitatorRow
	if err := db.Take(&row, "id = ? AND deactivated_at IS NULL", tok.FacilitatorID).Error; err != nil {
		return nil, 0, wrap(notFound(err), "find the owner of API token %d", tok.ID)
	}
	return row.toDomain(), tok.ID, nil
}

// TouchAPIToken records that a token was just used.
func (s *Store) TouchAPIToken(ctx context.Context, tokenID int64) error {
	err := s.db.WithContext(ctx).Model(&apiTokenRow{}).Where("id = ?", tokenID).Update("last_used_at", s.db.NowFunc()).Error
	return wrap(err, "note the use of API token %d", tokenID)
}

// AddAuditEvent records a facilitator action.
func (s *Store) AddAuditEvent(ctx context.Context, e *assessment.AuditEvent) error {
	row := auditRow{FacilitatorID: e.FacilitatorID, Action: e.Action, AssessmentID: e.AssessmentID, Detail: e.Detail}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return wrap(err, "record %s in the activity trail", e.Action)
	}
	e.ID, e.CreatedAt = row.ID, row.CreatedAt
	return nil
}

// AuditEvents lists a facilitator's most recent actions, newest first.
func (s *Store) AuditEvents(ctx context.Context, facilitatorID int64, limit int) ([]assessment.AuditEvent, error) {
	var rows []auditRow
	err := s.read.WithContext(ctx).Where("facilitator_id = ?", facilitatorID).Order("id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, wrap(err, "read the activity of facilitator %d", facilitatorID)
	}
	out := make([]assessment.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = assessment.AuditEvent{ID: r.ID, FacilitatorID: r.FacilitatorID, Action: r.Action, AssessmentID: r.AssessmentID, Detail: r.Detail, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// ServerSecret returns the secret stored under name, creating it with fresh (the first
// server to ask wins; every server sharing the database then uses the same one).
func (s *Store) ServerSecret(ctx context.Context, name, fresh string) (string, error) {
	key := "secret:" + name
	db := s.db.WithContext(ctx)
	err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&settingRow{Key: key, Value: fresh}).Error
	if err != nil {
		return "", wrap(err, "store the %s secret", name)
	}
	var row settingRow
	if err := db.Take(&row, "key = ?", key).Error; err != nil {
		return "", wrap(err, "read the %s secret", name)
	}
	return row.Value, nil
}

// SetPassword replaces a facilitator's password hash and ends every session of theirs,
// in one transaction (assessment.ErrNotFound when there is no such account): whoever
// was signed in with the old password is signed out, and a reset or invitation link made
// before no longer works.
func (s *Store) SetPassword(ctx context.Context, facilitatorID int64, passwordHash string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE facilitators SET password_hash = ? WHERE id = ?`, passwordHash, facilitatorID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return assessment.ErrNotFound
		}
		if err := tx.Exec(`DELETE FROM sessions WHERE facilitator_id = ?`, facilitatorID).Error; err != nil {
			return err
		}
		// A reset or invitation link made before is void: the password is set now.
		return tx.Exec(`DELETE FROM account_links WHERE facilitator_id = ?`, facilitatorID).Error
	})
	return wrap(err, "set the password of facilitator %d", facilitatorID)
}
