package integration

import (
	"encoding/json"
	"fmt"
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

// The invariants of issue 10 as a matrix, against the real binary:
//
//	banner {on, off} × settings control {on, off} × mode {enforce, report}
//	× visitor {no consent, partial, full, withdrawn, GPC}
//	× response {HTML page with tracker tags and Set-Cookie, JSON with
//	  Set-Cookie, same-origin pixel}
//
// Enforce: no refused cookie, tag or pixel reaches the client or the
// upstream, whatever the banner settings. Report: client and upstream see
// exactly what they see through the same site without the handler, and the
// report-mode enforcement event records the same decisions as enforce
// mode's. One Caddy serves every configuration: a request header selects
// the route (one `handle` per configuration, plus a bare reverse_proxy).

const (
	mxHashKey  = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg=="
	mxBlockKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
)

const mxPage = `<!DOCTYPE html><html><head><title>shop</title>` +
	`<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABC123"></script>` +
	`<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}gtag('js',new Date());gtag('config','G-ABC123');</script>` +
	`<script src="https://connect.facebook.net/en_US/fbevents.js"></script>` +
	`</head><body><h1>Shop</h1><img src="/img/logo.png" alt=""></body></html>`

var mxSetCookies = []string{
	"PHPSESSID=s1; Path=/; HttpOnly",
	"lang=en; Path=/",
	"_ga=GA1.1.1.1; Path=/; Max-Age=63072000",
	"_fbp=fb.1.1.1; Path=/",
}

// mxUpstream records, per path, the request headers it received.
type mxUpstream struct {
	*httptest.Server
	mu   sync.Mutex
	seen map[string]http.Header
}

func newMxUpstream(t *testing.T) *mxUpstream {
	u := &mxUpstream{seen: map[string]http.Header{}}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.seen[r.URL.Path] = r.Header.Clone()
		u.mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/pixel.gif"):
			w.Header().Set("Content-Type", "image/gif")
			_, _ = w.Write([]byte("GIF89a"))
		case strings.HasSuffix(r.URL.Path, "/api.json"):
			for _, c := range mxSetCookies {
				w.Header().Add("Set-Cookie", c)
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("ETag", `"j1"`)
			_, _ = io.WriteString(w, `{"ok":true}`)
		default:
			for _, c := range mxSetCookies {
				w.Header().Add("Set-Cookie", c)
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("ETag", `"p1"`)
			w.Header().Set("Content-Security-Policy", "script-src 'self' 'unsafe-inline' https://www.googletagmanager.com https://connect.facebook.net")
			_, _ = io.WriteString(w, mxPage)
		}
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *mxUpstream) received(path string) (http.Header, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	h, ok := u.seen[path]
	return h, ok
}

type mxConfig struct {
	banner, settings bool
	mode             string
}

func (c mxConfig) id() string {
	return fmt.Sprintf("%s-banner_%v-settings_%v", c.mode, c.banner, c.settings)
}

func (c mxConfig) route(up string) string {
	banner := "banner off"
	if c.banner {
		s := "on"
		if !c.settings {
			s = "off"
		}
		banner = "banner {\n\t\t\t\tsettings_control " + s + "\n\t\t\t}"
	}
	return fmt.Sprintf(`
	@%[1]s header X-Matrix %[1]s
	handle @%[1]s {
		consent {
			policy_version m1
			keys %[2]s %[3]s
			mode %[4]s
			%[5]s
			consent_mode
			block advertising */pixel.gif
		}
		reverse_proxy %[6]s
	}
`, c.id(), mxHashKey, mxBlockKey, c.mode, banner, up)
}

type mxVisitor struct {
	name    string
	choice  url.Values // nil: no consent cookie
	gpc     bool
	refused map[string]bool // categories whose cookies, tags and pixels must not pass
}

var mxVisitors = []mxVisitor{
	{"none", nil, false, map[string]bool{"functional": true, "analytics": true, "advertising": true}},
	{"partial", url.Values{"choice": {"custom"}, "category": {"analytics"}}, false, map[string]bool{"functional": true, "advertising": true}},
	{"full", url.Values{"choice": {"accept_all"}}, false, map[string]bool{}},
	{"withdrawn", url.Values{"choice": {"withdraw"}}, false, map[string]bool{"functional": true, "analytics": true, "advertising": true}},
	{"gpc", url.Values{"choice": {"accept_all"}}, true, map[string]bool{"advertising": true}},
}

var mxCookieCategory = map[string]string{"lang": "functional", "_ga": "analytics", "_fbp": "advertising", "PHPSESSID": "necessary"}

type mxResult struct {
	resp     *http.Response
	body     string
	upstream http.Header
	reached  bool
	path     string
}

func TestMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	u := newMxUpstream(t)
	up := strings.TrimPrefix(u.URL, "http://")
	var configs []mxConfig
	var routes strings.Builder
	for _, mode := range []string{"enforce", "report"} {
		for _, banner := range []bool{true, false} {
			for _, settings := range []bool{true, false} {
				c := mxConfig{banner, settings, mode}
				configs = append(configs, c)
				routes.WriteString(c.route(up))
			}
		}
	}
	g := testcaddy.Start(t, "http://{GATEWAY} {"+routes.String()+`
	handle {
		reverse_proxy `+up+`
	}
}
`)
	// Consent cookies, minted once (every route shares the keys).
	cookies := map[string]string{}
	for _, v := range mxVisitors {
		if v.choice != nil {
			c, resp, _ := post(t, g, v.choice, map[string]string{"X-Matrix": configs[0].id()})
			if c == "" {
				t.Fatalf("visitor %s: no consent cookie (status %d)", v.name, resp.StatusCode)
			}
			cookies[v.name] = c
		}
	}

	responses := []struct {
		kind, file string
		hdr        map[string]string
	}{
		{"page", "page.html", map[string]string{"Sec-Fetch-Dest": "document", "Accept": "text/html"}},
		{"json", "api.json", map[string]string{"Sec-Fetch-Dest": "empty", "Accept": "application/json"}},
		{"pixel", "pixel.gif", map[string]string{"Sec-Fetch-Dest": "image", "Accept": "image/*"}},
	}
	get := func(route, visitor, kind, file string, v mxVisitor, hdr map[string]string) mxResult {
		path := fmt.Sprintf("/%s/%s/%s/%s", route, visitor, kind, file)
		h := map[string]string{"Cookie": "PHPSESSID=s1; lang=en; _ga=GA1.1.1.1; _fbp=fb.1.1.1"}
		if route != "bare" {
			h["X-Matrix"] = route
		}
		if c := cookies[v.name]; c != "" {
			h["Cookie"] += "; " + c
		}
		if v.gpc {
			h["Sec-GPC"] = "1"
		}
		for k, val := range hdr {
			h[k] = val
		}
		resp, body := do(t, http.MethodGet, g.URL+path, h, "")
		seen, reached := u.received(path)
		return mxResult{resp, body, seen, reached, path}
	}

	results := map[string]mxResult{} // config|visitor|kind
	for _, v := range mxVisitors {
		for _, r := range responses {
			results["bare|"+v.name+"|"+r.kind] = get("bare", v.name, r.kind, r.file, v, r.hdr)
			for _, c := range configs {
				results[c.id()+"|"+v.name+"|"+r.kind] = get(c.id(), v.name, r.kind, r.file, v, r.hdr)
			}
		}
	}
	events := map[string]testcaddy.Entry{} // path -> enforcement event
	// Wait (briefly) for the last request's event; a missing event is
	// reported by the subtests that need it.
	last := results[configs[len(configs)-1].id()+"|none|page"].path
	for i := 0; i < 30 && events[last] == nil; i++ {
		if i > 0 {
			time.Sleep(100 * time.Millisecond)
		}
		for _, e := range g.Logs(t) {
			if e.Str("msg") == "enforcement" {
				events[e.Str("path")] = e
			}
		}
	}

	for _, c := range configs {
		for _, v := range mxVisitors {
			for _, r := range responses {
				key := c.id() + "|" + v.name + "|" + r.kind
				res := results[key]
				t.Run(key, func(t *testing.T) {
					if c.mode == "enforce" {
						mxCheckEnforced(t, c, v, r.kind, res)
						return
					}
					mxCheckIdentical(t, results["bare|"+v.name+"|"+r.kind], res)
					enf := mxConfig{c.banner, c.settings, "enforce"}
					mxCheckSameDecisions(t, v, events[results[enf.id()+"|"+v.name+"|"+r.kind].path], events[res.path])
				})
			}
		}
	}
}

// mxCheckEnforced: nothing refused reaches the client or the upstream.
func mxCheckEnforced(t *testing.T, c mxConfig, v mxVisitor, kind string, res mxResult) {
	t.Helper()
	for _, sc := range res.resp.Cookies() {
		if cat := mxCookieCategory[sc.Name]; v.refused[cat] && sc.MaxAge >= 0 {
			t.Errorf("refused %s cookie %s reached the client: %v", cat, sc.Name, res.resp.Header["Set-Cookie"])
		}
	}
	if res.reached {
		for _, pair := range strings.Split(res.upstream.Get("Cookie"), ";") {
			name, _, _ := strings.Cut(strings.TrimSpace(pair), "=")
			if v.refused[mxCookieCategory[name]] || name == "consent" {
				t.Errorf("cookie %s reached the upstream: %q", name, res.upstream.Get("Cookie"))
			}
		}
	}
	switch kind {
	case "page":
		if v.refused["analytics"] && strings.Contains(res.body, `<script async src="https://www.googletagmanager.com`) {
			t.Errorf("refused GA4 tag live in the page: %s", res.body)
		}
		if v.refused["advertising"] && strings.Contains(res.body, `<script src="https://connect.facebook.net`) {
			t.Errorf("refused Meta Pixel tag live in the page: %s", res.body)
		}
		if v.refused["advertising"] && strings.Contains(res.resp.Header.Get("Content-Security-Policy"), "connect.facebook.net") {
			t.Errorf("CSP still allows the refused vendor: %s", res.resp.Header.Get("Content-Security-Policy"))
		}
		if !strings.Contains(res.body, "gtag('consent','default'") {
			t.Errorf("no Consent Mode default (it must not depend on the banner)")
		}
		hasConsent := v.choice != nil
		wantBanner := c.banner && !hasConsent
		wantControl := c.banner && c.settings && hasConsent
		if got := strings.Contains(res.body, `id="cg-consent"`); got != wantBanner {
			t.Errorf("banner present %v, want %v", got, wantBanner)
		}
		if got := !wantBanner && strings.Contains(res.body, `id="cg-consent-settings"`); got != wantControl {
			t.Errorf("settings control present %v, want %v", got, wantControl)
		}
	case "json":
		if strings.Contains(res.body, "cg-consent") || res.body != `{"ok":true}` {
			t.Errorf("JSON body changed: %q", res.body)
		}
	case "pixel":
		if v.refused["advertising"] == res.reached {
			t.Errorf("pixel reached the upstream: %v, refused: %v", res.reached, v.refused["advertising"])
		}
	}
}

// mxCheckIdentical: report mode is invisible to the client and upstream.
func mxCheckIdentical(t *testing.T, bare, rep mxResult) {
	t.Helper()
	if rep.body != bare.body {
		t.Errorf("body differs from the bare proxy:\n got  %q\n want %q", rep.body, bare.body)
	}
	if rep.resp.StatusCode != bare.resp.StatusCode {
		t.Errorf("status %d, bare %d", rep.resp.StatusCode, bare.resp.StatusCode)
	}
	mxSameHeaders(t, "client", bare.resp.Header, rep.resp.Header, "Date")
	if rep.reached != bare.reached {
		t.Fatalf("upstream reached %v, bare %v", rep.reached, bare.reached)
	}
	mxSameHeaders(t, "upstream", bare.upstream, rep.upstream, "X-Matrix")
}

func mxSameHeaders(t *testing.T, who string, want, got http.Header, ignore ...string) {
	t.Helper()
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	for _, k := range ignore {
		delete(keys, k)
	}
	for k := range keys {
		if strings.Join(want[k], "\n") != strings.Join(got[k], "\n") {
			t.Errorf("%s header %s: got %q, bare proxy %q", who, k, got[k], want[k])
		}
	}
}

// mxCheckSameDecisions: the report-mode event records what enforce did
// (for a blocked pixel: blocked and the request cookies filtered, nothing
// about the upstream's answer, which enforce mode never asks for).
func mxCheckSameDecisions(t *testing.T, v mxVisitor, enf, rep testcaddy.Entry) {
	t.Helper()
	keys := []string{"stripped", "filtered", "expired", "neutralized", "blocked", "categories"}
	if len(v.refused) > 0 && (enf == nil || rep == nil) {
		t.Fatalf("a visitor who refused %v got no enforcement event: enforce %v, report %v", v.refused, enf, rep)
	}
	if (enf == nil) != (rep == nil) {
		t.Fatalf("enforcement events: enforce %v, report %v", enf, rep)
	}
	if rep == nil {
		return
	}
	if rep["would_only"] != true {
		t.Errorf("report event without would_only: %v", rep)
	}
	for _, k := range keys {
		a, _ := json.Marshal(enf[k])
		b, _ := json.Marshal(rep[k])
		if string(a) != string(b) {
			t.Errorf("%s: enforce %s, report %s", k, a, b)
		}
	}
}
