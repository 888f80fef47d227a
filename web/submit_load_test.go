package web

// BenchmarkSubmitLoad: submissions per second over real HTTP, ecat against a bare
// durable server, at 1, 8 and 64 connections kept alive. Targets (issue 14): ecat at
// least as fast as the bare server at 8 and 64 connections, within 1.5× at one.
//
//	go test -run '^$' -bench SubmitLoad -benchtime 5x ./web
//
//   - ecat: web.New with every middleware and the whole submit path, on its own SQLite
//     database, behind a loopback listener (each request from its own client address, as
//     team members' are, through a trusted local proxy).
//   - baseline: the bare Echo handler of BenchmarkSubmit (decode, find the assessment by
//     its code, one database/sql transaction inserting the response, its answers and its
//     reflections), on a database of the same schema with the same settings: WAL,
//     synchronous=FULL (an acknowledged submission is on disk), BEGIN IMMEDIATE, one
//     connection. Each submission is its own transaction and fsync.
//   - Both servers run in this process with the collector set as `ecat serve` sets it
//     (internal/gctune).
//   - Each iteration runs the baseline and ecat in turn (the order switching every
//     iteration) for submitLoadRun each, with n client goroutines each on one kept-alive
//     connection sending complete submissions back to back. The metrics are medians over
//     the iterations: each side's submissions/s and p99 latency, and "ratio", the
//     baseline's rate over ecat's (below 1: ecat is faster).

import (
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/internal/testdb"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
	"github.com/ecat-project/ecat/survey"
	"github.com/ecat-project/ecat/templates"
)

// submitLoadRun is how long each side is loaded per iteration.
const submitLoadRun = 2 * time.Second

// loadResult is one side's run: submissions acknowledged per second, and the 99th
// percentile of their latencies.
type loadResult struct {
	rate float64
	p99  time.Duration
}

// runSubmitLoad sends complete submissions to url from conns clients for d and measures
// them. Every answer must be 201.
func runSubmitLoad(b *testing.B, url string, body []byte, conns int, d time.Duration, from *atomic.Uint64) loadResult {
	b.Helper()
	transport := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failed    error
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				if err != nil {
					panic(err)
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept-Encoding", "gzip") // as browsers and Go's own client send
				n := from.Add(1)
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255))
				began := time.Now()
				res, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					if cerr := res.Body.Close(); err == nil {
						err = cerr
					}
					if err == nil && res.StatusCode != http.StatusCreated {
						err = fmt.Errorf("status %d", res.StatusCode)
					}
				}
				if err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(began))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if failed != nil {
		b.Fatalf("POST %s: %v", url, failed)
	}
	slices.Sort(latencies)
	return loadResult{rate: float64(len(latencies)) / elapsed.Seconds(), p99: latencies[len(latencies)*99/100]}
}

