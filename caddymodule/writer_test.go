package caddymodule

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/consentgate/caddy-consent/caddymodule/config"
	"github.com/consentgate/caddy-consent/caddymodule/consentcookie"
	"github.com/consentgate/caddy-consent/caddymodule/enforce"
)

const page = "<!DOCTYPE html><html><head><title>t</title></head><body class=\"x\"><p>hello</p></body></html>"

func newTestHandler(t testing.TB, mod func(*Handler)) *Handler {
	t.Helper()
	h := &Handler{Config: config.Config{PolicyVersion: "v1", Keys: []KeyConfig{{Hash: testHashKey, Block: testBlockKey}}}}
	if mod != nil {
		mod(h)
	}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	if err := h.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	return h
}

// serve runs one request through the handler in front of next.
func serve(t testing.TB, h *Handler, req *http.Request, next func(http.ResponseWriter, *http.Request) error) (*httptest.ResponseRecorder, error) {
	t.Helper()
	if req.Header.Get("Accept") == "" && req.Header.Get("Sec-Fetch-Dest") == "" {
		// What a browser navigation sends: the banner goes into documents
		// requested as documents only (see TestDocumentsOnly).
		req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	}
	caddyhttp.NewTestReplacer(req)
	rec := httptest.NewRecorder()
	err := h.ServeHTTP(rec, req, caddyhttp.HandlerFunc(next))
	return rec, err
}

func htmlUpstream(body string, extra map[string]string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", "999")
		w.Header().Set("ETag", `"abc"`)
		w.Header().Add("Set-Cookie", "_ga=1; Path=/")
		w.Header().Add("Set-Cookie", "PHPSESSID=2; Path=/")
		for k, v := range extra {
			w.Header().Set(k, v)
		}
		_, err := io.WriteString(w, body)
		return err
	}
}

func assertOneBanner(t *testing.T, body string) {
	t.Helper()
	if n := strings.Count(body, `id="cg-consent"`); n != 1 {
		t.Fatalf("want exactly one banner, got %d in %q", n, body)
	}
	stripped := body[:strings.Index(body, "<body class=\"x\">")+len("<body class=\"x\">")]
	if !strings.HasPrefix(page, stripped) {
		t.Errorf("the page before the banner changed: %q", stripped)
	}
	if !strings.HasSuffix(body, "<p>hello</p></body></html>") {
		t.Errorf("the page after the banner changed: %q", body[len(body)-60:])
	}
}

func TestWriterInjectsBannerAndFixesHeaders(t *testing.T) {
	h := newTestHandler(t, nil)
	rec, err := serve(t, h, httptest.NewRequest("GET", "/", nil), htmlUpstream(page, nil))
	if err != nil {
		t.Fatal(err)
	}
	assertOneBanner(t, rec.Body.String())
	hdr := rec.Result().Header
	if hdr.Get("Content-Length") != "" || hdr.Get("ETag") != "" {
		t.Errorf("stale Content-Length/ETag kept: %v", hdr)
	}
	if got := hdr.Values("Set-Cookie"); len(got) != 1 || !strings.HasPrefix(got[0], "PHPSESSID=") {
		t.Errorf("Set-Cookie: %v", got)
	}
	if !strings.Contains(strings.Join(hdr.Values("Vary"), ","), "Cookie") {
		t.Errorf("Vary: %v", hdr.Values("Vary"))
	}
}

