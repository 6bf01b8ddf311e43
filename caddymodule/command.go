package caddymodule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/consentgate/caddy-consent/caddymodule/auditreport"
	"github.com/consentgate/caddy-consent/caddymodule/consentcookie"
)

// The consent subcommands print their results here and their notes to
// commandStderr; tests replace both.
var (
	commandStdout io.Writer = os.Stdout
	commandStderr io.Writer = os.Stderr
)

// Environment variable names printed by keygen and used in the examples.
const (
	EnvHashKey  = "CONSENT_HASH_KEY"
	EnvBlockKey = "CONSENT_BLOCK_KEY"
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "consent",
		Usage: "keygen|inspect|audit|suggest",
		Short: "Consent gateway tools: generate keys, inspect a consent cookie, summarise audit logs",
		Long: `
Tools for operators and auditors of the consent gateway (http.handlers.consent).

  caddy consent keygen [--env]
      Prints a fresh consent cookie key pair for the "keys" subdirective.

  caddy consent inspect [--config <file>] [--adapter <name>] <cookie value>
      Verifies and decodes a consent cookie with the keys of a configuration.

  caddy consent audit [--format text|json|csv] [--consent-id <id>] <log files...|->
      Summarises audit logs, or prints the history of one consent ID.

  caddy consent suggest [--format text|caddyfile|json] [<log files...>|-] [--har <file>...]
      Suggests categories for the cookies and trackers a site uses.
`,
		CobraFunc: func(cmd *cobra.Command) {
			keygen := &cobra.Command{
				Use:   "keygen [--env]",
				Short: "Prints a fresh consent cookie key pair",
				Long: `
Prints a new hash key (HMAC-SHA256, 64 random bytes) and block key (AES-256,
32 random bytes), base64 encoded, as environment variable assignments
(usable as an --envfile) followed by the Caddyfile line that reads them:

	keys {env.CONSENT_HASH_KEY} {env.CONSENT_BLOCK_KEY}

With --env only the two KEY=VALUE lines are printed.
`,
				Args: cobra.NoArgs,
				RunE: caddycmd.WrapCommandFuncForCobra(cmdConsentKeygen),
			}
			keygenFlags(keygen.Flags())
			cmd.AddCommand(keygen)

			inspect := &cobra.Command{
				Use:   "inspect [--config <file>] [--adapter <name>] [--env-file <file>] <cookie value>",
				Short: "Verifies and decodes a consent cookie",
				Long: `
Loads the configuration (adapted like "caddy run" does), finds every consent
handler in it and verifies the cookie with its keys: the configured ones
({env.*} and {file.*} placeholders are expanded from this process's
environment, after --env-file has set the KEY=VALUE lines of a file such
as the output of "caddy consent keygen --env"), or else the pair the
gateway generated and keeps in Caddy's
storage (consent/keys.json; file_system storage only).

The cookie may be given as its value, as name=value, or as a whole Cookie
header. Prints the consent ID, granted categories, policy version (and
whether it matches the configuration), issue and expiry time, how it was
given and which key pair verified it.

Exits with status 1 when the cookie is forged, altered, expired, signed with
an unknown key or otherwise not accepted, or the configuration cannot be
read.
`,
				Args: cobra.ExactArgs(1),
				RunE: caddycmd.WrapCommandFuncForCobra(cmdConsentInspect),
			}
			inspectFlags(inspect.Flags())
			cmd.AddCommand(inspect)

			audit := &cobra.Command{
				Use:   "audit [--format text|json|csv] [--consent-id <id>] <log files...>",
				Short: "Summarises audit logs or prints the history of one consent",
				Long: `
Reads Caddy JSON log files (plain, gzip or zstd: rotated files can be given
as they are; - is standard input), keeps the events of http.handlers.consent
and prints one report for all of them: consent decisions by day, opt-in rate
per category, withdrawals, invalid consent cookies by reason, what was
stripped, filtered, expired, blocked or neutralized per category, and the
inventory of cookies seen (unclassified ones first). Unreadable lines are
counted and shown, never fatal.

With --consent-id it prints instead every event of that consent ID in time
order, across all files: the record of when and how the choice was made,
changed or withdrawn, and what was enforced for it.

See docs/audit-log.md for the event schema.
`,
				Args: cobra.MinimumNArgs(1),
				RunE: caddycmd.WrapCommandFuncForCobra(cmdConsentAudit),
			}
			auditFlags(audit.Flags())
			cmd.AddCommand(audit)
			cmd.AddCommand(suggestCommand())
		},
	})
}

