// Where the time goes, per mail, on PostgreSQL. The backlog is ingested IN THIS PROCESS with the
// daemon's own pieces (buildDeps, openMailboxSession, ingestMails — the loop of sweepMailbox
// repeated here so each batch can be measured), then the outbox is delivered with deliverOutbox.
// Wrapped, not changed: the parser, the renderer, the SMTP sender, the IMAP session and every SQL
// statement (meter.ts); a V8 CPU profile splits the rest. Two phases, so that the SMTP receiver
// (same process) does not blur the ingest profile.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { pino } from 'pino';
import postgres from 'postgres';
import { openMailboxSession } from '../../src/adapters/imap-mailbox.js';
import { loadConfig } from '../../src/config/load-config.js';
import { buildDeps } from '../../src/app/compose.js';
import { sql } from 'drizzle-orm';
import { openDatabase, type Db } from '../../src/db/database.js';
import { findTicketsByReferences } from '../../src/db/tickets.js';
import type { Deps } from '../../src/services/deps.js';
import { deliverOutbox } from '../../src/services/deliver-outbox.js';
import { ingestMails, type IngestOutcome } from '../../src/services/ingest-mail.js';
import { testConfigYaml } from '../../tests/support/test-config.js';
import { CpuProfiler, type ProfileSummary } from './cpu-profile.js';
import { createBenchDatabase, ROOT, startWorld } from './env.js';
import { installMeter, resetMeter, snapshot, type Meter } from './meter.js';
import { prepareBacklog } from './backlog.js';
import { log, mean, round } from './util.js';

export interface PerMailSplit {
  readonly mails: number;
  readonly wallMs: number;
  readonly statements: number;
  readonly transactions: number;
  readonly parseMs: number;
  readonly dbMs: number;
  /**
   * Transaction wall time minus its statements and rendering: the JavaScript run inside the
   * transaction between statements (reply-text extraction, qualification, deadline, routing,
   * ticket views, drizzle query building) plus the BEGIN and COMMIT round trips.
   */
  readonly txOverheadMs: number;
  readonly renderMs: number;
  readonly renders: number;
  /** Wall time not in parse, statements, transaction overhead or rendering: classification, qualification, reply-text, drizzle query building, logging. */
  readonly otherJsMs: number;
}

export interface ProfileResult {
  readonly mails: number;
  readonly ingest: {
    readonly seconds: number;
    readonly perSecond: number;
    readonly byOutcome: Record<string, PerMailSplit>;
    readonly all: PerMailSplit;
    /** Per mail: IMAP FETCH (batches of 50) and MOVE, amortised. */
    readonly imapFetchMsPerMail: number;
    readonly imapMoveMsPerMail: number;
    readonly statementsByKind: { kind: string; perMail: number; msPerMail: number }[];
    readonly cpu: ProfileSummary;
  };
  readonly delivery: {
    readonly seconds: number;
    readonly rows: number;
    readonly perSecond: number;
    readonly statementsPerRow: number;
    readonly dbMsPerRow: number;
    /** Mean wall time of one send as the deliverer sees it: 20 in flight over nodemailer's 4 pooled connections. */
    readonly smtpMsPerRow: number;
    readonly renderCalls: number;
    readonly statementsByKind: { kind: string; perRow: number; msPerRow: number }[];
    readonly cpu: ProfileSummary;
  };
  readonly micro: DbMicro;
}

export interface DbMicro {
  /** `select 1` with postgres.js alone: one round trip. */
  readonly roundTripMs: number;
  /** `select 1` through drizzle's `db.execute` (as the code sends its queries). */
  readonly drizzleRoundTripMs: number;
  /** A typical look-up through drizzle's query builder (`select … from tickets where reference in (…)`). */
  readonly drizzleSelectMs: number;
  /** One single-row INSERT in autocommit (its own COMMIT, WAL flush). */
  readonly autocommitInsertMs: number;
  /** The same INSERT inside a 100-statement transaction. */
  readonly insertInTransactionMs: number;
  /** 100 rows as one multi-row INSERT, per row. */
  readonly multiRowInsertPerRowMs: number;
}

