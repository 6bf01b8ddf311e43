package policy

import (
	_ "embed"
	"fmt"
	"hash/maphash"
	"io"
	"sort"
	"strings"
	"sync"
)

// numDBCats is the number of categories a Database classifies into.
const numDBCats = 4

// dbCategoryNames are the categories a Database classifies into, from least
// to most restrictive (the bit order of its sets). Compile maps them onto
// the configured categories by name.
var dbCategoryNames = [numDBCats]string{"necessary", "functional", "analytics", "advertising"}

// Facts are what a cookie database says about one cookie: who sets it, how
// the gateway classifies it, and how long it lives. They are facts, not
// descriptions: the purpose shown to visitors is written per category or
// vendor by the gateway, not taken from the database.
type Facts struct {
	// Pattern is the database's name for the entry: the exact cookie name,
	// or the prefix followed by '*' when Wildcard is set.
	Pattern string
	// Wildcard says that Pattern names every cookie starting with its
	// prefix ("_gac_*" covers "_gac_UA-1").
	Wildcard bool
	// Vendor is the platform that sets the cookie ("Google Analytics").
	Vendor string
	// Category is the gateway category the database maps the name to:
	// "necessary", "functional", "analytics" or "advertising". When several
	// entries match, it is the most restrictive of them.
	Category string
	// DatabaseCategory is the database's own label ("Marketing", ...).
	DatabaseCategory string
	// Retention is the lifetime as the database writes it ("2 years",
	// "session", "1 day"); may be empty.
	Retention string
}

// Database is a compiled cookie database: a fallback classifier for cookie
// names that no configured pattern names (Config.Database), and a source of
// Facts. It is immutable and safe for concurrent use.
//
// It is two sorted tables, exact names behind a hash index and wildcard
// prefixes behind a small trie, not one trie of every name: that cost
// about 2 MB of nodes while the gateway runs and 10 MB of garbage to
// build. The strings of the embedded database are slices of the embedded
// data, which lives in the binary: they cost no heap at all.
type Database struct {
	exact    []dbEntry // exact names, sorted
	wild     []dbEntry // wildcard prefixes (without '*'), sorted
	patterns []string  // patterns[i] is wild[i].name + "*", for Facts
	// slots is an open-addressing hash table of the exact names: index+1
	// in exact, 0 for a free slot; len(slots)-1 is the mask.
	slots []uint32
	seed  maphash.Seed
	// lens[c] has bit min(len, 63) set when some exact name of that
	// length starts with byte c: most names no exact entry has skip the
	// hash.
	lens [256]uint64
	// prefixes is a trie of the wildcard prefixes: a node's exact field
	// is 1 + the index in wild of the prefix ending there, 0 for none.
	prefixes trie
}

// dbEntry is one entry of a Database.
type dbEntry struct {
	name      string // the exact name, or the wildcard's prefix
	ocdCat    string
	vendor    string
	retention string
	// parent is the index in Database.wild of the longest prefix of
	// name (for a wildcard: the longest other one); -1 when there is none.
	parent int32
	cat    uint8 // Database category index
	// cum is the bits (1<<category) of this entry and of every wildcard
	// along parent: the categories of every entry matching this name
	// (for a wildcard: every name whose longest matching prefix it is).
	cum uint8
}

// dbRow is one entry of a cookie database before compilation.
type dbRow struct {
	name      string // without a trailing '*'
	wildcard  bool
	ocdCat    string
	vendor    string
	retention string
}

// DatabaseRank is dbCategoryOf for the generator (tools/ocdgen), which
// merges duplicate rows the same way: higher is more restrictive.
func DatabaseRank(ocd string) int { return dbCategoryOf(ocd) }

// dbCategoryOf maps an Open Cookie Database label onto a Database category
// index, erring on the side of asking for consent: Security and Necessary →
// necessary; Functional and Personalization → functional (the database's
// Functional also holds mislabelled trackers, so it is not exempted);
// Analytics → analytics; Marketing and anything else → advertising.
func dbCategoryOf(ocd string) int {
	switch ocd {
	case "Necessary", "Security":
		return 0
	case "Functional", "Personalization":
		return 1
	case "Analytics":
		return 2
	}
	return 3
}

