package consentcookie

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"
)

// FormatVersion is the version of the binary payload written by this package
// for a consent with a regional profile; a consent without one is written in
// format 1, which every earlier release reads, so a fleet can be upgraded
// one instance at a time. It is the first byte of every payload; a payload
// with another first byte is rejected with ReasonFormat.
const (
	FormatVersion   = 2
	formatNoProfile = 1
)

// Limits on the fields of a Consent. Encode refuses a Consent outside them and
// Decode rejects a payload outside them, so that every payload that decodes is
// one that Encode could have written. With every field at its limit the
// cookie value stays under 2.2 KB (see TestWorstCaseSize).
const (
	MaxGranted          = 32 // category names in one consent
	MaxNameLen          = 32 // bytes in one category name
	MaxPolicyVersionLen = 64 // bytes in PolicyVersion
	MaxMethodLen        = 16 // bytes in Method
	MaxProfileLen       = 16 // bytes in Profile
)

// maxUnix bounds IssuedAt (9999-12-31T23:59:59Z) so that a decoded time is
// always representable and formats sanely.
const maxUnix = 253402300799

// Consent is the visitor's recorded choice.
type Consent struct {
	ID            [16]byte  // random 128-bit consent ID (NewID); must not be all zero
	Granted       []string  // category names granted (necessary categories need not be listed)
	PolicyVersion string    // version of the cookie notice the choice was made on; required
	IssuedAt      time.Time // when the choice was made; stored with second precision
	Method        string    // optional short token: "banner", "form", "preferences", "api" (audit hint)
	Profile       string    // optional regional profile the choice was made under ("eu", "uk", "us")
}

// IDString returns the consent ID as 32 lower-case hex characters.
func (c Consent) IDString() string { return hex.EncodeToString(c.ID[:]) }

// NewID returns a fresh random 128-bit consent ID from crypto/rand.
func NewID() [16]byte {
	var id [16]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails (it crashes the program instead)
	return id
}

