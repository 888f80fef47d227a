// Package benchmarks holds the benchmarks that cross ecat's packages and need a process
// of their own: one assessment with 100,000 submitted responses, exported as the Excel
// workbook (this file) and served as the report's JSON (report_json_test.go), each timed
// and with its peak memory, against baselines that do the same job with as little as
// they can. The per-package benchmarks live beside their code
// (web/submit_bench_test.go, storage/tallies_bench_test.go); BENCHMARKS.md has them all.
//
//	go test -run '^$' -bench Workbook -benchtime 2x -count 3 ./benchmarks
//
// Each run happens in a child process (this test binary again, told what to do by
// environment variables that TestMain reads), so that its peak resident set size
// (ru_maxrss from wait4) is its own and not the benchmark's or its fixture's:
//
//   - ecat: storage.Open on the seeded database, then the assessment, store.Tallies
//     (the counts, GROUP BY in SQLite, and every text the report quotes),
//     reports.Build and reports.WriteXLSX in English to a writer that only counts
//     bytes. Timed from after Open to the last byte. This is what `ecat export` and the
//     report.xlsx download do for a round without a previous one.
//   - ecat-served: the same export with the collector set as `ecat serve` sets it
//     (internal/gctune: GOGC=400 under a 144 MiB soft limit), for the peak RSS of the
//     download served by the server. The JSON children run with it too.
//   - baseline: the raw tally GROUP BY (storage.TallySQL, the very statement Tallies
//     counts this round's answers with, run with database/sql on a read-only connection
//     and scanned into a slice), then excelize.NewFile, one StreamWriter, as many cells
//     as the ecat workbook holds (counted once, as <c> elements in its worksheets) in
//     rows of four strings shaped like the Strengths & opportunities rows (label,
//     theme, pillar, a text of the seed's length), Flush and WriteTo the same counting
//     writer. No styles, no other sheets, no texts read from the database. Timed from
//     before the GROUP BY (the connection opened and used once before).
//   - ecat-write: the same export as ecat, timed from after store.Tallies:
//     reports.Build and reports.WriteXLSX alone, to tell the writing from the reading.
//   - streamwriter: the baseline's StreamWriter alone, without the GROUP BY, to compare
//     ecat-write with.
//   - paired: one of each per iteration, a different one first every time, with
//     ecat/baseline as "ratio" and ecat-write/streamwriter as "write-ratio": the
//     figures to judge the target (ecat ≤ 1.2× the baseline) by on a busy machine.
//
// ns/op is the child's own timing of its work (process start and the opening of the
// database left out); peakRSS-MB is the largest peak resident set size of the children
// (VmHWM, each child's own; see ownPeakRSS), in MB of 10^6 bytes, and the benchmark fails if an ecat export's passes 200 MB (issue 8's
// target). Each child's CPU profile is written to $ECAT_BENCH_CPUPROFILE.<job> when
// that is set.
//
// The database (100,000 submitted responses of seedAnswers (16) answers each, a strength and an
// opportunity text each, a reflection for one in five, plus 2,000 drafts that must not
// count, in an assessment owned by a facilitator with an API token) is seeded once per
// process with plain SQL in one transaction into a temporary directory removed at exit;
// seeding takes several seconds and is not timed.
package benchmarks

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/internal/gctune"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/reports"
	"github.com/ecat-project/ecat/storage"
)

const (
	workbookSubmitted = 100_000
	workbookDrafts    = 2_000
	// peakRSSTarget is issue 8's bound on an export's peak memory, in bytes.
	peakRSSTarget = 200e6
)

// The child's instructions.
const (
	envJob        = "ECAT_BENCH_CHILD"      // the job: see childMain
	envDB         = "ECAT_BENCH_DB"         // the SQLite file
	envAssessment = "ECAT_BENCH_ASSESSMENT" // the assessment's id
	envToken      = "ECAT_BENCH_TOKEN"      // an API token of the assessment's owner
	envCells      = "ECAT_BENCH_CELLS"      // baseline, streamwriter: how many cells to write
	envOut        = "ECAT_BENCH_OUT"        // optional: also write the workbook or JSON to this file
	envProfile    = "ECAT_BENCH_CPUPROFILE" // optional: write each child's CPU profile to <this>.<job>
)

