package trackers

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestHostless(t *testing.T) {
	for raw, want := range map[string]bool{
		`<img src="/img/product-1.jpg" alt="Product 1" width="280">`: true,
		`<img src="img/a.png">`:                            true,
		`<img src="?x=1">`:                                 true,
		`<img src="#top">`:                                 true,
		`<img src="//pixel.example/p.gif">`:                false,
		`<img src="/` + "\t" + `/pixel.example/p.gif">`:    false,
		`<img src="/` + "\n\r" + `/pixel.example/p.gif">`:  false,
		`<img src="\\pixel.example/p.gif">`:                false,
		`<img src="/\pixel.example/p.gif">`:                false,
		`<img src="http:pixel.example/p.gif">`:             false,
		`<img src="https://pixel.example/p.gif">`:          false,
		`<img src="&#47;&#47;pixel.example/p.gif">`:        false,
		`<img src="/a" srcset="//pixel.example/p.gif 2x">`: false,
		`<img alt="a//b" src="/a">`:                        false, // conservative
	} {
		if got := hostless([]byte(raw)); got != want {
			t.Errorf("hostless(%q) = %v, want %v", raw, got, want)
		}
	}
}

// TestUnknownHostsSpelling: every spelling of a third-party host in an
// <img> is reported, while the page's relative images are not.
func TestUnknownHostsSpelling(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	for _, src := range []string{
		"//px.unknown.example/p.gif",
		"/\t/px.unknown.example/p.gif",
		"https://px.unknown.example/p.gif",
		"HTTPS://PX.UNKNOWN.EXAMPLE/p.gif",
		"http:px.unknown.example/p.gif",
		"&#47;&#47;px.unknown.example/p.gif",
		"https:&#47;&#47;px.unknown.example/p.gif",
		`\\px.unknown.example/p.gif`,
	} {
		for _, allowed := range []func(string) bool{allowNone, func(string) bool { return true }} {
			var got []string
			pr := n.Rewriter(allowed, nil).(*PageRewriter)
			pr.SetPage(PageInfo{Host: "www.shop.example", Unknown: func(h, tag string) { got = append(got, h+" "+tag) }})
			doc := `<p><img src="/img/a.jpg" alt="a"><img src="img/b.jpg"><img src="` + src + `"><img src="?c"></p>`
			pipeWith(t, pr, []byte(doc))
			if strings.Join(got, ",") != "px.unknown.example img" {
				t.Errorf("src %q: unknown hosts %v, want [px.unknown.example img]", src, got)
			}
		}
	}
}

// parseTagCases are start tags for the parser comparison: quoting,
// duplicates, self-closing forms and character references.
var parseTagCases = []string{
	`<img src="/a.png" alt="A">`,
	`<IMG SRC="/a.png" Alt='b' width=3 height = 4 loading=lazy>`,
	`<img src=/a.png/>`,
	`<img src="/a.png"/>`,
	`<img src="/a.png" />`,
	`<img src=/a.png />`,
	`<br/>`,
	`<img a/>`,
	`<img a=/>`,
	`<img a= />`,
	`<img a=>`,
	`<img a= >`,
	`<img/src=x>`,
	`<img/src=x/>`,
	`<img =src=x>`,
	`<img src=x src=y SRC=z>`,
	`<img a b c=d e>`,
	`<img a = "1" b= '2' c ='3'>`,
	`<img alt="a>b" src=x>`,
	`<img alt='a"b' src="c'd">`,
	`<img src="x>`,
	`<img src=x>y>`,
	`<img src="https://www.facebook.com/tr?id=1&ev=PageView&noscript=1"/>`,
	`<img src="/x?a=1&amp;b=2&quot;&lt;&gt;&apos;&#34;&#38;&#39;">`,
	`<img src="/x?a=1&amp=2&copy=3">`,
	`<img src="/x?a&b &c">`,
	`<img src="/x?a=1&copy;">`,
	`<img src="/x?&copy">`,
	`<img src="/x?&copyx y">`,
	`<img src="/x?&#47;&#x2f;&#47">`,
	`<img src="/x?&notit;">`,
	"<img src=\"/a\r\nb\rc\nd\">",
	"<img\tsrc=a\nalt=b\fc=d\r>",
	"<img src=\"a\x00b\">",
	"<img s\x00rc=a>",
	`<img src="a" '="b" "c=d>`,
	`<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>`,
	`<script>`,
	`<script type="text/javascript" data-x='{"a":1}'>`,
	`<a href="/" ping="https://t.example/p">`,
	`<iframe src="https://www.youtube.com/embed/x" allow="autoplay; encrypted-media" allowfullscreen>`,
	`<svg:image xlink:href="https://t.example/x">`,
	`<1img src=x>`,
	`< img src=x>`,
	`<img src=x`,
	`<img>`,
	`<i>`,
}

