// What a digest says, for one reader: from the figures of a period and of the two it is compared
// with (gathered by src/services/compute-digest.ts) to the report the mail and the spreadsheet are
// written from — period names, groups in the procedure's order with their French labels, the
// indicators' values (indicator-table.ts), the overdue tickets, the 12-month chart, the tickets of
// the period. Medical tickets' content is hidden here, once, for readers who are not doctors
// (SPEC §4). Pure: the clock's reading comes in as `generatedAt`.
import type { Settings } from './settings.js';
import type {
  BacklogFigures,
  Dimension,
  EscalationLine,
  GroupFigures,
  OverdueTicket,
  PipelineFigures,
  RangeFigures,
  SendingOutage,
  TicketFigures,
  TicketLine,
  TrendPoint,
} from '../db/indicators.js';
import type { Sheet, TrendChart } from '../ports.js';
import { type DigestAnalyses, type DigestAnalysisFigure, digestAnalyses } from './digest-analyses.js';
import { formatFrenchDate, formatFrenchDateTime } from './french-date.js';
import {
  CHANNEL_LABELS,
  capitalized,
  categoryLabel,
  CONFIDENTIAL_PLACEHOLDER,
  levelLabel,
  NO_LEVEL,
  NOT_SET,
  REQUESTER_LABELS,
  STATUS_LABELS,
  statusLabel,
  UNASSIGNED,
  UNQUALIFIED,
} from './french-labels.js';
import {
  type Indicator,
  type IndicatorFigures,
  indicatorValue,
  OVERVIEW_INDICATORS,
  PIPELINE_INDICATORS,
} from './indicator-table.js';
import { EMPTY_FIGURES, formatCount, INDICATOR_DEFINITIONS, msToDays } from './indicators.js';
import { findPerson, hasRole } from './people.js';
import {
  lastDayOf,
  periodLabel,
  periodLabelAfter,
  shortMonthLabel,
  type Period,
  type PeriodKind,
  type TimeRange,
} from './period.js';
import { localDateOf, localWallTimeOf } from './zoned-time.js';

/** One period's figures, measured `asOf` (answers recorded later do not count). */
export interface PeriodSnapshot {
  readonly period: Period;
  readonly range: TimeRange;
  readonly asOf: Date;
  readonly figures: RangeFigures;
  readonly backlog: { readonly overall: BacklogFigures; readonly byLevel: readonly LevelBacklog[] };
  readonly pipeline: PipelineFigures;
}

export interface LevelBacklog {
  readonly level: number;
  readonly figures: BacklogFigures;
}

/** Every figure of one digest, as the SQL counted them. Content fields are raw. */
export interface DigestFigures {
  readonly current: PeriodSnapshot;
  /** The period before, measured at the same distance after its end as `current`. */
  readonly previous: PeriodSnapshot;
  /** The same period a year earlier (for a year: the year before the previous one), likewise. */
  readonly lastYear: PeriodSnapshot;
  /** Open at the end of the current period with a deadline before it. */
  readonly overdue: readonly OverdueTicket[];
  /** The twelve months ending with the period's last month. */
  readonly trendMonths: readonly Period[];
  readonly trend: readonly TrendPoint[];
  /** The tickets received in the period. */
  readonly tickets: readonly TicketLine[];
  /** Sending outages that ended in the period (pipeline health). */
  readonly outages: readonly SendingOutage[];
  /** The escalations to the direction recorded in the period, oldest first. */
  readonly escalations: readonly EscalationLine[];
  /** The recurrence analyses of the period (domain/digest-analyses.ts); none when absent. */
  readonly analyses?: readonly DigestAnalysisFigure[];
}

/** Who reads this version: doctors see medical tickets' content, everyone else does not. */
export interface Audience {
  readonly confidentialVisible: boolean;
  /** Greeting name; '' when the recipient is not a known person. */
  readonly name: string;
}

export function audienceOf(config: Settings, address: string | null | undefined): Audience {
  const person = findPerson(config, address);
  return { confidentialVisible: hasRole(person, 'doctor'), name: person?.name ?? '' };
}

/** An indicator's value in the period and in the two it is compared with (unrounded). */
export interface IndicatorRow {
  readonly indicator: Indicator;
  readonly current: number | null;
  readonly previous: number | null;
  readonly lastYear: number | null;
  /** A rate's two counts in the period (« 45 / 52 recevables »); null for other indicators. */
  readonly parts: { readonly numerator: number; readonly denominator: number; readonly noun: string } | null;
}

