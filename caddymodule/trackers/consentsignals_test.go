package trackers

import (
	"bytes"
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

// ConsentSignals renders once per combination of granted signals what
// ConsentSignalsDefault renders per call, for every combination of the
// default categories and with a nonce.
func TestConsentSignalsCached(t *testing.T) {
	cats := []string{"necessary", "functional", "analytics", "advertising"}
	for _, sig := range []Signals{{}, {UET: true, Clarity: true}} {
		cs := NewConsentSignals(DefaultConsentModeMapping(), sig)
		for set := range 1 << len(cats) {
			allowed := func(c string) bool {
				for i, x := range cats {
					if x == c {
						return set&(1<<i) != 0
					}
				}
				return false
			}
			want := ConsentSignalsDefault(allowed, DefaultConsentModeMapping(), "", sig)
			for range 2 {
				if got := cs.Default(allowed, ""); !bytes.Equal(got, want) {
					t.Fatalf("set %04b: got\n%s\nwant\n%s", set, got, want)
				}
			}
			if got, want := cs.Default(allowed, "n0nce"), ConsentSignalsDefault(allowed, DefaultConsentModeMapping(), "n0nce", sig); !bytes.Equal(got, want) {
				t.Fatalf("set %04b with a nonce: got\n%s\nwant\n%s", set, got, want)
			}
		}
	}
}
