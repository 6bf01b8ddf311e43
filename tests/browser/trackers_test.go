package browser

// Tracker blocking as a browser meets it. The test page embeds the tags of
// Google Analytics 4 (gtag.js) and the Meta Pixel exactly as the vendors
// publish them, except over http://. A dedicated Chromium resolves every
// vendor host to a local fake tracker server (--host-resolver-rules), so
// both what the browser asks for (the DevTools network events) and what
// reaches the "vendors" (the fake server's own log) can be checked.
//
// Chromium's HSTS preload list holds facebook.com and google-analytics.com
// (not googletagmanager.com), so it upgrades http:// requests to those
// hosts to https:// internally before any connection is made. The fake
// server therefore speaks TLS (self-signed, accepted through
// --ignore-certificate-errors) and plain HTTP on the same port.

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/consentgate/caddy-consent/internal/testcaddy"
)

// trackerDomains are the vendor domains of the test page, by vendor; the
// browser maps each domain and all its subdomains to the fake server.
var trackerDomains = map[string][]string{
	"ga":   {"googletagmanager.com", "google-analytics.com"},
	"meta": {"facebook.net", "facebook.com"},
}

// vendorOf returns "ga", "meta" or "" for a host name.
func vendorOf(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	for v, domains := range trackerDomains {
		for _, d := range domains {
			if host == d || strings.HasSuffix(host, "."+d) {
				return v
			}
		}
	}
	return ""
}

// trackedShop is the upstream page: the GA4 gtag.js snippet and the Meta
// Pixel base code as the vendors publish them (over http://), the Meta
// noscript pixel, and a plain Meta pixel image.
const trackedShop = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Shop — Demo Bakery</title>
<!-- Google tag (gtag.js) -->
<script async src="http://www.googletagmanager.com/gtag/js?id=G-TEST"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'G-TEST');
</script>
<!-- Meta Pixel Code -->
<script>
!function(f,b,e,v,n,t,s)
{if(f.fbq)return;n=f.fbq=function(){n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)};
if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';
n.queue=[];t=b.createElement(e);t.async=!0;
t.src=v;s=b.getElementsByTagName(e)[0];
s.parentNode.insertBefore(t,s)}(window, document,'script',
'http://connect.facebook.net/en_US/fbevents.js');
fbq('init', '1234567890');
fbq('track', 'PageView');
</script>
<noscript><img height="1" width="1" style="display:none" alt=""
src="http://www.facebook.com/tr?id=1234567890&ev=PageView&noscript=1"/></noscript>
<!-- End Meta Pixel Code -->
</head>
<body>
<h1>Our bread</h1>
<p>Sourdough, rye and croissants.</p>
<img src="http://www.facebook.com/tr?id=1234567890&ev=PageView" width="1" height="1" alt="">
</body>
</html>
`

// The fake vendors' scripts: each records that it ran, sets its cookie and
// sends a hit to its collection endpoint, as the real ones do.
const (
	fakeGtagJS = `(window.cgTrackerRuns = window.cgTrackerRuns || []).push('ga');
document.cookie = '_ga=GA1.1.424242.1764300000; path=/; max-age=3600';
window.cgGAHit = new Image();
window.cgGAHit.src = 'http://www.google-analytics.com/g/collect?v=2&tid=G-TEST&en=page_view';
`
	fakeFbeventsJS = `(window.cgTrackerRuns = window.cgTrackerRuns || []).push('meta');