// TestParseTagFast: wherever parseTagFast answers, it gives what
// x/net/html's tokenizer gives (name, decoded attributes, self-closing,
// alignment with the raw spans); it answers for the usual tags.
func TestParseTagFast(t *testing.T) {
	cases := append([]string(nil), parseTagCases...)
	for _, f := range []string{"ga4.html", "gtm.html", "meta-pixel.html", "youtube.html", "hubspot.html", "linkedin.html", "matomo.html", "notrackers.html", "../../htmlrewrite/testdata/page.html"} {
		z := html.NewTokenizer(bytes.NewReader(readFixture(t, f)))
		for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
			if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
				cases = append(cases, string(z.Raw()))
			}
		}
	}
	fast := 0
	for _, c := range cases {
		if compareParseTag(t, []byte(c)) {
			fast++
		}
	}
	t.Logf("%d of %d tags parsed in place", fast, len(cases))
	for _, c := range []string{
		`<img src="/a.png" alt="A">`,
		`<img src="https://www.facebook.com/tr?id=1&ev=PageView&noscript=1"/>`,
		`<img src="/x?a=1&amp;b=2">`,
		`<script async src="https://www.googletagmanager.com/gtag/js?id=G-1">`,
	} {
		var s tagScratch
		if _, ok := parseTagFast([]byte(c), &s); !ok {
			t.Errorf("parseTagFast does not answer for %s", c)
		}
	}
}

// compareParseTag checks parseTagFast against parseTagTokenizer for raw
// and reports whether parseTagFast answered.
func compareParseTag(t testing.TB, raw []byte) bool {
	var s1, s2 tagScratch
	got, ok := parseTagFast(raw, &s1)
	if !ok {
		return false
	}
	want, wok := parseTagTokenizer(raw, &s2)
	if !wok {
		t.Errorf("%q: parseTagFast parsed a tag the tokenizer does not see", raw)
		return true
	}
	if got.name != want.name || got.selfClosing != want.selfClosing || got.nameEnd != want.nameEnd ||
		got.aligned != want.aligned || fmt.Sprint(got.attrs) != fmt.Sprint(want.attrs) ||
		fmt.Sprint(got.spanOf) != fmt.Sprint(want.spanOf) || fmt.Sprint(got.spans) != fmt.Sprint(want.spans) {
		t.Errorf("%q:\n fast      %q %v %v %q %v\n tokenizer %q %v %v %q %v", raw,
			got.name, got.selfClosing, got.aligned, got.attrs, got.spanOf,
			want.name, want.selfClosing, want.aligned, want.attrs, want.spanOf)
	}
	return true
}

func FuzzParseTagFast(f *testing.F) {
	for _, c := range parseTagCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		compareParseTag(t, raw)
	})
}

// noscriptCases are noscript texts for the comparison of noscriptEdits
// with the tokenizer.
var noscriptCases = []string{
	`<img height="1" width="1" style="display:none"
src="https://www.facebook.com/tr?id=123456789012345&ev=PageView&noscript=1"
/>`,
	`<iframe src="https://www.googletagmanager.com/ns.html?id=GTM-XXXX" height="0" width="0" style="display:none;visibility:hidden"></iframe>`,
	`<IFRAME SRC="https://www.googletagmanager.com/ns.html?id=GTM-XXXX"></IFRAME ><img src="https://www.facebook.com/tr?id=1">`,
	`<iframe src="https://www.googletagmanager.com/ns.html"><img src="https://www.facebook.com/tr?id=1"></iframe><img src="https://www.facebook.com/tr?id=2">`,
	`<iframe src="x"><img src="https://www.facebook.com/tr?id=1"></iframex><img src="https://www.facebook.com/tr?id=2">`,
	`<style>a{}</style><img src="https://www.facebook.com/tr?id=3">`,
	`<textarea><img src="https://www.facebook.com/tr?id=4"></TEXTAREA><img src="https://www.facebook.com/tr?id=5">`,
	`<p title="a>b"><img alt='x>y' src="https://www.facebook.com/tr?id=6"></p>`,
	`</p title=">"><img src="https://www.facebook.com/tr?id=7">`,
	`a < b <img src="https://www.facebook.com/tr?id=8"> c <`,
	`<img src="https://www.facebook.com/tr?id=9"`,
	`<!-- <img src="https://www.facebook.com/tr?id=10"> --><img src="https://www.facebook.com/tr?id=11">`,
	`<script><img src="https://www.facebook.com/tr?id=12"></script>`,
	`<img src="https://www.facebook.com/tr?id=13&amp;x=1&#38;y" srcset="https://www.facebook.com/tr?id=14 2x">`,
	`<a href=/ ping="https://www.google-analytics.com/collect"><img src=https://www.facebook.com/tr?id=15></a>`,
	`<link rel="preload" href="https://www.googletagmanager.com/gtag/js"><base href="https://www.facebook.com/">`,
	`<img src="/local.png"><img src="https://cdn.example/x.png">`,
	`<verylongelementnamexyz src="https://www.facebook.com/tr?id=16"><img src="https://www.facebook.com/tr?id=17">`,
	`<img/src="https://www.facebook.com/tr?id=18"/>`,
	`<iframe src="x"/><img src="https://www.facebook.com/tr?id=19">`,
}

