// Run by `npm ci` (the prepare script, after the build): makes the pristine new embedded database
// that a new data directory is copied from (src/db/database.ts, preparePgliteTemplate), so that
// `reclam run` on a new directory does not spend 4–5 s in PGlite's initdb. Without it, a new
// database is created by initdb as before.
import { preparePgliteTemplate } from '../dist/db/database.js';

const directory = await preparePgliteTemplate();
process.stdout.write(`embedded database template: ${directory}\n`);
