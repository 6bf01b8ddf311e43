package inventory

import (
	"fmt"
	"sort"
	"time"
)

// CategoryInfo is a consent category as the declaration lists it, in the
// configured order.
type CategoryInfo struct {
	Name        string `json:"name"`
	Label       string `json:"label"`       // "" = the renderer fills the built-in translation
	Description string `json:"description"` // idem
	Required    bool   `json:"required"`    // always on
}

// FactsFunc returns what is known about a cookie name from outside the
// store (the cookie database, presets): vendor, purpose and retention.
// ok is false when nothing is known. An empty purpose is filled with
// Purpose(lang, vendor, category).
type FactsFunc func(name string) (vendor, purpose, retention string, ok bool)

// UnclassifiedCategory names the section of observed cookies whose
// category is not one of the configured ones (set while unknown_cookies
// lets them through).
const UnclassifiedCategory = "unclassified"

// Declaration is what the cookie declaration shows, and its JSON form.
type Declaration struct {
	Generated  time.Time `json:"generated"`
	Categories []Section `json:"categories"`
	// NotListed counts Set-Cookie observations of names the store had no
	// room for: when it is not 0 the list is incomplete.
	NotListed uint64 `json:"not_listed,omitempty"`
}

// Section is one category of the declaration.
type Section struct {
	CategoryInfo
	Cookies  []Cookie  `json:"cookies"`            // observed, sorted by name
	Trackers []Tracker `json:"trackers_held_back"` // sorted by vendor
}

// Cookie is one observed cookie.
type Cookie struct {
	Name          string    `json:"name"`
	Vendor        string    `json:"vendor,omitempty"`
	Purpose       string    `json:"purpose"`
	Retention     string    `json:"retention"`       // in words, from the observed lifetime
	MaxAgeSeconds int64     `json:"max_age_seconds"` // -1 = session
	HttpOnly      bool      `json:"http_only"`
	Secure        bool      `json:"secure"`
	SameSite      string    `json:"same_site,omitempty"`
	Domain        string    `json:"domain,omitempty"`
	Path          string    `json:"path,omitempty"`
	FirstSeen     time.Time `json:"first_seen"` // to the day in a Declaration
	LastSeen      time.Time `json:"last_seen"`
	Count         uint64    `json:"-"` // observations; not published (it tells the site's traffic)
}

// Tracker is a vendor whose hosts the gateway held back until consent.
type Tracker struct {
	Vendor string   `json:"vendor"` // "" = unnamed (the hosts say it)
	Hosts  []string `json:"hosts"`
}

// Declaration returns the declaration data with English purposes and
// retention. See DeclarationIn.
func (s *Store) Declaration(cats []CategoryInfo, facts FactsFunc) Declaration {
	return s.DeclarationIn("en", cats, facts)
}

