package caddymodule

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/klauspost/compress/zstd"
)

func testCompressor(t *testing.T) *compressor {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	c, err := newCompressor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCompressNegotiate(t *testing.T) {
	c := testCompressor(t)
	for _, tc := range []struct {
		accept []string
		want   string
	}{
		{nil, ""},
		{[]string{"gzip, deflate, br, zstd"}, "zstd"},
		{[]string{"gzip, deflate, br"}, "gzip"},
		{[]string{"br"}, ""},
		{[]string{"zstd;q=0, gzip"}, "gzip"},
		{[]string{"gzip;q=0.5, zstd;q=0.4"}, "gzip"},
		{[]string{"identity, gzip;q=0.1"}, ""},
		{[]string{"deflate", "gzip"}, "gzip"}, // several header lines
		{[]string{"identity"}, ""},
	} {
		if got := c.negotiate(tc.accept); got != tc.want {
			t.Errorf("negotiate(%q) = %q, want %q", tc.accept, got, tc.want)
		}
	}
	var none *compressor
	if got := none.negotiate([]string{"gzip"}); got != "" {
		t.Errorf("nil compressor negotiated %q", got)
	}
}

func TestCompressRoundTrip(t *testing.T) {
	c := testCompressor(t)
	page := strings.Repeat("<p>Hello, banner</p>\n", 2000)
	for _, name := range []string{"gzip", "zstd"} {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			rec.Header().Set("Content-Length", "123")
			rec.Header().Set("Vary", "Cookie")
			body, enc := c.wrap(rec, []string{name})
			if body == nil || enc != name {
				t.Fatalf("wrap chose %q", enc)
			}
			for i := 0; i < len(page); i += 1000 {
				if _, err := body.Write([]byte(page[i:min(i+1000, len(page))])); err != nil {
					t.Fatal(err)
				}
				if i == 5000 {
					// A flush must push a decodable prefix out now.
					if err := body.Flush(); err != nil {
						t.Fatal(err)
					}
					if rec.Body.Len() == 0 {
						t.Error("Flush wrote nothing to the client")
					}
				}
			}
			if err := body.Close(); err != nil {
				t.Fatal(err)
			}
			h := rec.Header()
			if h.Get("Content-Encoding") != name || h.Get("Content-Length") != "" || strings.Join(h.Values("Vary"), ",") != "Cookie,Accept-Encoding" {
				t.Errorf("headers: %v", h)
			}
			if rec.Body.Len() >= len(page)/4 {
				t.Errorf("%d bytes compressed to %d", len(page), rec.Body.Len())
			}
			if got := decompress(t, name, rec.Body.Bytes()); got != page {
				t.Errorf("round trip changed the page (%d bytes back)", len(got))
			}
		})
	}
}

func decompress(t *testing.T, name string, b []byte) string {
	t.Helper()
	var r io.Reader
	switch name {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r = zr
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", name, err)
	}
	return string(out)
}

// An abandoned page (handler error, cut upstream) must not end as a clean
// stream: a client would take the prefix for the whole page.
func TestCompressAbandonLeavesStreamUnfinished(t *testing.T) {
	c := testCompressor(t)
	rec := httptest.NewRecorder()
	body, _ := c.wrap(rec, []string{"gzip"})
	body.Write([]byte(strings.Repeat("<p>partial</p>", 500)))
	body.Flush()
	body.Abandon()
	zr, err := gzip.NewReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(zr); err == nil {
		t.Fatal("an abandoned gzip body decodes as complete")
	}
	// The pooled encoder is clean for the next page.
	rec2 := httptest.NewRecorder()
	body2, _ := c.wrap(rec2, []string{"gzip"})
	body2.Write([]byte("<p>next</p>"))
	body2.Close()
	if got := decompress(t, "gzip", rec2.Body.Bytes()); got != "<p>next</p>" {
		t.Fatalf("next page after an abandoned one: %q", got)
	}
}

func TestCompressIdentityStillVaries(t *testing.T) {
	c := testCompressor(t)
	rec := httptest.NewRecorder()
	body, enc := c.wrap(rec, []string{"br"})
	if body != nil || enc != "" {
		t.Fatalf("compressed with %q for a client that accepts only br", enc)
	}
	if rec.Header().Get("Content-Encoding") != "" || rec.Header().Get("Vary") != "Accept-Encoding" {
		t.Errorf("headers: %v", rec.Header())
	}
}

// The error route's copy of the gateway sees the request after the site
// route's copy asked for identity: it must still know what the client
// accepts.
func TestAskIdentityRemembersClient(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Accept-Encoding", "gzip, zstd")
	r = r.WithContext(context.WithValue(r.Context(), caddyhttp.VarsCtxKey, map[string]any{}))
	if got := askIdentity(r); strings.Join(got, ",") != "gzip, zstd" {
		t.Fatalf("askIdentity returned %q", got)
	}
	if r.Header.Get("Accept-Encoding") != "identity" {
		t.Fatalf("upstream is asked for %q", r.Header.Get("Accept-Encoding"))
	}
	if got := askIdentity(r); strings.Join(got, ",") != "gzip, zstd" {
		t.Fatalf("a second askIdentity (error route) returned %q", got)
	}
	if got := clientAcceptEncoding(r); strings.Join(got, ",") != "gzip, zstd" {
		t.Fatalf("clientAcceptEncoding = %q", got)
	}
}
