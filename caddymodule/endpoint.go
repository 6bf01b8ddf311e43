package caddymodule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/consentgate/caddy-consent/caddymodule/audit"
	"github.com/consentgate/caddy-consent/caddymodule/consentcookie"
	"github.com/consentgate/caddy-consent/caddymodule/enforce"
)

func (h *Handler) isEndpoint(path string) bool {
	return path == h.Endpoint || strings.HasPrefix(path, h.Endpoint+"/")
}

// serveEndpoint answers the gateway's own endpoints:
//
//	GET    {endpoint}              current state as JSON
//	POST   {endpoint}              record a choice (form or JSON)
//	DELETE {endpoint}              withdraw consent
//	GET    {endpoint}/preferences  the preference page (no JavaScript needed)
//	GET    {endpoint}/banner       the banner fragment (the settings control reopens it)
//	GET    {endpoint}/cookies      the cookie declaration (HTML, or JSON with Accept: application/json)
//	GET    {endpoint}/assets/…     the banner's script and stylesheet
func (h *Handler) serveEndpoint(w http.ResponseWriter, r *http.Request) error {
	sub := strings.TrimPrefix(r.URL.Path, h.Endpoint)
	x := h.newExchange(r)
	// The endpoint request goes nowhere upstream: only the expiries a
	// choice sends are evidence.
	x.rec.Reset()
	defer h.logEnforcement(x)
	v := x.d
	switch {
	case sub == "" || sub == "/":
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			return h.writeState(w, v, http.StatusOK)
		case http.MethodPost:
			return h.serveChoice(w, x)
		case http.MethodDelete:
			if err := enforce.CheckSameOrigin(r); err != nil {
				return plainError(w, http.StatusForbidden, err.Error())
			}
			return h.record(w, x, enforce.Choice{Choice: "withdraw", Source: "api", JSON: true})
		default:
			w.Header().Set("Allow", "GET, HEAD, POST, DELETE")
			return plainError(w, http.StatusMethodNotAllowed, "use GET to read the consent state, POST to record a choice, DELETE to withdraw")
		}
	case sub == "/preferences" || sub == "/banner":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			return plainError(w, http.StatusMethodNotAllowed, "use GET")
		}
		if h.renderer == nil {
			return plainError(w, http.StatusNotFound, "the banner is disabled")
		}
		view := h.view(r, v, enforce.SafeReturn(r.URL.Query().Get("return")), "")
		var buf bytes.Buffer
		var err error
		if sub == "/preferences" {
			err = h.renderer.Preferences(&buf, view)
		} else {
			err = h.renderer.Banner(&buf, view)
		}
		if err != nil {
			return plainError(w, http.StatusInternalServerError, "could not render the page")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("X-Frame-Options", "SAMEORIGIN")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(buf.Bytes())
		return nil
	case sub == "/cookies":
		return h.serveDeclaration(w, r)
	case strings.HasPrefix(sub, "/assets/"):
		if h.renderer != nil && h.renderer.ServeAsset(w, r, strings.TrimPrefix(sub, "/assets/")) {
			return nil
		}
	}
	return plainError(w, http.StatusNotFound, "no such consent endpoint")
}

func plainError(w http.ResponseWriter, status int, msg string) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = fmt.Fprintln(w, msg)
	return nil
}

// serveChoice records a choice posted from the banner, the preference page
// (form) or an API client (JSON).
func (h *Handler) serveChoice(w http.ResponseWriter, x *exchange) error {
	r := x.r
	if err := enforce.CheckSameOrigin(r); err != nil {
		h.logger.Info(audit.ConsentPostRefused, append(x.fields(), zap.String("reason", err.Error()))...)
		return plainError(w, http.StatusForbidden, err.Error())
	}
	c, err := h.engine.ParseChoice(r.Header.Get("Content-Type"), r.Header.Get("Accept"), http.MaxBytesReader(w, r.Body, enforce.MaxChoiceBody))
	var ce *enforce.ChoiceError
	if errors.As(err, &ce) {
		return plainError(w, ce.Status, ce.Msg)
	}
	return h.record(w, x, c)
}