// DeclarationIn returns, per category in the order of cats, the cookies
// the site was seen to set (with vendor and purpose from facts, else the
// purpose written for the vendor or category in lang, and retention in
// words from the observed lifetime) and the tracker hosts held back at
// least once, grouped by vendor. Cookies of a category not in cats come
// last, in a section named UnclassifiedCategory. Sections without
// cookies or trackers are kept, so the page names every category.
func (s *Store) DeclarationIn(lang string, cats []CategoryInfo, facts FactsFunc) Declaration {
	d := Declaration{Generated: s.now().UTC().Truncate(time.Second), NotListed: s.overNames.Load()}
	idx := make(map[string]int, len(cats))
	for _, c := range cats {
		if _, dup := idx[c.Name]; dup {
			continue
		}
		idx[c.Name] = len(d.Categories)
		d.Categories = append(d.Categories, Section{CategoryInfo: c, Cookies: []Cookie{}, Trackers: []Tracker{}})
	}
	section := func(cat string) *Section {
		i, ok := idx[cat]
		if !ok {
			i, ok = idx[UnclassifiedCategory]
			if !ok {
				i = len(d.Categories)
				idx[UnclassifiedCategory] = i
				d.Categories = append(d.Categories, Section{CategoryInfo: CategoryInfo{Name: UnclassifiedCategory},
					Cookies: []Cookie{}, Trackers: []Tracker{}})
			}
		}
		return &d.Categories[i]
	}

	for cat, list := range s.observed(lang, facts) {
		sec := section(cat)
		for _, c := range list {
			// Published: to the day, so that a rare cookie does not tell
			// when one visitor came.
			c.FirstSeen, c.LastSeen = c.FirstSeen.Truncate(24*time.Hour), c.LastSeen.Truncate(24*time.Hour)
			sec.Cookies = append(sec.Cookies, c)
		}
	}
	for i := range d.Categories {
		sortCookies(d.Categories[i].Cookies)
	}

	byVendor := map[[2]string][]string{} // category, vendor -> hosts
	for _, e := range collect(s.hosts[:]) {
		if e.count.Load() == 0 {
			continue
		}
		f := e.facts.Load()
		if _, ok := idx[f.category]; !ok {
			continue // not a configured category: nothing was held back for it
		}
		k := [2]string{f.category, f.vendor}
		byVendor[k] = append(byVendor[k], e.key) // collect sorts by host
	}
	for k, hosts := range byVendor {
		sec := &d.Categories[idx[k[0]]]
		sec.Trackers = append(sec.Trackers, Tracker{Vendor: k[1], Hosts: hosts})
	}
	for i := range d.Categories {
		t := d.Categories[i].Trackers
		sort.Slice(t, func(a, b int) bool { return t[a].Vendor < t[b].Vendor })
	}
	return d
}

func sortCookies(c []Cookie) { sort.Slice(c, func(i, j int) bool { return c[i].Name < c[j].Name }) }

// observed returns the observed cookies by category.
func (s *Store) observed(lang string, facts FactsFunc) map[string][]Cookie {
	cut := s.now().Add(-s.retain).Unix()
	out := map[string][]Cookie{}
	for _, e := range collect(s.cookies[:]) {
		last := e.last.Load()
		if last < cut {
			continue
		}
		f := e.facts.Load()
		c := Cookie{
			Name: e.key, MaxAgeSeconds: f.attrs.MaxAgeSeconds, HttpOnly: f.attrs.HttpOnly,
			Secure: f.attrs.Secure, SameSite: f.attrs.SameSite, Domain: f.attrs.Domain, Path: f.attrs.Path,
			FirstSeen: time.Unix(e.first, 0).UTC(), LastSeen: time.Unix(last, 0).UTC(), Count: e.count.Load(),
		}
		var retention string
		if facts != nil {
			if v, p, r, ok := facts(e.key); ok {
				c.Vendor, c.Purpose, retention = v, p, r
			}
		}
		if c.Purpose == "" {
			c.Purpose = Purpose(lang, c.Vendor, f.category)
		}
		// The observed lifetime is what this site sets; a database's
		// typical retention is only used when none was observed.
		c.Retention = Retention(lang, c.MaxAgeSeconds)
		if c.MaxAgeSeconds == 0 && retention != "" {
			c.Retention = retention
		}
		out[f.category] = append(out[f.category], c)
	}
	return out
}

// Observed returns, per category name, the cookies the site was seen to
// set, sorted by name, with vendor, purpose and retention filled as in
// DeclarationIn. The banner's and the preference page's category lists
// show these instead of patterns (see ShownNames).
func (s *Store) Observed(lang string, facts FactsFunc) map[string][]Cookie {
	out := s.observed(lang, facts)
	for _, list := range out {
		sortCookies(list)
	}
	return out
}

// ShownNames formats observed cookies for a banner category list:
// "name (retention)" each, at most max (0 = all), then "… (+N)".
func ShownNames(cs []Cookie, max int) []string {
	n := len(cs)
	if max > 0 && n > max {
		n = max
	}
	out := make([]string, 0, n+1)
	for _, c := range cs[:n] {
		out = append(out, c.Name+" ("+c.Retention+")")
	}
	if n < len(cs) {
		out = append(out, fmt.Sprintf("… (+%d)", len(cs)-n))
	}
	return out
}
