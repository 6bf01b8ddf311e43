// Command load is the fallback HTTP load generator of bench/run.sh, used
// only when wrk is missing and cannot be installed. It keeps a fixed number
// of keep-alive connections busy for a duration and prints the same
// machine-readable RESULT line as bench/wrk-report.lua:
//
//	RESULT requests=N duration_us=N bytes=N p50_us=N p99_us=N errors=N non2xx=N
//
// Usage: load -c 32 -d 5s -H 'Accept: text/html' http://127.0.0.1:8080/page
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

type headers []string

func (h *headers) String() string     { return strings.Join(*h, ", ") }
func (h *headers) Set(v string) error { *h = append(*h, v); return nil }

type stats struct {
	requests, bytes, errors, non2xx int64
	latencies                       []time.Duration
}

func main() {
	conns := flag.Int("c", 32, "concurrent connections")
	dur := flag.Duration("d", 5*time.Second, "duration")
	var hdrs headers
	flag.Var(&hdrs, "H", "request header 'Name: value' (repeatable)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: load [-c N] [-d 5s] [-H 'Name: value']... URL")
		os.Exit(2)
	}
	url := flag.Arg(0)
	hdr := http.Header{}
	for _, h := range hdrs {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			fmt.Fprintf(os.Stderr, "load: bad header %q\n", h)
			os.Exit(2)
		}
		hdr.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        *conns,
		MaxIdleConnsPerHost: *conns,
		MaxConnsPerHost:     *conns,
		DisableCompression:  true, // like wrk: bodies are not decoded
		ForceAttemptHTTP2:   false,
	}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	start := time.Now()
	deadline := start.Add(*dur)
	results := make([]stats, *conns)
	var wg sync.WaitGroup
	for i := range *conns {
		wg.Add(1)
		go func(s *stats) {
			defer wg.Done()
			buf := make([]byte, 64<<10)
			for time.Now().Before(deadline) {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				for k, v := range hdr {
					req.Header[k] = v
				}
				if h := hdr.Get("Host"); h != "" {
					req.Host = h
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					s.errors++
					continue
				}
				for {
					n, rerr := resp.Body.Read(buf)
					s.bytes += int64(n)
					if rerr != nil {
						if rerr != io.EOF {
							err = rerr
						}
						break
					}
				}
				_ = resp.Body.Close()
				if err != nil {
					s.errors++
					continue
				}
				s.latencies = append(s.latencies, time.Since(t0))
				s.requests++
				if resp.StatusCode < 200 || resp.StatusCode > 399 {
					s.non2xx++
				}
			}
		}(&results[i])
	}
	wg.Wait()
	elapsed := time.Since(start)

	var total stats
	for _, s := range results {
		total.requests += s.requests
		total.bytes += s.bytes
		total.errors += s.errors
		total.non2xx += s.non2xx
		total.latencies = append(total.latencies, s.latencies...)
	}
	slices.Sort(total.latencies)
	pct := func(p float64) time.Duration {
		if len(total.latencies) == 0 {
			return 0
		}
		i := int(p / 100 * float64(len(total.latencies)-1))
		return total.latencies[i]
	}
	fmt.Printf("load: %d connections, %s, %s\n", *conns, elapsed.Round(time.Millisecond), url)
	fmt.Printf("  %d requests, %.0f req/s, %.1f MB read, latency p50 %s p90 %s p99 %s max %s, %d errors, %d non-2xx/3xx\n",
		total.requests, float64(total.requests)/elapsed.Seconds(), float64(total.bytes)/1e6,
		pct(50), pct(90), pct(99), pct(100), total.errors, total.non2xx)
	fmt.Printf("RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
		total.requests, elapsed.Microseconds(), total.bytes, pct(50).Microseconds(), pct(99).Microseconds(), total.errors, total.non2xx)
}
