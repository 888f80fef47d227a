package storage

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/ecat-project/ecat/assessment"
)

// The organization's roll-up: over every team a facilitator may see, the figures of the
// team's latest closed round, counted in the database. A team is a series of rounds
// (assessments.series_id). The counting is done with a fixed number of GROUP BY
// statements over all the chosen rounds at once (never one per team, and never a
// response read one by one), whatever the number of teams: see Rollup.

// RollupTeam is one team's latest closed round and what its team report counts of it:
// the released submitted responses per pillar and their answers per pillar, item and
// value (Tallies, without texts), and how many of those responses named a strength or an
// opportunity, per pillar and theme (Named). Nothing here is filtered by the anonymity
// rule yet: package reports applies it, as for the round's own report.
type RollupTeam struct {
	Round   assessment.Assessment
	Tallies assessment.Tallies
	Named   []assessment.NamedCount
}

// Rollup is what the organization's roll-up is made from.
type Rollup struct {
	// Teams are the teams with a closed round, each with its latest one, by unit, team
	// and series.
	Teams []RollupTeam
	// NotClosed are the teams with no closed round yet, each as its latest round, in the
	// same order.
	NotClosed []assessment.Assessment
	// Units are the units of every team the viewer may see, whatever the filter, sorted,
	// without the empty one: the choices of a filter.
	Units []string
}

// rollupChunk is the most rounds one statement names: far under SQLite's and
// PostgreSQL's limits on bound parameters, so an installation of any size is counted in
// a few statements per thousands of teams.
const rollupChunk = 2000

// errRelease ends the roll-up's read transaction when a group waits to be released (see
// Rollup).
var errRelease = errors.New("storage: the roll-up has groups to release")

// Rollup reads the roll-up over the teams viewer may see (nil: every team, for an admin
// and the command line): the ones whose rounds viewer owns and the ones shared with them,
// round by round as the access check decides. With unit set, only the teams of that unit
// (the unit of the round shown) are counted; Units still lists them all.
//
// Each team's figures are those its own report shows: the released responses only (see
// Release). A closed round takes no more responses, so its release is final once its
// report has been looked at; for a round closed since, with a group whose held responses
// have reached the threshold, Rollup releases them first, in one statement for every such
// round, exactly as opening that round's report would. So the roll-up and the report
// never disagree, whichever is looked at first.
//
// It reads in one read-only transaction (a snapshot on PostgreSQL), in three statements
// for up to rollupChunk teams: the rounds; the responses per round and pillar, with how
// many of the released ones named a strength and an opportunity tied to each of themes
// (the theme keys of every instrument version, "" for none, side by side in one row); and
// the answers per round, pillar and item, with the count of each value (RollupTallySQL).
// Nothing is read one response at a time. A text is only tested for being empty,
// never read. A theme outside themes (none is, unless the data was written by hand) is
// counted by a fourth statement, for the rounds that have one.
func (s *Store) Rollup(ctx context.Context, viewer *int64, unit *string, themes []string) (*Rollup, error) {
	out, err := s.rollup(ctx, viewer, unit, themes, true)
	if errors.Is(err, errRelease) {
		out, err = s.rollup(ctx, viewer, unit, themes, false)
	}
	return out, err
}

// rollup reads the roll-up; with release, when a chosen round has a group to release it
// releases it and returns errRelease, so the caller reads again.
func (s *Store) rollup(ctx context.Context, viewer *int64, unit *string, themes []string, release bool) (*Rollup, error) {
	out := &Rollup{}
	var pending []int64
	step := "read the roll-up"
	// The statements other than the answers' have little to do before their first row,
	// and many rows: on SQLite they run without go-sqlite3's watch on the context, which
	// costs a goroutine per row, and eachRow checks the context between rows instead (as
	// Tallies reads texts). The answers' GROUP BY does all its work in its first step,
	// which cancelling interrupts.
	quiet := ctx
	if s.dialect == SQLite {
		quiet = context.WithoutCancel(ctx)
	}
	err := s.read.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		step = "list the teams"
		if err := rollupRounds(ctx, tx.WithContext(quiet), viewer, unit, out); err != nil {
			return err
		}
		if len(out.Teams) == 0 {
			return nil
		}
		byID := make(map[int64]*RollupTeam, len(out.Teams))
		ids := make([]int64, len(out.Teams))
		for i := range out.Teams {
			t := &out.Teams[i]
			t.Tallies.Submitted = map[string]int{}
			byID[t.Round.ID], ids[i] = t, t.Round.ID
		}
		for chunk := range slices.Chunk(ids, rollupChunk) {
			step = "count the responses"
			held, others, err := rollupResponses(ctx, tx.WithContext(quiet), chunk, themes, byID)
			if err != nil {
				return err
			}
			pending = append(pending, held...)
			if len(pending) > 0 && release {
				continue // counted again once released
			}
			step = "count the answers"
			if err := rollupAnswers(ctx, tx, chunk, byID); err != nil {
				return err
			}
			if len(others) > 0 {
				step = "count the named themes"
				if err := rollupNamed(ctx, tx.WithContext(quiet), others, byID); err != nil {
					return err
				}
			}
		}
		return nil
	}, s.readOnly())
	if err != nil {
		return nil, wrap(err, "%s", step)
	}
	if len(pending) > 0 && release {
		if err := s.releaseRounds(ctx, pending); err != nil {
			return nil, err
		}
		return nil, errRelease
	}
	return out, nil
}

