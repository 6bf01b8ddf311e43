package policy

import (
	"bufio"
	_ "embed"
	"fmt"
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
type Database struct {
	trie    trie
	entries []Facts
	exact   map[string]int32
	wild    []int32 // indexes of wildcard entries, longest prefix first
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
// merged, keeping the most restrictive category (and that row's facts); a
// wildcard row with an empty prefix would match every cookie and is
// dropped. A wildcard never exempts a cookie from consent: a wildcard row
// labelled Security or Necessary ("sb-", "clerk_") counts as functional,
// since any tracker could take a name with that prefix; the real shapes of
// those cookies are in the built-in necessary list.
func newDatabase(rows []dbRow) *Database {
	type key struct {
		name string
		wild bool
	}
	merged := map[key]dbRow{}
	var order []key
	for _, r := range rows {
		r.name = strings.TrimSpace(r.name)
		if r.wildcard {
			r.name = strings.TrimRight(r.name, "*")
		}
		if r.name == "" {
			continue
		}
		k := key{r.name, r.wildcard}
		old, ok := merged[k]
		if !ok {
			order = append(order, k)
		}
		if !ok || dbCategoryOf(r.ocdCat) > dbCategoryOf(old.ocdCat) {
			merged[k] = r
		}
	}
	sort.Slice(order, func(i, j int) bool {
		if order[i].name != order[j].name {
			return order[i].name < order[j].name
		}
		return !order[i].wild
	})
	d := &Database{exact: make(map[string]int32, len(order))}
	b := newTrieBuilder()
	for _, k := range order {
		r := merged[k]
		c := dbCategoryOf(r.ocdCat)
		if r.wildcard && c == 0 {
			c = 1
		}
		bit := Set(1) << uint(c)
		f := Facts{Pattern: r.name, Wildcard: r.wildcard, Vendor: r.vendor, Category: dbCategoryNames[c], DatabaseCategory: r.ocdCat, Retention: r.retention}
		idx := int32(len(d.entries))
		if r.wildcard {
			f.Pattern += "*"
			b.addPrefix(r.name, bit)
			d.wild = append(d.wild, idx)
		} else {
			n := b.walk(r.name)
			b.nodes[n].exact |= bit
			d.exact[r.name] = idx
		}
		d.entries = append(d.entries, f)
	}
	sort.SliceStable(d.wild, func(i, j int) bool {
		return len(d.entries[d.wild[i]].Pattern) > len(d.entries[d.wild[j]].Pattern)
	})
	d.trie.nodes = b.finish()
	return d
}

// addPrefix adds a pattern matching every name that starts with prefix.
func (b *trieBuilder) addPrefix(prefix string, bit Set) {
	n := b.walk(prefix)
	for k := range b.nodes[n].globs {
		if g := &b.nodes[n].globs[k]; g.rest.kind == restAny {
			g.set |= bit
			return
		}
	}
	b.nodes[n].globs = append(b.nodes[n].globs, globEntry{rest: globRest{kind: restAny}, set: bit})
}

// Len returns the number of distinct entries.
func (d *Database) Len() int { return len(d.entries) }

// Entries returns a copy of every entry, sorted by pattern.
func (d *Database) Entries() []Facts { return append([]Facts(nil), d.entries...) }

// Lookup returns the facts of the entry describing name: the exact entry
// when there is one, else the wildcard entry with the longest prefix.
// Category is the classification of name (the most restrictive category of
// every matching entry), as Config.Database uses it.
func (d *Database) Lookup(name string) (Facts, bool) {
	if d == nil {
		return Facts{}, false
	}
	m := d.trie.match(name)
	if m == 0 {
		return Facts{}, false
	}
	var f Facts
	if i, ok := d.exact[name]; ok {
		f = d.entries[i]
	} else {
		for _, i := range d.wild {
			if e := d.entries[i]; strings.HasPrefix(name, e.Pattern[:len(e.Pattern)-1]) {
				f = d.entries[i]
				break
			}
		}
	}
	f.Category = dbCategoryNames[highestBit(m)]
	return f, true
}

// Category returns the gateway category the database gives name ("" when
// no entry matches). It does not allocate.
func (d *Database) Category(name string) string {
	if d == nil {
		return ""
	}
	if m := d.trie.match(name); m != 0 {
		return dbCategoryNames[highestBit(m)]
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
// Open Cookie Database category, vendor and retention.
func parseDBData(data string) (*Database, error) {
	var rows []dbRow
	sc := bufio.NewScanner(strings.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		t := sc.Text()
		if t == "" || t[0] == '#' {
			continue
		}
		f := strings.Split(t, "\t")
		if len(f) != 5 || (f[1] != "0" && f[1] != "1") {
			return nil, fmt.Errorf("cookie database line %d: want 5 tab-separated fields (name, wildcard 0/1, category, vendor, retention), got %q", line, t)
		}
		rows = append(rows, dbRow{name: f[0], wildcard: f[1] == "1", ocdCat: f[2], vendor: f[3], retention: f[4]})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return newDatabase(rows), nil
}
