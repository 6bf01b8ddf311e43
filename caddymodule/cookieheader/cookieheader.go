// Package cookieheader reads and rewrites Cookie and Set-Cookie header
// values without net/http's allocations: names are returned as substrings of
// the input, and a Cookie header from which nothing is removed is returned
// as the very same string. It knows nothing about Caddy or consent.
//
// Parsing follows what browsers do (RFC 6265bis) rather than the strict
// grammar: pairs are separated by ';' (quotes do not protect a ';'),
// whitespace around names and values is ignored, empty pairs are skipped,
// and a pair without '=' is a cookie with an empty name.
package cookieheader

import (
	"iter"
	"strings"
)

// SetCookieName extracts the cookie name from one Set-Cookie header value:
// the bytes before the first '=' of the first ';'-separated part, without
// surrounding spaces and tabs. It does not allocate.
//
// ok is false for a malformed line: no '=' before the first ';', an empty
// name, a name that is not an HTTP token (RFC 6265), or any control
// character other than tab anywhere in the line. Callers treat such a line
// as an unknown cookie named "" and strip it. A malformed Set-Cookie is never
// let through in enforce mode, because browsers are lenient and might still
// store it (Chrome, for instance, stores "Set-Cookie: abc" as a cookie with
// an empty name and the value "abc").
func SetCookieName(line string) (name string, ok bool) {
	if hasCTL(line) {
		return "", false
	}
	pair := line
	if semi := strings.IndexByte(pair, ';'); semi >= 0 {
		pair = pair[:semi]
	}
	eq := strings.IndexByte(pair, '=')
	if eq < 0 {
		return "", false
	}
	name = trimSpace(pair[:eq])
	if !isToken(name) {
		return "", false
	}
	return name, true
}

// hasCTL reports whether s has a control byte other than tab (0x00-0x1f
// but 0x09, or 0x7f). Eight bytes at a time: a word whose bytes are all
// in 0x20..0x7e (the usual header line) is passed over with a few
// arithmetic operations; any other word is checked byte by byte.
func hasCTL(s string) bool {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		// A byte < 0x20, a byte >= 0x7f: (b+1) carries past 0x7f
		// (0x7f..0xff have the high bit set after adding 1, or
		// before). Flag the word if any byte may be one; check exactly.
		low := (w - 0x20*ones) & ^w & high
		del := (w + ones) | w
		if low|del&high != 0 && ctlIn(s[i:i+8]) {
			return true
		}
	}
	return ctlIn(s[i:])
}

func ctlIn(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return true
		}
	}
	return false
}

// FilterCookieHeader walks one request Cookie header value and returns it
// with only the cookies for which keep(name) is true, in their original
// order and spelling (each pair trimmed of surrounding whitespace), joined
// with "; ". removed, if not nil, receives the name of every dropped cookie
// in order, right after keep returned false for it. keep is called once per
// cookie, duplicates included.
//
// When nothing is removed, v itself is returned, empty pairs and odd spacing
// included, without allocating. When something is removed, empty pairs are
// dropped too; if nothing is kept the result is "" and the caller should
// delete the header. A pair without '=' is a cookie with an empty name
// (keep("") decides). Runs in time linear in len(v).
//
// # Cookies hidden in a value
//
// Browsers separate cookies with ';' only, but lenient server parsers also
// split on ',' (Rack 2: "a=1, _ga=2" is two cookies) or whitespace
// (Python's SimpleCookie: "a=1 _ga=2"). So inside the value of a pair,
// every run that follows a ',', space or tab and starts with a cookie-name
// token and '=' is an embedded cookie of its own: keep is asked about its
// name too, right after the pair's own name, and a refused embedded cookie
// is cut out together with the separators before it, up to the next
// embedded cookie ("sessionid=a, _ga=x, lang=en" without _ga becomes
// "sessionid=a, lang=en"). The rest of the pair stays byte for byte. A pair
// whose own name is refused is dropped whole, embedded cookies included,
// without asking about them. A value holding text such as "k=v, k2=v2" is
// therefore read as two cookies: that is what the lenient parsers do, and
// the safe choice for a privacy gateway.
func FilterCookieHeader(v string, keep func(name string) bool, removed func(name string)) string {
	var b strings.Builder // used from the first removal on
	dirty := false
	pos := 0
	startDirty := func(upTo int) {
		// First removal: copy the cookies kept so far, cleaned up.
		dirty = true
		b.Grow(len(v))
		for part := range strings.SplitSeq(v[:upTo], ";") {
			if part = trimSpace(part); part != "" {
				writePair(&b, part)
			}
		}
	}
	for pos <= len(v) {
		end := strings.IndexByte(v[pos:], ';')
		if end < 0 {
			end = len(v)
		} else {
			end += pos
		}
		pair := trimSpace(v[pos:end])
		start := pos
		pos = end + 1
		if pair == "" {
			continue
		}
		name := pairName(pair)
		if !keep(name) {
			if removed != nil {
				removed(name)
			}
			if !dirty {
				startDirty(start)
			}
			continue
		}
		eq := strings.IndexByte(pair, '=')
		if eq < 0 || !strings.ContainsAny(pair[eq+1:], ", \t") {
			if dirty {
				writePair(&b, pair)
			}
			continue
		}
		// Embedded cookies: pair[:eq+1] + runs.
		kept, changed := filterEmbedded(pair, eq+1, keep, removed)
		if changed && !dirty {
			startDirty(start)
		}
		if dirty {
			writePair(&b, kept)
		}
	}
	if !dirty {
		return v
	}
	return b.String()
}

