package integration

// Regional consent profiles (region), ad click identifiers in the URL
// (url_tracking), the signed consent context header (context_header) and
// Microsoft's consent signals, each against a real Caddy (issue 14).

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentgate/caddy-consent/caddymodule/consentcookie"
	"github.com/consentgate/caddy-consent/internal/testcaddy"
)

// regionalPage carries one third-party tag of each kind the profiles treat
// differently: GA4 (analytics), the Meta Pixel (advertising), Microsoft UET
// (advertising) and Clarity (analytics).
const regionalPage = `<!DOCTYPE html><html><head><title>regional</title>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-TEST123"></script>
<script async src="https://connect.facebook.net/en_US/fbevents.js"></script>
<script async src="https://bat.bing.com/bat.js"></script>
<script async src="https://www.clarity.ms/tag/abc123"></script>
</head><body><h1>Regional</h1></body></html>`

const (
	srcGA4     = "https://www.googletagmanager.com/gtag/js?id=G-TEST123"
	srcMeta    = "https://connect.facebook.net/en_US/fbevents.js"
	srcUET     = "https://bat.bing.com/bat.js"
	srcClarity = "https://www.clarity.ms/tag/abc123"
)

// contextKeyHex is the consent context key of these tests (32 bytes).
const contextKeyHex = "8f3c1e0b7a6d5c4b3a29180716f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3"

// regionalRequest is what the upstream saw of one request.
type regionalRequest struct {
	path, requestURI, rawQuery, cookie string
	context                            []string // every Consent-Context value
}

// regionalUpstream serves regionalPage on every path but two same-origin
// collectors, sets a session, a functional, an analytics and an
// advertising cookie, and records every request it gets.
type regionalUpstream struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []regionalRequest
}

func newRegionalUpstream(t *testing.T) *regionalUpstream {
	u := &regionalUpstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.reqs = append(u.reqs, regionalRequest{path: r.URL.Path, requestURI: r.RequestURI, rawQuery: r.URL.RawQuery,
			cookie: strings.Join(r.Header.Values("Cookie"), "; "), context: r.Header.Values("Consent-Context")})
		u.mu.Unlock()
		switch r.URL.Path {
		case "/stats/collect":
			w.WriteHeader(http.StatusNoContent)
			return
		case "/ads/pixel.gif":
			w.Header().Set("Content-Type", "image/gif")
			_, _ = io.WriteString(w, "GIF89a-from-upstream")
			return
		}
		for _, c := range []string{"PHPSESSID=s3ss10n; Path=/; HttpOnly", "lang=en; Path=/", "_ga=GA1.1.1.1; Path=/; Max-Age=63072000", "_fbp=fb.1.1.1; Path=/"} {
			w.Header().Add("Set-Cookie", c)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, regionalPage)
	}))
	t.Cleanup(u.Close)
	return u
}

// last is the last request the upstream got for path (fails if none).
func (u *regionalUpstream) last(t *testing.T, path string) regionalRequest {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	for i := len(u.reqs) - 1; i >= 0; i-- {
		if u.reqs[i].path == path {
			return u.reqs[i]
		}
	}
	t.Fatalf("the upstream never got %s", path)
	return regionalRequest{}
}

// hits counts the requests for path that reached the upstream.
func (u *regionalUpstream) hits(path string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for _, r := range u.reqs {
		if r.path == path {
			n++
		}
	}
	return n
}

// regionalGateway puts the gateway with regions (CF-IPCountry, CA mapped
// to us), two same-origin collectors, Consent Mode and the context header
// in front of u; extra goes inside the consent block.
func regionalGateway(t *testing.T, u *regionalUpstream, extra string) *testcaddy.Server {
	return testcaddy.Start(t, `http://{GATEWAY} {
	consent {
		policy_version 2026-11-28
		keys `+keyA+`
		region {http.request.header.CF-IPCountry} {
			CA us
		}
		block analytics /stats/collect
		block advertising /ads/pixel.gif
		consent_mode
`+extra+`
	}
	reverse_proxy `+strings.TrimPrefix(u.URL, "http://")+`
}
`)
}

// tagHeld reports whether the page holds the script src back (neutralized:
// type="text/plain"), tagLive whether it is there unchanged.
func tagHeld(body, src string) bool {
	return regexp.MustCompile(`<script type="text/plain" data-consent-category="[a-z]+"[^>]* src="` + regexp.QuoteMeta(src) + `"`).MatchString(body)
}

func tagLive(body, src string) bool {
	return strings.Contains(body, `<script async src="`+src+`"></script>`)
}

