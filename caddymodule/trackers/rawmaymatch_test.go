package trackers

import (
	"bytes"
	"testing"
)

// The raw pre-filter as it was before its fast paths (the pair table of
// anyLitAt, the skip over slash runs, the one pass over an authority, the
// host decisions of hostPathMayMatch): the reference the differential
// tests and FuzzRawMayMatch hold rawMayMatch to. Host suffixes are looked
// up in the plain maps.

type refMatcher struct{ *matcher }

func (m *refMatcher) walkMap(s []byte) (uint8, []hostRule) {
	return m.walk[string(s)], m.hosts[string(s)]
}

func mayHoldDotRef(a []byte) bool {
	for _, c := range a {
		if c == '.' || hostBytes[c] == hbEscaped {
			return true
		}
	}
	return false
}

// rawMayMatch is the cheap pre-filter for a raw tag or noscript text: it
// reports false only if no URL in raw can belong to a vendor. It does not
// allocate. It errs towards true: entity references that could hide a
// URL, or percent-encoded hosts, send the tag to the full parser.
//
// It only looks where a URL's host or path can start: after "//" (or
// backslashes), after "http:"/"https:", after '/' and at the start of an
// attribute value (for "*/" path entries); the positions are found with
// bytes.IndexByte.
func (m *refMatcher) rawMayMatchRef(raw []byte) bool {
	if hasSignificantEntityRef(raw) {
		return true
	}
	for off := 0; ; {
		i := bytes.IndexByte(raw[off:], '/')
		if i < 0 {
			break
		}
		i += off
		off = i + 1
		if i+1 < len(raw) {
			// Inline: most slashes are followed by a path segment.
			c := raw[i+1]
			if m.anyFirst[c] && m.anyLitAtRef(raw, i+1) {
				return true
			}
			if c != '/' && c != '\\' && c != '\t' && c != '\n' && c != '\r' {
				continue
			}
		}
		if m.hostAfterSlashRef(raw, i) {
			return true
		}
	}
	if bytes.IndexByte(raw, '\\') >= 0 {
		for i, c := range raw {
			if c == '\\' && m.hostAfterSlashRef(raw, i) {
				return true
			}
		}
	}
	for off := 0; ; {
		i := bytes.IndexByte(raw[off:], ':')
		if i < 0 {
			break
		}
		i += off
		off = i + 1
		// "http:host" and "http:/host" (special schemes take any number of
		// slashes); "http://host" was seen by the slash loops.
		if j := skipTabNL(raw, i+1); j < len(raw) && !twoSlashes(raw, j) &&
			hasHTTPBefore(raw, i) && m.hostAtRef(raw, i+1) {
			return true
		}
	}
	if len(m.anyLits) > 0 {
		// Path-relative values ("matomo.php?x"): at each value start.
		for off := 0; ; {
			i := bytes.IndexByte(raw[off:], '=')
			if i < 0 {
				break
			}
			i += off
			off = i + 1
			j := i + 1
			if j < len(raw) && (raw[j] == '"' || raw[j] == '\'') {
				j++
			}
			if j < len(raw) && !m.anyFirst[raw[j]] && raw[j] > ' ' && raw[j] != '"' && raw[j] != '\'' {
				continue // (the common case, decided without the loop)
			}
			for j < len(raw) && (raw[j] <= ' ' || raw[j] == '"' || raw[j] == '\'') { // URL parsers strip leading C0 controls and spaces
				j++
			}
			if m.anyLitAtRef(raw, j) {
				return true
			}
		}
	}
	return false
}

// anyLitAt reports whether a "*/" path entry (without its "*/") starts at
// raw[i].
func (m *refMatcher) anyLitAtRef(raw []byte, i int) bool {
	if i >= len(raw) || !m.anyFirst[raw[i]] {
		return false
	}
	for _, lit := range m.anyLits {
		if bytes.HasPrefix(raw[i:], lit) {
			return true
		}
	}
	return false
}

