// Package caddymodule is the Caddy adapter of the consent gateway: the
// http.handlers.consent module. It only gathers the facts of a request,
// asks the engine (package enforce) for the decision and applies it:
// configuration lives in config, every decision in enforce, the consent
// cookie in consentcookie, HTML rewriting in htmlrewrite, the banner in
// banner and the event schema in audit.
package caddymodule

import (
	"fmt"
	"net/http"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/consentgate/caddy-consent/caddymodule/audit"
	"github.com/consentgate/caddy-consent/caddymodule/banner"
	"github.com/consentgate/caddy-consent/caddymodule/config"
	"github.com/consentgate/caddy-consent/caddymodule/consentcookie"
	"github.com/consentgate/caddy-consent/caddymodule/enforce"
	"github.com/consentgate/caddy-consent/caddymodule/policy"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Defaults and limits (see package config).
const (
	DefaultEndpoint   = config.DefaultEndpoint
	DefaultCookieName = config.DefaultCookieName
	DefaultMaxAge     = config.DefaultMaxAge
	MaxMaxAge         = config.MaxMaxAge
	ModeEnforce       = config.ModeEnforce
	ModeReport        = config.ModeReport
)

// The configuration types, defined in package config.
type (
	CategoryConfig    = config.CategoryConfig
	KeyConfig         = config.KeyConfig
	CookieConfig      = config.CookieConfig
	BannerConfig      = config.BannerConfig
	PresetConfig      = config.PresetConfig
	VendorConfig      = config.VendorConfig
	BlockRuleConfig   = config.BlockRuleConfig
	GPCConfig         = config.GPCConfig
	ConsentModeConfig = config.ConsentModeConfig
	EvidenceConfig    = config.EvidenceConfig
)

// Handler enforces a site's cookie notice at the HTTP layer: it strips
// Set-Cookie headers of categories the visitor has not allowed, keeps such
// cookies out of the request sent upstream, expires them after a withdrawal,
// neutralizes refused tracker tags, injects a consent banner into HTML
// documents and serves the endpoints that record the visitor's choice in a
// signed and encrypted cookie. Its JSON fields are those of config.Config.
type Handler struct {
	config.Config

	engine     *enforce.Engine
	policy     *policy.Policy
	codec      *consentcookie.Codec
	renderer   *banner.Renderer
	logger     *zap.Logger
	maxAge     time.Duration
	configHash string
	summary    *audit.Summary
	stopSum    func()
	// compress compresses the pages the gateway rewrites (compress.go).
	compress *compressor
	// customizedTexts names categories whose label or description the
	// operator wrote (those are shown as written, untranslated).
	customizedTexts map[string]bool
	// shownCookies are the cookie names the banner lists per category.
	shownCookies [][]string
	// inv is the observed-cookie inventory (declaration.go).
	inv *inventoryState
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.consent",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision normalizes and validates the configuration, loads or creates
// keys, compiles the engine and prepares the banner. It runs during
// `caddy validate` too, so every configuration error surfaces there.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	if err := h.Config.Normalize(); err != nil {
		return err
	}
	h.maxAge = time.Duration(h.Cookie.MaxAge)
	if err := registerMetrics(ctx); err != nil {
		return fmt.Errorf("consent: metrics: %v", err)
	}
	pairs, err := h.loadKeys(ctx)
	if err != nil {
		return err
	}
	h.codec, err = consentcookie.New(h.Cookie.Name, pairs, h.maxAge)
	if err != nil {
		return fmt.Errorf("consent: keys: %v", err)
	}
	eng, warnings, err := enforce.New(&h.Config, h.codec)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		h.logger.Warn(audit.ConfigWarning, zap.String("warning", w.Message))
	}
	h.engine, h.policy = eng, eng.Policy()
	if err := h.provisionRequestDuties(); err != nil {
		return err
	}
	h.customizedTexts = make(map[string]bool)
	for _, c := range h.Categories {
		if c.Label != "" || c.Description != "" {
			h.customizedTexts[c.Name] = true
		}
	}
	if err := h.provisionBanner(); err != nil {
		return err
	}
	h.configHash = h.hashConfig()
	if err := h.provisionInventory(ctx); err != nil {
		return err
	}
	if h.CompressPages == nil || *h.CompressPages {
		if h.compress, err = newCompressor(ctx); err != nil {
			return err
		}
	}
	checkPlacement(ctx, h.logger)
	if h.Evidence.Mode == config.EvidenceSummary {
		h.summary = audit.NewSummary(time.Duration(h.Evidence.Interval), 1000)
		h.stopSum = h.summary.Start(func(f ...zap.Field) { h.logger.Info(audit.EnforcementSummary, f...) })
	}
	return nil
}

// provisionRequestDuties connects the engine's regional profiles and
// consent context header to Caddy: the region placeholder is resolved per
// request with the request's replacer, the context key once here.
func (h *Handler) provisionRequestDuties() error {
	if rc := h.Region; rc != nil {
		src := rc.Source
		h.engine.SetRegionSource(func(r *http.Request) string {
			repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
			if !ok {
				return ""
			}
			return repl.ReplaceAll(src, "")
		})
	}
	if ch := h.ContextHeader; ch != nil {
		raw := caddy.NewReplacer().ReplaceAll(ch.Key, "")
		if raw == "" {
			return fmt.Errorf("consent: context_header key %q is empty (an unset {env.…} placeholder expands to nothing); make one with \"caddy consent keygen\" and use its hash key", ch.Key)
		}
		key, err := consentcookie.ParseKey(raw, false)
		if err != nil {
			return fmt.Errorf("consent: context_header key: %v", err)
		}
		if err := h.engine.SetContextKey(key); err != nil {
			return fmt.Errorf("consent: context_header: %v", err)
		}
	}
	return nil
}

// Cleanup flushes and stops the evidence summary.
func (h *Handler) Cleanup() error {
	if h.stopSum != nil {
		h.stopSum()
	}
	h.cleanupInventory()
	return nil
}

// Validate checks the configuration (Provision already normalized it).
func (h *Handler) Validate() error { return h.Config.Validate() }

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
