// Command caddy is Caddy with its standard modules plus the consent gateway.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/consentgate/caddy-consent/caddymodule"
)

func main() {
	caddycmd.Main()
}
