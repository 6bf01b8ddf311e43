package banner

import (
	"bytes"
	"encoding/json"
	"github.com/consentgate/caddy-consent/internal/testcaddy"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// The script is exercised with Node against a small fake DOM
// (testdata/harness.js) built from the HTML this package renders.

type jsNode struct {
	Tag      string     `json:"tag,omitempty"`
	NS       string     `json:"ns,omitempty"`    // "svg", "math" or "" (HTML)
	Attrs    [][]string `json:"attrs,omitempty"` // name, value[, namespace]
	Children []jsNode   `json:"children,omitempty"`
	Text     *string    `json:"text,omitempty"`
}

func toJS(n *html.Node) (jsNode, bool) {
	switch n.Type {
	case html.TextNode:
		s := n.Data
		return jsNode{Text: &s}, true
	case html.ElementNode:
		out := jsNode{Tag: n.Data, NS: n.Namespace, Attrs: [][]string{}, Children: []jsNode{}}
		for _, a := range n.Attr {
			attr := []string{a.Key, a.Val}
			if a.Namespace != "" {
				attr = append(attr, a.Namespace)
			}
			out.Attrs = append(out.Attrs, attr)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if j, ok := toJS(c); ok {
				out.Children = append(out.Children, j)
			}
		}
		return out, true
	}
	return jsNode{}, false
}

func fragmentJS(t *testing.T, s string) []jsNode {
	var out []jsNode
	for _, n := range parseFragment(t, s) {
		if j, ok := toJS(n); ok {
			out = append(out, j)
		}
	}
	return out
}

type jsStep struct {
	Respond      *jsResponse `json:"respond,omitempty"`
	Check        []string    `json:"check,omitempty"`
	Uncheck      []string    `json:"uncheck,omitempty"`
	Submit       *string     `json:"submit,omitempty"`
	NoSubmitter  bool        `json:"noSubmitter,omitempty"`
	ClickControl bool        `json:"clickControl,omitempty"`
	Key          string      `json:"key,omitempty"`
	Snapshot     string      `json:"snapshot,omitempty"`
}

type jsResponse struct {
	Status       int    `json:"status,omitempty"`
	Body         string `json:"body,omitempty"`
	NetworkError bool   `json:"networkError,omitempty"`
}

type jsSnapshot struct {
	Banner        bool  `json:"banner"`
	ControlHidden *bool `json:"controlHidden"`
	Active        string
	CloseVisible  bool `json:"closeVisible"`
	Scripts       []struct {
		ID, Text, Nonce string
		Type, Src       *string
		Async           bool
		Attrs           []string
	}
	Frames []struct {
		ID           string
		Src, Pending *string
	}
	Elements map[string]jsElement
	Order    []string
}

// jsElement is an element with an id after a step.
type jsElement struct {
	NS, Text string
	Created  bool       // made by the script (a re-activated script)
	Attrs    [][]string // name, value, namespace ("" when none)
}

type jsLog struct {
	Fetches []struct {
		URL, Method, Credentials, Body string
		Headers                        map[string]string
	}
	Gtag          [][]any
	UET           [][]any
	Clarity       [][]any
	Events        []struct{ Granted []string }
	NativeSubmits [][][2]string
	Reloads       int
	Navigations   []string
	Snaps         map[string]jsSnapshot `json:"-"`
}

// jsEnv says which consent APIs the page defines before the script runs.
type jsEnv struct{ Gtag, UET, Clarity bool }

func runScript(t *testing.T, body string, fragments map[string]string, gtag bool, steps []jsStep) jsLog {
	t.Helper()
	return runScriptEnv(t, body, fragments, jsEnv{Gtag: gtag}, steps)
}

func runScriptEnv(t *testing.T, body string, fragments map[string]string, env jsEnv, steps []jsStep) jsLog {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		testcaddy.Missing(t, "banner script test: node not installed (apt-get install nodejs)")
	}
	frags := map[string][]jsNode{}
	for _, f := range fragments {
		frags[f] = fragmentJS(t, f)
	}
	script, _ := filepath.Abs("assets/banner.js")
	in, _ := json.Marshal(map[string]any{"script": script, "body": fragmentJS(t, body), "fragments": frags, "gtag": env.Gtag, "uet": env.UET, "clarity": env.Clarity, "steps": steps})
	p := filepath.Join(t.TempDir(), "in.json")
	if err := os.WriteFile(p, in, 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(node, "testdata/harness.js", p)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var log jsLog
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatalf("harness output: %v\n%s", err, out)
	}
	var raw map[string]json.RawMessage
	json.Unmarshal(out, &raw)
	log.Snaps = map[string]jsSnapshot{}
	for _, s := range steps {
		if s.Snapshot != "" {
			var snap jsSnapshot
			if err := json.Unmarshal(raw[s.Snapshot], &snap); err != nil {
				t.Fatalf("snapshot %s: %v", s.Snapshot, err)
			}
			log.Snaps[s.Snapshot] = snap
		}
	}
	return log
}

