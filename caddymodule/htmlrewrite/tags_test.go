package htmlrewrite

import (
	"bytes"
	"math/rand"
	"os"
	"runtime"
	"strings"
	"testing"
)

// fakeRewriter upper-cases <img> and <iframe> start tags and replaces the
// text of scripts that mention "tracker". It records what it was given and
// does not allocate in steady state.
type fakeRewriter struct {
	buf    []byte
	calls  []string // only when record is set
	record bool
}

var blocked = []byte("/*blocked*/")

func (f *fakeRewriter) WantTag(name string) bool { return name == "img" || name == "iframe" }

func (f *fakeRewriter) RewriteTag(name string, raw []byte) []byte {
	if f.record {
		f.calls = append(f.calls, "tag "+name+" "+string(raw))
	}
	f.buf = f.buf[:0]
	for _, c := range raw {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		f.buf = append(f.buf, c)
	}
	return f.buf
}

func (f *fakeRewriter) WantText(name string, startTag []byte) bool {
	if f.record {
		f.calls = append(f.calls, "want "+name+" "+string(startTag))
	}
	return name == "script" || name == "noscript"
}

func (f *fakeRewriter) RewriteText(name string, startTag, text []byte) []byte {
	if f.record {
		f.calls = append(f.calls, "text "+name+" "+string(startTag)+" "+string(text))
	}
	if bytes.Contains(text, []byte("tracker")) {
		return blocked
	}
	return nil
}

var tagCases = []struct {
	name, in, want string
	calls          []string
}{
	{"img and script",
		`<html><head><script src=a.js></script><script>tracker()</script></head><body><p>x<img src="a.png" alt='>'>y</p><script>ok()</script></body>`,
		`<html><head>{H}<script src=a.js></script><script>/*blocked*/</script></head><body>{B}<p>x<IMG SRC="A.PNG" ALT='>'>y</p><script>ok()</script></body>`,
		[]string{
			"want script <script src=a.js>",
			"text script <script src=a.js> ",
			"want script <script>",
			"text script <script> tracker()",
			`tag img <img src="a.png" alt='>'>`,
			"want script <script>",
			"text script <script> ok()",
		}},
	{"img creates body",
		`<head></head><img src=x><body>`,
		`<head>{H}</head>{B}<IMG SRC=X><body>`,
		[]string{"tag img <img src=x>"}},
	{"noscript text",
		`<body><noscript><img src=x tracker></noscript>`,
		`{H}<body>{B}<noscript>/*blocked*/</noscript>`,
		[]string{"want noscript <noscript>", "text noscript <noscript> <img src=x tracker>"}},
	{"iframe is raw text, text not wanted",
		`<body><iframe src=t><img src=x></iframe>`,
		`{H}<body>{B}<IFRAME SRC=T><img src=x></iframe>`,
		[]string{"tag iframe <iframe src=t>", "want iframe <IFRAME SRC=T>"}},
	{"double escaped script",
		`<body><script><!--<script>tracker()</script>--></script><img>`,
		`{H}<body>{B}<script>/*blocked*/</script><IMG>`,
		[]string{"want script <script>", "text script <script> <!--<script>tracker()</script>-->", "tag img <img>"}},
	{"escaped script ends at </script>",
		`<body><script><!--<script>tracker("</script>")</script>--></script><img>`,
		`{H}<body>{B}<script>/*blocked*/</script>--></script><IMG>`,
		[]string{"want script <script>", "text script <script> <!--<script>tracker(\"</script>\")", "tag img <img>"}},
	{"script end tag variants",
		"<body><script type=x>tracker</SCRIPT\n data=\">\"><script>tracker</script/>",
		"{H}<body>{B}<script type=x>/*blocked*/</SCRIPT\n data=\">\"><script>/*blocked*/</script/>",
		[]string{"want script <script type=x>", "text script <script type=x> tracker", "want script <script>", "text script <script> tracker"}},
	{"unterminated script kept",
		`<body><script>tracker()`,
		`{H}<body>{B}<script>tracker()`,
		[]string{"want script <script>"}},
	{"unterminated img dropped",
		`<body><img src="x`,
		`{H}<body>{B}<img src="x`,
		nil},
	{"svg script is not raw text",
		`<body><svg><script/><img src=x><script>tracker</script>`,
		`{H}<body>{B}<svg><script/><IMG SRC=X><script>/*blocked*/</script>`,
		[]string{"tag img <img src=x>", "want script <script>", "text script <script> tracker"}},
	{"svg style and title are not raw text",
		`<body><svg><title><img src=a></title><style><!--</style>--><img src=b></svg>`,
		`{H}<body>{B}<svg><title><IMG SRC=A></title><style><!--</style>--><IMG SRC=B></svg>`,
		[]string{"tag img <img src=a>", "tag img <img src=b>"}},
	{"svg foreignObject is html",
		`<body><svg><foreignObject><script>tracker</script></foreignObject><script>x</script></svg>`,
		`{H}<body>{B}<svg><foreignObject><script>/*blocked*/</script></foreignObject><script>x</script></svg>`,
		[]string{"want script <script>", "text script <script> tracker"}},
	{"math text integration point",
		`<body><math><mi><style>a</style></mi><mglyph><style><img></style></math><script>tracker</script>`,
		`{H}<body>{B}<math><mi><style>a</style></mi><mglyph><style><IMG></style></math><script>/*blocked*/</script>`,
		[]string{"want style <style>", "tag img <img>", "want script <script>", "text script <script> tracker"}},
	{"cdata in svg",
		`<body><svg><![CDATA[<img></svg>]]></svg><img>`,
		`{H}<body>{B}<svg><![CDATA[<img></svg>]]></svg><IMG>`,
		[]string{"tag img <img>"}},
	{"font breakout",
		`<body><svg><font color=red><style>x</style></svg>`,
		`{H}<body>{B}<svg><font color=red><style>x</style></svg>`,
		[]string{"want style <style>"}},
}

