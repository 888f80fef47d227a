package storage

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
// outside a transaction (InTx), a large round's answers are counted in parts, each on a
// connection of its own, while another reads the texts (see talliesApart); but not while
// respondents are writing, who need the cores (see talliesOf). The texts are kept lean:
// rows are scanned by hand rather than with gorm's reflection, in no particular order
// (they are sorted in Go, see readTexts), and on SQLite without go-sqlite3's watch on the
// context, which costs a goroutine per row; eachRow checks the context between rows
// instead. The counting keeps that watch: its work is all in its first step, which
// cancelling interrupts.
func (s *Store) Tallies(ctx context.Context, assessmentID int64) (*assessment.Tallies, error) {
	return s.talliesOf(ctx, assessmentID, true)
}

// ScoreTallies is Tallies without the free texts: the submitted responses counted per
// pillar and the answers per pillar, item and value. Comparing a round with the previous
// one, drawing the trend and the report's figures without texts need scores only, so
// they never read a verbatim.
func (s *Store) ScoreTallies(ctx context.Context, assessmentID int64) (*assessment.Tallies, error) {
	return s.talliesOf(ctx, assessmentID, false)
}

// talliesOf reads the tallies, with the texts or not: apart (talliesApart) outside a
// transaction, in one transaction otherwise.
//
// Reading apart takes every core, which respondents need: so while they write (one's
// write was taken less than quietFor ago) a report reads in one transaction, on one
// connection, and leaves them the other cores. The clock is this process's and covers
// every round: a respondent of any team makes every report read in one, and several
// servers on one PostgreSQL database do not see one another's respondents. Measured with workbooks exported back to
// back beside submissions (BENCHMARKS.md), the submissions' p99 grew 3.0× with the texts
// read beside the counts and 3.4× with the counts in parts too, against 2.3× read in one.
func (s *Store) talliesOf(ctx context.Context, assessmentID int64, texts bool) (*assessment.Tallies, error) {
	if !s.inTx() && !s.writes.recent() {
		if t, err := s.talliesApart(ctx, assessmentID, texts); t != nil || err != nil {
			return t, err
		}
		// A release committed between the reads: read again, in one.
	}
	return s.tallies(ctx, assessmentID, texts)
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

// talliesApart reads the tallies in several read transactions at once, each on a
// connection of the pool: the texts in one (when texts is set), and the answers in
// another, or, for a round of at least tallySplitMin shown responses, in tallyParts
// parts, each counting the responses of one range of ids. Counting is a sort of every
// answer, so parts run on as many cores, and each sorts a part only: at 100,000
// responses on two cores, three parts take half the time of one statement
// (BENCHMARKS.md). The parts' counts are added up.
//
// The transactions may see different states of the database, so each counts the
// responses per pillar too, and the result is kept only when all counts agree: the
// responses in a report only ever grow in number (Release adds whole groups; a released
// response never changes, and none is deleted but with its whole assessment), so equal
// counts per pillar mean the same responses. When they differ (a release committed in
// between) it returns nil, nil.
//
// The call never returns before every transaction has ended, and none waits for another
// while holding its connection, so reports running together cannot take every
// connection of the pool and wait for one another. When one read fails, the others are
// cancelled, and the first failure is the answer.
func (s *Store) talliesApart(ctx context.Context, assessmentID int64, texts bool) (*assessment.Tallies, error) {
	type read struct {
		t   *assessment.Tallies
		err error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	textsRead := make(chan read, 1)
	counted := make(chan struct{})
	if texts {
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
			if err != nil {
				cancel() // the counts are of no use without the texts
			}
			textsRead <- read{tt, err}
		}()
	}
	t, err := s.countApart(ctx, assessmentID)
	if err != nil {
		cancel() // nor the texts without the counts
	}
	close(counted)
	var other read
	if texts {
		other = <-textsRead
	}
	switch {
	case err != nil && (other.err == nil || !errors.Is(err, context.Canceled)):
		return nil, err
	case other.err != nil:
		return nil, wrap(other.err, "read the texts of assessment %d", assessmentID)
	case t == nil, texts && !maps.Equal(t.Submitted, other.t.Submitted):
		afterDisagree(s)
		return nil, nil
	}
	if texts {
		t.Named, t.Reflections = other.t.Named, other.t.Reflections
	}
	return t, nil
}

// tallyParts is how many parts talliesApart counts a large round's answers in, and
// tallySplitMin how many shown responses make a round large; quietFor is how long after a
// respondent's write the tallies are read in one transaction (see talliesOf).
const (
	tallyParts = 3
	quietFor   = time.Second
)

var tallySplitMin = 5_000 // tests lower it (tallies_export_test.go)

// countApart counts the shown responses and their answers as talliesApart does, without
// the texts: in one read transaction for a small round, in tallyParts at once for a large
// one. It returns nil, nil when the parts saw different states of the database.
func (s *Store) countApart(ctx context.Context, assessmentID int64) (*assessment.Tallies, error) {
	first := &assessment.Tallies{Submitted: map[string]int{}}
	var shown shownRange
	whole := false
	err := s.read.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if shown.n, err = countShown(ctx, tx, assessmentID, first); err != nil || shown.n == 0 {
			return err
		}
		if shown.n < tallySplitMin {
			// Small: counted here and now, in the same transaction.
			whole = true
			return itemCounts(ctx, tx, assessmentID, first)
		}
		return shownIDs(ctx, tx, assessmentID, &shown)
	}, s.readOnly())
	if err != nil {
		return nil, wrap(err, "count the answers of assessment %d", assessmentID)
	}
	if whole || shown.n == 0 {
		return first, nil
	}
	// Large: tallyParts ranges of ids of about the same width, each counted in its own
	// transaction, which counts the shown responses again to tell whether it saw the
	// same ones.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	parts := make([]*assessment.Tallies, tallyParts)
	var (
		failed   sync.Once
		firstErr error
	)
	width := (shown.last - shown.first) / tallyParts
	var wg sync.WaitGroup
	for i := range tallyParts {
		lo, hi := shown.first+int64(i)*width, shown.first+int64(i+1)*width-1
		if i == tallyParts-1 {
			hi = shown.last
		}
		wg.Go(func() {
			if hook, ok := beforePart.Load(s); ok {
				hook.(func(int))(i)
			}
			part := &assessment.Tallies{Submitted: map[string]int{}}
			err := s.read.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				if _, err := countShown(ctx, tx, assessmentID, part); err != nil {
					return err
				}
				return itemCountsBetween(ctx, tx, assessmentID, lo, hi, part)
			}, s.readOnly())
			if err != nil {
				failed.Do(func() {
					firstErr = err
					cancel() // the others need not finish
				})
			}
			parts[i] = part
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, wrap(firstErr, "count the answers of assessment %d", assessmentID)
	}
	for _, part := range parts {
		if !maps.Equal(part.Submitted, first.Submitted) {
			return nil, nil
		}
	}
	first.Items = addCounts(parts)
	return first, nil
}

