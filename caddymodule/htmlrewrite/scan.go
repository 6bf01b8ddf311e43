package htmlrewrite

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// isWS reports HTML whitespace. CR counts: input preprocessing turns it
// into LF before tokenization.
func isWS(c byte) bool { return class[c]&clWS != 0 }

// Character classes for the tight loops of the tag states.
const (
	clWS       = 1 << iota // HTML whitespace
	clNameEnd              // ends a tag name: whitespace, '/', '>'
	clAttrEnd              // ends an attribute name: whitespace, '/', '>', '='
	clUnquoted             // ends an unquoted attribute value: whitespace, '>'
)

var class = func() (t [256]uint8) {
	for _, c := range []byte(" \n\t\f\r") {
		t[c] = clWS | clNameEnd | clAttrEnd | clUnquoted
	}
	t['/'] = clNameEnd | clAttrEnd
	t['>'] = clNameEnd | clAttrEnd | clUnquoted
	t['='] = clAttrEnd
	return t
}()

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// indexByte is bytes.IndexByte tuned for the short runs of markup (text
// between tags, attribute values): a plain loop over the first bytes is
// cheaper than setting up the vectorised search.
func indexByte(b []byte, c byte) int {
	const short = 16
	if len(b) <= short {
		for i, x := range b {
			if x == c {
				return i
			}
		}
		return -1
	}
	for i, x := range b[:short] {
		if x == c {
			return i
		}
	}
	if k := bytes.IndexByte(b[short:], c); k >= 0 {
		return k + short
	}
	return -1
}

// Pseudo-states returned by attrs when the tag ended ('>' consumed). They
// are never stored in r.st.
const (
	tagEnded   state = 254
	tagEndedSC state = 255 // ... from the self-closing start tag state
)

// scan runs the tokenizer over r.p from index i. Each state group has its
// own function, which loops while the tokenizer stays in that group and
// returns the index where it left it (len(r.p) when the chunk is used up).
func (r *Rewriter) scan(i int) {
	n := len(r.p)
	for i < n {
		switch st := r.st; {
		case st == stData:
			i = r.scanData(i)
		case st <= stTagName:
			i = r.scanTagOpen(i)
		case st <= stSelfClosingStartTag:
			i = r.scanAttrs(i)
		case st <= stCDATAEnd:
			i = r.scanMarkup(i)
		case st <= stRawTextEndTagName:
			i = r.scanRawText(i)
		case st <= stScriptDoubleEscapeEnd:
			i = r.scanScript(i)
		default: // stPlaintext: the rest of the document is text
			return
		}
	}
}

// ---------------------------------------------------------------- data

// scanData runs the data state: text up to the next '<'.
func (r *Rewriter) scanData(i int) int {
	p := r.p
	n := len(p)
	if r.preBody() {
		for i < n && isWS(p[i]) {
			i++
		}
		if i == n {
			return n
		}
		if p[i] != '<' {
			if r.docPending {
				r.notDocument()
			} else {
				r.textBefore(i)
			}
			return i
		}
	} else {
		if r.bodyDone && r.opts.Tags == nil && r.hk == holdNone && r.bomPos < 0 {
			// Both snippets are placed and no tag is rewritten:
			// nothing is left to find (see Write).
			r.done = true
			return n
		}
		if r.opts.Tags != nil && len(r.foreign) == 0 {
			// Only a TagRewriter's tags and the tags that change the
			// tokenizer state can matter: skip over the rest.
			i = r.skipTags(i)
			if i == n || r.st != stData {
				return n
			}
		} else {
			k := bytes.IndexByte(p[i:], '<')
			if k < 0 {
				return n
			}
			i += k
		}
	}
	// p[i] == '<'
	if r.opts.Tags != nil || r.preBody() {
		r.startHold(holdName, i)
	}
	r.st = stTagOpen
	return i + 1
}

