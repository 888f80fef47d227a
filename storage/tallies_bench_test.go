package storage_test

// Benchmarks of the report's counting at scale: one assessment with 10,000 submitted
// responses of seedAnswers (16) answers each (160,000 answer rows), plus 500 drafts that must be
// filtered out, on a SQLite file. Target (issue 8): ecat ≤ 1.5× the baseline.
//
//	go test -run '^$' -bench 10k -benchmem -count 5 ./storage
//
// BenchmarkReport10k has three parts:
//
//   - baseline: the single GROUP BY that counts answers per pillar, item and value
//     (storage.TallySQL, the statement Tallies counts a round with in one), run with
//     database/sql and scanned into a slice: the floor of counting in one statement.
//   - ecat: what the report page, the API and `ecat export` do: store.Tallies (that
//     GROUP BY, here in three parts at once as the store is quiet, plus the 20,000
//     strength and opportunity texts and the 2,000 reflections the report quotes, and
//     the responses per pillar, in read transactions on the store's read-only
//     connections) and reports.Build over them.
//   - paired: both alternately, one call each per iteration, the order switching every
//     iteration, reporting each side's mean time and ecat/baseline as "ratio"; load from
//     other processes then falls on both alike, so this is the ratio to judge by.
//
// BenchmarkReportBuild10k is reports.Build alone, over tallies read once.
//
// Both sides pass the benchmark's context, which is cancellable like a request's: with
// such a context go-sqlite3 steps each row in a goroutine of its own, and a server pays
// that too. The database is seeded once per test process (raw SQL in one transaction,
// about a second) and kept as the bytes of its file; every benchmark run writes those
// bytes to its own b.TempDir() and opens them, so nothing outlives the run and no run
// sees another's page cache state inside SQLite. SQLite only: the figures are for the
// default deployment.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/internal/benchpair"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/reports"
	"github.com/ecat-project/ecat/storage"
)

const (
	benchSubmitted = 10_000
	benchDrafts    = 500
)

// benchFixture is the seeded database, kept as file bytes, and what a run needs to
// open and read it.
type benchFixture struct {
	db           []byte // the SQLite file, checkpointed, without WAL
	assessmentID int64
	a            *assessment.Assessment
	in           *pillars.Instrument
}

var bench10k seededOnce[*benchFixture]

// fixture10k seeds the database on first use; later calls return the same bytes.
func fixture10k(b *testing.B) *benchFixture {
	b.Helper()
	return bench10k.get(b, "ecat-bench-", seed10k)
}

func seed10k(sd *seeding) (*benchFixture, error) {
	ctx, in := sd.ctx, sd.in
	a, err := assessment.NewAssessment("Benchmark round", "Whole hospital", "en", assessment.DefaultThreshold, false, in.Version)
	if err != nil {
		return nil, err
	}
	if err := sd.s.CreateAssessment(ctx, a); err != nil {
		return nil, err
	}

	if err := sd.begin(); err != nil {
		return nil, err
	}
	insReflection, err := sd.tx.PrepareContext(ctx, `INSERT INTO reflections (response_id, prompt_id, text) VALUES (?, ?, ?)`)
	if err != nil {
		return nil, err
	}

	// A hospital-sized split: a few leaders, many staff, some patient partners.
	pillarOf := func(i int) *pillars.Pillar {
		switch {
		case i%10 == 0:
			return in.Pillar(pillars.Leadership)
		case i%10 < 8:
			return in.Pillar(pillars.Staff)
		}
		return in.Pillar(pillars.PatientPartners)
	}
	themes := in.Themes
	now := time.Now().UTC()
	args := make([]any, 0, 3*seedAnswers)
	for i := range benchSubmitted + benchDrafts {
		p := pillarOf(i)
		status, submittedAt := string(assessment.Submitted), any(now)
		if i >= benchSubmitted {
			status, submittedAt = string(assessment.Draft), nil
		}
		res, err := sd.insResponse.ExecContext(ctx, a.ID, p.Key, status, fmt.Sprintf("bench-token-%06d", i),
			fmt.Sprintf("Strength number %d: we plan huddles together.", i), themes[i%len(themes)].Key,
			fmt.Sprintf("Opportunity number %d: pay partners for their time.", i), themes[(i*3+1)%len(themes)].Key,
			now, now, submittedAt, submittedAt) // submitted ones already in the report
		if err != nil {
			return nil, err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return nil, err
		}
		args = args[:0]
		for j, it := range p.Items() {
			// Spread the answers so every value of every item occurs.
			v := assessment.Answers[(i*7+j*3+i/13)%len(assessment.Answers)]
			args = append(args, id, it.ID, string(v))
		}
		if _, err := sd.insAnswers.ExecContext(ctx, args...); err != nil {
			return nil, err
		}
		if i%5 == 0 { // one in five writes a reflection
			if _, err := insReflection.ExecContext(ctx, id, p.Reflections[i%len(p.Reflections)].ID,
				fmt.Sprintf("Reflection %d: what we would change first.", i)); err != nil {
				return nil, err
			}
		}
	}
	file, err := sd.file()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "seeded %d responses (%d submitted) in %s, %.1f MB\n",
		benchSubmitted+benchDrafts, benchSubmitted, time.Since(sd.started).Round(time.Millisecond), float64(len(file))/1e6)
	return &benchFixture{db: file, assessmentID: a.ID, a: a, in: in}, nil
}

