// Package e2e holds the browser tests of ecat: real pages served by the real
// server, driven by a real headless Chromium through chromedp, and checked
// for accessibility with axe-core.
//
// The tests skip cleanly when their outside components are absent:
//
//   - ECAT_TEST_CHROME: path of the Chromium binary. Empty: every browser
//     test skips.
//   - ECAT_TEST_AXE: path of axe-core's axe.min.js. When ECAT_TEST_CHROME is
//     set this one is REQUIRED: checkAxe fails the test when it is missing or
//     unreadable, so CI can never skip the accessibility checks silently.
//   - ECAT_TEST_SCREENSHOTS: optional directory; when set, screenshot writes
//     full-page PNGs there for a human to look at.
//
// .ci/run installs Chromium and axe-core and sets all of these.
//
// The helpers live in this _test.go file so they are only compiled into the
// test binary.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

const (
	envChrome      = "ECAT_TEST_CHROME"
	envAxe         = "ECAT_TEST_AXE"
	envScreenshots = "ECAT_TEST_SCREENSHOTS"

	// browserTimeout bounds everything one browser does in one test:
	// starting Chromium, every navigation, every query, every axe run.
	// It is generous because CI runs the tests with -race on 2 cores.
	browserTimeout = 60 * time.Second
)

// lockedBuffer collects the browser's stdout/stderr; chromedp writes to it
// from its own goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newBrowser starts a fresh headless Chromium (its own process and its own
// empty profile) for this test and returns a chromedp context bound to one
// tab of it. It skips the test when ECAT_TEST_CHROME is empty.
//
// The viewport is emulated at width×height CSS pixels with a device scale
// factor of 1 (360×740 is the phone-sized layout the UI tests use). Mobile
// emulation is left off on purpose: the layout viewport is then exactly
// `width` pixels wide whatever the page's <meta name=viewport> says, which is
// the strict check for "fits a narrow screen without horizontal scrolling".
//
// With jsEnabled false, page scripts are switched off with
// Emulation.setScriptExecutionDisabled before the first navigation, which is
// how a visitor with JavaScript disabled sees the site: inline and external
// scripts do not run and event handlers do not fire. DevTools' own Runtime
// evaluation keeps working in that mode (the self-test checks it), but helpers
// meant for no-JS pages — domText, currentURL — read through the DOM and Page
// domains only, so nothing they report can have been produced by JavaScript.
//
// Everything done with the returned context is bounded by browserTimeout;
// the browser is stopped and its profile removed when the test ends.
// Starting a browser costs 1–3 s; CI machines have 2 cores, so do not mark
// browser tests t.Parallel.
func newBrowser(t *testing.T, width, height int, jsEnabled bool) context.Context {
	t.Helper()
	return newBrowserWithin(t, width, height, jsEnabled, browserTimeout)
}

// newBrowserWithin is newBrowser with its own bound on everything the browser
// does, for a test that is long on purpose (one that waits for a page's own
// timer, say).
func newBrowserWithin(t *testing.T, width, height int, jsEnabled bool, timeout time.Duration) context.Context {
	t.Helper()
	chrome := os.Getenv(envChrome)
	if chrome == "" {
		t.Skipf("%s is not set: skipping browser test", envChrome)
	}
	if _, err := os.Stat(chrome); err != nil {
		t.Fatalf("%s=%q: %v", envChrome, chrome, err)
	}

	// Registered before the browser cleanups, so it runs after them: the
	// profile directory is removed only once Chromium has exited.
	profile := t.TempDir()
	output := &lockedBuffer{}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.Headless,
		chromedp.NoSandbox, // we run as root in CI; Chromium refuses to start sandboxed as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		// The machine has no network beyond loopback; without these
		// Chromium keeps trying (and failing) to reach Google's services.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("no-pings", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(width, height),
		chromedp.CombinedOutput(output),
	)

	timeoutCtx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(timeoutCtx, opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc() // waits for the browser process to exit
		cancelTimeout()
		if t.Failed() {
			if out := browserLog(output.String()); out != "" {
				t.Logf("chromium output:\n%s", tail(out, 4000))
			}
		}
	})

	// The first Do starts the browser and opens the tab.
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(int64(width), int64(height), chromedp.EmulateScale(1)),
	); err != nil {
		t.Fatalf("start chromium %s: %v\nchromium output:\n%s", chrome, err, tail(browserLog(output.String()), 4000))
	}
	if !jsEnabled {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled,
			emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatalf("disable JavaScript: %v", err)
		}
	}
	return ctx
}

