package caddymodule

// Fuzz targets that drive the whole handler (not one package): what a
// visitor or an upstream sends, arbitrary, through ServeHTTP with the real
// policy, codec and banner. `go test` runs them on the committed seed
// corpus (testdata/fuzz/<name>/) and the f.Add seeds; `make fuzz` explores.

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/consentgate/caddy-consent/caddymodule/cookieheader"
	"github.com/consentgate/caddy-consent/caddymodule/policy"
)

// fzHandler is a handler with the default configuration and a silent
// logger (the fuzzer runs millions of requests).
func fzHandler(t testing.TB, mod func(*Handler)) *Handler {
	h := newTestHandler(t, mod)
	h.logger = zap.NewNop()
	return h
}

// fzStates are the consent states the cookie fuzzers run under: the
// categories granted by the visitor, and whether the request carries GPC.
var fzStates = []struct {
	granted []string // nil: no consent cookie at all
	gpc     bool
}{
	{nil, false},
	{[]string{}, false}, // reject_all
	{[]string{"analytics"}, false},
	{[]string{"functional", "analytics", "advertising"}, false},
	{[]string{"functional", "analytics", "advertising"}, true},
}

// fzGranted is the oracle for what a state allows, computed from the
// policy's category list rather than from the handler's decoding.
func fzGranted(t testing.TB, h *Handler, granted []string, gpc bool) policy.Set {
	t.Helper()
	var names []string
	for _, g := range granted {
		if gpc && g == "advertising" {
			continue // sale_or_share by default
		}
		names = append(names, g)
	}
	s, err := h.policy.SetOf(names)
	if err != nil {
		t.Fatal(err)
	}
	return s | h.policy.RequiredSet()
}

