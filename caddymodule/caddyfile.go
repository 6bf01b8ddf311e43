package caddymodule

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/consentgate/caddy-consent/caddymodule/config"
	"github.com/consentgate/caddy-consent/caddymodule/trackers"
)

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	var m Handler
	err := m.UnmarshalCaddyfile(h.Dispenser)
	return &m, err
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	consent [<matcher>] {
//		policy_version <version>
//		mode enforce|report
//		endpoint <path>
//		unknown_cookies strip|allow|<category>
//		keys <hash_key> <block_key>
//		cookie {
//			name <name>
//			max_age <duration>
//			domain <domain>
//			path <path>
//			same_site lax|strict
//		}
//		category <name> [off] {
//			label [<lang>] <text>
//			description [<lang>] <text>
//			cookies <pattern...>
//			replace_cookies
//			cookie_domain <domain>
//			cookie_path <path>
//			required
//			sale_or_share [on|off]
//		}
//		banner [off] {
//			notice_url <url>
//			default_lang <lang>
//			position bottom|box|center
//			settings_control on|off
//			template <file>
//			stylesheet <file>
//			text [<lang>] <key> <text>
//		}
//		presets all|none
//		preset <name...> [{ category <name> }]
//		preset -<name...>
//		vendor <name> {
//			category <name>
//			cookies <pattern...>
//			script_hosts <host...>
//			pixel_hosts <host...>
//			inline_signatures <text...>
//			block <path> [gif|204]
//		}
//		block <category> <path> {
//			query <key> <value|*>
//			method <method>
//			response gif|204
//		}
//		youtube_nocookie
//		embed_placeholder
//		keep_csp_hosts
//		gpc off | gpc { well_known [<YYYY-MM-DD>] }
//		consent_mode [{ <signal> <category...> }]
//		cookie_database off|<file>
//		evidence response|summary [<interval>]|off
//		region <placeholder> [{ <code>|* eu|uk|us ... }]
//		url_tracking off | url_tracking [{ params <name...>; category <name> }]
//		context_header [<name>] { key <key> }
//		log_ip_bits <ipv4_bits> <ipv6_bits> | off
//	}
//
// Every built-in preset that is not opt-in is on by default: `preset`
// adds (opt-in ones too), `preset -<name>` removes one, `presets none`
// starts from none. `keys` may be repeated: the first pair signs, every
// pair verifies. Patterns are exact names, globs (`_ga*`) or regular
// expressions between slashes (`/^_pk_id\..*$/`). The whole block is then
// checked by config.Validate, the same check Provision runs on JSON.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	p := &cfParser{h: h, d: d, seen: map[string]bool{}, where: map[string]string{}}
	for d.NextBlock(0) {
		sub := d.Val()
		fn, ok := subdirectives[sub]
		if !ok {
			return d.Errf("unknown subdirective %q; consent takes %s", sub, strings.Join(subdirectiveNames(), ", "))
		}
		if repeatable[sub] == "" {
			if p.seen[sub] {
				return d.Errf("%s is set twice; keep one", sub)
			}
			p.seen[sub] = true
		}
		line := fmt.Sprintf("%s:%d", d.File(), d.Line())
		if err := fn(p); err != nil {
			return err
		}
		p.where[p.key(sub)] = line
	}
	if err := h.Config.Validate(); err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			if at, ok := p.where[ce.Key]; ok {
				return fmt.Errorf("%w, at %s", err, at)
			}
		}
		return d.WrapErr(err)
	}
	return nil
}

// cfParser carries the state of one consent block: which subdirectives
// were set and where each configuration part was written, so that errors
// found when the whole block is validated name its file and line.
type cfParser struct {
	h     *Handler
	d     *caddyfile.Dispenser
	seen  map[string]bool
	where map[string]string // config.Error.Key -> file:line
	last  string            // the key of the part just parsed
}

// key is the config.Error key of the part the last subdirective wrote.
func (p *cfParser) key(sub string) string {
	if p.last != "" {
		k := p.last
		p.last = ""
		return k
	}
	return sub
}

// repeatable subdirectives may appear several times (value: why).
var repeatable = map[string]string{"keys": "rotation", "category": "one per category", "preset": "several lines",
	"vendor": "one per vendor", "block": "one per rule"}