// skipTags is the data state once the insertion points are behind us,
// with a TagRewriter and outside foreign content. It passes over text and
// over complete tags whose name is neither wanted by the TagRewriter nor
// changes the tokenizer or tree-construction state (see nameEntry): those
// are only scanned to their '>', honouring quoted attribute values. It
// returns the index of a '<' the general tag states must handle, or
// len(r.p). When the chunk ends inside a skipped tag, r.st is its
// attribute state and the general states finish it.
func (r *Rewriter) skipTags(i int) int {
	p := r.p
	n := len(p)
	for {
		// Tags are often adjacent or a newline and an indent apart:
		// a few bytes are looked at in place before searching.
		if i < n && p[i] != '<' {
			e := min(i+4, n)
			i++
			for i < e && p[i] != '<' {
				i++
			}
			if i == e {
				k := bytes.IndexByte(p[i:], '<')
				if k < 0 {
					return n
				}
				i += k
			}
		}
		if i >= n {
			return n
		}
		j := i + 1
		if j >= n {
			return i
		}
		c := p[j]
		end := c == '/'
		if end {
			if j++; j >= n {
				return i
			}
			c = p[j]
		}
		if !isAlpha(c) {
			if end || c == '!' || c == '?' {
				return i
			}
			i = j // the '<' is text
			continue
		}
		s := j
		for j < n && class[p[j]]&clNameEnd == 0 {
			j++
		}
		if j == n {
			return i
		}
		need := ""
		wanted := "" // the name of a wanted start tag that may be passed over
		if end && r.template == 0 {
			// Outside templates and foreign content no end tag matters.
		} else if e := &r.nameCache[nameSlot(p[s:j])]; e.flags != 0 && e.name == string(p[s:j]) {
			// (the common case, inlined)
			if end && e.flags&fEndMatters != 0 || !end && e.flags&(fWanted|fStartMatters) != 0 {
				if end || e.need == "" && r.skipper == nil || e.flags&fStartMatters != 0 {
					return i
				}
				need, wanted = e.need, e.name
			}
		} else if !r.boring(p[s:j], end) {
			if end || j-s > maxName {
				return i
			}
			e := r.lookupRaw(p[s:j])
			if e.need == "" && r.skipper == nil || e.flags&fStartMatters != 0 {
				return i
			}
			need, wanted = e.need, e.name
		}
		// The tag cannot matter: run its attribute states to its '>'.
		// (A wanted tag that may lack the TagFilter's word likewise,
		// then it is handed over unless complete and without the word;
		// without a word, unless complete and TagSkipper skips it.)
		st := stBeforeAttrName
		switch p[j] {
		case '>':
			j++
			st = tagEnded
		case '/':
			st = stSelfClosingStartTag
		}
		switch st {
		case stBeforeAttrName:
			j, st = r.skipAttrs(j + 1)
		case stSelfClosingStartTag:
			j, st = r.attrs(j+1, st, false)
		}
		if wanted != "" && (st < tagEnded || j-i > r.maxHold) {
			return i
		}
		if need != "" {
			if hasFold(p[i:j], need) {
				return i
			}
		} else if wanted != "" && !r.skipper.SkipTag(wanted, p[i:j]) {
			return i
		}
		if st < tagEnded {
			// The chunk ended inside the tag: scanAttrs resumes it.
			// (tagEnd does nothing for such a tag.)
			r.beginTag(end)
			r.nameDecided = true
			r.st = st
			return n
		}
		i = j
	}
}

// Words of eight bytes ("SWAR"): zeroBytes(y) flags the zero bytes of y
// with their high bit; the lowest flagged byte is exactly the lowest zero
// byte (bytes above it may be flagged spuriously by the borrow).
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

func zeroBytes(y uint64) uint64 { return (y - lsb) &^ y & msb }

