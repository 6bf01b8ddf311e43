package banner

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"time"
)

type asset struct {
	body        []byte
	contentType string
	etag        string
	cache       string
}

const immutable = "public, max-age=31536000, immutable"

// buildAssets registers the script and stylesheet under their hashed
// names ("banner.<16 hex>.js", immutable) and their plain names
// ("banner.js", revalidated every time) for operators who link them
// themselves.
func (r *Renderer) buildAssets(css, js []byte) {
	r.assets = make(map[string]*asset, 4)
	add := func(ext, contentType string, body []byte) string {
		sum := sha256.Sum256(body)
		short := hex.EncodeToString(sum[:8])
		etag := `"` + hex.EncodeToString(sum[:16]) + `"`
		hashed := "banner." + short + "." + ext
		r.assets[hashed] = &asset{body: body, contentType: contentType, etag: etag, cache: immutable}
		r.assets["banner."+ext] = &asset{body: body, contentType: contentType, etag: etag, cache: "no-cache"}
		return r.endpoint + "/assets/" + hashed
	}
	r.scriptURL = add("js", "text/javascript; charset=utf-8", js)
	r.styleURL = add("css", "text/css; charset=utf-8", css)
}

// ServeAsset answers a request for "{endpoint}/assets/<name>". It reports
// false, writing nothing, when name is not one of its assets. Hashed names
// are cacheable for a year (immutable); every answer carries an ETag and
// If-None-Match yields 304. Methods other than GET and HEAD get 405.
func (r *Renderer) ServeAsset(w http.ResponseWriter, req *http.Request, name string) bool {
	a := r.assets[name]
	if a == nil {
		return false
	}
	h := w.Header()
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return true
	}
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", a.cache)
	h.Set("ETag", a.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, req, "", time.Time{}, bytes.NewReader(a.body))
	return true
}

// contentHash covers everything that decides what a visitor sees.
func (r *Renderer) contentHash(cfg Config, custom, css []byte) string {
	h := sha256.New()
	field := func(name string, val []byte) {
		fmt.Fprintf(h, "%s %d\n", name, len(val))
		h.Write(val)
		io.WriteString(h, "\n")
	}
	field("format", []byte("consentgate-banner/1"))
	field("template.banner", builtinBanner)
	field("template.control", builtinControl)
	field("template.preferences", builtinPreferences)
	if custom != nil {
		field("template.operator", custom)
	}
	field("css", css)
	field("js", builtinJS)
	field("endpoint", []byte(r.endpoint))
	field("notice_url", []byte(r.noticeURL))
	field("default_lang", []byte(r.defLang))
	field("settings_control", []byte(fmt.Sprint(r.settingsControl)))
	field("consent_mode", []byte(r.consentMode))
	if r.position != "bottom" {
		field("position", []byte(r.position)) // absent for the default: hashes of existing configs stay
	}
	for _, l := range r.langs {
		t := r.texts[l]
		t.each(func(key, val string) { field("text."+l+"."+key, []byte(val)) })
	}
	for _, l := range sortedKeys(builtinCategories) {
		m := builtinCategories[l]
		for _, name := range sortedKeys(m) {
			field("category."+l+"."+name+".label", []byte(m[name].Label))
			field("category."+l+"."+name+".description", []byte(m[name].Description))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
