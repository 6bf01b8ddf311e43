package enforce

import (
	"net/http"
	"time"

	"github.com/consentgate/caddy-consent/caddymodule/consentheader"
	"github.com/consentgate/caddy-consent/caddymodule/policy"
	"github.com/consentgate/caddy-consent/caddymodule/region"
	"github.com/consentgate/caddy-consent/caddymodule/urltrack"
)

// Request-side duties beyond cookies: the regional consent profile, ad
// click identifiers in the URL, and the signed consent context header.

// regional is the compiled part of the configuration for these duties.
type regional struct {
	resolver *region.Resolver             // nil: no region configured (everyone EU opt-in, nothing recorded)
	regionOf func(r *http.Request) string // set by the adapter: resolves the configured placeholder
	urls     *urltrack.Cleaner            // nil: url_tracking off
	signer   *consentheader.Signer        // nil: no context header
	header   string                       // its name
	pre      map[string]policy.Set        // profile -> categories allowed before a choice
	tagHeld  map[string]policy.Set        // profile -> of those, categories whose third-party tags still wait
	models   map[string]region.Model      // profile -> its consent model
}

func (e *Engine) compileRegional() error {
	cfg := e.cfg
	e.rg.pre = map[string]policy.Set{}
	e.rg.tagHeld = map[string]policy.Set{}
	e.rg.models = map[string]region.Model{}
	if cfg.Region != nil {
		res, err := region.NewResolver(cfg.Region.Profiles)
		if err != nil {
			return err
		}
		e.rg.resolver = res
		for name, p := range region.Builtin() {
			e.rg.models[name] = p.Model
			var s policy.Set
			for _, c := range p.PreChoice {
				if i, ok := e.pol.Index(c); ok && !e.pol.Categories()[i].Required {
					s |= 1 << uint(i)
				}
			}
			e.rg.pre[name] = s
			if p.FirstPartyOnly {
				e.rg.tagHeld[name] = s
			}
		}
	}
	if u := cfg.URLTracking; u == nil || !u.Disabled {
		cat := "advertising"
		var extra []string
		if u != nil {
			extra = u.Params
			if u.Category != "" {
				cat = u.Category
			}
		}
		if _, ok := e.pol.Index(cat); ok {
			params := urltrack.DefaultParams()
			for i := range params {
				params[i].Category = cat
			}
			for _, p := range extra {
				params = append(params, urltrack.Param{Name: p, Category: cat})
			}
			c, err := urltrack.New(params)
			if err != nil {
				return err
			}
			e.rg.urls = c
		}
	}
	return nil
}

// SetRegionSource tells the engine how to read the visitor's region from a
// request (the adapter resolves the configured placeholder). Call it once,
// before serving.
func (e *Engine) SetRegionSource(fn func(r *http.Request) string) { e.rg.regionOf = fn }

// SetContextKey turns on the consent context header with the resolved key.
func (e *Engine) SetContextKey(key []byte) error {
	s, err := consentheader.NewSigner(key)
	if err != nil {
		return err
	}
	e.rg.signer, e.rg.header = s, e.cfg.ContextHeader.Name
	return nil
}

// ContextHeaderName is the consent context header's name ("" when off).
func (e *Engine) ContextHeaderName() string { return e.rg.header }

// RegionsOn reports whether regional profiles are configured.
func (e *Engine) RegionsOn() bool { return e.rg.resolver != nil }

// profileFor resolves the visitor's profile; without a region
// configuration it is "" and nothing about regions is recorded.
func (e *Engine) profileFor(r *http.Request) (profile region.Profile, code string) {
	if e.rg.resolver == nil {
		return region.Profile{}, ""
	}
	v := ""
	if e.rg.regionOf != nil {
		v = e.rg.regionOf(r)
	}
	return e.rg.resolver.Resolve(v)
}

// preChoice applies a profile to a visitor without a valid consent.
func (e *Engine) preChoice(v *Visitor) {
	v.Granted |= e.rg.pre[v.Profile]
	v.TagHeld = e.rg.tagHeld[v.Profile]
}

// cleanURL decides which click identifiers leave the request URL.
func (e *Engine) cleanURL(r *http.Request, d *Decision) {
	if e.rg.urls == nil || r.URL == nil || r.URL.RawQuery == "" {
		return
	}
	q, removed := e.rg.urls.Clean(r.URL.RawQuery, func(c string) bool {
		i, ok := e.pol.Index(c)
		return ok && d.Granted.Has(i)
	})
	if removed != nil {
		d.CleanQuery, d.QueryChanged, d.RemovedParams = q, true, removed
	}
}

// contextValue is the signed consent context header for the upstream.
func (e *Engine) contextValue(d *Decision, now time.Time) string {
	if e.rg.signer == nil {
		return ""
	}
	return e.rg.signer.Sign(consentheader.Context{
		Categories:    e.pol.Names(d.Granted &^ d.TagHeld),
		FirstParty:    firstParty(e, d),
		GPC:           d.GPC,
		Region:        d.Region,
		Profile:       d.Profile,
		PolicyVersion: e.cfg.PolicyVersion,
		ConsentID:     d.ConsentID(),
		HasConsent:    d.HasConsent,
		IssuedAt:      now.Unix(),
	})
}

// OptOut reports whether the visitor's profile is opt-out (US): optional
// categories are on until the visitor opts out.
func (d *Decision) OptOut() bool {
	return d.Profile != "" && d.e.rg.models[d.Profile] == region.OptOut
}

// BeforeChoiceAllowed reports whether, without a choice, the visitor's
// profile already allows optional categories (UK, US): the banner then
// shows them switched on, as they are.
func (d *Decision) BeforeChoiceAllowed() bool {
	return !d.HasConsent && d.Profile != "" && d.e.rg.models[d.Profile] != region.OptIn
}

// ApplyRequest applies the request side of an enforce-mode decision to the
// request the upstream will see: refused cookies and Cookie2 removed, click
// identifiers removed from the URL, the consent context header set (and a
// client's own copy of it removed). In report mode it changes nothing.
func (d *Decision) ApplyRequest(r *http.Request) {
	if d.Report {
		return
	}
	if d.CookieChanged {
		if d.CookieLines == nil {
			r.Header.Del("Cookie")
		} else {
			r.Header["Cookie"] = d.CookieLines
		}
	}
	if d.DropCookie2 {
		r.Header.Del("Cookie2")
	}
	if d.QueryChanged {
		r.URL.RawQuery = d.CleanQuery
		r.RequestURI = r.URL.RequestURI()
	}
	if name := d.e.rg.header; name != "" {
		r.Header.Del(name)
		if d.ContextHeader != "" {
			r.Header.Set(name, d.ContextHeader)
		}
	}
}

func firstParty(e *Engine, d *Decision) []string {
	if d.TagHeld&d.Granted == 0 {
		return nil
	}
	return e.pol.Names(d.Granted & d.TagHeld)
}
