package trackers

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/consentgate/caddy-consent/caddymodule/htmlrewrite"
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

// cardPage builds a shop page of about 100 KB like bench/upstream's
// product page: a GA4 gtag snippet and a Meta Pixel (with its noscript
// pixel) in the head, then about 110 product cards, each with a
// same-origin image, links, a price, a paragraph, a tag list and a button.
func cardPage() []byte {
	var b bytes.Buffer
	b.WriteString(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bench shop: spring collection</title>
<link rel="stylesheet" href="/static/site.css">
<link rel="preconnect" href="https://www.googletagmanager.com">
<!-- Google tag (gtag.js) -->
<script async src="https://www.googletagmanager.com/gtag/js?id=G-BENCH12345"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'G-BENCH12345');
</script>
<!-- Meta Pixel Code -->
<script>
!function(f,b,e,v,n,t,s)
{if(f.fbq)return;n=f.fbq=function(){n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)};
if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';
n.queue=[];t=b.createElement(e);t.async=!0;
t.src=v;s=b.getElementsByTagName(e)[0];
s.parentNode.insertBefore(t,s)}(window, document,'script',
'https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '123456789012345');
fbq('track', 'PageView');
</script>
<noscript><img height="1" width="1" style="display:none"
src="https://www.facebook.com/tr?id=123456789012345&ev=PageView&noscript=1"
/></noscript>
<!-- End Meta Pixel Code -->
<style>
body { font-family: system-ui, sans-serif; margin: 0; color: #222; }
.card { display: inline-block; width: 280px; margin: 8px; vertical-align: top; }
.card img { width: 100%; height: auto; }
</style>
</head>
<body class="home">
<header><nav><a href="/">Home</a> <a href="/shop">Shop</a> <a href="/about">About</a> <a href="/cookie-notice">Cookies</a></nav></header>
<main>
`)
	words := strings.Fields("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor " +
		"incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco " +
		"cotton linen wool sand navy charcoal organic recycled regular relaxed fit colour")
	seed := uint32(12345)
	for i := 0; b.Len() < 100<<10; i++ {
		fmt.Fprintf(&b, `<article class="card" id="p%d" data-sku="SKU-%06d">
  <a href="/shop/product-%d"><img src="/img/product-%d.jpg" alt="Product %d" loading="lazy" width="280" height="210"></a>
  <h2><a href="/shop/product-%d">Product number %d, spring collection</a></h2>
  <p class="price" data-currency="EUR">%d.99 &euro;</p>
  <p>`, i, i, i, i, i, i, i, 10+i%21)
		for k := 0; k < 60; k++ {
			seed = seed*1664525 + 1013904223
			if k > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[seed>>16%uint32(len(words))])
		}
		fmt.Fprintf(&b, `.</p>
  <ul class="tags"><li>spring</li><li>cotton</li><li>size S&ndash;XL</li></ul>
  <button type="button" class="add-to-cart" data-id="%d" onclick="addToCart(%d)">Add to cart</button>
</article>
`, i, i)
	}
	b.WriteString(`</main>
<footer><p>&copy; 2026 Bench shop. <a href="/imprint">Imprint</a> <a href="/privacy">Privacy</a></p></footer>
<script src="/static/app.js" defer></script>
</body>
</html>
`)
	return b.Bytes()
}

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