// browserLog drops the noise Chromium always prints on a machine without a
// D-Bus daemon (harmless) from its output, so what is left can explain a
// failure.
func browserLog(out string) string {
	var keep []string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "dbus/") || strings.TrimSpace(line) == "" {
			continue
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n")
}

// tail returns at most the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// closeBody closes a response body, for a defer, and fails the test if that fails.
func closeBody(t *testing.T, body io.Closer) {
	t.Helper()
	if err := body.Close(); err != nil {
		t.Errorf("close response body: %v", err)
	}
}

// navigate loads url in the tab and waits for its load event.
func navigate(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("navigate to %s: %v", url, err)
	}
}

// currentURL returns the URL of the page shown in the tab. It reads the
// navigation history of the Page domain, so it works with JavaScript off and
// reflects real navigations (redirects, form posts) only.
func currentURL(t *testing.T, ctx context.Context) string {
	t.Helper()
	h, err := chromedp.Run(ctx, chromedp.NavigationEntries())
	if err != nil {
		t.Fatalf("read location: %v", err)
	}
	if h.CurrentIndex < 0 || int(h.CurrentIndex) >= len(h.Entries) {
		t.Fatalf("read location: current index %d of %d entries", h.CurrentIndex, len(h.Entries))
	}
	return h.Entries[h.CurrentIndex].URL
}

// domText returns the text content of the first element matching the CSS
// selector, with runs of white space collapsed to one space and trimmed
// (text inside <script>, <style> and <template> is left out). It waits
// (within browserTimeout) for the element to exist.
//
// It uses only the DevTools DOM domain (DOM.querySelector and
// DOM.describeNode), never Runtime evaluation, so it reads the document as
// the parser and the server built it; it is the helper to use on pages
// loaded with JavaScript disabled.
func domText(t *testing.T, ctx context.Context, selector string) string {
	t.Helper()
	s, err := domTextErr(ctx, selector)
	if err != nil {
		t.Fatalf("text of %q: %v", selector, err)
	}
	return s
}

func domTextErr(ctx context.Context, selector string) (string, error) {
	ids, err := chromedp.Run(ctx, chromedp.QueryNodeIDs(chromedp.CSS(selector), chromedp.NodeReady))
	if err != nil {
		return "", err
	}
	if len(ids) == 0 {
		return "", fmt.Errorf("no element matches %q", selector)
	}
	depth := int64(-1)
	res, err := chromedp.Call(ctx, dom.DescribeNode, dom.DescribeNodeParams{NodeID: ids[0], Depth: &depth})
	if err != nil {
		return "", err
	}
	var b strings.Builder
	collectText(&b, res.Node)
	return strings.Join(strings.Fields(b.String()), " "), nil
}

func collectText(b *strings.Builder, n *cdp.Node) {
	if n == nil {
		return
	}
	switch n.NodeType {
	case 3, 4: // text, CDATA
		b.WriteString(n.NodeValue)
		return
	case 1:
		switch strings.ToLower(n.LocalName) {
		case "script", "style", "template", "noscript":
			// <noscript> content is parsed as raw text when scripting
			// is on and as elements when it is off; leave it out both
			// ways so results compare.
			return
		}
	}
	for _, c := range n.Children {
		collectText(b, c)
	}
}

// screenshot writes a full-page PNG of the tab to $ECAT_TEST_SCREENSHOTS/name
// (".png" is added when missing). It does nothing when the variable is unset:
// screenshots are for humans reviewing the UI, not for assertions.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv(envScreenshots)
	if dir == "" {
		return
	}
	name = regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(name, "_")
	if !strings.HasSuffix(name, ".png") {
		name += ".png"
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 = PNG
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	t.Logf("screenshot: %s", path)
}

// axeViolation is one failed axe-core rule with the elements that fail it.
type axeViolation struct {
	ID          string    `json:"id"`
	Impact      string    `json:"impact"`
	Help        string    `json:"help"`
	HelpURL     string    `json:"helpUrl"`
	Description string    `json:"description"`
	Nodes       []axeNode `json:"nodes"`
}

type axeNode struct {
	// Target is axe's selector path; elements inside iframes or shadow
	// roots have nested arrays, so it is kept as raw JSON values.
	Target         []json.RawMessage `json:"target"`
	HTML           string            `json:"html"`
	FailureSummary string            `json:"failureSummary"`
}

// axeTags are the rule sets the project holds its pages to: WCAG 2.0 and 2.1,
// levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

var (
	axeMu    sync.Mutex
	axeCache = map[string]string{}
)

