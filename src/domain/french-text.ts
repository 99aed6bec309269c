// French text as the qualifier reads it: case, accents, elision (l', d', qu'), hyphenated
// compounds and words cut at a line break, text-speak ("jsuis", "rdv", "pr") and a light stemmer
// for plurals and common inflections, so that "Visites annulées" and "visite annulee" meet.
// Pure and dependency-free; every token keeps its place in the original text for the evidence.

/** One word of a text, normalised. */
export interface Token {
  /** Lower-case, accents stripped, elision expanded, text-speak expanded: `medecin`, `le`, `rendezvous`. */
  readonly surface: string;
  /** Light stem of `surface`: `annulees` → `annul`, `convoque` → `convoc`. */
  readonly stem: string;
  /** Sentence number (split at . ! ? and blank lines). */
  readonly sentence: number;
  /** Clause number (also split at , ; : ( ) and "mais"): phrases and negations stay inside one clause. */
  readonly clause: number;
  /** Offsets of the word in the ORIGINAL text (UTF-16 units), `end` exclusive. */
  readonly start: number;
  readonly end: number;
}

const ELISION_PREFIXES: Readonly<Record<string, string>> = {
  l: 'le',
  d: 'de',
  j: 'je',
  m: 'me',
  t: 'te',
  s: 'se',
  n: 'ne',
  c: 'ce',
  qu: 'que',
  jusqu: 'jusque',
  lorsqu: 'lorsque',
  puisqu: 'puisque',
  quoiqu: 'quoique',
  presqu: 'presque',
};

/** Text-speak and common abbreviations, on the accent-stripped lower-case word. */
const TEXT_SPEAK: Readonly<Record<string, string>> = {
  bjr: 'bonjour',
  bsr: 'bonsoir',
  slt: 'salut',
  cdt: 'cordialement',
  cdlt: 'cordialement',
  svp: 'se il vous plait',
  stp: 'se il te plait',
  pr: 'pour',
  pk: 'pourquoi',
  pq: 'pourquoi',
  pkoi: 'pourquoi',
  ds: 'dans',
  dc: 'donc',
  tjrs: 'toujours',
  tjs: 'toujours',
  tjr: 'toujours',
  bcp: 'beaucoup',
  rdv: 'rendezvous',
  rdvs: 'rendezvous',
  rv: 'rendezvous',
  qd: 'quand',
  qnd: 'quand',
  kan: 'quand',
  tt: 'tout',
  ts: 'tous',
  pb: 'probleme',
  pbm: 'probleme',
  pbs: 'problemes',
  pblm: 'probleme',
  msg: 'message',
  mm: 'meme',
  ya: 'il y a',
  koi: 'quoi',
  ke: 'que',
  ki: 'qui',
  g: 'je ai',
  c: 'ce est',
  ct: 'ce etait',
  jsuis: 'je suis',
  jsui: 'je suis',
  chui: 'je suis',
  chuis: 'je suis',
  jai: 'je ai',
  jve: 'je veux',
  jveux: 'je veux',
  jpeux: 'je peux',
  jsais: 'je sais',
  jcomprends: 'je comprends',
  jcomprend: 'je comprends',
  jattends: 'je attends',
  jtrouve: 'je trouve',
  jvais: 'je vais',
  jme: 'je me',
  jne: 'je ne',
  jpense: 'je pense',
  jcrois: 'je crois',
  jdois: 'je dois',
  jaimerais: 'je aimerais',
  na: 'ne a',
  nn: 'non',
  vs: 'vous',
  ns: 'nous',
  auj: 'aujourdhui',
  ajd: 'aujourdhui',
  dmd: 'demande',
  infos: 'informations',
  info: 'information',
  mdp: 'mot de passe',
  pa: 'pas',
  jamai: 'jamais',
  mr: 'monsieur',
  mme: 'madame',
  dr: 'docteur',
  medcin: 'medecin',
};