const pageTags = `<main id="content"><p>Page</p>
<script type="text/plain" data-consent-category="analytics" data-consent-type="module" id="s1" nonce="pn">window.a = 1</script>
<script type="text/plain" data-consent-category="advertising" src="https://ads.example/x.js" id="s2"></script>
<script type="text/plain" data-consent-category="analytics advertising" id="s3">both()</script>
<script type="text/plain" data-consent-category="functional" id="s4">f()</script>
<iframe data-consent-src="https://video.example/embed" data-consent-category="functional" id="f1"></iframe>
<img data-consent-src="/pixel.gif" data-consent-category="advertising" id="i1">
</main>`

func stateJSON(granted ...string) string {
	cats := []map[string]any{}
	for _, c := range []string{"necessary", "functional", "analytics", "advertising"} {
		g := c == "necessary"
		for _, x := range granted {
			g = g || x == c
		}
		cats = append(cats, map[string]any{"name": c, "label": c, "granted": g, "required": c == "necessary"})
	}
	b, _ := json.Marshal(map[string]any{"has_consent": true, "policy_version": "1", "consent_id": "x", "categories": cats, "expires": "2030-01-01T00:00:00Z"})
	return string(b)
}

func str(s string) *string { return &s }

func scriptRenderer(t *testing.T) (*Renderer, View) {
	r := newRenderer(t, Config{SettingsControl: true, ConsentMode: map[string][]string{
		"analytics_storage": {"analytics"}, "ad_storage": {"advertising"}, "functionality_storage": {"functional"},
	}})
	v := testView()
	v.Return = "/page?x=1"
	return r, v
}

