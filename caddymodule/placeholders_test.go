package caddymodule

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
)

// The {http.consent.*} placeholders answer what the README documents, for
// the handlers after the gateway (an empty value is "empty", "-" here),
// and a value another directive set under the same name wins.
func TestConsentPlaceholders(t *testing.T) {
	h := newTestHandler(t, nil)
	const tpl = "{http.consent.id}|{http.consent.categories}|{http.consent.has_consent}|{http.consent.gpc}|{http.consent.profile}|{http.consent.region}|{http.consent.nope}"
	get := func(cookie string, gpc bool, preset map[string]any) string {
		req := httptest.NewRequest(http.MethodGet, "/api", nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		if gpc {
			req.Header.Set("Sec-GPC", "1")
		}
		var got string
		_, err := serve(t, h, req, func(w http.ResponseWriter, r *http.Request) error {
			repl := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
			for k, v := range preset {
				repl.Set(k, v)
			}
			got = repl.ReplaceAll(tpl, "-")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got, want := get("", false, nil), "-|necessary|false|false|-|-|-"; got != want {
		t.Errorf("no consent: %q, want %q", got, want)
	}
	v := hxMint(t, h, "analytics")
	c, _, err := h.codec.Decode(v, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := get("consent="+v, false, nil), c.IDString()+"|necessary,analytics|true|false|-|-|-"; got != want {
		t.Errorf("consent: %q, want %q", got, want)
	}
	if got, want := get("consent="+v, true, map[string]any{"http.consent.region": "XX"}), c.IDString()+"|necessary,analytics|true|true|-|XX|-"; got != want {
		t.Errorf("consent, GPC, region set by another directive: %q, want %q", got, want)
	}
}

// On the consent endpoint the placeholders describe the choice just
// recorded (what a log directive after the gateway sees), not the state
// the request arrived with.
func TestConsentPlaceholdersAfterChoice(t *testing.T) {
	h := newTestHandler(t, nil)
	req := httptest.NewRequest(http.MethodPost, "/_consent", strings.NewReader("choice=accept_all"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://example.com")
	rec, err := serve(t, h, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Result().Cookies()) == 0 {
		t.Fatalf("no consent cookie set (status %d)", rec.Code)
	}
	repl := req.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	got := repl.ReplaceAll("{http.consent.has_consent}|{http.consent.categories}", "-")
	if want := "true|necessary,functional,analytics,advertising"; got != want {
		t.Errorf("after accept_all: %q, want %q", got, want)
	}
}