// seedAnswers is the number of statements of each pillar in the current checklist (v2),
// which the seed answers in full; it checks the instrument agrees.
const seedAnswers = 16

func TestMain(m *testing.M) {
	if job := os.Getenv(envJob); job != "" {
		os.Exit(childMain(job))
	}
	code := m.Run()
	if workbookFix != nil {
		_ = os.RemoveAll(workbookFix.dir)
	}
	os.Exit(code)
}

// childResult is what a child prints on its standard output.
type childResult struct {
	Nanoseconds int64 `json:"ns"`
	Bytes       int64 `json:"bytes"`
	// PeakRSS is the child's own peak resident set size in bytes (VmHWM).
	PeakRSS int64 `json:"peak_rss"`
}

// ownPeakRSS reads this process's peak resident set size (VmHWM in /proc/self/status),
// in bytes; 0 if it cannot. Unlike ru_maxrss as wait4 reports it, it leaves out the
// memory of the process that started this one: Linux keeps the larger of the two in
// ru_maxrss across exec (and Go starts children sharing the parent's memory until then),
// so a child of a large benchmark process would seem at least as large as its parent.
func ownPeakRSS() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}

func childMain(job string) (code int) {
	if path := os.Getenv(envProfile); path != "" {
		f, err := os.Create(path + "." + job)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchmark child:", err)
			return 1
		}
		defer func() { // after StopCPUProfile, which writes the rest of the profile
			if err := f.Close(); err != nil {
				fmt.Fprintln(os.Stderr, "benchmark child:", err)
				code = 1
			}
		}()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "benchmark child:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	var (
		res childResult
		err error
	)
	switch job {
	case "json", "json-figures", "ecat-served":
		// What the server answers runs with the server's collector settings.
		gctune.ForServer()
	}
	switch job {
	case "ecat", "ecat-served":
		res, err = childEcat(false)
	case "ecat-write":
		res, err = childEcat(true)
	case "baseline":
		res, err = childBaseline(true)
	case "streamwriter":
		res, err = childBaseline(false)
	case "groupby":
		res, err = childGroupBy()
	case "json":
		res, err = childJSON("")
	case "json-figures":
		res, err = childJSON("?texts=none")
	default:
		err = fmt.Errorf("unknown job %q", job)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchmark child:", err)
		return 1
	}
	res.PeakRSS = ownPeakRSS()
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		return 1
	}
	return 0
}

// countingWriter counts the bytes written to it, and copies them to w when w is set.
type countingWriter struct {
	n int64
	w io.Writer
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	if c.w != nil {
		return c.w.Write(p)
	}
	return len(p), nil
}

