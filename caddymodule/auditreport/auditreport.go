// Package auditreport reads the audit events of the consent gateway from
// Caddy JSON log files and summarises them for an auditor: consents by day,
// opt-in rates, withdrawals, what was stripped or blocked, invalid consent
// cookies, the inventory of cookies seen, and the full history of one
// consent ID. The event schema is documented in docs/audit-log.md; logs of
// schema 1 (one event per decision) and schema 2 (one enforcement event per
// response, or enforcement_summary counters) give the same report, and so
// does a fleet's merged stream read from standard input ("-").
//
// Files are streamed line by line (plain, gzip or zstd, recognised by
// their first bytes), so memory stays constant apart from the aggregates
// themselves. Lines of other loggers are skipped; lines that are not JSON,
// too long or cut off are counted and sampled, never fatal. Several files
// (rotated files, or the logs of several gateway instances) add up to one
// report; histories are ordered by timestamp across all of them.
//
// Nothing in this package imports Caddy.
package auditreport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/consentgate/caddy-consent/caddymodule/audit"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"
)

// LoggerName is the name of the gateway's logger; events of loggers whose
// name starts with it are read, all others skipped.
const LoggerName = "http.handlers.consent"

// SchemaVersion is the newest event schema this package understands.
// Schema 1 logged one event per decision (cookie_stripped, ...); schema 2
// logs one enforcement event per response or enforcement_summary counters.
// Both give the same report.
const SchemaVersion = 2

// DefaultMaxLineBytes bounds one log line; longer lines count as bad.
const DefaultMaxLineBytes = 1 << 20

// maxBadSamples and maxWarnings bound the examples kept for the report.
const (
	maxBadSamples = 20
	maxWarnings   = 50
)

// Event names (the msg of each log entry): package audit defines them
// once, for the gateway that writes them and for this reader.
const (
	evConsentRecorded    = audit.ConsentRecorded
	evCookieStripped     = audit.CookieStripped // schema 1
	evCookieFiltered     = audit.CookieFiltered
	evCookieExpired      = audit.CookieExpired
	evRequestBlocked     = audit.RequestBlocked
	evTagNeutralized     = audit.TagNeutralized
	evConsentInvalid     = audit.ConsentCookieInvalid
	evCookieUnclassified = audit.CookieUnclassified
	evConfigWarning      = audit.ConfigWarning
	// schema 2
	evEnforcement         = audit.Enforcement
	evEnforcementSummary  = audit.EnforcementSummary
	evTrackerUnclassified = audit.TrackerUnclassified
	otherName             = audit.OtherName // summary overflow counter
)

// Options tune an Aggregator.
type Options struct {
	// ConsentIDs whose complete history is collected (see
	// Report.History). Only the events of these IDs are kept in memory.
	ConsentIDs []string
	// MaxLineBytes bounds one line (default DefaultMaxLineBytes).
	MaxLineBytes int
}

// Aggregator reads log streams and accumulates one Report. It is not safe
// for concurrent use.
type Aggregator struct {
	maxLine int
	track   map[string]bool
	seq     int64

	rep       Report
	days      map[string]*DayStats
	optIn     map[string]*CategoryOptIn
	invalid   map[string]int64
	removals  map[string]*CategoryRemovals
	blocked   map[blockKey]*BlockedCount
	inventory map[string]*cookieAgg
	warnSeen  map[string]bool
	history   map[string][]Event
	trackers  map[string]*trackerAgg
}

type trackerAgg struct {
	TrackerStats
	tags, pages map[string]bool
}

type blockKey struct{ event, rule, vendor, category string }

type cookieAgg struct {
	CookieStats
	cats map[string]bool
}

// New returns an empty Aggregator.
func New(opts Options) *Aggregator {
	a := &Aggregator{
		maxLine:   opts.MaxLineBytes,
		track:     make(map[string]bool),
		days:      make(map[string]*DayStats),
		optIn:     make(map[string]*CategoryOptIn),
		invalid:   make(map[string]int64),
		removals:  make(map[string]*CategoryRemovals),
		blocked:   make(map[blockKey]*BlockedCount),
		inventory: make(map[string]*cookieAgg),
		warnSeen:  make(map[string]bool),
		history:   make(map[string][]Event),
		trackers:  make(map[string]*trackerAgg),
	}
	if a.maxLine <= 0 {
		a.maxLine = DefaultMaxLineBytes
	}
	for _, id := range opts.ConsentIDs {
		if id = strings.TrimSpace(id); id != "" {
			a.track[strings.ToLower(id)] = true
		}
	}
	a.rep.EventCounts = make(map[string]int64)
	a.rep.SchemaVersions = make(map[int]int64)
	return a
}

