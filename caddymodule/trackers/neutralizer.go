package trackers

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/net/html"

	"github.com/consentgate/caddy-consent/caddymodule/htmlrewrite"
)

// Options configures a Neutralizer.
type Options struct {
	// YouTubeNoCookie rewrites youtube.com/embed/ iframes to
	// www.youtube-nocookie.com/embed/ instead of blocking them, and lets
	// youtube-nocookie.com iframes through, when the youtube vendor's
	// category is not allowed.
	YouTubeNoCookie bool
	// EmbedPlaceholder gives a neutralized video iframe a srcdoc with a
	// link to the video, marked data-consent-placeholder; the banner must
	// remove srcdoc when it restores src (srcdoc wins over src).
	EmbedPlaceholder bool
}

// Neutralizer rewrites the tags of a set of vendors. Build it once per
// configuration with NewNeutralizer; it is safe for concurrent use, and
// Rewriter returns a cheap per-response TagRewriter.
type Neutralizer struct {
	vendors []Vendor
	m       *matcher
	sigs    *sigMatcher
	opts    Options
	cats    []string // distinct vendor categories
	catOf   []int    // vendor → index in cats
}

// NewNeutralizer validates vendors and builds the matchers.
func NewNeutralizer(vendors []Vendor, opts Options) (*Neutralizer, error) {
	n := &Neutralizer{opts: opts}
	seen := map[string]bool{}
	for _, v := range vendors {
		if err := v.Validate(); err != nil {
			return nil, err
		}
		if seen[v.Name] {
			return nil, fmt.Errorf("vendor %q listed twice", v.Name)
		}
		seen[v.Name] = true
		n.vendors = append(n.vendors, v.clone())
	}
	for _, v := range n.vendors {
		i := indexString(n.cats, v.Category)
		if i < 0 {
			i = len(n.cats)
			n.cats = append(n.cats, v.Category)
		}
		n.catOf = append(n.catOf, i)
	}
	n.m = newMatcher(n.vendors)
	n.sigs = newSigMatcher(n.vendors)
	return n, nil
}

func indexString(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}

// Vendors returns the neutralizer's vendors.
func (n *Neutralizer) Vendors() []Vendor {
	out := make([]Vendor, len(n.vendors))
	for i := range n.vendors {
		out[i] = n.vendors[i].clone()
	}
	return out
}

// CSPHosts is CSPHosts for the neutralizer's vendors; with
// Options.YouTubeNoCookie, youtube-nocookie.com stays allowed.
func (n *Neutralizer) CSPHosts(allowed func(category string) bool) []string {
	var keep func(string) bool
	if n.opts.YouTubeNoCookie {
		keep = func(h string) bool { return strings.HasSuffix("."+strings.TrimPrefix(h, "."), ".youtube-nocookie.com") }
	}
	return cspHosts(n.vendors, allowed, keep)
}

// Rewriter returns the TagRewriter for one response. allowed reports
// whether the visitor granted a category (it is asked once per category
// here, not per tag); report (may be nil) is called once per neutralized
// element and refused vendor, with the tag name ("script", "img",
// "iframe", "link"). The result is a *PageRewriter, which may be kept in a
// sync.Pool and reused with Reset.
func (n *Neutralizer) Rewriter(allowed func(category string) bool, report func(vendor, category, tag string)) htmlrewrite.TagRewriter {
	r := &PageRewriter{}
	r.Reset(n, allowed, report)
	return r
}

// PageRewriter is the htmlrewrite.TagRewriter returned by
// Neutralizer.Rewriter. It is not safe for concurrent use.
type PageRewriter struct {
	n       *Neutralizer
	allowed func(string) bool
	report  func(vendor, category, tag string)
	refused []bool // per category index of n.cats
	active  bool   // some category is refused

	buf   []byte // result of RewriteTag / RewriteText
	tmp   []byte
	spans []attrSpan
	hit   []bool // per vendor, scratch for one element
	hits  []int
}

