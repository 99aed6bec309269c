// Legs 1–3 and 5 on one engine: the same-run baselines, the backlog drained by the daemon (a real
// child process), its footprint, then — the daemon now idle in IDLE — the latency of single
// complaints appended at random intervals.
import type { ImapFlow } from 'imapflow';
import { localDateOf } from '../../src/domain/zoned-time.js';
import { ticketTimes, readOutcome, withDb, type Outcome } from './db-check.js';
import {
  createBenchDatabase,
  IMAP_USER,
  PROBE_USER,
  spawnDaemon,
  startWorld,
  writeConfig,
  type DaemonChild,
  type Engine,
  type World,
} from './env.js';
import { appendAll, close, connect, fetchBaseline, FolderCounter, idleDelay } from './imap.js';
import { describeSizes, generateBacklog, singleComplaint, type GeneratedMail } from './mails.js';
import { cpuDelta, log, machineBusySeconds, percentile, processCpu, round, sleep, type ProcessInfo } from './util.js';

export interface BacklogOptions {
  readonly count: number;
  readonly seed: number;
  readonly timeoutMs: number;
  readonly latency: { readonly count: number; readonly minGapMs: number; readonly maxGapMs: number } | null;
}

export interface Baseline {
  readonly appendPerSecond: number;
  readonly idleDelayMs: { p50Ms: number; minMs: number; maxMs: number; samplesMs: number[] };
  readonly fetchPerSecond: number;
  readonly fetchParsePerSecond: number;
  readonly streamedFetchParsePerSecond: number;
}

export interface BacklogResult {
  readonly engine: Engine;
  readonly mails: Record<string, number>;
  readonly baseline: Baseline;
  /** Seconds from spawning the daemon to its first IMAP session ('mailbox opened'). */
  readonly startupSeconds: number | null;
  /** Seconds from the first IMAP session to the last of: tickets committed, inbox empty, acknowledgements accepted. */
  readonly drainSeconds: number;
  readonly totalSecondsFromSpawn: number;
  readonly perSecond: number;
  readonly ratioToBaseline: number;
  readonly milestones: Record<string, number | null>;
  readonly peakRssMb: number;
  readonly cpuSeconds: Record<string, number>;
  readonly machineUtilisation: number;
  readonly received: Record<string, number>;
  readonly outcome: Outcome;
  readonly expected: { tickets: number; acks: number; messages: number };
  readonly ok: boolean;
  readonly problems: string[];
  readonly latency: LatencyResult | null;
  readonly rssTimeline: { t: number; rssMb: number }[];
}

export interface LatencyResult {
  readonly count: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
  readonly meanGapMs: number;
  readonly missing: number;
  /** Median split: APPEND → ticket row written (IDLE notice, fetch, parse, DB), then → ack at the receiver. */
  readonly toTicketP50Ms: number | null;
  readonly ticketToAckP50Ms: number | null;
  /** Acceptance by the receiver → `sent` committed: the window in which a crash sends a mail twice. */
  readonly acceptedToMarkedSentP50Ms: number | null;
  readonly samplesMs: number[];
}

export function parisYear(): number {
  return Number(localDateOf(new Date(), 'Europe/Paris').slice(0, 4));
}

/** Which process a CPU second belongs to, for the leg's CPU split. */
export function classifier(
  world: World,
  daemonPids: () => number[],
  dbName: string | null,
): (p: ProcessInfo) => string | null {
  return (p) => {
    if (daemonPids().includes(p.pid)) return 'daemon';
    if (p.pid === process.pid) return 'bench (polling)';
    if (p.pid === world.smtp.pid) return 'smtp receiver (child)';
    if (p.pgrp === world.dovecot.pid) return 'dovecot';
    if (p.comm.startsWith('postgres')) {
      if (dbName && p.cmdline.includes(dbName)) return 'postgres';
      if (/checkpointer|background writer|walwriter|autovacuum|logical replication|stats/.test(p.cmdline))
        return 'postgres (shared aux)';
    }
    return null;
  };
}

