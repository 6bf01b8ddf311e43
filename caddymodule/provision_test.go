package caddymodule

import (
	"context"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/consentgate/caddy-consent/caddymodule/config"
)

// Configuration errors that need the merged categories or decoded keys
// surface at provision time (caddy validate) with the fix in the message.
func TestProvisionErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		mod  func(*Handler)
		want string
	}{
		{"preset under a removed category", func(h *Handler) {
			h.Categories = []CategoryConfig{{Name: "advertising", Disabled: true}}
			h.PresetsDefault = "none"
			h.Presets = []PresetConfig{{Name: "meta-pixel"}}
		}, "preset meta-pixel { category <name> }"},
		{"necessary cannot be turned off", func(h *Handler) {
			h.Categories = []CategoryConfig{{Name: "necessary", Disabled: true}}
		}, "strictly necessary cookies must keep working"},
		{"block with unknown category", func(h *Handler) {
			h.Blocks = []BlockRuleConfig{{Category: "ads", Path: "/x"}}
		}, `unknown category "ads"`},
		{"consent mode with unknown category", func(h *Handler) {
			h.ConsentMode = &ConsentModeConfig{Mapping: map[string][]string{"ad_storage": {"ads"}}}
		}, `consent_mode ad_storage: unknown category "ads"`},
		{"short block key", func(h *Handler) {
			h.Keys = []KeyConfig{{Hash: testHashKey, Block: "c2hvcnQ="}}
		}, "block key"},
		{"missing cookie database", func(h *Handler) {
			h.CookieDatabase = "/nonexistent/ocd.csv"
		}, "cookie_database"},
		{"too long max_age", func(h *Handler) {
			h.Cookie = &CookieConfig{MaxAge: config.Duration(MaxMaxAge + 1)}
		}, "at most 13 months"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := &Handler{Config: config.Config{Keys: []KeyConfig{{Hash: testHashKey, Block: testBlockKey}}}}
			c.mod(h)
			ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
			defer cancel()
			err := h.Provision(ctx)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}
