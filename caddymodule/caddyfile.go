package caddymodule

import (
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/consentgate/caddy-consent/caddymodule/consentcookie"
	"github.com/consentgate/caddy-consent/caddymodule/policy"
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
//			label <text>
//			description <text>
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
//			settings_control on|off
//			template <file>
//			stylesheet <file>
//			text [<lang>] <key> <text>
//		}
//		preset <name...> [{ category <name> }]
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
//		cookie_database <file>
//		log_ip_bits <ipv4_bits> <ipv6_bits> | off
//	}
//
// `keys` may be repeated: the first pair signs, every pair verifies.
// Patterns are exact names, globs (`_ga*`) or regular expressions between
// slashes (`/^_pk_id\..*$/`).
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	seen := map[string]bool{}
	once := func(name string) error {
		if seen[name] {
			return d.Errf("%s is set twice; keep one", name)
		}
		seen[name] = true
		return nil
	}
	for d.NextBlock(0) {
		sub := d.Val()
		switch sub {
		case "policy_version", "mode", "endpoint", "unknown_cookies":
			if err := once(sub); err != nil {
				return err
			}
			var val string
			if !d.Args(&val) || d.NextArg() {
				return d.ArgErr()
			}
			switch sub {
			case "policy_version":
				h.PolicyVersion = val
			case "mode":
				if val != ModeEnforce && val != ModeReport {
					return d.Errf("mode %q: use enforce or report", val)
				}
				h.Mode = val
			case "endpoint":
				if !strings.HasPrefix(val, "/") || val == "/" {
					return d.Errf("endpoint %q: use an absolute path such as /_consent", val)
				}
				h.Endpoint = val
			case "unknown_cookies":
				h.UnknownCookies = val
			}
		case "keys":
			var k KeyConfig
			if !d.Args(&k.Hash, &k.Block) || d.NextArg() {
				return d.Errf("keys takes a hash key and a block key, e.g. keys {env.CONSENT_HASH_KEY} {env.CONSENT_BLOCK_KEY}; generate them with \"caddy consent keygen\"")
			}
			if err := checkLiteralKey(d, k.Hash, false); err != nil {
				return err
			}
			if err := checkLiteralKey(d, k.Block, true); err != nil {
				return err
			}
			h.Keys = append(h.Keys, k)
		case "cookie":
			if err := once(sub); err != nil {
				return err
			}
			if d.NextArg() {
				return d.ArgErr()
			}
			c, err := parseCookieBlock(d)
			if err != nil {
				return err
			}
			h.Cookie = c
		case "category":
			c, err := parseCategory(d)
			if err != nil {
				return err
			}
			for _, prev := range h.Categories {
				if prev.Name == c.Name {
					return d.Errf("category %q is declared twice; merge the two blocks", c.Name)
				}
			}
			h.Categories = append(h.Categories, c)
		case "banner":
			if err := once(sub); err != nil {
				return err
			}
			b, err := parseBanner(d)
			if err != nil {
				return err
			}
			h.Banner = b
		case "log_ip_bits":
			if err := once(sub); err != nil {
				return err
			}
			args := d.RemainingArgs()
			switch {
			case len(args) == 1 && args[0] == "off":
				h.LogIPv4Bits, h.LogIPv6Bits = -1, -1
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
				h.LogIPv4Bits, h.LogIPv6Bits = v4, v6
			default:
				return d.Errf("log_ip_bits takes two numbers (IPv4 and IPv6 prefix bits, default 24 48) or off")
			}
		case "preset":
			if err := h.parsePreset(d); err != nil {
				return err
			}
		case "vendor":
			v, err := parseVendor(d)
			if err != nil {
				return err
			}
			h.Vendors = append(h.Vendors, v)
		case "block":
			b, err := parseBlock(d)
			if err != nil {
				return err
			}
			h.Blocks = append(h.Blocks, b)
		case "youtube_nocookie", "keep_csp_hosts", "embed_placeholder":
			if err := once(sub); err != nil {
				return err
			}
			if d.NextArg() {
				return d.ArgErr()
			}
			switch sub {
			case "youtube_nocookie":
				h.YouTubeNoCookie = true
			case "embed_placeholder":
				h.EmbedPlaceholder = true
			default:
				h.KeepCSPHosts = true
			}
		case "gpc":
			if err := once(sub); err != nil {
				return err
			}
			g, err := parseGPC(d)
			if err != nil {
				return err
			}
			h.GPC = g
		case "consent_mode":
			if err := once(sub); err != nil {
				return err
			}
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
			h.ConsentMode = cm
		case "cookie_database":
			if err := once(sub); err != nil {
				return err
			}
			if !d.Args(&h.CookieDatabase) || d.NextArg() {
				return d.Errf("cookie_database takes the path of an Open Cookie Database CSV file")
			}
		default:
			return d.Errf("unknown subdirective %q; consent takes policy_version, mode, endpoint, unknown_cookies, keys, cookie, category, banner, preset, vendor, block, youtube_nocookie, embed_placeholder, keep_csp_hosts, gpc, consent_mode, cookie_database, log_ip_bits", sub)
		}
	}
	return h.checkCategoryRefs(d)
}

