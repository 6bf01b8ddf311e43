package integration

// Upstream faults, protocol edge cases and hostile clients against the real
// Caddy binary. Each case checks the promise end to end: no panic in the
// log, the client gets a correct or a cleanly broken response (a read
// error, never a truncated body that looks complete), no tracker cookie
// reaches it in headers or trailers, and the gateway's goroutines and
// memory come back afterwards.
//
// HTTP/2: the harness writes its own global options, so h2c cannot be
// enabled there; the h2 variants use an https:// site with `tls <cert>
// <key>` (a self-signed certificate for 127.0.0.1 made by the test, so no
// local CA or trust store is involved) and a client that trusts it and
// negotiates h2 by ALPN. Every h2 response is checked to really be HTTP/2.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/consentgate/caddy-consent/internal/testcaddy"
)

// ---------------------------------------------------------------------------
// Protocols and process observation

// ftProto is one way to reach the gateway.
type ftProto struct {
	name  string
	h2    bool
	certs *ftCert // set for h2
}

type ftCert struct {
	certFile, keyFile string
	pool              *x509.CertPool
}

var (
	ftCertOnce sync.Once
	ftCertVal  *ftCert
	ftCertErr  error
)

// ftTLS makes (once per test process) a self-signed certificate for
// 127.0.0.1 and writes it where Caddy can load it with `tls <cert> <key>`.
func ftTLS(t *testing.T) *ftCert {
	t.Helper()
	ftCertOnce.Do(func() {
		dir, err := os.MkdirTemp("", "consent-faults-tls")
		if err != nil {
			ftCertErr = err
			return
		}
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			ftCertErr = err
			return
		}
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(1),
			Subject:               pkix.Name{CommonName: "consent gateway test"},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(24 * time.Hour),
			IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
			KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
			ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			IsCA:                  true,
			BasicConstraintsValid: true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			ftCertErr = err
			return
		}
		kder, _ := x509.MarshalECPrivateKey(key)
		c := &ftCert{certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem"), pool: x509.NewCertPool()}
		_ = os.WriteFile(c.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
		_ = os.WriteFile(c.keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
		cert, _ := x509.ParseCertificate(der)
		c.pool.AddCert(cert)
		ftCertVal = c
	})
	if ftCertErr != nil {
		t.Fatal(ftCertErr)
	}
	return ftCertVal
}

func ftProtos(t *testing.T) []ftProto {
	return []ftProto{{name: "h1"}, {name: "h2", h2: true, certs: ftTLS(t)}}
}

// ftGW is one running gateway with the client that talks to it.
type ftGW struct {
	*testcaddy.Server
	base   string // scheme://host:port
	client *http.Client
	proto  ftProto
}

// ftStart runs Caddy with consent in front of whatever `inner` holds
// (reverse_proxy or file_server lines), over p.
func ftStart(t *testing.T, p ftProto, consentOpts, inner string) *ftGW {
	t.Helper()
	scheme, tlsLine := "http", ""
	if p.h2 {
		scheme, tlsLine = "https", "\ttls "+p.certs.certFile+" "+p.certs.keyFile+"\n"
	}
	g := testcaddy.Start(t, scheme+`://{GATEWAY} {
`+tlsLine+`	consent {
		policy_version 1
`+consentOpts+`
	}
`+inner+`
}`)
	tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64}
	if p.h2 {
		tr.TLSClientConfig = &tls.Config{RootCAs: p.certs.pool}
		tr.ForceAttemptHTTP2 = true
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &ftGW{Server: g, base: scheme + "://" + g.Addr, proto: p, client: &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// get sends a GET; it does not read the body.
func (g *ftGW) get(t *testing.T, ctx context.Context, path string, hdr map[string]string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := g.client.Do(req)
	if err == nil && g.proto.h2 && resp.ProtoMajor != 2 {
		t.Fatalf("the h2 variant was served over %s", resp.Proto)
	}
	return resp, err
}

// pid finds the Caddy process of this gateway by its config path.
func (g *ftGW) pid(t *testing.T) int {
	t.Helper()
	return ftPID(t, g.Server)
}

func ftPID(t *testing.T, s *testcaddy.Server) int {
	t.Helper()
	cfg := filepath.Join(s.Dir, "Caddyfile")
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.Contains(b, []byte(cfg+"\x00")) && bytes.Contains(b, []byte("run\x00")) {
			return pid
		}
	}
	t.Skip("cannot find the caddy process in /proc (not Linux?)")
	return 0
}

// ftRSS returns the resident set size of pid in bytes.
func ftRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("reading VmRSS: %v", err)
	}
	m := regexp.MustCompile(`(?m)^VmRSS:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no VmRSS in /proc/%d/status", pid)
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10
}

// ftRSSSampler samples a process's RSS until stopped and keeps the peak.
type ftRSSSampler struct {
	peak atomic.Int64
	stop chan struct{}
	done chan struct{}
}

func ftSampleRSS(t *testing.T, pid int) *ftRSSSampler {
	s := &ftRSSSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
			if err == nil {
				if m := regexp.MustCompile(`(?m)^VmRSS:\s+(\d+) kB`).FindSubmatch(b); m != nil {
					kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
					if kb<<10 > s.peak.Load() {
						s.peak.Store(kb << 10)
					}
				}
			}
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *ftRSSSampler) Stop() int64 {
	close(s.stop)
	<-s.done
	return s.peak.Load()
}

// ftGoroutines returns the goroutine count of a Caddy process and the
// debug=1 dump, from the pprof handler on its admin endpoint.
func ftGoroutines(t *testing.T, s *testcaddy.Server) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + s.AdminAddr + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatalf("pprof: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`goroutine profile: total (\d+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("pprof goroutine profile: %d %.200s", resp.StatusCode, b)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n, string(b)
}

// ftSettled waits until the gateway's goroutines are back within slack of
// base, and fails with the dump if they are not. It also fails if any
// goroutine is a body decoder still running (see serve.go).
func ftSettled(t *testing.T, s *testcaddy.Server, base, slack int, clients ...*http.Client) {
	t.Helper()
	for _, c := range clients {
		c.CloseIdleConnections()
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		n, dump := ftGoroutines(t, s)
		decoders := strings.Count(dump, "bodydecode.(*Decoder)")
		if n <= base+slack && decoders == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateway did not come back: %d goroutines (baseline %d, slack %d), %d body decoders still running\n%s",
				n, base, slack, decoders, ftTrim(dump, 6000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func ftTrim(s string, n int) string {
	if len(s) > n {
		return s[:n] + "\n…"
	}
	return s
}

// ftNoPanic fails if the gateway logged or printed a panic.
func ftNoPanic(t *testing.T, s *testcaddy.Server) {
	t.Helper()
	b, _ := os.ReadFile(s.LogPath)
	for _, src := range []string{string(b), s.Output()} {
		for _, line := range strings.Split(src, "\n") {
			if strings.Contains(strings.ToLower(line), "panic") {
				t.Errorf("panic in the gateway's output: %s", ftTrim(line, 2000))
			}
		}
	}
}

// ftEvents returns the JSON log lines whose message is msg. Unlike
// Server.Events it decodes only matching lines, so it stays fast on the
// large DEBUG logs a load test writes.
func ftEvents(t *testing.T, s *testcaddy.Server, msg string) []testcaddy.Entry {
	t.Helper()
	f, err := os.Open(s.LogPath)
	if err != nil {
		t.Fatalf("reading log: %v", err)
	}
	defer f.Close()
	needle := []byte(`"msg":"` + msg + `"`)
	var out []testcaddy.Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if !bytes.Contains(sc.Bytes(), needle) {
			continue
		}
		var e testcaddy.Entry
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Str("msg") == msg {
			out = append(out, e)
		}
	}
	return out
}

// ftCookies returns the cookie names in Set-Cookie lines of h that set a
// value (expiries excluded).
func ftCookies(h http.Header) []string {
	var out []string
	for _, l := range h["Set-Cookie"] {
		if strings.Contains(l, "Max-Age=0") {
			continue
		}
		name, _, _ := strings.Cut(l, "=")
		out = append(out, strings.TrimSpace(name))
	}
	return out
}

// ftNoTrackers fails if a tracker cookie is set in h (headers or trailers).
func ftNoTrackers(t *testing.T, where string, h http.Header) {
	t.Helper()
	for _, n := range ftCookies(h) {
		switch n {
		case "PHPSESSID", "__Host-consent", "consent":
		default:
			t.Errorf("%s: cookie %q reached the client without consent", where, n)
		}
	}
}

// ---------------------------------------------------------------------------
// Raw upstream: full control over the bytes, the timing and the close.

type ftRaw struct {
	ln     net.Listener
	closed chan struct{} // one value each time a handled connection saw its peer go away
}

// ftRawUpstream serves each connection's first request with handle, which
// writes raw bytes to conn. After handle returns the connection is closed,
// unless handle returns true (keep it open until the peer closes it; the
// closed channel then reports that the gateway went away).
func ftRawUpstream(t *testing.T, handle func(conn net.Conn, req *http.Request) (waitPeerClose bool)) *ftRaw {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &ftRaw{ln: ln, closed: make(chan struct{}, 64)}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				if !handle(conn, req) {
					return
				}
				_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
				_, _ = io.Copy(io.Discard, conn) // returns when the gateway closes
				u.closed <- struct{}{}
			}()
		}
	}()
	return u
}

func (u *ftRaw) addr() string { return u.ln.Addr().String() }

const ftPage = "<!DOCTYPE html><html><head><title>t</title></head><body><p>hello</p>"

// ftHeaders is a raw response head setting a tracker and a session cookie.
func ftHeaders(status string, extra ...string) string {
	return "HTTP/1.1 " + status + "\r\nConnection: close\r\nContent-Type: text/html; charset=utf-8\r\n" +
		"Set-Cookie: _ga=GA1.1.1; Path=/\r\nSet-Cookie: _fbp=fb.1; Path=/\r\nSet-Cookie: PHPSESSID=s1; Path=/\r\n" +
		strings.Join(extra, "") + "\r\n"
}

var ftDoc = map[string]string{"Accept": "text/html", "Sec-Fetch-Dest": "document"}

// ---------------------------------------------------------------------------
// Upstream faults

// The upstream closes its connection in the middle of the body (a page
// declared longer than it is, and a chunked page cut between chunks).
// The client sees the headers, with cookies enforced, and then a read
// error — never a short page presented as complete.
func TestFaultUpstreamClosesMidBody(t *testing.T) {
	for _, p := range ftProtos(t) {
		for _, c := range []struct {
			name string
			head string
			body string
			gzip bool
		}{
			{"content-length", ftHeaders("200 OK", "Content-Length: 100000\r\n"), ftPage + strings.Repeat("<p>x</p>", 500), false},
			{"chunked", ftHeaders("200 OK", "Transfer-Encoding: chunked\r\n"), fmt.Sprintf("%x\r\n%s\r\n", len(ftPage), ftPage), false},
			{"gzip", ftHeaders("200 OK", "Content-Length: 100000\r\nContent-Encoding: gzip\r\n"), "", true},
		} {
			t.Run(p.name+"/"+c.name, func(t *testing.T) {
				body := c.body
				if c.gzip {
					var b bytes.Buffer
					zw := gzip.NewWriter(&b)
					_, _ = zw.Write([]byte(ftPage + strings.Repeat("<p>compressed</p>", 20000)))
					_ = zw.Close()
					body = b.String()[:b.Len()/2]
				}
				up := ftRawUpstream(t, func(conn net.Conn, _ *http.Request) bool {
					_, _ = io.WriteString(conn, c.head+body)
					return false
				})
				g := ftStart(t, p, "", "\treverse_proxy "+up.addr())
				base, _ := ftGoroutines(t, g.Server)
				for i := 0; i < 10; i++ {
					resp, err := g.get(t, context.Background(), "/", ftDoc)
					if err != nil {
						t.Fatalf("request %d: %v", i, err)
					}
					ftNoTrackers(t, "headers", resp.Header)
					if !strings.Contains(strings.Join(resp.Header["Set-Cookie"], "\n"), "PHPSESSID=s1") {
						t.Errorf("the session cookie must still pass: %v", resp.Header["Set-Cookie"])
					}
					got, rerr := io.ReadAll(resp.Body)
					resp.Body.Close()
					if rerr == nil {
						t.Fatalf("a body cut by the upstream arrived as complete (%d bytes): the client cannot tell it is broken", len(got))
					}
					ftNoTrackers(t, "trailers", resp.Trailer)
				}
				ftSettled(t, g.Server, base, 8, g.client)
				ftNoPanic(t, g.Server)
			})
		}
	}
}

// The upstream stalls — before its headers, or after part of the body.
// The client gives up (its own timeout); the gateway must then cancel the
// upstream request (the upstream sees its connection closed) and keep no
// goroutine for it.
func TestFaultUpstreamStalls(t *testing.T) {
	for _, p := range ftProtos(t) {
		for _, c := range []struct{ name, raw string }{
			{"before headers", ""},
			{"mid body", ftHeaders("200 OK", "Content-Length: 100000\r\n") + ftPage},
			{"mid gzip body", "gzip"},
		} {
			t.Run(p.name+"/"+c.name, func(t *testing.T) {
				raw := c.raw
				if raw == "gzip" {
					var b bytes.Buffer
					zw := gzip.NewWriter(&b)
					_, _ = zw.Write([]byte(ftPage + strings.Repeat("<p>compressed</p>", 20000)))
					_ = zw.Close()
					raw = ftHeaders("200 OK", "Content-Length: 100000\r\nContent-Encoding: gzip\r\n") + b.String()[:b.Len()/3]
				}
				up := ftRawUpstream(t, func(conn net.Conn, _ *http.Request) bool {
					_, _ = io.WriteString(conn, raw)
					return true // then stall until the gateway hangs up
				})
				g := ftStart(t, p, "", "\treverse_proxy "+up.addr())
				base, _ := ftGoroutines(t, g.Server)
				const n = 5
				var wg sync.WaitGroup
				for i := 0; i < n; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
						defer cancel()
						resp, err := g.get(t, ctx, "/", ftDoc)
						if err == nil {
							ftNoTrackers(t, "headers", resp.Header)
							_, err = io.ReadAll(resp.Body)
							resp.Body.Close()
						}
						if err == nil {
							t.Errorf("a stalled upstream produced a complete response")
						}
					}()
				}
				wg.Wait()
				for i := 0; i < n; i++ {
					select {
					case <-up.closed:
					case <-time.After(10 * time.Second):
						t.Fatalf("after the client gave up, the gateway kept %d upstream connection(s) open", n-i)
					}
				}
				ftSettled(t, g.Server, base, 8, g.client)
				ftNoPanic(t, g.Server)
			})
		}
	}
}

