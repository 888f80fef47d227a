package benchmarks

// BenchmarkReportJSON100k: the report's JSON over the 100,000 responses of the workbook's
// fixture (workbook_test.go), as GET /api/v1/assessments/{id}/report serves it, against
// the raw tally GROUP BY alone. Target: ecat ≤ 1.2× the baseline.
//
//	go test -run '^$' -bench ReportJSON -benchtime 3x -count 3 ./benchmarks
//
//   - baseline: storage.TallySQL (the statement Tallies counts this round's answers
//     with) run with database/sql on a read-only connection and scanned into a slice.
//   - ecat: GET /api/v1/assessments/{id}/report through web.New(...).ServeHTTP, with
//     the owner's API token: every middleware, the token check, the release of newer
//     submissions (storage.Release), Tallies with every text, reports.Build, the action
//     plan, and the document encoded as it is written (reports.EncodeJSON) to a
//     ResponseWriter that counts bytes. No Accept-Encoding, so no gzip. Timed around
//     ServeHTTP, after one untimed GET /api/v1/assessments/{id} through the same server.
//   - ecat-figures: the same with ?texts=none: the figures, without the texts.
//   - paired: one of each per iteration, a different one first every time, with
//     ecat/baseline as "ratio" and ecat-figures/baseline as "figures-ratio".
//
// Each runs in a child process, as the workbook's do, for its peak RSS. Before timing,
// both documents are written to files once and checked: every submitted response
// counted, every text in the full one, none in the other.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
	"github.com/ecat-project/ecat/survey"
	"github.com/ecat-project/ecat/templates"
	"github.com/ecat-project/ecat/web"
)

// responseCounter is an http.ResponseWriter that counts the body's bytes, and copies
// them to w when w is set.
type responseCounter struct {
	header http.Header
	code   int
	body   countingWriter
	first  []byte // the start of the body, for errors
}

func (r *responseCounter) Header() http.Header {
	if r.header == nil {
		r.header = http.Header{}
	}
	return r.header
}

func (r *responseCounter) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

func (r *responseCounter) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	if len(r.first) < 512 {
		r.first = append(r.first, p[:min(len(p), 512-len(r.first))]...)
	}
	return r.body.Write(p)
}

// childJSON serves the report's JSON (with query) once, timed, through the real server.
func childJSON(query string) (_ childResult, err error) {
	ctx, cancel := context.WithCancel(context.Background()) // a request's is cancellable
	defer cancel()
	id, err := strconv.ParseInt(os.Getenv(envAssessment), 10, 64)
	if err != nil {
		return childResult{}, err
	}
	store, err := storage.Open(ctx, os.Getenv(envDB))
	if err != nil {
		return childResult{}, err
	}
	defer func() {
		if cerr := store.Close(); err == nil {
			err = cerr
		}
	}()
	catalog, err := pillars.Load()
	if err != nil {
		return childResult{}, err
	}
	words, err := locale.Load()
	if err != nil {
		return childResult{}, err
	}
	tmpl, err := templates.New(words)
	if err != nil {
		return childResult{}, err
	}
	srv := web.New(web.Config{BaseURL: "http://ecat.test"}, survey.New(store, catalog, tmpl.Catalog(), nil), tmpl,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	out, done, err := childOutput()
	if err != nil {
		return childResult{}, err
	}
	serve := func(path string, w *responseCounter) {
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "http://ecat.test"+path, nil)
		req.Header.Set("Authorization", "Bearer "+os.Getenv(envToken))
		srv.ServeHTTP(w, req)
	}
	path := fmt.Sprintf("/api/v1/assessments/%d", id)
	warm := &responseCounter{}
	serve(path, warm)
	if warm.code != http.StatusOK {
		return childResult{}, fmt.Errorf("GET %s: %d %s", path, warm.code, warm.first)
	}

	rec := &responseCounter{body: countingWriter{w: out.w}}
	started := time.Now()
	serve(path+"/report"+query, rec)
	elapsed := time.Since(started)
	if rec.code != http.StatusOK {
		return childResult{}, fmt.Errorf("GET %s/report%s: %d %s", path, query, rec.code, rec.first)
	}
	return childResult{Nanoseconds: elapsed.Nanoseconds(), Bytes: rec.body.n}, done()
}

