package banner

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/consentgate/caddy-consent/caddymodule/inventory"
)

var declCats = []inventory.CategoryInfo{
	{Name: "necessary", Required: true},
	{Name: "functional"},
	{Name: "analytics"},
	{Name: "advertising", Label: "Ads", Description: "Operator text"},
}

func declStore() *inventory.Store {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	s := inventory.New(inventory.Options{Now: func() time.Time { return now }})
	s.ObserveSetCookie("myapp_sess", "necessary", inventory.Attrs{HttpOnly: true, MaxAgeSeconds: -1}, now)
	s.ObserveSetCookie("_ga", "analytics", inventory.Attrs{MaxAgeSeconds: 400 * 86400}, now)
	s.ObserveSetCookie("<b>odd</b>", "", inventory.Attrs{MaxAgeSeconds: 90 * 86400}, now)
	s.ObserveHost("connect.facebook.net", "Meta Pixel", "advertising", true, now)
	return s
}

func facts(name string) (vendor, purpose, retention string, ok bool) {
	if name == "_ga" {
		return "Google Analytics", "", "2 years", true
	}
	return "", "", "", false
}

func renderDecl(t *testing.T, r *Renderer, lang string, s *inventory.Store) (string, *html.Node) {
	t.Helper()
	l := r.DeclarationLang(lang)
	var buf bytes.Buffer
	err := r.Declaration(&buf, DeclarationView{Lang: lang, Nonce: "n0nce", Return: "/shop?x=1&y=2", PolicyVersion: "2026-11-28",
		Declaration: s.DeclarationIn(l, declCats, facts)})
	if err != nil {
		t.Fatal(err)
	}
	return buf.String(), parseDoc(t, buf.String())
}

func TestDeclarationListsObservedNotPatterns(t *testing.T) {
	r := newRenderer(t, Config{NoticeURL: "/cookies"})
	out, doc := renderDecl(t, r, "en", declStore())

	// Observed names appear as row headers of their category's table.
	var rows []string
	walk(doc, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "th" && attrOr(n, "scope") == "row" {
			rows = append(rows, text(n))
		}
	})
	if got := strings.Join(rows, " | "); got != "myapp_sess | _ga | <b>odd</b>" {
		t.Fatalf("rows %q", got)
	}
	// Built-in patterns that the site never set are not listed.
	for _, p := range []string{"PHPSESSID", "JSESSIONID", "_ga_*", ".ASPXAUTH", "_fbp", "_gid"} {
		if strings.Contains(out, p) {
			t.Errorf("the declaration lists %q, which the site was never seen to set", p)
		}
	}
	for _, want := range []string{
		"Google Analytics: a random ID", // vendor purpose (ours)
		"13 months",                     // observed 400 days, not the database's "2 years"
		"Keeps the site working",        // category purpose for an unknown vendor
		"This site",                     // provider of a first-party cookie
		"Ads", "Operator text",          // operator labels kept
		"Analytics",     // built-in label filled
		"Other cookies", // unclassified section
		"connect.facebook.net", "Meta Pixel",
		"Third-party services loaded only with your consent",
		`href="/_consent/preferences?return=%2fshop%3fx%3d1%26y%3d2"`,
		`href="/cookies"`, "2026-11-28", "2026-11-30",
		`nonce="n0nce"`, `lang="en"`,
		"&lt;b&gt;odd&lt;/b&gt;",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q", want)
		}
	}
	if strings.Contains(out, "2 years") {
		t.Error("retention from the database shown instead of the observed lifetime")
	}
	// Accessibility: every section is labelled by its heading, tables
	// have a caption and column headers.
	walk(doc, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "section" {
			id := attrOr(n, "aria-labelledby")
			if one(t, []*html.Node{n}, "heading", byID(id)).Data != "h2" {
				t.Errorf("section labelled by %q, not its h2", id)
			}
		}
		if n.Type == html.ElementNode && n.Data == "table" {
			if len(findAll([]*html.Node{n}, byTag("caption"))) != 1 || len(findAll([]*html.Node{n}, func(m *html.Node) bool {
				return m.Type == html.ElementNode && m.Data == "th" && attrOr(m, "scope") == "col"
			})) != 4 {
				t.Error("table without caption or column headers")
			}
		}
		if n.Type == html.ElementNode && (n.Data == "style" || n.Data == "script") {
			t.Errorf("<%s> in the declaration page", n.Data)
		}
	})
	// A category with nothing observed says so.
	if !strings.Contains(out, "not been seen setting cookies in this category") {
		t.Error("functional (nothing observed) is not explained")
	}
}

func TestDeclarationGerman(t *testing.T) {
	r := newRenderer(t, Config{})
	if l := r.DeclarationLang("de-CH"); l != "de" {
		t.Fatalf("DeclarationLang(de-CH) = %q", l)
	}
	if l := r.DeclarationLang("fr"); l != "en" {
		t.Fatalf("DeclarationLang(fr) = %q: the page is not translated to French, it must be English throughout", l)
	}
	out, _ := renderDecl(t, r, "de-CH", declStore())
	for _, want := range []string{`lang="de"`, "Cookie-Erklärung", "Speicherdauer", "13 Monate", "Sitzung",
		"Hält die Website", "Google Analytics: eine zufällige", "Diese Website", "Weitere Cookies", "Zurück zur Website"} {
		if !strings.Contains(out, want) {
			t.Errorf("German page lacks %q", want)
		}
	}
	out, _ = renderDecl(t, r, "fr", declStore())
	if !strings.Contains(out, `lang="en"`) || !strings.Contains(out, "Back to the site") {
		t.Error("French request: page not consistently English")
	}
}

func TestDeclarationIncompleteAndEmpty(t *testing.T) {
	r := newRenderer(t, Config{})
	s := inventory.New(inventory.Options{MaxNames: 1})
	now := time.Now()
	s.ObserveSetCookie("a", "analytics", inventory.Attrs{MaxAgeSeconds: -1}, now)
	s.ObserveSetCookie("b", "analytics", inventory.Attrs{MaxAgeSeconds: -1}, now)
	out, _ := renderDecl(t, r, "en", s)
	if !strings.Contains(out, "may be incomplete") {
		t.Error("a full store is not flagged as incomplete")
	}
	var buf bytes.Buffer
	if err := r.Declaration(&buf, DeclarationView{}); err != nil || !strings.Contains(buf.String(), "Cookie declaration") {
		t.Fatalf("empty declaration: %v", err)
	}
}

func TestFillDeclarationForJSON(t *testing.T) {
	r := newRenderer(t, Config{})
	d := declStore().DeclarationIn("de", declCats, facts)
	r.FillDeclaration("de", &d)
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"label":"Notwendig`, `"label":"Ads","description":"Operator text"`, `"label":"Weitere Cookies"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
}
