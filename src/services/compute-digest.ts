// The figures of one digest (a month, a quarter, a year or any range) compared with the previous
// period and the same period last year, and what each reader gets from them: the template data,
// the chart and the spreadsheet. Figures are computed once; the views differ only in what a
// reader who is not a doctor may not see of medical tickets (SPEC §4).
import type { Config } from '../config/config-schema.js';
import {
  backlogAt,
  overdueTicketsAt,
  pipelineFigures,
  sendingOutages,
  type SendingOutage,
  EMPTY_FIGURES,
  INDICATOR_SESSIONS,
  rangeFigures,
  ticketsReceivedIn,
  trendByLevel,
  withIndicatorSnapshot,
  type BacklogFigures,
  type Dimension,
  type GroupFigures,
  type OverdueTicket,
  type PipelineFigures,
  type RangeFigures,
  type SnapshotQuery,
  type TicketFigures,
  type TicketLine,
  type TrendPoint,
} from '../db/indicators.js';
import { formatFrenchDate, formatFrenchDateTime } from '../domain/french-date.js';
import {
  compare,
  formatComparison,
  formatCount,
  formatDays,
  formatFigure,
  formatRate,
  INDICATOR_DEFINITIONS,
  msToDays,
  rate,
  roundAsShown,
  type FigureUnit,
} from '../domain/indicators.js';
import { findPerson, hasRole } from '../domain/people.js';
import {
  lastDayOf,
  periodLabel,
  periodLabelAfter,
  periodRange,
  previousPeriod,
  samePeriodLastYear,
  shortMonthLabel,
  trendMonths,
  type Period,
  type TimeRange,
} from '../domain/period.js';
import { localDateOf, localWallTimeOf } from '../domain/zoned-time.js';
import type { CellValue, Sheet, TrendChart, Workbook } from '../ports.js';
import type { Deps } from './deps.js';

/** One period's figures, measured `asOf` (answers recorded later do not count). */
export interface PeriodSnapshot {
  readonly period: Period;
  readonly range: TimeRange;
  readonly asOf: Date;
  readonly figures: RangeFigures;
  readonly backlog: Awaited<ReturnType<typeof backlogAt>>;
  readonly pipeline: PipelineFigures;
}

export interface DigestFigures {
  readonly current: PeriodSnapshot;
  /** The period before, measured at the same distance after its end as `current`. */
  readonly previous: PeriodSnapshot;
  /** The same period a year earlier (for a year: the year before the previous one), likewise. */
  readonly lastYear: PeriodSnapshot;
  /** Open at the end of the current period with a deadline before it. Content fields raw. */
  readonly overdue: readonly OverdueTicket[];
  /** The twelve months ending with the period's last month. */
  readonly trendMonths: readonly Period[];
  readonly trend: readonly TrendPoint[];
  /** The tickets received in the period. Content fields raw. */
  readonly tickets: readonly TicketLine[];
  /** Sending outages that ended in the period (pipeline health). */
  readonly outages: readonly SendingOutage[];
}

/**
 * Computes every figure of the digest of `period` as it stands at `asOf` (normally now). The
 * comparison periods are measured with the same lag after their own end, so a monthly digest sent
 * on the 1st compares October on 1 November with September as it stood on 1 October. Every figure
 * comes from one snapshot, its queries spread over `sessions` (default INDICATOR_SESSIONS) sessions
 * sharing it on PostgreSQL, one after the other on PGlite.
 */
export async function computeDigest(
  deps: Pick<Deps, 'db' | 'config'>,
  input: { readonly period: Period; readonly asOf: Date; readonly sessions?: number },
): Promise<DigestFigures> {
  return withIndicatorSnapshot(deps.db, input.sessions ?? INDICATOR_SESSIONS, (run) =>
    computeFigures(deps.config, run, input),
  );
}

