// Package policy holds the gateway's cookie categories and decides, for one
// cookie name and the set of categories a visitor has granted, whether the
// cookie may pass. It knows nothing about Caddy or HTTP.
//
// # Order means restrictiveness
//
// Categories are declared from least to most restrictive: a cookie that
// matches several categories is governed by the most restrictive of them,
// which is any non-required category over a required one and, among
// non-required (or among required) categories, the one declared later. The
// defaults are declared necessary < functional < analytics < advertising, so
// a cookie listed both as analytics and advertising needs advertising
// consent. Decide is stricter still: it lets a cookie pass only when every
// category it matches is granted or required.
//
// # Sources: the operator's patterns win
//
// A category's patterns come from three sources, consulted in order, and the
// first source with a matching pattern decides alone:
//
//  1. Category.Operator: patterns the operator wrote in the configuration;
//  2. Category.Cookies: the built-in lists (DefaultCategories) and vendor
//     presets;
//  3. Config.Database: a cookie database such as the embedded Open Cookie
//     Database (BuiltinCookieDatabase), for names no pattern names.
//
// "Most restrictive wins" applies only among patterns of the same source. So
// an operator who lists "lang" under necessary makes it necessary although
// the built-in lists call it functional, and a built-in tracker prefix such
// as "_fbp*" (advertising) beats a built-in framework shape such as
// "*_session" (necessary) for "_fbp_session".
//
// # Speed
//
// Classify does not allocate for exact and glob patterns and costs roughly
// one trie step per byte of the name plus the globs whose literal prefix the
// name starts with. Regular expressions are tried only for names that start
// with their literal prefix ("^_hj" → "_hj"); an expression without one is
// tried for every name, so prefer globs or anchored expressions.
package policy

import (
	"fmt"
	"math/bits"
	"regexp"
	"strings"
)

// MaxCategories is the most categories a Policy can hold (one bit each in
// Set, keeping the top bit free).
const MaxCategories = 63

// Category is one group of cookies a visitor can accept or refuse.
type Category struct {
	// Name is the identifier used in configuration, the consent cookie and
	// logs: 1 to 32 of a-z, 0-9, '_' and '-'. "strip" and "allow" are
	// reserved (they are unknown-cookie modes).
	Name string
	// Label is the short title shown to visitors; Name when empty.
	Label string
	// Description is the visitor-facing explanation.
	Description string
	// Required marks "necessary" categories: always on, cannot be refused.
	Required bool
	// Cookies are the built-in and preset pattern sources (see
	// ParsePattern). Among them the most restrictive category wins.
	Cookies []string
	// Operator are the pattern sources the operator wrote for this category.
	// They beat Cookies and the database: a name any Operator pattern
	// matches is classified by the Operator patterns alone (the most
	// restrictive among them).
	Operator []string
	// Domain, when set, is the Domain attribute used when expiring this
	// category's cookies, e.g. ".example.com" (a host-only expiry is always
	// sent as well).
	Domain string
	// Path is the Path attribute used when expiring; "/" when empty.
	Path string
	// SaleOrShare marks categories refused when the request carries
	// Sec-GPC: 1 (Global Privacy Control). DefaultCategories sets it for
	// "advertising"; a Caddy adapter that lets operators declare categories
	// should default it to true for a category named "advertising" when the
	// operator does not say, since a bool cannot tell "unset" from false.
	SaleOrShare bool
}

// UnknownMode says what happens to cookies no pattern matches: UnknownStrip
// (the default, also for ""), UnknownAllow, or the name of a category whose
// rules they then follow.
type UnknownMode = string

// Unknown-cookie modes other than a category name.
const (
	UnknownStrip UnknownMode = "strip"
	UnknownAllow UnknownMode = "allow"
)

// Config is the input to Compile.
type Config struct {
	Categories []Category
	// Unknown is "" or "strip" (unknown cookies never pass), "allow" (they
	// always pass), or a category name (they pass when that category does).
	Unknown UnknownMode
	// ConsentCookieNames always pass, whatever they match: the cookie that
	// records the visitor's choice is exempt from consent.
	ConsentCookieNames []string
	// Database, when not nil, classifies names no Operator or Cookies
	// pattern matches (see BuiltinCookieDatabase and LoadCookieDatabase).
	// Its categories are mapped by name onto the configured ones; a database
	// category the configuration lacks maps to "advertising" when declared
	// and is ignored otherwise.
	Database *Database
}

