// The benchmark's world: the end-to-end tests' throwaway Dovecot and SMTP receiver, a fresh
// PostgreSQL database or PGlite directory per leg, the generated configuration, and the daemon as
// a real child process (`reclam run`) whose memory and CPU are read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import { startDovecot, type DovecotServer } from '../../tests/harness/dovecot.js';
import { startSmtpReceiver, type SmtpReceiver } from '../../tests/harness/smtp-receiver.js';
import { testConfigYaml } from '../../tests/support/test-config.js';
import { cpuSecondsOf, memoryOf } from './util.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const IMAP_USER = { name: 'reclamation', password: 'secret-imap' };
/** A second mailbox for the IDLE probe, so the complaint inbox is left alone. */
export const PROBE_USER = { name: 'probe', password: 'probe-secret' };
export const STAFF = ['pilote@spst-test.fr', 'direction@spst-test.fr', 'dr.martin@spst-test.fr', 'accueil@spst-test.fr'];

export type Engine = 'postgres' | 'pglite';

// What an interrupted run (Ctrl-C) must not leave behind: daemon children and databases.
const liveDaemons = new Set<ChildProcess>();
const liveDatabases = new Set<BenchDatabase>();
process.on('exit', () => {
  for (const child of liveDaemons) child.kill('SIGKILL');
});

/** Kills the daemons and drops the databases still around (on SIGINT/SIGTERM). */
export async function cleanupAll(): Promise<void> {
  for (const child of liveDaemons) child.kill('SIGKILL');
  await Promise.allSettled([...liveDatabases].map((d) => d.drop()));
}