document.cookie = '_fbp=fb.1.1764300000000.424242; path=/; max-age=3600';
window.cgMetaHit = new Image();
window.cgMetaHit.src = 'http://www.facebook.com/tr?id=1234567890&ev=PageView&js=1';
`
	// The smallest transparent GIF.
	gif1x1 = "GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)

// trackerHit is one request that reached the fake tracker server.
type trackerHit struct {
	TLS    bool
	Host   string // Host header, without port
	Target string // path and query
	GPC    string // Sec-GPC header
}

func (h trackerHit) String() string {
	scheme := "http"
	if h.TLS {
		scheme = "https"
	}
	return scheme + "://" + h.Host + h.Target
}

// trackerServer plays every vendor host on one port, with and without TLS.
type trackerServer struct {
	Addr string
	srv  *http.Server
	mu   sync.Mutex
	hits []trackerHit
}

func newTrackerServer(t *testing.T) *trackerServer {
	t.Helper()
	ts := &trackerServer{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.Addr = ln.Addr().String()
	ts.srv = &http.Server{
		Handler:  ts,
		ErrorLog: log.New(io.Discard, "", 0), // TLS handshakes Chromium abandons
	}
	sl := newSniffListener(ln, selfSignedTLS(t))
	go func() { _ = ts.srv.Serve(sl) }()
	t.Cleanup(func() { _ = ts.srv.Close() })
	return ts
}

func (ts *trackerServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	ts.mu.Lock()
	ts.hits = append(ts.hits, trackerHit{TLS: r.TLS != nil, Host: strings.ToLower(host), Target: r.URL.RequestURI(), GPC: r.Header.Get("Sec-GPC")})
	ts.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store") // every load must reach us
	switch r.URL.Path {
	case "/gtag/js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		_, _ = io.WriteString(w, fakeGtagJS)
	case "/en_US/fbevents.js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		_, _ = io.WriteString(w, fakeFbeventsJS)
	case "/tr", "/g/collect":
		w.Header().Set("Content-Type", "image/gif")
		_, _ = io.WriteString(w, gif1x1)
	default:
		http.NotFound(w, r)
	}
}

// hitsSince returns the hits after the first n.
func (ts *trackerServer) hitsSince(n int) []trackerHit {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if n > len(ts.hits) {
		n = len(ts.hits)
	}
	return append([]trackerHit(nil), ts.hits[n:]...)
}

func (ts *trackerServer) count() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.hits)
}

// sniffListener hands out TLS connections for clients that start with a
// TLS handshake record and plain ones for the others. The first byte is
// read in a goroutine per connection, so a speculative connection that
// sends nothing does not hold up the others.
type sniffListener struct {
	net.Listener
	conf  *tls.Config
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newSniffListener(inner net.Listener, conf *tls.Config) *sniffListener {
	l := &sniffListener{Listener: inner, conf: conf, conns: make(chan net.Conn), done: make(chan struct{})}
	go l.loop()
	return l
}

func (l *sniffListener) loop() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			_ = l.Close()
			return
		}
		go func() {
			br := bufio.NewReader(c)
			_ = c.SetReadDeadline(time.Now().Add(time.Minute))
			first, err := br.Peek(1)
			_ = c.SetReadDeadline(time.Time{})
			if err != nil {
				_ = c.Close()
				return
			}
			var out net.Conn = &peekedConn{Conn: c, r: br}
			if first[0] == 0x16 { // TLS handshake record
				out = tls.Server(out, l.conf)
			}
			select {
			case l.conns <- out:
			case <-l.done:
				_ = c.Close()
			}
		}()
	}
}

func (l *sniffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *sniffListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// selfSignedTLS returns a server config with a fresh self-signed
// certificate for the vendor domains (Chromium accepts it only because the
// tracker browser runs with --ignore-certificate-errors).
func selfSignedTLS(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, domains := range trackerDomains {
		for _, d := range domains {
			names = append(names, d, "*."+d)
		}
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "fake trackers"},
		DNSNames:     names,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		NextProtos:   []string{"http/1.1"},
	}
}

// startTrackerBrowser starts a Chromium of its own for one test (the
// shared one cannot take --host-resolver-rules), with every vendor domain
// resolved to the fake tracker server. It skips like startBrowser.
func startTrackerBrowser(t *testing.T, trackerAddr string) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	bin := findChrome()
	if bin == "" {
		testcaddy.Missing(t, "browser test: no Chromium found (looked for $CHROME_BIN, chromium, chromium-browser, google-chrome in PATH); install it, e.g. apt-get install chromium")
	}
	var rules []string
	for _, domains := range trackerDomains {
		for _, d := range domains {
			rules = append(rules, "MAP "+d+" "+trackerAddr, "MAP *."+d+" "+trackerAddr)
		}
	}
	var out testcaddy.SyncBuffer
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromeOptions(bin, &out,
		chromedp.Flag("host-resolver-rules", strings.Join(rules, ", ")),
		chromedp.Flag("ignore-certificate-errors", true))...)
	t.Cleanup(cancelAlloc)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelCtx)
	start, cancelStart := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelStart()
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }()
	var err error
	select {
	case err = <-done:
	case <-start.Done():
		err = errors.New("timed out after 30s")
	}
	if err != nil {
		t.Fatalf("starting %s: %v\nbrowser output:\n%s", bin, err, out.String())
	}
	return ctx
}

// trackerEnv is one tracker test: the fake vendors, the shop behind a
// gateway, and a tab of a browser that resolves vendor hosts locally and
// records every request it sends.
type trackerEnv struct {
	*tab
	trackers *trackerServer
	gw       *testcaddy.Server

	mu   sync.Mutex
	reqs []string // URLs of Network.requestWillBeSent, in order
}

func newTrackerEnv(t *testing.T, consentExtra string) *trackerEnv {
	t.Helper()
	ts := newTrackerServer(t)
	bctx := startTrackerBrowser(t, ts.Addr)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, trackedShop)
	}))
	t.Cleanup(up.Close)
	gw := testcaddy.Start(t, `http://{GATEWAY} {
	consent {
		policy_version 2026-11-28
		preset ga4 meta-pixel
`+consentExtra+`
	}
	reverse_proxy `+strings.TrimPrefix(up.URL, "http://")+`
}
`)
	e := &trackerEnv{tab: newTab(t, bctx), trackers: ts, gw: gw}
	if err := chromedp.Listen(e.ctx, func(ev any) {
		if rw, ok := ev.(*network.EventRequestWillBeSent); ok && rw.Request != nil {
			e.mu.Lock()
			e.reqs = append(e.reqs, rw.Request.URL)
			e.mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("listening to network events: %v", err)
	}
	return e
}

// mark is a position in both request logs.
type mark struct{ net, server int }

func (e *trackerEnv) mark() mark {
	e.mu.Lock()
	defer e.mu.Unlock()
	return mark{net: len(e.reqs), server: e.trackers.count()}
}

// browserRequests returns the URLs the browser requested since m.
func (e *trackerEnv) browserRequests(m mark) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if m.net > len(e.reqs) {
		m.net = len(e.reqs)
	}
	return append([]string(nil), e.reqs[m.net:]...)
}

// vendorRequests returns, for one vendor ("" for all of them), the URLs
// the browser requested and the hits the fake server received since m.
func (e *trackerEnv) vendorRequests(m mark, vendor string) (browser []string, server []trackerHit) {
	for _, u := range e.browserRequests(m) {
		pu, err := url.Parse(u)
		if err != nil {
			continue
		}
		if v := vendorOf(pu.Host); v != "" && (vendor == "" || v == vendor) {
			browser = append(browser, u)
		}
	}
	for _, h := range e.trackers.hitsSince(m.server) {
		if v := vendorOf(h.Host); v != "" && (vendor == "" || v == vendor) {
			server = append(server, h)
		}
	}
	return browser, server
}

// waitServerHits waits until the fake server received, since m, a request
// for every host+path given (e.g. "www.googletagmanager.com/gtag/js").
func (e *trackerEnv) waitServerHits(m mark, what string, want ...string) {
	e.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		got := e.trackers.hitsSince(m.server)
		missing := ""
		for _, w := range want {
			found := false
			for _, h := range got {
				path, _, _ := strings.Cut(h.Target, "?")
				if h.Host+path == w {
					found = true
					break
				}
			}
			if !found {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s: the tracker server never got %s; it got %v; the browser requested %v", what, missing, got, e.browserRequests(m))
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// settle lets requests a page may still be about to send go out.
func (e *trackerEnv) settle() {
	e.t.Helper()
	e.waitFor("the page to finish loading", `document.readyState === 'complete'`)
	time.Sleep(500 * time.Millisecond)
}

// noVendorRequests fails the test when the browser asked for, or the fake
// server received, anything of vendor ("" for any vendor) since m.
func (e *trackerEnv) noVendorRequests(m mark, vendor, when string) {
	e.t.Helper()
	browser, server := e.vendorRequests(m, vendor)
	name := map[string]string{"": "tracker", "ga": "Google Analytics", "meta": "Meta"}[vendor]
	if len(browser) > 0 {
		e.t.Errorf("%s the browser requested %s URLs: %v", when, name, browser)
	}
	if len(server) > 0 {
		e.t.Errorf("%s %s requests reached the tracker server: %v", when, name, server)
	}
}

// sawOwnPage fails the test when the network events since m do not show
// the page itself: without them "no tracker request" would prove nothing.
func (e *trackerEnv) sawOwnPage(m mark) {
	e.t.Helper()
	for _, u := range e.browserRequests(m) {
		if strings.HasPrefix(u, e.gw.URL+"/") {
			return
		}
	}
	e.t.Fatalf("the network events do not show the page's own request %s/: %v", e.gw.URL, e.browserRequests(m))
}

func (e *trackerEnv) trackerRuns() []string {
	e.t.Helper()
	return eval[[]string](e.tab, `window.cgTrackerRuns || []`)
}

// gaOnlyLoaded checks, after a page load or an in-place consent since m,
// that gtag.js ran and sent its hit, over the network and at the server,
// and that nothing of Meta was requested.
func (e *trackerEnv) gaOnlyLoaded(m mark, when string) {
	e.t.Helper()
	e.waitFor("gtag.js to run "+when, `(window.cgTrackerRuns || []).includes('ga')`)
	e.waitServerHits(m, "the Google Analytics requests "+when, "www.googletagmanager.com/gtag/js", "www.google-analytics.com/g/collect")
	e.settle()
	browser, _ := e.vendorRequests(m, "ga")
	var sawTag, sawHit bool
	for _, u := range browser {
		sawTag = sawTag || strings.Contains(u, "www.googletagmanager.com/gtag/js?id=G-TEST")
		sawHit = sawHit || strings.Contains(u, "www.google-analytics.com/g/collect?")
	}
	if !sawTag || !sawHit {
		e.t.Errorf("%s the network events should show gtag.js and its hit; they show %v", when, browser)
	}
	e.noVendorRequests(m, "meta", when)
	if runs := e.trackerRuns(); strings.Join(runs, " ") != "ga" {
		e.t.Errorf("%s exactly gtag.js should have run; ran %v", when, runs)
	}
	doc := cookieNames(e.docCookies())
	if !doc["_ga"] || doc["_fbp"] {
		e.t.Errorf("%s gtag.js sets _ga and nothing sets _fbp; document.cookie %q", when, e.docCookies())
	}
}

// TestTrackersBlockedUntilConsent: before any choice the browser sends not
// a single request to a tracker host; after the visitor accepts analytics
// in the chooser, gtag.js loads in place (and again after a reload) while
// the Meta Pixel never does.
func TestTrackersBlockedUntilConsent(t *testing.T) {
	e := newTrackerEnv(t, "")
	m := e.mark()
	e.navigate(e.gw.URL + "/")
	e.waitBanner()
	e.settle()
	e.sawOwnPage(m)
	e.noVendorRequests(m, "", "before consent")
	if runs := e.trackerRuns(); len(runs) > 0 {
		t.Errorf("before consent no tracker script may run; ran %v", runs)
	}
	if doc := cookieNames(e.docCookies()); doc["_ga"] || doc["_fbp"] {
		t.Errorf("tracker cookies before consent: %q", e.docCookies())
	}

	// Analytics only, through the chooser; the banner activates the
	// neutralized analytics tags without a reload.
	e.setMarker()
	m = e.mark()
	e.click(selSummary)
	e.waitFor("the chooser to open", jsRendered(selAnalytic))
	e.click(selAnalytic)
	e.click(selSave)
	e.waitFor("the banner to be removed", jsAbsent(selRoot))
	e.gaOnlyLoaded(m, "after accepting analytics, in place,")
	if !e.markerSurvived() {
		t.Error("saving the choice reloaded the page: tags should be activated in place")
	}
	if st := e.consentState(); !st["analytics"] || st["advertising"] {
		t.Errorf("state after analytics only: %v", st)
	}

	// The gateway now serves the analytics tags live.
	m = e.mark()
	e.reload()
	e.waitFor("the settings control after the reload", jsVisible(selControl))
	e.gaOnlyLoaded(m, "after a reload,")
	if n := eval[int](e.tab, `document.querySelectorAll('script[type="text/plain"][data-consent-category="advertising"]').length`); n != 1 {
		t.Errorf("the Meta Pixel snippet should stay inert after the reload; %d inert advertising scripts", n)
	}
	e.noScriptErrors()
}

// TestTrackersGlobalPrivacyControl: with Sec-GPC: 1, "Accept all" loads
// the analytics tags but never the advertising ones, in place and after a
// reload. Once the signal is gone, the stored "Accept all" lets the Meta
// Pixel load, which shows the harness would have seen it.
func TestTrackersGlobalPrivacyControl(t *testing.T) {
	e := newTrackerEnv(t, "")
	call(e.tab, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Sec-GPC": "1"}})
	m := e.mark()
	e.navigate(e.gw.URL + "/")
	e.waitBanner()
	e.settle()
	e.sawOwnPage(m)
	e.noVendorRequests(m, "", "before consent, with GPC,")
	if !eval[bool](e.tab, `fetch('/_consent').then(r => r.json()).then(s => s.gpc === true)`) {
		t.Fatal("the gateway did not see the Sec-GPC header")
	}

	m = e.mark()
	e.click(selAccept)
	e.waitFor("the banner to be removed", jsAbsent(selRoot))
	e.gaOnlyLoaded(m, "after Accept all with GPC, in place,")
	if st := e.consentState(); !st["analytics"] || st["advertising"] {
		t.Errorf("GPC must deny advertising even after Accept all: %v", st)
	}

	m = e.mark()
	e.reload()
	e.waitFor("the settings control after the reload", jsVisible(selControl))
	e.gaOnlyLoaded(m, "after a reload with GPC,")

	// Without the signal the recorded "Accept all" applies in full.
	call(e.tab, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{}})
	m = e.mark()
	e.reload()
	e.waitFor("the settings control after the reload", jsVisible(selControl))
	e.waitFor("fbevents.js to run without GPC", `(window.cgTrackerRuns || []).includes('meta')`)
	e.waitServerHits(m, "the Meta requests without GPC",
		"connect.facebook.net/en_US/fbevents.js", "www.facebook.com/tr", "www.googletagmanager.com/gtag/js")
	if browser, _ := e.vendorRequests(m, "meta"); len(browser) == 0 {
		t.Error("the network events show no Meta request although the fake server got them")
	}
	for _, h := range e.trackers.hitsSince(m.server) {
		if h.GPC != "" {
			t.Errorf("Sec-GPC still sent after it was removed: %v", h)
		}
	}
	e.noScriptErrors()
}

// dataLayerJS returns window.dataLayer with every gtag() call's arguments
// object as an array.
const dataLayerJS = `(window.dataLayer || []).map(e => (e && typeof e === 'object' && !Array.isArray(e) && typeof e.length === 'number') ? Array.from(e) : e)`

// consentCommand returns the signals of a ['consent', kind, {…}] entry.
func consentCommand(entry any, kind string) (map[string]any, bool) {
	a, ok := entry.([]any)
	if !ok || len(a) < 3 || a[0] != "consent" || a[1] != kind {
		return nil, false
	}
	s, ok := a[2].(map[string]any)
	return s, ok
}

// gtagCommand reports whether entry is a gtag(name, …) call.
func gtagCommand(entry any, name string) bool {
	a, ok := entry.([]any)
	return ok && len(a) > 0 && a[0] == name
}

// TestConsentModeInBrowser: the Consent Mode default is the first entry of
// window.dataLayer, with analytics_storage denied before consent; accepting
// analytics pushes an update granting it before gtag.js is configured; a
// reload starts from a default that grants it.
func TestConsentModeInBrowser(t *testing.T) {
	e := newTrackerEnv(t, "\t\tconsent_mode\n")
	e.navigate(e.gw.URL + "/")
	e.waitBanner()
	dl := eval[[]any](e.tab, dataLayerJS)
	if len(dl) == 0 {
		t.Fatal("window.dataLayer is empty or missing before consent")
	}
	def, ok := consentCommand(dl[0], "default")
	if !ok || def["analytics_storage"] != "denied" || def["ad_storage"] != "denied" {
		t.Fatalf("the first dataLayer entry should be the consent default with analytics_storage and ad_storage denied; dataLayer %v", dl)
	}
	if len(dl) != 1 {
		t.Errorf("before consent the GA snippet must not run, so the default is the only entry; dataLayer %v", dl)
	}

	m := e.mark()
	e.click(selSummary)
	e.waitFor("the chooser to open", jsRendered(selAnalytic))
	e.click(selAnalytic)
	e.click(selSave)
	e.waitFor("the banner to be removed", jsAbsent(selRoot))
	e.waitFor("gtag.js to run", `(window.cgTrackerRuns || []).includes('ga')`)
	e.waitServerHits(m, "gtag.js", "www.googletagmanager.com/gtag/js")
	dl = eval[[]any](e.tab, dataLayerJS)
	if def, ok := consentCommand(dl[0], "default"); !ok || def["analytics_storage"] != "denied" {
		t.Errorf("the default entry should stay first and unchanged; dataLayer %v", dl)
	}
	update, config := -1, -1
	for i, entry := range dl {
		if s, ok := consentCommand(entry, "update"); ok && update < 0 {
			update = i
			if s["analytics_storage"] != "granted" || s["ad_storage"] != "denied" || s["ad_user_data"] != "denied" {
				t.Errorf("the update should grant analytics_storage and keep the advertising signals denied: %v", s)
			}
		}
		if gtagCommand(entry, "config") && config < 0 {
			config = i
		}
	}
	if update < 0 {
		t.Fatalf("accepting analytics pushed no consent update; dataLayer %v", dl)
	}
	if config < 0 || config < update {
		t.Errorf("the GA snippet's config should run after the update (entry %d), found at %d; dataLayer %v", update, config, dl)
	}

	e.reload()
	e.waitFor("the settings control after the reload", jsVisible(selControl))
	e.waitFor("gtag.js to run after the reload", `(window.cgTrackerRuns || []).includes('ga')`)
	dl = eval[[]any](e.tab, dataLayerJS)
	if def, ok := consentCommand(dl[0], "default"); !ok || def["analytics_storage"] != "granted" || def["ad_storage"] != "denied" {
		t.Errorf("after the reload the default should grant analytics_storage only; dataLayer %v", dl)
	}
	e.noScriptErrors()
}
