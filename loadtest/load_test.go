package loadtest

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// respondents is how many team members answer at once.
const respondents = 200

// TestLoad: 200 respondents at once each open the join page, save a draft and submit,
// against `ecat serve` on SQLite and (with ECAT_TEST_POSTGRES) PostgreSQL. No request
// may fail, and afterwards the facilitator API and the database itself must hold every
// acknowledged submission. Requests/s and latency percentiles are reported, not asserted:
// timings on shared machines are too noisy to gate on.
func TestLoad(t *testing.T) {
	requireEnabled(t)
	t.Run("sqlite", func(t *testing.T) { loadScenario(t, sqliteAt(t.TempDir())) })
	t.Run("postgres", func(t *testing.T) { loadScenario(t, postgresDB(t)) })
}

func loadScenario(t *testing.T, db database) {
	fx := newFixture(t, db)
	srv := startServer(t, db)
	client := newClient(respondents)
	in := fetchInstrument(t, client, srv.base)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	run := runLoad(ctx, client, srv.base, fx.code, in, 0, respondents, respondOptions{})
	report(t, summarize(db.name, "join+draft+submit", run))

	failed := 0
	for _, s := range run.samples() {
		if !s.ok() {
			if failed++; failed <= 10 {
				t.Errorf("request failed: %s", s.describe())
			}
		}
	}
	if failed > 10 {
		t.Errorf("… and %d more failed requests", failed-10)
	}
	drafts, submitted := acknowledged(run.results)
	if drafts != respondents || submitted != respondents {
		t.Errorf("acknowledged %d drafts and %d submissions, want %d of each", drafts, submitted, respondents)
	}
	gotSubmitted, gotDrafts := counts(t, client, srv.base, fx)
	if gotSubmitted != submitted || gotDrafts != 0 {
		t.Errorf("facilitator API counts %d submitted and %d drafts, want %d and 0", gotSubmitted, gotDrafts, submitted)
	}
	srv.stopCleanly()
	checkStored(t, db, run.results, in.itemsPerPillar())
}

// TestSIGTERMUnderLoad sends SIGTERM halfway through the 200 respondents. The server must
// exit within its shutdown timeout (read from its own "shutting down" log line) with
// status 0, and after a restart on the same database every request that got a 2xx must be
// there: each acknowledged draft readable by its resume token, each acknowledged
// submission submitted with all its answers.
func TestSIGTERMUnderLoad(t *testing.T) {
	requireEnabled(t)
	t.Run("sqlite", func(t *testing.T) { sigtermScenario(t, sqliteAt(t.TempDir())) })
	t.Run("postgres", func(t *testing.T) { sigtermScenario(t, postgresDB(t)) })
}

func sigtermScenario(t *testing.T, db database) {
	fx := newFixture(t, db)
	srv := startServer(t, db)
	client := newClient(respondents)
	in := fetchInstrument(t, client, srv.base)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// The signal goes out once half the 2·respondents writes have been acknowledged.
	var writes atomic.Int64
	halfway := make(chan struct{})
	observe := func(s sample) {
		if s.ok() && s.kind != "join" && writes.Add(1) == respondents {
			close(halfway)
		}
	}
	signalled := make(chan time.Time, 1)
	go func() {
		select {
		case <-halfway:
		case <-ctx.Done():
			return
		}
		signalled <- time.Now()
		_ = srv.cmd.Process.Signal(syscall.SIGTERM)
	}()
	run := runLoad(ctx, client, srv.base, fx.code, in, 0, respondents, respondOptions{observe: observe})

	var sigAt time.Time
	select {
	case sigAt = <-signalled:
	default:
		t.Fatalf("only %d writes were acknowledged, so SIGTERM was never sent; first failure: %s", writes.Load(), firstFailure(run))
	}
	select {
	case <-srv.exited:
	case <-time.After(2 * time.Minute):
		t.Fatal("ecat did not exit within 2 minutes of SIGTERM")
	}
	took := srv.exitedAt.Sub(sigAt)
	limit := shutdownTimeout(t, srv) + 5*time.Second
	t.Logf("%s: ecat exited %v after SIGTERM (bound: shutdown timeout + 5 s margin = %v), status %v", db.name, took.Round(time.Millisecond), limit, srv.err)
	if took > limit {
		t.Errorf("ecat took %v to exit after SIGTERM, more than its shutdown timeout plus margin (%v)", took, limit)
	}
	if srv.err != nil {
		t.Errorf("ecat exited with %v after SIGTERM, want status 0 (in-flight requests finished in time)", srv.err)
	}

	var ok, refused, inFlightOK, inFlight int
	for _, s := range run.samples() {
		if s.ok() {
			ok++
		} else {
			refused++
		}
		if s.start.Before(sigAt) && s.start.Add(s.latency).After(sigAt) {
			inFlight++
			if s.ok() {
				inFlightOK++
			}
		}
	}
	drafts, submitted := acknowledged(run.results)
	t.Logf("%s: %d requests answered 2xx (%d drafts, %d submissions acknowledged), %d failed or refused; %d were in flight at SIGTERM, %d of them finished 2xx",
		db.name, ok, drafts, submitted, refused, inFlight, inFlightOK)
	// SIGTERM must land in the middle of the load: with requests in flight, which a
	// graceful shutdown lets finish. (That none is refused is no failure: a server that
	// answers fast enough has taken every respondent's last request before it stops.)
	if inFlight == 0 {
		t.Errorf("no request was in flight at SIGTERM: it did not land in the middle of the load")
	}

	// Restart on the same database: everything acknowledged is there.
	srv2 := startServer(t, db)
	for i, r := range run.results {
		if !r.draftAck {
			continue
		}
		s := do(ctx, client, "resume", http.MethodGet, srv2.base+"/api/v1/responses/"+r.token, "", nil)
		var got struct {
			Status   string `json:"status"`
			Progress struct {
				Answered int `json:"answered"`
				Total    int `json:"total"`
			} `json:"progress"`
		}
		if s.status != http.StatusOK || json.Unmarshal(s.body, &got) != nil {
			t.Errorf("respondent %d: acknowledged draft not readable after restart: %s", i, s.describe())
			continue
		}
		if r.submitAck && (got.Status != "submitted" || got.Progress.Answered != got.Progress.Total) {
			t.Errorf("respondent %d: acknowledged submission reads back as %s with %d/%d answers", i, got.Status, got.Progress.Answered, got.Progress.Total)
		}
	}
	gotSubmitted, _ := counts(t, client, srv2.base, fx)
	if gotSubmitted < submitted {
		t.Errorf("after restart the facilitator API counts %d submitted, fewer than the %d acknowledged", gotSubmitted, submitted)
	}
	srv2.stopCleanly()
	checkStored(t, db, run.results, in.itemsPerPillar())
}

// shutdownTimeout reads the timeout ecat announced in its "shutting down" log line.
func shutdownTimeout(t *testing.T, srv *server) time.Duration {
	t.Helper()
	for _, line := range srv.logs.matching(`"shutting down"`) {
		var rec struct {
			Timeout string `json:"timeout"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil {
			if d, err := time.ParseDuration(rec.Timeout); err == nil {
				return d
			}
		}
	}
	t.Fatal(`ecat did not log "shutting down" with its timeout after SIGTERM`)
	return 0
}

// firstFailure describes the first failed request of a run.
func firstFailure(run loadRun) string {
	for _, s := range run.samples() {
		if !s.ok() {
			return s.describe()
		}
	}
	return "none"
}
