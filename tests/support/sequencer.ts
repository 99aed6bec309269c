// The order in which the two workers take the test files: longest first, so that they finish
// together (a long suite started last runs alone at the end). Vitest orders by the durations of
// the previous run, kept in node_modules/.vite; a fresh clone has none and took its files in an
// order that left one worker idle for a minute and a half. The suites below take tens of seconds
// (they start mail servers, daemons, a browser, hundreds of mails); their figures are rough
// seconds on these 2-core machines, only used to order. A file without a figure counts as short.
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Seconds, roughly, of the suites that take more than ten. */
const LONG_SUITES: Readonly<Record<string, number>> = {
  'tests/daemon/web-server.test.ts': 60,
  'tests/e2e/database-outage.test.ts': 50,
  'tests/services/ingest-mail-fuzz.test.ts': 40,
  'tests/e2e/gdpr-backup.test.ts': 33,
  'tests/e2e/cli.test.ts': 33,
  'tests/e2e/crash-restart.test.ts': 30,
  'tests/e2e/follow-through.test.ts': 30,
  'tests/e2e/mailbox.test.ts': 30,
  'tests/cli/qualify-command.test.ts': 25,
  'tests/e2e/failure-messages.test.ts': 20,
  'tests/services/deliver-outbox.test.ts': 20,
  'tests/db/database.test.ts': 20,
  'tests/services/send-digest.test.ts': 20,
  'tests/e2e/monitoring.test.ts': 18,
  'tests/services/apply-command.test.ts': 16,
  'tests/services/compute-digest-stored.test.ts': 12,
  'tests/services/follow-through.test.ts': 12,
  'tests/cli/demo.test.ts': 11,
};

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const seconds = (spec: TestSpecification): number => {
      const path = relative(this.ctx.config.root, spec.moduleId);
      const previous = this.ctx.cache.getFileTestResults(`${spec.project.name}:${path}`);
      return previous ? previous.duration / 1000 : (LONG_SUITES[path] ?? 1);
    };
    return [...files].sort((a, b) => seconds(b) - seconds(a));
  }
}