async function computeFigures(
  config: Config,
  run: SnapshotQuery,
  input: { readonly period: Period; readonly asOf: Date },
): Promise<DigestFigures> {
  const timeZone = config.organisation.timezone;
  const currentRange = periodRange(input.period, timeZone);
  const lag = input.asOf.getTime() - currentRange.end.getTime();
  const before = previousPeriod(input.period);
  // For a year, « the same period last year » is the previous one: compare with the year before instead.
  const yearAgo = samePeriodLastYear(input.period);
  const periods = [input.period, before, yearAgo.key === before.key ? previousPeriod(yearAgo) : yearAgo].map(
    (period) => {
      const range = periodRange(period, timeZone);
      return { period, range, asOf: new Date(range.end.getTime() + lag) };
    },
  );
  const months = trendMonths(input.period);
  // The slowest queries first (bench/README.md), so that the last to start are short; each kind in
  // period order.
  const trend = run((db) =>
    trendByLevel(
      db,
      months.map((m) => periodRange(m, timeZone)),
    ),
  );
  const figures = periods.map((p) => run((db) => rangeFigures(db, p.range, p.asOf)));
  const tickets = run((db) => ticketsReceivedIn(db, currentRange));
  const backlogs = periods.map((p) => run((db) => backlogAt(db, p.range.end)));
  const overdue = run((db) => overdueTicketsAt(db, currentRange.end));
  const pipelines = periods.map((p) => run((db) => pipelineFigures(db, p.range)));
  const outages = run((db) => sendingOutages(db, currentRange));
  // Every query ended before the snapshot's transactions do, even when one failed.
  await Promise.allSettled([trend, ...figures, tickets, ...backlogs, overdue, ...pipelines, outages]);
  const snapshots: PeriodSnapshot[] = [];
  for (const [i, p] of periods.entries()) {
    snapshots.push({ ...p, figures: await figures[i]!, backlog: await backlogs[i]!, pipeline: await pipelines[i]! });
  }
  const [current, previous, lastYear] = snapshots as [PeriodSnapshot, PeriodSnapshot, PeriodSnapshot];
  return {
    current,
    previous,
    lastYear,
    overdue: await overdue,
    trendMonths: months,
    trend: await trend,
    tickets: await tickets,
    outages: await outages,
  };
}

// ---------------------------------------------------------------------------------------------
// Labels

const REQUESTER_LABELS: Record<string, string> = { adherent: 'Adhérent', salarie: 'Salarié suivi' };
const CHANNEL_LABELS: Record<string, string> = {
  email: 'Courriel',
  telephone: 'Téléphone',
  courrier: 'Courrier',
  lrar: 'Lettre recommandée',
  presentiel: 'En présentiel',
  portail: 'Portail',
  autre: 'Autre',
};
const STATUS_LABELS: Record<string, string> = {
  received: 'Reçue',
  in_progress: 'En cours',
  answered: 'Répondue',
  verifying: 'Vérification',
  closed: 'Clôturée',
  rejected: 'Non recevable',
};
const DIMENSION_TITLES: Record<Dimension, string> = {
  level: 'Par niveau',
  category: 'Par catégorie',
  requester: 'Par type de demandeur',
  channel: 'Par canal',
};
const REVIEW_TITLES: Record<Period['kind'], string> = {
  month: 'Indicateurs mensuels des réclamations',
  quarter: 'Revue trimestrielle des réclamations',
  year: 'Revue annuelle des réclamations',
  custom: 'Indicateurs des réclamations',
};
/** What a reader who is not a doctor sees instead of a medical ticket's content. */
export const CONFIDENTIAL_PLACEHOLDER = 'Confidentiel (réservé aux médecins)';

function valueLabel(config: Config, dimension: Dimension, value: string | null): string {
  switch (dimension) {
    case 'level':
      return value === null ? 'Sans niveau' : `Niveau ${value}`;
    case 'category':
      return value === null ? 'À qualifier' : (config.categories.find((c) => c.key === value)?.label ?? value);
    case 'requester':
      return value === null ? 'Non renseigné' : (REQUESTER_LABELS[value] ?? value);
    case 'channel':
      return value === null ? 'Non renseigné' : (CHANNEL_LABELS[value] ?? value);
  }
}

/** Configured values first (levels, categories, channel and requester lists), then any other value found, then « not set ». */
function orderedGroups(config: Config, dimension: Dimension, groups: readonly GroupFigures[]): GroupFigures[] {
  const known: (string | null)[] =
    dimension === 'level'
      ? [...config.levels].sort((a, b) => a.level - b.level).map((l) => String(l.level))
      : dimension === 'category'
        ? config.categories.map((c) => c.key)
        : dimension === 'requester'
          ? Object.keys(REQUESTER_LABELS)
          : Object.keys(CHANNEL_LABELS);
  // Levels and categories are the procedure's own lists: shown even at zero. Requester types and
  // channels only when used, to keep the tables short.
  const showEmpty = dimension === 'level' || dimension === 'category';
  const byValue = new Map(groups.map((g) => [g.value, g]));
  const ordered: GroupFigures[] = [];
  for (const value of known) {
    const group = byValue.get(value);
    if (group) ordered.push(group);
    else if (showEmpty) ordered.push({ value, figures: { ...EMPTY_FIGURES } });
    byValue.delete(value);
  }
  const rest = [...byValue.values()].sort((a, b) =>
    a.value === null ? 1 : b.value === null ? -1 : a.value.localeCompare(b.value),
  );
  return [...ordered, ...rest];
}

