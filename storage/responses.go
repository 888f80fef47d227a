package storage

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ecat-project/ecat/assessment"
)

type responseRow struct {
	ID               int64 `gorm:"primaryKey"`
	AssessmentID     int64
	Pillar           string
	Language         string
	Status           string
	TokenHash        string
	StrengthText     string
	StrengthTheme    string
	OpportunityText  string
	OpportunityTheme string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	SubmittedAt      *time.Time
	ReleasedAt       *time.Time
	WriterHash       string
	// Version counts the changes of the response's content (1 when created).
	Version int64 `gorm:"default:1"`
}

func (responseRow) TableName() string { return "responses" }

type answerRow struct {
	ResponseID int64  `gorm:"primaryKey;autoIncrement:false"`
	ItemID     string `gorm:"primaryKey"`
	Value      string
}

func (answerRow) TableName() string { return "answers" }

type reflectionRow struct {
	ResponseID int64  `gorm:"primaryKey;autoIncrement:false"`
	PromptID   string `gorm:"primaryKey"`
	Text       string
}

func (reflectionRow) TableName() string { return "reflections" }

// lockOpenAssessment checks, inside tx, that the assessment exists and takes answers at
// now (open, and its closing moment, if any, not come), and on PostgreSQL holds a share
// lock on its row so that closing it waits for this write. (SQLite transactions here are
// IMMEDIATE, so writers are already serialized.)
func (s *Store) lockOpenAssessment(tx *gorm.DB, id int64, now time.Time) error {
	q := tx.Model(&assessmentRow{}).Select("status", "closes_at").Where("id = ?", id)
	if s.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "SHARE"})
	}
	var found []struct {
		Status   string
		ClosesAt *time.Time
	}
	if err := q.Scan(&found).Error; err != nil {
		return err
	}
	if len(found) == 0 {
		return assessment.ErrNotFound
	}
	if assessment.Status(found[0].Status) != assessment.Open || due(found[0].ClosesAt, now) {
		return assessment.ErrClosed
	}
	return nil
}

// CreateResponse stores a new response with its answers and reflections in one
// transaction, keyed by the hash of its resume token. It returns assessment.ErrClosed
// when the assessment is closed. It sets r.ID and the timestamps.
func (s *Store) CreateResponse(ctx context.Context, r *assessment.Response, tokenHash string) error {
	return s.CreateResponseCapped(ctx, r, tokenHash, 0)
}

// CreateResponseCapped is CreateResponse refusing a new draft when the assessment holds
// maxDrafts drafts already (assessment.ErrTooManyDrafts), counted in the same
// transaction; 0 means no cap.
func (s *Store) CreateResponseCapped(ctx context.Context, r *assessment.Response, tokenHash string, maxDrafts int) error {
	return s.CreateResponseOnce(ctx, r, tokenHash, maxDrafts, nil)
}

// CreateResponseOnce is CreateResponseCapped remembering, when once is not nil, what the
// write answered under its idempotency key, in the same transaction (once.CreatedAt is
// set): the response and the record are stored together or not at all. When the key is
// already taken (the same request sent twice at once, the other copy first) nothing is
// stored and the error is ErrIdempotencyTaken.
func (s *Store) CreateResponseOnce(ctx context.Context, r *assessment.Response, tokenHash string, maxDrafts int, once *IdempotentWrite) error {
	newRow := func() responseRow {
		row := toResponseRow(r)
		row.TokenHash = tokenHash
		now := s.db.NowFunc()
		row.CreatedAt, row.UpdatedAt = now, now
		if r.Status == assessment.Submitted {
			row.SubmittedAt = &now
		}
		return row
	}
	created := func(row *responseRow) {
		r.ID, r.CreatedAt, r.UpdatedAt, r.SubmittedAt, r.Version = row.ID, row.CreatedAt, row.UpdatedAt, row.SubmittedAt, 1
	}
	var err error
	if s.dialect == Postgres && s.lean != nil && !s.inTx() && once == nil && (maxDrafts == 0 || r.Status != assessment.Draft) {
		// One statement, no transaction around it (see createWhole).
		row := newRow()
		if err = s.createWhole(ctx, &row, r); err == nil {
			created(&row)
		}
	} else {
		err = s.write(ctx, func(tx *gorm.DB) error {
			row := newRow()
			if err := s.createResponse(tx, &row, r, maxDrafts); err != nil {
				return err
			}
			if once != nil {
				once.CreatedAt = row.CreatedAt
				if err := s.rememberWrite(tx, once); err != nil {
					return err
				}
			}
			created(&row)
			return nil
		})
	}
	return wrap(err, "create a response to assessment %d", r.AssessmentID)
}

// UpdateResponse replaces a stored response's content (pillar, language, answers,
// reflections, strength, opportunity) in one transaction, and stores it with r.Status;
// see UpdateResponseAs.
func (s *Store) UpdateResponse(ctx context.Context, r *assessment.Response) error {
	return s.UpdateResponseAs(ctx, r, nil, 0)
}

