package banner

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ---- helpers ----

func newRenderer(t testing.TB, cfg Config) *Renderer {
	t.Helper()
	r, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

func testCategories() []Category {
	return []Category{
		{Name: "necessary", Required: true, Granted: true, Cookies: []string{"session_id"}},
		{Name: "functional", Cookies: []string{"lang"}},
		{Name: "analytics", Cookies: []string{"_ga", "_ga_*"}},
		{Name: "advertising", Label: "Ads", Description: "Operator text", Cookies: []string{"IDE"}},
	}
}

func testView() View {
	return View{
		Lang:          "en",
		Categories:    testCategories(),
		Return:        "/shop/item?id=7&ref=home",
		PolicyVersion: "2024-05",
		Nonce:         "r4nd0m+Nonce/==",
	}
}

func render(t testing.TB, fn func(*bytes.Buffer) error) string {
	t.Helper()
	var buf bytes.Buffer
	if err := fn(&buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	return buf.String()
}

// parseFragment parses s as it would appear right after <body>.
func parseFragment(t testing.TB, s string) []*html.Node {
	t.Helper()
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(s), body)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return nodes
}

func parseDoc(t testing.TB, s string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attrOr(n *html.Node, key string) string {
	v, _ := attr(n, key)
	return v
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func findAll(roots []*html.Node, pred func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for _, r := range roots {
		walk(r, func(n *html.Node) {
			if n.Type == html.ElementNode && pred(n) {
				out = append(out, n)
			}
		})
	}
	return out
}

func byTag(tag string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == tag }
}

func byID(id string) func(*html.Node) bool {
	return func(n *html.Node) bool { return attrOr(n, "id") == id }
}

func one(t testing.TB, roots []*html.Node, what string, pred func(*html.Node) bool) *html.Node {
	t.Helper()
	got := findAll(roots, pred)
	if len(got) != 1 {
		t.Fatalf("want exactly one %s, found %d", what, len(got))
	}
	return got[0]
}

func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

func hasAncestor(n *html.Node, tag string) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == tag {
			return true
		}
	}
	return false
}

// ---- banner structure ----

func TestBannerForm(t *testing.T) {
	r := newRenderer(t, Config{NoticeURL: "https://example.com/cookies", SettingsControl: true})
	v := testView()
	out := render(t, func(b *bytes.Buffer) error { return r.Banner(b, v) })
	nodes := parseFragment(t, out)

	root := one(t, nodes, "#cg-consent", byID("cg-consent"))
	if got := attrOr(root, "role"); got != "region" {
		t.Errorf("root role = %q, want region", got)
	}
	if got := attrOr(root, "lang"); got != "en" {
		t.Errorf("root lang = %q, want en", got)
	}
	for _, a := range []string{"aria-labelledby", "aria-describedby"} {
		id := attrOr(root, a)
		if id == "" || len(findAll([]*html.Node{root}, byID(id))) != 1 {
			t.Errorf("%s=%q does not name one element inside the banner", a, id)
		}
	}
	if _, modal := attr(root, "aria-modal"); modal {
		t.Error("the banner must not be modal")
	}
	if _, ok := attr(root, "data-consent-mode"); ok {
		t.Error("data-consent-mode present although no mapping is configured")
	}

	form := one(t, []*html.Node{root}, "form", byTag("form"))
	if attrOr(form, "method") != "post" || attrOr(form, "action") != "/_consent" {
		t.Errorf("form method=%q action=%q, want post /_consent", attrOr(form, "method"), attrOr(form, "action"))
	}

	// Fields that are submitted: exactly the hidden return, the category
	// checkboxes and three buttons named choice.
	var fields []string
	for _, n := range findAll([]*html.Node{form}, func(n *html.Node) bool {
		return n.Data == "input" || n.Data == "button" || n.Data == "select" || n.Data == "textarea"
	}) {
		name, named := attr(n, "name")
		if !named {
			continue
		}
		fields = append(fields, n.Data+":"+attrOr(n, "type")+":"+name+"="+attrOr(n, "value"))
	}
	want := []string{
		"input:hidden:return=" + v.Return,
		"button:submit:choice=accept_all",
		"button:submit:choice=reject_all",
		"input:checkbox:category=necessary",
		"input:checkbox:category=functional",
		"input:checkbox:category=analytics",
		"input:checkbox:category=advertising",
		"button:submit:choice=custom",
	}
	if !reflect.DeepEqual(fields, want) {
		t.Errorf("form fields:\n got %q\nwant %q", fields, want)
	}

	// Accept and reject: same element, same type, same class, same parent,
	// no inline style, both before the category list.
	buttons := findAll([]*html.Node{form}, byTag("button"))
	var accept, reject *html.Node
	for _, b := range buttons {
		switch attrOr(b, "value") {
		case "accept_all":
			accept = b
		case "reject_all":
			reject = b
		}
	}
	if accept == nil || reject == nil {
		t.Fatal("accept or reject button missing")
	}
	if accept.Data != reject.Data || attrOr(accept, "type") != attrOr(reject, "type") ||
		attrOr(accept, "class") != attrOr(reject, "class") || accept.Parent != reject.Parent {
		t.Errorf("accept and reject differ: <%s type=%q class=%q> vs <%s type=%q class=%q>",
			accept.Data, attrOr(accept, "type"), attrOr(accept, "class"), reject.Data, attrOr(reject, "type"), attrOr(reject, "class"))
	}
	if hasAncestor(accept, "details") || hasAncestor(reject, "details") {
		t.Error("accept and reject must both be on the first layer")
	}
	if text(accept) != "Accept all" || text(reject) != "Reject all" {
		t.Errorf("button texts %q / %q", text(accept), text(reject))
	}

	// Customizing works without JS: a <details> holding the checkboxes
	// and the save button.
	details := one(t, []*html.Node{form}, "details", byTag("details"))
	if len(findAll([]*html.Node{details}, byTag("summary"))) != 1 {
		t.Error("details without summary")
	}
	for _, cb := range findAll([]*html.Node{form}, func(n *html.Node) bool { return attrOr(n, "type") == "checkbox" }) {
		if !hasAncestor(cb, "details") || !hasAncestor(cb, "label") {
			t.Errorf("checkbox %q must be inside the details and inside its label", attrOr(cb, "value"))
		}
		_, checked := attr(cb, "checked")
		_, disabled := attr(cb, "disabled")
		required := attrOr(cb, "value") == "necessary"
		if checked != required || disabled != required {
			t.Errorf("checkbox %q: checked=%v disabled=%v, want %v", attrOr(cb, "value"), checked, disabled, required)
		}
		if d := attrOr(cb, "aria-describedby"); len(findAll([]*html.Node{form}, byID(d))) != 1 {
			t.Errorf("checkbox %q: aria-describedby %q names no element", attrOr(cb, "value"), d)
		}
	}

	// Category texts: built-in translation when empty, operator text kept.
	if !strings.Contains(out, ">Analytics<") || !strings.Contains(out, ">Ads<") || !strings.Contains(out, "Operator text") {
		t.Error("category labels: want translated defaults and operator labels")
	}
	if !strings.Contains(out, "_ga, _ga_*") {
		t.Error("cookie list not shown")
	}

	// The notice link.
	links := findAll([]*html.Node{root}, func(n *html.Node) bool { return n.Data == "a" && attrOr(n, "href") == "https://example.com/cookies" })
	if len(links) != 1 || text(links[0]) != "Cookie notice" {
		t.Errorf("notice link: found %d", len(links))
	}

	// GPC line only when signalled.
	if strings.Contains(out, "Global Privacy Control") {
		t.Error("GPC line shown without the signal")
	}
	v.GPC = true
	if out := render(t, func(b *bytes.Buffer) error { return r.Banner(b, v) }); !strings.Contains(out, "Global Privacy Control") {
		t.Error("GPC line missing")
	}
}

