package web

// BenchmarkSubmit: one complete submission (a whole pillar answered, every reflection, a
// strength and an opportunity, submit:true) sent as POST /api/v1/responses through
// ecat's HTTP stack, against a baseline that stores the same rows with as little as it
// can. Target (issue 8): ecat ≤ 1.5× the baseline's time per submission.
//
//	go test -run '^$' -bench Submit -benchtime 2s -count 5 ./web
//
//   - ecat: web.New with every middleware (request id, access log to a discarded
//     handler, recover, security headers, body limit, gzip), strict JSON decoding,
//     validation against the instrument, the assessment looked up by its join code, a new
//     resume token and its hash, and storage.CreateResponse (gorm, one transaction that
//     checks the assessment is open and inserts the response, its answers and its
//     reflections). Driven by ServeHTTP, without a socket.
//   - baseline: a bare echo.New() with one route whose handler decodes the same body
//     with encoding/json, makes a token hash, and in one database/sql transaction finds
//     the assessment by its code and inserts the same rows (one statement per table).
//     Same SQLite schema (storage.Migrate made it) and the same connection settings as
//     storage.Open: WAL, foreign keys, busy timeout, synchronous=FULL, BEGIN IMMEDIATE,
//     one connection.
//   - paired: both alternately, one submission each per iteration (the order switching
//     every iteration), reporting each side's mean time and ecat/baseline as "ratio".
//     Load from other processes then falls on both alike; this ratio is the figure to
//     judge the target by.
//
// Every commit waits for an fsync (synchronous=FULL), so the figures depend on the disk
// under $TMPDIR (b.TempDir) as much as on the CPU.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/internal/benchpair"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
	"github.com/ecat-project/ecat/survey"
	"github.com/ecat-project/ecat/templates"
)

// submitBenchDB makes a migrated SQLite file in dir with one open assessment, through
// storage, and closes it.
func submitBenchDB(b *testing.B, path string, in *pillars.Instrument) *assessment.Assessment {
	b.Helper()
	ctx := b.Context()
	store, err := storage.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer checkClose(b, "store", store)
	if _, _, err := store.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	a, err := assessment.NewAssessment("Benchmark round", "Ward 7 West", "en", assessment.DefaultThreshold, false, in.Version)
	if err != nil {
		b.Fatal(err)
	}
	if err := store.CreateAssessment(ctx, a); err != nil {
		b.Fatal(err)
	}
	return a
}

// submitBenchBody is a complete submission of the staff pillar: every item answered,
// every reflection written, a strength and an opportunity with their themes.
func submitBenchBody(b *testing.B, in *pillars.Instrument, code string) []byte {
	b.Helper()
	p := in.Pillar(pillars.Staff)
	answers := map[string]string{}
	for i, it := range p.Items() {
		answers[it.ID] = string(assessment.Answers[i%len(assessment.Answers)])
	}
	reflections := map[string]string{}
	for _, pr := range p.Reflections {
		reflections[pr.ID] = "We talk about this at the monthly huddle, and partners now co-chair the quality committee."
	}
	body, err := json.Marshal(map[string]any{
		"code": code, "pillar": p.Key, "language": "en",
		"answers": answers, "reflections": reflections,
		"strength":    map[string]string{"text": "We listen to patient partners at every huddle.", "theme": in.Themes[0].Key},
		"opportunity": map[string]string{"text": "Pay partners for their time and tell them what changed.", "theme": in.Themes[1].Key},
		"submit":      true,
	})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// benchSQLiteDSN is storage.Open's connection string for a SQLite file (storage.go,
// sqliteDSN), written out again here for the baseline.
func benchSQLiteDSN(path string) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "10000")
	q.Set("_synchronous", "FULL")
	q.Set("_txlock", "immediate")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// baselineSubmitBody is what the baseline handler reads.
type baselineSubmitBody struct {
	Code        string            `json:"code"`
	Pillar      string            `json:"pillar"`
	Language    string            `json:"language"`
	Answers     map[string]string `json:"answers"`
	Reflections map[string]string `json:"reflections"`
	Strength    namedJSON         `json:"strength"`
	Opportunity namedJSON         `json:"opportunity"`
	Submit      bool              `json:"submit"`
}

