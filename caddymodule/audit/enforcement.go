package audit

import (
	"slices"
	"unicode/utf8"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Enforcement is the message of the one event per response that says what
// the gateway did (or, in report mode, would do) to that response.
const Enforcement = "enforcement"

// MaxListEntries bounds each list of an enforcement event (and the memory
// of an EnforcementRecord): at most this many distinct entries are kept;
// further ones are only counted in "<list>_total".
const MaxListEntries = 32

// MaxNameBytes bounds every cookie, vendor, rule and tag name kept in a
// record; longer names are cut (on a UTF-8 boundary) and end in "…".
const MaxNameBytes = 128

// Decisions, as named in enforcement events and summary counters.
const (
	DecisionStripped    = "stripped"
	DecisionFiltered    = "filtered"
	DecisionExpired     = "expired"
	DecisionNeutralized = "neutralized"
	DecisionBlocked     = "blocked"
)

type entry struct {
	name      string // cookie, vendor or rule
	category  string
	tag       string // neutralized only
	malformed bool   // stripped only
}

// list keeps at most MaxListEntries distinct entries and counts every
// addition that was not a duplicate of a kept entry. Beyond the cap,
// duplicates cannot be recognised without unbounded memory, so total may
// count one name more than once; it is an upper bound of distinct entries.
type list struct {
	entries []entry
	total   int
}

func (l *list) add(e entry, rec *EnforcementRecord) {
	for i := range l.entries {
		if l.entries[i] == e {
			return
		}
	}
	l.total++
	if len(l.entries) < MaxListEntries {
		if l.entries == nil {
			// The first list used starts in the record's own array
			// (no allocation for the usual response, one list of a
			// few entries); others start with room for 8, not one
			// allocation per doubling.
			if !rec.bufUsed {
				rec.bufUsed = true
				l.entries = rec.entBuf[:0:len(rec.entBuf)]
			} else {
				l.entries = make([]entry, 0, 8)
			}
		}
		l.entries = append(l.entries, e)
	}
}

func (l *list) reset() {
	clear(l.entries)
	l.entries = l.entries[:0]
	l.total = 0
}

// EnforcementRecord accumulates what the gateway did (or would do) for ONE
// response. The zero value is ready to use. It is not safe for concurrent
// use; one response is handled by one goroutine at a time.
//
// A record must not be copied once used: its first list and its
// categories start in arrays inside the record.
type EnforcementRecord struct {
	stripped, filtered, expired, neutralized, blocked list
	categories                                        []string

	bufUsed bool
	entBuf  [4]entry
	catBuf  [4]string
}

func clip(s string) string {
	if len(s) <= MaxNameBytes {
		return s
	}
	cut := MaxNameBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func (e *EnforcementRecord) category(c string) {
	if c == "" {
		return
	}
	c = clip(c)
	// Kept sorted as they come, so an event lists them in order without
	// sorting (or copying) when it is written.
	i, found := slices.BinarySearch(e.categories, c)
	if found || len(e.categories) >= MaxListEntries {
		return
	}
	if e.categories == nil {
		e.categories = e.catBuf[:0:len(e.catBuf)]
	}
	e.categories = slices.Insert(e.categories, i, c)
}

// Stripped records a Set-Cookie header removed from the response.
// malformed is true when the header could not be parsed.
func (e *EnforcementRecord) Stripped(cookie, category string, malformed bool) {
	e.stripped.add(entry{name: clip(cookie), category: category, malformed: malformed}, e)
	e.category(category)
}

// Filtered records a request cookie removed before the upstream saw it.
func (e *EnforcementRecord) Filtered(cookie, category string) {
	e.filtered.add(entry{name: clip(cookie), category: category}, e)
	e.category(category)
}

// Expired records an expiry Set-Cookie the gateway added to the response.
func (e *EnforcementRecord) Expired(cookie, category string) {
	e.expired.add(entry{name: clip(cookie), category: category}, e)
	e.category(category)
}

// Neutralized records a tracker tag made inert in the page.
func (e *EnforcementRecord) Neutralized(vendor, category, tag string) {
	e.neutralized.add(entry{name: clip(vendor), category: category, tag: clip(tag)}, e)
	e.category(category)
}

// Blocked records that a same-origin collector request was answered by the
// gateway instead of the upstream.
func (e *EnforcementRecord) Blocked(rule, category string) {
	e.blocked.add(entry{name: clip(rule), category: category}, e)
	e.category(category)
}

// Empty reports whether nothing was recorded since the last Reset.
func (e *EnforcementRecord) Empty() bool {
	return e.stripped.total == 0 && e.filtered.total == 0 && e.expired.total == 0 &&
		e.neutralized.total == 0 && e.blocked.total == 0
}

// Reset empties the record, keeping its memory for reuse.
func (e *EnforcementRecord) Reset() {
	e.stripped.reset()
	e.filtered.reset()
	e.expired.reset()
	e.neutralized.reset()
	e.blocked.reset()
	clear(e.categories)
	e.categories = e.categories[:0]
}

type cookieArray []entry

func (a cookieArray) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for i := range a {
		if err := enc.AppendObject(cookieObject(a[i])); err != nil {
			return err
		}
	}
	return nil
}

type cookieObject entry

func (o cookieObject) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("cookie", o.name)
	enc.AddString("category", o.category)
	if o.malformed {
		enc.AddBool("malformed", true)
	}
	return nil
}

