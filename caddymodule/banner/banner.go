// Package banner renders the consent banner, the small settings control
// and the preference page, and serves their stylesheet and script.
//
// It knows nothing about Caddy: the gateway builds a View per request and
// calls Banner, SettingsControl or Preferences; it answers
// "{endpoint}/assets/…" with ServeAsset.
//
// Templates are html/template files executed with TemplateData. The
// built-in ones are embedded; Config.TemplateFile replaces the body of the
// "banner" template and may also redefine "control", "settings" (control
// plus its <link> and <script>) or "preferences" with {{define}} blocks.
//
// Banner and SettingsControl run on every HTML page. Their output is
// pre-rendered once per language, flags and category list, with markers in
// place of the per-request strings (Return, Nonce, ConsentID,
// PolicyVersion); a request then only copies the cached pieces and escapes
// those strings exactly as html/template would. This needs templates that
// only print those strings or test them for emptiness, which New checks;
// an operator template that does more is executed on every call instead
// (PreRendered tells).
package banner

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"io"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/template/parse"

	"html/template"
)

//go:embed templates/banner.html.tmpl templates/control.html.tmpl templates/preferences.html.tmpl assets/banner.css assets/banner.js
var files embed.FS

func mustRead(name string) []byte {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

var (
	builtinBanner      = mustRead("templates/banner.html.tmpl")
	builtinControl     = mustRead("templates/control.html.tmpl")
	builtinPreferences = mustRead("templates/preferences.html.tmpl")
	builtinCSS         = mustRead("assets/banner.css")
	builtinJS          = mustRead("assets/banner.js")
)

// DefaultEndpoint is the base path of the gateway's own endpoints.
const DefaultEndpoint = "/_consent"

// Category is one consent category as the visitor sees it.
type Category struct {
	Name        string   // form value, e.g. "analytics"
	Label       string   // "" = built-in translation for the four built-in categories, else Name
	Description string   // "" = built-in translation for the four built-in categories
	Required    bool     // always on (shown checked and disabled)
	Cookies     []string // cookie pattern sources shown to the visitor
	Granted     bool     // the visitor's current choice (only shown when View.HasConsent)
}

// Config configures a Renderer.
type Config struct {
	Endpoint        string                       // base path, default "/_consent"
	NoticeURL       string                       // link to the cookie notice; "" = no link
	DefaultLang     string                       // default "en"
	Texts           map[string]string            // overrides by key (see TextKeys), every language
	LangTexts       map[string]map[string]string // overrides per language: lang -> key -> text; a new lang adds a language
	TemplateFile    string                       // operator template replacing the built-in "banner" template
	StylesheetFile  string                       // operator CSS replacing the built-in stylesheet
	SettingsControl bool                         // render the settings control (also hidden inside the banner, shown after a choice)
	Position        string                       // "bottom" (default: a bar along the bottom), "box" (a box in the bottom corner) or "center" (centered card)

	// ConsentMode maps Google Consent Mode signals to the categories that
	// must all be granted for the signal to be "granted", e.g.
	// {"analytics_storage": ["analytics"], "ad_storage": ["advertising"]}.
	// It is written as JSON into the banner root's data-consent-mode
	// attribute; the script calls gtag('consent', 'update', …) with it.
	ConsentMode map[string][]string
}

// View holds the per-request values.
type View struct {
	Lang          string // chosen by Negotiate
	Categories    []Category
	Return        string // path+query to return to, validated same-origin by the caller
	PolicyVersion string
	ConsentID     string
	HasConsent    bool
	GPC           bool   // the request carries Sec-GPC: 1
	Nonce         string // CSP nonce for our <script> and <link>; "" = none
	Profile       string // regional profile: "" or "eu" (opt-in banner), "uk" (objection notice), "us" (privacy choices link)
}

// TemplateData is the data the templates are executed with.
type TemplateData struct {
	Lang            string
	T               Texts // texts in Lang
	Endpoint        string
	NoticeURL       string
	ScriptURL       string
	StyleURL        string
	ConsentMode     string // JSON for data-consent-mode; "" when not configured
	SettingsControl bool
	Position        string // bottom, box or center
	InBanner        bool   // the control is rendered inside the banner (hidden until a choice is made)
	Categories      []TemplateCategory
	Return          string
	PolicyVersion   string
	ConsentID       string
	Nonce           string
	HasConsent      bool
	GPC             bool
	Profile         string
}

// TemplateCategory is a Category with what the templates need besides.
type TemplateCategory struct {
	Category
	ID      string // "cg-cat-<index>", unique within the page
	Checked bool   // Required, or granted by the visitor's own earlier choice; never pre-ticked otherwise
}

// Renderer renders the banner, the settings control and the preference
// page. It is safe for concurrent use.
type Renderer struct {
	endpoint        string
	noticeURL       string
	consentMode     string
	defLang         string
	settingsControl bool
	position        string
	langs           []string          // sorted; index = bit in Negotiate's masks
	texts           map[string]*Texts // by lang

	tmpl      *template.Template
	spliceOff string // why Banner and SettingsControl execute the template per call ("" = they do not)

	assets    map[string]*asset
	scriptURL string
	styleURL  string
	hash      string

	seed   maphash.Seed
	cache  sync.Map // fastKey -> *fastEntry
	cached atomic.Int32
}

// maxLanguages bounds the language list (Negotiate keeps bit masks).
const maxLanguages = 64

var (
	langRe   = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{1,8}){0,3}$`)
	signalRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

// New validates cfg, loads and parses the templates and files and hashes
// the assets. Errors name the offending option or file and say why.
func New(cfg Config) (*Renderer, error) {
	r := &Renderer{seed: maphash.MakeSeed(), settingsControl: cfg.SettingsControl}

	ep, err := cleanEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	r.endpoint = ep

	if err := checkNoticeURL(cfg.NoticeURL); err != nil {
		return nil, err
	}
	r.noticeURL = cfg.NoticeURL

	switch cfg.Position {
	case "", "bottom":
		r.position = "bottom"
	case "box", "center":
		r.position = cfg.Position
	default:
		return nil, fmt.Errorf("banner: position %q: use bottom, box or center", cfg.Position)
	}

	if len(cfg.ConsentMode) > 0 {
		for sig, cats := range cfg.ConsentMode {
			if !signalRe.MatchString(sig) {
				return nil, fmt.Errorf("banner: consent mode signal %q: want lower-case letters, digits and _ (e.g. analytics_storage)", sig)
			}
			if len(cats) == 0 {
				return nil, fmt.Errorf("banner: consent mode signal %q: no categories", sig)
			}
			for _, c := range cats {
				if c == "" || strings.ContainsAny(c, " \t\r\n") {
					return nil, fmt.Errorf("banner: consent mode signal %q: category name %q is empty or has spaces", sig, c)
				}
			}
		}
		b, err := json.Marshal(cfg.ConsentMode) // map keys come out sorted
		if err != nil {
			return nil, fmt.Errorf("banner: consent mode: %v", err)
		}
		r.consentMode = string(b)
	}

	if err := r.buildTexts(cfg); err != nil {
		return nil, err
	}

	css := builtinCSS
	if cfg.StylesheetFile != "" {
		b, err := os.ReadFile(cfg.StylesheetFile)
		if err != nil {
			return nil, fmt.Errorf("banner: stylesheet_file %q: %v", cfg.StylesheetFile, err)
		}
		if len(bytes.TrimSpace(b)) == 0 {
			return nil, fmt.Errorf("banner: stylesheet_file %q: the file is empty", cfg.StylesheetFile)
		}
		css = b
	}
	r.buildAssets(css, builtinJS)

	var custom []byte
	if cfg.TemplateFile != "" {
		b, err := os.ReadFile(cfg.TemplateFile)
		if err != nil {
			return nil, fmt.Errorf("banner: template_file %q: %v", cfg.TemplateFile, err)
		}
		custom = b
	}
	if err := r.parseTemplates(custom, cfg.TemplateFile); err != nil {
		return nil, err
	}

	r.hash = r.contentHash(cfg, custom, css)
	return r, nil
}

func cleanEndpoint(ep string) (string, error) {
	if ep == "" {
		return DefaultEndpoint, nil
	}
	if len(ep) > 1 {
		ep = strings.TrimRight(ep, "/")
	}
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("banner: endpoint %q: %s", ep, why)
	}
	switch {
	case !strings.HasPrefix(ep, "/") || strings.HasPrefix(ep, "//"):
		return bad("must be an absolute path such as /_consent")
	case ep == "/":
		return bad("must not be the site root")
	case strings.Contains(ep, ".."):
		return bad("must not contain ..")
	}
	for _, c := range []byte(ep) {
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("/-._~", c) >= 0
		if !ok {
			return bad("only letters, digits and / - . _ ~ are allowed")
		}
	}
	return ep, nil
}

func checkNoticeURL(s string) error {
	if s == "" {
		return nil
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c == 0x7f {
			return fmt.Errorf("banner: notice_url %q: contains spaces or control characters", s)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("banner: notice_url %q: %v", s, err)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return fmt.Errorf("banner: notice_url %q: no host", s)
		}
	case "":
		if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") {
			return fmt.Errorf("banner: notice_url %q: use an absolute path (/cookies) or an http(s) URL", s)
		}
	default:
		return fmt.Errorf("banner: notice_url %q: scheme %q is not allowed, use http or https", s, u.Scheme)
	}
	return nil
}

func normLang(l string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(l), "_", "-"))
}

func (r *Renderer) buildTexts(cfg Config) error {
	def := normLang(cfg.DefaultLang)
	if def == "" {
		def = "en"
	}
	if !langRe.MatchString(def) {
		return fmt.Errorf("banner: default_lang %q is not a language tag such as en or pt-br", cfg.DefaultLang)
	}

	r.texts = make(map[string]*Texts, len(builtinTexts)+len(cfg.LangTexts))
	for l, t := range builtinTexts {
		t := t
		r.texts[l] = &t
	}
	// base returns the built-in texts a new language starts from: its
	// primary language if built in, else the default language, else English.
	base := func(l string) Texts {
		if p, _, _ := strings.Cut(l, "-"); builtinTexts[p].Title != "" {
			return builtinTexts[p]
		}
		if p, _, _ := strings.Cut(def, "-"); builtinTexts[p].Title != "" {
			return builtinTexts[p]
		}
		return builtinTexts["en"]
	}

	langKeys := sortedKeys(cfg.LangTexts)
	seen := map[string]string{}
	for _, raw := range langKeys {
		l := normLang(raw)
		if !langRe.MatchString(l) {
			return fmt.Errorf("banner: lang_texts: %q is not a language tag such as de or pt-br", raw)
		}
		if prev, dup := seen[l]; dup {
			return fmt.Errorf("banner: lang_texts: %q and %q name the same language", prev, raw)
		}
		seen[l] = raw
		if r.texts[l] == nil {
			t := base(l)
			r.texts[l] = &t
		}
	}
	if len(r.texts) > maxLanguages {
		return fmt.Errorf("banner: lang_texts: at most %d languages are supported", maxLanguages)
	}

	apply := func(where string, t *Texts, overrides map[string]string) error {
		for _, k := range sortedKeys(overrides) {
			v := overrides[k]
			if strings.TrimSpace(v) == "" {
				return fmt.Errorf("banner: %s: text %q is empty", where, k)
			}
			if !t.set(k, v) {
				return fmt.Errorf("banner: %s: unknown text key %q; valid keys: %s", where, k, strings.Join(TextKeys(), ", "))
			}
		}
		return nil
	}
	for _, t := range r.texts {
		if err := apply("texts", t, cfg.Texts); err != nil {
			return err
		}
	}
	for _, raw := range langKeys {
		if err := apply("lang_texts "+raw, r.texts[normLang(raw)], cfg.LangTexts[raw]); err != nil {
			return err
		}
	}

	r.langs = make([]string, 0, len(r.texts))
	for l := range r.texts {
		r.langs = append(r.langs, l)
	}
	sort.Strings(r.langs)

	i := r.match(def)
	if i < 0 {
		return fmt.Errorf("banner: default_lang %q has no texts; built-in languages are %s (add others with lang_texts)", cfg.DefaultLang, strings.Join(Languages(), ", "))
	}
	r.defLang = r.langs[i]
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var funcs = template.FuncMap{"join": strings.Join}

func (r *Renderer) parseTemplates(custom []byte, customName string) error {
	root := template.New("banner").Funcs(funcs)
	if _, err := root.New("control.html.tmpl").Parse(string(builtinControl)); err != nil {
		return fmt.Errorf("banner: built-in control template: %v", err)
	}
	if _, err := root.New("preferences.html.tmpl").Parse(string(builtinPreferences)); err != nil {
		return fmt.Errorf("banner: built-in preferences template: %v", err)
	}
	src, where := builtinBanner, "built-in banner template"
	if custom != nil {
		src, where = custom, fmt.Sprintf("template_file %q", customName)
	}
	if _, err := root.Parse(string(src)); err != nil {
		return fmt.Errorf("banner: %s: %v", where, err)
	}
	if t := root.Lookup("banner"); t == nil || t.Tree == nil || parse.IsEmptyTree(t.Tree.Root) {
		return fmt.Errorf("banner: %s: the banner template is empty", where)
	}
	r.tmpl = root
	if err := checkSpliceable(root); err != nil {
		if custom == nil {
			return fmt.Errorf("banner: built-in templates cannot be pre-rendered: %v", err)
		}
		r.spliceOff = err.Error()
	}

	// Execute every template once with sample data so that missing fields,
	// bad function calls and escaping errors surface now, not per request.
	sample := View{
		Lang: r.defLang, Return: "/sample?x=1", PolicyVersion: "1", ConsentID: "sample",
		Nonce: "bm9uY2U=", GPC: true, HasConsent: true,
		Categories: []Category{
			{Name: "necessary", Required: true, Granted: true, Cookies: []string{"session"}},
			{Name: "analytics", Granted: true, Cookies: []string{"_ga", "_ga_*"}},
			{Name: "custom", Label: "Custom", Description: "Custom category"},
		},
	}
	for _, s := range []View{sample, {Lang: r.defLang}} {
		for _, name := range []string{"banner", "settings", "preferences"} {
			d := r.data(r.defLang, &s, name == "banner")
			if err := r.tmpl.ExecuteTemplate(io.Discard, name, d); err != nil {
				if custom != nil {
					return fmt.Errorf("banner: %s: executing %q with sample data: %v", where, name, err)
				}
				return fmt.Errorf("banner: built-in template %q: %v", name, err)
			}
		}
	}
	return nil
}

// data builds the template data for lang and v.
func (r *Renderer) data(lang string, v *View, inBanner bool) *TemplateData {
	cats := make([]TemplateCategory, len(v.Categories))
	for i, c := range v.Categories {
		if c.Label == "" || c.Description == "" {
			l, desc, ok := CategoryText(lang, c.Name)
			if c.Label == "" {
				c.Label = c.Name
				if ok {
					c.Label = l
				}
			}
			if c.Description == "" && ok {
				c.Description = desc
			}
		}
		cats[i] = TemplateCategory{
			Category: c,
			ID:       "cg-cat-" + strconv.Itoa(i),
			Checked:  c.Required || (v.HasConsent && c.Granted),
		}
	}
	return &TemplateData{
		Lang:            lang,
		T:               *r.texts[lang],
		Endpoint:        r.endpoint,
		NoticeURL:       r.noticeURL,
		ScriptURL:       r.scriptURL,
		StyleURL:        r.styleURL,
		ConsentMode:     r.consentMode,
		SettingsControl: r.settingsControl,
		Position:        r.position,
		InBanner:        inBanner,
		Categories:      cats,
		Return:          v.Return,
		PolicyVersion:   v.PolicyVersion,
		ConsentID:       v.ConsentID,
		Nonce:           v.Nonce,
		HasConsent:      v.HasConsent,
		GPC:             v.GPC,
		Profile:         v.Profile,
	}
}

// lang maps View.Lang to a language with texts.
func (r *Renderer) lang(l string) string {
	if _, ok := r.texts[l]; ok {
		return l
	}
	if len(l) <= 64 {
		if i := r.match(l); i >= 0 {
			return r.langs[i]
		}
	}
	return r.defLang
}

// Banner writes the banner fragment (to be inserted right after <body>):
// stylesheet link, the banner, the hidden settings control and the script.
func (r *Renderer) Banner(w io.Writer, v View) error {
	return r.render(w, tmplBanner, &v)
}

// SettingsControl writes the small "Cookie settings" control with its
// stylesheet link and script. It writes nothing when Config.SettingsControl
// is false.
func (r *Renderer) SettingsControl(w io.Writer, v View) error {
	if !r.settingsControl {
		return nil
	}
	return r.render(w, tmplSettings, &v)
}

// Preferences writes the complete preference page.
func (r *Renderer) Preferences(w io.Writer, v View) error {
	return r.execute(w, "preferences", r.data(r.lang(v.Lang), &v, false))
}

// ScriptURL returns the path of the hashed script.
func (r *Renderer) ScriptURL() string { return r.scriptURL }

// StyleURL returns the path of the hashed stylesheet.
func (r *Renderer) StyleURL() string { return r.styleURL }

// ContentHash is the SHA-256 (hex) over the templates, every text of every
// language, the built-in category translations, the stylesheet, the script
// and the rendering options. Category labels configured by the operator
// arrive per request and are not part of it.
func (r *Renderer) ContentHash() string { return r.hash }

// Languages returns the languages the renderer has texts for, sorted.
func (r *Renderer) Languages() []string { return append([]string(nil), r.langs...) }

// PreRendered reports whether Banner and SettingsControl use pre-rendered
// output and, if not, why.
func (r *Renderer) PreRendered() (bool, string) { return r.spliceOff == "", r.spliceOff }

// DefaultLang returns the language used when negotiation finds no match.
func (r *Renderer) DefaultLang() string { return r.defLang }

// Texts returns the texts shown in lang (after overrides).
func (r *Renderer) Texts(lang string) Texts { return *r.texts[r.lang(lang)] }

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

func putBuf(bp *[]byte, b []byte) {
	if cap(b) <= 64<<10 {
		*bp = b[:0]
		bufPool.Put(bp)
	}
}

// execute runs a template into a buffer first, so that a failing template
// never leaves half a banner in the page.
func (r *Renderer) execute(w io.Writer, name string, d *TemplateData) error {
	bp := bufPool.Get().(*[]byte)
	buf := bytes.NewBuffer((*bp)[:0])
	err := r.tmpl.ExecuteTemplate(buf, name, d)
	if err == nil {
		_, err = w.Write(buf.Bytes())
	} else {
		err = fmt.Errorf("banner: rendering %s: %w", name, err)
	}
	putBuf(bp, buf.Bytes())
	return err
}
