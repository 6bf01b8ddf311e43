// Package consentcookie encodes and decodes the consent cookie: the visitor's
// choice, signed with HMAC-SHA256 and encrypted with AES by
// gorilla/securecookie, bound to the version of the cookie notice.
//
// # Cookie value
//
//	<key id>.<securecookie value>
//
// The key id is KeyID of the hash key that signed the value (8 lower-case hex
// characters). It lets Decode tell a value signed with a key no configured
// pair has (ReasonUnknownKey) from a value that was altered
// (ReasonTampered), and lets it check one pair instead of all of them.
// The securecookie value carries the payload, encrypted (AES-CTR) and signed
// (HMAC-SHA256); securecookie binds it to the cookie name and adds its own
// timestamp. The payload is compact binary, all lengths single bytes:
//
//	1 byte     format: 1 without a profile, 2 (FormatVersion) with one
//	16 bytes   ID
//	uvarint    IssuedAt as Unix seconds (minimal encoding)
//	1 byte n   + n bytes  PolicyVersion (1..64 printable ASCII)
//	1 byte n   + n bytes  Method (0..16 visible ASCII)
//	1 byte k   then k × (1 byte n + n bytes)  Granted (0..32 names of 1..32
//	           visible ASCII bytes, sorted, no duplicates)
//	format 2:  1 byte n + n bytes  Profile (1..16 visible ASCII)
//
// Decode accepts exactly what Encode writes: nothing may follow the last
// name, and every limit is checked again.
//
// # Keys and rotation
//
// A Codec has one or more key pairs. The first signs and encrypts; every pair
// verifies. To rotate, put the new pair first and keep the old one after it
// until the cookies it signed have expired. Any number of gateway instances
// configured with the same pairs accept each other's cookies.
//
// # Expiry
//
// Two clocks bound a cookie's age, both with the Codec's maxAge:
//
//   - Authoritative: Decode compares the consent's IssuedAt with the now it is
//     given. A consent older than maxAge is ReasonExpired. This is the check
//     tests drive by passing a later now.
//   - Backstop: securecookie compares the timestamp it wrote at Encode with
//     the wall clock (it cannot be given a time) and reports ReasonExpired
//     too. A cookie is normally written when or after the consent it carries
//     was issued, so with now = wall clock this check rejects nothing the
//     first one accepts; it can only bite first if IssuedAt lies after the
//     moment of writing (clock skew, or a caller that sets a future IssuedAt).
//
// A consent whose IssuedAt lies more than MaxClockSkew after now is rejected
// as ReasonMalformed: only a gateway with a wrong clock writes one.
//
// Nothing in this package imports Caddy.
package consentcookie

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
)

// MaxValueLen is the longest cookie value Decode looks at; longer values are
// ReasonMalformed before any cryptography runs.
const MaxValueLen = 4096

// MaxClockSkew is how far in the future (relative to Decode's now) a
// consent's IssuedAt may lie, to allow for clocks of gateway instances that
// disagree a little.
const MaxClockSkew = time.Hour

const keyIDLen = 8

// Reason says why a cookie value was rejected. The values are stable strings
// meant for logs and metrics labels.
type Reason string

const (
	ReasonMalformed  Reason = "malformed"          // not a value this package writes: empty, too long, bad prefix, bad base64, bad payload
	ReasonTampered   Reason = "tampered"           // key id is known but the MAC does not verify
	ReasonExpired    Reason = "expired"            // older than maxAge
	ReasonUnknownKey Reason = "unknown_key"        // key id of no configured pair (e.g. a retired key)
	ReasonFormat     Reason = "unsupported_format" // authentic, but a payload format version this build does not read
	ReasonOldPolicy  Reason = "old_policy_version" // authentic, but given for another policy version (CheckPolicy)
)

// DecodeError is the error Decode and CheckPolicy return.
type DecodeError struct {
	Reason Reason
	Err    error // detail; never nil when returned by this package
}

func (e *DecodeError) Error() string {
	if e.Err == nil {
		return "consent cookie rejected: " + string(e.Reason)
	}
	return "consent cookie rejected (" + string(e.Reason) + "): " + e.Err.Error()
}

func (e *DecodeError) Unwrap() error { return e.Err }

func decodeErr(r Reason, format string, args ...any) *DecodeError {
	return &DecodeError{Reason: r, Err: fmt.Errorf(format, args...)}
}

