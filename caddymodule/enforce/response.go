package enforce

import (
	"mime"
	"net"
	"net/http"
	"strings"

	"github.com/consentgate/caddy-consent/caddymodule/cookieheader"
	"github.com/consentgate/caddy-consent/caddymodule/trackers"
)

// SetCookieVerdict is the fate of one Set-Cookie line.
type SetCookieVerdict struct {
	Keep      bool
	Name      string // "" when the line's name cannot be parsed
	Category  string // "unknown" for unclassified names
	Malformed bool   // no parsable name: treated as a cookie nobody can consent to
	// Classified: a category names the cookie (false for names only
	// unknown_cookies decides about).
	Classified bool
	// Dependent: whether the line is kept depends on the visitor's choice
	// (the response must then vary on Cookie).
	Dependent bool
}

// SetCookie decides one Set-Cookie line and records a removal. A line whose
// cookie name cannot be parsed is treated as an unknown cookie nobody can
// consent to: browsers are lenient parsers, so letting it through could
// let a tracker through.
func (d *Decision) SetCookie(line string) SetCookieVerdict {
	e := d.e
	name, ok := cookieheader.SetCookieName(line)
	if !ok {
		d.rec.Stripped("", "unknown", true)
		return SetCookieVerdict{Malformed: true, Category: "unknown", Dependent: true}
	}
	pd := e.pol.Decide(name, d.Granted)
	v := SetCookieVerdict{Keep: pd.Allowed, Name: name, Category: categoryOf(pd), Classified: pd.Known}
	v.Dependent = !pd.Known || !e.required[pd.Category]
	if e.isConsentCookie(name) {
		v.Category, v.Dependent, v.Classified = "necessary", false, true
	}
	if !v.Classified {
		// Logged once per name whatever unknown_cookies does with it, so
		// the operator learns what to classify.
		e.unclassified.NoteSetCookie(name, line)
	}
	if !v.Keep {
		d.rec.Stripped(name, v.Category, false)
	}
	return v
}

// Observer learns what the site sends to browsers, for the cookie
// declaration (package inventory in the adapter). Its methods are called
// concurrently and must be cheap.
type Observer interface {
	// SetCookie is called for each Set-Cookie line that reaches the
	// browser (in report mode: every line, since none is removed), with
	// the category the engine decided ("" when no category names the
	// cookie and unknown_cookies lets it through). Never with the value
	// alone: line is the whole header line, to read its attributes.
	SetCookie(name, category, line string)
	// Tracker is called for each tag of vendor (a Vendor.Name) the page
	// carries that needs category: held tells whether the gateway held it
	// back (false in report mode).
	Tracker(vendor, category string, held bool)
}

// SetObserver sets the engine's Observer (nil: none). Call it once,
// before the engine serves requests.
func (e *Engine) SetObserver(o Observer) { e.unclassified.obs = o }

// observedCategory is the category an Observer is told for a verdict.
func observedCategory(v SetCookieVerdict) string {
	if !v.Classified && v.Category == "unknown" {
		return ""
	}
	return v.Category
}

// FilterSetCookies applies SetCookie to the lines of hdr[key]: in enforce
// mode refused lines are removed (report mode only records). It reports
// whether any line was consent-dependent.
func (d *Decision) FilterSetCookies(hdr http.Header, key string) (dependent bool) {
	lines := hdr[key]
	obs := d.e.unclassified.obs
	var kept []string // allocated only once a line is removed
	for n, line := range lines {
		v := d.SetCookie(line)
		dependent = dependent || v.Dependent
		if v.Keep || d.Report {
			if obs != nil && v.Name != "" {
				obs.SetCookie(v.Name, observedCategory(v), line)
			}
			if kept != nil {
				kept = append(kept, line)
			}
			continue
		}
		if kept == nil {
			if !d.keptUsed && len(lines) <= len(d.keptBuf) {
				// The usual response: the decision's own array (the
				// header then refers to it; a later call allocates).
				d.keptUsed = true
				kept = append(d.keptBuf[:0:len(d.keptBuf)], lines[:n]...)
			} else {
				kept = append(make([]string, 0, len(lines)), lines[:n]...)
			}
		}
	}
	switch {
	case kept == nil:
	case len(kept) == 0:
		delete(hdr, key)
	default:
		hdr[key] = kept
	}
	return dependent
}

// MaxExpiries bounds the distinct cookies expired by one response: a
// request can name thousands of cookies, and answering each with two
// expiry lines would amplify it into hundreds of KB of headers. The rest
// are still filtered from the request and expired on later responses.
const MaxExpiries = 64

