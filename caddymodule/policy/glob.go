package policy

import "strings"

// globRest is the part of a glob from its first wildcard on, compiled to the
// cheapest matcher that is exact for it. None of the matchers allocate.
type globRest struct {
	kind   restKind
	lit    string // for restSuffix and restContains: the literal
	pat    string // for restGeneral: the normalised pattern
	minLen int    // bytes the name must still have: one per '?' and literal byte
}

type restKind uint8

const (
	restAny      restKind = iota // "*": anything
	restSuffix                   // "*lit": ends with lit
	restContains                 // "*lit*": contains lit
	restGeneral                  // anything else, e.g. "?", "*a?b", "*_*_x"
)

// compileGlobRest compiles rest, which starts with '*' or '?'.
func compileGlobRest(rest string) globRest {
	// Collapse runs of '*': "a**b" means the same as "a*b".
	for strings.Contains(rest, "**") {
		rest = strings.ReplaceAll(rest, "**", "*")
	}
	g := globRest{kind: restGeneral, pat: rest}
	for i := 0; i < len(rest); i++ {
		if rest[i] != '*' {
			g.minLen++
		}
	}
	if rest == "*" {
		g.kind = restAny
		return g
	}
	if rest[0] == '*' {
		body := rest[1:]
		if !strings.ContainsAny(body, "*?") {
			g.kind, g.lit = restSuffix, body
			return g
		}
		if inner := body[:len(body)-1]; body[len(body)-1] == '*' && !strings.ContainsAny(inner, "*?") {
			g.kind, g.lit = restContains, inner
			return g
		}
	}
	return g
}

func (g *globRest) match(s string) bool {
	if len(s) < g.minLen {
		return false
	}
	switch g.kind {
	case restAny:
		return true
	case restSuffix:
		return strings.HasSuffix(s, g.lit)
	case restContains:
		return strings.Contains(s, g.lit)
	}
	return GlobMatch(g.pat, s)
}

// GlobMatch reports whether s matches pat, where '*' matches any run of
// bytes (including none, and including '/') and '?' exactly one byte;
// every other byte matches itself, case-sensitively. It is the one glob
// matcher of the gateway: cookie patterns and, through GlobMatchFold,
// same-origin collector paths (package trackers) both use it. It runs in
// O(len(pat)*len(s)) at worst, without recursion or allocation: on a
// mismatch it resumes after the most recent '*', letting that star absorb
// one more byte.
func GlobMatch(pat, s string) bool { return globMatch(pat, s, false) }

// GlobMatchFold is GlobMatch with ASCII letters compared case-insensitively
// (other bytes, UTF-8 included, compare exactly).
func GlobMatchFold(pat, s string) bool { return globMatch(pat, s, true) }

func globMatch(pat, s string, fold bool) bool {
	px, sx := 0, 0
	starPx, starSx := -1, 0
	for px < len(pat) || sx < len(s) {
		if px < len(pat) {
			switch c := pat[px]; c {
			case '*':
				starPx, starSx = px, sx
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			default:
				if sx < len(s) && (s[sx] == c || fold && lowerASCII(s[sx]) == lowerASCII(c)) {
					px++
					sx++
					continue
				}
			}
		}
		if starPx >= 0 && starSx < len(s) {
			starSx++
			px, sx = starPx+1, starSx
			continue
		}
		return false
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
