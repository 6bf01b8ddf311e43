package inventory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func clock(t *time.Time) func() time.Time { return func() time.Time { return *t } }

var sess = Attrs{HttpOnly: true, Secure: true, SameSite: "lax", MaxAgeSeconds: -1, Path: "/"}

func TestObserveKnownNameDoesNotAllocate(t *testing.T) {
	s := New(Options{})
	a := Attrs{Secure: true, SameSite: "Lax", MaxAgeSeconds: 400 * 86400, Domain: ".example.com", Path: "/"}
	s.ObserveSetCookie("_ga", "analytics", a, t0)
	name := strings.Clone("_ga") // a different backing array, as from a request
	drift := a
	allocs := testing.AllocsPerRun(1000, func() {
		drift.MaxAgeSeconds-- // Expires-derived lifetimes shrink by the second
		s.ObserveSetCookie(name, "analytics", drift, t0)
	})
	if allocs != 0 {
		t.Fatalf("observing a known name with the same facts allocates %v times", allocs)
	}
	s.ObserveHost("www.googletagmanager.com", "Google Analytics", "analytics", true, t0)
	if allocs := testing.AllocsPerRun(1000, func() {
		s.ObserveHost("www.googletagmanager.com", "Google Analytics", "analytics", true, t0)
	}); allocs != 0 {
		t.Fatalf("observing a known host allocates %v times", allocs)
	}
}

func TestFactsChangeAndDeletion(t *testing.T) {
	now := t0
	s := New(Options{Now: clock(&now)})
	s.ObserveSetCookie("lang", "functional", Attrs{MaxAgeSeconds: 86400}, t0)
	g := s.Generation()
	s.ObserveSetCookie("lang", "functional", Attrs{MaxAgeSeconds: 365 * 86400, SameSite: "STRICT"}, t0.Add(time.Hour))
	if s.Generation() != g {
		t.Fatal("an attribute change must not change the generation (only names and categories do)")
	}
	s.ObserveSetCookie("lang", "necessary", Attrs{MaxAgeSeconds: 365 * 86400, SameSite: "Strict"}, t0.Add(time.Hour))
	if s.Generation() == g {
		t.Fatal("a category change must change the generation")
	}
	s.ObserveSetCookie("lang", "necessary", Attrs{MaxAgeSeconds: 0}, t0.Add(2*time.Hour)) // deletion
	s.ObserveSetCookie("gone", "analytics", Attrs{MaxAgeSeconds: 0}, t0.Add(2*time.Hour)) // deletion only
	s.ObserveSetCookie("", "analytics", Attrs{MaxAgeSeconds: -1}, t0.Add(2*time.Hour))    // no name
	obs := s.Observed("en", nil)
	if len(obs["analytics"]) != 0 || len(obs["functional"]) != 0 {
		t.Fatalf("deletions, empty names or the old category were recorded: %+v", obs)
	}
	c := obs["necessary"]
	if len(c) != 1 || c[0].Name != "lang" || c[0].Count != 3 || c[0].SameSite != "Strict" || c[0].Retention != "1 year" ||
		!c[0].FirstSeen.Equal(t0) || !c[0].LastSeen.Equal(t0.Add(time.Hour)) {
		t.Fatalf("lang = %+v", c)
	}
}

