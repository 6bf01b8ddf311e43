package browser

// Regional consent profiles as a visitor meets them (issue 14): the US
// opt-out model's "Your Privacy Choices" link and "Do Not Sell or Share"
// button, Global Privacy Control shown as "Opt-Out Request Honored", and
// the UK objection notice whose switched-on analytics the visitor unticks.
// The region comes from a CF-IPCountry header the tab sends on every
// request, as a CDN would add it.

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/consentgate/caddy-consent/internal/testcaddy"
)

// newRegionalSite is the demo upstream behind a gateway that picks the
// consent profile from CF-IPCountry.
func newRegionalSite(t *testing.T) *site {
	t.Helper()
	up := newUpstream(t)
	gw := testcaddy.Start(t, `http://{GATEWAY} {
	consent {
		policy_version 2026-11-28
		region {http.request.header.CF-IPCountry}
		banner {
			notice_url /notice
		}
	}
	reverse_proxy `+strings.TrimPrefix(up.URL, "http://")+`
}
`)
	return &site{up: up, gw: gw}
}

// regionalTab opens a tab whose every request carries headers.
func regionalTab(t *testing.T, headers network.Headers) (*tab, *site) {
	t.Helper()
	bctx := startBrowser(t)
	s := newRegionalSite(t)
	tb := newTab(t, bctx)
	call(tb, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: headers})
	return tb, s
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return eval[string](tb, `(document.querySelector(`+jsString(sel)+`) || {textContent: ''}).textContent.trim()`)
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// waitReloaded waits for the page load the banner script starts after a
// refusal of something that was on (scripts already running cannot be
// stopped), then for the settings control the gateway serves.
func (tb *tab) waitReloaded(what string) {
	tb.t.Helper()
	tb.waitFor(what+": the page to reload", `window.cgTestMarker === undefined && document.readyState === 'complete'`)
	tb.waitFor(what+": the settings control", jsVisible(selControl))
}

// A US visitor gets no opt-in banner: the site's optional cookies are on,
// and a "Your Privacy Choices" link opens the choices in place, where
// "Do Not Sell or Share My Personal Information" refuses advertising
// from then on.
func TestRegionalUSPrivacyChoicesLink(t *testing.T) {
	tb, s := regionalTab(t, network.Headers{"CF-IPCountry": "US"})
	dir := screenshotDir(t)
	tb.navigate(s.url("/"))
	tb.waitFor("the privacy choices link", jsVisible(selControl))
	if got := tb.text(selControl); got != "Your Privacy Choices" {
		t.Errorf("the US control should read \"Your Privacy Choices\"; got %q", got)
	}
	if !eval[bool](tb, jsAbsent(selRoot)) {
		t.Error("a US visitor must not get the opt-in banner")
	}
	jar := tb.jarCookies(s.url("/"))
	if !jar["_ga"] || !jar["_fbp"] || !jar["lang"] {
		t.Errorf("opt-out model: optional cookies reach the browser until the visitor opts out; jar %v", jar)
	}
	tb.screenshot(dir, "regional-us-privacy-choices.png")

	tb.setMarker()
	tb.click(selControl)
	tb.waitBanner()
	if !tb.markerSurvived() {
		t.Error("the link should open the choices in place")
	}
	if got := tb.text(selReject); got != "Do Not Sell or Share My Personal Information" {
		t.Errorf("the US opt-out button reads %q", got)
	}
	tb.screenshot(dir, "regional-us-do-not-sell.png")

	tb.click(selReject)
	// Advertising was on (its tags may have run): the page reloads.
	tb.waitReloaded("after Do Not Sell or Share")
	if got := tb.text(selControl); got != "Your Privacy Choices" {
		t.Errorf("after the opt-out the link stays \"Your Privacy Choices\"; got %q", got)
	}
	if st := tb.consentState(); st["advertising"] {
		t.Errorf("advertising must be refused after Do Not Sell or Share; state %v", st)
	}
	tb.reload()
	tb.waitFor("the privacy choices link after a reload", jsVisible(selControl))
	if jar := tb.jarCookies(s.url("/")); jar["_fbp"] {
		t.Errorf("the advertising cookie must be gone after the opt-out; jar %v", jar)
	}
	if c := s.up.lastCookie("/"); strings.Contains(c, "_fbp=") {
		t.Errorf("the upstream still gets the advertising cookie after the opt-out: %q", c)
	}
	if !eval[bool](tb, jsAbsent(selRoot)) {
		t.Error("no banner after the opt-out either")
	}
	tb.noScriptErrors()
}

