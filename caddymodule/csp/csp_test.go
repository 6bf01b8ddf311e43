package csp

import "testing"

func TestAdjust(t *testing.T) {
	fixed := func() string { return "NEW" }
	for _, c := range []struct {
		name, in, want, nonce string
	}{
		{"self allows", "default-src 'self'", "default-src 'self'", ""},
		{"no script restriction", "img-src 'self'", "img-src 'self'", ""},
		{"strict-dynamic with nonce reuses it", "script-src 'nonce-abc' 'strict-dynamic'; style-src 'self'",
			"script-src 'nonce-abc' 'strict-dynamic'; style-src 'self'", "abc"},
		{"strict-dynamic with hashes gets a nonce", "script-src 'sha256-xyz' 'strict-dynamic'; object-src 'none'",
			"script-src 'sha256-xyz' 'strict-dynamic' 'nonce-NEW'; object-src 'none'", "NEW"},
		{"host list without self", "default-src https://cdn.example",
			"default-src https://cdn.example 'nonce-NEW'", "NEW"},
		{"style nonce reused for script", "script-src https://a.example; style-src 'nonce-s1'",
			"script-src https://a.example 'nonce-s1'; style-src 'nonce-s1'", "s1"},
		{"none stays none", "default-src 'none'", "default-src 'none'", ""},
		{"elem directive wins", "script-src 'self'; script-src-elem https://x.example",
			"script-src 'self'; script-src-elem https://x.example 'nonce-NEW'", "NEW"},
		{"first duplicate wins", "script-src 'self'; script-src https://x", "script-src 'self'; script-src https://x", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, nonce := Adjust(c.in, fixed, false)
			if got != c.want || nonce != c.nonce {
				t.Errorf("Adjust(%q) = %q, %q; want %q, %q", c.in, got, nonce, c.want, c.nonce)
			}
		})
	}
}

func TestNewNonceIsRandom(t *testing.T) {
	a, b := NewNonce(), NewNonce()
	if a == b || len(a) != 24 {
		t.Fatalf("nonces %q %q: want two different 24-char values", a, b)
	}
}

func TestAdjustInlineScript(t *testing.T) {
	fixed := func() string { return "NEW" }
	for _, c := range []struct{ in, want, nonce string }{
		{"default-src 'self'", "default-src 'self' 'nonce-NEW'", "NEW"},
		{"script-src 'self' 'unsafe-inline'", "script-src 'self' 'unsafe-inline'", ""},
		{"script-src 'self' 'unsafe-inline' 'sha256-x'", "script-src 'self' 'unsafe-inline' 'sha256-x' 'nonce-NEW'", "NEW"},
		{"img-src 'self'", "img-src 'self'", ""},
	} {
		got, nonce := Adjust(c.in, fixed, true)
		if got != c.want || nonce != c.nonce {
			t.Errorf("Adjust(%q, inline) = %q, %q; want %q, %q", c.in, got, nonce, c.want, c.nonce)
		}
	}
}