// checkLiteralKey rejects a literal key that is too short at adapt time,
// with the line number; placeholders are checked when provisioning.
func checkLiteralKey(d *caddyfile.Dispenser, s string, block bool) error {
	if strings.Contains(s, "{") {
		return nil
	}
	if _, err := consentcookie.ParseKey(s, block); err != nil {
		kind := "hash"
		if block {
			kind = "block"
		}
		return d.Errf("keys: %s key: %v", kind, err)
	}
	return nil
}

// checkCategoryRefs makes sure unknown_cookies names a category that exists.
func (h *Handler) checkCategoryRefs(d *caddyfile.Dispenser) error {
	u := h.UnknownCookies
	if u == "" || u == "strip" || u == "allow" {
		return nil
	}
	for _, c := range policy.DefaultCategories() {
		if c.Name == u {
			for _, cc := range h.Categories {
				if cc.Name == u && cc.Disabled {
					return d.Errf("unknown_cookies %q: that category is turned off", u)
				}
			}
			return nil
		}
	}
	for _, c := range h.Categories {
		if c.Name == u && !c.Disabled {
			return nil
		}
	}
	return d.Errf("unknown_cookies %q: no such category; use strip, allow or the name of a category", u)
}

func parseCookieBlock(d *caddyfile.Dispenser) (*CookieConfig, error) {
	c := new(CookieConfig)
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		sub := d.Val()
		var val string
		if !d.Args(&val) || d.NextArg() {
			return nil, d.ArgErr()
		}
		switch sub {
		case "name":
			if !validCookieName(val) {
				return nil, d.Errf("cookie name %q: use letters, digits, - and _ only", val)
			}
			c.Name = val
		case "max_age":
			dur, err := parseAge(val)
			if err != nil {
				return nil, d.Errf("cookie max_age %q: %v", val, err)
			}
			if dur <= 0 || dur > MaxMaxAge {
				return nil, d.Errf("cookie max_age %q: must be at most 13 months (396d); 6 months (182d) is the usual choice", val)
			}
			c.MaxAge = caddy.Duration(dur)
		case "domain":
			c.Domain = val
		case "path":
			if !strings.HasPrefix(val, "/") {
				return nil, d.Errf("cookie path %q: must start with /", val)
			}
			c.Path = val
		case "same_site":
			v := strings.ToLower(val)
			if v != "lax" && v != "strict" {
				return nil, d.Errf("cookie same_site %q: use lax or strict", val)
			}
			c.SameSite = v
		default:
			return nil, d.Errf("unknown cookie option %q; use name, max_age, domain, path, same_site", sub)
		}
	}
	return c, nil
}

// parseAge accepts Go and Caddy durations (12h, 182d) and months (6mo).
func parseAge(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "mo"); ok {
		months, err := strconv.Atoi(n)
		if err != nil {
			return 0, err
		}
		return time.Duration(months) * (30*24*time.Hour + 9*time.Hour + 36*time.Minute), nil // 30.4 days a month
	}
	return caddy.ParseDuration(s)
}

