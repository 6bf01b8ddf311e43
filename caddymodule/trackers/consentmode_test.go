package trackers

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

var consentCall = regexp.MustCompile(`gtag\('consent','default',(\{[^}]*\})\);</script>$`)

func TestConsentModeDefault(t *testing.T) {
	m := DefaultConsentModeMapping()
	for _, c := range []struct {
		allowed []string
		granted []string
	}{
		{nil, nil},
		{[]string{"necessary"}, []string{"security_storage"}},
		{[]string{"necessary", "analytics"}, []string{"security_storage", "analytics_storage"}},
		{[]string{"necessary", "functional", "analytics", "advertising"}, []string{
			"ad_storage", "ad_user_data", "ad_personalization", "analytics_storage",
			"functionality_storage", "personalization_storage", "security_storage"}},
	} {
		out := string(ConsentModeDefault(allowOnly(c.allowed...), m, ""))
		if !strings.HasPrefix(out, "<script>") {
			t.Errorf("no plain script tag: %s", out)
		}
		for _, want := range []string{"window.dataLayer=window.dataLayer||[];", "window.gtag=window.gtag||function(){window.dataLayer.push(arguments);};"} {
			if !strings.Contains(out, want) {
				t.Errorf("missing %q in %s", want, out)
			}
		}
		mm := consentCall.FindStringSubmatch(out)
		if mm == nil {
			t.Fatalf("no consent default call: %s", out)
		}
		var state map[string]any
		if err := json.Unmarshal([]byte(mm[1]), &state); err != nil {
			t.Fatalf("consent object is not JSON: %v: %s", err, mm[1])
		}
		if state["wait_for_update"] != float64(500) {
			t.Errorf("wait_for_update = %v", state["wait_for_update"])
		}
		if len(state) != len(m)+1 {
			t.Errorf("%d keys, want %d signals + wait_for_update", len(state), len(m))
		}
		for sig := range m {
			want := "denied"
			if containsString(c.granted, sig) {
				want = "granted"
			}
			if state[sig] != want {
				t.Errorf("allowed %v: %s = %v, want %s", c.allowed, sig, state[sig], want)
			}
		}
	}
}

func TestConsentModeNonceAndEscaping(t *testing.T) {
	out := string(ConsentModeDefault(allowNone, DefaultConsentModeMapping(), `r4nd"om`))
	if !strings.HasPrefix(out, `<script nonce="r4nd&#34;om">`) {
		t.Errorf("nonce attribute: %s", out)
	}
	m := ConsentModeMapping{"</script><b>": {"analytics"}, "empty": nil}
	out = string(ConsentModeDefault(allowOnly("analytics"), m, ""))
	if strings.Count(out, "</script>") != 1 || strings.Contains(out, "<b>") {
		t.Errorf("signal name not escaped: %s", out)
	}
	if !strings.Contains(out, `"empty":"denied"`) {
		t.Errorf("signal without categories must be denied: %s", out)
	}
}

func TestConsentModeJSON(t *testing.T) {
	var back map[string][]string
	if err := json.Unmarshal([]byte(DefaultConsentModeMapping().JSON()), &back); err != nil {
		t.Fatal(err)
	}
	if len(back) != 7 || back["ad_user_data"][0] != "advertising" || back["analytics_storage"][0] != "analytics" ||
		back["security_storage"][0] != "necessary" || back["personalization_storage"][0] != "functional" {
		t.Errorf("JSON round trip: %v", back)
	}
	if got := (ConsentModeMapping{"x": nil}).JSON(); got != `{"x":[]}` {
		t.Errorf("nil categories: %s", got)
	}
}
