package audit

import (
	"bytes"
	"encoding/json"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// encode writes one entry with zap's production JSON encoder, without time
// or caller, and returns the line.
func encode(t testing.TB, msg string, fields []zap.Field) []byte {
	t.Helper()
	return encodeAt(t, time.Time{}, msg, fields)
}

// encodeAt is encode with a "ts" as Caddy writes it (Unix seconds with
// fraction) unless at is zero.
func encodeAt(t testing.TB, at time.Time, msg string, fields []zap.Field) []byte {
	t.Helper()
	cfg := zap.NewProductionEncoderConfig()
	if at.IsZero() {
		cfg.TimeKey = ""
	}
	enc := zapcore.NewJSONEncoder(cfg)
	buf, err := enc.EncodeEntry(zapcore.Entry{Time: at, Level: zapcore.InfoLevel, Message: msg, LoggerName: "http.handlers.consent"}, fields)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// typicalPage is the record of the page response the issue measured:
// 3 Set-Cookie stripped and 4 tags neutralized.
func typicalPage(e *EnforcementRecord) {
	e.Stripped("_ga", "analytics", false)
	e.Stripped("_gid", "analytics", false)
	e.Stripped("_fbp", "advertising", false)
	e.Neutralized("ga4", "analytics", "script")
	e.Neutralized("ga4", "analytics", "img")
	e.Neutralized("meta-pixel", "advertising", "script")
	e.Neutralized("meta-pixel", "advertising", "img")
}

func typicalRequest() Request {
	return Request{ConsentID: "", PolicyVersion: "2026-01", Mode: "enforce", Host: "shop.example",
		Path: "/page.html", ClientIP: "203.0.113.0/24", Browser: "Chrome"}
}

func TestEnforcementGoldenJSON(t *testing.T) {
	var e EnforcementRecord
	if !e.Empty() {
		t.Fatal("zero record is not empty")
	}
	typicalPage(&e)
	e.Filtered("_hjSession_1", "analytics")
	e.Expired("_ga", "analytics")
	e.Stripped("bad cookie", "unclassified", true)
	e.Blocked("meta-pixel-tr", "advertising")
	if e.Empty() {
		t.Fatal("record with entries is empty")
	}
	fields := append(typicalRequest().Fields(), e.Fields()...)
	fields = append(fields, zap.Int("status", 200))
	got := encode(t, Enforcement, fields)

	const golden = "testdata/enforcement.golden.json"
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("enforcement event differs from %s:\ngot  %s\nwant %s", golden, got, want)
	}
	var m map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if len(m["stripped"].([]any)) != 4 || len(m["neutralized"].([]any)) != 4 {
		t.Errorf("lists: %v", m)
	}
	if _, ok := m["stripped_total"]; ok {
		t.Error("stripped_total present although nothing was dropped")
	}
}

func TestEnforcementDuplicatesOnce(t *testing.T) {
	var e EnforcementRecord
	for range 100 {
		e.Filtered("_ga", "analytics")
		e.Neutralized("ga4", "analytics", "script")
	}
	line := encode(t, Enforcement, e.Fields())
	if n := bytes.Count(line, []byte(`"_ga"`)); n != 1 {
		t.Errorf("_ga appears %d times: %s", n, line)
	}
	if bytes.Contains(line, []byte("_total")) {
		t.Errorf("duplicates produced a total: %s", line)
	}
	if n := bytes.Count(line, []byte(`"ga4"`)); n != 1 {
		t.Errorf("ga4 appears %d times: %s", n, line)
	}
}

// A 14 KB Cookie header of 7,000 names: one bounded line, bounded memory.
func TestEnforcementBounded7000Names(t *testing.T) {
	var e EnforcementRecord
	names := make([]string, 7000)
	for i := range names {
		names[i] = "n" + strconv.Itoa(i)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, n := range names {
		e.Filtered(n, "unclassified")
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<10 { // 7000 kept entries would be ~400 KB
		t.Errorf("7000 filtered names allocated %d bytes; want O(32 entries)", grew)
	}
	if len(e.filtered.entries) != MaxListEntries {
		t.Errorf("kept %d entries, want %d", len(e.filtered.entries), MaxListEntries)
	}
	line := encode(t, Enforcement, e.Fields())
	if len(line) > 2500 {
		t.Errorf("line is %d bytes, want bounded (<2500): %.300s", len(line), line)
	}
	var m struct {
		Filtered []map[string]any `json:"filtered"`
		Total    int              `json:"filtered_total"`
		Cats     []string         `json:"categories"`
	}
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Filtered) != MaxListEntries || m.Total != 7000 {
		t.Errorf("filtered=%d total=%d, want %d and 7000", len(m.Filtered), m.Total, MaxListEntries)
	}
	if len(m.Cats) != 1 || m.Cats[0] != "unclassified" {
		t.Errorf("categories = %v", m.Cats)
	}
}

func TestEnforcementLongNamesClipped(t *testing.T) {
	var e EnforcementRecord
	long := strings.Repeat("é", 14000) // 28 KB of two-byte runes
	e.Stripped(long, "unclassified", true)
	line := encode(t, Enforcement, e.Fields())
	if len(line) > 600 {
		t.Errorf("a 28 KB name made a %d-byte line", len(line))
	}
	var m struct {
		Stripped []struct {
			Cookie    string `json:"cookie"`
			Malformed bool   `json:"malformed"`
		} `json:"stripped"`
	}
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatal(err)
	}
	c := m.Stripped[0].Cookie
	if !strings.HasSuffix(c, "…") || strings.ContainsRune(c, '\uFFFD') || !m.Stripped[0].Malformed {
		t.Errorf("clipped name %q malformed=%v", c, m.Stripped[0].Malformed)
	}
}

func TestEnforcementResetAndFieldsCopy(t *testing.T) {
	var e EnforcementRecord
	e.Stripped("_ga", "analytics", false)
	f := e.Fields()
	e.Reset()
	if !e.Empty() || len(e.Fields()) != 0 {
		t.Fatal("Reset left entries")
	}
	e.Stripped("_fbp", "advertising", false)
	// The fields taken before Reset still say what they said.
	if line := encode(t, Enforcement, f); !bytes.Contains(line, []byte(`"_ga"`)) || bytes.Contains(line, []byte("_fbp")) {
		t.Errorf("fields changed after Reset: %s", line)
	}
}

func TestEnforcementBlockedIsOneObject(t *testing.T) {
	var e EnforcementRecord
	e.Blocked("ga4-collect", "analytics")
	e.Blocked("meta-tr", "advertising")
	line := encode(t, Enforcement, e.Fields())
	var m struct {
		Blocked map[string]string `json:"blocked"`
		Total   int               `json:"blocked_total"`
		Cats    []string          `json:"categories"`
	}
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatal(err)
	}
	if m.Blocked["rule"] != "ga4-collect" || m.Total != 2 || strings.Join(m.Cats, ",") != "advertising,analytics" {
		t.Errorf("got %s", line)
	}
}

