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
		// Path-relative "*/" entries at a value's start, however quoted.
		{`<img src="matomo.php?idsite=1">`, true},
		{`<img src=matomo.php>`, true},
		{`<img src = ' "matomo.php'>`, true},
		{`<img alt="" src='matomo.php'>`, true},
		{`<img src="xmatomo.php" alt=matomo>`, false},
	} {
		if got := n.m.rawMayMatch([]byte(c.raw)); got != c.want {
			t.Errorf("rawMayMatch(%s) = %v, want %v", c.raw, got, c.want)
		}
	}
}

// TestWalkIndex: the direct-mapped suffix index answers exactly as the
// maps for every suffix it holds and for suffixes it does not.
func TestWalkIndex(t *testing.T) {
	n, err := NewNeutralizer(Presets(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := n.m
	if len(m.walkList) < 100 {
		t.Fatalf("walkList has %d entries", len(m.walkList))
	}
	shared := 0
	for k, w := range m.walk {
		gw, rules := m.walkGet(suffixHash(k), []byte(k))
		if gw != w || len(rules) != len(m.hosts[k]) || w&walkKey == 0 && rules != nil {
			t.Errorf("walkGet(%q) = %d, %d rules; want %d, %d", k, gw, len(rules), w, len(m.hosts[k]))
		}
		if m.walkIdx[walkBit(suffixHash(k))] == walkShared {
			shared++
		}
	}
	if shared > len(m.walk)/4 {
		t.Errorf("%d of %d suffixes share a slot", shared, len(m.walk))
	}
	for _, s := range []string{".example", ".co", "example.com", ".googl-analytics.com", "x", ".com."} {
		if _, ok := m.walk[s]; ok {
			continue
		}
		if w, rules := m.walkGet(suffixHash(s), []byte(s)); w != 0 || rules != nil {
			t.Errorf("walkGet(%q) = %d, %v for a suffix not in walk", s, w, rules)
		}
	}
}
