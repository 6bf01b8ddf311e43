package banner

import (
	"bytes"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckSpliceable(t *testing.T) {
	safe := []string{
		`{{.Return}}`,
		`<a href="/x?r={{.Return}}">{{$.Nonce}}</a>`,
		`{{if .Nonce}} nonce="{{.Nonce}}"{{end}}`,
		`{{if and .HasConsent .ConsentID}}{{.ConsentID}}{{end}}`,
		`{{if or (not .Return) .GPC}}x{{end}}`,
		`{{range .Categories}}{{.Name}}{{join .Cookies ","}}{{end}}`,
		`{{template "other" .}}{{define "other"}}{{.PolicyVersion}}{{end}}`,
		`{{with .T}}{{.Title}}{{end}}`,
	}
	unsafe := []string{
		`{{if eq .Return "/"}}home{{end}}`,
		`{{len .Return}}`,
		`{{.Return | urlquery}}`,
		`{{printf "%s!" .Nonce}}`,
		`{{$r := .Return}}{{$r}}`,
		`{{with .ConsentID}}{{.}}{{end}}`,
		`{{range $i, $c := .Return}}{{end}}`,
		`{{template "other" .Return}}{{define "other"}}{{.}}{{end}}`,
		`{{printf "%v" .}}`,
		`{{if eq (printf "%v" $) "x"}}{{end}}`,
		`{{range .Categories}}{{if eq $.PolicyVersion .Name}}x{{end}}{{end}}`,
	}
	check := func(src string) error {
		tt, err := template.New("t").Funcs(funcs).Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		return checkSpliceable(tt)
	}
	for _, s := range safe {
		if err := check(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range unsafe {
		if err := check(s); err == nil {
			t.Errorf("%s: accepted", s)
		}
	}
	if ok, why := newRenderer(t, Config{}).PreRendered(); !ok {
		t.Errorf("built-in templates not pre-rendered: %s", why)
	}
}

// An operator template that compares a slot string is executed per call
// and therefore right for every value.
func TestOperatorTemplateNotSpliceable(t *testing.T) {
	p := filepath.Join(t.TempDir(), "b.tmpl")
	src := `<div id="cg-consent">{{if eq .Return "/"}}home{{else}}page {{.Return}}{{end}}</div>`
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newRenderer(t, Config{TemplateFile: p})
	if ok, why := r.PreRendered(); ok || !strings.Contains(why, "uses a per-request string") {
		t.Fatalf("PreRendered = %v %q", ok, why)
	}
	for ret, want := range map[string]string{"/": ">home<", "/a": ">page /a<", "": ">page <"} {
		var b bytes.Buffer
		if err := r.Banner(&b, View{Return: ret}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("Return %q: %q", ret, b.String())
		}
	}
}

// A spliceable operator template gets the fast path, with identical output.
func TestOperatorTemplateSpliced(t *testing.T) {
	p := filepath.Join(t.TempDir(), "b.tmpl")
	src := `<div id="cg-consent" lang="{{.Lang}}"><form method="post" action="{{.Endpoint}}"><input type="hidden" name="return" value="{{.Return}}">` +
		`<button class="b" name="choice" value="accept_all">{{.T.AcceptAll}}</button><button class="b" name="choice" value="reject_all">{{.T.RejectAll}}</button>` +
		`{{if .ConsentID}}<small>{{.ConsentID}}</small>{{end}}</form></div><a href="{{.Endpoint}}/preferences?return={{.Return}}">x</a>`
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newRenderer(t, Config{TemplateFile: p})
	if ok, why := r.PreRendered(); !ok {
		t.Fatalf("not pre-rendered: %s", why)
	}
	for _, ret := range []string{"/", "/a?b=1&c=" + hostile, ""} {
		v := View{Return: ret, ConsentID: ret, Categories: testCategories()}
		var fast, slow bytes.Buffer
		r.Banner(&fast, v)
		r.Banner(&fast, v) // cached
		r.execute(&slow, "banner", r.data("en", &v, true))
		r.execute(&slow, "banner", r.data("en", &v, true))
		if fast.String() != slow.String() {
			t.Errorf("Return %q:\nfast %s\nslow %s", ret, fast.String(), slow.String())
		}
	}
}
