package storage

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/ecat-project/ecat/assessment"
)

type assessmentRow struct {
	ID                int64 `gorm:"primaryKey"`
	Title             string
	Team              string
	Language          string
	Threshold         int
	Status            string
	Code              string
	InstrumentVersion string
	Round             int
	PreviousID        *int64
	FacilitatorID     *int64
	CreatedAt         time.Time
	ClosedAt          *time.Time
	DiscussedAt       *time.Time
	// Version counts the changes of the assessment (1 when created).
	Version int64 `gorm:"default:1"`
	// SeriesID is the id of the team's first round (set just after the first round's
	// insert, from its own id).
	SeriesID *int64
	Unit     string
	// Expected is the expected headcounts per pillar as a JSON object, "" for none.
	Expected string
	ClosesAt *time.Time
}

func (assessmentRow) TableName() string { return "assessments" }

func (r *assessmentRow) toDomain() *assessment.Assessment {
	return &assessment.Assessment{
		ID:                r.ID,
		Title:             r.Title,
		Team:              r.Team,
		Language:          r.Language,
		Threshold:         r.Threshold,
		Status:            assessment.Status(r.Status),
		Code:              r.Code,
		InstrumentVersion: r.InstrumentVersion,
		Round:             r.Round,
		PreviousID:        r.PreviousID,
		FacilitatorID:     r.FacilitatorID,
		CreatedAt:         r.CreatedAt,
		ClosedAt:          r.ClosedAt,
		DiscussedAt:       r.DiscussedAt,
		Version:           r.Version,
		SeriesID:          r.series(),
		Unit:              r.Unit,
		Expected:          decodeExpected(r.Expected),
		ClosesAt:          r.ClosesAt,
	}
}

// series is the row's series id; a first round read between its insert and the update
// that names its series is its own series.
func (r *assessmentRow) series() int64 {
	if r.SeriesID != nil {
		return *r.SeriesID
	}
	return r.ID
}

// newAssessmentRow is the row that stores a new assessment a.
func newAssessmentRow(a *assessment.Assessment) assessmentRow {
	row := assessmentRow{
		Title:             a.Title,
		Team:              a.Team,
		Language:          a.Language,
		Threshold:         a.Threshold,
		Status:            string(a.Status),
		Code:              a.Code,
		InstrumentVersion: a.InstrumentVersion,
		Round:             a.Round,
		PreviousID:        a.PreviousID,
		FacilitatorID:     a.FacilitatorID,
		Unit:              a.Unit,
		Expected:          encodeExpected(a.Expected),
		ClosesAt:          utcPtr(a.ClosesAt),
	}
	if a.SeriesID > 0 {
		series := a.SeriesID
		row.SeriesID = &series
	}
	return row
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// encodeExpected stores expected headcounts as a JSON object with its keys in order;
// "" for none.
func encodeExpected(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	b, err := json.Marshal(m) // map keys are sorted: the same map, the same text
	if err != nil {
		return ""
	}
	return string(b)
}

func decodeExpected(s string) map[string]int {
	if s == "" {
		return nil
	}
	var m map[string]int
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	return m
}

// nameSeries names the series of a round just inserted without one, in the transaction
// of its insert: a round that follows another of the same owner continues that one's
// series; any other starts its own (a round never joins someone else's team, whose
// members and earlier figures would then be its).
func nameSeries(tx *gorm.DB, row *assessmentRow) error {
	if row.SeriesID != nil {
		return nil
	}
	series := row.ID
	if row.PreviousID != nil {
		var prev assessmentRow
		if err := tx.Select("id", "series_id", "facilitator_id").Take(&prev, "id = ?", *row.PreviousID).Error; err != nil {
			return notFound(err)
		}
		if prev.FacilitatorID != nil && row.FacilitatorID != nil && *prev.FacilitatorID == *row.FacilitatorID {
			series = prev.series()
		}
	}
	row.SeriesID = &series
	return tx.Model(&assessmentRow{}).Where("id = ?", row.ID).UpdateColumn("series_id", series).Error
}

// CreateAssessment stores a new assessment and sets its ID and CreatedAt.
func (s *Store) CreateAssessment(ctx context.Context, a *assessment.Assessment) error {
	row := newAssessmentRow(a)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return nameSeries(tx, &row)
	})
	if err != nil {
		return wrap(err, "create assessment %q", a.Title)
	}
	a.ID, a.CreatedAt, a.Version, a.SeriesID = row.ID, row.CreatedAt, 1, *row.SeriesID
	return nil
}

