// Package csp adjusts a page's Content-Security-Policy so that the
// gateway's own banner script and stylesheet load, without weakening the
// policy for anything else.
//
// The banner's assets are same-origin files under the gateway's endpoint,
// so most policies already allow them through 'self'. When a policy does
// not, the gateway adds a nonce source for this response only and puts the
// same nonce on its <script> and <link> tags. Nonces only ever admit
// elements that carry them, so adding one admits exactly the banner.
package csp

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
)

// Adjust rewrites one serialized policy (the value of a
// Content-Security-Policy or Content-Security-Policy-Report-Only header) so
// that a same-origin script and stylesheet carrying nonce are allowed. It
// returns the new policy and the nonce the banner's tags must carry ("" if
// none is needed). If the policy already names a nonce for a directive
// that needs one, that nonce is reused and the policy is left as it is.
//
// With inlineScript the banner also needs an inline <script> (Google
// Consent Mode's default command) to run: a script directive that does not
// already allow inline scripts ('unsafe-inline' without nonces, hashes or
// 'strict-dynamic') then needs the nonce too.
//
// newNonce is called at most once, only when a nonce must be added.
func Adjust(policy string, newNonce func() string, inlineScript bool) (string, string) {
	dirs := parse(policy)
	kinds := []string{"script-src", "style-src"}
	var need []int // directives that must admit the banner by nonce
	nonce := ""
	for _, kind := range kinds {
		i := governing(dirs, kind)
		if i < 0 {
			continue // no restriction on this kind
		}
		srcs := dirs[i].sources
		script := kind == "script-src"
		ok := allowsSameOrigin(srcs, script)
		if script && inlineScript {
			ok = ok && allowsInline(srcs)
		}
		if ok || forbidsAll(srcs) {
			// 'none' stays 'none': the banner works without its
			// script and stylesheet, and the site said no to all.
			continue
		}
		need = append(need, i)
		if nonce == "" {
			nonce = existingNonce(srcs) // reuse the page's own nonce
		}
	}
	if len(need) == 0 {
		return policy, ""
	}
	if nonce == "" {
		nonce = newNonce()
	}
	changed := false
	for _, i := range need {
		srcs := dirs[i].sources
		if existingNonce(srcs) != nonce {
			dirs[i].sources = append(srcs, "'nonce-"+nonce+"'")
			changed = true
		}
	}
	if !changed {
		return policy, nonce
	}
	return serialize(dirs), nonce
}

// governing returns the directive a browser consults for a <script> or
// <link> element: *-src-elem, else *-src, else default-src; -1 if none.
func governing(dirs []directive, kind string) int {
	if i := find(dirs, kind+"-elem"); i >= 0 {
		return i
	}
	if i := find(dirs, kind); i >= 0 {
		return i
	}
	return find(dirs, "default-src")
}

// NewNonce returns 128 random bits, base64 encoded.
func NewNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

type directive struct {
	name    string // lower-cased
	raw     string // as written
	sources []string
}

func parse(policy string) []directive {
	var out []directive
	for _, part := range strings.Split(policy, ";") {
		fields := strings.Fields(part)
		if len(fields) == 0 {
			continue
		}
		out = append(out, directive{name: strings.ToLower(fields[0]), raw: fields[0], sources: fields[1:]})
	}
	return out
}

func serialize(dirs []directive) string {
	parts := make([]string, len(dirs))
	for i, d := range dirs {
		parts[i] = strings.Join(append([]string{d.raw}, d.sources...), " ")
	}
	return strings.Join(parts, "; ")
}

func find(dirs []directive, name string) int {
	for i, d := range dirs {
		if d.name == name {
			return i // the first occurrence wins, as in browsers
		}
	}
	return -1
}

// allowsSameOrigin reports whether the source list admits a same-origin
// external file without a nonce. With 'strict-dynamic' host and 'self'
// sources are ignored for scripts, and a nonce or hash turns off
// 'unsafe-inline' but not 'self', which is what matters here.
func allowsSameOrigin(srcs []string, script bool) bool {
	strict := false
	for _, s := range srcs {
		if strings.EqualFold(s, "'strict-dynamic'") {
			strict = true
		}
	}
	if script && strict {
		return false
	}
	for _, s := range srcs {
		switch strings.ToLower(s) {
		case "'self'", "*":
			return true
		}
	}
	return false
}

// allowsInline reports whether inline scripts run without a nonce:
// 'unsafe-inline' counts only without nonces, hashes and 'strict-dynamic'.
func allowsInline(srcs []string) bool {
	unsafe := false
	for _, s := range srcs {
		l := strings.ToLower(s)
		switch {
		case l == "'unsafe-inline'":
			unsafe = true
		case strings.HasPrefix(l, "'nonce-"), strings.HasPrefix(l, "'sha256-"), strings.HasPrefix(l, "'sha384-"),
			strings.HasPrefix(l, "'sha512-"), l == "'strict-dynamic'":
			return false
		}
	}
	return unsafe
}

func forbidsAll(srcs []string) bool {
	return len(srcs) == 0 || (len(srcs) == 1 && strings.EqualFold(srcs[0], "'none'"))
}

func existingNonce(srcs []string) string {
	for _, s := range srcs {
		if len(s) > len("'nonce-'") && strings.HasPrefix(strings.ToLower(s), "'nonce-") && strings.HasSuffix(s, "'") {
			return s[len("'nonce-") : len(s)-1]
		}
	}
	return ""
}