func TestBannerNeverPreTicks(t *testing.T) {
	r := newRenderer(t, Config{})
	v := testView()
	for i := range v.Categories {
		v.Categories[i].Granted = true // a careless caller
	}
	out := render(t, func(b *bytes.Buffer) error { return r.Banner(b, v) })
	for _, cb := range findAll(parseFragment(t, out), func(n *html.Node) bool { return attrOr(n, "type") == "checkbox" }) {
		if _, checked := attr(cb, "checked"); checked && attrOr(cb, "value") != "necessary" {
			t.Errorf("checkbox %q is pre-ticked", attrOr(cb, "value"))
		}
	}

	// A banner reopened by a visitor who chose shows that choice, and a
	// close button the script reveals.
	v.HasConsent = true
	v.Categories[1].Granted = false
	out = render(t, func(b *bytes.Buffer) error { return r.Banner(b, v) })
	nodes := parseFragment(t, out)
	for _, cb := range findAll(nodes, func(n *html.Node) bool { return attrOr(n, "type") == "checkbox" }) {
		_, checked := attr(cb, "checked")
		want := attrOr(cb, "value") != "functional"
		if checked != want {
			t.Errorf("reopened banner: checkbox %q checked=%v, want %v", attrOr(cb, "value"), checked, want)
		}
	}
	cl := one(t, nodes, "close button", func(n *html.Node) bool { _, ok := attr(n, "data-cg-close"); return ok })
	if _, hidden := attr(cl, "hidden"); !hidden || attrOr(cl, "type") != "button" {
		t.Error("close button must be type=button and hidden until the script shows it")
	}
}

func TestNoInlineStyleOrScript(t *testing.T) {
	r := newRenderer(t, Config{NoticeURL: "/cookies", SettingsControl: true, ConsentMode: map[string][]string{"ad_storage": {"advertising"}}})
	v := testView()
	v.GPC, v.HasConsent, v.ConsentID = true, true, "c-1"
	pages := map[string]string{
		"banner":      render(t, func(b *bytes.Buffer) error { return r.Banner(b, v) }),
		"control":     render(t, func(b *bytes.Buffer) error { return r.SettingsControl(b, v) }),
		"preferences": render(t, func(b *bytes.Buffer) error { return r.Preferences(b, v) }),
	}
	for name, out := range pages {
		doc := parseDoc(t, out)
		walk(doc, func(n *html.Node) {
			if n.Type != html.ElementNode {
				return
			}
			for _, a := range n.Attr {
				if a.Key == "style" || strings.HasPrefix(a.Key, "on") {
					t.Errorf("%s: <%s %s=…> inline style or handler", name, n.Data, a.Key)
				}
			}
			if n.Data == "style" {
				t.Errorf("%s: <style> element", name)
			}
			if n.Data == "script" && (attrOr(n, "src") == "" || n.FirstChild != nil) {
				t.Errorf("%s: inline script", name)
			}
		})
	}
}

