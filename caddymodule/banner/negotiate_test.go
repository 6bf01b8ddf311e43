package banner

import (
	"math/rand"
	"strings"
	"testing"
)

func TestNegotiate(t *testing.T) {
	r := newRenderer(t, Config{})
	cases := []struct{ header, want string }{
		{"", "en"},
		{"de", "de"},
		{"de-CH", "de"},
		{"DE-ch", "de"},
		{"fr-CA,fr;q=0.9,en;q=0.8", "fr"},
		{"sv,de;q=0.5", "de"},
		{"en;q=0.5, pl", "pl"},
		{"en;q=0.5,pl;q=0.5", "en"}, // tie: first wins
		{"nl;q=0.2,it;q=0.9,es;q=0.8", "it"},
		{"pt-BR", "pt"},
		{"zh-Hant-TW-x-private", "en"},
		{"es-419", "es"},
		{"de-DE-x-ab", "de"},
		{"*", "en"},
		{"*;q=0.1,fr;q=0.5", "fr"},
		{"fr;q=0.5,*", "en"},     // * prefers any unlisted language
		{"en;q=0.1,*", "de"},     // * may not pick en, which is listed
		{"en;q=0,*;q=0.5", "de"}, // en refused
		{"de;q=0", "en"},
		{"de-CH;q=0,de", "de"}, // refusing de-CH is not refusing de
		{"de;q=0,de-AT", "en"}, // refusing de covers de-AT
		{"de;q=1.000", "de"},
		{"de;q=1.5,fr", "fr"}, // invalid weight: member skipped
		{"de;q=0.0001,fr;q=0.1", "fr"},
		{"de;Q=0.9,fr;q=0.8", "de"},
		{"de ; q=0.9 , fr ;q=0.8", "de"},
		{"de;level=1,fr", "fr"},
		{" , ,,it", "it"},
		{"123,it", "it"},
		{"d e,it", "it"},
		{"toolongsubtag-de,it", "it"},
		{"de-toolongsubtag,it", "it"},
		{"é,nl", "nl"},
		{";q=1,nl", "nl"},
		{"\x00\xff,es", "es"},
	}
	for _, c := range cases {
		if got := r.Negotiate(c.header); got != c.want {
			t.Errorf("Negotiate(%q) = %q, want %q", c.header, got, c.want)
		}
	}

	de := newRenderer(t, Config{DefaultLang: "de"})
	if got := de.Negotiate("sv, ja"); got != "de" {
		t.Errorf("fallback = %q, want the default de", got)
	}
	if got := de.Negotiate("de;q=0.1, *"); got != "en" {
		t.Errorf("wildcard with default listed = %q, want en", got)
	}
}

func TestNegotiateHostile(t *testing.T) {
	r := newRenderer(t, Config{})
	big := strings.Repeat("x-garbage;q=0.5, ", 101<<10/17) + "de"
	if len(big) < 100<<10 {
		t.Fatal("header too small")
	}
	if got := r.Negotiate(big); got != "en" {
		t.Errorf("100 KB header = %q, want en (only the first 4 KiB count)", got)
	}
	if got := r.Negotiate("fr," + strings.Repeat("a", 100<<10)); got != "fr" {
		t.Errorf("huge last member = %q, want fr", got)
	}
	if got := r.Negotiate(strings.Repeat("a", 100<<10)); got != "en" {
		t.Errorf("one huge member = %q", got)
	}
	if got := r.Negotiate(strings.Repeat(",", 100<<10)); got != "en" {
		t.Errorf("commas = %q", got)
	}
	// Only 32 members are read.
	if got := r.Negotiate(strings.Repeat("sv,", 32) + "de"); got != "en" {
		t.Errorf("33rd member used: %q", got)
	}
	if got := r.Negotiate(strings.Repeat("sv,", 31) + "de"); got != "de" {
		t.Errorf("32nd member ignored: %q", got)
	}

	allocs := testing.AllocsPerRun(100, func() { r.Negotiate(big) })
	if allocs != 0 {
		t.Errorf("Negotiate allocates %.0f times", allocs)
	}

	rnd := rand.New(rand.NewSource(1))
	alphabet := []byte("abcdeDEfr-_;=q.0123456789,* \t\x00\xff")
	for i := 0; i < 20000; i++ {
		b := make([]byte, rnd.Intn(200))
		for j := range b {
			b[j] = alphabet[rnd.Intn(len(alphabet))]
		}
		got := r.Negotiate(string(b))
		if _, ok := r.texts[got]; !ok {
			t.Fatalf("Negotiate(%q) = %q: not a language", b, got)
		}
	}
}

func FuzzNegotiate(f *testing.F) {
	r := newRenderer(f, Config{LangTexts: map[string]map[string]string{"pt-br": {"save": "Salvar"}}})
	for _, s := range []string{"de-CH,de;q=0.9", "*;q=0", "en;q=0.", "pt", "a-b-c-d-e-f-g-h-i-j-k", ",;q=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		got := r.Negotiate(h)
		if _, ok := r.texts[got]; !ok {
			t.Fatalf("Negotiate(%q) = %q", h, got)
		}
	})
}

func TestParseWeight(t *testing.T) {
	cases := map[string]int{"": 1000, ";q=1": 1000, "; q=0.5": 500, ";q=0.25": 250, ";q=0.125": 125, ";q=0": 0, ";q=0.": 0, ";q=1.": 1000, ";q=1.00": 1000}
	for in, want := range cases {
		got, ok := parseWeight(strings.TrimPrefix(in, ";"))
		if !ok || got != want {
			t.Errorf("parseWeight(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"q=", "q=2", "q=0.1234", "q=1.1", "q=-1", "q=.5", "x=1", "q=0.5x", "q=0,5"} {
		if _, ok := parseWeight(in); ok {
			t.Errorf("parseWeight(%q) accepted", in)
		}
	}
}
