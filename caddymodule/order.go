package caddymodule

// Where the handler runs. Every response the site sends must pass the
// gateway, whatever the Caddyfile puts around it:
//
//   - In a site's route, `consent` is ordered before `header`, so it is the
//     first of the standard directives that can write a response or add a
//     Set-Cookie (header, redir, basic_auth, forward_auth, encode, handle,
//     route, respond, reverse_proxy, file_server, …). Only directives that
//     set variables (map, vars, root, fs, log_*, tracing) run before it.
//     forward_auth therefore sees the request Cookie header after the
//     gateway filtered it, and a site-wide `header Set-Cookie` is checked
//     on redir and basic_auth responses too. Deferred `header` operations
//     wrap the writer inside ours and are checked as well.
//   - Error routes (`handle_errors`) run outside the site's route, so the
//     `consent` directive also places a copy of itself first in the site's
//     error routes whenever the site has a `handle_errors` block.
//   - `encode` now runs inside the gateway. For documents it will rewrite
//     the gateway asks for identity (Accept-Encoding), so `encode` leaves
//     them alone, and compresses its own output (compress.go).
//
// What the Caddyfile cannot express is reported as an adapter warning with
// the fix (see placementWarnings); JSON configs are checked when the
// handler is provisioned (checkPlacement).

import (
	"encoding/json"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
)

// orderedBefore is the standard directive the gateway runs before.
const orderedBefore = "header"

func init() {
	httpcaddyfile.RegisterDirective("consent", parseConsentDirective)
	httpcaddyfile.RegisterDirectiveOrder("consent", httpcaddyfile.Before, orderedBefore)
}

// parseConsentDirective is what httpcaddyfile.RegisterHandlerDirective
// would do (an optional matcher, then the handler's own tokens), plus an
// error route when the site has handle_errors.
func parseConsentDirective(h httpcaddyfile.Helper) ([]httpcaddyfile.ConfigValue, error) {
	if !h.Next() {
		return nil, h.ArgErr()
	}
	file, line := h.File(), h.Line()
	matcherSet, err := h.ExtractMatcherSet()
	if err != nil {
		return nil, err
	}
	handler, err := parseCaddyfile(h)
	if err != nil {
		return nil, err
	}
	vals := h.NewRoute(matcherSet, handler)
	if len(vals) == 0 {
		return vals, nil
	}

	in := internalsOf(&h)
	if h.IsNamedRoute() || !siteLevel(h) {
		in.warn(file, line, "consent inside a handle, route or named route block sees only the requests of that block: "+
			"responses of other blocks and of handle_errors do not pass the gateway; "+
			"fix: put consent at the top level of the site block (use a matcher, e.g. `consent /shop/*`, to scope it)")
		return vals, nil
	}
	errorsUsed, before := handleErrorsAround(in.block, file, line)
	if !errorsUsed {
		// No error routes: Caddy answers errors with the bare status, and
		// the gateway already scrubbed the shared header map. Adding an
		// error route here would change how Caddy logs errors.
		return vals, nil
	}
	for _, tok := range before {
		in.warn(tok.File, tok.Line, fmt.Sprintf("handle_errors with status codes above consent (%s:%d) answers those errors before the gateway sees them: "+
			"Set-Cookie from it and from its upstreams reach visitors without consent; fix: move consent above this handle_errors block", file, line))
	}
	vals = append(vals, errorRoute(matcherSet, handler))
	return vals, nil
}

// errorRoute is the gateway's copy for the site's error routes. Caddy puts
// error routes with matchers before those without (then keeps source
// order), so the route always carries a matcher: the directive's own, or
// a path matcher that matches every request.
func errorRoute(matcherSet caddy.ModuleMap, handler caddyhttp.MiddlewareHandler) httpcaddyfile.ConfigValue {
	if matcherSet == nil {
		matcherSet = caddy.ModuleMap{"path": json.RawMessage(`["*"]`)}
	}
	return httpcaddyfile.ConfigValue{
		Class: "error_route",
		Value: &caddyhttp.Subroute{Routes: caddyhttp.RouteList{{
			MatcherSetsRaw: []caddy.ModuleMap{matcherSet},
			HandlersRaw:    []json.RawMessage{caddyconfig.JSONModuleObject(handler, "handler", "consent", nil)},
		}}},
	}
}

// siteLevel reports whether the directive is at the top level of a site
// block. There, httpcaddyfile hands directives one map as both State and
// BlockState; inside handle/route blocks BlockState is a copy.
func siteLevel(h httpcaddyfile.Helper) bool {
	if h.State == nil || h.BlockState == nil {
		return false
	}
	return reflect.ValueOf(h.State).UnsafePointer() == reflect.ValueOf(h.BlockState).UnsafePointer()
}

// handleErrorsAround reports whether the site block has handle_errors, and
// which handle_errors blocks with status codes come before the consent
// directive at file:line (Caddy keeps those first in the error routes).
// Without the block (see internalsOf) it assumes handle_errors exists.
func handleErrorsAround(block *caddyfile.ServerBlock, file string, line int) (used bool, before []caddyfile.Token) {
	if block == nil {
		return true, nil
	}
	seenConsent := false
	for _, seg := range block.Segments {
		if len(seg) == 0 {
			continue
		}
		tok := seg[0]
		switch seg.Directive() {
		case "consent":
			if tok.File == file && tok.Line == line {
				seenConsent = true
			}
		case "handle_errors":
			used = true
			hasCodes := len(seg) > 1 && seg[1].Line == tok.Line && seg[1].Text != "{"
			if hasCodes && !seenConsent {
				before = append(before, tok)
			}
		}
	}
	return used, before
}

// helperInternals are two fields httpcaddyfile.Helper keeps unexported:
// the site block being adapted and the adapter's warning list. Directives
// have no other way to see their siblings or to warn. They are read only
// when their types are exactly what this code expects
// (TestPlacementWarnings fails if they stop working with the Caddy version in go.mod); when a
// Caddy upgrade changes them, block and warnings are nil and the
// directive falls back to the safe side: an error route always, warnings
// in the log.
type helperInternals struct {
	block    *caddyfile.ServerBlock
	warnings *[]caddyconfig.Warning
}

func internalsOf(h *httpcaddyfile.Helper) helperInternals {
	var in helperInternals
	v := reflect.ValueOf(h).Elem()
	if f := v.FieldByName("parentBlock"); f.IsValid() && f.Type() == reflect.TypeFor[caddyfile.ServerBlock]() {
		in.block = (*caddyfile.ServerBlock)(unsafe.Pointer(f.UnsafeAddr()))
	}
	if f := v.FieldByName("warnings"); f.IsValid() && f.Type() == reflect.TypeFor[*[]caddyconfig.Warning]() {
		in.warnings = *(**[]caddyconfig.Warning)(unsafe.Pointer(f.UnsafeAddr()))
	}
	return in
}

func (in helperInternals) warn(file string, line int, msg string) {
	if in.warnings != nil {
		*in.warnings = append(*in.warnings, caddyconfig.Warning{File: file, Line: line, Directive: "consent", Message: msg})
		return
	}
	caddy.Log().Named("caddyfile").Warn("consent: "+msg, zap.String("file", file), zap.Int("line", line))
}
