package audit

import (
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
)

func TestSetCookieAttrs(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		line string
		want CookieAttrs
	}{
		{"myapp_sess=s3cr3t; Path=/; HttpOnly; Secure; SameSite=Lax",
			CookieAttrs{SeenIn: SeenInSetCookie, HttpOnly: true, Secure: true, SameSite: "Lax", Lifetime: -1, Path: "/"}},
		{"_ga=GA1.2.3; Max-Age=63072000; Domain=.Shop.Example; path=/; samesite=none",
			CookieAttrs{SeenIn: SeenInSetCookie, SameSite: "None", Lifetime: 63072000, Domain: "shop.example", Path: "/"}},
		{"lang=de; Expires=Mon, 30 Nov 2026 13:00:00 GMT",
			CookieAttrs{SeenIn: SeenInSetCookie, Lifetime: 3600}},
		// Max-Age wins over Expires, whatever the order.
		{"x=1; Expires=Mon, 30 Nov 2026 13:00:00 GMT; Max-Age=60", CookieAttrs{SeenIn: SeenInSetCookie, Lifetime: 60}},
		{"x=1; Max-Age=0", CookieAttrs{SeenIn: SeenInSetCookie, Lifetime: 0}},
		{"x=1; Max-Age=-5", CookieAttrs{SeenIn: SeenInSetCookie, Lifetime: 0}},
		{"x=1; Max-Age=soon; SameSite=weird; Expires=garbage", CookieAttrs{SeenIn: SeenInSetCookie, Lifetime: -1}},
		{"x=1", CookieAttrs{SeenIn: SeenInSetCookie, Lifetime: -1}},
	} {
		if got := SetCookieAttrs(c.line, now); got != c.want {
			t.Errorf("SetCookieAttrs(%q) = %+v, want %+v", c.line, got, c.want)
		}
	}
}

func TestCookieAttrsFieldsNeverCarryTheValue(t *testing.T) {
	now := time.Now()
	line := "sid=VALUE-MUST-NOT-APPEAR; HttpOnly; Secure; SameSite=Strict; Max-Age=3600; Domain=a.example; Path=/app"
	out := string(encode(t, CookieUnclassified, append(SetCookieAttrs(line, now).Fields(), zap.String("cookie", "sid"))))
	if strings.Contains(out, "VALUE-MUST-NOT-APPEAR") {
		t.Fatalf("value logged: %s", out)
	}
	for _, want := range []string{`"seen_in":"set_cookie"`, `"http_only":true`, `"secure":true`, `"same_site":"Strict"`,
		`"lifetime_s":3600`, `"domain":"a.example"`, `"path_attr":"/app"`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in %s", want, out)
		}
	}
	req := string(encode(t, CookieUnclassified, RequestCookieAttrs().Fields()))
	if !strings.Contains(req, `"seen_in":"request"`) || strings.Contains(req, "session") {
		t.Errorf("request cookie fields: %s", req)
	}
}
