// Command report turns the raw measurements bench/run.sh collects into the
// Markdown report it prints and keeps in bench/results/. It only formats:
// it never fails because a number is low.
//
// Input files in the directory given as the only argument:
//
//	meta.tsv       key<TAB>value lines, printed as the run's context
//	scenarios.tsv  id, description, target CPU ratio ("" = none), note
//	load.tsv       scenario, config, round, requests, duration_us, bytes,
//	               p50_us, p99_us, errors, non2xx, cpu_ticks
//	stream.tsv     config, run, ttfb_s, total_s, bytes, cpu_ticks
//	rss.tsv        config, hwm_before_kb, hwm_after_kb, rss_kb
package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

const (
	bare    = "bare"
	gateway = "gateway"
	nginx   = "nginx"

	rssTargetMB  = 8.0
	ttfbTarget   = 1.10
	minRoundsHdr = "rounds"
)

func readTSV(dir, name string) [][]string {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return nil
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rows = append(rows, strings.Split(line, "\t"))
	}
	return rows
}

func num(s string) float64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

func median(xs []float64) float64 {
	var v []float64
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// spread is (max-min)/median in percent.
func spread(xs []float64) float64 {
	if len(xs) < 2 {
		return math.NaN()
	}
	return (slices.Max(xs) - slices.Min(xs)) / median(xs) * 100
}

func f(x float64, prec int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	return strconv.FormatFloat(x, 'f', prec, 64)
}

func ratio(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return "–"
	}
	return f(a/b, 2) + "×"
}

// agg is one scenario × configuration over its rounds.
type agg struct {
	rps, p50, p99, cpu []float64 // per round; cpu in µs per request
	cpuByRound         map[string]float64
	requests, errors   float64
}

// pairedRatio is the median over rounds of gateway/bare CPU per request,
// each gateway round divided by the bare round just before it: the two ran
// seconds apart, under the same background load, so much of the noise of a
// shared machine cancels out.
func pairedRatio(g, b *agg) float64 {
	if g == nil || b == nil {
		return math.NaN()
	}
	var rs []float64
	for round, gc := range g.cpuByRound {
		if bc, ok := b.cpuByRound[round]; ok && bc > 0 {
			rs = append(rs, gc/bc)
		}
	}
	return median(rs)
}

