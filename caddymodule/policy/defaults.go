package policy

// Built-in categories. Each list is plain data: one pattern per line with a
// comment naming who sets the cookie. Keep additions in the category a data
// protection authority would put them in, not where a vendor would like
// them: when unsure, the later (more restrictive) category is the safer one,
// because a cookie listed in two categories needs consent for both.
//
// Only cookies that reach the site's own host are worth listing: cookies a
// vendor sets on its own domain (IDE on doubleclick.net, fr on facebook.com,
// NID on google.com) never pass through the gateway; blocking the vendor's
// script keeps them away. The few listed anyway are those the brief asked
// for by name (LinkedIn's and Microsoft's), since operators look for them.

// NecessaryCookies are strictly necessary ("Essential"): sessions, sign-in,
// CSRF protection, load balancing, bot and fraud protection, and cookies that
// store a consent choice (exempt under the ePrivacy Directive art. 5(3) and
// the CNIL's list of exempt trackers).
var NecessaryCookies = []string{
	// Sessions of common frameworks.
	"PHPSESSID",                         // PHP (Symfony, Magento, ...)
	"JSESSIONID",                        // Java servlet containers (Tomcat, Jetty, Spring)
	"SESSION",                           // Spring Session
	"ASP.NET_SessionId",                 // ASP.NET session state
	".ASPXAUTH",                         // ASP.NET forms authentication
	".AspNetCore.Session",               // ASP.NET Core session
	".AspNetCore.Cookies*",              // ASP.NET Core cookie authentication (with chunks ...C1, C2)
	".AspNetCore.Identity.Application*", // ASP.NET Core Identity sign-in (with chunks)
	".AspNetCore.Antiforgery.*",         // ASP.NET Core CSRF token
	".AspNetCore.Correlation.*",         // ASP.NET Core OpenID Connect / OAuth sign-in
	".AspNetCore.Nonce.*",               // ASP.NET Core OpenID Connect sign-in
	"__RequestVerificationToken*",       // ASP.NET MVC CSRF token (may carry an app-path suffix)
	"connect.sid",                       // Express (express-session)
	"_csrf",                             // Express csurf, Yii 2
	"sessionid",                         // Django session
	"csrftoken",                         // Django CSRF token
	"_session_id",                       // Rails (ActiveRecord session store)
	"_*_session",                        // Rails cookie store "_<app>_session"; also Laravel "<app>_session" when the app name starts with '_'
	"laravel_session",                   // Laravel default session
	"XSRF-TOKEN",                        // Laravel, Angular, Spring Security CSRF token
	"_xsrf",                             // Tornado CSRF token
	"session",                           // Flask default session
	"form_key",                          // Magento CSRF token
	"SESS*",                             // Drupal session over HTTP ("SESS<hash>")
	"SSESS*",                            // Drupal session over HTTPS ("SSESS<hash>")
	"next-auth.*",                       // NextAuth.js session, CSRF and callback cookies
	"__Secure-next-auth.*",              // NextAuth.js over HTTPS
	"__Host-next-auth.*",                // NextAuth.js CSRF cookie over HTTPS
	"authjs.*",                          // Auth.js v5
	"__Secure-authjs.*",                 // Auth.js v5 over HTTPS
	"__Host-authjs.*",                   // Auth.js v5 CSRF cookie over HTTPS
	"__Host-csrf*",                      // hardened CSRF cookies as OWASP recommends (host-only, Secure)
	"__Secure-csrf*",                    // hardened CSRF cookies
	"__Host-XSRF-TOKEN",                 // hardened Angular/Spring CSRF cookie
	"__Secure-XSRF-TOKEN",               // hardened Angular/Spring CSRF cookie
	"AUTH_SESSION_ID*",                  // Keycloak sign-in (when the IdP sits behind the gateway)
	"KEYCLOAK_*",                        // Keycloak sign-in session and identity
	"KC_RESTART",                        // Keycloak sign-in flow

	// WordPress and WooCommerce ("wp-settings-*" is only a UI preference: functional).
	"wordpress_logged_in_*", // WordPress sign-in
	"wordpress_sec_*",       // WordPress sign-in over HTTPS (admin)
	"wordpress_test_cookie", // WordPress checks that cookies work before sign-in
	"wp-postpass_*",         // WordPress password-protected posts
	"woocommerce_cart_hash", // WooCommerce cart
	"woocommerce_items_in_cart",
	"wp_woocommerce_session_*", // WooCommerce cart session
	"_lscache_vary",            // LiteSpeed Cache: selects the cached page variant (signed-in, cart); stripping it serves the wrong variant

	// Load balancers and CDNs.
	"lb",           // Caddy reverse_proxy "cookie" load-balancing policy, default name
	"__cflb",       // Cloudflare load balancer session affinity
	"AWSALB",       // AWS Application Load Balancer stickiness
	"AWSALBCORS",   // AWS ALB stickiness for cross-origin requests
	"AWSALBTG",     // AWS ALB target-group stickiness
	"AWSALBTGCORS", // AWS ALB target-group stickiness, cross-origin
	"AWSALBAPP-*",  // AWS ALB application-based stickiness
	"AWSELB",       // AWS Classic Load Balancer stickiness
	"BIGipServer*", // F5 BIG-IP persistence
	"nlbi_*",       // Imperva (Incapsula) load balancing

	// Bot, abuse and fraud protection.
	"__cf_bm",         // Cloudflare Bot Management
	"cf_clearance",    // Cloudflare challenge passed
	"_cfuvid",         // Cloudflare rate limiting
	"__cfruid",        // Cloudflare rate limiting (older)
	"__cfwaitingroom", // Cloudflare Waiting Room
	"cf_chl_*",        // Cloudflare challenge flow
	"__stripe_mid",    // Stripe fraud prevention
	"__stripe_sid",    // Stripe fraud prevention
	"_abck",           // Akamai Bot Manager
	"bm_sz",           // Akamai Bot Manager
	"ak_bmsc",         // Akamai Bot Manager
	"incap_ses_*",     // Imperva (Incapsula) bot protection
	"visid_incap_*",   // Imperva (Incapsula) bot protection

	// Cookies that store a consent choice (other consent tools running beside
	// or before the gateway); a stored refusal must survive.
	"CookieConsent",            // Cookiebot
	"OptanonConsent",           // OneTrust
	"OptanonAlertBoxClosed",    // OneTrust
	"euconsent-v2",             // IAB TCF v2 consent string
	"cookieyes-consent",        // CookieYes
	"cmplz_*",                  // Complianz
	"borlabs-cookie",           // Borlabs Cookie
	"cc_cookie",                // orestbida/cookieconsent
	"viewed_cookie_policy",     // CookieLawInfo (GDPR Cookie Consent)
	"cookielawinfo-checkbox-*", // CookieLawInfo
	"mtm_consent",              // Matomo: consent given (Matomo's only mtm_* cookies store consent, so they are not analytics)
	"mtm_consent_removed",      // Matomo: consent withdrawn
	"mtm_cookie_consent",       // Matomo: cookie consent given
	"__hs_opt_out",             // HubSpot: the visitor's opt-out
}