// Reset prepares r for another response, keeping its buffers.
func (r *PageRewriter) Reset(n *Neutralizer, allowed func(string) bool, report func(vendor, category, tag string)) {
	r.n, r.allowed, r.report = n, allowed, report
	r.refused = r.refused[:0]
	r.active = false
	for _, c := range n.cats {
		ref := allowed == nil || !allowed(c)
		r.refused = append(r.refused, ref)
		r.active = r.active || ref
	}
	for _, v := range r.hits {
		r.hit[v] = false
	}
	r.hits = r.hits[:0]
	if cap(r.hit) < len(n.vendors) {
		r.hit = make([]bool, len(n.vendors))
	}
	r.hit = r.hit[:len(n.vendors)]
}

// WantTag implements htmlrewrite.TagRewriter.
func (r *PageRewriter) WantTag(name string) bool {
	if !r.active {
		return false
	}
	switch name {
	case "script", "img", "iframe", "link":
		return true
	}
	return false
}

// WantText implements htmlrewrite.TagRewriter: the text of inline
// executable scripts and of noscript elements.
func (r *PageRewriter) WantText(name string, startTag []byte) bool {
	if !r.active {
		return false
	}
	switch name {
	case "noscript":
		return true
	case "script":
		_, r.spans = scanAttrs(startTag, r.spans)
		if _, ok := rawAttr(startTag, r.spans, "src"); ok {
			return false
		}
		return scriptExecutable(startTag, r.spans)
	}
	return false
}

// RewriteTag implements htmlrewrite.TagRewriter.
func (r *PageRewriter) RewriteTag(name string, raw []byte) []byte {
	if !r.active {
		return nil
	}
	switch name {
	case "script", "img", "iframe", "link":
	default:
		return nil
	}
	if !r.n.m.rawMayMatch(raw) {
		return nil
	}
	out, ok := r.rewriteTag(r.buf[:0], name, raw)
	if !ok {
		return nil
	}
	r.buf = out
	return out
}

// RewriteText implements htmlrewrite.TagRewriter. htmlrewrite calls
// RewriteElement instead, since PageRewriter implements it.
func (r *PageRewriter) RewriteText(name string, startTag, text []byte) []byte {
	_, t := r.RewriteElement(name, startTag, text)
	return t
}

// RewriteElement implements htmlrewrite.ElementRewriter: an inline tracker
// snippet gets an inert start tag (its text is unchanged); a noscript
// element's tracker pixels lose their src.
func (r *PageRewriter) RewriteElement(name string, startTag, text []byte) (newStart, newText []byte) {
	if !r.active {
		return nil, nil
	}
	switch name {
	case "script":
		return r.rewriteInline(startTag, text), nil
	case "noscript":
		return nil, r.rewriteNoscript(text)
	}
	return nil, nil
}

// ----------------------------------------------------------------- matching

// beginHits starts collecting the vendors of one element.
func (r *PageRewriter) beginHits() {
	for _, v := range r.hits {
		r.hit[v] = false
	}
	r.hits = r.hits[:0]
}

func (r *PageRewriter) addHit(v int) {
	if !r.hit[v] {
		r.hit[v] = true
		r.hits = append(r.hits, v)
	}
}

// refusedHits reports whether a collected vendor's category is refused.
func (r *PageRewriter) refusedHits() bool {
	for _, v := range r.hits {
		if r.refused[r.n.catOf[v]] {
			return true
		}
	}
	return false
}

// categories returns the categories of the collected vendors, least
// restrictive first, space-separated (the banner requires all of them).
func (r *PageRewriter) categories() string {
	var cats []string
	for _, v := range r.hits {
		c := r.n.vendors[v].Category
		if indexString(cats, c) < 0 {
			cats = append(cats, c)
		}
	}
	sort.Slice(cats, func(i, j int) bool {
		ri, rj := categoryRank(cats[i]), categoryRank(cats[j])
		if ri != rj {
			return ri < rj
		}
		return cats[i] < cats[j]
	})
	return strings.Join(cats, " ")
}

func (r *PageRewriter) reportHits(tag string) {
	if r.report == nil {
		return
	}
	for _, v := range r.hits {
		if r.refused[r.n.catOf[v]] {
			r.report(r.n.vendors[v].Name, r.n.vendors[v].Category, tag)
		}
	}
}

// ------------------------------------------------------------------- tags

