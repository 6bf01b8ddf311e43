// Package htmlrewrite is a push-based, streaming HTML scanner that inserts
// snippets (the consent banner and its head assets) into an HTML response
// body and lets a caller rewrite selected start tags and raw-text elements
// (tracker <script>, <img>, <iframe>, ...), in bounded memory.
//
// The output is byte-for-byte the input, except for the inserted snippets and
// the bytes a TagRewriter chose to replace. The scanner never decodes,
// normalises or re-serialises markup.
//
// # Why not golang.org/x/net/html
//
// The x/net/html Tokenizer is pull-based: it reads from an io.Reader. Inside an
// http.ResponseWriter the body is pushed to us in Write calls, so using it
// would need a goroutine and an io.Pipe per response (with the locking,
// scheduling and error plumbing that implies), or buffering the whole body.
// It also materialises each token completely before returning it: a 50 MB
// unterminated comment, attribute value or <script> would be held in memory
// in one piece. This package instead runs the WHATWG tokenizer state machine
// directly over each chunk as it arrives, keeps only a handful of integers of
// state between chunks, and writes the bytes it has scanned straight to the
// destination (sub-slices of the caller's buffer, no copies). The only bytes
// it ever holds back are:
//
//   - up to two leading bytes of the document that may start a byte order
//     mark, until the next byte decides;
//   - the '<' and the name of a tag whose name is not complete at the end of a
//     chunk, while a TagRewriter is set or while the head/body insertion point
//     has not been found yet (at most ~70 bytes: the name decides where a
//     snippet goes and whether the tag is held);
//   - a start tag or raw-text element a TagRewriter asked to see, up to
//     Options.MaxHold bytes. Oversized tags and texts are passed through
//     untouched: once the limit is exceeded the held bytes are emitted
//     unmodified and scanning continues, except that a TagRewriter
//     implementing OversizeRewriter can insert attributes right after the
//     tag name (fail closed for tags it could not inspect).
//
// With Options.DocumentOnly, nothing is inserted into a stream that does not
// start like a document (DOCTYPE, <html>, <head> or <body> first, after any
// BOM, whitespace and comments): fragments pass through byte for byte.
//
// The parser tests use x/net/html as the oracle.
//
// # Where snippets go
//
// The rule is "where the HTML parser creates the element":
//
//   - HeadStart goes right after the first <head ...> start tag if that tag is
//     what creates the head element. Otherwise the head is created implicitly
//     by the first token that is not whitespace, a comment, a DOCTYPE, an
//     <html> start tag or an ignored end tag (e.g. <meta>, <title>, <body>,
//     <div>, text, </head>); HeadStart is inserted immediately before that
//     token. It is never inserted inside a comment, DOCTYPE, tag or raw text.
//     At most one HeadStart per document.
//   - BodyStart goes right after the <body ...> start tag when that tag is the
//     one that creates the body element. If body content comes first (text,
//     any start tag that does not belong in the head, <noscript> after
//     </head>, </body>, </html>, </br>), the parser creates the body
//     implicitly at that point and a later <body> tag only merges
//     attributes, so BodyStart is inserted immediately before that content.
//     Either way the snippet is the first child of the body, exactly once. Tags inside <template> never count; a <frameset>
//     before any body content means the document has no body, and BodyStart
//     is not inserted at all.
//   - Close: if the document ended before either point was reached (e.g. a
//     page that is only a <head>, or an empty body), Close writes the missing
//     snippets at the end, HeadStart first, because the parser creates the
//     head and body at EOF. It only does so if the scanner is in the data
//     state outside <template>: at EOF inside an unterminated comment, tag,
//     <title>, <script>, etc., appended markup would be swallowed by that
//     construct, so nothing is written and Inserted reports false. (A held,
//     incomplete tag or a lone "<" at EOF does not prevent it: the snippets
//     go before those bytes.)
//
// Inserted reports whether each insertion point was reached, even when the
// corresponding snippet is empty.
//
// A document starting with a UTF-16 byte order mark (FE FF or FF FE) is passed
// through untouched (Disabled reports true). A UTF-8 BOM is passed through and
// ignored. Leading bytes that only start a BOM (e.g. a lone 0xEF) are
// invalid UTF-8, i.e. text, so both snippets go before them.
//
// # Fidelity
//
// All tokenizer states that decide where a tag starts and ends are followed:
// data, tag open, tag name, the attribute states (quoted values may contain
// '>' or "</body>"), self-closing, markup declarations (comments including
// "<!-->", "<!--->", "--!>", bogus comments "<!x>", "</ >", "<?x>", DOCTYPE),
// RCDATA (title, textarea), RAWTEXT (style, xmp, iframe, noembed, noframes,
// noscript: the scripting-enabled parse, as browsers do), script data with its
// escaped and double-escaped states, PLAINTEXT, and CDATA sections in foreign
// content. Character references never change state and are ignored.
//
// # Speed
//
// Bytes that cannot matter are skipped, not tokenized: once the insertion
// points are behind it (or with no TagRewriter, once both snippets are
// placed, everything is copied unscanned), the scanner jumps from '<' to
// '<' with IndexByte-class searches, reads the tag name, and for a tag that
// the TagRewriter does not want and that cannot change the tokenizer state
// (raw text elements, svg, math, template, and anything inside foreign
// content go the general way) runs only a straight-line loop over its
// attributes to its '>', honouring quoted values. A wanted tag for which a
// TagFilter names a word (ping for <a>) is run the same way and only taken
// the general way when it contains the word, ends in a later write or
// exceeds MaxHold; the general way applies the same test, so the output
// does not depend on how the document is split. Any other wanted tag is
// run the same way when the TagRewriter is a TagSkipper, and passed over
// when complete, within MaxHold and SkipTag answers for RewriteTag that it
// stays unchanged (the trackers' cheap URL pre-filter for a first-party
// <img>): it is then neither held nor tokenized twice. The general state
// machine (scan.go, one function per state group) handles the rest.
//
// The tree builder is only approximated where tokenization depends on it:
// <template> nesting is counted, and SVG/MathML content is tracked with a
// small stack of foreign elements (breakout tags, HTML and MathML text
// integration points, self-closing tags), so that e.g. <svg><script/></svg>
// or <svg><style> do not switch to raw text. Known approximations (they can
// only affect what a TagRewriter sees, or contrived foreign markup inside a
// <template> before the body): an HTML end tag that closes an element
// around unclosed foreign content (e.g. "<div><svg></div>") is assumed not
// to leave the foreign content; annotation-xml is never treated as an HTML
// integration point; tag names longer than 64 bytes are never passed to the
// TagRewriter.
package htmlrewrite
