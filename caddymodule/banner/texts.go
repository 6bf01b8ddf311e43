package banner

import (
	"reflect"
	"sort"
	"strings"
)

// Texts holds every string the banner, the settings control and the
// preference page show. Each field has an override key (struct tag "key")
// used by Config.Texts and Config.LangTexts.
type Texts struct {
	Title              string `key:"title"`                // banner heading
	Message            string `key:"message"`              // banner body text
	AcceptAll          string `key:"accept_all"`           // first-layer button
	RejectAll          string `key:"reject_all"`           // first-layer button, same weight as AcceptAll
	Customize          string `key:"customize"`            // opens the category list (<summary>)
	Save               string `key:"save"`                 // saves the ticked categories (choice=custom)
	Settings           string `key:"settings"`             // the small control shown after a choice
	NoticeLink         string `key:"notice_link"`          // link text to Config.NoticeURL
	AlwaysOn           string `key:"always_on"`            // note next to required categories
	On                 string `key:"on"`                   // current state of a category: granted
	Off                string `key:"off"`                  // current state of a category: refused
	CookiesLabel       string `key:"cookies_label"`        // prefix of the cookie list of a category
	GPCHonoured        string `key:"gpc_honoured"`         // shown when the request carries Sec-GPC: 1
	PreferencesTitle   string `key:"preferences_title"`    // <title> and <h1> of the preference page
	PreferencesIntro   string `key:"preferences_intro"`    // first paragraph of the preference page
	WithdrawAll        string `key:"withdraw_all"`         // preference page button (choice=withdraw)
	PolicyVersionLabel string `key:"policy_version_label"` // preference page
	CurrentChoice      string `key:"current_choice"`       // prefix of a category's current state
	Close              string `key:"close"`                // closes a banner reopened from the control
	ConsentIDLabel     string `key:"consent_id_label"`     // preference page
	Back               string `key:"back"`                 // preference page link back to the site
	NoChoiceYet        string `key:"no_choice_yet"`        // preference page, visitor has not chosen yet
	PrivacyChoices     string `key:"privacy_choices"`      // US opt-out profile: the link and page title instead of the banner
	OptOutHonored      string `key:"opt_out_honored"`      // US opt-out profile: shown when GPC was applied (CCPA regs §7025(c)(6))
	DoNotSell          string `key:"do_not_sell"`          // US opt-out profile: the opt-out button
	ObjectionNotice    string `key:"objection_notice"`     // UK profile: banner text (first-party statistics/preferences on, objection possible)
	OptOutNotice       string `key:"opt_out_notice"`       // US profile: banner and preference page text (optional cookies on until the visitor opts out)
	EmbedNotice        string `key:"embed_notice"`         // embed placeholder sentence; {vendor} and {category} are replaced
	EmbedOpen          string `key:"embed_open"`           // embed placeholder link to the content on the vendor's site
}

// textField maps an override key to the index of its Texts field.
type textField struct {
	key   string
	index int
}

var textFields = func() []textField {
	t := reflect.TypeFor[Texts]()
	out := make([]textField, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		out = append(out, textField{key: t.Field(i).Tag.Get("key"), index: i})
	}
	return out
}()

// TextKeys returns the override keys accepted in Config.Texts and
// Config.LangTexts, in field order.
func TextKeys() []string {
	keys := make([]string, len(textFields))
	for i, f := range textFields {
		keys[i] = f.key
	}
	return keys
}

func textIndex(key string) (int, bool) {
	for _, f := range textFields {
		if f.key == key {
			return f.index, true
		}
	}
	return 0, false
}

// set assigns the field with the given override key.
func (t *Texts) set(key, val string) bool {
	i, ok := textIndex(key)
	if !ok {
		return false
	}
	reflect.ValueOf(t).Elem().Field(i).SetString(val)
	return true
}

// each calls fn for every field in field order.
func (t *Texts) each(fn func(key, val string)) {
	v := reflect.ValueOf(t).Elem()
	for _, f := range textFields {
		fn(f.key, v.Field(f.index).String())
	}
}

