package audit

import "testing"

func TestAnonymizeIP(t *testing.T) {
	for _, c := range []struct {
		in           string
		bits4, bits6 int
		want         string
	}{
		{"203.0.113.77:5123", 24, 48, "203.0.113.0/24"},
		{"203.0.113.77", 24, 48, "203.0.113.0/24"},
		{"[2001:db8:1234:5678::1]:443", 24, 48, "2001:db8:1234::/48"},
		{"::ffff:198.51.100.9", 24, 48, "198.51.100.0/24"},
		{"198.51.100.9:1", 32, 128, "198.51.100.9/32"},
		{"198.51.100.9:1", 0, 0, ""},
		{"not-an-ip", 24, 48, ""},
	} {
		if got := AnonymizeIP(c.in, c.bits4, c.bits6); got != c.want {
			t.Errorf("AnonymizeIP(%q, %d, %d) = %q, want %q", c.in, c.bits4, c.bits6, got, c.want)
		}
	}
}

func TestBrowserFamily(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36":              "Chrome",
		"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0":                                             "Firefox",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15": "Safari",
		"Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0":          "Edge",
		"Googlebot/2.1 (+http://www.google.com/bot.html)":                                                                    "bot",
		"curl/8.5.0": "curl",
		"":           "",
		"whatever":   "other",
	} {
		if got := BrowserFamily(ua); got != want {
			t.Errorf("BrowserFamily(%q) = %q, want %q", ua, got, want)
		}
	}
}