// Warning is a configuration problem that does not stop Compile.
type Warning struct{ Message string }

func (w Warning) String() string { return w.Message }

// Set is a set of categories: bit i is the category with index i in
// Policy.Categories order.
type Set uint64

// Has reports whether category index i is in s.
func (s Set) Has(i int) bool { return i >= 0 && i < 64 && s&(1<<uint(i)) != 0 }

// Policy is a compiled Config. It is immutable and safe for concurrent use.
type Policy struct {
	cats        []Category
	index       map[string]int
	required    Set
	all         Set
	saleOrShare Set
	unknown     unknownKind
	unknownCat  int
	consent     []string
	op          trie // Category.Operator patterns
	builtin     trie // Category.Cookies patterns
	db          *Database
	dbMap       [numDBCats]int8 // database category -> policy index, -1 = ignored
	nPatterns   int
}

// Source says which kind of pattern classified a cookie.
type Source uint8

// Pattern sources, in the order they are consulted.
const (
	SourceNone     Source = iota // no pattern matched
	SourceOperator               // Category.Operator
	SourceBuiltin                // Category.Cookies (built-in lists and presets)
	SourceDatabase               // Config.Database
	SourceConsent                // the consent cookie itself
)

// String returns "", "operator", "builtin", "database" or "consent".
func (s Source) String() string {
	switch s {
	case SourceOperator:
		return "operator"
	case SourceBuiltin:
		return "builtin"
	case SourceDatabase:
		return "database"
	case SourceConsent:
		return "consent"
	}
	return ""
}

// trie is a frozen prefix trie of patterns; nodes[0] is the root. Node i's
// children, globs and expressions are the ranges of kids, globs and res
// from its offsets to those of node i+1 (the last node is a sentinel), so
// a node is 24 bytes and the trie is four allocations.
type trie struct {
	nodes []node
	kids  []int32 // kids[n.kidOff+c-n.lo] is the node after byte c; 0 means none
	globs []globEntry
	res   []reEntry
}

type unknownKind uint8

const (
	unknownStrip unknownKind = iota
	unknownAllow
	unknownCategory
)

// node is one trie node: the names reaching it start with the same bytes.
type node struct {
	exact   Set // categories with an exact name ending here
	kidOff  uint32
	globOff uint32
	reOff   uint32
	span    uint16 // children: bytes lo .. lo+span-1; 0 for none
	lo      byte
	flags   byte // hasGlobs, hasRes: the next node's offsets end the ranges
}

const (
	hasGlobs = 1 << iota
	hasRes
)

type globEntry struct {
	rest globRest
	set  Set
}

type reEntry struct {
	re  *regexp.Regexp
	set Set
}

