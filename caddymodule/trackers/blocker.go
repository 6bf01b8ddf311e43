package trackers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/consentgate/caddy-consent/caddymodule/policy"
)

// BlockRule is one same-origin collection endpoint the gateway answers
// itself instead of forwarding it upstream.
type BlockRule struct {
	Name     string
	Category string // the category a visitor must grant for the request to pass

	// Path is matched against the request path as servers resolve it (see
	// "Path matching" on Blocker). It is either a glob, where '*' stands for
	// any run of bytes including '/' and '?' for one byte (policy.GlobMatch:
	// "/g/collect", "/_vercel/insights/*", "*/matomo.php"), or an RE2
	// regular expression between slashes ("/^/stats/[a-z]+\.php$/"); a
	// regular expression is anchored only as written. Both match
	// case-insensitively. A glob is normalized like a request path, so
	// "/tr/" and "/tr" are the same rule.
	Path string

	// Query conditions, all of which must hold: the first value of the key
	// must equal the value, or the key must be present when the value is
	// "*". Keys and values compare case-insensitively ("TID" is "tid").
	Query map[string]string

	// Method restricts the rule to one HTTP method ("" = any); compared
	// case-insensitively.
	Method string

	// Response is "gif" (200 with a 1×1 transparent GIF), "204", or "" for
	// a GIF when the request looks like an image request (Accept image/*,
	// Sec-Fetch-Dest: image, or a path ending in .gif, .png, .jpg) and 204
	// otherwise.
	Response string
}

func (r BlockRule) clone() BlockRule {
	if r.Query != nil {
		q := make(map[string]string, len(r.Query))
		for k, v := range r.Query {
			q[k] = v
		}
		r.Query = q
	}
	return r
}

// Response kinds.
const (
	ResponseGIF       = "gif"
	ResponseNoContent = "204"
)

type pathKind uint8

const (
	pathExact  pathKind = iota // no wildcard
	pathPrefix                 // "lit*"
	pathSuffix                 // "*lit"
	pathGlob                   // anything else with '*'
	pathRegexp
)

type compiledRule struct {
	rule   *BlockRule
	kind   pathKind
	lit    string // exact path, prefix or suffix
	glob   string
	re     *regexp.Regexp
	prefix string // literal prefix every matching path starts with
	query  []queryCond
	method string
	order  int // position in the rules given to NewBlocker
}

type queryCond struct{ key, value string }

// Blocker matches requests against block rules. Build one with NewBlocker;
// it is safe for concurrent use.
//
// # Path matching
//
// A collector must not be reachable under another spelling of its path, so
// rules match the path the way the servers in front of which the gateway
// runs resolve it, erring on the side of blocking:
//
//   - percent-escapes left in the (already once decoded) path are decoded
//     once more, "%2F" included, as IIS, PHP's PATH_INFO and Apache with
//     AllowEncodedSlashes do ("/g%2Fcollect" is "/g/collect");
//   - '\' is a '/' (IIS);
//   - ";params" are removed from every segment ("/matomo.php;x" is
//     "/matomo.php"), as servlet containers and many routers do;
//   - empty segments and "." are dropped and ".." removes the segment before
//     it ("/g//collect", "/x/../g/collect");
//   - a trailing '/' is ignored ("/g/collect/");
//   - a script name followed by PATH_INFO matches as the script: every
//     prefix of the path ending in a segment with a '.' in it is tried too
//     ("/matomo.php/x" is "/matomo.php", "/x/pixel.gif/y" is
//     "/x/pixel.gif"), since PHP, CGI and Apache's AcceptPathInfo run the
//     script for it;
//   - letters compare case-insensitively ("/MATOMO.PHP", "/x/Beacon"):
//     IIS, and any server on a case-insensitive file system (Windows,
//     macOS) or whose PHP script lookup goes through one, serve the same
//     file for every spelling. On a case-sensitive upstream this blocks a
//     few requests that would have been 404s anyway.
type Blocker struct {
	rules []*compiledRule
	// bySeg indexes rules whose literal prefix contains the whole first
	// path segment ("/.well-known/..." → ".well-known"); the rest are in
	// always.
	bySeg  map[string][]*compiledRule // keys lower-case
	always []*compiledRule
}

