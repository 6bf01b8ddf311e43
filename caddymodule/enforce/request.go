package enforce

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/consentgate/caddy-consent/caddymodule/consentcookie"
	"github.com/consentgate/caddy-consent/caddymodule/cookieheader"
	"github.com/consentgate/caddy-consent/caddymodule/policy"
	"github.com/consentgate/caddy-consent/caddymodule/trackers"
)

// Recorder receives what the gateway did (or, in report mode, would do) for
// one response; *audit.EnforcementRecord implements it.
type Recorder interface {
	Stripped(cookie, category string, malformed bool)
	Filtered(cookie, category string)
	Expired(cookie, category string)
	Neutralized(vendor, category, tag string)
	Blocked(rule, category string)
}

type nopRecorder struct{}

func (nopRecorder) Stripped(string, string, bool)      {}
func (nopRecorder) Filtered(string, string)            {}
func (nopRecorder) Expired(string, string)             {}
func (nopRecorder) Neutralized(string, string, string) {}
func (nopRecorder) Blocked(string, string)             {}

// Visitor is what the gateway knows about the visitor of one request.
type Visitor struct {
	Consent    consentcookie.Consent
	HasConsent bool       // every consent cookie sent was valid for the current notice
	Granted    policy.Set // categories allowed for this request (required ones included)
	Secure     bool       // the request came over HTTPS
	GPC        bool       // Sec-GPC: 1, honoured
	FormerID   [16]byte   // consent ID of a validly signed cookie for an older notice or that expired
	// Invalid lists the consent cookies that were refused, with why.
	Invalid []Invalid
	// Profile is the regional consent profile that applied ("" when no
	// region is configured) and Region the region code it was chosen for.
	Profile, Region string
	// TagHeld are categories granted before a choice for the site's own
	// cookies and collectors whose third-party tags still wait for an
	// explicit choice (UK profile).
	TagHeld policy.Set

	// id caches ConsentID for the consent whose ID is idOf.
	id   string
	idOf [16]byte
}

// ConsentID is the visitor's consent ID, "" without a valid consent.
func (v *Visitor) ConsentID() string {
	if !v.HasConsent {
		return ""
	}
	if v.id == "" || v.idOf != v.Consent.ID {
		v.id, v.idOf = v.Consent.IDString(), v.Consent.ID
	}
	return v.id
}

// Invalid is a consent cookie treated as no consent.
type Invalid struct {
	Reason  string                // consentcookie.Reason…, or "malformed"
	Consent consentcookie.Consent // what could be read (a good signature with an old notice or expiry)
}

// Decision is everything the gateway does for one request. The adapter
// applies it (enforce mode) or only logs it (report mode).
type Decision struct {
	e *Engine
	Visitor
	Report bool

	// Blocked is the same-origin collector rule that answers this request
	// instead of the upstream (nil: none).
	Blocked *trackers.BlockRule

	// CookieLines is the request's Cookie header for the upstream after
	// filtering (nil: remove the header); meaningful when CookieChanged.
	CookieLines   []string
	CookieChanged bool
	// DropCookie2 removes the obsolete Cookie2 request header (RFC 2965,
	// which some parsers still read as cookies).
	DropCookie2 bool
	// Refused are the names of refused cookies of known categories the
	// browser sent (expired by the response).
	Refused []string
	// Document: the request asks for a document to show (a navigation or
	// a frame), so the banner may be inserted into an HTML answer.
	Document bool
	// CleanQuery is the query without the click identifiers the visitor
	// has not allowed (RemovedParams, lower-cased names), when QueryChanged.
	CleanQuery    string
	QueryChanged  bool
	RemovedParams []string
	// ContextHeader is the signed consent context for the upstream ("" when off).
	ContextHeader string

	rec Recorder

	// keptBuf holds the Set-Cookie lines FilterSetCookies keeps, once.
	keptBuf  [6]string
	keptUsed bool
}

// Allowed reports whether category is granted for this request's tags
// (third-party scripts, pixels, frames and Consent Mode). It differs from
// Granted only under a profile that allows first-party cookies of a
// category before a choice while its third-party tags wait (UK).
func (d *Decision) Allowed(category string) bool {
	i, ok := d.e.pol.Index(category)
	return ok && (d.Granted&^d.TagHeld)&(policy.Set(1)<<uint(i)) != 0
}

// granted reports whether category is granted for the site's own cookies
// and same-origin collectors.
func (d *Decision) granted(category string) bool {
	i, ok := d.e.pol.Index(category)
	return ok && d.Granted.Has(i)
}

// Engine returns the engine that made the decision.
func (d *Decision) Engine() *Engine { return d.e }