func parseCategory(d *caddyfile.Dispenser) (CategoryConfig, error) {
	var c CategoryConfig
	if !d.NextArg() {
		return c, d.Errf("category needs a name, e.g. category analytics { … }")
	}
	c.Name = d.Val()
	if !validCategoryName(c.Name) {
		return c, d.Errf("category name %q: use 1-32 lower-case letters, digits, - or _", c.Name)
	}
	if d.NextArg() {
		if d.Val() != "off" || d.NextArg() {
			return c, d.Errf("category %s: after the name only \"off\" may follow (to remove a built-in category)", c.Name)
		}
		c.Disabled = true
		if d.NextBlock(d.Nesting()) {
			return c, d.Errf("category %s off takes no block", c.Name)
		}
		return c, nil
	}
	opts := map[string]bool{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		sub := d.Val()
		if opts[sub] && sub != "cookies" {
			return c, d.Errf("category %s: %s is set twice", c.Name, sub)
		}
		opts[sub] = true
		args := d.RemainingArgs()
		one := func() (string, error) {
			if len(args) != 1 {
				return "", d.Errf("category %s: %s takes one value", c.Name, sub)
			}
			return args[0], nil
		}
		var err error
		switch sub {
		case "label":
			c.Label, err = one()
		case "description":
			c.Description, err = one()
		case "cookies":
			if len(args) == 0 {
				return c, d.Errf("category %s: cookies needs at least one name or pattern", c.Name)
			}
			for _, a := range args {
				if _, perr := policy.ParsePattern(a); perr != nil {
					return c, d.Errf("category %s: %v", c.Name, perr)
				}
			}
			c.Cookies = append(c.Cookies, args...)
		case "replace_cookies", "required":
			if len(args) != 0 {
				return c, d.Errf("category %s: %s takes no value", c.Name, sub)
			}
			if sub == "required" {
				c.Required = true
			} else {
				c.ReplaceCookies = true
			}
		case "cookie_domain":
			c.CookieDomain, err = one()
		case "cookie_path":
			c.CookiePath, err = one()
			if err == nil && !strings.HasPrefix(c.CookiePath, "/") {
				err = d.Errf("category %s: cookie_path must start with /", c.Name)
			}
		case "sale_or_share":
			v := true
			if len(args) == 1 && (args[0] == "off" || args[0] == "false") {
				v = false
			} else if len(args) > 1 || (len(args) == 1 && args[0] != "on" && args[0] != "true") {
				return c, d.Errf("category %s: sale_or_share takes on or off", c.Name)
			}
			c.SaleOrShare = &v
		default:
			return c, d.Errf("category %s: unknown option %q; use label, description, cookies, replace_cookies, cookie_domain, cookie_path, required, sale_or_share", c.Name, sub)
		}
		if err != nil {
			return c, err
		}
	}
	return c, nil
}

func validCategoryName(s string) bool {
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

func parseBanner(d *caddyfile.Dispenser) (*BannerConfig, error) {
	b := new(BannerConfig)
	if d.NextArg() {
		if d.Val() != "off" || d.NextArg() {
			return nil, d.Errf("banner: only \"off\" may follow the word banner")
		}
		b.Disabled = true
		return b, nil
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		sub := d.Val()
		args := d.RemainingArgs()
		one := func() (string, error) {
			if len(args) != 1 {
				return "", d.Errf("banner: %s takes one value", sub)
			}
			return args[0], nil
		}
		var err error
		switch sub {
		case "notice_url":
			b.NoticeURL, err = one()
		case "default_lang":
			b.DefaultLang, err = one()
		case "template":
			b.TemplateFile, err = one()
		case "stylesheet":
			b.StylesheetFile, err = one()
		case "settings_control":
			var v string
			v, err = one()
			if err == nil {
				switch v {
				case "on":
				case "off":
					b.NoSettingsControl = true
				default:
					err = d.Errf("banner: settings_control takes on or off")
				}
			}
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
				err = d.Errf("banner: text takes [<lang>] <key> <text>, e.g. text title \"Cookies\" or text de title \"Cookies\"")
			}
		default:
			err = d.Errf("banner: unknown option %q; use notice_url, default_lang, settings_control, template, stylesheet, text", sub)
		}
		if err != nil {
			return nil, err
		}
	}
	return b, nil
}

