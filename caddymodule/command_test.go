package caddymodule

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	_ "github.com/caddyserver/caddy/v2/modules/filestorage" // the storage global option
	"github.com/spf13/pflag"

	"github.com/consentgate/caddy-consent/caddymodule/consentcookie"
)

// runCommand calls a consent CommandFunc as cobra would, with the flags
// of that subcommand parsed from args, and returns its exit code, error
// and standard output.
func runCommand(t *testing.T, fn caddycmd.CommandFunc, addFlags func(*pflag.FlagSet), args ...string) (int, error, string) {
	t.Helper()
	fs := pflag.NewFlagSet("consent", pflag.ContinueOnError)
	addFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("flags %v: %v", args, err)
	}
	var out, errOut bytes.Buffer
	oldOut, oldErr := commandStdout, commandStderr
	commandStdout, commandStderr = &out, &errOut
	defer func() { commandStdout, commandStderr = oldOut, oldErr }()
	code, err := fn(caddycmd.Flags{FlagSet: fs})
	return code, err, out.String()
}

func testKey(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i)*7
	}
	return b
}

var (
	testPair    = consentcookie.KeyPair{Hash: testKey(1, 64), Block: testKey(101, 32)}
	testOldPair = consentcookie.KeyPair{Hash: testKey(2, 64), Block: testKey(102, 32)}
	otherPair   = consentcookie.KeyPair{Hash: testKey(3, 64), Block: testKey(103, 32)}
)

