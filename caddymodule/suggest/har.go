package suggest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/consentgate/caddy-consent/caddymodule/audit"
	"github.com/consentgate/caddy-consent/caddymodule/cookieheader"
)

// MaxHARBytes bounds one HAR file (they hold response bodies too).
const MaxHARBytes = 512 << 20

type harFile struct {
	Log struct {
		Pages []struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"pages"`
		Entries []harEntry `json:"entries"`
	} `json:"log"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harEntry struct {
	PageRef      string `json:"pageref"`
	ResourceType string `json:"_resourceType"`
	Request      struct {
		URL     string  `json:"url"`
		Headers []harNV `json:"headers"`
		Cookies []harNV `json:"cookies"`
	} `json:"request"`
	Response struct {
		Status  int     `json:"status"`
		Headers []harNV `json:"headers"`
		Content struct {
			MimeType string `json:"mimeType"`
		} `json:"content"`
	} `json:"response"`
}

// AddHAR reads one HAR file (as browsers' developer tools and headless
// browsers save it): the Set-Cookie headers of first-party responses and
// the cookies of first-party requests make the cookie inventory; scripts,
// images and frames loaded from other sites make the tracker inventory.
// A page's first party is the registrable domain of its document.
func (c *Collector) AddHAR(name string, r io.Reader) error {
	var h harFile
	dec := json.NewDecoder(io.LimitReader(r, MaxHARBytes))
	if err := dec.Decode(&h); err != nil {
		return fmt.Errorf("%s: not a HAR file: %v", name, err)
	}
	c.inputs = append(c.inputs, name)
	if len(h.Log.Entries) == 0 {
		c.notes = append(c.notes, name+": no requests recorded")
		return nil
	}
	// The site of each page: its title when it is a URL, else the first
	// document of the page, else the first request.
	site := map[string]string{}
	pageURL := map[string]string{}
	for _, p := range h.Log.Pages {
		if u, err := url.Parse(p.Title); err == nil && u.Host != "" {
			site[p.ID] = cookieheader.RegistrableDomain(u.Hostname())
			pageURL[p.ID] = u.Host + u.Path
		}
	}
	for _, e := range h.Log.Entries {
		if _, ok := site[e.PageRef]; ok {
			continue
		}
		if e.ResourceType == "document" || e.ResourceType == "" {
			if u, err := url.Parse(e.Request.URL); err == nil && u.Host != "" {
				site[e.PageRef] = cookieheader.RegistrableDomain(u.Hostname())
				pageURL[e.PageRef] = u.Host + u.Path
			}
		}
	}
	for _, e := range h.Log.Entries {
		u, err := url.Parse(e.Request.URL)
		if err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" {
			continue
		}
		host := strings.ToLower(u.Hostname())
		first := site[e.PageRef]
		if first == "" {
			first = host // no page: take the request's own site
		}
		if reg := cookieheader.RegistrableDomain(host); reg == first || reg == "" && host == first {
			c.harCookies(&e)
			continue
		}
		if tag := tagOf(&e); tag != "" {
			if t := c.tracker(host); t != nil {
				t.note(tag, pageURL[e.PageRef])
			}
		}
	}
	return nil
}

func (c *Collector) harCookies(e *harEntry) {
	sawHeader := false
	for _, hd := range e.Request.Headers {
		if !strings.EqualFold(hd.Name, "cookie") {
			continue
		}
		sawHeader = true
		for n, v := range cookieheader.Pairs(hd.Value) {
			c.readBack(n, v)
		}
	}
	if !sawHeader {
		for _, ck := range e.Request.Cookies {
			c.readBack(ck.Name, ck.Value)
		}
	}
	for _, hd := range e.Response.Headers {
		if !strings.EqualFold(hd.Name, "set-cookie") {
			continue
		}
		// Some browsers join several Set-Cookie headers with newlines.
		for _, line := range strings.Split(hd.Value, "\n") {
			name, ok := cookieheader.SetCookieName(strings.TrimSpace(line))
			if !ok {
				continue
			}
			k := c.cookie(name)
			if k == nil {
				continue
			}
			k.Set++
			a := audit.SetCookieAttrs(line, c.now)
			if a.Lifetime == 0 && k.Attributes != nil {
				continue // a deletion says nothing new about the cookie
			}
			k.Attributes = attrsOf(a)
			_, v, _ := strings.Cut(line, "=")
			v, _, _ = strings.Cut(v, ";")
			k.randomLike = k.randomLike || randomLooking(strings.TrimSpace(v))
		}
	}
}

func (c *Collector) readBack(name, value string) {
	if name == "" {
		return
	}
	if k := c.cookie(name); k != nil {
		k.ReadBack++
		k.randomLike = k.randomLike || randomLooking(value)
	}
}

// tagOf says which kind of element loaded a third-party request: "script",
// "img" or "iframe"; "" for what trackers do not use to load (fonts,
// stylesheets, fetches the page's own scripts make).
func tagOf(e *harEntry) string {
	switch strings.ToLower(e.ResourceType) {
	case "script":
		return "script"
	case "image", "ping", "beacon":
		return "img"
	case "document", "iframe", "subdocument", "sub_frame":
		return "iframe"
	case "":
	default:
		return ""
	}
	mt := strings.ToLower(e.Response.Content.MimeType)
	switch {
	case strings.Contains(mt, "javascript") || strings.Contains(mt, "ecmascript"):
		return "script"
	case strings.HasPrefix(mt, "image/"):
		return "img"
	case strings.HasPrefix(mt, "text/html"):
		return "iframe"
	}
	return ""
}
