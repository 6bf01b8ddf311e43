package htmlrewrite

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

const (
	testHead   = `<meta name="consent-head">`
	testBanner = `<div id="consent-banner-test"></div>`
	bannerID   = "consent-banner-test"
)

func testOpts() Options {
	return Options{HeadStart: []byte(testHead), BodyStart: []byte(testBanner)}
}

type result struct {
	out        []byte
	head, body bool
	disabled   bool
}

// run feeds doc to a new Rewriter in chunks of the given sizes (the rest in
// one final chunk) and closes it.
func run(t testing.TB, doc []byte, opts Options, sizes ...int) result {
	t.Helper()
	var out bytes.Buffer
	r := New(&out, opts)
	rest := doc
	for _, n := range sizes {
		if n > len(rest) {
			n = len(rest)
		}
		write(t, r, rest[:n])
		rest = rest[n:]
	}
	write(t, r, rest)
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	h, b := r.Inserted()
	return result{out: out.Bytes(), head: h, body: b, disabled: r.Disabled()}
}

func write(t testing.TB, r *Rewriter, p []byte) {
	t.Helper()
	// Write must not keep or modify p: hand it a copy and scribble over it.
	c := append([]byte(nil), p...)
	n, err := r.Write(c)
	if err != nil || n != len(p) {
		t.Fatalf("Write(%d bytes) = %d, %v", len(p), n, err)
	}
	for i := range c {
		c[i] = '#'
	}
}

// randomSizes splits n bytes into random chunk sizes (many 1-byte ones).
func randomSizes(rng *rand.Rand, n int) []int {
	var s []int
	for n > 0 {
		k := 1 + rng.Intn(8)
		if rng.Intn(4) == 0 {
			k = 1 + rng.Intn(64)
		}
		if k > n {
			k = n
		}
		s = append(s, k)
		n -= k
	}
	return s
}

// checkRemoval asserts that removing one occurrence of each inserted snippet
// from out gives in back.
func checkRemoval(t testing.TB, in []byte, res result, opts Options) {
	t.Helper()
	var snippets [][]byte
	if res.head && len(opts.HeadStart) > 0 {
		snippets = append(snippets, opts.HeadStart)
	}
	if res.body && len(opts.BodyStart) > 0 {
		snippets = append(snippets, opts.BodyStart)
	}
	if !removable(res.out, in, snippets) {
		t.Fatalf("output minus snippets != input\n in: %q\nout: %q", in, res.out)
	}
}

func removable(out, in []byte, snippets [][]byte) bool {
	if len(snippets) == 0 {
		return bytes.Equal(out, in)
	}
	if len(out) != len(in)+totalLen(snippets) {
		return false
	}
	s := snippets[0]
	for off := 0; ; {
		k := bytes.Index(out[off:], s)
		if k < 0 {
			return false
		}
		k += off
		rest := append(append([]byte(nil), out[:k]...), out[k+len(s):]...)
		if removable(rest, in, snippets[1:]) {
			return true
		}
		off = k + 1
	}
}

func totalLen(b [][]byte) int {
	n := 0
	for _, s := range b {
		n += len(s)
	}
	return n
}

// bannerPlacement parses doc with x/net/html and returns how many div
// elements carry the banner id, whether all of them are inside the body
// element (and not inside a template), and
// whether the document has a body element at all.
func bannerPlacement(doc []byte) (count int, inBody, hasBody bool) {
	root, err := parse(doc)
	if err != nil {
		return 0, false, false
	}
	inBody = true
	var walk func(n *html.Node, underBody bool)
	walk = func(n *html.Node, underBody bool) {
		if n.Type == html.ElementNode && n.Namespace == "" && n.Data == "body" {
			hasBody = true
			underBody = true
		}
		if n.Type == html.ElementNode && n.Namespace == "" && n.Data == "template" {
			// Template contents are not rendered: not "in the body".
			underBody = false
		}
		if n.Type == html.ElementNode && n.Namespace == "" && n.Data == "div" {
			for _, a := range n.Attr {
				if a.Namespace == "" && a.Key == "id" && a.Val == bannerID {
					count++
					if !underBody {
						inBody = false
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, underBody)
		}
	}
	walk(root, false)
	return count, inBody && count > 0, hasBody
}

// parse parses doc like a browser: x/net/html does not drop a leading UTF-8
// BOM (browsers do when decoding), so it is removed first.
func parse(doc []byte) (*html.Node, error) {
	return html.Parse(bytes.NewReader(bytes.TrimPrefix(doc, []byte("\xEF\xBB\xBF"))))
}

// bannerFirstInBody reports whether the banner is the first child node of
// the body element.
func bannerFirstInBody(doc []byte) bool {
	root, err := parse(doc)
	if err != nil {
		return false
	}
	var body *html.Node
	var find func(n *html.Node)
	find = func(n *html.Node) {
		if body == nil && n.Type == html.ElementNode && n.Namespace == "" && n.Data == "body" {
			body = n
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(root)
	if body == nil || body.FirstChild == nil {
		return false
	}
	c := body.FirstChild
	if c.Type != html.ElementNode || c.Data != "div" {
		return false
	}
	for _, a := range c.Attr {
		if a.Key == "id" && a.Val == bannerID {
			return true
		}
	}
	return false
}

// tokens tokenizes doc with x/net/html's tokenizer, merging adjacent text.
func tokens(doc []byte) []string {
	z := html.NewTokenizer(bytes.NewReader(doc))
	var toks []string
	text := ""
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		if tt == html.TextToken {
			text += tok.Data
			continue
		}
		if text != "" {
			toks = append(toks, "T:"+text)
			text = ""
		}
		toks = append(toks, fmt.Sprintf("%d:%s", tt, tok.String()))
	}
	if text != "" {
		toks = append(toks, "T:"+text)
	}
	return toks
}

// checkTokens asserts that the tokens of out are the tokens of in with the
// tokens of the inserted snippets spliced in (each snippet once, where
// adjacent text tokens are merged).
func checkTokens(t testing.TB, in []byte, res result, opts Options) {
	t.Helper()
	want := tokens(in)
	got := tokens(res.out)
	var snips [][]string
	if res.head && len(opts.HeadStart) > 0 {
		snips = append(snips, tokens(opts.HeadStart))
	}
	if res.body && len(opts.BodyStart) > 0 {
		snips = append(snips, tokens(opts.BodyStart))
	}
	if !spliced(got, want, snips) {
		t.Fatalf("tokens of output are not tokens of input + snippet tokens\n in: %q\nout: %q\n got: %q\nwant: %q", in, res.out, got, want)
	}
}

func spliced(got, want []string, snips [][]string) bool {
	if len(snips) == 0 {
		return equalStrings(mergeText(got), mergeText(want))
	}
	s := snips[0]
	for k := 0; k+len(s) <= len(got); k++ {
		if equalStrings(got[k:k+len(s)], s) {
			rest := append(append([]string(nil), got[:k]...), got[k+len(s):]...)
			if spliced(rest, want, snips[1:]) {
				return true
			}
		}
	}
	return false
}

func mergeText(toks []string) []string {
	var out []string
	for _, t := range toks {
		if strings.HasPrefix(t, "T:") && len(out) > 0 && strings.HasPrefix(out[len(out)-1], "T:") {
			out[len(out)-1] += t[2:]
			continue
		}
		out = append(out, t)
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// errWriter fails after n bytes.
type errWriter struct{ n int }

func (w *errWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, io.ErrShortWrite
	}
	w.n -= len(p)
	return len(p), nil
}
