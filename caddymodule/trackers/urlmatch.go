package trackers

import (
	"bytes"
	"maps"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/idna"
)

// hostRule is one host entry of one vendor.
type hostRule struct {
	vendor   int
	spec     int      // specificity of the host entry: exact beats suffix, longer beats shorter
	prefixes []string // "/" path restrictions; nil = every URL
	embed    bool     // from EmbedHosts
}

// anyPath is a "*/..." entry: a path fragment recognised on any host.
type anyPath struct {
	vendor int
	lit    string // starts with '/'
}

// matcher finds the vendor a URL belongs to.
type matcher struct {
	hosts    map[string][]hostRule // exact host, or ".suffix"
	anyPath  []anyPath
	anyLits  [][]byte  // anyPath literals without the leading '/', for the raw pre-filter
	anyFirst [256]bool // their first bytes
	// anyPair has bit b0<<8|b1 set when some anyLits entry starts with
	// the bytes b0 b1 (every b1 for a one-byte entry): anyLitAt's cheap
	// second test ("/brot.jpg" is not "b/ss/").
	anyPair pairSet
	// slashRunSkip: no anyLits entry starts with a byte hostAt skips
	// ('/', '\\', tab, newline), so rawMayMatch may jump over a run of
	// them once hostAt has read the host after it.
	slashRunSkip bool
	// walk holds every dot-suffix of every hosts key (".com",
	// ".google-analytics.com", ...): walkOn when a longer key ends with it,
	// walkKey when it is a key. The pre-filter walks a host's suffixes
	// from the shortest and stops at the first unknown one.
	walk       map[string]uint8
	dotlessKey bool // some key of hosts has no '.'; hostAt's dotless shortcut is off
	// walkIdx maps walkBit of a walk key's suffixHash to 1 + its index in
	// walkList, 0 when no key has that bit (the suffix is certainly not
	// in walk), walkShared when several do (ask the maps). Most suffix
	// lookups (".com", then the registered domain) are thus a string
	// compare instead of a map access.
	walkIdx  [1 << walkBitsLog]uint16
	walkList []walkEntry
}

// walkEntry is one key of walk with its flags and, for a key of hosts,
// its rules.
type walkEntry struct {
	key   string
	w     uint8
	rules []hostRule
}

const walkShared = 1<<16 - 1

const (
	walkOn uint8 = 1 << iota
	walkKey
)

func newMatcher(vendors []Vendor) *matcher {
	m := &matcher{hosts: map[string][]hostRule{}}
	addHosts := func(vi int, hosts, paths []string, embed bool) {
		var prefixes []string
		for _, p := range paths {
			if strings.HasPrefix(p, "/") {
				prefixes = append(prefixes, p)
			}
		}
		for _, h := range hosts {
			if strings.HasPrefix(h, ".") {
				// Subdomains under ".x.com", the apex under "x.com".
				spec := 2 * (len(h) - 1)
				m.hosts[h] = append(m.hosts[h], hostRule{vendor: vi, spec: spec, prefixes: prefixes, embed: embed})
				m.hosts[h[1:]] = append(m.hosts[h[1:]], hostRule{vendor: vi, spec: spec, prefixes: prefixes, embed: embed})
			} else {
				m.hosts[h] = append(m.hosts[h], hostRule{vendor: vi, spec: 2*len(h) + 1, prefixes: prefixes, embed: embed})
			}
		}
		for _, p := range paths {
			if strings.HasPrefix(p, "*/") {
				m.anyPath = append(m.anyPath, anyPath{vendor: vi, lit: p[1:]})
				m.anyLits = append(m.anyLits, []byte(p[2:]))
				m.anyFirst[p[2]] = true
				if len(p) == 3 {
					for b := 0; b < 256; b++ {
						m.anyPair.set(uint(p[2])<<8 | uint(b))
					}
				} else {
					m.anyPair.set(uint(p[2])<<8 | uint(p[3]))
				}
			}
		}
	}
	for i := range vendors {
		v := &vendors[i]
		addHosts(i, v.ScriptHosts, v.ScriptPaths, false)
		addHosts(i, v.PixelHosts, v.PixelPaths, false)
		addHosts(i, v.EmbedHosts, v.EmbedPaths, true)
	}
	m.slashRunSkip = !m.anyFirst['/'] && !m.anyFirst['\\'] && !m.anyFirst['\t'] && !m.anyFirst['\n'] && !m.anyFirst['\r']
	m.walk = map[string]uint8{}
	for k := range m.hosts {
		m.walk[k] |= walkKey
		for j := 1; j < len(k); j++ {
			if k[j] == '.' {
				m.walk[k[j:]] |= walkOn
			}
		}
	}
	for k := range m.hosts {
		if !strings.Contains(k, ".") {
			m.dotlessKey = true
		}
	}
	// In key order: the index, and so the cost of a lookup, is the same
	// from one run to the next.
	for _, k := range slices.Sorted(maps.Keys(m.walk)) {
		w := m.walk[k]
		b := walkBit(suffixHash(k))
		switch {
		case m.walkIdx[b] != 0 || len(m.walkList) >= walkShared-1:
			m.walkIdx[b] = walkShared
		default:
			m.walkList = append(m.walkList, walkEntry{key: k, w: w, rules: m.hosts[k]})
			m.walkIdx[b] = uint16(len(m.walkList))
		}
	}
	return m
}

