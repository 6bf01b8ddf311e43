package enforce

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// CheckSameOrigin refuses state-changing requests that a browser marks as
// cross-site, or whose Origin is another origin: another host, port or
// scheme (https://host is refused on plain HTTP). Browsers send Origin on
// every POST; a request with neither Origin nor a same-origin Referer is
// refused too, so that a forged choice cannot be recorded.
func CheckSameOrigin(r *http.Request) error {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return errors.New("cross-site request refused: consent can only be given on this site")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		if !SameOrigin(origin, scheme, r.Host) {
			return errors.New("cross-origin request refused: the Origin header names another site")
		}
		return nil
	}
	if ref := r.Header.Get("Referer"); ref != "" && SameOrigin(ref, scheme, r.Host) {
		return nil
	}
	return errors.New("request without Origin refused: send the Origin header of this site")
}

// SameOrigin reports whether rawURL has the given scheme and host
// (default ports ignored).
func SameOrigin(rawURL, scheme, host string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || u.Scheme != scheme {
		return false
	}
	return strings.EqualFold(stripDefaultPort(u.Host, scheme), stripDefaultPort(host, scheme))
}

func stripDefaultPort(host, scheme string) string {
	if scheme == "https" {
		return strings.TrimSuffix(host, ":443")
	}
	return strings.TrimSuffix(host, ":80")
}

// SafeReturn accepts only a same-origin absolute path; anything else
// (//evil.example, https://other.host/, /\evil, control characters) is "/".
func SafeReturn(s string) string {
	if s == "" || len(s) > 2048 || s[0] != '/' {
		return "/"
	}
	if len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
		return "/"
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return s
}
