package integration

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/caddy-consent/internal/testcaddy"
)

var update = flag.Bool("update", false, "rewrite testdata/events.golden.json")

// TestEventShapesGolden pins the JSON shape of every audit event (the
// schema documented in docs/audit-log.md): known traffic produces each
// event once, volatile values (time, IDs, hashes, ports) are replaced by
// placeholders, and the result must equal the golden file. Run with
// -update after a deliberate schema change (and bump the schema version).
func TestEventShapesGolden(t *testing.T) {
	up, _ := trackerSite(t, "")
	g := testcaddy.Start(t, `http://{GATEWAY} {
	consent {
		policy_version 2026-11-28
		keys `+keyA+`
		preset ga4 meta-pixel generic-pixels
	}
	reverse_proxy `+strings.TrimPrefix(up.URL, "http://")+`
}`)
	ua := map[string]string{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Accept": "text/html"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range ua {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	do(t, "GET", g.URL+"/?secret=query", with(map[string]string{"Cookie": "consent=forged; _ga=1; unknown_thing=1"}), "") // invalid, filtered, stripped, unclassified, tags
	do(t, "GET", g.URL+"/pixel.gif", ua, "")                                                                              // blocked
	c, _, _ := post(t, g, url.Values{"choice": {"custom"}, "category": {"analytics"}}, with(nil))
	post(t, g, url.Values{"choice": {"reject_all"}}, with(map[string]string{"Cookie": c + "; _ga=1"})) // update + expired

	// The first event of each name; for the one enforcement event per
	// response, the first of each path (page, pixel, choice), so every
	// decision kind is pinned.
	wanted := []string{"consent_cookie_invalid", "cookie_unclassified", "consent_recorded", "banner_injected",
		"enforcement /", "enforcement /pixel.gif", "enforcement /_consent"}
	var first map[string]map[string]any
	for try := 0; try < 40; try++ { // an enforcement event is written when its response ends
		first = map[string]map[string]any{}
		for _, e := range g.Logs(t) {
			if lg := e.Str("logger"); lg != "http.handlers.consent" {
				continue
			}
			key := e.Str("msg")
			if key == "enforcement" {
				key += " " + e.Str("path")
			}
			if _, ok := first[key]; ok || key == "keys_generated" {
				continue
			}
			first[key] = normalize(e)
		}
		missing := false
		for _, want := range wanted {
			if _, ok := first[want]; !ok {
				missing = true
			}
		}
		if !missing {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	for _, want := range wanted {
		if _, ok := first[want]; !ok {
			t.Errorf("no %s event was logged", want)
		}
	}
	for _, kind := range []string{"stripped", "filtered", "expired", "neutralized", "blocked"} {
		if len(decisions(t, g, kind)) == 0 {
			t.Errorf("no enforcement event lists %s", kind)
		}
	}
	for _, old := range []string{"cookie_stripped", "cookie_filtered", "cookie_expired", "tag_neutralized", "request_blocked"} {
		for n := range first {
			if n == old {
				t.Errorf("schema 1 event %s is still logged", old)
			}
		}
	}
	names := make([]string, 0, len(first))
	for n := range first {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i, n := range names {
		var line bytes.Buffer
		enc := json.NewEncoder(&line) // map keys come out sorted
		enc.SetEscapeHTML(false)
		_ = enc.Encode(first[n])
		buf.WriteString("  ")
		buf.Write(bytes.TrimSuffix(line.Bytes(), []byte("\n")))
		if i < len(names)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]\n")
	const golden = "testdata/events.golden.json"
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -args -update to create it)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Errorf("audit event shapes changed:\n got %s\nwant %s", buf.String(), want)
	}
	if strings.Contains(buf.String(), "secret=query") || strings.Contains(buf.String(), "forged") {
		t.Error("query strings and cookie values must never reach the audit log")
	}
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

// normalize replaces values that differ from run to run.
func normalize(e map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range e {
		s, isStr := v.(string)
		switch {
		case k == "ts":
			out[k] = "<ts>"
		case k == "host":
			out[k] = "<host>"
		case (k == "consent_id" || k == "former_consent_id") && isStr && s != "":
			if len(s) != 32 {
				out[k] = "<bad consent id>"
			} else {
				out[k] = "<consent id>"
			}
		case k == "expires" || k == "issued_at":
			out[k] = "<time>"
		case (k == "banner_hash" || k == "config_hash") && isStr:
			if hexHash.MatchString(s) {
				out[k] = "<sha256>"
			} else {
				out[k] = "<bad hash>"
			}
		default:
			out[k] = v
		}
	}
	return out
}
