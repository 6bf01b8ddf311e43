package enforce

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/consentgate/caddy-consent/caddymodule/config"
	"github.com/consentgate/caddy-consent/caddymodule/consentcookie"
)

// testEngine compiles cfg (after mod) the way Provision does.
func testEngine(t testing.TB, mod func(*config.Config)) *Engine {
	t.Helper()
	cfg := &config.Config{PolicyVersion: "v1"}
	if mod != nil {
		mod(cfg)
	}
	if err := cfg.Normalize(); err != nil {
		t.Fatal(err)
	}
	codec, err := consentcookie.New(cfg.Cookie.Name, []consentcookie.KeyPair{consentcookie.GenerateKeyPair()}, time.Duration(cfg.Cookie.MaxAge))
	if err != nil {
		t.Fatal(err)
	}
	e, _, err := New(cfg, codec)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func mint(t testing.TB, e *Engine, granted ...string) string {
	t.Helper()
	v, err := e.codec.Encode(consentcookie.Consent{ID: consentcookie.NewID(), Granted: granted, PolicyVersion: e.cfg.PolicyVersion,
		IssuedAt: time.Now().Truncate(time.Second), Method: "banner"})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// navigation is a browser's top-level GET of url with the given cookies.
func navigation(url string, cookies ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, url, nil)
	r.Header.Set("Sec-Fetch-Dest", "document")
	r.Header.Set("Accept", "text/html")
	if len(cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(cookies, "; "))
	}
	return r
}

func htmlHeader() http.Header {
	return http.Header{"Content-Type": {"text/html; charset=utf-8"},
		"Content-Security-Policy": {"script-src 'self' https://www.googletagmanager.com https://connect.facebook.net"}}
}

// The banner, the settings control, tag neutralization, CSP narrowing and
// Consent Mode are decided independently: turning off the banner or the
// settings control never turns off the others (issue 10: with `banner off`
// not one refused tag was neutralized).
func TestPlanPartsAreIndependent(t *testing.T) {
	for _, c := range []struct {
		name           string
		banner         *config.BannerConfig
		granted        []string // nil: no consent
		insert         Insert
		tags, ctlOff   bool
		wantCSPRemoved string
	}{
		{"banner on, no consent", nil, nil, InsertBanner, true, false, "connect.facebook.net"},
		{"banner off, no consent", &config.BannerConfig{Disabled: true}, nil, InsertNone, true, false, "connect.facebook.net"},
		{"settings control off, partial consent", &config.BannerConfig{NoSettingsControl: true}, []string{"analytics"}, InsertNone, true, true, "connect.facebook.net"},
		{"settings control on, partial consent", nil, []string{"analytics"}, InsertSettings, true, false, "connect.facebook.net"},
		{"banner off, full consent", &config.BannerConfig{Disabled: true}, []string{"functional", "analytics", "advertising"}, InsertNone, false, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := testEngine(t, func(cfg *config.Config) {
				cfg.Banner = c.banner
				cfg.ConsentMode = &config.ConsentModeConfig{}
			})
			var cookies []string
			if c.granted != nil {
				cookies = append(cookies, "consent="+mint(t, e, c.granted...))
			}
			d := e.Decide(navigation("http://example.com/", cookies...), time.Now(), nil)
			hdr := htmlHeader()
			p := d.Plan(http.MethodGet, 200, hdr)
			if p.Insert != c.insert {
				t.Errorf("insert = %v, want %v", p.Insert, c.insert)
			}
			if p.Tags != c.tags {
				t.Errorf("tags = %v, want %v", p.Tags, c.tags)
			}
			if !p.ConsentMode {
				t.Error("Consent Mode default must be inserted into every document when configured")
			}
			if !p.Rewrite || !p.Changes {
				t.Errorf("plan must rewrite the page: %+v", p)
			}
			if c.wantCSPRemoved != "" && !slices.Contains(p.CSPHosts, c.wantCSPRemoved) {
				t.Errorf("CSP hosts to remove %v, want %s among them", p.CSPHosts, c.wantCSPRemoved)
			}
			if c.wantCSPRemoved == "" && len(p.CSPHosts) > 0 {
				t.Errorf("nothing is refused, yet CSP hosts %v would be removed", p.CSPHosts)
			}
		})
	}
}

// Presets are on by default (issue 11): a configuration naming none still
// neutralizes GA4 and Meta Pixel; `presets none` and `preset -x` turn
// them off; opt-in presets stay off unless named.
func TestPresetsOnByDefault(t *testing.T) {
	names := func(e *Engine) []string {
		var out []string
		for _, v := range e.EnabledVendors() {
			out = append(out, v.Name)
		}
		return out
	}
	def := names(testEngine(t, nil))
	for _, want := range []string{"ga4", "meta-pixel", "hotjar", "youtube"} {
		if !slices.Contains(def, want) {
			t.Errorf("preset %s is not on by default: %v", want, def)
		}
	}
	for _, optIn := range []string{"plausible-proxy", "umami-proxy", "generic-pixels"} {
		if slices.Contains(def, optIn) {
			t.Errorf("opt-in preset %s is on by default", optIn)
		}
	}
	minus := names(testEngine(t, func(c *config.Config) { c.PresetsDisabled = []string{"hotjar"} }))
	if slices.Contains(minus, "hotjar") || !slices.Contains(minus, "ga4") {
		t.Errorf("preset -hotjar: %v", minus)
	}
	none := names(testEngine(t, func(c *config.Config) {
		c.PresetsDefault = config.PresetsNone
		c.Presets = []config.PresetConfig{{Name: "plausible"}}
	}))
	if !slices.Equal(none, []string{"plausible"}) {
		t.Errorf("presets none + preset plausible: %v", none)
	}
}