// hasFold reports whether b contains the word w (lower-case ASCII letters)
// in any ASCII case. b is a start tag of a few dozen bytes: it is read
// eight bytes at a time, folded to lower case (for a letter l, x|0x20 ==
// l only when x is l in either case), looking for w's first letter; the
// rest of w is compared where it occurs.
func hasFold(b []byte, w string) bool {
	first := lsb * uint64(w[0])
	k := 0
	for ; k+8 <= len(b); k += 8 {
		y := (binary.LittleEndian.Uint64(b[k:]) | lsb*0x20) ^ first
		// The lowest flagged byte is exact; higher ones may be spurious
		// (borrow), so each flagged byte is checked in full.
		for t := zeroBytes(y); t != 0; t &= t - 1 {
			if foldAt(b, k+bits.TrailingZeros64(t)>>3, w) {
				return true
			}
		}
	}
	for ; k < len(b); k++ {
		if foldAt(b, k, w) {
			return true
		}
	}
	return false
}

// foldAt reports whether b holds w (lower-case ASCII letters) at index k
// in any ASCII case.
func foldAt(b []byte, k int, w string) bool {
	if k+len(w) > len(b) {
		return false
	}
	for m := 0; m < len(w); m++ {
		if b[k+m]|0x20 != w[m] {
			return false
		}
	}
	return true
}

// boring reports whether a tag with this raw name can be skipped by
// skipTags: a start tag that the TagRewriter does not want and that does
// not switch the tokenizer to raw text, foreign content or a template, or
// an end tag other than </template>.
func (r *Rewriter) boring(b []byte, end bool) bool {
	if len(b) > maxName {
		return true // never passed to the TagRewriter, changes nothing
	}
	e := r.lookupRaw(b)
	if end {
		return e.flags&fEndMatters == 0
	}
	return e.flags&(fWanted|fStartMatters) == 0
}

// ---------------------------------------------------------------- tag open and tag name

// scanTagOpen runs the tag open, end tag open and tag name states.
func (r *Rewriter) scanTagOpen(i int) int {
	p := r.p
	n := len(p)
	for i < n {
		c := p[i]
		switch r.st {
		case stTagOpen:
			switch {
			case c == '!':
				r.release()
				r.st, r.mdPos, r.mdKind = stMarkupDeclOpen, 0, mdNone
				return i + 1
			case c == '/':
				r.st = stEndTagOpen
				i++
			case isAlpha(c):
				r.beginTag(false)
				r.st = stTagName
				r.appendName(c)
				i++
			case c == '?':
				r.release()
				r.st = stBogusComment
				return i + 1
			default:
				// The '<' is text.
				if r.hk == holdName && r.preBody() {
					if r.docPending {
						r.notDocument()
					} else {
						r.headBefore()
						r.bodyBefore()
					}
				}
				r.release()
				r.st = stData
				return i
			}

		case stEndTagOpen:
			switch {
			case isAlpha(c):
				r.beginTag(true)
				r.st = stTagName
				r.appendName(c)
				i++
			case c == '>':
				// "</>" is dropped by the tokenizer.
				r.release()
				r.st = stData
				return i + 1
			default:
				r.release()
				r.st = stBogusComment
				return i
			}

		default: // stTagName
			j := i
			for j < n && class[p[j]]&clNameEnd == 0 {
				j++
			}
			r.appendNames(p[i:j])
			if j == n {
				return n
			}
			r.nameDone()
			return r.tagChar(p[j], j)
		}
	}
	return n
}

// tagChar handles the character that ends a tag name: whitespace, '/' or
// '>' at index i. It returns the next index.
func (r *Rewriter) tagChar(c byte, i int) int {
	switch c {
	case '>':
		return r.tagEnd(i + 1)
	case '/':
		r.st = stSelfClosingStartTag
	default:
		r.st = stBeforeAttrName
	}
	return i + 1
}

// ---------------------------------------------------------------- attributes

// scanAttrs runs the attribute states of the current tag up to its '>'.
func (r *Rewriter) scanAttrs(i int) int {
	// Attribute names only matter for <font> in foreign content.
	names := r.tagName == "font" && !r.isEnd
	var j int
	var st state
	if r.st == stBeforeAttrName && !names {
		j, st = r.skipAttrs(i)
	} else {
		j, st = r.attrs(i, r.st, names)
	}
	switch st {
	case tagEnded:
		return r.tagEnd(j)
	case tagEndedSC:
		r.selfClosing = true
		return r.tagEnd(j)
	}
	r.st = st
	return j
}

