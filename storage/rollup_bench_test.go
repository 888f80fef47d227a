package storage_test

// The organization's roll-up at scale: 500 teams whose latest closed round has 20
// submitted responses each (10,000 responses, 160,000 answers), in 10 units, on a SQLite
// file. Beside them, what must not be counted: an earlier closed round of one team in
// ten (1,000 responses), the open next round of another team in ten, and 500 drafts.
// Target (issue 16): the roll-up ≤ 1.5× the baseline.
//
//	go test -run '^$' -bench Rollup -benchmem -count 5 ./storage
//
// BenchmarkRollup has four parts, as BenchmarkReport10k:
//
//   - baseline: the plain GROUP BY that counts the chosen rounds' answers, one row per
//     round, pillar, item and value (TallySQL's statement for the 500 rounds at once),
//     run with database/sql on a read-only connection and scanned into a slice, given
//     the 500 rounds' ids: the raw SQL that counts the same answers.
//   - ecat: what the Organization page, the API and `ecat export --rollup` do:
//     survey's RollupAt: storage.Rollup (the teams and their latest closed rounds
//     chosen, the responses per round and pillar with the named themes, and the answers,
//     in one read transaction) and every team's figures made as its report makes them,
//     the organization's over them.
//   - paired: both alternately (benchpair.Ratio), reporting "ratio": the target's
//     figure. The roll-up counts with storage.RollupTallySQL, the same counts with the
//     four answers side by side (one row per item rather than per value): stepping
//     through rows is most of the plain GROUP BY's time, so ecat comes out faster.
//   - paired-own: ecat against storage.RollupTallySQL itself run bare the same way:
//     what everything around the counting costs (the other statements and the scores
//     of 500 teams), for the record.
//
// Seeding writes raw SQL in one transaction (about a second) once per test process; each
// run opens its own copy of the file, as the report benchmark does.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/internal/benchpair"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
	"github.com/ecat-project/ecat/survey"
)

const (
	rollupTeams     = 500
	rollupResponses = 20 // per team, in its latest closed round
	rollupUnits     = 10
)

type rollupBenchFixture struct {
	db     []byte
	chosen []int64 // the latest closed round of each team
}

var rollupBench seededOnce[*rollupBenchFixture]

func rollupFixture500(b *testing.B) *rollupBenchFixture {
	b.Helper()
	return rollupBench.get(b, "ecat-rollup-bench-", seedRollup)
}

