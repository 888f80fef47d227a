package e2e

// Self-tests of the browser harness: they prove that the helpers can both
// pass and fail, so a green e2e run means something. They use small static
// pages served from the test itself, not the ecat server.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

const (
	phoneWidth  = 360
	phoneHeight = 740
)

// goodPage should satisfy every WCAG 2.0/2.1 A+AA rule of axe-core.
const goodPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Good page</title>
<style>
  body { font-family: sans-serif; color: #1a1a1a; background: #ffffff; margin: 1rem; }
  a { color: #0645ad; }
  button { padding: .75rem 1rem; font-size: 1rem; }
</style>
</head>
<body>
<header><p><a href="#main">Skip to content</a></p></header>
<main id="main">
  <h1>Assessment</h1>
  <h2>Your details</h2>
  <form action="/submit" method="post">
    <p>
      <label for="name">Name</label>
      <input id="name" name="name" type="text" autocomplete="name">
    </p>
    <fieldset>
      <legend>Score</legend>
      <input id="s1" name="score" type="radio" value="1"><label for="s1">One</label>
      <input id="s2" name="score" type="radio" value="2"><label for="s2">Two</label>
    </fieldset>
    <p>
      <label for="notes">Notes</label>
      <textarea id="notes" name="notes"></textarea>
    </p>
    <p><img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7" alt="Project logo" width="1" height="1"></p>
    <button type="submit">Save</button>
  </form>
</main>
</body>
</html>`

// badPage breaks several rules on purpose: no lang on <html>, an image
// without alt text, an input without a label, and light grey text on white.
const badPage = `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>Bad page</title>
</head>
<body>
<main>
  <h1>Broken</h1>
  <img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7" width="20" height="20">
  <form><input id="q" name="q" type="text"></form>
  <p style="color:#cccccc;background:#ffffff">This text is far too faint to read.</p>
</main>
</body>
</html>`

// jsPage changes its heading, its title and an attribute from script; with
// JavaScript disabled none of that may happen.
const jsPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>static title</title>
<script src="/external.js"></script>
</head>
<body onload="document.body.setAttribute('data-onload', 'ran')">
<main>
<h1 id="heading">static heading</h1>
<p id="external">external script did not run</p>
<script>document.getElementById("heading").textContent = "scripted heading";</script>
</main>
</body>
</html>`

const externalJS = `document.addEventListener("DOMContentLoaded", function () {
  document.getElementById("external").textContent = "external script ran";
});`

func newSelftestServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	html := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(body))
		}
	}
	mux.HandleFunc("GET /good", html(goodPage))
	mux.HandleFunc("GET /bad", html(badPage))
	mux.HandleFunc("GET /js", html(jsPage))
	mux.HandleFunc("GET /external.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		_, _ = w.Write([]byte(externalJS))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestHarnessSkipsWithoutChrome checks the skip path that `go test ./...`
// takes on a machine without Chromium; it runs everywhere.
func TestHarnessSkipsWithoutChrome(t *testing.T) {
	t.Setenv(envChrome, "")
	var reached bool
	t.Run("browser", func(t *testing.T) {
		newBrowser(t, phoneWidth, phoneHeight, true)
		reached = true
	})
	if reached {
		t.Fatal("newBrowser returned without ECAT_TEST_CHROME")
	}
	// A skipped subtest does not fail the parent; nothing else to check.
}

// TestReadAxeRejectsMissingFile checks that a missing or wrong axe path is an
// error (checkAxe turns it into a test failure, never a skip).
func TestReadAxeRejectsMissingFile(t *testing.T) {
	if _, err := readAxe(""); err == nil {
		t.Error("readAxe(\"\"): no error")
	}
	if _, err := readAxe(filepath.Join(t.TempDir(), "nope.js")); err == nil {
		t.Error("readAxe(missing file): no error")
	}
	notAxe := filepath.Join(t.TempDir(), "x.js")
	if err := os.WriteFile(notAxe, []byte("console.log(1)"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readAxe(notAxe); err == nil {
		t.Error("readAxe(not axe): no error")
	}
}

func TestAxeHarnessPassesGoodPage(t *testing.T) {
	ctx := newBrowser(t, phoneWidth, phoneHeight, true)
	srv := newSelftestServer(t)
	navigate(t, ctx, srv.URL+"/good")
	if n := checkAxe(t, ctx, "good page"); n != 0 {
		t.Fatalf("good page: %d violations, want 0", n)
	}
	// Running twice on the same page reuses the injected axe.
	if n := checkAxe(t, ctx, "good page (again)"); n != 0 {
		t.Fatalf("good page, second run: %d violations, want 0", n)
	}
	screenshot(t, ctx, "selftest-good")
}

func TestAxeHarnessFlagsBadPage(t *testing.T) {
	ctx := newBrowser(t, phoneWidth, phoneHeight, true)
	if _, err := loadAxe(); err != nil {
		t.Fatal(err) // same rule as checkAxe: no silent skip once Chrome is there
	}
	srv := newSelftestServer(t)
	navigate(t, ctx, srv.URL+"/bad")
	violations, err := runAxe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := violationIDs(violations)
	t.Logf("bad page violations: %v", ids)
	for _, want := range []string{"image-alt", "label", "html-has-lang", "color-contrast"} {
		if !slices.Contains(ids, want) {
			t.Errorf("bad page: violation %q not reported (got %v)", want, ids)
		}
	}
	for _, v := range violations {
		if v.ID == "" || v.Help == "" || len(v.Nodes) == 0 {
			t.Errorf("incomplete violation: %+v", v)
		}
		if v.ID == "image-alt" {
			msg := formatAxeNodes(v.Nodes, 3)
			if !strings.Contains(msg, "img") || !strings.Contains(msg, "<img") {
				t.Errorf("image-alt report does not name the element:\n%s", msg)
			}
		}
	}
}

// TestBrowserWithoutJavaScript proves that jsEnabled=false really stops page
// scripts (inline, external and event handlers), that the DOM-only helpers
// read the page as served, and that the same page runs its scripts in a
// JS-enabled browser.
func TestBrowserWithoutJavaScript(t *testing.T) {
	srv := newSelftestServer(t)
	url := srv.URL + "/js"

	t.Run("disabled", func(t *testing.T) {
		ctx := newBrowser(t, phoneWidth, phoneHeight, false)
		// Navigate twice: the setting must survive navigations, as real
		// tests follow links and submit forms.
		navigate(t, ctx, srv.URL+"/good")
		navigate(t, ctx, url)
		if got, want := domText(t, ctx, "#heading"), "static heading"; got != want {
			t.Errorf("heading = %q, want %q (inline script ran?)", got, want)
		}
		if got, want := domText(t, ctx, "#external"), "external script did not run"; got != want {
			t.Errorf("#external = %q, want %q", got, want)
		}
		attrs, err := chromedp.Run(ctx, chromedp.Attributes(chromedp.CSS("body")))
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := attrs["data-onload"]; ok {
			t.Errorf("onload handler ran: data-onload=%q", v)
		}
		if got := currentURL(t, ctx); got != url {
			t.Errorf("currentURL = %q, want %q", got, url)
		}
		// chromedp.Text and Location go through Runtime (callFunctionOn /
		// evaluate), which DevTools still runs with page scripts off; they
		// must agree with the DOM-only reading.
		txt, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#heading")))
		if err != nil {
			t.Errorf("chromedp.Text with JavaScript disabled: %v", err)
		} else if txt != "static heading" {
			t.Errorf("chromedp.Text = %q, want %q", txt, "static heading")
		}
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Errorf("chromedp.Location with JavaScript disabled: %v", err)
		} else if loc != url {
			t.Errorf("chromedp.Location = %q, want %q", loc, url)
		}
		checkLayoutWidth(t, ctx, phoneWidth)
		screenshot(t, ctx, "selftest-nojs")
	})

	t.Run("enabled", func(t *testing.T) {
		ctx := newBrowser(t, phoneWidth, phoneHeight, true)
		navigate(t, ctx, url)
		if got, want := domText(t, ctx, "#heading"), "scripted heading"; got != want {
			t.Errorf("heading = %q, want %q", got, want)
		}
		// DOMContentLoaded has fired by the time Navigate returns (it waits
		// for the load event).
		if got, want := domText(t, ctx, "#external"), "external script ran"; got != want {
			t.Errorf("#external = %q, want %q", got, want)
		}
		attrs, err := chromedp.Run(ctx, chromedp.Attributes(chromedp.CSS("body")))
		if err != nil {
			t.Fatal(err)
		}
		if attrs["data-onload"] != "ran" {
			t.Errorf("onload handler did not run: attributes %v", attrs)
		}
		txt, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#heading")))
		if err != nil || txt != "scripted heading" {
			t.Errorf("chromedp.Text = %q, %v; want %q", txt, err, "scripted heading")
		}
	})
}

// TestBrowserViewport checks the emulated phone viewport.
func TestBrowserViewport(t *testing.T) {
	ctx := newBrowser(t, phoneWidth, phoneHeight, true)
	srv := newSelftestServer(t)
	navigate(t, ctx, srv.URL+"/good")
	w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if w != phoneWidth {
		t.Errorf("window.innerWidth = %d, want %d", w, phoneWidth)
	}
	h, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.innerHeight`))
	if err != nil {
		t.Fatal(err)
	}
	if h != phoneHeight {
		t.Errorf("window.innerHeight = %d, want %d", h, phoneHeight)
	}
	checkLayoutWidth(t, ctx, phoneWidth)
}

// checkLayoutWidth asserts the CSS layout viewport width through the Page
// domain (works with JavaScript off).
func checkLayoutWidth(t *testing.T, ctx context.Context, want int) {
	t.Helper()
	m, err := chromedp.Call(ctx, page.GetLayoutMetrics, cdp.Empty{})
	if err != nil {
		t.Fatalf("layout metrics: %v", err)
	}
	if m.CSSLayoutViewport == nil {
		t.Fatalf("layout metrics: no CSS layout viewport")
	}
	if got := int(m.CSSLayoutViewport.ClientWidth); got != want {
		t.Errorf("layout viewport width = %d, want %d", got, want)
	}
}
