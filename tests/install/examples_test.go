package install

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// caddyBin is the Caddy with the gateway that make test builds
// (CONSENT_CADDY_BIN); without it the test builds cmd/caddy itself.
func caddyBin(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CONSENT_CADDY_BIN"); p != "" {
		return p
	}
	if testing.Short() {
		t.Skip("skipped with -short: needs a Caddy binary (set CONSENT_CADDY_BIN or run make test)")
	}
	out := filepath.Join(t.TempDir(), "caddy")
	cmd := exec.Command(goTool(t), "build", "-o", out, "./cmd/caddy")
	cmd.Dir = repoRoot(t)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/caddy: %v\n%s", err, b)
	}
	return out
}

var envPlaceholder = regexp.MustCompile(`\{env\.([A-Za-z_][A-Za-z0-9_]*)\}`)

// TestExamplesRunAsCopied adapts and validates (provisions every module,
// as `caddy run` would before serving) each example and the demo
// Caddyfile, with exactly the environment the example documents: an
// example that reads {env.X} must say in its comments how to get X, and
// the only way documented today is `caddy consent keygen --env`, whose
// output the test uses as the operator would (--envfile).
func TestExamplesRunAsCopied(t *testing.T) {
	bin := caddyBin(t)
	root := repoRoot(t)
	files, _ := filepath.Glob(filepath.Join(root, "examples", "*.Caddyfile"))
	files = append(files, filepath.Join(root, "Caddyfile"))
	if len(files) < 2 {
		t.Fatal("no examples found")
	}
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		t.Run(rel, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			home := t.TempDir()
			args := []string{"validate", "--config", f, "--adapter", "caddyfile"}
			if used := envPlaceholder.FindAllStringSubmatch(withoutComments(string(src)), -1); len(used) > 0 {
				if !strings.Contains(comments(string(src)), "caddy consent keygen --env > consent.env") {
					t.Fatalf("%s reads %s but its comments do not say how to set it (e.g. `caddy consent keygen --env > consent.env`)", rel, used[0][0])
				}
				envFile := filepath.Join(home, "consent.env")
				keys, err := exec.Command(bin, "consent", "keygen", "--env").Output()
				if err != nil {
					t.Fatalf("caddy consent keygen --env: %v", err)
				}
				if err := os.WriteFile(envFile, keys, 0o600); err != nil {
					t.Fatal(err)
				}
				for _, m := range used {
					if !strings.Contains(string(keys), m[1]+"=") {
						t.Errorf("%s reads {env.%s}, which `caddy consent keygen --env` does not print", rel, m[1])
					}
				}
				args = append(args, "--envfile", envFile)
			}
			cmd := exec.Command(bin, args...)
			cmd.Dir = filepath.Dir(f)
			// A fresh HOME and data directory: nothing left over from
			// another run (generated keys, certificates) may help.
			cmd.Env = append(cleanEnv(), "HOME="+home, "XDG_DATA_HOME="+filepath.Join(home, "data"), "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("caddy %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			if !strings.Contains(string(out), "Valid configuration") {
				t.Errorf("caddy validate did not say the configuration is valid:\n%s", out)
			}
			for _, l := range strings.Split(string(out), "\n") {
				// Generated keys are what the examples without `keys`
				// document; any other warning is one an operator copying
				// the example would see.
				if strings.Contains(l, `"level":"warn"`) && strings.Contains(l, "consent") && !strings.Contains(l, `"msg":"keys_generated"`) {
					t.Errorf("%s: warning about the gateway: %s", rel, l)
				}
			}
		})
	}
}

// comments returns the comment text of a Caddyfile.
func comments(src string) string {
	var b strings.Builder
	for _, l := range strings.Split(src, "\n") {
		if i := strings.Index(l, "#"); i >= 0 {
			b.WriteString(l[i:])
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// withoutComments returns a Caddyfile without its comments.
func withoutComments(src string) string {
	var b strings.Builder
	for _, l := range strings.Split(src, "\n") {
		if i := strings.Index(l, "#"); i >= 0 {
			l = l[:i]
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// cleanEnv is the test's environment without CONSENT_* variables, so an
// example cannot pass because the developer's shell happens to set them.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CONSENT_") {
			env = append(env, kv)
		}
	}
	return env
}