export function responseRate(f: TicketFigures): number | null {
  return rate(f.answeredReceivable, f.receivable);
}

export function onTimeRate(f: TicketFigures): number | null {
  return rate(f.onTime, f.answered);
}

// ---------------------------------------------------------------------------------------------
// Views

/** Who reads this version: doctors see medical tickets' content, everyone else does not. */
export interface Audience {
  readonly confidentialVisible: boolean;
  /** Greeting name; '' when the recipient is not a known person. */
  readonly name: string;
}

export function audienceOf(config: Config, address: string | null | undefined): Audience {
  const person = findPerson(config, address);
  return { confidentialVisible: hasRole(person, 'doctor'), name: person?.name ?? '' };
}

interface Indicator {
  readonly label: string;
  readonly unit: FigureUnit;
  readonly sub?: boolean;
  readonly value: (s: PeriodSnapshot) => number | null;
  /** « 45 / 52 » under a rate. */
  readonly detail?: (s: PeriodSnapshot) => string;
}

const OVERVIEW: readonly Indicator[] = [
  { label: 'Réclamations reçues', unit: 'count', value: (s) => s.figures.overall.received },
  { label: 'dont non recevables', unit: 'count', sub: true, value: (s) => s.figures.overall.nonReceivable },
  {
    label: 'Taux de réponse',
    unit: 'rate',
    value: (s) => responseRate(s.figures.overall),
    detail: (s) =>
      `${formatCount(s.figures.overall.answeredReceivable)} / ${formatCount(s.figures.overall.receivable)} recevables`,
  },
  {
    label: 'Réponses dans les délais',
    unit: 'rate',
    value: (s) => onTimeRate(s.figures.overall),
    detail: (s) => `${formatCount(s.figures.overall.onTime)} / ${formatCount(s.figures.overall.answered)} répondues`,
  },
  { label: 'Délai moyen de réponse', unit: 'days', value: (s) => s.figures.overall.meanAnswerDays },
  { label: 'Délai médian de réponse', unit: 'days', value: (s) => s.figures.overall.medianAnswerDays },
  { label: 'Réclamations clôturées', unit: 'count', value: (s) => s.figures.overall.closed },
  { label: 'Délai moyen de clôture', unit: 'days', value: (s) => s.figures.overall.meanCloseDays },
  { label: 'Délai médian de clôture', unit: 'days', value: (s) => s.figures.overall.medianCloseDays },
  { label: 'Réouvertures', unit: 'count', value: (s) => s.figures.overall.reopenings },
  { label: 'En cours en fin de période', unit: 'count', value: (s) => s.backlog.overall.open },
  { label: 'dont en retard', unit: 'count', sub: true, value: (s) => s.backlog.overall.overdue },
];

interface PipelineLine {
  readonly label: string;
  readonly sub?: boolean;
  readonly value: (p: PipelineFigures) => number;
}

const PIPELINE: readonly PipelineLine[] = [
  { label: 'Messages reçus sur l’adresse des réclamations', value: (p) => p.mailsSeen },
  { label: 'nouvelles réclamations', sub: true, value: (p) => p.complaints },
  { label: 'relances des réclamants', sub: true, value: (p) => p.followUps },
  { label: 'messages du personnel', sub: true, value: (p) => p.staffMails },
  { label: 'réponses automatiques écartées', sub: true, value: (p) => p.autoReplies },
  { label: 'avis de non-remise écartés', sub: true, value: (p) => p.bounces },
  { label: 'nos propres messages écartés', sub: true, value: (p) => p.ownMails },
  { label: 'mis en quarantaine', sub: true, value: (p) => p.quarantined },
  { label: 'Réclamations créées (tous canaux)', value: (p) => p.ticketsCreated },
  { label: 'Commandes appliquées', value: (p) => p.commandsApplied },
  { label: 'Commandes refusées', value: (p) => p.commandsRefused },
  { label: 'Commandes non authentifiées', value: (p) => p.commandsForged },
  { label: 'Messages envoyés', value: (p) => p.outgoingSent },
  { label: 'Envois en échec définitif', value: (p) => p.outgoingFailed },
  { label: 'Envois automatiques suspendus (limite)', value: (p) => p.budgetExceeded },
];

const GROUP_HEADERS = [
  'Reçues',
  'Non rec.',
  'Réponse',
  'Délais tenus',
  'Rép. moy.',
  'Clôturées',
  'Clôt. moy.',
] as const;

