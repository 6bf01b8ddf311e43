// Package install checks the README's install routes: the xcaddy line, the
// Dockerfile (linted: Docker cannot run in the test environment) and that
// an xcaddy build of this checkout contains the gateway. README, Dockerfile
// and this test read the same line, so they cannot drift apart.
package install

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const (
	modulePath = "github.com/consentgate/caddy-consent"
	// xcaddyVersion is the xcaddy the test builds with (from the Go
	// module proxy); the official caddy:<ver>-builder image ships its own.
	xcaddyVersion = "v0.4.5"
	// buildTimeout bounds the one full Caddy build (5–9 minutes cold,
	// about one with a warm GOCACHE).
	buildTimeout = 20 * time.Minute
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dockerfile is what the test needs from the Dockerfile.
type dockerfile struct {
	builderImage, runtimeImage string // e.g. caddy:2.11.9-builder, caddy:2.11.9
	xcaddyLine                 string // the RUN command, e.g. "xcaddy build --with …"
	copiesBinary               bool   // COPY --from=builder /usr/bin/caddy /usr/bin/caddy
}

// parseDockerfile reads instructions (joining continuation lines) and
// fails the test on anything the install route does not expect.
func parseDockerfile(t *testing.T, src string) dockerfile {
	t.Helper()
	var d dockerfile
	var instrs []string
	var cur strings.Builder
	sc := bufio.NewScanner(strings.NewReader(src))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cur.WriteString(line)
		instrs = append(instrs, strings.Join(strings.Fields(cur.String()), " "))
		cur.Reset()
	}
	froms := 0
	for _, in := range instrs {
		op, rest, _ := strings.Cut(in, " ")
		switch strings.ToUpper(op) {
		case "FROM":
			froms++
			f := strings.Fields(rest)
			switch {
			case froms == 1 && len(f) == 3 && strings.EqualFold(f[1], "AS") && f[2] == "builder":
				d.builderImage = f[0]
			case froms == 2 && len(f) == 1:
				d.runtimeImage = f[0]
			default:
				t.Errorf("Dockerfile: unexpected FROM %q (want caddy:<ver>-builder AS builder, then caddy:<ver>)", rest)
			}
		case "RUN":
			if strings.HasPrefix(rest, "xcaddy ") {
				if d.xcaddyLine != "" {
					t.Errorf("Dockerfile: more than one xcaddy RUN line")
				}
				d.xcaddyLine = rest
			}
		case "COPY":
			if rest == "--from=builder /usr/bin/caddy /usr/bin/caddy" {
				d.copiesBinary = true
			}
		case "ARG", "ENV", "LABEL", "EXPOSE", "CMD", "ENTRYPOINT", "WORKDIR", "USER", "VOLUME":
		default:
			t.Errorf("Dockerfile: unknown instruction %q", op)
		}
	}
	return d
}

// caddyVersion is the Caddy version go.mod requires (e.g. "2.11.9").
func caddyVersion(t *testing.T) string {
	m := regexp.MustCompile(`(?m)^\s*github\.com/caddyserver/caddy/v2 v(\d+\.\d+\.\d+)\s*$`).FindStringSubmatch(readFile(t, "go.mod"))
	if m == nil {
		t.Fatal("go.mod requires no github.com/caddyserver/caddy/v2")
	}
	return m[1]
}

// TestDockerfile lints the Dockerfile against the README and go.mod: the
// official images of the Caddy version the module is built and tested
// with, the README's xcaddy line word for word, and the built binary
// copied over the stock one.
func TestDockerfile(t *testing.T) {
	d := parseDockerfile(t, readFile(t, "Dockerfile"))
	ver := caddyVersion(t)
	if want := "caddy:" + ver + "-builder"; d.builderImage != want {
		t.Errorf("Dockerfile builder image %q, want the official %q (go.mod's Caddy)", d.builderImage, want)
	}
	if want := "caddy:" + ver; d.runtimeImage != want {
		t.Errorf("Dockerfile runtime image %q, want the official %q", d.runtimeImage, want)
	}
	if !d.copiesBinary {
		t.Error("Dockerfile does not COPY --from=builder /usr/bin/caddy /usr/bin/caddy")
	}
	if want := "xcaddy build --with " + modulePath; d.xcaddyLine != want {
		t.Errorf("Dockerfile runs %q, want %q", d.xcaddyLine, want)
	}
	readme := readFile(t, "README.md")
	if !containsLine(readme, d.xcaddyLine) {
		t.Errorf("README.md has no line %q (the Dockerfile's xcaddy line): keep the install section and the Dockerfile identical", d.xcaddyLine)
	}
	if !containsLine(readme, "make build") {
		t.Error("README.md does not show `make build` as an install route")
	}
	if !strings.Contains(readme, "(Dockerfile)") {
		t.Error("README.md does not link the Dockerfile")
	}
}

