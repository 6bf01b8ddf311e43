package caddymodule

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/consentgate/caddy-consent/caddymodule/audit"
	"github.com/consentgate/caddy-consent/caddymodule/policy"
	"github.com/consentgate/caddy-consent/caddymodule/trackers"
)

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

// tracking is the provisioned tracker machinery.
type tracking struct {
	vendors     []trackers.Vendor
	blocker     *trackers.Blocker
	neutralizer *trackers.Neutralizer
	consentMode trackers.ConsentModeMapping
	ocd         *policy.Policy // classification from the Open Cookie Database
	// tagCategories are the categories of vendors with tags in HTML.
	tagCategories []string
	pool          sync.Pool // *trackers.PageRewriter
}

// resolveVendors turns presets and operator vendors into trackers.Vendor
// values and files their cookie patterns under their categories.
func (h *Handler) resolveVendors(cats []policy.Category) ([]trackers.Vendor, []policy.Category, error) {
	var vendors []trackers.Vendor
	for _, p := range h.Presets {
		v, ok := trackers.Preset(p.Name)
		if !ok {
			return nil, nil, fmt.Errorf("consent: unknown preset %q; known presets: %s", p.Name, strings.Join(trackers.PresetNames(), ", "))
		}
		if p.Category != "" {
			v.Category = p.Category
			for i := range v.BlockRules {
				v.BlockRules[i].Category = p.Category
			}
		}
		vendors = append(vendors, v)
	}
	for _, vc := range h.Vendors {
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
			return nil, nil, fmt.Errorf("consent: vendor %s: %v", vc.Name, err)
		}
		vendors = append(vendors, v)
	}
	index := map[string]int{}
	for i, c := range cats {
		index[c.Name] = i
	}
	for _, v := range vendors {
		i, ok := index[v.Category]
		if !ok {
			return nil, nil, fmt.Errorf("consent: preset or vendor %s belongs to category %q, which this configuration does not have; choose one with `preset %s { category <name> }`", v.Name, v.Category, v.Name)
		}
		// Built-in categories already list many vendors' cookies; add only
		// the patterns not there yet, so no duplicate warning is logged.
		for _, p := range v.Cookies {
			if !slices.Contains(cats[i].Cookies, p) {
				cats[i].Cookies = append(cats[i].Cookies, p)
			}
		}
	}
	return vendors, cats, nil
}

func blockRule(b BlockRuleConfig, category string) trackers.BlockRule {
	if b.Category != "" {
		category = b.Category
	}
	name := b.Name
	if name == "" {
		name = b.Path
	}
	return trackers.BlockRule{Name: name, Category: category, Path: b.Path, Query: b.Query, Method: b.Method, Response: b.Response}
}

// provisionTracking builds the blocker, the tag neutralizer, Consent Mode
// and the Open Cookie Database fallback.
func (h *Handler) provisionTracking(vendors []trackers.Vendor) error {
	t := &tracking{vendors: vendors}
	rules := trackers.BlockRulesOf(vendors)
	for _, b := range h.Blocks {
		rules = append(rules, blockRule(b, ""))
	}
	for _, r := range rules {
		if _, ok := h.policy.Index(r.Category); !ok {
			return fmt.Errorf("consent: block %s: unknown category %q", r.Path, r.Category)
		}
	}
	if len(rules) > 0 {
		b, err := trackers.NewBlocker(rules)
		if err != nil {
			return fmt.Errorf("consent: block: %v", err)
		}
		t.blocker = b
	}
	// Only vendors with tags to find in HTML need the (slower) tag path;
	// presets made of same-origin block rules alone do not.
	var tagged []trackers.Vendor
	for _, v := range vendors {
		if len(v.ScriptHosts)+len(v.PixelHosts)+len(v.InlineSignatures)+len(v.EmbedHosts) > 0 {
			tagged = append(tagged, v)
			if !slices.Contains(t.tagCategories, v.Category) {
				t.tagCategories = append(t.tagCategories, v.Category)
			}
		}
	}
	if len(tagged) > 0 {
		n, err := trackers.NewNeutralizer(tagged, trackers.Options{YouTubeNoCookie: h.YouTubeNoCookie, EmbedPlaceholder: h.EmbedPlaceholder})
		if err != nil {
			return fmt.Errorf("consent: presets: %v", err)
		}
		t.neutralizer = n
	}
	if h.ConsentMode != nil {
		t.consentMode = trackers.DefaultConsentModeMapping()
		if len(h.ConsentMode.Mapping) > 0 {
			t.consentMode = trackers.ConsentModeMapping(h.ConsentMode.Mapping)
		}
		for signal, cats := range t.consentMode {
			for _, c := range cats {
				if _, ok := h.policy.Index(c); !ok {
					return fmt.Errorf("consent: consent_mode %s: unknown category %q", signal, c)
				}
			}
		}
	}
	if h.CookieDatabase != "" {
		ocd, err := loadCookieDatabase(h.CookieDatabase, h.policy)
		if err != nil {
			return err
		}
		t.ocd = ocd
	}
	h.tracking = t
	return nil
}

