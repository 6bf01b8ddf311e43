package caddymodule

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/caddyserver/caddy/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/consentgate/caddy-consent/caddymodule/policy"
)

// metrics are created once per process and registered into every config's
// fresh registry (Caddy makes a new one per load; registering the old
// collectors again keeps counting across reloads). Labels are low
// cardinality only: actions, category names and reasons, never cookie
// names, paths or addresses.
var metrics = struct {
	once        sync.Once
	decisions   *prometheus.CounterVec
	stripped    *prometheus.CounterVec
	blocked     *prometheus.CounterVec
	neutralized *prometheus.CounterVec
	invalid     *prometheus.CounterVec
	injections  *prometheus.CounterVec
	profiles    *prometheus.CounterVec
}{}

func initMetrics() {
	metrics.once.Do(func() {
		const ns, sub = "caddy", "consent"
		metrics.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "decisions_total",
			Help: "Consent choices recorded, by action and category (granted=true|false)."}, []string{"action", "category", "granted"})
		metrics.stripped = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "cookies_stripped_total",
			Help: "Set-Cookie lines removed (or, in report mode, that would be), by category."}, []string{"category", "mode"})
		metrics.blocked = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "requests_blocked_total",
			Help: "Requests answered by the gateway instead of the upstream, by category."}, []string{"category", "mode"})
		metrics.neutralized = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "tags_neutralized_total",
			Help: "Tracker tags made inert in HTML, by category."}, []string{"category"})
		metrics.invalid = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "invalid_cookies_total",
			Help: "Consent cookies treated as no consent, by reason."}, []string{"reason"})
		metrics.injections = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "banner_injections_total",
			Help: "HTML pages that received the banner (kind=banner) or the settings control (kind=settings)."}, []string{"kind"})
		metrics.profiles = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "profile_decisions_total",
			Help: "Consent choices recorded under each regional profile (only when regions are configured), by action."}, []string{"profile", "action"})
		initCounterCaches()
	})
}

func registerMetrics(ctx caddy.Context) error {
	initMetrics()
	reg := ctx.GetMetricsRegistry()
	if reg == nil {
		return nil
	}
	for _, c := range []prometheus.Collector{metrics.decisions, metrics.stripped, metrics.blocked, metrics.neutralized, metrics.invalid, metrics.injections, metrics.profiles} {
		if err := reg.Register(c); err != nil {
			if _, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); !ok {
				return err
			}
		}
	}
	return nil
}

// counterCache holds the counters of one CounterVec by label values, so
// the per-request path finds them with a few string comparisons instead
// of hashing labels in WithLabelValues. Copy on write: a new label pair
// (a category first seen) builds a new slice; reads take no lock. The
// label values are category names and modes, a bounded set.
type counterCache struct {
	vec     *prometheus.CounterVec
	entries atomic.Pointer[[]cachedCounter]
	mu      sync.Mutex
}

type cachedCounter struct {
	a, b string
	c    prometheus.Counter
}

const maxCachedCounters = 256

// get returns the counter for labels (a) or (a, b).
func (cc *counterCache) get(a, b string, two bool) prometheus.Counter {
	if p := cc.entries.Load(); p != nil {
		for i := range *p {
			if e := &(*p)[i]; e.a == a && e.b == b {
				return e.c
			}
		}
	}
	var c prometheus.Counter
	if two {
		c = cc.vec.WithLabelValues(a, b)
	} else {
		c = cc.vec.WithLabelValues(a)
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	var old []cachedCounter
	if p := cc.entries.Load(); p != nil {
		old = *p
	}
	if len(old) < maxCachedCounters {
		next := append(append(make([]cachedCounter, 0, len(old)+1), old...), cachedCounter{a: a, b: b, c: c})
		cc.entries.Store(&next)
	}
	return c
}

var (
	strippedCounters    counterCache
	blockedCounters     counterCache
	neutralizedCounters counterCache
)

func initCounterCaches() {
	strippedCounters.vec = metrics.stripped
	blockedCounters.vec = metrics.blocked
	neutralizedCounters.vec = metrics.neutralized
}

func (h *Handler) countDecision(action, profile string, granted policy.Set) {
	if profile != "" {
		metrics.profiles.WithLabelValues(profile, action).Inc()
	}
	for i, c := range h.policy.Categories() {
		g := "false"
		if granted&(policy.Set(1)<<uint(i)) != 0 {
			g = "true"
		}
		metrics.decisions.WithLabelValues(action, c.Name, g).Inc()
	}
}
