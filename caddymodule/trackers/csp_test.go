package trackers

import (
	"slices"
	"testing"
)

func TestRemoveHosts(t *testing.T) {
	ga := []string{".google-analytics.com", ".analytics.google.com", "www.googletagmanager.com"}
	for _, c := range []struct {
		name, in string
		hosts    []string
		want     string
	}{
		{"exact and wildcard", "script-src 'self' https://www.googletagmanager.com; connect-src 'self' https://*.google-analytics.com region1.google-analytics.com:443 *.analytics.google.com",
			ga, "script-src 'self'; connect-src 'self'"},
		{"empty becomes none", "img-src https://www.google-analytics.com; style-src 'self'",
			ga, "img-src 'none'; style-src 'self'"},
		{"other directives untouched", "style-src https://www.google-analytics.com; font-src https://www.googletagmanager.com",
			ga, "style-src https://www.google-analytics.com; font-src https://www.googletagmanager.com"},
		{"broad sources kept", "default-src 'self' https: * https://* *.google.com data:",
			[]string{"www.google.com", ".google-analytics.com"}, "default-src 'self' https: * https://* *.google.com data:"},
		{"suffix does not cover parent wildcard", "connect-src https://*.google.com",
			[]string{".analytics.google.com"}, "connect-src https://*.google.com"},
		{"exact host does not cover wildcard", "connect-src *.google-analytics.com",
			[]string{"www.google-analytics.com"}, "connect-src *.google-analytics.com"},
		{"path and case", "frame-src HTTPS://WWW.YOUTUBE.COM/embed/ 'self'",
			[]string{".youtube.com"}, "frame-src 'self'"},
		{"nonce and strict-dynamic kept", "script-src 'nonce-abc' 'strict-dynamic' https://connect.facebook.net",
			[]string{"connect.facebook.net"}, "script-src 'nonce-abc' 'strict-dynamic'"},
		{"spacing of unchanged directives kept", "default-src  'self' ;  img-src\thttps://x.example https://bat.bing.com ;report-uri /csp",
			[]string{"bat.bing.com"}, "default-src  'self' ;  img-src https://x.example ;report-uri /csp"},
		{"several policies", "img-src https://bat.bing.com, img-src 'self' https://bat.bing.com",
			[]string{"bat.bing.com"}, "img-src 'none', img-src 'self'"},
		{"host patterns given with scheme and wildcard", "connect-src https://snap.licdn.com https://px.ads.linkedin.com",
			[]string{"https://*.ads.linkedin.com", "snap.licdn.com"}, "connect-src 'none'"},
		{"no change returns input", "default-src 'self'", ga, "default-src 'self'"},
		{"directive name case", "IMG-SRC https://www.google-analytics.com 'self'", ga, "IMG-SRC 'self'"},
		{"all fetch directives", "script-src-elem a.hotjar.com; child-src a.hotjar.com; default-src a.hotjar.com 'self'",
			[]string{".hotjar.com"}, "script-src-elem 'none'; child-src 'none'; default-src 'self'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := RemoveHosts(c.in, c.hosts); got != c.want {
				t.Errorf("\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestCSPHosts(t *testing.T) {
	ps := Presets()
	hosts := CSPHosts(ps, allowOnly("analytics"))
	has := func(h string) bool {
		for _, x := range hosts {
			if x == h {
				return true
			}
		}
		return false
	}
	for _, h := range []string{"connect.facebook.net", ".doubleclick.net", "snap.licdn.com"} {
		if !has(h) {
			t.Errorf("advertising refused: %s missing from %q", h, hosts)
		}
	}
	// Path-restricted hosts are shared with other uses; analytics hosts allowed.
	for _, h := range []string{"www.facebook.com", "www.google.com", ".google-analytics.com", "www.googletagmanager.com", ".hubspot.com"} {
		if has(h) {
			t.Errorf("%s must not be removed (%q)", h, hosts)
		}
	}
	// Analytics refused, advertising allowed: googletagmanager also serves
	// the allowed Google Ads tag, so it stays.
	hosts = CSPHosts(ps, allowOnly("advertising"))
	for _, x := range hosts {
		if x == "www.googletagmanager.com" {
			t.Error("googletagmanager removed although Google Ads is allowed")
		}
	}
	hosts = CSPHosts(ps, allowNone)
	if !containsString(hosts, "www.googletagmanager.com") || !containsString(hosts, ".google-analytics.com") {
		t.Errorf("nothing allowed: %q", hosts)
	}
	policy := "script-src 'self' https://www.googletagmanager.com https://cdn.example.com; connect-src 'self' https://*.google-analytics.com"
	if got := RemoveHosts(policy, hosts); got != "script-src 'self' https://cdn.example.com; connect-src 'self'" {
		t.Errorf("RemoveHosts(CSPHosts) = %q", got)
	}
}

func containsString(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// The Neutralizer's CSPHosts, cached per set of allowed categories, gives
// what the uncached computation gives, for each set and again on reuse.
func TestNeutralizerCSPHostsCached(t *testing.T) {
	n := presetNeutralizer(t, Options{})
	for _, allowed := range []func(string) bool{allowNone, allowOnly("analytics"), allowOnly("advertising"), allowOnly("analytics", "advertising", "functional"), allowNone} {
		want := CSPHosts(n.vendors, allowed)
		for range 2 {
			if got := n.CSPHosts(allowed); !slices.Equal(got, want) {
				t.Fatalf("cached CSPHosts differ:\n got %v\nwant %v", got, want)
			}
		}
	}
	if len(n.CSPHosts(allowNone)) == 0 || len(n.CSPHosts(allowOnly("analytics"))) >= len(n.CSPHosts(allowNone)) {
		t.Error("allowing analytics should keep some hosts in the policy")
	}
}
