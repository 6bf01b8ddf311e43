package integration

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/consentgate/caddy-consent/internal/testcaddy"
)

// Every response the site sends passes the gateway (issue 13), whatever
// the Caddyfile orders around `consent`: handlers Caddy runs before it by
// default (header, redir, basic_auth, forward_auth), error routes
// (handle_errors, on 500, 502 and a proxied error page), and the handlers
// that answer themselves (respond, error, file_server, reverse_proxy with
// handle_response). The visitor has not consented: _ga and _fbp must never
// reach them, the session cookie must, forward_auth must not see tracker
// cookies, and HTML documents (error pages too) get the banner.

const routesHTML = "<!DOCTYPE html><html><head><title>t</title></head><body><p>%s</p></body></html>"

// recorder is an upstream that records the Cookie header it received and
// answers with fn.
type recorder struct {
	*httptest.Server
	mu      sync.Mutex
	cookies []string
}

func newRecorder(t *testing.T, fn http.HandlerFunc) *recorder {
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.cookies = append(rec.cookies, r.Header.Get("Cookie"))
		rec.mu.Unlock()
		fn(w, r)
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (rec *recorder) seen() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.cookies...)
}

func hostOf(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }

// trackerSetCookie is what misbehaving parts of the site send.
func trackerSetCookie(w http.ResponseWriter) {
	w.Header().Add("Set-Cookie", "_ga=GA1.1.from.upstream; Path=/")
	w.Header().Add("Set-Cookie", "_fbp=fb.1.from.upstream; Path=/")
	w.Header().Add("Set-Cookie", "PHPSESSID=s3ss10n; Path=/; HttpOnly")
}

type routesSite struct {
	g                            *testcaddy.Server
	plain                        string // a second site without handle_errors
	auth, app, errPages, failing *recorder
}