func containsLine(text, line string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}

// TestXcaddyBuild builds Caddy with xcaddy against this checkout, exactly
// as the Dockerfile's builder stage does (same Caddy version, same
// arguments, the module replaced by the local path), and checks the
// result lists the gateway. One full Caddy build; outside CI it is skipped
// with -short or when the Go module proxy is unreachable.
func TestXcaddyBuild(t *testing.T) {
	ci := os.Getenv("CI") == "true"
	if testing.Short() && !ci {
		t.Skip("skipped with -short: builds Caddy with xcaddy (minutes); run `make test` or go test ./tests/install/")
	}
	goBin := goTool(t)
	root := repoRoot(t)
	d := parseDockerfile(t, readFile(t, "Dockerfile"))
	args := strings.Fields(d.xcaddyLine)
	if len(args) < 2 || args[0] != "xcaddy" || args[1] != "build" {
		t.Fatalf("Dockerfile's xcaddy line %q is not `xcaddy build …`", d.xcaddyLine)
	}
	// The Dockerfile's module becomes this checkout. The zero
	// pseudo-version is what Go records for a module replaced by a local
	// path; naming it keeps Go from asking the module proxy for the
	// versions of a module that may not be published (some proxies answer
	// 403, which Go does not treat as "not found").
	replaced := false
	for i := 2; i < len(args); i++ {
		if args[i-1] == "--with" && (args[i] == modulePath || strings.HasPrefix(args[i], modulePath+"@")) {
			args[i] = modulePath + "@v0.0.0-00010101000000-000000000000=" + root
			replaced = true
		}
	}
	if !replaced {
		t.Fatalf("Dockerfile's xcaddy line %q does not build %s", d.xcaddyLine, modulePath)
	}
	out := filepath.Join(t.TempDir(), "caddy")
	args = append(args[1:], "--output", out)

	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	probe := exec.CommandContext(ctx, goBin, "mod", "download", "-json", "github.com/caddyserver/xcaddy@"+xcaddyVersion)
	probe.Dir = t.TempDir()
	if b, err := probe.CombinedOutput(); err != nil {
		if !ci {
			t.Skipf("skipped: cannot fetch xcaddy %s from the Go module proxy (%v: %s); under CI=true this fails", xcaddyVersion, err, b)
		}
		t.Fatalf("cannot fetch xcaddy %s: %v\n%s", xcaddyVersion, err, b)
	}

	cmd := exec.CommandContext(ctx, goBin, append([]string{"run", "github.com/caddyserver/xcaddy/cmd/xcaddy@" + xcaddyVersion}, args...)...)
	cmd.Dir = t.TempDir()
	// The builder image sets CADDY_VERSION; so does the test. GOCACHE and
	// GOMODCACHE are inherited, so a second run reuses the first build.
	env := append(os.Environ(), "CADDY_VERSION=v"+caddyVersion(t), "GOFLAGS=")
	cmd.Env = env
	t.Logf("building: CADDY_VERSION=v%s xcaddy %s", caddyVersion(t), strings.Join(args, " "))
	start := time.Now()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xcaddy build failed after %s: %v\n%s", time.Since(start).Round(time.Second), err, tail(b, 4000))
	}
	t.Logf("xcaddy build took %s", time.Since(start).Round(time.Second))

	list, err := exec.Command(out, "list-modules", "--versions").CombinedOutput()
	if err != nil {
		t.Fatalf("list-modules: %v\n%s", err, list)
	}
	found := ""
	for _, l := range strings.Split(string(list), "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "http.handlers.consent" {
			found = l
		}
	}
	if found == "" {
		t.Fatalf("the xcaddy build does not list http.handlers.consent:\n%s", list)
	}
	t.Logf("list-modules --versions: %s", found)
	if help, err := exec.Command(out, "consent", "keygen", "--env").CombinedOutput(); err != nil || !strings.Contains(string(help), "CONSENT_HASH_KEY=") {
		t.Errorf("`caddy consent keygen --env` in the xcaddy build: %v\n%s", err, help)
	}
}

func goTool(t *testing.T) string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		t.Fatal("no go tool in PATH or GOROOT")
	}
	return p
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
