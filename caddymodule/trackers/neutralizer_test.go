package trackers

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/consentgate/caddy-consent/caddymodule/htmlrewrite"
)

var fixtures = []struct {
	file     string
	vendor   string
	category string
}{
	{"ga4.html", "ga4", "analytics"},
	{"gtm.html", "gtm", "analytics"},
	{"meta-pixel.html", "meta-pixel", "advertising"},
	{"linkedin.html", "linkedin", "advertising"},
	{"tiktok.html", "tiktok", "advertising"},
	{"hotjar.html", "hotjar", "analytics"},
	{"hubspot.html", "hubspot", "advertising"},
	{"matomo.html", "matomo", "analytics"},
	{"clarity.html", "clarity", "analytics"},
	{"youtube.html", "youtube", "advertising"},
}

func TestFixturesNothingAllowed(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	for _, f := range fixtures {
		t.Run(f.file, func(t *testing.T) {
			doc := readFixture(t, f.file)
			// The oracle must see the trackers in the original.
			if before := inspect(t, doc); len(before.leaks) == 0 {
				t.Fatalf("fixture has no tracker the oracle recognises")
			}
			var reported []string
			out := pipe(t, n, doc, allowNone, func(v, c, tag string) {
				reported = append(reported, v+"/"+c+"/"+tag)
			})
			rep := inspect(t, out)
			if len(rep.leaks) > 0 {
				t.Errorf("still loads trackers: %q\noutput:\n%s", rep.leaks, out)
			}
			if rep.categories[f.category] == 0 {
				t.Errorf("no element has data-consent-category %q\noutput:\n%s", f.category, out)
			}
			found := false
			for _, r := range reported {
				found = found || strings.HasPrefix(r, f.vendor+"/"+f.category+"/")
			}
			if !found {
				t.Errorf("report calls %q lack vendor %s", reported, f.vendor)
			}
		})
	}
}

func TestFixturesCategoryAllowedIdentical(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	for _, f := range fixtures {
		t.Run(f.file, func(t *testing.T) {
			doc := readFixture(t, f.file)
			out := pipe(t, n, doc, allowOnly(f.category), func(v, c, tag string) {
				t.Errorf("report(%s, %s, %s) with the category allowed", v, c, tag)
			})
			if !bytes.Equal(out, doc) {
				t.Errorf("output differs with %s allowed:\n%s", f.category, out)
			}
		})
	}
}

func TestSplitInvariance(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	for _, file := range []string{"meta-pixel.html", "gtm.html"} {
		doc := readFixture(t, file)
		whole := pipe(t, n, doc, allowNone, nil)
		if bytes.Equal(whole, doc) {
			t.Fatalf("%s: nothing rewritten", file)
		}
		for i := 0; i <= len(doc); i++ {
			if got := pipe(t, n, doc, allowNone, nil, i); !bytes.Equal(got, whole) {
				t.Fatalf("%s split at %d:\n%s\nwant:\n%s", file, i, got, whole)
			}
		}
		ones := make([]int, len(doc))
		for i := range ones {
			ones[i] = 1
		}
		if got := pipe(t, n, doc, allowNone, nil, ones...); !bytes.Equal(got, whole) {
			t.Fatalf("%s in 1-byte writes differs", file)
		}
	}
}

func TestTrackerFreePageIdentical(t *testing.T) {
	n := presetNeutralizer(t, Options{YouTubeNoCookie: true, EmbedPlaceholder: true})
	doc := readFixture(t, "notrackers.html")
	if rep := inspect(t, doc); len(rep.leaks) > 0 {
		t.Fatalf("oracle sees trackers in the tracker-free page: %q", rep.leaks)
	}
	out := pipe(t, n, doc, allowNone, func(v, c, tag string) { t.Errorf("report(%s, %s, %s)", v, c, tag) })
	if !bytes.Equal(out, doc) {
		t.Errorf("tracker-free page changed:\n%s", out)
	}
	big := benchPage(false)
	if out := pipe(t, n, big, allowNone, nil, 32<<10); !bytes.Equal(out, big) {
		t.Errorf("100 KB tracker-free page changed")
	}
}