// ReadFiles is a shortcut: it reads every path ("-" is standard input) and
// returns the report.
func ReadFiles(opts Options, paths ...string) (*Report, error) {
	a := New(opts)
	for _, p := range paths {
		if err := a.AddFile(p); err != nil {
			return nil, fmt.Errorf("reading %s: %v", p, err)
		}
	}
	return a.Report(), nil
}

// AddFile reads one log file ("-" is standard input). Only failing to open
// it is an error; unreadable content is counted in the report.
func (a *Aggregator) AddFile(path string) error {
	if path == "-" {
		return a.Add("(stdin)", os.Stdin)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return a.Add(path, f)
}

// Add reads one log stream; name identifies it in the report. It returns
// an error only when r cannot be read at all; a stream that breaks off
// (a truncated gzip file, say) is noted in the report and what was read
// counts.
func (a *Aggregator) Add(name string, r io.Reader) error {
	fs := FileStats{Name: name}
	src, format, release, err := decompress(r)
	fs.Format = format
	defer release()
	if err != nil {
		fs.Error = err.Error()
		a.warn(fmt.Sprintf("%s: not read: %v", name, err))
		a.rep.Files = append(a.rep.Files, fs)
		return nil
	}
	lr := newLineReader(src, a.maxLine)
	lineNo := 0
	for {
		line, tooLong, terminated, err := lr.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				fs.Error = err.Error()
				a.warn(fmt.Sprintf("%s: reading stopped after line %d: %v", name, lineNo, err))
			}
			break
		}
		lineNo++
		fs.Lines++
		switch a.addLine(name, lineNo, line, tooLong, terminated) {
		case lineEvent:
			fs.Events++
		case lineOther:
			fs.OtherLoggers++
		case lineBad:
			fs.Bad++
		}
	}
	a.rep.Files = append(a.rep.Files, fs)
	a.rep.Lines += fs.Lines
	a.rep.Events += fs.Events
	a.rep.OtherLoggers += fs.OtherLoggers
	a.rep.BadLines += fs.Bad
	return nil
}

func (a *Aggregator) warn(msg string) {
	if a.warnSeen[msg] || len(a.rep.Warnings) >= maxWarnings {
		return
	}
	a.warnSeen[msg] = true
	a.rep.Warnings = append(a.rep.Warnings, msg)
}

type lineKind int

const (
	lineBlank lineKind = iota
	lineEvent
	lineOther
	lineBad
)

// entry holds the fields of a log line that the report uses. Unknown
// fields are skipped by the decoder.
type entry struct {
	Level           string          `json:"level"`
	TS              json.RawMessage `json:"ts"`
	Logger          string          `json:"logger"`
	Msg             string          `json:"msg"`
	Schema          int             `json:"schema"`
	ConsentID       string          `json:"consent_id"`
	FormerConsentID string          `json:"former_consent_id"`
	Action          string          `json:"action"`
	Granted         []string        `json:"granted"`
	Denied          []string        `json:"denied"`
	Cookie          string          `json:"cookie"`
	Category        string          `json:"category"`
	Reason          string          `json:"reason"`
	Rule            string          `json:"rule"`
	Vendor          string          `json:"vendor"`
	WouldOnly       bool            `json:"would_only"`
	Applied         string          `json:"applied"`
	Note            string          `json:"note"`
	Warning         string          `json:"warning"`
	Path            string          `json:"path"`
	Tag             string          `json:"tag"`

	// schema 2: enforcement
	Stripped         []item `json:"stripped"`
	Filtered         []item `json:"filtered"`
	Expired          []item `json:"expired"`
	Neutralized      []item `json:"neutralized"`
	Blocked          *item  `json:"blocked"`
	StrippedTotal    int64  `json:"stripped_total"`
	FilteredTotal    int64  `json:"filtered_total"`
	ExpiredTotal     int64  `json:"expired_total"`
	NeutralizedTotal int64  `json:"neutralized_total"`
	BlockedTotal     int64  `json:"blocked_total"`
	// schema 2: enforcement_summary
	Counters []item `json:"counters"`
	// schema 2: cookie_unclassified attributes, tracker_unclassified
	SeenIn      string `json:"seen_in"`
	HTTPOnly    bool   `json:"http_only"`
	Secure      bool   `json:"secure"`
	SameSite    string `json:"same_site"`
	LifetimeS   *int64 `json:"lifetime_s"`
	Session     bool   `json:"session"`
	Domain      string `json:"domain"`
	PathAttr    string `json:"path_attr"`
	TrackerHost string `json:"tracker_host"`
}

