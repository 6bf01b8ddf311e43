package htmlrewrite

import (
	"io"
	"os"
	"testing"
)

func benchPage(b *testing.B, file string, tags TagRewriter, chunk int) {
	page, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	r := New(io.Discard, Options{})
	opts := Options{HeadStart: []byte(testHead), BodyStart: []byte(testBanner), Tags: tags}
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r.Reset(io.Discard, opts)
		for p := page; len(p) > 0; {
			n := min(len(p), chunk)
			if _, err := r.Write(p[:n]); err != nil {
				b.Fatal(err)
			}
			p = p[n:]
		}
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPage: a ~100 KB page with trackers, banner insertion only.
func BenchmarkPage(b *testing.B) { benchPage(b, "testdata/page.html", nil, 32<<10) }

// BenchmarkPageTags: the same page with a TagRewriter holding <img>,
// <iframe> and scripts.
func BenchmarkPageTags(b *testing.B) { benchPage(b, "testdata/page.html", &fakeRewriter{}, 32<<10) }

// BenchmarkPageSmallChunks: 1 KB writes.
func BenchmarkPageSmallChunks(b *testing.B) { benchPage(b, "testdata/page.html", nil, 1<<10) }

// BenchmarkTrackerFree: a ~100 KB page without trackers.
func BenchmarkTrackerFree(b *testing.B) {
	benchPage(b, "testdata/page-notrackers.html", nil, 32<<10)
}

// BenchmarkTrackerFreeTags: the tracker-free page with a TagRewriter.
func BenchmarkTrackerFreeTags(b *testing.B) {
	benchPage(b, "testdata/page-notrackers.html", &fakeRewriter{}, 32<<10)
}
