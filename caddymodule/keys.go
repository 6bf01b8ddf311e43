package caddymodule

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/consentgate/caddy-consent/caddymodule/audit"
	"github.com/consentgate/caddy-consent/caddymodule/consentcookie"
)

// StorageKey is where generated keys are kept in Caddy's storage (by
// default the data directory), so restarts keep consents valid and
// `caddy consent inspect` can find them.
const StorageKey = "consent/keys.json"

// StoredKeys is the JSON document kept under StorageKey.
type StoredKeys struct {
	Keys []KeyConfig `json:"keys"`
}

// loadKeys expands placeholders in the configured keys and decodes them;
// without configured keys it loads (or creates once) a generated pair.
func (h *Handler) loadKeys(ctx caddy.Context) ([]consentcookie.KeyPair, error) {
	if len(h.Keys) == 0 {
		return h.generatedKeys(ctx)
	}
	repl := caddy.NewReplacer()
	pairs := make([]consentcookie.KeyPair, 0, len(h.Keys))
	for i, k := range h.Keys {
		pair, err := DecodeKeyConfig(repl, k)
		if err != nil {
			return nil, fmt.Errorf("consent: keys: pair %d: %v", i+1, err)
		}
		pairs = append(pairs, pair)
	}
	return pairs, nil
}

// DecodeKeyConfig expands {env.*}/{file.*} placeholders and decodes one
// pair. Errors never contain key material.
func DecodeKeyConfig(repl *caddy.Replacer, k KeyConfig) (consentcookie.KeyPair, error) {
	hashStr := repl.ReplaceAll(k.Hash, "")
	blockStr := repl.ReplaceAll(k.Block, "")
	if hashStr == "" || blockStr == "" {
		return consentcookie.KeyPair{}, fmt.Errorf("hash key and block key are both required (an unset {env.…} placeholder expands to nothing); generate a pair with \"caddy consent keygen\"")
	}
	hk, err := consentcookie.ParseKey(hashStr, false)
	if err != nil {
		return consentcookie.KeyPair{}, fmt.Errorf("hash key: %v", err)
	}
	bk, err := consentcookie.ParseKey(blockStr, true)
	if err != nil {
		return consentcookie.KeyPair{}, fmt.Errorf("block key: %v", err)
	}
	return consentcookie.KeyPair{Hash: hk, Block: bk}, nil
}

// generatedKeys returns the pair kept in Caddy's storage, creating it on
// first use. It warns loudly: production should configure keys, so that
// every instance behind a load balancer shares them.
func (h *Handler) generatedKeys(ctx caddy.Context) ([]consentcookie.KeyPair, error) {
	storage := ctx.Storage()
	if storage == nil {
		return nil, errors.New("consent: no keys configured and no storage to keep generated ones; set keys (see \"caddy consent keygen\")")
	}
	stored, err := storage.Load(ctx, StorageKey)
	var doc StoredKeys
	created := false
	switch {
	case err == nil:
		if err := json.Unmarshal(stored, &doc); err != nil || len(doc.Keys) == 0 {
			return nil, fmt.Errorf("consent: stored keys at %q are unreadable (%v); delete that file to generate new ones, or configure keys", StorageKey, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		pair := consentcookie.GenerateKeyPair()
		doc.Keys = []KeyConfig{{Hash: consentcookie.EncodeKey(pair.Hash), Block: consentcookie.EncodeKey(pair.Block)}}
		b, _ := json.Marshal(doc)
		if err := storage.Store(ctx, StorageKey, b); err != nil {
			return nil, fmt.Errorf("consent: storing generated keys: %v", err)
		}
		created = true
	default:
		return nil, fmt.Errorf("consent: loading generated keys: %v", err)
	}
	h.logger.Warn(audit.KeysGenerated, zap.String("storage_key", StorageKey), zap.Bool("created", created),
		zap.String("note", "consent cookie keys were generated and are kept in Caddy's storage; configure keys in production so that every instance shares them and you control rotation"))
	repl := caddy.NewReplacer()
	pairs := make([]consentcookie.KeyPair, 0, len(doc.Keys))
	for _, k := range doc.Keys {
		p, err := DecodeKeyConfig(repl, k)
		if err != nil {
			return nil, fmt.Errorf("consent: stored keys at %q: %v", StorageKey, err)
		}
		pairs = append(pairs, p)
	}
	return pairs, nil
}
