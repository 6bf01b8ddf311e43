package caddymodule

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp/encode"
	_ "github.com/caddyserver/caddy/v2/modules/caddyhttp/encode/gzip" // http.encoders.gzip
	_ "github.com/caddyserver/caddy/v2/modules/caddyhttp/encode/zstd" // http.encoders.zstd
)

// The gateway runs before `encode` (order.go), so `encode` would compress
// a page before the gateway could insert the banner. For documents the
// gateway rewrites it therefore asks for identity (askIdentity: the
// upstream and any inner `encode` leave the page alone) and compresses its
// own output here, with Caddy's own encoders, for what the client accepts.
// Everything else (scripts, styles, JSON, pages the gateway passes
// through) is still compressed by `encode` as configured.

// compressPrefer is the server's preference among equally acceptable
// encodings, as `encode zstd gzip` has it.
var compressPrefer = []string{"zstd", "gzip"}

// compressor holds one pool of encoders per encoding.
type compressor struct {
	pools map[string]*sync.Pool
}

// newCompressor loads http.encoders.zstd and http.encoders.gzip with their
// defaults. Call it from Provision.
func newCompressor(ctx caddy.Context) (*compressor, error) {
	c := &compressor{pools: make(map[string]*sync.Pool, len(compressPrefer))}
	for _, name := range compressPrefer {
		mod, err := ctx.LoadModuleByID("http.encoders."+name, json.RawMessage(`{}`))
		if err != nil {
			return nil, fmt.Errorf("loading Caddy's %s encoder for rewritten pages: %v", name, err)
		}
		enc, ok := mod.(encode.Encoding)
		if !ok {
			return nil, fmt.Errorf("http.encoders.%s is not an encoding (%T)", name, mod)
		}
		c.pools[name] = &sync.Pool{New: func() any { return enc.NewEncoder() }}
	}
	return c, nil
}

// negotiate picks the encoding for the client's Accept-Encoding lines,
// honouring q-values (q=0 refuses; identity preferred means none) and
// the server's preference among equals. "" means send identity.
func (c *compressor) negotiate(acceptEncoding []string) string {
	if c == nil || len(acceptEncoding) == 0 {
		return ""
	}
	r := &http.Request{Header: http.Header{"Accept-Encoding": acceptEncoding}}
	for _, name := range encode.AcceptedEncodings(r, compressPrefer) {
		if name == "identity" {
			return ""
		}
		if _, ok := c.pools[name]; ok {
			return name
		}
	}
	return ""
}

// wrap starts compressing a rewritten page. Call it where the body writer
// is chosen, after the page's headers are final and before the inner
// WriteHeader. It always adds Vary: Accept-Encoding (the page now depends
// on it); when the client accepts zstd or gzip it sets Content-Encoding,
// drops Content-Length and returns the writer the rewritten bytes go to,
// which compresses into w. Otherwise it returns nil and "": write to w.
//
// For HEAD, call it the same way and only Abandon the body: the headers
// announce what GET would send.
func (c *compressor) wrap(w http.ResponseWriter, acceptEncoding []string) (*compressedBody, string) {
	if c == nil {
		return nil, ""
	}
	hdr := w.Header()
	addVary(hdr, "Accept-Encoding")
	name := c.negotiate(acceptEncoding)
	if name == "" {
		return nil, ""
	}
	hdr.Set("Content-Encoding", name)
	hdr.Del("Content-Length")
	pool := c.pools[name]
	enc := pool.Get().(encode.Encoder)
	enc.Reset(w)
	return &compressedBody{enc: enc, pool: pool}, name
}

// compressedBody is a rewritten page on its way to the client, compressed.
type compressedBody struct {
	enc  encode.Encoder
	pool *sync.Pool
}

// Write compresses p.
func (b *compressedBody) Write(p []byte) (int, error) { return b.enc.Write(p) }

// Flush pushes what the encoder holds to the inner writer (call it before
// flushing the http.ResponseWriter, so a streamed page keeps streaming).
func (b *compressedBody) Flush() error { return b.enc.Flush() }

// Close ends a complete page: it writes the encoding's trailer (gzip CRC
// and length, the last zstd block) and returns the encoder to its pool.
// Call it once, when the body is complete.
func (b *compressedBody) Close() error {
	err := b.enc.Close()
	b.release()
	return err
}

// Abandon returns the encoder without writing the trailer: after a
// handler error or a cut upstream body the client must see a broken
// transfer, never a compressed stream that ends cleanly.
func (b *compressedBody) Abandon() { b.release() }

func (b *compressedBody) release() {
	if b.enc == nil {
		return
	}
	b.enc.Reset(io.Discard)
	b.pool.Put(b.enc)
	b.enc = nil
}

// acceptEncodingVar keeps the client's Accept-Encoding in the request's
// variables: the request header is identity by the time an error route's
// copy of the gateway (order.go) writes the error page.
const acceptEncodingVar = "consent.client_accept_encoding"

// askIdentity asks the upstream and any inner `encode` for an
// uncompressed body (Accept-Encoding: identity) and returns the client's
// own Accept-Encoding lines, also remembered for clientAcceptEncoding.
func askIdentity(r *http.Request) []string {
	orig := clientAcceptEncoding(r)
	caddyhttp.SetVar(r.Context(), acceptEncodingVar, orig)
	r.Header.Set("Accept-Encoding", "identity")
	return orig
}

// clientAcceptEncoding is what the client sent, even after askIdentity
// ran for this request (in this handler or in the site route's copy).
func clientAcceptEncoding(r *http.Request) []string {
	if v, ok := caddyhttp.GetVar(r.Context(), acceptEncodingVar).([]string); ok {
		return v
	}
	return r.Header.Values("Accept-Encoding")
}
