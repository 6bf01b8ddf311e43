package auditreport

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
)

// Magic numbers of the compressed formats Caddy's file writer rolls logs
// into (roll_compression gzip, the default, or zstd).
var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// decompress looks at the first bytes of r and returns a reader of the
// plain text, the name of the compression ("plain", "gzip" or "zstd") and a
// function that releases the decoder.
func decompress(r io.Reader) (io.Reader, string, func(), error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(magic, gzipMagic):
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, "gzip", func() {}, fmt.Errorf("gzip header: %v", err)
		}
		return gz, "gzip", func() { _ = gz.Close() }, nil
	case bytes.HasPrefix(magic, zstdMagic):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, "zstd", func() {}, fmt.Errorf("zstd header: %v", err)
		}
		return zr, "zstd", zr.Close, nil
	}
	return br, "plain", func() {}, nil
}

// lineReader returns the lines of a stream one at a time in bounded memory:
// a line longer than max bytes is skipped to its end and reported as too
// long, never held in memory whole.
type lineReader struct {
	br      *bufio.Reader
	max     int
	buf     []byte
	pending error // returned by the call after the last (unterminated) line
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line without its line ending. The slice is valid
// until the following call. terminated is false for a last line that ends
// without a newline (possibly cut off). err is io.EOF at the end of the
// stream, or the read error that stopped it (after any partial line).
func (lr *lineReader) next() (line []byte, tooLong, terminated bool, err error) {
	if lr.pending != nil {
		err, lr.pending = lr.pending, nil
		return nil, false, false, err
	}
	lr.buf = lr.buf[:0]
	for {
		chunk, rerr := lr.br.ReadSlice('\n')
		if !tooLong {
			body := len(lr.buf) + len(chunk)
			if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
				body--
			}
			if body > lr.max {
				tooLong = true
				lr.buf = lr.buf[:0]
			} else {
				lr.buf = append(lr.buf, chunk...)
			}
		}
		switch {
		case rerr == nil:
			return trimEOL(lr.buf), tooLong, true, nil
		case errors.Is(rerr, bufio.ErrBufferFull):
			continue
		}
		// End of stream or read error: hand out what was read first.
		if len(lr.buf) > 0 || tooLong {
			lr.pending = rerr
			return trimEOL(lr.buf), tooLong, false, nil
		}
		return nil, false, false, rerr
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// parseTS reads the ts field in any of the time formats Caddy's log
// encoders write: unix_seconds_float (the default), unix_milli_float,
// unix_nano, iso8601, rfc3339, rfc3339_nano, wall, wall_milli, wall_nano
// and common_log. Wall-clock formats without a zone are read as UTC.
func parseTS(raw []byte) (time.Time, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, false
	}
	if raw[0] == '"' {
		s, err := strconv.Unquote(string(raw))
		if err != nil {
			return time.Time{}, false
		}
		for _, layout := range tsLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC(), true
			}
		}
		return time.Time{}, false
	}
	return parseEpoch(string(raw))
}

var tsLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.000Z0700", // iso8601
	"2006/01/02 15:04:05.000000000",
	"2006/01/02 15:04:05.000",
	"2006/01/02 15:04:05",
	"02/Jan/2006:15:04:05 -0700",
}

// parseEpoch reads a decimal number of seconds, milliseconds,
// microseconds or nanoseconds since the epoch (told apart by magnitude)
// without going through float64, so sub-microsecond order is kept.
func parseEpoch(s string) (time.Time, bool) {
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return time.Time{}, false
		}
		s = strconv.FormatFloat(f, 'f', -1, 64)
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" || strings.HasPrefix(intPart, "-") || len(intPart) > 19 {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	for _, c := range frac {
		if c < '0' || c > '9' {
			return time.Time{}, false
		}
	}
	// unit: how many nanoseconds one unit of the number is.
	var unit int64
	switch {
	case n < 1e11:
		unit = 1e9 // seconds (until the year 5138)
	case n < 1e14:
		unit = 1e6 // milliseconds
	case n < 1e17:
		unit = 1e3 // microseconds
	default:
		unit = 1 // nanoseconds
	}
	var fracNanos int64
	digits := 0
	for d := unit / 10; d > 0 && digits < len(frac); d /= 10 {
		fracNanos += int64(frac[digits]-'0') * d
		digits++
	}
	perSecond := int64(1e9) / unit
	sec := n / perSecond
	nsec := (n%perSecond)*unit + fracNanos
	return time.Unix(sec, nsec).UTC(), true
}
