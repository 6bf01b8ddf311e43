package policy

import (
	"reflect"
	"strings"
	"testing"
)

func mustCompile(t *testing.T, cfg Config) (*Policy, []Warning) {
	t.Helper()
	p, w, err := Compile(cfg)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return p, w
}

func testCats() []Category {
	return []Category{
		{Name: "necessary", Required: true, Cookies: []string{"PHPSESSID", "wordpress_logged_in_*", "lb"}},
		{Name: "functional", Cookies: []string{"lang", "pref_*"}},
		{Name: "analytics", Cookies: []string{"_ga", "_ga_*", "/^_hj.*$/", "/_stat$/"}},
		{Name: "advertising", Cookies: []string{"_gcl_*", "_fbp", "*_ad"}, SaleOrShare: true},
	}
}

func TestClassify(t *testing.T) {
	p, _ := mustCompile(t, Config{Categories: testCats()})
	tests := []struct {
		name    string
		matched []string
		primary string
	}{
		{"PHPSESSID", []string{"necessary"}, "necessary"},
		{"wordpress_logged_in_abc", []string{"necessary"}, "necessary"},
		{"lang", []string{"functional"}, "functional"},
		{"pref_theme", []string{"functional"}, "functional"},
		{"_ga", []string{"analytics"}, "analytics"},
		{"_ga_XYZ", []string{"analytics"}, "analytics"},
		{"_hjSession_1", []string{"analytics"}, "analytics"},
		{"x_stat", []string{"analytics"}, "analytics"},
		{"_gcl_au", []string{"advertising"}, "advertising"},
		{"_fbp", []string{"advertising"}, "advertising"},
		{"pref_ad", []string{"functional", "advertising"}, "advertising"},
		{"_ga_ad", []string{"analytics", "advertising"}, "advertising"},
		{"_ga_stat", []string{"analytics"}, "analytics"},
		{"totally_unknown", nil, ""},
		{"", nil, ""},
		{"PHPSESSIDX", nil, ""},
		{"lb2", nil, ""},
		{"l", nil, ""},
	}
	for _, tt := range tests {
		m, prim, known := p.Classify(tt.name)
		if got := p.Names(m); !reflect.DeepEqual(got, append([]string{}, tt.matched...)) {
			t.Errorf("Classify(%q) matched %v, want %v", tt.name, got, tt.matched)
		}
		if known != (tt.primary != "") {
			t.Errorf("Classify(%q) known = %v", tt.name, known)
		}
		if tt.primary == "" {
			if prim != -1 {
				t.Errorf("Classify(%q) primary = %d, want -1", tt.name, prim)
			}
			continue
		}
		if want, _ := p.Index(tt.primary); prim != want {
			t.Errorf("Classify(%q) primary = %d, want %d (%s)", tt.name, prim, want, tt.primary)
		}
	}
}

func TestPrimaryRequiredVsOptional(t *testing.T) {
	// A non-required category beats a required one even when declared
	// earlier; among required ones the later wins.
	p, _ := mustCompile(t, Config{Categories: []Category{
		{Name: "stats", Cookies: []string{"x*"}},
		{Name: "core", Required: true, Cookies: []string{"x1", "y*"}},
		{Name: "core2", Required: true, Cookies: []string{"y1"}},
	}})
	if _, prim, _ := p.Classify("x1"); p.Categories()[prim].Name != "stats" {
		t.Errorf("x1 primary = %s, want stats", p.Categories()[prim].Name)
	}
	if _, prim, _ := p.Classify("y1"); p.Categories()[prim].Name != "core2" {
		t.Errorf("y1 primary = %s, want core2", p.Categories()[prim].Name)
	}
	d := p.Decide("x1", 0)
	if d.Allowed || d.Category != "stats" {
		t.Errorf("Decide(x1, none) = %+v, want refused as stats", d)
	}
}

