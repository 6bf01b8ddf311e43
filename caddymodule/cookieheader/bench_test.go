package cookieheader

import "testing"

const benchHeader = "_ga=GA1.1.1234567890.1700000000; _ga_ABC123=GS1.1.1700000000.1.1.1700000000.0.0.0; PHPSESSID=abc123def456; _fbp=fb.1.1700000000.42; lang=en; _gcl_au=1.1.1.1700000000"

func BenchmarkFilterCookieHeaderUnchanged(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		FilterCookieHeader(benchHeader, func(string) bool { return true }, nil)
	}
}

func BenchmarkFilterCookieHeaderRemove(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		FilterCookieHeader(benchHeader, func(n string) bool { return n == "PHPSESSID" || n == "lang" }, nil)
	}
}

func BenchmarkSetCookieName(b *testing.B) {
	line := "_ga_ABC123=GS1.1.1700000000.1.1.1700000000.0.0.0; Path=/; Domain=.example.com; Max-Age=63072000"
	b.ReportAllocs()
	for b.Loop() {
		SetCookieName(line)
	}
}
