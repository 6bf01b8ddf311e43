package integration

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"

	"github.com/consentgate/caddy-consent/internal/testcaddy"
)

func proxyTo(t *testing.T, h http.Handler) *testcaddy.Server {
	up := httptest.NewServer(h)
	t.Cleanup(up.Close)
	return testcaddy.Start(t, `http://{GATEWAY} {
	consent {
		policy_version 1
	}
	reverse_proxy `+strings.TrimPrefix(up.URL, "http://")+` {
		flush_interval -1
	}
}`)
}

// Server-sent events reach the client one by one, not buffered until the
// stream ends; cookies on the stream's headers are still enforced.
func TestSSEStreamsPromptly(t *testing.T) {
	release := make(chan struct{})
	g := proxyTo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		w.Header().Add("Set-Cookie", "_ga=1")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, "data: first\n\n")
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, "data: second\n\n")
	}))
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", g.URL+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if len(resp.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("Set-Cookie on an event stream must be enforced: %v", resp.Header.Values("Set-Cookie"))
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "data: first\n" {
		t.Fatalf("first event must arrive before the stream goes on: %q %v", line, err)
	}
}

// A WebSocket upgrade passes through the gateway and a message round-trips.
func TestWebSocketRoundTrip(t *testing.T) {
	g := proxyTo(t, websocket.Handler(func(c *websocket.Conn) {
		_, _ = io.Copy(c, c)
	}))
	ws, err := websocket.Dial("ws://"+g.Addr+"/ws", "", g.URL)
	if err != nil {
		t.Fatalf("websocket through the gateway: %v", err)
	}
	defer ws.Close()
	_ = ws.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := ws.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(ws, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("echo: %q %v", buf, err)
	}
}

// 103 Early Hints are forwarded, with Set-Cookie enforced in them too, and
// the final response follows.
func TestEarlyHints(t *testing.T) {
	g := proxyTo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Link", "</style.css>; rel=preload; as=style")
		w.Header().Add("Set-Cookie", "_fbp=1")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Set-Cookie")
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "done")
	}))
	var hints []textproto.MIMEHeader
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
			if code == http.StatusEarlyHints {
				hints = append(hints, h)
			}
			return nil
		},
	})
	req, _ := http.NewRequestWithContext(ctx, "GET", g.URL+"/", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "done" {
		t.Fatalf("final response: %d %q", resp.StatusCode, body)
	}
	if len(hints) != 1 || hints[0].Get("Link") == "" {
		t.Fatalf("103 Early Hints not forwarded: %v", hints)
	}
	if len(hints[0].Values("Set-Cookie")) != 0 {
		t.Errorf("Set-Cookie in Early Hints must be enforced: %v", hints[0])
	}
}

// Bad configuration fails at validate time with a message that names the
// problem and the fix; placeholders are expanded before the check.
func TestValidateRejectsShortKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the caddy binary")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "Caddyfile")
	_ = os.WriteFile(cfg, []byte(`:0 {
	consent {
		keys {env.TEST_HASH} {env.TEST_BLOCK}
	}
}`), 0o600)
	cmd := exec.Command(testcaddy.Binary(t), "validate", "--config", cfg, "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "TEST_HASH=c2hvcnQ=", "TEST_BLOCK=c2hvcnQ=", "HOME="+dir, "XDG_DATA_HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "at least 32") || !strings.Contains(string(out), "caddy consent keygen") {
		t.Fatalf("validate with a short key: err %v\n%s", err, out)
	}
	if strings.Contains(string(out), "c2hvcnQ") {
		t.Errorf("key material in an error message:\n%s", out)
	}
}