// skipAttrs is attrs from the before attribute name state, without
// recording names, with a straight path for the common shapes (name,
// name=unquoted, name="value", name='value' separated by whitespace); it
// hands anything else to attrs in the state reached.
func (r *Rewriter) skipAttrs(i int) (int, state) {
	p := r.p
	n := len(p)
	for {
		// before attribute name
		for i < n && class[p[i]]&clWS != 0 {
			i++
		}
		if i >= n {
			return n, stBeforeAttrName
		}
		c := p[i]
		if c == '>' {
			return i + 1, tagEnded
		}
		if c == '/' || c == '=' {
			return r.attrs(i, stBeforeAttrName, false)
		}
		// attribute name
		for i < n && class[p[i]]&clAttrEnd == 0 {
			i++
		}
		if i >= n {
			return n, stAttrName
		}
		if c = p[i]; c != '=' {
			if c == '>' {
				return i + 1, tagEnded
			}
			return r.attrs(i, stAfterAttrName, false)
		}
		// before attribute value
		if i++; i >= n {
			return n, stBeforeAttrValue
		}
		if c = p[i]; c != '"' && c != '\'' {
			return r.attrs(i, stBeforeAttrValue, false)
		}
		// Most values are short: look at two words in place first (the
		// lowest flagged byte of zeroBytes is exact).
		k := -1
		if i+17 <= n {
			m := lsb * uint64(c)
			if t := zeroBytes(binary.LittleEndian.Uint64(p[i+1:]) ^ m); t != 0 {
				k = bits.TrailingZeros64(t) >> 3
			} else if t := zeroBytes(binary.LittleEndian.Uint64(p[i+9:]) ^ m); t != 0 {
				k = 8 + bits.TrailingZeros64(t)>>3
			} else if k = bytes.IndexByte(p[i+17:], c); k >= 0 {
				k += 16
			}
		} else {
			k = bytes.IndexByte(p[i+1:], c)
		}
		if k < 0 {
			if c == '"' {
				return n, stAttrValueDQ
			}
			return n, stAttrValueSQ
		}
		// after attribute value (quoted)
		if i += k + 2; i >= n {
			return n, stAfterAttrValueQuoted
		}
		if c = p[i]; c == '>' {
			return i + 1, tagEnded
		}
		if class[c]&clWS == 0 {
			return r.attrs(i, stAfterAttrValueQuoted, false)
		}
		i++
	}
}

// attrs runs the attribute states (before attribute name to self-closing
// start tag) over r.p from index i in state st. When the tag ends it
// returns the index after its '>' and tagEnded or tagEndedSC; otherwise
// len(r.p) and the state at the end of the chunk. With names set, the
// attribute names are recorded (appendAttr, attrDone).
func (r *Rewriter) attrs(i int, st state, names bool) (int, state) {
	p := r.p
	n := len(p)
	for i < n {
		c := p[i]
		switch st {
		case stBeforeAttrName:
			switch {
			case isWS(c):
				i++
			case c == '/':
				// (via after attribute name)
				st = stSelfClosingStartTag
				i++
			case c == '>':
				return i + 1, tagEnded
			default:
				st = stAttrName
				if names {
					r.attrLen = 0
				}
				if c == '=' {
					// '=' starts an attribute name here.
					if names {
						r.appendAttr(c)
					}
					i++
				}
			}

		case stAttrName:
			s := i
			for i < n && class[p[i]]&clAttrEnd == 0 {
				i++
			}
			if names {
				for _, b := range p[s:i] {
					r.appendAttr(b)
				}
			}
			if i == n {
				return n, st
			}
			if names {
				r.attrDone()
			}
			if p[i] == '=' {
				st = stBeforeAttrValue
				i++
			} else {
				st = stAfterAttrName
			}

		case stAfterAttrName:
			switch {
			case isWS(c):
				i++
			case c == '/':
				st = stSelfClosingStartTag
				i++
			case c == '=':
				st = stBeforeAttrValue
				i++
			case c == '>':
				return i + 1, tagEnded
			default:
				st = stAttrName
				if names {
					r.attrLen = 0
				}
			}

		case stBeforeAttrValue:
			switch {
			case isWS(c):
				i++
			case c == '"':
				st = stAttrValueDQ
				i++
			case c == '\'':
				st = stAttrValueSQ
				i++
			case c == '>':
				return i + 1, tagEnded
			default:
				st = stAttrValueUnquoted
			}

		case stAttrValueDQ, stAttrValueSQ:
			q := byte('"')
			if st == stAttrValueSQ {
				q = '\''
			}
			k := indexByte(p[i:], q)
			if k < 0 {
				return n, st
			}
			i += k + 1
			st = stAfterAttrValueQuoted

		case stAttrValueUnquoted:
			for i < n && class[p[i]]&clUnquoted == 0 {
				i++
			}
			if i == n {
				return n, st
			}
			if p[i] == '>' {
				return i + 1, tagEnded
			}
			st = stBeforeAttrName
			i++

		case stAfterAttrValueQuoted:
			switch {
			case isWS(c):
				st = stBeforeAttrName
				i++
			case c == '/':
				st = stSelfClosingStartTag
				i++
			case c == '>':
				return i + 1, tagEnded
			default:
				st = stBeforeAttrName
			}

		default: // stSelfClosingStartTag
			if c == '>' {
				return i + 1, tagEndedSC
			}
			st = stBeforeAttrName
		}
	}
	return n, st
}

