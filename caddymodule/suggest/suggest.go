// Package suggest turns what a site was observed to do into configuration:
// it reads the gateway's audit logs (report mode or enforce mode) and HAR
// files recorded in a browser, and lists every first-party cookie and every
// third-party script, pixel and frame host with a suggested category, how
// often the site read each cookie back, and a ready-to-paste Caddyfile
// block for what the gateway does not classify yet.
//
// Evidence is weighed in this order: the category the running gateway
// logged (its configuration), the built-in lists and vendor presets, the
// embedded cookie database, then heuristics from the cookie's attributes
// and name. Cookie values are never kept or printed.
//
// Nothing in this package imports Caddy.
package suggest

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/consentgate/caddy-consent/caddymodule/audit"
	"github.com/consentgate/caddy-consent/caddymodule/auditreport"
	"github.com/consentgate/caddy-consent/caddymodule/trackers"
)

// Sources of a suggestion, strongest first.
const (
	SourceConfig    = "config"    // the gateway that logged it classified it
	SourceBuiltin   = "builtin"   // built-in lists and vendor presets
	SourceDatabase  = "database"  // the embedded cookie database
	SourceHeuristic = "heuristic" // attributes and name
	SourceReview    = "review"    // nothing to go by: decide yourself
)

// MaxItems bounds the cookies and the hosts a Collector keeps; further
// distinct names are counted in Inventory.Dropped.
const MaxItems = 20000

// Cookie is one first-party cookie of the inventory.
type Cookie struct {
	Name string `json:"name"`
	// Category is the suggestion; "" when Source is SourceReview.
	Category string `json:"category,omitempty"`
	Source   string `json:"source"`
	Reason   string `json:"reason"`
	Vendor   string `json:"vendor,omitempty"`
	// Set counts Set-Cookie sightings (HAR responses, enforcement events
	// that stripped it, cookie_unclassified events that described it).
	Set int64 `json:"set"`
	// ReadBack counts the requests that carried it back (HAR request
	// cookies, enforcement events that filtered it).
	ReadBack int64 `json:"read_back"`
	// Attributes of a Set-Cookie that was seen; nil when it was only seen
	// in requests.
	Attributes *Attributes `json:"attributes,omitempty"`
}

// Attributes are a Set-Cookie's attributes, never its value.
type Attributes struct {
	HTTPOnly bool   `json:"http_only"`
	Secure   bool   `json:"secure"`
	SameSite string `json:"same_site,omitempty"`
	// LifetimeS is the lifetime in seconds; -1 for a session cookie.
	LifetimeS int64  `json:"lifetime_s"`
	Domain    string `json:"domain,omitempty"`
	Path      string `json:"path,omitempty"`
}

// Tracker is one third-party host pages loaded a script, image or frame
// from.
type Tracker struct {
	Host     string   `json:"host"`
	Tags     []string `json:"tags"`  // script, img, iframe
	Pages    []string `json:"pages"` // a few page URLs or paths
	Requests int64    `json:"requests"`
	Category string   `json:"category,omitempty"`
	Source   string   `json:"source"`           // builtin (a preset), heuristic or review
	Preset   string   `json:"preset,omitempty"` // the preset that covers it
	Reason   string   `json:"reason"`
}

// Inventory is the result of a Collector.
type Inventory struct {
	Inputs   []string  `json:"inputs"`
	Cookies  []Cookie  `json:"cookies"`
	Trackers []Tracker `json:"trackers"`
	Dropped  int64     `json:"dropped,omitempty"` // names beyond MaxItems
	Notes    []string  `json:"notes,omitempty"`
}

type cookieAgg struct {
	Cookie
	logged     string // category the gateway logged, "" if none
	randomLike bool   // a value that looked like a random ID (HAR only)
}

type trackerAgg struct {
	Tracker
	tags, pages map[string]bool
}

// Collector gathers evidence from logs and HAR files. Not safe for
// concurrent use.
type Collector struct {
	agg      *auditreport.Aggregator
	logs     bool
	merged   bool
	inputs   []string
	cookies  map[string]*cookieAgg
	trackers map[string]*trackerAgg
	dropped  int64
	notes    []string
	now      time.Time
}

// New returns an empty Collector.
func New() *Collector {
	return &Collector{
		agg:      auditreport.New(auditreport.Options{}),
		cookies:  make(map[string]*cookieAgg),
		trackers: make(map[string]*trackerAgg),
		now:      time.Now(),
	}
}

// AddLog reads one audit log stream (plain, gzip or zstd; schema 1 or 2).
func (c *Collector) AddLog(name string, r io.Reader) error {
	c.logs = true
	c.inputs = append(c.inputs, name)
	return c.agg.Add(name, r)
}

func (c *Collector) cookie(name string) *cookieAgg {
	k := c.cookies[name]
	if k == nil {
		if len(c.cookies) >= MaxItems {
			c.dropped++
			return nil
		}
		k = &cookieAgg{Cookie: Cookie{Name: name}}
		c.cookies[name] = k
	}
	return k
}

func (c *Collector) tracker(host string) *trackerAgg {
	t := c.trackers[host]
	if t == nil {
		if len(c.trackers) >= MaxItems {
			c.dropped++
			return nil
		}
		t = &trackerAgg{Tracker: Tracker{Host: host}, tags: map[string]bool{}, pages: map[string]bool{}}
		c.trackers[host] = t
	}
	return t
}

