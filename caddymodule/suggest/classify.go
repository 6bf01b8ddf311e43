package suggest

import (
	"fmt"
	"strings"

	"github.com/consentgate/caddy-consent/caddymodule/policy"
	"github.com/consentgate/caddy-consent/caddymodule/trackers"
)

type classifier struct {
	pol   *policy.Policy // built-in categories with every preset's cookies, and the database
	hosts map[string]trackers.Vendor
}

func newClassifier() *classifier {
	cats := policy.DefaultCategories()
	idx := map[string]int{}
	for i, c := range cats {
		idx[c.Name] = i
	}
	for _, v := range trackers.Presets() {
		if i, ok := idx[v.Category]; ok {
			cats[i].Cookies = append(cats[i].Cookies, v.Cookies...)
		}
	}
	cfg := policy.Config{Categories: cats}
	if db, err := policy.BuiltinCookieDatabase(); err == nil {
		cfg.Database = db
	}
	pol, _, err := policy.Compile(cfg)
	if err != nil {
		pol = nil // the built-ins always compile; without them only heuristics remain
	}
	return &classifier{pol: pol, hosts: presetHosts()}
}

const day = 24 * 3600

func (cl *classifier) cookie(c *Cookie, logged string, randomLike bool) {
	if logged != "" {
		c.Category, c.Source, c.Reason = logged, SourceConfig, "the gateway classified it"
		return
	}
	if cl.pol != nil {
		if _, primary, src := cl.pol.ClassifySource(c.Name); primary >= 0 {
			c.Category = cl.pol.Categories()[primary].Name
			switch src {
			case policy.SourceBuiltin:
				c.Source, c.Reason = SourceBuiltin, "built-in list or vendor preset"
			case policy.SourceDatabase:
				c.Source, c.Reason = SourceDatabase, "Open Cookie Database"
				if f, ok := policy.CookieFacts(c.Name); ok {
					c.Vendor = f.Vendor
					if f.Retention != "" {
						c.Reason += ", retention " + f.Retention
					}
				}
			default:
				c.Source, c.Reason = SourceBuiltin, src.String()
			}
			return
		}
	}
	c.Category, c.Reason = heuristic(c.Name, c.Attributes, randomLike)
	c.Source = SourceHeuristic
	if c.Category == "" {
		c.Source = SourceReview
	}
}

var (
	necessaryHints   = []string{"sess", "sid", "auth", "csrf", "xsrf", "token", "cart", "basket", "login", "remember", "jwt", "checkout", "secure", "lb", "route", "affinity"}
	csrfHints        = []string{"csrf", "xsrf"}
	functionalHints  = []string{"lang", "locale", "language", "theme", "currency", "timezone", "country", "region", "dark", "font", "cookie_notice", "consent"}
	advertisingHints = []string{"ad", "ads", "adv", "gcl", "fbp", "fbc", "pixel", "retarget", "campaign", "affiliate", "aff", "click", "conv", "utm", "ttp", "li", "mkt", "promo", "criteo", "tracking"}
	analyticsHints   = []string{"ga", "stat", "stats", "analytic", "analytics", "metric", "metrics", "visit", "visitor", "uid", "uuid", "cid", "vid", "did", "track", "hj", "pk", "ab", "exp", "test", "variant", "heap", "mp"}
)

// words splits a cookie name into lower-case words at '_', '-', '.' and
// lower-to-upper case changes ("myAppSess" -> my, app, sess).
func words(name string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(name); i++ {
		end := i == len(name)
		sep := !end && (name[i] == '_' || name[i] == '-' || name[i] == '.' || name[i] == '[' || name[i] == ']')
		camel := !end && i > start && name[i] >= 'A' && name[i] <= 'Z' && name[i-1] >= 'a' && name[i-1] <= 'z'
		if end || sep || camel {
			if i > start {
				out = append(out, strings.ToLower(name[start:i]))
			}
			start = i
			if sep {
				start = i + 1
			}
		}
	}
	return out
}

// hint reports the first hint that is a whole word of name or, for hints of
// four letters or more, a part of one ("myappsession" contains "sess").
func hint(ws []string, hints []string) string {
	for _, h := range hints {
		for _, w := range ws {
			if w == h || len(h) >= 4 && strings.Contains(w, h) {
				return h
			}
		}
	}
	return ""
}

func lifetime(a *Attributes) string {
	switch {
	case a == nil:
		return "lifetime unknown"
	case a.LifetimeS < 0:
		return "session cookie"
	case a.LifetimeS == 0:
		return "only ever deleted"
	case a.LifetimeS >= 365*day:
		return fmt.Sprintf("%d days", a.LifetimeS/day)
	case a.LifetimeS >= day:
		return fmt.Sprintf("%d days", a.LifetimeS/day)
	}
	return fmt.Sprintf("%d s", a.LifetimeS)
}

