// Package testcaddy runs our real Caddy binary (with the consent module) as
// a child process for integration and browser tests: every test gets its
// own ports, storage and JSON log file, and the process is stopped when the
// test ends. Tests link only this small package, not Caddy itself.
package testcaddy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is one running Caddy.
type Server struct {
	// Addr is host:port of the site the test configured as {GATEWAY}.
	Addr string
	// URL is "http://" + Addr.
	URL string
	// AdminAddr is the admin endpoint (host:port).
	AdminAddr string
	// Dir holds the Caddyfile, storage and logs.
	Dir string
	// LogPath is the JSON log every module logger writes to.
	LogPath string

	cmd  *exec.Cmd
	ctrl *SyncBuffer
}

// SyncBuffer collects a child process's output; a test may read it while
// the process still writes.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// Binary returns the caddy binary to test: $CONSENT_CADDY_BIN (set by
// `make test`) or one built once per test process from ./cmd/caddy.
func Binary(t testing.TB) string {
	if b := os.Getenv("CONSENT_CADDY_BIN"); b != "" {
		return b
	}
	buildOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		dir, err := os.MkdirTemp("", "consent-caddy")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "caddy")
		cmd := exec.Command("go", "build", "-o", builtBin, "./cmd/caddy")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("building caddy: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// Missing is how a test reports a tool it needs that the machine lacks
// (a browser, node, axe-core): a skip with the reason on a developer's
// machine, but a failure under CI=true, where .ci/run installs every tool
// and a silent skip would hide that a whole class of tests did not run.
func Missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: a missing tool fails the run; .ci/run must install it)", why)
	}
	t.Skip(why)
}

// FreePort returns a free loopback TCP port.
func FreePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start writes the site blocks (with {GATEWAY} replaced by a free
// 127.0.0.1 address) under test-friendly global options and runs Caddy.
// The process is stopped when the test ends.
func Start(t testing.TB, sites string) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: skipped with -short")
	}
	dir := t.TempDir()
	s := &Server{
		Addr:      fmt.Sprintf("127.0.0.1:%d", FreePort(t)),
		AdminAddr: fmt.Sprintf("127.0.0.1:%d", FreePort(t)),
		Dir:       dir,
		LogPath:   filepath.Join(dir, "caddy.log"),
	}
	s.URL = "http://" + s.Addr
	cfg := fmt.Sprintf(`{
	admin %s
	auto_https off
	persist_config off
	grace_period 2s
	storage file_system %s
	log default {
		output file %s
		format json
		level DEBUG
	}
}

`, s.AdminAddr, filepath.Join(dir, "storage"), s.LogPath) + strings.ReplaceAll(sites, "{GATEWAY}", s.Addr)
	cfgPath := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	s.ctrl = new(SyncBuffer)
	s.cmd = exec.Command(Binary(t), "run", "--config", cfgPath, "--adapter", "caddyfile")
	s.cmd.Dir = dir
	s.cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+filepath.Join(dir, "data"), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	s.cmd.Stdout = s.ctrl
	s.cmd.Stderr = s.ctrl
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if s.cmd.ProcessState != nil || time.Now().After(deadline) {
			t.Fatalf("caddy did not start listening on %s:\n%s\nconfig:\n%s", s.Addr, s.ctrl.String(), cfg)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// Stop ends the process (idempotent).
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil || s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// Load replaces the running config with new site blocks (a `caddy reload`).
func (s *Server) Load(t testing.TB, sites string) {
	t.Helper()
	cfg := strings.ReplaceAll(sites, "{GATEWAY}", s.Addr)
	full := fmt.Sprintf("{\n\tadmin %s\n\tauto_https off\n\tpersist_config off\n\tgrace_period 2s\n\tstorage file_system %s\n\tlog default {\n\t\toutput file %s\n\t\tformat json\n\t\tlevel DEBUG\n\t}\n}\n\n%s",
		s.AdminAddr, filepath.Join(s.Dir, "storage"), s.LogPath, cfg)
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.AdminAddr+"/load", strings.NewReader(full))
	req.Header.Set("Content-Type", "text/caddyfile")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		t.Fatalf("reload failed: %s %s", resp.Status, b.String())
	}
}

// Entry is one JSON log line.
type Entry map[string]any

// Str returns a string field ("" if absent).
func (e Entry) Str(k string) string { s, _ := e[k].(string); return s }

// Logs returns every JSON log line written so far.
func (s *Server) Logs(t testing.TB) []Entry {
	t.Helper()
	f, err := os.Open(s.LogPath)
	if err != nil {
		t.Fatalf("reading log: %v", err)
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e Entry
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			out = append(out, e)
		}
	}
	return out
}

// Events returns the log lines whose message is msg, waiting briefly for
// them to be written (zap writes synchronously, but the file is read by
// another process).
func (s *Server) Events(t testing.TB, msg string) []Entry {
	t.Helper()
	var out []Entry
	for i := 0; i < 20; i++ {
		out = out[:0]
		for _, e := range s.Logs(t) {
			if e.Str("msg") == msg {
				out = append(out, e)
			}
		}
		if len(out) > 0 {
			return out
		}
		time.Sleep(25 * time.Millisecond)
	}
	return out
}

// Output is what the process printed outside the log file.
func (s *Server) Output() string { return s.ctrl.String() }
