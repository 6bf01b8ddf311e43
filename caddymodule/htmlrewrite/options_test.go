package htmlrewrite

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// checkSplits runs in with opts whole, split at every point, one byte at a
// time and randomly, and asserts the same output and Inserted every time.
// It returns the whole-run result.
func checkSplits(t *testing.T, in []byte, opts Options) result {
	t.Helper()
	return checkSplitsRand(t, in, opts, rand.New(rand.NewSource(int64(len(in)))), 20)
}

// checkSplitsRand is checkSplits with the random splits drawn from rng.
func checkSplitsRand(t *testing.T, in []byte, opts Options, rng *rand.Rand, rounds int) result {
	t.Helper()
	want := run(t, in, opts)
	check := func(sizes []int) {
		t.Helper()
		got := run(t, in, opts, sizes...)
		if !bytes.Equal(got.out, want.out) || got.head != want.head || got.body != want.body {
			t.Fatalf("split %v: got %q (%v,%v), want %q (%v,%v)", sizes, got.out, got.head, got.body, want.out, want.head, want.body)
		}
	}
	for k := 0; k <= len(in); k++ {
		check([]int{k})
	}
	ones := make([]int, len(in))
	for k := range ones {
		ones[k] = 1
	}
	check(ones)
	for range rounds {
		check(randomSizes(rng, len(in)))
	}
	return want
}

var documentOnlyCases = []struct {
	name, in, want string // want "" means: unchanged, nothing inserted
}{
	{"doctype", "<!DOCTYPE html><html><head></head><body>x", "<!DOCTYPE html><html><head>{H}</head><body>{B}x"},
	{"bom, blanks and comments before a lower-case doctype", "\xEF\xBB\xBF \n<!-- c --> <!doctype html><p>x", "\xEF\xBB\xBF \n<!-- c --> <!doctype html>{H}{B}<p>x"},
	{"html first", "<html><p>x", "<html>{H}{B}<p>x"},
	{"head first", "<head><title>t</title>", "<head>{H}<title>t</title>{B}"},
	{"body first, upper case", "<BODY class=a>x", "{H}<BODY class=a>{B}x"},
	{"html alone: inserted at EOF", "<html>", "<html>{H}{B}"},
	{"doctype alone", "<!DocType html>", "<!DocType html>{H}{B}"},
	{"empty", "", ""},
	{"blank", " \r\n\t", ""},
	{"comment only", "<!-- x -->", ""},
	{"div fragment", "<div id=a>x</div>", ""},
	{"table row fragment", "<tr><td>1</td></tr>", ""},
	{"text fragment", "hello <b>world</b>", ""},
	{"single byte", "x", ""},
	{"stray less-than", "< html>", ""},
	{"end tag first", "</div><html><body>", ""},
	{"comment then fragment", "<!-- partial --><div>x</div>", ""},
	{"processing instruction then fragment", "<?xml version=\"1.0\"?><div>x</div>", ""},
	{"not quite a doctype", "<!DOCTYP html><div>", ""},
	{"template fragment", "<template><body></template>", ""},
	{"meta first", "<meta charset=utf-8><title>x</title>", ""},
	{"bom then fragment", "\xEF\xBB\xBF<div>", ""},
	{"broken bom", "\xEFx<html>", ""},
	{"utf-8 bom alone", "\xEF\xBB\xBF", ""},
}

func TestDocumentOnly(t *testing.T) {
	for _, c := range documentOnlyCases {
		t.Run(c.name, func(t *testing.T) {
			opts := testOpts()
			opts.DocumentOnly = true
			res := checkSplits(t, []byte(c.in), opts)
			want := c.in
			if c.want != "" {
				want = strings.NewReplacer("{H}", testHead, "{B}", testBanner).Replace(c.want)
			}
			if string(res.out) != want {
				t.Fatalf("got  %q\nwant %q", res.out, want)
			}
			if ins := c.want != ""; res.head != ins || res.body != ins {
				t.Errorf("Inserted() = %v, %v, want %v", res.head, res.body, ins)
			}
		})
	}
}

// TestDocumentOnlyTagsInFragments: a fragment gets no snippet but its
// tags are still rewritten.
func TestDocumentOnlyTagsInFragments(t *testing.T) {
	opts := testOpts()
	opts.DocumentOnly = true
	opts.Tags = &fakeRewriter{}
	res := checkSplits(t, []byte(`<div><img src=a><script>tracker()</script></div>`), opts)
	if want := `<div><IMG SRC=A><script>/*blocked*/</script></div>`; string(res.out) != want {
		t.Fatalf("got %q, want %q", res.out, want)
	}
}

// looksLikeDocument is the DocumentOnly rule computed with x/net/html's
// tokenizer: the first token that is not a comment or whitespace text is a
// DOCTYPE or an html, head or body start tag.
func looksLikeDocument(doc []byte) bool {
	z := html.NewTokenizer(bytes.NewReader(bytes.TrimPrefix(doc, []byte("\xEF\xBB\xBF"))))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return false
		case html.CommentToken:
		case html.TextToken:
			if len(bytes.Trim(z.Text(), " \t\n\f\r")) > 0 {
				return false
			}
		case html.DoctypeToken:
			return true
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "html", "head", "body":
				return true
			}
			return false
		default:
			return false
		}
	}
}