// rewriteTag neutralizes one start tag of an element that may load a
// tracker. It returns dst with the new tag appended, or false to keep the
// tag.
func (r *PageRewriter) rewriteTag(dst []byte, name string, raw []byte) ([]byte, bool) {
	t, ok := parseTag(raw, r.spans)
	if !ok {
		return dst, false
	}
	r.spans = t.spans[:0]
	if t.name != name {
		name = t.name
	}
	r.beginHits()
	var rename []string // attributes whose name gets the data-consent- prefix
	var insert string
	switch name {
	case "script":
		if !typeExecutable(&t) {
			return dst, false
		}
		if _, _, refused := r.refusedURL(&t, "src", false); !refused {
			return dst, false
		}
		rename = append(rename, "type")
		insert = ` type="text/plain" data-consent-category="` + r.categories() + `"`
		r.reportHits("script")
	case "img":
		srcHit := false
		if i := t.first("src"); i >= 0 {
			if um, ok := r.matchURL(t.attrs[i].Val, false); ok {
				r.addHit(um.vendor)
				srcHit = true
			}
		}
		if i := t.first("srcset"); i >= 0 && r.srcsetMatches(t.attrs[i].Val) {
			rename = append(rename, "srcset")
		}
		if len(r.hits) == 0 || !r.refusedHits() {
			return dst, false
		}
		if srcHit {
			rename = append(rename, "src")
		}
		insert = ` data-consent-category="` + r.categories() + `"`
		r.reportHits("img")
	case "iframe":
		um, i, refused := r.refusedURL(&t, "src", false)
		if !refused {
			return dst, false
		}
		if r.n.opts.YouTubeNoCookie {
			if out, handled := r.youtubeNoCookie(dst, raw, &t, i); handled {
				return out, out != nil
			}
		}
		rename = append(rename, "src")
		insert = ` data-consent-category="` + r.categories() + `"`
		if r.n.opts.EmbedPlaceholder && um.embed && t.first("srcdoc") < 0 {
			insert += placeholder(r.n.vendors[um.vendor].Title, r.n.vendors[um.vendor].Category, t.attrs[i].Val)
		}
		r.reportHits("iframe")
	case "link":
		hint, ok := resourceHint(&t)
		if !ok {
			return dst, false
		}
		if _, _, refused := r.refusedURL(&t, "href", hint); !refused {
			return dst, false
		}
		rename = append(rename, "href")
		insert = ` data-consent-category="` + r.categories() + `"`
		r.reportHits("link")
	default:
		return dst, false
	}
	return buildTag(dst, raw, &t, insert, rename), true
}

// refusedURL matches the URL in attribute attr of t against the vendors
// and records the hit; it returns the match, the attribute's index (-1
// when absent) and whether the matched vendor's category is refused.
func (r *PageRewriter) refusedURL(t *parsedTag, attr string, ignorePaths bool) (urlMatch, int, bool) {
	i := t.first(attr)
	if i < 0 {
		return urlMatch{}, -1, false
	}
	um, ok := r.matchURL(t.attrs[i].Val, ignorePaths)
	if !ok {
		return urlMatch{}, i, false
	}
	r.addHit(um.vendor)
	return um, i, r.refusedHits()
}

func (r *PageRewriter) matchURL(v string, ignorePaths bool) (urlMatch, bool) {
	u := parseURL(v)
	if !u.fetchable {
		return urlMatch{}, false
	}
	return r.n.m.match(u.host, u.rest, ignorePaths)
}

// srcsetMatches checks the URLs of a srcset attribute, collecting hits.
func (r *PageRewriter) srcsetMatches(v string) bool {
	found := false
	for _, cand := range strings.Split(v, ",") {
		f := strings.Fields(cand)
		if len(f) == 0 {
			continue
		}
		if um, ok := r.matchURL(f[0], false); ok {
			r.addHit(um.vendor)
			found = true
		}
	}
	return found
}