func rewriteOne(t *testing.T, n *Neutralizer, allowed func(string) bool, in string) string {
	t.Helper()
	return string(pipe(t, n, []byte(in), allowed, nil))
}

func TestRewriteTags(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	for _, c := range []struct{ name, in, want string }{
		{"gtag external",
			`<script async src="//www.googletagmanager.com/gtag/js?id=G-1"></script>`,
			`<script type="text/plain" data-consent-category="analytics" async src="//www.googletagmanager.com/gtag/js?id=G-1"></script>`},
		{"type kept in data-consent-type",
			`<script type="text/javascript" src="https://connect.facebook.net/en_US/fbevents.js" async></script>`,
			`<script type="text/plain" data-consent-category="advertising" data-consent-type="text/javascript" src="https://connect.facebook.net/en_US/fbevents.js" async></script>`},
		{"module type",
			`<script type=module src=https://static.hotjar.com/c/hotjar-1.js?sv=6></script>`,
			`<script type="text/plain" data-consent-category="analytics" data-consent-type=module src=https://static.hotjar.com/c/hotjar-1.js?sv=6></script>`},
		{"upper case, port, bytes kept",
			"<SCRIPT\tSRC='HTTPS://WWW.GOOGLETAGMANAGER.COM:443/gtm.js?id=GTM-1'  defer></SCRIPT>",
			"<SCRIPT type=\"text/plain\" data-consent-category=\"analytics\"\tSRC='HTTPS://WWW.GOOGLETAGMANAGER.COM:443/gtm.js?id=GTM-1'  defer></SCRIPT>"},
		{"google ads gtag is advertising",
			`<script async src="https://www.googletagmanager.com/gtag/js?id=AW-123"></script>`,
			`<script type="text/plain" data-consent-category="advertising" async src="https://www.googletagmanager.com/gtag/js?id=AW-123"></script>`},
		{"entity-encoded slashes",
			`<script src="https:&#x2F;&#x2F;connect.facebook.net/en_US/fbevents.js"></script>`,
			`<script type="text/plain" data-consent-category="advertising" src="https:&#x2F;&#x2F;connect.facebook.net/en_US/fbevents.js"></script>`},
		{"backslashes",
			`<script src="\\connect.facebook.net\en_US\fbevents.js"></script>`,
			`<script type="text/plain" data-consent-category="advertising" src="\\connect.facebook.net\en_US\fbevents.js"></script>`},
		{"userinfo",
			`<script src="https://user@connect.facebook.net/x.js"></script>`,
			`<script type="text/plain" data-consent-category="advertising" src="https://user@connect.facebook.net/x.js"></script>`},
		{"pixel img",
			`<img height=1 width=1 src="https://www.facebook.com/tr?id=1&amp;ev=PageView&amp;noscript=1">`,
			`<img data-consent-category="advertising" height=1 width=1 data-consent-src="https://www.facebook.com/tr?id=1&amp;ev=PageView&amp;noscript=1">`},
		{"tab inside host",
			"<img src=\"https://www.face\tbook.com/tr/?id=1\">",
			"<img data-consent-category=\"advertising\" data-consent-src=\"https://www.face\tbook.com/tr/?id=1\">"},
		{"duplicate src renamed",
			`<img src="https://px.ads.linkedin.com/collect/?pid=1" src="/x.png">`,
			`<img data-consent-category="advertising" data-consent-src="https://px.ads.linkedin.com/collect/?pid=1" data-consent-src="/x.png">`},
		{"srcset only",
			`<img src="/a.png" srcset="https://px.ads.linkedin.com/collect/?pid=1 1x">`,
			`<img data-consent-category="advertising" src="/a.png" data-consent-srcset="https://px.ads.linkedin.com/collect/?pid=1 1x">`},
		{"self-hosted matomo by path",
			`<img src="/stats/matomo.php?idsite=1&rec=1" alt="">`,
			`<img data-consent-category="analytics" data-consent-src="/stats/matomo.php?idsite=1&rec=1" alt="">`},
		{"iframe", `<iframe src="https://www.googletagmanager.com/ns.html?id=GTM-1" height="0"></iframe>`,
			`<iframe data-consent-category="analytics" data-consent-src="https://www.googletagmanager.com/ns.html?id=GTM-1" height="0"></iframe>`},
		{"youtube iframe blocked", `<iframe src="https://www.youtube.com/embed/x"></iframe>`,
			`<iframe data-consent-category="advertising" data-consent-src="https://www.youtube.com/embed/x"></iframe>`},
		{"preconnect", `<link rel="preconnect" href="https://www.google-analytics.com" crossorigin>`,
			`<link data-consent-category="analytics" rel="preconnect" data-consent-href="https://www.google-analytics.com" crossorigin>`},
		{"preload script", `<link rel=preload as=script href="https://snap.licdn.com/li.lms-analytics/insight.min.js">`,
			`<link data-consent-category="advertising" rel=preload as=script data-consent-href="https://snap.licdn.com/li.lms-analytics/insight.min.js">`},
		{"inline snippet", `<script nonce="abc">fbq( "init", '1');</script>`,
			`<script type="text/plain" data-consent-category="advertising" nonce="abc">fbq( "init", '1');</script>`},
		{"inline with two vendors", `<script type="text/javascript">gtag('config', 'G-1'); fbq('init','2');</script>`,
			`<script type="text/plain" data-consent-category="analytics advertising" data-consent-type="text/javascript">gtag('config', 'G-1'); fbq('init','2');</script>`},
		{"self-closing script", `<script src="https://bat.bing.com/bat.js"/></script>`,
			`<script type="text/plain" data-consent-category="advertising" src="https://bat.bing.com/bat.js"/></script>`},
		{"noscript pixel", `<noscript><img src="https://px.ads.linkedin.com/collect/?pid=1&fmt=gif" /></noscript>`,
			`<noscript><img data-consent-category="advertising" data-consent-src="https://px.ads.linkedin.com/collect/?pid=1&fmt=gif" /></noscript>`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := rewriteOne(t, n, allowNone, c.in); got != c.want {
				t.Errorf("\n got %s\nwant %s", got, c.want)
			}
			if got := rewriteOne(t, n, allowOnly("necessary", "functional", "analytics", "advertising"), c.in); got != c.in {
				t.Errorf("all allowed: got %s", got)
			}
		})
	}
}

