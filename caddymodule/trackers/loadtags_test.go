package trackers

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/consentgate/caddy-consent/caddymodule/htmlrewrite"
)

// Issue 13, "Tags a browser would load": every element whose start tag
// makes a browser fetch a tracker URL is made inert while its category is
// refused, and left byte-identical when it is allowed.
func TestLoadingTags(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	for _, c := range []struct{ name, in, want string }{
		{"svg script href",
			`<svg><script href="https://connect.facebook.net/en_US/fbevents.js"></script></svg>`,
			`<svg><script type="text/plain" data-consent-category="advertising" data-consent-href="https://connect.facebook.net/en_US/fbevents.js"></script></svg>`},
		{"svg script xlink:href",
			`<svg><script xlink:href="https://static.hotjar.com/c/hotjar-1.js"></script></svg>`,
			`<svg><script type="text/plain" data-consent-category="analytics" data-consent-xlink:href="https://static.hotjar.com/c/hotjar-1.js"></script></svg>`},
		{"object data",
			`<object data="https://www.facebook.com/tr?id=1&amp;ev=PageView" width="1"></object>`,
			`<object data-consent-category="advertising" data-consent-data="https://www.facebook.com/tr?id=1&amp;ev=PageView" width="1"></object>`},
		{"embed src",
			`<embed src="https://px.ads.linkedin.com/collect/?pid=1&amp;fmt=gif">`,
			`<embed data-consent-category="advertising" data-consent-src="https://px.ads.linkedin.com/collect/?pid=1&amp;fmt=gif">`},
		{"input type=image",
			`<input type="image" src="https://www.facebook.com/tr?id=1&amp;ev=PageView" alt="go">`,
			`<input data-consent-category="advertising" type="image" data-consent-src="https://www.facebook.com/tr?id=1&amp;ev=PageView" alt="go">`},
		{"video poster",
			`<video poster="https://www.google-analytics.com/collect?v=1&amp;tid=UA-1" src="/v.mp4"></video>`,
			`<video data-consent-category="analytics" data-consent-poster="https://www.google-analytics.com/collect?v=1&amp;tid=UA-1" src="/v.mp4"></video>`},
		{"picture source srcset",
			`<picture><source srcset="https://px.ads.linkedin.com/collect/?pid=1 1x"><img src="/a.png"></picture>`,
			`<picture><source data-consent-category="advertising" data-consent-srcset="https://px.ads.linkedin.com/collect/?pid=1 1x"><img src="/a.png"></picture>`},
		{"img srcset only",
			`<img src="/a.png" srcset="/a2.png 2x, https://bat.bing.com/action/0?ti=1 3x">`,
			`<img data-consent-category="advertising" src="/a.png" data-consent-srcset="/a2.png 2x, https://bat.bing.com/action/0?ti=1 3x">`},
		{"svg image href",
			`<svg><image href="https://ct.pinterest.com/v3/?tid=1&amp;noscript=1"/></svg>`,
			`<svg><image data-consent-category="advertising" data-consent-href="https://ct.pinterest.com/v3/?tid=1&amp;noscript=1"/></svg>`},
		{"svg image xlink:href",
			`<svg><image xlink:href="https://www.facebook.com/tr?id=1"/></svg>`,
			`<svg><image data-consent-category="advertising" data-consent-xlink:href="https://www.facebook.com/tr?id=1"/></svg>`},
		{"html image is img",
			`<image src="https://www.facebook.com/tr?id=1">`,
			`<image data-consent-category="advertising" data-consent-src="https://www.facebook.com/tr?id=1">`},
		{"audio and track",
			`<audio src="https://www.google-analytics.com/collect?v=1"></audio>`,
			`<audio data-consent-category="analytics" data-consent-src="https://www.google-analytics.com/collect?v=1"></audio>`},
		{"a ping",
			`<a href="/shop" ping="https://www.google-analytics.com/collect?v=1">Shop</a>`,
			`<a data-consent-category="analytics" href="/shop" data-consent-ping="https://www.google-analytics.com/collect?v=1">Shop</a>`},
		{"area ping, several URLs",
			`<area href="/x" ping="/own https://www.facebook.com/tr?id=1">`,
			`<area data-consent-category="advertising" href="/x" data-consent-ping="/own https://www.facebook.com/tr?id=1">`},
		{"link preload",
			`<link rel="preload" as="script" href="https://connect.facebook.net/en_US/fbevents.js">`,
			`<link data-consent-category="advertising" rel="preload" as="script" data-consent-href="https://connect.facebook.net/en_US/fbevents.js">`},
		{"link modulepreload",
			`<link rel=modulepreload href=https://static.hotjar.com/c/hotjar-1.js>`,
			`<link data-consent-category="analytics" rel=modulepreload data-consent-href=https://static.hotjar.com/c/hotjar-1.js>`},
		{"link prefetch",
			`<link rel="prefetch" href="https://snap.licdn.com/li.lms-analytics/insight.min.js">`,
			`<link data-consent-category="advertising" rel="prefetch" data-consent-href="https://snap.licdn.com/li.lms-analytics/insight.min.js">`},
		{"link preconnect",
			`<link rel="preconnect" href="https://static.hotjar.com">`,
			`<link data-consent-category="analytics" rel="preconnect" data-consent-href="https://static.hotjar.com">`},
		{"link dns-prefetch",
			`<link rel="dns-prefetch" href="//securepubads.g.doubleclick.net">`,
			`<link data-consent-category="advertising" rel="dns-prefetch" data-consent-href="//securepubads.g.doubleclick.net">`},
		{"frame",
			`<frameset><frame src="https://www.youtube.com/embed/x"></frameset>`,
			`<frameset><frame data-consent-category="advertising" data-consent-src="https://www.youtube.com/embed/x"></frameset>`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := rewriteOne(t, n, allowNone, c.in); got != c.want {
				t.Errorf("\n got %s\nwant %s", got, c.want)
			}
			if got := rewriteOne(t, n, func(string) bool { return true }, c.in); got != c.in {
				t.Errorf("changed although allowed: %s", got)
			}
			// What a browser parses: no attribute left that loads the URL.
			assertNoTrackerURL(t, rewriteOne(t, n, allowNone, c.in))
		})
	}
}