var nameOK = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// Compile validates cfg and builds a Policy. Errors say what is wrong and how
// to fix it; warnings describe legal but probably unintended configurations.
func Compile(cfg Config) (*Policy, []Warning, error) {
	var warns []Warning
	warn := func(format string, args ...any) {
		warns = append(warns, Warning{Message: fmt.Sprintf(format, args...)})
	}
	if len(cfg.Categories) > MaxCategories {
		return nil, nil, fmt.Errorf("%d categories configured, at most %d are supported; merge some categories", len(cfg.Categories), MaxCategories)
	}
	p := &Policy{index: make(map[string]int, len(cfg.Categories))}
	for i, c := range cfg.Categories {
		if !nameOK.MatchString(c.Name) {
			return nil, nil, fmt.Errorf("category name %q is invalid: use 1 to 32 lower-case letters, digits, '_' or '-'", c.Name)
		}
		if c.Name == UnknownStrip || c.Name == UnknownAllow {
			return nil, nil, fmt.Errorf("category name %q is reserved (it is an unknown-cookie mode); choose another name", c.Name)
		}
		if j, dup := p.index[c.Name]; dup {
			return nil, nil, fmt.Errorf("category %q is declared twice (entries %d and %d); merge them or rename one", c.Name, j+1, i+1)
		}
		if err := checkDomain(c.Domain); err != nil {
			return nil, nil, fmt.Errorf("category %q: %v", c.Name, err)
		}
		if err := checkPath(c.Path); err != nil {
			return nil, nil, fmt.Errorf("category %q: %v", c.Name, err)
		}
		if c.Required && c.SaleOrShare {
			return nil, nil, fmt.Errorf("category %q is both required and sale_or_share: Global Privacy Control cannot refuse a required category; drop one of the two", c.Name)
		}
		p.index[c.Name] = i
		c.Cookies = append([]string(nil), c.Cookies...)
		c.Operator = append([]string(nil), c.Operator...)
		if c.Label == "" {
			c.Label = c.Name
		}
		if c.Path == "" {
			c.Path = "/"
		}
		c.Domain = strings.ToLower(c.Domain)
		p.cats = append(p.cats, c)
		bit := Set(1) << uint(i)
		p.all |= bit
		if c.Required {
			p.required |= bit
		}
		if c.SaleOrShare {
			p.saleOrShare |= bit
		}
	}

	var opBytes, biBytes int
	for _, c := range p.cats {
		for _, s := range c.Operator {
			opBytes += len(s)
		}
		for _, s := range c.Cookies {
			biBytes += len(s)
		}
	}
	opB, biB := newTrieBuilder(opBytes), newTrieBuilder(biBytes)
	for i, c := range p.cats {
		bit := Set(1) << uint(i)
		if len(c.Cookies) == 0 && len(c.Operator) == 0 {
			warn("category %q has no cookie patterns; no cookie will be classified into it", c.Name)
		}
		for _, tier := range []struct {
			list []string
			b    *trieBuilder
		}{{c.Operator, opB}, {c.Cookies, biB}} {
			seen := make(map[string]bool, len(tier.list))
			for _, src := range tier.list {
				pat, err := ParsePattern(src)
				if err != nil {
					return nil, nil, fmt.Errorf("category %q: %w", c.Name, err)
				}
				if seen[src] {
					warn("category %q lists cookie pattern %q twice", c.Name, src)
					continue
				}
				seen[src] = true
				if pat.Kind == Glob && strings.Trim(src, "*") == "" {
					warn("cookie pattern %q in category %q matches every cookie", src, c.Name)
				}
				tier.b.add(pat, bit)
				p.nPatterns++
			}
		}
	}
	p.op, p.builtin = opB.finish(), biB.finish()
	if cfg.Database != nil {
		p.db = cfg.Database
		for k, name := range dbCategoryNames {
			p.dbMap[k] = -1
			if i, ok := p.index[name]; ok {
				p.dbMap[k] = int8(i)
			} else if i, ok := p.index["advertising"]; ok {
				p.dbMap[k] = int8(i)
			}
		}
	}

	switch cfg.Unknown {
	case "", UnknownStrip:
		p.unknown = unknownStrip
	case UnknownAllow:
		p.unknown = unknownAllow
	default:
		i, ok := p.index[cfg.Unknown]
		if !ok {
			return nil, nil, fmt.Errorf("unknown-cookie mode %q is neither \"strip\", \"allow\" nor a declared category (%s)", cfg.Unknown, strings.Join(p.allNames(), ", "))
		}
		p.unknown, p.unknownCat = unknownCategory, i
		if p.cats[i].Required {
			warn("unknown cookies follow required category %q, so they always pass; say unknown \"allow\" if that is meant", cfg.Unknown)
		}
	}

	for _, n := range cfg.ConsentCookieNames {
		if !ValidCookieName(n) {
			return nil, nil, fmt.Errorf("consent cookie name %q is not a valid cookie name; use letters, digits and !#$%%&'*+-.^_`|~ only", n)
		}
		p.consent = append(p.consent, n)
	}

	if p.required == 0 {
		warn("no category is required: only the consent cookie always passes; mark a category such as \"necessary\" as required")
	}
	p.overlapWarnings(warn)
	return p, warns, nil
}

// overlapWarnings reports exact names that also match patterns of other
// categories, once per name, in declaration order.
func (p *Policy) overlapWarnings(warn func(string, ...any)) {
	for _, t := range []struct {
		tr   *trie
		list func(Category) []string
	}{{&p.op, func(c Category) []string { return c.Operator }}, {&p.builtin, func(c Category) []string { return c.Cookies }}} {
		done := make(map[string]bool)
		for i, c := range p.cats {
			for _, src := range t.list(c) {
				if done[src] {
					continue
				}
				if !isExactSource(src) {
					continue
				}
				done[src] = true
				m := t.tr.match(src)
				if m&^(Set(1)<<uint(i)) == 0 {
					continue
				}
				if !c.Required && m&^(Set(1)<<uint(i))&^p.required == 0 {
					// An optional name inside a required glob ("ai_session"
					// in "*_session"): the name wins, as intended.
					continue
				}
				warn("cookie %q matches categories %s; the most restrictive, %s, applies", src, joinAnd(p.Names(m)), p.cats[p.primary(m)].Name)
			}
		}
	}
}

