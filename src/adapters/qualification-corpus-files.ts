// Reads the labelled complaints shipped in datasets/qualification/ (every *.jsonl there, and
// split.json): the one place the qualification corpus touches the file system.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { frozenIds, parseCorpusFile, type CorpusItem, type CorpusSplit } from '../domain/qualification-corpus.js';
import { QUALIFICATION_CORPUS_DIR } from '../paths.js';

export interface ShippedCorpus {
  readonly items: readonly CorpusItem[];
  /** Ids of the frozen split: never learned from. */
  readonly frozen: ReadonlySet<string>;
}

/**
 * Every item of the corpus directory, with the frozen ids of its split.json.
 * @throws when the directory or split.json cannot be read (a broken install).
 */
export async function readShippedCorpus(dir: string = QUALIFICATION_CORPUS_DIR): Promise<ShippedCorpus> {
  const split = JSON.parse(await readFile(join(dir, 'split.json'), 'utf8')) as CorpusSplit;
  const files = (await readdir(dir)).filter((name) => name.endsWith('.jsonl')).sort();
  const items: CorpusItem[] = [];
  for (const file of files) items.push(...parseCorpusFile(file, await readFile(join(dir, file), 'utf8')));
  return { items, frozen: frozenIds(split) };
}
