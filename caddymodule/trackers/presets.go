package trackers

// presets is the built-in vendor table. Hosts, paths and snippet shapes
// are taken from each vendor's installation and CSP documentation; cookie
// names from the vendors' cookie tables.
//
// Same-origin presets (matomo-selfhosted, sgtm, meta-capi-gateway,
// plausible-proxy, umami-proxy, fathom-lite, shopify, vercel-insights,
// generic-pixels) carry BlockRules and nothing else. Presets whose rules
// match paths a site may use for its own API, or whose tags are a function
// of the site (a paywall), are OptIn: never enabled by default.
//
// Cookie lists hold only distinctive names: a short generic name ("C",
// "uid", "mc") that a vendor sets on its own domain is left out, since it
// would classify a site's own cookie of that name.
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
		PixelHosts:       []string{"bat.r.msn.com", "c.bing.com"},
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
		InlineSignatures: []string{"static.ads-twitter.com", "twq('config'", "twq('init'", "twq('event'"},
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
	// ------------------------------------------- Ad tech: publishers' ad stack
	{
		Name: "google-publisher-tag", Title: "Google Publisher Tag / Ad Manager", Category: "advertising",
		Cookies:     []string{"__gads", "__gpi", "__eoi"},
		ScriptHosts: []string{".googletagservices.com", "securepubads.g.doubleclick.net"}, // pagead2.googlesyndication.com: google-ads
		PixelHosts:  []string{"adservice.google.com", ".adtrafficquality.google"},
		InlineSignatures: []string{
			"googletag.cmd", "googletag.pubads(", "googletagservices.com/tag/js/gpt.js", "securepubads.g.doubleclick.net/tag/js/gpt.js",
		},
	},
	{
		Name: "amazon-publisher-services", Title: "Amazon Publisher Services (apstag) and Amazon Ads", Category: "advertising",
		ScriptHosts:      []string{".amazon-adsystem.com"},
		InlineSignatures: []string{"amazon-adsystem.com/aax2/apstag.js", "apstag.init(", "apstag.fetchBids("},
	},
	{
		Name: "xandr", Title: "Xandr / AppNexus (Microsoft Invest)", Category: "advertising",
		ScriptHosts:      []string{".adnxs.com", ".adnxs-simple.com"},
		InlineSignatures: []string{"acdn.adnxs.com/ast/", "apntag.anq"},
	},
	{
		Name: "criteo", Title: "Criteo", Category: "advertising",
		Cookies:          []string{"cto_bundle", "cto_bidid", "cto_axid", "cto_pxsig", "cto_lwid", "cto_idcpy", "cto_dna_bundle"},
		ScriptHosts:      []string{".criteo.net", ".criteo.com"},
		InlineSignatures: []string{"criteo_q", "static.criteo.net/js/ld/"},
	},
	{
		Name: "taboola", Title: "Taboola (recommendations and pixel)", Category: "advertising",
		Cookies:          []string{"t_gid", "t_pt_gid", "taboola_*", "_tb_sess_r", "_tb_t_ppg"},
		ScriptHosts:      []string{".taboola.com", ".taboolasyndication.com"},
		InlineSignatures: []string{"_taboola", "window._tfa", "_tfa.push(", "cdn.taboola.com"},
	},
	{
		Name: "outbrain", Title: "Outbrain (recommendations and pixel)", Category: "advertising",
		Cookies:          []string{"obuid", "outbrain_cid_fetch"},
		ScriptHosts:      []string{".outbrain.com", ".outbrainimg.com"},
		InlineSignatures: []string{"widgets.outbrain.com/outbrain.js", "amplify.outbrain.com", "OB_ADV_ID", "_window.obApi"},
	},
	{
		Name: "adform", Title: "Adform", Category: "advertising",
		Cookies:          []string{"adform_uid", "adformfrpid"},
		ScriptHosts:      []string{".adform.net", ".adformdsp.net"},
		InlineSignatures: []string{"track.adform.net", "_adftrack"},
	},
	{
		Name: "pubmatic", Title: "PubMatic", Category: "advertising",
		ScriptHosts:      []string{".pubmatic.com"},
		InlineSignatures: []string{"ads.pubmatic.com"},
	},
	{
		Name: "magnite", Title: "Magnite / Rubicon Project", Category: "advertising",
		ScriptHosts:      []string{".rubiconproject.com"},
		InlineSignatures: []string{"rubiconproject.com"},
	},
	{
		Name: "openx", Title: "OpenX", Category: "advertising",
		ScriptHosts:      []string{".openx.net", ".servedbyopenx.com"},
		InlineSignatures: []string{"openx.net/w/"},
	},
	{
		Name: "index-exchange", Title: "Index Exchange", Category: "advertising",
		ScriptHosts:      []string{".casalemedia.com", ".indexww.com"},
		InlineSignatures: []string{"js-sec.indexww.com"},
	},
	{
		Name: "the-trade-desk", Title: "The Trade Desk (UID2 and pixels)", Category: "advertising",
		Cookies:          []string{"__uid2_advertising_token"},
		ScriptHosts:      []string{".adsrvr.org"},
		InlineSignatures: []string{"js.adsrvr.org", "ttd_dom_ready("},
	},
	{
		Name: "mediamath", Title: "MediaMath", Category: "advertising",
		ScriptHosts:      []string{".mathtag.com"},
		InlineSignatures: []string{"mathtag.com"},
	},
	{
		Name: "teads", Title: "Teads", Category: "advertising",
		ScriptHosts:      []string{".teads.tv"},
		InlineSignatures: []string{"a.teads.tv/page/", "teads_analytics"},
	},
	{
		Name: "smart-adserver", Title: "Equativ / Smart AdServer", Category: "advertising",
		ScriptHosts:      []string{".smartadserver.com", ".sascdn.com"},
		InlineSignatures: []string{"sas.cmd.push(", "sascdn.com/tag/", "smartadserver.com"},
	},
	{
		Name: "sovrn", Title: "Sovrn (lijit, OneTag)", Category: "advertising",
		ScriptHosts:      []string{".lijit.com", ".sovrn.com", ".s-onetag.com"},
		InlineSignatures: []string{"ap.lijit.com"},
	},
	{
		Name: "33across", Title: "33Across and Tynt", Category: "advertising",
		Cookies:          []string{"33x_ps"},
		ScriptHosts:      []string{".33across.com", ".tynt.com"},
		InlineSignatures: []string{"cdn.tynt.com", "Tynt=Tynt||[]", "33across.com"},
	},
	{
		Name: "yieldmo", Title: "Yieldmo", Category: "advertising",
		ScriptHosts:      []string{".yieldmo.com"},
		InlineSignatures: []string{"static.yieldmo.com"},
	},
	{
		Name: "conversant", Title: "Conversant / Epsilon", Category: "advertising",
		ScriptHosts:      []string{".dotomi.com", ".conversantmedia.com", ".emjcd.com"},
		InlineSignatures: []string{"dotomi.com"},
	},
	{
		Name: "adroll", Title: "AdRoll", Category: "advertising",
		Cookies:          []string{"__adroll", "__adroll_*", "__ar_v4"},
		ScriptHosts:      []string{".adroll.com"},
		InlineSignatures: []string{"adroll_adv_id", "s.adroll.com/j/"},
	},
	{
		Name: "yahoo", Title: "Yahoo (Dot tag, Yahoo DSP, advertising.com)", Category: "advertising",
		ScriptHosts:      []string{"s.yimg.com"},
		ScriptPaths:      []string{"/wi/"}, // s.yimg.com also serves Yahoo's page assets
		PixelHosts:       []string{".analytics.yahoo.com", ".ads.yahoo.com", ".advertising.com"},
		InlineSignatures: []string{"s.yimg.com/wi/ytc.js", "dotq.push(", "sp.analytics.yahoo.com"},
	},
	{
		Name: "quora-pixel", Title: "Quora Pixel", Category: "advertising",
		ScriptHosts:      []string{"a.quora.com", "q.quora.com"},
		InlineSignatures: []string{"a.quora.com/qevents.js", "qp('init'"},
	},
	{
		Name: "ad-verification", Title: "Ad verification (DoubleVerify, Integral Ad Science, Moat)", Category: "advertising",
		ScriptHosts:      []string{".doubleverify.com", ".dvtps.com", ".adsafeprotected.com", ".moatads.com"},
		InlineSignatures: []string{"doubleverify.com", "adsafeprotected.com", "moatads.com"},
	},
	// ------------------------------------------ Audience measurement and DMPs
	{
		Name: "comscore", Title: "comScore (Scorecard Research)", Category: "advertising",
		Cookies:          []string{"_scor_uid"},
		ScriptHosts:      []string{".scorecardresearch.com"},
		InlineSignatures: []string{"_comscore", "COMSCORE.beacon(", "scorecardresearch.com/beacon.js"},
	},
	{
		Name: "quantcast", Title: "Quantcast Measure and Advertise", Category: "advertising",
		Cookies:          []string{"__qca"},
		ScriptHosts:      []string{".quantserve.com", ".quantcount.com"},
		InlineSignatures: []string{"_qevents", "quantserve.com/quant.js"},
	},
	{
		Name: "nielsen", Title: "Nielsen Digital Content Ratings", Category: "advertising",
		ScriptHosts:      []string{".imrworldwide.com"},
		InlineSignatures: []string{"imrworldwide.com", "NOLBUNDLE", "nol_t("},
	},
	{
		Name: "gemius", Title: "Gemius audience measurement", Category: "analytics",
		Cookies:          []string{"__gfp_64b", "__gfp_s_64b", "Gdyn"},
		ScriptHosts:      []string{".gemius.pl"},
		InlineSignatures: []string{"pp_gemius_identifier", "gemius.pl/xgemius.js"},
	},
	{
		Name: "salesforce-dmp", Title: "Salesforce Audience Studio (Krux)", Category: "advertising",
		Cookies:          []string{"_kuid_"},
		ScriptHosts:      []string{".krxd.net"},
		InlineSignatures: []string{"cdn.krxd.net", "Krux||"},
	},
	{
		Name: "lotame", Title: "Lotame (Panorama ID)", Category: "advertising",
		Cookies:          []string{"_cc_id", "_cc_cc", "_cc_aud", "_cc_dc", "_cc_domain", "panoramaId", "panoramaId_expiry*", "lotame_domain_check"},
		ScriptHosts:      []string{".crwdcntrl.net"},
		InlineSignatures: []string{"crwdcntrl.net", "window.lotame_"},
	},
	{
		Name: "liveramp", Title: "LiveRamp (ATS, RampID)", Category: "advertising",
		Cookies:          []string{"_lr_env", "_lr_env_src_ats", "_lr_retry_request", "_lr_geo_location", "idl_env"},
		ScriptHosts:      []string{".rlcdn.com"},
		InlineSignatures: []string{"ats.rlcdn.com", "ats-wrapper.privacymanager.io", "launchpad-wrapper.privacymanager.io"},
	},
	{
		Name: "id5", Title: "ID5 universal ID", Category: "advertising",
		Cookies:          []string{"id5id", "id5id_*"},
		ScriptHosts:      []string{".id5-sync.com"},
		InlineSignatures: []string{"id5-sync.com"},
	},
	{
		Name: "permutive", Title: "Permutive", Category: "advertising",
		Cookies:          []string{"permutive-id", "permutive-session"},
		ScriptHosts:      []string{".permutive.com", ".permutive.app"},
		InlineSignatures: []string{"permutive.com", "permutive.app", "window.permutive"},
	},
	{
		Name: "cxense", Title: "Cxense / Piano DMP", Category: "advertising",
		Cookies:          []string{"cX_P", "cX_S", "cX_G", "cX_T", "cX_LSP"},
		ScriptHosts:      []string{".cxense.com"},
		InlineSignatures: []string{"scdn.cxense.com", "cX.callQueue"},
	},
	{
		Name: "oracle-bluekai", Title: "Oracle BlueKai", Category: "advertising",
		ScriptHosts:      []string{".bluekai.com", ".bkrtx.com"},
		InlineSignatures: []string{"tags.bluekai.com", "bk_addPageCtx("},
	},
	// --------------------------------------------- Marketing automation, CRM
	{
		Name: "marketo", Title: "Adobe Marketo Engage (Munchkin)", Category: "advertising",
		Cookies:          []string{"_mkto_trk"},
		ScriptHosts:      []string{"munchkin.marketo.net", ".mktoresp.com"},
		InlineSignatures: []string{"munchkin.marketo.net", "Munchkin.init("},
	},
	{
		Name: "pardot", Title: "Salesforce Pardot / Account Engagement tracking", Category: "advertising",
		Cookies:          []string{"/^visitor_id[0-9]+(-hash)?$/", "pardot"},
		ScriptHosts:      []string{"pi.pardot.com", "cdn.pardot.com"}, // go.pardot.com serves forms
		InlineSignatures: []string{"pi.pardot.com/pd.js", "cdn.pardot.com/pd.js", "piAId = '"},
	},
	{
		Name: "klaviyo", Title: "Klaviyo onsite tracking and forms", Category: "advertising",
		Cookies:          []string{"__kla_id"},
		ScriptHosts:      []string{"static.klaviyo.com", "a.klaviyo.com", "static-tracking.klaviyo.com"},
		InlineSignatures: []string{"static.klaviyo.com/onsite/js/", "_learnq"},
	},
	// ------------------------------------------------- Social widgets, comments
	{
		Name: "x-widgets", Title: "X (Twitter) embedded posts, timelines and buttons", Category: "advertising",
		EmbedHosts:       []string{"platform.twitter.com", "syndication.twitter.com", "cdn.syndication.twimg.com", "platform.x.com", "syndication.x.com"},
		InlineSignatures: []string{"platform.twitter.com/widgets.js", "platform.x.com/widgets.js", "twttr.widgets"},
	},
	{
		Name: "facebook-embeds", Title: "Facebook embedded posts, videos and social plugins", Category: "advertising",
		EmbedHosts:       []string{"www.facebook.com", "web.facebook.com", "m.facebook.com"},
		EmbedPaths:       []string{"/plugins/"}, // connect.facebook.net/…/sdk.js is meta-pixel's host
		InlineSignatures: []string{"connect.facebook.net/en_US/sdk.js", "FB.init("},
	},
	{
		Name: "instagram-embeds", Title: "Instagram embedded posts", Category: "advertising",
		EmbedHosts:       []string{".instagram.com"},
		InlineSignatures: []string{"instagram.com/embed.js", "instgrm.Embeds"},
	},
	{
		Name: "tiktok-embeds", Title: "TikTok embedded videos", Category: "advertising",
		EmbedHosts:       []string{"www.tiktok.com"},
		EmbedPaths:       []string{"/embed/", "/embed.js", "/player/"},
		InlineSignatures: []string{"tiktok.com/embed.js"},
	},
	{
		Name: "pinterest-widgets", Title: "Pinterest Save button and widgets", Category: "advertising",
		ScriptHosts:      []string{"assets.pinterest.com", "widgets.pinterest.com", "log.pinterest.com"},
		InlineSignatures: []string{"assets.pinterest.com/js/pinit.js"},
	},
	{
		Name: "addthis", Title: "AddThis share buttons", Category: "advertising",
		Cookies:          []string{"__atuvc", "__atuvs", "__atssc"},
		ScriptHosts:      []string{".addthis.com", ".addthisedge.com"},
		InlineSignatures: []string{"addthis.com/js/", "addthis_widget.js", "addthis_config"},
	},
	{
		Name: "sharethis", Title: "ShareThis share buttons", Category: "advertising",
		Cookies:          []string{"__stid", "__stidv", "__sharethis_cookie_test__", "fpestid"},
		ScriptHosts:      []string{".sharethis.com"},
		InlineSignatures: []string{"platform-api.sharethis.com", "buttons-config.sharethis.com"},
	},
	{
		// Disqus loads an ad and tracking network with its comments.
		Name: "disqus", Title: "Disqus comments", Category: "advertising",
		EmbedHosts:       []string{".disqus.com", ".disquscdn.com"},
		InlineSignatures: []string{"disqus.com/embed.js", "disqus_config", "disqus_shortname"},
	},
	// ------------------------------------ Analytics, A/B testing, session replay
	{
		Name: "chartbeat", Title: "Chartbeat", Category: "analytics",
		Cookies:          []string{"_cb", "_cb_ls", "_cb_svref", "_chartbeat2", "_chartbeat4", "_SUPERFLY_nosample"},
		ScriptHosts:      []string{".chartbeat.com", ".chartbeat.net"},
		InlineSignatures: []string{"_sf_async_config", "static.chartbeat.com"},
	},
	{
		Name: "parsely", Title: "Parse.ly", Category: "analytics",
		Cookies:          []string{"_parsely_session", "_parsely_visitor", "_parsely_slot_click", "_parsely_tpa_blocked"},
		ScriptHosts:      []string{".parsely.com", ".parse.ly"},
		InlineSignatures: []string{"cdn.parsely.com/keys/"},
	},
	{
		Name: "piano-analytics", Title: "Piano Analytics (AT Internet)", Category: "analytics",
		Cookies:          []string{"_pcid", "_pctx", "atuserid", "atidvisitor", "_pprv"},
		ScriptHosts:      []string{".xiti.com", ".aticdn.net", ".ati-host.net", ".pa-cd.com"},
		InlineSignatures: []string{"tag.aticdn.net", "ATInternet.Tracker", "pa.setConfigurations("},
	},
	{
		Name: "segment", Title: "Segment (Twilio)", Category: "analytics",
		Cookies:          []string{"ajs_anonymous_id", "ajs_user_id", "ajs_group_id"},
		ScriptHosts:      []string{"cdn.segment.com", ".segment.io", "cdn.segment.io"},
		InlineSignatures: []string{"cdn.segment.com/analytics.js", "analytics.load("},
	},
	{
		Name: "mixpanel", Title: "Mixpanel", Category: "analytics",
		Cookies:          []string{"mp_*_mixpanel"},
		ScriptHosts:      []string{".mxpnl.com", ".mixpanel.com"},
		InlineSignatures: []string{"cdn.mxpnl.com/libs/", "mixpanel.init(", "MIXPANEL_CUSTOM_LIB_URL"},
	},
	{
		Name: "amplitude", Title: "Amplitude", Category: "analytics",
		Cookies:          []string{"AMP_*", "amp_*", "amplitude_id*"},
		ScriptHosts:      []string{".amplitude.com"},
		InlineSignatures: []string{"cdn.amplitude.com/libs/", "amplitude.getInstance().init(", "amplitude.init(", "cdn.amplitude.com/script/"},
	},
	{
		Name: "heap", Title: "Heap", Category: "analytics",
		Cookies:          []string{"_hp2_*"},
		ScriptHosts:      []string{".heapanalytics.com", ".heap-api.com"},
		InlineSignatures: []string{"heap.load(", "cdn.heapanalytics.com"},
	},
	{
		Name: "posthog", Title: "PostHog Cloud", Category: "analytics",
		Cookies:          []string{"ph_*_posthog"},
		ScriptHosts:      []string{".i.posthog.com", "app.posthog.com", "eu.posthog.com"},
		InlineSignatures: []string{"posthog.init(", "i.posthog.com"},
	},
	{
		Name: "new-relic-browser", Title: "New Relic Browser (real-user monitoring)", Category: "analytics",
		ScriptHosts:      []string{"js-agent.newrelic.com", ".nr-data.net"},
		InlineSignatures: []string{"NREUM", "js-agent.newrelic.com"},
	},
	{
		Name: "akamai-mpulse", Title: "Akamai mPulse (real-user monitoring)", Category: "analytics",
		ScriptHosts:      []string{".go-mpulse.net", ".akstat.io"},
		InlineSignatures: []string{"go-mpulse.net/boomerang/", "BOOMR_API_key"},
	},
	{
		Name: "cloudflare-web-analytics", Title: "Cloudflare Web Analytics (beacon)", Category: "analytics",
		ScriptHosts:      []string{"static.cloudflareinsights.com", "cloudflareinsights.com"},
		InlineSignatures: []string{"static.cloudflareinsights.com/beacon.min.js"},
	},
	{
		Name: "baidu-tongji", Title: "Baidu Tongji analytics", Category: "analytics",
		Cookies:          []string{"Hm_lvt_*", "Hm_lpvt_*", "HMACCOUNT"},
		ScriptHosts:      []string{"hm.baidu.com"},
		InlineSignatures: []string{"hm.baidu.com/hm.js", "_hmt.push("},
	},
	{
		Name: "mailru-top", Title: "Top@Mail.ru / VK Ads pixel", Category: "analytics",
		ScriptHosts:      []string{".top.mail.ru", "top-fwz1.mail.ru"},
		InlineSignatures: []string{"top-fwz1.mail.ru/js/code.js", "_tmr.push("},
	},
	{
		Name: "naver-analytics", Title: "Naver Analytics", Category: "analytics",
		ScriptHosts:      []string{"wcs.naver.net"},
		InlineSignatures: []string{"wcs.naver.net/wcslog.js"},
	},
	{
		Name: "tealium", Title: "Tealium iQ tag manager and collect", Category: "analytics",
		ScriptHosts:      []string{"tags.tiqcdn.com", ".tealiumiq.com"},
		InlineSignatures: []string{"tags.tiqcdn.com/utag/"},
	},
	{
		Name: "optimizely", Title: "Optimizely Web Experimentation", Category: "analytics",
		Cookies:          []string{"optimizelyEndUserId", "optimizelySegments", "optimizelyBuckets", "optimizelyRedirectData", "optimizelyDomainTestCookie"},
		ScriptHosts:      []string{"cdn.optimizely.com", "cdn-pci.optimizely.com", "logx.optimizely.com"},
		InlineSignatures: []string{"cdn.optimizely.com/js/", "window['optimizely']"},
	},
	{
		Name: "vwo", Title: "VWO (Visual Website Optimizer)", Category: "analytics",
		Cookies:          []string{"_vwo_*", "_vis_opt_*", "_vwo"},
		ScriptHosts:      []string{".visualwebsiteoptimizer.com", ".vwo.com"},
		InlineSignatures: []string{"_vwo_code", "visualwebsiteoptimizer.com"},
	},
	{
		Name: "ab-tasty", Title: "AB Tasty", Category: "analytics",
		Cookies:          []string{"ABTasty", "ABTastySession"},
		ScriptHosts:      []string{".abtasty.com"},
		InlineSignatures: []string{"try.abtasty.com"},
	},
	{
		Name: "kameleoon", Title: "Kameleoon", Category: "analytics",
		Cookies:          []string{"kameleoonVisitorCode"},
		ScriptHosts:      []string{".kameleoon.eu", ".kameleoon.io", ".kameleoon.com"},
		InlineSignatures: []string{"kameleoon.eu/kameleoon.js", "kameleoonQueue"},
	},
	{
		Name: "convert", Title: "Convert Experiences", Category: "analytics",
		Cookies:          []string{"_conv_v", "_conv_s", "_conv_r", "_conv_sptest"},
		ScriptHosts:      []string{".convertexperiments.com"},
		InlineSignatures: []string{"convertexperiments.com/js/"},
	},
	{
		Name: "fullstory", Title: "FullStory session replay", Category: "analytics",
		Cookies:          []string{"fs_uid", "fs_lua", "fs_cid"},
		ScriptHosts:      []string{".fullstory.com"},
		InlineSignatures: []string{"window['_fs_host']", "window['_fs_org']", "edge.fullstory.com/s/fs.js", "FS.identify("},
	},
	{
		Name: "logrocket", Title: "LogRocket session replay", Category: "analytics",
		ScriptHosts:      []string{".logrocket.io", ".logrocket.com", ".lr-ingest.io", ".lr-ingest.com", ".lr-in-prod.com"},
		InlineSignatures: []string{"LogRocket.init("},
	},
	{
		Name: "smartlook", Title: "Smartlook session replay", Category: "analytics",
		Cookies:          []string{"SL_C_*", "SL_L_*"},
		ScriptHosts:      []string{".smartlook.com", ".smartlook.cloud"},
		InlineSignatures: []string{"smartlook('init'", "web-sdk.smartlook.com"},
	},
	{
		Name: "mouseflow", Title: "Mouseflow session replay", Category: "analytics",
		Cookies:          []string{"mf_user", "/^mf_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/"},
		ScriptHosts:      []string{".mouseflow.com"},
		InlineSignatures: []string{"cdn.mouseflow.com/projects/", "_mfq.push("},
	},
	{
		Name: "crazyegg", Title: "Crazy Egg heatmaps", Category: "analytics",
		Cookies:          []string{"_ce.s", "_ce.clock_data", "_ce.clock_event", "_ce.gtld", "_ce.irv", "_ce.cch", "_CEFT", "_ceir", "_crazyegg"},
		ScriptHosts:      []string{".crazyegg.com"},
		InlineSignatures: []string{"script.crazyegg.com/pages/scripts/"},
	},
	{
		Name: "lucky-orange", Title: "Lucky Orange", Category: "analytics",
		Cookies:          []string{"_lo_uid", "_lo_v", "_lo_rid", "__lotl", "__lotr"},
		ScriptHosts:      []string{".luckyorange.com", ".luckyorange.net"},
		InlineSignatures: []string{"luckyorange.com", "__lo_site_id"},
	},
	{
		Name: "inspectlet", Title: "Inspectlet session replay", Category: "analytics",
		ScriptHosts:      []string{".inspectlet.com"},
		InlineSignatures: []string{"cdn.inspectlet.com/inspectlet.js", "__insp.push("},
	},
	{
		Name: "contentsquare", Title: "Contentsquare", Category: "analytics",
		Cookies:          []string{"_cs_c", "_cs_cvars", "_cs_id", "_cs_s", "_cs_ex", "_cs_mk_*"},
		ScriptHosts:      []string{".contentsquare.net", ".contentsquare.com"},
		InlineSignatures: []string{"t.contentsquare.net/uxa/"},
	},
	{
		Name: "quantum-metric", Title: "Quantum Metric", Category: "analytics",
		ScriptHosts:      []string{".quantummetric.com"},
		InlineSignatures: []string{"quantummetric.com"},
	},
	// ------------------------------------------------------------ Chat widgets
	{
		Name: "intercom", Title: "Intercom Messenger", Category: "functional",
		Cookies:          []string{"intercom-id-*", "intercom-session-*", "intercom-device-id-*"},
		ScriptHosts:      []string{".intercom.io", ".intercomcdn.com", ".intercomassets.com"},
		InlineSignatures: []string{"widget.intercom.io/widget/", "Intercom('boot'", "intercomSettings"},
	},
	{
		Name: "drift", Title: "Drift chat", Category: "functional",
		Cookies:          []string{"drift_aid", "driftt_aid", "drift_campaign_refresh", "driftt_sid", "drift_eid"},
		ScriptHosts:      []string{".driftt.com", ".api.drift.com"},
		InlineSignatures: []string{"js.driftt.com", "drift.load("},
	},
	{
		Name: "zendesk-chat", Title: "Zendesk Web Widget and Chat (Zopim)", Category: "functional",
		Cookies:          []string{"__zlcmid", "ZD-suid", "ZD-buid"},
		ScriptHosts:      []string{".zdassets.com", ".zopim.com", ".zopim.io"},
		InlineSignatures: []string{"static.zdassets.com/ekr/snippet.js", "$zopim", "zE('webWidget'"},
	},
	{
		Name: "hubspot-chat", Title: "HubSpot live chat (conversations)", Category: "functional",
		Cookies:          []string{"messagesUtk"},
		ScriptHosts:      []string{".usemessages.com"},
		InlineSignatures: []string{"js.usemessages.com"},
	},
	{
		Name: "livechat", Title: "LiveChat", Category: "functional",
		Cookies:          []string{"__lc_cid", "__lc_cst", "__lc2_cid", "__lc2_cst", "__livechat"},
		ScriptHosts:      []string{".livechatinc.com"},
		InlineSignatures: []string{"cdn.livechatinc.com/tracking.js", "__lc.license"},
	},
	{
		Name: "tawk", Title: "tawk.to chat", Category: "functional",
		Cookies:          []string{"TawkConnectionTime", "__tawkuuid", "tawkUUID", "twk_*"},
		ScriptHosts:      []string{".tawk.to"},
		InlineSignatures: []string{"embed.tawk.to", "Tawk_API"},
	},
	{
		Name: "crisp", Title: "Crisp chat", Category: "functional",
		Cookies:          []string{"/^crisp-client[/%]/"},
		ScriptHosts:      []string{".crisp.chat"},
		InlineSignatures: []string{"client.crisp.chat/l.js", "CRISP_WEBSITE_ID"},
	},
	{
		Name: "tidio", Title: "Tidio chat", Category: "functional",
		ScriptHosts:      []string{".tidio.co", ".tidiochat.com"},
		InlineSignatures: []string{"code.tidio.co"},
	},
	// -------------------------------- Long tail of programmatic ad tech (groups)
	{
		// Supply-side platforms and exchanges called by header bidding on
		// news pages; each host belongs to its vendor entirely.
		Name: "ad-exchanges", Title: "Programmatic ad exchanges (TripleLift, Sharethrough, Media.net, GumGum, Sonobi, PulsePoint, OneTag, Improve Digital, Seedtag, Kargo, Smaato, SpotX, SpringServe, Unruly, Tremor, Yieldlab, Adition, Ströer, Connatix, Sizmek, Flashtalking, Innovid, Confiant)", Category: "advertising",
		ScriptHosts: []string{".3lift.com", ".sharethrough.com", ".media.net", ".gumgum.com", ".sonobi.com", ".contextweb.com",
			".onetag-sys.com", ".360yield.com", ".seedtag.com", ".kargo.com", ".smaato.net", ".spotxchange.com", ".spotx.tv",
			".springserve.com", ".unrulymedia.com", ".tremorhub.com", ".yieldlab.net", ".adition.com", ".adscale.de",
			".connatix.com", ".serving-sys.com", ".flashtalking.com", ".innovid.com", ".confiant-integrations.net", ".bidswitch.net"},
		InlineSignatures: []string{"contextual.media.net/dmedianet.js", "tlx.3lift.com", "cdn.connatix.com"},
	},
	{
		Name: "data-brokers", Title: "Audience data and identity brokers (Eyeota, Tapad, Neustar, eXelate, Beeswax, Simpli.fi, Crimtan)", Category: "advertising",
		ScriptHosts: []string{".eyeota.net", ".tapad.com", ".agkn.com", ".exelator.com", ".bidr.io", ".simpli.fi", ".ctnsnet.com"},
	},
	{
		Name: "native-ads", Title: "Native ad and recommendation widgets (MGID, Revcontent, Nativo, Zemanta, Plista, Ligatus)", Category: "advertising",
		ScriptHosts:      []string{".mgid.com", ".revcontent.com", ".ntv.io", ".zemanta.com", ".plista.com", ".ligatus.com"},
		InlineSignatures: []string{"jsc.mgid.com", "trends.revcontent.com", "s.ntv.io/serve/load.js"},
	},
	{
		Name: "affiliate-links", Title: "Affiliate link trackers (Skimlinks, Sovrn Commerce / VigLink, Awin MasterTag)", Category: "advertising",
		ScriptHosts:      []string{".skimresources.com", ".viglink.com", "www.dwin1.com", "dwin1.com"},
		InlineSignatures: []string{"s.skimresources.com/js/", "cdn.viglink.com/api/vglnk.js", "vglnk = {"},
	},
	// ------------------------------------------------ Analytics long tail
	{
		Name: "wordpress-stats", Title: "WordPress.com / Jetpack Stats", Category: "analytics",
		Cookies:          []string{"tk_ai", "tk_qs", "tk_tc"},
		ScriptHosts:      []string{"stats.wp.com"},
		PixelHosts:       []string{"pixel.wp.com"},
		InlineSignatures: []string{"stats.wp.com/e-", "_stq.push(", "_stq=window._stq"},
	},
	{
		Name: "statcounter", Title: "StatCounter", Category: "analytics",
		Cookies:          []string{"is_unique", "sc_is_visitor_unique"},
		ScriptHosts:      []string{".statcounter.com"},
		InlineSignatures: []string{"var sc_project", "statcounter.com/counter/counter.js"},
	},
	{
		Name: "clicky", Title: "Clicky", Category: "analytics",
		Cookies:          []string{"_jsuid"},
		ScriptHosts:      []string{".getclicky.com", ".staticstuff.net"},
		InlineSignatures: []string{"static.getclicky.com/js", "clicky_site_ids"},
	},
	{
		Name: "histats", Title: "Histats", Category: "analytics",
		ScriptHosts:      []string{".histats.com"},
		InlineSignatures: []string{"_Hasync.push(", "histats.com/js15_as.js"},
	},
	{
		Name: "goatcounter", Title: "GoatCounter (hosted)", Category: "analytics",
		ScriptHosts:      []string{"gc.zgo.at", ".goatcounter.com"},
		InlineSignatures: []string{"gc.zgo.at/count.js"},
	},
	{
		Name: "simple-analytics", Title: "Simple Analytics (hosted)", Category: "analytics",
		ScriptHosts:      []string{"scripts.simpleanalyticscdn.com", "queue.simpleanalyticscdn.com"},
		InlineSignatures: []string{"scripts.simpleanalyticscdn.com"},
	},
	{
		Name: "infonline", Title: "INFOnline / IVW audience measurement", Category: "analytics",
		Cookies:          []string{"ioma2018"},
		ScriptHosts:      []string{".ioam.de", ".iocnt.net"},
		InlineSignatures: []string{"script.ioam.de/iam.js", "iom.c(", "IOMm('configure'"},
	},
	{
		Name: "pendo", Title: "Pendo product analytics", Category: "analytics",
		Cookies:          []string{"_pendo_*"},
		ScriptHosts:      []string{"cdn.pendo.io", "app.pendo.io", "data.pendo.io", "cdn.eu.pendo.io", "app.eu.pendo.io"},
		InlineSignatures: []string{"cdn.pendo.io/agent/static/", "pendo.initialize("},
	},
	{
		Name: "woopra", Title: "Woopra", Category: "analytics",
		Cookies:          []string{"wooTracker"},
		ScriptHosts:      []string{".woopra.com"},
		InlineSignatures: []string{"static.woopra.com/js/", "woopra.config("},
	},
	{
		Name: "datadog-rum", Title: "Datadog Real User Monitoring", Category: "analytics",
		Cookies:          []string{"_dd_s"},
		ScriptHosts:      []string{"www.datadoghq-browser-agent.com", ".browser-intake-datadoghq.com", ".browser-intake-datadoghq.eu", ".browser-intake-us3-datadoghq.com", ".browser-intake-us5-datadoghq.com"},
		InlineSignatures: []string{"datadoghq-browser-agent.com", "DD_RUM.init("},
	},
	{
		Name: "dynatrace-rum", Title: "Dynatrace Real User Monitoring (SaaS)", Category: "analytics",
		Cookies:          []string{"dtCookie", "dtPC", "dtSa", "rxVisitor", "rxvt", "dtLatC"},
		ScriptHosts:      []string{"js-cdn.dynatrace.com", ".live.dynatrace.com"},
		InlineSignatures: []string{"js-cdn.dynatrace.com/jstag/"},
	},
	// ------------------------------------------------------- Push, more embeds
	{
		Name: "onesignal", Title: "OneSignal web push", Category: "functional",
		ScriptHosts:      []string{".onesignal.com"},
		InlineSignatures: []string{"cdn.onesignal.com/sdks/", "OneSignalDeferred", "OneSignal.init("},
	},
	{
		Name: "dailymotion", Title: "Dailymotion embedded player", Category: "advertising",
		EmbedHosts:       []string{"www.dailymotion.com", "geo.dailymotion.com"},
		EmbedPaths:       []string{"/embed/", "/player"},
		InlineSignatures: []string{"geo.dailymotion.com/libs/player/"},
	},
	{
		Name: "twitch", Title: "Twitch embedded player", Category: "advertising",
		EmbedHosts:       []string{"player.twitch.tv", "embed.twitch.tv", "clips.twitch.tv"},
		InlineSignatures: []string{"embed.twitch.tv/embed/v1.js", "player.twitch.tv/js/embed/"},
	},
	{
		Name: "wistia", Title: "Wistia embedded player", Category: "analytics",
		EmbedHosts:       []string{"fast.wistia.com", "fast.wistia.net", ".wistia.com", ".wistia.net"},
		InlineSignatures: []string{"fast.wistia.com/assets/external/E-v1.js", "fast.wistia.com/embed/"},
	},
	{
		Name: "brightcove", Title: "Brightcove embedded player", Category: "analytics",
		EmbedHosts:       []string{"players.brightcove.net", "metrics.brightcove.com"},
		InlineSignatures: []string{"players.brightcove.net/"},
	},
	{
		Name: "jwplayer", Title: "JW Player (hosted player and analytics)", Category: "analytics",
		EmbedHosts:       []string{"cdn.jwplayer.com", "content.jwplatform.com", "ssl.p.jwpcdn.com", ".jwpltx.com"},
		InlineSignatures: []string{"cdn.jwplayer.com/libraries/", "content.jwplatform.com/libraries/"},
	},
	// --------------------------------------------------- Paywalls (opt-in)
	{
		// Composer decides what a visitor may read: holding it back opens a
		// paywall, so the preset is opt-in. Its analytics are in
		// piano-analytics and cxense.
		Name: "piano-composer", Title: "Piano Composer and ID (tinypass)", Category: "advertising",
		OptIn:            true,
		Cookies:          []string{"__pat", "__pvi", "__tbc", "__pil"},
		ScriptHosts:      []string{".tinypass.com", ".piano.io"},
		InlineSignatures: []string{"cdn.tinypass.com/api/tinypass.min.js", "experience.tinypass.com"},
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
	{
		Name: "spotify-embeds", Title: "Spotify embedded player", Category: "advertising",
		Cookies:          []string{"sp_t", "sp_landing"},
		EmbedHosts:       []string{"open.spotify.com"},
		EmbedPaths:       []string{"/embed/", "/embed-podcast/"},
		InlineSignatures: []string{"open.spotify.com/embed/iframe-api/"},
	},
	{
		Name: "soundcloud", Title: "SoundCloud embedded player", Category: "advertising",
		EmbedHosts:       []string{"w.soundcloud.com"},
		InlineSignatures: []string{"w.soundcloud.com/player/api.js"},
	},
	{
		// A map the visitor came to see; Google still sets its identifiers
		// (NID) on google.com. www.google.com is matched only under /maps:
		// reCAPTCHA and sign-in are left alone.
		Name: "google-maps", Title: "Google Maps embeds and Maps JavaScript API", Category: "functional",
		EmbedHosts:       []string{"www.google.com", "maps.google.com", "maps.googleapis.com"},
		EmbedPaths:       []string{"/maps"},
		InlineSignatures: []string{"maps.googleapis.com/maps/api/js"},
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
		// The proxied event endpoint is generic (/api/event): plausible-proxy
		// blocks it, opt-in.
		Name: "plausible", Title: "Plausible Analytics (plausible.io script)", Category: "analytics",
		ScriptHosts:      []string{"plausible.io"},
		InlineSignatures: []string{"plausible.io/js/"},
	},
	{
		Name: "plausible-proxy", Title: "Plausible event endpoint proxied through this site (POST /api/event)", Category: "analytics",
		OptIn: true,
		BlockRules: []BlockRule{
			{Name: "plausible-event", Category: "analytics", Path: "/api/event", Method: "POST", Response: "204"},
		},
	},
	{
		Name: "umami", Title: "Umami Cloud script", Category: "analytics",
		ScriptHosts: []string{"cloud.umami.is", "analytics.umami.is"},
	},
	{
		Name: "umami-proxy", Title: "Umami send endpoint proxied or self-hosted behind this site (POST /api/send)", Category: "analytics",
		OptIn: true,
		BlockRules: []BlockRule{
			{Name: "umami-send", Category: "analytics", Path: "/api/send", Method: "POST", Response: "204"},
		},
	},
	{
		Name: "fathom", Title: "Fathom Analytics (cdn.usefathom.com script)", Category: "analytics",
		ScriptHosts:      []string{"cdn.usefathom.com"},
		InlineSignatures: []string{"cdn.usefathom.com/script.js"},
	},
	{
		Name: "fathom-lite", Title: "Self-hosted Fathom Lite collector behind this site (/collect?sid=&p=)", Category: "analytics",
		OptIn: true,
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
		OptIn: true,
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
