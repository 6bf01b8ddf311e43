package trackers

import (
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// naiveSigs returns the vendors (sorted, once each) one of whose
// normalized signatures occurs in the normalized text.
func naiveSigs(vendors []Vendor, text []byte) []int {
	nt := normalizeSignature(string(text))
	var got []int
	for i, v := range vendors {
		for _, s := range v.InlineSignatures {
			if n := normalizeSignature(s); n != "" && strings.Contains(nt, n) {
				got = append(got, i)
				break
			}
		}
	}
	return got
}

// TestSigScanTable: the automaton's encoded table reports the vendors a
// plain substring search finds, on every preset signature
// (with its case changed, spaces and backslashes added) and on random
// mixes of their bytes.
func TestSigScanTable(t *testing.T) {
	vendors := Presets()
	m := newSigMatcher(vendors)
	var texts [][]byte
	var pool []byte
	for _, v := range vendors {
		for _, s := range v.InlineSignatures {
			texts = append(texts, []byte(s))
			var b []byte
			for i := 0; i < len(s); i++ {
				c := s[i]
				if 'a' <= c && c <= 'z' {
					c -= 'a' - 'A'
				}
				b = append(b, c, " \\\n"[i%3])
			}
			texts = append(texts, b)
			pool = append(pool, s...)
		}
	}
	if len(pool) == 0 {
		t.Fatal("no signatures")
	}
	rnd := rand.New(rand.NewSource(1))
	for range 300 {
		b := make([]byte, rnd.Intn(400))
		for i := range b {
			if rnd.Intn(8) == 0 {
				b[i] = byte(rnd.Intn(256))
			} else {
				b[i] = pool[rnd.Intn(len(pool))]
			}
		}
		texts = append(texts, b)
	}
	hits := 0
	for _, text := range texts {
		var got []int
		m.scan(text, func(v int) {
			if !slices.Contains(got, v) {
				got = append(got, v)
			}
		})
		slices.Sort(got)
		want := naiveSigs(vendors, text)
		if !slices.Equal(got, want) {
			t.Fatalf("scan(%q) = %v, want %v", text, got, want)
		}
		hits += len(want)
	}
	if hits < len(texts)/3 {
		t.Fatalf("only %d hits over %d texts", hits, len(texts))
	}
}
