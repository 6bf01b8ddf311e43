package bodydecode

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
)

type decodeCase struct {
	name string
	enc  string
	body []byte
	opts Options
	// want is the failure class (nil: decodes completely).
	want error
	// out, when non-nil, is the complete decoded body expected.
	out []byte
	// outputStarted: for failures, whether decoded bytes must have gone out.
	outputStarted bool
}

func decodeCases(t testing.TB) []decodeCase {
	small := page(300, 1)
	big := page(64<<10, 2)
	gzSmall := gz(t, small)
	gzBig := gz(t, big)

	// A 64 KiB page whose upstream flushed 31.5 KB and then ended the
	// body cleanly without finishing the gzip stream.
	var cut bytes.Buffer
	gw := gzip.NewWriter(&cut)
	_, _ = gw.Write(big[:31<<10+512])
	_ = gw.Flush()

	badCRC := bytes.Clone(gzSmall)
	badCRC[len(badCRC)-8] ^= 0xff
	badSize := bytes.Clone(gzSmall)
	badSize[len(badSize)-1] ^= 0x01

	r := rand.New(rand.NewPCG(3, 3))
	noise := make([]byte, 4000)
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	midCorrupt := bytes.Clone(gzBig)
	copy(midCorrupt[len(midCorrupt)*3/5:], noise[:200])

	long27, err := os.ReadFile("testdata/long27.html.zst")
	if err != nil {
		t.Fatal(err)
	}
	long27Page, err := os.ReadFile("testdata/long27.html")
	if err != nil {
		t.Fatal(err)
	}
	zSmall := zst(t, small, 0)
	zBig := zst(t, big, 1<<20)
	// zstd emits output per block (up to 128 KiB): a 300 KiB page has 3.
	huge := page(300<<10, 8)
	zHuge := zst(t, huge, 1<<20)
	zHugeMid := bytes.Clone(zHuge)
	copy(zHugeMid[len(zHugeMid)*4/5:], noise[:200])
	zBadSum := bytes.Clone(zSmall)
	zBadSum[len(zBadSum)-1] ^= 0xff
	zMid := bytes.Clone(zBig)
	copy(zMid[len(zMid)*3/5:], noise[:200])
	skippable := []byte{0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 'a', 'b', 'c'}

	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	return []decodeCase{
		// gzip
		{name: "gzip small", enc: "gzip", body: gzSmall, out: small},
		{name: "x-gzip small", enc: "x-gzip", body: gzSmall, out: small},
		{name: "gzip 64KiB", enc: "GZIP", body: gzBig, out: big},
		{name: "gzip multistream", enc: "gzip", body: cat(gzSmall, gzSmall), out: cat(small, small)},
		{name: "gzip of nothing", enc: "gzip", body: gz(t, nil), out: []byte{}},
		{name: "gzip empty body", enc: "gzip", body: nil, want: ErrUndecodable},
		{name: "plain HTML labelled gzip", enc: "gzip", body: small, want: ErrUndecodable},
		{name: "15 bytes not gzip", enc: "gzip", body: []byte("not gzip, sorry")[:15], want: ErrUndecodable},
		{name: "gzip header only, cut", enc: "gzip", body: gzSmall[:5], want: ErrUndecodable},
		// Output has started by then (the first block's literals are out).
		{name: "gzip small cut at 65 bytes", enc: "gzip", body: gzSmall[:65], want: ErrTruncated, outputStarted: true},
		// Nothing decoded by then: pass the upstream's bytes through.
		{name: "gzip small cut at 20 bytes", enc: "gzip", body: gzSmall[:20], want: ErrUndecodable},
		{name: "gzip header then noise", enc: "gzip", body: cat(gzSmall[:10], noise[:300]), want: ErrUndecodable},
		{name: "gzip 64KiB corrupt at 60%", enc: "gzip", body: midCorrupt, want: ErrCorrupt, outputStarted: true},
		{name: "gzip 64KiB cut at 31.5 KB, clean end", enc: "gzip", body: cut.Bytes(), want: ErrTruncated, outputStarted: true},
		{name: "gzip 64KiB cut at half", enc: "gzip", body: gzBig[:len(gzBig)/2], want: ErrTruncated, outputStarted: true},
		{name: "gzip 64KiB cut before trailer", enc: "gzip", body: gzBig[:len(gzBig)-4], want: ErrTruncated, outputStarted: true},
		{name: "gzip CRC error", enc: "gzip", body: badCRC, want: ErrCorrupt, outputStarted: true},
		{name: "gzip size error", enc: "gzip", body: badSize, want: ErrCorrupt, outputStarted: true},
		{name: "gzip trailing garbage", enc: "gzip", body: cat(gzSmall, []byte("garbage!!!!!")), want: ErrCorrupt, outputStarted: true},
		{name: "gzip trailing zeros", enc: "gzip", body: cat(gzSmall, make([]byte, 16)), want: ErrCorrupt, outputStarted: true},
		{name: "gzip trailing partial member", enc: "gzip", body: cat(gzSmall, gzSmall[:20]), want: ErrTruncated, outputStarted: true},
		{name: "gzip within KeepRaw", enc: "gzip", body: small, opts: Options{KeepRaw: 16}, want: ErrUndecodable},
		{name: "gzip more than KeepRaw before output", enc: "gzip", body: gzSmall[:20], opts: Options{KeepRaw: 16}, want: ErrTruncated},
		{name: "gzip more than KeepRaw, then corrupt", enc: "gzip", body: cat(gzSmall[:20], noise[:100]), opts: Options{KeepRaw: 16}, want: ErrCorrupt},

		// zstd
		{name: "zstd small", enc: "zstd", body: zSmall, out: small},
		{name: "zstd 64KiB 1MiB window", enc: "zstd", body: zBig, out: big},
		{name: "zstd two frames and a skippable one", enc: "zstd", body: cat(zSmall, skippable, zBig), out: cat(small, big)},
		{name: "zstd 8MiB window accepted", enc: "zstd", body: rawZstdFrame(23, small), out: small},
		{name: "zstd --long=27 (128 MiB window)", enc: "zstd", body: long27, want: ErrUndecodable},
		{name: "zstd --long=27 with a 256 MiB limit", enc: "zstd", body: long27, opts: Options{MaxZstdWindow: 256 << 20}, out: long27Page},
		{name: "zstd 16MiB window", enc: "zstd", body: rawZstdFrame(24, small), want: ErrUndecodable},
		{name: "zstd single segment", enc: "zstd", body: singleSegment(uint32(len(small)), small), out: small},
		{name: "zstd single segment declaring 16 MiB", enc: "zstd", body: singleSegment(16<<20, small), want: ErrUndecodable},
		{name: "23 bytes not zstd", enc: "zstd", body: []byte("this is not zstd at all")[:23], want: ErrUndecodable},
		{name: "zstd empty body", enc: "zstd", body: nil, want: ErrUndecodable},
		{name: "zstd cut in header", enc: "zstd", body: zSmall[:3], want: ErrUndecodable},
		// Inside the first block: nothing decoded yet, pass through.
		{name: "zstd 64KiB cut at half", enc: "zstd", body: zBig[:len(zBig)/2], want: ErrUndecodable},
		{name: "zstd 64KiB corrupt at 60%", enc: "zstd", body: zMid, want: ErrUndecodable},
		{name: "zstd 300KiB cut at 80%", enc: "zstd", body: zHuge[:len(zHuge)*4/5], want: ErrTruncated, outputStarted: true},
		{name: "zstd 300KiB corrupt at 80%", enc: "zstd", body: zHugeMid, want: ErrCorrupt, outputStarted: true},
		{name: "zstd checksum error", enc: "zstd", body: zBadSum, want: ErrCorrupt, outputStarted: true},
		{name: "zstd trailing garbage", enc: "zstd", body: cat(zSmall, []byte("garbage!")), want: ErrCorrupt, outputStarted: true},
		{name: "zstd big window after output", enc: "zstd", body: cat(zSmall, long27), want: ErrCorrupt, outputStarted: true},
		{name: "zstd raw frame cut", enc: "zstd", body: rawZstdFrame(20, huge)[:150000], want: ErrTruncated, outputStarted: true},
		// A zstd block is decoded once complete: a stream cut inside its
		// first full-size block still passes through.
		{name: "zstd cut inside a 128 KiB first block", enc: "zstd", body: rawZstdFrame(20, huge)[:120000], want: ErrUndecodable},
		{name: "zstd more than KeepRaw before output", enc: "zstd", body: zBig[:len(zBig)/2], opts: Options{KeepRaw: 1000}, want: ErrTruncated},
	}
}

