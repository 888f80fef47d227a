package loadtest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// SIGKILL during group commit. On SQLite the respondents' writes that wait together are
// committed in one transaction, each in its own savepoint, and each is answered only once
// that transaction is committed (storage/group.go). Killing the process outright, at any
// moment, must therefore never lose an acknowledged write nor leave part of a response:
// whatever got a 201 or 200 is on disk exactly as sent, and whatever is on disk is whole.
//
// SIGKILL is not a power cut: what ecat wrote before it died is in the page cache and
// reaches the file. So the test catches an answer given before the commit was written
// (not one given before its fsync), and a commit that holds part of a response.

const (
	// crashWorkers respondents submit at once, each on its kept-alive connection, one
	// submission after another, so that the group writer always finds several waiting.
	crashWorkers = 64
	// The server is started on the same file, loaded and killed crashRounds times, or
	// fewer once crashBudget has passed, but at least crashMinRounds times. A kill lands
	// after a commit is written, or before its answers go out, far more often than
	// between the two, so a server that answered just before COMMIT is caught by a kill
	// only in some rounds (one in three to one in seven, measured): twelve rounds catch
	// it most of the time. (A draft answered before its commit is also caught at once,
	// when its PUT finds no response.) They take about 20 s on a quiet machine; the
	// budget keeps a loaded one near a minute.
	crashRounds    = 12
	crashMinRounds = 4
	crashBudget    = 40 * time.Second
	// Each round kills ecat once crashKillMin + [0, crashKillSpread) answers have begun
	// to arrive in it, with requests in flight.
	crashKillMin    = 200
	crashKillSpread = 300
)

// crashNamed is a strength or an opportunity.
type crashNamed struct{ Text, Theme string }

// crashContent is one version of a response: what was sent and must be stored as sent.
type crashContent struct {
	Status      string
	Pillar      string
	Language    string
	Answers     map[string]string
	Reflections map[string]string
	Strength    crashNamed
	Opportunity crashNamed
}

// crashForm is submission n as a draft (half the answers, one reflection, a strength) or,
// final, complete: every answer and reflection, a strength and an opportunity, submitted.
// Its strength names n, so that a stored response can be traced to what was sent.
func crashForm(in instrument, n int, final bool) crashContent {
	p := in.pillars[n%len(in.pillars)]
	values := []string{"yes", "somewhat", "no", "unknown"}
	c := crashContent{
		Status: string(assessment.Draft), Pillar: p.key, Language: "en",
		Answers: map[string]string{}, Reflections: map[string]string{},
		Strength: crashNamed{fmt.Sprintf("Submission %d: partners sit on the committee", n), in.themes[n%len(in.themes)]},
	}
	items, prompts := p.items[:len(p.items)/2], p.prompts[:min(1, len(p.prompts))]
	if final {
		c.Status = string(assessment.Submitted)
		items, prompts = p.items, p.prompts
		c.Opportunity = crashNamed{fmt.Sprintf("Submission %d: pay partners for their time", n), in.themes[(n+1)%len(in.themes)]}
	}
	for j, id := range items {
		c.Answers[id] = values[(n+j)%len(values)]
	}
	for _, id := range prompts {
		c.Reflections[id] = fmt.Sprintf("Submission %d, %s: we talk about it at huddles.", n, id)
	}
	return c
}

// submissionNumber reads n back from a stored strength text.
func submissionNumber(strength string) (int, bool) {
	var n int
	_, err := fmt.Sscanf(strength, "Submission %d:", &n)
	return n, err == nil
}

// body is the JSON request of c; with a join code for POST /api/v1/responses.
func (c crashContent) body(code string) map[string]any {
	b := map[string]any{
		"pillar": c.Pillar, "language": c.Language, "answers": c.Answers, "reflections": c.Reflections,
		"strength": map[string]string{"text": c.Strength.Text, "theme": c.Strength.Theme},
		"submit":   c.Status == string(assessment.Submitted),
	}
	if c.Opportunity != (crashNamed{}) {
		b["opportunity"] = map[string]string{"text": c.Opportunity.Text, "theme": c.Opportunity.Theme}
	}
	if code != "" {
		b["code"] = code
	}
	return b
}

