package caddymodule

import (
	"net"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/consentgate/caddy-consent/caddymodule/audit"
	"github.com/consentgate/caddy-consent/caddymodule/cookieheader"
	"github.com/consentgate/caddy-consent/caddymodule/policy"
)

// enforceSetCookies removes, from hdr[key], every Set-Cookie line whose
// cookie the visitor has not allowed (in report mode it only logs). A line
// whose cookie name cannot be parsed is treated as an unknown cookie that
// nobody can consent to: browsers are lenient parsers, so letting it
// through could let a tracker through. It reports whether any line was
// consent-dependent (its fate depends on the visitor's choice).
func (h *Handler) enforceSetCookies(hdr http.Header, key string, v *visitor) (dependent bool) {
	lines := hdr[key]
	if len(lines) == 0 {
		return false
	}
	report := h.Mode == ModeReport
	var kept []string // allocated only once a line is removed
	for n, line := range lines {
		name, ok := cookieheader.SetCookieName(line)
		var d policy.Decision
		if ok {
			d = h.decide(name, v.granted)
		}
		if !ok || !d.Known || !h.required[d.Category] {
			dependent = true
		}
		if d.Allowed {
			if kept != nil {
				kept = append(kept, line)
			}
			continue
		}
		if kept == nil && !report {
			kept = append(make([]string, 0, len(lines)), lines[:n]...)
		}
		if ok && !d.Known {
			h.noteUnclassified(name, v)
		}
		h.countStripped(categoryOrUnknown(d))
		if c := h.logger.Check(zap.InfoLevel, audit.CookieStripped); c != nil {
			fields := append(v.fields(), zap.String("cookie", name), zap.String("category", categoryOrUnknown(d)))
			if !ok {
				fields = append(fields, zap.Bool("malformed", true))
			}
			if report {
				fields = append(fields, zap.Bool("would_only", true))
			}
			c.Write(fields...)
		}
	}
	switch {
	case kept == nil:
		// nothing removed (report mode never removes)
	case len(kept) == 0:
		delete(hdr, key)
	default:
		hdr[key] = kept
	}
	return dependent
}

// noteUnclassified logs the first sighting of a cookie name no category
// names, so operators learn what to classify without a log line per request.
func (h *Handler) noteUnclassified(name string, v *visitor) {
	first, limit := h.unknown.first(name)
	if limit {
		h.logger.Warn(audit.CookieUnclassified, zap.String("note", "too many distinct unclassified cookie names; no longer reporting new ones until the next config load"))
	}
	if first {
		h.logger.Info(audit.CookieUnclassified, append(v.fields(), zap.String("cookie", name), zap.String("applied", h.unknownMode()))...)
	}
}

func (h *Handler) unknownMode() string {
	if h.UnknownCookies == "" {
		return "strip"
	}
	return h.UnknownCookies
}

// maxExpiries bounds the distinct cookies expired by one response.
const maxExpiries = 64

// addExpiries appends Set-Cookie lines that delete the refused cookies the
// browser sent, so withdrawing consent really removes tracking cookies,
// including HttpOnly ones no script can delete. The request's Cookie header
// carries no Domain or Path, so the gateway expires each name host-only and
// on the category's configured domain, or else on the registrable domain
// (where analytics libraries put their cookies by default).
func (h *Handler) addExpiries(hdr http.Header, r *http.Request, v *visitor) bool {
	if len(v.refused) == 0 {
		return false
	}
	host := r.Host
	if hst, _, err := net.SplitHostPort(host); err == nil {
		host = hst
	}
	seen := make(map[string]bool, len(v.refused))
	report := h.Mode == ModeReport
	for _, name := range v.refused {
		if seen[name] {
			continue
		}
		if len(seen) >= maxExpiries {
			// A request can name thousands of cookies; answering each
			// with two expiry lines would amplify it into hundreds of KB
			// of headers. The rest are still filtered from the request
			// and expired on later responses.
			break
		}
		seen[name] = true
		_, primary, known := h.policy.Classify(name)
		if !known {
			continue
		}
		domain, path := h.policy.ExpiryTarget(primary)
		if domain == "" {
			if rd := cookieheader.RegistrableDomain(host); rd != "" && rd != host {
				domain = rd
			}
		}
		if !report {
			for _, line := range cookieheader.Expire(name, domain, path, v.secure) {
				hdr.Add("Set-Cookie", line)
			}
		}
		if c := h.logger.Check(zap.InfoLevel, audit.CookieExpired); c != nil {
			fields := append(v.fields(), zap.String("cookie", name), zap.String("category", h.policy.Categories()[primary].Name))
			if report {
				fields = append(fields, zap.Bool("would_only", true))
			}
			c.Write(fields...)
		}
	}
	return true
}

// scrubTrailers enforces the policy on Set-Cookie lines a handler added
// after the body, as trailers: under the http.TrailerPrefix key, or under
// Set-Cookie itself when the response declared it in its Trailer header.
func (h *Handler) scrubTrailers(hdr http.Header, v *visitor) {
	h.enforceSetCookies(hdr, http.TrailerPrefix+"Set-Cookie", v)
	for _, t := range hdr["Trailer"] {
		for _, name := range strings.Split(t, ",") {
			if http.CanonicalHeaderKey(strings.TrimSpace(name)) == "Set-Cookie" {
				h.enforceSetCookies(hdr, "Set-Cookie", v)
				return
			}
		}
	}
}
