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

// TestSigScanTruncated: with the table cut at every depth (small budgets),
// the table plus the sparse trie below it report exactly what a substring
// search finds, on overlapping signatures over a tiny alphabet (prefixes,
// suffixes and repeats of one another, longer than the table's depth) and
// on texts with case changes and ignored bytes inside matches.
func TestSigScanTruncated(t *testing.T) {
	rnd := rand.New(rand.NewSource(2))
	word := func(alpha string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alpha[rnd.Intn(len(alpha))]
		}
		return string(b)
	}
	var vendors []Vendor
	for i := range 12 {
		v := Vendor{Name: "v" + string(rune('a'+i))}
		for range 1 + rnd.Intn(4) {
			v.InlineSignatures = append(v.InlineSignatures, word("ab'c", 1+rnd.Intn(14)))
		}
		vendors = append(vendors, v)
	}
	vendors[0].InlineSignatures = append(vendors[0].InlineSignatures, "abababababab", "a b\\A")
	vendors[1].InlineSignatures = append(vendors[1].InlineSignatures, "bababa", "BABABABABABABABABA")
	full := newSigMatcher(vendors)
	seen := map[int]bool{}
	for _, entries := range []int{1, 40, 80, 160, 320, 640, 1 << 16} {
		m := newSigMatcherSized(vendors, entries)
		seen[m.depth] = true
		for range 400 {
			text := []byte(word("abAB'\"` \\\nc.", rnd.Intn(120)))
			var got []int
			m.scan(text, func(v int) {
				if !slices.Contains(got, v) {
					got = append(got, v)
				}
			})
			slices.Sort(got)
			if want := naiveSigs(vendors, text); !slices.Equal(got, want) {
				t.Fatalf("entries %d depth %d: scan(%q) = %v, want %v", entries, m.depth, text, got, want)
			}
		}
	}
	if len(seen) < 5 || !seen[1] || !seen[full.depth] {
		t.Fatalf("depths covered: %v (full %d)", seen, full.depth)
	}
	if full.depth != 18 || len(full.deep) != 0 {
		t.Fatalf("full table: depth %d, %d sparse nodes", full.depth, len(full.deep))
	}
}

// TestSigScanNone: no signature, no table, nothing reported.
func TestSigScanNone(t *testing.T) {
	m := newSigMatcher([]Vendor{{Name: "x", InlineSignatures: []string{" \\ "}}})
	if m.next != nil {
		t.Fatal("table built without signatures")
	}
	m.scan([]byte("anything"), func(int) { t.Fatal("reported") })
}