// differs describes how got differs from c, "" if not at all.
func (c crashContent) differs(got crashContent) string {
	var d []string
	if got.Status != c.Status || got.Pillar != c.Pillar || got.Language != c.Language {
		d = append(d, fmt.Sprintf("status/pillar/language %s/%s/%s, sent %s/%s/%s", got.Status, got.Pillar, got.Language, c.Status, c.Pillar, c.Language))
	}
	if !maps.Equal(got.Answers, c.Answers) {
		d = append(d, fmt.Sprintf("%d answers %v, sent %d %v", len(got.Answers), got.Answers, len(c.Answers), c.Answers))
	}
	if !maps.Equal(got.Reflections, c.Reflections) {
		d = append(d, fmt.Sprintf("%d reflections %q, sent %d %q", len(got.Reflections), got.Reflections, len(c.Reflections), c.Reflections))
	}
	if got.Strength != c.Strength || got.Opportunity != c.Opportunity {
		d = append(d, fmt.Sprintf("strength %q opportunity %q, sent %q %q", got.Strength, got.Opportunity, c.Strength, c.Opportunity))
	}
	return strings.Join(d, "; ")
}

// crashSubmission is one response the test started and what ecat acknowledged of it.
type crashSubmission struct {
	n     int
	round int
	// direct: one POST submitting the complete response. Otherwise a POST saves the
	// draft and, once acknowledged, a PUT submits it complete.
	direct    bool
	token     string // resume token of the 201
	created   bool   // the POST was answered 201
	putSent   bool   // the PUT went out
	submitted bool   // acknowledged as submitted: the direct POST's 201 or the PUT's 200
}

// allowed are the versions the submission may be stored as, and whether it must be stored.
func (s *crashSubmission) allowed(in instrument) (versions []crashContent, required bool) {
	draft, final := crashForm(in, s.n, false), crashForm(in, s.n, true)
	switch {
	case s.direct:
		return []crashContent{final}, s.created
	case s.submitted:
		return []crashContent{final}, true
	case s.putSent:
		// The PUT got no answer: committed or not, but never half.
		return []crashContent{draft, final}, true
	}
	return []crashContent{draft}, s.created
}

// crashRound is what one round sent and saw.
type crashRound struct {
	subs       []*crashSubmission
	samples    []sample
	killAfter  int           // answers before the kill
	acked      int           // acknowledgements in all (some arrive as the process dies)
	inFlight   int           // requests sent and not yet answered when SIGKILL went out
	unanswered int           // requests that got no answer
	lateAcks   int           // answers read after SIGKILL went out
	loadFor    time.Duration // from the first request to the kill
	failures   []string      // requests answered with anything but the expected success
}

