package integration

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentgate/caddy-consent/internal/testcaddy"
)

const demoPage = "<!DOCTYPE html><html><head><title>t</title></head><body><p>hello</p></body></html>"

func TestBannerThenSettingsControl(t *testing.T) {
	u := newUpstream(t)
	g := gateway(t, u, "")
	resp, body := do(t, "GET", g.URL+"/page", map[string]string{"Accept": "text/html"}, "")
	if strings.Count(body, `id="cg-consent"`) != 1 || !strings.Contains(body, `action="/_consent"`) {
		t.Fatalf("first page must carry exactly one banner: %s", body)
	}
	if resp.Header.Get("Content-Length") != "" && resp.ContentLength != int64(len(body)) {
		t.Errorf("wrong Content-Length %d for %d bytes", resp.ContentLength, len(body))
	}
	// Remove the inserted markup: the rest of the page is byte-identical.
	start := strings.Index(body, "<body>") + len("<body>")
	end := strings.Index(body, "<p>hello</p>")
	if body[:start]+body[end:] != demoPage {
		t.Errorf("page changed outside the banner:\n%s", body[:start]+body[end:])
	}

	consent, _, _ := post(t, g, url.Values{"choice": {"reject_all"}}, nil)
	_, body = do(t, "GET", g.URL+"/page", map[string]string{"Cookie": consent}, "")
	if strings.Contains(body, `id="cg-consent"`) || !strings.Contains(body, `id="cg-consent-settings"`) {
		t.Errorf("after a choice: settings control only, no banner:\n%s", body)
	}

	_, pref := do(t, "GET", g.URL+"/_consent/preferences?return=/page", map[string]string{"Cookie": consent}, "")
	if !strings.Contains(pref, "<form") || !strings.Contains(pref, `value="withdraw"`) || !strings.Contains(pref, "2026-11-28") {
		t.Errorf("preference page: %s", pref)
	}
}

// An upstream that compresses the page anyway (ignoring the gateway's
// request for identity) still gets the banner, and the client receives a
// correctly encoded page: identity from the gateway, compressed by encode.
func TestCompressedUpstreamGetsBanner(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(demoPage))
	_ = zw.Close()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(gz.Bytes())
	}))
	defer up.Close()
	g := testcaddy.Start(t, `http://{GATEWAY} {
	encode gzip
	consent
	reverse_proxy `+strings.TrimPrefix(up.URL, "http://")+`
}`)
	for _, ae := range []string{"identity", "gzip"} {
		req, _ := http.NewRequest("GET", g.URL+"/", nil)
		req.Header.Set("Accept-Encoding", ae)
		req.Header.Set("Accept", browserAccept)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = resp.Body
		if resp.Header.Get("Content-Encoding") == "gzip" {
			if r, err = gzip.NewReader(resp.Body); err != nil {
				t.Fatal(err)
			}
		} else if ae == "gzip" {
			t.Errorf("encode should compress the rewritten page")
		}
		body, err := io.ReadAll(r)
		resp.Body.Close()
		if err != nil || strings.Count(string(body), `id="cg-consent"`) != 1 || !strings.HasSuffix(string(body), "<p>hello</p></body></html>") {
			t.Errorf("Accept-Encoding %s: %v %q", ae, err, body)
		}
	}
}

// file_server copies with io.Copy (sendfile when it can): the page still
// passes through the rewriter, and non-HTML files keep their exact bytes.
func TestFileServerPages(t *testing.T) {
	root := t.TempDir()
	_ = os.WriteFile(filepath.Join(root, "index.html"), []byte(demoPage), 0o644)
	blob := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	_ = os.WriteFile(filepath.Join(root, "data.bin"), blob, 0o644)
	g := testcaddy.Start(t, `http://{GATEWAY} {
	consent
	root * `+root+`
	file_server
}`)
	_, body := do(t, "GET", g.URL+"/", nil, "")
	if strings.Count(body, `id="cg-consent"`) != 1 {
		t.Errorf("file_server page without banner: %s", body)
	}
	resp, bin := do(t, "GET", g.URL+"/data.bin", nil, "")
	if bin != string(blob) || resp.Header.Get("Content-Length") != "1048576" {
		t.Errorf("binary file changed: %d bytes, Content-Length %q", len(bin), resp.Header.Get("Content-Length"))
	}
	// A range request is served as the upstream made it.
	resp, part := do(t, "GET", g.URL+"/index.html", map[string]string{"Range": "bytes=0-9"}, "")
	if resp.StatusCode != 206 || part != demoPage[:10] {
		t.Errorf("range: %d %q", resp.StatusCode, part)
	}
}

// The banner and the Consent Mode default go only into documents a visitor
// navigates to. Fragments fetched by htmx, Turbo or a script, and fetches
// that do not ask for a document, get none, but their refused tags are
// neutralized all the same.
func TestFragmentsGetNoBannerButInertTags(t *testing.T) {
	up, _ := trackerSite(t, "")
	g := trackerGateway(t, up, "consent_mode")
	for _, tc := range []struct {
		hdr      map[string]string
		document bool
	}{
		{map[string]string{}, true}, // browser Accept, no Sec-Fetch-*
		{map[string]string{"Sec-Fetch-Dest": "document", "Accept": "*/*"}, true},
		{map[string]string{"Sec-Fetch-Dest": "iframe"}, true},
		{map[string]string{"Sec-Fetch-Dest": "empty"}, false},
		{map[string]string{"Accept": "*/*"}, false},
		{map[string]string{"HX-Request": "true"}, false},
		{map[string]string{"Turbo-Frame": "cart"}, false},
		{map[string]string{"X-Requested-With": "XMLHttpRequest", "Sec-Fetch-Dest": "document"}, false},
	} {
		_, body := do(t, "GET", g.URL+"/", tc.hdr, "")
		banner := strings.Count(body, `id="cg-consent"`)
		consentMode := strings.Count(body, "gtag('consent','default'")
		if tc.document && (banner != 1 || consentMode != 1) || !tc.document && (banner != 0 || consentMode != 0) {
			t.Errorf("%v: document %v, got %d banners and %d Consent Mode defaults", tc.hdr, tc.document, banner, consentMode)
		}
		if n := strings.Count(body, `type="text/plain" data-consent-category=`); n != 3 {
			t.Errorf("%v: refused tags must be inert in every HTML answer; %d of 3 are", tc.hdr, n)
		}
	}
}