// baselineSubmit is the bare handler: decode, one transaction of plain SQL, the new id.
func baselineSubmit(db *sql.DB) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req baselineSubmitBody
		if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil {
			return c.NoContent(http.StatusBadRequest)
		}
		sum := sha256.Sum256([]byte(rand.Text()))
		ctx := c.Request().Context()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }() // a no-op after Commit
		var assessmentID int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM assessments WHERE code = ?`, req.Code).Scan(&assessmentID); err != nil {
			return err
		}
		now := time.Now().UTC()
		res, err := tx.ExecContext(ctx, `INSERT INTO responses (assessment_id, pillar, language, status,
			token_hash, strength_text, strength_theme, opportunity_text, opportunity_theme,
			created_at, updated_at, submitted_at) VALUES (?, ?, ?, 'submitted', ?, ?, ?, ?, ?, ?, ?, ?)`,
			assessmentID, req.Pillar, req.Language, hex.EncodeToString(sum[:]),
			req.Strength.Text, req.Strength.Theme, req.Opportunity.Text, req.Opportunity.Theme, now, now, now)
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if err := insertPairs(ctx, tx, `INSERT INTO answers (response_id, item_id, value) VALUES `, id, req.Answers); err != nil {
			return err
		}
		if err := insertPairs(ctx, tx, `INSERT INTO reflections (response_id, prompt_id, text) VALUES `, id, req.Reflections); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, map[string]int64{"id": id})
	}
}

// insertPairs inserts one row (id, key, value) per map entry, in one statement.
func insertPairs(ctx context.Context, tx *sql.Tx, insert string, id int64, m map[string]string) error {
	if len(m) == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString(insert)
	args := make([]any, 0, 3*len(m))
	for k, v := range m {
		if len(args) > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?)")
		args = append(args, id, k, v)
	}
	_, err := tx.ExecContext(ctx, q.String(), args...)
	return err
}

// submitters numbers the benchmark's respondents: each comes from its own address, as
// team members do, so the limit on starting responses per address (60 a minute) is not
// what is measured.
var submitters atomic.Uint64

// submitOnce posts body to h and fails unless the answer is 201 Created.
func submitOnce(b *testing.B, h http.Handler, path string, body []byte) {
	req := httptest.NewRequest(http.MethodPost, testBaseURL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Encoding", "gzip") // as browsers and Go's own client send
	n := submitters.Add(1)
	req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:40000", n>>16&255, n>>8&255, n&255)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		b.Fatalf("POST %s: status %d, body %s", path, rec.Code, rec.Body)
	}
}

func BenchmarkSubmit(b *testing.B) {
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

	// ecat: the real server on its own database.
	ecatPath := filepath.Join(dir, "ecat.db")
	a := submitBenchDB(b, ecatPath, in)
	store, err := storage.Open(b.Context(), ecatPath)
	if err != nil {
		b.Fatal(err)
	}
	defer checkClose(b, "store", store)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := New(Config{BaseURL: testBaseURL}, survey.New(store, catalog, tmpl.Catalog(), nil), tmpl, log)
	ecatBody := submitBenchBody(b, in, a.Code)

	// baseline: a bare echo handler on a database of the same schema.
	basePath := filepath.Join(dir, "baseline.db")
	baseAssessment := submitBenchDB(b, basePath, in)
	db, err := sql.Open("sqlite3", benchSQLiteDSN(basePath))
	if err != nil {
		b.Fatal(err)
	}
	defer checkClose(b, "baseline database", db)
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	var journal string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&journal); err != nil || journal != "wal" {
		b.Fatalf("baseline journal mode %q, %v; want wal", journal, err)
	}
	bare := echo.New()
	bare.POST("/submit", baselineSubmit(db))
	baseBody := submitBenchBody(b, in, baseAssessment.Code)

	ecat := func(b *testing.B) { submitOnce(b, srv, "/api/v1/responses", ecatBody) }
	baseline := func(b *testing.B) { submitOnce(b, bare, "/submit", baseBody) }
	// One of each first: both databases hold the same rows afterwards (checked below).
	ecat(b)
	baseline(b)
	checkSameRows(b, ecatPath, basePath)

	benchpair.Run(b, baseline, ecat)
}

// checkSameRows fails unless the two databases hold the same number of responses,
// answers and reflections, and the same answers and reflections.
func checkSameRows(b *testing.B, paths ...string) {
	b.Helper()
	var dumps []string
	for _, path := range paths {
		db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro")
		if err != nil {
			b.Fatal(err)
		}
		var sb strings.Builder
		for _, q := range []string{
			`SELECT COUNT(*), '', '' FROM responses`,
			`SELECT pillar || '/' || status, strength_text, opportunity_text FROM responses ORDER BY id`,
			`SELECT item_id, value, response_id FROM answers ORDER BY response_id, item_id`,
			`SELECT prompt_id, text, response_id FROM reflections ORDER BY response_id, prompt_id`,
		} {
			rows, err := db.Query(q)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var x, y, z string
				if err := rows.Scan(&x, &y, &z); err != nil {
					b.Fatal(err)
				}
				fmt.Fprintf(&sb, "%s|%s|%s\n", x, y, z)
			}
			if err := rows.Err(); err != nil {
				b.Fatal(err)
			}
			if err := rows.Close(); err != nil {
				b.Fatal(err)
			}
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		dumps = append(dumps, sb.String())
	}
	if dumps[0] != dumps[1] || !strings.Contains(dumps[0], "staff/submitted") {
		b.Fatalf("the databases differ:\n%s\n---\n%s", dumps[0], dumps[1])
	}
}
