package htmlrewrite

import (
	"errors"
	"io"
)

// DefaultMaxHold is the default for Options.MaxHold.
const DefaultMaxHold = 64 << 10

// Options configures a Rewriter.
type Options struct {
	// HeadStart is inserted as the very first thing inside the head element:
	// right after the <head ...> start tag, or, when the head is created
	// implicitly, immediately before the token that creates it (see the
	// package documentation). nil inserts nothing.
	HeadStart []byte
	// BodyStart is inserted as the first thing inside the body element: right
	// after the <body ...> start tag the parser honours, or immediately
	// before the content that makes the parser create the body implicitly,
	// or at Close. nil inserts nothing.
	BodyStart []byte
	// Tags, when non-nil, is consulted for start tags and for the text of
	// raw-text elements.
	Tags TagRewriter
	// MaxHold bounds how many bytes may be held back for one start tag or one
	// raw-text element the TagRewriter asked to see (<= 0 means
	// DefaultMaxHold). Oversized tags and texts are passed through
	// untouched (except for what an OversizeRewriter inserts): when the
	// limit is exceeded the held bytes are emitted and scanning continues;
	// RewriteTag, RewriteText and RewriteElement are not called for them.
	MaxHold int
	// DocumentOnly inserts HeadStart and BodyStart only into a document: a
	// stream whose first token, after an optional byte order mark,
	// whitespace and comments, is a DOCTYPE or an <html>, <head> or <body>
	// start tag. Anything else first (text, another start tag, an end tag:
	// an HTML fragment such as an htmx or Turbo partial), or an empty or
	// blank stream, gets no snippet: every byte passes through unchanged
	// and Inserted reports false. Tag rewriting applies either way.
	DocumentOnly bool
}

// TagRewriter selects and rewrites tags. The byte slices it receives are only
// valid during the call; the slices it returns are written before the next
// call.
type TagRewriter interface {
	// WantTag reports whether start tags with this lower-case name must be
	// held until complete and passed to RewriteTag. Its answer must depend
	// only on the name for the whole document: the Rewriter remembers it
	// (tags whose name is not wanted are skipped without tokenizing their
	// attributes, see the package documentation).
	WantTag(name string) bool
	// RewriteTag receives the raw bytes of one complete start tag ('<' ..
	// '>'); it returns the bytes to emit instead, or nil to keep it
	// unchanged. Scanning continues as if the original tag had been seen,
	// so a replacement should be a start tag of the same element (e.g.
	// with changed attributes).
	RewriteTag(name string, raw []byte) []byte
	// WantText reports whether the contents of this raw-text element
	// (script, noscript, style, title, textarea, iframe, xmp, noembed,
	// noframes, plaintext), whose start tag was startTag (after any
	// RewriteTag), must be held and passed to RewriteText.
	WantText(name string, startTag []byte) bool
	// RewriteText receives the element's full text (between start and end
	// tag, end tag excluded) and returns replacement text, or nil to keep
	// it. An element not terminated by Close is emitted unmodified.
	RewriteText(name string, startTag []byte, text []byte) []byte
}

// ElementRewriter may be implemented by a TagRewriter that decides from a
// raw-text element's text how its start tag must change (an inline tracker
// snippet is recognised by its text, but it is its start tag that makes it
// inert). When a TagRewriter implements it, the unchanged start tag of an
// element whose text it wants is held together with the text (both within
// MaxHold), and RewriteElement is called instead of RewriteText. It returns
// the start tag and text to emit; nil keeps the original.
type ElementRewriter interface {
	RewriteElement(name string, startTag, text []byte) (newStart, newText []byte)
}

// TagFilter may be implemented by a TagRewriter that only changes some of
// the start tags it wants: those whose raw bytes contain a word (an <a> is
// only rewritten when it has a ping attribute). TagNeeds returns, for a
// name WantTag accepted, that word in lower-case ASCII letters, or "" for
// every tag. A complete start tag of at most MaxHold bytes that does not
// contain the word in any ASCII case is passed unchanged without being
// held or given to RewriteTag, so the scanner can skip it like a tag that
// is not wanted. (A longer one is still oversized: OversizedTag decides.)
// Like WantTag's, its answer must depend only on the name for the whole
// document.
type TagFilter interface {
	TagNeeds(name string) string
}

