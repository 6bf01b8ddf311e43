package trackers

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"sync"

	"golang.org/x/net/html"
	"golang.org/x/net/publicsuffix"

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
	// PlaceholderText, when set, returns the placeholder's words in the
	// visitor's language (PageInfo.Lang, "" when unknown). It is called
	// once per response that gets a placeholder; nil, or an empty field,
	// keeps the English default for that field.
	PlaceholderText func(lang string) PlaceholderText
}

// PlaceholderText are the words of an embed placeholder. In Notice and
// Open, "{vendor}" is replaced by the vendor's title and "{category}" by
// the category's label (Categories[category], or the category name).
type PlaceholderText struct {
	// Notice is a sentence above the link, e.g. "{vendor} is shown once
	// you allow {category} cookies." Empty: no sentence.
	Notice string
	// Open is the link to the content on the vendor's site. Default:
	// "{vendor} ({category})".
	Open string
	// Categories maps category names to their label in this language.
	Categories map[string]string
}

// PageInfo are per-response facts a PageRewriter may use (SetPage).
type PageInfo struct {
	// Host is the page's host name (lower-case, without port). Hosts of
	// the same registrable domain (public suffix list) are first party.
	Host string
	// Lang is the visitor's language tag, passed to
	// Options.PlaceholderText.
	Lang string
	// Unknown, when set, is called for an external script, img, iframe,
	// frame, embed, object or fetching link whose host is neither first
	// party nor listed by any vendor of the Neutralizer (a vendor host
	// with path restrictions counts as known), at most once per
	// host and response (and for at most maxUnknownPerPage hosts), with
	// the host (lower-case) and the tag name. It is called even when the
	// visitor allowed every category; leave it nil to skip that work.
	Unknown func(host, tag string)
}

