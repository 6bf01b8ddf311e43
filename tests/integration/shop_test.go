package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/consentgate/caddy-consent/internal/testcaddy"
)

// Issue 11's "Done when", end to end, following only the README: a small
// shop behind the "Using it on your site" block, rolled out through report
// mode and `caddy consent suggest`, and its cookie declaration.

// shopPage is the shop's home page: GA4 (gtag.js and its inline snippet),
// the Meta Pixel (inline loader and noscript image), Hotjar, a YouTube
// embed, a script from a third-party host no preset knows, and the shop's
// own script and image, which must never be touched.
const shopPage = `<!DOCTYPE html><html lang="de"><head><title>Brotladen</title>
<script src="/static/app.js"></script>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-SHOP0001"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'G-SHOP0001');
</script>
<script>
!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)};t=b.createElement(e);t.async=!0;
t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window, document,'script',
'https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '555000111');
fbq('track', 'PageView');
</script>
<script>
  (function(h,o,t,j,a,r){
    h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};
    h._hjSettings={hjid:4242424,hjsv:6};
    a=o.getElementsByTagName('head')[0];
    r=o.createElement('script');r.async=1;
    r.src=t+h._hjSettings.hjid+j+h._hjSettings.hjsv;
    a.appendChild(r);
  })(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');
</script>
<script src="https://cdn.shopmetrics.example/t.js"></script>
</head><body><h1>Brot</h1>
<noscript><img height="1" width="1" style="display:none" src="https://www.facebook.com/tr?id=555000111&ev=PageView&noscript=1"/></noscript>
<img src="/static/logo.png" alt="logo">
<iframe width="560" height="315" src="https://www.youtube.com/embed/Br0tBack3n1" title="Backen"></iframe>
<form method="post" action="/cart"><input type="hidden" name="csrf" value="t0k"><button>In den Warenkorb</button></form>
</body></html>`

// shopCookies is what the shop sets on every response: a custom-named
// session, CSRF, cart and language cookie, and the trackers' own.
var shopCookies = []string{
	"myapp_sess=s3ss; Path=/; HttpOnly; SameSite=Lax",
	"csrf_token=t0k; Path=/; SameSite=Strict",
	"cart_id=c42; Path=/; Max-Age=2592000; SameSite=Lax",
	"lang=de; Path=/; Max-Age=31536000; SameSite=Lax",
	"_ga=GA1.1.424242.1764300000; Path=/; Max-Age=63072000; SameSite=Lax",
	"_fbp=fb.1.1764300000000.424242; Path=/; Max-Age=7776000; SameSite=Lax",
}

// visitorCookies is what a returning visitor's browser sends (before the
// gateway filters it).
const visitorCookies = "myapp_sess=s3ss; csrf_token=t0k; cart_id=c42; lang=de; _ga=GA1.1.424242.1764300000; _fbp=fb.1.1764300000000.424242"

type shop struct {
	*httptest.Server
	mu      sync.Mutex
	cookies []string // Cookie header of each request
}

func newShop(t *testing.T) *shop {
	s := &shop{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.cookies = append(s.cookies, strings.Join(r.Header.Values("Cookie"), "; "))
		s.mu.Unlock()
		for _, c := range shopCookies {
			w.Header().Add("Set-Cookie", c)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, shopPage)
	}))
	t.Cleanup(s.Close)
	return s
}

// received lists the cookie names of the last request the shop saw.
func (s *shop) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cookies) == 0 {
		return nil
	}
	var names []string
	for _, part := range strings.Split(s.cookies[len(s.cookies)-1], ";") {
		if name, _, ok := strings.Cut(strings.TrimSpace(part), "="); ok {
			names = append(names, name)
		}
	}
	return names
}

// shopSite is the README's "Using it on your site" block (no preset
// named) with extra lines inside the consent block.
func shopSite(s *shop, extra string) string {
	return `http://{GATEWAY} {
	encode zstd gzip
	consent {
		policy_version 2026-11-28
		keys {env.CONSENT_HASH_KEY} {env.CONSENT_BLOCK_KEY}
		banner {
			notice_url /cookies
		}
` + extra + `
	}
	reverse_proxy ` + strings.TrimPrefix(s.URL, "http://") + `
}
`
}

// shopKeys runs `caddy consent keygen --env` as the README says and puts
// the keys into the environment the Caddy child processes inherit.
func shopKeys(t *testing.T) {
	out, err := exec.Command(testcaddy.Binary(t), "consent", "keygen", "--env").Output()
	if err != nil {
		t.Fatalf("consent keygen --env: %v", err)
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && strings.HasPrefix(k, "CONSENT_") {
			t.Setenv(k, v)
			n++
		}
	}
	if n != 2 {
		t.Fatalf("keygen --env printed %d keys:\n%s", n, out)
	}
}

