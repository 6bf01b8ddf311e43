package trackers

import (
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
		"shopify", "vercel-insights", "generic-pixels"}
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
		if len(v.BlockRules) > 0 && len(v.PixelHosts)+len(v.EmbedHosts)+len(v.InlineSignatures) > 0 {
			t.Errorf("%s mixes third-party tag data with block rules", v.Name)
		}
	}
}
