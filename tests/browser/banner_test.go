package browser

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

var trackingCookies = []string{"_ga", "_gid", "_fbp"}

// 1. First visit: the banner is there, exposed as a labelled region, and
// no analytics or advertising cookie reached the browser, while the site
// itself (page, session cookie) works.
func TestBannerOnFirstVisitWithoutTrackingCookies(t *testing.T) {
	tb, s := setup(t)
	tb.navigate(s.url("/"))
	tb.waitBanner()

	if h1 := eval[string](tb, `document.querySelector('main h1').textContent`); h1 != "Fresh bread, every morning" {
		t.Errorf("the site's own page should render behind the banner; h1 = %q", h1)
	}

	// Role and accessible name as the browser's accessibility tree has them.
	obj := run(tb, "finding the banner", chromedp.Evaluate[*runtime.RemoteObject](`document.getElementById('cg-consent')`))
	ax := call(tb, accessibility.GetPartialAXTree, accessibility.GetPartialAXTreeParams{ObjectID: obj.ObjectID, FetchRelatives: new(false)})
	if len(ax.Nodes) == 0 {
		t.Fatal("no accessibility node for #cg-consent")
	}
	n := ax.Nodes[0]
	role, name := "", ""
	if n.Role != nil {
		role = strings.Trim(string(n.Role.Value), `"`)
	}
	if n.Name != nil {
		name = strings.Trim(string(n.Name.Value), `"`)
	}
	if role != "region" || strings.TrimSpace(name) == "" {
		t.Errorf("the banner should be a region with an accessible name; got role %q name %q (ignored=%v)", role, name, n.Ignored)
	}
	title := eval[string](tb, `document.getElementById('cg-consent-title').textContent.trim()`)
	if name != title {
		t.Errorf("the region should be named by its title %q; got %q", title, name)
	}
	for _, sel := range []string{selAccept, selReject, selSummary} {
		if !eval[bool](tb, jsVisible(sel)) {
			t.Errorf("%s should be visible", sel)
		}
	}
	if eval[bool](tb, jsVisible(selControl)) {
		t.Errorf("the settings control should stay hidden while the banner is shown")
	}

	doc := cookieNames(tb.docCookies())
	jar := tb.jarCookies(s.url("/"))
	for _, c := range trackingCookies {
		if doc[c] {
			t.Errorf("%s is in document.cookie before any choice: %q", c, tb.docCookies())
		}
		if jar[c] {
			t.Errorf("%s is in the browser's cookie jar before any choice", c)
		}
	}
	if !jar["PHPSESSID"] {
		t.Errorf("the necessary session cookie must reach the browser without consent; jar %v", jar)
	}

	// The site keeps working: the next page is served and the upstream
	// gets the session cookie back, and nothing else.
	tb.navigate(s.url("/menu"))
	tb.waitBanner()
	got := s.up.lastCookie("/menu")
	if !strings.Contains(got, "PHPSESSID=s3ss10n") {
		t.Errorf("upstream should receive the session cookie; Cookie: %q", got)
	}
	for _, c := range trackingCookies {
		if strings.Contains(got, c+"=") {
			t.Errorf("upstream received %s without consent; Cookie: %q", c, got)
		}
	}
	tb.noScriptErrors()
}