type tagArray []entry

func (a tagArray) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for i := range a {
		if err := enc.AppendObject(tagObject(a[i])); err != nil {
			return err
		}
	}
	return nil
}

type tagObject entry

func (o tagObject) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("vendor", o.name)
	enc.AddString("category", o.category)
	enc.AddString("tag", o.tag)
	return nil
}

type ruleObject entry

func (o ruleObject) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("rule", o.name)
	enc.AddString("category", o.category)
	return nil
}

func appendList(f []zap.Field, key string, l *list, m func([]entry) zapcore.ArrayMarshaler) []zap.Field {
	if l.total == 0 {
		return f
	}
	f = append(f, zap.Array(key, m(l.entries)))
	if l.total > len(l.entries) {
		f = append(f, zap.Int(key+"_total", l.total))
	}
	return f
}

// Fields returns the event's own fields (not the request's: the caller adds
// Request.Fields(), "status" and, in report mode, "would_only"). Whatever
// was added, the output is bounded: at most MaxListEntries entries per list
// of at most MaxNameBytes per name. The slices of the record are copied, so
// the record may be Reset or reused once Fields has returned.
func (e *EnforcementRecord) Fields() []zap.Field {
	f := make([]zap.Field, 0, 11)
	cookies := func(es []entry) zapcore.ArrayMarshaler { return cookieArray(append([]entry(nil), es...)) }
	f = appendList(f, DecisionStripped, &e.stripped, cookies)
	f = appendList(f, DecisionFiltered, &e.filtered, cookies)
	f = appendList(f, DecisionExpired, &e.expired, cookies)
	f = appendList(f, DecisionNeutralized, &e.neutralized, func(es []entry) zapcore.ArrayMarshaler {
		return tagArray(append([]entry(nil), es...))
	})
	if e.blocked.total > 0 {
		// One request is answered by one rule: an object, not a list.
		f = append(f, zap.Object(DecisionBlocked, ruleObject(e.blocked.entries[0])))
		if e.blocked.total > 1 {
			f = append(f, zap.Int(DecisionBlocked+"_total", e.blocked.total))
		}
	}
	if len(e.categories) > 0 {
		f = append(f, zap.Strings("categories", append([]string(nil), e.categories...)))
	}
	return f
}

// MarshalLogObject writes the same fields as Fields, in the same order and
// with the same bytes, straight into the encoder: no []zap.Field, no copy
// of the lists. Write it with zap.Inline while the record is unchanged
// (zap's encoders read it during the Write call).
func (e *EnforcementRecord) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	addCookieList(enc, DecisionStripped, &e.stripped)
	addCookieList(enc, DecisionFiltered, &e.filtered)
	addCookieList(enc, DecisionExpired, &e.expired)
	if l := &e.neutralized; l.total > 0 {
		_ = enc.AddArray(DecisionNeutralized, (*tagList)(l))
		if l.total > len(l.entries) {
			enc.AddInt64(DecisionNeutralized+"_total", int64(l.total))
		}
	}
	if e.blocked.total > 0 {
		_ = enc.AddObject(DecisionBlocked, (*ruleObject)(&e.blocked.entries[0]))
		if e.blocked.total > 1 {
			enc.AddInt64(DecisionBlocked+"_total", int64(e.blocked.total))
		}
	}
	if len(e.categories) > 0 {
		_ = enc.AddArray("categories", (*stringList)(&e.categories))
	}
	return nil
}

func addCookieList(enc zapcore.ObjectEncoder, key string, l *list) {
	if l.total == 0 {
		return
	}
	_ = enc.AddArray(key, (*cookieList)(l))
	if l.total > len(l.entries) {
		enc.AddInt64(key+"_total", int64(l.total))
	}
}

// cookieList, tagList and stringList encode a record's lists in place
// (pointers: handing them to the encoder allocates nothing).
type cookieList list

func (l *cookieList) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for i := range l.entries {
		if err := enc.AppendObject((*cookieObject)(&l.entries[i])); err != nil {
			return err
		}
	}
	return nil
}

type tagList list

func (l *tagList) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for i := range l.entries {
		if err := enc.AppendObject((*tagObject)(&l.entries[i])); err != nil {
			return err
		}
	}
	return nil
}

type stringList []string

func (l *stringList) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for _, s := range *l {
		enc.AppendString(s)
	}
	return nil
}

// visit calls fn for each kept entry and returns, per decision, how many
// additions were counted but not kept.
func (e *EnforcementRecord) visit(fn func(decision string, en *entry)) (overflow [5]int) {
	for i, d := range []struct {
		name string
		l    *list
	}{
		{DecisionStripped, &e.stripped},
		{DecisionFiltered, &e.filtered},
		{DecisionExpired, &e.expired},
		{DecisionNeutralized, &e.neutralized},
		{DecisionBlocked, &e.blocked},
	} {
		for j := range d.l.entries {
			fn(d.name, &d.l.entries[j])
		}
		overflow[i] = d.l.total - len(d.l.entries)
	}
	return overflow
}

var decisionOrder = [5]string{DecisionStripped, DecisionFiltered, DecisionExpired, DecisionNeutralized, DecisionBlocked}