// ---------------------------------------------------------------- comments, DOCTYPE, CDATA

// Markup declarations being matched after "<!".
const (
	mdNone    uint8 = iota
	mdComment       // "--"
	mdCDATA         // "[CDATA[" (foreign content only)
	mdDoctype       // "DOCTYPE", case-insensitively (only while DocumentOnly is undecided)
)

// scanMarkup runs the markup declaration, comment, bogus comment (and
// DOCTYPE) and CDATA section states.
func (r *Rewriter) scanMarkup(i int) int {
	p := r.p
	n := len(p)
	for i < n {
		c := p[i]
		switch r.st {
		case stMarkupDeclOpen:
			if r.markupDeclOpen(c) {
				i++
			}

		case stBogusComment:
			k := bytes.IndexByte(p[i:], '>')
			if k < 0 {
				return n
			}
			r.st = stData
			return i + k + 1

		case stCommentStart, stCommentStartDash:
			switch c {
			case '-':
				if r.st == stCommentStart {
					r.st = stCommentStartDash
				} else {
					r.st = stCommentEnd
				}
				i++
			case '>':
				r.st = stData
				return i + 1
			default:
				r.st = stComment
			}

		case stComment:
			k := bytes.IndexByte(p[i:], '-')
			if k < 0 {
				return n
			}
			i += k + 1
			r.st = stCommentEndDash

		case stCommentEndDash:
			if c == '-' {
				r.st = stCommentEnd
				i++
			} else {
				r.st = stComment
			}

		case stCommentEnd:
			switch c {
			case '>':
				r.st = stData
				return i + 1
			case '!':
				r.st = stCommentEndBang
				i++
			case '-':
				i++
			default:
				r.st = stComment
			}

		case stCommentEndBang:
			switch c {
			case '-':
				r.st = stCommentEndDash
				i++
			case '>':
				r.st = stData
				return i + 1
			default:
				r.st = stComment
			}

		case stCDATA:
			k := bytes.IndexByte(p[i:], ']')
			if k < 0 {
				return n
			}
			i += k + 1
			r.st = stCDATABracket

		case stCDATABracket:
			if c == ']' {
				r.st = stCDATAEnd
				i++
			} else {
				r.st = stCDATA
			}

		default: // stCDATAEnd
			switch c {
			case ']':
				i++
			case '>':
				r.st = stData
				return i + 1
			default:
				r.st = stCDATA
			}
		}
	}
	return n
}