// pairSet is a set of byte pairs (b0<<8 | b1).
type pairSet [1 << 16 / 64]uint64

func (s *pairSet) set(p uint)      { s[p>>6] |= 1 << (p & 63) }
func (s *pairSet) has(p uint) bool { return s[p>>6]&(1<<(p&63)) != 0 }

// urlMatch is the result of matching one URL.
type urlMatch struct {
	vendor int
	embed  bool
}

// match returns the vendor of a parsed URL. host is lower-case ("" for a
// relative URL); rest is the path and query. hostOnly is for connection
// hints (preconnect, dns-prefetch), whose href is only an origin: it
// matches hosts that belong to a vendor entirely (no path restriction).
func (m *matcher) match(host, rest string, hostOnly bool) (urlMatch, bool) {
	best, bestSpec, bestLen := urlMatch{}, -1, -1
	try := func(key string) {
		for _, hr := range m.hosts[key] {
			l := -1
			if hr.prefixes == nil {
				l = 0
			} else if !hostOnly {
				for _, p := range hr.prefixes {
					if len(p) > l && pathPrefixMatch(rest, p) {
						l = len(p)
					}
				}
			}
			if l < 0 {
				continue
			}
			if hr.spec > bestSpec || hr.spec == bestSpec && l > bestLen {
				best, bestSpec, bestLen = urlMatch{vendor: hr.vendor, embed: hr.embed}, hr.spec, l
			}
		}
	}
	if hostOnly {
		if host != "" {
			try(host)
			for i := 0; i < len(host); i++ {
				if host[i] == '.' {
					try(host[i:])
				}
			}
		}
		return best, bestSpec >= 0
	}
	if host != "" {
		try(host)
		for i := 0; i < len(host); i++ {
			if host[i] == '.' {
				try(host[i:])
			}
		}
		if bestSpec >= 0 {
			return best, true
		}
	}
	path := rest
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	for _, ap := range m.anyPath {
		if pathContains(path, ap.lit) {
			return urlMatch{vendor: ap.vendor}, true
		}
	}
	return urlMatch{}, false
}

// knowsHost reports whether some vendor lists host, exactly or by a
// suffix entry, whatever its path restrictions.
func (m *matcher) knowsHost(host string) bool {
	if len(m.hosts[host]) > 0 {
		return true
	}
	for i := 0; i < len(host); i++ {
		if host[i] == '.' && len(m.hosts[host[i:]]) > 0 {
			return true
		}
	}
	return false
}