// parsePreset reads `preset <name...>` or `preset <name> { category <c> }`.
func (h *Handler) parsePreset(d *caddyfile.Dispenser) error {
	names := d.RemainingArgs()
	if len(names) == 0 {
		return d.Errf("preset needs at least one name; known presets: %s", strings.Join(trackers.PresetNames(), ", "))
	}
	for _, n := range names {
		if _, ok := trackers.Preset(n); !ok {
			return d.Errf("unknown preset %q; known presets: %s", n, strings.Join(trackers.PresetNames(), ", "))
		}
		for _, p := range h.Presets {
			if p.Name == n {
				return d.Errf("preset %q is enabled twice", n)
			}
		}
	}
	var category string
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		if d.Val() != "category" || len(names) != 1 {
			return d.Errf("preset block: only `category <name>` may be set, for one preset at a time")
		}
		if !d.Args(&category) || d.NextArg() {
			return d.ArgErr()
		}
	}
	for _, n := range names {
		h.Presets = append(h.Presets, PresetConfig{Name: n, Category: category})
	}
	return nil
}

func parseVendor(d *caddyfile.Dispenser) (VendorConfig, error) {
	var v VendorConfig
	if !d.Args(&v.Name) || d.NextArg() {
		return v, d.Errf("vendor needs a name, e.g. vendor mytracker { … }")
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		sub := d.Val()
		args := d.RemainingArgs()
		if sub == "block" {
			if len(args) < 1 || len(args) > 2 {
				return v, d.Errf("vendor %s: block takes a path and optionally a response (gif or 204)", v.Name)
			}
			b := BlockRuleConfig{Path: args[0]}
			if len(args) == 2 {
				b.Response = args[1]
			}
			v.Blocks = append(v.Blocks, b)
			continue
		}
		if len(args) == 0 {
			return v, d.Errf("vendor %s: %s needs a value", v.Name, sub)
		}
		switch sub {
		case "title":
			v.Title = strings.Join(args, " ")
		case "category":
			v.Category = args[0]
		case "cookies":
			for _, a := range args {
				if _, err := policy.ParsePattern(a); err != nil {
					return v, d.Errf("vendor %s: %v", v.Name, err)
				}
			}
			v.Cookies = append(v.Cookies, args...)
		case "script_hosts":
			v.ScriptHosts = append(v.ScriptHosts, args...)
		case "script_paths":
			v.ScriptPaths = append(v.ScriptPaths, args...)
		case "pixel_hosts":
			v.PixelHosts = append(v.PixelHosts, args...)
		case "pixel_paths":
			v.PixelPaths = append(v.PixelPaths, args...)
		case "inline_signatures":
			v.InlineSignatures = append(v.InlineSignatures, args...)
		case "embed_hosts":
			v.EmbedHosts = append(v.EmbedHosts, args...)
		default:
			return v, d.Errf("vendor %s: unknown option %q; use title, category, cookies, script_hosts, script_paths, pixel_hosts, pixel_paths, inline_signatures, embed_hosts, block", v.Name, sub)
		}
	}
	if v.Category == "" {
		return v, d.Errf("vendor %s: set its category, e.g. category analytics", v.Name)
	}
	return v, nil
}

// parseBlock reads `block <category> <path> { query <k> <v>; method <m>; response gif|204; name <n> }`.
func parseBlock(d *caddyfile.Dispenser) (BlockRuleConfig, error) {
	var b BlockRuleConfig
	if !d.Args(&b.Category, &b.Path) || d.NextArg() {
		return b, d.Errf("block takes a category and a path (glob or /regexp/), e.g. block analytics /collect")
	}
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
			return b, d.Errf("block %s: use query <key> <value|*>, method <method>, response gif|204, name <name>", b.Path)
		}
	}
	return b, nil
}

func parseGPC(d *caddyfile.Dispenser) (*GPCConfig, error) {
	g := new(GPCConfig)
	if d.NextArg() {
		if d.Val() != "off" || d.NextArg() {
			return nil, d.Errf("gpc: only \"off\" may follow the word gpc")
		}
		g.Disabled = true
		return g, nil
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		if d.Val() != "well_known" {
			return nil, d.Errf("gpc: unknown option %q; use well_known [<last update YYYY-MM-DD>]", d.Val())
		}
		g.WellKnown = true
		if d.NextArg() {
			g.LastUpdate = d.Val()
		}
		if d.NextArg() {
			return nil, d.ArgErr()
		}
	}
	return g, nil
}

// Interface guards
var _ caddyfile.Unmarshaler = (*Handler)(nil)
