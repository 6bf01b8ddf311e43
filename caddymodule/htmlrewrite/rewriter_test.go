package htmlrewrite

import (
	"bytes"
	"errors"
	"io"
	"math/rand"
	"strings"
	"testing"
)

type tableCase struct {
	name string
	in   string
	// want is the expected output, with {H} for HeadStart and {B} for
	// BodyStart.
	want string
}

func (c tableCase) expected() string {
	return strings.NewReplacer("{H}", testHead, "{B}", testBanner).Replace(c.want)
}

var tableCases = []tableCase{
	{"basic",
		"<!DOCTYPE html><html><head><title>x</title></head><body><p>hi</p></body></html>",
		"<!DOCTYPE html><html><head>{H}<title>x</title></head><body>{B}<p>hi</p></body></html>"},
	{"upper case",
		"<!DOCTYPE HTML><HTML><HEAD><TITLE>x</TITLE></HEAD><BODY CLASS=\">\"><P>hi</BODY></HTML>",
		"<!DOCTYPE HTML><HTML><HEAD>{H}<TITLE>x</TITLE></HEAD><BODY CLASS=\">\">{B}<P>hi</BODY></HTML>"},
	{"mixed case and spaces in tag",
		"<Html LANG=en>\n<HeAd\n>\n</hEAD >\n<bOdY\tonload='a>b' >\n",
		"<Html LANG=en>\n<HeAd\n>{H}\n</hEAD >\n<bOdY\tonload='a>b' >{B}\n"},
	{"unquoted attribute ends at >",
		"<head></head><body class=a>b>",
		"<head>{H}</head><body class=a>{B}b>"},
	{"attributes containing </body> and <body>",
		"<head><meta content=\"</head><body>\"></head><body data-x='<body>' data-y=\"</body>\">x</body>",
		"<head>{H}<meta content=\"</head><body>\"></head><body data-x='<body>' data-y=\"</body>\">{B}x</body>"},
	{"body in attribute of head element",
		"<head><link href=\"<body>\" rel=x></head>\n<body>",
		"<head>{H}<link href=\"<body>\" rel=x></head>\n<body>{B}"},
	{"body in comment",
		"<html><head><!-- <body> --></head><body>",
		"<html><head>{H}<!-- <body> --></head><body>{B}"},
	{"body in comment with dashes",
		"<head><!-- a -- b <body> --- --!> <!-- x --!><body>",
		"<head>{H}<!-- a -- b <body> --- --!> <!-- x --!><body>{B}"},
	{"abrupt comments",
		"<head><!--><!---><body>",
		"<head>{H}<!--><!---><body>{B}"},
	{"comment ended by --!>",
		"<head><!-- <body> --!><body id=1>",
		"<head>{H}<!-- <body> --!><body id=1>{B}"},
	{"bogus comment ends at first >",
		"<head><!x <body>>",
		"<head>{H}<!x <body>{B}>"},
	{"processing instruction is a bogus comment",
		"<? <body> ?><body>",
		"<? <body> {H}{B}?><body>"},
	{"end tag open with space is a bogus comment",
		"<head></ <body>><body>",
		"<head>{H}</ <body>{B}><body>"},
	{"empty end tag is dropped",
		"<head></><body>",
		"<head>{H}</><body>{B}"},
	{"cdata is a bogus comment in html",
		"<head><![CDATA[<body>]]></head><body>",
		"<head>{H}<![CDATA[<body>{B}]]></head><body>"},
	{"body in script",
		"<head><script>document.write(\"<body>\")</script></head><body>",
		"<head>{H}<script>document.write(\"<body>\")</script></head><body>{B}"},
	{"script with escaped and double escaped",
		"<head><script><!--<script>x=\"<body>\"</script>--></script></head><body>",
		"<head>{H}<script><!--<script>x=\"<body>\"</script>--></script></head><body>{B}"},
	{"script escaped end tag after double escape",
		"<head><script><!--<script>x=\"</script><body>\"</script>--></script></head><body>",
		"<head>{H}<script><!--<script>x=\"</script><body>\"</script>{B}--></script></head><body>"},
	{"script escaped ends at </script>",
		"<head><script><!--x</script>--><body>",
		"<head>{H}<script><!--x</script>{B}--><body>"},
	{"script end tag with attributes",
		"<head><script>a</script x=\">\" ></head><body>",
		"<head>{H}<script>a</script x=\">\" ></head><body>{B}"},
	{"not an end tag in script",
		"<head><script>a</scripty><body></script ><body>",
		"<head>{H}<script>a</scripty><body></script ><body>{B}"},
	{"style and noscript",
		"<head><style>a{content:\"<body>\"}</style><noscript><body><img src=x></noscript></head><body>",
		"<head>{H}<style>a{content:\"<body>\"}</style><noscript><body><img src=x></noscript></head><body>{B}"},
	{"body in template",
		"<head><template><body><p>x</p><template></template></template></head><body class=real>",
		"<head>{H}<template><body><p>x</p><template></template></template></head><body class=real>{B}"},
	{"svg in template",
		"<head><template><svg><template><body></svg></template></head><body>",
		"<head>{H}<template><svg><template><body></svg></template></head><body>{B}"},
	{"body in textarea",
		"<textarea><body></textarea><body>",
		"{H}{B}<textarea><body></textarea><body>"},
	{"body in title",
		"<title><body></title><body id=x>",
		"{H}<title><body></title><body id=x>{B}"},
	{"no body",
		"<html><head><title>t</title></head><p>x</p></html>",
		"<html><head>{H}<title>t</title></head>{B}<p>x</p></html>"},
	{"no body, text",
		"<!DOCTYPE html>\n<title>t</title>\n  Hello",
		"<!DOCTYPE html>\n{H}<title>t</title>\n  {B}Hello"},
	{"no body content",
		"<html><head><title>t</title></head></html>",
		"<html><head>{H}<title>t</title></head>{B}</html>"},
	{"head only, unterminated",
		"<html><head><title>t</title></head>\n",
		"<html><head>{H}<title>t</title></head>\n{B}"},
	{"no </body>",
		"<html><body><p>x",
		"<html>{H}<body>{B}<p>x"},
	{"several bodies",
		"<body a=1><body b=2><p>x</p><body c=3>",
		"{H}<body a=1>{B}<body b=2><p>x</p><body c=3>"},
	{"body after body content",
		"<p>x</p><body class=late>",
		"{H}{B}<p>x</p><body class=late>"},
	{"utf-8 bom",
		"\xEF\xBB\xBF<!DOCTYPE html><head></head><body>",
		"\xEF\xBB\xBF<!DOCTYPE html><head>{H}</head><body>{B}"},
	{"utf-8 bom and text",
		"\xEF\xBB\xBFhi",
		"\xEF\xBB\xBF{H}{B}hi"},
	{"partial utf-8 bom is text",
		"\xEF\xBB<html><body>",
		"{H}{B}\xEF\xBB<html><body>"},
	{"lone 0xFE is text",
		"\xFE<template>",
		"{H}{B}\xFE<template>"},
	{"lone 0xFF at EOF is text",
		"\xFF",
		"{H}{B}\xFF"},
	{"utf-16 le bom",
		"\xFF\xFE<\x00b\x00o\x00d\x00y\x00>\x00",
		"\xFF\xFE<\x00b\x00o\x00d\x00y\x00>\x00"},
	{"utf-16 be bom",
		"\xFE\xFF\x00<\x00b\x00o\x00d\x00y\x00>",
		"\xFE\xFF\x00<\x00b\x00o\x00d\x00y\x00>"},
	{"crlf",
		"<!DOCTYPE html>\r\n<html>\r\n<head\r\n>\r\n</head>\r\n<body\r\nclass=\"a\">\r\n</body>\r\n",
		"<!DOCTYPE html>\r\n<html>\r\n<head\r\n>{H}\r\n</head>\r\n<body\r\nclass=\"a\">{B}\r\n</body>\r\n"},
	{"crlf ends script end tag",
		"<head><script>x</script\r\n></head><body>",
		"<head>{H}<script>x</script\r\n></head><body>{B}"},
	{"doctype lower case",
		"<!doctype html><body>",
		"<!doctype html>{H}<body>{B}"},
	{"doctype xhtml",
		"<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><head></head><body></body></html>",
		"<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><head>{H}</head><body>{B}</body></html>"},
	{"doctype legacy compat",
		"<!DOCTYPE html SYSTEM \"about:legacy-compat\"><html><body>",
		"<!DOCTYPE html SYSTEM \"about:legacy-compat\"><html>{H}<body>{B}"},
	{"doctype ends at > even when quoted",
		"<!DOCTYPE html \"a>b\"><body>",
		"<!DOCTYPE html \"a>{H}{B}b\"><body>"},
	{"head absent",
		"<html><meta charset=utf-8><title>x</title><body>",
		"<html>{H}<meta charset=utf-8><title>x</title><body>{B}"},
	{"head with attributes",
		"<html><head profile=\"x>y\" data-a=b><meta charset=utf-8></head><body>",
		"<html><head profile=\"x>y\" data-a=b>{H}<meta charset=utf-8></head><body>{B}"},
	{"head after implied head is ignored",
		"<meta charset=utf-8><head><body>",
		"{H}<meta charset=utf-8><head><body>{B}"},
	{"body directly after html",
		"<html><body><h1>x</h1></body></html>",
		"<html>{H}<body>{B}<h1>x</h1></body></html>"},
	{"self-closing body",
		"<html><body/><p>",
		"<html>{H}<body/>{B}<p>"},
	{"empty document", "", "{H}{B}"},
	{"only whitespace", " \n\t", " \n\t{H}{B}"},
	{"only text", "hello", "{H}{B}hello"},
	{"character reference creates body", "<head></head>&nbsp;x", "<head>{H}</head>{B}&nbsp;x"},
	{"lone < is text", "<html>< p", "<html>{H}{B}< p"},
	{"< at end is text", "<html><", "<html>{H}{B}<"},
	{"</ at end is text", "<html></", "<html>{H}{B}</"},
	{"</br> creates body", "<head></head></br>", "<head>{H}</head>{B}</br>"},
	{"</body> creates body", "<head></head></body>x", "<head>{H}</head>{B}</body>x"},
	{"</head> creates head", "</head><body>", "{H}</head><body>{B}"},
	{"ignored end tag", "<html></p><body>", "<html></p>{H}<body>{B}"},
	{"svg creates body", "<head></head><svg><body></svg>", "<head>{H}</head>{B}<svg><body></svg>"},
	{"plaintext", "<plaintext><body>", "{H}{B}<plaintext><body>"},
	{"noscript in head", "<head><noscript><body></noscript>x", "<head>{H}<noscript><body></noscript>{B}x"},
	{"noscript after head", "<head></head><noscript><body></noscript>", "<head>{H}</head>{B}<noscript><body></noscript>"},
	{"frameset has no body", "<frameset><frame src=a></frameset><body>", "{H}<frameset><frame src=a></frameset><body>"},
	{"unterminated comment", "<head><!-- x", "<head>{H}<!-- x"},
	{"unterminated title", "<title>x", "{H}<title>x"},
	{"unterminated tag", "<head><meta a=\"b", "<head>{H}<meta a=\"b"},
	{"unterminated tag name", "<head><met", "<head>{H}{B}<met"},
	{"unterminated end tag name", "<head></hea", "<head>{H}{B}</hea"},
	{"unterminated template", "<template>", "{H}<template>"},
	{"custom element", "<head></head><my-element-with-a-rather-long-name-that-goes-on-and-on-and-on-for-a-while>", "<head>{H}</head>{B}<my-element-with-a-rather-long-name-that-goes-on-and-on-and-on-for-a-while>"},
	{"nul and non-ascii", "<head></head>\x00é", "<head>{H}</head>{B}\x00é"},
}

