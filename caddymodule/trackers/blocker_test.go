package trackers

import (
	"bytes"
	"image/gif"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func presetBlockRules() []BlockRule {
	var vs []Vendor
	for _, v := range Presets() {
		if len(v.BlockRules) > 0 {
			vs = append(vs, v)
		}
	}
	return BlockRulesOf(vs)
}

func TestBlockerPresets(t *testing.T) {
	b, err := NewBlocker(presetBlockRules())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		method, target, want string // want: rule name or ""
	}{
		{"GET", "/matomo.php?idsite=1&rec=1", "matomo-tracker"},
		{"POST", "/analytics/matomo.php", "matomo-tracker"},
		{"GET", "/piwik.php", "piwik-tracker"},
		{"GET", "/matomo.js", "matomo-js"},
		{"GET", "/js/piwik.js", "piwik-js"},
		{"GET", "/matomo.php5", ""},
		{"GET", "/g/collect?v=2&tid=G-1&cid=1", "ga4-collect"},
		{"GET", "/g/collect?v=2", ""},
		{"GET", "/gtm.js?id=GTM-1", "gtm-js"},
		{"GET", "/gtm.js", ""},
		{"GET", "/gtag/js?id=G-1", "gtag-js"},
		{"GET", "/tr?id=1&ev=PageView", "meta-tr"},
		{"GET", "/tr/?id=1&ev=PageView", "meta-tr"}, // "/tr/" is "/tr": the earlier rule wins
		{"GET", "/tr?id=1", ""},
		{"GET", "/tr/fr/page", ""},
		{"POST", "/api/event", "plausible-event"},
		{"GET", "/api/event", ""},
		{"post", "/api/send", "umami-send"},
		{"GET", "/api/send", ""},
		{"GET", "/collect?sid=X&p=/&h=h", "fathom-collect"},
		{"GET", "/collect", ""},
		{"POST", "/.well-known/shopify/monorail/unstable/produce_batch", "shopify-monorail"},
		{"POST", "/.well-known/shopify/monorail", "shopify-monorail"},
		{"GET", "/.well-known/security.txt", ""},
		{"POST", "/_vercel/insights/view", "vercel-insights"},
		{"GET", "/_vercel/insights/script.js", "vercel-insights"},
		{"GET", "/_vercel/speed-insights/vitals", "vercel-speed-insights"},
		{"GET", "/_vercel/image?url=x", ""},
		{"GET", "/img/pixel.gif", "pixel-gif"},
		{"GET", "/1x1.gif?x=1", "1x1-gif"},
		{"POST", "/api/beacon", "beacon"},
		{"GET", "/beacons", ""},
		{"GET", "/", ""},
		{"GET", "", ""},
		{"GET", "/products/bread", ""},
	} {
		u, err := url.Parse(c.target)
		if err != nil {
			t.Fatal(err)
		}
		r, ok := b.Match(c.method, u.Path, u.Query())
		got := ""
		if ok {
			got = r.Name
		}
		if got != c.want {
			t.Errorf("%s %s: got %q, want %q", c.method, c.target, got, c.want)
		}
		req := httptest.NewRequest(c.method, "http://example.com"+c.target, nil)
		if c.target == "" {
			continue
		}
		r2, ok2 := b.MatchRequest(req)
		if ok2 != ok || ok && r2.Name != r.Name {
			t.Errorf("MatchRequest %s %s differs from Match", c.method, c.target)
		}
	}
}

