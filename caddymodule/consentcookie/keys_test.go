package consentcookie

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

func TestParseKeyAccepts(t *testing.T) {
	// 0xfb 0xff ... makes both + and / (std) or - and _ (URL-safe) appear.
	k64 := bytes.Repeat([]byte{0xfb, 0xff, 0xbf, 0x01, 0x02, 0x03, 0x04, 0x05}, 8)
	k34 := k64[:34] // 34 bytes: base64 needs padding
	std, url := base64.StdEncoding.EncodeToString(k34), base64.URLEncoding.EncodeToString(k34)
	if !strings.ContainsAny(std, "+/") || !strings.ContainsAny(url, "-_") || !strings.HasSuffix(std, "=") {
		t.Fatalf("test keys do not exercise both alphabets and padding: %s %s", std, url)
	}
	cases := []struct {
		name, in string
		block    bool
		want     []byte
	}{
		{"std padded", std, false, k34},
		{"std unpadded", strings.TrimRight(std, "="), false, k34},
		{"url padded", url, false, k34},
		{"url unpadded", strings.TrimRight(url, "="), false, k34},
		{"keygen output", EncodeKey(k64), false, k64},
		{"hex lower", hex.EncodeToString(k64), false, k64},
		{"hex upper", strings.ToUpper(hex.EncodeToString(k64)), false, k64},
		{"surrounding space", "  \t" + std + "\n", false, k34},
		{"block 16", EncodeKey(k64[:16]), true, k64[:16]},
		{"block 24 hex", hex.EncodeToString(k64[:24]), true, k64[:24]},
		{"block 32", strings.TrimRight(base64.URLEncoding.EncodeToString(k64[:32]), "="), true, k64[:32]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseKey(tc.in, tc.block)
			if err != nil {
				t.Fatalf("ParseKey(%q): %v", tc.in, err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("ParseKey(%q) = %x, want %x", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseKeyErrors(t *testing.T) {
	const hint = ` — generate a pair with "caddy consent keygen"`
	k := bytes.Repeat([]byte{0xfb, 0xff, 0xbf, 1, 2, 3, 4, 5}, 8)
	cases := []struct {
		name, in string
		block    bool
		want     string
	}{
		{"too short base64", EncodeKey(k[:12]), false,
			`consent key is 12 bytes; keys must be at least 32 random bytes` + hint},
		{"too short hex", hex.EncodeToString(k[:31]), false,
			`consent key is 31 bytes; keys must be at least 32 random bytes` + hint},
		{"block key wrong length", EncodeKey(k[:20]), true,
			`consent block key is 20 bytes; block keys must be exactly 16, 24 or 32 bytes for AES (32 recommended)` + hint},
		{"block key 64 bytes", EncodeKey(k), true,
			`consent block key is 64 bytes; block keys must be exactly 16, 24 or 32 bytes for AES (32 recommended)` + hint},
		{"odd hex", hex.EncodeToString(k[:32])[1:], false,
			`consent key is neither hex nor base64 (looks like hex but has an odd number (63) of digits)` + hint},
		{"odd hex block", hex.EncodeToString(k[:16])[1:], true,
			`consent block key is neither hex nor base64 (looks like hex but has an odd number (31) of digits)` + hint},
		{"not base64", "this is not a key!", false,
			`consent key is neither hex nor base64 (illegal base64 data at input byte 4)` + hint},
		{"mixed alphabets", "ab+c-defghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP", false,
			`consent key is neither hex nor base64 (mixes standard (+/) and URL-safe (-_) base64 alphabets)` + hint},
		{"too much padding", EncodeKey(k[:32]) + "===", false,
			`consent key is neither hex nor base64 (too much base64 padding)` + hint},
		{"empty", "", false,
			`consent key is empty; keys must be at least 32 random bytes, written in base64 or hex` + hint},
		{"blank block", "   ", true,
			`consent block key is empty; block keys must be 16, 24 or 32 random bytes (32 recommended), written in base64 or hex` + hint},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseKey(tc.in, tc.block)
			if err == nil {
				t.Fatalf("ParseKey(%q) accepted: %x", tc.in, got)
			}
			if err.Error() != tc.want {
				t.Fatalf("error text\n got  %s\n want %s", err, tc.want)
			}
		})
	}
}

func TestGenerateKeyPair(t *testing.T) {
	a, b := GenerateKeyPair(), GenerateKeyPair()
	if len(a.Hash) != 64 || len(a.Block) != 32 {
		t.Fatalf("lengths %d/%d, want 64/32", len(a.Hash), len(a.Block))
	}
	if bytes.Equal(a.Hash, b.Hash) || bytes.Equal(a.Block, b.Block) || bytes.Equal(a.Hash[:32], a.Block) {
		t.Fatal("generated keys repeat")
	}
	h, err := ParseKey(EncodeKey(a.Hash), false)
	if err != nil || !bytes.Equal(h, a.Hash) {
		t.Fatalf("hash key does not survive EncodeKey/ParseKey: %v", err)
	}
	bl, err := ParseKey(EncodeKey(a.Block), true)
	if err != nil || !bytes.Equal(bl, a.Block) {
		t.Fatalf("block key does not survive EncodeKey/ParseKey: %v", err)
	}
	if enc := EncodeKey(a.Hash); enc != base64.StdEncoding.EncodeToString(a.Hash) {
		t.Fatalf("EncodeKey is not standard base64: %s", enc)
	}
	c := newCodec(t, time.Hour, a, b)
	if _, _, err := c.Decode(mustEncode(t, c, sampleConsent()), t0); err != nil {
		t.Fatal(err)
	}
}

func TestKeyID(t *testing.T) {
	id := KeyID(pairA.Hash)
	sum := sha256.Sum256(pairA.Hash)
	if id != hex.EncodeToString(sum[:])[:8] {
		t.Fatalf("KeyID %q is not the SHA-256 prefix", id)
	}
	if len(id) != keyIDLen || !isLowerHex(id) {
		t.Fatalf("KeyID %q is not %d lower-case hex chars", id, keyIDLen)
	}
	if KeyID(pairB.Hash) == id || KeyID(pairC.Hash) == id {
		t.Fatal("test pairs share a key id")
	}
	for _, p := range []KeyPair{pairA, pairB, pairC} {
		if len(p.Hash) != 64 {
			t.Fatalf("test hash key is %d bytes", len(p.Hash))
		}
	}
	if len(pairA.Block) != 32 || len(pairB.Block) != 32 || len(pairC.Block) != 16 {
		t.Fatal("test block key lengths changed")
	}
}
