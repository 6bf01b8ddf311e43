package trackers

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Vendor describes one tracker: the category a visitor must grant before
// it may run, the cookies it sets, and how its tags and endpoints look.
//
// Hosts are lower-case names without scheme or port: "connect.facebook.net"
// matches that host only, ".hotjar.com" matches hotjar.com and every
// subdomain.
//
// Paths restrict the hosts of the same kind (ScriptPaths → ScriptHosts,
// PixelPaths → PixelHosts); a kind without paths matches every URL on its
// hosts. An entry starting with "/" is a prefix of the URL's path and query
// ("/gtag/js?id=AW-"); when it ends with a letter, digit or '.', the next
// character must end a path segment ("/tr" matches "/tr", "/tr/x" and
// "/tr?id=1", not "/track"). An entry starting with "*/" matches on any
// host, including same-origin relative URLs: the URL's path must contain
// the rest ("*/matomo.php" matches "//stats.example.org/m/matomo.php?x"),
// with the same segment rule at its end. When several vendors match a URL,
// the most specific wins: the longest host entry, then the longest path.
type Vendor struct {
	Name     string // preset name: lower-case letters, digits, '-'
	Title    string // human-readable name
	Category string // necessary, functional, analytics or advertising

	// Cookies uses the policy pattern syntax: exact names, globs with '*'
	// and '?', or /regexp/.
	Cookies []string

	ScriptHosts []string // hosts serving the vendor's scripts
	ScriptPaths []string // optional path restrictions (see above)
	PixelHosts  []string // hosts receiving beacons, pixels and collect calls
	PixelPaths  []string // optional path restrictions (see above)

	// InlineSignatures are substrings that identify the vendor's inline
	// snippet. They are matched case-insensitively, ignoring whitespace and
	// backslashes in the script text, and ' " ` are interchangeable:
	// "fbq('init'" also matches `fbq( "init"`.
	InlineSignatures []string

	// BlockRules are same-origin collection endpoints. They are used by a
	// Blocker only when the operator enables this preset.
	BlockRules []BlockRule

	// EmbedHosts serve embedded content a visitor may want to see (video
	// and audio players, maps, social posts). Neutralized iframes of these
	// hosts can get a click-to-load placeholder (Options.EmbedPlaceholder).
	// EmbedPaths optionally restricts them, like ScriptPaths.
	EmbedHosts []string
	EmbedPaths []string

	// OptIn marks presets that are not enabled by default: their
	// same-origin block rules match generic paths a site may use for its
	// own API (/api/event, /collect, */beacon), or neutralizing them
	// removes a function of the site (a paywall). An operator names them
	// explicitly; every other preset is meant to be on by default.
	OptIn bool
}

// Categories known to the default policy, from least to most restrictive.
var knownCategories = []string{"necessary", "functional", "analytics", "advertising"}

func categoryRank(c string) int {
	for i, k := range knownCategories {
		if k == c {
			return i
		}
	}
	return len(knownCategories)
}