function groupCells(f: TicketFigures): string[] {
  return [
    formatCount(f.received),
    formatCount(f.nonReceivable),
    formatRate(responseRate(f)),
    formatRate(onTimeRate(f)),
    formatDays(f.meanAnswerDays),
    formatCount(f.closed),
    formatDays(f.meanCloseDays),
  ];
}

const BACKLOG_HEADERS = ['En cours', '0 à 7 j', '8 à 15 j', '16 à 30 j', '> 30 j', 'En retard'] as const;

function backlogCells(b: BacklogFigures): string[] {
  return [b.open, b.age0to7, b.age8to15, b.age16to30, b.ageOver30, b.overdue].map(formatCount);
}

/** Lines of a plain-text table: first column left-aligned, the others right-aligned. */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** Whole days past the deadline at `at`, at least 1 (a day deadline ends at 23:59:59.999: one day later is 1). */
function daysLate(deadline: Date, at: Date): number {
  return Math.max(1, Math.round(msToDays(at.getTime() - deadline.getTime())));
}

function shortDate(instant: Date, timeZone: string): string {
  const [year, month, day] = localDateOf(instant, timeZone).split('-');
  return `${day}/${month}/${year}`;
}

/** A Date whose UTC fields are the local wall time: what a spreadsheet cell should show. */
function wallClock(instant: Date | null, timeZone: string): Date | null {
  if (!instant) return null;
  const wall = localWallTimeOf(instant, timeZone);
  const [year, month, day] = wall.localDate.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day, wall.hour, wall.minute, wall.second));
}

function personLabel(config: Config, address: string | null): string {
  if (!address) return 'non attribuée';
  return findPerson(config, address)?.name ?? address;
}

function complainantLabel(t: { complainantName: string; complainantEmail: string | null }): string {
  return [t.complainantName, t.complainantEmail && (t.complainantName ? `<${t.complainantEmail}>` : t.complainantEmail)]
    .filter(Boolean)
    .join(' ');
}

export interface DigestArtifacts {
  /** The data of the `digest` templates. */
  readonly data: Record<string, unknown>;
  readonly chart: TrendChart;
  readonly workbook: Workbook;
  readonly files: { readonly png: string; readonly xlsx: string; readonly cid: string };
}

const MAX_OVERDUE_IN_MAIL = 20;