// FunctionalCookies remember choices the visitor made ("Performance and
// functionality"): language, region, display settings, and support chat.
// Generic names such as "lang" or "theme" are here rather than unknown:
// they hold a preference, not an identifier, and stripping them makes the
// site forget the visitor's language.
var FunctionalCookies = []string{
	"lang",                        // generic language choice
	"language",                    // generic language choice
	"locale",                      // generic locale choice
	"theme",                       // generic light/dark theme choice
	"color_mode",                  // light/dark mode choice
	"currency",                    // shop currency choice
	"django_language",             // Django language cookie
	".AspNetCore.Culture",         // ASP.NET Core request localization
	"NEXT_LOCALE",                 // Next.js internationalised routing
	"i18n_redirected",             // Nuxt i18n browser-language redirect
	"pll_language",                // WordPress Polylang
	"wp-wpml_current_language",    // WordPress WPML
	"_icl_current_language",       // WordPress WPML (older)
	"wpml_browser_redirect_test",  // WordPress WPML browser-language redirect
	"qtrans_front_language",       // WordPress qTranslate
	"wp_lang",                     // WordPress sign-in page language
	"wp-settings-*",               // WordPress admin UI settings (also wp-settings-time-*)
	"woocommerce_recently_viewed", // WooCommerce recently viewed products
	"intercom-session-*",          // Intercom support chat
	"intercom-id-*",               // Intercom support chat
	"intercom-device-id-*",        // Intercom support chat
	"__zlcmid",                    // Zendesk (Zopim) chat
}

// AnalyticsCookies measure how the site is used ("Analytics").
var AnalyticsCookies = []string{
	"_ga",              // Google Analytics client id
	"_ga_*",            // Google Analytics 4 session state per property
	"_gid",             // Google Analytics (Universal)
	"_gat*",            // Google Analytics throttling, incl. _gat_gtag_<id>
	"__utm*",           // Google Analytics legacy (urchin.js/ga.js): __utma, __utmb, __utmc, __utmz, ...
	"_dc_gtm_*",        // Google Analytics via Google Tag Manager throttling
	"FPID",             // Google server-side tagging first-party id
	"FPLC",             // Google server-side tagging cross-domain linker
	"FPGSID",           // Google server-side tagging session
	"_clck",            // Microsoft Clarity user id
	"_clsk",            // Microsoft Clarity session
	"_hj*",             // Hotjar (_hjSessionUser_<id>, _hjSession_<id>, _hjid, ...)
	"_pk_*",            // Matomo/Piwik (_pk_id.*, _pk_ses.*, _pk_ref.*, _pk_cvar.*, _pk_testcookie)
	"_ym_*",            // Yandex Metrica (_ym_uid, _ym_d, _ym_isad, ...)
	"s_vi",             // Adobe Analytics visitor id
	"s_ecid",           // Adobe Experience Cloud id
	"s_fid",            // Adobe Analytics fallback visitor id
	"s_cc",             // Adobe Analytics cookie check
	"s_sq",             // Adobe Analytics ClickMap
	"AMCV_*",           // Adobe Experience Cloud visitor id service
	"AMCVS_*",          // Adobe Experience Cloud visitor id session
	"AMP_*",            // Amplitude (browser SDK 2)
	"amp_*",            // Amplitude (older SDK)
	"mp_*",             // Mixpanel
	"ajs_anonymous_id", // Segment
	"ajs_user_id",      // Segment
	"ajs_group_id",     // Segment
	"_hp2_*",           // Heap
	"ph_*_posthog",     // PostHog
	"fs_uid",           // FullStory
	"fs_lua",           // FullStory
	"_pendo_*",         // Pendo
	"ai_user",          // Azure Application Insights
	"ai_session",       // Azure Application Insights
	"_sp_id.*",         // Snowplow
	"_sp_ses.*",        // Snowplow
	"Hm_lvt_*",         // Baidu Tongji
	"Hm_lpvt_*",        // Baidu Tongji
	"atuserid",         // Piano Analytics / AT Internet
}