func TestBlockerRules(t *testing.T) {
	b, err := NewBlocker([]BlockRule{
		{Name: "re", Category: "analytics", Path: `/^/stats/[a-z]+\.php$/`},
		{Name: "glob", Category: "analytics", Path: "/t/*/p.gif"},
		{Name: "q-exact", Category: "analytics", Path: "/q", Query: map[string]string{"a": "1"}},
		{Name: "first", Category: "analytics", Path: "/dup"},
		{Name: "second", Category: "advertising", Path: "/dup"},
		{Name: "m", Category: "analytics", Path: "/only-put", Method: "put"},
		{Name: "unanchored", Category: "analytics", Path: `/track(ing)?\.js/`},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		method, path, query, want string
	}{
		{"GET", "/stats/abc.php", "", "re"},
		{"GET", "/stats/ABC.php", "", "re"}, // case-insensitive
		{"GET", "/STATS/abc.PHP", "", "re"},
		{"GET", "/x/stats/abc.php", "", ""},
		{"GET", "/t/a/b/p.gif", "", "glob"},
		{"GET", "/t/p.gif", "", ""},
		{"GET", "/q", "a=1", "q-exact"},
		{"GET", "/q", "a=2", ""},
		{"GET", "/q", "a=2&a=1", ""},
		{"GET", "/dup", "", "first"},
		{"PUT", "/only-put", "", "m"},
		{"GET", "/only-put", "", ""},
		{"GET", "/js/tracking.js", "", "unanchored"},
	} {
		q, _ := url.ParseQuery(c.query)
		r, ok := b.Match(c.method, c.path, q)
		got := ""
		if ok {
			got = r.Name
		}
		if got != c.want {
			t.Errorf("%s %s?%s: got %q, want %q", c.method, c.path, c.query, got, c.want)
		}
	}
	for _, bad := range []BlockRule{
		{Name: "nocat", Path: "/x"},
		{Name: "badre", Category: "analytics", Path: "/(/"},
		{Name: "nopath", Category: "analytics"},
		{Name: "rel", Category: "analytics", Path: "x.php"},
		{Name: "resp", Category: "analytics", Path: "/x", Response: "200"},
		{Name: "q", Category: "analytics", Path: "/x", Query: map[string]string{"": "1"}},
	} {
		if _, err := NewBlocker([]BlockRule{bad}); err == nil {
			t.Errorf("rule %q accepted", bad.Name)
		}
	}
}

func TestBlockerZeroAllocMiss(t *testing.T) {
	b, err := NewBlocker(presetBlockRules())
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "http://example.com/products/bread?utm_source=x&page=2", nil)
	for _, p := range []string{"/products/bread", "/", "/api/products", "/g/other", "/.well-known/gpc.json", "/tr/fr"} {
		allocs := testing.AllocsPerRun(200, func() {
			if _, ok := b.Match("GET", p, nil); ok {
				t.Fatalf("%s matched", p)
			}
		})
		if allocs != 0 {
			t.Errorf("Match(%s): %v allocs", p, allocs)
		}
	}
	allocs := testing.AllocsPerRun(200, func() {
		if _, ok := b.MatchRequest(req); ok {
			t.Fatal("matched")
		}
	})
	if allocs != 0 {
		t.Errorf("MatchRequest: %v allocs", allocs)
	}
}

func TestResponseKind(t *testing.T) {
	auto := &BlockRule{Name: "a", Category: "analytics", Path: "/x"}
	for _, c := range []struct {
		rule         *BlockRule
		path         string
		accept, dest string
		want         string
	}{
		{auto, "/x", "image/avif,image/webp,*/*", "", ResponseGIF},
		{auto, "/x", "*/*", "image", ResponseGIF},
		{auto, "/p.GIF", "", "", ResponseGIF},
		{auto, "/p.png", "", "", ResponseGIF},
		{auto, "/collect", "*/*", "empty", ResponseNoContent},
		{&BlockRule{Response: "gif"}, "/collect", "", "", ResponseGIF},
		{&BlockRule{Response: "204"}, "/p.gif", "image/*", "image", ResponseNoContent},
	} {
		req := httptest.NewRequest("GET", "http://example.com"+c.path, nil)
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		if c.dest != "" {
			req.Header.Set("Sec-Fetch-Dest", c.dest)
		}
		if got := c.rule.ResponseKind(req); got != c.want {
			t.Errorf("%s accept=%q dest=%q: %s, want %s", c.path, c.accept, c.dest, got, c.want)
		}
	}
	// Respond.
	w := httptest.NewRecorder()
	auto.Respond(w, httptest.NewRequest("GET", "http://example.com/p.gif", nil))
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "image/gif" || !bytes.Equal(w.Body.Bytes(), TransparentGIF()) {
		t.Errorf("gif response: %d %q %d bytes", w.Code, w.Header().Get("Content-Type"), w.Body.Len())
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Error("gif response cacheable")
	}
	w = httptest.NewRecorder()
	auto.Respond(w, httptest.NewRequest("POST", "http://example.com/collect", nil))
	if w.Code != http.StatusNoContent || w.Body.Len() != 0 {
		t.Errorf("204 response: %d, %d bytes", w.Code, w.Body.Len())
	}
}