/** One row of a table by group: its label and its figures; `total` for the last row, all groups. */
export interface GroupRow<F> {
  readonly label: string;
  readonly figures: F;
  readonly total: boolean;
}

export interface Breakdown {
  readonly dimension: Dimension | 'typology';
  /** « Par niveau ». */
  readonly title: string;
  /** What the groups are, as a column header: « Niveau ». */
  readonly heading: string;
  readonly rows: readonly GroupRow<TicketFigures>[];
}

/** An overdue ticket as this reader may see it: `hidden` when its content is not for them. */
export interface OverdueLine {
  readonly reference: string;
  readonly level: number;
  readonly category: string;
  /** Its state now, as a table column names it. */
  readonly status: string;
  /** Wall-clock Dates (their UTC fields are the local time), as spreadsheets show them. */
  readonly receivedAt: Date;
  readonly deadlineAt: Date;
  /** « 05/09/2026 ». */
  readonly deadline: string;
  readonly daysLate: number;
  readonly assignee: string;
  readonly hidden: boolean;
  /** The subject, or CONFIDENTIAL_PLACEHOLDER when hidden. */
  readonly subject: string;
  /** Name, else address; '' when hidden. */
  readonly complainant: string;
  /** « Name <address> »; CONFIDENTIAL_PLACEHOLDER when hidden. */
  readonly complainantWithAddress: string;
}

/** An escalation to the direction: reference, dates, level and state only (nothing confidential). */
export interface EscalationReportLine {
  readonly reference: string;
  readonly level: number;
  readonly round: number;
  /** « 1er signalement », « 2e signalement ». */
  readonly roundLabel: string;
  /** Wall-clock Dates (their UTC fields are the local time), as spreadsheets show them. */
  readonly at: Date;
  /** « 05/10/2026 ». */
  readonly date: string;
  /** Who got it: names (else addresses)… */
  readonly recipientList: readonly string[];
  /** …joined with « , »; « — » when the event named nobody. */
  readonly recipients: string;
  readonly dueAt: Date | null;
  /** The direction's own deadline, « 12/10/2026 »; '' when unknown. */
  readonly due: string;
  /** The ticket's deadline, wall clock. */
  readonly deadlineAt: Date;
  /** Its state now, as a table column names it. */
  readonly status: string;
  readonly assignee: string;
}

export interface PeriodLabels {
  readonly current: string;
  readonly previous: string;
  readonly lastYear: string;
  readonly forCurrent: string;
  /** « pour octobre 2026 (du jeudi 1er octobre 2026 au samedi 31 octobre 2026) »; a range already names its days. */
  readonly forCurrentWithDays: string;
  readonly toPrevious: string;
  readonly toLastYear: string;
}

export interface DigestFiles {
  readonly png: string;
  readonly xlsx: string;
  readonly cid: string;
}

/** The digest of one period for one audience: what the mail and the spreadsheet show. */
export interface DigestReport {
  readonly organisation: string;
  readonly review: { readonly kind: PeriodKind; readonly title: string };
  readonly period: {
    readonly key: string;
    readonly label: string;
    /** `YYYY-MM-DD`, first and last local day. */
    readonly firstDay: string;
    readonly lastDay: string;
    /** « jeudi 1er octobre 2026 ». */
    readonly from: string;
    readonly to: string;
  };
  readonly labels: PeriodLabels;
  readonly timeZone: string;
  /** When the figures were computed, in French. */
  readonly generatedAt: string;
  readonly audience: Audience;
  readonly files: DigestFiles;
  /** The rows of the overview, then of the pipeline table, in the indicator table's order. */
  readonly overview: readonly IndicatorRow[];
  readonly pipeline: readonly IndicatorRow[];
  /** What the pipeline's figures call for: a mailbox that went silent, mails in quarantine, mails lost. */
  readonly pipelineNotes: readonly string[];
  /** The sending outages of the period, one French sentence each. */
  readonly outages: readonly string[];
  readonly breakdowns: readonly Breakdown[];
  readonly backlog: readonly GroupRow<BacklogFigures>[];
  readonly overdue: readonly OverdueLine[];
  readonly escalations: readonly EscalationReportLine[];
  readonly trend: TrendChart;
  /** `YYYY-MM` of each month of `trend`. */
  readonly trendMonths: readonly string[];
  /** The tickets received in the period, one row each, content hidden where this reader may not see it. */
  readonly tickets: Sheet;
  readonly definitions: readonly string[];
  /** Recurrence alerts and the analyses of the period, with their state and actions. */
  readonly analyses: DigestAnalyses;
}

