package caddymodule

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/consentgate/caddy-consent/caddymodule/audit"
)

// No request can make one response write more than a small constant
// number of audit lines: 200 bogus consent cookies and 200 unknown cookie
// names give at most maxLinesPerKind(+1) lines of each kind.
func TestLinesPerResponseBounded(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	h := newTestHandler(t, nil)
	h.logger = zap.New(core)
	var parts []string
	for i := 0; i < 200; i++ {
		parts = append(parts, fmt.Sprintf("consent=bogus%d", i), fmt.Sprintf("unknown_%03d=1", i))
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Cookie", strings.Join(parts, "; "))
	if _, err := serve(t, h, req, func(w http.ResponseWriter, r *http.Request) error { _, err := w.Write([]byte("{}")); return err }); err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{audit.ConsentCookieInvalid, audit.CookieUnclassified, audit.Enforcement} {
		if n := logs.FilterMessage(msg).Len(); n > maxLinesPerKind+1 {
			t.Errorf("%d %s lines for one request; want at most %d", n, msg, maxLinesPerKind+1)
		}
	}
	if logs.Len() > 3*(maxLinesPerKind+1) {
		t.Errorf("%d lines for one request", logs.Len())
	}
}
