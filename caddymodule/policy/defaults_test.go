package policy

import "testing"

func TestDefaultsCompileCleanly(t *testing.T) {
	p, w, err := Compile(Config{Categories: DefaultCategories(), ConsentCookieNames: []string{"consentgate"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range w {
		t.Errorf("warning: %s", x.Message)
	}
	cats := p.Categories()
	want := []struct {
		name, label string
		required    bool
		sale        bool
	}{
		{"necessary", "Essential", true, false},
		{"functional", "Performance and functionality", false, false},
		{"analytics", "Analytics", false, false},
		{"advertising", "Advertising", false, true},
	}
	if len(cats) != len(want) {
		t.Fatalf("%d default categories", len(cats))
	}
	for i, w := range want {
		c := cats[i]
		if c.Name != w.name || c.Label != w.label || c.Required != w.required || c.SaleOrShare != w.sale || c.Description == "" {
			t.Errorf("category %d = %+v", i, c)
		}
	}
	// DefaultCategories returns fresh slices.
	d := DefaultCategories()
	d[0].Cookies[0] = "mutated"
	if DefaultCategories()[0].Cookies[0] == "mutated" || NecessaryCookies[0] == "mutated" {
		t.Error("DefaultCategories shares its slices")
	}
}

func TestDefaultsClassify(t *testing.T) {
	p, _, err := Compile(Config{Categories: DefaultCategories()})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{
		// analytics
		"_ga": "analytics", "_ga_ABC123": "analytics", "_gid": "analytics", "_gat": "analytics",
		"_gat_gtag_UA_1_1": "analytics", "__utma": "analytics", "__utmz": "analytics", "FPID": "analytics",
		"FPLC": "analytics", "_clck": "analytics", "_clsk": "analytics", "_hjSessionUser_123": "analytics",
		"_hjSession_123": "analytics", "_pk_id.1.1fff": "analytics", "_pk_ses.1.1fff": "analytics",
		"_ym_uid": "analytics", "s_vi": "analytics", "s_ecid": "analytics", "s_cc": "analytics",
		"s_sq": "analytics", "AMCV_ABC%40AdobeOrg": "analytics", "AMP_abc123": "analytics",
		"mp_abc_mixpanel": "analytics", "ph_phc_abc_posthog": "analytics",
		// advertising
		"_gcl_au": "advertising", "_gcl_aw": "advertising", "_gac_UA-1": "advertising",
		"_fbp": "advertising", "_fbc": "advertising", "_uetsid": "advertising", "_uetvid": "advertising",
		"MUID": "advertising", "li_sugr": "advertising", "li_fat_id": "advertising", "bcookie": "advertising",
		"lidc": "advertising", "UserMatchHistory": "advertising", "AnalyticsSyncHistory": "advertising",
		"_ttp": "advertising", "_tt_enable_cookie": "advertising", "ttcsid": "advertising",
		"ttcsid_C123": "advertising", "_epik": "advertising", "_derived_epik": "advertising",
		"_pin_unauth": "advertising", "_pinterest_ct_ua": "advertising", "_scid": "advertising",
		"_scid_r": "advertising", "_rdt_uuid": "advertising", "__qca": "advertising",
		"__hstc": "advertising", "hubspotutk": "advertising", "__hssc": "advertising", "__hssrc": "advertising",
		// functional
		"lang": "functional", "locale": "functional", "pll_language": "functional",
		"wp-settings-1": "functional", "wp-settings-time-1": "functional",
		// necessary
		"PHPSESSID": "necessary", "JSESSIONID": "necessary", "ASP.NET_SessionId": "necessary",
		".AspNetCore.Session": "necessary", ".AspNetCore.Antiforgery.x1Y2": "necessary",
		".AspNetCore.Cookies": "necessary", ".AspNetCore.CookiesC1": "necessary",
		"__RequestVerificationToken": "necessary", "connect.sid": "necessary", "sessionid": "necessary",
		"csrftoken": "necessary", "_session_id": "necessary", "_myapp_session": "necessary",
		"laravel_session": "necessary", "XSRF-TOKEN": "necessary", "wordpress_logged_in_abc": "necessary",
		"wordpress_sec_abc": "necessary", "wordpress_test_cookie": "necessary", "__cf_bm": "necessary",
		"cf_clearance": "necessary", "_cfuvid": "necessary", "__cflb": "necessary",
		"__stripe_mid": "necessary", "__stripe_sid": "necessary", "_lscache_vary": "necessary",
		"mtm_consent": "necessary", "lb": "necessary",
		// unknown
		"totally_unknown": "", "": "", "ga": "", "_g": "", "wp-setting": "", "PHPSESSID2": "",
	}
	for name, want := range tests {
		_, prim, known := p.Classify(name)
		got := ""
		if known {
			got = p.Categories()[prim].Name
		}
		if got != want {
			t.Errorf("Classify(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestDefaultsHaveNoOverlapWithNecessary makes sure no default tracker
// pattern shadows a necessary cookie (which would strip it).
func TestDefaultsNecessaryNotShadowed(t *testing.T) {
	p, _, err := Compile(Config{Categories: DefaultCategories()})
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range NecessaryCookies {
		pat, _ := ParsePattern(src)
		if pat.Kind != Exact {
			continue
		}
		if d := p.Decide(src, 0); !d.Allowed || d.Category != "necessary" {
			t.Errorf("necessary cookie %q: %+v", src, d)
		}
	}
}
