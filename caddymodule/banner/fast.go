package banner

import (
	"bytes"
	"hash/maphash"
	"io"
	"strconv"
	"strings"
)

// The fast path. With spliceable templates (see checkSpliceable), Banner and SettingsControl
// output depends on the language, a few flags, the category list and four
// free-form strings. The first three select a cache entry; the entry was
// rendered by html/template with a marker in place of each string and
// split at the markers. A request copies the pieces and writes each string
// escaped as html/template escapes it in that context. A marker found in a
// context this code does not reproduce (anything but HTML text, a quoted
// attribute or a URL query) makes the entry fall back to executing the
// template on every call, so the output is always what html/template
// would have produced.

type tmplKind uint8

const (
	tmplBanner tmplKind = iota
	tmplSettings
)

func (k tmplKind) name() string {
	if k == tmplBanner {
		return "banner"
	}
	return "settings"
}

// The per-request strings.
const (
	slotReturn = iota
	slotNonce
	slotConsentID
	slotPolicyVersion
	numSlots
)

// Each marker starts with markerPrefix, which no escaper changes, so a
// marker that survived in an unexpected form is still found. The space and
// the slash escape differently in HTML ("…slot R/") and in a URL query
// ("…slot%20R%2f").
const markerPrefix = "zqxCG"

var (
	markerHTML  [numSlots]string
	markerQuery [numSlots]string
)

func init() {
	for i := range numSlots {
		n := strconv.Itoa(i)
		markerHTML[i] = markerPrefix + n + "slot R/"
		markerQuery[i] = markerPrefix + n + "slot%20R%2f"
	}
}

func slotValue(v *View, slot int8) string {
	switch slot {
	case slotReturn:
		return v.Return
	case slotNonce:
		return v.Nonce
	case slotConsentID:
		return v.ConsentID
	default:
		return v.PolicyVersion
	}
}

const (
	flagConsent = 1 << iota
	flagGPC
	flagReturn // the slot strings are non-empty
	flagNonce
	flagConsentID
	flagPolicy
)

type fastKey struct {
	kind    tmplKind
	flags   uint8
	lang    string
	profile string // regional profiles render different texts
	cats    uint64
}

type part struct {
	lit   string
	slot  int8 // -1: literal only
	query bool // escape for a URL query instead of HTML
}

type fastEntry struct {
	cats  []Category // compared on every hit; the hash only picks the entry
	parts []part     // nil: execute the template
}

// maxCached bounds the cache; beyond it, requests execute the template.
const maxCached = 256

func flagsOf(v *View) uint8 {
	var f uint8
	if v.HasConsent {
		f |= flagConsent
	}
	if v.GPC {
		f |= flagGPC
	}
	if v.Return != "" {
		f |= flagReturn
	}
	if v.Nonce != "" {
		f |= flagNonce
	}
	if v.ConsentID != "" {
		f |= flagConsentID
	}
	if v.PolicyVersion != "" {
		f |= flagPolicy
	}
	return f
}

func (r *Renderer) hashCategories(cs []Category) uint64 {
	var h maphash.Hash
	h.SetSeed(r.seed)
	for i := range cs {
		c := &cs[i]
		h.WriteString(c.Name)
		h.WriteByte(0)
		h.WriteString(c.Label)
		h.WriteByte(0)
		h.WriteString(c.Description)
		var f byte = 2
		if c.Required {
			f |= 4
		}
		if c.Granted {
			f |= 8
		}
		h.WriteByte(f)
		for _, k := range c.Cookies {
			h.WriteString(k)
			h.WriteByte(0)
		}
		h.WriteByte(1)
	}
	return h.Sum64()
}

func equalCategories(a, b []Category) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := &a[i], &b[i]
		if x.Name != y.Name || x.Label != y.Label || x.Description != y.Description ||
			x.Required != y.Required || x.Granted != y.Granted || len(x.Cookies) != len(y.Cookies) {
			return false
		}
		for j := range x.Cookies {
			if x.Cookies[j] != y.Cookies[j] {
				return false
			}
		}
	}
	return true
}

func copyCategories(cs []Category) []Category {
	out := make([]Category, len(cs))
	copy(out, cs)
	for i := range out {
		out[i].Cookies = append([]string(nil), out[i].Cookies...)
	}
	return out
}

