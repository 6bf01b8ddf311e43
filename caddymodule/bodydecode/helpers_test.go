package bodydecode

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// page returns a deterministic HTML page of about n bytes.
func page(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	words := []string{"consent", "cookie", "gateway", "banner", "privacy", "tracker", "page", "the", "a", "of"}
	var b bytes.Buffer
	b.WriteString("<!doctype html><html><head><title>t</title></head><body>\n")
	for b.Len() < n-40 {
		b.WriteString("<p class=\"x\">")
		for i := 0; i < 8+r.IntN(20); i++ {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d</p>\n", r.Uint32())
	}
	b.WriteString("</body></html>\n")
	return b.Bytes()
}

func gz(t testing.TB, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zst compresses p as a streamed zstd frame (no content size) with the
// given window, or with EncodeAll (single segment) when window is 0.
func zst(t testing.TB, p []byte, window int) []byte {
	t.Helper()
	if window == 0 {
		e, err := zstd.NewWriter(nil)
		if err != nil {
			t.Fatal(err)
		}
		return e.EncodeAll(p, nil)
	}
	var b bytes.Buffer
	w, err := zstd.NewWriter(&b, zstd.WithWindowSize(window), zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rawZstdFrame builds a zstd frame by hand: no content size, the given
// window log, content stored in raw blocks. It lets a test declare any
// window whatever the content size.
func rawZstdFrame(windowLog int, content []byte) []byte {
	b := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, byte((windowLog - 10) << 3)}
	for len(content) > 0 || len(b) == 6 {
		n := min(len(content), 128<<10)
		last := 0
		if n == len(content) {
			last = 1
		}
		h := uint32(last) | uint32(n)<<3
		b = append(b, byte(h), byte(h>>8), byte(h>>16))
		b = append(b, content[:n]...)
		content = content[n:]
	}
	return b
}

// singleSegment builds a single-segment zstd frame (no window descriptor:
// the window is the declared content size fcs) holding content in raw blocks.
func singleSegment(fcs uint32, content []byte) []byte {
	b := []byte{0x28, 0xb5, 0x2f, 0xfd, 0xa0, byte(fcs), byte(fcs >> 8), byte(fcs >> 16), byte(fcs >> 24)}
	return append(b, rawZstdFrame(20, content)[6:]...)
}

// result is what one decode run observed.
type result struct {
	out      []byte
	err      error
	raw      []byte // Raw() after the error
	received []byte // raw bytes written before the error
}

// recorder is dst: it checks that OnFirstOutput ran before the first byte.
type recorder struct {
	t     testing.TB
	first int
	buf   bytes.Buffer
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.first != 1 {
		r.t.Errorf("decoded bytes written with OnFirstOutput called %d times", r.first)
	}
	return r.buf.Write(p)
}

// run decodes body written in chunks of the given sizes (the last chunk
// takes the rest) and checks the invariants of every run.
func run(t testing.TB, enc string, body []byte, sizes []int, opts Options) result {
	t.Helper()
	rec := &recorder{t: t}
	opts.OnFirstOutput = func() { rec.first++ }
	d, err := New(enc, rec, opts)
	if err != nil {
		t.Fatal(err)
	}
	var res result
	rest := body
	for i := 0; len(rest) > 0 && res.err == nil; i++ {
		n := len(rest)
		if i < len(sizes) && sizes[i] < n {
			n = sizes[i]
		}
		res.received = append(res.received, rest[:n]...)
		var w int
		w, res.err = d.Write(rest[:n])
		if res.err == nil && w != n {
			t.Fatalf("Write returned %d of %d without error", w, n)
		}
		rest = rest[n:]
	}
	if res.err == nil {
		res.err = d.Close()
	} else {
		d.Abort()
	}
	res.out = rec.buf.Bytes()
	res.raw = d.Raw()
	if rec.first > 1 {
		t.Errorf("OnFirstOutput called %d times", rec.first)
	}
	if (rec.first == 1) != (len(res.out) > 0) {
		t.Errorf("OnFirstOutput called %d times for %d decoded bytes", rec.first, len(res.out))
	}
	switch class(res.err) {
	case ErrUndecodable:
		if len(res.out) != 0 {
			t.Errorf("ErrUndecodable after %d decoded bytes", len(res.out))
		}
		if !bytes.Equal(res.raw, res.received) {
			t.Errorf("Raw() = %d bytes, want the %d received", len(res.raw), len(res.received))
		}
		if Decide(res.err) != PassThrough {
			t.Errorf("Decide(%v) = %v, want PassThrough", res.err, Decide(res.err))
		}
	case ErrCorrupt, ErrTruncated:
		if res.raw != nil {
			t.Errorf("Raw() kept %d bytes after %v", len(res.raw), res.err)
		}
		if Decide(res.err) != AbortResponse {
			t.Errorf("Decide(%v) = %v, want AbortResponse", res.err, Decide(res.err))
		}
	case nil:
		if Decide(res.err) != Continue {
			t.Errorf("Decide(nil) != Continue")
		}
	default:
		t.Errorf("unclassified error %v", res.err)
	}
	return res
}

// class returns the failure class of err (nil for nil, err itself if unclassified).
func class(err error) error {
	for _, c := range []error{ErrUndecodable, ErrCorrupt, ErrTruncated} {
		if errors.Is(err, c) {
			return c
		}
	}
	return err
}

// chunkings returns ways to cut a body of n bytes: whole, byte by byte,
// every split in two (small bodies) or a sample of them, and random cuts.
func chunkings(n int) [][]int {
	cs := [][]int{nil}
	ones := make([]int, n)
	for i := range ones {
		ones[i] = 1
	}
	cs = append(cs, ones)
	step := 1
	if n > 600 {
		step = n / 100
	}
	for i := 1; i < n; i += step {
		cs = append(cs, []int{i})
	}
	r := rand.New(rand.NewPCG(uint64(n), 1))
	for range 20 {
		var c []int
		for s := 0; s < n; {
			k := 1 + r.IntN(max(1, n/4))
			c = append(c, k)
			s += k
		}
		cs = append(cs, c)
	}
	return cs
}