// loadCookieDatabase compiles an Open Cookie Database CSV into a fallback
// classifier over the configured categories: it is consulted only for
// cookies no configured pattern names (the operator's rules always win).
func loadCookieDatabase(file string, pol *policy.Policy) (*policy.Policy, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("consent: cookie_database: %v", err)
	}
	defer f.Close()
	patterns, err := policy.LoadOpenCookieDatabase(f)
	if err != nil {
		return nil, fmt.Errorf("consent: cookie_database %s: %v", file, err)
	}
	byCat := map[string][]string{}
	for p, c := range patterns {
		cat := policy.OpenCookieDatabaseCategory(c)
		if _, ok := pol.Index(cat); !ok {
			cat = "advertising" // most restrictive of the defaults
			if _, ok := pol.Index(cat); !ok {
				continue
			}
		}
		byCat[cat] = append(byCat[cat], p)
	}
	var cats []policy.Category
	for _, c := range pol.Categories() {
		list := byCat[c.Name]
		sort.Strings(list)
		cats = append(cats, policy.Category{Name: c.Name, Label: c.Label, Required: c.Required, Cookies: list, Path: "/"})
	}
	ocd, _, err := policy.Compile(policy.Config{Categories: cats})
	if err != nil {
		return nil, fmt.Errorf("consent: cookie_database %s: %v", file, err)
	}
	return ocd, nil
}

// decide is policy.Decide with the Open Cookie Database as a fallback for
// cookies no configured pattern names.
func (h *Handler) decide(name string, granted policy.Set) policy.Decision {
	d := h.policy.Decide(name, granted)
	if d.Known || h.tracking == nil || h.tracking.ocd == nil {
		return d
	}
	if _, primary, known := h.tracking.ocd.Classify(name); known {
		cat := h.tracking.ocd.Categories()[primary]
		i, _ := h.policy.Index(cat.Name)
		return policy.Decision{Known: true, Category: cat.Name, Allowed: cat.Required || granted&(policy.Set(1)<<uint(i)) != 0}
	}
	return d
}

// allowedFunc reports categories granted for this request.
func (h *Handler) allowedFunc(v *visitor) func(string) bool {
	return func(c string) bool {
		i, ok := h.policy.Index(c)
		return ok && v.granted&(policy.Set(1)<<uint(i)) != 0
	}
}

// block answers a same-origin collection request whose category the
// visitor has not allowed; it reports whether it did.
func (h *Handler) block(w http.ResponseWriter, r *http.Request, v *visitor) bool {
	if h.tracking == nil || h.tracking.blocker == nil {
		return false
	}
	rule, ok := h.tracking.blocker.MatchRequest(r)
	if !ok || h.allowedFunc(v)(rule.Category) {
		return false
	}
	report := h.Mode == ModeReport
	metrics.blocked.WithLabelValues(rule.Category, h.Mode).Inc()
	if c := h.logger.Check(zap.InfoLevel, audit.RequestBlocked); c != nil {
		fields := append(v.fields(), zap.String("rule", rule.Name), zap.String("category", rule.Category))
		if report {
			fields = append(fields, zap.Bool("would_only", true))
		}
		c.Write(fields...)
	}
	if report {
		return false
	}
	addVary(w.Header(), "Cookie")
	rule.Respond(w, r)
	return true
}

