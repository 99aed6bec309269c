// Only the new part of a reply counts (SPEC §3): staff commands, summaries and the response sent
// to a complainant come from what the person wrote above the quoted history, never from it.
// email-reply-parser knows many languages' quote headers; the French ones of Outlook, Gmail,
// Apple Mail and Thunderbird, wrapped headers and HTML quote markup are recognised here.

import { foldForMatching } from './french-text.js';
import EmailReplyParser from 'email-reply-parser';
import sanitizeHtml from 'sanitize-html';
import { visibleHtml } from './visible-html.js';
import { withoutTrailing } from './trailing-characters.js';

/** The new text of a reply; see {@link extractNewText}. */
export interface NewText {
  /** What the person wrote, sign-off and signature included, without history, mobile footers or disclaimers. */
  readonly text: string;
  /** `text` without the signature (`-- ` block, or the sign-off and the name/title lines below it). */
  readonly core: string;
  /** Whether anything was removed as quoted history. */
  readonly quoted: boolean;
  /**
   * Command-like lines (`#…`) of the mail that a reader does not see, so not in `text`: hidden in
   * the HTML (display:none, zero size, white on white…), or in a text part that the HTML part does
   * not show. For the receipt: nothing is dropped silently.
   */
  readonly invisible?: readonly string[];
}

/**
 * The new part of a received mail. `text` is used when it has content, else `html` is converted
 * (quoted markup removed first: `blockquote`, Gmail `div.gmail_quote`, Thunderbird
 * `div.moz-cite-prefix`, Yahoo, and everything from Outlook's `#divRplyFwdMsg`/`#appendonsend`,
 * a `border-top` div opening with `From:`/`De :`, `#OLK_SRC_BODY_SECTION` or Hotmail's
 * `hr#stopSpelling` on). The HTML is also read instead of a non-empty `text` when it starts like
 * it and either `text` shows no history while the HTML has quote markup, or `text` is
 * double-spaced (a converter's rendering of Outlook HTML, as the parser gives for HTML-only mails).
 * Then quoted history is removed from the text (see the module's patterns), mobile footers
 * anywhere, a confidentiality footer with what follows it. Line endings come out as `\n`, lines
 * without trailing spaces, at most one blank line in a row, no blank line at either end.
 * Commands are read from `core` (or from `text` when the body after them matters: `#repondre`).
 * Only the first {@link NEW_TEXT_MAX_CHARS} characters of the text (ten times that of the HTML)
 * are read; the new text of a longer mail ends with {@link CUT_MARK}.
 */
export function extractNewText(mail: { readonly text: string; readonly html: string | null }): NewText {
  const source = withinReadLimits(mail);
  const result = readNewText(source);
  if (!source.cut) return result;
  return { text: withCutMark(result.text), core: withCutMark(result.core), quoted: result.quoted };
}

/**
 * How much of a mail is read for its new text. What a person writes above the history is never
 * this long; a longer body is a pasted log or a mail bomb, and reading all of it cost seconds and
 * hundreds of MB (a 3 MB one-line body). The whole mail is kept with the message all the same.
 */
export const NEW_TEXT_MAX_CHARS = 100_000;
/** HTML carries markup: it is read up to ten times the text limit. */
const NEW_TEXT_MAX_HTML_CHARS = 10 * NEW_TEXT_MAX_CHARS;
/** Ends the new text of a mail that was read only in part (staff read it in notifications). */
export const CUT_MARK = '[…] (message tronqué ici : le texte complet est conservé avec le message reçu)';

function withinReadLimits(mail: { readonly text: string; readonly html: string | null }): {
  text: string;
  html: string | null;
  cut: boolean;
} {
  const text = cutAtLine(mail.text, NEW_TEXT_MAX_CHARS);
  const html = mail.html === null ? null : mail.html.slice(0, NEW_TEXT_MAX_HTML_CHARS);
  return { text, html, cut: text.length < mail.text.length || (html?.length ?? 0) < (mail.html?.length ?? 0) };
}

/** The first `max` characters, cut after the last line break in them when there is one. */
function cutAtLine(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max);
  const newline = head.lastIndexOf('\n');
  return newline > max / 2 ? head.slice(0, newline) : head;
}

function withCutMark(text: string): string {
  return text === '' ? text : `${text}\n\n${CUT_MARK}`;
}