func TestScriptAcceptActivatesTags(t *testing.T) {
	r, v := scriptRenderer(t)
	banner := render(t, func(b *bytes.Buffer) error { return r.Banner(b, v) })
	log := runScript(t, banner+pageTags, nil, true, []jsStep{
		{Respond: &jsResponse{Status: 200, Body: stateJSON("analytics", "advertising")}, Submit: str("accept_all"), Snapshot: "after"},
	})

	if len(log.Fetches) != 1 {
		t.Fatalf("fetches: %+v", log.Fetches)
	}
	f := log.Fetches[0]
	form, _ := url.ParseQuery(f.Body)
	if f.URL != "/_consent" || f.Method != "POST" || f.Credentials != "same-origin" || f.Headers["Accept"] != "application/json" {
		t.Errorf("fetch %+v", f)
	}
	if !reflect.DeepEqual(form, url.Values{"return": {"/page?x=1"}, "choice": {"accept_all"}}) {
		t.Errorf("posted %v", form)
	}
	s := log.Snaps["after"]
	if s.Banner || s.ControlHidden == nil || *s.ControlHidden || s.Active != "cg-consent-settings" {
		t.Errorf("after accepting: banner=%v controlHidden=%v focus=%s", s.Banner, s.ControlHidden, s.Active)
	}
	scripts := map[string]int{}
	for i, sc := range s.Scripts {
		scripts[sc.ID] = i
	}
	s1 := s.Scripts[scripts["s1"]]
	if s1.Type == nil || *s1.Type != "module" || s1.Text != "window.a = 1" || s1.Nonce != "pn" || s1.Async ||
		!reflect.DeepEqual(s1.Attrs, []string{"data-consent-category", "id", "nonce", "type"}) {
		t.Errorf("s1 not activated as a module: %+v", s1)
	}
	s2 := s.Scripts[scripts["s2"]]
	if s2.Type != nil || s2.Src == nil || *s2.Src != "https://ads.example/x.js" || s2.Async {
		t.Errorf("s2 not activated in order: %+v", s2)
	}
	if s3 := s.Scripts[scripts["s3"]]; s3.Type != nil || s3.Text != "both()" {
		t.Errorf("s3 (both categories granted) not activated: %+v", s3)
	}
	if s4 := s.Scripts[scripts["s4"]]; s4.Type == nil || *s4.Type != "text/plain" {
		t.Errorf("s4 (functional, refused) activated: %+v", s4)
	}
	for _, fr := range s.Frames {
		switch fr.ID {
		case "f1":
			if fr.Src != nil || fr.Pending == nil {
				t.Errorf("iframe of a refused category loaded: %+v", fr)
			}
		case "i1":
			if fr.Src == nil || *fr.Src != "/pixel.gif" || fr.Pending != nil {
				t.Errorf("img not restored: %+v", fr)
			}
		}
	}
	if len(log.Gtag) != 1 || !reflect.DeepEqual(log.Gtag[0], []any{"consent", "update", map[string]any{
		"analytics_storage": "granted", "ad_storage": "granted", "functionality_storage": "denied",
	}}) {
		t.Errorf("gtag calls %v", log.Gtag)
	}
	if len(log.Events) != 1 || !reflect.DeepEqual(log.Events[0].Granted, []string{"necessary", "analytics", "advertising"}) {
		t.Errorf("consent:change events %+v", log.Events)
	}
	if len(log.NativeSubmits) != 0 || log.Reloads != 0 {
		t.Errorf("fallback or reload: %+v", log)
	}
}

func TestScriptFallsBackToFormSubmission(t *testing.T) {
	r, v := scriptRenderer(t)
	banner := render(t, func(b *bytes.Buffer) error { return r.Banner(b, v) })
	for name, resp := range map[string]jsResponse{
		"network": {NetworkError: true},
		"status":  {Status: 500, Body: "oops"},
		"body":    {Status: 200, Body: "<html>"},
	} {
		t.Run(name, func(t *testing.T) {
			log := runScript(t, banner+pageTags, nil, false, []jsStep{
				// Safari before 15.4: no SubmitEvent.submitter, the click tells.
				{Respond: &resp, Check: []string{"functional"}, Submit: str("custom"), NoSubmitter: true, Snapshot: "after"},
			})
			if len(log.Fetches) != 1 || !strings.Contains(log.Fetches[0].Body, "category=functional") || !strings.Contains(log.Fetches[0].Body, "choice=custom") {
				t.Errorf("fetch %+v", log.Fetches)
			}
			want := [][2]string{{"return", "/page?x=1"}, {"category", "functional"}, {"choice", "custom"}}
			if len(log.NativeSubmits) != 1 || !reflect.DeepEqual(log.NativeSubmits[0], want) {
				t.Errorf("native submits %v, want one with %v", log.NativeSubmits, want)
			}
			if s := log.Snaps["after"]; !s.Banner || len(log.Events) != 0 {
				t.Error("banner removed or event sent although saving failed")
			}
		})
	}
}

