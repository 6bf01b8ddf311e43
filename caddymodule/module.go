// Package caddymodule is the Caddy adapter of the consent gateway: the
// http.handlers.consent module. It stays thin: classification lives in
// policy, the consent cookie in consentcookie, HTML rewriting in
// htmlrewrite, the banner in banner and the event schema in audit.
package caddymodule

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/consentgate/caddy-consent/caddymodule/audit"
	"github.com/consentgate/caddy-consent/caddymodule/banner"
	"github.com/consentgate/caddy-consent/caddymodule/consentcookie"
	"github.com/consentgate/caddy-consent/caddymodule/policy"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Defaults and limits. The consent lifetime follows CNIL and Garante
// practice (keep a choice, including a refusal, for about 6 months) and is
// capped at 13 months, the longest lifetime any EU regulator accepts.
const (
	DefaultEndpoint   = "/_consent"
	DefaultCookieName = "consent"
	DefaultMaxAge     = 182 * 24 * time.Hour
	MaxMaxAge         = 396 * 24 * time.Hour
	ModeEnforce       = "enforce"
	ModeReport        = "report"
)

// Handler enforces a site's cookie notice at the HTTP layer: it strips
// Set-Cookie headers of categories the visitor has not allowed, keeps such
// cookies out of the request sent upstream, expires them after a withdrawal,
// injects a consent banner into HTML pages and serves the endpoints that
// record the visitor's choice in a signed and encrypted cookie.
type Handler struct {
	// The version of the site's cookie notice, e.g. its "last updated"
	// date. Consent given for another version counts as no consent, so
	// changing it asks every visitor again. Default: "1".
	PolicyVersion string `json:"policy_version,omitempty"`

	// Changes to the built-in categories (necessary, functional,
	// analytics, advertising) and additional categories, in order of
	// increasing restrictiveness.
	Categories []CategoryConfig `json:"categories,omitempty"`

	// What to do with a cookie no category names: "strip" (default:
	// treat it as needing a consent nobody can give), "allow", or the
	// name of a category it should belong to.
	UnknownCookies string `json:"unknown_cookies,omitempty"`

	// Key pairs for the consent cookie. The first pair signs; every pair
	// verifies, so keys rotate without logging anyone out. Values may be
	// placeholders such as {env.CONSENT_HASH_KEY} or {file./run/key}.
	// When empty, a pair is generated once and kept in Caddy's storage.
	Keys []KeyConfig `json:"keys,omitempty"`

	// The consent cookie itself.
	Cookie *CookieConfig `json:"cookie,omitempty"`

	// "enforce" (default) or "report": report mode logs exactly what
	// would be stripped, filtered or expired and changes nothing.
	Mode string `json:"mode,omitempty"`

	// Base path of the gateway's own endpoints. Default: /_consent.
	Endpoint string `json:"endpoint,omitempty"`

	// The banner injected into HTML pages.
	Banner *BannerConfig `json:"banner,omitempty"`

	// How client addresses appear in audit events: the number of leading
	// bits kept of IPv4 and IPv6 addresses. Defaults 24 and 48; -1 drops
	// the address from the logs entirely.
	LogIPv4Bits int `json:"log_ipv4_bits,omitempty"`
	LogIPv6Bits int `json:"log_ipv6_bits,omitempty"`

	// Built-in vendor presets to enable (see the README's table): their
	// cookies, script and pixel hosts, inline snippets and same-origin
	// collection endpoints.
	Presets []PresetConfig `json:"presets,omitempty"`

	// Vendors of the operator's own, with the same structure as presets.
	Vendors []VendorConfig `json:"vendors,omitempty"`

	// Same-origin requests answered by the gateway (1×1 GIF or 204)
	// unless the visitor allowed their category.
	Blocks []BlockRuleConfig `json:"block,omitempty"`

	// Rewrite YouTube embeds to youtube-nocookie.com instead of holding
	// them back until consent.
	YouTubeNoCookie bool `json:"youtube_nocookie,omitempty"`

	// Show a placeholder naming the video and the category it needs in
	// video iframes held back until consent (instead of an empty frame).
	EmbedPlaceholder bool `json:"embed_placeholder,omitempty"`

	// Leave vendor hosts in a page's Content-Security-Policy even when the
	// visitor has not allowed their category (removed by default).
	KeepCSPHosts bool `json:"keep_csp_hosts,omitempty"`

	// Global Privacy Control (Sec-GPC: 1) handling; honoured by default.
	GPC *GPCConfig `json:"gpc,omitempty"`

	// Google Consent Mode v2; off unless set.
	ConsentMode *ConsentModeConfig `json:"consent_mode,omitempty"`

	// An Open Cookie Database CSV (downloaded by the operator) that
	// classifies cookies no configured pattern names.
	CookieDatabase string `json:"cookie_database,omitempty"`

	policy     *policy.Policy
	codec      *consentcookie.Codec
	renderer   *banner.Renderer
	logger     *zap.Logger
	maxAge     time.Duration
	configHash string
	unknown    *seenNames
	// required names the categories that are always on.
	required map[string]bool
	// customizedTexts names categories whose label or description the
	// operator wrote (those are shown as written, untranslated).
	customizedTexts map[string]bool
	// shownCookies are the cookie names the banner lists per category.
	shownCookies [][]string
	tracking     *tracking
}

