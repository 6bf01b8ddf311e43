package consentcookie

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	c := newCodec(t, 365*24*time.Hour, pairA)
	cases := map[string]Consent{
		"typical": sampleConsent(),
		"nothing granted, no method": {
			ID: NewID(), PolicyVersion: "v1", IssuedAt: t0,
		},
		"unsorted with duplicates and sub-second time": {
			ID: NewID(), Granted: []string{"b", "a", "b", "c", "a"}, PolicyVersion: "Notice 2026 (EN)",
			IssuedAt: t0.Add(-1500 * time.Millisecond).In(time.FixedZone("CET", 3600)), Method: "api",
		},
		"all limits": maxConsent(),
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			s := mustEncode(t, c, v)
			got, ki, err := c.Decode(s, t0)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			want := normalized(v)
			if name == "unsorted with duplicates and sub-second time" {
				want.Granted = []string{"a", "b", "c"}
				want.IssuedAt = time.Unix(t0.Unix()-2, 0).UTC()
			}
			sameConsent(t, got, want)
			if ki.Index != 0 || ki.ID != KeyID(pairA.Hash) {
				t.Fatalf("KeyInfo %+v, want index 0 id %s", ki, KeyID(pairA.Hash))
			}
			if !strings.HasPrefix(s, ki.ID+".") {
				t.Fatalf("value %q does not start with key id %s", s, ki.ID)
			}
		})
	}
}

func TestEncodeDoesNotAliasInput(t *testing.T) {
	c := newCodec(t, time.Hour, pairA)
	v := sampleConsent()
	v.Granted = []string{"z", "a"}
	mustEncode(t, c, v)
	if v.Granted[0] != "z" || v.Granted[1] != "a" {
		t.Fatalf("Encode reordered the caller's slice: %v", v.Granted)
	}
}

func TestEncodeIsRandomized(t *testing.T) {
	c := newCodec(t, time.Hour, pairA)
	v := sampleConsent()
	if mustEncode(t, c, v) == mustEncode(t, c, v) {
		t.Fatal("two encodings of the same consent are identical; the IV is not random")
	}
}

func TestConsentIsEncrypted(t *testing.T) {
	c := newCodec(t, time.Hour, pairA)
	v := sampleConsent()
	v.PolicyVersion = "VISIBLEPOLICY"
	s := mustEncode(t, c, v)
	// Every layer is base64: look for the plaintext in any decoding offset.
	for _, needle := range []string{"VISIBLEPOLICY", "analytics", "banner"} {
		for _, layer := range []string{s, decodeB64(s[9:])} {
			if strings.Contains(layer, needle) {
				t.Fatalf("%q readable in cookie layer %q", needle, layer)
			}
		}
	}
}

func TestEncodeRejectsInvalidConsent(t *testing.T) {
	c := newCodec(t, time.Hour, pairA)
	long := strings.Repeat("x", MaxNameLen+1)
	many := make([]string, MaxGranted+1)
	for i := range many {
		many[i] = fmt.Sprintf("c%02d", i)
	}
	cases := map[string]func(*Consent){
		"zero ID":              func(v *Consent) { v.ID = [16]byte{} },
		"zero IssuedAt":        func(v *Consent) { v.IssuedAt = time.Time{} },
		"IssuedAt before 1970": func(v *Consent) { v.IssuedAt = time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC) },
		"IssuedAt after 9999":  func(v *Consent) { v.IssuedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"empty policy":         func(v *Consent) { v.PolicyVersion = "" },
		"policy with newline":  func(v *Consent) { v.PolicyVersion = "v1\n" },
		"policy trailing space": func(v *Consent) {
			v.PolicyVersion = "v1 "
		},
		"policy too long":     func(v *Consent) { v.PolicyVersion = strings.Repeat("p", MaxPolicyVersionLen+1) },
		"method with space":   func(v *Consent) { v.Method = "a b" },
		"method too long":     func(v *Consent) { v.Method = strings.Repeat("m", MaxMethodLen+1) },
		"empty category":      func(v *Consent) { v.Granted = []string{""} },
		"category too long":   func(v *Consent) { v.Granted = []string{long} },
		"category non-ASCII":  func(v *Consent) { v.Granted = []string{"statistik\u00e4"} },
		"too many categories": func(v *Consent) { v.Granted = many },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			v := sampleConsent()
			mutate(&v)
			if s, err := c.Encode(v); err == nil {
				t.Fatalf("Encode accepted %+v: %q", v, s)
			}
		})
	}
	// The limits themselves are accepted.
	mustEncode(t, c, maxConsent())
}

