// Entry point of the outbox thread (PostgreSQL only): the daemon's deliverer in a worker thread
// with its own database connections and SMTP pool, so that composing and sending mails runs on
// another core than the mailbox's parsing and recording. Messages from the daemon: 'wake' (new
// rows were queued) and 'stop' (finish the sends in flight, close, exit).
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/config-schema.js';
import { createSmtpSender } from '../adapters/smtp-sender.js';
import { createTemplateRenderer } from '../adapters/template-renderer.js';
import { openDatabase } from '../db/database.js';
import { createLogger } from '../log.js';
import { TEMPLATES_DIR } from '../paths.js';
import { systemClock } from '../ports.js';
import { Wakeup } from './loop.js';
import { runOutboxLoop } from './outbox-loop.js';

export interface OutboxWorkerData {
  readonly config: Config;
  /** The daemon's holder name: claims made here are the daemon's. */
  readonly holder: string;
  readonly logLevel: string;
  /** Human-readable log lines, as the main thread writes them (stderr is a terminal). */
  readonly prettyLogs: boolean;
}

const port = parentPort!;
const { config, holder, logLevel, prettyLogs } = workerData as OutboxWorkerData;
const log = createLogger(logLevel, { pretty: prettyLogs }).child({ thread: 'outbox' });
const wakeup = new Wakeup();
const abort = new AbortController();
port.on('message', (message: unknown) => {
  if (message === 'wake') wakeup.notify();
  else if (message === 'stop') abort.abort();
});

const database = await openDatabase({ url: config.database.url, dataDir: config.database.dataDir, maxConnections: 4 });
const sender = createSmtpSender(config.mailbox.smtp);
try {
  const render = createTemplateRenderer({ templatesDir: TEMPLATES_DIR, overrideDir: config.templates.overrideDir });
  await runOutboxLoop(
    { db: database.db, clock: systemClock, log, config, render, sender, random: Math.random },
    holder,
    wakeup,
    abort.signal,
  );
} finally {
  sender.close();
  await database.close();
  port.close();
}
