package banner

import (
	"bytes"
	"io"
	"sync"
	"testing"
)

func benchView() View {
	v := testView()
	v.Lang = "de"
	return v
}

func BenchmarkBanner(b *testing.B) {
	r := newRenderer(b, Config{SettingsControl: true, NoticeURL: "/cookies"})
	v := benchView()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := r.Banner(&buf, v); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

func BenchmarkSettingsControl(b *testing.B) {
	r := newRenderer(b, Config{SettingsControl: true})
	v := benchView()
	v.HasConsent = true
	b.ReportAllocs()
	for b.Loop() {
		if err := r.SettingsControl(io.Discard, v); err != nil {
			b.Fatal(err)
		}
	}
}

// The template executed on every call, for comparison (operator templates
// take this path).
func BenchmarkBannerTemplate(b *testing.B) {
	r := newRenderer(b, Config{SettingsControl: true, NoticeURL: "/cookies"})
	v := benchView()
	b.ReportAllocs()
	for b.Loop() {
		if err := r.execute(io.Discard, "banner", r.data(r.lang(v.Lang), &v, true)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNegotiate(b *testing.B) {
	r := newRenderer(b, Config{})
	b.ReportAllocs()
	for b.Loop() {
		r.Negotiate("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5")
	}
}

func TestBannerAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	r := newRenderer(t, Config{SettingsControl: true})
	v := benchView()
	var buf bytes.Buffer
	r.Banner(&buf, v) // fill the cache
	buf.Grow(16 << 10)
	allocs := testing.AllocsPerRun(200, func() {
		buf.Reset()
		r.Banner(&buf, v)
	})
	if allocs > 1 {
		t.Errorf("Banner allocates %.1f times per call, want ≤ 1", allocs)
	}
}

func TestConcurrentRendering(t *testing.T) {
	r := newRenderer(t, Config{SettingsControl: true})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				v := benchView()
				v.Return = "/p/" + string(rune('a'+i%26))
				v.HasConsent = i%3 == 0
				v.Categories[2].Granted = i%2 == 0
				v.Lang = []string{"de", "en", "fr"}[(g+i)%3]
				var fast, slow bytes.Buffer
				if err := r.Banner(&fast, v); err != nil {
					t.Error(err)
					return
				}
				r.execute(&slow, "banner", r.data(r.lang(v.Lang), &v, true))
				if fast.String() != slow.String() {
					t.Error("concurrent fast path differs from the template")
					return
				}
			}
		}()
	}
	wg.Wait()
}