export function adminUrl(): string {
  return process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** One mail accepted by the SMTP receiver, reduced to what the benchmark counts. */
export interface Received {
  readonly at: number;
  readonly to: string;
  /** X-Reclam-Kind: ack, new-ticket, follow-up-forward, pilot-alert, digest… */
  readonly kind: string;
  readonly messageId: string;
  readonly inReplyTo: string;
  readonly bytes: number;
}

/**
 * The SMTP receiver keeps every accepted mail, parsed, in memory; over 15 000 mails that is a lot.
 * The collector moves them every 25 ms into small records (the arrival time is the receiver's own
 * `receivedAt`, taken when the DATA was read, so the polling adds no error).
 */
export class Collector {
  readonly all: Received[] = [];
  private readonly timer: NodeJS.Timeout;
  private listeners: (() => void)[] = [];
  constructor(private readonly smtp: SmtpReceiver) {
    this.timer = setInterval(() => this.drain(), 25);
  }
  drain(): void {
    if (this.smtp.mails.length === 0) return;
    for (const m of this.smtp.mails.splice(0)) {
      const header = (name: string) => {
        const value = m.parsed.headers.get(name);
        return typeof value === 'string' ? value : '';
      };
      this.all.push({
        at: m.receivedAt.getTime(),
        to: m.envelopeTo[0] ?? '',
        kind: header('x-reclam-kind') || 'unknown',
        messageId: (m.parsed.messageId ?? '').replace(/^<|>$/g, ''),
        inReplyTo: (typeof m.parsed.inReplyTo === 'string' ? m.parsed.inReplyTo : '').replace(/^<|>$/g, ''),
        bytes: m.raw.length,
      });
    }
    for (const l of this.listeners) l();
  }
  onMail(listener: () => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }
  acks(): Received[] {
    return this.all.filter((r) => r.kind === 'ack');
  }
  stop(): void {
    clearInterval(this.timer);
    this.drain();
  }
}

export interface World {
  readonly dovecot: DovecotServer;
  readonly smtp: SmtpReceiver;
  readonly collector: Collector;
  stop(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const dovecot = await startDovecot({ users: [IMAP_USER, PROBE_USER] });
  const smtp = await startSmtpReceiver();
  const collector = new Collector(smtp);
  return {
    dovecot,
    smtp,
    collector,
    async stop() {
      collector.stop();
      await smtp.stop();
      await dovecot.stop();
    },
  };
}

export interface BenchDatabase {
  readonly engine: Engine;
  /** PostgreSQL URL, or undefined for PGlite. */
  readonly url?: string;
  /** Temp dir: the config file, and PGlite's data in `data/`. */
  readonly dir: string;
  readonly dataDir: string;
  drop(): Promise<void>;
}

/** A fresh, empty database: a new PostgreSQL database, or a new PGlite directory. */
export async function createBenchDatabase(engine: Engine, label: string): Promise<BenchDatabase> {
  const dir = await mkdtemp(join(tmpdir(), `reclam-bench-${label}-`));
  const dataDir = join(dir, 'data');
  if (engine === 'pglite') {
    const bdb: BenchDatabase = {
      engine,
      dir,
      dataDir,
      async drop() {
        liveDatabases.delete(bdb);
        await rm(dir, { recursive: true, force: true });
      },
    };
    liveDatabases.add(bdb);
    return bdb;
  }
  const name = `reclam_bench_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}`;
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const bdb: BenchDatabase = {
    engine,
    url: url.toString(),
    dir,
    dataDir,
    async drop() {
      liveDatabases.delete(bdb);
      const cleanup = postgres(adminUrl(), { max: 1, onnotice: () => undefined });
      try {
        await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await cleanup.end();
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  liveDatabases.add(bdb);
  return bdb;
}

/** The test configuration (tests/support/test-config.ts) pointed at this world and database. */
export async function writeConfig(db: BenchDatabase, imapPort: number, smtpPort: number, file = 'reclam.yaml'): Promise<string> {
  const path = join(db.dir, file);
  await writeFile(
    path,
    testConfigYaml({
      imapPort,
      smtpPort,
      ...(db.url ? { databaseUrl: db.url } : { dataDir: db.dataDir }),
      outbox: '{ maxAttempts: 5, baseDelaySeconds: 1, maxDelaySeconds: 2 }',
    }),
  );
  return path;
}

/** What the daemon's info log says, as it says it (pino JSON lines, `time` in epoch ms). */
export interface DaemonLog {
  started?: number;
  mailboxOpened?: number;
  ticketsCreated: number;
  lastTicketAt?: number;
  followUps: number;
  suppressed: number;
  quarantined: number;
  mailsSent: number;
  errors: string[];
  tail: string[];
}

export interface DaemonChild {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly spawnedAt: number;
  readonly log: DaemonLog;
  /** Peak RSS seen by sampling (MB) and the kernel's own high-water mark (VmHWM). */
  readonly memory: { peakRssMb: number; hwmMb: number; samples: { t: number; rssMb: number }[] };
  cpuSeconds(): number;
  exited: Promise<number | null>;
  /** SIGTERM and wait (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
  kill(): Promise<void>;
}

export interface SpawnOptions {
  readonly nodeArgs?: readonly string[];
  readonly onLine?: (entry: Record<string, unknown>) => void;
}

export function spawnDaemon(configPath: string, options: SpawnOptions = {}): DaemonChild {
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', join(ROOT, 'src/cli/bin.ts'), 'run', '--config', configPath, '--log-level', 'info'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: DaemonLog = { ticketsCreated: 0, followUps: 0, suppressed: 0, quarantined: 0, mailsSent: 0, errors: [], tail: [] };
  let pending = '';
  const onData = (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      log.tail.push(line);
      if (log.tail.length > 60) log.tail.shift();
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        if (line.trim()) log.errors.push(line.slice(0, 300));
        continue;
      }
      const msg = String(entry.msg ?? '');
      const time = Number(entry.time ?? Date.now());
      if (msg === 'daemon started') log.started ??= time;
      else if (msg === 'mailbox opened') log.mailboxOpened ??= time;
      else if (msg === 'ticket created') {
        log.ticketsCreated++;
        log.lastTicketAt = time;
      } else if (msg === 'follow-up added to ticket') log.followUps++;
      else if (msg.startsWith('mail suppressed')) log.suppressed++;
      else if (msg === 'mail quarantined') log.quarantined++;
      else if (msg === 'mail sent') log.mailsSent++;
      if (Number(entry.level ?? 0) >= 50 && log.errors.length < 50) log.errors.push(line.slice(0, 600));
      options.onLine?.(entry);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const pid = child.pid ?? -1;
  const memory = { peakRssMb: 0, hwmMb: 0, samples: [] as { t: number; rssMb: number }[] };
  let lastSample = 0;
  let lastCpu = 0;
  const sampler = setInterval(() => {
    const m = memoryOf(pid);
    if (!m) return;
    memory.peakRssMb = Math.max(memory.peakRssMb, m.rssMb);
    memory.hwmMb = Math.max(memory.hwmMb, m.hwmMb);
    lastCpu = cpuSecondsOf(pid) || lastCpu;
    if (Date.now() - lastSample >= 1000) {
      lastSample = Date.now();
      memory.samples.push({ t: Date.now() - spawnedAt, rssMb: Math.round(m.rssMb) });
    }
  }, 100);
  liveDaemons.add(child);
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('exit', (code) => {
      liveDaemons.delete(child);
      clearInterval(sampler);
      resolveExit(code);
    });
  });
  return {
    child,
    pid,
    spawnedAt,
    log,
    memory,
    cpuSeconds: () => cpuSecondsOf(pid) || lastCpu,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
