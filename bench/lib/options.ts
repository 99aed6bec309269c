// Command-line flags (and BENCH_* environment variables) of `npm run bench`.
export const LEGS = [
  'coldstart',
  'backlog-postgres',
  'backlog-pglite',
  'reliability',
  'profile',
  'indicators-postgres',
  'indicators-pglite',
  'qualification',
  'large-mails',
  'web-desk-pglite',
  'web-desk-postgres',
] as const;
export type Leg = (typeof LEGS)[number];

export interface BenchOptions {
  readonly quick: boolean;
  readonly seed: number;
  readonly backlog: number;
  readonly latency: number;
  readonly latencyGapMs: readonly [number, number];
  readonly latencyEngines: readonly ('postgres' | 'pglite')[];
  readonly reliabilityBacklog: number;
  readonly kills: number;
  readonly profileBacklog: number;
  readonly ticketsPg: number;
  readonly ticketsPglite: number;
  readonly digestRuns: number;
  /** Requests per page and viewer in the web-desk legs (the first one, warming up, not counted). */
  readonly webRuns: number;
  readonly tryIndexes: boolean;
  readonly coldRestarts: number;
  readonly legs: readonly Leg[];
  readonly out: string;
  readonly waitIdleSeconds: number;
  readonly legTimeoutMinutes: number;
}

export const USAGE = `npm run bench -- [options]        (each option also as BENCH_<NAME>, e.g. BENCH_BACKLOG=5000)

  --quick                   small sizes, about 2–3 minutes: checks that everything works (skips
                            the reliability leg, whose restart waits out the 2-minute outbox lease;
                            add --only reliability to check that one)
  --backlog N               mails in the backlog leg (default 5000)
  --latency N               single complaints in the latency leg (default 100; 0 = skip)
  --latency-gap MIN-MAX     random interval between them, ms (default 200-1800)
  --latency-engines LIST    postgres,pglite (default postgres)
  --reliability-backlog N   mails in the SIGKILL leg (default: --backlog)
  --kills N                 SIGKILLs in that leg (default 3)
  --profile-backlog N       mails ingested in-process under the profiler (default 1500)
  --tickets-pg N            history for the digest on PostgreSQL (default 1000000)
  --tickets-pglite N        history for the digest on PGlite (default 100000)
  --digest-runs N           computeDigest runs per configuration (default 3: 1 cold + 2 warm)
  --web-runs N              requests per page and viewer in the web-desk legs (default 21: 1 warm-up + 20)
  --no-index-trial          do not time the digest again with the candidate indexes
  --cold-restarts N         restarts timed after the first start (default 2)
  --only LIST               legs to run: ${LEGS.join(',')}
  --skip LIST               legs not to run
  --seed N                  generator seed (default 2026)
  --out FILE                results (default bench/results.json)
  --wait-idle S             before each leg, wait up to S seconds for other processes to leave
                            the CPUs (default 0: just record their load)
  --leg-timeout M           minutes before a leg gives up (default 15)
  --report [FILE]           only re-print the table of a previous run (default bench/results.json)
`;

function list<T extends string>(value: string, allowed: readonly T[], what: string): T[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items)
    if (!allowed.includes(item as T)) throw new Error(`unknown ${what} ${item} (one of ${allowed.join(', ')})`);
  return items as T[];
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const given = new Map<string, string>();
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith('BENCH_') || value === undefined || key === 'BENCH_DATABASE_URL') continue;
    given.set(key.slice(6).toLowerCase().replace(/_/g, '-'), value);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (['quick', 'no-index-trial'].includes(name)) {
      given.set(name, inline ?? '1');
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    given.set(name, value);
  }
  const known = [
    'quick',
    'backlog',
    'latency',
    'latency-gap',
    'latency-engines',
    'reliability-backlog',
    'kills',
    'profile-backlog',
    'tickets-pg',
    'tickets-pglite',
    'digest-runs',
    'web-runs',
    'no-index-trial',
    'cold-restarts',
    'only',
    'skip',
    'seed',
    'out',
    'wait-idle',
    'leg-timeout',
  ];
  for (const name of given.keys()) if (!known.includes(name)) throw new Error(`unknown option --${name}\n${USAGE}`);
  const flag = (name: string) => ['1', 'true', 'yes'].includes(given.get(name) ?? '');
  const quick = flag('quick');
  const int = (name: string, normal: number, small: number) => {
    const raw = given.get(name);
    const value = raw === undefined ? (quick ? small : normal) : Number(raw.replace(/_/g, ''));
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number, got ${raw}`);
    return value;
  };
  const backlog = int('backlog', 5000, 300);
  const gap = (given.get('latency-gap') ?? '200-1800').split('-').map(Number);
  let legs: Leg[] = given.has('only')
    ? list(given.get('only')!, LEGS, 'leg')
    : quick
      ? LEGS.filter((l) => l !== 'reliability')
      : [...LEGS];
  if (given.has('skip')) {
    const skip = list(given.get('skip')!, LEGS, 'leg');
    legs = legs.filter((l) => !skip.includes(l));
  }
  return {
    quick,
    seed: int('seed', 2026, 2026),
    backlog,
    latency: int('latency', 100, 10),
    latencyGapMs: [gap[0] ?? 200, gap[1] ?? 1800],
    latencyEngines: list(given.get('latency-engines') ?? 'postgres', ['postgres', 'pglite'] as const, 'engine'),
    reliabilityBacklog: int('reliability-backlog', backlog, Math.min(backlog, 300)),
    kills: int('kills', 3, 3),
    profileBacklog: int('profile-backlog', 1500, 300),
    ticketsPg: int('tickets-pg', 1_000_000, 30_000),
    ticketsPglite: int('tickets-pglite', 100_000, 10_000),
    digestRuns: Math.max(2, int('digest-runs', 3, 2)),
    webRuns: Math.max(2, int('web-runs', 21, 6)),
    tryIndexes: !flag('no-index-trial'),
    coldRestarts: int('cold-restarts', 2, 1),
    legs,
    out: given.get('out') ?? 'bench/results.json',
    waitIdleSeconds: int('wait-idle', 0, 0),
    legTimeoutMinutes: int('leg-timeout', 15, 5),
  };
}
