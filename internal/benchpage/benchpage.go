// Package benchpage builds the HTML page `make bench` serves (bench/upstream)
// and the page benchmarks of caddymodule/htmlrewrite and caddymodule/trackers
// measure: a shop page with a GA4 gtag snippet and a Meta Pixel in its head
// and product cards in its body, about 1 KB of markup each (~26 tags).
package benchpage

import (
	"bytes"
	"fmt"
	"strings"
)

// Head is the page up to and including <main>: the trackers are here.
const Head = `<!DOCTYPE html>
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
`

// Tail closes the page.
const Tail = `</main>
<footer><p>&copy; 2026 Bench shop. <a href="/imprint">Imprint</a> <a href="/privacy">Privacy</a></p></footer>
<script src="/static/app.js" defer></script>
</body>
</html>
`

var words = strings.Fields(`lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor
incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris
nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum eu fugiat
nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id
est laborum cotton linen wool organic recycled slim regular relaxed fit colour navy olive sand charcoal`)

// text returns n pseudo-random words (deterministic per seed), so that the
// page compresses like real prose (about 4-5×) rather than 20×.
func text(seed, n int) string {
	x := uint32(seed)*2654435761 + 1
	var b strings.Builder
	for i := 0; i < n; i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[x%uint32(len(words))])
	}
	return b.String()
}

// Card is one product card of the page body, about 1 KB of markup.
func Card(i int) string {
	return fmt.Sprintf(`<article class="card" id="p%[1]d" data-sku="SKU-%06[1]d">
  <a href="/shop/product-%[1]d"><img src="/img/product-%[1]d.jpg" alt="Product %[1]d" loading="lazy" width="280" height="210"></a>
  <h2><a href="/shop/product-%[1]d">Product number %[1]d, spring collection</a></h2>
  <p class="price" data-currency="EUR">%[2]d.99 &euro;</p>
  <p>%[3]s.</p>
  <ul class="tags"><li>spring</li><li>cotton</li><li>size S&ndash;XL</li></ul>
  <button type="button" class="add-to-cart" data-id="%[1]d" onclick="addToCart(%[1]d)">Add to cart</button>
</article>
`, i, 10+i%90, text(i, 60))
}

// Page is Head, as many cards as fit in about size bytes, and Tail.
func Page(size int) []byte {
	var b bytes.Buffer
	b.WriteString(Head)
	for i := 0; b.Len()+len(Tail) < size; i++ {
		b.WriteString(Card(i))
	}
	b.WriteString(Tail)
	return b.Bytes()
}
