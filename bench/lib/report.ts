// The table `npm run bench` prints and the README's Performance section shows.
import type { Results } from '../run.js';
import { ABOVE_IDLE_TARGET_MB } from './large-mails.js';
import { fmt } from './util.js';

type Verdict = string;

const verdict = (ok: boolean | null): Verdict => (ok === null ? '—' : ok ? '✔' : '✘');

export function renderTable(r: Results): string {
  const pg = r.backlog.postgres;
  const pl = r.backlog.pglite;
  const rows: [string, string, string, string, Verdict][] = [];
  const both = (f: (b: NonNullable<typeof pg>) => string) => [pg ? f(pg) : 'not run', pl ? f(pl) : 'not run'] as const;
  const n = pg?.mails.count ?? pl?.mails.count ?? r.options.backlog;

  rows.push([
    `1. FETCH + mailparser of the same backlog (batches of 50 / one streamed FETCH), msg/s`,
    ...both((b) => `${fmt(b.baseline.fetchParsePerSecond)} / ${fmt(b.baseline.streamedFetchParsePerSecond)}`),
    'baseline',
    '—',
  ]);
  rows.push([
    `1. Dovecot APPEND → IDLE EXISTS, p50 / max ms`,
    ...both((b) => `${fmt(b.baseline.idleDelayMs.p50Ms)} / ${fmt(b.baseline.idleDelayMs.maxMs)}`),
    'baseline',
    '—',
  ]);
  rows.push([
    `2. backlog of ${fmt(n)} mails: first IMAP session → all ticketed, moved, acknowledged, s`,
    ...both((b) => `${fmt(b.drainSeconds, 1)} (+${fmt(b.startupSeconds, 1)} start-up)`),
    '—',
    '—',
  ]);
  rows.push([
    `2. backlog rate, mails/s (ratio to FETCH + parse)`,
    ...both((b) => `${fmt(b.perSecond, 1)} (${fmt(b.ratioToBaseline, 3)})${b.ok ? '' : ' ⚠'}`),
    'PG ≥ 0.25 (aim 0.5)',
    verdict(pg ? pg.ratioToBaseline >= 0.25 : null),
  ]);
  rows.push([
    `2. CPU per mail during 2: daemon process / PostgreSQL backends / machine busy, ms · %`,
    ...both((b) => {
      const per = (s: number | undefined) =>
        s === undefined ? '—' : fmt((s * 1000) / (b.mails.count ?? Number.NaN), 1);
      return `${per(b.cpuSeconds.daemon)} / ${b.engine === 'pglite' ? 'in-process' : per(b.cpuSeconds.postgres)} · ${fmt(b.machineUtilisation * 100)} %`;
    }),
    '—',
    '—',
  ]);
  const lat = (b: NonNullable<typeof pg>) =>
    b.latency
      ? `${fmt(b.latency.p50Ms)} / ${fmt(b.latency.p95Ms)} / ${fmt(b.latency.maxMs)}${b.latency.missing ? ` (${b.latency.missing} lost)` : ''}`
      : 'not run';
  const latencies = [pg?.latency, pl?.latency].filter((l): l is NonNullable<typeof l> => !!l);
  rows.push([
    `3. latency of ${fmt(latencies[0]?.count ?? r.options.latency)} single complaints, APPEND → ack at SMTP, p50 / p95 / max ms`,
    ...both(lat),
    'p95 ≤ 1 500',
    verdict(latencies.length ? latencies.every((l) => l.p95Ms <= 1500 && l.missing === 0) : null),
  ]);
  const ipg = r.indicators.postgres;
  const ipl = r.indicators.pglite;
  const digest = (i: typeof ipg) =>
    i ? `${fmt(i.digest.warmMs)} (first ${fmt(i.digest.firstMs)}) over ${fmt(i.tickets)} tickets` : 'not run';
  rows.push([
    `4. monthly digest (computeDigest, every indicator query), warm ms`,
    digest(ipg),
    digest(ipl),
    'PG ≤ 1 000, PGlite ≤ 3 000',
    [ipg ? `PG ${verdict(ipg.digest.warmMs <= 1000)}` : '', ipl ? `PGlite ${verdict(ipl.digest.warmMs <= 3000)}` : '']
      .filter(Boolean)
      .join(' · ') || '—',
  ]);
  const stored = (i: typeof ipg) =>
    i?.digest.stored
      ? `${fmt(i.digest.stored.warmMs)} (ratio ${fmt(i.digest.stored.ratio, 3)}; first ${fmt(i.digest.stored.firstMs)}; month's first after last month's ${fmt(i.digest.stored.firstOfMonthMs)})`
      : 'not run';
  rows.push([
    `4. same, closed months stored (month_figures), warm ms (ratio to the line above)`,
    stored(ipg),
    stored(ipl),
    'PG ≤ 700',
    ipg?.digest.stored ? `PG ${verdict(ipg.digest.stored.warmMs <= 700)}` : '—',
  ]);
  const trial = (i: typeof ipg, k: number) => {
    const t = i?.trials[k];
    return t ? `${fmt(t.digest.warmMs)} (first ${fmt(t.digest.firstMs)})` : 'not run';
  };
  const trialNames = [
    'trial: jit off, random_page_cost 1.1 (session settings)',
    'trial: same + 2 candidate indexes (bench/README.md)',
  ];
  trialNames.forEach((name, k) => {
    if (ipg?.trials[k] || ipl?.trials[k])
      rows.push([`4. ${name}, warm ms`, trial(ipg, k), trial(ipl, k), 'not the application’s', '—']);
  });
  rows.push([
    `5. daemon peak RSS during 2, MB`,
    ...both((b) => fmt(b.peakRssMb)),
    'PG ≤ 300',
    verdict(pg ? pg.peakRssMb <= 300 : null),
  ]);
  const cs = (c: (typeof r.coldStart)['postgres']) =>
    c ? `${fmt(c.firstStartSeconds, 2)} / ${fmt(c.restartSeconds, 2)}` : 'not run';
  rows.push([
    `5. cold start → first IMAP command, s (fresh database / restart)`,
    cs(r.coldStart.postgres),
    cs(r.coldStart.pglite),
    'PGlite ≤ 1.5 / ≤ 0.8',
    verdict(
      r.coldStart.pglite
        ? r.coldStart.pglite.firstStartSeconds <= 1.5 && r.coldStart.pglite.restartSeconds <= 0.8
        : null,
    ),
  ]);
  const idleOf = (c: (typeof r.coldStart)['postgres']) =>
    c?.idleHwmMb !== undefined
      ? `${fmt(c.idleRssMb)} (${fmt(c.idleHwmMb)}; first start ${fmt(c.firstStartHwmMb)})`
      : c
        ? `${fmt(c.idleRssMb)}`
        : 'not run';
  rows.push([
    `5. reclam run idle after start, RSS (high-water; first start's high-water), MB`,
    idleOf(r.coldStart.postgres),
    idleOf(r.coldStart.pglite),
    'PGlite ≤ 150',
    verdict(r.coldStart.pglite?.idleHwmMb !== undefined ? r.coldStart.pglite.idleHwmMb <= 150 : null),
  ]);
  const cli = (c: (typeof r.coldStart)['postgres'], f: (x: NonNullable<typeof c>['cli']) => string) =>
    c?.cli ? f(c.cli) : 'not run';
  rows.push([
    `5. reclam --help, s`,
    cli(r.coldStart.postgres, (c) => fmt(c.helpSeconds, 2)),
    cli(r.coldStart.pglite, (c) => fmt(c.helpSeconds, 2)),
    '≤ 0.3',
    verdict(r.coldStart.pglite?.cli ? r.coldStart.pglite.cli.helpSeconds <= 0.3 : null),
  ]);
  rows.push([
    `5. reclam tickets, no daemon running: s (peak RSS, MB)`,
    cli(r.coldStart.postgres, (c) => `${fmt(c.ticketsSeconds, 2)} (${fmt(c.ticketsHwmMb)})`),
    cli(r.coldStart.pglite, (c) => `${fmt(c.ticketsSeconds, 2)} (${fmt(c.ticketsHwmMb)})`),
    'PGlite ≤ 0.8',
    verdict(r.coldStart.pglite?.cli ? r.coldStart.pglite.cli.ticketsSeconds <= 0.8 : null),
  ]);
  const rel = r.reliability;
  rows.push([
    `R. ${rel?.kills.length ?? r.options.kills} × SIGKILL during a ${fmt(rel?.mails ?? r.options.reliabilityBacklog)}-mail backlog: tickets / distinct acks (expected), acks sent twice`,
    rel
      ? `${fmt(rel.outcome.tickets)} / ${fmt(rel.distinctAcks)} (${fmt(rel.complaints)}), ${fmt(rel.duplicateAcks)} twice, ${fmt(rel.seconds)} s`
      : 'not run',
    '—',
    'exact; a handful twice',
    verdict(rel ? rel.ok && rel.duplicateAcks <= 5 : null),
  ]);
  const lm = r.largeMails ?? {};
  const lmCases = lm.postgres?.cases ?? lm.pglite?.cases ?? [];
  if (lm.postgres || lm.pglite) {
    const idle = (x: typeof lm.postgres) => (x ? `${fmt(x.idleRssMb)}` : 'not run');
    rows.push([
      `6. reclam ingest of a 1 KB complaint: peak RSS, MB (the idle footprint below)`,
      idle(lm.postgres),
      idle(lm.pglite),
      '—',
      '—',
    ]);
  }
  for (const c of lmCases) {
    const cell = (x: typeof lm.postgres) => {
      const found = x?.cases.find((k) => k.name === c.name);
      return found
        ? `+${fmt(found.aboveIdleMb)} (${fmt(found.peakRssMb)})${/^quarantined/.test(found.outcome) ? ' quarantined' : ''}`
        : 'not run';
    };
    const all = [lm.postgres, lm.pglite].flatMap((x) => x?.cases.filter((k) => k.name === c.name) ?? []);
    rows.push([
      `6. ${c.description}: peak RSS above idle (peak), MB`,
      cell(lm.postgres),
      cell(lm.pglite),
      c.target ? `≤ ${ABOVE_IDLE_TARGET_MB} above idle` : 'information',
      c.target ? verdict(all.length ? all.every((k) => k.aboveIdleMb <= ABOVE_IDLE_TARGET_MB) : null) : '—',
    ]);
  }

  const q = r.qualification;
  rows.push([
    `Q. qualify one mail (${fmt(q?.withModel.mails ?? 0)} corpus mails): rules + model, mean / p95 / max ms (rules only: mean)`,
    q
      ? `${fmt(q.withModel.meanMs, 3)} / ${fmt(q.withModel.p95Ms, 3)} / ${fmt(q.withModel.maxMs, 3)} (${fmt(q.rulesOnly.meanMs, 3)})`
      : 'not run',
    'in-process',
    'mean ≤ 5',
    verdict(q ? q.withModel.meanMs <= 5 : null),
  ]);
  rows.push([
    `Q. a 40-sentence mail, mean / max ms; model built from ${fmt(q?.modelBuild.examples ?? 0)} corpus items (logistic fits included), ms; model updates / s (each followed by a qualification)`,
    q
      ? `${fmt(q.longMail.meanMs, 2)} / ${fmt(q.longMail.maxMs, 2)}; ${fmt(q.modelBuild.ms)}; ${fmt(q.updatesPerSecond)}`
      : 'not run',
    'in-process',
    '—',
    '—',
  ]);
  rows.push([
    `Q. new text of a reply (reply-text.ts) over ${fmt(q?.replyText?.mails ?? 0)} real mails, mean / max ms`,
    q?.replyText ? `${fmt(q.replyText.meanMs, 3)} / ${fmt(q.replyText.maxMs, 2)}` : 'not run',
    'in-process',
    'max ≤ 500',
    verdict(q?.replyText ? q.replyText.maxMs <= 500 : null),
  ]);

  const header = ['measure', 'PostgreSQL 15', 'PGlite', 'target', 'met'];
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : i === 4 ? ':-:' : '--:')).join('|')}|`,
  ];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  const notes: string[] = [];
  for (const [engine, b] of Object.entries(r.backlog)) {
    if (b && !b.ok) notes.push(`⚠ backlog on ${engine}: ${b.problems.join('; ')}`);
    if (b && (b.cpuSeconds['other processes (not ours)'] ?? 0) > 0.1 * b.drainSeconds)
      notes.push(
        `⚠ backlog on ${engine}: other processes used ${b.cpuSeconds['other processes (not ours)']} CPU-s meanwhile`,
      );
  }
  if (rel && !rel.ok) notes.push(`⚠ reliability: ${rel.problems.join('; ')}`);
  for (const [leg, error] of Object.entries(r.errors)) notes.push(`✘ ${leg} failed: ${error.split('\n')[0]}`);
  return [...lines, ...(notes.length ? ['', ...notes] : [])].join('\n');
}
