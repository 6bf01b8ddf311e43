package trackers

import (
	"strings"
	"testing"
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