function readNewText(mail: { readonly text: string; readonly html: string | null }): NewText {
  const plain = normaliseText(mail.text);
  // Only what a reader of the HTML sees (visible-html.ts): hidden elements and text are gone.
  const converted = mail.html !== null ? convertHtml(mail.html, { dropQuotes: true }) : null;
  let stripped: Stripped = { lines: [], quoted: false };
  const invisible: string[] = [];
  if (!isBlank(plain)) {
    stripped = stripHistory(plain);
    if (converted !== null) {
      // Read lazily: the history of the HTML rendering is only needed when it replaces the text.
      const fromHtml = (): Stripped => stripHistory(converted.text);
      const unseen = unseenLines(stripped.lines, converted);
      if (unseen.disagrees) {
        // The text part says what the HTML does not show (the parser's rendering of hidden HTML,
        // or a text part written apart): a reader sees the HTML, so that is what counts.
        stripped = converted.quoted ? withQuoted(fromHtml()) : fromHtml();
        invisible.push(...unseen.commands);
      } else if (isDoubleSpaced(stripped.lines) || !stripped.quoted) {
        // The text part may be a generic converter's rendering of the HTML (mailparser fills it so
        // for HTML-only mails): it double-spaces Outlook's one-paragraph-per-line HTML, which would
        // split a command block, and may keep quoted history unmarked. The HTML is read instead
        // when it shows the same mail and either problem is present.
        const html = fromHtml();
        const useHtml = rendersSameMail(html.lines, plain) && (isDoubleSpaced(stripped.lines) || converted.quoted);
        if (useHtml) stripped = converted.quoted ? withQuoted(html) : html;
      }
    }
  } else if (converted !== null) {
    stripped = stripHistory(converted.text);
    if (converted.quoted) stripped = withQuoted(stripped);
  }
  const text = tidy(withoutDisclaimers(stripped.lines.filter((line) => !isMobileFooter(line))));
  if (converted !== null) invisible.push(...commandsIn(converted.hidden));
  const shown = squash(text.join('\n'));
  const unseen = [...new Set(invisible)].filter((line) => !shown.includes(squash(line))).slice(0, 10);
  return {
    text: text.join('\n'),
    core: tidy(withoutSignature(text)).join('\n'),
    quoted: stripped.quoted,
    ...(unseen.length > 0 ? { invisible: unseen } : {}),
  };
}

/**
 * The whole text of a mail as a reader sees it: its text part, unless the HTML part does not show
 * what it says (see {@link extractNewText}); then the HTML part's visible text. For reading a
 * forwarded mail's header block and body.
 */
export function readableText(mail: { readonly text: string; readonly html: string | null }): string {
  if (mail.html === null) return mail.text;
  const converted = convertHtml(mail.html, { dropQuotes: false });
  if (isBlank(mail.text)) return converted.text;
  return unseenLines(normaliseText(mail.text).split('\n'), converted).disagrees ? converted.text : mail.text;
}

/** White space (and case) removed: the same words whatever the rendering's line breaks. */
function squash(text: string): string {
  return text.replace(/[\s\u200b-\u200d\u2060\ufeff]+/g, '').toLowerCase();
}

/**
 * The lines of the text part that the HTML part does not show, when they matter: a command line,
 * or a line holding text that the HTML hides. Other differences (a link written out, an image
 * placeholder) are the usual ones between two renderings of one mail.
 */
function unseenLines(
  lines: readonly string[],
  html: { readonly text: string; readonly hidden: readonly string[] },
): { disagrees: boolean; commands: string[] } {
  const seen = squash(html.text);
  const hidden = html.hidden.map(squash).filter((part) => part.length >= 3);
  const commands: string[] = [];
  let disagrees = false;
  for (const line of lines) {
    const squashed = squash(line);
    // A link is written out in the text part (`la page <https://…>`), shown as its words in HTML.
    const words = squash(line.replace(LINK_TARGET, ''));
    if (squashed.length === 0 || seen.includes(squashed) || (words.length > 0 && seen.includes(words))) continue;
    const command = COMMAND_LIKE.test(line);
    if (
      command ||
      hidden.some((part) => squashed.includes(part) || (squashed.length >= 3 && part.includes(squashed)))
    ) {
      disagrees = true;
      if (command) commands.push(line.trim());
    }
  }
  return { disagrees, commands };
}

const COMMAND_LIKE = /^\s*#\p{L}/u;
const LINK_TARGET = /<(?:https?|mailto):[^>\s]*>|\bhttps?:\/\/\S+/gi;

