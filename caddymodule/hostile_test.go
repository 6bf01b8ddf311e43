package caddymodule

// Hostile input, unit level: every test drives the real handler (ServeHTTP
// with the real policy, codec and banner) with what an attacker controls —
// the request's cookies, headers, form body and the return path — or with
// what a hostile upstream or configuration produces, and checks the promise:
// no tracker cookie reaches the browser or the site, no forged or replayed
// consent counts, no injected markup, no open redirect, no leaked goroutine.
// Cases that need a real server (slow bodies over TCP, 10 MB over a socket,
// the Caddyfile path for banner strings) are in tests/integration.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/klauspost/compress/gzip"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"golang.org/x/net/html"

	"github.com/consentgate/caddy-consent/caddymodule/audit"
	"github.com/consentgate/caddy-consent/caddymodule/config"
	"github.com/consentgate/caddy-consent/caddymodule/consentcookie"
	"github.com/consentgate/caddy-consent/caddymodule/cookieheader"
	"github.com/consentgate/caddy-consent/caddymodule/enforce"
)

// hxSiteCookies are the cookies the test upstream sets on every response:
// one per category, one unclassified.
var hxSiteCookies = []string{
	"PHPSESSID=s3ss10n; Path=/; HttpOnly", // necessary
	"lang=en; Path=/",                     // functional
	"_ga=GA1.1.1.1; Path=/",               // analytics
	"_gid=GA1.1.2.2; Path=/",              // analytics
	"_fbp=fb.1.1.1; Path=/",               // advertising
	"mystery_tracker=1; Path=/",           // unclassified: nobody can consent
}

// hxUpstream stands for the site: it records the Cookie header lines it
// receives and answers an HTML page (or JSON for /api) with hxSiteCookies.
type hxUpstream struct {
	mu      sync.Mutex
	cookies [][]string // Cookie header lines of each request
}

func (u *hxUpstream) next(w http.ResponseWriter, r *http.Request) error {
	u.mu.Lock()
	u.cookies = append(u.cookies, slices.Clone(r.Header["Cookie"]))
	u.mu.Unlock()
	for _, c := range hxSiteCookies {
		w.Header().Add("Set-Cookie", c)
	}
	if r.URL.Path == "/api" {
		w.Header().Set("Content-Type", "application/json")
		_, err := io.WriteString(w, `{"ok":true}`)
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err := io.WriteString(w, page)
	return err
}

// last returns the cookie names (in order) of the last upstream request.
func (u *hxUpstream) last() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.cookies) == 0 {
		return nil
	}
	var names []string
	for _, line := range u.cookies[len(u.cookies)-1] {
		for n := range cookieheader.Pairs(line) {
			names = append(names, n)
		}
	}
	return names
}

// hxMint returns a valid consent cookie value from h's own codec granting
// the given categories (nil: necessary only, as after reject_all).
func hxMint(t testing.TB, h *Handler, granted ...string) string {
	t.Helper()
	return hxMintWith(t, h.codec, h.PolicyVersion, time.Now(), granted...)
}

