// A new installation's first start sends no digest for periods before it was installed, while a
// database that already holds work still catches up the digest it missed (both engines).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTrendChartRenderer } from '../../src/adapters/trend-chart.js';
import { createXlsxWriter } from '../../src/adapters/xlsx-workbook.js';
import { loadConfig } from '../../src/config/load-config.js';
import { installationInstant } from '../../src/db/job-runs.js';
import { ingestMail } from '../../src/services/ingest-mail.js';
import { sendDueDigests } from '../../src/services/send-digest.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js';
import { FakeClock, rawMail, testDeps } from '../support/deps.js';
import { testConfigYaml } from '../support/test-config.js';
import { emptyTables } from '../support/empty-tables.js';

const config = loadConfig(
  testConfigYaml({ extra: 'digest: { schedule: "0 8 1 * *", recipients: [pilote@spst-test.fr] }' }),
  {},
  'test',
).config;

describe.each(ENGINES)('the first digest of an installation on %s', (engine) => {
  let t: TestDatabase;
  const clock = new FakeClock(new Date('2026-12-07T08:00:00Z'));
  const deps = () => ({
    ...testDeps(t.database.db, config, clock),
    charts: createTrendChartRenderer(),
    workbooks: createXlsxWriter(),
  });
  let n = 0;
  const complaint = () =>
    ingestMail(
      deps(),
      rawMail(
        {
          From: `c${++n}@example.test`,
          To: 'reclamation@spst-test.fr',
          Subject: 'Retard',
          'Message-ID': `<d${n}@example.test>`,
        },
        'Bonjour, le rendez-vous a été annulé sans prévenir.',
      ),
      { kind: 'file', name: `d${n}` },
    );

  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await emptyTables(t.database.db, [
      'job_runs',
      'events',
      'outbox',
      'attachments',
      'messages',
      'analysis_tickets',
      'tickets',
    ]);
  });

  it('sends no digest of a month that ended before the installation, then the first whole one', async () => {
    clock.set('2026-12-07T08:00:00Z');
    expect(await installationInstant(t.database.db, clock.now())).toEqual(clock.now());
    expect(await sendDueDigests(deps())).toEqual([]);
    // Mails imported today, even dated last month, do not move the installation back.
    await complaint();
    clock.set('2026-12-07T09:00:00Z');
    expect(await sendDueDigests(deps())).toEqual([]);
    // December ends after the installation: its digest goes on 1 January.
    clock.set('2027-01-01T07:00:00Z');
    expect(await sendDueDigests(deps())).toMatchObject([{ sent: true, period: { key: '2026-12' } }]);
  });

  it('still catches up a missed digest on a database that already holds work', async () => {
    clock.set('2026-11-15T09:00:00Z');
    await complaint();
    clock.set('2026-12-07T08:00:00Z');
    expect(await installationInstant(t.database.db, clock.now())).toEqual(new Date('2026-11-15T09:00:00Z'));
    expect(await sendDueDigests(deps())).toMatchObject([{ sent: true, period: { key: '2026-11' } }]);
  });
});