// needsBoundary reports whether a path pattern ending in c must be followed
// by the end of a segment.
func needsBoundary(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.'
}

func boundaryAt(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	switch s[i] {
	case '/', '?', '#', ';', '&':
		return true
	}
	return false
}

// pathPrefixMatch matches "/p" entries against path+query.
func pathPrefixMatch(rest, p string) bool {
	if !strings.HasPrefix(rest, p) {
		return false
	}
	return !needsBoundary(p[len(p)-1]) || boundaryAt(rest, len(p))
}

// pathContains matches "*/p" entries (lit = "/p") against a path. A
// path-relative URL ("matomo.php") counts as starting with '/'.
func pathContains(path, lit string) bool {
	if strings.HasPrefix(path, lit[1:]) && (!needsBoundary(lit[len(lit)-1]) || boundaryAt(path, len(lit)-1)) {
		return true
	}
	for i := 0; ; {
		j := strings.Index(path[i:], lit)
		if j < 0 {
			return false
		}
		end := i + j + len(lit)
		if !needsBoundary(lit[len(lit)-1]) || boundaryAt(path, end) {
			return true
		}
		i += j + 1
	}
}

// parsedURL is an attribute value read the way a browser reads a URL,
// as far as the host and path go.
type parsedURL struct {
	clean     string // value without leading/trailing spaces and without tab/newline
	host      string // lower-case, no port, no trailing dot; "" for relative URLs
	hostStart int    // host span in clean (after userinfo, before port)
	hostEnd   int
	rest      string // path and query, fragment removed, '\' as '/'
	fetchable bool   // false for javascript:, data:, mailto:, ...
}

func isSpecialScheme(s string) bool {
	switch strings.ToLower(s) {
	case "http", "https", "ws", "wss", "ftp":
		return true
	}
	return false
}

func parseURL(v string) parsedURL {
	v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	if strings.ContainsAny(v, "\t\n\r") {
		v = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, v)
	}
	u := parsedURL{clean: v, fetchable: true}
	i := 0
	// Scheme.
	if c := strings.IndexAny(v, ":/\\?#"); c > 0 && v[c] == ':' && isScheme(v[:c]) {
		if !isSpecialScheme(v[:c]) {
			u.fetchable = false
			return u
		}
		i = c + 1
		for i < len(v) && (v[i] == '/' || v[i] == '\\') {
			i++
		}
	} else if len(v) >= 2 && (v[0] == '/' || v[0] == '\\') && (v[1] == '/' || v[1] == '\\') {
		for i < len(v) && (v[i] == '/' || v[i] == '\\') {
			i++
		}
	} else {
		u.rest = cutFragment(strings.ReplaceAll(v, "\\", "/"))
		return u
	}
	// Authority.
	end := i
	for end < len(v) && v[end] != '/' && v[end] != '\\' && v[end] != '?' && v[end] != '#' {
		end++
	}
	hs := i
	if at := strings.LastIndexByte(v[i:end], '@'); at >= 0 {
		hs = i + at + 1
	}
	he := end
	if !strings.HasPrefix(v[hs:end], "[") {
		if c := strings.LastIndexByte(v[hs:end], ':'); c >= 0 {
			he = hs + c
		}
	}
	host := v[hs:he]
	if strings.IndexByte(host, '%') >= 0 {
		if h, err := url.PathUnescape(host); err == nil {
			host = h
		}
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if !asciiHost(host) {
		// IDNA maps e.g. full-width dots and letters to ASCII.
		h, err := idna.Lookup.ToASCII(host)
		if err != nil {
			u.fetchable = false // the browser rejects the URL
			return u
		}
		host = strings.TrimSuffix(h, ".")
	}
	if !validHost(host) {
		u.fetchable = false // the browser rejects the URL
		return u
	}
	u.host, u.hostStart, u.hostEnd = host, hs, he
	u.rest = cutFragment(strings.ReplaceAll(v[end:], "\\", "/"))
	return u
}