// maxUnknownPerPage bounds the unknown hosts reported for one response.
const maxUnknownPerPage = 64

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
	// catAttr and catScript are the attributes inserted for one category
	// (per cats entry): ` data-consent-category="c"`, and for a script
	// with ` type="text/plain"` before it.
	catAttr, catScript []string
	// csp caches CSPHosts per set of allowed categories (a bit per
	// cats entry): a handful of distinct sets, computed once each
	// instead of per response.
	csp sync.Map // uint64 → []string
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
	for _, c := range n.cats {
		n.catAttr = append(n.catAttr, ` data-consent-category="`+c+`"`)
		n.catScript = append(n.catScript, ` type="text/plain" data-consent-category="`+c+`"`)
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
// Options.YouTubeNoCookie, youtube-nocookie.com stays allowed. The result
// is computed once per set of allowed categories and shared: callers must
// not modify it.
func (n *Neutralizer) CSPHosts(allowed func(category string) bool) []string {
	if len(n.cats) > 64 {
		return n.cspHosts(allowed)
	}
	var mask uint64
	for i, c := range n.cats {
		if allowed(c) {
			mask |= 1 << i
		}
	}
	if v, ok := n.csp.Load(mask); ok {
		return v.([]string)
	}
	hosts := n.cspHosts(func(c string) bool {
		i := indexString(n.cats, c)
		return i >= 0 && mask&(1<<i) != 0
	})
	n.csp.Store(mask, hosts)
	return hosts
}

func (n *Neutralizer) cspHosts(allowed func(category string) bool) []string {
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
	ts    tagScratch // parseTag's buffers
	// nsBuf and nsEdits: noscriptEdits' rewritten tags and edits.
	nsBuf   []byte
	nsEdits []edit
	hit     []bool // per vendor, scratch for one element
	hits    []int

	page       PageInfo
	pageSite   string   // registrable domain of page.Host
	siteOf     string   // the last host of SetPage (kept by Reset) ...
	site       string   // ... and its registrable domain
	reported   []string // unknown hosts reported for this response
	seen       []string // hosts already decided for this response (bounded)
	uspans     []attrSpan
	baseHost   string // host of the document's <base href>, "" if none
	baseDir    string // its path up to the last '/'
	baseSeen   bool   // the first <base href> was seen (later ones do not count)
	phText     *PlaceholderText
	phResolved bool
	// textPending is set when WantText asked for an element's text and
	// cleared when it arrives: an OversizedTag call in between is about
	// that text, not about a start tag.
	textPending bool
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
	r.page, r.pageSite = PageInfo{}, ""
	r.reported = r.reported[:0]
	r.seen = r.seen[:0]
	r.baseHost, r.baseDir, r.baseSeen = "", "", false
	r.phText, r.phResolved = nil, false
	r.textPending = false
}

// SetPage sets the facts of the current response; call it after Reset.
// Reset clears them.
func (r *PageRewriter) SetPage(p PageInfo) {
	r.page = p
	if p.Host != r.siteOf {
		r.siteOf, r.site = p.Host, registrable(p.Host)
	}
	r.pageSite = r.site
}

// registrable returns the registrable domain of host (eTLD+1), or host
// itself when it has none (an IP address, localhost, a public suffix).
func registrable(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" {
		return ""
	}
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

// firstParty reports whether host belongs to the page's site.
func (r *PageRewriter) firstParty(host string) bool {
	if r.page.Host == "" {
		return false
	}
	if host == r.page.Host || host == r.pageSite {
		return true
	}
	return r.pageSite != "" && strings.HasSuffix(host, "."+r.pageSite)
}

// WantTag implements htmlrewrite.TagRewriter: every element whose start
// tag makes a browser fetch a URL (or, for <base>, changes how later URLs
// resolve).
func (r *PageRewriter) WantTag(name string) bool {
	r.textPending = false
	if !r.active {
		return r.page.Unknown != nil && reportsUnknown(name) || name == "base" && r.page.Unknown != nil
	}
	return loadsURL(name)
}

// TagNeeds implements htmlrewrite.TagFilter: an <a> or <area> is only
// rewritten for its ping attribute (RewriteTag returns nil for it without
// "ping" in its bytes), so the scanner need not hold the others.
func (r *PageRewriter) TagNeeds(name string) string {
	if name == "a" || name == "area" {
		return "ping"
	}
	return ""
}

// SkipTag implements htmlrewrite.TagSkipper: it answers for RewriteTag,
// without the scanner holding the tag, when RewriteTag's cheap first checks
// already return nil (no refused vendor's host can be in the tag's bytes,
// no <base> to another host in effect, no srcdoc). It reports unknown hosts
// as RewriteTag would. Anything else (a <base>, an <a ping>, a tag that may
// reference a vendor) is left to RewriteTag.
func (r *PageRewriter) SkipTag(name string, raw []byte) bool {
	if name == "base" {
		return false
	}
	if !r.active {
		if r.page.Unknown != nil && reportsUnknown(name) {
			r.checkUnknown(name, raw)
		}
		return true
	}
	switch name {
	case "a", "area":
		return false
	case "iframe", "frame":
		if r.baseHost != "" || hasFoldASCII(raw, "srcdoc") {
			return false
		}
	default:
		if !loadsURL(name) {
			return true
		}
		if r.baseHost != "" {
			return false
		}
	}
	// The pre-filter, which also tells whether the tag has relative URLs
	// only (a product card's <img>): then there is no host to report.
	may, hostless := r.n.m.tagMayMatch(raw)
	if may {
		return false
	}
	if !hostless {
		r.checkUnknown(name, raw)
	}
	return true
}

// loadsURL lists the elements whose start tags PageRewriter inspects.
func loadsURL(name string) bool {
	switch name {
	case "script", "img", "iframe", "link", "base", "frame", "object", "embed", "input", "video",
		"audio", "source", "track", "image", "feimage", "a", "area":
		return true
	}
	return false
}

// reportsUnknown lists the elements whose unknown hosts are reported.
func reportsUnknown(name string) bool {
	switch name {
	case "script", "img", "iframe", "link", "frame", "object", "embed":
		return true
	}
	return false
}

// OversizedTag implements htmlrewrite.OversizeRewriter: a start tag too
// long to inspect, while some category is refused, gets attributes that
// make it inert, inserted right after its name (the first occurrence of an
// attribute wins). The tag's own URL attributes follow and are ignored by
// the browser. data-consent-oversized marks it; it is not restored on
// consent (the gateway never read it).
//
// An inline script or noscript text too long to hold is not a start tag:
// it passes unchanged (making every large inline script inert would break
// pages that inline their application code); see the package limits.
func (r *PageRewriter) OversizedTag(name string) []byte {
	if r.textPending {
		r.textPending = false
		return nil
	}
	if !r.active {
		return nil
	}
	var s string
	switch name {
	case "script":
		s = ` type="text/plain" href="" xlink:href=""`
	case "iframe", "frame":
		s = ` src="about:blank" srcdoc=""`
	case "img", "input", "source", "video", "audio", "track", "embed":
		s = ` src="" srcset="" poster=""`
	case "image", "feimage":
		s = ` href="" xlink:href="" src=""`
	case "link":
		s = ` rel="" href=""`
	case "object":
		s = ` data="" type="text/plain"`
	case "a", "area":
		s = ` ping=""`
	case "base":
		s = ` href=""`
	default:
		return nil
	}
	return []byte(s + ` data-consent-oversized`)
}

// WantText implements htmlrewrite.TagRewriter: the text of inline
// executable scripts and of noscript elements.
func (r *PageRewriter) WantText(name string, startTag []byte) bool {
	r.textPending = r.wantText(name, startTag)
	return r.textPending
}

func (r *PageRewriter) wantText(name string, startTag []byte) bool {
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
	if name == "base" {
		r.noteBase(raw)
		return nil
	}
	if !r.active {
		if r.page.Unknown != nil && reportsUnknown(name) {
			r.checkUnknown(name, raw)
		}
		return nil
	}
	switch name {
	case "a", "area":
		if !hasFoldASCII(raw, "ping") {
			return nil
		}
	case "iframe", "frame":
		// srcdoc can hold a tracker without any URL in the tag's bytes.
		if !r.n.m.rawMayMatch(raw) && !hasFoldASCII(raw, "srcdoc") && r.baseHost == "" {
			r.checkUnknown(name, raw)
			return nil
		}
	default:
		if !loadsURL(name) {
			return nil
		}
		// With a <base href> on another host, relative URLs resolve there:
		// the raw pre-filter does not see that host.
		if r.baseHost == "" && !r.n.m.rawMayMatch(raw) {
			r.checkUnknown(name, raw)
			return nil
		}
	}
	out, ok := r.rewriteTag(r.buf[:0], name, raw)
	if !ok {
		r.checkUnknown(name, raw)
		return nil
	}
	r.buf = out
	return out
}

// hasFoldASCII reports whether b contains the lower-case ASCII word w in
// any case.
func hasFoldASCII(b []byte, w string) bool {
	for _, c := range [2]byte{w[0], w[0] &^ 0x20} {
		for off := 0; ; {
			i := bytes.IndexByte(b[off:], c)
			if i < 0 || off+i+len(w) > len(b) {
				break
			}
			if equalFoldBytes(b[off+i:off+i+len(w)], w) {
				return true
			}
			off += i + 1
		}
	}
	return false
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
	r.textPending = false
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

// categoryAttr returns the data-consent-category attribute of the
// collected vendors (with type="text/plain" before it for a script).
func (r *PageRewriter) categoryAttr(script bool) string {
	one := -1
	for _, v := range r.hits {
		c := r.n.catOf[v]
		if one >= 0 && c != one {
			one = -2
			break
		}
		one = c
	}
	if one >= 0 {
		if script {
			return r.n.catScript[one]
		}
		return r.n.catAttr[one]
	}
	if script {
		return ` type="text/plain" data-consent-category="` + r.categories() + `"`
	}
	return ` data-consent-category="` + r.categories() + `"`
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
	t, ok := parseTag(raw, &r.ts)
	if !ok {
		return dst, false
	}
	if t.name != name {
		name = t.name
	}
	r.beginHits()
	var renameBuf [8]string
	rename := renameBuf[:0] // attributes whose name gets the data-consent- prefix
	var insert string
	switch name {
	case "script":
		if !typeExecutable(&t) {
			return dst, false
		}
		// src in HTML; href and xlink:href in SVG.
		// src stays: type="text/plain" keeps it from loading and the banner
		// restores the type only. href is an SVG script's source, which
		// browsers may load whatever the type says: renamed.
		rename = append(rename, "type")
		var srcBuf [1]string
		r.urlAttrs(&t, srcBuf[:0], "src")
		rename = r.urlAttrs(&t, rename, "href", "xlink:href")
		if !r.refusedHits() {
			return dst, false
		}
		insert = r.categoryAttr(true)
	case "iframe", "frame":
		um, i, srcRefused := r.refusedURL(&t, "src", false)
		srcdocRefused := false
		if j := t.first("srcdoc"); j >= 0 {
			srcdocRefused = r.srcdocHits(t.attrs[j].Val)
		}
		if !srcRefused && !srcdocRefused {
			return dst, false
		}
		if srcRefused && !srcdocRefused && r.n.opts.YouTubeNoCookie {
			if out, handled := r.youtubeNoCookie(dst, raw, &t, i); handled {
				return out, out != nil
			}
		}
		if srcRefused {
			rename = append(rename, "src")
		}
		if srcdocRefused {
			// srcdoc wins over src: it must not run either.
			rename = append(rename, "srcdoc")
		}
		insert = r.categoryAttr(false)
		if srcRefused && !srcdocRefused && r.n.opts.EmbedPlaceholder && um.embed && t.first("srcdoc") < 0 {
			insert += r.placeholder(r.n.vendors[um.vendor].Title, r.n.vendors[um.vendor].Category, t.attrs[i].Val)
		}
	case "link":
		hint, ok := resourceHint(&t)
		if !ok {
			return dst, false
		}
		if _, _, refused := r.refusedURL(&t, "href", hint); !refused {
			return dst, false
		}
		rename = append(rename, "href")
		insert = r.categoryAttr(false)
	case "a", "area":
		i := t.first("ping")
		if i < 0 {
			return dst, false
		}
		for _, u := range strings.Fields(t.attrs[i].Val) {
			if um, ok := r.matchURL(u, false); ok {
				r.addHit(um.vendor)
			}
		}
		if !r.refusedHits() {
			return dst, false
		}
		rename = append(rename, "ping")
		insert = r.categoryAttr(false)
	case "img", "image", "input", "source", "video", "audio", "track", "embed", "object", "feimage":
		// img/image: src and srcset (an HTML <image> is an <img>), SVG
		// image/feImage: href and xlink:href; object: data.
		rename = r.urlAttrs(&t, rename, "src", "href", "xlink:href", "data", "poster")
		for _, a := range []string{"srcset", "imagesrcset"} {
			if i := t.first(a); i >= 0 && r.srcsetMatches(t.attrs[i].Val) {
				rename = append(rename, a)
			}
		}
		if len(r.hits) == 0 || !r.refusedHits() {
			return dst, false
		}
		insert = r.categoryAttr(false)
	default:
		return dst, false
	}
	r.reportHits(name)
	return buildTag(dst, raw, &t, insert, rename), true
}

// urlAttrs matches the URL attributes of t named in attrs, records the
// hits and appends the names of the matched ones to rename.
func (r *PageRewriter) urlAttrs(t *parsedTag, rename []string, attrs ...string) []string {
	for _, a := range attrs {
		i := t.first(a)
		if i < 0 {
			continue
		}
		if um, ok := r.matchURL(t.attrs[i].Val, false); ok {
			r.addHit(um.vendor)
			rename = append(rename, a)
		}
	}
	return rename
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
	host, rest := r.resolve(u)
	return r.n.m.match(host, rest, ignorePaths)
}

// resolve returns the host and path of a parsed URL, resolving a relative
// one against the document's <base href> when it names another host.
func (r *PageRewriter) resolve(u parsedURL) (host, rest string) {
	if u.host != "" || r.baseHost == "" {
		return u.host, u.rest
	}
	switch {
	case strings.HasPrefix(u.rest, "/"):
		return r.baseHost, u.rest
	case u.rest == "" || strings.HasPrefix(u.rest, "?"):
		return r.baseHost, r.baseDir + u.rest
	}
	return r.baseHost, r.baseDir + u.rest
}

// noteBase records the first <base href> of the document when it names a
// host: later relative URLs resolve against it, so they are matched as
// URLs of that host. The base itself is left as it is (the page's own
// relative links depend on it).
func (r *PageRewriter) noteBase(raw []byte) {
	if r.baseSeen {
		return
	}
	_, r.uspans = scanAttrs(raw, r.uspans)
	v, ok := rawAttr(raw, r.uspans, "href")
	if !ok {
		return
	}
	r.baseSeen = true
	val := string(v)
	if bytes.IndexByte(v, '&') >= 0 {
		val = html.UnescapeString(val)
	}
	u := parseURL(val)
	// Only a vendor's host changes what later relative URLs match; any
	// other base (often the site's own absolute URL) keeps the fast path.
	if !u.fetchable || u.host == "" || !r.n.m.knowsHost(u.host) {
		return
	}
	r.baseHost = u.host
	r.baseDir = "/"
	p := u.rest
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		r.baseDir = p[:i+1]
	}
}

// srcdocHits reports whether an iframe's srcdoc document loads a tracker
// of a refused category (a tag or an inline snippet), adding the vendors
// found to the current element's hits.
func (r *PageRewriter) srcdocHits(doc string) bool {
	var found []int
	saveSpans, saveReport, saveUnknown, saveHits := r.spans, r.report, r.page.Unknown, append([]int(nil), r.hits...)
	saveTS := r.ts // the caller's parsedTag uses these buffers
	r.spans, r.report, r.page.Unknown, r.ts = nil, nil, nil, tagScratch{}
	z := html.NewTokenizer(strings.NewReader(doc))
	var scratch []byte
	inScript := false
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			inScript = string(name) == "script"
			if !loadsURL(string(name)) || string(name) == "base" {
				continue
			}
			raw := append([]byte(nil), z.Raw()...)
			if _, ok := r.rewriteTag(scratch[:0], string(name), raw); ok {
				for _, v := range r.hits {
					if r.refused[r.n.catOf[v]] {
						found = append(found, v)
					}
				}
			}
		case html.TextToken:
			if inScript {
				r.beginHits()
				r.n.sigs.scan(z.Text(), r.addHit)
				for _, v := range r.hits {
					if r.refused[r.n.catOf[v]] {
						found = append(found, v)
					}
				}
			}
		default:
			inScript = false
		}
	}
	r.spans, r.report, r.page.Unknown, r.ts = saveSpans, saveReport, saveUnknown, saveTS
	r.beginHits()
	for _, v := range saveHits {
		r.addHit(v)
	}
	for _, v := range found {
		r.addHit(v)
	}
	return len(found) > 0
}

