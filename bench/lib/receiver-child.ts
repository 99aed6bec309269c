// The tests' SMTP receiver in a process of its own, so that receiving 15 000 mails does not compete
// with the code under test inside the bench process (profile leg) and is counted apart (other
// legs). It does not parse mails: a header scan reads the few fields the benchmark counts.
// Prints `port <n>`, then one `mail <json>` line per accepted mail (with `--records`), and
// `count <n>` for every `count` line read from stdin; exits on stdin EOF.
import { createInterface } from 'node:readline';
import { startSmtpReceiver } from '../../tests/harness/smtp-receiver.js';

/** What the benchmark keeps of one accepted mail. */
export interface ReceivedRecord {
  readonly at: number;
  readonly to: string;
  readonly kind: string;
  readonly ticket: string;
  readonly messageId: string;
  readonly inReplyTo: string;
  readonly bytes: number;
}

const WANTED = new Set(['message-id', 'in-reply-to', 'x-reclam-kind', 'x-reclam-ticket', 'to']);

/** The wanted header fields of a raw mail, lower-cased names, unfolded values; nothing is decoded. */
export function scanHeaders(raw: Buffer): Map<string, string> {
  let end = raw.indexOf('\r\n\r\n');
  if (end < 0) end = raw.length;
  const head = raw.toString('latin1', 0, end).replace(/\r\n[ \t]+/g, ' ');
  const found = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (WANTED.has(name) && !found.has(name)) found.set(name, line.slice(colon + 1).trim());
  }
  return found;
}

const records = process.argv.includes('--records');
let received = 0;
let out: string[] = [];
const receiver = await startSmtpReceiver({
  onAccepted(mail) {
    received++;
    if (!records) return;
    const h = scanHeaders(mail.raw);
    const record: ReceivedRecord = {
      at: mail.receivedAt.getTime(),
      to: mail.envelopeTo[0] ?? '',
      kind: h.get('x-reclam-kind') || 'unknown',
      ticket: h.get('x-reclam-ticket') ?? '',
      messageId: (h.get('message-id') ?? '').replace(/^<|>$/g, ''),
      inReplyTo: (h.get('in-reply-to') ?? '').replace(/^<|>$/g, ''),
      bytes: mail.raw.length,
    };
    out.push(`mail ${JSON.stringify(record)}`);
  },
});
// Batched writes: one pipe write per 20 ms, not one per mail.
setInterval(() => {
  if (out.length === 0) return;
  process.stdout.write(`${out.join('\n')}\n`);
  out = [];
}, 20).unref();
process.stdout.write(`port ${receiver.port}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'count') process.stdout.write(`count ${received}\n`);
});
lines.on('close', () => {
  if (out.length) process.stdout.write(`${out.join('\n')}\n`);
  void receiver.stop().then(() => process.exit(0));
});
