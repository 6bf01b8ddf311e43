package htmlrewrite

import "bytes"

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

// scan runs the tokenizer over r.p from index i.
func (r *Rewriter) scan(i int) {
	p := r.p
	n := len(p)
	for i < n {
		c := p[i]
		switch r.st {
		case stData:
			if r.preBody() {
				for i < n && isWS(p[i]) {
					i++
				}
				if i == n {
					return
				}
				if p[i] != '<' {
					r.textBefore(i)
					continue
				}
			} else {
				if r.bodyDone && r.opts.Tags == nil && r.hk == holdNone && r.bomPos < 0 {
					// Both snippets are placed and no tag is rewritten:
					// nothing is left to find (see Write).
					r.done = true
					return
				}
				k := bytes.IndexByte(p[i:], '<')
				if k < 0 {
					return
				}
				i += k
			}
			// p[i] == '<'
			if r.opts.Tags != nil || r.preBody() {
				r.startHold(holdName, i)
			}
			r.st = stTagOpen
			i++

		case stTagOpen:
			switch {
			case c == '!':
				r.release()
				r.st, r.mdPos, r.mdCDATA = stMarkupDeclOpen, 0, false
				i++
			case c == '/':
				r.st = stEndTagOpen
				i++
			case isAlpha(c):
				r.beginTag(false)
				i++
				r.st = stTagName
				r.appendName(c)
			case c == '?':
				r.release()
				r.st = stBogusComment
				i++
			default:
				// The '<' is text.
				if r.hk == holdName && r.preBody() {
					r.headBefore()
					r.bodyBefore()
				}
				r.release()
				r.st = stData
			}

		case stEndTagOpen:
			switch {
			case isAlpha(c):
				r.beginTag(true)
				i++
				r.st = stTagName
				r.appendName(c)
			case c == '>':
				// "</>" is dropped by the tokenizer.
				r.release()
				r.st = stData
				i++
			default:
				r.release()
				r.st = stBogusComment
			}

		case stTagName:
			j := i
			for j < n && class[p[j]]&clNameEnd == 0 {
				j++
			}
			r.appendNames(p[i:j])
			i = j
			if i == n {
				return
			}
			c = p[i]
			r.nameDone()
			i = r.tagChar(c, i)

		case stBeforeAttrName:
			switch {
			case isWS(c):
				i++
			case c == '/' || c == '>':
				r.st = stAfterAttrName
			case c == '=':
				r.attrLen = 0
				r.appendAttr(c)
				r.st = stAttrName
				i++
			default:
				r.attrLen = 0
				r.st = stAttrName
			}

		case stAttrName:
			for i < n {
				c = p[i]
				if class[c]&clAttrEnd != 0 {
					break
				}
				r.appendAttr(c)
				i++
			}
			if i == n {
				return
			}
			r.attrDone()
			if c == '=' {
				r.st = stBeforeAttrValue
				i++
			} else {
				r.st = stAfterAttrName
			}

		case stAfterAttrName:
			switch {
			case isWS(c):
				i++
			case c == '/':
				r.st = stSelfClosingStartTag
				i++
			case c == '=':
				r.st = stBeforeAttrValue
				i++
			case c == '>':
				i = r.tagEnd(i + 1)
			default:
				r.attrLen = 0
				r.st = stAttrName
			}

		case stBeforeAttrValue:
			switch {
			case isWS(c):
				i++
			case c == '"':
				r.st = stAttrValueDQ
				i++
			case c == '\'':
				r.st = stAttrValueSQ
				i++
			case c == '>':
				i = r.tagEnd(i + 1)
			default:
				r.st = stAttrValueUnquoted
			}

		case stAttrValueDQ, stAttrValueSQ:
			q := byte('"')
			if r.st == stAttrValueSQ {
				q = '\''
			}
			k := bytes.IndexByte(p[i:], q)
			if k < 0 {
				return
			}
			i += k + 1
			r.st = stAfterAttrValueQuoted

		case stAttrValueUnquoted:
			for i < n && class[p[i]]&clUnquoted == 0 {
				i++
			}
			if i == n {
				return
			}
			if c = p[i]; c == '>' {
				i = r.tagEnd(i + 1)
			} else {
				r.st = stBeforeAttrName
				i++
			}

		case stAfterAttrValueQuoted:
			switch {
			case isWS(c):
				r.st = stBeforeAttrName
				i++
			case c == '/':
				r.st = stSelfClosingStartTag
				i++
			case c == '>':
				i = r.tagEnd(i + 1)
			default:
				r.st = stBeforeAttrName
			}

		case stSelfClosingStartTag:
			if c == '>' {
				r.selfClosing = true
				i = r.tagEnd(i + 1)
			} else {
				r.st = stBeforeAttrName
			}

		case stMarkupDeclOpen:
			switch {
			case r.mdPos == 0 && c == '-':
				r.mdPos = 1
				i++
			case r.mdPos == 0 && c == '[' && len(r.foreign) > 0:
				r.mdPos, r.mdCDATA = 1, true
				i++
			case r.mdPos == 1 && !r.mdCDATA && c == '-':
				r.st = stCommentStart
				i++
			case r.mdCDATA && c == "[CDATA["[r.mdPos]:
				r.mdPos++
				i++
				if r.mdPos == len("[CDATA[") {
					r.st = stCDATA
				}
			default:
				// DOCTYPE or bogus comment: both end at the first '>'.
				r.st = stBogusComment
			}

		case stBogusComment:
			k := bytes.IndexByte(p[i:], '>')
			if k < 0 {
				return
			}
			i += k + 1
			r.st = stData

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
				i++
			default:
				r.st = stComment
			}

		case stComment:
			k := bytes.IndexByte(p[i:], '-')
			if k < 0 {
				return
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
				i++
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
				i++
			default:
				r.st = stComment
			}

		case stCDATA:
			k := bytes.IndexByte(p[i:], ']')
			if k < 0 {
				return
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

		case stCDATAEnd:
			switch c {
			case ']':
				i++
			case '>':
				r.st = stData
				i++
			default:
				r.st = stCDATA
			}

		case stRawText, stScript:
			k := bytes.IndexByte(p[i:], '<')
			if k < 0 {
				return
			}
			i += k
			r.textLT(i)
			i++
			if r.st == stRawText {
				r.st = stRawTextLT
			} else {
				r.st = stScriptLT
			}

		case stRawTextLT:
			if c == '/' {
				r.st = stRawTextEndTagOpen
				i++
			} else {
				r.st = stRawText
			}

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

		case stRawTextEndTagOpen, stScriptEndTagOpen, stScriptEscapedEndTagOpen:
			if isAlpha(c) {
				r.endPos, r.endOK = 0, true
				r.st++ // the matching end tag name state
			} else {
				r.st = r.textState()
			}

		case stRawTextEndTagName, stScriptEndTagName, stScriptEscapedEndTagName:
			if isAlpha(c) {
				r.matchEnd(c, r.rawName)
				i++
				continue
			}
			if (isWS(c) || c == '/' || c == '>') && r.endOK && r.endPos == len(r.rawName) {
				r.rawEndTag(i)
				i = r.tagChar(c, i)
			} else {
				r.st = r.textState()
			}

		case stScriptEscapeStart:
			if c == '-' {
				r.st = stScriptEscapeStartDash
				i++
			} else {
				r.st = stScript
			}

		case stScriptEscapeStartDash:
			if c == '-' {
				r.st = stScriptEscapedDashDash
				i++
			} else {
				r.st = stScript
			}

		case stScriptEscaped:
			for i < n && p[i] != '-' && p[i] != '<' {
				i++
			}
			if i == n {
				return
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
			switch {
			case isWS(c) || c == '/' || c == '>':
				script := r.endOK && r.endPos == len("script")
				if r.st == stScriptDoubleEscapeStart {
					if script {
						r.st = stScriptDoubleEscaped
					} else {
						r.st = stScriptEscaped
					}
				} else {
					if script {
						r.st = stScriptEscaped
					} else {
						r.st = stScriptDoubleEscaped
					}
				}
				i++
			case isAlpha(c):
				r.matchEnd(c, "script")
				i++
			default:
				if r.st == stScriptDoubleEscapeStart {
					r.st = stScriptEscaped
				} else {
					r.st = stScriptDoubleEscaped
				}
			}

		case stScriptDoubleEscaped:
			for i < n && p[i] != '-' && p[i] != '<' {
				i++
			}
			if i == n {
				return
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

		case stScriptDoubleEscapedLT:
			if c == '/' {
				r.endPos, r.endOK = 0, true
				r.st = stScriptDoubleEscapeEnd
				i++
			} else {
				r.st = stScriptDoubleEscaped
			}

		case stPlaintext:
			return

		default:
			panic("htmlrewrite: bad state")
		}
	}
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

func (r *Rewriter) beginTag(end bool) {
	r.isEnd = end
	r.rawEnd = false
	r.selfClosing = false
	r.nameDecided = false
	r.nameOver = false
	r.nameLen = 0
	r.tagName = ""
	r.fontBreak = false
	r.tagWanted = false
}

func (r *Rewriter) appendNames(b []byte) {
	if k := min(len(b), maxName-r.nameLen); k > 0 {
		for i, c := range b[:k] {
			r.name[r.nameLen+i] = lower(c)
		}
		r.nameLen += k
		b = b[k:]
	}
	if len(b) > 0 && !r.nameDecided {
		r.nameOver = true
		r.nameDone()
	}
}

func (r *Rewriter) appendName(c byte) {
	if r.nameLen < maxName {
		r.name[r.nameLen] = lower(c)
		r.nameLen++
		return
	}
	if !r.nameDecided {
		r.nameOver = true
		r.nameDone()
	}
}

func (r *Rewriter) appendAttr(c byte) {
	if r.attrLen < len(r.attr) {
		r.attr[r.attrLen] = lower(c)
	}
	r.attrLen++
}

func (r *Rewriter) attrDone() {
	if r.tagName == "font" && !r.isEnd && r.attrLen <= len(r.attr) {
		switch string(r.attr[:r.attrLen]) {
		case "color", "face", "size":
			r.fontBreak = true
		}
	}
}

// textLT records, while holding a raw-text element's text, where a '<' that
// may start its end tag is.
func (r *Rewriter) textLT(i int) {
	if r.hk == holdText {
		r.ltPos = r.heldLen(i)
	}
}

// nameDone is called once the name of the current tag is known: it places
// snippets that go before the tag and decides whether to hold the tag.
func (r *Rewriter) nameDone() {
	if r.nameDecided {
		return
	}
	r.nameDecided = true
	pre := r.preBody()
	name := ""
	switch {
	case r.nameOver:
	case r.opts.Tags != nil || pre || len(r.foreign) > 0:
		name = r.intern(r.name[:r.nameLen])
	default:
		// Only a few names matter here: no map lookup.
		name = special(r.name[:r.nameLen])
	}
	r.tagName = name
	if r.isEnd {
		if pre {
			switch name {
			case "head":
				r.headBefore()
				r.afterHead = true
			case "body", "html", "br":
				r.headBefore()
				r.bodyBefore()
			}
		}
		r.release()
		return
	}
	if pre {
		switch {
		case name == "html":
		case name == "head":
			if !r.headDone {
				r.pendHead = true
			}
		case name == "body":
			r.headBefore()
			r.pendBody = true
		case name == "frameset":
			r.headBefore()
			r.bodyDone, r.noBody = true, true
		case inHead(name) && !(name == "noscript" && r.afterHead):
			// (After </head>, <noscript> is body content.)
			r.headBefore()
		default:
			r.headBefore()
			r.bodyBefore()
		}
	}
	if r.opts.Tags != nil && r.hk == holdName && name != "" {
		r.tagWanted = r.opts.Tags.WantTag(name)
		if r.tagWanted || rawState(name) != stData && r.startIsHTML(name, false) {
			r.hk = holdTag
			return
		}
	}
	r.release()
}

// startIsHTML reports whether a start tag with this name is processed as
// HTML (rather than as a foreign element) given the open foreign elements.
func (r *Rewriter) startIsHTML(name string, fontBreak bool) bool {
	n := len(r.foreign)
	if n == 0 {
		return true
	}
	top := &r.foreign[n-1]
	switch {
	case top.ip == ipHTML:
		return true
	case top.ip == ipMathText && name != "mglyph" && name != "malignmark":
		return true
	case top.name == "annotation-xml" && name == "svg":
		return true
	}
	return breakout(name) || fontBreak
}

// popForeign pops foreign elements up to the nearest integration point or
// HTML element.
func (r *Rewriter) popForeign() {
	for n := len(r.foreign); n > 0; n-- {
		top := r.foreign[n-1]
		if top.ip != ipNone {
			return
		}
		r.foreign = r.foreign[:n-1]
		if top.root {
			return
		}
	}
}

func (r *Rewriter) pushForeign(name string, ns uint8, root bool) {
	if len(r.foreign) >= maxForeign {
		return
	}
	f := frame{name: name, ns: ns, root: root}
	switch {
	case ns == nsSVG && (name == "foreignobject" || name == "desc" || name == "title"):
		f.ip = ipHTML
	case ns == nsMath && (name == "mi" || name == "mo" || name == "mn" || name == "ms" || name == "mtext"):
		f.ip = ipMathText
	}
	r.foreign = append(r.foreign, f)
}

// rawEndTag is called at index i, the character after "</name", when that
// is the end tag of the current raw-text element.
func (r *Rewriter) rawEndTag(i int) {
	if r.hk == holdText {
		if r.heldLen(i) > r.maxHold {
			r.release()
		} else {
			full := r.held(i)
			text, tail := full[r.textFrom:r.ltPos], full[r.ltPos:]
			if er, ok := r.opts.Tags.(ElementRewriter); ok && r.textFrom > 0 {
				// The start tag was held with the text (see tagEnd).
				start, repl := er.RewriteElement(r.rawName, r.startTag, text)
				switch {
				case start == nil && repl == nil:
					r.release()
				default:
					if start == nil {
						start = full[:r.textFrom]
					}
					if repl == nil {
						repl = text
					}
					r.replaceHeld(i, start, repl, tail)
				}
			} else if repl := r.opts.Tags.RewriteText(r.rawName, r.startTag, text); repl != nil {
				r.replaceHeld(i, repl, tail, nil)
			} else {
				r.release()
			}
		}
	}
	r.beginTag(true)
	r.nameDecided = true
	r.rawEnd = true
	r.tagName = r.rawName
}

// tagEnd is called when the current tag ends; j is the index after '>'. It
// returns j.
func (r *Rewriter) tagEnd(j int) int {
	r.st = stData
	name := r.tagName
	if r.isEnd {
		if !r.rawEnd {
			r.endTag(name)
		}
		return j
	}

	// Start tag. Whether it is an HTML element depends on the foreign
	// elements open before it.
	html := r.startIsHTML(name, r.fontBreak)
	rawText := html && rawState(name) != stData

	// Rewrite it if asked.
	wantText, keepStart := false, false
	if r.hk == holdTag {
		if r.heldLen(j) > r.maxHold {
			r.release()
		} else {
			raw := r.held(j)
			startTag := raw
			var repl []byte
			if r.tagWanted {
				repl = r.opts.Tags.RewriteTag(name, raw)
			}
			if repl != nil {
				startTag = repl
			}
			if rawText && r.opts.Tags.WantText(name, startTag) {
				r.startTag = append(r.startTag[:0], startTag...)
				wantText = true
			}
			_, elem := r.opts.Tags.(ElementRewriter)
			switch {
			case repl != nil:
				r.replaceHeld(j, repl, nil, nil)
			case wantText && elem:
				// Keep holding the unchanged start tag with the text,
				// so RewriteElement can still replace it.
				keepStart = true
			default:
				r.release()
			}
		}
	}

	// Tree construction, as far as tokenization depends on it.
	if html {
		if n := len(r.foreign); n > 0 && r.foreign[n-1].ip == ipNone &&
			!(r.foreign[n-1].name == "annotation-xml" && name == "svg") {
			r.popForeign() // breakout
		}
		switch name {
		case "svg", "math":
			if !r.selfClosing {
				ns := nsSVG
				if name == "math" {
					ns = nsMath
				}
				n := len(r.foreign)
				root := n == 0 || r.foreign[n-1].ip != ipNone
				r.pushForeign(name, ns, root)
			}
		case "template":
			if len(r.tmplForeign) < maxTemplate && len(r.tmplForeign) == r.template {
				r.tmplForeign = append(r.tmplForeign, len(r.foreign))
			}
			r.template++
		}
	} else if !r.selfClosing && name != "" {
		r.pushForeign(name, r.foreign[len(r.foreign)-1].ns, false)
	}
	if n := len(r.foreign); html && n > 0 && r.foreign[n-1].ip != ipNone && !void(name) {
		r.foreign[n-1].htmlKids = true
	}

	if r.pendHead {
		r.pendHead = false
		r.insertAt(j, r.opts.HeadStart)
		r.headDone, r.headIns = true, true
	}
	if r.pendBody {
		r.pendBody = false
		r.insertAt(j, r.opts.BodyStart)
		r.bodyDone, r.bodyIns = true, true
	}

	if rawText {
		r.st = rawState(name)
		r.rawName = name
		switch {
		case keepStart:
			r.hk = holdText
			r.textFrom = r.heldLen(j)
		case wantText:
			r.startHold(holdText, j)
			r.textFrom = 0
		}
	}
	return j
}

// endTag applies a (non raw-text) end tag to the template count and the
// foreign element stack.
func (r *Rewriter) endTag(name string) {
	if n := len(r.foreign); n > 0 && name != "" {
		top := r.foreign[n-1]
		if (name == "br" || name == "p") && top.ip == ipNone {
			r.popForeign()
			return
		}
		// Inside an integration point with HTML elements open, end tags
		// follow the HTML rules, where </template> closes the HTML
		// template. (For other end tags the frames are matched anyway:
		// whether an HTML element is still open is not tracked.)
		htmlTemplate := name == "template" && r.template > 0 && top.ip != ipNone && top.htmlKids
		for k := n - 1; k >= 0 && !htmlTemplate; k-- {
			if r.foreign[k].name == name {
				r.foreign = r.foreign[:k]
				return
			}
			if r.foreign[k].root {
				break
			}
		}
	}
	if name == "template" && r.template > 0 {
		r.template--
		if r.template < len(r.tmplForeign) {
			if d := r.tmplForeign[r.template]; d < len(r.foreign) {
				r.foreign = r.foreign[:d]
			}
			r.tmplForeign = r.tmplForeign[:r.template]
		}
	}
}
