package enforce

import (
	"strings"
	"testing"
	"time"

	"github.com/consentgate/caddy-consent/caddymodule/config"
	"github.com/consentgate/caddy-consent/caddymodule/consentcookie"
)

// A preset the operator files under another category takes its cookies
// there, although the built-in lists name them under a stricter one
// (`preset hubspot { category analytics }` used to leave __hstc advertising).
func TestMovedPresetCookiesFollowIt(t *testing.T) {
	e := testEngine(t, func(c *config.Config) {
		c.Presets = []config.PresetConfig{{Name: "hubspot", Category: "analytics"}}
	})
	d := e.Decide(navigation("http://shop.test/", e.CookieName(false)+"="+mint(t, e, "analytics")), time.Now(), nil)
	if v := d.SetCookie("__hstc=1.2.3; Path=/"); !v.Keep || v.Category != "analytics" {
		t.Fatalf("__hstc with analytics consent: keep=%v category=%s; want kept as analytics", v.Keep, v.Category)
	}
}

// A consent_mode block that names some signals keeps the default mapping
// of the others: no signal is ever left undeclared.
func TestConsentModePartialMappingKeepsDefaults(t *testing.T) {
	e := testEngine(t, func(c *config.Config) {
		c.ConsentMode = &config.ConsentModeConfig{Mapping: map[string][]string{"analytics_storage": {"functional"}}}
	})
	out := string(e.Decide(navigation("http://shop.test/"), time.Now(), nil).ConsentModeSnippet(""))
	for _, signal := range []string{"ad_storage", "ad_user_data", "ad_personalization", "analytics_storage", "functionality_storage"} {
		if !strings.Contains(out, `"`+signal+`":"denied"`) {
			t.Errorf("signal %s not declared denied: %s", signal, out)
		}
	}
	if got := e.ConsentMode()["analytics_storage"]; len(got) != 1 || got[0] != "functional" {
		t.Errorf("operator mapping not applied: %v", got)
	}
}

// Turning off a category that default presets need names the fix.
func TestCategoryOffWithDefaultPresetsSaysHow(t *testing.T) {
	cfg := &config.Config{Categories: []config.CategoryConfig{{Name: "advertising", Disabled: true}}}
	if err := cfg.Normalize(); err != nil {
		t.Fatal(err)
	}
	codec, _ := consentcookie.New(cfg.Cookie.Name, []consentcookie.KeyPair{consentcookie.GenerateKeyPair()}, time.Hour)
	_, _, err := New(cfg, codec)
	if err == nil || !strings.Contains(err.Error(), "category advertising is off") || !strings.Contains(err.Error(), "presets none") {
		t.Fatalf("error %v; want one naming the category and `presets none`", err)
	}
}

// A consent lifetime under 6 months forgets refusals too early for EU
// practice: the configuration loads with a warning that says so.
func TestShortMaxAgeWarns(t *testing.T) {
	cfg := &config.Config{Cookie: &config.CookieConfig{MaxAge: config.Duration(30 * 24 * time.Hour)}}
	if err := cfg.Normalize(); err != nil {
		t.Fatal(err)
	}
	codec, _ := consentcookie.New(cfg.Cookie.Name, []consentcookie.KeyPair{consentcookie.GenerateKeyPair()}, time.Hour)
	_, warnings, err := New(cfg, codec)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range warnings {
		found = found || strings.Contains(w.Message, "at least 6 months")
	}
	if !found {
		t.Fatalf("no warning about a 30-day max_age: %v", warnings)
	}
}
