package policy

import (
	"fmt"
	"testing"
)

// config200 returns the defaults plus enough vendor-like patterns for about
// 200 in total: exact names, prefix globs, suffix globs and general globs.
func config200(tb testing.TB) *Policy {
	tb.Helper()
	cats := DefaultCategories()
	n := 0
	for _, c := range cats {
		n += len(c.Cookies)
	}
	var extra []string
	for i := 0; n+len(extra) < 200; i++ {
		switch i % 4 {
		case 0:
			extra = append(extra, fmt.Sprintf("vendor%d_id", i))
		case 1:
			extra = append(extra, fmt.Sprintf("_v%d_*", i))
		case 2:
			extra = append(extra, fmt.Sprintf("trk%d?_*", i))
		case 3:
			extra = append(extra, fmt.Sprintf("*_tag%d", i))
		}
	}
	cats = append(cats, Category{Name: "custom", Cookies: extra})
	p, _, err := Compile(Config{Categories: cats, ConsentCookieNames: []string{"consent"}})
	if err != nil {
		tb.Fatal(err)
	}
	if p.PatternCount() < 195 {
		tb.Fatalf("only %d patterns", p.PatternCount())
	}
	return p
}

var benchNames = []string{
	"_ga", "_ga_ABC123DEF", "_gid", "PHPSESSID", "_fbp",
	"wordpress_logged_in_0123456789abcdef", "session", "totally_unknown",
	"_hjSessionUser_1234567", "cf_clearance",
}

var sink Set

func BenchmarkClassify10x200(b *testing.B) {
	p := config200(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, n := range benchNames {
			m, _, _ := p.Classify(n)
			sink |= m
		}
	}
}

func BenchmarkDecide10x200(b *testing.B) {
	p := config200(b)
	granted, _ := p.SetOf([]string{"analytics"})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, n := range benchNames {
			if p.Decide(n, granted).Allowed {
				sink++
			}
		}
	}
}

func BenchmarkClassifyRegexp(b *testing.B) {
	p, _, err := Compile(Config{Categories: []Category{
		{Name: "necessary", Required: true, Cookies: []string{"PHPSESSID"}},
		{Name: "analytics", Cookies: []string{"/^_hj.*$/", "/^_pk_(id|ses)\\./", "/_trk$/"}},
	}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, n := range benchNames {
			m, _, _ := p.Classify(n)
			sink |= m
		}
	}
}

func TestClassifyAllocs(t *testing.T) {
	p := config200(t)
	allocs := testing.AllocsPerRun(1000, func() {
		for _, n := range benchNames {
			m, _, _ := p.Classify(n)
			sink |= m
			if p.Decide(n, 0).Allowed {
				sink++
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("Classify/Decide allocated %.1f times per 10 names; want 0", allocs)
	}
}
