// The reliability leg: the PostgreSQL backlog again, the daemon killed with SIGKILL three times at
// random moments (random points of its progress) and restarted at once. The run must end with
// exactly one ticket per complaint and one acknowledgement per ticket; the same acknowledgement
// (same Message-ID) may reach the receiver twice when a kill fell between SMTP acceptance and
// the commit of `sent` — counted here. A row claimed by a killed daemon waits for its outbox
// lease (2 minutes) before it is sent again, so the leg lasts at least that long after the last
// kill that left claimed rows behind.
import { sql } from 'drizzle-orm';
import { openDatabase, rowsOf } from '../../src/db/database.js';
import { prepareBacklog } from './backlog.js';
import { readOutcome, withDb, type Outcome } from './db-check.js';
import { createBenchDatabase, IMAP_USER, spawnDaemon, startWorld, writeConfig, type DaemonChild } from './env.js';
import { FolderCounter } from './imap.js';
import { log, prng, round, sleep } from './util.js';

export interface ReliabilityResult {
  readonly mails: number;
  readonly complaints: number;
  readonly kills: { atSeconds: number; progress: number; ticketsLogged: number; acksReceived: number }[];
  readonly seconds: number;
  /** When the last acknowledgement (first copy) arrived, seconds after the first spawn. */
  readonly allAcksAtSeconds: number | null;
  readonly outcome: Outcome;
  readonly acksReceived: number;
  readonly distinctAcks: number;
  /** Acknowledgements that arrived more than once (same Message-ID). */
  readonly duplicateAcks: number;
  /** Staff mails that arrived more than once. */
  readonly duplicateStaffMails: number;
  /** Complainants that received two different acknowledgements (must be 0). */
  readonly complainantsWithTwoAcks: number;
  readonly inboxLeft: number;
  readonly processedFolder: number;
  readonly ok: boolean;
  readonly problems: string[];
}