// A wrong Content-Length: too short (the upstream sends more than it
// declared: the declared length is the page, the rest is discarded) and
// too long (the page ends early: a broken response).
func TestFaultWrongContentLength(t *testing.T) {
	page := ftPage + "<p>tail</p></body></html>"
	for _, p := range ftProtos(t) {
		t.Run(p.name+"/too short", func(t *testing.T) {
			declared := len(ftPage) + 3 // "<p>" of the tail
			up := ftRawUpstream(t, func(conn net.Conn, _ *http.Request) bool {
				_, _ = io.WriteString(conn, ftHeaders("200 OK", fmt.Sprintf("Content-Length: %d\r\n", declared))+page+"GARBAGE AFTER THE DECLARED LENGTH")
				return false
			})
			g := ftStart(t, p, "", "\treverse_proxy "+up.addr())
			for i := 0; i < 3; i++ {
				resp, err := g.get(t, context.Background(), "/", ftDoc)
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatalf("read: %v", err)
				}
				ftNoTrackers(t, "headers", resp.Header)
				body := string(b)
				if strings.Count(body, `id="cg-consent"`) != 1 || strings.Contains(body, "GARBAGE") || !strings.HasSuffix(body, "<p>hello</p><p>") {
					t.Errorf("a too-short Content-Length: want the declared bytes with one banner, got %q", ftTrim(body, 300))
				}
				if resp.ContentLength >= 0 && resp.ContentLength != int64(len(b)) {
					t.Errorf("Content-Length %d for %d bytes", resp.ContentLength, len(b))
				}
			}
			ftNoPanic(t, g.Server)
		})
		t.Run(p.name+"/too long", func(t *testing.T) {
			up := ftRawUpstream(t, func(conn net.Conn, _ *http.Request) bool {
				_, _ = io.WriteString(conn, ftHeaders("200 OK", fmt.Sprintf("Content-Length: %d\r\n", len(page)+5000))+page)
				return false
			})
			g := ftStart(t, p, "", "\treverse_proxy "+up.addr())
			resp, err := g.get(t, context.Background(), "/", ftDoc)
			if err != nil {
				t.Fatal(err)
			}
			ftNoTrackers(t, "headers", resp.Header)
			if b, err := io.ReadAll(resp.Body); err == nil {
				t.Errorf("a body shorter than its Content-Length arrived as complete: %q", ftTrim(string(b), 300))
			}
			resp.Body.Close()
			ftNoPanic(t, g.Server)
		})
	}
}