func TestWriterLeavesBodiesItMustNotTouch(t *testing.T) {
	h := newTestHandler(t, nil)
	for _, c := range []struct {
		name   string
		method string
		status int
		hdr    map[string]string
	}{
		{"204", "GET", 204, nil},
		{"304", "GET", 304, nil},
		{"206", "GET", 206, map[string]string{"Content-Range": "bytes 0-9/100"}},
		{"no-transform", "GET", 200, map[string]string{"Cache-Control": "public, no-transform"}},
		{"json", "GET", 200, map[string]string{"Content-Type": "application/json"}},
		{"sse", "GET", 200, map[string]string{"Content-Type": "text/event-stream; charset=utf-8"}},
		{"utf-16", "GET", 200, map[string]string{"Content-Type": "text/html; charset=UTF-16"}},
		{"brotli", "GET", 200, map[string]string{"Content-Encoding": "br"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := page
			if c.status == 204 || c.status == 304 {
				body = ""
			}
			rec, err := serve(t, h, httptest.NewRequest(c.method, "/", nil), func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "text/html")
				w.Header().Add("Set-Cookie", "_fbp=1")
				for k, v := range c.hdr {
					w.Header().Set(k, v)
				}
				w.WriteHeader(c.status)
				if body == "" {
					return nil
				}
				_, err := io.WriteString(w, body)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if rec.Body.String() != body || rec.Code != c.status {
				t.Errorf("body changed: %d %q", rec.Code, rec.Body.String())
			}
			if len(rec.Result().Header.Values("Set-Cookie")) != 0 {
				t.Error("cookies must be enforced even when the body passes through")
			}
			if ce := c.hdr["Content-Encoding"]; ce != "" && rec.Result().Header.Get("Content-Encoding") != ce {
				t.Error("Content-Encoding of an untouched body must stay")
			}
		})
	}
}

func TestWriterHEAD(t *testing.T) {
	h := newTestHandler(t, nil)
	rec, _ := serve(t, h, httptest.NewRequest("HEAD", "/", nil), func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", "123")
		w.WriteHeader(200)
		return nil
	})
	if rec.Body.Len() != 0 || rec.Result().Header.Get("Content-Length") != "" {
		t.Errorf("HEAD: body %q, Content-Length %q (GET would send another length)", rec.Body.String(), rec.Result().Header.Get("Content-Length"))
	}
}

func TestWriterCompressedUpstream(t *testing.T) {
	h := newTestHandler(t, nil)
	for _, enc := range []string{"gzip", "zstd"} {
		t.Run(enc, func(t *testing.T) {
			var buf bytes.Buffer
			switch enc {
			case "gzip":
				zw := gzip.NewWriter(&buf)
				_, _ = zw.Write([]byte(page))
				_ = zw.Close()
			case "zstd":
				zw, _ := zstd.NewWriter(&buf)
				_, _ = zw.Write([]byte(page))
				_ = zw.Close()
			}
			compressed := buf.Bytes()
			rec, err := serve(t, h, httptest.NewRequest("GET", "/", nil), func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("Content-Encoding", enc)
				// several writes, like a proxy copying chunks
				for i := 0; i < len(compressed); i += 7 {
					end := min(i+7, len(compressed))
					if _, err := w.Write(compressed[i:end]); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if rec.Result().Header.Get("Content-Encoding") != "" {
				t.Errorf("decoded body must not keep Content-Encoding")
			}
			assertOneBanner(t, rec.Body.String())
		})
	}
}

// compressed returns p gzip- or zstd-compressed.
func compressed(t *testing.T, enc string, p []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	switch enc {
	case "gzip":
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(p)
		_ = zw.Close()
	case "zstd":
		zw, err := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = zw.Write(p)
		_ = zw.Close()
	}
	return buf.Bytes()
}

// bigPage is an HTML page of about n bytes that does not compress to
// nothing (so a cut stream has produced output before it ends).
func bigPage(n int) []byte {
	var b bytes.Buffer
	b.WriteString(page[:strings.Index(page, "<p>hello</p>")])
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "<p>paragraph %d, %x</p>\n", i, uint64(i)*0x9e3779b97f4a7c15)
	}
	b.WriteString("<p>hello</p></body></html>")
	return b.Bytes()
}

// chunkedUpstream sends body in 7-byte writes, like a proxy copying
// chunks, with the given Content-Encoding, a tracker and a session cookie.
func chunkedUpstream(enc string, body []byte, extra map[string]string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", enc)
		w.Header().Add("Set-Cookie", "_ga=1; Path=/")
		w.Header().Add("Set-Cookie", "PHPSESSID=2; Path=/")
		for k, v := range extra {
			w.Header().Set(k, v)
		}
		for i := 0; i < len(body); i += 7 {
			if _, err := w.Write(body[i:min(i+7, len(body))]); err != nil {
				return err
			}
		}
		return nil
	}
}

// withVars gives req the request variables Caddy's server sets up (the
// gateway remembers the client's Accept-Encoding there).
func withVars(req *http.Request) *http.Request {
	return req.WithContext(context.WithValue(req.Context(), caddyhttp.VarsCtxKey, map[string]any{}))
}

