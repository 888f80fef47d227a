package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/ecat-project/ecat/assessment"
)

// The respondents' hot path (starting, saving and submitting a response) runs plain SQL
// statements prepared once, when the store opens, and kept for the life of each
// connection: no statement is parsed or reflected per request. The rest of storage uses
// gorm. The statements run on the transaction gorm began (its *sql.Tx), so they commit
// or roll back with everything else in it, and the database-file guard is checked before
// them as gorm's callbacks do before its own.

// maxRowsPerInsert is the most answers (or reflections) one prepared INSERT writes; a
// response with more is written in several. It is above any pillar's item count.
const maxRowsPerInsert = 40

// leanStatements are the prepared statements of the hot path.
type leanStatements struct {
	// insertResponse inserts a response only if its assessment takes answers (open, and
	// its closing moment, if any, later than the response's own time): the check is the
	// statement's own WHERE, so no earlier read can go stale. On PostgreSQL it also takes
	// a share lock on the assessment row (closing waits for it) and returns the id.
	insertResponse *sql.Stmt
	// countDrafts counts an assessment's drafts; assessmentStatus reads one's status and
	// closing moment.
	countDrafts, assessmentStatus *sql.Stmt
	// answers[n-1] and reflections[n-1] insert n rows at once.
	answers, reflections []*sql.Stmt
	// deleteAnswers and deleteReflections remove a response's.
	deleteAnswers, deleteReflections *sql.Stmt
	// createWhole (PostgreSQL only) inserts a response with its answers and reflections
	// in one statement: see createWhole.
	createWhole *sql.Stmt
}

// prepareHotPath prepares the hot path's statements once the schema is this build's (in
// Open, Migrate and CheckSchema), never inside a transaction: on SQLite that would wait
// for the one connection the transaction holds.
func (s *Store) prepareHotPath(ctx context.Context) error {
	if s.lean != nil {
		return nil
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	s.lean, err = prepareLean(ctx, sqlDB, s.dialect)
	return err
}

// prepareLean prepares the hot path's statements on db.
func prepareLean(ctx context.Context, db *sql.DB, d Dialect) (*leanStatements, error) {
	var (
		l   leanStatements
		err error
	)
	prepare := func(query string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = db.PrepareContext(ctx, placeholders(d, query))
		if err != nil {
			err = fmt.Errorf("storage: prepare %q: %w", query, err)
		}
		return st
	}
	// PostgreSQL types the parameters of a SELECT list on their own, hence the casts.
	insert := `INSERT INTO responses
		(assessment_id, pillar, language, status, token_hash, strength_text, strength_theme,
		 opportunity_text, opportunity_theme, created_at, updated_at, submitted_at, writer_hash)
		SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM assessments
		WHERE id = ? AND status = 'open' AND (closes_at IS NULL OR closes_at > ?)`
	if d == Postgres {
		insert = `INSERT INTO responses
		(assessment_id, pillar, language, status, token_hash, strength_text, strength_theme,
		 opportunity_text, opportunity_theme, created_at, updated_at, submitted_at, writer_hash)
		SELECT id, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text,
			?::timestamptz, ?::timestamptz, ?::timestamptz, ?::text
		FROM assessments WHERE id = ? AND status = 'open' AND (closes_at IS NULL OR closes_at > ?::timestamptz)
		FOR SHARE RETURNING id`
	}
	l.insertResponse = prepare(insert)
	if d == Postgres {
		// The response, then its answers and reflections from two pairs of arrays, each
		// row taking the response's id from the first insert. Data-modifying WITH
		// queries all run, to completion, whether the final SELECT reads them or not;
		// the foreign keys are checked at the end of the statement, when the response
		// is there.
		l.createWhole = prepare(`WITH r AS (` + insert + `),
		a AS (INSERT INTO answers (response_id, item_id, value)
			SELECT r.id, x.item, x.value FROM r, unnest(?::text[], ?::text[]) AS x(item, value)),
		f AS (INSERT INTO reflections (response_id, prompt_id, text)
			SELECT r.id, x.prompt, x.text FROM r, unnest(?::text[], ?::text[]) AS x(prompt, text))
		SELECT id FROM r`)
	}
	l.countDrafts = prepare(`SELECT COUNT(*) FROM responses WHERE assessment_id = ? AND status = 'draft'`)
	l.assessmentStatus = prepare(`SELECT status, closes_at FROM assessments WHERE id = ?`)
	l.deleteAnswers = prepare(`DELETE FROM answers WHERE response_id = ?`)
	l.deleteReflections = prepare(`DELETE FROM reflections WHERE response_id = ?`)
	for n := 1; n <= maxRowsPerInsert; n++ {
		l.answers = append(l.answers, prepare(multiRowInsert("answers (response_id, item_id, value)", n)))
		l.reflections = append(l.reflections, prepare(multiRowInsert("reflections (response_id, prompt_id, text)", n)))
	}
	if err != nil {
		l.close()
		return nil, err
	}
	return &l, nil
}

// close releases the statements.
func (l *leanStatements) close() {
	for _, st := range append([]*sql.Stmt{l.insertResponse, l.createWhole, l.countDrafts, l.assessmentStatus, l.deleteAnswers, l.deleteReflections}, append(l.answers, l.reflections...)...) {
		if st != nil {
			_ = st.Close()
		}
	}
}

// multiRowInsert is an INSERT of n rows of three values into table.
func multiRowInsert(table string, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?)")
	}
	return b.String()
}

