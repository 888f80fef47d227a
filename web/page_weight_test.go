package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ecat-project/ecat/locale"
)

// pageWeightLimit is issue 8's budget for the respondent's form page with its CSS and JS,
// uncompressed: 60 KB, taken as 60,000 bytes (so also under 60 KiB).
const pageWeightLimit = 60_000

// subresourceRE finds what a page makes the browser fetch: stylesheets, scripts, images.
var subresourceRE = regexp.MustCompile(`<link [^>]*rel="(?:stylesheet|icon)"[^>]*href="([^"]+)"|<script [^>]*src="([^"]+)"|<img [^>]*src="([^"]+)"`)

// TestFormPageWeight renders the respondent's form page for every pillar in every
// language, fetches everything the page links to, and checks that page and assets
// together stay under 60 KB uncompressed (gzip only makes them smaller). A size check,
// not a timing: it logs the figures that BENCHMARKS.md quotes.
func TestFormPageWeight(t *testing.T) {
	e := newTestEnv(t)
	a := e.newAssessment("en")
	for _, p := range e.in.Pillars {
		for _, lang := range []locale.Lang{locale.English, locale.French} {
			t.Run(p.Key+"/"+string(lang), func(t *testing.T) {
				rec := e.newBrowser().get("/j/" + a.Code + "/form?pillar=" + p.Key + "&lang=" + string(lang))
				if rec.Code != http.StatusOK {
					t.Fatalf("form page: status %d", rec.Code)
				}
				if enc := rec.Header().Get("Content-Encoding"); enc != "" {
					t.Fatalf("form page sent with Content-Encoding %q to a client that asked for none", enc)
				}
				page := rec.Body.String()
				if !strings.Contains(page, `name="pillar" value="`+p.Key+`"`) {
					t.Fatalf("not the %s form page:\n%s", p.Key, page)
				}
				total := len(page)
				parts := []string{"page " + strconv.Itoa(len(page))}
				var css, js int
				for _, m := range subresourceRE.FindAllStringSubmatch(page, -1) {
					ref := m[1] + m[2] + m[3]
					if !strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "//") {
						t.Errorf("the form page links to %q, outside ecat", ref)
						continue
					}
					asset := e.serve(httptest.NewRequest(http.MethodGet, testBaseURL+ref, nil))
					if asset.Code != http.StatusOK {
						t.Errorf("GET %s: status %d", ref, asset.Code)
						continue
					}
					n := asset.Body.Len()
					total += n
					parts = append(parts, ref+" "+strconv.Itoa(n))
					switch {
					case strings.HasSuffix(ref, ".css"):
						css++
					case strings.HasSuffix(ref, ".js"):
						js++
					}
				}
				if css == 0 || js == 0 {
					t.Errorf("found %d stylesheets and %d scripts on the form page; the check expects both", css, js)
				}
				t.Logf("%d bytes: %s", total, strings.Join(parts, ", "))
				if total >= pageWeightLimit {
					t.Errorf("form page with its assets is %d bytes; keep it under %d", total, pageWeightLimit)
				}
			})
		}
	}
}
