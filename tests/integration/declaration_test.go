package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/caddy-consent/internal/testcaddy"
)

// declSite is a shop that sets a custom-named session cookie (which the
// operator classified during the rollout), _ga and a language cookie, and
// whose pages carry GA4 and a script from a host no preset knows.
func declSite(t *testing.T) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "myapp_sess=s1; Path=/; HttpOnly; SameSite=Lax")
		w.Header().Add("Set-Cookie", "_ga=GA1.1.1.1; Path=/; Max-Age=63072000")
		w.Header().Add("Set-Cookie", "lang=de; Path=/")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!DOCTYPE html><html><head><title>shop</title>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-TEST1"></script>
<script src="https://cdn.unlisted-metrics.example/m.js"></script>
</head><body><p>shop</p></body></html>`)
	}))
	t.Cleanup(s.Close)
	return s
}

// caddyProc is a Caddy process whose storage directory outlives it, so a
// second process can be started on the same storage (a restart).
type caddyProc struct {
	*testcaddy.Server
	cmd *exec.Cmd
	out *testcaddy.SyncBuffer
}

func startIn(t *testing.T, dir, addr, site string) *caddyProc {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: skipped with -short")
	}
	s := &testcaddy.Server{Addr: addr, AdminAddr: fmt.Sprintf("127.0.0.1:%d", testcaddy.FreePort(t)), Dir: dir,
		LogPath: filepath.Join(dir, fmt.Sprintf("caddy-%d.log", time.Now().UnixNano()))}
	s.URL = "http://" + addr
	cfg := fmt.Sprintf("{\n\tadmin %s\n\tauto_https off\n\tpersist_config off\n\tgrace_period 2s\n\tstorage file_system %s\n\tlog default {\n\t\toutput file %s\n\t\tformat json\n\t\tlevel DEBUG\n\t}\n}\n\n%s",
		s.AdminAddr, filepath.Join(dir, "storage"), s.LogPath, strings.ReplaceAll(site, "{GATEWAY}", addr))
	path := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &caddyProc{Server: s, out: new(testcaddy.SyncBuffer)}
	p.cmd = exec.Command(testcaddy.Binary(t), "run", "--config", path, "--adapter", "caddyfile")
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+filepath.Join(dir, "data"), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.stop)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("caddy did not start:\n%s", p.out.String())
		}
	}
}

// stop interrupts Caddy (a graceful shutdown runs Cleanup) and waits.
func (p *caddyProc) stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

func declGet(t *testing.T, u string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

type declJSON struct {
	Categories []struct {
		Name    string `json:"name"`
		Label   string `json:"label"`
		Cookies []struct {
			Name      string `json:"name"`
			Retention string `json:"retention"`
			Vendor    string `json:"vendor"`
			Purpose   string `json:"purpose"`
			HttpOnly  bool   `json:"http_only"`
		} `json:"cookies"`
		Trackers []struct {
			Vendor string   `json:"vendor"`
			Hosts  []string `json:"hosts"`
		} `json:"trackers_held_back"`
	} `json:"categories"`
}

// listed returns "category/name (retention)" for every cookie, and
// "category/tracker:host" for every held-back host.
func (d declJSON) listed() map[string]bool {
	out := map[string]bool{}
	for _, c := range d.Categories {
		for _, k := range c.Cookies {
			out[c.Name+"/"+k.Name+" ("+k.Retention+")"] = true
			out[c.Name+"/"+k.Name] = true
		}
		for _, tr := range c.Trackers {
			for _, h := range tr.Hosts {
				out[c.Name+"/tracker:"+h] = true
			}
		}
	}
	return out
}

func readDeclaration(t *testing.T, base string) declJSON {
	t.Helper()
	resp, body := declGet(t, base+"/_consent/cookies", map[string]string{"Accept": "application/json"})
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("declaration JSON: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var d declJSON
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("declaration JSON: %v\n%s", err, body)
	}
	return d
}

const declAccept = "text/html,application/xhtml+xml,*/*;q=0.8"

// The declaration lists what the site was seen to set, under the
// category the engine decided, with retention; not the built-in
// patterns; the banner lists those names; the list survives a restart;
// an unknown third-party script host is logged once.
func TestDeclarationObservedCookies(t *testing.T) {
	up := declSite(t)
	site := `http://{GATEWAY} {
	consent {
		policy_version 2026-11-28
		category necessary {
			cookies myapp_sess
		}
	}
	reverse_proxy ` + strings.TrimPrefix(up.URL, "http://") + `
}
`
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", testcaddy.FreePort(t))
	a := startIn(t, dir, addr, site)

	// A visitor without consent, three page loads: only myapp_sess
	// reaches the browser.
	for i := 0; i < 3; i++ {
		resp, _ := declGet(t, a.URL+"/", map[string]string{"Accept": declAccept})
		got := strings.Join(resp.Header.Values("Set-Cookie"), "\n")
		if !strings.Contains(got, "myapp_sess=") || strings.Contains(got, "_ga=") {
			t.Fatalf("without consent: %q", got)
		}
	}
	d := readDeclaration(t, a.URL).listed()
	if !d["necessary/myapp_sess (session)"] || d["analytics/_ga"] {
		t.Errorf("before consent the declaration lists what reached browsers only: %v", d)
	}
	if !d["analytics/tracker:www.googletagmanager.com"] {
		t.Errorf("GA4 held back must be listed under analytics: %v", d)
	}

	// The visitor accepts: every cookie reaches the browser.
	form := url.Values{"choice": {"accept_all"}, "return": {"/"}}
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/_consent", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", a.URL)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var consent string
	for _, c := range resp.Cookies() {
		if c.Name == "consent" {
			consent = c.Name + "=" + c.Value
		}
	}
	if consent == "" {
		t.Fatalf("no consent cookie: %v", resp.Header)
	}
	resp, _ = declGet(t, a.URL+"/", map[string]string{"Accept": declAccept, "Cookie": consent})
	if got := strings.Join(resp.Header.Values("Set-Cookie"), "\n"); !strings.Contains(got, "_ga=") {
		t.Fatalf("with consent _ga must pass: %q", got)
	}

	d = readDeclaration(t, a.URL).listed()
	for _, want := range []string{"necessary/myapp_sess (session)", "necessary/consent", "analytics/_ga (2 years)", "functional/lang (session)"} {
		if !d[want] {
			t.Errorf("declaration lacks %q: %v", want, d)
		}
	}
	for _, never := range []string{"PHPSESSID", "_gid", "_fbp", "JSESSIONID"} {
		for k := range d {
			if strings.Contains(k, never) {
				t.Errorf("declaration lists %q, which the site never set", k)
			}
		}
	}

	// HTML, negotiated, not sniffable, cacheable per Accept and language.
	resp, html := declGet(t, a.URL+"/_consent/cookies", map[string]string{"Accept": declAccept})
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Vary") != "Accept, Accept-Language" {
		t.Errorf("declaration HTML headers: %d %v", resp.StatusCode, resp.Header)
	}
	for _, want := range []string{"myapp_sess", "_ga", "lang", "2 years", "www.googletagmanager.com"} {
		if !strings.Contains(html, want) {
			t.Errorf("declaration HTML lacks %q", want)
		}
	}
	if strings.Contains(html, "PHPSESSID") {
		t.Errorf("declaration HTML lists a built-in pattern the site never set")
	}
	if _, de := declGet(t, a.URL+"/_consent/cookies", map[string]string{"Accept": declAccept, "Accept-Language": "de"}); !strings.Contains(de, "2 Jahre") {
		t.Errorf("German declaration must say the retention in German")
	}

	// Restart on the same storage: the list survives, and the banner
	// lists the observed names with their retention.
	a.stop()
	b := startIn(t, dir, addr, site)
	d = readDeclaration(t, b.URL).listed()
	for _, want := range []string{"necessary/myapp_sess (session)", "analytics/_ga (2 years)", "functional/lang (session)"} {
		if !d[want] {
			t.Errorf("after a restart the declaration lacks %q: %v", want, d)
		}
	}
	_, page := declGet(t, b.URL+"/", map[string]string{"Accept": declAccept})
	for _, want := range []string{"_ga (2 years)", "myapp_sess (session)", "lang (session)"} {
		if !strings.Contains(page, want) {
			t.Errorf("banner must list observed %q", want)
		}
	}
	if strings.Contains(page, "PHPSESSID") || strings.Contains(page, "_ga*") {
		t.Errorf("banner lists patterns instead of observed names")
	}
}

// With the banner off the declaration is JSON only.
func TestDeclarationBannerOffJSONOnly(t *testing.T) {
	up := declSite(t)
	s := testcaddy.Start(t, `http://{GATEWAY} {
	consent {
		banner off
	}
	reverse_proxy `+strings.TrimPrefix(up.URL, "http://")+`
}
`)
	declGet(t, s.URL+"/", map[string]string{"Accept": declAccept})
	resp, body := declGet(t, s.URL+"/_consent/cookies", map[string]string{"Accept": declAccept})
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, `"name":"necessary"`) {
		t.Errorf("banner off: want JSON, got %s %q", resp.Header.Get("Content-Type"), body)
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/_consent/cookies", nil)
	r2, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /cookies: %d", r2.StatusCode)
	}
}

// A script from a third-party host no preset knows is logged once
// (tracker_unclassified), however many pages carry it.
func TestDeclarationUnknownTrackerLoggedOnce(t *testing.T) {
	up := declSite(t)
	s := testcaddy.Start(t, `http://{GATEWAY} {
	consent
	reverse_proxy `+strings.TrimPrefix(up.URL, "http://")+`
}
`)
	// An unknown third-party script host is logged once across page loads.
	for i := 0; i < 4; i++ {
		declGet(t, s.URL+"/", map[string]string{"Accept": declAccept})
	}
	ev := s.Events(t, "tracker_unclassified")
	n := 0
	for _, e := range ev {
		if e.Str("tracker_host") == "cdn.unlisted-metrics.example" {
			n++
			if e.Str("tag") != "script" || e.Str("path") != "/" {
				t.Errorf("tracker_unclassified fields: %v", e)
			}
		}
	}
	if n != 1 {
		t.Errorf("tracker_unclassified for the unknown host: %d events, want exactly 1: %v", n, ev)
	}
	for _, e := range ev {
		if strings.Contains(e.Str("tracker_host"), "googletagmanager") || strings.Contains(e.Str("tracker_host"), "127.0.0.1") {
			t.Errorf("a known or first-party host is not unclassified: %v", e)
		}
	}

}
