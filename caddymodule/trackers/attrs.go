package trackers

import (
	"bytes"

	"golang.org/x/net/html"
)

// attrSpan locates one attribute in a raw start tag.
type attrSpan struct {
	nameStart, nameEnd int
	valStart, valEnd   int // value bytes without quotes; valStart < 0 when there is no value
	quoted             bool
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// scanAttrs follows the WHATWG tokenizer's attribute states over one raw
// start tag ("<name ...>") and returns the end of the tag name and the
// attribute spans, appended to spans[:0]. It does not allocate when spans
// has room.
func scanAttrs(raw []byte, spans []attrSpan) (int, []attrSpan) {
	spans = spans[:0]
	n := len(raw)
	if n > 0 && raw[n-1] == '>' {
		n--
	}
	i := 1
	for i < n && !isSpace(raw[i]) && raw[i] != '/' {
		i++
	}
	nameEnd := i
	for i < n {
		// Before attribute name.
		c := raw[i]
		if isSpace(c) || c == '/' {
			i++
			continue
		}
		a := attrSpan{nameStart: i, valStart: -1}
		i++ // the first character may be '='
		for i < n && !isSpace(raw[i]) && raw[i] != '/' && raw[i] != '=' {
			i++
		}
		a.nameEnd = i
		// After attribute name.
		j := i
		for j < n && isSpace(raw[j]) {
			j++
		}
		if j < n && raw[j] == '=' {
			j++
			for j < n && isSpace(raw[j]) {
				j++
			}
			switch {
			case j < n && (raw[j] == '"' || raw[j] == '\''):
				q := raw[j]
				k := bytes.IndexByte(raw[j+1:n], q)
				a.quoted = true
				a.valStart = j + 1
				if k < 0 {
					a.valEnd = n
					i = n
				} else {
					a.valEnd = j + 1 + k
					i = a.valEnd + 1
				}
			default:
				a.valStart = j
				for j < n && !isSpace(raw[j]) {
					j++
				}
				a.valEnd = j
				i = j
			}
		}
		spans = append(spans, a)
	}
	return nameEnd, spans
}

// equalFoldBytes compares an attribute name in raw bytes with a lower-case
// name.
func equalFoldBytes(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c |= 0x20
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// rawAttr returns the raw value bytes of the first attribute with this
// lower-case name.
func rawAttr(raw []byte, spans []attrSpan, name string) (val []byte, ok bool) {
	for _, a := range spans {
		if equalFoldBytes(raw[a.nameStart:a.nameEnd], name) {
			if a.valStart < 0 {
				return nil, true
			}
			return raw[a.valStart:a.valEnd], true
		}
	}
	return nil, false
}

// parsedTag is a start tag parsed by x/net/html, aligned with the raw
// spans when both agree.
type parsedTag struct {
	name        string
	attrs       []html.Attribute // decoded by x/net/html (first of duplicates only)
	spans       []attrSpan       // every attribute in raw, duplicates included
	spanOf      []int            // attrs index → spans index, when aligned
	nameEnd     int
	aligned     bool
	selfClosing bool
}

// tagScratch holds the reusable buffers of parseTag.
type tagScratch struct {
	spans  []attrSpan
	attrs  []html.Attribute
	spanOf []int
	dec    []byte
}

// parseTag parses one raw start tag as x/net/html's tokenizer does and
// aligns its attributes with the raw spans (the first occurrence of each
// name, in order; duplicates are dropped as browsers do), so that edits can
// be spliced into the raw bytes. The common tags are parsed in place
// (parseTagFast, one allocation); the others by the tokenizer.
func parseTag(raw []byte, s *tagScratch) (parsedTag, bool) {
	if t, ok := parseTagFast(raw, s); ok {
		return t, true
	}
	return parseTagTokenizer(raw, s)
}

// parseTagTokenizer is parseTag with x/net/html's tokenizer, checking that
// its attributes line up with the raw spans.
func parseTagTokenizer(raw []byte, s *tagScratch) (parsedTag, bool) {
	z := html.NewTokenizer(bytes.NewReader(raw))
	tt := z.Next()
	if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
		return parsedTag{}, false
	}
	name, more := z.TagName()
	t := parsedTag{name: string(name), selfClosing: tt == html.SelfClosingTagToken, attrs: s.attrs[:0], spanOf: s.spanOf[:0]}
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		t.attrs = append(t.attrs, html.Attribute{Key: string(k), Val: string(v)})
	}
	t.nameEnd, t.spans = scanAttrs(raw, s.spans)
	t.aligned = true
	k := 0
	for si, a := range t.spans {
		name := raw[a.nameStart:a.nameEnd]
		dup := false
		for _, b := range t.spans[:si] {
			if bytes.EqualFold(raw[b.nameStart:b.nameEnd], name) {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		if k >= len(t.attrs) || !equalFoldBytes(name, t.attrs[k].Key) {
			t.aligned = false
			break
		}
		t.spanOf = append(t.spanOf, si)
		k++
	}
	t.aligned = t.aligned && k == len(t.attrs)
	s.spans, s.attrs, s.spanOf = t.spans[:0], t.attrs[:0], t.spanOf[:0]
	return t, true
}

// parseTagFast parses a raw start tag in place, with the same result as
// parseTagTokenizer, when it is plain: "<" and an ASCII letter, one '>' at
// the end (others only inside quoted values), every quoted value closed,
// no NUL byte, and only character references that decode the same
// everywhere (&amp; &quot; &lt; &gt; &apos; &#34; &#38; &#39;) or that an
// attribute keeps as they are ("&name=" without ';', an '&' not followed
// by a letter, digit or '#'). ok is false for any other tag: the tokenizer
// decides it. Keys and values share one string (one allocation).
func parseTagFast(raw []byte, s *tagScratch) (t parsedTag, ok bool) {
	n := len(raw)
	if n < 3 || raw[0] != '<' || raw[n-1] != '>' || !isASCIILetter(raw[1]) || bytes.IndexByte(raw, 0) >= 0 {
		return parsedTag{}, false
	}
	nameEnd, spans := scanAttrs(raw, s.spans)
	s.spans = spans
	for _, a := range spans {
		if a.quoted && a.valEnd == n-1 {
			return parsedTag{}, false // unclosed quote: the tag would go on
		}
	}
	for off := 0; ; {
		i := bytes.IndexByte(raw[off:n-1], '>')
		if i < 0 {
			break
		}
		i += off
		off = i + 1
		inside := false
		for _, a := range spans {
			if a.quoted && a.valStart <= i && i < a.valEnd {
				inside = true
				break
			}
		}
		if !inside {
			return parsedTag{}, false // the tag ends there
		}
	}
	// Decoded name, keys and values, then offsets into them.
	dec := appendLower(s.dec[:0], raw[1:nameEnd])
	type kv struct{ k0, k1, v0, v1 int }
	var kvBuf [16]kv
	kvs := kvBuf[:0]
	spanOf := s.spanOf[:0]
	lastValEnd := -1
	for si, a := range spans {
		key := raw[a.nameStart:a.nameEnd]
		if !isASCIIBytes(key) {
			// Duplicate names are compared as the tokenizer path
			// compares them only for ASCII names: leave the rest to it.
			s.dec = dec[:0]
			return parsedTag{}, false
		}
		dup := false
		for _, p := range kvs {
			if equalFoldLower(key, dec[p.k0:p.k1]) {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		var x kv
		x.k0 = len(dec)
		dec = appendLower(dec, key)
		x.k1 = len(dec)
		x.v0 = len(dec)
		lastValEnd = a.nameEnd
		if a.valStart >= 0 {
			var ok bool
			if dec, ok = appendAttrValue(dec, raw[a.valStart:a.valEnd]); !ok {
				s.dec = dec[:0]
				return parsedTag{}, false
			}
			lastValEnd = a.valEnd
		}
		x.v1 = len(dec)
		kvs = append(kvs, x)
		spanOf = append(spanOf, si)
	}
	str := string(dec)
	s.dec = dec[:0]
	t = parsedTag{name: str[:nameEnd-1], spans: spans, spanOf: spanOf, nameEnd: nameEnd, aligned: true, attrs: s.attrs[:0]}
	for _, x := range kvs {
		t.attrs = append(t.attrs, html.Attribute{Key: str[x.k0:x.k1], Val: str[x.v0:x.v1]})
	}
	// x/net/html: "/>" ends a self-closing tag unless the '/' is the last
	// byte of the last attribute's value ("<a href=/>").
	t.selfClosing = raw[n-2] == '/' && (len(kvs) == 0 || lastValEnd-1 != n-2)
	s.attrs, s.spanOf = t.attrs[:0], spanOf[:0]
	return t, true
}

func isASCIIBytes(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// equalFoldLower compares b, in any ASCII case, with lower-case bytes.
func equalFoldLower(b, lower []byte) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c |= 0x20
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isAlnum(c byte) bool { return isASCIILetter(c) || c >= '0' && c <= '9' }

// appendLower appends b with ASCII upper-case letters lowered.
func appendLower(dst, b []byte) []byte {
	for _, c := range b {
		if c >= 'A' && c <= 'Z' {
			c |= 0x20
		}
		dst = append(dst, c)
	}
	return dst
}

// appendAttrValue appends an attribute value as x/net/html decodes it
// (CR LF and CR become LF; character references are decoded, attribute
// rules), for the references parseTagFast handles; ok is false for any
// other.
func appendAttrValue(dst, v []byte) ([]byte, bool) {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch c {
		case '\r':
			dst = append(dst, '\n')
			if i+1 < len(v) && v[i+1] == '\n' {
				i++
			}
			continue
		case '&':
		default:
			dst = append(dst, c)
			continue
		}
		j := i + 1
		if j < len(v) && v[j] == '#' {
			k := j + 1
			for k < len(v) && v[k] >= '0' && v[k] <= '9' {
				k++
			}
			if k >= len(v) || v[k] != ';' {
				return dst, false
			}
			switch string(v[j+1 : k]) {
			case "34":
				dst = append(dst, '"')
			case "38":
				dst = append(dst, '&')
			case "39":
				dst = append(dst, '\'')
			default:
				return dst, false
			}
			i = k
			continue
		}
		k := j
		for k < len(v) && isAlnum(v[k]) {
			k++
		}
		switch {
		case k == j: // "&" alone
			dst = append(dst, '&')
		case k < len(v) && v[k] == '=': // "&ev=PageView": kept as it is
			dst = append(dst, v[i:k]...)
			i = k - 1
		case k < len(v) && v[k] == ';':
			var r byte
			switch string(v[j:k]) {
			case "amp":
				r = '&'
			case "quot":
				r = '"'
			case "lt":
				r = '<'
			case "gt":
				r = '>'
			case "apos":
				r = '\''
			default:
				return dst, false
			}
			dst = append(dst, r)
			i = k
		default:
			return dst, false
		}
	}
	return dst, true
}

// first returns the index of the first attribute with this name, or -1.
func (t *parsedTag) first(name string) int {
	for i, a := range t.attrs {
		if a.Key == name {
			return i
		}
	}
	return -1
}

// edit replaces raw[start:end] with text, then b.
type edit struct {
	start, end int
	text       string
	b          []byte
}

// splice applies edits (sorted by start, non-overlapping) to raw,
// appending to dst.
func splice(dst, raw []byte, edits []edit) []byte {
	at := 0
	for _, e := range edits {
		dst = append(dst, raw[at:e.start]...)
		dst = append(dst, e.text...)
		dst = append(dst, e.b...)
		at = e.end
	}
	return append(dst, raw[at:]...)
}

// escapeAttr escapes a value for a double-quoted attribute.
func escapeAttr(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			dst = append(dst, "&amp;"...)
		case '"':
			dst = append(dst, "&#34;"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
