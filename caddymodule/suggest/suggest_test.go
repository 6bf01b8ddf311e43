package suggest

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func collect(t *testing.T, logs []string, hars []string) *Inventory {
	t.Helper()
	c := New()
	for _, p := range logs {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddLog(p, f); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	for _, p := range hars {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddHAR(p, f); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	return c.Inventory()
}

func byName(inv *Inventory) map[string]Cookie {
	m := map[string]Cookie{}
	for _, c := range inv.Cookies {
		m[c.Name] = c
	}
	return m
}

func TestHARInventory(t *testing.T) {
	inv := collect(t, nil, []string{"testdata/shop.har"})
	m := byName(inv)
	for _, w := range []struct {
		name, category, source string
		set, readBack          int64
	}{
		{"myapp_sess", "necessary", SourceHeuristic, 1, 2}, // request header + HAR cookies array of a first-party subdomain
		{"csrf_token", "necessary", "", 1, 1},              // built-in lists know common names
		{"cart_id", "necessary", "", 1, 1},
		{"lang", "functional", "", 1, 1}, // built-in or database, whichever knows it first
		{"_ga", "analytics", SourceBuiltin, 1, 1},
		{"zq_vid", "analytics", SourceHeuristic, 1, 1}, // "vid" + long-lived + random-looking
	} {
		c, ok := m[w.name]
		if !ok {
			t.Errorf("%s missing from the inventory", w.name)
			continue
		}
		if c.Category != w.category || (w.source != "" && c.Source != w.source) || c.Set != w.set || c.ReadBack != w.readBack {
			t.Errorf("%s = %+v, want category %s source %q set %d read back %d", w.name, c, w.category, w.source, w.set, w.readBack)
		}
	}
	if _, ok := m["NID"]; ok {
		t.Error("a third-party Set-Cookie (google.com) counted as the site's cookie")
	}
	if c := m["old_thing"]; c.Attributes == nil || c.Attributes.LifetimeS != 0 || !strings.Contains(c.Attributes.String(), "only ever deleted") {
		t.Errorf("a cookie only deleted: %+v", c)
	}
	if a := m["myapp_sess"].Attributes; a == nil || !a.HTTPOnly || !a.Secure || a.LifetimeS != -1 || a.SameSite != "Lax" {
		t.Errorf("myapp_sess attributes %+v", a)
	}

	hosts := map[string]Tracker{}
	for _, tr := range inv.Trackers {
		hosts[tr.Host] = tr
	}
	if tr := hosts["www.googletagmanager.com"]; tr.Source != SourceBuiltin || tr.Preset == "" || tr.Category != "analytics" {
		t.Errorf("gtag host: %+v", tr)
	}
	if tr := hosts["cdn.newtracker.example"]; tr.Source != SourceHeuristic || tr.Category != "analytics" || strings.Join(tr.Tags, ",") != "script" {
		t.Errorf("newtracker: %+v", tr)
	}
	if tr := hosts["px.unknownco.example"]; tr.Source != SourceReview || strings.Join(tr.Tags, ",") != "img" {
		t.Errorf("unknown pixel host (typed by its MIME type): %+v", tr)
	}
	if _, ok := hosts["fonts.gstatic.com"]; ok {
		t.Error("a font counted as a tracker")
	}
	if _, ok := hosts["static.shop.example"]; ok {
		t.Error("the site's own subdomain counted as third party")
	}

	// No cookie value ever reaches the output.
	var out bytes.Buffer
	for _, f := range []string{FormatText, FormatJSON, FormatCaddyfile} {
		if err := inv.Write(&out, f); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []string{"Zk3j2L9aQ0pXw7Rt5Yv1", "Q2hhbmdlTWUx", "8f14e45fceea", "a81f3c9e2b7d", "GA1.2.1234567890"} {
		if strings.Contains(out.String(), v) {
			t.Errorf("cookie value %s in the output", v)
		}
	}
}

func TestAuditLogInventory(t *testing.T) {
	inv := collect(t, []string{"testdata/report-mode.log"}, nil)
	m := byName(inv)
	if c := m["acct_auth"]; c.Category != "necessary" || c.Source != SourceHeuristic || c.ReadBack != 2 || c.Set != 2 {
		t.Errorf("acct_auth %+v (want necessary from HttpOnly session + name, read back 2: schema 1 and 2 filtered)", c)
	}
	if c := m["prefs_currency"]; c.Category != "functional" {
		t.Errorf("prefs_currency %+v", c)
	}
	if c := m["_fbp"]; c.Category != "advertising" || c.Source != SourceConfig {
		t.Errorf("_fbp %+v: the gateway's own classification comes first", c)
	}
	if c := m["blob"]; c.Source != SourceReview || c.Category != "" {
		t.Errorf("blob %+v: nothing says what it is", c)
	}
	if len(inv.Trackers) != 1 || inv.Trackers[0].Host != "stats.widgetco.example" || inv.Trackers[0].Category != "analytics" {
		t.Errorf("trackers %+v", inv.Trackers)
	}
}

func TestCaddyfileBlock(t *testing.T) {
	inv := collect(t, []string{"testdata/report-mode.log"}, []string{"testdata/shop.har"})
	got := inv.Caddyfile()
	for _, want := range []string{
		"consent {\n",
		"\tcategory necessary {\n\t\tcookies acct_auth myapp_sess\n\t}\n",
		"\tcategory functional {\n\t\tcookies prefs_currency\n\t}\n",
		"\tcategory analytics {\n\t\tcookies zq_vid\n\t}\n",
		"\t#   blob: set 1, read back 1,",
		"\tvendor cdn-newtracker-example {\n\t\ttitle \"cdn.newtracker.example\"\n\t\tcategory analytics\n\t\tscript_hosts cdn.newtracker.example\n\t}\n",
		"\t# vendor px-unknownco-example {\n\t# \ttitle \"px.unknownco.example\"\n\t# \tcategory advertising\n\t# \tpixel_hosts px.unknownco.example\n\t# }\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("block lacks %q:\n%s", want, got)
		}
	}
	// What the gateway or the built-ins already classify is not repeated.
	for _, not := range []string{"_fbp", "_ga ", "googletagmanager"} {
		if strings.Contains(got, not) {
			t.Errorf("block repeats %q:\n%s", not, got)
		}
	}
	if strings.Count(got, "{") != strings.Count(got, "}") {
		t.Errorf("unbalanced braces:\n%s", got)
	}
	var j Inventory
	var buf bytes.Buffer
	if err := inv.Write(&buf, FormatJSON); err != nil || json.Unmarshal(buf.Bytes(), &j) != nil || len(j.Cookies) != len(inv.Cookies) {
		t.Errorf("json output: %v", err)
	}
	if err := inv.Write(&buf, "yaml"); err == nil {
		t.Error("an unknown format was accepted")
	}
}

func TestHeuristics(t *testing.T) {
	session := &Attributes{HTTPOnly: true, LifetimeS: -1}
	year := &Attributes{LifetimeS: 365 * day}
	for _, c := range []struct {
		name   string
		a      *Attributes
		random bool
		want   string
	}{
		{"XSRF-TOKEN", year, false, "necessary"}, // CSRF tokens are read by scripts
		{"remember_web_59ba36", &Attributes{HTTPOnly: true, LifetimeS: 5 * 365 * day}, false, "necessary"},
		{"myAppSession", session, false, "necessary"},
		{"auth_token", year, false, ""}, // long-lived and script-readable: not a session, review
		{"site_theme", year, false, "functional"},
		{"adv_uid", year, true, "advertising"},
		{"visitor_id", year, true, "analytics"},
		{"qwerty", year, true, ""},
		{"qwerty", session, false, ""},
	} {
		if got, why := heuristic(c.name, c.a, c.random); got != c.want {
			t.Errorf("heuristic(%s, %+v) = %q (%s), want %q", c.name, c.a, got, why, c.want)
		}
	}
	if !randomLooking("a81f3c9e2b7d4f60a1b2c3d4e5f60718") || randomLooking("de") || randomLooking("dark-mode-enabled-yes") {
		t.Error("randomLooking")
	}
}

func TestNotAHAR(t *testing.T) {
	if err := New().AddHAR("x.har", strings.NewReader("{not json")); err == nil || !strings.Contains(err.Error(), "x.har") {
		t.Errorf("err = %v", err)
	}
}
