package integration

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/consentgate/caddy-consent/internal/testcaddy"
)

const trackedPage = `<!DOCTYPE html><html><head><title>shop</title>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-TEST123"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'G-TEST123');
</script>
<script>
!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)};t=b.createElement(e);t.async=!0;
t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window, document,'script',
'https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '1234567890');
fbq('track', 'PageView');
</script>
</head><body><h1>Shop</h1>
<noscript><img height="1" width="1" style="display:none" src="https://www.facebook.com/tr?id=1234567890&ev=PageView&noscript=1"/></noscript>
<p>Bread.</p></body></html>`

// trackerSite serves a page with GA4 and Meta Pixel tags and a same-origin
// pixel endpoint, counting the pixel hits that reach it.
func trackerSite(t *testing.T, csp string) (*httptest.Server, *atomic.Int32) {
	var pixelHits atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/pixel.gif":
			pixelHits.Add(1)
			w.Header().Set("Content-Type", "image/gif")
			_, _ = io.WriteString(w, "GIF89a-from-upstream")
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Add("Set-Cookie", "_fbp=fb.1.1; Path=/")
			w.Header().Add("Set-Cookie", "_ga=GA1.1.1; Path=/")
			if csp != "" {
				w.Header().Set("Content-Security-Policy", csp)
			}
			_, _ = io.WriteString(w, trackedPage)
		}
	}))
	t.Cleanup(up.Close)
	return up, &pixelHits
}

func trackerGateway(t *testing.T, up *httptest.Server, extra string) *testcaddy.Server {
	return testcaddy.Start(t, `http://{GATEWAY} {
	consent {
		policy_version 2026-11-28
		preset ga4 meta-pixel generic-pixels
		gpc {
			well_known 2026-11-28
		}
`+extra+`
	}
	reverse_proxy `+strings.TrimPrefix(up.URL, "http://")+`
}`)
}

func bodyWithoutBanner(body string) string {
	if i := strings.Index(body, "<body>"); i >= 0 {
		if j := strings.Index(body, "<h1>Shop</h1>"); j > i {
			return body[:i+len("<body>")] + body[j:]
		}
	}
	return body
}