// writeClock tells when a respondent's write (starting, saving or submitting a response,
// entering a paper one) was last taken: as the time since clockStart on the monotonic
// clock, so a step of the wall clock changes nothing; 0 for never.
type writeClock struct{ last atomic.Int64 }

var clockStart = time.Now()

// mark notes a write now.
func (c *writeClock) mark() { c.last.Store(max(1, int64(time.Since(clockStart)))) }

// recent tells whether a write was taken less than quietFor ago.
func (c *writeClock) recent() bool {
	last := c.last.Load()
	return last != 0 && time.Since(clockStart)-time.Duration(last) < quietFor
}

// addCounts adds up the parts' answer counts, ordered by pillar, item and value (byte
// by byte; nothing depends on the order).
func addCounts(parts []*assessment.Tallies) []assessment.ItemCount {
	var all []assessment.ItemCount
	for _, part := range parts {
		all = append(all, part.Items...)
	}
	order := func(a, b assessment.ItemCount) int {
		return cmp.Or(strings.Compare(a.Pillar, b.Pillar), strings.Compare(a.ItemID, b.ItemID), strings.Compare(string(a.Answer), string(b.Answer)))
	}
	slices.SortFunc(all, order)
	out := all[:0]
	for _, c := range all {
		if n := len(out); n > 0 && order(out[n-1], c) == 0 {
			out[n-1].N += c.N
			continue
		}
		out = append(out, c)
	}
	return out
}

// beforeTexts holds, in tests only, a function per store that talliesApart runs before
// it reads the texts, given a channel closed once the counts are read: to commit a
// release in between, say. beforePart holds one that countApart runs before each part,
// given the part's number; onDisagree one that talliesApart runs when its reads saw
// different states and it reads again in one.
var beforeTexts, beforePart, onDisagree sync.Map // *Store → func(counted <-chan struct{}), func(part int), func()