const INCLUSIVE = [
  'parseMail',
  'simpleParser',
  'classifyInbound',
  'qualify',
  'extractNewText',
  'render',
  'computeDeadline',
  'ticketView',
  'routeTicket',
  'formatFrenchDateTime',
  'deadlineSentence',
  'signReplyToken',
  'storeMail',
  'openTicket',
  'enqueueMail',
  'ingestMails',
  'ingestMail',
  'deliverOutbox',
  'recordResult',
  'send',
];

function addSplit(into: Map<string, PerMailSplit[]>, key: string, split: PerMailSplit): void {
  const list = into.get(key) ?? [];
  list.push(split);
  into.set(key, list);
}

function averageSplits(list: readonly PerMailSplit[]): PerMailSplit {
  const avg = (f: (s: PerMailSplit) => number) => round(mean(list.map(f)), 2);
  return {
    mails: list.length,
    wallMs: avg((s) => s.wallMs),
    statements: avg((s) => s.statements),
    transactions: avg((s) => s.transactions),
    parseMs: avg((s) => s.parseMs),
    dbMs: avg((s) => s.dbMs),
    txOverheadMs: avg((s) => s.txOverheadMs),
    renderMs: avg((s) => s.renderMs),
    renders: avg((s) => s.renders),
    otherJsMs: avg((s) => s.otherJsMs),
  };
}

function byKind(m: Meter, per: number): { kind: string; n: number; ms: number }[] {
  return [...m.byKind.entries()]
    .map(([kind, v]) => ({ kind, n: round(v.n / per, 2), ms: round(v.ms / per, 3) }))
    .sort((a, b) => b.n - a.n || b.ms - a.ms);
}