// tagRewriter returns the per-response tracker tag rewriter (nil when no
// vendor is configured or every tagged category is allowed). In report
// mode it only reports: see reportOnly.
func (h *Handler) tagRewriter(v *visitor) *trackers.PageRewriter {
	t := h.tracking
	if t == nil || t.neutralizer == nil {
		return nil
	}
	allowed := h.allowedFunc(v)
	refused := false
	for _, c := range t.tagCategories {
		refused = refused || !allowed(c)
	}
	if !refused {
		return nil // every tagged vendor is allowed: nothing to rewrite
	}
	dry := h.Mode == ModeReport
	report := func(vendor, category, tag string) {
		if !dry {
			metrics.neutralized.WithLabelValues(category).Inc()
		}
		if c := h.logger.Check(zap.InfoLevel, audit.TagNeutralized); c != nil {
			fields := append(v.fields(), zap.String("vendor", vendor), zap.String("category", category), zap.String("tag", tag))
			if dry {
				fields = append(fields, zap.Bool("would_only", true))
			}
			c.Write(fields...)
		}
	}
	pr, _ := t.pool.Get().(*trackers.PageRewriter)
	if pr == nil {
		pr = t.neutralizer.Rewriter(allowed, report).(*trackers.PageRewriter)
	} else {
		pr.Reset(t.neutralizer, allowed, report)
	}
	return pr
}

func (h *Handler) releaseTagRewriter(pr *trackers.PageRewriter) {
	if pr != nil {
		pr.Reset(h.tracking.neutralizer, nil, nil)
		h.tracking.pool.Put(pr)
	}
}

// removeRefusedHosts takes the hosts of vendors the visitor has not
// allowed out of the page's Content-Security-Policy fetch directives, so
// the browser refuses even tags a tag manager injects later.
func (h *Handler) removeRefusedHosts(hdr http.Header, v *visitor) {
	// (Report mode changes no header.)
	t := h.tracking
	if t == nil || t.neutralizer == nil || h.KeepCSPHosts || h.Mode == ModeReport {
		return
	}
	hosts := t.neutralizer.CSPHosts(h.allowedFunc(v))
	if len(hosts) == 0 {
		return
	}
	for _, key := range []string{"Content-Security-Policy", "Content-Security-Policy-Report-Only"} {
		for i, val := range hdr[key] {
			hdr[key][i] = trackers.RemoveHosts(val, hosts)
		}
	}
}

// serveGPC answers /.well-known/gpc.json when the operator declared it.
func (h *Handler) serveGPC(w http.ResponseWriter, r *http.Request) bool {
	if h.GPC == nil || !h.GPC.WellKnown || h.GPC.Disabled || r.URL.Path != "/.well-known/gpc.json" {
		return false
	}
	doc := map[string]any{"gpc": true}
	if h.GPC.LastUpdate != "" {
		doc["lastUpdate"] = h.GPC.LastUpdate
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_ = json.NewEncoder(w).Encode(doc)
	}
	return true
}

// reportOnly runs a tag rewriter for its tag_neutralized reports but keeps
// every byte of the page (report mode changes nothing).
type reportOnly struct{ *trackers.PageRewriter }

func (r reportOnly) RewriteTag(name string, raw []byte) []byte {
	r.PageRewriter.RewriteTag(name, raw)
	return nil
}

func (r reportOnly) RewriteText(name string, startTag, text []byte) []byte {
	r.PageRewriter.RewriteText(name, startTag, text)
	return nil
}

func (r reportOnly) RewriteElement(name string, startTag, text []byte) ([]byte, []byte) {
	r.PageRewriter.RewriteElement(name, startTag, text)
	return nil, nil
}