// visit loads the home page as a browser navigation with the given
// cookies and returns the names the browser is told to keep and the page.
func visit(t *testing.T, g *testcaddy.Server, cookie string) ([]string, string) {
	t.Helper()
	hdr := map[string]string{}
	if cookie != "" {
		hdr["Cookie"] = cookie
	}
	resp, body := do(t, http.MethodGet, g.URL+"/", hdr, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d", resp.StatusCode)
	}
	set, _ := setCookieNames(resp)
	return set, body
}

func choose(t *testing.T, g *testcaddy.Server, choice string) string {
	t.Helper()
	c, resp, body := post(t, g, url.Values{"choice": {choice}, "return": {"/"}}, nil)
	if c == "" {
		t.Fatalf("%s: no consent cookie: %d %v %s", choice, resp.StatusCode, resp.Header, body)
	}
	return c
}

func wantNames(t *testing.T, what string, got []string, want, never []string) {
	t.Helper()
	for _, n := range want {
		if !has(got, n) {
			t.Errorf("%s: %s missing (got %v)", what, n, got)
		}
	}
	for _, n := range never {
		if has(got, n) {
			t.Errorf("%s: %s must not be there (got %v)", what, n, got)
		}
	}
}

// scriptTag matches the opening tag of every <script> element.
var scriptTag = regexp.MustCompile(`<script\b[^>]*>`)

// assertHeldBack checks that every tracker tag of shopPage is inert and
// the shop's own script and image are untouched.
func assertHeldBack(t *testing.T, what, body string) {
	t.Helper()
	inline := map[string]string{ // a line of each inline snippet -> its vendor
		"gtag('config', 'G-SHOP0001');": "GA4 inline",
		"fbq('init', '555000111');":     "Meta Pixel inline",
		"h._hjSettings={hjid:4242424":   "Hotjar inline",
	}
	for line, vendor := range inline {
		i := strings.Index(body, line)
		if i < 0 {
			t.Errorf("%s: %s snippet lost from the page", what, vendor)
			continue
		}
		open := scriptTag.FindAllString(body[:i], -1)
		if len(open) == 0 || !strings.Contains(open[len(open)-1], `type="text/plain"`) || !strings.Contains(open[len(open)-1], "data-consent-category=") {
			t.Errorf("%s: %s snippet must be inert, its tag is %q", what, vendor, open)
		}
	}
	for _, tag := range scriptTag.FindAllString(body, -1) {
		if strings.Contains(tag, "googletagmanager.com") && !strings.Contains(tag, `type="text/plain" data-consent-category="analytics"`) {
			t.Errorf("%s: gtag.js must be held back under analytics: %s", what, tag)
		}
		if strings.Contains(tag, `/static/app.js`) && tag != `<script src="/static/app.js">` {
			t.Errorf("%s: the shop's own script was touched: %s", what, tag)
		}
	}
	if !strings.Contains(body, `data-consent-src="https://www.facebook.com/tr?id=555000111&ev=PageView&noscript=1"`) {
		t.Errorf("%s: the Meta noscript pixel must be held back", what)
	}
	if !strings.Contains(body, `data-consent-src="https://www.youtube.com/embed/Br0tBack3n1"`) || strings.Contains(body, ` src="https://www.youtube.com/`) {
		t.Errorf("%s: the YouTube player must not load", what)
	}
	if !strings.Contains(body, `<img src="/static/logo.png" alt="logo">`) {
		t.Errorf("%s: the shop's own image was touched", what)
	}
}

// neutralizedVendors lists vendor/category of every neutralized tag in
// g's enforcement events.
func neutralizedVendors(t *testing.T, g *testcaddy.Server) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, e := range decisions(t, g, "neutralized") {
		out[e.Str("vendor")+"/"+e.Str("category")] = true
	}
	return out
}

