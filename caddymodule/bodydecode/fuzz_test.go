package bodydecode

import (
	"bytes"
	"testing"
)

// FuzzSplitInvariance: for any body, decoding it whole, byte by byte and
// cut in two gives the same class and the same output; ErrUndecodable
// keeps every byte; nothing panics.
func FuzzSplitInvariance(f *testing.F) {
	for _, c := range decodeCases(f) {
		if len(c.body) < 4096 {
			f.Add(c.body, uint16(len(c.body)/2), c.enc == "zstd")
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, cut uint16, isZstd bool) {
		enc := "gzip"
		if isZstd {
			enc = "zstd"
		}
		whole := run(t, enc, body, nil, Options{})
		at := int(cut) % (len(body) + 1)
		for _, sizes := range [][]int{{at}, chunkings(len(body))[1]} {
			got := run(t, enc, body, sizes, Options{})
			if class(got.err) != class(whole.err) || !bytes.Equal(got.out, whole.out) {
				t.Fatalf("chunks %v: %v, %d bytes; whole: %v, %d bytes", short(sizes), got.err, len(got.out), whole.err, len(whole.out))
			}
		}
	})
}
