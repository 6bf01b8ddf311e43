package caddymodule

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"

	"github.com/consentgate/caddy-consent/caddymodule/audit"
	"github.com/consentgate/caddy-consent/caddymodule/banner"
	"github.com/consentgate/caddy-consent/caddymodule/enforce"
	"github.com/consentgate/caddy-consent/caddymodule/inventory"
	"github.com/consentgate/caddy-consent/caddymodule/policy"
	"github.com/consentgate/caddy-consent/caddymodule/trackers"
)

// The cookie declaration: the gateway observes the Set-Cookie lines that
// reach browsers and the tracker tags it holds back (package inventory),
// keeps the list in Caddy's storage across restarts, publishes it at
// GET {endpoint}/cookies and shows the observed names in the banner's
// category lists.

// inventoryPrefix is the storage folder of the observed-cookie lists.
const inventoryPrefix = "consent/inventory/"

// Bounds of the adapter's own memory.
const (
	// maxUnknownHosts bounds the third-party hosts remembered so each
	// tracker_unclassified event is logged once.
	maxUnknownHosts = 1000
	// maxVendorHosts bounds the hosts listed per held-back vendor.
	maxVendorHosts = 3
	// shownRefresh is how often the banner's lists follow the inventory.
	shownRefresh = time.Minute
)

// stores shares one inventory per storage key across config reloads
// (the new configuration provisions before the old one is cleaned up)
// and across handlers with the same key, so none overwrites another's.
var stores = caddy.NewUsagePool()

// sharedStore is one inventory and its persistence loop.
type sharedStore struct {
	store  *inventory.Store
	st     inventory.Storage
	key    string
	cancel context.CancelFunc
	done   chan struct{}
}

// Destruct stops the persistence loop and saves (the last reference went).
func (s *sharedStore) Destruct() error {
	s.cancel()
	<-s.done
	return s.store.Save(s.st, s.key)
}

// certStorage adapts Caddy's storage to inventory.Storage.
type certStorage struct{ s certmagic.Storage }

func (c certStorage) Load(key string) ([]byte, error) { return c.s.Load(context.Background(), key) }
func (c certStorage) Store(key string, b []byte) error {
	return c.s.Store(context.Background(), key, b)
}

// inventoryState is what a handler keeps for the declaration.
type inventoryState struct {
	store *inventory.Store
	st    inventory.Storage
	key   string
	// vendors maps a vendor name to its title and a few of its hosts.
	vendors map[string]vendorHosts
	// unknown remembers the third-party hosts already logged.
	unknownMu   sync.Mutex
	unknown     map[string]struct{}
	unknownFull bool
	// shown caches the banner's category lists.
	shown  atomic.Pointer[shownLists]
	shownM sync.Mutex
}

type vendorHosts struct {
	title string
	hosts []string
}

// shownLists are the banner's category lists built from the inventory at
// generation gen, per banner language.
type shownLists struct {
	gen    uint64
	at     time.Time
	byLang map[string][][]string
}

// storageOf returns Caddy's storage, nil when the context has none (a
// bare context in unit tests).
func storageOf(ctx caddy.Context) (st certmagic.Storage) {
	defer func() {
		if recover() != nil {
			st = nil
		}
	}()
	return ctx.Storage()
}

// inventoryKey names the storage of this configuration's list: what
// decides a cookie's category (categories, presets, vendors, unknown
// cookies, database) and the endpoint. A change there starts a new list,
// so no stale category is published.
func (h *Handler) inventoryKey() string {
	b, _ := json.Marshal(struct {
		Endpoint, Cookie, Unknown, Database, PresetsDefault string
		Categories, Presets, PresetsDisabled, Vendors       any
	}{h.Endpoint, h.Cookie.Name, h.UnknownCookies, h.CookieDatabase, h.PresetsDefault,
		h.Categories, h.Presets, h.PresetsDisabled, h.Vendors})
	sum := sha256.Sum256(b)
	return inventoryPrefix + hex.EncodeToString(sum[:12]) + ".json"
}

