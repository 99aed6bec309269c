// Indicator queries over tickets and their audit events (SPEC §5), for any time range. Period
// boundaries are instants computed by the caller in the organisation's time zone
// (src/domain/period.ts), so no query depends on the database's own time zone setting. Plain SQL
// that PostgreSQL 15 and PGlite both run; instants are bound as ISO text cast to timestamptz
// (postgres.js does not bind a Date inside a raw template) and read back as epoch milliseconds.
import { and, asc, gte, lt, sql, type SQL } from 'drizzle-orm';
import { EVENT_TYPES } from '../domain/event-types.js';
import { EMPTY_FIGURES } from '../domain/indicators.js';
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
  /** `ticket.escalated` events (to the direction, either round) within the range. */
  readonly escalations: number;
  /** `ticket.effectiveness` events within the range: OUI and NON given (by the complainant, or recorded by staff)… */
  readonly effectiveYes: number;
  readonly effectiveNo: number;
  /** …and checks closed by the complainant's silence (`source: 'silence'`), counted apart. */
  readonly effectivenessSilences: number;
  /** Received in the range and assigned (first `ticket.assigned`) at or before `asOf`. */
  readonly takenInHand: number;
  /** Business days from reception to the first assignment (see `takeInHandBusinessDays`), among `takenInHand`. */
  readonly meanTakeInHandDays: number | null;
  readonly medianTakeInHandDays: number | null;
}

export interface GroupFigures {
  /** The group's value: a level number as text, a category key, a requester type, a channel; null = not set. */
  readonly value: string | null;
  readonly figures: TicketFigures;
}

/**
 * The figures by typology, in two versions: a typology of a confidential (medical) ticket is part
 * of its content (SPEC §4), so readers who are not doctors see the other tickets by typology and
 * the confidential ones together on one row.
 */
export interface TypologyFigures {
  /** Every ticket, by typology (null: none set): the doctors' table. */
  readonly all: GroupFigures[];
  /** The tickets that are not confidential, by typology… */
  readonly shared: GroupFigures[];
  /** …and every confidential ticket together. */
  readonly confidential: TicketFigures;
}

export interface RangeFigures {
  readonly overall: TicketFigures;
  readonly by: Record<Dimension, GroupFigures[]>;
  readonly typology: TypologyFigures;
}

/**
 * What business days are, for the take-in-hand delay: the organisation's time zone (local days)
 * and the public holidays (`YYYY-MM-DD`) of every year the delays can span.
 */
export interface BusinessCalendar {
  readonly timeZone: string;
  readonly holidays: readonly string[];
}

const ts = (instant: Date): SQL => sql`${instant.toISOString()}::timestamptz`;

const LIFECYCLE = sql`(${EVENT_TYPES.closed}, ${EVENT_TYPES.rejected}, ${EVENT_TYPES.reopened})`;
const TERMINAL_STATUSES = sql`('closed', 'rejected')`;

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
    escalations: toNumber(row.escalations),
    effectiveYes: toNumber(row.effective_yes),
    effectiveNo: toNumber(row.effective_no),
    effectivenessSilences: toNumber(row.effectiveness_silences),
    takenInHand: toNumber(row.taken_in_hand),
    meanTakeInHandDays: toNullableNumber(row.mean_take_in_hand_days),
    medianTakeInHandDays: toNullableNumber(row.median_take_in_hand_days),
  };
}

/**
 * Reception, take-in-hand, answer, escalation, effectiveness, closure and reopening figures for
 * `range`, overall and by level, category, requester type, channel and typology (the ticket's
 * current qualification). Answers and assignments count only when recorded at or before `asOf`
 * (the moment the figures describe), so an earlier period can be measured as it stood at the same
 * distance from its end. The take-in-hand delay is counted in business days of `calendar`.
 */