// assertNoTrackerURL parses doc like a browser and fails if an attribute
// that makes a browser fetch still names a vendor host (the URL moved to a
// data-consent- attribute), or a script is still executable.
func assertNoTrackerURL(t *testing.T, doc string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(doc))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		for _, a := range tok.Attr {
			k := a.Key
			if a.Namespace != "" {
				k = a.Namespace + ":" + k
			}
			switch k {
			case "src", "href", "xlink:href", "data", "poster", "srcset", "ping", "srcdoc":
				if oracleMatch(a.Val) && !(tok.Data == "script" && k == "src" && typeOf(tok) == "text/plain") &&
					!(tok.Data == "a" && k == "href") {
					t.Errorf("<%s %s=%q> still loads a tracker", tok.Data, k, a.Val)
				}
			}
		}
	}
}

func typeOf(tok html.Token) string {
	for _, a := range tok.Attr {
		if a.Key == "type" {
			return a.Val
		}
	}
	return ""
}

func oracleMatch(v string) bool {
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' }) {
		for _, d := range append(oracleDomains, "facebook.com", "pinterest.com", "ads.linkedin.com", "doubleclick.net") {
			if strings.Contains(strings.ToLower(f), d) {
				return true
			}
		}
	}
	return false
}

// A <base href> on a tracker host makes later relative URLs load from it.
func TestBaseHref(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	in := `<head><base href="https://www.googletagmanager.com/"><script async src="gtag/js?id=G-1"></script>` +
		`<script src="/gtm.js?id=GTM-1"></script><img src="https://own.example/logo.png"></head>`
	want := `<head><base href="https://www.googletagmanager.com/"><script type="text/plain" data-consent-category="analytics" async src="gtag/js?id=G-1"></script>` +
		`<script type="text/plain" data-consent-category="analytics" src="/gtm.js?id=GTM-1"></script><img src="https://own.example/logo.png"></head>`
	if got := rewriteOne(t, n, allowNone, in); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	// Only the first <base href> counts; a first-party base changes nothing.
	in = `<base href="/app/"><base href="https://connect.facebook.net/"><script src="en_US/fbevents.js"></script>`
	if got := rewriteOne(t, n, allowNone, in); got != in {
		t.Errorf("second base used: %s", got)
	}
	// A base on a host no vendor knows changes nothing.
	in = `<base href="https://www.shop.example/"><script src="js/app.js"></script><img src="img/a.png">`
	if got := rewriteOne(t, n, allowNone, in); got != in {
		t.Errorf("own base: %s", got)
	}
	// Relative path resolved against the base's directory.
	in = `<base href="https://connect.facebook.net/en_US/index.html"><script src="fbevents.js"></script>`
	if got := rewriteOne(t, n, allowNone, in); !strings.Contains(got, `type="text/plain"`) {
		t.Errorf("relative script under tracker base kept: %s", got)
	}
}