// Decide computes the request side of the decision: the visitor's consent,
// whether a collector rule answers the request, the request cookies to
// drop. rec receives the evidence (nil: none). It never modifies r.
func (e *Engine) Decide(r *http.Request, now time.Time, rec Recorder) *Decision {
	d := new(Decision)
	e.DecideInto(d, r, now, rec)
	return d
}

// DecideInto is Decide into a Decision the caller provides (for instance
// one embedded in its own per-request state, saving an allocation). d is
// overwritten entirely.
func (e *Engine) DecideInto(d *Decision, r *http.Request, now time.Time, rec Recorder) {
	if rec == nil {
		rec = nopRecorder{}
	}
	*d = Decision{e: e, Report: e.report, rec: rec}
	d.Visitor = e.Visitor(r, now)
	d.Document = WantsDocument(r)
	if e.blocker != nil {
		if rule, ok := e.blocker.MatchRequest(r); ok && !d.granted(rule.Category) {
			d.Blocked = rule
			rec.Blocked(rule.Name, rule.Category)
		}
	}
	d.DropCookie2 = len(r.Header["Cookie2"]) > 0
	e.filterCookies(r, d)
	e.cleanURL(r, d)
	d.ContextHeader = e.contextValue(d, now)
}

// Visitor decodes the consent cookies of a request. Anything wrong with any
// of them means no consent (fail closed): several consent cookies (a
// header with duplicates, or host-only and domain cookies of the same
// name) must never widen consent, and an invalid one next to a valid one,
// in either order, shows the banner again.
func (e *Engine) Visitor(r *http.Request, now time.Time) Visitor {
	v := Visitor{
		Secure:  r.TLS != nil,
		GPC:     headerValue(r.Header, "Sec-Gpc") == "1" && (e.cfg.GPC == nil || !e.cfg.GPC.Disabled),
		Granted: e.pol.RequiredSet(),
	}
	profile, code := e.profileFor(r)
	v.Profile, v.Region = profile.Name, code
	var buf [2]string
	values := e.consentValues(buf[:0], r, v.Secure)
	if len(values) == 0 {
		e.preChoice(&v)
		if v.GPC {
			v.Granted &^= e.saleOrShare
		}
		return v
	}
	granted := e.pol.AllSet()
	var newest consentcookie.Consent
	for _, value := range values {
		c, reason := e.decodeConsent(value, now)
		if reason != "" {
			v.Invalid = append(v.Invalid, Invalid{Reason: reason, Consent: c})
			if (reason == string(consentcookie.ReasonExpired) || reason == string(consentcookie.ReasonOldPolicy)) && c.ID != ([16]byte{}) {
				v.FormerID = c.ID
			}
			continue
		}
		granted &= e.knownSet(c.Granted) | e.pol.RequiredSet()
		if newest.ID == ([16]byte{}) || c.IssuedAt.After(newest.IssuedAt) {
			newest = c
		}
	}
	if len(v.Invalid) > 0 {
		if v.FormerID == ([16]byte{}) && newest.ID != ([16]byte{}) {
			v.FormerID = newest.ID // a new choice keeps the visitor's ID
		}
		e.preChoice(&v)
		if v.GPC {
			v.Granted &^= e.saleOrShare
		}
		return v
	}
	v.Consent, v.HasConsent = newest, true
	v.Granted |= granted
	if v.GPC {
		v.Granted &^= e.saleOrShare
	}
	return v
}

func (e *Engine) decodeConsent(value string, now time.Time) (consentcookie.Consent, string) {
	c, _, err := e.codec.Decode(value, now)
	if err == nil {
		err = consentcookie.CheckPolicy(c, e.cfg.PolicyVersion)
	}
	if err == nil {
		return c, ""
	}
	var de *consentcookie.DecodeError
	if errors.As(err, &de) {
		return c, string(de.Reason)
	}
	return c, "malformed"
}

// knownSet is the set of the categories names has that the configuration
// still has (a renamed or removed category is simply not granted).
func (e *Engine) knownSet(names []string) policy.Set {
	var s policy.Set
	for _, n := range names {
		if i, ok := e.pol.Index(n); ok {
			s |= 1 << uint(i)
		}
	}
	return s
}

// CookieName is the consent cookie's name for a request: on HTTPS without
// a Domain attribute the __Host- prefix pins it to this host. A __Host- or
// __Secure- name is never read from a plain HTTP request (a browser only
// stores such cookies from secure origins).
func (e *Engine) CookieName(secure bool) string {
	c := e.cfg.Cookie
	if secure && c.Domain == "" && c.Path == "/" {
		return e.hostCookieName
	}
	return c.Name
}

