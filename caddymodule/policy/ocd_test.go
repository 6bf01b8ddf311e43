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

func TestLoadCookieDatabaseFixture(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "ocd_small.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := LoadCookieDatabase(f)
	if err != nil {
		t.Fatal(err)
	}
	// "" and "*" wildcards (match-everything) are dropped; token is merged.
	if d.Len() != 6 {
		t.Errorf("Len = %d, want 6: %+v", d.Len(), d.Entries())
	}
	tests := []struct {
		name string
		want Facts
		ok   bool
	}{
		{"_ga", Facts{Pattern: "_ga", Vendor: "Google Analytics", Category: "analytics", DatabaseCategory: "Analytics", Retention: "2 years"}, true},
		{"_gac_UA-1", Facts{Pattern: "_gac_*", Wildcard: true, Vendor: "Google Ads", Category: "advertising", DatabaseCategory: "Marketing", Retention: "90 days"}, true},
		{"token", Facts{Pattern: "token", Vendor: "Adform", Category: "advertising", DatabaseCategory: "Marketing", Retention: "1 year"}, true},
		{"waf_1", Facts{Pattern: "waf_*", Wildcard: true, Vendor: "WAF", Category: "functional", DatabaseCategory: "Security", Retention: "session"}, true}, // a wildcard never exempts
		{"oddity", Facts{Pattern: "oddity", Vendor: "Odd", Category: "advertising", DatabaseCategory: "Strange"}, true},                                     // unknown label → advertising
		{"pers", Facts{Pattern: "pers", Vendor: "Controller Co", Category: "functional", DatabaseCategory: "Personalization", Retention: "1 day"}, true},
		{"_gac", Facts{}, false},
		{"anything", Facts{}, false},
		{"", Facts{}, false},
	}
	for _, tt := range tests {
		got, ok := d.Lookup(tt.name)
		if ok != tt.ok || got != tt.want {
			t.Errorf("Lookup(%q) = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
		if c := d.Category(tt.name); c != tt.want.Category {
			t.Errorf("Category(%q) = %q, want %q", tt.name, c, tt.want.Category)
		}
	}
	for _, e := range d.Entries() {
		if strings.Contains(e.Vendor+e.Retention, "sentence") {
			t.Errorf("description kept: %+v", e)
		}
	}
}

func TestBuiltinCookieDatabase(t *testing.T) {
	d, err := BuiltinCookieDatabase()
	if err != nil {
		t.Fatal(err)
	}
	if d2, _ := BuiltinCookieDatabase(); d2 != d {
		t.Error("BuiltinCookieDatabase parsed twice")
	}
	if d.Len() < 2000 {
		t.Errorf("only %d entries", d.Len())
	}
	if !strings.Contains(builtinDBData, "Apache License") || !strings.Contains(builtinDBData, "Open-Cookie-Database") {
		t.Error("embedded data lacks its source and license header")
	}
	for name, want := range map[string]string{
		"_ga": "analytics", "_gac_123": "advertising", "_fbp": "advertising",
		"ci_session": "functional", "form_key": "necessary", "__Host-next-auth.csrf-token": "functional",
		"CRAFT_CSRF_TOKEN": "necessary", "no_such_cookie_anywhere": "",
		"sb-tracker": "functional", "clerk_track": "functional", // necessary wildcards do not exempt
	} {
		if got := d.Category(name); got != want {
			t.Errorf("builtin database: %q = %q, want %q", name, got, want)
		}
	}
	f, ok := CookieFacts("_ga")
	if !ok || f.Vendor != "Google Analytics" || f.Retention == "" || f.Category != "analytics" {
		t.Errorf("CookieFacts(_ga) = %+v, %v", f, ok)
	}
	if _, ok := CookieFacts("no_such_cookie_anywhere"); ok {
		t.Error("CookieFacts found an unknown name")
	}
	// Every entry is a fact: no entry matches everything, none is empty.
	for _, e := range d.Entries() {
		if e.Pattern == "" || e.Pattern == "*" || e.Category == "" {
			t.Errorf("bad entry %+v", e)
		}
	}
}

// TestDatabaseTier checks that the database is consulted only for names no
// operator or built-in pattern names, and maps onto the configured
// categories.
func TestDatabaseTier(t *testing.T) {
	d, err := BuiltinCookieDatabase()
	if err != nil {
		t.Fatal(err)
	}
	cats := DefaultCategories()
	cats[0].Operator = []string{"ci_session"}
	p, _, err := Compile(Config{Categories: cats, Database: d})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, cat string
		src       Source
	}{
		{"ci_session", "necessary", SourceOperator}, // database says functional; the operator wins
		{"sessionid", "necessary", SourceBuiltin},   // database says Marketing (Instagram); built-in wins
		{"auth_token", "necessary", SourceBuiltin},  // database says Marketing (X); built-in wins
		{"_twitter_sess", "advertising", SourceDatabase},
		{"VfSess", "functional", SourceDatabase},
		{"no_such_cookie_anywhere", "", SourceNone},
	}
	for _, tt := range tests {
		m, prim, src := p.ClassifySource(tt.name)
		got := ""
		if m != 0 {
			got = p.Categories()[prim].Name
		}
		if got != tt.cat || src != tt.src {
			t.Errorf("ClassifySource(%q) = %q from %v, want %q from %v", tt.name, got, src, tt.cat, tt.src)
		}
		dec := p.Decide(tt.name, 0)
		if dec.Source != tt.src || dec.Known != (tt.src != SourceNone) {
			t.Errorf("Decide(%q) = %+v", tt.name, dec)
		}
	}
	// A policy without the database's category names: everything maps to
	// advertising when declared, else the database is ignored.
	p2, _, _ := Compile(Config{Categories: []Category{{Name: "essential", Required: true, Cookies: []string{"x"}}, {Name: "advertising"}}, Database: d})
	if dec := p2.Decide("_ga", 0); dec.Category != "advertising" || dec.Allowed {
		t.Errorf("unmapped database category: %+v", dec)
	}
	p3, _, _ := Compile(Config{Categories: []Category{{Name: "essential", Required: true, Cookies: []string{"x"}}}, Database: d})
	if dec := p3.Decide("_ga", 0); dec.Known {
		t.Errorf("database category without a target: %+v", dec)
	}
}

// BenchmarkClassifyOCD classifies the benchmark names with the defaults and
// the embedded Open Cookie Database (about 2,200 entries) as fallback.
func BenchmarkClassifyOCD(b *testing.B) {
	d, err := BuiltinCookieDatabase()
	if err != nil {
		b.Fatal(err)
	}
	p, _, err := Compile(Config{Categories: DefaultCategories(), Database: d})
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

// dbBenchNames are names only the database classifies: exact entries,
// names under a wildcard prefix, and unknown names.
var dbBenchNames = []string{
	"_twitter_sess", "VfSess", "1P_JAR", "__utmz", "_gac_UA-12345-1",
	"AMCV_0123456789ABCDEF%40AdobeOrg", "_pin_unauth", "no_such_cookie_anywhere", "zz_unknown", "_uetvid",
}

// BenchmarkDatabaseCategory looks names up in the embedded Open Cookie
// Database directly (the fallback tier of Classify).
func BenchmarkDatabaseCategory(b *testing.B) {
	d, err := BuiltinCookieDatabase()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, n := range dbBenchNames {
			if d.Category(n) != "" {
				sink++
			}
		}
	}
}

// TestDatabaseAgainstLinearScan checks the database's tables against the
// definition: a name's category is the most restrictive of its exact entry
// and of every wildcard prefix it starts with, and its facts are those of
// the exact entry, else of the longest prefix. Names are every entry's
// name, its prefixes and a few extensions, so that prefix chains
// ("_ga" < "_gac_" < "_gac_gb") and near misses are all exercised.
func TestDatabaseAgainstLinearScan(t *testing.T) {
	for _, src := range []string{"builtin", "testdata/ocd_small.csv"} {
		var d *Database
		var err error
		if src == "builtin" {
			d, err = BuiltinCookieDatabase()
		} else {
			f, ferr := os.Open(src)
			if ferr != nil {
				t.Fatal(ferr)
			}
			d, err = LoadCookieDatabase(f)
			f.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		entries := d.Entries()
		rank := map[string]int{"necessary": 0, "functional": 1, "analytics": 2, "advertising": 3}
		names := map[string]bool{"": true}
		for _, e := range entries {
			n := strings.TrimSuffix(e.Pattern, "*")
			for i := 0; i <= len(n); i++ {
				names[n[:i]] = true
			}
			names[n+"x"], names[n+"_1"], names["_"+n], names[n+"~"] = true, true, true, true
		}
		for name := range names {
			best, found := -1, false
			var want Facts
			wantLen := -1
			for _, e := range entries {
				if e.Wildcard {
					prefix := strings.TrimSuffix(e.Pattern, "*")
					if !strings.HasPrefix(name, prefix) {
						continue
					}
					if !found && len(prefix) > wantLen {
						want, wantLen = e, len(prefix)
					}
				} else {
					if e.Pattern != name {
						continue
					}
					want, found = e, true
				}
				best = max(best, rank[e.Category])
			}
			got, ok := d.Lookup(name)
			if ok != (best >= 0) {
				t.Fatalf("%s: Lookup(%q) found = %v, want %v", src, name, ok, best >= 0)
			}
			if !ok {
				if c := d.Category(name); c != "" {
					t.Errorf("%s: Category(%q) = %q, want none", src, name, c)
				}
				continue
			}
			want.Category = dbCategoryNames[best]
			if got != want {
				t.Errorf("%s: Lookup(%q) = %+v, want %+v", src, name, got, want)
			}
			if c := d.Category(name); c != want.Category {
				t.Errorf("%s: Category(%q) = %q, want %q", src, name, c, want.Category)
			}
		}
	}
}