func seedRollup(sd *seeding) (*rollupBenchFixture, error) {
	ctx, in := sd.ctx, sd.in
	if err := sd.begin(); err != nil {
		return nil, err
	}
	insRound, err := sd.tx.PrepareContext(ctx, `INSERT INTO assessments
		(id, title, team, language, threshold, status, code, instrument_version, round, previous_id,
		 created_at, closed_at, series_id, unit)
		VALUES (?, ?, ?, 'en', 3, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	themes := in.Themes
	nextID, responses := int64(0), 0
	round := func(series int64, team int, n int, status assessment.Status, prev *int64) (int64, error) {
		nextID++
		var closedAt any
		if status == assessment.Closed {
			closedAt = now
		}
		if series == 0 {
			series = nextID
		}
		_, err := insRound.ExecContext(ctx, nextID, fmt.Sprintf("Round %d", n), fmt.Sprintf("Team %03d", team),
			string(status), fmt.Sprintf("BENCH%011d", nextID), in.Version, n, prev, now, closedAt, series,
			fmt.Sprintf("Unit %d", team%rollupUnits))
		return nextID, err
	}
	// respond stores n responses to round id: a few leaders (two in even teams, so
	// withheld there), many staff, some patient partners.
	respond := func(id int64, team, n int, status assessment.ResponseStatus) error {
		args := make([]any, 0, 3*seedAnswers)
		for i := range n {
			responses++
			p := in.Pillar(pillars.Staff)
			switch {
			case i < 2+team%2*2:
				p = in.Pillar(pillars.Leadership)
			case i >= n-6:
				p = in.Pillar(pillars.PatientPartners)
			}
			submittedAt := any(now)
			if status == assessment.Draft {
				submittedAt = nil
			}
			res, err := sd.insResponse.ExecContext(ctx, id, p.Key, string(status), fmt.Sprintf("rollup-token-%07d", responses),
				fmt.Sprintf("Strength %d", responses), themes[(team+i)%len(themes)].Key,
				fmt.Sprintf("Opportunity %d", responses), themes[(team*3+i)%len(themes)].Key,
				now, now, submittedAt, submittedAt) // submitted ones already in the report
			if err != nil {
				return err
			}
			rid, err := res.LastInsertId()
			if err != nil {
				return err
			}
			args = args[:0]
			for j, it := range p.Items() {
				v := assessment.Answers[(team*5+i*7+j*3)%len(assessment.Answers)]
				args = append(args, rid, it.ID, string(v))
			}
			if _, err := sd.insAnswers.ExecContext(ctx, args...); err != nil {
				return err
			}
		}
		return nil
	}
	fx := &rollupBenchFixture{}
	for team := range rollupTeams {
		first, err := round(0, team, 1, assessment.Closed, nil)
		if err != nil {
			return nil, err
		}
		chosen := first
		if team%10 == 3 { // an earlier closed round, then the latest
			if err := respond(first, team, rollupResponses, assessment.Submitted); err != nil {
				return nil, err
			}
			if chosen, err = round(first, team, 2, assessment.Closed, &first); err != nil {
				return nil, err
			}
		}
		if err := respond(chosen, team, rollupResponses, assessment.Submitted); err != nil {
			return nil, err
		}
		if err := respond(chosen, team, 1, assessment.Draft); err != nil {
			return nil, err
		}
		if team%10 == 7 { // the next round is open
			open, err := round(first, team, 2, assessment.Open, &chosen)
			if err != nil {
				return nil, err
			}
			if err := respond(open, team, 3, assessment.Submitted); err != nil {
				return nil, err
			}
		}
		fx.chosen = append(fx.chosen, chosen)
	}
	if fx.db, err = sd.file(); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "seeded %d teams, %d responses in %s, %.1f MB\n",
		rollupTeams, responses, time.Since(sd.started).Round(time.Millisecond), float64(len(fx.db))/1e6)
	return fx, nil
}

// rollupGroupBySQL is the plain GROUP BY that counts the answers of n rounds: one row per
// round, pillar, item and value (TallySQL for many rounds).
func rollupGroupBySQL(n int) string {
	return `SELECT r.assessment_id, r.pillar, a.item_id, a.value, COUNT(*)
	FROM answers a JOIN responses r ON r.id = a.response_id
	WHERE r.assessment_id IN (?` + strings.Repeat(", ?", n-1) + `) AND r.status = ? AND r.released_at IS NOT NULL
	GROUP BY r.assessment_id, r.pillar, a.item_id, a.value`
}

// rawRollupTally runs the plain GROUP BY over rounds with database/sql.
func rawRollupTally(ctx context.Context, db *sql.DB, rounds []int64) (_ []rawCount, err error) {
	rows, err := db.QueryContext(ctx, rollupGroupBySQL(len(rounds)), rollupArgs(rounds)...)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, rows.Close()) }()
	var out []rawCount
	for rows.Next() {
		var c rawCount
		var id int64
		if err := rows.Scan(&id, &c.Pillar, &c.ItemID, &c.Value, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// rawRollupOwn runs the roll-up's own counting statement (storage.RollupTallySQL) over
// rounds with database/sql, and returns the answers it counted.
func rawRollupOwn(ctx context.Context, db *sql.DB, rounds []int64) (_ int, err error) {
	rows, err := db.QueryContext(ctx, storage.RollupTallySQL(len(rounds)), rollupArgs(rounds)...)
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, rows.Close()) }()
	total := 0
	for rows.Next() {
		var id int64
		var pillar, item string
		var n [4]int
		if err := rows.Scan(&id, &pillar, &item, &n[0], &n[1], &n[2], &n[3]); err != nil {
			return 0, err
		}
		total += n[0] + n[1] + n[2] + n[3]
	}
	return total, rows.Err()
}

func rollupArgs(rounds []int64) []any {
	args := make([]any, 0, len(rounds)+1)
	for _, id := range rounds {
		args = append(args, id)
	}
	return append(args, string(assessment.Submitted))
}

func BenchmarkRollup(b *testing.B) {
	fx := rollupFixture500(b)
	s := openFixture(b, &benchFixture{db: fx.db})
	db, err := storage.ReadDB(s).DB()
	if err != nil {
		b.Fatal(err)
	}
	catalog, err := pillars.Load()
	if err != nil {
		b.Fatal(err)
	}
	words, err := locale.Load()
	if err != nil {
		b.Fatal(err)
	}
	svc := survey.New(s, catalog, words, nil)
	ctx := b.Context()

	baseline := func(b *testing.B) {
		counts, err := rawRollupTally(ctx, db, fx.chosen)
		if err != nil {
			b.Fatal(err)
		}
		if len(counts) == 0 {
			b.Fatal("no counts")
		}
	}
	own := func(b *testing.B) {
		if n, err := rawRollupOwn(ctx, db, fx.chosen); err != nil || n == 0 {
			b.Fatal(n, err)
		}
	}
	ecat := func(b *testing.B) {
		r, err := svc.RollupAt(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Teams) != rollupTeams {
			b.Fatalf("roll-up of %d teams", len(r.Teams))
		}
	}

	// Both once, checked: a fast wrong answer is no result.
	counts, err := rawRollupTally(ctx, db, fx.chosen)
	sum := checkRawCounts(b, counts, err, seedAnswers*rollupTeams*rollupResponses)
	if n, err := rawRollupOwn(ctx, db, fx.chosen); err != nil || n != sum {
		b.Fatalf("the roll-up's statement counted %d answers (%v), want %d", n, err, sum)
	}
	r, err := svc.RollupAt(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	submitted, withheld, notClosed := 0, 0, 0
	for _, t := range r.Teams {
		submitted += t.Submitted
		withheld += len(t.WithheldPillars)
	}
	notClosed = len(r.NotClosed)
	// Even teams' two leaders are withheld: 250 groups, 500 responses not in any figure.
	if len(r.Teams) != rollupTeams || withheld != rollupTeams/2 || submitted != rollupTeams*rollupResponses-rollupTeams || notClosed != 0 {
		b.Fatalf("roll-up: %d teams, %d responses shown, %d groups withheld, %d without a closed round",
			len(r.Teams), submitted, withheld, notClosed)
	}
	if len(r.Units) != rollupUnits || len(r.Themes) != len(catalog.Current().Themes) || r.Themes[0].Score == nil {
		b.Fatalf("roll-up: units %v, themes %+v", r.Units, r.Themes)
	}

	benchpair.Run(b, baseline, ecat)
	// Against the roll-up's own counting statement run bare: what the rest costs.
	b.Run("paired-own", func(b *testing.B) { benchpair.Ratio(b, own, ecat) })
}
