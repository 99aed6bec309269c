// Loaded with `node --import`: writes every module URL the process loads to $RECORD_IMPORTS_FILE,
// one per line, so a test can say what a command loads (tests/cli/main-lazy-loading.test.ts).
import { register } from 'node:module';

register('./record-imports-hooks.mjs', import.meta.url, { data: { file: process.env.RECORD_IMPORTS_FILE } });