func TestTable(t *testing.T) {
	for _, c := range tableCases {
		t.Run(c.name, func(t *testing.T) {
			opts := testOpts()
			res := run(t, []byte(c.in), opts)
			if want := c.expected(); string(res.out) != want {
				t.Fatalf("output\n got: %q\nwant: %q", res.out, want)
			}
			if res.head != strings.Contains(c.want, "{H}") || res.body != strings.Contains(c.want, "{B}") {
				t.Errorf("Inserted() = %v, %v", res.head, res.body)
			}
			if res.disabled != strings.HasPrefix(c.name, "utf-16") {
				t.Errorf("Disabled() = %v", res.disabled)
			}
			checkRemoval(t, []byte(c.in), res, opts)
			if res.disabled {
				return
			}
			checkTokens(t, []byte(c.in), res, opts)
			count, inBody, hasBody := bannerPlacement(res.out)
			switch {
			case res.body && (count != 1 || !inBody):
				t.Errorf("banner count %d, in body %v", count, inBody)
			case res.body && !bannerFirstInBody(res.out):
				t.Errorf("banner is not the first child of the body")
			case !res.body && hasBody && count != 0:
				t.Errorf("not inserted but banner count %d", count)
			}
		})
	}
}

func TestSplitInvariance(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, c := range tableCases {
		t.Run(c.name, func(t *testing.T) {
			checkSplitsRand(t, []byte(c.in), testOpts(), rng, 50)
		})
	}
}

