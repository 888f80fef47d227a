package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// newClient is an HTTP client for many respondents at once over loopback: enough idle
// connections kept that they are reused rather than reopened, and a bound on every request.
func newClient(concurrency int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = concurrency * 2
	tr.MaxIdleConnsPerHost = concurrency * 2
	return &http.Client{
		Transport: tr,
		Timeout:   60 * time.Second,
		// A redirect is an answer to check, not to follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// ---------------------------------------------------------------- the instrument

// pillarSpec is what a respondent needs to know of one pillar to answer it.
type pillarSpec struct {
	key     string
	items   []string
	prompts []string
}

type instrument struct {
	pillars []pillarSpec
	themes  []string
}

// itemsPerPillar maps each pillar to its number of items.
func (in instrument) itemsPerPillar() map[string]int {
	out := map[string]int{}
	for _, p := range in.pillars {
		out[p.key] = len(p.items)
	}
	return out
}

// fetchInstrument reads the checklist from the API, as a client building its own form would.
func fetchInstrument(t *testing.T, client *http.Client, base string) instrument {
	t.Helper()
	res := do(context.Background(), client, "instrument", http.MethodGet, base+"/api/v1/instrument", "", nil)
	if res.status != http.StatusOK {
		t.Fatalf("GET /api/v1/instrument: %s", res.describe())
	}
	var doc struct {
		Themes []struct {
			Key string `json:"key"`
		} `json:"themes"`
		Pillars []struct {
			Key      string `json:"key"`
			Sections []struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
			} `json:"sections"`
			Reflections []struct {
				ID string `json:"id"`
			} `json:"reflections"`
		} `json:"pillars"`
	}
	if err := json.Unmarshal(res.body, &doc); err != nil {
		t.Fatalf("instrument: %v", err)
	}
	var in instrument
	for _, th := range doc.Themes {
		in.themes = append(in.themes, th.Key)
	}
	for _, p := range doc.Pillars {
		spec := pillarSpec{key: p.Key}
		for _, s := range p.Sections {
			for _, it := range s.Items {
				spec.items = append(spec.items, it.ID)
			}
		}
		for _, r := range p.Reflections {
			spec.prompts = append(spec.prompts, r.ID)
		}
		in.pillars = append(in.pillars, spec)
	}
	if len(in.pillars) == 0 || len(in.themes) == 0 {
		t.Fatalf("instrument has %d pillars and %d themes", len(in.pillars), len(in.themes))
	}
	return in
}

// ---------------------------------------------------------------- requests

// sample is one request and what came of it.
type sample struct {
	kind    string // "join", "draft", "submit", …
	start   time.Time
	latency time.Duration
	status  int    // 0 when no HTTP answer came
	errCode string // error.code of a JSON error body
	err     error  // transport error
	body    []byte
	header  http.Header
}

func (s sample) ok() bool { return s.err == nil && s.status >= 200 && s.status < 300 }

func (s sample) describe() string {
	if s.err != nil {
		return fmt.Sprintf("%s: %v", s.kind, s.err)
	}
	body := string(s.body)
	if len(body) > 300 {
		body = body[:300] + "…"
	}
	return fmt.Sprintf("%s: HTTP %d %s", s.kind, s.status, body)
}

// do sends one request and reads the whole answer.
func do(ctx context.Context, client *http.Client, kind, method, url, bearer string, body any) sample {
	return doAs(ctx, client, kind, method, url, bearer, body, "")
}

// respondentAddress is the address respondent n comes from: the load test's respondents
// are different people, each on their own connection, reaching ecat through the local
// proxy the servers here trust (ECAT_TRUST_PROXY), as a team behind a hospital's proxy
// would. 198.18.0.0/15 is reserved for such tests.
func respondentAddress(n int) string { return fmt.Sprintf("198.18.%d.%d", n/250, n%250+1) }

// doAs is do for a client at address from (sent as X-Forwarded-For), "" for none.
func doAs(ctx context.Context, client *http.Client, kind, method, url, bearer string, body any, from string) sample {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		rd = bytes.NewReader(b)
	}
	s := sample{kind: kind, start: time.Now()}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		s.err = err
		return s
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if from != "" {
		req.Header.Set("X-Forwarded-For", from)
	}
	res, err := client.Do(req)
	if err != nil {
		s.latency, s.err = time.Since(s.start), err
		return s
	}
	s.body, s.err = io.ReadAll(res.Body)
	_ = res.Body.Close()
	s.latency, s.status, s.header = time.Since(s.start), res.StatusCode, res.Header
	if s.status >= 400 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		if json.Unmarshal(s.body, &e) == nil {
			s.errCode = e.Error.Code
		}
	}
	return s
}

