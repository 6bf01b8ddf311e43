// Package urltrack removes ad click identifiers (gclid, fbclid, msclkid, …)
// from request URLs before the site sees them. The EDPB's Guidelines
// 2/2023 on the technical scope of Art. 5(3) ePrivacy treat URL-based
// tracking like cookies: an identifier appended to a link to follow a
// visitor across sites needs consent. A gateway in front of the site can
// take it out of the URL the application, its logs and its scripts see
// until the visitor allows the category the identifier serves.
//
// Only the named parameters are removed; every other byte of the query
// string is kept as it was, in its order.
package urltrack

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Param is a query parameter that carries a tracking identifier and the
// consent category it needs.
type Param struct {
	Name     string
	Category string
}

// DefaultParams are the click and campaign-recipient identifiers of the
// major ad and e-mail platforms. Campaign descriptors such as utm_source
// identify a campaign, not a person, and are left alone.
func DefaultParams() []Param {
	names := []string{
		"gclid", "gclsrc", "gbraid", "wbraid", "dclid", "_gl", // Google Ads, Google cross-domain linker
		"fbclid", "igshid", // Meta
		"msclkid",         // Microsoft Advertising
		"ttclid",          // TikTok
		"twclid",          // X (Twitter)
		"li_fat_id",       // LinkedIn
		"epik",            // Pinterest
		"ScCid",           // Snapchat
		"rdt_cid",         // Reddit
		"yclid", "ysclid", // Yandex
		"mc_eid",          // Mailchimp recipient
		"_hsenc", "_hsmi", // HubSpot e-mail
		"mkt_tok",                   // Marketo e-mail
		"vero_id",                   // Vero e-mail
		"oly_enc_id", "oly_anon_id", // Omeda
		"wickedid",  // Wicked Reports
		"irclickid", // impact.com
		"s_kwcid",   // Adobe Advertising
		"ef_id",     // Adobe Advertising Cloud
		"dicbo",     // Outbrain
		"obclid",    // Outbrain
		"tblci",     // Taboola
		"cto_pld",   // Criteo
	}
	out := make([]Param, len(names))
	for i, n := range names {
		out[i] = Param{Name: n, Category: "advertising"}
	}
	return out
}

// Cleaner removes configured parameters from query strings.
type Cleaner struct {
	byName map[string]string // lower-cased name -> category
	// first bytes of every name, lower-cased: a cheap pre-check so a query
	// without any candidate costs one pass and no allocation.
	first [256]bool
}

// New compiles the parameter list. Names are matched case-insensitively
// (servers and analytics libraries read them so), after percent-decoding.
func New(params []Param) (*Cleaner, error) {
	c := &Cleaner{byName: make(map[string]string, len(params))}
	for _, p := range params {
		if p.Name == "" || strings.ContainsAny(p.Name, "&=#?% ") {
			return nil, fmt.Errorf("url tracking parameter %q: use the bare parameter name, e.g. gclid", p.Name)
		}
		if p.Category == "" {
			return nil, fmt.Errorf("url tracking parameter %q: needs a category", p.Name)
		}
		n := strings.ToLower(p.Name)
		c.byName[n] = p.Category
		c.first[n[0]] = true
	}
	return c, nil
}

// Names lists the configured parameters, sorted.
func (c *Cleaner) Names() []string {
	out := make([]string, 0, len(c.byName))
	for n := range c.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Clean returns rawQuery without the parameters whose category allowed
// does not grant, and the names removed (lower-cased, each once). When
// nothing is removed it returns rawQuery itself and nil.
func (c *Cleaner) Clean(rawQuery string, allowed func(category string) bool) (string, []string) {
	if rawQuery == "" || !c.mayContain(rawQuery) {
		return rawQuery, nil
	}
	var removed []string
	var b strings.Builder // written only once a parameter is removed
	kept := 0
	start := 0 // query[start:] is still to be copied when b is in use
	rest := rawQuery
	for more := true; more; {
		var part string
		part, rest, more = strings.Cut(rest, "&")
		if cat, ok := c.category(part); ok && (allowed == nil || !allowed(cat)) {
			name := strings.ToLower(paramName(part))
			if !contains(removed, name) {
				removed = append(removed, name)
			}
			continue
		}
		if removed == nil {
			kept++
			start = len(rawQuery) - len(rest)
			continue
		}
		if b.Len() == 0 && kept > 0 {
			b.WriteString(strings.TrimSuffix(rawQuery[:start], "&"))
		}
		if kept > 0 {
			b.WriteByte('&')
		}
		b.WriteString(part)
		kept++
	}
	if removed == nil {
		return rawQuery, nil
	}
	if b.Len() == 0 && kept > 0 {
		b.WriteString(strings.TrimSuffix(rawQuery[:start], "&"))
	}
	return b.String(), removed
}

func (c *Cleaner) mayContain(q string) bool {
	for i := 0; i < len(q); i++ {
		if i == 0 || q[i-1] == '&' {
			ch := q[i]
			if ch >= 'A' && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			if c.first[ch] || ch == '%' {
				return true
			}
		}
	}
	return false
}

func (c *Cleaner) category(part string) (string, bool) {
	name := paramName(part)
	if name == "" {
		return "", false
	}
	if strings.ContainsAny(name, "%+") {
		if dec, err := url.QueryUnescape(name); err == nil {
			name = dec
		}
	}
	cat, ok := c.byName[strings.ToLower(name)]
	return cat, ok
}

func paramName(part string) string {
	name, _, _ := strings.Cut(part, "=")
	return name
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
