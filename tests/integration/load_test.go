package integration

// Concurrent load against the real binary, bounded in count (32 clients ×
// 350 requests) and loopback only. Every client keeps one consent state
// for the whole run and every single response is checked against it; a
// config reload happens in the middle. Afterwards the gateway's goroutines
// and memory must come back.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consentgate/caddy-consent/internal/testcaddy"
)

const (
	ldClients   = 32
	ldPerClient = 350
)

// ldState is one visitor's fixed consent state.
type ldState struct {
	name       string
	choice     url.Values // how the consent is recorded (nil: never)
	tamper     bool       // the consent cookie is altered after recording
	gpc        bool       // Sec-GPC: 1 on every request
	repost     bool       // re-posts its choice during the run
	hasConsent bool
	granted    []string // categories granted, in configuration order
}

var ldStates = []ldState{
	{name: "none", granted: []string{"necessary"}},
	{name: "analytics", choice: url.Values{"choice": {"custom"}, "category": {"analytics"}}, repost: true, hasConsent: true,
		granted: []string{"necessary", "analytics"}},
	{name: "all", choice: url.Values{"choice": {"accept_all"}}, repost: true, hasConsent: true,
		granted: []string{"necessary", "functional", "analytics", "advertising"}},
	{name: "withdrawn", choice: url.Values{"choice": {"withdraw"}}, repost: true, hasConsent: true, granted: []string{"necessary"}},
	{name: "tampered", choice: url.Values{"choice": {"accept_all"}}, tamper: true, granted: []string{"necessary"}},
	{name: "gpc", choice: url.Values{"choice": {"accept_all"}}, gpc: true, hasConsent: true,
		granted: []string{"necessary", "functional", "analytics"}},
}

// ldCookieCategory is the category of each cookie the load upstream sets
// or the clients send ("" for the unclassified one nobody can consent to).
var ldCookieCategory = map[string]string{
	"PHPSESSID": "necessary", "lang": "functional", "_ga": "analytics", "_gid": "analytics", "_fbp": "advertising", "mystery_tracker": "",
}

// ldSent is what every client sends besides its consent cookie.
const ldSent = "PHPSESSID=s3ss; lang=de; _ga=GA1.1; _fbp=fb.1; mystery_tracker=1"

func (s ldState) allows(cat string) bool { return slices.Contains(s.granted, cat) }

// ldUpstream is the site: pages, an API and pixel endpoints, each setting
// one cookie per category and echoing the Cookie header it received.
// It remembers the request IDs of pixel requests it saw.
type ldUpstream struct {
	*httptest.Server
	mu     sync.Mutex
	pixels map[string]bool
}

func newLdUpstream(t *testing.T) *ldUpstream {
	u := &ldUpstream{pixels: map[string]bool{}}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, c := range siteCookies {
			w.Header().Add("Set-Cookie", c)
		}
		w.Header().Set("X-Seen-Cookie", strings.Join(r.Header.Values("Cookie"), "; "))
		w.Header().Set("X-Upstream", "1")
		switch {
		case strings.HasPrefix(r.URL.Path, "/px/"):
			u.mu.Lock()
			u.pixels[r.Header.Get("X-Req-ID")] = true
			u.mu.Unlock()
			w.Header().Set("Content-Type", "image/gif")
			_, _ = io.WriteString(w, "GIF89a-from-upstream")
		case r.URL.Path == "/api":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ok":true}`)
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, "<!DOCTYPE html><html><head><title>t</title></head><body><p>hello</p>"+strings.Repeat("<p>filler</p>", 200)+"</body></html>")
		}
	}))
	t.Cleanup(u.Close)
	return u
}

func ldSite(u *ldUpstream, extra string) string {
	return `http://{GATEWAY} {
	consent {
		policy_version 2026-11-28
		block analytics /px/ga
		block advertising /px/fb {
			response 204
		}
` + extra + `
	}
	reverse_proxy ` + strings.TrimPrefix(u.URL, "http://") + `
}`
}

// ldClient is one visitor.
type ldClient struct {
	id      int
	state   ldState
	consent string // "consent=…" or ""
}