func TestScriptReopenCloseAndWithdraw(t *testing.T) {
	r, v := scriptRenderer(t)
	v.HasConsent = true
	v.Categories[2].Granted = true // analytics
	control := render(t, func(b *bytes.Buffer) error { return r.SettingsControl(b, v) })
	v.Nonce = "" // the /banner endpoint renders without a nonce
	reopened := render(t, func(b *bytes.Buffer) error { return r.Banner(b, v) })
	ok := jsResponse{Status: 200, Body: reopened}
	log := runScript(t, control+pageTags, map[string]string{"b": reopened}, true, []jsStep{
		{Respond: &ok, ClickControl: true, Snapshot: "open"},
		{Key: "Escape", Snapshot: "closed"},
		{Respond: &ok, ClickControl: true},
		{Respond: &jsResponse{Status: 200, Body: stateJSON()}, Uncheck: []string{"analytics"}, Submit: str("custom"), Snapshot: "after"},
	})
	if len(log.Fetches) != 3 {
		t.Fatalf("fetches %+v", log.Fetches)
	}
	if f := log.Fetches[0]; f.URL != "/_consent/banner?return=%2fpage%3fx%3d1" || f.Method != "GET" || f.Credentials != "same-origin" {
		t.Errorf("reopen fetch %+v", f)
	}
	open := log.Snaps["open"]
	if !open.Banner || open.Active != "cg-consent-title" || !open.CloseVisible {
		t.Errorf("reopened: %+v", open)
	}
	if i := strings.Join(open.Order, " "); !strings.Contains(i, "cg-consent cg-consent-settings") {
		t.Errorf("banner not inserted before the control: %s", i)
	}
	if c := log.Snaps["closed"]; c.Banner || c.Active != "cg-consent-settings" {
		t.Errorf("Escape: banner=%v focus=%s", c.Banner, c.Active)
	}
	if form, _ := url.ParseQuery(log.Fetches[2].Body); !reflect.DeepEqual(form, url.Values{"return": {"/page?x=1"}, "choice": {"custom"}}) {
		t.Errorf("withdrawal posted %v", form)
	}
	after := log.Snaps["after"]
	if after.Banner || after.Active != "cg-consent-settings" {
		t.Errorf("after saving: %+v", after)
	}
	// analytics was granted and is now refused: the page reloads so that
	// running tags stop; gtag learns first.
	if log.Reloads != 1 {
		t.Errorf("reloads = %d, want 1", log.Reloads)
	}
	if len(log.Gtag) != 1 || log.Gtag[0][2].(map[string]any)["analytics_storage"] != "denied" {
		t.Errorf("gtag %v", log.Gtag)
	}
	if len(log.Navigations) != 0 {
		t.Errorf("navigated: %v", log.Navigations)
	}
}

func TestScriptReopenFailureNavigates(t *testing.T) {
	r, v := scriptRenderer(t)
	v.HasConsent = true
	control := render(t, func(b *bytes.Buffer) error { return r.SettingsControl(b, v) })
	log := runScript(t, control, nil, false, []jsStep{{Respond: &jsResponse{Status: 503}, ClickControl: true}})
	if !reflect.DeepEqual(log.Navigations, []string{"/_consent/preferences?return=%2fpage%3fx%3d1"}) {
		t.Errorf("navigations %v", log.Navigations)
	}
}

