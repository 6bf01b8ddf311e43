// Package bodydecode decodes a compressed response body (Content-Encoding
// gzip, x-gzip or zstd) pushed in by Write calls, for the HTML rewriter.
//
// It is push-based like a response writer, while the decompressors are
// pull-based (they read an io.Reader). The decompressor runs as a
// coroutine (iter.Pull): Write hands it the chunk and resumes it; it decodes
// everything the chunk allows, writes the decoded bytes to dst and
// suspends when it needs more input, so Write returns with the chunk fully
// consumed. Decoding therefore happens synchronously inside Write, Flush
// and Close, on the caller's behalf: no pipe, no goroutine running
// concurrently with the handler, no lock around dst, and a panic in dst
// (http.ErrAbortHandler) reaches the caller.
//
// Failures are classified so that a caller can keep two promises:
//   - ErrUndecodable: nothing was decoded yet, and every raw byte received
//     is still available (Raw): send the upstream's response unchanged.
//   - ErrCorrupt, ErrTruncated: decoded bytes already went out; the
//     response must be aborted so the client sees a broken transfer and
//     never a body that looks complete.
//
// Memory is bounded: a zstd frame that declares a window larger than
// Options.MaxZstdWindow is refused at its header (before any allocation for
// the window); raw bytes are kept only until the first decoded byte and at
// most Options.KeepRaw of them.
package bodydecode

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Defaults for Options fields left zero.
const (
	// DefaultMaxZstdWindow is the largest window RFC 9659 requires of an
	// HTTP zstd decoder (8 MiB); senders must not use larger ones.
	DefaultMaxZstdWindow = 8 << 20
	// DefaultKeepRaw bounds the raw bytes kept for a pass-through of a
	// gzip body: inflate emits output at the latest when its 32 KiB
	// window fills, so 64 KiB covers every stream that is valid so far.
	DefaultKeepRaw = 64 << 10
	// DefaultKeepRawZstd is the zstd default: a zstd block (up to 128 KiB
	// compressed) produces output only once it is complete.
	DefaultKeepRawZstd = 128<<10 + 64
)

// Options tune a Decoder. The zero value uses the defaults.
type Options struct {
	// MaxZstdWindow is the largest window a zstd frame may declare
	// (default 8 MiB, minimum 1 KiB). A larger one is ErrUndecodable if
	// nothing was decoded yet (the body is passed through), else ErrCorrupt.
	MaxZstdWindow int
	// KeepRaw is how many raw bytes are kept until the first decoded byte
	// (default 64 KiB for gzip, 128 KiB + 64 for zstd: one full block). If a body fails before producing output but after
	// more than KeepRaw bytes, it can no longer be passed through and the
	// failure is ErrCorrupt or ErrTruncated.
	KeepRaw int
	// OnFirstOutput, if set, is called once, just before the first decoded
	// byte is written to dst (the moment to commit the response header).
	// It is not called for a body that decodes to nothing.
	OnFirstOutput func()
}

// Failure classes. Errors returned by Write, Flush and Close wrap one of
// them (errors.Is) and carry the decompressor's reason in their text;
// an error returned by dst is returned unchanged instead.
var (
	// ErrUndecodable: decoding failed before any decoded byte was produced
	// (wrong format, unsupported or oversized zstd window, empty or too
	// short body). Raw returns every raw byte received so far.
	ErrUndecodable = errors.New("body cannot be decoded")
	// ErrCorrupt: decoding failed after output started (bad data, CRC or
	// size mismatch, trailing garbage), or after KeepRaw bytes.
	ErrCorrupt = errors.New("compressed body is corrupt")
	// ErrTruncated: the body ended (Close) before the compressed stream did.
	ErrTruncated = errors.New("compressed body is truncated")
)

// errAborted stops the coroutine when the response is abandoned.
var errAborted = errors.New("bodydecode: aborted")