// 2. "Reject all" with the script: no page load, the settings control
// takes the banner's place; after a reload the choice holds.
func TestRejectAllHidesBannerWithoutReload(t *testing.T) {
	tb, s := setup(t)
	tb.navigate(s.url("/"))
	tb.waitBanner()
	if !eval[bool](tb, `window.cgConsentLoaded === true`) {
		t.Fatal("the banner script did not run")
	}
	tb.setMarker()
	tb.click(selReject)
	tb.waitFor("the banner to be removed", jsAbsent(selRoot))
	if !tb.markerSurvived() {
		t.Fatal("the page was reloaded: the choice should be saved with fetch, in place")
	}
	tb.waitFor("the settings control to be visible", jsVisible(selControl))
	if got := eval[string](tb, `document.activeElement ? document.activeElement.id : ''`); got != "cg-consent-settings" {
		t.Errorf("focus should move to the settings control after the choice; it is on #%s", got)
	}
	if st := tb.consentState(); st["analytics"] || st["advertising"] || st["functional"] {
		t.Errorf("reject_all should grant nothing optional; state %v", st)
	}

	tb.reload()
	tb.waitFor("the settings control after reload", jsVisible(selControl))
	if !eval[bool](tb, jsAbsent(selRoot)) {
		t.Error("the banner is shown again after reload although a choice was made")
	}
	doc := cookieNames(tb.docCookies())
	jar := tb.jarCookies(s.url("/"))
	for _, c := range trackingCookies {
		if doc[c] || jar[c] {
			t.Errorf("%s reached the browser after reject all; document.cookie %q", c, tb.docCookies())
		}
	}
	if !jar["consent"] {
		t.Errorf("the consent cookie should be stored; jar %v", jar)
	}
	tb.noScriptErrors()
}

// 3. The settings control reopens the choices in place, reflecting the
// current choice; Escape closes them again and focus returns.
func TestSettingsControlReopensChoices(t *testing.T) {
	tb, s := setup(t)
	tb.navigate(s.url("/menu"))
	tb.waitBanner()
	tb.click(selReject)
	tb.waitFor("the banner to be removed", jsAbsent(selRoot))
	tb.reload() // the control now comes from the server, not from the script
	tb.waitFor("the settings control", jsVisible(selControl))

	tb.setMarker()
	tb.click(selControl)
	tb.waitBanner()
	if !tb.markerSurvived() {
		t.Error("the settings control navigated away instead of reopening the banner in place")
	}
	if got := eval[string](tb, `document.querySelector('#cg-consent-settings').getAttribute('aria-expanded')`); got != "true" {
		t.Errorf("control aria-expanded = %q, want true", got)
	}
	if got := eval[string](tb, `document.activeElement ? document.activeElement.id : ''`); got != "cg-consent-title" {
		t.Errorf("focus should move to the reopened banner's title; it is on #%s", got)
	}
	tb.click(selSummary)
	tb.waitFor("the chooser to open", `document.querySelector('#cg-consent details').open`)
	tb.waitFor("the analytics checkbox to be rendered", jsRendered(selAnalytic))
	if eval[bool](tb, `document.querySelector('#cg-consent input[value=analytics]').checked`) {
		t.Error("the reopened chooser should show analytics as refused (the current choice)")
	}
	if n := eval[int](tb, `document.querySelectorAll('#cg-consent').length`); n != 1 {
		t.Errorf("%d banners in the page, want 1", n)
	}

	tb.key("\x1b") // Escape
	tb.waitFor("Escape to close the reopened banner", jsAbsent(selRoot))
	if got := eval[string](tb, `document.activeElement ? document.activeElement.id : ''`); got != "cg-consent-settings" {
		t.Errorf("focus should return to the settings control; it is on #%s", got)
	}
	// It opens again, and its close button closes it too.
	tb.click(selControl)
	tb.waitBanner()
	tb.waitFor("the close button of the reopened banner", jsVisible("#cg-consent [data-cg-close]"))
	tb.click("#cg-consent [data-cg-close]")
	tb.waitFor("the close button to close the banner", jsAbsent(selRoot))
	if got := eval[string](tb, `document.activeElement ? document.activeElement.id : ''`); got != "cg-consent-settings" {
		t.Errorf("after closing, focus should return to the settings control; it is on #%s", got)
	}
	if !tb.markerSurvived() {
		t.Error("the page was reloaded while reopening and closing the choices")
	}
	tb.noScriptErrors()
}

