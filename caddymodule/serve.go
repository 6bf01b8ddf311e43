package caddymodule

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/consentgate/caddy-consent/caddymodule/audit"
	"github.com/consentgate/caddy-consent/caddymodule/config"
	"github.com/consentgate/caddy-consent/caddymodule/consentcookie"
	"github.com/consentgate/caddy-consent/caddymodule/enforce"
)

// exchange is one request: the engine's decision, the evidence it
// accumulates and the fields every event carries.
type exchange struct {
	h      *Handler
	r      *http.Request
	d      *enforce.Decision
	rec    recorder
	audit  audit.Request
	filled bool
	status int
	// passive: report mode for a request enforcing would have answered
	// itself (a blocked collector): the upstream's response is none of
	// enforce mode's business, so nothing about it is recorded.
	passive bool
	// unknownLogged counts tracker_unclassified lines of this response.
	unknownLogged int

	// One allocation per request: the decision, the response writer and
	// its wrapper, and the enforcement event's field live here.
	dec   enforce.Decision
	rw    responseWriter
	wrap  caddyhttp.ResponseWriterWrapper
	event [1]zap.Field
}

// maxLinesPerKind bounds the lines of one event kind a single response may
// write besides its one enforcement event (consent_cookie_invalid,
// cookie_unclassified, tracker_unclassified), whatever the request carries.
const maxLinesPerKind = 4

// recorder is the per-response evidence (one enforcement event) that also
// counts metrics.
type recorder struct {
	audit.EnforcementRecord
	mode string
}

func (r *recorder) Stripped(cookie, category string, malformed bool) {
	strippedCounters.get(category, r.mode, true).Inc()
	r.EnforcementRecord.Stripped(cookie, category, malformed)
}

func (r *recorder) Blocked(rule, category string) {
	blockedCounters.get(category, r.mode, true).Inc()
	r.EnforcementRecord.Blocked(rule, category)
}

func (r *recorder) Neutralized(vendor, category, tag string) {
	if r.mode == ModeEnforce {
		neutralizedCounters.get(category, "", false).Inc()
	}
	r.EnforcementRecord.Neutralized(vendor, category, tag)
}

// fields returns the fields every event carries. The client address and
// browser family are worked out on the first event only: most requests
// log nothing, and they should not pay for it.
func (x *exchange) fields() []zap.Field {
	x.fill()
	return x.audit.Fields()
}

// fill completes the request's audit fields before an event is written.
func (x *exchange) fill() {
	if !x.filled {
		x.audit.ClientIP = audit.AnonymizeIP(x.r.RemoteAddr, x.h.LogIPv4Bits, x.h.LogIPv6Bits)
		x.audit.Browser = audit.BrowserFamily(x.r.UserAgent())
		x.filled = true
	}
	x.audit.ConsentID = x.d.ConsentID()
}

func (h *Handler) newExchange(r *http.Request) *exchange {
	x := &exchange{h: h, r: r, rec: recorder{mode: h.Mode}}
	h.engine.DecideInto(&x.dec, r, time.Now(), &x.rec)
	x.d = &x.dec
	x.audit = audit.Request{PolicyVersion: h.PolicyVersion, Mode: h.Mode, Host: r.Host, Path: r.URL.Path, GPC: x.d.GPC, Profile: x.d.Profile}
	h.logInvalid(x)
	if x.d.HasConsent {
		x.d.ConsentID() // worked out here, so placeholder reads only read
	}
	h.setPlaceholders(r, x)
	return x
}

// ServeHTTP implements caddyhttp.MiddlewareHandler: it gathers the facts,
// asks the engine and applies the decision (enforce mode) or only logs it
// (report mode: nothing a client or the upstream can observe changes).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	if h.isEndpoint(r.URL.Path) {
		return h.serveEndpoint(w, r)
	}
	if h.serveGPC(w, r) {
		return nil
	}
	x := h.newExchange(r)
	d := x.d
	defer h.logEnforcement(x)
	if d.Blocked != nil && !d.Report {
		addVary(w.Header(), "Cookie")
		d.Blocked.Respond(w, r)
		x.status = http.StatusOK
		if d.Blocked.ResponseKind(r) == "204" {
			x.status = http.StatusNoContent
		}
		return nil
	}
	d.ApplyRequest(r) // cookies, Cookie2, click identifiers, context header (nothing in report mode)
	if !d.Report {
		if d.Document && r.Method == http.MethodGet {
			// Ask the upstream (and any `encode` after us) for an
			// uncompressed page so it can be rewritten without
			// decoding; the gateway compresses its output itself for
			// what the client accepts (compress.go). Pages that arrive
			// compressed anyway are decoded.
			askIdentity(r)
		}
	}
	x.passive = d.Report && d.Blocked != nil
	x.wrap.ResponseWriter = w
	x.rw = responseWriter{ResponseWriterWrapper: &x.wrap, x: x}
	rw := &x.rw
	defer rw.close(http.ErrAbortHandler) // idempotent; stops the body decoder when next panics (reverse_proxy's abort)
	err := next.ServeHTTP(rw, r)
	if cerr := rw.close(err); err == nil {
		err = cerr
	}
	// Trailers are added to the header map after the body; scrub
	// Set-Cookie there once more.
	rw.scrubTrailers(w.Header())
	return err
}