func TestBoundedWith100000Names(t *testing.T) {
	now := t0
	long := strings.Repeat("d", 300)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := New(Options{Now: clock(&now)})
	for i := range 100_000 {
		s.ObserveSetCookie(fmt.Sprintf("c%d", i), "analytics", Attrs{MaxAgeSeconds: -1, Domain: long, Path: long}, t0)
		s.ObserveHost(fmt.Sprintf("h%d.example", i), long, "advertising", true, t0)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	st := s.Stats()
	if st.Names != DefaultMaxNames || st.Hosts != DefaultMaxHosts ||
		st.NamesOverflow != 100_000-DefaultMaxNames || st.HostsOverflow != 100_000-DefaultMaxHosts {
		t.Fatalf("stats %+v", st)
	}
	b, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	grown := int64(after.HeapInuse) - int64(before.HeapInuse)
	t.Logf("100,000 names and hosts: heap in use grew by %d KiB; snapshot %d KiB", grown>>10, len(b)>>10)
	if grown > 2<<20 {
		t.Fatalf("heap grew by %d bytes", grown)
	}
	if len(b) > 1<<20 {
		t.Fatalf("snapshot of a full store is %d bytes", len(b))
	}
	runtime.KeepAlive(s)

	// Names are clipped to MaxStringBytes: 100,000 names of 307 bytes that
	// share their first 300 are one name.
	s2 := New(Options{Now: clock(&now)})
	for i := range 100_000 {
		s2.ObserveSetCookie(fmt.Sprintf("%s_%06d", long, i), "analytics", Attrs{MaxAgeSeconds: -1, Domain: long}, t0)
	}
	obs := s2.Observed("en", nil)["analytics"]
	if len(obs) != 1 || len(obs[0].Name) != MaxStringBytes || obs[0].Count != 100_000 || len(obs[0].Domain) != MaxStringBytes {
		t.Fatalf("long names not clipped to one entry: %d entries", len(obs))
	}
}

func TestPruneAndFullStoreMakesRoom(t *testing.T) {
	now := t0
	s := New(Options{MaxNames: 2, Now: clock(&now)})
	s.ObserveSetCookie("old", "analytics", sess, t0)
	s.ObserveSetCookie("recent", "analytics", sess, t0.Add(80*24*time.Hour))
	late := t0.Add(91 * 24 * time.Hour)
	now = late
	s.ObserveSetCookie("new", "analytics", sess, late) // full: prunes "old" and takes its place
	names := names(s.Observed("en", nil)["analytics"])
	if names != "new recent" {
		t.Fatalf("after pruning: %q", names)
	}
	if s.Stats().NamesOverflow != 0 {
		t.Fatalf("overflow %d", s.Stats().NamesOverflow)
	}
	now = t0.Add(200 * 24 * time.Hour)
	if n := s.Prune(now); n != 2 {
		t.Fatalf("Prune dropped %d, want 2", n)
	}
}

func names(cs []Cookie) string {
	var n []string
	for _, c := range cs {
		n = append(n, c.Name)
	}
	return strings.Join(n, " ")
}

func fill(s *Store) {
	s.ObserveSetCookie("myapp_sess", "necessary", sess, t0)
	s.ObserveSetCookie("csrf_token", "necessary", Attrs{Secure: true, SameSite: "Strict", MaxAgeSeconds: -1, Path: "/"}, t0.Add(time.Minute))
	s.ObserveSetCookie("_ga", "analytics", Attrs{MaxAgeSeconds: 400 * 86400, Domain: ".shop.example", Path: "/"}, t0)
	s.ObserveSetCookie("_ga", "analytics", Attrs{MaxAgeSeconds: 400*86400 - 30, Domain: ".shop.example", Path: "/"}, t0.Add(time.Hour))
	s.ObserveSetCookie("_fbp", "advertising", Attrs{MaxAgeSeconds: 90 * 86400, SameSite: "Lax", Path: "/"}, t0)
	s.ObserveSetCookie("lang", "functional", Attrs{MaxAgeSeconds: 365 * 86400, Path: "/"}, t0)
	s.ObserveSetCookie("mystery", "", Attrs{MaxAgeSeconds: 3600}, t0)
	s.ObserveHost("www.googletagmanager.com", "Google Analytics", "analytics", true, t0)
	s.ObserveHost("connect.facebook.net", "Meta Pixel", "advertising", true, t0)
	s.ObserveHost("static.hotjar.com", "Hotjar", "analytics", true, t0)
	s.ObserveHost("script.hotjar.com", "Hotjar", "analytics", false, t0) // only ever allowed: not listed as held back
	s.ObserveHost("www.youtube.com", "YouTube", "advertising", true, t0)
}

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	now := t0.Add(24 * time.Hour)
	s := New(Options{Now: clock(&now)})
	fill(s)
	if !s.Dirty() {
		t.Fatal("not dirty after observations")
	}
	b, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if s.Dirty() {
		t.Fatal("still dirty after Snapshot")
	}
	r := New(Options{Now: clock(&now)})
	r.ObserveSetCookie("stale_before_restore", "analytics", sess, t0)
	if err := r.Restore(b); err != nil {
		t.Fatal(err)
	}
	b2, err := r.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Fatalf("round trip differs:\n%s\n%s", b, b2)
	}
	cats := []CategoryInfo{{Name: "necessary", Required: true}, {Name: "functional"}, {Name: "analytics"}, {Name: "advertising"}}
	j1, _ := json.Marshal(s.Declaration(cats, nil))
	j2, _ := json.Marshal(r.Declaration(cats, nil))
	if !bytes.Equal(j1, j2) {
		t.Fatalf("declarations differ after restore:\n%s\n%s", j1, j2)
	}
	// Counts survive (they are not in the declaration's JSON).
	if c := r.Observed("en", nil)["analytics"]; len(c) != 1 || c[0].Count != 2 {
		t.Fatalf("_ga after restore: %+v", c)
	}
}