// filterEmbedded filters the cookies embedded in the value of pair, which
// starts at offset from (see FilterCookieHeader). It returns the pair with
// refused embedded cookies cut out, and whether anything was cut; pair
// itself when nothing was.
func filterEmbedded(pair string, from int, keep func(string) bool, removed func(string)) (string, bool) {
	var out []byte
	last := 0 // pair[last:] is not yet copied to out (or dropped)
	cut := false
	// dropFrom >= 0 while inside a refused run that started there.
	dropFrom := -1
	i := from
	for i < len(pair) {
		if !isSep(pair[i]) {
			i++
			continue
		}
		sep := i
		j := i
		for j < len(pair) && isSep(pair[j]) {
			j++
		}
		k := j
		for k < len(pair) && IsTokenByte(pair[k]) {
			k++
		}
		if k == j || k >= len(pair) || pair[k] != '=' {
			i = j
			continue
		}
		// A run starts at sep with cookie name pair[j:k].
		if dropFrom >= 0 {
			last = sep // the refused run ends here
			dropFrom = -1
		}
		if name := pair[j:k]; !keep(name) {
			if removed != nil {
				removed(name)
			}
			if !cut {
				cut = true
				out = make([]byte, 0, len(pair))
			}
			out = append(out, pair[last:sep]...)
			dropFrom = sep
		}
		i = k + 1
	}
	if !cut {
		return pair, false
	}
	if dropFrom < 0 {
		out = append(out, pair[last:]...)
	}
	return trimSpace(string(out)), true
}

func isSep(c byte) bool { return c == ',' || c == ' ' || c == '\t' }

func writePair(b *strings.Builder, pair string) {
	if b.Len() > 0 {
		b.WriteString("; ")
	}
	b.WriteString(pair)
}

// pairName returns the name of one trimmed, non-empty cookie pair.
func pairName(pair string) string {
	eq := strings.IndexByte(pair, '=')
	if eq < 0 {
		return ""
	}
	return trimSpace(pair[:eq])
}

// splitPair splits one trimmed cookie pair into name and value.
func splitPair(pair string) (name, value string) {
	eq := strings.IndexByte(pair, '=')
	if eq < 0 {
		return "", pair
	}
	return trimSpace(pair[:eq]), trimSpace(pair[eq+1:])
}

// Get returns the value of the first cookie called name in the Cookie
// header value v, with surrounding whitespace removed and one pair of
// surrounding double quotes removed (as net/http does). It does not
// allocate. An empty name never matches.
func Get(v string, name string) (string, bool) {
	if name == "" {
		return "", false
	}
	for n, val := range Pairs(v) {
		if n == name {
			if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			return val, true
		}
	}
	return "", false
}

// Pairs iterates over the cookies of a Cookie header value in order,
// yielding each name and raw value (trimmed of whitespace, quotes kept).
// Empty pairs are skipped; a pair without '=' yields an empty name.
func Pairs(v string) iter.Seq2[string, string] {
	return func(yield func(name, value string) bool) {
		for v != "" {
			var pair string
			if semi := strings.IndexByte(v, ';'); semi >= 0 {
				pair, v = v[:semi], v[semi+1:]
			} else {
				pair, v = v, ""
			}
			if pair = trimSpace(pair); pair == "" {
				continue
			}
			if !yield(splitPair(pair)) {
				return
			}
		}
	}
}

// trimSpace removes leading and trailing spaces and tabs.
func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// isToken reports whether s is a non-empty HTTP token (RFC 9110 tchar*).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !IsTokenByte(c) {
			return false
		}
	}
	return true
}

// IsTokenByte reports whether c is an RFC 9110 tchar, the bytes allowed in
// a cookie name.
func IsTokenByte(c byte) bool {
	return c < 0x80 && tokenTable[c]
}

var tokenTable = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()