// A 500 with an HTML body: the error page is an HTML page like any other,
// so it gets the banner (a visitor can still choose from it), its status
// stays 500, and its cookies are enforced.
func TestFaultUpstream500HTML(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "_ga=GA1; Path=/")
		w.Header().Add("Set-Cookie", "PHPSESSID=s1; Path=/")
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(500)
		_, _ = io.WriteString(w, ftPage+"<p>Internal error</p></body></html>")
	}))
	t.Cleanup(up.Close)
	for _, p := range ftProtos(t) {
		t.Run(p.name, func(t *testing.T) {
			g := ftStart(t, p, "", "\treverse_proxy "+strings.TrimPrefix(up.URL, "http://"))
			resp, err := g.get(t, context.Background(), "/", ftDoc)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			body := string(b)
			if err != nil || resp.StatusCode != 500 || strings.Count(body, `id="cg-consent"`) != 1 || !strings.HasSuffix(body, "<p>Internal error</p></body></html>") {
				t.Errorf("500 page: %v %d %q", err, resp.StatusCode, ftTrim(body, 300))
			}
			ftNoTrackers(t, "headers", resp.Header)
			if !has(ftCookies(resp.Header), "PHPSESSID") {
				t.Errorf("the session cookie must pass on an error page too: %v", resp.Header["Set-Cookie"])
			}
			ftNoPanic(t, g.Server)
		})
	}
}