// consentValues appends the request's consent cookie values to values.
func (e *Engine) consentValues(values []string, r *http.Request, secure bool) []string {
	name := e.CookieName(secure)
	if !secure && (strings.HasPrefix(name, "__Host-") || strings.HasPrefix(name, "__Secure-")) {
		return values
	}
	for _, line := range r.Header["Cookie"] {
		if !strings.Contains(line, name) {
			continue
		}
		for n, val := range cookieheader.Pairs(line) {
			if n == name {
				values = append(values, val)
			}
		}
	}
	return values
}

// isConsentCookie reports whether name is one of the consent cookie's names.
func (e *Engine) isConsentCookie(name string) bool {
	return name == e.cfg.Cookie.Name || name == e.hostCookieName
}

// filterCookies decides which request cookies reach the upstream. Refused
// cookies are dropped and recorded; so is the consent cookie itself: the
// upstream has no use for its encrypted value (apps read the consent state
// from the {http.consent.*} placeholders).
func (e *Engine) filterCookies(r *http.Request, d *Decision) {
	lines := r.Header["Cookie"]
	if len(lines) == 0 {
		return
	}
	var out []string // allocated only once a line changes
	for i, line := range lines {
		var last policy.Decision
		consent := false
		filtered := cookieheader.FilterCookieHeader(line, func(name string) bool {
			if consent = e.isConsentCookie(name); consent {
				return false
			}
			last = e.pol.Decide(name, d.Granted)
			return last.Allowed
		}, func(name string) {
			if consent {
				return
			}
			if last.Known {
				d.Refused = append(d.Refused, name)
			} else if name != "" {
				e.unclassified.Note(name)
			}
			d.rec.Filtered(name, categoryOf(last))
		})
		if filtered != line && !d.CookieChanged {
			d.CookieChanged = true
			out = make([]string, 0, len(lines))
			for _, kept := range lines[:i] {
				if kept != "" {
					out = append(out, kept)
				}
			}
		}
		if d.CookieChanged && filtered != "" {
			out = append(out, filtered)
		}
	}
	if d.CookieChanged && len(out) > 0 {
		d.CookieLines = out
	}
}

func categoryOf(d policy.Decision) string {
	if d.Known && d.Category != "" {
		return d.Category
	}
	if d.Category != "" {
		return d.Category
	}
	return "unknown"
}

// WantsDocument reports whether a request asks for a document the visitor
// will see: Sec-Fetch-Dest document or iframe; from clients that send no
// Sec-Fetch-Dest, a GET that accepts text/html. Requests from htmx, Turbo
// or a script (HX-Request, Turbo-Frame, X-Requested-With) never do: they
// fetch fragments.
func WantsDocument(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	h := r.Header
	if headerValue(h, "Hx-Request") != "" || headerValue(h, "Turbo-Frame") != "" || headerValue(h, "X-Requested-With") != "" {
		return false
	}
	if dest, ok := h["Sec-Fetch-Dest"]; ok {
		switch strings.ToLower(strings.TrimSpace(strings.Join(dest, ""))) {
		case "document", "iframe":
			return true
		}
		return false
	}
	return containsFold(headerValue(h, "Accept"), "text/html")
}

// headerValue is h.Get for a key already in canonical form: Header.Get
// canonicalizes its argument, which allocates for keys such as "Sec-GPC".
func headerValue(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// containsFold reports whether s contains the lower-case ASCII substr,
// ignoring ASCII case in s, without lower-casing a copy of s.
func containsFold(s, substr string) bool {
	n := len(substr)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != substr[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}

// ChoiceSet is the set of categories a choice grants: accept_all grants
// every category, custom the named ones, reject_all and withdraw none;
// required categories are always included.
func (e *Engine) ChoiceSet(choice string, cats []string) (policy.Set, error) {
	granted := e.pol.RequiredSet()
	switch choice {
	case "accept_all":
		granted = e.pol.AllSet()
	case "custom":
		s, err := e.pol.SetOf(cats)
		if err != nil {
			return 0, err
		}
		granted |= s
	}
	return granted, nil
}

// Chose applies a choice just recorded to the decision: the visitor now has
// consent c for granted (narrowed by GPC), and Refused lists the cookies
// the browser sent that the new choice refuses, for Expiries.
func (d *Decision) Chose(r *http.Request, c consentcookie.Consent, granted policy.Set) {
	d.Consent, d.HasConsent = c, true
	d.Granted = granted
	d.TagHeld = 0
	if d.GPC {
		d.Granted &^= d.e.saleOrShare
	}
	d.Refused = d.Refused[:0]
	for _, line := range r.Header["Cookie"] {
		cookieheader.FilterCookieHeader(line, func(name string) bool {
			if pd := d.e.pol.Decide(name, d.Granted); !pd.Allowed && pd.Known {
				d.Refused = append(d.Refused, name)
			}
			return true
		}, func(string) {})
	}
}