// TouchAssessment moves assessment id's version on, for a change of its state made in
// the same transaction (InTx). With ifVersion > 0 it does so only while the assessment is
// still at that version, decided in the UPDATE statement itself (a client's If-Match): of
// two changes made against one version, one goes through and the other gets
// assessment.ErrStale, and nothing of it is stored. assessment.ErrNotFound when there is
// no such assessment.
func (s *Store) TouchAssessment(ctx context.Context, id, ifVersion int64) error {
	q := s.db.WithContext(ctx).Model(&assessmentRow{}).Where("id = ?", id)
	if ifVersion > 0 {
		q = q.Where("version = ?", ifVersion)
	}
	res := q.UpdateColumn("version", gorm.Expr("version + 1"))
	if res.Error != nil {
		return wrap(res.Error, "change assessment %d", id)
	}
	s.codes.invalidate()
	if res.RowsAffected > 0 {
		return nil
	}
	var n int64
	if err := s.db.WithContext(ctx).Model(&assessmentRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return wrap(err, "change assessment %d", id)
	}
	if n == 0 {
		return assessment.ErrNotFound
	}
	return assessment.ErrStale
}

// Assessment returns the assessment with id, or assessment.ErrNotFound.
// It may be up to a moment old when another server or process changed it (cache.go).
func (s *Store) Assessment(ctx context.Context, id int64) (*assessment.Assessment, error) {
	if a, ok := s.codes.get("", id); ok {
		return a, nil
	}
	gen := s.codes.generation()
	var row assessmentRow
	if err := s.read.WithContext(ctx).Take(&row, "id = ?", id).Error; err != nil {
		return nil, wrap(notFound(err), "read assessment %d", id)
	}
	a := row.toDomain()
	s.codes.put(a, gen)
	return a, nil
}

// AssessmentByCode returns the assessment with a join code, or assessment.ErrNotFound.
// Like Assessment, it may be up to a moment old.
func (s *Store) AssessmentByCode(ctx context.Context, code string) (*assessment.Assessment, error) {
	if a, ok := s.codes.get(code, 0); ok {
		return a, nil
	}
	gen := s.codes.generation()
	var row assessmentRow
	if err := s.read.WithContext(ctx).Take(&row, "code = ?", code).Error; err != nil {
		return nil, wrap(notFound(err), "find an assessment by join code")
	}
	a := row.toDomain()
	s.codes.put(a, gen)
	return a, nil
}

// DeleteAssessment removes an assessment with all its responses and actions.
func (s *Store) DeleteAssessment(ctx context.Context, id int64) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row assessmentRow
		if err := tx.Select("id", "series_id").Take(&row, "id = ?", id).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Delete(&assessmentRow{}, "id = ?", id).Error; err != nil {
			return err
		}
		// The last round of a team gone, nobody is left to share it with.
		return tx.Exec(`DELETE FROM assessment_members WHERE series_id = ?
			AND NOT EXISTS (SELECT 1 FROM assessments WHERE series_id = ?)`, row.series(), row.series()).Error
	})
	s.codes.invalidate()
	return wrap(err, "delete assessment %d", id)
}

