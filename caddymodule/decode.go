package caddymodule

import (
	"errors"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/consentgate/caddy-consent/caddymodule/htmlrewrite"
)

// decodable reports whether the gateway can decode a Content-Encoding to
// inject the banner. Other encodings (br, deflate, stacked codings) pass
// through unmodified; cookies are enforced all the same.
func decodable(enc string) bool {
	switch enc {
	case "gzip", "x-gzip", "zstd":
		return true
	}
	return false
}

// bodyDecoder decodes a compressed HTML body for the rewriter. Decoders
// are pull-based and response writers push-based, so compressed bytes go
// through an io.Pipe to a goroutine that decodes them into the rewriter;
// the goroutine ends when Close is called, always. Output is identity:
// put `encode` in the site block to compress it again for the client.
type bodyDecoder struct {
	pw   *io.PipeWriter
	rw   *htmlrewrite.Rewriter
	sink *lockedWriter
	done chan struct{}
	err  error // decode error, read after done
	mu   sync.Mutex
}

func newBodyDecoder(enc string, rw *htmlrewrite.Rewriter, sink *lockedWriter) *bodyDecoder {
	pr, pw := io.Pipe()
	d := &bodyDecoder{pw: pw, rw: rw, sink: sink, done: make(chan struct{})}
	go d.run(enc, pr)
	return d
}

func (d *bodyDecoder) run(enc string, pr *io.PipeReader) {
	defer close(d.done)
	var err error
	switch enc {
	case "zstd":
		// Not pooled: a zstd decoder may hold goroutines until Close,
		// and sync.Pool drops entries without closing them.
		var zr *zstd.Decoder
		zr, err = zstd.NewReader(pr, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(64<<20))
		if err == nil {
			_, err = io.Copy(d.rw, zr)
			zr.Close()
		}
	default:
		// Readers are reused: each new one allocates its inflate
		// window and tables (a large part of a small page's cost).
		gr, _ := gzipPool.Get().(*gzip.Reader)
		if gr == nil {
			gr, err = gzip.NewReader(pr)
		} else {
			err = gr.Reset(pr)
		}
		if err == nil {
			_, err = io.Copy(d.rw, gr)
			_ = gr.Close()
			gzipPool.Put(gr)
		}
	}
	if err == nil {
		err = d.rw.Close()
	}
	d.mu.Lock()
	d.err = err
	d.mu.Unlock()
	// Drain whatever the handler still writes so it never blocks on a
	// decoder that gave up; the response is then cleanly truncated.
	pr.CloseWithError(errDecodeStopped)
}

var errDecodeStopped = errors.New("consent: body decoder stopped")

// gzipPool holds *gzip.Reader values for reuse.
var gzipPool sync.Pool

// Write hands compressed bytes to the decoder.
func (d *bodyDecoder) Write(p []byte) (int, error) {
	n, err := d.pw.Write(p)
	if errors.Is(err, errDecodeStopped) {
		// The decoder failed (corrupt data); report the bytes as
		// consumed so the upstream copy finishes, the error is logged at close.
		return len(p), nil
	}
	return n, err
}

// Flush flushes what the decoder already produced. A decompressor cannot
// be forced to emit a partial block, so this is best effort.
func (d *bodyDecoder) Flush(flushInner func() error) error {
	d.sink.mu.Lock()
	defer d.sink.mu.Unlock()
	return flushInner()
}

// Close ends the body and waits for the decoder goroutine.
func (d *bodyDecoder) Close(aborted bool) error {
	if aborted {
		d.pw.CloseWithError(errDecodeStopped)
	} else {
		d.pw.Close()
	}
	<-d.done
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}
