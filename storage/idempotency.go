package storage

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/ecat-project/ecat/assessment"
)

// IdempotencyLifetime is how long a write sent with an Idempotency-Key is remembered.
const IdempotencyLifetime = 24 * time.Hour

// IdempotentWrite is what a write sent with an Idempotency-Key answered, kept so that
// the same request sent again gets the same answer and stores nothing new. The key is
// not kept: KeyHash finds the record, and Sealed (the answer's secret part, encrypted
// under the key by the caller) can only be opened by whoever holds the key.
type IdempotentWrite struct {
	Scope       string // whose keys: one assessment's respondents, say
	KeyHash     string
	RequestHash string // the request the key was first used with
	Status      string // the status the write left the resource in
	Sealed      string
	CreatedAt   time.Time
}

type idempotencyRow struct {
	Scope       string `gorm:"primaryKey"`
	KeyHash     string `gorm:"primaryKey"`
	RequestHash string
	Status      string
	Sealed      string
	CreatedAt   time.Time
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

// ErrIdempotencyTaken: another write with the same key was stored first (two copies of
// one request raced); look its answer up and give that one.
var ErrIdempotencyTaken = errors.New("storage: this idempotency key was used by another write first")

// IdempotentWriteOf returns the write remembered under scope and keyHash since since,
// or assessment.ErrNotFound.
func (s *Store) IdempotentWriteOf(ctx context.Context, scope, keyHash string, since time.Time) (*IdempotentWrite, error) {
	var row idempotencyRow
	err := s.read.WithContext(ctx).Where("scope = ? AND key_hash = ? AND created_at >= ?", scope, keyHash, since).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, assessment.ErrNotFound
	}
	if err != nil {
		return nil, wrap(err, "read an idempotency key")
	}
	w := IdempotentWrite(row)
	return &w, nil
}

// rememberWrite stores w in tx, in the transaction of the write it answers, after
// removing a record of the same key older than the lifetime (expired). A record of the
// same key still alive makes it fail with ErrIdempotencyTaken, which rolls the write
// back.
func (s *Store) rememberWrite(tx *gorm.DB, w *IdempotentWrite) error {
	if err := tx.Exec(`DELETE FROM idempotency_keys WHERE scope = ? AND key_hash = ? AND (created_at < ? OR (status = ? AND created_at < ?))`,
		w.Scope, w.KeyHash, w.CreatedAt.Add(-IdempotencyLifetime), IdempotencyPending, w.CreatedAt.Add(-IdempotencyAbandoned)).Error; err != nil {
		return err
	}
	row := idempotencyRow(*w)
	if err := tx.Create(&row).Error; err != nil {
		if isUniqueViolation(err) {
			return ErrIdempotencyTaken
		}
		return err
	}
	return nil
}

// DeleteIdempotentWritesBefore forgets the writes remembered before t, and tells how
// many went.
func (s *Store) DeleteIdempotentWritesBefore(ctx context.Context, t time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`DELETE FROM idempotency_keys WHERE created_at < ?`, t)
	return res.RowsAffected, wrap(res.Error, "delete expired idempotency keys")
}

// IdempotencyPending is the Status of a key reserved by a write still running (see
// ReserveIdempotencyKey).
const IdempotencyPending = "pending"

// IdempotencyAbandoned is how long a reserved key may stay pending: past it, its write
// is taken for dead (the server stopped half way) and a copy of the request may take the
// key over, rather than be told for a day that the first is still running.
const IdempotencyAbandoned = 2 * time.Minute

// ReserveIdempotencyKey records w (Status IdempotencyPending) before the write it
// guards runs, replacing an expired record of the same key: of two copies of a request
// sent at once, only one reserves the key and writes; the other gets
// ErrIdempotencyTaken. For writes that are not one statement of this package (creating
// an assessment, an action, a round); a response's record goes in its own transaction
// (CreateResponseOnce).
func (s *Store) ReserveIdempotencyKey(ctx context.Context, w *IdempotentWrite) error {
	w.Status, w.CreatedAt = IdempotencyPending, s.db.NowFunc()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return s.rememberWrite(tx, w) })
	if errors.Is(err, ErrIdempotencyTaken) {
		return err
	}
	return wrap(err, "reserve an idempotency key")
}

// CompleteIdempotencyKey records the answer of the write a reserved key guarded.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, scope, keyHash, status, sealed string) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE idempotency_keys SET status = ?, sealed = ? WHERE scope = ? AND key_hash = ? AND status = ?`,
		status, sealed, scope, keyHash, IdempotencyPending).Error
	return wrap(err, "record an idempotent answer")
}

// ReleaseIdempotencyKey forgets a reserved key whose write failed: the request may be
// sent again.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, scope, keyHash string) error {
	err := s.db.WithContext(ctx).Exec(`DELETE FROM idempotency_keys WHERE scope = ? AND key_hash = ? AND status = ?`,
		scope, keyHash, IdempotencyPending).Error
	return wrap(err, "release an idempotency key")
}
