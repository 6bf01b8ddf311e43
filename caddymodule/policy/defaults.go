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
//
// The necessary list is an always-allowed list, so keep it tight: exact
// names, or the exact shape a framework uses (a regular expression for
// hashed names such as Drupal's "SESS" + 32 hex digits). A generic shape
// such as "*_session" is acceptable only because every tracker prefix in
// the other lists is more restrictive and wins among built-ins
// ("_fbp_session" is advertising); TestDefaultsAgainstDatabase checks that
// no name the Open Cookie Database calls Analytics or Marketing is
// exempted, and TestDefaultsIssue13 holds the tracker-shaped names that
// must never pass.

// NecessaryCookies are strictly necessary ("Essential"): sessions, sign-in,
// CSRF protection, load balancing, bot and fraud protection, and cookies that
// store a consent choice (exempt under the ePrivacy Directive art. 5(3) and
// the CNIL's list of exempt trackers).
var NecessaryCookies = []string{
	// Sessions, sign-in and CSRF protection of common frameworks. Where a
	// framework derives the name from a hash, the pattern is a regular
	// expression with the hash's exact shape, so that a tracker cannot take
	// an always-allowed name by sharing a prefix ("SESStracker").
	"PHPSESSID",                   // PHP (Symfony, Magento, ...)
	"JSESSIONID",                  // Java servlet containers (Tomcat, Jetty, Spring)
	`/^JSESSIONID\.[0-9a-f]{8}$/`, // Jenkins (per-instance session cookie)
	"SESSION",                     // Spring Session
	"ASP.NET_SessionId",           // ASP.NET session state
	".ASPXAUTH",                   // ASP.NET forms authentication
	".AspNetCore.Session",         // ASP.NET Core session
	`/^\.AspNetCore\.Cookies(C[0-9]{1,3})?$/`,               // ASP.NET Core cookie authentication (chunks ...C1, C2)
	`/^\.AspNetCore\.Identity\.Application(C[0-9]{1,3})?$/`, // ASP.NET Core Identity sign-in (with chunks)
	".AspNetCore.Antiforgery.*",                             // ASP.NET Core CSRF token
	".AspNetCore.Correlation.*",                             // ASP.NET Core OpenID Connect / OAuth sign-in
	".AspNetCore.Nonce.*",                                   // ASP.NET Core OpenID Connect sign-in
	"__RequestVerificationToken*",                           // ASP.NET MVC CSRF token (may carry an app-path suffix)
	"__AntiXsrfToken",                                       // ASP.NET Web Forms CSRF token
	"connect.sid",                                           // Express (express-session)
	"session.sig",                                           // Express cookie-session signature ("session" is below)
	"koa.sess",                                              // Koa session
	"koa.sess.sig",                                          // Koa session signature
	"_csrf",                                                 // Express csurf, Yii 2
	"_csrf-frontend",                                        // Yii 2 advanced template
	"_csrf-backend",                                         // Yii 2 advanced template
	"_identity",                                             // Yii 2 remember-me
	"_identity-frontend",                                    // Yii 2 advanced template
	"_identity-backend",                                     // Yii 2 advanced template
	"sessionid",                                             // Django session
	"csrftoken",                                             // Django CSRF token
	"_session_id",                                           // Rails (ActiveRecord session store)
	"*_session",                                             // Rails "_<app>_session", Laravel "<app>_session", CodeIgniter "ci_session", GitLab, Grafana, ... (a tracker prefix listed below wins)
	"remember_user_token",                                   // Rails Devise remember-me
	`/^remember_[a-z0-9_]+_[0-9a-f]{40}$/`,                  // Laravel remember-me "remember_<guard>_<sha1>" (remember_web_...)
	"XSRF-TOKEN",                                            // Laravel, Angular, Spring Security CSRF token
	"_xsrf",                                                 // Tornado CSRF token
	"session",                                               // Flask, Express cookie-session, Remix default session
	"__session",                                             // Firebase Hosting, Remix, Clerk session
	"rack.session",                                          // Ruby Rack session
	"PLAY_SESSION",                                          // Play Framework session
	"CAKEPHP",                                               // CakePHP session
	"csrfToken",                                             // CakePHP CSRF token
	"REMEMBERME",                                            // Symfony remember-me
	"sf_redirect",                                           // Symfony redirect after sign-in
	"CFID",                                                  // ColdFusion session
	"CFTOKEN",                                               // ColdFusion session
	"cftoken",                                               // ColdFusion session (lower-case)
	"CGISESSID",                                             // Perl CGI::Session
	"PLESKSESSID",                                           // Plesk panel
	"phpMyAdmin",                                            // phpMyAdmin session
	`/^pmaAuth-[0-9]{1,2}$/`,                                // phpMyAdmin sign-in
	"NOPCOMMERCE.AUTH",                                      // nopCommerce sign-in
	".Nop.Customer",                                         // nopCommerce customer (cart)
	"bbsessionhash",                                         // vBulletin session
	"FedAuth",                                               // SharePoint sign-in
	"SecureSessionID-*",                                     // Intershop session
	"CraftSessionId",                                        // Craft CMS session
	"CRAFT_CSRF_TOKEN",                                      // Craft CMS CSRF token
	"csrf_cookie_name",                                      // CodeIgniter CSRF token (default name)
	"xf_csrf",                                               // XenForo CSRF token
	"xf_user",                                               // XenForo remember-me
	`/^phpbb3_[a-z0-9]{5,10}_(sid|u|k)$/`,                   // phpBB session, user and key
	"ghost-admin-api-session",                               // Ghost admin
	"ghost-members-ssr",                                     // Ghost members sign-in
	"ghost-members-ssr.sig",                                 // Ghost members sign-in
	"form_key",                                              // Magento CSRF token
	"mage-cache-sessid",                                     // Magento private content cache
	"mage-cache-storage",                                    // Magento private content cache
	"mage-cache-storage-section-invalidation",  // Magento private content cache
	"private_content_version",                  // Magento private content cache
	"section_data_ids",                         // Magento customer sections
	"mage-messages",                            // Magento flash messages
	"X-Magento-Vary",                           // Magento full-page cache variant
	"persistent_shopping_cart",                 // Magento persistent cart
	"admin",                                    // Magento admin session
	`/^PrestaShop-[0-9a-f]{32}$/`,              // PrestaShop session
	"session-",                                 // Shopware 6 session
	"sw-context-token",                         // Shopware 6 context (cart, customer)
	"sw-states",                                // Shopware 6 cache state
	"sw-cache-hash",                            // Shopware 6 cache variant
	`/^SESS[0-9a-f]{32}$/`,                     // Drupal session over HTTP ("SESS" + 32 hex)
	`/^SSESS[0-9a-f]{32}$/`,                    // Drupal session over HTTPS
	"next-auth.*",                              // NextAuth.js session, CSRF and callback cookies
	"__Secure-next-auth.*",                     // NextAuth.js over HTTPS
	"__Host-next-auth.*",                       // NextAuth.js CSRF cookie over HTTPS
	"authjs.*",                                 // Auth.js v5
	"__Secure-authjs.*",                        // Auth.js v5 over HTTPS
	"__Host-authjs.*",                          // Auth.js v5 CSRF cookie over HTTPS
	"__prerender_bypass",                       // Next.js draft/preview mode
	"__next_preview_data",                      // Next.js preview mode
	"auth.strategy",                            // Nuxt auth module
	"auth._token.*",                            // Nuxt auth module
	"auth._token_expiration.*",                 // Nuxt auth module
	"auth._refresh_token.*",                    // Nuxt auth module
	"auth._refresh_token_expiration.*",         // Nuxt auth module
	"appSession",                               // Auth0 Next.js / Express SDK session
	`/^appSession\.[0-9]{1,3}$/`,               // Auth0 SDK session chunks
	"auth_verification",                        // Auth0 SDK sign-in transaction
	"auth0",                                    // Auth0 universal login
	"auth0_compat",                             // Auth0 universal login
	"__client_uat",                             // Clerk
	"__client_uat_*",                           // Clerk (per instance)
	"__clerk_db_jwt",                           // Clerk development instances
	"__clerk_db_jwt_*",                         // Clerk development instances
	`/^sb-[a-z0-9]{20}-auth-token(\.[0-9])?$/`, // Supabase auth (project ref of 20 characters, chunks)
	"sb-access-token",                          // Supabase auth (older)
	"sb-refresh-token",                         // Supabase auth (older)
	"__Host-csrf*",                             // hardened CSRF cookies as OWASP recommends (host-only, Secure)
	"__Secure-csrf*",                           // hardened CSRF cookies
	"__Host-XSRF-TOKEN",                        // hardened Angular/Spring CSRF cookie
	"__Secure-XSRF-TOKEN",                      // hardened Angular/Spring CSRF cookie
	"AUTH_SESSION_ID",                          // Keycloak sign-in (when the IdP sits behind the gateway)
	"AUTH_SESSION_ID_LEGACY",                   // Keycloak
	"KEYCLOAK_IDENTITY",                        // Keycloak
	"KEYCLOAK_IDENTITY_LEGACY",                 // Keycloak
	"KEYCLOAK_SESSION",                         // Keycloak
	"KEYCLOAK_SESSION_LEGACY",                  // Keycloak
	"KEYCLOAK_REMEMBER_ME",                     // Keycloak
	"KEYCLOAK_LOCALE",                          // Keycloak sign-in page language
	"KC_RESTART",                               // Keycloak sign-in flow
	"KC_STATE_CHECKER",                         // Keycloak
	"KC_AUTH_STATE",                            // Keycloak
	"KC_AUTH_SESSION_HASH",                     // Keycloak
	"x-ms-cpim-*",                              // Azure AD B2C sign-in (sso, csrf, trans, cache)
	"_oauth2_proxy",                            // OAuth2 Proxy session
	"_oauth2_proxy_csrf",                       // OAuth2 Proxy CSRF
	`/^_oauth2_proxy_[0-9]{1,2}$/`,             // OAuth2 Proxy session chunks
	"authelia_session",                         // Authelia (also matched by *_session)
	"authentik_session",                        // authentik
	"_pomerium",                                // Pomerium
	"CF_Authorization",                         // Cloudflare Access
	"CF_AppSession",                            // Cloudflare Access
	"VouchCookie",                              // Vouch Proxy
	"AUTHP_SESSION_ID",                         // caddy-security (AuthCrunch)
	"_vercel_jwt",                              // Vercel deployment protection

	// Generic names applications choose for sessions, tokens, CSRF and carts
	// (exact names only: a generic prefix would exempt trackers).
	"session_id",
	"sessid",
	"sid",
	"auth",
	"auth_token",
	"authToken",
	"access_token",
	"refresh_token",
	"id_token",
	"jwt",
	"remember_token", // also Flask-Login
	"remember_me",
	"csrf",
	"csrf_token",
	"_csrf_token",
	"csrf-token",
	"CSRF-TOKEN",
	"cart",
	"cart_id",
	"cartId",
	"cart_token",
	"basket",
	"basket_id",
	"user_session", // GitHub-style (also matched by *_session)

	// Shops.
	"_secure_session_id",                      // Shopify
	"cart_sig",                                // Shopify cart
	"cart_ts",                                 // Shopify cart
	"cart_ver",                                // Shopify cart
	"cart_currency",                           // Shopify cart
	"secure_customer_sig",                     // Shopify sign-in
	"_shopify_essential",                      // Shopify
	"checkout_token",                          // Shopify checkout
	"checkout_session_lookup",                 // Shopify checkout
	"checkout_session_token",                  // Shopify checkout
	"checkout_session_token_*",                // Shopify checkout (per checkout)
	"keep_alive",                              // Shopify checkout
	"wordpress_test_cookie",                   // WordPress checks that cookies work before sign-in
	`/^wordpress_logged_in_[0-9a-f]{32}$/`,    // WordPress sign-in ("_" + md5 of the site URL)
	`/^wordpress_sec_[0-9a-f]{32}$/`,          // WordPress sign-in over HTTPS (admin)
	`/^wp-postpass_[0-9a-f]{32}$/`,            // WordPress password-protected posts
	"woocommerce_cart_hash",                   // WooCommerce cart
	"woocommerce_items_in_cart",               // WooCommerce cart
	`/^wp_woocommerce_session_[0-9a-f]{32}$/`, // WooCommerce cart session
	"_lscache_vary",                           // LiteSpeed Cache: selects the cached page variant (signed-in, cart); stripping it serves the wrong variant
	"wpe-auth",                                // WP Engine

	// Load balancers, CDNs and hosting: stripping a sticky-session cookie
	// bounces visitors between servers and breaks their sessions.
	"lb",                             // Caddy reverse_proxy "cookie" load-balancing policy, default name
	"SERVERID",                       // HAProxy cookie persistence, documented name
	"route",                          // nginx sticky module default
	"INGRESSCOOKIE",                  // Kubernetes ingress-nginx session affinity default
	"heroku-session-affinity",        // Heroku session affinity
	"GCLB",                           // Google Cloud Load Balancing generated-cookie affinity
	"__cflb",                         // Cloudflare load balancer session affinity
	"AWSALB",                         // AWS Application Load Balancer stickiness
	"AWSALBCORS",                     // AWS ALB stickiness for cross-origin requests
	"AWSALBTG",                       // AWS ALB target-group stickiness
	"AWSALBTGCORS",                   // AWS ALB target-group stickiness, cross-origin
	`/^AWSALBAPP-[0-3]$/`,            // AWS ALB application-based stickiness
	"AWSELB",                         // AWS Classic Load Balancer stickiness
	"AWSELBCORS",                     // AWS Classic Load Balancer stickiness, cross-origin
	"aws-waf-token",                  // AWS WAF challenge/CAPTCHA token
	"ARRAffinity",                    // Azure App Service affinity
	"ARRAffinitySameSite",            // Azure App Service affinity
	"ApplicationGatewayAffinity",     // Azure Application Gateway affinity
	"ApplicationGatewayAffinityCORS", // Azure Application Gateway affinity, cross-origin
	"ASLBSA",                         // Azure Front Door session affinity
	"ASLBSACORS",                     // Azure Front Door session affinity, cross-origin
	"TiPMix",                         // Azure App Service deployment-slot routing
	"x-ms-routing-name",              // Azure App Service deployment-slot routing
	`/^BIGipServer~[^~]+~.+$/`,       // F5 BIG-IP persistence "BIGipServer~<partition>~<pool>"
	`/^BIGipServer[A-Za-z0-9.-]*(_|[Pp][Oo][Oo][Ll]|[0-9])[A-Za-z0-9._-]*$/`, // F5 BIG-IP persistence "BIGipServer<pool>": pool names carry "_", "pool" or digits
	"MRHSession",      // F5 BIG-IP APM access session
	"LastMRH_Session", // F5 BIG-IP APM
	"F5_ST",           // F5 BIG-IP APM
	"F5_HT_shrinked",  // F5 BIG-IP APM
	"F5_fullWT",       // F5 BIG-IP APM
	`/^TS[0-9a-fA-F]{8}([0-9]{3}|_[0-9a-zA-Z]{1,3})?$/`, // F5 BIG-IP ASM / Advanced WAF ("TS01a2b3c4", "TS01a2b3c4_77", "TS01a2b3c4029")
	"TSPD_101",                   // F5 Distributed Cloud / ASM bot defense
	`/^TSPD_101_[A-Z0-9]{1,4}$/`, // F5 bot defense (TSPD_101_R0, ...)
	"NSC_*",                      // Citrix NetScaler / ADC persistence and gateway ("NSC_" + encoded vserver name)
	"citrix_ns_id",               // Citrix NetScaler / ADC

	// Bot, abuse and fraud protection (WAF and bot-management cookies:
	// stripping them locks visitors out behind endless challenges).
	"__cf_bm",                              // Cloudflare Bot Management
	"cf_clearance",                         // Cloudflare challenge passed
	"_cfuvid",                              // Cloudflare rate limiting
	"__cfruid",                             // Cloudflare rate limiting (older)
	"__cfwaitingroom",                      // Cloudflare Waiting Room
	"cf_ob_info",                           // Cloudflare Always Online
	"cf_use_ob",                            // Cloudflare Always Online
	"cf_chl_rc_i",                          // Cloudflare challenge
	"cf_chl_rc_ni",                         // Cloudflare challenge
	"cf_chl_rc_m",                          // Cloudflare challenge
	"cf_chl_2",                             // Cloudflare challenge (older)
	"cf_chl_prog",                          // Cloudflare challenge (older)
	`/^cf_chl_seq_[0-9a-f]{8,64}$/`,        // Cloudflare challenge sequence (older)
	`/^__cfseq-[0-9A-Za-z]{1,64}$/`,        // Cloudflare sequence rules
	"__stripe_mid",                         // Stripe fraud prevention
	"__stripe_sid",                         // Stripe fraud prevention
	"_abck",                                // Akamai Bot Manager
	"bm_sz",                                // Akamai Bot Manager
	"bm_sv",                                // Akamai Bot Manager
	"bm_mi",                                // Akamai Bot Manager
	"bm_so",                                // Akamai Bot Manager
	"bm_s",                                 // Akamai Bot Manager
	"bm_ss",                                // Akamai Bot Manager
	"bm_lso",                               // Akamai Bot Manager
	"ak_bmsc",                              // Akamai Bot Manager
	"sbsd",                                 // Akamai Bot Manager
	"sbsd_o",                               // Akamai Bot Manager
	"AKA_A2",                               // Akamai Adaptive Acceleration
	"akavpau_*",                            // Akamai Visitor Prioritization (waiting room)
	"akacd_*",                              // Akamai Phased Release cloudlet
	`/^visid_incap_[0-9]{1,12}$/`,          // Imperva (Incapsula) bot protection
	`/^incap_ses_[0-9]{1,6}_[0-9]{1,12}$/`, // Imperva (Incapsula) session
	`/^nlbi_[0-9]{1,12}(_[0-9]{1,12})?$/`,  // Imperva (Incapsula) load balancing
	"reese84",                              // Imperva Advanced Bot Protection
	"___utmvc",                             // Imperva bot detection (not Google Analytics)
	"___utmvm",                             // Imperva bot detection
	"___utmvb",                             // Imperva bot detection
	"datadome",                             // DataDome bot protection
	"_px",                                  // HUMAN (PerimeterX) bot defender
	"_px2",                                 // HUMAN (PerimeterX)
	"_px3",                                 // HUMAN (PerimeterX)
	"_pxhd",                                // HUMAN (PerimeterX)
	"_pxvid",                               // HUMAN (PerimeterX)
	"_pxde",                                // HUMAN (PerimeterX)
	"_pxttld",                              // HUMAN (PerimeterX)
	"_pxmvid",                              // HUMAN (PerimeterX)
	`/^_pxff_[a-z]{1,4}$/`,                 // HUMAN (PerimeterX) feature flags
	"pxcts",                                // HUMAN (PerimeterX)
	"KP_UIDz",                              // Kasada
	"KP_UIDz-ssn",                          // Kasada
	"_GRECAPTCHA",                          // Google reCAPTCHA risk analysis (hCaptcha sets no first-party cookie)
	`/^sucuri_cloudproxy_uuid_[0-9a-f]{6,32}$/`, // Sucuri WAF
	`/^wfwaf-authcookie-[0-9a-f]{32}$/`,         // Wordfence firewall

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
	"CookieScriptConsent",      // Cookie-Script
	"didomi_token",             // Didomi
	"_tracking_consent",        // Shopify customer privacy
	"_cmp_a",                   // Shopify consent
	"moove_gdpr_popup",         // GDPR Cookie Compliance (WordPress)
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
	"rl_*",             // RudderStack (rl_anonymous_id, rl_user_id, rl_session, ...)
	"sbjs_*",           // Sourcebuster (WooCommerce order attribution: sbjs_first, sbjs_session, ...)
	"_parsely_*",       // Parse.ly (_parsely_visitor, _parsely_session)
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
	"_fbp*",                // Meta Pixel browser id (a prefix, so that "_fbp_session" is not taken for a session)
	"_fbc*",                // Meta Pixel click id
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
