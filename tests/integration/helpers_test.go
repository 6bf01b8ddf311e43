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
