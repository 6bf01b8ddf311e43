package consentcookie

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// Fixed test keys (not secrets: they exist only in this file).
var (
	pairA = mustPair("5f0c8e1a7b3d2e4f6a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b",
		"0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9")
	pairB = mustPair("e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0ff0",
		"112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00")
	pairC = mustPair("7a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9",
		"ffeeddccbbaa99887766554433221100")
)

func mustPair(hashHex, blockHex string) KeyPair {
	h, err := hex.DecodeString(hashHex)
	if err != nil {
		panic(err)
	}
	b, err := hex.DecodeString(blockHex)
	if err != nil {
		panic(err)
	}
	return KeyPair{Hash: h, Block: b}
}

const testCookie = "consent"

// t0 is the reference "now" of most tests.
var t0 = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func newCodec(t testing.TB, maxAge time.Duration, pairs ...KeyPair) *Codec {
	t.Helper()
	c, err := New(testCookie, pairs, maxAge)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func sampleConsent() Consent {
	return Consent{
		ID:            [16]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10},
		Granted:       []string{"analytics", "functional", "marketing"},
		PolicyVersion: "2026-03",
		IssuedAt:      t0.Add(-time.Hour),
		Method:        "banner",
	}
}

func mustEncode(t testing.TB, c *Codec, v Consent) string {
	t.Helper()
	s, err := c.Encode(v)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return s
}

// wantReason fails the test unless err is a *DecodeError with reason r.
func wantReason(t testing.TB, err error, r Reason) {
	t.Helper()
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T) is not a *DecodeError; want reason %s", err, err, r)
	}
	if de.Reason != r {
		t.Fatalf("reason %s (%v); want %s", de.Reason, err, r)
	}
	if de.Err == nil {
		t.Fatalf("DecodeError with reason %s has no detail", r)
	}
}

func sameConsent(t testing.TB, got, want Consent) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decoded consent\n got  %+v\n want %+v", got, want)
	}
}

// normalized is what Decode returns for a consent given to Encode.
func normalized(v Consent) Consent {
	v.IssuedAt = time.Unix(v.IssuedAt.Unix(), 0).UTC()
	if len(v.Granted) == 0 {
		v.Granted = nil
	}
	return v
}

// handMint builds a cookie value without securecookie, following its wire
// format: base64url("<ts>|<base64url(iv ‖ AES-CTR(payload))>|<HMAC-SHA256(name|ts|inner)>"),
// prefixed with our key id. It lets tests choose the securecookie timestamp
// and write arbitrary (e.g. wrong-version) payloads under a valid MAC.
func handMint(name string, p KeyPair, ts int64, payload []byte) string {
	block, err := aes.NewCipher(p.Block)
	if err != nil {
		panic(err)
	}
	iv := make([]byte, block.BlockSize())
	_, _ = rand.Read(iv)
	ct := make([]byte, len(payload))
	cipher.NewCTR(block, iv).XORKeyStream(ct, payload)
	inner := base64.URLEncoding.EncodeToString(append(iv, ct...))
	m := hmac.New(sha256.New, p.Hash)
	fmt.Fprintf(m, "%s|%d|%s", name, ts, inner)
	b := append([]byte(fmt.Sprintf("%d|%s|", ts, inner)), m.Sum(nil)...)
	return KeyID(p.Hash) + "." + base64.URLEncoding.EncodeToString(b)
}

func mustPayload(t testing.TB, v Consent) []byte {
	t.Helper()
	p, err := appendPayload(nil, v)
	if err != nil {
		t.Fatalf("appendPayload: %v", err)
	}
	return p
}

func encodeB64(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }

// decodeB64 decodes padded base64url leniently (as securecookie does); "" on error.
func decodeB64(s string) string {
	b, err := base64.URLEncoding.DecodeString(s)
	if err != nil {
		return ""
	}
	return string(b)
}
