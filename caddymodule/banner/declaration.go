package banner

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/consentgate/caddy-consent/caddymodule/inventory"
)

// The cookie declaration page ({endpoint}/cookies): the cookies the site
// was seen to set, per category, and the trackers held back until
// consent. The data comes from inventory.Store.DeclarationIn; this file
// only renders it.

//go:embed templates/declaration.html.tmpl
var builtinDeclaration string

var declarationTmpl = template.Must(template.New("declaration.html.tmpl").Parse(builtinDeclaration))

// DeclarationView holds what the declaration page shows.
type DeclarationView struct {
	Lang          string // chosen by Negotiate; see DeclarationLang
	Nonce         string // CSP nonce for the <link>; "" = none
	Return        string // same-origin path to go back to, validated by the caller; "" = /
	PolicyVersion string // shown when not ""
	Declaration   inventory.Declaration
}

// DeclarationTexts are the strings of the declaration page.
type DeclarationTexts struct {
	Title            string
	Intro            string
	CookiesCaption   string
	Name             string
	Provider         string
	Purpose          string
	Retention        string
	ThisSite         string // provider column when no vendor is known
	NoPurpose        string // purpose column when none is known
	NoCookies        string
	TrackersHeading  string
	Unclassified     string // label of inventory.UnclassifiedCategory
	UnclassifiedDesc string
	Incomplete       string
	Updated          string
}

var declarationTexts = map[string]DeclarationTexts{
	"en": {
		Title:            "Cookie declaration",
		Intro:            "This list is not written by hand: it shows the cookies this site has actually been seen to set, and the third-party services it holds back until you consent. Cookies outside the necessary category are only set if you allow their category.",
		CookiesCaption:   "Cookies in this category",
		Name:             "Cookie",
		Provider:         "Provider",
		Purpose:          "Purpose",
		Retention:        "Retention",
		ThisSite:         "This site",
		NoPurpose:        "Not documented yet.",
		NoCookies:        "This site has not been seen setting cookies in this category.",
		TrackersHeading:  "Third-party services loaded only with your consent",
		Unclassified:     "Other cookies",
		UnclassifiedDesc: "Cookies this site sets that belong to no category yet.",
		Incomplete:       "This list may be incomplete: the site set more distinct cookies than the list keeps.",
		Updated:          "Last updated:",
	},
	"de": {
		Title:            "Cookie-Erklärung",
		Intro:            "Diese Liste ist nicht von Hand geschrieben: Sie zeigt die Cookies, die diese Website nachweislich setzt, und die Dienste Dritter, die sie bis zu Ihrer Einwilligung zurückhält. Nicht notwendige Cookies werden nur gesetzt, wenn Sie ihre Kategorie erlauben.",
		CookiesCaption:   "Cookies in dieser Kategorie",
		Name:             "Cookie",
		Provider:         "Anbieter",
		Purpose:          "Zweck",
		Retention:        "Speicherdauer",
		ThisSite:         "Diese Website",
		NoPurpose:        "Noch nicht beschrieben.",
		NoCookies:        "Diese Website hat in dieser Kategorie bisher keine Cookies gesetzt.",
		TrackersHeading:  "Dienste Dritter, die nur mit Ihrer Einwilligung geladen werden",
		Unclassified:     "Weitere Cookies",
		UnclassifiedDesc: "Cookies dieser Website, die noch keiner Kategorie zugeordnet sind.",
		Incomplete:       "Diese Liste ist möglicherweise unvollständig: Die Website hat mehr verschiedene Cookies gesetzt, als die Liste aufnimmt.",
		Updated:          "Stand:",
	},
}

// DeclarationLanguages returns the languages the declaration page is
// written in.
func DeclarationLanguages() []string { return sortedKeys(declarationTexts) }

// DeclarationLang returns the language the declaration page is rendered
// in for a negotiated lang: lang itself (or its primary language) when
// the page is translated to it, else the default language if it is, else
// English. Build the data with inventory.Store.DeclarationIn in this
// language, so purposes and retention match the page.
func (r *Renderer) DeclarationLang(lang string) string {
	for _, l := range []string{r.lang(lang), r.defLang} {
		if _, ok := declarationTexts[l]; ok {
			return l
		}
		if p, _, _ := strings.Cut(l, "-"); declarationTexts[p].Title != "" {
			if _, ok := r.texts[p]; ok {
				return p
			}
		}
	}
	return "en"
}

// FillDeclaration fills empty category labels and descriptions with the
// built-in translations in lang (and names the unclassified section), as
// the page shows them; call it before encoding the declaration as JSON.
func (r *Renderer) FillDeclaration(lang string, d *inventory.Declaration) {
	lang = r.DeclarationLang(lang)
	dt := declarationTexts[lang]
	for i := range d.Categories {
		c := &d.Categories[i].CategoryInfo
		if c.Label != "" && c.Description != "" {
			continue
		}
		label, desc, ok := CategoryText(lang, c.Name)
		if !ok && c.Name == inventory.UnclassifiedCategory {
			label, desc, ok = dt.Unclassified, dt.UnclassifiedDesc, true
		}
		if c.Label == "" {
			c.Label = c.Name
			if ok {
				c.Label = label
			}
		}
		if c.Description == "" && ok {
			c.Description = desc
		}
	}
}

type declarationSection struct {
	inventory.Section
	ID string
}

type declarationData struct {
	Lang          string
	T             Texts
	D             DeclarationTexts
	StyleURL      string
	Endpoint      string
	NoticeURL     string
	Nonce         string
	Return        string
	PolicyVersion string
	Incomplete    bool
	Sections      []declarationSection
	Generated     string // RFC 3339
	GeneratedDay  string // YYYY-MM-DD
}

// Declaration writes the complete cookie declaration page.
func (r *Renderer) Declaration(w io.Writer, v DeclarationView) error {
	lang := r.DeclarationLang(v.Lang)
	d := v.Declaration
	d.Categories = append([]inventory.Section(nil), d.Categories...)
	r.FillDeclaration(lang, &d)
	data := declarationData{
		Lang: lang, T: *r.texts[r.lang(lang)], D: declarationTexts[lang],
		StyleURL: r.styleURL, Endpoint: r.endpoint, NoticeURL: r.noticeURL,
		Nonce: v.Nonce, Return: v.Return, PolicyVersion: v.PolicyVersion,
		Incomplete: d.NotListed > 0,
	}
	if !d.Generated.IsZero() {
		data.Generated = d.Generated.UTC().Format(time.RFC3339)
		data.GeneratedDay = d.Generated.UTC().Format(time.DateOnly)
	}
	for i, s := range d.Categories {
		data.Sections = append(data.Sections, declarationSection{Section: s, ID: "cg-decl-" + strconv.Itoa(i)})
	}
	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	bw := &sliceWriter{b: buf}
	err := declarationTmpl.ExecuteTemplate(bw, "declaration", &data)
	if err == nil {
		_, err = w.Write(bw.b)
	} else {
		err = fmt.Errorf("banner: rendering the declaration: %w", err)
	}
	putBuf(bp, bw.b)
	return err
}

type sliceWriter struct{ b []byte }

func (s *sliceWriter) Write(p []byte) (int, error) { s.b = append(s.b, p...); return len(p), nil }