func BenchmarkSubmitLoad(b *testing.B) {
	asServed(b)
	catalog, err := pillars.Load()
	if err != nil {
		b.Fatal(err)
	}
	in := catalog.Current()
	tmpl, err := templates.New(testWords(b))
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()

	ecatPath := filepath.Join(dir, "ecat.db")
	a := submitBenchDB(b, ecatPath, in)
	store, err := storage.Open(b.Context(), ecatPath)
	if err != nil {
		b.Fatal(err)
	}
	defer checkClose(b, "store", store)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ecatSrv := httptest.NewServer(New(Config{BaseURL: testBaseURL, TrustProxy: true}, survey.New(store, catalog, tmpl.Catalog(), log), tmpl, log))
	defer ecatSrv.Close()

	basePath := filepath.Join(dir, "baseline.db")
	baseAssessment := submitBenchDB(b, basePath, in)
	db, err := sql.Open("sqlite3", benchSQLiteDSN(basePath))
	if err != nil {
		b.Fatal(err)
	}
	defer checkClose(b, "baseline database", db)
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	bare := echo.New()
	bare.POST("/submit", baselineSubmit(db))
	baseSrv := httptest.NewServer(bare)
	defer baseSrv.Close()

	ecatBody, baseBody := submitBenchBody(b, in, a.Code), submitBenchBody(b, in, baseAssessment.Code)
	var from atomic.Uint64
	if dsn := os.Getenv(benchPostgresEnv); dsn != "" {
		pgURL, pgBody := postgresSubmitServer(b, dsn, in, catalog, tmpl)
		b.Run("postgres-conns-8", func(b *testing.B) {
			// Three servers in turn, the order rotating every iteration.
			var ratios, pgVsSQLite, pgRates []float64
			i := 0
			for b.Loop() {
				var base, lite, pg loadResult
				runs := []func(){
					func() { base = runSubmitLoad(b, baseSrv.URL+"/submit", baseBody, 8, submitLoadRun, &from) },
					func() { lite = runSubmitLoad(b, ecatSrv.URL+"/api/v1/responses", ecatBody, 8, submitLoadRun, &from) },
					func() { pg = runSubmitLoad(b, pgURL+"/api/v1/responses", pgBody, 8, submitLoadRun, &from) },
				}
				for k := range runs {
					runs[(i+k)%len(runs)]()
				}
				i++
				ratios = append(ratios, base.rate/pg.rate)
				pgVsSQLite = append(pgVsSQLite, pg.rate/lite.rate)
				pgRates = append(pgRates, pg.rate)
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(median(pgRates), "ecat-postgres-subs/s")
			b.ReportMetric(median(ratios), "ratio")
			b.ReportMetric(median(pgVsSQLite), "postgres/sqlite")
			b.ReportMetric(slices.Min(pgVsSQLite), "postgres/sqlite-min")
			b.ReportMetric(slices.Max(pgVsSQLite), "postgres/sqlite-max")
		})
	}
	for _, conns := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("conns-%d", conns), func(b *testing.B) {
			var baseRates, ecatRates, ratios, baseP99, ecatP99 []float64
			i := 0
			for b.Loop() {
				var base, ecat loadResult
				runBase := func() { base = runSubmitLoad(b, baseSrv.URL+"/submit", baseBody, conns, submitLoadRun, &from) }
				runEcat := func() {
					ecat = runSubmitLoad(b, ecatSrv.URL+"/api/v1/responses", ecatBody, conns, submitLoadRun, &from)
				}
				if i%2 == 0 {
					runBase()
					runEcat()
				} else {
					runEcat()
					runBase()
				}
				i++
				baseRates, ecatRates = append(baseRates, base.rate), append(ecatRates, ecat.rate)
				ratios = append(ratios, base.rate/ecat.rate)
				baseP99, ecatP99 = append(baseP99, base.p99.Seconds()*1000), append(ecatP99, ecat.p99.Seconds()*1000)
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(median(baseRates), "baseline-subs/s")
			b.ReportMetric(median(ecatRates), "ecat-subs/s")
			b.ReportMetric(median(baseP99), "baseline-p99-ms")
			b.ReportMetric(median(ecatP99), "ecat-p99-ms")
			b.ReportMetric(median(ratios), "ratio")
			b.ReportMetric(slices.Min(ratios), "ratio-min")
			b.ReportMetric(slices.Max(ratios), "ratio-max")
		})
	}
}

// benchPostgresEnv names a PostgreSQL database for the PostgreSQL sub-benchmark. It must
// be as durable as the SQLite side (fsync and synchronous_commit on); the throwaway
// server the tests use (ECAT_TEST_POSTGRES) is not, and is not used here.
const benchPostgresEnv = "ECAT_BENCH_POSTGRES"

// postgresSubmitServer starts ecat on a schema of its own in the PostgreSQL database of
// dsn, with an open assessment, and returns its URL and a submission body for it.
func postgresSubmitServer(b *testing.B, dsn string, in *pillars.Instrument, catalog *pillars.Catalog, tmpl *templates.Engine) (string, []byte) {
	b.Helper()
	schemaDSN, _ := testdb.Schema(b, dsn)
	store, err := storage.Open(b.Context(), schemaDSN)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { checkClose(b, "postgres store", store) })
	check, err := sql.Open("pgx", schemaDSN)
	if err != nil {
		b.Fatal(err)
	}
	defer checkClose(b, "postgres check", check)
	for _, setting := range []string{"fsync", "synchronous_commit"} {
		var v string
		if err := check.QueryRowContext(b.Context(), "SHOW "+setting).Scan(&v); err != nil {
			b.Fatal(err)
		}
		if v != "on" {
			b.Fatalf("%s: %s is %q: a PostgreSQL that does not wait for the disk is no fair comparison", benchPostgresEnv, setting, v)
		}
	}
	if _, _, err := store.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	a, err := assessment.NewAssessment("Benchmark round", "Ward 7 West", "en", assessment.DefaultThreshold, false, in.Version)
	if err != nil {
		b.Fatal(err)
	}
	if err := store.CreateAssessment(b.Context(), a); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(New(Config{BaseURL: testBaseURL, TrustProxy: true}, survey.New(store, catalog, tmpl.Catalog(), log), tmpl, log))
	b.Cleanup(srv.Close)
	return srv.URL, submitBenchBody(b, in, a.Code)
}

// median of a non-empty list.
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
