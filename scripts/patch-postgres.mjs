// Fixes two defects of postgres.js 3.4.9 (the newest release; upstream issues porsager/postgres
// #1066, #1154, #1208, pull requests #1168 and #1176 still open) that a database outage turns
// into a dead or crippled daemon. Run by `npm install` / `npm ci` (postinstall); idempotent.
// `--check` only says whether the installed driver is patched (exit 1 if not).
//
// 1. A query written on a connection whose socket has already closed (the ROLLBACK that
//    `sql.begin` sends after its transaction failed because the server went away) schedules
//    `nextWrite`, which then calls `socket.write` on null from a setImmediate: an uncaught
//    TypeError that no caller can catch — `reclam run` exited. Such a query is now rejected
//    with CONNECTION_CLOSED, and `nextWrite` ignores a socket that is gone.
// 2. `closed()` and `terminate()` cancel a pending deferred write without forgetting it: the
//    connection, reused by the pool, never flushes a small write again (its StartupMessage) and
//    fails every later use with CONNECT_TIMEOUT. The pending write is now forgotten with its timer.
//
// tests/db/postgres-driver.test.ts reproduces both against a real server.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const MARK = 'reclam-patch';
const checkOnly = process.argv.includes('--check');
const require = createRequire(import.meta.url);

/** Edits of connection.js: [what to find, what to put instead, how many times it must occur]. */
const EDITS = [
  [
    "  function execute(q) {\n    if (terminated)\n      return queryError(q, Errors.connection('CONNECTION_DESTROYED', options))\n",
    "  function execute(q) {\n    if (terminated)\n      return queryError(q, Errors.connection('CONNECTION_DESTROYED', options))\n\n" +
      `    // ${MARK}: the socket is gone (closed); truthy so that a reserved connection is not moved to 'full'\n` +
      "    if (!socket)\n      return (queryError(q, Errors.connection('CONNECTION_CLOSED', options)), true)\n",
    1,
  ],
  [
    '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)\n',
    `  function nextWrite(fn) {\n    if (!socket) // ${MARK}: closed meanwhile; the query was rejected by closed()\n` +
      '      return (chunk = nextWriteTimer = null, true)\n    const x = socket.write(chunk, fn)\n',
    1,
  ],
  [
    '    clearImmediate(nextWriteTimer)\n',
    `    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null // ${MARK}: a cancelled write must not block the next ones\n`,
    2,
  ],
];

function patchFile(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return 'absent';
  }
  if (text.includes(MARK)) return 'already patched';
  if (checkOnly) {
    process.exitCode = 1;
    return 'NOT patched';
  }
  for (const [find, replace, times] of EDITS) {
    const found = text.split(find).length - 1;
    if (found !== times)
      throw new Error(`${file}: expected ${times} occurrence(s) of ${JSON.stringify(find)}, found ${found}`);
    text = text.split(find).join(replace);
  }
  writeFileSync(file, text);
  return 'patched';
}

let root;
try {
  // `postgres` exports no package.json: from its CommonJS entry, cjs/src/index.js, two levels up.
  root = join(dirname(require.resolve('postgres')), '..', '..');
} catch {
  console.log('patch-postgres: postgres is not installed, nothing to patch');
  process.exit(0);
}
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
if (version !== '3.4.9') {
  // Another version: its code may differ (or be fixed). Say so loudly rather than guess.
  console.warn(`patch-postgres: postgres ${version} is not 3.4.9; not patched — check scripts/patch-postgres.mjs`);
  process.exit(0);
}
for (const file of ['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js']) {
  console.log(`patch-postgres: ${file}: ${patchFile(join(root, file))}`);
}