func TestTransparentGIF(t *testing.T) {
	b := TransparentGIF()
	if len(b) != 43 || string(b[:6]) != "GIF89a" {
		t.Fatalf("%d bytes, header %q", len(b), b[:6])
	}
	img, err := gif.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if bd := img.Bounds(); bd.Dx() != 1 || bd.Dy() != 1 {
		t.Fatalf("bounds %v", bd)
	}
	if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
		t.Errorf("pixel alpha %d, want transparent", a)
	}
	b[0] = 'X'
	if TransparentGIF()[0] != 'G' {
		t.Error("TransparentGIF shares its buffer")
	}
}

// TestBlockerResolvesLikeServers holds every spelling of a collector path a
// security review sent past the gateway (issue 13): the server resolves
// them to the collector, so the gateway must too.
func TestBlockerResolvesLikeServers(t *testing.T) {
	b, err := NewBlocker(presetBlockRules())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		method, target, want string
	}{
		{"GET", "/matomo.php/x", "matomo-tracker"}, // PATH_INFO after the script
		{"GET", "/MATOMO.PHP", "matomo-tracker"},
		{"GET", "/matomo.php;x", "matomo-tracker"}, // path parameter
		{"GET", "/g/collect/?v=2&tid=G-1", "ga4-collect"},
		{"GET", "/G/collect?v=2&tid=G-1", "ga4-collect"},
		{"GET", "/g//collect?v=2&tid=G-1", "ga4-collect"},
		{"GET", "/g/collect?v=2&TID=G-1", "ga4-collect"}, // query key case
		{"GET", "/x/pixel.gif/", "pixel-gif"},
		{"POST", "/x/Beacon", "beacon"},
		// More of the same.
		{"GET", "/analytics/matomo.php/piwik/x?idsite=1", "matomo-tracker"},
		{"GET", "/x/../matomo.php", "matomo-tracker"},
		{"GET", "/./g/./collect?tid=G-1", "ga4-collect"},
		{"GET", "/g%2Fcollect?tid=G-1", "ga4-collect"},   // %2F left encoded by a client
		{"GET", "/g%252Fcollect?tid=G-1", "ga4-collect"}, // decoded twice by some servers: enforce
		{"GET", "/matomo%2Ephp", "matomo-tracker"},
		{"GET", "/Matomo.php%3Bjsessionid=1", "matomo-tracker"},
		{"GET", "/x/pixel.gif;v=1", "pixel-gif"},
		{"GET", "/_VERCEL/Insights/view", "vercel-insights"},
		{"GET", "/TR?ID=1&EV=PageView", "meta-tr"},
		{"GET", "/x\\matomo.php", "matomo-tracker"},
		// Not collectors.
		{"GET", "/matomo.php5", ""},
		{"GET", "/matomo.phpx/y", ""},
		{"GET", "/g/collect/x?tid=G-1", ""}, // no script in the path: a different resource
		{"GET", "/g/collect?v=2", ""},
		{"GET", "/docs/v1.2/guide", ""},
		{"GET", "/beacons", ""},
		{"GET", "/../../", ""},
	} {
		req := httptest.NewRequest(c.method, "http://example.com/", nil)
		u, err := url.Parse(c.target)
		if err != nil {
			t.Fatal(err)
		}
		req.URL = u
		r, ok := b.MatchRequest(req)
		got := ""
		if ok {
			got = r.Name
		}
		if got != c.want {
			t.Errorf("%s %s (path %q): got %q, want %q", c.method, c.target, u.Path, got, c.want)
		}
	}
}

func TestNormalizePath(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "/": "/", "//": "/", "/a/": "/a", "/a//b/": "/a/b", "/a/./b": "/a/b", "/a/../b": "/b",
		"/../a": "/a", "/a/..": "/", "/a;x/b;y=1": "/a/b", "/a%2Fb": "/a/b", "/a%zz": "/a%zz",
		"/a\\b": "/a/b", "/A/B": "/A/B", "/%2e%2e/a": "/a",
	} {
		if got := normalizePath(in); got != want {
			t.Errorf("normalizePath(%q) = %q, want %q", in, got, want)
		}
	}
}