// markupDeclOpen handles character c after "<!" (and any matched part of
// "--", "[CDATA[" or "DOCTYPE"). It leaves r.st at stMarkupDeclOpen while
// matching, sets stCommentStart, stCDATA or (DOCTYPE) stBogusComment when c
// completes a match, or stBogusComment on a mismatch. It reports whether c
// was consumed (on a mismatch it is reconsumed). A DOCTYPE and a bogus
// comment both end at the first '>'.
func (r *Rewriter) markupDeclOpen(c byte) bool {
	if r.mdPos == 0 {
		switch {
		case c == '-':
			r.mdKind = mdComment
		case c == '[' && len(r.foreign) > 0:
			r.mdKind = mdCDATA
		case (c == 'd' || c == 'D') && r.docPending:
			r.mdKind = mdDoctype
		default:
			r.st = stBogusComment
			return false
		}
		r.mdPos = 1
		return true
	}
	var want string
	switch r.mdKind {
	case mdComment:
		want = "--"
	case mdCDATA:
		want = "[CDATA["
	default:
		want = "doctype"
	}
	ok := c == want[r.mdPos]
	if r.mdKind == mdDoctype {
		ok = lower(c) == want[r.mdPos]
	}
	if !ok {
		r.st = stBogusComment
		return false
	}
	r.mdPos++
	if r.mdPos < len(want) {
		return true
	}
	switch r.mdKind {
	case mdComment:
		r.st = stCommentStart
	case mdCDATA:
		r.st = stCDATA
	default:
		// A DOCTYPE first: the stream is a document.
		r.docPending = false
		r.st = stBogusComment
	}
	return true
}

// ---------------------------------------------------------------- RCDATA and RAWTEXT

// scanRawText runs the RCDATA/RAWTEXT states: text up to "</name" where
// name is the element's.
func (r *Rewriter) scanRawText(i int) int {
	p := r.p
	n := len(p)
	for i < n {
		c := p[i]
		switch r.st {
		case stRawText:
			k := bytes.IndexByte(p[i:], '<')
			if k < 0 {
				return n
			}
			i += k
			r.textLT(i)
			r.st = stRawTextLT
			i++

		case stRawTextLT:
			if c == '/' {
				r.st = stRawTextEndTagOpen
				i++
			} else {
				r.st = stRawText
			}

		case stRawTextEndTagOpen:
			r.endTagOpen(c)

		default: // stRawTextEndTagName
			j, ok := r.endTagName(c, i)
			if !ok {
				return j
			}
			i = j
		}
	}
	return n
}

// endTagOpen handles c after "</" in raw text or script data: a letter
// starts the candidate end tag's name (reconsumed), anything else is text.
func (r *Rewriter) endTagOpen(c byte) {
	if isAlpha(c) {
		r.endPos, r.endOK = 0, true
		r.st++ // the matching end tag name state
	} else {
		r.st = r.textState()
	}
}

// endTagName handles c at index i in one of the end tag name states of raw
// text or script data. It returns the next index, and false when the end
// tag of the element was found (the tokenizer left raw text).
func (r *Rewriter) endTagName(c byte, i int) (int, bool) {
	if isAlpha(c) {
		r.matchEnd(c, r.rawName)
		return i + 1, true
	}
	if (isWS(c) || c == '/' || c == '>') && r.endOK && r.endPos == len(r.rawName) {
		r.rawEndTag(i)
		return r.tagChar(c, i), false
	}
	r.st = r.textState()
	return i, true
}

// textState is the state to reconsume in when a candidate end tag turns out
// to be text.
func (r *Rewriter) textState() state {
	switch r.st {
	case stRawTextEndTagOpen, stRawTextEndTagName:
		return stRawText
	case stScriptEndTagOpen, stScriptEndTagName:
		return stScript
	}
	return stScriptEscaped
}

func (r *Rewriter) matchEnd(c byte, want string) {
	if r.endOK && r.endPos < len(want) && lower(c) == want[r.endPos] {
		r.endPos++
	} else {
		r.endOK = false
	}
}

// ---------------------------------------------------------------- script data