// childOutput is where a child writes its workbook, and a function to finish it.
func childOutput() (*countingWriter, func() error, error) {
	path := os.Getenv(envOut)
	if path == "" {
		return &countingWriter{}, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	bw := bufio.NewWriter(f)
	return &countingWriter{w: bw}, func() error { return errors.Join(bw.Flush(), f.Close()) }, nil
}

// childEcat exports the workbook; with writeOnly, the clock starts after Tallies.
func childEcat(writeOnly bool) (_ childResult, err error) {
	ctx := context.Background()
	id, err := strconv.ParseInt(os.Getenv(envAssessment), 10, 64)
	if err != nil {
		return childResult{}, err
	}
	store, err := storage.Open(ctx, os.Getenv(envDB))
	if err != nil {
		return childResult{}, err
	}
	defer func() { err = errors.Join(err, store.Close()) }()
	catalog, err := pillars.Load()
	if err != nil {
		return childResult{}, err
	}
	words, err := locale.Load()
	if err != nil {
		return childResult{}, err
	}
	out, done, err := childOutput()
	if err != nil {
		return childResult{}, err
	}

	started := time.Now()
	a, err := store.Assessment(ctx, id)
	if err != nil {
		return childResult{}, err
	}
	in, ok := catalog.Version(a.InstrumentVersion)
	if !ok {
		return childResult{}, fmt.Errorf("no instrument %q", a.InstrumentVersion)
	}
	t, err := store.Tallies(ctx, id)
	if err != nil {
		return childResult{}, err
	}
	if writeOnly {
		started = time.Now()
	}
	r := reports.Build(a, in, t)
	if r.Team.Submitted != workbookSubmitted {
		return childResult{}, fmt.Errorf("report counts %d submitted responses, want %d", r.Team.Submitted, workbookSubmitted)
	}
	if err := reports.WriteXLSX(out, r, in, words.In(locale.English), started); err != nil {
		return childResult{}, err
	}
	elapsed := time.Since(started)
	return childResult{Nanoseconds: elapsed.Nanoseconds(), Bytes: out.n}, done()
}

// childBaseline writes the bare workbook; withGroupBy, after the raw tally GROUP BY.
func childBaseline(withGroupBy bool) (childResult, error) {
	cells, err := strconv.Atoi(os.Getenv(envCells))
	if err != nil || cells <= 0 {
		return childResult{}, fmt.Errorf("%s=%q: want a cell count", envCells, os.Getenv(envCells))
	}
	out, done, err := childOutput()
	if err != nil {
		return childResult{}, err
	}
	ctx, cancel := context.WithCancel(context.Background()) // cancellable, as a request's
	defer cancel()
	var db *sql.DB
	var id int64
	if withGroupBy {
		if db, id, err = openRaw(ctx); err != nil {
			return childResult{}, err
		}
		defer func() { _ = db.Close() }()
	}

	started := time.Now()
	if withGroupBy {
		if err := groupBy(ctx, db, id); err != nil {
			return childResult{}, err
		}
	}
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return childResult{}, err
	}
	row := make([]any, 4)
	for written, i := 0, 1; written < cells; i++ {
		row[0], row[1], row[2] = "Strength", "Relationships (12,345)", "Staff and healthcare teams"
		row[3] = fmt.Sprintf("Strength number %d: we plan huddles together.", i)
		n := min(len(row), cells-written)
		ref, err := excelize.CoordinatesToCellName(1, i)
		if err != nil {
			return childResult{}, err
		}
		if err := sw.SetRow(ref, row[:n]); err != nil {
			return childResult{}, err
		}
		written += n
	}
	if err := sw.Flush(); err != nil {
		return childResult{}, err
	}
	if _, err := f.WriteTo(out); err != nil {
		return childResult{}, err
	}
	if err := f.Close(); err != nil {
		return childResult{}, err
	}
	elapsed := time.Since(started)
	return childResult{Nanoseconds: elapsed.Nanoseconds(), Bytes: out.n}, done()
}

// openRaw opens the seeded database as the baseline reads it: one read-only
// database/sql connection, used once before the clock starts (as a server's are).
func openRaw(ctx context.Context) (*sql.DB, int64, error) {
	id, err := strconv.ParseInt(os.Getenv(envAssessment), 10, 64)
	if err != nil {
		return nil, 0, err
	}
	db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: os.Getenv(envDB)}).EscapedPath()+"?mode=ro&_journal_mode=WAL&_busy_timeout=10000")
	if err != nil {
		return nil, 0, err
	}
	db.SetMaxOpenConns(1)
	var one int
	if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return nil, 0, errors.Join(err, db.Close())
	}
	return db, id, nil
}

// rawCount is one row of the raw GROUP BY.
type rawCount struct {
	Pillar, ItemID, Value string
	N                     int
}

