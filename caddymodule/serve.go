package caddymodule

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/consentgate/caddy-consent/caddymodule/audit"
	"github.com/consentgate/caddy-consent/caddymodule/consentcookie"
	"github.com/consentgate/caddy-consent/caddymodule/cookieheader"
	"github.com/consentgate/caddy-consent/caddymodule/policy"
)

// visitor is what the gateway knows about the visitor of one request.
type visitor struct {
	consent    consentcookie.Consent
	hasConsent bool          // a valid consent for the current policy version
	granted    policy.Set    // categories allowed for this request
	secure     bool          // the request came over HTTPS
	gpc        bool          // Sec-GPC: 1
	refused    []string      // refused cookie names the browser sent (for expiry)
	formerID   [16]byte      // consent ID of a valid cookie for an older notice
	audit      audit.Request // fields every event carries (see fields)

	req          *http.Request
	h            *Handler
	clientFilled bool
}

// fields returns the fields every event carries. The client address and
// browser family are worked out on the first event only: most requests
// log nothing, and they should not pay for it.
func (v *visitor) fields() []zap.Field {
	if !v.clientFilled && v.req != nil {
		v.audit.ClientIP = audit.AnonymizeIP(v.req.RemoteAddr, v.h.LogIPv4Bits, v.h.LogIPv6Bits)
		v.audit.Browser = audit.BrowserFamily(v.req.UserAgent())
		v.clientFilled = true
	}
	return v.audit.Fields()
}

// ServeHTTP implements caddyhttp.MiddlewareHandler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	if h.isEndpoint(r.URL.Path) {
		return h.serveEndpoint(w, r)
	}
	if h.serveGPC(w, r) {
		return nil
	}
	v := h.visitorFor(r)
	h.setPlaceholders(r, v)
	if h.block(w, r, v) {
		return nil
	}
	h.filterRequestCookies(r, v)
	if h.bannerEnabled() && wantsDocument(r) {
		// Ask the upstream for an uncompressed page so the banner can be
		// inserted without decoding; `encode` compresses our output.
		// Pages that arrive compressed anyway are decoded (gzip, zstd).
		r.Header.Set("Accept-Encoding", "identity")
	}

	rw := h.wrap(w, r, v)
	defer rw.close(http.ErrAbortHandler) // idempotent; stops the body decoder when next panics (reverse_proxy's abort)
	err := next.ServeHTTP(rw, r)
	if cerr := rw.close(err); err == nil {
		err = cerr
	}
	// Trailers are added to the header map after the body (see the
	// plugin guide §3.3 item 12); scrub Set-Cookie there once more.
	h.scrubTrailers(w.Header(), v)
	return err
}

// visitorFor decodes the consent cookie. Anything wrong with it means "no
// consent" and is logged with the reason, never an error page.
func (h *Handler) visitorFor(r *http.Request) *visitor {
	v := &visitor{
		secure:  r.TLS != nil,
		gpc:     r.Header.Get("Sec-GPC") == "1" && (h.GPC == nil || !h.GPC.Disabled),
		granted: h.policy.RequiredSet(),
	}
	v.audit = audit.Request{
		PolicyVersion: h.PolicyVersion,
		Mode:          h.Mode,
		Host:          r.Host,
		Path:          r.URL.Path,
		GPC:           v.gpc,
	}
	v.req, v.h = r, h
	values := h.readConsentCookies(r, v.secure)
	if len(values) == 0 {
		return v
	}
	// Several consent cookies (a header with duplicates, or host-only and
	// domain cookies of the same name) must never widen consent: all must
	// be valid, and only what every one of them grants is granted.
	granted := h.policy.AllSet()
	for _, value := range values {
		c, ok := h.decodeConsent(value, v)
		if !ok {
			return v
		}
		set, _ := h.policy.SetOf(knownNames(h, c.Granted))
		granted &= set | h.policy.RequiredSet()
		if !v.hasConsent || c.IssuedAt.After(v.consent.IssuedAt) {
			v.consent = c
		}
		v.hasConsent = true
	}
	v.audit.ConsentID = v.consent.IDString()
	v.granted |= granted
	if v.gpc {
		v.granted &^= h.saleOrShareSet()
	}
	return v
}