var subdirectives map[string]func(*cfParser) error

func init() {
	subdirectives = map[string]func(*cfParser) error{
		"policy_version":    func(p *cfParser) error { return p.oneArg(&p.h.PolicyVersion) },
		"mode":              func(p *cfParser) error { return p.checked(p.oneArg(&p.h.Mode), config.CheckMode(p.h.Mode)) },
		"endpoint":          func(p *cfParser) error { return p.checked(p.oneArg(&p.h.Endpoint), config.CheckEndpoint(p.h.Endpoint)) },
		"unknown_cookies":   func(p *cfParser) error { return p.oneArg(&p.h.UnknownCookies) },
		"keys":              (*cfParser).keys,
		"cookie":            (*cfParser).cookie,
		"category":          (*cfParser).category,
		"banner":            (*cfParser).banner,
		"log_ip_bits":       (*cfParser).logIPBits,
		"presets":           (*cfParser).presets,
		"preset":            (*cfParser).preset,
		"vendor":            (*cfParser).vendor,
		"block":             (*cfParser).block,
		"youtube_nocookie":  func(p *cfParser) error { return p.flag(&p.h.YouTubeNoCookie) },
		"embed_placeholder": func(p *cfParser) error { return p.flag(&p.h.EmbedPlaceholder) },
		"keep_csp_hosts":    func(p *cfParser) error { return p.flag(&p.h.KeepCSPHosts) },
		"gpc":               (*cfParser).gpc,
		"consent_mode":      (*cfParser).consentMode,
		"cookie_database":   (*cfParser).cookieDatabase,
		"evidence":          (*cfParser).evidence,
		"region":            (*cfParser).region,
		"url_tracking":      (*cfParser).urlTracking,
		"context_header":    (*cfParser).contextHeader,
	}
}

func subdirectiveNames() []string {
	return []string{"policy_version", "mode", "endpoint", "unknown_cookies", "keys", "cookie", "category", "banner",
		"presets", "preset", "vendor", "block", "youtube_nocookie", "embed_placeholder", "keep_csp_hosts", "gpc",
		"consent_mode", "cookie_database", "evidence", "region", "url_tracking", "context_header", "log_ip_bits"}
}

// checked returns the parse error, else the validation error at this line.
func (p *cfParser) checked(parseErr, err error) error {
	if parseErr != nil {
		return parseErr
	}
	return p.wrap(err)
}

// wrap adds the current file and line to a validation error.
func (p *cfParser) wrap(err error) error {
	if err == nil {
		return nil
	}
	return p.d.WrapErr(err)
}

func (p *cfParser) oneArg(dst *string) error {
	if !p.d.Args(dst) || p.d.NextArg() {
		return p.d.ArgErr()
	}
	return nil
}

func (p *cfParser) flag(dst *bool) error {
	if p.d.NextArg() {
		return p.d.ArgErr()
	}
	*dst = true
	return nil
}

func (p *cfParser) keys() error {
	var k KeyConfig
	if !p.d.Args(&k.Hash, &k.Block) || p.d.NextArg() {
		return p.d.Errf("keys takes a hash key and a block key, e.g. keys {env.CONSENT_HASH_KEY} {env.CONSENT_BLOCK_KEY}; generate them with \"caddy consent keygen\"")
	}
	if err := config.CheckLiteralKey(k.Hash, false); err != nil {
		return p.d.Errf("keys: hash key: %v", err)
	}
	if err := config.CheckLiteralKey(k.Block, true); err != nil {
		return p.d.Errf("keys: block key: %v", err)
	}
	p.h.Keys = append(p.h.Keys, k)
	return nil
}

func (p *cfParser) cookie() error {
	d := p.d
	if d.NextArg() {
		return d.ArgErr()
	}
	c := new(CookieConfig)
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		sub := d.Val()
		var val string
		if !d.Args(&val) || d.NextArg() {
			return d.ArgErr()
		}
		switch sub {
		case "name":
			c.Name = val
		case "max_age":
			dur, err := config.ParseDuration(val)
			if err != nil {
				return d.Errf("cookie max_age: %v", err)
			}
			c.MaxAge = config.Duration(dur)
		case "domain":
			c.Domain = val
		case "path":
			c.Path = val
		case "same_site":
			c.SameSite = strings.ToLower(val)
		default:
			return d.Errf("cookie: unknown option %q; use name, max_age, domain, path, same_site", sub)
		}
		if err := config.CheckCookie(c); err != nil {
			return p.wrap(err)
		}
	}
	p.h.Cookie = c
	return nil
}

