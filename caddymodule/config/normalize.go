package config

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/consentgate/caddy-consent/caddymodule/banner"
	"github.com/consentgate/caddy-consent/caddymodule/consentcookie"
	"github.com/consentgate/caddy-consent/caddymodule/consentheader"
	"github.com/consentgate/caddy-consent/caddymodule/policy"
	"github.com/consentgate/caddy-consent/caddymodule/region"
	"github.com/consentgate/caddy-consent/caddymodule/trackers"
	"github.com/consentgate/caddy-consent/caddymodule/urltrack"
)

// Error is a configuration error. Key says which part of the configuration
// it is about (the Caddyfile parser maps it back to a file and line); the
// message names the Caddyfile directive, the bad value, what is valid and
// the fix.
type Error struct {
	Key string // e.g. "mode", "category analytics", "preset ga4", "banner", "block 2"
	Msg string
}

func (e *Error) Error() string { return "consent: " + e.Msg }

func errf(key, format string, args ...any) *Error {
	return &Error{Key: key, Msg: fmt.Sprintf(format, args...)}
}

// Normalize fills in defaults, then validates the whole configuration. It
// is idempotent: Provision, `caddy consent inspect` and tests call it on
// any configuration, however it was written.
func (c *Config) Normalize() error {
	if c.PolicyVersion == "" {
		c.PolicyVersion = "1"
	}
	if c.Mode == "" {
		c.Mode = ModeEnforce
	}
	if c.Endpoint == "" {
		c.Endpoint = DefaultEndpoint
	}
	if c.Cookie == nil {
		c.Cookie = new(CookieConfig)
	}
	if c.Cookie.Name == "" {
		c.Cookie.Name = DefaultCookieName
	}
	if c.Cookie.Path == "" {
		c.Cookie.Path = "/"
	}
	c.Cookie.SameSite = strings.ToLower(c.Cookie.SameSite)
	if c.Cookie.SameSite == "" {
		c.Cookie.SameSite = "lax"
	}
	if c.Cookie.MaxAge == 0 {
		c.Cookie.MaxAge = Duration(DefaultMaxAge)
	}
	if c.LogIPv4Bits == 0 {
		c.LogIPv4Bits = 24
	}
	if c.LogIPv6Bits == 0 {
		c.LogIPv6Bits = 48
	}
	if c.Evidence == nil {
		c.Evidence = new(EvidenceConfig)
	}
	if c.Evidence.Mode == "" {
		c.Evidence.Mode = EvidenceResponse
	}
	if c.Evidence.Mode == EvidenceSummary && c.Evidence.Interval == 0 {
		c.Evidence.Interval = Duration(DefaultSummaryInterval)
	}
	if c.PresetsDefault == "" {
		c.PresetsDefault = PresetsAll
	}
	if c.URLTracking != nil && c.URLTracking.Category == "" {
		c.URLTracking.Category = "advertising"
	}
	if c.ContextHeader != nil && c.ContextHeader.Name == "" {
		c.ContextHeader.Name = consentheader.DefaultName
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if len(c.Endpoint) > 1 {
		c.Endpoint = strings.TrimRight(c.Endpoint, "/")
	}
	return nil
}

// Validate checks a configuration without changing it (defaults may still
// be missing). The Caddyfile parser calls it at the end of the block.
func (c *Config) Validate() error {
	checks := []func() error{
		func() error { return CheckMode(c.Mode) },
		func() error { return CheckEndpoint(c.Endpoint) },
		func() error { return CheckCookie(c.Cookie) },
		c.checkCategories,
		c.checkUnknown,
		func() error { return CheckBanner(c.Banner) },
		c.checkLogBits,
		c.checkPresets,
		c.checkVendors,
		c.checkBlocks,
		c.checkConsentMode,
		func() error { return CheckGPC(c.GPC) },
		func() error { return CheckCookieDatabase(c.CookieDatabase) },
		func() error { return CheckEvidence(c.Evidence) },
		func() error { return CheckRegion(c.Region) },
		c.checkURLTracking,
		func() error { return CheckContextHeader(c.ContextHeader) },
		c.checkKeys,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// CheckMode validates `mode`.
func CheckMode(m string) error {
	switch m {
	case "", ModeEnforce, ModeReport:
		return nil
	}
	return errf("mode", "mode %q: use enforce or report", m)
}

// CheckEndpoint validates `endpoint`. "/" (or only slashes) is refused: the
// endpoint handler would answer every path of the site.
func CheckEndpoint(ep string) error {
	if ep == "" {
		return nil
	}
	if !strings.HasPrefix(ep, "/") || strings.ContainsAny(ep, "?#*{} \t\r\n") || strings.TrimRight(ep, "/") == "" {
		return errf("endpoint", "endpoint %q: use an absolute path below the site root such as /_consent (it must not be /, which would answer every path of the site)", ep)
	}
	return nil
}

// CheckCookie validates the `cookie` block.
func CheckCookie(ck *CookieConfig) error {
	if ck == nil {
		return nil
	}
	if ck.Name != "" && !ValidCookieName(ck.Name) {
		return errf("cookie", "cookie name %q: use 1-64 letters, digits, - and _", ck.Name)
	}
	if l := strings.ToLower(ck.Name); strings.HasPrefix(l, "__host-") || strings.HasPrefix(l, "__secure-") {
		return errf("cookie", "cookie name %q: leave out the prefix; the gateway names the cookie __Host-<name> itself on HTTPS when no domain is set", ck.Name)
	}
	if ck.MaxAge < 0 || time.Duration(ck.MaxAge) > MaxMaxAge {
		return errf("cookie", "cookie max_age %s: must be positive and at most 13 months (396d); 6 months (182d) is the usual choice", time.Duration(ck.MaxAge))
	}
	switch strings.ToLower(ck.SameSite) {
	case "", "lax", "strict":
	default:
		return errf("cookie", "cookie same_site %q: use lax or strict (the consent form is posted same-site)", ck.SameSite)
	}
	if ck.Path != "" && !strings.HasPrefix(ck.Path, "/") {
		return errf("cookie", "cookie path %q: must start with /", ck.Path)
	}
	return nil
}

// ValidCookieName accepts the consent cookie names the gateway can use.
func ValidCookieName(s string) bool {
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

// ValidCategoryName accepts category identifiers.
func ValidCategoryName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// CheckCategory validates one `category` block on its own.
func CheckCategory(cc CategoryConfig) error {
	key := "category " + cc.Name
	if !ValidCategoryName(cc.Name) {
		return errf(key, "category %q: use 1-32 lower-case letters, digits, - or _", cc.Name)
	}
	builtin, required := false, false
	for _, d := range policy.DefaultCategories() {
		if d.Name == cc.Name {
			builtin, required = true, d.Required
		}
	}
	if cc.Disabled {
		if !builtin {
			return errf(key, "category %s off: %q is not a built-in category, so there is nothing to turn off; remove the line", cc.Name, cc.Name)
		}
		if required {
			return errf(key, "category %s off: strictly necessary cookies must keep working; remove the line", cc.Name)
		}
	}
	for _, p := range cc.Cookies {
		if _, err := policy.ParsePattern(p); err != nil {
			return errf(key, "category %s: cookies %q: %v", cc.Name, p, err)
		}
	}
	if cc.CookiePath != "" && !strings.HasPrefix(cc.CookiePath, "/") {
		return errf(key, "category %s: cookie_path %q: must start with /", cc.Name, cc.CookiePath)
	}
	for what, m := range map[string]map[string]string{"label": cc.LangLabels, "description": cc.LangDescriptions} {
		for lang, text := range m {
			if !langRe.MatchString(strings.ToLower(lang)) {
				return errf(key, "category %s: %s %s: %q is not a language tag such as de or pt-br", cc.Name, what, lang, lang)
			}
			if strings.TrimSpace(text) == "" {
				return errf(key, "category %s: %s %s: the text is empty; write the text or remove the line", cc.Name, what, lang)
			}
		}
	}
	return nil
}

func (c *Config) checkCategories() error {
	seen := map[string]bool{}
	for _, cc := range c.Categories {
		if err := CheckCategory(cc); err != nil {
			return err
		}
		if seen[cc.Name] {
			return errf("category "+cc.Name, "category %q is declared twice; merge the two blocks", cc.Name)
		}
		seen[cc.Name] = true
	}
	return nil
}

// CategoryNames lists the categories this configuration has: the built-in
// ones not turned off, then the operator's new ones, in order.
func (c *Config) CategoryNames() []string {
	var names []string
	off := map[string]bool{}
	for _, cc := range c.Categories {
		if cc.Disabled {
			off[cc.Name] = true
		}
	}
	for _, d := range policy.DefaultCategories() {
		if !off[d.Name] {
			names = append(names, d.Name)
		}
	}
	for _, cc := range c.Categories {
		if !cc.Disabled && !slices.Contains(names, cc.Name) {
			names = append(names, cc.Name)
		}
	}
	return names
}

// unknownCategory is the message for a reference to a missing category.
func (c *Config) unknownCategory(key, where, name string) error {
	return errf(key, "%s: unknown category %q; this configuration has %s (declare it with `category %s { … }` or use one of those)",
		where, name, strings.Join(c.CategoryNames(), ", "), name)
}

func (c *Config) hasCategory(name string) bool { return slices.Contains(c.CategoryNames(), name) }

func (c *Config) checkUnknown() error {
	u := c.UnknownCookies
	if u == "" || u == "strip" || u == "allow" || c.hasCategory(u) {
		return nil
	}
	return errf("unknown_cookies", "unknown_cookies %q: use strip, allow or one of the categories %s", u, strings.Join(c.CategoryNames(), ", "))
}

var langRe = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{1,8}){0,3}$`)

// CheckBanner validates the `banner` block: language tags, text keys and
// that the template and stylesheet files exist.
func CheckBanner(b *BannerConfig) error {
	if b == nil {
		return nil
	}
	const key = "banner"
	switch b.Position {
	case "", "bottom", "box", "center":
	default:
		return errf(key, "banner position %q: use bottom (a bar along the bottom), box (a corner box) or center", b.Position)
	}
	if b.DefaultLang != "" && !langRe.MatchString(strings.ToLower(b.DefaultLang)) {
		return errf(key, "banner default_lang %q: use a language tag such as en, de or pt-br", b.DefaultLang)
	}
	keys := banner.TextKeys()
	checkTexts := func(lang string, texts map[string]string) error {
		for k, v := range texts {
			words := "text"
			if lang != "" {
				words = "text " + lang
			}
			if !slices.Contains(keys, k) {
				return errf(key, "banner %s %s: unknown text key %q; valid keys: %s", words, k, k, strings.Join(keys, ", "))
			}
			if strings.TrimSpace(v) == "" {
				return errf(key, "banner %s %s: the text is empty; write the text or remove the line", words, k)
			}
		}
		return nil
	}
	if err := checkTexts("", b.Texts); err != nil {
		return err
	}
	for lang, texts := range b.LangTexts {
		if !langRe.MatchString(strings.ToLower(lang)) {
			return errf(key, "banner text %s: %q is not a language tag such as de or pt-br; built-in languages are %s", lang, lang, strings.Join(banner.Languages(), ", "))
		}
		if err := checkTexts(lang, texts); err != nil {
			return err
		}
	}
	for _, f := range []struct{ directive, path string }{{"template", b.TemplateFile}, {"stylesheet", b.StylesheetFile}} {
		if f.path == "" {
			continue
		}
		if st, err := os.Stat(f.path); err != nil || st.IsDir() {
			why := "not a file"
			if err != nil {
				why = "no such file or not readable"
			}
			return errf(key, "banner %s %q: %s; give the path of an existing file (relative paths are resolved from Caddy's working directory)", f.directive, f.path, why)
		}
	}
	return nil
}

func (c *Config) checkLogBits() error {
	if c.LogIPv4Bits < -1 || c.LogIPv4Bits > 32 || c.LogIPv6Bits < -1 || c.LogIPv6Bits > 128 {
		return errf("log_ip_bits", "log_ip_bits %d %d: use IPv4 bits 0-32 and IPv6 bits 0-128 (default 24 48), or off", c.LogIPv4Bits, c.LogIPv6Bits)
	}
	return nil
}

func knownPreset(name string) error {
	if _, ok := trackers.Preset(name); !ok {
		return fmt.Errorf("unknown preset %q; known presets: %s", name, strings.Join(trackers.PresetNames(), ", "))
	}
	return nil
}

func (c *Config) checkPresets() error {
	switch c.PresetsDefault {
	case "", PresetsAll, PresetsNone:
	default:
		return errf("presets", "presets %q: use all (every built-in preset that is not opt-in, the default) or none", c.PresetsDefault)
	}
	seen := map[string]bool{}
	for _, p := range c.Presets {
		key := "preset " + p.Name
		if err := knownPreset(p.Name); err != nil {
			return errf(key, "preset %s: %v", p.Name, err)
		}
		if seen[p.Name] {
			return errf(key, "preset %q is enabled twice; keep one", p.Name)
		}
		seen[p.Name] = true
		if p.Category != "" && !c.hasCategory(p.Category) {
			return c.unknownCategory(key, "preset "+p.Name+" { category }", p.Category)
		}
		if slices.Contains(c.PresetsDisabled, p.Name) {
			return errf(key, "preset %s is both enabled and turned off (preset -%s); keep one", p.Name, p.Name)
		}
	}
	for _, n := range c.PresetsDisabled {
		if err := knownPreset(n); err != nil {
			return errf("preset -"+n, "preset -%s: %v", n, err)
		}
	}
	return nil
}

func (c *Config) checkVendors() error {
	for _, v := range c.Vendors {
		key := "vendor " + v.Name
		if v.Category == "" {
			return errf(key, "vendor %s: set its category, e.g. category analytics", v.Name)
		}
		if !c.hasCategory(v.Category) {
			return c.unknownCategory(key, "vendor "+v.Name+" category", v.Category)
		}
		for _, p := range v.Cookies {
			if _, err := policy.ParsePattern(p); err != nil {
				return errf(key, "vendor %s: cookies %q: %v", v.Name, p, err)
			}
		}
	}
	return nil
}

func (c *Config) checkBlocks() error {
	for i, b := range c.Blocks {
		key := fmt.Sprintf("block %d", i)
		if b.Path == "" {
			return errf(key, "block %s: give the path to answer, e.g. block analytics /collect", b.Category)
		}
		if !c.hasCategory(b.Category) {
			return c.unknownCategory(key, "block "+b.Path, b.Category)
		}
		switch b.Response {
		case "", "gif", "204":
		default:
			return errf(key, "block %s: response %q: use gif or 204", b.Path, b.Response)
		}
	}
	return nil
}

var signalRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

func (c *Config) checkConsentMode() error {
	if c.ConsentMode == nil {
		return nil
	}
	for signal, cats := range c.ConsentMode.Mapping {
		if !signalRe.MatchString(signal) {
			return errf("consent_mode", "consent_mode %s: a signal is lower-case letters, digits and _, e.g. ad_storage", signal)
		}
		if len(cats) == 0 {
			return errf("consent_mode", "consent_mode %s: name the categories that grant this signal, e.g. ad_storage advertising", signal)
		}
		for _, cat := range cats {
			if !c.hasCategory(cat) {
				return c.unknownCategory("consent_mode", "consent_mode "+signal, cat)
			}
		}
	}
	return nil
}

var dateRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// CheckGPC validates the `gpc` block.
func CheckGPC(g *GPCConfig) error {
	if g != nil && g.LastUpdate != "" && !dateRe.MatchString(g.LastUpdate) {
		return errf("gpc", "gpc well_known %q: the last update is a date YYYY-MM-DD", g.LastUpdate)
	}
	return nil
}

// CheckCookieDatabase validates `cookie_database`: off, or a readable file.
func CheckCookieDatabase(p string) error {
	if p == "" || p == CookieDatabaseOff {
		return nil
	}
	if st, err := os.Stat(p); err != nil || st.IsDir() {
		return errf("cookie_database", "cookie_database %q: no such file; give the path of an Open Cookie Database CSV, or off to disable the built-in copy", p)
	}
	return nil
}

// CheckEvidence validates `evidence`.
func CheckEvidence(e *EvidenceConfig) error {
	if e == nil {
		return nil
	}
	switch e.Mode {
	case "", EvidenceResponse, EvidenceOff:
		if e.Interval != 0 {
			return errf("evidence", "evidence %s %s: only summary takes an interval", e.Mode, time.Duration(e.Interval))
		}
	case EvidenceSummary:
		if e.Interval < 0 || (e.Interval != 0 && time.Duration(e.Interval) < time.Second) {
			return errf("evidence", "evidence summary %s: use an interval of at least 1s, e.g. 1m", time.Duration(e.Interval))
		}
	default:
		return errf("evidence", "evidence %q: use response (one event per response), summary [<interval>] or off", e.Mode)
	}
	return nil
}

func (c *Config) checkKeys() error {
	for i, k := range c.Keys {
		if err := CheckLiteralKey(k.Hash, false); err != nil {
			return errf("keys", "keys (pair %d): hash key: %v", i+1, err)
		}
		if err := CheckLiteralKey(k.Block, true); err != nil {
			return errf("keys", "keys (pair %d): block key: %v", i+1, err)
		}
	}
	return nil
}

// CheckLiteralKey checks a key written literally; placeholders ({env.…},
// {file.…}) are checked when provisioning, after expansion.
func CheckLiteralKey(s string, block bool) error {
	if s == "" || strings.Contains(s, "{") {
		return nil
	}
	_, err := consentcookie.ParseKey(s, block)
	return err
}

// CheckRegion validates `region`: a placeholder source and known profiles.
func CheckRegion(r *RegionConfig) error {
	if r == nil {
		return nil
	}
	if !strings.HasPrefix(r.Source, "{") || !strings.HasSuffix(r.Source, "}") {
		return errf("region", "region %q: name a placeholder that gives the visitor's country code, e.g. {http.request.header.CF-IPCountry}", r.Source)
	}
	if _, err := region.NewResolver(r.Profiles); err != nil {
		return errf("region", "region %s", strings.TrimPrefix(err.Error(), "region "))
	}
	return nil
}

// checkURLTracking validates `url_tracking`.
func (c *Config) checkURLTracking() error {
	u := c.URLTracking
	if u == nil || u.Disabled {
		return nil
	}
	if u.Category != "" && !c.hasCategory(u.Category) {
		return c.unknownCategory("url_tracking", "url_tracking category", u.Category)
	}
	params := urltrack.DefaultParams()
	for _, p := range u.Params {
		params = append(params, urltrack.Param{Name: p, Category: "advertising"})
	}
	if _, err := urltrack.New(params); err != nil {
		return errf("url_tracking", "url_tracking params: %v", err)
	}
	return nil
}

// CheckContextHeader validates `context_header`.
func CheckContextHeader(h *ContextHeaderConfig) error {
	if h == nil {
		return nil
	}
	if h.Name != "" && !validHeaderName(h.Name) {
		return errf("context_header", "context_header name %q: use letters, digits and - (e.g. Consent-Context)", h.Name)
	}
	if h.Key == "" {
		return errf("context_header", "context_header needs a key of at least %d random bytes: `key {env.CONSENT_CONTEXT_KEY}` (make one with `caddy consent keygen`; use its hash key)", consentheader.MinKeyLen)
	}
	if !strings.Contains(h.Key, "{") {
		if err := CheckLiteralKey(h.Key, false); err != nil {
			return errf("context_header", "context_header key: %v", err)
		}
	}
	return nil
}

func validHeaderName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
