package caddymodule

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/klauspost/compress/gzip"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/consentgate/caddy-consent/caddymodule/config"
)

// trackerPage carries a GA4 and a Meta Pixel tag.
const trackerPage = `<!DOCTYPE html><html><head><title>t</title>` +
	`<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABC123"></script>` +
	`<script src="https://connect.facebook.net/en_US/fbevents.js"></script>` +
	`</head><body><p>hello</p></body></html>`

func trackerUpstream(seen *http.Header) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if seen != nil {
			*seen = r.Header.Clone()
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", "999")
		w.Header().Set("ETag", `"abc"`)
		w.Header().Set("Content-Security-Policy", "script-src 'self' https://www.googletagmanager.com https://connect.facebook.net")
		w.Header().Add("Set-Cookie", "_ga=1; Path=/")
		w.Header().Add("Set-Cookie", "PHPSESSID=2; Path=/")
		_, err := io.WriteString(w, trackerPage)
		return err
	}
}

// Issue 10: `banner off` and `settings_control off` turned tag
// neutralization, CSP narrowing and Consent Mode off with the banner.
func TestBannerOffStillNeutralizesTags(t *testing.T) {
	for _, c := range []struct {
		name   string
		banner *BannerConfig
		cookie func(h *Handler) string
	}{
		{"banner off", &BannerConfig{Disabled: true}, nil},
		{"settings control off, analytics only", &BannerConfig{NoSettingsControl: true},
			func(h *Handler) string { return "consent=" + hxMint(t, h, "analytics") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newTestHandler(t, func(h *Handler) {
				h.Banner = c.banner
				h.ConsentMode = &ConsentModeConfig{}
			})
			req := httptest.NewRequest("GET", "/", nil)
			if c.cookie != nil {
				req.Header.Set("Cookie", c.cookie(h))
			}
			rec, err := serve(t, h, req, trackerUpstream(nil))
			if err != nil {
				t.Fatal(err)
			}
			body := rec.Body.String()
			if strings.Contains(body, `id="cg-consent"`) {
				t.Errorf("banner shown: %s", body)
			}
			if strings.Contains(body, `<script src="https://connect.facebook.net`) || !strings.Contains(body, `data-consent-category="advertising"`) {
				t.Errorf("refused Meta Pixel tag left live: %s", body)
			}
			if !strings.Contains(body, "gtag('consent','default'") {
				t.Errorf("no Consent Mode default: %s", body)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); strings.Contains(csp, "connect.facebook.net") {
				t.Errorf("CSP still allows the refused vendor: %s", csp)
			}
		})
	}
}

