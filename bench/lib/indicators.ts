// Leg 4: the monthly digest's indicator queries over years of history. A generated history is
// bulk-loaded into a fresh database and vacuumed (VACUUM (ANALYZE), as autovacuum would have done
// in production; the benchmark server runs without it); then `computeDigest` (src/services/compute-digest.ts) — every
// query the digest runs — is timed for one month, and each of its statements is timed alone and
// explained (EXPLAIN ANALYZE, BUFFERS) into bench/plans/. Optionally, candidate indexes that are
// NOT in the schema are created in the throwaway database and the digest timed again, to size
// what they would bring (the schema itself is not changed here).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import postgres from 'postgres';
import { openDatabase, sessionCount, type Db } from '../../src/db/database.js';
import { INDICATOR_SESSIONS, INDICATOR_SETTINGS } from '../../src/db/indicator-snapshot.js';
import * as schema from '../../src/db/schema.js';
import { monthPeriod, periodRange, previousPeriod } from '../../src/domain/period.js';
import { computeDigest } from '../../src/services/compute-digest.js';
import { testConfig } from '../../tests/support/test-config.js';
import { createBenchDatabase, type Engine } from './env.js';
import { loadHistory, pgliteTarget, postgresTarget, type LoadReport } from './history-loader.js';
import { log, percentile, round } from './util.js';

export interface StatementTiming {
  readonly label: string;
  readonly sql: string;
  readonly ms: number;
  /** From EXPLAIN ANALYZE. */
  readonly executionMs: number | null;
  readonly indexesUsed: string[];
  readonly seqScans: string[];
  readonly jit: boolean;
  readonly plan: string;
}

export interface DigestTiming {
  readonly firstMs: number;
  readonly warmMs: number;
  readonly runsMs: number[];
  /** Sessions sharing the digest's snapshot on PostgreSQL (src/db/indicator-snapshot.ts INDICATOR_SESSIONS); PGlite has one. */
  readonly sessions?: number;
  /** One more warm run in one session (the statements' capture run), for comparison. */
  readonly oneSessionMs?: number;
  /** Each statement timed and explained alone, captured from a run in one session. */
  readonly statements: StatementTiming[];
  /**
   * The same digest with its closed months stored (month_figures): the first run computes and
   * stores them, the warm ones read them; `ratio` = its warm time / the warm time above (every
   * figure computed), in the same run. Absent for the trials.
   */
  readonly stored?: {
    readonly firstMs: number;
    readonly warmMs: number;
    readonly runsMs: number[];
    readonly ratio: number;
    /**
     * The scheduler's first digest of the month: April's digest (1 May, 08:00) ran before and
     * stored what it could (trend months May 2025 – March 2026, backlogs at the end of March 2026
     * and April 2025), so this one stores April's trend month and the backlogs at the end of
     * April 2026 and May 2025 before computing May.
     */
    readonly firstOfMonthMs: number;
  };
}

export interface Trial {
  /** What differs from the database as the application creates it. */
  readonly name: string;
  readonly setupSeconds: number;
  readonly digest: DigestTiming;
}

export interface IndicatorResult {
  readonly engine: Engine;
  readonly tickets: number;
  readonly load: LoadReport;
  readonly period: string;
  readonly asOf: string;
  /** As the application runs it: the schema's indexes, the server's settings. */
  readonly digest: DigestTiming;
  /** The same digest in the throwaway database with settings, then indexes, that are NOT the application's. */
  readonly trials: Trial[];
  readonly databaseMb: number;
}

/** Session settings of the first trial: no JIT compilation, index access costed as on SSDs. */
export const TRIAL_SETTINGS = { jit: 'off', random_page_cost: '1.1' } as const;

/**
 * Indexes the plans ask for (see bench/README.md), created only in the benchmark's database. The
 * last run's two, `events (type, ticket_id, at)` and `tickets (received_at) where status not in
 * ('closed', 'rejected')`, are in the schema since migration 0004: none pending.
 */
export const CANDIDATE_INDEXES: readonly string[] = [];

/** INDICATOR_SETTINGS as one statement, for timing and explaining a captured statement alone. */
const SETTINGS_SQL = `select ${Object.entries(INDICATOR_SETTINGS)
  .map(([k, v]) => `set_config('${k}', '${v}', true)`)
  .join(', ')}`;

interface Captured {
  readonly text: string;
  readonly params: readonly unknown[];
}