// heuristic suggests a category from a cookie's name and attributes, or ""
// when they say nothing clear.
func heuristic(name string, a *Attributes, randomLike bool) (category, reason string) {
	ws := words(name)
	if h := hint(ws, csrfHints); h != "" {
		return "necessary", fmt.Sprintf("name says %q (anti-forgery token)", h)
	}
	httpOnly := a != nil && a.HTTPOnly
	session := a != nil && a.LifetimeS < 0
	short := a != nil && a.LifetimeS >= 0 && a.LifetimeS <= 30*day
	if h := hint(ws, necessaryHints); h != "" {
		switch {
		case httpOnly && (session || short):
			return "necessary", fmt.Sprintf("name says %q, HttpOnly, %s", h, lifetime(a))
		case httpOnly:
			return "necessary", fmt.Sprintf("name says %q, HttpOnly", h)
		case session:
			return "necessary", fmt.Sprintf("name says %q, session cookie", h)
		case a == nil:
			return "necessary", fmt.Sprintf("name says %q (only seen in requests: check its Set-Cookie)", h)
		}
		// A long-lived cookie scripts can read: not what sessions look like.
	}
	if h := hint(ws, functionalHints); h != "" {
		return "functional", fmt.Sprintf("name says %q (a preference)", h)
	}
	longLived := a == nil || a.LifetimeS > 30*day
	if longLived && !httpOnly {
		why := lifetime(a) + ", readable by scripts"
		if randomLike {
			why += ", random-looking ID"
		}
		if h := hint(ws, advertisingHints); h != "" {
			return "advertising", fmt.Sprintf("name says %q, %s", h, why)
		}
		if h := hint(ws, analyticsHints); h != "" {
			return "analytics", fmt.Sprintf("name says %q, %s", h, why)
		}
		if randomLike && a != nil {
			return "", "long-lived random-looking ID readable by scripts, but the name says nothing: find out who sets it (" + why + ")"
		}
	}
	return "", "nothing to go by: find out who sets it and why"
}

// randomLooking reports whether a cookie value looks like a generated
// identifier: long enough, and mixing digits with letters (or long hex).
// Only the verdict is kept, never the value.
func randomLooking(v string) bool {
	v = strings.Trim(v, `"`)
	if len(v) < 16 {
		return false
	}
	var digits, letters, other int
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letters++
		case c == '.' || c == '-' || c == '_' || c == '%' || c == '=' || c == '+' || c == '/':
		default:
			other++
		}
	}
	return other == 0 && digits >= 4 && (letters >= 4 || digits >= 16)
}

var (
	adHostHints        = []string{"ads", "ad", "adserver", "adservice", "doubleclick", "pixel", "retarget", "criteo", "taboola", "outbrain", "adnxs", "pubads", "syndication", "affiliate", "bidder", "prebid"}
	analyticsHostHints = []string{"analytics", "stats", "stat", "metrics", "metric", "tag", "tags", "tagmanager", "track", "tracking", "tracker", "collect", "collector", "insight", "insights", "telemetry", "beacon", "log", "events", "rum", "heatmap", "replay", "hotjar", "clarity"}
	embedHostHints     = []string{"player", "video", "embed", "maps", "map", "widget", "widgets", "comments"}
)

func (cl *classifier) tracker(t *Tracker) {
	host := strings.ToLower(t.Host)
	for h := host; h != ""; {
		if v, ok := cl.hosts[h]; ok {
			t.Category, t.Source, t.Preset = v.Category, SourceBuiltin, v.Name
			t.Reason = "covered by preset " + v.Name
			if v.OptIn {
				t.Reason += " (opt-in: enable it with preset " + v.Name + ")"
			}
			return
		}
		_, rest, ok := strings.Cut(h, ".")
		if !ok || !strings.Contains(rest, ".") {
			break
		}
		h = rest
	}
	labels := strings.FieldsFunc(host, func(r rune) bool { return r == '.' || r == '-' })
	switch {
	case hint(labels, adHostHints) != "":
		t.Category, t.Source = "advertising", SourceHeuristic
		t.Reason = fmt.Sprintf("host says %q", hint(labels, adHostHints))
	case hint(labels, analyticsHostHints) != "":
		t.Category, t.Source = "analytics", SourceHeuristic
		t.Reason = fmt.Sprintf("host says %q", hint(labels, analyticsHostHints))
	case hint(labels, embedHostHints) != "":
		t.Category, t.Source = "functional", SourceHeuristic
		t.Reason = fmt.Sprintf("host says %q (an embed visitors may want)", hint(labels, embedHostHints))
	default:
		t.Source, t.Reason = SourceReview, "no preset knows this host: a CDN or your own service passes, a tracker needs a vendor block"
	}
}
