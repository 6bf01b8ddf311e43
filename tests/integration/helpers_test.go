package integration

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentgate/caddy-consent/internal/testcaddy"
)

// upstream is a real HTTP server standing for the site behind the gateway.
// It sets the cookies a typical site sets and remembers the Cookie headers
// it received.
type upstream struct {
	*httptest.Server
	mu      sync.Mutex
	cookies []string // Cookie header of each request, in order
	cookie2 []string // Cookie2 header of each request, in order
}

var siteCookies = []string{
	"PHPSESSID=s3ss10n; Path=/; HttpOnly",
	"lang=en; Path=/",
	"_ga=GA1.1.1.1; Path=/; Max-Age=63072000",
	"_gid=GA1.1.2.2; Path=/",
	"_fbp=fb.1.1.1; Path=/",
	"mystery_tracker=1; Path=/",
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.cookies = append(u.cookies, strings.Join(r.Header.Values("Cookie"), "; "))
		u.cookie2 = append(u.cookie2, strings.Join(r.Header.Values("Cookie2"), "; "))
		u.mu.Unlock()
		for _, c := range siteCookies {
			w.Header().Add("Set-Cookie", c)
		}
		switch r.URL.Path {
		case "/api":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ok":true}`)
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, "<!DOCTYPE html><html><head><title>t</title></head><body><p>hello</p></body></html>")
		}
	}))
	t.Cleanup(u.Close)
	return u
}

// lastCookie2 is the Cookie2 header of the last request ("" if none).
func (u *upstream) lastCookie2() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.cookie2) == 0 {
		return ""
	}
	return u.cookie2[len(u.cookie2)-1]
}

func (u *upstream) lastCookie() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.cookies) == 0 {
		return ""
	}
	return u.cookies[len(u.cookies)-1]
}

// gateway starts Caddy with consent (options inside the block) in front of u.
func gateway(t *testing.T, u *upstream, options string) *testcaddy.Server {
	return testcaddy.Start(t, `http://{GATEWAY} {
	consent {
		policy_version 2026-11-28
`+options+`
	}
	reverse_proxy `+strings.TrimPrefix(u.URL, "http://")+`
}
`)
}

// client never follows redirects and keeps no cookies: tests pass cookies
// explicitly so every assertion is about one response.
var client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// browserAccept is the Accept header of a browser navigation. do sends it
// unless the test gives its own Accept: the gateway inserts its banner and
// Consent Mode default only into documents a visitor navigates to (a
// request with Sec-Fetch-Dest document/iframe or, without Sec-Fetch-*, one
// accepting text/html), never into fetches of fragments.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

func do(t *testing.T, method, rawURL string, hdr map[string]string, body string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "identity")
	req.Header.Set("Accept", browserAccept)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// setCookieNames lists the names of the Set-Cookie lines that set a value
// (Max-Age>0 or none) and, separately, the names expired (Max-Age=0).
func setCookieNames(resp *http.Response) (set, expired []string) {
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 {
			expired = append(expired, c.Name)
		} else {
			set = append(set, c.Name)
		}
	}
	return
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// post records a choice like the banner form does and returns the consent
// cookie ("name=value") and the response.
func post(t *testing.T, g *testcaddy.Server, form url.Values, hdr map[string]string) (string, *http.Response, string) {
	t.Helper()
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": g.URL}
	for k, v := range hdr {
		h[k] = v
	}
	resp, body := do(t, http.MethodPost, g.URL+"/_consent", h, form.Encode())
	for _, c := range resp.Cookies() {
		if c.Name == "consent" && c.MaxAge > 0 {
			return c.Name + "=" + c.Value, resp, body
		}
	}
	return "", resp, body
}

// reload loads new site blocks into the running Caddy (like `caddy reload`).
// The old server closes its idle connections, so the test client drops its
// pooled ones rather than racing that close.
func reload(t *testing.T, g *testcaddy.Server, sites string) {
	t.Helper()
	g.Load(t, sites)
	client.CloseIdleConnections()
}

// eventually retries cond for a few seconds (for changes that take effect
// asynchronously, like a config reload) and fails the test if it never holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 50; i++ {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting until %s", what)
}

// decisions lists the entries of one field of every `enforcement` event
// (schema 2, docs/audit-log.md): "stripped", "filtered", "expired",
// "neutralized" (lists of objects) or "blocked" (one object). Each entry
// gets the event's path, mode and would_only copied in. It waits briefly
// for such an entry, since the event is written when the response ends.
func decisions(t *testing.T, g *testcaddy.Server, field string) []testcaddy.Entry {
	t.Helper()
	var out []testcaddy.Entry
	for i := 0; i < 20; i++ {
		out = out[:0]
		for _, e := range g.Logs(t) {
			if e.Str("msg") != "enforcement" {
				continue
			}
			var items []any
			switch v := e[field].(type) {
			case []any:
				items = v
			case map[string]any:
				items = []any{v}
			}
			for _, it := range items {
				m, ok := it.(map[string]any)
				if !ok {
					t.Fatalf("enforcement %s entry is not an object: %v", field, e)
				}
				d := testcaddy.Entry{"path": e["path"], "mode": e["mode"], "would_only": e["would_only"]}
				for k, v := range m {
					d[k] = v
				}
				out = append(out, d)
			}
		}
		if len(out) > 0 {
			return out
		}
		time.Sleep(25 * time.Millisecond)
	}
	return out
}