// item is one entry of an enforcement event's lists or one counter of an
// enforcement_summary event.
type item struct {
	Decision  string `json:"decision"` // counters only
	Cookie    string `json:"cookie"`
	Vendor    string `json:"vendor"`
	Rule      string `json:"rule"`
	Category  string `json:"category"`
	Count     int64  `json:"count"`      // counters only
	WouldOnly bool   `json:"would_only"` // counters only
}

func (a *Aggregator) bad(name string, lineNo int, reason string) lineKind {
	if len(a.rep.BadSamples) < maxBadSamples {
		a.rep.BadSamples = append(a.rep.BadSamples, BadLine{File: name, Line: lineNo, Reason: reason})
	}
	return lineBad
}

func (a *Aggregator) addLine(name string, lineNo int, line []byte, tooLong, terminated bool) lineKind {
	if tooLong {
		return a.bad(name, lineNo, fmt.Sprintf("longer than %d bytes", a.maxLine))
	}
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return lineBlank
	}
	var e entry
	if err := json.Unmarshal(line, &e); err != nil {
		var syn *json.SyntaxError
		if !errors.As(err, &syn) {
			// Valid JSON whose fields have other types than ours: fine
			// for another logger, bad for ours.
			var l struct {
				Logger string `json:"logger"`
			}
			if json.Unmarshal(line, &l) == nil && !isOurLogger(l.Logger) {
				return lineOther
			}
			return a.bad(name, lineNo, "unexpected field type: "+err.Error())
		}
		if !terminated {
			return a.bad(name, lineNo, "truncated last line (no newline at end of file)")
		}
		return a.bad(name, lineNo, "not JSON: "+err.Error())
	}
	if !isOurLogger(e.Logger) {
		return lineOther
	}
	if e.Msg == "" {
		return a.bad(name, lineNo, "no msg (event name)")
	}
	ts, ok := parseTS(e.TS)
	if !ok {
		return a.bad(name, lineNo, "missing or unreadable ts")
	}
	a.seq++
	a.aggregate(&e, ts)
	if len(a.track) > 0 {
		id := strings.ToLower(e.ConsentID)
		former := strings.ToLower(e.FormerConsentID)
		switch {
		case id != "" && a.track[id]:
			a.keep(id, name, lineNo, line, ts)
		case former != "" && a.track[former]:
			a.keep(former, name, lineNo, line, ts)
		}
	}
	return lineEvent
}