// Issue 10: report mode changes nothing the client or the upstream can
// observe, and its one enforcement event says what enforcing would do,
// including the tags it would neutralize.
func TestReportModeChangesNothing(t *testing.T) {
	h := newTestHandler(t, func(h *Handler) {
		h.Mode = ModeReport
		h.ConsentMode = &ConsentModeConfig{}
	})
	core, logs := observer.New(zap.InfoLevel)
	h.logger = zap.New(core)

	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("Cookie", "_ga=1; PHPSESSID=2")
	req.Header.Set("Cookie2", `$Version="1"`)
	var upstream http.Header
	rec, err := serve(t, h, req, trackerUpstream(&upstream))
	if err != nil {
		t.Fatal(err)
	}
	if upstream.Get("Accept-Encoding") != "gzip" || upstream.Get("Cookie") != "_ga=1; PHPSESSID=2" || upstream.Get("Cookie2") == "" {
		t.Errorf("the upstream saw a changed request: %v", upstream)
	}
	bare := httptest.NewRecorder()
	_ = trackerUpstream(nil)(bare, req)
	if rec.Body.String() != bare.Body.String() {
		t.Errorf("body changed:\n got  %s\n want %s", rec.Body.String(), bare.Body.String())
	}
	for k, v := range bare.Header() {
		if strings.Join(rec.Header()[k], "\n") != strings.Join(v, "\n") {
			t.Errorf("header %s: got %q, want %q", k, rec.Header()[k], v)
		}
	}
	for k := range rec.Header() {
		if _, ok := bare.Header()[k]; !ok {
			t.Errorf("header %s added", k)
		}
	}
	ev := logs.FilterMessage("enforcement").All()
	if len(ev) != 1 {
		t.Fatalf("want one enforcement event, got %d", len(ev))
	}
	b, _ := json.Marshal(ev[0].ContextMap())
	for _, want := range []string{`"would_only":true`, `"neutralized"`, `"meta-pixel"`, `"stripped"`, `"_ga"`, `"filtered"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("report event lacks %s: %s", want, b)
		}
	}
}

// Issue 13: the banner goes only into documents requested as documents,
// never into fragments or empty bodies; refused tags in a fragment are
// neutralized all the same.
func TestBannerOnlyInDocuments(t *testing.T) {
	h := newTestHandler(t, nil)
	for _, c := range []struct {
		name   string
		hdr    map[string]string
		body   string
		banner bool
	}{
		{"navigation", map[string]string{"Sec-Fetch-Dest": "document"}, trackerPage, true},
		{"htmx", map[string]string{"Sec-Fetch-Dest": "empty", "HX-Request": "true"}, trackerPage, false},
		{"turbo frame", map[string]string{"Accept": "text/html", "Turbo-Frame": "main"}, trackerPage, false},
		{"fetch", map[string]string{"Sec-Fetch-Dest": "empty", "Accept": "text/html"}, trackerPage, false},
		{"empty body", map[string]string{"Sec-Fetch-Dest": "document"}, "", false},
		{"fragment body", map[string]string{"Sec-Fetch-Dest": "document"}, `<div>partial</div>`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			for k, v := range c.hdr {
				req.Header.Set(k, v)
			}
			rec, _ := serve(t, h, req, func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "text/html")
				_, err := io.WriteString(w, c.body)
				return err
			})
			got := strings.Contains(rec.Body.String(), `id="cg-consent"`)
			if got != c.banner {
				t.Errorf("banner %v, want %v: %q", got, c.banner, rec.Body.String())
			}
			if c.body == "" && rec.Body.Len() != 0 {
				t.Errorf("an empty body became %q", rec.Body.String())
			}
			if c.body == trackerPage && strings.Contains(rec.Body.String(), `<script src="https://connect.facebook.net`) {
				t.Errorf("tag left live: %s", rec.Body.String())
			}
		})
	}
}

// Issue 10: JSON "endpoint": "/" used to answer every path of the site.
func TestJSONEndpointRootRejected(t *testing.T) {
	var h Handler
	if err := json.Unmarshal([]byte(`{"endpoint": "/", "keys": [{"hash": "`+testHashKey+`", "block": "`+testBlockKey+`"}]}`), &h); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	if err := h.Provision(ctx); err == nil || !strings.Contains(err.Error(), `endpoint "/"`) {
		t.Fatalf("got %v, want endpoint \"/\" refused", err)
	}
	// The embedded configuration keeps today's JSON field names.
	out, _ := json.Marshal(Handler{Config: config.Config{PolicyVersion: "v", Endpoint: "/x"}})
	if string(out) != `{"policy_version":"v","endpoint":"/x"}` {
		t.Errorf("JSON shape: %s", out)
	}
}

// Issue 12: one request, whatever it carries, writes one enforcement line.
func TestOneEnforcementEventPerResponse(t *testing.T) {
	h := newTestHandler(t, nil)
	core, logs := observer.New(zap.InfoLevel)
	h.logger = zap.New(core)
	var b strings.Builder
	for i := 0; i < 3000; i++ {
		b.WriteString("n;")
	}
	b.WriteString("_ga=1; _fbp=2; lang=3")
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", b.String())
	if _, err := serve(t, h, req, trackerUpstream(nil)); err != nil {
		t.Fatal(err)
	}
	if n := len(logs.FilterMessage("enforcement").All()); n != 1 {
		t.Errorf("%d enforcement events", n)
	}
	if n := logs.Len(); n > 6 {
		t.Errorf("%d lines for one request", n)
	}
	for _, old := range []string{"cookie_stripped", "cookie_filtered", "cookie_expired", "tag_neutralized", "request_blocked"} {
		if n := len(logs.FilterMessage(old).All()); n != 0 {
			t.Errorf("%d %s events", n, old)
		}
	}
}

