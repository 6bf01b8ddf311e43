package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadOpenCookieDatabaseSmall(t *testing.T) {
	csv := "\ufeffID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match\n" +
		"1,Google Analytics,Analytics,_ga,,\"desc, with comma\",2 years,Google,,0\n" +
		"2,Google Ads,Marketing,_gac_,,d,90 days,Google,,1\n" +
		"3,X,Functional,token,,d,,X,,0\n" +
		"4,Y,Marketing,token,,d,,Y,,0\n" +
		"5,Z,Functional,token,,d,,Z,,0\n" +
		"6,Shop,Functional,cart[id],,d,,S,,0\n" +
		"7,Chat,Functional,crisp-client/,,d,,C,,1\n" +
		"8,W,Analytics,SCM*,,d,,W,,1\n" +
		"9,E,Analytics,,,d,,E,,0\n"
	m, err := LoadOpenCookieDatabase(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"_ga":              "Analytics",
		"_gac_*":           "Marketing",
		"token":            "Marketing",
		`/^cart\[id\]$/`:   "Functional",
		"/^crisp-client//": "Functional",
		"SCM*":             "Analytics",
	}
	if len(m) != len(want) {
		t.Errorf("got %d entries %v, want %d", len(m), m, len(want))
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%q = %q, want %q", k, m[k], v)
		}
	}
	if _, err := LoadOpenCookieDatabase(strings.NewReader("a,b,c\n1,2,3\n")); err == nil {
		t.Error("wrong header accepted")
	}
}

func TestLoadOpenCookieDatabaseReal(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "data", "open-cookie-database", "open-cookie-database.csv")
	if p := os.Getenv("OPEN_COOKIE_DATABASE_CSV"); p != "" {
		path = p
	}
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("Open Cookie Database not available: %v", err)
	}
	defer f.Close()
	m, err := LoadOpenCookieDatabase(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) < 2000 {
		t.Errorf("only %d patterns", len(m))
	}
	// Every pattern compiles, and all fit in one category.
	var cats []Category
	byCat := map[string][]string{}
	for src, c := range m {
		name := OpenCookieDatabaseCategory(c)
		if name == "" {
			t.Fatalf("unmapped category %q", c)
		}
		byCat[name] = append(byCat[name], src)
	}
	for _, c := range DefaultCategories() {
		cats = append(cats, Category{Name: c.Name, Required: c.Required, Cookies: byCat[c.Name]})
	}
	p, _, err := Compile(Config{Categories: cats})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"_ga": "analytics", "_gac_123": "advertising", "_fbp": "advertising"} {
		_, prim, ok := p.Classify(name)
		if !ok || p.Categories()[prim].Name != want {
			t.Errorf("OCD %q: known=%v primary=%d, want %s", name, ok, prim, want)
		}
	}
}

// BenchmarkClassifyOCD classifies the benchmark names against the whole
// Open Cookie Database (about 2,200 patterns) on top of the defaults.
func BenchmarkClassifyOCD(b *testing.B) {
	f, err := os.Open(filepath.Join("..", "..", "..", "shared", "data", "open-cookie-database", "open-cookie-database.csv"))
	if err != nil {
		b.Skipf("Open Cookie Database not available: %v", err)
	}
	defer f.Close()
	m, err := LoadOpenCookieDatabase(f)
	if err != nil {
		b.Fatal(err)
	}
	cats := DefaultCategories()
	for src, c := range m {
		i := map[string]int{"necessary": 0, "functional": 1, "analytics": 2, "advertising": 3}[OpenCookieDatabaseCategory(c)]
		cats[i].Cookies = append(cats[i].Cookies, src)
	}
	p, _, err := Compile(Config{Categories: cats})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, n := range benchNames {
			s, _, _ := p.Classify(n)
			sink |= s
		}
	}
}