// isExactSource reports whether src, a pattern Compile accepted, is an
// exact name (not a glob or a regular expression), without compiling it.
func isExactSource(src string) bool {
	return src != "" && src[0] != '/' && !strings.ContainsAny(src, "*?")
}

func joinAnd(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

func checkDomain(d string) error {
	if d == "" {
		return nil
	}
	bad := func() error {
		return fmt.Errorf("domain %q is not a valid cookie domain; write a host name such as \".example.com\"", d)
	}
	h := strings.TrimPrefix(d, ".")
	if h == "" || len(h) > 253 {
		return bad()
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return bad()
		}
		for i := 0; i < len(label); i++ {
			c := label[i] | 0x20
			if !(c >= 'a' && c <= 'z' || label[i] >= '0' && label[i] <= '9' || label[i] == '-' || label[i] == '_') {
				return bad()
			}
		}
	}
	return nil
}

func checkPath(path string) error {
	if path == "" {
		return nil
	}
	if path[0] != '/' {
		return fmt.Errorf("path %q must start with '/'", path)
	}
	for i := 0; i < len(path); i++ {
		if c := path[i]; c < 0x20 || c == 0x7f || c == ';' {
			return fmt.Errorf("path %q contains %q, which cannot appear in a cookie path", path, c)
		}
	}
	return nil
}

// Categories returns the categories in declaration order, with Label and
// Path defaulted. The slice is a copy; the Cookies and Operator slices are
// shared and must not be modified.
func (p *Policy) Categories() []Category { return append([]Category(nil), p.cats...) }

// Index returns the index of the category called name.
func (p *Policy) Index(name string) (int, bool) {
	i, ok := p.index[name]
	return i, ok
}

// RequiredSet returns the required categories.
func (p *Policy) RequiredSet() Set { return p.required }

// AllSet returns every category.
func (p *Policy) AllSet() Set { return p.all }

// SaleOrShareSet returns the categories refused under Global Privacy
// Control: with Sec-GPC: 1, use granted &^ p.SaleOrShareSet().
func (p *Policy) SaleOrShareSet() Set { return p.saleOrShare }

// PatternCount returns how many distinct patterns were compiled.
func (p *Policy) PatternCount() int { return p.nPatterns }

// ConsentCookieNames returns the names that always pass.
func (p *Policy) ConsentCookieNames() []string { return append([]string(nil), p.consent...) }

// SetOf returns the set of the named categories; an unknown name is an error
// naming it.
func (p *Policy) SetOf(names []string) (Set, error) {
	var s Set
	for _, n := range names {
		i, ok := p.index[n]
		if !ok {
			return 0, fmt.Errorf("unknown category %q (declared: %s)", n, strings.Join(p.allNames(), ", "))
		}
		s |= 1 << uint(i)
	}
	return s, nil
}

// Names returns the names of the categories in s, in declaration order.
// Bits beyond the declared categories are ignored.
func (p *Policy) Names(s Set) []string {
	s &= p.all
	out := make([]string, 0, bits.OnesCount64(uint64(s)))
	for s != 0 {
		i := bits.TrailingZeros64(uint64(s))
		out = append(out, p.cats[i].Name)
		s &^= 1 << uint(i)
	}
	return out
}

func (p *Policy) allNames() []string { return p.Names(p.all) }

// Classify returns the categories whose patterns match name and the index of
// the most restrictive of them, considering only the first source that has
// a match (see the package documentation). When nothing matches, known is
// false and primary is -1; Decide then applies the unknown-cookie mode.
// Classify does not allocate unless a regular expression is tried.
func (p *Policy) Classify(name string) (matched Set, primary int, known bool) {
	matched, primary, src := p.ClassifySource(name)
	return matched, primary, src != SourceNone
}

