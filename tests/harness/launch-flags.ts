// The node flags production runs with: those of bin/reclam.js's first line
// (`#!/usr/bin/env -S node --liftoff-only …`, repeated in deploy/reclam.service). The test
// suites' and the bench's `reclam` children start with them.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const LAUNCH_FLAGS: readonly string[] = (
  /^#!\/usr\/bin\/env -S node(.*)$/m.exec(
    readFileSync(join(resolve(import.meta.dirname, '../..'), 'bin/reclam.js'), 'utf8'),
  )?.[1] ?? ''
)
  .split(' ')
  .filter(Boolean);
