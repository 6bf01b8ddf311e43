package audit

import (
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The remembered answers are the computed ones, whatever collides in the
// table, concurrently (run with -race), and for long User-Agents.
func TestBrowserFamilyCached(t *testing.T) {
	uas := []string{"curl/8", "Go-http-client/1.1", strings.Repeat("x", 600) + " Firefox/1", "Mozilla Edg/1 Chrome/2"}
	for i := range 300 {
		n := strconv.Itoa(i)
		uas = append(uas, "Mozilla/5.0 Chrome/"+n+" Safari/1", "Mozilla/5.0 rv:"+n+" Firefox/"+n, "agent"+n, "crawler"+n)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				for _, ua := range uas {
					if got, want := BrowserFamily(ua), browserFamily(ua); got != want {
						t.Errorf("%q: %q, want %q", ua, got, want)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

const chromeUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"

func BenchmarkBrowserFamily(b *testing.B) {
	for b.Loop() {
		BrowserFamily(chromeUA)
	}
}

func BenchmarkBrowserFamilyUncached(b *testing.B) {
	for b.Loop() {
		browserFamily(chromeUA)
	}
}