func TestLoadEveryResponseMatchesItsConsent(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	u := newLdUpstream(t)
	g := testcaddy.Start(t, ldSite(u, ""))
	tr := &http.Transport{MaxIdleConnsPerHost: ldClients, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// Record each client's consent through the real endpoint.
	clients := make([]*ldClient, ldClients)
	for i := range clients {
		c := &ldClient{id: i, state: ldStates[i%len(ldStates)]}
		if c.state.choice != nil {
			if c.state.name == "withdrawn" {
				// Withdrawal follows an earlier grant.
				first, _, _ := post(t, g, url.Values{"choice": {"accept_all"}}, nil)
				c.consent, _, _ = post(t, g, c.state.choice, map[string]string{"Cookie": first})
			} else {
				c.consent, _, _ = post(t, g, c.state.choice, nil)
			}
			if c.consent == "" {
				t.Fatalf("client %d (%s): no consent cookie recorded", i, c.state.name)
			}
			if c.state.tamper {
				b := []byte(c.consent)
				k := len(b) - 10
				b[k] ^= 0x01
				if b[k] == '.' || b[k] == '=' || b[k] == ';' {
					b[k] = 'A'
				}
				c.consent = string(b)
			}
		}
		clients[i] = c
	}

	// Warm up, then take the baselines.
	for _, c := range clients {
		for _, path := range []string{"/page", "/api"} {
			if err := ldCheck(hc, g, u, c, path, fmt.Sprintf("warm-%d-%s", c.id, path)); err != nil {
				t.Fatalf("warm-up: %v", err)
			}
		}
	}
	client.CloseIdleConnections()
	tr.CloseIdleConnections()
	u.CloseClientConnections() // Caddy's pooled upstream connections are not leaks
	pid := ftPID(t, g)
	time.Sleep(200 * time.Millisecond)
	baseG, _ := ftGoroutines(t, g)
	baseRSS := ftRSS(t, pid)
	runningBefore := len(ftEvents(t, g, "server running"))

	// The load, with a reload once 40% of it is done.
	var done, failed atomic.Int64
	var errMu sync.Mutex
	var errs []string
	report := func(err error) {
		failed.Add(1)
		errMu.Lock()
		if len(errs) < 20 {
			errs = append(errs, err.Error())
		}
		errMu.Unlock()
	}
	reloaded := make(chan struct{})
	var reloadOnce sync.Once
	var wg sync.WaitGroup
	total := int64(ldClients * ldPerClient)
	pattern := []string{"/page", "/api", "/page", "/px/ga", "/api", "/page", "state", "/api", "/page", "choice",
		"/px/fb", "/page", "/api", "/page", "/px/ga", "/api", "state", "/page", "/api", "choice"}
	start := time.Now()
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < ldPerClient; i++ {
				kind := pattern[(i+c.id)%len(pattern)]
				id := fmt.Sprintf("%d-%d", c.id, i)
				var err error
				switch {
				case kind == "state":
					err = ldCheckState(hc, g, c)
				case kind == "choice" && c.state.repost:
					err = ldRepost(hc, g, c)
				case kind == "choice":
					err = ldCheckState(hc, g, c)
				default:
					err = ldCheck(hc, g, u, c, kind, id)
				}
				if err != nil {
					report(fmt.Errorf("client %d (%s) request %d %s: %w", c.id, c.state.name, i, kind, err))
				}
				if n := done.Add(1); n == total*4/10 {
					reloadOnce.Do(func() {
						go func() {
							defer close(reloaded)
							// Same consent configuration; log_ip_bits spells
							// out the defaults so that Caddy really reloads
							// (an identical config is a no-op).
							g.Load(t, ldSite(u, "\t\tlog_ip_bits 24 48"))
						}()
					})
				}
			}
		}()
	}
	wg.Wait()
	<-reloaded
	elapsed := time.Since(start)
	t.Logf("%d requests from %d clients in %s (%.0f/s), %d failed", done.Load(), ldClients, elapsed.Round(time.Millisecond),
		float64(done.Load())/elapsed.Seconds(), failed.Load())
	if failed.Load() > 0 {
		t.Errorf("%d of %d responses broke the promise or failed; first ones:\n%s", failed.Load(), done.Load(), strings.Join(errs, "\n"))
	}
	if n := len(ftEvents(t, g, "server running")); n <= runningBefore {
		t.Errorf("the mid-load reload did not happen (server running events %d → %d)", runningBefore, n)
	}

	// Invalid consent cookies were only ever the tampered ones.
	for _, e := range ftEvents(t, g, "consent_cookie_invalid") {
		if r := e.Str("reason"); r != "tampered" && r != "malformed" {
			t.Errorf("a consent cookie was rejected for %q during the load: %v", r, e)
		}
	}
	t.Logf("checked the log (%s)", time.Since(start).Round(time.Millisecond))
	ftNoPanic(t, g)

	// Back to baseline: goroutines within slack, RSS within a margin.
	client.CloseIdleConnections()
	u.CloseClientConnections()
	ftSettled(t, g, baseG, 12, hc)
	time.Sleep(200 * time.Millisecond)
	if rss := ftRSS(t, pid); rss-baseRSS > 64<<20 {
		t.Errorf("gateway RSS %d MB after the load, baseline %d MB", rss>>20, baseRSS>>20)
	} else {
		t.Logf("RSS baseline %d MB, after %d MB (%s)", baseRSS>>20, rss>>20, time.Since(start).Round(time.Millisecond))
	}
}