// A page that claims gzip but is not (or stops being) gzip. Not gzip at
// all: nothing can be decoded, so the upstream's bytes pass through as
// sent (Content-Encoding kept, as the bare proxy delivers them). Gzip that
// breaks after decoded bytes left: the client sees the real page's start
// with one banner and then a broken transfer, never a page that looks
// complete, and never the raw bytes labelled as something they are not.
// Cookies are enforced and the gateway keeps serving.
func TestFaultCorruptGzip(t *testing.T) {
	var good bytes.Buffer
	zw := gzip.NewWriter(&good)
	_, _ = zw.Write([]byte(ftPage + strings.Repeat("<p>compressed</p>", 2000)))
	_ = zw.Close()
	half := good.Bytes()[:good.Len()/2]
	for _, p := range ftProtos(t) {
		for _, c := range []struct {
			name        string
			body        []byte
			passThrough bool
		}{
			{"not gzip at all", []byte("this is not gzip, <script>alert(1)</script> sorry"), true},
			{"valid start, garbage after", append(append([]byte{}, half...), bytes.Repeat([]byte("GARBAGE!"), 200)...), false},
			{"bad checksum", append(append([]byte{}, good.Bytes()[:good.Len()-8]...), 1, 2, 3, 4, 5, 6, 7, 8), false},
		} {
			t.Run(p.name+"/"+c.name, func(t *testing.T) {
				up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/html")
					w.Header().Set("Content-Encoding", "gzip")
					w.Header().Add("Set-Cookie", "_ga=GA1; Path=/")
					_, _ = w.Write(c.body)
				}))
				t.Cleanup(up.Close)
				g := ftStart(t, p, "", "\treverse_proxy "+strings.TrimPrefix(up.URL, "http://"))
				base, _ := ftGoroutines(t, g.Server)
				for i := 0; i < 5; i++ {
					resp, err := g.get(t, context.Background(), "/", ftDoc)
					if err != nil {
						t.Fatal(err)
					}
					b, rerr := io.ReadAll(resp.Body)
					resp.Body.Close()
					ftNoTrackers(t, "headers", resp.Header)
					ce := resp.Header.Get("Content-Encoding")
					if c.passThrough {
						if rerr != nil || ce != "gzip" || !bytes.Equal(b, c.body) {
							t.Errorf("an undecodable body must pass through as sent: %v, Content-Encoding %q, %q", rerr, ce, ftTrim(string(b), 200))
						}
						continue
					}
					if rerr == nil {
						t.Errorf("a gzip body that broke mid-way arrived as complete (%d bytes)", len(b))
					}
					if s := string(b); s != "" && (!strings.HasPrefix(s, "<!DOCTYPE html><html><head><title>t</title></head><body>") ||
						strings.Count(s, `id="cg-consent"`) != 1) {
						t.Errorf("the decoded page does not start as the real page with one banner: %q", ftTrim(s, 300))
					}
					if ce != "" || bytes.Contains(b, []byte("GARBAGE")) {
						t.Errorf("undecodable bytes passed on (Content-Encoding %q): %q", ce, ftTrim(string(b), 200))
					}
				}
				// The gateway still serves, and keeps no decoder running.
				ftSettled(t, g.Server, base, 8, g.client)
				ftNoPanic(t, g.Server)
			})
		}
	}
}

