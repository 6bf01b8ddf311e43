package inventory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"time"
)

// Storage is where the store is kept across restarts. The gateway
// implements it with Caddy's storage (certmagic.Storage's Load and Store).
// Load of a key that does not exist returns an error wrapping
// fs.ErrNotExist.
type Storage interface {
	Load(key string) ([]byte, error)
	Store(key string, b []byte) error
}

// SnapshotVersion is the version of the JSON written by Snapshot.
const SnapshotVersion = 1

// maxSnapshotBytes bounds what Restore accepts (500 names and 500 hosts
// at their longest take well under 1 MiB).
const maxSnapshotBytes = 4 << 20

type snapshot struct {
	Version int            `json:"version"`
	Saved   time.Time      `json:"saved"`
	Cookies []snapCookie   `json:"cookies"`
	Hosts   []snapHost     `json:"hosts"`
	Over    snapOverflowed `json:"overflow"`
}

type snapOverflowed struct {
	Names uint64 `json:"names,omitempty"`
	Hosts uint64 `json:"hosts,omitempty"`
}

type snapCookie struct {
	Name     string `json:"name"`
	Category string `json:"category"`
	First    int64  `json:"first_seen"` // unix seconds
	Last     int64  `json:"last_seen"`
	Count    uint64 `json:"count"`
	HttpOnly bool   `json:"http_only,omitempty"`
	Secure   bool   `json:"secure,omitempty"`
	SameSite string `json:"same_site,omitempty"`
	MaxAge   int64  `json:"max_age"`
	Domain   string `json:"domain,omitempty"`
	Path     string `json:"path,omitempty"`
}

type snapHost struct {
	Host     string `json:"host"`
	Vendor   string `json:"vendor,omitempty"`
	Category string `json:"category"`
	First    int64  `json:"first_seen"`
	Last     int64  `json:"last_seen"`
	Held     uint64 `json:"held"`
	Seen     uint64 `json:"seen"`
}

// Snapshot returns the store as versioned JSON and clears Dirty. Entries
// not seen for Retain are left out.
func (s *Store) Snapshot() ([]byte, error) {
	s.dirty.Store(false) // before reading: a change made meanwhile marks it again
	now := s.now()
	cut := now.Add(-s.retain).Unix()
	snap := snapshot{Version: SnapshotVersion, Saved: now.UTC().Truncate(time.Second),
		Cookies: []snapCookie{}, Hosts: []snapHost{},
		Over: snapOverflowed{Names: s.overNames.Load(), Hosts: s.overHosts.Load()}}
	for _, e := range collect(s.cookies[:]) {
		last := e.last.Load()
		if last < cut {
			continue
		}
		f := e.facts.Load()
		snap.Cookies = append(snap.Cookies, snapCookie{
			Name: e.key, Category: f.category, First: e.first, Last: last, Count: e.count.Load(),
			HttpOnly: f.attrs.HttpOnly, Secure: f.attrs.Secure, SameSite: f.attrs.SameSite,
			MaxAge: f.attrs.MaxAgeSeconds, Domain: f.attrs.Domain, Path: f.attrs.Path,
		})
	}
	for _, e := range collect(s.hosts[:]) {
		last := e.last.Load()
		if last < cut {
			continue
		}
		f := e.facts.Load()
		snap.Hosts = append(snap.Hosts, snapHost{
			Host: e.key, Vendor: f.vendor, Category: f.category, First: e.first, Last: last,
			Held: e.count.Load(), Seen: e.seen.Load(),
		})
	}
	b, err := json.Marshal(snap)
	if err != nil {
		s.markDirty()
		return nil, fmt.Errorf("inventory: snapshot: %v", err)
	}
	return b, nil
}

