package caddymodule

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// Category labels and descriptions are translatable per language
// (`label [<lang>] <text>`): a German visitor sees the German text, others
// the default one; a bad language tag fails at adapt with its line.
func TestCategoryTextsPerLanguage(t *testing.T) {
	var parsed Handler
	d := caddyfile.NewTestDispenser(`consent {
		category analytics {
			label "Statistics"
			label de "Statistik"
			description de "Hilft uns, die Website zu verbessern."
		}
	}`)
	if err := parsed.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	h := newTestHandler(t, func(h *Handler) { h.Categories = parsed.Categories })
	page := htmlUpstream("<!DOCTYPE html><html><body><p>x</p></body></html>", nil)
	for lang, want := range map[string][]string{
		"de-CH,de;q=0.9": {">Statistik<", "Hilft uns, die Website zu verbessern."},
		"en":             {">Statistics<"},
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Sec-Fetch-Dest", "document")
		req.Header.Set("Accept-Language", lang)
		rec, err := serve(t, h, req, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(rec.Body.String(), w) {
				t.Errorf("%s: banner lacks %q", lang, w)
			}
		}
	}
	// The cookie declaration names the category in the visitor's language too.
	decl := httptest.NewRequest(http.MethodGet, "/_consent/cookies", nil)
	decl.Header.Set("Accept", "application/json")
	decl.Header.Set("Accept-Language", "de")
	rec, err := serve(t, h, decl, page)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.Body.String(), `"label":"Statistik"`) {
		t.Errorf("declaration in German lacks the operator's label: %s", rec.Body.String())
	}
	bad := caddyfile.NewTestDispenser(`consent {
		category analytics {
			label "Deutsch!" "Statistik"
		}
	}`)
	var b Handler
	if err := b.UnmarshalCaddyfile(bad); err == nil || !strings.Contains(err.Error(), "language tag") || !strings.Contains(err.Error(), "Testfile:") {
		t.Fatalf("bad language tag: %v; want an error naming the language tag and its place", err)
	}
}

// The config_hash logged with every choice identifies the tracker rules in
// force too: turning a preset off or moving it changes it.
func TestConfigHashCoversTrackerRules(t *testing.T) {
	base := newTestHandler(t, nil).configHash
	for name, mod := range map[string]func(*Handler){
		"preset off":   func(h *Handler) { h.PresetsDisabled = []string{"hotjar"} },
		"preset moved": func(h *Handler) { h.Presets = []PresetConfig{{Name: "hotjar", Category: "advertising"}} },
		"block rule":   func(h *Handler) { h.Blocks = []BlockRuleConfig{{Category: "analytics", Path: "/stats"}} },
		"consent mode": func(h *Handler) { h.ConsentMode = &ConsentModeConfig{} },
		"database off": func(h *Handler) { h.CookieDatabase = "off" },
	} {
		if got := newTestHandler(t, mod).configHash; got == base {
			t.Errorf("%s: config_hash unchanged", name)
		}
	}
	if again := newTestHandler(t, nil).configHash; again != base {
		t.Error("config_hash is not stable for the same configuration")
	}
}