// Set-Cookie sent by the upstream as a trailer — announced with
// `Trailer: Set-Cookie`, and unannounced under http.TrailerPrefix — never
// reaches the client for a tracker, in headers or trailers.
func TestFaultSetCookieInTrailers(t *testing.T) {
	handlers := map[string]http.HandlerFunc{
		"announced": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", "Set-Cookie, X-Checksum")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			_, _ = io.WriteString(w, `{"ok":true}`)
			w.(http.Flusher).Flush()
			w.Header().Add("Set-Cookie", "_ga=GA1; Path=/")
			w.Header().Add("Set-Cookie", "_fbp=fb; Path=/")
			w.Header().Add("Set-Cookie", "PHPSESSID=s1; Path=/")
			w.Header().Set("X-Checksum", "abc")
		},
		"prefixed": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(200)
			_, _ = io.WriteString(w, ftPage)
			w.(http.Flusher).Flush()
			w.Header().Add(http.TrailerPrefix+"Set-Cookie", "_ga=GA1; Path=/")
			w.Header().Add(http.TrailerPrefix+"Set-Cookie", "_fbp=fb; Path=/")
			w.Header().Set(http.TrailerPrefix+"X-Checksum", "abc")
		},
	}
	for name, hf := range handlers {
		up := httptest.NewServer(hf)
		t.Cleanup(up.Close)
		// Control: the upstream really sends tracker cookies as trailers.
		resp, err := http.Get(up.URL)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if !has(ftCookies(resp.Trailer), "_ga") {
			t.Fatalf("%s: the test upstream sends no tracker trailer: %v", name, resp.Trailer)
		}
		for _, p := range ftProtos(t) {
			t.Run(p.name+"/"+name, func(t *testing.T) {
				g := ftStart(t, p, "", "\treverse_proxy "+strings.TrimPrefix(up.URL, "http://"))
				for _, hdr := range []map[string]string{nil, ftDoc} {
					resp, err := g.get(t, context.Background(), "/", hdr)
					if err != nil {
						t.Fatal(err)
					}
					_, err = io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil {
						t.Fatalf("read: %v", err)
					}
					ftNoTrackers(t, "headers", resp.Header)
					ftNoTrackers(t, "trailers", resp.Trailer)
					// Not vacuous: trailers do travel through the gateway,
					// and an allowed cookie among them survives.
					if resp.Trailer.Get("X-Checksum") != "abc" {
						t.Errorf("trailers were not forwarded at all: %v", resp.Trailer)
					}
					if name == "announced" && !has(ftCookies(resp.Trailer), "PHPSESSID") {
						t.Errorf("the session cookie in the trailers was wrongly stripped: %v", resp.Trailer)
					}
				}
				ftNoPanic(t, g.Server)
			})
		}
	}
}

// The client goes away in the middle of a long page (plain and gzip from
// the upstream): the gateway cancels the upstream request and keeps no
// goroutine, decoder or buffer for it.
func TestFaultClientDisconnectsMidPage(t *testing.T) {
	for _, gz := range []bool{false, true} {
		canceled := make(chan struct{}, 64)
		chunk := []byte(strings.Repeat("<p>streaming page body</p>\n", 600)) // ~16 KB
		up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Add("Set-Cookie", "_ga=GA1; Path=/")
			var out io.Writer = w
			var zw *gzip.Writer
			if gz {
				w.Header().Set("Content-Encoding", "gzip")
				zw = gzip.NewWriter(w)
				out = zw
			}
			_, _ = io.WriteString(out, ftPage)
			for {
				if _, err := out.Write(chunk); err != nil {
					break
				}
				if zw != nil {
					_ = zw.Flush()
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					canceled <- struct{}{}
					return
				case <-time.After(2 * time.Millisecond):
				}
			}
			<-r.Context().Done()
			canceled <- struct{}{}
		}))
		t.Cleanup(up.Close)
		for _, p := range ftProtos(t) {
			t.Run(fmt.Sprintf("%s/gzip=%v", p.name, gz), func(t *testing.T) {
				g := ftStart(t, p, "", "\treverse_proxy "+strings.TrimPrefix(up.URL, "http://"))
				base, _ := ftGoroutines(t, g.Server)
				const n = 8
				for i := 0; i < n; i++ {
					resp, err := g.get(t, context.Background(), "/", ftDoc)
					if err != nil {
						t.Fatal(err)
					}
					ftNoTrackers(t, "headers", resp.Header)
					buf := make([]byte, 200<<10)
					if _, err := io.ReadFull(resp.Body, buf); err != nil {
						t.Fatalf("reading the first 200 KB: %v", err)
					}
					if strings.Count(string(buf), `id="cg-consent"`) != 1 {
						t.Errorf("the streamed page should carry one banner near its start")
					}
					resp.Body.Close() // hang up mid-page (h1: the connection, h2: the stream)
				}
				for i := 0; i < n; i++ {
					select {
					case <-canceled:
					case <-time.After(10 * time.Second):
						t.Fatalf("%d upstream request(s) were not canceled after the client left", n-i)
					}
				}
				ftSettled(t, g.Server, base, 8, g.client)
				ftNoPanic(t, g.Server)
			})
		}
	}
}