// newDatabase compiles rows. Rows with the same name and wildcard flag are
// merged, keeping the most restrictive category (and the first row with
// it); a wildcard row with an empty prefix would match every cookie and is
// dropped. A wildcard never exempts a cookie from consent: a wildcard row
// labelled Security or Necessary ("sb-", "clerk_") counts as functional,
// since any tracker could take a name with that prefix; the real shapes of
// those cookies are in the built-in necessary list. rows is reordered.
func newDatabase(rows []dbRow) *Database {
	kept := rows[:0]
	for _, r := range rows {
		r.name = strings.TrimSpace(r.name)
		if r.wildcard {
			r.name = strings.TrimRight(r.name, "*")
		}
		if r.name != "" {
			kept = append(kept, r)
		}
	}
	rows = kept
	// Stable, so that among rows of the same name and flag the first of
	// the most restrictive category wins, whatever the input order.
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].name != rows[j].name {
			return rows[i].name < rows[j].name
		}
		return !rows[i].wildcard && rows[j].wildcard
	})
	nExact, nWild := 0, 0
	for i, r := range rows {
		if i > 0 && rows[i-1].name == r.name && rows[i-1].wildcard == r.wildcard {
			continue
		}
		if r.wildcard {
			nWild++
		} else {
			nExact++
		}
	}
	d := &Database{exact: make([]dbEntry, 0, nExact), wild: make([]dbEntry, 0, nWild), patterns: make([]string, 0, nWild)}
	for i := 0; i < len(rows); {
		best := rows[i]
		j := i + 1
		for ; j < len(rows) && rows[j].name == best.name && rows[j].wildcard == best.wildcard; j++ {
			if dbCategoryOf(rows[j].ocdCat) > dbCategoryOf(best.ocdCat) {
				best = rows[j]
			}
		}
		i = j
		c := dbCategoryOf(best.ocdCat)
		e := dbEntry{name: best.name, ocdCat: best.ocdCat, vendor: best.vendor, retention: best.retention, parent: -1, cat: uint8(c)}
		if best.wildcard {
			if c == 0 {
				e.cat = 1
			}
			d.wild = append(d.wild, e)
			d.patterns = append(d.patterns, best.name+"*")
		} else {
			d.exact = append(d.exact, e)
		}
	}
	// Each prefix's parent: the prefixes that are prefixes of it come
	// before it in sorted order and are still on the stack.
	var stack []int32
	for i := range d.wild {
		w := &d.wild[i]
		for len(stack) > 0 && !strings.HasPrefix(w.name, d.wild[stack[len(stack)-1]].name) {
			stack = stack[:len(stack)-1]
		}
		w.cum = 1 << w.cat
		if len(stack) > 0 {
			w.parent = stack[len(stack)-1]
			w.cum |= d.wild[w.parent].cum
		}
		stack = append(stack, int32(i))
	}
	prefixBytes := 0
	for i := range d.wild {
		prefixBytes += len(d.wild[i].name)
	}
	pb := newTrieBuilder(prefixBytes)
	for i := range d.wild {
		pb.nodes[pb.walk(d.wild[i].name)].exact = Set(i + 1)
	}
	d.prefixes = pb.finish()
	size := 1
	for size < 2*len(d.exact) {
		size <<= 1
	}
	d.slots, d.seed = make([]uint32, size), maphash.MakeSeed()
	for i := range d.exact {
		e := &d.exact[i]
		e.parent = int32(d.longestPrefix(e.name))
		e.cum = 1 << e.cat
		if e.parent >= 0 {
			e.cum |= d.wild[e.parent].cum
		}
		d.lens[e.name[0]] |= 1 << min(len(e.name), 63)
		k := maphash.String(d.seed, e.name) & uint64(size-1)
		for d.slots[k] != 0 {
			k = (k + 1) & uint64(size-1)
		}
		d.slots[k] = uint32(i + 1)
	}
	return d
}

// Len returns the number of distinct entries.
func (d *Database) Len() int { return len(d.exact) + len(d.wild) }

// Entries returns a copy of every entry, sorted by pattern.
func (d *Database) Entries() []Facts {
	out := make([]Facts, 0, d.Len())
	i, j := 0, 0
	for i < len(d.exact) || j < len(d.wild) {
		if j == len(d.wild) || i < len(d.exact) && d.exact[i].name <= d.wild[j].name {
			out = append(out, d.exact[i].facts(d.exact[i].name, false))
			i++
		} else {
			out = append(out, d.wild[j].facts(d.patterns[j], true))
			j++
		}
	}
	return out
}

func (e *dbEntry) facts(pattern string, wildcard bool) Facts {
	return Facts{Pattern: pattern, Wildcard: wildcard, Vendor: e.vendor, Category: dbCategoryNames[e.cat], DatabaseCategory: e.ocdCat, Retention: e.retention}
}

// find returns the index of the exact entry called name (-1 when none) and
// the index of the longest wildcard prefix of name (-1 when none), with
// the bits (1<<category) of every entry matching name. It does not
// allocate.
func (d *Database) find(name string) (exact, wild int, bits uint8) {
	if d == nil || name == "" {
		return -1, -1, 0
	}
	if d.lens[name[0]]&(1<<min(len(name), 63)) != 0 {
		mask := uint64(len(d.slots) - 1)
		for k := maphash.String(d.seed, name) & mask; d.slots[k] != 0; k = (k + 1) & mask {
			if e := &d.exact[d.slots[k]-1]; e.name == name {
				return int(d.slots[k] - 1), int(e.parent), e.cum
			}
		}
	}
	if w := d.longestPrefix(name); w >= 0 {
		return -1, w, d.wild[w].cum
	}
	return -1, -1, 0
}