// isEventName reports whether msg is an event name (snake_case), as
// opposed to a sentence.
func isEventName(msg string) bool {
	if msg == "" || len(msg) > 64 {
		return false
	}
	for i := 0; i < len(msg); i++ {
		if c := msg[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func isOurLogger(name string) bool {
	return name == LoggerName || strings.HasPrefix(name, LoggerName+".")
}

func (a *Aggregator) keep(id, name string, lineNo int, line []byte, ts time.Time) {
	var fields map[string]any
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if dec.Decode(&fields) != nil {
		return
	}
	ev := Event{Time: ts, Source: fmt.Sprintf("%s:%d", name, lineNo), seq: a.seq}
	ev.Level, _ = fields["level"].(string)
	ev.Event, _ = fields["msg"].(string)
	ev.Logger, _ = fields["logger"].(string)
	for _, k := range []string{"ts", "level", "logger", "msg"} {
		delete(fields, k)
	}
	ev.Fields = fields
	a.history[id] = append(a.history[id], ev)
}

func (a *Aggregator) aggregate(e *entry, ts time.Time) {
	r := &a.rep
	if isEventName(e.Msg) {
		r.EventCounts[e.Msg]++
	} else {
		// Prose messages (operational notes of the module) are not
		// audit events; count them apart and show a few.
		r.OtherMessages++
		msg := e.Msg
		if len(msg) > 100 {
			msg = msg[:100] + "…"
		}
		a.warn(fmt.Sprintf("%s message: %s", orUnknown(e.Level), msg))
	}
	if e.Schema != 0 {
		r.SchemaVersions[e.Schema]++
		if e.Schema > SchemaVersion {
			a.warn(fmt.Sprintf("events with schema %d, newer than this tool reads (%d): update caddy; counts may be incomplete", e.Schema, SchemaVersion))
		}
	}
	if r.From == nil || ts.Before(*r.From) {
		t := ts
		r.From = &t
	}
	if r.To == nil || ts.After(*r.To) {
		t := ts
		r.To = &t
	}
	if e.WouldOnly && !isDecision(e.Msg) {
		r.WouldOnly++
	}

	switch e.Msg {
	case evConsentRecorded:
		day := ts.Format("2006-01-02")
		d := a.days[day]
		if d == nil {
			d = &DayStats{Day: day, Granted: map[string]int64{}, Denied: map[string]int64{}}
			a.days[day] = d
		}
		switch e.Action {
		case "grant":
			d.Grant++
		case "update":
			d.Update++
		case "withdraw":
			d.Withdraw++
			r.Withdrawals++
		default:
			d.Other++
		}
		for _, c := range e.Granted {
			d.Granted[c]++
			a.optInOf(c).Granted++
			a.optInOf(c).Decisions++
		}
		for _, c := range e.Denied {
			d.Denied[c]++
			a.optInOf(c).Decisions++
		}
	case evCookieStripped, evCookieFiltered, evCookieExpired, evRequestBlocked, evTagNeutralized:
		a.decision(e.Msg, item{Cookie: e.Cookie, Rule: e.Rule, Vendor: e.Vendor, Category: e.Category}, e.WouldOnly, 1, ts)
	case evEnforcement:
		for _, l := range []struct {
			msg   string
			items []item
			total int64
		}{
			{evCookieStripped, e.Stripped, e.StrippedTotal},
			{evCookieFiltered, e.Filtered, e.FilteredTotal},
			{evCookieExpired, e.Expired, e.ExpiredTotal},
			{evTagNeutralized, e.Neutralized, e.NeutralizedTotal},
		} {
			for _, it := range l.items {
				a.decision(l.msg, it, e.WouldOnly, 1, ts)
			}
			if l.total > int64(len(l.items)) {
				a.unitemized(l.total-int64(len(l.items)), e.WouldOnly)
			}
		}
		if e.Blocked != nil {
			a.decision(evRequestBlocked, *e.Blocked, e.WouldOnly, 1, ts)
			if e.BlockedTotal > 1 {
				a.unitemized(e.BlockedTotal-1, e.WouldOnly)
			}
		}
	case evEnforcementSummary:
		for _, c := range e.Counters {
			msg, ok := decisionEvents[c.Decision]
			if !ok || c.Count <= 0 {
				continue
			}
			if c.Category == "" && (c.Cookie == otherName || c.Vendor == otherName || c.Rule == otherName) {
				a.unitemized(c.Count, c.WouldOnly)
				continue
			}
			a.decision(msg, c, c.WouldOnly, c.Count, ts)
		}
	case evTrackerUnclassified:
		if e.TrackerHost == "" {
			return
		}
		t := a.trackers[e.TrackerHost]
		if t == nil {
			t = &trackerAgg{TrackerStats: TrackerStats{Host: e.TrackerHost, FirstSeen: ts, LastSeen: ts}, tags: map[string]bool{}, pages: map[string]bool{}}
			a.trackers[e.TrackerHost] = t
		}
		t.Reports++
		t.FirstSeen, t.LastSeen = minTime(t.FirstSeen, ts), maxTime(t.LastSeen, ts)
		if e.Tag != "" && len(t.tags) < 8 {
			t.tags[e.Tag] = true
		}
		if e.Path != "" && len(t.pages) < 5 {
			t.pages[e.Path] = true
		}
	case evCookieUnclassified:
		if e.Cookie == "" {
			if e.Note != "" {
				a.warn("a gateway stopped reporting new unclassified cookie names: " + e.Note)
			}
			return
		}
		c := a.cookie(e.Cookie, "unknown", ts)
		c.Unclassified = true
		c.Reports++
		if e.Applied != "" {
			c.Applied = e.Applied
		}
		switch e.SeenIn {
		case "request":
			c.SeenInRequest = true
		case "set_cookie":
			c.Attributes = &CookieAttributes{HTTPOnly: e.HTTPOnly, Secure: e.Secure, SameSite: e.SameSite,
				LifetimeS: e.LifetimeS, Session: e.Session, Domain: e.Domain, Path: e.PathAttr}
		}
	case evConsentInvalid:
		a.invalid[orUnknown(e.Reason)]++
	case evConfigWarning:
		if e.Warning != "" {
			a.warn("config_warning: " + e.Warning)
		}
	}
}

// decisionEvents maps the decisions of schema 2 to the schema 1 event
// names the report counts them under.
var decisionEvents = map[string]string{
	"stripped":    evCookieStripped,
	"filtered":    evCookieFiltered,
	"expired":     evCookieExpired,
	"neutralized": evTagNeutralized,
	"blocked":     evRequestBlocked,
}

func isDecision(msg string) bool {
	switch msg {
	case evCookieStripped, evCookieFiltered, evCookieExpired, evRequestBlocked, evTagNeutralized,
		evEnforcement, evEnforcementSummary:
		return true
	}
	return false
}

// decision counts n decisions of kind msg (a schema 1 event name),
// whichever schema logged them.
func (a *Aggregator) decision(msg string, it item, wouldOnly bool, n int64, ts time.Time) {
	cat := orUnknown(it.Category)
	rm := a.removalsOf(cat)
	if wouldOnly {
		a.rep.WouldOnly += n
		rm.WouldOnly += n
	}
	switch msg {
	case evCookieStripped, evCookieFiltered, evCookieExpired:
		c := a.cookie(it.Cookie, cat, ts)
		switch msg {
		case evCookieStripped:
			rm.Stripped += n
			c.Stripped += n
		case evCookieFiltered:
			rm.Filtered += n
			c.Filtered += n
		case evCookieExpired:
			rm.Expired += n
			c.Expired += n
		}
		if wouldOnly {
			c.WouldOnly += n
		}
		return
	case evRequestBlocked:
		rm.Blocked += n
	case evTagNeutralized:
		rm.Neutralized += n
	}
	k := blockKey{msg, it.Rule, it.Vendor, cat}
	b := a.blocked[k]
	if b == nil {
		b = &BlockedCount{Event: msg, Rule: it.Rule, Vendor: it.Vendor, Category: cat}
		a.blocked[k] = b
	}
	b.Count += n
	if wouldOnly {
		b.WouldOnly += n
	}
}

// unitemized counts decisions a gateway counted without naming them (a
// response's lists are capped; summary counters overflow into "other").
func (a *Aggregator) unitemized(n int64, wouldOnly bool) {
	a.rep.Unitemized += n
	if wouldOnly {
		a.rep.WouldOnly += n
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func (a *Aggregator) optInOf(cat string) *CategoryOptIn {
	o := a.optIn[cat]
	if o == nil {
		o = &CategoryOptIn{Category: cat}
		a.optIn[cat] = o
	}
	return o
}

func (a *Aggregator) removalsOf(cat string) *CategoryRemovals {
	rm := a.removals[cat]
	if rm == nil {
		rm = &CategoryRemovals{Category: cat}
		a.removals[cat] = rm
	}
	return rm
}

// cookie returns the inventory entry of name, noting cat as one of its
// categories and ts as a sighting.
func (a *Aggregator) cookie(name, cat string, ts time.Time) *cookieAgg {
	c := a.inventory[name]
	if c == nil {
		c = &cookieAgg{CookieStats: CookieStats{Name: name, FirstSeen: ts, LastSeen: ts}, cats: map[string]bool{}}
		a.inventory[name] = c
	}
	if ts.Before(c.FirstSeen) {
		c.FirstSeen = ts
	}
	if ts.After(c.LastSeen) {
		c.LastSeen = ts
	}
	if cat == "unknown" {
		c.Unclassified = true
	} else {
		c.cats[cat] = true
	}
	return c
}

// Report returns the report of everything read so far. The Aggregator may
// go on reading afterwards.
func (a *Aggregator) Report() *Report {
	r := a.rep // copy; the slices below are fresh
	r.Files = slices.Clone(a.rep.Files)
	r.BadSamples = slices.Clone(a.rep.BadSamples)
	r.Warnings = slices.Clone(a.rep.Warnings)
	r.EventCounts = cloneMap(a.rep.EventCounts)
	r.SchemaVersions = cloneMap(a.rep.SchemaVersions)

	r.Days = nil
	for _, d := range a.days {
		c := *d
		c.Granted, c.Denied = cloneMap(d.Granted), cloneMap(d.Denied)
		r.Days = append(r.Days, c)
	}
	sort.Slice(r.Days, func(i, j int) bool { return r.Days[i].Day < r.Days[j].Day })

	r.OptIn = nil
	for _, o := range a.optIn {
		c := *o
		if c.Decisions > 0 {
			c.Rate = float64(c.Granted) / float64(c.Decisions)
		}
		r.OptIn = append(r.OptIn, c)
	}
	sort.Slice(r.OptIn, func(i, j int) bool { return categoryLess(r.OptIn[i].Category, r.OptIn[j].Category) })

	r.InvalidCookies = nil
	for reason, n := range a.invalid {
		r.InvalidCookies = append(r.InvalidCookies, ReasonCount{Reason: reason, Count: n})
	}
	sort.Slice(r.InvalidCookies, func(i, j int) bool {
		x, y := r.InvalidCookies[i], r.InvalidCookies[j]
		if x.Count != y.Count {
			return x.Count > y.Count
		}
		return x.Reason < y.Reason
	})

	r.Removals = nil
	for _, rm := range a.removals {
		r.Removals = append(r.Removals, *rm)
	}
	sort.Slice(r.Removals, func(i, j int) bool { return categoryLess(r.Removals[i].Category, r.Removals[j].Category) })

	r.Blocked = nil
	for _, b := range a.blocked {
		r.Blocked = append(r.Blocked, *b)
	}
	sort.Slice(r.Blocked, func(i, j int) bool {
		x, y := r.Blocked[i], r.Blocked[j]
		if x.Count != y.Count {
			return x.Count > y.Count
		}
		if x.Event != y.Event {
			return x.Event < y.Event
		}
		if x.Rule != y.Rule {
			return x.Rule < y.Rule
		}
		if x.Vendor != y.Vendor {
			return x.Vendor < y.Vendor
		}
		return categoryLess(x.Category, y.Category)
	})

	r.Inventory = nil
	for _, c := range a.inventory {
		s := c.CookieStats
		var cats []string
		for cat := range c.cats {
			cats = append(cats, cat)
		}
		sort.Slice(cats, func(i, j int) bool { return categoryLess(cats[i], cats[j]) })
		if len(cats) == 0 {
			cats = []string{"unknown"}
		}
		s.Category = strings.Join(cats, ",")
		r.Inventory = append(r.Inventory, s)
	}
	sort.Slice(r.Inventory, func(i, j int) bool {
		x, y := r.Inventory[i], r.Inventory[j]
		if x.Unclassified != y.Unclassified {
			return x.Unclassified
		}
		if x.Category != y.Category {
			return categoryLess(x.Category, y.Category)
		}
		return x.Name < y.Name
	})

	r.UnclassifiedTrackers = nil
	for _, t := range a.trackers {
		s := t.TrackerStats
		s.Tags = sortedKeys(t.tags)
		s.Pages = sortedKeys(t.pages)
		r.UnclassifiedTrackers = append(r.UnclassifiedTrackers, s)
	}
	sort.Slice(r.UnclassifiedTrackers, func(i, j int) bool {
		return r.UnclassifiedTrackers[i].Host < r.UnclassifiedTrackers[j].Host
	})

	r.history = make(map[string][]Event, len(a.history))
	for id, evs := range a.history {
		evs = slices.Clone(evs)
		sort.SliceStable(evs, func(i, j int) bool {
			if !evs[i].Time.Equal(evs[j].Time) {
				return evs[i].Time.Before(evs[j].Time)
			}
			return evs[i].seq < evs[j].seq
		})
		r.history[id] = evs
	}
	for id := range a.track {
		if _, ok := r.history[id]; !ok {
			r.history[id] = []Event{}
		}
	}
	return &r
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// builtinOrder ranks the built-in categories in the order the gateway
// presents them; other categories follow alphabetically, "unknown" last.
var builtinOrder = map[string]int{"necessary": 1, "functional": 2, "analytics": 3, "advertising": 4}

func categoryLess(a, b string) bool {
	rank := func(s string) int {
		first, _, _ := strings.Cut(s, ",")
		if r, ok := builtinOrder[first]; ok {
			return r
		}
		if first == "unknown" {
			return 1000
		}
		return 100
	}
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return ra < rb
	}
	return a < b
}

// Report is the summary of one or more audit logs. Its JSON form is the
// `json` output of `caddy consent audit`.
type Report struct {
	Files        []FileStats `json:"files"`
	From         *time.Time  `json:"from,omitempty"` // earliest event
	To           *time.Time  `json:"to,omitempty"`   // latest event
	Lines        int64       `json:"lines"`
	Events       int64       `json:"events"`             // lines of the consent logger
	OtherLoggers int64       `json:"other_logger_lines"` // skipped
	BadLines     int64       `json:"bad_lines"`
	BadSamples   []BadLine   `json:"bad_line_samples,omitempty"`
	// WouldOnly counts report-mode events: what enforce mode would do.
	// Decisions count one each, whether logged one per event (schema 1)
	// or several in one enforcement event (schema 2).
	WouldOnly int64 `json:"would_only_events"`
	// Unitemized counts decisions a gateway counted without naming the
	// cookie, tag or rule: beyond the 32 entries an enforcement event
	// lists, or beyond the keys of an enforcement_summary.
	Unitemized     int64            `json:"unitemized_decisions,omitempty"`
	SchemaVersions map[int]int64    `json:"schema_versions"`
	EventCounts    map[string]int64 `json:"event_counts"`
	// OtherMessages counts entries of the consent logger whose message
	// is a sentence, not an event name (operational notes; see Warnings).
	OtherMessages int64 `json:"other_messages"`
	// Days counts consent decisions per UTC day.
	Days []DayStats `json:"days"`
	// OptIn is, per category, how many consent_recorded events granted
	// it out of all that decided on it (listed it in granted or denied).
	OptIn          []CategoryOptIn    `json:"opt_in"`
	Withdrawals    int64              `json:"withdrawals"`
	InvalidCookies []ReasonCount      `json:"invalid_consent_cookies"`
	Removals       []CategoryRemovals `json:"removals_by_category"`
	Blocked        []BlockedCount     `json:"blocked"`
	// Inventory lists every cookie name seen in cookie events,
	// unclassified ones first.
	Inventory []CookieStats `json:"cookie_inventory"`
	// UnclassifiedTrackers lists the third-party hosts of
	// tracker_unclassified events: pages loaded them and no preset knew them.
	UnclassifiedTrackers []TrackerStats `json:"unclassified_trackers,omitempty"`
	// Warnings: unreadable files, newer schemas, config warnings.
	Warnings []string `json:"warnings,omitempty"`

	history map[string][]Event
}

// History returns every event carrying consentID (as consent_id, or as
// former_consent_id of a consent rejected for an old policy version) in
// time order across all files read. It is nil unless the ID was given in
// Options.ConsentIDs, and empty when no event carries it.
func (r *Report) History(consentID string) []Event {
	return r.history[strings.ToLower(strings.TrimSpace(consentID))]
}

// FileStats says what was read from one file.
type FileStats struct {
	Name         string `json:"name"`
	Format       string `json:"format"` // plain, gzip or zstd
	Lines        int64  `json:"lines"`
	Events       int64  `json:"events"`
	OtherLoggers int64  `json:"other_logger_lines"`
	Bad          int64  `json:"bad_lines"`
	Error        string `json:"error,omitempty"` // why reading stopped early
}

// BadLine is one example of a line that could not be used.
type BadLine struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// DayStats counts the consent_recorded events of one UTC day.
type DayStats struct {
	Day      string           `json:"day"` // YYYY-MM-DD
	Grant    int64            `json:"grant"`
	Update   int64            `json:"update"`
	Withdraw int64            `json:"withdraw"`
	Other    int64            `json:"other,omitempty"` // unknown action
	Granted  map[string]int64 `json:"granted"`         // by category
	Denied   map[string]int64 `json:"denied"`          // by category
}

// Total is the number of decisions of the day.
func (d DayStats) Total() int64 { return d.Grant + d.Update + d.Withdraw + d.Other }

// CategoryOptIn is the opt-in rate of one category.
type CategoryOptIn struct {
	Category  string  `json:"category"`
	Granted   int64   `json:"granted"`
	Decisions int64   `json:"decisions"`
	Rate      float64 `json:"rate"` // Granted / Decisions
}

// ReasonCount counts invalid consent cookies of one reason.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

// CategoryRemovals counts what the gateway removed (or, in report mode,
// would have removed) for one category.
type CategoryRemovals struct {
	Category    string `json:"category"`
	Stripped    int64  `json:"stripped"`    // Set-Cookie lines (cookie_stripped)
	Filtered    int64  `json:"filtered"`    // request cookies (cookie_filtered)
	Expired     int64  `json:"expired"`     // expiry lines added (cookie_expired)
	Blocked     int64  `json:"blocked"`     // requests (request_blocked)
	Neutralized int64  `json:"neutralized"` // tags (tag_neutralized)
	WouldOnly   int64  `json:"would_only"`  // of these, report mode only
}

// BlockedCount counts request_blocked or tag_neutralized events of one
// rule, vendor and category.
type BlockedCount struct {
	Event     string `json:"event"`
	Rule      string `json:"rule"`
	Vendor    string `json:"vendor,omitempty"`
	Category  string `json:"category"`
	Count     int64  `json:"count"`
	WouldOnly int64  `json:"would_only"`
}

// CookieStats is one entry of the cookie inventory.
type CookieStats struct {
	Name string `json:"name"`
	// Category: the categories the events gave it, comma-separated
	// ("unknown" when none classified it).
	Category     string `json:"category"`
	Unclassified bool   `json:"unclassified"`
	// Applied: for unclassified cookies, what the gateway did with them
	// (strip, allow or a category), from cookie_unclassified.
	Applied   string    `json:"applied,omitempty"`
	Stripped  int64     `json:"stripped"`
	Filtered  int64     `json:"filtered"`
	Expired   int64     `json:"expired"`
	Reports   int64     `json:"unclassified_reports"` // cookie_unclassified events
	WouldOnly int64     `json:"would_only"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// Attributes of the last Set-Cookie a cookie_unclassified event
	// described (schema 2); SeenInRequest when one said the browser sent it.
	Attributes    *CookieAttributes `json:"attributes,omitempty"`
	SeenInRequest bool              `json:"seen_in_request,omitempty"`
}

// CookieAttributes are a Set-Cookie's attributes, never its value.
type CookieAttributes struct {
	HTTPOnly  bool   `json:"http_only"`
	Secure    bool   `json:"secure"`
	SameSite  string `json:"same_site,omitempty"`
	LifetimeS *int64 `json:"lifetime_s,omitempty"` // nil: session cookie
	Session   bool   `json:"session"`
	Domain    string `json:"domain,omitempty"`
	Path      string `json:"path,omitempty"`
}

// TrackerStats is one third-party host no preset knew.
type TrackerStats struct {
	Host      string    `json:"host"`
	Tags      []string  `json:"tags"`  // script, img, iframe... (at most 8)
	Pages     []string  `json:"pages"` // sample of page paths (at most 5)
	Reports   int64     `json:"reports"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// Event is one log entry of a consent history.
type Event struct {
	Time   time.Time `json:"ts"`
	Level  string    `json:"level"`
	Logger string    `json:"logger"`
	Event  string    `json:"msg"`
	Source string    `json:"source"` // file:line
	// Fields holds every other field of the entry as logged (numbers as
	// json.Number).
	Fields map[string]any `json:"fields"`

	seq int64
}