// ---------------------------------------------------------------------------
// Big bodies, bounded memory

// ftPageReader produces "<!DOCTYPE html>…<body>" then filler up to n bytes
// without holding more than one chunk.
type ftPageReader struct {
	n, off int64
	chunk  []byte
}

func (r *ftPageReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	var src []byte
	if r.off == 0 {
		src = []byte("<!DOCTYPE html><html><head><title>big</title></head><body>")
	} else {
		src = r.chunk
	}
	k := copy(p, src)
	if rem := r.n - r.off; int64(k) > rem {
		k = int(rem)
	}
	r.off += int64(k)
	return k, nil
}

// ftCountBanner reads a body to the end (or limit bytes), counting bytes
// and banners; banners straddling read boundaries are found too.
func ftCountBanner(r io.Reader, limit int64) (n int64, banners int, err error) {
	buf := make([]byte, 256<<10)
	const marker = `id="cg-consent"`
	var tail string
	for limit < 0 || n < limit {
		k, rerr := r.Read(buf)
		if k > 0 {
			s := tail + string(buf[:k])
			banners += strings.Count(s, marker)
			if len(s) >= len(marker) {
				tail = s[len(s)-len(marker)+1:]
			} else {
				tail = s
			}
			n += int64(k)
		}
		if rerr == io.EOF {
			return n, banners, nil
		}
		if rerr != nil {
			return n, banners, rerr
		}
	}
	return n, banners, nil
}

const ftGB = 1 << 30

// A 1 GB page generated on the fly, streamed through reverse_proxy and the
// banner rewriter, and a sparse 1 GB file through file_server (an HTML
// page, so it is rewritten too, and a binary read half-way then dropped):
// the client gets every byte with exactly one banner, and the gateway's
// resident memory stays flat (growth under 64 MB).
func TestFaultGigabyteBodiesStayInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams gigabytes")
	}
	chunk := []byte(strings.Repeat("<p>0123456789 abcdefghij</p>\n", 2200)) // ~64 KB
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Add("Set-Cookie", "_ga=GA1; Path=/")
		n := int64(ftGB)
		if s := r.URL.Query().Get("n"); s != "" {
			n, _ = strconv.ParseInt(s, 10, 64)
		}
		_, _ = io.Copy(w, &ftPageReader{n: n, chunk: chunk})
	}))
	t.Cleanup(up.Close)

	root := t.TempDir()
	for _, name := range []string{"big.html", "big.bin"} {
		f, err := os.Create(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "big.html" {
			_, _ = io.WriteString(f, "<!DOCTYPE html><html><body>")
		}
		_ = f.Close()
		if err := os.Truncate(filepath.Join(root, name), ftGB); err != nil {
			t.Fatal(err)
		}
	}

	p := ftProtos(t)[0]
	g := ftStart(t, p, "", `	handle /file/* {
		uri strip_prefix /file
		root * `+root+`
		file_server
	}
	handle {
		reverse_proxy `+strings.TrimPrefix(up.URL, "http://")+`
	}`)
	pid := g.pid(t)
	// Warm up: one small page through each path, then the baseline.
	for _, path := range []string{"/?n=65536", "/file/big.bin"} {
		resp, err := g.get(t, context.Background(), path, map[string]string{"Range": "bytes=0-1023", "Accept": "text/html"})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	baseRSS := ftRSS(t, pid)
	baseG, _ := ftGoroutines(t, g.Server)

	for _, c := range []struct {
		name, path  string
		limit       int64 // -1: read it all
		wantBanners int
	}{
		{"1 GB generated page via reverse_proxy", "/", -1, 1},
		{"1 GB sparse page via file_server", "/file/big.html", -1, 1},
		{"1 GB sparse binary via file_server, half read", "/file/big.bin", ftGB / 2, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			sampler := ftSampleRSS(t, pid)
			resp, err := g.get(t, context.Background(), c.path, ftDoc)
			if err != nil {
				sampler.Stop()
				t.Fatal(err)
			}
			ftNoTrackers(t, "headers", resp.Header)
			var body io.Reader = resp.Body
			if c.limit > 0 {
				body = io.LimitReader(resp.Body, c.limit)
			}
			n, banners, err := ftCountBanner(body, c.limit)
			resp.Body.Close()
			peak := sampler.Stop()
			if err != nil {
				t.Fatalf("after %d bytes: %v", n, err)
			}
			if c.limit < 0 && n < ftGB {
				t.Errorf("got %d bytes, want the whole gigabyte and the banner", n)
			}
			if c.limit > 0 && n != c.limit {
				t.Errorf("got %d bytes, want %d", n, c.limit)
			}
			if banners != c.wantBanners {
				t.Errorf("%d banners, want %d", banners, c.wantBanners)
			}
			if growth := peak - baseRSS; growth > 64<<20 {
				t.Errorf("gateway RSS grew by %d MB streaming %s (baseline %d MB, peak %d MB)", growth>>20, c.name, baseRSS>>20, peak>>20)
			} else {
				t.Logf("RSS baseline %d MB, peak %d MB", baseRSS>>20, peak>>20)
			}
		})
	}
	up.CloseClientConnections() // Caddy's pooled upstream connection is not a leak
	ftSettled(t, g.Server, baseG, 8, g.client)
	ftNoPanic(t, g.Server)
}

