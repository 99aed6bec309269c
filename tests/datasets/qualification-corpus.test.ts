// The shipped qualification corpus: its schema, its frozen split (reproducible, stratified), and
// that the model never learns from a frozen item.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readShippedCorpus } from '../../src/adapters/qualification-corpus-files.js';
import { loadConfig } from '../../src/config/load-config.js';
import { corpusFor } from '../../src/domain/qualification-corpus.js';
import { DEFAULT_PROCEDURE } from '../../src/domain/qualification-rules.js';

const dir = resolve(import.meta.dirname, '../../datasets/qualification');
const lines = (file: string) =>
  readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
/** spst-d.jsonl: written after the split, training only (README.md). */
const SPST_D = lines('spst-d.jsonl').length;
const SPST = ['generale', 'medicale', 'administrative', 'facturation', 'prevention', 'autre'];

describe('the qualification corpus (datasets/qualification)', () => {
  it('holds 3 × 170 SPST and 130 Qualiopi items, each with every label the definitions allow', () => {
    const qualiopi = loadConfig(
      readFileSync(resolve(dir, '../../examples/formation-qualiopi.yaml'), 'utf8'),
      new Proxy({}, { get: () => 'value-for-the-test-0123456789' }) as Record<string, string>,
      'qualiopi',
    ).config;
    const typologies = new Map(qualiopi.categories.map((c) => [c.key, c.typologies.map((t) => t.key)]));
    const ids = new Set<string>();
    for (const [file, letter, count] of [
      ['spst-a.jsonl', 'a', 170],
      ['spst-b.jsonl', 'b', 170],
      ['spst-c.jsonl', 'c', 170],
      ['spst-d.jsonl', 'd', SPST_D],
      ['qualiopi.jsonl', 'f', 130],
    ] as const) {
      const items = lines(file);
      expect(items, file).toHaveLength(count);
      for (const item of items) {
        const id = String(item.id);
        expect(id.startsWith(letter), id).toBe(true);
        expect(ids.has(id), id).toBe(false);
        ids.add(id);
        for (const key of ['subject', 'from_name', 'from_email', 'body', 'rationale'])
          expect(typeof item[key], `${id}.${key}`).toBe('string');
        expect(String(item.from_email), id).toMatch(/@[^@]*example$/);
        expect(['adherent', 'salarie'], id).toContain(item.requester);
        expect(typeof item.receivable, id).toBe('boolean');
        if (letter === 'f') {
          expect(item.level, id).toBe(1);
          expect(typologies.get(String(item.category)), id).toContain(item.typology);
        } else {
          expect(SPST, id).toContain(item.category);
          expect([1, 2, 3], id).toContain(item.level);
          if (item.receivable === false) expect(item.level, `${id}: non receivable → level 3`).toBe(3);
        }
      }
    }
  });

  it('its frozen split is what make-split.mjs draws with its seed: 30 %, stratified', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'split-'));
    try {
      execFileSync(process.execPath, [join(dir, 'make-split.mjs'), join(tmp, 'split.json')]);
      expect(await readFile(join(tmp, 'split.json'), 'utf8')).toBe(readFileSync(join(dir, 'split.json'), 'utf8'));
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    const split = JSON.parse(readFileSync(join(dir, 'split.json'), 'utf8')) as {
      seed: number;
      frozen: { spst: string[]; qualiopi: string[] };
    };
    expect(split.seed).toBe(20261202);
    expect(split.frozen.spst).toHaveLength(153);
    expect(split.frozen.qualiopi).toHaveLength(39);
    const spst = ['spst-a.jsonl', 'spst-b.jsonl', 'spst-c.jsonl'].flatMap(lines);
    const frozen = new Set(split.frozen.spst);
    // Every stratum of category × level × receivability keeps about 30 % of its items frozen.
    const strata = new Map<string, { all: number; frozen: number }>();
    for (const item of spst) {
      const key = `${item.category}|${item.level}|${item.receivable}`;
      const s = strata.get(key) ?? { all: 0, frozen: 0 };
      s.all++;
      if (frozen.has(String(item.id))) s.frozen++;
      strata.set(key, s);
    }
    for (const [key, s] of strata) expect(Math.abs(s.frozen - 0.3 * s.all), key).toBeLessThan(1);
  });

  it('the model is never trained on a frozen item, and only on the files of the configured categories', async () => {
    const corpus = await readShippedCorpus();
    expect(corpus.items).toHaveLength(640 + SPST_D);
    expect(SPST_D).toBeGreaterThanOrEqual(250);
    expect(corpus.frozen.size).toBe(192);
    const spst = corpusFor(corpus.items, DEFAULT_PROCEDURE, corpus.frozen);
    expect(spst).toHaveLength(357 + SPST_D);
    expect(spst.some((item) => corpus.frozen.has(item.id))).toBe(false);
    expect(new Set(spst.map((item) => item.file))).toEqual(
      new Set(['spst-a.jsonl', 'spst-b.jsonl', 'spst-c.jsonl', 'spst-d.jsonl']),
    );
    const qualiopi = loadConfig(
      readFileSync(resolve(dir, '../../examples/formation-qualiopi.yaml'), 'utf8'),
      new Proxy({}, { get: () => 'value-for-the-test-0123456789' }) as Record<string, string>,
      'qualiopi',
    ).config;
    const training = corpusFor(corpus.items, qualiopi, corpus.frozen);
    expect(training).toHaveLength(91);
    // One level only: the model is not taught levels; typologies are taught.
    expect(training.every((item) => item.labels.level === undefined && item.labels.typology !== undefined)).toBe(true);
  });

  it('spst-d.jsonl (training only) has no item frozen and no near-duplicate of another corpus or development-set item', () => {
    const split = JSON.parse(readFileSync(join(dir, 'split.json'), 'utf8')) as {
      frozen: { spst: string[] };
      trainingOnly: { files: string[] };
    };
    expect(split.trainingOnly.files).toEqual(['spst-d.jsonl']);
    const added = lines('spst-d.jsonl');
    expect(added.filter((item) => split.frozen.spst.includes(String(item.id)))).toEqual([]);
    const trigrams = (item: Record<string, unknown>) => {
      const words = `${item.subject} ${item.body}`.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
      return new Set(words.slice(2).map((w, i) => `${words[i]} ${words[i + 1]} ${w}`));
    };
    const devSet = resolve(dir, '../../../shared/data/qualification-dev.jsonl');
    const others = [
      ...['spst-a.jsonl', 'spst-b.jsonl', 'spst-c.jsonl', 'qualiopi.jsonl'].flatMap(lines),
      ...(existsSync(devSet)
        ? readFileSync(devSet, 'utf8')
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => JSON.parse(l) as Record<string, unknown>)
        : []),
    ].map((item) => ({ id: String(item.id), t: trigrams(item) }));
    const mine = added.map((item) => ({ id: String(item.id), t: trigrams(item) }));
    const near: string[] = [];
    mine.forEach((a, i) => {
      for (const b of [...others, ...mine.slice(0, i)]) {
        let shared = 0;
        for (const g of a.t) if (b.t.has(g)) shared++;
        if (shared > 0.3 * Math.min(a.t.size, b.t.size)) near.push(`${a.id}~${b.id}`);
      }
    });
    expect(near).toEqual([]);
  });
});