func (p *cfParser) category() error {
	d := p.d
	var c CategoryConfig
	if !d.NextArg() {
		return d.Errf("category needs a name, e.g. category analytics { … }")
	}
	c.Name = d.Val()
	p.last = "category " + c.Name
	if d.NextArg() {
		if d.Val() != "off" || d.NextArg() {
			return d.Errf("category %s: after the name only \"off\" may follow (to remove a built-in category)", c.Name)
		}
		c.Disabled = true
		if d.NextBlock(d.Nesting()) {
			return d.Errf("category %s off takes no block", c.Name)
		}
	}
	opts := map[string]bool{}
	for nesting := d.Nesting(); !c.Disabled && d.NextBlock(nesting); {
		sub := d.Val()
		args := d.RemainingArgs()
		key := sub
		if (sub == "label" || sub == "description") && len(args) == 2 {
			key += " " + strings.ToLower(args[0]) // one per language
		}
		if opts[key] && sub != "cookies" {
			return d.Errf("category %s: %s is set twice", c.Name, key)
		}
		opts[key] = true
		if err := parseCategoryOption(d, &c, sub, args); err != nil {
			return err
		}
	}
	if err := config.CheckCategory(c); err != nil {
		return p.wrap(err)
	}
	for _, prev := range p.h.Categories {
		if prev.Name == c.Name {
			return d.Errf("category %q is declared twice; merge the two blocks", c.Name)
		}
	}
	p.h.Categories = append(p.h.Categories, c)
	return nil
}

func parseCategoryOption(d *caddyfile.Dispenser, c *CategoryConfig, sub string, args []string) error {
	one := func(dst *string) error {
		if len(args) != 1 {
			return d.Errf("category %s: %s takes one value", c.Name, sub)
		}
		*dst = args[0]
		return nil
	}
	none := func(dst *bool) error {
		if len(args) != 0 {
			return d.Errf("category %s: %s takes no value", c.Name, sub)
		}
		*dst = true
		return nil
	}
	// label [<lang>] <text>, description [<lang>] <text>
	perLang := func(def *string, byLang *map[string]string) error {
		switch len(args) {
		case 1:
			*def = args[0]
		case 2:
			if *byLang == nil {
				*byLang = map[string]string{}
			}
			(*byLang)[strings.ToLower(args[0])] = args[1]
		default:
			return d.Errf("category %s: %s takes [<lang>] <text>, e.g. %s de \"Statistik\"", c.Name, sub, sub)
		}
		return nil
	}
	switch sub {
	case "label":
		return perLang(&c.Label, &c.LangLabels)
	case "description":
		return perLang(&c.Description, &c.LangDescriptions)
	case "cookie_domain":
		return one(&c.CookieDomain)
	case "cookie_path":
		return one(&c.CookiePath)
	case "required":
		return none(&c.Required)
	case "replace_cookies":
		return none(&c.ReplaceCookies)
	case "cookies":
		if len(args) == 0 {
			return d.Errf("category %s: cookies needs at least one name or pattern", c.Name)
		}
		c.Cookies = append(c.Cookies, args...)
		return nil
	case "sale_or_share":
		v := true
		switch {
		case len(args) == 0 || len(args) == 1 && (args[0] == "on" || args[0] == "true"):
		case len(args) == 1 && (args[0] == "off" || args[0] == "false"):
			v = false
		default:
			return d.Errf("category %s: sale_or_share takes on or off", c.Name)
		}
		c.SaleOrShare = &v
		return nil
	}
	return d.Errf("category %s: unknown option %q; use label, description, cookies, replace_cookies, cookie_domain, cookie_path, required, sale_or_share", c.Name, sub)
}

