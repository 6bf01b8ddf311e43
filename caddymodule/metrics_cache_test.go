package caddymodule

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// The cached counters are the CounterVec's own: counting through the
// cache shows in the exported series, for two-label and one-label vecs.
func TestCounterCacheCountsTheVecSeries(t *testing.T) {
	initMetrics()
	before := counterValue(t, metrics.stripped.WithLabelValues("cachetest", ModeEnforce))
	for range 3 {
		strippedCounters.get("cachetest", ModeEnforce, true).Inc()
	}
	strippedCounters.get("cachetest", ModeReport, true).Inc()
	if got := counterValue(t, metrics.stripped.WithLabelValues("cachetest", ModeEnforce)) - before; got != 3 {
		t.Errorf("enforce series counted %v, want 3", got)
	}
	n0 := counterValue(t, metrics.neutralized.WithLabelValues("cachetest"))
	neutralizedCounters.get("cachetest", "", false).Inc()
	if got := counterValue(t, metrics.neutralized.WithLabelValues("cachetest")) - n0; got != 1 {
		t.Errorf("neutralized counted %v, want 1", got)
	}
}
