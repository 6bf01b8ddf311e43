package inventory

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var shopCats = []CategoryInfo{
	{Name: "necessary", Label: "Essential", Description: "Needed for the site to work.", Required: true},
	{Name: "functional", Label: "Functionality"},
	{Name: "analytics", Label: "Analytics"},
	{Name: "advertising", Label: "Advertising"},
	{Name: "social", Label: "Social media"},
}

// shopFacts stands in for the cookie database: vendor and a typical
// retention, no purpose (ours are filled in).
func shopFacts(name string) (vendor, purpose, retention string, ok bool) {
	switch name {
	case "_ga":
		return "Google Analytics", "", "2 years", true
	case "_fbp":
		return "Meta", "", "3 months", true
	case "csrf_token":
		return "", "Protects the forms of this shop against forged requests.", "", true
	}
	return "", "", "", false
}

func TestDeclarationJSONGolden(t *testing.T) {
	now := t0.Add(24 * time.Hour)
	s := New(Options{Now: clock(&now)})
	fill(s)
	d := s.Declaration(shopCats, shopFacts)
	got, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "declaration.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update once to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("declaration JSON differs from %s (go test -update rewrites it after review):\n%s", golden, got)
	}
}

func TestDeclarationContent(t *testing.T) {
	now := t0.Add(24 * time.Hour)
	s := New(Options{Now: clock(&now)})
	fill(s)
	d := s.DeclarationIn("de", shopCats, shopFacts)
	var order []string
	for _, c := range d.Categories {
		order = append(order, c.Name)
	}
	if got := strings.Join(order, " "); got != "necessary functional analytics advertising social unclassified" {
		t.Fatalf("sections %q: want the configured order, then unclassified", got)
	}
	sec := func(name string) Section {
		for _, c := range d.Categories {
			if c.Name == name {
				return c
			}
		}
		t.Fatalf("no section %q", name)
		return Section{}
	}
	if got := names(sec("necessary").Cookies); got != "csrf_token myapp_sess" {
		t.Fatalf("necessary cookies %q", got)
	}
	ga := sec("analytics").Cookies[0]
	if ga.Vendor != "Google Analytics" || !strings.HasPrefix(ga.Purpose, "Google Analytics: eine zufällige") || ga.Retention != "13 Monate" {
		t.Fatalf("_ga = %+v: want the vendor's German purpose and the observed lifetime (400 days, 13 months), not the database's 2 years", ga)
	}
	if c := sec("necessary").Cookies[0]; c.Purpose != "Protects the forms of this shop against forged requests." || c.Retention != "Sitzung" {
		t.Fatalf("csrf_token = %+v: a purpose from facts wins", c)
	}
	if c := sec("necessary").Cookies[1]; !strings.HasPrefix(c.Purpose, "Hält die Website") {
		t.Fatalf("myapp_sess purpose %q: want the category's", c.Purpose)
	}
	if c := sec("unclassified").Cookies; len(c) != 1 || c[0].Name != "mystery" || c[0].Purpose != "" || c[0].Retention != "1 Stunde" {
		t.Fatalf("unclassified = %+v", c)
	}
	tr := sec("analytics").Trackers
	if len(tr) != 2 || tr[0].Vendor != "Google Analytics" || tr[1].Vendor != "Hotjar" || strings.Join(tr[1].Hosts, " ") != "static.hotjar.com" {
		t.Fatalf("analytics trackers %+v: want hosts held back at least once, by vendor", tr)
	}
	if len(sec("social").Cookies) != 0 || len(sec("social").Trackers) != 0 {
		t.Fatal("social has nothing observed")
	}
}

func TestRetention(t *testing.T) {
	const day = 86400
	for _, c := range []struct {
		secs   int64
		en, de string
	}{
		{-1, "session", "Sitzung"},
		{1, "1 second", "1 Sekunde"},
		{30, "30 seconds", "30 Sekunden"},
		{60, "1 minute", "1 Minute"},
		{1800, "30 minutes", "30 Minuten"},
		{3600, "1 hour", "1 Stunde"},
		{23 * 3600, "23 hours", "23 Stunden"},
		{day, "1 day", "1 Tag"},
		{90 * day, "90 days", "90 Tage"},
		{182 * day, "182 days", "182 Tage"},
		{365 * day, "1 year", "1 Jahr"},
		{365*day - 3600, "1 year", "1 Jahr"},
		{366 * day, "1 year", "1 Jahr"},
		{400 * day, "13 months", "13 Monate"},
		{730 * day, "2 years", "2 Jahre"},
		{10 * 365 * day, "10 years", "10 Jahre"},
	} {
		if got := Retention("en", c.secs); got != c.en {
			t.Errorf("Retention(en, %d) = %q, want %q", c.secs, got, c.en)
		}
		if got := Retention("de-AT", c.secs); got != c.de {
			t.Errorf("Retention(de-AT, %d) = %q, want %q", c.secs, got, c.de)
		}
	}
}

func TestPurpose(t *testing.T) {
	for _, c := range []struct{ lang, vendor, category, prefix string }{
		{"en", "Google Analytics", "analytics", "Google Analytics:"},
		{"en", "Facebook", "advertising", "Meta (Facebook"},
		{"en", "Meta Platforms", "advertising", "Meta (Facebook"},
		{"en", "Metadata Corp", "advertising", "Measures and personalises"}, // not Meta
		{"en", "Cloudflare", "necessary", "Hosting and security"},
		{"en", "Cloudflare", "analytics", "Counts visits"}, // vendor text only for its category
		{"fr", "Hotjar", "analytics", "Session recording"}, // English fallback
		{"de", "", "functional", "Merkt sich"},
		{"en", "", "social", ""}, // an operator's category: its description says it
	} {
		got := Purpose(c.lang, c.vendor, c.category)
		if !strings.HasPrefix(got, c.prefix) || (c.prefix == "" && got != "") {
			t.Errorf("Purpose(%s, %q, %s) = %q, want prefix %q", c.lang, c.vendor, c.category, got, c.prefix)
		}
	}
}

func TestShownNames(t *testing.T) {
	cs := []Cookie{{Name: "a", Retention: "session"}, {Name: "b", Retention: "1 year"}, {Name: "c", Retention: "90 days"}}
	if got := strings.Join(ShownNames(cs, 2), ", "); got != "a (session), b (1 year), … (+1)" {
		t.Fatalf("ShownNames = %q", got)
	}
	if got := strings.Join(ShownNames(cs, 0), ", "); got != "a (session), b (1 year), c (90 days)" {
		t.Fatalf("ShownNames = %q", got)
	}
}
