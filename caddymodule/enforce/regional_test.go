package enforce

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/caddy-consent/caddymodule/config"
	"github.com/consentgate/caddy-consent/caddymodule/consentheader"
)

func regionalEngine(t *testing.T, mod func(*config.Config)) *Engine {
	t.Helper()
	e := testEngine(t, func(c *config.Config) {
		c.Region = &config.RegionConfig{Source: "{http.request.header.CF-IPCountry}", Profiles: map[string]string{"BR": "us"}}
		if mod != nil {
			mod(c)
		}
	})
	e.SetRegionSource(func(r *http.Request) string { return r.Header.Get("CF-IPCountry") })
	return e
}

func inRegion(code string, r *http.Request) *http.Request {
	if code != "" {
		r.Header.Set("CF-IPCountry", code)
	}
	return r
}

// Each profile allows before a choice exactly what its rule allows.
func TestRegionalProfilesBeforeAChoice(t *testing.T) {
	e := regionalEngine(t, nil)
	now := time.Now()
	for _, c := range []struct {
		code, profile             string
		cookies, tags, notGranted []string
	}{
		{"DE", "eu", nil, nil, []string{"functional", "analytics", "advertising"}},
		{"", "eu", nil, nil, []string{"functional", "analytics", "advertising"}},
		{"XX", "eu", nil, nil, []string{"functional", "analytics", "advertising"}},
		{"GB", "uk", []string{"functional", "analytics"}, nil, []string{"advertising"}},
		{"US", "us", []string{"functional", "analytics", "advertising"}, []string{"functional", "analytics", "advertising"}, nil},
		{"BR", "us", []string{"functional", "analytics", "advertising"}, []string{"functional", "analytics", "advertising"}, nil},
	} {
		d := e.Decide(inRegion(c.code, navigation("http://shop.test/")), now, nil)
		if d.Profile != c.profile {
			t.Errorf("%q: profile %q; want %q", c.code, d.Profile, c.profile)
		}
		for _, cat := range c.cookies {
			if !d.granted(cat) {
				t.Errorf("%q: the site's own %s cookies are refused before a choice", c.code, cat)
			}
		}
		for _, cat := range c.notGranted {
			if d.granted(cat) || d.Allowed(cat) {
				t.Errorf("%q: %s allowed before a choice", c.code, cat)
			}
		}
		for _, cat := range []string{"functional", "analytics", "advertising"} {
			if d.Allowed(cat) != slices.Contains(c.tags, cat) {
				t.Errorf("%q: third-party %s tags allowed=%v", c.code, cat, d.Allowed(cat))
			}
		}
	}
	// UK: the site's own analytics cookie passes, a refused advertising one does not.
	d := e.Decide(inRegion("GB", navigation("http://shop.test/")), now, nil)
	if v := d.SetCookie("_pk_id.1.abcd=x; Path=/"); !v.Keep {
		t.Errorf("UK: first-party analytics cookie stripped before any objection")
	}
	if v := d.SetCookie("_fbp=fb.1.2.3; Path=/"); v.Keep {
		t.Errorf("UK: advertising cookie passed without consent")
	}
}

// US: Global Privacy Control is an opt-out of sale/sharing before any choice.
func TestUSProfileHonoursGPC(t *testing.T) {
	e := regionalEngine(t, nil)
	r := inRegion("US", navigation("http://shop.test/"))
	r.Header.Set("Sec-GPC", "1")
	d := e.Decide(r, time.Now(), nil)
	if d.granted("advertising") || !d.granted("analytics") || !d.GPC {
		t.Fatalf("US with GPC: advertising=%v analytics=%v gpc=%v; want advertising refused, analytics allowed", d.granted("advertising"), d.granted("analytics"), d.GPC)
	}
}

// A choice overrides the profile's defaults: a UK objection (reject all)
// refuses analytics; a US opt-out refuses advertising.
func TestChoiceOverridesProfile(t *testing.T) {
	e := regionalEngine(t, nil)
	now := time.Now()
	for _, code := range []string{"GB", "US"} {
		d := e.Decide(inRegion(code, navigation("http://shop.test/", e.CookieName(false)+"="+mint(t, e))), now, nil)
		for _, cat := range []string{"functional", "analytics", "advertising"} {
			if d.granted(cat) {
				t.Errorf("%s after reject all: %s still granted", code, cat)
			}
		}
	}
}

// Without a region configuration nothing about regions is recorded and
// every visitor gets the EU opt-in behaviour.
func TestNoRegionConfigured(t *testing.T) {
	e := testEngine(t, nil)
	d := e.Decide(inRegion("US", navigation("http://shop.test/")), time.Now(), nil)
	if d.Profile != "" || d.Region != "" || d.granted("analytics") {
		t.Fatalf("profile %q region %q analytics %v; want none", d.Profile, d.Region, d.granted("analytics"))
	}
}