// ---------------------------------------------------------------------------
// Hostile clients against a real server

// ftRawRequest writes a request head and then body bytes from feed on a
// fresh connection, and returns the response the gateway sends (read
// concurrently, so an early answer is seen while the client still writes).
// The connection is closed when done is closed, or after wait.
func ftRawRequest(t *testing.T, addr, head string, wait time.Duration, done <-chan struct{}, feed func(w io.Writer) error) (*http.Response, error) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(wait))
	if done != nil {
		go func() { <-done; conn.Close() }()
	}
	if _, err := io.WriteString(conn, head); err != nil {
		return nil, err
	}
	go func() {
		_ = feed(conn)
	}()
	return http.ReadResponse(bufio.NewReader(conn), nil)
}

// A 10 MB choice body (declared, and chunked) is refused with 413 long
// before it is all sent; the gateway keeps serving others.
func TestHostileHugeBodyRealServer(t *testing.T) {
	u := newUpstream(t)
	g := gateway(t, u, "")
	for _, chunked := range []bool{false, true} {
		head := "POST /_consent HTTP/1.1\r\nHost: " + g.Addr + "\r\nOrigin: " + g.URL + "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
		if chunked {
			head += "Transfer-Encoding: chunked\r\n\r\n"
		} else {
			head += "Content-Length: 10485760\r\n\r\n"
		}
		var sent atomic.Int64
		resp, err := ftRawRequest(t, g.Addr, head, 30*time.Second, nil, func(w io.Writer) error {
			block := bytes.Repeat([]byte("a"), 64<<10)
			for sent.Load() < 10<<20 {
				data := block
				if chunked {
					data = append([]byte(fmt.Sprintf("%x\r\n", len(block))), append(block, '\r', '\n')...)
				}
				if _, err := w.Write(data); err != nil {
					return err
				}
				sent.Add(int64(len(block)))
			}
			if chunked {
				_, _ = io.WriteString(w, "0\r\n\r\n")
			}
			return nil
		})
		if err != nil {
			t.Fatalf("chunked=%v: no response: %v", chunked, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || len(resp.Cookies()) != 0 {
			t.Errorf("chunked=%v: %d cookies %v, want 413 and no cookie", chunked, resp.StatusCode, resp.Cookies())
		}
		if r, _ := do(t, "GET", g.URL+"/api", nil, ""); r.StatusCode != 200 {
			t.Errorf("the gateway stopped serving after a huge body: %d", r.StatusCode)
		}
	}
	ftNoPanic(t, g)
}

// A slowloris body: the client declares a small body and dribbles it one
// byte at a time. Other visitors are served all along; once the operator
// sets a read timeout (Caddy's `timeouts { read_body }`, here set through
// the admin API because the harness owns the global options) the gateway
// ends the dribble itself with a 4xx or a closed connection, and comes back
// to its baseline.
func TestHostileSlowlorisBody(t *testing.T) {
	u := newUpstream(t)
	g := gateway(t, u, "")
	base, _ := ftGoroutines(t, g)

	dribble := func(stop <-chan struct{}, wait time.Duration) (*http.Response, error) {
		head := "POST /_consent HTTP/1.1\r\nHost: " + g.Addr + "\r\nOrigin: " + g.URL +
			"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
		return ftRawRequest(t, g.Addr, head, wait, stop, func(w io.Writer) error {
			for i := 0; i < 1000; i++ {
				select {
				case <-stop:
					return nil
				case <-time.After(100 * time.Millisecond):
				}
				if _, err := w.Write([]byte("a")); err != nil {
					return err
				}
			}
			return nil
		})
	}

	// Without a read timeout: 10 dribbling connections for 2 s; the site
	// keeps being served meanwhile.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := dribble(stop, time.Minute)
			if err == nil {
				resp.Body.Close()
				t.Errorf("a dribbled body was answered %d before it was complete", resp.StatusCode)
			}
		}()
	}
	deadline := time.Now().Add(2 * time.Second)
	served := 0
	for time.Now().Before(deadline) {
		resp, body := do(t, "GET", g.URL+"/api", nil, "")
		if resp.StatusCode != 200 || body != `{"ok":true}` {
			t.Fatalf("a normal request failed during the slowloris: %d %q", resp.StatusCode, body)
		}
		served++
	}
	if served < 3 {
		t.Fatalf("only %d requests were served during the slowloris", served)
	}
	close(stop) // the slow clients give up
	wg.Wait()

	// With a read timeout the gateway itself ends the dribble: a 4xx or a
	// closed connection well before the 100 s the body would take.
	ftSetReadTimeout(t, g, "1s")
	client.CloseIdleConnections()
	resp, err := dribble(make(chan struct{}), 20*time.Second)
	var ne net.Error
	switch {
	case err == nil:
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("after the read timeout: %d, want a 4xx or a closed connection", resp.StatusCode)
		}
	case errors.As(err, &ne) && ne.Timeout():
		t.Errorf("with read_timeout 1s the gateway still waited 20 s for the slow body")
	}
	if r, _ := do(t, "GET", g.URL+"/api", nil, ""); r.StatusCode != 200 {
		t.Errorf("the gateway stopped serving: %d", r.StatusCode)
	}
	ftSettled(t, g, base, 8, client)
	ftNoPanic(t, g)
}

