package banner

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func TestPositionClass(t *testing.T) {
	for pos, class := range map[string]string{"": "cg-pos-bottom", "bottom": "cg-pos-bottom", "box": "cg-pos-box", "center": "cg-pos-center"} {
		r := newRenderer(t, Config{Position: pos})
		out := render(t, func(b *bytes.Buffer) error { return r.Banner(b, testView()) })
		if !strings.Contains(out, `class="cg-root `+class+`"`) {
			t.Errorf("position %q: banner root lacks class %s", pos, class)
		}
		if !strings.Contains(string(builtinCSS), "."+class) && class != "cg-pos-bottom" {
			t.Errorf("stylesheet has no rule for .%s", class)
		}
	}
	if _, err := New(Config{Position: "top"}); err == nil || !strings.Contains(err.Error(), "bottom, box or center") {
		t.Fatalf("position top: %v; want an error listing the valid positions", err)
	}
	a, b := newRenderer(t, Config{}), newRenderer(t, Config{Position: "box"})
	if a.ContentHash() == b.ContentHash() {
		t.Error("the banner hash in consent events must change with the position")
	}
	if a.ContentHash() != newRenderer(t, Config{Position: "bottom"}).ContentHash() {
		t.Error("the default position must hash like an unset one")
	}
}

// Operators theme the banner with custom properties instead of replacing
// the stylesheet; every colour the stylesheet uses goes through one, and
// dark mode follows prefers-color-scheme.
func TestThemeCustomProperties(t *testing.T) {
	css := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(string(builtinCSS), "")
	for _, prop := range []string{"--cg-bg", "--cg-fg", "--cg-muted", "--cg-accent", "--cg-accent-fg", "--cg-border", "--cg-radius", "--cg-font", "--cg-dark-bg", "--cg-dark-accent"} {
		if !strings.Contains(css, "var("+prop+",") {
			t.Errorf("no custom property %s", prop)
		}
	}
	if !strings.Contains(css, "@media (prefers-color-scheme:dark)") {
		t.Error("no dark mode")
	}
	// Literal colours only where the custom properties get their defaults.
	rules := regexp.MustCompile(`[^{}]+\{[^{}]*\}`).FindAllString(css, -1)
	hex := regexp.MustCompile(`#[0-9a-fA-F]{3,6}\b`)
	for _, r := range rules {
		body := r[strings.IndexByte(r, '{'):]
		for _, m := range hex.FindAllStringIndex(body, -1) {
			before := body[:m[0]]
			if !strings.HasSuffix(strings.TrimRight(before, " "), ",") || !strings.Contains(before[max(0, len(before)-30):], "var(--cg-") {
				t.Errorf("literal colour %s outside a custom property default in %q", body[m[0]:m[1]], strings.TrimSpace(r[:strings.IndexByte(r, '{')]))
			}
		}
	}
}
