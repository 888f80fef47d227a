package storage

import (
	"context"
	"database/sql"

	"github.com/ecat-project/ecat/assessment"
	"gorm.io/gorm"
)

// Tallies counts an assessment's submitted responses that its report shows (released,
// see Release) in the database: responses per pillar and answers per pillar, item and
// value, with GROUP BY, so a report over ten
// thousand responses never loads them one by one. The free texts (strengths,
// opportunities, reflections) come back verbatim, since the report quotes them; texts of
// groups too small to show are dropped by the report, never displayed.
//
// Measured with 10,000 responses (BenchmarkReport10k, BENCHMARKS.md), the GROUP BY is
// most of the time and the texts the rest, so reading the texts is kept lean: rows are
// scanned by hand rather than with gorm's reflection, in the order of the index on
// (assessment, status, pillar) so SQLite need not sort them, and on SQLite without
// go-sqlite3's watch on the context, which costs a goroutine per row; eachRow checks the
// context between rows instead. The GROUP BY keeps that watch: its work is all in its
// first step, which cancelling interrupts.
func (s *Store) Tallies(ctx context.Context, assessmentID int64) (*assessment.Tallies, error) {
	db := s.db.WithContext(ctx)
	texts := db
	if s.dialect == SQLite {
		texts = s.db.WithContext(context.WithoutCancel(ctx))
	}
	submitted := string(assessment.Submitted)
	t := &assessment.Tallies{Submitted: map[string]int{}}
	if err := s.itemCounts(ctx, db, assessmentID, t); err != nil {
		return nil, err
	}

	// One row per submitted response, which counts them per pillar as well.
	rows, err := texts.Raw(`SELECT pillar, strength_text, strength_theme, opportunity_text, opportunity_theme
		FROM responses WHERE assessment_id = ? AND status = ? AND released_at IS NOT NULL
		ORDER BY pillar, id`, assessmentID, submitted).Rows()
	err = eachRow(ctx, rows, err, func() error {
		var pillar string
		var strength, opportunity assessment.Named
		if err := rows.Scan(&pillar, &strength.Text, &strength.Theme, &opportunity.Text, &opportunity.Theme); err != nil {
			return err
		}
		t.Submitted[pillar]++
		if strength.Text != "" {
			t.Named = append(t.Named, assessment.NamedText{Pillar: pillar, Kind: assessment.KindStrength, Theme: strength.Theme, Text: strength.Text})
		}
		if opportunity.Text != "" {
			t.Named = append(t.Named, assessment.NamedText{Pillar: pillar, Kind: assessment.KindOpportunity, Theme: opportunity.Theme, Text: opportunity.Text})
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "read the strengths and opportunities of assessment %d", assessmentID)
	}

	rows, err = texts.Raw(`SELECT r.pillar, f.prompt_id, f.text
		FROM reflections f JOIN responses r ON r.id = f.response_id
		WHERE r.assessment_id = ? AND r.status = ? AND r.released_at IS NOT NULL
		ORDER BY f.prompt_id, r.id`, assessmentID, submitted).Rows()
	err = eachRow(ctx, rows, err, func() error {
		var f assessment.ReflectionText
		if err := rows.Scan(&f.Pillar, &f.PromptID, &f.Text); err != nil {
			return err
		}
		t.Reflections = append(t.Reflections, f)
		return nil
	})
	if err != nil {
		return nil, wrap(err, "read the reflections of assessment %d", assessmentID)
	}
	return t, nil
}

// ScoreTallies is Tallies without the free texts: the submitted responses counted per
// pillar and the answers per pillar, item and value. Comparing a round with the previous
// one and drawing the trend need scores only, so they never read a verbatim again.
func (s *Store) ScoreTallies(ctx context.Context, assessmentID int64) (*assessment.Tallies, error) {
	db := s.db.WithContext(ctx)
	t := &assessment.Tallies{Submitted: map[string]int{}}
	if err := s.itemCounts(ctx, db, assessmentID, t); err != nil {
		return nil, err
	}
	rows, err := db.Raw(`SELECT pillar, COUNT(*) FROM responses
		WHERE assessment_id = ? AND status = ? AND released_at IS NOT NULL GROUP BY pillar`, assessmentID, string(assessment.Submitted)).Rows()
	err = eachRow(ctx, rows, err, func() error {
		var pillar string
		var n int
		if err := rows.Scan(&pillar, &n); err != nil {
			return err
		}
		t.Submitted[pillar] = n
		return nil
	})
	if err != nil {
		return nil, wrap(err, "count the submitted responses of assessment %d", assessmentID)
	}
	return t, nil
}

// itemCounts adds the answers of the submitted responses, counted per pillar, item and
// value, to t.
func (s *Store) itemCounts(ctx context.Context, db *gorm.DB, assessmentID int64, t *assessment.Tallies) error {
	rows, err := db.Raw(`SELECT r.pillar, a.item_id, a.value, COUNT(*)
		FROM answers a JOIN responses r ON r.id = a.response_id
		WHERE r.assessment_id = ? AND r.status = ? AND r.released_at IS NOT NULL
		GROUP BY r.pillar, a.item_id, a.value
		ORDER BY r.pillar, a.item_id, a.value`, assessmentID, string(assessment.Submitted)).Rows()
	err = eachRow(ctx, rows, err, func() error {
		var ic assessment.ItemCount
		if err := rows.Scan(&ic.Pillar, &ic.ItemID, &ic.Answer, &ic.N); err != nil {
			return err
		}
		t.Items = append(t.Items, ic)
		return nil
	})
	return wrap(err, "count the answers of assessment %d", assessmentID)
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
