package auditreport

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// toSchema2 rewrites a schema 1 log as a gateway of schema 2 would have
// logged it: every decision event becomes an enforcement event with one
// entry (blocked as an object), everything else only changes its schema.
func toSchema2(t *testing.T, log string) string {
	t.Helper()
	lists := map[string]string{
		"cookie_stripped": "stripped", "cookie_filtered": "filtered", "cookie_expired": "expired",
		"tag_neutralized": "neutralized", "request_blocked": "blocked",
	}
	var out strings.Builder
	for _, line := range strings.SplitAfter(log, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil || m["logger"] != LoggerName {
			out.WriteString(line)
			continue
		}
		m["schema"] = 2
		if list, ok := lists[m["msg"].(string)]; ok {
			it := map[string]any{}
			for _, k := range []string{"cookie", "category", "vendor", "rule", "tag"} {
				if v, ok := m[k]; ok {
					it[k] = v
					delete(m, k)
				}
			}
			m["msg"] = "enforcement"
			if list == "blocked" {
				m[list] = it
			} else {
				m[list] = []any{it}
			}
			m["categories"] = []any{it["category"]}
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(b)
		out.WriteString("\n")
	}
	return out.String()
}

// comparable strips what legitimately differs between the schemas: event
// names and counts, schema versions, per-file figures.
func comparableJSON(t *testing.T, r *Report) string {
	t.Helper()
	r.Files, r.EventCounts, r.SchemaVersions, r.Warnings = nil, nil, nil, nil
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSchema1And2SameReport(t *testing.T) {
	tl := newTally()
	g := newGen(11, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "report", "x", tl)
	g.random(1200)
	g.mode = "enforce"
	g.random(1200)
	old := g.buf.String()
	neu := toSchema2(t, old)
	if !strings.Contains(neu, `"msg":"enforcement"`) || strings.Contains(neu, `"msg":"cookie_stripped"`) {
		t.Fatal("conversion did nothing")
	}
	a1, a2 := New(Options{}), New(Options{})
	a1.Add("old", strings.NewReader(old))
	a2.Add("new", strings.NewReader(neu))
	r1, r2 := a1.Report(), a2.Report()
	if r2.SchemaVersions[2] == 0 || r1.WouldOnly == 0 {
		t.Fatalf("schemas %v, would_only %d", r2.SchemaVersions, r1.WouldOnly)
	}
	for _, w := range r2.Warnings {
		if strings.Contains(w, "newer than this tool") {
			t.Errorf("schema 2 is not understood: %s", w)
		}
	}
	j1, j2 := comparableJSON(t, r1), comparableJSON(t, r2)
	if j1 != j2 {
		t.Errorf("schema 2 report differs from schema 1:\n%s\n----\n%s", j1, j2)
	}
}

const enforcementLines = `{"level":"info","ts":1795860000,"logger":"http.handlers.consent","msg":"enforcement","schema":2,"consent_id":"","policy_version":"1","mode":"report","host":"a.example","path":"/","stripped":[{"cookie":"_ga","category":"analytics"},{"cookie":"","category":"unclassified","malformed":true}],"filtered":[{"cookie":"n0","category":"unclassified"}],"filtered_total":7000,"neutralized":[{"vendor":"ga4","category":"analytics","tag":"script"},{"vendor":"ga4","category":"analytics","tag":"img"}],"blocked":{"rule":"meta-tr","category":"advertising"},"categories":["advertising","analytics","unclassified"],"would_only":true,"status":200}
{"level":"info","ts":1795860060,"logger":"http.handlers.consent","msg":"enforcement_summary","schema":2,"since":"2026-11-28T06:00:00Z","until":"2026-11-28T06:01:00Z","responses":100,"counters":[{"decision":"stripped","category":"analytics","cookie":"_ga","count":100},{"decision":"neutralized","category":"advertising","vendor":"meta-pixel","count":40},{"decision":"filtered","cookie":"other","count":5},{"decision":"blocked","category":"analytics","rule":"ga4-collect","count":3,"would_only":true}]}
{"level":"info","ts":1795860070,"logger":"http.handlers.consent","msg":"cookie_unclassified","schema":2,"consent_id":"","policy_version":"1","mode":"report","host":"a.example","path":"/login","cookie":"myapp_sess","applied":"strip","seen_in":"set_cookie","http_only":true,"secure":true,"same_site":"Lax","session":true,"path_attr":"/"}
{"level":"info","ts":1795860080,"logger":"http.handlers.consent","msg":"tracker_unclassified","schema":2,"consent_id":"","policy_version":"1","mode":"report","host":"a.example","path":"/blog","tracker_host":"cdn.newtracker.example","tag":"script"}
`

func TestSchema2Events(t *testing.T) {
	a := New(Options{})
	a.Add("new", strings.NewReader(enforcementLines))
	r := a.Report()
	if r.BadLines != 0 {
		t.Fatalf("bad lines: %+v", r.BadSamples)
	}
	rm := map[string]CategoryRemovals{}
	for _, x := range r.Removals {
		rm[x.Category] = x
	}
	if x := rm["analytics"]; x.Stripped != 101 || x.Neutralized != 2 || x.Blocked != 3 || x.WouldOnly != 6 {
		t.Errorf("analytics removals %+v", x)
	}
	if x := rm["advertising"]; x.Neutralized != 40 || x.Blocked != 1 || x.WouldOnly != 1 {
		t.Errorf("advertising removals %+v", x)
	}
	// 6999 filtered beyond the one listed, 5 summary overflow.
	if r.Unitemized != 6999+5 {
		t.Errorf("unitemized = %d", r.Unitemized)
	}
	// report-mode decisions: 2 stripped + 1 filtered + 6999 unnamed + 2 tags + 1 blocked, then 3 summary.
	if r.WouldOnly != 2+1+6999+2+1+3 {
		t.Errorf("would_only = %d", r.WouldOnly)
	}
	var sess *CookieStats
	for i := range r.Inventory {
		if r.Inventory[i].Name == "other" {
			t.Error("summary overflow counted as a cookie named other")
		}
		if r.Inventory[i].Name == "myapp_sess" {
			sess = &r.Inventory[i]
		}
	}
	if sess == nil || sess.Attributes == nil || !sess.Attributes.HTTPOnly || !sess.Attributes.Session || sess.Attributes.SameSite != "Lax" {
		t.Errorf("myapp_sess attributes: %+v", sess)
	}
	if len(r.UnclassifiedTrackers) != 1 || r.UnclassifiedTrackers[0].Host != "cdn.newtracker.example" ||
		strings.Join(r.UnclassifiedTrackers[0].Pages, ",") != "/blog" {
		t.Errorf("trackers %+v", r.UnclassifiedTrackers)
	}
	var text bytes.Buffer
	if err := r.Write(&text, "text"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"cdn.newtracker.example", "Unitemized:      7004 decisions"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q", want)
		}
	}
}

// A fleet's merged stream on standard input gives the report of the
// instances' files read one by one.
func TestStdinMergedStreamSameReport(t *testing.T) {
	dir := t.TempDir()
	tl := newTally()
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	ga := newGen(21, start, "enforce", "a", tl)
	ga.random(700)
	gb := newGen(22, start.Add(time.Hour), "report", "b", tl)
	gb.random(700)
	pa, pb := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")
	writeFile(t, pa, []byte(toSchema2(t, ga.buf.String())), false)
	writeFile(t, pb, gb.buf.Bytes(), true) // an old instance, rotated and gzipped: still one stream each

	files, err := ReadFiles(Options{ConsentIDs: []string{trackedID}}, pa, pb)
	if err != nil {
		t.Fatal(err)
	}
	// cat a.log b.log | caddy consent audit -  (b.log decompressed first, as zcat would)
	cat := filepath.Join(dir, "cat.log")
	writeFile(t, cat, append([]byte(toSchema2(t, ga.buf.String())), gb.buf.Bytes()...), false)
	f, err := os.Open(cat)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	saved := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = saved }()
	stdin, err := ReadFiles(Options{ConsentIDs: []string{trackedID}}, "-")
	if err != nil {
		t.Fatal(err)
	}
	if stdin.Files[0].Name != "(stdin)" {
		t.Errorf("stdin file name %q", stdin.Files[0].Name)
	}
	files.Files, stdin.Files = nil, nil
	j1, _ := json.Marshal(files)
	j2, _ := json.Marshal(stdin)
	if !bytes.Equal(j1, j2) {
		t.Errorf("merged stdin report differs from per-file report:\n%s\n%s", j1, j2)
	}
}