func keygenFlags(fs *pflag.FlagSet) {
	fs.Bool("env", false, "print only the KEY=VALUE lines")
}

func inspectFlags(fs *pflag.FlagSet) {
	fs.StringP("config", "c", "", "configuration file (default: ./Caddyfile)")
	fs.StringP("adapter", "a", "", "name of the config adapter (default: caddyfile for Caddyfiles, else JSON)")
	fs.String("env-file", "", "read KEY=VALUE lines (e.g. CONSENT_HASH_KEY, CONSENT_BLOCK_KEY from keygen --env) before resolving {env.*}")
}

func auditFlags(fs *pflag.FlagSet) {
	fs.StringP("format", "f", auditreport.FormatText, "output format: text, json or csv")
	fs.String("consent-id", "", "print the history of this consent ID instead of the report")
}

// cmdConsentKeygen prints a fresh key pair.
func cmdConsentKeygen(fl caddycmd.Flags) (int, error) {
	pair := consentcookie.GenerateKeyPair()
	hash, block := consentcookie.EncodeKey(pair.Hash), consentcookie.EncodeKey(pair.Block)
	var b strings.Builder
	if fl.Bool("env") {
		fmt.Fprintf(&b, "%s=%s\n%s=%s\n", EnvHashKey, hash, EnvBlockKey, block)
	} else {
		fmt.Fprintf(&b, `# Consent cookie key pair: a hash key (HMAC-SHA256, 64 bytes) and a block key
# (AES-256, 32 bytes). Keep them secret, and give every gateway instance the
# same pair. As environment variables (this output works as an --envfile):
%s=%s
%s=%s

# Caddyfile, inside the consent block:
#	keys {env.%s} {env.%s}
# To rotate, put the new pair first and keep the old pair after it until the
# consents it signed have expired.
`, EnvHashKey, hash, EnvBlockKey, block, EnvHashKey, EnvBlockKey)
	}
	if _, err := io.WriteString(commandStdout, b.String()); err != nil {
		return 1, err
	}
	return 0, nil
}

// consentHandlerRef is one consent handler found in a JSON config.
type consentHandlerRef struct {
	path string // where in the config, e.g. apps.http.servers.srv0.routes[0].handle[1]
	h    Handler
}

// findConsentHandlers walks a decoded JSON config and collects every object
// with "handler": "consent", wherever routes, subroutes or other modules
// nest it.
func findConsentHandlers(v any, path string, out *[]consentHandlerRef) error {
	switch x := v.(type) {
	case map[string]any:
		if x["handler"] == "consent" {
			raw, err := json.Marshal(x)
			if err != nil {
				return err
			}
			var h Handler
			if err := json.Unmarshal(raw, &h); err != nil {
				return fmt.Errorf("consent handler at %s: %v", path, err)
			}
			// The same defaults and checks as Provision and the Caddyfile:
			// a config Caddy refuses is refused here with the same message.
			if err := h.Config.Normalize(); err != nil {
				return fmt.Errorf("consent handler at %s: %v", path, err)
			}
			*out = append(*out, consentHandlerRef{path: path, h: h})
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if err := findConsentHandlers(x[k], p, out); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := findConsentHandlers(e, fmt.Sprintf("%s[%d]", path, i), out); err != nil {
				return err
			}
		}
	}
	return nil
}

