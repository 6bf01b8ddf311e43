package consentcookie

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// The payload layout is a compatibility promise: cookies written by one
// build must be read by the next. This pins it byte for byte.
func TestPayloadLayout(t *testing.T) {
	v := Consent{
		ID:            [16]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10},
		Granted:       []string{"marketing", "analytics"},
		PolicyVersion: "v2",
		IssuedAt:      time.Unix(1773480413, 999_000_000), // 2026-03-14T09:26:53Z
		Method:        "form",
	}
	got := hex.EncodeToString(mustPayload(t, v))
	want := "01" + // format version
		"0123456789abcdeffedcba9876543210" + // ID
		hex.EncodeToString(binary.AppendUvarint(nil, 1773480413)) + // issued-at
		"02" + hex.EncodeToString([]byte("v2")) +
		"04" + hex.EncodeToString([]byte("form")) +
		"02" + "09" + hex.EncodeToString([]byte("analytics")) + "09" + hex.EncodeToString([]byte("marketing"))
	if got != want {
		t.Fatalf("payload\n got  %s\n want %s", got, want)
	}
	if len(got)/2 != 1+16+5+3+5+1+10+10 {
		t.Fatalf("payload is %d bytes", len(got)/2)
	}
}

func randomConsent(r *rand.Rand) Consent {
	tok := func(max int) string {
		n := 1 + r.IntN(max)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(0x21 + r.IntN(0x7e-0x21+1))
		}
		return string(b)
	}
	v := Consent{PolicyVersion: tok(MaxPolicyVersionLen), IssuedAt: time.Unix(1+r.Int64N(maxUnix), 0)}
	for v.ID == ([16]byte{}) {
		for i := range v.ID {
			v.ID[i] = byte(r.Uint32())
		}
	}
	if r.IntN(3) > 0 {
		v.Method = tok(MaxMethodLen)
	}
	for range r.IntN(MaxGranted + 1) {
		v.Granted = append(v.Granted, tok(MaxNameLen))
	}
	return v
}

func TestPayloadRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		v := randomConsent(r)
		p := mustPayload(t, v)
		got, err := parsePayload(p)
		if err != nil {
			t.Fatalf("case %d: %v\n%+v", i, err, v)
		}
		want := normalized(v)
		want.Granted = slices.Compact(slices.Sorted(slices.Values(v.Granted)))
		if len(want.Granted) == 0 {
			want.Granted = nil
		}
		sameConsent(t, got, want)
		// Canonical: re-encoding the decoded consent gives the same bytes.
		if p2 := mustPayload(t, got); !bytes.Equal(p, p2) {
			t.Fatalf("case %d: not canonical\n%x\n%x", i, p, p2)
		}
	}
}

// raw builds a payload field by field, bypassing validation.
func raw(ver byte, id [16]byte, issued []byte, fields ...string) []byte {
	p := append([]byte{ver}, id[:]...)
	p = append(p, issued...)
	for i, f := range fields {
		if i == 2 { // category count goes before the names
			p = append(p, byte(len(fields)-2))
		}
		p = append(p, byte(len(f)))
		p = append(p, f...)
	}
	if len(fields) == 2 {
		p = append(p, 0)
	}
	return p
}

