package trackers

import (
	"strings"
	"testing"
)

// Microsoft UET consent mode and Clarity's consent API get their default
// state in the same script as Google Consent Mode, before any tag.
func TestConsentSignalsDefault(t *testing.T) {
	m := DefaultConsentModeMapping()
	onlyAnalytics := func(c string) bool { return c == "analytics" || c == "necessary" }
	out := string(ConsentSignalsDefault(onlyAnalytics, m, "n0nce", Signals{UET: true, Clarity: true}))
	for _, want := range []string{
		`<script nonce="n0nce">`,
		`gtag('consent','default',{`,
		`window.uetq=window.uetq||[];window.uetq.push('consent','default',{ad_storage:'denied'});`,
		`window.clarity('consentv2',{ad_Storage:'denied',analytics_Storage:'granted'});`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("snippet lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "uetq") < strings.Index(out, "gtag('consent'") {
		t.Error("Microsoft signals before Google's")
	}
	all := func(string) bool { return true }
	if out := string(ConsentSignalsDefault(all, m, "", Signals{UET: true})); !strings.Contains(out, "ad_storage:'granted'") || strings.Contains(out, "clarity") {
		t.Errorf("UET only, all granted: %s", out)
	}
	if out := string(ConsentModeDefault(all, m, "")); strings.Contains(out, "uetq") || strings.Contains(out, "clarity") {
		t.Errorf("Google only declares Microsoft signals: %s", out)
	}
}
