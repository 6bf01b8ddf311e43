package banner

import "strings"

// Limits that keep Negotiate's work bounded whatever the header holds.
const (
	maxAcceptLanguage = 4096 // bytes of the header looked at
	maxLanguageRanges = 32   // list members looked at
	maxRangeLength    = 64   // longer language ranges are skipped
)

// Negotiate picks the language for an Accept-Language header value
// (RFC 9110 §12.5.4 with RFC 4647 lookup): the acceptable range with the
// highest weight wins, earlier ranges win ties; a range matches a language
// exactly or after dropping subtags ("de-CH" → "de"), and a bare range
// also matches a regional language ("pt" → "pt-br" when only that exists).
// "*" stands for any language not listed otherwise; q=0 refuses a
// language. Without a match it returns the default language. Invalid
// members are skipped; only the first 4 KiB and 32 members are read, and
// it does not allocate.
func (r *Renderer) Negotiate(acceptLanguage string) string {
	h := acceptLanguage
	if len(h) > maxAcceptLanguage {
		h = h[:maxAcceptLanguage]
		// Drop the member the cut went through.
		i := strings.LastIndexByte(h, ',')
		if i < 0 {
			return r.defLang
		}
		h = h[:i]
	}
	var listed, refused uint64 // bit i: r.langs[i]
	best, bestQ, wildQ := -1, -1, -1
	for n := 0; h != "" && n < maxLanguageRanges; {
		var member string
		if i := strings.IndexByte(h, ','); i >= 0 {
			member, h = h[:i], h[i+1:]
		} else {
			member, h = h, ""
		}
		member = trimOWS(member)
		if member == "" {
			continue
		}
		n++
		tag, params, _ := strings.Cut(member, ";")
		tag = trimOWS(tag)
		q, ok := parseWeight(params)
		if !ok || !validRange(tag) {
			continue
		}
		if tag == "*" {
			wildQ = max(wildQ, q)
			continue
		}
		if q == 0 {
			// A refusal covers the language it names and its regional
			// variants, not the language a longer range falls back to
			// ("de-CH;q=0, de" still accepts de).
			for i, l := range r.langs {
				if strings.EqualFold(l, tag) || len(l) > len(tag) && l[len(tag)] == '-' && strings.EqualFold(l[:len(tag)], tag) {
					refused |= 1 << i
				}
			}
			listed |= refused
			continue
		}
		i := r.match(tag)
		if i < 0 {
			continue
		}
		listed |= 1 << i
		if q > bestQ {
			best, bestQ = i, q
		}
	}
	if wildQ > 0 && wildQ > bestQ {
		// The wildcard covers languages not named in the header.
		if i := r.match(r.defLang); i >= 0 && listed&(1<<i) == 0 {
			return r.defLang
		}
		for i, l := range r.langs {
			if listed&(1<<i) == 0 {
				return l
			}
		}
	}
	if best >= 0 && refused&(1<<best) == 0 {
		return r.langs[best]
	}
	return r.defLang
}

// match returns the index in r.langs of the language a range selects, or -1.
func (r *Renderer) match(tag string) int {
	for t := tag; t != ""; {
		for i, l := range r.langs {
			if strings.EqualFold(l, t) {
				return i
			}
		}
		j := strings.LastIndexByte(t, '-')
		if j < 0 {
			break
		}
		t = t[:j]
		// RFC 4647 lookup also drops a single-letter subtag (extension or
		// private use) left at the end.
		if k := strings.LastIndexByte(t, '-'); k >= 0 && k == len(t)-2 {
			t = t[:k]
		}
	}
	for i, l := range r.langs {
		if len(l) > len(tag) && l[len(tag)] == '-' && strings.EqualFold(l[:len(tag)], tag) {
			return i
		}
	}
	return -1
}

func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// validRange accepts "*" and 1*8ALPHA *("-" 1*8alphanum).
func validRange(s string) bool {
	if s == "*" {
		return true
	}
	if s == "" || len(s) > maxRangeLength {
		return false
	}
	n := 0 // length of the current subtag
	first := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-':
			if n == 0 {
				return false
			}
			n, first = 0, false
			continue
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && !first:
		default:
			return false
		}
		n++
		if n > 8 {
			return false
		}
	}
	return n > 0
}

// parseWeight parses what follows the language range: nothing, or
// OWS ";" OWS "q=" qvalue. It returns the weight in thousandths.
func parseWeight(params string) (int, bool) {
	if params == "" {
		return 1000, true
	}
	p := trimOWS(params)
	if len(p) < 3 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=' {
		return 0, false
	}
	v := p[2:]
	switch v[0] {
	case '0':
		q := 0
		if len(v) == 1 {
			return 0, true
		}
		if v[1] != '.' || len(v) > 5 {
			return 0, false
		}
		scale := 100
		for _, c := range []byte(v[2:]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			q += int(c-'0') * scale
			scale /= 10
		}
		return q, true
	case '1':
		if len(v) == 1 {
			return 1000, true
		}
		if v[1] != '.' || len(v) > 5 {
			return 0, false
		}
		for _, c := range []byte(v[2:]) {
			if c != '0' {
				return 0, false
			}
		}
		return 1000, true
	}
	return 0, false
}