// consentState is GET /_consent.
type consentState struct {
	HasConsent bool   `json:"has_consent"`
	GPC        bool   `json:"gpc"`
	Profile    string `json:"profile"`
	Region     string `json:"region"`
	ConsentID  string `json:"consent_id"`
	Categories []struct {
		Name    string `json:"name"`
		Granted bool   `json:"granted"`
	} `json:"categories"`
}

func (s consentState) granted(cat string) bool {
	for _, c := range s.Categories {
		if c.Name == cat {
			return c.Granted
		}
	}
	return false
}

func getState(t *testing.T, g *testcaddy.Server, hdr map[string]string) consentState {
	t.Helper()
	resp, body := do(t, http.MethodGet, g.URL+"/_consent", hdr, "")
	var st consentState
	if err := json.Unmarshal([]byte(body), &st); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /_consent: %d %v %q", resp.StatusCode, err, body)
	}
	return st
}

// enforcementAt returns the enforcement events for path.
func enforcementAt(t *testing.T, g *testcaddy.Server, path string) []testcaddy.Entry {
	t.Helper()
	var out []testcaddy.Entry
	for i := 0; i < 40 && len(out) == 0; i++ {
		for _, e := range g.Events(t, "enforcement") {
			if e.Str("path") == path {
				out = append(out, e)
			}
		}
		if len(out) == 0 {
			time.Sleep(25 * time.Millisecond)
		}
	}
	return out
}

