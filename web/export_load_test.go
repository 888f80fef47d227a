package web

// BenchmarkSubmitDuringExport: what exporting workbooks does to respondents. Target
// (issue 14): the p99 latency of submissions while workbooks of the same assessment are
// exported back to back is at most 3× the p99 of the same load with no export.
//
//	go test -run '^$' -bench SubmitDuringExport -benchtime 5x ./web
//
//   - One ecat server (web.New, every middleware, TrustProxy as behind a local proxy) on
//     a SQLite file, with an open assessment already holding exportResponses submitted
//     responses across the three pillars. Each run gets a new server on a fresh copy of
//     that file, so every run starts from the same round.
//   - Each iteration loads it for exportLoadRun with exportLoadConns clients on kept-alive
//     connections sending complete submissions to that assessment, twice: once alone,
//     and once while one more client downloads the assessment's workbook
//     (GET /api/v1/assessments/{id}/report.xlsx with an API token) back to back. The
//     order switches every iteration.
//   - The collector is set as `ecat serve` sets it (GOGC=400 under a 144 MiB soft
//     limit: see internal/gctune), for both loads.
//   - Metrics are medians over the iterations: p99 without and with exports, "ratio"
//     (with / without), submissions/s both ways, and the workbooks exported per run.

import (
	"context"
	"errors"
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

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/internal/gctune"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
	"github.com/ecat-project/ecat/survey"
	"github.com/ecat-project/ecat/templates"
)

const (
	exportResponses = 10000
	exportLoadConns = 8
	exportLoadRun   = 4 * time.Second
)

