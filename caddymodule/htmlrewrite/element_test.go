package htmlrewrite

import (
	"bytes"
	"strings"
	"testing"
)

// elemRewriter makes scripts whose text mentions "track" inert by changing
// their start tag, the way the tracker neutralizer does.
type elemRewriter struct{}

func (elemRewriter) WantTag(name string) bool                   { return name == "script" }
func (elemRewriter) RewriteTag(name string, raw []byte) []byte  { return nil }
func (elemRewriter) WantText(name string, startTag []byte) bool { return name == "script" }
func (elemRewriter) RewriteText(string, []byte, []byte) []byte  { panic("RewriteElement must be used") }
func (elemRewriter) RewriteElement(name string, start, text []byte) ([]byte, []byte) {
	if !bytes.Contains(text, []byte("track")) {
		return nil, nil
	}
	return append([]byte(`<script type="text/plain"`), start[len("<script"):]...), nil
}

func TestElementRewriterReplacesStartTagAfterText(t *testing.T) {
	in := `<html><head><script id=a>track("x")</script><script>ok()</script></head><body><p>x</p></body></html>`
	want := `<html><head><script type="text/plain" id=a>track("x")</script><script>ok()</script></head><body>[B]<p>x</p></body></html>`
	for split := 0; split <= len(in); split++ {
		var out bytes.Buffer
		r := New(&out, Options{BodyStart: []byte("[B]"), Tags: elemRewriter{}})
		_, _ = r.Write([]byte(in[:split]))
		_, _ = r.Write([]byte(in[split:]))
		_ = r.Close()
		if out.String() != want {
			t.Fatalf("split at %d:\n got %s\nwant %s", split, out.String(), want)
		}
	}
	// Over MaxHold the element passes through untouched.
	big := `<script>track(` + strings.Repeat("1", 200) + `)</script>`
	var out bytes.Buffer
	r := New(&out, Options{Tags: elemRewriter{}, MaxHold: 64})
	_, _ = r.Write([]byte(big))
	_ = r.Close()
	if out.String() != big {
		t.Errorf("oversized element changed: %s", out.String())
	}
}
