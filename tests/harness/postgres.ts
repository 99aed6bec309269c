// Throwaway PostgreSQL 15 for outage tests: a private cluster in a temp dir on a free loopback
// port, which a test may stop (`pg_ctl stop -m immediate`), kill (SIGKILL of the postmaster) and
// start again. The shared server on 5432 is never touched. PostgreSQL refuses to run as root:
// as root, the cluster belongs to nobody (65534) and every binary runs as that user.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, appendFileSync, chownSync, constants, readFileSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { freePort } from './dovecot.js';

export const POSTGRES_BIN_DIR = '/usr/lib/postgresql/15/bin';
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const BIND_RETRIES = 5;

export type PostgresAvailability = { available: true } | { available: false; reason: string };

/** Whether initdb, postgres and pg_ctl exist in POSTGRES_BIN_DIR. */
export function postgresAvailability(): PostgresAvailability {
  for (const name of ['initdb', 'postgres', 'pg_ctl', 'pg_isready']) {
    try {
      accessSync(path.join(POSTGRES_BIN_DIR, name), constants.X_OK);
    } catch {
      return { available: false, reason: `${path.join(POSTGRES_BIN_DIR, name)} is missing` };
    }
  }
  return { available: true };
}

/**
 * `describe` for suites that need a private PostgreSQL. Skipped (one line on stderr) when the
 * binaries are missing, and a failure instead when REQUIRE_E2E=1, as for Dovecot.
 */
export function describeWithPostgres(name: string, fn: () => void): void {
  const availability = postgresAvailability();
  if (availability.available) {
    describe(name, fn);
    return;
  }
  if (process.env.REQUIRE_E2E === '1') {
    describe(name, () => {
      it('needs PostgreSQL 15 binaries', () => {
        throw new Error(`REQUIRE_E2E=1 but ${availability.reason} (apt-get install -y postgresql-15)`);
      });
    });
    return;
  }
  process.stderr.write(`[e2e skipped] ${availability.reason}: private PostgreSQL tests skipped\n`);
  describe.skip(name, fn);
}

export interface PostgresServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Temp dir holding the cluster (`data/`), its socket dir and `postgres.log`; removed by stop(). */
  readonly dir: string;
  /** PID of the running postmaster, or null while it is down. */
  readonly pid: number | null;
  /** Connection URL (user postgres, trust) to `database` (default `postgres`). */
  url(database?: string): string;
  /** `pg_ctl stop -m immediate`: the postmaster quits at once, backends are cut, crash recovery at next start. */
  stopImmediate(): Promise<void>;
  /** SIGKILL to the postmaster alone; resolves once its backends have gone (they notice its death). */
  killPostmaster(): Promise<void>;
  /** Starts the cluster again on the same port after stopImmediate/killPostmaster; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stops the cluster for good (fast shutdown, SIGKILL after 10 s) and removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

function runAs(): RunAs | null {
  return (process.getuid?.() ?? 0) === 0 ? { uid: 65534, gid: 65534 } : null;
}

function chownTree(target: string, as: RunAs): void {
  chownSync(target, as.uid, as.gid);
  for (const entry of readdirSync(target, { withFileTypes: true })) {
    const full = path.join(target, entry.name);
    if (entry.isDirectory()) chownTree(full, as);
    else chownSync(full, as.uid, as.gid);
  }
}

function run(binary: string, args: string[], as: RunAs | null): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      path.join(POSTGRES_BIN_DIR, binary),
      args,
      { ...(as ?? {}), env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${binary} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return members;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(group) === pgid && state !== 'Z') members.push(Number(entry));
    } catch {
      // exited while scanning
    }
  }
  return members;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // group already empty
  }
}

async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupMembers(pgid).length > 0) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

function logTail(dir: string, lines = 20): string {
  try {
    return readFileSync(path.join(dir, 'postgres.log'), 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no postgres.log)';
  }
}

// Clusters still running when this process exits (a test that crashed before stop()).
const live = new Map<number, string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [pgid, dir] of live) {
      signalGroup(pgid, 'SIGKILL');
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
      } catch {
        // best effort: never throw from an exit handler
      }
    }
  });
}

/**
 * Watchdog for when the exit hook never runs (this process killed by a signal): blocks on a pipe
 * from this process and, on EOF, kills the postmaster's group and removes the dir.
 */