// provisionInventory loads (or creates) the observed-cookie list, starts
// saving it at most once a minute and tells the engine to observe.
func (h *Handler) provisionInventory(ctx caddy.Context) error {
	inv := &inventoryState{key: h.inventoryKey(), vendors: map[string]vendorHosts{}, unknown: map[string]struct{}{}}
	if cs := storageOf(ctx); cs != nil {
		inv.st = certStorage{cs}
	}
	logger := h.logger
	if inv.st == nil {
		// No storage (a bare context): a list of this handler's own.
		inv.store = inventory.New(inventory.Options{})
	} else {
		v, _, err := stores.LoadOrNew(inv.key, func() (caddy.Destructor, error) {
			s := &sharedStore{store: inventory.New(inventory.Options{}), st: inv.st, key: inv.key, done: make(chan struct{})}
			if err := s.store.Load(s.st, s.key); err != nil {
				// A damaged list must not stop the site: start afresh
				// (the next save replaces it).
				logger.Warn("cookie inventory unreadable; starting a new one", zap.String("storage_key", s.key), zap.Error(err))
			}
			pctx, cancel := context.WithCancel(context.Background())
			s.cancel = cancel
			go func() {
				defer close(s.done)
				s.store.Persist(pctx, s.st, s.key, time.Minute, func(err error) {
					logger.Warn("saving the cookie inventory failed", zap.String("storage_key", s.key), zap.Error(err))
				})
			}()
			return s, nil
		})
		if err != nil {
			return err
		}
		inv.store = v.(*sharedStore).store
	}
	for _, vd := range h.engine.EnabledVendors() {
		vh := vendorHosts{title: vd.Title}
		for _, list := range [][]string{vd.ScriptHosts, vd.PixelHosts, vd.EmbedHosts} {
			for _, host := range list {
				host = strings.TrimPrefix(host, ".")
				if len(vh.hosts) < maxVendorHosts && host != "" && !containsString(vh.hosts, host) {
					vh.hosts = append(vh.hosts, host)
				}
			}
		}
		if len(vh.hosts) > 0 {
			inv.vendors[vd.Name] = vh
		}
	}
	h.inv = inv
	h.engine.SetObserver(inv)
	return nil
}