func hxMintWith(t testing.TB, codec *consentcookie.Codec, policyVersion string, issued time.Time, granted ...string) string {
	t.Helper()
	v, err := codec.Encode(consentcookie.Consent{
		ID:            consentcookie.NewID(),
		Granted:       granted,
		PolicyVersion: policyVersion,
		IssuedAt:      issued.Truncate(time.Second),
		Method:        "banner",
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// hxGet sends one GET through h in front of u with the given Cookie header
// lines (each element becomes its own Cookie header) and extra headers.
func hxGet(t testing.TB, h *Handler, u *hxUpstream, path string, cookieLines []string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for _, l := range cookieLines {
		req.Header.Add("Cookie", l)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec, err := serve(t, h, req, u.next)
	if err != nil {
		t.Fatalf("GET %s: handler error %v", path, err)
	}
	return rec
}

// hxSetCookies splits a response's Set-Cookie lines into the names set and
// the names expired (Max-Age=0), parsing each line with SetCookieName.
func hxSetCookies(t testing.TB, hdr http.Header, key string) (set, expired []string) {
	t.Helper()
	for _, line := range hdr[key] {
		if strings.Contains(line, "; Max-Age=0") {
			// An expiry the gateway wrote for a cookie the browser sent:
			// its name may be any name a browser stores, not only a token.
			name, _, _ := strings.Cut(line, "=")
			expired = append(expired, name)
			continue
		}
		name, ok := cookieheader.SetCookieName(line)
		if !ok {
			t.Errorf("a malformed Set-Cookie line reached the client: %q", line)
			continue
		}
		set = append(set, name)
	}
	return set, expired
}

// hxState asks the endpoint what the gateway makes of these cookie lines.
func hxState(t testing.TB, h *Handler, cookieLines []string, hdr map[string]string) (hasConsent bool, granted []string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, h.Endpoint, nil)
	for _, l := range cookieLines {
		req.Header.Add("Cookie", l)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec, err := serve(t, h, req, func(http.ResponseWriter, *http.Request) error {
		t.Fatal("the endpoint must not call the next handler")
		return nil
	})
	if err != nil || rec.Code != 200 {
		t.Fatalf("state: %v %d %s", err, rec.Code, rec.Body.String())
	}
	var st enforce.State
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatalf("state JSON: %v %s", err, rec.Body.String())
	}
	for _, c := range st.Categories {
		if c.Granted {
			granted = append(granted, c.Name)
		}
	}
	return st.HasConsent, granted
}

// hxAssertNecessaryOnly checks one response and the upstream's view of the
// request: only the necessary cookie reached the browser and the site.
func hxAssertNecessaryOnly(t *testing.T, rec *httptest.ResponseRecorder, u *hxUpstream) {
	t.Helper()
	if rec.Code != 200 {
		t.Errorf("status %d: an invalid consent cookie must mean no consent, never an error page", rec.Code)
	}
	set, _ := hxSetCookies(t, rec.Result().Header, "Set-Cookie")
	if !slices.Equal(set, []string{"PHPSESSID"}) {
		t.Errorf("cookies set without a valid consent: %v, want only PHPSESSID", set)
	}
	for _, n := range u.last() {
		if n == "_ga" || n == "_fbp" || n == "lang" {
			t.Errorf("the site received %s without a valid consent: %v", n, u.last())
		}
	}
}

// Forged, tampered, truncated, oversized, expired, misbound and foreign
// consent cookies all mean "no consent": only necessary cookies pass, the
// banner is shown, the state endpoint says has_consent false, and nothing
// answers with an error.
func TestHostileForgedConsentCookies(t *testing.T) {
	h := newTestHandler(t, nil)
	valid := hxMint(t, h, "analytics", "advertising", "functional")
	keyID, rest, _ := strings.Cut(valid, ".")

	// Another site's gateway: its own keys, same cookie name and policy.
	otherPair := consentcookie.GenerateKeyPair()
	other, err := consentcookie.New(DefaultCookieName, []consentcookie.KeyPair{otherPair}, DefaultMaxAge)
	if err != nil {
		t.Fatal(err)
	}
	// Our keys, but bound to another cookie name (securecookie MACs the name).
	ourPairs, err := hxKeyPairs(h)
	if err != nil {
		t.Fatal(err)
	}
	renamed, err := consentcookie.New("other_consent", ourPairs, DefaultMaxAge)
	if err != nil {
		t.Fatal(err)
	}

	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	cases := map[string]string{
		"garbage":                 "garbage",
		"empty":                   "",
		"quotes only":             `""`,
		"json":                    `{"granted":["analytics","advertising"]}`,
		"base64 junk":             "YWNjZXB0X2FsbA==",
		"key id and junk":         keyID + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"no key id":               rest,
		"flipped middle":          flip(valid, len(valid)/2),
		"flipped last":            flip(valid, len(valid)-1),
		"flipped key id":          flip(valid, 0),
		"truncated by one":        valid[:len(valid)-1],
		"truncated to half":       valid[:len(valid)/2],
		"truncated to key id":     keyID + ".",
		"appended byte":           valid + "A",
		"valid plus 8 KB":         valid + strings.Repeat("A", 8<<10),
		"8 KB":                    strings.Repeat("A", 8<<10),
		"64 KB":                   strings.Repeat("A", 64<<10),
		"64 KB of dots":           strings.Repeat(".", 64<<10),
		"other site's keys":       hxMintWith(t, other, h.PolicyVersion, time.Now(), "analytics", "advertising"),
		"our keys, other name":    hxMintWith(t, renamed, h.PolicyVersion, time.Now(), "analytics", "advertising"),
		"older policy version":    hxMintWith(t, h.codec, "v0", time.Now(), "analytics", "advertising"),
		"expired (200 days)":      hxMintWith(t, h.codec, h.PolicyVersion, time.Now().Add(-200*24*time.Hour), "analytics", "advertising"),
		"issued in the future":    hxMintWith(t, h.codec, h.PolicyVersion, time.Now().Add(48*time.Hour), "analytics", "advertising"),
		"control characters":      valid[:20] + "\r\n" + valid[20:],
		"NUL inside":              valid[:20] + "\x00" + valid[20:],
		"other key id, our value": otherKeyIDPrefix(otherPair) + "." + rest,
	}
	for name, value := range cases {
		t.Run(name, func(t *testing.T) {
			u := &hxUpstream{}
			line := "consent=" + value + "; _ga=GA1; _fbp=fb; lang=de; PHPSESSID=x"
			rec := hxGet(t, h, u, "/api", []string{line}, nil)
			hxAssertNecessaryOnly(t, rec, u)
			if has, granted := hxState(t, h, []string{line}, nil); has || !slices.Equal(granted, []string{"necessary"}) {
				t.Errorf("state: has_consent %v granted %v, want false [necessary]", has, granted)
			}
			page := hxGet(t, h, u, "/", []string{line}, map[string]string{"Accept": "text/html"})
			if n := strings.Count(page.Body.String(), `id="cg-consent"`); n != 1 {
				t.Errorf("an invalid consent must show the banner; %d banners", n)
			}
		})
	}
	// The control: the untouched value is honoured, so the cases above fail
	// for the reason they name and not because the request was wrong.
	u := &hxUpstream{}
	rec := hxGet(t, h, u, "/api", []string{"consent=" + valid + "; _ga=GA1; PHPSESSID=x"}, nil)
	if set, _ := hxSetCookies(t, rec.Result().Header, "Set-Cookie"); !slices.Contains(set, "_ga") || !slices.Contains(set, "_fbp") {
		t.Fatalf("control: a valid consent must let _ga and _fbp through, got %v", set)
	}
}

// otherKeyIDPrefix is the key id another pair's cookies carry.
func otherKeyIDPrefix(p consentcookie.KeyPair) string { return consentcookie.KeyID(p.Hash) }

// hxKeyPairs parses the handler's configured literal keys.
func hxKeyPairs(h *Handler) ([]consentcookie.KeyPair, error) {
	var out []consentcookie.KeyPair
	for _, k := range h.Keys {
		hk, err := consentcookie.ParseKey(k.Hash, false)
		if err != nil {
			return nil, err
		}
		bk, err := consentcookie.ParseKey(k.Block, true)
		if err != nil {
			return nil, err
		}
		out = append(out, consentcookie.KeyPair{Hash: hk, Block: bk})
	}
	return out, nil
}

// A consent recorded by this gateway means nothing to a gateway with other
// keys (a cookie replayed to another site), and the reverse.
func TestHostileConsentReplayedAcrossKeys(t *testing.T) {
	a := newTestHandler(t, nil)
	otherPair := consentcookie.GenerateKeyPair()
	b := newTestHandler(t, func(h *Handler) {
		h.Keys = []KeyConfig{{Hash: consentcookie.EncodeKey(otherPair.Hash), Block: consentcookie.EncodeKey(otherPair.Block)}}
	})
	fromA := hxMint(t, a, "analytics", "advertising")
	fromB := hxMint(t, b, "analytics", "advertising")
	for _, c := range []struct {
		name   string
		h      *Handler
		cookie string
		want   bool
	}{
		{"A's cookie on A", a, fromA, true},
		{"A's cookie on B", b, fromA, false},
		{"B's cookie on A", a, fromB, false},
		{"B's cookie on B", b, fromB, true},
	} {
		has, _ := hxState(t, c.h, []string{"consent=" + c.cookie}, nil)
		if has != c.want {
			t.Errorf("%s: has_consent %v, want %v", c.name, has, c.want)
		}
	}
}

// A consent naming a category this configuration does not have grants
// only the categories that exist.
func TestHostileConsentWithUnknownCategory(t *testing.T) {
	h := newTestHandler(t, nil)
	v := hxMint(t, h, "analytics", "superpowers")
	has, granted := hxState(t, h, []string{"consent=" + v}, nil)
	if !has || !slices.Equal(granted, []string{"necessary", "analytics"}) {
		t.Errorf("has %v granted %v, want true [necessary analytics]", has, granted)
	}
}

// Duplicated consent cookies — two in one Cookie header, or one in each of
// two Cookie headers (HTTP/1.1 clients may send two; HTTP/2 splits cookies
// into crumbs) — must never widen consent. A browser sends two cookies of
// the same name when they differ in Path or Domain, which a sibling
// subdomain can arrange ("cookie tossing") with a consent value the attacker
// recorded for themselves. The rule checked: when the values disagree or
// any of them is invalid, the visitor gets the least permissive of them or
// no consent at all. Identical duplicates are one consent.
func TestHostileDuplicateConsentCookies(t *testing.T) {
	h := newTestHandler(t, nil)
	all := hxMint(t, h, "functional", "analytics", "advertising")
	none := hxMint(t, h) // reject_all: necessary only
	bad := "garbage"
	cases := []struct {
		name  string
		lines []string
	}{
		{"one header: accept_all then reject_all", []string{"consent=" + all + "; consent=" + none}},
		{"one header: reject_all then accept_all", []string{"consent=" + none + "; consent=" + all}},
		{"one header: accept_all then invalid", []string{"consent=" + all + "; consent=" + bad}},
		{"one header: invalid then accept_all", []string{"consent=" + bad + "; consent=" + all}},
		{"one header: accept_all then empty", []string{"consent=" + all + "; consent="}},
		{"two headers: accept_all, reject_all", []string{"consent=" + all, "consent=" + none}},
		{"two headers: reject_all, accept_all", []string{"consent=" + none, "consent=" + all}},
		{"two headers: accept_all, invalid", []string{"consent=" + all, "consent=" + bad}},
		{"two headers: invalid, accept_all", []string{"consent=" + bad, "consent=" + all}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := &hxUpstream{}
			lines := slices.Clone(c.lines)
			lines[len(lines)-1] += "; _ga=GA1; _fbp=fb; PHPSESSID=x"
			rec := hxGet(t, h, u, "/api", lines, nil)
			set, _ := hxSetCookies(t, rec.Result().Header, "Set-Cookie")
			var leaked []string
			for _, tracker := range []string{"_ga", "_gid", "_fbp", "lang"} {
				if slices.Contains(set, tracker) {
					leaked = append(leaked, "Set-Cookie "+tracker)
				}
			}
			for _, n := range u.last() {
				if n == "_ga" || n == "_fbp" {
					leaked = append(leaked, "site received "+n)
				}
			}
			if len(leaked) > 0 {
				t.Errorf("duplicate consent cookies widened consent: %v. readConsentCookie (serve.go) uses the first "+
					"consent cookie it finds, so a valid accept_all placed first wins over a refusal or an invalid value", leaked)
			}
		})
	}
	// Identical duplicates are one consent: no reason to refuse it.
	u := &hxUpstream{}
	rec := hxGet(t, h, u, "/api", []string{"consent=" + all + "; consent=" + all}, nil)
	if set, _ := hxSetCookies(t, rec.Result().Header, "Set-Cookie"); !slices.Contains(set, "_ga") {
		t.Errorf("identical duplicates: the consent should hold, got %v", set)
	}
}

// A Cookie header of 5,000 cookies and one cookie of 64 KB: the site gets
// exactly the allowed ones (the consent cookie at the very end still
// counts), refused known cookies are expired once per distinct name, and no
// tracker reaches the site or the browser.
func TestHostileHugeCookieHeaders(t *testing.T) {
	h := newTestHandler(t, nil)
	consent := "consent=" + hxMint(t, h, "analytics")

	var b strings.Builder
	want := []string{} // names the site must receive, in order
	refused := map[string]bool{}
	for i := 0; i < 5000; i++ {
		var name string
		switch i % 5 {
		case 0:
			name = fmt.Sprintf("_ga_%d", i%100) // analytics (granted): passes
			want = append(want, name)
		case 1:
			name = fmt.Sprintf("SESS%032x", i) // necessary (Drupal: SESS + 32 hex): passes
			want = append(want, name)
		case 2:
			name = fmt.Sprintf("_gcl_%d", i%50) // advertising: refused, expired
			refused[name] = true
		case 3:
			name = fmt.Sprintf("u%d", i) // unknown: removed, never expired
		case 4:
			name = "lang" // functional: refused, expired once
			refused[name] = true
		}
		fmt.Fprintf(&b, "%s=%d; ", name, i)
	}
	b.WriteString(consent) // the consent cookie itself is not sent upstream

	u := &hxUpstream{}
	rec := hxGet(t, h, u, "/api", []string{b.String()}, nil)
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	if got := u.last(); !slices.Equal(got, want) {
		t.Errorf("the site received %d cookies, want %d (first difference matters)", len(got), len(want))
	}
	set, expired := hxSetCookies(t, rec.Result().Header, "Set-Cookie")
	if slices.Contains(set, "_fbp") || slices.Contains(set, "lang") || slices.Contains(set, "mystery_tracker") {
		t.Errorf("refused cookies set: %v", set)
	}
	if !slices.Contains(set, "_ga") {
		t.Errorf("the consent at the end of 5,000 cookies must still count: %v", set)
	}
	gotExpired := map[string]int{}
	for _, n := range expired {
		gotExpired[n]++
	}
	for n := range refused {
		if gotExpired[n] != 1 {
			t.Errorf("%s expired %d times, want once per distinct refused name", n, gotExpired[n])
		}
	}
	if len(gotExpired) != len(refused) {
		t.Errorf("expired %d distinct names, want %d (unknown cookies are never expired)", len(gotExpired), len(refused))
	}

	// One cookie of 64 KB: a necessary one passes byte for byte, a tracker
	// of that size is removed.
	big := strings.Repeat("x", 64<<10)
	u = &hxUpstream{}
	hxGet(t, h, u, "/api", []string{"PHPSESSID=" + big + "; _ga=" + big}, nil)
	u.mu.Lock()
	got := strings.Join(u.cookies[0], "; ")
	u.mu.Unlock()
	if got != "PHPSESSID="+big {
		t.Errorf("64 KB cookies: the site received %d bytes, want only the 64 KB session cookie", len(got))
	}
}

// A response with 500 Set-Cookie lines, malformed and hostile ones among
// them: exactly the allowed lines survive, in order, byte for byte.
func TestHostile500SetCookies(t *testing.T) {
	h := newTestHandler(t, nil)
	kinds := []struct {
		line string
		cat  string // "" for lines nobody can consent to
	}{
		{"PHPSESSID=%d; Path=/; HttpOnly", "necessary"},
		{"SESS%032x=1", "necessary"},
		{"lang=%d", "functional"},
		{"_ga=%d; Domain=example.com", "analytics"},
		{"_ga_X%d=1", "analytics"},
		{"_fbp=%d", "advertising"},
		{"mystery%d=1", ""},
		{"novalue%d", ""},
		{"=%d", ""},
		{"bad name%d=1", ""},
		{"caf\u00e9%d=1", ""},
		{"PHPSESSID=1\r\nSet-Cookie: _ga=%d", ""},
		{"_ga=1;%d", "analytics"},
		{" \tPHPSESSID = %d", "necessary"},
		{"PHPSESSID;=%d", ""},
		{"PHP\x00SESSID=%d", ""},
	}
	var lines []string
	var cats []string
	for i := 0; i < 500; i++ {
		k := kinds[i%len(kinds)]
		lines = append(lines, fmt.Sprintf(k.line, i))
		cats = append(cats, k.cat)
	}
	for _, c := range []struct {
		name    string
		granted []string
	}{
		{"no consent", nil},
		{"analytics", []string{"analytics"}},
		{"all", []string{"functional", "analytics", "advertising"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var cookieLines []string
			if c.granted != nil {
				cookieLines = []string{"consent=" + hxMint(t, h, c.granted...)}
			}
			req := httptest.NewRequest(http.MethodGet, "/api", nil)
			for _, l := range cookieLines {
				req.Header.Add("Cookie", l)
			}
			rec, err := serve(t, h, req, func(w http.ResponseWriter, r *http.Request) error {
				w.Header()["Set-Cookie"] = slices.Clone(lines)
				w.Header().Set("Content-Type", "application/json")
				_, err := io.WriteString(w, "{}")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			allowed := map[string]bool{"necessary": true}
			for _, g := range c.granted {
				allowed[g] = true
			}
			var want []string
			for i, l := range lines {
				if cats[i] != "" && allowed[cats[i]] {
					want = append(want, l)
				}
			}
			if got := rec.Result().Header["Set-Cookie"]; !slices.Equal(got, want) {
				t.Errorf("%d Set-Cookie lines survived, want %d", len(got), len(want))
				for _, l := range got {
					if !slices.Contains(want, l) {
						t.Errorf("  leaked: %q", l)
					}
				}
			}
			hxNoHeaderInjection(t, rec.Result().Header)
		})
	}
}

// hxNoHeaderInjection fails when any response header name or value could
// split the header section.
func hxNoHeaderInjection(t *testing.T, hdr http.Header) {
	t.Helper()
	for k, vs := range hdr {
		if strings.ContainsAny(k, "\r\n\x00:") {
			t.Errorf("header name %q", k)
		}
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n\x00") {
				t.Errorf("header %s carries a control character: %q", k, v)
			}
		}
	}
}

// Request cookie names with CRLF, unicode, ';' and '=': none reaches the
// site unless allowed, none is echoed into a header, and an unsafe name
// gets no expiry line (it could inject attributes or headers).
func TestHostileRequestCookieNames(t *testing.T) {
	h := newTestHandler(t, nil)
	u := &hxUpstream{}
	lines := []string{
		"_ga_\r\nSet-Cookie: evil=1=1; PHPSESSID=ok",
		"_ga_\u00e9=1; caf\u00e9=2; _gid\t=3; \t_fbp =4",
		"_ga_x; =naked; ==; _gcl_;=1",
		"_ga_\x00=1; _ga_ x=2; _ga_;x=3",
		"_ga_a=b=c; _fbp=\"quoted;semi\"",
	}
	rec := hxGet(t, h, u, "/api", lines, nil)
	if got := u.last(); !slices.Equal(got, []string{"PHPSESSID"}) {
		t.Errorf("the site received %q, want only PHPSESSID", got)
	}
	hxNoHeaderInjection(t, rec.Result().Header)
	_, expired := hxSetCookies(t, rec.Result().Header, "Set-Cookie")
	for _, n := range expired {
		if strings.ContainsAny(n, "\r\n\x00;=\t") || n == "" || strings.TrimSpace(n) != n {
			t.Errorf("expiry line for an unsafe name %q", n)
		}
	}
	if !slices.Contains(expired, "_gid") || !slices.Contains(expired, "_fbp") || !slices.Contains(expired, "_ga_a") {
		t.Errorf("refused trackers with odd spacing must still be expired: %v", expired)
	}
}

// Category names with CRLF, unicode, ';' or '=' are refused when the
// configuration loads, and posted as a choice they get a plain-text 400 —
// never a consent, never a reflected page.
func TestHostileCategoryNames(t *testing.T) {
	for _, name := range []string{"x\r\ny", "caf\u00e9", "a;b", "a=b", "<img>", "", strings.Repeat("a", 33), "UPPER"} {
		h := &Handler{Config: config.Config{PolicyVersion: "v1", Keys: []KeyConfig{{Hash: testHashKey, Block: testBlockKey}}, Categories: []CategoryConfig{{Name: name, Cookies: []string{"x"}}}}}
		if err := h.Provision(hxContext(t)); err == nil {
			t.Errorf("category name %q accepted by Provision", name)
		}
	}
	h := newTestHandler(t, nil)
	for _, name := range []string{"x\r\nSet-Cookie: _ga=1", "<script>alert(1)</script>", "analytics;advertising", "analytics=1", "ANALYTICS", "analytics\x00"} {
		form := url.Values{"choice": {"custom"}, "category": {name}}
		rec := hxPost(t, h, form.Encode(), "application/x-www-form-urlencoded", map[string]string{"Origin": "http://example.com"})
		if rec.Code != 400 || len(rec.Result().Header["Set-Cookie"]) != 0 {
			t.Errorf("category %q: %d, cookies %v; want 400 and no cookie", name, rec.Code, rec.Result().Header["Set-Cookie"])
		}
		if ct := rec.Result().Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || rec.Result().Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("category %q: error answered as %q without nosniff; a reflected name must never be HTML", name, ct)
		}
		hxNoHeaderInjection(t, rec.Result().Header)
		body, _ := json.Marshal(map[string]any{"categories": []string{name}})
		rec = hxPost(t, h, string(body), "application/json", map[string]string{"Origin": "http://example.com"})
		if rec.Code != 400 || len(rec.Result().Header["Set-Cookie"]) != 0 {
			t.Errorf("JSON category %q: %d, cookies %v", name, rec.Code, rec.Result().Header["Set-Cookie"])
		}
	}
}

func hxContext(t testing.TB) caddy.Context {
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	return ctx
}

func hxPost(t testing.TB, h *Handler, body, contentType string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "http://example.com"+h.Endpoint, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec, err := serve(t, h, req, func(http.ResponseWriter, *http.Request) error {
		t.Fatal("the endpoint must not call the next handler")
		return nil
	})
	if err != nil {
		t.Fatalf("POST: handler error %v", err)
	}
	return rec
}

// hxSameOrigin reports whether a redirect target or link stays on the
// site as a browser resolves it: browsers drop ASCII tab and newline from
// URLs and read '\' as '/' in http(s) URLs, so "/\evil" and "/\t/evil"
// would leave the site.
func hxSameOrigin(loc string) bool {
	if loc == "" || loc[0] != '/' {
		return false
	}
	b := strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(loc)
	if strings.HasPrefix(b, "//") {
		return false
	}
	base, _ := url.Parse("https://site.example/a/b")
	u, err := base.Parse(b)
	return err == nil && u.Host == "site.example" && u.Scheme == "https"
}

var hxHostileReturns = []string{
	"//evil.example", "///evil.example", "////evil.example", "https:evil", "https://evil.example/",
	"http:/evil.example", "/\\evil.example", "\\\\evil.example", "\\/evil.example", "/\\/evil.example",
	"%2F%2Fevil.example", "/%2F/evil.example", "/%2f%2fevil.example", "/%5Cevil.example", "%5C%5Cevil.example",
	"/%252F%252Fevil.example", "%252F%252Fevil.example", "/%255Cevil.example",
	"/\t/evil.example", "/\n/evil.example", "\t//evil.example", "/\r\n/evil.example", "/ /evil.example",
	"/./\\evil.example", "/.//evil.example", "/..//evil.example", "/x/..//evil.example",
	"javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>",
	" /x", "/x\r\nSet-Cookie: _ga=1", "/%0d%0aSet-Cookie:%20_ga=1", "/x\x00y", "/\u3000/evil.example",
	"/\uff0f/evil.example", "/\u2215evil.example", "/@evil.example", "/?//evil.example", "/#//evil.example",
	"/\"><script>alert(1)</script>", "/'onmouseover='alert(1)", strings.Repeat("/a", 1500),
}

// Hostile return paths after a choice and on the preference page: the
// redirect and every link the page builds from them stay on the site.
func TestHostileReturnValues(t *testing.T) {
	h := newTestHandler(t, nil)
	for _, ret := range hxHostileReturns {
		form := url.Values{"choice": {"reject_all"}, "return": {ret}}
		rec := hxPost(t, h, form.Encode(), "application/x-www-form-urlencoded", map[string]string{"Origin": "http://example.com"})
		loc := rec.Result().Header.Get("Location")
		if rec.Code != http.StatusSeeOther || !hxSameOrigin(loc) {
			t.Errorf("POST return=%q: %d Location %q", ret, rec.Code, loc)
		}
		hxNoHeaderInjection(t, rec.Result().Header)

		for _, sub := range []string{"/preferences", "/banner"} {
			req := httptest.NewRequest(http.MethodGet, h.Endpoint+sub+"?return="+url.QueryEscape(ret), nil)
			rec, err := serve(t, h, req, nil)
			if err != nil || rec.Code != 200 {
				t.Fatalf("%s return=%q: %v %d", sub, ret, err, rec.Code)
			}
			for _, link := range hxLinks(t, rec.Body.String()) {
				if !hxSameOrigin(link) {
					t.Errorf("%s return=%q: page links to %q", sub, ret, link)
				}
			}
			hxAssertNoActiveContent(t, rec.Body.String(), nil)
		}
	}
}

// hxLinks returns the return-path inputs and the href/data-banner-url
// values of a page, with the query parameter "return" of same-origin
// links resolved too (the script follows data-banner-url).
func hxLinks(t testing.TB, body string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		var name, value string
		for _, a := range n.Attr {
			switch a.Key {
			case "name":
				name = a.Val
			case "value":
				value = a.Val
			case "href", "data-banner-url":
				if n.Data == "link" {
					continue
				}
				out = append(out, a.Val)
				if u, err := url.Parse(a.Val); err == nil {
					if r := u.Query().Get("return"); r != "" {
						out = append(out, r)
					}
				}
			}
		}
		if n.Data == "input" && name == "return" {
			out = append(out, value)
		}
	}
	return out
}

