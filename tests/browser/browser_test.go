// Package browser drives a real headless Chromium against our real Caddy
// binary (consent module in front of a demo upstream) and checks the
// banner as a visitor meets it: what is shown, what the clicks and keys
// do, which cookies the page can see afterwards, with JavaScript off, under
// strict Content-Security-Policies, an axe-core audit and screenshots.
//
// The tests use github.com/chromedp/chromedp (with its protocol types,
// github.com/chromedp/cdproto) because it speaks the Chrome DevTools
// Protocol directly from Go: no Node, WebDriver or Selenium server is
// needed, only the Chromium binary, so `go test` alone runs them.
//
// They skip with a message when no Chromium is installed (chromium,
// chromium-browser, google-chrome in PATH, or $CHROME_BIN) and under
// -short. One browser process is shared by every test; each test gets a
// fresh browser context (like an incognito window), so cookies never leak
// from one test to the next.
package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/consentgate/caddy-consent/internal/testcaddy"
)

// stepTimeout bounds every single browser step, so a hang fails fast
// instead of eating the whole test timeout.
const stepTimeout = 15 * time.Second

func TestMain(m *testing.M) {
	code := m.Run()
	stopBrowser()
	os.Exit(code)
}

// repoRoot is the module root (two levels above this file).
func repoRoot() string {
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// findChrome returns the browser binary: $CHROME_BIN, else the first of
// chromium, chromium-browser, google-chrome, google-chrome-stable in PATH.
func findChrome() string {
	if p := os.Getenv("CHROME_BIN"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if lp, err := exec.LookPath(p); err == nil {
			return lp
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

var (
	browserOnce   sync.Once
	browserCtx    context.Context // a chromedp context whose browser runs
	browserCancel []context.CancelFunc
	browserErr    error
	browserOut    testcaddy.SyncBuffer
)

// startBrowser starts the one shared Chromium (skipping the test when
// there is none or under -short) and returns its context.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	bin := findChrome()
	if bin == "" {
		testcaddy.Missing(t, "browser test: no Chromium found (looked for $CHROME_BIN, chromium, chromium-browser, google-chrome in PATH); install it, e.g. apt-get install chromium")
	}
	browserOnce.Do(func() {
		// No UserDataDir option: chromedp then creates a fresh temporary
		// profile directory and removes it when the browser ends.
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			append(chromeOptions(bin, &browserOut), chromedp.Flag("force-color-profile", "srgb"))...)
		ctx, cancelCtx := chromedp.NewContext(allocCtx)
		browserCancel = []context.CancelFunc{cancelCtx, cancelAlloc}
		start, cancelStart := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancelStart()
		done := make(chan error, 1)
		go func() { done <- chromedp.Do(ctx) }() // starts the browser, bound to ctx
		select {
		case err := <-done:
			browserErr = err
		case <-start.Done():
			browserErr = errors.New("timed out after 30s")
		}
		if browserErr != nil {
			browserErr = fmt.Errorf("starting %s: %v\nbrowser output:\n%s", bin, browserErr, browserOut.String())
			return
		}
		browserCtx = ctx
	})
	if browserErr != nil {
		t.Fatal(browserErr)
	}
	return browserCtx
}

func stopBrowser() {
	for _, c := range browserCancel {
		c()
	}
}

// ---------------------------------------------------------------------------
// The upstream site and the gateway in front of it.

// siteCookies are what the demo upstream sets on every HTML page. The
// analytics and advertising ones are not HttpOnly, so document.cookie shows
// whether they reached the browser.
var siteCookies = []string{
	"PHPSESSID=s3ss10n; Path=/; HttpOnly; SameSite=Lax",
	"lang=en; Path=/; Max-Age=31536000; SameSite=Lax",
	"_ga=GA1.1.123456789.1764300000; Path=/; Max-Age=63072000; SameSite=Lax",
	"_gid=GA1.1.987654321.1764300000; Path=/; Max-Age=86400; SameSite=Lax",
	"_fbp=fb.1.1764300000000.123456789; Path=/; Max-Age=7776000; SameSite=Lax",
}

// The strict policies of the CSP test pages.
const (
	cspSelf   = "default-src 'self'"
	cspStrict = "script-src 'nonce-abc123' 'strict-dynamic'; style-src 'self'; object-src 'none'"
	// controlBlocked is a script both policies refuse (.invalid never
	// resolves, should it ever be fetched).
	controlBlocked = "http://blocked.invalid/control.js"
)

// siteCSS is like the demo site's stylesheet, plus two rules many real
// sites have and that the banner must survive: restyled buttons and
// removed focus outlines.
const siteCSS = `body { font-family: Georgia, serif; margin: 0; color: #222; background: #fffaf2; }
.site-header { display: flex; justify-content: space-between; padding: 1rem 2rem; background: #5b3a1e; }
.site-header a { color: #fff; margin-left: 1rem; }
.brand { font-weight: bold; margin-left: 0 !important; }
main { max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.6; }
footer { text-align: center; padding: 2rem; color: #555; }
button { background: #c0392b; color: #fff; border: 0; border-radius: 0; padding: .2rem .5rem; }
:focus { outline: none; }
`

func pageHTML(title, head, body string) string {
	return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>` + title + ` — Demo Bakery</title>
<link rel="stylesheet" href="/site.css">
` + head + `
</head>
<body>
<header class="site-header">
  <a class="brand" href="/">Demo Bakery</a>
  <nav><a href="/">Home</a> <a href="/menu">Menu</a> <a href="/notice">Cookies notice</a></nav>
</header>
<main>
` + body + `
</main>
<footer><p>© Demo Bakery · <a href="/notice">Cookies notice</a></p></footer>
</body>
</html>
`
}

const homeBody = `<h1>Fresh bread, every morning</h1>
<p>This demo site sets the cookies a real site sets: an essential session cookie
(<code>PHPSESSID</code>), a language preference (<code>lang</code>), analytics cookies
(<code>_ga</code>, <code>_gid</code>) and an advertising cookie (<code>_fbp</code>).
The consent gateway in front of it decides which of them reach your browser.</p>
<p>Open your browser's developer tools (Application → Cookies) and watch them change as you
accept, reject or customize.</p>
<form action="/menu" method="get"><label for="q">Search the menu</label> <input id="q" name="q"> <button>Search</button></form>`

// upstream is the site behind the gateway. It remembers the Cookie header
// of every request by path.
type upstream struct {
	*httptest.Server
	mu      sync.Mutex
	cookies map[string][]string
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{cookies: map[string][]string{}}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.cookies[r.URL.Path] = append(u.cookies[r.URL.Path], strings.Join(r.Header.Values("Cookie"), "; "))
		u.mu.Unlock()
		html := func(title, head, body string) {
			for _, c := range siteCookies {
				w.Header().Add("Set-Cookie", c)
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, pageHTML(title, head, body))
		}
		switch r.URL.Path {
		case "/site.css":
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
			_, _ = io.WriteString(w, siteCSS)
		case "/site.js":
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			_, _ = io.WriteString(w, "window.siteScriptRan = true;\n")
		case "/favicon.ico":
			w.WriteHeader(http.StatusNoContent)
		case "/":
			html("Home", "", homeBody)
		case "/menu":
			html("Menu", "", `<h1>Menu</h1><ul><li>Sourdough loaf</li><li>Rye bread</li><li>Croissant</li><li>Cinnamon bun</li></ul>`)
		case "/notice":
			html("Cookies notice", "", `<h1>Cookies notice</h1><p>What we set and why.</p>`)
		// Each CSP page also loads one script its policy blocks
		// (controlBlocked): the test must see that violation, which
		// proves that violations are detected at all.
		case "/csp-self":
			w.Header().Set("Content-Security-Policy", cspSelf)
			html("Strict CSP (self)", `<script src="/site.js" defer></script>`+"\n"+`<script src="`+controlBlocked+`"></script>`, homeBody)
		case "/csp-strict":
			w.Header().Set("Content-Security-Policy", cspStrict)
			html("Strict CSP (nonce)", `<script nonce="abc123">window.siteScriptRan = true;</script>`+"\n"+`<script src="`+controlBlocked+`"></script>`, homeBody)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(u.Close)
	return u
}

// lastCookie returns the Cookie header of the last request for path.
func (u *upstream) lastCookie(path string) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	c := u.cookies[path]
	if len(c) == 0 {
		return ""
	}
	return c[len(c)-1]
}

// site is the demo upstream behind a running gateway.
type site struct {
	up *upstream
	gw *testcaddy.Server
}

func (s *site) url(path string) string { return s.gw.URL + path }

func newSite(t *testing.T) *site {
	t.Helper()
	up := newUpstream(t)
	gw := testcaddy.Start(t, `http://{GATEWAY} {
	consent {
		policy_version 2026-11-28
		banner {
			notice_url /notice
		}
	}
	reverse_proxy `+strings.TrimPrefix(up.URL, "http://")+`
}
`)
	return &site{up: up, gw: gw}
}

// ---------------------------------------------------------------------------
// Tabs: one fresh browser context per test.

type tab struct {
	t   *testing.T
	ctx context.Context

	mu     sync.Mutex
	msgs   []pageMsg  // console calls, log entries and exceptions, in order
	redirs []redirect // redirects followed, in order
}

type pageMsg struct {
	kind  string // "console.error", "log.security", "exception", …
	text  string
	url   string
	level string
}

func (m pageMsg) String() string {
	s := m.kind + ": " + m.text
	if m.url != "" {
		s += " (" + m.url + ")"
	}
	return s
}

// setup skips or starts the browser, starts the upstream and the gateway
// and opens a fresh tab in its own browser context.
func setup(t *testing.T) (*tab, *site) {
	t.Helper()
	bctx := startBrowser(t)
	s := newSite(t)
	return newTab(t, bctx), s
}

func newTab(t *testing.T, bctx context.Context) *tab {
	t.Helper()
	tb := &tab{t: t}
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(tb.listen))
	t.Cleanup(cancel)
	tb.ctx = ctx
	first, cancelFirst := context.WithTimeout(context.Background(), stepTimeout)
	defer cancelFirst()
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }() // creates the target, bound to ctx
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("opening a tab: %v", err)
		}
	case <-first.Done():
		t.Fatal("opening a tab: timed out")
	}
	// Behave like a focused window, so that focus and :focus-visible work
	// in headless mode as they do for a visitor.
	call(tb, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
	return tb
}

// listen runs in the tab's event loop: it must return fast.
func (tb *tab) listen(ev any) {
	var m pageMsg
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range ev.Args {
			switch {
			case a.Description != "":
				parts = append(parts, a.Description)
			case len(a.Value) > 0:
				parts = append(parts, strings.Trim(string(a.Value), `"`))
			default:
				parts = append(parts, string(a.Type))
			}
		}
		m = pageMsg{kind: "console." + string(ev.Type), text: strings.Join(parts, " "), level: string(ev.Type)}
		if ev.StackTrace != nil && len(ev.StackTrace.CallFrames) > 0 {
			m.url = ev.StackTrace.CallFrames[0].URL
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		m = pageMsg{kind: "exception", text: text, url: d.URL, level: "error"}
	case *cdplog.EventEntryAdded:
		e := ev.Entry
		m = pageMsg{kind: "log." + string(e.Source), text: e.Text, url: e.URL, level: string(e.Level)}
	case *network.EventRequestWillBeSent:
		if r := ev.RedirectResponse; r != nil {
			loc, _ := r.Headers["Location"].(string)
			if loc == "" {
				loc, _ = r.Headers["location"].(string)
			}
			tb.mu.Lock()
			tb.redirs = append(tb.redirs, redirect{from: r.URL, to: loc, status: int(r.Status)})
			tb.mu.Unlock()
		}
		return
	default:
		return
	}
	tb.mu.Lock()
	tb.msgs = append(tb.msgs, m)
	tb.mu.Unlock()
}

