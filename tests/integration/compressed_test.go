package integration

// Issue 13, "Nothing breaks a page". A differential test: the same upstream behaviours (compressed pages,
// valid and not) through a bare Caddy `reverse_proxy` and through the
// gateway, each with and without `encode`, over HTTP/1.1 and HTTP/2. The
// promises checked:
//   - a page the gateway can decode gets the banner and is complete;
//   - a body it cannot decode before producing anything passes through
//     exactly as the bare proxy delivers it (same status, same
//     Content-Encoding, same bytes), with cookies still enforced;
//   - a body that breaks after decoding started (truncated stream inside
//     a complete HTTP message, bad checksum, trailing garbage, upstream
//     dropping mid-body) reaches the client as a broken transfer, never
//     as a body that looks complete, and is logged at WARN with the reason;
//   - no decoder is left running afterwards.

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/consentgate/caddy-consent/internal/testcaddy"
)

// ctPage is a deterministic HTML page of about n bytes.
func ctPage(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 13))
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html><html><head><title>t</title></head><body>\n")
	for b.Len() < n-30 {
		fmt.Fprintf(&b, "<p>paragraph %d of a compressed page, %x</p>\n", b.Len(), r.Uint64())
	}
	b.WriteString("</body></html>\n")
	return b.Bytes()
}

func ctGzip(p []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write(p)
	_ = w.Close()
	return b.Bytes()
}

func ctZstd(t *testing.T, p []byte) []byte {
	var b bytes.Buffer
	w, err := zstd.NewWriter(&b, zstd.WithWindowSize(1<<20), zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(p)
	_ = w.Close()
	return b.Bytes()
}

// ctLongWindow is what `zstd --long=27` makes of a 90-byte page read from
// a pipe: a frame declaring a 128 MiB window, no content size. Built by
// hand (frame header, one raw block) so the test needs no zstd binary.
func ctLongWindow(p []byte) []byte {
	b := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, (27 - 10) << 3}
	h := 1 | uint32(len(p))<<3 // last block, raw, size
	b = append(b, byte(h), byte(h>>8), byte(h>>16))
	return append(b, p...)
}

