package caddymodule

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/consentgate/caddy-consent/caddymodule/audit"
	"github.com/consentgate/caddy-consent/caddymodule/enforce"
	"github.com/consentgate/caddy-consent/caddymodule/htmlrewrite"
	"github.com/consentgate/caddy-consent/caddymodule/trackers"
)

// responseWriter applies the engine's decision to the response: Set-Cookie
// filtering and expiries at the final WriteHeader, then the rewrite plan
// on the body. It never buffers a body: bytes it does not rewrite go
// straight to the inner writer (including through ReadFrom/sendfile). In
// report mode it changes nothing and only scans identity HTML bodies, on
// a copy, for the tags enforcing would neutralize.
type responseWriter struct {
	*caddyhttp.ResponseWriterWrapper
	x *exchange

	wroteHeader bool
	rewriter    *htmlrewrite.Rewriter // non-nil while rewriting (or, in report mode, scanning) the body
	tee         bool                  // report mode: the body goes to the client as is and to rewriter
	decoder     *bodyDecoder          // non-nil when the body arrives compressed (in report mode: decodes the copy)
	snippet     *bytes.Buffer         // the banner or settings control for this page
	out         *bufio.Writer         // coalesces the rewriter's pieces
	tags        *trackers.PageRewriter
}

var rewriterPool = sync.Pool{New: func() any { return htmlrewrite.New(io.Discard, htmlrewrite.Options{}) }}
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// outPool holds the buffers that coalesce a rewritten body's pieces into
// fewer, larger writes: fewer syscalls, and `encode` sees a first write
// long enough to decide to compress.
var outPool = sync.Pool{New: func() any { return bufio.NewWriterSize(io.Discard, 32<<10) }}

// WriteHeader applies the cookie decisions and the rewrite plan. 1xx
// responses are forwarded at once (scrubbed too: Early Hints may carry
// Set-Cookie) and are not the final header.
func (rw *responseWriter) WriteHeader(status int) {
	if rw.wroteHeader {
		return
	}
	d, hdr := rw.x.d, rw.Header()
	if rw.x.passive {
		if status >= 200 || status == http.StatusSwitchingProtocols {
			rw.wroteHeader, rw.x.status = true, status
		}
		rw.ResponseWriter.WriteHeader(status)
		return
	}
	if status >= 100 && status < 200 && status != http.StatusSwitchingProtocols {
		d.FilterSetCookies(hdr, "Set-Cookie")
		rw.ResponseWriter.WriteHeader(status)
		return
	}
	rw.wroteHeader = true
	rw.x.status = status
	dependent := d.FilterSetCookies(hdr, "Set-Cookie")
	expiries := d.Expiries(rw.x.r.Host)
	plan := d.Plan(rw.x.r.Method, status, hdr)
	if d.Report {
		rw.startScan(plan)
		rw.ResponseWriter.WriteHeader(status)
		return
	}
	for _, line := range expiries {
		hdr.Add("Set-Cookie", line)
	}
	if plan.Skip != "" {
		if c := rw.x.h.logger.Check(zap.DebugLevel, audit.BodyPassedThrough); c != nil {
			c.Write(append(rw.x.fields(), zap.String("reason", plan.Skip))...)
		}
	}
	if plan.Rewrite {
		enforce.NarrowCSP(hdr, plan.CSPHosts)
		if plan.Changes {
			rw.startRewrite(plan)
		}
	}
	if dependent || len(expiries) > 0 || plan.Changes {
		// Shared caches must never serve one visitor's cookies or page
		// to another (README, "Caching").
		addVary(hdr, "Cookie")
	}
	rw.ResponseWriter.WriteHeader(status)
}

// startRewrite sets up the body rewrite of an enforce-mode plan with
// changes: each part (banner or settings control, Consent Mode default,
// tag neutralization) is applied on its own.
func (rw *responseWriter) startRewrite(plan enforce.Plan) {
	h, x, hdr := rw.x.h, rw.x, rw.Header()
	dropValidators(hdr)
	if x.r.Method == http.MethodHead {
		// No body, but HEAD must announce what GET sends.
		if plan.Decode != "" {
			hdr.Del("Content-Encoding")
		}
		return
	}
	nonce := ""
	if plan.Insert != enforce.InsertNone || plan.ConsentMode {
		nonce = h.adjustCSP(hdr, plan.ConsentMode)
	}
	opts := htmlrewrite.Options{DocumentOnly: true}
	if plan.Insert != enforce.InsertNone {
		rw.snippet = bufPool.Get().(*bytes.Buffer)
		rw.snippet.Reset()
		if err := h.renderSnippet(rw.snippet, x, plan.Insert, nonce); err != nil {
			h.logger.Error("banner rendering failed; page served without it", zap.Error(err))
		} else {
			opts.BodyStart = rw.snippet.Bytes()
		}
	}
	if plan.ConsentMode {
		opts.HeadStart = x.d.ConsentModeSnippet(nonce)
	}
	if plan.Tags {
		rw.tags = x.d.TagRewriter()
		if rw.tags != nil {
			opts.Tags = rw.tags
		}
	}
	rw.rewriter = rewriterPool.Get().(*htmlrewrite.Rewriter)
	rw.out = outPool.Get().(*bufio.Writer)
	rw.out.Reset(rw.ResponseWriter)
	if plan.Decode != "" {
		hdr.Del("Content-Encoding")
		sink := &lockedWriter{w: rw.out}
		rw.rewriter.Reset(sink, opts)
		rw.decoder = newBodyDecoder(plan.Decode, rw.rewriter, sink)
	} else {
		rw.rewriter.Reset(rw.out, opts)
	}
}