// 4. Analytics only: after a reload _ga is there, _fbp is not.
func TestAcceptAnalyticsOnly(t *testing.T) {
	tb, s := setup(t)
	tb.navigate(s.url("/"))
	tb.waitBanner()
	tb.setMarker()
	tb.click(selSummary)
	tb.waitFor("the chooser to open", jsRendered(selAnalytic))
	tb.click(selAnalytic)
	if !eval[bool](tb, `document.querySelector('#cg-consent input[value=analytics]').checked`) {
		t.Fatal("clicking the analytics checkbox did not tick it")
	}
	tb.click(selSave)
	tb.waitFor("the banner to be removed", jsAbsent(selRoot))
	if !tb.markerSurvived() {
		t.Error("saving reloaded the page: it should be saved in place")
	}
	if st := tb.consentState(); !st["analytics"] || st["advertising"] || st["functional"] {
		t.Errorf("state after analytics only: %v", st)
	}

	tb.reload()
	tb.waitFor("the settings control after reload", jsVisible(selControl))
	doc := cookieNames(tb.docCookies())
	if !doc["_ga"] || !doc["_gid"] {
		t.Errorf("analytics cookies should pass after consent to analytics; document.cookie %q", tb.docCookies())
	}
	if doc["_fbp"] || doc["lang"] {
		t.Errorf("only analytics was granted; document.cookie %q", tb.docCookies())
	}

	// Withdrawing analytics from the reopened banner: scripts already
	// running cannot be stopped, so the page reloads, and the gateway
	// expires the analytics cookies the browser still holds.
	tb.setMarker()
	tb.click(selControl)
	tb.waitBanner()
	tb.click(selReject)
	tb.waitFor("the page to reload after a withdrawal", `window.cgTestMarker === undefined && document.readyState === 'complete'`)
	tb.waitFor("the settings control after the reload", jsVisible(selControl))
	doc = cookieNames(tb.docCookies())
	for _, c := range trackingCookies {
		if doc[c] {
			t.Errorf("%s is still in document.cookie after analytics was withdrawn: %q", c, tb.docCookies())
		}
	}
	tb.noScriptErrors()
}

// 5. Keyboard only: Tab reaches the buttons with a visible focus
// indicator, Enter rejects, Enter on the control reopens, Enter opens the
// chooser, Space ticks a box, Enter saves.
func TestKeyboardOnly(t *testing.T) {
	tb, s := setup(t)
	tb.navigate(s.url("/"))
	tb.waitBanner()
	tb.setMarker()

	seen := tb.tabTo(selReject, 40, true)
	t.Logf("Tab order to Reject all: %v", seen)
	if !strings.Contains(strings.Join(seen, " "), "accept_all") {
		t.Errorf("Tab should pass Accept all before Reject all; focus went through %v", seen)
	}
	tb.key(kb.Enter)
	tb.waitFor("Enter on Reject all to remove the banner", jsAbsent(selRoot))
	if !tb.markerSurvived() {
		t.Error("the page reloaded on reject")
	}
	if got := eval[string](tb, `document.activeElement ? document.activeElement.id : ''`); got != "cg-consent-settings" {
		t.Fatalf("after the choice focus should be on the settings control; it is on #%s", got)
	}
	tb.checkFocusIndicator()

	tb.key(kb.Enter) // reopen
	tb.waitBanner()
	tb.tabTo(selSummary, 20, true)
	tb.key(kb.Enter)
	tb.waitFor("Enter on the summary to open the chooser", `document.querySelector('#cg-consent details').open`)
	tb.tabTo(selAnalytic, 20, true)
	tb.key(" ")
	if !eval[bool](tb, `document.activeElement.checked === true`) {
		t.Fatal("Space did not tick the analytics checkbox")
	}
	tb.tabTo(selSave, 20, true)
	tb.key(kb.Enter)
	tb.waitFor("Enter on Save to remove the banner", jsAbsent(selRoot))
	if st := tb.consentState(); !st["analytics"] || st["advertising"] {
		t.Errorf("keyboard choice not recorded: state %v", st)
	}
	tb.noScriptErrors()
}