func TestDecide(t *testing.T) {
	cats := testCats()
	type check struct {
		name     string
		granted  []string
		allowed  bool
		category string
		known    bool
	}
	tests := []struct {
		unknown string
		checks  []check
	}{
		{"", []check{
			{"PHPSESSID", nil, true, "necessary", true},
			{"consent", nil, true, "", true},
			{"_ga", nil, false, "analytics", true},
			{"_ga", []string{"analytics"}, true, "analytics", true},
			{"_ga_ad", []string{"analytics"}, false, "advertising", true},
			{"_ga_ad", []string{"advertising"}, false, "advertising", true},
			{"_ga_ad", []string{"analytics", "advertising"}, true, "advertising", true},
			{"pref_x", []string{"functional"}, true, "functional", true},
			{"totally_unknown", nil, false, "", false},
			{"totally_unknown", []string{"necessary", "functional", "analytics", "advertising"}, false, "", false},
		}},
		{"strip", []check{
			{"totally_unknown", []string{"analytics"}, false, "", false},
		}},
		{"allow", []check{
			{"totally_unknown", nil, true, "", false},
			{"_ga", nil, false, "analytics", true},
		}},
		{"analytics", []check{
			{"totally_unknown", nil, false, "analytics", false},
			{"totally_unknown", []string{"analytics"}, true, "analytics", false},
			{"consent", nil, true, "", true},
		}},
		{"necessary", []check{
			{"totally_unknown", nil, true, "necessary", false},
		}},
	}
	for _, tt := range tests {
		p, _ := mustCompile(t, Config{Categories: cats, Unknown: tt.unknown, ConsentCookieNames: []string{"consent"}})
		for _, c := range tt.checks {
			g, err := p.SetOf(c.granted)
			if err != nil {
				t.Fatal(err)
			}
			d := p.Decide(c.name, g)
			d.Source = SourceNone // checked in TestSources
			want := Decision{Allowed: c.allowed, Category: c.category, Known: c.known}
			if d != want {
				t.Errorf("unknown=%q Decide(%q, %v) = %+v, want %+v", tt.unknown, c.name, c.granted, d, want)
			}
		}
	}
}

func TestConsentCookieBeatsPatterns(t *testing.T) {
	p, _ := mustCompile(t, Config{
		Categories:         []Category{{Name: "ads", Cookies: []string{"*"}}},
		ConsentCookieNames: []string{"cg_consent", "cg_consent_old"},
	})
	for _, n := range []string{"cg_consent", "cg_consent_old"} {
		if d := p.Decide(n, 0); !d.Allowed {
			t.Errorf("consent cookie %q refused: %+v", n, d)
		}
	}
	if d := p.Decide("other", 0); d.Allowed {
		t.Errorf("other allowed: %+v", d)
	}
}

func TestSets(t *testing.T) {
	p, _ := mustCompile(t, Config{Categories: testCats()})
	if p.AllSet() != 0b1111 || p.RequiredSet() != 0b0001 || p.SaleOrShareSet() != 0b1000 {
		t.Errorf("sets: all %b required %b sale %b", p.AllSet(), p.RequiredSet(), p.SaleOrShareSet())
	}
	s, err := p.SetOf([]string{"advertising", "functional"})
	if err != nil || s != 0b1010 {
		t.Errorf("SetOf = %b, %v", s, err)
	}
	if got := p.Names(s | 1<<40); !reflect.DeepEqual(got, []string{"functional", "advertising"}) {
		t.Errorf("Names = %v", got)
	}
	_, err = p.SetOf([]string{"analytics", "marketing"})
	if err == nil || err.Error() != `unknown category "marketing" (declared: necessary, functional, analytics, advertising)` {
		t.Errorf("SetOf unknown: %v", err)
	}
	if i, ok := p.Index("analytics"); !ok || i != 2 {
		t.Errorf("Index = %d, %v", i, ok)
	}
	if _, ok := p.Index("nope"); ok {
		t.Error("Index(nope) ok")
	}
	if !s.Has(1) || s.Has(0) || s.Has(-1) || s.Has(64) {
		t.Error("Has")
	}
}