/** The template data, chart and workbook of `figures` for one audience. Pure. */
export function digestArtifacts(
  config: Config,
  figures: DigestFigures,
  audience: Audience,
  generatedAt: Date,
): DigestArtifacts {
  const timeZone = config.organisation.timezone;
  const { current, previous, lastYear } = figures;
  const period = current.period;
  const key = period.key.replace(/\.\./g, '_');
  const files = { png: `tendance-${key}.png`, xlsx: `reclamations-${key}.xlsx`, cid: `tendance-${key}@reclam` };
  const labels = {
    current: periodLabel(period),
    previous: periodLabel(previous.period),
    lastYear: periodLabel(lastYear.period),
    forCurrent: periodLabelAfter('pour', period),
    /** « pour octobre 2026 (du jeudi 1er octobre 2026 au samedi 31 octobre 2026) »; a range already names its days. */
    forCurrentWithDays:
      period.kind === 'custom'
        ? periodLabelAfter('pour', period)
        : `${periodLabelAfter('pour', period)} (du ${formatFrenchDate(current.range.start, timeZone)} au ${formatFrenchDate(new Date(current.range.end.getTime() - 1), timeZone)})`,
    toPrevious: periodLabelAfter('à', previous.period),
    toLastYear: periodLabelAfter('à', lastYear.period),
  };

  const overview = OVERVIEW.map((indicator) => {
    const now = roundAsShown(indicator.value(current), indicator.unit);
    const before = roundAsShown(indicator.value(previous), indicator.unit);
    const yearAgo = roundAsShown(indicator.value(lastYear), indicator.unit);
    return {
      label: indicator.label,
      sub: indicator.sub === true,
      value: formatFigure(now, indicator.unit),
      detail: indicator.detail ? indicator.detail(current) : '',
      previous: formatFigure(before, indicator.unit),
      deltaPrevious: formatComparison(compare(now, before, indicator.unit), indicator.unit),
      lastYear: formatFigure(yearAgo, indicator.unit),
      deltaLastYear: formatComparison(compare(now, yearAgo, indicator.unit), indicator.unit),
    };
  });
  const pick = (label: string) => overview.find((row) => row.label === label)!;
  const kpis = [
    { label: 'Reçues', row: pick('Réclamations reçues') },
    { label: 'Clôturées', row: pick('Réclamations clôturées') },
    { label: 'Taux de réponse', row: pick('Taux de réponse') },
    { label: 'En retard', row: pick('dont en retard') },
  ].map(({ label, row }) => ({ label, value: row.value, delta: row.deltaPrevious }));
  const overviewText = overview.flatMap((row) => [
    `${row.sub ? '  ' : ''}${row.label} : ${row.value}${row.detail ? ` (${row.detail})` : ''}`,
    `${row.sub ? '  ' : ''}    par rapport ${labels.toPrevious} (${row.previous}) : ${row.deltaPrevious} ; ${labels.toLastYear} (${row.lastYear}) : ${row.deltaLastYear}`,
  ]);

  const dimensions = (['level', 'category', 'requester', 'channel'] as const).map((dimension) => {
    const groups = orderedGroups(config, dimension, current.figures.by[dimension]);
    const rows = [
      ...groups.map((g) => ({
        label: valueLabel(config, dimension, g.value),
        cells: groupCells(g.figures),
        total: false,
      })),
      { label: 'Total', cells: groupCells(current.figures.overall), total: true },
    ];
    return {
      title: DIMENSION_TITLES[dimension],
      headers: [...GROUP_HEADERS],
      rows,
      textLines: textTable(
        [DIMENSION_TITLES[dimension], ...GROUP_HEADERS],
        rows.map((r) => [r.label, ...r.cells]),
      ),
    };
  });

  const backlogRows = [
    ...current.backlog.byLevel.map((b) => ({
      label: `Niveau ${b.level}`,
      cells: backlogCells(b.figures),
      total: false,
    })),
    { label: 'Total', cells: backlogCells(current.backlog.overall), total: true },
  ];
  const backlog = {
    headers: [...BACKLOG_HEADERS],
    rows: backlogRows,
    textLines: textTable(
      ['Niveau', ...BACKLOG_HEADERS],
      backlogRows.map((r) => [r.label, ...r.cells]),
    ),
  };

  const end = current.range.end;
  const overdueRows = figures.overdue.map((t) => {
    const visible = audience.confidentialVisible || !t.confidential;
    return {
      reference: t.reference,
      level: String(t.level),
      deadline: shortDate(t.deadlineAt, timeZone),
      late: `${formatCount(daysLate(t.deadlineAt, end))}\u202fj`,
      assignee: personLabel(config, t.assigneeEmail),
      hidden: !visible,
      subject: visible ? t.subject || '(sans objet)' : CONFIDENTIAL_PLACEHOLDER,
      complainant: visible ? t.complainantName || (t.complainantEmail ?? '') : '',
    };
  });
  const overdue = {
    count: overdueRows.length,
    shown: overdueRows.slice(0, MAX_OVERDUE_IN_MAIL),
    more: Math.max(0, overdueRows.length - MAX_OVERDUE_IN_MAIL),
    textLines: overdueRows
      .slice(0, MAX_OVERDUE_IN_MAIL)
      .map(
        (r) =>
          `- ${r.reference} (niveau ${r.level}) : échéance ${r.deadline}, ${r.late} de retard, suivie par ${r.assignee} — ${r.subject}${r.complainant ? ` — ${r.complainant}` : ''}`,
      ),
  };

  const pipelineRows = PIPELINE.map((line) => ({
    label: line.label,
    sub: line.sub === true,
    value: formatCount(line.value(current.pipeline)),
    previous: formatCount(line.value(previous.pipeline)),
    lastYear: formatCount(line.value(lastYear.pipeline)),
  }));
  const pipeline = {
    rows: pipelineRows,
    textLines: textTable(
      ['', labels.current, labels.previous, labels.lastYear],
      pipelineRows.map((r) => [`${r.sub ? '  ' : ''}${r.label}`, r.value, r.previous, r.lastYear]),
    ),
    notes: pipelineNotes(current.pipeline, previous.pipeline),
    outages: figures.outages.map(
      (o) =>
        `Panne d’envoi du ${formatFrenchDateTime(o.since, timeZone)} au ${formatFrenchDateTime(o.until, timeZone)} : ${formatCount(o.deadMails)} envoi(s) abandonné(s) après plusieurs essais${o.alertsRequeued > 0 ? `, ${formatCount(o.alertsRequeued)} alerte(s) renvoyée(s) au pilote` : ''}.`,
    ),
  };

  const chart = trendChart(config, figures);
  const overall = current.figures.overall;
  const headline = [
    `${formatCount(overall.received)} reçue${overall.received > 1 ? 's' : ''}`,
    `${formatCount(overall.closed)} clôturée${overall.closed > 1 ? 's' : ''}`,
    `taux de réponse ${formatRate(responseRate(overall))}`,
    `${formatCount(current.backlog.overall.overdue)} en retard`,
  ].join(', ');

  const data = {
    organisation: { name: config.organisation.name },
    review: { kind: period.kind, title: REVIEW_TITLES[period.kind] },
    period: {
      key: period.key,
      label: labels.current,
      from: formatFrenchDate(current.range.start, timeZone),
      to: formatFrenchDate(new Date(current.range.end.getTime() - 1), timeZone),
    },
    labels,
    recipientName: audience.name,
    headline,
    kpis,
    overview,
    overviewText,
    dimensions,
    backlog,
    overdue,
    pipeline,
    chart: {
      cid: files.cid,
      alt: `Graphique : réclamations reçues et clôturées par mois et par niveau, de ${chart.months[0] ?? ''} à ${chart.months[chart.months.length - 1] ?? ''}`,
      width: 544,
      height: 272,
    },
    attachment: files.xlsx,
    ticketCount: formatCount(figures.tickets.length),
    confidentialHidden: !audience.confidentialVisible,
    generatedAt: formatFrenchDateTime(generatedAt, timeZone),
    timeZone,
    definitions: [...INDICATOR_DEFINITIONS],
  };
  return { data, chart, workbook: digestWorkbook(config, figures, audience, labels), files };
}