// TestSIGKILLDuringGroupCommit: 64 respondents submit complete responses through the JSON
// API as fast as ecat takes them (a quarter save a draft first, then submit it with a
// PUT), so that SQLite's group writer commits several per transaction. After a few
// hundred answers ecat is killed with SIGKILL, requests in flight; this up to twelve
// times on the same database file. After each kill the file is opened with ecat's
// storage package and read directly: every write ever acknowledged is there exactly as
// sent; every stored response of the assessment is one of the versions sent, whole (so
// no submitted response lacks an answer or reflection); PRAGMA integrity_check and
// foreign_key_check are clean. The write-ahead log left by each kill shows that commits
// held several responses each. At the end a restarted ecat serves every acknowledged
// response by its resume token.
func TestSIGKILLDuringGroupCommit(t *testing.T) {
	requireEnabled(t)
	db := sqliteAt(t.TempDir())
	fx := newFixture(t, db)
	client := newClient(crashWorkers)
	var (
		in                     instrument
		all                    []*crashSubmission
		next                   atomic.Int64
		walCommits, walWritten int
		last                   crashStored // after the last kill
	)
	began, rounds := time.Now(), 0
	for round := range crashRounds {
		if round >= crashMinRounds && time.Since(began) > crashBudget {
			t.Logf("%d rounds in %v: no time for more", round, time.Since(began).Round(time.Second))
			break
		}
		rounds++
		srv := startServer(t, db)
		if round == 0 {
			in = fetchInstrument(t, client, srv.base)
		}
		r := loadAndKill(t, client, srv, fx, in, round, &next)
		all = append(all, r.subs...)
		client.CloseIdleConnections()

		// What the kill left: the log's commits, before anything opens the file.
		wal := walAfterKill(t, db, fx)
		st := checkAfterCrash(t, db, fx, in, all)
		last = st
		if wal.ok {
			wal.responses = st.stored - wal.mainResponses
			walCommits += wal.commits
			walWritten += wal.responses
		}

		direct, drafts, puts := 0, 0, 0
		for _, s := range r.subs {
			switch {
			case s.direct && s.created:
				direct++
			case s.created:
				drafts++
			}
			if !s.direct && s.submitted {
				puts++
			}
		}
		t.Logf("round %d: SIGKILL after %d answers (%.2f s of load); %d acknowledged in all "+
			"(%d complete submissions 201, %d drafts 201, %d PUT submissions 200); %d requests in flight at the kill: %d got no answer, %d answers were read after it",
			round+1, r.killAfter, r.loadFor.Seconds(), r.acked, direct, drafts, puts, r.inFlight, r.unanswered, r.lateAcks)
		t.Logf("round %d: after the kill the file holds %d responses (%d submitted, %d drafts); %d of this round's unanswered writes were stored; "+
			"acknowledged but missing: %d; stored but not as sent: %d; submitted with missing answers or reflections: %d; %s",
			round+1, st.stored, st.submitted, st.stored-st.submitted, st.unansweredStored[round], st.lost, st.wrong, st.incomplete, wal)
		if t.Failed() {
			t.FailNow()
		}
	}
	if walCommits == 0 {
		t.Errorf("no commit was found in the write-ahead logs the kills left: cannot tell that writes were grouped")
	} else if walWritten <= walCommits {
		t.Errorf("the write-ahead logs the kills left hold %d responses in %d commits: no commit held more than one, writes were not grouped", walWritten, walCommits)
	}

	// Restarted, ecat serves every acknowledged write by its resume token.
	srv := startServer(t, db)
	waitReady(t, client, srv.base, 30*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	acked, submitted := 0, 0
	var served crashStored // counts the problems
	for _, s := range all {
		if !s.created {
			continue
		}
		acked++
		res := do(ctx, client, "resume", http.MethodGet, srv.base+"/api/v1/responses/"+s.token, "", nil)
		var got struct {
			Status      string            `json:"status"`
			Pillar      string            `json:"pillar"`
			Language    string            `json:"language"`
			Answers     map[string]string `json:"answers"`
			Reflections map[string]string `json:"reflections"`
			Strength    crashNamed        `json:"strength"`
			Opportunity crashNamed        `json:"opportunity"`
		}
		if res.status != http.StatusOK || json.Unmarshal(res.body, &got) != nil {
			served.problem(t, "submission %d: acknowledged, but not served after the restart: %s", s.n, res.describe())
			continue
		}
		c := crashContent{Status: got.Status, Pillar: got.Pillar, Language: got.Language, Answers: got.Answers,
			Reflections: got.Reflections, Strength: got.Strength, Opportunity: got.Opportunity}
		if msg := matchesOne(s, in, c); msg != "" {
			served.problem(t, "submission %d: served after the restart %s", s.n, msg)
		}
		if s.submitted {
			submitted++
		}
	}
	if served.problems > crashMaxErrors {
		t.Errorf("… and %d more problems after the restart", served.problems-crashMaxErrors)
	}
	apiSubmitted, _ := counts(t, client, srv.base, fx)
	if apiSubmitted != last.submitted || apiSubmitted < submitted {
		t.Errorf("after the restart the facilitator API counts %d submitted responses; the file holds %d, and %d were acknowledged", apiSubmitted, last.submitted, submitted)
	}
	srv.stopCleanly()
	t.Logf("all %d rounds: %d writes started, %d responses acknowledged (%d as submitted), all served after the restart; "+
		"the write-ahead logs at the kills held %d responses in %d commits (%.1f per commit)",
		rounds, len(all), acked, submitted, walWritten, walCommits, float64(walWritten)/float64(max(walCommits, 1)))
}

// loadAndKill runs crashWorkers respondents against srv until the round's share of
// answers, then SIGKILLs the server with requests in flight and waits for it to be gone.
func loadAndKill(t *testing.T, client *http.Client, srv *server, fx fixture, in instrument, round int, next *atomic.Int64) crashRound {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r := crashRound{killAfter: crashKillMin + rand.IntN(crashKillSpread)}
	var (
		mu       sync.Mutex
		answers  atomic.Int64 // answers whose first byte arrived
		acks     atomic.Int64
		inFlight atomic.Int64
		killed   atomic.Bool // set before the signal goes out
		killNow  = make(chan struct{})
		once     sync.Once
		killAt   time.Time
		killErr  error
		wg       sync.WaitGroup
	)
	// kill sends SIGKILL, once. It goes out as soon as the first byte of the answer that
	// reaches the count arrives, from the goroutine reading it: a server that answered
	// before committing is then most likely killed before the commit is written.
	kill := func() {
		once.Do(func() {
			killed.Store(true)
			r.inFlight = int(inFlight.Load())
			killAt = time.Now()
			killErr = srv.cmd.Process.Signal(syscall.SIGKILL)
			close(killNow)
		})
	}
	traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotFirstResponseByte: func() {
		if answers.Add(1) == int64(r.killAfter) {
			kill()
		}
	}})
	start := time.Now()
	for range crashWorkers {
		wg.Go(func() {
			var subs []*crashSubmission
			var samples []sample
			var failures []string
			defer func() {
				mu.Lock()
				defer mu.Unlock()
				r.subs = append(r.subs, subs...)
				r.samples = append(r.samples, samples...)
				r.failures = append(r.failures, failures...)
			}()
			// send sends one request; false if it failed, which only the kill may cause.
			send := func(s *crashSubmission, kind, method, url string, body any, want int, wantStatus string) (string, bool) {
				inFlight.Add(1)
				res := doAs(traced, client, kind, method, url, "", body, respondentAddress(s.n))
				inFlight.Add(-1)
				samples = append(samples, res)
				var doc struct {
					ResumeToken string `json:"resume_token"`
					Status      string `json:"status"`
				}
				switch {
				case res.err != nil && killed.Load():
					return "", false
				case res.status != want || json.Unmarshal(res.body, &doc) != nil || doc.Status != wantStatus:
					failures = append(failures, fmt.Sprintf("submission %d: %s", s.n, res.describe()))
					return "", false
				}
				return doc.ResumeToken, true
			}
			for !killed.Load() && ctx.Err() == nil {
				s := &crashSubmission{n: int(next.Add(1)), round: round}
				s.direct = s.n%4 != 0
				subs = append(subs, s)
				form := crashForm(in, s.n, s.direct)
				token, ok := send(s, "create", http.MethodPost, srv.base+"/api/v1/responses", form.body(fx.code), http.StatusCreated, form.Status)
				if !ok {
					return
				}
				if token == "" {
					failures = append(failures, fmt.Sprintf("submission %d: 201 without a resume token", s.n))
					return
				}
				s.token, s.created, s.submitted = token, true, s.direct
				acks.Add(1)
				if s.direct {
					continue
				}
				s.putSent = true
				if _, ok := send(s, "submit", http.MethodPut, srv.base+"/api/v1/responses/"+s.token, crashForm(in, s.n, true).body(""), http.StatusOK, string(assessment.Submitted)); !ok {
					return
				}
				s.submitted = true
				acks.Add(1)
			}
		})
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-killNow:
	case <-done:
	case <-ctx.Done():
	}
	kill()
	r.loadFor = killAt.Sub(start)
	if killErr != nil {
		t.Fatalf("SIGKILL ecat: %v", killErr)
	}
	select {
	case <-srv.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("ecat did not die within 30 s of SIGKILL")
	}
	<-done
	if ws, ok := srv.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("ecat ended with %v, not by SIGKILL", srv.err)
	}
	for _, f := range r.failures[:min(10, len(r.failures))] {
		t.Errorf("round %d: %s", round+1, f)
	}
	if answers.Load() < int64(r.killAfter) {
		t.Fatalf("round %d: only %d answers came before the load stopped, not the %d to kill after", round+1, answers.Load(), r.killAfter)
	}
	r.acked = int(acks.Load())
	for _, s := range r.samples {
		switch {
		case s.err != nil:
			r.unanswered++
		case s.start.Add(s.latency).After(killAt):
			r.lateAcks++ // answered before the kill, read after it
		}
	}
	if r.inFlight == 0 || r.unanswered == 0 {
		t.Errorf("round %d: %d requests in flight at the kill and %d unanswered: SIGKILL did not land in the middle of the load", round+1, r.inFlight, r.unanswered)
	}
	return r
}

