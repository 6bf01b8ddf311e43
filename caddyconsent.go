// Package caddyconsent lets Caddy builds import the consent gateway by its
// module path, the way xcaddy does:
//
//	xcaddy build --with github.com/consentgate/caddy-consent
//
// It only registers the gateway: the handler (http.handlers.consent), the
// `consent` Caddyfile directive and the `caddy consent` commands live in
// the caddymodule package.
package caddyconsent

import (
	_ "github.com/consentgate/caddy-consent/caddymodule"
)