// With Sec-GPC: 1 the US link says "Opt-Out Request Honored" as served
// (no JavaScript needed), and no advertising cookie reaches the browser.
func TestRegionalUSGlobalPrivacyControlHonored(t *testing.T) {
	tb, s := regionalTab(t, network.Headers{"CF-IPCountry": "US", "Sec-GPC": "1"})
	dir := screenshotDir(t)
	tb.navigate(s.url("/"))
	tb.waitFor("the privacy choices link", jsVisible(selControl))
	if got := strings.Join(strings.Fields(tb.text(selControl)), " "); got != "Your Privacy Choices · Opt-Out Request Honored" {
		t.Errorf("with GPC the link should say the opt-out was honoured; got %q", got)
	}
	if !eval[bool](tb, jsVisible(selControl+" .cg-gpc-ok")) {
		t.Error("the \"Opt-Out Request Honored\" text must be visible")
	}
	jar := tb.jarCookies(s.url("/"))
	if jar["_fbp"] || !jar["_ga"] {
		t.Errorf("GPC refuses advertising before the first byte, analytics stays on; jar %v", jar)
	}
	if st := tb.consentState(); st["advertising"] || !st["analytics"] {
		t.Errorf("state with GPC: %v", st)
	}
	tb.screenshot(dir, "regional-us-gpc-opt-out-honored.png")

	tb.navigate(s.url("/_consent/preferences?return=/"))
	tb.waitFor("the preference page", `document.querySelector('#cg-prefs') !== null`)
	if got := tb.text("#cg-prefs-title"); got != "Your Privacy Choices" {
		t.Errorf("US preference page title %q", got)
	}
	if got := tb.text("#cg-prefs .cg-gpc strong"); got != "Opt-Out Request Honored" {
		t.Errorf("US preference page with GPC: %q", got)
	}
	tb.screenshot(dir, "regional-us-gpc-preferences.png")
	tb.noScriptErrors()
}

// A UK visitor sees the objection notice with functional and analytics
// switched on (the site's own cookies for them already pass); unticking
// analytics and saving is the objection, honoured from then on.
func TestRegionalUKObjection(t *testing.T) {
	tb, s := regionalTab(t, network.Headers{"CF-IPCountry": "GB"})
	dir := screenshotDir(t)
	tb.navigate(s.url("/"))
	tb.waitBanner()
	if msg := tb.text("#cg-consent-msg"); !strings.Contains(msg, "You can object at any time below.") {
		t.Errorf("the UK banner should show the objection notice; got %q", msg)
	}
	jar := tb.jarCookies(s.url("/"))
	if !jar["_ga"] || !jar["lang"] || jar["_fbp"] {
		t.Errorf("UK before a choice: first-party analytics and functional cookies pass, advertising does not; jar %v", jar)
	}
	tb.click(selSummary)
	tb.waitFor("the chooser to open", jsRendered(selAnalytic))
	checked := eval[map[string]bool](tb, `Object.fromEntries([...document.querySelectorAll('#cg-consent input[name=category]')].map(i => [i.value, i.checked]))`)
	if !checked["analytics"] || !checked["functional"] || checked["advertising"] {
		t.Errorf("the UK banner shows what is on: analytics and functional ticked, advertising not; got %v", checked)
	}
	tb.screenshot(dir, "regional-uk-objection.png")

	tb.setMarker()
	tb.click(selAnalytic)
	if eval[bool](tb, `document.querySelector('#cg-consent input[value=analytics]').checked`) {
		t.Fatal("clicking the analytics checkbox did not untick it")
	}
	tb.do("scrolling to Save", chromedp.ScrollIntoView(chromedp.CSS(selSave)))
	tb.click(selSave)
	tb.waitReloaded("after the objection")
	if st := tb.consentState(); st["analytics"] || !st["functional"] || st["advertising"] {
		t.Errorf("after the objection: analytics refused, functional kept; state %v", st)
	}
	doc := cookieNames(tb.docCookies())
	if doc["_ga"] || doc["_gid"] || !doc["lang"] {
		t.Errorf("after the objection the analytics cookies are expired, lang stays; document.cookie %q", tb.docCookies())
	}
	tb.navigate(s.url("/menu"))
	tb.waitFor("the settings control", jsVisible(selControl))
	if c := s.up.lastCookie("/menu"); strings.Contains(c, "_ga=") || !strings.Contains(c, "lang=") {
		t.Errorf("after the objection the upstream Cookie is %q", c)
	}
	tb.screenshot(dir, "regional-uk-after-objection.png")
	tb.noScriptErrors()
}
