// Package inventory remembers which cookies a site actually sets and which
// tracker hosts its pages load, in bounded memory, so the gateway can
// publish a cookie declaration that tells the truth.
//
// It knows nothing about Caddy. The gateway calls ObserveSetCookie for every
// Set-Cookie line that reaches the browser and ObserveHost for every
// tracker host a page references; it persists the store through the Storage
// interface (Caddy's storage in the adapter) with Save, Load or Persist, and
// builds the declaration with Declaration or DeclarationIn.
//
// Observing a name that is already known with the same facts takes one
// sharded read lock and a few atomic operations and does not allocate.
package inventory

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Attrs are the attributes of a Set-Cookie line the declaration shows.
// Never the value.
type Attrs struct {
	HttpOnly      bool
	Secure        bool
	SameSite      string // "Lax", "Strict", "None" or "" (not set); other values are stored as ""
	MaxAgeSeconds int64  // lifetime from Max-Age or Expires; -1 = session cookie; 0 = deletion (ignored)
	Domain        string // as sent, "" = host-only
	Path          string // as sent, "" = default path
}

// Limits.
const (
	DefaultMaxNames = 500
	DefaultMaxHosts = 500
	DefaultRetain   = 90 * 24 * time.Hour

	// MaxStringBytes bounds every stored string (name, domain, path,
	// host, vendor, category); longer ones are cut at a rune boundary.
	MaxStringBytes = 128
)

// Options configure a Store. Zero values mean the defaults.
type Options struct {
	MaxNames int              // distinct cookie names kept (default 500)
	MaxHosts int              // distinct tracker hosts kept (default 500)
	Retain   time.Duration    // entries not seen for this long drop out (default 90 days)
	Now      func() time.Time // clock for Snapshot and pruning (default time.Now)
}

const numShards = 16

// Store is the observed-cookie and tracker-host inventory. It is safe for
// concurrent use.
type Store struct {
	maxNames int
	maxHosts int
	retain   time.Duration
	now      func() time.Time
	seed     maphash.Seed

	cookies [numShards]shard[cookieFacts]
	hosts   [numShards]shard[hostFacts]

	nNames atomic.Int64
	nHosts atomic.Int64

	// Observations of names/hosts that were not stored because the store
	// was full.
	overNames atomic.Uint64
	overHosts atomic.Uint64

	dirty      atomic.Bool
	generation atomic.Uint64 // changes when a name is added, dropped or changes category
	lastPrune  atomic.Int64  // unix seconds of the last prune triggered by a full store

	saveMu sync.Mutex // serializes Save
}

type shard[F comparable] struct {
	mu sync.RWMutex
	m  map[string]*entry[F]
}

// entry is one stored name or host. first is set at creation; the rest is
// updated with atomics so that the hot path only needs the read lock.
type entry[F comparable] struct {
	key   string
	first int64 // unix seconds
	last  atomic.Int64
	count atomic.Uint64 // observations (for hosts: held back)
	seen  atomic.Uint64 // hosts only: observed but not held back (consent given, or report mode)
	facts atomic.Pointer[F]
}

type cookieFacts struct {
	category string
	attrs    Attrs
	// attrHash identifies the attribute part of the Set-Cookie line the
	// attributes were parsed from (ObserveSetCookieLine; 0 when unknown),
	// checkedAt when (unix seconds).
	attrHash  uint64
	checkedAt int64
}

// lineRecheck is how long a Set-Cookie line's parsed attributes are taken
// for those of a later line with the same name, category and attribute
// part (ObserveSetCookieLine).
const lineRecheck = 60 // seconds

type hostFacts struct {
	vendor   string
	category string
}

// New returns an empty Store.
func New(o Options) *Store {
	s := &Store{maxNames: o.MaxNames, maxHosts: o.MaxHosts, retain: o.Retain, now: o.Now, seed: maphash.MakeSeed()}
	if s.maxNames <= 0 {
		s.maxNames = DefaultMaxNames
	}
	if s.maxHosts <= 0 {
		s.maxHosts = DefaultMaxHosts
	}
	if s.retain <= 0 {
		s.retain = DefaultRetain
	}
	if s.now == nil {
		s.now = time.Now
	}
	for i := range s.cookies {
		s.cookies[i].m = make(map[string]*entry[cookieFacts])
		s.hosts[i].m = make(map[string]*entry[hostFacts])
	}
	return s
}