// matchesOne says how c is none of the versions s may be stored as, "" if it is one.
func matchesOne(s *crashSubmission, in instrument, c crashContent) string {
	versions, _ := s.allowed(in)
	var diffs []string
	for _, v := range versions {
		d := v.differs(c)
		if d == "" {
			return ""
		}
		diffs = append(diffs, d)
	}
	return "differs from what was sent: " + strings.Join(diffs, " | or | ")
}

// crashStored sums up the file after a kill.
type crashStored struct {
	stored, submitted int
	// lost: acknowledged writes not there (read by resume token); wrong: stored responses
	// that are none of the versions sent (read with SQL); incomplete: submitted responses
	// without all their answers and reflections (counted in SQL).
	lost, wrong, incomplete int
	unansweredStored        map[int]int // by round: writes that got no answer yet are stored
	problems                int         // reported as errors, the first crashMaxErrors of them
}

// crashMaxErrors bounds the errors reported after one kill; the rest are counted.
const crashMaxErrors = 20

func (c *crashStored) problem(t *testing.T, format string, args ...any) {
	t.Helper()
	if c.problems++; c.problems <= crashMaxErrors {
		t.Errorf(format, args...)
	}
}

// checkAfterCrash opens the killed server's file with ecat's storage package (which
// recovers the write-ahead log as ecat would) and reads it directly too, and checks it
// against every submission of every round so far.
func checkAfterCrash(t *testing.T, db database, fx fixture, in instrument, subs []*crashSubmission) crashStored {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := storage.Open(ctx, db.path)
	if err != nil {
		t.Fatalf("storage.Open after SIGKILL: %v", err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			t.Errorf("close the store: %v", err)
		}
	}()
	if err := st.CheckSchema(ctx); err != nil {
		t.Fatalf("CheckSchema after SIGKILL: %v", err)
	}

	out := crashStored{unansweredStored: map[int]int{}}
	defer func() {
		if out.problems > crashMaxErrors {
			t.Errorf("… and %d more problems after this kill", out.problems-crashMaxErrors)
		}
	}()

	// Every acknowledged write, through ecat's own read of a resume token.
	byN := map[int]*crashSubmission{}
	for _, s := range subs {
		byN[s.n] = s
		if !s.created {
			continue
		}
		r, err := st.ResponseByToken(ctx, assessment.HashToken(s.token))
		if err != nil {
			out.lost++
			out.problem(t, "submission %d (round %d): acknowledged, but %v", s.n, s.round+1, err)
			continue
		}
		if r.AssessmentID != fx.assessmentID {
			out.problem(t, "submission %d: stored in assessment %d, not %d", s.n, r.AssessmentID, fx.assessmentID)
		}
		c := crashContent{Status: string(r.Status), Pillar: r.Pillar, Language: r.Language,
			Answers: map[string]string{}, Reflections: r.Reflections,
			Strength: crashNamed(r.Strength), Opportunity: crashNamed(r.Opportunity)}
		for id, a := range r.Answers {
			c.Answers[id] = string(a)
		}
		if msg := matchesOne(s, in, c); msg != "" {
			out.problem(t, "submission %d (round %d): acknowledged, stored but %s", s.n, s.round+1, msg)
		}
	}

	// Every stored response, read with plain SQL: one of the versions sent, whole.
	conn := db.openDirect(t)
	defer func() { _ = conn.Close() }()
	var verdict string
	if err := conn.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&verdict); err != nil || verdict != "ok" {
		out.problem(t, "integrity_check after SIGKILL = %q, %v; want ok", verdict, err)
	}
	if rows, err := conn.QueryContext(ctx, "PRAGMA foreign_key_check"); err != nil {
		out.problem(t, "foreign_key_check: %v", err)
	} else {
		n := 0
		for rows.Next() {
			n++
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil || n > 0 {
			out.problem(t, "foreign_key_check after SIGKILL: %d rows refer to what is not there (%v)", n, err)
		}
	}
	out.incomplete = incompleteSubmitted(ctx, t, conn, fx, in)
	if out.incomplete != 0 {
		out.problem(t, "%d submitted responses lack answers, reflections, a strength or an opportunity", out.incomplete)
	}
	stored := readResponses(ctx, t, conn, fx)
	seen := map[int]bool{}
	for tokenHash, c := range stored {
		n, ok := submissionNumber(c.Strength.Text)
		s := byN[n]
		switch {
		case !ok || s == nil:
			out.wrong++
			out.problem(t, "stored response %q is none of the submissions sent", c.Strength.Text)
			continue
		case seen[n]:
			out.wrong++
			out.problem(t, "submission %d is stored twice", n)
		case s.created && tokenHash != assessment.HashToken(s.token):
			out.wrong++
			out.problem(t, "submission %d is stored under another resume token than the one acknowledged", n)
		}
		seen[n] = true
		if msg := matchesOne(s, in, c); msg != "" {
			out.wrong++
			out.problem(t, "submission %d (round %d, acknowledged: %v) is stored but %s", n, s.round+1, s.created, msg)
		}
		if !s.created || (s.putSent && !s.submitted && c.Status == string(assessment.Submitted)) {
			out.unansweredStored[s.round]++ // a POST, or a PUT, committed but not answered
		}
		if c.Status == string(assessment.Submitted) {
			out.submitted++
		}
	}
	out.stored = len(stored)
	for _, s := range subs {
		if _, required := s.allowed(in); required && !seen[s.n] {
			out.problem(t, "submission %d (round %d): acknowledged, not among the stored responses", s.n, s.round+1)
		}
	}
	return out
}