func asciiHost(h string) bool {
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 {
			return false
		}
	}
	return true
}

// validHost rejects hosts with characters a browser refuses (spaces,
// controls, forbidden host code points). IPv6 literals pass.
func validHost(h string) bool {
	if strings.HasPrefix(h, "[") {
		return true
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c <= ' ' || c == 0x7f || strings.IndexByte("#%/:<>?@[\\]^|", c) >= 0 {
			return false
		}
	}
	return true
}

func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(c >= 'a' && c <= 'z' || i > 0 && (s[i] >= '0' && s[i] <= '9' || s[i] == '+' || s[i] == '-' || s[i] == '.')) {
			return false
		}
	}
	return true
}

func cutFragment(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		return s[:i]
	}
	return s
}

// maxHost bounds the host names the raw pre-filter looks up.
const maxHost = 253

// rawMayMatch is the cheap pre-filter for a raw tag or noscript text: it
// reports false only if no URL in raw can belong to a vendor. It does not
// allocate. It errs towards true: entity references that could hide a
// URL, or percent-encoded hosts, send the tag to the full parser.
func (m *matcher) rawMayMatch(raw []byte) bool {
	may, _ := m.tagMayMatch(raw)
	return may
}

// relativeMayMatch is rawMayMatch with hostless: hostless && !may, the
// tag is hostless (its URLs cannot name a host) and rawMayMatch is false.
// When may, hostless is unspecified; !hostless && !may: rawMayMatch is
// false and some URL may name a host.
func (m *matcher) relativeMayMatch(raw []byte) (hostless, may bool) {
	may, hostless = m.tagMayMatch(raw)
	return hostless || may, may
}

// rawSpecial marks the bytes tagMayMatch looks at.
var rawSpecial = [256]bool{'&': true, '/': true, '\\': true, ':': true, '=': true}

// tagMayMatch is rawMayMatch, which also tells whether raw is hostless
// (see the function hostless: no ':', '\\' or '&', no two slashes in a
// row, tab and newline characters in between dropped); hostless is
// unspecified when may is true.
//
// It only looks where a URL's host or path can start: after "//" (or
// backslashes), after "http:"/"https:", after '/' and at the start of an
// attribute value (for "*/" path entries). Entity references that could
// hide one of those make it answer true.
//
// One pass over raw's bytes decides a hostless tag (a product card's
// <img>); from the first sign of a host on, the positions are found with
// bytes.IndexByte. A host read in place is not read again, nor is a run
// of slashes.
func (m *matcher) tagMayMatch(raw []byte) (may, hostless bool) {
	q := 0
	for ; q < len(raw); q++ {
		c := raw[q]
		if !rawSpecial[c] {
			continue
		}
		switch c {
		case '/':
			if j := skipTabNL(raw, q+1); j < len(raw) && (raw[j] == '/' || raw[j] == '\\') {
				goto host // (a host may follow)
			}
			if q+1 < len(raw) && m.anyFirst[raw[q+1]] && m.anyLitAt(raw, q+1) {
				return true, false
			}
		case '=':
			if len(m.anyLits) == 0 {
				continue
			}
			if m.anyLitAfterEq(raw, q) {
				return true, false
			}
		default: // ':', '\\', '&'
			goto host
		}
	}
	return false, true
host:
	// raw[:q] has no '&', ':' or '\\', and its slashes and value starts
	// were looked at: the rest is looked at from q on.
	return m.hostMayMatchFrom(raw, q), false
}

