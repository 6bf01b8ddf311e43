package inventory

import (
	"strconv"
	"strings"
)

// The purposes shown to visitors are written here, per category and per
// well-known vendor, in plain words. They are ours: nothing is taken from
// the Open Cookie Database's descriptions.

type text struct{ en, de string }

func (t text) in(lang string) string {
	if primary(lang) == "de" && t.de != "" {
		return t.de
	}
	return t.en
}

func primary(lang string) string {
	l, _, _ := strings.Cut(strings.ToLower(lang), "-")
	return l
}

var categoryPurposes = map[string]text{
	"necessary": {
		"Keeps the site working and secure: sign-in and session, protection against forged requests and bots, load balancing, shopping cart and your cookie choice.",
		"Hält die Website funktionsfähig und sicher: Anmeldung und Sitzung, Schutz vor gefälschten Anfragen und Bots, Lastverteilung, Warenkorb und Ihre Cookie-Auswahl.",
	},
	"functional": {
		"Remembers settings you chose, such as language, currency or display, and enables features you use.",
		"Merkt sich Einstellungen, die Sie gewählt haben, etwa Sprache, Währung oder Darstellung, und ermöglicht Funktionen, die Sie nutzen.",
	},
	"analytics": {
		"Counts visits and tells visitors apart so that we can see how the site is used and improve it.",
		"Zählt Besuche und unterscheidet Besucher, damit wir sehen, wie die Website genutzt wird, und sie verbessern können.",
	},
	"advertising": {
		"Measures and personalises advertising, and may recognise you on other sites.",
		"Misst und personalisiert Werbung und kann Sie auf anderen Websites wiedererkennen.",
	},
}

// vendorPurpose applies when the vendor's lower-cased name contains one of
// match and (if category is set) the cookie is in that category.
type vendorPurpose struct {
	match    []string
	category string
	text
}

// Order matters: the first match wins, so specific names come first.
var vendorPurposes = []vendorPurpose{
	{[]string{"google analytics"}, "", text{
		"Google Analytics: a random ID that tells visits apart, so that we get statistics on how the site is used.",
		"Google Analytics: eine zufällige Kennung, die Besuche unterscheidet, damit wir Statistiken über die Nutzung der Website erhalten."}},
	{[]string{"google ads", "doubleclick", "adsense", "google marketing"}, "", text{
		"Google advertising: measures which ads led to a visit or purchase and personalises ads.",
		"Google-Werbung: misst, welche Anzeigen zu einem Besuch oder Kauf geführt haben, und personalisiert Anzeigen."}},
	{[]string{"facebook", "meta"}, "", text{
		"Meta (Facebook, Instagram): measures ads and lets Meta recognise your browser to show you ads elsewhere.",
		"Meta (Facebook, Instagram): misst Werbung und lässt Meta Ihren Browser wiedererkennen, um Ihnen anderswo Werbung zu zeigen."}},
	{[]string{"clarity"}, "", text{
		"Microsoft Clarity: records how visitors move, click and scroll, to find problems in the site.",
		"Microsoft Clarity: zeichnet auf, wie Besucher sich bewegen, klicken und scrollen, um Probleme der Website zu finden."}},
	{[]string{"bing", "microsoft advertising"}, "advertising", text{
		"Microsoft Advertising: measures which ads led to a visit or purchase.",
		"Microsoft Advertising: misst, welche Anzeigen zu einem Besuch oder Kauf geführt haben."}},
	{[]string{"hotjar", "crazy egg", "contentsquare", "inspectlet", "fullstory", "mouseflow", "smartlook", "lucky orange"}, "", text{
		"Session recording and heatmaps: records clicks, mouse movement and scrolling to show how pages are used.",
		"Sitzungsaufzeichnung und Heatmaps: zeichnet Klicks, Mausbewegungen und Scrollen auf, um zu zeigen, wie Seiten genutzt werden."}},
	{[]string{"matomo", "piwik"}, "", text{
		"Matomo: counts visits and tells visitors apart for statistics on how the site is used.",
		"Matomo: zählt Besuche und unterscheidet Besucher für Statistiken über die Nutzung der Website."}},
	{[]string{"yandex"}, "", text{
		"Yandex Metrica: statistics on visits, and recordings of how pages are used.",
		"Yandex Metrica: Statistiken über Besuche und Aufzeichnungen, wie Seiten genutzt werden."}},
	{[]string{"linkedin"}, "", text{
		"LinkedIn: measures ads and recognises LinkedIn members to show them ads.",
		"LinkedIn: misst Werbung und erkennt LinkedIn-Mitglieder wieder, um ihnen Werbung zu zeigen."}},
	{[]string{"tiktok"}, "", text{
		"TikTok: measures ads and recognises your browser to show you ads.",
		"TikTok: misst Werbung und erkennt Ihren Browser wieder, um Ihnen Werbung zu zeigen."}},
	{[]string{"pinterest"}, "", text{
		"Pinterest: measures ads and recognises your browser to show you ads.",
		"Pinterest: misst Werbung und erkennt Ihren Browser wieder, um Ihnen Werbung zu zeigen."}},
	{[]string{"hubspot"}, "", text{
		"HubSpot: tracks visits and form submissions to link them to a contact record.",
		"HubSpot: verfolgt Besuche und Formulareingaben, um sie einem Kontakt zuzuordnen."}},
	{[]string{"criteo", "taboola", "outbrain", "adform", "pubmatic", "xandr", "appnexus", "quantcast", "amazon"}, "advertising", text{
		"Advertising network: recognises your browser across sites to choose and measure ads.",
		"Werbenetzwerk: erkennt Ihren Browser über Websites hinweg, um Werbung auszuwählen und zu messen."}},
	{[]string{"youtube"}, "", text{
		"YouTube: plays embedded videos and remembers player settings; Google may use it to recognise you.",
		"YouTube: spielt eingebettete Videos ab und merkt sich Player-Einstellungen; Google kann Sie damit wiedererkennen."}},
	{[]string{"cloudflare", "akamai", "imperva", "incapsula", "f5", "big-ip", "netscaler", "citrix", "aws", "amazon web services", "azure"}, "necessary", text{
		"Hosting and security infrastructure: routes your requests to the same server and tells people from bots.",
		"Hosting- und Sicherheitsinfrastruktur: leitet Ihre Anfragen an denselben Server und unterscheidet Menschen von Bots."}},
	{[]string{"stripe", "paypal", "adyen", "klarna"}, "", text{
		"Payment provider: prevents fraud during payment.",
		"Zahlungsdienstleister: verhindert Betrug bei der Zahlung."}},
	{[]string{"intercom", "zendesk", "drift", "tawk", "livechat", "crisp"}, "", text{
		"Chat widget: keeps your conversation with support open across pages.",
		"Chat-Widget: hält Ihr Gespräch mit dem Support über mehrere Seiten offen."}},
	{[]string{"optimizely", "vwo", "ab tasty", "dynamic yield", "google optimize"}, "", text{
		"A/B testing: shows you one version of a page consistently and measures which version works better.",
		"A/B-Tests: zeigt Ihnen beständig eine Version einer Seite und misst, welche Version besser funktioniert."}},
}

