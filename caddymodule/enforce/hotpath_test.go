package enforce

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/caddy-consent/caddymodule/config"
	"github.com/consentgate/caddy-consent/caddymodule/policy"
	"github.com/consentgate/caddy-consent/caddymodule/trackers"
)

// Several Cookie lines: unchanged lines before the first change are kept,
// emptied lines dropped, and nothing changes when nothing is refused.
func TestFilterCookiesLines(t *testing.T) {
	e := testEngine(t, nil)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header["Cookie"] = []string{"PHPSESSID=1", "", "_ga=2; JSESSIONID=4", "_fbp=3"}
	d := e.Decide(r, time.Now(), nil)
	if !d.CookieChanged || !slices.Equal(d.CookieLines, []string{"PHPSESSID=1", "JSESSIONID=4"}) {
		t.Errorf("changed=%v lines %q", d.CookieChanged, d.CookieLines)
	}
	r.Header["Cookie"] = []string{"PHPSESSID=1", "JSESSIONID=4"}
	d = e.Decide(r, time.Now(), nil)
	if d.CookieChanged || d.CookieLines != nil {
		t.Errorf("nothing refused, yet changed=%v lines %q", d.CookieChanged, d.CookieLines)
	}
}

// DecideInto overwrites a used Decision entirely.
func TestDecideIntoOverwrites(t *testing.T) {
	e := testEngine(t, nil)
	var d Decision
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", "_ga=1")
	e.DecideInto(&d, r, time.Now(), nil)
	if len(d.Refused) != 1 {
		t.Fatalf("refused %q", d.Refused)
	}
	e.DecideInto(&d, httptest.NewRequest(http.MethodGet, "/", nil), time.Now(), nil)
	if len(d.Refused) != 0 || d.CookieChanged {
		t.Errorf("state of the previous request left: %+v", d)
	}
}

func TestWantsDocumentHeaders(t *testing.T) {
	for _, c := range []struct {
		hdr  map[string]string
		want bool
	}{
		{map[string]string{"Accept": "TEXT/HTML,*/*"}, true},
		{map[string]string{"Accept": "application/json"}, false},
		{map[string]string{"Accept": "text/html", "HX-Request": "true"}, false},
		{map[string]string{"Accept": "text/html", "X-Requested-With": "XMLHttpRequest"}, false},
		{map[string]string{"Accept": "text/htm"}, false},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		for k, v := range c.hdr {
			r.Header.Set(k, v)
		}
		if got := WantsDocument(r); got != c.want {
			t.Errorf("%v: %v, want %v", c.hdr, got, c.want)
		}
	}
}

func TestGPCHeaderRead(t *testing.T) {
	e := testEngine(t, nil)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Sec-GPC", "1")
	if !e.Visitor(r, time.Now()).GPC {
		t.Error("Sec-GPC: 1 not read")
	}
}

// GrantedList is the comma-joined names, cached or not.
func TestGrantedList(t *testing.T) {
	e := testEngine(t, nil)
	p := e.Policy()
	for _, set := range []policy.Set{p.RequiredSet(), p.AllSet(), p.AllSet() &^ e.saleOrShare, p.RequiredSet() | 2} {
		if got, want := e.GrantedList(set), strings.Join(p.Names(set), ","); got != want || want == "" {
			t.Errorf("%b: %q, want %q", set, got, want)
		}
		if got := e.GrantedListValue(set); got != any(e.GrantedList(set)) {
			t.Errorf("%b: value %v", set, got)
		}
	}
}

// ConsentID is worked out once per consent and follows a new choice.
func TestConsentIDFollowsChoice(t *testing.T) {
	e := testEngine(t, nil)
	r := navigation("/", "consent="+mint(t, e, "analytics"))
	d := e.Decide(r, time.Now(), nil)
	first := d.ConsentID()
	if len(first) != 32 || d.ConsentID() != first || first != d.Consent.IDString() {
		t.Fatalf("ConsentID %q, consent %s", first, d.Consent.IDString())
	}
	c := d.Consent
	c.ID[0] ^= 0xff
	d.Chose(r, c, e.Policy().AllSet())
	if got := d.ConsentID(); got == first || got != c.IDString() {
		t.Errorf("after a new choice ConsentID %q, want %q", got, c.IDString())
	}
}

// FilterSetCookies keeps lines in the decision's own array once; lines
// added after and a second filtering of the same header stay correct.
func TestFilterSetCookiesTwice(t *testing.T) {
	e := testEngine(t, nil)
	d := e.Decide(httptest.NewRequest(http.MethodGet, "/", nil), time.Now(), nil)
	hdr := http.Header{"Set-Cookie": {"PHPSESSID=1", "_ga=2", "JSESSIONID=3", "_fbp=4"}}
	d.FilterSetCookies(hdr, "Set-Cookie")
	hdr.Add("Set-Cookie", "_gid=5")
	hdr.Add("Set-Cookie", "csrftoken=6")
	d.FilterSetCookies(hdr, "Set-Cookie")
	if got := hdr["Set-Cookie"]; !slices.Equal(got, []string{"PHPSESSID=1", "JSESSIONID=3", "csrftoken=6"}) {
		t.Errorf("Set-Cookie %q", got)
	}
	for range 2 {
		h2 := http.Header{"Set-Cookie": {"_ga=1", "PHPSESSID=2"}}
		d.FilterSetCookies(h2, "Set-Cookie")
		if got := h2["Set-Cookie"]; !slices.Equal(got, []string{"PHPSESSID=2"}) {
			t.Errorf("another header: %q", got)
		}
	}
	if got := hdr["Set-Cookie"]; !slices.Equal(got, []string{"PHPSESSID=1", "JSESSIONID=3", "csrftoken=6"}) {
		t.Errorf("first header changed by later calls: %q", got)
	}
}

// The shared Consent Mode snippet is what rendering it per request gives,
// for each visitor state, with and without a nonce.
func TestConsentModeSnippetShared(t *testing.T) {
	e := testEngine(t, func(c *config.Config) { c.ConsentMode = &config.ConsentModeConfig{} })
	for _, cookies := range [][]string{nil, {"consent=" + mint(t, e, "analytics")}, {"consent=" + mint(t, e, e.Policy().Names(e.Policy().AllSet())...)}} {
		d := e.Decide(navigation("/", cookies...), time.Now(), nil)
		for _, nonce := range []string{"", "n0nce"} {
			want := trackers.ConsentSignalsDefault(d.Allowed, e.consentMode, nonce, e.signals)
			for range 2 {
				if got := d.ConsentModeSnippet(nonce); string(got) != string(want) {
					t.Errorf("%q nonce %q:\ngot  %s\nwant %s", cookies, nonce, got, want)
				}
			}
		}
	}
}

func TestIsRewritableHTMLFastPath(t *testing.T) {
	for ct, want := range map[string]bool{
		"text/html": true, "text/html; charset=utf-8": true, "TEXT/HTML;charset=UTF-8": true,
		"text/html; charset=utf-16": false, "text/htmlx": false, "text/html; charset=utf-8x": true,
		"text/html;": true, "application/json": false, "text/html; charset=\"utf-16le\"": false,
	} {
		if got := IsRewritableHTML(ct); got != want {
			t.Errorf("%q: %v, want %v", ct, got, want)
		}
	}
}
