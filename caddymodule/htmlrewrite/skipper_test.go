package htmlrewrite

import (
	"bytes"
	"strings"
	"testing"
)

// skipRewriter is oversizeRewriter with a TagSkipper that answers for
// RewriteTag exactly: an <img> without "track" is left unchanged.
type skipRewriter struct {
	oversizeRewriter
	skipped []string // the tags SkipTag passed over
	tags    []string // the tags RewriteTag received
	lie     bool     // skip every <img> (to show SkipTag's answer is used)
}

func (s *skipRewriter) SkipTag(name string, raw []byte) bool {
	if name == "img" && (s.lie || !bytes.Contains(raw, []byte("track"))) {
		s.skipped = append(s.skipped, string(raw))
		return true
	}
	return false
}

func (s *skipRewriter) RewriteTag(name string, raw []byte) []byte {
	s.tags = append(s.tags, string(raw))
	return s.oversizeRewriter.RewriteTag(name, raw)
}

func TestTagSkipper(t *testing.T) {
	long := strings.Repeat("x", 60)
	in := `<body><img src=a.gif><IMG src=track.gif><img alt=">" src='/b'/>` +
		`<img title=` + long + ` src=/c><script src=t.js></script><svg><img src=d></svg><img src=e>`
	want := `<body><img src=a.gif><img data-blocked src=track.gif><img alt=">" src='/b'/>` +
		`<img data-oversized title=` + long + ` src=/c><script src=t.js></script><svg><img src=d></svg><img src=e>`
	for _, sizes := range [][]int{nil, {1}, {9, 20, 30, 7}, {3, 5}} {
		if len(sizes) == 1 {
			sizes = nil
			for range in {
				sizes = append(sizes, 1)
			}
		}
		s := &skipRewriter{}
		opts := testOpts()
		opts.Tags = s
		opts.MaxHold = 64
		got := run(t, []byte(in), opts, sizes...)
		if g := strings.Replace(string(got.out), testHead, "", 1); strings.Replace(g, testBanner, "", 1) != want {
			t.Errorf("split %v:\n got %q\nwant %q", sizes, got.out, want)
		}
		// Every img is either skipped or rewritten, never both, and
		// SkipTag sees the same bytes RewriteTag would.
		for _, k := range s.skipped {
			for _, r := range s.tags {
				if k == r {
					t.Errorf("split %v: %q both skipped and rewritten", sizes, k)
				}
			}
		}
		if sizes == nil {
			// <body>'s insertion point comes first; then the plain imgs
			// outside foreign content are skipped, the one inside <svg> is not.
			wantSkipped := []string{`<img src=a.gif>`, `<img alt=">" src='/b'/>`, `<img src=e>`}
			if strings.Join(s.skipped, "|") != strings.Join(wantSkipped, "|") {
				t.Errorf("SkipTag passed over %q, want %q", s.skipped, wantSkipped)
			}
		}
		if strings.Join(s.calls, "|") != "img" {
			t.Errorf("split %v: OversizedTag calls %q, want [img]", sizes, s.calls)
		}
	}
	// A TagSkipper that skips a tag RewriteTag would change: its answer is
	// taken (the tag passes unchanged) when the tag is complete in one write.
	s := &skipRewriter{lie: true}
	opts := testOpts()
	opts.Tags = s
	got := run(t, []byte(`<body><p>x</p><img src=track.gif>`), opts)
	if !bytes.Contains(got.out, []byte(`<img src=track.gif>`)) || len(s.tags) != 0 {
		t.Errorf("SkipTag's answer ignored: %q, RewriteTag got %q", got.out, s.tags)
	}
}
