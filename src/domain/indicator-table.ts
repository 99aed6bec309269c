// The indicators of the digest, one entry each: its key, its French label, its unit and how it is
// computed from the figures the SQL counts (src/db/indicators.ts). The mail (HTML and text) and the
// spreadsheet are built from this table only, so adding an indicator is adding an entry here (and,
// for a new count, its SQL). Order matters: it is the order of the rows and columns everywhere.
import type { BacklogFigures, PipelineFigures, TicketFigures } from '../db/indicators.js';
import { rate, type FigureUnit } from './indicators.js';

/** The figures an indicator is computed from, at one moment for one group of tickets. */
export interface IndicatorFigures {
  /** Received, answered, closed… in the period (src/db/indicators.ts `rangeFigures`). */
  readonly tickets: TicketFigures;
  /** Open at the period's end (`backlogAt`). */
  readonly backlog: BacklogFigures;
  /** What the mail pipeline did in the period (`pipelineFigures`). */
  readonly pipeline: PipelineFigures;
}

/** One of the two counts of a rate, a column of its own in the spreadsheet. */
export interface RatioPart {
  readonly label: string;
  readonly count: (figures: TicketFigures) => number;
}

interface Common {
  /** Stable identifier (tests, template data). */
  readonly key: string;
  /** Its name: the row of the overview or of the pipeline table, in the mail and the spreadsheet. */
  readonly label: string;
  readonly unit: FigureUnit;
  /** Shown indented under the row before it (« dont … »). */
  readonly sub?: boolean;
}

/**
 * Where a figure of tickets or of the backlog shows besides the overview: the tables by level,
 * category, requester type and channel (tickets) or the backlog table by level (backlog).
 */
interface Tabled {
  /** Its column header in the mail's tables; absent: a column of the spreadsheet only. */
  readonly short?: string;
  /** Also a column of the mail's short tables of counts (by typology), under `short`. */
  readonly brief?: true;
  /** Its column header in the spreadsheet's tables, when not `label` (with « (j) » for days). */
  readonly column?: string;
  /** false: a column of its table only, not a row of the overview. */
  readonly overview?: false;
  /**
   * One of the four boxes at the top of the mail: their order, its caption, and its words in the mail's « En bref ».
   */
  readonly kpi?: {
    readonly rank: number;
    readonly label: string;
    readonly headline: (shown: string, value: number | null) => string;
  };
}

export type TicketIndicator = Common &
  Tabled & { readonly source: 'tickets' } & (
    | { readonly compute: (figures: TicketFigures) => number | null; readonly ratio?: never }
    | {
        /** A rate: numerator / denominator, null when the denominator is 0. */
        readonly ratio: { readonly numerator: RatioPart; readonly denominator: RatioPart; readonly noun: string };
        readonly compute?: never;
      }
  );

export type BacklogIndicator = Common &
  Tabled & { readonly source: 'backlog'; readonly compute: (figures: BacklogFigures) => number };

export type PipelineIndicator = Common & {
  readonly source: 'pipeline';
  readonly compute: (figures: PipelineFigures) => number;
};

export type Indicator = TicketIndicator | BacklogIndicator | PipelineIndicator;

const plural = (word: string) => (shown: string, value: number | null) =>
  `${shown} ${word}${value !== null && value > 1 ? 's' : ''}`;

