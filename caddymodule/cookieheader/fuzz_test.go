package cookieheader

import (
	"strings"
	"testing"
	"unsafe"
)

// FuzzFilterCookieHeader checks FilterCookieHeader against a plain
// strings.Split model: the output holds exactly the kept cookies in order,
// removed gets exactly the dropped names, and with nothing dropped the input
// comes back as the same string.
func FuzzFilterCookieHeader(f *testing.F) {
	for _, s := range []string{
		"", "a=1", "a=1; b=2; c=3", " a=1 ;; ;b = 2 ;c=3;", ";;", "novalue; =x; a=b=c",
		`q="x;y"; r=1`, "\ta=1\t;\tb", "_ga=GA1.2.3; _gid=GA1.2.4; PHPSESSID=abc",
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
			if i := strings.IndexByte(p, '='); i >= 0 {
				name = strings.Trim(p[:i], " \t")
			}
			if keep(name) {
				wantKept = append(wantKept, p)
			} else {
				wantRemoved = append(wantRemoved, name)
			}
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