// clip cuts s to MaxStringBytes at a rune boundary without allocating.
func clip(s string) string {
	if len(s) <= MaxStringBytes {
		return s
	}
	i := MaxStringBytes
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// own returns a clipped copy of s that does not share memory with the
// caller's (request) buffers.
func own(s string) string { return strings.Clone(clip(s)) }

func normSameSite(s string) string {
	switch {
	case strings.EqualFold(s, "lax"):
		return "Lax"
	case strings.EqualFold(s, "strict"):
		return "Strict"
	case strings.EqualFold(s, "none"):
		return "None"
	}
	return ""
}

// sameAttrs reports whether a and b (a stored, b observed) are the same
// facts. Lifetimes computed from Expires drift by the second, so they are
// equal when within 1 % (at least a minute) of each other.
func sameAttrs(a, b *Attrs) bool {
	if a.HttpOnly != b.HttpOnly || a.Secure != b.Secure || a.SameSite != normSameSite(b.SameSite) ||
		a.Domain != clip(b.Domain) || a.Path != clip(b.Path) {
		return false
	}
	if (a.MaxAgeSeconds < 0) != (b.MaxAgeSeconds < 0) {
		return false
	}
	d := a.MaxAgeSeconds - b.MaxAgeSeconds
	if d < 0 {
		d = -d
	}
	return d <= max(60, a.MaxAgeSeconds/100)
}

func (s *Store) shardOf(key string) int {
	return int(maphash.String(s.seed, key) % numShards)
}

func (s *Store) markDirty() {
	if !s.dirty.Load() {
		s.dirty.Store(true)
	}
}

func touch[F comparable](e *entry[F], sec int64) {
	if e.last.Load() < sec {
		e.last.Store(sec) // a racing older time may win; it is at most a request's age off
	}
}

// ObserveSetCookie records that the site set cookie name (in category, ""
// when no category names it) with the given attributes. Deletions
// (MaxAgeSeconds == 0) and empty names are ignored. When the store holds
// MaxNames names, new names are counted (Stats) but not stored.
func (s *Store) ObserveSetCookie(name, category string, facts Attrs, now time.Time) {
	s.observeSetCookie(name, category, facts, 0, now)
}

// ObserveSetCookieLine is ObserveSetCookie for one Set-Cookie line whose
// attribute part (everything after the first ';') is attrPart: parse is
// called for its attributes only when the store has not parsed a line of
// that name and category with the same attribute part in the last minute
// (a site sets the same cookie with the same attributes on most
// responses; only its value changes). A relative lifetime read from an
// Expires date may thus be up to a minute stale.
func (s *Store) ObserveSetCookieLine(name, category, attrPart string, parse func() Attrs, now time.Time) {
	if name == "" {
		return
	}
	h := maphash.String(s.seed, attrPart) | 1
	sec := now.Unix()
	if _, e := s.cookie(clip(name)); e != nil {
		if f := e.facts.Load(); f.parsedFrom(h, sec) && f.category == clip(category) {
			e.count.Add(1)
			touch(e, sec)
			s.markDirty()
			return
		}
	}
	s.observeSetCookie(name, category, parse(), h, now)
}

// cookie returns the shard of a clipped cookie name and its entry (nil
// when the name is not stored).
func (s *Store) cookie(key string) (*shard[cookieFacts], *entry[cookieFacts]) {
	sh := &s.cookies[s.shardOf(key)]
	sh.mu.RLock()
	e := sh.m[key]
	sh.mu.RUnlock()
	return sh, e
}

// parsedFrom reports whether the facts were parsed, less than lineRecheck
// before sec, from a line whose attribute part hashes to attrHash.
func (f *cookieFacts) parsedFrom(attrHash uint64, sec int64) bool {
	return f.attrHash == attrHash && sec >= f.checkedAt && sec-f.checkedAt < lineRecheck
}

func (s *Store) observeSetCookie(name, category string, facts Attrs, attrHash uint64, now time.Time) {
	if name == "" || facts.MaxAgeSeconds == 0 {
		return
	}
	if facts.MaxAgeSeconds < 0 {
		facts.MaxAgeSeconds = -1
	}
	key := clip(name)
	category = clip(category)
	sec := now.Unix()
	sh, e := s.cookie(key)
	if e != nil {
		e.count.Add(1)
		touch(e, sec)
		s.markDirty()
		f := e.facts.Load()
		if f.category == category && sameAttrs(&f.attrs, &facts) && (attrHash == 0 || f.parsedFrom(attrHash, sec)) {
			return
		}
		e.facts.Store(newCookieFacts(category, facts, attrHash, sec))
		if f.category != category {
			s.generation.Add(1)
		}
		return
	}
	s.insertCookie(sh, key, newCookieFacts(category, facts, attrHash, sec), sec, 1, sec)
}

func newCookieFacts(category string, a Attrs, attrHash uint64, checkedAt int64) *cookieFacts {
	a.SameSite = normSameSite(a.SameSite)
	a.Domain = own(a.Domain)
	a.Path = own(a.Path)
	return &cookieFacts{category: own(category), attrs: a, attrHash: attrHash, checkedAt: checkedAt}
}

// insertCookie stores a new name unless the store is full. It reports
// whether the name was stored (or was already there).
func (s *Store) insertCookie(sh *shard[cookieFacts], key string, f *cookieFacts, first int64, count uint64, last int64) bool {
	if !s.reserve(&s.nNames, s.maxNames, last) {
		s.overNames.Add(count)
		return false
	}
	sh.mu.Lock()
	if e := sh.m[key]; e != nil { // another goroutine was first
		sh.mu.Unlock()
		s.nNames.Add(-1)
		e.count.Add(count)
		touch(e, last)
		return true
	}
	e := &entry[cookieFacts]{key: strings.Clone(key), first: first}
	e.count.Store(count)
	e.last.Store(last)
	e.facts.Store(f)
	sh.m[e.key] = e
	sh.mu.Unlock()
	s.markDirty()
	s.generation.Add(1)
	return true
}

// reserve takes one of max slots in n. When the store is full it prunes
// entries older than Retain (at most once a minute) and tries again.
func (s *Store) reserve(n *atomic.Int64, max int, nowSec int64) bool {
	if n.Add(1) <= int64(max) {
		return true
	}
	n.Add(-1)
	if lp := s.lastPrune.Load(); nowSec-lp >= 60 && s.lastPrune.CompareAndSwap(lp, nowSec) {
		if s.prune(time.Unix(nowSec, 0)) > 0 {
			if n.Add(1) <= int64(max) {
				return true
			}
			n.Add(-1)
		}
	}
	return false
}

// ObserveHost records that a page referenced a tracker host of vendor
// (category is the consent category it needs). held tells whether the
// gateway held it back (true) or let it load (consent given, or report
// mode). When the store holds MaxHosts hosts, new hosts are counted but not
// stored.
func (s *Store) ObserveHost(host, vendor, category string, held bool, now time.Time) {
	if host == "" {
		return
	}
	key := clip(host)
	vendor, category = clip(vendor), clip(category)
	sec := now.Unix()
	sh := &s.hosts[s.shardOf(key)]
	sh.mu.RLock()
	e := sh.m[key]
	sh.mu.RUnlock()
	if e == nil {
		if !s.reserve(&s.nHosts, s.maxHosts, sec) {
			s.overHosts.Add(1)
			return
		}
		sh.mu.Lock()
		if e = sh.m[key]; e != nil {
			s.nHosts.Add(-1)
		} else {
			e = &entry[hostFacts]{key: strings.Clone(key), first: sec}
			e.last.Store(sec)
			e.facts.Store(&hostFacts{vendor: strings.Clone(vendor), category: strings.Clone(category)})
			sh.m[e.key] = e
			s.generation.Add(1)
		}
		sh.mu.Unlock()
	}
	if held {
		e.count.Add(1)
	} else {
		e.seen.Add(1)
	}
	touch(e, sec)
	s.markDirty()
	if f := e.facts.Load(); f.vendor != vendor || f.category != category {
		e.facts.Store(&hostFacts{vendor: strings.Clone(vendor), category: strings.Clone(category)})
		s.generation.Add(1)
	}
}

// Prune drops names and hosts not seen since now minus Retain and returns
// how many it dropped.
func (s *Store) Prune(now time.Time) int { return s.prune(now) }

func (s *Store) prune(now time.Time) int {
	cut := now.Add(-s.retain).Unix()
	n := pruneShards(s.cookies[:], cut, &s.nNames) + pruneShards(s.hosts[:], cut, &s.nHosts)
	if n > 0 {
		s.markDirty()
		s.generation.Add(1)
	}
	return n
}

func pruneShards[F comparable](shards []shard[F], cut int64, n *atomic.Int64) int {
	dropped := 0
	for i := range shards {
		sh := &shards[i]
		sh.mu.Lock()
		for k, e := range sh.m {
			if e.last.Load() < cut {
				delete(sh.m, k)
				n.Add(-1)
				dropped++
			}
		}
		sh.mu.Unlock()
	}
	return dropped
}

// Stats are the store's counters.
type Stats struct {
	Names         int    `json:"names"`          // distinct cookie names stored
	Hosts         int    `json:"hosts"`          // distinct tracker hosts stored
	NamesOverflow uint64 `json:"names_overflow"` // Set-Cookie observations of names not stored (store full)
	HostsOverflow uint64 `json:"hosts_overflow"` // host observations not stored (store full)
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats {
	return Stats{
		Names: int(s.nNames.Load()), Hosts: int(s.nHosts.Load()),
		NamesOverflow: s.overNames.Load(), HostsOverflow: s.overHosts.Load(),
	}
}

// Generation changes whenever a name or host is added or dropped or a name
// changes category: callers that derive something from the set of names
// (the banner's category lists) recompute it only when it changed.
func (s *Store) Generation() uint64 { return s.generation.Load() }

// Dirty reports whether anything changed since the last Snapshot.
func (s *Store) Dirty() bool { return s.dirty.Load() }