// TagSkipper may be implemented by a TagRewriter that can tell cheaply,
// from a complete start tag's raw bytes, that RewriteTag would return nil
// for it. The scanner calls SkipTag instead of RewriteTag for a complete
// wanted start tag of at most MaxHold bytes that it can pass over without
// holding it (outside foreign content, a name that does not change the
// tokenizer state, no TagFilter word for it), with the same name and raw
// bytes RewriteTag would receive, at the same point of the document. When
// SkipTag returns true, the tag is passed unchanged and RewriteTag is not
// called for it: SkipTag must have done whatever RewriteTag would have done
// besides returning nil (its answer stands for RewriteTag's). When it
// returns false, it must have had no effect: the tag is then handled the
// general way and RewriteTag is called with the same bytes. The output is
// thus the same whether or not a tag is skipped (for instance when it is
// split across writes and cannot be).
type TagSkipper interface {
	SkipTag(name string, raw []byte) bool
}

// OversizeRewriter may be implemented by a TagRewriter that must not let a
// tag it cannot inspect pass unchanged (fail closed). It is called, instead
// of passing the held bytes through untouched, when more than MaxHold bytes
// would have to be held for
//
//   - a start tag whose name WantTag accepted, or
//   - a raw-text element whose text WantText asked for, while its start tag
//     is still held with the text (ElementRewriter, start tag not replaced
//     by RewriteTag).
//
// The bytes it returns are inserted right after the tag name in the start
// tag ("<script" + inserted + the original attributes...), so attributes it
// inserts come first and win over duplicates later in the tag; the rest of
// the tag (and of the text) is emitted unmodified. nil inserts nothing.
// When the start tag of an oversized text has already been emitted (a
// TagRewriter without RewriteElement, or a start tag RewriteTag replaced),
// it cannot be changed any more: the text passes through unmodified and
// OversizedTag is not called.
type OversizeRewriter interface {
	OversizedTag(name string) []byte
}

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("htmlrewrite: write after close")

type state uint8

// Tokenizer states, named after the WHATWG ones. DOCTYPE and bogus comments
// share one state: every DOCTYPE state ends at the first '>'.
const (
	stData state = iota
	stTagOpen
	stEndTagOpen
	stTagName
	stBeforeAttrName
	stAttrName
	stAfterAttrName
	stBeforeAttrValue
	stAttrValueDQ
	stAttrValueSQ
	stAttrValueUnquoted
	stAfterAttrValueQuoted
	stSelfClosingStartTag
	stMarkupDeclOpen
	stBogusComment
	stCommentStart
	stCommentStartDash
	stComment
	stCommentEndDash
	stCommentEnd
	stCommentEndBang
	stCDATA
	stCDATABracket
	stCDATAEnd
	stRawText // RCDATA and RAWTEXT
	stRawTextLT
	stRawTextEndTagOpen
	stRawTextEndTagName
	stScript
	stScriptLT
	stScriptEndTagOpen
	stScriptEndTagName
	stScriptEscapeStart
	stScriptEscapeStartDash
	stScriptEscaped
	stScriptEscapedDash
	stScriptEscapedDashDash
	stScriptEscapedLT
	stScriptEscapedEndTagOpen
	stScriptEscapedEndTagName
	stScriptDoubleEscapeStart
	stScriptDoubleEscaped
	stScriptDoubleEscapedDash
	stScriptDoubleEscapedDashDash
	stScriptDoubleEscapedLT
	stScriptDoubleEscapeEnd
	stPlaintext
)

type holdKind uint8

const (
	holdNone holdKind = iota
	holdName          // '<' + tag name, until the name is known
	holdTag           // a start tag, until '>'
	holdText          // a raw-text element's text, until its end tag
)

const (
	maxName     = 64  // longer tag names are "unknown"
	maxForeign  = 256 // foreign element stack bound
	maxTemplate = 64  // template nesting levels whose foreign depth is remembered
)

const (
	nsSVG uint8 = iota + 1
	nsMath
)

const (
	ipNone uint8 = iota
	ipHTML
	ipMathText
)

// frame is an open SVG or MathML element.
type frame struct {
	name string
	ns   uint8
	ip   uint8
	root bool // its parent is an HTML element (or an integration point)
	// htmlKids: an HTML element was opened inside this integration point.
	htmlKids bool
}