/** Every indicator of the digest, in the order they are shown. */
export const INDICATORS: readonly Indicator[] = [
  {
    key: 'received',
    source: 'tickets',
    label: 'Réclamations reçues',
    unit: 'count',
    compute: (f) => f.received,
    short: 'Reçues',
    column: 'Reçues',
    kpi: { rank: 1, label: 'Reçues', headline: plural('reçue') },
    brief: true,
  },
  {
    key: 'nonReceivable',
    source: 'tickets',
    label: 'dont non recevables',
    sub: true,
    unit: 'count',
    compute: (f) => f.nonReceivable,
    short: 'Non rec.',
    column: 'Non recevables',
    brief: true,
  },
  {
    key: 'takenInHand',
    source: 'tickets',
    label: 'dont prises en charge (attribuées)',
    sub: true,
    unit: 'count',
    compute: (f) => f.takenInHand,
    column: 'Prises en charge (attribuées)',
  },
  {
    key: 'meanTakeInHandDays',
    source: 'tickets',
    label: 'Délai moyen de prise en charge (jours ouvrés)',
    unit: 'days',
    compute: (f) => f.meanTakeInHandDays,
    column: 'Délai moyen de prise en charge (j ouvrés)',
  },
  {
    key: 'medianTakeInHandDays',
    source: 'tickets',
    label: 'Délai médian de prise en charge (jours ouvrés)',
    unit: 'days',
    compute: (f) => f.medianTakeInHandDays,
    column: 'Délai médian de prise en charge (j ouvrés)',
  },
  {
    key: 'responseRate',
    source: 'tickets',
    label: 'Taux de réponse',
    unit: 'rate',
    ratio: {
      numerator: { label: 'Recevables répondues', count: (f) => f.answeredReceivable },
      denominator: { label: 'Recevables', count: (f) => f.receivable },
      noun: 'recevables',
    },
    short: 'Réponse',
    kpi: { rank: 3, label: 'Taux de réponse', headline: (shown) => `taux de réponse ${shown}` },
  },
  {
    key: 'onTimeRate',
    source: 'tickets',
    label: 'Réponses dans les délais',
    unit: 'rate',
    ratio: {
      numerator: { label: 'Dans les délais', count: (f) => f.onTime },
      denominator: { label: 'Répondues', count: (f) => f.answered },
      noun: 'répondues',
    },
    short: 'Délais tenus',
    column: 'Taux dans les délais',
  },
  {
    key: 'meanAnswerDays',
    source: 'tickets',
    label: 'Délai moyen de réponse',
    unit: 'days',
    compute: (f) => f.meanAnswerDays,
    short: 'Rép. moy.',
  },
  {
    key: 'medianAnswerDays',
    source: 'tickets',
    label: 'Délai médian de réponse',
    unit: 'days',
    compute: (f) => f.medianAnswerDays,
  },
  {
    key: 'closed',
    source: 'tickets',
    label: 'Réclamations clôturées',
    unit: 'count',
    compute: (f) => f.closed,
    short: 'Clôturées',
    column: 'Clôturées',
    kpi: { rank: 2, label: 'Clôturées', headline: plural('clôturée') },
    brief: true,
  },
  {
    key: 'meanCloseDays',
    source: 'tickets',
    label: 'Délai moyen de clôture',
    unit: 'days',
    compute: (f) => f.meanCloseDays,
    short: 'Clôt. moy.',
  },
  {
    key: 'medianCloseDays',
    source: 'tickets',
    label: 'Délai médian de clôture',
    unit: 'days',
    compute: (f) => f.medianCloseDays,
  },
  {
    key: 'effectiveRate',
    source: 'tickets',
    label: 'Efficacité : réponses OUI',
    unit: 'rate',
    ratio: {
      numerator: { label: 'Efficacité : OUI', count: (f) => f.effectiveYes },
      denominator: { label: 'Efficacité : OUI ou NON', count: (f) => f.effectiveYes + f.effectiveNo },
      noun: 'réponses',
    },
    column: 'Taux de OUI (efficacité)',
  },
  {
    key: 'effectivenessSilences',
    source: 'tickets',
    label: 'Vérifications closes sans réponse (silence)',
    unit: 'count',
    compute: (f) => f.effectivenessSilences,
    column: 'Efficacité : silences',
  },
  { key: 'reopenings', source: 'tickets', label: 'Réouvertures', unit: 'count', compute: (f) => f.reopenings },
  {
    key: 'escalations',
    source: 'tickets',
    label: 'Signalements à la direction',
    unit: 'count',
    compute: (f) => f.escalations,
    column: 'Signalements à la direction',
  },
  {
    key: 'open',
    source: 'backlog',
    label: 'En cours en fin de période',
    unit: 'count',
    compute: (b) => b.open,
    short: 'En cours',
    column: 'En cours',
  },
  {
    key: 'age0to7',
    source: 'backlog',
    label: '0 à 7 jours',
    unit: 'count',
    compute: (b) => b.age0to7,
    short: '0 à 7 j',
    overview: false,
  },
  {
    key: 'age8to15',
    source: 'backlog',
    label: '8 à 15 jours',
    unit: 'count',
    compute: (b) => b.age8to15,
    short: '8 à 15 j',
    overview: false,
  },
  {
    key: 'age16to30',
    source: 'backlog',
    label: '16 à 30 jours',
    unit: 'count',
    compute: (b) => b.age16to30,
    short: '16 à 30 j',
    overview: false,
  },
  {
    key: 'ageOver30',
    source: 'backlog',
    label: 'Plus de 30 jours',
    unit: 'count',
    compute: (b) => b.ageOver30,
    short: '> 30 j',
    overview: false,
  },
  {
    key: 'overdue',
    source: 'backlog',
    label: 'dont en retard',
    sub: true,
    unit: 'count',
    compute: (b) => b.overdue,
    short: 'En retard',
    column: 'En retard',
    kpi: { rank: 4, label: 'En retard', headline: (shown) => `${shown} en retard` },
  },
  {
    key: 'mailsSeen',
    source: 'pipeline',
    label: 'Messages reçus sur l’adresse des réclamations',
    unit: 'count',
    compute: (p) => p.mailsSeen,
  },
  {
    key: 'complaints',
    source: 'pipeline',
    label: 'nouvelles réclamations',
    sub: true,
    unit: 'count',
    compute: (p) => p.complaints,
  },
  {
    key: 'followUps',
    source: 'pipeline',
    label: 'relances des réclamants',
    sub: true,
    unit: 'count',
    compute: (p) => p.followUps,
  },
  {
    key: 'staffMails',
    source: 'pipeline',
    label: 'messages du personnel',
    sub: true,
    unit: 'count',
    compute: (p) => p.staffMails,
  },
  {
    key: 'autoReplies',
    source: 'pipeline',
    label: 'réponses automatiques écartées',
    sub: true,
    unit: 'count',
    compute: (p) => p.autoReplies,
  },
  {
    key: 'bounces',
    source: 'pipeline',
    label: 'avis de non-remise écartés',
    sub: true,
    unit: 'count',
    compute: (p) => p.bounces,
  },
  {
    key: 'ownMails',
    source: 'pipeline',
    label: 'nos propres messages écartés',
    sub: true,
    unit: 'count',
    compute: (p) => p.ownMails,
  },
  {
    key: 'quarantined',
    source: 'pipeline',
    label: 'mis en quarantaine',
    sub: true,
    unit: 'count',
    compute: (p) => p.quarantined,
  },
  {
    key: 'ticketsCreated',
    source: 'pipeline',
    label: 'Réclamations créées (tous canaux)',
    unit: 'count',
    compute: (p) => p.ticketsCreated,
  },
  {
    key: 'commandsApplied',
    source: 'pipeline',
    label: 'Commandes appliquées',
    unit: 'count',
    compute: (p) => p.commandsApplied,
  },
  {
    key: 'commandsRefused',
    source: 'pipeline',
    label: 'Commandes refusées',
    unit: 'count',
    compute: (p) => p.commandsRefused,
  },
  {
    key: 'commandsForged',
    source: 'pipeline',
    label: 'Commandes non authentifiées',
    unit: 'count',
    compute: (p) => p.commandsForged,
  },
  { key: 'outgoingSent', source: 'pipeline', label: 'Messages envoyés', unit: 'count', compute: (p) => p.outgoingSent },
  {
    key: 'outgoingFailed',
    source: 'pipeline',
    label: 'Envois en échec définitif',
    unit: 'count',
    compute: (p) => p.outgoingFailed,
  },
  {
    key: 'budgetExceeded',
    source: 'pipeline',
    label: 'Envois automatiques suspendus (limite)',
    unit: 'count',
    compute: (p) => p.budgetExceeded,
  },
  {
    key: 'anonymised',
    source: 'pipeline',
    label: 'Réclamations anonymisées (RGPD)',
    unit: 'count',
    compute: (p) => p.anonymised,
  },
];

