// `reclam qualify`: the measures it prints (promises, the online stream) and the command itself.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readShippedCorpus, type ShippedCorpus } from '../../src/adapters/qualification-corpus-files.js';
import {
  evaluate,
  evaluateOnline,
  levelDeadlines,
  parseJsonLines,
  shuffled,
  type QualifyItem,
} from '../../src/cli/qualify-command.js';
import { createModel } from '../../src/domain/qualification-model.js';
import {
  buildQualificationRules,
  DEFAULT_PROCEDURE,
  DEFAULT_QUALIFICATION_RULES,
} from '../../src/domain/qualification-rules.js';
import { ROOT, reclam } from '../harness/reclam-cli.js';

const rules = buildQualificationRules(DEFAULT_QUALIFICATION_RULES, DEFAULT_PROCEDURE);

/** The SPST training part of the shipped corpus (never the frozen items) as labelled items. */
function spstTraining(corpus: ShippedCorpus): QualifyItem[] {
  const text = ['spst-a.jsonl', 'spst-b.jsonl', 'spst-c.jsonl']
    .map((f) => readFileSync(join(ROOT, 'datasets/qualification', f), 'utf8'))
    .join('\n');
  return parseJsonLines(text, 'spst').filter((item) => !corpus.frozen.has(item.id));
}

describe('reclam qualify', () => {
  let corpus: ShippedCorpus;
  let dir: string;
  beforeAll(async () => {
    corpus = await readShippedCorpus();
    dir = await mkdtemp(join(tmpdir(), 'reclam-qualify-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('counts the acknowledgements that promise a later deadline than the true level’s, and earlier ones', () => {
    const items = parseJsonLines(
      [
        // Level 1 by its label, but nothing in it says so: the rules give it level 3 (30 days instead of 10).
        JSON.stringify({ id: 'p1', subject: 'Remarque', body: 'Une remarque sur les chaises.', level: 1 }),
        // Level 3 by its label, qualified 1: an earlier deadline.
        JSON.stringify({
          id: 'p2',
          subject: 'Visite',
          body: 'Le médecin était absent, nos salariés sont repartis sans visite.',
          level: 3,
        }),
      ].join('\n'),
    );
    const evaluation = evaluate(items, rules, null, levelDeadlines(DEFAULT_PROCEDURE.levels));
    expect(evaluation.results.map((r) => r.qualification.acknowledgementLevel)).toEqual([3, 1]);
    expect(evaluation.promises).toEqual({ later: 1, earlier: 1, same: 0 });
  });

  it('online: learning each settled mail lifts the second half of a stream above what the rules alone get', () => {
    const items = shuffled(spstTraining(corpus), 11);
    const alone = evaluate(items.slice(Math.floor(items.length / 2)), rules);
    const share = (f: 'category' | 'level' | 'requester' | 'receivable') =>
      alone.accuracy[f]!.correct / alone.accuracy[f]!.total;
    const rulesMean = (share('category') + share('level') + share('requester') + share('receivable')) / 4;
    const online = evaluateOnline(items, rules, createModel(), DEFAULT_PROCEDURE);
    expect(online.tenths).toHaveLength(10);
    expect(online.tenths[0]!.from).toBe(0);
    expect(online.tenths[9]!.to).toBe(items.length);
    expect(online.fields).toEqual(['category', 'level', 'requester', 'receivable']);
    expect(online.secondHalf.mean - rulesMean).toBeGreaterThan(0.03);
  });

  it('prints the stream by tenths, learning as it goes, and never trains on the items it qualifies', async () => {
    const items = readFileSync(join(ROOT, 'datasets/qualification/spst-a.jsonl'), 'utf8').split('\n').slice(0, 30);
    const file = join(dir, 'stream.jsonl');
    await writeFile(file, `${items.join('\n')}\n`);
    const online = await reclam(['qualify', '--online', '--shuffle', '3', file]);
    expect(online.code).toBe(0);
    expect(online.stdout).toMatch(
      /online: each mail is qualified, then its labels are learned \(30 mails; model trained on \d+ corpus item\(s\), none of those qualified here\)/,
    );
    expect(online.stdout).toMatch(/^ {2}1\/10: 1–3 /m);
    expect(online.stdout).toMatch(/^ {2}10\/10: 28–30 /m);
    expect(online.stdout).toMatch(/second half − first half: [+-]\d+\.\d points/);
    expect(online.stdout).toMatch(/later deadline than owed \(a broken promise\)/);
    const report = await reclam(['qualify', file]);
    const trainedOn = Number(/model trained on (\d+) corpus item/.exec(report.stdout)?.[1]);
    const all = (await readShippedCorpus()).items.filter((i) => i.file.startsWith('spst-') && !corpus.frozen.has(i.id));
    const inFile = new Set(items.map((l) => (JSON.parse(l) as { id: string }).id));
    expect(trainedOn).toBe(all.filter((i) => !inFile.has(i.id)).length);
  });

  it('--frozen keeps only the frozen split; --no-model is the rules alone; a bad --shuffle is refused', async () => {
    const file = join(ROOT, 'datasets/qualification/spst-b.jsonl');
    const frozen = await reclam(['qualify', '--frozen', '--json', file]);
    const ids = frozen.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id) => corpus.frozen.has(id))).toBe(true);
    expect(ids).toHaveLength([...corpus.frozen].filter((id) => id.startsWith('b')).length);
    const rulesOnly = await reclam(['qualify', '--no-model', '--evidence', join(dir, 'stream.jsonl')]);
    expect(rulesOnly.stdout).toMatch(/no model \(rules only\)/);
    expect(rulesOnly.stdout).not.toMatch(/appris \(/);
    const bad = await reclam(['qualify', '--shuffle', 'x', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--shuffle takes a whole number/);
  });
});