// KeyInfo says which configured key pair verified a cookie.
type KeyInfo struct {
	Index int    // position in the pairs given to New; 0 is the signing pair
	ID    string // KeyID of that pair's hash key
}

// Codec encodes and decodes consent cookie values. It is safe for concurrent
// use.
type Codec struct {
	name     string
	maxAge   time.Duration
	keys     []codecKey
	verified *verifiedCache
}

type codecKey struct {
	id string
	sc *securecookie.SecureCookie
}

// New builds a codec for the cookie named cookieName. pairs[0] signs and
// encrypts; all pairs verify. maxAge (> 0, whole seconds are used by
// securecookie, rounded up) bounds the age of a consent; see the package
// documentation for which clock is authoritative.
func New(cookieName string, pairs []KeyPair, maxAge time.Duration) (*Codec, error) {
	if !isCookieName(cookieName) {
		return nil, fmt.Errorf("consent cookie name %q is not a valid cookie name", cookieName)
	}
	if len(pairs) == 0 {
		return nil, errors.New("no consent key pair configured" + keygenHint)
	}
	if maxAge <= 0 {
		return nil, fmt.Errorf("consent cookie max age must be positive, got %s", maxAge)
	}
	secs := int((maxAge + time.Second - 1) / time.Second)
	c := &Codec{name: cookieName, maxAge: maxAge, keys: make([]codecKey, len(pairs)), verified: newVerifiedCache()}
	for i, p := range pairs {
		if len(p.Hash) < minHashKeyLen {
			return nil, fmt.Errorf("consent key pair %d: hash key is %d bytes; keys must be at least %d random bytes%s", i, len(p.Hash), minHashKeyLen, keygenHint)
		}
		switch len(p.Block) {
		case 16, 24, 32:
		default:
			return nil, fmt.Errorf("consent key pair %d: block key is %d bytes; block keys must be exactly 16, 24 or 32 bytes for AES (32 recommended)%s", i, len(p.Block), keygenHint)
		}
		if bytes.Equal(p.Hash, p.Block) {
			return nil, fmt.Errorf("consent key pair %d: hash key and block key are the same; use two independent random keys%s", i, keygenHint)
		}
		id := KeyID(p.Hash)
		for j := 0; j < i; j++ {
			if c.keys[j].id == id {
				return nil, fmt.Errorf("consent key pairs %d and %d have the same hash key (key id %s); each pair needs its own keys", j, i, id)
			}
		}
		sc := securecookie.New(bytes.Clone(p.Hash), bytes.Clone(p.Block)).
			SetSerializer(securecookie.NopEncoder{}).
			MaxAge(secs).
			MaxLength(MaxValueLen)
		c.keys[i] = codecKey{id: id, sc: sc}
	}
	return c, nil
}

// MaxAge returns the maximum age of a consent given to New.
func (c *Codec) MaxAge() time.Duration { return c.maxAge }

// Encode signs and encrypts v with the first key pair. Granted is written
// sorted and without duplicates; IssuedAt is truncated to whole seconds. It
// fails when v is outside the limits (see MaxGranted and friends), has a zero
// ID or IssuedAt, or lacks a PolicyVersion.
func (c *Codec) Encode(v Consent) (string, error) {
	p, err := appendPayload(make([]byte, 0, 128), v)
	if err != nil {
		return "", fmt.Errorf("encode consent cookie: %w", err)
	}
	k := c.keys[0]
	s, err := k.sc.Encode(c.name, p)
	if err != nil {
		return "", fmt.Errorf("encode consent cookie: %w", err)
	}
	return k.id + "." + s, nil
}

