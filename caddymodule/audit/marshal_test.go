package audit

import (
	"bytes"
	"os"
	"strconv"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// inlineEvent is how the gateway writes the event: the request's and the
// record's marshalers inlined, then status.
type inlineEvent struct {
	req *Request
	rec *EnforcementRecord
}

func (e inlineEvent) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	_ = e.req.MarshalLogObject(enc)
	_ = e.rec.MarshalLogObject(enc)
	enc.AddInt64("status", 200)
	return nil
}

// The marshaler path writes the golden line byte for byte.
func TestEnforcementMarshalerMatchesGolden(t *testing.T) {
	var e EnforcementRecord
	typicalPage(&e)
	e.Filtered("_hjSession_1", "analytics")
	e.Expired("_ga", "analytics")
	e.Stripped("bad cookie", "unclassified", true)
	e.Blocked("meta-pixel-tr", "advertising")
	req := typicalRequest()
	got := encode(t, Enforcement, []zap.Field{zap.Inline(inlineEvent{&req, &e})})
	want, err := os.ReadFile("testdata/enforcement.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("marshaler path differs from golden:\ngot  %s\nwant %s", got, want)
	}
}

// Every shape (overflowing lists, GPC, profile, no client data, several
// blocked rules) encodes identically through Fields and the marshalers.
func TestEnforcementMarshalerMatchesFields(t *testing.T) {
	reqs := []Request{typicalRequest(), {PolicyVersion: "v", Mode: "report", Host: "h", Path: "/", GPC: true, Profile: "us"}}
	fill := []func(*EnforcementRecord){
		func(*EnforcementRecord) {},
		typicalPage,
		func(e *EnforcementRecord) {
			for i := range 3 * MaxListEntries {
				n := strconv.Itoa(i)
				e.Stripped("c"+n, "cat"+strconv.Itoa(i%40), i%7 == 0)
				e.Filtered("f"+n, "analytics")
				e.Expired("x"+n, "advertising")
				e.Neutralized("v"+n, "marketing", "img")
				e.Blocked("r"+n, "z")
			}
		},
	}
	for _, req := range reqs {
		for i, f := range fill {
			var e EnforcementRecord
			f(&e)
			want := encode(t, Enforcement, append(req.Fields(), e.Fields()...))
			r := req
			got := encode(t, Enforcement, []zap.Field{zap.Inline(&r), zap.Inline(&e)})
			if !bytes.Equal(got, want) {
				t.Errorf("case %d %+v:\ngot  %s\nwant %s", i, req, got, want)
			}
		}
	}
}

// BenchmarkEnforcementMarshal is BenchmarkEnforcementEncode through the
// marshalers the gateway uses.
func BenchmarkEnforcementMarshal(b *testing.B) {
	req := typicalRequest()
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	var e EnforcementRecord
	f := []zap.Field{zap.Inline(inlineEvent{&req, &e})}
	b.ReportAllocs()
	for b.Loop() {
		e.Reset()
		typicalPage(&e)
		buf, _ := enc.EncodeEntry(zapcore.Entry{Message: Enforcement}, f)
		buf.Free()
	}
}

// A record reused with Reset (its inline arrays held by whichever list
// came first) encodes exactly as a fresh one.
func TestEnforcementRecordReuse(t *testing.T) {
	fills := []func(*EnforcementRecord){
		typicalPage,
		func(e *EnforcementRecord) {
			e.Neutralized("ga4", "analytics", "script")
			for i := range 6 {
				e.Stripped("c"+strconv.Itoa(i), "cat"+strconv.Itoa(5-i), false)
			}
		},
		func(e *EnforcementRecord) { e.Filtered("_ga", "analytics"); e.Expired("_ga", "analytics") },
	}
	var reused EnforcementRecord
	for round := range 2 {
		for i, f := range fills {
			reused.Reset()
			f(&reused)
			var fresh EnforcementRecord
			f(&fresh)
			got := encode(t, Enforcement, []zap.Field{zap.Inline(&reused)})
			want := encode(t, Enforcement, fresh.Fields())
			if !bytes.Equal(got, want) {
				t.Errorf("round %d fill %d:\ngot  %s\nwant %s", round, i, got, want)
			}
		}
	}
}
