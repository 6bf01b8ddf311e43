package htmlrewrite

import (
	"bytes"
	"io"
	"os"
	"testing"
	"time"

	"github.com/consentgate/caddy-consent/internal/benchpage"
)

func benchPage(b *testing.B, file string, tags TagRewriter, chunk int) {
	page, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	benchBytes(b, page, tags, chunk)
}

func benchBytes(b *testing.B, page []byte, tags TagRewriter, chunk int) {
	r := New(io.Discard, Options{})
	opts := Options{HeadStart: []byte(testHead), BodyStart: []byte(testBanner), Tags: tags}
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
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
	reportCPU(b, cpu0, len(page))
}

// reportCPU adds CPU-time metrics: cpu-ns/op, and cpu-MB/s (bytes per
// CPU-second), the throughput the scanner would have on an idle core.
func reportCPU(b *testing.B, cpu0 time.Duration, size int) {
	cpu := cpuTime() - cpu0
	if cpu <= 0 || b.N == 0 {
		return
	}
	perOp := float64(cpu.Nanoseconds()) / float64(b.N)
	b.ReportMetric(perOp, "cpu-ns/op")
	b.ReportMetric(float64(size)/perOp*1e3, "cpu-MB/s")
}

// BenchmarkPage: a ~100 KB page with trackers, banner insertion only.
func BenchmarkPage(b *testing.B) { benchPage(b, "testdata/page.html", nil, 32<<10) }

// BenchmarkPageNeutralize: the same page with banner insertion and a
// TagRewriter that selects tags the way the tracker neutralizer does
// (script, img, iframe, link; inline scripts and noscript text) and
// rewrites only the GA4 and Meta Pixel ones. This is the figure the
// ">= 2 GB/s" target of the scanner refers to; the neutralizer's own work
// is measured in caddymodule/trackers.
func BenchmarkPageNeutralize(b *testing.B) {
	benchPage(b, "testdata/page.html", &neutralizerLike{}, 32<<10)
}

// BenchmarkPageTags: the same page with a TagRewriter that rewrites every
// <img> and <iframe> (upper-cases them) and holds every script.
func BenchmarkPageTags(b *testing.B) { benchPage(b, "testdata/page.html", &fakeRewriter{}, 32<<10) }

// BenchmarkPageSmallChunks: 1 KB writes.
func BenchmarkPageSmallChunks(b *testing.B) { benchPage(b, "testdata/page.html", nil, 1<<10) }

// BenchmarkPageNeutralizeSmallChunks: 1 KB writes with the neutralizer-like
// TagRewriter.
func BenchmarkPageNeutralizeSmallChunks(b *testing.B) {
	benchPage(b, "testdata/page.html", &neutralizerLike{}, 1<<10)
}

// BenchmarkTrackerFree: a ~100 KB page without trackers.
func BenchmarkTrackerFree(b *testing.B) {
	benchPage(b, "testdata/page-notrackers.html", nil, 32<<10)
}

// BenchmarkTrackerFreeNeutralize: the tracker-free page with the
// neutralizer-like TagRewriter.
func BenchmarkTrackerFreeNeutralize(b *testing.B) {
	benchPage(b, "testdata/page-notrackers.html", &neutralizerLike{}, 32<<10)
}

// BenchmarkCardPageNeutralize: a ~100 KB shop page of product cards (the
// page `make bench` serves: about 2,000 tags, most of them neither wanted
// nor state-changing, an <img> and two <a> per card) with the GA4 and
// Meta Pixel snippets in its head, and the neutralizer-like TagRewriter.
func BenchmarkCardPageNeutralize(b *testing.B) {
	benchBytes(b, benchpage.Page(100<<10), &neutralizerLike{}, 32<<10)
}

// neutralizerLike answers WantTag and WantText like trackers.PageRewriter
// with a category refused, and rewrites tags mentioning the GA4 or Meta
// hosts and inline scripts calling gtag or fbq, with a cheap substring
// test standing in for the neutralizer's URL matching.
type neutralizerLike struct{ buf []byte }

var (
	trackerHosts = [][]byte{[]byte("googletagmanager.com"), []byte("facebook.")}
	trackerCalls = [][]byte{[]byte("gtag("), []byte("fbq(")}
	inertType    = []byte(` type="text/plain" data-consent-blocked`)
)

func containsAny(b []byte, subs [][]byte) bool {
	for _, s := range subs {
		if bytes.Contains(b, s) {
			return true
		}
	}
	return false
}

func (t *neutralizerLike) WantTag(name string) bool {
	switch name {
	case "script", "img", "iframe", "link", "a":
		return true
	}
	return false
}

// TagNeeds: like the neutralizer, an <a> matters only with a ping.
func (t *neutralizerLike) TagNeeds(name string) string {
	if name == "a" {
		return "ping"
	}
	return ""
}

// SkipTag: like the neutralizer, a tag without a tracker host is passed
// without being held.
func (t *neutralizerLike) SkipTag(name string, raw []byte) bool {
	return !containsAny(raw, trackerHosts)
}

func (t *neutralizerLike) inert(name string, raw []byte) []byte {
	t.buf = append(append(append(t.buf[:0], raw[:1+len(name)]...), inertType...), raw[1+len(name):]...)
	return t.buf
}

func (t *neutralizerLike) RewriteTag(name string, raw []byte) []byte {
	if !containsAny(raw, trackerHosts) {
		return nil
	}
	return t.inert(name, raw)
}

func (t *neutralizerLike) WantText(name string, startTag []byte) bool {
	return name == "noscript" || name == "script" && !bytes.Contains(startTag, []byte("src"))
}

func (t *neutralizerLike) RewriteText(name string, startTag, text []byte) []byte { return nil }

func (t *neutralizerLike) RewriteElement(name string, startTag, text []byte) ([]byte, []byte) {
	if name == "script" && containsAny(text, trackerCalls) {
		return t.inert(name, startTag), nil
	}
	return nil, nil
}
