// Package enforce is the consent gateway's enforcement engine. From the
// normalized configuration and the facts of one request it decides
// everything the gateway does for that request: whether a same-origin
// collector is answered instead of the upstream, which request cookies are
// dropped, which Set-Cookie lines are stripped, which refused cookies are
// expired, and a rewrite plan for the response body whose parts (banner or
// settings control, Consent Mode default, tag neutralization, CSP narrowing)
// are decided independently of one another.
//
// It imports no Caddy package: the Caddy adapter gathers the facts (the
// *http.Request, the response status and headers) and applies the
// decision. In report mode the decision is the same; the adapter logs it and
// applies none of it.
package enforce

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/consentgate/caddy-consent/caddymodule/banner"
	"github.com/consentgate/caddy-consent/caddymodule/config"
	"github.com/consentgate/caddy-consent/caddymodule/consentcookie"
	"github.com/consentgate/caddy-consent/caddymodule/policy"
	"github.com/consentgate/caddy-consent/caddymodule/region"
	"github.com/consentgate/caddy-consent/caddymodule/trackers"
)

// Engine is a compiled configuration. It is immutable after New (apart from
// the bounded memory of unclassified cookie names) and safe for concurrent use.
type Engine struct {
	cfg   *config.Config
	pol   *policy.Policy
	codec *consentcookie.Codec

	vendors       []trackers.Vendor
	blocker       *trackers.Blocker
	neutralizer   *trackers.Neutralizer
	tagCategories []string
	consentMode   trackers.ConsentModeMapping
	cmSnippets    *trackers.ConsentSignals // the Consent Mode default snippets, rendered once per granted combination
	signals       trackers.Signals         // Microsoft consent APIs declared with Consent Mode
	saleOrShare   policy.Set
	required      map[string]bool
	operator      map[string][]string // operator and vendor patterns per category (banner lists)

	bannerOn, settingsOn bool
	report               bool

	unclassified *Unclassified
	pool         sync.Pool // *trackers.PageRewriter
	rg           regional

	// hostCookieName is "__Host-" + the consent cookie's name.
	hostCookieName string
	// joined caches GrantedList for the sets most requests have.
	joined [3]struct {
		set   policy.Set
		list  string
		boxed any // list as an interface value (boxing a string allocates)
	}
}