// SetAssessmentStatus opens or closes an assessment. Closing records when. A round that
// has a next round cannot be reopened (assessment.ErrAlreadyReassessed): the team would
// have two open rounds, and the next round's comparison a moving target. Reopening
// clears a closing moment that has come (the round would close again at once).
func (s *Store) SetAssessmentStatus(ctx context.Context, id int64, status assessment.Status) (*assessment.Assessment, error) {
	now := s.db.NowFunc()
	set := map[string]any{"status": string(status), "closed_at": nil}
	if status == assessment.Closed {
		set["closed_at"] = &now
	} else {
		set["closes_at"] = clearPassedClosing(now)
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if status == assessment.Open {
			if err := notReassessed(tx, id); err != nil {
				return err
			}
		}
		res := tx.Model(&assessmentRow{}).Where("id = ?", id).Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return assessment.ErrNotFound
		}
		return nil
	})
	s.codes.invalidate()
	if err != nil {
		return nil, wrap(err, "set assessment %d %s", id, status)
	}
	return s.Assessment(ctx, id)
}

// notReassessed fails with assessment.ErrAlreadyReassessed when the round has a next one.
func notReassessed(tx *gorm.DB, id int64) error {
	var n int64
	if err := tx.Model(&assessmentRow{}).Where("previous_id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return assessment.ErrAlreadyReassessed
	}
	return nil
}

// ResponseCounts returns, per pillar key, the submitted and draft responses of an
// assessment, counted in the database.
func (s *Store) ResponseCounts(ctx context.Context, assessmentID int64) (map[string]assessment.PillarCounts, error) {
	var rows []struct {
		Pillar string
		Status string
		N      int
	}
	err := s.read.WithContext(ctx).Model(&responseRow{}).
		Select("pillar, status, COUNT(*) AS n").
		Where("assessment_id = ?", assessmentID).
		Group("pillar, status").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "count responses of assessment %d", assessmentID)
	}
	out := map[string]assessment.PillarCounts{}
	for _, r := range rows {
		addCount(out, r.Pillar, r.Status, r.N)
	}
	return out, nil
}

func addCount(counts map[string]assessment.PillarCounts, pillar, status string, n int) {
	c := counts[pillar]
	switch assessment.ResponseStatus(status) {
	case assessment.Submitted:
		c.Submitted += n
	case assessment.Draft:
		c.Drafts += n
	}
	counts[pillar] = c
}

// ListAssessments lists assessments, newest first, each with its responses counted per
// pillar and status, in one query (a dashboard of dozens of rounds costs one round trip,
// not one per round). With viewer nil it lists every assessment (the command line, an
// admin), else the ones that facilitator owns or that are shared with them (Listed.SharedAs).
func (s *Store) ListAssessments(ctx context.Context, viewer *int64) ([]assessment.Listed, error) {
	return s.ListAssessmentsWhere(ctx, viewer, ListFilter{})
}

// ListFilter narrows and pages a list of assessments. Zero fields filter nothing.
type ListFilter struct {
	Status assessment.Status // open or closed
	Team   string            // exactly this team
	Round  int               // this round number
	Unit   *string           // exactly this unit ("" for teams with none)
	// Before lists only assessments with a smaller id (the cursor of the page before);
	// Limit lists at most that many (0: all).
	Before int64
	Limit  int
}

