// Structured logs. Personal data (addresses, subjects, bodies) is logged only at trace level:
// a complaints mailbox is full of it.
import { pino, type Logger } from 'pino';

export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    {
      level,
      base: { app: 'reclam' },
      redact: { paths: ['*.password', '*.pass', '*.replySecret', 'config.security'], censor: '***' },
    },
    pino.destination({ dest: (destination as unknown as { fd?: number }).fd ?? 2, sync: true }),
  );
}