// ftSetReadTimeout sets read_timeout on every HTTP server of a running
// Caddy through its admin API.
func ftSetReadTimeout(t *testing.T, s *testcaddy.Server, d string) {
	t.Helper()
	resp, err := http.Get("http://" + s.AdminAddr + "/config/apps/http/servers")
	if err != nil {
		t.Fatal(err)
	}
	var servers map[string]json.RawMessage
	err = json.NewDecoder(resp.Body).Decode(&servers)
	resp.Body.Close()
	if err != nil || len(servers) == 0 {
		t.Fatalf("servers: %v %v", err, servers)
	}
	for name := range servers {
		req, _ := http.NewRequest(http.MethodPost, "http://"+s.AdminAddr+"/config/apps/http/servers/"+name+"/read_timeout", strings.NewReader(strconv.Quote(d)))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("setting read_timeout: %d %s", resp.StatusCode, b)
		}
	}
}

// Markup in every configurable banner string, in category labels and
// descriptions, in the notice URL, in the policy version and in
// Accept-Language, written in a real Caddyfile: the rendered banner and
// preference page show it as text only.
func TestHostileBannerStringsRealServer(t *testing.T) {
	u := newUpstream(t)
	keys := []string{"title", "message", "accept_all", "reject_all", "customize", "save", "settings", "notice_link",
		"always_on", "on", "off", "cookies_label", "gpc_honoured", "preferences_title", "preferences_intro",
		"withdraw_all", "policy_version_label", "current_choice", "close", "consent_id_label", "back", "no_choice_yet"}
	payloads := []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(2)>`, `'><svg onload=alert(3)>`, `</title><iframe srcdoc=x>`}
	var texts strings.Builder
	for i, k := range keys {
		fmt.Fprintf(&texts, "\t\t\ttext %s %q\n", k, payloads[i%len(payloads)])
		fmt.Fprintf(&texts, "\t\t\ttext de %s %q\n", k, payloads[(i+1)%len(payloads)]+" de")
	}
	g := testcaddy.Start(t, `http://{GATEWAY} {
	consent {
		policy_version "\"><b onmouseover=alert(5)>"
		banner {
			notice_url "https://example.org/notice?a=\"><img/src/onerror=alert(6)>"
`+texts.String()+`		}
		category x {
			label "<img src=x onerror=alert(7)>"
			description "<script>alert(8)</script>"
			cookies xcookie
		}
		category analytics {
			label "\"><svg onload=alert(9)>"
		}
	}
	reverse_proxy `+strings.TrimPrefix(u.URL, "http://")+`
}`)
	all := append(payloads, `<img src=x onerror=alert(7)>`, `<script>alert(8)</script>`, `"><svg onload=alert(9)>`, `"><b onmouseover=alert(5)>`, `"><img/src/onerror=alert(6)>`, `<script>alert(11)</script>`)
	for _, lang := range []string{"en", "de", `"><script>alert(11)</script>`} {
		for _, path := range []string{"/page", "/_consent/preferences?return=/page", "/_consent/banner"} {
			resp, body := do(t, "GET", g.URL+path, map[string]string{"Accept": "text/html", "Accept-Language": lang}, "")
			if resp.StatusCode != 200 || !strings.Contains(body, "cg-") {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, ftTrim(body, 300))
			}
			for _, p := range all {
				if strings.Contains(body, p) {
					t.Errorf("%s (lang %s): %q reflected unescaped", path, lang, p)
				}
			}
			ftNoActiveContent(t, path, body)
		}
	}
	ftNoPanic(t, g)
}

// ftNoActiveContent fails on scripts other than the banner's own asset,
// event handler attributes, javascript: URLs and payload elements.
func ftNoActiveContent(t *testing.T, where, body string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "img", "svg", "iframe", "object", "embed":
			t.Errorf("%s: unexpected <%s>", where, n.Data)
		case "script":
			src := ""
			for _, a := range n.Attr {
				if a.Key == "src" {
					src = a.Val
				}
			}
			if !strings.HasPrefix(src, "/_consent/assets/") || n.FirstChild != nil {
				t.Errorf("%s: unexpected script %q", where, src)
			}
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") || strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				t.Errorf("%s: <%s %s=%q>", where, n.Data, a.Key, a.Val)
			}
		}
	}
}
