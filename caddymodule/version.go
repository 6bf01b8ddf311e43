package caddymodule

import (
	"runtime/debug"
	"strings"
)

// modulePath is this Go module's path (go.mod).
const modulePath = "github.com/consentgate/caddy-consent"

// Version is the gateway's version as the Go toolchain recorded it in the
// binary: the release tag (v0.x.y) in a Caddy built with
// `xcaddy build --with github.com/consentgate/caddy-consent@v0.x.y`, which
// is also what `caddy list-modules --versions` shows; in this repository's
// own bin/caddy (the module is Go's main module there, so list-modules
// shows no version) the tag of a clean checkout or a pseudo-version such
// as v0.1.1-0.20261130070000-abcdef123456+dirty; "(devel)" without VCS
// information; "" when the binary has no build information.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	return versionIn(bi)
}

func versionIn(bi *debug.BuildInfo) string {
	if bi.Main.Path == modulePath {
		return bi.Main.Version
	}
	for _, dep := range bi.Deps {
		if dep.Path != modulePath {
			continue
		}
		v := dep.Version
		if dep.Replace != nil {
			// --with module=../checkout: the version of what replaced it.
			if dep.Replace.Version != "" {
				v = dep.Replace.Version
			}
			v += " (replaced by " + strings.TrimSpace(dep.Replace.Path) + ")"
		}
		return v
	}
	return ""
}
