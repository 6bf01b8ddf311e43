package trackers

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/consentgate/caddy-consent/caddymodule/htmlrewrite"
)

// noSkip is a PageRewriter without its SkipTag: every wanted tag goes
// through RewriteTag, as before SkipTag existed.
type noSkip struct{ r *PageRewriter }

func (s noSkip) WantTag(name string) bool        { return s.r.WantTag(name) }
func (s noSkip) TagNeeds(name string) string     { return s.r.TagNeeds(name) }
func (s noSkip) OversizedTag(name string) []byte { return s.r.OversizedTag(name) }
func (s noSkip) WantText(name string, st []byte) bool {
	return s.r.WantText(name, st)
}
func (s noSkip) RewriteTag(name string, raw []byte) []byte { return s.r.RewriteTag(name, raw) }
func (s noSkip) RewriteText(name string, st, text []byte) []byte {
	return s.r.RewriteText(name, st, text)
}
func (s noSkip) RewriteElement(name string, st, text []byte) ([]byte, []byte) {
	return s.r.RewriteElement(name, st, text)
}

var _ htmlrewrite.TagSkipper = (*PageRewriter)(nil)

// skipRun rewrites doc (in chunks of size k, 0 for one write) with or
// without SkipTag and returns the output followed by every report and
// unknown host, in order.
func skipRun(t testing.TB, n *Neutralizer, doc []byte, allowed func(string) bool, skip bool, k int) string {
	var log bytes.Buffer
	pr := n.Rewriter(allowed, func(v, c, tag string) { fmt.Fprintf(&log, "report %s %s %s\n", v, c, tag) }).(*PageRewriter)
	pr.SetPage(PageInfo{Host: "www.example.com", Unknown: func(h, tag string) { fmt.Fprintf(&log, "unknown %s %s\n", h, tag) }})
	var tags htmlrewrite.TagRewriter = noSkip{pr}
	if skip {
		tags = pr
	}
	var out bytes.Buffer
	w := htmlrewrite.New(&out, htmlrewrite.Options{Tags: tags, MaxHold: 512})
	for p := doc; len(p) > 0; {
		m := len(p)
		if k > 0 {
			m = min(m, k)
		}
		if _, err := w.Write(append([]byte(nil), p[:m]...)); err != nil {
			t.Fatal(err)
		}
		p = p[m:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String() + "\n--\n" + log.String()
}

var skipDocs = []string{
	`<body><img src=/a.png><img src="https://www.facebook.com/tr?id=1"><img src="https://unknown.example.net/x.png">` +
		`<link rel=stylesheet href=//cdn.other.org/s.css><source srcset="https://bat.bing.com/action/0 2x"></body>`,
	`<body><base href="https://www.facebook.com/"><img src="tr?id=1"><img src=/x.png><a href=/ ping=/p>x</a></body>`,
	`<body><frame src="/f.html"><frame srcdoc="<img src=https://www.facebook.com/tr>"><embed src=//px.ads.linkedin.com/collect></body>`,
	`<body><IMG SRC="HTTPS://WWW.FACEBOOK.COM/TR"><img/src=//www.google-analytics.com/g/collect><img src=/` +
		string(bytes.Repeat([]byte("x"), 600)) + `></body>`,
}

// TestSkipTagSame: with SkipTag, the output, the vendor reports and the
// unknown hosts are those of RewriteTag alone, for every chunking, with
// nothing, something or everything allowed.
func TestSkipTagSame(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	docs := append([]string(nil), skipDocs...)
	for _, fx := range fixtures {
		b, err := os.ReadFile("testdata/" + fx.file)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(b))
	}
	docs = append(docs, string(benchPage(true)))
	for i, doc := range docs {
		for ai, allowed := range []func(string) bool{allowNone, allowOnly("analytics"), func(string) bool { return true }} {
			for _, k := range []int{0, 1, 7, 100} {
				want := skipRun(t, n, []byte(doc), allowed, false, k)
				got := skipRun(t, n, []byte(doc), allowed, true, k)
				if got != want {
					t.Fatalf("doc %d allowed %d chunk %d:\n got %q\nwant %q", i, ai, k, got, want)
				}
			}
		}
	}
	// The skip path is taken: a first-party img never reaches RewriteTag.
	pr := n.Rewriter(allowNone, nil).(*PageRewriter)
	if !pr.SkipTag("img", []byte(`<img src=/a.png>`)) || pr.SkipTag("img", []byte(`<img src="https://www.facebook.com/tr">`)) ||
		pr.SkipTag("base", []byte(`<base href=/>`)) || pr.SkipTag("a", []byte(`<a ping=x>`)) {
		t.Error("SkipTag answers wrongly")
	}
}

// FuzzSkipTagSame is TestSkipTagSame for any document.
func FuzzSkipTagSame(f *testing.F) {
	for _, d := range skipDocs {
		f.Add([]byte(d), uint8(3))
	}
	n, err := NewNeutralizer(Presets(), Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc []byte, k uint8) {
		for _, allowed := range []func(string) bool{allowNone, func(string) bool { return true }} {
			for _, k := range []int{0, int(k)} {
				if got, want := skipRun(t, n, doc, allowed, true, k), skipRun(t, n, doc, allowed, false, k); got != want {
					t.Fatalf("chunk %d:\n got %q\nwant %q", k, got, want)
				}
			}
		}
	})
}