// longestPrefix returns the index of the longest wildcard prefix of name,
// -1 when none: one trie step per byte of name, while some prefix could
// still match.
func (d *Database) longestPrefix(name string) int {
	nodes, kids := d.prefixes.nodes, d.prefixes.kids
	if len(nodes) < 2 {
		return -1
	}
	best, cur := -1, int32(0)
	for i := 0; ; i++ {
		n := &nodes[cur]
		if n.exact != 0 {
			best = int(n.exact) - 1
		}
		if i == len(name) {
			return best
		}
		d := int(name[i]) - int(n.lo)
		if uint(d) >= uint(n.span) {
			return best
		}
		if cur = kids[n.kidOff+uint32(d)]; cur == 0 {
			return best
		}
	}
}

// match returns the Database categories matching name as a Set (bit k is
// dbCategoryNames[k]).
func (d *Database) match(name string) Set {
	_, _, b := d.find(name)
	return Set(b)
}

// Lookup returns the facts of the entry describing name: the exact entry
// when there is one, else the wildcard entry with the longest prefix.
// Category is the classification of name (the most restrictive category of
// every matching entry), as Config.Database uses it.
func (d *Database) Lookup(name string) (Facts, bool) {
	if d == nil {
		return Facts{}, false
	}
	ei, wi, b := d.find(name)
	var f Facts
	switch {
	case ei >= 0:
		f = d.exact[ei].facts(d.exact[ei].name, false)
	case wi >= 0:
		f = d.wild[wi].facts(d.patterns[wi], true)
	default:
		return Facts{}, false
	}
	f.Category = dbCategoryNames[highestBit(Set(b))]
	return f, true
}

// Category returns the gateway category the database gives name ("" when
// no entry matches). It does not allocate.
func (d *Database) Category(name string) string {
	if d == nil {
		return ""
	}
	if _, _, b := d.find(name); b != 0 {
		return dbCategoryNames[highestBit(Set(b))]
	}
	return ""
}

func highestBit(m Set) int {
	i := -1
	for m != 0 {
		i++
		m >>= 1
	}
	return i
}

// LoadCookieDatabase compiles an Open Cookie Database CSV export (for
// example a newer open-cookie-database.csv than the embedded one). It keeps
// only facts: name, wildcard flag, vendor, category and retention. Rows
// naming the same cookie are merged: the most restrictive category wins.
// Operators use it to point the gateway at a newer file than the embedded
// one; the result goes into Config.Database.
func LoadCookieDatabase(r io.Reader) (*Database, error) {
	rows, err := readOCDRows(r)
	if err != nil {
		return nil, err
	}
	return newDatabase(rows), nil
}

//go:embed ocd_data.tsv
var builtinDBData string

// BuiltinCookieDatabaseNotice is the attribution of the embedded data.
const BuiltinCookieDatabaseNotice = "Cookie facts from the Open Cookie Database (https://github.com/jkwakman/Open-Cookie-Database), Apache License 2.0."

var builtinDB = sync.OnceValues(func() (*Database, error) {
	return parseDBData(builtinDBData)
})

// BuiltinCookieDatabase returns the embedded cookie database: the facts of
// the Open Cookie Database (Apache-2.0), generated by tools/ocdgen from its
// CSV (see ocd_data.tsv for the source commit). It is parsed once; every
// call returns the same immutable *Database.
func BuiltinCookieDatabase() (*Database, error) { return builtinDB() }

// CookieFacts looks name up in the embedded cookie database (see
// Database.Lookup).
func CookieFacts(name string) (Facts, bool) {
	d, err := BuiltinCookieDatabase()
	if err != nil {
		return Facts{}, false
	}
	return d.Lookup(name)
}

// parseDBData parses the compact tab-separated form tools/ocdgen writes:
// '#' lines are comments; every other line is name, wildcard ("0"/"1"),
// Open Cookie Database category, vendor and retention. The entries' strings
// are slices of data, not copies.
func parseDBData(data string) (*Database, error) {
	rows := make([]dbRow, 0, strings.Count(data, "\n"))
	for line := 1; data != ""; line++ {
		t, rest, _ := strings.Cut(data, "\n")
		data = rest
		t = strings.TrimSuffix(t, "\r")
		if t == "" || t[0] == '#' {
			continue
		}
		var f [5]string
		n := 0
		for s := t; ; n++ {
			field, rest, more := strings.Cut(s, "\t")
			if n < len(f) {
				f[n] = field
			}
			if !more {
				n++
				break
			}
			s = rest
		}
		if n != len(f) || (f[1] != "0" && f[1] != "1") {
			return nil, fmt.Errorf("cookie database line %d: want 5 tab-separated fields (name, wildcard 0/1, category, vendor, retention), got %q", line, t)
		}
		rows = append(rows, dbRow{name: f[0], wildcard: f[1] == "1", ocdCat: f[2], vendor: f[3], retention: f[4]})
	}
	return newDatabase(rows), nil
}
