// A complaint forwarded to reclamation@ by staff: the ticket is the complainant's, so its sender,
// date, subject and text are read from the forwarded header block, and what the staff member
// wrote above it (possibly commands such as `#canal telephone`) is kept apart.

import { foldForMatching } from './french-text.js';
import { htmlToText, readHeaderBlock, type HeaderBlock } from './reply-text.js';
import { parseNameAddress } from './staff-command.js';

export interface ForwardedMail {
  /** The original sender; `address` is '' when the header block names them without an address. */
  readonly from: { readonly name: string; readonly address: string };
  /** The date as written, and its reading: see {@link parseHeaderDate}. */
  readonly date: { readonly text: string; readonly iso: string | null };
  /** '' when the header block has none. */
  readonly subject: string;
  /** The forwarded mail's text, without blank lines at either end. */
  readonly body: string;
  /** What the forwarding person wrote above the forwarded part, without blank lines at either end. */
  readonly preface: string;
}

// "---------- Forwarded message ---------", "-------- Message transféré --------",
// "-----Original Message-----", "-----Message d'origine-----".
const FORWARD_SEPARATOR_WORDS = [
  'forwarded message',
  'message transfere',
  'mail transfere',
  'message transmis',
  'message reexpedie',
  'original message',
  "message d'origine",
  'message original',
  'mail original',
  'weitergeleitete nachricht',
  'ursprungliche nachricht',
  'mensaje reenviado',
  'messaggio inoltrato',
];
const FORWARD_SEPARATOR = new RegExp(
  String.raw`^\s*[-_=*]{2,}\s*(?:${FORWARD_SEPARATOR_WORDS.join('|')})\s*(?:[-_=*]{2,}\s*)?:?\s*$`,
);
// Apple Mail.
const FORWARD_INTRO_WORDS = [
  'begin forwarded message',
  'debut du message (?:reexpedie|transfere)',
  'anfang der weitergeleiteten nachricht',
];
const FORWARD_INTRO = new RegExp(String.raw`^\s*(?:${FORWARD_INTRO_WORDS.join('|')})\s*:\s*$`);
// Outlook's "________________________________" above its header block.
const RULE_LINE = /^\s*(?:_{8,}|-{8,})\s*$/;

function isMarker(line: string): boolean {
  const folded = foldForMatching(line);
  return FORWARD_SEPARATOR.test(folded) || FORWARD_INTRO.test(folded);
}

/**
 * The forwarded mail inside `text` (or, when `text` has none or names the sender without an
 * address, inside `html` converted to text), or null when there is none. Recognised: Gmail
 * ("---------- Forwarded message ---------" / "Message transféré"), Thunderbird ("-------- Message
 * transféré --------" with "Sujet : / Date : / De : / Pour :"), Outlook (a "De : / Envoyé : / À : /
 * Objet :" block, with or without "________" or "-----Original Message-----" above it), Apple Mail
 * ("Début du message réexpédié :" / "Begin forwarded message:", also quoted with `>`). The first
 * forwarded header block from the top is used: in a forward of a forward, the most recent mail.
 * The subject is not looked at: an Outlook reply's quoted header block reads like a forward, so
 * call this for mails whose subject says they are forwarded (`TR:`, `Fwd:`, `Fw:`).
 */
export function parseForwarded(text: string, html?: string | null): ForwardedMail | null {
  const fromText = text.trim() === '' ? null : parseForwardedText(text);
  if ((fromText === null || fromText.from.address === '') && html != null) {
    const fromHtml = parseForwardedText(htmlToText(html, { dropQuotes: false }).text);
    if (fromHtml !== null && (fromText === null || fromHtml.from.address !== '')) return fromHtml;
  }
  return fromText;
}

