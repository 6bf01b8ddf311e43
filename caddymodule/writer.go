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
	"github.com/consentgate/caddy-consent/caddymodule/bodydecode"
	"github.com/consentgate/caddy-consent/caddymodule/enforce"
	"github.com/consentgate/caddy-consent/caddymodule/htmlrewrite"
	"github.com/consentgate/caddy-consent/caddymodule/trackers"
)

// responseWriter applies the engine's decision to the response: Set-Cookie
// filtering and expiries at the final WriteHeader, then the rewrite plan
// on the body. It never buffers a body: bytes it does not rewrite go
// straight to the inner writer (including through ReadFrom/sendfile). In
// report mode it changes nothing and only scans HTML bodies, on a copy,
// for the tags enforcing would neutralize.
//
// A compressed page is decoded by a bodydecode.Stage. Its header is sent
// only when the stage knows which way the body goes: decoded (the
// rewrite's header edits, then the header) or, when the body cannot be
// decoded before anything came out of it, passed through as the upstream
// sent it (cookies enforced all the same). A body that breaks after
// decoded bytes left is aborted (the client sees a broken transfer) and
// logged at WARN.
type responseWriter struct {
	*caddyhttp.ResponseWriterWrapper
	x *exchange

	wroteHeader bool
	rewriter    *htmlrewrite.Rewriter // non-nil while rewriting (or, in report mode, scanning) the body
	tee         bool                  // report mode: the body goes to the client as is and to rewriter
	stage       *bodydecode.Stage     // enforce mode: the body arrives compressed
	pending     bool                  // stage has not committed the header yet
	scan        *bodydecode.Decoder   // report mode: decodes the copy of a compressed body
	snippet     *bytes.Buffer         // the banner or settings control for this page
	out         *bufio.Writer         // coalesces the rewriter's pieces
	zbody       *compressedBody       // the gateway's own compression of a rewritten page
	tags        *trackers.PageRewriter
	broken      error // the compressed body broke after output started: abort
	closed      bool
}

var rewriterPool = sync.Pool{New: func() any { return htmlrewrite.New(io.Discard, htmlrewrite.Options{}) }}
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// outPool holds the buffers that coalesce a rewritten body's pieces into
// fewer, larger writes: fewer syscalls and compressor calls.
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
		rw.logPassedThrough(plan.Skip)
	}
	if dependent || len(expiries) > 0 {
		// Shared caches must never serve one visitor's cookies or page
		// to another (README, "Caching").
		addVary(hdr, "Cookie")
	}
	if plan.Changes && plan.Decode != "" && rw.x.r.Method != http.MethodHead {
		if rw.startDecode(plan, status) {
			return // the stage sends the header
		}
	}
	if plan.Rewrite {
		enforce.NarrowCSP(hdr, plan.CSPHosts)
		if plan.Changes {
			rw.startRewrite(plan)
			addVary(hdr, "Cookie")
		}
	}
	rw.ResponseWriter.WriteHeader(status)
}

func (rw *responseWriter) logPassedThrough(reason string) {
	if c := rw.x.h.logger.Check(zap.DebugLevel, audit.BodyPassedThrough); c != nil {
		c.Write(append(rw.x.fields(), zap.String("reason", reason))...)
	}
}

// startDecode sets up the stage of a compressed page to rewrite. The
// header is held until the stage commits: decoded output gets the
// rewrite's header edits, a pass-through the upstream's header unchanged.
func (rw *responseWriter) startDecode(plan enforce.Plan, status int) bool {
	commit := func(decoded bool) {
		rw.pending = false
		hdr := rw.Header()
		if decoded {
			hdr.Del("Content-Encoding")
			enforce.NarrowCSP(hdr, plan.CSPHosts)
			rw.startRewrite(plan)
			addVary(hdr, "Cookie")
		} else {
			rw.logPassedThrough("content-encoding " + plan.Decode + ": cannot be decoded")
		}
		rw.ResponseWriter.WriteHeader(status)
	}
	st, err := bodydecode.NewStage(plan.Decode, decodedSink{rw}, rw.ResponseWriter, commit, bodydecode.Options{})
	if err != nil {
		// (The engine plans decoding only for encodings bodydecode supports.)
		rw.logPassedThrough(err.Error())
		return false
	}
	rw.stage, rw.pending = st, true
	return true
}

