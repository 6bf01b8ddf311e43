package audit

import (
	"encoding/json"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
)

type summaryEvent struct {
	Schema    int    `json:"schema"`
	Since     string `json:"since"`
	Until     string `json:"until"`
	Responses int64  `json:"responses"`
	WouldOnly int64  `json:"would_only_responses"`
	Counters  []struct {
		Decision  string `json:"decision"`
		Category  string `json:"category"`
		Cookie    string `json:"cookie"`
		Vendor    string `json:"vendor"`
		Rule      string `json:"rule"`
		Count     int64  `json:"count"`
		WouldOnly bool   `json:"would_only"`
	} `json:"counters"`
}

func flush(t *testing.T, s *Summary) (ev summaryEvent, lines int) {
	t.Helper()
	s.Flush(func(f ...zap.Field) {
		lines++
		if err := json.Unmarshal(encode(t, EnforcementSummary, f), &ev); err != nil {
			t.Fatal(err)
		}
	})
	return ev, lines
}

func TestSummaryCounts(t *testing.T) {
	s := NewSummary(time.Minute, 100)
	var e EnforcementRecord
	typicalPage(&e)
	for range 3 {
		s.Add(&e, "enforce")
	}
	var r EnforcementRecord
	r.Blocked("ga4-collect", "analytics")
	s.Add(&r, "report")
	s.Add(&EnforcementRecord{}, "enforce") // empty: not a response that was acted on

	ev, lines := flush(t, s)
	if lines != 1 || ev.Schema != SchemaVersion || ev.Responses != 3 || ev.WouldOnly != 1 {
		t.Fatalf("lines=%d event=%+v", lines, ev)
	}
	got := map[string]int64{}
	for _, c := range ev.Counters {
		got[c.Decision+"/"+c.Category+"/"+c.Cookie+c.Vendor+c.Rule+"/"+strconv.FormatBool(c.WouldOnly)] = c.Count
	}
	want := map[string]int64{
		"stripped/analytics/_ga/false":             3,
		"stripped/analytics/_gid/false":            3,
		"stripped/advertising/_fbp/false":          3,
		"neutralized/analytics/ga4/false":          6, // two tags per page
		"neutralized/advertising/meta-pixel/false": 6,
		"blocked/analytics/ga4-collect/true":       1,
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s = %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("counters %v, want %v", got, want)
	}
	// The last counter is the report-mode one: enforce first, then would_only.
	if last := ev.Counters[len(ev.Counters)-1]; !last.WouldOnly {
		t.Errorf("report-mode counters not last: %+v", ev.Counters)
	}
	if _, lines := flush(t, s); lines != 0 {
		t.Error("a Flush with nothing added wrote an event")
	}
}

func TestSummaryBoundedKeys(t *testing.T) {
	s := NewSummary(time.Minute, 10)
	for i := range 5000 {
		var e EnforcementRecord
		e.Filtered("n"+strconv.Itoa(i), "unclassified")
		s.Add(&e, "enforce")
	}
	var big EnforcementRecord
	for i := range 7000 {
		big.Filtered("m"+strconv.Itoa(i), "unclassified")
	}
	s.Add(&big, "enforce")
	if len(s.counts) > 10 {
		t.Fatalf("%d keys kept, max 10", len(s.counts))
	}
	ev, _ := flush(t, s)
	var total, other int64
	for _, c := range ev.Counters {
		total += c.Count
		if c.Cookie == OtherName {
			other += c.Count
		}
	}
	if total != 12000 || other != 11990 || len(ev.Counters) != 11 {
		t.Errorf("total=%d other=%d counters=%d, want 12000, 11990, 11", total, other, len(ev.Counters))
	}
}

func TestSummaryConcurrentAndStart(t *testing.T) {
	s := NewSummary(time.Hour, 100)
	var mu sync.Mutex
	var events []summaryEvent
	stop := s.Start(func(f ...zap.Field) {
		var ev summaryEvent
		if err := json.Unmarshal(encode(t, EnforcementSummary, f), &ev); err != nil {
			t.Error(err)
		}
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
	})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				var e EnforcementRecord
				e.Stripped("_ga", "analytics", false)
				s.Add(&e, "enforce")
			}
		})
	}
	wg.Wait()
	stop()
	stop() // idempotent
	if len(events) != 1 || events[0].Responses != 4000 || events[0].Counters[0].Count != 4000 {
		t.Fatalf("events %+v", events)
	}
}