// Rotation replaces a response's resume token: OldTokenHash, the one the request came
// with, must still be current (assessment.ErrNotFound otherwise), and NewTokenHash takes
// its place, so the old link stops working.
type Rotation struct {
	OldTokenHash, NewTokenHash string
}

// UpdateResponseAs is UpdateResponse by a browser: when r.Writer is set it binds the
// response to that writer, and with rot it also replaces the resume token.
//
// The rules about the stored response are decided in the UPDATE statement itself rather
// than from an earlier read, so they hold however requests race:
//   - Submitted stays submitted: a draft save (r.Status Draft) only updates a response
//     that is still a draft ("WHERE status = 'draft'"); one that reaches a submitted
//     response changes nothing and returns assessment.ErrAlreadySubmitted.
//   - A submitted response keeps its pillar (assessment.ErrPillarFixed).
//   - A response in its team report already no longer changes (assessment.ErrReleased).
//   - With ifVersion > 0, only a response still at that version changes (a client's
//     If-Match): of two changes made against one version, one is stored and the other
//     gets assessment.ErrStale.
//
// Every change moves the version on; r.Version is set to the new one. A submission keeps the first submission time. It returns assessment.ErrClosed when the
// assessment is closed and assessment.ErrNotFound when the response (or, with rot, its
// token) is gone.
func (s *Store) UpdateResponseAs(ctx context.Context, r *assessment.Response, rot *Rotation, ifVersion int64) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		now := s.db.NowFunc()
		if err := s.lockOpenAssessment(tx, r.AssessmentID, now); err != nil {
			return err
		}
		row := toResponseRow(r)
		set := map[string]any{
			"pillar":            row.Pillar,
			"language":          row.Language,
			"status":            row.Status,
			"strength_text":     row.StrengthText,
			"strength_theme":    row.StrengthTheme,
			"opportunity_text":  row.OpportunityText,
			"opportunity_theme": row.OpportunityTheme,
			"updated_at":        now,
			"version":           gorm.Expr("version + 1"),
		}
		if r.Writer != "" {
			set["writer_hash"] = r.Writer
		}
		q := tx.Model(&responseRow{}).Where("id = ? AND assessment_id = ?", r.ID, r.AssessmentID)
		if rot != nil {
			set["token_hash"] = rot.NewTokenHash
			q = q.Where("token_hash = ?", rot.OldTokenHash)
		}
		if ifVersion > 0 {
			q = q.Where("version = ?", ifVersion)
		}
		switch r.Status {
		case assessment.Submitted:
			set["submitted_at"] = gorm.Expr("COALESCE(submitted_at, ?)", now)
			q = q.Where("status = ? OR (pillar = ? AND released_at IS NULL)", string(assessment.Draft), row.Pillar)
		case assessment.Draft:
			q = q.Where("status = ?", string(assessment.Draft))
		default:
			return fmt.Errorf("response status %q", r.Status)
		}
		res := q.Updates(set)
		if res.Error != nil {
			return res.Error
		}
		var current responseRow
		if err := tx.Select("status", "pillar", "token_hash", "created_at", "submitted_at", "released_at", "version").
			Take(&current, "id = ? AND assessment_id = ?", r.ID, r.AssessmentID).Error; err != nil {
			return notFound(err)
		}
		if res.RowsAffected == 0 {
			switch {
			case rot != nil && current.TokenHash != rot.OldTokenHash:
				return assessment.ErrNotFound // the link changed meanwhile
			case ifVersion > 0 && current.Version != ifVersion:
				return assessment.ErrStale
			case current.Status != string(assessment.Submitted):
				return assessment.ErrNotFound
			case r.Status == assessment.Draft:
				return assessment.ErrAlreadySubmitted
			case current.ReleasedAt != nil:
				return assessment.ErrReleased
			}
			return assessment.ErrPillarFixed
		}
		if err := s.replaceChildren(tx, r.ID, r); err != nil {
			return err
		}
		r.CreatedAt, r.UpdatedAt, r.SubmittedAt, r.Version = current.CreatedAt, now, current.SubmittedAt, current.Version
		return nil
	})
	return wrap(err, "update response %d", r.ID)
}

// ClaimResponse binds a response to another browser, writer, and replaces its resume
// token as rot says, without changing its content: the old link stops working. It works
// on a closed assessment too (the read-only copy is then shown to the new writer).
func (s *Store) ClaimResponse(ctx context.Context, id int64, writer string, rot Rotation) error {
	res := s.db.WithContext(ctx).Model(&responseRow{}).Where("id = ? AND token_hash = ?", id, rot.OldTokenHash).
		Updates(map[string]any{"writer_hash": writer, "token_hash": rot.NewTokenHash})
	if res.Error != nil {
		return wrap(res.Error, "claim response %d", id)
	}
	if res.RowsAffected == 0 {
		return assessment.ErrNotFound
	}
	return nil
}