// TestRegionalProfilesBeforeChoice: what reaches the browser and the
// upstream before any choice, per regional profile: cookies both ways,
// third-party tags, same-origin collectors, the banner or the privacy
// choices link, the Consent Mode defaults, the state endpoint and the
// audit event.
func TestRegionalProfilesBeforeChoice(t *testing.T) {
	u := newRegionalUpstream(t)
	g := regionalGateway(t, u, "")
	const browserCookies = "PHPSESSID=s3ss10n; lang=en; _ga=GA1.1.1.1; _fbp=fb.1.1.1"

	type want struct {
		profile, region             string
		set                         []string // cookies the browser may keep
		up                          []string // cookies the upstream gets
		banner, ukNotice, usLink    bool
		ga4Live, metaLive           bool
		statsPass, pixelPass        bool
		analyticsMode, adMode       string // Consent Mode defaults
		stateAnalytics, stateAdvert bool
	}
	eu := want{profile: "eu", set: []string{"PHPSESSID"}, up: []string{"PHPSESSID"}, banner: true,
		analyticsMode: "denied", adMode: "denied"}
	for _, tc := range []struct {
		name, country string
		w             want
	}{
		{"germany", "DE", func() want { w := eu; w.region = "DE"; return w }()},
		{"switzerland", "CH", func() want { w := eu; w.region = "CH"; return w }()},
		{"unknown-country", "XX", func() want { w := eu; w.region = "XX"; return w }()},
		{"no-header", "", eu},
		{"garbage", "<script>", eu},
		{"uk", "GB", want{profile: "uk", region: "GB", set: []string{"PHPSESSID", "lang", "_ga"}, up: []string{"PHPSESSID", "lang", "_ga"},
			banner: true, ukNotice: true, statsPass: true, analyticsMode: "denied", adMode: "denied", stateAnalytics: true}},
		{"us", "US", want{profile: "us", region: "US", set: []string{"PHPSESSID", "lang", "_ga", "_fbp"}, up: []string{"PHPSESSID", "lang", "_ga", "_fbp"},
			usLink: true, ga4Live: true, metaLive: true, statsPass: true, pixelPass: true, analyticsMode: "granted", adMode: "granted",
			stateAnalytics: true, stateAdvert: true}},
		{"us-state", "US-CA", want{profile: "us", region: "US-CA", set: []string{"PHPSESSID", "lang", "_ga", "_fbp"}, up: []string{"PHPSESSID", "lang", "_ga", "_fbp"},
			usLink: true, ga4Live: true, metaLive: true, statsPass: true, pixelPass: true, analyticsMode: "granted", adMode: "granted",
			stateAnalytics: true, stateAdvert: true}},
		{"operator-mapping", "CA", want{profile: "us", region: "CA", set: []string{"PHPSESSID", "lang", "_ga", "_fbp"}, up: []string{"PHPSESSID", "lang", "_ga", "_fbp"},
			usLink: true, ga4Live: true, metaLive: true, statsPass: true, pixelPass: true, analyticsMode: "granted", adMode: "granted",
			stateAnalytics: true, stateAdvert: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.w
			hdr := map[string]string{"Cookie": browserCookies}
			if tc.country != "" {
				hdr["CF-IPCountry"] = tc.country
			}
			path := "/p/" + tc.name
			resp, body := do(t, http.MethodGet, g.URL+path, hdr, "")
			set, _ := setCookieNames(resp)
			for _, c := range []string{"PHPSESSID", "lang", "_ga", "_fbp"} {
				if has(set, c) != has(w.set, c) {
					t.Errorf("Set-Cookie %s reaching the browser = %v, want %v (set %v)", c, has(set, c), has(w.set, c), set)
				}
				if got := strings.Contains(u.last(t, path).cookie, c+"="); got != has(w.up, c) {
					t.Errorf("upstream got cookie %s = %v, want %v (Cookie: %q)", c, got, has(w.up, c), u.last(t, path).cookie)
				}
			}

			if got := strings.Contains(body, `id="cg-consent"`); got != w.banner {
				t.Errorf("opt-in banner shown = %v, want %v", got, w.banner)
			}
			if got := strings.Contains(body, "You can object at any time below."); got != w.ukNotice {
				t.Errorf("UK objection notice shown = %v, want %v", got, w.ukNotice)
			}
			link := regexp.MustCompile(`<a id="cg-consent-settings"[^>]*>Your Privacy Choices</a>`).MatchString(body)
			if link != w.usLink {
				t.Errorf(`"Your Privacy Choices" link = %v, want %v`, link, w.usLink)
			}
			if w.ukNotice {
				// The banner shows what is on before the choice: the
				// objection is unticking it.
				for cat, on := range map[string]bool{"functional": true, "analytics": true, "advertising": false} {
					re := regexp.MustCompile(`<input type="checkbox" name="category" value="` + cat + `"[^>]*?( checked)?>`)
					m := re.FindStringSubmatch(body)
					if m == nil || (m[1] != "") != on {
						t.Errorf("UK banner: %s checkbox checked should be %v: %q", cat, on, m)
					}
				}
			}
			for _, tag := range []struct {
				src  string
				live bool
			}{{srcGA4, w.ga4Live}, {srcMeta, w.metaLive}, {srcClarity, w.ga4Live}, {srcUET, w.metaLive}} {
				if tag.live && !tagLive(body, tag.src) || !tag.live && !tagHeld(body, tag.src) {
					t.Errorf("third-party tag %s should be live=%v:\n%s", tag.src, tag.live, body)
				}
			}
			for signal, st := range map[string]string{"analytics_storage": w.analyticsMode, "ad_storage": w.adMode} {
				if !strings.Contains(body, `"`+signal+`":"`+st+`"`) {
					t.Errorf("Consent Mode default %s should be %s:\n%s", signal, st, body)
				}
			}

			before := u.hits("/stats/collect")
			resp, _ = do(t, http.MethodGet, g.URL+"/stats/collect?v=2", hdr, "")
			if got := u.hits("/stats/collect") > before; got != w.statsPass {
				t.Errorf("same-origin analytics collector reached upstream = %v, want %v (status %d)", got, w.statsPass, resp.StatusCode)
			}
			before = u.hits("/ads/pixel.gif")
			resp, _ = do(t, http.MethodGet, g.URL+"/ads/pixel.gif", map[string]string{"CF-IPCountry": tc.country, "Accept": "image/*"}, "")
			if got := u.hits("/ads/pixel.gif") > before; got != w.pixelPass {
				t.Errorf("same-origin advertising pixel reached upstream = %v, want %v (status %d)", got, w.pixelPass, resp.StatusCode)
			}

			st := getState(t, g, map[string]string{"CF-IPCountry": tc.country})
			if st.Profile != w.profile || st.Region != w.region || st.HasConsent {
				t.Errorf("GET /_consent: profile %q region %q has_consent %v, want %q %q false", st.Profile, st.Region, st.HasConsent, w.profile, w.region)
			}
			if st.granted("analytics") != w.stateAnalytics || st.granted("advertising") != w.stateAdvert {
				t.Errorf("GET /_consent granted analytics=%v advertising=%v, want %v %v", st.granted("analytics"), st.granted("advertising"), w.stateAnalytics, w.stateAdvert)
			}

			// An enforcement event is written when something was enforced
			// (evidence response); a US visitor without GPC had nothing
			// refused, the GPC test covers the US event.
			if !w.usLink {
				ev := enforcementAt(t, g, path)
				if len(ev) != 1 || ev[0].Str("profile") != w.profile {
					t.Errorf("the enforcement event for %s should carry profile %q: %v", path, w.profile, ev)
				}
			}
		})
	}
}

