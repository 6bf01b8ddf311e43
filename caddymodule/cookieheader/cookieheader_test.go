package cookieheader

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

func TestSetCookieName(t *testing.T) {
	tests := []struct {
		line string
		name string
		ok   bool
	}{
		{"_ga=GA1.2.3; Path=/; Max-Age=63072000", "_ga", true},
		{"a=b", "a", true},
		{"a=", "a", true},
		{"a==b", "a", true},
		{"  a\t = b ; Secure", "a", true},
		{".AspNetCore.Session=CfDJ8; path=/; samesite=lax; httponly", ".AspNetCore.Session", true},
		{"__Host-id=1; Secure; Path=/", "__Host-id", true},
		{`q="x;y"; Path=/`, "q", true},
		{"a=b; Expires=Wed, 21 Oct 2015 07:28:00 GMT", "a", true},
		{"abc", "", false},                    // no '=': a nameless cookie for browsers
		{"abc; a=b", "", false},               // '=' only after the first ';'
		{"=abc", "", false},                   // empty name
		{" =abc", "", false},                  // empty name after trimming
		{"", "", false},                       //
		{"a b=c", "", false},                  // space inside the name
		{"cart[1]=x", "", false},              // not a token
		{"caf\xc3\xa9=1", "", false},          // non-ASCII
		{"a=b\x00c", "", false},               // control character in the value
		{"a=b\r\nSet-Cookie: c=d", "", false}, // header injection attempt
		{"a\x7f=b", "", false},                // DEL
		{"a=b\tc", "a", true},                 // tab is not a control character here
		{`"a"=b`, "", false},                  // quotes are not token characters
	}
	for _, tt := range tests {
		name, ok := SetCookieName(tt.line)
		if name != tt.name || ok != tt.ok {
			t.Errorf("SetCookieName(%q) = %q, %v; want %q, %v", tt.line, name, ok, tt.name, tt.ok)
		}
	}
}

func TestSetCookieNameNoAlloc(t *testing.T) {
	line := "_ga_ABC123=GS1.1.1700000000.1.1.1700000000.0.0.0; Path=/; Domain=.example.com; Max-Age=63072000"
	if n := testing.AllocsPerRun(100, func() { SetCookieName(line) }); n != 0 {
		t.Fatalf("SetCookieName allocates %.1f times", n)
	}
}

type filterCase struct {
	in      string
	drop    []string
	want    string
	removed []string
}

func runFilter(in string, drop ...string) (string, []string) {
	var removed []string
	out := FilterCookieHeader(in, func(n string) bool {
		for _, d := range drop {
			if n == d {
				return false
			}
		}
		return true
	}, func(n string) { removed = append(removed, n) })
	return out, removed
}

func TestFilterCookieHeader(t *testing.T) {
	tests := []filterCase{
		{"a=1; b=2; c=3", []string{"b"}, "a=1; c=3", []string{"b"}},
		{"a=1; b=2; c=3", nil, "a=1; b=2; c=3", nil},
		{"a=1;b=2;c=3", []string{"a"}, "b=2; c=3", []string{"a"}},
		{"a=1;b=2;c=3", []string{"c"}, "a=1; b=2", []string{"c"}},
		{"a=1; b=2", []string{"a", "b"}, "", []string{"a", "b"}},
		{"", []string{"a"}, "", nil},
		{";;", []string{"a"}, ";;", nil},                                     // nothing removed: unchanged
		{" a=1 ;; ;b = 2 ;c=3;", []string{"c"}, "a=1; b = 2", []string{"c"}}, // spelling kept, empties gone
		{"a=1; _ga=GA1.2; a=2", []string{"a"}, "_ga=GA1.2", []string{"a", "a"}},
		{`q="x;y"; r=1`, []string{"r"}, `q="x; y"`, []string{"r"}}, // ';' inside quotes still splits; both halves kept
		{`q="x;y"; r=1`, []string{""}, `q="x; r=1`, []string{""}},  // `y"` has no '=': empty name
		{"novalue; a=1", []string{""}, "a=1", []string{""}},        // pair without '=' has an empty name
		{"=v; a=1", []string{""}, "a=1", []string{""}},
		{"a=1; b=x=y", []string{"a"}, "b=x=y", []string{"a"}},
		{"\ta=1\t;\tb=2", []string{"b"}, "a=1", []string{"b"}},
	}
	for _, tt := range tests {
		got, removed := runFilter(tt.in, tt.drop...)
		if got != tt.want || !reflect.DeepEqual(removed, tt.removed) {
			t.Errorf("Filter(%q, drop %q) = %q removed %q; want %q removed %q", tt.in, tt.drop, got, removed, tt.want, tt.removed)
		}
	}
}