// The operator's patterns beat the built-in lists (issue 11): `category
// necessary { cookies lang }` makes lang necessary.
func TestOperatorPatternsWin(t *testing.T) {
	e := testEngine(t, func(c *config.Config) {
		c.Categories = []config.CategoryConfig{{Name: "necessary", Cookies: []string{"lang", "myapp_sess"}}}
	})
	d := e.Decide(navigation("http://example.com/"), time.Now(), nil)
	for _, n := range []string{"lang", "myapp_sess"} {
		if v := d.SetCookie(n + "=1; Path=/"); !v.Keep || v.Category != "necessary" {
			t.Errorf("%s: %+v, want kept as necessary", n, v)
		}
	}
}

// A valid consent cookie next to an invalid duplicate means no consent,
// in either order (issue 13): fail closed and show the banner.
func TestDuplicateConsentFailsClosed(t *testing.T) {
	e := testEngine(t, nil)
	valid := "consent=" + mint(t, e, "analytics", "advertising")
	for _, order := range [][]string{{valid, "consent=forged"}, {"consent=forged", valid}} {
		d := e.Decide(navigation("http://example.com/", order...), time.Now(), nil)
		if d.HasConsent || d.Granted != e.pol.RequiredSet() || len(d.Invalid) != 1 {
			t.Errorf("%q: has_consent=%v granted=%v invalid=%v, want no consent", order, d.HasConsent, e.pol.Names(d.Granted), d.Invalid)
		}
		if p := d.Plan(http.MethodGet, 200, htmlHeader()); p.Insert != InsertBanner {
			t.Errorf("%q: insert %v, want the banner", order, p.Insert)
		}
	}
}

// A __Host- consent cookie is read only on HTTPS, and the consent cookie
// never reaches the upstream (issue 13).
func TestConsentCookieScopeAndUpstream(t *testing.T) {
	e := testEngine(t, nil)
	v := mint(t, e, "analytics")
	plain := e.Decide(navigation("http://example.com/", "__Host-consent="+v, "PHPSESSID=1"), time.Now(), nil)
	if plain.HasConsent {
		t.Error("__Host-consent accepted on plain HTTP")
	}
	if !plain.CookieChanged || !slices.Equal(plain.CookieLines, []string{"PHPSESSID=1"}) {
		t.Errorf("upstream Cookie %q (changed %v), want only PHPSESSID=1", plain.CookieLines, plain.CookieChanged)
	}
	r := navigation("https://example.com/", "__Host-consent="+v, "PHPSESSID=1")
	r.TLS = new(tlsState)
	secure := e.Decide(r, time.Now(), nil)
	if !secure.HasConsent || !secure.Allowed("analytics") {
		t.Error("__Host-consent refused on HTTPS")
	}
	if !slices.Equal(secure.CookieLines, []string{"PHPSESSID=1"}) {
		t.Errorf("upstream Cookie %q, want only PHPSESSID=1", secure.CookieLines)
	}
}

// Cookie2 (RFC 2965, obsolete) could smuggle cookies past the filter.
func TestCookie2Dropped(t *testing.T) {
	e := testEngine(t, nil)
	r := navigation("http://example.com/")
	r.Header.Set("Cookie2", `$Version="1"; _ga=1`)
	if d := e.Decide(r, time.Now(), nil); !d.DropCookie2 {
		t.Error("Cookie2 kept")
	}
}

func TestSameOriginComparesScheme(t *testing.T) {
	for _, c := range []struct {
		tls    bool
		origin string
		ok     bool
	}{
		{false, "http://example.com", true},
		{false, "https://example.com", false},
		{true, "https://example.com", true},
		{true, "http://example.com", false},
		{false, "http://example.com:80", true},
		{false, "http://other.example", false},
	} {
		r := httptest.NewRequest(http.MethodPost, "http://example.com/_consent", nil)
		if c.tls {
			r.TLS = new(tlsState)
		}
		r.Header.Set("Origin", c.origin)
		if err := CheckSameOrigin(r); (err == nil) != c.ok {
			t.Errorf("tls=%v Origin %s: err %v, want ok=%v", c.tls, c.origin, err, c.ok)
		}
	}
}