// A body the gateway cannot decode before anything came out of it passes
// through exactly as the upstream sent it: status, Content-Encoding,
// validators and bytes; only the cookies are enforced.
func TestWriterUndecodableBodyPassesThrough(t *testing.T) {
	h := newTestHandler(t, nil)
	longWindow := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, (27 - 10) << 3} // zstd --long=27: 128 MiB window
	hdr := 1 | uint32(len(page))<<3
	longWindow = append(append(longWindow, byte(hdr), byte(hdr>>8), byte(hdr>>16)), page...)
	gzHead := compressed(t, "gzip", []byte(page))[:10]
	for _, c := range []struct {
		name, enc string
		body      []byte
	}{
		{"not gzip", "gzip", []byte("this is not gzip at all, <script>alert(1)</script> sorry")},
		{"plain HTML labelled gzip", "gzip", bigPage(4000)},
		{"plain HTML labelled x-gzip", "x-gzip", bigPage(200 << 10)},
		{"empty body labelled gzip", "gzip", nil},
		{"gzip cut inside its header", "gzip", gzHead[:6]},
		{"gzip header then a reserved block type", "gzip", append(bytes.Clone(gzHead), 0x07, 0x9a, 0x41, 0xe3)},
		{"not zstd", "zstd", []byte("this is not zstd at all")},
		{"zstd window too large", "zstd", longWindow},
	} {
		t.Run(c.name, func(t *testing.T) {
			extra := map[string]string{"ETag": `"v1"`, "Content-Length": fmt.Sprint(len(c.body))}
			rec, err := serve(t, h, httptest.NewRequest("GET", "/", nil), chunkedUpstream(c.enc, c.body, extra))
			if err != nil {
				t.Fatal(err)
			}
			res := rec.Result()
			if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), c.body) || res.Header.Get("Content-Encoding") != c.enc {
				t.Errorf("want the upstream's bytes as sent: %d, Content-Encoding %q, %d of %d bytes %q",
					rec.Code, res.Header.Get("Content-Encoding"), rec.Body.Len(), len(c.body), truncate(rec.Body.String(), 80))
			}
			if res.Header.Get("ETag") != `"v1"` || res.Header.Get("Content-Length") != fmt.Sprint(len(c.body)) {
				t.Errorf("the upstream's headers must pass unchanged: %v", res.Header)
			}
			if got := res.Header.Values("Set-Cookie"); len(got) != 1 || !strings.HasPrefix(got[0], "PHPSESSID=") {
				t.Errorf("cookies must still be enforced: %v", got)
			}
		})
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// A compressed body that breaks after decoded bytes left (truncated
// inside a complete message, bad checksum, trailing garbage) aborts the
// response so the client sees a broken transfer, and is logged once at
// WARN with the decoder's reason.
func TestWriterBrokenCompressedBodyAborts(t *testing.T) {
	h := newTestHandler(t, nil)
	core, logs := observer.New(zap.DebugLevel)
	h.logger = zap.New(core)
	big := bigPage(300 << 10)
	gz, zs := compressed(t, "gzip", big), compressed(t, "zstd", big)
	small := compressed(t, "gzip", []byte(page))
	badCRC := bytes.Clone(small)
	badCRC[len(badCRC)-8] ^= 0xff
	for _, c := range []struct {
		name, enc string
		body      []byte
		reason    string
	}{
		{"gzip truncated", "gzip", gz[:len(gz)/2], "compressed body is truncated"},
		{"gzip bad CRC", "gzip", badCRC, "compressed body is corrupt"},
		{"gzip trailing garbage", "gzip", append(bytes.Clone(gz), strings.Repeat("GARBAGE!", 4)...), "compressed body is corrupt"},
		{"gzip trailing garbage shorter than a header", "gzip", append(bytes.Clone(gz), "GARB"...), "compressed body is truncated"},
		{"zstd truncated", "zstd", zs[:len(zs)*4/5], "compressed body is truncated"},
		{"zstd trailing garbage", "zstd", append(bytes.Clone(zs), "GARBAGE!"...), "compressed body is corrupt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := logs.Len()
			func() {
				defer func() {
					if p := recover(); p != http.ErrAbortHandler {
						t.Fatalf("want the response aborted (panic http.ErrAbortHandler), got %v", p)
					}
				}()
				_, _ = serve(t, h, httptest.NewRequest("GET", "/", nil), chunkedUpstream(c.enc, c.body, nil))
			}()
			var warns []string
			for _, e := range logs.All()[before:] {
				if e.Level == zap.WarnLevel {
					warns = append(warns, fmt.Sprint(e.Message, e.ContextMap()["reason"]))
				}
			}
			if len(warns) != 1 || !strings.Contains(warns[0], c.reason) {
				t.Errorf("want one WARN giving %q, got %q", c.reason, warns)
			}
			if hxGoroutinesIn("bodydecode.(*Decoder)") != 0 {
				t.Error("a decoder is still running")
			}
		})
	}
}