func startRoutesSite(t *testing.T) *routesSite {
	s := &routesSite{}
	s.auth = newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("X-Forwarded-Uri"), "deny") {
			trackerSetCookie(w)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, routesHTML, "login required")
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	s.app = newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		trackerSetCookie(w)
		switch {
		case strings.HasPrefix(r.URL.Path, "/hr/"):
			w.WriteHeader(http.StatusInternalServerError) // handled by handle_response
		case r.URL.Path == "/api":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true,"pad":"`+strings.Repeat("x", 2048)+`"}`)
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, routesHTML, "app "+r.URL.Path)
		}
	})
	s.errPages = newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		trackerSetCookie(w)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, routesHTML, "proxied error page")
	})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(fmt.Sprintf(routesHTML, "static file")), 0o644); err != nil {
		t.Fatal(err)
	}
	dead := fmt.Sprintf("127.0.0.1:%d", testcaddy.FreePort(t))
	plain := fmt.Sprintf("127.0.0.1:%d", testcaddy.FreePort(t))
	s.plain = "http://" + plain
	// The order in the file is deliberately unhelpful: consent last but
	// one, a handle_errors above it, a site-wide header Set-Cookie first.
	s.g = testcaddy.Start(t, `http://{GATEWAY} {
	header Set-Cookie "_ga=GA1.1.site.wide; Path=/"
	handle_errors {
		header Set-Cookie "_ga=GA1.1.error.route; Path=/"
		reverse_proxy `+hostOf(s.errPages.Server)+`
	}
	redir /old /new 302
	basic_auth /admin/* {
		bob $2a$14$Zkx19XLiW6VYouLHR5NmfOFU0z2GTNmpkT/5qqR7hx4IjWJPDhjvG
	}
	forward_auth /fa/* `+hostOf(s.auth.Server)+` {
		uri /check
	}
	encode zstd gzip
	header /respond Content-Type "text/html; charset=utf-8"
	respond /respond "<!DOCTYPE html><html><body><p>responded</p></body></html>" 200
	error /boom "boom" 500
	handle /files/* {
		root * `+dir+`
		uri strip_prefix /files
		file_server
	}
	handle /dead/* {
		reverse_proxy `+dead+`
	}
	handle /hr/* {
		reverse_proxy `+hostOf(s.app.Server)+` {
			@err status 500
			handle_response @err {
				header Set-Cookie "_fbp=fb.1.handle.response; Path=/"
				header Content-Type "text/html; charset=utf-8"
				respond "<!DOCTYPE html><html><body><p>handled</p></body></html>" 503
			}
		}
	}
	consent {
		policy_version 2026-11-28
	}
	handle_errors 502 {
		header Set-Cookie "_ga=GA1.1.bad.gateway; Path=/"
		header Content-Type "text/html; charset=utf-8"
		respond "<!DOCTYPE html><html><body><p>bad gateway page</p></body></html>" 502
	}
	reverse_proxy `+hostOf(s.app.Server)+`
}

http://`+plain+` {
	header Set-Cookie "_ga=GA1.1.site.wide; Path=/"
	basic_auth /admin/* {
		bob $2a$14$Zkx19XLiW6VYouLHR5NmfOFU0z2GTNmpkT/5qqR7hx4IjWJPDhjvG
	}
	redir /old /new 302
	error /boom "boom" 500
	consent {
		policy_version 2026-11-28
	}
	reverse_proxy `+hostOf(s.app.Server)+`
}
`)
	return s
}

// document is what a browser navigation sends, with a tracker cookie the
// visitor never consented to.
var document = map[string]string{
	"Sec-Fetch-Dest": "document",
	"Sec-Fetch-Mode": "navigate",
	"Accept":         "text/html,application/xhtml+xml",
	"Cookie":         "_ga=GA1.1.old.visitor; PHPSESSID=s3ss10n",
}

func TestRoutesNoResponseBypassesTheGateway(t *testing.T) {
	s := startRoutesSite(t)
	for _, tc := range []struct {
		name, path string
		status     int
		banner     bool   // an HTML document: the banner is inserted
		bodyHas    string // proves which handler answered
	}{
		{"reverse_proxy", "/page", 200, true, "app /page"},
		{"redir", "/old", 302, false, ""},
		{"basic_auth 401 to proxied error page", "/admin/x", 500, true, "proxied error page"},
		{"forward_auth 401", "/fa/deny", 401, true, "login required"},
		{"forward_auth allowed", "/fa/ok", 200, true, "app /fa/ok"},
		{"respond", "/respond", 200, true, "responded"},
		{"error 500 to proxied error page", "/boom", 500, true, "proxied error page"},
		{"502 to handle_errors 502", "/dead/x", 502, true, "bad gateway page"},
		{"file_server", "/files/index.html", 200, true, "static file"},
		{"file_server 404 to proxied error page", "/files/missing.html", 500, true, "proxied error page"},
		{"reverse_proxy handle_response", "/hr/x", 503, true, "handled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, http.MethodGet, s.g.URL+tc.path, document, "")
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if !strings.Contains(body, tc.bodyHas) {
				t.Errorf("body is not from the expected handler (want %q): %.300s", tc.bodyHas, body)
			}
			set, _ := setCookieNames(resp)
			for _, name := range []string{"_ga", "_fbp"} {
				if has(set, name) {
					t.Errorf("%s reached a visitor without consent: %q", name, resp.Header.Values("Set-Cookie"))
				}
			}
			if tc.bodyHas != "" && strings.Contains(tc.bodyHas, "app") && !has(set, "PHPSESSID") {
				t.Errorf("the session cookie did not pass: %q", resp.Header.Values("Set-Cookie"))
			}
			if got := strings.Count(body, `id="cg-consent"`); tc.banner && got != 1 {
				t.Errorf("%d banners in an HTML document, want 1: %.400s", got, body)
			}
		})
	}
	// Without handle_errors Caddy answers errors itself with the bare
	// status and the headers handlers left: no tracker cookie either.
	for _, tc := range []struct {
		path   string
		status int
	}{{"/admin/x", 401}, {"/boom", 500}, {"/old", 302}, {"/page", 200}} {
		resp, _ := do(t, http.MethodGet, s.plain+tc.path, document, "")
		set, _ := setCookieNames(resp)
		if resp.StatusCode != tc.status || has(set, "_ga") || has(set, "_fbp") {
			t.Errorf("site without handle_errors, %s: status %d (want %d), Set-Cookie %q", tc.path, resp.StatusCode, tc.status, resp.Header.Values("Set-Cookie"))
		}
	}
	// Every service behind the site, the authentication service and the
	// error pages included, saw the request after the gateway filtered it.
	for name, rec := range map[string]*recorder{"forward_auth": s.auth, "app": s.app, "error pages": s.errPages} {
		seen := rec.seen()
		if len(seen) == 0 {
			t.Errorf("%s was never asked (the test did not reach it)", name)
		}
		for _, c := range seen {
			if strings.Contains(c, "_ga") {
				t.Errorf("%s received the visitor's tracker cookie: %q", name, c)
			}
			if !strings.Contains(c, "PHPSESSID=s3ss10n") {
				t.Errorf("%s did not receive the session cookie: %q", name, c)
			}
		}
	}
}

// Rewritten pages stay compressed now that `encode` runs inside the
// gateway (the gateway compresses them itself); other responses are still
// compressed by `encode`. Needs compress.go wired into the response
// writer.
func TestRoutesRewrittenPagesStayCompressed(t *testing.T) {
	s := startRoutesSite(t)
	for _, enc := range []string{"gzip", "zstd"} {
		t.Run(enc, func(t *testing.T) {
			hdr := map[string]string{"Accept-Encoding": enc}
			for k, v := range document {
				hdr[k] = v
			}
			resp, raw := do(t, http.MethodGet, s.g.URL+"/page", hdr, "")
			if got := resp.Header.Get("Content-Encoding"); got != enc {
				t.Fatalf("a rewritten page for a client accepting %s came as Content-Encoding %q", enc, got)
			}
			if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept-Encoding") {
				t.Errorf("no Vary: Accept-Encoding on a compressed page: %v", resp.Header)
			}
			body := decode(t, enc, raw)
			if strings.Count(body, `id="cg-consent"`) != 1 || !strings.Contains(body, "app /page") {
				t.Errorf("decoded page lacks the banner or the content: %.300s", body)
			}
			resp, raw = do(t, http.MethodGet, s.g.URL+"/api", map[string]string{"Accept-Encoding": enc, "Accept": "application/json"}, "")
			if got := resp.Header.Get("Content-Encoding"); got != enc {
				t.Fatalf("encode no longer compresses JSON: Content-Encoding %q", got)
			}
			if body := decode(t, enc, raw); !strings.Contains(body, `"ok":true`) {
				t.Errorf("JSON changed: %.100s", body)
			}
		})
	}
}

func decode(t *testing.T, enc, raw string) string {
	t.Helper()
	var r io.Reader
	switch enc {
	case "gzip":
		zr, err := gzip.NewReader(strings.NewReader(raw))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader([]byte(raw)))
		if err != nil {
			t.Fatalf("zstd: %v", err)
		}
		defer zr.Close()
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", enc, err)
	}
	return string(b)
}