func TestUntouched(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	for _, in := range []string{
		`<script type="text/plain" src="https://connect.facebook.net/en_US/fbevents.js"></script>`,
		`<script type="application/ld+json">{"x":"https://www.googletagmanager.com/gtm.js"}</script>`,
		`<script src="https://www.google.com/recaptcha/api.js" async defer></script>`,
		`<iframe src="https://www.openstreetmap.org/export/embed.html?bbox=1"></iframe>`,
		`<img src="https://www.facebook.com/images/logo.png">`,
		`<img src="https://www.facebook.com/travel.png">`,
		`<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">`,
		`<img src="/img/matomo.png">`,
		`<a href="https://www.youtube.com/watch?v=x">video</a>`,
		`<link rel="stylesheet" href="https://www.googletagmanager.com/x.css">`,
		`<link rel="preconnect" href="https://www.facebook.com">`,
		`<script src="https://s.pinimg.com/js/pinit.js"></script>`,
		`<script>var x = "no tracker here";</script>`,
		`<noscript><img src="/img/nojs.png"></noscript>`,
		`<script src="/js/app.js">fbq('init','1')</script>`,
	} {
		if got := rewriteOne(t, n, allowNone, in); got != in {
			t.Errorf("%s\nchanged to %s", in, got)
		}
	}
}