// hostMayMatchFrom is rawMayMatch for a tag whose bytes before q hold no
// '&', ':' or '\\' and were looked at for slashes and value starts.
func (m *matcher) hostMayMatchFrom(raw []byte, q int) bool {
	if i := bytes.IndexByte(raw[q:], '&'); i >= 0 {
		for i += q; ; {
			if significantEntityAt(raw, i) {
				return true
			}
			n := bytes.IndexByte(raw[i+1:], '&')
			if n < 0 {
				break
			}
			i += 1 + n
		}
	}
	for off := q; ; {
		i := bytes.IndexByte(raw[off:], '/')
		if i < 0 {
			break
		}
		i += off
		off = i + 1
		if i+1 < len(raw) {
			// Inline: most slashes are followed by a path segment.
			c := raw[i+1]
			if m.anyFirst[c] && m.anyLitAt(raw, i+1) {
				return true
			}
			if c != '/' && c != '\\' && c != '\t' && c != '\n' && c != '\r' {
				continue
			}
		}
		// A host after two slashes (or backslashes; tab and newline
		// characters in between are dropped by URL parsers).
		j := skipTabNL(raw, i+1)
		if j >= len(raw) || raw[j] != '/' && raw[j] != '\\' {
			continue
		}
		p := skipSlashes(raw, j+1)
		may, next := m.hostAt(raw, p)
		if may {
			return true
		}
		if m.slashRunSkip {
			// Every slash of the run before p reads the same host at p
			// ("///" in base64 data), and the bytes of a host read in
			// place (up to next) hold no '/'; of the anyLits checks only
			// the one after the run's last byte remains.
			if raw[p-1] == '/' && m.anyLitAt(raw, p) {
				return true
			}
			off = max(p, next)
		}
	}
	if i := bytes.IndexByte(raw[q:], '\\'); i >= 0 {
		for i += q; i < len(raw); i++ {
			if raw[i] == '\\' {
				if j := skipTabNL(raw, i+1); j < len(raw) && (raw[j] == '/' || raw[j] == '\\') {
					if may, _ := m.hostAt(raw, j+1); may {
						return true
					}
				}
			}
		}
	}
	for off := q; ; {
		i := bytes.IndexByte(raw[off:], ':')
		if i < 0 {
			break
		}
		i += off
		off = i + 1
		// "http:host" and "http:/host" (special schemes take any number of
		// slashes); "http://host" was seen by the slash loops.
		if i == 0 || !httpEnd[raw[i-1]] {
			continue // "border:0", "data:": not after "http" or "https"
		}
		if j := skipTabNL(raw, i+1); j < len(raw) && !twoSlashes(raw, j) && hasHTTPBefore(raw, i) {
			if may, _ := m.hostAt(raw, i+1); may {
				return true
			}
		}
	}
	if len(m.anyLits) > 0 {
		// Path-relative values ("matomo.php?x"): at each value start.
		for off := q; ; {
			i := bytes.IndexByte(raw[off:], '=')
			if i < 0 {
				break
			}
			i += off
			off = i + 1
			if m.anyLitAfterEq(raw, i) {
				return true
			}
		}
	}
	return false
}

// anyLitAfterEq reports whether the attribute value after the '=' at
// raw[eq] starts with a "*/" path entry (without its "*/"): past an
// opening quote and the C0 controls and spaces URL parsers strip.
func (m *matcher) anyLitAfterEq(raw []byte, eq int) bool {
	j := eq + 1
	if j < len(raw) && (raw[j] == '"' || raw[j] == '\'') {
		j++
	}
	if j < len(raw) && !m.anyFirst[raw[j]] && raw[j] > ' ' && raw[j] != '"' && raw[j] != '\'' {
		return false // (the common case, decided without the loop)
	}
	for j < len(raw) && (raw[j] <= ' ' || raw[j] == '"' || raw[j] == '\'') {
		j++
	}
	return m.anyLitAt(raw, j)
}

// anyLitAt reports whether a "*/" path entry (without its "*/") starts at
// raw[i].
func (m *matcher) anyLitAt(raw []byte, i int) bool {
	if i >= len(raw) || !m.anyFirst[raw[i]] {
		return false
	}
	if i+1 < len(raw) && !m.anyPair.has(uint(raw[i])<<8|uint(raw[i+1])) {
		return false
	}
	for _, lit := range m.anyLits {
		if bytes.HasPrefix(raw[i:], lit) {
			return true
		}
	}
	return false
}