// The figures docs/audit-log.md states; run with -v to see them.
func TestEvidenceBytesPerRequest(t *testing.T) {
	req := typicalRequest()
	var e EnforcementRecord
	typicalPage(&e)
	at := time.Unix(1795860672, 345100000)
	one := encodeAt(t, at, Enforcement, append(append(req.Fields(), e.Fields()...), zap.Int("status", 200)))

	// Schema 1: one line per decision.
	old := 0
	for _, c := range []struct{ msg, k, v, cat string }{
		{"cookie_stripped", "cookie", "_ga", "analytics"}, {"cookie_stripped", "cookie", "_gid", "analytics"},
		{"cookie_stripped", "cookie", "_fbp", "advertising"},
		{"tag_neutralized", "vendor", "ga4", "analytics"}, {"tag_neutralized", "vendor", "ga4", "analytics"},
		{"tag_neutralized", "vendor", "meta-pixel", "advertising"}, {"tag_neutralized", "vendor", "meta-pixel", "advertising"},
	} {
		f := append(req.Fields(), zap.String(c.k, c.v), zap.String("category", c.cat))
		if c.msg == "tag_neutralized" {
			f = append(f, zap.String("tag", "script"))
		}
		old += len(encodeAt(t, at, c.msg, f))
	}

	s := NewSummary(time.Minute, 1000)
	for range 60000 { // 1,000 pages/s for one minute
		s.Add(&e, "enforce")
	}
	var sum []byte
	s.Flush(func(f ...zap.Field) { sum = encodeAt(t, at, EnforcementSummary, f) })
	t.Logf("schema 1: %d bytes in 7 lines per page; response mode: %d bytes in 1 line; summary: %d bytes per interval", old, len(one), len(sum))
	if len(one) >= old/2 {
		t.Errorf("one enforcement line (%d B) should cost well under half the 7 old lines (%d B)", len(one), old)
	}
	if len(sum) > 2000 {
		t.Errorf("summary of 60000 identical pages is %d bytes", len(sum))
	}
}

func BenchmarkEnforcementEncode(b *testing.B) {
	req := typicalRequest()
	cfg := zap.NewProductionEncoderConfig()
	enc := zapcore.NewJSONEncoder(cfg)
	var e EnforcementRecord
	b.ReportAllocs()
	for b.Loop() {
		e.Reset()
		typicalPage(&e)
		buf, _ := enc.EncodeEntry(zapcore.Entry{Message: Enforcement}, append(req.Fields(), e.Fields()...))
		buf.Free()
	}
}
