package htmlrewrite

import "strings"

// knownNames interns the lower-case names of HTML, SVG and MathML elements so
// that handing a tag name to a TagRewriter does not allocate. Looking up a
// map with string(b) as key does not allocate either.
var knownNames = func() map[string]string {
	const list = `a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound big
blink blockquote body br button canvas caption center cite code col colgroup data datalist dd del
details dfn dialog dir div dl dt em embed fieldset figcaption figure font footer form frame frameset
h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe image img input ins isindex kbd keygen label
legend li link listing main map mark marquee menu menuitem meta meter nav nobr noembed noframes
noscript object ol optgroup option output p param picture plaintext portal pre progress q rb rp rt
rtc ruby s samp script search section select selectedcontent slot small source span strike strong
style sub summary sup table tbody td template textarea tfoot th thead time title tr track tt u ul var
video wbr xmp
svg math altglyph altglyphdef altglyphitem animate animatecolor animatemotion animatetransform
circle clippath cursor defs desc ellipse feblend fecolormatrix fecomponenttransfer fecomposite
feconvolvematrix fediffuselighting fedisplacementmap fedistantlight fedropshadow feflood fefunca
fefuncb fefuncg fefuncr fegaussianblur feimage femerge femergenode femorphology feoffset
fepointlight fespecularlighting fespotlight fetile feturbulence filter foreignobject g glyph
glyphref hkern line lineargradient marker mask metadata mpath path pattern polygon polyline
radialgradient rect set stop switch symbol text textpath tref tspan use view vkern
annotation annotation-xml maction maligngroup malignmark menclose merror mfenced mfrac mglyph mi
mlabeledtr mlongdiv mmultiscripts mn mo mover mpadded mphantom mprescripts mroot mrow ms mscarries
mscarry msgroup msline mspace msqrt msrow mstack mstyle msub msubsup msup mtable mtd mtext mtr
munder munderover none semantics`
	m := make(map[string]string)
	for _, n := range strings.Fields(list) {
		m[n] = n
	}
	return m
}()

// maxNameCache bounds the per-Rewriter cache of names that are not in
// knownNames (custom elements); beyond it such names are allocated per tag.
const maxNameCache = 256

// nameEntry caches, per Rewriter and document, a tag name and what the
// scanner needs to know about it.
type nameEntry struct {
	name  string
	flags uint8
	// need is the TagFilter's word for a wanted start tag ("" for none).
	need string
}

const (
	fKnown        uint8 = 1 << iota // the entry is filled
	fWanted                         // the TagRewriter wants the start tag
	fStartMatters                   // the start tag changes the tokenizer or tree state
	fEndMatters                     // the end tag does (outside foreign content)
)

// nameSlot is the nameCache slot of a name: a small cache in front of the
// maps, because tag names repeat a lot (div, a, span…) and a compare is
// much cheaper than a map lookup. It hashes the name lower-cased. A name
// is in its slot or, when two frequent names share it (ul and h1, p and
// svg), in the neighbouring slot nameSlot^1.
func nameSlot(b []byte) int {
	n := len(b)
	return (int(lower(b[0]))*7 + int(lower(b[n-1]))*31 + n) & 127
}

// lookup returns the entry of a lower-case tag name (1 to maxName bytes).
func (r *Rewriter) lookup(b []byte) *nameEntry {
	s := nameSlot(b)
	e := &r.nameCache[s]
	if e.flags != 0 && e.name == string(b) {
		return e
	}
	if o := &r.nameCache[s^1]; o.flags != 0 && o.name == string(b) {
		return o
	}
	// The name in slot s moves to the neighbouring slot.
	if e.flags != 0 {
		r.nameCache[s^1] = *e
	}
	r.fill(e, r.internSlow(b))
	return e
}

// lookupRaw is lookup for a tag name as written (any case).
func (r *Rewriter) lookupRaw(b []byte) *nameEntry {
	s := nameSlot(b)
	if e := &r.nameCache[s]; e.flags != 0 && e.name == string(b) {
		return e
	}
	if o := &r.nameCache[s^1]; o.flags != 0 && o.name == string(b) {
		return o
	}
	var buf [maxName]byte
	for i, c := range b {
		buf[i] = lower(c)
	}
	return r.lookup(buf[:len(b)])
}

func (r *Rewriter) fill(e *nameEntry, name string) {
	e.name, e.flags, e.need = name, fKnown, ""
	if r.opts.Tags != nil && r.opts.Tags.WantTag(name) {
		e.flags |= fWanted
		if tf, ok := r.opts.Tags.(TagFilter); ok {
			e.need = tf.TagNeeds(name)
		}
	}
	switch {
	case rawState(name) != stData, name == "svg", name == "math":
		e.flags |= fStartMatters
	case name == "template":
		e.flags |= fStartMatters | fEndMatters
	}
}

func (r *Rewriter) internSlow(b []byte) string {
	if s, ok := knownNames[string(b)]; ok {
		return s
	}
	if s, ok := r.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if r.names == nil {
		r.names = make(map[string]string)
	}
	if len(r.names) < maxNameCache {
		r.names[s] = s
	}
	return s
}

// rawState returns the tokenizer state an HTML start tag with this name
// switches to, or stData.
func rawState(name string) state {
	switch name {
	case "title", "textarea", // RCDATA: for finding the end tag, same as RAWTEXT.
		"style", "xmp", "iframe", "noembed", "noframes", "noscript":
		return stRawText
	case "script":
		return stScript
	case "plaintext":
		return stPlaintext
	}
	return stData
}

// inHead reports whether a start tag with this name, seen before the body
// exists, is processed in the head (so does not create the body).
func inHead(name string) bool {
	switch name {
	case "base", "basefont", "bgsound", "link", "meta", "title", "noscript",
		"noframes", "style", "script", "template":
		return true
	}
	return false
}

// breakout reports whether a start tag with this name ends foreign content
// (WHATWG "in foreign content", start tags that pop back to HTML).
func breakout(name string) bool {
	switch name {
	case "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl",
		"dt", "em", "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i",
		"img", "li", "listing", "menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s",
		"small", "span", "strong", "strike", "sub", "sup", "table", "tt", "u", "ul", "var":
		return true
	}
	return false
}

// void reports HTML elements that have no end tag.
func void(name string) bool {
	switch name {
	case "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr",
		"img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr":
		return true
	}
	return false
}

// otherName stands for any tag name that special does not know.
const otherName = "\x00other"

// special returns the names that matter once the body has been found with
// no TagRewriter and no foreign content open, and otherName for the rest.
func special(b []byte) string {
	switch string(b) {
	case "script":
		return "script"
	case "style":
		return "style"
	case "title":
		return "title"
	case "textarea":
		return "textarea"
	case "xmp":
		return "xmp"
	case "iframe":
		return "iframe"
	case "noembed":
		return "noembed"
	case "noframes":
		return "noframes"
	case "noscript":
		return "noscript"
	case "plaintext":
		return "plaintext"
	case "svg":
		return "svg"
	case "math":
		return "math"
	case "template":
		return "template"
	}
	return otherName
}
