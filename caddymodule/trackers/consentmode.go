package trackers

import (
	"encoding/json"
	"html"
	"sort"
	"strings"
	"sync"
)

// ConsentModeMapping maps a Google Consent Mode signal to the categories
// that grant it: a signal is granted when every listed category is
// allowed (an empty list never grants). The banner script applies the same
// rule to the JSON form on updates.
type ConsentModeMapping map[string][]string

// DefaultConsentModeMapping returns the Consent Mode v2 signals mapped to
// the default categories.
func DefaultConsentModeMapping() ConsentModeMapping {
	return ConsentModeMapping{
		"ad_storage":              {"advertising"},
		"ad_user_data":            {"advertising"},
		"ad_personalization":      {"advertising"},
		"analytics_storage":       {"analytics"},
		"functionality_storage":   {"functional"},
		"personalization_storage": {"functional"},
		"security_storage":        {"necessary"},
	}
}

// Granted reports whether signal is granted under allowed.
func (m ConsentModeMapping) Granted(signal string, allowed func(category string) bool) bool {
	cats := m[signal]
	if len(cats) == 0 {
		return false
	}
	for _, c := range cats {
		if !allowed(c) {
			return false
		}
	}
	return true
}

// JSON returns the mapping as a JSON object (signal → array of categories,
// keys sorted) for the banner's data-consent-mode attribute. Escape it for
// the attribute as usual.
func (m ConsentModeMapping) JSON() string {
	clean := make(map[string][]string, len(m))
	for k, v := range m {
		if v == nil {
			v = []string{}
		}
		clean[k] = v
	}
	b, err := json.Marshal(clean)
	if err != nil { // cannot happen for strings
		return "{}"
	}
	return string(b)
}

// ConsentModeDefault returns a <script> element to place before any Google
// tag (first thing in <head>): it defines dataLayer and gtag when the page
// has not, and declares the Consent Mode default state, every signal
// "denied" unless allowed grants it, with wait_for_update: 500 so that tags
// loaded early wait briefly for the banner's update. nonce, when not
// empty, is set as the script's nonce attribute.
func ConsentModeDefault(allowed func(category string) bool, m ConsentModeMapping, nonce string) []byte {
	return ConsentSignalsDefault(allowed, m, nonce, Signals{})
}

// Signals selects the consent APIs besides Google Consent Mode that the
// default snippet declares.
type Signals struct {
	// Microsoft Advertising UET consent mode (required for EEA, UK and CH
	// traffic since May 2025): window.uetq.push('consent','default',
	// {ad_storage}), from the ad_storage signal.
	UET bool
	// Microsoft Clarity's consent API (enforced since October 2025):
	// clarity('consentv2', {ad_Storage, analytics_Storage}), queued
	// through the same stub Clarity's own snippet defines.
	Clarity bool
}

// ConsentSignalsDefault is ConsentModeDefault plus the Microsoft signals
// selected: every consent API the page's tags read gets its default state
// before any tag runs, and the banner script updates each on a choice.
func ConsentSignalsDefault(allowed func(category string) bool, m ConsentModeMapping, nonce string, sig Signals) []byte {
	signals := make([]string, 0, len(m))
	for s := range m {
		signals = append(signals, s)
	}
	sort.Strings(signals)
	var b strings.Builder
	b.WriteString("<script")
	if nonce != "" {
		b.WriteString(` nonce="`)
		b.WriteString(html.EscapeString(nonce))
		b.WriteString(`"`)
	}
	b.WriteString(">window.dataLayer=window.dataLayer||[];" +
		"window.gtag=window.gtag||function(){window.dataLayer.push(arguments);};" +
		"gtag('consent','default',{")
	for _, s := range signals {
		state := "denied"
		if m.Granted(s, allowed) {
			state = "granted"
		}
		k, _ := json.Marshal(s) // JSON string escaping also escapes '<' and '>'
		b.Write(k)
		b.WriteString(`:"`)
		b.WriteString(state)
		b.WriteString(`",`)
	}
	b.WriteString(`"wait_for_update":500});`)
	state := func(signal string) string {
		if m.Granted(signal, allowed) {
			return "granted"
		}
		return "denied"
	}
	if sig.UET {
		b.WriteString(`window.uetq=window.uetq||[];window.uetq.push('consent','default',{ad_storage:'` + state("ad_storage") + `'});`)
	}
	if sig.Clarity {
		b.WriteString(`window.clarity=window.clarity||function(){(window.clarity.q=window.clarity.q||[]).push(arguments);};` +
			`window.clarity('consentv2',{ad_Storage:'` + state("ad_storage") + `',analytics_Storage:'` + state("analytics_storage") + `'});`)
	}
	b.WriteString(`</script>`)
	return []byte(b.String())
}

// ConsentSignals renders ConsentSignalsDefault for one mapping and one
// set of Signals, built once per configuration: the signals are sorted
// and escaped once, and each snippet without a nonce is rendered once
// per combination of granted signals and then shared (a page request
// costs a few category checks, not a sort and a JSON encoding). Safe for
// concurrent use.
type ConsentSignals struct {
	m     ConsentModeMapping
	sig   Signals
	names []string // sorted signal names
	cache sync.Map // uint64 (granted signals, bit per names entry) → []byte
}

// NewConsentSignals prepares the snippets of mapping m with the signals
// sig.
func NewConsentSignals(m ConsentModeMapping, sig Signals) *ConsentSignals {
	cs := &ConsentSignals{m: m, sig: sig}
	for s := range m {
		cs.names = append(cs.names, s)
	}
	sort.Strings(cs.names)
	return cs
}

// Default returns what ConsentSignalsDefault(allowed, m, nonce, sig)
// returns. The result is shared: callers must not modify it.
func (cs *ConsentSignals) Default(allowed func(category string) bool, nonce string) []byte {
	if nonce != "" || len(cs.names) > 64 {
		return ConsentSignalsDefault(allowed, cs.m, nonce, cs.sig)
	}
	var mask uint64
	for i, s := range cs.names {
		if cs.m.Granted(s, allowed) {
			mask |= 1 << i
		}
	}
	if b, ok := cs.cache.Load(mask); ok {
		return b.([]byte)
	}
	b := ConsentSignalsDefault(allowed, cs.m, "", cs.sig)
	cs.cache.Store(mask, b)
	return b
}
