package audit

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

// TrackerUnclassified is the message of the event logged (once per host,
// rate-limited by the caller) when a page loads a script, pixel or frame
// from a third-party host no preset knows. Fields: "tracker_host", "tag",
// plus the request's fields (whose "path" is the page's path).
const TrackerUnclassified = "tracker_unclassified"

// Where a cookie was seen, in the "seen_in" field of cookie_unclassified.
const (
	SeenInSetCookie = "set_cookie"
	SeenInRequest   = "request"
)

// CookieAttrs are the attributes of a cookie that make a category
// suggestion possible. The value is never kept.
type CookieAttrs struct {
	SeenIn   string // SeenInSetCookie or SeenInRequest
	HttpOnly bool
	Secure   bool
	SameSite string // "Strict", "Lax", "None" or "" when absent
	// Lifetime in seconds from Max-Age (which wins) or Expires; -1 when the
	// cookie lives for the browser session; 0 when it deletes the cookie.
	Lifetime int64
	Domain   string
	Path     string
}

// RequestCookieAttrs is what a request Cookie header says about a cookie:
// only that the browser sent it back.
func RequestCookieAttrs() CookieAttrs { return CookieAttrs{SeenIn: SeenInRequest, Lifetime: -1} }

// SetCookieAttrs reads the attributes of one Set-Cookie line, ignoring its
// name and value. now is the time Expires is measured from. Unknown or
// malformed attributes are ignored, as browsers do.
func SetCookieAttrs(line string, now time.Time) CookieAttrs {
	a := CookieAttrs{SeenIn: SeenInSetCookie, Lifetime: -1}
	semi := strings.IndexByte(line, ';')
	if semi < 0 {
		return a
	}
	rest := line[semi+1:]
	haveMaxAge := false
	for rest != "" {
		var part string
		if i := strings.IndexByte(rest, ';'); i >= 0 {
			part, rest = rest[:i], rest[i+1:]
		} else {
			part, rest = rest, ""
		}
		key, val, _ := strings.Cut(part, "=")
		key = strings.TrimSpace(key)
		switch len(key) { // every attribute name below has one of these lengths
		case 4, 6, 7, 8:
		default:
			continue
		}
		val = strings.TrimSpace(val)
		switch {
		case strings.EqualFold(key, "HttpOnly"):
			a.HttpOnly = true
		case strings.EqualFold(key, "Secure"):
			a.Secure = true
		case strings.EqualFold(key, "SameSite"):
			switch {
			case strings.EqualFold(val, "strict"):
				a.SameSite = "Strict"
			case strings.EqualFold(val, "lax"):
				a.SameSite = "Lax"
			case strings.EqualFold(val, "none"):
				a.SameSite = "None"
			}
		case strings.EqualFold(key, "Domain"):
			a.Domain = clip(strings.ToLower(strings.TrimPrefix(val, ".")))
		case strings.EqualFold(key, "Path"):
			a.Path = clip(val)
		case strings.EqualFold(key, "Max-Age"):
			if n, err := strconv.ParseInt(val, 10, 64); err == nil {
				haveMaxAge = true
				a.Lifetime = max(n, 0)
			}
		case strings.EqualFold(key, "Expires"):
			if haveMaxAge {
				continue
			}
			if t, err := http.ParseTime(val); err == nil {
				a.Lifetime = max(int64(t.Sub(now)/time.Second), 0)
			}
		}
	}
	return a
}

// Fields returns the attributes as event fields: "seen_in" always;
// "http_only", "secure" true only when set; "same_site", "domain", "path"
// when present; "lifetime_s" (seconds) or "session": true.
func (a CookieAttrs) Fields() []zap.Field {
	f := make([]zap.Field, 0, 7)
	f = append(f, zap.String("seen_in", a.SeenIn))
	if a.SeenIn == SeenInRequest {
		return f
	}
	if a.HttpOnly {
		f = append(f, zap.Bool("http_only", true))
	}
	if a.Secure {
		f = append(f, zap.Bool("secure", true))
	}
	if a.SameSite != "" {
		f = append(f, zap.String("same_site", a.SameSite))
	}
	if a.Lifetime < 0 {
		f = append(f, zap.Bool("session", true))
	} else {
		f = append(f, zap.Int64("lifetime_s", a.Lifetime))
	}
	if a.Domain != "" {
		f = append(f, zap.String("domain", a.Domain))
	}
	if a.Path != "" {
		f = append(f, zap.String("path_attr", a.Path))
	}
	return f
}
