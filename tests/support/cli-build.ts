// The `reclam` command that the end-to-end suites run as child processes, compiled once per test
// run. Each child used to start through tsx, which transforms and resolves every module of src/
// and its loader hooks again in every process (~3 CPU-s a command, 2.8 s against 1.1 s). esbuild,
// the transformer tsx itself uses, now writes src/ out as JavaScript once, module by module and
// unbundled, like `npm run build` does into dist/; the children run it with the launch flags of
// bin/reclam.js. It lives in a directory of the repository root, as dist/ does, so that
// src/paths.ts finds the templates, the migrations and the package beside it.
import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

export const ROOT = resolve(import.meta.dirname, '../..');

/** Compiles src/ into `ROOT/<dirName>`, returning that directory; its `bin.js` is the command. */
export async function buildCli(dirName: string): Promise<string> {
  const outdir = join(ROOT, dirName);
  const sources = (await readdir(join(ROOT, 'src'), { recursive: true }))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(ROOT, 'src', file));
  await build({
    entryPoints: sources,
    outdir,
    outbase: join(ROOT, 'src'),
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  return outdir;
}

export async function removeCliBuild(outdir: string): Promise<void> {
  await rm(outdir, { recursive: true, force: true });
}
