// The recurrence section of the digest (SPEC §5: « recurrence alerts … and the state of each
// analysis »): the analyses opened during the period (its alerts) and every analysis worked on in
// it, with its state, whys, causes and actions — for the mail (digest-template-data.ts) and the
// « Analyses » sheet of the spreadsheet. Self-contained: the figures come from
// db/analyses.ts `analysesForDigest`, in the digest's snapshot. Pure.
import type { Sheet } from '../ports.js';
import { categoryLabel } from './french-labels.js';
import type { TimeRange } from './period.js';
import type { Settings } from './settings.js';
import { localDateOf } from './zoned-time.js';

/** One analysis as the digest's snapshot reads it at `asOf`. */
export interface DigestAnalysisFigure {
  readonly reference: string;
  readonly typology: string;
  readonly category: string | null;
  readonly threshold: number;
  readonly months: number;
  readonly windowStart: Date;
  readonly windowEnd: Date;
  readonly openedAt: Date;
  /** Null while open at `asOf`. */
  readonly closedAt: Date | null;
  readonly tickets: number;
  readonly whys: readonly string[];
  readonly causes: readonly string[];
  readonly actions: readonly { readonly text: string; readonly dueAt: Date | null }[];
}

export interface DigestAnalysisLine {
  readonly reference: string;
  readonly typology: string;
  readonly category: string;
  /** « 05/11/2026 ». */
  readonly openedOn: string;
  /** Opened during the period: one of its recurrence alerts. */
  readonly alert: boolean;
  readonly open: boolean;
  /** « Ouverte » or « Close le 12/11/2026 ». */
  readonly state: string;
  /** « du 06/05/2026 au 05/11/2026 ». */
  readonly window: string;
  readonly tickets: number;
  /** « plus de 10 en 6 mois ». */
  readonly rule: string;
  readonly whys: readonly string[];
  readonly causes: readonly string[];
  readonly actions: readonly { readonly text: string; readonly due: string; readonly overdue: boolean }[];
}

export interface DigestAnalyses {
  /** How many analyses opened during the period. */
  readonly alerts: number;
  /** One French sentence summing the section up. */
  readonly summary: string;
  readonly lines: readonly DigestAnalysisLine[];
}

function shortDate(instant: Date, timeZone: string): string {
  const [year, month, day] = localDateOf(instant, timeZone).split('-');
  return `${day}/${month}/${year}`;
}

/** The section of the report: `figures` of the analyses of `range`, read at `asOf`. */
export function digestAnalyses(
  config: Pick<Settings, 'categories' | 'organisation'>,
  figures: readonly DigestAnalysisFigure[],
  range: TimeRange,
  asOf: Date,
): DigestAnalyses {
  const timeZone = config.organisation.timezone;
  const typologies = config.categories.flatMap((c) => c.typologies);
  const lines = figures.map((a): DigestAnalysisLine => {
    const open = a.closedAt === null;
    return {
      reference: a.reference,
      typology: typologies.find((t) => t.key === a.typology)?.label ?? a.typology,
      category: categoryLabel(config, a.category),
      openedOn: shortDate(a.openedAt, timeZone),
      alert: a.openedAt.getTime() >= range.start.getTime() && a.openedAt.getTime() < range.end.getTime(),
      open,
      state: open ? 'Ouverte' : `Close le ${shortDate(a.closedAt!, timeZone)}`,
      window: `du ${shortDate(a.windowStart, timeZone)} au ${shortDate(a.windowEnd, timeZone)}`,
      tickets: a.tickets,
      rule: `plus de ${a.threshold} en ${a.months} mois`,
      whys: [...a.whys],
      causes: [...a.causes],
      actions: a.actions.map((x) => ({
        text: x.text,
        due: x.dueAt ? shortDate(x.dueAt, timeZone) : '',
        overdue: open && x.dueAt !== null && x.dueAt.getTime() < asOf.getTime(),
      })),
    };
  });
  const alerts = lines.filter((l) => l.alert).length;
  const open = lines.filter((l) => l.open).length;
  const closed = lines.length - open;
  const alertCount = alerts === 0 ? 'Aucune alerte' : alerts === 1 ? '1 alerte' : `${alerts} alertes`;
  const openCount =
    open === 0 ? 'aucune analyse ouverte' : open === 1 ? '1 analyse ouverte' : `${open} analyses ouvertes`;
  const closedCount = closed === 0 ? 'aucune close' : closed === 1 ? '1 close' : `${closed} closes`;
  const summary =
    lines.length === 0
      ? 'Aucune alerte de récurrence et aucune analyse des causes en cours sur la période.'
      : `${alertCount} de récurrence sur la période ; ${openCount}, ${closedCount}.`;
  return { alerts, summary, lines };
}

/** The analysis as one text line of the mail's plain part. */
function textLine(l: DigestAnalysisLine): string[] {
  const actions = l.actions.map(
    (a) => `${a.text}${a.due ? ` (échéance ${a.due}${a.overdue ? ', dépassée' : ''})` : ''}`,
  );
  const openedHere = l.alert ? ', ouverte sur la période' : '';
  const whys = l.whys.length > 0 ? ` — ${l.whys.map((w, i) => `${i + 1}. ${w}`).join(' ')}` : '';
  return [
    `- ${l.reference} — ${l.typology} (${l.category}) : ${l.state.toLowerCase()}${openedHere} ; ` +
      `${l.tickets} réclamations ${l.window} (${l.rule})`,
    `  Pourquoi : ${l.whys.length}/5${whys}`,
    `  Cause : ${l.causes.length > 0 ? l.causes.join(' ; ') : 'non enregistrée'}`,
    `  Actions : ${actions.length > 0 ? actions.join(' ; ') : 'aucune'}`,
  ];
}

/** The section as the digest templates read it (`recurrence` in digest-template-data.ts). */
export function analysesTemplateData(section: DigestAnalyses) {
  return {
    alerts: section.alerts,
    summary: section.summary,
    lines: section.lines.map((l) => ({
      ...l,
      whysText: l.whys.length > 0 ? l.whys.map((w, i) => `${i + 1}. ${w}`).join(' ') : '',
      causesText: l.causes.join(' ; '),
    })),
    textLines: section.lines.flatMap(textLine),
  };
}

/** The « Analyses » sheet: one row per analysis, its whys, causes and actions in cells. */
export function analysesSheet(section: DigestAnalyses): Sheet {
  return {
    name: 'Analyses',
    columns: [
      { header: 'Référence', width: 16 },
      { header: 'Typologie', width: 28 },
      { header: 'Catégorie', width: 16 },
      { header: 'Ouverte le', width: 12 },
      { header: 'Alerte de la période', width: 10 },
      { header: 'État', width: 18 },
      { header: 'Fenêtre', width: 26 },
      { header: 'Réclamations', width: 12, format: 'integer' },
      { header: 'Règle', width: 18 },
      { header: 'Pourquoi', width: 10, format: 'integer' },
      { header: 'Les pourquoi', width: 60 },
      { header: 'Cause racine', width: 48 },
      { header: 'Actions', width: 60 },
    ],
    rows: section.lines.map((l) => [
      l.reference,
      l.typology,
      l.category,
      l.openedOn,
      l.alert ? 'oui' : 'non',
      l.state,
      l.window,
      l.tickets,
      l.rule,
      l.whys.length,
      l.whys.map((w, i) => `${i + 1}. ${w}`).join('\n'),
      l.causes.join('\n'),
      l.actions
        .map((a) => `${a.text}${a.due ? ` (échéance ${a.due}${a.overdue ? ', dépassée' : ''})` : ''}`)
        .join('\n'),
    ]),
  };
}
