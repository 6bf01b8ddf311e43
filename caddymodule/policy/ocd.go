package policy

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// LoadOpenCookieDatabase parses the CSV export of the Open Cookie Database
// (github.com/jkwakman/Open-Cookie-Database, Apache-2.0) and returns a map
// from cookie pattern source to the database's category as written there
// ("Functional", "Analytics", "Marketing", "Personalization", "Security" or
// "Necessary").
//
// Rows with "Wildcard match" 1 become prefix globs ("_gac_" → "_gac_*").
// Names that are not valid cookie-name patterns (such as "barometric[cuid]"
// or "crisp-client/") become anchored regular expressions matching the name
// literally. When several rows give the same pattern, the most restrictive
// category wins (Marketing > Analytics > Personalization > the rest).
//
// The database's categories are hints, not verdicts: it labels some tracking
// cookies Functional. Use OpenCookieDatabaseCategory to map them onto the
// default categories, and let the operator's own lists take precedence.
func LoadOpenCookieDatabase(r io.Reader) (map[string]string, error) {
	rows, err := readOCDRows(r)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, row := range rows {
		if row.name == "" || row.ocdCat == "" {
			continue
		}
		src := ocdPattern(row.name, row.wildcard)
		if old, ok := out[src]; !ok || ocdRank(row.ocdCat) > ocdRank(old) {
			out[src] = row.ocdCat
		}
	}
	return out, nil
}

// readOCDRows reads the rows of an Open Cookie Database CSV export, keeping
// only facts (not the description sentences). Names and categories are
// trimmed; rows without a name or category are skipped.
func readOCDRows(r io.Reader) ([]dbRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("open cookie database: reading header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	nameCol, okN := col["Cookie / Data Key name"]
	catCol, okC := col["Category"]
	wildCol, okW := col["Wildcard match"]
	if !okN || !okC || !okW {
		return nil, errors.New(`open cookie database: header lacks "Cookie / Data Key name", "Category" or "Wildcard match"; is this open-cookie-database.csv?`)
	}
	field := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.Join(strings.Fields(rec[i]), " ")
		}
		return ""
	}
	var rows []dbRow
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("open cookie database: %w", err)
		}
		if len(rec) <= max(nameCol, catCol, wildCol) {
			return nil, fmt.Errorf("open cookie database: line %d has %d fields, want at least %d", line, len(rec), max(nameCol, catCol, wildCol)+1)
		}
		name := strings.TrimSpace(rec[nameCol])
		cat := strings.TrimSpace(rec[catCol])
		if name == "" || cat == "" {
			continue
		}
		vendor := field(rec, "Platform")
		if vendor == "" {
			vendor = field(rec, "Data Controller")
		}
		rows = append(rows, dbRow{name: name, wildcard: strings.TrimSpace(rec[wildCol]) == "1", ocdCat: cat, vendor: vendor, retention: field(rec, "Retention period")})
	}
	return rows, nil
}

func ocdPattern(name string, wildcard bool) string {
	if _, err := ParsePattern(name); err == nil && name[0] != '/' {
		if wildcard && !strings.HasSuffix(name, "*") {
			return name + "*"
		}
		return name
	}
	expr := "^" + regexp.QuoteMeta(name)
	if !wildcard {
		expr += "$"
	}
	return "/" + expr + "/"
}

func ocdRank(cat string) int {
	switch cat {
	case "Marketing":
		return 3
	case "Analytics":
		return 2
	case "Personalization":
		return 1
	}
	return 0
}

// OpenCookieDatabaseCategory maps an Open Cookie Database category onto a
// default category name, erring on the side of asking for consent:
// Necessary and Security → "necessary"; Functional and Personalization →
// "functional" (the database's Functional also holds mislabelled trackers,
// so it is not exempted); Analytics → "analytics"; Marketing and any other
// label → "advertising".
func OpenCookieDatabaseCategory(ocd string) string {
	return dbCategoryNames[dbCategoryOf(ocd)]
}