// AdvertisingCookies track visitors for advertising and marketing
// ("Advertising"). They are refused under Global Privacy Control.
var AdvertisingCookies = []string{
	"_gcl_*",               // Google Ads conversion linker (_gcl_au, _gcl_aw, _gcl_dc, _gcl_gs, ...)
	"_gac_*",               // Google Ads campaign info via Analytics
	"FPAU",                 // Google server-side tagging, Ads
	"FPGCL*",               // Google server-side tagging, Ads click ids (FPGCLAW, FPGCLDC, ...)
	"__gads",               // Google AdSense / Ad Manager
	"__gpi",                // Google AdSense / Ad Manager
	"__eoi",                // Google AdSense / Ad Manager
	"_fbp",                 // Meta Pixel browser id
	"_fbc",                 // Meta Pixel click id
	"_uet*",                // Microsoft Advertising UET (_uetsid, _uetvid, _uetmsclkid)
	"MUID",                 // Microsoft (bing.com, clarity.ms)
	"li_*",                 // LinkedIn (li_sugr, li_fat_id, li_gc, ...)
	"bcookie",              // LinkedIn browser id
	"lidc",                 // LinkedIn routing
	"UserMatchHistory",     // LinkedIn Ads sync
	"AnalyticsSyncHistory", // LinkedIn Ads sync
	"_ttp",                 // TikTok Pixel
	"_tt_enable_cookie",    // TikTok Pixel
	"ttcsid*",              // TikTok Pixel session (ttcsid, ttcsid_<id>)
	"_epik",                // Pinterest Tag click id
	"_derived_epik",        // Pinterest Tag
	"_pin_unauth",          // Pinterest Tag
	"_pinterest_*",         // Pinterest Tag (_pinterest_ct_ua, _pinterest_sess, ...)
	"_scid*",               // Snap Pixel (_scid, _scid_r)
	"_rdt_*",               // Reddit Pixel (_rdt_uuid, _rdt_cid)
	"_twclid",              // X (Twitter) Pixel click id
	"__qca",                // Quantcast
	"__hstc",               // HubSpot tracking
	"hubspotutk",           // HubSpot visitor id
	"__hssc",               // HubSpot session
	"__hssrc",              // HubSpot session start
	"__kla_id",             // Klaviyo
	"_mkto_trk",            // Marketo
	"cto_*",                // Criteo (cto_bundle, cto_bidid)
}

// DefaultCategories returns the built-in categories, declared from least to
// most restrictive: necessary (required), functional, analytics and
// advertising (SaleOrShare). Each call returns fresh slices.
func DefaultCategories() []Category {
	clone := func(s []string) []string { return append([]string(nil), s...) }
	return []Category{
		{
			Name:        "necessary",
			Label:       "Essential",
			Description: "Needed for the site to work and to keep it secure: signing in, shopping carts, protection against fraud and bots, load balancing, and remembering your cookie choices. They cannot be switched off.",
			Required:    true,
			Cookies:     clone(NecessaryCookies),
		},
		{
			Name:        "functional",
			Label:       "Performance and functionality",
			Description: "Remember choices you make, such as your language, region or display settings, and keep features like support chat working. Without them some features may not work as intended.",
			Cookies:     clone(FunctionalCookies),
		},
		{
			Name:        "analytics",
			Label:       "Analytics",
			Description: "Count visits and show how the site is used, such as which pages are popular and where visitors come from, so that we can improve it. Analytics providers may process this information.",
			Cookies:     clone(AnalyticsCookies),
		},
		{
			Name:        "advertising",
			Label:       "Advertising",
			Description: "Used by us and advertising partners to recognise you across websites, show you relevant ads and measure ad campaigns. Refusing them does not remove ads, but they will be less tailored to you.",
			Cookies:     clone(AdvertisingCookies),
			SaleOrShare: true,
		},
	}
}