var (
	jsonCheckOnce sync.Once
	jsonCheckErr  error
)

// checkJSON writes both documents to files once and checks what they hold.
func checkJSON(fx *workbookFixture) error {
	type doc struct {
		Texts string          `json:"texts"`
		Team  json.RawMessage `json:"team"`
		Teams struct {
			Submitted int `json:"submitted"`
		} `json:"-"`
		Groups []struct {
			Strengths, Opportunities, Reflections []json.RawMessage
		} `json:"groups"`
	}
	read := func(job string) (*doc, int64, error) {
		path := filepath.Join(fx.dir, job+".json")
		defer func() { _ = os.Remove(path) }()
		run, err := runChild(job, fx, envOut+"="+path)
		if err != nil {
			return nil, 0, err
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, 0, err
		}
		defer func() { _ = f.Close() }()
		var d doc
		if err := json.NewDecoder(f).Decode(&d); err != nil {
			return nil, 0, fmt.Errorf("%s: %w", job, err)
		}
		if err := json.Unmarshal(d.Team, &d.Teams); err != nil {
			return nil, 0, err
		}
		return &d, run.Bytes, nil
	}
	count := func(d *doc) (s, o, r int) {
		for _, g := range d.Groups {
			s, o, r = s+len(g.Strengths), o+len(g.Opportunities), r+len(g.Reflections)
		}
		return s, o, r
	}
	full, fullBytes, err := read("json")
	if err != nil {
		return err
	}
	figures, figureBytes, err := read("json-figures")
	if err != nil {
		return err
	}
	if s, o, r := count(full); full.Teams.Submitted != workbookSubmitted || full.Texts != "" ||
		s != workbookSubmitted || o != workbookSubmitted || r != workbookSubmitted/5 {
		return fmt.Errorf("report JSON: %d submitted, texts %q, %d strengths, %d opportunities, %d reflections",
			full.Teams.Submitted, full.Texts, s, o, r)
	}
	if s, o, r := count(figures); figures.Teams.Submitted != workbookSubmitted || figures.Texts != "none" || s+o+r != 0 ||
		string(figures.Team) != string(full.Team) {
		return fmt.Errorf("report JSON without texts: %d submitted, texts %q, %d texts, same team figures %v",
			figures.Teams.Submitted, figures.Texts, s+o+r, string(figures.Team) == string(full.Team))
	}
	fmt.Fprintf(os.Stderr, "report JSON: %.1f MB with texts, %.1f kB without\n", float64(fullBytes)/1e6, float64(figureBytes)/1e3)
	return nil
}

func BenchmarkReportJSON100k(b *testing.B) {
	fx := fixture(b)
	jsonCheckOnce.Do(func() { jsonCheckErr = checkJSON(fx) })
	if jsonCheckErr != nil {
		b.Fatal(jsonCheckErr)
	}
	for _, side := range []struct{ name, job string }{{"baseline", "groupby"}, {"ecat", "json"}, {"ecat-figures", "json-figures"}} {
		b.Run(side.name, func(b *testing.B) { runSide(b, fx, side.job, false) })
	}
	b.Run("paired", func(b *testing.B) {
		st := runPaired(b, fx, "groupby", "json", "json-figures")
		base, full, figures := st["groupby"], st["json"], st["json-figures"]
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(base.meanNs(), "baseline-ns/op")
		b.ReportMetric(full.meanNs(), "ecat-ns/op")
		b.ReportMetric(figures.meanNs(), "figures-ns/op")
		b.ReportMetric(full.meanNs()/base.meanNs(), "ratio")
		b.ReportMetric(figures.meanNs()/base.meanNs(), "figures-ratio")
		b.ReportMetric(float64(full.peakRSS)/1e6, "ecat-peakRSS-MB")
		b.ReportMetric(float64(figures.peakRSS)/1e6, "figures-peakRSS-MB")
	})
}