// Languages returns the languages with built-in translations, sorted.
func Languages() []string {
	out := make([]string, 0, len(builtinTexts))
	for l := range builtinTexts {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// BuiltinTexts returns the built-in translation for lang ("de", "fr", …).
func BuiltinTexts(lang string) (Texts, bool) {
	t, ok := builtinTexts[strings.ToLower(lang)]
	return t, ok
}

// CategoryTranslation is the translated default label and description of
// a built-in category.
type CategoryTranslation struct {
	Label       string
	Description string
}

// CategoryText returns the translated default label and description of
// one of the built-in categories (necessary, functional, analytics,
// advertising) in lang. A regional tag falls back to its language
// ("de-CH" → "de"); ok is false for other categories or languages.
func CategoryText(lang, name string) (label, description string, ok bool) {
	lang = strings.ToLower(lang)
	for {
		if m, found := builtinCategories[lang]; found {
			c, found := m[name]
			return c.Label, c.Description, found
		}
		i := strings.LastIndexByte(lang, '-')
		if i < 0 {
			return "", "", false
		}
		lang = lang[:i]
	}
}

// CategoryTexts returns a copy of all built-in category translations:
// language → category name → label and description.
func CategoryTexts() map[string]map[string]CategoryTranslation {
	out := make(map[string]map[string]CategoryTranslation, len(builtinCategories))
	for l, m := range builtinCategories {
		c := make(map[string]CategoryTranslation, len(m))
		for k, v := range m {
			c[k] = v
		}
		out[l] = c
	}
	return out
}

var builtinTexts = map[string]Texts{
	"en": {
		Title:              "We use cookies",
		Message:            "We use cookies and similar technologies that this site needs to work. With your consent, we also use optional ones, for example to measure visits. You can accept them all, reject them all or choose by category, and change your choice at any time.",
		AcceptAll:          "Accept all",
		RejectAll:          "Reject all",
		Customize:          "Choose by category",
		Save:               "Save choices",
		Settings:           "Cookie settings",
		NoticeLink:         "Cookie notice",
		AlwaysOn:           "Always active",
		On:                 "On",
		Off:                "Off",
		CookiesLabel:       "Cookies:",
		GPCHonoured:        "Your browser sends a Global Privacy Control (GPC) signal. We honour it.",
		PreferencesTitle:   "Cookie settings",
		PreferencesIntro:   "Choose which optional cookies this site may use. Necessary cookies are always active because the site cannot work without them. You can change or withdraw your consent at any time.",
		WithdrawAll:        "Withdraw all consent",
		PolicyVersionLabel: "Policy version:",
		CurrentChoice:      "Current choice:",
		Close:              "Close",
		ConsentIDLabel:     "Consent ID:",
		Back:               "Back to the site",
		NoChoiceYet:        "You have not made a choice yet.",
		PrivacyChoices:     "Your Privacy Choices",
		OptOutHonored:      "Opt-Out Request Honored",
		DoNotSell:          "Do Not Sell or Share My Personal Information",
		ObjectionNotice:    "We use cookies for statistics and to remember your preferences. You can object at any time below. Advertising cookies are only used if you allow them.",
		OptOutNotice:       "We use cookies that are necessary for this site and optional ones for statistics, features and advertising. You can opt out of the sale or sharing of your personal information and of targeted advertising at any time.",
		EmbedNotice:        "{vendor} is shown once you allow {category} cookies.",
		EmbedOpen:          "Watch on {vendor}",
	},
	"de": {
		Title:              "Wir verwenden Cookies",
		Message:            "Wir verwenden Cookies und ähnliche Technologien, die für den Betrieb dieser Website notwendig sind. Mit Ihrer Einwilligung setzen wir auch optionale ein, zum Beispiel zur Reichweitenmessung. Sie können alle akzeptieren, alle ablehnen oder nach Kategorien auswählen und Ihre Auswahl jederzeit ändern.",
		AcceptAll:          "Alle akzeptieren",
		RejectAll:          "Alle ablehnen",
		Customize:          "Nach Kategorien auswählen",
		Save:               "Auswahl speichern",
		Settings:           "Cookie-Einstellungen",
		NoticeLink:         "Cookie-Richtlinie",
		AlwaysOn:           "Immer aktiv",
		On:                 "An",
		Off:                "Aus",
		CookiesLabel:       "Cookies:",
		GPCHonoured:        "Ihr Browser sendet ein Global-Privacy-Control-Signal (GPC). Wir berücksichtigen es.",
		PreferencesTitle:   "Cookie-Einstellungen",
		PreferencesIntro:   "Wählen Sie, welche optionalen Cookies diese Website verwenden darf. Notwendige Cookies sind immer aktiv, weil die Website ohne sie nicht funktioniert. Sie können Ihre Einwilligung jederzeit ändern oder widerrufen.",
		WithdrawAll:        "Alle Einwilligungen widerrufen",
		PolicyVersionLabel: "Version der Richtlinie:",
		CurrentChoice:      "Aktuelle Auswahl:",
		Close:              "Schließen",
		ConsentIDLabel:     "Einwilligungs-ID:",
		Back:               "Zurück zur Website",
		NoChoiceYet:        "Sie haben noch keine Auswahl getroffen.",
		PrivacyChoices:     "Ihre Datenschutzoptionen",
		OptOutHonored:      "Opt-out-Anfrage berücksichtigt",
		DoNotSell:          "Meine personenbezogenen Daten nicht verkaufen oder weitergeben",
		ObjectionNotice:    "Wir verwenden Cookies für Statistiken und um Ihre Einstellungen zu speichern. Sie können dem unten jederzeit widersprechen. Werbe-Cookies setzen wir nur mit Ihrer Erlaubnis.",
		OptOutNotice:       "Wir verwenden für diese Website notwendige Cookies sowie optionale für Statistik, Funktionen und Werbung. Sie können dem Verkauf oder der Weitergabe Ihrer personenbezogenen Daten und gezielter Werbung jederzeit widersprechen.",
		EmbedNotice:        "{vendor} wird angezeigt, sobald Sie {category}-Cookies erlauben.",
		EmbedOpen:          "Auf {vendor} ansehen",
	},
	"fr": {
		Title:              "Nous utilisons des cookies",
		Message:            "Nous utilisons des cookies et des technologies similaires nécessaires au fonctionnement de ce site. Avec votre consentement, nous en utilisons aussi d’autres, facultatifs, par exemple pour mesurer l’audience. Vous pouvez tout accepter, tout refuser ou choisir par catégorie, et modifier votre choix à tout moment.",
		AcceptAll:          "Tout accepter",
		RejectAll:          "Tout refuser",
		Customize:          "Choisir par catégorie",
		Save:               "Enregistrer mes choix",
		Settings:           "Paramètres des cookies",
		NoticeLink:         "Politique relative aux cookies",
		AlwaysOn:           "Toujours actifs",
		On:                 "Activé",
		Off:                "Désactivé",
		CookiesLabel:       "Cookies :",
		GPCHonoured:        "Votre navigateur envoie un signal Global Privacy Control (GPC). Nous le respectons.",
		PreferencesTitle:   "Paramètres des cookies",
		PreferencesIntro:   "Choisissez les cookies facultatifs que ce site peut utiliser. Les cookies nécessaires sont toujours actifs, car le site ne peut pas fonctionner sans eux. Vous pouvez modifier ou retirer votre consentement à tout moment.",
		WithdrawAll:        "Retirer tout consentement",
		PolicyVersionLabel: "Version de la politique :",
		CurrentChoice:      "Choix actuel :",
		Close:              "Fermer",
		ConsentIDLabel:     "Identifiant de consentement :",
		Back:               "Retour au site",
		NoChoiceYet:        "Vous n’avez pas encore fait de choix.",
		PrivacyChoices:     "Vos choix en matière de confidentialité",
		OptOutHonored:      "Demande d'opposition respectée",
		DoNotSell:          "Ne pas vendre ni partager mes informations personnelles",
		ObjectionNotice:    "Nous utilisons des cookies pour des statistiques et pour mémoriser vos préférences. Vous pouvez vous y opposer à tout moment ci-dessous. Les cookies publicitaires ne sont utilisés qu'avec votre accord.",
		OptOutNotice:       "Nous utilisons des cookies nécessaires à ce site et des cookies facultatifs pour les statistiques, les fonctionnalités et la publicité. Vous pouvez à tout moment refuser la vente ou le partage de vos informations personnelles et la publicité ciblée.",
		EmbedNotice:        "{vendor} s'affiche dès que vous autorisez les cookies « {category} ».",
		EmbedOpen:          "Voir sur {vendor}",
	},
	"es": {
		Title:              "Usamos cookies",
		Message:            "Usamos cookies y tecnologías similares que este sitio necesita para funcionar. Si nos da su consentimiento, también usamos otras opcionales, por ejemplo, para medir las visitas. Puede aceptarlas todas, rechazarlas todas o elegir por categorías, y cambiar su elección en cualquier momento.",
		AcceptAll:          "Aceptar todas",
		RejectAll:          "Rechazar todas",
		Customize:          "Elegir por categorías",
		Save:               "Guardar selección",
		Settings:           "Configuración de cookies",
		NoticeLink:         "Política de cookies",
		AlwaysOn:           "Siempre activas",
		On:                 "Activadas",
		Off:                "Desactivadas",
		CookiesLabel:       "Cookies:",
		GPCHonoured:        "Su navegador envía una señal Global Privacy Control (GPC). La respetamos.",
		PreferencesTitle:   "Configuración de cookies",
		PreferencesIntro:   "Elija qué cookies opcionales puede usar este sitio. Las cookies necesarias están siempre activas porque el sitio no puede funcionar sin ellas. Puede cambiar o retirar su consentimiento en cualquier momento.",
		WithdrawAll:        "Retirar todo el consentimiento",
		PolicyVersionLabel: "Versión de la política:",
		CurrentChoice:      "Elección actual:",
		Close:              "Cerrar",
		ConsentIDLabel:     "ID de consentimiento:",
		Back:               "Volver al sitio",
		NoChoiceYet:        "Todavía no ha hecho ninguna elección.",
		PrivacyChoices:     "Sus opciones de privacidad",
		OptOutHonored:      "Solicitud de exclusión respetada",
		DoNotSell:          "No vender ni compartir mi información personal",
		ObjectionNotice:    "Usamos cookies para estadísticas y para recordar sus preferencias. Puede oponerse en cualquier momento a continuación. Las cookies publicitarias solo se usan si usted lo permite.",
		OptOutNotice:       "Usamos cookies necesarias para este sitio y otras opcionales para estadísticas, funciones y publicidad. Puede excluirse en cualquier momento de la venta o el intercambio de su información personal y de la publicidad dirigida.",
		EmbedNotice:        "{vendor} se muestra cuando permita las cookies de {category}.",
		EmbedOpen:          "Ver en {vendor}",
	},
	"it": {
		Title:              "Utilizziamo i cookie",
		Message:            "Utilizziamo cookie e tecnologie simili necessari al funzionamento di questo sito. Con il tuo consenso ne utilizziamo anche altri, facoltativi, ad esempio per misurare le visite. Puoi accettarli tutti, rifiutarli tutti o scegliere per categoria, e modificare la tua scelta in qualsiasi momento.",
		AcceptAll:          "Accetta tutti",
		RejectAll:          "Rifiuta tutti",
		Customize:          "Scegli per categoria",
		Save:               "Salva le scelte",
		Settings:           "Impostazioni cookie",
		NoticeLink:         "Informativa sui cookie",
		AlwaysOn:           "Sempre attivi",
		On:                 "Attivi",
		Off:                "Disattivati",
		CookiesLabel:       "Cookie:",
		GPCHonoured:        "Il tuo browser invia un segnale Global Privacy Control (GPC). Lo rispettiamo.",
		PreferencesTitle:   "Impostazioni cookie",
		PreferencesIntro:   "Scegli quali cookie facoltativi può utilizzare questo sito. I cookie necessari sono sempre attivi perché il sito non può funzionare senza. Puoi modificare o revocare il tuo consenso in qualsiasi momento.",
		WithdrawAll:        "Revoca tutti i consensi",
		PolicyVersionLabel: "Versione dell’informativa:",
		CurrentChoice:      "Scelta attuale:",
		Close:              "Chiudi",
		ConsentIDLabel:     "ID del consenso:",
		Back:               "Torna al sito",
		NoChoiceYet:        "Non hai ancora fatto una scelta.",
		PrivacyChoices:     "Le tue scelte sulla privacy",
		OptOutHonored:      "Richiesta di opt-out rispettata",
		DoNotSell:          "Non vendere né condividere i miei dati personali",
		ObjectionNotice:    "Usiamo i cookie per statistiche e per ricordare le tue preferenze. Puoi opporti in qualsiasi momento qui sotto. I cookie pubblicitari sono usati solo con il tuo consenso.",
		OptOutNotice:       "Usiamo cookie necessari per questo sito e cookie facoltativi per statistiche, funzionalità e pubblicità. Puoi opporti in qualsiasi momento alla vendita o condivisione dei tuoi dati personali e alla pubblicità mirata.",
		EmbedNotice:        "{vendor} viene mostrato quando consenti i cookie «{category}».",
		EmbedOpen:          "Guarda su {vendor}",
	},
	"nl": {
		Title:              "Wij gebruiken cookies",
		Message:            "Wij gebruiken cookies en vergelijkbare technieken die nodig zijn om deze website te laten werken. Met uw toestemming gebruiken we ook optionele cookies, bijvoorbeeld om bezoeken te meten. U kunt alles accepteren, alles weigeren of per categorie kiezen, en uw keuze op elk moment wijzigen.",
		AcceptAll:          "Alles accepteren",
		RejectAll:          "Alles weigeren",
		Customize:          "Per categorie kiezen",
		Save:               "Keuze opslaan",
		Settings:           "Cookie-instellingen",
		NoticeLink:         "Cookieverklaring",
		AlwaysOn:           "Altijd actief",
		On:                 "Aan",
		Off:                "Uit",
		CookiesLabel:       "Cookies:",
		GPCHonoured:        "Uw browser verstuurt een Global Privacy Control-signaal (GPC). Wij respecteren dit.",
		PreferencesTitle:   "Cookie-instellingen",
		PreferencesIntro:   "Kies welke optionele cookies deze website mag gebruiken. Noodzakelijke cookies zijn altijd actief, omdat de website zonder deze cookies niet werkt. U kunt uw toestemming op elk moment wijzigen of intrekken.",
		WithdrawAll:        "Alle toestemming intrekken",
		PolicyVersionLabel: "Versie van het beleid:",
		CurrentChoice:      "Huidige keuze:",
		Close:              "Sluiten",
		ConsentIDLabel:     "Toestemmings-ID:",
		Back:               "Terug naar de website",
		NoChoiceYet:        "U hebt nog geen keuze gemaakt.",
		PrivacyChoices:     "Uw privacykeuzes",
		OptOutHonored:      "Opt-outverzoek gerespecteerd",
		DoNotSell:          "Mijn persoonsgegevens niet verkopen of delen",
		ObjectionNotice:    "Wij gebruiken cookies voor statistieken en om uw voorkeuren te onthouden. U kunt hieronder altijd bezwaar maken. Advertentiecookies gebruiken we alleen met uw toestemming.",
		OptOutNotice:       "Wij gebruiken cookies die nodig zijn voor deze site en optionele cookies voor statistieken, functies en advertenties. U kunt zich altijd afmelden voor de verkoop of het delen van uw persoonsgegevens en voor gerichte advertenties.",
		EmbedNotice:        "{vendor} wordt getoond zodra u {category}-cookies toestaat.",
		EmbedOpen:          "Bekijken op {vendor}",
	},
	"pl": {
		Title:              "Używamy plików cookie",
		Message:            "Używamy plików cookie i podobnych technologii niezbędnych do działania tej strony. Za Twoją zgodą używamy też opcjonalnych, na przykład do pomiaru odwiedzin. Możesz zaakceptować wszystkie, odrzucić wszystkie lub wybrać według kategorii, a swój wybór zmienić w dowolnym momencie.",
		AcceptAll:          "Zaakceptuj wszystkie",
		RejectAll:          "Odrzuć wszystkie",
		Customize:          "Wybierz według kategorii",
		Save:               "Zapisz wybór",
		Settings:           "Ustawienia plików cookie",
		NoticeLink:         "Polityka plików cookie",
		AlwaysOn:           "Zawsze aktywne",
		On:                 "Włączone",
		Off:                "Wyłączone",
		CookiesLabel:       "Pliki cookie:",
		GPCHonoured:        "Twoja przeglądarka wysyła sygnał Global Privacy Control (GPC). Respektujemy go.",
		PreferencesTitle:   "Ustawienia plików cookie",
		PreferencesIntro:   "Wybierz, których opcjonalnych plików cookie może używać ta strona. Niezbędne pliki cookie są zawsze aktywne, ponieważ bez nich strona nie działa. Swoją zgodę możesz w każdej chwili zmienić lub wycofać.",
		WithdrawAll:        "Wycofaj wszystkie zgody",
		PolicyVersionLabel: "Wersja polityki:",
		CurrentChoice:      "Obecny wybór:",
		Close:              "Zamknij",
		ConsentIDLabel:     "Identyfikator zgody:",
		Back:               "Wróć do strony",
		NoChoiceYet:        "Nie dokonano jeszcze wyboru.",
		PrivacyChoices:     "Twoje wybory dotyczące prywatności",
		OptOutHonored:      "Żądanie rezygnacji uwzględnione",
		DoNotSell:          "Nie sprzedawaj ani nie udostępniaj moich danych osobowych",
		ObjectionNotice:    "Używamy plików cookie do statystyk i zapamiętywania Twoich preferencji. Poniżej możesz w każdej chwili wyrazić sprzeciw. Reklamowe pliki cookie stosujemy tylko za Twoją zgodą.",
		OptOutNotice:       "Używamy plików cookie niezbędnych dla tej witryny oraz opcjonalnych do statystyk, funkcji i reklam. W każdej chwili możesz zrezygnować ze sprzedaży lub udostępniania swoich danych osobowych i z reklam ukierunkowanych.",
		EmbedNotice:        "{vendor} pojawi się, gdy zezwolisz na pliki cookie „{category}”.",
		EmbedOpen:          "Zobacz w serwisie {vendor}",
	},
	// Portuguese is worded to read naturally in both Portugal and Brazil.
	"pt": {
		Title:              "Utilizamos cookies",
		Message:            "Utilizamos cookies e tecnologias semelhantes de que este site precisa para funcionar. Com o seu consentimento, utilizamos também cookies opcionais, por exemplo para medir as visitas. Pode aceitar todos, rejeitar todos ou escolher por categoria, e alterar a sua escolha a qualquer momento.",
		AcceptAll:          "Aceitar todos",
		RejectAll:          "Rejeitar todos",
		Customize:          "Escolher por categoria",
		Save:               "Confirmar escolhas",
		Settings:           "Preferências de cookies",
		NoticeLink:         "Política de cookies",
		AlwaysOn:           "Sempre ativos",
		On:                 "Ativados",
		Off:                "Desativados",
		CookiesLabel:       "Cookies:",
		GPCHonoured:        "O seu navegador envia um sinal Global Privacy Control (GPC). Respeitamos esse sinal.",
		PreferencesTitle:   "Preferências de cookies",
		PreferencesIntro:   "Escolha que cookies opcionais este site pode utilizar. Os cookies necessários estão sempre ativos, porque o site não funciona sem eles. Pode alterar ou retirar o seu consentimento a qualquer momento.",
		WithdrawAll:        "Retirar todo o consentimento",
		PolicyVersionLabel: "Versão da política:",
		CurrentChoice:      "Escolha atual:",
		Close:              "Fechar",
		ConsentIDLabel:     "ID do consentimento:",
		Back:               "Voltar ao site",
		NoChoiceYet:        "Ainda não fez nenhuma escolha.",
		PrivacyChoices:     "As suas escolhas de privacidade",
		OptOutHonored:      "Pedido de exclusão respeitado",
		DoNotSell:          "Não vender nem partilhar as minhas informações pessoais",
		ObjectionNotice:    "Usamos cookies para estatísticas e para lembrar as suas preferências. Pode opor-se a qualquer momento abaixo. Os cookies de publicidade só são usados com a sua autorização.",
		OptOutNotice:       "Usamos cookies necessários para este site e cookies opcionais para estatísticas, funcionalidades e publicidade. Pode recusar a qualquer momento a venda ou partilha das suas informações pessoais e a publicidade direcionada.",
		EmbedNotice:        "{vendor} é mostrado quando permitir os cookies de {category}.",
		EmbedOpen:          "Ver em {vendor}",
	},
}

var builtinCategories = map[string]map[string]CategoryTranslation{
	"en": {
		"necessary":   {"Necessary", "Needed for the site to work, for example to keep you signed in, remember your cookie choice and protect against attacks. They cannot be switched off."},
		"functional":  {"Functional", "Remember settings you choose, such as language or region, and enable features like embedded videos or chat."},
		"analytics":   {"Analytics", "Help us understand how the site is used, for example which pages are visited, so that we can improve it."},
		"advertising": {"Advertising", "Used by us and our partners to show you more relevant ads and to measure how they perform, possibly also on other sites."},
	},
	"de": {
		"necessary":   {"Notwendig", "Erforderlich, damit die Website funktioniert, zum Beispiel um Sie angemeldet zu halten, Ihre Cookie-Auswahl zu speichern und vor Angriffen zu schützen. Sie können nicht abgeschaltet werden."},
		"functional":  {"Funktional", "Speichern von Ihnen gewählte Einstellungen wie Sprache oder Region und ermöglichen Funktionen wie eingebettete Videos oder Chat."},
		"analytics":   {"Statistik", "Helfen uns zu verstehen, wie die Website genutzt wird, etwa welche Seiten besucht werden, damit wir sie verbessern können."},
		"advertising": {"Werbung", "Werden von uns und unseren Partnern verwendet, um Ihnen relevantere Werbung zu zeigen und deren Wirkung zu messen, möglicherweise auch auf anderen Websites."},
	},
	"fr": {
		"necessary":   {"Nécessaires", "Indispensables au fonctionnement du site, par exemple pour vous garder connecté, mémoriser votre choix concernant les cookies et protéger le site contre les attaques. Ils ne peuvent pas être désactivés."},
		"functional":  {"Fonctionnels", "Mémorisent les réglages que vous choisissez, comme la langue ou la région, et permettent des fonctions comme les vidéos intégrées ou le chat."},
		"analytics":   {"Mesure d’audience", "Nous aident à comprendre comment le site est utilisé, par exemple quelles pages sont consultées, afin de l’améliorer."},
		"advertising": {"Publicité", "Utilisés par nous et nos partenaires pour vous montrer des publicités plus pertinentes et mesurer leur efficacité, éventuellement aussi sur d’autres sites."},
	},
	"es": {
		"necessary":   {"Necesarias", "Imprescindibles para que el sitio funcione, por ejemplo, para mantener su sesión iniciada, recordar su elección sobre cookies y proteger el sitio frente a ataques. No se pueden desactivar."},
		"functional":  {"Funcionales", "Recuerdan los ajustes que elija, como el idioma o la región, y permiten funciones como vídeos insertados o chat."},
		"analytics":   {"Analíticas", "Nos ayudan a entender cómo se usa el sitio, por ejemplo, qué páginas se visitan, para poder mejorarlo."},
		"advertising": {"Publicidad", "Las usamos nosotros y nuestros socios para mostrarle anuncios más relevantes y medir su rendimiento, posiblemente también en otros sitios."},
	},
	"it": {
		"necessary":   {"Necessari", "Indispensabili per il funzionamento del sito, ad esempio per mantenere l’accesso, ricordare la tua scelta sui cookie e proteggere il sito dagli attacchi. Non possono essere disattivati."},
		"functional":  {"Funzionali", "Ricordano le impostazioni che scegli, come lingua o area geografica, e abilitano funzioni come video incorporati o chat."},
		"analytics":   {"Statistici", "Ci aiutano a capire come viene utilizzato il sito, ad esempio quali pagine vengono visitate, per poterlo migliorare."},
		"advertising": {"Pubblicità", "Utilizzati da noi e dai nostri partner per mostrarti annunci più pertinenti e misurarne l’efficacia, eventualmente anche su altri siti."},
	},
	"nl": {
		"necessary":   {"Noodzakelijk", "Nodig om de website te laten werken, bijvoorbeeld om u ingelogd te houden, uw cookiekeuze te onthouden en de website tegen aanvallen te beveiligen. Deze kunnen niet worden uitgeschakeld."},
		"functional":  {"Functioneel", "Onthouden instellingen die u kiest, zoals taal of regio, en maken functies mogelijk zoals ingesloten video’s of chat."},
		"analytics":   {"Analytisch", "Helpen ons te begrijpen hoe de website wordt gebruikt, bijvoorbeeld welke pagina’s worden bezocht, zodat we de website kunnen verbeteren."},
		"advertising": {"Advertenties", "Worden door ons en onze partners gebruikt om u relevantere advertenties te tonen en de resultaten ervan te meten, mogelijk ook op andere websites."},
	},
	"pl": {
		"necessary":   {"Niezbędne", "Potrzebne do działania strony, na przykład do utrzymania zalogowania, zapamiętania Twojego wyboru dotyczącego plików cookie i ochrony przed atakami. Nie można ich wyłączyć."},
		"functional":  {"Funkcjonalne", "Zapamiętują wybrane przez Ciebie ustawienia, takie jak język czy region, i umożliwiają funkcje takie jak osadzone filmy lub czat."},
		"analytics":   {"Analityczne", "Pomagają nam zrozumieć, jak korzystasz ze strony, na przykład które podstrony są odwiedzane, abyśmy mogli ją ulepszać."},
		"advertising": {"Reklamowe", "Używane przez nas i naszych partnerów do wyświetlania lepiej dopasowanych reklam i mierzenia ich skuteczności, również na innych stronach."},
	},
	"pt": {
		"necessary":   {"Necessários", "Indispensáveis para o funcionamento do site, por exemplo para manter a sessão iniciada, memorizar a sua escolha sobre cookies e proteger o site contra ataques. Não podem ser desativados."},
		"functional":  {"Funcionais", "Memorizam as preferências que escolher, como o idioma ou a região, e permitem funcionalidades como vídeos incorporados ou chat."},
		"analytics":   {"Analíticos", "Ajudam-nos a entender como o site é utilizado, por exemplo que páginas são visitadas, para o podermos melhorar."},
		"advertising": {"Publicidade", "Utilizados por nós e pelos nossos parceiros para mostrar anúncios mais relevantes e medir o seu desempenho, possivelmente também em outros sites."},
	},
}