// ---------------------------------------------------------------- one respondent

// respondentResult is what one respondent did and what ecat acknowledged.
type respondentResult struct {
	pillar    string
	token     string // resume token of the acknowledged draft
	draftAck  bool   // POST /api/v1/responses answered 201
	submitAck bool   // PUT … submit:true answered 200 "submitted"
	samples   []sample
}

// respondOptions vary how respondents behave.
type respondOptions struct {
	// observe, if not nil, sees each request as soon as it is answered (concurrently).
	observe func(sample)
	// apiOnly skips the join page, as a client of the JSON API would.
	apiOnly bool
}

// respond is one team member: open the join page, save a draft with half the answers,
// then submit the complete response. It stops at the first request that fails.
func respond(ctx context.Context, client *http.Client, base, code string, in instrument, n int, opts respondOptions) respondentResult {
	p := in.pillars[n%len(in.pillars)]
	r := respondentResult{pillar: p.key}
	send := func(kind, method, url string, body any) sample {
		s := doAs(ctx, client, kind, method, url, "", body, respondentAddress(n))
		r.samples = append(r.samples, s)
		if opts.observe != nil {
			opts.observe(s)
		}
		return s
	}

	if !opts.apiOnly {
		s := send("join", http.MethodGet, base+"/j/"+code, nil)
		if !s.ok() || !strings.HasPrefix(s.header.Get("Content-Type"), "text/html") {
			return r
		}
	}

	values := []string{"yes", "somewhat", "no", "unknown"}
	answers := map[string]string{}
	for j, id := range p.items[:len(p.items)/2] {
		answers[id] = values[(n+j)%len(values)]
	}
	reflections := map[string]string{}
	if len(p.prompts) > 0 {
		reflections[p.prompts[0]] = fmt.Sprintf("Respondent %d: we talk about it at huddles.", n)
	}
	draft := map[string]any{
		"code": code, "pillar": p.key, "language": "en",
		"answers": answers, "reflections": reflections,
		"strength": map[string]string{"text": "Partners sit on the committee", "theme": in.themes[n%len(in.themes)]},
		"submit":   false,
	}
	s := send("draft", http.MethodPost, base+"/api/v1/responses", draft)
	var created struct {
		ResumeToken string `json:"resume_token"`
		Status      string `json:"status"`
	}
	if s.status != http.StatusCreated || json.Unmarshal(s.body, &created) != nil || created.ResumeToken == "" || created.Status != "draft" {
		return r
	}
	r.token, r.draftAck = created.ResumeToken, true

	for j, id := range p.items {
		answers[id] = values[(n+j)%len(values)]
	}
	delete(draft, "code")
	draft["opportunity"] = map[string]string{"text": "Pay partners for their time", "theme": in.themes[(n+1)%len(in.themes)]}
	draft["submit"] = true
	s = send("submit", http.MethodPut, base+"/api/v1/responses/"+r.token, draft)
	var updated struct {
		Status string `json:"status"`
	}
	if s.status == http.StatusOK && json.Unmarshal(s.body, &updated) == nil && updated.Status == "submitted" {
		r.submitAck = true
	}
	return r
}

// loadRun is the outcome of many respondents at once.
type loadRun struct {
	results []respondentResult
	wall    time.Duration
}