export async function prepareBacklog(
  world: World,
  count: number,
  seed: number,
  runTag: string,
): Promise<{ mails: GeneratedMail[]; baseline: Baseline }> {
  const mails = generateBacklog({ count, seed, prefix: 'REC', year: parisYear(), runTag });
  log(`appending ${count} mails (${describeSizes(mails).totalMb} MB) on one IMAP connection`);
  const append = await appendAll(
    world.dovecot,
    IMAP_USER.name,
    'INBOX',
    mails.map((m) => m.raw),
  );
  log(`  ${append.perSecond} APPEND/s; measuring the baselines`);
  const idle = await idleDelay(world.dovecot, PROBE_USER.name, 12);
  const fetch = await fetchBaseline(world.dovecot, IMAP_USER.name);
  log(
    `  IDLE delay p50 ${idle.p50Ms} ms; FETCH ${fetch.fetchPerSecond}/s; FETCH+parse ${fetch.fetchParsePerSecond}/s (streamed ${fetch.streamedFetchParsePerSecond}/s)`,
  );
  return {
    mails,
    baseline: {
      appendPerSecond: append.perSecond,
      idleDelayMs: idle,
      fetchPerSecond: fetch.fetchPerSecond,
      fetchParsePerSecond: fetch.fetchParsePerSecond,
      streamedFetchParsePerSecond: fetch.streamedFetchParsePerSecond,
    },
  };
}