func TestFilterUnchangedIsSameString(t *testing.T) {
	in := "a=1; ; b=2;c"
	all := func(string) bool { return true }
	out := FilterCookieHeader(in, all, nil)
	if unsafe.StringData(out) != unsafe.StringData(in) || len(out) != len(in) {
		t.Error("unchanged header was copied")
	}
	if n := testing.AllocsPerRun(100, func() { FilterCookieHeader(in, all, nil) }); n != 0 {
		t.Errorf("unchanged header: %.1f allocations", n)
	}
}

func TestFilterLargeHeader(t *testing.T) {
	// 64 KB, thousands of cookies: must stay linear (a quadratic filter
	// would take seconds here) and correct.
	var b strings.Builder
	n := 0
	for b.Len() < 64<<10 {
		if n > 0 {
			b.WriteString("; ")
		}
		b.WriteString("c")
		b.WriteString(strings.Repeat("x", n%7))
		b.WriteString("=v")
		n++
	}
	in := b.String()
	kept, dropped := 0, 0
	out := FilterCookieHeader(in, func(name string) bool {
		if len(name)%2 == 0 {
			kept++
			return true
		}
		dropped++
		return false
	}, nil)
	if kept+dropped != n || n < 5000 {
		t.Fatalf("saw %d cookies, want %d", kept+dropped, n)
	}
	if got := strings.Count(out, "="); got != kept {
		t.Errorf("output has %d cookies, want %d", got, kept)
	}
	for p := range strings.SplitSeq(out, "; ") {
		if len(pairName(p))%2 != 0 {
			t.Fatalf("dropped cookie %q in output", p)
		}
	}
}

func TestGetAndPairs(t *testing.T) {
	h := ` a=1; b="quoted" ;;c= spaced ; a=2; novalue; d=; e="`
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"a", "1", true}, // first wins
		{"b", "quoted", true},
		{"c", "spaced", true},
		{"d", "", true},
		{"e", `"`, true},
		{"novalue", "", false},
		{"", "", false},
		{"z", "", false},
	}
	for _, tt := range tests {
		got, ok := Get(h, tt.name)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Get(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	var names, values []string
	for n, v := range Pairs(h) {
		names = append(names, n)
		values = append(values, v)
	}
	if want := []string{"a", "b", "c", "a", "", "d", "e"}; !reflect.DeepEqual(names, want) {
		t.Errorf("Pairs names = %q, want %q", names, want)
	}
	if want := []string{"1", `"quoted"`, "spaced", "2", "novalue", "", `"`}; !reflect.DeepEqual(values, want) {
		t.Errorf("Pairs values = %q, want %q", values, want)
	}
	for range Pairs(h) {
		break // early exit must not panic
	}
	if n := testing.AllocsPerRun(100, func() { Get(h, "e") }); n != 0 {
		t.Errorf("Get allocates %.1f times", n)
	}
}

func TestExpire(t *testing.T) {
	const past = "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
	tests := []struct {
		name, domain, path string
		secure             bool
		want               []string
	}{
		{"_ga", "", "", false, []string{"_ga=; Path=/" + past}},
		{"_ga", ".example.com", "/", true, []string{
			"_ga=; Path=/" + past + "; Secure",
			"_ga=; Domain=.example.com; Path=/" + past + "; Secure",
		}},
		{"x", "example.com", "/shop", false, []string{
			"x=; Path=/shop" + past,
			"x=; Domain=example.com; Path=/shop" + past,
		}},
		{"__Host-id", ".example.com", "/shop", false, []string{"__Host-id=; Path=/" + past + "; Secure"}},
		{"__host-id", ".example.com", "/", false, []string{"__host-id=; Path=/" + past + "; Secure"}},
		{"__Secure-id", "", "/", false, []string{"__Secure-id=; Path=/" + past + "; Secure"}},
		{"cart[1]", "", "/", false, []string{"cart[1]=; Path=/" + past}},
		// unsafe inputs
		{"", "", "/", false, nil},
		{"a;b", "", "/", false, nil},
		{"a=b", "", "/", false, nil},
		{"a\r\nX: y", "", "/", false, nil},
		{" a", "", "/", false, nil},
		{"a", "evil.com; Path=/x", "/", false, []string{"a=; Path=/" + past}},
		{"a", "", "/x;Domain=evil.com", false, []string{"a=; Path=/" + past}},
		{"a", "", "relative", false, []string{"a=; Path=/" + past}},
	}
	for _, tt := range tests {
		got := Expire(tt.name, tt.domain, tt.path, tt.secure)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Expire(%q, %q, %q, %v) =\n %q\nwant\n %q", tt.name, tt.domain, tt.path, tt.secure, got, tt.want)
		}
	}
}

