// The set-up the recurrence suites share (tests/services/detect-recurrence, act-on-analysis,
// remind-analyses): a database on one engine for the suite, emptied before each test, a fake
// clock put back at the suite's start, deps on recurrenceConfig, and mails ingested through the
// real path under numbered file names. Call it inside the suite's `describe`: it registers the
// hooks there.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Engine } from '../../src/db/database.js';
import type { Deps } from '../../src/services/deps.js';
import { ingestMail, type IngestOutcome } from '../../src/services/ingest-mail.js';
import { FakeClock, rawMail, testDeps } from './deps.js';
import { createTestDatabase, type TestDatabase } from './engines.js';
import { recurrenceConfig } from './recurrence-config.js';
import { emptyTables, type TableName } from './empty-tables.js';

export const DAY = 86_400_000;

/** The tables a recurrence test writes, children first. */
export const RECURRENCE_TABLES: readonly TableName[] = [
  'analysis_reminders',
  'analysis_tickets',
  'qualification_feedback',
  'attachments',
  'events',
  'analyses',
  'analysis_sequences',
  'outbox',
  'messages',
  'tickets',
  'ticket_sequences',
];

export interface RecurrenceSuiteOptions {
  /** The clock's instant before each test (ISO 8601). */
  readonly start: string;
  /**
   * The `recurrence` rule of the deps made before each test (recurrenceConfig's default when
   * undefined); null: none is made, the test calls `configure`.
   */
  readonly recurrence?: string | null;
  /** First letter of the mail file names (`a1`, `a2`…). */
  readonly filePrefix: string;
}

export interface RecurrenceSuite {
  readonly t: TestDatabase;
  readonly deps: Deps;
  readonly clock: FakeClock;
  /** Fresh deps on recurrenceConfig(`recurrence`) (the previous sender closed); they become `deps`. */
  configure(recurrence?: string): Deps;
  /** The suite's counter, shared by file names, senders and Message-IDs. */
  next(): number;
  /** A mail source named `<filePrefix><next()>`. */
  file(): { readonly kind: 'file'; readonly name: string };
  /** Ingests the mail of `headers` and `body` through `deps` (rawMail, then ingestMail with `file()`). */
  ingest(headers: Record<string, string>, body: string): Promise<IngestOutcome>;
}

export function recurrenceSuite(engine: Engine, options: RecurrenceSuiteOptions): RecurrenceSuite {
  let t: TestDatabase | undefined;
  let deps: Deps | undefined;
  let n = 0;
  const clock = new FakeClock(new Date(options.start));

  const suite: RecurrenceSuite = {
    get t() {
      if (!t) throw new Error('the suite database is not open yet');
      return t;
    },
    get deps() {
      if (!deps) throw new Error('no deps yet: call configure()');
      return deps;
    },
    clock,
    configure(recurrence) {
      deps?.sender.close();
      deps = testDeps(suite.t.database.db, recurrenceConfig(recurrence), clock);
      return deps;
    },
    next: () => ++n,
    file: () => ({ kind: 'file', name: `${options.filePrefix}${++n}` }),
    ingest: (headers, body) => ingestMail(suite.deps, rawMail(headers, body), suite.file()),
  };

  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    deps?.sender.close();
    await t?.close();
  });
  beforeEach(async () => {
    await emptyTables(suite.t.database.db, RECURRENCE_TABLES);
    clock.set(options.start);
    deps?.sender.close();
    deps = undefined;
    if (options.recurrence !== null) suite.configure(options.recurrence);
  });

  return suite;
}