// ClassifySource is Classify that also says which source decided:
// SourceOperator, SourceBuiltin, SourceDatabase, or SourceNone when nothing
// matched. It never returns SourceConsent (see Decide).
func (p *Policy) ClassifySource(name string) (matched Set, primary int, src Source) {
	if m := p.op.match(name); m != 0 {
		return m, p.primary(m), SourceOperator
	}
	if m := p.builtin.match(name); m != 0 {
		return m, p.primary(m), SourceBuiltin
	}
	if p.db != nil {
		dm := p.db.match(name)
		var m Set
		for dm != 0 {
			k := bits.TrailingZeros64(uint64(dm))
			dm &^= 1 << uint(k)
			if i := p.dbMap[k]; i >= 0 {
				m |= 1 << uint(i)
			}
		}
		if m != 0 {
			return m, p.primary(m), SourceDatabase
		}
	}
	return 0, -1, SourceNone
}

// match returns the union of the sets of every pattern in t matching name.
func (t *trie) match(name string) (matched Set) {
	nodes, kids := t.nodes, t.kids
	if len(nodes) < 2 {
		return 0
	}
	cur := 0
	for i := 0; ; i++ {
		n := &nodes[cur]
		if n.flags != 0 {
			nx := &nodes[cur+1]
			if n.flags&hasGlobs != 0 {
				rest := name[i:]
				for k := n.globOff; k < nx.globOff; k++ {
					if g := &t.globs[k]; g.set&^matched != 0 && g.rest.match(rest) {
						matched |= g.set
					}
				}
			}
			if n.flags&hasRes != 0 {
				for k := n.reOff; k < nx.reOff; k++ {
					if r := &t.res[k]; r.set&^matched != 0 && r.re.MatchString(name) {
						matched |= r.set
					}
				}
			}
		}
		if i == len(name) {
			matched |= n.exact
			break
		}
		d := int(name[i]) - int(n.lo) // negative wraps to a huge uint
		if uint(d) >= uint(n.span) {
			break
		}
		next := kids[n.kidOff+uint32(d)]
		if next == 0 {
			break
		}
		cur = int(next)
	}
	return matched
}

// primary picks the most restrictive category of a non-empty set.
func (p *Policy) primary(m Set) int {
	if opt := m &^ p.required; opt != 0 {
		m = opt
	}
	return bits.Len64(uint64(m)) - 1
}

// Decision is the verdict on one cookie name.
type Decision struct {
	// Allowed says whether the cookie may pass.
	Allowed bool
	// Category is the name of the most restrictive matching category. For
	// unknown cookies it is the unknown-mode category when Unknown names
	// one, else "". For consent cookies it is "".
	Category string
	// Known is true when a pattern matched, and for consent cookies.
	Known bool
	// Source says which source classified the cookie (SourceNone when
	// unknown, SourceConsent for the consent cookie).
	Source Source
}

// Decide says whether cookie name may pass for a visitor who granted the
// categories in granted (required categories are added automatically):
//
//   - consent cookie names always pass;
//   - a known cookie passes when every category it matches in the deciding
//     source (operator, then built-in, then database) is granted or
//     required, so overlaps within a source resolve to the most restrictive
//     category;
//   - an unknown cookie never passes under "strip", always under "allow",
//     and like a cookie of the unknown-mode category otherwise.
func (p *Policy) Decide(name string, granted Set) Decision {
	for _, c := range p.consent {
		if name == c {
			return Decision{Allowed: true, Known: true, Source: SourceConsent}
		}
	}
	ok := granted | p.required
	m, primary, src := p.ClassifySource(name)
	if src != SourceNone {
		return Decision{Allowed: m&^ok == 0, Category: p.cats[primary].Name, Known: true, Source: src}
	}
	switch p.unknown {
	case unknownAllow:
		return Decision{Allowed: true}
	case unknownCategory:
		return Decision{Allowed: ok.Has(p.unknownCat), Category: p.cats[p.unknownCat].Name}
	}
	return Decision{}
}

// ExpiryTarget returns the Domain ("" for host-only only) and Path to use
// when expiring cookies of the category with the given index.
func (p *Policy) ExpiryTarget(category int) (domain, path string) {
	if category < 0 || category >= len(p.cats) {
		return "", "/"
	}
	c := &p.cats[category]
	return c.Domain, c.Path
}

// trieBuilder collects patterns before they are frozen into dense nodes.
// A node is 24 bytes and its children a linked list of siblings, so
// building allocates little more than the nodes themselves.
type trieBuilder struct {
	nodes []bnode
	globs []bglob
	res   []bre
	index map[string]int // pattern source -> index in globs or res
}

