package caddymodule

import (
	"runtime/debug"
	"testing"
)

func TestVersionIn(t *testing.T) {
	for _, tc := range []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"own build, tagged", debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "v0.1.0"}}, "v0.1.0"},
		{"xcaddy, tagged", debug.BuildInfo{Main: debug.Module{Path: "caddy"}, Deps: []*debug.Module{
			{Path: "github.com/caddyserver/caddy/v2", Version: "v2.11.9"},
			{Path: modulePath, Version: "v0.2.3"},
		}}, "v0.2.3"},
		{"xcaddy, local checkout", debug.BuildInfo{Main: debug.Module{Path: "caddy"}, Deps: []*debug.Module{
			{Path: modulePath, Version: "v0.0.0-00010101000000-000000000000", Replace: &debug.Module{Path: "/src/caddy-consent"}},
		}}, "v0.0.0-00010101000000-000000000000 (replaced by /src/caddy-consent)"},
		{"not linked", debug.BuildInfo{Main: debug.Module{Path: "caddy"}}, ""},
	} {
		if got := versionIn(&tc.bi); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