interface Engineish {
  readonly db: Db;
  /** Statements sent since the last call. */
  take(): Captured[];
  explain(statement: Captured): Promise<string>;
  time(statement: Captured): Promise<number>;
  exec(text: string): Promise<void>;
  sizeMb(): Promise<number>;
  close(): Promise<void>;
}

const HISTORY_FROM = new Date('2021-06-01T00:00:00Z');
/** The digest of May 2026, as the scheduler sends it: 1 June 2026, 08:00 in Paris. */
const AS_OF = new Date('2026-06-01T06:00:00Z');
const PERIOD = monthPeriod(2026, 5);

function labelOf(text: string, seen: Map<string, number>): string {
  const t = text.replace(/\s+/g, ' ');
  const name = t.includes('month_closures')
    ? 'trendByLevel'
    : t.includes('grouping sets ((), (level), (category)')
      ? 'rangeFigures'
      : t.includes('open_at as') && t.includes('order by t.deadline_at')
        ? 'overdueTicketsAt'
        : t.includes('open_at as')
          ? 'backlogAt'
          : /from messages where/.test(t)
            ? 'pipelineFigures-messages'
            : /from events where/.test(t)
              ? 'pipelineFigures-events'
              : t.includes('from quarantine')
                ? 'pipelineFigures-quarantine-outbox'
                : t.includes('"complainant_email"') && t.includes('from "tickets"')
                  ? 'ticketsReceivedIn'
                  : 'other';
  const n = (seen.get(name) ?? 0) + 1;
  seen.set(name, n);
  const which = [
    'rangeFigures',
    'backlogAt',
    'pipelineFigures-messages',
    'pipelineFigures-events',
    'pipelineFigures-quarantine-outbox',
  ].includes(name)
    ? ` (${PERIOD_LABELS[n - 1] ?? `#${n}`})`
    : '';
  return `${name}${which}`;
}

const PERIOD_LABELS = ['current month', 'previous month', 'same month last year'];
const KIND_ORDER = [
  'rangeFigures',
  'backlogAt',
  'pipelineFigures-messages',
  'pipelineFigures-events',
  'pipelineFigures-quarantine-outbox',
  'overdueTicketsAt',
  'trendByLevel',
  'ticketsReceivedIn',
];

/** Plans are numbered period by period (each period's statements, then the digest's own), whatever order the digest sends them in. */
function labelRank(label: string): number {
  const [, kind = label, period] = /^([^ ]+)(?: \((.+)\))?$/.exec(label) ?? [];
  const p = period === undefined ? PERIOD_LABELS.length : PERIOD_LABELS.indexOf(period);
  return p * 100 + KIND_ORDER.indexOf(kind);
}

function planFacts(plan: string): {
  executionMs: number | null;
  indexesUsed: string[];
  seqScans: string[];
  jit: boolean;
} {
  const executionMs = Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? Number.NaN);
  const indexes = new Set(
    [...plan.matchAll(/(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)/g)].map(
      (m) => m[1]!,
    ),
  );
  const seq = new Set([...plan.matchAll(/Seq Scan on (\w+)/g)].map((m) => m[1]!));
  return {
    executionMs: Number.isNaN(executionMs) ? null : executionMs,
    indexesUsed: [...indexes],
    seqScans: [...seq],
    jit: /\bJIT:/.test(plan),
  };
}