// tabTo presses Tab until the element matching sel has the focus and
// returns a description of each element focused on the way. With check,
// every banner element focused on the way must show a focus indicator.
func (tb *tab) tabTo(sel string, max int, check bool) []string {
	tb.t.Helper()
	var seen []string
	for i := 0; i < max; i++ {
		tb.key(kb.Tab)
		desc := eval[string](tb, `(() => { const e = document.activeElement; if (!e) return ''; return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.value ? '[' + e.value + ']' : '') + (e.closest('#cg-consent,#cg-consent-settings') ? '' : ' (page)'); })()`)
		seen = append(seen, desc)
		if check && !strings.HasSuffix(desc, "(page)") && desc != "body" {
			tb.checkFocusIndicator()
		}
		if eval[bool](tb, fmt.Sprintf(`document.activeElement && document.activeElement.matches(%q)`, sel)) {
			return seen
		}
	}
	tb.t.Fatalf("%d Tab presses did not reach %s; focus went through %v", max, sel, seen)
	return nil
}

// checkFocusIndicator fails if the focused element shows no outline and
// no box-shadow.
func (tb *tab) checkFocusIndicator() {
	tb.t.Helper()
	type focusStyle struct {
		Desc         string `json:"desc"`
		OutlineStyle string `json:"outlineStyle"`
		OutlineWidth string `json:"outlineWidth"`
		BoxShadow    string `json:"boxShadow"`
		FocusVisible bool   `json:"focusVisible"`
	}
	fs := eval[focusStyle](tb, `(() => { const e = document.activeElement, s = getComputedStyle(e);
		return {desc: e.tagName + (e.id ? '#' + e.id : '') + (e.value ? '[' + e.value + ']' : ''),
			outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth, boxShadow: s.boxShadow,
			focusVisible: e.matches(':focus-visible')}; })()`)
	outline := fs.OutlineStyle != "none" && fs.OutlineWidth != "0px"
	shadow := fs.BoxShadow != "none" && fs.BoxShadow != ""
	if !fs.FocusVisible || !(outline || shadow) {
		tb.t.Errorf("%s has no visible focus indicator under keyboard focus: %+v", fs.Desc, fs)
	}
}