func testCodec(t *testing.T, pairs ...consentcookie.KeyPair) *consentcookie.Codec {
	t.Helper()
	c, err := consentcookie.New(DefaultCookieName, pairs, DefaultMaxAge)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func encodeCookie(t *testing.T, codec *consentcookie.Codec, policy string, issued time.Time) (string, string) {
	t.Helper()
	c := consentcookie.Consent{
		ID:            consentcookie.NewID(),
		Granted:       []string{"analytics", "functional"},
		PolicyVersion: policy,
		IssuedAt:      issued,
		Method:        "banner",
	}
	v, err := codec.Encode(c)
	if err != nil {
		t.Fatal(err)
	}
	return v, c.IDString()
}

func writeTemp(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConsentKeygen(t *testing.T) {
	code, err, out := runCommand(t, cmdConsentKeygen, keygenFlags)
	if code != 0 || err != nil {
		t.Fatalf("keygen: %d %v", code, err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue // what Caddy's --envfile skips too
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("line %q is neither a comment nor KEY=VALUE", line)
		}
		env[k] = v
	}
	hash, err := consentcookie.ParseKey(env[EnvHashKey], false)
	if err != nil || len(hash) != 64 {
		t.Errorf("hash key %q: %d bytes, %v", env[EnvHashKey], len(hash), err)
	}
	block, err := consentcookie.ParseKey(env[EnvBlockKey], true)
	if err != nil || len(block) != 32 {
		t.Errorf("block key %q: %d bytes, %v", env[EnvBlockKey], len(block), err)
	}
	if !strings.Contains(out, "keys {env.CONSENT_HASH_KEY} {env.CONSENT_BLOCK_KEY}") {
		t.Errorf("no Caddyfile line in:\n%s", out)
	}

	code, err, out2 := runCommand(t, cmdConsentKeygen, keygenFlags, "--env")
	if code != 0 || err != nil {
		t.Fatalf("keygen --env: %d %v", code, err)
	}
	lines := strings.Split(strings.TrimSpace(out2), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], EnvHashKey+"=") || !strings.HasPrefix(lines[1], EnvBlockKey+"=") {
		t.Fatalf("keygen --env printed:\n%s", out2)
	}
	if strings.TrimPrefix(lines[0], EnvHashKey+"=") == env[EnvHashKey] {
		t.Error("two runs printed the same key")
	}
	// The Caddyfile accepts what keygen prints, literally.
	pair, err := DecodeKeyConfig(caddy.NewReplacer(), KeyConfig{Hash: strings.TrimPrefix(lines[0], EnvHashKey+"="), Block: strings.TrimPrefix(lines[1], EnvBlockKey+"=")})
	if err != nil || len(pair.Hash) != 64 {
		t.Errorf("DecodeKeyConfig: %v", err)
	}
}

func TestConsentInspect(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TEST_CONSENT_HASH", base64.StdEncoding.EncodeToString(testPair.Hash))
	t.Setenv("TEST_CONSENT_BLOCK", base64.StdEncoding.EncodeToString(testPair.Block))
	caddyfile := writeTemp(t, dir, "Caddyfile", `{
	admin off
	auto_https off
}
http://localhost:8080 {
	consent {
		policy_version 2026-11-28
		keys {env.TEST_CONSENT_HASH} {env.TEST_CONSENT_BLOCK}
		keys `+consentcookie.EncodeKey(testOldPair.Hash)+` `+consentcookie.EncodeKey(testOldPair.Block)+`
	}
	respond "hi"
}
`)
	now := time.Now().Truncate(time.Second)
	valid, id := encodeCookie(t, testCodec(t, testPair), "2026-11-28", now.Add(-24*time.Hour))

	inspect := func(arg string) (int, error, string) {
		return runCommand(t, cmdConsentInspect, inspectFlags, "--config", caddyfile, arg)
	}

	for _, form := range []string{valid, "consent=" + valid, "__Host-consent=" + valid, "Cookie: lang=en; consent=" + valid + "; _ga=GA1.1"} {
		code, err, out := inspect(form)
		if code != 0 || err != nil {
			t.Fatalf("inspect %q: %d %v\n%s", form, code, err, out)
		}
		for _, want := range []string{
			"result:           valid",
			"consent id:       " + id,
			"granted:          analytics, functional",
			"policy version:   2026-11-28 (matches the config)",
			"issued:           " + now.Add(-24*time.Hour).UTC().Format(time.RFC3339),
			"expires:          " + now.Add(-24*time.Hour).Add(DefaultMaxAge).UTC().Format(time.RFC3339),
			"method:           banner",
			"verified by:      key pair index 0 of 2 (the signing pair), key id " + consentcookie.KeyID(testPair.Hash) + ", from the config",
			"consent handler:  apps.http.servers.srv0.routes[0].handle[0].routes[0].handle[0]",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("inspect %q: missing %q in:\n%s", form, want, out)
			}
		}
	}

	// Signed with the older pair, kept for rotation.
	old, _ := encodeCookie(t, testCodec(t, testOldPair), "2026-11-28", now)
	if code, err, out := inspect(old); code != 0 || err != nil ||
		!strings.Contains(out, "key pair index 1 of 2 (an older pair kept for rotation), key id "+consentcookie.KeyID(testOldPair.Hash)) {
		t.Errorf("old pair: %d %v\n%s", code, err, out)
	}

	// Authentic, but for another policy version: decoded, flagged.
	stale, _ := encodeCookie(t, testCodec(t, testPair), "2025-01-01", now)
	if code, err, out := inspect(stale); code != 0 || err != nil || !strings.Contains(out, "policy version:   2025-01-01 (DOES NOT MATCH the config's 2026-11-28") {
		t.Errorf("old policy: %d %v\n%s", code, err, out)
	}

	// Forged: one character of the signed part changed.
	i := len(valid) / 2
	c := byte('A')
	if valid[i] == 'A' {
		c = 'B'
	}
	forged := valid[:i] + string(c) + valid[i+1:]
	code, err, out := inspect(forged)
	if code != 1 || err == nil || !strings.Contains(err.Error(), "forged or altered (tampered)") || !strings.Contains(out, "REJECTED") {
		t.Errorf("forged: %d %v\n%s", code, err, out)
	}

	// Expired: issued 200 days ago, max age 182 days.
	expired, _ := encodeCookie(t, testCodec(t, testPair), "2026-11-28", now.Add(-200*24*time.Hour))
	code, err, out = inspect(expired)
	if code != 1 || err == nil || !strings.Contains(err.Error(), "expired: consent issued") {
		t.Errorf("expired: %d %v\n%s", code, err, out)
	}

	// Signed by a key this config does not have.
	foreign, _ := encodeCookie(t, testCodec(t, otherPair), "2026-11-28", now)
	code, err, _ = inspect(foreign)
	if code != 1 || err == nil || !strings.Contains(err.Error(), "unknown key (unknown_key): signed with key id "+consentcookie.KeyID(otherPair.Hash)) {
		t.Errorf("unknown key: %d %v", code, err)
	}

	// Not a consent cookie at all.
	code, err, _ = inspect("hello")
	if code != 1 || err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("garbage: %d %v", code, err)
	}

	// An unset placeholder is a clear configuration error.
	t.Setenv("TEST_CONSENT_HASH", "")
	code, err, _ = inspect(valid)
	if code != 1 || err == nil || !strings.Contains(err.Error(), "key pair 1") {
		t.Errorf("unset env: %d %v", code, err)
	}
}

