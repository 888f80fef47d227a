package storage

import (
	"context"
	"database/sql"
	"maps"
	"sync"

	"github.com/ecat-project/ecat/assessment"
	"gorm.io/gorm"
)

// Tallies counts an assessment's submitted responses that its report shows (released,
// see Release) in the database: responses per pillar and answers per pillar, item and
// value, with GROUP BY, so a report over a hundred thousand responses never loads them
// one by one. The free texts (strengths, opportunities, reflections) come back verbatim,
// since the report quotes them; texts of groups too small to show are dropped by the
// report, never displayed.
//
// It reads in read-only transactions on the read pool (repeatable read on PostgreSQL),
// so a report never holds up respondents' writes, and what it returns is one state of
// the database: the counts, the answers and the texts agree even when a release or a
// submission commits meanwhile.
//
// Measured with 100,000 responses (BENCHMARKS.md), counting the answers (TallySQL) is
// most of the time and reading the texts takes a third to a half as long again. So,
// outside a transaction (InTx), the texts are read on a second connection while the
// first counts (see talliesBeside). The texts are kept lean: rows are scanned by hand
// rather than with gorm's reflection, in the order of the index on responses
// (assessment, status, pillar, release) so the database need not sort them, and on
// SQLite without go-sqlite3's watch on the context, which costs a goroutine per row;
// eachRow checks the context between rows instead. The counting keeps that watch: its
// work is all in its first step, which cancelling interrupts.
func (s *Store) Tallies(ctx context.Context, assessmentID int64) (*assessment.Tallies, error) {
	if !s.inTx() {
		if t, err := s.talliesBeside(ctx, assessmentID); t != nil || err != nil {
			return t, err
		}
		// A release committed between the two reads: read again, in one.
	}
	return s.tallies(ctx, assessmentID, true)
}

// ScoreTallies is Tallies without the free texts: the submitted responses counted per
// pillar and the answers per pillar, item and value. Comparing a round with the previous
// one, drawing the trend and the report's figures without texts need scores only, so
// they never read a verbatim.
func (s *Store) ScoreTallies(ctx context.Context, assessmentID int64) (*assessment.Tallies, error) {
	return s.tallies(ctx, assessmentID, false)
}

// readOnly are the options of the tallies' read transactions.
func (s *Store) readOnly() *sql.TxOptions {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	return opts
}

// tallies reads the tallies, with the texts or not, in one read transaction.
func (s *Store) tallies(ctx context.Context, assessmentID int64, texts bool) (*assessment.Tallies, error) {
	t := &assessment.Tallies{Submitted: map[string]int{}}
	step := "read the tallies"
	err := s.read.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		step = "count the submitted responses"
		shown, err := countShown(ctx, tx, assessmentID, t)
		if err != nil || shown == 0 {
			return err
		}
		step = "count the answers"
		if err := itemCounts(ctx, tx, assessmentID, t); err != nil {
			return err
		}
		if !texts {
			return nil
		}
		step = "read the texts"
		return s.readTexts(ctx, tx, assessmentID, shown, t)
	}, s.readOnly())
	if err != nil {
		return nil, wrap(err, "%s of assessment %d", step, assessmentID)
	}
	return t, nil
}

// talliesBeside reads the tallies in two read transactions at once, on two connections
// of the pool: the counts in one, the texts in the other. The two may see different
// states of the database, so the second counts the responses per pillar too, and the
// texts are kept only when both counts agree: the responses in a report only ever grow
// in number (Release adds whole groups; a released response never changes, and none is
// deleted but with its whole assessment), so equal counts per pillar mean the same
// responses. When they differ (a release committed in between) it returns nil, nil.
//
// The call never returns before the second transaction has ended, and neither waits for
// the other while holding its connection, so reports running together cannot take
// every connection of the pool and wait for one another.
func (s *Store) talliesBeside(ctx context.Context, assessmentID int64) (*assessment.Tallies, error) {
	type texts struct {
		t   *assessment.Tallies
		err error
	}
	done := make(chan texts, 1)
	counted := make(chan struct{})
	go func() {
		if hook, ok := beforeTexts.Load(s); ok {
			hook.(func(<-chan struct{}))(counted)
		}
		tt := &assessment.Tallies{Submitted: map[string]int{}}
		err := s.read.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			shown, err := countShown(ctx, tx, assessmentID, tt)
			if err != nil || shown == 0 {
				return err
			}
			return s.readTexts(ctx, tx, assessmentID, shown, tt)
		}, s.readOnly())
		done <- texts{tt, err}
	}()
	t, err := s.tallies(ctx, assessmentID, false)
	close(counted)
	other := <-done
	if err != nil {
		return nil, err
	}
	if other.err != nil {
		return nil, wrap(other.err, "read the texts of assessment %d", assessmentID)
	}
	if !maps.Equal(t.Submitted, other.t.Submitted) {
		return nil, nil
	}
	t.Named, t.Reflections = other.t.Named, other.t.Reflections
	return t, nil
}

// beforeTexts holds, in tests only, a function per store that talliesBeside runs before
// it reads the texts, given a channel closed once the counts are read: to commit a
// release in between, say.
var beforeTexts sync.Map // *Store → func(counted <-chan struct{})