// ctChunked frames body as a complete chunked message (clean end).
func ctChunked(body []byte) string {
	var b strings.Builder
	for len(body) > 0 {
		n := min(len(body), 8<<10)
		fmt.Fprintf(&b, "%x\r\n%s\r\n", n, body[:n])
		body = body[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}

type ctExpect int

const (
	ctDecoded     ctExpect = iota // decoded, banner inserted, complete
	ctPassThrough                 // byte-identical to the bare proxy
	ctBroken                      // the client sees a broken transfer
)

type ctCase struct {
	name   string
	raw    string // the upstream's whole response (head and body)
	expect ctExpect
	page   []byte // ctDecoded: the decoded page
}

func ctCases(t *testing.T) []ctCase {
	page := ctPage(64 << 10)
	gz := ctGzip(page)
	big := ctPage(300 << 10) // zstd emits per block (128 KiB): this one has three
	zs := ctZstd(t, big)
	zsSmall := ctZstd(t, page)
	small := []byte("<!DOCTYPE html><html><head><title>t</title></head><body><p>hello, small page</p></body></html>")
	gzSmall := ctGzip(small)

	// The upstream flushed 31.5 KB of a 64 KiB page, then ended the body
	// cleanly without finishing the gzip stream.
	var cut bytes.Buffer
	zw := gzip.NewWriter(&cut)
	_, _ = zw.Write(page[:31<<10+512])
	_ = zw.Flush()

	badCRC := bytes.Clone(gzSmall)
	badCRC[len(badCRC)-8] ^= 0xff
	zBadSum := bytes.Clone(zsSmall)
	zBadSum[len(zBadSum)-1] ^= 0xff
	// A gzip header, then a first deflate byte declaring the reserved
	// block type: no decoder can produce a byte from it.
	headerThenNoise := append(append([]byte{}, gzSmall[:10]...), 0x07, 0x9a, 0x41, 0xe3, 0x5c, 0x11, 0x80, 0xfe)

	cl := func(ce string, body []byte) string {
		return ftHeaders("200 OK", fmt.Sprintf("Content-Length: %d\r\nContent-Encoding: %s\r\n", len(body), ce)) + string(body)
	}
	chunked := func(ce string, body []byte) string {
		return ftHeaders("200 OK", "Transfer-Encoding: chunked\r\nContent-Encoding: "+ce+"\r\n") + ctChunked(body)
	}
	return []ctCase{
		{name: "gzip page", raw: cl("gzip", gz), expect: ctDecoded, page: page},
		{name: "gzip page chunked", raw: chunked("gzip", gz), expect: ctDecoded, page: page},
		{name: "x-gzip page", raw: cl("x-gzip", gz), expect: ctDecoded, page: page},
		{name: "gzip multistream", raw: cl("gzip", append(ctGzip(small[:40]), ctGzip(small[40:])...)), expect: ctDecoded, page: small},
		{name: "zstd page", raw: cl("zstd", zs), expect: ctDecoded, page: big},

		{name: "zstd --long=27 90-byte page", raw: cl("zstd", ctLongWindow(small[:90])), expect: ctPassThrough},
		{name: "23 bytes not zstd", raw: cl("zstd", []byte("this is not zstd at all")), expect: ctPassThrough},
		{name: "15 bytes not gzip", raw: cl("gzip", []byte("not gzip, sorry")), expect: ctPassThrough},
		{name: "plain HTML labelled gzip", raw: cl("gzip", page[:4000]), expect: ctPassThrough},
		{name: "plain HTML labelled gzip, chunked", raw: chunked("gzip", page), expect: ctPassThrough},
		{name: "gzip header then noise", raw: cl("gzip", headerThenNoise), expect: ctPassThrough},
		{name: "empty body labelled gzip", raw: cl("gzip", nil), expect: ctPassThrough},
		{name: "gzip cut inside its header", raw: cl("gzip", gzSmall[:6]), expect: ctPassThrough},

		{name: "gzip cut at 31.5 KB, clean chunked end", raw: chunked("gzip", cut.Bytes()), expect: ctBroken},
		{name: "gzip cut at half, Content-Length matching", raw: cl("gzip", gz[:len(gz)/2]), expect: ctBroken},
		{name: "gzip CRC error", raw: cl("gzip", badCRC), expect: ctBroken},
		{name: "gzip trailing garbage", raw: cl("gzip", append(bytes.Clone(gz), "GARBAGE!"...)), expect: ctBroken},
		{name: "gzip upstream drops mid-body", raw: ftHeaders("200 OK", fmt.Sprintf("Content-Length: %d\r\nContent-Encoding: gzip\r\n", len(gz))) + string(gz[:len(gz)/2]), expect: ctBroken},
		{name: "zstd cut at 80%, clean chunked end", raw: chunked("zstd", zs[:len(zs)*4/5]), expect: ctBroken},
		{name: "zstd checksum error", raw: cl("zstd", zBadSum), expect: ctBroken},
		{name: "zstd trailing garbage", raw: cl("zstd", append(bytes.Clone(zsSmall), "GARBAGE!"...)), expect: ctBroken},
		{name: "zstd second frame declaring a 128 MiB window", raw: cl("zstd", append(bytes.Clone(zsSmall), ctLongWindow(small[:90])...)), expect: ctBroken},
		{name: "zstd upstream drops mid-body", raw: ftHeaders("200 OK", fmt.Sprintf("Content-Length: %d\r\nContent-Encoding: zstd\r\n", len(zs))) + string(zs[:len(zs)*4/5]), expect: ctBroken},
	}
}

// ctResult is what a client saw.
type ctResult struct {
	status     int
	protoMajor int
	header     http.Header
	body       []byte
	err        error // from the request or from reading the body
}

func ctGet(t *testing.T, c *http.Client, url string) ctResult {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	for k, v := range ftDoc {
		req.Header.Set(k, v)
	}
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := c.Do(req)
	if err != nil {
		return ctResult{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return ctResult{status: resp.StatusCode, protoMajor: resp.ProtoMajor, header: resp.Header, body: b, err: err}
}

func TestCompressedBodiesDifferential(t *testing.T) {
	cases := ctCases(t)
	byPath := map[string]string{}
	for i, c := range cases {
		byPath[fmt.Sprintf("/case/%d", i)] = c.raw
	}
	up := ftRawUpstream(t, func(conn net.Conn, req *http.Request) bool {
		_, _ = io.WriteString(conn, byPath[req.URL.Path])
		return false
	})
	for _, p := range ftProtos(t) {
		t.Run(p.name, func(t *testing.T) {
			scheme, tlsLine := "http", ""
			if p.h2 {
				scheme, tlsLine = "https", "\ttls "+p.certs.certFile+" "+p.certs.keyFile+"\n"
			}
			ports := map[string]string{
				"gateway":        "{GATEWAY}",
				"gateway+encode": fmt.Sprintf("127.0.0.1:%d", testcaddy.FreePort(t)),
				"bare":           fmt.Sprintf("127.0.0.1:%d", testcaddy.FreePort(t)),
				"bare+encode":    fmt.Sprintf("127.0.0.1:%d", testcaddy.FreePort(t)),
			}
			var sites strings.Builder
			for name, addr := range ports {
				sites.WriteString(scheme + "://" + addr + " {\n" + tlsLine)
				if strings.HasSuffix(name, "+encode") {
					sites.WriteString("\tencode\n")
				}
				if strings.HasPrefix(name, "gateway") {
					sites.WriteString("\tconsent {\n\t\tpolicy_version 1\n\t}\n")
				}
				sites.WriteString("\treverse_proxy " + up.addr() + "\n}\n")
			}
			g := testcaddy.Start(t, sites.String())
			ports["gateway"] = g.Addr
			tr := &http.Transport{DisableCompression: true}
			if p.h2 {
				tr.TLSClientConfig = &tls.Config{RootCAs: p.certs.pool}
				tr.ForceAttemptHTTP2 = true
			}
			t.Cleanup(tr.CloseIdleConnections)
			client := &http.Client{Transport: tr}
			base, _ := ftGoroutines(t, g)

			broken := 0
			for i, c := range cases {
				for _, enc := range []string{"", "+encode"} {
					t.Run(c.name+enc, func(t *testing.T) {
						path := fmt.Sprintf("/case/%d", i)
						bare := ctGet(t, client, scheme+"://"+ports["bare"+enc]+path)
						gw := ctGet(t, client, scheme+"://"+ports["gateway"+enc]+path)
						for _, r := range []ctResult{bare, gw} {
							if r.header != nil && p.h2 && r.protoMajor != 2 {
								t.Fatalf("the h2 variant was served over HTTP/%d", r.protoMajor)
							}
						}
						if gw.header != nil {
							ftNoTrackers(t, "headers", gw.header)
						}
						switch c.expect {
						case ctDecoded:
							ctCheckDecoded(t, gw, c.page, enc != "")
						case ctPassThrough:
							if bare.err != nil {
								t.Fatalf("bare proxy: %v", bare.err)
							}
							if gw.err != nil {
								t.Fatalf("an undecodable body must pass through as the bare proxy delivers it; the gateway broke it: %v", gw.err)
							}
							if gw.status != bare.status || gw.header.Get("Content-Encoding") != bare.header.Get("Content-Encoding") || !bytes.Equal(gw.body, bare.body) {
								t.Errorf("gateway: %d, Content-Encoding %q, %d bytes %q\nbare:    %d, Content-Encoding %q, %d bytes %q",
									gw.status, gw.header.Get("Content-Encoding"), len(gw.body), ftTrim(string(gw.body), 80),
									bare.status, bare.header.Get("Content-Encoding"), len(bare.body), ftTrim(string(bare.body), 80))
							}
							if !has(ftCookies(gw.header), "PHPSESSID") {
								t.Errorf("the session cookie must pass on a passed-through page: %v", gw.header["Set-Cookie"])
							}
						case ctBroken:
							broken++
							if gw.err == nil {
								t.Errorf("a compressed body broken after decoding started arrived as complete: %d, Content-Encoding %q, %d bytes %q",
									gw.status, gw.header.Get("Content-Encoding"), len(gw.body), ftTrim(string(gw.body), 120))
							}
						}
					})
				}
			}
			// Every broken body is logged at WARN with the decoder's reason.
			warns := 0
			for _, e := range g.Logs(t) {
				if e.Str("level") != "warn" {
					continue
				}
				line := fmt.Sprint(e)
				if strings.Contains(line, "compressed body is corrupt") || strings.Contains(line, "compressed body is truncated") {
					warns++
				}
			}
			if warns < broken {
				t.Errorf("%d broken compressed bodies, %d WARN lines giving the reason", broken, warns)
			}
			ftSettled(t, g, base, 8, client)
			if _, dump := ftGoroutines(t, g); strings.Contains(dump, "bodydecode.") {
				t.Errorf("a body decoder is still running:\n%s", ftTrim(dump, 4000))
			}
			ftNoPanic(t, g)
		})
	}
}

// ctCheckDecoded: the page arrived complete, decoded and compressed again
// by the gateway for the client (which accepts gzip, with or without
// `encode` in the site), with one banner and the page's own bytes around
// it.
func ctCheckDecoded(t *testing.T, r ctResult, page []byte, encode bool) {
	t.Helper()
	if r.err != nil {
		t.Fatalf("a valid compressed page broke: %v", r.err)
	}
	body := r.body
	// The gateway compresses the pages it rewrites where the site block
	// has encode (compress_pages), for what the client accepts; a site
	// without encode gets identity, as it always did.
	switch ce := r.header.Get("Content-Encoding"); {
	case !encode && ce == "":
	case encode && ce == "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("the gateway's gzip: %v", err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			t.Fatalf("the gateway's gzip: %v", err)
		}
	default:
		t.Fatalf("Content-Encoding %q on the decoded page for a client accepting gzip (encode: %v)", ce, encode)
	}
	s := string(body)
	if r.status != 200 || strings.Count(s, `id="cg-consent"`) != 1 {
		t.Fatalf("status %d, %d banners in %q", r.status, strings.Count(s, `id="cg-consent"`), ftTrim(s, 200))
	}
	head := "<!DOCTYPE html><html><head><title>t</title></head><body>"
	text := string(page[len(head) : len(head)+20]) // the start of the body's content
	tail := "</body></html>"
	if len(page) > 1000 {
		tail = string(page[len(page)-200:])
	}
	if !strings.HasPrefix(s, head) || !strings.Contains(s, text) || !strings.Contains(s, tail) || len(s) < len(page) {
		t.Errorf("decoded page is not the upstream's page plus the banner: %d bytes for a %d-byte page", len(s), len(page))
	}
}