// Expiries returns the Set-Cookie lines that delete the refused cookies the
// browser sent, so withdrawing consent really removes tracking cookies,
// including HttpOnly ones no script can delete, and records them. The
// request's Cookie header carries no Domain or Path, so each name is
// expired host-only and on the category's configured domain, or else on the
// registrable domain of host (where analytics libraries put their cookies).
func (d *Decision) Expiries(host string) []string {
	if len(d.Refused) == 0 {
		return nil
	}
	e := d.e
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	seen := make(map[string]bool, min(len(d.Refused), MaxExpiries))
	var lines []string
	for _, name := range d.Refused {
		if seen[name] {
			continue
		}
		if len(seen) >= MaxExpiries {
			break
		}
		seen[name] = true
		_, primary, known := e.pol.Classify(name)
		if !known {
			continue
		}
		domain, path := e.pol.ExpiryTarget(primary)
		if domain == "" {
			if rd := cookieheader.RegistrableDomain(host); rd != "" && rd != host {
				domain = rd
			}
		}
		lines = append(lines, cookieheader.Expire(name, domain, path, d.Secure)...)
		d.rec.Expired(name, e.pol.Categories()[primary].Name)
	}
	return lines
}

// Insert says what the page gets for the visitor's choice.
type Insert uint8

const (
	InsertNone     Insert = iota
	InsertBanner          // no valid consent: the banner
	InsertSettings        // consent given: the small settings control
)

// Plan is the rewrite plan of one response body. Its parts are decided
// independently: switching off the banner or the settings control never
// switches off tag neutralization, CSP narrowing or Consent Mode.
type Plan struct {
	// Rewrite: the body is HTML the gateway can rewrite; when false no
	// other field applies (Skip says why, "" for non-HTML responses).
	Rewrite bool
	Skip    string
	// Decode is the Content-Encoding to decode first ("" for identity).
	Decode string
	// Insert is the banner, the settings control or nothing (documents only).
	Insert Insert
	// ConsentMode: insert the Consent Mode default first in <head>
	// (documents only).
	ConsentMode bool
	// Tags: neutralize the tags of refused vendors.
	Tags bool
	// CSPHosts are the refused vendors' hosts to remove from the page's
	// Content-Security-Policy.
	CSPHosts []string
	// Changes: the plan modifies the body (Insert, ConsentMode or Tags),
	// so validators and Content-Length no longer describe it.
	Changes bool
}

// Plan decides what happens to a response body from its status and
// headers. It rewrites only what it can rewrite safely: a full (not
// partial) HTML body in an ASCII-compatible charset, not marked
// no-transform, identity or gzip/zstd encoded.
func (d *Decision) Plan(method string, status int, hdr http.Header) Plan {
	var p Plan
	e := d.e
	if method == http.MethodConnect || status < 200 || status == http.StatusNoContent || status == http.StatusResetContent ||
		status == http.StatusPartialContent || status == http.StatusNotModified || (status >= 300 && status < 400) {
		return p
	}
	if !IsRewritableHTML(hdr.Get("Content-Type")) {
		return p
	}
	enc := strings.ToLower(strings.TrimSpace(hdr.Get("Content-Encoding")))
	switch {
	case hdr.Get("Content-Range") != "":
		p.Skip = "partial content"
	case hasToken(hdr.Values("Cache-Control"), "no-transform"):
		p.Skip = "cache-control no-transform"
	case enc != "" && enc != "identity" && !Decodable(enc):
		p.Skip = "content-encoding " + enc
	}
	if p.Skip != "" {
		return p
	}
	if enc != "identity" {
		p.Decode = enc
	}
	if d.Document && e.bannerOn {
		switch {
		case !d.HasConsent && d.OptOut():
			// Opt-out regions (US): a "Your Privacy Choices" link, not
			// an opt-in banner.
			p.Insert = InsertSettings
		case !d.HasConsent:
			p.Insert = InsertBanner
		case e.settingsOn:
			p.Insert = InsertSettings
		}
	}
	p.ConsentMode = d.Document && e.consentMode != nil
	if e.neutralizer != nil {
		for _, c := range e.tagCategories {
			if !d.Allowed(c) {
				p.Tags = true
				break
			}
		}
		if p.Tags && !e.cfg.KeepCSPHosts && hasCSP(hdr) {
			p.CSPHosts = e.neutralizer.CSPHosts(d.Allowed)
		}
	}
	p.Changes = p.Insert != InsertNone || p.ConsentMode || p.Tags
	p.Rewrite = p.Changes || len(p.CSPHosts) > 0
	return p
}