// CategoryConfig changes a built-in category or declares a new one.
type CategoryConfig struct {
	// The category's identifier: lower-case letters, digits, - and _.
	Name string `json:"name"`
	// Removes a built-in category.
	Disabled bool `json:"disabled,omitempty"`
	// The label shown in the banner (default: the built-in one).
	Label string `json:"label,omitempty"`
	// The description shown in the banner.
	Description string `json:"description,omitempty"`
	// Cookie patterns added to the category: exact names, globs with *
	// and ?, or regular expressions between slashes.
	Cookies []string `json:"cookies,omitempty"`
	// Drop the built-in patterns of this category before adding Cookies.
	ReplaceCookies bool `json:"replace_cookies,omitempty"`
	// Domain and path used when the gateway expires this category's
	// cookies after a refusal or withdrawal.
	CookieDomain string `json:"cookie_domain,omitempty"`
	CookiePath   string `json:"cookie_path,omitempty"`
	// Marks a new category as strictly necessary (always on).
	Required bool `json:"required,omitempty"`
	// Whether a Global Privacy Control signal denies this category.
	SaleOrShare *bool `json:"sale_or_share,omitempty"`
}

// KeyConfig is one hash key (HMAC-SHA256) and block key (AES) pair, each
// base64 or hex encoded, as `caddy consent keygen` prints them.
type KeyConfig struct {
	Hash  string `json:"hash"`
	Block string `json:"block"`
}

// CookieConfig describes the consent cookie.
type CookieConfig struct {
	// Cookie name (default "consent"). On HTTPS without a domain the
	// gateway uses the __Host- prefixed name.
	Name string `json:"name,omitempty"`
	// Lifetime of a consent (default 182 days, at most 396 days).
	MaxAge caddy.Duration `json:"max_age,omitempty"`
	// Domain attribute, to share consent across subdomains.
	Domain string `json:"domain,omitempty"`
	// Path attribute (default "/").
	Path string `json:"path,omitempty"`
	// SameSite attribute: lax (default) or strict.
	SameSite string `json:"same_site,omitempty"`
}

// BannerConfig configures the injected banner and the preference page.
type BannerConfig struct {
	// Disables the banner and settings control (endpoints stay).
	Disabled bool `json:"disabled,omitempty"`
	// Link to the site's cookie notice.
	NoticeURL string `json:"notice_url,omitempty"`
	// Language used when Accept-Language matches none (default "en").
	DefaultLang string `json:"default_lang,omitempty"`
	// Hides the small "Cookie settings" control shown to visitors who
	// already chose (for sites that link to the preference page).
	NoSettingsControl bool `json:"no_settings_control,omitempty"`
	// Replacement template and stylesheet files.
	TemplateFile   string `json:"template_file,omitempty"`
	StylesheetFile string `json:"stylesheet_file,omitempty"`
	// Text overrides for every language, by key (title, message, …).
	Texts map[string]string `json:"texts,omitempty"`
	// Text overrides for one language: lang -> key -> text.
	LangTexts map[string]map[string]string `json:"lang_texts,omitempty"`
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.consent",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision compiles the policy, loads or creates keys and prepares the
// banner. It runs during `caddy validate` too, so every configuration
// error surfaces there.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	if h.PolicyVersion == "" {
		h.PolicyVersion = "1"
	}
	if h.Mode == "" {
		h.Mode = ModeEnforce
	}
	if h.Endpoint == "" {
		h.Endpoint = DefaultEndpoint
	}
	h.Endpoint = strings.TrimSuffix(h.Endpoint, "/")
	if h.Cookie == nil {
		h.Cookie = new(CookieConfig)
	}
	if h.Cookie.Name == "" {
		h.Cookie.Name = DefaultCookieName
	}
	if h.Cookie.Path == "" {
		h.Cookie.Path = "/"
	}
	if h.Cookie.SameSite == "" {
		h.Cookie.SameSite = "lax"
	}
	h.maxAge = time.Duration(h.Cookie.MaxAge)
	if h.maxAge == 0 {
		h.maxAge = DefaultMaxAge
	}
	if h.LogIPv4Bits == 0 {
		h.LogIPv4Bits = 24
	}
	if h.LogIPv6Bits == 0 {
		h.LogIPv6Bits = 48
	}
	if err := h.Validate(); err != nil {
		return err
	}
	if err := registerMetrics(ctx); err != nil {
		return fmt.Errorf("consent: metrics: %v", err)
	}

	cats, err := mergeCategories(policy.DefaultCategories(), h.Categories)
	if err != nil {
		return err
	}
	vendors, cats, err := h.resolveVendors(cats)
	if err != nil {
		return err
	}
	pol, warnings, err := policy.Compile(policy.Config{
		Categories:         cats,
		Unknown:            h.UnknownCookies,
		ConsentCookieNames: []string{h.Cookie.Name, "__Host-" + h.Cookie.Name},
	})
	if err != nil {
		return fmt.Errorf("consent: %v", err)
	}
	for _, w := range warnings {
		h.logger.Warn(audit.ConfigWarning, zap.String("warning", w.Message))
	}
	h.policy = pol
	h.customizedTexts = make(map[string]bool)
	for _, c := range h.Categories {
		if c.Label != "" || c.Description != "" {
			h.customizedTexts[c.Name] = true
		}
	}

	pairs, err := h.loadKeys(ctx)
	if err != nil {
		return err
	}
	h.codec, err = consentcookie.New(h.Cookie.Name, pairs, h.maxAge)
	if err != nil {
		return fmt.Errorf("consent: keys: %v", err)
	}

	if err := h.provisionTracking(vendors); err != nil {
		return err
	}
	if err := h.provisionBanner(); err != nil {
		return err
	}
	h.configHash = h.hashConfig()
	h.unknown = newSeenNames(10000)
	return nil
}