// cleanupInventory saves the list and releases this handler's reference
// (the last one stops the persistence loop).
func (h *Handler) cleanupInventory() {
	inv := h.inv
	if inv == nil {
		return
	}
	h.inv = nil
	if inv.st == nil {
		return
	}
	if err := inv.store.Save(inv.st, inv.key); err != nil {
		h.logger.Warn("saving the cookie inventory failed", zap.String("storage_key", inv.key), zap.Error(err))
	}
	if _, err := stores.Delete(inv.key); err != nil {
		h.logger.Warn("saving the cookie inventory failed", zap.String("storage_key", inv.key), zap.Error(err))
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SetCookie implements enforce.Observer: the attributes are read from the
// line, never the value. The lifetime is Max-Age when present (≤ 0: a
// deletion), else Expires − now (past: a deletion), else the session.
func (inv *inventoryState) SetCookie(name, category, line string) {
	now := time.Now()
	attrPart := ""
	if i := strings.IndexByte(line, ';'); i >= 0 {
		attrPart = line[i:]
	}
	inv.store.ObserveSetCookieLine(name, category, attrPart, func() inventory.Attrs {
		a := audit.SetCookieAttrs(line, now)
		return inventory.Attrs{
			HttpOnly: a.HttpOnly, Secure: a.Secure, SameSite: a.SameSite,
			MaxAgeSeconds: a.Lifetime, Domain: a.Domain, Path: a.Path,
		}
	}, now)
}

// Tracker implements enforce.Observer: the tags of vendor were held back
// (or, in report mode, would have been). The declaration lists the
// vendor with its main hosts.
func (inv *inventoryState) Tracker(vendor, category string, held bool) {
	vh, ok := inv.vendors[vendor]
	if !ok {
		return
	}
	now := time.Now()
	for _, host := range vh.hosts {
		inv.store.ObserveHost(host, vh.title, category, held, now)
	}
}

// firstUnknown reports whether host is logged for the first time. It
// remembers at most maxUnknownHosts hosts; full is true once, when that
// bound is reached.
func (inv *inventoryState) firstUnknown(host string) (first, full bool) {
	inv.unknownMu.Lock()
	defer inv.unknownMu.Unlock()
	if _, ok := inv.unknown[host]; ok || inv.unknownFull {
		return false, false
	}
	if len(inv.unknown) >= maxUnknownHosts {
		inv.unknownFull = true
		return false, true
	}
	inv.unknown[strings.Clone(host)] = struct{}{}
	return true, false
}

// tagRewriter returns the response's tag rewriter (nil when none is
// needed) with the page's facts: its host (so the site's own URLs are
// first party), the visitor's language (embed placeholders), and the
// logging of third-party hosts no vendor knows (tracker_unclassified,
// once per host). The response writer calls it instead of
// x.d.TagRewriter().
func (h *Handler) tagRewriter(x *exchange) *trackers.PageRewriter {
	host := x.r.Host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		host = hh
	}
	page := trackers.PageInfo{Host: strings.ToLower(strings.TrimSuffix(host, "."))}
	if h.renderer != nil {
		page.Lang = h.renderer.Negotiate(x.r.Header.Get("Accept-Language"))
	}
	if inv := h.inv; inv != nil {
		page.Unknown = func(host, tag string) { h.logUnknownTracker(x, host, tag) }
	}
	return x.d.TagRewriterFor(page)
}

// logUnknownTracker logs tracker_unclassified the first time a page
// loads something from a third-party host no preset or vendor knows.
func (h *Handler) logUnknownTracker(x *exchange, host, tag string) {
	if x.unknownLogged >= maxLinesPerKind {
		return // the host is reported by a later page
	}
	first, full := h.inv.firstUnknown(host)
	if first {
		x.unknownLogged++
	}
	if full {
		h.logger.Warn(audit.TrackerUnclassified, zap.String("note", "too many distinct unclassified third-party hosts; no longer reporting new ones until the next config load"))
	}
	if first {
		h.logger.Info(audit.TrackerUnclassified, append(x.fields(), zap.String("tracker_host", host), zap.String("tag", tag))...)
	}
}

// cookieFacts is the inventory's source of vendor and typical retention:
// the built-in Open Cookie Database. The category is never taken from
// it: the declaration shows the category the engine decided.
func cookieFacts(name string) (vendor, purpose, retention string, ok bool) {
	f, ok := policy.CookieFacts(name)
	if !ok {
		return "", "", "", false
	}
	return f.Vendor, "", f.Retention, true
}

// declarationCategories lists the configured categories for the
// declaration. Built-in categories the operator did not relabel are left
// empty so the renderer fills them in the page's language.
func (h *Handler) declarationCategories(lang string) []inventory.CategoryInfo {
	cats := h.policy.Categories()
	out := make([]inventory.CategoryInfo, len(cats))
	for i, c := range cats {
		out[i] = inventory.CategoryInfo{Name: c.Name, Required: c.Required}
		if cc, ok := h.categoryConfig(c.Name); ok && (len(cc.LangLabels) > 0 || len(cc.LangDescriptions) > 0) {
			// The operator's per-language texts (categoryTexts falls back
			// to their default texts or the built-in translation).
			out[i].Label, out[i].Description = h.categoryTexts(c.Name, c.Label, c.Description, lang)
			continue
		}
		if _, _, builtin := banner.CategoryText("en", c.Name); h.customizedTexts[c.Name] || !builtin || h.renderer == nil {
			out[i].Label, out[i].Description = c.Label, c.Description
		}
	}
	return out
}

// serveDeclaration answers GET|HEAD {endpoint}/cookies: the cookies the
// site was seen to set per category, with vendor, purpose and retention,
// and the trackers held back. HTML, or JSON when the client prefers
// application/json (only JSON when the banner is off: the page would
// carry the banner's look).
func (h *Handler) serveDeclaration(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return plainError(w, http.StatusMethodNotAllowed, "use GET")
	}
	inv := h.inv
	if inv == nil {
		return plainError(w, http.StatusNotFound, "no cookie declaration")
	}
	lang := "en"
	if h.renderer != nil {
		lang = h.renderer.DeclarationLang(h.renderer.Negotiate(r.Header.Get("Accept-Language")))
	}
	d := inv.store.DeclarationIn(lang, h.declarationCategories(lang), cookieFacts)
	htmlOK := h.renderer != nil && h.engine.BannerOn()
	hdr := w.Header()
	hdr.Set("Vary", "Accept, Accept-Language")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "public, max-age=300")
	if !htmlOK || wantsJSON(r.Header.Get("Accept")) {
		if h.renderer != nil {
			h.renderer.FillDeclaration(lang, &d)
		}
		hdr.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodHead {
			return nil
		}
		return json.NewEncoder(w).Encode(d)
	}
	var buf strings.Builder
	err := h.renderer.Declaration(&buf, banner.DeclarationView{
		Lang: lang, Return: enforce.SafeReturn(r.URL.Query().Get("return")),
		PolicyVersion: h.PolicyVersion, Declaration: d,
	})
	if err != nil {
		return plainError(w, http.StatusInternalServerError, "could not render the page")
	}
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("X-Frame-Options", "SAMEORIGIN")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(buf.String()))
	}
	return nil
}