/** Compounds people also write as two words: joined like their hyphenated form. */
const COMPOUNDS: ReadonlyMap<string, string> = new Map([
  ['rendez vous', 'rendezvous'],
  ['pre reprise', 'prereprise'],
  ['e mail', 'email'],
  ['sous traitant', 'soustraitant'],
  ['mi temps', 'mitemps'],
  ['aide soignante', 'aidesoignante'],
  ['aide soignant', 'aidesoignant'],
  ['expert comptable', 'expertcomptable'],
]);

/** Words that negate what follows them in the same clause. `personne` is not one ("la personne"). */
export const NEGATORS: ReadonlySet<string> = new Set([
  'pas',
  'jamais',
  'aucun',
  'aucune',
  'rien',
  'sans',
  'non',
  'nullement',
  'guere',
]);

/**
 * French function words (articles, prepositions, auxiliaries…): not counted in the gap between
 * two words of a phrase ("salle attente" finds "salle d'attente") and never learned as terms.
 * Possessives, pronouns and negations are NOT here: "mon employeur" and "son employeur" differ.
 */
export const FUNCTION_WORDS: ReadonlySet<string> = new Set([
  'le',
  'la',
  'les',
  'un',
  'une',
  'des',
  'du',
  'de',
  'au',
  'aux',
  'a',
  'en',
  'y',
  'et',
  'ou',
  'se',
  'me',
  'te',
  'ce',
  'ne',
  'que',
  'qui',
  'dont',
  'cet',
  'cette',
  'ces',
  'est',
  'sont',
  'ete',
  'etait',
  'ai',
  'as',
  'avons',
  'avez',
  'ont',
  'eu',
  'il',
  'elle',
  'on',
  'lui',
  'leur',
  'par',
  'pour',
  'sur',
  'dans',
  'avec',
  'chez',
  'vers',
  'entre',
  'depuis',
  'apres',
  'avant',
  'tres',
  'bien',
  'meme',
  'tout',
  'tous',
  'toute',
  'toutes',
  'donc',
  'car',
  'si',
  'deja',
  'encore',
  'aussi',
  'alors',
  'puis',
  'fait',
  'faire',
  'etre',
  'avoir',
  'ca',
  'cela',
  'ceci',
  'celle',
  'celui',
  'ici',
  'quand',
  'comme',
  'mais',
  'or',
]);

/** Greetings, courtesy and signature words: never evidence, never learned. */
const COURTESY_WORDS: ReadonlySet<string> = new Set([
  'bonjour',
  'bonsoir',
  'salut',
  'madame',
  'monsieur',
  'mesdames',
  'messieurs',
  'cordialement',
  'cordiales',
  'salutations',
  'sincere',
  'sinceres',
  'distinguees',
  'agreer',
  'veuillez',
  'merci',
  'remerciant',
  'avance',
  'bien',
  'vous',
  'nous',
  'je',
  'il',
  'plait',
  'mes',
  'mon',
  'ma',
  'nos',
  'notre',
  'votre',
  'vos',
  'son',
  'sa',
  'ses',
  'leurs',
  'tu',
  'ils',
  'elles',
  'pas',
  'plus',
  'non',
  'oui',
  'ne',
  'envoye',
  'depuis',
  'mobile',
  'iphone',
  'android',
]);

/**
 * Lower-case, accents and ligatures stripped, typographic apostrophes made straight; the result
 * has the same length as the input except for œ/æ (two letters), which is why `tokenizeFrench`
 * keeps its own offset map.
 */
/**
 * Lower case, without accents (combining marks), with straight apostrophes: for comparing words
 * people type (`#demandeur salarié`, `OUI`, a category label), never for display.
 */