// TestRegionalUSGlobalPrivacyControl: Sec-GPC: 1 from a US visitor refuses
// advertising before the first byte, without JavaScript: no advertising
// cookie, tag or pixel, and the link and the page say "Opt-Out Request
// Honored" (CCPA regulations §7025(c)(6)).
func TestRegionalUSGlobalPrivacyControl(t *testing.T) {
	u := newRegionalUpstream(t)
	g := regionalGateway(t, u, "")
	hdr := map[string]string{"CF-IPCountry": "US", "Sec-GPC": "1", "Cookie": "PHPSESSID=s3ss10n; _ga=GA1.1.1.1; _fbp=fb.1.1.1"}
	resp, body := do(t, http.MethodGet, g.URL+"/", hdr, "")
	set, expired := setCookieNames(resp)
	if !has(set, "_ga") || !has(set, "lang") || has(set, "_fbp") {
		t.Errorf("US with GPC: analytics and functional stay, advertising refused; set %v", set)
	}
	if !has(expired, "_fbp") {
		t.Errorf("US with GPC: the advertising cookie the browser holds is expired; expired %v", expired)
	}
	if c := u.last(t, "/").cookie; strings.Contains(c, "_fbp") || !strings.Contains(c, "_ga=") {
		t.Errorf("upstream Cookie with GPC: %q", c)
	}
	if !tagLive(body, srcGA4) || !tagHeld(body, srcMeta) || !tagHeld(body, srcUET) {
		t.Errorf("US with GPC: GA4 live, Meta and UET held:\n%s", body)
	}
	if !regexp.MustCompile(`<a id="cg-consent-settings"[^>]*>Your Privacy Choices <span class="cg-gpc-ok">· Opt-Out Request Honored</span></a>`).MatchString(body) {
		t.Errorf("the privacy choices link must say the opt-out was honoured:\n%s", body)
	}
	if strings.Contains(body, `id="cg-consent"`) {
		t.Errorf("a US visitor gets no opt-in banner")
	}
	if !strings.Contains(body, `"ad_storage":"denied"`) || !strings.Contains(body, `"analytics_storage":"granted"`) {
		t.Errorf("Consent Mode default with GPC:\n%s", body)
	}
	before := u.hits("/ads/pixel.gif")
	do(t, http.MethodGet, g.URL+"/ads/pixel.gif", map[string]string{"CF-IPCountry": "US", "Sec-GPC": "1", "Accept": "image/*"}, "")
	if u.hits("/ads/pixel.gif") != before {
		t.Errorf("the advertising pixel must not reach the upstream with GPC")
	}

	_, page := do(t, http.MethodGet, g.URL+"/_consent/preferences?return=/", hdr, "")
	for _, want := range []string{"<h1 id=\"cg-prefs-title\">Your Privacy Choices</h1>", "<strong>Opt-Out Request Honored</strong>",
		`value="reject_all">Do Not Sell or Share My Personal Information</button>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the US preference page should contain %s:\n%s", want, page)
		}
	}
	st := getState(t, g, hdr)
	if !st.GPC || st.Profile != "us" || st.granted("advertising") || !st.granted("analytics") {
		t.Errorf("GET /_consent with GPC: %+v", st)
	}
	ev := enforcementAt(t, g, "/")
	if len(ev) == 0 || ev[0].Str("profile") != "us" || ev[0]["gpc"] != true {
		t.Errorf("the enforcement event records profile us and gpc: %v", ev)
	}
}

// TestRegionalChoiceRecordsProfile: a choice records the profile it was
// made under in the consent cookie (format 2), GET /_consent reports it,
// consent_recorded carries it, the per-profile metric counts it, and the
// choice holds afterwards: the UK objection refuses analytics, the US
// "Do Not Sell or Share" refuses advertising.
func TestRegionalChoiceRecordsProfile(t *testing.T) {
	u := newRegionalUpstream(t)
	g := regionalGateway(t, u, "")
	codec, err := consentcookie.New("consent", []consentcookie.KeyPair{{
		Hash:  []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
		Block: []byte("0123456789abcdef0123456789abcdef")}}, 182*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	decode := func(cookie string) consentcookie.Consent {
		t.Helper()
		c, _, err := codec.Decode(strings.TrimPrefix(cookie, "consent="), time.Now())
		if err != nil {
			t.Fatalf("decoding the consent cookie %q: %v", cookie, err)
		}
		return c
	}

	// UK: the objection is the banner's "Save" with analytics unticked
	// (functional kept).
	uk := map[string]string{"CF-IPCountry": "GB"}
	cUK, resp, body := post(t, g, url.Values{"choice": {"custom"}, "category": {"functional"}}, uk)
	if cUK == "" {
		t.Fatalf("UK objection: no consent cookie: %d %q", resp.StatusCode, body)
	}
	if c := decode(cUK); c.Profile != "uk" || strings.Join(c.Granted, ",") != "functional" {
		t.Errorf("UK consent cookie: profile %q granted %v", c.Profile, c.Granted)
	}
	resp, body = do(t, http.MethodGet, g.URL+"/after-objection", map[string]string{"CF-IPCountry": "GB", "Cookie": cUK + "; lang=en; _ga=GA1.1.1.1"}, "")
	set, expired := setCookieNames(resp)
	if has(set, "_ga") || !has(set, "lang") || !has(expired, "_ga") {
		t.Errorf("after the UK objection analytics is refused (and expired), functional kept: set %v expired %v", set, expired)
	}
	if c := u.last(t, "/after-objection").cookie; strings.Contains(c, "_ga") || !strings.Contains(c, "lang=en") {
		t.Errorf("after the UK objection the upstream Cookie is %q", c)
	}
	if strings.Contains(body, `id="cg-consent"`) || !tagHeld(body, srcGA4) {
		t.Errorf("after the objection: no banner, GA4 held:\n%s", body)
	}
	before := u.hits("/stats/collect")
	do(t, http.MethodGet, g.URL+"/stats/collect", map[string]string{"CF-IPCountry": "GB", "Cookie": cUK}, "")
	if u.hits("/stats/collect") != before {
		t.Errorf("after the UK objection the same-origin analytics collector is blocked")
	}
	if st := getState(t, g, map[string]string{"CF-IPCountry": "GB", "Cookie": cUK}); !st.HasConsent || st.Profile != "uk" || st.granted("analytics") {
		t.Errorf("GET /_consent after the UK objection: %+v", st)
	}

	// US: "Do Not Sell or Share My Personal Information" is reject_all.
	us := map[string]string{"CF-IPCountry": "US"}
	cUS, _, _ := post(t, g, url.Values{"choice": {"reject_all"}}, us)
	if c := decode(cUS); c.Profile != "us" || len(c.Granted) != 0 {
		t.Errorf("US consent cookie: profile %q granted %v", c.Profile, c.Granted)
	}
	resp, body = do(t, http.MethodGet, g.URL+"/after-opt-out", map[string]string{"CF-IPCountry": "US", "Cookie": cUS}, "")
	set, _ = setCookieNames(resp)
	if has(set, "_fbp") || has(set, "_ga") {
		t.Errorf("after the US opt-out: set %v", set)
	}
	if !tagHeld(body, srcMeta) || !regexp.MustCompile(`<a id="cg-consent-settings"[^>]*>Your Privacy Choices</a>`).MatchString(body) {
		t.Errorf("after the US opt-out: Meta held, the privacy choices link stays:\n%s", body)
	}
	before = u.hits("/ads/pixel.gif")
	do(t, http.MethodGet, g.URL+"/ads/pixel.gif", map[string]string{"CF-IPCountry": "US", "Cookie": cUS}, "")
	if u.hits("/ads/pixel.gif") != before {
		t.Errorf("after the US opt-out the advertising pixel is blocked")
	}
	if st := getState(t, g, map[string]string{"CF-IPCountry": "US", "Cookie": cUS}); !st.HasConsent || st.Profile != "us" || st.granted("advertising") {
		t.Errorf("GET /_consent after the US opt-out: %+v", st)
	}

	// An EU visitor's choice is recorded under eu.
	cEU, _, _ := post(t, g, url.Values{"choice": {"accept_all"}}, map[string]string{"CF-IPCountry": "FR"})
	if c := decode(cEU); c.Profile != "eu" {
		t.Errorf("EU consent cookie: profile %q", c.Profile)
	}

	profiles := map[string]bool{}
	for _, e := range g.Events(t, "consent_recorded") {
		profiles[e.Str("profile")] = true
	}
	if !profiles["uk"] || !profiles["us"] || !profiles["eu"] {
		t.Errorf("consent_recorded events should carry each profile: %v", profiles)
	}

	mresp, err := http.Get("http://" + g.AdminAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	for _, p := range []string{"uk", "us", "eu"} {
		name := `caddy_consent_profile_decisions_total{action="grant",profile="` + p + `"}`
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` ([0-9.e+]+)$`).FindStringSubmatch(string(b))
		if m == nil {
			t.Errorf("metric %s missing", name)
			continue
		}
		if v, _ := strconv.ParseFloat(m[1], 64); v != 1 {
			t.Errorf("%s = %v, want 1", name, v)
		}
	}
}

// TestURLTracking: ad click identifiers leave the URL the upstream sees
// until advertising is allowed, the rest of the query byte for byte; they
// are never logged; report mode keeps them.
func TestURLTracking(t *testing.T) {
	const query = "utm_source=news&gclid=GCLIDSECRET1&q=bread%20rolls&fbclid=FBCLIDSECRET2&msclkid=MSSECRET3&ref_id=REFSECRET4&page=2"
	const clean = "utm_source=news&q=bread%20rolls&page=2"
	u := newRegionalUpstream(t)
	g := regionalGateway(t, u, "\t\turl_tracking {\n\t\t\tparams ref_id\n\t\t}\n")

	do(t, http.MethodGet, g.URL+"/landing?"+query, map[string]string{"CF-IPCountry": "DE"}, "")
	if got := u.last(t, "/landing"); got.rawQuery != clean || got.requestURI != "/landing?"+clean {
		t.Errorf("EU without consent: upstream URL %q, want /landing?%s", got.requestURI, clean)
	}
	// Analytics alone does not allow advertising identifiers.
	cAna, _, _ := post(t, g, url.Values{"choice": {"custom"}, "category": {"analytics"}}, map[string]string{"CF-IPCountry": "DE"})
	do(t, http.MethodGet, g.URL+"/landing?"+query, map[string]string{"CF-IPCountry": "DE", "Cookie": cAna}, "")
	if got := u.last(t, "/landing").rawQuery; got != clean {
		t.Errorf("analytics consent only: upstream query %q", got)
	}
	// A UK visitor before a choice: advertising still waits.
	do(t, http.MethodGet, g.URL+"/landing?"+query, map[string]string{"CF-IPCountry": "GB"}, "")
	if got := u.last(t, "/landing").rawQuery; got != clean {
		t.Errorf("UK before a choice: upstream query %q", got)
	}
	// A US visitor sending GPC has refused advertising.
	do(t, http.MethodGet, g.URL+"/landing?"+query, map[string]string{"CF-IPCountry": "US", "Sec-GPC": "1"}, "")
	if got := u.last(t, "/landing").rawQuery; got != clean {
		t.Errorf("US with GPC: upstream query %q", got)
	}
	// Nothing but click identifiers: the upstream sees no query at all.
	do(t, http.MethodGet, g.URL+"/only?gclid=GCLIDSECRET1", map[string]string{"CF-IPCountry": "DE"}, "")
	if got := u.last(t, "/only"); got.requestURI != "/only" {
		t.Errorf("only a click identifier: upstream URL %q, want /only", got.requestURI)
	}
	// So far no log line of any module saw the identifiers (Caddy's own
	// reverse_proxy debug line shows the cleaned URL).
	noSecretsLogged(t, g, true)

	// Advertising allowed: by consent, or by the US opt-out model.
	cAll, _, _ := post(t, g, url.Values{"choice": {"accept_all"}}, map[string]string{"CF-IPCountry": "DE"})
	do(t, http.MethodGet, g.URL+"/landing?"+query, map[string]string{"CF-IPCountry": "DE", "Cookie": cAll}, "")
	if got := u.last(t, "/landing").rawQuery; got != query {
		t.Errorf("with advertising consent the upstream gets the URL unchanged; got %q", got)
	}
	do(t, http.MethodGet, g.URL+"/landing?"+query, map[string]string{"CF-IPCountry": "US"}, "")
	if got := u.last(t, "/landing").rawQuery; got != query {
		t.Errorf("US before a choice keeps click identifiers; got %q", got)
	}
	noSecretsLogged(t, g, false)

	// Report mode: the upstream sees the identifiers, and still no log
	// line carries them.
	ur := newRegionalUpstream(t)
	gr := regionalGateway(t, ur, "\t\tmode report\n")
	do(t, http.MethodGet, gr.URL+"/landing?"+query, map[string]string{"CF-IPCountry": "DE"}, "")
	if got := ur.last(t, "/landing").rawQuery; got != query {
		t.Errorf("report mode must not change the URL; upstream query %q", got)
	}
	noSecretsLogged(t, gr, false)
}

// noSecretsLogged fails if a click identifier's value reached the
// gateway's own log lines (the audit log), or with all, any log line or
// output of the process. Once the upstream legitimately gets an
// identifier, Caddy's reverse_proxy debug line shows the URL it sent.
func noSecretsLogged(t *testing.T, g *testcaddy.Server, all bool) {
	t.Helper()
	if len(g.Events(t, "enforcement")) == 0 {
		t.Fatal("no enforcement event was logged: the log check would prove nothing")
	}
	raw, err := os.ReadFile(g.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	if all {
		lines = append(lines, g.Output())
	}
	for _, line := range lines {
		if !all && !strings.Contains(line, `"logger":"http.handlers.consent`) {
			continue
		}
		for _, secret := range []string{"GCLIDSECRET1", "FBCLIDSECRET2", "MSSECRET3", "REFSECRET4"} {
			if strings.Contains(line, secret) {
				t.Errorf("the click identifier value %s was logged: %s", secret, line)
			}
		}
	}
}

