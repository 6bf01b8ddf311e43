package enforce

import (
	"strings"
	"sync"
)

// Unclassified remembers which unclassified cookie names were already
// reported, so each is logged once, not on every response. It is bounded
// by count and by bytes, and keeps its own copies of names: a name is a
// substring of a request header, and keeping the substring would keep the
// whole header alive.
type Unclassified struct {
	mu        sync.Mutex
	names     map[string]struct{}
	pending   []string
	maxNames  int
	maxBytes  int
	bytes     int
	full      bool
	announced bool
}

// NewUnclassified bounds the memory to maxNames names and maxBytes bytes.
func NewUnclassified(maxNames, maxBytes int) *Unclassified {
	return &Unclassified{names: map[string]struct{}{}, maxNames: maxNames, maxBytes: maxBytes}
}

// maxPending bounds names noted but not yet taken by the adapter.
const maxPending = 64

// Note remembers name; a first sighting is queued for Take.
func (u *Unclassified) Note(name string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if _, ok := u.names[name]; ok || u.full {
		return
	}
	if len(u.names) >= u.maxNames || u.bytes+len(name) > u.maxBytes {
		u.full = true
		return
	}
	name = strings.Clone(name)
	u.names[name] = struct{}{}
	u.bytes += len(name)
	if len(u.pending) < maxPending {
		u.pending = append(u.pending, name)
	}
}

// Take returns the names seen for the first time since the last call, and
// whether the memory just became full (reported once).
func (u *Unclassified) Take() (names []string, full bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	names, u.pending = u.pending, nil
	if u.full && !u.announced {
		u.announced, full = true, true
	}
	return names, full
}

// Size returns the names and bytes held.
func (u *Unclassified) Size() (names, bytes int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.names), u.bytes
}