// Validate checks the values that need no provisioning.
func (h *Handler) Validate() error {
	switch h.Mode {
	case "", ModeEnforce, ModeReport:
	default:
		return fmt.Errorf("consent: mode %q: must be enforce or report", h.Mode)
	}
	if h.Endpoint != "" && (!strings.HasPrefix(h.Endpoint, "/") || strings.ContainsAny(h.Endpoint, "?#*{} ")) {
		return fmt.Errorf("consent: endpoint %q: must be an absolute path such as /_consent", h.Endpoint)
	}
	if h.Cookie != nil {
		if h.Cookie.MaxAge < 0 || time.Duration(h.Cookie.MaxAge) > MaxMaxAge {
			return fmt.Errorf("consent: cookie max_age %s: must be positive and at most 13 months (396d); 6 months (182d) is the usual choice",
				time.Duration(h.Cookie.MaxAge))
		}
		switch strings.ToLower(h.Cookie.SameSite) {
		case "", "lax", "strict":
		default:
			return fmt.Errorf("consent: cookie same_site %q: must be lax or strict (the consent form is posted same-site)", h.Cookie.SameSite)
		}
		if h.Cookie.Name != "" && !validCookieName(h.Cookie.Name) {
			return fmt.Errorf("consent: cookie name %q: use letters, digits, - and _ only", h.Cookie.Name)
		}
	}
	return nil
}

func validCookieName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// mergeCategories applies the operator's changes to the built-in
// categories: known names are modified (or removed with Disabled), new
// names are appended in the order written.
func mergeCategories(defaults []policy.Category, changes []CategoryConfig) ([]policy.Category, error) {
	out := append([]policy.Category(nil), defaults...)
	index := func(name string) int {
		for i := range out {
			if out[i].Name == name {
				return i
			}
		}
		return -1
	}
	seen := make(map[string]bool)
	for _, c := range changes {
		if c.Name == "" {
			return nil, fmt.Errorf("consent: a category needs a name")
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("consent: category %q is declared twice; merge the two blocks", c.Name)
		}
		seen[c.Name] = true
		i := index(c.Name)
		if c.Disabled {
			if i < 0 {
				return nil, fmt.Errorf("consent: category %q cannot be turned off: it is not a built-in category", c.Name)
			}
			if out[i].Required {
				return nil, fmt.Errorf("consent: category %q cannot be turned off: strictly necessary cookies must keep working", c.Name)
			}
			out = append(out[:i], out[i+1:]...)
			continue
		}
		if i < 0 {
			out = append(out, policy.Category{Name: c.Name, Path: "/", SaleOrShare: false})
			i = len(out) - 1
		}
		cat := &out[i]
		if c.Label != "" {
			cat.Label = c.Label
		}
		if c.Description != "" {
			cat.Description = c.Description
		}
		if c.ReplaceCookies {
			cat.Cookies = nil
		}
		cat.Cookies = append(append([]string(nil), cat.Cookies...), c.Cookies...)
		if c.CookieDomain != "" {
			cat.Domain = c.CookieDomain
		}
		if c.CookiePath != "" {
			cat.Path = c.CookiePath
		}
		if c.Required {
			cat.Required = true
		}
		if c.SaleOrShare != nil {
			cat.SaleOrShare = *c.SaleOrShare
		}
		if cat.Label == "" {
			cat.Label = c.Name
		}
	}
	return out, nil
}

// seenNames remembers which unclassified cookie names were already
// reported, so each is logged once, not on every response. It is bounded:
// past the limit new names are no longer reported (one line says so).
type seenNames struct {
	mu    sync.Mutex
	names map[string]struct{}
	limit int
	full  bool
}

func newSeenNames(limit int) *seenNames {
	return &seenNames{names: make(map[string]struct{}), limit: limit}
}

// first reports whether name is seen for the first time, and whether the
// limit was just reached.
func (s *seenNames) first(name string) (first, limitReached bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.names[name]; ok || s.full {
		return false, false
	}
	if len(s.names) >= s.limit {
		s.full = true
		return false, true
	}
	s.names[name] = struct{}{}
	return true, false
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
