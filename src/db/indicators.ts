// Indicator queries over tickets and their audit events (SPEC §5), for any time range. Period
// boundaries are instants computed by the caller in the organisation's time zone
// (src/domain/period.ts), so no query depends on the database's own time zone setting. Plain SQL
// that PostgreSQL 15 and PGlite both run; instants are bound as ISO text cast to timestamptz
// (postgres.js does not bind a Date inside a raw template) and read back as epoch milliseconds.
import { and, asc, gte, lt, sql, type SQL } from 'drizzle-orm';
import { EVENT_TYPES } from '../domain/event-types.js';
import type { TimeRange } from '../domain/period.js';
import type { Db } from './database.js';
import { rowsOf } from './database.js';
import { tickets } from './schema.js';

export const DIMENSIONS = ['level', 'category', 'requester', 'channel'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** The counted figures of one group of tickets; days are decimal, null when there is nothing to average. */
export interface TicketFigures {
  /** Received in the range (reception time within it). */
  readonly received: number;
  readonly nonReceivable: number;
  readonly receivable: number;
  /** Received in the range and answered (first answer) at or before `asOf`. */
  readonly answered: number;
  /** The response rate's numerator: receivable, received in the range, answered by `asOf`. */
  readonly answeredReceivable: number;
  /** Answered at or before the deadline, among `answered`. */
  readonly onTime: number;
  readonly meanAnswerDays: number | null;
  readonly medianAnswerDays: number | null;
  /** Closed within the range, whenever received. */
  readonly closed: number;
  readonly meanCloseDays: number | null;
  readonly medianCloseDays: number | null;
  /** `ticket.reopened` events within the range. */
  readonly reopenings: number;
}

export interface GroupFigures {
  /** The group's value: a level number as text, a category key, a requester type, a channel; null = not set. */
  readonly value: string | null;
  readonly figures: TicketFigures;
}

export interface RangeFigures {
  readonly overall: TicketFigures;
  readonly by: Record<Dimension, GroupFigures[]>;
}

const ts = (instant: Date): SQL => sql`${instant.toISOString()}::timestamptz`;

const LIFECYCLE = sql`(${EVENT_TYPES.closed}, ${EVENT_TYPES.rejected}, ${EVENT_TYPES.reopened})`;
const TERMINAL_STATUSES = sql`('closed', 'rejected')`;

/**
 * The closures within `range`: one row `(id, closed_at)` per ticket closed in it — its last
 * `ticket.closed` event in the range, or `closed_at` for a ticket that has no such event at all
 * (closed before the audit trail recorded closures, or imported).
 */
function closuresCte(range: TimeRange): SQL {
  return sql`closures as (
    select e.ticket_id as id, max(e.at) as closed_at
    from events e
    where e.type = ${EVENT_TYPES.closed} and e.at >= ${ts(range.start)} and e.at < ${ts(range.end)} and e.ticket_id is not null
    group by e.ticket_id
    union all
    select t.id, t.closed_at
    from tickets t
    where t.closed_at >= ${ts(range.start)} and t.closed_at < ${ts(range.end)}
      and not exists (select 1 from events e where e.ticket_id = t.id and e.type = ${EVENT_TYPES.closed})
  )`;
}

function toNumber(value: unknown): number {
  return Number(value ?? 0);
}

function toNullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function figuresOf(row: Record<string, unknown>): TicketFigures {
  return {
    received: toNumber(row.received),
    nonReceivable: toNumber(row.non_receivable),
    receivable: toNumber(row.receivable),
    answered: toNumber(row.answered),
    answeredReceivable: toNumber(row.answered_receivable),
    onTime: toNumber(row.on_time),
    meanAnswerDays: toNullableNumber(row.mean_answer_days),
    medianAnswerDays: toNullableNumber(row.median_answer_days),
    closed: toNumber(row.closed),
    meanCloseDays: toNullableNumber(row.mean_close_days),
    medianCloseDays: toNullableNumber(row.median_close_days),
    reopenings: toNumber(row.reopenings),
  };
}

export const EMPTY_FIGURES: TicketFigures = {
  received: 0,
  nonReceivable: 0,
  receivable: 0,
  answered: 0,
  answeredReceivable: 0,
  onTime: 0,
  meanAnswerDays: null,
  medianAnswerDays: null,
  closed: 0,
  meanCloseDays: null,
  medianCloseDays: null,
  reopenings: 0,
};

/**
 * Reception, answer, closure and reopening figures for `range`, overall and by level, category,
 * requester type and channel (the ticket's current qualification). Answers count only when
 * recorded at or before `asOf` (the moment the figures describe), so an earlier period can be
 * measured as it stood at the same distance from its end.
 */
export async function rangeFigures(db: Db, range: TimeRange, asOf: Date): Promise<RangeFigures> {
  const result = await db.execute(sql`
    with ${closuresCte(range)},
    reopenings as (
      select e.ticket_id as id, count(*) as n
      from events e
      where e.type = ${EVENT_TYPES.reopened} and e.at >= ${ts(range.start)} and e.at < ${ts(range.end)} and e.ticket_id is not null
      group by e.ticket_id
    ),
    concerned as (
      select id from tickets where received_at >= ${ts(range.start)} and received_at < ${ts(range.end)}
      union select id from closures
      union select id from reopenings
    ),
    facts as (
      select t.level, t.category, t.requester, t.channel, t.receivable,
        (t.received_at >= ${ts(range.start)} and t.received_at < ${ts(range.end)}) as received,
        case when t.answered_at <= ${ts(asOf)} then (extract(epoch from (t.answered_at - t.received_at)) / 86400.0)::float8 end as answer_days,
        coalesce(t.answered_at <= ${ts(asOf)} and t.answered_at <= t.deadline_at, false) as on_time,
        (extract(epoch from (c.closed_at - t.received_at)) / 86400.0)::float8 as close_days,
        coalesce(r.n, 0) as reopenings
      from concerned k
      join tickets t on t.id = k.id
      left join closures c on c.id = t.id
      left join reopenings r on r.id = t.id
    )
    select grouping(level) as g_level, grouping(category) as g_category, grouping(requester) as g_requester, grouping(channel) as g_channel,
      level, category, requester, channel,
      count(*) filter (where received)::int as received,
      count(*) filter (where received and not receivable)::int as non_receivable,
      count(*) filter (where received and receivable)::int as receivable,
      count(*) filter (where received and answer_days is not null)::int as answered,
      count(*) filter (where received and receivable and answer_days is not null)::int as answered_receivable,
      count(*) filter (where received and on_time)::int as on_time,
      (avg(answer_days) filter (where received))::float8 as mean_answer_days,
      (percentile_cont(0.5) within group (order by answer_days) filter (where received))::float8 as median_answer_days,
      count(close_days)::int as closed,
      avg(close_days)::float8 as mean_close_days,
      (percentile_cont(0.5) within group (order by close_days))::float8 as median_close_days,
      coalesce(sum(reopenings), 0)::int as reopenings
    from facts
    group by grouping sets ((), (level), (category), (requester), (channel))`);

  let overall: TicketFigures = EMPTY_FIGURES;
  const by: Record<Dimension, GroupFigures[]> = { level: [], category: [], requester: [], channel: [] };
  for (const row of rowsOf<Record<string, unknown>>(result)) {
    const grouped = DIMENSIONS.filter((d) => Number(row[`g_${d}`]) === 0);
    const figures = figuresOf(row);
    if (grouped.length === 0) {
      overall = figures;
      continue;
    }
    const dimension = grouped[0]!;
    const value = row[dimension];
    by[dimension].push({ value: value === null || value === undefined ? null : String(value), figures });
  }
  return { overall, by };
}

export interface BacklogFigures {
  /** Open (neither closed nor rejected) at the instant. */
  readonly open: number;
  /** Completed days since reception: 0–7, 8–15, 16–30, more than 30. */
  readonly age0to7: number;
  readonly age8to15: number;
  readonly age16to30: number;
  readonly ageOver30: number;
  /** Open with a deadline before the instant. */
  readonly overdue: number;
}

/**
 * The tickets open at `at`, as `open_at(id, …)`: the current state for tickets whose life cycle
 * (closed, rejected, reopened) has not moved since `at`, otherwise the state left by their last
 * life-cycle event before `at` (open when there is none: every ticket starts open).
 */
function openAtCte(at: Date): SQL {
  return sql`moved as (
    select ticket_id as id from events
    where type in ${LIFECYCLE} and at >= ${ts(at)} and ticket_id is not null
    union
    select id from tickets where closed_at >= ${ts(at)}
  ),
  candidates as (
    select id from tickets where status not in ${TERMINAL_STATUSES} and received_at < ${ts(at)}
    union
    select id from moved
  ),
  open_at as (
    select t.id, t.level, t.received_at, t.deadline_at,
      floor(extract(epoch from (${ts(at)} - t.received_at)) / 86400.0)::int as age_days
    from candidates c
    join tickets t on t.id = c.id
    left join moved m on m.id = t.id
    where t.received_at < ${ts(at)}
      and case
        when m.id is null then t.status not in ${TERMINAL_STATUSES}
        else coalesce((
          select e.type = ${EVENT_TYPES.reopened} from events e
          where e.ticket_id = t.id and e.type in ${LIFECYCLE} and e.at < ${ts(at)}
          order by e.at desc, e.id desc limit 1), true)
      end
  )`;
}

/** The backlog at `at` (a period's end), overall and by level. */
export async function backlogAt(db: Db, at: Date): Promise<{ overall: BacklogFigures; byLevel: { level: number; figures: BacklogFigures }[] }> {
  const result = await db.execute(sql`
    with ${openAtCte(at)}
    select grouping(level) as g_level, level,
      count(*)::int as open,
      count(*) filter (where age_days <= 7)::int as age_0_7,
      count(*) filter (where age_days between 8 and 15)::int as age_8_15,
      count(*) filter (where age_days between 16 and 30)::int as age_16_30,
      count(*) filter (where age_days > 30)::int as age_over_30,
      count(*) filter (where deadline_at < ${ts(at)})::int as overdue
    from open_at
    group by grouping sets ((), (level))`);
  const empty: BacklogFigures = { open: 0, age0to7: 0, age8to15: 0, age16to30: 0, ageOver30: 0, overdue: 0 };
  let overall = empty;
  const byLevel: { level: number; figures: BacklogFigures }[] = [];
  for (const row of rowsOf<Record<string, unknown>>(result)) {
    const figures: BacklogFigures = {
      open: toNumber(row.open),
      age0to7: toNumber(row.age_0_7),
      age8to15: toNumber(row.age_8_15),
      age16to30: toNumber(row.age_16_30),
      ageOver30: toNumber(row.age_over_30),
      overdue: toNumber(row.overdue),
    };
    if (Number(row.g_level) === 1) overall = figures;
    else byLevel.push({ level: Number(row.level), figures });
  }
  byLevel.sort((a, b) => a.level - b.level);
  return { overall, byLevel };
}

/** One overdue ticket. Content fields are raw: the caller hides them from those who may not see them. */
export interface OverdueTicket {
  readonly id: number;
  readonly reference: string;
  readonly level: number;
  readonly category: string | null;
  readonly status: string;
  readonly confidential: boolean;
  readonly receivedAt: Date;
  readonly deadlineAt: Date;
  readonly assigneeEmail: string | null;
  readonly subject: string;
  readonly complainantName: string;
  readonly complainantEmail: string | null;
}

/** Tickets open at `at` whose deadline was before `at`, the most overdue first. */
export async function overdueTicketsAt(db: Db, at: Date): Promise<OverdueTicket[]> {
  const result = await db.execute(sql`
    with ${openAtCte(at)}
    select t.id, t.reference, t.level, t.category, t.status, t.confidential, t.assignee_email, t.subject,
      t.complainant_name, t.complainant_email,
      (extract(epoch from t.received_at) * 1000)::float8 as received_ms,
      (extract(epoch from t.deadline_at) * 1000)::float8 as deadline_ms
    from open_at o join tickets t on t.id = o.id
    where t.deadline_at < ${ts(at)}
    order by t.deadline_at, t.id`);
  return rowsOf<Record<string, unknown>>(result).map((row) => ({
    id: Number(row.id),
    reference: String(row.reference),
    level: Number(row.level),
    category: row.category === null ? null : String(row.category),
    status: String(row.status),
    confidential: row.confidential === true || row.confidential === 't',
    receivedAt: new Date(Number(row.received_ms)),
    deadlineAt: new Date(Number(row.deadline_ms)),
    assigneeEmail: row.assignee_email === null ? null : String(row.assignee_email),
    subject: String(row.subject ?? ''),
    complainantName: String(row.complainant_name ?? ''),
    complainantEmail: row.complainant_email === null ? null : String(row.complainant_email),
  }));
}

/** What the mail pipeline did within a range: so that a silent loss would show. */
export interface PipelineFigures {
  /** Every inbound mail recorded (messages) or quarantined, by its reception time. */
  readonly mailsSeen: number;
  /** Inbound mails by what they were: new complaint, follow-up, staff mail, auto-reply, bounce, our own mail. */
  readonly complaints: number;
  readonly followUps: number;
  readonly staffMails: number;
  readonly autoReplies: number;
  readonly bounces: number;
  readonly ownMails: number;
  readonly quarantined: number;
  /** `ticket.received` events: tickets created from mail and logged by staff. */
  readonly ticketsCreated: number;
  readonly commandsApplied: number;
  readonly commandsRefused: number;
  /** Command mails that failed authentication (`command.forged`). */
  readonly commandsForged: number;
  readonly outgoingSent: number;
  /** Outgoing mails given up (`outbox.dead`). */
  readonly outgoingFailed: number;
  /** Automatic mails withheld because an address exhausted its budget. */
  readonly budgetExceeded: number;
}

export async function pipelineFigures(db: Db, range: TimeRange): Promise<PipelineFigures> {
  const within = (column: string) => sql`${sql.raw(column)} >= ${ts(range.start)} and ${sql.raw(column)} < ${ts(range.end)}`;
  const kinds = rowsOf<{ kind: string; n: number }>(
    await db.execute(sql`select kind, count(*)::int as n from messages where ${within('received_at')} group by kind`),
  );
  const types = rowsOf<{ type: string; n: number }>(
    await db.execute(sql`
      select type, count(*)::int as n from events
      where ${within('at')} and type in (${EVENT_TYPES.received}, ${EVENT_TYPES.commandApplied}, ${EVENT_TYPES.commandRefused},
        ${EVENT_TYPES.commandForged}, ${EVENT_TYPES.outboxDead}, ${EVENT_TYPES.mailBudgetExceeded})
      group by type`),
  );
  const [counts] = rowsOf<{ quarantined: number; sent: number }>(
    await db.execute(sql`
      select (select count(*)::int from quarantine where ${within('received_at')}) as quarantined,
             (select count(*)::int from outbox where ${within('sent_at')}) as sent`),
  );
  const kind = (k: string) => toNumber(kinds.find((r) => r.kind === k)?.n);
  const type = (t: string) => toNumber(types.find((r) => r.type === t)?.n);
  const quarantined = toNumber(counts?.quarantined);
  return {
    mailsSeen: kinds.reduce((sum, r) => sum + toNumber(r.n), 0) + quarantined,
    complaints: kind('complaint'),
    followUps: kind('follow-up'),
    staffMails: kind('staff'),
    autoReplies: kind('auto-reply'),
    bounces: kind('bounce'),
    ownMails: kind('own'),
    quarantined,
    ticketsCreated: type(EVENT_TYPES.received),
    commandsApplied: type(EVENT_TYPES.commandApplied),
    commandsRefused: type(EVENT_TYPES.commandRefused),
    commandsForged: type(EVENT_TYPES.commandForged),
    outgoingSent: toNumber(counts?.sent),
    outgoingFailed: type(EVENT_TYPES.outboxDead),
    budgetExceeded: type(EVENT_TYPES.mailBudgetExceeded),
  };
}

export interface TrendPoint {
  /** Index of the range in the list given. */
  readonly index: number;
  readonly level: number;
  readonly received: number;
  readonly closed: number;
}

/**
 * Tickets received and closed (closures as in `rangeFigures`) in each of `ranges` — consecutive
 * ranges, oldest first, e.g. twelve months — by level. Only non-zero points are returned.
 */
export async function trendByLevel(db: Db, ranges: readonly TimeRange[]): Promise<TrendPoint[]> {
  if (ranges.length === 0) return [];
  const bounds = [...ranges.map((r) => r.start), ranges[ranges.length - 1]!.end];
  const first = bounds[0]!;
  const last = bounds[bounds.length - 1]!;
  const thresholds = sql`${`{${bounds.map((b) => `"${b.toISOString()}"`).join(',')}}`}::timestamptz[]`;
  const result = await db.execute(sql`
    with ${closuresCte({ start: first, end: last })},
    month_closures as (
      select distinct e.ticket_id as id, width_bucket(e.at, ${thresholds}) as bucket
      from events e
      where e.type = ${EVENT_TYPES.closed} and e.at >= ${ts(first)} and e.at < ${ts(last)} and e.ticket_id is not null
      union
      select c.id, width_bucket(c.closed_at, ${thresholds}) from closures c
      where not exists (select 1 from events e where e.ticket_id = c.id and e.type = ${EVENT_TYPES.closed})
    ),
    received as (
      select width_bucket(received_at, ${thresholds}) as bucket, level, count(*)::int as n
      from tickets where received_at >= ${ts(first)} and received_at < ${ts(last)}
      group by 1, 2
    ),
    closed as (
      select m.bucket, t.level, count(*)::int as n
      from month_closures m join tickets t on t.id = m.id
      group by 1, 2
    )
    select coalesce(r.bucket, c.bucket) as bucket, coalesce(r.level, c.level) as level,
      coalesce(r.n, 0) as received, coalesce(c.n, 0) as closed
    from received r full join closed c on c.bucket = r.bucket and c.level = r.level
    order by 1, 2`);
  return rowsOf<Record<string, unknown>>(result).map((row) => ({
    index: Number(row.bucket) - 1,
    level: Number(row.level),
    received: toNumber(row.received),
    closed: toNumber(row.closed),
  }));
}

/** One ticket of a period as the spreadsheet and the export list it; content fields are raw. */
export interface TicketLine {
  readonly id: number;
  readonly reference: string;
  readonly receivedAt: Date;
  readonly channel: string;
  readonly requester: string | null;
  readonly category: string | null;
  readonly typology: string | null;
  readonly level: number;
  readonly receivable: boolean;
  readonly confidential: boolean;
  readonly registeredLetter: boolean;
  readonly status: string;
  readonly deadlineAt: Date;
  readonly answeredAt: Date | null;
  readonly closedAt: Date | null;
  readonly assigneeEmail: string | null;
  readonly subject: string;
  readonly complainantName: string;
  readonly complainantEmail: string | null;
  /** Every `ticket.reopened` event of the ticket so far. */
  readonly reopenings: number;
}

/** The tickets received within `range`, oldest first. */
export async function ticketsReceivedIn(db: Db, range: TimeRange): Promise<TicketLine[]> {
  return db
    .select({
      id: tickets.id,
      reference: tickets.reference,
      receivedAt: tickets.receivedAt,
      channel: tickets.channel,
      requester: tickets.requester,
      category: tickets.category,
      typology: tickets.typology,
      level: tickets.level,
      receivable: tickets.receivable,
      confidential: tickets.confidential,
      registeredLetter: tickets.registeredLetter,
      status: tickets.status,
      deadlineAt: tickets.deadlineAt,
      answeredAt: tickets.answeredAt,
      closedAt: tickets.closedAt,
      assigneeEmail: tickets.assigneeEmail,
      subject: tickets.subject,
      complainantName: tickets.complainantName,
      complainantEmail: tickets.complainantEmail,
      // Qualified by hand: drizzle writes a bare "id" inside a select, which the subquery would read as events.id.
      reopenings: sql<number>`(select count(*)::int from events e where e.ticket_id = "tickets"."id" and e.type = ${EVENT_TYPES.reopened})`.mapWith(Number),
    })
    .from(tickets)
    .where(and(gte(tickets.receivedAt, range.start), lt(tickets.receivedAt, range.end)))
    .orderBy(asc(tickets.receivedAt), asc(tickets.id));
}
