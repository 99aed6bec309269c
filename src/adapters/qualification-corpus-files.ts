// Reads the labelled complaints shipped with reclam (every *.jsonl of each corpus directory, and
// its split.json when it has one): the one place the qualification corpus touches the file system.
// Two directories today: datasets/qualification (spst-*.jsonl, qualiopi.jsonl, the frozen ids in
// split.json) and data/qualification (train-*.jsonl, and frozen.jsonl whose items are all frozen).
// A directory that does not exist is skipped, so new corpus files plug in by being dropped there.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { frozenIds, parseCorpusFile, type CorpusItem, type CorpusSplit } from '../domain/qualification-corpus.js';
import { QUALIFICATION_CORPUS_DIRS } from '../paths.js';

export interface ShippedCorpus {
  readonly items: readonly CorpusItem[];
  /** Ids of the frozen split (split.json lists, and every item of a `frozen*.jsonl` file): never learned from. */
  readonly frozen: ReadonlySet<string>;
}

/** A file whose items are all frozen: the yardstick, never training data. */
export function isFrozenFile(name: string): boolean {
  return /^frozen.*\.jsonl$/.test(name);
}

/**
 * Every item of the corpus directories that exist, with the frozen ids.
 * @throws when a directory's listing, a file or its split.json cannot be read (a broken install).
 */
export async function readShippedCorpus(dirs: readonly string[] = QUALIFICATION_CORPUS_DIRS): Promise<ShippedCorpus> {
  const items: CorpusItem[] = [];
  const frozen = new Set<string>();
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    const names = await readdir(dir);
    if (names.includes('split.json')) {
      const split = JSON.parse(await readFile(join(dir, 'split.json'), 'utf8')) as CorpusSplit;
      for (const id of frozenIds(split)) frozen.add(id);
    }
    for (const file of names.filter((name) => name.endsWith('.jsonl')).sort()) {
      const parsed = parseCorpusFile(file, await readFile(join(dir, file), 'utf8'));
      if (isFrozenFile(file)) for (const item of parsed) frozen.add(item.id);
      items.push(...parsed);
    }
  }
  return { items, frozen };
}