type bnode struct {
	exact Set
	first int32 // first child, 0 for none (the root is nobody's child)
	next  int32 // next sibling, 0 for none
	c     byte  // byte leading to this node
}

type bglob struct {
	node int32
	e    globEntry
}

type bre struct {
	node int32
	e    reEntry
}

// newTrieBuilder returns a builder with room for sizeHint nodes besides
// the root (the total length of the prefixes to add is enough).
func newTrieBuilder(sizeHint int) *trieBuilder {
	b := &trieBuilder{nodes: make([]bnode, 1, 1+sizeHint)}
	return b
}

func (b *trieBuilder) walk(prefix string) int {
	n := int32(0)
	for i := 0; i < len(prefix); i++ {
		c := prefix[i]
		k := b.nodes[n].first
		for k != 0 && b.nodes[k].c != c {
			k = b.nodes[k].next
		}
		if k == 0 {
			k = int32(len(b.nodes))
			b.nodes = append(b.nodes, bnode{c: c, next: b.nodes[n].first})
			b.nodes[n].first = k
		}
		n = k
	}
	return int(n)
}

func (b *trieBuilder) add(pat Pattern, bit Set) {
	if pat.Kind == Exact {
		n := b.walk(pat.Source)
		b.nodes[n].exact |= bit
		return
	}
	if b.index == nil {
		b.index = map[string]int{}
	}
	i, seen := b.index[pat.Source]
	switch pat.Kind {
	case Glob:
		if seen {
			b.globs[i].e.set |= bit
			return
		}
		b.index[pat.Source] = len(b.globs)
		b.globs = append(b.globs, bglob{int32(b.walk(pat.prefix)), globEntry{rest: pat.rest, set: bit}})
	case Regexp:
		if seen {
			b.res[i].e.set |= bit
			return
		}
		b.index[pat.Source] = len(b.res)
		b.res = append(b.res, bre{int32(b.walk(pat.rePrefix)), reEntry{re: pat.re, set: bit}})
	}
}

func (b *trieBuilder) finish() trie {
	nn := len(b.nodes)
	t := trie{
		nodes: make([]node, nn+1),
		globs: make([]globEntry, len(b.globs)),
		res:   make([]reEntry, len(b.res)),
	}
	// Children's byte ranges, then the dense child tables.
	nk := 0
	for i := range b.nodes {
		if k := b.nodes[i].first; k != 0 {
			lo, hi := b.nodes[k].c, b.nodes[k].c
			for ; k != 0; k = b.nodes[k].next {
				lo, hi = min(lo, b.nodes[k].c), max(hi, b.nodes[k].c)
			}
			nk += int(hi-lo) + 1
		}
	}
	t.kids = make([]int32, 0, nk)
	for i := range b.nodes {
		n := &t.nodes[i]
		n.exact = b.nodes[i].exact
		n.kidOff = uint32(len(t.kids))
		if k := b.nodes[i].first; k != 0 {
			lo, hi := b.nodes[k].c, b.nodes[k].c
			for j := k; j != 0; j = b.nodes[j].next {
				lo, hi = min(lo, b.nodes[j].c), max(hi, b.nodes[j].c)
			}
			n.lo, n.span = lo, uint16(hi-lo)+1
			base := len(t.kids)
			t.kids = t.kids[:base+int(n.span)]
			for ; k != 0; k = b.nodes[k].next {
				t.kids[base+int(b.nodes[k].c-n.lo)] = k
			}
		}
	}
	t.nodes[nn].kidOff = uint32(len(t.kids))
	// Globs and expressions grouped by node, in the order they were added
	// (a counting sort: offsets first, then placement).
	for _, g := range b.globs {
		t.nodes[g.node+1].globOff++
		t.nodes[g.node].flags |= hasGlobs
	}
	for _, r := range b.res {
		t.nodes[r.node+1].reOff++
		t.nodes[r.node].flags |= hasRes
	}
	for i := 1; i <= nn; i++ {
		t.nodes[i].globOff += t.nodes[i-1].globOff
		t.nodes[i].reOff += t.nodes[i-1].reOff
	}
	fill := make([]uint32, nn)
	for _, g := range b.globs {
		t.globs[t.nodes[g.node].globOff+fill[g.node]] = g.e
		fill[g.node]++
	}
	clear(fill)
	for _, r := range b.res {
		t.res[t.nodes[r.node].reOff+fill[r.node]] = r.e
		fill[r.node]++
	}
	return t
}
