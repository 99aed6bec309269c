// `npm run bench` — reclam's benchmark (issue 6). Not part of the tests: it starts the end-to-end
// tests' throwaway Dovecot and SMTP receiver, a fresh PostgreSQL database (127.0.0.1:5432 by
// default, BENCH_DATABASE_URL or TEST_DATABASE_URL otherwise) and PGlite in a temp dir, runs the
// daemon as a real child process against them, prints a table and writes bench/results.json.
// `--help` lists the sizes; `--quick` checks everything in about two minutes.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import postgres from 'postgres';
import { backlogLeg, type BacklogResult } from './lib/backlog.js';
import { coldStartLeg, type ColdStartResult } from './lib/coldstart.js';
import { adminUrl, buildDaemon, cleanupAll, ROOT } from './lib/env.js';
import { indicatorLeg, writeAllPlans, type IndicatorResult } from './lib/indicators.js';
import { largeMailsLeg, type LargeMailsResult } from './lib/large-mails.js';
import { parseOptions, type BenchOptions, type Leg } from './lib/options.js';
import { profileLeg, type ProfileResult } from './lib/profile.js';
import { qualificationLeg, type QualificationResult } from './lib/qualification.js';
import { reliabilityLeg, type ReliabilityResult } from './lib/reliability.js';
import { renderTable } from './lib/report.js';
import { webDeskLeg, type WebDeskResult } from './lib/web-desk.js';
import { log, machineBusySeconds, round, sleep } from './lib/util.js';

export interface Results {
  readonly startedAt: string;
  durationSeconds: number;
  readonly command: string;
  readonly machine: Record<string, unknown>;
  readonly options: BenchOptions;
  readonly coldStart: Partial<Record<'postgres' | 'pglite', ColdStartResult>>;
  readonly backlog: Partial<Record<'postgres' | 'pglite', BacklogResult>>;
  reliability: ReliabilityResult | null;
  profile: ProfileResult | null;
  readonly indicators: Partial<Record<'postgres' | 'pglite', IndicatorResult>>;
  qualification: QualificationResult | null;
  /** Absent from results written before the large-mails leg existed. */
  largeMails?: Partial<Record<'postgres' | 'pglite', LargeMailsResult>>;
  /** Absent from results written before the web-desk legs existed. */
  webDesk?: Partial<Record<'postgres' | 'pglite', WebDeskResult>>;
  readonly errors: Record<string, string>;
  table: string;
}

async function machine(): Promise<Record<string, unknown>> {
  const version = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'unknown';
    }
  };
  let pg = 'unknown';
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => undefined, connect_timeout: 5 });
  try {
    const [row] =
      await admin`select version() as v, current_setting('shared_buffers') as sb, current_setting('synchronous_commit') as sc, current_setting('jit') as jit`;
    pg = `${String(row?.v).split(',')[0]} (shared_buffers ${row?.sb}, synchronous_commit ${row?.sc}, jit ${row?.jit})`;
  } catch (error) {
    pg = `unreachable: ${(error as Error).message}`;
  } finally {
    await admin.end();
  }
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: round(os.totalmem() / 2 ** 30, 1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: pg,
    dovecot: version('dovecot', ['--version']),
    loadAverageAtStart: os.loadavg().map((l) => round(l, 2)),
  };
}

/** CPU-seconds per second used by the machine over `ms`, out of os.cpus().length. */
async function busyCores(ms: number): Promise<number> {
  const before = machineBusySeconds();
  await sleep(ms);
  return (machineBusySeconds() - before) / (ms / 1000);
}

