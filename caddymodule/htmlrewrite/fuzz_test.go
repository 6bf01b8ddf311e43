package htmlrewrite

import (
	"bytes"
	"testing"
)

// FuzzSplitInvariance checks, for any document and any way of splitting it
// into writes: no panic, the output equals the single-write output, and the
// output minus the inserted snippets is the input. It also checks the
// banner placement against x/net/html (see checkPlacement), and that
// DocumentOnly either changes nothing or gives the same output. cuts encodes the chunk
// sizes (each byte is one chunk size, 0 meaning 1).
func FuzzSplitInvariance(f *testing.F) {
	for _, c := range tableCases {
		f.Add([]byte(c.in), []byte{1, 3, 7, 2})
	}
	f.Fuzz(func(t *testing.T, doc, cuts []byte) {
		var sizes []int
		for _, c := range cuts {
			sizes = append(sizes, max(1, int(c)))
		}
		// DocumentOnly: the input unchanged, or the full output.
		opts := testOpts()
		full := run(t, doc, opts)
		opts.DocumentOnly = true
		whole, split := run(t, doc, opts), run(t, doc, opts, sizes...)
		if !bytes.Equal(whole.out, split.out) || whole.head != split.head || whole.body != split.body {
			t.Fatalf("DocumentOnly split %v:\n got %q\nwant %q", sizes, split.out, whole.out)
		}
		if !bytes.Equal(whole.out, doc) && !bytes.Equal(whole.out, full.out) {
			t.Fatalf("DocumentOnly: %q is neither the input nor %q", whole.out, full.out)
		}
		// A TagSkipper answering for RewriteTag changes nothing.
		{
			opts := testOpts()
			opts.MaxHold = 48
			opts.Tags = &oversizeRewriter{}
			want := run(t, doc, opts)
			opts.Tags = &skipRewriter{}
			if got := run(t, doc, opts); !bytes.Equal(got.out, want.out) {
				t.Fatalf("TagSkipper:\n got %q\nwant %q", got.out, want.out)
			}
		}
		for _, tags := range []TagRewriter{nil, &fakeRewriter{}, &oversizeRewriter{}, &filterRewriter{}, &skipRewriter{}} {
			opts := testOpts()
			opts.Tags = tags
			opts.MaxHold = 48
			whole := run(t, doc, opts)
			split := run(t, doc, opts, sizes...)
			if !bytes.Equal(whole.out, split.out) || whole.head != split.head || whole.body != split.body {
				t.Fatalf("split %v:\n got %q\nwant %q", sizes, split.out, whole.out)
			}
			if tags == nil {
				checkRemoval(t, doc, whole, opts)
				if whole.body && !whole.head {
					t.Fatal("body inserted without head")
				}
				if msg := checkPlacement(doc, whole); !whole.disabled && msg != "" && msg != noBodyMsg && msg != refusedMsg {
					t.Fatal(msg)
				}
			}
		}
	})
}