func TestCategoryGranularity(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	// Google Ads gtag with advertising allowed, analytics refused: kept.
	in := `<script async src="https://www.googletagmanager.com/gtag/js?id=AW-123"></script>`
	if got := rewriteOne(t, n, allowOnly("advertising"), in); got != in {
		t.Errorf("advertising allowed: %s", got)
	}
	// GA4 gtag with advertising allowed only: neutralized.
	in = `<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>`
	if got := rewriteOne(t, n, allowOnly("advertising"), in); !strings.Contains(got, `data-consent-category="analytics"`) {
		t.Errorf("analytics refused: %s", got)
	}
	// Inline with two vendors, one category allowed: neutralized, listing both.
	in = `<script>gtag('config','G-1'); fbq('init','2');</script>`
	if got := rewriteOne(t, n, allowOnly("analytics"), in); !strings.Contains(got, `data-consent-category="analytics advertising"`) {
		t.Errorf("advertising refused: %s", got)
	}
}

func TestYouTubeNoCookie(t *testing.T) {
	n := presetNeutralizer(t, Options{YouTubeNoCookie: true})
	doc := readFixture(t, "youtube.html")
	out := string(pipe(t, n, doc, allowNone, nil))
	want := strings.Replace(string(doc), `src="https://www.youtube.com/embed/`, `src="https://www.youtube-nocookie.com/embed/`, 1)
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	for _, c := range []struct{ in, want string }{
		{`<iframe src="//youtube.com/embed/x?a=1&amp;b=2"></iframe>`, `<iframe src="//www.youtube-nocookie.com/embed/x?a=1&amp;b=2"></iframe>`},
		{`<iframe src=https://m.youtube.com/embed/x></iframe>`, `<iframe src=https://www.youtube-nocookie.com/embed/x></iframe>`},
		{`<iframe src="https://www.youtube-nocookie.com/embed/x"></iframe>`, `<iframe src="https://www.youtube-nocookie.com/embed/x"></iframe>`},
		{`<iframe src="https://www.youtube.com/live_chat?v=x"></iframe>`, `<iframe data-consent-category="advertising" data-consent-src="https://www.youtube.com/live_chat?v=x"></iframe>`},
	} {
		if got := rewriteOne(t, n, allowNone, c.in); got != c.want {
			t.Errorf("\n got %s\nwant %s", got, c.want)
		}
	}
	hosts := n.CSPHosts(allowNone)
	for _, h := range hosts {
		if strings.Contains(h, "youtube-nocookie") {
			t.Errorf("CSPHosts removes %s although YouTubeNoCookie is set", h)
		}
	}
}

func TestEmbedPlaceholder(t *testing.T) {
	n := presetNeutralizer(t, Options{EmbedPlaceholder: true})
	got := rewriteOne(t, n, allowNone, `<iframe src="https://player.vimeo.com/video/1?h=2&amp;x=3" width="640"></iframe>`)
	for _, want := range []string{`data-consent-category="analytics"`, `data-consent-placeholder`, `srcdoc="`, `data-consent-src="https://player.vimeo.com/video/1?h=2&amp;x=3"`, `Vimeo`} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in %s", want, got)
		}
	}
	if rep := inspect(t, []byte(got)); len(rep.leaks) > 0 {
		t.Errorf("leaks %q", rep.leaks)
	}
	// Not for pixels.
	if got := rewriteOne(t, n, allowNone, `<iframe src="https://www.googletagmanager.com/ns.html?id=GTM-1"></iframe>`); strings.Contains(got, "srcdoc") {
		t.Errorf("placeholder on a non-embed: %s", got)
	}
}

func TestReport(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	var got []string
	pipe(t, n, readFixture(t, "meta-pixel.html"), allowOnly("analytics"), func(v, c, tag string) {
		got = append(got, fmt.Sprintf("%s/%s/%s", v, c, tag))
	})
	if len(got) != 2 || got[0] != "meta-pixel/advertising/script" || got[1] != "meta-pixel/advertising/img" {
		t.Errorf("reports %q", got)
	}
}