// The gateway compresses the pages it rewrites for what the client
// accepts (it asked the upstream for identity), and re-compresses a page
// it had to decode; HEAD announces the same.
func TestWriterCompressesRewrittenPages(t *testing.T) {
	h := newTestHandler(t, nil)
	for _, accept := range []string{"gzip", "zstd"} {
		for _, upstream := range []string{"identity", "gzip", "zstd"} {
			t.Run(accept+"/from "+upstream, func(t *testing.T) {
				body := []byte(page)
				if upstream != "identity" {
					body = compressed(t, upstream, body)
				}
				req := withVars(httptest.NewRequest("GET", "/", nil))
				req.Header.Set("Accept-Encoding", accept)
				var asked string
				rec, err := serve(t, h, req, func(w http.ResponseWriter, r *http.Request) error {
					asked = r.Header.Get("Accept-Encoding")
					return chunkedUpstream(upstream, body, nil)(w, r)
				})
				if err != nil {
					t.Fatal(err)
				}
				if asked != "identity" {
					t.Errorf("the upstream was asked for %q", asked)
				}
				res := rec.Result()
				if res.Header.Get("Content-Encoding") != accept || res.Header.Get("Content-Length") != "" {
					t.Fatalf("headers: %v", res.Header)
				}
				if v := strings.Join(res.Header.Values("Vary"), ","); !strings.Contains(v, "Accept-Encoding") || !strings.Contains(v, "Cookie") {
					t.Errorf("Vary: %q", v)
				}
				assertOneBanner(t, decompress(t, accept, rec.Body.Bytes()))
			})
		}
	}
	req := withVars(httptest.NewRequest("HEAD", "/", nil))
	req.Header.Set("Accept-Encoding", "gzip")
	rec, _ := serve(t, h, req, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "zstd")
		w.Header().Set("Content-Length", "123")
		w.WriteHeader(200)
		return nil
	})
	if res := rec.Result(); rec.Body.Len() != 0 || res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Content-Length") != "" {
		t.Errorf("HEAD: %v, %d body bytes", res.Header, rec.Body.Len())
	}
}

// A handler error after part of a rewritten page went out compressed:
// the compressed stream is abandoned without its trailer.
func TestWriterHandlerErrorAbandonsCompressedPage(t *testing.T) {
	h := newTestHandler(t, nil)
	req := withVars(httptest.NewRequest("GET", "/", nil))
	req.Header.Set("Accept-Encoding", "gzip")
	big := bigPage(100 << 10)
	rec, err := serve(t, h, req, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write(big[:len(big)/2])
		http.NewResponseController(w).Flush()
		return errors.New("upstream went away")
	})
	if err == nil {
		t.Fatal("the handler error was swallowed")
	}
	zr, zerr := gzip.NewReader(bytes.NewReader(rec.Body.Bytes()))
	if zerr != nil {
		t.Fatalf("nothing decodable was flushed: %v", zerr)
	}
	if _, rerr := io.ReadAll(zr); rerr == nil {
		t.Error("an abandoned page ends as a complete gzip stream")
	}
}

