package auditreport

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// field is one key/value of a generated log line, kept in order like zap
// writes them.
type field struct {
	k string
	v any
}

// tally is what the generator wrote: the counts the report must find.
type tally struct {
	events, other, bad int64
	byEvent            map[string]int64
	actions            map[string]int64
	perDay             map[string]int64
	granted, decisions map[string]int64
	stripped           map[string]int64 // by cookie
	filtered           map[string]int64
	expired            map[string]int64
	reports            map[string]int64 // cookie_unclassified by cookie
	invalid            map[string]int64
	blocked            map[string]int64 // by rule
	wouldOnly          int64
}

func newTally() *tally {
	return &tally{
		byEvent: map[string]int64{}, actions: map[string]int64{}, perDay: map[string]int64{},
		granted: map[string]int64{}, decisions: map[string]int64{},
		stripped: map[string]int64{}, filtered: map[string]int64{}, expired: map[string]int64{},
		reports: map[string]int64{}, invalid: map[string]int64{}, blocked: map[string]int64{},
	}
}

// gen writes the log of one gateway instance.
type gen struct {
	rng      *rand.Rand
	buf      bytes.Buffer
	t        *tally
	ts       time.Time
	mode     string
	instance string
}

var allCategories = []string{"necessary", "functional", "analytics", "advertising"}

var cookieTable = []struct{ name, category string }{
	{"_ga", "analytics"},
	{"_gid", "analytics"},
	{"_fbp", "advertising"},
	{"theme", "functional"},
	{"mystery_tracker", "unknown"},
	{"zz_widget", "unknown"},
}

func newGen(seed int64, start time.Time, mode, instance string, t *tally) *gen {
	return &gen{rng: rand.New(rand.NewSource(seed)), t: t, ts: start, mode: mode, instance: instance}
}

func (g *gen) advance() {
	// Around 1000 events a day on average.
	g.ts = g.ts.Add(time.Duration(g.rng.Int63n(int64(170 * time.Second))))
}

func epoch(ts time.Time) json.RawMessage {
	return json.RawMessage(fmt.Sprintf("%d.%06d", ts.Unix(), ts.Nanosecond()/1000))
}

func (g *gen) line(level, msg string, fields ...field) {
	var b bytes.Buffer
	b.WriteString(`{"level":"` + level + `","ts":` + string(epoch(g.ts)) + `,"logger":"http.handlers.consent","msg":"` + msg + `"`)
	for _, f := range fields {
		v, err := json.Marshal(f.v)
		if err != nil {
			panic(err)
		}
		b.WriteString(`,"` + f.k + `":`)
		b.Write(v)
	}
	b.WriteString("}\n")
	g.buf.Write(b.Bytes())
	g.t.events++
	g.t.byEvent[msg]++
}

func (g *gen) common(consentID string) []field {
	return []field{
		{"schema", 1}, {"consent_id", consentID}, {"policy_version", "2026-11-28"}, {"mode", g.mode},
		{"host", "shop.example"}, {"path", "/products"}, {"client_ip", "203.0.113.0/24"}, {"browser", "Firefox"},
	}
}

func (g *gen) id() string {
	return fmt.Sprintf("%016x%016x", g.rng.Uint64(), g.rng.Uint64())
}

func (g *gen) consent(id, action string, granted []string) {
	set := map[string]bool{"necessary": true}
	for _, c := range granted {
		set[c] = true
	}
	var gr, de []string
	for _, c := range allCategories {
		g.t.decisions[c]++
		if set[c] {
			gr = append(gr, c)
			g.t.granted[c]++
		} else {
			de = append(de, c)
		}
	}
	if de == nil {
		de = []string{}
	}
	g.t.actions[action]++
	g.t.perDay[g.ts.UTC().Format("2006-01-02")]++
	g.line("info", "consent_recorded", append(g.common(id),
		field{"action", action}, field{"method", "banner"}, field{"granted", gr}, field{"denied", de},
		field{"previously_granted", []string{"necessary"}}, field{"banner_hash", "b4nn3r"}, field{"config_hash", "c0nf1g"},
		field{"expires", epoch(g.ts.Add(182 * 24 * time.Hour))})...)
}

