package trackers

import (
	"bytes"
	"net/url"
	"os"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/consentgate/caddy-consent/caddymodule/htmlrewrite"
)

func allowOnly(cats ...string) func(string) bool {
	return func(c string) bool {
		for _, x := range cats {
			if x == c {
				return true
			}
		}
		return false
	}
}

func allowNone(string) bool { return false }

func presetNeutralizer(t testing.TB, opts Options) *Neutralizer {
	t.Helper()
	n, err := NewNeutralizer(Presets(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// pipe runs doc through htmlrewrite with the neutralizer's rewriter, in
// chunks of the given sizes (the rest in one final chunk).
func pipe(t testing.TB, n *Neutralizer, doc []byte, allowed func(string) bool, report func(v, c, tag string), sizes ...int) []byte {
	t.Helper()
	var out bytes.Buffer
	w := htmlrewrite.New(&out, htmlrewrite.Options{Tags: n.Rewriter(allowed, report)})
	rest := doc
	for _, s := range sizes {
		s = min(s, len(rest))
		if _, err := w.Write(append([]byte(nil), rest[:s]...)); err != nil {
			t.Fatal(err)
		}
		rest = rest[s:]
	}
	if _, err := w.Write(append([]byte(nil), rest...)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ---------------------------------------------------------------- oracle
//
// The oracle is written independently of the package's matcher: a plain
// list of tracker domains and paths, evaluated with net/url.

var oracleDomains = []string{
	"googletagmanager.com", "google-analytics.com", "analytics.google.com", "doubleclick.net",
	"googleadservices.com", "connect.facebook.net", "licdn.com", "ads.linkedin.com",
	"analytics.tiktok.com", "hotjar.com", "hotjar.io", "hs-scripts.com", "hs-analytics.net",
	"clarity.ms", "youtube.com", "bat.bing.com",
}

var oracleSignatures = []string{
	"googletagmanager", "gtag(", "fbq(", "fbevents", "_linkedin", "lintrk", "TiktokAnalyticsObject",
	"hotjar", "clarity.ms", "_paq", "hs-scripts",
}

var oracleBase, _ = url.Parse("https://www.example.com/page/")

func oracleTracker(raw string) bool {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return true // unparseable: be suspicious
	}
	u = oracleBase.ResolveReference(u)
	if u.Scheme != "http" && u.Scheme != "https" {
		return false
	}
	h := strings.ToLower(u.Hostname())
	for _, d := range oracleDomains {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	if (h == "www.facebook.com" || h == "facebook.com") && strings.HasPrefix(u.Path, "/tr") {
		return true
	}
	return strings.Contains(u.Path, "matomo.php") || strings.Contains(u.Path, "matomo.js")
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func oracleExecutable(n *html.Node) bool {
	typ, ok := attr(n, "type")
	if !ok {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(typ)) {
	case "", "text/javascript", "application/javascript", "module":
		return true
	}
	return false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// fetchReport lists every element of out that would make a request to a
// tracker or run a tracker snippet, in a browser with scripting enabled and
// in one without (noscript content parsed as markup), and counts the
// elements carrying data-consent-category per category.
type fetchReport struct {
	leaks      []string
	categories map[string]int
}

func inspect(t *testing.T, out []byte) fetchReport {
	t.Helper()
	rep := fetchReport{categories: map[string]int{}}
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	rep.walk(doc, true)
	// Without scripting, noscript content is markup.
	doc2, err := html.ParseWithOptions(bytes.NewReader(out), html.ParseOptionEnableScripting(false))
	if err != nil {
		t.Fatal(err)
	}
	rep2 := fetchReport{categories: map[string]int{}}
	rep2.walk(doc2, false)
	rep.leaks = append(rep.leaks, rep2.leaks...)
	return rep
}

func (r *fetchReport) walk(n *html.Node, scripting bool) {
	if n.Type == html.ElementNode {
		if c, ok := attr(n, "data-consent-category"); ok {
			for _, f := range strings.Fields(c) {
				r.categories[f]++
			}
		}
		switch n.Data {
		case "script":
			src, hasSrc := attr(n, "src")
			if scripting && oracleExecutable(n) {
				if hasSrc && oracleTracker(src) {
					r.leaks = append(r.leaks, "script src="+src)
				}
				if !hasSrc {
					for _, s := range oracleSignatures {
						if strings.Contains(textOf(n), s) {
							r.leaks = append(r.leaks, "inline script with "+s)
						}
					}
				}
			}
		case "img", "iframe":
			if src, ok := attr(n, "src"); ok && oracleTracker(src) {
				r.leaks = append(r.leaks, n.Data+" src="+src)
			}
			if ss, ok := attr(n, "srcset"); ok {
				for _, c := range strings.Split(ss, ",") {
					if f := strings.Fields(c); len(f) > 0 && oracleTracker(f[0]) {
						r.leaks = append(r.leaks, n.Data+" srcset="+ss)
					}
				}
			}
		case "link":
			rel, _ := attr(n, "rel")
			href, _ := attr(n, "href")
			for _, tok := range strings.Fields(strings.ToLower(rel)) {
				switch tok {
				case "preload", "prefetch", "preconnect", "dns-prefetch", "modulepreload":
					if oracleTracker(href) {
						r.leaks = append(r.leaks, "link "+rel+" href="+href)
					}
				}
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		r.walk(c, scripting)
	}
}
