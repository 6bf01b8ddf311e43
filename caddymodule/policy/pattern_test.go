package policy

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

func TestParsePattern(t *testing.T) {
	tests := []struct {
		src     string
		kind    PatternKind
		match   []string
		nomatch []string
	}{
		{"_gid", Exact, []string{"_gid"}, []string{"_gi", "_gidx", "_GID", ""}},
		{".AspNetCore.Session", Exact, []string{".AspNetCore.Session"}, []string{"xAspNetCore.Session"}},
		{"_ga*", Glob, []string{"_ga", "_ga_X", "_gat"}, []string{"_g", "x_ga"}},
		{"_pk_id.*", Glob, []string{"_pk_id.1.abcd", "_pk_id."}, []string{"_pk_id", "_pk_idx1"}},
		{"*_session", Glob, []string{"_session", "app_session"}, []string{"app_sessionx", "session"}},
		{"_*_session", Glob, []string{"_app_session", "__session"}, []string{"_session", "app_session"}},
		{"*track*", Glob, []string{"track", "xtracky"}, []string{"trac"}},
		{"a?c", Glob, []string{"abc", "a-c"}, []string{"ac", "abbc"}},
		{"??", Glob, []string{"ab"}, []string{"a", "abc"}},
		{"a*b?c*", Glob, []string{"abxc", "a123b4c56", "abbbc"}, []string{"abc", "ab"}},
		{"*", Glob, []string{"", "anything"}, nil},
		{"a**b", Glob, []string{"ab", "axxb"}, []string{"a"}},
		{"/^_hj.*$/", Regexp, []string{"_hj", "_hjSession_1"}, []string{"x_hj", "_h"}},
		{"/_trk$/", Regexp, []string{"a_trk", "_trk"}, []string{"_trkx"}},
		{"/^(?i)sess/", Regexp, []string{"SESSx", "session"}, []string{"xsess"}},
		{"/^cart\\[\\d+\\]$/", Regexp, []string{"cart[12]"}, []string{"cart[]"}},
	}
	for _, tt := range tests {
		p, err := ParsePattern(tt.src)
		if err != nil {
			t.Errorf("ParsePattern(%q): %v", tt.src, err)
			continue
		}
		if p.Kind != tt.kind || p.Source != tt.src {
			t.Errorf("ParsePattern(%q) = kind %v source %q, want %v", tt.src, p.Kind, p.Source, tt.kind)
		}
		for _, n := range tt.match {
			if !p.Match(n) {
				t.Errorf("%q should match %q", tt.src, n)
			}
		}
		for _, n := range tt.nomatch {
			if p.Match(n) {
				t.Errorf("%q should not match %q", tt.src, n)
			}
		}
	}
}

func TestParsePatternErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"", `cookie pattern "" : empty; write a cookie name such as "_gid", a glob such as "_ga*" or a regular expression between slashes such as "/^_hj.*$/"`},
		{"/", `cookie pattern "/" : regular expression has no closing slash; write it between two slashes, e.g. "/^name$/"`},
		{"/^_hj", `cookie pattern "/^_hj" : regular expression has no closing slash; write it between two slashes, e.g. "/^_hj/"`},
		{"//", `cookie pattern "//" : empty regular expression; write RE2 syntax between the slashes, e.g. "/^_hj.*$/"`},
		{"/[/", "cookie pattern \"/[/\" : bad regular expression: error parsing regexp: missing closing ]: `[`; write RE2 syntax between slashes"},
		{"/(?<x/", "cookie pattern \"/(?<x/\" : bad regular expression: error parsing regexp: invalid named capture: `(?<x`; write RE2 syntax between slashes"},
		{"a b", "cookie pattern \"a b\" : ' ' at offset 1 cannot appear in a cookie name; cookie names are HTTP tokens (letters, digits and !#$%&'*+-.^_`|~); use a regular expression between slashes to match other names"},
		{"a;b", "cookie pattern \"a;b\" : ';' at offset 1 cannot appear in a cookie name; cookie names are HTTP tokens (letters, digits and !#$%&'*+-.^_`|~); use a regular expression between slashes to match other names"},
		{"a=", "cookie pattern \"a=\" : '=' at offset 1 cannot appear in a cookie name; cookie names are HTTP tokens (letters, digits and !#$%&'*+-.^_`|~); use a regular expression between slashes to match other names"},
		{"cart[*", "cookie pattern \"cart[*\" : '[' at offset 4 cannot appear in a cookie name; cookie names are HTTP tokens (letters, digits and !#$%&'*+-.^_`|~); use a regular expression between slashes to match other names"},
		{"_hj.*$/", "cookie pattern \"_hj.*$/\" : '/' at offset 6 cannot appear in a cookie name; cookie names are HTTP tokens (letters, digits and !#$%&'*+-.^_`|~); a regular expression must start and end with a slash"},
		{"é", "cookie pattern \"é\" : 'é' at offset 0 cannot appear in a cookie name; cookie names are HTTP tokens (letters, digits and !#$%&'*+-.^_`|~); use a regular expression between slashes to match other names"},
		{"a\x00", "cookie pattern \"a\\x00\" : '\\x00' at offset 1 cannot appear in a cookie name; cookie names are HTTP tokens (letters, digits and !#$%&'*+-.^_`|~); use a regular expression between slashes to match other names"},
		{"a\xff", "cookie pattern \"a\\xff\" : byte 0xff at offset 1 cannot appear in a cookie name; cookie names are HTTP tokens (letters, digits and !#$%&'*+-.^_`|~); use a regular expression between slashes to match other names"},
	}
	for _, tt := range tests {
		_, err := ParsePattern(tt.src)
		if err == nil {
			t.Errorf("ParsePattern(%q): no error, want %q", tt.src, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("ParsePattern(%q) error:\n got %s\nwant %s", tt.src, err, tt.want)
		}
	}
}

