// `reclam demo` as a newcomer runs it: the samples go through the real pipeline on PGlite and a
// local SMTP receiver, both complainants get their acknowledgement (the samples are dated on the
// day of the run, so their deadlines are still to come), and every sent mail is left as a file.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/demo.js';

describe('reclam demo', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('acknowledges both sample complaints with a deadline to come, and keeps every mail sent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reclam-demo-'));
    dirs.push(dir);
    let printed = '';
    const out = new Writable({
      write(chunk, _encoding, done) {
        printed += String(chunk);
        done();
      },
    });
    expect(await runDemo(dir, pino({ level: 'silent' }), out)).toBe(0);
    expect(printed.match(/new ticket REC-\d{4}-\d{4}, acknowledgement queued/g)).toHaveLength(2);
    expect(printed).toContain('staff commands on REC-');
    const files = await readdir(join(dir, 'mails'));
    const acks = files.filter((f) => f.endsWith('.eml') && f.includes('accuse-de-reception'));
    expect(acks).toHaveLength(2);
    const eml = await Promise.all(
      files.filter((f) => f.endsWith('.eml')).map((f) => readFile(join(dir, 'mails', f), 'utf8')),
    );
    const toComplainants = eml.filter((m) => /X-Reclam-Kind: ack/i.test(m));
    expect(toComplainants).toHaveLength(2);
    for (const ack of toComplainants) expect(ack).not.toMatch(/au plus tard le [^\n]*novembre 2026/);
  }, 120_000);
});