// hostAfterSlash checks a host after the slash or backslash at raw[i] when
// another one follows (tab and newline characters in between are dropped
// by URL parsers).
func (m *refMatcher) hostAfterSlashRef(raw []byte, i int) bool {
	j := skipTabNL(raw, i+1)
	if j >= len(raw) || raw[j] != '/' && raw[j] != '\\' {
		return false
	}
	return m.hostAtRef(raw, j+1)
}

// hostAt checks the authority starting at raw[start] (after any further
// slashes) and the path after it.
func (m *refMatcher) hostAtRef(raw []byte, start int) bool {
	for start < len(raw) && (raw[start] == '/' || raw[start] == '\\' || raw[start] == '\t' || raw[start] == '\n' || raw[start] == '\r') {
		start++
	}
	// Common case: a plain lower-case host ended by the end of the
	// authority, checked in place with one read of its bytes (what
	// authorityMayMatch would decide: no '@', nothing to unescape).
	end := start
	for end < len(raw) && plainHostByte[raw[end]] {
		end++
	}
	if end == len(raw) || authorityEnd(raw[end]) {
		return m.hostPathMayMatchRef(trimDots(raw[start:end]), raw[end:])
	}
	end = start
	for end < len(raw) && !authorityEnd(raw[end]) {
		end++
	}
	a := raw[start:end]
	if !m.dotlessKey && !mayHoldDotRef(a) {
		// Every host read from a (whatever the reading) is dotless, and
		// no key is: base64 in data: URLs ("AP///yH5BAEAAAAA...") lands here.
		return false
	}
	return m.authorityMayMatchRef(a, raw[end:])
}

// authorityMayMatch checks the host of an authority ("user@host:port",
// possibly with tab/newline characters, which URL parsers drop but which
// also end an unquoted attribute value: both readings are tried), and the
// path that follows it against path-restricted hosts.
func (m *refMatcher) authorityMayMatchRef(a, rest []byte) bool {
	if m.hostMayMatchRef(a, rest) {
		return true
	}
	if at := bytes.LastIndexByte(a, '@'); at >= 0 {
		return m.hostMayMatchRef(a[at+1:], rest)
	}
	return false
}