// TestPrefilterSound checks that the allocation-free pre-filter never hides
// a tag the full parser would rewrite.
func TestPrefilterSound(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	r := n.Rewriter(allowNone, nil).(*PageRewriter)
	hosts := []string{}
	for _, v := range n.vendors {
		for _, h := range v.allHosts() {
			hosts = append(hosts, strings.TrimPrefix(h, "."))
		}
	}
	forms := []func(h string) string{
		func(h string) string { return `<img src="https://` + h + `/tr?x=1">` },
		func(h string) string { return `<img src="//` + strings.ToUpper(h) + `:8443/i/adsct">` },
		func(h string) string { return `<img src="http:\\` + h + `/pagead/x">` },
		func(h string) string { return "<img src=\"https:/\t/" + h + "/ct/x\">" },
		func(h string) string { return `<img src="https://u:p@` + h + `./g/collect">` },
		func(h string) string { return `<img src=https:` + h + `/__ptq.gif>` },
		func(h string) string {
			return `<img src="https://` + strings.Replace(h, ".", "&#46;", 1) + `/tr">`
		},
		func(h string) string { return `<img src="https://` + strings.Replace(h, ".", "%2E", 1) + `/tr">` },
		func(h string) string { return `<link rel="dns-prefetch" href="//` + h + `">` },
	}
	for _, h := range hosts {
		for _, f := range forms {
			raw := []byte(f(h))
			_, full := r.rewriteTag(nil, tagName(raw), raw)
			if full && !n.m.rawMayMatch(raw) {
				t.Errorf("pre-filter misses %s", raw)
			}
		}
	}
}

func tagName(raw []byte) string {
	i := 1
	for i < len(raw) && raw[i] != ' ' && raw[i] != '>' && raw[i] != '/' {
		i++
	}
	return strings.ToLower(string(raw[1:i]))
}

func FuzzPrefilterSound(f *testing.F) {
	for _, s := range []string{
		`<img src="https://www.facebook.com/tr?id=1">`,
		`<script src="//connect.facebook.net/x.js"></script>`,
		`<img src="//stats.example.org/matomo.php">`,
		`<link rel=preconnect href="https://www.google-analytics.com">`,
		`<iframe src="https://www.youtube.com/embed/x">`,
		`<a href=/x ping="https://www.facebook.com/tr">`,
		`<object data="//px.ads.linkedin.com/collect">`,
		`<image xlink:href="https://ct.pinterest.com/v3/">`,
		`<source srcset="/a.png 1x, https://bat.bing.com/action/0 2x">`,
	} {
		f.Add(s)
	}
	n, err := NewNeutralizer(Presets(), Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw := []byte(s)
		if len(raw) < 3 || raw[0] != '<' || raw[len(raw)-1] != '>' {
			return
		}
		name := tagName(raw)
		if !loadsURL(name) || name == "base" || (name == "iframe" || name == "frame") && hasFoldASCII(raw, "srcdoc") {
			return // srcdoc bypasses the pre-filter
		}
		r := n.Rewriter(allowNone, nil).(*PageRewriter)
		_, full := r.rewriteTag(nil, name, raw)
		if full && !n.m.rawMayMatch(raw) {
			t.Errorf("pre-filter misses %q", raw)
		}
	})
}

