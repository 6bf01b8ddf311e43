package browser

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/consentgate/caddy-consent/internal/testcaddy"
)

// ---------------------------------------------------------------------------
// 8. Accessibility audit with axe-core.

var (
	axeOnce sync.Once
	axeSrc  string
	axeWhy  string // why axe-core is not available
)

// axeCore returns the text of axe.min.js: from $AXE_CORE_JS, the repo's
// node_modules, or out/axe (installing it there once with npm if needed;
// out/ is git-ignored). The test is skipped when none of that works.
func axeCore(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		root := repoRoot()
		local := filepath.Join(root, "out", "axe", "node_modules", "axe-core", "axe.min.js")
		candidates := []string{
			os.Getenv("AXE_CORE_JS"),
			filepath.Join(root, "node_modules", "axe-core", "axe.min.js"),
			local,
		}
		read := func() bool {
			for _, p := range candidates {
				if p == "" {
					continue
				}
				if b, err := os.ReadFile(p); err == nil && len(b) > 0 {
					axeSrc = string(b)
					return true
				}
			}
			return false
		}
		if read() {
			return
		}
		npm, err := exec.LookPath("npm")
		if err != nil {
			axeWhy = "axe-core not found (set $AXE_CORE_JS or install it: npm install --no-save --prefix out/axe axe-core@4) and npm is not installed"
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", filepath.Join(root, "out", "axe"), "axe-core@4")
		out, err := cmd.CombinedOutput()
		if err != nil || !read() {
			axeWhy = fmt.Sprintf("axe-core not found and `npm install --no-save --prefix out/axe axe-core@4` failed (%v):\n%s", err, out)
		}
	})
	if axeSrc == "" {
		testcaddy.Missing(t, "accessibility audit: "+axeWhy)
	}
	return axeSrc
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  string `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// audit injects axe-core (if not there yet) and runs it on the context
// (a JavaScript expression: an element or document). Violations of
// impact serious or critical fail the test; every violation is printed.
func (tb *tab) audit(name, context string) {
	tb.t.Helper()
	src := axeCore(tb.t)
	if !eval[bool](tb, `typeof window.axe === 'object'`) {
		run(tb, "injecting axe-core", chromedp.Evaluate[chromedp.Void](src))
	}
	type result struct {
		Version    string         `json:"version"`
		Passes     int            `json:"passes"`
		Violations []axeViolation `json:"violations"`
	}
	res := eval[result](tb, `(async () => {
		const r = await axe.run(`+context+`, {resultTypes: ['violations']});
		return {version: axe.version, passes: r.passes.length,
			violations: r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help,
				nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200), summary: n.failureSummary || ''}))}))};
	})()`)
	// A run that checked nothing would prove nothing (wrong context).
	if res.Passes == 0 {
		tb.t.Errorf("axe %s: no rule passed: the audit did not look at the element", name)
	}
	tb.t.Logf("axe-core %s on %s: %d rules passed, %d violated", res.Version, name, res.Passes, len(res.Violations))
	for _, v := range res.Violations {
		var b strings.Builder
		fmt.Fprintf(&b, "axe %s: [%s] %s: %s", name, v.Impact, v.ID, v.Help)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n    %s  %s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n      "))
		}
		if v.Impact == "serious" || v.Impact == "critical" {
			tb.t.Error(b.String())
		} else {
			tb.t.Log(b.String())
		}
	}
}

func TestAccessibilityAudit(t *testing.T) {
	tb, s := setup(t)
	axeCore(t) // skip early when axe-core is unavailable

	tb.navigate(s.url("/"))
	tb.waitBanner()
	tb.audit("banner", `document.querySelector('#cg-consent')`)

	tb.click(selSummary)
	tb.waitFor("the chooser to open", jsRendered(selAnalytic))
	tb.audit("banner with the chooser open", `document.querySelector('#cg-consent')`)

	tb.click(selReject)
	tb.waitFor("the settings control", jsVisible(selControl))
	tb.audit("settings control", `document.querySelector('#cg-consent-settings')`)

	tb.navigate(s.url("/_consent/preferences?return=/menu"))
	tb.waitFor("the preference page", `document.querySelector('#cg-prefs') !== null`)
	tb.audit("preference page (after a choice)", `document`)

	// Without a choice yet the page shows other buttons.
	tb2 := newTab(t, startBrowser(t))
	tb2.navigate(s.url("/_consent/preferences"))
	tb2.waitFor("the preference page", `document.querySelector('#cg-prefs') !== null`)
	tb2.audit("preference page (no choice yet)", `document`)
	tb.noScriptErrors()
	tb2.noScriptErrors()
}

// ---------------------------------------------------------------------------
// 9. Screenshots, and no horizontal overflow on a small screen.

func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(repoRoot(), "out", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func (tb *tab) screenshot(dir, name string) {
	tb.t.Helper()
	png := run(tb, "taking a screenshot", chromedp.CaptureScreenshot())
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("wrote %s", path)
}

// checkFits fails if the page scrolls sideways or the banner (or any of its
// controls) sticks out of the viewport horizontally.
func (tb *tab) checkFits(what, root string) {
	tb.t.Helper()
	type fit struct {
		InnerWidth  float64  `json:"innerWidth"`
		InnerHeight float64  `json:"innerHeight"`
		ScrollWidth float64  `json:"scrollWidth"`
		RootOK      bool     `json:"rootOK"`
		RootHeight  float64  `json:"rootHeight"`
		Inner       bool     `json:"inner"`
		Outside     []string `json:"outside"`
	}
	f := eval[fit](tb, fmt.Sprintf(`(() => {
		const root = document.querySelector(%q), w = innerWidth;
		const r = root.getBoundingClientRect();
		const outside = [...root.querySelectorAll('button, a, input, summary, label, p, h1, h2')]
			.filter(e => { const b = e.getBoundingClientRect(); return b.width > 0 && (b.left < -0.5 || b.right > w + 0.5); })
			.map(e => e.tagName.toLowerCase() + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().left) + '..' + Math.round(e.getBoundingClientRect().right));
		return {innerWidth: w, innerHeight: innerHeight, scrollWidth: document.documentElement.scrollWidth,
			rootOK: r.left >= -0.5 && r.right <= w + 0.5, rootHeight: r.height,
			inner: root.scrollWidth <= root.clientWidth + 1, outside};
	})()`, root))
	if f.ScrollWidth > f.InnerWidth {
		tb.t.Errorf("%s: the page scrolls sideways: scrollWidth %v > innerWidth %v", what, f.ScrollWidth, f.InnerWidth)
	}
	if !f.RootOK || !f.Inner || len(f.Outside) > 0 {
		tb.t.Errorf("%s: %s does not fit %v px: %+v", what, root, f.InnerWidth, f)
	}
	if root == selRoot && f.RootHeight > f.InnerHeight {
		tb.t.Errorf("%s: the banner (%v px) is taller than the viewport (%v px)", what, f.RootHeight, f.InnerHeight)
	}
}

func TestScreenshots(t *testing.T) {
	tb, s := setup(t)
	dir := screenshotDir(t)

	for _, v := range []struct {
		name          string
		width, height int64
		scale         float64
	}{
		{"desktop", 1280, 800, 1},
		{"320", 320, 640, 1},
		// 200 % browser zoom of a 1280×800 window: half the CSS pixels,
		// twice the device pixels.
		{"zoom200", 640, 400, 2},
	} {
		tb.do("setting the viewport", chromedp.EmulateViewport(v.width, v.height, chromedp.EmulateScale(v.scale)))
		tb.navigate(s.url("/"))
		tb.waitBanner()
		tb.checkFits("banner at "+v.name, selRoot)
		tb.screenshot(dir, "banner-"+v.name+".png")

		tb.click(selSummary)
		tb.waitFor("the chooser to open", jsRendered(selAnalytic))
		tb.checkFits("banner with the chooser open at "+v.name, selRoot)
		tb.screenshot(dir, "banner-"+v.name+"-open.png")

		tb.do("scrolling to Save", chromedp.ScrollIntoView(chromedp.CSS(selSave)))
		tb.waitFor("Save to be visible", jsVisible(selSave))
	}

	// The settings control and the preference page, after a choice.
	tb.do("setting the viewport", chromedp.EmulateViewport(1280, 800))
	tb.navigate(s.url("/"))
	tb.waitBanner()
	tb.click(selReject)
	tb.waitFor("the settings control", jsVisible(selControl))
	tb.screenshot(dir, "settings-control.png")

	tb.navigate(s.url("/_consent/preferences?return=/"))
	tb.waitFor("the preference page", `document.querySelector('#cg-prefs') !== null`)
	tb.screenshot(dir, "preferences.png")
	tb.do("setting the viewport", chromedp.EmulateViewport(320, 640))
	tb.reload()
	tb.waitFor("the preference page", `document.querySelector('#cg-prefs') !== null`)
	tb.checkFits("preference page at 320", "#cg-prefs")
	tb.screenshot(dir, "preferences-320.png")
	tb.noScriptErrors()
}
