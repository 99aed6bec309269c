// The benchmark's world: the end-to-end tests' throwaway Dovecot and SMTP receiver (in a child
// process), a fresh PostgreSQL database or PGlite directory per leg, the generated configuration,
// and the daemon as a real child process (the compiled `reclam run`) whose memory and CPU are read
// from /proc.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import postgres from 'postgres';
import { startDovecot, type DovecotServer } from '../../tests/harness/dovecot.js';
import { LAUNCH_FLAGS } from '../../tests/harness/launch-flags.js';
import { testConfigYaml } from '../../tests/support/test-config.js';
import type { ReceivedRecord } from './receiver-child.js';
import { cpuSecondsOf, memoryOf } from './util.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const IMAP_USER = { name: 'reclamation', password: 'secret-imap' };
/** A second mailbox for the IDLE probe, so the complaint inbox is left alone. */
export const PROBE_USER = { name: 'probe', password: 'probe-secret' };
export const STAFF = [
  'pilote@spst-test.fr',
  'direction@spst-test.fr',
  'dr.martin@spst-test.fr',
  'accueil@spst-test.fr',
];

export type Engine = 'postgres' | 'pglite';

/** The daemon as production runs it: the compiled CLI (`npm run build`, see `buildDaemon`). */
export const DAEMON_ENTRY = join(ROOT, 'dist/bin.js');

/**
 * Compiles src/ into dist/ (`npm run build`), once per bench run, so the daemon children run the
 * current code without tsx. Type errors are reported but do not stop the run when tsc still
 * emitted dist/ (others' work in progress); a missing dist/bin.js does.
 */
export function buildDaemon(): { seconds: number; typeErrors: string[] } {
  const started = Date.now();
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const typeErrors = `${result.stdout ?? ''}`.split('\n').filter((l) => /error TS\d+/.test(l));
  if (!existsSync(DAEMON_ENTRY))
    throw new Error(`npm run build did not produce ${DAEMON_ENTRY}:\n${result.stdout}${result.stderr}`);
  return { seconds: (Date.now() - started) / 1000, typeErrors };
}

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
  return (
    process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  );
}

/** One mail accepted by the SMTP receiver, reduced to what the benchmark counts. */
export type Received = ReceivedRecord;

/** The tests' SMTP receiver in a child process (receiver-child.ts): it scans headers, parses nothing. */
export interface ReceiverChild {
  readonly port: number;
  readonly pid: number;
  /** Called with every `mail <json>` line. */
  onRecord(listener: (record: Received) => void): void;
  stop(): Promise<void>;
}

export async function startReceiverChild(): Promise<ReceiverChild> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'receiver-child.ts'), '--records'],
    {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  let listener: (record: Received) => void = () => undefined;
  const port = await new Promise<number>((resolvePort, reject) => {
    child.once('exit', (code) => reject(new Error(`SMTP receiver exited (${code}) before listening`)));
    lines.on('line', (line) => {
      if (line.startsWith('port ')) resolvePort(Number(line.slice(5)));
      else if (line.startsWith('mail ')) listener(JSON.parse(line.slice(5)) as Received);
    });
  });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  return {
    port,
    pid: child.pid ?? -1,
    onRecord(next) {
      listener = next;
    },
    async stop() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The records of the mails the receiver accepted, in arrival order (`at` is the receiver's own
 * clock when the DATA was read). `drain()` is kept for the legs' loops: records arrive on their
 * own, every 20 ms, from the child's stdout.
 */
export class Collector {
  readonly all: Received[] = [];
  private listeners: (() => void)[] = [];
  constructor(receiver: ReceiverChild) {
    receiver.onRecord((record) => {
      this.all.push(record);
      for (const l of this.listeners) l();
    });
  }
  drain(): void {
    // Records are pushed by the receiver child; nothing to pull.
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
    this.listeners = [];
  }
}

export interface World {
  readonly dovecot: DovecotServer;
  readonly smtp: ReceiverChild;
  readonly collector: Collector;
  stop(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const dovecot = await startDovecot({ users: [IMAP_USER, PROBE_USER] });
  const smtp = await startReceiverChild();
  const collector = new Collector(smtp);
  return {
    dovecot,
    smtp,
    collector,
    async stop() {
      await smtp.stop();
      collector.stop();
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
export async function writeConfig(
  db: BenchDatabase,
  imapPort: number,
  smtpPort: number,
  file = 'reclam.yaml',
): Promise<string> {
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

/**
 * The daemon children's node flags: the launch flags, then DAEMON_NODE_ARGS (e.g. `--import
 * ./memlog.mjs`; a later V8 flag wins, so `--no-liftoff-only` measures
 * without the launch flags).
 */
export function extraNodeArgs(): string[] {
  return [...LAUNCH_FLAGS, ...(process.env.DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean)];
}

export function spawnDaemon(configPath: string, options: SpawnOptions = {}): DaemonChild {
  const spawnedAt = Date.now();
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? extraNodeArgs()), DAEMON_ENTRY, 'run', '--config', configPath, '--log-level', 'info'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const log: DaemonLog = {
    ticketsCreated: 0,
    followUps: 0,
    suppressed: 0,
    quarantined: 0,
    mailsSent: 0,
    errors: [],
    tail: [],
  };
  let pending = '';
  const onData = (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
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