function parseForwardedText(text: string): ForwardedMail | null {
  const lines = text
    .replace(/\r\n?/g, '\n')
    .replace(/\u200b|\u200c|\u200d|\u2060|\ufeff/g, '')
    .split('\n')
    .map((line) => line.trimEnd());
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    let scanned = lines;
    if (/^\s*>/.test(line)) {
      // A forward quoted as a whole ("> Begin forwarded message:"): one level of ">" goes.
      if (!isMarker(line.replace(/^\s*> ?/, ''))) continue;
      scanned = [...lines.slice(0, index), ...lines.slice(index).map((rest) => rest.replace(/^\s*> ?/, ''))];
    }
    const block = forwardedBlockAt(scanned, index);
    if (block !== null) return build(scanned, index, block);
  }
  return null;
}

function forwardedBlockAt(lines: readonly string[], index: number): HeaderBlock | null {
  const line = lines[index]!;
  if (isMarker(line)) {
    const next = nextContent(lines, index + 1);
    return next === -1 ? null : readHeaderBlock(lines, next, { lenient: true });
  }
  if (RULE_LINE.test(line)) {
    const next = nextContent(lines, index + 1);
    return next === -1 ? null : readHeaderBlock(lines, next);
  }
  return readHeaderBlock(lines, index);
}

function nextContent(lines: readonly string[], index: number): number {
  for (let at = index; at < lines.length && at < index + 4; at += 1) if (lines[at]!.trim() !== '') return at;
  return -1;
}

function build(lines: readonly string[], markerIndex: number, block: HeaderBlock): ForwardedMail {
  const field = (key: string): string => block.fields.find((candidate) => candidate.key === key)?.value ?? '';
  const fromText = field('from');
  const from = parseNameAddress(fromText) ?? { name: fromText.replace(/^["']|["']$/g, '').trim(), address: '' };
  const dateText = field('date');
  return {
    from,
    date: { text: dateText, iso: parseHeaderDate(dateText) },
    subject: field('subject'),
    body: trimBlankLines(lines.slice(block.end)),
    preface: trimBlankLines(lines.slice(0, markerIndex)),
  };
}

function trimBlankLines(lines: readonly string[]): string {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start]!.trim() === '') start += 1;
  while (end > start && lines[end - 1]!.trim() === '') end -= 1;
  return lines.slice(start, end).join('\n');
}

const MONTHS: ReadonlyMap<string, number> = new Map(
  (
    [
      [1, ['janvier', 'janv', 'jan', 'january']],
      [2, ['fevrier', 'fevr', 'fev', 'feb', 'february']],
      [3, ['mars', 'mar', 'march']],
      [4, ['avril', 'avr', 'apr', 'april']],
      [5, ['mai', 'may']],
      [6, ['juin', 'jun', 'june']],
      [7, ['juillet', 'juil', 'jul', 'july']],
      [8, ['aout', 'aou', 'aug', 'august']],
      [9, ['septembre', 'sept', 'sep', 'september']],
      [10, ['octobre', 'oct', 'october']],
      [11, ['novembre', 'nov', 'november']],
      [12, ['decembre', 'dec', 'december']],
    ] as const
  ).flatMap(([month, names]) => names.map((name) => [name, month] as const)),
);

// Offsets in minutes east of UTC of the zone names clients write.
const ZONE_NAMES: ReadonlyMap<string, number> = new Map([
  ['gmt', 0],
  ['utc', 0],
  ['ut', 0],
  ['z', 0],
  ['wet', 0],
  ['bst', 60],
  ['west', 60],
  ['cet', 60],
  ['cest', 120],
  ['eet', 120],
  ['eest', 180],
  ['est', -300],
  ['edt', -240],
  ['cst', -360],
  ['cdt', -300],
  ['mst', -420],
  ['mdt', -360],
  ['pst', -480],
  ['pdt', -420],
]);

const TIME = /(?<![\d:])(\d{1,2})\s?(?::|h)\s?(\d{2})(?:\s?:\s?(\d{2}))?(?:\s*([ap])\.?\s?m\b\.?)?/;

/**
 * Reads a date as forward headers write it: French (`lundi 23 novembre 2026 10:04`,
 * `lun. 23 nov. 2026 à 10:04`, `23/11/2026 à 10 h 04`), English (`Monday, November 23, 2026
 * 10:04 AM`, `Mon, Nov 23, 2026 at 10:04 AM`), RFC 2822 (`Mon, 23 Nov 2026 10:04:00 +0100`),
 * ISO (`2026-11-23 10:04`). Numeric dates are day first unless the first number exceeds 12.
 * Returns, when the text carries a zone (`+0100`, `GMT+01:00`, `UTC+1`, `CET`, `EST`…), the
 * instant as `Date.toISOString()` gives it (`2026-11-23T09:04:00.000Z`); without a zone, the wall
 * time `YYYY-MM-DDTHH:MM` (no seconds, no `Z`) for the caller to place in the organisation's time
 * zone; null without a readable date and time.
 */
export function parseHeaderDate(text: string): string | null {
  const folded = foldForMatching(text).replace(/[\u200e\u200f\u202a-\u202e]/g, '');
  const time = TIME.exec(folded);
  if (time === null) return null;
  let hour = Number(time[1]);
  const minute = Number(time[2]);
  const second = time[3] === undefined ? 0 : Number(time[3]);
  if (time[4] !== undefined) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (time[4] === 'p' ? 12 : 0);
  }
  if (hour > 23 || minute > 59 || second > 60) return null;
  const datePart = `${folded.slice(0, time.index)} ${folded.slice(time.index + time[0].length)}`;
  const date = readDate(datePart);
  if (date === null) return null;
  const offset = readOffset(folded.slice(time.index + time[0].length));
  if (offset === null) return `${date.year}-${pad(date.month)}-${pad(date.day)}T${pad(hour)}:${pad(minute)}`;
  const utc = Date.UTC(date.year, date.month - 1, date.day, hour, minute, Math.min(second, 59)) - offset * 60_000;
  return new Date(utc).toISOString();
}

