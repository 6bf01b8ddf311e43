package trackers

// presets is the built-in vendor table. Hosts, paths and snippet shapes
// are taken from each vendor's installation and CSP documentation; cookie
// names from the vendors' cookie tables.
//
// Same-origin presets (matomo-selfhosted, sgtm, meta-capi-gateway,
// plausible, umami, fathom, shopify, vercel-insights, generic-pixels) carry
// BlockRules; a Blocker uses them only when the operator names the preset.
var presets = []Vendor{
	// ---------------------------------------------------------------- Google
	{
		Name: "ga4", Title: "Google Analytics 4 (gtag.js) and Universal Analytics", Category: "analytics",
		Cookies:     []string{"_ga", "_ga_*", "_gid", "_gat*", "__utm*", "_dc_gtm_*"},
		ScriptHosts: []string{"www.googletagmanager.com"},
		ScriptPaths: []string{"/gtag/js"},
		PixelHosts:  []string{".google-analytics.com", ".analytics.google.com"},
		InlineSignatures: []string{
			"googletagmanager.com/gtag/js",
			"gtag('config','G-", "gtag('config','UA-",
			"google-analytics.com/analytics.js", "google-analytics.com/ga.js",
			"ga('create'", "_gaq.push(",
		},
	},
	{
		// Tag Manager itself sets no cookies; it is a loader whose container
		// injects other tags at run time, where the gateway cannot see them.
		// Its category is analytics because that is what most containers
		// load first (GA4), and holding the container back until then is
		// the only way to keep everything it injects from running before
		// any consent. Advertising tags it injects after analytics consent
		// are still held by Consent Mode and by the CSP narrowing of the
		// advertising hosts. Operators whose container only loads necessary
		// or advertising tags change the category.
		Name: "gtm", Title: "Google Tag Manager", Category: "analytics",
		ScriptHosts:      []string{"www.googletagmanager.com"}, // gtm.js, ns.html, and telemetry; gtag.js is ga4 / google-ads
		InlineSignatures: []string{"googletagmanager.com/gtm.js", "'gtm.start'"},
	},
	{
		Name: "google-ads", Title: "Google Ads, DoubleClick / Floodlight, AdSense", Category: "advertising",
		Cookies:     []string{"_gcl_*", "_gac_*", "IDE", "test_cookie", "__gads", "__gpi", "__eoi", "FPAU", "FPGCL*"},
		ScriptHosts: []string{"www.googletagmanager.com", "www.google.com"},
		ScriptPaths: []string{"/gtag/js?id=AW-", "/gtag/js?id=DC-", "/gtag/destination?id=AW-", "/pagead/", "/ads/ga-audiences", "/ccm/collect"},
		PixelHosts:  []string{".doubleclick.net", ".googleadservices.com", ".googlesyndication.com"},
		InlineSignatures: []string{
			"googletagmanager.com/gtag/js?id=AW-", "googletagmanager.com/gtag/js?id=DC-",
			"gtag('config','AW-", "gtag('config','DC-", "'send_to':'AW-", "'send_to':'DC-",
			"googleadservices.com", "google_conversion_id", "adsbygoogle",
		},
	},
	// ----------------------------------------------------- Social and ad networks
	{
		Name: "meta-pixel", Title: "Meta (Facebook) Pixel", Category: "advertising",
		Cookies:          []string{"_fbp", "_fbc", "fr"},
		ScriptHosts:      []string{"connect.facebook.net"},
		PixelHosts:       []string{"www.facebook.com", "facebook.com"},
		PixelPaths:       []string{"/tr"},
		InlineSignatures: []string{"connect.facebook.net", "fbevents.js", "fbq('init'"},
	},
	{
		Name: "microsoft-uet", Title: "Microsoft Advertising (Bing UET)", Category: "advertising",
		Cookies:          []string{"_uet*", "MUID"},
		ScriptHosts:      []string{"bat.bing.com"},
		PixelHosts:       []string{"bat.r.msn.com"},
		InlineSignatures: []string{"bat.bing.com/bat.js", "'uetq'", "uetq.push("},
	},
	{
		Name: "linkedin", Title: "LinkedIn Insight Tag", Category: "advertising",
		Cookies:          []string{"li_sugr", "li_fat_id", "li_gc", "bcookie", "lidc", "UserMatchHistory", "AnalyticsSyncHistory"},
		ScriptHosts:      []string{"snap.licdn.com"},
		PixelHosts:       []string{".ads.linkedin.com"},
		InlineSignatures: []string{"snap.licdn.com/li.lms-analytics", "_linkedin_partner_id", "_linkedin_data_partner_ids", "lintrk("},
	},
	{
		Name: "tiktok", Title: "TikTok Pixel", Category: "advertising",
		Cookies:          []string{"_ttp", "_tt_enable_cookie", "ttcsid*"},
		ScriptHosts:      []string{"analytics.tiktok.com"},
		InlineSignatures: []string{"analytics.tiktok.com", "TiktokAnalyticsObject"},
	},
	{
		Name: "pinterest", Title: "Pinterest Tag", Category: "advertising",
		Cookies:          []string{"_epik", "_derived_epik", "_pin_unauth", "_pinterest_*"},
		ScriptHosts:      []string{"s.pinimg.com"},
		ScriptPaths:      []string{"/ct/"}, // s.pinimg.com also serves the Pin It button
		PixelHosts:       []string{"ct.pinterest.com"},
		InlineSignatures: []string{"s.pinimg.com/ct/core.js", "pintrk('load'"},
	},
	{
		Name: "x-pixel", Title: "X (Twitter) Pixel", Category: "advertising",
		Cookies:          []string{"_twclid", "muc_ads", "personalization_id"},
		ScriptHosts:      []string{"static.ads-twitter.com"},
		PixelHosts:       []string{"t.co", "analytics.twitter.com"},
		PixelPaths:       []string{"/i/adsct", "/1/i/adsct"}, // t.co is also the link shortener
		InlineSignatures: []string{"static.ads-twitter.com", "twq('config'", "twq('init'"},
	},
	{
		Name: "snap-pixel", Title: "Snap Pixel", Category: "advertising",
		Cookies:          []string{"_scid*", "_sctr"},
		ScriptHosts:      []string{"sc-static.net"},
		ScriptPaths:      []string{"/scevent.min.js"},
		PixelHosts:       []string{"tr.snapchat.com", "tr-shadow.snapchat.com"},
		InlineSignatures: []string{"sc-static.net/scevent.min.js", "snaptr('init'"},
	},
	{
		Name: "reddit-pixel", Title: "Reddit Pixel", Category: "advertising",
		Cookies:          []string{"_rdt_*"},
		ScriptHosts:      []string{"www.redditstatic.com"},
		ScriptPaths:      []string{"/ads/"},
		PixelHosts:       []string{"alb.reddit.com", "pixel-config.reddit.com"},
		InlineSignatures: []string{"redditstatic.com/ads/pixel.js", "alb.reddit.com", "rdt('init'"},
	},
	{
		Name: "hubspot", Title: "HubSpot tracking code, ads pixel and collected forms", Category: "advertising",
		Cookies:          []string{"__hstc", "hubspotutk", "__hssc", "__hssrc"},
		ScriptHosts:      []string{".hs-scripts.com", ".hs-analytics.net", ".hsadspixel.net", ".hscollectedforms.net"},
		PixelHosts:       []string{".hubspot.com"},
		PixelPaths:       []string{"/__ptq.gif", "/__ptc.gif"}, // hubspot.com also serves forms and meeting embeds
		InlineSignatures: []string{"js.hs-scripts.com", "js.hs-analytics.net", "_hsq.push("},
	},
	// -------------------------------------------------------------- Analytics
	{
		Name: "clarity", Title: "Microsoft Clarity", Category: "analytics",
		Cookies:          []string{"_clck", "_clsk", "CLID"},
		ScriptHosts:      []string{".clarity.ms"},
		InlineSignatures: []string{"clarity.ms/tag", "'clarity','script'"},
	},
	{
		Name: "hotjar", Title: "Hotjar", Category: "analytics",
		Cookies:          []string{"_hj*"},
		ScriptHosts:      []string{".hotjar.com"},
		PixelHosts:       []string{".hotjar.io"},
		InlineSignatures: []string{"static.hotjar.com", "_hjSettings"},
	},
	{
		// Matomo is often self-hosted on an unknown host: its tracker files
		// are recognised by path on any host.
		Name: "matomo", Title: "Matomo / Piwik tags (Matomo Cloud or self-hosted)", Category: "analytics",
		Cookies:          []string{"_pk_*"},
		ScriptHosts:      []string{".matomo.cloud"},
		ScriptPaths:      []string{"*/matomo.js", "*/piwik.js"},
		PixelPaths:       []string{"*/matomo.php", "*/piwik.php"},
		InlineSignatures: []string{"_paq.push(", "_mtm.push(", "matomo.cloud"},
	},
	{
		Name: "yandex-metrica", Title: "Yandex Metrica", Category: "analytics",
		Cookies:          []string{"_ym_*"},
		ScriptHosts:      []string{".mc.yandex.ru", ".mc.yandex.com", "mc.yandex.by", "mc.yandex.kz", "mc.yandex.com.tr", "mc.yandex.ua"},
		PixelHosts:       []string{".mc.webvisor.org", ".mc.webvisor.com"},
		InlineSignatures: []string{"mc.yandex.ru/metrika", "mc.yandex.com/metrika", "mc.yandex.ru/watch"},
	},
	{
		// Adobe Experience Platform Tags (Launch) is a loader like GTM.
		Name: "adobe-analytics", Title: "Adobe Analytics, Experience Cloud ID, Adobe Tags", Category: "analytics",
		Cookies:          []string{"s_vi", "s_ecid", "s_fid", "s_cc", "s_sq", "AMCV_*", "AMCVS_*"},
		ScriptHosts:      []string{"assets.adobedtm.com"},
		ScriptPaths:      []string{"*/AppMeasurement.js"},
		PixelHosts:       []string{".omtrdc.net", ".2o7.net", ".demdex.net", "edge.adobedc.net"},
		PixelPaths:       []string{"*/b/ss/"},
		InlineSignatures: []string{"assets.adobedtm.com", "=s_gi(", "alloy('configure'"},
	},
	// ----------------------------------------------------------------- Embeds
	{
		// youtube-nocookie.com is listed too: it still stores identifiers in
		// the browser once the video plays. Options.YouTubeNoCookie lets it
		// through and rewrites youtube.com embeds to it instead.
		Name: "youtube", Title: "YouTube embedded player", Category: "advertising",
		Cookies:          []string{"VISITOR_INFO1_LIVE", "VISITOR_PRIVACY_METADATA", "YSC"},
		EmbedHosts:       []string{".youtube.com", ".youtube-nocookie.com"},
		InlineSignatures: []string{"youtube.com/iframe_api", "youtube.com/player_api"},
	},
	{
		Name: "vimeo", Title: "Vimeo embedded player", Category: "analytics",
		Cookies:          []string{"vuid"},
		EmbedHosts:       []string{"player.vimeo.com"},
		InlineSignatures: []string{"player.vimeo.com/api/player.js"},
	},
	// ------------------------------------------- Same-origin endpoints (opt-in)
	{
		Name: "matomo-selfhosted", Title: "Self-hosted Matomo / Piwik behind this gateway", Category: "analytics",
		Cookies: []string{"_pk_*"},
		BlockRules: []BlockRule{
			{Name: "matomo-tracker", Category: "analytics", Path: "*/matomo.php"},
			{Name: "piwik-tracker", Category: "analytics", Path: "*/piwik.php"},
			{Name: "matomo-js", Category: "analytics", Path: "*/matomo.js", Response: "204"},
			{Name: "piwik-js", Category: "analytics", Path: "*/piwik.js", Response: "204"},
		},
	},
	{
		Name: "sgtm", Title: "Server-side Google Tag Manager / GA4 served from this site's domain", Category: "analytics",
		Cookies: []string{"FPID", "FPLC", "FPGSID"},
		BlockRules: []BlockRule{
			{Name: "ga4-collect", Category: "analytics", Path: "/g/collect", Query: map[string]string{"tid": "*"}},
			{Name: "gtm-js", Category: "analytics", Path: "/gtm.js", Query: map[string]string{"id": "*"}, Response: "204"},
			{Name: "gtag-js", Category: "analytics", Path: "/gtag/js", Query: map[string]string{"id": "*"}, Response: "204"},
		},
	},
	{
		Name: "meta-capi-gateway", Title: "Meta pixel endpoint served from this site's domain (Conversions API Gateway style)", Category: "advertising",
		Cookies: []string{"_fbp", "_fbc"},
		BlockRules: []BlockRule{
			{Name: "meta-tr", Category: "advertising", Path: "/tr", Query: map[string]string{"id": "*", "ev": "*"}},
			{Name: "meta-tr-slash", Category: "advertising", Path: "/tr/", Query: map[string]string{"id": "*", "ev": "*"}},
		},
	},
	{
		Name: "plausible", Title: "Plausible Analytics (plausible.io script, proxied event endpoint)", Category: "analytics",
		ScriptHosts: []string{"plausible.io"},
		BlockRules: []BlockRule{
			{Name: "plausible-event", Category: "analytics", Path: "/api/event", Method: "POST", Response: "204"},
		},
	},
	{
		Name: "umami", Title: "Umami (Umami Cloud script, proxied or self-hosted send endpoint)", Category: "analytics",
		ScriptHosts: []string{"cloud.umami.is", "analytics.umami.is"},
		BlockRules: []BlockRule{
			{Name: "umami-send", Category: "analytics", Path: "/api/send", Method: "POST", Response: "204"},
		},
	},
	{
		Name: "fathom", Title: "Fathom Analytics (cdn.usefathom.com script, self-hosted Fathom Lite collector)", Category: "analytics",
		ScriptHosts: []string{"cdn.usefathom.com"},
		BlockRules: []BlockRule{
			{Name: "fathom-collect", Category: "analytics", Path: "/collect", Query: map[string]string{"sid": "*", "p": "*"}},
		},
	},
	{
		Name: "shopify", Title: "Shopify analytics (monorail) on the shop's domain", Category: "analytics",
		BlockRules: []BlockRule{
			{Name: "shopify-monorail", Category: "analytics", Path: "/.well-known/shopify/monorail*", Response: "204"},
		},
	},
	{
		Name: "vercel-insights", Title: "Vercel Web Analytics and Speed Insights", Category: "analytics",
		BlockRules: []BlockRule{
			{Name: "vercel-insights", Category: "analytics", Path: "/_vercel/insights/*", Response: "204"},
			{Name: "vercel-speed-insights", Category: "analytics", Path: "/_vercel/speed-insights/*", Response: "204"},
		},
	},
	{
		// Generic pixel names say nothing about their purpose: they get the
		// most restrictive category.
		Name: "generic-pixels", Title: "Generic tracking pixel and beacon paths", Category: "advertising",
		BlockRules: []BlockRule{
			{Name: "pixel-gif", Category: "advertising", Path: "*/pixel.gif"},
			{Name: "1x1-gif", Category: "advertising", Path: "*/1x1.gif"},
			{Name: "1px-gif", Category: "advertising", Path: "*/1px.gif"},
			{Name: "beacon", Category: "advertising", Path: "*/beacon"},
			{Name: "beacon-gif", Category: "advertising", Path: "*/beacon.gif"},
			{Name: "utm-gif", Category: "advertising", Path: "*/__utm.gif"},
		},
	},
}