// rollupRounds lists the rounds viewer may see, one row per round, and keeps in out each
// team's latest closed round (Teams) or, for a team without one, its latest round
// (NotClosed), and the units. Every round of a team is listed, not only the ones shown:
// the assessments table holds rounds, not responses, and choosing in Go keeps the
// statement the same on both databases.
func rollupRounds(ctx context.Context, tx *gorm.DB, viewer *int64, unit *string, out *Rollup) error {
	q := `SELECT a.id, a.title, a.team, a.language, a.threshold, a.status, a.instrument_version, a.round,
			a.previous_id, a.facilitator_id, a.created_at, a.closed_at, a.discussed_at, a.version,
			COALESCE(a.series_id, a.id), a.unit
		FROM assessments a`
	var args []any
	if viewer != nil {
		q += ` WHERE a.facilitator_id = ? OR EXISTS (SELECT 1 FROM assessment_members m
			WHERE m.series_id = a.series_id AND m.facilitator_id = ?)`
		args = append(args, *viewer, *viewer)
	}
	q += ` ORDER BY COALESCE(a.series_id, a.id), a.round, a.id`
	rows, err := tx.Raw(q, args...).Rows()
	type series struct{ latest, closed *assessment.Assessment }
	var all []series
	units := map[string]bool{}
	err = eachRow(ctx, rows, err, func() error {
		var a assessment.Assessment
		var status string
		if err := rows.Scan(&a.ID, &a.Title, &a.Team, &a.Language, &a.Threshold, &status, &a.InstrumentVersion, &a.Round,
			&a.PreviousID, &a.FacilitatorID, &a.CreatedAt, &a.ClosedAt, &a.DiscussedAt, &a.Version,
			&a.SeriesID, &a.Unit); err != nil {
			return err
		}
		a.Status = assessment.Status(status)
		if len(all) == 0 || all[len(all)-1].latest.SeriesID != a.SeriesID {
			all = append(all, series{})
		}
		last := &all[len(all)-1]
		last.latest = &a // rounds come in order: the last one read is the latest
		if a.Status == assessment.Closed && a.ClosedAt != nil {
			last.closed = &a
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, sr := range all {
		shown := sr.closed
		if shown == nil {
			shown = sr.latest
		}
		if shown.Unit != "" {
			units[shown.Unit] = true
		}
		if unit != nil && shown.Unit != *unit {
			continue
		}
		if sr.closed != nil {
			out.Teams = append(out.Teams, RollupTeam{Round: *sr.closed})
		} else {
			out.NotClosed = append(out.NotClosed, *sr.latest)
		}
	}
	order := func(a, b *assessment.Assessment) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Unit), strings.ToLower(b.Unit)),
			strings.Compare(strings.ToLower(a.Team), strings.ToLower(b.Team)), cmp.Compare(a.SeriesID, b.SeriesID))
	}
	slices.SortFunc(out.Teams, func(a, b RollupTeam) int { return order(&a.Round, &b.Round) })
	slices.SortFunc(out.NotClosed, func(a, b assessment.Assessment) int { return order(&a, &b) })
	for u := range units {
		out.Units = append(out.Units, u)
	}
	slices.SortFunc(out.Units, func(a, b string) int {
		return cmp.Or(strings.Compare(strings.ToLower(a), strings.ToLower(b)), strings.Compare(a, b))
	})
	return nil
}

// inList is "(?, ?, …)" for n values, and ids as arguments.
func inList(ids []int64) (string, []any) {
	var b strings.Builder
	args := make([]any, len(ids))
	b.WriteByte('(')
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('?')
		args[i] = id
	}
	b.WriteByte(')')
	return b.String(), args
}