// TestDocumentOnlyCorpus: over the html5lib corpus and the table cases,
// DocumentOnly gives either the input unchanged (when x/net/html's first
// token says fragment) or exactly the output without DocumentOnly.
func TestDocumentOnlyCorpus(t *testing.T) {
	var docs [][]byte
	for _, c := range tableCases {
		docs = append(docs, []byte(c.in))
	}
	for _, c := range readHTML5lib(t) {
		docs = append(docs, c.data)
	}
	rng := rand.New(rand.NewSource(7))
	for _, doc := range docs {
		if bytes.HasPrefix(doc, []byte{0xFE, 0xFF}) || bytes.HasPrefix(doc, []byte{0xFF, 0xFE}) {
			continue // UTF-16: disabled either way
		}
		opts := testOpts()
		full := run(t, doc, opts)
		opts.DocumentOnly = true
		got := run(t, doc, opts)
		if split := run(t, doc, opts, randomSizes(rng, len(doc))...); !bytes.Equal(split.out, got.out) {
			t.Fatalf("%q: split output differs", doc)
		}
		want, wantIns := doc, false
		if looksLikeDocument(doc) {
			want, wantIns = full.out, full.head || full.body
		}
		if !bytes.Equal(got.out, want) || (got.head || got.body) != wantIns {
			t.Errorf("%q (document: %v):\n got %q\nwant %q", doc, looksLikeDocument(doc), got.out, want)
		}
	}
}

// oversizeRewriter is elemRewriter (scripts mentioning "track" become inert
// through their start tag) plus <img> rewriting and OversizedTag.
type oversizeRewriter struct {
	elemRewriter
	calls []string
}

func (o *oversizeRewriter) WantTag(name string) bool { return name == "script" || name == "img" }

func (o *oversizeRewriter) RewriteTag(name string, raw []byte) []byte {
	if name == "img" && bytes.Contains(raw, []byte("track")) {
		return append([]byte("<img data-blocked"), raw[len("<img"):]...)
	}
	return nil
}

func (o *oversizeRewriter) OversizedTag(name string) []byte {
	o.calls = append(o.calls, name)
	switch name {
	case "script":
		return []byte(` type="text/plain"`)
	case "img":
		return []byte(` data-oversized`)
	}
	return nil
}

func TestOversizeRewriter(t *testing.T) {
	long := strings.Repeat("x", 100)
	cases := []struct {
		name, in, want string
		calls          []string
	}{
		{"small tags are rewritten as usual",
			`<p><img src=track.gif><script>track()</script>`,
			`<p><img data-blocked src=track.gif><script type="text/plain">track()</script>`, nil},
		{"oversized wanted start tag",
			`<p><img src="track.gif?` + long + `" alt=a>x`,
			`<p><img data-oversized src="track.gif?` + long + `" alt=a>x`, []string{"img"}},
		{"name case kept, insertion after it",
			`<p><IMG` + "\n" + `src="` + long + `">`,
			`<p><IMG data-oversized` + "\n" + `src="` + long + `">`, []string{"img"}},
		{"oversized start tag of an element with text",
			`<script src="` + long + `">x</script>`,
			`<script type="text/plain" src="` + long + `">x</script>`, []string{"script"}},
		{"oversized inline text, start tag still held",
			`<script id=s>` + long + `</script><p>`,
			`<script type="text/plain" id=s>` + long + `</script><p>`, []string{"script"}},
		{"oversized text never ended",
			`<script>` + long,
			`<script type="text/plain">` + long, []string{"script"}},
		{"unwanted oversized tag untouched",
			`<p><div title="` + long + `">x</div>`,
			`<p><div title="` + long + `">x</div>`, nil},
		{"end tag not affected",
			`<p></img title="` + long + `">`,
			`<p></img title="` + long + `">`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := &oversizeRewriter{}
			opts := Options{Tags: o, MaxHold: 64}
			res := checkSplits(t, []byte(c.in), opts)
			if string(res.out) != c.want {
				t.Fatalf("got  %q\nwant %q", res.out, c.want)
			}
			// One call per run: the whole run was the first.
			o.calls = nil
			run(t, []byte(c.in), opts, 7, 13)
			if strings.Join(o.calls, ",") != strings.Join(c.calls, ",") {
				t.Errorf("OversizedTag calls %q, want %q", o.calls, c.calls)
			}
		})
	}
}

// replacingRewriter replaces the start tag of every script (RewriteTag), so
// an oversized text comes after a start tag already emitted.
type replacingRewriter struct{ oversizeRewriter }

func (r *replacingRewriter) RewriteTag(name string, raw []byte) []byte {
	return append([]byte("<script data-seen"), raw[len("<script"):]...)
}

func TestOversizedTextAfterEmittedStartTag(t *testing.T) {
	in := `<script>` + strings.Repeat("track ", 30) + `</script>`
	r := &replacingRewriter{}
	res := checkSplits(t, []byte(in), Options{Tags: r, MaxHold: 64})
	if want := `<script data-seen>` + strings.Repeat("track ", 30) + `</script>`; string(res.out) != want {
		t.Fatalf("got %q, want %q", res.out, want)
	}
	if len(r.calls) != 0 {
		t.Errorf("OversizedTag called for a start tag already emitted: %q", r.calls)
	}
}
