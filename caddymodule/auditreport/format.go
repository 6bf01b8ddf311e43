package auditreport

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Output formats.
const (
	FormatText = "text"
	FormatJSON = "json"
	FormatCSV  = "csv"
)

// Formats lists the output formats, for help texts.
var Formats = []string{FormatText, FormatJSON, FormatCSV}

func checkFormat(format string) error {
	switch format {
	case FormatText, FormatJSON, FormatCSV:
		return nil
	}
	return fmt.Errorf("unknown format %q: use text, json or csv", format)
}

const tsLayout = "2006-01-02T15:04:05.000Z07:00"

// Write writes the report as text (tables for people), json (the Report
// struct) or csv (one long table: section,day,event,name,category,metric,value).
func (r *Report) Write(w io.Writer, format string) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case FormatCSV:
		return r.writeCSV(w)
	}
	return r.writeText(w)
}

type textWriter struct {
	w   io.Writer
	err error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

// table writes a titled table; rows are tab-separated cells.
func (t *textWriter) table(title string, header string, rows []string) {
	t.printf("%s\n", title)
	if len(rows) == 0 {
		t.printf("  (none)\n\n")
		return
	}
	if t.err != nil {
		return
	}
	tw := tabwriter.NewWriter(t.w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  %s\n", header)
	for _, row := range rows {
		fmt.Fprintf(tw, "  %s\n", row)
	}
	t.err = tw.Flush()
	t.printf("\n")
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func (r *Report) categories() []string {
	seen := map[string]bool{}
	var cats []string
	for _, o := range r.OptIn {
		if !seen[o.Category] {
			seen[o.Category] = true
			cats = append(cats, o.Category)
		}
	}
	sort.Slice(cats, func(i, j int) bool { return categoryLess(cats[i], cats[j]) })
	return cats
}

func (r *Report) writeText(w io.Writer) error {
	t := &textWriter{w: w}
	t.printf("Consent audit report\n\n")

	var rows []string
	for _, f := range r.Files {
		row := fmt.Sprintf("%s\t%s\t%d\t%d\t%d\t%d", f.Name, f.Format, f.Lines, f.Events, f.OtherLoggers, f.Bad)
		if f.Error != "" {
			row += "\tstopped: " + f.Error
		}
		rows = append(rows, row)
	}
	t.table("Files", "FILE\tFORMAT\tLINES\tEVENTS\tOTHER LOGGERS\tBAD", rows)

	if r.From != nil {
		t.printf("Period:          %s to %s\n", r.From.Format(tsLayout), r.To.Format(tsLayout))
	} else {
		t.printf("Period:          no events\n")
	}
	t.printf("Consent events:  %d", r.Events)
	if r.OtherMessages > 0 {
		t.printf(" (%d of them operational notes, not audit events: see Warnings)", r.OtherMessages)
	}
	t.printf("\n")
	t.printf("Skipped:         %s of other loggers\n", plural(r.OtherLoggers, "line", "lines"))
	t.printf("Bad lines:       %d\n", r.BadLines)
	t.printf("Report mode:     %s (would_only: logged, nothing changed)\n", plural(r.WouldOnly, "event", "events"))
	if r.Unitemized > 0 {
		t.printf("Unitemized:      %s counted without a name (lists capped at 32 per response, or summary overflow)\n", plural(r.Unitemized, "decision", "decisions"))
	}
	t.printf("Withdrawals:     %d\n\n", r.Withdrawals)

	rows = nil
	names := make([]string, 0, len(r.EventCounts))
	for name := range r.EventCounts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		rows = append(rows, fmt.Sprintf("%s\t%d", name, r.EventCounts[name]))
	}
	t.table("Events", "EVENT\tCOUNT", rows)

	rows = nil
	for _, d := range r.Days {
		row := fmt.Sprintf("%s\t%d\t%d\t%d\t%d", d.Day, d.Grant, d.Update, d.Withdraw, d.Total())
		if d.Other > 0 {
			row += fmt.Sprintf("\t(+%d other)", d.Other)
		}
		rows = append(rows, row)
	}
	t.table("Consent decisions by day (UTC)", "DAY\tGRANT\tUPDATE\tWITHDRAW\tTOTAL", rows)

	cats := r.categories()
	rows = nil
	for _, d := range r.Days {
		cells := []string{d.Day}
		for _, c := range cats {
			cells = append(cells, fmt.Sprintf("%d/%d", d.Granted[c], d.Granted[c]+d.Denied[c]))
		}
		rows = append(rows, strings.Join(cells, "\t"))
	}
	t.table("Categories granted by day (granted/decided)", "DAY\t"+strings.Join(cats, "\t"), rows)

	rows = nil
	for _, o := range r.OptIn {
		rows = append(rows, fmt.Sprintf("%s\t%d\t%d\t%.1f%%", o.Category, o.Granted, o.Decisions, o.Rate*100))
	}
	t.table("Opt-in rate by category", "CATEGORY\tGRANTED\tDECISIONS\tRATE", rows)

	rows = nil
	for _, rc := range r.InvalidCookies {
		rows = append(rows, fmt.Sprintf("%s\t%d", rc.Reason, rc.Count))
	}
	t.table("Invalid consent cookies", "REASON\tCOUNT", rows)

	rows = nil
	for _, rm := range r.Removals {
		rows = append(rows, fmt.Sprintf("%s\t%d\t%d\t%d\t%d\t%d\t%d", rm.Category, rm.Stripped, rm.Filtered, rm.Expired, rm.Blocked, rm.Neutralized, rm.WouldOnly))
	}
	t.table("Removed by category", "CATEGORY\tSTRIPPED\tFILTERED\tEXPIRED\tBLOCKED\tNEUTRALIZED\tWOULD_ONLY", rows)

	rows = nil
	for _, b := range r.Blocked {
		rows = append(rows, fmt.Sprintf("%s\t%s\t%s\t%s\t%d\t%d", b.Event, dash(b.Rule), dash(b.Vendor), b.Category, b.Count, b.WouldOnly))
	}
	t.table("Blocked requests and neutralized tags", "EVENT\tRULE\tVENDOR\tCATEGORY\tCOUNT\tWOULD_ONLY", rows)

	rows = nil
	for _, c := range r.Inventory {
		cat := c.Category
		if c.Unclassified && c.Applied != "" {
			cat += " (applied: " + c.Applied + ")"
		}
		rows = append(rows, fmt.Sprintf("%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s", cookieLabel(c.Name), cat,
			c.Stripped, c.Filtered, c.Expired, c.Reports, c.WouldOnly, c.FirstSeen.Format(tsLayout), c.LastSeen.Format(tsLayout)))
	}
	t.table("Cookie inventory (unclassified first)", "COOKIE\tCATEGORY\tSTRIPPED\tFILTERED\tEXPIRED\tUNCLASSIFIED\tWOULD_ONLY\tFIRST SEEN\tLAST SEEN", rows)

	if len(r.UnclassifiedTrackers) > 0 {
		rows = nil
		for _, tr := range r.UnclassifiedTrackers {
			rows = append(rows, fmt.Sprintf("%s\t%s\t%d\t%s", tr.Host, strings.Join(tr.Tags, ","), tr.Reports, strings.Join(tr.Pages, " ")))
		}
		t.table("Third-party hosts no preset knows (tracker_unclassified)", "HOST\tTAGS\tREPORTS\tPAGES", rows)
	}

	if r.BadLines > 0 {
		t.printf("Bad lines (%d of %d shown)\n", len(r.BadSamples), r.BadLines)
		for _, b := range r.BadSamples {
			t.printf("  %s:%d: %s\n", b.File, b.Line, b.Reason)
		}
		t.printf("\n")
	}
	if len(r.Warnings) > 0 {
		t.printf("Warnings\n")
		for _, wr := range r.Warnings {
			t.printf("  %s\n", wr)
		}
		t.printf("\n")
	}
	return t.err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func cookieLabel(name string) string {
	if name == "" {
		return "(unparsable Set-Cookie)"
	}
	return name
}

func (r *Report) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	row := func(section, day, event, name, category, metric string, value any) {
		var v string
		switch x := value.(type) {
		case int64:
			v = strconv.FormatInt(x, 10)
		case float64:
			v = strconv.FormatFloat(x, 'f', 4, 64)
		case time.Time:
			v = x.Format(time.RFC3339Nano)
		default:
			v = fmt.Sprint(x)
		}
		_ = cw.Write([]string{section, day, event, name, category, metric, v})
	}
	_ = cw.Write([]string{"section", "day", "event", "name", "category", "metric", "value"})
	for _, f := range r.Files {
		row("file", "", "", f.Name, "", "lines", f.Lines)
		row("file", "", "", f.Name, "", "events", f.Events)
		row("file", "", "", f.Name, "", "other_logger_lines", f.OtherLoggers)
		row("file", "", "", f.Name, "", "bad_lines", f.Bad)
		if f.Error != "" {
			row("file", "", "", f.Name, "", "error", f.Error)
		}
	}
	if r.From != nil {
		row("summary", "", "", "", "", "from", *r.From)
		row("summary", "", "", "", "", "to", *r.To)
	}
	row("summary", "", "", "", "", "events", r.Events)
	row("summary", "", "", "", "", "other_logger_lines", r.OtherLoggers)
	row("summary", "", "", "", "", "other_messages", r.OtherMessages)
	row("summary", "", "", "", "", "bad_lines", r.BadLines)
	row("summary", "", "", "", "", "would_only_events", r.WouldOnly)
	row("summary", "", "", "", "", "withdrawals", r.Withdrawals)
	names := make([]string, 0, len(r.EventCounts))
	for name := range r.EventCounts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		row("event", "", name, "", "", "count", r.EventCounts[name])
	}
	cats := r.categories()
	for _, d := range r.Days {
		row("day", d.Day, evConsentRecorded, "", "", "grant", d.Grant)
		row("day", d.Day, evConsentRecorded, "", "", "update", d.Update)
		row("day", d.Day, evConsentRecorded, "", "", "withdraw", d.Withdraw)
		if d.Other > 0 {
			row("day", d.Day, evConsentRecorded, "", "", "other", d.Other)
		}
		for _, c := range cats {
			row("day", d.Day, evConsentRecorded, "", c, "granted", d.Granted[c])
			row("day", d.Day, evConsentRecorded, "", c, "denied", d.Denied[c])
		}
	}
	for _, o := range r.OptIn {
		row("opt_in", "", evConsentRecorded, "", o.Category, "granted", o.Granted)
		row("opt_in", "", evConsentRecorded, "", o.Category, "decisions", o.Decisions)
		row("opt_in", "", evConsentRecorded, "", o.Category, "rate", o.Rate)
	}
	for _, rc := range r.InvalidCookies {
		row("invalid_consent_cookie", "", "consent_cookie_invalid", rc.Reason, "", "count", rc.Count)
	}
	for _, rm := range r.Removals {
		row("removed", "", "", "", rm.Category, "stripped", rm.Stripped)
		row("removed", "", "", "", rm.Category, "filtered", rm.Filtered)
		row("removed", "", "", "", rm.Category, "expired", rm.Expired)
		row("removed", "", "", "", rm.Category, "blocked", rm.Blocked)
		row("removed", "", "", "", rm.Category, "neutralized", rm.Neutralized)
		row("removed", "", "", "", rm.Category, "would_only", rm.WouldOnly)
	}
	for _, b := range r.Blocked {
		name := b.Rule
		if b.Vendor != "" {
			name += " (" + b.Vendor + ")"
		}
		row("blocked", "", b.Event, name, b.Category, "count", b.Count)
		row("blocked", "", b.Event, name, b.Category, "would_only", b.WouldOnly)
	}
	for _, c := range r.Inventory {
		row("cookie", "", "", c.Name, c.Category, "unclassified", strconv.FormatBool(c.Unclassified))
		if c.Applied != "" {
			row("cookie", "", "", c.Name, c.Category, "applied", c.Applied)
		}
		row("cookie", "", "", c.Name, c.Category, "stripped", c.Stripped)
		row("cookie", "", "", c.Name, c.Category, "filtered", c.Filtered)
		row("cookie", "", "", c.Name, c.Category, "expired", c.Expired)
		row("cookie", "", "", c.Name, c.Category, "unclassified_reports", c.Reports)
		row("cookie", "", "", c.Name, c.Category, "would_only", c.WouldOnly)
		row("cookie", "", "", c.Name, c.Category, "first_seen", c.FirstSeen)
		row("cookie", "", "", c.Name, c.Category, "last_seen", c.LastSeen)
	}
	if r.Unitemized > 0 {
		row("summary", "", "", "", "", "unitemized_decisions", r.Unitemized)
	}
	for _, tr := range r.UnclassifiedTrackers {
		row("tracker_unclassified", "", "", tr.Host, "", "reports", tr.Reports)
	}
	for _, b := range r.BadSamples {
		row("bad_line", "", "", fmt.Sprintf("%s:%d", b.File, b.Line), "", "reason", b.Reason)
	}
	for _, wr := range r.Warnings {
		row("warning", "", "", "", "", "message", wr)
	}
	cw.Flush()
	return cw.Error()
}

// historyKeys are shown first, in this order, in text and csv histories.
var historyKeys = []string{
	"action", "method", "granted", "denied", "previously_granted",
	"cookie", "category", "rule", "vendor", "tag", "reason", "would_only",
	"policy_version", "cookie_policy_version", "former_consent_id", "mode",
	"host", "path", "client_ip", "browser", "gpc",
	"banner_hash", "config_hash", "expires",
}

// skippedKeys are not repeated in every history line.
var skippedKeys = map[string]bool{"schema": true, "consent_id": true}

// WriteHistory writes the history of one consent ID (events as returned
// by Report.History) as text, json (an array of Event) or csv (one row
// per event).
func WriteHistory(w io.Writer, consentID string, events []Event, format string) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	if events == nil {
		events = []Event{}
	}
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(events)
	case FormatCSV:
		cw := csv.NewWriter(w)
		header := append([]string{"ts", "event", "level", "source", "consent_id"}, historyKeys...)
		header = append(header, "other")
		_ = cw.Write(header)
		for _, ev := range events {
			id, _ := ev.Fields["consent_id"].(string)
			rec := []string{ev.Time.Format(time.RFC3339Nano), ev.Event, ev.Level, ev.Source, id}
			for _, k := range historyKeys {
				rec = append(rec, fieldString(k, ev.Fields[k]))
			}
			rec = append(rec, otherFields(ev))
			_ = cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	}
	t := &textWriter{w: w}
	if len(events) == 0 {
		t.printf("No event carries consent ID %s.\n", consentID)
		return t.err
	}
	t.printf("History of consent %s: %s (UTC, oldest first)\n\n", consentID, plural(int64(len(events)), "event", "events"))
	var rows []string
	for _, ev := range events {
		var details []string
		for _, k := range historyKeys {
			if v, ok := ev.Fields[k]; ok {
				s := fieldString(k, v)
				if list, isList := v.([]any); isList && len(list) == 0 {
					s = "-" // an empty list says something: e.g. nothing denied
				}
				if s != "" {
					details = append(details, k+"="+s)
				}
			}
		}
		if o := otherFields(ev); o != "" {
			details = append(details, o)
		}
		rows = append(rows, fmt.Sprintf("%s\t%s\t%s\t%s", ev.Time.Format(tsLayout), ev.Event, ev.Source, strings.Join(details, " ")))
	}
	t.table("Events", "TS\tEVENT\tSOURCE\tDETAILS", rows)
	return t.err
}

func otherFields(ev Event) string {
	known := map[string]bool{}
	for _, k := range historyKeys {
		known[k] = true
	}
	var keys []string
	for k := range ev.Fields {
		if !known[k] && !skippedKeys[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+fieldString(k, ev.Fields[k]))
	}
	return strings.Join(parts, " ")
}

// fieldString formats a logged value for text and csv: lists joined by
// commas, times (expires) as RFC 3339.
func fieldString(key string, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		if key == "expires" {
			if t, ok := parseTS([]byte(strconv.Quote(x))); ok {
				return t.Format(time.RFC3339)
			}
		}
		return x
	case json.Number:
		if key == "expires" {
			if t, ok := parseEpoch(x.String()); ok {
				return t.Format(time.RFC3339)
			}
		}
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, fieldString("", e))
		}
		return strings.Join(parts, ",")
	}
	b, _ := json.Marshal(v)
	return string(b)
}
