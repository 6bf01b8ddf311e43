package trackers

import "testing"

// TestRawPrefilterShortcuts: the pre-filter's fast paths (plain host read
// once, Bloom filter of host suffixes, dotless authorities) give the same
// answers as the full reading.
func TestRawPrefilterShortcuts(t *testing.T) {
	n, err := NewNeutralizer(Presets(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		raw  string
		want bool
	}{
		{`<img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7" alt="">`, false},
		{`<img src="https://images.example-cdn.com/brot.jpg" srcset="https://images.example-cdn.com/brot@2x.jpg 2x">`, false},
		{`<img src="https://www.google-analytics.com/collect?v=1">`, true},
		{`<img src="https://WWW.Google-Analytics.COM/collect?v=1">`, true},
		{`<img src="//www.google-analytics%2Ecom/collect">`, true},
		{`<img src=//www.facebook.com/tr?id=1>`, true},
		{`<script src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>`, true},
		{`<img src="https://user@www.google-analytics.com/collect">`, true},
		{`<img src="https://unknown.example/collect">`, false},
	} {
		if got := n.m.rawMayMatch([]byte(c.raw)); got != c.want {
			t.Errorf("rawMayMatch(%s) = %v, want %v", c.raw, got, c.want)
		}
	}
}