// maxConsent has every field at its limit.
func maxConsent() Consent {
	v := Consent{ID: [16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		PolicyVersion: strings.Repeat("P", MaxPolicyVersionLen),
		Method:        strings.Repeat("M", MaxMethodLen),
		IssuedAt:      t0,
	}
	for i := range MaxGranted {
		v.Granted = append(v.Granted, fmt.Sprintf("%02d%s", i, strings.Repeat("n", MaxNameLen-2)))
	}
	return v
}

func TestCookieSize(t *testing.T) {
	c := newCodec(t, 400*24*time.Hour, pairA)
	worst := mustEncode(t, c, maxConsent())
	t.Logf("worst case (%d names of %d bytes): value %d bytes", MaxGranted, MaxNameLen, len(worst))
	if n := len(testCookie) + 1 + len(worst); n > 2300 {
		t.Fatalf("worst-case cookie is %d bytes; want well under 4096", n)
	}
	v := sampleConsent()
	v.Granted = nil
	for i := range 20 {
		v.Granted = append(v.Granted, fmt.Sprintf("category-%02d", i))
	}
	v.PolicyVersion = "2026-03-14"
	v.Method = "preferences"
	s := mustEncode(t, c, v)
	t.Logf("20 categories: value %d bytes; typical (3): %d bytes", len(s), len(mustEncode(t, c, sampleConsent())))
	if len(s) > 1000 {
		t.Fatalf("20-category cookie value is %d bytes; want < 1000", len(s))
	}
	if _, _, err := c.Decode(worst, t0); err != nil {
		t.Fatalf("worst case does not decode: %v", err)
	}
}

func TestTamperEveryByte(t *testing.T) {
	c := newCodec(t, time.Hour, pairA)
	v := sampleConsent()
	s := mustEncode(t, c, v)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=.+/ \n"
	tried := 0
	for i := 0; i < len(s); i++ {
		subst := map[byte]bool{}
		for bit := 0; bit < 8; bit++ {
			subst[s[i]^(1<<bit)] = true
		}
		for j := 0; j < len(alphabet); j++ {
			subst[alphabet[j]] = true
		}
		delete(subst, s[i])
		for b := range subst {
			m := []byte(s)
			m[i] = b
			got, ki, err := c.Decode(string(m), t0)
			tried++
			if err == nil {
				t.Fatalf("byte %d changed %q→%q: accepted as %+v (%+v)", i, s[i], b, got, ki)
			}
			if !isZero(got) || ki != (KeyInfo{}) {
				t.Fatalf("byte %d: failed decode returned data %+v %+v", i, got, ki)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("byte %d: error %T is not *DecodeError", i, err)
			}
			switch {
			case i < keyIDLen && isLowerHex(string(b)):
				if de.Reason != ReasonUnknownKey {
					t.Fatalf("byte %d of key id changed to %q: reason %s, want unknown_key", i, b, de.Reason)
				}
			case de.Reason != ReasonTampered && de.Reason != ReasonMalformed:
				t.Fatalf("byte %d changed %q→%q: reason %s (%v)", i, s[i], b, de.Reason, err)
			}
		}
	}
	t.Logf("%d single-byte changes of a %d-byte value rejected", tried, len(s))
	// Also: insertion of a byte base64 decoders skip, and an appended byte.
	for _, m := range []string{s[:20] + "\n" + s[20:], s[:20] + "\r\n" + s[20:], s + "A", s + "=", " " + s, s + " "} {
		if _, _, err := c.Decode(m, t0); err == nil {
			t.Fatalf("accepted %q", m)
		}
	}
}

// A value signed with a known key whose base64 differs only in bits the
// decoder ignores (unused bits of the last group) must not be accepted: the
// set of accepted strings is exactly the set Encode produced.
func TestNonCanonicalBase64Rejected(t *testing.T) {
	c := newCodec(t, time.Hour, pairA)
	found := 0
	for n := 0; n < 60 && found < 2; n++ {
		s := mustEncode(t, c, sampleConsent())
		body := s[keyIDLen+1:]
		pad := len(body) - len(strings.TrimRight(body, "="))
		if pad == 0 {
			continue
		}
		found++
		last := len(body) - pad - 1
		val := b64url[body[last]]
		for low := byte(1); low < 1<<(2*pad); low++ {
			alt := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[val|low]
			m := s[:keyIDLen+1] + body[:last] + string(alt) + body[last+1:]
			if decodeB64(m[keyIDLen+1:]) != decodeB64(body) {
				t.Fatalf("test bug: %q and %q decode differently", m, s)
			}
			_, _, err := c.Decode(m, t0)
			wantReason(t, err, ReasonMalformed)
		}
	}
	if found == 0 {
		t.Fatal("no padded encoding produced in 60 tries")
	}
}

func TestTruncated(t *testing.T) {
	c := newCodec(t, time.Hour, pairA)
	s := mustEncode(t, c, sampleConsent())
	for i := 0; i < len(s); i++ {
		if _, _, err := c.Decode(s[:i], t0); err == nil {
			t.Fatalf("prefix of %d/%d bytes accepted", i, len(s))
		}
		if i > keyIDLen+1 {
			if _, _, err := c.Decode(s[:keyIDLen+1]+s[i:], t0); err == nil {
				t.Fatalf("suffix from %d accepted", i)
			}
		}
	}
}

func TestEmptyAndOversized(t *testing.T) {
	c := newCodec(t, time.Hour, pairA)
	_, _, err := c.Decode("", t0)
	wantReason(t, err, ReasonMalformed)

	s := mustEncode(t, c, sampleConsent())
	pad := strings.Repeat("A", MaxValueLen+1-len(s))
	_, _, err = c.Decode(s+pad, t0)
	wantReason(t, err, ReasonMalformed)
	if !strings.Contains(err.Error(), "4097 bytes") {
		t.Fatalf("oversize error does not give the size: %v", err)
	}

	huge := strings.Repeat(KeyID(pairA.Hash)+".AAAA", 1<<18) // 3.4 MB
	start := time.Now()
	for range 100 {
		_, _, err = c.Decode(huge, t0)
	}
	wantReason(t, err, ReasonMalformed)
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Fatalf("100 rejections of a 3 MB value took %s; the length check must come first", d)
	}

	for _, junk := range []string{".", "........", "00000000.", "00000000", "ABCDEFGH.AAAA", KeyID(pairA.Hash), KeyID(pairA.Hash) + ".", KeyID(pairA.Hash) + "AAAA", "\x00\xff"} {
		_, _, err := c.Decode(junk, t0)
		wantReason(t, err, ReasonMalformed)
	}
}