// Rewriter is the streaming scanner. Create one with New or reuse one with
// Reset; it is not safe for concurrent use.
type Rewriter struct {
	dst     io.Writer
	opts    Options
	maxHold int
	err     error
	closed  bool

	disabled bool
	bomPos   int8 // bytes of a leading BOM seen so far; -1 once decided
	bomBuf   [2]byte

	st state

	// The tag being scanned.
	isEnd       bool
	rawEnd      bool // end tag of the current raw-text element
	selfClosing bool
	nameDecided bool
	nameOver    bool
	nameLen     int
	name        [maxName]byte
	tagName     string
	fontBreak   bool // <font> with color/face/size: breaks out of foreign content
	attrLen     int
	attr        [5]byte

	// Raw text.
	rawName string
	endPos  int   // end-tag name (or "script" for double escapes) matched so far
	endOK   bool  // ... and no mismatch yet
	mdPos   int   // markup declaration open: chars of "--", "[CDATA[" or "DOCTYPE" matched
	mdKind  uint8 // which of them (mdComment...)

	// Insertion.
	headDone, bodyDone bool // insertion point reached (or given up)
	done               bool // nothing left to do: copy the rest unscanned
	docPending         bool // DocumentOnly: no token has decided yet
	nameCache          [128]nameEntry
	headIns, bodyIns   bool
	pendHead, pendBody bool // insert after the current start tag
	noBody             bool // frameset document
	afterHead          bool // </head> seen before the body
	template           int
	tmplForeign        []int // len(foreign) at each open <template>
	foreign            []frame

	// Holding.
	hk        holdKind
	hold      []byte // held bytes from previous chunks
	holdFrom  int    // index in p where the held bytes of this chunk start
	tagWanted bool
	tagNeed   string // the TagFilter's word for the current tag
	skipper   TagSkipper
	// holdNameEnd is the offset in the held bytes of the end of a held
	// start tag's name (where OversizedTag's bytes go).
	holdNameEnd int
	textFrom    int    // offset of a raw-text element's text in the hold (> 0 when its start tag is held too)
	ltPos       int    // offset within the held text of a candidate end tag's '<'
	startTag    []byte // start tag of the held raw-text element

	names map[string]string

	// Current chunk: p[mark:] has been neither written nor copied.
	p    []byte
	mark int
}

// New returns a Rewriter writing to dst.
func New(dst io.Writer, opts Options) *Rewriter {
	r := &Rewriter{}
	r.Reset(dst, opts)
	return r
}

// Reset prepares r for a new document, keeping its buffers (for sync.Pool).
func (r *Rewriter) Reset(dst io.Writer, opts Options) {
	*r = Rewriter{
		dst:         dst,
		opts:        opts,
		maxHold:     opts.MaxHold,
		hold:        r.hold[:0],
		startTag:    r.startTag[:0],
		foreign:     r.foreign[:0],
		tmplForeign: r.tmplForeign[:0],
		names:       r.names,
		docPending:  opts.DocumentOnly,
	}
	if r.maxHold <= 0 {
		r.maxHold = DefaultMaxHold
	}
	r.skipper, _ = opts.Tags.(TagSkipper)
}

// Inserted reports whether HeadStart and BodyStart have been inserted (their
// insertion point was reached, even if the snippet is empty).
func (r *Rewriter) Inserted() (head, body bool) { return r.headIns, r.bodyIns }

// Disabled reports whether the document started with a UTF-16 byte order
// mark, in which case everything is passed through untouched.
func (r *Rewriter) Disabled() bool { return r.disabled }

// Flush returns the first write error, if any. Write already emits every
// byte that does not need to be held (see the package documentation), so
// there is nothing more to write; Flush does not flush dst.
func (r *Rewriter) Flush() error { return r.err }