// storedKeysPath says where the generated keys of a config are: the
// file_system storage root of the config, or Caddy's default data
// directory. Other storage modules cannot be read by this command.
func storedKeysPath(cfg map[string]any) (string, error) {
	st, _ := cfg["storage"].(map[string]any)
	if st == nil {
		return filepath.Join(caddy.AppDataDir(), filepath.FromSlash(StorageKey)), nil
	}
	mod, _ := st["module"].(string)
	if mod != "file_system" {
		return "", fmt.Errorf("no keys are configured, and the generated ones are in the config's %q storage, which inspect cannot read (it reads only file_system storage); "+
			"configure keys (caddy consent keygen), or export the storage with \"caddy storage export\" and read %s from the tarball", mod, StorageKey)
	}
	root, _ := st["root"].(string)
	if root == "" {
		return "", errors.New("the config's file_system storage has no root")
	}
	return filepath.Join(root, filepath.FromSlash(StorageKey)), nil
}

// loadStoredKeys reads the key pairs the gateway generated (see
// generatedKeys).
func loadStoredKeys(path string) ([]consentcookie.KeyPair, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no keys are configured and there are no generated keys at %s: the gateway generates them when it first starts with this config "+
			"(is this the data directory of the user Caddy runs as? Caddy's data directory follows $XDG_DATA_HOME and $HOME)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading generated keys: %v", err)
	}
	var doc StoredKeys
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Keys) == 0 {
		return nil, fmt.Errorf("generated keys at %s are unreadable (%v)", path, err)
	}
	repl := caddy.NewReplacer()
	pairs := make([]consentcookie.KeyPair, 0, len(doc.Keys))
	for i, k := range doc.Keys {
		p, err := DecodeKeyConfig(repl, k)
		if err != nil {
			return nil, fmt.Errorf("generated keys at %s: pair %d: %v", path, i+1, err)
		}
		pairs = append(pairs, p)
	}
	return pairs, nil
}

// isBareCookieValue reports whether s looks like a consent cookie value:
// a key id of 8 lower-case hex digits and a dot.
func isBareCookieValue(s string) bool {
	if len(s) < 10 || s[8] != '.' {
		return false
	}
	for i := 0; i < 8; i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// cookieValueFrom takes the consent cookie's value out of what the
// operator pasted: the value itself, name=value, or a Cookie or
// Set-Cookie header.
func cookieValueFrom(input, cookieName string) (string, error) {
	s := strings.TrimSpace(input)
	for _, prefix := range []string{"cookie:", "set-cookie:"} {
		if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
			s = strings.TrimSpace(s[len(prefix):])
		}
	}
	if isBareCookieValue(s) {
		return s, nil
	}
	var pairs [][2]string
	for _, part := range strings.Split(s, ";") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = val[1 : len(val)-1]
		}
		pairs = append(pairs, [2]string{strings.TrimSpace(name), val})
	}
	for _, p := range pairs {
		if p[0] == cookieName || p[0] == "__Host-"+cookieName {
			return p[1], nil
		}
	}
	if len(pairs) == 1 {
		return pairs[0][1], nil
	}
	if len(pairs) > 1 {
		return "", fmt.Errorf("no cookie named %s or __Host-%s in the input", cookieName, cookieName)
	}
	return s, nil
}