// hxAssertNoActiveContent parses a page and fails on any script that is not
// the banner's own asset, any event-handler attribute, any javascript: or
// data: URL, and any element a payload could have created; payloads, if
// given, must not appear raw anywhere in the page.
func hxAssertNoActiveContent(t testing.TB, body string, payloads []string) {
	t.Helper()
	for _, p := range payloads {
		if strings.Contains(body, p) {
			t.Errorf("payload reflected unescaped: %q", p)
		}
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "img", "svg", "iframe", "object", "embed", "base", "meta", "style", "math":
			if n.Data == "meta" && body[:min(len(body), 15)] == "<!DOCTYPE html>" {
				break // the preference page's own <meta charset>/<meta name=…>
			}
			t.Errorf("unexpected <%s> element in gateway output", n.Data)
		case "script":
			src := ""
			for _, a := range n.Attr {
				if a.Key == "src" {
					src = a.Val
				}
			}
			if !strings.HasPrefix(src, DefaultEndpoint+"/assets/") || n.FirstChild != nil {
				t.Errorf("unexpected script (src %q)", src)
			}
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("event handler attribute %s=%q on <%s>", a.Key, a.Val, n.Data)
			}
			v := strings.ToLower(strings.TrimSpace(a.Val))
			if (a.Key == "href" || a.Key == "src" || a.Key == "action" || a.Key == "formaction" || a.Key == "data-banner-url") &&
				(strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:") || strings.HasPrefix(v, "vbscript:")) {
				t.Errorf("%s=%q on <%s>", a.Key, a.Val, n.Data)
			}
		}
	}
}