export async function backlogLeg(engine: Engine, options: BacklogOptions): Promise<BacklogResult> {
  log(`== backlog on ${engine}: ${options.count} mails`);
  const world = await startWorld();
  const bdb = await createBenchDatabase(engine, `backlog_${engine}`);
  let daemon: DaemonChild | undefined;
  let counter: FolderCounter | undefined;
  try {
    const runTag = `b${engine[1]}${Date.now().toString(36)}`;
    const { mails, baseline } = await prepareBacklog(world, options.count, options.seed, runTag);
    const expected = {
      tickets: mails.filter((m) => m.kind === 'complaint').length,
      acks: mails.filter((m) => m.kind === 'complaint').length,
      messages: mails.length,
    };
    const configPath = await writeConfig(bdb, world.dovecot.imapPort, world.smtp.port);
    const dbName = bdb.url ? new URL(bdb.url).pathname.slice(1) : null;
    const classify = classifier(world, () => (daemon ? [daemon.pid] : []), dbName);
    counter = await FolderCounter.open(world.dovecot, IMAP_USER.name);
    const cpuBefore = processCpu(classify);
    const busyBefore = machineBusySeconds();
    const benchCpuBefore = process.cpuUsage();
    daemon = spawnDaemon(configPath);
    const spawnedAt = daemon.spawnedAt;

    // Done when the inbox is empty, every acknowledgement arrived, and the outbox went quiet.
    const milestones: Record<string, number | null> = { inboxEmpty: null, allAcks: null, lastMail: null };
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      if (daemon.child.exitCode !== null)
        throw new Error(`daemon exited (${daemon.child.exitCode}):\n${daemon.log.tail.join('\n')}`);
      world.collector.drain();
      const now = Date.now();
      if (milestones.inboxEmpty === null && (await counter.count('INBOX')) === 0) milestones.inboxEmpty = now;
      const acks = world.collector.acks();
      if (milestones.allAcks === null && new Set(acks.map((a) => a.messageId)).size >= expected.acks)
        milestones.allAcks = Math.max(...acks.map((a) => a.at));
      const last = world.collector.all.at(-1)?.at ?? 0;
      if (milestones.inboxEmpty !== null && milestones.allAcks !== null && now - last > 3000) {
        milestones.lastMail = last;
        break;
      }
      if (now > deadline) {
        log(
          `  TIMEOUT: inbox ${await counter.count('INBOX')}, acks ${acks.length}/${expected.acks}, tickets logged ${daemon.log.ticketsCreated}`,
        );
        break;
      }
      await sleep(100);
    }
    const cpuAfter = processCpu(classify);
    const busy = machineBusySeconds() - busyBefore;
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const peakRssMb = Math.max(daemon.memory.hwmMb, daemon.memory.peakRssMb);
    const opened = daemon.log.mailboxOpened ?? null;
    const lastTicket = daemon.log.lastTicketAt ?? null;
    const doneAt = Math.max(milestones.inboxEmpty ?? Number.NaN, milestones.allAcks ?? Number.NaN, lastTicket ?? 0);
    const drainSeconds = opened ? (doneAt - opened) / 1000 : Number.NaN;
    const perSecond = options.count / drainSeconds;
    const cpuSeconds = cpuDelta(cpuBefore, cpuAfter);
    cpuSeconds['bench (polling)'] = round((benchCpu.user + benchCpu.system) / 1e6, 2);
    cpuSeconds['other processes (not ours)'] = round(
      Math.max(0, busy - Object.values(cpuSeconds).reduce((s, v) => s + v, 0)),
      2,
    );
    const elapsed = (Date.now() - spawnedAt) / 1000;
    const machineUtilisation = round(busy / (elapsed * 2), 2);
    log(
      `  drained in ${round(drainSeconds, 1)} s after the first IMAP session (${round(perSecond, 1)} mails/s, ${round(perSecond / baseline.fetchParsePerSecond, 3)} of FETCH+parse); peak RSS ${Math.round(peakRssMb)} MB`,
    );
    log(`  CPU s: ${JSON.stringify(cpuSeconds)}; machine busy ${Math.round(machineUtilisation * 100)} % of 2 cores`);

    const latency =
      options.latency && daemon.child.exitCode === null
        ? await latencyPhase(world, daemon, options.latency, options.seed, runTag)
        : null;

    await daemon.stop();
    world.collector.drain();
    const received: Record<string, number> = {};
    for (const r of world.collector.all) received[r.kind] = (received[r.kind] ?? 0) + 1;
    const { outcome, times } = await withDb(bdb, async (db) => ({
      outcome: await readOutcome(db),
      times: latency
        ? await ticketTimes(
            db,
            latency.mails.map((m) => m.messageId),
          )
        : new Map<string, { createdAt: number; ackSentAt: number | null }>(),
    }));
    const latencyResult = latency ? summariseLatency(latency, times) : null;
    const problems: string[] = [];
    const expectedTickets = expected.tickets + (latency?.mails.length ?? 0);
    if (outcome.tickets !== expectedTickets) problems.push(`tickets ${outcome.tickets} ≠ ${expectedTickets}`);
    if (outcome.distinctReferences !== outcome.tickets) problems.push('duplicate references');
    if ((outcome.messages['follow-up'] ?? 0) !== mails.filter((m) => m.kind === 'follow-up').length)
      problems.push(`follow-up messages ${outcome.messages['follow-up'] ?? 0}`);
    if ((outcome.messages['auto-reply'] ?? 0) !== mails.filter((m) => m.kind === 'auto-reply').length)
      problems.push(`auto-reply messages ${outcome.messages['auto-reply'] ?? 0}`);
    if (outcome.acksSent !== expectedTickets) problems.push(`acks sent ${outcome.acksSent} ≠ ${expectedTickets}`);
    if (outcome.outboxNotSent !== 0) problems.push(`${outcome.outboxNotSent} outbox rows not sent`);
    if (outcome.quarantined !== 0) problems.push(`${outcome.quarantined} quarantined`);
    if (daemon.log.errors.length) problems.push(`daemon errors: ${daemon.log.errors.slice(0, 3).join(' | ')}`);
    if (problems.length) log(`  PROBLEMS: ${problems.join('; ')}`);
    return {
      engine,
      mails: describeSizes(mails),
      baseline,
      startupSeconds: opened ? round((opened - spawnedAt) / 1000, 2) : null,
      drainSeconds: round(drainSeconds, 2),
      totalSecondsFromSpawn: round((doneAt - spawnedAt) / 1000, 2),
      perSecond: round(perSecond, 1),
      ratioToBaseline: round(perSecond / baseline.fetchParsePerSecond, 3),
      milestones: Object.fromEntries(
        Object.entries({ ...milestones, lastTicketLogged: lastTicket }).map(([k, v]) => [
          k,
          v === null || !opened ? null : round((v - opened) / 1000, 2),
        ]),
      ),
      peakRssMb: Math.round(peakRssMb),
      cpuSeconds,
      machineUtilisation,
      received,
      outcome,
      expected,
      ok: problems.length === 0,
      problems,
      latency: latencyResult,
      rssTimeline: daemon.memory.samples,
    };
  } finally {
    await counter?.close().catch(() => undefined);
    await daemon?.kill().catch(() => undefined);
    await world.stop().catch(() => undefined);
    await bdb.drop().catch((e: unknown) => log(`  could not drop the database: ${String(e)}`));
  }
}