async function timeDigest(engine: Engineish, runs: number, options: { stored: boolean }): Promise<DigestTiming> {
  const deps = { db: engine.db, config: testConfig() };
  // Every figure computed: the stored ones (month_figures) are timed apart, below.
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await computeDigest(deps, { period: PERIOD, asOf: AS_OF, storedFigures: false });
    runsMs.push(round(performance.now() - started, 1));
  }
  // The statements are captured from one more run in one session: one after the other, each kind
  // in period order, which the labels rely on.
  engine.take();
  const alone = performance.now();
  await computeDigest(deps, { period: PERIOD, asOf: AS_OF, sessions: 1, storedFigures: false });
  const oneSessionMs = round(performance.now() - alone, 1);
  // The transaction's own statements (begin, settings, commit) are not indicator queries.
  const statements = engine
    .take()
    .filter((s) => !/^\s*(begin|commit|rollback|set |select set_config|select pg_export_snapshot)/i.test(s.text));
  const seen = new Map<string, number>();
  const timings: StatementTiming[] = [];
  for (const statement of statements) {
    const label = labelOf(statement.text, seen);
    const ms = await engine.time(statement);
    const plan = await engine.explain(statement);
    timings.push({ label, sql: statement.text, ms: round(ms, 1), ...planFacts(plan), plan });
  }
  timings.sort((a, b) => labelRank(a.label) - labelRank(b.label));
  const warmMs = round(percentile(runsMs.slice(1), 50), 1);
  let stored: DigestTiming['stored'];
  if (options.stored) {
    // As the scheduler runs it: the first digest of the month stores the eleven closed months
    // (and the comparison periods), the next ones read them. The table is empty before the first.
    await engine.exec('delete from month_figures');
    const storedMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await computeDigest(deps, { period: PERIOD, asOf: AS_OF });
      storedMs.push(round(performance.now() - started, 1));
    }
    await engine.exec('delete from month_figures');
    const lag = AS_OF.getTime() - periodRange(PERIOD, deps.config.organisation.timezone).end.getTime();
    const april = previousPeriod(PERIOD);
    await computeDigest(deps, {
      period: april,
      asOf: new Date(periodRange(april, deps.config.organisation.timezone).end.getTime() + lag),
    });
    const firstOfMonth = performance.now();
    await computeDigest(deps, { period: PERIOD, asOf: AS_OF });
    const firstOfMonthMs = round(performance.now() - firstOfMonth, 1);
    engine.take();
    const storedWarm = round(percentile(storedMs.slice(1), 50), 1);
    stored = {
      firstMs: storedMs[0]!,
      warmMs: storedWarm,
      runsMs: storedMs,
      ratio: round(storedWarm / warmMs, 3),
      firstOfMonthMs,
    };
  }
  return {
    firstMs: runsMs[0]!,
    warmMs,
    runsMs,
    sessions: Math.min(INDICATOR_SESSIONS, sessionCount(engine.db)),
    oneSessionMs,
    statements: timings,
    ...(stored ? { stored } : {}),
  };
}

async function openPostgres(url: string, settings: Record<string, string> = {}): Promise<Engineish> {
  const { drizzle } = await import('drizzle-orm/postgres-js');
  let captured: Captured[] = [];
  const client = postgres(url, {
    max: 4,
    onnotice: () => undefined,
    connection: settings,
    debug: (_connection: number, text: string, params: unknown[]) => {
      captured.push({ text, params: [...params] });
    },
  });
  const plain = postgres(url, { max: 1, onnotice: () => undefined, connection: settings });
  const db = drizzle({ client, schema }) as unknown as Db;
  return {
    db,
    take() {
      const out = captured;
      captured = [];
      return out;
    },
    // Each statement alone, in a transaction with the settings computeDigest applies to its own.
    async explain(s) {
      const rows = (await plain.begin(async (tx) => {
        await tx.unsafe(SETTINGS_SQL);
        return tx.unsafe(
          `explain (analyze, buffers, verbose off) ${s.text}`,
          s.params as postgres.ParameterOrJSON<never>[],
        );
      })) as unknown as Record<string, string>[];
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    },
    async time(s) {
      const started = performance.now();
      await plain.begin(async (tx) => {
        await tx.unsafe(SETTINGS_SQL);
        await tx.unsafe(s.text, s.params as postgres.ParameterOrJSON<never>[]);
      });
      return performance.now() - started;
    },
    async exec(text) {
      await plain.unsafe(text);
    },
    async sizeMb() {
      const [row] = (await plain.unsafe(
        'select pg_database_size(current_database())::float8 / 1048576 as mb',
      )) as unknown as { mb: number }[];
      return Math.round(Number(row?.mb ?? 0));
    },
    async close() {
      await client.end();
      await plain.end();
    },
  };
}