// buildTag writes raw with insert placed right after the tag name (so the
// inserted attributes come first and win over duplicates) and every
// attribute named in rename (duplicates included) prefixed with
// "data-consent-". When the raw spans could not be aligned with the parsed
// attributes, the tag is re-serialized from the parsed attributes instead.
func buildTag(dst, raw []byte, t *parsedTag, insert string, rename []string) []byte {
	if t.aligned {
		edits := make([]edit, 0, 1+len(rename))
		edits = append(edits, edit{start: t.nameEnd, end: t.nameEnd, text: insert})
		for _, s := range t.spans {
			for _, k := range rename {
				if equalFoldASCII(raw[s.nameStart:s.nameEnd], k) {
					edits = append(edits, edit{start: s.nameStart, end: s.nameStart, text: "data-consent-"})
					break
				}
			}
		}
		return splice(dst, raw, edits)
	}
	dst = append(dst, '<')
	dst = append(dst, t.name...)
	dst = append(dst, insert...)
	for _, a := range t.attrs {
		dst = append(dst, ' ')
		if indexString(rename, a.Key) >= 0 {
			dst = append(dst, "data-consent-"...)
		}
		dst = append(dst, a.Key...)
		dst = append(dst, `="`...)
		dst = escapeAttr(dst, a.Val)
		dst = append(dst, '"')
	}
	if t.selfClosing {
		dst = append(dst, " /"...)
	}
	return append(dst, '>')
}

// youtubeNoCookie handles a YouTube iframe when Options.YouTubeNoCookie is
// set: youtube-nocookie.com passes, youtube.com/embed/ is rewritten to it.
// handled is false for other URLs (neutralized as usual).
func (r *PageRewriter) youtubeNoCookie(dst, raw []byte, t *parsedTag, i int) (out []byte, handled bool) {
	u := parseURL(t.attrs[i].Val)
	if u.host == "youtube-nocookie.com" || strings.HasSuffix(u.host, ".youtube-nocookie.com") {
		return nil, true
	}
	switch u.host {
	case "youtube.com", "www.youtube.com", "m.youtube.com":
	default:
		return dst, false
	}
	if !strings.HasPrefix(u.rest, "/embed/") {
		return dst, false
	}
	nv := u.clean[:u.hostStart] + "www.youtube-nocookie.com" + u.clean[u.hostEnd:]
	r.reportHits("iframe")
	if t.aligned && t.spans[t.spanOf[i]].valStart >= 0 {
		sp := t.spans[t.spanOf[i]]
		if string(raw[sp.valStart:sp.valEnd]) == u.clean {
			// Splice only the host: every other byte stays.
			off := sp.valStart
			return splice(dst, raw, []edit{{start: off + u.hostStart, end: off + u.hostEnd, text: "www.youtube-nocookie.com"}}), true
		}
		start, end := sp.valStart, sp.valEnd
		if sp.quoted {
			start, end = start-1, end+1
		}
		v := string(escapeAttr([]byte{'"'}, nv)) + `"`
		return splice(dst, raw, []edit{{start: start, end: end, text: v}}), true
	}
	t.attrs[i].Val = nv
	return buildTag(dst, raw, &parsedTag{name: t.name, attrs: t.attrs, selfClosing: t.selfClosing}, "", nil), true
}

// placeholder returns the attributes that show a link to the embedded
// content instead of a blank frame.
func placeholder(title, category, src string) string {
	doc := `<style>html,body{height:100%;margin:0}body{display:flex;align-items:center;justify-content:center;` +
		`font:16px system-ui,sans-serif;background:#eee;color:#111}a{color:inherit}</style>` +
		`<a href="` + html.EscapeString(parseURL(src).clean) + `" target="_blank" rel="noopener noreferrer">&#9654; ` +
		html.EscapeString(title) + `</a>&nbsp;(` + html.EscapeString(category) + `)`
	return ` data-consent-placeholder srcdoc="` + string(escapeAttr(nil, doc)) + `"`
}

// resourceHint reports whether a <link> is a hint or preload that makes the
// browser contact the href's host. ignorePaths is true for connection
// hints, whose href is only an origin.
func resourceHint(t *parsedTag) (ignorePaths, ok bool) {
	i := t.first("rel")
	if i < 0 {
		return false, false
	}
	for _, tok := range strings.Fields(strings.ToLower(t.attrs[i].Val)) {
		switch tok {
		case "preconnect", "dns-prefetch":
			ignorePaths, ok = true, true
		case "preload", "prefetch", "modulepreload", "prerender":
			ok = true
		}
	}
	return ignorePaths, ok
}

// jsTypes are the JavaScript MIME type essences (HTML standard) plus
// "module": the script types a browser executes.
var jsTypes = map[string]bool{
	"application/ecmascript": true, "application/javascript": true, "application/x-ecmascript": true,
	"application/x-javascript": true, "text/ecmascript": true, "text/javascript": true,
	"text/javascript1.0": true, "text/javascript1.1": true, "text/javascript1.2": true,
	"text/javascript1.3": true, "text/javascript1.4": true, "text/javascript1.5": true,
	"text/jscript": true, "text/livescript": true, "text/x-ecmascript": true, "text/x-javascript": true,
	"module": true,
}