// placeholders numbers a query's ? placeholders $1, $2, … for PostgreSQL. The queries
// here hold no ? anywhere else.
func placeholders(d Dialect, query string) string {
	if d != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// errNotPrepared: a response was written through a store whose schema was neither
// migrated nor checked.
var errNotPrepared = errors.New("storage: the schema was not checked: call Migrate or CheckSchema before writing responses")

// sqlTx is the database/sql transaction under a gorm transaction, and a context for its
// statements.
func sqlTx(tx *gorm.DB) (*sql.Tx, context.Context, error) {
	t, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil, nil, fmt.Errorf("storage: not in a database/sql transaction (%T)", tx.Statement.ConnPool)
	}
	return t, tx.Statement.Context, nil
}

// createResponse inserts row (its ID set from the insert itself) with r's answers and
// reflections, in tx, refusing a draft past maxDrafts (0: no cap).
func (s *Store) createResponse(tx *gorm.DB, row *responseRow, r *assessment.Response, maxDrafts int) error {
	if err := s.file.check(); err != nil {
		return err
	}
	t, ctx, err := sqlTx(tx)
	if err != nil {
		return err
	}
	l := s.lean
	if l == nil {
		return errNotPrepared
	}
	if maxDrafts > 0 && r.Status == assessment.Draft {
		var drafts int64
		if err := t.StmtContext(ctx, l.countDrafts).QueryRowContext(ctx, row.AssessmentID).Scan(&drafts); err != nil {
			return err
		}
		if drafts >= int64(maxDrafts) {
			return assessment.ErrTooManyDrafts
		}
	}
	args := []any{row.Pillar, row.Language, row.Status, row.TokenHash, row.StrengthText, row.StrengthTheme,
		row.OpportunityText, row.OpportunityTheme, row.CreatedAt, row.UpdatedAt, row.SubmittedAt, row.WriterHash, row.AssessmentID,
		row.CreatedAt}
	insert := t.StmtContext(ctx, l.insertResponse)
	if s.dialect == Postgres {
		err = insert.QueryRowContext(ctx, args...).Scan(&row.ID)
		if err == sql.ErrNoRows {
			return whyNotOpen(ctx, t.StmtContext(ctx, l.assessmentStatus), row.AssessmentID, row.CreatedAt)
		}
		if err != nil {
			return err
		}
	} else {
		res, err := insert.ExecContext(ctx, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return whyNotOpen(ctx, t.StmtContext(ctx, l.assessmentStatus), row.AssessmentID, row.CreatedAt)
		}
		if row.ID, err = res.LastInsertId(); err != nil {
			return err
		}
	}
	return s.insertChildrenLean(ctx, t, row.ID, r)
}