// ListAssessmentsWhere is ListAssessments narrowed by f: newest first, at most f.Limit.
func (s *Store) ListAssessmentsWhere(ctx context.Context, viewer *int64, f ListFilter) ([]assessment.Listed, error) {
	var conds []string
	var args []any
	chosen := "SELECT a.*, '' AS shared_as FROM assessments a"
	if viewer != nil {
		// The viewer's own rounds, and the rounds of every series shared with them.
		chosen = `SELECT a.*, CASE WHEN a.facilitator_id = ? THEN '' ELSE COALESCE(m.role, '') END AS shared_as
			FROM assessments a LEFT JOIN assessment_members m ON m.series_id = a.series_id AND m.facilitator_id = ?`
		args = append(args, *viewer, *viewer)
		conds, args = append(conds, "(a.facilitator_id = ? OR m.role IS NOT NULL)"), append(args, *viewer)
	}
	if f.Status != "" {
		conds, args = append(conds, "a.status = ?"), append(args, string(f.Status))
	}
	if f.Team != "" {
		conds, args = append(conds, "a.team = ?"), append(args, f.Team)
	}
	if f.Unit != nil {
		conds, args = append(conds, "a.unit = ?"), append(args, *f.Unit)
	}
	if f.Round > 0 {
		conds, args = append(conds, "a.round = ?"), append(args, f.Round)
	}
	if f.Before > 0 {
		conds, args = append(conds, "a.id < ?"), append(args, f.Before)
	}
	if len(conds) > 0 {
		chosen += " WHERE " + strings.Join(conds, " AND ")
	}
	chosen += " ORDER BY a.id DESC"
	if f.Limit > 0 {
		chosen += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := s.read.WithContext(ctx).Raw(`SELECT a.id, a.title, a.team, a.language, a.threshold, a.status,
			a.code, a.instrument_version, a.round, a.previous_id, a.facilitator_id, a.created_at,
			a.closed_at, a.discussed_at, a.version, a.series_id, a.unit, a.expected, a.closes_at, a.shared_as,
			r.pillar, r.status AS response_status, COUNT(r.id) AS n
		FROM (`+chosen+`) a LEFT JOIN responses r ON r.assessment_id = a.id
		GROUP BY a.id, a.title, a.team, a.language, a.threshold, a.status, a.code, a.instrument_version, a.round,
			a.previous_id, a.facilitator_id, a.created_at, a.closed_at, a.discussed_at, a.version,
			a.series_id, a.unit, a.expected, a.closes_at, a.shared_as, r.pillar, r.status
		ORDER BY a.id DESC`, args...).Rows()
	var out []assessment.Listed
	err = eachRow(ctx, rows, err, func() error {
		var (
			row            assessmentRow
			pillar, status *string
			sharedAs       string
			n              int
		)
		if err := rows.Scan(&row.ID, &row.Title, &row.Team, &row.Language, &row.Threshold, &row.Status,
			&row.Code, &row.InstrumentVersion, &row.Round, &row.PreviousID, &row.FacilitatorID, &row.CreatedAt,
			&row.ClosedAt, &row.DiscussedAt, &row.Version, &row.SeriesID, &row.Unit, &row.Expected, &row.ClosesAt,
			&sharedAs, &pillar, &status, &n); err != nil {
			return err
		}
		if len(out) == 0 || out[len(out)-1].ID != row.ID {
			out = append(out, assessment.Listed{Assessment: *row.toDomain(), Counts: map[string]assessment.PillarCounts{}, SharedAs: sharedAs})
		}
		if pillar != nil && status != nil {
			addCount(out[len(out)-1].Counts, *pillar, *status, n)
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "list assessments")
	}
	return out, nil
}

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return assessment.ErrNotFound
	}
	return err
}

// SetJoinCode gives open assessment id a new join code: from then on the old one finds
// nothing (on another server sharing the database, after at most a moment: cache.go).
// The responses already started keep their own links. assessment.ErrClosed for a round
// that no longer takes answers (closed, or past its closing moment: its code only leads
// to its summary), ErrNotFound when there is no such assessment.
func (s *Store) SetJoinCode(ctx context.Context, id int64, code string) error {
	res := s.db.WithContext(ctx).Model(&assessmentRow{}).
		Where("id = ? AND status = ? AND (closes_at IS NULL OR closes_at > ?)", id, string(assessment.Open), s.now()).
		UpdateColumn("code", code)
	s.codes.invalidate()
	if res.Error != nil {
		return wrap(res.Error, "give assessment %d a new join code", id)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	var n int64
	if err := s.db.WithContext(ctx).Model(&assessmentRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return wrap(err, "give assessment %d a new join code", id)
	}
	if n == 0 {
		return assessment.ErrNotFound
	}
	return assessment.ErrClosed
}