export function foldForMatching(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[\u2019\u2018`]/g, "'")
    .toLowerCase();
}

export function normaliseFrench(text: string): string {
  return mapChars(text).text;
}

function mapChars(text: string): { text: string; offsets: number[] } {
  let out = '';
  const offsets: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const piece = foldChar(text[i]!);
    out += piece;
    for (let k = 0; k < piece.length; k++) offsets.push(i);
  }
  offsets.push(text.length);
  return { text: out, offsets };
}

const FOLD_CACHE = new Map<string, string>();

function foldChar(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 0x80) return code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : c;
  const cached = FOLD_CACHE.get(c);
  if (cached !== undefined) return cached;
  let folded: string;
  switch (c) {
    case 'œ':
    case 'Œ':
      folded = 'oe';
      break;
    case 'æ':
    case 'Æ':
      folded = 'ae';
      break;
    case '’':
    case '‘':
    case 'ʼ':
    case '´':
    case '`':
      folded = "'";
      break;
    case '«':
    case '»':
    case '“':
    case '”':
    case '„':
      folded = ' ';
      break;
    case '\u00a0':
    case '\u202f':
    case '\u2009':
      folded = ' ';
      break;
    case '‐':
    case '‑':
    case '–':
    case '—':
      folded = c === '‐' || c === '‑' ? '-' : ' ';
      break;
    default: {
      const base = c
        .toLowerCase()
        .normalize('NFD')
        .replace(/[\u0300-\u036f]/g, '');
      folded = base.length === 1 ? base : c.toLowerCase();
    }
  }
  FOLD_CACHE.set(c, folded);
  return folded;
}

