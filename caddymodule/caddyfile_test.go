package caddymodule

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

const (
	testHashKey  = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg=="
	testBlockKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
)

func TestUnmarshalCaddyfile(t *testing.T) {
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
			template /etc/banner.html
			stylesheet /etc/banner.css
			text title "Cookies?"
			text de title "Kekse?"
		}
		log_ip_bits 16 32
	}`)
	var h Handler
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	on := true
	want := Handler{
		PolicyVersion:  "2026-11-28",
		Mode:           "report",
		Endpoint:       "/privacy",
		UnknownCookies: "analytics",
		Keys:           []KeyConfig{{testHashKey, testBlockKey}, {"{env.OLD_HASH}", "{env.OLD_BLOCK}"}},
		Cookie: &CookieConfig{Name: "site_consent", MaxAge: caddy.Duration(6 * (30*24*time.Hour + 9*time.Hour + 36*time.Minute)),
			Domain: "example.com", Path: "/", SameSite: "strict"},
		Categories: []CategoryConfig{
			{Name: "analytics", Label: "Statistics", Description: "Counting visits", Cookies: []string{"_pk_*", "/^_hj.*$/", "extra"}, CookieDomain: "example.com", CookiePath: "/"},
			{Name: "advertising", Disabled: true},
			{Name: "social", Cookies: []string{"twtr_*"}, SaleOrShare: &on, Required: true, ReplaceCookies: true},
		},
		Banner: &BannerConfig{NoticeURL: "/cookies", DefaultLang: "de", NoSettingsControl: true, TemplateFile: "/etc/banner.html",
			StylesheetFile: "/etc/banner.css", Texts: map[string]string{"title": "Cookies?"}, LangTexts: map[string]map[string]string{"de": {"title": "Kekse?"}}},
		LogIPv4Bits: 16,
		LogIPv6Bits: 32,
	}
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
		{`consent { cookie { max_age soon } }`, `cookie max_age "soon"`},
		{`consent { cookie { same_site none } }`, `same_site "none": use lax or strict`},
		{`consent { cookie { name "a b" } }`, `cookie name "a b"`},
		{`consent { cookie { flavour oat } }`, `unknown cookie option "flavour"`},
		{`consent { cookie { path relative } }`, "must start with /"},
		{`consent { category }`, "category needs a name"},
		{`consent { category Ads }`, `category name "Ads"`},
		{`consent { category ads maybe }`, `only "off" may follow`},
		{`consent { category ads { cookies /[/ } }`, "category ads:"},
		{`consent { category ads { cookies } }`, "cookies needs at least one"},
		{`consent { category ads { label } }`, "label takes one value"},
		{`consent { category ads { label a
label b } }`, "label is set twice"},
		{`consent { category ads { colour red } }`, `unknown option "colour"`},
		{`consent { category ads { sale_or_share maybe } }`, "sale_or_share takes on or off"},
		{`consent { category ads { required yes } }`, "required takes no value"},
		{`consent { category ads { cookie_path x } }`, "cookie_path must start with /"},
		{`consent {
category ads { cookies a }
category ads { cookies b }
}`, `category "ads" is declared twice`},
		{`consent { unknown_cookies nowhere }`, `unknown_cookies "nowhere": no such category`},
		{`consent {
unknown_cookies advertising
category advertising off
}`, "that category is turned off"},
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
		{`consent { cookie_database }`, "cookie_database takes the path"},
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
	}
}
