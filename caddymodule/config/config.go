// Package config holds the consent handler's JSON-facing configuration and
// the one Normalize that every entry point uses: Provision (JSON config),
// the Caddyfile parser and `caddy consent inspect`. It imports no Caddy
// package, so the same rules apply wherever a configuration comes from.
package config

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

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

	// Evidence modes: one enforcement event per response (default), a
	// periodic summary of counters, or none.
	EvidenceResponse = "response"
	EvidenceSummary  = "summary"
	EvidenceOff      = "off"
	// DefaultSummaryInterval is how often summary mode writes its counters.
	DefaultSummaryInterval = time.Minute

	// PresetsAll (default) enables every built-in preset that is not
	// opt-in; PresetsNone starts from none.
	PresetsAll  = "all"
	PresetsNone = "none"

	// CookieDatabaseOff disables the built-in Open Cookie Database facts.
	CookieDatabaseOff = "off"
)

// Config is the handler's configuration, as JSON field names say. The
// Caddy module embeds it, so encoding/json keeps these fields inline.
type Config struct {
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

	// "enforce" (default) or "report": report mode computes and logs the
	// same decisions and changes nothing a client or upstream can observe.
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

	// Built-in vendor presets enabled in addition to the default set
	// (including opt-in presets), optionally under another category.
	Presets []PresetConfig `json:"presets,omitempty"`
	// "all" (default): every built-in preset that is not opt-in is on;
	// "none": only the presets listed in Presets.
	PresetsDefault string `json:"presets_default,omitempty"`
	// Built-in presets turned off (Caddyfile: preset -<name>).
	PresetsDisabled []string `json:"presets_disabled,omitempty"`

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

	// The Open Cookie Database facts that classify cookies no configured
	// pattern names: "" = the built-in copy, "off" = none, else the path
	// of a newer CSV.
	CookieDatabase string `json:"cookie_database,omitempty"`

	// How enforcement decisions are logged (default: one event per response).
	Evidence *EvidenceConfig `json:"evidence,omitempty"`

	// Regional consent profiles: where the visitor's region comes from
	// and which profile applies to which region. Without it every visitor
	// gets the EU opt-in profile.
	Region *RegionConfig `json:"region,omitempty"`

	// Ad click identifiers removed from request URLs (gclid, fbclid, …)
	// until their category is allowed; on by default.
	URLTracking *URLTrackingConfig `json:"url_tracking,omitempty"`

	// A signed request header telling the upstream the visitor's consent.
	ContextHeader *ContextHeaderConfig `json:"context_header,omitempty"`

	// Whether the gateway compresses the pages it rewrites (it runs before
	// `encode`, which therefore cannot). Default true; the Caddyfile
	// adapter sets false for a site block without `encode`, so sites that
	// never compressed keep serving identity.
	CompressPages *bool `json:"compress_pages,omitempty"`
}

// RegionConfig selects regional consent profiles (package region).
type RegionConfig struct {
	// A placeholder giving the visitor's ISO 3166 country code, optionally
	// with a subdivision (US-CA): a CDN header such as
	// {http.request.header.CF-IPCountry} or a GeoIP module's placeholder.
	Source string `json:"source"`
	// Region code (DE, US-CA) or "*" (every other region) -> profile
	// (eu, uk, us), on top of the built-in mapping (EU/EEA/CH eu, GB uk,
	// US us, unknown regions eu).
	Profiles map[string]string `json:"profiles,omitempty"`
}

// URLTrackingConfig controls the removal of ad click identifiers.
type URLTrackingConfig struct {
	// Keep identifiers in URLs (not recommended).
	Disabled bool `json:"disabled,omitempty"`
	// More parameter names to remove, besides the built-in list.
	Params []string `json:"params,omitempty"`
	// The category that allows the identifiers (default advertising).
	Category string `json:"category,omitempty"`
}

// ContextHeaderConfig turns on the signed consent context request header.
type ContextHeaderConfig struct {
	// Header name (default Consent-Context).
	Name string `json:"name,omitempty"`
	// HMAC-SHA256 key of at least 32 bytes, base64 or hex, literal or a
	// placeholder such as {env.CONSENT_CONTEXT_KEY}.
	Key string `json:"key"`
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
	// Label and description per language (lang -> text), shown to
	// visitors whose language matches; Label/Description otherwise.
	LangLabels       map[string]string `json:"lang_labels,omitempty"`
	LangDescriptions map[string]string `json:"lang_descriptions,omitempty"`
	// Cookie patterns added to the category: exact names, globs with *
	// and ?, or regular expressions between slashes. They are matched
	// before the built-in patterns (the operator's rules win).
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
	MaxAge Duration `json:"max_age,omitempty"`
	// Domain attribute, to share consent across subdomains.
	Domain string `json:"domain,omitempty"`
	// Path attribute (default "/").
	Path string `json:"path,omitempty"`
	// SameSite attribute: lax (default) or strict.
	SameSite string `json:"same_site,omitempty"`
}

