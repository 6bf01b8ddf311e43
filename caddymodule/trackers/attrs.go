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

// parseTag tokenizes one raw start tag with x/net/html and checks that its
// attributes line up with the raw spans (the first occurrence of each name,
// in order; x/net/html drops duplicates as browsers do), so that edits can
// be spliced into the raw bytes.
func parseTag(raw []byte, spans []attrSpan) (parsedTag, bool) {
	z := html.NewTokenizer(bytes.NewReader(raw))
	tt := z.Next()
	if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
		return parsedTag{}, false
	}
	name, more := z.TagName()
	t := parsedTag{name: string(name), selfClosing: tt == html.SelfClosingTagToken}
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		t.attrs = append(t.attrs, html.Attribute{Key: string(k), Val: string(v)})
	}
	t.nameEnd, t.spans = scanAttrs(raw, spans)
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
	return t, true
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

// edit replaces raw[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// splice applies edits (sorted by start, non-overlapping) to raw,
// appending to dst.
func splice(dst, raw []byte, edits []edit) []byte {
	at := 0
	for _, e := range edits {
		dst = append(dst, raw[at:e.start]...)
		dst = append(dst, e.text...)
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
