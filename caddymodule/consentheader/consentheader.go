// Package consentheader builds and verifies the consent context header the
// gateway can send to the upstream: the visitor's granted categories, the
// Global Privacy Control signal, the regional profile that applied and the
// notice version, signed so that server-side code and server-side tagging
// can gate themselves without decoding the consent cookie (and without
// holding its keys), and without trusting a header a client forged.
//
// Wire format (one token, no spaces):
//
//	v1.<base64url(JSON payload)>.<base64url(HMAC-SHA256(key, "v1." + payload))>
//
// The payload is {"categories":[…],"first_party":[…],"gpc":bool,"region":"…","profile":"…",
// "policy_version":"…","consent_id":"…","has_consent":bool,"iat":unix}.
// Verify in any language: split on '.', recompute the HMAC over the first
// two parts joined by '.', compare in constant time, decode the payload,
// and reject an iat older than a few minutes.
package consentheader

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// DefaultName is the request header the gateway sets by default.
const DefaultName = "Consent-Context"

// MinKeyLen is the shortest accepted signing key.
const MinKeyLen = 32

// Context is what the header says about one request.
type Context struct {
	Categories []string `json:"categories"`
	// FirstParty lists categories allowed only for the site's own cookies
	// and collectors, not for third-party tags (UK profile before a
	// choice): server-side code may use them, tags it injects may not.
	FirstParty    []string `json:"first_party,omitempty"`
	GPC           bool     `json:"gpc"`
	Region        string   `json:"region,omitempty"`
	Profile       string   `json:"profile,omitempty"`
	PolicyVersion string   `json:"policy_version"`
	ConsentID     string   `json:"consent_id,omitempty"`
	HasConsent    bool     `json:"has_consent"`
	IssuedAt      int64    `json:"iat"`
}

// Allows reports whether the context grants a category.
func (c Context) Allows(category string) bool {
	for _, x := range c.Categories {
		if x == category {
			return true
		}
	}
	return false
}

// Signer signs contexts with one key.
type Signer struct{ key []byte }

// NewSigner checks the key length.
func NewSigner(key []byte) (*Signer, error) {
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("the consent context key has %d bytes; use at least %d random bytes (e.g. the hash key `caddy consent keygen` prints)", len(key), MinKeyLen)
	}
	return &Signer{key: append([]byte(nil), key...)}, nil
}

const prefix = "v1."

// Sign returns the header value for c.
func (s *Signer) Sign(c Context) string {
	if c.Categories == nil {
		c.Categories = []string{}
	}
	b, _ := json.Marshal(c)
	payload := base64.RawURLEncoding.EncodeToString(b)
	return prefix + payload + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

func (s *Signer) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(prefix))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// Errors of Verify.
var (
	ErrFormat    = errors.New("consent context: malformed header")
	ErrSignature = errors.New("consent context: bad signature")
	ErrStale     = errors.New("consent context: too old")
)

// Verify checks a header value and returns its context. maxAge bounds how
// old iat may be (0: not checked); now is the verifier's clock.
func (s *Signer) Verify(value string, now time.Time, maxAge time.Duration) (Context, error) {
	var c Context
	rest, ok := strings.CutPrefix(value, prefix)
	if !ok {
		return c, ErrFormat
	}
	payload, sig, ok := strings.Cut(rest, ".")
	if !ok || payload == "" || strings.Contains(sig, ".") {
		return c, ErrFormat
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return c, ErrFormat
	}
	if !hmac.Equal(got, s.mac(payload)) {
		return c, ErrSignature
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || json.Unmarshal(b, &c) != nil {
		return Context{}, ErrFormat
	}
	if maxAge > 0 && now.Sub(time.Unix(c.IssuedAt, 0)) > maxAge {
		return c, ErrStale
	}
	return c, nil
}
