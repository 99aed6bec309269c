// Log lines: JSON for machines (journal, pipes), one readable line per entry on a terminal, and
// secrets masked either way.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('createLogger', () => {
  it('writes one JSON object per line when the destination is not a terminal', () => {
    const out = capture();
    const log = createLogger('info', { destination: out.stream });
    log.info({ mailbox: 'INBOX', config: { password: 'hunter2' } }, 'mailbox opened');
    const line = JSON.parse(out.text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, app: 'reclam', mailbox: 'INBOX', msg: 'mailbox opened' });
    expect(out.text()).not.toContain('hunter2');
  });

  it('writes readable lines (time, level, message) when asked, as on a terminal', async () => {
    const out = capture();
    const log = createLogger('info', { destination: out.stream, pretty: true });
    log.warn({ config: { password: 'hunter2' }, failures: 2 }, 'database not ready');
    await new Promise((r) => setImmediate(r));
    const text = out.text();
    expect(text).toMatch(/^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\] WARN: database not ready/);
    expect(text).toContain('"failures":2');
    expect(text).not.toContain('hunter2');
    expect(text).not.toMatch(/^\{/);
    expect(text).not.toContain('\u001b['); // no colours for a stream that is not a terminal
  });
});