func TestPayloadStrict(t *testing.T) {
	id := [16]byte{1, 2, 3}
	ts := binary.AppendUvarint(nil, uint64(t0.Unix()))
	good := raw(1, id, ts, "v1", "banner", "a", "b")
	if _, err := parsePayload(good); err != nil {
		t.Fatalf("good payload rejected: %v", err)
	}
	long := strings.Repeat("x", MaxNameLen+1)
	bad := map[string][]byte{
		"empty":                 {},
		"zero ID":               raw(1, [16]byte{}, ts, "v1", "banner", "a"),
		"non-minimal varint":    raw(1, id, append(append([]byte{}, ts[:len(ts)-1]...), ts[len(ts)-1]|0x80, 0x00), "v1", "", "a"),
		"issued zero":           raw(1, id, []byte{0}, "v1", "", "a"),
		"issued after 9999":     raw(1, id, binary.AppendUvarint(nil, maxUnix+1), "v1", "", "a"),
		"varint overflow":       raw(1, id, bytes.Repeat([]byte{0xff}, 11), "v1", ""),
		"empty policy":          raw(1, id, ts, "", "banner"),
		"policy control char":   raw(1, id, ts, "v\x001", "banner"),
		"policy too long":       raw(1, id, ts, strings.Repeat("p", MaxPolicyVersionLen+1), ""),
		"method with space":     raw(1, id, ts, "v1", "a b"),
		"method too long":       raw(1, id, ts, "v1", strings.Repeat("m", MaxMethodLen+1)),
		"unsorted names":        raw(1, id, ts, "v1", "", "b", "a"),
		"duplicate names":       raw(1, id, ts, "v1", "", "a", "a"),
		"empty name":            raw(1, id, ts, "v1", "", ""),
		"name too long":         raw(1, id, ts, "v1", "", long),
		"name with DEL":         raw(1, id, ts, "v1", "", "a\x7f"),
		"name with high byte":   raw(1, id, ts, "v1", "", "\xc3\xa4"),
		"trailing byte":         append(slices.Clone(good), 0),
		"count beyond names":    func() []byte { p := raw(1, id, ts, "v1", ""); p[len(p)-1] = 1; return p }(),
		"count larger than max": func() []byte { p := raw(1, id, ts, "v1", ""); p[len(p)-1] = MaxGranted + 1; return p }(),
		"length past end":       func() []byte { p := slices.Clone(good); p[len(p)-2] = 9; return p }(),
	}
	for name, p := range bad {
		t.Run(name, func(t *testing.T) {
			v, err := parsePayload(p)
			if err == nil {
				t.Fatalf("accepted %x as %+v", p, v)
			}
			if errors.Is(err, errFormat) {
				t.Fatalf("version-1 payload reported as unsupported format: %v", err)
			}
			if !isZero(v) {
				t.Fatalf("rejected payload returned data %+v", v)
			}
		})
	}
	for i := range len(good) {
		if _, err := parsePayload(good[:i]); err == nil {
			t.Fatalf("truncation to %d bytes accepted", i)
		}
	}
	for _, ver := range []byte{0, 3, 255} {
		_, err := parsePayload(raw(ver, id, ts, "v1", ""))
		if !errors.Is(err, errFormat) {
			t.Fatalf("version %d: %v, want errFormat", ver, err)
		}
	}
}

func TestIDString(t *testing.T) {
	v := sampleConsent()
	if got := v.IDString(); got != "0123456789abcdeffedcba9876543210" {
		t.Fatalf("IDString %q", got)
	}
	seen := map[[16]byte]bool{}
	for range 1000 {
		id := NewID()
		if seen[id] || id == ([16]byte{}) {
			t.Fatalf("NewID repeated or zero: %x", id)
		}
		seen[id] = true
		if s := (Consent{ID: id}).IDString(); len(s) != 32 || s != strings.ToLower(s) || s != fmt.Sprintf("%x", id) {
			t.Fatalf("IDString %q", s)
		}
	}
}

// A consent without a profile keeps format 1, which earlier releases read
// (a fleet upgrades one instance at a time); one with a profile is format 2
// and round-trips it; format 2 without a profile byte is refused.
func TestProfileFormat(t *testing.T) {
	v := sampleConsent()
	p1, err := appendPayload(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	if p1[0] != 1 {
		t.Fatalf("a consent without profile is written as format %d; want 1", p1[0])
	}
	v.Profile = "uk"
	p2, err := appendPayload(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	if p2[0] != FormatVersion || !bytes.Equal(p2[1:len(p1)], p1[1:]) || string(p2[len(p1):]) != "\x02uk" {
		t.Fatalf("format 2 payload %q; want format 1's fields then the profile", p2)
	}
	got, err := parsePayload(p2)
	if err != nil || got.Profile != "uk" {
		t.Fatalf("profile round trip: %+v, %v", got, err)
	}
	q := append([]byte{FormatVersion}, p1[1:]...)
	if _, err := parsePayload(q); err == nil {
		t.Fatal("format 2 without a profile accepted")
	}
	for _, bad := range []string{"a b", "toolongprofilename", "é"} {
		v.Profile = bad
		if _, err := appendPayload(nil, v); err == nil {
			t.Errorf("profile %q accepted", bad)
		}
	}
}