// State-changing requests from another site are refused with 403 and no
// cookie: forged origins, null origins, missing origins, cross-site and
// same-site (sibling subdomain) fetch metadata, cross-site referrers.
func TestHostileCrossSitePost(t *testing.T) {
	h := newTestHandler(t, nil)
	refused := []map[string]string{
		{"Origin": "https://evil.example"},
		{"Origin": "null"},
		{},
		{"Referer": "https://evil.example/page"},
		{"Referer": "http://example.com.evil.example/"},
		{"Origin": "http://example.com", "Sec-Fetch-Site": "cross-site"},
		{"Origin": "http://example.com", "Sec-Fetch-Site": "same-site"},
		{"Origin": "http://example.com.evil.example"},
		{"Origin": "http://evil.example/http://example.com"},
		{"Origin": "http://example.com:8080"},
		{"Origin": "file://example.com"},
		{"Origin": "http://sub.example.com"},
		{"Origin": "example.com"},
		{"Origin": " http://example.com"},
		{"Referer": "//example.com/"},
	}
	for _, hdr := range refused {
		for _, method := range []string{http.MethodPost, http.MethodDelete} {
			req := httptest.NewRequest(method, "http://example.com"+h.Endpoint, strings.NewReader("choice=accept_all"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Cookie", "_ga=1")
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			rec, err := serve(t, h, req, nil)
			if err != nil || rec.Code != http.StatusForbidden || len(rec.Result().Header["Set-Cookie"]) != 0 {
				t.Errorf("%s %v: %v %d cookies %v; want 403 and no cookie", method, hdr, err, rec.Code, rec.Result().Header["Set-Cookie"])
			}
		}
	}
	// The same request from the site itself is recorded: the refusals above
	// are about the origin, not the request.
	for _, hdr := range []map[string]string{
		{"Origin": "http://example.com"},
		{"Origin": "http://EXAMPLE.com:80", "Sec-Fetch-Site": "same-origin"},
		{"Referer": "http://example.com/page", "Sec-Fetch-Site": "same-origin"},
		{"Origin": "http://example.com", "Sec-Fetch-Site": "none"},
	} {
		rec := hxPost(t, h, "choice=accept_all", "application/x-www-form-urlencoded", hdr)
		if rec.Code != http.StatusSeeOther || len(rec.Result().Header["Set-Cookie"]) == 0 {
			t.Errorf("same-origin %v: %d, want 303 with the consent cookie", hdr, rec.Code)
		}
	}
	// A cross-site "simple" request cannot pick JSON's content type without
	// a preflight; text/plain carrying JSON is not accepted either.
	rec := hxPost(t, h, `{"choice":"accept_all"}`, "text/plain", map[string]string{"Origin": "http://example.com"})
	if rec.Code != http.StatusUnsupportedMediaType || len(rec.Result().Header["Set-Cookie"]) != 0 {
		t.Errorf("text/plain JSON: %d, want 415 and no cookie", rec.Code)
	}
}

// hxCountingReader counts how much of a request body the gateway read.
type hxCountingReader struct {
	r io.Reader
	n int64
}

func (c *hxCountingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// A 10 MB choice body is refused with 413 after reading little more than
// the 16 KiB limit, with or without a Content-Length, form or JSON.
func TestHostileHugeBody(t *testing.T) {
	h := newTestHandler(t, nil)
	for _, c := range []struct {
		name, ct, prefix string
		length           bool
	}{
		{"form with length", "application/x-www-form-urlencoded", "choice=accept_all&return=/", true},
		{"form chunked", "application/x-www-form-urlencoded", "choice=accept_all&return=/", false},
		{"json with length", "application/json", `{"choice":"accept_all","source":"`, true},
		{"json chunked", "application/json", `{"choice":"accept_all","source":"`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := &hxCountingReader{r: io.MultiReader(strings.NewReader(c.prefix), bytes.NewReader(bytes.Repeat([]byte("a"), 10<<20)))}
			req := httptest.NewRequest(http.MethodPost, "http://example.com"+h.Endpoint, body)
			req.ContentLength = -1
			if c.length {
				req.ContentLength = int64(len(c.prefix)) + 10<<20
			}
			req.Header.Set("Content-Type", c.ct)
			req.Header.Set("Origin", "http://example.com")
			rec, err := serve(t, h, req, nil)
			if err != nil || rec.Code != http.StatusRequestEntityTooLarge || len(rec.Result().Header["Set-Cookie"]) != 0 {
				t.Errorf("%v %d cookies %v; want 413 and no cookie", err, rec.Code, rec.Result().Header["Set-Cookie"])
			}
			if body.n > 64<<10 {
				t.Errorf("the gateway read %d bytes of a body it refuses at 16 KiB", body.n)
			}
		})
	}
}

// Every operator-configurable banner string, category label and
// description, the policy version and the notice URL, set to HTML and
// script payloads: every page the gateway renders (banner, settings
// control, preference page, banner fragment), in every language, shows
// them as text only.
func TestHostileBannerStringsAreEscaped(t *testing.T) {
	payloads := []string{
		`<script>alert(1)</script>`,
		`"><img src=x onerror=alert(2)>`,
		`'><svg onload=alert(3)>`,
		`</textarea></title><iframe src=javascript:alert(4)>`,
		`{{.Nonce}}<style>*{}</style>`,
	}
	texts := map[string]string{}
	for i, k := range bannerTextKeys() {
		texts[k] = fmt.Sprintf("%s #%d", payloads[i%len(payloads)], i)
	}
	deTexts := map[string]string{"title": payloads[1] + " de", "message": payloads[3] + " de"}
	h := newTestHandler(t, func(h *Handler) {
		h.PolicyVersion = `"><b onmouseover=alert(5)>v`
		h.Banner = &BannerConfig{
			NoticeURL: `https://example.org/notice?a="><img/src/onerror=alert(6)>`,
			Texts:     texts,
			LangTexts: map[string]map[string]string{"de": deTexts},
		}
		h.Categories = []CategoryConfig{
			{Name: "x", Label: `<img src=x onerror=alert(7)>`, Description: `<script>alert(8)</script>`, Cookies: []string{"xcookie"}},
			{Name: "analytics", Label: `"><svg onload=alert(9)>`, Description: `<a href="javascript:alert(10)">x</a>`},
		}
	})
	all := append(slices.Clone(payloads), `<img src=x onerror=alert(7)>`, `<script>alert(8)</script>`, `"><svg onload=alert(9)>`,
		`<a href="javascript:alert(10)">`, `"><b onmouseover=alert(5)>`, payloads[1]+" de", payloads[3]+" de", `"><img/src/onerror=alert(6)>`)
	consent := "consent=" + hxMint(t, h, "x")
	for _, lang := range []string{"", "en", "de", "fr;q=0.9, de;q=0.8", `"><script>alert(11)</script>`, "de-" + strings.Repeat("x", 100)} {
		for _, c := range []struct {
			name, path string
			cookie     []string
			marker     string
		}{
			{"banner on a page", "/", nil, `id="cg-consent"`},
			{"settings control on a page", "/", []string{consent}, `id="cg-consent-settings"`},
			{"preference page", h.Endpoint + "/preferences?return=/x", nil, `id="cg-prefs"`},
			{"preference page with consent", h.Endpoint + "/preferences?return=/x", []string{consent}, `id="cg-prefs"`},
			{"banner fragment", h.Endpoint + "/banner?return=/x", nil, `id="cg-consent"`},
		} {
			rec := hxGet(t, h, &hxUpstream{}, c.path, c.cookie, map[string]string{"Accept": "text/html", "Accept-Language": lang})
			body := rec.Body.String()
			if !strings.Contains(body, c.marker) {
				t.Fatalf("%s (Accept-Language %q): %s missing", c.name, lang, c.marker)
			}
			t.Run(c.name+"/"+lang, func(t *testing.T) {
				hxAssertNoActiveContent(t, body, append(slices.Clone(all), `"><script>alert(11)</script>`))
			})
		}
	}
	// The payloads are shown, as text: the escaping did not just drop them.
	rec := hxGet(t, h, &hxUpstream{}, h.Endpoint+"/preferences", nil, nil)
	doc, err := html.Parse(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for n := range doc.Descendants() {
		if n.Type == html.TextNode {
			text.WriteString(n.Data)
		}
	}
	for _, want := range []string{`<img src=x onerror=alert(7)>`, `<script>alert(8)</script>`, `"><b onmouseover=alert(5)>v`} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the preference page should show %q as text", want)
		}
	}
}

// bannerTextKeys lists the override keys the README documents.
func bannerTextKeys() []string {
	return []string{"title", "message", "accept_all", "reject_all", "customize", "save", "settings", "notice_link",
		"always_on", "on", "off", "cookies_label", "gpc_honoured", "preferences_title", "preferences_intro",
		"withdraw_all", "policy_version_label", "current_choice", "close", "consent_id_label", "back", "no_choice_yet"}
}

// A request URI full of markup (the banner's return path is the page's own
// URI) is escaped in the banner and in the settings control.
func TestHostileRequestURIInBanner(t *testing.T) {
	h := newTestHandler(t, nil)
	consent := "consent=" + hxMint(t, h)
	for _, raw := range []string{`q="><script>alert(1)</script>`, `x=<img/src/onerror=alert(1)>`, `a='onfocus='alert(1)`} {
		for _, cookie := range [][]string{nil, {consent}} {
			req := httptest.NewRequest(http.MethodGet, "/page", nil)
			req.URL.RawQuery = raw
			req.RequestURI = "/page?" + raw
			req.Header.Set("Accept", "text/html")
			for _, c := range cookie {
				req.Header.Add("Cookie", c)
			}
			rec, err := serve(t, h, req, (&hxUpstream{}).next)
			if err != nil {
				t.Fatal(err)
			}
			hxAssertNoActiveContent(t, rec.Body.String(), []string{raw})
		}
	}
}

// Reverse_proxy aborts a response whose upstream breaks mid-body, or whose
// client went away, by panicking with http.ErrAbortHandler (so net/http
// cuts the connection). A compressed page is decoded by a coroutine that
// only ends when the response writer is closed: the abort must not leave
// it (and its buffers) behind.
func TestHostileAbortedCompressedPageLeaksNothing(t *testing.T) {
	h := newTestHandler(t, nil)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(page + strings.Repeat("<p>more</p>", 5000)))
	_ = zw.Close()
	half := gz.Bytes()[:gz.Len()/2]

	const n = 20
	for i := 0; i < n; i++ {
		func() {
			defer func() {
				if p := recover(); p != http.ErrAbortHandler {
					t.Fatalf("the abort must propagate unchanged, got %v", p)
				}
			}()
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("Accept", "text/html")
			_, _ = serve(t, h, req, func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("Content-Encoding", "gzip")
				w.Header().Add("Set-Cookie", "_ga=1")
				_, _ = w.Write(half)
				panic(http.ErrAbortHandler) // what reverse_proxy does
			})
		}()
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		left := hxGoroutinesIn("bodydecode.(*Decoder)")
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d aborted compressed responses left their decoder goroutine running "+
				"(ServeHTTP in serve.go never calls rw.close when next panics)", left, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hxGoroutinesIn counts goroutines whose stack mentions fn.
func hxGoroutinesIn(fn string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, fn) {
			count++
		}
	}
	return count
}