// ldDo sends one request as client c.
func ldDo(hc *http.Client, method, rawURL string, c *ldClient, body string, hdr map[string]string) (*http.Response, string, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		return nil, "", err
	}
	cookie := ldSent
	if c.consent != "" {
		cookie = c.consent + "; " + ldSent
	}
	req.Header.Set("Cookie", cookie)
	if c.state.gpc {
		req.Header.Set("Sec-GPC", "1")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, "", fmt.Errorf("reading the body: %w", err)
	}
	return resp, string(b), nil
}

// ldCookies splits Set-Cookie lines into names set and names expired.
func ldCookies(resp *http.Response) (set, expired []string) {
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 {
			expired = append(expired, c.Name)
		} else {
			set = append(set, c.Name)
		}
	}
	slices.Sort(set)
	slices.Sort(expired)
	return set, expired
}

// ldExpect lists, for a response from the site, the cookie names that may
// be set, the names that must be expired, and the names the site receives.
func ldExpect(c *ldClient) (set, expired, seen []string) {
	for _, sc := range siteCookies {
		name, _, _ := strings.Cut(sc, "=")
		if cat := ldCookieCategory[name]; cat != "" && c.state.allows(cat) {
			set = append(set, name)
		}
	}
	// The consent cookie itself is never forwarded: the site receives
	// only the cookies the visitor's consent allows.
	for _, p := range strings.Split(ldSent, "; ") {
		name, _, _ := strings.Cut(p, "=")
		cat := ldCookieCategory[name]
		switch {
		case cat != "" && c.state.allows(cat):
			seen = append(seen, name)
		case cat != "":
			expired = append(expired, name)
		}
	}
	slices.Sort(set)
	slices.Sort(expired)
	return set, expired, seen
}

