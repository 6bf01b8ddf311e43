package cookieheader

import (
	"net"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// expiredAttrs is appended to every expiry line: Max-Age=0 for current
// browsers, an Expires date in the past for old ones.
const expiredAttrs = "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"

// Expire returns Set-Cookie values that delete cookie name: one host-only
// (with Path=path, "/" when empty) and, when domain is not "", one with
// Domain=domain, since a browser deletes a cookie only when name, domain
// and path all match the stored one. Each carries Max-Age=0 and an Expires
// in the past, and "Secure" when secure is true (pass true on HTTPS).
//
// Cookie name prefixes are honoured (compared case-insensitively, as
// browsers do): a "__Host-" cookie gets only the host-only line, with
// Path=/ and Secure; a "__Secure-" cookie always gets Secure.
//
// Expire returns nil when the name cannot be written safely in a header
// (empty, or containing control characters, ';', '=', or leading or
// trailing whitespace). It drops a domain or replaces a path that could not
// be written safely, so no input can inject attributes or headers.
func Expire(name, domain, path string, secure bool) []string {
	if !safeName(name) {
		return nil
	}
	if hasPrefixFold(name, "__Host-") {
		return []string{name + "=; Path=/" + expiredAttrs + "; Secure"}
	}
	if hasPrefixFold(name, "__Secure-") {
		secure = true
	}
	if path == "" || path[0] != '/' || !safeAttr(path) {
		path = "/"
	}
	tail := expiredAttrs
	if secure {
		tail += "; Secure"
	}
	out := []string{name + "=; Path=" + path + tail}
	if domain != "" && safeDomain(domain) {
		out = append(out, name+"=; Domain="+domain+"; Path="+path+tail)
	}
	return out
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// safeName accepts names a browser could have stored and that cannot break
// a Set-Cookie line: not only tokens, since request cookies may carry names
// such as "cart[1]" that browsers accept.
func safeName(name string) bool {
	if name == "" || trimSpace(name) != name {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == 0x7f || c == ';' || c == '=' {
			return false
		}
	}
	return true
}

func safeAttr(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == ';' {
			return false
		}
	}
	return true
}

func safeDomain(d string) bool {
	h := strings.TrimPrefix(d, ".")
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// RegistrableDomain returns the registrable domain (eTLD+1, by the Public
// Suffix List including its private section, as browsers use it) of host,
// lower-cased, e.g. "example.co.uk" for "www.Example.co.uk:8443". A port and
// a trailing dot are ignored. It returns "" when a domain cookie would not
// work: IP addresses, "localhost" and names under it, single-label hosts,
// and hosts that are themselves public suffixes ("co.uk", "github.io").
func RegistrableDomain(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "" || net.ParseIP(host) != nil || !strings.Contains(host, ".") {
		return ""
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return ""
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return ""
	}
	return d
}