// GPC with every category granted: advertising (sale_or_share) is denied
// for that request; the rest of the consent holds.
func TestHostileGPCNarrowsEvenAcceptAll(t *testing.T) {
	h := newTestHandler(t, nil)
	consent := "consent=" + hxMint(t, h, "functional", "analytics", "advertising")
	u := &hxUpstream{}
	rec := hxGet(t, h, u, "/api", []string{consent + "; _fbp=fb; _ga=GA1"}, map[string]string{"Sec-GPC": "1"})
	set, expired := hxSetCookies(t, rec.Result().Header, "Set-Cookie")
	if slices.Contains(set, "_fbp") || !slices.Contains(set, "_ga") || !slices.Contains(expired, "_fbp") {
		t.Errorf("GPC: set %v expired %v; want _ga set, _fbp refused and expired", set, expired)
	}
	if slices.Contains(u.last(), "_fbp") {
		t.Errorf("GPC: the site received _fbp: %v", u.last())
	}
}

// A compressed page that breaks after decoded bytes left is aborted and
// reported once at WARN (close also runs from ServeHTTP's defer, for
// aborts), with no decoder left running. (An undecodable one passes
// through unchanged: TestWriterUndecodableBodyPassesThrough.)
func TestHostileCorruptGzipReportedOnce(t *testing.T) {
	h := newTestHandler(t, nil)
	core, logs := observer.New(zap.DebugLevel)
	h.logger = zap.New(core)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(page + strings.Repeat("<p>more</p>", 5000)))
	_ = zw.Close()
	func() {
		defer func() {
			if p := recover(); p != http.ErrAbortHandler {
				t.Fatalf("a corrupt page must abort the response, got %v", p)
			}
		}()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Accept", "text/html")
		_, _ = serve(t, h, req, func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "gzip")
			_, err := w.Write(append(gz.Bytes(), "<script>alert(1)</script>"...))
			return err
		})
	}()
	if n := logs.FilterMessage(audit.BodyCutShort).FilterLevelExact(zap.WarnLevel).Len(); n != 1 {
		t.Errorf("%d %s WARN events for one cut page, want 1", n, audit.BodyCutShort)
	}
	deadline := time.Now().Add(3 * time.Second)
	for hxGoroutinesIn("bodydecode.(*Decoder)") != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d decoders still running", hxGoroutinesIn("bodydecode.(*Decoder)"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