func TestCategoriesDefaultsAndCopy(t *testing.T) {
	cats := []Category{{Name: "necessary", Required: true, Cookies: []string{"a"}, Domain: ".Example.COM"}}
	p, _ := mustCompile(t, Config{Categories: cats})
	cats[0].Cookies[0] = "changed"
	got := p.Categories()
	if got[0].Label != "necessary" || got[0].Path != "/" || got[0].Cookies[0] != "a" {
		t.Errorf("Categories() = %+v", got[0])
	}
	got[0].Name = "x"
	if p.Categories()[0].Name != "necessary" {
		t.Error("Categories() exposes internal slice")
	}
	if d, path := p.ExpiryTarget(0); d != ".example.com" || path != "/" {
		t.Errorf("ExpiryTarget(0) = %q %q", d, path)
	}
	if d, path := p.ExpiryTarget(5); d != "" || path != "/" {
		t.Errorf("ExpiryTarget(5) = %q %q", d, path)
	}
}

func TestCompileErrors(t *testing.T) {
	many := make([]Category, 64)
	for i := range many {
		many[i] = Category{Name: "c" + strings.Repeat("x", i%30) + string(rune('a'+i/30))}
	}
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Categories: many}, "64 categories configured, at most 63 are supported; merge some categories"},
		{Config{Categories: []Category{{Name: "Analytics"}}}, `category name "Analytics" is invalid: use 1 to 32 lower-case letters, digits, '_' or '-'`},
		{Config{Categories: []Category{{Name: ""}}}, `category name "" is invalid: use 1 to 32 lower-case letters, digits, '_' or '-'`},
		{Config{Categories: []Category{{Name: strings.Repeat("a", 33)}}}, `category name "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" is invalid: use 1 to 32 lower-case letters, digits, '_' or '-'`},
		{Config{Categories: []Category{{Name: "allow"}}}, `category name "allow" is reserved (it is an unknown-cookie mode); choose another name`},
		{Config{Categories: []Category{{Name: "a"}, {Name: "b"}, {Name: "a"}}}, `category "a" is declared twice (entries 1 and 3); merge them or rename one`},
		{Config{Categories: []Category{{Name: "a", Cookies: []string{"ok", "/[/"}}}}, "category \"a\": cookie pattern \"/[/\" : bad regular expression: error parsing regexp: missing closing ]: `[`; write RE2 syntax between slashes"},
		{Config{Categories: []Category{{Name: "a", Domain: "exa mple.com"}}}, `category "a": domain "exa mple.com" is not a valid cookie domain; write a host name such as ".example.com"`},
		{Config{Categories: []Category{{Name: "a", Domain: "example.com;x=y"}}}, `category "a": domain "example.com;x=y" is not a valid cookie domain; write a host name such as ".example.com"`},
		{Config{Categories: []Category{{Name: "a", Domain: "."}}}, `category "a": domain "." is not a valid cookie domain; write a host name such as ".example.com"`},
		{Config{Categories: []Category{{Name: "a", Path: "app"}}}, `category "a": path "app" must start with '/'`},
		{Config{Categories: []Category{{Name: "a", Path: "/a;Domain=x"}}}, `category "a": path "/a;Domain=x" contains ';', which cannot appear in a cookie path`},
		{Config{Categories: []Category{{Name: "a", Path: "/a\r\n"}}}, `category "a": path "/a\r\n" contains '\r', which cannot appear in a cookie path`},
		{Config{Categories: []Category{{Name: "a", Required: true, SaleOrShare: true}}}, `category "a" is both required and sale_or_share: Global Privacy Control cannot refuse a required category; drop one of the two`},
		{Config{Categories: []Category{{Name: "a"}}, Unknown: "b"}, `unknown-cookie mode "b" is neither "strip", "allow" nor a declared category (a)`},
		{Config{Categories: []Category{{Name: "a"}}, ConsentCookieNames: []string{"my consent"}}, "consent cookie name \"my consent\" is not a valid cookie name; use letters, digits and !#$%&'*+-.^_`|~ only"},
		{Config{Categories: []Category{{Name: "a"}}, ConsentCookieNames: []string{""}}, "consent cookie name \"\" is not a valid cookie name; use letters, digits and !#$%&'*+-.^_`|~ only"},
	}
	for i, tt := range tests {
		p, w, err := Compile(tt.cfg)
		if err == nil {
			t.Errorf("%d: no error (policy %v, warnings %v), want %q", i, p != nil, w, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%d: error\n got %s\nwant %s", i, err, tt.want)
		}
		if p != nil {
			t.Errorf("%d: policy returned with an error", i)
		}
	}
	// 63 is fine.
	if _, _, err := Compile(Config{Categories: many[:63]}); err != nil {
		t.Errorf("63 categories: %v", err)
	}
}