// BannerConfig configures the injected banner and the preference page.
type BannerConfig struct {
	// Disables the banner and settings control (endpoints stay; tags,
	// CSP and Consent Mode are still enforced).
	Disabled bool `json:"disabled,omitempty"`
	// Link to the site's cookie notice.
	NoticeURL string `json:"notice_url,omitempty"`
	// Language used when Accept-Language matches none (default "en").
	DefaultLang string `json:"default_lang,omitempty"`
	// Hides the small "Cookie settings" control shown to visitors who
	// already chose (for sites that link to the preference page).
	NoSettingsControl bool `json:"no_settings_control,omitempty"`
	// Where the banner sits: bottom (default), box or center.
	Position string `json:"position,omitempty"`
	// Replacement template and stylesheet files.
	TemplateFile   string `json:"template_file,omitempty"`
	StylesheetFile string `json:"stylesheet_file,omitempty"`
	// Text overrides for every language, by key (title, message, …).
	Texts map[string]string `json:"texts,omitempty"`
	// Text overrides for one language: lang -> key -> text.
	LangTexts map[string]map[string]string `json:"lang_texts,omitempty"`
}

// PresetConfig enables a built-in vendor preset, optionally under another
// category than its default.
type PresetConfig struct {
	Name     string `json:"name"`
	Category string `json:"category,omitempty"`
}

// VendorConfig declares a vendor of the operator's own, with the same
// structure as a preset.
type VendorConfig struct {
	Name             string            `json:"name"`
	Title            string            `json:"title,omitempty"`
	Category         string            `json:"category"`
	Cookies          []string          `json:"cookies,omitempty"`
	ScriptHosts      []string          `json:"script_hosts,omitempty"`
	ScriptPaths      []string          `json:"script_paths,omitempty"`
	PixelHosts       []string          `json:"pixel_hosts,omitempty"`
	PixelPaths       []string          `json:"pixel_paths,omitempty"`
	InlineSignatures []string          `json:"inline_signatures,omitempty"`
	EmbedHosts       []string          `json:"embed_hosts,omitempty"`
	Blocks           []BlockRuleConfig `json:"block,omitempty"`
}

// BlockRuleConfig is a same-origin collection endpoint answered by the
// gateway (a 1×1 GIF or 204) unless the visitor allowed its category.
type BlockRuleConfig struct {
	Name     string            `json:"name,omitempty"`
	Category string            `json:"category"`
	Path     string            `json:"path"`
	Query    map[string]string `json:"query,omitempty"`
	Method   string            `json:"method,omitempty"`
	Response string            `json:"response,omitempty"`
}

// GPCConfig controls how the Global Privacy Control signal is honoured.
type GPCConfig struct {
	// Ignore the Sec-GPC header (it is honoured by default).
	Disabled bool `json:"disabled,omitempty"`
	// Serve /.well-known/gpc.json declaring that the site honours GPC.
	WellKnown bool `json:"well_known,omitempty"`
	// lastUpdate of gpc.json (YYYY-MM-DD).
	LastUpdate string `json:"last_update,omitempty"`
}

// ConsentModeConfig turns on Google Consent Mode v2: a
// gtag('consent','default',…) snippet first in <head>, and updates from
// the banner. Mapping is signal -> categories that must all be granted;
// empty means the default mapping.
type ConsentModeConfig struct {
	Mapping map[string][]string `json:"mapping,omitempty"`
}

// EvidenceConfig chooses how enforcement decisions reach the audit log.
type EvidenceConfig struct {
	// "response" (default): one enforcement event per response that
	// changed something; "summary": counters flushed every Interval;
	// "off": none (consent_recorded events are always written).
	Mode string `json:"mode,omitempty"`
	// Summary interval (default 1m).
	Interval Duration `json:"interval,omitempty"`
}

// Duration is a time.Duration that reads like caddy.Duration: a number of
// nanoseconds, or a string such as "182d", "6mo", "12h", "30m", "90s".
// It is written as nanoseconds, as caddy.Duration is.
type Duration time.Duration

// UnmarshalJSON accepts a number of nanoseconds or a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := ParseDuration(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("duration %s: use a string such as \"182d\" or a number of nanoseconds", b)
	}
	*d = Duration(n)
	return nil
}

// DurationUnits lists the units ParseDuration accepts, for messages.
const DurationUnits = "d (days), mo (months of 30.4 days), h, m, s, e.g. 182d, 6mo, 12h"

// ParseDuration reads durations with the units d, mo, h, m, s (and the
// other Go units), e.g. 182d, 6mo, 1d12h.
func ParseDuration(s string) (time.Duration, error) {
	bad := func() (time.Duration, error) {
		return 0, fmt.Errorf("%q is not a duration; use a number with one of the units %s", s, DurationUnits)
	}
	if s == "" {
		return bad()
	}
	if n, ok := strings.CutSuffix(s, "mo"); ok {
		months, err := strconv.Atoi(n)
		if err != nil || months < 0 {
			return bad()
		}
		return time.Duration(months) * (30*24*time.Hour + 9*time.Hour + 36*time.Minute), nil // 30.4 days a month
	}
	// Days, as Caddy reads them: "1d12h" is 36h.
	var total time.Duration
	rest := s
	if i := strings.IndexByte(rest, 'd'); i > 0 {
		days, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil || days < 0 {
			return bad()
		}
		total = time.Duration(days * 24 * float64(time.Hour))
		rest = rest[i+1:]
		if rest == "" {
			return total, nil
		}
	}
	v, err := time.ParseDuration(rest)
	if err != nil {
		return bad()
	}
	return total + v, nil
}