const DIMENSION_TITLES: Record<Dimension | 'typology', string> = {
  level: 'Par niveau',
  category: 'Par catégorie',
  requester: 'Par type de demandeur',
  channel: 'Par canal',
  typology: 'Par typologie',
};

/** « non renseignée »: a ticket whose typology is not set. */
const NO_TYPOLOGY = 'typologie non renseignée';

/**
 * The rows by typology: the procedure's typologies in its order (those with figures), then any
 * other value, then « not set »; for a reader who is not a doctor, the confidential tickets on one
 * row of their own (their typologies are content), before the total.
 */
function typologyRows(config: Settings, figures: RangeFigures, audience: Audience): GroupRow<TicketFigures>[] {
  const known = config.categories.flatMap((c) => c.typologies.map((t) => ({ key: t.key, label: t.label })));
  const groups = audience.confidentialVisible ? figures.typology.all : figures.typology.shared;
  const byValue = new Map(groups.map((g) => [g.value, g]));
  const rows: GroupRow<TicketFigures>[] = [];
  for (const { key, label } of known) {
    const group = byValue.get(key);
    if (!group) continue;
    rows.push({ label, figures: group.figures, total: false });
    byValue.delete(key);
  }
  const rest = [...byValue.values()].sort((a, b) =>
    a.value === null ? 1 : b.value === null ? -1 : a.value.localeCompare(b.value),
  );
  for (const group of rest)
    rows.push({
      label: group.value === null ? capitalized(NO_TYPOLOGY) : group.value,
      figures: group.figures,
      total: false,
    });
  const hidden = figures.typology.confidential;
  if (!audience.confidentialVisible && Object.values(hidden).some((v) => typeof v === 'number' && v > 0))
    rows.push({ label: CONFIDENTIAL_PLACEHOLDER, figures: hidden, total: false });
  return [...rows, { label: 'Total', figures: figures.overall, total: true }];
}

function escalationLine(config: Settings, e: EscalationLine): EscalationReportLine {
  const timeZone = config.organisation.timezone;
  return {
    reference: e.reference,
    level: e.level,
    round: e.round,
    roundLabel: e.round === 2 ? '2e signalement' : '1er signalement',
    at: wallClock(e.at, timeZone),
    date: shortDate(e.at, timeZone),
    recipientList: e.to.map((address) => personLabel(config, address)),
    recipients: e.to.length > 0 ? e.to.map((address) => personLabel(config, address)).join(', ') : '—',
    dueAt: wallClock(e.dueAt, timeZone),
    due: e.dueAt ? shortDate(e.dueAt, timeZone) : '',
    deadlineAt: wallClock(e.deadlineAt, timeZone),
    status: tableStatus(e.status),
    assignee: personLabel(config, e.assigneeEmail),
  };
}

const REVIEW_TITLES: Record<PeriodKind, string> = {
  month: 'Indicateurs mensuels des réclamations',
  quarter: 'Revue trimestrielle des réclamations',
  year: 'Revue annuelle des réclamations',
  custom: 'Indicateurs des réclamations',
};

/** A stored value's label at the start of a cell; an unknown value shows as stored. */
function cellLabel(labels: Readonly<Record<string, string>>, value: string): string {
  const label = labels[value];
  return label === undefined ? value : capitalized(label);
}

function groupLabel(config: Settings, dimension: Dimension, value: string | null): string {
  switch (dimension) {
    case 'level':
      return capitalized(value === null ? NO_LEVEL : levelLabel(value));
    case 'category':
      return value === null ? capitalized(UNQUALIFIED) : categoryLabel(config, value);
    case 'requester':
      return value === null ? capitalized(NOT_SET) : cellLabel(REQUESTER_LABELS, value);
    case 'channel':
      return value === null ? capitalized(NOT_SET) : cellLabel(CHANNEL_LABELS, value);
  }
}

/**
 * Configured values first (levels, categories, channel and requester lists), then any other value
 * found, then « not set ».
 */