func TestAnchoredLiteralPrefix(t *testing.T) {
	tests := map[string]string{
		"^_hj.*$":       "_hj",
		"^_pk_(id|ses)": "_pk_",
		"_hj":           "",
		"^(?i)abc":      "",
		"^abc$":         "abc",
		"(^a|b)":        "",
		"^a|^b":         "",
		"^ab(?i:c)d":    "ab",
		`^\.AspNetCore`: ".AspNetCore",
	}
	for expr, want := range tests {
		if got := AnchoredLiteralPrefix(expr); got != want {
			t.Errorf("AnchoredLiteralPrefix(%q) = %q, want %q", expr, got, want)
		}
	}
}

// globToRegexp is an independent reference for glob semantics.
func globToRegexp(g string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`^(?s)`)
	for _, c := range []byte(g) {
		switch c {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// TestGlobAgainstRegexp compares the glob fast paths and the general matcher
// with a regular-expression reference on random patterns and names over a
// small alphabet, where near-misses are common.
func TestGlobAgainstRegexp(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	gen := func(alpha string, max int) string {
		n := rng.Intn(max + 1)
		b := make([]byte, n)
		for i := range b {
			b[i] = alpha[rng.Intn(len(alpha))]
		}
		return string(b)
	}
	for i := 0; i < 20000; i++ {
		g := gen("ab*?", 7)
		if !strings.ContainsAny(g, "*?") {
			continue
		}
		p, err := ParsePattern(g)
		if err != nil {
			t.Fatal(err)
		}
		ref := globToRegexp(g)
		for j := 0; j < 10; j++ {
			// ASCII only: '?' matches one byte, the reference one rune.
			n := gen("ab", 9)
			if got, want := p.Match(n), ref.MatchString(n); got != want {
				t.Fatalf("glob %q on %q: got %v, want %v (rest kind %d)", g, n, got, want, p.rest.kind)
			}
		}
	}
}

// TestGlobMatchFold checks the exported matchers against a regular
// expression reference, with and without ASCII case folding.
func TestGlobMatchFold(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	gen := func(alpha string, max int) string {
		b := make([]byte, rng.Intn(max+1))
		for i := range b {
			b[i] = alpha[rng.Intn(len(alpha))]
		}
		return string(b)
	}
	for i := 0; i < 5000; i++ {
		g := gen("aB/*?", 7)
		ref := globToRegexp(g)
		refFold := regexp.MustCompile("(?i)" + ref.String())
		for j := 0; j < 10; j++ {
			n := gen("AbB/", 9)
			if got, want := GlobMatch(g, n), ref.MatchString(n); got != want {
				t.Fatalf("GlobMatch(%q, %q) = %v, want %v", g, n, got, want)
			}
			if got, want := GlobMatchFold(g, n), refFold.MatchString(n); got != want {
				t.Fatalf("GlobMatchFold(%q, %q) = %v, want %v", g, n, got, want)
			}
		}
	}
	if GlobMatchFold("/É*", "/é") || !GlobMatchFold("/x/BEACON", "/X/beacon") {
		t.Error("GlobMatchFold folds beyond ASCII or not ASCII")
	}
}
