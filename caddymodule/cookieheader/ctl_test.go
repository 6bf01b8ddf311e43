package cookieheader

import (
	"math/rand/v2"
	"testing"
)

// hasCTL (eight bytes at a time) agrees with the byte-by-byte check for
// every byte value at every position of lines of every length up to 40.
func TestHasCTLAgreesWithBytewise(t *testing.T) {
	base := []byte("_ga=GA1.1.1234567890.1700000000; Path=/;")
	for n := 0; n <= len(base); n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				b := append([]byte(nil), base[:n]...)
				b[pos] = byte(c)
				if got, want := hasCTL(string(b)), ctlIn(string(b)); got != want {
					t.Fatalf("%q: hasCTL %v, bytewise %v", b, got, want)
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, r.IntN(64))
		for i := range b {
			b[i] = byte(r.IntN(256))
			if r.IntN(4) != 0 {
				b[i] = byte(0x20 + r.IntN(0x5f))
			}
		}
		if got, want := hasCTL(string(b)), ctlIn(string(b)); got != want {
			t.Fatalf("%q: hasCTL %v, bytewise %v", b, got, want)
		}
	}
}