// An iframe's srcdoc is a document of its own: a tracker in it makes the
// srcdoc inert.
func TestSrcdoc(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	for _, in := range []string{
		`<iframe srcdoc="<script src=&quot;https://connect.facebook.net/en_US/fbevents.js&quot;></script>"></iframe>`,
		`<iframe srcdoc="<script>fbq('init','1');fbq('track','PageView')</script>"></iframe>`,
		`<iframe srcdoc='&lt;img src="https://www.facebook.com/tr?id=1&amp;amp;ev=PageView"&gt;'></iframe>`,
		`<iframe srcdoc="<iframe srcdoc='<script src=//static.hotjar.com/c/h.js></script>'></iframe>"></iframe>`,
	} {
		got := rewriteOne(t, n, allowNone, in)
		tok := firstToken(got)
		for _, a := range tok.Attr {
			if a.Key == "srcdoc" {
				t.Errorf("srcdoc kept:\n%s\n%s", in, got)
			}
		}
		if !strings.Contains(got, "data-consent-srcdoc=") {
			t.Errorf("srcdoc not kept for the banner:\n%s", got)
		}
		if all := rewriteOne(t, n, func(string) bool { return true }, in); all != in {
			t.Errorf("changed although allowed: %s", all)
		}
	}
	for _, in := range []string{
		`<iframe srcdoc="<p>Hello <b>world</b></p><script>console.log(1)</script>"></iframe>`,
		`<iframe srcdoc="<img src=/own.png>"></iframe>`,
	} {
		if got := rewriteOne(t, n, allowNone, in); got != in {
			t.Errorf("harmless srcdoc changed: %s", got)
		}
	}
	// A srcdoc tracker with a harmless src: only srcdoc is renamed.
	in := `<iframe src="https://own.example/x" srcdoc="<script>fbq('init','1')</script>"></iframe>`
	if got := rewriteOne(t, n, allowNone, in); !strings.Contains(got, `<iframe data-consent-category="advertising" src="https://own.example/x" data-consent-srcdoc=`) {
		t.Errorf("got %s", got)
	}
	// Allowed src vendor, refused srcdoc vendor: src stays.
	in = `<iframe src="https://www.youtube.com/embed/x" srcdoc="<script src=//static.hotjar.com/c/h.js></script>"></iframe>`
	if got := rewriteOne(t, n, allowOnly("advertising"), in); !strings.Contains(got, ` src="https://www.youtube.com/embed/x" data-consent-srcdoc=`) ||
		!strings.Contains(got, `data-consent-category="analytics advertising"`) {
		t.Errorf("got %s", got)
	}
	// With a tracker src and a tracker srcdoc, both are renamed once.
	in = `<iframe src="https://www.youtube.com/embed/x" srcdoc="<script>fbq('init','1')</script>"></iframe>`
	got := rewriteOne(t, n, allowNone, in)
	if !strings.Contains(got, `data-consent-src="https://www.youtube.com/embed/x"`) || !strings.Contains(got, "data-consent-srcdoc=") ||
		!strings.Contains(got, `data-consent-category="advertising"`) {
		t.Errorf("got %s", got)
	}
}

func TestOversizedTag(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	r := n.Rewriter(allowNone, nil).(*PageRewriter)
	for name, c := range map[string]struct {
		want  string
		attrs []string // attributes that load a URL on this element
	}{
		"script": {`type="text/plain"`, []string{"href", "xlink:href"}},
		"iframe": {`srcdoc=""`, []string{"src"}}, "frame": {`src="about:blank"`, []string{"src"}},
		"img": {`src=""`, []string{"src", "srcset"}}, "link": {`rel=""`, []string{"href"}},
		"object": {`data=""`, []string{"data"}}, "embed": {`src=""`, []string{"src"}},
		"a": {`ping=""`, []string{"ping"}}, "image": {`href=""`, []string{"href", "xlink:href", "src"}},
		"video": {`poster=""`, []string{"src", "poster"}},
	} {
		got := string(r.OversizedTag(name))
		if !strings.HasPrefix(got, " ") || !strings.Contains(got, c.want) || !strings.Contains(got, "data-consent-oversized") {
			t.Errorf("%s: %q", name, got)
		}
		// The inserted attributes come first, so they win in a browser.
		doc := "<" + name + got
		for _, a := range c.attrs {
			doc += " " + a + `="https://connect.facebook.net/x.js"`
		}
		tok := firstToken(doc + ">")
		for _, a := range tok.Attr {
			if strings.Contains(a.Val, "facebook") {
				t.Errorf("%s: %s=%q wins", name, a.Key, a.Val)
			}
		}
	}
	if got := r.OversizedTag("div"); got != nil {
		t.Errorf("div: %q", got)
	}
	all := n.Rewriter(func(string) bool { return true }, nil).(*PageRewriter)
	if got := all.OversizedTag("script"); got != nil {
		t.Errorf("everything allowed: %q", got)
	}
}