// runLoad starts n respondents together (numbered from first) and waits for all of them.
func runLoad(ctx context.Context, client *http.Client, base, code string, in instrument, first, n int, opts respondOptions) loadRun {
	run := loadRun{results: make([]respondentResult, n)}
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-gate
			run.results[i] = respond(ctx, client, base, code, in, first+i, opts)
		})
	}
	start := time.Now()
	close(gate)
	wg.Wait()
	run.wall = time.Since(start)
	return run
}

func (run loadRun) samples() []sample {
	var out []sample
	for _, r := range run.results {
		out = append(out, r.samples...)
	}
	return out
}

// acknowledged counts acknowledged drafts and submissions.
func acknowledged(results []respondentResult) (drafts, submitted int) {
	for _, r := range results {
		if r.draftAck {
			drafts++
		}
		if r.submitAck {
			submitted++
		}
	}
	return drafts, submitted
}

// ---------------------------------------------------------------- figures

// figures is the machine-readable summary of a load run, printed as one line
// starting with "loadtest-result " so CI logs can be grepped.
type figures struct {
	DB          string  `json:"db"`
	Scenario    string  `json:"scenario"`
	Respondents int     `json:"respondents"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	Seconds     float64 `json:"seconds"`
	RPS         float64 `json:"requests_per_second"`
	P50ms       float64 `json:"p50_ms"`
	P95ms       float64 `json:"p95_ms"`
	P99ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())/10) / 100 }

func summarize(db, scenario string, run loadRun) figures {
	samples := run.samples()
	lat := make([]time.Duration, 0, len(samples))
	errs := 0
	for _, s := range samples {
		lat = append(lat, s.latency)
		if !s.ok() {
			errs++
		}
	}
	slices.Sort(lat)
	f := figures{
		DB: db, Scenario: scenario, Respondents: len(run.results), Requests: len(samples), Errors: errs,
		Seconds: math.Round(run.wall.Seconds()*1000) / 1000,
		P50ms:   ms(percentile(lat, 50)), P95ms: ms(percentile(lat, 95)), P99ms: ms(percentile(lat, 99)),
	}
	if len(lat) > 0 {
		f.MaxMs = ms(lat[len(lat)-1])
	}
	if run.wall > 0 {
		f.RPS = math.Round(float64(len(samples))/run.wall.Seconds()*10) / 10
	}
	return f
}

// report logs the figures for people and prints them as one JSON line for machines.
func report(t *testing.T, f figures) {
	t.Helper()
	t.Logf("%s %s: %d respondents, %d requests in %.2fs = %.1f req/s; latency p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms; %d errors",
		f.DB, f.Scenario, f.Respondents, f.Requests, f.Seconds, f.RPS, f.P50ms, f.P95ms, f.P99ms, f.MaxMs, f.Errors)
	line, _ := json.Marshal(f)
	fmt.Printf("loadtest-result %s\n", line)
}

// ---------------------------------------------------------------- facilitator view and health

// counts reads the assessment's per-pillar counts through the facilitator API.
func counts(t *testing.T, client *http.Client, base string, fx fixture) (submitted, drafts int) {
	t.Helper()
	s := do(context.Background(), client, "assessment", http.MethodGet, fmt.Sprintf("%s/api/v1/assessments/%d", base, fx.assessmentID), fx.apiToken, nil)
	if s.status != http.StatusOK {
		t.Fatalf("GET /api/v1/assessments/%d: %s", fx.assessmentID, s.describe())
	}
	var doc struct {
		Responses map[string]struct {
			Submitted int `json:"submitted"`
			Drafts    int `json:"drafts"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(s.body, &doc); err != nil {
		t.Fatalf("assessment JSON: %v", err)
	}
	for _, c := range doc.Responses {
		submitted += c.Submitted
		drafts += c.Drafts
	}
	return submitted, drafts
}

// readyz returns the status of GET /readyz (0 when the server does not answer).
func readyz(client *http.Client, base string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return do(ctx, client, "readyz", http.MethodGet, base+"/readyz", "", nil).status
}

// waitReady polls /readyz until it answers 200, at most limit.
func waitReady(t *testing.T, client *http.Client, base string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if readyz(client, base) == http.StatusOK {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("/readyz did not answer 200 within %v", limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