// Error is the error type of a classified failure.
type Error struct {
	Class    error  // ErrUndecodable, ErrCorrupt or ErrTruncated
	Encoding string // gzip or zstd
	Cause    error  // the decompressor's error, for the log
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Encoding, e.Class.Error(), e.Cause)
}

// Is makes errors.Is(err, ErrCorrupt) and friends work.
func (e *Error) Is(target error) bool { return target == e.Class }

// Unwrap returns the decompressor's error.
func (e *Error) Unwrap() error { return e.Cause }

// Action is what the caller must do with the response after an error.
type Action int

const (
	// Continue: no error; keep streaming.
	Continue Action = iota
	// PassThrough: send the upstream's status and headers unchanged
	// (Content-Encoding kept, cookies still enforced), then Raw() and the
	// rest of the body without decoding.
	PassThrough
	// AbortResponse: output already left (or cannot be recovered); abort
	// the response (panic(http.ErrAbortHandler)) so the client sees a
	// broken transfer, and log at WARN with err.Error() as the reason.
	AbortResponse
	// WriteFailed: dst (the client side) failed; stop, as for any write
	// error. Nothing to log at WARN.
	WriteFailed
)

// Decide maps an error from Write, Flush or Close to the caller's Action.
func Decide(err error) Action {
	switch {
	case err == nil:
		return Continue
	case errors.Is(err, ErrUndecodable):
		return PassThrough
	case errors.Is(err, ErrCorrupt), errors.Is(err, ErrTruncated):
		return AbortResponse
	}
	return WriteFailed
}

// Supported reports whether New accepts a Content-Encoding value
// (lower-cased, trimmed, single coding).
func Supported(enc string) bool {
	switch enc {
	case "gzip", "x-gzip", "zstd":
		return true
	}
	return false
}

// Decoder decodes a Content-Encoding streamed in by Write calls and writes
// the decoded bytes to dst. It is not safe for concurrent use; dst is only
// written during Write, Flush and Close calls.
type Decoder struct {
	zstd bool
	dst  io.Writer
	opts Options

	next func() (struct{}, bool)
	stop func()

	in       []byte // unconsumed part of the current chunk
	eof      bool   // Close was called: the source returns io.EOF
	aborting bool   // Abort was called: the source returns errAborted
	finished bool   // the coroutine returned
	decErr   error  // its result
	dstErr   error  // first error from dst

	received int64         // raw bytes handed to Write
	read     int64         // raw bytes the decompressor (or its bufio) took
	br       *bufio.Reader // gzip read-ahead, while the coroutine runs
	consumed int64         // bytes the decompressor itself used, when it returned
	raw      []byte        // raw bytes received before the first output (pass-through)
	overflow bool          // the decompressor used more than KeepRaw bytes before any output
	output   bool          // a decoded byte was written to dst
	err      error         // classified, sticky
}

// New returns a Decoder for enc ("gzip", "x-gzip" or "zstd",
// case-insensitive) writing decoded bytes to dst.
func New(enc string, dst io.Writer, opts Options) (*Decoder, error) {
	enc = strings.ToLower(strings.TrimSpace(enc))
	if !Supported(enc) {
		return nil, fmt.Errorf("bodydecode: unsupported content-encoding %q (supported: gzip, x-gzip, zstd)", enc)
	}
	if opts.MaxZstdWindow == 0 {
		opts.MaxZstdWindow = DefaultMaxZstdWindow
	}
	if opts.MaxZstdWindow < zstd.MinWindowSize {
		return nil, fmt.Errorf("bodydecode: MaxZstdWindow %d is below the zstd minimum of %d bytes", opts.MaxZstdWindow, zstd.MinWindowSize)
	}
	if opts.KeepRaw <= 0 {
		opts.KeepRaw = DefaultKeepRaw
		if enc == "zstd" {
			opts.KeepRaw = DefaultKeepRawZstd
		}
	}
	return &Decoder{zstd: enc == "zstd", dst: dst, opts: opts}, nil
}