func (t *trackerAgg) note(tag, page string) {
	t.Requests++
	if tag != "" && len(t.tags) < 8 {
		t.tags[tag] = true
	}
	if page != "" && len(t.pages) < 5 {
		t.pages[page] = true
	}
}

func unclassifiedCategory(cat string) bool {
	switch cat {
	case "", "unknown", "unclassified":
		return true
	}
	return false
}

// fromReport merges what the audit logs said.
func (c *Collector) fromReport(r *auditreport.Report) {
	for _, s := range r.Inventory {
		if s.Name == "" {
			continue // unparsable Set-Cookie lines
		}
		k := c.cookie(s.Name)
		if k == nil {
			continue
		}
		k.Set += s.Stripped + s.Reports
		k.ReadBack += s.Filtered
		if s.SeenInRequest {
			k.ReadBack++
		}
		for _, cat := range strings.Split(s.Category, ",") {
			if !unclassifiedCategory(cat) {
				k.logged = cat
				break
			}
		}
		if a := s.Attributes; a != nil && k.Attributes == nil {
			life := int64(-1)
			if a.LifetimeS != nil && !a.Session {
				life = *a.LifetimeS
			}
			k.Attributes = &Attributes{HTTPOnly: a.HTTPOnly, Secure: a.Secure, SameSite: a.SameSite, LifetimeS: life, Domain: a.Domain, Path: a.Path}
		}
	}
	for _, tr := range r.UnclassifiedTrackers {
		t := c.tracker(tr.Host)
		if t == nil {
			continue
		}
		t.Requests += tr.Reports - 1
		t.note("", "")
		for _, tag := range tr.Tags {
			t.tags[tag] = true
		}
		for _, p := range tr.Pages {
			if len(t.pages) < 5 {
				t.pages[p] = true
			}
		}
	}
	if r.BadLines > 0 {
		c.notes = append(c.notes, fmt.Sprintf("%d unreadable log line(s) skipped (run caddy consent audit to see where)", r.BadLines))
	}
	if r.WouldOnly == 0 && r.Events > 0 {
		c.notes = append(c.notes, "no report-mode events: in enforce mode cookies of refused categories never reach the upstream, so read-back counts only include what the gateway filtered")
	}
}

// Inventory classifies everything gathered. It ends the collection: call
// it once, after the last AddLog and AddHAR.
func (c *Collector) Inventory() *Inventory {
	if c.logs && !c.merged {
		c.merged = true
		c.fromReport(c.agg.Report())
	}
	cls := newClassifier()
	inv := &Inventory{Inputs: slices.Clone(c.inputs), Dropped: c.dropped, Notes: slices.Clone(c.notes)}
	for _, k := range c.cookies {
		ck := k.Cookie
		if k.Attributes != nil {
			a := *k.Attributes
			ck.Attributes = &a
		}
		cls.cookie(&ck, k.logged, k.randomLike)
		inv.Cookies = append(inv.Cookies, ck)
	}
	slices.SortFunc(inv.Cookies, func(a, b Cookie) int {
		return cmp.Or(cmp.Compare(sourceRank(a.Source), sourceRank(b.Source)), cmp.Compare(categoryRank(a.Category), categoryRank(b.Category)), cmp.Compare(a.Name, b.Name))
	})
	for _, t := range c.trackers {
		tr := t.Tracker
		tr.Tags = sortedKeys(t.tags)
		tr.Pages = sortedKeys(t.pages)
		cls.tracker(&tr)
		inv.Trackers = append(inv.Trackers, tr)
	}
	slices.SortFunc(inv.Trackers, func(a, b Tracker) int {
		return cmp.Or(cmp.Compare(sourceRank(a.Source), sourceRank(b.Source)), cmp.Compare(a.Host, b.Host))
	})
	return inv
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Review first: that is what the operator must look at; then what the
// block will contain; what is already classified last.
func sourceRank(s string) int {
	switch s {
	case SourceReview:
		return 0
	case SourceHeuristic:
		return 1
	case SourceDatabase:
		return 2
	case SourceBuiltin:
		return 3
	}
	return 4
}

func categoryRank(c string) int {
	switch c {
	case "necessary":
		return 0
	case "functional":
		return 1
	case "analytics":
		return 2
	case "advertising":
		return 3
	case "":
		return 5
	}
	return 4
}

// attrsOf converts the audit package's view of a Set-Cookie line.
func attrsOf(a audit.CookieAttrs) *Attributes {
	return &Attributes{HTTPOnly: a.HttpOnly, Secure: a.Secure, SameSite: a.SameSite, LifetimeS: a.Lifetime, Domain: a.Domain, Path: a.Path}
}

// presetHosts lists every host a preset names, for tracker look-ups.
func presetHosts() map[string]trackers.Vendor {
	m := map[string]trackers.Vendor{}
	for _, v := range trackers.Presets() {
		for _, hs := range [][]string{v.ScriptHosts, v.PixelHosts, v.EmbedHosts} {
			for _, h := range hs {
				h = strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(h), "*"), ".")
				if _, ok := m[h]; !ok {
					m[h] = v
				}
			}
		}
	}
	return m
}