func (p *cfParser) banner() error {
	d := p.d
	b := new(BannerConfig)
	p.h.Banner = b
	if d.NextArg() {
		if d.Val() != "off" || d.NextArg() {
			return d.Errf("banner: only \"off\" may follow the word banner")
		}
		b.Disabled = true
		return nil
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		if err := parseBannerOption(d, b, d.Val(), d.RemainingArgs()); err != nil {
			return err
		}
		if err := config.CheckBanner(b); err != nil {
			return p.wrap(err)
		}
	}
	return nil
}

func parseBannerOption(d *caddyfile.Dispenser, b *BannerConfig, sub string, args []string) error {
	one := func(dst *string) error {
		if len(args) != 1 {
			return d.Errf("banner %s takes one value", sub)
		}
		*dst = args[0]
		return nil
	}
	switch sub {
	case "notice_url":
		return one(&b.NoticeURL)
	case "default_lang":
		return one(&b.DefaultLang)
	case "template":
		return one(&b.TemplateFile)
	case "stylesheet":
		return one(&b.StylesheetFile)
	case "position":
		return one(&b.Position)
	case "settings_control":
		if len(args) != 1 || (args[0] != "on" && args[0] != "off") {
			return d.Errf("banner settings_control takes on or off")
		}
		b.NoSettingsControl = args[0] == "off"
		return nil
	case "text":
		switch len(args) {
		case 2:
			if b.Texts == nil {
				b.Texts = map[string]string{}
			}
			b.Texts[args[0]] = args[1]
		case 3:
			if b.LangTexts == nil {
				b.LangTexts = map[string]map[string]string{}
			}
			if b.LangTexts[args[0]] == nil {
				b.LangTexts[args[0]] = map[string]string{}
			}
			b.LangTexts[args[0]][args[1]] = args[2]
		default:
			return d.Errf("banner text takes [<lang>] <key> <text>, e.g. text title \"Cookies\" or text de title \"Cookies\"")
		}
		return nil
	}
	return d.Errf("banner: unknown option %q; use notice_url, default_lang, position, settings_control, template, stylesheet, text", sub)
}

func (p *cfParser) logIPBits() error {
	d := p.d
	args := d.RemainingArgs()
	switch {
	case len(args) == 1 && args[0] == "off":
		p.h.LogIPv4Bits, p.h.LogIPv6Bits = -1, -1
	case len(args) == 2:
		v4, err4 := strconv.Atoi(args[0])
		v6, err6 := strconv.Atoi(args[1])
		if err4 != nil || err6 != nil || v4 < 0 || v4 > 32 || v6 < 0 || v6 > 128 {
			return d.Errf("log_ip_bits %s %s: use IPv4 bits 0-32 and IPv6 bits 0-128 (default 24 48), or off", args[0], args[1])
		}
		if v4 == 0 {
			v4 = -1
		}
		if v6 == 0 {
			v6 = -1
		}
		p.h.LogIPv4Bits, p.h.LogIPv6Bits = v4, v6
	default:
		return d.Errf("log_ip_bits takes two numbers (IPv4 and IPv6 prefix bits, default 24 48) or off")
	}
	return nil
}

// presets reads `presets all|none`: the starting set of built-in presets.
func (p *cfParser) presets() error {
	var v string
	if !p.d.Args(&v) || p.d.NextArg() || (v != config.PresetsAll && v != config.PresetsNone) {
		return p.d.Errf("presets takes all (every built-in preset that is not opt-in, the default) or none")
	}
	p.h.PresetsDefault = v
	return nil
}

// preset reads `preset <name...>`, `preset <name> { category <c> }` and
// `preset -<name...>`.
func (p *cfParser) preset() error {
	d, h := p.d, p.h
	at := fmt.Sprintf("%s:%d", d.File(), d.Line())
	names := d.RemainingArgs()
	if len(names) == 0 {
		return d.Errf("preset needs at least one name; known presets: %s", strings.Join(trackers.PresetNames(), ", "))
	}
	var add []string
	for _, n := range names {
		off, removed := strings.CutPrefix(n, "-")
		if _, ok := trackers.Preset(off); !ok {
			return d.Errf("unknown preset %q; known presets: %s", off, strings.Join(trackers.PresetNames(), ", "))
		}
		if removed {
			h.PresetsDisabled = append(h.PresetsDisabled, off)
			continue
		}
		for _, prev := range h.Presets {
			if prev.Name == n {
				return d.Errf("preset %q is enabled twice", n)
			}
		}
		add = append(add, n)
	}
	var category string
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		if d.Val() != "category" || len(add) != 1 || len(names) != 1 {
			return d.Errf("preset block: only `category <name>` may be set, for one preset at a time")
		}
		if !d.Args(&category) || d.NextArg() {
			return d.ArgErr()
		}
	}
	for _, n := range add {
		h.Presets = append(h.Presets, PresetConfig{Name: n, Category: category})
		p.where["preset "+n] = at
	}
	return nil
}