// openFixture writes the seeded database to the run's own directory and opens it.
func openFixture(b *testing.B, fx *benchFixture) *storage.Store {
	b.Helper()
	path := filepath.Join(b.TempDir(), "ecat.db")
	if err := os.WriteFile(path, fx.db, 0o600); err != nil {
		b.Fatal(err)
	}
	s, err := storage.Open(b.Context(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// checkTallies fails the benchmark when the tallies are not those of the seed: a fast
// wrong answer is no result.
func checkTallies(b *testing.B, t *assessment.Tallies) {
	b.Helper()
	total, answers := 0, 0
	for _, n := range t.Submitted {
		total += n
	}
	for _, ic := range t.Items {
		answers += ic.N
	}
	if total != benchSubmitted || answers != seedAnswers*benchSubmitted || len(t.Named) != 2*benchSubmitted {
		b.Fatalf("tallies: %d submitted, %d answers, %d named texts; want %d, %d, %d",
			total, answers, len(t.Named), benchSubmitted, seedAnswers*benchSubmitted, 2*benchSubmitted)
	}
}

// rawCount is one row of the GROUP BY.
type rawCount struct {
	Pillar, ItemID, Value string
	N                     int
}

// checkRawCounts fails the benchmark unless the counts of a raw GROUP BY, run once
// before measuring (err its error), come to want answers, which it returns: a fast wrong
// answer is no result.
func checkRawCounts(b *testing.B, counts []rawCount, err error, want int) int {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
	sum := 0
	for _, c := range counts {
		sum += c.N
	}
	if sum != want {
		b.Fatalf("raw GROUP BY counted %d answers, want %d", sum, want)
	}
	return sum
}

// rawTally runs storage.TallySQL, the statement Tallies counts a round's answers with,
// with database/sql.
func rawTally(ctx context.Context, db *sql.DB, assessmentID int64) (_ []rawCount, err error) {
	rows, err := db.QueryContext(ctx, storage.TallySQL, assessmentID, string(assessment.Submitted))
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, rows.Close()) }()
	var out []rawCount
	for rows.Next() {
		var c rawCount
		if err := rows.Scan(&c.Pillar, &c.ItemID, &c.Value, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func BenchmarkReport10k(b *testing.B) {
	fx := fixture10k(b)
	s := openFixture(b, fx)
	db, err := storage.ReadDB(s).DB() // a read-only connection, as Tallies reads on
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	baseline := func(b *testing.B) {
		counts, err := rawTally(ctx, db, fx.assessmentID)
		if err != nil {
			b.Fatal(err)
		}
		if len(counts) == 0 {
			b.Fatal("no counts")
		}
	}
	ecat := func(b *testing.B) {
		t, err := s.Tallies(ctx, fx.assessmentID)
		if err != nil {
			b.Fatal(err)
		}
		if r := reports.Build(fx.a, fx.in, t); r.Team.Submitted != benchSubmitted {
			b.Fatalf("report counts %d submitted responses", r.Team.Submitted)
		}
	}

	// Both once, checked, which also warms SQLite's and the OS's caches.
	counts, err := rawTally(ctx, db, fx.assessmentID)
	checkRawCounts(b, counts, err, seedAnswers*benchSubmitted)
	t, err := s.Tallies(ctx, fx.assessmentID)
	if err != nil {
		b.Fatal(err)
	}
	checkTallies(b, t)

	benchpair.Run(b, baseline, ecat)
}

var (
	benchTalliesOnce sync.Once
	benchTallies     *assessment.Tallies
)

func BenchmarkReportBuild10k(b *testing.B) {
	fx := fixture10k(b)
	benchTalliesOnce.Do(func() {
		t, err := openFixture(b, fx).Tallies(b.Context(), fx.assessmentID)
		if err != nil {
			b.Fatal(err)
		}
		benchTallies = t
	})
	if benchTallies == nil {
		b.Fatal("no tallies")
	}
	checkTallies(b, benchTallies)
	if r := reports.Build(fx.a, fx.in, benchTallies); r.Team.Submitted != benchSubmitted || len(r.Team.WithheldPillars) != 0 {
		b.Fatalf("report: team submitted %d, withheld %v", r.Team.Submitted, r.Team.WithheldPillars)
	}
	b.ReportAllocs()
	for b.Loop() {
		reports.Build(fx.a, fx.in, benchTallies)
	}
}