// countShown counts the responses in the report per pillar into t, and returns their
// total. The index on responses answers it alone.
func countShown(ctx context.Context, tx *gorm.DB, assessmentID int64, t *assessment.Tallies) (int, error) {
	rows, err := tx.WithContext(ctx).Raw(`SELECT pillar, COUNT(*) FROM responses
		WHERE assessment_id = ? AND status = ? AND released_at IS NOT NULL GROUP BY pillar`,
		assessmentID, string(assessment.Submitted)).Rows()
	total := 0
	err = eachRow(ctx, rows, err, func() error {
		var pillar string
		var n int
		if err := rows.Scan(&pillar, &n); err != nil {
			return err
		}
		t.Submitted[pillar] = n
		total += n
		return nil
	})
	return total, err
}

// TallySQL is the statement Tallies counts a round's answers with: one row per pillar,
// item and value with its count, over the responses in the report. Its arguments are the
// assessment's id and assessment.Submitted. Exported for the benchmarks, whose baseline
// runs this very statement with database/sql (BENCHMARKS.md).
//
// SQLite finds the round's responses in the index on responses, their answers in the
// index on answers' primary key, and sorts them all for the GROUP BY: at 100,000
// responses that sort is most of its time. An index on answers in item order would spare
// it, at a price every submission pays (see migrateReportIndexes). PostgreSQL hashes.
const TallySQL = `SELECT r.pillar, a.item_id, a.value, COUNT(*)
	FROM answers a JOIN responses r ON r.id = a.response_id
	WHERE r.assessment_id = ? AND r.status = ? AND r.released_at IS NOT NULL
	GROUP BY r.pillar, a.item_id, a.value
	ORDER BY r.pillar, a.item_id, a.value`

// itemCounts adds the answers of the shown submitted responses, counted per pillar, item
// and value, to t.
func itemCounts(ctx context.Context, tx *gorm.DB, assessmentID int64, t *assessment.Tallies) error {
	rows, err := tx.WithContext(ctx).Raw(TallySQL, assessmentID, string(assessment.Submitted)).Rows()
	return eachRow(ctx, rows, err, func() error {
		var ic assessment.ItemCount
		if err := rows.Scan(&ic.Pillar, &ic.ItemID, &ic.Answer, &ic.N); err != nil {
			return err
		}
		t.Items = append(t.Items, ic)
		return nil
	})
}

// readTexts adds the strengths, opportunities and reflections of the shown submitted
// responses (shown of them) to t.
func (s *Store) readTexts(ctx context.Context, tx *gorm.DB, assessmentID int64, shown int, t *assessment.Tallies) error {
	texts := tx.WithContext(ctx)
	if s.dialect == SQLite {
		texts = tx.WithContext(context.WithoutCancel(ctx))
	}
	submitted := string(assessment.Submitted)
	t.Named = make([]assessment.NamedText, 0, 2*shown)
	rows, err := texts.Raw(`SELECT pillar, strength_text, strength_theme, opportunity_text, opportunity_theme
		FROM responses WHERE assessment_id = ? AND status = ? AND released_at IS NOT NULL
		ORDER BY pillar, released_at, id`, assessmentID, submitted).Rows()
	err = eachRow(ctx, rows, err, func() error {
		var pillar string
		var strength, opportunity assessment.Named
		if err := rows.Scan(&pillar, &strength.Text, &strength.Theme, &opportunity.Text, &opportunity.Theme); err != nil {
			return err
		}
		if strength.Text != "" {
			t.Named = append(t.Named, assessment.NamedText{Pillar: pillar, Kind: assessment.KindStrength, Theme: strength.Theme, Text: strength.Text})
		}
		if opportunity.Text != "" {
			t.Named = append(t.Named, assessment.NamedText{Pillar: pillar, Kind: assessment.KindOpportunity, Theme: opportunity.Theme, Text: opportunity.Text})
		}
		return nil
	})
	if err != nil {
		return err
	}

	rows, err = texts.Raw(`SELECT r.pillar, f.prompt_id, f.text
		FROM reflections f JOIN responses r ON r.id = f.response_id
		WHERE r.assessment_id = ? AND r.status = ? AND r.released_at IS NOT NULL
		ORDER BY f.prompt_id, r.id`, assessmentID, submitted).Rows()
	return eachRow(ctx, rows, err, func() error {
		var f assessment.ReflectionText
		if err := rows.Scan(&f.Pillar, &f.PromptID, &f.Text); err != nil {
			return err
		}
		t.Reflections = append(t.Reflections, f)
		return nil
	})
}

// eachRow calls each for every row of rows (from a query that failed with err when err
// is not nil) until ctx is done, then closes rows.
func eachRow(ctx context.Context, rows *sql.Rows, err error, each func() error) (rerr error) {
	if err != nil {
		return err
	}
	defer func() {
		if err := rows.Close(); rerr == nil {
			rerr = err
		}
	}()
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := each(); err != nil {
			return err
		}
	}
	return rows.Err()
}