// A word, with hyphens or apostrophes inside, also when the hyphen ends a line ("convo-\n cation").
const WORD = /[\p{L}\p{N}]+(?:(?:['-]|-[ \t]*\r?\n[ \t>]*)[\p{L}\p{N}]+)*/gu;
const SENTENCE_BREAK = /[.!?…]|\n[ \t>]*\r?\n|\n[ \t>]*[-*•]/;
const CLAUSE_BREAK = /[,;:()]/;

/**
 * Splits a text into normalised tokens. Handles: accents and case; elision (`l'avis` → `le avis`,
 * `qu'il` → `que il`); hyphenated compounds, also when cut at a line break (`rendez-\nvous`,
 * `convo-\ncation`) → one word; text-speak (`jsuis` → `je suis`); the same compound written in
 * two words (`rendez vous`). Sentences end at . ! ? and blank lines, not at a single line break,
 * so a phrase spread over two lines of a hard-wrapped mail still matches.
 */
export function tokenizeFrench(text: string): Token[] {
  const { text: folded, offsets } = mapChars(text);
  const tokens: Token[] = [];
  let sentence = 0;
  let clause = 0;
  let last = 0;
  for (const match of folded.matchAll(WORD)) {
    const index = match.index;
    if (index > last) {
      const between = folded.slice(last, index);
      if (SENTENCE_BREAK.test(between)) {
        sentence++;
        clause++;
      } else if (CLAUSE_BREAK.test(between)) {
        clause++;
      }
    }
    last = index + match[0].length;
    const start = offsets[index]!;
    const end = offsets[last]!;
    for (const surface of expandWord(match[0])) {
      if (surface === 'mais') clause++;
      tokens.push({ surface, stem: stemFrench(surface), sentence, clause, start, end });
    }
  }
  return joinCompounds(tokens);
}

/** Pronouns after a hyphen in an inverted question: "pourriez-vous" → "pourriez vous", "a-t-il" → "a il". */
const INVERTED_PRONOUNS: ReadonlySet<string> = new Set([
  'vous',
  'nous',
  'il',
  'elle',
  'on',
  'je',
  'tu',
  'ils',
  'elles',
  'ce',
  'moi',
  'toi',
  'lui',
  'les',
  'le',
  'la',
  'leur',
  'y',
  'en',
]);

function expandWord(word: string): string[] {
  const out: string[] = [];
  let rest = word.replace(/[\s>]/g, '');
  const apostrophe = rest.indexOf("'");
  if (apostrophe > 0) {
    const prefix = rest.slice(0, apostrophe);
    const expanded = ELISION_PREFIXES[prefix];
    if (expanded !== undefined) {
      out.push(expanded);
      rest = rest.slice(apostrophe + 1);
    }
  }
  rest = rest.replace(/'/g, '');
  const parts = rest.split('-').filter((p) => p !== '');
  const words: string[] = [];
  if (parts.length > 1 && INVERTED_PRONOUNS.has(parts[parts.length - 1]!) && parts[0] !== 'rendez') {
    let first = parts.length - 1;
    while (first > 1 && (INVERTED_PRONOUNS.has(parts[first - 1]!) || parts[first - 1] === 't')) first--;
    words.push(parts.slice(0, first).join(''), ...parts.slice(first).filter((p) => p !== 't'));
  } else if (parts.length > 0) {
    words.push(parts.join(''));
  }
  for (const w of words) {
    const speak = TEXT_SPEAK[w];
    if (speak !== undefined) out.push(...speak.split(' '));
    else out.push(w);
  }
  return out;
}

function joinCompounds(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const a = tokens[i]!;
    const b = tokens[i + 1];
    const compound = b && b.sentence === a.sentence ? COMPOUNDS.get(`${a.surface} ${b.surface}`) : undefined;
    if (compound !== undefined && b) {
      out.push({
        surface: compound,
        stem: stemFrench(compound),
        sentence: a.sentence,
        clause: a.clause,
        start: a.start,
        end: b.end,
      });
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

const SUFFIXES: readonly (readonly [suffix: string, replacement: string, minRest: number])[] = [
  ['issements', 'iss', 4],
  ['issement', 'iss', 4],
  ['ations', '', 4],
  ['ation', '', 4],
  ['atrice', '', 4],
  ['ateur', '', 4],
  ['ence', 'ent', 3],
  ['ance', 'ant', 3],
  ['ives', 'if', 3],
  ['ive', 'if', 3],
  ['euse', 'eu', 3],
  ['ees', '', 3],
  ['ee', '', 3],
  ['er', '', 3],
  ['ez', '', 3],
  ['ent', '', 5],
  ['ait', '', 4],
  ['e', '', 3],
];

/**
 * A light French stemmer (plural, feminine, past participle, infinitive and a few derivations):
 * `annulation`, `annulées`, `annuler` → `annul`; `convocation`, `convoqué` → `convoc`;
 * `absence`, `absente` → `absent`; `médicaux`, `médicale` → `medical`. Deliberately light: it
 * only has to make a word and its usual variants meet, on text already folded by `tokenizeFrench`.
 */
export function stemFrench(word: string): string {
  let w = word;
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith('aux') && w.length > 4) w = `${w.slice(0, -3)}al`;
  else if ((w.endsWith('eux') || w.endsWith('aux')) && w.length > 4) w = w.slice(0, -1);
  else if (w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  for (const [suffix, replacement, minRest] of SUFFIXES) {
    if (w.endsWith(suffix) && w.length - suffix.length >= minRest) {
      w = w.slice(0, w.length - suffix.length) + replacement;
      break;
    }
  }
  return w.replace(/qu/g, 'c');
}

/** Whether a normalised surface form is a function word (article, preposition, auxiliary…). */
export function isFunctionWord(surface: string): boolean {
  return FUNCTION_WORDS.has(surface);
}

/**
 * The distinct content stems of a text (function words, courtesy words and numbers left out), in
 * order of first appearance and at most `max` of them: what a staff correction is remembered by.
 */
export function contentTerms(text: string, max = 300): string[] {
  return termsOfTokens(tokenizeFrench(text), max);
}

/** `contentTerms` of already tokenised text. */
export function termsOfTokens(tokens: readonly Token[], max = 300): string[] {
  const seen = new Set<string>();
  for (const token of tokens) {
    if (seen.size >= max) break;
    if (
      token.surface.length < 3 ||
      FUNCTION_WORDS.has(token.surface) ||
      COURTESY_WORDS.has(token.surface) ||
      NEGATORS.has(token.surface)
    )
      continue;
    if (/^\d/.test(token.surface)) continue;
    seen.add(token.stem);
  }
  return [...seen];
}