/** A figure of tickets: the rate of its two counts, or what `compute` says. */
export function ticketValue(indicator: TicketIndicator, figures: TicketFigures): number | null {
  return indicator.ratio
    ? rate(indicator.ratio.numerator.count(figures), indicator.ratio.denominator.count(figures))
    : indicator.compute(figures);
}

/** The value of `indicator` for the figures of one moment and one group. */
export function indicatorValue(indicator: Indicator, figures: IndicatorFigures): number | null {
  switch (indicator.source) {
    case 'tickets':
      return ticketValue(indicator, figures.tickets);
    case 'backlog':
      return indicator.compute(figures.backlog);
    case 'pipeline':
      return indicator.compute(figures.pipeline);
  }
}

export const TICKET_INDICATORS = INDICATORS.filter((i): i is TicketIndicator => i.source === 'tickets');
export const BACKLOG_INDICATORS = INDICATORS.filter((i): i is BacklogIndicator => i.source === 'backlog');
export const PIPELINE_INDICATORS = INDICATORS.filter((i): i is PipelineIndicator => i.source === 'pipeline');

/** The rows of the overview: figures of tickets and of the backlog, except those only a table has. */
export const OVERVIEW_INDICATORS = INDICATORS.filter(
  (i): i is TicketIndicator | BacklogIndicator => i.source !== 'pipeline' && i.overview !== false,
);