// hostAt checks the authority starting at raw[start] (after any further
// slashes) and the path after it. next is the end of the host when it was
// read in place without any of rawSpecial's bytes (tagMayMatch need not
// look at them), start otherwise.
func (m *matcher) hostAt(raw []byte, start int) (may bool, next int) {
	start = skipSlashes(raw, start)
	// Common case: a plain lower-case host ended by the end of the
	// authority, checked in place with one read of its bytes (what
	// authorityMayMatch would decide: no '@', nothing to unescape).
	end := skipUntil(raw, start, &plainQuickEnd)
	if end == len(raw) || authorityEnd(raw[end]) {
		return m.hostPathMayMatch(trimDots(raw[start:end]), raw[end:]), end
	}
	for end < len(raw) && plainHostByte[raw[end]] {
		end++
	}
	if end == len(raw) || authorityEnd(raw[end]) {
		return m.hostPathMayMatch(trimDots(raw[start:end]), raw[end:]), start
	}
	// On to the end of the authority, noting whether a host read from it
	// may hold a dot (a dot, or a percent-escape or non-ASCII byte that
	// could decode to one; the plain bytes read so far have no escape).
	dot := bytes.IndexByte(raw[start:end], '.') >= 0
	for ; end < len(raw); end++ {
		if k := authorityBytes[raw[end]]; k != 0 {
			if k == abEnd {
				break
			}
			dot = true
		}
	}
	a := raw[start:end]
	if !m.dotlessKey && !dot {
		// Every host read from a (whatever the reading) is dotless, and
		// no key is: base64 in data: URLs ("AP///yH5BAEAAAAA...") lands here.
		return false, start
	}
	return m.authorityMayMatch(a, raw[end:]), start
}

// skipSlashes skips the slashes, backslashes, tab and newline characters
// at raw[i:] (what URL parsers read before a special URL's host).
func skipSlashes(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == '/' || raw[i] == '\\' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}

// authorityBytes classifies bytes for hostAt's pass over an authority:
// abEnd for authorityEnd, abDot for what mayHoldDot looks for.
var authorityBytes = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case authorityEnd(byte(c)):
			t[c] = abEnd
		case c == '.' || hostBytes[c] == hbEscaped:
			t[c] = abDot
		}
	}
	return t
}()

const (
	abDot = 1 + iota
	abEnd
)

// authorityEnd reports bytes that end a URL's authority, or the attribute
// value holding it. Quotes are not among them: they may be part of an
// unquoted value (hostMayMatch tries both readings).
func authorityEnd(c byte) bool {
	switch c {
	case '/', '\\', '?', '#', ' ', '\f', '<', '>':
		return true
	}
	return false
}

// valueEnd reports bytes that may end the attribute value holding a URL.
func valueEnd(c byte) bool {
	switch c {
	case ' ', '\f', '>':
		return true
	}
	return false
}

// authorityMayMatch checks the host of an authority ("user@host:port",
// possibly with tab/newline characters, which URL parsers drop but which
// also end an unquoted attribute value: both readings are tried), and the
// path that follows it against path-restricted hosts.
func (m *matcher) authorityMayMatch(a, rest []byte) bool {
	if m.hostMayMatch(a, rest) {
		return true
	}
	if at := bytes.LastIndexByte(a, '@'); at >= 0 {
		return m.hostMayMatch(a[at+1:], rest)
	}
	return false
}

// hostBytes classifies bytes while reading a host in raw markup.
var hostBytes = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c == '\t' || c == '\n' || c == '\r':
			t[c] = hbTabNL
		case c == '"' || c == '\'' || c == '`':
			t[c] = hbQuote
		case c == '%' || c >= 0x80:
			t[c] = hbEscaped
		case c <= ' ' || c == 0x7f || strings.IndexByte("#/:<>?@[\\]^|", byte(c)) >= 0:
			t[c] = hbEnd
		}
	}
	return t
}()