// afterDisagree runs the store's onDisagree, if a test set one.
func afterDisagree(s *Store) {
	if hook, ok := onDisagree.Load(s); ok {
		hook.(func())()
	}
}

// shownRange is how many responses a report shows, and the first and last of their ids.
type shownRange struct {
	n           int
	first, last int64
}

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

// shownIDs sets the first and last id of the responses in the report in shown. On SQLite
// the index on responses answers it (it holds the row ids); PostgreSQL reads the rows.
// Only a large round counted in parts asks, once.
func shownIDs(ctx context.Context, tx *gorm.DB, assessmentID int64, shown *shownRange) error {
	return tx.WithContext(ctx).Raw(`SELECT MIN(id), MAX(id) FROM responses
		WHERE assessment_id = ? AND status = ? AND released_at IS NOT NULL`,
		assessmentID, string(assessment.Submitted)).Row().Scan(&shown.first, &shown.last)
}

// TallySQL is the statement Tallies counts a round's answers with when it counts in one
// (a small round, inside a transaction, or while respondents write; a large round is
// otherwise counted in parts by tallyBetweenSQL, the same over ranges of ids): one row
// per pillar, item and value with its count, over the responses in the report. Its
// arguments are the assessment's id and assessment.Submitted. Exported for the
// benchmarks, whose baseline runs this very statement with database/sql (BENCHMARKS.md).
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
	return scanCounts(ctx, rows, err, t)
}

// scanCounts adds the rows of a tally statement (from a query that failed with err when
// err is not nil) to t.
func scanCounts(ctx context.Context, rows *sql.Rows, err error, t *assessment.Tallies) error {
	return eachRow(ctx, rows, err, func() error {
		var ic assessment.ItemCount
		if err := rows.Scan(&ic.Pillar, &ic.ItemID, &ic.Answer, &ic.N); err != nil {
			return err
		}
		t.Items = append(t.Items, ic)
		return nil
	})
}

// tallyBetweenSQL is TallySQL over the responses whose ids are between its third and
// fourth arguments (inclusive): one part of countApart's.
const tallyBetweenSQL = `SELECT r.pillar, a.item_id, a.value, COUNT(*)
	FROM answers a JOIN responses r ON r.id = a.response_id
	WHERE r.assessment_id = ? AND r.status = ? AND r.released_at IS NOT NULL AND r.id BETWEEN ? AND ?
	GROUP BY r.pillar, a.item_id, a.value`

// itemCountsBetween adds to t the answers itemCounts would, of the responses with ids
// from first to last only.
func itemCountsBetween(ctx context.Context, tx *gorm.DB, assessmentID, first, last int64, t *assessment.Tallies) error {
	rows, err := tx.WithContext(ctx).Raw(tallyBetweenSQL, assessmentID, string(assessment.Submitted), first, last).Rows()
	return scanCounts(ctx, rows, err, t)
}

// readTexts adds the strengths, opportunities and reflections of the shown submitted
// responses (shown of them) to t, in content order (assessment.CompareNamed,
// CompareReflections). Sorted here, they are sorted while the answers are counted on the
// other connections (talliesApart), not after.
func (s *Store) readTexts(ctx context.Context, tx *gorm.DB, assessmentID int64, shown int, t *assessment.Tallies) error {
	texts := tx.WithContext(ctx)
	if s.dialect == SQLite {
		texts = tx.WithContext(context.WithoutCancel(ctx))
	}
	submitted := string(assessment.Submitted)
	t.Named = make([]assessment.NamedText, 0, 2*shown)
	rows, err := texts.Raw(`SELECT pillar, strength_text, strength_theme, opportunity_text, opportunity_theme
		FROM responses WHERE assessment_id = ? AND status = ? AND released_at IS NOT NULL`,
		assessmentID, submitted).Rows()
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
		WHERE r.assessment_id = ? AND r.status = ? AND r.released_at IS NOT NULL`,
		assessmentID, submitted).Rows()
	err = eachRow(ctx, rows, err, func() error {
		var f assessment.ReflectionText
		if err := rows.Scan(&f.Pillar, &f.PromptID, &f.Text); err != nil {
			return err
		}
		t.Reflections = append(t.Reflections, f)
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(t.Named, assessment.CompareNamed)
	slices.SortFunc(t.Reflections, assessment.CompareReflections)
	return nil
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