// verifyContext checks a Consent-Context value the way an application
// would, following the recipe in the README (not this module's code):
// split on '.', HMAC-SHA256 over "v1." + payload, constant-time compare,
// decode the payload.
func verifyContext(key []byte, value string) (map[string]any, bool) {
	parts := strings.Split(value, ".")
	if len(parts) != 3 || parts[0] != "v1" {
		return nil, false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, false
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("v1." + parts[1]))
	if !hmac.Equal(sig, m.Sum(nil)) {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, false
	}
	var payload map[string]any
	if json.Unmarshal(b, &payload) != nil {
		return nil, false
	}
	return payload, true
}

func contextCategories(p map[string]any) []string {
	var out []string
	list, _ := p["categories"].([]any)
	for _, c := range list {
		s, _ := c.(string)
		out = append(out, s)
	}
	return out
}

// TestContextHeader: the upstream gets exactly one signed Consent-Context
// header that an application can verify with the key, saying what the
// visitor allowed; a header the client sends is never passed on.
func TestContextHeader(t *testing.T) {
	key, _ := hex.DecodeString(contextKeyHex)
	u := newRegionalUpstream(t)
	g := regionalGateway(t, u, "\t\tcontext_header {\n\t\t\tkey "+contextKeyHex+"\n\t\t}\n")

	// A forged header claiming everything, built with the wrong key.
	forgedPayload := base64.RawURLEncoding.EncodeToString([]byte(`{"categories":["necessary","functional","analytics","advertising"],"gpc":false,"policy_version":"2026-11-28","has_consent":true,"iat":` + strconv.FormatInt(time.Now().Unix(), 10) + `}`))
	fm := hmac.New(sha256.New, []byte("an attacker's key of at least thirty-two bytes"))
	fm.Write([]byte("v1." + forgedPayload))
	forged := "v1." + forgedPayload + "." + base64.RawURLEncoding.EncodeToString(fm.Sum(nil))
	if _, ok := verifyContext(key, forged); ok {
		t.Fatal("the test's verifier accepts a header signed with another key")
	}

	check := func(name string, hdr map[string]string, extra []string, want func(p map[string]any) string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, g.URL+"/ctx/"+name, nil)
		req.Header.Set("Accept", browserAccept)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		for _, v := range extra {
			req.Header.Add("Consent-Context", v)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		got := u.last(t, "/ctx/"+name).context
		if len(got) != 1 {
			t.Fatalf("%s: the upstream must get exactly one Consent-Context header, got %d: %q", name, len(got), got)
		}
		for _, f := range extra {
			if got[0] == f {
				t.Fatalf("%s: the client's own header reached the upstream", name)
			}
		}
		p, ok := verifyContext(key, got[0])
		if !ok {
			t.Fatalf("%s: the header does not verify with the key: %q", name, got[0])
		}
		if iat, _ := p["iat"].(float64); time.Since(time.Unix(int64(iat), 0)).Abs() > time.Minute {
			t.Errorf("%s: iat %v is not now", name, p["iat"])
		}
		if p["policy_version"] != "2026-11-28" {
			t.Errorf("%s: policy_version %v", name, p["policy_version"])
		}
		if msg := want(p); msg != "" {
			t.Errorf("%s: %s; payload %v", name, msg, p)
		}
		return p
	}

	check("eu-forged", map[string]string{"CF-IPCountry": "DE"}, []string{forged, "v1.e30.AAAA"}, func(p map[string]any) string {
		if p["has_consent"] != false || p["profile"] != "eu" || p["region"] != "DE" || p["gpc"] != false {
			return "EU visitor without consent"
		}
		if cats := contextCategories(p); strings.Join(cats, ",") != "necessary" {
			return "EU without consent allows only necessary, got " + strings.Join(cats, ",")
		}
		return ""
	})
	check("us-gpc", map[string]string{"CF-IPCountry": "US", "Sec-GPC": "1"}, []string{forged}, func(p map[string]any) string {
		cats := contextCategories(p)
		if p["profile"] != "us" || p["gpc"] != true || has(cats, "advertising") || !has(cats, "analytics") {
			return "US with GPC: analytics yes, advertising no"
		}
		return ""
	})
	check("us", map[string]string{"CF-IPCountry": "US"}, nil, func(p map[string]any) string {
		if cats := contextCategories(p); p["profile"] != "us" || !has(cats, "advertising") {
			return "US before a choice allows advertising"
		}
		return ""
	})
	cAll, _, _ := post(t, g, url.Values{"choice": {"accept_all"}}, map[string]string{"CF-IPCountry": "DE"})
	st := getState(t, g, map[string]string{"CF-IPCountry": "DE", "Cookie": cAll})
	check("eu-consent", map[string]string{"CF-IPCountry": "DE", "Cookie": cAll}, []string{forged}, func(p map[string]any) string {
		cats := contextCategories(p)
		if p["has_consent"] != true || p["consent_id"] != st.ConsentID || len(st.ConsentID) != 32 || !has(cats, "advertising") || !has(cats, "analytics") {
			return "EU with accept_all: consent id " + st.ConsentID
		}
		return ""
	})
	// A tampered signature or payload fails verification.
	p := u.last(t, "/ctx/eu-consent").context[0]
	if _, ok := verifyContext(key, p[:len(p)-2]+"AA"); ok {
		t.Error("a tampered signature verifies")
	}
}