func TestNonceOnScriptAndLink(t *testing.T) {
	r := newRenderer(t, Config{SettingsControl: true})
	for _, nonce := range []string{"abc123", "r4nd0m+Nonce/=="} {
		v := testView()
		v.Nonce = nonce
		for name, fn := range map[string]func(*bytes.Buffer) error{
			"banner":  func(b *bytes.Buffer) error { return r.Banner(b, v) },
			"control": func(b *bytes.Buffer) error { return r.SettingsControl(b, v) },
		} {
			nodes := parseFragment(t, render(t, fn))
			s := one(t, nodes, name+" script", byTag("script"))
			l := one(t, nodes, name+" link", byTag("link"))
			if attrOr(s, "nonce") != nonce || attrOr(l, "nonce") != nonce {
				t.Errorf("%s: nonce script=%q link=%q, want %q", name, attrOr(s, "nonce"), attrOr(l, "nonce"), nonce)
			}
			if attrOr(s, "src") != r.ScriptURL() || attrOr(l, "href") != r.StyleURL() || attrOr(l, "rel") != "stylesheet" {
				t.Errorf("%s: asset URLs src=%q href=%q", name, attrOr(s, "src"), attrOr(l, "href"))
			}
			if _, ok := attr(s, "defer"); !ok {
				t.Errorf("%s: script without defer", name)
			}
		}
	}
	v := testView()
	v.Nonce = ""
	out := render(t, func(b *bytes.Buffer) error { return r.Banner(b, v) })
	if strings.Contains(out, "nonce") {
		t.Error("nonce attribute written without a nonce")
	}
}

func TestSettingsControl(t *testing.T) {
	r := newRenderer(t, Config{SettingsControl: true, Endpoint: "/consent-api/"})
	v := testView()
	v.HasConsent = true
	v.Return = "/a b?x=1&y=\"2\"#frag"
	nodes := parseFragment(t, render(t, func(b *bytes.Buffer) error { return r.SettingsControl(b, v) }))
	a := one(t, nodes, "control", byID("cg-consent-settings"))
	if _, hidden := attr(a, "hidden"); hidden {
		t.Error("control hidden")
	}
	if attrOr(a, "lang") != "en" || text(a) != "Cookie settings" {
		t.Errorf("control lang=%q text=%q", attrOr(a, "lang"), text(a))
	}
	for attrName, path := range map[string]string{"href": "/consent-api/preferences", "data-banner-url": "/consent-api/banner"} {
		u, err := url.Parse(attrOr(a, attrName))
		if err != nil {
			t.Fatalf("%s: %v", attrName, err)
		}
		if u.Path != path || u.Query().Get("return") != v.Return || u.Fragment != "" {
			t.Errorf("%s = %q: path %q return %q", attrName, attrOr(a, attrName), u.Path, u.Query().Get("return"))
		}
	}

	// Inside the banner the control waits hidden for the script.
	nodes = parseFragment(t, render(t, func(b *bytes.Buffer) error { return r.Banner(b, v) }))
	a = one(t, nodes, "control in banner", byID("cg-consent-settings"))
	if _, hidden := attr(a, "hidden"); !hidden {
		t.Error("control inside the banner must be hidden")
	}

	off := newRenderer(t, Config{SettingsControl: false})
	if out := render(t, func(b *bytes.Buffer) error { return off.SettingsControl(b, v) }); out != "" {
		t.Errorf("control disabled but wrote %q", out)
	}
	if out := render(t, func(b *bytes.Buffer) error { return off.Banner(b, v) }); strings.Contains(out, "cg-consent-settings") {
		t.Error("control disabled but present in the banner")
	}
}

func TestConsentModeAttribute(t *testing.T) {
	mode := map[string][]string{"analytics_storage": {"analytics"}, "ad_storage": {"advertising"}, "ad_user_data": {"advertising", "analytics"}}
	r := newRenderer(t, Config{ConsentMode: mode})
	nodes := parseFragment(t, render(t, func(b *bytes.Buffer) error { return r.Banner(b, testView()) }))
	root := one(t, nodes, "#cg-consent", byID("cg-consent"))
	var got map[string][]string
	if err := json.Unmarshal([]byte(attrOr(root, "data-consent-mode")), &got); err != nil {
		t.Fatalf("data-consent-mode: %v", err)
	}
	if !reflect.DeepEqual(got, mode) {
		t.Errorf("data-consent-mode = %v, want %v", got, mode)
	}
}

// ---- escaping ----

const hostile = `"><script>alert(1)</script>`