interface LatencyRaw {
  readonly mails: GeneratedMail[];
  readonly appendStart: number[];
  readonly ackAt: (number | null)[];
  readonly gaps: number[];
}

/** The daemon is idle in IDLE: single complaints, one APPEND each, at random intervals. */
async function latencyPhase(
  world: World,
  daemon: DaemonChild,
  options: NonNullable<BacklogOptions['latency']>,
  seed: number,
  runTag: string,
): Promise<LatencyRaw> {
  log(`  latency: ${options.count} single complaints, gaps ${options.minGapMs}–${options.maxGapMs} ms`);
  await sleep(2000); // back in IDLE
  const appender: ImapFlow = await connect(world.dovecot, IMAP_USER.name);
  const mails: GeneratedMail[] = [];
  const appendStart: number[] = [];
  const gaps: number[] = [];
  try {
    for (let i = 0; i < options.count; i++) {
      const gap = options.minGapMs + Math.random() * (options.maxGapMs - options.minGapMs);
      gaps.push(gap);
      await sleep(gap);
      const mail = singleComplaint(seed, runTag, i);
      mails.push(mail);
      appendStart.push(Date.now());
      await appender.append('INBOX', mail.raw, []);
      if (daemon.child.exitCode !== null) throw new Error('daemon exited during the latency leg');
    }
  } finally {
    await close(appender);
  }
  const ackOf = () => {
    world.collector.drain();
    const byReply = new Map(world.collector.acks().map((a) => [a.inReplyTo, a.at]));
    return mails.map((m) => byReply.get(m.messageId) ?? null);
  };
  const deadline = Date.now() + 30_000;
  while (ackOf().some((a) => a === null) && Date.now() < deadline) await sleep(100);
  return { mails, appendStart, ackAt: ackOf(), gaps };
}

function summariseLatency(
  raw: LatencyRaw,
  times: Map<string, { createdAt: number; ackSentAt: number | null }>,
): LatencyResult {
  const samples: number[] = [];
  const toTicket: number[] = [];
  const ticketToAck: number[] = [];
  const sentToReceived: number[] = [];
  raw.mails.forEach((m, i) => {
    const ack = raw.ackAt[i];
    const start = raw.appendStart[i]!;
    if (ack === null || ack === undefined) return;
    samples.push(ack - start);
    const t = times.get(m.messageId);
    if (t) {
      toTicket.push(t.createdAt - start);
      ticketToAck.push(ack - t.createdAt);
      if (t.ackSentAt !== null) sentToReceived.push(t.ackSentAt - ack);
    }
  });
  const result: LatencyResult = {
    count: raw.mails.length,
    p50Ms: round(percentile(samples, 50)),
    p95Ms: round(percentile(samples, 95)),
    maxMs: round(Math.max(...samples)),
    meanGapMs: round(raw.gaps.reduce((s, g) => s + g, 0) / raw.gaps.length),
    missing: raw.mails.length - samples.length,
    toTicketP50Ms: toTicket.length ? round(percentile(toTicket, 50)) : null,
    ticketToAckP50Ms: ticketToAck.length ? round(percentile(ticketToAck, 50)) : null,
    acceptedToMarkedSentP50Ms: sentToReceived.length ? round(percentile(sentToReceived, 50)) : null,
    samplesMs: samples.map((s) => Math.round(s)),
  };
  log(
    `  latency p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms, max ${result.maxMs} ms (APPEND→ticket p50 ${result.toTicketP50Ms} ms, ticket→ack p50 ${result.ticketToAckP50Ms} ms)`,
  );
  return result;
}