// wantsJSON reports whether an Accept header prefers JSON to HTML: it
// names application/json (or +json) and does not name text/html with a
// higher or equal quality before it.
func wantsJSON(accept string) bool {
	jsonQ, htmlQ := -1.0, -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				q = parseQ(strings.TrimSpace(v))
			}
		}
		switch {
		case mt == "application/json" || strings.HasSuffix(mt, "+json"):
			jsonQ = max(jsonQ, q)
		case mt == "text/html":
			htmlQ = max(htmlQ, q)
		}
	}
	return jsonQ > 0 && jsonQ >= htmlQ
}

// parseQ reads a quality value ("0", "0.5", "1"); bad ones count as 0.
func parseQ(v string) float64 {
	if v == "" {
		return 0
	}
	q, frac, scale := 0.0, false, 0.1
	for _, c := range v {
		switch {
		case c == '.' && !frac:
			frac = true
		case c >= '0' && c <= '9' && !frac:
			q = q*10 + float64(c-'0')
		case c >= '0' && c <= '9':
			q += float64(c-'0') * scale
			scale /= 10
		default:
			return 0
		}
	}
	return min(q, 1)
}

// shownCookiesFor returns the names the banner lists for category i in
// lang: once the site was seen setting cookies, the observed names with
// their retention (categories with none observed keep the operator's
// patterns); before that, the operator's patterns. The lists follow the
// inventory at most once a minute.
func (h *Handler) shownCookiesFor(lang string, i int) []string {
	inv := h.inv
	if inv == nil || inv.store.Stats().Names == 0 {
		return h.shownCookies[i]
	}
	lists := inv.shownIn(h, lang)
	if i < len(lists) {
		return lists[i]
	}
	return h.shownCookies[i]
}

// shownIn returns the cached lists for lang, rebuilding them when the
// inventory changed and the cache is older than shownRefresh. The cache
// holds one entry per banner language, so its size is bounded.
func (inv *inventoryState) shownIn(h *Handler, lang string) [][]string {
	gen, now := inv.store.Generation(), time.Now()
	c := inv.shown.Load()
	fresh := c != nil && (c.gen == gen || now.Sub(c.at) < shownRefresh)
	if fresh {
		if l, ok := c.byLang[lang]; ok {
			return l
		}
	}
	inv.shownM.Lock()
	defer inv.shownM.Unlock()
	if c2 := inv.shown.Load(); c2 != c { // another request rebuilt it
		if l, ok := c2.byLang[lang]; ok {
			return l
		}
		c, fresh = c2, c2.gen == gen || now.Sub(c2.at) < shownRefresh
	}
	next := &shownLists{gen: gen, at: now, byLang: map[string][][]string{}}
	if fresh {
		next.gen, next.at = c.gen, c.at
		for k, v := range c.byLang {
			next.byLang[k] = v
		}
	}
	obs := inv.store.Observed(lang, cookieFacts)
	cats := h.policy.Categories()
	lists := make([][]string, len(cats))
	for i, cat := range cats {
		if cs := obs[cat.Name]; len(cs) > 0 {
			lists[i] = inventory.ShownNames(cs, maxShownCookies)
		} else {
			lists[i] = h.shownCookies[i]
		}
	}
	next.byLang[lang] = lists
	inv.shown.Store(next)
	return lists
}

// observeConsentCookie records the gateway's own consent cookie, which the
// declaration lists under necessary like any cookie the site sets.
func (h *Handler) observeConsentCookie(c *http.Cookie) {
	if h.inv != nil {
		h.inv.SetCookie(c.Name, "necessary", c.String())
	}
}
