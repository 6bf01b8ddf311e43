package enforce

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/consentgate/caddy-consent/caddymodule/audit"
)

// Unclassified remembers which unclassified cookie names were already
// reported, so each is logged once, not on every response. It is bounded
// by count and by bytes, and keeps its own copies of names: a name is a
// substring of a request header, and keeping the substring would keep the
// whole header alive.
type Unclassified struct {
	mu        sync.RWMutex
	names     map[string]struct{}
	pending   []Sighting
	maxNames  int
	maxBytes  int
	bytes     int
	full      bool
	announced bool
	// news is set while there is something for TakeSightings (a pending
	// sighting or an unannounced full memory), so the adapter's call on
	// every response costs an atomic load, not the lock.
	news atomic.Bool

	// obs is the engine's Observer (see Engine.SetObserver). It lives here
	// because this is the engine's one mutable part; it is set once,
	// before the engine serves requests.
	obs Observer
}

// Sighting is the first sighting of an unclassified cookie name, with the
// attributes that make a category suggestion possible (never the value).
type Sighting struct {
	Name  string
	Attrs audit.CookieAttrs
}

// NewUnclassified bounds the memory to maxNames names and maxBytes bytes.
func NewUnclassified(maxNames, maxBytes int) *Unclassified {
	return &Unclassified{names: map[string]struct{}{}, maxNames: maxNames, maxBytes: maxBytes}
}

// MaxSightingsPerTake bounds the first sightings one TakeSightings call
// (one response) returns.
const MaxSightingsPerTake = 4 // the adapter's maxLinesPerKind

// maxPending bounds names noted but not yet taken by the adapter.
const maxPending = 64

// Note remembers name, seen in a request's Cookie header; a first
// sighting is queued for Take.
func (u *Unclassified) Note(name string) { u.note(name, "") }

// NoteSetCookie remembers name, seen in the Set-Cookie line line; a first
// sighting is queued with the line's attributes (lifetime measured from
// now). Only a first sighting parses the line.
func (u *Unclassified) NoteSetCookie(name, line string) { u.note(name, line) }

func (u *Unclassified) note(name, line string) {
	// Names already known (nearly every call after the first few
	// requests) are answered under the read lock, which concurrent
	// requests share.
	u.mu.RLock()
	_, known := u.names[name]
	full := u.full
	u.mu.RUnlock()
	if known || full {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if _, ok := u.names[name]; ok || u.full {
		return
	}
	if len(u.names) >= u.maxNames || u.bytes+len(name) > u.maxBytes {
		u.full = true
		u.news.Store(!u.announced || len(u.pending) > 0)
		return
	}
	name = strings.Clone(name)
	u.names[name] = struct{}{}
	u.bytes += len(name)
	if len(u.pending) < maxPending {
		s := Sighting{Name: name, Attrs: audit.RequestCookieAttrs()}
		if line != "" {
			s.Attrs = audit.SetCookieAttrs(line, time.Now()) // copies what it keeps (clipped)
			s.Attrs.Domain, s.Attrs.Path = strings.Clone(s.Attrs.Domain), strings.Clone(s.Attrs.Path)
		}
		u.pending = append(u.pending, s)
		u.news.Store(true)
	}
}

// Take returns the names seen for the first time since the last call, and
// whether the memory just became full (reported once).
func (u *Unclassified) Take() (names []string, full bool) {
	s, full := u.TakeSightings()
	for _, x := range s {
		names = append(names, x.Name)
	}
	return names, full
}

// TakeSightings is Take with the attributes of each first sighting, for
// the cookie_unclassified event (audit.CookieAttrs.Fields).
func (u *Unclassified) TakeSightings() (sightings []Sighting, full bool) {
	if !u.news.Load() {
		return nil, false
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	// At most MaxSightingsPerTake a call, so no request writes more than a
	// few cookie_unclassified lines; the rest follow on later responses.
	n := min(len(u.pending), MaxSightingsPerTake)
	sightings = append([]Sighting(nil), u.pending[:n]...)
	u.pending = append(u.pending[:0], u.pending[n:]...)
	u.news.Store(len(u.pending) > 0)
	if u.full && !u.announced {
		u.announced, full = true, true
	}
	return sightings, full
}

// Size returns the names and bytes held.
func (u *Unclassified) Size() (names, bytes int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.names), u.bytes
}