// NewBlocker compiles rules (copied: later changes to them have no effect).
func NewBlocker(rules []BlockRule) (*Blocker, error) {
	b := &Blocker{bySeg: map[string][]*compiledRule{}}
	for _, r := range rules {
		c, err := compileRule(r)
		if err != nil {
			return nil, err
		}
		c.order = len(b.rules)
		b.rules = append(b.rules, c)
		if seg, ok := firstSegment(c.prefix, c.kind == pathExact); ok {
			seg = strings.ToLower(seg)
			b.bySeg[seg] = append(b.bySeg[seg], c)
		} else {
			b.always = append(b.always, c)
		}
	}
	return b, nil
}

// BlockRulesOf collects the block rules of vendors, filling an empty rule
// Category from its vendor.
func BlockRulesOf(vendors []Vendor) []BlockRule {
	var out []BlockRule
	for _, v := range vendors {
		for _, r := range v.BlockRules {
			r = r.clone()
			if r.Category == "" {
				r.Category = v.Category
			}
			out = append(out, r)
		}
	}
	return out
}

// Len returns the number of rules.
func (b *Blocker) Len() int { return len(b.rules) }

func compileRule(r BlockRule) (*compiledRule, error) {
	rule := r.clone()
	c := &compiledRule{rule: &rule, method: strings.ToUpper(r.Method)}
	name := r.Name
	if name == "" {
		name = r.Path
	}
	switch r.Response {
	case "", ResponseGIF, ResponseNoContent:
	default:
		return nil, fmt.Errorf("block rule %q: response %q: want \"gif\", \"204\" or empty", name, r.Response)
	}
	if r.Category == "" {
		return nil, fmt.Errorf("block rule %q: no category", name)
	}
	p := r.Path
	switch {
	case p == "":
		return nil, fmt.Errorf("block rule %q: empty path", name)
	case len(p) >= 2 && p[0] == '/' && p[len(p)-1] == '/' && !strings.Contains(p[1:len(p)-1], "*") && looksLikeRegexp(p):
		re, err := regexp.Compile(p[1 : len(p)-1])
		if err != nil {
			return nil, fmt.Errorf("block rule %q: path %s: %v", name, p, err)
		}
		if re, err = regexp.Compile("(?i)" + p[1:len(p)-1]); err != nil {
			return nil, fmt.Errorf("block rule %q: path %s: %v", name, p, err)
		}
		c.kind, c.re, c.prefix = pathRegexp, re, policy.AnchoredLiteralPrefix(p[1:len(p)-1])
	case p[0] != '/' && p[0] != '*':
		return nil, fmt.Errorf("block rule %q: path %q must start with / or *", name, p)
	default:
		p = normalizePattern(p)
		w := strings.IndexAny(p, "*?")
		switch {
		case w < 0:
			c.kind, c.lit = pathExact, p
		case w == len(p)-1 && p[w] == '*':
			c.kind, c.lit = pathPrefix, p[:w]
		case w == 0 && p[0] == '*' && !strings.ContainsAny(p[1:], "*?"):
			c.kind, c.lit = pathSuffix, p[1:]
		default:
			c.kind, c.glob = pathGlob, p
		}
		if w < 0 {
			c.prefix = p
		} else {
			c.prefix = p[:w]
		}
	}
	for k, v := range r.Query {
		if k == "" {
			return nil, fmt.Errorf("block rule %q: empty query key", name)
		}
		c.query = append(c.query, queryCond{k, v})
	}
	return c, nil
}

// looksLikeRegexp tells "/re/" from a glob path ending in '/': a path
// like "/tr/" is a glob unless it contains regexp syntax.
func looksLikeRegexp(p string) bool {
	return strings.ContainsAny(p[1:len(p)-1], `^$\[]()|+?{}`)
}

// firstSegment returns the first path segment of every path starting with
// prefix, if prefix determines it.
func firstSegment(prefix string, exact bool) (string, bool) {
	if !strings.HasPrefix(prefix, "/") {
		return "", false
	}
	rest := prefix[1:]
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[:i], true
	}
	if exact {
		return rest, true
	}
	return "", false
}