var (
	nameRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	categoryRE = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`) // as policy.Category.Name
)

// Presets returns the built-in vendor presets sorted by name. Each call
// returns fresh slices the caller may modify (e.g. to change a category).
func Presets() []Vendor {
	out := make([]Vendor, len(presets))
	for i := range presets {
		out[i] = presets[i].clone()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Preset returns the built-in preset with this name.
func Preset(name string) (Vendor, bool) {
	for i := range presets {
		if presets[i].Name == name {
			return presets[i].clone(), true
		}
	}
	return Vendor{}, false
}

// DefaultPresetNames returns the names of the built-in presets that are
// meant to be enabled when the operator does not choose (OptIn false),
// sorted.
func DefaultPresetNames() []string {
	var names []string
	for i := range presets {
		if !presets[i].OptIn {
			names = append(names, presets[i].Name)
		}
	}
	sort.Strings(names)
	return names
}

// PresetNames returns the names of the built-in presets, sorted.
func PresetNames() []string {
	names := make([]string, len(presets))
	for i := range presets {
		names[i] = presets[i].Name
	}
	sort.Strings(names)
	return names
}

func (v Vendor) clone() Vendor {
	c := v
	c.Cookies = cloneStrings(v.Cookies)
	c.ScriptHosts = cloneStrings(v.ScriptHosts)
	c.ScriptPaths = cloneStrings(v.ScriptPaths)
	c.PixelHosts = cloneStrings(v.PixelHosts)
	c.PixelPaths = cloneStrings(v.PixelPaths)
	c.InlineSignatures = cloneStrings(v.InlineSignatures)
	c.EmbedHosts = cloneStrings(v.EmbedHosts)
	c.EmbedPaths = cloneStrings(v.EmbedPaths)
	if v.BlockRules != nil {
		c.BlockRules = make([]BlockRule, len(v.BlockRules))
		for i, r := range v.BlockRules {
			c.BlockRules[i] = r.clone()
		}
	}
	return c
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}

// Validate checks the vendor's fields (not its cookie patterns, which the
// policy package parses). Errors name the vendor and the field.
func (v *Vendor) Validate() error {
	if !nameRE.MatchString(v.Name) {
		return fmt.Errorf("vendor %q: name must be lower-case letters, digits and '-'", v.Name)
	}
	if !categoryRE.MatchString(v.Category) {
		return fmt.Errorf("vendor %q: category %q: want 1 to 32 of a-z, 0-9, '_' and '-'", v.Name, v.Category)
	}
	for _, list := range []struct {
		field string
		hosts []string
	}{{"script host", v.ScriptHosts}, {"pixel host", v.PixelHosts}, {"embed host", v.EmbedHosts}} {
		for _, h := range list.hosts {
			if err := checkHost(h); err != nil {
				return fmt.Errorf("vendor %q: %s %q: %v", v.Name, list.field, h, err)
			}
		}
	}
	for _, list := range []struct {
		field string
		paths []string
	}{{"script path", v.ScriptPaths}, {"pixel path", v.PixelPaths}, {"embed path", v.EmbedPaths}} {
		for _, p := range list.paths {
			if !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "*/") || p == "/" || p == "*/" {
				return fmt.Errorf("vendor %q: %s %q must start with / or */ and name a path", v.Name, list.field, p)
			}
		}
	}
	for _, s := range v.InlineSignatures {
		if len(normalizeSignature(s)) < 4 {
			return fmt.Errorf("vendor %q: inline signature %q is too short to be specific", v.Name, s)
		}
	}
	for _, r := range v.BlockRules {
		if r.Category == "" {
			r.Category = v.Category
		}
		if _, err := compileRule(r); err != nil {
			return fmt.Errorf("vendor %q: %v", v.Name, err)
		}
	}
	return nil
}

// checkHost accepts "host.example" and ".example": lower-case letters,
// digits, '-' and '.', no scheme, port or path.
func checkHost(h string) error {
	s := strings.TrimPrefix(h, ".")
	if s == "" {
		return fmt.Errorf("empty")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return fmt.Errorf("byte %q not allowed: write a lower-case host name without scheme, port or path", c)
		}
	}
	if strings.Contains(s, "..") || strings.HasSuffix(s, ".") {
		return fmt.Errorf("empty label")
	}
	return nil
}

// hostsWithoutPaths returns the hosts of v that match every URL (their kind
// has no "/" path restriction): hosts that belong to the vendor entirely.
func (v *Vendor) hostsWithoutPaths() []string {
	var out []string
	if !hasHostPaths(v.ScriptPaths) {
		out = append(out, v.ScriptHosts...)
	}
	if !hasHostPaths(v.PixelPaths) {
		out = append(out, v.PixelHosts...)
	}
	if !hasHostPaths(v.EmbedPaths) {
		out = append(out, v.EmbedHosts...)
	}
	return out
}

func hasHostPaths(paths []string) bool {
	for _, p := range paths {
		if strings.HasPrefix(p, "/") {
			return true
		}
	}
	return false
}

// allHosts returns every host the vendor names.
func (v *Vendor) allHosts() []string {
	out := append([]string(nil), v.ScriptHosts...)
	out = append(out, v.PixelHosts...)
	return append(out, v.EmbedHosts...)
}

// CSPHosts returns the hosts a page's Content-Security-Policy may drop for a
// visitor: hosts of vendors whose category is not allowed that belong to
// the vendor entirely (listed without path restrictions), except hosts an
// allowed vendor also uses. Pass the result to RemoveHosts.
func CSPHosts(vendors []Vendor, allowed func(category string) bool) []string {
	return cspHosts(vendors, allowed, nil)
}

func cspHosts(vendors []Vendor, allowed func(string) bool, keep func(host string) bool) []string {
	var kept []string
	for i := range vendors {
		if allowed(vendors[i].Category) {
			kept = append(kept, vendors[i].allHosts()...)
		}
	}
	seen := map[string]bool{}
	var out []string
	for i := range vendors {
		if allowed(vendors[i].Category) {
			continue
		}
		for _, h := range vendors[i].hostsWithoutPaths() {
			if seen[h] || keep != nil && keep(h) || overlapsAny(h, kept) {
				continue
			}
			seen[h] = true
			out = append(out, h)
		}
	}
	sort.Strings(out)
	return out
}

// overlapsAny reports whether host pattern h and one of list can match a
// common host.
func overlapsAny(h string, list []string) bool {
	for _, k := range list {
		if hostPatternCovers(h, k) || hostPatternCovers(k, h) {
			return true
		}
	}
	return false
}

// hostPatternCovers reports whether every host matched by pattern b is
// matched by pattern a (both in Vendor host syntax).
func hostPatternCovers(a, b string) bool {
	bb := strings.TrimPrefix(b, ".")
	if strings.HasPrefix(a, ".") {
		d := a[1:]
		return bb == d || strings.HasSuffix(bb, a)
	}
	return !strings.HasPrefix(b, ".") && a == b
}