func TestTagRewriter(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, c := range tagCases {
		t.Run(c.name, func(t *testing.T) {
			want := strings.NewReplacer("{H}", testHead, "{B}", testBanner).Replace(c.want)
			f := &fakeRewriter{record: true}
			opts := testOpts()
			opts.Tags = f
			res := run(t, []byte(c.in), opts)
			if string(res.out) != want {
				t.Fatalf("output\n got: %q\nwant: %q", res.out, want)
			}
			if strings.Join(f.calls, "\n") != strings.Join(c.calls, "\n") {
				t.Fatalf("calls\n got: %q\nwant: %q", f.calls, c.calls)
			}
			in := []byte(c.in)
			splits := [][]int{}
			for k := 0; k <= len(in); k++ {
				splits = append(splits, []int{k})
			}
			for range 30 {
				splits = append(splits, randomSizes(rng, len(in)))
			}
			for _, s := range splits {
				f := &fakeRewriter{record: true}
				opts.Tags = f
				got := run(t, in, opts, s...)
				if string(got.out) != want {
					t.Fatalf("split %v:\n got: %q\nwant: %q", s, got.out, want)
				}
				if strings.Join(f.calls, "\n") != strings.Join(c.calls, "\n") {
					t.Fatalf("split %v: calls %q", s, f.calls)
				}
			}
		})
	}
}

func TestMaxHold(t *testing.T) {
	big := strings.Repeat("x", 100)
	in := `<body><img title="` + big + `"><img title="y"><script>tracker` + big + `</script><script>tracker</script>`
	want := `<body>` + testBanner + `<img title="` + big + `"><IMG TITLE="Y"><script>tracker` + big + `</script><script>/*blocked*/</script>`
	rng := rand.New(rand.NewSource(3))
	for k := 0; k < 200; k++ {
		f := &fakeRewriter{}
		opts := Options{BodyStart: []byte(testBanner), Tags: f, MaxHold: 64}
		var sizes []int
		if k > 0 {
			sizes = randomSizes(rng, len(in))
		}
		got := run(t, []byte(in), opts, sizes...)
		if string(got.out) != want {
			t.Fatalf("split %v:\n got: %q\nwant: %q", sizes, got.out, want)
		}
	}
	// A tag of exactly MaxHold bytes is still rewritten.
	tag := `<img title="` + strings.Repeat("x", 64-len(`<img title="">`)) + `">`
	got := run(t, []byte(tag), Options{Tags: &fakeRewriter{}, MaxHold: 64}, 3)
	if string(got.out) != strings.ToUpper(tag) {
		t.Fatalf("tag of MaxHold bytes: %q", got.out)
	}
	got = run(t, []byte(tag[:len(tag)-2]+`x">`), Options{Tags: &fakeRewriter{}, MaxHold: 64}, 3)
	if string(got.out) != tag[:len(tag)-2]+`x">` {
		t.Fatalf("tag of MaxHold+1 bytes: %q", got.out)
	}
}

type runtimeMem struct{ heap uint64 }

func (m *runtimeMem) read() {
	runtime.GC()
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	m.heap = s.HeapAlloc
}

func readPage(t testing.TB) []byte {
	b, err := os.ReadFile("testdata/page.html")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