/** The `#command …` pieces of hidden text, one each (hidden blocks lose their line breaks). */
function commandsIn(hidden: readonly string[]): string[] {
  const found: string[] = [];
  for (const text of hidden)
    for (const match of text.matchAll(/(?:^|\s)(#\p{L}[^#\n]*)/gu)) found.push(match[1]!.trim().slice(0, 80));
  return found;
}

/** Whether no two non-blank lines follow each other (and there are several): a converter's output. */
function isDoubleSpaced(lines: readonly string[]): boolean {
  let content = 0;
  for (let index = 0; index < lines.length; index += 1) {
    if (isBlank(lines[index]!)) continue;
    content += 1;
    if (index + 1 < lines.length && !isBlank(lines[index + 1]!)) return false;
  }
  return content >= 3;
}

/** Whether the new text found in the HTML part starts like the text part (same mail, not another rendering). */
function rendersSameMail(lines: readonly string[], plain: string): boolean {
  const squash = (text: string): string => text.replace(/\s+/g, ' ').trim();
  const first = lines.find((line) => !isBlank(line));
  return first !== undefined && squash(plain).includes(squash(first));
}

// ---------------------------------------------------------------------------------------------
// HTML to text

const BLOCK_TAGS = [
  'address',
  'article',
  'aside',
  'blockquote',
  'caption',
  'center',
  'dd',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'ul',
];
const KEPT_TAGS = [...BLOCK_TAGS, 'br', 'span'];
// Elements whose start begins the quoted history: they and everything after them go.
const HISTORY_START_ID =
  /^(?:x_)*(?:divRplyFwdMsg|appendonsend|OLK_SRC_BODY_SECTION|stopSpelling|mail-editor-reference-message-container)$/i;
const HISTORY_START_CLASS = /^(?:x_)*(?:OutlookMessageHeader)$/i;
// Elements that hold quoted history (or its attribution line): they go, what follows stays.
const QUOTE_CLASS_NAMES = [
  'gmail_quote',
  'gmail_quote_container',
  'yahoo_quoted',
  'moz-cite-prefix',
  'moz-forward-container',
  'protonmail_quote',
  'zmail_extra',
  'ms-outlook-mobile-reference-message',
];
const QUOTE_CLASS = new RegExp(`^(?:x_)*(?:${QUOTE_CLASS_NAMES.join('|')})$`, 'i');
// `\s*(?:\*\s*)?` rather than `\s*\*?\s*`: two adjacent `\s*` split a long blank run in quadratically many ways.
const HEADER_OPENING = /^\s*(?:\*\s*)?(?:de|from|von|van|da|envoy[ée](?: le)?|sent|date|gesendet)\s*(?:\*\s*)?:/i;

/**
 * Text of an HTML body: `<br>` and block boundaries become line breaks, paragraphs (except
 * Outlook's `p.MsoNormal` lines) are set off by a blank line, table cells are separated by tabs,
 * entities are decoded, what a reader does not see is dropped first (`visibleHtml`: `head`, `style`,
 * `script`, hidden elements and text, listed in `hidden`). With `dropQuotes`, quoted history is
 * removed before conversion (see {@link extractNewText}) and `quoted` says whether any was found.
 * Built on sanitize-html: its parser balances the markup, our filter drops the quote elements,
 * and only the attribute-free tags it lets through are then turned into breaks.
 */
export function htmlToText(html: string, options: { readonly dropQuotes: boolean }): { text: string; quoted: boolean } {
  const { text, quoted } = convertHtml(html, options);
  return { text, quoted };
}

/** {@link htmlToText}, with the text removed because a reader does not see it. */
function convertHtml(
  html: string,
  options: { readonly dropQuotes: boolean },
): { text: string; quoted: boolean; hidden: readonly string[] } {
  let cutAt = Number.POSITIVE_INFINITY;
  let quoted = false;
  const visible = visibleHtml(html);
  const cleaned = sanitizeHtml(visible.html, {
    allowedTags: KEPT_TAGS,
    allowedAttributes: {},
    // Outlook writes every line as a `p.MsoNormal` without margins: a line, not a paragraph.
    transformTags: {
      p: (tagName, attribs) => ({ tagName: /\bMsoNormal\b/.test(attribs.class ?? '') ? 'div' : tagName, attribs }),
    },
    nonTextTags: ['style', 'script', 'textarea', 'option', 'noscript', 'head', 'title', 'xml'],
    exclusiveFilter: (frame) => {
      if (!options.dropQuotes) return false;
      const attribs = frame.attribs;
      const classes = (attribs.class ?? '').split(/\s+/).filter((name) => name !== '');
      const historyStarts =
        HISTORY_START_ID.test(attribs.id ?? '') ||
        classes.some((name) => HISTORY_START_CLASS.test(name)) ||
        (frame.tag === 'div' &&
          /border-top\s*:[^;]*solid/i.test(attribs.style ?? '') &&
          HEADER_OPENING.test(frame.text));
      if (historyStarts) {
        // The output before this position is never rewritten afterwards: cutting there later is safe.
        cutAt = Math.min(cutAt, frame.tagPosition);
        quoted = true;
        return true;
      }
      const isIndent =
        /border\s*:\s*none/i.test(attribs.style ?? '') && attribs.type === undefined && classes.length === 0;
      if (
        (frame.tag === 'blockquote' && !isIndent) ||
        classes.some((name) => QUOTE_CLASS.test(name)) ||
        /^yahoo_quoted/i.test(attribs.id ?? '')
      ) {
        quoted = true;
        return true;
      }
      return false;
    },
  });
  const kept = cutAt < cleaned.length ? cleaned.slice(0, cutAt) : cleaned;
  return { text: tidy(normaliseText(markupToText(kept)).split('\n')).join('\n'), quoted, hidden: visible.hidden };
}

// sanitize-html's output is canonical: tags are `<name>`, `</name>` or `<name />` without
// attributes, and text escapes only `&`, `<` and `>`. Tokenising it is exact.
const CANONICAL_TOKEN = /<(\/?)([a-z0-9]+)\s*\/?>|([^<]+)/g;

function markupToText(markup: string): string {
  // Finished lines, and the line being written (kept apart so that trimming it stays cheap).
  const lines: string[] = [];
  let line = '';
  let preDepth = 0;
  const endLine = (): void => {
    lines.push(withoutTrailing(line, ' '));
    line = '';
  };
  const breakLine = (): void => {
    if (line !== '') endLine();
  };
  for (const match of markup.matchAll(CANONICAL_TOKEN)) {
    const [, closing, tag, text] = match;
    if (text !== undefined) {
      const decoded = text
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&');
      if (preDepth > 0) {
        const [first, ...rest] = decoded.split('\n');
        line += first;
        for (const next of rest) {
          endLine();
          line = next;
        }
      } else {
        // HTML collapses ASCII white space (not no-break spaces) and ignores it at line starts.
        const collapsed = decoded.replace(/[ \t\n\r\f]+/g, ' ');
        line += line === '' || line.endsWith(' ') || line.endsWith('\t') ? collapsed.replace(/^ /, '') : collapsed;
      }
      continue;
    }
    if (tag === 'br') {
      endLine();
    } else if (tag === 'td' || tag === 'th') {
      if (closing === '' && line !== '') line = `${withoutTrailing(line, ' ')}\t`;
    } else if (tag === 'li' && closing === '') {
      breakLine();
      line = '- ';
    } else if (tag === 'pre') {
      breakLine();
      preDepth = Math.max(0, preDepth + (closing === '' ? 1 : -1));
    } else if (tag === 'p') {
      // A paragraph is set off by a blank line, as browsers show it.
      breakLine();
      if (lines.length > 0 && lines[lines.length - 1] !== '') lines.push('');
    } else if (tag !== 'span') {
      breakLine();
    }
  }
  if (line !== '') endLine();
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Quoted history in text

interface Stripped {
  readonly lines: readonly string[];
  readonly quoted: boolean;
}

function withQuoted(stripped: Stripped): Stripped {
  return { lines: stripped.lines, quoted: true };
}

/** CRLF and CR to LF, zero-width characters removed, trailing white space of every line removed. */
function normaliseText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\u200b|\u200c|\u200d|\u2060|\ufeff/g, '')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

function isBlank(text: string): boolean {
  return text.trim() === '';
}

const QUOTE_LINE = /^\s*>/;
// "-----Original Message-----", "-------- Message d'origine --------", "---------- Forwarded message ---------"…
const HISTORY_SEPARATOR_WORDS = [
  'original message',
  'original e-?mail',
  "message d'origine",
  'message original',
  'mail original',
  'message transfere',
  'mail transfere',
  'message transmis',
  'message reexpedie',
  'forwarded message',
  'ursprungliche nachricht',
  'weitergeleitete nachricht',
  'mensaje original',
  'messaggio originale',
  'oprindelig besked',
];
const HISTORY_SEPARATOR = new RegExp(
  String.raw`^\s*[-_=*]{2,}\s*(?:${HISTORY_SEPARATOR_WORDS.join('|')})\s*(?:[-_=*]{2,}\s*)?(?::\s*)?$`,
);
// Apple Mail's forward intro, and Lotus Notes' "----- Réacheminé par …/ORG le … -----".
const FORWARD_INTRO_WORDS = [
  'begin forwarded message',
  'debut du message (?:reexpedie|transfere)',
  'anfang der weitergeleiteten nachricht',
];
const FORWARD_INTRO_LINE = String.raw`^\s*(?:${FORWARD_INTRO_WORDS.join('|')})\s*:\s*$`;
const FORWARDED_BY = String.raw`^\s*-{3}.*\b(?:reachemine par|forwarded by|transfere par|weitergeleitet von)\b`;
const FORWARD_INTRO = new RegExp(`${FORWARD_INTRO_LINE}|${FORWARDED_BY}`);
const RULE_LINE = /^\s*(?:_{8,}|-{8,}|={8,})\s*$/;
const TIME = /\b\d{1,2}\s?[:h]\s?\d{2}\b/;
// "… a écrit :", "… a écrit le 23/11/2026 :", "… wrote:", and a few other languages' verbs.
const ATTRIBUTION_VERBS = [
  String.raw`a\s+ecrit(?:\s+(?:le|sur)\s+.*)?`,
  String.raw`wrote(?:\s+on\s+.*)?`,
  String.raw`schrieb(?:\s+.*)?`,
  'escribio',
  'ha scritto',
  'escreveu',
  String.raw`schreef(?:\s+.*)?`,
  String.raw`skrev(?:\s+.*)?`,
  String.raw`napisal(?:\(a\))?`,
  'kirjoitti',
];
const ATTRIBUTION_END = new RegExp(String.raw`(?:^|[\s"'>)\]*])(?:${ATTRIBUTION_VERBS.join('|')})\s*:\s*-*\s*$`);
// A sentence of the person's own, not a client's header: "il m'a écrit :", "vous a écrit :".
const ATTRIBUTION_IN_PROSE = /\b(?:m'|t'|l'|nous |vous |lui |leur |qui |il |elle |on )a\s+ecrit\b/;

function isAttribution(line: string, strict: boolean): boolean {
  const folded = foldForMatching(line).replace(/^[\s\-–—*]+/, '');
  if (folded.length > 400 || !ATTRIBUTION_END.test(folded) || ATTRIBUTION_IN_PROSE.test(folded)) return false;
  // A client's header carries the time or the address; prose rarely does both "… wrote:" and that.
  return strict ? TIME.test(folded) || folded.includes('@') : /\d|@/.test(folded);
}

// How a client's attribution line starts: "Le …", "On …", "Am …", "- Le …" (Zimbra); or it
// carries a date or an address from its first line (Lotus Notes, Android, "Jean <j@x.fr> wrote:").
const ATTRIBUTION_OPENING = /^[\s\-–—*]*(?:le|on|am|el|il|em|op|den|dnia|w dniu|pe)\b|\d|@/;

/** Number of lines (1–3) from `index` that form a quote attribution, or 0. */
function attributionAt(lines: readonly string[], index: number, strict: boolean): number {
  if (!ATTRIBUTION_OPENING.test(foldForMatching(lines[index]!))) return 0;
  let joined = '';
  for (let count = 1; count <= 3 && index + count - 1 < lines.length; count += 1) {
    const line = lines[index + count - 1]!;
    if (isBlank(line) || (count > 1 && QUOTE_LINE.test(line))) return 0;
    joined = joined === '' ? line.trim() : `${joined} ${line.trim()}`;
    if (isAttribution(joined, strict)) return count;
  }
  return 0;
}

/** What a header line of a quoted or forwarded mail says (`other`: importance, attachments…). */
export type HeaderKey = 'from' | 'date' | 'to' | 'cc' | 'subject' | 'replyTo' | 'other';

const HEADER_KEYS: ReadonlyArray<readonly [HeaderKey, readonly string[]]> = [
  ['from', ['de', 'from', 'von', 'van', 'da', 'expediteur', 'od', 'fra', 'fran']],
  ['date', ['date', 'envoye', 'envoye le', 'sent', 'gesendet', 'datum', 'verzonden', 'enviado', 'inviato', 'data']],
  ['to', ['a', 'to', 'an', 'aan', 'para', 'pour', 'destinataire', 'destinataires']],
  ['cc', ['cc', 'cci', 'bcc', 'copie', 'copie a', 'kopie']],
  ['subject', ['objet', 'subject', 'sujet', 'betreff', 'onderwerp', 'asunto', 'oggetto', 'assunto']],
  ['replyTo', ['repondre a', 'reply-to', 'reply to', 'antwort an']],
  ['other', ['importance', 'priorite', 'pieces jointes', 'attachments', 'anlagen']],
];
const KEY_BY_NAME = new Map(HEADER_KEYS.flatMap(([key, names]) => names.map((name) => [name, key] as const)));
const HEADER_NAMES = [...KEY_BY_NAME.keys()]
  .sort((a, b) => b.length - a.length)
  .map((name) => name.replace(/[-]/g, '\\-'));
// "De : …", "*From:* …", "Envoyé le :…" — the key is matched on the folded line.
const HEADER_LINE = new RegExp(`^\\s*(?:\\*\\s*)?(${HEADER_NAMES.join('|')})\\s*(?:\\*\\s*)?:\\s*\\*?\\s?(.*)$`);
// A second key on the same line ("À : abc@abc.be Objet : …"): capitalised, as clients write them.
const INLINE_KEY = /\s(Objet|Subject|Sujet|Envoyé(?: le)?|Sent|Date|À|To|Cc|Betreff|An)\s?:\s/;

const MAX_HEADER_LINES = 24;

/** One field of a mail header block written into a body (forwards, Outlook replies). */
export interface HeaderField {
  readonly key: HeaderKey;
  readonly value: string;
}

/** A header block found in a body: its fields and the index of the first line after it. */
export interface HeaderBlock {
  readonly fields: readonly HeaderField[];
  readonly end: number;
}

function headerLineAt(line: string): { key: HeaderKey; value: string } | null {
  const match = HEADER_LINE.exec(foldForMatching(line));
  if (match === null) return null;
  const key = KEY_BY_NAME.get(match[1]!)!;
  // The value is taken from the original line, after its first colon.
  const value = line
    .slice(line.indexOf(':') + 1)
    .replace(/^\s*\*?\s*/, '')
    .trim();
  return { key, value };
}

/**
 * The header block of a quoted or forwarded mail starting at `lines[start]` ("De : … / Envoyé : … /
 * À : … / Objet : …", in French, English, German and a few more, optionally `*bold*`), or null.
 * A block names the sender and the date, and the recipients, copy or subject unless the sender
 * has an address; a value may wrap onto the next line (twice at most); two fields may share a
 * line; it has at most 24 lines. It ends at a blank line or at the first line that is not part of
 * it. With `lenient` (after an explicit "Forwarded message" line), any block naming the sender is
 * accepted.
 */
export function readHeaderBlock(
  lines: readonly string[],
  start: number,
  options: { readonly lenient?: boolean } = {},
): HeaderBlock | null {
  const first = lines[start];
  if (first === undefined || headerLineAt(first) === null) return null;
  const fields: { key: HeaderKey; value: string }[] = [];
  let index = start;
  let wrapped = 0;
  while (index < lines.length) {
    const line = lines[index]!;
    if (isBlank(line)) break;
    // A header block is a dozen lines at most: anything longer is text with colons in it.
    if (index - start >= MAX_HEADER_LINES) return null;
    const header = headerLineAt(line);
    if (header !== null) {
      fields.push(...splitInlineFields(header));
      wrapped = 0;
      index += 1;
      continue;
    }
    // A wrapped value ("From: Human Resources" / "<hr@x.com>"): only inside the block, or an
    // address list running on, two lines at most.
    const previous = fields[fields.length - 1]!;
    const [next, afterNext] = [lines[index + 1], lines[index + 2]];
    const fieldFollows =
      (next !== undefined && headerLineAt(next) !== null) ||
      (next !== undefined && !isBlank(next) && afterNext !== undefined && headerLineAt(afterNext) !== null);
    const addressesRunOn = ['from', 'to', 'cc'].includes(previous.key) && /@|[;,]\s*$/.test(line);
    if ((!fieldFollows && !addressesRunOn) || wrapped >= 2) break;
    fields[fields.length - 1] = { key: previous.key, value: `${previous.value} ${line.trim()}`.trim() };
    wrapped += 1;
    index += 1;
  }
  // Clients always write the sender and the date; a letter's "De : … / Objet : …" lacks the date.
  const keys = new Set(fields.map((field) => field.key));
  const from = fields.find((field) => field.key === 'from');
  if (from !== undefined && options.lenient === true) return { fields, end: index };
  if (
    from === undefined ||
    !keys.has('date') ||
    !(keys.has('to') || keys.has('cc') || keys.has('subject') || from.value.includes('@'))
  )
    return null;
  return { fields, end: index };
}

function splitInlineFields(header: { key: HeaderKey; value: string }): { key: HeaderKey; value: string }[] {
  const match = INLINE_KEY.exec(header.value);
  if (match === null || header.key === 'subject') return [header];
  const rest = headerLineAt(header.value.slice(match.index + 1));
  if (rest === null) return [header];
  return [{ key: header.key, value: header.value.slice(0, match.index).trim() }, ...splitInlineFields(rest)];
}

/** Index of the first line of `lines[index…]` that is not blank, within `window` lines, or -1. */
function nextContent(lines: readonly string[], index: number, window: number): number {
  for (let at = index; at < lines.length && at < index + window; at += 1) if (!isBlank(lines[at]!)) return at;
  return -1;
}

/** Whether the quoted history (everything to the end) starts at `lines[index]`. */
function historyStartsAt(lines: readonly string[], index: number): boolean {
  const line = lines[index]!;
  const folded = foldForMatching(line);
  if (HISTORY_SEPARATOR.test(folded) || FORWARD_INTRO.test(folded)) return true;
  if (RULE_LINE.test(line)) {
    const next = nextContent(lines, index + 1, 4);
    return next !== -1 && readHeaderBlock(lines, next) !== null;
  }
  return readHeaderBlock(lines, index) !== null;
}

/**
 * Removes quoted history: everything from the first history marker on (separators, header blocks,
 * an attribution not followed by `>` lines), and before it every `>` line with the attribution
 * introducing it. Unquoted lines between `>` blocks (inline or bottom replies) stay.
 */
function stripHistory(text: string): Stripped {
  const lines = text.split('\n');
  const removed = new Set<number>();
  let end = lines.length;
  for (let index = 0; index < end; index += 1) {
    const line = lines[index]!;
    if (QUOTE_LINE.test(line)) {
      removed.add(index);
      introduceQuote(lines, index, removed);
      continue;
    }
    if (isBlank(line)) continue;
    const attribution = attributionAt(lines, index, false);
    if (attribution > 0) {
      const next = nextContent(lines, index + attribution, 6);
      if (next !== -1 && QUOTE_LINE.test(lines[next]!)) {
        for (let at = index; at < index + attribution; at += 1) removed.add(at);
        index += attribution - 1;
        continue;
      }
      if (attributionAt(lines, index, true) > 0) {
        end = index;
        break;
      }
    }
    if (historyStartsAt(lines, index)) {
      end = index;
      break;
    }
  }
  let kept = lines.slice(0, end).filter((_, index) => !removed.has(index));
  let quoted = end < lines.length || removed.size > 0;
  const fromLibrary = libraryHistoryStart(kept);
  if (fromLibrary !== -1) {
    kept = kept.slice(0, fromLibrary);
    quoted = true;
  }
  return { lines: kept, quoted };
}

/**
 * Marks as removed the attribution just above the `>` line at `quoteIndex` (blank lines between
 * allowed): one to three lines ending with ":" that carry a time or an address, in any language.
 */
function introduceQuote(lines: readonly string[], quoteIndex: number, removed: Set<number>): void {
  let last = quoteIndex - 1;
  while (last >= 0 && isBlank(lines[last]!) && quoteIndex - last <= 3) last -= 1;
  if (last < 0 || removed.has(last) || QUOTE_LINE.test(lines[last]!) || !/:\s*$/.test(lines[last]!)) return;
  // The attribution may wrap: extend it upwards over lines that could open one.
  let first = last;
  for (let above = last - 1; above >= Math.max(0, last - 2); above -= 1) {
    const line = lines[above]!;
    if (isBlank(line) || removed.has(above) || QUOTE_LINE.test(line)) break;
    if (ATTRIBUTION_OPENING.test(foldForMatching(line))) first = above;
  }
  for (; first <= last; first += 1) {
    const joined = lines
      .slice(first, last + 1)
      .map((line) => line.trim())
      .join(' ');
    if (joined.length <= 400 && (isAttribution(joined, false) || TIME.test(joined) || joined.includes('@'))) {
      for (let line = first; line <= last; line += 1) removed.add(line);
      return;
    }
  }
}

const LIBRARY_MAX_CHARS = 20_000;
const LIBRARY_MAX_LINE = 2_000;

/**
 * email-reply-parser's verdict on what is left: the line where a quote header it knows (other
 * languages' attributions) starts, or -1. Its header is accepted only when it looks like a
 * client's (a time or an address in it), so that prose such as "On the other hand" stays.
 */
function libraryHistoryStart(lines: readonly string[]): number {
  const text = lines.join('\n');
  // Its regular expressions are slow on long lines; a quote header is never one.
  if (isBlank(text) || text.length > LIBRARY_MAX_CHARS || lines.some((line) => line.length > LIBRARY_MAX_LINE))
    return -1;
  const fragments = new EmailReplyParser().read(text).getFragments();
  const quotedFragment = fragments.find((fragment) => fragment.isQuoted());
  if (quotedFragment === undefined) return -1;
  const header = quotedFragment
    .getContent()
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '');
  if (header === undefined || !isLibraryHeaderPlausible(header)) return -1;
  return lines.findIndex((line) => line.trim().length >= 8 && header.startsWith(line.trim()));
}

function isLibraryHeaderPlausible(header: string): boolean {
  const folded = foldForMatching(header);
  if (ATTRIBUTION_IN_PROSE.test(folded)) return false;
  return TIME.test(folded) || folded.includes('@') || /^-{1,12} ?[\p{L} ']+ ?-{1,12}$/u.test(folded);
}

// ---------------------------------------------------------------------------------------------
// Footers, disclaimers, signatures

// "Envoyé de mon iPhone", "Sent from my Galaxy": any device after "my"; other wordings
// ("Envoyé depuis Outlook pour Android", "Obtenir Outlook pour iOS") must name a mail app or device.
const MOBILE_FOOTER_ANY_WORDS = [
  'envoye (?:de|depuis|a partir de|avec) (?:mon|ma)',
  'sent (?:from|with) (?:my|a|an)',
  'sent by',
  'from my',
  'von meinem',
  'verzonden (?:met|vanaf) mijn',
  'verstuurd vanaf mijn',
];
const MOBILE_FOOTER_ANY = new RegExp(String.raw`^[\s(<]*(?:${MOBILE_FOOTER_ANY_WORDS.join('|')})\b`);
const MOBILE_FOOTER_START_WORDS = [
  String.raw`envoye\s+(?:de|depuis|a partir de|avec|via)`,
  String.raw`sent\s+(?:from|with|via|using)`,
  'obtenir',
  'get',
  'telecharger',
  'download',
  String.raw`verzonden\s+(?:met|vanaf)`,
  'gesendet von',
];
const MOBILE_FOOTER_START = new RegExp(String.raw`^[\s(<]*(?:${MOBILE_FOOTER_START_WORDS.join('|')})\b`);
const MOBILE_FOOTER_DEVICE = new RegExp(
  [
    'iphone|ipad|ipod|android|outlook|mobil|samsung|galaxy|yahoo|mail|courrier|blackberry|smartphone|huawei',
    String.raw`xiaomi|windows|\bios\b|appareil|device|tablet|tablette|proton|sparrow|airmail|mailbox|orange`,
    'sfr|free|bouygues',
  ].join('|'),
);

function isMobileFooter(line: string): boolean {
  const folded = foldForMatching(line.trim());
  if (folded.length > 160) return false;
  return (
    (folded.length <= 80 && MOBILE_FOOTER_ANY.test(folded)) ||
    (MOBILE_FOOTER_START.test(folded) && MOBILE_FOOTER_DEVICE.test(folded))
  );
}

// One-line eco footers, anywhere ("P Pensez à l'environnement avant d'imprimer ce message").
const ECO_FOOTER_LEAD = "(?:merci de |avant d'imprimer(?: ce (?:message|mail|courriel|e-mail))?,? |svp,? )?";
const ECO_FOOTER_WORDS = [
  "pensez a l'environnement",
  'pensez a la planete',
  "respectez l'environnement",
  "n'imprimez ce (?:message|mail|courriel|e-mail) que",
  'please consider the environment',
  'think before you print',
  'save a tree',
];
const ECO_FOOTER = new RegExp(String.raw`^\W{0,4}\s*(?:p\s+)?${ECO_FOOTER_LEAD}(?:${ECO_FOOTER_WORDS.join('|')})`);
// First line of a confidentiality footer.
const DISCLAIMER_START = new RegExp(
  [
    '^(?:avertissement|mention|clause|note)?(?: de)? ?confidentialite\\b',
    '^(?:avis|mention) (?:de )?confidentialite',
    '^(?:ce|le present|cet) (?:message|courriel|e-mail|email|mail|envoi)(?: electronique)?' +
      '(?:,? (?:ainsi que|et|y compris) (?:toutes |tous )?(?:ses|les) (?:pieces jointes|fichiers|annexes)' +
      '(?: eventuel(?:le)?s)?,?)? (?:est|sont|peu(?:ven)?t|contient|contiennent|et)\\b' +
      '.*(?:confidenti|strictement (?:prive|personnel)|usage exclusif|attention exclusive|exclusivement)',
    "^(?:les informations|l'information|le contenu)(?: contenues?)? (?:dans|de) ce " +
      '(?:message|courriel|e-mail|email|mail).*(?:confidenti|exclusi|strictement)',
    '^this (?:e-?mail|message|communication|transmission)' +
      '(?: and any (?:files|attachments?|documents)(?: transmitted with it)?)?,? (?:is|are|may|contains?)\\b' +
      '.*(?:confidential|privileged|intended (?:solely|only|exclusively)|intended recipient)',
    '^the (?:information|content)(?: contained)? in this (?:e-?mail|message|communication)' +
      '.*(?:confidential|privileged)',
    '^(?:confidentiality|legal) (?:notice|disclaimer|warning)',
    '^disclaimer\\s*:',
    '^important\\s*:.*(?:confidenti)',
  ].join('|'),
);

const RECEIVED_IN_ERROR = new RegExp(
  [
    'par erreur',
    'in error',
    "si vous n'etes pas (?:le|la|les|un|une) destinataire",
    'if you are not the intended',
    'notify the sender',
    "avertir (?:immediatement )?l'(?:expediteur|emetteur)",
  ].join('|'),
);

function isDisclaimerStart(paragraph: string): boolean {
  const folded = foldForMatching(paragraph.trim()).replace(/^[\W_]+/, '');
  if (DISCLAIMER_START.test(folded)) return true;
  // Elsewhere, only the "received in error" clause makes a confidentiality sentence a footer: a
  // response may well explain that a medical file is confidential.
  return /confidenti|privileg/.test(folded) && RECEIVED_IN_ERROR.test(folded);
}

/** A footer paragraph is read up to this length: its opening sentences are what tells it. */
const DISCLAIMER_MAX_CHARS = 2_000;
const DISCLAIMER_MAX_LINES = 30;

/** Drops eco footer lines, and a confidentiality footer with everything after it (never the first paragraph). */
function withoutDisclaimers(lines: readonly string[]): string[] {
  const kept = lines.filter((line) => !ECO_FOOTER.test(foldForMatching(line.trim())));
  // Where the paragraph of each line ends (the next blank line), computed once: every line under
  // a rule line starts a paragraph, so scanning forward from each would be quadratic.
  const paragraphEnds = new Array<number>(kept.length);
  for (let index = kept.length - 1, end = kept.length; index >= 0; index -= 1) {
    if (isBlank(kept[index]!)) end = index;
    paragraphEnds[index] = end;
  }
  let seenContent = false;
  for (let index = 0; index < kept.length; index += 1) {
    const line = kept[index]!;
    if (isBlank(line)) continue;
    const startsParagraph = index === 0 || isBlank(kept[index - 1]!) || /^[\s\-_=*]+$/.test(kept[index - 1]!);
    if (seenContent && startsParagraph) {
      if (isDisclaimerStart(paragraphStart(kept, index, paragraphEnds[index]!))) {
        // A rule line drawn above the footer goes with it.
        const cut = index > 0 && /^[\s\-_=*]{4,}$/.test(kept[index - 1]!) ? index - 1 : index;
        return kept.slice(0, cut);
      }
    }
    seenContent = true;
  }
  return kept;
}

/**
 * The lines `from…end` joined by spaces, at most {@link DISCLAIMER_MAX_LINES} lines and
 * {@link DISCLAIMER_MAX_CHARS} characters.
 */
function paragraphStart(lines: readonly string[], from: number, end: number): string {
  let text = '';
  const last = Math.min(end, from + DISCLAIMER_MAX_LINES);
  for (let index = from; index < last && text.length < DISCLAIMER_MAX_CHARS; index += 1)
    text =
      text === ''
        ? lines[index]!.slice(0, DISCLAIMER_MAX_CHARS)
        : `${text} ${lines[index]!.slice(0, DISCLAIMER_MAX_CHARS)}`;
  return text.slice(0, DISCLAIMER_MAX_CHARS);
}

// "Cordialement,", "Bien à vous", "Best regards, Jean"…
const SIGN_OFF_WORDS = [
  '(?:tres |bien |tres bien |bien tres |tres sincerement et )?cordialement',
  'cdlt',
  'cdt',
  'bien a (?:vous|toi)',
  '(?:sinceres |meilleures |mes |nos |avec mes |avec nos )?salutations(?: distinguees| cordiales| respectueuses)?',
  'respectueusement',
  'sincerement',
  'amicalement',
  'bonne (?:journee|soiree|fin de journee|semaine)',
  'belle journee',
  String.raw`(?:best|kind|warm|warmest|many)?\s?regards`,
  'best wishes',
  'best',
  'cheers',
  'sincerely',
  'yours (?:truly|sincerely)',
  'thanks',
  'thank you',
  "merci(?: beaucoup| d'avance| par avance| bien)?",
];
const SIGN_OFF = new RegExp(String.raw`^(?:${SIGN_OFF_WORDS.join('|')})\b[\s,.!]*(?:[,\-–]\s*\S.{0,40})?$`);
const SIGNATURE_MAX_LINES = 12;

/** `lines` without the signature: from a `-- ` line, or from the last sign-off followed only by a short block. */
function withoutSignature(lines: readonly string[]): string[] {
  const delimiter = lines.findIndex((line, index) => index > 0 && /^--\s?$/.test(line));
  const body = delimiter === -1 ? [...lines] : lines.slice(0, delimiter);
  // A sign-off is never the first thing written ("Merci !" alone is the message).
  const firstContent = body.findIndex((line) => !isBlank(line));
  for (let index = body.length - 1; index > firstContent; index -= 1) {
    const line = body[index]!.trim();
    if (line === '' || line.length > 60 || !SIGN_OFF.test(foldForMatching(line))) continue;
    const after = body.slice(index + 1).filter((rest) => !isBlank(rest));
    if (
      after.length <= SIGNATURE_MAX_LINES &&
      after.every((rest) => rest.trim().length <= 100 && !rest.trim().startsWith('#'))
    ) {
      return body.slice(0, index);
    }
    break;
  }
  return body;
}

/** No blank lines at either end, at most one blank line in a row. */
function tidy(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const clean = line.trimEnd();
    if (clean === '' && (out.length === 0 || out[out.length - 1] === '')) continue;
    out.push(clean);
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}