// hasCSP reports whether the response has a policy NarrowCSP may narrow.
func hasCSP(hdr http.Header) bool {
	return len(hdr["Content-Security-Policy"]) > 0 || len(hdr["Content-Security-Policy-Report-Only"]) > 0
}

// NarrowCSP removes hosts from the page's Content-Security-Policy fetch
// directives, so the browser refuses even tags a tag manager injects later.
func NarrowCSP(hdr http.Header, hosts []string) {
	if len(hosts) == 0 {
		return
	}
	for _, key := range []string{"Content-Security-Policy", "Content-Security-Policy-Report-Only"} {
		for i, val := range hdr[key] {
			hdr[key][i] = trackers.RemoveHosts(val, hosts)
		}
	}
}

// ConsentModeSnippet is the gtag('consent','default',…) script for the
// visitor's choice (nil when Consent Mode is off). Without a nonce it is
// rendered once per combination of granted signals and shared: callers
// must not modify it.
func (d *Decision) ConsentModeSnippet(nonce string) []byte {
	if d.e.consentMode == nil {
		return nil
	}
	if d.e.cmSnippets != nil {
		return d.e.cmSnippets.Default(d.Allowed, nonce)
	}
	return trackers.ConsentSignalsDefault(d.Allowed, d.e.consentMode, nonce, d.e.signals)
}

// TagRewriter returns a tag rewriter for the refused categories, recording
// each neutralized tag; release it with ReleaseTagRewriter. nil when no
// vendor has tags or every tagged category is allowed.
func (d *Decision) TagRewriter() *trackers.PageRewriter {
	e := d.e
	if e.neutralizer == nil {
		return nil
	}
	report := func(vendor, category, tag string) { d.rec.Neutralized(vendor, category, tag) }
	if obs := e.unclassified.obs; obs != nil {
		held := !d.Report
		report = func(vendor, category, tag string) {
			d.rec.Neutralized(vendor, category, tag)
			obs.Tracker(vendor, category, held)
		}
	}
	pr, _ := e.pool.Get().(*trackers.PageRewriter)
	if pr == nil {
		pr = e.neutralizer.Rewriter(d.Allowed, report).(*trackers.PageRewriter)
	} else {
		pr.Reset(e.neutralizer, d.Allowed, report)
	}
	return pr
}

// TagRewriterFor is TagRewriter with the page's facts set (see
// trackers.PageInfo: the page's host for first-party decisions, the
// visitor's language, and the callback for third-party hosts no vendor
// knows).
func (d *Decision) TagRewriterFor(p trackers.PageInfo) *trackers.PageRewriter {
	pr := d.TagRewriter()
	if pr != nil {
		pr.SetPage(p)
	}
	return pr
}

// ReleaseTagRewriter returns pr to the engine's pool.
func (e *Engine) ReleaseTagRewriter(pr *trackers.PageRewriter) {
	if pr != nil {
		pr.Reset(e.neutralizer, nil, nil)
		e.pool.Put(pr)
	}
}

// Decodable reports whether the gateway decodes a Content-Encoding to
// rewrite a page. Other encodings (br, deflate, stacked codings) pass
// through unmodified; cookies are enforced all the same.
func Decodable(enc string) bool {
	switch enc {
	case "gzip", "x-gzip", "zstd":
		return true
	}
	return false
}

// IsRewritableHTML accepts text/html in a charset that is a superset of
// ASCII (the scanner looks for ASCII markup); UTF-16/32 and EBCDIC pages
// pass through untouched.
func IsRewritableHTML(ct string) bool {
	if len(ct) < 9 || !strings.EqualFold(ct[:9], "text/html") {
		return false // the common case (JSON, images, CSS) without parsing
	}
	switch rest := ct[9:]; {
	case rest == "", strings.EqualFold(rest, "; charset=utf-8"), strings.EqualFold(rest, ";charset=utf-8"):
		return true // what nearly every page says, without parsing
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "text/html" {
		return false
	}
	cs := strings.ToLower(params["charset"])
	for _, p := range []string{"utf-16", "utf-32", "ucs", "utf-7", "ibm0", "cp0", "ebcdic"} {
		if strings.HasPrefix(cs, p) {
			return false
		}
	}
	return true
}

func hasToken(values []string, token string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