func TestConsentInspectStoredKeys(t *testing.T) {
	dir := t.TempDir()
	storage := filepath.Join(dir, "data")
	caddyfile := writeTemp(t, dir, "Caddyfile", `{
	admin off
	auto_https off
	storage file_system `+storage+`
}
http://localhost:8080 {
	consent
	respond "hi"
}
`)
	inspect := func(arg string) (int, error, string) {
		return runCommand(t, cmdConsentInspect, inspectFlags, "-c", caddyfile, arg)
	}
	value, id := encodeCookie(t, testCodec(t, testPair), "1", time.Now())

	// Before the gateway ever ran: no keys to read.
	code, err, _ := inspect(value)
	if code != 1 || err == nil || !strings.Contains(err.Error(), "no generated keys at "+filepath.Join(storage, "consent", "keys.json")) {
		t.Fatalf("without stored keys: %d %v", code, err)
	}

	doc, _ := json.Marshal(StoredKeys{Keys: []KeyConfig{{Hash: consentcookie.EncodeKey(testPair.Hash), Block: consentcookie.EncodeKey(testPair.Block)}}})
	if err := os.MkdirAll(filepath.Join(storage, "consent"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeTemp(t, filepath.Join(storage, "consent"), "keys.json", string(doc))
	code, err, out := inspect(value)
	if code != 0 || err != nil {
		t.Fatalf("stored keys: %d %v\n%s", code, err, out)
	}
	for _, want := range []string{
		"consent id:       " + id,
		"policy version:   1 (matches the config)",
		"from generated keys in " + filepath.Join(storage, "consent", "keys.json"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}

	// Storage modules other than file_system cannot be read.
	cfg := writeTemp(t, dir, "caddy.json", `{"storage":{"module":"consul"},"apps":{"http":{"servers":{"s":{"listen":[":8080"],"routes":[{"handle":[{"handler":"consent"}]}]}}}}}`)
	code, err, _ = runCommand(t, cmdConsentInspect, inspectFlags, "--config", cfg, value)
	if code != 1 || err == nil || !strings.Contains(err.Error(), `"consul" storage, which inspect cannot read`) {
		t.Errorf("consul storage: %d %v", code, err)
	}
}

func TestConsentAudit(t *testing.T) {
	dir := t.TempDir()
	log := writeTemp(t, dir, "audit.log", strings.Join([]string{
		`{"level":"info","ts":1795860672.5,"logger":"http.handlers.consent","msg":"consent_recorded","schema":1,"consent_id":"5eed00000000000000000000000000a1","policy_version":"1","mode":"enforce","host":"a.example","path":"/_consent","action":"grant","method":"banner","granted":["necessary","analytics"],"denied":["functional","advertising"],"banner_hash":"bh","config_hash":"ch","expires":1811585472.5}`,
		`{"level":"info","ts":1795860673,"logger":"http.log.access.log0","msg":"handled request"}`,
		`{"level":"info","ts":1795860674,"logger":"http.handlers.consent","msg":"cookie_stripped","schema":1,"consent_id":"","policy_version":"1","mode":"enforce","host":"a.example","path":"/","cookie":"_fbp","category":"advertising"}`,
		`{"level":"info","ts":1795860675,"logger":"http.handlers.consent","msg":"consent_recorded","schema":1,"consent_id":"5eed00000000000000000000000000a1","policy_version":"1","mode":"enforce","host":"a.example","path":"/_consent","action":"withdraw","method":"api","granted":["necessary"],"denied":["functional","analytics","advertising"],"banner_hash":"bh","config_hash":"ch","expires":1811585475}`,
		`{"level":"info","ts":17958606`,
	}, "\n"))

	code, err, out := runCommand(t, cmdConsentAudit, auditFlags, "--format", "json", log)
	if code != 0 || err != nil {
		t.Fatalf("audit: %d %v", code, err)
	}
	var rep struct {
		Events       int64 `json:"events"`
		OtherLoggers int64 `json:"other_logger_lines"`
		BadLines     int64 `json:"bad_lines"`
		Withdrawals  int64 `json:"withdrawals"`
		OptIn        []struct {
			Category  string  `json:"category"`
			Granted   int64   `json:"granted"`
			Decisions int64   `json:"decisions"`
			Rate      float64 `json:"rate"`
		} `json:"opt_in"`
		Inventory []struct {
			Name     string `json:"name"`
			Stripped int64  `json:"stripped"`
		} `json:"cookie_inventory"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("json output: %v\n%s", err, out)
	}
	if rep.Events != 3 || rep.OtherLoggers != 1 || rep.BadLines != 1 || rep.Withdrawals != 1 {
		t.Errorf("report: %+v", rep)
	}
	if len(rep.OptIn) != 4 || rep.OptIn[2].Category != "analytics" || rep.OptIn[2].Rate != 0.5 {
		t.Errorf("opt-in: %+v", rep.OptIn)
	}
	if len(rep.Inventory) != 1 || rep.Inventory[0].Name != "_fbp" || rep.Inventory[0].Stripped != 1 {
		t.Errorf("inventory: %+v", rep.Inventory)
	}

	code, err, out = runCommand(t, cmdConsentAudit, auditFlags, "--consent-id", "5EED00000000000000000000000000A1", log)
	if code != 0 || err != nil {
		t.Fatalf("audit --consent-id: %d %v", code, err)
	}
	if !strings.Contains(out, "History of consent 5eed00000000000000000000000000a1: 2 events") ||
		strings.Index(out, "action=grant") > strings.Index(out, "action=withdraw") ||
		!strings.Contains(out, "banner_hash=bh config_hash=ch") {
		t.Errorf("history:\n%s", out)
	}

	code, err, out = runCommand(t, cmdConsentAudit, auditFlags, "-f", "csv", log)
	if code != 0 || err != nil || !strings.HasPrefix(out, "section,day,event,name,category,metric,value\n") ||
		!strings.Contains(out, "opt_in,,consent_recorded,,analytics,rate,0.5000") {
		t.Errorf("csv: %d %v\n%s", code, err, out)
	}

	if code, err, _ := runCommand(t, cmdConsentAudit, auditFlags, "--format", "xml", log); code != 1 || err == nil {
		t.Errorf("--format xml: %d %v", code, err)
	}
	if code, err, _ := runCommand(t, cmdConsentAudit, auditFlags, filepath.Join(dir, "missing.log")); code != 1 || err == nil {
		t.Errorf("missing file: %d %v", code, err)
	}
}
