// Package trackers knows the third-party tags a consent gateway must hold
// back until a visitor consents, and how to hold them back from a reverse
// proxy's position. It knows nothing about Caddy.
//
// A reverse proxy only sees requests to its own origin. A beacon to
// www.facebook.com/tr goes straight from the browser to Meta and never
// transits the gateway. So the package offers three mechanisms:
//
//   - Blocker answers same-origin collection endpoints the gateway proxies
//     (self-hosted Matomo, server-side GTM, Shopify monorail, ...) with a
//     1×1 GIF or 204 instead of forwarding them. Its rules come from
//     presets; presets whose rules match paths a site may use for its own
//     API are OptIn (DefaultPresetNames lists the others).
//   - Neutralizer rewrites the HTML the gateway serves: tracker <script>
//     tags get type="text/plain", every other element that would load a
//     tracker URL loses the attribute holding it (src, srcset, href,
//     xlink:href, data, poster, ping, srcdoc become data-consent-…), and
//     relative URLs under a <base href> on another host are matched as
//     URLs of that host. The banner script re-activates them once the
//     visitor consents. It plugs into htmlrewrite as a TagRewriter, and
//     fails closed (OversizedTag) for start tags too long to inspect.
//     PageInfo.Unknown reports external hosts no vendor knows.
//   - RemoveHosts narrows a page's own Content-Security-Policy so that the
//     browser itself refuses non-consented vendor hosts, which also covers
//     tags injected later by other scripts.
//
// Vendor presets (Presets, Preset) are plain data in presets.go.
//
// # What a neutralized tag looks like
//
// Attributes the gateway adds come right after the tag name, so they win
// over duplicates; every other byte of the tag is kept:
//
//	<script async src="https://www.googletagmanager.com/gtag/js?id=G-1">
//	<script type="text/plain" data-consent-category="analytics" async src="...">
//
//	<script type="module" src="...">   (original type kept for the banner)
//	<script type="text/plain" data-consent-category="..." data-consent-type="module" src="...">
//
//	<img src="https://px.ads.linkedin.com/collect/?pid=1">
//	<img data-consent-category="advertising" data-consent-src="https://px.ads.linkedin.com/collect/?pid=1">
//
// An inline snippet is recognised by its text; PageRewriter implements
// htmlrewrite.ElementRewriter, so its start tag is held with the text and
// made inert once the text is known, and the text is left unchanged:
//
//	<script nonce="n">fbq('init','1')</script>
//	<script type="text/plain" data-consent-category="advertising" nonce="n">fbq('init','1')</script>
//
// Inside <noscript>, tracker <img>/<iframe> get the same treatment as
// outside. When an element matches vendors of several categories,
// data-consent-category lists them all (the banner requires each).
//
// # Limits
//
//   - Only markup the gateway serves is rewritten. Tags injected at run time
//     by a script the visitor consented to (e.g. a tag manager container)
//     are not seen; the CSP narrowing and Google Consent Mode are the
//     defences there.
//   - An inline snippet is recognised by substrings (InlineSignatures). A
//     snippet rewritten beyond recognition (minified into a bundle, split
//     strings) is not found.
//   - Neutralizing a vendor's inline snippet also removes the global it
//     defines (gtag, fbq, ...). Site code that calls it unguarded throws a
//     ReferenceError until consent; ConsentModeDefault defines gtag, the
//     others are the site's business, exactly as with a JavaScript consent
//     manager.
//   - A start tag larger than htmlrewrite's MaxHold (64 KiB by default)
//     cannot be read: while any vendor category is refused it is made
//     inert whatever it loads (OversizedTag), which also blanks a site's
//     own <img> with a data: URI that large. An inline script or noscript
//     text larger than MaxHold passes unchanged: an inline snippet inside
//     a huge inline script is not neutralized (making every large inline
//     script inert would break pages that inline their code).
//   - URLs hidden behind lazy-loading attributes (data-src handled by a
//     site script), CSS url() (in style attributes, <style> and
//     stylesheets), the legacy background attribute, and <link
//     rel=stylesheet|icon|manifest> are not rewritten: CSS and icons
//     cannot run script, and a tracker host serving them is reported by
//     PageInfo.Unknown only when no vendor knows it.
//   - A <base href> is honoured from where it appears; URLs of tags
//     before it were already resolved against the page by the browser.
package trackers
