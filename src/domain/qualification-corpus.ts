// The labelled complaints shipped in datasets/qualification/ as the model learns from them: parsed
// from JSON Lines, the frozen split left out (it is the yardstick, never training data), and only
// the files whose categories are the organisation's own (the SPST files for an SPST, the training
// body's file for a training body), with only the labels its configuration knows.
import type { QualificationInput } from './qualification.js';
import type { ModelField } from './qualification-model.js';

/** One labelled complaint of a corpus file. */
export interface CorpusItem {
  readonly id: string;
  readonly file: string;
  readonly input: QualificationInput;
  /** As the labels write them: `"facturation"`, `"2"`, `"true"`. */
  readonly labels: Partial<Readonly<Record<ModelField, string>>>;
}

/** The `frozen` lists of datasets/qualification/split.json. */
export interface CorpusSplit {
  readonly frozen: Readonly<Record<string, readonly string[]>>;
}

/** Ids of the frozen split (every list of split.json). */
export function frozenIds(split: CorpusSplit): ReadonlySet<string> {
  return new Set(Object.values(split.frozen).flat());
}

/**
 * The items of one corpus file. Lines that are not a labelled complaint (blank, unreadable, no
 * id or no category) are skipped: the shipped files are checked by a test, not at run time.
 */
export function parseCorpusFile(file: string, text: string): CorpusItem[] {
  const items: CorpusItem[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const str = (key: string) => (typeof record[key] === 'string' ? (record[key] as string) : '');
    if (!str('id') || !str('category')) continue;
    const labels: Partial<Record<ModelField, string>> = { category: str('category') };
    for (const field of ['level', 'requester', 'receivable', 'typology'] as const) {
      const value = record[field];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        labels[field] = String(value);
    }
    const address = str('from_email').trim().toLowerCase();
    items.push({
      id: str('id'),
      file,
      input: { subject: str('subject'), text: str('body'), from: address ? { address, name: str('from_name') } : null },
      labels,
    });
  }
  return items;
}

/** What of a procedure the corpus is matched against. */
export interface CorpusProcedure {
  readonly categories: readonly { readonly key: string; readonly typologies: readonly { readonly key: string }[] }[];
  readonly levels: readonly { readonly level: number }[];
}

/**
 * The training items for a procedure: the frozen ones left out, then only the files all of whose
 * categories the procedure has; of each item, only the labels the procedure knows (a level only
 * when it has several, a typology only when it belongs to the item's category).
 */
export function corpusFor(
  items: readonly CorpusItem[],
  procedure: CorpusProcedure,
  frozen: ReadonlySet<string>,
): CorpusItem[] {
  const categories = new Set(procedure.categories.map((c) => c.key));
  const filesCategories = new Map<string, Set<string>>();
  for (const item of items) {
    const set = filesCategories.get(item.file) ?? new Set<string>();
    set.add(item.labels.category!);
    filesCategories.set(item.file, set);
  }
  const usable = new Set(
    [...filesCategories].filter(([, keys]) => [...keys].every((k) => categories.has(k))).map(([file]) => file),
  );
  return items
    .filter((item) => usable.has(item.file) && !frozen.has(item.id))
    .map((item) => ({ ...item, labels: procedureLabels(item.labels, procedure) }));
}

/**
 * The labels a procedure can learn: a configured category, a level only when it has several, a
 * requester type, a receivability, a typology only when it belongs to the category.
 */
export function procedureLabels(
  labels: Partial<Readonly<Record<ModelField, string>>>,
  procedure: CorpusProcedure,
): Partial<Record<ModelField, string>> {
  const { category, level, requester, receivable, typology } = labels;
  const known = procedure.categories.find((c) => c.key === category);
  const out: Partial<Record<ModelField, string>> = {};
  if (known) out.category = known.key;
  if (level !== undefined && procedure.levels.length > 1 && procedure.levels.some((l) => String(l.level) === level))
    out.level = level;
  if (requester === 'adherent' || requester === 'salarie') out.requester = requester;
  if (receivable === 'true' || receivable === 'false') out.receivable = receivable;
  if (known && typology !== undefined && known.typologies.some((t) => t.key === typology)) out.typology = typology;
  return out;
}
