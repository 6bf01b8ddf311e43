package caddymodule

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/consentgate/caddy-consent/caddymodule/audit"
	"github.com/consentgate/caddy-consent/caddymodule/htmlrewrite"
	"github.com/consentgate/caddy-consent/caddymodule/trackers"
)

// responseWriter enforces the policy on response headers at the final
// WriteHeader and, for HTML it can safely rewrite, streams the body through
// htmlrewrite. It never buffers a body: bytes it does not rewrite go
// straight to the inner writer (including through ReadFrom/sendfile).
type responseWriter struct {
	*caddyhttp.ResponseWriterWrapper
	h   *Handler
	req *http.Request
	v   *visitor

	wroteHeader bool
	status      int
	rewriter    *htmlrewrite.Rewriter // non-nil while rewriting the body
	decoder     *bodyDecoder          // non-nil when the body arrives compressed
	snippet     *bytes.Buffer         // the banner or settings control for this page
	out         *bufio.Writer         // coalesces the rewriter's pieces
	headSnippet []byte                // Consent Mode default, first in <head>
	tags        *trackers.PageRewriter
}

var rewriterPool = sync.Pool{New: func() any { return htmlrewrite.New(io.Discard, htmlrewrite.Options{}) }}
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// outPool holds the small buffers that coalesce a rewritten body's pieces
// (the part before <body>, the banner, the rest) into fewer, larger writes:
// fewer syscalls, and `encode` sees a first write long enough to decide to
// compress (it compares the first write with its minimum length).
var outPool = sync.Pool{New: func() any { return bufio.NewWriterSize(io.Discard, 32<<10) }}

func (h *Handler) wrap(w http.ResponseWriter, r *http.Request, v *visitor) *responseWriter {
	return &responseWriter{ResponseWriterWrapper: &caddyhttp.ResponseWriterWrapper{ResponseWriter: w}, h: h, req: r, v: v}
}

// WriteHeader enforces the cookie policy on the headers and decides whether
// the body is rewritten. 1xx responses are forwarded at once (scrubbed too:
// Early Hints may carry Set-Cookie) and are not the final header.
func (rw *responseWriter) WriteHeader(status int) {
	if rw.wroteHeader {
		return
	}
	hdr := rw.Header()
	if status >= 100 && status < 200 && status != http.StatusSwitchingProtocols {
		rw.h.enforceSetCookies(hdr, "Set-Cookie", rw.v)
		rw.ResponseWriter.WriteHeader(status)
		return
	}
	rw.wroteHeader = true
	rw.status = status
	dependent := rw.h.enforceSetCookies(hdr, "Set-Cookie", rw.v)
	if rw.h.addExpiries(hdr, rw.req, rw.v) {
		dependent = true
	}
	if rw.startRewrite(status) {
		dependent = true
	}
	if dependent {
		// Shared caches must never serve one visitor's cookies or banner
		// state to another (documented in the README, "Caching").
		addVary(hdr, "Cookie")
	}
	rw.ResponseWriter.WriteHeader(status)
}

func addVary(hdr http.Header, field string) {
	for _, v := range hdr.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "*" || strings.EqualFold(f, field) {
				return
			}
		}
	}
	hdr.Add("Vary", field)
}

