package web

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/internal/throttle"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
	"github.com/ecat-project/ecat/survey"
	"github.com/ecat-project/ecat/templates"
)

// requestFuzzTargets are the writing endpoints the request fuzzer sends bodies to.
var requestFuzzTargets = []string{"POST /api/v1/responses", "PUT /api/v1/responses/{draft}", "POST /j/{code}/form", "POST /r/{draft}", "POST /api/v1/assessments"}

// FuzzRequestBodies sends fuzzed bodies and content types through the whole server
// (middleware, CSRF, body limit, content negotiation, parsers, validation, storage) to
// every endpoint that writes. Whatever arrives: never a server error; an error answer is
// JSON with a code on the API and a page on the forms; and a refused request stores
// nothing.
func FuzzRequestBodies(f *testing.F) {
	ctx := f.Context()
	path := filepath.Join(f.TempDir(), "ecat.db")
	store, err := storage.Open(ctx, path)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = store.Close() })
	if _, _, err := store.Migrate(ctx); err != nil {
		f.Fatal(err)
	}
	catalog, err := pillars.Load()
	if err != nil {
		f.Fatal(err)
	}
	tmpl, err := templates.New(testWords(f))
	if err != nil {
		f.Fatal(err)
	}
	srv := New(Config{BaseURL: testBaseURL}, survey.New(store, catalog, tmpl.Catalog(), nil), tmpl, slog.New(slog.NewTextHandler(io.Discard, nil)))
	fac, err := assessment.NewFacilitator("fuzz@example.org", "Fuzz", "a long enough password")
	if err != nil {
		f.Fatal(err)
	}
	fac.PasswordHash = "x"
	if err := store.CreateFacilitator(ctx, fac); err != nil {
		f.Fatal(err)
	}
	token := assessment.NewAPIToken()
	if err := store.CreateAPIToken(ctx, &assessment.APIToken{FacilitatorID: fac.ID, Label: "fuzz"}, assessment.HashToken(token)); err != nil {
		f.Fatal(err)
	}
	a, err := assessment.NewAssessment("Fuzz round", "Ward F", "en", 3, false, catalog.Current().Version)
	if err != nil {
		f.Fatal(err)
	}
	a.FacilitatorID = &fac.ID
	if err := store.CreateAssessment(ctx, a); err != nil {
		f.Fatal(err)
	}
	draft := assessment.NewResumeToken()
	if err := store.CreateResponse(ctx, &assessment.Response{AssessmentID: a.ID, Pillar: "staff", Language: "en", Status: assessment.Draft,
		Answers: map[string]assessment.Answer{"S-01": assessment.Yes}, Reflections: map[string]string{}}, assessment.HashToken(draft)); err != nil {
		f.Fatal(err)
	}
	csrf := newToken(csrfBytes)
	ro, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = ro.Close() })
	stored, err := store.ResponseByToken(ctx, assessment.HashToken(draft))
	if err != nil {
		f.Fatal(err)
	}
	// fingerprint changes whenever a request stores anything: a new row anywhere it could
	// write, or any change to the one response it could change (the draft).
	fingerprint := func(t *testing.T) string {
		var out strings.Builder
		for _, q := range []string{
			`SELECT COUNT(*) || '|' || (SELECT COUNT(*) FROM answers) || '|' || (SELECT COUNT(*) FROM reflections) || '|' ||
				(SELECT COUNT(*) FROM assessments) || '|' || (SELECT COUNT(*) FROM audit_events) FROM responses`,
			`SELECT status || '|' || pillar || '|' || language || '|' || strength_text || '|' || strength_theme || '|' ||
				opportunity_text || '|' || opportunity_theme || '|' || updated_at FROM responses WHERE id = ?`,
			`SELECT COALESCE(group_concat(item_id || '=' || value, ','), '') FROM (SELECT * FROM answers WHERE response_id = ? ORDER BY item_id)`,
			`SELECT COALESCE(group_concat(prompt_id || '=' || text, ','), '') FROM (SELECT * FROM reflections WHERE response_id = ? ORDER BY prompt_id)`,
		} {
			var v string
			var args []any
			if strings.Contains(q, "?") {
				args = append(args, stored.ID)
			}
			if err := ro.QueryRow(q, args...).Scan(&v); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			out.WriteString(v + "\n")
		}
		return out.String()
	}

	form := "_csrf=" + csrf + "&pillar=staff&lang=en&action=save&a.S-01=yes"
	for _, seed := range []struct {
		target      uint8
		contentType string
		body        string
	}{
		{0, "application/json", `{"code":"` + a.Code + `","pillar":"staff","answers":{"S-01":"yes"}}`},
		{0, "application/json", `{"code":"` + a.Code + `","pillar":"staff","answers":{"S-01":"yes","S-01":"no"}}`},
		{0, "application/json; charset=utf-8", "{\"code\":\"" + a.Code + "\",\"strength\":{\"text\":\"caf\xe9\"}}"},
		{1, "application/json", `{"pillar":"staff","answers":{"S-02":"maybe"},"submit":true}`},
		{1, "text/plain", `{"pillar":"staff"}`},
		{2, "application/x-www-form-urlencoded", form},
		{2, "application/x-www-form-urlencoded", form + "&strength_text=%3Cscript%3E&a.S-01=no"},
		{2, "application/x-www-form-urlencoded", "_csrf=" + csrf + "&pillar=staff;x"},
		{3, "application/x-www-form-urlencoded", form + "&action=autosave&refl.S-R1=%3DSUM(A1)"},
		{3, "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n" + csrf + "\r\n--x--\r\n"},
		{4, "application/json", `{"title":"Round","team":"Ward","threshold":2}`},
		{4, "application/json", `{"title":"=1+1","team":"<b>","language":"de","threshold":"3"}`},
	} {
		f.Add(seed.target, seed.contentType, []byte(seed.body))
	}

	f.Fuzz(func(t *testing.T, target uint8, contentType string, body []byte) {
		srv.lookups = throttle.New(lookupLimit, lookupWindow) // unknown codes in bodies must not add up across runs
		name := requestFuzzTargets[int(target)%len(requestFuzzTargets)]
		method, p, _ := strings.Cut(name, " ")
		p = strings.NewReplacer("{draft}", draft, "{code}", a.Code).Replace(p)
		req := httptest.NewRequest(method, testBaseURL+p, bytes.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		req.AddCookie(&http.Cookie{Name: csrfCookie, Value: csrf})
		if strings.HasPrefix(p, "/api/v1/assessments") {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		before := fingerprint(t)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s: status %d; body %.500s", name, rec.Code, rec.Body)
		}
		if rec.Code < 400 {
			return
		}
		if after := fingerprint(t); after != before {
			t.Fatalf("%s: refused with %d but the database changed: %s -> %s", name, rec.Code, before, after)
		}
		ct := rec.Header().Get("Content-Type")
		switch {
		case strings.HasPrefix(ct, "application/json"):
			var reply apiErrorReply
			if err := json.Unmarshal(rec.Body.Bytes(), &reply); err != nil || reply.Error.Code == "" || reply.Error.Message == "" {
				t.Fatalf("%s: %d with a JSON body that is not an error: %.500s", name, rec.Code, rec.Body)
			}
		case strings.HasPrefix(ct, "text/html") && !strings.HasPrefix(p, "/api/"):
			body := rec.Body.String()
			if !strings.Contains(body, "<html") || strings.Contains(body, "goroutine") || strings.Contains(body, ".go:") {
				t.Fatalf("%s: %d with a page that is not a friendly one: %.500s", name, rec.Code, body)
			}
		default:
			t.Fatalf("%s: %d answered as %q", name, rec.Code, ct)
		}
	})
}
