package consentcookie

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"time"
)

// A returning visitor sends the same consent cookie value on every
// request. Verifying it (base64, HMAC-SHA256, AES-CTR, parsing) costs
// microseconds and a dozen allocations each time; verified remembers the
// values that decoded successfully, by their exact bytes, for a short
// while, so a value is verified about once per verifiedTTL rather than on
// every request.
//
// What a hit still checks: the authoritative expiry (IssuedAt against
// Decode's now, and the clock-skew bound) runs on every call, exactly as
// after a full decode. What it skips for at most verifiedTTL: the
// securecookie timestamp backstop (see the package documentation), which
// can only reject a value the authoritative check accepts when IssuedAt
// lies after the moment the cookie was written. Only successful decodes
// are remembered, keyed by the whole value, so a value that differs in any
// byte (tampered, another key) is verified in full. Memory is bounded:
// verifiedShards × verifiedPerShard values of at most MaxValueLen bytes
// (typically ~200 bytes each), one cache per Codec (per configuration).
const (
	verifiedTTL      = 30 * time.Second
	verifiedShards   = 16
	verifiedPerShard = 128
)

type verifiedEntry struct {
	v     Consent
	key   KeyInfo
	until time.Time // reuse while Decode's now is before this
}

type verifiedShard struct {
	mu sync.RWMutex
	m  map[string]verifiedEntry
}

type verifiedCache struct {
	seed   maphash.Seed
	shards [verifiedShards]verifiedShard
}

func newVerifiedCache() *verifiedCache {
	return &verifiedCache{seed: maphash.MakeSeed()}
}

func (vc *verifiedCache) shard(value string) *verifiedShard {
	return &vc.shards[maphash.String(vc.seed, value)%verifiedShards]
}

// get returns the remembered decode of value, if it is still fresh at now.
func (vc *verifiedCache) get(value string, now time.Time) (Consent, KeyInfo, bool) {
	if vc == nil {
		return Consent{}, KeyInfo{}, false
	}
	s := vc.shard(value)
	s.mu.RLock()
	e, ok := s.m[value]
	s.mu.RUnlock()
	if !ok || !now.Before(e.until) || now.Before(e.until.Add(-verifiedTTL)) {
		return Consent{}, KeyInfo{}, false
	}
	// Callers share the names; Clip keeps an append from writing into them.
	e.v.Granted = slices.Clip(e.v.Granted)
	return e.v, e.key, true
}

// put remembers a successful decode of value at now. A full shard drops
// an arbitrary entry (map order) to make room.
func (vc *verifiedCache) put(value string, v Consent, key KeyInfo, now time.Time) {
	if vc == nil {
		return
	}
	s := vc.shard(value)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]verifiedEntry, verifiedPerShard)
	}
	if _, ok := s.m[value]; !ok && len(s.m) >= verifiedPerShard {
		for k := range s.m {
			delete(s.m, k)
			break
		}
	}
	// Clone: value is a slice of the request's Cookie header, which must
	// not be kept alive by the cache.
	s.m[strings.Clone(value)] = verifiedEntry{v: v, key: key, until: now.Add(verifiedTTL)}
}