// Issue 13 findings at the HTTP layer.
func TestIssue13RequestFixes(t *testing.T) {
	h := newTestHandler(t, nil)
	valid := "consent=" + hxMint(t, h, "analytics", "advertising")

	t.Run("valid and invalid duplicate, both orders: no consent, banner shown", func(t *testing.T) {
		for _, order := range [][]string{{valid + "; consent=forged"}, {"consent=forged; " + valid}} {
			u := &hxUpstream{}
			rec := hxGet(t, h, u, "/", order, map[string]string{"Sec-Fetch-Dest": "document"})
			if has, _ := hxState(t, h, order, nil); has {
				t.Errorf("%q: has_consent true", order)
			}
			if !strings.Contains(rec.Body.String(), `id="cg-consent"`) {
				t.Errorf("%q: no banner", order)
			}
		}
	})
	t.Run("Origin with another scheme is refused", func(t *testing.T) {
		rec := hxPost(t, h, "choice=accept_all", "application/x-www-form-urlencoded", map[string]string{"Origin": "https://example.com"})
		if rec.Code != http.StatusForbidden {
			t.Errorf("https Origin on plain HTTP: status %d", rec.Code)
		}
	})
	t.Run("__Host- consent cookie ignored on plain HTTP", func(t *testing.T) {
		host := "__Host-consent=" + hxMint(t, h, "analytics")
		if has, _ := hxState(t, h, []string{host}, nil); has {
			t.Error("__Host-consent accepted over HTTP")
		}
	})
	t.Run("the upstream gets neither the consent cookie nor Cookie2", func(t *testing.T) {
		var seen http.Header
		req := httptest.NewRequest("GET", "/api", nil)
		req.Header.Set("Cookie", valid+"; PHPSESSID=1")
		req.Header.Set("Cookie2", `$Version="1"; _ga=1`)
		if _, err := serve(t, h, req, func(w http.ResponseWriter, r *http.Request) error { seen = r.Header.Clone(); return nil }); err != nil {
			t.Fatal(err)
		}
		if got := seen.Get("Cookie"); got != "PHPSESSID=1" {
			t.Errorf("upstream Cookie %q, want PHPSESSID=1", got)
		}
		if seen.Get("Cookie2") != "" {
			t.Error("Cookie2 reached the upstream")
		}
	})
}

// Report mode scans a compressed page on a copy (the client gets the
// upstream's compressed bytes) and logs the tags enforcing would neutralize.
func TestReportModeScansCompressedPages(t *testing.T) {
	h := newTestHandler(t, func(h *Handler) { h.Mode = ModeReport })
	core, logs := observer.New(zap.InfoLevel)
	h.logger = zap.New(core)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = io.WriteString(zw, trackerPage)
	_ = zw.Close()
	req := httptest.NewRequest("GET", "/", nil)
	rec, err := serve(t, h, req, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		_, err := w.Write(gz.Bytes())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Body.Bytes(), gz.Bytes()) || rec.Header().Get("Content-Encoding") != "gzip" {
		t.Error("report mode changed a compressed page")
	}
	ev := logs.FilterMessage("enforcement").All()
	if len(ev) != 1 {
		t.Fatalf("%d enforcement events", len(ev))
	}
	b, _ := json.Marshal(ev[0].ContextMap())
	if !strings.Contains(string(b), `"meta-pixel"`) || !strings.Contains(string(b), `"ga4"`) {
		t.Errorf("the report does not say which tags enforcing would neutralize: %s", b)
	}
}

// `evidence summary` writes counters instead of one line per response;
// `evidence off` writes no enforcement evidence (consent events stay).
func TestEvidenceModes(t *testing.T) {
	for _, mode := range []string{"summary", "off"} {
		t.Run(mode, func(t *testing.T) {
			h := newTestHandler(t, func(h *Handler) { h.Evidence = &EvidenceConfig{Mode: mode} })
			core, logs := observer.New(zap.InfoLevel)
			h.logger = zap.New(core)
			for i := 0; i < 3; i++ {
				req := httptest.NewRequest("GET", "/", nil)
				req.Header.Set("Cookie", "_ga=1; _fbp=2")
				if _, err := serve(t, h, req, trackerUpstream(nil)); err != nil {
					t.Fatal(err)
				}
			}
			if err := h.Cleanup(); err != nil { // flushes the summary
				t.Fatal(err)
			}
			if n := len(logs.FilterMessage("enforcement").All()); n != 0 {
				t.Errorf("%d per-response enforcement events", n)
			}
			sum := logs.FilterMessage("enforcement_summary").All()
			if mode == "summary" && len(sum) != 1 {
				t.Fatalf("%d enforcement_summary events, want 1", len(sum))
			}
			if mode == "off" && len(sum) != 0 {
				t.Errorf("evidence off wrote %d summaries", len(sum))
			}
			if mode == "summary" {
				b, _ := json.Marshal(sum[0].ContextMap())
				if !strings.Contains(string(b), `"_fbp"`) {
					t.Errorf("summary lacks the stripped cookie: %s", b)
				}
			}
		})
	}
}
