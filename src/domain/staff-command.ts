// The command language staff use in replies to notification mails (SPEC §3 "Staff commands"):
// `#keyword arguments` lines at the top of the new text. Parsing only: who may run what, and
// what a command does, are decided elsewhere.

import { foldForMatching } from './french-text.js';
import { withoutTrailing } from './trailing-characters.js';

export const COMMANDS = [
  'prendre',
  'assigner',
  'categorie',
  'niveau',
  'demandeur',
  'canal',
  'typologie',
  'irrecevable',
  'repondre',
  'lrar',
  'note',
  'action',
  'cause',
  'pourquoi',
  'echeance',
  'efficace',
  'inefficace',
  'clore',
  'rouvrir',
  'informer',
  'statut',
  'aide',
  'nouvelle',
  'de',
  'tel',
  'entreprise',
] as const;

export type CommandName = (typeof COMMANDS)[number];

export interface ParsedCommand {
  readonly name: CommandName;
  /** What follows the keyword on its line, trimmed (an optional `:` after the keyword dropped). */
  readonly args: string;
  /** The command line as written, without trailing white space. */
  readonly line: string;
}

export interface UnknownCommand {
  readonly line: string;
  /** The word after `#` as written (without `#` and trailing punctuation). */
  readonly keyword: string;
  /** The closest command (edit distance ≤ 2, ≤ 1 for words of three letters or fewer), or null. */
  readonly suggestion: CommandName | null;
}

export interface CommandBlock {
  readonly commands: readonly ParsedCommand[];
  readonly unknown: readonly UnknownCommand[];
  /** The text after the command block, without blank lines at either end (the `#repondre` response). */
  readonly body: string;
}

/** Every keyword and alias, written as staff may type them; matching ignores case, accents, `-` and `_`. */
const ALIASES: Readonly<Record<CommandName, readonly string[]>> = {
  prendre: ['prendre', 'take'],
  assigner: ['assigner', 'assign', 'attribuer'],
  categorie: ['categorie', 'catégorie', 'category'],
  niveau: ['niveau', 'level', 'priorite', 'priorité'],
  demandeur: ['demandeur', 'requester'],
  canal: ['canal', 'channel'],
  typologie: ['typologie', 'typology', 'type'],
  irrecevable: ['irrecevable', 'nonrecevable', 'non-recevable', 'reject'],
  repondre: ['repondre', 'répondre', 'reponse', 'réponse', 'reply', 'answer'],
  lrar: ['lrar', 'recommande', 'recommandé'],
  note: ['note'],
  action: ['action'],
  cause: ['cause'],
  pourquoi: ['pourquoi', 'why'],
  echeance: ['echeance', 'échéance', 'deadline'],
  efficace: ['efficace', 'effective'],
  inefficace: ['inefficace', 'ineffective', 'noneffective', 'non-effective'],
  clore: ['clore', 'cloturer', 'clôturer', 'fermer', 'close'],
  rouvrir: ['rouvrir', 'reouvrir', 'réouvrir', 'reopen'],
  informer: ['informer', 'inform', 'update'],
  statut: ['statut', 'status', 'etat', 'état'],
  aide: ['aide', 'help', 'commandes'],
  nouvelle: ['nouvelle', 'nouveau', 'new'],
  de: ['de', 'from'],
  tel: ['tel', 'tél', 'telephone', 'téléphone', 'phone'],
  entreprise: ['entreprise', 'company', 'societe', 'société'],
};

function normaliseKeyword(word: string): string {
  return foldForMatching(word).replace(/[-_]/g, '');
}

const COMMAND_BY_KEYWORD: ReadonlyMap<string, CommandName> = new Map(
  COMMANDS.flatMap((name) => ALIASES[name].map((alias) => [normaliseKeyword(alias), name] as const)),
);

/**
 * The command a keyword or alias names, or null: `Clôturer`, `#CLORE`, `clore:` → `clore`.
 * Case, accents, hyphens and underscores are ignored; leading `#` and trailing `.:;,!` too.
 */
