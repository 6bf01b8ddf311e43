package banner

import (
	"bytes"
	"strings"
	"testing"
)

// Regional profiles change what the visitor is shown: the UK banner says
// statistics and preferences are on and can be objected to; the US gets a
// "Your Privacy Choices" link, "Opt-Out Request Honored" under GPC and a
// "Do Not Sell or Share" button instead of an opt-in banner.
func TestProfileTexts(t *testing.T) {
	r := newRenderer(t, Config{SettingsControl: true})
	v := testView()
	en := builtinTexts["en"]

	v.Profile = "uk"
	uk := render(t, func(b *bytes.Buffer) error { return r.Banner(b, v) })
	if !strings.Contains(uk, en.ObjectionNotice) || strings.Contains(uk, en.Message) {
		t.Error("UK banner does not carry the objection notice instead of the opt-in message")
	}

	v.Profile = "us"
	ctl := render(t, func(b *bytes.Buffer) error { return r.SettingsControl(b, v) })
	if !strings.Contains(ctl, en.PrivacyChoices) || strings.Contains(ctl, en.OptOutHonored) {
		t.Errorf("US control without GPC: %s", ctl)
	}
	v.GPC = true
	ctl = render(t, func(b *bytes.Buffer) error { return r.SettingsControl(b, v) })
	if !strings.Contains(ctl, en.OptOutHonored) {
		t.Errorf("US control with GPC lacks %q: %s", en.OptOutHonored, ctl)
	}
	prefs := render(t, func(b *bytes.Buffer) error { return r.Preferences(b, v) })
	for _, want := range []string{"<h1 id=\"cg-prefs-title\">" + en.PrivacyChoices, en.OptOutHonored, `value="reject_all">` + en.DoNotSell} {
		if !strings.Contains(prefs, want) {
			t.Errorf("US preference page lacks %q", want)
		}
	}

	v.Profile, v.GPC = "", false
	eu := render(t, func(b *bytes.Buffer) error { return r.SettingsControl(b, v) })
	if strings.Contains(eu, en.PrivacyChoices) || !strings.Contains(eu, en.Settings) {
		t.Error("EU control changed")
	}
	for lang, tx := range builtinTexts {
		if tx.PrivacyChoices == "" || tx.OptOutHonored == "" || tx.DoNotSell == "" || tx.ObjectionNotice == "" {
			t.Errorf("%s: a regional text is missing", lang)
		}
	}
}