func TestStructureUnderValidKeyID(t *testing.T) {
	c := newCodec(t, time.Hour, pairA)
	id := KeyID(pairA.Hash)
	// Canonical base64 with a known key id but no valid MAC: tampered.
	for _, body := range []string{"AAAA", encodeB64("1|2|3"), encodeB64("no pipes at all"), encodeB64("123|" + encodeB64("x") + "|")} {
		_, _, err := c.Decode(id+"."+body, t0)
		wantReason(t, err, ReasonTampered)
	}
}

func TestWrongFormatVersion(t *testing.T) {
	c := newCodec(t, time.Hour, pairA)
	v := sampleConsent()
	p := mustPayload(t, v)
	now := time.Now().Unix()

	// Sanity: the hand-built securecookie value is accepted, so the cases
	// below fail for the reason they claim.
	got, _, err := c.Decode(handMint(testCookie, pairA, now, p), t0)
	if err != nil {
		t.Fatalf("hand-minted value rejected: %v", err)
	}
	sameConsent(t, got, normalized(v))

	for _, ver := range []byte{0, 3, 0x7f, 0xff} {
		q := append([]byte{ver}, p[1:]...)
		_, _, err := c.Decode(handMint(testCookie, pairA, now, q), t0)
		wantReason(t, err, ReasonFormat)
	}
	// Authentic but malformed payloads. (An empty payload cannot be
	// decrypted: securecookie needs more than an IV.)
	for name, q := range map[string][]byte{
		"empty":    {},
		"trailing": append(append([]byte{}, p...), 0),
		"cut":      p[:len(p)-1],
	} {
		_, _, err := c.Decode(handMint(testCookie, pairA, now, q), t0)
		if err == nil {
			t.Fatalf("%s payload accepted", name)
		}
		wantReason(t, err, ReasonMalformed)
	}
}