async function openPglite(pg: PGlite): Promise<Engineish> {
  const { drizzle } = await import('drizzle-orm/pglite');
  let captured: Captured[] = [];
  const original = pg.query.bind(pg);
  // An own property shadowing the method: drizzle's PGlite session only calls `client.query`.
  (pg as unknown as { query: typeof pg.query }).query = (async (
    text: string,
    params?: unknown[],
    options?: unknown,
  ) => {
    captured.push({ text, params: [...(params ?? [])] });
    return original(text, params as never, options as never);
  }) as typeof pg.query;
  // computeDigest runs in a transaction, whose statements go through the transaction's own `query`.
  const originalTransaction = pg.transaction.bind(pg);
  (pg as unknown as { transaction: typeof pg.transaction }).transaction = (async (
    callback: (tx: Transaction) => Promise<unknown>,
  ) =>
    originalTransaction((tx) => {
      const query = tx.query.bind(tx);
      const spy = Object.create(tx) as Transaction;
      spy.query = (async (text: string, params?: unknown[], options?: unknown) => {
        captured.push({ text, params: [...(params ?? [])] });
        return query(text, params as never, options as never);
      }) as typeof tx.query;
      return callback(spy);
    })) as typeof pg.transaction;
  const db = drizzle({ client: pg, schema }) as unknown as Db;
  return {
    db,
    take() {
      const out = captured;
      captured = [];
      return out;
    },
    async explain(s) {
      const result = await pg.transaction(async (tx) => {
        await tx.query(SETTINGS_SQL);
        return tx.query<Record<string, string>>(`explain (analyze, buffers) ${s.text}`, s.params as never);
      });
      return result.rows.map((r) => r['QUERY PLAN']).join('\n');
    },
    async time(s) {
      const started = performance.now();
      await pg.transaction(async (tx) => {
        await tx.query(SETTINGS_SQL);
        await tx.query(s.text, s.params as never);
      });
      return performance.now() - started;
    },
    async exec(text) {
      await pg.exec(text);
    },
    async sizeMb() {
      const result = await original<{ mb: number }>(
        'select pg_database_size(current_database())::float8 / 1048576 as mb',
      );
      return Math.round(Number(result.rows[0]?.mb ?? 0));
    },
    async close() {
      await pg.close();
    },
  };
}

export async function indicatorLeg(
  engine: Engine,
  options: { tickets: number; seed: number; runs: number; plansDir: string; tryIndexes: boolean },
): Promise<IndicatorResult> {
  log(`== indicators on ${engine}: ${options.tickets.toLocaleString('en-US')} tickets over 5 years`);
  const bdb = await createBenchDatabase(engine, `indicators_${engine}`);
  let engineish: Engineish | undefined;
  try {
    // Schema through the application's own migrations.
    const migrated = await openDatabase({ url: bdb.url, dataDir: bdb.dataDir });
    await migrated.migrate();
    await migrated.close();
    const history = { seed: options.seed, count: options.tickets, from: HISTORY_FROM, to: AS_OF, now: AS_OF };
    let load: LoadReport;
    if (engine === 'postgres') {
      const loader = postgres(bdb.url!, { max: 1, onnotice: () => undefined });
      try {
        load = await loadHistory(postgresTarget(loader), history);
      } finally {
        await loader.end();
      }
      engineish = await openPostgres(bdb.url!);
    } else {
      const { PGlite } = await import('@electric-sql/pglite');
      const pg = await PGlite.create(join(bdb.dataDir, 'pglite'));
      load = await loadHistory(pgliteTarget(pg), history);
      engineish = await openPglite(pg);
    }
    log(
      `  loaded ${load.tickets.toLocaleString('en-US')} tickets, ${load.events.toLocaleString('en-US')} events, ${load.messages.toLocaleString('en-US')} messages, ${load.outbox.toLocaleString('en-US')} outbox rows in ${load.seconds} s (indexes ${load.indexSeconds} s, VACUUM (ANALYZE) ${load.analyzeSeconds} s: as autovacuum leaves a production database)`,
    );
    const digest = await timeDigest(engineish, options.runs, { stored: true });
    log(
      `  computeDigest(May 2026): first ${digest.firstMs} ms, warm ${digest.warmMs} ms (${digest.sessions} session(s); in one: ${digest.oneSessionMs} ms); slowest statements: ${[
        ...digest.statements,
      ]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 3)
        .map((s) => `${s.label} ${s.ms} ms`)
        .join(', ')}`,
    );
    if (digest.stored)
      log(
        `  with the closed months stored (month_figures): first ${digest.stored.firstMs} ms (computes and stores them), warm ${digest.stored.warmMs} ms: ${digest.stored.ratio} of the warm time above; first of the month after April's stored ${digest.stored.firstOfMonthMs} ms`,
      );

    const trials: Trial[] = [];
    if (options.tryIndexes) {
      const settingsText = Object.entries(TRIAL_SETTINGS)
        .map(([k, v]) => `${k} = ${v}`)
        .join(', ');
      let started = performance.now();
      if (engine === 'postgres') {
        await engineish.close();
        engineish = await openPostgres(bdb.url!, { ...TRIAL_SETTINGS });
      } else {
        await engineish.exec(
          Object.entries(TRIAL_SETTINGS)
            .map(([k, v]) => `set ${k} = ${v};`)
            .join(' '),
        );
      }
      let setupSeconds = round((performance.now() - started) / 1000, 1);
      const withSettings = await timeDigest(engineish, options.runs, { stored: false });
      trials.push({ name: settingsText, setupSeconds, digest: withSettings });
      log(`  with ${settingsText}: first ${withSettings.firstMs} ms, warm ${withSettings.warmMs} ms`);

      if (CANDIDATE_INDEXES.length > 0) {
        started = performance.now();
        for (const index of CANDIDATE_INDEXES) await engineish.exec(index);
        await engineish.exec('analyze');
        setupSeconds = round((performance.now() - started) / 1000, 1);
        const withIndexes = await timeDigest(engineish, options.runs, { stored: false });
        trials.push({
          name: `${settingsText} + ${CANDIDATE_INDEXES.length} candidate indexes`,
          setupSeconds,
          digest: withIndexes,
        });
        log(`  + the candidate indexes: first ${withIndexes.firstMs} ms, warm ${withIndexes.warmMs} ms`);
      }
    }
    const result: IndicatorResult = {
      engine,
      tickets: load.tickets,
      load,
      period: PERIOD.key,
      asOf: AS_OF.toISOString(),
      digest,
      trials,
      databaseMb: await engineish.sizeMb(),
    };
    await writeAllPlans(options.plansDir, result);
    return result;
  } finally {
    await engineish?.close().catch(() => undefined);
    await bdb.drop().catch(() => undefined);
  }
}

