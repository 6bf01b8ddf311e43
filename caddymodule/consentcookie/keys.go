package consentcookie

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// KeyPair is one signing/encryption key pair. Hash is the HMAC-SHA256 key
// (at least 32 bytes, 64 recommended); Block is the AES key (16, 24 or 32
// bytes, 32 recommended).
type KeyPair struct {
	Hash, Block []byte
}

const (
	minHashKeyLen = 32
	keygenHint    = ` — generate a pair with "caddy consent keygen"`
)

// ParseKey decodes a key written in config: standard or URL-safe base64
// (padding optional) or hex. Surrounding white space is ignored. A string made
// only of hex digits is read as hex (an odd number of them is an error);
// anything else as base64.
//
// Hash keys (block == false) must decode to at least 32 bytes; block keys
// (block == true) to exactly 16, 24 or 32 bytes (AES-128/192/256). Errors say
// how to make a good key.
func ParseKey(s string, block bool) ([]byte, error) {
	what := "consent key"
	if block {
		what = "consent block key"
	}
	s = strings.TrimSpace(s)
	if s == "" {
		if block {
			return nil, fmt.Errorf("%s is empty; block keys must be 16, 24 or 32 random bytes (32 recommended), written in base64 or hex%s", what, keygenHint)
		}
		return nil, fmt.Errorf("%s is empty; keys must be at least 32 random bytes, written in base64 or hex%s", what, keygenHint)
	}
	b, err := decodeKeyText(s)
	if err != nil {
		return nil, fmt.Errorf("%s is neither hex nor base64 (%v)%s", what, err, keygenHint)
	}
	if block {
		switch len(b) {
		case 16, 24, 32:
			return b, nil
		}
		return nil, fmt.Errorf("%s is %d bytes; block keys must be exactly 16, 24 or 32 bytes for AES (32 recommended)%s", what, len(b), keygenHint)
	}
	if len(b) < minHashKeyLen {
		return nil, fmt.Errorf("%s is %d bytes; keys must be at least %d random bytes%s", what, len(b), minHashKeyLen, keygenHint)
	}
	return b, nil
}

func decodeKeyText(s string) ([]byte, error) {
	if isHex(s) {
		if len(s)%2 != 0 {
			return nil, fmt.Errorf("looks like hex but has an odd number (%d) of digits", len(s))
		}
		return hex.DecodeString(s)
	}
	raw := strings.TrimRight(s, "=")
	if len(s)-len(raw) > 2 {
		return nil, fmt.Errorf("too much base64 padding")
	}
	std := strings.ContainsAny(raw, "+/")
	url := strings.ContainsAny(raw, "-_")
	switch {
	case std && url:
		return nil, fmt.Errorf("mixes standard (+/) and URL-safe (-_) base64 alphabets")
	case url:
		return base64.RawURLEncoding.DecodeString(raw)
	default:
		return base64.RawStdEncoding.DecodeString(raw)
	}
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// GenerateKeyPair returns a fresh 64-byte hash key and 32-byte block key from
// crypto/rand.
func GenerateKeyPair() KeyPair {
	p := KeyPair{Hash: make([]byte, 64), Block: make([]byte, 32)}
	_, _ = rand.Read(p.Hash) // crypto/rand.Read never fails (it crashes the program instead)
	_, _ = rand.Read(p.Block)
	return p
}

// EncodeKey writes a key the way "caddy consent keygen" prints it: standard
// base64 with padding. ParseKey reads it back.
func EncodeKey(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// KeyID returns a short public identifier of a hash key: the first 8 hex
// characters of SHA-256(hashKey). It reveals nothing useful about the key and
// is written in front of every cookie value so that Decode can pick the pair
// that signed it.
func KeyID(hashKey []byte) string {
	sum := sha256.Sum256(hashKey)
	return hex.EncodeToString(sum[:4])
}