// groupBy runs the raw tally GROUP BY, storage.TallySQL (the statement Tallies counts
// this round's answers with), scans it into a slice, and checks it counted every answer:
// a fast wrong answer is no result.
func groupBy(ctx context.Context, db *sql.DB, id int64) (err error) {
	rows, err := db.QueryContext(ctx, storage.TallySQL, id, string(assessment.Submitted))
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, rows.Close()) }()
	var counts []rawCount
	for rows.Next() {
		var c rawCount
		if err := rows.Scan(&c.Pillar, &c.ItemID, &c.Value, &c.N); err != nil {
			return err
		}
		counts = append(counts, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	sum := 0
	for _, c := range counts {
		sum += c.N
	}
	if sum != seedAnswers*workbookSubmitted {
		return fmt.Errorf("the GROUP BY counted %d answers in %d rows, want %d", sum, len(counts), seedAnswers*workbookSubmitted)
	}
	return nil
}

// childGroupBy runs the raw tally GROUP BY alone: the report JSON's baseline.
func childGroupBy() (childResult, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, id, err := openRaw(ctx)
	if err != nil {
		return childResult{}, err
	}
	defer func() { _ = db.Close() }()
	started := time.Now()
	if err := groupBy(ctx, db, id); err != nil {
		return childResult{}, err
	}
	return childResult{Nanoseconds: time.Since(started).Nanoseconds()}, nil
}

// workbookFixture is the seeded database and the size of ecat's workbook of it.
type workbookFixture struct {
	dir          string
	db           string
	assessmentID int64
	token        string // an API token of the assessment's owner
	cells        int    // <c> elements in the worksheets of ecat's workbook
	sheets       int
}

var (
	workbookOnce sync.Once
	workbookFix  *workbookFixture
	workbookErr  error
)

func fixture(b *testing.B) *workbookFixture {
	b.Helper()
	workbookOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ecat-bench-workbook-")
		if err != nil {
			workbookErr = err
			return
		}
		workbookFix = &workbookFixture{dir: dir, db: filepath.Join(dir, "ecat.db")}
		started := time.Now()
		if workbookFix.assessmentID, workbookFix.token, workbookErr = seed(workbookFix.db); workbookErr != nil {
			return
		}
		seeded := time.Since(started)
		// One export to a file, to count what the baseline must write.
		xlsx := filepath.Join(dir, "report.xlsx")
		if _, workbookErr = runChild("ecat", workbookFix, envOut+"="+xlsx); workbookErr != nil {
			return
		}
		workbookFix.cells, workbookFix.sheets, workbookErr = countCells(xlsx)
		_ = os.Remove(xlsx)
		fmt.Fprintf(os.Stderr, "seeded %d responses in %s; ecat's workbook has %d cells in %d worksheets\n",
			workbookSubmitted+workbookDrafts, seeded.Round(time.Millisecond), workbookFix.cells, workbookFix.sheets)
	})
	if workbookErr != nil {
		b.Fatalf("workbook fixture: %v", workbookErr)
	}
	return workbookFix
}