// Match returns the first rule (in the order given to NewBlocker) matching
// the request. query may be nil when no rule has query conditions; see
// MatchRequest to parse it only when needed. A request no rule's path
// matches costs a map lookup plus the rules with a leading wildcard, and
// does not allocate.
func (b *Blocker) Match(method, path string, query url.Values) (*BlockRule, bool) {
	c := b.match(method, path, query, nil)
	if c == nil {
		return nil, false
	}
	return c.rule, true
}

// MatchRequest is Match for an *http.Request; the query string is parsed
// only when a rule's path matches and the rule has query conditions.
func (b *Blocker) MatchRequest(r *http.Request) (*BlockRule, bool) {
	c := b.match(r.Method, r.URL.Path, nil, r)
	if c == nil {
		return nil, false
	}
	return c.rule, true
}

func (b *Blocker) match(method, path string, q url.Values, req *http.Request) *compiledRule {
	if b == nil || len(b.rules) == 0 {
		return nil
	}
	np := normalizePath(path)
	best := b.matchOne(method, np, &q, req, nil)
	// PATH_INFO: "/matomo.php/x" runs /matomo.php.
	for i := 1; i < len(np); i++ {
		if np[i] != '/' {
			continue
		}
		seg := np[strings.LastIndexByte(np[:i], '/')+1 : i]
		if strings.IndexByte(seg, '.') > 0 {
			best = b.matchOne(method, np[:i], &q, req, best)
		}
	}
	return best
}

// matchOne returns the earliest rule matching path (already normalized), or
// best when that comes first.
func (b *Blocker) matchOne(method, path string, q *url.Values, req *http.Request, best *compiledRule) *compiledRule {
	if len(path) > 1 && path[0] == '/' {
		seg := path[1:]
		if i := strings.IndexByte(seg, '/'); i >= 0 {
			seg = seg[:i]
		}
		var buf [64]byte
		if len(seg) <= len(buf) {
			for i := 0; i < len(seg); i++ {
				buf[i] = lowerASCII(seg[i])
			}
			for _, c := range b.bySeg[string(buf[:len(seg)])] {
				if (best == nil || c.order < best.order) && c.matchPath(path) && c.matchRest(method, q, req) {
					best = c
				}
			}
		} else {
			for _, c := range b.bySeg[strings.ToLower(seg)] {
				if (best == nil || c.order < best.order) && c.matchPath(path) && c.matchRest(method, q, req) {
					best = c
				}
			}
		}
	}
	for _, c := range b.always {
		if (best == nil || c.order < best.order) && c.matchPath(path) && c.matchRest(method, q, req) {
			best = c
		}
	}
	return best
}

func (c *compiledRule) matchPath(p string) bool {
	switch c.kind {
	case pathExact:
		return equalFoldASCII(p, c.lit)
	case pathPrefix:
		return len(p) >= len(c.lit) && equalFoldASCII(p[:len(c.lit)], c.lit)
	case pathSuffix:
		return len(p) >= len(c.lit) && equalFoldASCII(p[len(p)-len(c.lit):], c.lit)
	case pathGlob:
		return policy.GlobMatchFold(c.glob, p)
	case pathRegexp:
		return len(p) >= len(c.prefix) && equalFoldASCII(p[:len(c.prefix)], c.prefix) && c.re.MatchString(p)
	}
	return false
}

func (c *compiledRule) matchRest(method string, q *url.Values, req *http.Request) bool {
	if c.method != "" && !strings.EqualFold(method, c.method) {
		return false
	}
	if len(c.query) == 0 {
		return true
	}
	if *q == nil && req != nil {
		*q = req.URL.Query()
	}
	for _, qc := range c.query {
		vs, ok := lookupFold(*q, qc.key)
		if !ok {
			return false
		}
		if qc.value != "*" && (len(vs) == 0 || !strings.EqualFold(vs[0], qc.value)) {
			return false
		}
	}
	return true
}

