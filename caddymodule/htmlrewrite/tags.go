package htmlrewrite

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
	r.tagNeed = ""
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
	var e *nameEntry
	name := ""
	switch {
	case r.nameOver:
	case r.opts.Tags != nil || r.preBody() || len(r.foreign) > 0:
		e = r.lookup(r.name[:r.nameLen])
		name = e.name
	default:
		// Only a few names matter here: no map lookup.
		name = special(r.name[:r.nameLen])
	}
	r.tagName = name
	if r.docPending {
		if !r.isEnd && (name == "html" || name == "head" || name == "body") {
			r.docPending = false
		} else {
			r.notDocument()
		}
	}
	pre := r.preBody()
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
	if r.opts.Tags != nil && r.hk == holdName && e != nil {
		r.tagWanted = e.flags&fWanted != 0
		r.tagNeed = e.need
		if r.tagWanted || rawState(name) != stData && r.startIsHTML(name, false) {
			r.hk = holdTag
			r.holdNameEnd = 1 + r.nameLen
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
			r.releaseOversized(i)
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
			r.releaseOversized(j)
		} else {
			raw := r.held(j)
			startTag := raw
			var repl []byte
			if r.tagWanted && (r.tagNeed == "" || hasFold(raw, r.tagNeed)) {
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