// seed writes the assessment through storage, then its responses with plain SQL in one
// transaction: a hospital-sized split (a tenth leaders, seven tenths staff, two tenths
// patient partners), every answer value of every item occurring.
func seed(path string) (_ int64, token string, err error) {
	ctx := context.Background()
	s, err := storage.Open(ctx, path)
	if err != nil {
		return 0, "", err
	}
	if _, _, err := s.Migrate(ctx); err != nil {
		return 0, "", errors.Join(err, s.Close())
	}
	catalog, err := pillars.Load()
	if err != nil {
		return 0, "", errors.Join(err, s.Close())
	}
	in := catalog.Current()
	f, err := assessment.NewFacilitator("bench@example.org", "Benchmark facilitator", "not used to sign in")
	if err != nil {
		return 0, "", errors.Join(err, s.Close())
	}
	f.PasswordHash = "not a hash: nobody signs in"
	if err := s.CreateFacilitator(ctx, f); err != nil {
		return 0, "", errors.Join(err, s.Close())
	}
	token = assessment.NewAPIToken()
	if err := s.CreateAPIToken(ctx, &assessment.APIToken{FacilitatorID: f.ID, Label: "benchmark"}, assessment.HashToken(token)); err != nil {
		return 0, "", errors.Join(err, s.Close())
	}
	a, err := assessment.NewAssessment("Benchmark round", "Whole hospital", "en", assessment.DefaultThreshold, false, in.Version)
	if err != nil {
		return 0, "", errors.Join(err, s.Close())
	}
	a.FacilitatorID = &f.ID
	if err := s.CreateAssessment(ctx, a); err != nil {
		return 0, "", errors.Join(err, s.Close())
	}
	if err := s.Close(); err != nil {
		return 0, "", err
	}

	db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_foreign_keys=on")
	if err != nil {
		return 0, "", err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, "", err
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	insResponse, err := tx.PrepareContext(ctx, `INSERT INTO responses
		(assessment_id, pillar, language, status, token_hash, strength_text, strength_theme,
		 opportunity_text, opportunity_theme, created_at, updated_at, submitted_at, released_at)
		VALUES (?, ?, 'en', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, "", err
	}
	insAnswers, err := tx.PrepareContext(ctx, "INSERT INTO answers (response_id, item_id, value) VALUES "+
		strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", seedAnswers), ", "))
	if err != nil {
		return 0, "", err
	}
	insReflection, err := tx.PrepareContext(ctx, `INSERT INTO reflections (response_id, prompt_id, text) VALUES (?, ?, ?)`)
	if err != nil {
		return 0, "", err
	}
	now := time.Now().UTC()
	args := make([]any, 0, 3*seedAnswers)
	for i := range workbookSubmitted + workbookDrafts {
		p := in.Pillar(pillars.PatientPartners)
		switch {
		case i%10 == 0:
			p = in.Pillar(pillars.Leadership)
		case i%10 < 8:
			p = in.Pillar(pillars.Staff)
		}
		if len(p.Items()) != seedAnswers {
			return 0, "", fmt.Errorf("pillar %s has %d items; the seed writes %d", p.Key, len(p.Items()), seedAnswers)
		}
		status, submittedAt := string(assessment.Submitted), any(now)
		if i >= workbookSubmitted {
			status, submittedAt = string(assessment.Draft), nil
		}
		res, err := insResponse.ExecContext(ctx, a.ID, p.Key, status, fmt.Sprintf("bench-token-%07d", i),
			fmt.Sprintf("Strength number %d: we plan huddles together.", i), in.Themes[i%len(in.Themes)].Key,
			fmt.Sprintf("Opportunity number %d: pay partners for their time.", i), in.Themes[(i*3+1)%len(in.Themes)].Key,
			now, now, submittedAt, submittedAt) // submitted ones already in the report
		if err != nil {
			return 0, "", err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return 0, "", err
		}
		args = args[:0]
		for j, it := range p.Items() {
			args = append(args, id, it.ID, string(assessment.Answers[(i*7+j*3+i/13)%len(assessment.Answers)]))
		}
		if _, err := insAnswers.ExecContext(ctx, args...); err != nil {
			return 0, "", err
		}
		if i%5 == 0 {
			if _, err := insReflection.ExecContext(ctx, id, p.Reflections[i%len(p.Reflections)].ID,
				fmt.Sprintf("Reflection %d: what we would change first.", i)); err != nil {
				return 0, "", err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, "", err
	}
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return 0, "", err
	}
	return a.ID, token, nil
}

// countCells counts the cells (<c> elements) in a workbook's worksheets.
func countCells(path string) (cells, sheets int, err error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return 0, 0, err
	}
	defer func() { err = errors.Join(err, zr.Close()) }()
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, "xl/worksheets/") || !strings.HasSuffix(f.Name, ".xml") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return 0, 0, err
		}
		n, err := countTag(rc, []byte("<c "))
		if err = errors.Join(err, rc.Close()); err != nil {
			return 0, 0, err
		}
		cells += n
		sheets++
	}
	return cells, sheets, nil
}

// countTag counts the occurrences of tag in r, reading it in chunks.
func countTag(r io.Reader, tag []byte) (int, error) {
	buf := make([]byte, 1<<16)
	carry := 0 // bytes kept from the previous chunk, in case a tag spans two
	n := 0
	for {
		m, err := r.Read(buf[carry:])
		chunk := buf[:carry+m]
		n += bytes.Count(chunk, tag)
		carry = min(len(tag)-1, len(chunk))
		copy(buf, chunk[len(chunk)-carry:])
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// childRun is one child's report and its peak resident set size in bytes.
type childRun struct {
	childResult
	peakRSS int64
}

// runChild runs job in a child process on fx and waits for it.
func runChild(job string, fx *workbookFixture, env ...string) (childRun, error) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envJob+"="+job, envDB+"="+fx.db,
		envAssessment+"="+strconv.FormatInt(fx.assessmentID, 10), envCells+"="+strconv.Itoa(fx.cells), envToken+"="+fx.token)
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return childRun{}, fmt.Errorf("%s child: %w\n%s", job, err, stderr.Bytes())
	}
	var run childRun
	if err := json.Unmarshal(stdout.Bytes(), &run.childResult); err != nil {
		return childRun{}, fmt.Errorf("%s child printed %q: %w", job, stdout.Bytes(), err)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return childRun{}, errors.New("no resource usage for the child")
	}
	run.peakRSS = ru.Maxrss * 1024 // kilobytes on Linux
	if run.PeakRSS > 0 {
		run.peakRSS = run.PeakRSS // the child's own (see ownPeakRSS)
	}
	return run, nil
}

// childStats gathers the runs of one side.
type childStats struct {
	elapsed time.Duration
	bytes   int64
	peakRSS int64
	runs    int
}

func (s *childStats) add(b *testing.B, job string, fx *workbookFixture) {
	b.Helper()
	run, err := runChild(job, fx)
	if err != nil {
		b.Fatal(err)
	}
	s.elapsed += time.Duration(run.Nanoseconds)
	s.bytes = run.Bytes
	s.peakRSS = max(s.peakRSS, run.peakRSS)
	s.runs++
}

func (s *childStats) meanNs() float64 { return float64(s.elapsed.Nanoseconds()) / float64(s.runs) }

func BenchmarkWorkbook100k(b *testing.B) {
	fx := fixture(b)
	for _, job := range []string{"baseline", "ecat", "ecat-served", "ecat-write", "streamwriter"} {
		b.Run(job, func(b *testing.B) { runSide(b, fx, job, job != "baseline" && job != "streamwriter") })
	}
	b.Run("paired", func(b *testing.B) {
		st := runPaired(b, fx, "baseline", "ecat", "ecat-write", "streamwriter")
		base, own, write, bare := st["baseline"], st["ecat"], st["ecat-write"], st["streamwriter"]
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(base.meanNs(), "baseline-ns/op")
		b.ReportMetric(own.meanNs(), "ecat-ns/op")
		b.ReportMetric(write.meanNs(), "write-ns/op")
		b.ReportMetric(bare.meanNs(), "streamwriter-ns/op")
		b.ReportMetric(own.meanNs()/base.meanNs(), "ratio")
		b.ReportMetric(write.meanNs()/bare.meanNs(), "write-ratio")
		b.ReportMetric(float64(own.peakRSS)/1e6, "ecat-peakRSS-MB")
		checkRSS(b, own)
		checkRSS(b, write)
	})
}

// runSide runs job once per iteration and reports the child's mean timing as ns/op,
// its peak RSS and output size; an ecat job (bounded) fails past the memory target.
func runSide(b *testing.B, fx *workbookFixture, job string, bounded bool) {
	var st childStats
	for b.Loop() {
		st.add(b, job, fx)
	}
	b.ReportMetric(st.meanNs(), "ns/op") // the child's own timing of its work
	b.ReportMetric(float64(st.peakRSS)/1e6, "peakRSS-MB")
	b.ReportMetric(float64(st.bytes)/1e6, "out-MB")
	if bounded {
		checkRSS(b, &st)
	}
}

// runPaired runs one child of each job per iteration, a different one first every
// iteration, and returns their stats by job.
func runPaired(b *testing.B, fx *workbookFixture, jobs ...string) map[string]*childStats {
	stats := make([]childStats, len(jobs))
	for i := 0; b.Loop(); i++ {
		for k := range jobs {
			j := (i + k) % len(jobs)
			stats[j].add(b, jobs[j], fx)
		}
	}
	out := map[string]*childStats{}
	for i, job := range jobs {
		out[job] = &stats[i]
	}
	return out
}

func checkRSS(b *testing.B, st *childStats) {
	b.Helper()
	if st.peakRSS > peakRSSTarget {
		b.Errorf("ecat peaked at %.1f MB resident; the target is under %.0f MB", float64(st.peakRSS)/1e6, peakRSSTarget/1e6)
	}
}