func TestExpireLinesParse(t *testing.T) {
	// Every line Expire produces must itself be a well-formed Set-Cookie for
	// a token name, naming the same cookie.
	for _, name := range []string{"_ga", "__Host-x", "__Secure-y", "PHPSESSID"} {
		for _, line := range Expire(name, ".example.com", "/p", true) {
			if n, ok := SetCookieName(line); !ok || n != name {
				t.Errorf("SetCookieName(%q) = %q, %v", line, n, ok)
			}
		}
	}
}

func TestRegistrableDomain(t *testing.T) {
	tests := map[string]string{
		"www.example.com":       "example.com",
		"example.com":           "example.com",
		"a.b.example.co.uk":     "example.co.uk",
		"WWW.Example.COM":       "example.com",
		"www.example.com:8443":  "example.com",
		"www.example.com.":      "example.com",
		"user.github.io":        "user.github.io",
		"github.io":             "",
		"co.uk":                 "",
		"com":                   "",
		"localhost":             "",
		"localhost:8080":        "",
		"app.localhost":         "",
		"intranet":              "",
		"127.0.0.1":             "",
		"127.0.0.1:80":          "",
		"[::1]:443":             "",
		"::1":                   "",
		"2001:db8::1":           "",
		"":                      "",
		"shop.example.internal": "example.internal",
	}
	for host, want := range tests {
		if got := RegistrableDomain(host); got != want {
			t.Errorf("RegistrableDomain(%q) = %q, want %q", host, got, want)
		}
	}
}

// TestFilterEmbeddedCookies: lenient server parsers read cookies separated
// by ',' (Rack 2) or whitespace (Python's SimpleCookie) inside one pair, so
// the filter classifies those too (issue 13).
func TestFilterEmbeddedCookies(t *testing.T) {
	tests := []filterCase{
		{"sessionid=a, _ga=GA1.2.3", []string{"_ga"}, "sessionid=a", []string{"_ga"}},
		{"sessionid=a _ga=GA1.2.3", []string{"_ga"}, "sessionid=a", []string{"_ga"}},
		{"sessionid=a,_ga=GA1.2.3", []string{"_ga"}, "sessionid=a", []string{"_ga"}},
		{"sessionid=a\t_ga=GA1.2.3", []string{"_ga"}, "sessionid=a", []string{"_ga"}},
		{"sessionid=a, _ga=1, lang=en", []string{"_ga"}, "sessionid=a, lang=en", []string{"_ga"}},
		{"sessionid=a, _ga=1 _fbp=2, lang=en; x=1", []string{"_ga", "_fbp"}, "sessionid=a, lang=en; x=1", []string{"_ga", "_fbp"}},
		{"x=1; sessionid=a, _ga=1", []string{"_ga"}, "x=1; sessionid=a", []string{"_ga"}},
		// Allowed embedded cookies and values with separators but no
		// "name=" stay byte for byte.
		{"sessionid=a, lang=en", []string{"_ga"}, "sessionid=a, lang=en", nil},
		{`j={"a":1, "b":2}; _ga=1`, []string{"_ga"}, `j={"a":1, "b":2}`, []string{"_ga"}},
		{"d=Wed, 21 Oct 2015; _ga=1", []string{"_ga"}, "d=Wed, 21 Oct 2015", []string{"_ga"}},
		// A refused pair goes whole; its embedded cookies are not asked about.
		{"_ga=1, sessionid=a", []string{"_ga"}, "", []string{"_ga"}},
		// Base64 padding after a space is read as a cookie, like the lenient
		// parsers do.
		{"t=abc d==", []string{"d"}, "t=abc", []string{"d"}},
		{"t=abc ==", []string{""}, "t=abc ==", nil},
	}
	for _, tt := range tests {
		got, removed := runFilter(tt.in, tt.drop...)
		if got != tt.want || !reflect.DeepEqual(removed, tt.removed) {
			t.Errorf("Filter(%q, drop %q) = %q removed %q; want %q removed %q", tt.in, tt.drop, got, removed, tt.want, tt.removed)
		}
	}
	// keep is asked about embedded names, in order, after the pair's own.
	var asked []string
	FilterCookieHeader("s=1, a=2 b=3; c=4", func(n string) bool { asked = append(asked, n); return true }, nil)
	if want := []string{"s", "a", "b", "c"}; !reflect.DeepEqual(asked, want) {
		t.Errorf("asked %q, want %q", asked, want)
	}
	// Unchanged headers with separators inside values are not copied.
	in := "sessionid=a, lang=en; d=Wed, 21 Oct"
	if n := testing.AllocsPerRun(100, func() { FilterCookieHeader(in, func(string) bool { return true }, nil) }); n != 0 {
		t.Errorf("unchanged header with embedded cookies: %.1f allocations", n)
	}
}
