package banner

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func serve(t testing.TB, r *Renderer, method, name string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "/_consent/assets/"+name, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	if !r.ServeAsset(rec, req, name) {
		t.Fatalf("ServeAsset(%q) = false", name)
	}
	return rec
}

func TestServeAsset(t *testing.T) {
	r := newRenderer(t, Config{})
	for _, c := range []struct {
		url, ctype string
		body       []byte
	}{
		{r.ScriptURL(), "text/javascript; charset=utf-8", builtinJS},
		{r.StyleURL(), "text/css; charset=utf-8", builtinCSS},
	} {
		name := strings.TrimPrefix(c.url, "/_consent/assets/")
		if name == c.url || !strings.HasPrefix(name, "banner.") || strings.Count(name, ".") != 2 {
			t.Fatalf("asset URL %q", c.url)
		}
		rec := serve(t, r, "GET", name, nil)
		res := rec.Result()
		if res.StatusCode != 200 || rec.Body.String() != string(c.body) {
			t.Errorf("%s: status %d, %d bytes", name, res.StatusCode, rec.Body.Len())
		}
		h := res.Header
		if h.Get("Content-Type") != c.ctype || h.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
			h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", name, h)
		}
		etag := h.Get("ETag")
		if len(etag) < 10 || etag[0] != '"' {
			t.Fatalf("%s: ETag %q", name, etag)
		}

		rec = serve(t, r, "GET", name, map[string]string{"If-None-Match": etag})
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("ETag") != etag {
			t.Errorf("%s: If-None-Match: status %d, %d bytes", name, rec.Code, rec.Body.Len())
		}
		rec = serve(t, r, "GET", name, map[string]string{"If-None-Match": `"other"`})
		if rec.Code != 200 {
			t.Errorf("%s: other ETag: %d", name, rec.Code)
		}
		rec = serve(t, r, "HEAD", name, nil)
		if rec.Code != 200 || rec.Body.Len() != 0 {
			t.Errorf("%s: HEAD %d, %d bytes", name, rec.Code, rec.Body.Len())
		}
		rec = serve(t, r, "POST", name, nil)
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: POST %d", name, rec.Code)
		}

		plain := "banner." + name[strings.LastIndexByte(name, '.')+1:]
		rec = serve(t, r, "GET", plain, nil)
		if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-cache" || rec.Body.String() != string(c.body) {
			t.Errorf("%s: status %d cache %q", plain, rec.Code, rec.Header().Get("Cache-Control"))
		}
	}

	for _, name := range []string{"", "banner", "banner.0000000000000000.js", "../banner.js", "banner.js/", "BANNER.JS", "x.css"} {
		rec := httptest.NewRecorder()
		if r.ServeAsset(rec, httptest.NewRequest("GET", "/_consent/assets/x", nil), name) {
			t.Errorf("ServeAsset(%q) = true", name)
		}
		if rec.Code != 200 || rec.Body.Len() != 0 || len(rec.Header()) != 0 {
			t.Errorf("ServeAsset(%q) wrote something", name)
		}
	}
}
