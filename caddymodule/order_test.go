package caddymodule_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
)

// adaptRoutes adapts a Caddyfile and returns, for the first server, the
// handler names of each route and of each error route, and the warnings.
func adaptRoutes(t *testing.T, src string) (routes, errRoutes [][]string, warnings []caddyconfig.Warning) {
	t.Helper()
	out, all, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(src), map[string]any{"filename": "Caddyfile"})
	if err != nil {
		t.Fatalf("adapt: %v", err)
	}
	for _, w := range all {
		if !strings.Contains(w.Message, "not formatted") {
			warnings = append(warnings, w)
		}
	}
	var cfg struct {
		Apps struct {
			HTTP struct {
				Servers map[string]struct {
					Routes []struct {
						Handle []map[string]any `json:"handle"`
					} `json:"routes"`
					Errors *struct {
						Routes []struct {
							Match  []map[string]any `json:"match"`
							Handle []map[string]any `json:"handle"`
						} `json:"routes"`
					} `json:"errors"`
				} `json:"servers"`
			} `json:"http"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	for _, srv := range cfg.Apps.HTTP.Servers {
		for _, r := range srv.Routes {
			routes = append(routes, handlerNames(r.Handle))
		}
		if srv.Errors != nil {
			for _, r := range srv.Errors.Routes {
				errRoutes = append(errRoutes, handlerNames(r.Handle))
			}
		}
	}
	return routes, errRoutes, warnings
}

func handlerNames(hs []map[string]any) []string {
	var names []string
	for _, h := range hs {
		names = append(names, h["handler"].(string))
	}
	return names
}

// TestConsentRunsFirst: whatever order the Caddyfile lists them in,
// consent runs before every standard directive that can write a response
// or add a Set-Cookie, so none of them answers around the gateway.
func TestConsentRunsFirst(t *testing.T) {
	routes, errRoutes, warnings := adaptRoutes(t, `:8080 {
	header Set-Cookie "_ga=1"
	redir /old /new
	basic_auth /admin/* {
		u $2a$14$Zkx19XLiW6VYouLHR5NmfOFU0z2GTNmpkT/5qqR7hx4IjWJPDhjvG
	}
	forward_auth /fa/* 127.0.0.1:9 {
		uri /auth
	}
	respond /x "hi"
	reverse_proxy 127.0.0.1:9
	encode gzip
	file_server
	consent
}`)
	if len(warnings) != 0 {
		t.Errorf("unexpected warnings: %v", warnings)
	}
	if len(routes) == 0 || routes[0][0] != "consent" {
		t.Fatalf("consent is not the first handler of the site: %v", routes)
	}
	if errRoutes != nil {
		t.Errorf("a site without handle_errors got error routes (Caddy would log its errors differently): %v", errRoutes)
	}
}

// TestConsentInErrorRoutes: a site with handle_errors gets the gateway
// first in its error routes, before handle_errors blocks with and without
// status codes, wherever consent appears in the block.
func TestConsentInErrorRoutes(t *testing.T) {
	for name, src := range map[string]string{
		"after": `:8080 {
	consent
	handle_errors 502 {
		reverse_proxy 127.0.0.1:9
	}
	handle_errors {
		header Set-Cookie "_ga=1"
		respond "oops"
	}
	reverse_proxy 127.0.0.1:9
}`,
		"plain handle_errors before": `:8080 {
	handle_errors {
		respond "oops"
	}
	reverse_proxy 127.0.0.1:9
	consent
}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, errRoutes, warnings := adaptRoutes(t, src)
			if len(warnings) != 0 {
				t.Errorf("unexpected warnings: %v", warnings)
			}
			if len(errRoutes) < 2 || strings.Join(errRoutes[0], ",") != "consent" {
				t.Fatalf("consent is not first in the error routes: %v", errRoutes)
			}
		})
	}
}

// TestErrorRouteKeepsMatcher: a scoped gateway stays scoped on error pages.
func TestErrorRouteKeepsMatcher(t *testing.T) {
	out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(`:8080 {
	consent /shop/*
	handle_errors {
		respond "oops"
	}
	reverse_proxy 127.0.0.1:9
}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Apps struct {
			HTTP struct {
				Servers map[string]struct {
					Errors struct {
						Routes []json.RawMessage `json:"routes"`
					} `json:"errors"`
				} `json:"servers"`
			} `json:"http"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	first := string(cfg.Apps.HTTP.Servers["srv0"].Errors.Routes[0])
	if !strings.Contains(first, `"handler":"consent"`) || !strings.Contains(first, `"path":["/shop/*"]`) {
		t.Fatalf("first error route is not the scoped gateway: %s", first)
	}
}

// TestPlacementWarnings: what the Caddyfile cannot put behind the gateway
// is a warning naming the file, the line and the fix.
func TestPlacementWarnings(t *testing.T) {
	_, _, warnings := adaptRoutes(t, `:8080 {
	handle_errors 404 {
		respond "nf"
	}
	consent
	handle /shop/* {
		consent
		reverse_proxy 127.0.0.1:9
	}
}`)
	var got []string
	for _, w := range warnings {
		got = append(got, w.Directive+"@"+w.File+":"+itoa(w.Line)+" "+w.Message)
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"consent@Caddyfile:2 handle_errors with status codes above consent (Caddyfile:5)",
		"move consent above this handle_errors block",
		"consent@Caddyfile:7 consent inside a handle, route or named route block",
		"put consent at the top level of the site block",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