// logEnforcement writes the one enforcement event of a response (evidence
// response), or adds it to the summary (evidence summary).
func (h *Handler) logEnforcement(x *exchange) {
	h.logUnclassified(x)
	if x.rec.Empty() {
		return
	}
	switch h.Evidence.Mode {
	case config.EvidenceSummary:
		h.summary.Add(&x.rec.EnforcementRecord, h.Mode)
	case config.EvidenceResponse:
		if c := h.logger.Check(zap.InfoLevel, audit.Enforcement); c != nil {
			x.fill()
			x.event[0] = zap.Inline((*enforcementEvent)(x))
			c.Write(x.event[:]...)
		}
	}
}

// enforcementEvent writes the enforcement event's fields straight into
// the encoder (the request's, the record's, status, would_only): the same
// bytes as the []zap.Field form without building one.
type enforcementEvent exchange

func (ev *enforcementEvent) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	x := (*exchange)(ev)
	_ = x.audit.MarshalLogObject(enc)
	_ = x.rec.EnforcementRecord.MarshalLogObject(enc)
	enc.AddInt64("status", int64(x.status))
	if x.d.Report {
		enc.AddBool("would_only", true)
	}
	return nil
}

// logUnclassified logs the first sighting of cookie names no category
// names, so operators learn what to classify without a line per request.
func (h *Handler) logUnclassified(x *exchange) {
	seen, full := h.engine.Unclassified().TakeSightings()
	if full {
		h.logger.Warn(audit.CookieUnclassified, zap.String("note", "too many distinct unclassified cookie names; no longer reporting new ones until the next config load"))
	}
	applied := h.UnknownCookies
	if applied == "" {
		applied = "strip"
	}
	for _, s := range seen {
		f := append(x.fields(), zap.String("cookie", s.Name), zap.String("applied", applied))
		h.logger.Info(audit.CookieUnclassified, append(f, s.Attrs.Fields()...)...)
	}
}

// logInvalid logs the consent cookies the engine refused, with the reason.
func (h *Handler) logInvalid(x *exchange) {
	for i, inv := range x.d.Invalid {
		if i >= maxLinesPerKind {
			// A request with many consent cookies: count them all, log
			// one line for the rest.
			metrics.invalid.WithLabelValues(inv.Reason).Inc()
			if i == len(x.d.Invalid)-1 {
				h.logger.Info(audit.ConsentCookieInvalid, append(x.fields(), zap.String("reason", "too_many"), zap.Int("more", i+1-maxLinesPerKind))...)
			}
			continue
		}
		c := inv.Consent
		fields := append(x.fields(), zap.String("reason", inv.Reason))
		switch inv.Reason {
		case string(consentcookie.ReasonExpired):
			if c.ID != ([16]byte{}) {
				// The signature was good and the consent ran out: record
				// that the visitor is back to necessary only, under their ID.
				pol := h.policy
				h.logger.Info(audit.ConsentRecorded, append(x.fields(),
					zap.String("action", audit.ActionExpired),
					zap.String("expired_consent_id", c.IDString()),
					zap.Strings("granted", pol.Names(pol.RequiredSet())),
					zap.Strings("denied", pol.Names(pol.AllSet()&^pol.RequiredSet())),
					zap.Strings("previously_granted", c.Granted),
					zap.Time("issued_at", c.IssuedAt))...)
			}
		case string(consentcookie.ReasonOldPolicy):
			fields = append(fields, zap.String("cookie_policy_version", c.PolicyVersion), zap.String("former_consent_id", c.IDString()))
		}
		h.logger.Info(audit.ConsentCookieInvalid, fields...)
		metrics.invalid.WithLabelValues(inv.Reason).Inc()
	}
}

// setPlaceholders exposes the consent state to other directives:
// {http.consent.id}, {http.consent.categories}, {http.consent.has_consent},
// {http.consent.gpc}, {http.consent.profile}, {http.consent.region}. (The
// consent cookie itself is not sent upstream.) One provider answers them
// when a directive asks, instead of six replacer map writes per request,
// most of which nothing reads. A value set with repl.Set under one of
// these names (static values are looked up first) still wins.
func (h *Handler) setPlaceholders(r *http.Request, x *exchange) {
	repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	if !ok {
		return
	}
	repl.Map(x.placeholder)
}

// placeholder is the replacer provider of the {http.consent.*} values.
func (x *exchange) placeholder(key string) (any, bool) {
	name, ok := strings.CutPrefix(key, "http.consent.")
	if !ok {
		return nil, false
	}
	d := x.d
	switch name {
	case "id":
		return d.ConsentID(), true
	case "categories":
		return x.h.engine.GrantedListValue(d.Granted), true
	case "has_consent":
		return d.HasConsent, true
	case "gpc":
		return d.GPC, true
	case "profile":
		return d.Profile, true
	case "region":
		return d.Region, true
	}
	return nil, false
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