export async function profileLeg(options: { count: number; seed: number; outDir: string }): Promise<ProfileResult> {
  log(`== profile (in-process, PostgreSQL): ${options.count} mails`);
  installMeter();
  const world = await startWorld();
  const receiver = await startReceiverChild();
  const bdb = await createBenchDatabase('postgres', 'profile');
  const database = await openDatabase({ url: bdb.url, dataDir: bdb.dataDir });
  try {
    await database.migrate();
    const runTag = `p${Date.now().toString(36)}`;
    const { mails } = await prepareBacklog(world, options.count, options.seed, runTag);
    const { config } = loadConfig(
      testConfigYaml({
        imapPort: world.dovecot.imapPort,
        smtpPort: receiver.port,
        databaseUrl: bdb.url!,
        outbox: '{ maxAttempts: 5, baseDelaySeconds: 1, maxDelaySeconds: 2 }',
      }),
      {},
      'bench',
    );
    // The daemon's log level by default is info: keep it, written to /dev/null-like sink so that pino's cost is counted.
    const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true }));
    const base = buildDeps(config, database, logger);
    const timers = { parseMs: 0, renderMs: 0, renders: 0, smtpMs: 0 };
    const deps: Deps = {
      ...base,
      parseMail: async (raw) => {
        const started = performance.now();
        try {
          return await base.parseMail(raw);
        } finally {
          timers.parseMs += performance.now() - started;
        }
      },
      render: {
        render: (name, data) => {
          const started = performance.now();
          try {
            return base.render.render(name, data);
          } finally {
            timers.renderMs += performance.now() - started;
            timers.renders++;
          }
        },
      },
      sender: {
        ...base.sender,
        send: async (mail) => {
          const started = performance.now();
          try {
            return await base.sender.send(mail);
          } finally {
            timers.smtpMs += performance.now() - started;
          }
        },
        verify: () => base.sender.verify(),
        close: () => base.sender.close(),
      },
    };

    // Phase 1: ingest, as sweepMailbox does it (batches of 50, move after each batch).
    const session = await openMailboxSession({ imap: config.mailbox.imap, log: logger });
    const uids = await session.listUids(0);
    const splits = new Map<string, PerMailSplit[]>();
    let fetchMs = 0;
    let moveMs = 0;
    const ingestMeter = resetMeter();
    const profiler = new CpuProfiler();
    await profiler.start();
    const started = performance.now();
    for (let i = 0; i < uids.length; i += 50) {
      let t = performance.now();
      const batch = await session.fetch(uids.slice(i, i + 50));
      fetchMs += performance.now() - t;
      const processed: number[] = [];
      const quarantined: number[] = [];
      const before = snapshot(ingestMeter);
      const before2 = { ...timers };
      const t0 = performance.now();
      const outcomes: IngestOutcome[] = await ingestMails(
        deps,
        batch.map((fetched) => ({
          raw: fetched.raw,
          source: {
            kind: 'imap',
            mailbox: session.inbox,
            uidValidity: session.uidValidity,
            uid: fetched.uid,
            internalDate: fetched.internalDate,
          },
        })),
      );
      const n = Math.max(1, batch.length);
      const wallMs = (performance.now() - t0) / n;
      const after = snapshot(ingestMeter);
      const dbMs = (after.dbMs - before.dbMs) / n;
      const txMs = (after.transactionMs - before.transactionMs) / n;
      const parseMs = (timers.parseMs - before2.parseMs) / n;
      const renderMs = (timers.renderMs - before2.renderMs) / n;
      // Statements inside the transaction are part of txMs; the overhead is what is left of it.
      const inTxStatementsMs = (after.txStatementsMs - before.txStatementsMs) / n;
      const txOverheadMs = Math.max(0, txMs - inTxStatementsMs - renderMs);
      const otherJsMs = Math.max(0, wallMs - parseMs - dbMs - txOverheadMs - renderMs);
      const split: PerMailSplit = {
        mails: 1,
        wallMs,
        statements: (after.statements - before.statements) / n,
        transactions: (after.transactions - before.transactions) / n,
        parseMs,
        dbMs,
        txOverheadMs,
        renderMs,
        renders: (timers.renders - before2.renders) / n,
        otherJsMs,
      };
      // One batch is one transaction: its cost is shared by its mails, whatever their kind.
      for (let k = 0; k < batch.length; k++) addSplit(splits, 'all kinds, per mail of a batch of 50', split);
      for (const [k, outcome] of outcomes.entries())
        (outcome.outcome === 'quarantined' ? quarantined : processed).push(batch[k]!.uid);
      t = performance.now();
      await session.move(processed, config.mailbox.imap.processed);
      await session.move(quarantined, config.mailbox.imap.quarantine);
      moveMs += performance.now() - t;
    }
    const ingestSeconds = (performance.now() - started) / 1000;
    const ingestCpu = await profiler.stop(INCLUSIVE);
    await writeFile(join(options.outDir, 'profile-ingest.cpuprofile'), JSON.stringify(ingestCpu.profile));
    await session.close();
    const all = [...splits.values()].flat();
    log(
      `  ingest: ${all.length} mails in ${round(ingestSeconds, 1)} s (${round(all.length / ingestSeconds, 1)}/s), ${round(ingestMeter.statements / all.length, 1)} statements/mail`,
    );

    // Phase 2: deliver the outbox.
    const deliveryMeter = resetMeter();
    const rendersBefore = timers.renders;
    const profiler2 = new CpuProfiler();
    await profiler2.start();
    const started2 = performance.now();
    let rows = 0;
    for (;;) {
      const report = await deliverOutbox(deps);
      rows += report.sent + report.retried + report.dead;
      if (report.sent + report.retried + report.dead === 0) break;
    }
    const deliverySeconds = (performance.now() - started2) / 1000;
    const deliveryCpu = await profiler2.stop(INCLUSIVE);
    await writeFile(join(options.outDir, 'profile-delivery.cpuprofile'), JSON.stringify(deliveryCpu.profile));
    const accepted = await receiver.count();
    if (accepted !== rows) log(`  WARNING: the receiver accepted ${accepted} mails, the outbox delivered ${rows}`);
    log(
      `  delivery: ${rows} mails in ${round(deliverySeconds, 1)} s (${round(rows / deliverySeconds, 1)}/s), ${round(deliveryMeter.statements / rows, 2)} statements/mail`,
    );

    const delivery = {
      seconds: round(deliverySeconds, 2),
      rows,
      perSecond: round(rows / deliverySeconds, 1),
      statementsPerRow: round(deliveryMeter.statements / rows, 2),
      dbMsPerRow: round(deliveryMeter.dbMs / rows, 2),
      smtpMsPerRow: round(timers.smtpMs / rows, 2),
      renderCalls: timers.renders - rendersBefore,
      statementsByKind: byKind(deliveryMeter, rows).map((k) => ({ kind: k.kind, perRow: k.n, msPerRow: k.ms })),
      cpu: deliveryCpu.summary,
    };
    resetMeter();
    const micro = await dbMicro(bdb.url!, database.db);
    log(
      `  DB micro: round trip ${micro.roundTripMs} ms, autocommit insert ${micro.autocommitInsertMs} ms, in a transaction ${micro.insertInTransactionMs} ms, multi-row ${micro.multiRowInsertPerRowMs} ms/row`,
    );
    base.sender.close();
    return {
      mails: mails.length,
      ingest: {
        seconds: round(ingestSeconds, 2),
        perSecond: round(all.length / ingestSeconds, 1),
        byOutcome: Object.fromEntries([...splits.entries()].map(([k, v]) => [k, averageSplits(v)])),
        all: averageSplits(all),
        imapFetchMsPerMail: round(fetchMs / all.length, 2),
        imapMoveMsPerMail: round(moveMs / all.length, 2),
        statementsByKind: byKind(ingestMeter, all.length).map((k) => ({ kind: k.kind, perMail: k.n, msPerMail: k.ms })),
        cpu: ingestCpu.summary,
      },
      delivery,
      micro,
    };
  } finally {
    await database.close().catch(() => undefined);
    receiver.stop();
    await world.stop().catch(() => undefined);
    await bdb.drop().catch(() => undefined);
  }
}

