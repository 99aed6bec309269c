// Leg « qualification »: the speed of the automatic qualification, in the bench process (no
// database, no mail): `qualify` per mail with rules only and with the learned model, the model's
// build from the shipped corpus, its updates per second (one settled ticket learned), and the
// new-text extraction of replies (domain/reply-text.ts) over the shared corpus of real mails.
// Moved here from the tests, where wall-clock bounds failed on a busy machine.
import { readShippedCorpus } from '../../src/adapters/qualification-corpus-files.js';
import { parseMail } from '../../src/adapters/mail-parser.js';
import { modelDocumentOf, qualify, type QualificationInput } from '../../src/domain/qualification.js';
import { corpusFor } from '../../src/domain/qualification-corpus.js';
import { createModel, learnExample, unlearnExample } from '../../src/domain/qualification-model.js';
import {
  buildQualificationRules,
  DEFAULT_PROCEDURE,
  DEFAULT_QUALIFICATION_RULES,
} from '../../src/domain/qualification-rules.js';
import { extractNewText } from '../../src/domain/reply-text.js';
import { corpusFiles, corpusRoot, readCorpusFile, splitMbox } from '../../tests/fixtures/load-eml.js';
import { log, round } from './util.js';

export interface Timing {
  readonly mails: number;
  readonly meanMs: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

export interface QualificationResult {
  /** Every corpus mail (frozen split included: only timed here, never scored) qualified 3 times. */
  readonly rulesOnly: Timing;
  readonly withModel: Timing;
  /** A long mail (the 40-sentence complaint the old test timed). */
  readonly longMail: Timing;
  readonly modelBuild: { readonly examples: number; readonly ms: number };
  /** learnExample + unlearnExample of one settled ticket (a correction replacing a value), per second. */
  readonly updatesPerSecond: number;
  readonly replyText: Timing | null;
}

function timing(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    mails: samples.length,
    meanMs: round(samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length), 3),
    p95Ms: round(sorted[Math.floor(0.95 * (sorted.length - 1))] ?? 0, 3),
    maxMs: round(sorted[sorted.length - 1] ?? 0, 3),
  };
}

function timeEach(inputs: readonly QualificationInput[], run: (input: QualificationInput) => void, rounds = 3): Timing {
  for (const input of inputs.slice(0, 50)) run(input); // warm-up: compiled rules, JIT
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const input of inputs) {
      const started = performance.now();
      run(input);
      samples.push(performance.now() - started);
    }
  }
  return timing(samples);
}

export async function qualificationLeg(): Promise<QualificationResult> {
  const rules = buildQualificationRules(DEFAULT_QUALIFICATION_RULES, DEFAULT_PROCEDURE);
  const corpus = await readShippedCorpus();
  const inputs = corpus.items.map((item) => item.input);
  const training = corpusFor(corpus.items, DEFAULT_PROCEDURE, corpus.frozen);

  const buildStarted = performance.now();
  const model = createModel();
  for (const item of training) learnExample(model, modelDocumentOf(item.input, rules), item.labels, 'corpus');
  qualify(inputs[0]!, rules, model); // the logistic regressions are fitted at the first prediction
  const modelBuild = { examples: training.length, ms: round(performance.now() - buildStarted, 1) };
  log(`qualification: model built from ${training.length} corpus items in ${modelBuild.ms} ms`);

  const rulesOnly = timeEach(inputs, (input) => qualify(input, rules));
  const withModel = timeEach(inputs, (input) => qualify(input, rules, model));
  const text = 'Bonjour, le médecin était absent et nos salariés sont repartis sans visite. '.repeat(40);
  const long = Array.from({ length: 50 }, () => ({ subject: 'Visite annulée', text, from: null }));
  const longMail = timeEach(long, (input) => qualify(input, rules, model), 1);
  log(
    `qualification: ${rulesOnly.meanMs} ms per mail rules only, ${withModel.meanMs} ms with the model (max ${withModel.maxMs} ms)`,
  );

  // A correction replacing a settled value: the ticket's features are computed, unlearned, learned,
  // and the next mail qualified (which pays for the logistic regressions' catch-up steps).
  const updates = training.slice(0, 200);
  let done = 0;
  const updateStarted = performance.now();
  while (performance.now() - updateStarted < 1000) {
    for (const item of updates) {
      const document = modelDocumentOf(item.input, rules);
      learnExample(model, document, { category: 'autre', receivable: 'false' }, 'ticket');
      qualify(item.input, rules, model);
      unlearnExample(model, document, { category: 'autre', receivable: 'false' }, 'ticket');
      done++;
      if (performance.now() - updateStarted >= 1000) break;
    }
  }
  const updatesPerSecond = Math.round(done / ((performance.now() - updateStarted) / 1000));
  log(`qualification: ${updatesPerSecond} model updates per second (each followed by a qualification)`);

  let replyText: Timing | null = null;
  const root = corpusRoot();
  if (root) {
    const mails: { text: string; html: string | null }[] = [];
    for (const file of [...corpusFiles(root, 'replies-quoted'), ...corpusFiles(root, 'french')]) {
      if (/\.(?:yml|license)$/.test(file)) continue;
      const bytes = readCorpusFile(root, file);
      if (file.endsWith('.html')) mails.push({ text: '', html: Buffer.from(bytes).toString('utf8') });
      else if (/\.(?:eml|box|mbox)$/.test(file)) {
        for (const raw of file.endsWith('.mbox') ? splitMbox(bytes) : [bytes]) {
          const parsed = await parseMail(raw);
          if (parsed.ok) mails.push(parsed.mail);
        }
      } else mails.push({ text: Buffer.from(bytes).toString('utf8'), html: null });
    }
    for (const mail of mails.slice(0, 20)) extractNewText(mail);
    const samples = mails.map((mail) => {
      const started = performance.now();
      extractNewText(mail);
      return performance.now() - started;
    });
    replyText = timing(samples);
    log(`reply text: ${replyText.meanMs} ms per mail (max ${replyText.maxMs} ms) over ${replyText.mails} real mails`);
  }
  return { rulesOnly, withModel, longMail, modelBuild, updatesPerSecond, replyText };
}