// Write scans p and writes it, with insertions and rewrites, to dst. It
// returns len(p) unless dst failed.
func (r *Rewriter) Write(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.closed {
		return 0, ErrClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	if r.disabled || r.done {
		r.write(p)
	} else {
		r.p, r.mark, r.holdFrom = p, 0, 0
		i := 0
		if r.bomPos >= 0 {
			i = r.bom(p)
		}
		if r.disabled {
			r.write(p[r.mark:])
		} else {
			r.scan(i)
			r.endChunk()
		}
		r.p = nil
		// With both snippets placed and no tag rewriting, nothing is left
		// to find: the rest of the body is copied without scanning.
		r.done = r.bodyDone && r.opts.Tags == nil && r.hk == holdNone && r.bomPos < 0
	}
	if r.err != nil {
		return 0, r.err
	}
	return len(p), nil
}

// bom handles the first bytes of the document: a UTF-8 BOM is emitted and
// otherwise ignored, a UTF-16 BOM disables the rewriter. Bytes that may
// start a BOM are kept in r.bomBuf until decided; if they turn out not to
// be a BOM they are text (invalid UTF-8), which creates the body. It
// returns where scanning starts.
func (r *Rewriter) bom(p []byte) int {
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch r.bomPos {
		case 0:
			if c != 0xEF && c != 0xFE && c != 0xFF {
				r.bomPos = -1
				return i
			}
			r.bomBuf[0] = c
			r.bomPos = 1
			r.mark = i + 1
			continue
		case 1:
			f := r.bomBuf[0]
			if f == 0xFE && c == 0xFF || f == 0xFF && c == 0xFE {
				r.write(r.bomBuf[:1])
				r.disabled = true
				r.bomPos = -1
				return len(p)
			}
			if f == 0xEF && c == 0xBB {
				r.bomBuf[1] = c
				r.bomPos = 2
				r.mark = i + 1
				continue
			}
		case 2:
			if c == 0xBF {
				r.write(r.bomBuf[:2])
				r.bomPos = -1
				return i + 1
			}
		}
		r.notBOM()
		return i
	}
	return len(p)
}

// notBOM handles leading bytes that looked like the start of a BOM but are
// not: they are text, so the head and body snippets go before them.
func (r *Rewriter) notBOM() {
	if r.docPending {
		r.notDocument()
		r.write(r.bomBuf[:r.bomPos])
		r.bomPos = -1
		return
	}
	r.write(r.opts.HeadStart)
	r.write(r.opts.BodyStart)
	r.headDone, r.headIns, r.bodyDone, r.bodyIns = true, true, true, true
	r.write(r.bomBuf[:r.bomPos])
	r.bomPos = -1
}

// Close ends the document: held bytes are emitted unmodified, and snippets
// whose insertion point was not reached are written if that is safe (see
// the package documentation). It does not close dst.
func (r *Rewriter) Close() error {
	if r.closed {
		return r.err
	}
	r.closed = true
	if r.disabled || r.err != nil {
		return r.err
	}
	if r.bomPos > 0 {
		r.notBOM()
	}
	// Appending at EOF works in the data state. It also works before a
	// held '<' or "</" (text at EOF: it creates the body like other text)
	// and before a held incomplete tag (dropped at EOF).
	eofOK := r.st == stData ||
		r.hk != holdNone && r.st >= stTagOpen && r.st <= stSelfClosingStartTag
	if eofOK && r.preBody() && !r.noBody && !r.docPending {
		// (Before the body, foreign content is only possible in templates.)
		if !r.headDone {
			r.write(r.opts.HeadStart)
			r.headDone, r.headIns = true, true
		}
		r.write(r.opts.BodyStart)
		r.bodyDone, r.bodyIns = true, true
	}
	if r.hk != holdNone {
		r.write(r.hold)
		r.hold = r.hold[:0]
		r.hk = holdNone
	}
	return r.err
}

func (r *Rewriter) write(b []byte) {
	if r.err != nil || len(b) == 0 {
		return
	}
	if _, err := r.dst.Write(b); err != nil {
		r.err = err
	}
}

// endChunk writes or keeps what is left of the current chunk.
func (r *Rewriter) endChunk() {
	p := r.p
	if r.hk == holdNone {
		r.write(p[r.mark:])
		return
	}
	if r.hk != holdName && r.heldLen(len(p)) > r.maxHold {
		r.releaseOversized(len(p))
		return
	}
	if len(r.hold) == 0 {
		r.write(p[r.mark:r.holdFrom])
	}
	r.hold = append(r.hold, p[r.holdFrom:]...)
}

