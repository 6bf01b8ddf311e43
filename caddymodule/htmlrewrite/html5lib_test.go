package htmlrewrite

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// html5libDir returns the html5lib tree-construction corpus that ships with
// golang.org/x/net (a dependency of this module), located with the go
// command. When it cannot be found the test is skipped, or fails under
// CI=true: a conformance test must never silently not run in CI.
func html5libDir(t *testing.T) string {
	t.Helper()
	missing := func(format string, args ...any) string {
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("CI") == "true" {
			t.Fatalf("html5lib corpus: %s (CI=true: failing instead of skipping)", msg)
		}
		t.Skipf("html5lib corpus: %s; skipping", msg)
		return ""
	}
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		goCmd = "go"
	}
	out, err := exec.Command(goCmd, "list", "-m", "-f", "{{.Dir}}", "golang.org/x/net").Output()
	if err != nil {
		return missing("go list -m golang.org/x/net: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "html", "testdata", "html5lib-tests", "tree-construction")
	if _, err := os.Stat(dir); err != nil {
		return missing("%v (is the golang.org/x/net module downloaded? go mod download golang.org/x/net)", err)
	}
	return dir
}

type html5libCase struct {
	name     string // file.dat#index
	data     []byte
	fragment bool
}

func readHTML5lib(t *testing.T) []html5libCase {
	t.Helper()
	dir := html5libDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.dat"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("html5lib corpus at %s: only %d .dat files", dir, len(files))
	}
	var cases []html5libCase
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		var cur *html5libCase
		inData := false
		var data []string
		n := 0
		flush := func() {
			if cur != nil {
				cases = append(cases, *cur)
			}
		}
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "#data":
				flush()
				cur = &html5libCase{name: fmt.Sprintf("%s#%d", filepath.Base(file), n)}
				n++
				inData, data = true, nil
			case cur == nil:
			case inData && line == "#errors":
				// The data is every line up to #errors, final newline removed.
				cur.data = []byte(strings.Join(data, "\n"))
				inData = false
			case inData:
				data = append(data, line)
			case line == "#document-fragment":
				cur.fragment = true
			}
		}
		flush()
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return cases
}

// html5libAllowlist lists corpus documents whose banner check is not
// expected to pass, with the reason. Keep it small.
var html5libAllowlist = map[string]string{}

// TestHTML5lib runs every #data document of the html5lib tree-construction
// corpus through the rewriter and checks with x/net/html that the banner is
// in the body exactly once, and that removing it gives the input back.
func TestHTML5lib(t *testing.T) {
	cases := readHTML5lib(t)
	opts := Options{BodyStart: []byte(testBanner)}
	rng := rand.New(rand.NewSource(4))
	var total, fragments, noBody, refused, checked, allowed int
	for _, c := range cases {
		total++
		if c.fragment {
			fragments++
			continue
		}
		res := run(t, c.data, opts)
		checkRemoval(t, c.data, res, opts)
		// Split invariance on the corpus too, with a random split.
		if split := run(t, c.data, opts, randomSizes(rng, len(c.data))...); !bytes.Equal(split.out, res.out) {
			t.Errorf("%s: split output differs\n got %q\nwant %q", c.name, split.out, res.out)
		}
		msg := checkPlacement(c.data, res)
		reason, listed := html5libAllowlist[c.name]
		switch {
		case listed:
			allowed++
			if msg == "" {
				t.Errorf("%s: allowlisted (%s) but passes; remove it from the list", c.name, reason)
			}
			continue
		case msg == noBodyMsg:
			noBody++
			continue
		case msg == refusedMsg:
			refused++
			t.Logf("%s: not inserted (EOF inside an unterminated construct before body content): %q", c.name, c.data)
			continue
		case msg != "":
			t.Errorf("%s: %s", c.name, msg)
			continue
		}
		checkTokens(t, c.data, res, opts)
		checked++
	}
	t.Logf("html5lib: %d documents: %d checked, %d fragments skipped, %d without body skipped, %d not insertable at EOF, %d allowlisted",
		total, checked, fragments, noBody, refused, allowed)
}

const (
	noBodyMsg  = "no body"
	refusedMsg = "refused"
)

// checkPlacement checks with x/net/html where BodyStart (testBanner) went.
// It returns "" if the banner is in the body exactly once, noBodyMsg if the
// input's parse has no body element (framesets) and the banner is not in
// the output, refusedMsg if the banner was not inserted and appending it
// at EOF would not put it in the body either, else a failure message.
func checkPlacement(in []byte, res result) string {
	if _, _, hasBody := bannerPlacement(in); !hasBody {
		if n, _, _ := bannerPlacement(res.out); n != 0 {
			return fmt.Sprintf("banner in a document without body: %q", res.out)
		}
		return noBodyMsg
	}
	if !res.body {
		app := append(append([]byte(nil), in...), testBanner...)
		if n, inBody, _ := bannerPlacement(app); n == 1 && inBody {
			return fmt.Sprintf("not inserted, but appending at EOF would have worked: %q", in)
		}
		return refusedMsg
	}
	if count, inBody, _ := bannerPlacement(res.out); count != 1 || !inBody {
		return fmt.Sprintf("banner count %d, in body %v\n in: %q\nout: %q", count, inBody, in, res.out)
	}
	if !bannerFirstInBody(res.out) {
		return fmt.Sprintf("banner is not the first child of the body\n in: %q\nout: %q", in, res.out)
	}
	return ""
}