// checkUnknown reports the host of an external URL in a tag that matched
// no vendor (PageInfo.Unknown).
func (r *PageRewriter) checkUnknown(name string, raw []byte) {
	if r.page.Unknown == nil || !reportsUnknown(name) || len(r.reported) >= maxUnknownPerPage {
		return
	}
	if r.baseHost == "" && hostless(raw) {
		return // relative URLs only (a card's <img src="/img/..."): no host to look at
	}
	_, r.uspans = scanAttrs(raw, r.uspans)
	attr := "src"
	switch name {
	case "link":
		rel, ok := rawAttr(raw, r.uspans, "rel")
		if !ok || !fetchingRel(rel) {
			return
		}
		attr = "href"
	case "object":
		attr = "data"
	}
	v, ok := rawAttr(raw, r.uspans, attr)
	if !ok || bytes.IndexByte(v, '/') < 0 && r.baseHost == "" {
		return
	}
	if h, plain := plainHost(v); plain {
		if len(h) == 0 || r.firstPartyBytes(h) {
			return // relative, or the site's own: nothing to allocate
		}
		for _, seen := range r.seen {
			if string(h) == seen {
				return
			}
		}
	}
	val := string(v)
	if bytes.IndexByte(v, '&') >= 0 {
		val = html.UnescapeString(val)
	}
	u := parseURL(val)
	if !u.fetchable {
		return
	}
	host, rest := r.resolve(u)
	if host == "" || r.firstParty(host) {
		return
	}
	for _, h := range r.seen {
		if h == host {
			return
		}
	}
	if len(r.seen) < 2*maxUnknownPerPage {
		r.seen = append(r.seen, host)
	}
	if _, known := r.n.m.match(host, rest, false); known || r.n.m.knowsHost(host) {
		return
	}
	r.reported = append(r.reported, host)
	r.page.Unknown(host, name)
}

