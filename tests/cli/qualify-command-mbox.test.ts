// `reclam qualify` on an mbox file: each of its mails is qualified on its own (no model: --no-model).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reclam-qualify-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mail = (n: number, subject: string, body: string): string =>
  [`From: p${n}@exemple.fr`, `Subject: ${subject}`, `Message-ID: <q${n}@exemple.fr>`, '', body, ''].join('\n');

it('qualifies every mail of an mbox file, named FILE#1, FILE#2', async () => {
  const path = join(dir, 'export.mbox');
  await writeFile(
    path,
    [
      'From p1@exemple.fr Mon Nov 23 09:00:00 2026',
      mail(1, 'Facture en double', 'Nous avons reçu deux fois la même facture de cotisation.'),
      'From p2@exemple.fr Mon Nov 23 09:00:00 2026',
      mail(2, 'Médecin absent', "Le médecin du travail était absent et la visite n'a pas eu lieu."),
    ].join('\n'),
  );
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    expect(await main(['qualify', path])).toBe(0);
  } finally {
    spy.mockRestore();
  }
  const output = written.join('');
  expect(output).toContain('export.mbox#1');
  expect(output).toContain('export.mbox#2');
  expect(output).not.toMatch(/export\.mbox\s/);
});