// TestClassification checks every case under many chunkings: the
// classification and the decoded output must not depend on how the body
// was cut into writes.
func TestClassification(t *testing.T) {
	for _, c := range decodeCases(t) {
		t.Run(c.name, func(t *testing.T) {
			ref := run(t, c.enc, c.body, nil, c.opts)
			if class(ref.err) != c.want {
				t.Fatalf("whole body: error %v, want class %v", ref.err, c.want)
			}
			if c.want == nil && c.out != nil && !bytes.Equal(ref.out, c.out) {
				t.Fatalf("decoded %d bytes, want %d", len(ref.out), len(c.out))
			}
			if c.want != nil && c.want != ErrUndecodable && c.outputStarted != (len(ref.out) > 0) {
				t.Fatalf("output started = %v, want %v", len(ref.out) > 0, c.outputStarted)
			}
			if c.want != nil && !strings.Contains(ref.err.Error(), c.want.Error()) {
				t.Errorf("error text %q does not name the class", ref.err)
			}
			for _, sizes := range chunkings(len(c.body)) {
				got := run(t, c.enc, c.body, sizes, c.opts)
				if class(got.err) != class(ref.err) || !bytes.Equal(got.out, ref.out) {
					t.Fatalf("chunks %v: %v and %d bytes out; whole body: %v and %d bytes", short(sizes), got.err, len(got.out), ref.err, len(ref.out))
				}
			}
		})
	}
}