// cmdConsentInspect verifies and decodes a consent cookie with the keys of
// every consent handler of a configuration.
func cmdConsentInspect(fl caddycmd.Flags) (int, error) {
	args := fl.Args()
	if len(args) != 1 || strings.TrimSpace(args[0]) == "" {
		return 1, errors.New("give the consent cookie (its value, name=value, or the Cookie header) as the one argument")
	}
	input := args[0]
	if p := fl.String("env-file"); p != "" {
		if err := loadEnvFile(p); err != nil {
			return 1, err
		}
	}

	cfgJSON, cfgFile, _, err := caddycmd.LoadConfig(fl.String("config"), fl.String("adapter"))
	if err != nil {
		return 1, err
	}
	if len(cfgJSON) == 0 {
		return 1, errors.New("no configuration: use --config <file> (or run in the directory of the Caddyfile)")
	}
	var cfg map[string]any
	dec := json.NewDecoder(bytes.NewReader(cfgJSON))
	dec.UseNumber()
	if err := dec.Decode(&cfg); err != nil {
		return 1, fmt.Errorf("config is not a JSON object: %v", err)
	}
	var handlers []consentHandlerRef
	if err := findConsentHandlers(cfg, "", &handlers); err != nil {
		return 1, err
	}
	if len(handlers) == 0 {
		return 1, fmt.Errorf("%s has no consent handler", cfgFile)
	}

	var storedPath string
	var stored []consentcookie.KeyPair
	var storedErr error
	now := time.Now()
	w := &strings.Builder{}
	var failures []string
	accepted := 0
	for i, ref := range handlers {
		if i > 0 {
			w.WriteString("\n")
		}
		h := ref.h
		policyVersion := h.PolicyVersion
		if policyVersion == "" {
			policyVersion = "1"
		}
		cookieName := DefaultCookieName
		maxAge := DefaultMaxAge
		if h.Cookie != nil {
			if h.Cookie.Name != "" {
				cookieName = h.Cookie.Name
			}
			if h.Cookie.MaxAge > 0 {
				maxAge = time.Duration(h.Cookie.MaxAge)
			}
		}
		fmt.Fprintf(w, "consent handler:  %s\n", ref.path)

		var pairs []consentcookie.KeyPair
		var source string
		if len(h.Keys) > 0 {
			repl := caddy.NewReplacer()
			for j, k := range h.Keys {
				p, err := DecodeKeyConfig(repl, k)
				if err != nil {
					return 1, fmt.Errorf("consent handler %s: key pair %d: %v (placeholders are expanded from this command's environment: export the same variables Caddy has)", ref.path, j+1, err)
				}
				pairs = append(pairs, p)
			}
			source = "the config"
		} else {
			if stored == nil && storedErr == nil {
				storedPath, storedErr = storedKeysPath(cfg)
				if storedErr == nil {
					stored, storedErr = loadStoredKeys(storedPath)
				}
			}
			if storedErr != nil {
				return 1, fmt.Errorf("consent handler %s: %v", ref.path, storedErr)
			}
			pairs = stored
			source = "generated keys in " + storedPath
		}
		codec, err := consentcookie.New(cookieName, pairs, maxAge)
		if err != nil {
			return 1, fmt.Errorf("consent handler %s: %v", ref.path, err)
		}

		value, err := cookieValueFrom(input, cookieName)
		if err != nil {
			fmt.Fprintf(w, "result:           not checked: %v\n", err)
			failures = append(failures, err.Error())
			continue
		}
		c, key, err := codec.Decode(value, now)
		if err != nil {
			msg := rejection(err, value, len(pairs))
			fmt.Fprintf(w, "result:           REJECTED: %s\n", msg)
			failures = append(failures, msg)
			continue
		}
		accepted++
		fmt.Fprintf(w, "result:           valid\n")
		fmt.Fprintf(w, "consent id:       %s\n", c.IDString())
		granted := "(none besides the required categories)"
		if len(c.Granted) > 0 {
			granted = strings.Join(c.Granted, ", ") + " (and the required categories)"
		}
		fmt.Fprintf(w, "granted:          %s\n", granted)
		if err := consentcookie.CheckPolicy(c, policyVersion); err != nil {
			fmt.Fprintf(w, "policy version:   %s (DOES NOT MATCH the config's %s: the gateway treats this cookie as no consent and asks again)\n", c.PolicyVersion, policyVersion)
		} else {
			fmt.Fprintf(w, "policy version:   %s (matches the config)\n", c.PolicyVersion)
		}
		expires := c.IssuedAt.Add(maxAge)
		fmt.Fprintf(w, "issued:           %s\n", c.IssuedAt.UTC().Format(time.RFC3339))
		fmt.Fprintf(w, "expires:          %s (in %s)\n", expires.UTC().Format(time.RFC3339), roughDuration(expires.Sub(now)))
		method := c.Method
		if method == "" {
			method = "(not recorded)"
		}
		fmt.Fprintf(w, "method:           %s\n", method)
		role := "the signing pair"
		if key.Index > 0 {
			role = "an older pair kept for rotation"
		}
		fmt.Fprintf(w, "verified by:      key pair index %d of %d (%s), key id %s, from %s\n", key.Index, len(pairs), role, key.ID, source)
	}
	if _, err := io.WriteString(commandStdout, w.String()); err != nil {
		return 1, err
	}
	if accepted == 0 {
		if len(failures) == 1 {
			return 1, errors.New("consent cookie rejected: " + failures[0])
		}
		return 1, fmt.Errorf("no consent handler accepts this cookie: %s", strings.Join(failures, "; "))
	}
	return 0, nil
}

