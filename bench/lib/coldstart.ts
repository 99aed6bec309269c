// Cold start: from spawning `reclam run` to its first IMAP command, seen by a TCP relay put
// between the daemon and Dovecot (only in this leg, so the other legs talk to Dovecot directly).
// First start on a fresh database (migrations included), then restarts on the migrated one.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createBenchDatabase,
  DAEMON_ENTRY,
  extraNodeArgs,
  ROOT,
  spawnDaemon,
  startWorld,
  writeConfig,
  type Engine,
} from './env.js';
import { log, percentile, round, sleep, waitFor } from './util.js';

export interface ColdStartResult {
  readonly engine: Engine;
  /** Seconds from spawn to the first IMAP command, first start (fresh database, migrations). */
  readonly firstStartSeconds: number;
  /** Median over the restarts (migrated database). */
  readonly restartSeconds: number;
  readonly runs: {
    spawnToConnectS: number;
    spawnToFirstCommandS: number;
    spawnToMailboxOpenedS: number | null;
    idleRssMb: number;
    /** The kernel's high-water mark (VmHWM) of the daemon until then, MB. */
    idleHwmMb: number;
  }[];
  /** RSS once idle in IDLE with nothing to do (MB, median). */
  readonly idleRssMb: number;
  /** VmHWM of the daemon up to that point (MB, median over the restarts; the first start apart). */
  readonly idleHwmMb: number;
  readonly firstStartHwmMb: number;
  /** The CLI with no daemon running, on the database the daemon left (median of the runs). */
  readonly cli: {
    readonly helpSeconds: number;
    readonly ticketsSeconds: number;
    readonly ticketsHwmMb: number;
  };
}

/** Runs the compiled CLI as production does (launch flags); wall seconds and VmHWM at exit. */
async function timeCli(args: readonly string[]): Promise<{ seconds: number; hwmMb: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'reclam-bench-cli-'));
  const hwmFile = join(dir, 'hwm');
  try {
    const started = performance.now();
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [...extraNodeArgs(), '--import', join(ROOT, 'bench/lib/hwm-at-exit.mjs'), DAEMON_ENTRY, ...args],
        { cwd: ROOT, env: { ...process.env, BENCH_HWM_FILE: hwmFile }, stdio: 'ignore' },
      );
      child.once('error', reject).once('close', resolve);
    });
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`reclam ${args.join(' ')} exited with ${code}`);
    return { seconds, hwmMb: Number(await readFile(hwmFile, 'utf8')) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function timeCliRuns(args: readonly string[], runs: number) {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await timeCli(args));
  return {
    seconds: round(
      percentile(
        results.map((r) => r.seconds),
        50,
      ),
      2,
    ),
    hwmMb: Math.round(
      percentile(
        results.map((r) => r.hwmMb),
        50,
      ),
    ),
  };
}

interface Relay {
  readonly port: number;
  firstConnectAt: number | null;
  firstCommandAt: number | null;
  reset(): void;
  close(): Promise<void>;
}

async function startRelay(targetPort: number): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const relay: Relay = {
    port: 0,
    firstConnectAt: null,
    firstCommandAt: null,
    reset() {
      this.firstConnectAt = null;
      this.firstCommandAt = null;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = net.createServer((client) => {
    relay.firstConnectAt ??= Date.now();
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(client).add(upstream);
    client.once('data', () => {
      relay.firstCommandAt ??= Date.now();
    });
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return Object.assign(relay, { port: (server.address() as net.AddressInfo).port });
}

export async function coldStartLeg(engine: Engine, restarts: number): Promise<ColdStartResult> {
  log(`== cold start on ${engine}: 1 first start + ${restarts} restarts`);
  const world = await startWorld();
  const relay = await startRelay(world.dovecot.imapPort);
  const bdb = await createBenchDatabase(engine, `coldstart_${engine}`);
  try {
    const configPath = await writeConfig(bdb, relay.port, world.smtp.port);
    const runs: ColdStartResult['runs'] = [];
    for (let i = 0; i <= restarts; i++) {
      relay.reset();
      const daemon = spawnDaemon(configPath);
      try {
        await waitFor(
          () => relay.firstCommandAt !== null && daemon.log.mailboxOpened !== undefined,
          // A fresh PGlite runs initdb first: minutes on a machine other processes keep busy.
          180_000,
          'the first IMAP command',
        );
        await sleep(3000); // idle in IDLE
        const rss = daemon.memory.samples.at(-1)?.rssMb ?? 0;
        const hwm = Math.round(daemon.memory.hwmMb);
        runs.push({
          spawnToConnectS: round((relay.firstConnectAt! - daemon.spawnedAt) / 1000, 2),
          spawnToFirstCommandS: round((relay.firstCommandAt! - daemon.spawnedAt) / 1000, 2),
          spawnToMailboxOpenedS: daemon.log.mailboxOpened
            ? round((daemon.log.mailboxOpened - daemon.spawnedAt) / 1000, 2)
            : null,
          idleRssMb: rss,
          idleHwmMb: hwm,
        });
      } finally {
        await daemon.stop();
      }
    }
    const help = await timeCliRuns(['--help'], 5);
    const tickets = await timeCliRuns(['--config', configPath, 'tickets'], 3);
    const result: ColdStartResult = {
      engine,
      firstStartSeconds: runs[0]!.spawnToFirstCommandS,
      restartSeconds: round(
        percentile(
          runs.slice(1).map((r) => r.spawnToFirstCommandS),
          50,
        ),
        2,
      ),
      runs,
      idleRssMb: Math.round(
        percentile(
          runs.map((r) => r.idleRssMb),
          50,
        ),
      ),
      idleHwmMb: Math.round(
        percentile(
          (runs.length > 1 ? runs.slice(1) : runs).map((r) => r.idleHwmMb),
          50,
        ),
      ),
      firstStartHwmMb: runs[0]!.idleHwmMb,
      cli: { helpSeconds: help.seconds, ticketsSeconds: tickets.seconds, ticketsHwmMb: tickets.hwmMb },
    };
    log(
      `  first command after ${result.firstStartSeconds} s (fresh database), ${result.restartSeconds} s on restart; idle RSS ${result.idleRssMb} MB (high-water ${result.idleHwmMb} MB; first start ${result.firstStartHwmMb} MB)`,
    );
    log(
      `  reclam --help ${result.cli.helpSeconds} s; reclam tickets ${result.cli.ticketsSeconds} s, peak RSS ${result.cli.ticketsHwmMb} MB`,
    );
    return result;
  } finally {
    await relay.close();
    await world.stop().catch(() => undefined);
    await bdb.drop().catch(() => undefined);
  }
}