/** The SMTP receiver in a child process (receiver-child.ts). */
async function startReceiverChild(): Promise<{ port: number; count(): Promise<number>; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'receiver-child.ts')], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  const port = Number((await next()).split(' ')[1]);
  return {
    port,
    async count() {
      const answer = next();
      child.stdin!.write('count\n');
      return Number((await answer).split(' ')[1]);
    },
    stop() {
      child.stdin!.end();
    },
  };
}

/** Costs of the statement shapes the pipeline uses, on this machine's PostgreSQL (same database). */
async function dbMicro(url: string, db: Db): Promise<DbMicro> {
  const client = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    await client.unsafe(
      'create temporary table bench_micro (id bigserial primary key, at timestamptz not null, data jsonb not null)',
    );
    const time = async (n: number, fn: (i: number) => Promise<unknown>) => {
      const t = performance.now();
      for (let i = 0; i < n; i++) await fn(i);
      return (performance.now() - t) / n;
    };
    await time(50, () => client`select 1`);
    const roundTripMs = await time(500, () => client`select 1`);
    await time(50, () => db.execute(sql`select 1`));
    const drizzleRoundTripMs = await time(500, () => db.execute(sql`select 1`));
    const drizzleSelectMs = await time(300, (i) =>
      findTicketsByReferences(db, [`REC-2026-${String(i + 1).padStart(4, '0')}`]),
    );
    const autocommitInsertMs = await time(
      300,
      (i) => client`insert into bench_micro (at, data) values (now(), ${client.json({ i })})`,
    );
    let insertInTransactionMs = 0;
    await client.begin(async (tx) => {
      insertInTransactionMs = await time(
        300,
        (i) => tx`insert into bench_micro (at, data) values (now(), ${tx.json({ i })})`,
      );
    });
    const rows = Array.from({ length: 100 }, (_, i) => ({ at: new Date().toISOString(), data: JSON.stringify({ i }) }));
    const multi = await time(20, () => client`insert into bench_micro ${client(rows, 'at', 'data')}`);
    return {
      roundTripMs: round(roundTripMs, 3),
      drizzleRoundTripMs: round(drizzleRoundTripMs, 3),
      drizzleSelectMs: round(drizzleSelectMs, 3),
      autocommitInsertMs: round(autocommitInsertMs, 3),
      insertInTransactionMs: round(insertInTransactionMs, 3),
      multiRowInsertPerRowMs: round(multi / 100, 4),
    };
  } finally {
    await client.end();
  }
}
