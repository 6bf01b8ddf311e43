package policy

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"github.com/consentgate/caddy-consent/caddymodule/cookieheader"
)

// PatternKind says how a Pattern matches cookie names.
type PatternKind int

const (
	// Exact matches one cookie name, compared byte for byte (cookie names
	// are case-sensitive).
	Exact PatternKind = iota
	// Glob matches names where '*' stands for any run of bytes (possibly
	// empty) and '?' for exactly one byte. Nothing else is special: there is
	// no escaping, no character classes. A pattern without '*' or '?' is Exact.
	Glob
	// Regexp is a Go RE2 regular expression written between slashes. It is
	// anchored only as the operator writes it: "/_hj/" matches any name
	// containing "_hj", "/^_hj/" only names starting with it.
	Regexp
)

// String returns "exact", "glob" or "regexp".
func (k PatternKind) String() string {
	switch k {
	case Exact:
		return "exact"
	case Glob:
		return "glob"
	case Regexp:
		return "regexp"
	}
	return fmt.Sprintf("PatternKind(%d)", int(k))
}

// Pattern is how an operator names cookies: an exact name ("_gid"), a glob
// ("_ga*", "_pk_id.*") or a regular expression between slashes ("/^_hj.*$/").
// Build one with ParsePattern; the zero value matches nothing.
type Pattern struct {
	Source string      // as the operator wrote it
	Kind   PatternKind // how Source is interpreted

	// For Glob: the literal bytes before the first wildcard, and the rest of
	// the pattern (starting with a wildcard) compiled for fast matching.
	prefix string
	rest   globRest

	// For Regexp: the compiled expression and the literal prefix every
	// matching name must start with ("" when the expression is not anchored
	// at the start or starts with something other than a literal).
	re       *regexp.Regexp
	rePrefix string
}

// ParsePattern parses one cookie pattern. Errors name the pattern and say how
// to fix it.
//
// Exact names and globs may only contain the bytes allowed in a cookie name
// (HTTP token characters: letters, digits and !#$%&'*+-.^_`|~) plus '?'.
// Because '*' and '?' are wildcards, a name containing a literal '*' can be
// matched only with a regular expression, which may match anything.
func ParsePattern(s string) (Pattern, error) {
	if s == "" {
		return Pattern{}, fmt.Errorf(`cookie pattern "" : empty; write a cookie name such as "_gid", a glob such as "_ga*" or a regular expression between slashes such as "/^_hj.*$/"`)
	}
	if s[0] == '/' {
		return parseRegexp(s)
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c == '?' || isTokenByte(c) {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		hint := "use a regular expression between slashes to match other names"
		if i == len(s)-1 && c == '/' {
			hint = "a regular expression must start and end with a slash"
		}
		if size <= 1 && r == utf8.RuneError {
			return Pattern{}, fmt.Errorf("cookie pattern %q : byte 0x%02x at offset %d cannot appear in a cookie name; cookie names are HTTP tokens (letters, digits and !#$%%&'*+-.^_`|~); %s", s, c, i, hint)
		}
		return Pattern{}, fmt.Errorf("cookie pattern %q : %q at offset %d cannot appear in a cookie name; cookie names are HTTP tokens (letters, digits and !#$%%&'*+-.^_`|~); %s", s, r, i, hint)
	}
	w := strings.IndexAny(s, "*?")
	if w < 0 {
		return Pattern{Source: s, Kind: Exact}, nil
	}
	return Pattern{Source: s, Kind: Glob, prefix: s[:w], rest: compileGlobRest(s[w:])}, nil
}

func parseRegexp(s string) (Pattern, error) {
	if len(s) < 2 || s[len(s)-1] != '/' {
		body := s[1:]
		if body == "" {
			body = "^name$"
		}
		return Pattern{}, fmt.Errorf("cookie pattern %q : regular expression has no closing slash; write it between two slashes, e.g. %q", s, "/"+body+"/")
	}
	body := s[1 : len(s)-1]
	if body == "" {
		return Pattern{}, fmt.Errorf(`cookie pattern %q : empty regular expression; write RE2 syntax between the slashes, e.g. "/^_hj.*$/"`, s)
	}
	re, err := regexp.Compile(body)
	if err != nil {
		return Pattern{}, fmt.Errorf("cookie pattern %q : bad regular expression: %v; write RE2 syntax between slashes", s, err)
	}
	return Pattern{Source: s, Kind: Regexp, re: re, rePrefix: AnchoredLiteralPrefix(body)}, nil
}

// AnchoredLiteralPrefix returns the literal string every text matched by
// expr must start with, when expr is anchored at the start of text
// ("^abc..."). It is meant as a pre-filter, so "" (no pre-filter) is
// always safe.
func AnchoredLiteralPrefix(expr string) string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return ""
	}
	re = re.Simplify()
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 || re.Sub[0].Op != syntax.OpBeginText {
		return ""
	}
	var b strings.Builder
	for _, sub := range re.Sub[1:] {
		if sub.Op != syntax.OpLiteral || sub.Flags&syntax.FoldCase != 0 {
			break
		}
		b.WriteString(string(sub.Rune))
	}
	return b.String()
}

// Match reports whether name matches p. It does not allocate for exact and
// glob patterns. The classifier in Policy does not call it; it is for tools
// and tests.
func (p *Pattern) Match(name string) bool {
	switch p.Kind {
	case Exact:
		return p.Source != "" && name == p.Source
	case Glob:
		return p.Source != "" && strings.HasPrefix(name, p.prefix) && p.rest.match(name[len(p.prefix):])
	case Regexp:
		return p.re != nil && strings.HasPrefix(name, p.rePrefix) && p.re.MatchString(name)
	}
	return false
}

// isTokenByte reports whether c may appear in a cookie name.
func isTokenByte(c byte) bool { return cookieheader.IsTokenByte(c) }

// ValidCookieName reports whether name is a non-empty HTTP token, the syntax
// RFC 6265 allows for cookie names.
func ValidCookieName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !isTokenByte(name[i]) {
			return false
		}
	}
	return true
}