// auditLog writes the consent handler's events from g's log into their
// own file, as the README's audit-log example does with
// `include http.handlers.consent`, and returns its path.
func auditLog(t *testing.T, g *testcaddy.Server) string {
	t.Helper()
	raw, err := os.ReadFile(g.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e struct {
			Logger string `json:"logger"`
		}
		if json.Unmarshal(sc.Bytes(), &e) == nil && strings.HasPrefix(e.Logger, "http.handlers.consent") {
			out.Write(sc.Bytes())
			out.WriteByte('\n')
		}
	}
	if out.Len() == 0 {
		t.Fatalf("no events of http.handlers.consent in the log")
	}
	p := filepath.Join(t.TempDir(), "consent-audit.log")
	if err := os.WriteFile(p, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func suggestCmd(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(testcaddy.Binary(t), append([]string{"consent", "suggest"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("caddy consent suggest %v: %v\n%s", args, err, stderr.String())
	}
	return string(out)
}

func TestShopFromIssue11(t *testing.T) {
	shopKeys(t)
	s := newShop(t)

	// (a) The README's block, enforce mode, every default preset.
	g := testcaddy.Start(t, shopSite(s, ""))

	// A first visit: no choice yet, so trackers wait and so do their
	// cookies; the shop's CSRF and cart cookies are essential.
	for i := 0; i < 3; i++ {
		set, body := visit(t, g, "")
		wantNames(t, "first visit, Set-Cookie", set, []string{"csrf_token", "cart_id"}, []string{"_ga", "_fbp", "lang"})
		assertHeldBack(t, "first visit", body)
	}

	// A visitor who accepts everything: cart and CSRF work, the trackers'
	// cookies and tags run. myapp_sess is a name nobody knows: stripped
	// (unknown_cookies strip) and logged; the rollout (b) fixes it.
	accept := choose(t, g, "accept_all")
	set, body := visit(t, g, accept+"; "+visitorCookies)
	wantNames(t, "accept all, Set-Cookie", set, []string{"csrf_token", "cart_id", "lang", "_ga", "_fbp"}, nil)
	wantNames(t, "accept all, upstream Cookie", s.received(), []string{"csrf_token", "cart_id", "lang", "_ga", "_fbp"}, []string{"consent"})
	for _, live := range []string{
		`<script async src="https://www.googletagmanager.com/gtag/js?id=G-SHOP0001">`,
		"<script>\n  window.dataLayer", "<script>\n!function(f,b,e,v,n,t,s)", "<script>\n  (function(h,o,t,j,a,r)",
		`<img height="1" width="1" style="display:none" src="https://www.facebook.com/tr?id=555000111&ev=PageView&noscript=1"/>`,
		`<iframe width="560" height="315" src="https://www.youtube.com/embed/Br0tBack3n1" title="Backen">`,
	} {
		if !strings.Contains(body, live) {
			t.Errorf("accept all: the tag must run as the shop wrote it: %s", live)
		}
	}
	unclassified := map[string]testcaddy.Entry{}
	for _, e := range g.Events(t, "cookie_unclassified") {
		unclassified[e.Str("cookie")] = e
	}
	if e, ok := unclassified["myapp_sess"]; !ok {
		t.Errorf("myapp_sess must be logged as cookie_unclassified: %v", unclassified)
	} else if e["http_only"] != true || e["session"] != true || e["value"] != nil {
		t.Errorf("cookie_unclassified must carry the attributes (HttpOnly, session), never the value: %v", e)
	}
	for _, known := range []string{"csrf_token", "cart_id", "lang", "_ga", "_fbp"} {
		if _, ok := unclassified[known]; ok {
			t.Errorf("%s is a known name, not unclassified", known)
		}
	}

	// A visitor who refuses: no _ga/_fbp in either direction, every tracker
	// tag inert, cart and CSRF still work.
	reject := choose(t, g, "reject_all")
	set, body = visit(t, g, reject+"; "+visitorCookies)
	wantNames(t, "reject all, Set-Cookie", set, []string{"csrf_token", "cart_id"}, []string{"_ga", "_fbp", "lang"})
	wantNames(t, "reject all, upstream Cookie", s.received(), []string{"csrf_token", "cart_id"}, []string{"_ga", "_fbp", "lang", "consent"})
	assertHeldBack(t, "reject all", body)
	vendors := neutralizedVendors(t, g)
	for _, want := range []string{"meta-pixel/advertising", "hotjar/analytics", "youtube/advertising"} {
		if !vendors[want] {
			t.Errorf("enforcement events must list %s as neutralized: %v", want, vendors)
		}
	}
	if !vendors["ga4/analytics"] && !vendors["gtm/analytics"] {
		t.Errorf("enforcement events must list GA4 (ga4 or gtm) as neutralized: %v", vendors)
	}

	// The unknown third-party host is reported, once, however many pages.
	n := 0
	for _, e := range g.Events(t, "tracker_unclassified") {
		switch h := e.Str("tracker_host"); {
		case h == "cdn.shopmetrics.example":
			n++
		case strings.Contains(h, "google") || strings.Contains(h, "facebook") || strings.Contains(h, "hotjar") ||
			strings.Contains(h, "youtube") || strings.Contains(h, "127.0.0.1"):
			t.Errorf("a known or first-party host is not unclassified: %v", e)
		}
	}
	if n != 1 {
		t.Errorf("tracker_unclassified for cdn.shopmetrics.example: %d events, want 1", n)
	}
	if !strings.Contains(body, `<script src="https://cdn.shopmetrics.example/t.js">`) {
		t.Errorf("a host no preset knows is reported, its tag left alone until classified")
	}

	// (b) The rollout: the same traffic in report mode.
	r := testcaddy.Start(t, shopSite(s, "\t\tmode report"))
	set, body = visit(t, r, "")
	if body != shopPage {
		t.Errorf("report mode must serve the page unchanged")
	}
	wantNames(t, "report mode, Set-Cookie", set, []string{"myapp_sess", "csrf_token", "cart_id", "lang", "_ga", "_fbp"}, nil)
	visit(t, r, visitorCookies)
	wantNames(t, "report mode, upstream Cookie", s.received(), []string{"myapp_sess", "csrf_token", "cart_id", "lang", "_ga", "_fbp"}, nil)
	visit(t, r, visitorCookies)
	log := auditLog(t, r)

	var inv struct {
		Cookies []struct {
			Name, Category, Source, Reason string
		}
		Trackers []struct {
			Host, Source, Category, Preset string
		}
	}
	if err := json.Unmarshal([]byte(suggestCmd(t, "--format", "json", log)), &inv); err != nil {
		t.Fatalf("suggest --format json: %v", err)
	}
	cookies := map[string]string{}
	for _, c := range inv.Cookies {
		cookies[c.Name] = c.Category + " (" + c.Source + ": " + c.Reason + ")"
	}
	if c := cookies["myapp_sess"]; !strings.HasPrefix(c, "necessary (heuristic") {
		t.Errorf("suggest must call myapp_sess necessary by its attributes: %q (all: %v)", c, cookies)
	}
	hosts := map[string]string{}
	for _, tr := range inv.Trackers {
		hosts[tr.Host] = tr.Source + "/" + tr.Preset
	}
	if h, ok := hosts["cdn.shopmetrics.example"]; !ok || strings.HasPrefix(h, "builtin") {
		t.Errorf("suggest must list the unknown host for review: %q (all: %v)", h, hosts)
	}

	text := suggestCmd(t, log)
	if !strings.Contains(text, "myapp_sess") || !strings.Contains(text, "consent {") {
		t.Errorf("suggest text output lacks the inventory or the block:\n%s", text)
	}
	block := suggestCmd(t, "--format", "caddyfile", log)
	if !strings.HasPrefix(block, "consent {\n") || !strings.HasSuffix(block, "}\n") ||
		!regexp.MustCompile(`(?m)^\tcategory necessary \{\n(\t\tcookies .*\bmyapp_sess\b.*\n)`).MatchString(block) {
		t.Fatalf("suggest --format caddyfile must print a consent block classifying myapp_sess as necessary:\n%s", block)
	}

	// Paste the block's body into the consent block and enforce.
	inner := strings.TrimSuffix(strings.TrimPrefix(block, "consent {\n"), "}\n")
	reload(t, r, shopSite(s, inner))

	var pageAfter string
	eventually(t, "the pasted block is live", func() bool {
		set, pageAfter = visit(t, r, reject+"; "+visitorCookies)
		return has(set, "myapp_sess")
	})
	wantNames(t, "after rollout, reject all, Set-Cookie", set, []string{"myapp_sess", "csrf_token", "cart_id"}, []string{"_ga", "_fbp", "lang"})
	wantNames(t, "after rollout, reject all, upstream Cookie", s.received(), []string{"myapp_sess", "csrf_token", "cart_id"}, []string{"_ga", "_fbp", "lang"})
	assertHeldBack(t, "after rollout, reject all", pageAfter)
	if !strings.Contains(pageAfter, `<script type="text/plain" data-consent-category="analytics" src="https://cdn.shopmetrics.example/t.js">`) {
		t.Errorf("after rollout the pasted vendor block holds the unknown host back:\n%s", pageAfter)
	}

	set, _ = visit(t, r, accept+"; "+visitorCookies)
	wantNames(t, "after rollout, accept all, Set-Cookie", set, []string{"myapp_sess", "csrf_token", "cart_id", "lang", "_ga", "_fbp"}, nil)
	wantNames(t, "after rollout, accept all, upstream Cookie", s.received(), []string{"myapp_sess", "csrf_token", "cart_id", "lang", "_ga", "_fbp"}, nil)

	// (c) The declaration lists the shop's cookies under their categories
	// and the trackers held back.
	d := readDeclaration(t, r.URL).listed()
	for _, want := range []string{
		"necessary/myapp_sess (session)", "necessary/csrf_token", "necessary/cart_id",
		"functional/lang", "analytics/_ga", "advertising/_fbp",
		"analytics/tracker:www.googletagmanager.com", "advertising/tracker:youtube.com", "analytics/tracker:hotjar.com",
	} {
		if !d[want] {
			t.Errorf("declaration lacks %q: %v", want, d)
		}
	}
	_, html := declGet(t, r.URL+"/_consent/cookies", map[string]string{"Accept": declAccept})
	for _, want := range []string{"myapp_sess", "csrf_token", "cart_id", "lang", "_ga", "_fbp"} {
		if !strings.Contains(html, want) {
			t.Errorf("declaration HTML lacks %q", want)
		}
	}
}