function orderedGroups(config: Settings, dimension: Dimension, groups: readonly GroupFigures[]): GroupFigures[] {
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

/** Whole days past the deadline at `at`, at least 1 (a day deadline ends at 23:59:59.999: one day later is 1). */
function daysLate(deadline: Date, at: Date): number {
  return Math.max(1, Math.round(msToDays(at.getTime() - deadline.getTime())));
}

function shortDate(instant: Date, timeZone: string): string {
  const [year, month, day] = localDateOf(instant, timeZone).split('-');
  return `${day}/${month}/${year}`;
}

/** A Date whose UTC fields are the local wall time: what a spreadsheet cell should show. */
function wallClock(instant: Date, timeZone: string): Date;
function wallClock(instant: Date | null, timeZone: string): Date | null;
function wallClock(instant: Date | null, timeZone: string): Date | null {
  if (!instant) return null;
  const wall = localWallTimeOf(instant, timeZone);
  const [year, month, day] = wall.localDate.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day, wall.hour, wall.minute, wall.second));
}

function personLabel(config: Settings, address: string | null): string {
  if (!address) return UNASSIGNED;
  return findPerson(config, address)?.name ?? address;
}

function complainantLabel(t: { complainantName: string; complainantEmail: string | null }): string {
  return [t.complainantName, t.complainantEmail && (t.complainantName ? `<${t.complainantEmail}>` : t.complainantEmail)]
    .filter(Boolean)
    .join(' ');
}

function indicatorFigures(s: PeriodSnapshot): IndicatorFigures {
  return { tickets: s.figures.overall, backlog: s.backlog.overall, pipeline: s.pipeline };
}

function indicatorRows(indicators: readonly Indicator[], figures: DigestFigures): IndicatorRow[] {
  const [current, previous, lastYear] = [figures.current, figures.previous, figures.lastYear].map(indicatorFigures) as [
    IndicatorFigures,
    IndicatorFigures,
    IndicatorFigures,
  ];
  return indicators.map((indicator) => ({
    indicator,
    current: indicatorValue(indicator, current),
    previous: indicatorValue(indicator, previous),
    lastYear: indicatorValue(indicator, lastYear),
    parts:
      indicator.source === 'tickets' && indicator.ratio
        ? {
            numerator: indicator.ratio.numerator.count(current.tickets),
            denominator: indicator.ratio.denominator.count(current.tickets),
            noun: indicator.ratio.noun,
          }
        : null,
  }));
}

/** One French sentence on a sending outage that ended in the period. */
function outageLine(o: SendingOutage, timeZone: string): string {
  const requeued = o.alertsRequeued > 0 ? `, ${formatCount(o.alertsRequeued)} alerte(s) renvoyée(s) au pilote` : '';
  return (
    `Panne d’envoi du ${formatFrenchDateTime(o.since, timeZone)} au ${formatFrenchDateTime(o.until, timeZone)} : ` +
    `${formatCount(o.deadMails)} envoi(s) abandonné(s) après plusieurs essais${requeued}.`
  );
}

function pipelineNotes(current: PipelineFigures, previous: PipelineFigures): string[] {
  const notes: string[] = [];
  if (current.mailsSeen === 0 && previous.mailsSeen > 0) {
    notes.push(
      'Aucun message reçu sur la période alors qu’il y en avait la période précédente : vérifiez que la boîte des ' +
        'réclamations est bien relevée.',
    );
  }
  if (current.quarantined > 0)
    notes.push(
      `${formatCount(current.quarantined)} message(s) en quarantaine : à examiner (chacun a fait l’objet d’une ` +
        `alerte).`,
    );
  if (current.outgoingFailed > 0)
    notes.push(
      `${formatCount(current.outgoingFailed)} envoi(s) en échec définitif : les destinataires n’ont pas reçu le ` +
        `message.`,
    );
  return notes;
}

function trendChart(config: Settings, figures: DigestFigures): TrendChart {
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
    levels: levels.map((level) => ({ level, label: capitalized(levelLabel(level)) })),
    received: grid('received'),
    closed: grid('closed'),
  };
}

/**
 * The « Réclamations » sheet: one row per ticket, content hidden where the audience may not see it. Also the export's
 * rows.
 */