// incompleteSubmitted counts, in SQL alone, the assessment's submitted responses whose
// answers or reflections are not all there (every submission sent answers every item
// and every reflection prompt of its pillar) or that lack a strength or an opportunity.
func incompleteSubmitted(ctx context.Context, t *testing.T, conn *sql.DB, fx fixture, in instrument) int {
	t.Helper()
	var values []string
	var args []any
	for _, p := range in.pillars {
		values = append(values, "(?, ?, ?)")
		args = append(args, p.key, len(p.items), len(p.prompts))
	}
	args = append(args, fx.assessmentID, string(assessment.Submitted))
	query := `WITH expected(pillar, items, prompts) AS (VALUES ` + strings.Join(values, ", ") + `)
		SELECT COUNT(*) FROM responses r LEFT JOIN expected e ON e.pillar = r.pillar
		WHERE r.assessment_id = ? AND r.status = ? AND (e.pillar IS NULL
			OR (SELECT COUNT(*) FROM answers a WHERE a.response_id = r.id) <> e.items
			OR (SELECT COUNT(*) FROM reflections f WHERE f.response_id = r.id) <> e.prompts
			OR r.strength_text = '' OR r.opportunity_text = '')`
	var n int
	if err := conn.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("count incomplete submitted responses: %v", err)
	}
	return n
}