// TestNoscriptEdits: wherever noscriptEdits answers, the noscript text it
// produces is the tokenizer's; it answers for the Meta Pixel and GTM
// snippets.
func TestNoscriptEdits(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	for _, c := range noscriptCases {
		compareNoscript(t, n, []byte(c))
	}
	pr := n.Rewriter(allowNone, nil).(*PageRewriter)
	for _, c := range noscriptCases[:2] {
		if edits, ok := pr.noscriptEdits([]byte(c)); !ok || len(edits) != 1 {
			t.Errorf("noscriptEdits(%q) = %d edits, %v; want 1, true", c, len(edits), ok)
		}
	}
}

func compareNoscript(t testing.TB, n *Neutralizer, text []byte) bool {
	pr := n.Rewriter(allowNone, nil).(*PageRewriter)
	edits, ok := pr.noscriptEdits(text)
	if !ok {
		return false
	}
	got := string(splice(nil, text, edits))
	wedits, wok := pr.noscriptEditsTokenizer(text)
	if !wok {
		t.Errorf("%q: the tokenizer lost track, noscriptEdits did not", text)
		return true
	}
	if want := string(splice(nil, text, wedits)); got != want {
		t.Errorf("%q:\n got %q\nwant %q", text, got, want)
	}
	return true
}

func FuzzNoscriptEdits(f *testing.F) {
	for _, c := range noscriptCases {
		f.Add([]byte(c))
	}
	n, err := NewNeutralizer(Presets(), Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		compareNoscript(t, n, text)
	})
}

// TestPooledSite: a pooled PageRewriter decides first party by the host
// of the current page, not by the one it cached for the previous page.
func TestPooledSite(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	pr := n.Rewriter(allowNone, nil).(*PageRewriter)
	doc := []byte(`<img src="https://cdn.a-shop.example/x.png"><script src="https://static.b-shop.example/app.js"></script>`)
	for _, c := range []struct{ host, want string }{
		{"www.a-shop.example", "static.b-shop.example script"},
		{"www.a-shop.example", "static.b-shop.example script"},
		{"b-shop.example", "cdn.a-shop.example img"},
		{"", "cdn.a-shop.example img,static.b-shop.example script"},
		{"www.a-shop.example", "static.b-shop.example script"},
	} {
		var got []string
		pr.Reset(n, allowNone, nil)
		pr.SetPage(PageInfo{Host: c.host, Unknown: func(h, tag string) { got = append(got, h+" "+tag) }})
		pipeWith(t, pr, doc)
		if strings.Join(got, ",") != c.want {
			t.Errorf("page host %q: unknown %v, want %s", c.host, got, c.want)
		}
	}
}

// TestRelativeMayMatch: for a hostless tag, relativeMayMatch says what
// rawMayMatch says; it sends every other tag back to rawMayMatch.
func TestRelativeMayMatch(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	for _, raw := range append([]string{
		`<img src="/img/product-1.jpg" alt="Product 1" width="280">`,
		`<script src="/js/matomo.js">`,
		`<script src=matomo.js>`,
		`<script src= 'piwik.js'>`,
		`<img src="/b/ss/x/1/JS-2.0/s123">`,
		`<img src="?x=matomo.php">`,
		`<img src="/a" srcset="/b 1x, /c/piwik.php 2x">`,
		`<img src="//t.example/matomo.php">`,
		`<img src="/` + "\n" + `/www.google-analytics.com/collect">`,
		`<img src="https://www.facebook.com/tr">`,
		`<img src="&#47;&#47;www.facebook.com/tr">`,
		`<img src="\\www.facebook.com/tr">`,
	}, parseTagCases...) {
		if err := checkRelative(n, []byte(raw)); err != "" {
			t.Error(err)
		}
	}
}

// checkRelative checks relativeMayMatch's contract against hostless and
// rawMayMatch.
func checkRelative(n *Neutralizer, raw []byte) string {
	h, may := n.m.relativeMayMatch(raw)
	if h && !may && (!hostless(raw) || n.m.rawMayMatch(raw)) {
		return fmt.Sprintf("relativeMayMatch(%q) skips a tag that hostless/rawMayMatch keep", raw)
	}
	if hostless(raw) && (!h && !may || may != n.m.rawMayMatch(raw)) {
		return fmt.Sprintf("relativeMayMatch(%q) = %v, %v on a hostless tag; rawMayMatch %v", raw, h, may, n.m.rawMayMatch(raw))
	}
	return ""
}

func FuzzRelativeMayMatch(f *testing.F) {
	for _, c := range parseTagCases {
		f.Add([]byte(c))
	}
	f.Add([]byte(`<script src="/js/matomo.js">`))
	f.Add([]byte(`<img src=/b/ss/1>`))
	n, err := NewNeutralizer(Presets(), Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if err := checkRelative(n, raw); err != "" {
			t.Fatal(err)
		}
	})
}
