// IMAP side of the benchmark: appending the backlog on one connection, watching the inbox drain,
// and the same-run baselines — Dovecot's APPEND → IDLE delay and the raw FETCH + mailparser rate.
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { imapOptions, type DovecotServer } from '../../tests/harness/dovecot.js';
import { percentile, round, sleep } from './util.js';

export async function connect(server: DovecotServer, user: string): Promise<ImapFlow> {
  const client = new ImapFlow({ ...imapOptions(server, user), disableAutoIdle: true });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export async function close(client: ImapFlow): Promise<void> {
  await client.logout().catch(() => client.close());
}

/** APPENDs every mail to `mailbox` over one connection, in order; returns mails/s. */
export async function appendAll(
  server: DovecotServer,
  user: string,
  mailbox: string,
  raws: readonly Buffer[],
): Promise<{ seconds: number; perSecond: number }> {
  const client = await connect(server, user);
  const started = performance.now();
  try {
    for (const raw of raws) await client.append(mailbox, raw, []);
  } finally {
    await close(client);
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds: round(seconds, 2), perSecond: round(raws.length / seconds) };
}

/** Counts messages of a folder with STATUS on a connection kept open for polling. */
export class FolderCounter {
  private constructor(private readonly client: ImapFlow) {}
  static async open(server: DovecotServer, user: string): Promise<FolderCounter> {
    return new FolderCounter(await connect(server, user));
  }
  async count(folder: string): Promise<number> {
    const status = await this.client.status(folder, { messages: true });
    return status ? (status.messages ?? 0) : 0;
  }
  close(): Promise<void> {
    return close(this.client);
  }
}

/**
 * Dovecot's APPEND → IDLE `EXISTS` delay: one connection idles on the probe user's INBOX, another
 * appends; `samples` times, at a random phase. Measured from the start of the APPEND.
 */
export async function idleDelay(
  server: DovecotServer,
  user: string,
  samples: number,
): Promise<{ p50Ms: number; minMs: number; maxMs: number; samplesMs: number[] }> {
  const watcher = new ImapFlow({ ...imapOptions(server, user), autoIdleDelay: 50 } as ConstructorParameters<
    typeof ImapFlow
  >[0]);
  watcher.on('error', () => undefined);
  await watcher.connect();
  await watcher.mailboxOpen('INBOX');
  const appender = await connect(server, user);
  let onExists: (() => void) | null = null;
  watcher.on('exists', () => onExists?.());
  const delays: number[] = [];
  try {
    await sleep(300); // let the watcher enter IDLE
    for (let i = 0; i < samples; i++) {
      await sleep(150 + Math.random() * 600);
      const seen = new Promise<number>((resolve) => {
        onExists = () => resolve(performance.now());
      });
      const started = performance.now();
      await appender.append(
        'INBOX',
        `From: probe@example.test\r\nSubject: probe ${i}\r\nMessage-ID: <probe-${i}-${Date.now()}@example.test>\r\n\r\nprobe\r\n`,
        [],
      );
      const at = await Promise.race([seen, sleep(5000).then(() => Number.NaN)]);
      onExists = null;
      delays.push(round(at - started, 1));
    }
  } finally {
    await close(appender);
    await close(watcher);
  }
  const valid = delays.filter((d) => !Number.isNaN(d));
  return {
    p50Ms: round(percentile(valid, 50)),
    minMs: round(Math.min(...valid)),
    maxMs: round(Math.max(...valid)),
    samplesMs: delays,
  };
}

/** The same options the daemon's parser adapter gives mailparser. */
const PARSER_OPTIONS = {
  ignoreEmbedded: true,
  keepDeliveryStatus: true,
  keepCidLinks: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  checksumAlgo: false,
} as const;

/**
 * The ceiling of an ingest pipeline on this machine, same run: FETCH of every message of the
 * inbox (BODY.PEEK[], in batches of 50 like the daemon, read-only) alone, then FETCH + mailparser
 * `simpleParser` of each, one after the other.
 */
export async function fetchBaseline(
  server: DovecotServer,
  user: string,
): Promise<{
  messages: number;
  fetchPerSecond: number;
  fetchParsePerSecond: number;
  streamedFetchParsePerSecond: number;
}> {
  const client = await connect(server, user);
  try {
    await client.mailboxOpen('INBOX', { readOnly: true });
    const uids = ((await client.search({ all: true }, { uid: true })) || []).sort((a, b) => a - b);
    const pass = async (parse: boolean): Promise<number> => {
      const started = performance.now();
      for (let i = 0; i < uids.length; i += 50) {
        const batch = uids.slice(i, i + 50);
        const messages = await client.fetchAll(
          batch.join(','),
          { uid: true, source: true, internalDate: true },
          { uid: true },
        );
        if (parse) for (const m of messages) if (m.source) await simpleParser(m.source, PARSER_OPTIONS);
      }
      return uids.length / ((performance.now() - started) / 1000);
    };
    // Warm-up (JIT, Dovecot's caches), not timed.
    const warm = await client.fetchAll(uids.slice(0, 200).join(',') || '1', { uid: true, source: true }, { uid: true });
    for (const m of warm) if (m.source) await simpleParser(m.source, PARSER_OPTIONS);
    const fetchPerSecond = await pass(false);
    const fetchParsePerSecond = await pass(true);
    // One FETCH 1:* streamed (what a pipeline without batches could reach).
    const started = performance.now();
    for await (const m of client.fetch('1:*', { uid: true, source: true }))
      if (m.source) await simpleParser(m.source, PARSER_OPTIONS);
    const streamedFetchParsePerSecond = uids.length / ((performance.now() - started) / 1000);
    return {
      messages: uids.length,
      fetchPerSecond: round(fetchPerSecond),
      fetchParsePerSecond: round(fetchParsePerSecond),
      streamedFetchParsePerSecond: round(streamedFetchParsePerSecond),
    };
  } finally {
    await close(client);
  }
}