// New compiles a configuration that config.Normalize accepted. codec
// verifies and issues consent cookies (the adapter owns the keys).
func New(cfg *config.Config, codec *consentcookie.Codec) (*Engine, []policy.Warning, error) {
	e := &Engine{cfg: cfg, codec: codec, report: cfg.Mode == config.ModeReport, hostCookieName: "__Host-" + cfg.Cookie.Name}
	cats, err := MergeCategories(policy.DefaultCategories(), cfg.Categories)
	if err != nil {
		return nil, nil, err
	}
	vendors, err := Vendors(cfg)
	if err != nil {
		return nil, nil, err
	}
	e.vendors = vendors
	index := map[string]int{}
	for i, c := range cats {
		index[c.Name] = i
	}
	e.operator = map[string][]string{}
	for _, c := range cfg.Categories {
		e.operator[c.Name] = append(e.operator[c.Name], c.Cookies...)
	}
	for _, v := range vendors {
		i, ok := index[v.Category]
		if !ok {
			var same []string
			for _, o := range vendors {
				if o.Category == v.Category {
					same = append(same, o.Name)
				}
			}
			if len(same) > 1 && !slices.ContainsFunc(cfg.Vendors, func(vc config.VendorConfig) bool { return vc.Name == v.Name }) {
				return nil, nil, fmt.Errorf("consent: category %s is off, but %d enabled presets belong to it (%s); keep the category, "+
					"or start from no presets with `presets none` and name the ones you need with `preset <name...>` (or file one elsewhere with `preset %s { category <name> }`)",
					v.Category, len(same), strings.Join(firstN(same, 5), ", "), v.Name)
			}
			return nil, nil, fmt.Errorf("consent: preset or vendor %s belongs to category %q, which this configuration does not have; choose one with `preset %s { category <name> }` or turn it off with `preset -%s`", v.Name, v.Category, v.Name, v.Name)
		}
		// The operator's own vendors are operator patterns (they beat the
		// built-in lists); presets join the built-in source. Built-in
		// categories already list many vendors' cookies; add only the
		// patterns not there yet, so no duplicate warning is logged.
		dst := &cats[i].Cookies
		moved := slices.ContainsFunc(cfg.Presets, func(p config.PresetConfig) bool { return p.Name == v.Name && p.Category != "" })
		if moved || slices.ContainsFunc(cfg.Vendors, func(vc config.VendorConfig) bool { return vc.Name == v.Name }) {
			// The operator's own vendors, and presets the operator filed
			// under another category, are operator patterns: they beat
			// the built-in lists (`preset hubspot { category analytics }`
			// must make __hstc an analytics cookie).
			dst = &cats[i].Operator
		}
		for _, p := range v.Cookies {
			if !slices.Contains(*dst, p) {
				*dst = append(*dst, p)
			}
		}
		if dst == &cats[i].Operator || slices.ContainsFunc(cfg.Presets, func(p config.PresetConfig) bool { return p.Name == v.Name }) {
			// The banner lists what the operator named first.
			e.operator[v.Category] = append(e.operator[v.Category], v.Cookies...)
		}
	}
	db, err := cookieDatabase(cfg.CookieDatabase)
	if err != nil {
		return nil, nil, err
	}
	pcfg := policy.Config{
		Categories:         cats,
		Unknown:            cfg.UnknownCookies,
		ConsentCookieNames: []string{cfg.Cookie.Name, "__Host-" + cfg.Cookie.Name},
	}
	setDatabase(&pcfg, db)
	pol, warnings, err := policy.Compile(pcfg)
	if err != nil {
		return nil, nil, fmt.Errorf("consent: %v", err)
	}
	e.pol = pol
	e.required = map[string]bool{}
	for i, c := range pol.Categories() {
		if c.Required {
			e.required[c.Name] = true
		} else if c.SaleOrShare {
			e.saleOrShare |= 1 << uint(i)
		}
	}
	if err := e.compileTrackers(); err != nil {
		return nil, nil, err
	}
	if e.consentMode != nil {
		e.cmSnippets = trackers.NewConsentSignals(e.consentMode, e.signals)
	}
	if err := e.compileRegional(); err != nil {
		return nil, nil, fmt.Errorf("consent: %v", err)
	}
	for i, set := range []policy.Set{pol.RequiredSet(), pol.AllSet(), pol.AllSet() &^ e.saleOrShare} {
		e.joined[i].set, e.joined[i].list = set, strings.Join(pol.Names(set), ",")
		e.joined[i].boxed = e.joined[i].list
	}
	e.bannerOn = cfg.Banner == nil || !cfg.Banner.Disabled
	e.settingsOn = e.bannerOn && (cfg.Banner == nil || !cfg.Banner.NoSettingsControl)
	e.unclassified = NewUnclassified(10000, 1<<20)
	if ma := time.Duration(cfg.Cookie.MaxAge); ma > 0 && ma < region.Builtin()[region.EU].MinRefusalMemory {
		warnings = append(warnings, policy.Warning{Message: fmt.Sprintf("cookie max_age %s: a refusal is forgotten (and the banner shown again) after %.0f days; "+
			"EU practice and the Digital Omnibus proposal (Art. 88a) ask to remember it at least 6 months: use max_age 182d or more", ma, ma.Hours()/24)})
	}
	return e, warnings, nil
}