// decodeConsent verifies one consent cookie value; a failure is logged
// with its reason and means no consent.
func (h *Handler) decodeConsent(value string, v *visitor) (consentcookie.Consent, bool) {
	c, _, err := h.codec.Decode(value, time.Now())
	if err == nil {
		err = consentcookie.CheckPolicy(c, h.PolicyVersion)
	}
	if err == nil {
		return c, true
	}
	reason := "malformed"
	var de *consentcookie.DecodeError
	if errors.As(err, &de) {
		reason = string(de.Reason)
	}
	fields := append(v.fields(), zap.String("reason", reason))
	if reason == string(consentcookie.ReasonExpired) && c.ID != ([16]byte{}) {
		// The signature was good and the consent simply ran out: record
		// that the visitor is back to necessary only, under their ID.
		h.logger.Info(audit.ConsentRecorded, append(v.fields(),
			zap.String("action", audit.ActionExpired),
			zap.String("expired_consent_id", c.IDString()),
			zap.Strings("granted", h.policy.Names(h.policy.RequiredSet())),
			zap.Strings("denied", h.policy.Names(h.policy.AllSet()&^h.policy.RequiredSet())),
			zap.Strings("previously_granted", c.Granted),
			zap.Time("issued_at", c.IssuedAt),
		)...)
		v.formerID = c.ID
	}
	if reason == string(consentcookie.ReasonOldPolicy) {
		fields = append(fields, zap.String("cookie_policy_version", c.PolicyVersion), zap.String("former_consent_id", c.IDString()))
		// The signature was good: when the visitor chooses again under
		// the new notice, the same consent ID links both in the log.
		v.formerID = c.ID
	}
	h.logger.Info(audit.ConsentCookieInvalid, fields...)
	h.countInvalid(reason)
	return c, false
}

// knownNames drops categories a consent mentions that the configuration
// no longer has (a renamed or removed category is simply not granted).
func knownNames(h *Handler, names []string) []string {
	out := names[:0:0]
	for _, n := range names {
		if _, ok := h.policy.Index(n); ok {
			out = append(out, n)
		}
	}
	return out
}

func (h *Handler) saleOrShareSet() policy.Set {
	var s policy.Set
	for i, c := range h.policy.Categories() {
		if c.SaleOrShare && !c.Required {
			s |= 1 << uint(i)
		}
	}
	return s
}

// cookieName is the consent cookie's name for this request: on HTTPS
// without a Domain attribute the __Host- prefix pins it to this host.
func (h *Handler) cookieName(secure bool) string {
	if secure && h.Cookie.Domain == "" && h.Cookie.Path == "/" {
		return "__Host-" + h.Cookie.Name
	}
	return h.Cookie.Name
}

// readConsentCookies returns every value of the consent cookie the
// request carries, in order.
func (h *Handler) readConsentCookies(r *http.Request, secure bool) []string {
	name := h.cookieName(secure)
	var values []string
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

// filterRequestCookies removes cookies the visitor has not allowed from
// the request before the upstream sees it, and remembers refused cookies
// of known categories so the response can expire them.
func (h *Handler) filterRequestCookies(r *http.Request, v *visitor) {
	lines := r.Header["Cookie"]
	if len(lines) == 0 {
		return
	}
	report := h.Mode == ModeReport
	changed := false
	out := lines[:0:0]
	for _, line := range lines {
		var last policy.Decision // the decision keep made, reused by removed
		filtered := cookieheader.FilterCookieHeader(line, func(name string) bool {
			last = h.decide(name, v.granted)
			return last.Allowed
		}, func(name string) {
			d := last
			if d.Known {
				v.refused = append(v.refused, name)
			} else if name != "" {
				h.noteUnclassified(name, v)
			}
			if c := h.logger.Check(zap.InfoLevel, audit.CookieFiltered); c != nil {
				c.Write(append(v.fields(), zap.String("cookie", name), zap.String("category", categoryOrUnknown(d)), zap.Bool("would_only", report))...)
			}
		})
		if filtered != line {
			changed = true
		}
		if filtered != "" {
			out = append(out, filtered)
		}
	}
	if changed && !report {
		if len(out) == 0 {
			r.Header.Del("Cookie")
		} else {
			r.Header["Cookie"] = out
		}
	}
}

func categoryOrUnknown(d policy.Decision) string {
	if d.Known {
		return d.Category
	}
	return "unknown"
}

// setPlaceholders exposes the consent state to other directives:
// {http.consent.id}, {http.consent.categories}, {http.consent.has_consent}.
func (h *Handler) setPlaceholders(r *http.Request, v *visitor) {
	repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	if !ok {
		return
	}
	repl.Set("http.consent.id", v.audit.ConsentID)
	repl.Set("http.consent.categories", strings.Join(h.policy.Names(v.granted), ","))
	repl.Set("http.consent.has_consent", v.hasConsent)
	repl.Set("http.consent.gpc", v.gpc)
}

// forEachCookieName calls fn for every cookie name in a Cookie header.
func forEachCookieName(line string, fn func(name string)) {
	cookieheader.FilterCookieHeader(line, func(name string) bool {
		fn(name)
		return true
	}, func(string) {})
}

// wantsDocument reports whether a request is likely to get an HTML page
// back: a navigation, or a client that asks for text/html.
func wantsDocument(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	switch r.Header.Get("Sec-Fetch-Dest") {
	case "document", "iframe", "frame":
		return true
	case "":
		return strings.Contains(r.Header.Get("Accept"), "text/html")
	}
	return false
}