// A flush before the stage knows whether a compressed page decodes must
// not commit the header (it may still pass through unchanged).
func TestWriterFlushBeforeDecodeDecides(t *testing.T) {
	h := newTestHandler(t, nil)
	gz := compressed(t, "gzip", []byte(page))
	for _, c := range []struct {
		name string
		body []byte
		want string
	}{
		{"decodes", gz, ""},
		{"passes through", []byte("\x1f\x8bnot really"), "gzip"},
	} {
		t.Run(c.name, func(t *testing.T) {
			flushedEarly := false
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Accept", "text/html")
			caddyhttp.NewTestReplacer(req)
			err := h.ServeHTTP(rec, req, caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("Content-Encoding", "gzip")
				_, _ = w.Write(c.body[:2])
				_ = http.NewResponseController(w).Flush()
				flushedEarly = rec.Flushed
				_, err := w.Write(c.body[2:])
				return err
			}))
			if err != nil || flushedEarly {
				t.Fatalf("err %v; header committed by an early flush: %v", err, flushedEarly)
			}
			if got := rec.Result().Header.Get("Content-Encoding"); got != c.want {
				t.Errorf("Content-Encoding %q, want %q", got, c.want)
			}
			if c.want == "" {
				assertOneBanner(t, rec.Body.String())
			} else if !bytes.Equal(rec.Body.Bytes(), c.body) {
				t.Errorf("passed-through body %q", rec.Body.String())
			}
		})
	}
}

// readerOnly hides WriteTo so io.Copy must use the writer's ReadFrom.
type readerOnly struct{ io.Reader }

func TestWriterReadFromGoesThroughRewriter(t *testing.T) {
	h := newTestHandler(t, nil)
	rec, _ := serve(t, h, httptest.NewRequest("GET", "/", nil), func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(200)
		_, err := io.CopyN(w, readerOnly{strings.NewReader(page)}, int64(len(page)))
		return err
	})
	assertOneBanner(t, rec.Body.String())
}

func TestWriterFlushBeforeFirstWrite(t *testing.T) {
	h := newTestHandler(t, nil)
	rec, _ := serve(t, h, httptest.NewRequest("GET", "/", nil), func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Add("Set-Cookie", "_ga=1")
		if err := http.NewResponseController(w).Flush(); err != nil {
			return err
		}
		_, err := io.WriteString(w, page)
		return err
	})
	if len(rec.Result().Header.Values("Set-Cookie")) != 0 {
		t.Error("an early flush must not commit headers the policy has not seen")
	}
	assertOneBanner(t, rec.Body.String())
}

func TestWriterFlushesThrough(t *testing.T) {
	h := newTestHandler(t, nil)
	flushedMid := false
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	caddyhttp.NewTestReplacer(req)
	_ = h.ServeHTTP(rec, req, caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html><body><p>first")
		if err := http.NewResponseController(w).Flush(); err != nil {
			return err
		}
		flushedMid = rec.Flushed && strings.Contains(rec.Body.String(), "<p>first")
		_, err := io.WriteString(w, " second</p></body></html>")
		return err
	}))
	if !flushedMid {
		t.Error("a flush must push the bytes written so far to the client")
	}
}

func TestWriterTrailersAndHandlerErrors(t *testing.T) {
	h := newTestHandler(t, nil)
	rec, _ := serve(t, h, httptest.NewRequest("GET", "/api", nil), func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{}")
		w.Header().Add(http.TrailerPrefix+"Set-Cookie", "_fbp=1")
		w.Header().Add(http.TrailerPrefix+"Set-Cookie", "PHPSESSID=1")
		return nil
	})
	if got := rec.Header().Values(http.TrailerPrefix + "Set-Cookie"); len(got) != 1 || got[0] != "PHPSESSID=1" {
		t.Errorf("trailer Set-Cookie: %v", got)
	}

	hdr := http.Header{}
	rw := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	caddyhttp.NewTestReplacer(req)
	err := h.ServeHTTP(rw, req, caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Add("Set-Cookie", "_ga=1")
		hdr = w.Header()
		return caddyhttp.Error(502, errors.New("upstream down"))
	}))
	if err == nil || rw.Body.Len() != 0 || len(hdr.Values("Set-Cookie")) != 0 {
		t.Errorf("handler error: err %v, body %q, cookies %v", err, rw.Body.String(), hdr.Values("Set-Cookie"))
	}
}