// loadAxe returns the content of the axe.min.js named by ECAT_TEST_AXE,
// reading each file once per test binary.
func loadAxe() (string, error) {
	path := os.Getenv(envAxe)
	axeMu.Lock()
	defer axeMu.Unlock()
	if src, ok := axeCache[path]; ok {
		return src, nil
	}
	src, err := readAxe(path)
	if err != nil {
		return "", err
	}
	axeCache[path] = src
	return src, nil
}

// readAxe reads and sanity-checks an axe.min.js.
func readAxe(path string) (string, error) {
	if path == "" {
		return "", fmt.Errorf("%s is not set (it must name axe-core's axe.min.js; .ci/run installs it under .ci/node_modules)", envAxe)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", envAxe, err)
	}
	if !bytes.Contains(b, []byte("axe.run")) && !bytes.Contains(b, []byte("axe-core")) {
		return "", fmt.Errorf("%s=%s does not look like axe-core", envAxe, path)
	}
	return string(b), nil
}

// runAxe injects axe-core into the page currently shown in the tab (unless it
// is there already), runs the WCAG 2.0/2.1 A+AA rules on the whole document
// and returns the violations. It needs page JavaScript: run it only in a
// browser made with jsEnabled true (axe's checks are scripts, and it waits
// on timers that do not run in a page with script execution disabled).
func runAxe(ctx context.Context) ([]axeViolation, error) {
	src, err := loadAxe()
	if err != nil {
		return nil, err
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object" && typeof window.axe.run === "function"`))
	if err != nil {
		return nil, fmt.Errorf("probe for axe: %w", err)
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			return nil, fmt.Errorf("inject axe: %w", err)
		}
	}
	tags, _ := json.Marshal(axeTags)
	script := `axe.run(document, {
		runOnly: {type: "tag", values: ` + string(tags) + `},
		resultTypes: ["violations"]
	}).then(r => r.violations.map(v => ({
		id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
		description: v.description,
		nodes: v.nodes.map(n => ({target: n.target, html: n.html, failureSummary: n.failureSummary || ""}))
	})))`
	// EvalAwaitPromise sets Runtime.evaluate's awaitPromise (this cdproto's
	// parameter structs have no WithAwaitPromise builder any more).
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](script, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe: %w", err)
	}
	return violations, nil
}

// checkAxe runs axe-core on the page currently shown in the tab and reports
// every WCAG 2.0/2.1 A/AA violation with t.Errorf (prefixed with pageName),
// so one test lists all the problems of a page at once. It returns the number
// of violations.
//
// Call it only on a browser made with jsEnabled true (see runAxe). It fails
// the test when ECAT_TEST_AXE is missing or unreadable: a test that got as
// far as a browser (ECAT_TEST_CHROME set) must not skip accessibility.
func checkAxe(t *testing.T, ctx context.Context, pageName string) int {
	t.Helper()
	if _, err := loadAxe(); err != nil {
		t.Fatalf("%s: accessibility check impossible: %v", pageName, err)
	}
	violations, err := runAxe(ctx)
	if err != nil {
		t.Fatalf("%s: axe: %v", pageName, err)
	}
	for _, v := range violations {
		t.Errorf("%s: axe violation %s (%s): %s [%d element(s)]\n%s",
			pageName, v.ID, v.Impact, v.Help, len(v.Nodes), formatAxeNodes(v.Nodes, 3))
	}
	if len(violations) > 0 {
		screenshot(t, ctx, t.Name()+"-"+pageName+"-axe")
	}
	return len(violations)
}

// formatAxeNodes lists the selector, the HTML and axe's summary of at most
// max failing elements.
func formatAxeNodes(nodes []axeNode, max int) string {
	var b strings.Builder
	for i, n := range nodes {
		if i == max {
			fmt.Fprintf(&b, "    … and %d more\n", len(nodes)-max)
			break
		}
		var sel []string
		for _, raw := range n.Target {
			sel = append(sel, strings.Trim(string(raw), `"`))
		}
		fmt.Fprintf(&b, "    target %s\n      html %s\n", strings.Join(sel, " >> "), tail(n.HTML, 300))
		if s := strings.TrimSpace(n.FailureSummary); s != "" {
			fmt.Fprintf(&b, "      %s\n", strings.ReplaceAll(s, "\n", "\n      "))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// violationIDs returns the rule ids of the violations.
func violationIDs(vs []axeViolation) []string {
	ids := make([]string, 0, len(vs))
	for _, v := range vs {
		ids = append(ids, v.ID)
	}
	return ids
}