// plainQuickEnd marks the bytes that end hostAt's first read of a host:
// those not in plainHostByte, and those of rawSpecial ('&', '=').
var plainQuickEnd = func() (t [256]bool) {
	for c := range t {
		t[c] = !plainHostByte[c] || rawSpecial[c]
	}
	return t
}()

// skipUntil returns the index of the first byte of b from i on that stop
// marks, or len(b); eight bytes at a time.
func skipUntil(b []byte, i int, stop *[256]bool) int {
	for ; i+8 <= len(b); i += 8 {
		w := b[i : i+8 : i+8]
		if stop[w[0]] || stop[w[1]] || stop[w[2]] || stop[w[3]] || stop[w[4]] || stop[w[5]] || stop[w[6]] || stop[w[7]] {
			break
		}
	}
	for i < len(b) && !stop[b[i]] {
		i++
	}
	return i
}

// plainHostByte marks the bytes of a lower-case host that hostMayMatch
// takes as they are (hbHost, not upper-case).
var plainHostByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = hostBytes[c] == hbHost && !(c >= 'A' && c <= 'Z')
	}
	return t
}()

const (
	hbHost uint8 = iota
	hbTabNL
	hbQuote
	hbEscaped
	hbEnd
)

// hostMayMatch reads the host at the start of authority a (rest is what
// follows the authority) and checks it.
func (m *matcher) hostMayMatch(a, rest []byte) bool {
	// Common case: a plain lower-case host, checked in place.
	plain := len(a)
	for i, c := range a {
		if hostBytes[c] != hbHost || c >= 'A' && c <= 'Z' {
			plain = i
			break
		}
	}
	if plain == len(a) || hostBytes[a[plain]] == hbEnd {
		return m.hostPathMayMatch(trimDots(a[:plain]), rest)
	}
	var buf [maxHost]byte
	n := 0
	for _, c := range a {
		switch hostBytes[c] {
		case hbTabNL:
			// Dropped by URL parsers, or the end of an unquoted value.
			if m.hostPathMayMatch(trimDots(buf[:n]), rest) {
				return true
			}
			continue
		case hbQuote:
			// The end of a quoted value, or part of an unquoted one.
			if m.hostPathMayMatch(trimDots(buf[:n]), rest) {
				return true
			}
		case hbEscaped:
			return true // percent-encoded or international host: let the full parser decide
		case hbEnd:
			// End of the host: ':' before a port, '@' after userinfo, ...
			return m.hostPathMayMatch(trimDots(buf[:n]), rest)
		}
		if n == len(buf) {
			return false
		}
		if c >= 'A' && c <= 'Z' {
			c |= 0x20
		}
		buf[n] = c
		n++
	}
	return m.hostPathMayMatch(trimDots(buf[:n]), rest)
}

// hostPathMayMatch reports whether a vendor lists host h (exactly or by a
// suffix entry) without path restriction, or with a path prefix the raw
// path may start with. A raw path with characters URL parsers rewrite
// (backslash, tab, newline) counts as a match; entity references that
// could hide one were already caught by hasSignificantEntity.
func (m *matcher) hostPathMayMatch(h, path []byte) bool {
	if len(h) == 0 {
		return false
	}
	// Suffixes from the shortest: ".com", ".example.com", then the host.
	x := uint32(fnvOffset)
	for j := len(h) - 1; j > 0; j-- {
		x = (x ^ uint32(h[j])) * fnvPrime
		if h[j] != '.' {
			continue
		}
		w, rules := m.walkGet(x, h[j:])
		if w&walkKey != 0 && m.rulesMayMatch(rules, path) {
			return true
		}
		if w&walkOn == 0 {
			return false
		}
	}
	x = (x ^ uint32(h[0])) * fnvPrime
	w, rules := m.walkGet(x, h)
	return w&walkKey != 0 && m.rulesMayMatch(rules, path)
}

