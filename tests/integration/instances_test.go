package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/consentgate/caddy-consent/internal/testcaddy"
)

// Fixed test key pairs (base64, as `caddy consent keygen` prints them).
const (
	keyA = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg== MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	keyB = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTBmZWRjYmE5ODc2NTQzMjEwZmVkY2JhOTg3NjU0MzIxMA== ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
)

func keyedSite(u *upstream, keys ...string) string {
	var b strings.Builder
	for _, k := range keys {
		b.WriteString("\t\tkeys " + k + "\n")
	}
	return `http://{GATEWAY} {
	consent {
		policy_version 2026-11-28
` + b.String() + `	}
	reverse_proxy ` + strings.TrimPrefix(u.URL, "http://") + `
}`
}

func hasConsent(t *testing.T, g *testcaddy.Server, cookie string) bool {
	t.Helper()
	_, body := do(t, "GET", g.URL+"/_consent", map[string]string{"Cookie": cookie}, "")
	var st struct {
		HasConsent bool `json:"has_consent"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("state: %v %q", err, body)
	}
	return st.HasConsent
}

// Two gateways with the same keys accept each other's consent cookies, and
// their audit logs merge into one report.
func TestTwoInstancesAgreeAndLogsMerge(t *testing.T) {
	u := newUpstream(t)
	g1 := testcaddy.Start(t, keyedSite(u, keyA))
	g2 := testcaddy.Start(t, keyedSite(u, keyA))
	c1, _, _ := post(t, g1, url.Values{"choice": {"accept_all"}}, nil)
	if !hasConsent(t, g2, c1) {
		t.Fatal("instance 2 must accept a consent recorded by instance 1")
	}
	c2, _, _ := post(t, g2, url.Values{"choice": {"reject_all"}}, map[string]string{"Cookie": c1})
	if !hasConsent(t, g1, c2) {
		t.Fatal("instance 1 must accept a consent updated on instance 2")
	}
	id := g1.Events(t, "consent_recorded")[0].Str("consent_id")
	out, err := exec.Command(testcaddy.Binary(t), "consent", "audit", "--format", "json", "--consent-id", id, g1.LogPath, g2.LogPath).CombinedOutput()
	if err != nil {
		t.Fatalf("caddy consent audit: %v\n%s", err, out)
	}
	s := string(out)
	if strings.Count(s, `"consent_recorded"`) < 2 || !strings.Contains(s, `"grant"`) || !strings.Contains(s, `"update"`) {
		t.Errorf("merged history of %s should hold the grant (instance 1) and the update (instance 2):\n%s", id, s)
	}
}

// Key rotation: add the new pair first (old verifies), then drop the old
// pair once consents were re-issued; nobody is logged out on the way.
func TestKeyRotation(t *testing.T) {
	u := newUpstream(t)
	g := testcaddy.Start(t, keyedSite(u, keyA))
	old, _, _ := post(t, g, url.Values{"choice": {"accept_all"}}, nil)
	keyID := func(cookie string) string {
		v, _ := strings.CutPrefix(cookie, "consent=")
		id, _, _ := strings.Cut(v, ".")
		return id
	}

	reload(t, g, keyedSite(u, keyB, keyA))
	if !hasConsent(t, g, old) {
		t.Fatal("after adding a new signing pair, cookies signed with the old pair must still verify")
	}
	// Caddy hands its listeners from the old config to the new one, so a
	// request right after a reload may still meet the old config: wait
	// until the new pair signs.
	var renewed string
	eventually(t, "the new pair signs", func() bool {
		renewed, _, _ = post(t, g, url.Values{"choice": {"accept_all"}}, map[string]string{"Cookie": old})
		return keyID(renewed) != keyID(old)
	})

	reload(t, g, keyedSite(u, keyB))
	eventually(t, "the removed pair no longer verifies", func() bool { return !hasConsent(t, g, old) })
	if !hasConsent(t, g, renewed) {
		t.Fatal("a consent re-issued under the new pair must survive removing the old pair")
	}
	found := false
	for _, e := range g.Events(t, "consent_cookie_invalid") {
		found = found || e.Str("reason") == "unknown_key"
	}
	if !found {
		t.Error("the removed key should be reported as unknown_key")
	}
}

// Placeholders expose the consent state to other directives.
func TestPlaceholders(t *testing.T) {
	g := testcaddy.Start(t, `http://{GATEWAY} {
	consent {
		keys `+keyA+`
	}
	respond "id={http.consent.id} cats={http.consent.categories} has={http.consent.has_consent}"
}`)
	_, body := do(t, "GET", g.URL+"/", nil, "")
	if body != "id= cats=necessary has=false" {
		t.Errorf("without consent: %q", body)
	}
	c, _, _ := post(t, g, url.Values{"choice": {"custom"}, "category": {"analytics"}}, nil)
	_, body = do(t, "GET", g.URL+"/", map[string]string{"Cookie": c}, "")
	if !regexp.MustCompile(`^id=[0-9a-f]{32} cats=necessary,analytics has=true$`).MatchString(body) {
		t.Errorf("with consent: %q", body)
	}
}

// Metrics count what the gateway did, scraped from the admin endpoint.
func TestMetrics(t *testing.T) {
	u := newUpstream(t)
	g := gateway(t, u, "")
	for i := 0; i < 3; i++ {
		do(t, "GET", g.URL+"/api", nil, "")
	}
	post(t, g, url.Values{"choice": {"accept_all"}}, nil)
	do(t, "GET", g.URL+"/page", map[string]string{"Cookie": "consent=garbage"}, "")

	resp, err := http.Get("http://" + g.AdminAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	metric := func(name string) float64 {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` ([0-9.e+]+)$`).FindStringSubmatch(string(b))
		if m == nil {
			t.Errorf("metric %s missing", name)
			return -1
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	// /api sets _ga and _gid (analytics) on each of 3 responses without
	// consent, then the page request with a garbage cookie another 2.
	if v := metric(`caddy_consent_cookies_stripped_total{category="analytics",mode="enforce"}`); v != 8 {
		t.Errorf("analytics stripped = %v, want 8", v)
	}
	if v := metric(`caddy_consent_decisions_total{action="grant",category="advertising",granted="true"}`); v != 1 {
		t.Errorf("decisions = %v, want 1", v)
	}
	if v := metric(`caddy_consent_invalid_cookies_total{reason="malformed"}`); v != 1 {
		t.Errorf("invalid cookies = %v, want 1", v)
	}
	if v := metric(`caddy_consent_banner_injections_total{kind="banner"}`); v != 1 {
		t.Errorf("banner injections = %v, want 1", v)
	}
}