// releaseOversized stops holding because the held bytes, up to index j of
// the current chunk, exceed MaxHold: they are emitted unmodified, except
// for what an OversizeRewriter inserts after the tag name.
func (r *Rewriter) releaseOversized(j int) {
	var ins []byte
	if or, ok := r.opts.Tags.(OversizeRewriter); ok {
		switch {
		case r.hk == holdTag && r.tagWanted:
			ins = or.OversizedTag(r.tagName)
		case r.hk == holdText && r.textFrom > 0:
			ins = or.OversizedTag(r.rawName)
		}
	}
	p := r.p
	a, b := r.hold, p[r.holdFrom:j]
	if len(r.hold) == 0 {
		r.write(p[r.mark:r.holdFrom])
		a, b = b, nil
	}
	if at := r.holdNameEnd; len(ins) > 0 && at <= len(a) {
		r.write(a[:at])
		r.write(ins)
		r.write(a[at:])
		r.write(b)
	} else if len(ins) > 0 {
		k := at - len(a)
		r.write(a)
		r.write(b[:k])
		r.write(ins)
		r.write(b[k:])
	} else {
		r.write(a)
		r.write(b)
	}
	r.mark = j
	r.hold = r.hold[:0]
	r.hk = holdNone
}

// startHold starts holding at index i of the current chunk.
func (r *Rewriter) startHold(k holdKind, i int) {
	r.hk = k
	r.holdFrom = i
	r.hold = r.hold[:0]
}

// heldLen is the number of bytes held when the scanner is at index i.
func (r *Rewriter) heldLen(i int) int { return len(r.hold) + i - r.holdFrom }

// held returns the held bytes up to index j, copying only if the hold
// spans chunks.
func (r *Rewriter) held(j int) []byte {
	if len(r.hold) == 0 {
		return r.p[r.holdFrom:j]
	}
	r.hold = append(r.hold, r.p[r.holdFrom:j]...)
	r.holdFrom, r.mark = j, j
	return r.hold
}

// release stops holding; the held bytes are emitted unmodified.
func (r *Rewriter) release() {
	if r.hk == holdNone {
		return
	}
	if len(r.hold) > 0 {
		// mark == holdFrom: p[mark:] follows the held bytes.
		r.write(r.hold)
		r.hold = r.hold[:0]
	}
	r.hk = holdNone
}

// replaceHeld emits a, b and c instead of the held bytes up to index j.
func (r *Rewriter) replaceHeld(j int, a, b, c []byte) {
	if len(r.hold) == 0 {
		r.write(r.p[r.mark:r.holdFrom])
	}
	r.write(a)
	r.write(b)
	r.write(c)
	r.mark = j
	r.hold = r.hold[:0]
	r.hk = holdNone
}

// insertBeforeHold writes s before the held bytes.
func (r *Rewriter) insertBeforeHold(s []byte) {
	if len(r.hold) == 0 {
		r.write(r.p[r.mark:r.holdFrom])
		r.mark = r.holdFrom
	}
	r.write(s)
}

// insertAt writes s at index i of the current chunk (nothing is held).
func (r *Rewriter) insertAt(i int, s []byte) {
	r.write(r.p[r.mark:i])
	r.mark = i
	r.write(s)
}

// preBody reports whether the body insertion point is still to be found and
// the scanner is where the parser could create it.
func (r *Rewriter) preBody() bool { return !r.bodyDone && r.template == 0 }

func (r *Rewriter) headBefore() {
	if !r.headDone {
		r.insertBeforeHold(r.opts.HeadStart)
		r.headDone, r.headIns = true, true
	}
}

func (r *Rewriter) bodyBefore() {
	if !r.bodyDone {
		r.insertBeforeHold(r.opts.BodyStart)
		r.bodyDone, r.bodyIns = true, true
	}
}

// textBefore handles non-whitespace text at index i in the data state before
// the body exists: the parser creates head and body for it.
// notDocument handles DocumentOnly when the first token is not one of a
// document: nothing will be inserted.
func (r *Rewriter) notDocument() {
	r.docPending = false
	r.headDone, r.bodyDone = true, true
}

func (r *Rewriter) textBefore(i int) {
	if !r.headDone {
		r.insertAt(i, r.opts.HeadStart)
		r.headDone, r.headIns = true, true
	}
	r.insertAt(i, r.opts.BodyStart)
	r.bodyDone, r.bodyIns = true, true
}