func TestWriterSwitchingProtocols(t *testing.T) {
	h := newTestHandler(t, nil)
	rec, _ := serve(t, h, httptest.NewRequest("GET", "/ws", nil), func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Upgrade", "websocket")
		w.Header().Add("Set-Cookie", "_ga=1")
		w.WriteHeader(http.StatusSwitchingProtocols)
		return nil
	})
	if rec.Code != 101 || len(rec.Result().Header.Values("Set-Cookie")) != 0 {
		t.Errorf("101: code %d cookies %v", rec.Code, rec.Result().Header.Values("Set-Cookie"))
	}
}

func TestWriterStrictCSPGetsNonce(t *testing.T) {
	h := newTestHandler(t, nil)
	rec, _ := serve(t, h, httptest.NewRequest("GET", "/", nil), htmlUpstream(page, map[string]string{
		"Content-Security-Policy": "script-src 'nonce-pagenonce' 'strict-dynamic'; style-src 'sha256-abc'",
	}))
	csp := rec.Result().Header.Get("Content-Security-Policy")
	if csp != "script-src 'nonce-pagenonce' 'strict-dynamic'; style-src 'sha256-abc' 'nonce-pagenonce'" {
		t.Errorf("CSP: %q", csp)
	}
	body := rec.Body.String()
	if !strings.Contains(body, `nonce="pagenonce"`) {
		t.Errorf("banner tags must carry the page's nonce: %q", body)
	}
}

func TestBannerListsOperatorCookiesFirstAndCaps(t *testing.T) {
	ops := []string{"site_stats"}
	for i := 1; i <= 14; i++ {
		ops = append(ops, fmt.Sprintf("stat_%02d", i))
	}
	h := newTestHandler(t, func(h *Handler) {
		h.Categories = []CategoryConfig{{Name: "analytics", Cookies: ops}}
	})
	rec, _ := serve(t, h, httptest.NewRequest("GET", "/", nil), htmlUpstream(page, nil))
	body := rec.Body.String()
	if !strings.Contains(body, "Cookies: site_stats, stat_01,") {
		t.Errorf("operator patterns must be listed in their order: %s", body)
	}
	// The built-in lists (about a hundred framework cookies) are not shown;
	// long lists are capped with a count of the rest.
	if strings.Contains(body, "wordpress_logged_in_*") || strings.Contains(body, "_ga,") || strings.Contains(body, "stat_12") || !strings.Contains(body, "stat_11, … (&#43;3)") {
		t.Errorf("the list must be the operator's, capped at %d with a count of the rest: %s", maxShownCookies, body)
	}
}

// A request naming thousands of refused cookies does not turn into
// thousands of expiry headers: at most enforce.MaxExpiries distinct names are
// expired per response (the rest are still kept from the upstream).
func TestExpiriesAreBounded(t *testing.T) {
	h := newTestHandler(t, nil)
	var b strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "_ga_%d=1; ", i)
	}
	req := httptest.NewRequest("GET", "/api", nil)
	req.Header.Set("Cookie", b.String())
	var upstreamCookie string
	rec, _ := serve(t, h, req, func(w http.ResponseWriter, r *http.Request) error {
		upstreamCookie = r.Header.Get("Cookie")
		return nil
	})
	names := map[string]bool{}
	for _, c := range rec.Result().Cookies() {
		names[c.Name] = true
	}
	if len(names) != enforce.MaxExpiries {
		t.Errorf("expired %d distinct names, want the cap %d", len(names), enforce.MaxExpiries)
	}
	if upstreamCookie != "" {
		t.Errorf("refused cookies reached the upstream: %d bytes", len(upstreamCookie))
	}
}