// collect returns the entries of all shards sorted by key.
func collect[F comparable](shards []shard[F]) []*entry[F] {
	var out []*entry[F]
	for i := range shards {
		sh := &shards[i]
		sh.mu.RLock()
		for _, e := range sh.m {
			out = append(out, e)
		}
		sh.mu.RUnlock()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// Restore replaces the store's contents with a Snapshot. Entries older
// than Retain are dropped; when the snapshot holds more than the limits
// allow, the most recently seen entries are kept. On error the store is
// left unchanged.
func (s *Store) Restore(b []byte) error {
	if len(b) > maxSnapshotBytes {
		return fmt.Errorf("inventory: restore: snapshot is %d bytes, more than the %d allowed", len(b), maxSnapshotBytes)
	}
	var head struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return fmt.Errorf("inventory: restore: %v", err)
	}
	if head.Version != SnapshotVersion {
		return fmt.Errorf("inventory: restore: snapshot version %d, this build reads version %d", head.Version, SnapshotVersion)
	}
	var snap snapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		return fmt.Errorf("inventory: restore: %v", err)
	}
	cut := s.now().Add(-s.retain).Unix()

	for i := range s.cookies {
		sh := &s.cookies[i]
		sh.mu.Lock()
		clear(sh.m)
		sh.mu.Unlock()
		sh2 := &s.hosts[i]
		sh2.mu.Lock()
		clear(sh2.m)
		sh2.mu.Unlock()
	}
	s.nNames.Store(0)
	s.nHosts.Store(0)
	s.overNames.Store(snap.Over.Names)
	s.overHosts.Store(snap.Over.Hosts)

	sort.SliceStable(snap.Cookies, func(i, j int) bool { return snap.Cookies[i].Last > snap.Cookies[j].Last })
	for _, c := range snap.Cookies {
		if c.Name == "" || c.Last < cut || c.MaxAge == 0 {
			continue
		}
		if c.MaxAge < 0 {
			c.MaxAge = -1
		}
		key := clip(c.Name)
		f := newCookieFacts(c.Category, Attrs{HttpOnly: c.HttpOnly, Secure: c.Secure, SameSite: c.SameSite,
			MaxAgeSeconds: c.MaxAge, Domain: c.Domain, Path: c.Path}, 0, 0)
		s.insertCookie(&s.cookies[s.shardOf(key)], key, f, min(c.First, c.Last), c.Count, c.Last)
	}
	sort.SliceStable(snap.Hosts, func(i, j int) bool { return snap.Hosts[i].Last > snap.Hosts[j].Last })
	for _, h := range snap.Hosts {
		if h.Host == "" || h.Last < cut {
			continue
		}
		if s.nHosts.Load() >= int64(s.maxHosts) {
			break
		}
		key := clip(h.Host)
		sh := &s.hosts[s.shardOf(key)]
		sh.mu.Lock()
		if sh.m[key] == nil {
			e := &entry[hostFacts]{key: own(key), first: min(h.First, h.Last)}
			e.last.Store(h.Last)
			e.count.Store(h.Held)
			e.seen.Store(h.Seen)
			e.facts.Store(&hostFacts{vendor: own(h.Vendor), category: own(h.Category)})
			sh.m[e.key] = e
			s.nHosts.Add(1)
		}
		sh.mu.Unlock()
	}
	s.dirty.Store(false)
	s.generation.Add(1)
	return nil
}

// Load restores the store from st under key. A key that does not exist
// yet is not an error.
func (s *Store) Load(st Storage, key string) error {
	b, err := st.Load(key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inventory: loading %q: %v", key, err)
	}
	return s.Restore(b)
}

// Save writes a Snapshot to st under key if anything changed since the
// last one. Concurrent calls are serialized.
func (s *Store) Save(st Storage, key string) error {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if !s.Dirty() {
		return nil
	}
	b, err := s.Snapshot()
	if err != nil {
		return err
	}
	if err := st.Store(key, b); err != nil {
		s.markDirty()
		return fmt.Errorf("inventory: saving %q: %v", key, err)
	}
	return nil
}

// Persist calls Save every interval (at least a minute; 0 means a minute)
// until ctx is done, reporting errors to onErr (may be nil). It does not
// save when ctx ends: the caller's Cleanup calls Save once more after
// cancelling, so the last minute is not lost.
func (s *Store) Persist(ctx context.Context, st Storage, key string, every time.Duration, onErr func(error)) {
	every = max(every, time.Minute)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Save(st, key); err != nil && onErr != nil {
				onErr(err)
			}
		}
	}
}