func TestEscapesEveryConfigurableString(t *testing.T) {
	texts := map[string]string{}
	for _, k := range TextKeys() {
		texts[k] = "[" + k + "]" + hostile
	}
	cfgs := map[string]Config{
		"texts":      {Texts: texts, SettingsControl: true, NoticeURL: "/n?a=" + url.QueryEscape(hostile)},
		"lang_texts": {LangTexts: map[string]map[string]string{"en": texts}, SettingsControl: true, NoticeURL: "/n"},
	}
	for name, cfg := range cfgs {
		t.Run(name, func(t *testing.T) {
			r := newRenderer(t, cfg)
			seen := "" // every text node and attribute value of every page
			for _, pc := range []struct {
				consent bool
				profile string
			}{{false, ""}, {true, ""}, {false, "uk"}, {false, "us"}} {
				consent := pc.consent
				v := View{
					Lang: "en", Return: "/p" + hostile, PolicyVersion: "v" + hostile, ConsentID: "id" + hostile,
					Nonce: "n" + hostile, HasConsent: consent, GPC: true, Profile: pc.profile,
					Categories: []Category{
						{Name: "necessary", Required: true},
						{Name: "granted", Granted: true},
						{Name: "c" + hostile, Label: "l" + hostile, Description: "d" + hostile, Cookies: []string{"k" + hostile}},
					},
				}
				for page, out := range map[string]string{
					"banner":      render(t, func(b *bytes.Buffer) error { return r.Banner(b, v) }),
					"control":     render(t, func(b *bytes.Buffer) error { return r.SettingsControl(b, v) }),
					"preferences": render(t, func(b *bytes.Buffer) error { return r.Preferences(b, v) }),
				} {
					if strings.Contains(out, hostile) || strings.Contains(out, "<script>alert") {
						t.Errorf("%s: unescaped input in output", page)
					}
					doc := parseDoc(t, out)
					for _, s := range findAll([]*html.Node{doc}, byTag("script")) {
						if attrOr(s, "src") != r.ScriptURL() {
							t.Errorf("%s: injected script element", page)
						}
					}
					all := text(doc)
					walk(doc, func(n *html.Node) {
						for _, a := range n.Attr {
							all += "\x00" + a.Val
						}
					})
					// The per-request strings arrive intact where the page shows them.
					for _, s := range map[string][]string{
						"banner":      {v.Return, v.Nonce, "l" + hostile, "d" + hostile, "k" + hostile, "c" + hostile},
						"control":     {v.Nonce},
						"preferences": {v.Return, v.Nonce, v.PolicyVersion, "l" + hostile},
					}[page] {
						if !strings.Contains(all, s) {
							t.Errorf("%s: %q not found as text or attribute", page, s)
						}
					}
					if consent && page == "preferences" && !strings.Contains(all, v.ConsentID) {
						t.Error("preferences: consent ID not shown")
					}
					seen += all
				}
			}
			// Every text is shown somewhere, intact, hence escaped.
			for _, k := range TextKeys() {
				if k == "embed_notice" || k == "embed_open" {
					continue // shown in embed placeholders by the tag neutralizer (enforce's tests)
				}
				if !strings.Contains(seen, "["+k+"]"+hostile) {
					t.Errorf("text %q never shown intact", k)
				}
			}
		})
	}
}

// The pre-rendered path must produce exactly what executing the template
// produces, whatever the strings hold.
func TestFastPathMatchesTemplate(t *testing.T) {
	r := newRenderer(t, Config{SettingsControl: true, NoticeURL: "/cookies", ConsentMode: map[string][]string{"ad_storage": {"advertising"}}})
	strs := []string{"", "/", "/a?b=1&c=2", hostile, "x\x00y", "ü€😀", "\xff\xfe bad utf8", "+&'\"<>%20 /#?", "zqxCG0slot R/", "zqxCG1slot%20R%2f"}
	n := 0
	for _, lang := range []string{"en", "de", "pt", "xx"} {
		for i, s := range strs {
			for flags := 0; flags < 4; flags++ {
				v := View{
					Lang: lang, Categories: testCategories(), Return: s, Nonce: strs[(i+1)%len(strs)],
					ConsentID: strs[(i+2)%len(strs)], PolicyVersion: strs[(i+3)%len(strs)],
					HasConsent: flags&1 != 0, GPC: flags&2 != 0,
				}
				if flags == 3 {
					v.Categories[2].Granted = true
				}
				for _, kind := range []tmplKind{tmplBanner, tmplSettings} {
					var slow bytes.Buffer
					if err := r.execute(&slow, kind.name(), r.data(r.lang(lang), &v, kind == tmplBanner)); err != nil {
						t.Fatal(err)
					}
					for pass := 0; pass < 2; pass++ { // miss, then hit
						var fast bytes.Buffer
						if err := r.render(&fast, kind, &v); err != nil {
							t.Fatal(err)
						}
						if fast.String() != slow.String() {
							t.Fatalf("%s lang=%s v=%+v pass %d:\nfast %q\nslow %q", kind.name(), lang, v, pass, fast.String(), slow.String())
						}
						n++
					}
				}
			}
		}
	}
	if r.cached.Load() == 0 {
		t.Error("nothing was cached")
	}
	t.Logf("%d comparisons, %d cache entries", n, r.cached.Load())
}