func TestRestoreRejectsAndLimits(t *testing.T) {
	now := t0
	s := New(Options{Now: clock(&now)})
	fill(s)
	before, _ := s.Snapshot()
	for _, bad := range []string{``, `{`, `[]`, `{"version":2,"cookies":[]}`, `{"cookies":[]}`, `{"version":1,"cookies":{}}`} {
		if err := s.Restore([]byte(bad)); err == nil {
			t.Errorf("Restore(%q) accepted", bad)
		}
	}
	if after, _ := s.Snapshot(); !bytes.Equal(before, after) {
		t.Fatal("a failed Restore changed the store")
	}
	if err := s.Restore(make([]byte, maxSnapshotBytes+1)); err == nil || !strings.Contains(err.Error(), "bytes") {
		t.Fatalf("oversized snapshot: %v", err)
	}

	// More entries than the limits: the most recent are kept; entries
	// older than Retain are dropped.
	var snap snapshot
	snap.Version = SnapshotVersion
	for i := range 10 {
		snap.Cookies = append(snap.Cookies, snapCookie{Name: fmt.Sprintf("c%d", i), Category: "analytics",
			First: t0.Unix() - 100, Last: t0.Unix() - int64(i), Count: 1, MaxAge: -1})
		snap.Hosts = append(snap.Hosts, snapHost{Host: fmt.Sprintf("h%d", i), Category: "analytics",
			First: t0.Unix(), Last: t0.Unix() - int64(i), Held: 1})
	}
	snap.Cookies = append(snap.Cookies, snapCookie{Name: "ancient", Category: "analytics", First: 1, Last: 1, Count: 1, MaxAge: -1})
	b, _ := json.Marshal(snap)
	small := New(Options{MaxNames: 3, MaxHosts: 2, Now: clock(&now)})
	if err := small.Restore(b); err != nil {
		t.Fatal(err)
	}
	if got := names(small.Observed("en", nil)["analytics"]); got != "c0 c1 c2" {
		t.Fatalf("kept %q", got)
	}
	if st := small.Stats(); st.Hosts != 2 {
		t.Fatalf("hosts kept %d", st.Hosts)
	}
}

type memStorage struct {
	mu     sync.Mutex
	m      map[string][]byte
	stores int
	fail   error
}

func (m *memStorage) Load(key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.m[key]
	if !ok {
		return nil, fmt.Errorf("no key %q: %w", key, fs.ErrNotExist)
	}
	return b, nil
}

func (m *memStorage) Store(key string, b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.stores++
	m.m[key] = append([]byte(nil), b...)
	return nil
}

func TestSaveLoad(t *testing.T) {
	now := t0
	st := &memStorage{m: map[string][]byte{}}
	s := New(Options{Now: clock(&now)})
	if err := s.Load(st, "consent/inventory.json"); err != nil {
		t.Fatalf("missing key: %v", err)
	}
	if err := s.Save(st, "consent/inventory.json"); err != nil || st.stores != 0 {
		t.Fatalf("saving an unchanged store: %v, %d writes", err, st.stores)
	}
	fill(s)
	st.fail = errors.New("disk full")
	if err := s.Save(st, "k"); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("storage error: %v", err)
	}
	if !s.Dirty() {
		t.Fatal("a failed save must leave the store dirty")
	}
	st.fail = nil
	if err := s.Save(st, "k"); err != nil || st.stores != 1 {
		t.Fatalf("save: %v, %d writes", err, st.stores)
	}
	if err := s.Save(st, "k"); err != nil || st.stores != 1 {
		t.Fatalf("second save without changes wrote again: %d", st.stores)
	}
	r := New(Options{Now: clock(&now)})
	if err := r.Load(st, "k"); err != nil {
		t.Fatal(err)
	}
	if got := names(r.Observed("en", nil)["necessary"]); got != "csrf_token myapp_sess" {
		t.Fatalf("after load: %q", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := New(Options{MaxNames: 50, MaxHosts: 20})
	st := &memStorage{m: map[string][]byte{}}
	const workers, per = 8, 2000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				now := t0.Add(time.Duration(i) * time.Second)
				s.ObserveSetCookie(fmt.Sprintf("n%d", i%80), []string{"analytics", "advertising"}[(i/80+w)%2],
					Attrs{MaxAgeSeconds: int64(i%3) * 86400, Secure: w%2 == 0}, now)
				s.ObserveHost(fmt.Sprintf("h%d.example", i%30), "V", "analytics", i%2 == 0, now)
				if i%500 == 0 {
					_ = s.Save(st, "k")
					_ = s.Declaration([]CategoryInfo{{Name: "analytics"}}, nil)
				}
			}
		}()
	}
	wg.Wait()
	stats := s.Stats()
	if stats.Names != 50 || stats.Hosts != 20 {
		t.Fatalf("stats %+v", stats)
	}
	var total uint64
	for _, list := range s.Observed("en", nil) {
		for _, c := range list {
			total += c.Count
		}
	}
	// i%3 == 0 are deletions (ignored).
	recorded := uint64(workers * (per - (per+2)/3))
	if total+stats.NamesOverflow != recorded {
		t.Fatalf("counted %d stored + %d overflow, want %d observations", total, stats.NamesOverflow, recorded)
	}
}

