package consentcookie

import (
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"
)

// A remembered value decodes to exactly what the full path returns, and
// the authoritative expiry still applies on every call.
func TestVerifiedHitSameResultAndStillExpires(t *testing.T) {
	c := newCodec(t, 24*time.Hour, pairA)
	s := mustEncode(t, c, sampleConsent())
	v1, k1, err := c.Decode(s, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := c.verified.get(s, t0); !ok {
		t.Fatal("a successful decode was not remembered")
	}
	v2, k2, err := c.Decode(s, t0.Add(time.Second))
	if err != nil || !reflect.DeepEqual(v1, v2) || k1 != k2 {
		t.Fatalf("hit differs: %+v %+v %v", v2, k2, err)
	}
	// Within the TTL but past max age: expired, as after a full decode.
	c2 := newCodec(t, time.Hour+10*time.Second, pairA)
	s2 := mustEncode(t, c2, sampleConsent()) // issued t0-1h
	if _, _, err := c2.Decode(s2, t0); err != nil {
		t.Fatal(err)
	}
	v, _, err := c2.Decode(s2, t0.Add(20*time.Second))
	wantReason(t, err, ReasonExpired)
	if v.ID != sampleConsent().ID {
		t.Error("expired hit does not return the consent, as the full path does")
	}
}

// A value that differs in one byte from a remembered one is verified in
// full; failures are never remembered.
func TestVerifiedOnlyExactSuccessfulValues(t *testing.T) {
	c := newCodec(t, 24*time.Hour, pairA)
	s := mustEncode(t, c, sampleConsent())
	if _, _, err := c.Decode(s, t0); err != nil {
		t.Fatal(err)
	}
	b := []byte(s)
	i := len(b) - 5
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	_, _, err := c.Decode(string(b), t0)
	if err == nil {
		t.Fatal("tampered value accepted")
	}
	if _, _, ok := c.verified.get(string(b), t0); ok {
		t.Error("a failed value was remembered")
	}
	// Another codec (other keys) shares nothing.
	other := newCodec(t, 24*time.Hour, pairB)
	_, _, err = other.Decode(s, t0)
	wantReason(t, err, ReasonUnknownKey)
}

// Entries are reused for verifiedTTL only, and never for a now before
// they were made.
func TestVerifiedTTL(t *testing.T) {
	c := newCodec(t, 24*time.Hour, pairA)
	s := mustEncode(t, c, sampleConsent())
	if _, _, err := c.Decode(s, t0); err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{-time.Second, verifiedTTL, verifiedTTL + time.Minute} {
		if _, _, ok := c.verified.get(s, t0.Add(d)); ok {
			t.Errorf("entry reused at now%+v", d)
		}
	}
	if _, _, ok := c.verified.get(s, t0.Add(verifiedTTL-time.Second)); !ok {
		t.Error("entry not reused within the TTL")
	}
}

// Memory is bounded whatever the number of distinct valid values, and
// concurrent use is safe (run with -race).
func TestVerifiedBoundedConcurrent(t *testing.T) {
	c := newCodec(t, 24*time.Hour, pairA)
	values := make([]string, 3*verifiedShards*verifiedPerShard/2)
	for i := range values {
		v := sampleConsent()
		v.Method = "m" + strconv.Itoa(i%10)
		v.ID[0] = byte(i)
		v.ID[1] = byte(i >> 8)
		values[i] = mustEncode(t, c, v)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(values); i += 4 {
				if got, _, err := c.Decode(values[i], t0); err != nil || got.ID[0] != byte(i) {
					t.Errorf("value %d: %v", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	n := 0
	for i := range c.verified.shards {
		n += len(c.verified.shards[i].m)
	}
	if n > verifiedShards*verifiedPerShard {
		t.Errorf("%d remembered values, bound %d", n, verifiedShards*verifiedPerShard)
	}
}

// BenchmarkDecodeUncached is the full verification every call (what
// BenchmarkDecode cost before values were remembered).
func BenchmarkDecodeUncached(b *testing.B) {
	c := newCodec(b, 365*24*time.Hour, pairA, pairB)
	c.verified = nil
	s := mustEncode(b, c, sampleConsent())
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.Decode(s, t0); err != nil {
			b.Fatal(err)
		}
	}
}