func short(s []int) []int {
	if len(s) > 8 {
		return s[:8]
	}
	return s
}

// TestPassThroughRaw: on ErrUndecodable in the middle of a multi-chunk
// body, Raw has every byte received so far and nothing was decoded.
func TestPassThroughRaw(t *testing.T) {
	body := page(3000, 5)
	var dst bytes.Buffer
	called := false
	d, _ := New("gzip", &dst, Options{OnFirstOutput: func() { called = true }})
	if _, err := d.Write(body[:4]); err != nil {
		t.Fatalf("4 bytes: %v", err) // not enough for a gzip header
	}
	n, err := d.Write(body[4:1000])
	if !errors.Is(err, ErrUndecodable) || n != 996 {
		t.Fatalf("Write = %d, %v; want 996, ErrUndecodable", n, err)
	}
	if !bytes.Equal(d.Raw(), body[:1000]) || dst.Len() != 0 || called {
		t.Fatalf("Raw %d bytes, dst %d, called %v", len(d.Raw()), dst.Len(), called)
	}
	if _, err := d.Write(body[1000:]); !errors.Is(err, ErrUndecodable) {
		t.Fatalf("write after failure: %v", err)
	}
	if err := d.Close(); !errors.Is(err, ErrUndecodable) {
		t.Fatalf("Close after failure: %v", err)
	}
}

// errWriter fails after n bytes (a client that went away).
type errWriter struct{ n int }

var errClient = errors.New("client gone")