// hostless reports whether no URL in a raw tag can name a host: it has no
// ':' (no scheme), no two slashes or backslashes in a row (tab and newline
// characters in between are dropped by URL parsers, so they count as in a
// row), and no character reference that could decode to one of those. Its
// URLs are then relative to the document (or to its <base href>).
func hostless(raw []byte) bool {
	if bytes.IndexByte(raw, ':') >= 0 || bytes.IndexByte(raw, '\\') >= 0 || bytes.IndexByte(raw, '&') >= 0 {
		return false
	}
	for off := 0; ; {
		i := bytes.IndexByte(raw[off:], '/')
		if i < 0 {
			return true
		}
		off += i + 1
		if j := skipTabNL(raw, off); j < len(raw) && raw[j] == '/' {
			return false
		}
	}
}

// plainHost returns the host of a raw absolute or scheme-relative URL
// value when it can be read without decoding (lower-case ASCII, no
// userinfo, no character reference or escape); plain is false otherwise.
// A relative URL, or one with a scheme other than http(s) (data:,
// javascript:, blob:), gives an empty host.
func plainHost(v []byte) (host []byte, plain bool) {
	for len(v) > 0 && isSpace(v[0]) {
		v = v[1:]
	}
	c := -1 // index of the first of ":/?#"
	for k, b := range v {
		switch b {
		case '\\', '\t', '\n', '\r', '&', '%':
			return nil, false
		case ':', '/', '?', '#':
			if c < 0 {
				c = k
			}
		}
	}
	i := 0
	if c >= 0 && v[c] == ':' {
		switch {
		case c == 5 && equalFoldBytes(v[:6], "https:"):
			i = 6
		case c == 4 && equalFoldBytes(v[:5], "http:"):
			i = 5
		case c > 0 && isScheme(string(v[:c])) && !isSpecialScheme(string(v[:c])):
			return nil, true // data:, javascript:, mailto:, blob: ...
		default:
			return nil, false
		}
		if len(v) < i+2 || v[i] != '/' || v[i+1] != '/' {
			return nil, false
		}
	} else if !(len(v) >= 2 && v[0] == '/' && v[1] == '/') {
		return nil, true // relative
	}
	start := i + 2
	end := start
	for end < len(v) {
		c := v[end]
		if c == '/' || c == '?' || c == '#' || c == ':' {
			break
		}
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return nil, false
		}
		end++
	}
	return v[start:end], end > start
}