func TestExpiry(t *testing.T) {
	maxAge := 30 * 24 * time.Hour
	c := newCodec(t, maxAge, pairA)
	v := sampleConsent()
	v.IssuedAt = t0
	s := mustEncode(t, c, v)

	if _, _, err := c.Decode(s, t0.Add(maxAge)); err != nil {
		t.Fatalf("consent exactly maxAge old rejected: %v", err)
	}
	_, _, err := c.Decode(s, t0.Add(maxAge+time.Second))
	wantReason(t, err, ReasonExpired)
	_, _, err = c.Decode(s, t0.Add(10*365*24*time.Hour))
	wantReason(t, err, ReasonExpired)

	// Issued long ago, encoded today.
	old := sampleConsent()
	old.IssuedAt = t0.AddDate(-2, 0, 0)
	_, _, err = c.Decode(mustEncode(t, c, old), t0)
	wantReason(t, err, ReasonExpired)

	// Issued in the future beyond the allowed clock skew.
	if _, _, err := c.Decode(s, t0.Add(-MaxClockSkew)); err != nil {
		t.Fatalf("consent MaxClockSkew in the future rejected: %v", err)
	}
	_, _, err = c.Decode(s, t0.Add(-MaxClockSkew-time.Second))
	wantReason(t, err, ReasonMalformed)

	// The securecookie timestamp (wall clock) past maxAge: expired, even if
	// IssuedAt is fine for the given now.
	p := mustPayload(t, v)
	stale := handMint(testCookie, pairA, time.Now().Unix()-int64(maxAge/time.Second)-5, p)
	_, _, err = c.Decode(stale, t0)
	wantReason(t, err, ReasonExpired)
	fresh := handMint(testCookie, pairA, time.Now().Unix()-int64(maxAge/time.Second)+60, p)
	if _, _, err := c.Decode(fresh, t0); err != nil {
		t.Fatalf("securecookie timestamp within maxAge rejected: %v", err)
	}
}

func TestZeroNowMeansWallClock(t *testing.T) {
	c := newCodec(t, time.Hour, pairA)
	v := sampleConsent()
	v.IssuedAt = time.Now()
	if _, _, err := c.Decode(mustEncode(t, c, v), time.Time{}); err != nil {
		t.Fatalf("fresh consent with zero now: %v", err)
	}
	v.IssuedAt = time.Now().Add(-2 * time.Hour)
	_, _, err := c.Decode(mustEncode(t, c, v), time.Time{})
	wantReason(t, err, ReasonExpired)
}

func TestRotation(t *testing.T) {
	old := newCodec(t, time.Hour, pairA)
	s := mustEncode(t, old, sampleConsent())

	rotated := newCodec(t, time.Hour, pairB, pairA)
	got, ki, err := rotated.Decode(s, t0)
	if err != nil {
		t.Fatalf("old value with [new, old]: %v", err)
	}
	sameConsent(t, got, normalized(sampleConsent()))
	if ki.Index != 1 || ki.ID != KeyID(pairA.Hash) {
		t.Fatalf("KeyInfo %+v; want index 1, id %s", ki, KeyID(pairA.Hash))
	}
	// New values are signed with the new pair and the old codec cannot read them.
	s2 := mustEncode(t, rotated, sampleConsent())
	if _, ki, err := rotated.Decode(s2, t0); err != nil || ki.Index != 0 || ki.ID != KeyID(pairB.Hash) {
		t.Fatalf("new value: %+v %v", ki, err)
	}
	_, _, err = old.Decode(s2, t0)
	wantReason(t, err, ReasonUnknownKey)

	newOnly := newCodec(t, time.Hour, pairB)
	_, _, err = newOnly.Decode(s, t0)
	wantReason(t, err, ReasonUnknownKey)

	// Three pairs, middle one verifies.
	three := newCodec(t, time.Hour, pairC, pairA, pairB)
	if _, ki, err := three.Decode(s, t0); err != nil || ki.Index != 1 {
		t.Fatalf("three pairs: %+v %v", ki, err)
	}
}

// A value carrying pair A's key id but signed with another key is
// tampering, not an unknown key.
func TestKnownIDWrongMAC(t *testing.T) {
	c := newCodec(t, time.Hour, pairA)
	other := newCodec(t, time.Hour, pairB)
	s := mustEncode(t, other, sampleConsent())
	forged := KeyID(pairA.Hash) + s[keyIDLen:]
	_, _, err := c.Decode(forged, t0)
	wantReason(t, err, ReasonTampered)

	// Same hash key but a different block key: MAC verifies, decryption
	// yields garbage that the strict payload parser rejects.
	mixed := newCodec(t, time.Hour, KeyPair{Hash: pairA.Hash, Block: pairB.Block})
	_, _, err = c.Decode(mustEncode(t, mixed, sampleConsent()), t0)
	if err == nil {
		t.Fatal("value encrypted with another block key accepted")
	}
}