// startRewrite decides whether this response body gets the banner. It
// rewrites only what it can rewrite safely: a full (not partial) HTML
// body in an ASCII-compatible charset, not marked no-transform, identity or
// gzip/zstd encoded, for a request that expects a body.
func (rw *responseWriter) startRewrite(status int) bool {
	h := rw.h
	if !h.bannerEnabled() || rw.req.Method == http.MethodConnect {
		return false
	}
	if status < 200 || status == http.StatusNoContent || status == http.StatusResetContent ||
		status == http.StatusPartialContent || status == http.StatusNotModified || (status >= 300 && status < 400) {
		return false
	}
	hdr := rw.Header()
	if !isRewritableHTML(hdr.Get("Content-Type")) {
		return false
	}
	reason := ""
	enc := strings.ToLower(strings.TrimSpace(hdr.Get("Content-Encoding")))
	switch {
	case hdr.Get("Content-Range") != "":
		reason = "partial content"
	case hasToken(hdr.Values("Cache-Control"), "no-transform"):
		reason = "cache-control no-transform"
	case enc != "" && enc != "identity" && !decodable(enc):
		reason = "content-encoding " + enc
	}
	if reason != "" {
		if c := h.logger.Check(zap.DebugLevel, audit.BodyPassedThrough); c != nil {
			c.Write(append(rw.v.fields(), zap.String("reason", reason))...)
		}
		return false
	}
	if rw.req.Method == http.MethodHead {
		// No body to rewrite, but HEAD must announce what GET sends.
		dropValidators(hdr)
		if enc != "" && enc != "identity" {
			hdr.Del("Content-Encoding")
		}
		return true
	}

	h.removeRefusedHosts(hdr, rw.v)
	nonce := h.adjustCSP(hdr, h.tracking != nil && h.tracking.consentMode != nil)
	rw.snippet = bufPool.Get().(*bytes.Buffer)
	rw.snippet.Reset()
	if err := h.renderSnippet(rw.snippet, rw.req, rw.v, nonce); err != nil {
		h.logger.Error("banner rendering failed; page served without it", zap.Error(err))
		bufPool.Put(rw.snippet)
		rw.snippet = nil
		return false
	}
	if rw.snippet.Len() == 0 {
		bufPool.Put(rw.snippet)
		rw.snippet = nil
		return false
	}

	dropValidators(hdr)

	rwr := rewriterPool.Get().(*htmlrewrite.Rewriter)
	opts := htmlrewrite.Options{BodyStart: rw.snippet.Bytes()}
	if t := h.tracking; t != nil && t.consentMode != nil {
		rw.headSnippet = trackers.ConsentModeDefault(h.allowedFunc(rw.v), t.consentMode, nonce)
		opts.HeadStart = rw.headSnippet
	}
	if pr := h.tagRewriter(rw.v); pr != nil {
		rw.tags = pr
		opts.Tags = pr
		if h.Mode == ModeReport {
			opts.Tags = reportOnly{pr}
		}
	}
	rw.out = outPool.Get().(*bufio.Writer)
	if enc != "" && enc != "identity" {
		hdr.Del("Content-Encoding")
		rw.out.Reset(rw.ResponseWriter)
		sink := &lockedWriter{w: rw.out}
		rwr.Reset(sink, opts)
		rw.decoder = newBodyDecoder(enc, rwr, sink)
	} else {
		rw.out.Reset(rw.ResponseWriter)
		rwr.Reset(rw.out, opts)
	}
	rw.rewriter = rwr
	return true
}

// dropValidators removes what no longer describes a rewritten body: its
// length and range support, and the upstream's validators (the body now
// depends on the visitor's consent, so no cache may revalidate one
// visitor's page for another).
func dropValidators(hdr http.Header) {
	hdr.Del("Content-Length")
	hdr.Del("Accept-Ranges")
	hdr.Del("ETag")
	hdr.Del("Last-Modified")
}