func TestTagsNeutralizedUntilConsent(t *testing.T) {
	up, _ := trackerSite(t, "")
	g := trackerGateway(t, up, "")
	_, body := do(t, "GET", g.URL+"/", map[string]string{"Accept": "text/html"}, "")
	for _, want := range []string{
		`<script type="text/plain" data-consent-category="analytics" async src="https://www.googletagmanager.com/gtag/js?id=G-TEST123">`,
		`data-consent-src="https://www.facebook.com/tr?id=1234567890&ev=PageView&noscript=1"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("before consent the page must hold %s\n%s", want, body)
		}
	}
	if strings.Count(body, `type="text/plain" data-consent-category=`) != 3 {
		t.Errorf("both inline snippets and the external tag must be inert:\n%s", body)
	}
	tags := map[string]bool{}
	for _, e := range decisions(t, g, "neutralized") {
		tags[e.Str("vendor")+"/"+e.Str("category")+"/"+e.Str("tag")] = true
	}
	for _, want := range []string{"ga4/analytics/script", "meta-pixel/advertising/script", "meta-pixel/advertising/img"} {
		if !tags[want] {
			t.Errorf("enforcement event must list the neutralized %s; got %v", want, tags)
		}
	}

	consent, _, _ := post(t, g, url.Values{"choice": {"accept_all"}}, nil)
	_, body = do(t, "GET", g.URL+"/", map[string]string{"Cookie": consent}, "")
	if got := bodyWithoutBanner(body); got != trackedPage {
		t.Errorf("after consent the page must be byte-identical apart from the settings control:\n%s", got)
	}
}

func TestSameOriginPixelBlocked(t *testing.T) {
	up, hits := trackerSite(t, "")
	g := trackerGateway(t, up, "")
	resp, body := do(t, "GET", g.URL+"/pixel.gif?e=view", map[string]string{"Accept": "image/*"}, "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/gif" || len(body) != 43 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("blocked pixel: %d %q %d bytes %q", resp.StatusCode, resp.Header.Get("Content-Type"), len(body), resp.Header.Get("Cache-Control"))
	}
	if hits.Load() != 0 {
		t.Fatalf("a blocked pixel must never reach the upstream")
	}
	ev := decisions(t, g, "blocked")
	if len(ev) != 1 || ev[0].Str("category") != "advertising" || ev[0].Str("rule") != "pixel-gif" || ev[0].Str("path") != "/pixel.gif" {
		t.Errorf("enforcement blocked: %v", ev)
	}
	consent, _, _ := post(t, g, url.Values{"choice": {"accept_all"}}, nil)
	_, body = do(t, "GET", g.URL+"/pixel.gif", map[string]string{"Cookie": consent}, "")
	if body != "GIF89a-from-upstream" || hits.Load() != 1 {
		t.Errorf("with consent the pixel reaches the upstream: %q", body)
	}
}

func TestGlobalPrivacyControl(t *testing.T) {
	up, hits := trackerSite(t, "")
	g := trackerGateway(t, up, "")
	consent, _, _ := post(t, g, url.Values{"choice": {"accept_all"}}, nil)
	gpc := map[string]string{"Cookie": consent, "Sec-GPC": "1", "Accept": "text/html"}
	resp, body := do(t, "GET", g.URL+"/", gpc, "")
	set, _ := setCookieNames(resp)
	if has(set, "_fbp") || !has(set, "_ga") {
		t.Errorf("GPC denies advertising even after accept_all, analytics stays: %v", set)
	}
	if !strings.Contains(body, `data-consent-category="advertising"`) || strings.Contains(body, `data-consent-category="analytics"`) {
		t.Errorf("with GPC advertising tags stay inert, analytics run:\n%s", body)
	}
	do(t, "GET", g.URL+"/pixel.gif", gpc, "")
	if hits.Load() != 0 {
		t.Error("GPC must block advertising pixels")
	}
	_, st := do(t, "GET", g.URL+"/_consent", gpc, "")
	if !strings.Contains(st, `"gpc":true`) || !strings.Contains(st, `{"name":"advertising","label":"Advertising","granted":false`) {
		t.Errorf("state under GPC: %s", st)
	}
	resp, wk := do(t, "GET", g.URL+"/.well-known/gpc.json", nil, "")
	if resp.StatusCode != 200 || !strings.Contains(wk, `"gpc":true`) || !strings.Contains(wk, `"lastUpdate":"2026-11-28"`) {
		t.Errorf("gpc.json: %d %s", resp.StatusCode, wk)
	}
}

func TestConsentModeDefaultComesFirst(t *testing.T) {
	up, _ := trackerSite(t, "")
	g := trackerGateway(t, up, "consent_mode")
	_, body := do(t, "GET", g.URL+"/", nil, "")
	head := body[strings.Index(body, "<head>")+len("<head>"):]
	if !strings.HasPrefix(head, "<script") || !strings.Contains(head[:strings.Index(head, "</script>")], "'consent','default'") {
		t.Fatalf("the Consent Mode default must be the first script in <head>:\n%s", body)
	}
	first := head[:strings.Index(head, "</script>")]
	if !strings.Contains(first, `"analytics_storage":"denied"`) || !strings.Contains(first, `"ad_storage":"denied"`) {
		t.Errorf("everything denied before consent: %s", first)
	}
	consent, _, _ := post(t, g, url.Values{"choice": {"custom"}, "category": {"analytics"}}, nil)
	_, body = do(t, "GET", g.URL+"/", map[string]string{"Cookie": consent}, "")
	head = body[strings.Index(body, "<head>")+len("<head>"):]
	first = head[:strings.Index(head, "</script>")]
	if !strings.Contains(first, `"analytics_storage":"granted"`) || !strings.Contains(first, `"ad_storage":"denied"`) {
		t.Errorf("analytics granted, ads denied: %s", first)
	}
}

// Hosts that belong to a refused vendor leave the page's CSP. With the
// default presets, gtm (analytics) owns www.googletagmanager.com, so that
// host leaves too until analytics is allowed.
func TestCSPLosesRefusedVendorHosts(t *testing.T) {
	const policy = "default-src 'self'; script-src 'self' https://www.googletagmanager.com https://connect.facebook.net; connect-src 'self' https://*.google-analytics.com; img-src 'self' https://www.facebook.com"
	up, _ := trackerSite(t, policy)
	g := trackerGateway(t, up, "")
	resp, _ := do(t, "GET", g.URL+"/", nil, "")
	csp := resp.Header.Get("Content-Security-Policy")
	if strings.Contains(csp, "connect.facebook.net") || strings.Contains(csp, "google-analytics") || strings.Contains(csp, "www.googletagmanager.com") ||
		!strings.Contains(csp, "script-src 'self';") {
		t.Errorf("refused vendors' own hosts must leave the CSP: %q", csp)
	}
	consent, _, _ := post(t, g, url.Values{"choice": {"custom"}, "category": {"analytics"}}, nil)
	resp, _ = do(t, "GET", g.URL+"/", map[string]string{"Cookie": consent}, "")
	csp = resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "https://*.google-analytics.com") || !strings.Contains(csp, "https://www.googletagmanager.com") || strings.Contains(csp, "connect.facebook.net") {
		t.Errorf("allowed vendors keep their hosts, refused ones lose them: %q", csp)
	}
}

// Hosts a refused vendor shares with other uses (ga4 matches only some
// paths of www.googletagmanager.com) stay when no enabled preset owns the
// whole host, since a CSP host-source cannot express "this host except
// these paths" without breaking the other uses.
func TestCSPKeepsSharedHosts(t *testing.T) {
	up, _ := trackerSite(t, "script-src 'self' https://www.googletagmanager.com https://connect.facebook.net; connect-src 'self' https://*.google-analytics.com")
	g := trackerGateway(t, up, "presets none")
	resp, _ := do(t, "GET", g.URL+"/", nil, "")
	csp := resp.Header.Get("Content-Security-Policy")
	if csp != "script-src 'self' https://www.googletagmanager.com; connect-src 'self'" {
		t.Errorf("only ga4's and meta-pixel's own hosts leave, the shared one stays: %q", csp)
	}
}

// Report mode changes no page: no banner, tags stay as they are, and what
// would have been neutralized is logged with would_only.
func TestReportModeReportsTagsWithoutChangingThem(t *testing.T) {
	up, _ := trackerSite(t, "")
	g := trackerGateway(t, up, "mode report")
	_, body := do(t, "GET", g.URL+"/", nil, "")
	if body != trackedPage {
		t.Errorf("report mode must leave the page as it is, without a banner (whose Reject all would reject nothing):\n%s", body)
	}
	ev := decisions(t, g, "neutralized")
	if len(ev) < 3 {
		t.Fatalf("report mode must report the tags it would neutralize: %v", ev)
	}
	for _, e := range ev {
		if e["would_only"] != true || e.Str("mode") != "report" {
			t.Errorf("neutralized in report mode without would_only: %v", e)
		}
	}
}

// A held-back video gets a placeholder naming the video and the category
// it needs; the banner script restores it (src back, srcdoc removed).
func TestEmbedPlaceholder(t *testing.T) {
	const video = `<!DOCTYPE html><html><head><title>v</title></head><body><iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ" title="video"></iframe></body></html>`
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, video)
	}))
	defer up.Close()
	g := testcaddy.Start(t, `http://{GATEWAY} {
	consent {
		preset youtube
		embed_placeholder
	}
	reverse_proxy `+strings.TrimPrefix(up.URL, "http://")+`
}`)
	_, body := do(t, "GET", g.URL+"/", nil, "")
	if !strings.Contains(body, `data-consent-src="https://www.youtube.com/embed/dQw4w9WgXcQ"`) ||
		!strings.Contains(body, "data-consent-placeholder srcdoc=") || !strings.Contains(body, "once you allow Advertising cookies") {
		t.Errorf("video without consent: %s", body)
	}
	// The placeholder speaks the visitor's language.
	_, de := do(t, "GET", g.URL+"/", map[string]string{"Accept-Language": "de-DE,de;q=0.9"}, "")
	if !strings.Contains(de, "sobald Sie Werbung-Cookies erlauben") || !strings.Contains(de, "Auf YouTube") {
		t.Errorf("German visitor: placeholder not in German: %s", de)
	}
	if strings.Contains(body, ` src="https://www.youtube.com`) {
		t.Error("the player must not load before consent")
	}
}
