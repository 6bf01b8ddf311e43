package caddymodule

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/consentgate/caddy-consent/caddymodule/config"
)

const (
	testHashKey  = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg=="
	testBlockKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
)

func TestUnmarshalCaddyfile(t *testing.T) {
	dir := t.TempDir()
	tmpl, css := filepath.Join(dir, "banner.html"), filepath.Join(dir, "banner.css")
	for _, f := range []string{tmpl, css} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := caddyfile.NewTestDispenser(`consent {
		policy_version 2026-11-28
		mode report
		endpoint /privacy
		unknown_cookies analytics
		keys ` + testHashKey + ` ` + testBlockKey + `
		keys {env.OLD_HASH} {env.OLD_BLOCK}
		cookie {
			name site_consent
			max_age 6mo
			domain example.com
			path /
			same_site strict
		}
		category analytics {
			label "Statistics"
			description "Counting visits"
			cookies _pk_* /^_hj.*$/
			cookies extra
			cookie_domain example.com
			cookie_path /
		}
		category advertising off
		category social {
			cookies twtr_*
			sale_or_share on
			required
			replace_cookies
		}
		banner {
			notice_url /cookies
			default_lang de
			settings_control off
			template ` + tmpl + `
			stylesheet ` + css + `
			text title "Cookies?"
			text de title "Kekse?"
		}
		log_ip_bits 16 32
		presets none
		preset ga4 matomo-selfhosted
		preset -hotjar
		evidence summary 5m
		cookie_database off
	}`)
	var h Handler
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	on := true
	want := Handler{Config: config.Config{
		PolicyVersion:  "2026-11-28",
		Mode:           "report",
		Endpoint:       "/privacy",
		UnknownCookies: "analytics",
		Keys:           []KeyConfig{{Hash: testHashKey, Block: testBlockKey}, {Hash: "{env.OLD_HASH}", Block: "{env.OLD_BLOCK}"}},
		Cookie: &CookieConfig{Name: "site_consent", MaxAge: config.Duration(6 * (30*24*time.Hour + 9*time.Hour + 36*time.Minute)),
			Domain: "example.com", Path: "/", SameSite: "strict"},
		Categories: []CategoryConfig{
			{Name: "analytics", Label: "Statistics", Description: "Counting visits", Cookies: []string{"_pk_*", "/^_hj.*$/", "extra"}, CookieDomain: "example.com", CookiePath: "/"},
			{Name: "advertising", Disabled: true},
			{Name: "social", Cookies: []string{"twtr_*"}, SaleOrShare: &on, Required: true, ReplaceCookies: true},
		},
		Banner: &BannerConfig{NoticeURL: "/cookies", DefaultLang: "de", NoSettingsControl: true, TemplateFile: tmpl,
			StylesheetFile: css, Texts: map[string]string{"title": "Cookies?"}, LangTexts: map[string]map[string]string{"de": {"title": "Kekse?"}}},
		LogIPv4Bits:     16,
		LogIPv6Bits:     32,
		PresetsDefault:  "none",
		Presets:         []PresetConfig{{Name: "ga4"}, {Name: "matomo-selfhosted"}},
		PresetsDisabled: []string{"hotjar"},
		Evidence:        &EvidenceConfig{Mode: "summary", Interval: config.Duration(5 * time.Minute)},
		CookieDatabase:  "off",
	}}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("got  %+v\nwant %+v", h, want)
	}
}

func TestUnmarshalCaddyfileErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`consent extra`, "wrong argument count"},
		{`consent { bogus 1 }`, `unknown subdirective "bogus"`},
		{`consent { mode sometimes }`, `mode "sometimes": use enforce or report`},
		{`consent { mode report
mode enforce }`, "mode is set twice"},
		{`consent { endpoint consent }`, `endpoint "consent": use an absolute path`},
		{`consent { keys short }`, "keys takes a hash key and a block key"},
		{`consent { keys c2hvcnQ= ` + testBlockKey + ` }`, "keys: hash key:"},
		{`consent { keys ` + testHashKey + ` c2hvcnQ= }`, "keys: block key:"},
		{`consent { cookie { max_age 400d } }`, "at most 13 months"},
		{`consent { cookie { max_age 14mo } }`, "at most 13 months"},
		{`consent { cookie { max_age soon } }`, `cookie max_age: "soon" is not a duration`},
		{`consent { cookie { same_site none } }`, `same_site "none": use lax or strict`},
		{`consent { cookie { name "a b" } }`, `cookie name "a b"`},
		{`consent { cookie { flavour oat } }`, `cookie: unknown option "flavour"`},
		{`consent { cookie { path relative } }`, "must start with /"},
		{`consent { category }`, "category needs a name"},
		{`consent { category Ads }`, `category "Ads": use 1-32 lower-case letters`},
		{`consent { category ads maybe }`, `only "off" may follow`},
		{`consent { category ads { cookies /[/ } }`, "category ads:"},
		{`consent { category ads { cookies } }`, "cookies needs at least one"},
		{`consent { category ads { label } }`, "label takes [<lang>] <text>"},
		{`consent { category ads { label a
label b } }`, "label is set twice"},
		{`consent { category ads { colour red } }`, `unknown option "colour"`},
		{`consent { category ads { sale_or_share maybe } }`, "sale_or_share takes on or off"},
		{`consent { category ads { required yes } }`, "required takes no value"},
		{`consent { category ads { cookie_path x } }`, `cookie_path "x": must start with /`},
		{`consent {
category ads { cookies a }
category ads { cookies b }
}`, `category "ads" is declared twice`},
		{`consent { unknown_cookies nowhere }`, `unknown_cookies "nowhere": use strip, allow or one of the categories necessary, functional, analytics, advertising`},
		{`consent {
unknown_cookies advertising
category advertising off
}`, `unknown_cookies "advertising": use strip, allow or one of the categories necessary, functional, analytics`},
		{`consent { banner maybe }`, `only "off" may follow`},
		{`consent { banner { colour red } }`, `banner: unknown option "colour"`},
		{`consent { banner { text } }`, "text takes [<lang>] <key> <text>"},
		{`consent { banner { settings_control maybe } }`, "settings_control takes on or off"},
		{`consent { log_ip_bits 33 48 }`, "use IPv4 bits 0-32"},
		{`consent { log_ip_bits lots }`, "log_ip_bits takes two numbers"},
		{`consent { preset }`, "preset needs at least one name"},
		{`consent { preset nosuchvendor }`, `unknown preset "nosuchvendor"`},
		{`consent {
preset ga4
preset ga4
}`, `preset "ga4" is enabled twice`},
		{`consent { preset ga4 hotjar { category functional } }`, "only `category <name>` may be set, for one preset at a time"},
		{`consent { vendor }`, "vendor needs a name"},
		{`consent { vendor x { cookies /[/ } }`, "vendor x:"},
		{`consent { vendor x { script_hosts a.example } }`, "vendor x: set its category"},
		{`consent { vendor x { colour red } }`, `vendor x: unknown option "colour"`},
		{`consent { block /collect }`, "block takes a category and a path"},
		{`consent { block analytics /collect { response 500 } }`, "response gif|204"},
		{`consent { gpc maybe }`, `only "off" may follow the word gpc`},
		{`consent { gpc { announce } }`, `gpc: unknown option "announce"`},
		{`consent { consent_mode { ad_storage } }`, "name the categories that grant this signal"},
		// One validation for every path: these name the directive, the
		// bad value, what is valid, and where.
		{`consent { cookie { max_age 2y } }`, "units d (days), mo (months of 30.4 days), h, m, s"},
		{`consent { preset ga4 { category ads } }`, `preset ga4 { category }: unknown category "ads"; this configuration has necessary, functional, analytics, advertising`},
		{`consent { consent_mode { ad_storage ads } }`, `consent_mode ad_storage: unknown category "ads"`},
		{`consent { block ads /collect }`, `block /collect: unknown category "ads"`},
		{`consent { vendor x { category ads } }`, `vendor x category: unknown category "ads"`},
		{`consent { banner { text colour "red" } }`, `banner text colour: unknown text key "colour"; valid keys:`},
		{`consent { banner { text de colour "x" } }`, `banner text de colour: unknown text key "colour"`},
		{`consent { banner { text klingon title "x" } }`, `banner text klingon: "klingon" is not a language tag such as de or pt-br`},
		{`consent { banner { template /nonexistent/banner.html } }`, `banner template "/nonexistent/banner.html": no such file`},
		{`consent { banner { stylesheet /nonexistent/banner.css } }`, `banner stylesheet "/nonexistent/banner.css": no such file`},
		{`consent { banner { default_lang english } }`, `banner default_lang "english"`},
		{`consent { cookie_database /nonexistent/ocd.csv }`, `cookie_database "/nonexistent/ocd.csv": no such file`},
		{`consent { endpoint / }`, `endpoint "/": use an absolute path below the site root`},
		{`consent { evidence sometimes }`, `evidence "sometimes": use response`},
		{`consent { evidence summary soon }`, `evidence summary: "soon" is not a duration`},
		{`consent { presets some }`, "presets takes all"},
		{`consent { preset -nosuchvendor }`, `unknown preset "nosuchvendor"`},
		{`consent { cookie_database }`, "cookie_database takes off (no database) or the path"},
	} {
		// One-line blocks are written for brevity; a Caddyfile needs
		// the braces on their own lines.
		in := strings.ReplaceAll(strings.ReplaceAll(c.in, "{ ", "{\n"), " }", "\n}")
		var h Handler
		err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got error %v, want one containing %q", c.in, err, c.want)
		}
		if err != nil && !strings.Contains(err.Error(), "Testfile:") {
			t.Errorf("%q: error %q does not name the file and line", c.in, err)
		}
		if err != nil && (strings.Contains(err.Error(), "banner: banner") || strings.Contains(err.Error(), "consent: consent:") ||
			strings.Contains(err.Error(), "stylesheet_file") || strings.Contains(err.Error(), "template_file")) {
			t.Errorf("%q: error %q repeats a prefix or names a JSON field instead of the directive", c.in, err)
		}
	}
}

// Errors found when the whole block is validated point at the line that
// wrote the bad value, not at the end of the block.
func TestCaddyfileErrorLines(t *testing.T) {
	for in, want := range map[string]string{
		"consent {\n\tmode report\n\tpreset ga4 {\n\t\tcategory ads\n\t}\n\tembed_placeholder\n}": "Testfile:3",
		"consent {\n\tmode report\n\tconsent_mode {\n\t\tad_storage ads\n\t}\n}":                  "Testfile:3",
		"consent {\n\tmode report\n\tblock x /a\n\tembed_placeholder\n}":                          "Testfile:3",
	} {
		var h Handler
		err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(in))
		if err == nil || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("%q: %v, want the error at %s", in, err, want)
		}
	}
}