// rollupResponses counts the released submitted responses of the rounds ids per pillar
// into their tallies, as countShown does for one round, and with them how many named a
// strength, and an opportunity, tied to each theme of themes (Release's texts, counted
// as a report lists them: the text not empty). It returns the rounds with a group to
// release (newer submissions held, at least the round's threshold of them: Release's
// rule), and the rounds where a text was tied to a theme outside themes, whose named
// themes rollupNamed counts instead.
func rollupResponses(ctx context.Context, tx *gorm.DB, ids []int64, themes []string, byID map[int64]*RollupTeam) (held, others []int64, err error) {
	in, args := inList(ids)
	themes = append([]string{""}, slices.DeleteFunc(slices.Clone(themes), func(t string) bool { return t == "" })...)
	known, knownArgs := inList(make([]int64, len(themes)))
	for i, t := range themes {
		knownArgs[i] = t
	}
	var q strings.Builder
	q.WriteString(`SELECT assessment_id, pillar,
		SUM(CASE WHEN released_at IS NULL THEN 0 ELSE 1 END), SUM(CASE WHEN released_at IS NULL THEN 1 ELSE 0 END)`)
	var params []any
	for _, kind := range []string{"strength", "opportunity"} { // the columns' names, not data
		named := `released_at IS NOT NULL AND ` + kind + `_text <> ''`
		for _, t := range themes {
			q.WriteString(`, SUM(CASE WHEN ` + named + ` AND ` + kind + `_theme = ? THEN 1 ELSE 0 END)`)
			params = append(params, t)
		}
		q.WriteString(`, SUM(CASE WHEN ` + named + ` AND ` + kind + `_theme NOT IN ` + known + ` THEN 1 ELSE 0 END)`)
		params = append(params, knownArgs...)
	}
	q.WriteString(` FROM responses WHERE assessment_id IN ` + in + ` AND status = ? GROUP BY assessment_id, pillar`)
	params = append(append(params, args...), string(assessment.Submitted))
	rows, err := tx.Raw(q.String(), params...).Rows()
	counts := make([]int, 2+2*(len(themes)+1))
	dest := make([]any, 2+len(counts))
	var id int64
	var pillar string
	dest[0], dest[1] = &id, &pillar
	for i := range counts {
		dest[2+i] = &counts[i]
	}
	err = eachRow(ctx, rows, err, func() error {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		t := byID[id]
		if shown, waiting := counts[0], counts[1]; shown > 0 || waiting > 0 {
			if shown > 0 {
				t.Tallies.Submitted[pillar] = shown
			}
			if waiting > 0 && waiting >= t.Round.Threshold && !slices.Contains(held, id) {
				held = append(held, id)
			}
		}
		for k, kind := range []string{assessment.KindStrength, assessment.KindOpportunity} {
			base := 2 + k*(len(themes)+1)
			for i, theme := range themes {
				if n := counts[base+i]; n > 0 {
					t.Named = append(t.Named, assessment.NamedCount{Pillar: pillar, Kind: kind, Theme: theme, N: n})
				}
			}
			if counts[base+len(themes)] > 0 && !slices.Contains(others, id) {
				others = append(others, id)
			}
		}
		return nil
	})
	return held, others, err
}

// RollupTallySQL is the statement the roll-up counts the answers of n rounds with: one
// row per round, pillar and item, with the count of each answer (in the order of
// assessment.Answers), over the responses in each round's report. These are TallySQL's
// counts for many rounds at once, with the answers side by side: four times fewer rows
// to step through and scan than one per value (stepping a row costs go-sqlite3 more than
// counting it). Its arguments are the rounds' ids and then assessment.Submitted.
// Exported for the benchmark, which compares it with the plain GROUP BY per value.
func RollupTallySQL(n int) string {
	in, _ := inList(make([]int64, n))
	var b strings.Builder
	b.WriteString(`SELECT r.assessment_id, r.pillar, a.item_id`)
	for _, v := range assessment.Answers {
		b.WriteString(`, SUM(CASE WHEN a.value = '` + string(v) + `' THEN 1 ELSE 0 END)`)
	}
	b.WriteString(`
	FROM answers a JOIN responses r ON r.id = a.response_id
	WHERE r.assessment_id IN ` + in + ` AND r.status = ? AND r.released_at IS NOT NULL
	GROUP BY r.assessment_id, r.pillar, a.item_id`)
	return b.String()
}

