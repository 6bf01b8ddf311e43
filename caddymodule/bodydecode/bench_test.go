package bodydecode

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"syscall"
	"testing"

	"github.com/klauspost/compress/gzip"
)

// pipeDecoder reproduces the design of caddymodule/decode.go before this
// package (io.Pipe + one goroutine per response, pooled gzip.Reader), to
// compare against it.
type pipeDecoder struct {
	pw   *io.PipeWriter
	done chan struct{}
	err  error
}

var pipeGzipPool sync.Pool

func newPipeDecoder(dst io.Writer) *pipeDecoder {
	pr, pw := io.Pipe()
	d := &pipeDecoder{pw: pw, done: make(chan struct{})}
	go func() {
		defer close(d.done)
		gr, _ := pipeGzipPool.Get().(*gzip.Reader)
		var err error
		if gr == nil {
			gr, err = gzip.NewReader(pr)
		} else {
			err = gr.Reset(pr)
		}
		if err == nil {
			_, err = io.Copy(dst, gr)
			_ = gr.Close()
			pipeGzipPool.Put(gr)
		}
		d.err = err
		pr.CloseWithError(errors.New("stopped"))
	}()
	return d
}

func (d *pipeDecoder) Write(p []byte) (int, error) { return d.pw.Write(p) }

func (d *pipeDecoder) Close() error {
	d.pw.Close()
	<-d.done
	return d.err
}

// cpuTime is the process's user+system CPU time: on a loaded machine it
// is steadier than wall time (reported as cpu-ns/op).
func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// loop runs body b.N times and reports CPU time per op next to ns/op.
func loop(b *testing.B, size int, body func()) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		body()
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// writeChunks writes body in 32 KiB chunks, as reverse_proxy copies it.
func writeChunks(b *testing.B, w io.Writer, body []byte) {
	for i := 0; i < len(body); i += 32 << 10 {
		if _, err := w.Write(body[i:min(i+32<<10, len(body))]); err != nil {
			b.Fatal(err)
		}
	}
}

// Decode a 100 KB HTML page, gzip-compressed, into io.Discard.
func BenchmarkGzip100KB(b *testing.B) {
	p := page(100<<10, 1)
	body := gz(b, p)
	b.Run("pipe-goroutine(old)", func(b *testing.B) {
		loop(b, len(p), func() {
			d := newPipeDecoder(io.Discard)
			writeChunks(b, d, body)
			if err := d.Close(); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("coroutine(new)", func(b *testing.B) {
		loop(b, len(p), func() {
			d, _ := New("gzip", io.Discard, Options{})
			writeChunks(b, d, body)
			if err := d.Close(); err != nil {
				b.Fatal(err)
			}
		})
	})
	// The decompression alone, from memory: the floor.
	b.Run("inflate-only", func(b *testing.B) {
		gr, _ := gzip.NewReader(bytes.NewReader(body))
		loop(b, len(p), func() {
			_ = gr.Reset(bytes.NewReader(body))
			if _, err := io.Copy(io.Discard, gr); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// Decode a 100 KB HTML page, zstd-compressed, into io.Discard.
func BenchmarkZstd100KB(b *testing.B) {
	p := page(100<<10, 1)
	body := zst(b, p, 1<<20)
	loop(b, len(p), func() {
		d, _ := New("zstd", io.Discard, Options{})
		writeChunks(b, d, body)
		if err := d.Close(); err != nil {
			b.Fatal(err)
		}
	})
}
