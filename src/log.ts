// Structured logs. Personal data (addresses, subjects, bodies) is logged only at trace level:
// a complaints mailbox is full of it. On a terminal the lines are made readable by pino-pretty
// (one line per entry, time, level, message, then the fields); elsewhere (systemd's journal, a
// file, a pipe) each entry is one JSON line.
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type PinoPrettyModule from 'pino-pretty';

// Loaded only for a terminal: every command but the daemon under systemd would pay for it.
const loadPretty = (): typeof PinoPrettyModule => createRequire(import.meta.url)('pino-pretty');

export interface LoggerOptions {
  /** Where entries go: a stream with an fd is written through that fd (default stderr). */
  readonly destination?: NodeJS.WritableStream;
  /** Human-readable lines instead of JSON; default: when the destination is a terminal. */
  readonly pretty?: boolean;
}

export const LOG_REDACT = { paths: ['*.password', '*.pass', '*.replySecret', 'config.security'], censor: '***' };

export function createLogger(level: string, options: LoggerOptions | NodeJS.WritableStream = {}): Logger {
  const { destination = process.stderr, pretty } = isStream(options) ? { destination: options } : options;
  const fd = (destination as unknown as { fd?: number }).fd;
  const human = pretty ?? (destination as { isTTY?: boolean }).isTTY === true;
  const target: DestinationStream = human
    ? loadPretty()({
        destination: fd ?? (destination as DestinationStream),
        sync: true,
        colorize: (destination as { isTTY?: boolean }).isTTY === true,
        translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
        ignore: 'pid,hostname,app',
        singleLine: true,
      })
    : fd !== undefined
      ? pino.destination({ dest: fd, sync: true })
      : (destination as DestinationStream);
  return pino({ level, base: { app: 'reclam' }, redact: LOG_REDACT }, target);
}

/** Whether entries written to stderr are shown to a person (the outbox thread follows the main thread). */
export function stderrIsTerminal(): boolean {
  return process.stderr.isTTY === true;
}

function isStream(value: LoggerOptions | NodeJS.WritableStream): value is NodeJS.WritableStream {
  return typeof (value as NodeJS.WritableStream).write === 'function';
}