async function waitForQuiet(seconds: number): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const busy = await busyCores(3000);
    if (busy < 0.25 || Date.now() > deadline) return round(busy, 2);
    log(`other processes use ${round(busy, 2)} cores: waiting for the machine to be quiet`);
    await sleep(5000);
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--report')) {
    // Re-prints the table of the last run (after a change of presentation) without running anything.
    const file = resolve(ROOT, process.argv[process.argv.indexOf('--report') + 1] ?? 'bench/results.json');
    const last = JSON.parse(await readFile(file, 'utf8')) as Results;
    last.table = renderTable(last);
    await writeFile(file, `${JSON.stringify(last, null, 2)}\n`);
    for (const result of Object.values(last.indicators))
      if (result) await writeAllPlans(join(dirname(file), 'plans'), result);
    process.stdout.write(`${last.table}\n`);
    return;
  }
  const options = parseOptions(process.argv.slice(2), process.env);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the daemons and dropping the databases`);
      void Promise.race([cleanupAll(), sleep(8000)]).then(() => process.exit(130));
    });
  }
  const started = Date.now();
  const out = resolve(ROOT, options.out);
  await mkdir(dirname(out), { recursive: true });
  // Next to the results: a --quick run with --out elsewhere leaves the full run's plans alone.
  const plansDir = join(dirname(out), 'plans');
  const profileDir = join(dirname(out), 'profile');
  await mkdir(profileDir, { recursive: true });
  const results: Results = {
    startedAt: new Date().toISOString(),
    durationSeconds: 0,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: await machine(),
    options,
    coldStart: {},
    backlog: {},
    reliability: null,
    profile: null,
    indicators: {},
    qualification: null,
    largeMails: {},
    errors: {},
    table: '',
  };
  // The daemon children run the compiled build, as in production (not src/ through tsx).
  const build = buildDaemon();
  results.machine.build = { seconds: round(build.seconds, 1), typeErrors: build.typeErrors.length };
  log(
    `npm run build: ${round(build.seconds, 1)} s${build.typeErrors.length ? `, ${build.typeErrors.length} type errors (dist/ emitted anyway): ${build.typeErrors.slice(0, 3).join(' | ')}` : ''}`,
  );
  const idle =
    options.waitIdleSeconds > 0 ? await waitForQuiet(options.waitIdleSeconds) : round(await busyCores(2000), 2);
  results.machine.otherLoadAtStartCores = idle;
  if (idle > 0.25)
    log(
      `WARNING: other processes already use ${idle} of ${os.cpus().length} cores: figures will be lower than on a quiet machine`,
    );
  log(`legs: ${options.legs.join(', ')}${options.quick ? ' (quick sizes)' : ''}`);
  const save = async () => {
    results.durationSeconds = round((Date.now() - started) / 1000);
    results.table = renderTable(results);
    await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  };
  const otherLoad: Record<string, number> = {};
  results.machine.otherLoadBeforeLegCores = otherLoad;
  const run = async (leg: Leg, fn: () => Promise<void>) => {
    if (!options.legs.includes(leg)) return;
    // Other engineers' test runs share the machine: wait for them before each leg, when asked.
    otherLoad[leg] =
      options.waitIdleSeconds > 0 ? await waitForQuiet(options.waitIdleSeconds) : round(await busyCores(1000), 2);
    const t = Date.now();
    try {
      await fn();
    } catch (error) {
      results.errors[leg] = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`leg ${leg} FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }
    log(`(${leg}: ${round((Date.now() - t) / 1000)} s; ${round((Date.now() - started) / 60000, 1)} min so far)`);
    await save();
  };
  const timeoutMs = options.legTimeoutMinutes * 60_000;
  const latency = (engine: 'postgres' | 'pglite') =>
    options.latency > 0 && options.latencyEngines.includes(engine)
      ? { count: options.latency, minGapMs: options.latencyGapMs[0], maxGapMs: options.latencyGapMs[1] }
      : null;

  await run('qualification', async () => {
    results.qualification = await qualificationLeg();
  });
  await run('coldstart', async () => {
    results.coldStart.postgres = await coldStartLeg('postgres', options.coldRestarts);
    results.coldStart.pglite = await coldStartLeg('pglite', options.coldRestarts);
  });
  await run('backlog-postgres', async () => {
    results.backlog.postgres = await backlogLeg('postgres', {
      count: options.backlog,
      seed: options.seed,
      timeoutMs,
      latency: latency('postgres'),
    });
  });
  await run('backlog-pglite', async () => {
    results.backlog.pglite = await backlogLeg('pglite', {
      count: options.backlog,
      seed: options.seed,
      timeoutMs,
      latency: latency('pglite'),
    });
  });
  await run('reliability', async () => {
    results.reliability = await reliabilityLeg({
      count: options.reliabilityBacklog,
      seed: options.seed,
      kills: options.kills,
      timeoutMs,
    });
  });
  await run('profile', async () => {
    results.profile = await profileLeg({ count: options.profileBacklog, seed: options.seed, outDir: profileDir });
  });
  await run('indicators-postgres', async () => {
    results.indicators.postgres = await indicatorLeg('postgres', {
      tickets: options.ticketsPg,
      seed: options.seed,
      runs: options.digestRuns,
      plansDir,
      tryIndexes: options.tryIndexes,
    });
  });
  await run('indicators-pglite', async () => {
    results.indicators.pglite = await indicatorLeg('pglite', {
      tickets: options.ticketsPglite,
      seed: options.seed,
      runs: options.digestRuns,
      plansDir,
      tryIndexes: options.tryIndexes,
    });
  });
  await run('large-mails', async () => {
    results.largeMails ??= {};
    results.largeMails.postgres = await largeMailsLeg('postgres');
    results.largeMails.pglite = await largeMailsLeg('pglite');
  });
  await run('web-desk-pglite', async () => {
    results.webDesk ??= {};
    results.webDesk.pglite = await webDeskLeg('pglite', {
      tickets: options.ticketsPglite,
      seed: options.seed,
      runs: options.webRuns,
    });
  });
  await run('web-desk-postgres', async () => {
    results.webDesk ??= {};
    results.webDesk.postgres = await webDeskLeg('postgres', {
      tickets: options.ticketsPg,
      seed: options.seed,
      runs: options.webRuns,
    });
  });

  await save();
  process.stdout.write(`\n${results.table}\n`);
  log(`results in ${out} (${round(results.durationSeconds / 60, 1)} min)`);
  if (Object.keys(results.errors).length > 0) process.exitCode = 1;
}

await main();
