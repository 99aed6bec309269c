// The digest's stored figures (month_figures, src/db/month-figures.ts) on both engines: a digest
// that reads its closed months from storage says exactly what one computed from scratch says, and
// every write that changes a stored month (a level change, a reopening, a back-dated ticket) drops
// it in its own transaction, so the next digest has the new figures. No timing is asserted
// (`npm run bench` measures the gain).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config-schema.js';
import { rowsOf } from '../../src/db/database.js';
import { recordEvent } from '../../src/db/events.js';
import { anonymiseTickets } from '../../src/db/personal-data.js';
import { trendByLevel } from '../../src/db/indicators.js';
import { invalidateStoredFigures } from '../../src/db/month-figures.js';
import { monthFigures } from '../../src/db/schema.js';
import { allocateTicketReference, findTicketById, insertTickets, updateTicket } from '../../src/db/tickets.js';
import { EVENT_TYPES } from '../../src/domain/event-types.js';
import { monthPeriod, periodRange, quarterPeriod } from '../../src/domain/period.js';
import { computeDigest } from '../../src/services/compute-digest.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { testConfig } from '../support/test-config.js';
import { generateTicketHistory, insertTicketHistory } from '../support/ticket-history.js';

const DIGEST_TIME = new Date('2026-11-01T07:00:00Z'); // 1 November 2026, 08:00 in Paris
const OCTOBER = monthPeriod(2026, 10);