// lookupFold returns the values of key, compared case-insensitively; an
// exact spelling is found without a scan. When several spellings are
// present ("tid" and "TID"), the exact one wins, else any.
func lookupFold(q url.Values, key string) ([]string, bool) {
	if vs, ok := q[key]; ok {
		return vs, true
	}
	for k, vs := range q {
		if strings.EqualFold(k, key) {
			return vs, true
		}
	}
	return nil, false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFoldASCII reports whether a and b are equal with ASCII letters
// compared case-insensitively.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] && lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

// normalizePath returns p as servers resolve it (see "Path matching" on
// Blocker). A path that needs nothing but a trailing '/' removed is
// returned without allocating.
func normalizePath(p string) string {
	if !needsNormalizing(p) {
		if len(p) > 1 && p[len(p)-1] == '/' {
			return p[:len(p)-1]
		}
		return p
	}
	if strings.IndexByte(p, '%') >= 0 {
		p = percentDecode(p)
	}
	p = strings.ReplaceAll(p, "\\", "/")
	abs := strings.HasPrefix(p, "/")
	var segs []string
	for seg := range strings.SplitSeq(p, "/") {
		if i := strings.IndexByte(seg, ';'); i >= 0 {
			seg = seg[:i]
		}
		switch seg {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, seg)
		}
	}
	out := strings.Join(segs, "/")
	if abs || out == "" {
		out = "/" + out
	}
	return out
}

// needsNormalizing reports whether p has anything normalizePath changes
// besides a trailing '/'.
func needsNormalizing(p string) bool {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '%', ';', '\\':
			return true
		case '/':
			if i+1 < len(p) && p[i+1] == '/' {
				return true
			}
			if rest := p[i+1:]; rest == "." || rest == ".." || strings.HasPrefix(rest, "./") || strings.HasPrefix(rest, "../") {
				return true
			}
		case '.':
			if i == 0 && (p == "." || p == ".." || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../")) {
				return true
			}
		}
	}
	return false
}

// percentDecode decodes every valid %XX escape once; invalid ones stay.
func percentDecode(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]) {
			b.WriteByte(unhex(p[i+1])<<4 | unhex(p[i+2]))
			i += 2
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// normalizePattern normalizes the literal parts of a glob rule path like a
// request path: duplicate slashes and a trailing '/' go ("/tr/" is "/tr").
// Wildcards are kept as written.
func normalizePattern(p string) string {
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	if len(p) > 1 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	return p
}

// ResponseKind returns ResponseGIF or ResponseNoContent for this request.
func (r *BlockRule) ResponseKind(req *http.Request) string {
	switch r.Response {
	case ResponseGIF, ResponseNoContent:
		return r.Response
	}
	if imageLike(req) {
		return ResponseGIF
	}
	return ResponseNoContent
}

func imageLike(req *http.Request) bool {
	if req.Header.Get("Sec-Fetch-Dest") == "image" {
		return true
	}
	for _, a := range req.Header.Values("Accept") {
		if strings.Contains(strings.ToLower(a), "image/") {
			return true
		}
	}
	p := strings.ToLower(req.URL.Path)
	return strings.HasSuffix(p, ".gif") || strings.HasSuffix(p, ".png") || strings.HasSuffix(p, ".jpg")
}

// Respond answers req for this rule: a 1×1 transparent GIF (200) or 204 No
// Content, never cached.
func (r *BlockRule) Respond(w http.ResponseWriter, req *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if r.ResponseKind(req) == ResponseNoContent {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.Set("Content-Type", "image/gif")
	h.Set("Content-Length", strconv.Itoa(len(transparentGIF)))
	w.WriteHeader(http.StatusOK)
	if req.Method != http.MethodHead {
		_, _ = w.Write(transparentGIF)
	}
}

// transparentGIF is a 1×1 GIF89a whose only pixel is transparent.
var transparentGIF = []byte{
	'G', 'I', 'F', '8', '9', 'a',
	0x01, 0x00, 0x01, 0x00, // 1×1
	0x80, 0x00, 0x00, // global colour table of 2 entries, background 0, no aspect
	0x00, 0x00, 0x00, 0xff, 0xff, 0xff, // black, white
	0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, // graphic control: colour 0 transparent
	0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, // image descriptor
	0x02, 0x02, 0x44, 0x01, 0x00, // LZW minimum code size 2, one sub-block, end
	0x3b, // trailer
}

// TransparentGIF returns a fresh copy of the 43-byte 1×1 transparent GIF.
func TransparentGIF() []byte { return append([]byte(nil), transparentGIF...) }
