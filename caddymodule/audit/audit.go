// Package audit names the events the consent gateway logs and builds the
// fields every event carries, so that auditors can rely on one documented
// schema (see docs/audit-log.md).
//
// Personal data is minimised here, in one place: client IPs are truncated,
// user agents are reduced to a browser family, paths lose their query
// string, and cookie values and keys are never passed in.
package audit

import (
	"hash/maphash"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// SchemaVersion is bumped whenever an event's fields change incompatibly.
const SchemaVersion = 2

// Event names. Since schema 2, what the gateway did to a response is one
// Enforcement event (enforcement.go) or, in summary mode, counted in an
// EnforcementSummary event; CookieStripped, CookieFiltered, CookieExpired,
// RequestBlocked and TagNeutralized are the schema 1 forms, still read by
// `caddy consent audit` in old logs. Every log entry the module writes uses one of them as its
// message, so `jq 'select(.msg=="cookie_stripped")'` finds them all.
const (
	ConsentRecorded      = "consent_recorded"
	CookieStripped       = "cookie_stripped"
	CookieFiltered       = "cookie_filtered"
	CookieExpired        = "cookie_expired"
	RequestBlocked       = "request_blocked"
	TagNeutralized       = "tag_neutralized"
	ConsentCookieInvalid = "consent_cookie_invalid"
	CookieUnclassified   = "cookie_unclassified"
	// TrackerUnclassified ("tracker_unclassified") is declared in cookieattrs.go.
	BannerInjected     = "banner_injected"
	BodyPassedThrough  = "body_passed_through"
	BodyCutShort       = "body_cut_short"
	ConfigWarning      = "config_warning"
	ConsentPostRefused = "consent_post_refused" // a cross-site or Origin-less choice was refused (403)
	KeysGenerated      = "keys_generated"
)

// Actions of a consent_recorded event.
const (
	ActionGrant    = "grant"
	ActionUpdate   = "update"
	ActionWithdraw = "withdraw"
	ActionExpired  = "expired" // a consent reached its max age: back to necessary only
	ActionGPC      = "gpc"     // a Global Privacy Control signal overrode part of a choice
)

// Request is what every event says about the request it belongs to.
type Request struct {
	ConsentID     string // "" when the visitor has no valid consent
	PolicyVersion string
	Mode          string // "enforce" or "report"
	Host          string
	Path          string // without query string
	ClientIP      string // already anonymised
	Browser       string // browser family only
	GPC           bool
	Profile       string // regional consent profile ("" when regions are not configured)
}

// Fields returns the zap fields every event carries.
func (r Request) Fields() []zap.Field {
	f := make([]zap.Field, 0, 10)
	f = append(f,
		zap.Int("schema", SchemaVersion),
		zap.String("consent_id", r.ConsentID),
		zap.String("policy_version", r.PolicyVersion),
		zap.String("mode", r.Mode),
		zap.String("host", r.Host),
		zap.String("path", r.Path),
	)
	if r.ClientIP != "" {
		f = append(f, zap.String("client_ip", r.ClientIP))
	}
	if r.Browser != "" {
		f = append(f, zap.String("browser", r.Browser))
	}
	if r.GPC {
		f = append(f, zap.Bool("gpc", true))
	}
	if r.Profile != "" {
		f = append(f, zap.String("profile", r.Profile))
	}
	return f
}

// MarshalLogObject writes the same fields as Fields, in the same order and
// with the same bytes, without building a []zap.Field (use zap.Inline).
func (r *Request) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddInt64("schema", SchemaVersion)
	enc.AddString("consent_id", r.ConsentID)
	enc.AddString("policy_version", r.PolicyVersion)
	enc.AddString("mode", r.Mode)
	enc.AddString("host", r.Host)
	enc.AddString("path", r.Path)
	if r.ClientIP != "" {
		enc.AddString("client_ip", r.ClientIP)
	}
	if r.Browser != "" {
		enc.AddString("browser", r.Browser)
	}
	if r.GPC {
		enc.AddBool("gpc", true)
	}
	if r.Profile != "" {
		enc.AddString("profile", r.Profile)
	}
	return nil
}

// AnonymizeIP truncates an address to its network: IPv4 to bits4 (24 by
// default), IPv6 to bits6 (48 by default). remoteAddr may carry a port.
// bits <= 0 means "do not log the address at all" and returns "".
func AnonymizeIP(remoteAddr string, bits4, bits6 int) string {
	host := remoteAddr
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		host = h
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	addr = addr.Unmap()
	bits := bits6
	if addr.Is4() {
		bits = bits4
	}
	if bits <= 0 {
		return ""
	}
	if bits > addr.BitLen() {
		bits = addr.BitLen()
	}
	p, err := addr.Prefix(bits)
	if err != nil {
		return ""
	}
	var buf [64]byte // one allocation (the string), not two
	return string(p.AppendTo(buf[:0]))
}

// BrowserFamily reduces a User-Agent to a coarse family name, enough to
// tell an auditor what kind of client it was and nothing more.
//
// Most requests carry one of a few User-Agent strings; the answers for
// recent ones are kept in a small direct-mapped table (64 slots, the last
// string seen per slot), so a repeated User-Agent costs a hash and a
// comparison instead of a dozen substring searches.
func BrowserFamily(ua string) string {
	if ua == "" {
		return ""
	}
	if len(ua) > maxCachedUA {
		return browserFamily(ua)
	}
	slot := &uaCache[maphash.String(uaSeed, ua)%uint64(len(uaCache))]
	if e := slot.Load(); e != nil && e.ua == ua {
		return e.family
	}
	f := browserFamily(ua)
	slot.Store(&uaEntry{ua: strings.Clone(ua), family: f})
	return f
}

const maxCachedUA = 512

type uaEntry struct{ ua, family string }

var (
	uaSeed  = maphash.MakeSeed()
	uaCache [64]atomic.Pointer[uaEntry]
)

func browserFamily(ua string) string {
	switch {
	case ua == "":
		return ""
	case strings.Contains(ua, "bot") || strings.Contains(ua, "Bot") || strings.Contains(ua, "spider") || strings.Contains(ua, "crawl"):
		return "bot"
	case strings.Contains(ua, "Edg/"):
		return "Edge"
	case strings.Contains(ua, "OPR/") || strings.Contains(ua, "Opera"):
		return "Opera"
	case strings.Contains(ua, "Firefox/"):
		return "Firefox"
	case strings.Contains(ua, "Chrome/") || strings.Contains(ua, "Chromium/") || strings.Contains(ua, "HeadlessChrome"):
		return "Chrome"
	case strings.Contains(ua, "Safari/"):
		return "Safari"
	case strings.HasPrefix(ua, "curl/"):
		return "curl"
	case strings.HasPrefix(ua, "Go-http-client"):
		return "Go"
	}
	return "other"
}