describe.each(ENGINES)('digest figures stored for closed months, %s', (engine) => {
  let t: TestDatabase;
  let config: Config;
  const history = generateTicketHistory({
    seed: 13,
    count: 900,
    from: new Date('2025-10-01T00:00:00Z'),
    to: DIGEST_TIME,
    now: DIGEST_TIME,
  });
  const input = { period: OCTOBER, asOf: DIGEST_TIME };
  const digest = (options: { storedFigures?: boolean; config?: Config } = {}) =>
    computeDigest(
      { db: t.database.db, config: options.config ?? config },
      { ...input, ...(options.storedFigures === undefined ? {} : { storedFigures: options.storedFigures }) },
    );
  const storedRows = async () =>
    (await t.database.db.select().from(monthFigures)).map((r) => `${r.kind} ${r.periodKey}`).sort();
  /** A closed ticket received in `month` (YYYY-MM, UTC), after its 3rd day, closed before `closedBefore`. */
  const ticketOf = async (month: string, closedBefore = DIGEST_TIME) => {
    const rows = await t.database.db.execute(sql`
      select id from tickets where to_char(received_at at time zone 'UTC', 'YYYY-MM') = ${month}
        and status = 'closed' and received_at > ${`${month}-03T00:00:00Z`}::timestamptz
        and closed_at < ${closedBefore.toISOString()}::timestamptz
      order by id limit 1`);
    const id = Number(rowsOf<{ id: unknown }>(rows)[0]!.id);
    return (await findTicketById(t.database.db, id))!;
  };

  beforeAll(async () => {
    t = await createTestDatabase(engine);
    config = testConfig();
    await insertTicketHistory(t.database.db, history);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores the eleven closed months and both comparison backlogs, and says what a digest from scratch says', async () => {
    const scratch = await digest({ storedFigures: false });
    expect(await storedRows()).toEqual([]);
    const first = await digest();
    expect(await storedRows()).toEqual(
      [
        'backlog 2025-10',
        'backlog 2026-09',
        ...[
          '2025-11',
          '2025-12',
          '2026-01',
          '2026-02',
          '2026-03',
          '2026-04',
          '2026-05',
          '2026-06',
          '2026-07',
          '2026-08',
          '2026-09',
        ].map((m) => `trend ${m}`),
      ].sort(),
    );
    const stored = await digest();
    expect(first).toEqual(scratch);
    expect(stored).toEqual(scratch);
    expect(await digest({ storedFigures: false })).toEqual(scratch);
    expect(stored.trend.filter((p) => p.index < 11).length).toBeGreaterThan(11);
    // The period's own month comes from its rangeFigures, the others from storage: the same
    // points as trendByLevel over the twelve months.
    const trendOf = (d: typeof scratch) =>
      trendByLevel(
        t.database.db,
        d.trendMonths.map((m) => periodRange(m, 'Europe/Paris')),
      );
    expect(scratch.trend).toEqual(await trendOf(scratch));
    expect(scratch.trend.filter((p) => p.index === 11).length).toBeGreaterThan(1);
    expect(await computeDigest({ db: t.database.db, config }, { ...input, sessions: 1 })).toEqual(scratch);
    // A quarter: its three months live, the nine before and the previous quarter's backlog stored.
    const quarter = { period: quarterPeriod(2026, 3), asOf: new Date('2026-10-01T06:00:00Z') };
    const quarterScratch = await computeDigest({ db: t.database.db, config }, { ...quarter, storedFigures: false });
    expect(await computeDigest({ db: t.database.db, config }, quarter)).toEqual(quarterScratch);
    expect(await computeDigest({ db: t.database.db, config }, quarter)).toEqual(quarterScratch);
    expect(await storedRows()).toContain('backlog 2026-Q2');
    expect(quarterScratch.trend).toEqual(await trendOf(quarterScratch));
    await t.database.db.delete(monthFigures);
  });

  it('drops the months a level change concerns, and the next digest counts the ticket at its new level', async () => {
    await digest();
    const ticket = await ticketOf('2026-03');
    const before = await digest();
    const level = ticket.level === 3 ? 1 : ticket.level + 1;
    await t.database.db.transaction((tx) => updateTicket(tx, ticket.id, { level, updatedAt: new Date() }));
    const rows = await storedRows();
    expect(rows).toContain('trend 2026-02');
    expect(rows).not.toContain('trend 2026-03');
    expect(rows).not.toContain('trend 2026-09');
    expect(rows).toContain('backlog 2025-10');
    const after = await digest();
    expect(after).toEqual(await digest({ storedFigures: false }));
    const march = (d: typeof after, l: number) => d.trend.find((p) => p.index === 4 && p.level === l)?.received ?? 0;
    expect(march(after, level)).toBe(march(before, level) + 1);
    expect(march(after, ticket.level)).toBe(march(before, ticket.level) - 1);
    expect(await digest()).toEqual(after);
  });

  it('drops what a reopening concerns: the previous month counts it reopened and open at its end', async () => {
    await digest();
    const at = new Date('2026-09-29T10:00:00Z');
    const ticket = await ticketOf('2026-09', at);
    const before = await digest();
    await t.database.db.transaction(async (tx) => {
      await updateTicket(tx, ticket.id, { status: 'in_progress', closedAt: null, updatedAt: at });
      await recordEvent(tx, { ticketId: ticket.id, at, actor: 'pilote@spst-test.fr', type: EVENT_TYPES.reopened });
    });
    expect(await storedRows()).not.toContain('backlog 2026-09');
    const after = await digest();
    expect(after).toEqual(await digest({ storedFigures: false }));
    expect(after.previous.figures.overall.reopenings).toBe(before.previous.figures.overall.reopenings + 1);
    expect(after.previous.backlog.overall.open).toBe(before.previous.backlog.overall.open + 1);
  });

  it('drops the months a back-dated ticket is received in, and after', async () => {
    await digest();
    const before = await digest();
    const receivedAt = new Date('2026-05-12T09:00:00Z');
    await t.database.db.transaction(async (tx) => {
      const { reference, sequence } = await allocateTicketReference(tx, 'RET', 2026);
      await insertTickets(tx, [
        {
          reference,
          year: 2026,
          sequence,
          level: 2,
          receivedAt,
          deadlineRule: '15d',
          deadlineAt: new Date('2026-05-27T21:59:59Z'),
          subject: 'Courrier recommandé reçu en mai',
          channel: 'letter',
          createdAt: new Date(),
          updatedAt: new Date(),
        },
      ]);
    });
    const rows = await storedRows();
    expect(rows).toContain('trend 2026-04');
    expect(rows).not.toContain('trend 2026-05');
    const after = await digest();
    expect(after).toEqual(await digest({ storedFigures: false }));
    const may = (d: typeof after) => d.trend.find((p) => p.index === 6 && p.level === 2)?.received ?? 0;
    expect(may(after)).toBe(may(before) + 1);
  });

  it('counts its own month as trendByLevel does: a closure without event, two closures of one ticket', async () => {
    const newTicket = async (
      tx: Parameters<Parameters<typeof t.database.db.transaction>[0]>[0],
      at: string,
      level: number,
      closedAt: string | null,
    ) => {
      const { reference, sequence } = await allocateTicketReference(tx, 'OCT', 2026);
      const [row] = await insertTickets(tx, [
        {
          reference,
          year: 2026,
          sequence,
          level,
          receivedAt: new Date(at),
          deadlineRule: '10d',
          deadlineAt: new Date('2026-10-31T22:59:59Z'),
          status: closedAt ? 'closed' : 'in_progress',
          closedAt: closedAt ? new Date(closedAt) : null,
          createdAt: new Date(at),
          updatedAt: new Date(at),
        },
      ]);
      return row!;
    };
    await t.database.db.transaction(async (tx) => {
      // Closed before closure events were recorded: counted by closed_at.
      await newTicket(tx, '2026-10-05T09:00:00Z', 3, '2026-10-20T09:00:00Z');
      // Closed twice in October (reopened between): one closure in the month.
      const twice = await newTicket(tx, '2026-10-06T09:00:00Z', 3, '2026-10-25T09:00:00Z');
      for (const [type, at] of [
        [EVENT_TYPES.closed, '2026-10-10T09:00:00Z'],
        [EVENT_TYPES.reopened, '2026-10-12T09:00:00Z'],
        [EVENT_TYPES.closed, '2026-10-25T09:00:00Z'],
      ] as const)
        await recordEvent(tx, { ticketId: twice.id, at: new Date(at), actor: 'pilote@spst-test.fr', type });
    });
    const stored = await digest();
    expect(stored).toEqual(await digest({ storedFigures: false }));
    expect(stored.trend).toEqual(
      await trendByLevel(
        t.database.db,
        stored.trendMonths.map((m) => periodRange(m, 'Europe/Paris')),
      ),
    );
  });

  it('keeps what anonymisation does not change, and ignores the figures of another holiday calendar', async () => {
    await digest();
    const ticket = await ticketOf('2026-04');
    const rows = await storedRows();
    await t.database.db.transaction((tx) =>
      anonymiseTickets(tx, [ticket.id], { now: new Date(), actor: 'system', reason: 'retention' }),
    );
    expect(await storedRows()).toEqual(rows);
    expect(await digest()).toEqual(await digest({ storedFigures: false }));

    const alsace = { ...config, organisation: { ...config.organisation, alsaceMoselle: true } };
    const [{ n: before }] = (await t.database.db
      .select({ n: sql<number>`count(distinct fingerprint)::int` })
      .from(monthFigures)) as [{ n: number }];
    expect(before).toBe(1);
    const other = await digest({ config: alsace });
    expect(other).toEqual(await digest({ config: alsace, storedFigures: false }));
    const fingerprints = await t.database.db.selectDistinct({ f: monthFigures.fingerprint }).from(monthFigures);
    expect(fingerprints).toHaveLength(1);
    expect(await storedRows()).toEqual(rows);
  });

  it('stores nothing while a write that changes figures is in progress, and computes them itself', async () => {
    await t.database.db.delete(monthFigures);
    const scratch = await digest({ storedFigures: false });
    if (engine === 'postgres') {
      await t.database.db.transaction(async (tx) => {
        await invalidateStoredFigures(tx, new Date('2026-01-01T00:00:00Z'));
        expect(await digest()).toEqual(scratch);
        expect(await storedRows()).toEqual([]);
      });
    }
    expect(await digest()).toEqual(scratch);
    expect((await storedRows()).length).toBe(13);
  });
});
