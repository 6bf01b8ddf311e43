package trackers

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/consentgate/caddy-consent/caddymodule/htmlrewrite"
	"github.com/consentgate/caddy-consent/internal/benchpage"
)

// benchPage builds a page of about 100 KB from the tracker-free fixture's
// body, repeated; with trackers, the GA4 and Meta Pixel snippets go into
// its head.
func benchPage(trackers bool) []byte {
	base, err := os.ReadFile("testdata/notrackers.html")
	if err != nil {
		panic(err)
	}
	i := bytes.Index(base, []byte("<body"))
	j := bytes.LastIndex(base, []byte("</body>"))
	head, body := base[:i], base[i:j]
	var b bytes.Buffer
	if trackers {
		k := bytes.Index(head, []byte("</head>"))
		b.Write(head[:k])
		for _, f := range []string{"testdata/ga4.html", "testdata/meta-pixel.html"} {
			s, err := os.ReadFile(f)
			if err != nil {
				panic(err)
			}
			hs := bytes.Index(s, []byte("<!--"))
			he := bytes.Index(s, []byte("</head>"))
			b.Write(s[hs:he])
		}
		b.Write(head[k:])
	} else {
		b.Write(head)
	}
	for b.Len() < 100<<10 {
		b.Write(body)
	}
	b.WriteString("</body>\n</html>\n")
	return b.Bytes()
}

func benchRewrite(b *testing.B, page []byte, allowed func(string) bool) {
	benchRewritePage(b, page, allowed, PageInfo{})
}

// BenchmarkTrackerFreePageUnknown: the tracker-free page with unknown
// third-party hosts reported (PageInfo.Unknown set).
func BenchmarkTrackerFreePageUnknown(b *testing.B) {
	benchRewritePage(b, benchPage(false), allowNone, PageInfo{Host: "www.example.com", Unknown: func(string, string) {}})
}

// demoVendors is the vendor set of the demo and of `make bench`: every
// default (not opt-in) preset plus generic-pixels (`preset ga4 meta-pixel
// generic-pixels` adds to the defaults), keeping, as the engine does, only
// vendors with tags to find in HTML.
func demoVendors() []Vendor {
	var out []Vendor
	for _, v := range Presets() {
		if v.OptIn && v.Name != "generic-pixels" {
			continue
		}
		if len(v.ScriptHosts)+len(v.PixelHosts)+len(v.InlineSignatures)+len(v.EmbedHosts) > 0 {
			out = append(out, v)
		}
	}
	return out
}

// benchRewritePage runs page through one pooled PageRewriter, Reset per
// page as the gateway does (allocations per page are those of the steady
// state).
func benchRewritePage(b *testing.B, page []byte, allowed func(string) bool, info PageInfo) {
	n, err := NewNeutralizer(demoVendors(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	w := htmlrewrite.New(io.Discard, htmlrewrite.Options{})
	pr := n.Rewriter(allowed, nil).(*PageRewriter)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		pr.Reset(n, allowed, nil)
		pr.SetPage(info)
		w.Reset(io.Discard, htmlrewrite.Options{Tags: pr})
		for p := page; len(p) > 0; {
			k := min(len(p), 32<<10)
			if _, err := w.Write(p[:k]); err != nil {
				b.Fatal(err)
			}
			p = p[k:]
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrackerPage: ~100 KB with the GA4 and Meta Pixel snippets,
// nothing allowed (both neutralized).
func BenchmarkTrackerPage(b *testing.B) { benchRewrite(b, benchPage(true), allowNone) }

// BenchmarkTrackerFreePage: ~100 KB without trackers, nothing allowed.
func BenchmarkTrackerFreePage(b *testing.B) { benchRewrite(b, benchPage(false), allowNone) }

// BenchmarkScanOnly: the same tracker-free page through htmlrewrite
// without a TagRewriter, for comparison.
func BenchmarkScanOnly(b *testing.B) {
	page := benchPage(false)
	w := htmlrewrite.New(io.Discard, htmlrewrite.Options{})
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		w.Reset(io.Discard, htmlrewrite.Options{})
		if _, err := w.Write(page); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBlockerMiss(b *testing.B) {
	bl, err := NewBlocker(presetBlockRules())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := bl.Match("GET", "/products/bread/sourdough-1kg", nil); ok {
			b.Fatal("matched")
		}
	}
}

func TestDemoVendors(t *testing.T) {
	vs := demoVendors()
	names := map[string]bool{}
	for _, v := range vs {
		names[v.Name] = true
	}
	for _, want := range []string{"ga4", "meta-pixel", "youtube"} {
		if !names[want] {
			t.Errorf("demoVendors lacks %s", want)
		}
	}
	if len(vs) < 50 {
		t.Errorf("demoVendors has %d vendors; the demo enables every default preset", len(vs))
	}
	t.Logf("%d vendors", len(vs))
}

// cardPage is the ~100 KB shop page `make bench` serves (GA4 and a Meta
// Pixel in the head, ~100 product cards with same-origin images).
func cardPage() []byte { return benchpage.Page(100 << 10) }

// BenchmarkCardPage: the shop page of cardPage in the gateway's
// configuration (demo vendors, nothing allowed, the page's host set and
// unknown third-party hosts reported).
func BenchmarkCardPage(b *testing.B) {
	benchRewritePage(b, cardPage(), allowNone, PageInfo{Host: "shop.example.com", Unknown: func(string, string) {}})
}

// TestCardPage checks that the benchmark page neutralizes what it should:
// the gtag loader and both inline snippets, and the noscript pixel.
func TestCardPage(t *testing.T) {
	page := cardPage()
	if len(page) < 100<<10 || len(page) > 110<<10 {
		t.Fatalf("card page is %d bytes", len(page))
	}
	n, err := NewNeutralizer(demoVendors(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := string(pipe(t, n, page, allowNone, nil, 4096))
	for _, want := range []string{
		`<script type="text/plain" data-consent-category="analytics" async src="https://www.googletagmanager.com/gtag/js`,
		`data-consent-src="https://www.facebook.com/tr?id=`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("card page output lacks %q", want)
		}
	}
	if n := strings.Count(out, `type="text/plain"`); n != 3 {
		t.Errorf("%d scripts neutralized, want 3", n)
	}
}