func TestClickIdentifiersLeaveTheURL(t *testing.T) {
	e := testEngine(t, nil)
	now := time.Now()
	r := navigation("http://shop.test/p?id=7&gclid=abc&fbclid=xyz&utm_source=news")
	d := e.Decide(r, now, nil)
	if !d.QueryChanged || d.CleanQuery != "id=7&utm_source=news" || !slices.Equal(d.RemovedParams, []string{"gclid", "fbclid"}) {
		t.Fatalf("no consent: %v %q %v", d.QueryChanged, d.CleanQuery, d.RemovedParams)
	}
	d.ApplyRequest(r)
	if r.URL.RawQuery != "id=7&utm_source=news" || r.RequestURI != "/p?id=7&utm_source=news" {
		t.Fatalf("applied: %q %q", r.URL.RawQuery, r.RequestURI)
	}
	r = navigation("http://shop.test/p?gclid=abc", e.CookieName(false)+"="+mint(t, e, "advertising"))
	if d := e.Decide(r, now, nil); d.QueryChanged {
		t.Fatal("advertising allowed: gclid removed anyway")
	}
	off := testEngine(t, func(c *config.Config) { c.URLTracking = &config.URLTrackingConfig{Disabled: true} })
	if d := off.Decide(navigation("http://shop.test/p?gclid=abc"), now, nil); d.QueryChanged {
		t.Fatal("url_tracking off: gclid removed anyway")
	}
	extra := testEngine(t, func(c *config.Config) { c.URLTracking = &config.URLTrackingConfig{Params: []string{"ref_id"}} })
	if d := extra.Decide(navigation("http://shop.test/p?ref_id=1&gclid=2"), now, nil); d.CleanQuery != "" {
		t.Fatalf("extra param: %q", d.CleanQuery)
	}
	rep := testEngine(t, func(c *config.Config) { c.Mode = config.ModeReport })
	r = navigation("http://shop.test/p?gclid=abc")
	d = rep.Decide(r, now, nil)
	d.ApplyRequest(r)
	if !d.QueryChanged || r.URL.RawQuery != "gclid=abc" {
		t.Fatalf("report mode: decided %v, request now %q; want decided and untouched", d.QueryChanged, r.URL.RawQuery)
	}
}

func TestContextHeaderSignedAndUnforgeable(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	e := regionalEngine(t, func(c *config.Config) {
		c.ContextHeader = &config.ContextHeaderConfig{Key: "{env.X}"}
	})
	if err := e.SetContextKey(key); err != nil {
		t.Fatal(err)
	}
	r := inRegion("DE", navigation("http://shop.test/", e.CookieName(false)+"="+mint(t, e, "analytics")))
	r.Header.Set("Consent-Context", "v1.forged.forged")
	d := e.Decide(r, time.Now(), nil)
	d.ApplyRequest(r)
	vals := r.Header.Values("Consent-Context")
	if len(vals) != 1 {
		t.Fatalf("%d Consent-Context headers upstream; want exactly the gateway's", len(vals))
	}
	s, _ := consentheader.NewSigner(key)
	ctx, err := s.Verify(vals[0], time.Now(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !ctx.Allows("analytics") || ctx.Allows("advertising") || ctx.Profile != "eu" || ctx.Region != "DE" || !ctx.HasConsent || ctx.PolicyVersion != "v1" {
		t.Fatalf("context %+v", ctx)
	}
}

// The click-to-load placeholder of a held-back embed speaks the visitor's
// language, with the operator's own wording where given.
func TestEmbedPlaceholderInVisitorsLanguage(t *testing.T) {
	e := testEngine(t, func(c *config.Config) {
		c.EmbedPlaceholder = true
		c.Banner = &config.BannerConfig{LangTexts: map[string]map[string]string{"fr": {"embed_open": "Regarder sur {vendor} (site externe)"}}}
	})
	for lang, want := range map[string]string{
		"de":    "Auf YouTube",
		"de-AT": "Auf YouTube",
		"fr":    "Regarder sur YouTube",
		"xx":    "Watch on YouTube",
	} {
		pt := e.placeholderText(lang)
		got := strings.ReplaceAll(pt.Open, "{vendor}", "YouTube")
		if !strings.HasPrefix(got, want) {
			t.Errorf("%s: placeholder link %q; want it to start with %q", lang, got, want)
		}
		if lang == "de" && pt.Categories["advertising"] != "Werbung" {
			t.Errorf("de: category label %q", pt.Categories["advertising"])
		}
	}
}

// Before a UK visitor chooses, first-party analytics is allowed but
// third-party tags are not: the context header says which is which.
func TestContextHeaderFirstPartyUK(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	e := regionalEngine(t, func(c *config.Config) { c.ContextHeader = &config.ContextHeaderConfig{Key: "{env.X}"} })
	if err := e.SetContextKey(key); err != nil {
		t.Fatal(err)
	}
	d := e.Decide(inRegion("GB", navigation("http://shop.test/")), time.Now(), nil)
	s, _ := consentheader.NewSigner(key)
	ctx, err := s.Verify(d.ContextHeader, time.Now(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if ctx.Allows("analytics") || !slices.Contains(ctx.FirstParty, "analytics") || !slices.Contains(ctx.FirstParty, "functional") {
		t.Fatalf("UK before a choice: categories %v first_party %v; want analytics first-party only", ctx.Categories, ctx.FirstParty)
	}
}

// The operator's per-language category label names the category in the
// placeholder too.
func TestEmbedPlaceholderUsesOperatorLangLabels(t *testing.T) {
	e := testEngine(t, func(c *config.Config) {
		c.EmbedPlaceholder = true
		c.Categories = []config.CategoryConfig{{Name: "advertising", LangLabels: map[string]string{"de": "Partnerwerbung"}}}
	})
	if got := e.placeholderText("de-AT").Categories["advertising"]; got != "Partnerwerbung" {
		t.Fatalf("de-AT: %q", got)
	}
	if got := e.placeholderText("fr").Categories["advertising"]; got != "Publicité" {
		t.Fatalf("fr: %q", got)
	}
}