// walkGet returns walk's flags for the suffix s, whose suffixHash is x, and
// its rules when it is a key of hosts.
func (m *matcher) walkGet(x uint32, s []byte) (uint8, []hostRule) {
	k := m.walkIdx[walkBit(x)]
	switch k {
	case 0:
		return 0, nil
	case walkShared:
		w := m.walk[string(s)]
		if w&walkKey == 0 {
			return w, nil
		}
		return w, m.hosts[string(s)]
	}
	if e := &m.walkList[k-1]; e.key == string(s) {
		return e.w, e.rules
	}
	return 0, nil
}

// FNV-1a over a string's bytes from its last to its first: the hash of
// each suffix is a step of the hash of the whole string.
const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

func suffixHash(s string) uint32 {
	x := uint32(fnvOffset)
	for j := len(s) - 1; j >= 0; j-- {
		x = (x ^ uint32(s[j])) * fnvPrime
	}
	return x
}

const walkBitsLog = 14

func walkBit(x uint32) uint32 { return (x * 0x9E3779B1) >> (32 - walkBitsLog) }

func (m *matcher) rulesMayMatch(rules []hostRule, rest []byte) bool {
	for _, hr := range rules {
		if hr.prefixes == nil {
			return true
		}
		path := rest
		for i, c := range rest {
			if valueEnd(c) {
				path = rest[:i]
				break
			}
		}
		if bytes.IndexAny(path, "\\\t\n\r") >= 0 {
			return true
		}
		for _, p := range hr.prefixes {
			if len(path) >= len(p) && string(path[:len(p)]) == p {
				return true
			}
		}
	}
	return false
}

func trimDots(h []byte) []byte {
	for len(h) > 0 && h[len(h)-1] == '.' {
		h = h[:len(h)-1]
	}
	return h
}

// twoSlashes reports whether b[i] and the next byte other than tab or
// newline are both slashes or backslashes.
func twoSlashes(b []byte, i int) bool {
	if b[i] != '/' && b[i] != '\\' {
		return false
	}
	j := skipTabNL(b, i+1)
	return j < len(b) && (b[j] == '/' || b[j] == '\\')
}

func skipTabNL(b []byte, i int) int {
	for i < len(b) && (b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// httpEnd marks the bytes hasHTTPBefore's word can end with: 'p', 's'
// (any case), or a tab or newline dropped by URL parsers.
var httpEnd = [256]bool{'p': true, 'P': true, 's': true, 'S': true, '\t': true, '\n': true, '\r': true}

// hasHTTPBefore reports whether b[:i] ends with "http" or "https" (any
// case), ignoring tab/newline characters (URL parsers drop them).
func hasHTTPBefore(b []byte, i int) bool {
	var w [5]byte
	n := 0
	for j := i - 1; j >= 0 && n < 5; j-- {
		c := b[j]
		if c == '\t' || c == '\n' || c == '\r' {
			continue
		}
		w[4-n] = c | 0x20
		n++
	}
	return n >= 4 && string(w[1:5]) == "http" || n == 5 && string(w[:]) == "https"
}

// significantEntityAt reports whether the '&' at raw[i] starts a character
// reference that could decode to part of a URL: numeric ones, and named
// ones other than the usual &amp; &quot; &apos; &lt; &gt; &nbsp;. Named
// references without ';' are decoded in attributes only for legacy names,
// none of which produces a URL character.
func significantEntityAt(raw []byte, i int) bool {
	j := i + 1
	if j < len(raw) && raw[j] == '#' {
		return true
	}
	k := j
	for k < len(raw) && (raw[k]|0x20 >= 'a' && raw[k]|0x20 <= 'z' || raw[k] >= '0' && raw[k] <= '9') {
		k++
	}
	if k < len(raw) && raw[k] == ';' && k > j {
		switch string(raw[j:k]) {
		case "amp", "quot", "apos", "lt", "gt", "nbsp", "AMP", "QUOT", "LT", "GT":
		default:
			return true
		}
	}
	return false
}