func (d *Decoder) encoding() string {
	if d.zstd {
		return "zstd"
	}
	return "gzip"
}

// Write decodes p. It returns len(p) unless dst failed; the call that
// fails returns the classified error (after which Raw may be used) and
// later calls return it again.
func (d *Decoder) Write(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	d.received += int64(len(p))
	if d.finished {
		// Write after Close.
		return len(p), d.fail(errors.New("data after the end of the body"), p)
	}
	if d.next == nil {
		d.next, d.stop = iter.Pull(d.run)
	}
	d.in = p
	d.resume()
	d.in = nil
	if d.finished {
		if d.decErr != nil {
			return len(p), d.fail(d.decErr, p)
		}
		return len(p), d.fail(errors.New("data after the end of the compressed stream"), p)
	}
	if !d.output && !d.overflow {
		d.raw = append(d.raw, p...)
	}
	return len(p), nil
}

// resume runs the coroutine until it needs more input or returns.
func (d *Decoder) resume() {
	if _, ok := d.next(); !ok {
		d.finished = true
	}
}

// Flush writes what can be written without more input. A decompressor
// cannot be made to emit the rest of a block, so this is best effort: it
// flushes dst if dst has a Flush() error method.
func (d *Decoder) Flush() error {
	if d.err != nil {
		return d.err
	}
	if f, ok := d.dst.(interface{ Flush() error }); ok && d.output {
		if err := f.Flush(); err != nil {
			d.dstErr = err
			d.err = err
			return err
		}
	}
	return nil
}

// Close ends the body: the decoder sees the end of input and reports
// whether the compressed stream was complete. An empty body is
// ErrUndecodable (there is nothing to decode; pass it through).
func (d *Decoder) Close() error {
	if d.err != nil {
		d.release()
		return d.err
	}
	d.eof = true
	if d.received == 0 {
		d.release()
		return d.fail(errors.New("empty body"), nil)
	}
	if !d.finished {
		d.resume()
	}
	d.release()
	if d.decErr != nil {
		return d.fail(d.decErr, nil)
	}
	return nil
}

// Abort stops decoding (upstream failed, handler error, client gone) and
// frees the decompressor. It never writes to dst. Safe to call more than
// once and after Close.
func (d *Decoder) Abort() {
	d.aborting = true
	d.release()
	if d.err == nil {
		d.err = errAborted
	}
}

// release ends the coroutine if it is suspended.
func (d *Decoder) release() {
	if d.stop != nil {
		if !d.finished {
			d.aborting = d.aborting || !d.eof
		}
		d.stop()
		d.stop, d.next = nil, nil
		d.finished = true
	}
}

// Raw returns the raw bytes received so far when the error was
// ErrUndecodable (all of them, in order, including the whole failing
// chunk); nil otherwise. They are kept while nothing is decoded and the
// decompressor has used at most KeepRaw bytes, so they occupy at most
// KeepRaw plus one read-ahead buffer (16 KiB) plus one chunk.
func (d *Decoder) Raw() []byte {
	if !errors.Is(d.err, ErrUndecodable) {
		return nil
	}
	return d.raw
}

// OutputStarted reports whether a decoded byte was written to dst.
func (d *Decoder) OutputStarted() bool { return d.output }

// fail classifies cause and makes it sticky. p is the chunk being
// written (nil in Close).
//
// The class depends only on the data, never on how it was cut into
// writes: ErrUndecodable needs no decoded output and at most KeepRaw bytes
// used by the decompressor itself (not its read-ahead) when it failed.
func (d *Decoder) fail(cause error, p []byte) error {
	if d.err != nil {
		return d.err
	}
	d.release()
	if d.dstErr != nil {
		d.err = d.dstErr
		d.raw = nil
		return d.err
	}
	if d.consumed > int64(d.opts.KeepRaw) {
		d.overflow = true
	}
	e := &Error{Encoding: d.encoding(), Cause: cause}
	switch {
	case !d.output && !d.overflow:
		e.Class = ErrUndecodable
		d.raw = append(d.raw, p...)
	case d.eof:
		e.Class = ErrTruncated
		d.raw = nil
	default:
		e.Class = ErrCorrupt
		d.raw = nil
	}
	d.err = e
	return e
}

