// End-to-end suites need a real Dovecot. On a laptop without it they are skipped (with one line
// saying why); in CI (REQUIRE_E2E=1) a missing Dovecot must fail the run, never pass silently.
import { describe, it } from 'vitest';
import { DOVECOT_INSTALL_HINT, dovecotAvailability } from './dovecot.js';

export const REQUIRE_E2E_MESSAGE = `REQUIRE_E2E=1 but Dovecot is not installed: ${DOVECOT_INSTALL_HINT}`;

let skipNoticePrinted = false;

/**
 * `describe` for suites that start Dovecot. Runs `fn` when Dovecot is available; otherwise fails
 * the run if `REQUIRE_E2E=1` (env read at call time), else skips the suite and prints once per
 * worker to stderr why.
 */
export function describeE2E(name: string, fn: () => void): void {
  const availability = dovecotAvailability();
  if (availability.available) {
    describe(name, fn);
    return;
  }
  if (process.env.REQUIRE_E2E === '1') {
    describe(name, () => {
      it('needs Dovecot', () => {
        throw new Error(`${REQUIRE_E2E_MESSAGE} (${availability.reason})`);
      });
    });
    return;
  }
  if (!skipNoticePrinted) {
    skipNoticePrinted = true;
    process.stderr.write(
      `[e2e skipped] Dovecot not found (${availability.reason}): ${DOVECOT_INSTALL_HINT}; REQUIRE_E2E=1 makes this an error\n`,
    );
  }
  describe.skip(name, fn);
}
