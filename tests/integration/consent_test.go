// Package integration runs our real Caddy binary with the consent module
// in front of a real upstream and checks enforcement end to end.
package integration

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestBeforeConsentOnlyNecessaryCookiesPass(t *testing.T) {
	u := newUpstream(t)
	g := gateway(t, u, "")
	resp, body := do(t, http.MethodGet, g.URL+"/api", nil, "")
	if resp.StatusCode != 200 || body != `{"ok":true}` {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	set, _ := setCookieNames(resp)
	if !has(set, "PHPSESSID") {
		t.Errorf("the session cookie must pass without consent; got %v", set)
	}
	for _, name := range []string{"_ga", "_gid", "_fbp", "lang", "mystery_tracker"} {
		if has(set, name) {
			t.Errorf("%s reached the browser without consent; got %v", name, set)
		}
	}
	if !strings.Contains(resp.Header.Get("Vary"), "Cookie") {
		t.Errorf("a response whose cookies depend on consent must say Vary: Cookie; got %q", resp.Header.Get("Vary"))
	}
	names := map[string]string{}
	for _, e := range decisions(t, g, "stripped") {
		names[e.Str("cookie")] = e.Str("category")
		if e.Str("path") != "/api" || e.Str("mode") != "enforce" || e["would_only"] != nil {
			t.Errorf("enforce-mode stripped entry: %v", e)
		}
	}
	if names["_ga"] != "analytics" || names["_fbp"] != "advertising" || names["mystery_tracker"] != "unknown" {
		t.Errorf("enforcement stripped: %v", names)
	}
	if _, ok := names["PHPSESSID"]; ok {
		t.Errorf("the session cookie passed, so it must not be logged as stripped: %v", names)
	}
	for _, e := range g.Logs(t) {
		line, _ := json.Marshal(e)
		if strings.Contains(string(line), "GA1.1.1.1") || strings.Contains(string(line), "s3ss10n") {
			t.Fatalf("a cookie value reached the log: %s", line)
		}
	}
	if ev := g.Events(t, "cookie_unclassified"); len(ev) == 0 || ev[0].Str("cookie") != "mystery_tracker" {
		t.Errorf("the unclassified cookie should be reported once; got %v", ev)
	}
}

func TestAcceptAllThenRejectAll(t *testing.T) {
	u := newUpstream(t)
	g := gateway(t, u, "")

	consent, resp, _ := post(t, g, url.Values{"choice": {"accept_all"}, "return": {"/page?x=1"}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/page?x=1" {
		t.Fatalf("form post: want 303 to /page?x=1, got %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if consent == "" {
		t.Fatal("no consent cookie set")
	}
	var sc *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "consent" {
			sc = c
		}
	}
	if !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.MaxAge < 180*24*3600 || sc.MaxAge > 183*24*3600 {
		t.Errorf("consent cookie attributes: %+v", sc)
	}

	resp, _ = do(t, http.MethodGet, g.URL+"/api", map[string]string{"Cookie": consent + "; _ga=GA1.1.1.1; _fbp=fb.1", "Cookie2": `$Version="1"; _fbp=fb.2`}, "")
	set, _ := setCookieNames(resp)
	for _, name := range []string{"PHPSESSID", "lang", "_ga", "_gid", "_fbp"} {
		if !has(set, name) {
			t.Errorf("%s must pass after accept_all; got %v", name, set)
		}
	}
	if has(set, "mystery_tracker") {
		t.Errorf("an unclassified cookie needs a consent nobody can give; got %v", set)
	}
	if got := u.lastCookie(); !strings.Contains(got, "_ga=GA1.1.1.1") || !strings.Contains(got, "_fbp=fb.1") {
		t.Errorf("upstream should see consented cookies; got %q", got)
	}
	// Neither the gateway's own (valid) consent cookie nor the obsolete
	// Cookie2 header, which some parsers still read as cookies, reach it.
	if got := u.lastCookie(); strings.Contains(got, "consent=") {
		t.Errorf("the consent cookie must not be forwarded upstream; got %q", got)
	}
	if got := u.lastCookie2(); got != "" {
		t.Errorf("Cookie2 must not be forwarded upstream; got %q", got)
	}

	// Reject all: analytics and advertising are stripped and the browser's
	// copies expired.
	rejected, resp, _ := post(t, g, url.Values{"choice": {"reject_all"}}, map[string]string{"Cookie": consent + "; _ga=GA1.1.1.1; _fbp=fb.1; PHPSESSID=x"})
	_, expired := setCookieNames(resp)
	if !has(expired, "_ga") || !has(expired, "_fbp") || has(expired, "PHPSESSID") {
		t.Errorf("reject_all should expire _ga and _fbp (not the session); expired %v", expired)
	}
	if resp.Header.Get("Location") != "/" {
		t.Errorf("no return: want redirect to /, got %q", resp.Header.Get("Location"))
	}
	resp, _ = do(t, http.MethodGet, g.URL+"/api", map[string]string{"Cookie": rejected + "; _ga=GA1.1.1.1; PHPSESSID=x"}, "")
	set, expired = setCookieNames(resp)
	if has(set, "_ga") || has(set, "_fbp") || !has(set, "PHPSESSID") {
		t.Errorf("after reject_all: set %v", set)
	}
	if !has(expired, "_ga") {
		t.Errorf("a refused cookie the browser still sends must be expired; expired %v", expired)
	}
	if got := u.lastCookie(); strings.Contains(got, "_ga") || !strings.Contains(got, "PHPSESSID=x") {
		t.Errorf("upstream must not see refused cookies but must see the session: %q", got)
	}
	ev := g.Events(t, "consent_recorded")
	if len(ev) != 2 || ev[0].Str("action") != "grant" || ev[1].Str("action") != "update" || ev[0].Str("consent_id") != ev[1].Str("consent_id") {
		t.Errorf("consent_recorded events: %v", ev)
	}
}

func TestCustomChoiceAndWithdraw(t *testing.T) {
	u := newUpstream(t)
	g := gateway(t, u, "")
	consent, _, _ := post(t, g, url.Values{"choice": {"custom"}, "category": {"analytics"}}, nil)
	resp, _ := do(t, http.MethodGet, g.URL+"/api", map[string]string{"Cookie": consent}, "")
	set, _ := setCookieNames(resp)
	if !has(set, "_ga") || has(set, "_fbp") || has(set, "lang") {
		t.Errorf("analytics only: set %v", set)
	}

	// GET state.
	resp, body := do(t, http.MethodGet, g.URL+"/_consent", map[string]string{"Cookie": consent}, "")
	var st struct {
		HasConsent bool   `json:"has_consent"`
		ConsentID  string `json:"consent_id"`
		Categories []struct {
			Name    string `json:"name"`
			Granted bool   `json:"granted"`
		} `json:"categories"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("state: %v %q %q", err, body, resp.Header.Get("Cache-Control"))
	}
	granted := map[string]bool{}
	for _, c := range st.Categories {
		granted[c.Name] = c.Granted
	}
	if !st.HasConsent || len(st.ConsentID) != 32 || !granted["necessary"] || !granted["analytics"] || granted["advertising"] {
		t.Errorf("state: %+v", st)
	}

	// Withdraw with DELETE: necessary only, analytics expired.
	resp, body = do(t, http.MethodDelete, g.URL+"/_consent", map[string]string{"Cookie": consent + "; _ga=1", "Origin": g.URL}, "")
	_, expired := setCookieNames(resp)
	if resp.StatusCode != 200 || !has(expired, "_ga") || !strings.Contains(body, `"has_consent":true`) {
		t.Errorf("withdraw: %d %q expired %v", resp.StatusCode, body, expired)
	}
	if ev := g.Events(t, "consent_recorded"); ev[len(ev)-1].Str("action") != "withdraw" {
		t.Errorf("last consent event should be a withdrawal: %v", ev[len(ev)-1])
	}
}

func TestJSONChoice(t *testing.T) {
	u := newUpstream(t)
	g := gateway(t, u, "")
	resp, body := do(t, http.MethodPost, g.URL+"/_consent", map[string]string{"Content-Type": "application/json", "Origin": g.URL}, `{"categories":["advertising"]}`)
	if resp.StatusCode != 200 || !strings.Contains(body, `"name":"advertising"`) {
		t.Fatalf("json post: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, http.MethodPost, g.URL+"/_consent", map[string]string{"Content-Type": "application/json", "Origin": g.URL}, `{"categories":["nonsense"]}`)
	if resp.StatusCode != 400 || !strings.Contains(body, `unknown category "nonsense"`) {
		t.Errorf("unknown category: %d %s", resp.StatusCode, body)
	}
	resp, _ = do(t, http.MethodPost, g.URL+"/_consent", map[string]string{"Content-Type": "application/json", "Origin": g.URL}, `{"categories":["`+strings.Repeat("a", 20000)+`"]}`)
	if resp.StatusCode != 413 {
		t.Errorf("oversized body: want 413, got %d", resp.StatusCode)
	}
}

func TestTamperedCookieCountsAsNoConsent(t *testing.T) {
	u := newUpstream(t)
	g := gateway(t, u, "")
	consent, _, _ := post(t, g, url.Values{"choice": {"accept_all"}}, nil)
	name, value, _ := strings.Cut(consent, "=")
	b := []byte(value)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	resp, _ := do(t, http.MethodGet, g.URL+"/api", map[string]string{"Cookie": name + "=" + string(b) + "; _ga=1"}, "")
	set, _ := setCookieNames(resp)
	if resp.StatusCode != 200 || has(set, "_ga") || has(set, "_fbp") {
		t.Errorf("tampered cookie must mean no consent and no error: %d %v", resp.StatusCode, set)
	}
	// The gateway's own cookie is never forwarded (valid or not): the
	// upstream has no use for it and must not log it.
	if got := u.lastCookie(); strings.Contains(got, "consent=") || strings.Contains(got, "_ga=") {
		t.Errorf("upstream cookie: %q", got)
	}
	ev := g.Events(t, "consent_cookie_invalid")
	if len(ev) == 0 || (ev[0].Str("reason") != "tampered" && ev[0].Str("reason") != "malformed") {
		t.Errorf("consent_cookie_invalid: %v", ev)
	}
}

func TestOldPolicyVersionAsksAgain(t *testing.T) {
	u := newUpstream(t)
	g := gateway(t, u, "")
	consent, _, _ := post(t, g, url.Values{"choice": {"accept_all"}}, nil)
	reload(t, g, `http://{GATEWAY} {
	consent {
		policy_version 2027-01-01
	}
	reverse_proxy `+strings.TrimPrefix(u.URL, "http://")+`
}`)
	eventually(t, "the new policy version is in force", func() bool {
		_, st := do(t, http.MethodGet, g.URL+"/_consent", nil, "")
		return strings.Contains(st, `"policy_version":"2027-01-01"`)
	})
	resp, _ := do(t, http.MethodGet, g.URL+"/api", map[string]string{"Cookie": consent}, "")
	set, _ := setCookieNames(resp)
	if has(set, "_ga") {
		t.Errorf("consent for an older notice must not count: %v", set)
	}
	found := false
	for _, e := range g.Events(t, "consent_cookie_invalid") {
		if e.Str("reason") == "old_policy_version" {
			found = true
		}
	}
	if !found {
		t.Error("no consent_cookie_invalid with reason old_policy_version")
	}
	// Choosing again under the new notice keeps the visitor's consent ID,
	// so the audit history links both choices.
	post(t, g, url.Values{"choice": {"reject_all"}}, map[string]string{"Cookie": consent})
	ev := g.Events(t, "consent_recorded")
	if len(ev) < 2 || ev[len(ev)-1].Str("consent_id") != ev[0].Str("consent_id") || ev[len(ev)-1].Str("policy_version") != "2027-01-01" {
		t.Errorf("the new choice should carry the former consent ID: %v", ev)
	}
}

func TestReportModeChangesNothingAndLogs(t *testing.T) {
	u := newUpstream(t)
	g := gateway(t, u, "mode report")
	resp, _ := do(t, http.MethodGet, g.URL+"/api", map[string]string{"Cookie": "_ga=1; PHPSESSID=x"}, "")
	set, expired := setCookieNames(resp)
	if len(set) != len(siteCookies) || len(expired) != 0 {
		t.Errorf("report mode must pass every cookie and expire none: set %v expired %v", set, expired)
	}
	if got := u.lastCookie(); !strings.Contains(got, "_ga=1") {
		t.Errorf("report mode must not filter request cookies: %q", got)
	}
	ev := decisions(t, g, "stripped")
	if len(ev) < 3 {
		t.Fatalf("report mode must log what it would strip: %v", ev)
	}
	for _, e := range ev {
		if e["would_only"] != true || e.Str("mode") != "report" {
			t.Errorf("report-mode event without would_only/mode: %v", e)
		}
	}
	if f := decisions(t, g, "filtered"); len(f) != 1 || f[0].Str("cookie") != "_ga" || f[0]["would_only"] != true {
		t.Errorf("report mode must log the request cookie it would filter: %v", f)
	}
}

func TestCrossSiteAndOpenRedirectRefused(t *testing.T) {
	u := newUpstream(t)
	g := gateway(t, u, "")
	for _, hdr := range []map[string]string{
		{"Origin": "https://evil.example"},
		{"Origin": "null"},
		{"Origin": g.URL, "Sec-Fetch-Site": "cross-site"},
		{"Origin": ""},
	} {
		h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
		for k, v := range hdr {
			if v != "" {
				h[k] = v
			}
		}
		resp, body := do(t, http.MethodPost, g.URL+"/_consent", h, "choice=accept_all")
		if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
			t.Errorf("%v: want 403 and no cookie, got %d %q", hdr, resp.StatusCode, body)
		}
	}
	for _, ret := range []string{"//evil.example", "https://other.host/", "/\\evil.example", "https:evil", "/%0d%0aSet-Cookie:x=1", "javascript:alert(1)"} {
		_, resp, _ := post(t, g, url.Values{"choice": {"reject_all"}, "return": {ret}}, nil)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || (loc != "/" && !strings.HasPrefix(loc, "/%")) || strings.HasPrefix(loc, "//") {
			t.Errorf("return=%q: got %d Location %q", ret, resp.StatusCode, loc)
		}
	}
	resp, body := do(t, http.MethodPost, g.URL+"/_consent", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": g.URL}, "choice=maybe")
	if resp.StatusCode != 400 || !strings.Contains(body, "unknown choice") {
		t.Errorf("bad choice: %d %q", resp.StatusCode, body)
	}
}