func (g *gen) cookieEvent(msg, id string) {
	var c = cookieTable[g.rng.Intn(len(cookieTable))]
	if msg == "cookie_expired" && c.category == "unknown" {
		c = cookieTable[0] // only classified cookies are expired
	}
	fields := append(g.common(id), field{"cookie", c.name}, field{"category", c.category})
	wouldOnly := g.mode == "report"
	if msg == "cookie_filtered" || wouldOnly {
		fields = append(fields, field{"would_only", wouldOnly})
	}
	if wouldOnly {
		g.t.wouldOnly++
	}
	switch msg {
	case "cookie_stripped":
		g.t.stripped[c.name]++
	case "cookie_filtered":
		g.t.filtered[c.name]++
	case "cookie_expired":
		g.t.expired[c.name]++
	}
	g.line("info", msg, fields...)
}

func (g *gen) unclassified(name string) {
	g.t.reports[name]++
	g.line("info", "cookie_unclassified", append(g.common(""), field{"cookie", name}, field{"applied", "strip"})...)
}

func (g *gen) invalid(reason string) {
	fields := append(g.common(""), field{"reason", reason})
	if reason == "old_policy_version" {
		fields = append(fields, field{"cookie_policy_version", "2025-01-01"}, field{"former_consent_id", g.id()})
	}
	g.t.invalid[reason]++
	g.line("info", "consent_cookie_invalid", fields...)
}

func (g *gen) blocked(id string) {
	if g.rng.Intn(2) == 0 {
		g.t.blocked["google-analytics"]++
		g.line("info", "request_blocked", append(g.common(id), field{"rule", "google-analytics"}, field{"category", "analytics"})...)
		return
	}
	g.t.blocked["meta-pixel"]++
	g.line("info", "tag_neutralized", append(g.common(id), field{"rule", "meta-pixel"}, field{"category", "advertising"},
		field{"vendor", "Meta"}, field{"tag", "script"})...)
}

func (g *gen) accessLog() {
	g.t.other++
	fmt.Fprintf(&g.buf, `{"level":"info","ts":%s,"logger":"http.log.access.log0","msg":"handled request","request":{"method":"GET","uri":"/products?id=%d","headers":{"Cookie":["REDACTED"]}},"status":200,"cookie":{"odd":"type"}}`+"\n",
		epoch(g.ts), g.rng.Intn(1000))
}

// random writes n random events, some access log lines in between.
func (g *gen) random(n int) {
	var ids []string
	for i := 0; i < n; i++ {
		g.advance()
		if g.rng.Intn(6) == 0 {
			g.accessLog()
		}
		switch p := g.rng.Intn(100); {
		case p < 30:
			var granted []string
			for _, c := range []struct {
				name string
				prob int
			}{{"functional", 50}, {"analytics", 40}, {"advertising", 20}} {
				if g.rng.Intn(100) < c.prob {
					granted = append(granted, c.name)
				}
			}
			action := "grant"
			id := g.id()
			if len(ids) > 0 && g.rng.Intn(4) == 0 {
				action, id = "update", ids[g.rng.Intn(len(ids))]
			} else {
				ids = append(ids, id)
			}
			g.consent(id, action, granted)
		case p < 35 && len(ids) > 0:
			g.consent(ids[g.rng.Intn(len(ids))], "withdraw", nil)
		case p < 60:
			g.cookieEvent("cookie_stripped", "")
		case p < 75:
			g.cookieEvent("cookie_filtered", "")
		case p < 82:
			g.cookieEvent("cookie_expired", "")
		case p < 90:
			g.invalid([]string{"expired", "tampered", "unknown_key", "old_policy_version", "malformed"}[g.rng.Intn(5)])
		case p < 96:
			g.blocked("")
		default:
			g.line("debug", "banner_injected", g.common("")...)
		}
	}
}

const trackedID = "feedc0defeedc0defeedc0defeedc0de"

