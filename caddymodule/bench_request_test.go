package caddymodule

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// The /api scenario of issue 12: a 1 KB JSON answer with 4 Set-Cookie
// (PHPSESSID, _ga, _fbp, _hjSessionUser_123) to a fetch carrying only
// PHPSESSID, through the demo's configuration (every default preset,
// banner, Consent Mode) with the enforcement event at INFO encoded as
// Caddy encodes it, into a sink that discards the bytes.

var apiBody = []byte(`{"items":[` + strings.Repeat(`{"id":12345,"name":"widget","price":9.99},`, 24) + `{"id":0}]}`)

func apiUpstream(w http.ResponseWriter, r *http.Request) error {
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr["Set-Cookie"] = []string{
		"PHPSESSID=abc123; Path=/; HttpOnly",
		"_ga=GA1.1.123.456; Path=/; Max-Age=63072000",
		"_fbp=fb.1.1764300000000.123456789; Path=/; Max-Age=7776000",
		"_hjSessionUser_123=eyJpZCI6ImRlbW8ifQ; Path=/; Max-Age=31536000",
	}
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(apiBody)
	return err
}

// freshRequest is what Caddy hands a handler: a request of its own with
// a new replacer (and its HTTP variables) in the context.
func freshRequest(base *http.Request, hdr http.Header) *http.Request {
	r := new(http.Request)
	*r = *base
	r.Header = hdr
	caddyhttp.NewTestReplacer(r)
	return r
}

// countingSink stands in for the audit file: it counts what zap writes.
type countingSink struct{ n atomic.Int64 }

func (s *countingSink) Write(p []byte) (int, error) { s.n.Add(int64(len(p))); return len(p), nil }
func (s *countingSink) Sync() error                 { return nil }

// benchWriter is a reusable http.ResponseWriter that keeps no body.
type benchWriter struct {
	hdr    http.Header
	status int
}

func (w *benchWriter) Header() http.Header         { return w.hdr }
func (w *benchWriter) WriteHeader(s int)           { w.status = s }
func (w *benchWriter) Write(p []byte) (int, error) { return len(p), nil }

func demoHandler(tb testing.TB) (*Handler, *countingSink) {
	h := newTestHandler(tb, func(h *Handler) { h.ConsentMode = &ConsentModeConfig{} })
	sink := &countingSink{}
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	h.logger = zap.New(zapcore.NewCore(enc, sink, zapcore.InfoLevel)).Named("http.handlers.consent")
	return h, sink
}

func benchAPI(b *testing.B, cookie string, setup func(*Handler) string) {
	h, sink := demoHandler(b)
	if setup != nil {
		cookie = setup(h) + "; " + cookie
	}
	base := httptest.NewRequest(http.MethodGet, "/api", nil)
	base.RemoteAddr = "203.0.113.7:51234"
	w := &benchWriter{hdr: http.Header{}}
	next := caddyhttp.HandlerFunc(apiUpstream)
	ua := "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
	run := func() {
		clear(w.hdr)
		req := freshRequest(base, http.Header{"Cookie": {cookie}, "Accept": {"application/json"}, "User-Agent": {ua}, "Sec-Fetch-Dest": {"empty"}})
		if err := h.ServeHTTP(w, req, next); err != nil {
			b.Fatal(err)
		}
	}
	run()
	lines := sink.n.Load()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		run()
	}
	b.ReportMetric(float64(lines), "audit-B/op")
}

// BenchmarkRequestAPIBare is the same harness without the gateway (the
// upstream handler alone): subtract it to get what the gateway adds.
func BenchmarkRequestAPIBare(b *testing.B) {
	base := httptest.NewRequest(http.MethodGet, "/api", nil)
	w := &benchWriter{hdr: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.hdr)
		req := freshRequest(base, http.Header{"Cookie": {"PHPSESSID=abc123"}, "Accept": {"application/json"}, "User-Agent": {"x"}, "Sec-Fetch-Dest": {"empty"}})
		if err := apiUpstream(w, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRequestAPINoConsent: the issue's /api scenario (3 Set-Cookie
// stripped, one enforcement line).
func BenchmarkRequestAPINoConsent(b *testing.B) {
	benchAPI(b, "PHPSESSID=abc123", nil)
}

// BenchmarkRequestAPIFullConsent: the same with every category granted
// (nothing stripped, no audit line).
func BenchmarkRequestAPIFullConsent(b *testing.B) {
	benchAPI(b, "PHPSESSID=abc123", func(h *Handler) string {
		return "consent=" + hxMint(b, h, h.policy.Names(h.policy.AllSet())...)
	})
}

// The scenario the benchmark measures must be the one it claims: three
// cookies stripped, PHPSESSID kept, one enforcement line per request.
func TestRequestAPIScenario(t *testing.T) {
	h, sink := demoHandler(t)
	req := httptest.NewRequest(http.MethodGet, "/api", nil)
	req.Header.Set("Cookie", "PHPSESSID=abc123")
	req.Header.Set("Accept", "application/json")
	caddyhttp.NewTestReplacer(req)
	w := &benchWriter{hdr: http.Header{}}
	if err := h.ServeHTTP(w, req, caddyhttp.HandlerFunc(apiUpstream)); err != nil {
		t.Fatal(err)
	}
	if got := w.hdr["Set-Cookie"]; len(got) != 1 || !strings.HasPrefix(got[0], "PHPSESSID=") {
		t.Errorf("Set-Cookie %q, want PHPSESSID only", got)
	}
	if sink.n.Load() == 0 {
		t.Error("no enforcement line written")
	}
}

// BenchmarkRequestSmallPage is the fixed cost of a page (banner, Consent
// Mode default, tag pass over a 1 KB document without trackers), same
// configuration, no consent.
func BenchmarkRequestSmallPage(b *testing.B) {
	h, _ := demoHandler(b)
	base := httptest.NewRequest(http.MethodGet, "/", nil)
	base.RemoteAddr = "203.0.113.7:51234"
	w := &benchWriter{hdr: http.Header{}}
	body := []byte("<!DOCTYPE html><html><head><title>t</title></head><body><p>" + strings.Repeat("hello world ", 80) + "</p></body></html>")
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header()["Set-Cookie"] = []string{"PHPSESSID=abc123; Path=/; HttpOnly", "_ga=GA1.1.123.456; Path=/"}
		w.WriteHeader(http.StatusOK)
		_, err := w.Write(body)
		return err
	})
	b.ReportAllocs()
	for b.Loop() {
		clear(w.hdr)
		req := freshRequest(base, http.Header{"Cookie": {"PHPSESSID=abc123"}, "Accept": {"text/html"}, "Sec-Fetch-Dest": {"document"}})
		if err := h.ServeHTTP(w, req, next); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAddVary(t *testing.T) {
	for _, c := range []struct {
		have []string
		want []string
	}{
		{nil, []string{"Cookie"}},
		{[]string{"Accept-Encoding"}, []string{"Accept-Encoding", "Cookie"}},
		{[]string{"Accept-Encoding, cookie"}, []string{"Accept-Encoding, cookie"}},
		{[]string{"Origin", " * "}, []string{"Origin", " * "}},
		{[]string{"Cookies,Cookie2"}, []string{"Cookies,Cookie2", "Cookie"}},
		{[]string{",,"}, []string{",,", "Cookie"}},
	} {
		hdr := http.Header{}
		if c.have != nil {
			hdr["Vary"] = append([]string(nil), c.have...)
		}
		addVary(hdr, "Cookie")
		if got := hdr["Vary"]; strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%q: %q, want %q", c.have, got, c.want)
		}
	}
}