func (w *errWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errClient
	}
	w.n -= len(p)
	return len(p), nil
}

func TestDstErrorIsReturnedUnchanged(t *testing.T) {
	for _, enc := range []string{"gzip", "zstd"} {
		p := page(200<<10, 6)
		body := gz(t, p)
		if enc == "zstd" {
			body = zst(t, p, 1<<20)
		}
		d, _ := New(enc, &errWriter{n: 1000}, Options{})
		var err error
		for i := 0; i < len(body) && err == nil; i += 4096 {
			_, err = d.Write(body[i:min(i+4096, len(body))])
		}
		if err == nil {
			err = d.Close()
		}
		if err != errClient || Decide(err) != WriteFailed {
			t.Fatalf("%s: error %v (%v), want the dst error", enc, err, Decide(err))
		}
		d.Abort()
	}
}

// panicWriter panics like a response writer whose handler was aborted.
type panicWriter struct{}

var errPanic = errors.New("abort handler")

func (panicWriter) Write(p []byte) (int, error) { panic(errPanic) }

func TestPanicInDstReachesCaller(t *testing.T) {
	base := runtime.NumGoroutine()
	d, _ := New("gzip", panicWriter{}, Options{})
	func() {
		defer func() {
			if r := recover(); r != errPanic {
				t.Fatalf("recovered %v, want errPanic", r)
			}
		}()
		_, _ = d.Write(gz(t, page(1000, 1)))
		t.Fatal("no panic")
	}()
	d.Abort()
	waitGoroutines(t, base)
}

// TestAbortAndClosePaths: every way a response can end frees the
// decoder's coroutine (checked by the goroutine leak test below).
func TestNoGoroutineLeak(t *testing.T) {
	base := runtime.NumGoroutine()
	p := page(300<<10, 9)
	bodies := map[string][]byte{"gzip": gz(t, p), "zstd": zst(t, p, 1<<20)}
	for range 20 {
		for enc, body := range bodies {
			// Complete.
			d, _ := New(enc, io.Discard, Options{})
			_, _ = d.Write(body)
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			// Aborted mid-body (upstream dropped).
			d, _ = New(enc, io.Discard, Options{})
			_, _ = d.Write(body[:len(body)/2])
			d.Abort()
			d.Abort()
			// Closed mid-body (truncated).
			d, _ = New(enc, io.Discard, Options{})
			_, _ = d.Write(body[:len(body)/2])
			if err := d.Close(); !errors.Is(err, ErrTruncated) {
				t.Fatalf("%s: %v", enc, err)
			}
			d.Abort()
			// Failed at the first write, then aborted.
			d, _ = New(enc, io.Discard, Options{})
			_, _ = d.Write([]byte("<html>not compressed</html>"))
			d.Abort()
			// Never written to.
			d, _ = New(enc, io.Discard, Options{})
			d.Abort()
		}
	}
	waitGoroutines(t, base)
}

func waitGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestWindowMemoryBound: four concurrent zstd pages whose frames declare
// a 128 MiB window (zstd --long=27) allocate almost nothing: the window
// is refused at the frame header and the body passed through. Four pages
// within the limit (2 MiB window, the zstd CLI's default for large
// inputs) allocate what their window needs.
func TestWindowMemoryBound(t *testing.T) {
	p := page(100<<10, 4)
	measure := func(body []byte, want error) uint64 {
		runtime.GC()
		runtime.GC() // empty the pools: measure fresh decoders
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		ds := make([]*Decoder, 4)
		for i := range ds {
			ds[i], _ = New("zstd", io.Discard, Options{})
		}
		half := len(body) / 2
		for _, d := range ds {
			_, _ = d.Write(body[:half])
		}
		for _, d := range ds {
			_, _ = d.Write(body[half:])
		}
		for _, d := range ds {
			if err := d.Close(); class(err) != want {
				t.Fatalf("Close: %v, want %v", err, want)
			}
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	// A single-segment frame has no window descriptor: its window is its
	// declared content size. 1 GiB must be refused like a large window.
	single := singleSegment(1<<30, p)
	huge := measure(single, ErrUndecodable)
	t.Logf("4 single-segment pages declaring 1 GiB: %.1f MiB allocated", float64(huge)/(1<<20))
	if huge > 16<<20 {
		t.Errorf("4 single-segment pages declaring 1 GiB allocated %d MiB, want < 16 MiB", huge>>20)
	}
	big := measure(rawZstdFrame(27, p), ErrUndecodable)
	t.Logf("4 pages with 128 MiB windows: %.1f MiB allocated", float64(big)/(1<<20))
	if big > 16<<20 {
		t.Errorf("4 pages with 128 MiB windows allocated %d MiB, want < 16 MiB", big>>20)
	}
	enc := measure(zst(t, p, 8<<20), nil)
	t.Logf("4 pages from a streaming encoder asked for an 8 MiB window: %.1f MiB allocated", float64(enc)/(1<<20))
	if enc > 16<<20 {
		t.Errorf("4 encoder pages allocated %d MiB, want < 16 MiB", enc>>20)
	}
	two := measure(rawZstdFrame(21, p), nil)
	t.Logf("4 pages declaring 2 MiB windows (zstd -3 on large input): %.1f MiB allocated", float64(two)/(1<<20))
	// klauspost/compress allocates the declared window plus 1 MiB
	// (low-memory mode) for a frame without a content size.
	if two > 4*(3<<20+512<<10) {
		t.Errorf("4 pages with 2 MiB windows allocated %d MiB, want < 14 MiB", two>>20)
	}
	// At the RFC 9659 limit: 9 MiB per page.
	max8 := measure(rawZstdFrame(23, p), nil)
	t.Logf("4 pages declaring 8 MiB windows (the limit): %.1f MiB allocated", float64(max8)/(1<<20))
	if max8 > 4*(9<<20+512<<10) {
		t.Errorf("4 pages with 8 MiB windows allocated %d MiB, want < 38 MiB", max8>>20)
	}
}

func TestNewRejectsBadArguments(t *testing.T) {
	for _, enc := range []string{"br", "deflate", "gzip, gzip", "", "identity"} {
		if _, err := New(enc, io.Discard, Options{}); err == nil {
			t.Errorf("New(%q) accepted", enc)
		}
	}
	if _, err := New("zstd", io.Discard, Options{MaxZstdWindow: 100}); err == nil {
		t.Error("MaxZstdWindow 100 accepted")
	}
}

// flushRecorder counts Flush calls.
type flushRecorder struct {
	bytes.Buffer
	flushes int
}

func (f *flushRecorder) Flush() error { f.flushes++; return nil }

// TestFlushStreams: bytes of a flushed gzip stream come out before the
// body ends (streaming, not buffering), and Flush reaches dst.
func TestFlushStreams(t *testing.T) {
	var comp bytes.Buffer
	w := gzip.NewWriter(&comp)
	dst := &flushRecorder{}
	d, _ := New("gzip", dst, Options{})
	var sent int
	for i := range 5 {
		chunk := page(2000, uint64(i))
		_, _ = w.Write(chunk)
		_ = w.Flush()
		if _, err := d.Write(comp.Bytes()[sent:]); err != nil {
			t.Fatal(err)
		}
		sent = comp.Len()
		if err := d.Flush(); err != nil {
			t.Fatal(err)
		}
		if dst.Len() < (i+1)*1900 {
			t.Fatalf("after chunk %d only %d bytes decoded", i, dst.Len())
		}
	}
	_ = w.Close()
	_, _ = d.Write(comp.Bytes()[sent:])
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if dst.flushes != 5 {
		t.Errorf("%d flushes reached dst, want 5", dst.flushes)
	}
}