func firstToken(doc string) html.Token {
	z := html.NewTokenizer(strings.NewReader(doc))
	z.Next()
	return z.Token()
}

func TestUnknownHosts(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	doc := `<html><head><script src="https://cdn.tracker-unknown.example/t.js"></script>` +
		`<script src="https://cdn.tracker-unknown.example/u.js"></script>` +
		`<script src="https://static.shop.example/app.js"></script>` +
		`<script src="/local.js"></script>` +
		`<script src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>` +
		`<link rel="stylesheet" href="https://fonts.other.example/css">` +
		`<link rel="canonical" href="https://canonical.example/">` +
		`<img src="//pixel.unknown-ads.example/p.gif">` +
		`<iframe src="https://widget.unknown.example/w"></iframe>` +
		`<a href="https://elsewhere.example/">link</a>` +
		`</head></html>`
	want := "cdn.tracker-unknown.example script,fonts.other.example link,pixel.unknown-ads.example img,widget.unknown.example iframe"
	for _, allowed := range []func(string) bool{allowNone, func(string) bool { return true }} {
		var got []string
		var out bytes.Buffer
		pr := n.Rewriter(allowed, nil).(*PageRewriter)
		pr.SetPage(PageInfo{Host: "www.shop.example", Unknown: func(h, tag string) { got = append(got, h+" "+tag) }})
		out.Write(pipeWith(t, pr, []byte(doc)))
		if strings.Join(got, ",") != want {
			t.Errorf("unknown hosts\n got %v\nwant %v", strings.Join(got, ","), want)
		}
	}
	// After Reset, no callback.
	pr := n.Rewriter(allowNone, nil).(*PageRewriter)
	called := false
	pr.SetPage(PageInfo{Host: "a.example", Unknown: func(string, string) { called = true }})
	pr.Reset(n, allowNone, nil)
	pipeWith(t, pr, []byte(doc))
	if called {
		t.Error("Reset kept the unknown callback")
	}
}

func TestPlaceholderText(t *testing.T) {
	n := presetNeutralizer(t, Options{EmbedPlaceholder: true, PlaceholderText: func(lang string) PlaceholderText {
		if lang == "de" {
			return PlaceholderText{
				Notice:     "{vendor} wird erst angezeigt, wenn Sie {category} erlauben.",
				Open:       "{vendor} öffnen",
				Categories: map[string]string{"advertising": "Werbung"},
			}
		}
		return PlaceholderText{}
	}})
	in := `<iframe src="https://www.youtube.com/embed/x<y"></iframe>`
	pr := n.Rewriter(allowNone, nil).(*PageRewriter)
	pr.SetPage(PageInfo{Lang: "de"})
	got := string(pipeWith(t, pr, []byte(in)))
	for _, want := range []string{"wird erst angezeigt, wenn Sie Werbung erlauben.", "YouTube embedded player öffnen", "data-consent-placeholder"} {
		if !strings.Contains(html.UnescapeString(got), want) {
			t.Errorf("missing %q in %s", want, got)
		}
	}
	pr.Reset(n, allowNone, nil)
	got = string(pipeWith(t, pr, []byte(in)))
	if !strings.Contains(html.UnescapeString(got), "YouTube embedded player (advertising)") {
		t.Errorf("default text: %s", got)
	}
	// The srcdoc is one attribute value: nothing in it breaks out.
	tok := firstToken(got)
	for _, a := range tok.Attr {
		if a.Key == "srcdoc" && strings.Contains(a.Val, "<y") {
			t.Errorf("unescaped URL in placeholder: %s", a.Val)
		}
	}
}

