// Bench leg `web-desk` (issue 14): server time of the web desk's ticket list and search over a
// generated history (100 000 tickets on PGlite, 1 000 000 on PostgreSQL by default), measured as
// the time from sending an HTTP request to the in-process desk until the last byte of the page.
import { join } from 'node:path';
import { pino } from 'pino';
import { createPageRenderer } from '../../src/adapters/template-renderer.js';
import { createTrendChartRenderer } from '../../src/adapters/trend-chart.js';
import { createXlsxWriter } from '../../src/adapters/xlsx-workbook.js';
import { loadConfig } from '../../src/config/load-config.js';
import { startWebDesk } from '../../src/daemon/web-server.js';
import { openDatabase, type Engine } from '../../src/db/database.js';
import { outbox } from '../../src/db/schema.js';
import { WEB_TEMPLATES_DIR } from '../../src/paths.js';
import { openSignInLink, requestSignInLink } from '../../src/services/web-sign-in.js';
import { testDeps } from '../../tests/support/deps.js';
import { testConfigYaml, withAdministrativeCategory } from '../../tests/support/test-config.js';
import { createBenchDatabase } from './env.js';
import { loadHistory, pgliteTarget, postgresTarget } from './history-loader.js';
import { log, round } from './util.js';

export interface PageTiming {
  readonly page: string;
  readonly viewer: string;
  readonly path: string;
  readonly runs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly rows: number;
}

export interface WebDeskResult {
  readonly engine: Engine;
  readonly tickets: number;
  readonly loadSeconds: number;
  readonly pages: readonly PageTiming[];
}

const FROM = new Date('2021-06-01T00:00:00Z');
const AS_OF = new Date('2026-06-01T06:00:00Z');
const PAGES: readonly { page: string; path: string }[] = [
  { page: 'list, page 1', path: '/' },
  { page: 'list, page 40', path: '/?page=40' },
  { page: 'list, open level 1, overdue', path: '/?etat=in_progress&niveau=1&retard=oui' },
  { page: 'list, one category and month', path: '/?categorie=administrative&du=2026-03-01&au=2026-03-31' },
  { page: 'search, common words', path: '/?q=attente+accueil' },
  { page: 'search, rare word, no accent', path: '/?q=siret' },
  { page: 'search + filter', path: '/?q=convocation&niveau=2&du=2025-01-01&au=2025-12-31' },
  { page: 'search, no match', path: '/?q=xylophone' },
];

export async function webDeskLeg(engine: Engine, options: { tickets: number; seed: number; runs: number }) {
  log(`== web desk on ${engine}: ${options.tickets.toLocaleString('en-US')} tickets`);
  const bdb = await createBenchDatabase(engine, `web_${engine}`);
  try {
    const migrated = await openDatabase({ url: bdb.url, dataDir: bdb.dataDir });
    await migrated.migrate();
    await migrated.close();
    const history = { seed: options.seed, count: options.tickets, from: FROM, to: AS_OF, now: AS_OF };
    let loadSeconds: number;
    if (engine === 'postgres') {
      const postgres = (await import('postgres')).default;
      const loader = postgres(bdb.url!, { max: 1, onnotice: () => undefined });
      try {
        loadSeconds = (await loadHistory(postgresTarget(loader), history)).seconds;
      } finally {
        await loader.end();
      }
    } else {
      const { PGlite } = await import('@electric-sql/pglite');
      const pg = await PGlite.create(join(bdb.dataDir, 'pglite'));
      loadSeconds = (await loadHistory(pgliteTarget(pg), history)).seconds;
      await pg.close();
    }
    log(`  loaded in ${loadSeconds} s`);
    const database = await openDatabase({ url: bdb.url, dataDir: bdb.dataDir });
    const config = loadConfig(
      withAdministrativeCategory(testConfigYaml({ extra: 'web: { enabled: true, port: 0 }' })),
      {},
      'bench',
    ).config;
    const clock = { now: () => AS_OF };
    const deps = testDeps(database.db, config, clock);
    const desk = await startWebDesk({
      deps: { ...deps, charts: createTrendChartRenderer(), workbooks: createXlsxWriter() },
      pages: createPageRenderer({ templatesDir: WEB_TEMPLATES_DIR }),
      staticDir: WEB_TEMPLATES_DIR,
      wakeOutbox: () => undefined,
      log: pino({ level: 'silent' }),
    });
    const pages: PageTiming[] = [];
    try {
      for (const viewer of ['accueil@spst-test.fr', 'dr.martin@spst-test.fr']) {
        await requestSignInLink(deps, { address: viewer, client: viewer, origin: desk.origin });
        const rows = await database.db.select().from(outbox);
        const text = rows.filter((r) => r.kind === 'web-link' && r.toAddress === viewer).pop()!.text;
        const opened = await openSignInLink(deps, /jeton=(\S+)/.exec(text)![1]!);
        if (!opened.ok) throw new Error(`sign-in failed: ${opened.reason}`);
        const cookie = `reclam_session=${opened.sessionId}`;
        for (const { page, path } of PAGES) {
          const times: number[] = [];
          let html = '';
          for (let i = 0; i < options.runs; i++) {
            const started = performance.now();
            const response = await fetch(`${desk.listening}${path}`, { headers: { cookie }, redirect: 'manual' });
            html = await response.text();
            times.push(performance.now() - started);
            if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status}`);
          }
          times.shift(); // the first run warms the cache; p50/p95 over the others
          times.sort((a, b) => a - b);
          const timing: PageTiming = {
            page,
            viewer: viewer.startsWith('dr.') ? 'doctor' : 'referent',
            path,
            runs: times.length,
            p50Ms: round(times[Math.floor(times.length * 0.5)]!, 1),
            p95Ms: round(times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)]!, 1),
            rows: (html.match(/<tr/g) ?? []).length - 1,
          };
          pages.push(timing);
          log(
            `  ${timing.viewer.padEnd(8)} ${page.padEnd(32)} p50 ${timing.p50Ms} ms, p95 ${timing.p95Ms} ms (${Math.max(0, timing.rows)} rows)`,
          );
        }
      }
    } finally {
      await desk.close();
      deps.sender.close();
      await database.close();
    }
    return { engine, tickets: options.tickets, loadSeconds, pages } satisfies WebDeskResult;
  } finally {
    await bdb.drop().catch(() => undefined);
  }
}