export function ticketSheet(config: Settings, lines: readonly TicketLine[], audience: Audience): Sheet {
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
        cellLabel(CHANNEL_LABELS, t.channel),
        t.requester ? cellLabel(REQUESTER_LABELS, t.requester) : '',
        t.category ? categoryLabel(config, t.category) : capitalized(UNQUALIFIED),
        visible ? (t.typology ?? '') : CONFIDENTIAL_PLACEHOLDER,
        t.level,
        t.receivable ? 'oui' : 'non',
        tableStatus(t.status),
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

/** A ticket state as a table column shows it: « Vérification ». */
function tableStatus(status: string): string {
  return STATUS_LABELS[status] ? capitalized(statusLabel(status, 'short')) : status;
}

/** The report of `figures` for `audience`, computed at `generatedAt`. Pure. */
export function digestReport(
  config: Settings,
  figures: DigestFigures,
  audience: Audience,
  generatedAt: Date,
): DigestReport {
  const timeZone = config.organisation.timezone;
  const { current, previous, lastYear } = figures;
  const period = current.period;
  const key = period.key.replace(/\.\./g, '_');
  const from = formatFrenchDate(current.range.start, timeZone);
  const to = formatFrenchDate(new Date(current.range.end.getTime() - 1), timeZone);
  const end = current.range.end;

  return {
    organisation: config.organisation.name,
    review: { kind: period.kind, title: REVIEW_TITLES[period.kind] },
    period: {
      key: period.key,
      label: periodLabel(period),
      firstDay: period.firstDay,
      lastDay: lastDayOf(period),
      from,
      to,
    },
    labels: {
      current: periodLabel(period),
      previous: periodLabel(previous.period),
      lastYear: periodLabel(lastYear.period),
      forCurrent: periodLabelAfter('pour', period),
      forCurrentWithDays:
        period.kind === 'custom'
          ? periodLabelAfter('pour', period)
          : `${periodLabelAfter('pour', period)} (du ${from} au ${to})`,
      toPrevious: periodLabelAfter('à', previous.period),
      toLastYear: periodLabelAfter('à', lastYear.period),
    },
    timeZone,
    generatedAt: formatFrenchDateTime(generatedAt, timeZone),
    audience,
    files: { png: `tendance-${key}.png`, xlsx: `reclamations-${key}.xlsx`, cid: `tendance-${key}@reclam` },
    overview: indicatorRows(OVERVIEW_INDICATORS, figures),
    pipeline: indicatorRows(PIPELINE_INDICATORS, figures),
    pipelineNotes: pipelineNotes(current.pipeline, previous.pipeline),
    outages: figures.outages.map((o) => outageLine(o, timeZone)),
    breakdowns: [
      ...(['level', 'category', 'requester', 'channel'] as const).map((dimension) => ({
        dimension,
        title: DIMENSION_TITLES[dimension],
        heading: capitalized(DIMENSION_TITLES[dimension].replace('Par ', '')),
        rows: [
          ...orderedGroups(config, dimension, current.figures.by[dimension]).map((g) => ({
            label: groupLabel(config, dimension, g.value),
            figures: g.figures,
            total: false,
          })),
          { label: 'Total', figures: current.figures.overall, total: true },
        ],
      })),
      {
        dimension: 'typology' as const,
        title: DIMENSION_TITLES.typology,
        heading: 'Typologie',
        rows: typologyRows(config, current.figures, audience),
      },
    ],
    backlog: [
      ...current.backlog.byLevel.map((b) => ({
        label: capitalized(levelLabel(b.level)),
        figures: b.figures,
        total: false,
      })),
      { label: 'Total', figures: current.backlog.overall, total: true },
    ],
    overdue: figures.overdue.map((t) => {
      const hidden = !(audience.confidentialVisible || !t.confidential);
      return {
        reference: t.reference,
        level: t.level,
        category: t.category ? categoryLabel(config, t.category) : capitalized(UNQUALIFIED),
        status: tableStatus(t.status),
        receivedAt: wallClock(t.receivedAt, timeZone),
        deadlineAt: wallClock(t.deadlineAt, timeZone),
        deadline: shortDate(t.deadlineAt, timeZone),
        daysLate: daysLate(t.deadlineAt, end),
        assignee: personLabel(config, t.assigneeEmail),
        hidden,
        subject: hidden ? CONFIDENTIAL_PLACEHOLDER : t.subject,
        complainant: hidden ? '' : t.complainantName || (t.complainantEmail ?? ''),
        complainantWithAddress: hidden ? CONFIDENTIAL_PLACEHOLDER : complainantLabel(t),
      };
    }),
    escalations: figures.escalations.map((e) => escalationLine(config, e)),
    trend: trendChart(config, figures),
    trendMonths: figures.trendMonths.map((m) => m.key),
    tickets: ticketSheet(config, figures.tickets, audience),
    definitions: INDICATOR_DEFINITIONS,
    analyses: digestAnalyses(config, figures.analyses ?? [], current.range, current.asOf),
  };
}