function readDate(text: string): { year: number; month: number; day: number } | null {
  let year: number;
  let month: number;
  let day: number;
  const iso = /\b(\d{4})-(\d{1,2})-(\d{1,2})\b/.exec(text);
  const numeric = /\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b/.exec(text);
  if (iso !== null) {
    [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  } else if (numeric !== null) {
    [day, month, year] = [Number(numeric[1]), Number(numeric[2]), Number(numeric[3])];
    if (numeric[3]!.length === 2) year += 2000;
    if (month > 12 && day <= 12) [day, month] = [month, day];
  } else {
    const words = text.split(/[^a-z0-9]+/).filter((word) => word !== '');
    const at = words.findIndex((word) => MONTHS.has(word));
    if (at === -1) return null;
    month = MONTHS.get(words[at]!)!;
    const dayOf = (word: string | undefined): number | null => {
      const match = word === undefined ? null : /^(\d{1,2})(?:er|st|nd|rd|th)?$/.exec(word);
      return match === null ? null : Number(match[1]);
    };
    const found = dayOf(words[at - 1]) ?? dayOf(words[at + 1]);
    const yearWord = words.find((word) => /^(?:19|20)\d{2}$/.test(word));
    if (found === null || yearWord === undefined) return null;
    [day, year] = [found, Number(yearWord)];
  }
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (days === undefined || day < 1 || day > days) return null;
  return { year, month, day };
}

/** Minutes east of UTC written after the time, or null when there is no zone. */
function readOffset(text: string): number | null {
  const named =
    /(?:gmt|utc|ut)\s?([+-])\s?(\d{1,2})(?::?(\d{2}))?\b/.exec(text) ??
    /(?:^|[\s(])([+-])(\d{2}):?(\d{2})\b/.exec(text);
  if (named !== null) {
    const minutes = Number(named[2]) * 60 + Number(named[3] ?? 0);
    return named[1] === '-' ? -minutes : minutes;
  }
  const zone = /\b([a-z]{1,4})\b/g;
  for (const match of text.matchAll(zone)) {
    const offset = ZONE_NAMES.get(match[1]!);
    if (offset !== undefined) return offset;
  }
  return null;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