// startScan (report mode) scans a copy of an HTML body for the tags
// enforcing would neutralize; the client gets the upstream's bytes as they
// are. A gzip or zstd body (the upstream's, or encode's: report mode does
// not ask for identity) is decoded on the copy, which costs what enforcing
// costs; a corrupt one only ends the scan.
func (rw *responseWriter) startScan(plan enforce.Plan) {
	if !plan.Tags || rw.x.r.Method == http.MethodHead {
		return
	}
	rw.tags = rw.x.d.TagRewriter()
	if rw.tags == nil {
		return
	}
	rw.rewriter = rewriterPool.Get().(*htmlrewrite.Rewriter)
	rw.rewriter.Reset(io.Discard, htmlrewrite.Options{Tags: rw.tags})
	if plan.Decode != "" {
		rw.decoder = newBodyDecoder(plan.Decode, rw.rewriter, &lockedWriter{w: io.Discard})
	}
	rw.tee = true
}

// dropValidators removes what no longer describes a rewritten body: its
// length and range support, and the upstream's validators (the body now
// depends on the visitor's consent).
func dropValidators(hdr http.Header) {
	hdr.Del("Content-Length")
	hdr.Del("Accept-Ranges")
	hdr.Del("ETag")
	hdr.Del("Last-Modified")
}

func addVary(hdr http.Header, field string) {
	for _, v := range hdr.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, field) {
				return
			}
		}
	}
	hdr.Add("Vary", field)
}

// Write implements http.ResponseWriter.
func (rw *responseWriter) Write(p []byte) (int, error) {
	if !rw.wroteHeader {
		rw.WriteHeader(http.StatusOK)
	}
	switch {
	case rw.tee:
		n, err := rw.ResponseWriter.Write(p)
		if rw.decoder != nil {
			_, _ = rw.decoder.Write(p[:n])
		} else {
			_, _ = rw.rewriter.Write(p[:n])
		}
		return n, err
	case rw.decoder != nil:
		return rw.decoder.Write(p)
	case rw.rewriter != nil:
		return rw.rewriter.Write(p)
	}
	return rw.ResponseWriter.Write(p)
}

// ReadFrom keeps io.Copy (file_server, http.ServeContent) from writing
// around the rewriter; bodies that are not rewritten still use the inner
// ReadFrom (sendfile).
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
// cannot commit headers the policy has not seen.
func (rw *responseWriter) FlushError() error {
	if !rw.wroteHeader {
		return nil
	}
	if rw.decoder != nil && !rw.tee {
		return rw.decoder.Flush(func() error {
			if err := rw.out.Flush(); err != nil {
				return err
			}
			return http.NewResponseController(rw.ResponseWriter).Flush()
		})
	}
	if rw.rewriter != nil && !rw.tee {
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

// close finishes the body. After a handler error nothing more is written,
// so handle_errors output is not corrupted.
func (rw *responseWriter) close(handlerErr error) error {
	x := rw.x
	if !rw.wroteHeader {
		if handlerErr != nil {
			// Nothing was sent; whatever answers the error must not
			// inherit non-consented cookies from the shared header map.
			if !x.passive {
				x.d.FilterSetCookies(rw.Header(), "Set-Cookie")
			}
			return nil
		}
		// A handler that set headers but wrote nothing: net/http would
		// send them as an implicit 200 without passing through us.
		rw.WriteHeader(http.StatusOK)
	}
	var err error
	if rw.decoder != nil {
		if derr := rw.decoder.Close(handlerErr != nil); !rw.tee {
			err = derr // (a report-mode scan that fails changes nothing)
		}
		rw.decoder = nil // ServeHTTP defers a second close (for panics): log a cut body once
	} else if rw.rewriter != nil && handlerErr == nil {
		if cerr := rw.rewriter.Close(); !rw.tee {
			err = cerr
		}
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
		if _, body := rw.rewriter.Inserted(); body && !rw.tee {
			kind := "banner"
			if x.d.HasConsent {
				kind = "settings"
			}
			metrics.injections.WithLabelValues(kind).Inc()
			if c := x.h.logger.Check(zap.DebugLevel, audit.BannerInjected); c != nil {
				c.Write(append(x.fields(), zap.Bool("settings_control_only", x.d.HasConsent))...)
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
		x.h.engine.ReleaseTagRewriter(rw.tags)
		rw.tags = nil
	}
	if err != nil {
		// A client that went away mid-page, or a corrupt compressed body:
		// the audit log says what happened.
		if c := x.h.logger.Check(zap.InfoLevel, audit.BodyCutShort); c != nil {
			c.Write(append(x.fields(), zap.Error(err))...)
		}
	}
	return nil
}

// scrubTrailers enforces the policy on Set-Cookie lines a handler added
// after the body, as trailers: under the http.TrailerPrefix key, or under
// Set-Cookie itself when the response declared it in its Trailer header.
func (rw *responseWriter) scrubTrailers(hdr http.Header) {
	if rw.x.passive {
		return
	}
	d := rw.x.d
	d.FilterSetCookies(hdr, http.TrailerPrefix+"Set-Cookie")
	for _, t := range hdr["Trailer"] {
		for _, name := range strings.Split(t, ",") {
			if http.CanonicalHeaderKey(strings.TrimSpace(name)) == "Set-Cookie" {
				d.FilterSetCookies(hdr, "Set-Cookie")
				return
			}
		}
	}
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
