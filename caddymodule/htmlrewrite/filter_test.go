package htmlrewrite

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// filterRewriter is oversizeRewriter (img and script wanted, img with
// "track" rewritten, oversized tags marked) with a TagFilter: an img is
// only given to RewriteTag when it contains "ping" in some case.
type filterRewriter struct {
	oversizeRewriter
	tags []string // the tags RewriteTag received
}

func (f *filterRewriter) TagNeeds(name string) string {
	if name == "img" {
		return "ping"
	}
	return ""
}

func (f *filterRewriter) RewriteTag(name string, raw []byte) []byte {
	f.tags = append(f.tags, string(raw))
	return f.oversizeRewriter.RewriteTag(name, raw)
}

func TestTagFilter(t *testing.T) {
	long := strings.Repeat("x", 60)
	in := `<body><img src=track.gif><IMG PiNg=1 src=track.gif><img alt="ping" src=/a>` +
		`<img title=` + long + ` src=/b><script src=t.js></script><a ping=x></a>`
	want := `<body><img src=track.gif><img data-blocked PiNg=1 src=track.gif><img alt="ping" src=/a>` +
		`<img data-oversized title=` + long + ` src=/b><script src=t.js></script><a ping=x></a>`
	wantTags := []string{`<IMG PiNg=1 src=track.gif>`, `<img alt="ping" src=/a>`, `<script src=t.js>`}
	for _, sizes := range [][]int{nil, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {9, 20, 30, 7}} {
		f := &filterRewriter{}
		opts := testOpts()
		opts.Tags = f
		opts.MaxHold = 64
		got := run(t, []byte(in), opts, sizes...)
		if g := strings.Replace(string(got.out), testHead, "", 1); strings.Replace(g, testBanner, "", 1) != want {
			t.Errorf("split %v:\n got %q\nwant %q", sizes, got.out, want)
		}
		if strings.Join(f.tags, "|") != strings.Join(wantTags, "|") {
			t.Errorf("split %v: RewriteTag got %q, want %q", sizes, f.tags, wantTags)
		}
		if strings.Join(f.calls, "|") != "img" {
			t.Errorf("split %v: OversizedTag calls %q, want [img]", sizes, f.calls)
		}
	}
}

func TestHasFold(t *testing.T) {
	for _, c := range []struct {
		b    string
		want bool
	}{{"", false}, {"pin", false}, {"ping", true}, {"xPINGx", true}, {"pIn g", false}, {"ppinG", true}, {"\xd0ING", false}, {"xxP", false}, {"pinP", false}, {"pinPinG", true}, {"PIN", false}} {
		if got := hasFold([]byte(c.b), "ping"); got != c.want {
			t.Errorf("hasFold(%q) = %v", c.b, got)
		}
	}
}

// hasFold agrees with a plain case-folding search on tags of every length
// (the word-at-a-time part and the tail), with bytes that fold to the
// word's letters only when they are those letters.
func TestHasFoldAgainstReference(t *testing.T) {
	ref := func(b []byte, w string) bool {
		for k := 0; k+len(w) <= len(b); k++ {
			if strings.EqualFold(string(b[k:k+len(w)]), w) && isASCII(b[k:k+len(w)]) {
				return true
			}
		}
		return false
	}
	alphabet := []byte("pPiInNgG x\x50\x70\xd0\xf0\x10\x30=\"")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, rng.IntN(41))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		if got, want := hasFold(b, "ping"), ref(b, "ping"); got != want {
			t.Fatalf("hasFold(%q) = %v, want %v", b, got, want)
		}
	}
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// TestNameCacheShared: names sharing a cache slot (ul and h1, p and svg)
// are both kept, and every lookup returns its own name's entry.
func TestNameCacheShared(t *testing.T) {
	if nameSlot([]byte("ul")) != nameSlot([]byte("h1")) || nameSlot([]byte("p")) != nameSlot([]byte("svg")) {
		t.Skip("the slot hash changed: pick other colliding names")
	}
	r := New(nil, Options{Tags: &fakeRewriter{}})
	for range 3 {
		for _, n := range []string{"ul", "h1", "UL", "H1", "p", "svg", "img", "P", "SVG"} {
			e := r.lookupRaw([]byte(n))
			if e.name != strings.ToLower(n) {
				t.Fatalf("lookupRaw(%q) = %q", n, e.name)
			}
			if want := n == "img"; e.flags&fWanted != 0 != want {
				t.Fatalf("lookupRaw(%q) wanted = %v", n, !want)
			}
			if want := n == "svg" || n == "SVG"; e.flags&fStartMatters != 0 != want {
				t.Fatalf("lookupRaw(%q) start matters = %v", n, !want)
			}
		}
	}
	if e := &r.nameCache[nameSlot([]byte("ul"))^1]; e.name != "ul" && e.name != "h1" {
		t.Errorf("ul and h1 do not share slots: neighbour holds %q", e.name)
	}
}
