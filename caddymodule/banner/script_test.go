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
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// The script is exercised with Node against a small fake DOM
// (testdata/harness.js) built from the HTML this package renders.

type jsNode struct {
	Tag      string      `json:"tag,omitempty"`
	Attrs    [][2]string `json:"attrs,omitempty"`
	Children []jsNode    `json:"children,omitempty"`
	Text     *string     `json:"text,omitempty"`
}

func toJS(n *html.Node) (jsNode, bool) {
	switch n.Type {
	case html.TextNode:
		s := n.Data
		return jsNode{Text: &s}, true
	case html.ElementNode:
		out := jsNode{Tag: n.Data, Attrs: [][2]string{}, Children: []jsNode{}}
		for _, a := range n.Attr {
			out.Attrs = append(out.Attrs, [2]string{a.Key, a.Val})
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
	Order []string
}

type jsLog struct {
	Fetches []struct {
		URL, Method, Credentials, Body string
		Headers                        map[string]string
	}
	Gtag          [][]any
	Events        []struct{ Granted []string }
	NativeSubmits [][][2]string
	Reloads       int
	Navigations   []string
	Snaps         map[string]jsSnapshot `json:"-"`
}

func runScript(t *testing.T, body string, fragments map[string]string, gtag bool, steps []jsStep) jsLog {
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
	in, _ := json.Marshal(map[string]any{"script": script, "body": fragmentJS(t, body), "fragments": frags, "gtag": gtag, "steps": steps})
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