// firstPartyBytes is firstParty for a raw lower-case host.
func (r *PageRewriter) firstPartyBytes(h []byte) bool {
	if r.page.Host == "" {
		return false
	}
	if string(h) == r.page.Host || string(h) == r.pageSite {
		return true
	}
	return r.pageSite != "" && len(h) > len(r.pageSite) && h[len(h)-len(r.pageSite)-1] == '.' &&
		string(h[len(h)-len(r.pageSite):]) == r.pageSite
}

// fetchingRel reports whether a <link rel> value makes the browser fetch
// or connect to the href. It does not allocate.
func fetchingRel(rel []byte) bool {
	for len(rel) > 0 {
		i := 0
		for i < len(rel) && isSpace(rel[i]) {
			i++
		}
		j := i
		for j < len(rel) && !isSpace(rel[j]) {
			j++
		}
		tok := rel[i:j]
		rel = rel[j:]
		for _, w := range [...]string{"stylesheet", "preload", "modulepreload", "prefetch", "preconnect", "dns-prefetch", "prerender", "icon", "manifest"} {
			if equalFoldBytes(tok, w) {
				return true
			}
		}
	}
	return false
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
		var editBuf [8]edit
		edits := editBuf[:0]
		edits = append(edits, edit{start: t.nameEnd, end: t.nameEnd, text: insert})
		for _, s := range t.spans {
			for _, k := range rename {
				if equalFoldBytes(raw[s.nameStart:s.nameEnd], k) {
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
// content instead of a blank frame, in the visitor's language when
// Options.PlaceholderText gives it.
func (r *PageRewriter) placeholder(title, category, src string) string {
	if !r.phResolved {
		r.phResolved = true
		if r.n.opts.PlaceholderText != nil {
			t := r.n.opts.PlaceholderText(r.page.Lang)
			r.phText = &t
		}
	}
	open, notice, label := "{vendor} ({category})", "", category
	if t := r.phText; t != nil {
		if t.Open != "" {
			open = t.Open
		}
		notice = t.Notice
		if l := t.Categories[category]; l != "" {
			label = l
		}
	}
	fill := func(s string) string {
		s = strings.ReplaceAll(html.EscapeString(s), "{vendor}", html.EscapeString(title))
		return strings.ReplaceAll(s, "{category}", html.EscapeString(label))
	}
	doc := `<style>html,body{height:100%;margin:0}body{display:flex;flex-direction:column;align-items:center;justify-content:center;` +
		`font:16px system-ui,sans-serif;background:#eee;color:#111;text-align:center;padding:0 1em;box-sizing:border-box}a{color:inherit}p{margin:0 0 .5em}</style>`
	if notice != "" {
		doc += `<p>` + fill(notice) + `</p>`
	}
	doc += `<a href="` + html.EscapeString(parseURL(src).clean) + `" target="_blank" rel="noopener noreferrer">&#9654; ` + fill(open) + `</a>`
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
	for rel := t.attrs[i].Val; rel != ""; {
		k := 0
		for k < len(rel) && isSpace(rel[k]) {
			k++
		}
		rel = rel[k:]
		k = 0
		for k < len(rel) && !isSpace(rel[k]) {
			k++
		}
		var low [16]byte
		tok := rel[:k]
		rel = rel[k:]
		if len(tok) > len(low) {
			continue
		}
		switch string(appendLower(low[:0], []byte(tok))) {
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
	t, ok := parseTag(startTag, &r.ts)
	if !ok {
		return nil
	}
	rename := [1]string{"type"}
	insert := r.categoryAttr(true)
	r.reportHits("script")
	out := buildTag(r.buf[:0], startTag, &t, insert, rename[:])
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
	edits, ok := r.noscriptEdits(text)
	if !ok {
		edits, ok = r.noscriptEditsTokenizer(text)
	}
	if !ok || len(edits) == 0 {
		return nil
	}
	r.tmp = splice(r.tmp[:0], text, edits)
	r.buf, r.tmp = r.tmp, r.buf
	return r.buf
}

// noscriptEditsTokenizer finds the edits of rewriteNoscript with
// x/net/html's tokenizer; ok is false when it lost track of positions.
func (r *PageRewriter) noscriptEditsTokenizer(text []byte) (edits []edit, ok bool) {
	z := html.NewTokenizer(bytes.NewReader(text))
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
			return nil, false // lost track of positions: keep the text
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, _ := z.TagName()
		if !loadsURL(string(name)) || string(name) == "base" {
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
	return edits, true
}

// noscriptEdits finds the edits of rewriteNoscript without a tokenizer
// when the text is plain markup: start and end tags (quoted attribute
// values may hold '>'), text, and raw text elements other than script
// (iframe, style, textarea, title...: their text runs to their end tag,
// as x/net/html reads it). ok is false for anything else (a comment, a
// doctype, a script, a tag not closed): the tokenizer decides.
func (r *PageRewriter) noscriptEdits(text []byte) (edits []edit, ok bool) {
	type at struct{ start, end, b0, b1 int }
	var atBuf [4]at
	found := atBuf[:0]
	nb := r.nsBuf[:0]
	defer func() { r.nsBuf = nb[:0] }()
	var lname [16]byte
	for i := 0; ; {
		j := bytes.IndexByte(text[i:], '<')
		if j < 0 || i+j+1 >= len(text) {
			break
		}
		p := i + j
		c := text[p+1]
		switch {
		case isASCIILetter(c):
		case c == '/' && p+2 < len(text) && isASCIILetter(text[p+2]):
			end := tagEnd(text, p+1)
			if end < 0 {
				return nil, false
			}
			i = end
			continue
		case c == '/' || c == '!' || c == '?':
			return nil, false
		default:
			i = p + 1
			continue
		}
		end := tagEnd(text, p)
		if end < 0 {
			return nil, false
		}
		raw := text[p:end]
		k := p + 1
		for k < end-1 && !isSpace(text[k]) && text[k] != '/' {
			k++
		}
		name := raw[1 : k-p]
		if len(name) > len(lname) {
			i = end // no element of interest has a longer name
			continue
		}
		ln := appendLower(lname[:0], name)
		switch string(ln) {
		case "script", "plaintext":
			return nil, false
		}
		if loadsURL(string(ln)) && string(ln) != "base" && r.n.m.rawMayMatch(raw) {
			b0 := len(nb)
			if out, ok := r.rewriteTag(nb, string(ln), raw); ok {
				nb = out
				found = append(found, at{p, end, b0, len(nb)})
			}
		}
		i = end
		switch string(ln) {
		case "iframe", "noembed", "noframes", "noscript", "style", "textarea", "title", "xmp":
			i = rawTextEnd(text, end, string(ln))
		}
	}
	edits = r.nsEdits[:0]
	for _, f := range found {
		edits = append(edits, edit{start: f.start, end: f.end, b: nb[f.b0:f.b1]})
	}
	r.nsEdits = edits[:0]
	return edits, true
}

// tagEnd returns the index after the '>' that ends the tag starting at
// b[p] ('<' or the '/' of an end tag), following the tokenizer's
// attribute states (a quoted value may hold '>'), or -1 when the tag does
// not end in b.
func tagEnd(b []byte, p int) int {
	n := len(b)
	i := p + 1
	for i < n && !isSpace(b[i]) && b[i] != '/' && b[i] != '>' {
		i++
	}
	for {
		for i < n && (isSpace(b[i]) || b[i] == '/') {
			i++
		}
		if i >= n {
			return -1
		}
		if b[i] == '>' {
			return i + 1
		}
		i++ // the first character of a name may be '='
		for i < n && !isSpace(b[i]) && b[i] != '/' && b[i] != '>' && b[i] != '=' {
			i++
		}
		j := i
		for j < n && isSpace(b[j]) {
			j++
		}
		if j >= n || b[j] != '=' {
			continue
		}
		j++
		for j < n && isSpace(b[j]) {
			j++
		}
		if j >= n {
			return -1
		}
		switch q := b[j]; q {
		case '>':
			i = j
		case '"', '\'':
			k := bytes.IndexByte(b[j+1:], q)
			if k < 0 {
				return -1
			}
			i = j + 1 + k + 1
		default:
			for j < n && !isSpace(b[j]) && b[j] != '>' {
				j++
			}
			i = j
		}
	}
}

// rawTextEnd returns where the text of a raw text element that starts at
// b[i] ends: at its end tag ("</name" in any case, then a space, '/' or
// '>'), or at the end of b.
func rawTextEnd(b []byte, i int, name string) int {
	for {
		j := bytes.Index(b[i:], []byte("</"))
		if j < 0 {
			return len(b)
		}
		k := i + j + 2
		if k+len(name) < len(b) && equalFoldBytes(b[k:k+len(name)], name) {
			switch b[k+len(name)] {
			case ' ', '\n', '\r', '\t', '\f', '/', '>':
				return i + j
			}
		}
		i = k
	}
}

// Interface guards
var (
	_ htmlrewrite.TagRewriter      = (*PageRewriter)(nil)
	_ htmlrewrite.ElementRewriter  = (*PageRewriter)(nil)
	_ htmlrewrite.OversizeRewriter = (*PageRewriter)(nil)
	_ htmlrewrite.TagFilter        = (*PageRewriter)(nil)
)
