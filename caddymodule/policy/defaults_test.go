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
		"laravel_session": "necessary", "XSRF-TOKEN": "necessary", "wordpress_logged_in_0123456789abcdef0123456789abcdef": "necessary",
		"wordpress_sec_0123456789abcdef0123456789abcdef": "necessary", "wordpress_test_cookie": "necessary", "__cf_bm": "necessary",
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

// TestDefaultsIssue13 holds the names a security review found stored
// without consent because broad built-in necessary globs covered them.
func TestDefaultsIssue13(t *testing.T) {
	p, _, err := Compile(Config{Categories: DefaultCategories()})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		"_fbp_session", "SESStracker", "KEYCLOAK_track", "BIGipServertrack", "cf_chl_uid",
		// More of the same shape.
		"SSESStracker", "SESS0123456789abcdef0123456789abcde", "wordpress_logged_in_track",
		"visid_incap_track", "incap_ses_x", "nlbi_track", "TStrack", "TS01a2b3c4_tracker",
		"cf_chl_seq_track", "AWSALBAPP-9", "remember_web_track", "PrestaShop-track",
		"AUTH_SESSION_ID_track", "_pxff_tracker_id", "__cfseq-", ".AspNetCore.CookiesTrack",
	} {
		if d := p.Decide(name, 0); d.Allowed {
			t.Errorf("%q passes without consent: %+v", name, d)
		}
	}
}

// TestDefaultsNecessaryNames holds every essential name the built-in list
// must keep (sessions, sign-in, CSRF, carts, load balancers, WAF and bot
// management): stripping any of them breaks sites.
func TestDefaultsNecessaryNames(t *testing.T) {
	p, _, err := Compile(Config{Categories: DefaultCategories()})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		// Generic session, auth, CSRF and cart names.
		"session_id", "sessid", "sid", "auth", "auth_token", "authToken", "access_token", "refresh_token",
		"id_token", "jwt", "remember_token", "remember_me", "csrf", "csrf_token", "_csrf_token", "csrf-token",
		"CSRF-TOKEN", "XSRF-TOKEN", "csrftoken", "_csrf", "cart", "cart_id", "cartId", "cart_token",
		"basket", "basket_id", "user_session", "connect.sid", "session", "__session",
		// Frameworks.
		"remember_web_59ba36addc2b2f9401580f014c7f58ea4e30989d", "remember_admin_0123456789abcdef0123456789abcdef01234567",
		"myshop_session", "_myapp_session", "ci_session", "laravel_session", "grafana_session",
		"remember_user_token", "session.sig", "koa.sess", "koa.sess.sig", "rack.session", "PLAY_SESSION",
		"CAKEPHP", "csrfToken", "REMEMBERME", "CFID", "CFTOKEN", "CraftSessionId", "CRAFT_CSRF_TOKEN",
		"csrf_cookie_name", "xf_csrf", "phpbb3_abc12_sid", "phpbb3_abc12_u", "form_key", "mage-cache-sessid",
		"private_content_version", "X-Magento-Vary", "PrestaShop-0123456789abcdef0123456789abcdef",
		"sw-context-token", "SESS0123456789abcdef0123456789abcdef", "SSESS0123456789abcdef0123456789abcdef",
		"next-auth.session-token", "__Secure-next-auth.session-token", "__Host-next-auth.csrf-token",
		"authjs.session-token", "appSession", "appSession.0", "__client_uat", "__client_uat_abc",
		"sb-abcdefghijklmnopqrst-auth-token", "sb-abcdefghijklmnopqrst-auth-token.0",
		"AUTH_SESSION_ID", "KEYCLOAK_IDENTITY", "KEYCLOAK_SESSION", "KC_RESTART", "x-ms-cpim-sso:tenant",
		"_oauth2_proxy", "_oauth2_proxy_csrf", "_oauth2_proxy_1", "authelia_session", "_pomerium",
		"CF_Authorization", "AUTHP_SESSION_ID", "JSESSIONID.1a2b3c4d", ".AspNetCore.Cookies",
		".AspNetCore.CookiesC1", ".AspNetCore.Identity.Application", ".AspNetCore.Identity.ApplicationC2",
		"__AntiXsrfToken", "_secure_session_id", "cart_sig", "secure_customer_sig", "checkout_session_token_abc",
		"wordpress_logged_in_0123456789abcdef0123456789abcdef", "wp_woocommerce_session_0123456789abcdef0123456789abcdef",
		"wp-postpass_0123456789abcdef0123456789abcdef", "PLESKSESSID", "pmaAuth-1", "NOPCOMMERCE.AUTH",
		// Load balancers and hosting.
		"lb", "SERVERID", "route", "INGRESSCOOKIE", "GCLB", "__cflb", "AWSALB", "AWSALBCORS", "AWSALBTG",
		"AWSALBTGCORS", "AWSALBAPP-0", "AWSALBAPP-3", "AWSELB", "AWSELBCORS", "aws-waf-token", "ARRAffinity",
		"ARRAffinitySameSite", "ApplicationGatewayAffinity", "ApplicationGatewayAffinityCORS", "ASLBSA",
		"BIGipServer~Common~pool_www", "BIGipServer~DMZ~web-443", "BIGipServerpool_www.example.com_http",
		"BIGipServerwww_pool", "BIGipServerWEB-POOL", "BIGipServerweb443", "MRHSession", "LastMRH_Session",
		"TS01a2b3c4", "TS0123abcd", "TS01a2b3c4_77", "TS01a2b3c4029", "TSPD_101", "NSC_TMAS", "NSC_AAAC",
		// WAF, CDN and bot management.
		"__cf_bm", "cf_clearance", "_cfuvid", "__cfruid", "__cfwaitingroom", "cf_chl_rc_i", "cf_chl_rc_ni",
		"cf_chl_rc_m", "cf_chl_2", "cf_chl_prog", "cf_chl_seq_0123abcd", "__cfseq-abc123",
		"ak_bmsc", "bm_sv", "bm_sz", "_abck", "bm_mi", "AKA_A2", "bm_so", "sbsd", "akavpau_default",
		"visid_incap_123456", "incap_ses_1234_123456", "nlbi_123456", "nlbi_123456_2147483392", "reese84",
		"___utmvc", "datadome", "_px", "_px2", "_px3", "_pxhd", "_pxvid", "_pxde", "pxcts", "_pxff_cc",
		"KP_UIDz", "KP_UIDz-ssn", "_GRECAPTCHA", "sucuri_cloudproxy_uuid_0123abcd",
		"wfwaf-authcookie-0123456789abcdef0123456789abcdef", "__stripe_mid", "__stripe_sid",
	} {
		if d := p.Decide(name, 0); !d.Allowed || d.Category != "necessary" {
			t.Errorf("%q: %+v, want necessary", name, d)
		}
	}
}