// Every kind of tag the tracker neutralizer (caddymodule/trackers) leaves
// in a page, as it writes them: the attributes it renames get the
// data-consent- prefix; a start tag too long to read gets inert attributes
// and data-consent-oversized (the last three also carry what a page could
// write itself, and must stay inert all the same).
const pageNeutralized = `<main>
<svg><script type="text/plain" data-consent-category="advertising" data-consent-href="https://connect.facebook.net/en_US/fbevents.js" id="svg-href"></script></svg>
<svg><script type="text/plain" data-consent-category="analytics" data-consent-xlink:href="https://static.hotjar.com/c/hotjar-1.js" id="svg-xlink">hj()</script></svg>
<object data-consent-category="advertising" data-consent-data="https://www.facebook.com/tr?id=1" width="1" id="object"></object>
<embed data-consent-category="advertising" data-consent-src="https://px.ads.linkedin.com/collect/?pid=1" id="embed">
<input data-consent-category="advertising" type="image" data-consent-src="https://www.facebook.com/tr?id=1" alt="go" id="input">
<video data-consent-category="analytics" data-consent-poster="https://www.google-analytics.com/collect?v=1" src="/v.mp4" id="video"></video>
<picture><source data-consent-category="advertising" data-consent-srcset="https://px.ads.linkedin.com/collect/?pid=1 1x" id="source"><img src="/a.png" id="plain"></picture>
<img data-consent-category="advertising" src="/a.png" data-consent-srcset="/a2.png 2x, https://bat.bing.com/action/0?ti=1 3x" id="srcset">
<svg><image data-consent-category="advertising" data-consent-href="https://ct.pinterest.com/v3/?tid=1" id="image-href"/></svg>
<svg><image data-consent-category="advertising" data-consent-xlink:href="https://www.facebook.com/tr?id=1" id="image-xlink"/></svg>
<a data-consent-category="analytics" href="/shop" data-consent-ping="https://www.google-analytics.com/collect?v=1" id="ping">Shop</a>
<link data-consent-category="advertising" rel="preload" as="script" data-consent-href="https://connect.facebook.net/en_US/fbevents.js" id="preload">
<link data-consent-category="advertising" rel="preload" as="image" data-consent-imagesrcset="https://bat.bing.com/action/0?ti=1 1x" id="imagesrcset">
<iframe data-consent-category="advertising" data-consent-src="https://www.youtube.com/embed/x" data-consent-placeholder srcdoc="&lt;a href=&quot;https://www.youtube.com/embed/x&quot;&gt;YouTube&lt;/a&gt;" id="placeholder"></iframe>
<iframe data-consent-category="advertising" src="https://own.example/x" data-consent-srcdoc="&lt;script src=&quot;https://connect.facebook.net/en_US/fbevents.js&quot;&gt;&lt;/script&gt;" id="srcdoc"></iframe>
<iframe data-consent-category="analytics advertising" data-consent-src="https://www.youtube.com/embed/x" data-consent-srcdoc="&lt;p&gt;x" id="both"></iframe>
<iframe data-consent-category="functional" data-consent-src="https://www.youtube.com/embed/y" data-consent-placeholder srcdoc="&lt;p&gt;y" id="refused-frame"></iframe>
<img data-consent-category="functional" data-consent-srcset="https://maps.example/t.png 1x" id="refused-img">
<object data-consent-category="analytics functional" data-consent-data="https://maps.example/o" id="refused-mixed"></object>
<svg><script type="text/plain" data-consent-category="functional" data-consent-href="https://maps.example/m.js" id="refused-svg"></script></svg>
<script type="text/plain" href="" xlink:href="" data-consent-oversized data-consent-category="advertising" data-consent-type="module" src="https://connect.facebook.net/en_US/fbevents.js" id="oversized-script">x()</script>
<img src="" srcset="" poster="" data-consent-oversized data-consent-category="advertising" data-consent-src="https://www.facebook.com/tr?id=1" id="oversized-img">
<iframe src="about:blank" srcdoc="" data-consent-oversized data-consent-category="analytics" data-consent-src="https://www.youtube.com/embed/z" id="oversized-frame"></iframe>
</main>`

// pageElements are the elements of the page with an id, without the
// banner's own.
func pageElements(s jsSnapshot) map[string]jsElement {
	out := map[string]jsElement{}
	for id, e := range s.Elements {
		if !strings.HasPrefix(id, "cg-") {
			out[id] = e
		}
	}
	return out
}

