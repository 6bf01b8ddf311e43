package enforce

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// MaxChoiceBody bounds the body of a consent POST. A real choice is a few
// hundred bytes; anything larger is refused with 413.
const MaxChoiceBody = 16 << 10

// Choice is a visitor's choice as posted by the banner, the preference page
// (form) or an API client (JSON).
type Choice struct {
	Choice     string   // accept_all, reject_all, custom or withdraw
	Categories []string // for custom
	Source     string   // banner, form, preferences or api
	JSON       bool     // answer with the state as JSON (else redirect to Return)
	Return     string   // same-origin path to redirect to
}

// ChoiceError is a refused choice: the HTTP status and a plain-text message.
type ChoiceError struct {
	Status int
	Msg    string
}

func (e *ChoiceError) Error() string { return e.Msg }

func choiceErr(status int, format string, args ...any) *ChoiceError {
	return &ChoiceError{Status: status, Msg: fmt.Sprintf(format, args...)}
}

type choiceJSON struct {
	Choice     string   `json:"choice"`
	Categories []string `json:"categories"`
	Source     string   `json:"source"`
}

// ParseChoice reads and validates a posted choice. body must already be
// bounded (http.MaxBytesReader with MaxChoiceBody).
func (e *Engine) ParseChoice(contentType, accept string, body io.Reader) (Choice, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	c := Choice{JSON: strings.Contains(accept, "application/json")}
	switch mt {
	case "application/json":
		c.JSON = true
		var b choiceJSON
		dec := json.NewDecoder(body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b); err != nil {
			return c, bodyError(err, "invalid JSON: send {\"categories\":[\"analytics\"]} or {\"choice\":\"accept_all\"}")
		}
		c.Choice, c.Categories, c.Source = b.Choice, b.Categories, b.Source
		if c.Choice == "" {
			c.Choice = "custom"
		}
		if c.Source == "" {
			c.Source = "api"
		}
	case "application/x-www-form-urlencoded":
		raw, err := io.ReadAll(body)
		if err != nil {
			return c, bodyError(err, "invalid form body")
		}
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return c, choiceErr(http.StatusBadRequest, "invalid form body")
		}
		c.Choice, c.Categories, c.Source = form.Get("choice"), form["category"], form.Get("source")
		c.Return = SafeReturn(form.Get("return"))
	default:
		return c, choiceErr(http.StatusUnsupportedMediaType, "send application/x-www-form-urlencoded or application/json")
	}
	switch c.Source {
	case "banner", "form", "preferences", "api":
	default:
		c.Source = "form"
	}
	switch c.Choice {
	case "accept_all", "reject_all", "custom", "withdraw":
	case "":
		return c, choiceErr(http.StatusBadRequest, "missing choice: use accept_all, reject_all, custom or withdraw")
	default:
		return c, choiceErr(http.StatusBadRequest, "unknown choice %q: use accept_all, reject_all, custom or withdraw", truncate(c.Choice, 40))
	}
	if c.Choice == "custom" {
		for _, cat := range c.Categories {
			if _, ok := e.pol.Index(cat); !ok {
				return c, choiceErr(http.StatusBadRequest, "unknown category %q: known categories are %s", truncate(cat, 40), strings.Join(e.pol.Names(e.pol.AllSet()), ", "))
			}
		}
	}
	return c, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func bodyError(err error, msg string) *ChoiceError {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return choiceErr(http.StatusRequestEntityTooLarge, "body larger than %d bytes", MaxChoiceBody)
	}
	return choiceErr(http.StatusBadRequest, "%s", msg)
}

// State is the answer of GET {endpoint} and of JSON posts.
type State struct {
	HasConsent    bool            `json:"has_consent"`
	PolicyVersion string          `json:"policy_version"`
	ConsentID     string          `json:"consent_id,omitempty"`
	IssuedAt      *time.Time      `json:"issued_at,omitempty"`
	Expires       *time.Time      `json:"expires,omitempty"`
	GPC           bool            `json:"gpc"`
	Profile       string          `json:"profile,omitempty"` // regional profile that applied (when regions are configured)
	Region        string          `json:"region,omitempty"`
	Categories    []StateCategory `json:"categories"`
}

// StateCategory is one category in State.
type StateCategory struct {
	Name     string `json:"name"`
	Label    string `json:"label"`
	Granted  bool   `json:"granted"`
	Required bool   `json:"required"`
}

// State describes the visitor's consent for the JSON API.
func (d *Decision) State() State {
	st := State{HasConsent: d.HasConsent, PolicyVersion: d.e.cfg.PolicyVersion, GPC: d.GPC, Profile: d.Profile, Region: d.Region}
	if d.HasConsent {
		st.ConsentID = d.Consent.IDString()
		issued := d.Consent.IssuedAt.UTC()
		exp := issued.Add(time.Duration(d.e.cfg.Cookie.MaxAge))
		st.IssuedAt, st.Expires = &issued, &exp
	}
	for i, c := range d.e.pol.Categories() {
		st.Categories = append(st.Categories, StateCategory{Name: c.Name, Label: c.Label, Granted: d.Granted.Has(i), Required: c.Required})
	}
	return st
}