// TestMicrosoftConsentSignals: with Consent Mode on, the head snippet also
// declares Microsoft UET consent mode and Clarity's consentv2 defaults
// before any tag runs, per visitor; the banner script carries the update.
func TestMicrosoftConsentSignals(t *testing.T) {
	u := newRegionalUpstream(t)
	g := regionalGateway(t, u, "")
	const (
		uetDenied      = `window.uetq=window.uetq||[];window.uetq.push('consent','default',{ad_storage:'denied'});`
		uetGranted     = `window.uetq=window.uetq||[];window.uetq.push('consent','default',{ad_storage:'granted'});`
		clarityDenied  = `window.clarity('consentv2',{ad_Storage:'denied',analytics_Storage:'denied'});`
		clarityGranted = `window.clarity('consentv2',{ad_Storage:'granted',analytics_Storage:'granted'});`
	)
	first := func(body string) {
		t.Helper()
		head := strings.Index(body, "<head>")
		snip := strings.Index(body, "<script>window.dataLayer=")
		tag := strings.Index(body, "<script async src=")
		if tag < 0 {
			tag = strings.Index(body, `<script type="text/plain"`)
		}
		if head < 0 || snip != head+len("<head>") || tag < snip {
			t.Errorf("the consent defaults must be the first thing in <head>, before every tag (head %d, snippet %d, first tag %d)", head, snip, tag)
		}
	}
	_, body := do(t, http.MethodGet, g.URL+"/", map[string]string{"CF-IPCountry": "NL"}, "")
	first(body)
	if !strings.Contains(body, uetDenied) || !strings.Contains(body, clarityDenied) {
		t.Errorf("EU before consent: UET and Clarity defaults denied:\n%s", body)
	}
	if !tagHeld(body, srcUET) || !tagHeld(body, srcClarity) {
		t.Errorf("EU before consent: the UET and Clarity tags are held:\n%s", body)
	}
	// UK: Clarity is a third-party analytics tag, so it still waits.
	_, body = do(t, http.MethodGet, g.URL+"/", map[string]string{"CF-IPCountry": "GB"}, "")
	if !strings.Contains(body, uetDenied) || !strings.Contains(body, clarityDenied) {
		t.Errorf("UK before a choice: UET and Clarity denied:\n%s", body)
	}
	_, body = do(t, http.MethodGet, g.URL+"/", map[string]string{"CF-IPCountry": "US"}, "")
	first(body)
	if !strings.Contains(body, uetGranted) || !strings.Contains(body, clarityGranted) {
		t.Errorf("US before a choice: UET and Clarity granted:\n%s", body)
	}
	c, _, _ := post(t, g, url.Values{"choice": {"accept_all"}}, map[string]string{"CF-IPCountry": "NL"})
	_, body = do(t, http.MethodGet, g.URL+"/", map[string]string{"CF-IPCountry": "NL", "Cookie": c}, "")
	first(body)
	if !strings.Contains(body, uetGranted) || !strings.Contains(body, clarityGranted) || !tagLive(body, srcUET) || !tagLive(body, srcClarity) {
		t.Errorf("EU after accept all: UET and Clarity granted and live:\n%s", body)
	}
	// The banner script sends the update on a choice.
	js := regexp.MustCompile(`<script src="([^"]+)" defer`).FindStringSubmatch(body)
	if js == nil {
		t.Fatalf("no banner script on the page:\n%s", body)
	}
	_, script := do(t, http.MethodGet, g.URL+js[1], map[string]string{"Accept": "*/*"}, "")
	if !strings.Contains(script, "window.uetq.push('consent', 'update'") || !strings.Contains(script, "window.clarity('consentv2'") {
		t.Errorf("the banner script must update UET and Clarity on a choice")
	}
}