function spawnWatchdog(pgid: number, dir: string): ChildProcess {
  const script = `read _ignored; kill -KILL -${pgid} 2>/dev/null; sleep 1; rm -rf '${dir}'`;
  const dog = spawn('/bin/sh', ['-c', script], { stdio: ['pipe', 'ignore', 'ignore'] });
  dog.on('error', () => undefined);
  dog.unref();
  (dog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return dog;
}

/**
 * Creates a cluster (initdb, trust, UTF-8, fsync off) in a new temp dir and starts it on a free
 * 127.0.0.1 port. Resolves once it accepts connections.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const availability = postgresAvailability();
  if (!availability.available) throw new Error(`PostgreSQL unavailable: ${availability.reason}`);
  const as = runAs();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'reclam-pg-'));
  const data = path.join(dir, 'data');
  const socketDir = path.join(dir, 'run');
  try {
    await mkdir(socketDir);
    if (as) chownTree(dir, as);
    await run(
      'initdb',
      ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8'],
      as,
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  let port = 0;
  let child: ChildProcess | null = null;
  let watchdog: ChildProcess | null = null;

  const launch = async (): Promise<void> => {
    const proc = spawn(
      path.join(POSTGRES_BIN_DIR, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${socketDir}`,
        '-c',
        'fsync=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=60',
        '-c',
        'logging_collector=off',
      ],
      {
        cwd: dir,
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
        ...(as ?? {}),
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8' },
      },
    );
    proc.stderr?.on('data', (chunk: Buffer) => {
      try {
        appendFileSync(path.join(dir, 'postgres.log'), chunk);
      } catch {
        // dir removed during shutdown
      }
    });
    let spawnError: Error | undefined;
    proc.on('error', (error) => {
      spawnError = error;
    });
    child = proc;
    if (proc.pid !== undefined) {
      live.set(proc.pid, dir);
      installExitHook();
      watchdog = spawnWatchdog(proc.pid, dir);
      const pid = proc.pid;
      proc.on('exit', () => {
        if (child === proc) child = null;
        // Its backends may outlive it for a moment: the group entry goes once they are gone.
        void waitGroupGone(pid, STOP_GRACE_MS).then(() => live.delete(pid));
      });
    }
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (spawnError || proc.exitCode !== null || proc.signalCode !== null) {
        const tail = logTail(dir);
        if (/could not bind|Address already in use/i.test(tail)) throw new BindFailure(tail);
        throw new Error(
          `postgres exited during start-up (code ${proc.exitCode}): ${spawnError?.message ?? ''}\n${tail}`,
        );
      }
      const ready = await run('pg_isready', ['-h', '127.0.0.1', '-p', String(port), '-t', '1'], as).then(
        () => true,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(
          `postgres did not accept connections on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms\n${logTail(dir)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /** Waits for the postmaster `pid` to exit and its group (backends, auxiliaries) to empty. */
  const waitDown = async (proc: ChildProcess): Promise<void> => {
    const pid = proc.pid!;
    if (proc.exitCode === null && proc.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, STOP_GRACE_MS);
        proc.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (!(await waitGroupGone(pid, STOP_GRACE_MS))) {
      signalGroup(pid, 'SIGKILL');
      await waitGroupGone(pid, STOP_GRACE_MS);
    }
    watchdog?.kill('SIGKILL');
    watchdog = null;
    live.delete(pid);
  };

  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (error) {
      const proc = child as ChildProcess | null;
      if (proc) await waitDown(proc);
      if (!(error instanceof BindFailure) || attempt >= BIND_RETRIES) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  let stopping: Promise<void> | undefined;
  const server: PostgresServer = {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    dir,
    get pid() {
      return child?.pid ?? null;
    },
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async stopImmediate() {
      const proc = child;
      if (!proc) return;
      await run('pg_ctl', ['-D', data, 'stop', '-m', 'immediate', '-w', '-t', '10'], as);
      await waitDown(proc);
    },
    async killPostmaster() {
      const proc = child;
      if (!proc) return;
      proc.kill('SIGKILL');
      await waitDown(proc);
    },
    async start() {
      if (child) return;
      await launch();
    },
    stop() {
      stopping ??= (async () => {
        const proc = child;
        if (proc) {
          proc.kill('SIGINT'); // fast shutdown
          await waitDown(proc);
        }
        rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      })();
      return stopping;
    },
  };
  return server;
}

class BindFailure extends Error {}