// createWhole inserts row (its ID set from the insert) with r's answers and reflections
// on PostgreSQL, in one prepared statement run on its own: one round trip to the server
// and one commit, where a transaction of the same statements takes five (BEGIN, the
// response, its answers, its reflections, COMMIT). It is atomic as any statement is, and
// refuses a response to an assessment that is not open as insertResponse does.
func (s *Store) createWhole(ctx context.Context, row *responseRow, r *assessment.Response) error {
	s.writes.mark()
	items, values := make([]string, 0, len(r.Answers)), make([]string, 0, len(r.Answers))
	for id, a := range r.Answers {
		items, values = append(items, id), append(values, string(a))
	}
	prompts, texts := make([]string, 0, len(r.Reflections)), make([]string, 0, len(r.Reflections))
	for id, text := range r.Reflections {
		prompts, texts = append(prompts, id), append(texts, text)
	}
	err := s.lean.createWhole.QueryRowContext(ctx, row.Pillar, row.Language, row.Status, row.TokenHash,
		row.StrengthText, row.StrengthTheme, row.OpportunityText, row.OpportunityTheme,
		row.CreatedAt, row.UpdatedAt, row.SubmittedAt, row.WriterHash, row.AssessmentID, row.CreatedAt,
		items, values, prompts, texts).Scan(&row.ID)
	if err != sql.ErrNoRows {
		return err
	}
	return whyNotOpen(ctx, s.lean.assessmentStatus, row.AssessmentID, row.CreatedAt)
}

// inTx tells whether the store works inside a transaction (InTx).
func (s *Store) inTx() bool {
	_, ok := s.db.Statement.ConnPool.(gorm.TxCommitter)
	return ok
}

// whyNotOpen tells why a response could not be added to an assessment at now: it is
// gone (assessment.ErrNotFound), or not open or past its closing moment
// (assessment.ErrClosed). status is the prepared assessmentStatus, or its copy in the
// transaction at hand.
func whyNotOpen(ctx context.Context, status *sql.Stmt, id int64, now time.Time) error {
	var (
		stored   string
		closesAt sql.NullTime
	)
	err := status.QueryRowContext(ctx, id).Scan(&stored, &closesAt)
	switch {
	case err == sql.ErrNoRows:
		return assessment.ErrNotFound
	case err != nil:
		return err
	case assessment.Status(stored) == assessment.Open && (!closesAt.Valid || now.Before(closesAt.Time)):
		return fmt.Errorf("storage: assessment %d is open but the response was not inserted", id)
	}
	return assessment.ErrClosed
}

// replaceChildren replaces a response's answers and reflections with r's, in tx.
func (s *Store) replaceChildren(tx *gorm.DB, responseID int64, r *assessment.Response) error {
	if err := s.file.check(); err != nil {
		return err
	}
	if s.lean == nil {
		return errNotPrepared
	}
	t, ctx, err := sqlTx(tx)
	if err != nil {
		return err
	}
	for _, del := range []*sql.Stmt{s.lean.deleteAnswers, s.lean.deleteReflections} {
		if _, err := t.StmtContext(ctx, del).ExecContext(ctx, responseID); err != nil {
			return err
		}
	}
	return s.insertChildrenLean(ctx, t, responseID, r)
}

// insertChildrenLean inserts a response's answers and reflections, a prepared multi-row
// INSERT per table.
func (s *Store) insertChildrenLean(ctx context.Context, t *sql.Tx, responseID int64, r *assessment.Response) error {
	args := make([]any, 0, 3*min(maxRowsPerInsert, max(len(r.Answers), len(r.Reflections))))
	flush := func(stmts []*sql.Stmt) error {
		if len(args) == 0 {
			return nil
		}
		_, err := t.StmtContext(ctx, stmts[len(args)/3-1]).ExecContext(ctx, args...)
		args = args[:0]
		return err
	}
	for id, a := range r.Answers {
		args = append(args, responseID, id, string(a))
		if len(args) == 3*maxRowsPerInsert {
			if err := flush(s.lean.answers); err != nil {
				return err
			}
		}
	}
	if err := flush(s.lean.answers); err != nil {
		return err
	}
	for id, text := range r.Reflections {
		args = append(args, responseID, id, text)
		if len(args) == 3*maxRowsPerInsert {
			if err := flush(s.lean.reflections); err != nil {
				return err
			}
		}
	}
	return flush(s.lean.reflections)
}