func TestCookieNameIsBound(t *testing.T) {
	a, err := New("consent", []KeyPair{pairA}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New("consent_v2", []KeyPair{pairA}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = b.Decode(mustEncode(t, a, sampleConsent()), t0)
	wantReason(t, err, ReasonTampered)
}

func TestCheckPolicy(t *testing.T) {
	v := sampleConsent()
	if err := CheckPolicy(v, v.PolicyVersion); err != nil {
		t.Fatalf("same version: %v", err)
	}
	err := CheckPolicy(v, "2026-04")
	wantReason(t, err, ReasonOldPolicy)
	const want = `consent cookie rejected (old_policy_version): consent was given for policy version "2026-03"; the current version is "2026-04"`
	if err.Error() != want {
		t.Fatalf("error text\n got  %s\n want %s", err, want)
	}
	// Through the codec.
	c := newCodec(t, time.Hour, pairA)
	got, _, err := c.Decode(mustEncode(t, c, v), t0)
	if err != nil {
		t.Fatal(err)
	}
	wantReason(t, CheckPolicy(got, "2027-01"), ReasonOldPolicy)
}

func TestMultiInstance(t *testing.T) {
	// Two gateways configured from the same key text, built independently.
	parse := func() []KeyPair {
		var ps []KeyPair
		for _, p := range []KeyPair{pairB, pairA} {
			h, err := ParseKey(EncodeKey(p.Hash), false)
			if err != nil {
				t.Fatal(err)
			}
			b, err := ParseKey(EncodeKey(p.Block), true)
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, KeyPair{Hash: h, Block: b})
		}
		return ps
	}
	g1, err := New(testCookie, parse(), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := New(testCookie, parse(), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for i, pair := range [][2]*Codec{{g1, g2}, {g2, g1}} {
		v := sampleConsent()
		v.ID = NewID()
		s := mustEncode(t, pair[0], v)
		got, ki, err := pair[1].Decode(s, t0)
		if err != nil {
			t.Fatalf("direction %d: %v", i, err)
		}
		sameConsent(t, got, normalized(v))
		if ki.Index != 0 {
			t.Fatalf("direction %d: index %d", i, ki.Index)
		}
	}
	// Both read a value from the previous key generation.
	s := mustEncode(t, newCodec(t, time.Hour, pairA), sampleConsent())
	for _, g := range []*Codec{g1, g2} {
		if _, ki, err := g.Decode(s, t0); err != nil || ki.Index != 1 {
			t.Fatalf("old-key value: %+v %v", ki, err)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	c := newCodec(t, time.Hour, pairA, pairB)
	old := mustEncode(t, newCodec(t, time.Hour, pairB), sampleConsent())
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				v := sampleConsent()
				v.ID = NewID()
				s, err := c.Encode(v)
				if err != nil {
					errs <- err
					return
				}
				got, _, err := c.Decode(s, t0)
				if err != nil || got.ID != v.ID {
					errs <- fmt.Errorf("decode: %v (id %x vs %x)", err, got.ID, v.ID)
					return
				}
				if _, ki, err := c.Decode(old, t0); err != nil || ki.Index != 1 {
					errs <- fmt.Errorf("old: %+v %v", ki, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestNewValidates(t *testing.T) {
	cases := []struct {
		name   string
		cookie string
		pairs  []KeyPair
		maxAge time.Duration
		want   string
	}{
		{"no pairs", "consent", nil, time.Hour, `no consent key pair configured — generate a pair with "caddy consent keygen"`},
		{"short hash", "consent", []KeyPair{{Hash: make([]byte, 31), Block: pairA.Block}}, time.Hour,
			`consent key pair 0: hash key is 31 bytes; keys must be at least 32 random bytes — generate a pair with "caddy consent keygen"`},
		{"bad block", "consent", []KeyPair{pairA, {Hash: pairB.Hash, Block: make([]byte, 20)}}, time.Hour,
			`consent key pair 1: block key is 20 bytes; block keys must be exactly 16, 24 or 32 bytes for AES (32 recommended) — generate a pair with "caddy consent keygen"`},
		{"no block", "consent", []KeyPair{{Hash: pairA.Hash}}, time.Hour,
			`consent key pair 0: block key is 0 bytes; block keys must be exactly 16, 24 or 32 bytes for AES (32 recommended) — generate a pair with "caddy consent keygen"`},
		{"hash equals block", "consent", []KeyPair{{Hash: pairA.Block, Block: pairA.Block}}, time.Hour,
			`consent key pair 0: hash key and block key are the same; use two independent random keys — generate a pair with "caddy consent keygen"`},
		{"duplicate", "consent", []KeyPair{pairA, pairB, {Hash: pairA.Hash, Block: pairC.Block}}, time.Hour,
			fmt.Sprintf("consent key pairs 0 and 2 have the same hash key (key id %s); each pair needs its own keys", KeyID(pairA.Hash))},
		{"zero max age", "consent", []KeyPair{pairA}, 0, "consent cookie max age must be positive, got 0s"},
		{"negative max age", "consent", []KeyPair{pairA}, -time.Second, "consent cookie max age must be positive, got -1s"},
		{"empty name", "", []KeyPair{pairA}, time.Hour, `consent cookie name "" is not a valid cookie name`},
		{"name with space", "my consent", []KeyPair{pairA}, time.Hour, `consent cookie name "my consent" is not a valid cookie name`},
		{"name with =", "a=b", []KeyPair{pairA}, time.Hour, `consent cookie name "a=b" is not a valid cookie name`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.cookie, tc.pairs, tc.maxAge)
			if err == nil {
				t.Fatalf("New accepted: %+v", c)
			}
			if err.Error() != tc.want {
				t.Fatalf("error text\n got  %s\n want %s", err, tc.want)
			}
		})
	}
	c := newCodec(t, 90*time.Minute, pairA, pairB, pairC)
	if c.MaxAge() != 90*time.Minute {
		t.Fatalf("MaxAge %s", c.MaxAge())
	}
}

// New must copy the keys: a caller reusing its buffers cannot change them.
func TestNewCopiesKeys(t *testing.T) {
	p := KeyPair{Hash: append([]byte{}, pairA.Hash...), Block: append([]byte{}, pairA.Block...)}
	c := newCodec(t, time.Hour, p)
	s := mustEncode(t, c, sampleConsent())
	for i := range p.Hash {
		p.Hash[i] = 0
	}
	for i := range p.Block {
		p.Block[i] = 0
	}
	if _, _, err := c.Decode(s, t0); err != nil {
		t.Fatalf("decode after caller zeroed its key buffers: %v", err)
	}
}

func TestDecodeErrorText(t *testing.T) {
	c := newCodec(t, time.Hour, pairA)
	_, _, err := c.Decode("deadbeef.AAAA", t0)
	const want = "consent cookie rejected (unknown_key): signed with key id deadbeef, which no configured key pair has"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	var de *DecodeError
	if !errors.As(err, &de) || errors.Unwrap(err) != de.Err {
		t.Fatal("Unwrap does not return Err")
	}
}

func isZero(v Consent) bool {
	return v.ID == [16]byte{} && v.Granted == nil && v.PolicyVersion == "" && v.IssuedAt.IsZero() && v.Method == ""
}

func BenchmarkDecode(b *testing.B) {
	c := newCodec(b, 365*24*time.Hour, pairA, pairB)
	s := mustEncode(b, c, sampleConsent())
	b.ReportAllocs()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if _, _, err := c.Decode(s, t0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeOldKey(b *testing.B) {
	c := newCodec(b, 365*24*time.Hour, pairB, pairA)
	s := mustEncode(b, newCodec(b, time.Hour, pairA), sampleConsent())
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.Decode(s, t0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode20Categories(b *testing.B) {
	c := newCodec(b, 365*24*time.Hour, pairA)
	v := sampleConsent()
	v.Granted = nil
	for i := range 20 {
		v.Granted = append(v.Granted, fmt.Sprintf("category-%02d", i))
	}
	s := mustEncode(b, c, v)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.Decode(s, t0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeTampered(b *testing.B) {
	c := newCodec(b, 365*24*time.Hour, pairA)
	s := []byte(mustEncode(b, c, sampleConsent()))
	s[20] ^= 1
	if s[20] == '`' || s[20] == '@' || s[20] == ':' || s[20] == '/' {
		s[20] ^= 3
	}
	bad := string(s)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.Decode(bad, t0); err == nil {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	c := newCodec(b, 365*24*time.Hour, pairA)
	v := sampleConsent()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Encode(v); err != nil {
			b.Fatal(err)
		}
	}
}