func (p *cfParser) vendor() error {
	d := p.d
	var v VendorConfig
	if !d.Args(&v.Name) || d.NextArg() {
		return d.Errf("vendor needs a name, e.g. vendor mytracker { … }")
	}
	p.last = "vendor " + v.Name
	lists := map[string]*[]string{"cookies": &v.Cookies, "script_hosts": &v.ScriptHosts, "script_paths": &v.ScriptPaths,
		"pixel_hosts": &v.PixelHosts, "pixel_paths": &v.PixelPaths, "inline_signatures": &v.InlineSignatures, "embed_hosts": &v.EmbedHosts}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		sub := d.Val()
		args := d.RemainingArgs()
		switch {
		case sub == "block":
			if len(args) < 1 || len(args) > 2 {
				return d.Errf("vendor %s: block takes a path and optionally a response (gif or 204)", v.Name)
			}
			b := BlockRuleConfig{Path: args[0]}
			if len(args) == 2 {
				b.Response = args[1]
			}
			v.Blocks = append(v.Blocks, b)
		case len(args) == 0:
			return d.Errf("vendor %s: %s needs a value", v.Name, sub)
		case sub == "title":
			v.Title = strings.Join(args, " ")
		case sub == "category":
			v.Category = args[0]
		case lists[sub] != nil:
			*lists[sub] = append(*lists[sub], args...)
		default:
			return d.Errf("vendor %s: unknown option %q; use title, category, cookies, script_hosts, script_paths, pixel_hosts, pixel_paths, inline_signatures, embed_hosts, block", v.Name, sub)
		}
	}
	if v.Category == "" {
		return d.Errf("vendor %s: set its category, e.g. category analytics", v.Name)
	}
	p.h.Vendors = append(p.h.Vendors, v)
	return nil
}

// block reads `block <category> <path> { query <k> <v>; method <m>; response gif|204; name <n> }`.
func (p *cfParser) block() error {
	d := p.d
	var b BlockRuleConfig
	if !d.Args(&b.Category, &b.Path) || d.NextArg() {
		return d.Errf("block takes a category and a path (glob or /regexp/), e.g. block analytics /collect")
	}
	p.last = fmt.Sprintf("block %d", len(p.h.Blocks))
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		sub := d.Val()
		args := d.RemainingArgs()
		switch {
		case sub == "query" && len(args) == 2:
			if b.Query == nil {
				b.Query = map[string]string{}
			}
			b.Query[args[0]] = args[1]
		case sub == "method" && len(args) == 1:
			b.Method = strings.ToUpper(args[0])
		case sub == "response" && len(args) == 1 && (args[0] == "gif" || args[0] == "204"):
			b.Response = args[0]
		case sub == "name" && len(args) == 1:
			b.Name = args[0]
		default:
			return d.Errf("block %s: use query <key> <value|*>, method <method>, response gif|204, name <name>", b.Path)
		}
	}
	p.h.Blocks = append(p.h.Blocks, b)
	return nil
}

func (p *cfParser) gpc() error {
	d := p.d
	g := new(GPCConfig)
	p.h.GPC = g
	if d.NextArg() {
		if d.Val() != "off" || d.NextArg() {
			return d.Errf("gpc: only \"off\" may follow the word gpc")
		}
		g.Disabled = true
		return nil
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		if d.Val() != "well_known" {
			return d.Errf("gpc: unknown option %q; use well_known [<last update YYYY-MM-DD>]", d.Val())
		}
		g.WellKnown = true
		if d.NextArg() {
			g.LastUpdate = d.Val()
		}
		if d.NextArg() {
			return d.ArgErr()
		}
		if err := config.CheckGPC(g); err != nil {
			return p.wrap(err)
		}
	}
	return nil
}