/** The boxes at the top of the mail, in their order. */
export const KPI_INDICATORS = OVERVIEW_INDICATORS.filter((i) => i.kpi).sort((a, b) => a.kpi!.rank - b.kpi!.rank);

/** The indicator whose key is `key`. @throws Error for an unknown key (a typo in code, not in data). */
export function indicator(key: string): Indicator {
  const found = INDICATORS.find((i) => i.key === key);
  if (!found) throw new Error(`no indicator ${key}`);
  return found;
}

/** The response rate of a group: answered receivable tickets / receivable tickets. */
export function responseRate(figures: TicketFigures): number | null {
  return ticketValue(indicator('responseRate') as TicketIndicator, figures);
}

/** One column of a table of groups (by level, category… for tickets; by level for the backlog). */
export interface IndicatorColumn<F> {
  readonly key: string;
  readonly header: string;
  readonly unit: FigureUnit;
  readonly value: (figures: F) => number | null;
}

/** The header of a spreadsheet column: « Délai moyen de réponse (j) ». */
function sheetHeader(indicator: TicketIndicator | BacklogIndicator): string {
  return indicator.column ?? (indicator.unit === 'days' ? `${indicator.label} (j)` : indicator.label);
}

/**
 * The columns of the tables of tickets by group: in the mail, the indicators that have a short
 * header (`brief`: those of its short tables of counts); in the spreadsheet, every one, a rate
 * after its denominator and numerator.
 */
export function ticketColumns(medium: 'mail' | 'brief' | 'sheet'): IndicatorColumn<TicketFigures>[] {
  if (medium === 'mail' || medium === 'brief')
    return TICKET_INDICATORS.filter((i) => i.short && (medium === 'mail' || i.brief)).map((i) => ({
      key: i.key,
      header: i.short!,
      unit: i.unit,
      value: (f) => ticketValue(i, f),
    }));
  return TICKET_INDICATORS.flatMap((i) => [
    ...(i.ratio
      ? [i.ratio.denominator, i.ratio.numerator].map((part, n) => ({
          key: `${i.key}.${n === 0 ? 'denominator' : 'numerator'}`,
          header: part.label,
          unit: 'count' as const,
          value: part.count,
        }))
      : []),
    { key: i.key, header: sheetHeader(i), unit: i.unit, value: (f: TicketFigures) => ticketValue(i, f) },
  ]);
}

/** The columns of the backlog table by level (mail: short headers; spreadsheet: full ones). */
export function backlogColumns(medium: 'mail' | 'sheet'): IndicatorColumn<BacklogFigures>[] {
  return BACKLOG_INDICATORS.filter((i) => medium === 'sheet' || i.short).map((i) => ({
    key: i.key,
    header: medium === 'mail' ? i.short! : sheetHeader(i),
    unit: i.unit,
    value: i.compute,
  }));
}