// Purpose returns the purpose shown for a cookie of vendor ("" when not
// known) in category, in lang (English and German; other languages get
// English). It is the vendor's purpose for a well-known vendor, else the
// category's, else "" (a category of the operator's own: its description
// says it).
func Purpose(lang, vendor, category string) string {
	if vendor != "" {
		v := strings.ToLower(vendor)
		for _, p := range vendorPurposes {
			if p.category != "" && p.category != category {
				continue
			}
			for _, m := range p.match {
				if containsWord(v, m) {
					return p.text.in(lang)
				}
			}
		}
	}
	if t, ok := categoryPurposes[category]; ok {
		return t.in(lang)
	}
	return ""
}

// containsWord reports whether m occurs in v not inside a longer word
// ("meta" matches "Meta Platforms", not "Metadata").
func containsWord(v, m string) bool {
	for i := 0; ; {
		j := strings.Index(v[i:], m)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(m)
		if (j == 0 || !isAlnum(v[j-1])) && (end == len(v) || !isAlnum(v[end])) {
			return true
		}
		i = j + 1
	}
}

func isAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// Retention returns a cookie lifetime in words: "session" for -1, else the
// lifetime rounded to the largest fitting unit ("90 days", "1 year",
// "13 months"), in lang (English and German).
func Retention(lang string, maxAgeSeconds int64) string {
	de := primary(lang) == "de"
	if maxAgeSeconds < 0 {
		if de {
			return "Sitzung"
		}
		return "session"
	}
	unit := func(n int64, en1, enN, de1, deN string) string {
		w := enN
		switch {
		case de && n == 1:
			w = de1
		case de:
			w = deN
		case n == 1:
			w = en1
		}
		return strconv.FormatInt(n, 10) + " " + w
	}
	const (
		minute = 60
		hour   = 60 * minute
		day    = 24 * hour
		year   = 365 * day
	)
	s := maxAgeSeconds
	switch {
	case s < minute:
		return unit(max(s, 1), "second", "seconds", "Sekunde", "Sekunden")
	case s < hour:
		return unit((s+minute/2)/minute, "minute", "minutes", "Minute", "Minuten")
	case s < day-hour/2:
		return unit((s+hour/2)/hour, "hour", "hours", "Stunde", "Stunden")
	case s < year-day:
		return unit(max((s+day/2)/day, 1), "day", "days", "Tag", "Tage")
	}
	// A year or more: whole years when within two days per year of one,
	// else months.
	years := (s + year/2) / year
	if d := s - years*year; d <= 2*day*years && d >= -2*day*years {
		return unit(years, "year", "years", "Jahr", "Jahre")
	}
	months := (s*12 + year/2) / year
	return unit(months, "month", "months", "Monat", "Monate")
}