func BenchmarkObserveKnown(b *testing.B) {
	s := New(Options{})
	names := []string{"_ga", "_gid", "myapp_sess", "csrf_token", "_fbp", "lang", "cart", "_hjSessionUser_1"}
	a := Attrs{Secure: true, SameSite: "Lax", MaxAgeSeconds: 3600, Path: "/"}
	for _, n := range names {
		s.ObserveSetCookie(n, "analytics", a, t0)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			s.ObserveSetCookie(names[i%len(names)], "analytics", a, t0)
			i++
		}
	})
}

func TestPersistStopsWithContext(t *testing.T) {
	s := New(Options{})
	fill(s)
	st := &memStorage{m: map[string][]byte{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Persist(ctx, st, "k", time.Millisecond, nil); close(done) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Persist did not return after cancel")
	}
	if st.stores != 0 {
		t.Fatalf("Persist saved %d times within 20 ms: the interval must be at least a minute", st.stores)
	}
}

// ObserveSetCookieLine parses a line's attributes only when the name,
// category and attribute part were not parsed in the last minute, and
// counts every line; a deletion (a new attribute part) is never counted.
func TestObserveSetCookieLine(t *testing.T) {
	s := New(Options{})
	parses := 0
	obs := func(category, attrPart string, a Attrs, at time.Time) {
		s.ObserveSetCookieLine("sid", category, attrPart, func() Attrs { parses++; return a }, at)
	}
	obs("necessary", "; Path=/; HttpOnly", sess, t0)
	obs("necessary", "; Path=/; HttpOnly", sess, t0.Add(time.Second))
	obs("necessary", "; Path=/; HttpOnly", sess, t0.Add(59*time.Second))
	if parses != 1 {
		t.Fatalf("the same line within a minute was parsed %d times, want 1", parses)
	}
	obs("necessary", "; Path=/; HttpOnly", sess, t0.Add(61*time.Second))
	if parses != 2 {
		t.Fatalf("after a minute the line must be parsed again (parses %d)", parses)
	}
	strict := sess
	strict.SameSite = "Strict"
	obs("necessary", "; Path=/; HttpOnly; SameSite=Strict", strict, t0.Add(62*time.Second))
	obs("functional", "; Path=/; HttpOnly; SameSite=Strict", strict, t0.Add(63*time.Second))
	obs("functional", "; Max-Age=0", Attrs{MaxAgeSeconds: 0}, t0.Add(64*time.Second))
	if parses != 5 {
		t.Fatalf("a new attribute part, category or deletion must be parsed (parses %d, want 5)", parses)
	}
	c := s.Observed("en", nil)["functional"]
	if len(c) != 1 || c[0].Count != 6 || c[0].SameSite != "Strict" {
		t.Fatalf("sid = %+v, want 6 observations (the deletion not counted), SameSite Strict", c)
	}
	if allocs := testing.AllocsPerRun(1000, func() {
		s.ObserveSetCookieLine("sid", "functional", "; Path=/; HttpOnly; SameSite=Strict", func() Attrs { t.Fatal("parsed"); return Attrs{} }, t0.Add(64*time.Second))
	}); allocs != 0 {
		t.Fatalf("a repeated line allocates %v times", allocs)
	}
}