export function commandKeyword(word: string): CommandName | null {
  return COMMAND_BY_KEYWORD.get(normaliseKeyword(withoutTrailing(word.trim().replace(/^#+/, ''), '.:;,!?'))) ?? null;
}

// `#` (one or more) then the keyword: a letter first, so `#1 priorité` is not a command.
const COMMAND_LINE = /^\s*#+(\s*)(\p{L}[^\s:=]*)(.*)$/u;

type LineKind =
  | { readonly kind: 'command'; readonly name: CommandName; readonly args: string }
  | { readonly kind: 'unknown'; readonly keyword: string }
  | { readonly kind: 'text' };

/**
 * How one line reads. `#clore`, `##clore`, `#clore:`, `#Clôturer` are commands; `# clore` (a space
 * after `#`, as phone keyboards insert) is a command only when the word is a known keyword, so a
 * `# Titre` line stays text; `#motinconnu` is an unknown command.
 */
function classifyLine(line: string): LineKind {
  const match = COMMAND_LINE.exec(line);
  if (match === null) return { kind: 'text' };
  const [, space, word, rest] = match as unknown as [string, string, string, string];
  const keyword = withoutTrailing(word, '.;,!?');
  const name = commandKeyword(keyword);
  if (name === null) return space === '' && keyword !== '' ? { kind: 'unknown', keyword } : { kind: 'text' };
  return { kind: 'command', name, args: rest.replace(/^\s*[:=]?\s*/, '').trim() };
}

/**
 * The command block at the top of `text` (the new text of a reply, `extractNewText(…).text`;
 * leading blank lines ignored): consecutive command lines, ended by the first other line or a
 * blank line. A command line is `#keyword args`: `##clore`, `#clore:` and `#Clôturer` are read as
 * `clore`; `# clore` (space after `#`) only for a known keyword, so that `# Titre` stays text;
 * `#1 …` is not a command. Unknown `#word` lines inside the block are reported with a suggestion
 * and skipped. `#repondre` followed by text on its line ends the block: that text starts the body
 * (and `args` is empty). Commands further down are not read.
 */
export function parseCommandBlock(text: string): CommandBlock {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const commands: ParsedCommand[] = [];
  const unknown: UnknownCommand[] = [];
  let index = 0;
  while (index < lines.length && lines[index]!.trim() === '') index += 1;
  let bodyStart: string[] = [];
  for (; index < lines.length; index += 1) {
    const line = lines[index]!.trimEnd();
    const kind = classifyLine(line);
    if (kind.kind === 'text') break;
    if (kind.kind === 'unknown') {
      unknown.push({ line, keyword: kind.keyword, suggestion: suggestCommand(kind.keyword) });
      continue;
    }
    if (kind.name === 'repondre' && kind.args !== '') {
      commands.push({ name: kind.name, args: '', line });
      bodyStart = [kind.args];
      index += 1;
      break;
    }
    commands.push({ name: kind.name, args: kind.args, line });
  }
  return { commands, unknown, body: trimBlankLines([...bodyStart, ...lines.slice(index)]).join('\n') };
}

function trimBlankLines(lines: readonly string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start]!.trim() === '') start += 1;
  while (end > start && lines[end - 1]!.trim() === '') end -= 1;
  return lines.slice(start, end).map((line) => line.trimEnd());
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

function suggestCommand(keyword: string): CommandName | null {
  const word = normaliseKeyword(keyword);
  const limit = word.length <= 3 ? 1 : 2;
  let best: { name: CommandName; distance: number } | null = null;
  for (const [alias, name] of COMMAND_BY_KEYWORD) {
    // The length difference is a lower bound of the distance: most aliases need no computation.
    if (Math.abs(alias.length - word.length) > limit) continue;
    const distance = editDistance(word, alias);
    if (distance <= limit && (best === null || distance < best.distance)) best = { name, distance };
  }
  return best?.name ?? null;
}

/** One entry of the command list sent back by `#aide` and printed in the referent's guide. */
export interface CommandHelp {
  readonly name: CommandName;
  readonly usage: string;
  readonly description: string;
  readonly example: string;
}

export const COMMAND_HELP: readonly CommandHelp[] = [
  { name: 'prendre', usage: '#prendre', description: 'vous attribue la réclamation', example: '#prendre' },
  {
    name: 'assigner',
    usage: '#assigner <adresse ou nom>',
    description: 'attribue la réclamation à une autre personne (qui doit pouvoir la consulter)',
    example: '#assigner marie.durand@spst.fr',
  },
  {
    name: 'categorie',
    usage: '#categorie <clé>',
    description: 'change la catégorie de la réclamation',
    example: '#categorie facturation',
  },
  {
    name: 'niveau',
    usage: '#niveau <1-3>',
    description: "change le niveau d'importance et recalcule l'échéance",
    example: '#niveau 2',
  },
  {
    name: 'demandeur',
    usage: '#demandeur adherent|salarie',
    description: "indique si la réclamation vient d'un adhérent ou d'un salarié suivi",
    example: '#demandeur salarie',
  },
  {
    name: 'canal',
    usage: '#canal <canal>',
    description:
      'indique par quel canal la réclamation est arrivée (mail, telephone, courrier, lrar, presentiel, portail…)',
    example: '#canal telephone',
  },
  {
    name: 'typologie',
    usage: '#typologie <clé>',
    description: 'précise la typologie (sous-catégorie, sert au suivi des récurrences)',
    example: '#typologie accueil',
  },
  {
    name: 'irrecevable',
    usage: '#irrecevable <motif>',
    description: 'déclare la réclamation non recevable ; le réclamant reçoit le courrier type avec ce motif',
    example: "#irrecevable demande d'information, pas une réclamation",
  },
  {
    name: 'repondre',
    usage: '#repondre',
    description: 'envoie au réclamant, comme réponse, le texte écrit sous le bloc de commandes',
    example: '#repondre\n\nMadame, suite à votre réclamation…',
  },
  {
    name: 'lrar',
    usage: '#lrar <numéro de suivi>',
    description: 'enregistre une réponse envoyée par lettre recommandée',
    example: '#lrar 1A23456789012',
  },
  {
    name: 'note',
    usage: '#note <texte>',
    description: 'ajoute une note interne (jamais envoyée au réclamant)',
    example: '#note rappelé le réclamant ce matin',
  },
  {
    name: 'action',
    usage: '#action <texte>',
    description: 'enregistre une action corrective',
    example: '#action rappel des consignes d’accueil à l’équipe',
  },
  {
    name: 'cause',
    usage: '#cause <texte>',
    description: 'enregistre la cause racine',
    example: '#cause planning non mis à jour',
  },
  {
    name: 'pourquoi',
    usage: '#pourquoi <texte>',
    description: "ajoute un « pourquoi » à l'analyse des 5 pourquoi",
    example: '#pourquoi le logiciel ne signale pas les annulations',
  },
  {
    name: 'echeance',
    usage: '#echeance <JJ/MM/AAAA> <texte>',
    description: 'inscrit une échéance intermédiaire au dossier',
    example: '#echeance 15/12/2026 former la nouvelle assistante',
  },
  {
    name: 'efficace',
    usage: '#efficace',
    description: "enregistre que la vérification d'efficacité est positive",
    example: '#efficace',
  },
  {
    name: 'inefficace',
    usage: '#inefficace',
    description: "enregistre que la vérification d'efficacité est négative",
    example: '#inefficace',
  },
  { name: 'clore', usage: '#clore', description: 'clôture la réclamation', example: '#clore' },
  {
    name: 'rouvrir',
    usage: '#rouvrir',
    description: 'rouvre une réclamation clôturée ou non recevable',
    example: '#rouvrir',
  },
  {
    name: 'informer',
    usage: '#informer <texte>',
    description:
      'envoie au réclamant un point d’étape sur le traitement (dans la suite de sa conversation), sans changer ' +
      'l’état de la réclamation',
    example: '#informer Nous avons relancé le médecin ; vous aurez une réponse d’ici vendredi.',
  },
  { name: 'statut', usage: '#statut', description: 'renvoie la fiche de la réclamation', example: '#statut' },
  { name: 'aide', usage: '#aide', description: 'renvoie la liste des commandes', example: '#aide' },
  {
    name: 'nouvelle',
    usage: '#nouvelle',
    description:
      'enregistre une réclamation reçue par un autre canal (avec #de, et si besoin #canal, #tel, #entreprise) ; le ' +
      'texte sous les commandes est la réclamation',
    example: '#nouvelle\n#de Jean Dupont <jean.dupont@exemple.fr>\n#canal telephone',
  },
  {
    name: 'de',
    usage: '#de <Nom> <adresse>',
    description: 'indique le réclamant d’une nouvelle réclamation',
    example: '#de Jean Dupont <jean.dupont@exemple.fr>',
  },
  {
    name: 'tel',
    usage: '#tel <numéro>',
    description: 'indique le téléphone du réclamant',
    example: '#tel 06 12 34 56 78',
  },
  {
    name: 'entreprise',
    usage: '#entreprise <nom>',
    description: "indique l'entreprise adhérente concernée",
    example: '#entreprise Boulangerie Martin',
  },
];

// JJ/MM/AAAA, JJ/MM/AA, JJ-MM-AAAA, JJ.MM.AAAA, and AAAA-MM-JJ.
const DAY_FIRST = /^\s*(?:le\s+)?(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/.-]\d)/i;
const YEAR_FIRST = /^\s*(?:le\s+)?(\d{4})-(\d{1,2})-(\d{1,2})(?![\d-])/i;

/**
 * A date at the start of `text` (`15/12/2026 texte`, `15/12/26`, `15-12-2026`, `15.12.2026`,
 * `2026-12-15`, optionally after "le"), and what follows it trimmed; null when `text` does not
 * start with a valid calendar date. Two-digit years are 20YY.
 */
export function parseFrenchDate(text: string): { date: string; rest: string } | null {
  let year: number;
  let month: number;
  let day: number;
  let length: number;
  const dayFirst = DAY_FIRST.exec(text);
  const yearFirst = dayFirst === null ? YEAR_FIRST.exec(text) : null;
  if (dayFirst !== null) {
    day = Number(dayFirst[1]);
    month = Number(dayFirst[3]);
    year = dayFirst[4]!.length === 2 ? 2000 + Number(dayFirst[4]) : Number(dayFirst[4]);
    length = dayFirst[0].length;
  } else if (yearFirst !== null) {
    year = Number(yearFirst[1]);
    month = Number(yearFirst[2]);
    day = Number(yearFirst[3]);
    length = yearFirst[0].length;
  } else {
    return null;
  }
  if (!isCalendarDate(year, month, day)) return null;
  const rest = text.slice(length);
  if (rest !== '' && !/^[\s,;:.!)-]/.test(rest)) return null;
  return { date: `${year}-${pad(month)}-${pad(day)}`, rest: rest.replace(/^[\s,;:-]+/, '').trim() };
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1 || year < 1900 || year > 2999) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

const ADDRESS_LOCAL_CHAR = '[A-Za-z0-9._%+&=~-]';
const DOMAIN_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const ADDRESS = new RegExp(
  // The look-behind starts a match only where an address can start: without it, a long run of
  // address characters with no @ was scanned again from each of its positions (quadratic).
  String.raw`(?<!${ADDRESS_LOCAL_CHAR})${ADDRESS_LOCAL_CHAR}+@${DOMAIN_LABEL}(?:\.${DOMAIN_LABEL})+`,
);

const BRACKETED_ADDRESS = new RegExp(`[<[(]\\s*(?:mailto:\\s*)?(${ADDRESS.source})`);

/**
 * Name and address of a person as mail headers and staff write them: `Jean Dupont <jean@x.fr>`,
 * `"Dupont, Jean" <jean@x.fr>`, `jean@x.fr`, `<jean@x.fr>`, `Jean Dupont [mailto:jean@x.fr]`
 * (Outlook), `Jean Dupont (jean@x.fr)`, `jean@x.fr (Jean Dupont)`, `Jean Dupont jean@x.fr`.
 * The address is lower-cased; the name is unquoted and may be empty. Null without an address.
 */
export function parseNameAddress(text: string): { name: string; address: string } | null {
  const source = text.replace(/\s+/g, ' ').trim();
  // The bracketed address wins: a display name may itself look like an address.
  const bracketed = BRACKETED_ADDRESS.exec(source);
  const match = bracketed ?? ADDRESS.exec(source);
  if (match === null) return null;
  const address = (bracketed !== null ? bracketed[1]! : match[0]).toLowerCase();
  let name: string;
  if (bracketed !== null) {
    name = source.slice(0, bracketed.index);
  } else {
    const before = source.slice(0, match.index).replace(/mailto:$/i, '');
    const after = source.slice(match.index + match[0].length);
    const comment = /^\s*\((.*)\)\s*$/.exec(after);
    name = before.trim() !== '' ? before : comment !== null ? comment[1]! : '';
  }
  name = unquote(withoutTrailing(name.trim(), ',;:').trim());
  if (name.toLowerCase() === address) name = '';
  return { name, address };
}

function unquote(name: string): string {
  const quoted = /^(["'])(.*)\1$/.exec(name);
  return (quoted === null ? name : quoted[2]!.replace(/\\(.)/g, '$1')).replace(/\s+/g, ' ').trim();
}