func TestSplitMarkersRefusesUnknownContexts(t *testing.T) {
	if p := splitMarkers("a" + markerHTML[0] + "b" + markerQuery[1] + "c"); len(p) != 3 || p[0].slot != 0 || p[0].query || p[1].slot != 1 || !p[1].query || p[2].lit != "c" {
		t.Errorf("known markers: %+v", p)
	}
	for _, s := range []string{
		"a" + strings.ReplaceAll(markerHTML[0], "/", `\/`),  // JS string
		"a" + strings.ReplaceAll(markerHTML[0], " ", "%20"), // URL path
		"a" + markerPrefix + "text",
	} {
		if p := splitMarkers(s); p != nil {
			t.Errorf("%q: want fallback, got %+v", s, p)
		}
	}
}

// ---- preference page ----

func TestPreferencesPage(t *testing.T) {
	r := newRenderer(t, Config{NoticeURL: "/cookies", DefaultLang: "fr"})
	v := testView()
	v.Lang = "fr"
	v.HasConsent, v.ConsentID = true, "0b6f5c1e"
	v.Categories[2].Granted = true // analytics on, functional and advertising off
	doc := parseDoc(t, render(t, func(b *bytes.Buffer) error { return r.Preferences(b, v) }))
	roots := []*html.Node{doc}

	h := one(t, roots, "html", byTag("html"))
	if attrOr(h, "lang") != "fr" {
		t.Errorf("html lang = %q", attrOr(h, "lang"))
	}
	if got := text(one(t, roots, "title", byTag("title"))); got != "Paramètres des cookies" {
		t.Errorf("title = %q", got)
	}
	if len(findAll(roots, func(n *html.Node) bool {
		return n.Data == "meta" && attrOr(n, "name") == "viewport" && strings.Contains(attrOr(n, "content"), "width=device-width")
	})) != 1 {
		t.Error("viewport meta missing")
	}
	form := one(t, roots, "form", byTag("form"))
	if attrOr(form, "method") != "post" || attrOr(form, "action") != "/_consent" {
		t.Error("form method/action")
	}
	states := map[string]bool{}
	for _, cb := range findAll([]*html.Node{form}, func(n *html.Node) bool { return attrOr(n, "type") == "checkbox" }) {
		_, checked := attr(cb, "checked")
		states[attrOr(cb, "value")] = checked
		if !hasAncestor(cb, "label") {
			t.Errorf("checkbox %q has no label", attrOr(cb, "value"))
		}
	}
	if want := map[string]bool{"necessary": true, "functional": false, "analytics": true, "advertising": false}; !reflect.DeepEqual(states, want) {
		t.Errorf("checkbox states %v, want %v", states, want)
	}
	var choices []string
	for _, b := range findAll([]*html.Node{form}, byTag("button")) {
		choices = append(choices, attrOr(b, "name")+"="+attrOr(b, "value")+":"+attrOr(b, "class"))
	}
	if want := []string{"choice=custom:cg-btn", "choice=withdraw:cg-btn"}; !reflect.DeepEqual(choices, want) {
		t.Errorf("buttons %q, want %q", choices, want)
	}
	all := text(doc)
	for _, s := range []string{"2024-05", "0b6f5c1e", "Mesure d’audience", "Retirer tout consentement", "Choix actuel :"} {
		if !strings.Contains(all, s) {
			t.Errorf("page does not show %q", s)
		}
	}
	back := findAll(roots, func(n *html.Node) bool { return n.Data == "a" && attrOr(n, "href") == v.Return })
	if len(back) != 1 || text(back[0]) != "Retour au site" {
		t.Errorf("back link to %q: found %d", v.Return, len(back))
	}
	if len(findAll(roots, byTag("script"))) != 0 {
		t.Error("the preference page needs no script")
	}

	// Without a choice: nothing pre-ticked, accept/reject instead of withdraw, no consent ID.
	v.HasConsent, v.ConsentID = false, ""
	doc = parseDoc(t, render(t, func(b *bytes.Buffer) error { return r.Preferences(b, v) }))
	for _, cb := range findAll([]*html.Node{doc}, func(n *html.Node) bool { return attrOr(n, "type") == "checkbox" }) {
		if _, checked := attr(cb, "checked"); checked && attrOr(cb, "value") != "necessary" {
			t.Errorf("no choice yet, but %q is ticked", attrOr(cb, "value"))
		}
	}
	choices = nil
	for _, b := range findAll([]*html.Node{doc}, byTag("button")) {
		choices = append(choices, attrOr(b, "value"))
	}
	if want := []string{"custom", "accept_all", "reject_all"}; !reflect.DeepEqual(choices, want) {
		t.Errorf("buttons %q, want %q", choices, want)
	}
	if strings.Contains(text(doc), "Identifiant de consentement") {
		t.Error("consent ID label shown without an ID")
	}
}

// ---- texts ----

