package consentcookie

import (
	"errors"
	"testing"
	"time"
)

// Golden values: written once by Encode with the fixed test pairs and
// committed. They must keep decoding in every later build (format
// compatibility), and in FuzzDecode they are the only strings that may ever
// decode: fuzzCodec has no other way to accept a value.
var golden = []struct {
	value string
	index int
	want  Consent
}{
	{
		value: "d2b18a01.MTc5NTg4NTUwNHxxVkduYzl0cUJuNk9RejhuQ2ZKU1duTnV0VkRZcFBpS1p5dHdaMmRCcHpYOVdLWE9mdjBsVnNRRHFVTDg2WXZxUWhBTVdtdHFnRXdfMnl2eWhBUE9YUmRZMUx1WENmTkpLM1E9fAiozQ4RhTzEy_oB5eNv-CyD4LsAtydYlfbCM-6weO1C",
		index: 0,
		want: Consent{
			ID:      [16]byte{0x6f, 0x1e, 0x2a, 0x9c, 0x33, 0x41, 0x4d, 0x0b, 0x8a, 0x55, 0x10, 0xe7, 0xc2, 0x9d, 0x04, 0x71},
			Granted: []string{"analytics", "marketing"}, PolicyVersion: "2026-03",
			IssuedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Method: "banner",
		},
	},
	{
		value: "9121344c.MTc5NTg4NTUwNHxFMHNlYVFMX2VGMmZxNTM5YUFOZ0U4YWlvUl9ZTGlkbFFndW1pWnJ5WVNqbDQ1cENYbnA0SXhTSExsblc2RHZsfAmVBgq-9EsR9yAAznO0nWwTL_G0r81RhcxXQXfdz6yb",
		index: 1,
		want: Consent{
			ID:            [16]byte{0xa0, 0xb1, 0xc2, 0xd3, 0xe4, 0xf5, 0x06, 0x17, 0x28, 0x39, 0x4a, 0x5b, 0x6c, 0x7d, 0x8e, 0x9f},
			PolicyVersion: "2025-11", IssuedAt: time.Date(2025, 11, 20, 7, 30, 0, 0, time.UTC),
		},
	},
}

// fuzzNow is the fixed "now" of the golden and fuzz tests; the golden
// consents are well within fuzzCodec's max age of it. (securecookie's own
// wall-clock check is satisfied for a century by fuzzCodec's max age.)
var fuzzNow = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func fuzzCodec(t testing.TB) *Codec {
	return newCodec(t, 100*365*24*time.Hour, pairA, pairB)
}

func TestGoldenValues(t *testing.T) {
	c := fuzzCodec(t)
	for i, g := range golden {
		got, ki, err := c.Decode(g.value, fuzzNow)
		if err != nil {
			t.Fatalf("golden %d: %v", i, err)
		}
		sameConsent(t, got, g.want)
		if ki.Index != g.index {
			t.Fatalf("golden %d: key index %d, want %d", i, ki.Index, g.index)
		}
	}
}

func FuzzDecode(f *testing.F) {
	c := fuzzCodec(f)
	known := map[string]Consent{}
	for _, g := range golden {
		known[g.value] = g.want
		f.Add(g.value)
		f.Add(g.value[:len(g.value)/2])
		f.Add("00000000" + g.value[keyIDLen:])
	}
	f.Add("")
	f.Add(KeyID(pairA.Hash) + ".AAAA")
	f.Fuzz(func(t *testing.T, value string) {
		got, ki, err := c.Decode(value, fuzzNow)
		if err == nil {
			want, ok := known[value]
			if !ok {
				t.Fatalf("accepted a value no configured key produced: %q → %+v %+v", value, got, ki)
			}
			sameConsent(t, got, want)
			return
		}
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Fatalf("error %v (%T) is not a *DecodeError", err, err)
		}
		switch de.Reason {
		case ReasonMalformed, ReasonTampered, ReasonExpired, ReasonUnknownKey, ReasonFormat:
		default:
			t.Fatalf("unexpected reason %q", de.Reason)
		}
		if de.Err == nil {
			t.Fatal("DecodeError without detail")
		}
		if !isZero(got) || ki != (KeyInfo{}) {
			t.Fatalf("failed decode returned data %+v %+v", got, ki)
		}
	})
}