func (tb *tab) messages() []pageMsg {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]pageMsg(nil), tb.msgs...)
}

// noScriptErrors fails the test if the page threw an exception or logged
// an error that concerns the gateway's endpoint or assets.
func (tb *tab) noScriptErrors() {
	tb.t.Helper()
	for _, m := range tb.messages() {
		if m.kind == "exception" || ((m.level == "error" || m.level == "warning") && strings.Contains(m.url+m.text, "/_consent")) {
			tb.t.Errorf("page reported: %s", m)
		}
	}
}

// run runs one action with the step timeout and fails the test on error.
func run[T any](tb *tab, what string, a chromedp.Action[T]) T {
	tb.t.Helper()
	v, err := tryRun(tb, a)
	if err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
	return v
}

func tryRun[T any](tb *tab, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// do runs steps that return nothing.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// call sends one protocol command to the tab.
func call[P, R any](tb *tab, cmd cdp.Command[P, R], params P) R {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	r, err := chromedp.Call(ctx, cmd, params)
	if err != nil {
		tb.t.Fatalf("%s: %v", cmd.Method, err)
	}
	return r
}

// eval evaluates a JavaScript expression (awaiting a promise) and decodes
// its JSON value into T. Runtime.evaluate is not subject to the page's CSP,
// so this works on the strict-CSP pages too.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	return run(tb, "evaluating "+short(expr), chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 100 {
		return s[:100] + "…"
	}
	return s
}