// decodedSink receives the stage's decoded bytes: the rewriter exists
// once the stage committed (decoded), before its first byte.
type decodedSink struct{ rw *responseWriter }

func (s decodedSink) Write(p []byte) (int, error) { return s.rw.rewriter.Write(p) }
func (s decodedSink) Flush() error                { return s.rw.rewriter.Flush() }

// startRewrite sets up the body rewrite of an enforce-mode plan with
// changes: each part (banner or settings control, Consent Mode default,
// tag neutralization) is applied on its own. The body it writes is
// identity; the gateway compresses it for what the client accepts.
func (rw *responseWriter) startRewrite(plan enforce.Plan) {
	h, x, hdr := rw.x.h, rw.x, rw.Header()
	dropValidators(hdr)
	if x.r.Method == http.MethodHead {
		// No body, but HEAD must announce what GET sends.
		if plan.Decode != "" {
			hdr.Del("Content-Encoding")
		}
		if zb, _ := h.compress.wrap(rw.ResponseWriter, clientAcceptEncoding(x.r)); zb != nil {
			zb.Abandon()
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
		rw.tags = x.h.tagRewriter(x)
		if rw.tags != nil {
			opts.Tags = rw.tags
		}
	}
	rw.rewriter = rewriterPool.Get().(*htmlrewrite.Rewriter)
	rw.out = outPool.Get().(*bufio.Writer)
	if zb, _ := h.compress.wrap(rw.ResponseWriter, clientAcceptEncoding(x.r)); zb != nil {
		rw.zbody = zb
		rw.out.Reset(zb)
	} else {
		rw.out.Reset(rw.ResponseWriter)
	}
	rw.rewriter.Reset(rw.out, opts)
}

// startScan (report mode) scans a copy of an HTML body for the tags
// enforcing would neutralize; the client gets the upstream's bytes as they
// are. A gzip or zstd body (the upstream's, or encode's: report mode does
// not ask for identity) is decoded on the copy, which costs what enforcing
// costs; a body that does not decode only ends the scan.
func (rw *responseWriter) startScan(plan enforce.Plan) {
	if !plan.Tags || rw.x.r.Method == http.MethodHead {
		return
	}
	rw.tags = rw.x.h.tagRewriter(rw.x)
	if rw.tags == nil {
		return
	}
	rw.rewriter = rewriterPool.Get().(*htmlrewrite.Rewriter)
	rw.rewriter.Reset(io.Discard, htmlrewrite.Options{Tags: rw.tags})
	if plan.Decode != "" {
		dec, err := bodydecode.New(plan.Decode, rw.rewriter, bodydecode.Options{})
		if err != nil {
			rw.rewriter.Reset(io.Discard, htmlrewrite.Options{})
			rewriterPool.Put(rw.rewriter)
			rw.rewriter = nil
			return // (close releases the tag rewriter)
		}
		rw.scan = dec
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
	for _, v := range hdr["Vary"] {
		for v != "" {
			f := v
			if i := strings.IndexByte(v, ','); i >= 0 {
				f, v = v[:i], v[i+1:]
			} else {
				v = ""
			}
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
		if rw.scan != nil {
			_, _ = rw.scan.Write(p[:n]) // a copy that fails to decode only ends the scan
		} else {
			_, _ = rw.rewriter.Write(p[:n])
		}
		return n, err
	case rw.stage != nil:
		n, err := rw.stage.Write(p)
		if err != nil && bodydecode.Decide(err) == bodydecode.AbortResponse {
			rw.broken = err // close logs it and aborts the response
		}
		return n, err
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
	if rw.rewriter == nil && rw.stage == nil {
		return rw.ResponseWriterWrapper.ReadFrom(r)
	}
	return io.Copy(writerOnly{rw}, r)
}

type writerOnly struct{ io.Writer }

// FlushError pushes what the rewriter may emit, through the gateway's
// compressor, and flushes the inner writer. Before the header is decided
// (or, for a compressed page, before the stage knows whether it decodes)
// it does nothing, so that a flush cannot commit headers the policy has
// not seen.
func (rw *responseWriter) FlushError() error {
	if !rw.wroteHeader || rw.pending {
		return nil
	}
	if !rw.tee {
		if rw.stage != nil {
			if err := rw.stage.Flush(); err != nil {
				return err
			}
		} else if rw.rewriter != nil {
			if err := rw.rewriter.Flush(); err != nil {
				return err
			}
		}
		if rw.out != nil {
			if err := rw.out.Flush(); err != nil {
				return err
			}
		}
		if rw.zbody != nil {
			if err := rw.zbody.Flush(); err != nil {
				return err
			}
		}
	}
	return http.NewResponseController(rw.ResponseWriter).Flush()
}

// Flush implements http.Flusher for callers that still type-assert it.
func (rw *responseWriter) Flush() { _ = rw.FlushError() }

// close finishes the body. After a handler error nothing more is written,
// so handle_errors output is not corrupted, and a page the gateway
// compresses is abandoned without its trailer. A compressed body that
// broke after decoded output left is logged at WARN and the response is
// aborted (panic(http.ErrAbortHandler)): the client sees a broken
// transfer, never a page that looks complete. close is idempotent
// (ServeHTTP also defers it, for a handler that panics).
func (rw *responseWriter) close(handlerErr error) error {
	if rw.closed {
		return nil
	}
	rw.closed = true
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
	var err error // an error writing to the client
	failed := handlerErr != nil || rw.broken != nil
	if rw.stage != nil {
		if failed {
			rw.stage.Abort()
		} else if cerr := rw.stage.Close(); cerr != nil {
			failed = true
			if bodydecode.Decide(cerr) == bodydecode.AbortResponse {
				rw.broken = cerr
			} else {
				err = cerr
			}
		}
	}
	if rw.scan != nil {
		if handlerErr != nil {
			rw.scan.Abort()
		} else {
			_ = rw.scan.Close()
		}
		rw.scan = nil
	}
	if rw.rewriter != nil && !failed {
		if cerr := rw.rewriter.Close(); !rw.tee && err == nil {
			err = cerr
		}
	}
	if rw.out != nil {
		if !failed && err == nil {
			err = rw.out.Flush()
		}
		rw.out.Reset(io.Discard)
		outPool.Put(rw.out)
		rw.out = nil
	}
	if rw.zbody != nil {
		if !failed && err == nil {
			err = rw.zbody.Close()
		} else {
			rw.zbody.Abandon()
		}
		rw.zbody = nil
	}
	if rw.rewriter != nil {
		if _, body := rw.rewriter.Inserted(); body && !rw.tee && !failed {
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
	if rw.broken != nil {
		// The upstream's compressed page broke after decoded bytes left
		// (truncated, corrupt, bad checksum, trailing garbage): cut the
		// transfer so the client cannot take it for a complete page.
		x.h.logger.Warn(audit.BodyCutShort, append(x.fields(), zap.String("reason", rw.broken.Error()))...)
		panic(http.ErrAbortHandler)
	}
	if err != nil {
		// A client that went away mid-page: the audit log says what happened.
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

// Interface guards
var (
	_ http.ResponseWriter             = (*responseWriter)(nil)
	_ io.ReaderFrom                   = (*responseWriter)(nil)
	_ http.Flusher                    = (*responseWriter)(nil)
	_ interface{ FlushError() error } = (*responseWriter)(nil)
)
