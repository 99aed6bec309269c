import { defineConfig } from 'vitest/config';
import LongestFirst from './tests/support/sequencer.js';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['./tests/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: the end-to-end suites each start Dovecot, an SMTP receiver and a database.
    maxWorkers: 2,
    // Each worker keeps the modules it imported from one test file to the next: importing src/
    // and its libraries again for every file cost ~70 s of the run (tests share no module state
    // they rely on: each file opens its own database and servers).
    isolate: false,
    // PGlite's WASM compiled by Liftoff only, as bin/reclam.js runs it: every test file opens
    // fresh instances, and TurboFan's optimisation of them is CPU the short tests never recoup.
    execArgv: ['--liftoff-only'],
    // Longest files first, so that the two workers finish together (tests/support/sequencer.ts).
    sequence: { sequencer: LongestFirst },
    reporters: ['default', './tests/support/summary-reporter.ts'],
  },
});