// FuzzEndpointInput sends arbitrary form and JSON bodies, return paths,
// Accept-Language and Content-Type values to POST /_consent, to
// GET /_consent/preferences and /banner, and as the query of a page (the
// banner's return path is the page's own URI). Whatever comes in: no
// panic, never a 5xx, a Location is always a same-origin path, no header
// is split, the only cookie set is the consent cookie, and an input
// containing '<' is never reflected raw into anything but a nosniff
// text/plain error.
func FuzzEndpointInput(f *testing.F) {
	seeds := []struct {
		body, ret, lang, ct string
		kind                uint8
	}{
		{"choice=accept_all&return=%2Fpage", "/page", "en", "application/x-www-form-urlencoded", 0},
		{"choice=custom&category=analytics&category=%3Cscript%3E", "/", "de", "application/x-www-form-urlencoded; charset=utf-8", 0},
		{"analytics", "//evil.example", "fr;q=0.5, *", "", 1},
		{"<script>alert(1)</script>", "/\\evil", "<img src=x onerror=alert(1)>", "", 1},
		{`{"categories":["analytics"],"choice":"custom"}`, "", "", "", 2},
		{`{"choice":"<script>","categories":["<img>"],"source":"</title>"}`, "", "", "", 2},
		{"", `/"><script>alert(1)</script>`, "en", "", 3},
		{"", "/%2F%2Fevil.example", "\"><svg onload=1>", "", 4},
		{"", `q="><img src=x onerror=alert(1)>`, "es", "", 5},
		{"", "a=<b>&c='d'", "", "", 11},
		{"choice=withdraw&return=/\t/evil.example", "", "", "application/x-www-form-urlencoded", 6},
		{"choice=reject_all&source=%3C%2Fscript%3E", "https:evil", "", "multipart/form-data; boundary=x", 6},
	}
	for _, s := range seeds {
		f.Add(s.body, s.ret, s.lang, s.ct, s.kind)
	}
	h := fzHandler(f, nil)
	consent := "consent=" + hxMint(f, h, "analytics")

	run := func(t *testing.T, body, ret, lang, ct string, kind uint8) *httptest.ResponseRecorder {
		var req *http.Request
		withConsent := kind/6%2 == 1
		switch kind % 6 {
		case 0: // raw form body, fuzzed Content-Type
			req = httptest.NewRequest(http.MethodPost, "http://example.com"+h.Endpoint, strings.NewReader(body))
			req.Header.Set("Content-Type", ct)
		case 1: // a well-formed form whose values are fuzzed
			choices := []string{"accept_all", "reject_all", "custom", "withdraw", body}
			form := url.Values{"choice": {choices[int(kind/12)%len(choices)]}, "return": {ret}, "category": {body, lang}, "source": {ct}}
			req = httptest.NewRequest(http.MethodPost, "http://example.com"+h.Endpoint, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if kind&0x40 != 0 {
				req.Header.Set("Accept", "application/json")
			}
		case 2: // raw JSON body
			req = httptest.NewRequest(http.MethodPost, "http://example.com"+h.Endpoint, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
		case 3, 4: // preference page and banner fragment
			sub := "/preferences"
			if kind%6 == 4 {
				sub = "/banner"
			}
			req = httptest.NewRequest(http.MethodGet, "http://example.com"+h.Endpoint+sub+"?return="+url.QueryEscape(ret), nil)
		case 5: // a page whose request URI carries the fuzzed query
			req = httptest.NewRequest(http.MethodGet, "http://example.com/page", nil)
			req.URL.RawQuery = ret
			req.RequestURI = "/page?" + ret
			req.Header.Set("Accept", "text/html")
		}
		req.Header.Set("Origin", "http://example.com")
		req.Header.Set("Accept-Language", lang)
		if withConsent {
			req.Header.Set("Cookie", consent)
		}
		rec, err := serve(t, h, req, htmlUpstream(page, nil))
		if err != nil {
			t.Fatalf("handler error: %v", err)
		}
		return rec
	}

	f.Fuzz(func(t *testing.T, body, ret, lang, ct string, kind uint8) {
		rec := run(t, body, ret, lang, ct, kind)
		res := rec.Result()
		if rec.Code >= 500 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
		if loc, ok := res.Header["Location"]; ok {
			if len(loc) != 1 || !hxSameOrigin(loc[0]) {
				t.Fatalf("Location %q is not a same-origin path", loc)
			}
		}
		for k, vs := range res.Header {
			for _, v := range vs {
				if strings.ContainsAny(v, "\r\n\x00") {
					t.Fatalf("header %s split by input: %q", k, v)
				}
			}
		}
		for _, line := range res.Header["Set-Cookie"] {
			name, _, _ := strings.Cut(line, "=")
			switch {
			case kind%6 != 5 && name == "consent": // the endpoints set only the consent cookie
			case kind%6 == 5 && name == "PHPSESSID": // the page's session cookie
			case kind%6 == 5 && name == "_ga" && kind/6%2 == 1: // analytics, granted by the page request's consent
			default:
				t.Fatalf("unexpected Set-Cookie %q", line)
			}
		}

		ctype := res.Header.Get("Content-Type")
		if strings.HasPrefix(ctype, "text/plain") {
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("text/plain error without nosniff could be sniffed as HTML")
			}
			return
		}
		// Differential: the same request with every '<'-carrying input
		// replaced by a harmless one. A hostile string found in the
		// hostile response but not in the harmless one was reflected.
		var hostile []string
		clean := func(s, harmless string) string {
			if strings.Contains(s, "<") {
				hostile = append(hostile, s)
				return harmless
			}
			return s
		}
		b2, r2, l2, c2 := clean(body, ""), clean(ret, "/"), clean(lang, "en"), clean(ct, "application/x-www-form-urlencoded")
		if len(hostile) == 0 {
			return
		}
		benign := run(t, b2, r2, l2, c2, kind).Body.String()
		got := rec.Body.String()
		for _, s := range hostile {
			if strings.Contains(got, s) && !strings.Contains(benign, s) {
				t.Fatalf("input %q reflected unescaped into a %q response:\n%s", s, ctype, got)
			}
		}
	})
}

// FuzzResponseCookies sends arbitrary Set-Cookie lines (split on '\n')
// from the upstream, in the headers of a JSON or an HTML response or as
// trailers (announced in Trailer, or under http.TrailerPrefix), under each
// consent state. Exactly the lines whose cookie the state allows survive,
// in order and byte for byte: no tracker, no malformed line, and no
// essential cookie wrongly stripped.
func FuzzResponseCookies(f *testing.F) {
	for _, s := range []string{
		"PHPSESSID=1; Path=/\n_ga=GA1.2.3; Path=/\n_fbp=fb.1",
		"consent=forged; Path=/\n__Host-consent=x\nlang=de",
		"_ga=1\r\nSet-Cookie: _fbp=1\nnovalue\n=x\n a b=c",
		"caf\u00e9=1\nSESSabc=1\n_gcl_au=1; Domain=example.com\nmystery=1",
		"\n\n;=\n_ga;=1\n\t_gid\t=\t1",
	} {
		for w := uint8(0); w < 4; w++ {
			f.Add(s, w*5+uint8(len(s))%5)
		}
	}
	h := fzHandler(f, nil)
	consents := make([]string, len(fzStates))
	for i, st := range fzStates {
		if st.granted != nil {
			consents[i] = "consent=" + hxMint(f, h, st.granted...)
		}
	}

	f.Fuzz(func(t *testing.T, in string, mode uint8) {
		lines := strings.Split(in, "\n")
		if len(lines) > 256 {
			lines = lines[:256]
		}
		si := int(mode) % len(fzStates)
		where := int(mode) / len(fzStates) % 4
		st := fzStates[si]
		granted := fzGranted(t, h, st.granted, st.gpc)
		var want []string
		for _, l := range lines {
			if name, ok := cookieheader.SetCookieName(l); ok && h.policy.Decide(name, granted).Allowed {
				want = append(want, l)
			}
		}

		req := httptest.NewRequest(http.MethodGet, "/p", nil)
		if consents[si] != "" {
			req.Header.Set("Cookie", consents[si])
		}
		if st.gpc {
			req.Header.Set("Sec-GPC", "1")
		}
		if where == 1 {
			req.Header.Set("Accept", "text/html")
		}
		rec, err := serve(t, h, req, func(w http.ResponseWriter, r *http.Request) error {
			switch where {
			case 0, 1:
				w.Header()["Set-Cookie"] = slices.Clone(lines)
				if where == 1 {
					w.Header().Set("Content-Type", "text/html")
					_, err := w.Write([]byte(page))
					return err
				}
				w.Header().Set("Content-Type", "application/json")
				_, err := w.Write([]byte("{}"))
				return err
			case 2:
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte("{}"))
				w.Header()[http.TrailerPrefix+"Set-Cookie"] = slices.Clone(lines)
			case 3:
				w.Header().Set("Trailer", "Set-Cookie")
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte("{}"))
				w.Header()["Set-Cookie"] = slices.Clone(lines)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		res := rec.Result()
		got := res.Header["Set-Cookie"]
		if where >= 2 {
			if len(got) != 0 {
				t.Fatalf("trailer cookies appeared in the header section: %q", got)
			}
			got = res.Trailer["Set-Cookie"]
		}
		if !slices.Equal(got, want) {
			t.Fatalf("state %d (granted %v, gpc %v), where %d:\n got  %q\n want %q", si, st.granted, st.gpc, where, got, want)
		}
	})
}

// FuzzRequestCookies sends an arbitrary Cookie header (split on '\n' into
// several Cookie header lines) under each consent state, in enforce and in
// report mode. The site receives exactly the allowed cookies, in order,
// name and value unchanged (report mode: everything, untouched), and the
// response expires only refused cookies of known categories.
func FuzzRequestCookies(f *testing.F) {
	for i, s := range []string{
		"_ga=GA1.2.3; _gid=GA1.2.4; PHPSESSID=abc; lang=de; _fbp=fb.1",
		"consent=forged; _ga=1\nconsent=also; PHPSESSID=2",
		" a=1 ;; ;b = 2 ;c=3;\n\n_ga_ABC=1;  _gcl_au = x ",
		"novalue; =x; a=b=c; q=\"x;y\"",
		"_ga_\r\nSet-Cookie: x=1; caf\u00e9=1; SESSdeadbeef=ok",
	} {
		f.Add(s, uint8(i))
		f.Add(s, uint8(i+len(fzStates)))
	}
	enforce := fzHandler(f, nil)
	report := fzHandler(f, func(h *Handler) { h.Mode = ModeReport })
	consents := make([]string, len(fzStates))
	for i, st := range fzStates {
		if st.granted != nil {
			// Both handlers share the test keys: one cookie serves both.
			consents[i] = "consent=" + hxMint(f, enforce, st.granted...)
		}
	}
	pairs := func(lines []string) [][2]string {
		var out [][2]string
		for _, l := range lines {
			for n, v := range cookieheader.Pairs(l) {
				out = append(out, [2]string{n, v})
			}
		}
		return out
	}

	f.Fuzz(func(t *testing.T, in string, mode uint8) {
		si := int(mode) % len(fzStates)
		reportMode := int(mode)/len(fzStates)%2 == 1
		h := enforce
		if reportMode {
			h = report
		}
		st := fzStates[si]
		lines := strings.Split(in, "\n")
		if len(lines) > 64 {
			lines = lines[:64]
		}
		if consents[si] != "" {
			lines = append([]string{consents[si]}, lines...)
		}

		var received []string
		seen := false
		req := httptest.NewRequest(http.MethodGet, "/api", nil)
		req.Header["Cookie"] = slices.Clone(lines)
		if st.gpc {
			req.Header.Set("Sec-GPC", "1")
		}
		rec, err := serve(t, h, req, func(w http.ResponseWriter, r *http.Request) error {
			seen = true
			received = slices.Clone(r.Header["Cookie"])
			w.Header().Set("Content-Type", "application/json")
			_, err := w.Write([]byte("{}"))
			return err
		})
		if err != nil || !seen {
			t.Fatalf("upstream not reached: %v", err)
		}

		if reportMode {
			if !slices.Equal(received, lines) {
				t.Fatalf("report mode changed the Cookie header:\n got  %q\n want %q", received, lines)
			}
			return
		}

		// Which consent counts when the fuzzed part carries its own
		// consent= pairs is TestHostileDuplicateConsentCookies's business;
		// here either the state's or no consent is accepted, never more.
		extraConsent := false
		for _, l := range lines[min(1, len(lines)):] {
			for n := range cookieheader.Pairs(l) {
				extraConsent = extraConsent || n == "consent"
			}
		}
		candidates := []policy.Set{fzGranted(t, h, st.granted, st.gpc)}
		if extraConsent || st.granted == nil {
			candidates = append(candidates, h.policy.RequiredSet())
		}
		gotPairs := pairs(received)
		var matched policy.Set
		ok := false
		for _, g := range candidates {
			var want [][2]string
			keep := func(name string) bool {
				// The consent cookie never reaches the upstream (apps read
				// {http.consent.*}); everything else as the policy says.
				return h.policy.Decide(name, g).Allowed && name != "consent" && name != "__Host-consent"
			}
			// Cookies hidden in a value ("a=1, _ga=2", "a=1 _ga=2") are
			// decided by their own names too: the lines are cut as
			// FilterCookieHeader cuts them (tested in package
			// cookieheader), with the policy's answers.
			for _, l := range lines {
				for n, v := range cookieheader.Pairs(cookieheader.FilterCookieHeader(l, keep, nil)) {
					want = append(want, [2]string{n, v})
				}
			}
			if sameCookies(gotPairs, want) {
				ok, matched = true, g
				break
			}
		}
		if !ok {
			t.Fatalf("state %d: the site received %q from %q (pairs %q, candidates %v)", si, received, lines, gotPairs, candidates)
		}

		// Expiry lines only for refused cookies of known categories that
		// the browser sent (a cookie hidden in a value counts as sent: a
		// lenient server would read it).
		sent := map[string]bool{}
		for _, l := range lines {
			cookieheader.FilterCookieHeader(l, func(n string) bool { sent[n] = true; return true }, nil)
		}
		for _, line := range rec.Result().Header["Set-Cookie"] {
			if !strings.Contains(line, "; Max-Age=0") {
				continue
			}
			name, _, _ := strings.Cut(line, "=")
			d := h.policy.Decide(name, matched)
			if !d.Known || d.Allowed || !sent[name] {
				t.Fatalf("expiry for %q, which the visitor did not send as a refused known cookie", name)
			}
			if strings.ContainsAny(line, "\r\n\x00") {
				t.Fatalf("expiry line split by input: %q", line)
			}
		}
	})
}

// sameCookies: the same names in the same order, and each value the one
// sent or a prefix of it: the gateway may cut a cookie hidden in a value
// after whitespace or ',' (which some servers read as another cookie),
// never add anything.
func sameCookies(got, want [][2]string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i][0] != want[i][0] || !strings.HasPrefix(want[i][1], strings.TrimSpace(got[i][1])) {
			return false
		}
	}
	return true
}