// scanScript runs the script data states, with their escaped ("<!--") and
// double-escaped ("<!--<script>") variants.
func (r *Rewriter) scanScript(i int) int {
	p := r.p
	n := len(p)
	for i < n {
		c := p[i]
		switch r.st {
		case stScript:
			k := bytes.IndexByte(p[i:], '<')
			if k < 0 {
				return n
			}
			i += k
			r.textLT(i)
			r.st = stScriptLT
			i++

		case stScriptLT:
			switch c {
			case '/':
				r.st = stScriptEndTagOpen
				i++
			case '!':
				r.st = stScriptEscapeStart
				i++
			default:
				r.st = stScript
			}

		case stScriptEndTagOpen, stScriptEscapedEndTagOpen:
			r.endTagOpen(c)

		case stScriptEndTagName, stScriptEscapedEndTagName:
			j, ok := r.endTagName(c, i)
			if !ok {
				return j
			}
			i = j

		case stScriptEscapeStart, stScriptEscapeStartDash:
			if c == '-' {
				if r.st == stScriptEscapeStart {
					r.st = stScriptEscapeStartDash
				} else {
					r.st = stScriptEscapedDashDash
				}
				i++
			} else {
				r.st = stScript
			}

		case stScriptEscaped:
			for i < n && p[i] != '-' && p[i] != '<' {
				i++
			}
			if i == n {
				return n
			}
			if p[i] == '-' {
				r.st = stScriptEscapedDash
			} else {
				r.textLT(i)
				r.st = stScriptEscapedLT
			}
			i++

		case stScriptEscapedDash, stScriptEscapedDashDash:
			switch {
			case c == '-':
				r.st = stScriptEscapedDashDash
			case c == '<':
				r.textLT(i)
				r.st = stScriptEscapedLT
			case c == '>' && r.st == stScriptEscapedDashDash:
				r.st = stScript
			default:
				r.st = stScriptEscaped
			}
			i++

		case stScriptEscapedLT:
			switch {
			case c == '/':
				r.st = stScriptEscapedEndTagOpen
				i++
			case isAlpha(c):
				r.endPos, r.endOK = 0, true
				r.st = stScriptDoubleEscapeStart
			default:
				r.st = stScriptEscaped
			}

		case stScriptDoubleEscapeStart, stScriptDoubleEscapeEnd:
			i = r.doubleEscape(c, i)

		case stScriptDoubleEscaped:
			for i < n && p[i] != '-' && p[i] != '<' {
				i++
			}
			if i == n {
				return n
			}
			if p[i] == '-' {
				r.st = stScriptDoubleEscapedDash
			} else {
				r.st = stScriptDoubleEscapedLT
			}
			i++

		case stScriptDoubleEscapedDash, stScriptDoubleEscapedDashDash:
			switch {
			case c == '-':
				r.st = stScriptDoubleEscapedDashDash
			case c == '<':
				r.st = stScriptDoubleEscapedLT
			case c == '>' && r.st == stScriptDoubleEscapedDashDash:
				r.st = stScript
			default:
				r.st = stScriptDoubleEscaped
			}
			i++

		default: // stScriptDoubleEscapedLT
			if c == '/' {
				r.endPos, r.endOK = 0, true
				r.st = stScriptDoubleEscapeEnd
				i++
			} else {
				r.st = stScriptDoubleEscaped
			}
		}
	}
	return n
}

// doubleEscape handles c at index i in the script data double escape start
// and end states, which match "script" to switch between escaped and
// double-escaped. It returns the next index.
func (r *Rewriter) doubleEscape(c byte, i int) int {
	start := r.st == stScriptDoubleEscapeStart
	switch {
	case isWS(c) || c == '/' || c == '>':
		script := r.endOK && r.endPos == len("script")
		if start == script {
			r.st = stScriptDoubleEscaped
		} else {
			r.st = stScriptEscaped
		}
		return i + 1
	case isAlpha(c):
		r.matchEnd(c, "script")
		return i + 1
	}
	if start {
		r.st = stScriptEscaped
	} else {
		r.st = stScriptDoubleEscaped
	}
	return i
}