// ldCheck requests a page, the API or a pixel and checks the response.
func ldCheck(hc *http.Client, g *testcaddy.Server, u *ldUpstream, c *ldClient, path, id string) error {
	hdr := map[string]string{"X-Req-ID": id}
	switch path {
	case "/page":
		hdr["Accept"] = "text/html"
		hdr["Sec-Fetch-Dest"] = "document"
	case "/px/ga":
		hdr["Sec-Fetch-Dest"] = "image" // an <img> pixel: blocked with a GIF
	}
	resp, body, err := ldDo(hc, http.MethodGet, g.URL+path, c, "", hdr)
	if err != nil {
		return err
	}
	set, expired := ldCookies(resp)

	// Pixels of a category the visitor has not allowed are answered by the
	// gateway itself: nothing reaches the site, no cookie is set.
	if strings.HasPrefix(path, "/px/") {
		cat := map[string]string{"/px/ga": "analytics", "/px/fb": "advertising"}[path]
		if !c.state.allows(cat) {
			u.mu.Lock()
			reached := u.pixels[id]
			u.mu.Unlock()
			switch {
			case reached || resp.Header.Get("X-Upstream") != "":
				return fmt.Errorf("a refused %s pixel reached the site", cat)
			case len(resp.Header["Set-Cookie"]) != 0:
				return fmt.Errorf("a blocked pixel set cookies: %v", resp.Header["Set-Cookie"])
			case path == "/px/ga" && (resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/gif"):
				return fmt.Errorf("blocked pixel: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			case path == "/px/fb" && resp.StatusCode != 204:
				return fmt.Errorf("blocked pixel: %d, want 204", resp.StatusCode)
			}
			return nil
		}
		if resp.Header.Get("X-Upstream") == "" || body != "GIF89a-from-upstream" {
			return fmt.Errorf("an allowed %s pixel did not reach the site: %d %q", cat, resp.StatusCode, body)
		}
	}

	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	wantSet, wantExpired, wantSeen := ldExpect(c)
	if !slices.Equal(set, wantSet) {
		return fmt.Errorf("cookies set %v, want exactly %v", set, wantSet)
	}
	if !slices.Equal(expired, wantExpired) {
		return fmt.Errorf("cookies expired %v, want exactly %v", expired, wantExpired)
	}
	var seen []string
	for _, p := range strings.Split(resp.Header.Get("X-Seen-Cookie"), "; ") {
		if name, _, ok := strings.Cut(p, "="); ok {
			seen = append(seen, name)
		}
	}
	if !slices.Equal(seen, wantSeen) {
		return fmt.Errorf("the site received cookies %v, want exactly %v", seen, wantSeen)
	}
	if path == "/page" {
		banners := strings.Count(body, `id="cg-consent"`)
		controls := strings.Count(body, `id="cg-consent-settings"`)
		if c.state.hasConsent && (banners != 0 || controls != 1) {
			return fmt.Errorf("with consent: %d banners and %d settings controls, want 0 and 1", banners, controls)
		}
		if !c.state.hasConsent && banners != 1 {
			return fmt.Errorf("without consent: %d banners, want 1", banners)
		}
		if !strings.HasSuffix(body, "<p>filler</p></body></html>") {
			return fmt.Errorf("the page was corrupted: %q", body[max(0, len(body)-60):])
		}
	}
	return nil
}

// ldCheckState checks GET /_consent against the client's state.
func ldCheckState(hc *http.Client, g *testcaddy.Server, c *ldClient) error {
	resp, body, err := ldDo(hc, http.MethodGet, g.URL+"/_consent", c, "", nil)
	if err != nil {
		return err
	}
	var st struct {
		HasConsent bool `json:"has_consent"`
		Categories []struct {
			Name    string `json:"name"`
			Granted bool   `json:"granted"`
		} `json:"categories"`
	}
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &st) != nil {
		return fmt.Errorf("state: %d %q", resp.StatusCode, body)
	}
	var granted []string
	for _, cat := range st.Categories {
		if cat.Granted {
			granted = append(granted, cat.Name)
		}
	}
	if st.HasConsent != c.state.hasConsent || !slices.Equal(granted, c.state.granted) {
		return fmt.Errorf("state: has_consent %v granted %v, want %v %v", st.HasConsent, granted, c.state.hasConsent, c.state.granted)
	}
	if len(resp.Header["Set-Cookie"]) != 0 {
		return fmt.Errorf("reading the state set cookies: %v", resp.Header["Set-Cookie"])
	}
	return nil
}

// ldRepost records the client's choice again (as a visitor re-saving the
// preference page) and switches to the new consent cookie.
func ldRepost(hc *http.Client, g *testcaddy.Server, c *ldClient) error {
	resp, _, err := ldDo(hc, http.MethodPost, g.URL+"/_consent", c, c.state.choice.Encode(), map[string]string{
		"Content-Type": "application/x-www-form-urlencoded",
		"Origin":       g.URL,
		// Lets the transport replay the POST if the reload closes the
		// keep-alive connection it was about to use.
		"Idempotency-Key": fmt.Sprintf("%d-%d", c.id, time.Now().UnixNano()),
	})
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		return fmt.Errorf("re-post: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var fresh string
	set, expired := ldCookies(resp)
	for _, ck := range resp.Cookies() {
		if ck.Name == "consent" && ck.MaxAge > 0 {
			fresh = ck.Name + "=" + ck.Value
		}
	}
	if fresh == "" || !slices.Equal(set, []string{"consent"}) {
		return fmt.Errorf("re-post set %v, want only a fresh consent cookie", set)
	}
	_, wantExpired, _ := ldExpect(c)
	if !slices.Equal(expired, wantExpired) {
		return fmt.Errorf("re-post expired %v, want %v", expired, wantExpired)
	}
	c.consent = fresh
	return nil
}
