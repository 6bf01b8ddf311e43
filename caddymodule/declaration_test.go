package caddymodule

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWantsJSON(t *testing.T) {
	for accept, want := range map[string]bool{
		"application/json":                          true,
		"application/ld+json":                       true,
		"text/html,application/xhtml+xml,*/*;q=0.8": false,
		"text/html;q=0.5, application/json":         true,
		"application/json;q=0.5, text/html":         false,
		"application/json;q=0":                      false,
		"":                                          false,
		"*/*":                                       false,
	} {
		if got := wantsJSON(accept); got != want {
			t.Errorf("wantsJSON(%q) = %v, want %v", accept, got, want)
		}
	}
}

// Before anything is observed the banner lists only the operator's
// patterns; once the site was seen setting cookies, the observed names
// with their retention.
func TestBannerListsObservedNames(t *testing.T) {
	h := newTestHandler(t, func(h *Handler) {
		h.Categories = []CategoryConfig{{Name: "analytics", Cookies: []string{"site_stats"}}}
	})
	plain := func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, err := w.Write([]byte(page))
		return err
	}
	rec, _ := serve(t, h, httptest.NewRequest("GET", "/", nil), plain)
	body := rec.Body.String()
	if !strings.Contains(body, "Cookies: site_stats</p>") || strings.Contains(body, "PHPSESSID") || strings.Contains(body, "_ga") {
		t.Fatalf("before observation: operator patterns only: %s", body)
	}
	setter := func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Add("Set-Cookie", "PHPSESSID=1; Path=/; HttpOnly")
		w.Header().Add("Set-Cookie", "gone=; Max-Age=0")
		return plain(w, r)
	}
	rec, _ = serve(t, h, httptest.NewRequest("GET", "/", nil), setter)
	body = rec.Body.String()
	if !strings.Contains(body, "Cookies: PHPSESSID (session)</p>") || strings.Contains(body, "gone") {
		t.Errorf("observed names with retention, deletions not listed: %s", body)
	}
	if !strings.Contains(body, "Cookies: site_stats</p>") {
		t.Errorf("a category with nothing observed keeps the operator's patterns")
	}
	// The declaration endpoint answers JSON with the decided category.
	req := httptest.NewRequest("GET", "/_consent/cookies", nil)
	req.Header.Set("Accept", "application/json")
	rec, _ = serve(t, h, req, nil)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" || !strings.Contains(rec.Body.String(), `"name":"PHPSESSID"`) {
		t.Errorf("declaration JSON: %s %s", ct, rec.Body.String())
	}
	if v := rec.Header().Get("Vary"); v != "Accept, Accept-Language" {
		t.Errorf("Vary: %q", v)
	}
}