// Decode verifies, decrypts and decodes a cookie value. now is the time the
// consent's age is measured against (the zero time means time.Now()). On
// failure the error is a *DecodeError whose Reason says why. Decode never
// checks the policy version; call CheckPolicy on the result.
func (c *Codec) Decode(value string, now time.Time) (Consent, KeyInfo, error) {
	if now.IsZero() {
		now = time.Now()
	}
	switch {
	case value == "":
		return Consent{}, KeyInfo{}, decodeErr(ReasonMalformed, "empty value")
	case len(value) > MaxValueLen:
		return Consent{}, KeyInfo{}, decodeErr(ReasonMalformed, "value is %d bytes; at most %d are accepted", len(value), MaxValueLen)
	case len(value) < keyIDLen+1 || value[keyIDLen] != '.' || !isLowerHex(value[:keyIDLen]):
		return Consent{}, KeyInfo{}, decodeErr(ReasonMalformed, "value does not start with a key id")
	}
	if v, k, ok := c.verified.get(value, now); ok {
		if err := c.checkAge(v, now); err != nil {
			return err.v, KeyInfo{}, err.err
		}
		return v, k, nil
	}
	id, body := value[:keyIDLen], value[keyIDLen+1:]
	if !isCanonicalBase64URL(body) {
		return Consent{}, KeyInfo{}, decodeErr(ReasonMalformed, "value is not canonical base64url")
	}
	idx := -1
	for i := range c.keys {
		if c.keys[i].id == id {
			idx = i
			break
		}
	}
	if idx < 0 {
		return Consent{}, KeyInfo{}, decodeErr(ReasonUnknownKey, "signed with key id %s, which no configured key pair has", id)
	}
	var p []byte
	if err := c.keys[idx].sc.Decode(c.name, body, &p); err != nil {
		switch {
		case errors.Is(err, securecookie.ErrMacInvalid):
			return Consent{}, KeyInfo{}, &DecodeError{Reason: ReasonTampered, Err: err}
		case strings.Contains(err.Error(), "expired timestamp"):
			return Consent{}, KeyInfo{}, &DecodeError{Reason: ReasonExpired, Err: err}
		default:
			return Consent{}, KeyInfo{}, &DecodeError{Reason: ReasonMalformed, Err: err}
		}
	}
	v, err := parsePayload(p)
	if err != nil {
		if errors.Is(err, errFormat) {
			return Consent{}, KeyInfo{}, &DecodeError{Reason: ReasonFormat, Err: err}
		}
		return Consent{}, KeyInfo{}, &DecodeError{Reason: ReasonMalformed, Err: err}
	}
	if err := c.checkAge(v, now); err != nil {
		return err.v, KeyInfo{}, err.err
	}
	k := KeyInfo{Index: idx, ID: id}
	c.verified.put(value, v, k, now)
	return v, k, nil
}

type ageError struct {
	v   Consent // what Decode returns with the error
	err *DecodeError
}

// checkAge is the authoritative expiry check of an authentic consent
// against now (and the clock-skew bound).
func (c *Codec) checkAge(v Consent, now time.Time) *ageError {
	if age := now.Sub(v.IssuedAt); age > c.maxAge {
		return &ageError{v, decodeErr(ReasonExpired, "consent issued %s is %s old; max age is %s", v.IssuedAt.Format(time.RFC3339), age.Truncate(time.Second), c.maxAge)}
	} else if -age > MaxClockSkew {
		return &ageError{Consent{}, decodeErr(ReasonMalformed, "consent issued %s is %s in the future; gateway clocks out of sync?", v.IssuedAt.Format(time.RFC3339), (-age).Truncate(time.Second))}
	}
	return nil
}

// CheckPolicy returns a *DecodeError with ReasonOldPolicy when v was given
// for a policy version other than current, and nil otherwise.
func CheckPolicy(v Consent, current string) error {
	if v.PolicyVersion != current {
		return decodeErr(ReasonOldPolicy, "consent was given for policy version %q; the current version is %q", v.PolicyVersion, current)
	}
	return nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// b64url maps a base64url alphabet byte to its 6-bit value, others to 0xff.
var b64url = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// isCanonicalBase64URL reports whether s is padded base64url exactly as
// base64.URLEncoding writes it: only alphabet bytes, padding only at the end,
// and zero unused bits in the last group. encoding/base64 alone would also
// accept \r, \n and non-zero unused bits, so several strings would decode to
// the same signed bytes; this check makes the accepted value unique.
func isCanonicalBase64URL(s string) bool {
	n := len(s)
	if n == 0 || n%4 != 0 {
		return false
	}
	pad := 0
	if s[n-1] == '=' {
		pad = 1
		if s[n-2] == '=' {
			pad = 2
		}
	}
	for i := 0; i < n-pad; i++ {
		if b64url[s[i]] == 0xff {
			return false
		}
	}
	switch pad {
	case 1: // last group holds 2 bytes: 18 bits, 2 unused
		return b64url[s[n-2]]&0x03 == 0
	case 2: // last group holds 1 byte: 12 bits, 4 unused
		return b64url[s[n-3]]&0x0f == 0
	}
	return true
}

// isCookieName reports whether s is an RFC 6265 cookie-name (an RFC 2616
// token).
func isCookieName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}