func TestBuiltinLanguagesComplete(t *testing.T) {
	want := []string{"de", "en", "es", "fr", "it", "nl", "pl", "pt"}
	if got := Languages(); !reflect.DeepEqual(got, want) {
		t.Fatalf("languages %v, want %v", got, want)
	}
	typ := reflect.TypeFor[Texts]()
	keys := map[string]bool{}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		key := f.Tag.Get("key")
		if key != snake(f.Name) {
			t.Errorf("field %s: key %q, want %q", f.Name, key, snake(f.Name))
		}
		if keys[key] {
			t.Errorf("key %q twice", key)
		}
		keys[key] = true
	}
	for _, lang := range want {
		tx, ok := BuiltinTexts(lang)
		if !ok {
			t.Fatalf("%s: no texts", lang)
		}
		v := reflect.ValueOf(tx)
		for i := 0; i < typ.NumField(); i++ {
			s := v.Field(i).String()
			if strings.TrimSpace(s) == "" || !utf8.ValidString(s) {
				t.Errorf("%s: %s is empty", lang, typ.Field(i).Name)
			}
			if lang != "en" && typ.Field(i).Name != "CookiesLabel" && s == reflect.ValueOf(builtinTexts["en"]).Field(i).String() && len(s) > 6 {
				t.Errorf("%s: %s is the English text", lang, typ.Field(i).Name)
			}
		}
		if tx.AcceptAll == tx.RejectAll {
			t.Errorf("%s: accept and reject read the same", lang)
		}
		for _, cat := range []string{"necessary", "functional", "analytics", "advertising"} {
			l, d, ok := CategoryText(lang, cat)
			if !ok || l == "" || d == "" {
				t.Errorf("%s: category %s has no translation", lang, cat)
			}
		}
	}
	if len(CategoryTexts()) != len(want) {
		t.Error("category translations for other languages than the built-in ones")
	}
}