func TestCompileWarnings(t *testing.T) {
	tests := []struct {
		cfg  Config
		want []string
	}{
		{Config{Categories: testCats()}, nil},
		{Config{Categories: []Category{
			{Name: "necessary", Required: true, Cookies: []string{"x"}},
			{Name: "analytics", Cookies: []string{"_ga", "_ga*", "_gid"}},
			{Name: "advertising", Cookies: []string{"_ga", "/^_gi/"}},
		}}, []string{
			`cookie "_ga" matches categories analytics and advertising; the most restrictive, advertising, applies`,
			`cookie "_gid" matches categories analytics and advertising; the most restrictive, advertising, applies`,
		}},
		{Config{Categories: []Category{
			{Name: "necessary", Required: true, Cookies: []string{"sess"}},
			{Name: "functional", Cookies: []string{"s*"}},
			{Name: "ads", Cookies: []string{"*s"}},
		}}, []string{
			`cookie "sess" matches categories necessary, functional and ads; the most restrictive, ads, applies`,
		}},
		{Config{Categories: []Category{
			{Name: "analytics", Cookies: []string{"_ga", "_ga"}},
			{Name: "empty"},
		}}, []string{
			`category "analytics" lists cookie pattern "_ga" twice`,
			`category "empty" has no cookie patterns; no cookie will be classified into it`,
			`no category is required: only the consent cookie always passes; mark a category such as "necessary" as required`,
		}},
		{Config{Categories: []Category{
			{Name: "necessary", Required: true, Cookies: []string{"a"}},
			{Name: "all", Cookies: []string{"**"}},
		}}, []string{
			`cookie pattern "**" in category "all" matches every cookie`,
			`cookie "a" matches categories necessary and all; the most restrictive, all, applies`,
		}},
		{Config{Categories: []Category{{Name: "necessary", Required: true, Cookies: []string{"a"}}}, Unknown: "necessary"}, []string{
			`unknown cookies follow required category "necessary", so they always pass; say unknown "allow" if that is meant`,
		}},
	}
	for i, tt := range tests {
		_, w, err := Compile(tt.cfg)
		if err != nil {
			t.Errorf("%d: %v", i, err)
			continue
		}
		var got []string
		for _, x := range w {
			got = append(got, x.Message)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%d: warnings\n got %q\nwant %q", i, got, tt.want)
		}
	}
}

func TestSamePatternInTwoCategories(t *testing.T) {
	// One glob listed in two categories is compiled once with both bits.
	p, w := mustCompile(t, Config{Categories: []Category{
		{Name: "a", Required: true, Cookies: []string{"x_*", "/^y/"}},
		{Name: "b", Cookies: []string{"x_*", "/^y/"}},
	}})
	if len(w) != 0 {
		t.Errorf("warnings: %v", w)
	}
	for _, n := range []string{"x_1", "yy"} {
		if m, prim, _ := p.Classify(n); m != 0b11 || prim != 1 {
			t.Errorf("Classify(%s) = %b, %d", n, m, prim)
		}
	}
}

func TestEmptyPolicy(t *testing.T) {
	p, _ := mustCompile(t, Config{})
	if m, prim, known := p.Classify("x"); m != 0 || prim != -1 || known {
		t.Error("empty policy classified something")
	}
	if d := p.Decide("x", 0); d.Allowed {
		t.Error("empty policy allowed unknown cookie")
	}
}

