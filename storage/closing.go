package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/ecat-project/ecat/assessment"
)

// Closing by itself. A round may name the moment it closes (closes_at). From that
// moment no answer is taken: every statement that adds, changes or deletes a response
// checks "status = 'open' AND (closes_at IS NULL OR closes_at > now)" itself, with now
// the store's clock, the one that also stamps the response. The status then follows:
// CloseDue, run every few seconds by the server and once when it starts (a server that
// was down at the moment closes the round as it comes back), marks the rounds whose
// moment has come closed, as of that moment.

// SetClock sets the store's clock: the time it stamps rows with (created, updated,
// submitted, closed) and the "now" its statements compare a closing moment with. Tests
// of the closing moment set it, next to survey.Service.SetClock (the two are apart: a
// test that moves the service's day keeps the sessions it made with the real clock);
// the default is time.Now. It must be called before use.
func (s *Store) SetClock(now func() time.Time) {
	clock := func() time.Time { return now().UTC().Truncate(time.Microsecond) }
	s.db.NowFunc = clock
	if s.read != s.db {
		s.read.NowFunc = clock
	}
}

// now is the store's clock (SetClock).
func (s *Store) now() time.Time { return s.db.NowFunc() }

// CloseDue closes every open round whose closing moment has come, as of that moment
// (closed_at = closes_at), moving each one's version on, in one statement; it returns
// the ids of the rounds it closed. On PostgreSQL the statement waits for the answers
// being written to those rounds (they hold a share lock on the round's row), so once a
// round is closed every answer it took is committed.
func (s *Store) CloseDue(ctx context.Context) ([]int64, error) {
	// Asked on a reader first (the partial index on closes_at answers it): most runs find
	// nothing due, and on SQLite the UPDATE would take the writer from the respondents
	// every few seconds for nothing.
	var due []int64
	if err := s.read.WithContext(ctx).Raw(`SELECT id FROM assessments
		WHERE status = 'open' AND closes_at IS NOT NULL AND closes_at <= ? LIMIT 1`, s.now()).Scan(&due).Error; err != nil {
		return nil, wrap(err, "look for rounds due to close")
	}
	if len(due) == 0 {
		return nil, nil
	}
	var ids []int64
	rows, err := s.db.WithContext(ctx).Raw(`UPDATE assessments
		SET status = 'closed', closed_at = closes_at, version = version + 1
		WHERE status = 'open' AND closes_at IS NOT NULL AND closes_at <= ?
		RETURNING id`, s.now()).Rows()
	err = eachRow(ctx, rows, err, func() error {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
		return nil
	})
	if len(ids) > 0 || err != nil {
		s.codes.invalidate()
	}
	return ids, wrap(err, "close the rounds due")
}

// UpdateSettings stores a's title, team, unit, expected headcounts and closing moment.
// With closing, the closing moment changes, which only a round still taking answers may
// do (assessment.ApplySettings): the UPDATE statement then stores it only if the round is
// open and its present moment, if any, has not come, else nothing is stored and the
// answer is assessment.ErrClosed. assessment.ErrNotFound when there is no such round.
func (s *Store) UpdateSettings(ctx context.Context, a *assessment.Assessment, closing bool) error {
	q := s.db.WithContext(ctx).Model(&assessmentRow{}).Where("id = ?", a.ID)
	if closing {
		q = q.Where("status = ? AND (closes_at IS NULL OR closes_at > ?)", string(assessment.Open), s.now())
	}
	res := q.Updates(map[string]any{
		"title": a.Title, "team": a.Team, "unit": a.Unit,
		"expected": encodeExpected(a.Expected), "closes_at": utcPtr(a.ClosesAt),
	})
	s.codes.invalidate()
	if res.Error != nil {
		return wrap(res.Error, "change the settings of assessment %d", a.ID)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	var n int64
	if err := s.db.WithContext(ctx).Model(&assessmentRow{}).Where("id = ?", a.ID).Count(&n).Error; err != nil {
		return wrap(err, "change the settings of assessment %d", a.ID)
	}
	if n == 0 {
		return assessment.ErrNotFound
	}
	return assessment.ErrClosed
}

// due reports whether a closing moment has come at now.
func due(closesAt *time.Time, now time.Time) bool {
	return closesAt != nil && !now.Before(*closesAt)
}

// clearPassedClosing is the change that reopening makes to a round's closing moment:
// one that has come is cleared, or the round would close again at once.
func clearPassedClosing(now time.Time) any {
	return gorm.Expr("CASE WHEN closes_at <= ? THEN NULL ELSE closes_at END", now)
}