// 6. Without JavaScript the banner is a plain form: the click posts it,
// the 303 brings the visitor back to the same page, now with the settings
// control instead of the banner, and the cookies pass.
func TestWithoutJavaScript(t *testing.T) {
	tb, s := setup(t)
	call(tb, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	tb.navigate(s.url("/menu?x=1"))
	tb.waitFor("the banner", jsVisible(selRoot))
	if eval[bool](tb, `window.cgConsentLoaded === true`) {
		t.Fatal("scripts still run: the test would not prove anything")
	}
	tb.setMarker()
	resp := tb.runResponse("clicking Accept all", chromedp.Click(chromedp.CSS(selAccept)))
	if resp == nil {
		t.Fatal("clicking Accept all without JavaScript did not load a page")
	}
	if resp.Status != 200 || resp.URL != s.url("/menu?x=1") {
		t.Errorf("after the form post: got %d %s, want 200 %s", resp.Status, resp.URL, s.url("/menu?x=1"))
	}
	if tb.markerSurvived() {
		t.Error("no page load happened: without JavaScript the form must be posted")
	}
	if r := tb.redirects(); len(r) == 0 || r[0].status != 303 || !strings.HasSuffix(r[0].from, "/_consent") || r[0].to != "/menu?x=1" {
		t.Errorf("want POST /_consent answered by 303 to /menu?x=1; redirects seen: %+v", r)
	}
	if loc := run(tb, "reading the location", chromedp.Location()); loc != s.url("/menu?x=1") {
		t.Errorf("back on %s, want %s", loc, s.url("/menu?x=1"))
	}
	if !eval[bool](tb, jsAbsent(selRoot)) {
		t.Error("the banner is still shown after the choice")
	}
	if !eval[bool](tb, jsVisible(selControl)) {
		t.Error("the settings control should be shown (not hidden) after the choice")
	}
	jar := tb.jarCookies(s.url("/"))
	for _, c := range append([]string{"consent", "lang"}, trackingCookies...) {
		if !jar[c] {
			t.Errorf("%s should be stored after accept all; jar %v", c, jar)
		}
	}
	tb.reload()
	got := s.up.lastCookie("/menu")
	for _, c := range trackingCookies {
		if !strings.Contains(got, c+"=") {
			t.Errorf("after accept all the upstream should receive %s; Cookie: %q", c, got)
		}
	}
}

// 7. Strict Content-Security-Policies: the banner's stylesheet and script
// still load (through 'self' or the page's nonce), work, and cause no
// violation; the page's policy is not weakened.
func TestStrictCSP(t *testing.T) {
	for _, c := range []struct{ path, policy string }{
		{"/csp-self", cspSelf},
		{"/csp-strict", cspStrict},
	} {
		t.Run(strings.TrimPrefix(c.path, "/"), func(t *testing.T) {
			tb, s := setup(t)
			// Record violations from the page itself (this script is added
			// by DevTools, so the CSP does not apply to it).
			call(tb, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
				window.cgViolations = [];
				document.addEventListener('securitypolicyviolation', e => window.cgViolations.push(
					{directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample}), true);`})
			resp := run(tb, "navigating to "+c.path, chromedp.NavigateResponse(s.url(c.path)))
			got := ""
			for k, v := range resp.Headers {
				if strings.EqualFold(k, "Content-Security-Policy") {
					got = fmt.Sprint(v)
				}
			}
			for _, d := range strings.Split(c.policy, ";") {
				if !strings.Contains(got, strings.TrimSpace(d)) {
					t.Errorf("the page's policy was weakened or lost: want %q inside %q", strings.TrimSpace(d), got)
				}
			}
			if strings.Contains(got, "unsafe-inline") || strings.Contains(got, "unsafe-eval") {
				t.Errorf("the gateway must not add unsafe-* sources: %q", got)
			}
			tb.waitBanner()
			if !eval[bool](tb, `window.siteScriptRan === true`) {
				t.Error("the page's own script did not run under its policy")
			}
			type styled struct {
				Position string `json:"position"`
				ZIndex   string `json:"zIndex"`
				Bottom   string `json:"bottom"`
				Sheet    bool   `json:"sheet"`
			}
			st := eval[styled](tb, `(() => { const s = getComputedStyle(document.getElementById('cg-consent'));
				return {position: s.position, zIndex: s.zIndex, bottom: s.bottom,
					sheet: [...document.styleSheets].some(x => (x.href || '').includes('/_consent/assets/'))}; })()`)
			if st.Position != "fixed" || st.Bottom != "0px" || st.ZIndex == "auto" || !st.Sheet {
				t.Errorf("the banner stylesheet is not applied: %+v", st)
			}
			if !eval[bool](tb, `window.cgConsentLoaded === true`) {
				t.Fatal("the banner script did not run under the page's policy")
			}
			tb.setMarker()
			tb.click(selReject)
			tb.waitFor("the banner to be removed by the script", jsAbsent(selRoot))
			if !tb.markerSurvived() {
				t.Error("rejecting navigated: the banner script should have saved the choice in place")
			}
			tb.waitFor("the settings control", jsVisible(selControl))

			// Apart from the page's deliberately blocked control script,
			// the test pages are clean: any other violation comes from
			// what the gateway injected (its tags, inline code or styles).
			type violation struct {
				Directive, Blocked, Source, Sample string
				Line                               int
			}
			sawControl := false
			for _, v := range eval[[]violation](tb, `window.cgViolations`) {
				if v.Blocked == controlBlocked {
					sawControl = true
					continue
				}
				t.Errorf("CSP violation: %+v", v)
			}
			if !sawControl {
				t.Error("the page's blocked control script caused no securitypolicyviolation event: violations are not being detected")
			}
			consoleControl := false
			for _, m := range tb.messages() {
				low := strings.ToLower(m.text)
				csp := strings.Contains(low, "content security policy") || strings.Contains(low, "content-security-policy")
				switch {
				case csp && strings.Contains(m.text, controlBlocked):
					consoleControl = true
				case csp, m.kind == "exception",
					strings.Contains(m.url+m.text, "/_consent") && (m.level == "error" || m.level == "warning"):
					t.Errorf("browser reported: %s", m)
				}
			}
			if !consoleControl {
				t.Logf("note: the browser logged no console message for the blocked control script; messages: %v", tb.messages())
			}
		})
	}
}