// waitFor polls a JavaScript condition until it is true. It uses plain
// Runtime.evaluate calls (chromedp.Poll compiles the predicate with
// new Function, which a page CSP without 'unsafe-eval' blocks).
func (tb *tab) waitFor(what, expr string) {
	tb.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	var lastErr error
	for {
		ok, err := tryRun(tb, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		lastErr = err
		if time.Now().After(deadline) {
			tb.t.Fatalf("timed out after %v waiting for %s (%s); last error: %v", stepTimeout, what, short(expr), lastErr)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

func (tb *tab) navigate(url string) {
	tb.t.Helper()
	tb.do("navigating to "+url, chromedp.Navigate(url))
}

func (tb *tab) reload() {
	tb.t.Helper()
	tb.do("reloading", chromedp.Reload())
}

func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.do("clicking "+sel, chromedp.Click(chromedp.CSS(sel)))
}

func (tb *tab) key(keys string) {
	tb.t.Helper()
	tb.do(fmt.Sprintf("pressing %q", keys), chromedp.KeyEvent(keys))
}

// Selectors of the banner (caddymodule/banner/templates).
const (
	selRoot     = "#cg-consent"
	selAccept   = "#cg-consent button[name=choice][value=accept_all]"
	selReject   = "#cg-consent button[name=choice][value=reject_all]"
	selSave     = "#cg-consent button[name=choice][value=custom]"
	selSummary  = "#cg-consent details > summary"
	selDetails  = "#cg-consent details"
	selControl  = "#cg-consent-settings"
	selTitle    = "#cg-consent-title"
	selAnalytic = "#cg-consent input[name=category][value=analytics]"
)

// jsVisible is a JavaScript function body-expression: is the element
// matched by the selector rendered with a size, inside the viewport?
func jsVisible(sel string) string {
	return fmt.Sprintf(`(() => {
		const e = document.querySelector(%q);
		if (!e) return false;
		const s = getComputedStyle(e), r = e.getBoundingClientRect();
		return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0 &&
			r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
	})()`, sel)
}

// jsRendered is like jsVisible without the viewport test: the element may
// need scrolling (inside the banner's own scroll area) to be seen.
func jsRendered(sel string) string {
	return fmt.Sprintf(`(() => {
		const e = document.querySelector(%q);
		if (!e) return false;
		const s = getComputedStyle(e), r = e.getBoundingClientRect();
		return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0;
	})()`, sel)
}

func jsAbsent(sel string) string {
	return fmt.Sprintf(`document.querySelector(%q) === null`, sel)
}

// waitBanner waits until the banner is visible and its entry animation has
// finished (so clicks and screenshots hit where it finally is).
func (tb *tab) waitBanner() {
	tb.t.Helper()
	tb.waitFor("the banner to be visible", jsVisible(selRoot))
	tb.waitFor("the banner's animation to end", `document.getAnimations().every(a => a.playState !== 'running' && a.playState !== 'pending')`)
}

// docCookies returns document.cookie.
func (tb *tab) docCookies() string {
	tb.t.Helper()
	return eval[string](tb, `document.cookie`)
}

// jarCookies returns the names of the cookies the browser holds for url
// (HttpOnly ones included).
func (tb *tab) jarCookies(url string) map[string]bool {
	tb.t.Helper()
	res := call(tb, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	out := map[string]bool{}
	for _, c := range res.Cookies {
		out[c.Name] = true
	}
	return out
}

// cookieNames parses a document.cookie string into names.
func cookieNames(s string) map[string]bool {
	out := map[string]bool{}
	for _, part := range strings.Split(s, ";") {
		name, _, _ := strings.Cut(strings.TrimSpace(part), "=")
		if name != "" {
			out[name] = true
		}
	}
	return out
}

// setMarker puts a value on window that a full page load would wipe out.
func (tb *tab) setMarker() {
	tb.t.Helper()
	eval[bool](tb, `(window.cgTestMarker = 'still-here', true)`)
}

func (tb *tab) markerSurvived() bool {
	tb.t.Helper()
	return eval[bool](tb, `window.cgTestMarker === 'still-here'`)
}

// consentState reads GET /_consent (same origin, with the page's cookies):
// category name → granted.
func (tb *tab) consentState() map[string]bool {
	tb.t.Helper()
	type cat struct {
		Name    string `json:"name"`
		Granted bool   `json:"granted"`
	}
	cats := eval[[]cat](tb, `fetch('/_consent', {credentials: 'same-origin'}).then(r => r.json()).then(s => s.categories)`)
	out := map[string]bool{}
	for _, c := range cats {
		out[c.Name] = c.Granted
	}
	return out
}

// redirect is one HTTP redirect the tab followed.
type redirect struct {
	from, to string
	status   int
}

func (tb *tab) redirects() []redirect {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]redirect(nil), tb.redirs...)
}

// runResponse runs steps that cause a navigation and returns the response
// of the document that was loaded.
func (tb *tab) runResponse(what string, steps ...chromedp.Action[chromedp.Void]) *network.Response {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	r, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
	return r
}

// chromeOptions are the flags every test browser runs with: headless, no
// sandbox (root in CI), and none of Chromium's background network traffic
// (this machine reaches no outside host).
func chromeOptions(bin string, out io.Writer, extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	return append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(1280, 800),
		chromedp.CombinedOutput(out),
	}, extra...)
}
