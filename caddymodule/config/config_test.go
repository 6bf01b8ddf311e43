package config

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Every entry point shares Normalize: JSON configurations are held to the
// same rules as the Caddyfile (issue 10: JSON "endpoint": "/" was trimmed
// to "" and then answered every path of the site).
func TestNormalizeRejects(t *testing.T) {
	for _, c := range []struct{ json, want string }{
		{`{"endpoint": "/"}`, `endpoint "/": use an absolute path below the site root`},
		{`{"endpoint": "//"}`, `endpoint "//"`},
		{`{"endpoint": "consent"}`, `endpoint "consent"`},
		{`{"mode": "sometimes"}`, `mode "sometimes": use enforce or report`},
		{`{"cookie": {"max_age": "400d"}}`, "at most 13 months"},
		{`{"presets": [{"name": "ga4", "category": "ads"}]}`, `preset ga4 { category }: unknown category "ads"`},
		{`{"presets_disabled": ["nosuch"]}`, `preset -nosuch: unknown preset "nosuch"`},
		{`{"presets_default": "some"}`, `presets "some": use all`},
		{`{"consent_mode": {"mapping": {"ad_storage": ["ads"]}}}`, `consent_mode ad_storage: unknown category "ads"`},
		{`{"banner": {"texts": {"colour": "x"}}}`, `banner text colour: unknown text key "colour"`},
		{`{"banner": {"stylesheet_file": "/nonexistent.css"}}`, `banner stylesheet "/nonexistent.css": no such file`},
		{`{"cookie_database": "/nonexistent.csv"}`, `cookie_database "/nonexistent.csv": no such file`},
		{`{"evidence": {"mode": "sometimes"}}`, `evidence "sometimes"`},
		{`{"categories": [{"name": "necessary", "disabled": true}]}`, "strictly necessary cookies must keep working"},
		{`{"unknown_cookies": "nowhere"}`, `unknown_cookies "nowhere"`},
		{`{"cookie": {"name": "__Host-consent"}}`, `cookie name "__Host-consent": leave out the prefix`},
	} {
		var cfg Config
		if err := json.Unmarshal([]byte(c.json), &cfg); err != nil {
			t.Fatalf("%s: %v", c.json, err)
		}
		err := cfg.Normalize()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.json, err, c.want)
		}
		if err != nil && strings.Count(err.Error(), "consent:") > 1 {
			t.Errorf("%s: repeated prefix in %q", c.json, err)
		}
	}
}

func TestNormalizeDefaults(t *testing.T) {
	var cfg Config
	if err := json.Unmarshal([]byte(`{"endpoint": "/privacy/", "cookie": {"max_age": "6mo"}}`), &cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Normalize(); err != nil {
		t.Fatal(err)
	}
	if cfg.Endpoint != "/privacy" || cfg.Mode != ModeEnforce || cfg.Cookie.Name != "consent" || cfg.Evidence.Mode != EvidenceResponse ||
		cfg.PresetsDefault != PresetsAll || time.Duration(cfg.Cookie.MaxAge) < 180*24*time.Hour {
		t.Errorf("defaults: %+v cookie %+v", cfg, cfg.Cookie)
	}
	if err := cfg.Normalize(); err != nil {
		t.Errorf("Normalize is not idempotent: %v", err)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"182d": 182 * 24 * time.Hour, "12h": 12 * time.Hour, "1d12h": 36 * time.Hour, "90s": 90 * time.Second} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"2y", "soon", "", "-3d"} {
		_, err := ParseDuration(in)
		if err == nil || !strings.Contains(err.Error(), "d (days), mo (months of 30.4 days), h, m, s") {
			t.Errorf("%q: %v, want the accepted units listed", in, err)
		}
	}
}