function pipelineNotes(current: PipelineFigures, previous: PipelineFigures): string[] {
  const notes: string[] = [];
  if (current.mailsSeen === 0 && previous.mailsSeen > 0) {
    notes.push(
      'Aucun message reçu sur la période alors qu’il y en avait la période précédente : vérifiez que la boîte des réclamations est bien relevée.',
    );
  }
  if (current.quarantined > 0)
    notes.push(
      `${formatCount(current.quarantined)} message(s) en quarantaine : à examiner (chacun a fait l’objet d’une alerte).`,
    );
  if (current.outgoingFailed > 0)
    notes.push(
      `${formatCount(current.outgoingFailed)} envoi(s) en échec définitif : les destinataires n’ont pas reçu le message.`,
    );
  return notes;
}

function trendChart(config: Config, figures: DigestFigures): TrendChart {
  const levels = [...new Set([...config.levels.map((l) => l.level), ...figures.trend.map((p) => p.level)])].sort(
    (a, b) => a - b,
  );
  const grid = (field: 'received' | 'closed') =>
    figures.trendMonths.map((_, m) =>
      levels.map((level) => figures.trend.find((p) => p.index === m && p.level === level)?.[field] ?? 0),
    );
  return {
    title: 'Réclamations reçues et clôturées par mois, par niveau',
    months: figures.trendMonths.map(shortMonthLabel),
    levels: levels.map((level) => ({ level, label: `Niveau ${level}` })),
    received: grid('received'),
    closed: grid('closed'),
  };
}

const num = (value: number | null, format: 'integer' | 'decimal' | 'percent'): CellValue => ({ value, format });

/** The « Réclamations » sheet: one row per ticket, content hidden where the audience may not see it. Also the export's rows. */
export function ticketSheet(config: Config, lines: readonly TicketLine[], audience: Audience): Sheet {
  const timeZone = config.organisation.timezone;
  return {
    name: 'Réclamations',
    columns: [
      { header: 'Référence', width: 16 },
      { header: 'Reçue le', width: 17, format: 'datetime' },
      { header: 'Canal', width: 14 },
      { header: 'Demandeur', width: 14 },
      { header: 'Catégorie', width: 16 },
      { header: 'Typologie', width: 18 },
      { header: 'Niveau', width: 8, format: 'integer' },
      { header: 'Recevable', width: 10 },
      { header: 'État', width: 14 },
      { header: 'Échéance', width: 17, format: 'datetime' },
      { header: 'Répondue le', width: 17, format: 'datetime' },
      { header: 'Dans les délais', width: 10 },
      { header: 'Délai de réponse (j)', width: 12, format: 'decimal' },
      { header: 'Clôturée le', width: 17, format: 'datetime' },
      { header: 'Délai de clôture (j)', width: 12, format: 'decimal' },
      { header: 'Réouvertures', width: 10, format: 'integer' },
      { header: 'LRAR', width: 7 },
      { header: 'Suivie par', width: 22 },
      { header: 'Réclamant', width: 24 },
      { header: 'Adresse du réclamant', width: 28 },
      { header: 'Objet', width: 48 },
    ],
    rows: lines.map((t) => {
      const visible = audience.confidentialVisible || !t.confidential;
      const days = (to: Date | null) =>
        to ? Math.round(msToDays(to.getTime() - t.receivedAt.getTime()) * 10) / 10 : null;
      return [
        t.reference,
        wallClock(t.receivedAt, timeZone),
        CHANNEL_LABELS[t.channel] ?? t.channel,
        t.requester ? (REQUESTER_LABELS[t.requester] ?? t.requester) : '',
        t.category ? (config.categories.find((c) => c.key === t.category)?.label ?? t.category) : 'À qualifier',
        visible ? (t.typology ?? '') : CONFIDENTIAL_PLACEHOLDER,
        t.level,
        t.receivable ? 'oui' : 'non',
        STATUS_LABELS[t.status] ?? t.status,
        wallClock(t.deadlineAt, timeZone),
        wallClock(t.answeredAt, timeZone),
        t.answeredAt ? (t.answeredAt.getTime() <= t.deadlineAt.getTime() ? 'oui' : 'non') : '',
        days(t.answeredAt),
        wallClock(t.closedAt, timeZone),
        days(t.closedAt),
        t.reopenings,
        t.registeredLetter ? 'oui' : 'non',
        personLabel(config, t.assigneeEmail),
        visible ? t.complainantName : CONFIDENTIAL_PLACEHOLDER,
        visible ? (t.complainantEmail ?? '') : CONFIDENTIAL_PLACEHOLDER,
        visible ? t.subject : CONFIDENTIAL_PLACEHOLDER,
      ];
    }),
  };
}