func (r *Renderer) render(w io.Writer, kind tmplKind, v *View) error {
	lang := r.lang(v.Lang)
	if r.spliceOff != "" {
		return r.execute(w, kind.name(), r.data(lang, v, kind == tmplBanner))
	}
	key := fastKey{kind: kind, flags: flagsOf(v), lang: lang, profile: v.Profile, cats: r.hashCategories(v.Categories)}
	if e, ok := r.cache.Load(key); ok {
		e := e.(*fastEntry)
		if e.parts != nil && equalCategories(e.cats, v.Categories) {
			return e.write(w, v)
		}
		return r.execute(w, kind.name(), r.data(lang, v, kind == tmplBanner))
	}
	e, err := r.prerender(kind, lang, v)
	if err != nil {
		return err
	}
	if r.cached.Load() < maxCached {
		if _, loaded := r.cache.LoadOrStore(key, e); !loaded {
			r.cached.Add(1)
		}
	}
	if e.parts == nil {
		return r.execute(w, kind.name(), r.data(lang, v, kind == tmplBanner))
	}
	return e.write(w, v)
}

// prerender executes the template with markers for the non-empty slot
// strings and splits the output at them.
func (r *Renderer) prerender(kind tmplKind, lang string, v *View) (*fastEntry, error) {
	m := *v
	for i := range int8(numSlots) {
		if slotValue(v, i) == "" {
			continue
		}
		switch i {
		case slotReturn:
			m.Return = markerHTML[i]
		case slotNonce:
			m.Nonce = markerHTML[i]
		case slotConsentID:
			m.ConsentID = markerHTML[i]
		case slotPolicyVersion:
			m.PolicyVersion = markerHTML[i]
		}
	}
	var buf bytes.Buffer
	if err := r.tmpl.ExecuteTemplate(&buf, kind.name(), r.data(lang, &m, kind == tmplBanner)); err != nil {
		return nil, err
	}
	return &fastEntry{cats: copyCategories(v.Categories), parts: splitMarkers(buf.String())}, nil
}

// splitMarkers cuts out at the markers; nil if a marker appears in a form
// it does not know.
func splitMarkers(out string) []part {
	var parts []part
	start := 0
	for i := 0; ; {
		j := indexFrom(out, markerPrefix, i)
		if j < 0 {
			break
		}
		found := false
		for s := range int8(numSlots) {
			if hasPrefixAt(out, j, markerHTML[s]) {
				parts = append(parts, part{lit: out[start:j], slot: s})
				start = j + len(markerHTML[s])
				found = true
				break
			}
			if hasPrefixAt(out, j, markerQuery[s]) {
				parts = append(parts, part{lit: out[start:j], slot: s, query: true})
				start = j + len(markerQuery[s])
				found = true
				break
			}
		}
		if !found {
			return nil
		}
		i = start
	}
	return append(parts, part{lit: out[start:], slot: -1})
}

func indexFrom(s, sub string, from int) int {
	i := strings.Index(s[from:], sub)
	if i < 0 {
		return -1
	}
	return from + i
}

func hasPrefixAt(s string, at int, p string) bool {
	return len(s)-at >= len(p) && s[at:at+len(p)] == p
}

func (e *fastEntry) write(w io.Writer, v *View) error {
	bp := bufPool.Get().(*[]byte)
	b := (*bp)[:0]
	for i := range e.parts {
		p := &e.parts[i]
		b = append(b, p.lit...)
		if p.slot < 0 {
			continue
		}
		if p.query {
			b = appendQueryEscaped(b, slotValue(v, p.slot))
		} else {
			b = appendHTMLEscaped(b, slotValue(v, p.slot))
		}
	}
	_, err := w.Write(b)
	putBuf(bp, b)
	return err
}

// appendHTMLEscaped escapes like html/template in HTML text and quoted
// attribute values.
func appendHTMLEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case 0:
			esc = "\uFFFD"
		case '"':
			esc = "&#34;"
		case '&':
			esc = "&amp;"
		case '\'':
			esc = "&#39;"
		case '+':
			esc = "&#43;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		default:
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		last = i + 1
	}
	return append(b, s[last:]...)
}

// appendQueryEscaped escapes like html/template in the query part of a URL
// attribute: unreserved bytes stay, every other byte becomes %xx. The
// result holds no HTML special characters.
func appendQueryEscaped(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return b
}