// isJSType reports whether a type attribute value makes a script run. A
// MIME parameter (";charset=...") is ignored, which errs towards running.
func isJSType(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" {
		return true
	}
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	return jsTypes[strings.ToLower(v)]
}

func typeExecutable(t *parsedTag) bool {
	if i := t.first("type"); i >= 0 {
		return isJSType(t.attrs[i].Val)
	}
	if i := t.first("language"); i >= 0 && t.attrs[i].Val != "" {
		return isJSType("text/" + t.attrs[i].Val)
	}
	return true
}

// scriptExecutable is typeExecutable on raw spans, without allocating. A
// type value with character references counts as executable.
func scriptExecutable(raw []byte, spans []attrSpan) bool {
	v, ok := rawAttr(raw, spans, "type")
	if !ok {
		if l, ok := rawAttr(raw, spans, "language"); ok && len(l) > 0 && bytes.IndexByte(l, '&') < 0 {
			return isJSType("text/" + string(l))
		}
		return true
	}
	if bytes.IndexByte(v, '&') >= 0 {
		return true
	}
	return isJSTypeBytes(v)
}

func isJSTypeBytes(v []byte) bool {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return true
	}
	if i := bytes.IndexByte(v, ';'); i >= 0 {
		v = bytes.TrimSpace(v[:i])
	}
	var low [32]byte
	if len(v) > len(low) {
		return false
	}
	for i, c := range v {
		if c >= 'A' && c <= 'Z' {
			c |= 0x20
		}
		low[i] = c
	}
	return jsTypes[string(low[:len(v)])]
}

// ----------------------------------------------------------- inline scripts

// rewriteInline neutralizes an inline script whose text carries a vendor
// signature by rewriting its start tag (htmlrewrite holds the start tag
// with the text for ElementRewriters); the text stays as it is:
//
//	<script a>TEXT</script>  →  <script type="text/plain" data-consent-category="c" a>TEXT</script>
func (r *PageRewriter) rewriteInline(startTag, text []byte) []byte {
	r.beginHits()
	r.n.sigs.scan(text, r.addHit)
	if len(r.hits) == 0 || !r.refusedHits() {
		return nil
	}
	_, r.spans = scanAttrs(startTag, r.spans)
	t, ok := parseTag(startTag, r.spans)
	if !ok {
		return nil
	}
	r.spans = t.spans[:0]
	rename := []string{"type"}
	insert := ` type="text/plain" data-consent-category="` + r.categories() + `"`
	r.reportHits("script")
	out := buildTag(r.buf[:0], startTag, &t, insert, rename)
	r.buf = out
	return out
}

// ---------------------------------------------------------------- noscript

// rewriteNoscript renames src (and srcset, href of hints) on tracker tags
// inside a noscript element's text: browsers without scripting parse that
// text as markup.
func (r *PageRewriter) rewriteNoscript(text []byte) []byte {
	if !r.n.m.rawMayMatch(text) {
		return nil
	}
	z := html.NewTokenizer(bytes.NewReader(text))
	var edits []edit
	off := 0
	var inner []byte
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := z.Raw()
		start := off
		off += len(raw)
		if off > len(text) || !bytes.Equal(text[start:off], raw) {
			return nil // lost track of positions: keep the text
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, _ := z.TagName()
		switch string(name) {
		case "img", "iframe", "link", "script":
		default:
			continue
		}
		if !r.n.m.rawMayMatch(raw) {
			continue
		}
		var ok bool
		inner, ok = r.rewriteTag(inner[:0], string(name), raw)
		if ok {
			edits = append(edits, edit{start: start, end: off, text: string(inner)})
		}
	}
	if len(edits) == 0 {
		return nil
	}
	r.tmp = splice(r.tmp[:0], text, edits)
	r.buf, r.tmp = r.tmp, r.buf
	return r.buf
}

// Interface guards
var (
	_ htmlrewrite.TagRewriter     = (*PageRewriter)(nil)
	_ htmlrewrite.ElementRewriter = (*PageRewriter)(nil)
)