func (p *cfParser) consentMode() error {
	d := p.d
	if d.NextArg() {
		return d.ArgErr()
	}
	cm := &ConsentModeConfig{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		signal := d.Val()
		cats := d.RemainingArgs()
		if len(cats) == 0 {
			return d.Errf("consent_mode %s: name the categories that grant this signal, e.g. ad_storage advertising", signal)
		}
		if cm.Mapping == nil {
			cm.Mapping = map[string][]string{}
		}
		cm.Mapping[signal] = cats
	}
	p.h.ConsentMode = cm
	return nil
}

func (p *cfParser) cookieDatabase() error {
	if !p.d.Args(&p.h.CookieDatabase) || p.d.NextArg() {
		return p.d.Errf("cookie_database takes off (no database) or the path of a newer Open Cookie Database CSV file; without it the built-in copy is used")
	}
	return p.wrap(config.CheckCookieDatabase(p.h.CookieDatabase))
}

// evidence reads `evidence response|summary [<interval>]|off`.
func (p *cfParser) evidence() error {
	d := p.d
	args := d.RemainingArgs()
	if len(args) == 0 || len(args) > 2 || (len(args) == 2 && args[0] != config.EvidenceSummary) {
		return d.Errf("evidence takes response (one event per response, the default), summary [<interval>] or off")
	}
	e := &EvidenceConfig{Mode: args[0]}
	if len(args) == 2 {
		iv, err := config.ParseDuration(args[1])
		if err != nil {
			return d.Errf("evidence summary: %v", err)
		}
		e.Interval = config.Duration(iv)
	}
	p.h.Evidence = e
	return p.wrap(config.CheckEvidence(e))
}

// region reads `region <placeholder> [{ <code>|* <profile> ... }]`.
func (p *cfParser) region() error {
	d := p.d
	r := &config.RegionConfig{}
	if !d.Args(&r.Source) || d.NextArg() {
		return d.Errf("region takes the placeholder of the visitor's country code, e.g. region {http.request.header.CF-IPCountry}")
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		code := d.Val()
		var profile string
		if !d.Args(&profile) || d.NextArg() {
			return d.Errf("region: %s takes one profile name (eu, uk or us), e.g. BR us", code)
		}
		if r.Profiles == nil {
			r.Profiles = map[string]string{}
		}
		r.Profiles[code] = profile
	}
	p.h.Region = r
	return p.wrap(config.CheckRegion(r))
}

// urlTracking reads `url_tracking off` or `url_tracking [{ params …; category … }]`.
func (p *cfParser) urlTracking() error {
	d := p.d
	u := &config.URLTrackingConfig{}
	p.h.URLTracking = u
	if d.NextArg() {
		if d.Val() != "off" || d.NextArg() {
			return d.Errf("url_tracking: only \"off\" may follow the word url_tracking")
		}
		u.Disabled = true
		return nil
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch sub := d.Val(); sub {
		case "params":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("url_tracking params: name the query parameters to remove, e.g. params ref_id clickref")
			}
			u.Params = append(u.Params, args...)
		case "category":
			if !d.Args(&u.Category) || d.NextArg() {
				return d.Errf("url_tracking category takes one category name")
			}
		default:
			return d.Errf("url_tracking: unknown option %q; use params or category", sub)
		}
	}
	return nil
}

// contextHeader reads `context_header [<name>] { key <key> }`.
func (p *cfParser) contextHeader() error {
	d := p.d
	c := &config.ContextHeaderConfig{}
	if d.NextArg() {
		c.Name = d.Val()
		if d.NextArg() {
			return d.ArgErr()
		}
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch sub := d.Val(); sub {
		case "key":
			if !d.Args(&c.Key) || d.NextArg() {
				return d.Errf("context_header key takes one key, e.g. key {env.CONSENT_CONTEXT_KEY}")
			}
		default:
			return d.Errf("context_header: unknown option %q; use key", sub)
		}
	}
	p.h.ContextHeader = c
	return p.wrap(config.CheckContextHeader(c))
}

// Interface guards
var _ caddyfile.Unmarshaler = (*Handler)(nil)