// rollupAnswers adds the answers of the rounds ids, counted per round, pillar, item and
// value, to their tallies.
func rollupAnswers(ctx context.Context, tx *gorm.DB, ids []int64, byID map[int64]*RollupTeam) error {
	_, args := inList(ids)
	rows, err := tx.WithContext(ctx).Raw(RollupTallySQL(len(ids)), append(args, string(assessment.Submitted))...).Rows()
	var n [4]int
	if len(assessment.Answers) != len(n) {
		return errors.New("storage: the roll-up counts four answers")
	}
	// The same few dozen pillar keys and item ids come back in every round: each is
	// made a string once (names), not once per row.
	var id int64
	var pillar, item sql.RawBytes
	names := map[string]string{}
	name := func(b sql.RawBytes) string {
		if s, ok := names[string(b)]; ok {
			return s
		}
		s := string(b)
		names[s] = s
		return s
	}
	return eachRow(ctx, rows, err, func() error {
		if err := rows.Scan(&id, &pillar, &item, &n[0], &n[1], &n[2], &n[3]); err != nil {
			return err
		}
		t := byID[id]
		if t.Tallies.Items == nil {
			t.Tallies.Items = make([]assessment.ItemCount, 0, rollupItemsPerRound)
		}
		p, it := name(pillar), name(item)
		for i, v := range assessment.Answers {
			if n[i] > 0 {
				t.Tallies.Items = append(t.Tallies.Items, assessment.ItemCount{Pillar: p, ItemID: it, Answer: v, N: n[i]})
			}
		}
		return nil
	})
}

// rollupItemsPerRound is room for a round's answer counts at once: three pillars of 16
// statements, each answered two or three ways on average.
const rollupItemsPerRound = 128

// rollupNamed counts, per round, pillar and theme, the released responses that named a
// strength and those that named an opportunity: what the report lists as texts (a text
// that is not empty), counted without reading one, whatever the theme. It replaces the
// rounds' counts of rollupResponses.
func rollupNamed(ctx context.Context, tx *gorm.DB, ids []int64, byID map[int64]*RollupTeam) error {
	for _, id := range ids {
		byID[id].Named = nil
	}
	in, each := inList(ids)
	submitted := string(assessment.Submitted)
	args := make([]any, 0, 2*len(each)+2) // the rounds and the status, once per kind
	args = append(append(append(append(args, each...), submitted), each...), submitted)
	rows, err := tx.Raw(`SELECT assessment_id, pillar, '`+assessment.KindStrength+`' AS kind, strength_theme, COUNT(*)
		FROM responses WHERE assessment_id IN `+in+` AND status = ? AND released_at IS NOT NULL AND strength_text <> ''
		GROUP BY assessment_id, pillar, strength_theme
		UNION ALL
		SELECT assessment_id, pillar, '`+assessment.KindOpportunity+`' AS kind, opportunity_theme, COUNT(*)
		FROM responses WHERE assessment_id IN `+in+` AND status = ? AND released_at IS NOT NULL AND opportunity_text <> ''
		GROUP BY assessment_id, pillar, opportunity_theme`, args...).Rows()
	return eachRow(ctx, rows, err, func() error {
		var id int64
		var nc assessment.NamedCount
		if err := rows.Scan(&id, &nc.Pillar, &nc.Kind, &nc.Theme, &nc.N); err != nil {
			return err
		}
		t := byID[id]
		t.Named = append(t.Named, nc)
		return nil
	})
}

// releaseRounds releases, in the rounds ids, every group whose held submissions have
// reached the round's threshold: Release's rule, decided for every group of every round
// in the one UPDATE statement (the rows it changes are chosen before any is changed).
func (s *Store) releaseRounds(ctx context.Context, ids []int64) error {
	now := s.db.NowFunc()
	submitted := string(assessment.Submitted)
	for chunk := range slices.Chunk(ids, rollupChunk) {
		in, args := inList(chunk)
		err := s.db.WithContext(ctx).Exec(`UPDATE responses SET released_at = ?
			WHERE assessment_id IN `+in+` AND status = ? AND released_at IS NULL
			AND (SELECT COUNT(*) FROM responses h WHERE h.assessment_id = responses.assessment_id
				AND h.pillar = responses.pillar AND h.status = ? AND h.released_at IS NULL)
			>= (SELECT t.threshold FROM assessments t WHERE t.id = responses.assessment_id)`,
			append(append([]any{now}, args...), submitted, submitted)...).Error
		if err != nil {
			return wrap(err, "release the groups of %d rounds", len(chunk))
		}
	}
	return nil
}
