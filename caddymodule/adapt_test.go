package caddymodule_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/consentgate/caddy-consent/caddymodule"
)

var update = flag.Bool("update", false, "rewrite the golden adapt files in testdata/adapt")

// TestAdaptGolden adapts the top-level Caddyfile and every example to JSON
// and compares with testdata/adapt/<name>.json, so the documentation can
// never drift from what Caddy accepts. Run with -update after a deliberate
// change and review the diff.
func TestAdaptGolden(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.Caddyfile")
	files = append([]string{"../Caddyfile"}, files...)
	adapter := caddyconfig.GetAdapter("caddyfile")
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".Caddyfile")
		if name == "Caddyfile" {
			name = "demo"
		}
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out, warnings, err := adapter.Adapt(src, map[string]any{"filename": f})
			if err != nil {
				t.Fatalf("adapt %s: %v", f, err)
			}
			for _, w := range warnings {
				t.Errorf("adapt %s: warning %s:%d: %s", f, w.File, w.Line, w.Message)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, out, "", "\t"); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			golden := filepath.Join("testdata", "adapt", name+".json")
			if *update {
				if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestAdaptGolden -update to create it)", err)
			}
			if !bytes.Equal(want, pretty.Bytes()) {
				t.Errorf("%s adapts differently from %s:\n%s", f, golden, pretty.String())
			}
		})
	}
}
