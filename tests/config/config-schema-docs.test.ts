// docs/configuration.md documents every key the schema accepts, and no key it does not.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema } from '../../src/config/config-schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const docs = readFileSync(join(root, 'docs/configuration.md'), 'utf8');

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable)
      current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodPipe) current = current.in as z.ZodType;
    else if (current instanceof z.ZodPrefault) current = current.unwrap() as z.ZodType;
    else return current;
  }
}

/** Every key path of the schema (`categories.typologies.keywords`: list items are not counted). */
function schemaKeys(schema: z.ZodType, prefix: string): string[] {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodArray) return schemaKeys(inner.element as z.ZodType, prefix);
  if (!(inner instanceof z.ZodObject)) return [];
  return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...schemaKeys(child, path)];
  });
}

/** Key paths the reference documents: table rows (`| \`key\` |`) under their section or `path`: line. */
function documentedKeys(): Set<string> {
  const keysSection = docs.slice(docs.indexOf('\n## Keys'));
  const found = new Set<string>();
  let context = '';
  for (const line of keysSection.split('\n')) {
    const heading = /^###\s+(.*)$/.exec(line);
    if (heading) {
      const names = [...heading[1]!.matchAll(/`([A-Za-z.]+)`/g)].map((m) => m[1]!);
      for (const name of names) found.add(name);
      context = names[0] ?? '';
      continue;
    }
    const sub = /^`([A-Za-z.[\]]+)`:\s*$/.exec(line);
    if (sub) {
      context = sub[1]!.replace(/\[\]/g, '');
      found.add(context);
      continue;
    }
    const row = /^\|\s*((?:`[A-Za-z.]+`(?:,\s*)?)+)\s*\|/.exec(line);
    if (!row || !context) continue;
    for (const name of [...row[1]!.matchAll(/`([A-Za-z.]+)`/g)].map((m) => m[1]!)) {
      const path = `${context}.${name}`;
      found.add(path);
      // `requester.adherent` documents `requester` too.
      const parts = path.split('.');
      for (let i = 1; i < parts.length; i++) found.add(parts.slice(0, i).join('.'));
    }
  }
  return found;
}

describe('docs/configuration.md', () => {
  const accepted = schemaKeys(configSchema, '');
  const documented = documentedKeys();

  it('documents every key the schema accepts', () => {
    expect(accepted.filter((key) => !documented.has(key))).toEqual([]);
  });

  it('documents no key the schema does not accept', () => {
    const known = new Set(accepted);
    const roles = new Set(['pilot', 'direction', 'doctor', 'referent', 'role']);
    expect([...documented].filter((key) => !known.has(key) && !roles.has(key.split('.').pop()!))).toEqual([]);
  });
});