func writeFile(t *testing.T, path string, data []byte, gz bool) {
	t.Helper()
	if gz {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(data)
		zw.Close()
		data = b.Bytes()
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestAggregateGenerated(t *testing.T) {
	dir := t.TempDir()
	tl := newTally()
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

	// Instance A (enforce mode): a plain file with access log lines,
	// malformed lines, a very long but valid line, a too long line and a
	// truncated last line.
	a := newGen(1, start, "enforce", "a", tl)
	a.random(1500)
	a.ts = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	a.consent(trackedID, "grant", []string{"analytics"}) // history 1
	a.unclassified("mystery_tracker")
	a.unclassified("zz_widget")
	a.buf.WriteString("this is not json\n")
	a.buf.WriteString("{\"level\":\"info\",\"ts\":1764500000.1,\"logger\":\"http.handlers.consent\",\"msg\":\"cookie_stripped\",\"granted\":\"not-a-list\"}\n")
	// Blank lines are skipped silently.
	a.buf.WriteString("\n")
	a.buf.WriteString("{\"level\":\"info\",\"logger\":\"http.handlers.consent\",\"msg\":\"cookie_stripped\"}\n") // no ts
	tl.bad += 3
	// 200 KB: more than bufio.Scanner's default limit, less than ours.
	a.advance()
	a.line("info", "cookie_stripped", append(a.common(""), field{"cookie", "theme"}, field{"category", "functional"},
		field{"path", "/" + strings.Repeat("x", 200<<10)})...)
	tl.stripped["theme"]++
	// 1.5 MiB: too long.
	a.buf.WriteString(`{"level":"info","ts":1764500000.2,"logger":"http.handlers.consent","msg":"cookie_stripped","path":"` + strings.Repeat("y", 3<<19) + "\"}\n")
	tl.bad++
	a.random(1500)
	a.ts = time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	a.cookieEvent("cookie_filtered", trackedID) // history 3
	a.ts = time.Date(2026, 11, 4, 9, 30, 0, 0, time.UTC)
	a.line("info", "consent_cookie_invalid", append(a.common(""), field{"reason", "old_policy_version"},
		field{"cookie_policy_version", "2026-01-01"}, field{"former_consent_id", trackedID})...) // history 5
	tl.invalid["old_policy_version"]++
	a.random(100)
	a.buf.WriteString(`{"level":"info","ts":1764900000.0,"logger":"http.handlers.consent","msg":"cookie_str`) // cut off
	tl.bad++
	writeFile(t, filepath.Join(dir, "a.log"), a.buf.Bytes(), false)

	// Instance B (report mode), rotated and gzipped.
	b := newGen(2, start.Add(30*time.Minute), "report", "b", tl)
	b.random(1000)
	b.ts = time.Date(2026, 11, 2, 18, 30, 0, 0, time.UTC)
	b.consent(trackedID, "update", []string{"analytics", "functional"}) // history 2
	b.unclassified("mystery_tracker")
	b.random(1000)
	b.ts = time.Date(2026, 11, 4, 9, 0, 0, 0, time.UTC)
	b.consent(trackedID, "withdraw", nil) // history 4
	b.random(50)
	writeFile(t, filepath.Join(dir, "b.log.1.gz"), b.buf.Bytes(), true)

	agg := New(Options{ConsentIDs: []string{strings.ToUpper(trackedID)}})
	for _, f := range []string{"a.log", "b.log.1.gz"} {
		if err := agg.AddFile(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	r := agg.Report()

	if tl.events < 5000 {
		t.Fatalf("generator wrote only %d events", tl.events)
	}
	if r.Events != tl.events || r.OtherLoggers != tl.other || r.BadLines != tl.bad {
		t.Errorf("events/other/bad = %d/%d/%d, want %d/%d/%d", r.Events, r.OtherLoggers, r.BadLines, tl.events, tl.other, tl.bad)
	}
	if r.BadLines != 5 {
		t.Errorf("bad lines = %d, want 5", r.BadLines)
	}
	if got := r.Files[1].Format; got != "gzip" {
		t.Errorf("second file format %q, want gzip", got)
	}
	if r.Files[0].Format != "plain" || r.Files[0].Bad != 5 || r.Files[1].Bad != 0 {
		t.Errorf("files: %+v", r.Files)
	}
	last := r.BadSamples[len(r.BadSamples)-1]
	if !strings.Contains(last.Reason, "truncated last line") {
		t.Errorf("last bad line reason %q, want truncated", last.Reason)
	}
	var tooLong bool
	for _, bl := range r.BadSamples {
		tooLong = tooLong || strings.Contains(bl.Reason, "longer than 1048576 bytes")
	}
	if !tooLong {
		t.Errorf("no too-long line among %+v", r.BadSamples)
	}
	for ev, n := range tl.byEvent {
		if r.EventCounts[ev] != n {
			t.Errorf("event %s: %d, want %d", ev, r.EventCounts[ev], n)
		}
	}
	if r.WouldOnly != tl.wouldOnly {
		t.Errorf("would_only %d, want %d", r.WouldOnly, tl.wouldOnly)
	}

	// Consents by day and action.
	var grant, upd, wd int64
	for _, d := range r.Days {
		if d.Total() != tl.perDay[d.Day] {
			t.Errorf("day %s: %d decisions, want %d", d.Day, d.Total(), tl.perDay[d.Day])
		}
		grant, upd, wd = grant+d.Grant, upd+d.Update, wd+d.Withdraw
	}
	if len(r.Days) != len(tl.perDay) {
		t.Errorf("%d days, want %d", len(r.Days), len(tl.perDay))
	}
	if grant != tl.actions["grant"] || upd != tl.actions["update"] || wd != tl.actions["withdraw"] || r.Withdrawals != wd {
		t.Errorf("grant/update/withdraw = %d/%d/%d (withdrawals %d), want %v", grant, upd, wd, r.Withdrawals, tl.actions)
	}

	// Opt-in rates, in category order.
	var order []string
	for _, o := range r.OptIn {
		order = append(order, o.Category)
		want := float64(tl.granted[o.Category]) / float64(tl.decisions[o.Category])
		if o.Granted != tl.granted[o.Category] || o.Decisions != tl.decisions[o.Category] || math.Abs(o.Rate-want) > 1e-12 {
			t.Errorf("opt-in %s: %d/%d = %f, want %d/%d = %f", o.Category, o.Granted, o.Decisions, o.Rate,
				tl.granted[o.Category], tl.decisions[o.Category], want)
		}
	}
	if strings.Join(order, " ") != "necessary functional analytics advertising" {
		t.Errorf("opt-in order %v", order)
	}
	if r.OptIn[0].Rate != 1 {
		t.Errorf("necessary opt-in rate %f, want 1", r.OptIn[0].Rate)
	}

	// Invalid consent cookies.
	for _, rc := range r.InvalidCookies {
		if rc.Count != tl.invalid[rc.Reason] {
			t.Errorf("invalid %s: %d, want %d", rc.Reason, rc.Count, tl.invalid[rc.Reason])
		}
	}
	if len(r.InvalidCookies) != len(tl.invalid) {
		t.Errorf("invalid reasons %+v, want %v", r.InvalidCookies, tl.invalid)
	}

	// Blocked by rule.
	for _, bc := range r.Blocked {
		if bc.Count != tl.blocked[bc.Rule] {
			t.Errorf("blocked %s: %d, want %d", bc.Rule, bc.Count, tl.blocked[bc.Rule])
		}
		if bc.Rule == "meta-pixel" && (bc.Vendor != "Meta" || bc.Event != "tag_neutralized" || bc.Category != "advertising") {
			t.Errorf("meta-pixel: %+v", bc)
		}
	}

	// The inventory: unclassified cookies first, then by category.
	var names []string
	for _, c := range r.Inventory {
		names = append(names, c.Name)
		if c.Stripped != tl.stripped[c.Name] || c.Filtered != tl.filtered[c.Name] || c.Expired != tl.expired[c.Name] || c.Reports != tl.reports[c.Name] {
			t.Errorf("cookie %s: %d/%d/%d/%d, want %d/%d/%d/%d", c.Name, c.Stripped, c.Filtered, c.Expired, c.Reports,
				tl.stripped[c.Name], tl.filtered[c.Name], tl.expired[c.Name], tl.reports[c.Name])
		}
	}
	if got := strings.Join(names, " "); got != "mystery_tracker zz_widget theme _ga _gid _fbp" {
		t.Errorf("inventory order: %s", got)
	}
	if c := r.Inventory[0]; !c.Unclassified || c.Category != "unknown" || c.Applied != "strip" || c.Reports != 2 {
		t.Errorf("inventory[0] = %+v", c)
	}
	var removedStripped int64
	for _, rm := range r.Removals {
		removedStripped += rm.Stripped
	}
	var wantStripped int64
	for _, n := range tl.stripped {
		wantStripped += n
	}
	if removedStripped != wantStripped {
		t.Errorf("stripped by category sums to %d, want %d", removedStripped, wantStripped)
	}

	// One consent's history, across both files, in time order.
	h := r.History(trackedID)
	var got []string
	for _, ev := range h {
		s := ev.Event
		if a, ok := ev.Fields["action"].(string); ok {
			s += ":" + a
		}
		got = append(got, s+"@"+filepath.Base(strings.Split(ev.Source, ":")[0]))
	}
	want := "consent_recorded:grant@a.log consent_recorded:update@b.log.1.gz cookie_filtered@a.log consent_recorded:withdraw@b.log.1.gz consent_cookie_invalid@a.log"
	if strings.Join(got, " ") != want {
		t.Errorf("history:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if len(h) > 0 {
		f := h[0].Fields
		if f["banner_hash"] != "b4nn3r" || f["config_hash"] != "c0nf1g" || fieldString("granted", f["granted"]) != "necessary,analytics" ||
			fieldString("denied", f["denied"]) != "functional,advertising" {
			t.Errorf("first history event fields: %v", f)
		}
	}
	if r.History("0123") != nil {
		t.Error("history of an untracked ID should be nil")
	}

	// Every output format renders.
	for _, format := range Formats {
		var out bytes.Buffer
		if err := r.Write(&out, format); err != nil {
			t.Errorf("%s: %v", format, err)
		}
		if format == FormatJSON && !json.Valid(out.Bytes()) {
			t.Errorf("json output is not JSON")
		}
	}
}

// Reading the same events in one file or split over two (in any order)
// gives the same report apart from the file list.
func TestMergeOrderIndependent(t *testing.T) {
	tl := newTally()
	g := newGen(7, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "enforce", "x", tl)
	g.random(800)
	lines := strings.SplitAfter(g.buf.String(), "\n")
	half := strings.Join(lines[:len(lines)/2], "")
	rest := strings.Join(lines[len(lines)/2:], "")

	one := New(Options{})
	one.Add("all", strings.NewReader(g.buf.String()))
	two := New(Options{})
	two.Add("second", strings.NewReader(rest))
	two.Add("first", strings.NewReader(half))

	r1, r2 := one.Report(), two.Report()
	r1.Files, r2.Files = nil, nil
	j1, _ := json.Marshal(r1)
	j2, _ := json.Marshal(r2)
	if !bytes.Equal(j1, j2) {
		t.Errorf("split report differs:\n%s\n%s", j1, j2)
	}
}

func TestTruncatedGzip(t *testing.T) {
	tl := newTally()
	g := newGen(3, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "enforce", "x", tl)
	g.random(2000)
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(g.buf.Bytes())
	zw.Close()
	cut := b.Bytes()[:b.Len()/2]

	a := New(Options{})
	if err := a.Add("cut.gz", bytes.NewReader(cut)); err != nil {
		t.Fatal(err)
	}
	r := a.Report()
	if r.Files[0].Error == "" || len(r.Warnings) == 0 {
		t.Errorf("a truncated gzip file should be noted: %+v %v", r.Files[0], r.Warnings)
	}
	if r.Events == 0 || r.Events >= tl.events {
		t.Errorf("read %d of %d events from half a file", r.Events, tl.events)
	}
}

func TestParseTS(t *testing.T) {
	want := time.Date(2026, 11, 28, 10, 11, 12, 345000000, time.UTC)
	for _, raw := range []string{
		`1795860672.345`,
		`1795860672345.0`,
		`1795860672345000000`,
		`"2026-11-28T10:11:12.345Z"`,
		`"2026-11-28T11:11:12.345+01:00"`,
		`"2026-11-28T10:11:12.345Z"`,
		`"2026/11/28 10:11:12.345"`,
	} {
		got, ok := parseTS([]byte(raw))
		if !ok || !got.Equal(want) {
			t.Errorf("parseTS(%s) = %v, %v; want %v", raw, got, ok, want)
		}
	}
	if got, ok := parseTS([]byte(`1795860672.123456789`)); !ok || got.Nanosecond() != 123456789 {
		t.Errorf("nanosecond precision lost: %v", got)
	}
	for _, raw := range []string{``, `null`, `"yesterday"`, `-5`, `{}`, `1e400`} {
		if _, ok := parseTS([]byte(raw)); ok {
			t.Errorf("parseTS(%s) accepted", raw)
		}
	}
}

func TestLineReader(t *testing.T) {
	in := "a\r\n" + strings.Repeat("b", 10) + "\n" + strings.Repeat("c", 11) + "\nd"
	lr := newLineReader(strings.NewReader(in), 10)
	type res struct {
		line              string
		tooLong, complete bool
	}
	var got []res
	for {
		l, tl, term, err := lr.next()
		if err != nil {
			break
		}
		got = append(got, res{string(l), tl, term})
	}
	want := []res{{"a", false, true}, {strings.Repeat("b", 10), false, true}, {"", true, true}, {"d", false, false}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestTextGolden renders a small log as text and compares it with
// testdata/small.txt; run with -update after a deliberate change.
func TestTextGolden(t *testing.T) {
	a := New(Options{ConsentIDs: []string{"5eed00000000000000000000000000a1"}})
	if err := a.AddFile(filepath.Join("testdata", "small.log")); err != nil {
		t.Fatal(err)
	}
	r := a.Report()
	var out bytes.Buffer
	if err := r.Write(&out, FormatText); err != nil {
		t.Fatal(err)
	}
	out.WriteString("----\n")
	if err := WriteHistory(&out, "5eed00000000000000000000000000a1", r.History("5eed00000000000000000000000000a1"), FormatText); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "small.txt")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, out.Bytes()) {
		t.Errorf("text output differs from %s:\n%s", golden, out.String())
	}
}