func (a *agg) med() (rps, p50, p99, cpu float64) {
	if a == nil {
		return math.NaN(), math.NaN(), math.NaN(), math.NaN()
	}
	return median(a.rps), median(a.p50), median(a.p99), median(a.cpu)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: report DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	meta := map[string]string{}
	var metaKeys []string
	for _, r := range readTSV(dir, "meta.tsv") {
		if len(r) >= 2 {
			meta[r[0]] = r[1]
			metaKeys = append(metaKeys, r[0])
		}
	}
	clk := num(meta["clk_tck"])
	if math.IsNaN(clk) || clk == 0 {
		clk = 100
	}

	data := map[string]map[string]*agg{}
	for _, r := range readTSV(dir, "load.tsv") {
		if len(r) < 11 {
			continue
		}
		sc, cfg := r[0], r[1]
		req, dus, p50, p99, errs, non2xx, ticks := num(r[3]), num(r[4]), num(r[6]), num(r[7]), num(r[8]), num(r[9]), num(r[10])
		if data[sc] == nil {
			data[sc] = map[string]*agg{}
		}
		a := data[sc][cfg]
		if a == nil {
			a = &agg{cpuByRound: map[string]float64{}}
			data[sc][cfg] = a
		}
		a.requests += req
		a.errors += errs + non2xx
		if req <= 0 {
			continue
		}
		a.rps = append(a.rps, req/(dus/1e6))
		a.p50 = append(a.p50, p50/1000)
		a.p99 = append(a.p99, p99/1000)
		a.cpu = append(a.cpu, ticks/clk*1e6/req)
		a.cpuByRound[r[2]] = ticks / clk * 1e6 / req
	}

	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Consent gateway vs bare Caddy proxy, %s\n\n", meta["date"])
	for _, k := range metaKeys {
		if k == "date" || k == "clk_tck" {
			continue
		}
		w("- %s: %s\n", k, meta[k])
	}
	w("\n## Load (median of %s rounds per configuration, rounds alternate bare/gateway)\n\n", meta[minRoundsHdr])
	w("CPU/req is the proxy process's user+system CPU time per request (from /proc/PID/stat), the least noisy figure; ")
	w("± is its spread (max−min)/median over the rounds. × is gateway/bare of the medians, except for CPU/req: ")
	w("there it is the median of the per-round ratios (each gateway round against the bare round run just before it), ")
	w("which cancels much of a shared machine's background load. Latencies in ms.\n\n")
	w("| scenario | req/s bare | req/s gw | × | p50 bare | p50 gw | × | p99 bare | p99 gw | × | CPU µs/req bare | CPU µs/req gw | × | target | |\n")
	w("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
	scenarios := readTSV(dir, "scenarios.tsv")
	var notes []string
	for _, s := range scenarios {
		if len(s) < 3 {
			continue
		}
		id, desc, target := s[0], s[1], s[2]
		note := ""
		if len(s) > 3 {
			note = s[3]
		}
		bb, gg := data[id][bare], data[id][gateway]
		if bb == nil && gg == nil {
			continue
		}
		br, b50, b99, bc := bb.med()
		gr, g50, g99, gc := gg.med()
		cpuCell := func(a *agg, c float64) string {
			if a == nil {
				return "–"
			}
			sp := spread(a.cpu)
			if math.IsNaN(sp) {
				return f(c, 1)
			}
			return fmt.Sprintf("%s ±%s%%", f(c, 1), f(sp, 0))
		}
		cr := pairedRatio(gg, bb)
		verdict, tcell := "", "–"
		if t := num(target); !math.IsNaN(t) {
			tcell = "≤ " + f(t, 2) + "×"
			switch {
			case math.IsNaN(cr):
				verdict = "no data"
			case cr <= t:
				verdict = "met"
			default:
				verdict = "**missed**"
			}
			if note != "" {
				verdict += " (" + note + ")"
			}
		}
		w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			desc, f(br, 0), f(gr, 0), ratio(gr, br), f(b50, 2), f(g50, 2), ratio(g50, b50), f(b99, 2), f(g99, 2), ratio(g99, b99),
			cpuCell(bb, bc), cpuCell(gg, gc), ratio(cr, 1), tcell, verdict)
		for _, cfg := range []string{bare, gateway, nginx} {
			if a := data[id][cfg]; a != nil && a.errors > 0 {
				notes = append(notes, fmt.Sprintf("%s, %s: %.0f socket errors or non-2xx/3xx responses in %.0f requests", desc, cfg, a.errors, a.requests))
			}
		}
	}

	// nginx, when it took part.
	hasNginx := false
	for _, m := range data {
		if m[nginx] != nil {
			hasNginx = true
		}
	}
	if hasNginx {
		w("\n### Peer: nginx with sub_filter (banner-like insertion before </body>)\n\n")
		w("| scenario | req/s | p50 | p99 | CPU µs/req | CPU × bare |\n|---|--:|--:|--:|--:|--:|\n")
		for _, s := range scenarios {
			a := data[s[0]][nginx]
			if a == nil {
				continue
			}
			r, p50, p99, c := a.med()
			_, _, _, bc := data[s[0]][bare].med()
			w("| %s | %s | %s | %s | %s | %s |\n", s[1], f(r, 0), f(p50, 2), f(p99, 2), f(c, 1), ratio(c, bc))
		}
	}

	// The 20 MB stream.
	type st struct{ ttfb, total, cpu, bytes []float64 }
	streams := map[string]*st{}
	var cfgs []string
	for _, r := range readTSV(dir, "stream.tsv") {
		if len(r) < 6 {
			continue
		}
		s := streams[r[0]]
		if s == nil {
			s = &st{}
			streams[r[0]] = s
			cfgs = append(cfgs, r[0])
		}
		s.ttfb = append(s.ttfb, num(r[2])*1000)
		s.total = append(s.total, num(r[3])*1000)
		s.bytes = append(s.bytes, num(r[4]))
		s.cpu = append(s.cpu, num(r[5])/clk*1000)
	}
	rss := map[string][]float64{}
	for _, r := range readTSV(dir, "rss.tsv") {
		if len(r) >= 4 {
			rss[r[0]] = []float64{num(r[1]) / 1024, num(r[2]) / 1024, num(r[3]) / 1024}
		}
	}
	if len(streams) > 0 {
		w("\n## 20 MB HTML page streamed in 32 KB flushed chunks (curl, median of the runs)\n\n")
		w("Peak RSS is VmHWM from /proc/PID/status after the streams (reset with clear_refs before them when the kernel allows; the column before it is the peak before streaming).\n\n")
		w("| config | runs | TTFB ms | total ms | MB/s | bytes out | CPU ms/stream | peak RSS before MB | peak RSS after MB |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, c := range cfgs {
			s := streams[c]
			r := rss[c]
			if r == nil {
				r = []float64{math.NaN(), math.NaN(), math.NaN()}
			}
			tot := median(s.total)
			w("| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", c, len(s.ttfb), f(median(s.ttfb), 2), f(tot, 0),
				f(median(s.bytes)/1e6/(tot/1000), 0), f(median(s.bytes), 0), f(median(s.cpu), 0), f(r[0], 1), f(r[1], 1))
		}
		if sb, sg := streams[bare], streams[gateway]; sb != nil && sg != nil {
			tb, tg := median(sb.ttfb), median(sg.ttfb)
			v := "met"
			if tg/tb > ttfbTarget {
				v = "**missed**"
			}
			w("\n- TTFB gateway/bare: %s (target ≤ %.2f×: %s)\n", ratio(tg, tb), ttfbTarget, v)
			w("- total time gateway/bare: %s; CPU per stream gateway/bare: %s\n", ratio(median(sg.total), median(sb.total)), ratio(median(sg.cpu), median(sb.cpu)))
			if rb, rg := rss[bare], rss[gateway]; rb != nil && rg != nil {
				d := rg[1] - rb[1]
				v := "met"
				if d > rssTargetMB {
					v = "**missed**"
				}
				w("- peak RSS gateway − bare: %+.1f MB (target ≤ +%.0f MB: %s)\n", d, rssTargetMB, v)
			}
		}
	}
	if len(notes) > 0 {
		w("\n## Notes\n\n")
		for _, n := range notes {
			w("- %s\n", n)
		}
	}
	if extra, err := os.ReadFile(filepath.Join(dir, "notes.md")); err == nil && len(extra) > 0 {
		if len(notes) == 0 {
			w("\n## Notes\n\n")
		}
		b.Write(extra)
	}
	fmt.Print(b.String())
}
