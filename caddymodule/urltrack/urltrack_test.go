package urltrack

import (
	"reflect"
	"strings"
	"testing"
)

func cleaner(t *testing.T) *Cleaner {
	t.Helper()
	c, err := New(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCleanRemovesOnlyRefusedIdentifiers(t *testing.T) {
	c := cleaner(t)
	refused := func(string) bool { return false }
	cases := []struct {
		in, want string
		removed  []string
	}{
		{"", "", nil},
		{"q=shoes&page=2", "q=shoes&page=2", nil},
		{"gclid=abc", "", []string{"gclid"}},
		{"q=1&gclid=abc&utm_source=news", "q=1&utm_source=news", []string{"gclid"}},
		{"fbclid=x&fbclid=y&a=b", "a=b", []string{"fbclid"}},
		{"GCLID=abc&MsClkId=1", "", []string{"gclid", "msclkid"}},
		{"%67clid=abc&x", "x", []string{"%67clid"}},
		{"a=1&&b=%zz&_gl=1*abc", "a=1&&b=%zz", []string{"_gl"}},
		{"gclidx=1&xgclid=2", "gclidx=1&xgclid=2", nil},
		{"q=gclid&v=fbclid", "q=gclid&v=fbclid", nil},
	}
	for _, tc := range cases {
		got, removed := c.Clean(tc.in, refused)
		if got != tc.want || !reflect.DeepEqual(removed, tc.removed) {
			t.Errorf("Clean(%q) = %q, %v; want %q, %v", tc.in, got, removed, tc.want, tc.removed)
		}
	}
}

func TestCleanKeepsAllowedCategories(t *testing.T) {
	c := cleaner(t)
	allowAds := func(cat string) bool { return cat == "advertising" }
	if got, removed := c.Clean("gclid=abc&q=1", allowAds); got != "gclid=abc&q=1" || removed != nil {
		t.Fatalf("allowed advertising: got %q, %v", got, removed)
	}
}

func TestNewRejectsBadNames(t *testing.T) {
	for _, p := range []Param{{Name: "", Category: "advertising"}, {Name: "a=b", Category: "advertising"}, {Name: "gclid"}} {
		if _, err := New([]Param{p}); err == nil {
			t.Errorf("New(%+v) accepted", p)
		}
	}
}

func TestCleanDoesNotAllocateWithoutCandidates(t *testing.T) {
	c := cleaner(t)
	q := "q=shoes&page=2&sort=price"
	if n := testing.AllocsPerRun(100, func() { c.Clean(q, nil) }); n != 0 {
		t.Fatalf("%v allocations for a query with no identifier", n)
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"gclid=1", "a=1&fbclid=2&b", "%67clid=x", "&&&", "=&="} {
		f.Add(s)
	}
	c, _ := New(DefaultParams())
	f.Fuzz(func(t *testing.T, q string) {
		out, removed := c.Clean(q, nil)
		if removed == nil && out != q {
			t.Fatalf("changed %q to %q without removing anything", q, out)
		}
		again, more := c.Clean(out, nil)
		if again != out || more != nil {
			t.Fatalf("not idempotent: %q -> %q -> %q", q, out, again)
		}
		var kept []string
		for _, part := range strings.Split(q, "&") {
			if _, ok := c.category(part); !ok {
				kept = append(kept, part)
			}
		}
		if q != "" && out != strings.Join(kept, "&") {
			t.Fatalf("Clean(%q) = %q; want the other parameters in order: %q", q, out, strings.Join(kept, "&"))
		}
		if len(out) > len(q) {
			t.Fatalf("grew: %q -> %q", q, out)
		}
	})
}