// record stores the visitor's new choice in the consent cookie, expires the
// cookies of categories now refused, logs consent_recorded and answers.
func (h *Handler) record(w http.ResponseWriter, x *exchange, ch enforce.Choice) error {
	r, v, pol := x.r, x.d, h.policy
	choice, source := ch.Choice, ch.Source
	granted, err := h.engine.ChoiceSet(choice, ch.Categories)
	if err != nil {
		return plainError(w, http.StatusBadRequest, err.Error())
	}
	action := audit.ActionGrant
	switch {
	case choice == "withdraw":
		action = audit.ActionWithdraw
	case v.HasConsent || v.FormerID != [16]byte{}:
		action = audit.ActionUpdate
	}
	id := v.Consent.ID
	if !v.HasConsent || id == ([16]byte{}) {
		id = v.FormerID // a choice under a new notice keeps the visitor's ID
	}
	if id == ([16]byte{}) {
		id = consentcookie.NewID()
	}
	now := time.Now()
	c := consentcookie.Consent{
		ID:            id,
		Granted:       pol.Names(granted &^ pol.RequiredSet()),
		PolicyVersion: h.PolicyVersion,
		IssuedAt:      now.Truncate(time.Second),
		Method:        source,
		Profile:       v.Profile,
	}
	value, err := h.codec.Encode(c)
	if err != nil {
		h.logger.Error("encoding the consent cookie failed", zap.Error(err))
		return plainError(w, http.StatusInternalServerError, "could not record the choice")
	}
	cookie := &http.Cookie{
		Name:     h.engine.CookieName(v.Secure),
		Value:    value,
		Path:     h.Cookie.Path,
		Domain:   h.Cookie.Domain,
		MaxAge:   int(h.maxAge / time.Second),
		Expires:  now.Add(h.maxAge),
		Secure:   v.Secure,
		HttpOnly: true,
		SameSite: sameSite(h.Cookie.SameSite),
	}
	http.SetCookie(w, cookie)
	h.observeConsentCookie(cookie)
	prev := v.Granted
	v.Chose(r, c, granted)
	// The cookies of now-refused categories the browser still holds.
	for _, line := range v.Expiries(r.Host) {
		w.Header().Add("Set-Cookie", line)
	}
	w.Header().Set("Cache-Control", "no-store")

	h.logger.Info(audit.ConsentRecorded, append(x.fields(),
		zap.String("action", action),
		zap.String("method", source),
		zap.Strings("granted", pol.Names(granted)),
		zap.Strings("denied", pol.Names(pol.AllSet()&^granted)),
		zap.Strings("previously_granted", pol.Names(prev)),
		zap.String("banner_hash", h.renderer.ContentHash()),
		zap.String("config_hash", h.configHash),
		zap.Time("expires", now.Add(h.maxAge)),
	)...)
	h.countDecision(action, v.Profile, granted)
	if overridden := granted & h.engine.SaleOrShare(); v.GPC && overridden != 0 {
		// The visitor granted sale-or-share categories while their browser
		// sends Global Privacy Control: the signal wins on every request.
		h.logger.Info(audit.ConsentRecorded, append(x.fields(),
			zap.String("action", audit.ActionGPC),
			zap.String("method", "gpc"),
			zap.Strings("granted", pol.Names(v.Granted)),
			zap.Strings("denied", pol.Names(pol.AllSet()&^v.Granted)),
			zap.Strings("overridden", pol.Names(overridden)),
			zap.String("banner_hash", h.renderer.ContentHash()),
			zap.String("config_hash", h.configHash),
		)...)
		h.countDecision(audit.ActionGPC, v.Profile, v.Granted)
	}
	if ch.JSON {
		x.status = http.StatusOK
		return h.writeState(w, v, http.StatusOK)
	}
	x.status = http.StatusSeeOther
	http.Redirect(w, r, ch.Return, http.StatusSeeOther)
	return nil
}

func sameSite(s string) http.SameSite {
	if strings.EqualFold(s, "strict") {
		return http.SameSiteStrictMode
	}
	return http.SameSiteLaxMode
}

func (h *Handler) writeState(w http.ResponseWriter, v *enforce.Decision, status int) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v.State())
}
