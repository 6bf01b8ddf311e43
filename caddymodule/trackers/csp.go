package trackers

import "strings"

// cspFetchDirectives are the directives RemoveHosts narrows.
var cspFetchDirectives = map[string]bool{
	"script-src": true, "script-src-elem": true, "img-src": true, "connect-src": true,
	"frame-src": true, "child-src": true, "default-src": true,
}

// RemoveHosts removes from a serialized Content-Security-Policy (one header
// value; several policies separated by ',' are handled) every host-source
// expression of script-src, script-src-elem, img-src, connect-src,
// frame-src, child-src and default-src whose hosts all belong to one of
// hosts. hosts uses the Vendor syntax ("www.example.com", or ".example.com"
// for the domain and its subdomains; "*.example.com" and a scheme are
// accepted too). A source is removed when every host it allows is covered:
// "https://*.google-analytics.com" and "region1.google-analytics.com:443/g/"
// by ".google-analytics.com", but "*.google.com" not by "www.google.com". A
// directive left without sources becomes 'none'. Directives that change
// are re-serialized with single spaces; everything else keeps its bytes.
//
// Limits: with 'strict-dynamic' in script-src, browsers ignore host
// sources for scripts, so removing them changes nothing for scripts (a
// nonce-bearing tag manager can still load anything). Broad sources such
// as "https:", "*", "https://*" or a parent domain wildcard are not
// narrowed: removing them would block unrelated content, and CSP has no
// way to subtract a host. A page without CSP gets nothing from this
// function; adding a policy is the caller's decision.
func RemoveHosts(policy string, hosts []string) string {
	if len(hosts) == 0 || policy == "" {
		return policy
	}
	pats := make([]string, 0, len(hosts))
	for _, h := range hosts {
		if p := normalizeHostPattern(h); p != "" {
			pats = append(pats, p)
		}
	}
	var b strings.Builder
	changed := false
	start := 0
	for i := 0; i <= len(policy); i++ {
		if i < len(policy) && policy[i] != ';' && policy[i] != ',' {
			continue
		}
		seg := policy[start:i]
		if out, ok := narrowDirective(seg, pats); ok {
			if !changed {
				b.Grow(len(policy))
				b.WriteString(policy[:start])
				changed = true
			}
			b.WriteString(out)
		} else if changed {
			b.WriteString(seg)
		}
		if changed && i < len(policy) {
			b.WriteByte(policy[i])
		}
		start = i + 1
	}
	if !changed {
		return policy
	}
	return b.String()
}

func isCSPSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// narrowDirective rewrites one directive if it changes.
func narrowDirective(seg string, pats []string) (string, bool) {
	a := 0
	for a < len(seg) && isCSPSpace(seg[a]) {
		a++
	}
	z := len(seg)
	for z > a && isCSPSpace(seg[z-1]) {
		z--
	}
	body := seg[a:z]
	n := 0
	for n < len(body) && !isCSPSpace(body[n]) {
		n++
	}
	name := body[:n]
	if !cspFetchDirectives[strings.ToLower(name)] {
		return "", false
	}
	srcs := strings.FieldsFunc(body[n:], func(r rune) bool { return r < 0x80 && isCSPSpace(byte(r)) })
	kept := srcs[:0:0]
	removed := false
	for _, s := range srcs {
		if sourceCovered(s, pats) {
			removed = true
			continue
		}
		kept = append(kept, s)
	}
	if !removed {
		return "", false
	}
	if len(kept) == 0 {
		kept = append(kept, "'none'")
	}
	return seg[:a] + name + " " + strings.Join(kept, " ") + seg[z:], true
}

// normalizeHostPattern turns "https://*.Example.com/x" into ".example.com".
func normalizeHostPattern(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
	}
	if i := strings.IndexByte(h, '/'); i >= 0 {
		h = h[:i]
	}
	if strings.HasPrefix(h, "*.") {
		h = h[1:]
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" || h == "." || strings.Contains(h, "*") {
		return ""
	}
	return h
}

// sourceCovered reports whether a CSP source expression is a host-source
// whose hosts are all covered by pats.
func sourceCovered(s string, pats []string) bool {
	if s == "" || s[0] == '\'' || s == "*" {
		return false
	}
	h := strings.ToLower(s)
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
	} else if strings.HasSuffix(h, ":") && !strings.ContainsAny(h, "/.") {
		return false // scheme-source such as "https:" or "data:"
	}
	if i := strings.IndexByte(h, '/'); i >= 0 {
		h = h[:i]
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	var target string
	switch {
	case h == "" || h == "*":
		return false
	case strings.HasPrefix(h, "*."):
		target = h[1:] // subdomains of h[2:]
		if strings.Contains(target, "*") {
			return false
		}
	case strings.Contains(h, "*"):
		return false
	default:
		target = h
	}
	for _, p := range pats {
		if hostPatternCovers(p, target) {
			return true
		}
	}
	return false
}