// MergeCategories applies the operator's changes to the built-in
// categories: known names are modified (or removed with Disabled), new
// names are appended in the order written. Operator cookie patterns go to
// policy.Category.Operator, so they beat the built-in lists.
func MergeCategories(defaults []policy.Category, changes []config.CategoryConfig) ([]policy.Category, error) {
	out := append([]policy.Category(nil), defaults...)
	index := func(name string) int {
		for i := range out {
			if out[i].Name == name {
				return i
			}
		}
		return -1
	}
	for _, c := range changes {
		if err := config.CheckCategory(c); err != nil {
			return nil, err
		}
		i := index(c.Name)
		if c.Disabled {
			out = append(out[:i], out[i+1:]...)
			continue
		}
		if i < 0 {
			out = append(out, policy.Category{Name: c.Name, Path: "/", SaleOrShare: c.Name == "advertising"})
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
		cat.Operator = append(append([]string(nil), cat.Operator...), c.Cookies...)
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

// Vendors resolves the enabled presets and the operator's vendors. By
// default every built-in preset that is not opt-in is enabled; Presets
// adds (opt-in ones too, or moves one to another category),
// PresetsDisabled removes, and presets_default none starts from none.
func Vendors(cfg *config.Config) ([]trackers.Vendor, error) {
	var vendors []trackers.Vendor
	added := map[string]config.PresetConfig{}
	for _, p := range cfg.Presets {
		added[p.Name] = p
	}
	for _, v := range trackers.Presets() {
		p, named := added[v.Name]
		switch {
		case slices.Contains(cfg.PresetsDisabled, v.Name):
			continue
		case named:
		case cfg.PresetsDefault == config.PresetsNone || optIn(v):
			continue
		}
		if p.Category != "" {
			v.Category = p.Category
			for i := range v.BlockRules {
				v.BlockRules[i].Category = p.Category
			}
		}
		vendors = append(vendors, v)
	}
	for _, p := range cfg.Presets {
		if _, ok := trackers.Preset(p.Name); !ok {
			return nil, fmt.Errorf("consent: preset %s: unknown preset; known presets: %s", p.Name, strings.Join(trackers.PresetNames(), ", "))
		}
	}
	for _, vc := range cfg.Vendors {
		v := trackers.Vendor{Name: vc.Name, Title: vc.Title, Category: vc.Category, Cookies: vc.Cookies,
			ScriptHosts: vc.ScriptHosts, ScriptPaths: vc.ScriptPaths, PixelHosts: vc.PixelHosts, PixelPaths: vc.PixelPaths,
			InlineSignatures: vc.InlineSignatures, EmbedHosts: vc.EmbedHosts}
		if v.Title == "" {
			v.Title = v.Name
		}
		for _, b := range vc.Blocks {
			v.BlockRules = append(v.BlockRules, blockRule(b, vc.Category))
		}
		if err := v.Validate(); err != nil {
			return nil, fmt.Errorf("consent: vendor %s: %v", vc.Name, err)
		}
		vendors = append(vendors, v)
	}
	return vendors, nil
}

func blockRule(b config.BlockRuleConfig, category string) trackers.BlockRule {
	if b.Category != "" {
		category = b.Category
	}
	name := b.Name
	if name == "" {
		name = b.Path
	}
	return trackers.BlockRule{Name: name, Category: category, Path: b.Path, Query: b.Query, Method: b.Method, Response: b.Response}
}

// compileTrackers builds the blocker, the tag neutralizer and Consent Mode.
func (e *Engine) compileTrackers() error {
	rules := trackers.BlockRulesOf(e.vendors)
	for _, b := range e.cfg.Blocks {
		rules = append(rules, blockRule(b, ""))
	}
	for _, r := range rules {
		if _, ok := e.pol.Index(r.Category); !ok {
			return fmt.Errorf("consent: block %s: unknown category %q", r.Path, r.Category)
		}
	}
	if len(rules) > 0 {
		b, err := trackers.NewBlocker(rules)
		if err != nil {
			return fmt.Errorf("consent: block: %v", err)
		}
		e.blocker = b
	}
	// Only vendors with tags to find in HTML need the tag path.
	var tagged []trackers.Vendor
	for _, v := range e.vendors {
		if len(v.ScriptHosts)+len(v.PixelHosts)+len(v.InlineSignatures)+len(v.EmbedHosts) > 0 {
			tagged = append(tagged, v)
			if !slices.Contains(e.tagCategories, v.Category) {
				e.tagCategories = append(e.tagCategories, v.Category)
			}
		}
	}
	if len(tagged) > 0 {
		n, err := trackers.NewNeutralizer(tagged, trackers.Options{YouTubeNoCookie: e.cfg.YouTubeNoCookie, EmbedPlaceholder: e.cfg.EmbedPlaceholder,
			PlaceholderText: e.placeholderText})
		if err != nil {
			return fmt.Errorf("consent: presets: %v", err)
		}
		e.neutralizer = n
	}
	for _, v := range e.vendors {
		switch v.Name {
		case "microsoft-uet":
			e.signals.UET = true
		case "clarity":
			e.signals.Clarity = true
		}
	}
	if cm := e.cfg.ConsentMode; cm != nil {
		// The operator's signals replace the defaults one by one; the
		// others keep their default mapping, so no signal is ever left
		// undeclared (Google treats an undeclared signal as not controlled).
		e.consentMode = trackers.DefaultConsentModeMapping()
		for signal, cats := range cm.Mapping {
			e.consentMode[signal] = cats
		}
		for signal, cats := range e.consentMode {
			for _, c := range cats {
				if _, ok := e.pol.Index(c); !ok {
					return fmt.Errorf("consent: consent_mode %s: unknown category %q; this configuration has %s", signal, c, strings.Join(e.pol.Names(e.pol.AllSet()), ", "))
				}
			}
		}
	}
	return nil
}

// GrantedList is the names of the categories in s, comma-separated in
// policy order (the {http.consent.categories} placeholder). The sets of a
// visitor without consent, with full consent and with full consent under
// GPC are joined once, at New.
func (e *Engine) GrantedList(s policy.Set) string {
	if i := e.joinedIndex(s); i >= 0 {
		return e.joined[i].list
	}
	return strings.Join(e.pol.Names(s), ",")
}

// GrantedListValue is GrantedList as an interface value, for APIs that
// take one (Caddy's replacer), without allocating for the cached sets.
func (e *Engine) GrantedListValue(s policy.Set) any {
	if i := e.joinedIndex(s); i >= 0 {
		return e.joined[i].boxed
	}
	return strings.Join(e.pol.Names(s), ",")
}

func (e *Engine) joinedIndex(s policy.Set) int {
	for i := range e.joined {
		if e.joined[i].set == s {
			return i
		}
	}
	return -1
}

// Policy returns the compiled cookie policy.
func (e *Engine) Policy() *policy.Policy { return e.pol }

// Config returns the normalized configuration.
func (e *Engine) Config() *config.Config { return e.cfg }

// Codec returns the consent cookie codec.
func (e *Engine) Codec() *consentcookie.Codec { return e.codec }

// Vendors returns the enabled vendors (presets and the operator's).
func (e *Engine) EnabledVendors() []trackers.Vendor { return e.vendors }

// ConsentMode returns the Consent Mode mapping, nil when off.
func (e *Engine) ConsentMode() trackers.ConsentModeMapping { return e.consentMode }

// BannerOn reports whether the banner (and settings control) may be shown.
func (e *Engine) BannerOn() bool { return e.bannerOn }

// Report reports whether the engine runs in report mode.
func (e *Engine) Report() bool { return e.report }

// OperatorCookies lists, per category, the patterns the operator wrote and
// those of enabled vendors (shown first in the banner).
func (e *Engine) OperatorCookies() map[string][]string { return e.operator }

// Unclassified returns the bounded memory of unclassified cookie names.
func (e *Engine) Unclassified() *Unclassified { return e.unclassified }

// SaleOrShare returns the categories a GPC signal refuses.
func (e *Engine) SaleOrShare() policy.Set { return e.saleOrShare }

// placeholderText is the embed placeholder's words in the visitor's
// language: the operator's `banner text` overrides, else the built-in
// translation (a regional tag falls back to its language, then English);
// category labels as the banner shows them.
func (e *Engine) placeholderText(lang string) trackers.PlaceholderText {
	lang = strings.ToLower(lang)
	base := lang
	if i := strings.IndexByte(base, '-'); i > 0 {
		base = base[:i]
	}
	tx, ok := banner.BuiltinTexts(base)
	if !ok {
		tx, _ = banner.BuiltinTexts("en")
	}
	text := func(key, builtin string) string {
		if b := e.cfg.Banner; b != nil {
			for _, l := range []string{lang, base} {
				if v := b.LangTexts[l][key]; v != "" {
					return v
				}
			}
			if v := b.Texts[key]; v != "" {
				return v
			}
		}
		return builtin
	}
	pt := trackers.PlaceholderText{Notice: text("embed_notice", tx.EmbedNotice), Open: text("embed_open", tx.EmbedOpen), Categories: map[string]string{}}
	for _, c := range e.pol.Categories() {
		label := c.Label
		i := slices.IndexFunc(e.cfg.Categories, func(cc config.CategoryConfig) bool { return cc.Name == c.Name })
		switch {
		case i >= 0 && e.cfg.Categories[i].LangLabels[lang] != "":
			label = e.cfg.Categories[i].LangLabels[lang]
		case i >= 0 && e.cfg.Categories[i].LangLabels[base] != "":
			label = e.cfg.Categories[i].LangLabels[base]
		case i >= 0 && e.cfg.Categories[i].Label != "":
		default:
			if l, _, ok := banner.CategoryText(lang, c.Name); ok {
				label = l
			}
		}
		pt.Categories[c.Name] = label
	}
	return pt
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "…")
	}
	return s
}
