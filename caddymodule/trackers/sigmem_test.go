package trackers

import (
	"runtime"
	"strings"
	"testing"
)

// TestSigMatcherSize: for the default presets, newSigMatcher retains
// about 165 KB (a full transition table took 0.9 MB) and allocates about
// 390 KB while building (3.1 MB before); bounds leave room for more presets.
func TestSigMatcherSize(t *testing.T) {
	vendors := Presets()
	const runs = 8
	ms := make([]*sigMatcher, 0, runs)
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	for range runs {
		ms = append(ms, newSigMatcher(vendors))
	}
	runtime.ReadMemStats(&ms1)
	alloc := (ms1.TotalAlloc - ms0.TotalAlloc) / runs
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	retained := (int64(ms1.HeapAlloc) - int64(ms0.HeapAlloc)) / runs
	runtime.KeepAlive(ms)
	m := ms[0]
	t.Logf("classes=%d depth=%d rows=%d deep nodes=%d retained=%d allocated=%d", m.nclass, m.depth, int(m.lim)/int(m.ncol)+len(m.deepOf), len(m.deep), retained, alloc)
	if retained > 300<<10 || alloc > 1<<20 {
		t.Errorf("newSigMatcher retains %d B, allocates %d B; want <= 300 KiB, <= 1 MiB", retained, alloc)
	}
}

// sigBenchText is ~64 KB of inline script: first-party application code
// (URLs, window.*, push calls, quotes, whitespace) with the snippets of the
// vendor table mixed in every few KB.
func sigBenchText() []byte {
	app := `
  (function(w, d) {
    "use strict";
    var cfg = window.shopConfig || {}, api = "https://shop.example.com/api/v2/";
    function track(ev, data) { window.appEvents = window.appEvents || []; window.appEvents.push({event: ev, data: data}); }
    d.addEventListener('DOMContentLoaded', function () {
      var btns = d.querySelectorAll('.add-to-cart, [data-action="buy"]');
      for (var i = 0; i < btns.length; i++) {
        btns[i].addEventListener("click", function (e) { fetch(api + 'cart?sku=' + e.target.dataset.sku, {method: 'POST', credentials: "same-origin"}).then(function (r) { return r.json(); }); track('add', e.target.dataset); });
      }
      var img = new Image(); img.src = '/static/img/logo.png?v=' + cfg.version;
    });
  })(window, document);
`
	var b []byte
	for i := 0; len(b) < 64<<10; i++ {
		b = append(b, app...)
		s := vendorSnippets[i%len(vendorSnippets)].html
		if j := strings.IndexByte(s, '>'); j >= 0 && strings.HasPrefix(s, "<script>") {
			s = strings.TrimSuffix(s[j+1:], "</script>")
		}
		b = append(b, s...)
	}
	return b
}

// BenchmarkSigScan: the signature automaton alone over inline script text.
func BenchmarkSigScan(b *testing.B) {
	m := newSigMatcher(Presets())
	text := sigBenchText()
	n := 0
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		m.scan(text, func(int) { n++ })
	}
	if n == 0 {
		b.Fatal("no hits")
	}
}