func snake(s string) string {
	s = strings.ReplaceAll(s, "GPC", "Gpc")
	s = strings.ReplaceAll(s, "ID", "Id")
	var b strings.Builder
	for i, c := range s {
		if 'A' <= c && c <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

func TestCategoryText(t *testing.T) {
	cases := []struct {
		lang, name, label string
		ok                bool
	}{
		{"de", "analytics", "Statistik", true},
		{"de-CH", "analytics", "Statistik", true},
		{"DE-at-x-foo", "necessary", "Notwendig", true},
		{"fr", "advertising", "Publicité", true},
		{"sv", "analytics", "", false},
		{"en", "newsletter", "", false},
	}
	for _, c := range cases {
		l, _, ok := CategoryText(c.lang, c.name)
		if l != c.label || ok != c.ok {
			t.Errorf("CategoryText(%q, %q) = %q %v, want %q %v", c.lang, c.name, l, ok, c.label, c.ok)
		}
	}
	m := CategoryTexts()
	m["en"]["analytics"] = CategoryTranslation{Label: "changed"}
	if l, _, _ := CategoryText("en", "analytics"); l != "Analytics" {
		t.Error("CategoryTexts returned the package's own map")
	}
}

func TestTextOverrides(t *testing.T) {
	r := newRenderer(t, Config{
		Texts: map[string]string{"accept_all": "OK for all", "title": "Privacy"},
		LangTexts: map[string]map[string]string{
			"de":    {"title": "Datenschutz"},
			"pt-BR": {"save": "Salvar escolhas"}, // a new language based on pt
			"sv":    {"title": "Kakor", "accept_all": "Godkänn alla", "reject_all": "Avvisa alla"},
		},
	})
	cases := []struct {
		lang, field, want string
	}{
		{"en", "Title", "Privacy"},
		{"en", "AcceptAll", "OK for all"},
		{"de", "Title", "Datenschutz"},
		{"de", "AcceptAll", "OK for all"},
		{"de", "RejectAll", "Alle ablehnen"},
		{"pt-br", "Save", "Salvar escolhas"},
		{"pt-br", "RejectAll", "Rejeitar todos"},
		{"pt", "Save", "Confirmar escolhas"},
		{"sv", "Title", "Kakor"},
		{"sv", "Message", builtinTexts["en"].Message},
	}
	for _, c := range cases {
		got := reflect.ValueOf(r.Texts(c.lang)).FieldByName(c.field).String()
		if got != c.want {
			t.Errorf("%s %s = %q, want %q", c.lang, c.field, got, c.want)
		}
	}
	if got := r.Negotiate("pt-BR,pt;q=0.8"); got != "pt-br" {
		t.Errorf("Negotiate pt-BR = %q", got)
	}
	if got := r.Negotiate("sv-SE"); got != "sv" {
		t.Errorf("Negotiate sv-SE = %q", got)
	}
	out := render(t, func(b *bytes.Buffer) error { return r.Banner(b, View{Lang: "sv", Categories: testCategories()}) })
	if !strings.Contains(out, ">Kakor<") || !strings.Contains(out, `lang="sv"`) {
		t.Error("operator language not rendered")
	}
	// Built-in texts stay untouched for other renderers.
	if builtinTexts["en"].Title != "We use cookies" {
		t.Error("overrides changed the built-in texts")
	}
}

// ---- configuration and files ----

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"unknown key", Config{Texts: map[string]string{"titel": "x"}}, `unknown text key "titel"`},
		{"empty text", Config{Texts: map[string]string{"reject_all": " "}}, `"reject_all" is empty`},
		{"bad lang tag", Config{LangTexts: map[string]map[string]string{"english!": {"title": "x"}}}, "not a language tag"},
		{"lang twice", Config{LangTexts: map[string]map[string]string{"DE": {"title": "x"}, "de": {"title": "y"}}}, "same language"},
		{"unknown key per lang", Config{LangTexts: map[string]map[string]string{"de": {"nope": "x"}}}, `lang_texts de: unknown text key "nope"`},
		{"default lang", Config{DefaultLang: "sv"}, `default_lang "sv" has no texts`},
		{"endpoint relative", Config{Endpoint: "_consent"}, "absolute path"},
		{"endpoint root", Config{Endpoint: "/"}, "site root"},
		{"endpoint chars", Config{Endpoint: "/a?b"}, "only letters"},
		{"notice scheme", Config{NoticeURL: "javascript:alert(1)"}, `scheme "javascript"`},
		{"notice relative", Config{NoticeURL: "cookies.html"}, "absolute path"},
		{"consent mode", Config{ConsentMode: map[string][]string{"Ad Storage": {"x"}}}, "consent mode signal"},
		{"consent mode empty", Config{ConsentMode: map[string][]string{"ad_storage": nil}}, "no categories"},
		{"missing template", Config{TemplateFile: "/nonexistent/banner.tmpl"}, `template_file "/nonexistent/banner.tmpl"`},
		{"missing stylesheet", Config{StylesheetFile: "/nonexistent/b.css"}, `stylesheet_file "/nonexistent/b.css"`},
	}
	for _, c := range cases {
		_, err := New(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	// Accepted variants.
	for _, cfg := range []Config{{Endpoint: "/_consent/"}, {NoticeURL: "https://example.com/privacy#cookies"}, {DefaultLang: "de-CH"}} {
		r, err := New(cfg)
		if err != nil {
			t.Errorf("%+v: %v", cfg, err)
			continue
		}
		if cfg.DefaultLang == "de-CH" && r.DefaultLang() != "de" {
			t.Errorf("default lang de-CH → %q", r.DefaultLang())
		}
		if cfg.Endpoint != "" && r.ScriptURL()[:len("/_consent/assets/")] != "/_consent/assets/" {
			t.Errorf("endpoint not cleaned: %s", r.ScriptURL())
		}
	}
}

func TestTemplateFileOverride(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "banner.tmpl")
	tpl := `<div id="cg-consent" lang="{{.Lang}}" role="region" aria-label="{{.T.Title}}"><form method="post" action="{{.Endpoint}}">` +
		`<input type="hidden" name="return" value="{{.Return}}"><p>{{.T.Message}}</p>` +
		`<button class="mine" name="choice" value="accept_all">{{.T.AcceptAll}}</button><button class="mine" name="choice" value="reject_all">{{.T.RejectAll}}</button>` +
		`</form></div>{{template "control" .}}<script src="{{.ScriptURL}}" defer></script>` +
		`{{define "control"}}<a id="cg-consent-settings" href="{{.Endpoint}}/preferences?return={{.Return}}">[{{.T.Settings}}]</a>{{end}}`
	if err := os.WriteFile(good, []byte(tpl), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newRenderer(t, Config{TemplateFile: good, SettingsControl: true})
	v := testView()
	v.Return = "/x" + hostile
	out := render(t, func(b *bytes.Buffer) error { return r.Banner(b, v) })
	if !strings.Contains(out, `class="mine"`) || strings.Contains(out, "<details") {
		t.Errorf("operator template not used:\n%s", out)
	}
	if strings.Contains(out, "<script>alert") {
		t.Error("operator template output not escaped")
	}
	if !strings.Contains(out, "[Cookie settings]") {
		t.Error("operator redefinition of control not used")
	}
	ctl := render(t, func(b *bytes.Buffer) error { return r.SettingsControl(b, v) })
	if !strings.Contains(ctl, "[Cookie settings]") || !strings.Contains(ctl, "return=%2fx%22%3e%3cscript%3e") {
		t.Errorf("settings with operator control:\n%s", ctl)
	}
	if r.ContentHash() == newRenderer(t, Config{SettingsControl: true}).ContentHash() {
		t.Error("ContentHash ignores the operator template")
	}

	bad := map[string]string{
		"syntax.tmpl":  `<div>{{if .HasConsent}}unclosed</div>`,
		"field.tmpl":   `<div>{{.NoSuchField}}</div>`,
		"func.tmpl":    `<div>{{nosuchfunc .Lang}}</div>`,
		"context.tmpl": `<a href="{{.Return}}`, // ends inside an attribute: html/template refuses
		"empty.tmpl":   ``,
	}
	for name, src := range bad {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := New(Config{TemplateFile: p})
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
}

func TestStylesheetFileOverride(t *testing.T) {
	p := filepath.Join(t.TempDir(), "my.css")
	css := "#cg-consent{background:#ffe}\n"
	if err := os.WriteFile(p, []byte(css), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newRenderer(t, Config{StylesheetFile: p})
	def := newRenderer(t, Config{})
	if r.StyleURL() == def.StyleURL() || r.ScriptURL() != def.ScriptURL() {
		t.Errorf("style URL %s (default %s)", r.StyleURL(), def.StyleURL())
	}
	if r.ContentHash() == def.ContentHash() {
		t.Error("ContentHash ignores the stylesheet")
	}
	rec := serve(t, r, "GET", strings.TrimPrefix(r.StyleURL(), "/_consent/assets/"), nil)
	if rec.Body.String() != css {
		t.Errorf("served %q", rec.Body.String())
	}
	empty := filepath.Join(t.TempDir(), "empty.css")
	os.WriteFile(empty, nil, 0o600)
	if _, err := New(Config{StylesheetFile: empty}); err == nil || !strings.Contains(err.Error(), empty) {
		t.Errorf("empty stylesheet: %v", err)
	}
}

func TestContentHash(t *testing.T) {
	base := newRenderer(t, Config{}).ContentHash()
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(base) {
		t.Fatalf("hash %q", base)
	}
	if again := newRenderer(t, Config{}).ContentHash(); again != base {
		t.Error("hash not stable")
	}
	seen := map[string]string{"default": base}
	for name, cfg := range map[string]Config{
		"text":         {Texts: map[string]string{"reject_all": "Refuse all"}},
		"lang text":    {LangTexts: map[string]map[string]string{"de": {"reject_all": "Ablehnen"}}},
		"lang text 2":  {LangTexts: map[string]map[string]string{"de": {"reject_all": "Alle ablehnen!"}}},
		"notice":       {NoticeURL: "/cookies"},
		"endpoint":     {Endpoint: "/cc"},
		"default lang": {DefaultLang: "de"},
		"control":      {SettingsControl: true},
		"consent mode": {ConsentMode: map[string][]string{"ad_storage": {"advertising"}}},
	} {
		h := newRenderer(t, cfg).ContentHash()
		for other, oh := range seen {
			if h == oh {
				t.Errorf("%s and %s have the same hash", name, other)
			}
		}
		seen[name] = h
	}
}

// ---- CSS and JS ----

func TestAssetSizes(t *testing.T) {
	if n := len(builtinJS); n >= 10<<10 {
		t.Errorf("banner.js is %d bytes, want < 10 KiB", n)
	}
	if n := len(builtinCSS); n >= 8<<10 {
		t.Errorf("banner.css is %d bytes, want < 8 KiB", n)
	}
	t.Logf("banner.js %d bytes, banner.css %d bytes", len(builtinJS), len(builtinCSS))
}

// Every selector is scoped under one of our ids, so the stylesheet never
// restyles the page.
func TestCSSScoped(t *testing.T) {
	css := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(string(builtinCSS), "")
	scoped := regexp.MustCompile(`^#cg-(consent|consent-settings|prefs)([\s.:\[#]|$)`)
	var preludes []string
	var walkBlock func(s string)
	walkBlock = func(s string) {
		for {
			open := strings.IndexByte(s, '{')
			if open < 0 {
				if strings.TrimSpace(s) != "" {
					t.Errorf("trailing text %q", s)
				}
				return
			}
			prelude := strings.TrimSpace(s[:open])
			depth, end := 0, -1
			for i := open; i < len(s); i++ {
				if s[i] == '{' {
					depth++
				} else if s[i] == '}' {
					depth--
					if depth == 0 {
						end = i
						break
					}
				}
			}
			if end < 0 {
				t.Fatalf("unbalanced braces after %q", prelude)
			}
			body := s[open+1 : end]
			switch {
			case strings.HasPrefix(prelude, "@media"):
				walkBlock(body)
			case strings.HasPrefix(prelude, "@keyframes"):
				if !strings.HasPrefix(prelude, "@keyframes cg-") {
					t.Errorf("keyframes name not prefixed: %q", prelude)
				}
			case strings.HasPrefix(prelude, "@"):
				t.Errorf("unexpected at-rule %q", prelude)
			default:
				preludes = append(preludes, prelude)
			}
			s = s[end+1:]
		}
	}
	walkBlock(css)
	if len(preludes) < 20 {
		t.Fatalf("found only %d rules", len(preludes))
	}
	for _, p := range preludes {
		for _, sel := range strings.Split(p, ",") {
			if sel = strings.TrimSpace(sel); !scoped.MatchString(sel) {
				t.Errorf("selector %q is not scoped", sel)
			}
		}
	}
	for _, must := range []string{"all:revert", ":focus-visible", "prefers-reduced-motion", "max-width:30em"} {
		if !strings.Contains(css, must) {
			t.Errorf("stylesheet lacks %q", must)
		}
	}
}

func TestJSConstraints(t *testing.T) {
	js := string(builtinJS)
	for _, bad := range []string{"eval(", "new Function", "document.write", "?.", "??", "import ", "require(", ".innerHTML +=", "setTimeout('"} {
		if strings.Contains(js, bad) {
			t.Errorf("banner.js contains %q", bad)
		}
	}
	for _, must := range []string{"'Accept': 'application/json'", "credentials: 'same-origin'", "data-consent-mode", "'consent:change'",
		`script[type="text/plain"][data-consent-category]`, "data-consent-type", "data-consent-oversized", "setAttributeNS", "'Escape'"} {
		if !strings.Contains(js, must) {
			t.Errorf("banner.js lacks %q", must)
		}
	}
}
