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
	"sort"
	"strings"
	"sync"
	"unsafe"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp/headers"
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
	in := internalsOf(&h)
	if ch, ok := handler.(*Handler); ok && in.block != nil && ch.CompressPages == nil && !blockHas(in.block, "encode") {
		// The site never compressed its pages: neither does the gateway.
		no := false
		ch.CompressPages = &no
	}
	vals := h.NewRoute(matcherSet, handler)
	if len(vals) == 0 {
		return vals, nil
	}

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

// blockHas reports whether a site block has a top-level directive.
func blockHas(block *caddyfile.ServerBlock, directive string) bool {
	for _, seg := range block.Segments {
		if seg.Directive() == directive {
			return true
		}
	}
	return false
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

// Placement in JSON configs. Nothing but the operator places the handler
// in a JSON config (or in one adapted from another format), so when the
// first consent handler of an http app is provisioned, checkPlacement
// reads the app's servers and warns, once per config load, about each
// server where a handler that can answer runs before the gateway or whose
// error routes do not start with it.

// placementChecked remembers the http apps already checked (a config load
// provisions every consent handler; one report is enough).
var placementChecked sync.Map // *caddyhttp.App → struct{}

// checkPlacement logs a warning with the fix for each way responses can
// get around the gateway in the config being loaded. Call it from
// Provision; it never fails provisioning.
func checkPlacement(ctx caddy.Context, log *zap.Logger) {
	var app *caddyhttp.App
	for _, m := range ctx.Modules() {
		if a, ok := m.(*caddyhttp.App); ok {
			app = a
			break
		}
	}
	if app == nil {
		return
	}
	if _, done := placementChecked.LoadOrStore(app, struct{}{}); done {
		return
	}
	ctx.OnCancel(func() { placementChecked.Delete(app) })
	for _, msg := range placementProblems(app) {
		log.Warn("consent_placement", zap.String("problem", msg))
	}
}

// placementProblems describes, per server, what runs before the gateway.
func placementProblems(app *caddyhttp.App) []string {
	var problems []string
	names := make([]string, 0, len(app.Servers))
	for name := range app.Servers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		srv := app.Servers[name]
		routes := routeNodes(srv.Routes)
		if !hasConsent(routes) {
			continue
		}
		if before := answerersBefore(routes); len(before) > 0 {
			problems = append(problems, fmt.Sprintf("server %s: handlers %s run before the consent handler, so their responses and Set-Cookie headers bypass it; "+
				"fix: make consent the first handler of the site's routes (only vars, map, rewrite, encode, non-deferred headers and the like may come before it)",
				name, strings.Join(before, ", ")))
		}
		if srv.Errors == nil || len(srv.Errors.Routes) == 0 {
			continue
		}
		errs := routeNodes(srv.Errors.Routes)
		if before := answerersBefore(errs); len(before) > 0 || !hasConsent(errs) {
			what := "the error routes have no consent handler"
			if hasConsent(errs) {
				what = "handlers " + strings.Join(before, ", ") + " in the error routes run before the consent handler"
			}
			problems = append(problems, fmt.Sprintf("server %s: %s, so error pages and their Set-Cookie headers bypass the gateway; "+
				"fix: add the site's consent handler (same configuration) as the first route of errors.routes, as the Caddyfile adapter does", name, what))
		}
	}
	return problems
}

// handlerNode and routeNode are the parts of a route list placement
// needs, read from raw JSON or from provisioned handlers (routes the app
// provisioned before the current handler have dropped their JSON).
type handlerNode struct {
	name     string
	deferred bool        // a headers handler that acts at WriteHeader
	routes   []routeNode // a subroute's routes
}

type routeNode struct {
	hostScoped bool // matched by host: another site when it has no consent
	handlers   []handlerNode
}

func routeNodes(list caddyhttp.RouteList) []routeNode {
	nodes := make([]routeNode, 0, len(list))
	for _, r := range list {
		n := routeNode{hostScoped: rawHostScoped(r.MatcherSetsRaw) || typedHostScoped(r.MatcherSets)}
		if len(r.HandlersRaw) > 0 {
			for _, raw := range r.HandlersRaw {
				n.handlers = append(n.handlers, rawHandlerNode(raw))
			}
		} else {
			for _, h := range r.Handlers {
				n.handlers = append(n.handlers, typedHandlerNode(h))
			}
		}
		nodes = append(nodes, n)
	}
	return nodes
}

func rawHostScoped(sets caddyhttp.RawMatcherSets) bool {
	for _, set := range sets {
		if _, ok := set["host"]; ok {
			return true
		}
	}
	return false
}

func typedHostScoped(sets caddyhttp.MatcherSets) bool {
	for _, set := range sets {
		for _, m := range set {
			switch m.(type) {
			case caddyhttp.MatchHost, *caddyhttp.MatchHost:
				return true
			}
		}
	}
	return false
}

func rawHandlerNode(raw json.RawMessage) handlerNode {
	var h struct {
		Handler  string            `json:"handler"`
		Routes   []json.RawMessage `json:"routes"`
		Response *struct {
			Deferred bool            `json:"deferred"`
			Require  json.RawMessage `json:"require"`
		} `json:"response"`
	}
	if json.Unmarshal(raw, &h) != nil {
		return handlerNode{name: "?"}
	}
	n := handlerNode{name: h.Handler}
	if h.Response != nil && (h.Response.Deferred || len(h.Response.Require) > 0) {
		n.deferred = true
	}
	if h.Handler == "subroute" {
		var sub struct {
			Routes caddyhttp.RouteList `json:"routes"`
		}
		if json.Unmarshal(raw, &sub) == nil {
			n.routes = routeNodes(sub.Routes)
		}
	}
	return n
}

func typedHandlerNode(h caddyhttp.MiddlewareHandler) handlerNode {
	n := handlerNode{name: caddy.GetModuleName(h)}
	switch v := h.(type) {
	case *caddyhttp.Subroute:
		n.routes = routeNodes(v.Routes)
	case *headers.Handler:
		n.deferred = v.Response != nil && (v.Response.Deferred || v.Response.Require != nil)
	}
	return n
}

func hasConsent(routes []routeNode) bool {
	for _, r := range routes {
		for _, h := range r.handlers {
			if h.name == "consent" || hasConsent(h.routes) {
				return true
			}
		}
	}
	return false
}

// passive handlers neither answer nor add Set-Cookie behind the gateway's
// back when they run before it: they set variables, rewrite the request,
// or wrap the writer outside the gateway (encode compresses what the
// gateway already checked).
var passive = map[string]bool{
	"vars": true, "map": true, "rewrite": true, "request_body": true, "tracing": true,
	"log_append": true, "encode": true, "push": true, "templates": true, "headers": true,
}

// answerersBefore lists, in order, the handlers that can answer and run
// before the first consent handler. Host-scoped routes without consent are
// other sites and are skipped.
func answerersBefore(routes []routeNode) []string {
	var found []string
	var walk func(routes []routeNode) bool
	walk = func(routes []routeNode) bool {
		for _, r := range routes {
			if r.hostScoped && !hasConsent([]routeNode{r}) {
				continue
			}
			for _, h := range r.handlers {
				switch {
				case h.name == "consent":
					return true
				case h.name == "subroute":
					if walk(h.routes) {
						return true
					}
				case h.name == "headers" && h.deferred:
					found = append(found, "a deferred headers handler")
				case !passive[h.name]:
					found = append(found, h.name)
				}
			}
		}
		return false
	}
	walk(routes)
	return found
}