// rejection explains why Decode rejected a value.
func rejection(err error, value string, pairs int) string {
	var de *consentcookie.DecodeError
	if !errors.As(err, &de) {
		return err.Error()
	}
	keyID := "?"
	if isBareCookieValue(value) {
		keyID = value[:8]
	}
	switch de.Reason {
	case consentcookie.ReasonTampered:
		return fmt.Sprintf("forged or altered (tampered): the signature does not verify with key id %s", keyID)
	case consentcookie.ReasonExpired:
		return fmt.Sprintf("expired: %v", de.Err)
	case consentcookie.ReasonUnknownKey:
		return fmt.Sprintf("unknown key (unknown_key): signed with key id %s, which none of the %d configured key pair(s) has (a retired key, or another site's)", keyID, pairs)
	case consentcookie.ReasonFormat:
		return fmt.Sprintf("unsupported format: authentic, but written in a payload format this build cannot read (%v)", de.Err)
	case consentcookie.ReasonMalformed:
		return fmt.Sprintf("malformed: not a consent cookie value the gateway writes (%v)", de.Err)
	}
	return de.Error()
}

// roughDuration writes d as days and hours, e.g. "181d 23h".
func roughDuration(d time.Duration) string {
	if d < 0 {
		return "the past"
	}
	days := int(d / (24 * time.Hour))
	hours := int((d % (24 * time.Hour)) / time.Hour)
	if days == 0 {
		return strconv.Itoa(hours) + "h"
	}
	return fmt.Sprintf("%dd %dh", days, hours)
}

// cmdConsentAudit summarises audit logs or prints one consent's history.
func cmdConsentAudit(fl caddycmd.Flags) (int, error) {
	format := fl.String("format")
	if format == "" {
		format = auditreport.FormatText
	}
	switch format {
	case auditreport.FormatText, auditreport.FormatJSON, auditreport.FormatCSV:
	default:
		return 1, fmt.Errorf("--format %q: use text, json or csv", format)
	}
	files := fl.Args()
	if len(files) == 0 {
		return 1, errors.New("name at least one log file (- reads standard input)")
	}
	id := strings.ToLower(strings.TrimSpace(fl.String("consent-id")))
	var opts auditreport.Options
	if id != "" {
		opts.ConsentIDs = []string{id}
	}
	rep, err := auditreport.ReadFiles(opts, files...)
	if err != nil {
		return 1, err
	}
	if id == "" {
		if err := rep.Write(commandStdout, format); err != nil {
			return 1, err
		}
		return 0, nil
	}
	if err := auditreport.WriteHistory(commandStdout, id, rep.History(id), format); err != nil {
		return 1, err
	}
	if rep.BadLines > 0 {
		fmt.Fprintf(commandStderr, "note: %d unreadable line(s) skipped; run without --consent-id to see where\n", rep.BadLines)
	}
	for _, wr := range rep.Warnings {
		if !strings.HasPrefix(wr, "config_warning: ") {
			fmt.Fprintf(commandStderr, "note: %s\n", wr)
		}
	}
	return 0, nil
}