export async function reliabilityLeg(options: {
  count: number;
  seed: number;
  kills: number;
  timeoutMs: number;
}): Promise<ReliabilityResult> {
  log(`== reliability on postgres: ${options.count} mails, ${options.kills} × SIGKILL`);
  const world = await startWorld();
  const bdb = await createBenchDatabase('postgres', 'reliability');
  const children: DaemonChild[] = [];
  let counter: FolderCounter | undefined;
  try {
    const runTag = `r${Date.now().toString(36)}`;
    const { mails } = await prepareBacklog(world, options.count, options.seed, runTag);
    const complaints = mails.filter((m) => m.kind === 'complaint');
    const configPath = await writeConfig(bdb, world.dovecot.imapPort, world.smtp.port);
    counter = await FolderCounter.open(world.dovecot, IMAP_USER.name);
    const random = prng(options.seed + 99);
    // Kill points: random fractions of the work (tickets logged + acknowledgements received).
    const points = Array.from({ length: options.kills }, () => 0.05 + random() * 0.8).sort((a, b) => a - b);
    const ticketsLogged = () => children.reduce((s, c) => s + c.log.ticketsCreated, 0);
    const acksReceived = () => new Set(world.collector.acks().map((a) => a.messageId)).size;
    const progress = () => (ticketsLogged() + acksReceived()) / (2 * complaints.length);
    const started = Date.now();
    const kills: ReliabilityResult['kills'] = [];
    let current = spawnDaemon(configPath);
    children.push(current);
    for (const point of points) {
      while (progress() < point) {
        if (current.child.exitCode !== null) throw new Error(`daemon exited:\n${current.log.tail.join('\n')}`);
        if (Date.now() - started > options.timeoutMs) throw new Error('timed out before the kills');
        world.collector.drain();
        await sleep(20 + random() * 60);
      }
      await current.kill();
      world.collector.drain();
      kills.push({
        atSeconds: round((Date.now() - started) / 1000, 1),
        progress: round(progress(), 3),
        ticketsLogged: ticketsLogged(),
        acksReceived: acksReceived(),
      });
      log(`  SIGKILL at ${kills.at(-1)!.atSeconds} s (progress ${Math.round(progress() * 100)} %); restarting`);
      await sleep(random() * 500);
      current = spawnDaemon(configPath);
      children.push(current);
    }

    // Until every complaint is acknowledged, the inbox is empty and nothing is left in the outbox
    // (rows claimed by a killed daemon come back after their lease).
    const probe = await openDatabase({ url: bdb.url, dataDir: bdb.dataDir, maxConnections: 1 });
    let allAcksAt: number | null = null;
    let inboxLeft = -1;
    try {
      for (;;) {
        world.collector.drain();
        if (allAcksAt === null && acksReceived() >= complaints.length) allAcksAt = Date.now();
        inboxLeft = await counter.count('INBOX');
        const [row] = rowsOf<{ left: number }>(
          await probe.db.execute(sql`select count(*)::int as left from outbox where status in ('pending', 'sending')`),
        );
        if (allAcksAt !== null && inboxLeft === 0 && Number(row?.left ?? 1) === 0) break;
        if (current.child.exitCode !== null) throw new Error(`daemon exited:\n${current.log.tail.join('\n')}`);
        if (Date.now() - started > options.timeoutMs) {
          log(`  TIMEOUT: inbox ${inboxLeft}, acks ${acksReceived()}/${complaints.length}, outbox left ${row?.left}`);
          break;
        }
        await sleep(250);
      }
    } finally {
      await probe.close();
    }
    await sleep(1000);
    const seconds = (Date.now() - started) / 1000;
    await current.stop();
    world.collector.drain();
    const processedFolder = await counter.count('Traitées');
    const outcome = await withDb(bdb, readOutcome);

    const acks = world.collector.acks();
    const byId = new Map<string, number>();
    for (const a of acks) byId.set(a.messageId, (byId.get(a.messageId) ?? 0) + 1);
    const staffCopies = new Map<string, number>();
    for (const m of world.collector.all.filter((r) => r.kind !== 'ack'))
      staffCopies.set(m.messageId, (staffCopies.get(m.messageId) ?? 0) + 1);
    const idsByComplainant = new Map<string, Set<string>>();
    for (const a of acks) idsByComplainant.set(a.to, (idsByComplainant.get(a.to) ?? new Set()).add(a.messageId));
    // A complainant who wrote twice legitimately gets two acknowledgements.
    const expectedPerComplainant = new Map<string, number>();
    for (const c of complaints) expectedPerComplainant.set(c.from, (expectedPerComplainant.get(c.from) ?? 0) + 1);
    const complainantsWithTwoAcks = [...idsByComplainant.entries()].filter(
      ([to, ids]) => ids.size > (expectedPerComplainant.get(to) ?? 0),
    ).length;

    const problems: string[] = [];
    if (outcome.tickets !== complaints.length) problems.push(`tickets ${outcome.tickets} ≠ ${complaints.length}`);
    if (outcome.distinctReferences !== outcome.tickets) problems.push('duplicate references');
    if (Object.values(outcome.messages).reduce((s, n) => s + n, 0) !== mails.length)
      problems.push(`messages ${JSON.stringify(outcome.messages)} ≠ ${mails.length}`);
    if (outcome.acksSent !== complaints.length) problems.push(`acks sent ${outcome.acksSent} ≠ ${complaints.length}`);
    if (byId.size !== complaints.length) problems.push(`distinct acks received ${byId.size} ≠ ${complaints.length}`);
    if (complainantsWithTwoAcks)
      problems.push(`${complainantsWithTwoAcks} complainants got two different acknowledgements`);
    if (inboxLeft !== 0) problems.push(`${inboxLeft} mails left in the inbox`);
    if (processedFolder !== mails.length) problems.push(`Traitées holds ${processedFolder} ≠ ${mails.length}`);
    const result: ReliabilityResult = {
      mails: mails.length,
      complaints: complaints.length,
      kills,
      seconds: round(seconds, 1),
      allAcksAtSeconds: allAcksAt === null ? null : round((allAcksAt - started) / 1000, 1),
      outcome,
      acksReceived: acks.length,
      distinctAcks: byId.size,
      duplicateAcks: acks.length - byId.size,
      duplicateStaffMails: [...staffCopies.values()].reduce((s, n) => s + n - 1, 0),
      complainantsWithTwoAcks,
      inboxLeft,
      processedFolder,
      ok: problems.length === 0,
      problems,
    };
    log(
      `  done in ${result.seconds} s: tickets ${outcome.tickets}/${complaints.length}, acks ${byId.size} distinct (${result.duplicateAcks} sent twice), staff mails sent twice ${result.duplicateStaffMails}${problems.length ? `; PROBLEMS: ${problems.join('; ')}` : ''}`,
    );
    return result;
  } finally {
    await counter?.close().catch(() => undefined);
    for (const c of children) await c.kill().catch(() => undefined);
    await world.stop().catch(() => undefined);
    await bdb.drop().catch(() => undefined);
  }
}