func TestWriteErrors(t *testing.T) {
	r := New(&errWriter{n: 10}, testOpts())
	if _, err := r.Write([]byte("<html><head></head><body>")); err == nil {
		t.Fatal("want error from dst")
	}
	if _, err := r.Write([]byte("x")); err == nil {
		t.Fatal("want sticky error")
	}
	if err := r.Close(); err == nil {
		t.Fatal("want error from Close")
	}

	r = New(io.Discard, testOpts())
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

func TestReset(t *testing.T) {
	var a, b bytes.Buffer
	r := New(&a, testOpts())
	r.Write([]byte("<head><script>x"))
	r.Reset(&b, Options{BodyStart: []byte("[B]")})
	r.Write([]byte("<body>x"))
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "<body>[B]x" {
		t.Fatalf("after Reset: %q", got)
	}
	// The head insertion point (before <body>) counts even with no HeadStart.
	if h, bd := r.Inserted(); !h || !bd {
		t.Fatalf("Inserted() = %v, %v", h, bd)
	}
}

// TestFlush checks that everything that need not be held has been written
// when Write returns.
func TestFlush(t *testing.T) {
	var out bytes.Buffer
	r := New(&out, testOpts())
	r.Write([]byte("<html><head><title>x</title></head><body><p>Hello <b"))
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "<html><head>" + testHead + "<title>x</title></head><body>" + testBanner + "<p>Hello <b"
	if out.String() != want {
		t.Fatalf("after Flush: %q", out.String())
	}
	// Before the body is found, only a partial tag name is held.
	out.Reset()
	r.Reset(&out, testOpts())
	r.Write([]byte("<html><he"))
	if out.String() != "<html>" {
		t.Fatalf("partial name: %q", out.String())
	}
	r.Write([]byte("ad>"))
	if out.String() != "<html><head>"+testHead {
		t.Fatalf("partial name: %q", out.String())
	}
}

// TestBoundedMemory pushes 50 MB of an unterminated comment, attribute value
// and script in 32 KB chunks and checks the heap does not grow.
func TestBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	cases := []struct {
		name   string
		prefix string
		fill   byte
		tags   TagRewriter
	}{
		{"comment", "<html><head><!--", 'a', nil},
		{"attribute", "<html><body><div title=\"", 'a', nil},
		{"held tag", "<html><body><img title=\"", 'a', &fakeRewriter{}},
		{"held script", "<html><body><script>", 'a', &fakeRewriter{}},
		{"plaintext", "<plaintext>", '<', &fakeRewriter{}},
		{"script of <", "<html><body><script>", '<', &fakeRewriter{}},
		{"escaped script of -", "<html><body><script><!--", '-', &fakeRewriter{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			chunk := bytes.Repeat([]byte{c.fill}, 32<<10)
			r := New(io.Discard, Options{BodyStart: []byte(testBanner), Tags: c.tags})
			r.Write([]byte(c.prefix))
			var before, after runtimeMem
			before.read()
			for n := 0; n < 50<<20; n += len(chunk) {
				if _, err := r.Write(chunk); err != nil {
					t.Fatal(err)
				}
			}
			after.read()
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if growth := int64(after.heap) - int64(before.heap); growth > 4<<20 {
				t.Fatalf("heap grew by %d bytes", growth)
			}
			if len(r.hold) > DefaultMaxHold+len(chunk) || cap(r.hold) > 4*DefaultMaxHold {
				t.Fatalf("hold buffer len %d cap %d", len(r.hold), cap(r.hold))
			}
		})
	}
}

func TestZeroAllocs(t *testing.T) {
	page := readPage(t)
	for _, tags := range []TagRewriter{nil, &fakeRewriter{}} {
		r := New(io.Discard, testOpts())
		opts := testOpts()
		opts.Tags = tags
		allocs := testing.AllocsPerRun(20, func() {
			r.Reset(io.Discard, opts)
			for p := page; len(p) > 0; {
				n := min(len(p), 4096)
				r.Write(p[:n])
				p = p[n:]
			}
			r.Close()
		})
		if allocs != 0 {
			t.Errorf("tags=%v: %v allocs per page", tags != nil, allocs)
		}
	}
}