// TestDefaultsAgainstDatabase checks that no name the embedded Open Cookie
// Database calls Analytics or Marketing is exempted by a built-in necessary
// pattern, except the ones reviewed here.
func TestDefaultsAgainstDatabase(t *testing.T) {
	d, err := BuiltinCookieDatabase()
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := Compile(Config{Categories: DefaultCategories()})
	if err != nil {
		t.Fatal(err)
	}
	reviewed := map[string]string{
		"_Brochure_session":   "the Rails session of Shopify's own marketing site",
		"_tracking_consent":   "Shopify stores the visitor's consent choice in it",
		"auth_token":          "X's sign-in token on x.com; on a first-party site it is the app's own",
		"sessionid":           "Django's session (Instagram runs Django)",
		"mtm_consent":         "Matomo's consent record",
		"mtm_consent_removed": "Matomo's consent withdrawal",
		"mtm_cookie_consent":  "Matomo's cookie consent record",
	}
	for _, e := range d.Entries() {
		if e.Category != "analytics" && e.Category != "advertising" {
			continue
		}
		name := e.Pattern
		if e.Wildcard {
			name = name[:len(name)-1] + "x1"
		}
		if dec := p.Decide(name, 0); dec.Allowed && reviewed[name] == "" {
			t.Errorf("%q (%s, %s in the database) is exempted by the built-ins as %s", name, e.Vendor, e.DatabaseCategory, dec.Category)
		}
	}
}
