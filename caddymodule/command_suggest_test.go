package caddymodule

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/caddy-consent/caddymodule/consentcookie"
)

func TestConsentSuggest(t *testing.T) {
	code, err, out := runCommand(t, cmdConsentSuggest, suggestFlags, "--format", "caddyfile",
		"suggest/testdata/report-mode.log", "--har", "suggest/testdata/shop.har")
	if code != 0 || err != nil {
		t.Fatalf("suggest: %d %v\n%s", code, err, out)
	}
	if !strings.HasPrefix(out, "consent {\n") || !strings.Contains(out, "cookies acct_auth myapp_sess") ||
		!strings.Contains(out, "vendor cdn-newtracker-example {") {
		t.Errorf("caddyfile output:\n%s", out)
	}

	// The same log on standard input gives the same inventory.
	f, err := os.Open("suggest/testdata/report-mode.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	saved := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = saved }()
	code, err, stdinOut := runCommand(t, cmdConsentSuggest, suggestFlags, "-f", "json", "-")
	os.Stdin = saved
	_, _, fileOut := runCommand(t, cmdConsentSuggest, suggestFlags, "-f", "json", "suggest/testdata/report-mode.log")
	var a, b struct {
		Cookies []map[string]any `json:"cookies"`
	}
	if code != 0 || err != nil || json.Unmarshal([]byte(stdinOut), &a) != nil || json.Unmarshal([]byte(fileOut), &b) != nil {
		t.Fatalf("json: %d %v\n%s", code, err, stdinOut)
	}
	ja, _ := json.Marshal(a.Cookies)
	jb, _ := json.Marshal(b.Cookies)
	if len(a.Cookies) == 0 || string(ja) != string(jb) {
		t.Errorf("stdin and file differ:\n%s\n%s", ja, jb)
	}

	if code, err, _ := runCommand(t, cmdConsentSuggest, suggestFlags); code != 1 || err == nil {
		t.Errorf("no input: %d %v", code, err)
	}
	if code, err, _ := runCommand(t, cmdConsentSuggest, suggestFlags, "--format", "yaml", "x.log"); code != 1 || err == nil {
		t.Errorf("bad format: %d %v", code, err)
	}
}

func TestConsentInspectEnvFile(t *testing.T) {
	dir := t.TempDir()
	// t.Setenv restores the variables loadEnvFile sets.
	t.Setenv(EnvHashKey, "")
	t.Setenv(EnvBlockKey, "")
	_, _, env := runCommand(t, cmdConsentKeygen, keygenFlags, "--env")
	envFile := writeTemp(t, dir, "consent.env", "# keys of the shop\n\nexport "+strings.Replace(env, "\n", "\n\n", 1))
	caddyfile := writeTemp(t, dir, "Caddyfile", `{
	admin off
	auto_https off
}
http://localhost:8080 {
	consent {
		keys {env.CONSENT_HASH_KEY} {env.CONSENT_BLOCK_KEY}
	}
	respond "hi"
}
`)
	var pair consentcookie.KeyPair
	for _, line := range strings.Split(strings.TrimSpace(env), "\n") {
		k, v, _ := strings.Cut(line, "=")
		key, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if k == EnvHashKey {
			pair.Hash = key
		} else {
			pair.Block = key
		}
	}
	cookie, _ := encodeCookie(t, testCodec(t, pair), "1", time.Now().Add(-time.Hour))

	code, err, out := runCommand(t, cmdConsentInspect, inspectFlags, "--config", caddyfile, "--env-file", envFile, cookie)
	if code != 0 || err != nil || !strings.Contains(out, "result:           valid") {
		t.Fatalf("inspect --env-file: %d %v\n%s", code, err, out)
	}

	bad := writeTemp(t, dir, "bad.env", "CONSENT_HASH_KEY secretvalue\n")
	code, err, _ = runCommand(t, cmdConsentInspect, inspectFlags, "--config", caddyfile, "--env-file", bad, cookie)
	if code != 1 || err == nil || !strings.Contains(err.Error(), "bad.env:1") || strings.Contains(err.Error(), "secretvalue") {
		t.Errorf("bad env file: %d %v", code, err)
	}
}