export async function rangeFigures(
  db: Db,
  range: TimeRange,
  asOf: Date,
  calendar: BusinessCalendar,
): Promise<RangeFigures> {
  const inRange = (column: string) =>
    sql`(${sql.raw(column)} >= ${ts(range.start)} and ${sql.raw(column)} < ${ts(range.end)})`;
  const holidays = sql`${`{${calendar.holidays.join(',')}}`}::date[]`;
  const localDay = (column: string) => sql`(${sql.raw(column)} at time zone ${calendar.timeZone})::date`;
  // The tickets concerned are read in one bitmap scan of tickets (received in the range, or whose
  // current closed_at is in it: almost every closure), not looked up one by one; only the tickets
  // closed (by event), reopened, escalated or checked in the range and since reopened are looked
  // up by id. A ticket closed_at in the range with no closure event in it falls back on closed_at
  // only when it has no `ticket.closed` event at all (as closuresCte), a probe made for those few
  // tickets only. The first assignment is probed (events_type_ticket_idx) for received tickets only.
  // The text dimensions are grouped in the "C" collation: the same groups, cheaper sorts.
  // PostgreSQL 15, 1 M tickets, one month, tables vacuumed (bench/plans/postgres/01-*.txt; 165–180 ms
  // before the take-in-hand, escalation and effectiveness figures and the typology sets):
  //   GroupAggregate (grouping sets; 26 k rows)
  //     CTE closure_events: GroupAggregate <- Index Only Scan using events_type_ticket_idx
  //       (closed; at filtered in the index)
  //     CTE reopenings: GroupAggregate <- Index Only Scan using events_type_ticket_idx (reopened)
  //     -> Sort -> Hash Right Join closure_events -> Hash Right Join reopenings
  //          -> Bitmap Heap Scan on tickets <- BitmapOr (tickets_received_at_idx, tickets_closed_at_received_at_idx,
  //               tickets_pkey: id = any (closure and reopening ids, 17 k: ~12 ms))
  //     SubPlan, only for a closed_at in the range without closure event in it: Index Scan using events_type_ticket_idx
  const result = await db.execute(sql`
    with closure_events as (
      select e.ticket_id as id, max(e.at) as closed_at
      from events e
      where e.type = ${EVENT_TYPES.closed} and ${inRange('e.at')} and e.ticket_id is not null
      group by e.ticket_id
    ),
    reopenings as (
      select e.ticket_id as id, count(*) as n
      from events e
      where e.type = ${EVENT_TYPES.reopened} and ${inRange('e.at')} and e.ticket_id is not null
      group by e.ticket_id
    ),
    escalations as (
      select e.ticket_id as id, count(*) as n
      from events e
      where e.type = ${EVENT_TYPES.escalated} and ${inRange('e.at')} and e.ticket_id is not null
      group by e.ticket_id
    ),
    checks as (
      select e.ticket_id as id,
        count(*) filter (where e.data->>'source' is distinct from 'silence' and e.data->>'effective' = 'true') as yes,
        count(*) filter (where e.data->>'source' is distinct from 'silence' and e.data->>'effective' = 'false') as no,
        count(*) filter (where e.data->>'source' = 'silence') as silences
      from events e
      where e.type = ${EVENT_TYPES.effectiveness} and ${inRange('e.at')} and e.ticket_id is not null
      group by e.ticket_id
    ),
    concerned as (
      select t.id, t.level, t.category, t.requester, t.channel, t.typology, t.confidential, t.receivable,
        t.received_at, t.answered_at, t.deadline_at, t.closed_at
      from tickets t
      where ${inRange('t.received_at')} or ${inRange('t.closed_at')}
        or t.id = any (array(select id from closure_events union all select id from reopenings
          union all select id from escalations union all select id from checks))
    ),
    assigned as (
      select k.*, ${inRange('k.received_at')} as received,
        (select min(e.at) from events e
          where e.type = ${EVENT_TYPES.assigned} and e.ticket_id = k.id and e.at <= ${ts(asOf)}
            and ${inRange('k.received_at')}) as assigned_at
      from concerned k
    ),
    facts as (
      select k.level, k.category collate "C" as category, k.requester collate "C" as requester,
        k.channel collate "C" as channel,
        k.typology collate "C" as typology, k.confidential, k.receivable, k.received,
        case when k.answered_at <= ${ts(asOf)}
          then (extract(epoch from (k.answered_at - k.received_at)) / 86400.0)::float8 end as answer_days,
        coalesce(k.answered_at <= ${ts(asOf)} and k.answered_at <= k.deadline_at, false) as on_time,
        (extract(epoch from (coalesce(c.closed_at, case when ${inRange('k.closed_at')} then
          case when (select e.id from events e where e.ticket_id = k.id and e.type = ${EVENT_TYPES.closed} limit 1)
            is null then k.closed_at end
          end) - k.received_at)) / 86400.0)::float8 as close_days,
        -- Business days after the reception's local day up to the assignment's, the reception moved
        -- to the next business day when it fell on a weekend or holiday (takeInHandBusinessDays).
        case when k.assigned_at is not null then (
          select greatest(0, count(*) filter (where extract(isodow from g.d) < 6 and g.d::date <> all (${holidays}))
            - case when extract(isodow from ${localDay('k.received_at')}) >= 6
                or ${localDay('k.received_at')} = any (${holidays})
              then 1 else 0 end)::float8
          from generate_series(${localDay('k.received_at')} + 1, ${localDay('k.assigned_at')}, interval '1 day') g(d)
        ) end as take_days,
        coalesce(r.n, 0) as reopenings,
        coalesce(x.n, 0) as escalations,
        coalesce(v.yes, 0) as effective_yes,
        coalesce(v.no, 0) as effective_no,
        coalesce(v.silences, 0) as effectiveness_silences
      from assigned k
      left join closure_events c on c.id = k.id
      left join reopenings r on r.id = k.id
      left join escalations x on x.id = k.id
      left join checks v on v.id = k.id
    )
    select grouping(level) as g_level, grouping(category) as g_category, grouping(requester) as g_requester,
      grouping(channel) as g_channel, grouping(typology) as g_typology, grouping(confidential) as g_confidential,
      level, category, requester, channel, typology, confidential,
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
      coalesce(sum(reopenings), 0)::int as reopenings,
      coalesce(sum(escalations), 0)::int as escalations,
      coalesce(sum(effective_yes), 0)::int as effective_yes,
      coalesce(sum(effective_no), 0)::int as effective_no,
      coalesce(sum(effectiveness_silences), 0)::int as effectiveness_silences,
      count(*) filter (where received and take_days is not null)::int as taken_in_hand,
      (avg(take_days) filter (where received))::float8 as mean_take_in_hand_days,
      (percentile_cont(0.5) within group (order by take_days) filter (where received))::float8
        as median_take_in_hand_days
    from facts
    -- a ticket closed_at in the range whose closure event is not in it, neither received nor
    -- reopened, escalated or checked in it: not concerned
    where received or close_days is not null or reopenings > 0 or escalations > 0
      or effective_yes + effective_no + effectiveness_silences > 0
    group by grouping sets ((), (level), (category), (requester), (channel), (typology), (typology, confidential),
      (confidential))`);

  let overall: TicketFigures = EMPTY_FIGURES;
  const by: Record<Dimension, GroupFigures[]> = { level: [], category: [], requester: [], channel: [] };
  const typology: { all: GroupFigures[]; shared: GroupFigures[]; confidential: TicketFigures } = {
    all: [],
    shared: [],
    confidential: EMPTY_FIGURES,
  };
  const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
  const isTrue = (value: unknown) => value === true || value === 't';
  for (const row of rowsOf<Record<string, unknown>>(result)) {
    const figures = figuresOf(row);
    const byTypology = Number(row.g_typology) === 0;
    const byConfidential = Number(row.g_confidential) === 0;
    if (byTypology && byConfidential) {
      if (!isTrue(row.confidential)) typology.shared.push({ value: text(row.typology), figures });
      continue;
    }
    if (byTypology) {
      typology.all.push({ value: text(row.typology), figures });
      continue;
    }
    if (byConfidential) {
      if (isTrue(row.confidential)) typology.confidential = figures;
      continue;
    }
    const grouped = DIMENSIONS.filter((d) => Number(row[`g_${d}`]) === 0);
    if (grouped.length === 0) {
      overall = figures;
      continue;
    }
    const dimension = grouped[0]!;
    by[dimension].push({ value: text(row[dimension]), figures });
  }
  return { overall, by, typology };
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
 *
 * Only the tickets received before `at` that can be open at `at` are examined, found from indexed
 * columns, not by rewinding every ticket whose life cycle moved since (a year ago: 200 000):
 * - open now (`tickets_open_received_idx`: the current backlog);
 * - closed now and since `at` (`closed_at` is the last closure; an hour's margin covers a closure
 *   event recorded a moment after the `closed_at` written with it);
 * - rejected since `at` (`ticket.rejected` events since then; rejecting leaves `closed_at` empty).
 * Any other ticket received before `at` is terminal now and was already at `at`: each transition
 * to closed writes `closed_at` and a `ticket.closed` event, each rejection a `ticket.rejected`
 * event, and reopening clears `closed_at` and leaves the ticket open.
 */
// PostgreSQL 15, 1 M tickets, a year before (bench/plans/postgres/12-*.txt; 155 ms, was 2 s rewinding 200 k tickets):
//   MixedAggregate
//     -> Nested Loop
//          -> HashAggregate (22 k candidates) <- Append
//               Index Scan using tickets_open_received_idx
//               Bitmap Heap Scan on tickets <- tickets_closed_at_received_at_idx (closed_at >= …, received_at < …)
//               Index Only Scan using events_type_ticket_idx (rejected, at >= …)
//          -> Index Scan using tickets_pkey (received_at < …; CASE)
//               SubPlan (moved since?): Index Scan using events_ticket_idx
//               SubPlan (last life-cycle event before, 10 k tickets): Index Scan using events_type_ticket_idx
function openAtCte(at: Date): SQL {
  return sql`candidates as (
    select id from tickets where status not in ${TERMINAL_STATUSES} and received_at < ${ts(at)}
    union
    select id from tickets where closed_at >= ${ts(at)}::timestamptz - interval '1 hour' and received_at < ${ts(at)}
    union
    select ticket_id from events where type = ${EVENT_TYPES.rejected} and at >= ${ts(at)} and ticket_id is not null
  ),
  open_at as (
    select t.id, t.level, t.received_at, t.deadline_at,
      floor(extract(epoch from (${ts(at)} - t.received_at)) / 86400.0)::int as age_days
    from candidates c
    join tickets t on t.id = c.id
    where t.received_at < ${ts(at)}
      and case
        when t.closed_at >= ${ts(at)}
          or exists (select 1 from events e where e.ticket_id = t.id and e.type in ${LIFECYCLE} and e.at >= ${ts(at)})
        then coalesce((
          select e.type = ${EVENT_TYPES.reopened} from events e
          where e.ticket_id = t.id and e.type in ${LIFECYCLE} and e.at < ${ts(at)}
          order by e.at desc, e.id desc limit 1), true)
        else t.status not in ${TERMINAL_STATUSES}
      end
  )`;
}

/** The backlog at `at` (a period's end), overall and by level. */
export async function backlogAt(
  db: Db,
  at: Date,
): Promise<{ overall: BacklogFigures; byLevel: { level: number; figures: BacklogFigures }[] }> {
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

/** One escalation to the direction (`ticket.escalated`); content fields are left out: none is shown. */
export interface EscalationLine {
  readonly ticketId: number;
  readonly reference: string;
  readonly level: number;
  readonly status: string;
  readonly confidential: boolean;
  readonly deadlineAt: Date;
  readonly assigneeEmail: string | null;
  readonly at: Date;
  /** 1: overdue by `escalation.after`; 2: the direction's own delay passed too. */
  readonly round: number;
  /** The addresses it was sent to. */
  readonly to: readonly string[];
  /** The direction's own deadline; null when the event did not say. */
  readonly dueAt: Date | null;
}

/** The escalations to the direction recorded within `range`, oldest first. */
export async function escalationsIn(db: Db, range: TimeRange): Promise<EscalationLine[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select e.ticket_id, e.data, (extract(epoch from e.at) * 1000)::float8 as at_ms,
        t.reference, t.level, t.status, t.confidential, t.assignee_email,
        (extract(epoch from t.deadline_at) * 1000)::float8 as deadline_ms
      from events e join tickets t on t.id = e.ticket_id
      where e.type = ${EVENT_TYPES.escalated} and e.at >= ${ts(range.start)} and e.at < ${ts(range.end)}
      order by e.at, e.id`),
  );
  return rows.map((row) => {
    const data = (typeof row.data === 'string' ? JSON.parse(row.data) : (row.data ?? {})) as {
      round?: unknown;
      to?: unknown;
      dueAt?: unknown;
    };
    const dueAt = typeof data.dueAt === 'string' ? new Date(data.dueAt) : null;
    return {
      ticketId: Number(row.ticket_id),
      reference: String(row.reference),
      level: Number(row.level),
      status: String(row.status),
      confidential: row.confidential === true || row.confidential === 't',
      deadlineAt: new Date(Number(row.deadline_ms)),
      assigneeEmail: row.assignee_email === null ? null : String(row.assignee_email),
      at: new Date(Number(row.at_ms)),
      round: Number(data.round) === 2 ? 2 : 1,
      to: Array.isArray(data.to) ? data.to.filter((a): a is string => typeof a === 'string') : [],
      dueAt: dueAt && !Number.isNaN(dueAt.getTime()) ? dueAt : null,
    };
  });
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
  /** Tickets anonymised (`ticket.anonymised`: RGPD erasure or retention). */
  readonly anonymised: number;
}

/** An outage of outgoing mail, from the `outbox.recovered` event that ended it. */
export interface SendingOutage {
  /** When the first mail given up during it was queued. */
  readonly since: Date;
  /** When SMTP answered again. */
  readonly until: Date;
  /** Mails given up on transient failures during it. */
  readonly deadMails: number;
  /** Pilot alerts that had died with them and were queued again. */
  readonly alertsRequeued: number;
}

/** The sending outages that ended within `range` (`outbox.recovered` events), oldest first. */
export async function sendingOutages(db: Db, range: TimeRange): Promise<SendingOutage[]> {
  const rows = rowsOf<{ at: string | Date; data: unknown }>(
    await db.execute(sql`
      select at, data from events
      where type = ${EVENT_TYPES.outboxRecovered} and at >= ${ts(range.start)} and at < ${ts(range.end)}
      order by at, id`),
  );
  return rows.map((row) => {
    const data = (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as {
      since?: string;
      deadMails?: number;
      requeued?: unknown[];
    };
    const until = new Date(row.at);
    return {
      since: data.since ? new Date(data.since) : until,
      until,
      deadMails: toNumber(data.deadMails),
      alertsRequeued: Array.isArray(data.requeued) ? data.requeued.length : 0,
    };
  });
}

export async function pipelineFigures(db: Db, range: TimeRange): Promise<PipelineFigures> {
  const within = (column: string) =>
    sql`${sql.raw(column)} >= ${ts(range.start)} and ${sql.raw(column)} < ${ts(range.end)}`;
  const kinds = rowsOf<{ kind: string; n: number }>(
    await db.execute(sql`select kind, count(*)::int as n from messages where ${within('received_at')} group by kind`),
  );
  const types = rowsOf<{ type: string; n: number }>(
    await db.execute(sql`
      select type, count(*)::int as n from events
      where ${within('at')} and type in (${EVENT_TYPES.received}, ${EVENT_TYPES.commandApplied},
        ${EVENT_TYPES.commandRefused}, ${EVENT_TYPES.commandForged}, ${EVENT_TYPES.outboxDead},
        ${EVENT_TYPES.mailBudgetExceeded}, ${EVENT_TYPES.anonymised})
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
    anonymised: type(EVENT_TYPES.anonymised),
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
  const inRange = (column: string) => sql`${sql.raw(column)} >= ${ts(first)} and ${sql.raw(column)} < ${ts(last)}`;
  // Closures as in rangeFigures, counted once per ticket and month: each `ticket.closed` event of
  // the months, and closed_at for a ticket with no such event at all (looked for only among the
  // tickets closed_at in the months without closure event in them). Receptions and the closures'
  // levels come from one scan of the tickets received in the months or closed since the first
  // (a closure's ticket is one of them unless reopened and open again: looked up by id then).
  // PostgreSQL 15, 1 M tickets, twelve months, tables vacuumed (bench/plans/postgres/17-*.txt; 420–460 ms,
  // was 2.6 s):
  //   Sort <- Hash Full Join (received, closed)
  //     CTE recent: Bitmap Heap Scan on tickets
  //       <- BitmapOr (tickets_received_at_idx, tickets_closed_at_received_at_idx)  210 k rows
  //     closed: GroupAggregate <- Sort <- Hash Full Join (recent closed since, closure_events)
  //       closure_events: Group <- Incremental Sort
  //         <- Index Only Scan using events_type_ticket_idx (closed, 12 months)  200 k rows
  //       SubPlans: level by tickets_pkey (reopened, open again: ~200); no closed event at all
  //         (events_type_ticket_idx)
  //     received: HashAggregate <- CTE Scan on recent
  const result = await db.execute(sql`
    with closure_events as (
      select e.ticket_id as id, width_bucket(e.at, ${thresholds}) as bucket
      from events e
      where e.type = ${EVENT_TYPES.closed} and ${inRange('e.at')} and e.ticket_id is not null
      group by 1, 2
    ),
    recent as materialized (
      select id, level, received_at, closed_at from tickets
      where (${inRange('received_at')}) or closed_at >= ${ts(first)}
    ),
    month_closures as (
      select case when m.id is null then width_bucket(c.closed_at, ${thresholds}) else m.bucket end as bucket,
        case when c.id is not null then c.level else (select t.level from tickets t where t.id = m.id) end as level
      from closure_events m
      full join (select id, level, closed_at from recent where closed_at >= ${ts(first)}) c on c.id = m.id
      where m.id is not null
        or (c.closed_at < ${ts(last)}
          and (select e.id from events e where e.ticket_id = c.id and e.type = ${EVENT_TYPES.closed} limit 1) is null)
    ),
    received as (
      select width_bucket(received_at, ${thresholds}) as bucket, level, count(*)::int as n
      from recent where ${inRange('received_at')}
      group by 1, 2
    ),
    closed as (
      select bucket, level, count(*)::int as n
      from month_closures
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
      reopenings: sql<number>`(select count(*)::int from events e
        where e.ticket_id = "tickets"."id" and e.type = ${EVENT_TYPES.reopened})`.mapWith(Number),
    })
    .from(tickets)
    .where(and(gte(tickets.receivedAt, range.start), lt(tickets.receivedAt, range.end)))
    .orderBy(asc(tickets.receivedAt), asc(tickets.id));
}
