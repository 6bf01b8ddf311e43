package cookieheader

import (
	"regexp"
	"strings"
	"testing"
	"unsafe"
)

// embeddedRE finds the cookies embedded in a value: separators, a name
// token and '=' (see FilterCookieHeader).
var embeddedRE = regexp.MustCompile("[, \t]+[!#$%&'*+\\-.^_`|~0-9A-Za-z]+=")

// FuzzFilterCookieHeader checks FilterCookieHeader against a plain
// strings.Split and regexp model: the output holds exactly the kept cookies
// in order (embedded ones included), removed gets exactly the dropped names,
// and with nothing dropped the input comes back as the same string.
func FuzzFilterCookieHeader(f *testing.F) {
	for _, s := range []string{
		"", "a=1", "a=1; b=2; c=3", " a=1 ;; ;b = 2 ;c=3;", ";;", "novalue; =x; a=b=c",
		`q="x;y"; r=1`, "\ta=1\t;\tb", "_ga=GA1.2.3; _gid=GA1.2.4; PHPSESSID=abc",
		"sessionid=a, _ga=GA1.2.3", "sessionid=a _ga=GA1.2.3", "s=a,_ga=1, lang=en\t_fbp=2",
		"s=a, ,x y=1 ,, z==", "s=a,=b, c", "a=1,b=2;c=3 d=4; e", `j={"a":1, "b":2}`,
	} {
		f.Add(s, uint8(0x5a))
	}
	f.Fuzz(func(t *testing.T, v string, mask uint8) {
		// keep is a deterministic function of the name, so duplicates agree.
		keep := func(name string) bool {
			h := mask
			for i := 0; i < len(name); i++ {
				h = h*31 + name[i]
			}
			return h&1 == 0
		}
		var wantKept, wantRemoved []string
		for _, p := range strings.Split(v, ";") {
			p = strings.Trim(p, " \t")
			if p == "" {
				continue
			}
			name := ""
			eq := strings.IndexByte(p, '=')
			if eq >= 0 {
				name = strings.Trim(p[:eq], " \t")
			}
			if !keep(name) {
				wantRemoved = append(wantRemoved, name)
				continue
			}
			if eq < 0 {
				wantKept = append(wantKept, p)
				continue
			}
			val := p[eq+1:]
			runs := embeddedRE.FindAllStringIndex(val, -1)
			if len(runs) == 0 {
				wantKept = append(wantKept, p)
				continue
			}
			out := p[:eq+1] + val[:runs[0][0]]
			cut := false
			for k, r := range runs {
				end := len(val)
				if k+1 < len(runs) {
					end = runs[k+1][0]
				}
				emb := strings.TrimLeft(val[r[0]:r[1]-1], ", \t")
				if keep(emb) {
					out += val[r[0]:end]
				} else {
					cut = true
					wantRemoved = append(wantRemoved, emb)
				}
			}
			if cut {
				p = strings.Trim(out, " \t")
			}
			wantKept = append(wantKept, p)
		}
		var removed []string
		out := FilterCookieHeader(v, keep, func(n string) { removed = append(removed, n) })
		if strings.Join(removed, "\x00") != strings.Join(wantRemoved, "\x00") || len(removed) != len(wantRemoved) {
			t.Fatalf("removed %q, want %q", removed, wantRemoved)
		}
		if len(wantRemoved) == 0 {
			if out != v || unsafe.StringData(out) != unsafe.StringData(v) {
				t.Fatalf("nothing removed but output %q differs from or copies input %q", out, v)
			}
		} else if want := strings.Join(wantKept, "; "); out != want {
			t.Fatalf("output %q, want %q", out, want)
		}
		// Keeping everything returns the input unchanged.
		if all := FilterCookieHeader(v, func(string) bool { return true }, func(n string) {
			t.Fatalf("keep=all removed %q", n)
		}); all != v || unsafe.StringData(all) != unsafe.StringData(v) {
			t.Fatalf("keep=all changed %q to %q", v, all)
		}
		// Filtering is idempotent.
		if again := FilterCookieHeader(out, keep, nil); again != out {
			t.Fatalf("second pass changed %q to %q", out, again)
		}
	})
}

// FuzzSetCookieName checks that SetCookieName never panics and that a name
// it accepts is a token that the input starts with, after leading spaces
// and tabs, and is followed (after optional spaces and tabs) by '='.
func FuzzSetCookieName(f *testing.F) {
	for _, s := range []string{
		"_ga=GA1.2.3; Path=/", "a=b", "  a\t = b ; Secure", "abc", "=abc", "a b=c",
		"cart[1]=x", "a=b\r\nX: y", "caf\xc3\xa9=1", "", ";=", "__Host-x=1; Secure; Path=/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		name, ok := SetCookieName(line)
		if !ok {
			if name != "" {
				t.Fatalf("ok=false with name %q", name)
			}
			return
		}
		if !isToken(name) {
			t.Fatalf("name %q is not a token", name)
		}
		rest := strings.TrimLeft(line, " \t")
		if !strings.HasPrefix(rest, name) {
			t.Fatalf("name %q is not a prefix of %q", name, rest)
		}
		if after := strings.TrimLeft(rest[len(name):], " \t"); !strings.HasPrefix(after, "=") {
			t.Fatalf("name %q not followed by '=' in %q", name, line)
		}
		if strings.ContainsFunc(line, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
			t.Fatalf("accepted line with a control character: %q", line)
		}
	})
}
