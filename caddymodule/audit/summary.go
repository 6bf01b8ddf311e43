package audit

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// EnforcementSummary is the message of the event a Summary writes once per
// interval instead of one enforcement event per response.
const EnforcementSummary = "enforcement_summary"

// OtherName is the cookie/vendor/rule name under which a Summary counts
// decisions once it holds maxKeys distinct counters, and the decisions an
// EnforcementRecord counted beyond its MaxListEntries kept entries.
const OtherName = "other"

type summaryKey struct {
	report   bool // report mode: the gateway would have done it
	decision string
	category string
	name     string
}

// Summary aggregates enforcement records into counters per mode x decision
// x category x cookie (or vendor, or rule) and writes them as one
// enforcement_summary event per interval. Memory is bounded by maxKeys
// counters plus a fixed overflow counter per mode and decision. Safe for
// concurrent use.
type Summary struct {
	interval time.Duration
	maxKeys  int

	mu        sync.Mutex
	counts    map[summaryKey]int64
	overflow  [2][5]int64 // [report][decision]
	responses [2]int64    // [report]
	since     time.Time
	now       func() time.Time
}

// NewSummary returns a Summary that flushes every interval (the caller runs
// the clock, or uses Start) and keeps at most maxKeys distinct counters
// (<= 0 means 1000).
func NewSummary(interval time.Duration, maxKeys int) *Summary {
	if maxKeys <= 0 {
		maxKeys = 1000
	}
	s := &Summary{interval: interval, maxKeys: maxKeys, counts: make(map[summaryKey]int64), now: time.Now}
	s.since = s.now()
	return s
}

// Interval is the flush interval the Summary was created with.
func (s *Summary) Interval() time.Duration { return s.interval }

// Add counts what one response's record says. mode is "report" or
// "enforce" (anything else counts as enforce). Empty records count nothing.
func (s *Summary) Add(e *EnforcementRecord, mode string) {
	if e == nil || e.Empty() {
		return
	}
	r := 0
	if mode == "report" {
		r = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.responses[r]++
	over := e.visit(func(decision string, en *entry) {
		k := summaryKey{report: r == 1, decision: decision, category: en.category, name: en.name}
		if _, ok := s.counts[k]; ok || len(s.counts) < s.maxKeys {
			s.counts[k]++
			return
		}
		s.overflow[r][decisionIndex(decision)]++
	})
	for d, n := range over {
		s.overflow[r][d] += int64(n)
	}
}

func decisionIndex(d string) int {
	for i, name := range decisionOrder {
		if name == d {
			return i
		}
	}
	return 0
}

type counter struct {
	summaryKey
	count int64
}

type counterArray []counter

func (a counterArray) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for i := range a {
		if err := enc.AppendObject(a[i]); err != nil {
			return err
		}
	}
	return nil
}

func (c counter) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("decision", c.decision)
	if c.category != "" {
		enc.AddString("category", c.category)
	}
	key := "cookie"
	switch c.decision {
	case DecisionNeutralized:
		key = "vendor"
	case DecisionBlocked:
		key = "rule"
	}
	enc.AddString(key, c.name)
	enc.AddInt64("count", c.count)
	if c.report {
		enc.AddBool("would_only", true)
	}
	return nil
}

// Flush writes one enforcement_summary event with the counters gathered
// since the previous Flush and starts a new interval. When nothing was
// added it writes nothing. log is typically
// func(f ...zap.Field) { logger.Info(audit.EnforcementSummary, f...) }.
func (s *Summary) Flush(log func(fields ...zap.Field)) {
	s.mu.Lock()
	now := s.now()
	since := s.since
	s.since = now
	counts := s.counts
	overflow := s.overflow
	responses := s.responses
	s.counts = make(map[summaryKey]int64, len(counts))
	s.overflow = [2][5]int64{}
	s.responses = [2]int64{}
	s.mu.Unlock()

	if responses[0]+responses[1] == 0 {
		return
	}
	cs := make([]counter, 0, len(counts)+10)
	for k, n := range counts {
		cs = append(cs, counter{k, n})
	}
	for r := range overflow {
		for d, n := range overflow[r] {
			if n > 0 {
				cs = append(cs, counter{summaryKey{report: r == 1, decision: decisionOrder[d], name: OtherName}, n})
			}
		}
	}
	slices.SortFunc(cs, func(a, b counter) int {
		if a.report != b.report {
			if a.report {
				return 1
			}
			return -1
		}
		return cmp.Or(
			cmp.Compare(decisionIndex(a.decision), decisionIndex(b.decision)),
			cmp.Compare(a.category, b.category),
			cmp.Compare(a.name, b.name),
		)
	})
	f := []zap.Field{
		zap.Int("schema", SchemaVersion),
		zap.String("since", since.UTC().Format(time.RFC3339)),
		zap.String("until", now.UTC().Format(time.RFC3339)),
		zap.Int64("responses", responses[0]),
	}
	if responses[1] > 0 {
		f = append(f, zap.Int64("would_only_responses", responses[1]))
	}
	f = append(f, zap.Array("counters", counterArray(cs)))
	log(f...)
}

// Start flushes every Interval on a goroutine of its own until the returned
// stop function is called; stop flushes one last time and waits for the
// goroutine to end. An interval <= 0 means one minute.
func (s *Summary) Start(log func(fields ...zap.Field)) (stop func()) {
	iv := s.interval
	if iv <= 0 {
		iv = time.Minute
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(iv)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s.Flush(log)
			case <-done:
				s.Flush(log)
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			<-finished
		})
	}
}