func TestNoAllocsForPlainTags(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	r := n.Rewriter(allowNone, nil)
	tags := [][2]string{
		{"img", `<img src="https://images.example-cdn.com/brot.jpg" srcset="https://images.example-cdn.com/brot@2x.jpg 2x" alt="Brot" loading="lazy">`},
		{"script", `<script src="https://cdn.jsdelivr.net/npm/alpinejs@3/dist/cdn.min.js" defer></script>`},
		{"link", `<link rel="preconnect" href="https://fonts.googleapis.com">`},
		{"iframe", `<iframe src="https://www.openstreetmap.org/export/embed.html?bbox=1&amp;x=1"></iframe>`},
	}
	for _, tg := range tags {
		raw := []byte(tg[1])
		allocs := testing.AllocsPerRun(100, func() {
			if !r.WantTag(tg[0]) {
				t.Fatal("not wanted")
			}
			if out := r.RewriteTag(tg[0], raw); out != nil {
				t.Fatalf("rewrote %s", raw)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocs", tg[1], allocs)
		}
	}
	start := []byte(`<script type="text/javascript" nonce="x">`)
	text := []byte(`document.documentElement.className = 'js'; console.log("https://www.example.com/");`)
	allocs := testing.AllocsPerRun(100, func() {
		if !r.WantText("script", start) {
			t.Fatal("inline script not wanted")
		}
		if r.RewriteText("script", start, text) != nil {
			t.Fatal("rewrote")
		}
		if r.WantText("script", []byte(`<script type="application/ld+json">`)) {
			t.Fatal("json wanted")
		}
	})
	if allocs != 0 {
		t.Errorf("inline script: %v allocs", allocs)
	}
}

func TestAllAllowedIsInactive(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	r := n.Rewriter(func(string) bool { return true }, nil)
	for _, name := range []string{"script", "img", "iframe", "link", "noscript"} {
		if r.WantTag(name) || r.WantText(name, []byte("<"+name+">")) {
			t.Errorf("%s wanted although everything is allowed", name)
		}
	}
}

func TestNewNeutralizerErrors(t *testing.T) {
	for _, v := range []Vendor{
		{Name: "Bad Name", Category: "analytics"},
		{Name: "x", Category: ""},
		{Name: "x", Category: `ads" onload="x`},
		{Name: "x", Category: "analytics", ScriptHosts: []string{"https://x.com"}},
		{Name: "x", Category: "analytics", ScriptHosts: []string{"X.com"}},
		{Name: "x", Category: "analytics", ScriptPaths: []string{"gtag/js"}},
		{Name: "x", Category: "analytics", InlineSignatures: []string{"ga"}},
		{Name: "x", Category: "analytics", BlockRules: []BlockRule{{Path: "/x", Category: "analytics", Response: "302"}}},
	} {
		if _, err := NewNeutralizer([]Vendor{v}, Options{}); err == nil {
			t.Errorf("%+v accepted", v)
		}
	}
	ga4, _ := Preset("ga4")
	if _, err := NewNeutralizer([]Vendor{ga4, ga4}, Options{}); err == nil {
		t.Error("duplicate vendor accepted")
	}
}

func TestPageRewriterReuse(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	doc := readFixture(t, "meta-pixel.html")
	pr := n.Rewriter(allowNone, nil).(*PageRewriter)
	var a, b2 bytes.Buffer
	run := func(dst *bytes.Buffer) {
		w := htmlrewrite.New(dst, htmlrewrite.Options{Tags: pr})
		if _, err := w.Write(doc); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	run(&a)
	if bytes.Equal(a.Bytes(), doc) {
		t.Fatal("nothing neutralized")
	}
	pr.Reset(n, allowOnly("advertising"), nil)
	run(&b2)
	if !bytes.Equal(b2.Bytes(), doc) {
		t.Error("reused rewriter with advertising allowed changed the page")
	}
	pr.Reset(n, allowNone, nil)
	b2.Reset()
	run(&b2)
	if !bytes.Equal(b2.Bytes(), a.Bytes()) {
		t.Error("reused rewriter differs from a fresh one")
	}
}

// FuzzIdempotent: rewriting never fails, and a page rewritten with nothing
// allowed has nothing left to rewrite (neutralized tags are recognised as
// such, not neutralized twice).
func FuzzIdempotent(f *testing.F) {
	for _, fx := range fixtures {
		b, err := os.ReadFile("testdata/" + fx.file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<script src="//bat.bing.com/bat.js" type=module></script><noscript><iframe src="https://www.youtube.com/embed/x"></iframe></noscript>`))
	n, err := NewNeutralizer(Presets(), Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		once := pipe(t, n, doc, allowNone, nil)
		twice := pipe(t, n, once, allowNone, nil)
		if !bytes.Equal(once, twice) {
			t.Errorf("second pass changed the page:\n%q\n%q", once, twice)
		}
	})
}
