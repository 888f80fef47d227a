package storage

import (
	"context"
	"errors"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/ecat-project/ecat/assessment"
)

// RawDB gives the tests the store's gorm handle, for pragmas, fault injection and raw
// SQL that the repositories deliberately do not offer (deleting an assessment, setting
// the schema version). It exists in test builds only.
func RawDB(s *Store) *gorm.DB { return s.db }

// GroupStats tells how many transactions of the group writer held more than one write,
// how many writes they held, and how many writes wait to be taken now.
func GroupStats(s *Store) (batches, grouped, waiting int64) {
	return s.group.batches.Load(), s.group.grouped.Load(), s.group.waiting.Load()
}

// FailNextBatch makes the next transaction of more than one write fail before its commit.
func FailNextBatch(s *Store) { s.group.failBatch.Store(true) }

// HoldWriter gives the group writer a write that waits until release is called: writes
// offered meanwhile wait, and are then taken together.
func HoldWriter(s *Store) (release func()) {
	held, taken := make(chan struct{}), make(chan struct{})
	go func() {
		_ = s.write(context.Background(), func(*gorm.DB) error {
			close(taken)
			<-held
			return nil
		})
	}()
	<-taken
	var once sync.Once
	return func() { once.Do(func() { close(held) }) }
}

// ErrAfterWriting is what CreateThenFail returns.
var ErrAfterWriting = errors.New("failed after writing")

// CreateThenFail is a write that stores a response as CreateResponse does and then fails,
// so nothing of it may stay.
func CreateThenFail(ctx context.Context, s *Store, r *assessment.Response, tokenHash string) error {
	return s.write(ctx, func(tx *gorm.DB) error {
		row := toResponseRow(r)
		row.TokenHash = tokenHash
		row.CreatedAt, row.UpdatedAt = s.db.NowFunc(), s.db.NowFunc()
		if err := s.createResponse(tx, &row, r, 0); err != nil {
			return err
		}
		return ErrAfterWriting
	})
}

// ReadDB gives the tests the store's gorm handle for reads (on SQLite, the read-only
// pool; elsewhere the same as RawDB).
func ReadDB(s *Store) *gorm.DB { return s.read }

// SetAssessmentCacheTTL changes how long the store keeps an assessment it read.
func SetAssessmentCacheTTL(s *Store, d time.Duration) {
	s.codes.mu.Lock()
	defer s.codes.mu.Unlock()
	s.codes.ttl = d
}
