// Command upstream is the origin server behind both proxies in
// bench/run.sh. Its responses look like a real site's: session and tracking
// cookies, a ~100 KB HTML page with Google Analytics 4 and Meta Pixel
// snippets, the same page gzip-compressed, a 20 MB streamed page and a 1×1
// pixel at a collect-style path. Every response carries X-Upstream so the
// benchmark can tell a proxied answer from one the gateway gave itself.
//
//	GET /api        ~1 KB JSON with 4 Set-Cookie
//	GET /page       ~100 KB HTML with 4 Set-Cookie (gzip when the request accepts it)
//	GET /page-gz    the same page, always gzip-compressed
//	GET /big        a 20 MB HTML page written in 32 KB chunks, flushed after each
//	GET /pixel.gif  a 1×1 transparent GIF
//	GET /health     "ok"
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/consentgate/caddy-consent/internal/benchpage"
)

var cookies = []string{
	"PHPSESSID=9f1c2d3e4b5a69788776655443322110; Path=/; HttpOnly; SameSite=Lax",
	"_ga=GA1.1.1234567890.1764300000; Path=/; Max-Age=63072000; SameSite=Lax",
	"_fbp=fb.1.1764300000000.1234567890; Path=/; Max-Age=7776000; SameSite=Lax",
	"_hjSessionUser_123=eyJpZCI6IjEyMzQ1Njc4OTAiLCJjcmVhdGVkIjoxNzY0MzAwMDAwfQ==; Path=/; Max-Age=31536000; SameSite=Lax",
}

func gzipBytes(p []byte) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.DefaultCompression)
	_, _ = zw.Write(p)
	_ = zw.Close()
	return b.Bytes()
}

// pixel is a 1×1 transparent GIF.
var pixel = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff\x21\xf9\x04\x01\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b")

func apiBody() []byte {
	var b bytes.Buffer
	b.WriteString(`{"user":{"id":12345,"name":"Bench User","locale":"en-GB","segments":["returning","newsletter"]},"cart":{"items":[`)
	for i := 0; b.Len() < 900; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"sku":"SKU-%06d","qty":%d,"price":%d.99}`, i, 1+i%3, 10+i)
	}
	b.WriteString(`]},"ts":"2026-11-28T12:00:00Z"}`)
	return b.Bytes()
}

func setCookies(h http.Header) {
	for _, c := range cookies {
		h.Add("Set-Cookie", c)
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:18480", "listen address")
	bigSize := flag.Int("big", 20<<20, "size of /big in bytes")
	flag.Parse()

	api := apiBody()
	page := benchpage.Page(100 << 10)
	pageGz := gzipBytes(page)

	// /big: the page head, then body cards in 32 KB chunks.
	const chunkSize = 32 << 10
	bigHead := []byte(benchpage.Head)
	var chunk bytes.Buffer
	for i := 0; chunk.Len() < chunkSize; i++ {
		chunk.WriteString(benchpage.Card(i))
	}
	bigChunk := chunk.Bytes()[:chunkSize] // may cut a card: the scanner must cope
	bigTail := []byte(benchpage.Tail)

	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/api", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(api)))
		h.Set("Cache-Control", "private, no-cache")
		setCookies(h)
		_, _ = w.Write(api)
	})
	servePage := func(w http.ResponseWriter, gz bool) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "private, max-age=0")
		h.Set("Vary", "Accept-Encoding")
		h.Set("ETag", `"page-v1"`)
		setCookies(h)
		body := page
		if gz {
			body = pageGz
			h.Set("Content-Encoding", "gzip")
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		servePage(w, acceptsGzip(r))
	})
	mux.HandleFunc("/page-gz", func(w http.ResponseWriter, r *http.Request) {
		servePage(w, true)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		setCookies(h)
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		if _, err := w.Write(bigHead); err != nil {
			return
		}
		_ = rc.Flush()
		for n := len(bigHead); n+len(bigTail) < *bigSize; {
			p := bigChunk[:min(len(bigChunk), *bigSize-len(bigTail)-n)]
			if _, err := w.Write(p); err != nil {
				return
			}
			_ = rc.Flush()
			n += len(p)
		}
		_, _ = w.Write(bigTail)
	})
	mux.HandleFunc("/pixel.gif", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "image/gif")
		h.Set("Content-Length", strconv.Itoa(len(pixel)))
		h.Set("Cache-Control", "no-store")
		_, _ = w.Write(pixel)
	})

	srv := &http.Server{
		Addr: *addr,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Upstream", "bench")
			mux.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	log.Printf("upstream: listening on %s (/api %d B, /page %d B, /page-gz %d B, /big %d B)", *addr, len(api), len(page), len(pageGz), *bigSize)
	log.Fatal(srv.ListenAndServe())
}

func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			if name, q, _ := strings.Cut(t, ";"); strings.EqualFold(strings.TrimSpace(name), "gzip") && !strings.Contains(strings.ReplaceAll(q, " ", ""), "q=0") {
				return true
			}
		}
	}
	return false
}