// The banner goes only into documents requested as documents (issue 13).
func TestWantsDocument(t *testing.T) {
	for _, c := range []struct {
		method string
		hdr    map[string]string
		want   bool
	}{
		{"GET", map[string]string{"Sec-Fetch-Dest": "document"}, true},
		{"GET", map[string]string{"Sec-Fetch-Dest": "iframe"}, true},
		{"GET", map[string]string{"Sec-Fetch-Dest": "empty", "Accept": "text/html"}, false},
		{"GET", map[string]string{"Sec-Fetch-Dest": "script"}, false},
		{"GET", map[string]string{"Accept": "text/html,*/*"}, true},
		{"GET", map[string]string{"Accept": "*/*"}, false},
		{"GET", map[string]string{}, false},
		{"GET", map[string]string{"Sec-Fetch-Dest": "document", "HX-Request": "true"}, false},
		{"GET", map[string]string{"Accept": "text/html", "Turbo-Frame": "main"}, false},
		{"GET", map[string]string{"Accept": "text/html", "X-Requested-With": "XMLHttpRequest"}, false},
		{"POST", map[string]string{"Sec-Fetch-Dest": "document"}, false},
		{"HEAD", map[string]string{"Accept": "text/html"}, true},
	} {
		r := httptest.NewRequest(c.method, "/", nil)
		for k, v := range c.hdr {
			r.Header.Set(k, v)
		}
		if got := WantsDocument(r); got != c.want {
			t.Errorf("%s %v: %v, want %v", c.method, c.hdr, got, c.want)
		}
	}
}

// Remembered unclassified names are copies (a substring would keep the
// whole request header alive) and bounded by bytes as well as count.
func TestUnclassifiedIsBounded(t *testing.T) {
	u := NewUnclassified(1000, 100)
	header := strings.Repeat("x", 10000) + "=1; mystery=2"
	name := header[10004:10011]
	u.Note(name)
	names, _ := u.Take()
	if len(names) != 1 || names[0] != "mystery" {
		t.Fatalf("names %q", names)
	}
	if unsafe.StringData(names[0]) == unsafe.StringData(name) {
		t.Error("the remembered name shares the request header's memory")
	}
	for i := 0; i < 50; i++ {
		u.Note(fmt.Sprintf("n%08d", i))
	}
	n, b := u.Size()
	if b > 100 || n > 12 {
		t.Errorf("holds %d names, %d bytes; want at most 100 bytes", n, b)
	}
	if _, full := u.Take(); !full {
		t.Error("reaching the bound is not reported")
	}
}

// Report mode computes the same decision and records it, but the filter
// removes nothing.
func TestReportModeDecidesTheSame(t *testing.T) {
	enforceE := testEngine(t, nil)
	reportE := testEngine(t, func(c *config.Config) { c.Mode = config.ModeReport })
	for _, e := range []*Engine{enforceE, reportE} {
		d := e.Decide(navigation("http://example.com/", "_ga=1", "PHPSESSID=2"), time.Now(), nil)
		hdr := http.Header{"Set-Cookie": {"_ga=1", "PHPSESSID=2"}}
		d.FilterSetCookies(hdr, "Set-Cookie")
		p := d.Plan(http.MethodGet, 200, htmlHeader())
		if !p.Tags || p.Insert != InsertBanner || !d.CookieChanged {
			t.Errorf("report=%v: plan %+v, cookie changed %v", d.Report, p, d.CookieChanged)
		}
		want := 1
		if d.Report {
			want = 2
		}
		if len(hdr["Set-Cookie"]) != want {
			t.Errorf("report=%v: Set-Cookie %q", d.Report, hdr["Set-Cookie"])
		}
	}
}

type tlsState = tls.ConnectionState

// The built-in Open Cookie Database classifies names no pattern names;
// `cookie_database off` turns it off (issue 11).
func TestCookieDatabaseDefault(t *testing.T) {
	const name = "adcloud" // Adobe Advertising in the Open Cookie Database, in no built-in list
	def := testEngine(t, nil)
	d := def.Decide(navigation("http://example.com/"), time.Now(), nil)
	if v := d.SetCookie(name + "=1"); v.Keep || v.Category != "advertising" {
		t.Errorf("built-in database: %+v, want stripped as advertising", v)
	}
	off := testEngine(t, func(c *config.Config) { c.CookieDatabase = config.CookieDatabaseOff })
	d = off.Decide(navigation("http://example.com/"), time.Now(), nil)
	if v := d.SetCookie(name + "=1"); v.Category != "unknown" {
		t.Errorf("cookie_database off: %+v, want unknown", v)
	}
}

// However many unknown names one request carries, one response reports at
// most MaxSightingsPerTake of them; later responses report the rest.
func TestUnclassifiedLinesPerResponseBounded(t *testing.T) {
	u := NewUnclassified(1000, 1<<20)
	for i := 0; i < 20; i++ {
		u.Note(fmt.Sprintf("unknown_%02d", i))
	}
	seen := map[string]bool{}
	for call := 0; call < 10; call++ {
		s, _ := u.TakeSightings()
		if len(s) > MaxSightingsPerTake {
			t.Fatalf("one take returned %d sightings", len(s))
		}
		for _, x := range s {
			seen[x.Name] = true
		}
	}
	if len(seen) != 20 {
		t.Fatalf("%d of 20 names reported over later responses", len(seen))
	}
	if s, _ := u.TakeSightings(); s != nil {
		t.Fatalf("left over: %v", s)
	}
}