function unitFormat(unit: FigureUnit): 'integer' | 'decimal' | 'percent' {
  return unit === 'count' ? 'integer' : unit === 'rate' ? 'percent' : 'decimal';
}

function digestWorkbook(
  config: Config,
  figures: DigestFigures,
  audience: Audience,
  labels: { readonly current: string; readonly previous: string; readonly lastYear: string },
): Workbook {
  const timeZone = config.organisation.timezone;
  const { current, previous, lastYear } = figures;
  const summary: Sheet = {
    name: 'Synthèse',
    columns: [
      { header: 'Indicateur', width: 34 },
      { header: labels.current, width: 16 },
      { header: labels.previous, width: 16 },
      { header: 'Écart', width: 12 },
      { header: labels.lastYear, width: 16 },
      { header: 'Écart', width: 12 },
    ],
    rows: OVERVIEW.map((indicator) => {
      const f = unitFormat(indicator.unit);
      const [a, b, c] = [indicator.value(current), indicator.value(previous), indicator.value(lastYear)];
      return [
        `${indicator.sub ? '   ' : ''}${indicator.label}`,
        num(a, f),
        num(b, f),
        num(compare(a, b, indicator.unit).difference, f),
        num(c, f),
        num(compare(a, c, indicator.unit).difference, f),
      ];
    }),
  };
  const groupSheet = (dimension: Dimension): Sheet => ({
    name: DIMENSION_TITLES[dimension],
    columns: [
      { header: DIMENSION_TITLES[dimension].replace('Par ', '').replace(/^./, (c) => c.toUpperCase()), width: 22 },
      { header: 'Reçues', format: 'integer' },
      { header: 'Non recevables', format: 'integer' },
      { header: 'Recevables', format: 'integer' },
      { header: 'Recevables répondues', format: 'integer' },
      { header: 'Taux de réponse', format: 'percent' },
      { header: 'Répondues', format: 'integer' },
      { header: 'Dans les délais', format: 'integer' },
      { header: 'Taux dans les délais', format: 'percent' },
      { header: 'Délai moyen de réponse (j)', format: 'decimal' },
      { header: 'Délai médian de réponse (j)', format: 'decimal' },
      { header: 'Clôturées', format: 'integer' },
      { header: 'Délai moyen de clôture (j)', format: 'decimal' },
      { header: 'Délai médian de clôture (j)', format: 'decimal' },
      { header: 'Réouvertures', format: 'integer' },
    ],
    rows: [
      ...orderedGroups(config, dimension, current.figures.by[dimension]).map((g) =>
        groupRow(valueLabel(config, dimension, g.value), g.figures),
      ),
      groupRow('Total', current.figures.overall),
    ],
  });
  const backlogSheet: Sheet = {
    name: 'En cours fin de période',
    columns: [
      { header: 'Niveau', width: 12 },
      { header: 'En cours', format: 'integer' },
      { header: '0 à 7 jours', format: 'integer' },
      { header: '8 à 15 jours', format: 'integer' },
      { header: '16 à 30 jours', format: 'integer' },
      { header: 'Plus de 30 jours', format: 'integer' },
      { header: 'En retard', format: 'integer' },
    ],
    rows: [
      ...current.backlog.byLevel.map((b) => backlogRow(`Niveau ${b.level}`, b.figures)),
      backlogRow('Total', current.backlog.overall),
    ],
  };
  const overdueSheet: Sheet = {
    name: 'En retard',
    columns: [
      { header: 'Référence', width: 16 },
      { header: 'Niveau', width: 8, format: 'integer' },
      { header: 'Catégorie', width: 16 },
      { header: 'État actuel', width: 14 },
      { header: 'Reçue le', width: 17, format: 'datetime' },
      { header: 'Échéance', width: 17, format: 'datetime' },
      { header: 'Jours de retard', width: 10, format: 'integer' },
      { header: 'Suivie par', width: 22 },
      { header: 'Réclamant', width: 28 },
      { header: 'Objet', width: 48 },
    ],
    rows: figures.overdue.map((t) => {
      const visible = audience.confidentialVisible || !t.confidential;
      return [
        t.reference,
        t.level,
        t.category ? (config.categories.find((c) => c.key === t.category)?.label ?? t.category) : 'À qualifier',
        STATUS_LABELS[t.status] ?? t.status,
        wallClock(t.receivedAt, timeZone),
        wallClock(t.deadlineAt, timeZone),
        daysLate(t.deadlineAt, current.range.end),
        personLabel(config, t.assigneeEmail),
        visible ? complainantLabel(t) : CONFIDENTIAL_PLACEHOLDER,
        visible ? t.subject : CONFIDENTIAL_PLACEHOLDER,
      ];
    }),
  };
  const chart = trendChart(config, figures);
  const trendSheet: Sheet = {
    name: 'Tendance 12 mois',
    columns: [
      { header: 'Mois', width: 12 },
      ...chart.levels.map((l) => ({ header: `Reçues ${l.label.toLowerCase()}`, format: 'integer' as const })),
      { header: 'Reçues', format: 'integer' },
      ...chart.levels.map((l) => ({ header: `Clôturées ${l.label.toLowerCase()}`, format: 'integer' as const })),
      { header: 'Clôturées', format: 'integer' },
    ],
    rows: figures.trendMonths.map((month, m) => {
      const received = chart.received[m] ?? [];
      const closed = chart.closed[m] ?? [];
      return [
        month.key,
        ...received,
        received.reduce((s, n) => s + n, 0),
        ...closed,
        closed.reduce((s, n) => s + n, 0),
      ];
    }),
  };
  const pipelineSheet: Sheet = {
    name: 'Chaîne de traitement',
    columns: [
      { header: 'Indicateur', width: 44 },
      { header: labels.current, width: 16, format: 'integer' },
      { header: labels.previous, width: 16, format: 'integer' },
      { header: labels.lastYear, width: 16, format: 'integer' },
    ],
    rows: PIPELINE.map((line) => [
      `${line.sub ? '   ' : ''}${line.label}`,
      line.value(current.pipeline),
      line.value(previous.pipeline),
      line.value(lastYear.pipeline),
    ]),
  };
  const definitions: Sheet = {
    name: 'Définitions',
    columns: [{ header: 'Définitions des indicateurs', width: 120 }],
    rows: [
      ...INDICATOR_DEFINITIONS.map((d) => [d]),
      [
        `Période : ${labels.current} (du ${current.period.firstDay} au ${lastDayOf(current.period)}, fuseau ${timeZone}).`,
      ],
      ...(audience.confidentialVisible
        ? []
        : [['Version sans le contenu des réclamations médicales (réservé aux médecins).']]),
    ],
  };
  return {
    creator: `reclam — ${config.organisation.name}`,
    sheets: [
      ticketSheet(config, figures.tickets, audience),
      summary,
      ...(['level', 'category', 'requester', 'channel'] as const).map(groupSheet),
      backlogSheet,
      overdueSheet,
      trendSheet,
      pipelineSheet,
      definitions,
    ],
  };
}

function groupRow(label: string, f: TicketFigures): CellValue[] {
  return [
    label,
    f.received,
    f.nonReceivable,
    f.receivable,
    f.answeredReceivable,
    num(responseRate(f), 'percent'),
    f.answered,
    f.onTime,
    num(onTimeRate(f), 'percent'),
    num(f.meanAnswerDays, 'decimal'),
    num(f.medianAnswerDays, 'decimal'),
    f.closed,
    num(f.meanCloseDays, 'decimal'),
    num(f.medianCloseDays, 'decimal'),
    f.reopenings,
  ];
}

function backlogRow(label: string, b: BacklogFigures): CellValue[] {
  return [label, b.open, b.age0to7, b.age8to15, b.age16to30, b.ageOver30, b.overdue];
}
