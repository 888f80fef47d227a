package storage

import (
	"context"
	"database/sql"
	"errors"

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
// Every query of one call reads one snapshot (a read-only transaction on the read pool;
// repeatable read on PostgreSQL), so the counts, the answers and the texts agree even
// when a release or a submission commits meanwhile, and a report never holds up
// respondents' writes.
//
// Measured with 100,000 responses (BENCHMARKS.md), counting the answers is most of the
// time and reading the texts the rest. The answers are counted in the order of the index
// on answers (item, value, response) where that pays (see itemCounts). The texts are
// kept lean: rows are scanned by hand rather than with gorm's reflection, in the order
// of the index on responses (assessment, status, pillar, release) so the database need
// not sort them, and on SQLite without go-sqlite3's watch on the context, which costs a
// goroutine per row; eachRow checks the context between rows instead. The counting
// keeps that watch: its work is all in its first step, which cancelling interrupts.
func (s *Store) Tallies(ctx context.Context, assessmentID int64) (*assessment.Tallies, error) {
	return s.tallies(ctx, assessmentID, true)
}

// ScoreTallies is Tallies without the free texts: the submitted responses counted per
// pillar and the answers per pillar, item and value. Comparing a round with the previous
// one, drawing the trend and the report's figures without texts need scores only, so
// they never read a verbatim.
func (s *Store) ScoreTallies(ctx context.Context, assessmentID int64) (*assessment.Tallies, error) {
	return s.tallies(ctx, assessmentID, false)
}

func (s *Store) tallies(ctx context.Context, assessmentID int64, texts bool) (*assessment.Tallies, error) {
	t := &assessment.Tallies{Submitted: map[string]int{}}
	step := "read the tallies"
	opts := &sql.TxOptions{ReadOnly: true}
	if s.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	err := s.read.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		step = "count the submitted responses"
		shown, err := countShown(ctx, tx, assessmentID, t)
		if err != nil || shown == 0 {
			return err
		}
		step = "count the answers"
		if err := s.itemCounts(ctx, tx, assessmentID, shown, t); err != nil {
			return err
		}
		if !texts {
			return nil
		}
		step = "read the texts"
		return s.readTexts(ctx, tx, assessmentID, shown, t)
	}, opts)
	if err != nil {
		return nil, wrap(err, "%s of assessment %d", step, assessmentID)
	}
	return t, nil
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

// TallySQL is the statement Tallies counts a round's answers with on SQLite when the
// round holds a large share of the database's responses (see itemCounts): one row per
// pillar, item and value with its count, and the pillar of the last response counted in
// the row (equal to the first). Its arguments are the assessment's id and
// assessment.Submitted. Exported for the benchmarks, whose baseline runs this very
// statement with database/sql (BENCHMARKS.md).
//
// It reads the index on answers (item, value, response) in order, so the GROUP BY needs
// no sort, and keeps the answers of the responses in the report (a list SQLite builds
// once from the index on responses, with a Bloom filter). An item belongs to one pillar
// (item ids are unique within an instrument, every answer is validated against its
// response's pillar, and a submitted response keeps its pillar), so the pillar is read
// from one response per row rather than from every answer's response, which would cost
// a random read per answer.
const TallySQL = `SELECT lo.pillar, g.item_id, g.value, g.n, hi.pillar
	FROM (SELECT a.item_id, a.value, COUNT(*) AS n, MIN(a.response_id) AS lo_id, MAX(a.response_id) AS hi_id
		FROM answers a INDEXED BY answers_item_value
		WHERE a.response_id IN (SELECT id FROM responses
			WHERE assessment_id = ? AND status = ? AND released_at IS NOT NULL)
		GROUP BY a.item_id, a.value) g
	JOIN responses lo ON lo.id = g.lo_id
	JOIN responses hi ON hi.id = g.hi_id
	ORDER BY lo.pillar, g.item_id, g.value`

// responseScanSQL counts the same from the responses: each response of the round, its
// answers, and a sort of them all for the GROUP BY. PostgreSQL plans it itself (with
// hashing rather than a sort); SQLite uses it for a small share of a large database.
const responseScanSQL = `SELECT r.pillar, a.item_id, a.value, COUNT(*), r.pillar
	FROM answers a JOIN responses r ON r.id = a.response_id
	WHERE r.assessment_id = ? AND r.status = ? AND r.released_at IS NOT NULL
	GROUP BY r.pillar, a.item_id, a.value
	ORDER BY r.pillar, a.item_id, a.value`

// itemScanShare: on SQLite, TallySQL counts a round holding at least 1/itemScanShare of
// the responses in the database. TallySQL reads every answer in the database (the
// index's order is by item, not by round), skipping those of other rounds cheaply;
// responseScanSQL reads only the round's answers but sorts them. Measured on 100,000
// responses (1.5 million answers), TallySQL took a third of responseScanSQL's time for
// the whole database, was still 1.5× faster for a tenth of it, and slower for a
// thirtieth.
const itemScanShare = 8

// itemCounts adds the answers of the shown submitted responses (shown of them), counted
// per pillar, item and value, to t.
func (s *Store) itemCounts(ctx context.Context, tx *gorm.DB, assessmentID int64, shown int, t *assessment.Tallies) error {
	query := responseScanSQL
	if s.dialect == SQLite {
		// An upper bound on the number of responses, from the ends of the primary key.
		var span int64
		err := tx.WithContext(ctx).Raw(`SELECT (SELECT COALESCE(MAX(id), 0) FROM responses) - (SELECT COALESCE(MIN(id), 0) FROM responses) + 1`).Row().Scan(&span)
		if err != nil {
			return err
		}
		if int64(shown)*itemScanShare >= span {
			query = TallySQL
		}
	}
	items, err := countAnswers(ctx, tx, query, assessmentID)
	if err == errPillarMixed {
		// Not for data ecat wrote (see TallySQL); counted exactly all the same.
		items, err = countAnswers(ctx, tx, responseScanSQL, assessmentID)
	}
	t.Items = items
	return err
}

// errPillarMixed: answers to one item counted together came from responses of two
// pillars.
var errPillarMixed = errors.New("answers to one item from two pillars")

func countAnswers(ctx context.Context, tx *gorm.DB, query string, assessmentID int64) ([]assessment.ItemCount, error) {
	rows, err := tx.WithContext(ctx).Raw(query, assessmentID, string(assessment.Submitted)).Rows()
	var items []assessment.ItemCount
	err = eachRow(ctx, rows, err, func() error {
		var ic assessment.ItemCount
		var last string
		if err := rows.Scan(&ic.Pillar, &ic.ItemID, &ic.Answer, &ic.N, &last); err != nil {
			return err
		}
		if last != ic.Pillar {
			return errPillarMixed
		}
		items = append(items, ic)
		return nil
	})
	return items, err
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
