package caddymodule

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func appFromJSON(t *testing.T, servers string) *caddyhttp.App {
	t.Helper()
	var app caddyhttp.App
	if err := json.Unmarshal([]byte(`{"servers":`+servers+`}`), &app); err != nil {
		t.Fatal(err)
	}
	return &app
}

func appFromCaddyfile(t *testing.T, src string) *caddyhttp.App {
	t.Helper()
	out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Apps struct {
			HTTP json.RawMessage `json:"http"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	var app caddyhttp.App
	if err := json.Unmarshal(cfg.Apps.HTTP, &app); err != nil {
		t.Fatal(err)
	}
	return &app
}

// TestPlacementProblems: JSON configs place the handler themselves; the
// check names what runs before it and the fix, and stays quiet for what
// the Caddyfile adapter produces.
func TestPlacementProblems(t *testing.T) {
	quiet := appFromCaddyfile(t, `a.example {
	header Set-Cookie "_ga=1"
	redir /old /new
	handle_errors {
		respond "oops"
	}
	reverse_proxy 127.0.0.1:9
	consent
}
b.example {
	respond "no consent here"
}`)
	if p := placementProblems(quiet); len(p) != 0 {
		t.Errorf("Caddyfile config reported: %v", p)
	}

	for name, tc := range map[string]struct {
		servers string
		want    []string
	}{
		"responder first": {`{"s":{"routes":[
			{"match":[{"path":["/old"]}],"handle":[{"handler":"static_response","status_code":302}]},
			{"handle":[{"handler":"consent"},{"handler":"reverse_proxy"}]}]}}`,
			[]string{"server s: handlers static_response run before the consent handler", "make consent the first handler"}},
		"deferred headers first": {`{"s":{"routes":[
			{"handle":[{"handler":"headers","response":{"deferred":true,"set":{"Set-Cookie":["_ga=1"]}}},{"handler":"consent"},{"handler":"file_server"}]}]}}`,
			[]string{"handlers a deferred headers handler run before the consent handler"}},
		"error routes without consent": {`{"s":{"routes":[{"handle":[{"handler":"consent"},{"handler":"reverse_proxy"}]}],
			"errors":{"routes":[{"handle":[{"handler":"static_response","body":"oops"}]}]}}}`,
			[]string{"server s: the error routes have no consent handler", "first route of errors.routes"}},
		"error routes with consent too late": {`{"s":{"routes":[{"handle":[{"handler":"consent"}]}],
			"errors":{"routes":[{"handle":[{"handler":"subroute","routes":[{"handle":[{"handler":"reverse_proxy"}]}]}]},{"handle":[{"handler":"consent"}]}]}}}`,
			[]string{"handlers reverse_proxy in the error routes run before the consent handler"}},
	} {
		t.Run(name, func(t *testing.T) {
			got := strings.Join(placementProblems(appFromJSON(t, tc.servers)), "\n")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("problems lack %q:\n%s", w, got)
				}
			}
		})
	}

	fine := appFromJSON(t, `{"s":{"routes":[
		{"match":[{"host":["other.example"]}],"handle":[{"handler":"subroute","routes":[{"handle":[{"handler":"reverse_proxy"}]}]}]},
		{"handle":[{"handler":"vars"},{"handler":"encode"},{"handler":"headers","response":{"set":{"X":["1"]}}},{"handler":"consent"},{"handler":"reverse_proxy"}]}]},
		"no-consent":{"routes":[{"handle":[{"handler":"static_response"}]}]}}`)
	if p := placementProblems(fine); len(p) != 0 {
		t.Errorf("another site, passive handlers or a server without consent reported: %v", p)
	}
}
