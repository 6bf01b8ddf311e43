package trackers

import (
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/consentgate/caddy-consent/caddymodule/policy"
)

func TestPresetSanity(t *testing.T) {
	ps := Presets()
	if !sort.SliceIsSorted(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name }) {
		t.Error("Presets not sorted")
	}
	required := []string{"ga4", "gtm", "google-ads", "meta-pixel", "clarity", "microsoft-uet", "linkedin", "tiktok",
		"hotjar", "hubspot", "matomo", "pinterest", "x-pixel", "snap-pixel", "reddit-pixel", "yandex-metrica",
		"adobe-analytics", "youtube", "vimeo", "matomo-selfhosted", "sgtm", "plausible", "umami", "fathom",
		"shopify", "vercel-insights", "generic-pixels", "plausible-proxy", "umami-proxy", "fathom-lite",
		// issue 11: vendors most common on real pages
		"google-publisher-tag", "comscore", "quantcast", "nielsen", "chartbeat", "parsely", "outbrain",
		"taboola", "criteo", "amazon-publisher-services", "xandr", "salesforce-dmp", "optimizely", "vwo",
		"x-widgets", "addthis", "sharethis", "disqus", "fullstory", "intercom", "drift", "zendesk-chat",
		"hubspot-chat", "segment", "mixpanel", "amplitude", "heap", "posthog", "new-relic-browser",
		"google-maps", "spotify-embeds", "soundcloud", "instagram-embeds", "facebook-embeds", "tiktok-embeds",
		"pinterest-widgets", "yahoo", "adform", "pubmatic", "magnite", "openx", "index-exchange",
		"the-trade-desk", "mediamath", "teads", "smart-adserver", "sovrn", "33across", "id5", "liveramp",
		"lotame", "permutive", "piano-analytics", "piano-composer", "cxense", "conversant", "yieldmo"}
	for _, name := range required {
		if _, ok := Preset(name); !ok {
			t.Errorf("preset %s missing", name)
		}
	}
	seen := map[string]bool{}
	for _, v := range ps {
		if seen[v.Name] {
			t.Errorf("duplicate preset %s", v.Name)
		}
		seen[v.Name] = true
		if err := v.Validate(); err != nil {
			t.Error(err)
		}
		switch v.Category {
		case "necessary", "functional", "analytics", "advertising":
		default:
			t.Errorf("%s: category %q", v.Name, v.Category)
		}
		if v.Title == "" {
			t.Errorf("%s: no title", v.Name)
		}
		for _, c := range v.Cookies {
			if _, err := policy.ParsePattern(c); err != nil {
				t.Errorf("%s: %v", v.Name, err)
			}
		}
		for _, h := range v.allHosts() {
			if h != strings.ToLower(h) || strings.Contains(h, "://") || strings.ContainsAny(h, "/:*") {
				t.Errorf("%s: host %q must be lower-case without scheme, port, path or wildcard", v.Name, h)
			}
		}
		for _, r := range v.BlockRules {
			if r.Category == "" || categoryRank(r.Category) >= len(knownCategories) {
				t.Errorf("%s: block rule %s category %q", v.Name, r.Name, r.Category)
			}
		}
		if len(v.allHosts()) == 0 && len(v.BlockRules) == 0 && len(v.ScriptPaths)+len(v.PixelPaths) == 0 {
			t.Errorf("%s matches nothing", v.Name)
		}
	}
	if _, err := NewBlocker(presetBlockRules()); err != nil {
		t.Error(err)
	}
	// Presets returns copies.
	ps[0].Cookies = append(ps[0].Cookies[:0], "changed")
	if again := Presets(); len(again[0].Cookies) > 0 && again[0].Cookies[0] == "changed" {
		t.Error("Presets shares slices")
	}
	if _, ok := Preset("nope"); ok {
		t.Error("unknown preset found")
	}
	if names := PresetNames(); len(names) != len(ps) || names[0] != ps[0].Name {
		t.Errorf("PresetNames %v", names)
	}
}

// Third-party vendor presets never carry block rules: enabling HTML
// neutralization for a vendor must not silently block same-origin paths.
func TestThirdPartyPresetsHaveNoSilentBlockRules(t *testing.T) {
	for _, v := range Presets() {
		if len(v.BlockRules) > 0 && len(v.allHosts())+len(v.InlineSignatures)+len(v.ScriptPaths)+len(v.PixelPaths) > 0 {
			t.Errorf("%s mixes third-party tag data with block rules", v.Name)
		}
	}
}

// Presets on by default never block a path a site may use for its own
// API: every default block rule names a vendor-specific path or request
// shape.
func TestDefaultPresetsBlockOnlyVendorShapes(t *testing.T) {
	generic := []struct{ method, target string }{
		{"POST", "/api/event"}, {"POST", "/api/send"}, {"GET", "/collect?sid=1&p=/"}, {"POST", "/collect"},
		{"GET", "/x/beacon"}, {"POST", "/beacon"}, {"GET", "/img/pixel.gif"}, {"GET", "/api/track"},
		{"GET", "/tr"}, {"GET", "/g/collect"}, {"GET", "/gtm.js"}, {"GET", "/events"}, {"POST", "/ingest"},
	}
	var rules []BlockRule
	defaults := DefaultPresetNames()
	for _, name := range defaults {
		v, _ := Preset(name)
		if v.OptIn {
			t.Fatalf("%s is opt-in but listed as default", name)
		}
		rules = append(rules, v.BlockRules...)
	}
	b, err := NewBlocker(rules)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range generic {
		path, query, _ := strings.Cut(g.target, "?")
		q, _ := url.ParseQuery(query)
		if r, ok := b.Match(g.method, path, q); ok {
			t.Errorf("default presets block the generic %s %s (rule %v)", g.method, g.target, r)
		}
	}
	for _, name := range []string{"generic-pixels", "plausible-proxy", "umami-proxy", "fathom-lite", "piano-composer"} {
		if indexString(defaults, name) >= 0 {
			t.Errorf("%s must be opt-in", name)
		}
	}
	for _, name := range []string{"ga4", "meta-pixel", "hotjar", "youtube", "google-publisher-tag", "criteo", "intercom", "matomo-selfhosted", "sgtm"} {
		if indexString(defaults, name) < 0 {
			t.Errorf("%s must be on by default", name)
		}
	}
}