// TestSources checks the order of sources: operator patterns beat built-in
// ones, which beat the database; "most restrictive wins" only applies
// within one source.
func TestSources(t *testing.T) {
	cats := DefaultCategories()
	cats[0].Operator = []string{"lang", "myapp_*"}        // necessary
	cats[2].Operator = []string{"myapp_stats", "pref_ui"} // analytics
	cats[1].Operator = []string{"pref_*"}                 // functional
	p, w := mustCompile(t, Config{Categories: cats, ConsentCookieNames: []string{"consent"}})
	// "myapp_stats" inside necessary "myapp_*" is the intended override;
	// "pref_ui" in two optional categories is worth a warning.
	if len(w) != 1 || !strings.Contains(w[0].Message, `"pref_ui" matches categories functional and analytics`) {
		t.Errorf("warnings %v", w)
	}
	tests := []struct {
		name, cat string
		src       Source
	}{
		{"lang", "necessary", SourceOperator},        // built-in says functional
		{"myapp_sess", "necessary", SourceOperator},  // built-in knows nothing
		{"myapp_stats", "analytics", SourceOperator}, // two operator patterns: most restrictive
		{"pref_ui", "analytics", SourceOperator},     // likewise
		{"pref_x", "functional", SourceOperator},     //
		{"locale", "functional", SourceBuiltin},      // untouched built-in
		{"_ga", "analytics", SourceBuiltin},          //
		{"PHPSESSID", "necessary", SourceBuiltin},    //
		{"totally_unknown", "", SourceNone},          //
	}
	for _, tt := range tests {
		m, prim, src := p.ClassifySource(tt.name)
		got := ""
		if m != 0 {
			got = p.Categories()[prim].Name
		}
		if got != tt.cat || src != tt.src {
			t.Errorf("ClassifySource(%q) = %q from %q, want %q from %q", tt.name, got, src, tt.cat, tt.src)
		}
		d := p.Decide(tt.name, 0)
		if d.Source != tt.src || d.Category != tt.cat || d.Allowed != (tt.cat == "necessary") {
			t.Errorf("Decide(%q, none) = %+v", tt.name, d)
		}
	}
	if d := p.Decide("consent", 0); d.Source != SourceConsent || !d.Allowed {
		t.Errorf("consent cookie: %+v", d)
	}
	// The operator's category copy is independent of the input.
	cats[0].Operator[0] = "mutated"
	if p.Categories()[0].Operator[0] != "lang" {
		t.Error("Compile shares Operator slices")
	}
	// Operator patterns are validated like built-in ones, and an operator
	// overlap is reported among operator patterns only.
	if _, _, err := Compile(Config{Categories: []Category{{Name: "necessary", Required: true, Operator: []string{"bad name"}}}}); err == nil || !strings.Contains(err.Error(), `"bad name"`) {
		t.Errorf("bad operator pattern: %v", err)
	}
	_, w2, _ := Compile(Config{Categories: []Category{
		{Name: "necessary", Required: true, Operator: []string{"x"}, Cookies: []string{"y"}},
		{Name: "analytics", Operator: []string{"x"}, Cookies: []string{"z"}},
	}})
	if len(w2) != 1 || !strings.Contains(w2[0].Message, `cookie "x" matches categories necessary and analytics`) {
		t.Errorf("warnings %v", w2)
	}
	// A category with only operator patterns is not "empty".
	_, w3, _ := Compile(Config{Categories: []Category{{Name: "necessary", Required: true, Operator: []string{"x"}}}})
	if len(w3) != 0 {
		t.Errorf("warnings %v", w3)
	}
}

func TestClassifyAllocsAllSources(t *testing.T) {
	d, err := BuiltinCookieDatabase()
	if err != nil {
		t.Fatal(err)
	}
	cats := DefaultCategories()
	cats[0].Operator = []string{"lang", "myapp_*"}
	p, _ := mustCompile(t, Config{Categories: cats, Database: d})
	names := append([]string{"lang", "myapp_x", "ci_session", "_twitter_sess"}, benchNames...)
	allocs := testing.AllocsPerRun(1000, func() {
		for _, n := range names {
			if p.Decide(n, 0).Allowed {
				sink++
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("Decide with all sources allocated %.1f times; want 0", allocs)
	}
}
