package caddymodule

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/consentgate/caddy-consent/caddymodule/suggest"
)

// suggestCommand is `caddy consent suggest`.
func suggestCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "suggest [--format text|caddyfile|json] [<audit logs...> | -] [--har <file.har>...]",
		Short: "Suggests a category for every cookie and tracker a site was seen to use",
		Long: `
Reads audit logs of the consent gateway (best: written in "mode report", so
nothing was removed while it learned; plain, gzip or zstd; - is standard
input, e.g. a fleet's merged stream) and/or HAR files saved from a browser's
developer tools, and prints:

  - every first-party cookie with a suggested category and where it comes
    from: the category the gateway logged (its configuration), the built-in
    lists and vendor presets, the embedded cookie database, or heuristics
    (HttpOnly session cookies named like sess/auth/token/cart are necessary,
    lang/locale/theme/currency functional, long-lived script-readable IDs
    analytics or advertising by their name), or "review" when nothing says;
    how often it was set and how often requests carried it back;
  - every third-party host pages loaded a script, image or frame from, and
    the preset that covers it, if any;
  - a Caddyfile consent block for what the gateway does not classify yet,
    to check and paste before switching to "mode enforce".

With --format caddyfile only the block is printed; json prints everything.
Cookie values are never printed.
`,
		RunE: caddycmd.WrapCommandFuncForCobra(cmdConsentSuggest),
	}
	suggestFlags(c.Flags())
	return c
}

func suggestFlags(fs *pflag.FlagSet) {
	fs.StringP("format", "f", suggest.FormatText, "output format: text, caddyfile or json")
	fs.StringArray("har", nil, "a HAR file recorded on the site (repeatable)")
}

func cmdConsentSuggest(fl caddycmd.Flags) (int, error) {
	format := fl.String("format")
	switch format {
	case "", suggest.FormatText, suggest.FormatCaddyfile, suggest.FormatJSON:
	default:
		return 1, fmt.Errorf("--format %q: use text, caddyfile or json", format)
	}
	hars, err := fl.GetStringArray("har")
	if err != nil {
		return 1, err
	}
	logs := fl.Args()
	if len(logs) == 0 && len(hars) == 0 {
		return 1, errors.New("name at least one audit log (- reads standard input) or --har file")
	}
	c := suggest.New()
	for _, p := range logs {
		if p == "-" {
			if err := c.AddLog("(stdin)", os.Stdin); err != nil {
				return 1, fmt.Errorf("reading standard input: %v", err)
			}
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			return 1, err
		}
		err = c.AddLog(p, f)
		f.Close()
		if err != nil {
			return 1, fmt.Errorf("reading %s: %v", p, err)
		}
	}
	for _, p := range hars {
		f, err := os.Open(p)
		if err != nil {
			return 1, fmt.Errorf("--har: %v", err)
		}
		err = c.AddHAR(p, f)
		f.Close()
		if err != nil {
			return 1, fmt.Errorf("--har: %v", err)
		}
	}
	if err := c.Inventory().Write(commandStdout, format); err != nil {
		return 1, err
	}
	return 0, nil
}

// loadEnvFile sets the variables of an environment file before a
// configuration's {env.*} placeholders are resolved: KEY=VALUE lines as
// `caddy consent keygen --env` prints them (and Caddy's --envfile reads),
// with blank lines, # comments, an optional "export " and quotes around
// the value allowed. Variables of the file win over the environment.
func loadEnvFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("--env-file: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		key, val, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" || strings.ContainsAny(key, " \t") {
			// The line is not echoed: it may hold a key.
			return fmt.Errorf("--env-file %s:%d: not a KEY=VALUE line (the format caddy consent keygen --env prints)", path, n)
		}
		val = strings.TrimSpace(val)
		if len(val) >= 2 && (val[0] == '"' || val[0] == '\'') && val[len(val)-1] == val[0] {
			val = val[1 : len(val)-1]
		}
		if err := os.Setenv(key, val); err != nil {
			return fmt.Errorf("--env-file %s:%d: %v", path, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("--env-file %s: %v", path, err)
	}
	return nil
}