// run is the coroutine: it decodes from the source until EOF or an error.
func (d *Decoder) run(yield func(struct{}) bool) {
	src := &source{d: d, yield: yield}
	if d.zstd {
		d.decErr = d.runZstd(src)
	} else {
		d.decErr = d.runGzip(src)
	}
	if d.aborting && d.decErr == nil {
		d.decErr = errAborted
	}
}

// gzipState is pooled: a gzip.Reader allocates its inflate window and
// tables, and the bufio.Reader lets flate use its fast *bufio.Reader path.
type gzipState struct {
	br *bufio.Reader
	gr gzip.Reader
}

var gzipPool = sync.Pool{New: func() any {
	return &gzipState{br: bufio.NewReaderSize(nil, 16<<10)}
}}

func (d *Decoder) runGzip(src *source) error {
	st := gzipPool.Get().(*gzipState)
	defer func() {
		st.br.Reset(nil)
		gzipPool.Put(st)
	}()
	st.br.Reset(src)
	d.br = st.br
	err := st.gr.Reset(st.br)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err == nil {
		st.gr.Multistream(true)
		_, err = st.gr.WriteTo(outWriter{d})
	}
	if err == nil && d.aborting {
		err = errAborted
	}
	d.consumed = d.read - int64(st.br.Buffered())
	d.br = nil
	return err
}

// zstd decoders are pooled: in synchronous mode (concurrency 1) they own
// no goroutine, so a dropped pool entry is simply garbage collected.
var zstdPool sync.Pool

func (d *Decoder) runZstd(src *source) error {
	zr, _ := zstdPool.Get().(*zstd.Decoder)
	var err error
	if zr == nil {
		zr, err = zstd.NewReader(src,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(uint64(d.opts.MaxZstdWindow)))
	} else {
		err = zr.ResetWithOptions(src, zstd.WithDecoderMaxWindow(uint64(d.opts.MaxZstdWindow)))
	}
	if err != nil {
		return err
	}
	defer func() {
		// Drop the reference to this response's source before pooling.
		_ = zr.Reset(nil)
		zstdPool.Put(zr)
	}()
	_, err = zr.WriteTo(outWriter{d})
	if err == nil && d.aborting {
		err = errAborted
	}
	d.consumed = d.read // zstd reads exactly what it needs
	return err
}

// source is the decompressor's io.Reader: it serves the current chunk and
// suspends the coroutine when the chunk is used up.
type source struct {
	d     *Decoder
	yield func(struct{}) bool
}

func (s *source) Read(p []byte) (int, error) {
	d := s.d
	for len(d.in) == 0 {
		switch {
		case d.aborting:
			return 0, errAborted
		case d.eof:
			return 0, io.EOF
		}
		if !s.yield(struct{}{}) {
			return 0, errAborted
		}
	}
	if !d.output && !d.overflow {
		used := d.read
		if d.br != nil {
			used -= int64(d.br.Buffered())
		}
		if used > int64(d.opts.KeepRaw) {
			// No pass-through possible any more: free the raw bytes.
			d.overflow = true
			d.raw = nil
		}
	}
	n := copy(p, d.in)
	d.in = d.in[n:]
	d.read += int64(n)
	return n, nil
}

// outWriter receives decoded bytes.
type outWriter struct{ d *Decoder }

func (w outWriter) Write(p []byte) (int, error) {
	d := w.d
	if d.aborting {
		return 0, errAborted
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !d.output {
		d.output = true
		d.raw = nil
		if d.opts.OnFirstOutput != nil {
			d.opts.OnFirstOutput()
		}
	}
	n, err := d.dst.Write(p)
	if err != nil && d.dstErr == nil {
		d.dstErr = err
	}
	return n, err
}