// pipeWith runs doc through htmlrewrite with a prepared PageRewriter.
func pipeWith(t testing.TB, pr *PageRewriter, doc []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w := htmlrewrite.New(&out, htmlrewrite.Options{Tags: pr})
	if _, err := w.Write(doc); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// Through the real htmlrewrite: a start tag padded beyond MaxHold is made
// inert while its category is refused; an oversized inline script passes.
func TestOversizedThroughRewriter(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	pad := strings.Repeat("x", 300)
	run := func(allowed func(string) bool, doc string) string {
		var out bytes.Buffer
		w := htmlrewrite.New(&out, htmlrewrite.Options{Tags: n.Rewriter(allowed, nil), MaxHold: 128})
		for i := 0; i < len(doc); i += 7 {
			if _, err := w.Write([]byte(doc[i:min(i+7, len(doc))])); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	for _, c := range []struct{ in, want string }{
		{`<script data-pad="` + pad + `" src="https://connect.facebook.net/en_US/fbevents.js"></script>`, `<script type="text/plain"`},
		{`<img data-pad="` + pad + `" src="https://www.facebook.com/tr?id=1">`, `<img src="" srcset=""`},
		{`<iframe data-pad="` + pad + `" src="https://www.youtube.com/embed/x"></iframe>`, `<iframe src="about:blank" srcdoc=""`},
	} {
		got := run(allowNone, c.in)
		if !strings.HasPrefix(got, c.want) {
			t.Errorf("oversized tag passed:\n%s", got)
		}
		assertNoTrackerURL(t, got)
		if got := run(func(string) bool { return true }, c.in); got != c.in {
			t.Errorf("changed although allowed: %s", got)
		}
	}
	// A large inline script is the site's code: it runs.
	in := `<script>var app = "` + pad + `"; fbq('init','1');</script><p>after</p>`
	if got := run(allowNone, in); got != in {
		t.Errorf("oversized inline script changed: %s", got)
	}
	// The flag set for that text does not leak to the next start tag.
	in = `<script>var a = "` + pad + `";</script><script data-pad="` + pad + `" src="https://connect.facebook.net/x.js"></script>`
	if got := run(allowNone, in); !strings.Contains(got, `<script type="text/plain"`) {
		t.Errorf("second oversized tag passed: %s", got)
	}
}

func TestHasFoldASCII(t *testing.T) {
	for _, c := range []struct {
		b    string
		want bool
	}{{"<a ping=x>", true}, {"<a PiNg=x>", true}, {"<a href=/p>", false}, {"<a pin", false}, {"ping", true}, {"xPING", true}, {"", false}} {
		if got := hasFoldASCII([]byte(c.b), "ping"); got != c.want {
			t.Errorf("%q: %v", c.b, got)
		}
	}
}

// Inside <noscript>, the new loading tags are neutralized too.
func TestNoscriptLoadingTags(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	in := `<noscript><object data="https://www.facebook.com/tr?id=1"></object><a href="/x" ping="https://www.facebook.com/tr?id=1">x</a></noscript>`
	got := rewriteOne(t, n, allowNone, in)
	if !strings.Contains(got, `data-consent-data="https://www.facebook.com/tr?id=1"`) || !strings.Contains(got, `data-consent-ping=`) {
		t.Errorf("got %s", got)
	}
}

func TestPlainHost(t *testing.T) {
	for _, c := range []struct {
		in, host string
		plain    bool
	}{
		{"https://a.example/x", "a.example", true}, {"//a.example", "a.example", true},
		{"HTTP://a.example:80/", "a.example", true}, {"/x/y", "", true}, {"./x", "", true},
		{"https://A.example/", "", false}, {"https://u@a.example/", "", false}, {"//a%2eexample", "", false},
		{"x.js", "", true}, {"js/a.mjs", "", true}, {"data:image/gif;base64,R0l/GO", "", true}, {"javascript:x()", "", true},
		{"/\\a.example", "", false}, {"https:a.example", "", false}, {"//a.example&amp;", "", false},
	} {
		h, plain := plainHost([]byte(c.in))
		if string(h) != c.host || plain != c.plain {
			t.Errorf("%q: %q %v", c.in, h, plain)
		}
	}
	pr := &PageRewriter{}
	pr.SetPage(PageInfo{Host: "www.shop.example"})
	for h, want := range map[string]bool{"www.shop.example": true, "shop.example": true, "cdn.shop.example": true,
		"xshop.example": false, "other.example": false, "example": false} {
		if pr.firstPartyBytes([]byte(h)) != want || pr.firstParty(h) != want {
			t.Errorf("firstParty(%s) != %v", h, want)
		}
	}
}

func TestFetchingRel(t *testing.T) {
	for rel, want := range map[string]bool{"stylesheet": true, "  Preload ": true, "canonical": false, "alternate icon": true,
		"": false, "noopener": false, "shortcut\tICON": true} {
		if fetchingRel([]byte(rel)) != want {
			t.Errorf("%q", rel)
		}
	}
}