// sortedAttrs renders attributes as name=value (with {namespace} when
// set), sorted: the order of attributes has no meaning.
func sortedAttrs(attrs [][]string) []string {
	out := make([]string, 0, len(attrs))
	for _, a := range attrs {
		s := a[0] + "=" + a[1]
		if len(a) > 2 && a[2] != "" {
			s = "{" + a[2] + "}" + s
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func TestScriptRestoresEveryNeutralizedAttribute(t *testing.T) {
	r, v := scriptRenderer(t)
	banner := render(t, func(b *bytes.Buffer) error { return r.Banner(b, v) })
	log := runScript(t, banner+pageNeutralized, nil, true, []jsStep{
		{Snapshot: "before"},
		// analytics and advertising granted, functional refused.
		{Respond: &jsResponse{Status: 200, Body: stateJSON("analytics", "advertising")}, Submit: str("accept_all"), Snapshot: "after"},
	})
	const (
		svgNS   = "http://www.w3.org/2000/svg"
		xlinkNS = "http://www.w3.org/1999/xlink"
	)
	before, after := pageElements(log.Snaps["before"]), pageElements(log.Snaps["after"])
	if len(before) != 24 || len(after) != 24 {
		t.Fatalf("elements before %d, after %d: %v", len(before), len(after), after)
	}
	cat := func(c string) string { return "data-consent-category=" + c }
	want := map[string][]string{
		"svg-href":    {cat("advertising"), "href=https://connect.facebook.net/en_US/fbevents.js", "id=svg-href"},
		"svg-xlink":   {cat("analytics"), "id=svg-xlink", "{" + xlinkNS + "}xlink:href=https://static.hotjar.com/c/hotjar-1.js"},
		"object":      {"data=https://www.facebook.com/tr?id=1", cat("advertising"), "id=object", "width=1"},
		"embed":       {cat("advertising"), "id=embed", "src=https://px.ads.linkedin.com/collect/?pid=1"},
		"input":       {"alt=go", cat("advertising"), "id=input", "src=https://www.facebook.com/tr?id=1", "type=image"},
		"video":       {cat("analytics"), "id=video", "poster=https://www.google-analytics.com/collect?v=1", "src=/v.mp4"},
		"source":      {cat("advertising"), "id=source", "srcset=https://px.ads.linkedin.com/collect/?pid=1 1x"},
		"srcset":      {cat("advertising"), "id=srcset", "src=/a.png", "srcset=/a2.png 2x, https://bat.bing.com/action/0?ti=1 3x"},
		"image-href":  {cat("advertising"), "href=https://ct.pinterest.com/v3/?tid=1", "id=image-href"},
		"image-xlink": {cat("advertising"), "id=image-xlink", "{" + xlinkNS + "}xlink:href=https://www.facebook.com/tr?id=1"},
		"ping":        {cat("analytics"), "href=/shop", "id=ping", "ping=https://www.google-analytics.com/collect?v=1"},
		"preload":     {"as=script", cat("advertising"), "href=https://connect.facebook.net/en_US/fbevents.js", "id=preload", "rel=preload"},
		"imagesrcset": {"as=image", cat("advertising"), "id=imagesrcset", "imagesrcset=https://bat.bing.com/action/0?ti=1 1x", "rel=preload"},
		// The placeholder's srcdoc would win over src: it goes.
		"placeholder": {cat("advertising"), "id=placeholder", "src=https://www.youtube.com/embed/x"},
		"srcdoc":      {cat("advertising"), "id=srcdoc", "src=https://own.example/x", `srcdoc=<script src="https://connect.facebook.net/en_US/fbevents.js"></script>`},
		"both":        {cat("analytics advertising"), "id=both", "src=https://www.youtube.com/embed/x", "srcdoc=<p>x"},
	}
	for id, w := range want {
		e, ok := after[id]
		if !ok {
			t.Errorf("%s: gone", id)
			continue
		}
		sort.Strings(w)
		if got := sortedAttrs(e.Attrs); !reflect.DeepEqual(got, w) {
			t.Errorf("%s not restored:\n got %q\nwant %q", id, got, w)
		}
	}
	// Scripts are replaced by new elements (a parsed script never runs
	// again), in their own namespace: an SVG script loads its href.
	for _, id := range []string{"svg-href", "svg-xlink"} {
		if e := after[id]; !e.Created || e.NS != svgNS {
			t.Errorf("%s: created=%v namespace %q, want a new SVG script", id, e.Created, e.NS)
		}
	}
	if e := after["svg-xlink"]; e.Text != "hj()" {
		t.Errorf("svg-xlink text %q", e.Text)
	}
	// Other elements are restored in place, and nothing else changed.
	for id, e := range after {
		if _, ok := want[id]; !ok && !reflect.DeepEqual(e, before[id]) {
			t.Errorf("%s changed although its category is refused or the gateway could not read it:\nbefore %+v\nafter  %+v", id, before[id], e)
		}
		if e.Created && !strings.HasPrefix(id, "svg-") {
			t.Errorf("%s replaced", id)
		}
	}
	if log.Reloads != 0 || len(log.NativeSubmits) != 0 || len(log.Events) != 1 {
		t.Errorf("reloads %d, native submits %d, events %d", log.Reloads, len(log.NativeSubmits), len(log.Events))
	}
}

// Microsoft UET consent mode and Clarity's consent API learn the choice
// from the same signals as Google Consent Mode (ad_storage,
// analytics_storage), also on a page without gtag.
func TestScriptUpdatesMicrosoftSignals(t *testing.T) {
	r, v := scriptRenderer(t)
	banner := render(t, func(b *bytes.Buffer) error { return r.Banner(b, v) })
	uet := func(ad string) [][]any { return [][]any{{"consent", "update", map[string]any{"ad_storage": ad}}} }
	clarity := func(ad, analytics string) [][]any {
		return [][]any{{"consentv2", map[string]any{"ad_Storage": ad, "analytics_Storage": analytics}}}
	}
	for _, c := range []struct {
		name        string
		env         jsEnv
		granted     []string
		wantUET     [][]any
		wantClarity [][]any
	}{
		{"analytics only", jsEnv{Gtag: true, UET: true, Clarity: true}, []string{"analytics"}, uet("denied"), clarity("denied", "granted")},
		{"advertising only", jsEnv{UET: true, Clarity: true}, []string{"advertising"}, uet("granted"), clarity("granted", "denied")},
		{"all", jsEnv{UET: true, Clarity: true}, []string{"functional", "analytics", "advertising"}, uet("granted"), clarity("granted", "granted")},
		{"none", jsEnv{UET: true, Clarity: true}, nil, uet("denied"), clarity("denied", "denied")},
		{"uet only", jsEnv{UET: true}, []string{"advertising"}, uet("granted"), [][]any{}},
		{"clarity only", jsEnv{Clarity: true}, []string{"analytics"}, [][]any{}, clarity("denied", "granted")},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := runScriptEnv(t, banner, nil, c.env, []jsStep{
				{Respond: &jsResponse{Status: 200, Body: stateJSON(c.granted...)}, Check: c.granted, Submit: str("custom"), Snapshot: "after"},
			})
			if log.Snaps["after"].Banner || len(log.NativeSubmits) != 0 {
				t.Fatal("choice not saved by the script")
			}
			if !reflect.DeepEqual(log.UET, c.wantUET) {
				t.Errorf("uetq pushes %v, want %v", log.UET, c.wantUET)
			}
			if !reflect.DeepEqual(log.Clarity, c.wantClarity) {
				t.Errorf("clarity calls %v, want %v", log.Clarity, c.wantClarity)
			}
			if c.env.Gtag != (len(log.Gtag) == 1) {
				t.Errorf("gtag calls %v", log.Gtag)
			}
		})
	}
}

// Taking advertising back tells UET and Clarity before the page reloads.
func TestScriptWithdrawalUpdatesMicrosoftSignals(t *testing.T) {
	r, v := scriptRenderer(t)
	v.HasConsent = true
	v.Categories[2].Granted = true // analytics
	v.Categories[3].Granted = true // advertising
	control := render(t, func(b *bytes.Buffer) error { return r.SettingsControl(b, v) })
	v.Nonce = ""
	reopened := render(t, func(b *bytes.Buffer) error { return r.Banner(b, v) })
	log := runScriptEnv(t, control, map[string]string{"b": reopened}, jsEnv{UET: true, Clarity: true}, []jsStep{
		{Respond: &jsResponse{Status: 200, Body: reopened}, ClickControl: true},
		{Respond: &jsResponse{Status: 200, Body: stateJSON("analytics")}, Uncheck: []string{"advertising"}, Submit: str("custom")},
	})
	if log.Reloads != 1 {
		t.Errorf("reloads = %d, want 1", log.Reloads)
	}
	if want := [][]any{{"consent", "update", map[string]any{"ad_storage": "denied"}}}; !reflect.DeepEqual(log.UET, want) {
		t.Errorf("uetq pushes %v, want %v", log.UET, want)
	}
	if want := [][]any{{"consentv2", map[string]any{"ad_Storage": "denied", "analytics_Storage": "granted"}}}; !reflect.DeepEqual(log.Clarity, want) {
		t.Errorf("clarity calls %v, want %v", log.Clarity, want)
	}
}