// readResponses reads every response of the assessment with its answers and
// reflections, by token hash.
func readResponses(ctx context.Context, t *testing.T, conn *sql.DB, fx fixture) map[string]crashContent {
	t.Helper()
	out := map[string]crashContent{}
	byID := map[int64]string{}
	rows, err := conn.QueryContext(ctx, `SELECT id, token_hash, status, pillar, language, strength_text, strength_theme,
		opportunity_text, opportunity_theme FROM responses WHERE assessment_id = ?`, fx.assessmentID)
	if err != nil {
		t.Fatalf("read responses: %v", err)
	}
	for rows.Next() {
		var id int64
		var hash string
		c := crashContent{Answers: map[string]string{}, Reflections: map[string]string{}}
		if err := rows.Scan(&id, &hash, &c.Status, &c.Pillar, &c.Language, &c.Strength.Text, &c.Strength.Theme,
			&c.Opportunity.Text, &c.Opportunity.Theme); err != nil {
			t.Fatalf("read responses: %v", err)
		}
		byID[id] = hash
		out[hash] = c
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		t.Fatalf("read responses: %v", err)
	}
	for _, child := range []struct{ table, key, value string }{
		{"answers", "item_id", "value"}, {"reflections", "prompt_id", "text"},
	} {
		rows, err := conn.QueryContext(ctx, `SELECT c.response_id, c.`+child.key+`, c.`+child.value+` FROM `+child.table+` c
			JOIN responses r ON r.id = c.response_id WHERE r.assessment_id = ?`, fx.assessmentID)
		if err != nil {
			t.Fatalf("read %s: %v", child.table, err)
		}
		for rows.Next() {
			var id int64
			var key, value string
			if err := rows.Scan(&id, &key, &value); err != nil {
				t.Fatalf("read %s: %v", child.table, err)
			}
			c := out[byID[id]]
			if child.table == "answers" {
				c.Answers[key] = value
			} else {
				c.Reflections[key] = value
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			t.Fatalf("read %s: %v", child.table, err)
		}
	}
	return out
}

// ---------------------------------------------------------------- the write-ahead log

// walFigures is what the write-ahead log left by a kill shows of group commit: the
// transactions it commits, and the responses in the database file without it (the
// state its first frame starts from, or later if part of it was already copied back).
// The responses it adds are then at most the ones stored minus those; each response is
// inserted by one write, so more responses than commits means commits held several.
type walFigures struct {
	ok            bool
	commits       int
	mainResponses int
	responses     int // set by the caller once it knows what is stored
	why           string
}

func (w walFigures) String() string {
	if !w.ok {
		return "write-ahead log not read: " + w.why
	}
	return fmt.Sprintf("write-ahead log at the kill: %d commits, %d responses beyond the database file alone (%.1f per commit)",
		w.commits, w.responses, float64(w.responses)/float64(max(w.commits, 1)))
}

// walAfterKill reads the write-ahead log and the database file as the kill left them,
// before anything opens the database (which would recover the log and, on closing,
// copy it back).
func walAfterKill(t *testing.T, db database, fx fixture) walFigures {
	t.Helper()
	commits, err := walCommitCount(db.path + "-wal")
	if err != nil {
		return walFigures{why: err.Error()}
	}
	// The database file alone, copied aside: its own state, without the log.
	main, err := os.ReadFile(db.path)
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "main-only.db")
	if err := os.WriteFile(copyPath, main, 0o600); err != nil {
		t.Fatal(err)
	}
	conn, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: copyPath}).EscapedPath())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	var n int
	if err := conn.QueryRow("SELECT COUNT(*) FROM responses WHERE assessment_id = ?", fx.assessmentID).Scan(&n); err != nil {
		// Killed while copying the log back, the file alone need not be consistent.
		return walFigures{why: "the database file alone is not readable: " + err.Error()}
	}
	return walFigures{ok: true, commits: commits, mainResponses: n}
}