// hostMayMatch reads the host at the start of authority a (rest is what
// follows the authority) and checks it.
func (m *refMatcher) hostMayMatchRef(a, rest []byte) bool {
	// Common case: a plain lower-case host, checked in place.
	plain := len(a)
	for i, c := range a {
		if hostBytes[c] != hbHost || c >= 'A' && c <= 'Z' {
			plain = i
			break
		}
	}
	if plain == len(a) || hostBytes[a[plain]] == hbEnd {
		return m.hostPathMayMatchRef(trimDots(a[:plain]), rest)
	}
	var buf [maxHost]byte
	n := 0
	for _, c := range a {
		switch hostBytes[c] {
		case hbTabNL:
			// Dropped by URL parsers, or the end of an unquoted value.
			if m.hostPathMayMatchRef(trimDots(buf[:n]), rest) {
				return true
			}
			continue
		case hbQuote:
			// The end of a quoted value, or part of an unquoted one.
			if m.hostPathMayMatchRef(trimDots(buf[:n]), rest) {
				return true
			}
		case hbEscaped:
			return true // percent-encoded or international host: let the full parser decide
		case hbEnd:
			// End of the host: ':' before a port, '@' after userinfo, ...
			return m.hostPathMayMatchRef(trimDots(buf[:n]), rest)
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
	return m.hostPathMayMatchRef(trimDots(buf[:n]), rest)
}

// hostPathMayMatch reports whether a vendor lists host h (exactly or by a
// suffix entry) without path restriction, or with a path prefix the raw
// path may start with. A raw path with characters URL parsers rewrite
// (backslash, tab, newline) counts as a match; entity references that
// could hide one were already caught by hasSignificantEntity.
func (m *refMatcher) hostPathMayMatchRef(h, path []byte) bool {
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
		w, rules := m.walkMap(h[j:])
		if w&walkKey != 0 && m.rulesMayMatchRef(rules, path) {
			return true
		}
		if w&walkOn == 0 {
			return false
		}
	}
	x = (x ^ uint32(h[0])) * fnvPrime
	w, rules := m.walkMap(h)
	return w&walkKey != 0 && m.rulesMayMatchRef(rules, path)
}

func (m *refMatcher) rulesMayMatchRef(rules []hostRule, rest []byte) bool {
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

// hasSignificantEntityRef reports whether raw has a character reference that
// could decode to part of a URL: numeric ones, and named ones other than
// the usual &amp; &quot; &apos; &lt; &gt; &nbsp;. Named references without
// ';' are decoded in attributes only for legacy names, none of which
// produces a URL character.
func hasSignificantEntityRef(raw []byte) bool {
	for i := bytes.IndexByte(raw, '&'); i >= 0; {
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
		n := bytes.IndexByte(raw[j:], '&')
		if n < 0 {
			return false
		}
		i = j + n
	}
	return false
}

// rawMayMatchCases are tags and noscript texts for the comparison of
// rawMayMatch with the reference: absolute URLs of every spelling, on
// vendor hosts and others, with and without path restrictions.
var rawMayMatchCases = []string{
	`<img src="https://images.example-cdn.com/brot.jpg" srcset="https://images.example-cdn.com/brot.jpg 1x, https://images.example-cdn.com/brot@2x.jpg 2x" alt="Brot">`,
	`<source srcset="https://images.example-cdn.com/brot.avif 1x, https://images.example-cdn.com/brot@2x.avif 2x" type="image/avif">`,
	`<img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7" alt="">`,
	`<img src="data:image/gif;base64,AAAA///www.facebook.com/tr">`,
	`<img src="data:x,AAAA///b/ss/x">`,
	`<img src="a///b/ss/x">`,
	`<img src="a//\\/b/ss/x">`,
	`<img src="a/` + "\t" + `/b/ss/x">`,
	`<img src="/x/\\bat.bing.com/action/0">`,
	`<img src="/x/` + "\t" + `\\bat.bing.com/action/0">`,
	`<img src="/x/` + "\t" + `\bat.bing.com/action/0">`,
	`<img src="/x/\bat.bing.com/action/0">`,
	`<img alt=b/ss src="/x/` + "\n" + `\\bat.bing.com/action/0">`,
	`<img src='//static.example.com/img/torte.webp' alt='Torte'>`,
	`<iframe src="https://www.openstreetmap.org/export/embed.html?bbox=13.3,52.5,13.4,52.6" style="border:0;" title="Karte">`,
	`<script src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>`,
	`<img src="https://www.facebook.com/tr?id=1&ev=PageView&noscript=1">`,
	`<img src="https://www.facebook.com/other">`,
	`<img src="https://www.facebook.com">`,
	`<img src=https://www.facebook.com/tr>`,
	`<img src="HTTPS://WWW.FACEBOOK.COM/TR">`,
	`<img src="https://www.google.com/recaptcha/api.js">`,
	`<img src="https://www.google.com/pagead/1p-user-list/1">`,
	`<img src="https://www.google.com/ads/ga-audiences">`,
	`<img src="https://x.doubleclick.net.">`,
	`<img src="https://doubleclick.net:443/">`,
	`<img src="https://user:pw@bat.bing.com/action/0">`,
	`<img src="https://bat.bing%2ecom/action/0">`,
	`<img src="https://bat.bing.com` + "\t" + `/action/0">`,
	`<img src="https://bat.` + "\n" + `bing.com/action/0">`,
	`<img src="http:bat.bing.com/action/0">`,
	`<img src="http:/bat.bing.com/action/0">`,
	`<img src="ht` + "\t" + `tps:bat.bing.com/action/0">`,
	`<img src="\\\\bat.bing.com/action/0">`,
	`<img src="//bat.bing.com\\action/0">`,
	`<img src="/&#47;bat.bing.com/action/0">`,
	`<img src="/x" alt="a//b" title="c:d" data-x="=e">`,
	`<img src="/js/matomo.js">`,
	`<img src="/AppMeasurement.js">`,
	`<img src="/b/ss/1">`,
	`<img src="/bs/b">`,
	`<img src=b>`,
	`<img src=/b>`,
	`<img src="//">`,
	`<img src="//.">`,
	`<img src="//.com">`,
	`<img src="//com">`,
	`<img src="//例え.jp/x">`,
	`<img src="//ｗｗｗ．ｆａｃｅｂｏｏｋ．ｃｏｍ/tr">`,
	`<img src="//www.facebook.com"x>`,
	`<img src='//www.facebook.com'x>`,
	`<img src=//www.facebook.com'x/tr>`,
	`<img height="1" width="1" style="display:none" src="https://www.facebook.com/tr?id=1"/>`,
}

// checkRawMayMatch reports a difference between rawMayMatch and the
// reference.
func checkRawMayMatch(t testing.TB, m *matcher, raw []byte) {
	t.Helper()
	ref := (&refMatcher{m}).rawMayMatchRef(raw)
	may, hl := m.tagMayMatch(raw)
	if may != ref {
		t.Errorf("tagMayMatch(%q) = %v, the reference says %v", raw, may, ref)
	}
	if !may && hl != hostless(raw) {
		t.Errorf("tagMayMatch(%q) says hostless %v, hostless says %v", raw, hl, hostless(raw))
	}
}

// TestRawMayMatchRef: rawMayMatch decides as the reference on the cases
// above, on every start tag and noscript text of the fixtures, and on
// the benchmark pages, with the full preset list and the demo's.
func TestRawMayMatchRef(t *testing.T) {
	cases := append([]string(nil), rawMayMatchCases...)
	cases = append(cases, parseTagCases...)
	cases = append(cases, noscriptCases...)
	docs := [][]byte{benchPage(true), cardPage()}
	for _, fx := range fixtures {
		docs = append(docs, readFixture(t, fx.file))
	}
	for _, d := range docs {
		for p := d; ; {
			i := bytes.IndexByte(p, '<')
			if i < 0 {
				break
			}
			j := bytes.IndexByte(p[i:], '>')
			if j < 0 {
				break
			}
			cases = append(cases, string(p[i:i+j+1]))
			p = p[i+1:]
		}
	}
	n1, err := NewNeutralizer(Presets(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	n2, err := NewNeutralizer(demoVendors(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	may := 0
	for _, c := range cases {
		checkRawMayMatch(t, n1.m, []byte(c))
		checkRawMayMatch(t, n2.m, []byte(c))
		if n1.m.rawMayMatch([]byte(c)) {
			may++
		}
	}
	if may < 30 || may > len(cases)/2 {
		t.Errorf("%d of %d cases may match", may, len(cases))
	}
}

func FuzzRawMayMatch(f *testing.F) {
	for _, c := range rawMayMatchCases {
		f.Add([]byte(c))
	}
	n, err := NewNeutralizer(Presets(), Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkRawMayMatch(t, n.m, raw)
	})
}

// BenchmarkTagMayMatch: the pre-filter over the start tags of the
// tracker-free fixture's body (absolute URLs on CDN hosts, srcset lists,
// a data: URL, relative images), as SkipTag calls it.
func BenchmarkTagMayMatch(b *testing.B) {
	n, err := NewNeutralizer(demoVendors(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	page := benchPage(false)
	body := page[bytes.Index(page, []byte("<body")):]
	var tags [][]byte
	for p := body; len(tags) < 20; {
		i := bytes.IndexByte(p, '<')
		if i < 0 {
			break
		}
		j := bytes.IndexByte(p[i:], '>')
		if j < 0 {
			break
		}
		if t := p[i : i+j+1]; bytes.HasPrefix(t, []byte("<img")) || bytes.HasPrefix(t, []byte("<source")) || bytes.HasPrefix(t, []byte("<iframe")) {
			tags = append(tags, t)
		}
		p = p[i+j+1:]
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, t := range tags {
			if may, _ := n.m.tagMayMatch(t); may {
				b.Fatalf("%s may match", t)
			}
		}
	}
}