// seedSubmitted stores n complete submitted responses to a, spread over the pillars, in
// one transaction.
func seedSubmitted(b *testing.B, store *storage.Store, in *pillars.Instrument, a *assessment.Assessment, n int) {
	b.Helper()
	err := store.InTx(b.Context(), func(tx *storage.Store) error {
		for i := range n {
			p := in.Pillars[i%len(in.Pillars)]
			r := &assessment.Response{AssessmentID: a.ID, Pillar: p.Key, Language: "en", Status: assessment.Submitted,
				Answers: map[string]assessment.Answer{}, Reflections: map[string]string{},
				Strength:    assessment.Named{Text: fmt.Sprintf("Strength %d: partners co-chair the committee.", i), Theme: in.Themes[i%len(in.Themes)].Key},
				Opportunity: assessment.Named{Text: fmt.Sprintf("Opportunity %d: tell partners what changed.", i), Theme: in.Themes[(i+1)%len(in.Themes)].Key}}
			for j, it := range p.Items() {
				r.Answers[it.ID] = assessment.Answers[(i+j)%len(assessment.Answers)]
			}
			for _, pr := range p.Reflections {
				r.Reflections[pr.ID] = fmt.Sprintf("Reflection %d on %s.", i, pr.ID)
			}
			if err := tx.CreateResponse(b.Context(), r, assessment.HashToken(assessment.NewResumeToken())); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// exportBackToBack downloads url with token until ctx ends, and counts the workbooks.
func exportBackToBack(ctx context.Context, url, token string, done *atomic.Int64) error {
	client := &http.Client{}
	for ctx.Err() == nil {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		n, err := io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		if res.StatusCode != http.StatusOK || n < 1000 {
			return fmt.Errorf("workbook: status %d, %d bytes", res.StatusCode, n)
		}
		done.Add(1)
	}
	return nil
}

func BenchmarkSubmitDuringExport(b *testing.B) {
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
	path := filepath.Join(b.TempDir(), "ecat.db")
	store, err := storage.Open(b.Context(), path)
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := store.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	f, err := assessment.NewFacilitator("lead@example.org", "Lead", "a long enough password")
	if err != nil {
		b.Fatal(err)
	}
	if err := store.CreateFacilitator(b.Context(), f); err != nil {
		b.Fatal(err)
	}
	a, err := assessment.NewAssessment("Export under load", "Ward 7 West", "en", assessment.DefaultThreshold, false, in.Version)
	if err != nil {
		b.Fatal(err)
	}
	a.FacilitatorID = &f.ID
	if err := store.CreateAssessment(b.Context(), a); err != nil {
		b.Fatal(err)
	}
	token := assessment.NewAPIToken()
	if err := store.CreateAPIToken(b.Context(), &assessment.APIToken{FacilitatorID: f.ID, Label: "bench"}, assessment.HashToken(token)); err != nil {
		b.Fatal(err)
	}
	seedSubmitted(b, store, in, a, exportResponses)
	if err := store.Close(); err != nil { // checkpoints the WAL into the file
		b.Fatal(err)
	}

	// Every run starts from a copy of the seeded file, so the runs with and without
	// exports load the same round of exportResponses responses however many the runs
	// before them added (a growing round would make each workbook slower than the last).
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	serve := func() (url string, stop func()) {
		dir := b.TempDir()
		copyPath := filepath.Join(dir, "run.db")
		if err := copyFile(path, copyPath); err != nil {
			b.Fatal(err)
		}
		st, err := storage.Open(b.Context(), copyPath)
		if err != nil {
			b.Fatal(err)
		}
		if err := st.CheckSchema(b.Context()); err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(New(Config{BaseURL: testBaseURL, TrustProxy: true}, survey.New(st, catalog, tmpl.Catalog(), log), tmpl, log))
		return srv.URL, func() {
			srv.Close()
			checkClose(b, "store", st)
			if err := os.RemoveAll(dir); err != nil {
				b.Fatal(err)
			}
		}
	}
	body := submitBenchBody(b, in, a.Code)
	var from atomic.Uint64

	var quietP99, busyP99, ratios, quietRates, busyRates, exports []float64
	i := 0
	for b.Loop() {
		var quiet, busy loadResult
		var exported atomic.Int64
		runQuiet := func() {
			url, stop := serve()
			defer stop()
			quiet = runSubmitLoad(b, url+"/api/v1/responses", body, exportLoadConns, exportLoadRun, &from)
		}
		runBusy := func() {
			url, stop := serve()
			defer stop()
			xlsx := fmt.Sprintf("%s/api/v1/assessments/%d/report.xlsx", url, a.ID)
			ctx, cancel := context.WithCancel(b.Context())
			var wg sync.WaitGroup
			var exportErr error
			wg.Go(func() { exportErr = exportBackToBack(ctx, xlsx, token, &exported) })
			busy = runSubmitLoad(b, url+"/api/v1/responses", body, exportLoadConns, exportLoadRun, &from)
			cancel()
			wg.Wait()
			if exportErr != nil {
				b.Fatal(exportErr)
			}
			if exported.Load() == 0 {
				b.Fatal("no workbook was exported during the run")
			}
		}
		if i%2 == 0 {
			runQuiet()
			runBusy()
		} else {
			runBusy()
			runQuiet()
		}
		i++
		quietP99 = append(quietP99, quiet.p99.Seconds()*1000)
		busyP99 = append(busyP99, busy.p99.Seconds()*1000)
		ratios = append(ratios, float64(busy.p99)/float64(quiet.p99))
		quietRates, busyRates = append(quietRates, quiet.rate), append(busyRates, busy.rate)
		exports = append(exports, float64(exported.Load()))
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(median(quietP99), "alone-p99-ms")
	b.ReportMetric(median(busyP99), "exporting-p99-ms")
	b.ReportMetric(median(ratios), "ratio")
	b.ReportMetric(slices.Min(ratios), "ratio-min")
	b.ReportMetric(slices.Max(ratios), "ratio-max")
	b.ReportMetric(median(quietRates), "alone-subs/s")
	b.ReportMetric(median(busyRates), "exporting-subs/s")
	b.ReportMetric(median(exports), "workbooks/run")
}

// copyFile copies the file at from to a new file at to.
func copyFile(from, to string) (err error) {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, src.Close()) }()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	return errors.Join(err, dst.Close())
}

// asServed sets the collector as `ecat serve` does (gctune.ForServer), for the rest of
// the benchmark; the settings before are put back after it. The load benchmarks judge
// the server as it runs, and their baselines run in the same process, under the same
// settings.
func asServed(b *testing.B) {
	b.Cleanup(gctune.Saved())
	gctune.ForServer()
}