// isToken reports whether s is a non-empty run of visible ASCII characters
// (0x21–0x7E): no spaces, no control characters, no non-ASCII bytes.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// isText reports whether s is non-empty printable ASCII (0x20–0x7E) that does
// not start or end with a space.
func isText(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// validate checks the fields that both Encode and Decode constrain. granted
// must already be in the canonical form (sorted, without duplicates).
func validate(id [16]byte, policy, method string, granted []string, unix int64) error {
	if id == ([16]byte{}) {
		return errors.New("consent ID is all zero (use NewID)")
	}
	if len(policy) > MaxPolicyVersionLen || !isText(policy) {
		return fmt.Errorf("policy version %q must be 1 to %d printable ASCII characters without leading or trailing spaces", policy, MaxPolicyVersionLen)
	}
	if method != "" && (len(method) > MaxMethodLen || !isToken(method)) {
		return fmt.Errorf("method %q must be at most %d visible ASCII characters without spaces", method, MaxMethodLen)
	}
	if len(granted) > MaxGranted {
		return fmt.Errorf("%d categories granted; at most %d are allowed", len(granted), MaxGranted)
	}
	for i, g := range granted {
		if len(g) > MaxNameLen || !isToken(g) {
			return fmt.Errorf("category name %q must be 1 to %d visible ASCII characters without spaces", g, MaxNameLen)
		}
		if i > 0 && granted[i-1] >= g {
			return errors.New("category names are not sorted and unique")
		}
	}
	if unix < 1 || unix > maxUnix {
		return fmt.Errorf("issued-at %d is outside 1970-01-01T00:00:01Z..9999-12-31T23:59:59Z", unix)
	}
	return nil
}

// appendPayload validates v and appends its binary form to dst. The layout
// is in the package documentation; parsePayload is its strict inverse.
func appendPayload(dst []byte, v Consent) ([]byte, error) {
	granted := slices.Clone(v.Granted)
	slices.Sort(granted)
	granted = slices.Compact(granted)
	unix := v.IssuedAt.Unix()
	if v.IssuedAt.IsZero() {
		return nil, errors.New("issued-at is not set")
	}
	if err := validate(v.ID, v.PolicyVersion, v.Method, granted, unix); err != nil {
		return nil, err
	}
	if v.Profile != "" && (len(v.Profile) > MaxProfileLen || !isToken(v.Profile)) {
		return nil, fmt.Errorf("profile %q must be at most %d visible ASCII characters without spaces", v.Profile, MaxProfileLen)
	}
	version := byte(FormatVersion)
	if v.Profile == "" {
		version = formatNoProfile
	}
	dst = append(dst, version)
	dst = append(dst, v.ID[:]...)
	dst = binary.AppendUvarint(dst, uint64(unix))
	dst = append(dst, byte(len(v.PolicyVersion)))
	dst = append(dst, v.PolicyVersion...)
	dst = append(dst, byte(len(v.Method)))
	dst = append(dst, v.Method...)
	dst = append(dst, byte(len(granted)))
	for _, g := range granted {
		dst = append(dst, byte(len(g)))
		dst = append(dst, g...)
	}
	if version == FormatVersion {
		dst = append(dst, byte(len(v.Profile)))
		dst = append(dst, v.Profile...)
	}
	return dst, nil
}

// errFormat marks a payload whose first byte is not FormatVersion.
var errFormat = errors.New("unsupported payload format")

// parsePayload is the strict inverse of appendPayload. It returns errFormat
// (wrapped) for another format version and a descriptive error for anything
// else that appendPayload could not have written.
func parsePayload(p []byte) (Consent, error) {
	var v Consent
	if len(p) == 0 {
		return Consent{}, errors.New("empty payload")
	}
	version := p[0]
	if version != FormatVersion && version != formatNoProfile {
		return Consent{}, fmt.Errorf("%w: version %d, want %d or %d", errFormat, p[0], formatNoProfile, FormatVersion)
	}
	p = p[1:]
	if len(p) < 16 {
		return Consent{}, errors.New("payload truncated in ID")
	}
	copy(v.ID[:], p[:16])
	p = p[16:]
	u, n := binary.Uvarint(p)
	if n <= 0 || n != uvarintLen(u) || u > maxUnix {
		return Consent{}, errors.New("bad issued-at")
	}
	p = p[n:]

	// All text fields are copied into one string and sliced from it: one
	// allocation instead of one per field.
	text := string(p)
	off := 0
	field := func(max int) (string, bool) {
		if off >= len(text) {
			return "", false
		}
		l := int(text[off])
		off++
		if l > max || l > len(text)-off {
			return "", false
		}
		s := text[off : off+l]
		off += l
		return s, true
	}
	var ok bool
	if v.PolicyVersion, ok = field(MaxPolicyVersionLen); !ok {
		return Consent{}, errors.New("bad policy version field")
	}
	if v.Method, ok = field(MaxMethodLen); !ok {
		return Consent{}, errors.New("bad method field")
	}
	if off >= len(text) {
		return Consent{}, errors.New("payload truncated before category count")
	}
	k := int(text[off])
	off++
	if k > MaxGranted {
		return Consent{}, fmt.Errorf("%d categories; at most %d are allowed", k, MaxGranted)
	}
	if k > 0 {
		v.Granted = make([]string, k)
		for i := range v.Granted {
			if v.Granted[i], ok = field(MaxNameLen); !ok {
				return Consent{}, errors.New("bad category name field")
			}
		}
	}
	if version == FormatVersion {
		if v.Profile, ok = field(MaxProfileLen); !ok || v.Profile == "" || !isToken(v.Profile) {
			return Consent{}, errors.New("bad profile field")
		}
	}
	if off != len(text) {
		return Consent{}, fmt.Errorf("%d trailing bytes after payload", len(text)-off)
	}
	if err := validate(v.ID, v.PolicyVersion, v.Method, v.Granted, int64(u)); err != nil {
		return Consent{}, err
	}
	v.IssuedAt = time.Unix(int64(u), 0).UTC()
	return v, nil
}

func uvarintLen(u uint64) int {
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}