// An expired consent is recorded as such under the visitor's consent ID,
// and a choice that grants what a GPC signal denies is recorded as
// overridden by GPC.
func TestConsentRecordedExpiredAndGPC(t *testing.T) {
	h := newTestHandler(t, nil)
	core, logs := observer.New(zap.InfoLevel)
	h.logger = zap.New(core)

	old := consentcookie.Consent{ID: consentcookie.NewID(), Granted: []string{"analytics"}, PolicyVersion: "v1",
		IssuedAt: time.Now().Add(-200 * 24 * time.Hour).Truncate(time.Second), Method: "banner"}
	value, err := h.codec.Encode(old)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/api", nil)
	req.Header.Set("Cookie", "consent="+value)
	serve(t, h, req, func(w http.ResponseWriter, r *http.Request) error { return nil })
	ev := logs.FilterMessage("consent_recorded").All()
	if len(ev) != 1 || ev[0].ContextMap()["action"] != "expired" || ev[0].ContextMap()["expired_consent_id"] != old.IDString() {
		t.Fatalf("expired consent: %v", ev)
	}

	req = httptest.NewRequest("POST", "/_consent", strings.NewReader("choice=accept_all"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://example.com")
	req.Header.Set("Sec-GPC", "1")
	serve(t, h, req, nil)
	var actions []any
	for _, e := range logs.FilterMessage("consent_recorded").All() {
		actions = append(actions, e.ContextMap()["action"])
	}
	if fmt.Sprint(actions) != "[expired grant gpc]" {
		t.Errorf("actions: %v", actions)
	}
}

// On HTTPS without a cookie domain the consent cookie is __Host-prefixed
// and Secure, and that is the name read back; with a domain it keeps its
// plain name (the __Host- prefix forbids Domain).
func TestConsentCookieOnHTTPS(t *testing.T) {
	post := func(h *Handler) *http.Cookie {
		req := httptest.NewRequest("POST", "https://example.com/_consent", strings.NewReader("choice=accept_all"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://example.com")
		rec, _ := serve(t, h, req, nil)
		for _, c := range rec.Result().Cookies() {
			if c.MaxAge > 0 {
				return c
			}
		}
		t.Fatal("no consent cookie set")
		return nil
	}
	h := newTestHandler(t, nil)
	c := post(h)
	if c.Name != "__Host-consent" || !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" {
		t.Errorf("HTTPS consent cookie: %+v", c)
	}
	req := httptest.NewRequest("GET", "https://example.com/api", nil)
	req.Header.Set("Cookie", c.Name+"="+c.Value)
	rec, _ := serve(t, h, req, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Add("Set-Cookie", "_ga=1")
		return nil
	})
	if len(rec.Result().Cookies()) != 1 {
		t.Errorf("the __Host- cookie must be read back on HTTPS: %v", rec.Result().Header.Values("Set-Cookie"))
	}

	hd := newTestHandler(t, func(h *Handler) { h.Cookie = &CookieConfig{Domain: "example.com"} })
	if c := post(hd); c.Name != "consent" || !c.Secure || c.Domain != "example.com" {
		t.Errorf("HTTPS consent cookie with a domain: %+v", c)
	}
}

// discardWriter is a ResponseWriter that throws the body away (benchmarks).
type discardWriter struct{ hdr http.Header }

func (d *discardWriter) Header() http.Header         { return d.hdr }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkWriterCompressedPage: a 100 KB page the upstream sent
// gzip-compressed, through the handler (decode, banner), for a client
// that accepts only identity and one that accepts gzip (the gateway
// compresses its output again); "copy" is the same bytes written through
// without the handler.
func BenchmarkWriterCompressedPage(b *testing.B) {
	h := newTestHandler(b, nil)
	h.logger = zap.NewNop()
	gz := func() []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(bigPage(100 << 10))
		_ = zw.Close()
		return buf.Bytes()
	}()
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		for i := 0; i < len(gz); i += 32 << 10 {
			if _, err := w.Write(gz[i:min(i+32<<10, len(gz))]); err != nil {
				return err
			}
		}
		return nil
	})
	for _, accept := range []string{"copy", "identity", "gzip", "zstd"} {
		b.Run(accept, func(b *testing.B) {
			b.SetBytes(int64(len(gz)))
			b.ReportAllocs()
			var ru0, ru1 syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			defer func() {
				_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
				cpu := ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano()
				b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op") // steadier than wall time on a loaded machine
			}()
			for b.Loop() {
				req := withVars(httptest.NewRequest("GET", "/", nil))
				req.Header.Set("Accept", "text/html")
				req.Header.Set("Accept-Encoding", accept)
				caddyhttp.NewTestReplacer(req)
				w := &discardWriter{hdr: http.Header{}}
				if accept == "copy" {
					_ = next.ServeHTTP(w, req)
					continue
				}
				if err := h.ServeHTTP(w, req, next); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