/** plans/<engine>/ (as the application runs it) and one sub-directory per trial. */
export async function writeAllPlans(plansDir: string, result: IndicatorResult): Promise<void> {
  const dir = join(plansDir, result.engine);
  await rm(dir, { recursive: true, force: true });
  const size = `${result.engine}, ${result.tickets.toLocaleString('en-US')} tickets`;
  await writePlans(
    dir,
    result.digest,
    `${size}, as the application runs it (schema indexes, server settings, tables vacuumed and analyzed after the load)`,
  );
  for (const [i, trial] of result.trials.entries()) {
    const name = i === 0 ? 'trial-1-settings' : i === 1 ? 'trial-2-settings-and-indexes' : `trial-${i + 1}`;
    const what = i === 1 ? `${trial.name}: ${CANDIDATE_INDEXES.join('; ')}` : trial.name;
    await writePlans(
      join(dir, name),
      trial.digest,
      `${size}, session settings and indexes not the application's: ${what}`,
    );
  }
}

async function writePlans(dir: string, digest: DigestTiming, title: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const sessions =
    (digest.sessions ?? 1) > 1
      ? `, ${digest.sessions} sessions sharing one snapshot; in one session: ${digest.oneSessionMs} ms`
      : '';
  const index: string[] = [
    `# ${title}`,
    `computeDigest: first ${digest.firstMs} ms, warm ${digest.warmMs} ms (runs ${digest.runsMs.join(', ')} ms${sessions})`,
    ...(digest.stored
      ? [
          `computeDigest with the closed months stored (month_figures): first ${digest.stored.firstMs} ms, warm ${digest.stored.warmMs} ms (runs ${digest.stored.runsMs.join(', ')} ms): ${digest.stored.ratio} of the warm time above; the month's first digest after April's (1 May) stored its months: ${digest.stored.firstOfMonthMs} ms`,
        ]
      : []),
    'Each statement below timed once and explained alone, in one session (every figure computed):',
    '',
  ];
  for (const [i, s] of digest.statements.entries()) {
    const file = `${String(i + 1).padStart(2, '0')}-${s.label.replace(/[^a-zA-Z0-9]+/g, '-').replace(/-+$/, '')}.txt`;
    index.push(
      `${file}: ${s.ms} ms; indexes: ${s.indexesUsed.join(', ') || '—'}; seq scans: ${s.seqScans.join(', ') || '—'}${s.jit ? '; JIT' : ''}`,
    );
    await writeFile(
      join(dir, file),
      `-- ${s.label}: ${s.ms} ms (one run, alone)\n-- ${title}\n\n/* SQL:\n${s.sql.trim()}\n*/\n\n${s.plan}\n`,
    );
  }
  await writeFile(join(dir, 'INDEX.txt'), `${index.join('\n')}\n`);
}