// ReleaseGroup is one pillar group's submitted responses: Shown are in the team report, Held
// wait for enough others to join them.
type ReleaseGroup struct {
	Shown, Held int
}

// Release decides, per pillar, which submitted responses the team report of an
// assessment shows, in one transaction. A group's figures may only change by a whole
// group at a time: once shown, newer submissions are held until at least threshold of
// them have arrived, and are then released together (released_at set); before that, a
// second look at the report shows exactly what the first did, so comparing two looks
// tells nothing of one person. A group never shown is released once it reaches the
// threshold. It returns the groups as they stand after releasing.
func (s *Store) Release(ctx context.Context, assessmentID int64, threshold int) (map[string]ReleaseGroup, error) {
	out := map[string]ReleaseGroup{}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []struct {
			Pillar      string
			Shown, Held int
		}
		err := tx.Model(&responseRow{}).
			Select("pillar, SUM(CASE WHEN released_at IS NULL THEN 0 ELSE 1 END) AS shown, SUM(CASE WHEN released_at IS NULL THEN 1 ELSE 0 END) AS held").
			Where("assessment_id = ? AND status = ?", assessmentID, string(assessment.Submitted)).
			Group("pillar").Scan(&rows).Error
		if err != nil {
			return err
		}
		now := s.db.NowFunc()
		for _, r := range rows {
			g := ReleaseGroup{Shown: r.Shown, Held: r.Held}
			if r.Held > 0 && r.Held >= threshold {
				res := tx.Model(&responseRow{}).
					Where("assessment_id = ? AND pillar = ? AND status = ? AND released_at IS NULL", assessmentID, r.Pillar, string(assessment.Submitted)).
					UpdateColumn("released_at", now) // not an edit: updated_at stays
				if res.Error != nil {
					return res.Error
				}
				g = ReleaseGroup{Shown: r.Shown + int(res.RowsAffected)}
			}
			out[r.Pillar] = g
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "release the report of assessment %d", assessmentID)
	}
	return out, nil
}

// ResponseByToken returns the response whose resume token hashes to tokenHash, with its
// answers and reflections, or assessment.ErrNotFound.
func (s *Store) ResponseByToken(ctx context.Context, tokenHash string) (*assessment.Response, error) {
	db := s.read.WithContext(ctx)
	var row responseRow
	if err := db.Take(&row, "token_hash = ?", tokenHash).Error; err != nil {
		return nil, wrap(notFound(err), "find a response by resume token")
	}
	var answers []answerRow
	if err := db.Where("response_id = ?", row.ID).Find(&answers).Error; err != nil {
		return nil, wrap(err, "read the answers of response %d", row.ID)
	}
	var reflections []reflectionRow
	if err := db.Where("response_id = ?", row.ID).Find(&reflections).Error; err != nil {
		return nil, wrap(err, "read the reflections of response %d", row.ID)
	}
	r := &assessment.Response{
		ID:           row.ID,
		AssessmentID: row.AssessmentID,
		Pillar:       row.Pillar,
		Language:     row.Language,
		Answers:      make(map[string]assessment.Answer, len(answers)),
		Reflections:  make(map[string]string, len(reflections)),
		Strength:     assessment.Named{Text: row.StrengthText, Theme: row.StrengthTheme},
		Opportunity:  assessment.Named{Text: row.OpportunityText, Theme: row.OpportunityTheme},
		Status:       assessment.ResponseStatus(row.Status),
		CreatedAt:    row.CreatedAt,
		UpdatedAt:    row.UpdatedAt,
		SubmittedAt:  row.SubmittedAt,
		ReleasedAt:   row.ReleasedAt,
		Writer:       row.WriterHash,
		Version:      row.Version,
	}
	for _, a := range answers {
		r.Answers[a.ItemID] = assessment.Answer(a.Value)
	}
	for _, f := range reflections {
		r.Reflections[f.PromptID] = f.Text
	}
	return r, nil
}

func toResponseRow(r *assessment.Response) responseRow {
	return responseRow{
		ID:               r.ID,
		AssessmentID:     r.AssessmentID,
		Pillar:           r.Pillar,
		Language:         r.Language,
		Status:           string(r.Status),
		StrengthText:     r.Strength.Text,
		StrengthTheme:    r.Strength.Theme,
		OpportunityText:  r.Opportunity.Text,
		OpportunityTheme: r.Opportunity.Theme,
		WriterHash:       r.Writer,
	}
}

// DeleteDraftsUntouchedSince removes the drafts last saved before cutoff, with their
// answers and reflections, and tells how many there were. Submitted responses are never
// touched.
func (s *Store) DeleteDraftsUntouchedSince(ctx context.Context, cutoff time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("status = ? AND updated_at < ?", string(assessment.Draft), cutoff.UTC()).Delete(&responseRow{})
	return res.RowsAffected, wrap(res.Error, "delete drafts untouched since %s", cutoff.Format(time.DateOnly))
}
