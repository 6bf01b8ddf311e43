package caddymodule

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/consentgate/caddy-consent/caddymodule/banner"
	"github.com/consentgate/caddy-consent/caddymodule/config"
	"github.com/consentgate/caddy-consent/caddymodule/csp"
	"github.com/consentgate/caddy-consent/caddymodule/enforce"
	"github.com/consentgate/caddy-consent/caddymodule/policy"
)

func (h *Handler) provisionBanner() error {
	cfg := banner.Config{Endpoint: h.Endpoint, DefaultLang: "en", SettingsControl: true}
	if b := h.Banner; b != nil {
		cfg.NoticeURL = b.NoticeURL
		if b.DefaultLang != "" {
			cfg.DefaultLang = b.DefaultLang
		}
		cfg.SettingsControl = !b.NoSettingsControl
		cfg.Position = b.Position
		cfg.TemplateFile = b.TemplateFile
		cfg.StylesheetFile = b.StylesheetFile
		cfg.Texts = b.Texts
		cfg.LangTexts = b.LangTexts
	}
	if cm := h.engine.ConsentMode(); cm != nil {
		cfg.ConsentMode = cm
	}
	h.shownCookies = cookiesToShow(h.policy.Categories(), h.engine.OperatorCookies())
	r, err := banner.New(cfg)
	if err != nil {
		return fmt.Errorf("consent: banner: %v", err)
	}
	h.renderer = r
	return nil
}

// view builds what the banner templates show for this visitor.
func (h *Handler) view(r *http.Request, v *enforce.Decision, returnPath, nonce string) banner.View {
	lang := h.renderer.Negotiate(r.Header.Get("Accept-Language"))
	cats := h.policy.Categories()
	out := make([]banner.Category, len(cats))
	for i, c := range cats {
		label, desc := h.categoryTexts(c.Name, c.Label, c.Description, lang)
		out[i] = banner.Category{
			Name:        c.Name,
			Label:       label,
			Description: desc,
			Required:    c.Required,
			Cookies:     h.shownCookiesFor(lang, i),
			Granted:     c.Required || ((v.HasConsent || v.BeforeChoiceAllowed()) && v.Granted.Has(i)),
		}
	}
	return banner.View{
		Lang:          lang,
		Categories:    out,
		Return:        returnPath,
		PolicyVersion: h.PolicyVersion,
		ConsentID:     v.ConsentID(),
		HasConsent:    v.HasConsent,
		GPC:           v.GPC,
		Nonce:         nonce,
		Profile:       v.Profile,
	}
}

// maxShownCookies bounds how many cookie names a category lists in the
// banner, so a site that sets many cookies does not bury the choice.
const maxShownCookies = 12

// cookiesToShow lists, per category, the patterns the operator wrote (and
// presets the operator named), at most maxShownCookies with a count of the
// rest. The built-in lists are not shown: they name about a hundred
// cookies of frameworks a given site does not use. Once the gateway has
// seen the site set cookies, the banner lists those instead
// (shownCookiesFor).
func cookiesToShow(cats []policy.Category, operator map[string][]string) [][]string {
	out := make([][]string, len(cats))
	for i, c := range cats {
		seen := make(map[string]bool)
		var list []string
		for _, p := range operator[c.Name] {
			if !seen[p] {
				seen[p] = true
				list = append(list, p)
			}
		}
		if len(list) > maxShownCookies {
			rest := len(list) - maxShownCookies
			list = append(list[:maxShownCookies:maxShownCookies], fmt.Sprintf("… (+%d)", rest))
		}
		out[i] = list
	}
	return out
}

// categoryTexts returns the label and description in the visitor's
// language: operator-written texts win; built-in categories the operator
// did not relabel use the banner's translations.
func (h *Handler) categoryTexts(name, label, desc, lang string) (string, string) {
	if cc, ok := h.categoryConfig(name); ok {
		// The operator's per-language texts, for the language or its base
		// ("de-CH" → "de").
		base, _, _ := strings.Cut(lang, "-")
		for _, l := range []string{strings.ToLower(lang), base} {
			ll, dl := cc.LangLabels[l], cc.LangDescriptions[l]
			if ll != "" || dl != "" {
				if ll == "" {
					ll = label
				}
				if dl == "" {
					dl = desc
				}
				return ll, dl
			}
		}
	}
	if h.customizedTexts[name] {
		return label, desc
	}
	if l, d, ok := banner.CategoryText(lang, name); ok {
		return l, d
	}
	return label, desc
}

func (h *Handler) categoryConfig(name string) (config.CategoryConfig, bool) {
	for _, c := range h.Categories {
		if c.Name == name {
			return c, true
		}
	}
	return config.CategoryConfig{}, false
}

// renderSnippet writes the banner or the settings control for an HTML page.
func (h *Handler) renderSnippet(w io.Writer, x *exchange, what enforce.Insert, nonce string) error {
	view := h.view(x.r, x.d, x.r.URL.RequestURI(), nonce)
	if what == enforce.InsertSettings {
		return h.renderer.SettingsControl(w, view)
	}
	return h.renderer.Banner(w, view)
}

// adjustCSP lets the banner's same-origin script and stylesheet load under
// the page's Content-Security-Policy (see package csp); it returns the
// nonce the banner's tags must carry.
func (h *Handler) adjustCSP(hdr http.Header, inlineScript bool) string {
	nonce := ""
	gen := func() string {
		if nonce == "" {
			nonce = csp.NewNonce()
		}
		return nonce
	}
	for _, key := range []string{"Content-Security-Policy", "Content-Security-Policy-Report-Only"} {
		values := hdr[key]
		for i, val := range values {
			adjusted, n := csp.Adjust(val, gen, inlineScript)
			if n != "" && nonce == "" {
				nonce = n
			}
			values[i] = adjusted
		}
	}
	return nonce
}

// hashConfig identifies the enforcing configuration in consent events, so
// an auditor can tell which rules were in force.
func (h *Handler) hashConfig() string {
	var vendors []string
	for _, v := range h.engine.EnabledVendors() {
		vendors = append(vendors, v.Name+"="+v.Category)
	}
	b, _ := json.Marshal(struct {
		Policy      string
		Categories  any
		Unknown     string
		Mode        string
		Banner      string
		Vendors     []string // enabled presets and vendors with their categories
		VendorRules any      // the operator's own vendors' hosts and patterns
		Blocks      any
		ConsentMode any
		Database    string
		Region      any
		URLTracking any
		GPC         any
	}{h.PolicyVersion, h.policy.Categories(), h.UnknownCookies, h.Mode, h.renderer.ContentHash(),
		vendors, h.Vendors, h.Blocks, h.engine.ConsentMode(), h.CookieDatabase, h.Region, h.URLTracking, h.GPC})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