// walCommitCount counts the transactions SQLite's recovery would replay from a
// write-ahead log: the commit frames of its current generation (the salts of its
// header) whose cumulative checksums hold, up to the first that does not. A missing log
// commits nothing.
func walCommitCount(path string) (int, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(b) < 32 {
		return 0, nil
	}
	be := binary.BigEndian
	magic := be.Uint32(b)
	if magic&^1 != 0x377f0682 {
		return 0, fmt.Errorf("%s: not a write-ahead log (magic %#x)", path, magic)
	}
	// The low bit of the magic number gives the byte order of the checksums.
	var order binary.ByteOrder = binary.LittleEndian
	if magic&1 == 1 {
		order = binary.BigEndian
	}
	pageSize := int(be.Uint32(b[8:]))
	salts := b[16:24]
	s0, s1 := walChecksum(order, b[:24], 0, 0)
	if s0 != be.Uint32(b[24:]) || s1 != be.Uint32(b[28:]) {
		return 0, fmt.Errorf("%s: header checksum does not hold", path)
	}
	commits := 0
	for off := 32; off+24+pageSize <= len(b); off += 24 + pageSize {
		h := b[off : off+24]
		if !bytes.Equal(h[8:16], salts) {
			break
		}
		s0, s1 = walChecksum(order, h[:8], s0, s1)
		s0, s1 = walChecksum(order, b[off+24:off+24+pageSize], s0, s1)
		if s0 != be.Uint32(h[16:]) || s1 != be.Uint32(h[20:]) {
			break
		}
		if be.Uint32(h[4:]) != 0 { // database size after a commit; 0 in other frames
			commits++
		}
	}
	return commits, nil
}

// walChecksum continues SQLite's write-ahead log checksum over data.
func walChecksum(order binary.ByteOrder, data []byte, s0, s1 uint32) (uint32, uint32) {
	for i := 0; i+8 <= len(data); i += 8 {
		s0 += order.Uint32(data[i:]) + s1
		s1 += order.Uint32(data[i+4:]) + s0
	}
	return s0, s1
}