// isRewritableHTML accepts text/html in a charset that is a superset of
// ASCII (the scanner looks for ASCII markup); UTF-16/32 and EBCDIC pages
// pass through untouched.
func isRewritableHTML(ct string) bool {
	if len(ct) < 9 || !strings.EqualFold(ct[:9], "text/html") {
		return false // the common case (JSON, images, CSS) without parsing
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "text/html" {
		return false
	}
	cs := strings.ToLower(params["charset"])
	switch {
	case strings.HasPrefix(cs, "utf-16"), strings.HasPrefix(cs, "utf-32"), strings.HasPrefix(cs, "ucs"),
		strings.HasPrefix(cs, "utf-7"), strings.HasPrefix(cs, "ibm0"), strings.HasPrefix(cs, "cp0"), strings.HasPrefix(cs, "ebcdic"):
		return false
	}
	return true
}

func hasToken(values []string, token string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// Write implements http.ResponseWriter.
func (rw *responseWriter) Write(p []byte) (int, error) {
	if !rw.wroteHeader {
		rw.WriteHeader(http.StatusOK)
	}
	switch {
	case rw.decoder != nil:
		return rw.decoder.Write(p)
	case rw.rewriter != nil:
		return rw.rewriter.Write(p)
	}
	return rw.ResponseWriter.Write(p)
}

// ReadFrom keeps io.Copy (file_server, http.ServeContent) from writing
// around the rewriter through the promoted ResponseWriterWrapper.ReadFrom;
// bodies that are not rewritten still use the inner ReadFrom (sendfile).
func (rw *responseWriter) ReadFrom(r io.Reader) (int64, error) {
	if !rw.wroteHeader {
		rw.WriteHeader(http.StatusOK)
	}
	if rw.rewriter == nil {
		return rw.ResponseWriterWrapper.ReadFrom(r)
	}
	return io.Copy(writerOnly{rw}, r)
}

type writerOnly struct{ io.Writer }

// FlushError pushes what the rewriter may emit and flushes the inner
// writer. Before the header is decided it does nothing, so that a flush
// cannot commit headers the policy has not seen (like encode, see #4314).
func (rw *responseWriter) FlushError() error {
	if !rw.wroteHeader {
		return nil
	}
	if rw.decoder != nil {
		return rw.decoder.Flush(func() error {
			if err := rw.out.Flush(); err != nil {
				return err
			}
			return http.NewResponseController(rw.ResponseWriter).Flush()
		})
	}
	if rw.rewriter != nil {
		if err := rw.rewriter.Flush(); err != nil {
			return err
		}
		if err := rw.out.Flush(); err != nil {
			return err
		}
	}
	return http.NewResponseController(rw.ResponseWriter).Flush()
}

// Flush implements http.Flusher for callers that still type-assert it.
func (rw *responseWriter) Flush() { _ = rw.FlushError() }

// close finishes the body: the rewriter writes the banner if the page had
// no <body> tag. After a handler error nothing more is written, so
// handle_errors output is not corrupted.
func (rw *responseWriter) close(handlerErr error) error {
	if !rw.wroteHeader {
		if handlerErr != nil {
			// Nothing was sent; whatever answers the error must not
			// inherit non-consented cookies from the shared header map.
			rw.h.enforceSetCookies(rw.Header(), "Set-Cookie", rw.v)
			return nil
		}
		// A handler that set headers but wrote nothing: net/http would
		// send them as an implicit 200 without passing through us.
		rw.WriteHeader(http.StatusOK)
	}
	var err error
	if rw.decoder != nil {
		err = rw.decoder.Close(handlerErr != nil)
		rw.decoder = nil // ServeHTTP defers a second close (for panics): log a cut body once
	} else if rw.rewriter != nil && handlerErr == nil {
		err = rw.rewriter.Close()
	}
	if rw.out != nil {
		if handlerErr == nil {
			if ferr := rw.out.Flush(); err == nil {
				err = ferr
			}
		}
		rw.out.Reset(io.Discard)
		outPool.Put(rw.out)
		rw.out = nil
	}
	if rw.rewriter != nil {
		_, body := rw.rewriter.Inserted()
		if body {
			rw.h.countInjection(rw.v)
			if c := rw.h.logger.Check(zap.DebugLevel, audit.BannerInjected); c != nil {
				c.Write(append(rw.v.fields(), zap.Bool("settings_control_only", rw.v.hasConsent))...)
			}
		}
		rw.rewriter.Reset(io.Discard, htmlrewrite.Options{})
		rewriterPool.Put(rw.rewriter)
		rw.rewriter = nil
	}
	if rw.snippet != nil {
		bufPool.Put(rw.snippet)
		rw.snippet = nil
	}
	if rw.tags != nil {
		rw.h.releaseTagRewriter(rw.tags)
		rw.tags = nil
	}
	if err != nil {
		// A client that went away mid-page, or a corrupt compressed
		// body: the response is already cleanly cut short, so this is
		// not a handler error for Caddy to log at ERROR (bare
		// reverse_proxy does not either); the audit log says what happened.
		if c := rw.h.logger.Check(zap.InfoLevel, audit.BodyCutShort); c != nil {
			c.Write(append(rw.v.fields(), zap.Error(err))...)
		}
	}
	return nil
}

// lockedWriter serialises writes to the inner writer when a decoder
// goroutine and a handler flush may both touch it.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Interface guards
var (
	_ http.ResponseWriter             = (*responseWriter)(nil)
	_ io.ReaderFrom                   = (*responseWriter)(nil)
	_ http.Flusher                    = (*responseWriter)(nil)
	_ interface{ FlushError() error } = (*responseWriter)(nil)
)
