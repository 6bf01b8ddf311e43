package consentheader

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

var key = []byte("0123456789abcdef0123456789abcdef")

func TestSignVerifyRoundTrip(t *testing.T) {
	s, err := NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1764300000, 0)
	in := Context{Categories: []string{"necessary", "analytics"}, GPC: true, Region: "DE", Profile: "eu",
		PolicyVersion: "2026-11-28", ConsentID: "abc", HasConsent: true, IssuedAt: now.Unix()}
	v := s.Sign(in)
	if !strings.HasPrefix(v, "v1.") || strings.Count(v, ".") != 2 || strings.ContainsAny(v, " ,;\"") {
		t.Fatalf("header value not a single token: %q", v)
	}
	out, err := s.Verify(v, now.Add(time.Minute), 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Allows("analytics") || out.Allows("advertising") || !out.GPC || out.Profile != "eu" || out.PolicyVersion != "2026-11-28" {
		t.Fatalf("round trip lost data: %+v", out)
	}
}

// An application verifies without this package: the documented recipe.
func TestDocumentedVerificationRecipe(t *testing.T) {
	s, _ := NewSigner(key)
	v := s.Sign(Context{Categories: []string{"necessary"}, PolicyVersion: "1", IssuedAt: 1})
	parts := strings.Split(v, ".")
	m := hmac.New(sha256.New, key)
	m.Write([]byte(parts[0] + "." + parts[1]))
	if base64.RawURLEncoding.EncodeToString(m.Sum(nil)) != parts[2] {
		t.Fatal("HMAC over the first two parts joined by '.' does not match the third part")
	}
}

func TestVerifyRejectsForgeries(t *testing.T) {
	s, _ := NewSigner(key)
	other, _ := NewSigner([]byte("ffffffffffffffffffffffffffffffff"))
	now := time.Unix(1764300000, 0)
	good := s.Sign(Context{Categories: []string{"necessary"}, PolicyVersion: "1", IssuedAt: now.Unix()})
	parts := strings.Split(good, ".")
	forgedPayload := base64.RawURLEncoding.EncodeToString([]byte(`{"categories":["necessary","advertising"],"policy_version":"1","iat":1764300000}`))
	cases := map[string]error{
		"":                                     ErrFormat,
		"v2." + parts[1] + "." + parts[2]:      ErrFormat,
		"v1." + parts[1]:                       ErrFormat,
		"v1." + forgedPayload + "." + parts[2]: ErrSignature,
		other.Sign(Context{IssuedAt: now.Unix()}): ErrSignature,
		good + ".x": ErrFormat,
	}
	for v, want := range cases {
		if _, err := s.Verify(v, now, 0); !errors.Is(err, want) {
			t.Errorf("Verify(%q) = %v; want %v", v, err, want)
		}
	}
	if _, err := s.Verify(good, now.Add(time.Hour), 5*time.Minute); !errors.Is(err, ErrStale) {
		t.Errorf("an hour-old header: %v; want ErrStale", err)
	}
}

func TestShortKeyRefused(t *testing.T) {
	if _, err := NewSigner([]byte("short")); err == nil {
		t.Fatal("a 5-byte key was accepted")
	}
}
