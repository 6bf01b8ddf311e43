// Package region maps a visitor's region to the consent model that applies
// to them. The region comes from a request value the operator names (a CDN
// header such as CF-IPCountry, or a GeoIP module's placeholder) as an ISO
// 3166-1 alpha-2 country code, optionally followed by a subdivision
// ("US-CA"). An unknown or missing region gets the strictest profile.
package region

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Model is how consent is obtained.
type Model string

const (
	// OptIn: nothing optional before a choice (EU/EEA/CH, and the default).
	OptIn Model = "opt-in"
	// Objection: low-risk first-party purposes allowed with clear
	// information and an easy objection; the rest opt-in (UK DUAA 2025).
	Objection Model = "objection"
	// OptOut: optional categories allowed until the visitor opts out (US states).
	OptOut Model = "opt-out"
)

// Profile is one regional consent model.
type Profile struct {
	Name  string
	Model Model
	// PreChoice are the categories allowed before the visitor chose
	// (besides the required ones). Categories the configuration lacks are
	// ignored.
	PreChoice []string
	// FirstPartyOnly: PreChoice covers cookies the site itself sets and
	// its same-origin collectors; third-party tags of those categories
	// still wait for an explicit choice.
	FirstPartyOnly bool
	// MinRefusalMemory is how long a refusal must at least be remembered.
	MinRefusalMemory time.Duration
	// Basis is the rule the profile follows, in one line.
	Basis string
}

// Built-in profile names.
const (
	EU     = "eu"
	UK     = "uk"
	US     = "us"
	Strict = EU // unknown regions
)

// Builtin returns the built-in profiles by name.
func Builtin() map[string]Profile {
	return map[string]Profile{
		EU: {Name: EU, Model: OptIn, MinRefusalMemory: 182 * 24 * time.Hour,
			Basis: "ePrivacy Directive Art. 5(3) and GDPR Art. 7: prior opt-in consent; refusals remembered at least 6 months (EU Digital Omnibus proposal, Art. 88a)"},
		UK: {Name: UK, Model: Objection, PreChoice: []string{"functional", "analytics"}, FirstPartyOnly: true,
			MinRefusalMemory: 182 * 24 * time.Hour,
			Basis:            "PECR reg. 6 as amended by the Data (Use and Access) Act 2025 (in force 5 Feb 2026): first-party statistics and appearance/preference cookies with clear information and an easy objection; advertising and third-party tracking need consent"},
		US: {Name: US, Model: OptOut, PreChoice: []string{"functional", "analytics", "advertising"},
			Basis: "CCPA/CPRA and other US state laws: opt-out of sale/sharing and targeted advertising via a \"Your Privacy Choices\" link; Global Privacy Control honoured as an opt-out (CCPA regulations §7025, shown as \"Opt-Out Request Honored\" §7025(c)(6))"},
	}
}

// euCountries are the EU member states, the other EEA states and
// Switzerland (revFADP follows the same opt-in practice for cookies).
var euCountries = []string{
	"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "EL", "HU", "IE", "IT",
	"LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
	"IS", "LI", "NO", "CH",
	// Outermost regions and territories that report their own codes.
	"GF", "GP", "MQ", "RE", "YT", "MF", "AX",
}

// Resolver maps region codes to profiles.
type Resolver struct {
	profiles map[string]Profile
	byCode   map[string]string // upper-case code -> profile name
	fallback string
}

// NewResolver builds a resolver from the built-in mapping (EU/EEA/CH → eu,
// GB → uk, US → us, everything else → the fallback, eu by default) and the
// operator's overrides: code ("BR", "US-CA") or "*" (the fallback) →
// profile name.
func NewResolver(overrides map[string]string) (*Resolver, error) {
	r := &Resolver{profiles: Builtin(), byCode: map[string]string{"GB": UK, "UK": UK, "US": US}, fallback: Strict}
	for _, c := range euCountries {
		r.byCode[c] = EU
	}
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, code := range keys {
		name := overrides[code]
		if _, ok := r.profiles[name]; !ok {
			return nil, fmt.Errorf("region %s: unknown profile %q; use %s", code, name, strings.Join(ProfileNames(), ", "))
		}
		if code == "*" {
			r.fallback = name
			continue
		}
		if !validCode(code) {
			return nil, fmt.Errorf("region %q: use an ISO 3166 country code such as DE or US, a subdivision such as US-CA, or * for every other region", code)
		}
		r.byCode[strings.ToUpper(code)] = name
	}
	return r, nil
}

// ProfileNames lists the built-in profile names.
func ProfileNames() []string { return []string{EU, UK, US} }

func validCode(c string) bool {
	country, sub, hasSub := strings.Cut(c, "-")
	if len(country) != 2 || !letters(country) {
		return false
	}
	return !hasSub || (len(sub) >= 1 && len(sub) <= 3 && alnum(sub))
}

func letters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if (c < 'a' || c > 'z') && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}

// Resolve returns the profile for a region value ("DE", "us-ca", "",
// "XX", "T1"…) and the normalized code it used ("" when unknown).
// A subdivision mapping wins over its country's.
func (r *Resolver) Resolve(value string) (Profile, string) {
	code := strings.ToUpper(strings.TrimSpace(value))
	if !validCode(code) {
		return r.profiles[r.fallback], ""
	}
	if name, ok := r.byCode[code]; ok {
		return r.profiles[name], code
	}
	if country, _, ok := strings.Cut(code, "-"); ok {
		if name, ok := r.byCode[country]; ok {
			return r.profiles[name], code
		}
	}
	return r.profiles[r.fallback], code
}
